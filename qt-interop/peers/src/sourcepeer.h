// Modes source-static and source-plain: hosts one object on a QRemoteObjectHost.
#pragma once

#include "hostedobject.h"
#include "peer.h"
#include "signalrelay.h"

#include <QtRemoteObjects/QRemoteObjectHost>

#include <memory>

class SourcePeer : public Peer
{
    Q_OBJECT

public:
    SourcePeer(const Options &options, std::unique_ptr<HostedObject> hosted, QObject *parent = nullptr);
    ~SourcePeer() override;

    bool start() override;

protected:
    bool handle(const QByteArray &command, CommandLine &args, QJsonObject *response,
                QString *error) override;

private:
    bool enable(QString *error);
    void onSignal(const QMetaMethod &signal, const QVariantList &args);

    // Declaration order = reverse destruction order: the relay and the host go before the object.
    std::unique_ptr<HostedObject> m_hosted;
    QRemoteObjectHost m_host;
    SignalRelay m_relay;
    bool m_enabled = false;
};
