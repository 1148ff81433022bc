#include "registrypeer.h"

#include "output.h"

#include <QtCore/QMetaEnum>

RegistryPeer::RegistryPeer(const Options &options, QObject *parent) : Peer(options, parent) {}

bool RegistryPeer::start()
{
    if (m_options.url.isEmpty()) {
        fatal(QStringLiteral("--url is required for registry"));
        return false;
    }
    configureNode(&m_host);
    if (!m_host.setRegistryUrl(m_options.url)) {
        const char *code = QMetaEnum::fromType<QRemoteObjectNode::ErrorCode>().valueToKey(m_host.lastError());
        fatal(QStringLiteral("cannot host a registry on %1").arg(m_options.url.toString()),
              QJsonObject{{QStringLiteral("code"), QString::fromLatin1(code)}});
        return false;
    }
    watchNode(&m_host);
    QJsonObject ready;
    ready.insert(QStringLiteral("mode"), m_options.mode);
    ready.insert(QStringLiteral("qt"), QString::fromLatin1(qVersion()));
    ready.insert(QStringLiteral("url"), m_host.registryUrl().toString());
    out::event("ready", ready);
    return true;
}

bool RegistryPeer::handle(const QByteArray &command, CommandLine &, QJsonObject *response,
                          QString *error)
{
    if (command == "url") {
        response->insert(QStringLiteral("url"), m_host.registryUrl().toString());
        return true;
    }
    *error = QStringLiteral("unknown command");
    return false;
}
