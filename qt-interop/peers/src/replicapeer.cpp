#include "replicapeer.h"

#include "jsonvariant.h"
#include "metautil.h"
#include "modelreplicapeer.h"
#include "output.h"

#include <QtCore/QJsonArray>
#include <QtCore/QMetaEnum>
#include <QtRemoteObjects/QRemoteObjectDynamicReplica>
#include <QtRemoteObjects/QRemoteObjectPendingCall>

namespace {

const QMetaObject *replicaBase()
{
    return &QRemoteObjectReplica::staticMetaObject;
}

QString stateName(QRemoteObjectReplica::State state)
{
    return QString::fromLatin1(QMetaEnum::fromType<QRemoteObjectReplica::State>().valueToKey(state));
}

QString errorName(QRemoteObjectNode::ErrorCode code)
{
    return QString::fromLatin1(QMetaEnum::fromType<QRemoteObjectNode::ErrorCode>().valueToKey(code));
}

// Call ids are echoed back as numbers when they are integers, as strings otherwise.
QJsonValue idValue(const QByteArray &id)
{
    bool isNumber = false;
    const int number = id.toInt(&isNumber);
    return isNumber ? QJsonValue(number) : QJsonValue(QString::fromLatin1(id));
}

} // namespace

ReplicaPeer::ReplicaPeer(const Options &options, QObject *parent) : Peer(options, parent)
{
    // Dynamic replicas declare non-void methods as returning "QRemoteObjectPendingCall"; the
    // name must be registered for QMetaMethod::returnType() to resolve it.
    qRegisterMetaType<QRemoteObjectPendingCall>();
}

ReplicaPeer::~ReplicaPeer()
{
    release();
}

bool ReplicaPeer::isDynamic() const
{
    return m_options.mode == QLatin1String("replica-dynamic");
}

bool ReplicaPeer::start()
{
    if (m_options.url.isEmpty() && m_options.registry.isEmpty()) {
        fatal(QStringLiteral("%1 needs --url or --registry").arg(m_options.mode));
        return false;
    }
    configureNode(&m_node);
    if (!m_options.registry.isEmpty() && !m_node.setRegistryUrl(m_options.registry)) {
        fatal(QStringLiteral("cannot use registry %1").arg(m_options.registry.toString()),
              QJsonObject{{QStringLiteral("code"), errorName(m_node.lastError())}});
        return false;
    }
    if (!m_options.url.isEmpty() && !m_node.connectToNode(m_options.url)) {
        fatal(QStringLiteral("cannot connect to %1").arg(m_options.url.toString()),
              QJsonObject{{QStringLiteral("code"), errorName(m_node.lastError())}});
        return false;
    }
    watchNode(&m_node);

    QString error;
    if (!acquire(&error)) {
        fatal(error);
        return false;
    }
    QJsonObject ready;
    ready.insert(QStringLiteral("mode"), m_options.mode);
    ready.insert(QStringLiteral("qt"), QString::fromLatin1(qVersion()));
    ready.insert(QStringLiteral("name"), m_options.name);
    if (!m_options.url.isEmpty())
        ready.insert(QStringLiteral("url"), m_options.url.toString());
    if (!m_options.registry.isEmpty())
        ready.insert(QStringLiteral("registry"), m_options.registry.toString());
    ready.insert(QStringLiteral("state"), stateName(m_replica->state()));
    out::event("ready", ready);
    return true;
}

bool ReplicaPeer::acquire(QString *error)
{
    if (m_replica) {
        *error = QStringLiteral("a replica is already acquired");
        return false;
    }
    QRemoteObjectReplica *replica = isDynamic()
            ? m_node.acquireDynamic(m_options.name)
            : acquireStaticReplica(m_node, m_options.className, m_options.name);
    if (!replica) {
        *error = QStringLiteral("cannot acquire %1").arg(m_options.name);
        return false;
    }
    m_replica.reset(replica);
    m_relay = std::make_unique<SignalRelay>(
            [this](QObject *, const QMetaMethod &signal, const QVariantList &args) { onSignal(signal, args); });
    m_metaObjectKnown = false;

    // Qt's order on the way to Valid: initialized, stateChanged, notify signals, notified.
    connect(replica, &QRemoteObjectReplica::initialized, this, [this]() {
        out::event("initialized");
        if (!m_metaObjectKnown) {
            out::event("interface", metautil::describeInterface(m_replica->metaObject(), replicaBase()));
            watchReplicaSignals();
        }
    });
    connect(replica, &QRemoteObjectReplica::stateChanged, this,
            [](QRemoteObjectReplica::State state, QRemoteObjectReplica::State oldState) {
                QJsonObject fields;
                fields.insert(QStringLiteral("state"), stateName(state));
                fields.insert(QStringLiteral("old"), stateName(oldState));
                out::event("state", fields);
            });
    connect(replica, &QRemoteObjectReplica::notified, this, []() { out::event("notified"); });

    if (!isDynamic()) {
        out::event("interface", metautil::describeInterface(replica->metaObject(), replicaBase()));
        watchReplicaSignals();
    }
    return true;
}

void ReplicaPeer::release()
{
    m_relay.reset();
    m_replica.reset();
    m_metaObjectKnown = false;
}

void ReplicaPeer::watchReplicaSignals()
{
    const QMetaObject *mo = m_replica->metaObject();
    for (int i = replicaBase()->methodCount(); i < mo->methodCount(); ++i) {
        if (mo->method(i).methodType() == QMetaMethod::Signal)
            m_relay->watch(m_replica.get(), mo->method(i));
    }
    m_metaObjectKnown = true;
}

void ReplicaPeer::onSignal(const QMetaMethod &signal, const QVariantList &args)
{
    const QMetaObject *mo = m_replica->metaObject();
    const int propertyIndex = metautil::propertyForNotifySignal(mo, replicaBase(), signal.methodIndex());
    if (propertyIndex >= 0) {
        const QMetaProperty property = mo->property(propertyIndex);
        QJsonObject fields = out::valueFields(property.read(m_replica.get()));
        fields.insert(QStringLiteral("name"), QString::fromLatin1(property.name()));
        // What the notify signal itself carried (a host may send it without arguments; the
        // replica then emits the value it stored).
        fields.insert(QStringLiteral("args"), out::argsFields(args).value(QStringLiteral("args")));
        out::event("property", fields);
        return;
    }
    QJsonObject fields = out::argsFields(args);
    fields.insert(QStringLiteral("name"), QString::fromLatin1(signal.name()));
    fields.insert(QStringLiteral("signature"), QString::fromLatin1(signal.methodSignature()));
    out::event("signal", fields);
}

bool ReplicaPeer::requireReplica(QString *error) const
{
    if (!m_replica) {
        *error = QStringLiteral("no replica (released)");
        return false;
    }
    if (!m_metaObjectKnown) {
        *error = QStringLiteral("the dynamic replica has not been initialized yet");
        return false;
    }
    return true;
}

bool ReplicaPeer::setProperty(const QString &name, const QByteArray &jsonText, const QString &how,
                              QJsonObject *response, QString *error)
{
    if (!requireReplica(error))
        return false;
    const QMetaObject *mo = m_replica->metaObject();
    const QMetaProperty property = metautil::findProperty(mo, replicaBase(), name);
    if (!property.isValid()) {
        *error = QStringLiteral("no property \"%1\"").arg(name);
        return false;
    }
    QJsonValue json;
    if (!jsonvariant::parse(jsonText, &json, error))
        return false;

    const QString pushName = QStringLiteral("push") + name.left(1).toUpper() + name.mid(1);
    QMetaMethod push;
    const bool hasPush = metautil::findMethod(mo, replicaBase(), pushName, 1,
                                              metautil::MethodKind::Callable, &push, nullptr);
    const bool usePush = how == QLatin1String("push") || (how == QLatin1String("auto") && hasPush);
    if (usePush) {
        if (!hasPush) {
            *error = QStringLiteral("the replica has no slot %1").arg(pushName);
            return false;
        }
        QVariant unused;
        if (!metautil::invoke(m_replica.get(), push, QJsonArray{json}, &unused, error))
            return false;
    } else {
        if (!property.isWritable()) {
            *error = QStringLiteral("property %1 is not writable on the replica").arg(name);
            return false;
        }
        QVariant value;
        if (!metautil::propertyValueFromJson(property, json, &value, error))
            return false;
        if (!property.write(m_replica.get(), value)) {
            *error = QStringLiteral("QMetaProperty::write failed for %1").arg(name);
            return false;
        }
    }
    response->insert(QStringLiteral("name"), name);
    response->insert(QStringLiteral("via"), usePush ? QStringLiteral("push") : QStringLiteral("write"));
    response->insert(QStringLiteral("state"), stateName(m_replica->state()));
    return true;
}

bool ReplicaPeer::call(const QByteArray &id, const QString &method, const QByteArray &jsonArgs,
                       QJsonObject *response, QString *error)
{
    if (!id.isEmpty())
        response->insert(QStringLiteral("id"), idValue(id));
    if (!requireReplica(error))
        return false;
    if (id.isEmpty() || method.isEmpty()) {
        *error = QStringLiteral("usage: call ID SLOT [JSONARRAY]");
        return false;
    }
    QJsonValue json(QJsonArray{});
    if (!jsonArgs.isEmpty() && !jsonvariant::parse(jsonArgs, &json, error))
        return false;
    if (!json.isArray()) {
        *error = QStringLiteral("slot arguments must be a JSON array");
        return false;
    }
    QMetaMethod metaMethod;
    QVariant result;
    if (!metautil::findMethod(m_replica->metaObject(), replicaBase(), method, json.toArray().size(),
                              metautil::MethodKind::Callable, &metaMethod, error)
        || !metautil::invoke(m_replica.get(), metaMethod, json.toArray(), &result, error)) {
        return false;
    }
    response->insert(QStringLiteral("method"), QString::fromLatin1(metaMethod.methodSignature()));
    response->insert(QStringLiteral("state"), stateName(m_replica->state()));
    const bool isVoid = metaMethod.returnType() == QMetaType::Void;
    response->insert(QStringLiteral("void"), isVoid);
    if (isVoid)
        return true;

    // Static replicas return QRemoteObjectPendingReply<T> (repc registers a conversion to
    // QRemoteObjectPendingCall), dynamic replicas return QRemoteObjectPendingCall itself.
    if (!result.canConvert<QRemoteObjectPendingCall>()) {
        *error = QStringLiteral("%1 returned %2, not a pending call")
                         .arg(QString::fromLatin1(metaMethod.methodSignature()),
                              QString::fromLatin1(result.typeName()));
        return false;
    }
    const QRemoteObjectPendingCall pending = result.value<QRemoteObjectPendingCall>();
    auto *watcher = new QRemoteObjectPendingCallWatcher(pending, this);
    const QJsonValue replyId = idValue(id);
    connect(watcher, &QRemoteObjectPendingCallWatcher::finished, this,
            [replyId](QRemoteObjectPendingCallWatcher *finished) {
                QJsonObject fields = out::valueFields(finished->returnValue());
                fields.insert(QStringLiteral("id"), replyId);
                if (finished->error() != QRemoteObjectPendingCall::NoError)
                    fields.insert(QStringLiteral("error"), QStringLiteral("InvalidMessage"));
                out::event("reply", fields);
                finished->deleteLater();
            });
    return true;
}

bool ReplicaPeer::handle(const QByteArray &command, CommandLine &args, QJsonObject *response,
                         QString *error)
{
    if (command == "set" || command == "write" || command == "push") {
        const QString name = QString::fromLatin1(args.takeWord());
        const QString how = command == "set" ? QStringLiteral("auto") : QString::fromLatin1(command);
        return setProperty(name, args.rest(), how, response, error);
    }
    if (command == "call") {
        const QByteArray id = args.takeWord();
        const QString method = QString::fromLatin1(args.takeWord());
        return call(id, method, args.rest(), response, error);
    }
    if (command == "get") {
        if (!requireReplica(error))
            return false;
        const QString name = QString::fromLatin1(args.takeWord());
        const QMetaProperty property = metautil::findProperty(m_replica->metaObject(), replicaBase(), name);
        if (!property.isValid()) {
            *error = QStringLiteral("no property \"%1\"").arg(name);
            return false;
        }
        *response = out::valueFields(property.read(m_replica.get()));
        response->insert(QStringLiteral("name"), name);
        response->insert(QStringLiteral("state"), stateName(m_replica->state()));
        return true;
    }
    if (command == "dump") {
        if (!requireReplica(error))
            return false;
        response->insert(QStringLiteral("properties"), metautil::propertyValues(m_replica.get(), replicaBase()));
        response->insert(QStringLiteral("state"), stateName(m_replica->state()));
        return true;
    }
    if (command == "state") {
        response->insert(QStringLiteral("state"),
                         m_replica ? stateName(m_replica->state()) : QStringLiteral("Released"));
        return true;
    }
    if (command == "release") {
        if (!m_replica) {
            *error = QStringLiteral("no replica (released)");
            return false;
        }
        release();
        return true;
    }
    if (command == "walk-child" || command == "child") {
        // walk-child NAME [TIMEOUT_MS] = child NAME walk [TIMEOUT_MS]; child NAME CMD ARGS runs any
        // model-replica command (rows, count, get, set, headers, roles) on the MODEL child.
        const QString name = QString::fromLatin1(args.takeWord());
        QAbstractItemModelReplica *model = childModel(m_replica.get(), name);
        if (!model) {
            *error = QStringLiteral("no MODEL child \"%1\"").arg(name);
            return false;
        }
        const QByteArray sub = command == "walk-child" ? QByteArray("walk") : args.takeWord();
        bool handled = false;
        const bool ok = modelcommands::handle(model, sub, args, response, error, &handled,
                                              [this]() { deferReply(); }, this, command);
        if (!handled)
            *error = QStringLiteral("unknown model command \"%1\"").arg(QString::fromLatin1(sub));
        return handled && ok;
    }
    if (command == "acquire") {
        if (!acquire(error))
            return false;
        response->insert(QStringLiteral("state"), stateName(m_replica->state()));
        return true;
    }
    *error = QStringLiteral("unknown command");
    return false;
}
