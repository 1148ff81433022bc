#include "peer.h"

#include "output.h"

#include <QtCore/QMetaEnum>
#include <QtRemoteObjects/QRemoteObjectNode>
#include <QtRemoteObjects/QRemoteObjectRegistry>

namespace {

QJsonObject locationFields(const QRemoteObjectSourceLocation &location)
{
    QJsonObject fields;
    fields.insert(QStringLiteral("name"), location.first);
    fields.insert(QStringLiteral("typeName"), location.second.typeName);
    fields.insert(QStringLiteral("hostUrl"), location.second.hostUrl.toString());
    return fields;
}

QString stateName(QRemoteObjectReplica::State state)
{
    return QString::fromLatin1(QMetaEnum::fromType<QRemoteObjectReplica::State>().valueToKey(state));
}

} // namespace

QByteArray CommandLine::takeWord()
{
    int end = 0;
    while (end < m_rest.size() && !QChar::isSpace(uchar(m_rest.at(end))))
        ++end;
    const QByteArray word = m_rest.left(end);
    m_rest = m_rest.mid(end).trimmed();
    return word;
}

Peer::Peer(const Options &options, QObject *parent) : QObject(parent), m_options(options) {}

void Peer::execute(const QByteArray &line)
{
    CommandLine args(line);
    const QByteArray command = args.takeWord();
    QJsonObject response;
    QString error;
    bool ok = true;

    if (command == "quit") {
        out::event("ok", QJsonObject{{QStringLiteral("cmd"), QStringLiteral("quit")}});
        Q_EMIT quitRequested();
        return;
    }
    if (command == "sources") {
        // The registry's table as this node currently knows it.
        const QRemoteObjectRegistry *registry = m_watchedNode ? m_watchedNode->registry() : nullptr;
        if (!registry) {
            ok = false;
            error = QStringLiteral("this node has no registry");
        } else {
            QJsonObject sources;
            const QRemoteObjectSourceLocations locations = registry->sourceLocations();
            for (auto it = locations.cbegin(); it != locations.cend(); ++it)
                sources.insert(it.key(), locationFields(qMakePair(it.key(), it.value())));
            response.insert(QStringLiteral("sources"), sources);
            response.insert(QStringLiteral("state"), stateName(registry->state()));
        }
    } else {
        m_replyDeferred = false;
        ok = handle(command, args, &response, &error);
        if (ok && m_replyDeferred) {
            m_replyDeferred = false;
            return;
        }
    }

    response.insert(QStringLiteral("cmd"), QString::fromLatin1(command));
    if (ok) {
        out::event("ok", response);
    } else {
        response.insert(QStringLiteral("message"), error);
        out::event("error", response);
    }
}

void Peer::configureNode(QRemoteObjectNode *node)
{
    if (m_options.heartbeatMs > 0)
        node->setHeartbeatInterval(m_options.heartbeatMs);
}

void Peer::watchNode(QRemoteObjectNode *node)
{
    m_watchedNode = node;
    connect(node, &QRemoteObjectNode::error, this, [](QRemoteObjectNode::ErrorCode code) {
        const char *key = QMetaEnum::fromType<QRemoteObjectNode::ErrorCode>().valueToKey(code);
        out::event("node-error", QJsonObject{{QStringLiteral("code"), QString::fromLatin1(key)}});
    });
    const QRemoteObjectRegistry *registry = node->registry();
    if (!registry)
        return;
    connect(registry, &QRemoteObjectRegistry::remoteObjectAdded, this,
            [](const QRemoteObjectSourceLocation &location) {
                out::event("registry-added", locationFields(location));
            });
    connect(registry, &QRemoteObjectRegistry::remoteObjectRemoved, this,
            [](const QRemoteObjectSourceLocation &location) {
                out::event("registry-removed", locationFields(location));
            });
    connect(registry, &QRemoteObjectReplica::stateChanged, this,
            [](QRemoteObjectReplica::State state, QRemoteObjectReplica::State oldState) {
                QJsonObject fields;
                fields.insert(QStringLiteral("state"), stateName(state));
                fields.insert(QStringLiteral("old"), stateName(oldState));
                out::event("registry-state", fields);
            });
}

void Peer::fatal(const QString &message, const QJsonObject &extra)
{
    QJsonObject fields = extra;
    fields.insert(QStringLiteral("message"), message);
    out::event("fatal", fields);
}
