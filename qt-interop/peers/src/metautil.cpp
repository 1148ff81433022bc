#include "metautil.h"

#include "compat.h"
#include "jsonvariant.h"
#include "output.h"

#include <QtCore/QMetaEnum>
#include <QtCore/QStringList>

#include <vector>

namespace metautil {
namespace {

constexpr int kMaxArguments = 10; // QMetaMethod::invoke takes at most ten arguments

QJsonArray byteArrayList(const QList<QByteArray> &list)
{
    QJsonArray array;
    for (const QByteArray &item : list)
        array.append(QString::fromLatin1(item));
    return array;
}

QJsonValue classInfo(const QMetaObject *mo, const char *name)
{
    const int index = mo->indexOfClassInfo(name);
    if (index < 0)
        return QJsonValue(QJsonValue::Undefined);
    return QString::fromLatin1(mo->classInfo(index).value());
}

bool fail(QString *error, const QString &message)
{
    if (error)
        *error = message;
    return false;
}

} // namespace

QJsonObject describeInterface(const QMetaObject *mo, const QMetaObject *base)
{
    QJsonObject description;
    description.insert(QStringLiteral("className"), QString::fromLatin1(mo->className()));
    const QJsonValue typeName = classInfo(mo, "RemoteObject Type");
    if (!typeName.isUndefined())
        description.insert(QStringLiteral("typeName"), typeName);
    const QJsonValue signature = classInfo(mo, "RemoteObject Signature");
    if (!signature.isUndefined())
        description.insert(QStringLiteral("signature"), signature);

    QJsonArray enums;
    for (int i = base->enumeratorCount(); i < mo->enumeratorCount(); ++i) {
        const QMetaEnum metaEnum = mo->enumerator(i);
        QJsonArray keys;
        for (int k = 0; k < metaEnum.keyCount(); ++k) {
            QJsonObject key;
            key.insert(QStringLiteral("key"), QString::fromLatin1(metaEnum.key(k)));
            key.insert(QStringLiteral("value"), metaEnum.value(k));
            keys.append(key);
        }
        QJsonObject entry;
        entry.insert(QStringLiteral("name"), QString::fromLatin1(metaEnum.name()));
        entry.insert(QStringLiteral("isFlag"), metaEnum.isFlag());
        entry.insert(QStringLiteral("keys"), keys);
        enums.append(entry);
    }
    description.insert(QStringLiteral("enums"), enums);

    QJsonArray properties;
    for (int i = base->propertyCount(); i < mo->propertyCount(); ++i) {
        const QMetaProperty property = mo->property(i);
        QJsonObject entry;
        entry.insert(QStringLiteral("name"), QString::fromLatin1(property.name()));
        entry.insert(QStringLiteral("type"), QString::fromLatin1(property.typeName()));
        entry.insert(QStringLiteral("notify"),
                     property.hasNotifySignal()
                         ? QJsonValue(QString::fromLatin1(property.notifySignal().methodSignature()))
                         : QJsonValue(QJsonValue::Null));
        entry.insert(QStringLiteral("writable"), property.isWritable());
        entry.insert(QStringLiteral("constant"), property.isConstant());
        properties.append(entry);
    }
    description.insert(QStringLiteral("properties"), properties);

    QJsonArray signalList;
    QJsonArray methodList;
    for (int i = base->methodCount(); i < mo->methodCount(); ++i) {
        const QMetaMethod method = mo->method(i);
        QJsonObject entry;
        entry.insert(QStringLiteral("signature"), QString::fromLatin1(method.methodSignature()));
        entry.insert(QStringLiteral("parameterNames"), byteArrayList(method.parameterNames()));
        if (method.methodType() == QMetaMethod::Signal) {
            signalList.append(entry);
        } else if (method.methodType() == QMetaMethod::Slot
                   || method.methodType() == QMetaMethod::Method) {
            entry.insert(QStringLiteral("returnType"), QString::fromLatin1(method.typeName()));
            methodList.append(entry);
        }
    }
    description.insert(QStringLiteral("signals"), signalList);
    description.insert(QStringLiteral("methods"), methodList);
    return description;
}

QMetaProperty findProperty(const QMetaObject *mo, const QMetaObject *base, const QString &name)
{
    const int index = mo->indexOfProperty(name.toLatin1().constData());
    if (index < base->propertyCount())
        return QMetaProperty();
    return mo->property(index);
}

bool findMethod(const QMetaObject *mo, const QMetaObject *base, const QString &nameOrSignature,
                int argc, MethodKind kind, QMetaMethod *out, QString *error)
{
    const bool bySignature = nameOrSignature.contains(QLatin1Char('('));
    const QByteArray wanted = bySignature
            ? QMetaObject::normalizedSignature(nameOrSignature.toLatin1().constData())
            : nameOrSignature.toLatin1();
    QStringList candidates;
    int found = -1;
    for (int i = base->methodCount(); i < mo->methodCount(); ++i) {
        const QMetaMethod method = mo->method(i);
        const bool isSignal = method.methodType() == QMetaMethod::Signal;
        const bool isCallable = method.methodType() == QMetaMethod::Slot
                || method.methodType() == QMetaMethod::Method;
        if ((kind == MethodKind::Signal && !isSignal) || (kind == MethodKind::Callable && !isCallable))
            continue;
        if (bySignature ? method.methodSignature() != wanted : method.name() != wanted)
            continue;
        candidates.append(QString::fromLatin1(method.methodSignature()));
        if (bySignature || method.parameterCount() == argc) {
            if (found >= 0)
                return fail(error, QStringLiteral("\"%1\" is ambiguous; use a full signature").arg(nameOrSignature));
            found = i;
        }
    }
    const QString what = kind == MethodKind::Signal ? QStringLiteral("signal") : QStringLiteral("slot");
    if (found < 0) {
        if (candidates.isEmpty())
            return fail(error, QStringLiteral("no %1 \"%2\"").arg(what, nameOrSignature));
        return fail(error, QStringLiteral("no %1 \"%2\" taking %3 argument(s); have %4")
                               .arg(what, nameOrSignature).arg(argc).arg(candidates.join(QStringLiteral(", "))));
    }
    *out = mo->method(found);
    return true;
}

bool invoke(QObject *object, const QMetaMethod &method, const QJsonArray &args, QVariant *result,
            QString *error)
{
    const int count = method.parameterCount();
    if (args.size() != count) {
        return fail(error, QStringLiteral("%1 takes %2 argument(s), got %3")
                               .arg(QString::fromLatin1(method.methodSignature())).arg(count).arg(args.size()));
    }
    if (count > kMaxArguments)
        return fail(error, QStringLiteral("methods with more than ten parameters are not supported"));

    const QList<QByteArray> typeNames = method.parameterTypes();
    std::vector<QVariant> values(static_cast<size_t>(count));
    QGenericArgument arguments[kMaxArguments];
    for (int i = 0; i < count; ++i) {
        const int type = method.parameterType(i);
        if (type == QMetaType::UnknownType) {
            return fail(error, QStringLiteral("parameter %1 has unknown type %2")
                                   .arg(i).arg(QString::fromLatin1(typeNames.at(i))));
        }
        QString conversionError;
        if (!jsonvariant::fromJson(args.at(i), type, &values[size_t(i)], &conversionError))
            return fail(error, QStringLiteral("argument %1: %2").arg(i).arg(conversionError));
        // A QVariant parameter is passed as the QVariant object itself, anything else as its value.
        const void *data = type == QMetaType::QVariant ? static_cast<const void *>(&values[size_t(i)])
                                                       : values[size_t(i)].constData();
        arguments[i] = QGenericArgument(typeNames.at(i).constData(), data);
    }

    const int returnType = method.returnType();
    if (returnType == QMetaType::UnknownType) {
        return fail(error, QStringLiteral("return type %1 of %2 is not a registered type")
                               .arg(QString::fromLatin1(method.typeName()),
                                    QString::fromLatin1(method.methodSignature())));
    }
    const bool hasReturn = returnType != QMetaType::Void;
    void *returnStorage = hasReturn ? compat::createObject(returnType) : nullptr;
    const bool ok = method.invoke(object, Qt::DirectConnection,
                                  hasReturn ? QGenericReturnArgument(method.typeName(), returnStorage)
                                            : QGenericReturnArgument(),
                                  arguments[0], arguments[1], arguments[2], arguments[3], arguments[4],
                                  arguments[5], arguments[6], arguments[7], arguments[8], arguments[9]);
    if (hasReturn) {
        if (ok) {
            *result = returnType == QMetaType::QVariant ? *static_cast<QVariant *>(returnStorage)
                                                        : compat::makeVariant(returnType, returnStorage);
        }
        compat::destroyObject(returnType, returnStorage);
    } else {
        *result = QVariant();
    }
    if (!ok)
        return fail(error, QStringLiteral("QMetaMethod::invoke failed for %1").arg(QString::fromLatin1(method.methodSignature())));
    return true;
}

bool propertyValueFromJson(const QMetaProperty &property, const QJsonValue &json, QVariant *out,
                           QString *error)
{
    const int type = property.userType();
    if (type == QMetaType::UnknownType)
        return fail(error, QStringLiteral("property %1 has unknown type %2")
                               .arg(QString::fromLatin1(property.name()), QString::fromLatin1(property.typeName())));
    return jsonvariant::fromJson(json, type, out, error);
}

QJsonObject propertyValues(const QObject *object, const QMetaObject *base)
{
    const QMetaObject *mo = object->metaObject();
    QJsonObject values;
    for (int i = base->propertyCount(); i < mo->propertyCount(); ++i) {
        const QMetaProperty property = mo->property(i);
        values.insert(QString::fromLatin1(property.name()), out::valueFields(property.read(object)));
    }
    return values;
}

int propertyForNotifySignal(const QMetaObject *mo, const QMetaObject *base, int signalMethodIndex)
{
    for (int i = base->propertyCount(); i < mo->propertyCount(); ++i) {
        const QMetaProperty property = mo->property(i);
        if (property.hasNotifySignal() && property.notifySignalIndex() == signalMethodIndex)
            return i;
    }
    return -1;
}

} // namespace metautil
