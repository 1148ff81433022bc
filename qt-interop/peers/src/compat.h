// Small wrappers over the QMetaType/QVariant API differences between Qt 5.15 and Qt 6.
//
// The peer identifies types by their integer meta-type id everywhere; these helpers hide how each
// Qt major version turns an id into a name, a QVariant or a conversion.
#pragma once

#include <QtCore/QAssociativeIterable>
#include <QtCore/QByteArray>
#include <QtCore/QDataStream>
#include <QtCore/QMetaObject>
#include <QtCore/QMetaType>
#include <QtCore/QSequentialIterable>
#include <QtCore/QVariant>
#include <QtCore/QtGlobal>

namespace compat {

// Name of a meta-type id ("int", "QString", "InteropReplica::Color"); "invalid" for unknown ids.
inline QByteArray typeName(int typeId)
{
#if QT_VERSION >= QT_VERSION_CHECK(6, 0, 0)
    const char *name = QMetaType(typeId).name();
#else
    const char *name = QMetaType::typeName(typeId);
#endif
    return name ? QByteArray(name) : QByteArrayLiteral("invalid");
}

// Meta-type id for a type name, or 0 (QMetaType::UnknownType) when no such type is registered.
inline int typeIdFromName(const QByteArray &name)
{
#if QT_VERSION >= QT_VERSION_CHECK(6, 0, 0)
    return QMetaType::fromName(name).id();
#else
    return QMetaType::type(name.constData());
#endif
}

// The type name of a QVariant's value ("invalid" for an invalid QVariant).
inline QByteArray variantTypeName(const QVariant &value)
{
    return value.isValid() ? typeName(value.userType()) : QByteArrayLiteral("invalid");
}

// A QVariant holding a copy of the object of type `typeId` at `data`.
inline QVariant makeVariant(int typeId, const void *data)
{
#if QT_VERSION >= QT_VERSION_CHECK(6, 0, 0)
    return QVariant(QMetaType(typeId), data);
#else
    return QVariant(typeId, data);
#endif
}

// Converts `value` in place to `typeId`; returns false when Qt has no conversion.
inline bool convert(QVariant &value, int typeId)
{
#if QT_VERSION >= QT_VERSION_CHECK(6, 0, 0)
    return value.convert(QMetaType(typeId));
#else
    return value.convert(typeId);
#endif
}

inline QMetaType::TypeFlags typeFlags(int typeId)
{
#if QT_VERSION >= QT_VERSION_CHECK(6, 0, 0)
    return QMetaType(typeId).flags();
#else
    return QMetaType::typeFlags(typeId);
#endif
}

inline bool isEnum(int typeId)
{
    return typeFlags(typeId).testFlag(QMetaType::IsEnumeration);
}

inline int sizeOf(int typeId)
{
#if QT_VERSION >= QT_VERSION_CHECK(6, 0, 0)
    return int(QMetaType(typeId).sizeOf());
#else
    return QMetaType::sizeOf(typeId);
#endif
}

// A default-constructed object of type `typeId` on the heap (destroy with destroyObject).
inline void *createObject(int typeId)
{
#if QT_VERSION >= QT_VERSION_CHECK(6, 0, 0)
    return QMetaType(typeId).create();
#else
    return QMetaType::create(typeId);
#endif
}

inline void destroyObject(int typeId, void *object)
{
#if QT_VERSION >= QT_VERSION_CHECK(6, 0, 0)
    QMetaType(typeId).destroy(object);
#else
    QMetaType::destroy(typeId, object);
#endif
}

// The meta-object that declares an enum type (e.g. InteropReplica for InteropReplica::Color), or
// the meta-object of a Q_GADGET type (e.g. Point3).
inline const QMetaObject *metaObjectForType(int typeId)
{
#if QT_VERSION >= QT_VERSION_CHECK(6, 0, 0)
    return QMetaType(typeId).metaObject();
#else
    return QMetaType::metaObjectForType(typeId);
#endif
}

inline bool isGadget(int typeId)
{
    return typeFlags(typeId).testFlag(QMetaType::IsGadget);
}

// Writes the object of type `typeId` at `data` with its QDataStream operator (false if the type
// has none).
inline bool save(QDataStream &stream, int typeId, const void *data)
{
#if QT_VERSION >= QT_VERSION_CHECK(6, 0, 0)
    return QMetaType(typeId).save(stream, data);
#else
    return QMetaType::save(stream, typeId, data);
#endif
}

// Reads the object of type `typeId` at `data` with its QDataStream operator (false if the type
// has none).
inline bool load(QDataStream &stream, int typeId, void *data)
{
#if QT_VERSION >= QT_VERSION_CHECK(6, 0, 0)
    return QMetaType(typeId).load(stream, data);
#else
    return QMetaType::load(stream, typeId, data);
#endif
}

// Whether value.value<QSequentialIterable>() / value<QAssociativeIterable>() work (Qt 5 only
// tells through the conversion to QVariantList / QVariantHash that the iterable relies on).
inline bool canIterateSequentially(const QVariant &value)
{
#if QT_VERSION >= QT_VERSION_CHECK(6, 0, 0)
    return value.canConvert<QSequentialIterable>();
#else
    return value.canConvert<QVariantList>();
#endif
}

inline bool canIterateAssociatively(const QVariant &value)
{
#if QT_VERSION >= QT_VERSION_CHECK(6, 0, 0)
    return value.canConvert<QAssociativeIterable>();
#else
    return value.canConvert<QVariantHash>() || value.canConvert<QVariantMap>();
#endif
}

} // namespace compat
