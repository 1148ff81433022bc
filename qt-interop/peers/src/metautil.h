// Meta-object helpers shared by the source and replica peers: interface description, lookup of
// properties/methods by name, invocation with JSON arguments, property dumps.
//
// "Own" members are those declared after `base` in the class hierarchy: QObject for sources,
// QRemoteObjectReplica for replicas (which hides the replica's `node`/`state` properties and its
// initialized/notified/stateChanged signals).
#pragma once

#include <QtCore/QJsonArray>
#include <QtCore/QJsonObject>
#include <QtCore/QMetaMethod>
#include <QtCore/QMetaObject>
#include <QtCore/QMetaProperty>
#include <QtCore/QObject>
#include <QtCore/QString>
#include <QtCore/QVariant>

namespace metautil {

// {"className", "typeName"?, "signature"?, "enums", "properties", "signals", "methods"}
QJsonObject describeInterface(const QMetaObject *mo, const QMetaObject *base);

// The own property called `name`; invalid QMetaProperty if there is none.
QMetaProperty findProperty(const QMetaObject *mo, const QMetaObject *base, const QString &name);

enum class MethodKind { Signal, Callable /* slot or Q_INVOKABLE */ };

// Finds an own method by name (unique among those of `kind` with `argc` parameters) or by its
// exact normalized signature ("add(int,int)").
bool findMethod(const QMetaObject *mo, const QMetaObject *base, const QString &nameOrSignature,
                int argc, MethodKind kind, QMetaMethod *out, QString *error);

// Calls `method` on `object` (direct connection) with JSON arguments converted to the declared
// parameter types. `result` receives the return value (invalid for void methods).
bool invoke(QObject *object, const QMetaMethod &method, const QJsonArray &args, QVariant *result,
            QString *error);

// Converts `json` to the type of `property` (QVariant-typed properties take natural types).
bool propertyValueFromJson(const QMetaProperty &property, const QJsonValue &json, QVariant *out,
                           QString *error);

// {"<name>": {"value": ..., "type": ...}, ...} for every own property.
QJsonObject propertyValues(const QObject *object, const QMetaObject *base);

// Maps each own property's notify signal (method index) to the property index; -1 if none.
int propertyForNotifySignal(const QMetaObject *mo, const QMetaObject *base, int signalMethodIndex);

} // namespace metautil
