// Conversions between QVariant and JSON for the peer's line protocol.
//
// Output ("toJson"): JSON-native types map to JSON (bool, numbers, QString, QStringList,
// QVariantList, QVariantMap); enums become their integer value; Q_GADGETs (repc PODs) become an
// object of their properties ({"x":1,"y":2,"z":3}); typed containers QList<T>/QVector<T> become
// arrays and QMap<K,V>/QHash<K,V> objects (keys as text), their elements and a gadget's properties
// converted with their declared type (so never tagged unless that type is QVariant); every other
// type becomes a tagged object {"$type": "<QVariant type name>", ...}:
//   QByteArray                       {"$type":"QByteArray","base64":"AAEC"}
//   non-finite double/float          {"$type":"double","value":"nan" | "inf" | "-inf"}
//   anything QVariant can make text  {"$type":"QUrl","value":"tcp://127.0.0.1:1"}
//   a QVariant holding a QVariant    the inner value ({"$type":"QVariant","value":...} when nested)
//   anything else                    {"$type":"QPolygon","unsupported":true}
// Inside QVariant containers (QVariantList elements, QVariantMap values) a value is also tagged as
// {"$type": T, "value": <plain>} whenever reading its plain JSON back would not give type T
// (e.g. a double 5.0, a qlonglong, an enum, a QStringList inside a QVariantMap), so nested values
// keep their exact types. The top level of an event carries the type name in a separate "type"
// field and is therefore never tagged for that reason.
//
// Input ("fromJson"): the inverse. With a target type the JSON must fit it (a JSON string is not
// accepted for an int, a fractional number is not accepted for an int, ...). Without a target
// type (QVariant-typed properties/arguments, QVariantList/QVariantMap elements) JSON values take their natural
// type: bool, int (integral and fits 32 bits), qlonglong (integral, wider), double, QString,
// QVariantList, QVariantMap; null is an invalid QVariant; tagged objects give exactly the named
// type ({"$type":"qlonglong","value":5}, {"$type":"QByteArray","base64":"..."};
// {"$type":"QVariant","value":X} is a QVariant holding the QVariant X). Gadgets and typed
// containers are built from objects/arrays as above (typed containers through their QDataStream
// operators, the one generic way Qt 5 offers to fill them).
#pragma once

#include <QtCore/QByteArray>
#include <QtCore/QJsonValue>
#include <QtCore/QString>
#include <QtCore/QVariant>

namespace jsonvariant {

// JSON for a value at the top level of an event (its type is reported separately).
QJsonValue toJson(const QVariant &value);

// With `on` (option --exact-values), toJson gives every valid value but enums (numbers) in its
// exact form:
// {"$type": T, "datastream": "<hex of QDataStream << QVariant, big-endian, QtRO's version>"}.
void setExactValues(bool on);

// Parses any JSON value (object, array, string, number, true/false/null) from text.
bool parse(const QByteArray &text, QJsonValue *out, QString *error);

// Builds a QVariant of meta-type `typeId` from JSON; typeId 0 or QMetaType::QVariant means
// "natural type" (see above).
bool fromJson(const QJsonValue &json, int typeId, QVariant *out, QString *error);

} // namespace jsonvariant
