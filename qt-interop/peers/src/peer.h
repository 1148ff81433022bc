// Base of the three peer kinds (source, replica, registry): command dispatch, common commands
// and node-level events.
#pragma once

#include "options.h"

#include <QtCore/QByteArray>
#include <QtCore/QJsonObject>
#include <QtCore/QObject>
#include <QtCore/QString>

class QRemoteObjectNode;

// One command line split into words; the last argument may be free text (JSON).
class CommandLine
{
public:
    explicit CommandLine(const QByteArray &line) : m_rest(line.trimmed()) {}

    // Takes the next whitespace-separated word (empty when none is left).
    QByteArray takeWord();
    // The unparsed remainder, trimmed.
    QByteArray rest() const { return m_rest; }

private:
    QByteArray m_rest;
};

class Peer : public QObject
{
    Q_OBJECT

public:
    explicit Peer(const Options &options, QObject *parent = nullptr);

    // Sets everything up and prints the start-up events ending with "ready". On failure prints
    // a "fatal" event and returns false.
    virtual bool start() = 0;

    // Executes one command line and prints exactly one "ok" or "error" event for it (plus any
    // events the command causes synchronously, which come first).
    void execute(const QByteArray &line);

Q_SIGNALS:
    void quitRequested();

protected:
    // Handles a mode-specific command. Returns false with `error` set on failure; on success
    // `response` holds the extra fields of the "ok" event. Unknown commands must fail.
    virtual bool handle(const QByteArray &command, CommandLine &args, QJsonObject *response,
                        QString *error) = 0;

    // Reports node errors and registry activity ("node-error", "registry-*" events).
    void watchNode(QRemoteObjectNode *node);
    // Applies --heartbeat to `node`.
    void configureNode(QRemoteObjectNode *node);
    static void fatal(const QString &message, const QJsonObject &extra = QJsonObject());
    // Called by handle() for a command that answers later: execute() then prints nothing and
    // the handler prints the command's own "ok"/"error" line when it is done.
    void deferReply() { m_replyDeferred = true; }

    const Options m_options;
    QRemoteObjectNode *m_watchedNode = nullptr;

private:
    bool m_replyDeferred = false;
};
