#include "commandreader.h"

#include <cerrno>
#include <unistd.h>

CommandReader::CommandReader(QObject *parent)
    : QObject(parent), m_notifier(STDIN_FILENO, QSocketNotifier::Read)
{
    connect(&m_notifier, &QSocketNotifier::activated, this, &CommandReader::readAvailable);
}

void CommandReader::stop()
{
    m_finished = true;
    m_notifier.setEnabled(false);
}

void CommandReader::readAvailable()
{
    if (m_finished)
        return;
    char chunk[4096];
    const ssize_t n = ::read(STDIN_FILENO, chunk, sizeof chunk);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return;
    if (n <= 0) {
        m_finished = true;
        m_notifier.setEnabled(false);
        if (!m_buffer.isEmpty())
            deliver(m_buffer);
        m_buffer.clear();
        Q_EMIT endOfInput();
        return;
    }
    m_buffer.append(chunk, int(n));
    int newline;
    while (!m_finished && (newline = m_buffer.indexOf('\n')) >= 0) {
        const QByteArray raw = m_buffer.left(newline);
        m_buffer.remove(0, newline + 1);
        deliver(raw);
    }
}

void CommandReader::deliver(const QByteArray &raw)
{
    const QByteArray text = raw.trimmed();
    if (text.isEmpty() || text.startsWith('#'))
        return;
    Q_EMIT line(text);
}
