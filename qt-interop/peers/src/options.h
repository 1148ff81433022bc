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
};
