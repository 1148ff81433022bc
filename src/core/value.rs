//! The Rust model of a QVariant and of the user types QtRO sends.
//!
//! Every variant maps to exactly one wire encoding, so a decoded value re-encodes to the same
//! bytes. Widths are kept (`Short` is not `Int`) because Qt hosts hand argument storage to the
//! target without conversion.
//!
//! # Example
//!
//! Building values and reading them back:
//!
//! ```
//! use qtro_rs::core::Value;
//!
//! let v = Value::map([
//!     ("name".to_owned(), Value::string("probe")),
//!     ("count".to_owned(), Value::Int(3)),
//! ]);
//! assert_eq!(v.type_name(), "QVariantMap");
//! let Value::Map(entries) = &v else { unreachable!() };
//! // Kept in the order Qt 6 streams a QVariantMap: by key.
//! assert_eq!((entries[0].0.as_str(), entries[0].1.as_i64()), ("count", Some(3)));
//! assert_eq!(entries[1].1.as_str(), Some("probe"));
//!
//! // Widths are kept: a `short` is not an `int`, though both read as the same number.
//! assert_ne!(Value::Short(3), Value::Int(3));
//! assert_eq!((Value::Short(3).type_name(), Value::Short(3).as_i64()), ("short", Some(3)));
//! // A null QString is not an empty one (both read as "").
//! assert_ne!(Value::String(None), Value::string(""));
//! assert_eq!(Value::String(None).as_str(), Some(""));
//! ```

use bytes::Bytes;
use serde::{Deserialize, Serialize};

/// A QVariant, or a raw element of a typed container.
///
/// Each variant names the QMetaType it stands for (ids are Qt 6's; Qt 5 uses the same for the
/// core types). Encode and decode values with [`crate::core::variant`], give them a declared
/// type with [`crate::core::convert()`].
///
/// `#[non_exhaustive]`: Qt's list of streamable types grows (Qt 6 added `char16_t`, `char32_t`
/// and `QVariantPair`) and so does what this crate supports, so a `match` outside this crate
/// needs a `_` arm, for the types it does not handle anyway.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Value {
    /// `QVariant()`.
    Invalid,
    /// A QVariant of a valid type whose is-null flag is set (Qt 6
    /// `QVariant(QMetaType::fromType<int>())`, Qt 5 `QVariant(QVariant::Int)`): the payload — the
    /// type's default value — still follows on the wire. Kept apart so such variants re-encode
    /// byte-exact; [`Value::without_null_flag`] gives the payload.
    Null(Box<Value>),
    /// `bool` (id 1).
    Bool(bool),
    /// `int` (id 2).
    Int(i32),
    /// `uint` (id 3).
    UInt(u32),
    /// `qlonglong` (id 4).
    LongLong(i64),
    /// `qulonglong` (id 5).
    ULongLong(u64),
    /// `double` (id 6).
    Double(f64),
    /// `float` (id 38), written as an 8-byte double.
    Float(f32),
    /// `long` (id 32), always 8 bytes on the wire.
    Long(i64),
    /// `ulong` (id 35), always 8 bytes on the wire.
    ULong(u64),
    /// `short` (id 33).
    Short(i16),
    /// `ushort` (id 36).
    UShort(u16),
    /// `char` (id 34).
    Char(i8),
    /// `signed char` / `qint8` (id 40).
    SChar(i8),
    /// `uchar` / `quint8` (id 37).
    UChar(u8),
    /// `QChar` (id 7): one UTF-16 code unit.
    QChar(u16),
    /// `char16_t` (id 56, Qt 6 only).
    Char16(u16),
    /// `char32_t` (id 57, Qt 6 only).
    Char32(u32),
    /// `QString` (id 10); `None` is a null QString, distinct from the empty string.
    String(Option<String>),
    /// `QByteArray` (id 12); `None` is a null QByteArray.
    ByteArray(Option<Bytes>),
    /// `QStringList` (id 11).
    StringList(Vec<Option<String>>),
    /// `QByteArrayList` (id 49).
    ByteArrayList(Vec<Option<Bytes>>),
    /// `QVariantList` (id 9).
    List(Vec<Value>),
    /// `QVariantMap` (id 8), entries in wire order (Qt 6 ascending, Qt 5 descending).
    Map(Vec<(String, Value)>),
    /// `QVariantHash` (id 28), entries in wire order.
    Hash(Vec<(String, Value)>),
    /// `QVariantPair` (id 58, Qt 6 only).
    Pair(Box<Value>, Box<Value>),
    /// `QBitArray` (id 13).
    BitArray(BitArray),
    /// `QDate` (id 14).
    Date(QDate),
    /// `QTime` (id 15).
    Time(QTime),
    /// `QDateTime` (id 16).
    DateTime(QDateTime),
    /// `QUrl` (id 17): the fully encoded URL text; empty is an empty (invalid) URL.
    Url(String),
    /// `QUuid` (id 30), 16 bytes in RFC 4122 order.
    Uuid([u8; 16]),
    /// `QPoint` (id 25).
    Point(Point),
    /// `QPointF` (id 26).
    PointF(PointF),
    /// `QSize` (id 21).
    Size(Size),
    /// `QSizeF` (id 22).
    SizeF(SizeF),
    /// `QRect` (id 19).
    Rect(Rect),
    /// `QRectF` (id 20).
    RectF(RectF),
    /// `QLine` (id 23).
    Line(Line),
    /// `QLineF` (id 24).
    LineF(LineF),
    /// A value of a registered enum or flag type.
    Enum(EnumValue),
    /// A Q_GADGET / .rep POD: each field is written as a complete QVariant.
    Gadget(Gadget),
    /// A struct whose stream operator writes its fields raw (registry locations, model types).
    Struct(Struct),
    /// A typed sequential container (`QList<int>`, …): elements raw.
    Sequence(Sequence),
    /// A typed associative container (`QHash<int,QByteArray>`, …): keys and values raw.
    Assoc(Assoc),
    /// In a raw slot whose declared type is `QVariant`: the value is written with its header.
    Variant(Box<Value>),
    /// `QRemoteObjectPackets::QRO_`: a child object or gadget descriptor.
    Remote(Box<RemoteObject>),
    /// `QRemoteObjectPackets::QSQ_`: a sequence of gadgets (Qt 6).
    GadgetSequence(Box<GadgetSequence>),
    /// `QRemoteObjectPackets::QAS_`: an associative container with gadget values (Qt 6).
    GadgetAssoc(Box<GadgetAssoc>),
    // QtGui value types ([`crate::core::gui`]).
    /// `QColor`.
    Color(super::gui::Color),
    /// `QBrush`.
    Brush(Box<super::gui::Brush>),
    /// `QPen`.
    Pen(Box<super::gui::Pen>),
    /// `QFont`.
    Font(Box<super::gui::Font>),
    /// `QImage` (a PNG file).
    Image(super::gui::Image),
    /// `QPixmap` (streams as a QImage: a PNG file).
    Pixmap(super::gui::Image),
    /// `QPolygon`.
    Polygon(Vec<Point>),
    /// `QPolygonF`.
    PolygonF(Vec<PointF>),
    /// `QRegion`: its rectangles.
    Region(Vec<Rect>),
    /// `QTransform`: m11 m12 m13 m21 m22 m23 dx dy m33.
    Transform(super::gui::Transform),
    /// `QMatrix4x4`, row by row.
    Matrix4x4(Box<[f32; 16]>),
    /// `QVector2D`.
    Vector2D([f32; 2]),
    /// `QVector3D`.
    Vector3D([f32; 3]),
    /// `QVector4D`.
    Vector4D([f32; 4]),
    /// `QQuaternion`: scalar, x, y, z.
    Quaternion([f32; 4]),
    /// `QKeySequence`: up to four combined key codes (`Qt::Key | Qt::KeyboardModifiers`).
    KeySequence(Vec<u32>),
    /// `QJsonValue`.
    JsonValue(JsonValue),
    /// `QJsonObject`: its compact JSON text, as Qt streams it.
    JsonObject(String),
    /// `QJsonArray`: its compact JSON text.
    JsonArray(String),
    /// `QJsonDocument`: its compact JSON text; `None` for a null document.
    JsonDocument(Option<String>),
    /// `QCborValue`: its CBOR encoding, as Qt streams it.
    CborValue(Bytes),
    /// `QCborArray`: its CBOR encoding.
    CborArray(Bytes),
    /// `QCborMap`: its CBOR encoding.
    CborMap(Bytes),
    /// `QCborSimpleType`.
    CborSimpleType(u8),
}

/// A `QJsonValue`, one variant per `QJsonValue::Type`; arrays and objects as their compact
/// JSON text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum JsonValue {
    /// JSON `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number (QJsonValue holds every number as a double).
    Double(f64),
    /// A string; `None` for a null QString.
    String(Option<String>),
    /// An array, as its compact JSON text.
    Array(String),
    /// An object, as its compact JSON text.
    Object(String),
    /// `QJsonValue::Undefined`, which has no JSON spelling.
    Undefined,
}

impl Value {
    /// A non-null QString.
    pub fn string(s: impl Into<String>) -> Value {
        Value::String(Some(s.into()))
    }

    /// A non-null QByteArray.
    pub fn bytes(b: impl Into<Bytes>) -> Value {
        Value::ByteArray(Some(b.into()))
    }

    /// A QVariantMap with entries sorted the way Qt 6 writes them.
    pub fn map(entries: impl IntoIterator<Item = (String, Value)>) -> Value {
        let mut v: Vec<_> = entries.into_iter().collect();
        sort_qt_keys(&mut v);
        v.dedup_by(|a, b| a.0 == b.0);
        Value::Map(v)
    }

    /// The value itself, looking through [`Value::Null`].
    pub fn without_null_flag(&self) -> &Value {
        match self {
            Value::Null(inner) => inner.without_null_flag(),
            v => v,
        }
    }

    /// The QMetaType name of this value's type.
    pub fn type_name(&self) -> &str {
        use Value::*;
        match self {
            Invalid => "",
            Null(inner) => inner.type_name(),
            Bool(_) => "bool",
            Int(_) => "int",
            UInt(_) => "uint",
            LongLong(_) => "qlonglong",
            ULongLong(_) => "qulonglong",
            Double(_) => "double",
            Float(_) => "float",
            Long(_) => "long",
            ULong(_) => "ulong",
            Short(_) => "short",
            UShort(_) => "ushort",
            Char(_) => "char",
            SChar(_) => "signed char",
            UChar(_) => "uchar",
            QChar(_) => "QChar",
            Char16(_) => "char16_t",
            Char32(_) => "char32_t",
            String(_) => "QString",
            ByteArray(_) => "QByteArray",
            StringList(_) => "QStringList",
            ByteArrayList(_) => "QByteArrayList",
            List(_) => "QVariantList",
            Map(_) => "QVariantMap",
            Hash(_) => "QVariantHash",
            Pair(..) => "QVariantPair",
            BitArray(_) => "QBitArray",
            Date(_) => "QDate",
            Time(_) => "QTime",
            DateTime(_) => "QDateTime",
            Url(_) => "QUrl",
            Uuid(_) => "QUuid",
            Point(_) => "QPoint",
            PointF(_) => "QPointF",
            Size(_) => "QSize",
            SizeF(_) => "QSizeF",
            Rect(_) => "QRect",
            RectF(_) => "QRectF",
            Line(_) => "QLine",
            LineF(_) => "QLineF",
            Enum(e) => &e.type_name,
            Gadget(g) => &g.type_name,
            Struct(s) => &s.type_name,
            Sequence(s) => &s.type_name,
            Assoc(a) => &a.type_name,
            Variant(_) => "QVariant",
            Remote(_) => super::types::QRO_NAME,
            GadgetSequence(_) => super::types::QSQ_NAME,
            GadgetAssoc(_) => super::types::QAS_NAME,
            Color(_) => "QColor",
            Brush(_) => "QBrush",
            Pen(_) => "QPen",
            Font(_) => "QFont",
            Image(_) => "QImage",
            Pixmap(_) => "QPixmap",
            Polygon(_) => "QPolygon",
            PolygonF(_) => "QPolygonF",
            Region(_) => "QRegion",
            Transform(_) => "QTransform",
            Matrix4x4(_) => "QMatrix4x4",
            Vector2D(_) => "QVector2D",
            Vector3D(_) => "QVector3D",
            Vector4D(_) => "QVector4D",
            Quaternion(_) => "QQuaternion",
            KeySequence(_) => "QKeySequence",
            JsonValue(_) => "QJsonValue",
            JsonObject(_) => "QJsonObject",
            JsonArray(_) => "QJsonArray",
            JsonDocument(_) => "QJsonDocument",
            CborValue(_) => "QCborValue",
            CborArray(_) => "QCborArray",
            CborMap(_) => "QCborMap",
            CborSimpleType(_) => "QCborSimpleType",
        }
    }

    /// Integer view of integral values (and enums), for convenient conversions.
    pub fn as_i64(&self) -> Option<i64> {
        use Value::*;
        Some(match *self {
            Null(ref inner) => return inner.as_i64(),
            Bool(b) => b as i64,
            Int(v) => v as i64,
            UInt(v) => v as i64,
            LongLong(v) | Long(v) => v,
            ULongLong(v) | ULong(v) => i64::try_from(v).ok()?,
            Short(v) => v as i64,
            UShort(v) => v as i64,
            Char(v) | SChar(v) => v as i64,
            UChar(v) => v as i64,
            QChar(v) | Char16(v) => v as i64,
            Char32(v) => v as i64,
            Enum(ref e) => e.value,
            _ => return None,
        })
    }

    /// Floating-point view of `double`, `float` and the integral values of [`Value::as_i64`].
    pub fn as_f64(&self) -> Option<f64> {
        match *self {
            Value::Double(v) => Some(v),
            Value::Float(v) => Some(v as f64),
            _ => self.as_i64().map(|v| v as f64),
        }
    }

    /// The text of a QString (a null QString reads as `""`), looking through [`Value::Null`].
    pub fn as_str(&self) -> Option<&str> {
        match self.without_null_flag() {
            Value::String(s) => Some(s.as_deref().unwrap_or("")),
            _ => None,
        }
    }
}

/// Sorts map entries by UTF-16 code units, the order QMap<QString, …> uses.
pub fn sort_qt_keys<V>(entries: &mut [(String, V)]) {
    entries.sort_by(|a, b| a.0.encode_utf16().cmp(b.0.encode_utf16()));
}

impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Value::Bool(v)
    }
}
impl From<i32> for Value {
    fn from(v: i32) -> Self {
        Value::Int(v)
    }
}
impl From<u32> for Value {
    fn from(v: u32) -> Self {
        Value::UInt(v)
    }
}
impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::LongLong(v)
    }
}
impl From<u64> for Value {
    fn from(v: u64) -> Self {
        Value::ULongLong(v)
    }
}
impl From<f64> for Value {
    fn from(v: f64) -> Self {
        Value::Double(v)
    }
}
impl From<f32> for Value {
    fn from(v: f32) -> Self {
        Value::Float(v)
    }
}
impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::string(v)
    }
}
impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::String(Some(v))
    }
}
impl From<Vec<Value>> for Value {
    fn from(v: Vec<Value>) -> Self {
        Value::List(v)
    }
}

/// `QBitArray`: `len` bits, bit *i* in byte *i/8* at bit *i%8*; unused high bits are zero.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BitArray {
    len: usize,
    bits: Vec<u8>,
}

impl BitArray {
    /// `len` bits, all clear.
    pub fn new(len: usize) -> Self {
        BitArray { len, bits: vec![0; len.div_ceil(8)] }
    }

    /// One bit per item, in order.
    pub fn from_bools(bits: impl IntoIterator<Item = bool>) -> Self {
        let bits: Vec<bool> = bits.into_iter().collect();
        let mut out = BitArray::new(bits.len());
        for (i, b) in bits.into_iter().enumerate() {
            out.set(i, b);
        }
        out
    }

    /// From wire bytes; bits beyond `len` are cleared, as Qt does.
    pub fn from_bytes(len: usize, mut bits: Vec<u8>) -> Self {
        bits.resize(len.div_ceil(8), 0);
        if !len.is_multiple_of(8) {
            if let Some(last) = bits.last_mut() {
                *last &= (1u8 << (len % 8)) - 1;
            }
        }
        BitArray { len, bits }
    }

    /// Number of bits.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are no bits.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Bit `i`; `false` past the end.
    pub fn get(&self, i: usize) -> bool {
        i < self.len && self.bits[i / 8] & (1 << (i % 8)) != 0
    }

    /// Sets bit `i` to `on`.
    ///
    /// # Panics
    ///
    /// If `i` is not below [`BitArray::len`].
    pub fn set(&mut self, i: usize, on: bool) {
        assert!(i < self.len, "bit index out of range");
        if on {
            self.bits[i / 8] |= 1 << (i % 8);
        } else {
            self.bits[i / 8] &= !(1 << (i % 8));
        }
    }

    /// The bits as they travel: `len.div_ceil(8)` bytes, bit *i* in byte *i/8* at bit *i%8*.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bits
    }
}

/// `QDate` as its Julian day number; `i64::MIN` is the null date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct QDate {
    /// The Julian day number, as `QDate::toJulianDay` gives it (1970-01-01 is 2440588).
    pub julian_day: i64,
}

impl Default for QDate {
    /// The null date, as a default-constructed QDate.
    fn default() -> Self {
        QDate::NULL
    }
}

impl QDate {
    /// The null date, `QDate()`.
    pub const NULL: QDate = QDate { julian_day: i64::MIN };
    /// The first day Qt's QDate can represent: -2147483648-01-01 (`QDate::isValid()` is false
    /// for Julian days outside `MIN_JULIAN_DAY..=MAX_JULIAN_DAY`, though they still stream).
    pub const MIN_JULIAN_DAY: i64 = -784_350_574_879;
    /// The last day Qt's QDate can represent: 2147483647-12-31.
    pub const MAX_JULIAN_DAY: i64 = 784_354_017_364;

    /// Whether this is [`QDate::NULL`].
    pub fn is_null(self) -> bool {
        self == Self::NULL
    }

    /// Whether Qt considers the date valid: not null, and within Qt's range of Julian days.
    pub fn is_valid(self) -> bool {
        (Self::MIN_JULIAN_DAY..=Self::MAX_JULIAN_DAY).contains(&self.julian_day)
    }

    /// From a proleptic Gregorian date (the calendar Qt uses for Julian day numbers).
    pub fn from_ymd(year: i32, month: u32, day: u32) -> QDate {
        // Fliegel & Van Flandern, with astronomical year numbering as Qt does (no year 0).
        let y = if year < 0 { year as i64 + 1 } else { year as i64 };
        let a = (14 - month as i64) / 12;
        let y = y + 4800 - a;
        let m = month as i64 + 12 * a - 3;
        let jd =
            day as i64 + (153 * m + 2) / 5 + 365 * y + y.div_euclid(4) - y.div_euclid(100) + y.div_euclid(400) - 32045;
        QDate { julian_day: jd }
    }

    /// `(year, month, day)` in the proleptic Gregorian calendar; `None` for the null date and for
    /// Julian days outside Qt's range (years beyond the range of `i32`).
    pub fn ymd(self) -> Option<(i32, u32, u32)> {
        if !self.is_valid() {
            return None;
        }
        let a = self.julian_day + 32044;
        let b = (4 * a + 3).div_euclid(146097);
        let c = a - (146097 * b).div_euclid(4);
        let d = (4 * c + 3).div_euclid(1461);
        let e = c - (1461 * d).div_euclid(4);
        let m = (5 * e + 2).div_euclid(153);
        let day = e - (153 * m + 2).div_euclid(5) + 1;
        let month = m + 3 - 12 * m.div_euclid(10);
        let mut year = 100 * b + d - 4800 + m.div_euclid(10);
        if year <= 0 {
            year -= 1;
        }
        Some((year as i32, month as u32, day as u32))
    }
}

/// `QTime` as milliseconds since midnight; `u32::MAX` is the null time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct QTime {
    /// Milliseconds since midnight (`QTime::msecsSinceStartOfDay`).
    pub msecs: u32,
}

impl Default for QTime {
    /// The null time, as a default-constructed QTime.
    fn default() -> Self {
        QTime::NULL
    }
}

impl QTime {
    /// The null time, `QTime()`.
    pub const NULL: QTime = QTime { msecs: u32::MAX };

    /// The time `h:m:s.ms`, as `QTime(h, m, s, ms)`. The fields are not range-checked.
    pub fn from_hms_ms(h: u32, m: u32, s: u32, ms: u32) -> QTime {
        QTime { msecs: ((h * 60 + m) * 60 + s) * 1000 + ms }
    }

    /// Whether this is [`QTime::NULL`].
    pub fn is_null(self) -> bool {
        self == Self::NULL
    }
}

/// How a QDateTime's wall-clock fields are to be read (`Qt::TimeSpec`, and the zone for
/// `Qt::TimeZone`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TimeSpec {
    /// `Qt::LocalTime`: the receiver's local time zone.
    LocalTime,
    /// `Qt::UTC`.
    Utc,
    /// Fixed offset from UTC in seconds.
    OffsetFromUtc(i32),
    /// IANA zone id, e.g. `Europe/Berlin`.
    TimeZone(String),
    /// A zone of Qt's UTC-offset backend (`QTimeZone::utc()`, `QTimeZone(seconds)`, ids such as
    /// `UTC+01:00`, custom zones). Qt streams it as the id `OffsetFromUtc` followed by these fields.
    UtcOffsetZone(Box<UtcOffsetZone>),
}

/// The fields Qt streams for a UTC-offset-backend `QTimeZone`, in wire order.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct UtcOffsetZone {
    /// The zone id, e.g. `UTC+01:00`.
    pub id: Option<String>,
    /// Offset from UTC in seconds.
    pub offset_seconds: i32,
    /// The zone's display name.
    pub name: Option<String>,
    /// The zone's abbreviation.
    pub abbreviation: Option<String>,
    /// `QLocale::Territory` (Qt 6) / `QLocale::Country` (Qt 5) value; the numbering differs.
    pub territory: i32,
    /// The zone's comment.
    pub comment: Option<String>,
}

/// The zone id Qt writes before the fields of a [`UtcOffsetZone`].
pub const UTC_OFFSET_ZONE_MARKER: &str = "OffsetFromUtc";

/// `QDateTime`: date and time as wall-clock values in `spec`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct QDateTime {
    /// The calendar date.
    pub date: QDate,
    /// The time of day.
    pub time: QTime,
    /// The time zone `date` and `time` are in.
    pub spec: TimeSpec,
}

impl Default for QDateTime {
    /// The null QDateTime, as a default-constructed one.
    fn default() -> Self {
        QDateTime::null()
    }
}

impl QDateTime {
    /// The null QDateTime as Qt writes it.
    pub fn null() -> QDateTime {
        QDateTime { date: QDate::NULL, time: QTime::NULL, spec: TimeSpec::LocalTime }
    }
}

/// `QPoint`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct Point {
    /// The x coordinate.
    pub x: i32,
    /// The y coordinate.
    pub y: i32,
}

/// `QPointF`.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct PointF {
    /// The x coordinate.
    pub x: f64,
    /// The y coordinate.
    pub y: f64,
}

/// `QSize`. Qt's default `QSize()` is (-1, -1); `Size::default()` is (0, 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct Size {
    /// The width.
    pub width: i32,
    /// The height.
    pub height: i32,
}

/// `QSizeF`. Qt's default `QSizeF()` is (-1, -1); `SizeF::default()` is (0, 0).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct SizeF {
    /// The width.
    pub width: f64,
    /// The height.
    pub height: f64,
}

/// `QRect` stored as Qt does and as the wire carries it: inclusive corners, so
/// `right = x + width - 1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Rect {
    /// x of the left edge.
    pub left: i32,
    /// y of the top edge.
    pub top: i32,
    /// x of the right edge, inclusive.
    pub right: i32,
    /// y of the bottom edge, inclusive.
    pub bottom: i32,
}

impl Rect {
    /// The rectangle at (`x`, `y`) of `width` × `height`, as `QRect(x, y, width, height)`.
    pub fn new(x: i32, y: i32, width: i32, height: i32) -> Rect {
        Rect {
            left: x,
            top: y,
            right: x.wrapping_add(width).wrapping_sub(1),
            bottom: y.wrapping_add(height).wrapping_sub(1),
        }
    }

    /// `right - left + 1`, as `QRect::width`.
    pub fn width(&self) -> i32 {
        self.right.wrapping_sub(self.left).wrapping_add(1)
    }

    /// `bottom - top + 1`, as `QRect::height`.
    pub fn height(&self) -> i32 {
        self.bottom.wrapping_sub(self.top).wrapping_add(1)
    }
}

impl Default for Rect {
    /// Qt's null rectangle.
    fn default() -> Self {
        Rect::new(0, 0, 0, 0)
    }
}

/// `QRectF`: origin and size, as Qt stores and streams it.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct RectF {
    /// x of the left edge.
    pub x: f64,
    /// y of the top edge.
    pub y: f64,
    /// The width.
    pub width: f64,
    /// The height.
    pub height: f64,
}

/// `QLine`: from (`x1`, `y1`) to (`x2`, `y2`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct Line {
    /// x of the start point.
    pub x1: i32,
    /// y of the start point.
    pub y1: i32,
    /// x of the end point.
    pub x2: i32,
    /// y of the end point.
    pub y2: i32,
}

/// `QLineF`: from (`x1`, `y1`) to (`x2`, `y2`).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct LineF {
    /// x of the start point.
    pub x1: f64,
    /// y of the start point.
    pub y1: f64,
    /// x of the end point.
    pub x2: f64,
    /// y of the end point.
    pub y2: f64,
}

/// A value of an enum or flag type known by name (e.g. `Rich::Color`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct EnumValue {
    /// The enum's registered name, e.g. `Rich::Color`.
    pub type_name: String,
    /// The value (a flag's OR-ed keys).
    pub value: i64,
    /// Byte size of the enum type: 1, 2, 4 or 8. It decides the wire width.
    pub size: u8,
}

/// A Q_GADGET (PODs of .rep files).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Gadget {
    /// The gadget's registered type name, e.g. `Point3`.
    pub type_name: String,
    /// One value per property, in declaration order.
    pub fields: Vec<Value>,
}

/// A struct with raw-encoded fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Struct {
    /// The struct's registered type name, e.g. `QRemoteObjectSourceLocationInfo`.
    pub type_name: String,
    /// The fields, in stream order.
    pub fields: Vec<Value>,
}

/// A typed sequence such as `QList<int>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sequence {
    /// The container's normalized type name, e.g. `QList<int>`.
    pub type_name: String,
    /// The elements, each a value of the element type.
    pub items: Vec<Value>,
}

/// A typed associative container such as `QHash<int,QByteArray>`, in wire order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assoc {
    /// The container's normalized type name, e.g. `QHash<int,QByteArray>`.
    pub type_name: String,
    /// (key, value) pairs in wire order.
    pub entries: Vec<(Value, Value)>,
}

/// What a QRO_ describes (QtRO's `ObjectType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ObjectKind {
    /// A child QObject (a `.rep` `CLASS` property).
    Class = 0,
    /// A child model (a `.rep` `MODEL` property).
    Model = 1,
    /// A gadget descriptor.
    Gadget = 2,
}

/// `QRO_`: a child object (CLASS/MODEL property) or, for QVariant properties of a dynamic source,
/// a gadget descriptor carrying its type definition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RemoteObject {
    /// Child source name (`Class::Rich::child`); `None` for gadgets.
    pub name: Option<String>,
    /// Child type name; `None` for gadgets.
    pub type_name: Option<String>,
    /// What it describes.
    pub kind: ObjectKind,
    /// The definition sent along (dynamic mode only), decoded from its big-endian nested stream.
    pub definition: Option<super::classdef::EmbeddedDefinition>,
    /// True when the child pointer is null; then no parameters follow.
    pub is_null: bool,
    /// Class/model: the child's property values. Gadget: exactly one value, the gadget itself.
    pub parameters: Vec<Value>,
}

/// `QSQ_`: `QList<POD>` and friends on Qt 6.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GadgetSequence {
    /// e.g. `QList<Point3>`.
    pub type_name: String,
    /// e.g. `Point3`.
    pub value_type_name: String,
    /// Elements, each a [`Value::Gadget`] (or another value of `value_type_name`).
    pub items: Vec<Value>,
}

/// `QAS_`: `QMap<K,POD>` / `QHash<K,POD>` on Qt 6.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GadgetAssoc {
    /// e.g. `QMap<QString,Point3>`.
    pub type_name: String,
    /// e.g. `QString`.
    pub key_type_name: String,
    /// e.g. `Point3`.
    pub value_type_name: String,
    /// (key, value) pairs in wire order; each value a [`Value::Gadget`] (or another value of
    /// `value_type_name`).
    pub entries: Vec<(Value, Value)>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn julian_days_match_qt() {
        assert_eq!(QDate::from_ymd(2024, 1, 2).julian_day, 2460312);
        assert_eq!(QDate::from_ymd(1970, 1, 1).julian_day, 2440588);
        assert_eq!(QDate { julian_day: 2460312 }.ymd(), Some((2024, 1, 2)));
        assert_eq!(QDate::from_ymd(-1, 12, 31).ymd(), Some((-1, 12, 31)));
        assert_eq!(QDate::NULL.ymd(), None);
        // Qt's range is exactly the years of an i32.
        assert_eq!(QDate::from_ymd(i32::MIN, 1, 1).julian_day, QDate::MIN_JULIAN_DAY);
        assert_eq!(QDate::from_ymd(i32::MAX, 12, 31).julian_day, QDate::MAX_JULIAN_DAY);
        assert_eq!(QDate { julian_day: QDate::MIN_JULIAN_DAY }.ymd(), Some((i32::MIN, 1, 1)));
        assert_eq!(QDate { julian_day: QDate::MAX_JULIAN_DAY }.ymd(), Some((i32::MAX, 12, 31)));
        assert_eq!(QDate { julian_day: QDate::MAX_JULIAN_DAY + 1 }.ymd(), None);
        assert_eq!(QDate { julian_day: i64::MAX }.ymd(), None, "no overflow");
    }

    #[test]
    fn rect_right_is_inclusive() {
        let r = Rect::new(1, 2, 3, 4);
        assert_eq!((r.left, r.top, r.right, r.bottom), (1, 2, 3, 5));
        assert_eq!((r.width(), r.height()), (3, 4));
    }

    #[test]
    fn bit_array_clears_unused_bits() {
        let b = BitArray::from_bytes(3, vec![0xff]);
        assert_eq!(b.as_bytes(), &[0x07]);
        assert!(b.get(2) && !b.get(3));
    }

    #[test]
    fn maps_sort_like_qmap() {
        let Value::Map(m) = Value::map([("s".into(), Value::Int(1)), ("k".into(), Value::Int(2))]) else { panic!() };
        assert_eq!(m[0].0, "k");
    }
}
