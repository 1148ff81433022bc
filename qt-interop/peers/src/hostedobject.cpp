#include "hostedobject.h"

#include "output.h"

#include <QtCore/QObject>

bool HostedObject::enableRemotingWithTemplateApi(QRemoteObjectHostBase &, QString *error)
{
    *error = QStringLiteral("this object has no repc SourceAPI; use --source-api object");
    return false;
}

bool HostedObject::writeLocally(const QMetaProperty &property, const QVariant &value, QString *error)
{
    LocalScope scope(*this);
    if (!property.isWritable()) {
        *error = QStringLiteral("property %1 cannot be written").arg(QString::fromLatin1(property.name()));
        return false;
    }
    if (!property.write(object(), value)) {
        *error = QStringLiteral("QMetaProperty::write failed for %1").arg(QString::fromLatin1(property.name()));
        return false;
    }
    return true;
}

bool HostedObject::command(const QByteArray &, const QByteArray &, QJsonObject *, QString *, bool *handled)
{
    *handled = false;
    return false;
}

void HostedObject::reportInvoked(const char *slot, const QVariantList &args, const QVariant &result) const
{
    QJsonObject fields = out::argsFields(args);
    fields.insert(QStringLiteral("slot"), QLatin1String(slot));
    if (result.isValid()) {
        const QJsonObject value = out::valueFields(result);
        fields.insert(QStringLiteral("result"), value.value(QStringLiteral("value")));
        fields.insert(QStringLiteral("resultType"), value.value(QStringLiteral("type")));
    }
    out::event("invoked", fields);
}

void HostedObject::reportWritten(const char *property, const QVariant &value) const
{
    if (m_localDepth > 0)
        return;
    QJsonObject fields = out::valueFields(value);
    fields.insert(QStringLiteral("name"), QLatin1String(property));
    out::event("written", fields);
}
