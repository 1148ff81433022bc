// Modes replica-static and replica-dynamic: acquires one replica and reports everything it sees.
#pragma once

#include "peer.h"
#include "signalrelay.h"

#include <QtRemoteObjects/QAbstractItemModelReplica>
#include <QtRemoteObjects/QRemoteObjectNode>
#include <QtRemoteObjects/QRemoteObjectReplica>

#include <memory>

// Implemented in staticreplicas.cpp: node.acquire<ClassReplica>(name), or nullptr for an
// unknown class.
QRemoteObjectReplica *acquireStaticReplica(QRemoteObjectNode &node, const QString &className,
                                           const QString &name);

// The MODEL child property `name` of a repc replica (nullptr when there is none).
QAbstractItemModelReplica *childModel(QRemoteObjectReplica *replica, const QString &name);

class ReplicaPeer : public Peer
{
    Q_OBJECT

public:
    explicit ReplicaPeer(const Options &options, QObject *parent = nullptr);
    ~ReplicaPeer() override;

    bool start() override;

protected:
    bool handle(const QByteArray &command, CommandLine &args, QJsonObject *response,
                QString *error) override;

private:
    bool isDynamic() const;
    bool acquire(QString *error);
    void release();
    // Connects the relay to the replica's own signals (once its meta-object is known).
    void watchReplicaSignals();
    void onSignal(const QMetaMethod &signal, const QVariantList &args);
    bool requireReplica(QString *error) const;
    bool setProperty(const QString &name, const QByteArray &jsonText, const QString &how,
                     QJsonObject *response, QString *error);
    bool call(const QByteArray &id, const QString &method, const QByteArray &jsonArgs,
              QJsonObject *response, QString *error);

    // Declaration order = reverse destruction order: replica and relay go before the node.
    QRemoteObjectNode m_node;
    std::unique_ptr<QRemoteObjectReplica> m_replica;
    std::unique_ptr<SignalRelay> m_relay;
    bool m_metaObjectKnown = false; // false for a dynamic replica until its first initialization
};
