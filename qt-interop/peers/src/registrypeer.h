// Mode registry: a QRemoteObjectRegistryHost on --url.
#pragma once

#include "peer.h"

#include <QtRemoteObjects/QRemoteObjectRegistryHost>

class RegistryPeer : public Peer
{
    Q_OBJECT

public:
    explicit RegistryPeer(const Options &options, QObject *parent = nullptr);

    bool start() override;

protected:
    bool handle(const QByteArray &command, CommandLine &args, QJsonObject *response,
                QString *error) override;

private:
    // hostUrl() is protected here; registryUrl() reports the bound address after listening.
    QRemoteObjectRegistryHost m_host;
};
