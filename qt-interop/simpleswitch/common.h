// Shared bits of the simpleswitch source and replica: one-line logging and option parsing.
#pragma once

#include <QtCore/QCommandLineParser>
#include <QtCore/QCoreApplication>
#include <QtCore/QString>
#include <QtCore/QUrl>

#include <cstdio>

namespace simpleswitch {

// Prints one line on stdout and flushes it, so a reading process sees it immediately.
inline void log(const QString &line)
{
    const QByteArray text = line.toUtf8() + '\n';
    std::fwrite(text.constData(), 1, size_t(text.size()), stdout);
    std::fflush(stdout);
}

inline QString boolText(bool value)
{
    return value ? QStringLiteral("true") : QStringLiteral("false");
}

// A non-negative integer option; prints an error and returns false if the value is not one.
inline bool intOption(const QCommandLineParser &parser, const QCommandLineOption &option, int *out)
{
    bool ok = false;
    *out = parser.value(option).toInt(&ok);
    if (!ok || *out < 0) {
        log(QStringLiteral("error: --%1 must be a non-negative integer").arg(option.names().first()));
        return false;
    }
    return true;
}

inline QCommandLineOption urlOption()
{
    return QCommandLineOption(QStringLiteral("url"),
                              QStringLiteral("Node URL (default local:switch): tcp://HOST:PORT, "
                                             "local:NAME or localabstract:NAME"),
                              QStringLiteral("url"), QStringLiteral("local:switch"));
}

} // namespace simpleswitch
