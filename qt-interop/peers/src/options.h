// Command-line options shared by every mode of qtro_qt_peer.
#pragma once

#include <QtCore/QString>
#include <QtCore/QUrl>

struct Options
{
    QString mode;        // source-static, source-plain, replica-static, replica-dynamic, registry
    QString className;   // Simple or Interop (source-static, replica-static)
    QUrl url;            // --url: host URL (sources, registry) or URL to connect to (replicas)
    QUrl registry;       // --registry: registry URL
    QString name;        // --name: remoted/acquired object name (defaults per mode)
    int heartbeatMs = 0; // --heartbeat: QRemoteObjectNode::heartbeatInterval (0 = off)
    bool templateApi = false; // --source-api template: enableRemoting<ClassSourceAPI>(&source)

    // Item-model modes (model-source KIND, model-replica NAME).
    QString modelKind;         // model-source: table, tree, rolenames, big
    QString roles;             // --roles R,..: remoted roles (source) / rolesHint (replica)
    bool rolesSet = false;     // --roles given (else the kind's default roles)
    bool selection = false;    // --selection: remote a QItemSelectionModel too (source)
    int rows = -1;             // --rows N (source; -1 = the kind's default)
    bool prefetch = false;     // --initial prefetch / --prefetch N: QtRemoteObjects::PrefetchData
    int cacheSize = -1;        // --prefetch N / --cache N: QTRO_NODES_CACHE_SIZE (-1 = Qt's default)
    bool tester = true;        // --no-tester: no QAbstractItemModelTester on the replica
};
