#include "sourcepeer.h"

#include "jsonvariant.h"
#include "metautil.h"
#include "output.h"

#include <QtCore/QJsonArray>
#include <QtCore/QMetaEnum>

namespace {

const QMetaObject *sourceBase()
{
    return &QObject::staticMetaObject;
}

QString errorName(QRemoteObjectNode::ErrorCode code)
{
    return QString::fromLatin1(QMetaEnum::fromType<QRemoteObjectNode::ErrorCode>().valueToKey(code));
}

} // namespace

SourcePeer::SourcePeer(const Options &options, std::unique_ptr<HostedObject> hosted, QObject *parent)
    : Peer(options, parent),
      m_hosted(std::move(hosted)),
      m_relay([this](QObject *, const QMetaMethod &signal, const QVariantList &args) { onSignal(signal, args); })
{
}

SourcePeer::~SourcePeer() = default;

bool SourcePeer::start()
{
    if (m_options.url.isEmpty()) {
        fatal(QStringLiteral("--url is required for %1").arg(m_options.mode));
        return false;
    }
    configureNode(&m_host);
    if (!m_host.setHostUrl(m_options.url)) {
        fatal(QStringLiteral("cannot host on %1").arg(m_options.url.toString()),
              QJsonObject{{QStringLiteral("code"), errorName(m_host.lastError())}});
        return false;
    }
    if (!m_options.registry.isEmpty() && !m_host.setRegistryUrl(m_options.registry)) {
        fatal(QStringLiteral("cannot use registry %1").arg(m_options.registry.toString()),
              QJsonObject{{QStringLiteral("code"), errorName(m_host.lastError())}});
        return false;
    }
    watchNode(&m_host);

    QObject *object = m_hosted->object();
    const QMetaObject *mo = object->metaObject();
    for (int i = sourceBase()->methodCount(); i < mo->methodCount(); ++i) {
        if (mo->method(i).methodType() == QMetaMethod::Signal)
            m_relay.watch(object, mo->method(i));
    }
    out::event("interface", metautil::describeInterface(mo, sourceBase()));

    QString error;
    if (!enable(&error)) {
        fatal(error, QJsonObject{{QStringLiteral("code"), errorName(m_host.lastError())}});
        return false;
    }
    QJsonObject ready;
    ready.insert(QStringLiteral("mode"), m_options.mode);
    ready.insert(QStringLiteral("qt"), QString::fromLatin1(qVersion()));
    ready.insert(QStringLiteral("url"), m_host.hostUrl().toString());
    ready.insert(QStringLiteral("name"), m_options.name);
    if (!m_options.registry.isEmpty())
        ready.insert(QStringLiteral("registry"), m_options.registry.toString());
    out::event("ready", ready);
    return true;
}

bool SourcePeer::enable(QString *error)
{
    if (m_enabled) {
        *error = QStringLiteral("already enabled");
        return false;
    }
    bool ok;
    if (m_options.templateApi) {
        ok = m_hosted->enableRemotingWithTemplateApi(m_host, error);
    } else {
        ok = m_host.enableRemoting(m_hosted->object(), m_options.name);
    }
    if (!ok) {
        if (error->isEmpty())
            *error = QStringLiteral("enableRemoting failed");
        return false;
    }
    m_enabled = true;
    return true;
}

bool SourcePeer::handle(const QByteArray &command, CommandLine &args, QJsonObject *response,
                        QString *error)
{
    QObject *object = m_hosted->object();
    const QMetaObject *mo = object->metaObject();

    if (command == "set") {
        const QString name = QString::fromLatin1(args.takeWord());
        const QMetaProperty property = metautil::findProperty(mo, sourceBase(), name);
        if (!property.isValid()) {
            *error = QStringLiteral("no property \"%1\"").arg(name);
            return false;
        }
        QJsonValue json;
        QVariant value;
        if (!jsonvariant::parse(args.rest(), &json, error)
            || !metautil::propertyValueFromJson(property, json, &value, error)
            || !m_hosted->writeLocally(property, value, error)) {
            return false;
        }
        response->insert(QStringLiteral("name"), name);
        return true;
    }
    if (command == "get") {
        const QString name = QString::fromLatin1(args.takeWord());
        const QMetaProperty property = metautil::findProperty(mo, sourceBase(), name);
        if (!property.isValid()) {
            *error = QStringLiteral("no property \"%1\"").arg(name);
            return false;
        }
        *response = out::valueFields(property.read(object));
        response->insert(QStringLiteral("name"), name);
        return true;
    }
    if (command == "dump") {
        response->insert(QStringLiteral("properties"), metautil::propertyValues(object, sourceBase()));
        return true;
    }
    if (command == "emit") {
        const QString name = QString::fromLatin1(args.takeWord());
        QJsonValue json(QJsonArray{});
        if (!args.rest().isEmpty() && !jsonvariant::parse(args.rest(), &json, error))
            return false;
        if (!json.isArray()) {
            *error = QStringLiteral("signal arguments must be a JSON array");
            return false;
        }
        QMetaMethod signal;
        QVariant unused;
        if (!metautil::findMethod(mo, sourceBase(), name, json.toArray().size(),
                                  metautil::MethodKind::Signal, &signal, error)
            || !metautil::invoke(object, signal, json.toArray(), &unused, error)) {
            return false;
        }
        response->insert(QStringLiteral("signal"), QString::fromLatin1(signal.methodSignature()));
        return true;
    }
    if (command == "disable") {
        if (!m_enabled || !m_host.disableRemoting(object)) {
            *error = QStringLiteral("disableRemoting failed");
            return false;
        }
        m_enabled = false;
        return true;
    }
    if (command == "enable")
        return enable(error);
    if (command == "url") {
        response->insert(QStringLiteral("url"), m_host.hostUrl().toString());
        return true;
    }
    bool handled = false;
    const bool ok = m_hosted->command(command, args.rest(), response, error, &handled);
    if (handled)
        return ok;
    *error = QStringLiteral("unknown command");
    return false;
}

void SourcePeer::onSignal(const QMetaMethod &signal, const QVariantList &args)
{
    QObject *object = m_hosted->object();
    const QMetaObject *mo = object->metaObject();
    const int propertyIndex = metautil::propertyForNotifySignal(mo, sourceBase(), signal.methodIndex());
    if (propertyIndex >= 0) {
        const QMetaProperty property = mo->property(propertyIndex);
        QJsonObject fields = out::valueFields(property.read(object));
        fields.insert(QStringLiteral("name"), QString::fromLatin1(property.name()));
        out::event("property", fields);
        return;
    }
    QJsonObject fields = out::argsFields(args);
    fields.insert(QStringLiteral("name"), QString::fromLatin1(signal.name()));
    fields.insert(QStringLiteral("signature"), QString::fromLatin1(signal.methodSignature()));
    out::event("signal", fields);
}
