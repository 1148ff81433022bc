// Mode model-source KIND: hosts a model with QRemoteObjectHost::enableRemoting(model, name, roles,
// selectionModel) and changes it on command.
#pragma once

#include "models.h"
#include "peer.h"

#include <QtCore/QItemSelectionModel>
#include <QtRemoteObjects/QRemoteObjectHost>

#include <memory>

class ModelSourcePeer : public Peer
{
    Q_OBJECT

public:
    explicit ModelSourcePeer(const Options &options, QObject *parent = nullptr);
    ~ModelSourcePeer() override;

    bool start() override;

protected:
    bool handle(const QByteArray &command, CommandLine &args, QJsonObject *response,
                QString *error) override;

private:
    // Declaration order = reverse destruction order: the host goes before the models.
    std::unique_ptr<SourceModel> m_source;
    std::unique_ptr<QItemSelectionModel> m_selection;
    QRemoteObjectHost m_host;
    QList<int> m_roles; // as given to enableRemoting
};
