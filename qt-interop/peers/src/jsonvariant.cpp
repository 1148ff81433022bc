#include "jsonvariant.h"

#include "compat.h"

#include <QtCore/QAssociativeIterable>
#include <QtCore/QDataStream>
#include <QtCore/QIODevice>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QJsonParseError>
#include <QtCore/QMetaEnum>
#include <QtCore/QMetaProperty>
#include <QtCore/QSequentialIterable>
#include <QtCore/QStringList>
#include <QtCore/QVariantHash>
#include <QtCore/QVariantList>
#include <QtCore/QVariantMap>

#include <cmath>
#include <cstring>
#include <limits>

namespace jsonvariant {
namespace {

constexpr auto kTypeKey = "$type";
#if QT_VERSION_MAJOR >= 6
constexpr auto kStreamVersion = QDataStream::Qt_6_2;
#else
constexpr auto kStreamVersion = QDataStream::Qt_5_12;
#endif

QString typeNameString(int typeId)
{
    return QString::fromLatin1(compat::typeName(typeId));
}

QJsonObject tagged(int typeId, const QJsonValue &value)
{
    QJsonObject object;
    object.insert(QLatin1String(kTypeKey), typeNameString(typeId));
    object.insert(QStringLiteral("value"), value);
    return object;
}

// The integer stored in an enum-typed QVariant, read with the enum's size.
qint64 enumValue(const QVariant &value)
{
    const void *data = value.constData();
    switch (compat::sizeOf(value.userType())) {
    case 1: { qint8 v; std::memcpy(&v, data, 1); return v; }
    case 2: { qint16 v; std::memcpy(&v, data, 2); return v; }
    case 8: { qint64 v; std::memcpy(&v, data, 8); return v; }
    default: { qint32 v; std::memcpy(&v, data, 4); return v; }
    }
}

// The type a JSON value gets when read back without a target type.
int naturalType(const QJsonValue &json)
{
    switch (json.type()) {
    case QJsonValue::Bool:
        return QMetaType::Bool;
    case QJsonValue::Double: {
        const double d = json.toDouble();
        if (std::floor(d) != d || !std::isfinite(d))
            return QMetaType::Double;
        if (d >= std::numeric_limits<int>::min() && d <= std::numeric_limits<int>::max())
            return QMetaType::Int;
        return QMetaType::LongLong;
    }
    case QJsonValue::String:
        return QMetaType::QString;
    case QJsonValue::Array:
        return QMetaType::QVariantList;
    case QJsonValue::Object:
        return QMetaType::QVariantMap;
    default:
        return QMetaType::UnknownType;
    }
}

// Typed containers (QList<T>, QVector<T>, QMap<K,V>, QHash<K,V>) known by their type name, with
// the meta-type ids of their key and element types. QVariantList, QStringList, QVariantMap and
// QVariantHash are named without template arguments and handled on their own.
struct Container
{
    enum Kind { None, Sequential, Associative } kind = None;
    int keyType = QMetaType::UnknownType;
    int valueType = QMetaType::UnknownType;
};

// "QMap<QString,QList<Point3> >" -> "QMap", {"QString", "QList<Point3>"}.
bool splitTemplateName(const QByteArray &name, QByteArray *base, QList<QByteArray> *args)
{
    const int open = name.indexOf('<');
    if (open <= 0 || !name.trimmed().endsWith('>'))
        return false;
    *base = name.left(open).trimmed();
    const QByteArray inner = name.mid(open + 1, name.trimmed().size() - open - 2);
    int depth = 0;
    int start = 0;
    for (int i = 0; i < inner.size(); ++i) {
        const char c = inner.at(i);
        if (c == '<') {
            ++depth;
        } else if (c == '>') {
            if (--depth < 0)
                return false;
        } else if (c == ',' && depth == 0) {
            args->append(inner.mid(start, i - start).trimmed());
            start = i + 1;
        }
    }
    if (depth != 0)
        return false;
    args->append(inner.mid(start).trimmed());
    return true;
}

Container containerOf(int typeId)
{
    Container container;
    QByteArray base;
    QList<QByteArray> args;
    if (!splitTemplateName(compat::typeName(typeId), &base, &args))
        return container;
    if ((base == "QList" || base == "QVector") && args.size() == 1) {
        container.valueType = compat::typeIdFromName(args.at(0));
        if (container.valueType != QMetaType::UnknownType)
            container.kind = Container::Sequential;
    } else if ((base == "QMap" || base == "QHash") && args.size() == 2) {
        container.keyType = compat::typeIdFromName(args.at(0));
        container.valueType = compat::typeIdFromName(args.at(1));
        if (container.keyType != QMetaType::UnknownType && container.valueType != QMetaType::UnknownType)
            container.kind = Container::Associative;
    }
    return container;
}

// A map key as a JSON object key.
bool keyToString(const QVariant &key, QString *out)
{
    if (key.userType() == QMetaType::QString) {
        *out = key.toString();
        return true;
    }
    QVariant text = key;
    if (!text.canConvert<QString>() || !compat::convert(text, QMetaType::QString))
        return false;
    *out = text.toString();
    return true;
}

QJsonValue toJsonImpl(const QVariant &value, bool nested);

QJsonValue plainOrTagged(const QVariant &value, const QJsonValue &plain, bool nested)
{
    if (nested && naturalType(plain) != value.userType())
        return tagged(value.userType(), plain);
    return plain;
}

// A value whose type is declared by its context (a gadget property, an element of a typed
// container): it reads back with that type, so it needs no tag unless the declared type is
// QVariant.
QJsonValue typedToJson(const QVariant &value, int declaredType)
{
    return toJsonImpl(value, declaredType == QMetaType::QVariant || declaredType == QMetaType::UnknownType);
}

// The exact bytes QDataStream << QVariant writes (big-endian, QtRO's stream version), hex:
// how the QtGui types without a text form are reported.
QString dataStreamHex(const QVariant &value)
{
    QByteArray bytes;
    QDataStream s(&bytes, QIODevice::WriteOnly);
    s.setByteOrder(QDataStream::BigEndian);
    s.setVersion(kStreamVersion);
    s << value;
    return QString::fromLatin1(bytes.toHex());
}

QJsonObject unsupported(int typeId)
{
    QJsonObject object;
    object.insert(QLatin1String(kTypeKey), typeNameString(typeId));
    object.insert(QStringLiteral("unsupported"), true);
    return object;
}

// A Q_GADGET (a repc POD): an object of its properties.
QJsonValue gadgetToJson(const QVariant &value, bool nested)
{
    const int type = value.userType();
    const QMetaObject *mo = compat::metaObjectForType(type);
    if (!mo)
        return unsupported(type);
    QJsonObject object;
    for (int i = 0; i < mo->propertyCount(); ++i) {
        const QMetaProperty property = mo->property(i);
        object.insert(QString::fromLatin1(property.name()),
                      typedToJson(property.readOnGadget(value.constData()), property.userType()));
    }
    return plainOrTagged(value, object, nested);
}

// QList<T>/QVector<T>: an array; QMap<K,V>/QHash<K,V>: an object (keys as text).
QJsonValue containerToJson(const QVariant &value, const Container &container, bool nested)
{
    const int type = value.userType();
    if (container.kind == Container::Sequential) {
        if (!compat::canIterateSequentially(value))
            return unsupported(type);
        QJsonArray array;
        const QSequentialIterable iterable = value.value<QSequentialIterable>();
        for (const QVariant &element : iterable)
            array.append(typedToJson(element, container.valueType));
        return plainOrTagged(value, array, nested);
    }
    if (!compat::canIterateAssociatively(value))
        return unsupported(type);
    QJsonObject object;
    const QAssociativeIterable iterable = value.value<QAssociativeIterable>();
    for (auto it = iterable.begin(); it != iterable.end(); ++it) {
        QString key;
        if (!keyToString(it.key(), &key))
            return unsupported(type);
        object.insert(key, typedToJson(it.value(), container.valueType));
    }
    return plainOrTagged(value, object, nested);
}

QJsonValue toJsonImpl(const QVariant &value, bool nested)
{
    if (!value.isValid())
        return QJsonValue(QJsonValue::Null);
    const int type = value.userType();
    switch (type) {
    case QMetaType::Bool:
        return plainOrTagged(value, value.toBool(), nested);
    case QMetaType::Int:
    case QMetaType::Short:
    case QMetaType::SChar:
    case QMetaType::Char:
    case QMetaType::Long:
    case QMetaType::LongLong:
    case QMetaType::UInt:
    case QMetaType::UShort:
    case QMetaType::UChar:
    case QMetaType::ULong:
        return plainOrTagged(value, QJsonValue(value.toLongLong()), nested);
    case QMetaType::ULongLong: {
        const qulonglong v = value.toULongLong();
        const QJsonValue plain = v > qulonglong(std::numeric_limits<qint64>::max())
                ? QJsonValue(double(v)) : QJsonValue(qint64(v));
        return plainOrTagged(value, plain, nested);
    }
    case QMetaType::Double:
    case QMetaType::Float: {
        const double d = value.toDouble();
        if (std::isnan(d))
            return tagged(type, QStringLiteral("nan"));
        if (std::isinf(d))
            return tagged(type, d > 0 ? QStringLiteral("inf") : QStringLiteral("-inf"));
        return plainOrTagged(value, d, nested);
    }
    case QMetaType::QString:
        return plainOrTagged(value, value.toString(), nested);
    case QMetaType::QStringList:
        return plainOrTagged(value, QJsonArray::fromStringList(value.toStringList()), nested);
    case QMetaType::QVariantList: {
        QJsonArray array;
        const QVariantList list = value.toList();
        for (const QVariant &element : list)
            array.append(toJsonImpl(element, true));
        return array;
    }
    case QMetaType::QVariantMap:
    case QMetaType::QVariantHash: {
        QJsonObject object;
        const QVariantMap map = value.toMap();
        for (auto it = map.cbegin(); it != map.cend(); ++it)
            object.insert(it.key(), toJsonImpl(it.value(), true));
        return plainOrTagged(value, object, nested);
    }
    case QMetaType::QVariant: {
        // A QVariant holding a QVariant (e.g. what a dynamic replica sends for a QVariant
        // parameter): the inner value, tagged as QVariant when nested.
        const QJsonValue inner = toJsonImpl(*static_cast<const QVariant *>(value.constData()), true);
        return nested ? QJsonValue(tagged(type, inner)) : inner;
    }
    case QMetaType::QByteArray: {
        QJsonObject object;
        object.insert(QLatin1String(kTypeKey), typeNameString(type));
        object.insert(QStringLiteral("base64"),
                      QString::fromLatin1(value.toByteArray().toBase64()));
        return object;
    }
    default:
        break;
    }
    // QtGui values (QFont is a gadget, but of no properties): their exact bytes.
    if (type >= QMetaType::FirstGuiType && type <= QMetaType::LastGuiType) {
        QJsonObject object;
        object.insert(QLatin1String(kTypeKey), typeNameString(type));
        object.insert(QStringLiteral("datastream"), dataStreamHex(value));
        return object;
    }
    if (compat::isEnum(type))
        return plainOrTagged(value, QJsonValue(enumValue(value)), nested);
    if (compat::isGadget(type))
        return gadgetToJson(value, nested);
    // What a Qt 6 dynamic replica holds for a list or map of gadgets: QtRO's private
    // QtROSequentialContainer / QtROAssociativeContainer, which derive from QVariantList /
    // QVariantMap (qremoteobjectcontainers_p.h), so their elements print as those would.
    const QByteArray name = QByteArray(compat::typeName(type));
    if (name == "QtROSequentialContainer") {
        QJsonArray array;
        for (const QVariant &element : *static_cast<const QVariantList *>(value.constData()))
            array.append(typedToJson(element, element.userType()));
        return plainOrTagged(value, array, nested);
    }
    if (name == "QtROAssociativeContainer") {
        QJsonObject object;
        const QVariantMap &map = *static_cast<const QVariantMap *>(value.constData());
        for (auto it = map.cbegin(); it != map.cend(); ++it)
            object.insert(it.key(), typedToJson(it.value(), it.value().userType()));
        return plainOrTagged(value, object, nested);
    }
    const Container container = containerOf(type);
    if (container.kind != Container::None)
        return containerToJson(value, container, nested);
    QVariant text = value;
    if (text.canConvert<QString>() && compat::convert(text, QMetaType::QString))
        return tagged(type, text.toString());
    return unsupported(type);
}

bool fail(QString *error, const QString &message)
{
    if (error)
        *error = message;
    return false;
}

QString describe(const QJsonValue &json)
{
    QJsonArray wrapper;
    wrapper.append(json);
    QByteArray text = QJsonDocument(wrapper).toJson(QJsonDocument::Compact);
    return QString::fromUtf8(text.mid(1, text.size() - 2));
}

bool isIntegralType(int typeId)
{
    switch (typeId) {
    case QMetaType::Int: case QMetaType::UInt: case QMetaType::Short: case QMetaType::UShort:
    case QMetaType::SChar: case QMetaType::UChar: case QMetaType::Char: case QMetaType::Long:
    case QMetaType::ULong: case QMetaType::LongLong: case QMetaType::ULongLong:
        return true;
    default:
        return false;
    }
}

template <typename T>
bool inRange(double d)
{
    return d >= double(std::numeric_limits<T>::min()) && d <= double(std::numeric_limits<T>::max());
}

bool integralInRange(int typeId, double d)
{
    switch (typeId) {
    case QMetaType::Int: return inRange<qint32>(d);
    case QMetaType::UInt: return inRange<quint32>(d);
    case QMetaType::Short: return inRange<qint16>(d);
    case QMetaType::UShort: return inRange<quint16>(d);
    case QMetaType::SChar: return inRange<qint8>(d);
    case QMetaType::UChar: return inRange<quint8>(d);
    case QMetaType::Char: return inRange<char>(d);
    case QMetaType::Long: return inRange<long>(d);
    case QMetaType::ULong: return inRange<unsigned long>(d);
    case QMetaType::LongLong: return inRange<qint64>(d);
    case QMetaType::ULongLong: return inRange<quint64>(d);
    default: return false;
    }
}

// An enum value of type `typeId` holding `number`, written with the enum's size.
QVariant makeEnum(int typeId, qint64 number)
{
    void *storage = compat::createObject(typeId);
    switch (compat::sizeOf(typeId)) {
    case 1: { const qint8 v = qint8(number); std::memcpy(storage, &v, 1); break; }
    case 2: { const qint16 v = qint16(number); std::memcpy(storage, &v, 2); break; }
    case 8: { std::memcpy(storage, &number, 8); break; }
    default: { const qint32 v = qint32(number); std::memcpy(storage, &v, 4); break; }
    }
    QVariant result = compat::makeVariant(typeId, storage);
    compat::destroyObject(typeId, storage);
    return result;
}

bool enumFromJson(const QJsonValue &json, int typeId, QVariant *out, QString *error)
{
    const QString typeName = typeNameString(typeId);
    if (json.isDouble()) {
        const double d = json.toDouble();
        if (std::floor(d) != d || !inRange<qint64>(d))
            return fail(error, QStringLiteral("%1 is not an integer for enum %2").arg(describe(json), typeName));
        *out = makeEnum(typeId, qint64(d));
        return true;
    }
    if (json.isString()) {
        const QMetaObject *mo = compat::metaObjectForType(typeId);
        const QByteArray fullName = compat::typeName(typeId);
        const QByteArray shortName = fullName.mid(fullName.lastIndexOf(':') + 1);
        const int index = mo ? mo->indexOfEnumerator(shortName.constData()) : -1;
        if (index < 0)
            return fail(error, QStringLiteral("no key table known for enum %1").arg(typeName));
        bool ok = false;
        const int value = mo->enumerator(index).keyToValue(json.toString().toLatin1().constData(), &ok);
        if (!ok)
            return fail(error, QStringLiteral("%1 is not a key of enum %2").arg(describe(json), typeName));
        *out = makeEnum(typeId, value);
        return true;
    }
    return fail(error, QStringLiteral("%1 is not a number or key for enum %2").arg(describe(json), typeName));
}

bool taggedFromJson(const QJsonObject &object, QVariant *out, QString *error)
{
    const QString name = object.value(QLatin1String(kTypeKey)).toString();
    const int typeId = compat::typeIdFromName(name.toLatin1());
    if (typeId == QMetaType::UnknownType)
        return fail(error, QStringLiteral("unknown type \"%1\"").arg(name));
    if (object.contains(QStringLiteral("datastream"))) {
        // The exact form: what QDataStream << QVariant writes (big-endian, QtRO's version).
        const QByteArray bytes = QByteArray::fromHex(object.value(QStringLiteral("datastream")).toString().toLatin1());
        QDataStream s(bytes);
        s.setByteOrder(QDataStream::BigEndian);
        s.setVersion(kStreamVersion);
        QVariant v;
        s >> v;
        if (s.status() != QDataStream::Ok || !s.atEnd() || v.userType() != typeId)
            return fail(error, QStringLiteral("\"datastream\" is not one %1").arg(name));
        *out = v;
        return true;
    }
    if (typeId == QMetaType::QByteArray && object.contains(QStringLiteral("base64"))) {
        const QByteArray base64 = object.value(QStringLiteral("base64")).toString().toLatin1();
        const auto decoded = QByteArray::fromBase64Encoding(base64, QByteArray::AbortOnBase64DecodingErrors);
        if (!decoded)
            return fail(error, QStringLiteral("invalid base64 \"%1\"").arg(QString::fromLatin1(base64)));
        *out = QVariant(decoded.decoded);
        return true;
    }
    if (!object.contains(QStringLiteral("value")))
        return fail(error, QStringLiteral("tagged value of type %1 has no \"value\"").arg(name));
    if (typeId == QMetaType::QVariant) {
        // {"$type":"QVariant","value":X}: a QVariant holding the QVariant X.
        QVariant inner;
        if (!fromJson(object.value(QStringLiteral("value")), QMetaType::UnknownType, &inner, error))
            return false;
        *out = compat::makeVariant(QMetaType::QVariant, &inner);
        return true;
    }
    return fromJson(object.value(QStringLiteral("value")), typeId, out, error);
}

bool naturalFromJson(const QJsonValue &json, QVariant *out, QString *error)
{
    switch (json.type()) {
    case QJsonValue::Null:
        *out = QVariant();
        return true;
    case QJsonValue::Bool:
        *out = QVariant(json.toBool());
        return true;
    case QJsonValue::Double:
        switch (naturalType(json)) {
        case QMetaType::Int:
            *out = QVariant(int(json.toDouble()));
            return true;
        case QMetaType::LongLong:
#if QT_VERSION >= QT_VERSION_CHECK(6, 0, 0)
            *out = QVariant(qlonglong(json.toInteger()));
#else
            *out = QVariant(qlonglong(json.toDouble()));
#endif
            return true;
        default:
            *out = QVariant(json.toDouble());
            return true;
        }
    case QJsonValue::String:
        *out = QVariant(json.toString());
        return true;
    case QJsonValue::Array: {
        QVariantList list;
        const QJsonArray array = json.toArray();
        for (const QJsonValue &element : array) {
            QVariant value;
            if (!fromJson(element, QMetaType::UnknownType, &value, error))
                return false;
            list.append(value);
        }
        *out = QVariant(list);
        return true;
    }
    case QJsonValue::Object: {
        const QJsonObject object = json.toObject();
        if (object.contains(QLatin1String(kTypeKey)))
            return taggedFromJson(object, out, error);
        QVariantMap map;
        for (auto it = object.constBegin(); it != object.constEnd(); ++it) {
            QVariant value;
            if (!fromJson(it.value(), QMetaType::UnknownType, &value, error))
                return false;
            map.insert(it.key(), value);
        }
        *out = QVariant(map);
        return true;
    }
    default:
        return fail(error, QStringLiteral("undefined JSON value"));
    }
}

// {"x":1,"y":2}: a gadget of type `typeId` with those properties set (the others keep their
// default values; unknown names are an error).
bool gadgetFromJson(const QJsonValue &json, int typeId, QVariant *out, QString *error)
{
    const QString typeName = typeNameString(typeId);
    const QMetaObject *mo = compat::metaObjectForType(typeId);
    if (!mo)
        return fail(error, QStringLiteral("no meta-object known for gadget %1").arg(typeName));
    if (!json.isObject())
        return fail(error, QStringLiteral("%1 is not an object of the properties of %2").arg(describe(json), typeName));
    QVariant gadget = compat::makeVariant(typeId, nullptr);
    const QJsonObject object = json.toObject();
    for (auto it = object.constBegin(); it != object.constEnd(); ++it) {
        const int index = mo->indexOfProperty(it.key().toLatin1().constData());
        if (index < 0)
            return fail(error, QStringLiteral("%1 has no property \"%2\"").arg(typeName, it.key()));
        const QMetaProperty property = mo->property(index);
        QVariant value;
        QString valueError;
        if (!fromJson(it.value(), property.userType(), &value, &valueError))
            return fail(error, QStringLiteral("%1.%2: %3").arg(typeName, it.key(), valueError));
        if (!property.writeOnGadget(gadget.data(), value))
            return fail(error, QStringLiteral("cannot write %1.%2").arg(typeName, it.key()));
    }
    *out = gadget;
    return true;
}

// Streams `value` (of type `typeId`, or converted to it) as that type.
bool saveAs(QDataStream &stream, int typeId, QVariant value, QString *error)
{
    if (typeId == QMetaType::QVariant) {
        stream << value;
        return true;
    }
    if (value.userType() != typeId && !compat::convert(value, typeId))
        return fail(error, QStringLiteral("cannot convert a %1 to %2")
                               .arg(QString::fromLatin1(compat::variantTypeName(value)), typeNameString(typeId)));
    if (!compat::save(stream, typeId, value.constData()))
        return fail(error, QStringLiteral("type %1 has no QDataStream operators").arg(typeNameString(typeId)));
    return true;
}

// A typed container from a JSON array (sequential) or object (associative). Qt 5 has no generic
// way to fill a container of an arbitrary type, so the elements are written in the container's
// QDataStream form (a quint32 count, then the elements or key/value pairs, as Qt documents for
// QList, QVector, QMap and QHash) and the container is read back with its own stream operator.
bool containerFromJson(const QJsonValue &json, int typeId, const Container &container, QVariant *out,
                       QString *error)
{
    const QString typeName = typeNameString(typeId);
    QByteArray bytes;
    QDataStream stream(&bytes, QIODevice::WriteOnly);
    if (container.kind == Container::Sequential) {
        if (!json.isArray())
            return fail(error, QStringLiteral("%1 is not an array for %2").arg(describe(json), typeName));
        const QJsonArray array = json.toArray();
        stream << quint32(array.size());
        for (int i = 0; i < array.size(); ++i) {
            QVariant element;
            QString elementError;
            if (!fromJson(array.at(i), container.valueType, &element, &elementError)
                || !saveAs(stream, container.valueType, element, &elementError)) {
                return fail(error, QStringLiteral("%1 element %2: %3").arg(typeName).arg(i).arg(elementError));
            }
        }
    } else {
        if (!json.isObject())
            return fail(error, QStringLiteral("%1 is not an object for %2").arg(describe(json), typeName));
        const QJsonObject object = json.toObject();
        stream << quint32(object.size());
        for (auto it = object.constBegin(); it != object.constEnd(); ++it) {
            QVariant key(it.key());
            QVariant mapped;
            QString elementError;
            if (container.keyType != QMetaType::QString && !compat::convert(key, container.keyType))
                return fail(error, QStringLiteral("%1: key \"%2\" is not a valid %3")
                                       .arg(typeName, it.key(), typeNameString(container.keyType)));
            if (!saveAs(stream, container.keyType, key, &elementError)
                || !fromJson(it.value(), container.valueType, &mapped, &elementError)
                || !saveAs(stream, container.valueType, mapped, &elementError)) {
                return fail(error, QStringLiteral("%1 key \"%2\": %3").arg(typeName, it.key(), elementError));
            }
        }
    }
    QVariant result = compat::makeVariant(typeId, nullptr);
    QDataStream reader(bytes);
    if (!compat::load(reader, typeId, result.data()) || reader.status() != QDataStream::Ok)
        return fail(error, QStringLiteral("cannot build a %1 (no QDataStream operators?)").arg(typeName));
    *out = result;
    return true;
}

} // namespace

namespace {
bool g_exactValues = false;
}

void setExactValues(bool on)
{
    g_exactValues = on;
}

QJsonValue toJson(const QVariant &value)
{
    // Enums are numbers on the wire (QtRO sends them as integers of their size): reported as such.
    if (g_exactValues && value.isValid() && !compat::isEnum(value.userType())) {
        QJsonObject object;
        object.insert(QLatin1String(kTypeKey), typeNameString(value.userType()));
        object.insert(QStringLiteral("datastream"), dataStreamHex(value));
        return object;
    }
    return toJsonImpl(value, false);
}

bool parse(const QByteArray &text, QJsonValue *out, QString *error)
{
    // Wrapping in an array lets QJsonDocument accept scalars at the top level on every Qt.
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson("[" + text + "]", &parseError);
    if (parseError.error != QJsonParseError::NoError || !document.isArray()
        || document.array().size() != 1) {
        return fail(error, QStringLiteral("invalid JSON value: %1")
                               .arg(parseError.error != QJsonParseError::NoError
                                        ? parseError.errorString()
                                        : QStringLiteral("expected exactly one value")));
    }
    *out = document.array().at(0);
    return true;
}

bool fromJson(const QJsonValue &json, int typeId, QVariant *out, QString *error)
{
    if (typeId == QMetaType::UnknownType || typeId == QMetaType::QVariant)
        return naturalFromJson(json, out, error);

    const QString typeName = typeNameString(typeId);
    if (json.isObject() && json.toObject().contains(QLatin1String(kTypeKey))) {
        if (!taggedFromJson(json.toObject(), out, error))
            return false;
        if (out->userType() == typeId)
            return true;
        if (compat::isEnum(typeId) && isIntegralType(out->userType())) {
            *out = makeEnum(typeId, out->toLongLong());
            return true;
        }
        if (!compat::convert(*out, typeId))
            return fail(error, QStringLiteral("cannot convert %1 to %2").arg(describe(json), typeName));
        return true;
    }
    if (compat::isEnum(typeId))
        return enumFromJson(json, typeId, out, error);
    if (compat::isGadget(typeId))
        return gadgetFromJson(json, typeId, out, error);
    const Container container = containerOf(typeId);
    if (container.kind != Container::None)
        return containerFromJson(json, typeId, container, out, error);

    if (typeId == QMetaType::Bool) {
        if (!json.isBool())
            return fail(error, QStringLiteral("%1 is not a bool").arg(describe(json)));
        *out = QVariant(json.toBool());
        return true;
    }
    if (isIntegralType(typeId)) {
        const double d = json.toDouble();
        if (!json.isDouble() || std::floor(d) != d || !integralInRange(typeId, d))
            return fail(error, QStringLiteral("%1 is not a valid %2").arg(describe(json), typeName));
#if QT_VERSION >= QT_VERSION_CHECK(6, 0, 0)
        *out = typeId == QMetaType::ULongLong ? QVariant(qulonglong(d)) : QVariant(qlonglong(json.toInteger()));
#else
        *out = typeId == QMetaType::ULongLong ? QVariant(qulonglong(d)) : QVariant(qlonglong(d));
#endif
        compat::convert(*out, typeId);
        return true;
    }
    if (typeId == QMetaType::Double || typeId == QMetaType::Float) {
        if (!json.isDouble())
            return fail(error, QStringLiteral("%1 is not a number").arg(describe(json)));
        *out = QVariant(json.toDouble());
        compat::convert(*out, typeId);
        return true;
    }
    if (typeId == QMetaType::QString) {
        if (json.isNull()) {
            *out = QVariant(QString());
            return true;
        }
        if (!json.isString())
            return fail(error, QStringLiteral("%1 is not a string").arg(describe(json)));
        *out = QVariant(json.toString());
        return true;
    }
    if (typeId == QMetaType::QByteArray) {
        if (!json.isString())
            return fail(error, QStringLiteral("%1 is neither a {\"$type\":\"QByteArray\",\"base64\":...} "
                                              "object nor a string").arg(describe(json)));
        *out = QVariant(json.toString().toUtf8());
        return true;
    }
    if (typeId == QMetaType::QStringList) {
        if (!json.isArray())
            return fail(error, QStringLiteral("%1 is not an array of strings").arg(describe(json)));
        QStringList list;
        const QJsonArray array = json.toArray();
        for (const QJsonValue &element : array) {
            if (!element.isString())
                return fail(error, QStringLiteral("%1 is not a string").arg(describe(element)));
            list.append(element.toString());
        }
        *out = QVariant(list);
        return true;
    }
    if (typeId == QMetaType::QVariantList && !json.isArray())
        return fail(error, QStringLiteral("%1 is not an array").arg(describe(json)));
    if ((typeId == QMetaType::QVariantMap || typeId == QMetaType::QVariantHash) && !json.isObject())
        return fail(error, QStringLiteral("%1 is not an object").arg(describe(json)));

    if (!naturalFromJson(json, out, error))
        return false;
    if (out->userType() != typeId && !compat::convert(*out, typeId))
        return fail(error, QStringLiteral("cannot convert %1 to %2").arg(describe(json), typeName));
    return true;
}

} // namespace jsonvariant
