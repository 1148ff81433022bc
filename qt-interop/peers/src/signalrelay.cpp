#include "signalrelay.h"

#include "compat.h"

SignalRelay::SignalRelay(Handler handler, QObject *parent)
    : QObject(parent), m_handler(std::move(handler))
{
}

bool SignalRelay::watch(QObject *sender, const QMetaMethod &signal)
{
    // This class has no Q_OBJECT: its meta-object is QObject's, so every id at or beyond
    // QObject's method count reaches the qt_metacall override below as (id - methodCount).
    const int slotId = QObject::staticMetaObject.methodCount() + int(m_watched.size());
    if (!QMetaObject::connect(sender, signal.methodIndex(), this, slotId, Qt::DirectConnection))
        return false;
    m_watched.append(Watched{sender, signal});
    return true;
}

int SignalRelay::qt_metacall(QMetaObject::Call call, int id, void **argv)
{
    id = QObject::qt_metacall(call, id, argv);
    if (id < 0 || call != QMetaObject::InvokeMetaMethod)
        return id;
    if (id < int(m_watched.size())) {
        const Watched watched = m_watched.at(id); // a copy: the handler may watch more signals
        QVariantList args;
        const int count = watched.signal.parameterCount();
        for (int i = 0; i < count; ++i) {
            const int type = watched.signal.parameterType(i);
            if (type == QMetaType::QVariant)
                args.append(*static_cast<const QVariant *>(argv[i + 1]));
            else if (type == QMetaType::UnknownType)
                args.append(QVariant());
            else
                args.append(compat::makeVariant(type, argv[i + 1]));
        }
        m_handler(watched.sender, watched.signal, args);
    }
    return -1;
}
