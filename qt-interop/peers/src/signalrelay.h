// Captures arbitrary signals (of any object, static or dynamic meta-object) with their arguments.
//
// Qt has no public "connect to any signal and give me its arguments" API outside QtTest, so this
// uses the same technique as QSignalSpy: each watched signal is connected to a virtual method id
// of this object, and qt_metacall turns the raw argument pointers into QVariants using the
// signal's parameter types.
#pragma once

#include <QtCore/QMetaMethod>
#include <QtCore/QObject>
#include <QtCore/QVariantList>
#include <QtCore/QVector>

#include <functional>

class SignalRelay : public QObject
{
public:
    using Handler = std::function<void(QObject *sender, const QMetaMethod &signal, const QVariantList &args)>;

    explicit SignalRelay(Handler handler, QObject *parent = nullptr);

    // Connects `signal` of `sender` (direct connection). Returns false if Qt refused.
    bool watch(QObject *sender, const QMetaMethod &signal);

    int qt_metacall(QMetaObject::Call call, int id, void **argv) override;

private:
    struct Watched
    {
        QObject *sender;
        QMetaMethod signal;
    };
    QVector<Watched> m_watched;
    Handler m_handler;
};
