//! User types by name: what a QVariant with the USER type id contains, so it can be decoded.
//!
//! Qt resolves a user type name with its process-wide metatype registry; we do the same with a
//! [`TypeRegistry`] that knows QtRO's own types, parses container names such as
//! `QMap<QString,Point3>` on demand, and learns gadgets and enums from .rep files and from class
//! definitions received on the wire. An unknown name is a clear error: its encoding is unknowable
//! and guessing would desynchronise the stream.
//!
//! # Example
//!
//! A gadget learned, and the containers of it that then resolve by name:
//!
//! ```
//! use qtro_rs::core::{Builtin, Dialect, TypeDesc, TypeLookup, TypeRegistry};
//!
//! let mut types = TypeRegistry::new(Dialect::Qt6);
//! assert!(types.lookup("Point3").is_none(), "unknown until registered");
//! types.register_gadget("Point3", vec![("x".into(), "int".into()), ("y".into(), "int".into())]);
//! let point = types.lookup("Point3").expect("registered");
//! assert!(matches!(&*point, TypeDesc::Gadget { fields } if fields[1].0 == "y"));
//!
//! let list = types.lookup("QList<Point3>");
//! assert_eq!(list.as_deref(), Some(&TypeDesc::Sequence { elem: "Point3".into() }));
//! assert!(types.contains("QMap<QString,Point3>"));
//! assert!(!types.contains("QList<Point4>"), "its element type is unknown");
//! assert_eq!(types.lookup("int").as_deref(), Some(&TypeDesc::Builtin(Builtin::Int)));
//! ```

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{Arc, RwLock};

use super::dialect::Dialect;
use super::typename::{container_args, Container};

/// The user type name of QtRO's child object / gadget descriptor wrapper ([`Value::Remote`](super::Value::Remote)).
pub const QRO_NAME: &str = "QRemoteObjectPackets::QRO_";
/// The user type name of QtRO's Qt 6 gadget sequence wrapper ([`Value::GadgetSequence`](super::Value::GadgetSequence)).
pub const QSQ_NAME: &str = "QRemoteObjectPackets::QSQ_";
/// The user type name of QtRO's Qt 6 gadget map wrapper ([`Value::GadgetAssoc`](super::Value::GadgetAssoc)).
pub const QAS_NAME: &str = "QRemoteObjectPackets::QAS_";

/// Built-in QMetaType types with a fixed id: the types a QVariant header names by number, and
/// the element types of typed containers. Each has its [`Value`](super::Value) variant.
///
/// `#[non_exhaustive]` for the reason [`Value`](super::Value) is: Qt's list grows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Builtin {
    /// `bool` (id 1).
    Bool,
    /// `int` (id 2).
    Int,
    /// `uint` (id 3).
    UInt,
    /// `qlonglong` (id 4).
    LongLong,
    /// `qulonglong` (id 5).
    ULongLong,
    /// `double` (id 6).
    Double,
    /// `QChar` (id 7).
    QChar,
    /// `QVariantMap` (id 8).
    VariantMap,
    /// `QVariantList` (id 9).
    VariantList,
    /// `QString` (id 10).
    QString,
    /// `QStringList` (id 11).
    StringList,
    /// `QByteArray` (id 12).
    ByteArray,
    /// `QBitArray` (id 13).
    BitArray,
    /// `QDate` (id 14).
    Date,
    /// `QTime` (id 15).
    Time,
    /// `QDateTime` (id 16).
    DateTime,
    /// `QUrl` (id 17).
    Url,
    /// `QRect` (id 19).
    Rect,
    /// `QRectF` (id 20).
    RectF,
    /// `QSize` (id 21).
    Size,
    /// `QSizeF` (id 22).
    SizeF,
    /// `QLine` (id 23).
    Line,
    /// `QLineF` (id 24).
    LineF,
    /// `QPoint` (id 25).
    Point,
    /// `QPointF` (id 26).
    PointF,
    /// `QVariantHash` (id 28).
    VariantHash,
    /// `QUuid` (id 30).
    Uuid,
    /// `long` (id 32).
    Long,
    /// `short` (id 33).
    Short,
    /// `char` (id 34).
    Char,
    /// `ulong` (id 35).
    ULong,
    /// `ushort` (id 36).
    UShort,
    /// `uchar` (id 37).
    UChar,
    /// `float` (id 38).
    Float,
    /// `signed char` (id 40).
    SChar,
    /// `QVariant` (id 41).
    Variant,
    /// `QByteArrayList` (id 49).
    ByteArrayList,
    /// `char16_t` (id 56, Qt 6 only).
    Char16,
    /// `char32_t` (id 57, Qt 6 only).
    Char32,
    /// `QVariantPair` (id 58, Qt 6 only).
    VariantPair,
    /// `QJsonValue` (id 45).
    JsonValue,
    /// `QJsonObject` (id 46).
    JsonObject,
    /// `QJsonArray` (id 47).
    JsonArray,
    /// `QJsonDocument` (id 48).
    JsonDocument,
    /// `QCborSimpleType` (id 52).
    CborSimpleType,
    /// `QCborValue` (id 53).
    CborValue,
    /// `QCborArray` (id 54).
    CborArray,
    /// `QCborMap` (id 55).
    CborMap,
    // QtGui value types (ids differ between Qt 5 and Qt 6: see [`Builtin::id_in`]).
    /// `QFont` (id 0x1000 in Qt 6, 64 in Qt 5).
    Font,
    /// `QPixmap` (id 0x1001 in Qt 6, 65 in Qt 5).
    Pixmap,
    /// `QBrush` (id 0x1002 in Qt 6, 66 in Qt 5).
    Brush,
    /// `QColor` (id 0x1003 in Qt 6, 67 in Qt 5).
    Color,
    /// `QImage` (id 0x1006 in Qt 6, 70 in Qt 5).
    Image,
    /// `QPolygon` (id 0x1007 in Qt 6, 71 in Qt 5).
    Polygon,
    /// `QRegion` (id 0x1008 in Qt 6, 72 in Qt 5).
    Region,
    /// `QKeySequence` (id 0x100b in Qt 6, 75 in Qt 5).
    KeySequence,
    /// `QPen` (id 0x100c in Qt 6, 76 in Qt 5).
    Pen,
    /// `QTransform` (id 0x1010 in Qt 6, 80 in Qt 5).
    Transform,
    /// `QMatrix4x4` (id 0x1011 in Qt 6, 81 in Qt 5).
    Matrix4x4,
    /// `QVector2D` (id 0x1012 in Qt 6, 82 in Qt 5).
    Vector2D,
    /// `QVector3D` (id 0x1013 in Qt 6, 83 in Qt 5).
    Vector3D,
    /// `QVector4D` (id 0x1014 in Qt 6, 84 in Qt 5).
    Vector4D,
    /// `QQuaternion` (id 0x1015 in Qt 6, 85 in Qt 5).
    Quaternion,
    /// `QPolygonF` (id 0x1016 in Qt 6, 86 in Qt 5).
    PolygonF,
}

impl Builtin {
    const TABLE: &'static [(Builtin, u32)] = &[
        (Builtin::Bool, 1),
        (Builtin::Int, 2),
        (Builtin::UInt, 3),
        (Builtin::LongLong, 4),
        (Builtin::ULongLong, 5),
        (Builtin::Double, 6),
        (Builtin::QChar, 7),
        (Builtin::VariantMap, 8),
        (Builtin::VariantList, 9),
        (Builtin::QString, 10),
        (Builtin::StringList, 11),
        (Builtin::ByteArray, 12),
        (Builtin::BitArray, 13),
        (Builtin::Date, 14),
        (Builtin::Time, 15),
        (Builtin::DateTime, 16),
        (Builtin::Url, 17),
        (Builtin::Rect, 19),
        (Builtin::RectF, 20),
        (Builtin::Size, 21),
        (Builtin::SizeF, 22),
        (Builtin::Line, 23),
        (Builtin::LineF, 24),
        (Builtin::Point, 25),
        (Builtin::PointF, 26),
        (Builtin::VariantHash, 28),
        (Builtin::Uuid, 30),
        (Builtin::Long, 32),
        (Builtin::Short, 33),
        (Builtin::Char, 34),
        (Builtin::ULong, 35),
        (Builtin::UShort, 36),
        (Builtin::UChar, 37),
        (Builtin::Float, 38),
        (Builtin::SChar, 40),
        (Builtin::Variant, 41),
        (Builtin::JsonValue, 45),
        (Builtin::JsonObject, 46),
        (Builtin::JsonArray, 47),
        (Builtin::JsonDocument, 48),
        (Builtin::ByteArrayList, 49),
        (Builtin::CborSimpleType, 52),
        (Builtin::CborValue, 53),
        (Builtin::CborArray, 54),
        (Builtin::CborMap, 55),
        (Builtin::Char16, 56),
        (Builtin::Char32, 57),
        (Builtin::VariantPair, 58),
    ];

    /// QtGui types: (type, Qt 6 id, Qt 5 id).
    const GUI: &'static [(Builtin, u32, u32)] = &[
        (Builtin::Font, 0x1000, 64),
        (Builtin::Pixmap, 0x1001, 65),
        (Builtin::Brush, 0x1002, 66),
        (Builtin::Color, 0x1003, 67),
        (Builtin::Image, 0x1006, 70),
        (Builtin::Polygon, 0x1007, 71),
        (Builtin::Region, 0x1008, 72),
        (Builtin::KeySequence, 0x100b, 75),
        (Builtin::Pen, 0x100c, 76),
        (Builtin::Transform, 0x1010, 80),
        (Builtin::Matrix4x4, 0x1011, 81),
        (Builtin::Vector2D, 0x1012, 82),
        (Builtin::Vector3D, 0x1013, 83),
        (Builtin::Vector4D, 0x1014, 84),
        (Builtin::Quaternion, 0x1015, 85),
        (Builtin::PolygonF, 0x1016, 86),
    ];

    /// The QMetaType id (of Qt 6 for the QtGui types; see [`Builtin::id_in`]).
    pub fn id(self) -> u32 {
        self.id_in(Dialect::Qt6)
    }

    /// The QMetaType id in `dialect`: the QtGui types have other ids in Qt 5.
    pub fn id_in(self, dialect: Dialect) -> u32 {
        if let Some((_, qt6, qt5)) = Self::GUI.iter().find(|(b, ..)| *b == self) {
            return if dialect == Dialect::Qt5 { *qt5 } else { *qt6 };
        }
        Self::TABLE.iter().find(|(b, _)| *b == self).map(|(_, id)| *id).unwrap_or(0)
    }

    /// Whether Qt 5 lacks this type (`char16_t`, `char32_t`, `QVariantPair`).
    pub fn missing_in_qt5(self) -> bool {
        !self.is_gui() && self.id() > 55
    }

    /// Whether this is one of the QtGui value types ([`crate::core::gui`]).
    pub fn is_gui(self) -> bool {
        Self::GUI.iter().any(|(b, ..)| *b == self)
    }

    /// The built-in type with this id in `dialect`; Qt 5 lacks the core ids above 49.
    pub fn from_id(id: u32, dialect: Dialect) -> Option<Builtin> {
        if id >= 64 && (dialect == Dialect::Qt5 || id >= 0x1000) {
            return Self::GUI
                .iter()
                .find(|(_, qt6, qt5)| id == if dialect == Dialect::Qt5 { *qt5 } else { *qt6 })
                .map(|(b, ..)| *b);
        }
        if dialect == Dialect::Qt5 && id > 55 {
            return None;
        }
        // The table starts with ids 1, 2, 3, …: those are found by position.
        let direct = (id as usize).checked_sub(1).and_then(|i| Self::TABLE.get(i)).filter(|(_, i)| *i == id);
        direct.or_else(|| Self::TABLE.iter().find(|(_, i)| *i == id)).map(|(b, _)| *b)
    }

    /// The built-in type for a normalized C++ type name, including common typedefs.
    pub fn from_name(name: &str) -> Option<Builtin> {
        use Builtin::*;
        Some(match name {
            "bool" => Bool,
            "int" | "qint32" | "signed int" => Int,
            "uint" | "quint32" | "unsigned int" | "unsigned" => UInt,
            "qlonglong" | "qint64" | "long long" => LongLong,
            "qulonglong" | "quint64" | "unsigned long long" => ULongLong,
            "double" | "qreal" => Double,
            "QChar" => QChar,
            "QVariantMap" | "QMap<QString,QVariant>" => VariantMap,
            "QVariantList" | "QList<QVariant>" => VariantList,
            "QString" => QString,
            "QStringList" | "QList<QString>" => StringList,
            "QByteArray" => ByteArray,
            "QBitArray" => BitArray,
            "QDate" => Date,
            "QTime" => Time,
            "QDateTime" => DateTime,
            "QUrl" => Url,
            "QRect" => Rect,
            "QRectF" => RectF,
            "QSize" => Size,
            "QSizeF" => SizeF,
            "QLine" => Line,
            "QLineF" => LineF,
            "QPoint" => Point,
            "QPointF" => PointF,
            "QVariantHash" | "QHash<QString,QVariant>" => VariantHash,
            "QUuid" => Uuid,
            "long" | "signed long" => Long,
            "short" | "qint16" | "signed short" => Short,
            "char" => Char,
            "ulong" | "unsigned long" => ULong,
            "ushort" | "quint16" | "unsigned short" => UShort,
            "uchar" | "quint8" | "unsigned char" => UChar,
            "float" => Float,
            "signed char" | "qint8" => SChar,
            "QVariant" => Variant,
            "QByteArrayList" | "QList<QByteArray>" => ByteArrayList,
            "char16_t" => Char16,
            "char32_t" => Char32,
            "QVariantPair" | "QPair<QVariant,QVariant>" | "std::pair<QVariant,QVariant>" => VariantPair,
            "QFont" => Font,
            "QPixmap" => Pixmap,
            "QBrush" => Brush,
            "QColor" => Color,
            "QImage" => Image,
            "QPolygon" => Polygon,
            "QRegion" => Region,
            "QKeySequence" => KeySequence,
            "QPen" => Pen,
            "QTransform" => Transform,
            "QMatrix4x4" => Matrix4x4,
            "QVector2D" => Vector2D,
            "QVector3D" => Vector3D,
            "QVector4D" => Vector4D,
            "QQuaternion" => Quaternion,
            "QJsonValue" => JsonValue,
            "QJsonObject" => JsonObject,
            "QJsonArray" => JsonArray,
            "QJsonDocument" => JsonDocument,
            "QCborSimpleType" => CborSimpleType,
            "QCborValue" => CborValue,
            "QCborArray" => CborArray,
            "QCborMap" => CborMap,
            "QPolygonF" => PolygonF,
            _ => return None,
        })
    }

    /// Fewest bytes one raw value of this type occupies (bounds element counts).
    pub fn min_raw_size(self) -> usize {
        use Builtin::*;
        match self {
            Bool | Char | SChar | UChar => 1,
            Short | UShort | QChar | Char16 => 2,
            Int | UInt | Char32 | Time | QString | ByteArray | StringList | VariantList | VariantMap | VariantHash
            | ByteArrayList | Url => 4,
            LongLong | ULongLong | Double | Float | Long | ULong | Date | Point | Size => 8,
            BitArray => 4,
            DateTime => 13,
            Rect | Line | PointF | SizeF | Uuid => 16,
            RectF | LineF => 32,
            Variant => 5,
            VariantPair => 10,
            Polygon | PolygonF | Region | Image | Pixmap => 4,
            KeySequence => 8,
            Color => 11,
            Vector2D => 16,
            Vector3D => 24,
            Vector4D | Quaternion => 32,
            Font => 44,
            Transform | Brush => 72,
            Pen => 100,
            Matrix4x4 => 128,
            JsonValue | CborSimpleType => 1,
            JsonObject | JsonArray | JsonDocument | CborValue | CborArray | CborMap => 4,
        }
    }
}

/// How a named type is encoded by its QDataStream operator: what a [`TypeRegistry`] knows about
/// a user type name.
///
/// `#[non_exhaustive]`: new layouts may be added.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TypeDesc {
    /// A built-in type (used as a raw element or alias).
    Builtin(Builtin),
    /// An enum or flag: an integer of `size` bytes where QtRO sends it as a number (properties,
    /// arguments, returns; Qt 6 gadget fields), and of `raw_size` bytes where its QDataStream
    /// operator writes it (inside QVariants and containers): the same, except for Qt 5 `.rep`
    /// enums, whose repc-written operators use the smallest integer that fits the keys (see
    /// [`qt5_rep_enum_size`]).
    Enum {
        /// Bytes of the integer QtRO sends (1, 2, 4 or 8).
        size: u8,
        /// Bytes of the integer its stream operator writes.
        raw_size: u8,
    },
    /// A Q_GADGET / POD: every field as a complete QVariant. Field names and type names are kept
    /// for conversions and definitions.
    Gadget {
        /// (property name, type name), in declaration order.
        fields: Vec<(String, String)>,
    },
    /// A struct whose fields are written raw, one after another (by type name).
    Struct {
        /// The fields' type names, in stream order.
        fields: Vec<String>,
    },
    /// `u32 count` then raw elements of the named type.
    Sequence {
        /// The element type name.
        elem: String,
    },
    /// `u32 count` then raw (key, value) pairs.
    Assoc {
        /// The key type name.
        key: String,
        /// The value type name.
        value: String,
    },
    /// QtRO's QRO_ wrapper ([`QRO_NAME`]), which has a bespoke layout.
    Remote,
    /// QtRO's QSQ_ wrapper ([`QSQ_NAME`]), which has a bespoke layout.
    GadgetSequence,
    /// QtRO's QAS_ wrapper ([`QAS_NAME`]), which has a bespoke layout.
    GadgetAssoc,
}

impl TypeDesc {
    /// Fewest bytes one raw value occupies; 0 when it can be empty (then only the configured
    /// collection limit bounds counts).
    pub fn min_raw_size(&self) -> usize {
        match self {
            TypeDesc::Builtin(b) => b.min_raw_size(),
            TypeDesc::Enum { raw_size, .. } => *raw_size as usize,
            TypeDesc::Gadget { fields } => fields.len() * 5,
            TypeDesc::Struct { .. } => 0,
            TypeDesc::Sequence { .. } | TypeDesc::Assoc { .. } => 4,
            TypeDesc::Remote => 13,
            TypeDesc::GadgetSequence => 12,
            TypeDesc::GadgetAssoc => 16,
        }
    }
}

/// The width repc 5.15's QDataStream operators give a `.rep` enum with these key values: the
/// smallest of qint8/qint16/qint32 (any negative key) or quint8/quint16/quint32 whose maximum
/// is above the largest magnitude. Qt 5 writes the enum in this width wherever it is streamed
/// as itself (by name in QVariants, in containers, in POD fields); QtRO's own transfer form
/// (properties, arguments) is an `int`.
pub fn qt5_rep_enum_size(values: impl IntoIterator<Item = i64>) -> u8 {
    let (mut signed, mut max) = (false, 0i64);
    for v in values {
        if v < 0 {
            signed = true;
        }
        max = max.max(v.abs());
    }
    let limits: [i64; 2] = if signed { [0x7f, 0x7fff] } else { [0xff, 0xffff] };
    match limits.iter().position(|&l| max < l) {
        Some(0) => 1,
        Some(_) => 2,
        None => 4,
    }
}

/// Resolves user type names: what the decoder and [`convert`](super::convert()) ask when they
/// meet a type that is not built in. [`TypeRegistry`] is the usual implementation.
pub trait TypeLookup {
    /// How values of the type `name` (a normalized C++ type name) are encoded; `None` when
    /// unknown.
    fn lookup(&self, name: &str) -> Option<Arc<TypeDesc>>;

    /// The protocol version values are prepared for, where it decides their form (Qt 6 sends
    /// containers of gadgets wrapped in QSQ_/QAS_); `None` when unknown.
    fn dialect(&self) -> Option<Dialect> {
        None
    }

    /// Whether top-level containers of gadgets are wrapped in QSQ_/QAS_ (Qt 6, towards
    /// replicas; see [`crate::core::convert::ClassTypes`]).
    fn wraps_gadget_containers(&self) -> bool {
        self.dialect() == Some(Dialect::Qt6)
    }
}

/// The user types a node knows, per dialect (type names differ between Qt 5 and Qt 6).
#[derive(Debug)]
pub struct TypeRegistry {
    dialect: Dialect,
    types: HashMap<String, Arc<TypeDesc>, NameHash>,
    /// Builtins and containers of known types found so far (names that are not registered):
    /// their names are parsed once, not for every value decoded or converted. Cleared when a
    /// type is registered (a container of it becomes known).
    derived: RwLock<HashMap<String, Arc<TypeDesc>, NameHash>>,
}

/// FNV-1a over type names: every value decoded or converted looks its type up, and SipHash
/// was a visible part of that. The keys are our own registrations, and at most
/// [`DERIVED_MAX`] names a peer sent, so collisions stay bounded.
type NameHash = BuildHasherDefault<Fnv>;

/// The FNV-1a hasher of [`NameHash`].
#[derive(Default)]
struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 { 0xcbf2_9ce4_8422_2325 } else { self.0 };
        for &b in bytes {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

/// Derived types remembered at most (names come from peers: bounded).
const DERIVED_MAX: usize = 1024;

impl Clone for TypeRegistry {
    fn clone(&self) -> Self {
        TypeRegistry { dialect: self.dialect, types: self.types.clone(), derived: RwLock::default() }
    }
}

impl TypeRegistry {
    /// A registry knowing QtRO's own types (wrappers, registry locations, model types) and the
    /// Qt enums QtRO uses.
    pub fn new(dialect: Dialect) -> Self {
        let mut r = TypeRegistry { dialect, types: HashMap::default(), derived: RwLock::default() };
        let reg = |r: &mut Self, name: &str, d: TypeDesc| r.register(name, d);
        // Registry locations: QRemoteObjectSourceLocationInfo is (QString typeName, QUrl hostUrl).
        reg(
            &mut r,
            "QRemoteObjectSourceLocationInfo",
            TypeDesc::Struct { fields: vec!["QString".into(), "QUrl".into()] },
        );
        // Model adapter types.
        reg(&mut r, "ModelIndex", TypeDesc::Struct { fields: vec!["int".into(), "int".into()] });
        reg(&mut r, "IndexList", TypeDesc::Sequence { elem: "ModelIndex".into() });
        reg(
            &mut r,
            "IndexValuePair",
            TypeDesc::Struct {
                fields: vec![
                    "IndexList".into(),
                    "QVariantList".into(),
                    "bool".into(),
                    "int".into(),
                    "QList<IndexValuePair>".into(),
                    "QSize".into(),
                ],
            },
        );
        reg(&mut r, "DataEntries", TypeDesc::Sequence { elem: "IndexValuePair".into() });
        reg(
            &mut r,
            "MetaAndDataEntries",
            TypeDesc::Struct { fields: vec!["DataEntries".into(), "QList<int>".into(), "QSize".into()] },
        );
        for e in [
            "Qt::Orientation",
            "Qt::ItemFlags",
            "QItemSelectionModel::SelectionFlags",
            "QAbstractItemModel::LayoutChangeHint",
        ] {
            reg(&mut r, e, TypeDesc::Enum { size: 4, raw_size: 4 });
        }
        match dialect {
            Dialect::Qt6 => {
                reg(&mut r, QRO_NAME, TypeDesc::Remote);
                reg(&mut r, QSQ_NAME, TypeDesc::GadgetSequence);
                reg(&mut r, QAS_NAME, TypeDesc::GadgetAssoc);
            }
            Dialect::Qt5 => {
                reg(&mut r, QRO_NAME, TypeDesc::Remote);
                reg(
                    &mut r,
                    "QRemoteObjectSourceLocation",
                    TypeDesc::Struct { fields: vec!["QString".into(), "QRemoteObjectSourceLocationInfo".into()] },
                );
                reg(
                    &mut r,
                    "QRemoteObjectSourceLocations",
                    TypeDesc::Assoc { key: "QString".into(), value: "QRemoteObjectSourceLocationInfo".into() },
                );
                reg(&mut r, "QIntHash", TypeDesc::Assoc { key: "int".into(), value: "QByteArray".into() });
            }
        }
        r
    }

    /// The dialect this registry names types for.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// Registers (or replaces) a type under `name`.
    pub fn register(&mut self, name: &str, desc: TypeDesc) {
        self.types.insert(name.to_owned(), Arc::new(desc));
        self.derived.get_mut().unwrap_or_else(|e| e.into_inner()).clear();
    }

    /// Registers a gadget (POD) with its fields as (name, type name).
    pub fn register_gadget(&mut self, name: &str, fields: Vec<(String, String)>) {
        self.register(name, TypeDesc::Gadget { fields });
    }

    /// Registers an enum or flag type of `size` bytes.
    pub fn register_enum(&mut self, name: &str, size: u8) {
        self.register(name, TypeDesc::Enum { size, raw_size: size });
    }

    /// Registers an enum declared in a `.rep` file (or served by a repc class): `size` bytes, and
    /// in Qt 5 `qt5_raw_size` bytes inside QVariants and containers ([`qt5_rep_enum_size`]).
    pub fn register_rep_enum(&mut self, name: &str, size: u8, qt5_raw_size: u8) {
        let raw_size = if self.dialect == Dialect::Qt5 { qt5_raw_size } else { size };
        self.register(name, TypeDesc::Enum { size, raw_size });
    }

    /// Whether `name` resolves: registered, built in, or a container of known types.
    pub fn contains(&self, name: &str) -> bool {
        self.lookup(name).is_some()
    }

    /// Names registered explicitly (not derived from templates).
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.types.keys().map(String::as_str)
    }
}

impl TypeLookup for TypeRegistry {
    fn dialect(&self) -> Option<Dialect> {
        Some(self.dialect)
    }

    fn lookup(&self, name: &str) -> Option<Arc<TypeDesc>> {
        if let Some(d) = self.types.get(name) {
            return Some(d.clone());
        }
        if let Some(d) = self.derived.read().unwrap_or_else(|e| e.into_inner()).get(name) {
            return Some(d.clone());
        }
        let d = match Builtin::from_name(name) {
            Some(b) => Arc::new(TypeDesc::Builtin(b)),
            None => Arc::new(template_desc(name).filter(|d| template_args_known(self, d))?),
        };
        let mut derived = self.derived.write().unwrap_or_else(|e| e.into_inner());
        if derived.len() < DERIVED_MAX {
            derived.insert(name.to_owned(), d.clone());
        }
        Some(d)
    }
}

/// Qt 5's QtRO registers `QHash<int,QByteArray>` (model role names) as `QIntHash`, the name a
/// Qt 5 peer writes and reads for it: values carry the declared name, the wire Qt 5's.
const QT5_ALIASES: &[(&str, &str)] = &[("QHash<int,QByteArray>", "QIntHash")];

/// The name a user type is written under in `dialect`.
pub(crate) fn wire_name(dialect: Dialect, name: &str) -> &str {
    match dialect {
        Dialect::Qt5 => QT5_ALIASES.iter().find(|(declared, _)| *declared == name).map_or(name, |(_, wire)| wire),
        Dialect::Qt6 => name,
    }
}

/// The declared name of a user type read in `dialect` (the inverse of [`wire_name`]).
pub(crate) fn declared_name(dialect: Dialect, name: String) -> String {
    match dialect {
        Dialect::Qt5 => {
            QT5_ALIASES.iter().find(|(_, wire)| *wire == name).map_or(name, |(declared, _)| (*declared).to_owned())
        }
        Dialect::Qt6 => name,
    }
}

/// A registry with extra types layered on top, for decoding a packet that carries definitions of
/// its own (InitDynamicPacket, QRO_) without touching the node's registry.
pub(crate) struct Overlay<'a> {
    pub(crate) base: &'a dyn TypeLookup,
    pub(crate) extra: &'a TypeRegistry,
}

impl TypeLookup for Overlay<'_> {
    fn dialect(&self) -> Option<Dialect> {
        self.base.dialect()
    }

    fn lookup(&self, name: &str) -> Option<Arc<TypeDesc>> {
        self.extra.types.get(name).cloned().or_else(|| self.base.lookup(name))
    }
}

fn template_args_known(types: &dyn TypeLookup, d: &TypeDesc) -> bool {
    match d {
        TypeDesc::Sequence { elem } => types.lookup(elem).is_some(),
        TypeDesc::Assoc { key, value } => types.lookup(key).is_some() && types.lookup(value).is_some(),
        TypeDesc::Struct { fields } => fields.iter().all(|f| types.lookup(f).is_some()),
        _ => true,
    }
}

/// Derives the encoding of a container type from its normalized name.
pub(crate) fn template_desc(name: &str) -> Option<TypeDesc> {
    let (kind, args) = container_args(name)?;
    Some(match (kind, args.as_slice()) {
        (Container::Sequence, [elem]) => TypeDesc::Sequence { elem: (*elem).to_owned() },
        (Container::Associative, [k, v]) => TypeDesc::Assoc { key: (*k).to_owned(), value: (*v).to_owned() },
        (Container::Pair, [a, b]) => TypeDesc::Struct { fields: vec![(*a).to_owned(), (*b).to_owned()] },
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qt5_rep_enum_sizes_follow_repc() {
        // repc 5.15 getEnumType: strict bounds, the magnitude of negative keys.
        assert_eq!(qt5_rep_enum_size([0, 5]), 1);
        assert_eq!(qt5_rep_enum_size([0, 254]), 1);
        assert_eq!(qt5_rep_enum_size([0, 255]), 2);
        assert_eq!(qt5_rep_enum_size([-1, 126]), 1);
        assert_eq!(qt5_rep_enum_size([-1, 127]), 2);
        assert_eq!(qt5_rep_enum_size([-200, 3]), 2);
        assert_eq!(qt5_rep_enum_size([0, 0xfffe]), 2);
        assert_eq!(qt5_rep_enum_size([0, 0xffff]), 4);
        assert_eq!(qt5_rep_enum_size([-0x7fff]), 4);
        assert_eq!(qt5_rep_enum_size([]), 1);
    }

    #[test]
    fn builtin_ids_round_trip() {
        for (b, id) in Builtin::TABLE {
            assert_eq!(Builtin::from_id(*id, Dialect::Qt6), Some(*b));
            assert_eq!(b.id(), *id);
        }
        assert_eq!(Builtin::from_id(58, Dialect::Qt5), None);
        assert_eq!(Builtin::from_id(18, Dialect::Qt6), None);
    }

    #[test]
    fn containers_resolve_by_name() {
        let mut r = TypeRegistry::new(Dialect::Qt6);
        assert!(r.contains("QList<int>"));
        assert!(r.contains("QHash<int,QByteArray>"));
        assert!(r.contains("std::pair<QString,QRemoteObjectSourceLocationInfo>"));
        assert!(r.contains("QHash<QString,QRemoteObjectSourceLocationInfo>"));
        assert!(r.contains("QList<ModelIndex>"));
        assert!(!r.contains("QList<Point3>"));
        r.register_gadget("Point3", vec![("x".into(), "int".into())]);
        assert!(r.contains("QMap<QString,QList<Point3>>"));
        assert!(!r.contains("QMap<QString>"));
        assert!(!r.contains("QList<int"));
    }

    #[test]
    fn qt5_writes_qhash_int_qbytearray_as_qinthash() {
        use crate::core::variant::{from_bytes, to_bytes_plain};
        use crate::core::{Assoc, ByteOrder, Value};
        let v = Value::Assoc(Assoc {
            type_name: "QHash<int,QByteArray>".into(),
            entries: vec![(Value::Int(1), Value::bytes(&b"a"[..]))],
        });
        let qt5 = to_bytes_plain(&v, Dialect::Qt5, ByteOrder::Big).unwrap();
        assert!(qt5.windows(8).any(|w| w == b"QIntHash"), "Qt 5 writes its own name");
        assert_eq!(
            from_bytes(qt5, Dialect::Qt5, ByteOrder::Big, &TypeRegistry::new(Dialect::Qt5)).unwrap(),
            v,
            "and reads back the declared one"
        );
        let qt6 = to_bytes_plain(&v, Dialect::Qt6, ByteOrder::Little).unwrap();
        assert!(qt6.windows(21).any(|w| w == b"QHash<int,QByteArray>"));
    }

    #[test]
    fn dialects_name_registry_types_differently() {
        assert!(TypeRegistry::new(Dialect::Qt5).contains("QRemoteObjectSourceLocation"));
        assert!(!TypeRegistry::new(Dialect::Qt6).contains("QRemoteObjectSourceLocation"));
        assert!(!TypeRegistry::new(Dialect::Qt5).contains(QSQ_NAME));
    }
}
