//! Conversions between Rust types and [`Value`]s of a declared Qt type.
//!
//! The declared type name (as a Qt host publishes it, e.g. `QList<Point3>` or `Rich::Color`) is
//! passed in at run time: it decides the exact wire form (`i8` is a `char` or a `qint8`, a
//! `Vec<Point3>` is a QtRO `QSQ_` wrapper on Qt 6 but a plain typed container on Qt 5, a
//! `String` may be a `QUrl`), exactly as the declared C++ type does on the Qt side.

use std::collections::{BTreeMap, HashMap};
use std::hash::Hash;

use bytes::Bytes;

use crate::core::types::template_args;
use crate::core::variant::enum_transfer_value;
use crate::core::{
    Assoc, BitArray, Builtin, Dialect, EnumValue, GadgetAssoc, GadgetSequence, Line, LineF, Point, PointF, QDate,
    QDateTime, QTime, Rect, RectF, Sequence, Size, SizeF, Struct, Value,
};
use crate::node::coerce;

/// Why a [`Value`] could not be converted to a Rust type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConvertError {
    /// The value has another type.
    #[error("expected {expected}, got {found}")]
    Mismatch {
        /// The Rust or Qt type that was expected.
        expected: String,
        /// The Qt type name of the value received (`invalid` for an invalid QVariant).
        found: String,
    },
    /// An integer that does not fit the target type.
    #[error("{value} does not fit {expected}")]
    OutOfRange {
        /// The Rust type.
        expected: &'static str,
        /// The value received.
        value: String,
    },
    /// An integer that is not a key of the enum. Generated enums reject such values instead of
    /// inventing one; declare the key in the .rep file (or use a `FLAG`) to accept it.
    #[error("{value} is not a value of enum {type_name}")]
    UnknownEnumValue {
        /// The enum's Qt name (`Rich::Color`).
        type_name: &'static str,
        /// The integer received.
        value: i64,
    },
    /// A POD (gadget) with fewer fields than declared.
    #[error("{type_name} needs {expected} fields, got {found}")]
    FieldCount {
        /// The POD name.
        type_name: &'static str,
        /// Declared fields.
        expected: usize,
        /// Fields received.
        found: usize,
    },
    /// Fewer arguments than the signal or slot declares.
    #[error("expected {expected} arguments, got {found}")]
    ArgumentCount {
        /// Declared parameters.
        expected: usize,
        /// Arguments received.
        found: usize,
    },
    /// A conversion failed inside a named member (property, argument, POD field, element).
    #[error("{member}: {source}")]
    In {
        /// What was being converted, e.g. `Rich.color`, `argument 1`, `Point3.x`.
        member: String,
        /// The underlying error.
        source: Box<ConvertError>,
    },
}

impl ConvertError {
    /// `self`, annotated with the member being converted.
    pub fn within(self, member: impl Into<String>) -> ConvertError {
        ConvertError::In { member: member.into(), source: Box::new(self) }
    }

    /// A [`ConvertError::Mismatch`] for `value`.
    pub fn mismatch(expected: impl Into<String>, value: &Value) -> ConvertError {
        let found = match value {
            Value::Invalid => "invalid".to_owned(),
            v => v.type_name().to_owned(),
        };
        ConvertError::Mismatch { expected: expected.into(), found }
    }
}

/// A Rust value that can be sent as a value of a declared Qt type.
pub trait ToValue {
    /// True for PODs (Q_GADGETs): on Qt 6, QtRO sends lists and maps of them in its `QSQ_` /
    /// `QAS_` wrappers.
    const IS_GADGET: bool = false;

    /// The value as a complete QVariant of type `ty`: a property value, an argument, a return
    /// value or a POD field. Enums become integers of their size here, as QtRO sends them.
    fn to_variant(&self, ty: &str, dialect: Dialect) -> Value {
        self.to_element(ty, dialect)
    }

    /// The value as an element of a typed container (written with the type's own stream
    /// operator, without a QVariant header).
    fn to_element(&self, ty: &str, dialect: Dialect) -> Value;
}

impl<T: ToValue + ?Sized> ToValue for &T {
    const IS_GADGET: bool = T::IS_GADGET;

    fn to_variant(&self, ty: &str, dialect: Dialect) -> Value {
        (**self).to_variant(ty, dialect)
    }

    fn to_element(&self, ty: &str, dialect: Dialect) -> Value {
        (**self).to_element(ty, dialect)
    }
}

/// A Rust value that can be read from a received [`Value`].
pub trait FromValue: Sized {
    /// Converts `value`, accepting every wire form a Qt or Rust peer may use for the type.
    fn from_value(value: &Value) -> Result<Self, ConvertError>;
}

/// `value` without the wrappers that do not change its meaning: the is-null flag, a QVariant
/// nested in a QVariant, and a QtRO gadget descriptor (`QRO_` of kind GADGET).
pub(crate) fn unwrap(value: &Value) -> &Value {
    match value {
        Value::Null(inner) | Value::Variant(inner) => unwrap(inner),
        Value::Remote(r) if r.kind == crate::core::ObjectKind::Gadget && r.parameters.len() == 1 => {
            unwrap(&r.parameters[0])
        }
        v => v,
    }
}

/// Converts `value` to `T`, naming `member` in the error.
pub fn from_value<T: FromValue>(value: &Value, member: &str) -> Result<T, ConvertError> {
    T::from_value(value).map_err(|e| e.within(member))
}

/// Converts `value` to `T` and wraps it with `f` (a typed event variant), naming `member` in the
/// error.
pub fn map_value<T: FromValue, E>(value: &Value, member: &str, f: impl FnOnce(T) -> E) -> Result<E, ConvertError> {
    from_value(value, member).map(f)
}

/// The declared type without a top-level `const` and `&` (parameters may be declared so).
pub(crate) fn value_type(ty: &str) -> &str {
    let ty = ty.trim();
    let ty = ty.strip_prefix("const ").unwrap_or(ty);
    ty.strip_suffix('&').unwrap_or(ty).trim_end()
}

fn builtin(ty: &str) -> Option<Builtin> {
    Builtin::from_name(value_type(ty))
}

// ---------------------------------------------------------------------------------------------
// Scalars

macro_rules! integer {
    ($($t:ty => $variant:ident),* $(,)?) => {$(
        impl ToValue for $t {
            fn to_element(&self, ty: &str, _dialect: Dialect) -> Value {
                coerce(Value::$variant(*self), value_type(ty))
            }
        }

        impl FromValue for $t {
            fn from_value(value: &Value) -> Result<Self, ConvertError> {
                let v = unwrap(value);
                let wide: i128 = match *v {
                    Value::ULongLong(x) | Value::ULong(x) => x as i128,
                    _ => v.as_i64().ok_or_else(|| ConvertError::mismatch(stringify!($t), v))? as i128,
                };
                <$t>::try_from(wide)
                    .map_err(|_| ConvertError::OutOfRange { expected: stringify!($t), value: wide.to_string() })
            }
        }
    )*};
}

integer!(i8 => SChar, u8 => UChar, i16 => Short, i32 => Int, u32 => UInt, i64 => LongLong, u64 => ULongLong);

impl ToValue for u16 {
    fn to_element(&self, ty: &str, _dialect: Dialect) -> Value {
        match value_type(ty) {
            "QChar" => Value::QChar(*self),
            "char16_t" => Value::Char16(*self),
            t => coerce(Value::UShort(*self), t),
        }
    }
}

impl FromValue for u16 {
    fn from_value(value: &Value) -> Result<Self, ConvertError> {
        let v = unwrap(value);
        let wide = v.as_i64().ok_or_else(|| ConvertError::mismatch("u16", v))?;
        u16::try_from(wide).map_err(|_| ConvertError::OutOfRange { expected: "u16", value: wide.to_string() })
    }
}

impl ToValue for bool {
    fn to_element(&self, ty: &str, _dialect: Dialect) -> Value {
        coerce(Value::Bool(*self), value_type(ty))
    }
}

impl FromValue for bool {
    fn from_value(value: &Value) -> Result<Self, ConvertError> {
        match unwrap(value) {
            Value::Bool(b) => Ok(*b),
            v => v.as_i64().map(|i| i != 0).ok_or_else(|| ConvertError::mismatch("bool", v)),
        }
    }
}

impl ToValue for f64 {
    fn to_element(&self, ty: &str, _dialect: Dialect) -> Value {
        coerce(Value::Double(*self), value_type(ty))
    }
}

impl FromValue for f64 {
    fn from_value(value: &Value) -> Result<Self, ConvertError> {
        let v = unwrap(value);
        v.as_f64().ok_or_else(|| ConvertError::mismatch("f64", v))
    }
}

impl ToValue for f32 {
    fn to_element(&self, ty: &str, _dialect: Dialect) -> Value {
        coerce(Value::Float(*self), value_type(ty))
    }
}

impl FromValue for f32 {
    fn from_value(value: &Value) -> Result<Self, ConvertError> {
        let v = unwrap(value);
        v.as_f64().map(|f| f as f32).ok_or_else(|| ConvertError::mismatch("f32", v))
    }
}

/// An empty string is sent as a null `QString` (what a default-constructed `QString` is; Qt
/// compares the two equal).
impl ToValue for String {
    fn to_element(&self, ty: &str, dialect: Dialect) -> Value {
        self.as_str().to_element(ty, dialect)
    }
}

impl ToValue for str {
    fn to_element(&self, ty: &str, _dialect: Dialect) -> Value {
        let s = (!self.is_empty()).then(|| self.to_owned());
        coerce(Value::String(s), value_type(ty))
    }
}

impl FromValue for String {
    fn from_value(value: &Value) -> Result<Self, ConvertError> {
        match unwrap(value) {
            Value::String(s) => Ok(s.clone().unwrap_or_default()),
            Value::Url(u) => Ok(u.clone()),
            Value::ByteArray(b) => Ok(String::from_utf8_lossy(b.as_deref().unwrap_or_default()).into_owned()),
            Value::QChar(c) | Value::Char16(c) => Ok(String::from_utf16_lossy(&[*c])),
            v => Err(ConvertError::mismatch("QString", v)),
        }
    }
}

/// Empty bytes are sent as a null `QByteArray`, like a default-constructed one.
impl ToValue for Bytes {
    fn to_element(&self, ty: &str, _dialect: Dialect) -> Value {
        let b = (!self.is_empty()).then(|| self.clone());
        coerce(Value::ByteArray(b), value_type(ty))
    }
}

impl FromValue for Bytes {
    fn from_value(value: &Value) -> Result<Self, ConvertError> {
        match unwrap(value) {
            Value::ByteArray(b) => Ok(b.clone().unwrap_or_default()),
            Value::String(s) => Ok(Bytes::from(s.clone().unwrap_or_default().into_bytes())),
            v => Err(ConvertError::mismatch("QByteArray", v)),
        }
    }
}

/// `QVariant` is kept as a [`Value`].
impl ToValue for Value {
    fn to_variant(&self, _ty: &str, _dialect: Dialect) -> Value {
        self.clone()
    }

    fn to_element(&self, ty: &str, _dialect: Dialect) -> Value {
        if value_type(ty) == "QVariant" {
            Value::Variant(Box::new(self.clone()))
        } else {
            self.clone()
        }
    }
}

impl FromValue for Value {
    fn from_value(value: &Value) -> Result<Self, ConvertError> {
        Ok(match value {
            Value::Variant(inner) => (**inner).clone(),
            v => v.clone(),
        })
    }
}

/// The result of a `void` slot.
impl ToValue for () {
    fn to_element(&self, _ty: &str, _dialect: Dialect) -> Value {
        Value::Invalid
    }
}

impl FromValue for () {
    fn from_value(_value: &Value) -> Result<Self, ConvertError> {
        Ok(())
    }
}

macro_rules! plain {
    ($($t:ty => $variant:ident, $name:literal);* $(;)?) => {$(
        impl ToValue for $t {
            fn to_element(&self, _ty: &str, _dialect: Dialect) -> Value {
                Value::$variant(self.clone())
            }
        }

        impl FromValue for $t {
            fn from_value(value: &Value) -> Result<Self, ConvertError> {
                match unwrap(value) {
                    Value::$variant(x) => Ok(x.clone()),
                    v => Err(ConvertError::mismatch($name, v)),
                }
            }
        }
    )*};
}

plain! {
    QDate => Date, "QDate";
    QTime => Time, "QTime";
    QDateTime => DateTime, "QDateTime";
    Point => Point, "QPoint";
    PointF => PointF, "QPointF";
    Size => Size, "QSize";
    SizeF => SizeF, "QSizeF";
    Rect => Rect, "QRect";
    RectF => RectF, "QRectF";
    Line => Line, "QLine";
    LineF => LineF, "QLineF";
    [u8; 16] => Uuid, "QUuid";
}

// ---------------------------------------------------------------------------------------------
// Enums and flags

/// A Rust enum generated from a .rep `ENUM` (or a Qt enum known to this crate).
pub trait QtEnum: Copy + 'static {
    /// The enum's name as Qt registers it (`Rich::Color`, `Tagged::Kind`, `Status`).
    const QT_NAME: &'static str;
    /// Size of the enum type in bytes (1, 2, 4 or 8): the width it travels with.
    const SIZE: u8;
    /// The enum's integer value.
    fn to_i64(self) -> i64;
    /// The key with this value (reinterpreted in the enum's underlying type), if there is one.
    fn from_i64(value: i64) -> Option<Self>;
}

/// The QVariant QtRO sends for an enum value: an integer of the enum's size.
pub fn enum_to_variant<E: QtEnum>(e: E, dialect: Dialect) -> Value {
    enum_transfer_value(dialect, &EnumValue { type_name: E::QT_NAME.into(), value: e.to_i64(), size: E::SIZE })
}

/// An enum value as an element of a typed container (`QList<Rich::Color>`).
pub fn enum_to_element<E: QtEnum>(e: E, ty: &str) -> Value {
    let ty = value_type(ty);
    let type_name = if ty.is_empty() { E::QT_NAME } else { ty };
    Value::Enum(EnumValue { type_name: type_name.into(), value: e.to_i64(), size: E::SIZE })
}

/// Reads an enum from an integer of any width (how QtRO sends it) or an enum value.
pub fn enum_from_value<E: QtEnum>(value: &Value) -> Result<E, ConvertError> {
    let v = unwrap(value);
    let raw = v.as_i64().ok_or_else(|| ConvertError::mismatch(E::QT_NAME, v))?;
    E::from_i64(raw).ok_or(ConvertError::UnknownEnumValue { type_name: E::QT_NAME, value: raw })
}

/// A .rep `FLAG`: any combination of the values of enum `E` (Qt's `QFlags<E>`). Unlike enums,
/// flags keep every bit they receive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Flags<E> {
    bits: u32,
    _enum: std::marker::PhantomData<E>,
}

impl<E> Default for Flags<E> {
    fn default() -> Self {
        Flags::from_bits(0)
    }
}

impl<E> Flags<E> {
    /// No flag set.
    pub const fn empty() -> Self {
        Flags::from_bits(0)
    }

    /// The flags with exactly these bits.
    pub const fn from_bits(bits: u32) -> Self {
        Flags { bits, _enum: std::marker::PhantomData }
    }

    /// The raw bits (sent as a 4-byte integer).
    pub const fn bits(self) -> u32 {
        self.bits
    }

    /// No bit set.
    pub const fn is_empty(self) -> bool {
        self.bits == 0
    }

    /// Every bit of `other` is set in `self`.
    pub const fn contains(self, other: Self) -> bool {
        self.bits & other.bits == other.bits
    }
}

impl<E: QtEnum> Flags<E> {
    /// `flag`'s bits are all set (Qt's `testFlag`).
    pub fn test(self, flag: E) -> bool {
        self.contains(flag.into())
    }
}

impl<E: QtEnum> From<E> for Flags<E> {
    fn from(e: E) -> Self {
        Flags::from_bits(e.to_i64() as u32)
    }
}

impl<E> std::ops::BitOr for Flags<E> {
    type Output = Self;
    fn bitor(self, rhs: Self) -> Self {
        Flags::from_bits(self.bits | rhs.bits)
    }
}

impl<E: QtEnum> std::ops::BitOr<E> for Flags<E> {
    type Output = Self;
    fn bitor(self, rhs: E) -> Self {
        self | Flags::from(rhs)
    }
}

impl<E> std::ops::BitAnd for Flags<E> {
    type Output = Self;
    fn bitand(self, rhs: Self) -> Self {
        Flags::from_bits(self.bits & rhs.bits)
    }
}

impl<E> std::ops::BitOrAssign for Flags<E> {
    fn bitor_assign(&mut self, rhs: Self) {
        self.bits |= rhs.bits;
    }
}

impl<E> std::ops::BitAndAssign for Flags<E> {
    fn bitand_assign(&mut self, rhs: Self) {
        self.bits &= rhs.bits;
    }
}

impl<E> ToValue for Flags<E> {
    /// Flags travel as a 4-byte `int`.
    fn to_variant(&self, _ty: &str, _dialect: Dialect) -> Value {
        Value::Int(self.bits as i32)
    }

    fn to_element(&self, ty: &str, _dialect: Dialect) -> Value {
        Value::Enum(EnumValue { type_name: value_type(ty).into(), value: self.bits as i32 as i64, size: 4 })
    }
}

impl<E> FromValue for Flags<E> {
    fn from_value(value: &Value) -> Result<Self, ConvertError> {
        let v = unwrap(value);
        let raw = v.as_i64().ok_or_else(|| ConvertError::mismatch("flags", v))?;
        Ok(Flags::from_bits(raw as u32))
    }
}

/// A value of a Qt enum the generator has no Rust enum for (declared with `USE_ENUM`): its
/// integer value, sent as a 4-byte `int`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct RawEnum(pub i32);

impl ToValue for RawEnum {
    fn to_variant(&self, _ty: &str, _dialect: Dialect) -> Value {
        Value::Int(self.0)
    }

    fn to_element(&self, ty: &str, _dialect: Dialect) -> Value {
        Value::Enum(EnumValue { type_name: value_type(ty).into(), value: self.0 as i64, size: 4 })
    }
}

impl FromValue for RawEnum {
    fn from_value(value: &Value) -> Result<Self, ConvertError> {
        let v = unwrap(value);
        let raw = v.as_i64().ok_or_else(|| ConvertError::mismatch("enum", v))?;
        Ok(RawEnum(raw as i32))
    }
}

// ---------------------------------------------------------------------------------------------
// Containers

/// Element type of a sequential container type name.
fn sequence_element(ty: &str) -> &str {
    match builtin(ty) {
        Some(Builtin::StringList) => "QString",
        Some(Builtin::ByteArrayList) => "QByteArray",
        Some(Builtin::VariantList) => "QVariant",
        Some(Builtin::BitArray) => "bool",
        _ => template_args(value_type(ty)).and_then(|(_, a)| a.first().copied()).unwrap_or(""),
    }
}

/// Key and value types of an associative container type name.
fn assoc_types(ty: &str) -> (&str, &str) {
    match builtin(ty) {
        Some(Builtin::VariantMap | Builtin::VariantHash) => ("QString", "QVariant"),
        _ => match template_args(value_type(ty)) {
            Some((_, a)) if a.len() == 2 => (a[0], a[1]),
            _ => ("", ""),
        },
    }
}

fn sequence_value<'a, T: ToValue + 'a>(
    items: impl Iterator<Item = &'a T>,
    ty: &str,
    dialect: Dialect,
    top_level: bool,
) -> Value {
    let elem = sequence_element(ty);
    match builtin(ty) {
        Some(Builtin::StringList) => Value::StringList(
            items
                .map(|x| match x.to_element(elem, dialect) {
                    Value::String(s) => s,
                    other => other.as_str().map(str::to_owned),
                })
                .collect(),
        ),
        Some(Builtin::ByteArrayList) => Value::ByteArrayList(
            items
                .map(|x| match x.to_element(elem, dialect) {
                    Value::ByteArray(b) => b,
                    _ => None,
                })
                .collect(),
        ),
        Some(Builtin::VariantList) => Value::List(items.map(|x| x.to_variant(elem, dialect)).collect()),
        Some(Builtin::BitArray) => Value::BitArray(BitArray::from_bools(
            items.map(|x| matches!(x.to_element(elem, dialect), Value::Bool(true))),
        )),
        _ => {
            let items: Vec<Value> = items.map(|x| x.to_element(elem, dialect)).collect();
            let type_name = value_type(ty).to_owned();
            if top_level && T::IS_GADGET && dialect == Dialect::Qt6 {
                Value::GadgetSequence(Box::new(GadgetSequence { type_name, value_type_name: elem.to_owned(), items }))
            } else {
                Value::Sequence(Sequence { type_name, items })
            }
        }
    }
}

fn sequence_items<T: FromValue>(value: &Value) -> Result<Vec<T>, ConvertError> {
    fn each<'v, T: FromValue>(items: impl Iterator<Item = &'v Value>) -> Result<Vec<T>, ConvertError> {
        items.enumerate().map(|(i, v)| T::from_value(v).map_err(|e| e.within(format!("element {i}")))).collect()
    }
    match unwrap(value) {
        Value::List(items) => each(items.iter()),
        Value::Sequence(s) => each(s.items.iter()),
        Value::GadgetSequence(s) => each(s.items.iter()),
        Value::StringList(items) => each(items.iter().map(|s| Value::String(s.clone())).collect::<Vec<_>>().iter()),
        Value::ByteArrayList(items) => {
            each(items.iter().map(|b| Value::ByteArray(b.clone())).collect::<Vec<_>>().iter())
        }
        Value::BitArray(b) => each((0..b.len()).map(|i| Value::Bool(b.get(i))).collect::<Vec<_>>().iter()),
        v => Err(ConvertError::mismatch("a list", v)),
    }
}

/// `QList<T>`, `QVector<T>`, `QSet<T>`, `QStringList`, `QByteArrayList`, `QVariantList` and
/// `QBitArray` (as `Vec<bool>`).
impl<T: ToValue> ToValue for Vec<T> {
    fn to_variant(&self, ty: &str, dialect: Dialect) -> Value {
        sequence_value(self.iter(), ty, dialect, true)
    }

    fn to_element(&self, ty: &str, dialect: Dialect) -> Value {
        sequence_value(self.iter(), ty, dialect, false)
    }
}

impl<T: FromValue> FromValue for Vec<T> {
    fn from_value(value: &Value) -> Result<Self, ConvertError> {
        sequence_items(value)
    }
}

fn assoc_value<'a, K: ToValue + 'a, V: ToValue + 'a>(
    entries: impl Iterator<Item = (&'a K, &'a V)>,
    ty: &str,
    dialect: Dialect,
    top_level: bool,
) -> Value {
    let (kt, vt) = assoc_types(ty);
    let key_string = |k: &K| match k.to_element(kt, dialect) {
        Value::String(s) => s.unwrap_or_default(),
        other => other.as_str().unwrap_or_default().to_owned(),
    };
    match builtin(ty) {
        Some(Builtin::VariantMap) => {
            Value::map(entries.map(|(k, v)| (key_string(k), v.to_variant(vt, dialect))).collect::<Vec<_>>())
        }
        Some(Builtin::VariantHash) => {
            Value::Hash(entries.map(|(k, v)| (key_string(k), v.to_variant(vt, dialect))).collect())
        }
        _ => {
            let entries: Vec<(Value, Value)> =
                entries.map(|(k, v)| (k.to_element(kt, dialect), v.to_element(vt, dialect))).collect();
            let type_name = value_type(ty).to_owned();
            if top_level && V::IS_GADGET && dialect == Dialect::Qt6 {
                Value::GadgetAssoc(Box::new(GadgetAssoc {
                    type_name,
                    key_type_name: kt.to_owned(),
                    value_type_name: vt.to_owned(),
                    entries,
                }))
            } else {
                Value::Assoc(Assoc { type_name, entries })
            }
        }
    }
}

fn assoc_entries<K: FromValue, V: FromValue>(value: &Value) -> Result<Vec<(K, V)>, ConvertError> {
    let entry = |k: &Value, v: &Value| -> Result<(K, V), ConvertError> {
        let key = K::from_value(k).map_err(|e| e.within("key"))?;
        let val = V::from_value(v).map_err(|e| e.within("value"))?;
        Ok((key, val))
    };
    match unwrap(value) {
        Value::Map(m) | Value::Hash(m) => m.iter().map(|(k, v)| entry(&Value::string(k.clone()), v)).collect(),
        Value::Assoc(a) => a.entries.iter().map(|(k, v)| entry(k, v)).collect(),
        Value::GadgetAssoc(a) => a.entries.iter().map(|(k, v)| entry(k, v)).collect(),
        v => Err(ConvertError::mismatch("a map", v)),
    }
}

/// `QMap<K,V>` and `QVariantMap`.
impl<K: ToValue + Ord, V: ToValue> ToValue for BTreeMap<K, V> {
    fn to_variant(&self, ty: &str, dialect: Dialect) -> Value {
        assoc_value(self.iter(), ty, dialect, true)
    }

    fn to_element(&self, ty: &str, dialect: Dialect) -> Value {
        assoc_value(self.iter(), ty, dialect, false)
    }
}

impl<K: FromValue + Ord, V: FromValue> FromValue for BTreeMap<K, V> {
    fn from_value(value: &Value) -> Result<Self, ConvertError> {
        assoc_entries(value).map(|e| e.into_iter().collect())
    }
}

/// `QHash<K,V>` and `QVariantHash`.
impl<K: ToValue + Eq + Hash, V: ToValue, S> ToValue for HashMap<K, V, S> {
    fn to_variant(&self, ty: &str, dialect: Dialect) -> Value {
        assoc_value(self.iter(), ty, dialect, true)
    }

    fn to_element(&self, ty: &str, dialect: Dialect) -> Value {
        assoc_value(self.iter(), ty, dialect, false)
    }
}

impl<K: FromValue + Eq + Hash, V: FromValue, S: std::hash::BuildHasher + Default> FromValue for HashMap<K, V, S> {
    fn from_value(value: &Value) -> Result<Self, ConvertError> {
        assoc_entries(value).map(|e| e.into_iter().collect())
    }
}

/// `QPair<A,B>` / `std::pair<A,B>`, and `QVariantPair` as `(Value, Value)`.
impl<A: ToValue, B: ToValue> ToValue for (A, B) {
    fn to_element(&self, ty: &str, dialect: Dialect) -> Value {
        if builtin(ty) == Some(Builtin::VariantPair) {
            return Value::Pair(
                Box::new(self.0.to_variant("QVariant", dialect)),
                Box::new(self.1.to_variant("QVariant", dialect)),
            );
        }
        let (a, b) = match template_args(value_type(ty)) {
            Some((_, args)) if args.len() == 2 => (args[0], args[1]),
            _ => ("", ""),
        };
        Value::Struct(Struct {
            type_name: value_type(ty).to_owned(),
            fields: vec![self.0.to_element(a, dialect), self.1.to_element(b, dialect)],
        })
    }
}

impl<A: FromValue, B: FromValue> FromValue for (A, B) {
    fn from_value(value: &Value) -> Result<Self, ConvertError> {
        let (a, b) = match unwrap(value) {
            Value::Pair(a, b) => (&**a, &**b),
            Value::Struct(s) if s.fields.len() == 2 => (&s.fields[0], &s.fields[1]),
            v => return Err(ConvertError::mismatch("a pair", v)),
        };
        Ok((A::from_value(a).map_err(|e| e.within("first"))?, B::from_value(b).map_err(|e| e.within("second"))?))
    }
}

// ---------------------------------------------------------------------------------------------
// Argument lists

/// Signal and slot argument lists (tuples of up to 16 values).
pub trait ToArgs {
    /// The arguments as QVariants of the declared parameter types.
    fn to_args(&self, types: &[&str], dialect: Dialect) -> Vec<Value>;
}

/// Reads signal and slot argument lists (tuples of up to 16 values).
pub trait FromArgs: Sized {
    /// Converts received arguments (extra trailing arguments are ignored, as Qt does).
    fn from_args(args: &[Value]) -> Result<Self, ConvertError>;
}

/// Converts received arguments to a tuple, naming `member` (the signal or slot) in the error.
pub fn from_args<A: FromArgs>(args: &[Value], member: &str) -> Result<A, ConvertError> {
    A::from_args(args).map_err(|e| e.within(member))
}

macro_rules! tuples {
    ($( ($n:expr; $($name:ident $idx:tt),*) )*) => {$(
        impl<$($name: ToValue),*> ToArgs for ($($name,)*) {
            #[allow(unused_variables)]
            fn to_args(&self, types: &[&str], dialect: Dialect) -> Vec<Value> {
                vec![$(self.$idx.to_variant(types.get($idx).copied().unwrap_or(""), dialect)),*]
            }
        }

        impl<$($name: FromValue),*> FromArgs for ($($name,)*) {
            #[allow(unused_comparisons)]
            fn from_args(args: &[Value]) -> Result<Self, ConvertError> {
                if args.len() < $n {
                    return Err(ConvertError::ArgumentCount { expected: $n, found: args.len() });
                }
                Ok(($($name::from_value(&args[$idx]).map_err(|e| e.within(format!("argument {}", $idx + 1)))?,)*))
            }
        }
    )*};
}

tuples! {
    (0;)
    (1; A 0)
    (2; A 0, B 1)
    (3; A 0, B 1, C 2)
    (4; A 0, B 1, C 2, D 3)
    (5; A 0, B 1, C 2, D 3, E 4)
    (6; A 0, B 1, C 2, D 3, E 4, F 5)
    (7; A 0, B 1, C 2, D 3, E 4, F 5, G 6)
    (8; A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7)
    (9; A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8)
    (10; A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9)
    (11; A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10)
    (12; A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11)
    (13; A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11, M 12)
    (14; A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11, M 12, N 13)
    (15; A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11, M 12, N 13, O 14)
    (16; A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11, M 12, N 13, O 14, P 15)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_follow_the_declared_type() {
        assert_eq!(5i8.to_variant("char", Dialect::Qt6), Value::Char(5));
        assert_eq!(5i8.to_variant("qint8", Dialect::Qt6), Value::SChar(5));
        assert_eq!(7u16.to_variant("QChar", Dialect::Qt6), Value::QChar(7));
        assert_eq!("u".to_owned().to_variant("QUrl", Dialect::Qt6), Value::Url("u".into()));
        assert_eq!(i32::from_value(&Value::Short(-3)), Ok(-3));
        assert!(matches!(i8::from_value(&Value::Int(300)), Err(ConvertError::OutOfRange { .. })));
        assert_eq!(String::from_value(&Value::String(None)), Ok(String::new()));
        assert_eq!(String::new().to_variant("QString", Dialect::Qt6), Value::String(None));
    }

    #[test]
    fn lists_use_builtin_forms() {
        let v = vec!["a".to_owned()];
        assert_eq!(v.to_variant("QStringList", Dialect::Qt6), Value::StringList(vec![Some("a".into())]));
        assert_eq!(Vec::<String>::from_value(&Value::StringList(vec![None])), Ok(vec![String::new()]));
        let ints = vec![1, 2];
        assert_eq!(
            ints.to_variant("QList<int>", Dialect::Qt6),
            Value::Sequence(Sequence { type_name: "QList<int>".into(), items: vec![Value::Int(1), Value::Int(2)] })
        );
        assert_eq!(
            vec![true, false].to_variant("QBitArray", Dialect::Qt6),
            Value::BitArray(BitArray::from_bools([true, false]))
        );
    }

    #[test]
    fn maps_use_builtin_forms() {
        let m: BTreeMap<String, Value> = [("b".to_owned(), Value::Int(1))].into();
        assert_eq!(m.to_variant("QVariantMap", Dialect::Qt6), Value::Map(vec![("b".into(), Value::Int(1))]));
        let back = BTreeMap::<String, Value>::from_value(&Value::Map(vec![("b".into(), Value::Int(1))])).unwrap();
        assert_eq!(back, m);
        let h: BTreeMap<i32, Bytes> = [(1, Bytes::from_static(b"x"))].into();
        assert_eq!(
            h.to_variant("QMap<int,QByteArray>", Dialect::Qt6),
            Value::Assoc(Assoc {
                type_name: "QMap<int,QByteArray>".into(),
                entries: vec![(Value::Int(1), Value::bytes(&b"x"[..]))]
            })
        );
    }

    #[test]
    fn value_type_drops_const_and_reference() {
        assert_eq!(value_type("const QString &"), "QString");
    }

    #[test]
    fn argument_tuples() {
        let args = (1i32, "x".to_owned()).to_args(&["int", "QString"], Dialect::Qt6);
        assert_eq!(args, vec![Value::Int(1), Value::string("x")]);
        let (a, b): (i32, String) = from_args(&args, "f").unwrap();
        assert_eq!((a, b.as_str()), (1, "x"));
        assert_eq!(
            from_args::<(i32, i32)>(&args[..1], "f"),
            Err(ConvertError::ArgumentCount { expected: 2, found: 1 }.within("f"))
        );
    }
}
