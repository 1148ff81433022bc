#include "output.h"

#include "compat.h"
#include "jsonvariant.h"

#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QMutex>
#include <QtCore/QMutexLocker>
#include <QtCore/QString>

#include <cstdio>
#include <cstdlib>

namespace out {
namespace {

QMutex &outputMutex()
{
    static QMutex mutex;
    return mutex;
}

const char *levelName(QtMsgType type)
{
    switch (type) {
    case QtDebugMsg: return "debug";
    case QtInfoMsg: return "info";
    case QtWarningMsg: return "warning";
    case QtCriticalMsg: return "critical";
    case QtFatalMsg: return "fatal";
    }
    return "unknown";
}

void qtMessageHandler(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    QJsonObject fields;
    fields.insert(QStringLiteral("level"), QLatin1String(levelName(type)));
    fields.insert(QStringLiteral("category"),
                  QLatin1String(context.category ? context.category : "default"));
    fields.insert(QStringLiteral("message"), message);
    event("log", fields);
    if (type == QtFatalMsg)
        std::abort();
}

} // namespace

void event(const char *name, const QJsonObject &fields)
{
    QByteArray line = QByteArrayLiteral("{\"event\":\"") + name + '"';
    if (!fields.isEmpty()) {
        const QByteArray body = QJsonDocument(fields).toJson(QJsonDocument::Compact);
        line += ',' + body.mid(1, body.size() - 2);
    }
    line += "}\n";
    QMutexLocker locker(&outputMutex());
    std::fwrite(line.constData(), 1, size_t(line.size()), stdout);
    std::fflush(stdout);
}

void installQtMessageHandler()
{
    qInstallMessageHandler(qtMessageHandler);
}

QJsonObject valueFields(const QVariant &value)
{
    QJsonObject fields;
    fields.insert(QStringLiteral("value"), jsonvariant::toJson(value));
    fields.insert(QStringLiteral("type"), QString::fromLatin1(compat::variantTypeName(value)));
    return fields;
}

QJsonObject argsFields(const QVariantList &args)
{
    QJsonArray values;
    QJsonArray types;
    for (const QVariant &arg : args) {
        values.append(jsonvariant::toJson(arg));
        types.append(QString::fromLatin1(compat::variantTypeName(arg)));
    }
    QJsonObject fields;
    fields.insert(QStringLiteral("args"), values);
    fields.insert(QStringLiteral("types"), types);
    return fields;
}

QJsonObject merged(QJsonObject base, const QJsonObject &extra)
{
    for (auto it = extra.constBegin(); it != extra.constEnd(); ++it)
        base.insert(it.key(), it.value());
    return base;
}

} // namespace out
