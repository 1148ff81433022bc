// Mode model-replica NAME: acquires a model with QRemoteObjectNode::acquireModel, attaches a
// QAbstractItemModelTester (Fatal) when QtTest is available, and reports every model signal.
// The model commands are shared with the MODEL children of replica-static (walk-child).
#pragma once

#include "peer.h"

#include <QtRemoteObjects/QAbstractItemModelReplica>
#include <QtRemoteObjects/QRemoteObjectNode>

#include <memory>

namespace modelcommands {

// Attaches the tester (unless disabled), the signal reports and the "initialized" report.
void watch(QAbstractItemModelReplica *model, QObject *context, bool tester, const QString &label = QString());

// Handles walk, rows, headers, count, get, set, select, roles for `model`. Returns false with
// *handled = false for other commands. Asynchronous commands call `defer()` and print their
// own "ok"/"error" line later (with "cmd": replyAs, default `command`).
bool handle(QAbstractItemModelReplica *model, const QByteArray &command, CommandLine &args, QJsonObject *response,
            QString *error, bool *handled, const std::function<void()> &defer, QObject *context,
            const QByteArray &replyAs = QByteArray());

} // namespace modelcommands

class ModelReplicaPeer : public Peer
{
    Q_OBJECT

public:
    explicit ModelReplicaPeer(const Options &options, QObject *parent = nullptr);
    ~ModelReplicaPeer() override;

    bool start() override;

protected:
    bool handle(const QByteArray &command, CommandLine &args, QJsonObject *response,
                QString *error) override;

private:
    // Declaration order = reverse destruction order: the model replica goes before the node.
    QRemoteObjectNode m_node;
    std::unique_ptr<QAbstractItemModelReplica> m_model;
};
