//! `qtro_value`: a QVariant (or raw container element) for C.
//!
//! Ownership: constructors return a new value owned by the caller (free it with
//! `qtro_value_free`). Container builders (`qtro_value_append`, `qtro_value_insert`,
//! `qtro_value_insert_keyed`, `qtro_value_new_pair`, `qtro_value_new_variant`,
//! `qtro_value_new_null_flagged`) **take ownership** of the element values passed to them, also
//! when they fail. Every other function borrows the values it is given (`const qtro_value *`) and
//! copies what it keeps. Pointers returned by accessors (`const qtro_value **`, `const char **`)
//! borrow from the value and stay valid until it is modified or freed.

use std::ffi::c_char;

use bytes::Bytes;

use super::cast::{
    bytes_arg, c_string_out, copy_c_string, copy_out, cstr, handle, handle_mut, lend, new_handle, null_argument,
    opt_cstr, opt_handle, out_bytes, out_new, out_ptr, out_str, set_opt, slice, take_handle, utf8_arg, Handle,
};
use super::qtro_result::{self, *};
use super::{err, guard, guard_ptr, guard_value, Error, Result};
use qtro_rs::core::value::{
    sort_qt_keys, Assoc, BitArray, EnumValue, Gadget, GadgetAssoc, GadgetSequence, Line, LineF, ObjectKind, Point,
    PointF, QDate, QDateTime, QTime, Rect, RectF, RemoteObject, Sequence, Size, SizeF, Struct, TimeSpec, UtcOffsetZone,
};
use qtro_rs::core::Value;
use qtro_rs::text::{self, TextError, TypeContext};

/// An opaque value: a QVariant of any type QtRO can carry.
pub struct qtro_value {
    _private: [u8; 0],
}

/// The type of a `qtro_value` (a value with the QVariant is-null flag reports its payload's
/// type; see `qtro_value_has_null_flag`).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum qtro_type {
    /// An invalid QVariant (`QVariant()`), also used for `void` results.
    QTRO_TYPE_INVALID = 0,
    QTRO_TYPE_BOOL = 1,
    /// `int`
    QTRO_TYPE_INT = 2,
    /// `uint`
    QTRO_TYPE_UINT = 3,
    /// `qlonglong`
    QTRO_TYPE_LONGLONG = 4,
    /// `qulonglong`
    QTRO_TYPE_ULONGLONG = 5,
    QTRO_TYPE_DOUBLE = 6,
    /// `float` (sent as a double on the wire)
    QTRO_TYPE_FLOAT = 7,
    /// `long` (8 bytes on the wire)
    QTRO_TYPE_LONG = 8,
    /// `ulong` (8 bytes on the wire)
    QTRO_TYPE_ULONG = 9,
    QTRO_TYPE_SHORT = 10,
    QTRO_TYPE_USHORT = 11,
    /// `char`
    QTRO_TYPE_CHAR = 12,
    /// `signed char` / `qint8`
    QTRO_TYPE_SCHAR = 13,
    /// `uchar` / `quint8`
    QTRO_TYPE_UCHAR = 14,
    /// `QChar`: one UTF-16 code unit
    QTRO_TYPE_QCHAR = 15,
    /// `char16_t` (Qt 6 only)
    QTRO_TYPE_CHAR16 = 16,
    /// `char32_t` (Qt 6 only)
    QTRO_TYPE_CHAR32 = 17,
    /// `QString` (may be null, distinct from empty)
    QTRO_TYPE_STRING = 18,
    /// `QByteArray` (may be null, distinct from empty)
    QTRO_TYPE_BYTEARRAY = 19,
    QTRO_TYPE_STRINGLIST = 20,
    QTRO_TYPE_BYTEARRAYLIST = 21,
    /// `QVariantList`
    QTRO_TYPE_LIST = 22,
    /// `QVariantMap` (keys kept in Qt's sorted order)
    QTRO_TYPE_MAP = 23,
    /// `QVariantHash`
    QTRO_TYPE_HASH = 24,
    /// `QVariantPair` (Qt 6 only)
    QTRO_TYPE_PAIR = 25,
    QTRO_TYPE_BITARRAY = 26,
    QTRO_TYPE_DATE = 27,
    QTRO_TYPE_TIME = 28,
    QTRO_TYPE_DATETIME = 29,
    QTRO_TYPE_URL = 30,
    QTRO_TYPE_UUID = 31,
    QTRO_TYPE_POINT = 32,
    QTRO_TYPE_POINTF = 33,
    QTRO_TYPE_SIZE = 34,
    QTRO_TYPE_SIZEF = 35,
    QTRO_TYPE_RECT = 36,
    QTRO_TYPE_RECTF = 37,
    QTRO_TYPE_LINE = 38,
    QTRO_TYPE_LINEF = 39,
    /// A value of a registered enum or flag type (type name + integer + byte size)
    QTRO_TYPE_ENUM = 40,
    /// A Q_GADGET / .rep POD (type name + fields)
    QTRO_TYPE_GADGET = 41,
    /// A struct streamed with raw fields (type name + fields)
    QTRO_TYPE_STRUCT = 42,
    /// A typed sequence such as `QList<int>` (type name + items)
    QTRO_TYPE_SEQUENCE = 43,
    /// A typed associative container such as `QHash<int,QByteArray>` (type name + entries)
    QTRO_TYPE_ASSOC = 44,
    /// A `QVariant` stored inside a `QVariant`
    QTRO_TYPE_VARIANT = 45,
    /// QtRO's `QRO_`: a child object or gadget descriptor
    QTRO_TYPE_REMOTE = 46,
    /// QtRO's `QSQ_`: a sequence of gadgets (Qt 6)
    QTRO_TYPE_GADGET_SEQUENCE = 47,
    /// QtRO's `QAS_`: an associative container of gadgets (Qt 6)
    QTRO_TYPE_GADGET_ASSOC = 48,
    /// `QColor`
    QTRO_TYPE_COLOR = 49,
    /// `QBrush`
    QTRO_TYPE_BRUSH = 50,
    /// `QPen`
    QTRO_TYPE_PEN = 51,
    /// `QFont`
    QTRO_TYPE_FONT = 52,
    /// `QImage` (a PNG image)
    QTRO_TYPE_IMAGE = 53,
    /// `QPixmap` (a PNG image)
    QTRO_TYPE_PIXMAP = 54,
    /// `QPolygon`
    QTRO_TYPE_POLYGON = 55,
    /// `QPolygonF`
    QTRO_TYPE_POLYGONF = 56,
    /// `QRegion`
    QTRO_TYPE_REGION = 57,
    /// `QTransform`
    QTRO_TYPE_TRANSFORM = 58,
    /// `QMatrix4x4`
    QTRO_TYPE_MATRIX4X4 = 59,
    /// `QVector2D`
    QTRO_TYPE_VECTOR2D = 60,
    /// `QVector3D`
    QTRO_TYPE_VECTOR3D = 61,
    /// `QVector4D`
    QTRO_TYPE_VECTOR4D = 62,
    /// `QQuaternion`
    QTRO_TYPE_QUATERNION = 63,
    /// `QKeySequence`
    QTRO_TYPE_KEYSEQUENCE = 64,
    /// `QJsonValue`
    QTRO_TYPE_JSONVALUE = 65,
    /// `QJsonObject` (JSON text)
    QTRO_TYPE_JSONOBJECT = 66,
    /// `QJsonArray` (JSON text)
    QTRO_TYPE_JSONARRAY = 67,
    /// `QJsonDocument` (JSON text)
    QTRO_TYPE_JSONDOCUMENT = 68,
    /// `QCborValue` (CBOR bytes)
    QTRO_TYPE_CBORVALUE = 69,
    /// `QCborArray` (CBOR bytes)
    QTRO_TYPE_CBORARRAY = 70,
    /// `QCborMap` (CBOR bytes)
    QTRO_TYPE_CBORMAP = 71,
    /// `QCborSimpleType`
    QTRO_TYPE_CBORSIMPLETYPE = 72,
}

/// How a `QDateTime`'s wall-clock fields are to be read (input and output of the date-time
/// functions).
pub type qtro_timespec = i32;
/// Local time of the machine that reads it.
pub const QTRO_TIMESPEC_LOCAL: qtro_timespec = 0;
/// UTC.
pub const QTRO_TIMESPEC_UTC: qtro_timespec = 1;
/// A fixed offset from UTC in seconds.
pub const QTRO_TIMESPEC_OFFSET: qtro_timespec = 2;
/// An IANA time zone (zone id, e.g. `"Europe/Berlin"`).
pub const QTRO_TIMESPEC_TIME_ZONE: qtro_timespec = 3;
/// A zone of Qt's UTC-offset backend (`QTimeZone(seconds)`, ids such as `"UTC+01:00"`).
pub const QTRO_TIMESPEC_UTC_OFFSET_ZONE: qtro_timespec = 4;

/// What a `QTRO_TYPE_REMOTE` value describes.
pub type qtro_object_kind = i32;
pub const QTRO_OBJECT_CLASS: qtro_object_kind = 0;
pub const QTRO_OBJECT_MODEL: qtro_object_kind = 1;
pub const QTRO_OBJECT_GADGET: qtro_object_kind = 2;

/// `QPoint`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct qtro_point {
    pub x: i32,
    pub y: i32,
}

/// `QPointF`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct qtro_pointf {
    pub x: f64,
    pub y: f64,
}

/// `QSize`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct qtro_size {
    pub width: i32,
    pub height: i32,
}

/// `QSizeF`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct qtro_sizef {
    pub width: f64,
    pub height: f64,
}

/// `QRect` as `QRect(x, y, width, height)` constructs it.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct qtro_rect {
    pub x: i32,
    pub y: i32,
    pub width: i32,
    pub height: i32,
}

/// `QRectF`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct qtro_rectf {
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
}

/// `QLine`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct qtro_line {
    pub x1: i32,
    pub y1: i32,
    pub x2: i32,
    pub y2: i32,
}

/// `QLineF`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct qtro_linef {
    pub x1: f64,
    pub y1: f64,
    pub x2: f64,
    pub y2: f64,
}

// ---- conversions between handles and values ------------------------------------------------

impl Handle for qtro_value {
    type Target = Value;
}

/// Takes ownership of a value handle (`None` for `NULL`).
pub(crate) fn take(p: *mut qtro_value) -> Option<Value> {
    take_handle(p).map(|v| *v)
}

fn take_required(p: *mut qtro_value, name: &str) -> Result<Value> {
    take(p).ok_or_else(|| null_argument(name))
}

/// Copies an array of borrowed values (`args` may be `NULL` when `count` is 0).
pub(crate) fn values_arg(args: *const *const qtro_value, count: usize, name: &str) -> Result<Vec<Value>> {
    let args = slice(args, count).ok_or_else(|| {
        Error::new(QTRO_ERR_NULL_ARGUMENT, format!("argument `{name}` is NULL but its count is {count}"))
    })?;
    args.iter().enumerate().map(|(i, p)| handle(*p, &format!("{name}[{i}]")).cloned()).collect()
}

fn type_of(v: &Value) -> qtro_type {
    use qtro_type::*;
    match v {
        Value::Invalid => QTRO_TYPE_INVALID,
        Value::Null(inner) => type_of(inner),
        Value::Bool(_) => QTRO_TYPE_BOOL,
        Value::Int(_) => QTRO_TYPE_INT,
        Value::UInt(_) => QTRO_TYPE_UINT,
        Value::LongLong(_) => QTRO_TYPE_LONGLONG,
        Value::ULongLong(_) => QTRO_TYPE_ULONGLONG,
        Value::Double(_) => QTRO_TYPE_DOUBLE,
        Value::Float(_) => QTRO_TYPE_FLOAT,
        Value::Long(_) => QTRO_TYPE_LONG,
        Value::ULong(_) => QTRO_TYPE_ULONG,
        Value::Short(_) => QTRO_TYPE_SHORT,
        Value::UShort(_) => QTRO_TYPE_USHORT,
        Value::Char(_) => QTRO_TYPE_CHAR,
        Value::SChar(_) => QTRO_TYPE_SCHAR,
        Value::UChar(_) => QTRO_TYPE_UCHAR,
        Value::QChar(_) => QTRO_TYPE_QCHAR,
        Value::Char16(_) => QTRO_TYPE_CHAR16,
        Value::Char32(_) => QTRO_TYPE_CHAR32,
        Value::String(_) => QTRO_TYPE_STRING,
        Value::ByteArray(_) => QTRO_TYPE_BYTEARRAY,
        Value::StringList(_) => QTRO_TYPE_STRINGLIST,
        Value::ByteArrayList(_) => QTRO_TYPE_BYTEARRAYLIST,
        Value::List(_) => QTRO_TYPE_LIST,
        Value::Map(_) => QTRO_TYPE_MAP,
        Value::Hash(_) => QTRO_TYPE_HASH,
        Value::Pair(..) => QTRO_TYPE_PAIR,
        Value::BitArray(_) => QTRO_TYPE_BITARRAY,
        Value::Date(_) => QTRO_TYPE_DATE,
        Value::Time(_) => QTRO_TYPE_TIME,
        Value::DateTime(_) => QTRO_TYPE_DATETIME,
        Value::Url(_) => QTRO_TYPE_URL,
        Value::Uuid(_) => QTRO_TYPE_UUID,
        Value::Point(_) => QTRO_TYPE_POINT,
        Value::PointF(_) => QTRO_TYPE_POINTF,
        Value::Size(_) => QTRO_TYPE_SIZE,
        Value::SizeF(_) => QTRO_TYPE_SIZEF,
        Value::Rect(_) => QTRO_TYPE_RECT,
        Value::RectF(_) => QTRO_TYPE_RECTF,
        Value::Line(_) => QTRO_TYPE_LINE,
        Value::LineF(_) => QTRO_TYPE_LINEF,
        Value::Enum(_) => QTRO_TYPE_ENUM,
        Value::Gadget(_) => QTRO_TYPE_GADGET,
        Value::Struct(_) => QTRO_TYPE_STRUCT,
        Value::Sequence(_) => QTRO_TYPE_SEQUENCE,
        Value::Assoc(_) => QTRO_TYPE_ASSOC,
        Value::Variant(_) => QTRO_TYPE_VARIANT,
        Value::Remote(_) => QTRO_TYPE_REMOTE,
        Value::GadgetSequence(_) => QTRO_TYPE_GADGET_SEQUENCE,
        Value::GadgetAssoc(_) => QTRO_TYPE_GADGET_ASSOC,
        Value::Color(_) => QTRO_TYPE_COLOR,
        Value::Brush(_) => QTRO_TYPE_BRUSH,
        Value::Pen(_) => QTRO_TYPE_PEN,
        Value::Font(_) => QTRO_TYPE_FONT,
        Value::Image(_) => QTRO_TYPE_IMAGE,
        Value::Pixmap(_) => QTRO_TYPE_PIXMAP,
        Value::Polygon(_) => QTRO_TYPE_POLYGON,
        Value::PolygonF(_) => QTRO_TYPE_POLYGONF,
        Value::Region(_) => QTRO_TYPE_REGION,
        Value::Transform(_) => QTRO_TYPE_TRANSFORM,
        Value::Matrix4x4(_) => QTRO_TYPE_MATRIX4X4,
        Value::Vector2D(_) => QTRO_TYPE_VECTOR2D,
        Value::Vector3D(_) => QTRO_TYPE_VECTOR3D,
        Value::Vector4D(_) => QTRO_TYPE_VECTOR4D,
        Value::Quaternion(_) => QTRO_TYPE_QUATERNION,
        Value::KeySequence(_) => QTRO_TYPE_KEYSEQUENCE,
        Value::JsonValue(_) => QTRO_TYPE_JSONVALUE,
        Value::JsonObject(_) => QTRO_TYPE_JSONOBJECT,
        Value::JsonArray(_) => QTRO_TYPE_JSONARRAY,
        Value::JsonDocument(_) => QTRO_TYPE_JSONDOCUMENT,
        Value::CborValue(_) => QTRO_TYPE_CBORVALUE,
        Value::CborArray(_) => QTRO_TYPE_CBORARRAY,
        Value::CborMap(_) => QTRO_TYPE_CBORMAP,
        Value::CborSimpleType(_) => QTRO_TYPE_CBORSIMPLETYPE,
        // `Value` is `#[non_exhaustive]`: a type added to it before it is mapped here. The test
        // below keeps every built-in type mapped.
        _ => QTRO_TYPE_INVALID,
    }
}

pub(crate) fn mismatch<T>(v: &Value, wanted: &str) -> Result<T> {
    let t = v.type_name();
    err(
        QTRO_ERR_TYPE_MISMATCH,
        format!("the value is {} , not {wanted}", if t.is_empty() { "invalid" } else { t }).replace(" ,", ","),
    )
}

pub(crate) fn new_value(f: impl FnOnce() -> Result<Value>) -> *mut qtro_value {
    guard_ptr(|| f().map(new_handle))
}

// ---- lifetime --------------------------------------------------------------------------------

/// Frees a value. `NULL` is a no-op. Never free a borrowed `const qtro_value *` (callback
/// arguments, `qtro_value_at` results).
///
/// # Safety
/// `value` is `NULL` or a value the caller owns, not freed yet.
#[no_mangle]
pub extern "C" fn qtro_value_free(value: *mut qtro_value) {
    guard_value((), || drop(take(value)))
}

/// A deep copy, owned by the caller. `NULL` if `value` is `NULL`.
#[no_mangle]
pub extern "C" fn qtro_value_clone(value: *const qtro_value) -> *mut qtro_value {
    new_value(|| handle(value, "value").cloned())
}

/// True when both values are equal (same type and content). Two `NULL`s are equal.
#[no_mangle]
pub extern "C" fn qtro_value_equal(a: *const qtro_value, b: *const qtro_value) -> bool {
    guard_value(false, || opt_handle(a) == opt_handle(b))
}

/// The exact structure of the value for debugging (Rust debug syntax, every field), owned by the
/// caller: free it with `qtro_string_free`. `NULL` if `value` is `NULL`. For readable text that
/// reads back, use `qtro_value_to_string`.
#[no_mangle]
pub extern "C" fn qtro_value_to_debug_string(value: *const qtro_value) -> *mut c_char {
    guard_ptr(|| Ok(c_string_out(&format!("{:?}", handle(value, "value")?))))
}

// ---- text --------------------------------------------------------------------------------------

/// The value as text, in the syntax the `qtro` tool prints and reads: `42`, `-1.5` (a double
/// always has a `.` or an exponent: `2.0`), `true`, `"text"` (JSON escapes), `null`, `[1, "a"]`,
/// `{"k": 1}`, and `TYPE:VALUE` wherever the plain form would read back as another type:
/// `uint:3`, `bytes:hex:00ff`, `url:tcp://x:1`, `date:2024-01-02`,
/// `datetime:2024-01-02T12:00:00Z`, `point:[1, 2]`, `QList<int>:[1, 2]`. Owned by the caller:
/// free it with `qtro_string_free`. `NULL` if `value` is `NULL`.
///
/// `qtro_value_from_string(text, NULL, &v)` reads it back as an equal value for built-in types and
/// Qt containers, except a null `QString`, which prints as `""` (read `null` as a `"QString"` for
/// one). Enum and gadget values need their interface to read back: an enum prints as
/// `Type:number` (read back: a string), a gadget as the list of its fields.
#[no_mangle]
pub extern "C" fn qtro_value_to_string(value: *const qtro_value) -> *mut c_char {
    guard_ptr(|| Ok(c_string_out(&text::format(handle(value, "value")?, None, &TypeContext::default()))))
}

/// Reads `text` (the syntax of `qtro_value_to_string`) as a value of the declared type
/// `type_name`: a Qt type name such as `"int"`, `"double"`, `"QStringList"`, `"QDateTime"`,
/// `"QList<int>"`, `"QMap<QString,int>"`; `NULL` or `"QVariant"` for the literal's natural type
/// (`42` an `int`, `2.0` a `double`, `hello` or `"hello"` a `QString`, `[1, "a"]` a
/// `QVariantList`). Conversion is strict: `1.5` is refused for an `int`, `42` for a `QString`
/// (write `"42"`). `*out` gets a new value owned by the caller (`NULL` on failure):
///
/// - `QTRO_ERR_PARSE`: the text is not well-formed; the message gives the column.
/// - `QTRO_ERR_TYPE_MISMATCH`: it does not convert to `type_name`; the message says why.
///
/// No interface is known here, so enums and gadgets of a class are not: `Color:Blue` reads as the
/// string "Color:Blue", and for an enum or gadget `type_name` the literal keeps its natural type
/// (an `int` for `3`). Build those with `qtro_value_new_enum` / `qtro_value_new_gadget`.
#[no_mangle]
pub extern "C" fn qtro_value_from_string(
    text: *const c_char,
    type_name: *const c_char,
    out: *mut *mut qtro_value,
) -> qtro_result {
    guard(|| {
        let out = out_new(out, "out")?;
        let text = cstr(text, "text")?;
        let type_name = opt_cstr(type_name, "type_name")?;
        let value = text::parse_value(text, type_name, &TypeContext::default()).map_err(|e| {
            let code = match e {
                TextError::Syntax { .. } => QTRO_ERR_PARSE,
                _ => QTRO_ERR_TYPE_MISMATCH,
            };
            Error::new(code, e.to_string())
        })?;
        out.set(new_handle(value));
        Ok(())
    })
}

// ---- introspection ----------------------------------------------------------------------------

/// The value's type. `QTRO_TYPE_INVALID` for `NULL`.
#[no_mangle]
pub extern "C" fn qtro_value_type(value: *const qtro_value) -> qtro_type {
    guard_value(qtro_type::QTRO_TYPE_INVALID, || opt_handle(value).map_or(qtro_type::QTRO_TYPE_INVALID, type_of))
}

/// The value's Qt type name (`"int"`, `"QString"`, `"QList<int>"`, an enum's `"Class::Color"`,
/// `""` for invalid), borrowed: `*data` is UTF-8 of `*len` bytes, not NUL-terminated.
#[no_mangle]
pub extern "C" fn qtro_value_type_name(
    value: *const qtro_value,
    data: *mut *const c_char,
    len: *mut usize,
) -> qtro_result {
    guard(|| out_str(data, len, handle(value, "value")?.type_name()))
}

/// True for an invalid value, a value with the QVariant is-null flag, a null `QString` or
/// `QByteArray`, and null dates/times — what `QVariant::isNull()` reports. False for `NULL`.
#[no_mangle]
pub extern "C" fn qtro_value_is_null(value: *const qtro_value) -> bool {
    guard_value(false, || {
        let Some(value) = opt_handle(value) else { return false };
        match value {
            Value::Invalid | Value::Null(_) => true,
            Value::String(None) | Value::ByteArray(None) => true,
            Value::Date(d) => d.is_null(),
            Value::Time(t) => t.is_null(),
            Value::DateTime(dt) => dt.date.is_null() && dt.time.is_null(),
            _ => false,
        }
    })
}

/// True when the value carries the QVariant is-null flag (a typed null QVariant such as Qt 6's
/// `QVariant(QMetaType::fromType<int>())`). Accessors read its payload.
#[no_mangle]
pub extern "C" fn qtro_value_has_null_flag(value: *const qtro_value) -> bool {
    guard_value(false, || matches!(opt_handle(value), Some(Value::Null(_))))
}

// ---- scalar constructors ------------------------------------------------------------------------

/// An invalid QVariant (`QVariant()`).
#[no_mangle]
pub extern "C" fn qtro_value_new_invalid() -> *mut qtro_value {
    new_value(|| Ok(Value::Invalid))
}

/// A `bool`.
#[no_mangle]
pub extern "C" fn qtro_value_new_bool(v: bool) -> *mut qtro_value {
    new_value(|| Ok(Value::Bool(v)))
}

/// An `int`.
#[no_mangle]
pub extern "C" fn qtro_value_new_int(v: i32) -> *mut qtro_value {
    new_value(|| Ok(Value::Int(v)))
}

/// A `uint`.
#[no_mangle]
pub extern "C" fn qtro_value_new_uint(v: u32) -> *mut qtro_value {
    new_value(|| Ok(Value::UInt(v)))
}

/// A `qlonglong`.
#[no_mangle]
pub extern "C" fn qtro_value_new_longlong(v: i64) -> *mut qtro_value {
    new_value(|| Ok(Value::LongLong(v)))
}

/// A `qulonglong`.
#[no_mangle]
pub extern "C" fn qtro_value_new_ulonglong(v: u64) -> *mut qtro_value {
    new_value(|| Ok(Value::ULongLong(v)))
}

/// A `double`.
#[no_mangle]
pub extern "C" fn qtro_value_new_double(v: f64) -> *mut qtro_value {
    new_value(|| Ok(Value::Double(v)))
}

/// A `float`.
#[no_mangle]
pub extern "C" fn qtro_value_new_float(v: f32) -> *mut qtro_value {
    new_value(|| Ok(Value::Float(v)))
}

/// A `long` (8 bytes on the wire).
#[no_mangle]
pub extern "C" fn qtro_value_new_long(v: i64) -> *mut qtro_value {
    new_value(|| Ok(Value::Long(v)))
}

/// A `ulong` (8 bytes on the wire).
#[no_mangle]
pub extern "C" fn qtro_value_new_ulong(v: u64) -> *mut qtro_value {
    new_value(|| Ok(Value::ULong(v)))
}

/// A `short`.
#[no_mangle]
pub extern "C" fn qtro_value_new_short(v: i16) -> *mut qtro_value {
    new_value(|| Ok(Value::Short(v)))
}

/// A `ushort`.
#[no_mangle]
pub extern "C" fn qtro_value_new_ushort(v: u16) -> *mut qtro_value {
    new_value(|| Ok(Value::UShort(v)))
}

/// A `char`.
#[no_mangle]
pub extern "C" fn qtro_value_new_char(v: i8) -> *mut qtro_value {
    new_value(|| Ok(Value::Char(v)))
}

/// A `signed char` (`qint8`).
#[no_mangle]
pub extern "C" fn qtro_value_new_schar(v: i8) -> *mut qtro_value {
    new_value(|| Ok(Value::SChar(v)))
}

/// A `uchar` (`quint8`).
#[no_mangle]
pub extern "C" fn qtro_value_new_uchar(v: u8) -> *mut qtro_value {
    new_value(|| Ok(Value::UChar(v)))
}

/// A `QChar` (one UTF-16 code unit).
#[no_mangle]
pub extern "C" fn qtro_value_new_qchar(v: u16) -> *mut qtro_value {
    new_value(|| Ok(Value::QChar(v)))
}

/// A `char16_t` (Qt 6 peers only).
#[no_mangle]
pub extern "C" fn qtro_value_new_char16(v: u16) -> *mut qtro_value {
    new_value(|| Ok(Value::Char16(v)))
}

/// A `char32_t` (Qt 6 peers only).
#[no_mangle]
pub extern "C" fn qtro_value_new_char32(v: u32) -> *mut qtro_value {
    new_value(|| Ok(Value::Char32(v)))
}

/// A `QString` from a NUL-terminated UTF-8 string. `NULL` (with an error) if `utf8` is `NULL` or
/// not UTF-8.
#[no_mangle]
pub extern "C" fn qtro_value_new_string(utf8: *const c_char) -> *mut qtro_value {
    new_value(|| Ok(Value::string(cstr(utf8, "utf8")?)))
}

/// A `QString` from `len` bytes of UTF-8 (may contain NULs; `data` may be `NULL` if `len` is 0).
#[no_mangle]
pub extern "C" fn qtro_value_new_string_n(data: *const c_char, len: usize) -> *mut qtro_value {
    new_value(|| Ok(Value::string(utf8_arg(data, len, "data")?)))
}

/// A null `QString` (distinct from the empty string).
#[no_mangle]
pub extern "C" fn qtro_value_new_null_string() -> *mut qtro_value {
    new_value(|| Ok(Value::String(None)))
}

/// A `QByteArray` copied from `len` bytes (`data` may be `NULL` if `len` is 0).
#[no_mangle]
pub extern "C" fn qtro_value_new_bytearray(data: *const u8, len: usize) -> *mut qtro_value {
    new_value(|| Ok(Value::ByteArray(Some(Bytes::copy_from_slice(bytes_arg(data, len, "data")?)))))
}

/// A null `QByteArray`.
#[no_mangle]
pub extern "C" fn qtro_value_new_null_bytearray() -> *mut qtro_value {
    new_value(|| Ok(Value::ByteArray(None)))
}

/// A `QUrl` from its encoded text (NUL-terminated UTF-8).
#[no_mangle]
pub extern "C" fn qtro_value_new_url(utf8: *const c_char) -> *mut qtro_value {
    new_value(|| Ok(Value::Url(cstr(utf8, "utf8")?.to_owned())))
}

/// A `QUuid` from 16 bytes in RFC 4122 order.
///
/// # Safety
/// `bytes16` is readable for 16 bytes.
#[no_mangle]
pub extern "C" fn qtro_value_new_uuid(bytes16: *const u8) -> *mut qtro_value {
    new_value(|| {
        let b = bytes_arg(bytes16, 16, "bytes16")?;
        let mut u = [0u8; 16];
        u.copy_from_slice(b);
        Ok(Value::Uuid(u))
    })
}

/// A `QBitArray` of `nbits` bits; bit *i* is bit *i % 8* of `bits[i / 8]`. `bits` may be `NULL`
/// if `nbits` is 0.
///
/// # Safety
/// `bits` is readable for `(nbits + 7) / 8` bytes.
#[no_mangle]
pub extern "C" fn qtro_value_new_bitarray(bits: *const u8, nbits: usize) -> *mut qtro_value {
    new_value(|| {
        let b = bytes_arg(bits, nbits.div_ceil(8), "bits")?;
        Ok(Value::BitArray(BitArray::from_bytes(nbits, b.to_vec())))
    })
}

/// A `QDate` from a proleptic Gregorian date (year != 0; negative years are BC, as in Qt).
#[no_mangle]
pub extern "C" fn qtro_value_new_date(year: i32, month: i32, day: i32) -> *mut qtro_value {
    new_value(|| {
        if year == 0 || !(1..=12).contains(&month) || !(1..=31).contains(&day) {
            return err(QTRO_ERR_INVALID_ARGUMENT, format!("invalid date {year}-{month}-{day}"));
        }
        let d = QDate::from_ymd(year, month as u32, day as u32);
        if d.ymd() != Some((year, month as u32, day as u32)) {
            return err(QTRO_ERR_INVALID_ARGUMENT, format!("invalid date {year}-{month}-{day}"));
        }
        Ok(Value::Date(d))
    })
}

/// A `QDate` from its Julian day number (`INT64_MIN` gives the null date).
#[no_mangle]
pub extern "C" fn qtro_value_new_date_julian(julian_day: i64) -> *mut qtro_value {
    new_value(|| Ok(Value::Date(QDate { julian_day })))
}

/// A `QTime` (hours 0-23, minutes and seconds 0-59, milliseconds 0-999).
#[no_mangle]
pub extern "C" fn qtro_value_new_time(hour: i32, minute: i32, second: i32, msec: i32) -> *mut qtro_value {
    new_value(|| {
        if !(0..24).contains(&hour)
            || !(0..60).contains(&minute)
            || !(0..60).contains(&second)
            || !(0..1000).contains(&msec)
        {
            return err(QTRO_ERR_INVALID_ARGUMENT, format!("invalid time {hour}:{minute}:{second}.{msec}"));
        }
        Ok(Value::Time(QTime::from_hms_ms(hour as u32, minute as u32, second as u32, msec as u32)))
    })
}

/// A `QTime` from milliseconds since midnight (`UINT32_MAX` gives the null time).
#[no_mangle]
pub extern "C" fn qtro_value_new_time_msecs(msecs_since_midnight: u32) -> *mut qtro_value {
    new_value(|| {
        if msecs_since_midnight != u32::MAX && msecs_since_midnight >= 86_400_000 {
            return err(QTRO_ERR_INVALID_ARGUMENT, format!("{msecs_since_midnight} ms is past midnight"));
        }
        Ok(Value::Time(QTime { msecs: msecs_since_midnight }))
    })
}

/// A `QDateTime`: wall-clock date (Julian day) and time (ms since midnight) read in `spec`.
/// `offset_seconds` is used by `QTRO_TIMESPEC_OFFSET` and `QTRO_TIMESPEC_UTC_OFFSET_ZONE`;
/// `zone_id` (NUL-terminated, may be `NULL` otherwise) by `QTRO_TIMESPEC_TIME_ZONE` (required)
/// and `QTRO_TIMESPEC_UTC_OFFSET_ZONE` (optional, e.g. `"UTC+01:00"`).
#[no_mangle]
pub extern "C" fn qtro_value_new_datetime(
    julian_day: i64,
    msecs_since_midnight: u32,
    spec: qtro_timespec,
    offset_seconds: i32,
    zone_id: *const c_char,
) -> *mut qtro_value {
    new_value(|| {
        let spec = match spec {
            QTRO_TIMESPEC_LOCAL => TimeSpec::LocalTime,
            QTRO_TIMESPEC_UTC => TimeSpec::Utc,
            QTRO_TIMESPEC_OFFSET => TimeSpec::OffsetFromUtc(offset_seconds),
            QTRO_TIMESPEC_TIME_ZONE => TimeSpec::TimeZone(cstr(zone_id, "zone_id")?.to_owned()),
            QTRO_TIMESPEC_UTC_OFFSET_ZONE => TimeSpec::UtcOffsetZone(Box::new(UtcOffsetZone {
                id: opt_cstr(zone_id, "zone_id")?.map(str::to_owned),
                offset_seconds,
                name: None,
                abbreviation: None,
                territory: 0,
                comment: None,
            })),
            other => return err(QTRO_ERR_INVALID_ARGUMENT, format!("unknown qtro_timespec {other}")),
        };
        Ok(Value::DateTime(QDateTime { date: QDate { julian_day }, time: QTime { msecs: msecs_since_midnight }, spec }))
    })
}

/// The null `QDateTime`.
#[no_mangle]
pub extern "C" fn qtro_value_new_null_datetime() -> *mut qtro_value {
    new_value(|| Ok(Value::DateTime(QDateTime::null())))
}

/// A `QPoint`.
#[no_mangle]
pub extern "C" fn qtro_value_new_point(p: qtro_point) -> *mut qtro_value {
    new_value(|| Ok(Value::Point(Point { x: p.x, y: p.y })))
}

/// A `QPointF`.
#[no_mangle]
pub extern "C" fn qtro_value_new_pointf(p: qtro_pointf) -> *mut qtro_value {
    new_value(|| Ok(Value::PointF(PointF { x: p.x, y: p.y })))
}

/// A `QSize`.
#[no_mangle]
pub extern "C" fn qtro_value_new_size(s: qtro_size) -> *mut qtro_value {
    new_value(|| Ok(Value::Size(Size { width: s.width, height: s.height })))
}

/// A `QSizeF`.
#[no_mangle]
pub extern "C" fn qtro_value_new_sizef(s: qtro_sizef) -> *mut qtro_value {
    new_value(|| Ok(Value::SizeF(SizeF { width: s.width, height: s.height })))
}

/// A `QRect(x, y, width, height)`.
#[no_mangle]
pub extern "C" fn qtro_value_new_rect(r: qtro_rect) -> *mut qtro_value {
    new_value(|| Ok(Value::Rect(Rect::new(r.x, r.y, r.width, r.height))))
}

/// A `QRectF`.
#[no_mangle]
pub extern "C" fn qtro_value_new_rectf(r: qtro_rectf) -> *mut qtro_value {
    new_value(|| Ok(Value::RectF(RectF { x: r.x, y: r.y, width: r.width, height: r.height })))
}

/// A `QLine`.
#[no_mangle]
pub extern "C" fn qtro_value_new_line(l: qtro_line) -> *mut qtro_value {
    new_value(|| Ok(Value::Line(Line { x1: l.x1, y1: l.y1, x2: l.x2, y2: l.y2 })))
}

/// A `QLineF`.
#[no_mangle]
pub extern "C" fn qtro_value_new_linef(l: qtro_linef) -> *mut qtro_value {
    new_value(|| Ok(Value::LineF(LineF { x1: l.x1, y1: l.y1, x2: l.x2, y2: l.y2 })))
}

/// A value of an enum or flag type `type_name` (e.g. `"Interop::Color"`) whose C++ type is
/// `size` bytes (1, 2, 4 or 8). Properties and arguments of enum type may also be given as plain
/// integers: they are converted to the declared type.
#[no_mangle]
pub extern "C" fn qtro_value_new_enum(type_name: *const c_char, value: i64, size: u8) -> *mut qtro_value {
    new_value(|| {
        let type_name = cstr(type_name, "type_name")?.to_owned();
        if ![1, 2, 4, 8].contains(&size) {
            return err(QTRO_ERR_INVALID_ARGUMENT, format!("enum size must be 1, 2, 4 or 8, not {size}"));
        }
        Ok(Value::Enum(EnumValue { type_name, value, size }))
    })
}

// ---- container constructors ---------------------------------------------------------------

/// An empty `QStringList`; add `QString` values with `qtro_value_append`.
#[no_mangle]
pub extern "C" fn qtro_value_new_stringlist() -> *mut qtro_value {
    new_value(|| Ok(Value::StringList(Vec::new())))
}

/// An empty `QByteArrayList`; add `QByteArray` values with `qtro_value_append`.
#[no_mangle]
pub extern "C" fn qtro_value_new_bytearraylist() -> *mut qtro_value {
    new_value(|| Ok(Value::ByteArrayList(Vec::new())))
}

/// An empty `QVariantList`; add values with `qtro_value_append`.
#[no_mangle]
pub extern "C" fn qtro_value_new_list() -> *mut qtro_value {
    new_value(|| Ok(Value::List(Vec::new())))
}

/// An empty `QVariantMap`; add entries with `qtro_value_insert`.
#[no_mangle]
pub extern "C" fn qtro_value_new_map() -> *mut qtro_value {
    new_value(|| Ok(Value::Map(Vec::new())))
}

/// An empty `QVariantHash`; add entries with `qtro_value_insert`.
#[no_mangle]
pub extern "C" fn qtro_value_new_hash() -> *mut qtro_value {
    new_value(|| Ok(Value::Hash(Vec::new())))
}

/// A `QVariantPair`. **Takes ownership** of `first` and `second` (also on failure).
#[no_mangle]
pub extern "C" fn qtro_value_new_pair(first: *mut qtro_value, second: *mut qtro_value) -> *mut qtro_value {
    new_value(|| {
        let (a, b) = (take(first), take(second));
        match (a, b) {
            (Some(a), Some(b)) => Ok(Value::Pair(Box::new(a), Box::new(b))),
            (None, _) => err(QTRO_ERR_NULL_ARGUMENT, "argument `first` is NULL"),
            (_, None) => err(QTRO_ERR_NULL_ARGUMENT, "argument `second` is NULL"),
        }
    })
}

/// A `QVariant` holding `inner` as a QVariant (for raw slots of declared type `QVariant`).
/// **Takes ownership** of `inner`.
#[no_mangle]
pub extern "C" fn qtro_value_new_variant(inner: *mut qtro_value) -> *mut qtro_value {
    new_value(|| Ok(Value::Variant(Box::new(take_required(inner, "inner")?))))
}

/// `inner` with the QVariant is-null flag set (a typed null QVariant). **Takes ownership** of
/// `inner`.
#[no_mangle]
pub extern "C" fn qtro_value_new_null_flagged(inner: *mut qtro_value) -> *mut qtro_value {
    new_value(|| {
        let v = take_required(inner, "inner")?;
        Ok(match v {
            Value::Null(_) => v,
            v => Value::Null(Box::new(v)),
        })
    })
}

/// An empty Q_GADGET value of type `type_name`; add its fields in declaration order with
/// `qtro_value_append`.
#[no_mangle]
pub extern "C" fn qtro_value_new_gadget(type_name: *const c_char) -> *mut qtro_value {
    new_value(|| Ok(Value::Gadget(Gadget { type_name: cstr(type_name, "type_name")?.into(), fields: Vec::new() })))
}

/// An empty raw-field struct of type `type_name`; add fields with `qtro_value_append`.
#[no_mangle]
pub extern "C" fn qtro_value_new_struct(type_name: *const c_char) -> *mut qtro_value {
    new_value(|| Ok(Value::Struct(Struct { type_name: cstr(type_name, "type_name")?.into(), fields: Vec::new() })))
}

/// An empty typed sequence (`"QList<int>"`, …); add items with `qtro_value_append`.
#[no_mangle]
pub extern "C" fn qtro_value_new_sequence(type_name: *const c_char) -> *mut qtro_value {
    new_value(|| Ok(Value::Sequence(Sequence { type_name: cstr(type_name, "type_name")?.into(), items: Vec::new() })))
}

/// An empty typed associative container (`"QHash<int,QByteArray>"`, …); add entries with
/// `qtro_value_insert_keyed`.
#[no_mangle]
pub extern "C" fn qtro_value_new_assoc(type_name: *const c_char) -> *mut qtro_value {
    new_value(|| Ok(Value::Assoc(Assoc { type_name: cstr(type_name, "type_name")?.into(), entries: Vec::new() })))
}

/// An empty QtRO gadget sequence (`QSQ_`, Qt 6): `type_name` such as `"QList<Point3>"`,
/// `value_type_name` such as `"Point3"`; add gadgets with `qtro_value_append`.
#[no_mangle]
pub extern "C" fn qtro_value_new_gadget_sequence(
    type_name: *const c_char,
    value_type_name: *const c_char,
) -> *mut qtro_value {
    new_value(|| {
        Ok(Value::GadgetSequence(Box::new(GadgetSequence {
            type_name: cstr(type_name, "type_name")?.into(),
            value_type_name: cstr(value_type_name, "value_type_name")?.into(),
            items: Vec::new(),
        })))
    })
}

/// An empty QtRO gadget associative container (`QAS_`, Qt 6); add entries with
/// `qtro_value_insert_keyed`.
#[no_mangle]
pub extern "C" fn qtro_value_new_gadget_assoc(
    type_name: *const c_char,
    key_type_name: *const c_char,
    value_type_name: *const c_char,
) -> *mut qtro_value {
    new_value(|| {
        Ok(Value::GadgetAssoc(Box::new(GadgetAssoc {
            type_name: cstr(type_name, "type_name")?.into(),
            key_type_name: cstr(key_type_name, "key_type_name")?.into(),
            value_type_name: cstr(value_type_name, "value_type_name")?.into(),
            entries: Vec::new(),
        })))
    })
}

/// A QtRO `QRO_` descriptor of a child object or gadget, without an embedded definition. `name`
/// and `type_name` may be `NULL` (gadgets have neither); add parameters (property values) with
/// `qtro_value_append`.
#[no_mangle]
pub extern "C" fn qtro_value_new_remote(
    name: *const c_char,
    type_name: *const c_char,
    kind: qtro_object_kind,
    is_null: bool,
) -> *mut qtro_value {
    new_value(|| {
        let kind = match kind {
            QTRO_OBJECT_CLASS => ObjectKind::Class,
            QTRO_OBJECT_MODEL => ObjectKind::Model,
            QTRO_OBJECT_GADGET => ObjectKind::Gadget,
            other => return err(QTRO_ERR_INVALID_ARGUMENT, format!("unknown qtro_object_kind {other}")),
        };
        Ok(Value::Remote(Box::new(RemoteObject {
            name: opt_cstr(name, "name")?.map(str::to_owned),
            type_name: opt_cstr(type_name, "type_name")?.map(str::to_owned),
            kind,
            definition: None,
            is_null,
            parameters: Vec::new(),
        })))
    })
}

// ---- container mutation ---------------------------------------------------------------------

/// Appends `item` to a list-like value: `QVariantList`, `QStringList` (item must be a `QString`),
/// `QByteArrayList` (a `QByteArray`), gadget and struct fields, typed sequences, gadget sequences
/// and `QRO_` parameters. **Takes ownership** of `item`, also on failure.
#[no_mangle]
pub extern "C" fn qtro_value_append(container: *mut qtro_value, item: *mut qtro_value) -> qtro_result {
    guard(|| {
        let item = take_required(item, "item")?;
        let c = handle_mut(container, "container")?;
        match c {
            Value::List(v) => v.push(item),
            Value::StringList(v) => match item.without_null_flag() {
                Value::String(s) => v.push(s.clone()),
                other => return mismatch(other, "a QString (QStringList element)"),
            },
            Value::ByteArrayList(v) => match item.without_null_flag() {
                Value::ByteArray(b) => v.push(b.clone()),
                other => return mismatch(other, "a QByteArray (QByteArrayList element)"),
            },
            Value::Gadget(g) => g.fields.push(item),
            Value::Struct(s) => s.fields.push(item),
            Value::Sequence(s) => s.items.push(item),
            Value::GadgetSequence(s) => s.items.push(item),
            Value::Remote(r) => r.parameters.push(item),
            other => return mismatch(other, "a list-like container"),
        }
        Ok(())
    })
}

/// Inserts `item` under the string `key` (NUL-terminated UTF-8) into a `QVariantMap` (kept in
/// Qt's key order) or `QVariantHash`; an existing entry with that key is replaced. **Takes
/// ownership** of `item`, also on failure.
#[no_mangle]
pub extern "C" fn qtro_value_insert(
    container: *mut qtro_value,
    key: *const c_char,
    item: *mut qtro_value,
) -> qtro_result {
    guard(|| {
        let item = take_required(item, "item")?;
        let key = cstr(key, "key")?.to_owned();
        let c = handle_mut(container, "container")?;
        match c {
            Value::Map(entries) | Value::Hash(entries) => {
                if let Some(e) = entries.iter_mut().find(|e| e.0 == key) {
                    e.1 = item;
                } else {
                    entries.push((key, item));
                }
            }
            other => return mismatch(other, "a QVariantMap or QVariantHash"),
        }
        if let Value::Map(entries) = c {
            sort_qt_keys(entries);
        }
        Ok(())
    })
}

/// Inserts `key` → `item` into a typed associative container or gadget associative container;
/// an entry with an equal key is replaced. **Takes ownership** of `key` and `item`, also on
/// failure.
#[no_mangle]
pub extern "C" fn qtro_value_insert_keyed(
    container: *mut qtro_value,
    key: *mut qtro_value,
    item: *mut qtro_value,
) -> qtro_result {
    guard(|| {
        let (key, item) = (take(key), take(item));
        let key = key.ok_or_else(|| Error::new(QTRO_ERR_NULL_ARGUMENT, "argument `key` is NULL"))?;
        let item = item.ok_or_else(|| Error::new(QTRO_ERR_NULL_ARGUMENT, "argument `item` is NULL"))?;
        let entries = match handle_mut(container, "container")? {
            Value::Assoc(a) => &mut a.entries,
            Value::GadgetAssoc(a) => &mut a.entries,
            other => return mismatch(other, "a typed associative container"),
        };
        if let Some(e) = entries.iter_mut().find(|e| e.0 == key) {
            e.1 = item;
        } else {
            entries.push((key, item));
        }
        Ok(())
    })
}

// ---- container access -----------------------------------------------------------------------

fn element_count(v: &Value) -> Option<usize> {
    Some(match v.without_null_flag() {
        Value::List(x) => x.len(),
        Value::StringList(x) => x.len(),
        Value::ByteArrayList(x) => x.len(),
        Value::Map(x) | Value::Hash(x) => x.len(),
        Value::Pair(..) => 2,
        Value::Gadget(g) => g.fields.len(),
        Value::Struct(s) => s.fields.len(),
        Value::Sequence(s) => s.items.len(),
        Value::Assoc(a) => a.entries.len(),
        Value::GadgetSequence(s) => s.items.len(),
        Value::GadgetAssoc(a) => a.entries.len(),
        Value::Remote(r) => r.parameters.len(),
        Value::Variant(_) => 1,
        _ => return None,
    })
}

/// Number of elements of a container: list items, map/hash/assoc entries, gadget/struct fields,
/// `QRO_` parameters, 2 for a pair, 1 for a `QVariant` in a `QVariant`.
#[no_mangle]
pub extern "C" fn qtro_value_count(value: *const qtro_value, count: *mut usize) -> qtro_result {
    guard(|| {
        let v = handle(value, "value")?;
        let n = element_count(v).map_or_else(|| mismatch(v, "a container"), Ok)?;
        out_ptr(count, "count")?.set(n);
        Ok(())
    })
}

fn out_of_range<T>(index: usize, count: usize) -> Result<T> {
    err(QTRO_ERR_INVALID_ARGUMENT, format!("index {index} is out of range (count {count})"))
}

/// Borrows element `index`: a list/sequence item, a gadget/struct field, a `QRO_` parameter, the
/// value of a map/hash/assoc entry, pair member 0 or 1, the inner value of a `QVariant` in a
/// `QVariant`. Not for `QStringList`/`QByteArrayList` (use `qtro_value_get_string_at`/
/// `qtro_value_get_bytes_at`). The element stays owned by `value`.
#[no_mangle]
pub extern "C" fn qtro_value_at(
    value: *const qtro_value,
    index: usize,
    element: *mut *const qtro_value,
) -> qtro_result {
    guard(|| {
        let v = handle(value, "value")?;
        let out = out_ptr(element, "element")?;
        let items: Option<&Value> = match v.without_null_flag() {
            Value::List(x) => x.get(index),
            Value::Map(x) | Value::Hash(x) => x.get(index).map(|e| &e.1),
            Value::Pair(a, b) => [&**a, &**b].get(index).copied(),
            Value::Gadget(g) => g.fields.get(index),
            Value::Struct(s) => s.fields.get(index),
            Value::Sequence(s) => s.items.get(index),
            Value::Assoc(a) => a.entries.get(index).map(|e| &e.1),
            Value::GadgetSequence(s) => s.items.get(index),
            Value::GadgetAssoc(a) => a.entries.get(index).map(|e| &e.1),
            Value::Remote(r) => r.parameters.get(index),
            Value::Variant(inner) => (index == 0).then_some(&**inner),
            other => return mismatch(other, "a container with value elements"),
        };
        match items {
            Some(e) => {
                out.set(lend(e));
                Ok(())
            }
            None => out_of_range(index, element_count(v).unwrap_or(0)),
        }
    })
}

/// Borrows the key of entry `index` of a `QVariantMap` or `QVariantHash` (UTF-8, `*len` bytes,
/// not NUL-terminated).
#[no_mangle]
pub extern "C" fn qtro_value_key_at(
    value: *const qtro_value,
    index: usize,
    data: *mut *const c_char,
    len: *mut usize,
) -> qtro_result {
    guard(|| {
        let v = handle(value, "value")?;
        match v.without_null_flag() {
            Value::Map(x) | Value::Hash(x) => match x.get(index) {
                Some(e) => out_str(data, len, &e.0),
                None => out_of_range(index, x.len()),
            },
            other => mismatch(other, "a QVariantMap or QVariantHash"),
        }
    })
}

/// Borrows the key of entry `index` of a typed or gadget associative container.
#[no_mangle]
pub extern "C" fn qtro_value_keyed_at(
    value: *const qtro_value,
    index: usize,
    key: *mut *const qtro_value,
) -> qtro_result {
    guard(|| {
        let v = handle(value, "value")?;
        let entries = match v.without_null_flag() {
            Value::Assoc(a) => &a.entries,
            Value::GadgetAssoc(a) => &a.entries,
            other => return mismatch(other, "a typed associative container"),
        };
        match entries.get(index) {
            Some(e) => {
                out_ptr(key, "key")?.set(lend(&e.0));
                Ok(())
            }
            None => out_of_range(index, entries.len()),
        }
    })
}

/// Borrows the value stored under `key` in a `QVariantMap` or `QVariantHash`;
/// `QTRO_ERR_NOT_FOUND` when absent.
#[no_mangle]
pub extern "C" fn qtro_value_find(
    value: *const qtro_value,
    key: *const c_char,
    element: *mut *const qtro_value,
) -> qtro_result {
    guard(|| {
        let v = handle(value, "value")?;
        let key = cstr(key, "key")?;
        match v.without_null_flag() {
            Value::Map(x) | Value::Hash(x) => match x.iter().find(|e| e.0 == key) {
                Some(e) => {
                    out_ptr(element, "element")?.set(lend(&e.1));
                    Ok(())
                }
                None => err(QTRO_ERR_NOT_FOUND, format!("no entry {key:?}")),
            },
            other => mismatch(other, "a QVariantMap or QVariantHash"),
        }
    })
}

/// Borrows element `index` of a `QStringList` (UTF-8, not NUL-terminated). `is_null` (may be
/// `NULL`) tells a null QString apart from an empty one.
#[no_mangle]
pub extern "C" fn qtro_value_get_string_at(
    value: *const qtro_value,
    index: usize,
    data: *mut *const c_char,
    len: *mut usize,
    is_null: *mut bool,
) -> qtro_result {
    guard(|| {
        let v = handle(value, "value")?;
        match v.without_null_flag() {
            Value::StringList(x) => match x.get(index) {
                Some(s) => {
                    out_str(data, len, s.as_deref().unwrap_or(""))?;
                    set_opt(is_null, s.is_none());
                    Ok(())
                }
                None => out_of_range(index, x.len()),
            },
            other => mismatch(other, "a QStringList"),
        }
    })
}

/// Borrows element `index` of a `QByteArrayList`. `is_null` may be `NULL`.
#[no_mangle]
pub extern "C" fn qtro_value_get_bytes_at(
    value: *const qtro_value,
    index: usize,
    data: *mut *const u8,
    len: *mut usize,
    is_null: *mut bool,
) -> qtro_result {
    guard(|| {
        let v = handle(value, "value")?;
        match v.without_null_flag() {
            Value::ByteArrayList(x) => match x.get(index) {
                Some(b) => {
                    out_bytes(data, len, b.as_deref().unwrap_or(&[]))?;
                    set_opt(is_null, b.is_none());
                    Ok(())
                }
                None => out_of_range(index, x.len()),
            },
            other => mismatch(other, "a QByteArrayList"),
        }
    })
}

// ---- scalar accessors -----------------------------------------------------------------------

/// Reads a `bool`.
#[no_mangle]
pub extern "C" fn qtro_value_get_bool(value: *const qtro_value, out: *mut bool) -> qtro_result {
    guard(|| {
        let v = handle(value, "value")?;
        match v.without_null_flag() {
            Value::Bool(b) => {
                out_ptr(out, "out")?.set(*b);
                Ok(())
            }
            other => mismatch(other, "a bool"),
        }
    })
}

/// Reads any integral value (every integer width, character types, bool, enums) as a signed
/// 64-bit integer. `QTRO_ERR_TYPE_MISMATCH` for other types and for `qulonglong`/`ulong` values
/// above `INT64_MAX`.
#[no_mangle]
pub extern "C" fn qtro_value_get_int64(value: *const qtro_value, out: *mut i64) -> qtro_result {
    guard(|| {
        let v = handle(value, "value")?;
        match v.as_i64() {
            Some(i) => {
                out_ptr(out, "out")?.set(i);
                Ok(())
            }
            None => mismatch(v, "an integer (or does not fit in int64_t)"),
        }
    })
}

/// Reads any non-negative integral value as an unsigned 64-bit integer.
#[no_mangle]
pub extern "C" fn qtro_value_get_uint64(value: *const qtro_value, out: *mut u64) -> qtro_result {
    guard(|| {
        let v = handle(value, "value")?;
        let r = match v.without_null_flag() {
            Value::ULongLong(u) | Value::ULong(u) => Some(*u),
            other => other.as_i64().and_then(|i| u64::try_from(i).ok()),
        };
        match r {
            Some(u) => {
                out_ptr(out, "out")?.set(u);
                Ok(())
            }
            None => mismatch(v, "a non-negative integer"),
        }
    })
}

/// Reads an integral value that fits in 32 bits as `int32_t`.
#[no_mangle]
pub extern "C" fn qtro_value_get_int32(value: *const qtro_value, out: *mut i32) -> qtro_result {
    guard(|| {
        let v = handle(value, "value")?;
        match v.as_i64().and_then(|i| i32::try_from(i).ok()) {
            Some(i) => {
                out_ptr(out, "out")?.set(i);
                Ok(())
            }
            None => mismatch(v, "an integer that fits in int32_t"),
        }
    })
}

/// Reads any numeric value (floating point or integral) as a `double`.
#[no_mangle]
pub extern "C" fn qtro_value_get_double(value: *const qtro_value, out: *mut f64) -> qtro_result {
    guard(|| {
        let v = handle(value, "value")?;
        match v.without_null_flag().as_f64() {
            Some(f) => {
                out_ptr(out, "out")?.set(f);
                Ok(())
            }
            None => mismatch(v, "a number"),
        }
    })
}

/// Borrows a `QString` as UTF-8 (`*len` bytes, not NUL-terminated; may contain NULs). `is_null`
/// (may be `NULL`) is set for a null QString, which reads as empty.
#[no_mangle]
pub extern "C" fn qtro_value_get_string(
    value: *const qtro_value,
    data: *mut *const c_char,
    len: *mut usize,
    is_null: *mut bool,
) -> qtro_result {
    guard(|| {
        let v = handle(value, "value")?;
        match v.without_null_flag() {
            Value::String(s) => {
                out_str(data, len, s.as_deref().unwrap_or(""))?;
                set_opt(is_null, s.is_none());
                Ok(())
            }
            other => mismatch(other, "a QString"),
        }
    })
}

/// Copies a `QString` into `buffer` as NUL-terminated UTF-8, truncated to `capacity - 1` bytes.
/// `needed` (may be `NULL`) receives the full length without the terminator, so a caller can
/// size its buffer (call with `capacity` 0 and `buffer` `NULL` to ask).
///
/// # Safety
/// `buffer` is `NULL` (with `capacity` 0) or writable for `capacity` bytes.
#[no_mangle]
pub extern "C" fn qtro_value_copy_string(
    value: *const qtro_value,
    buffer: *mut c_char,
    capacity: usize,
    needed: *mut usize,
) -> qtro_result {
    guard(|| {
        let v = handle(value, "value")?;
        let s = match v.without_null_flag() {
            Value::String(s) => s.as_deref().unwrap_or(""),
            other => return mismatch(other, "a QString"),
        };
        set_opt(needed, s.len());
        copy_c_string(buffer, capacity, s)
    })
}

/// Borrows a `QByteArray`'s bytes. `is_null` (may be `NULL`) is set for a null QByteArray.
#[no_mangle]
pub extern "C" fn qtro_value_get_bytes(
    value: *const qtro_value,
    data: *mut *const u8,
    len: *mut usize,
    is_null: *mut bool,
) -> qtro_result {
    guard(|| {
        let v = handle(value, "value")?;
        match v.without_null_flag() {
            Value::ByteArray(b) => {
                out_bytes(data, len, b.as_deref().unwrap_or(&[]))?;
                set_opt(is_null, b.is_none());
                Ok(())
            }
            other => mismatch(other, "a QByteArray"),
        }
    })
}

/// Borrows a `QUrl`'s encoded text (UTF-8, not NUL-terminated).
#[no_mangle]
pub extern "C" fn qtro_value_get_url(
    value: *const qtro_value,
    data: *mut *const c_char,
    len: *mut usize,
) -> qtro_result {
    guard(|| {
        let v = handle(value, "value")?;
        match v.without_null_flag() {
            Value::Url(u) => out_str(data, len, u),
            other => mismatch(other, "a QUrl"),
        }
    })
}

/// Copies a `QUuid`'s 16 bytes (RFC 4122 order) into `bytes16`.
///
/// # Safety
/// `bytes16` is writable for 16 bytes.
#[no_mangle]
pub extern "C" fn qtro_value_get_uuid(value: *const qtro_value, bytes16: *mut u8) -> qtro_result {
    guard(|| {
        let v = handle(value, "value")?;
        match v.without_null_flag() {
            Value::Uuid(u) => {
                copy_out(bytes16, 16, u, "bytes16")?;
                Ok(())
            }
            other => mismatch(other, "a QUuid"),
        }
    })
}

/// Borrows a `QBitArray`: `*nbits` bits in `(*nbits + 7) / 8` bytes (bit *i* is bit *i % 8* of
/// byte *i / 8*).
#[no_mangle]
pub extern "C" fn qtro_value_get_bitarray(
    value: *const qtro_value,
    bits: *mut *const u8,
    nbits: *mut usize,
) -> qtro_result {
    guard(|| {
        let v = handle(value, "value")?;
        match v.without_null_flag() {
            Value::BitArray(b) => {
                let mut ignored = 0usize;
                out_bytes(bits, &mut ignored, b.as_bytes())?;
                out_ptr(nbits, "nbits")?.set(b.len());
                Ok(())
            }
            other => mismatch(other, "a QBitArray"),
        }
    })
}

/// Reads a `QDate` as its Julian day number (`INT64_MIN` for the null date).
#[no_mangle]
pub extern "C" fn qtro_value_get_date_julian(value: *const qtro_value, julian_day: *mut i64) -> qtro_result {
    guard(|| {
        let v = handle(value, "value")?;
        match v.without_null_flag() {
            Value::Date(d) => {
                out_ptr(julian_day, "julian_day")?.set(d.julian_day);
                Ok(())
            }
            other => mismatch(other, "a QDate"),
        }
    })
}

/// Reads a `QDate` as year, month (1-12) and day (1-31). `QTRO_ERR_INVALID_ARGUMENT` for the
/// null date.
#[no_mangle]
pub extern "C" fn qtro_value_get_date(
    value: *const qtro_value,
    year: *mut i32,
    month: *mut i32,
    day: *mut i32,
) -> qtro_result {
    guard(|| {
        let v = handle(value, "value")?;
        match v.without_null_flag() {
            Value::Date(d) => match d.ymd() {
                Some((y, m, dd)) => {
                    out_ptr(year, "year")?.set(y);
                    out_ptr(month, "month")?.set(m as i32);
                    out_ptr(day, "day")?.set(dd as i32);
                    Ok(())
                }
                None => err(QTRO_ERR_INVALID_ARGUMENT, "the date is null"),
            },
            other => mismatch(other, "a QDate"),
        }
    })
}

/// Reads a `QTime` as milliseconds since midnight (`UINT32_MAX` for the null time).
#[no_mangle]
pub extern "C" fn qtro_value_get_time(value: *const qtro_value, msecs_since_midnight: *mut u32) -> qtro_result {
    guard(|| {
        let v = handle(value, "value")?;
        match v.without_null_flag() {
            Value::Time(t) => {
                out_ptr(msecs_since_midnight, "msecs_since_midnight")?.set(t.msecs);
                Ok(())
            }
            other => mismatch(other, "a QTime"),
        }
    })
}

/// Reads a `QDateTime`: wall-clock Julian day and ms since midnight, the time spec, and the
/// offset in seconds (`QTRO_TIMESPEC_OFFSET`, `QTRO_TIMESPEC_UTC_OFFSET_ZONE`; 0 otherwise). Any
/// output pointer may be `NULL`. The zone id is read with `qtro_value_get_datetime_zone`.
#[no_mangle]
pub extern "C" fn qtro_value_get_datetime(
    value: *const qtro_value,
    julian_day: *mut i64,
    msecs_since_midnight: *mut u32,
    spec: *mut qtro_timespec,
    offset_seconds: *mut i32,
) -> qtro_result {
    guard(|| {
        let v = handle(value, "value")?;
        match v.without_null_flag() {
            Value::DateTime(dt) => {
                let (s, off) = match &dt.spec {
                    TimeSpec::LocalTime => (QTRO_TIMESPEC_LOCAL, 0),
                    TimeSpec::Utc => (QTRO_TIMESPEC_UTC, 0),
                    TimeSpec::OffsetFromUtc(o) => (QTRO_TIMESPEC_OFFSET, *o),
                    TimeSpec::TimeZone(_) => (QTRO_TIMESPEC_TIME_ZONE, 0),
                    TimeSpec::UtcOffsetZone(z) => (QTRO_TIMESPEC_UTC_OFFSET_ZONE, z.offset_seconds),
                };
                set_opt(julian_day, dt.date.julian_day);
                set_opt(msecs_since_midnight, dt.time.msecs);
                set_opt(spec, s);
                set_opt(offset_seconds, off);
                Ok(())
            }
            other => mismatch(other, "a QDateTime"),
        }
    })
}

/// Borrows the zone id of a `QDateTime` in `QTRO_TIMESPEC_TIME_ZONE` or
/// `QTRO_TIMESPEC_UTC_OFFSET_ZONE` (empty when it has none).
#[no_mangle]
pub extern "C" fn qtro_value_get_datetime_zone(
    value: *const qtro_value,
    data: *mut *const c_char,
    len: *mut usize,
) -> qtro_result {
    guard(|| {
        let v = handle(value, "value")?;
        match v.without_null_flag() {
            Value::DateTime(dt) => match &dt.spec {
                TimeSpec::TimeZone(id) => out_str(data, len, id),
                TimeSpec::UtcOffsetZone(z) => out_str(data, len, z.id.as_deref().unwrap_or("")),
                _ => out_str(data, len, ""),
            },
            other => mismatch(other, "a QDateTime"),
        }
    })
}

/// Reads a `QPoint`.
#[no_mangle]
pub extern "C" fn qtro_value_get_point(value: *const qtro_value, out: *mut qtro_point) -> qtro_result {
    guard(|| {
        let v = handle(value, "value")?;
        match v.without_null_flag() {
            Value::Point(p) => {
                out_ptr(out, "out")?.set(qtro_point { x: p.x, y: p.y });
                Ok(())
            }
            other => mismatch(other, "a QPoint"),
        }
    })
}

/// Reads a `QPointF`.
#[no_mangle]
pub extern "C" fn qtro_value_get_pointf(value: *const qtro_value, out: *mut qtro_pointf) -> qtro_result {
    guard(|| {
        let v = handle(value, "value")?;
        match v.without_null_flag() {
            Value::PointF(p) => {
                out_ptr(out, "out")?.set(qtro_pointf { x: p.x, y: p.y });
                Ok(())
            }
            other => mismatch(other, "a QPointF"),
        }
    })
}

/// Reads a `QSize`.
#[no_mangle]
pub extern "C" fn qtro_value_get_size(value: *const qtro_value, out: *mut qtro_size) -> qtro_result {
    guard(|| {
        let v = handle(value, "value")?;
        match v.without_null_flag() {
            Value::Size(s) => {
                out_ptr(out, "out")?.set(qtro_size { width: s.width, height: s.height });
                Ok(())
            }
            other => mismatch(other, "a QSize"),
        }
    })
}

/// Reads a `QSizeF`.
#[no_mangle]
pub extern "C" fn qtro_value_get_sizef(value: *const qtro_value, out: *mut qtro_sizef) -> qtro_result {
    guard(|| {
        let v = handle(value, "value")?;
        match v.without_null_flag() {
            Value::SizeF(s) => {
                out_ptr(out, "out")?.set(qtro_sizef { width: s.width, height: s.height });
                Ok(())
            }
            other => mismatch(other, "a QSizeF"),
        }
    })
}

/// Reads a `QRect` as x, y, width, height.
#[no_mangle]
pub extern "C" fn qtro_value_get_rect(value: *const qtro_value, out: *mut qtro_rect) -> qtro_result {
    guard(|| {
        let v = handle(value, "value")?;
        match v.without_null_flag() {
            Value::Rect(r) => {
                out_ptr(out, "out")?.set(qtro_rect { x: r.left, y: r.top, width: r.width(), height: r.height() });
                Ok(())
            }
            other => mismatch(other, "a QRect"),
        }
    })
}

/// Reads a `QRectF`.
#[no_mangle]
pub extern "C" fn qtro_value_get_rectf(value: *const qtro_value, out: *mut qtro_rectf) -> qtro_result {
    guard(|| {
        let v = handle(value, "value")?;
        match v.without_null_flag() {
            Value::RectF(r) => {
                out_ptr(out, "out")?.set(qtro_rectf { x: r.x, y: r.y, width: r.width, height: r.height });
                Ok(())
            }
            other => mismatch(other, "a QRectF"),
        }
    })
}

/// Reads a `QLine`.
#[no_mangle]
pub extern "C" fn qtro_value_get_line(value: *const qtro_value, out: *mut qtro_line) -> qtro_result {
    guard(|| {
        let v = handle(value, "value")?;
        match v.without_null_flag() {
            Value::Line(l) => {
                out_ptr(out, "out")?.set(qtro_line { x1: l.x1, y1: l.y1, x2: l.x2, y2: l.y2 });
                Ok(())
            }
            other => mismatch(other, "a QLine"),
        }
    })
}

/// Reads a `QLineF`.
#[no_mangle]
pub extern "C" fn qtro_value_get_linef(value: *const qtro_value, out: *mut qtro_linef) -> qtro_result {
    guard(|| {
        let v = handle(value, "value")?;
        match v.without_null_flag() {
            Value::LineF(l) => {
                out_ptr(out, "out")?.set(qtro_linef { x1: l.x1, y1: l.y1, x2: l.x2, y2: l.y2 });
                Ok(())
            }
            other => mismatch(other, "a QLineF"),
        }
    })
}

/// Reads an enum value: its integer and the byte size of its type (the type name comes from
/// `qtro_value_type_name`). Either output may be `NULL`.
#[no_mangle]
pub extern "C" fn qtro_value_get_enum(value: *const qtro_value, out: *mut i64, size: *mut u8) -> qtro_result {
    guard(|| {
        let v = handle(value, "value")?;
        match v.without_null_flag() {
            Value::Enum(e) => {
                set_opt(out, e.value);
                set_opt(size, e.size);
                Ok(())
            }
            other => mismatch(other, "an enum value"),
        }
    })
}

/// Reads a `QRO_` descriptor: child name and type name (borrowed, `NULL` data when absent), kind
/// and null flag. Any output may be `NULL`.
#[no_mangle]
pub extern "C" fn qtro_value_get_remote(
    value: *const qtro_value,
    name: *mut *const c_char,
    name_len: *mut usize,
    type_name: *mut *const c_char,
    type_name_len: *mut usize,
    kind: *mut qtro_object_kind,
    is_null: *mut bool,
) -> qtro_result {
    guard(|| {
        let v = handle(value, "value")?;
        match v.without_null_flag() {
            Value::Remote(r) => {
                let put = |d: *mut *const c_char, l: *mut usize, s: &Option<String>| {
                    let data = s.as_ref().map_or(std::ptr::null(), |s| {
                        if s.is_empty() {
                            c"".as_ptr()
                        } else {
                            s.as_ptr() as *const c_char
                        }
                    });
                    set_opt(d, data);
                    set_opt(l, s.as_ref().map_or(0, |s| s.len()));
                };
                put(name, name_len, &r.name);
                put(type_name, type_name_len, &r.type_name);
                set_opt(kind, r.kind as i32);
                set_opt(is_null, r.is_null);
                Ok(())
            }
            other => mismatch(other, "a QRO_ descriptor"),
        }
    })
}

/// Borrows the element type names of a gadget sequence (`value_type`) or gadget associative
/// container (`key_type` and `value_type`); `key_type` is empty for sequences. Outputs may be
/// `NULL`.
#[no_mangle]
pub extern "C" fn qtro_value_get_element_types(
    value: *const qtro_value,
    key_type: *mut *const c_char,
    key_type_len: *mut usize,
    value_type: *mut *const c_char,
    value_type_len: *mut usize,
) -> qtro_result {
    guard(|| {
        let v = handle(value, "value")?;
        let (k, t) = match v.without_null_flag() {
            Value::GadgetSequence(s) => ("", s.value_type_name.as_str()),
            Value::GadgetAssoc(a) => (a.key_type_name.as_str(), a.value_type_name.as_str()),
            other => return mismatch(other, "a gadget sequence or gadget associative container"),
        };
        if !key_type.is_null() && !key_type_len.is_null() {
            out_str(key_type, key_type_len, k)?;
        }
        if !value_type.is_null() && !value_type_len.is_null() {
            out_str(value_type, value_type_len, t)?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use std::ffi::{CStr, CString};

    use super::*;
    use crate::{qtro_last_error_message, qtro_string_free};
    use qtro_rs::core::convert::default_builtin;
    use qtro_rs::core::{Builtin, Dialect};

    fn text_of(v: *const qtro_value) -> String {
        let p = qtro_value_to_string(v);
        assert!(!p.is_null(), "no text for a value");
        // SAFETY: a string `qtro_value_to_string` returned: NUL-terminated, ours until freed.
        let s = unsafe { CStr::from_ptr(p) }.to_str().expect("UTF-8").to_owned();
        qtro_string_free(p);
        s
    }

    fn from_text(text: &str, type_name: Option<&str>) -> std::result::Result<*mut qtro_value, (qtro_result, String)> {
        let text = CString::new(text).unwrap();
        let type_name = type_name.map(|t| CString::new(t).unwrap());
        let mut out: *mut qtro_value = std::ptr::dangling_mut();
        let r = qtro_value_from_string(
            text.as_ptr(),
            type_name.as_ref().map_or(std::ptr::null(), |t| t.as_ptr()),
            &mut out,
        );
        if r == QTRO_OK {
            assert!(!out.is_null());
            Ok(out)
        } else {
            assert!(out.is_null(), "out is cleared on failure");
            // SAFETY: the message is a NUL-terminated string of this thread.
            Err((r, unsafe { CStr::from_ptr(qtro_last_error_message()) }.to_str().unwrap().to_owned()))
        }
    }

    fn free(v: *mut qtro_value) {
        qtro_value_free(v)
    }

    #[test]
    fn values_print_as_text_that_reads_back() {
        let list = qtro_value_new_list();
        // `append` takes ownership of the items.
        assert_eq!(qtro_value_append(list, qtro_value_new_uint(1)), QTRO_OK);
        assert_eq!(qtro_value_append(list, qtro_value_new_double(2.0)), QTRO_OK);
        assert_eq!(qtro_value_append(list, qtro_value_new_string(c"a \"b\"".as_ptr())), QTRO_OK);
        let cases = [
            (qtro_value_new_int(-42), "-42"),
            (qtro_value_new_uint(3), "uint:3"),
            (qtro_value_new_double(2.0), "2.0"),
            (qtro_value_new_double(f64::NAN), "nan"),
            (qtro_value_new_bool(true), "true"),
            (qtro_value_new_invalid(), "null"),
            (qtro_value_new_bytearray([0u8, 0xff].as_ptr(), 2), "bytes:hex:00ff"),
            (qtro_value_new_url(c"tcp://x:1".as_ptr()), "url:tcp://x:1"),
            (qtro_value_new_null_bytearray(), "bytes:null"),
            (qtro_value_new_date(2024, 1, 2), "date:2024-01-02"),
            (qtro_value_new_date(-44, 3, 15), "date:-44-03-15"),
            (qtro_value_new_time(12, 34, 56, 789), "time:12:34:56.789"),
            (qtro_value_new_point(qtro_point { x: 1, y: -2 }), "point:[1, -2]"),
            (list, "[uint:1, 2.0, \"a \\\"b\\\"\"]"),
        ];
        for (v, expected) in cases {
            assert_eq!(text_of(v), expected);
            let back = from_text(expected, None).unwrap_or_else(|e| panic!("{expected}: {e:?}"));
            let (same, back_type) = (qtro_value_equal(v, back), qtro_value_type(back));
            // NaN is not equal to itself: its type must still be double.
            assert!(
                same || (expected == "nan" && back_type == qtro_type::QTRO_TYPE_DOUBLE),
                "{expected} does not read back"
            );
            free(back);
            free(v);
        }
        // NULL is allowed and gives NULL.
        assert!(qtro_value_to_string(std::ptr::null()).is_null());
    }

    #[test]
    fn text_is_read_as_the_declared_type() {
        let read = |text: &str, ty: Option<&str>| {
            let v = from_text(text, ty).unwrap_or_else(|e| panic!("{text}: {e:?}"));
            let copy = handle(v, "v").expect("a live value").clone();
            free(v);
            copy
        };
        assert_eq!(read("2", Some("double")), Value::Double(2.0));
        assert_eq!(read("2", Some("qint16")), Value::Short(2));
        assert_eq!(
            read("[\"a\", b]", Some("QStringList")),
            Value::StringList(vec![Some("a".into()), Some("b".into())])
        );
        assert_eq!(
            read("[1, 2]", Some("QList<int>")),
            Value::Sequence(Sequence { type_name: "QList<int>".into(), items: vec![Value::Int(1), Value::Int(2)] })
        );
        assert_eq!(read("null", Some("QString")), Value::String(None));
        assert_eq!(
            read("2024-01-02T12:00:00Z", Some("QDateTime")),
            Value::DateTime(QDateTime {
                date: QDate::from_ymd(2024, 1, 2),
                time: QTime::from_hms_ms(12, 0, 0, 0),
                spec: TimeSpec::Utc
            })
        );
        assert_eq!(read("hello", None), Value::string("hello"));
        assert_eq!(read("42", Some("QVariant")), Value::Int(42));
        // No interface: an enum type is unknown, the literal keeps its natural type.
        assert_eq!(read("3", Some("Interop::Color")), Value::Int(3));
        assert_eq!(read("Color:Blue", None), Value::string("Color:Blue"));
    }

    #[test]
    fn bad_text_gives_the_reason() {
        let (code, message) = from_text("[1, 2", None).unwrap_err();
        assert_eq!(code, QTRO_ERR_PARSE);
        assert_eq!(message, "expected ',' or ']' at the end of \"[1, 2\"");
        let (code, message) = from_text("1.5", Some("int")).unwrap_err();
        assert_eq!(code, QTRO_ERR_TYPE_MISMATCH);
        assert_eq!(message, "expected an integer for int, got the number 1.5");
        assert_eq!(from_text("date:2023-02-29", None).unwrap_err().0, QTRO_ERR_TYPE_MISMATCH);
        assert_eq!(from_text("70000", Some("short")).unwrap_err().0, QTRO_ERR_TYPE_MISMATCH);
        assert_eq!(from_text("", None).unwrap_err().0, QTRO_ERR_PARSE);
        let mut out = std::ptr::null_mut();
        // NULL and invalid UTF-8 arguments are refused before anything is read past them.
        assert_eq!(qtro_value_from_string(std::ptr::null(), std::ptr::null(), &mut out), QTRO_ERR_NULL_ARGUMENT);
        assert_eq!(
            qtro_value_from_string(c"1".as_ptr(), std::ptr::null(), std::ptr::null_mut()),
            QTRO_ERR_NULL_ARGUMENT
        );
        assert_eq!(qtro_value_from_string(c"\xff".as_ptr(), std::ptr::null(), &mut out), QTRO_ERR_INVALID_ARGUMENT);
        assert_eq!(qtro_value_from_string(c"1".as_ptr(), c"\xff".as_ptr(), &mut out), QTRO_ERR_INVALID_ARGUMENT);
        assert!(out.is_null());
    }

    /// The compiler cannot check that [`type_of`] maps every [`Value`] type (it is
    /// `#[non_exhaustive]`): every built-in type must have a C type of its own.
    #[test]
    fn every_builtin_type_has_a_c_type() {
        let mut seen = 0;
        for dialect in [Dialect::Qt6, Dialect::Qt5] {
            for id in 1..0x1100 {
                let Some(b) = Builtin::from_id(id, dialect) else { continue };
                seen += 1;
                // A QVariant holding a QVariant is the inner one: its default is invalid.
                if b != Builtin::Variant {
                    assert_ne!(type_of(&default_builtin(b)), qtro_type::QTRO_TYPE_INVALID, "{b:?}");
                }
            }
        }
        assert!(seen > 100, "{seen} built-in types found");
    }
}
