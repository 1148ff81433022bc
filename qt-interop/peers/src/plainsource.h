// A plain QObject (no repc) remoted with enableRemoting(object, name): the "dynamic API" path
// where QtRO derives the API lists from the meta-object and advertises no type name and no
// signature.
//
// API lists (wire indexes), in meta-object declaration order:
//   properties: 0 value, 1 name, 2 ratio, 3 anything (QVariant), 4 tags, 5 mode (enum),
//               6 ticks (read-only), 7 label (CONSTANT, no notify)
//   signals:    0 valueChanged .. 6 ticksChanged (property order), 7 fired
//   methods:    0 add, 1 echo, 2 scale, 3 reset, 4 emitFired, 5 applyTicks, 6 multiply
//               (Q_INVOKABLE), 7 identity (Q_INVOKABLE)
#pragma once

#include "hostedobject.h"

#include <QtCore/QObject>
#include <QtCore/QString>
#include <QtCore/QStringList>
#include <QtCore/QVariant>

class PlainObject : public QObject, public HostedObject
{
    Q_OBJECT
    Q_PROPERTY(int value READ value WRITE setValue NOTIFY valueChanged)
    Q_PROPERTY(QString name READ name WRITE setName NOTIFY nameChanged)
    Q_PROPERTY(double ratio READ ratio WRITE setRatio NOTIFY ratioChanged)
    Q_PROPERTY(QVariant anything READ anything WRITE setAnything NOTIFY anythingChanged)
    Q_PROPERTY(QStringList tags READ tags WRITE setTags NOTIFY tagsChanged)
    Q_PROPERTY(Mode mode READ mode WRITE setMode NOTIFY modeChanged)
    Q_PROPERTY(int ticks READ ticks NOTIFY ticksChanged)
    Q_PROPERTY(QString label READ label CONSTANT)

public:
    enum Mode { Off = 0, On = 2, Auto = 3 };
    Q_ENUM(Mode)

    explicit PlainObject(QObject *parent = nullptr);

    QObject *object() override { return this; }
    bool writeLocally(const QMetaProperty &property, const QVariant &value, QString *error) override;

    int value() const { return m_value; }
    QString name() const { return m_name; }
    double ratio() const { return m_ratio; }
    QVariant anything() const { return m_anything; }
    QStringList tags() const { return m_tags; }
    Mode mode() const { return m_mode; }
    int ticks() const { return m_ticks; }
    QString label() const { return QStringLiteral("plain"); }

    void setValue(int value);
    void setName(const QString &name);
    void setRatio(double ratio);
    void setAnything(const QVariant &anything);
    void setTags(const QStringList &tags);
    void setMode(Mode mode);

    Q_INVOKABLE int multiply(int a, int b);
    Q_INVOKABLE QVariant identity(const QVariant &v);

Q_SIGNALS:
    void valueChanged(int value);
    void nameChanged(const QString &name);
    void ratioChanged(double ratio);
    void anythingChanged(const QVariant &anything);
    void tagsChanged(const QStringList &tags);
    void modeChanged(PlainObject::Mode mode);
    void ticksChanged(int ticks);
    void fired(int code, const QString &message);

public Q_SLOTS:
    int add(int a, int b);
    QString echo(const QString &s);
    double scale(double v, double f);
    void reset();
    void emitFired(int code, const QString &message);
    void applyTicks(int ticks);

private:
    void setTicks(int ticks);

    int m_value = 0;
    QString m_name;
    double m_ratio = 1.5;
    QVariant m_anything;
    QStringList m_tags;
    Mode m_mode = Off;
    int m_ticks = 0;
};
