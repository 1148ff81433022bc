// Reads commands from stdin, one per line, inside the Qt event loop (no extra thread).
//
// Emits line() for every complete non-empty line that does not start with '#', and
// endOfInput() once stdin reaches EOF (a final unterminated line is delivered first).
#pragma once

#include <QtCore/QByteArray>
#include <QtCore/QObject>
#include <QtCore/QSocketNotifier>

class CommandReader : public QObject
{
    Q_OBJECT

public:
    explicit CommandReader(QObject *parent = nullptr);

    // Stops delivering lines (e.g. after "quit"); later input is ignored.
    void stop();

Q_SIGNALS:
    void line(const QByteArray &line);
    void endOfInput();

private:
    void readAvailable();
    void deliver(const QByteArray &raw);

    QSocketNotifier m_notifier;
    QByteArray m_buffer;
    bool m_finished = false;
};
