//! The QVariant codec: QVariant headers, raw payloads of every built-in type, user types by name,
//! and QtRO's wrapper types (QRO_, QSQ_, QAS_) with their big-endian nested streams.
//!
//! # Example
//!
//! A QString QVariant as Qt 5's QtRO writes it, and the two ways an enum is written:
//!
//! ```
//! use qtro_rs::core::variant::{from_bytes, to_bytes, to_bytes_plain};
//! use qtro_rs::core::{ByteOrder, Dialect, EnumValue, TypeRegistry, Value};
//!
//! // Type id 10, the null flag, then the QString: its byte length and UTF-16.
//! let bytes = to_bytes(&Value::string("Hi"), Dialect::Qt5, ByteOrder::Big)?;
//! assert_eq!(&bytes[..], [0, 0, 0, 10, 0, 0, 0, 0, 4, 0, b'H', 0, b'i']);
//! let types = TypeRegistry::new(Dialect::Qt5);
//! assert_eq!(from_bytes(bytes, Dialect::Qt5, ByteOrder::Big, &types)?, Value::string("Hi"));
//!
//! // QtRO sends an enum property or argument as an integer of the enum's size; a plain
//! // `QDataStream << QVariant` writes it as a user type, by name.
//! let mood = Value::Enum(EnumValue { type_name: "Mood".into(), value: 1, size: 4 });
//! let (qt6, le) = (Dialect::Qt6, ByteOrder::Little);
//! assert_eq!(to_bytes(&mood, qt6, le)?, to_bytes(&Value::Int(1), qt6, le)?);
//! let plain = to_bytes_plain(&mood, qt6, le)?;
//! // The user type id (65536), not null, the name as a C string, then the value.
//! assert_eq!(&plain[..], b"\0\0\x01\0\0\x05\0\0\0Mood\0\x01\0\0\0");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::sync::Arc;

use bytes::{Bytes, BytesMut};

use super::classdef::{ClassDefinition, DefBudget, EmbeddedDefinition, GadgetSection};
use super::dialect::{ByteOrder, Dialect};
use super::error::{DecodeError, DecodeResult, EncodeError, EncodeResult};
use super::limits::Limits;
use super::stream::{Reader, Writer};
use super::types::{Builtin, Overlay, TypeDesc, TypeLookup, TypeRegistry};
use super::value::*;

/// How enum values are written inside a QVariant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnumEncoding {
    /// As a plain integer of the enum's size: what QtRO does for top-level values (properties,
    /// arguments, return values) and, in Qt 6, for gadget fields.
    Transfer,
    /// As a user type by name: what QDataStream does for enums nested in QVariant containers.
    ByName,
}

/// Decoding state for one packet: configuration plus the depth and value budget used so far.
pub struct Decoder<'a> {
    /// The dialect values are read in (QMetaType ids, formats).
    pub dialect: Dialect,
    /// Resolves the user type names values carry.
    pub types: &'a dyn TypeLookup,
    /// Bounds the depth and number of values decoded.
    pub limits: &'a Limits,
    depth: u32,
    values_left: usize,
    /// Inside a Qt 5 nested stream (QRO_ parameters): stream version 19, not the outer 18,
    /// which changes one format (a QFont streams its other families).
    qt5_nested: bool,
}

impl<'a> Decoder<'a> {
    /// A decoder with the whole budget of `limits` (one per packet or value).
    pub fn new(dialect: Dialect, types: &'a dyn TypeLookup, limits: &'a Limits) -> Self {
        Decoder { dialect, types, limits, depth: 0, values_left: limits.max_values, qt5_nested: false }
    }

    fn enter(&mut self) -> DecodeResult<()> {
        self.depth += 1;
        if self.depth > self.limits.max_depth {
            return Err(DecodeError::TooDeep { limit: self.limits.max_depth });
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    fn spend(&mut self) -> DecodeResult<()> {
        if self.values_left == 0 {
            return Err(DecodeError::TooManyValues { limit: self.limits.max_values });
        }
        self.values_left -= 1;
        Ok(())
    }

    /// This decoding state (depth, what remains of the budget) resolving names with `types`.
    pub(crate) fn with_lookup<'b>(&self, types: &'b dyn TypeLookup) -> Decoder<'b>
    where
        'a: 'b,
    {
        Decoder {
            dialect: self.dialect,
            types,
            limits: self.limits,
            depth: self.depth,
            values_left: self.values_left,
            qt5_nested: self.qt5_nested,
        }
    }

    /// A definition in this packet spends from the same value budget as its values.
    pub(crate) fn definition_budget(&mut self) -> DefBudget<'_> {
        DefBudget { limits: self.limits, left: &mut self.values_left }
    }

    fn count(&self, r: &mut Reader, what: &'static str, min_elem: usize) -> DecodeResult<usize> {
        r.count(what, min_elem, self.limits.max_collection_len)
    }

    fn resolve(&self, name: &str) -> DecodeResult<Arc<TypeDesc>> {
        self.types.lookup(name).ok_or_else(|| DecodeError::UnknownUserType(name.to_owned()))
    }

    /// [`Decoder::resolve`] for a value's own type name: a container of element types we do not
    /// know still has a known layout (count, then elements), so an empty one decodes; a
    /// non-empty one fails on its first element.
    fn resolve_value_type(&self, name: &str) -> DecodeResult<Arc<TypeDesc>> {
        self.resolve(name).or_else(|e| super::types::template_desc(name).map(Arc::new).ok_or(e))
    }

    /// Fewest bytes a raw value of `name` occupies, where that type is known (bounds counts
    /// before the elements are read).
    fn min_size_of(&self, name: &str) -> usize {
        if let Some(b) = Builtin::from_name(name) {
            return b.min_raw_size();
        }
        self.types.lookup(name).map_or(1, |d| d.min_raw_size())
    }

    /// Runs `f` with extra types (from a definition in the same packet) layered over ours.
    fn with_types<T>(
        &mut self,
        extra: &TypeRegistry,
        f: impl FnOnce(&mut Decoder<'_>) -> DecodeResult<T>,
    ) -> DecodeResult<T> {
        let overlay = Overlay { base: self.types, extra };
        let mut sub = Decoder {
            dialect: self.dialect,
            types: &overlay,
            limits: self.limits,
            depth: self.depth,
            values_left: self.values_left,
            qt5_nested: self.qt5_nested,
        };
        let out = f(&mut sub);
        self.values_left = sub.values_left;
        out
    }

    /// An int QVariant (the most common value) read in one step, where the general path would
    /// accept it too: below the depth limit.
    #[inline]
    fn int_in_one_step(&self, r: &mut Reader) -> Option<i32> {
        if self.depth < self.limits.max_depth {
            r.i32_variant(Builtin::Int.id())
        } else {
            None
        }
    }

    /// Reads one complete QVariant.
    pub fn variant(&mut self, r: &mut Reader) -> DecodeResult<Value> {
        self.spend()?;
        if let Some(x) = self.int_in_one_step(r) {
            return Ok(Value::Int(x));
        }
        let id = r.u32()?;
        // Qt's "constructed without a value" flag; for a valid type the value follows anyway.
        let is_null = r.i8()? != 0;
        self.variant_body(r, id, is_null)
    }

    /// [`Decoder::variant`] into `slot`: a QString read where `slot` already holds a string
    /// reuses that string's buffer (signal arguments decoded into the previous signal's), any
    /// other value replaces it. On error `slot` holds some value, not necessarily the old one.
    pub(crate) fn variant_into(&mut self, r: &mut Reader, slot: &mut Value) -> DecodeResult<()> {
        self.spend()?;
        if let Some(x) = self.int_in_one_step(r) {
            *slot = Value::Int(x);
            return Ok(());
        }
        let id = r.u32()?;
        let is_null = r.i8()? != 0;
        match slot {
            // QString has id 10 in Qt 5 and Qt 6.
            Value::String(Some(text)) if id == 10 && !is_null => {
                self.enter()?;
                let read = r.qstring_into(text);
                self.leave();
                if !read? {
                    *slot = Value::String(None);
                }
            }
            _ => *slot = self.variant_body(r, id, is_null)?,
        }
        Ok(())
    }

    fn variant_body(&mut self, r: &mut Reader, id: u32, is_null: bool) -> DecodeResult<Value> {
        if id == 0 {
            return Ok(Value::Invalid);
        }
        self.enter()?;
        let out = if id == self.dialect.user_type_id() {
            let name = r
                .cstr("user type name")?
                .ok_or_else(|| DecodeError::Invalid { what: "QVariant", detail: "user type without a name".into() })?;
            let name = super::types::declared_name(self.dialect, name);
            let desc = self.resolve_value_type(&name)?;
            match &*desc {
                // "QVariant" spelled out by name: collapse to the inner one, as for its id.
                TypeDesc::Builtin(Builtin::Variant) => self.variant(r),
                _ => self.raw_user(r, &name, &desc),
            }
        } else {
            match Builtin::from_id(id, self.dialect) {
                // A QVariant holding a QVariant is the inner one, as the encoder writes it.
                Some(Builtin::Variant) => self.variant(r),
                Some(b) => self.raw_builtin(r, b),
                None => Err(DecodeError::UnsupportedTypeId(id)),
            }
        };
        self.leave();
        match out {
            // The flag only means something on a valid, not yet flagged value (a QVariant holding
            // an invalid or null QVariant collapses to the inner one, as the encoder writes it).
            Ok(v) if is_null && !matches!(v, Value::Invalid | Value::Null(_)) => Ok(Value::Null(Box::new(v))),
            other => other,
        }
    }

    /// Reads a raw (headerless) value of the named type, as a container element.
    pub fn raw_named(&mut self, r: &mut Reader, name: &str) -> DecodeResult<Value> {
        // Builtins (the ints of every ModelIndex, ...) need no registry lookup: their names are
        // Qt's own, never a user type's.
        if let Some(b) = Builtin::from_name(name) {
            self.spend()?;
            self.enter()?;
            let out = self.raw_builtin(r, b);
            self.leave();
            return out;
        }
        let desc = self.resolve(name)?;
        self.spend()?;
        self.enter()?;
        let out = match &*desc {
            TypeDesc::Builtin(b) => self.raw_builtin(r, *b),
            _ => self.raw_user(r, name, &desc),
        };
        self.leave();
        out
    }

    fn variants(&mut self, r: &mut Reader, what: &'static str) -> DecodeResult<Vec<Value>> {
        let n = self.count(r, what, 5)?;
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            out.push(self.variant(r)?);
        }
        Ok(out)
    }

    fn string_map(&mut self, r: &mut Reader, what: &'static str) -> DecodeResult<Vec<(String, Value)>> {
        let n = self.count(r, what, 9)?;
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            let k = r.qstring_or_empty()?;
            out.push((k, self.variant(r)?));
        }
        Ok(out)
    }

    fn raw_builtin(&mut self, r: &mut Reader, b: Builtin) -> DecodeResult<Value> {
        use Builtin as B;
        Ok(match b {
            B::Bool => Value::Bool(r.bool()?),
            B::Int => Value::Int(r.i32()?),
            B::UInt => Value::UInt(r.u32()?),
            B::LongLong => Value::LongLong(r.i64()?),
            B::ULongLong => Value::ULongLong(r.u64()?),
            B::Double => Value::Double(r.f64()?),
            B::QChar => Value::QChar(r.u16()?),
            B::VariantMap => Value::Map(self.string_map(r, "QVariantMap")?),
            B::VariantList => Value::List(self.variants(r, "QVariantList")?),
            B::QString => Value::String(r.qstring()?),
            B::StringList => {
                let n = self.count(r, "QStringList", 4)?;
                Value::StringList((0..n).map(|_| r.qstring()).collect::<DecodeResult<_>>()?)
            }
            B::ByteArray => Value::ByteArray(r.qbytearray()?),
            B::BitArray => {
                let len = match self.dialect {
                    Dialect::Qt6 => r.i64()?,
                    Dialect::Qt5 => r.u32()? as i64,
                };
                if len < 0 {
                    return Err(DecodeError::Invalid { what: "QBitArray", detail: format!("negative length {len}") });
                }
                let nbytes = r.check_len("QBitArray", (len as u64).div_ceil(8), 1)?;
                Value::BitArray(BitArray::from_bytes(len as usize, r.take_bytes(nbytes, "QBitArray")?.to_vec()))
            }
            B::Date => Value::Date(QDate { julian_day: r.i64()? }),
            B::Time => Value::Time(QTime { msecs: r.u32()? }),
            B::DateTime => {
                let date = QDate { julian_day: r.i64()? };
                let time = QTime { msecs: r.u32()? };
                let spec = match r.u8()? {
                    0 => TimeSpec::LocalTime,
                    1 => TimeSpec::Utc,
                    2 => TimeSpec::OffsetFromUtc(r.i32()?),
                    3 => match r.qstring_or_empty()? {
                        id if id == UTC_OFFSET_ZONE_MARKER => TimeSpec::UtcOffsetZone(Box::new(UtcOffsetZone {
                            id: r.qstring()?,
                            offset_seconds: r.i32()?,
                            name: r.qstring()?,
                            abbreviation: r.qstring()?,
                            territory: r.i32()?,
                            comment: r.qstring()?,
                        })),
                        id => TimeSpec::TimeZone(id),
                    },
                    other => {
                        return Err(DecodeError::Invalid { what: "QDateTime", detail: format!("time spec {other}") })
                    }
                };
                Value::DateTime(QDateTime { date, time, spec })
            }
            B::Url => Value::Url(match r.qbytearray()? {
                None => String::new(),
                Some(b) => String::from_utf8(b.to_vec()).map_err(|_| DecodeError::InvalidUtf8("QUrl"))?,
            }),
            B::Rect => Value::Rect(Rect { left: r.i32()?, top: r.i32()?, right: r.i32()?, bottom: r.i32()? }),
            B::RectF => Value::RectF(RectF { x: r.f64()?, y: r.f64()?, width: r.f64()?, height: r.f64()? }),
            B::Size => Value::Size(Size { width: r.i32()?, height: r.i32()? }),
            B::SizeF => Value::SizeF(SizeF { width: r.f64()?, height: r.f64()? }),
            B::Line => Value::Line(Line { x1: r.i32()?, y1: r.i32()?, x2: r.i32()?, y2: r.i32()? }),
            B::LineF => Value::LineF(LineF { x1: r.f64()?, y1: r.f64()?, x2: r.f64()?, y2: r.f64()? }),
            B::Point => Value::Point(Point { x: r.i32()?, y: r.i32()? }),
            B::PointF => Value::PointF(PointF { x: r.f64()?, y: r.f64()? }),
            B::VariantHash => Value::Hash(self.string_map(r, "QVariantHash")?),
            B::Uuid => {
                // data1..data3 follow the stream order; data4 is raw. Stored in RFC 4122 order.
                let mut u = [0u8; 16];
                u[0..4].copy_from_slice(&r.u32()?.to_be_bytes());
                u[4..6].copy_from_slice(&r.u16()?.to_be_bytes());
                u[6..8].copy_from_slice(&r.u16()?.to_be_bytes());
                u[8..16].copy_from_slice(&r.take_bytes(8, "QUuid")?);
                Value::Uuid(u)
            }
            B::Long => Value::Long(r.i64()?),
            B::Short => Value::Short(r.i16()?),
            B::Char => Value::Char(r.i8()?),
            B::ULong => Value::ULong(r.u64()?),
            B::UShort => Value::UShort(r.u16()?),
            B::UChar => Value::UChar(r.u8()?),
            B::Float => Value::Float(r.f64()? as f32),
            B::SChar => Value::SChar(r.i8()?),
            B::Variant => Value::Variant(Box::new(self.variant(r)?)),
            B::ByteArrayList => {
                let n = self.count(r, "QByteArrayList", 4)?;
                Value::ByteArrayList((0..n).map(|_| r.qbytearray()).collect::<DecodeResult<_>>()?)
            }
            B::Char16 => Value::Char16(r.u16()?),
            B::Char32 => Value::Char32(r.u32()?),
            B::VariantPair => {
                let a = self.variant(r)?;
                Value::Pair(Box::new(a), Box::new(self.variant(r)?))
            }
            B::JsonValue => Value::JsonValue(match r.u8()? {
                0 => JsonValue::Null,
                1 => JsonValue::Bool(r.bool()?),
                2 => JsonValue::Double(r.f64()?),
                3 => JsonValue::String(r.qstring()?),
                4 => JsonValue::Array(json_text(r, "QJsonValue array")?.unwrap_or_default()),
                5 => JsonValue::Object(json_text(r, "QJsonValue object")?.unwrap_or_default()),
                0x80 => JsonValue::Undefined,
                t => return Err(DecodeError::Invalid { what: "QJsonValue", detail: format!("type {t}") }),
            }),
            B::JsonObject => Value::JsonObject(json_text(r, "QJsonObject")?.unwrap_or_default()),
            B::JsonArray => Value::JsonArray(json_text(r, "QJsonArray")?.unwrap_or_default()),
            B::JsonDocument => Value::JsonDocument(json_text(r, "QJsonDocument")?),
            B::CborValue => Value::CborValue(r.qbytearray()?.unwrap_or_default()),
            B::CborArray => Value::CborArray(r.qbytearray()?.unwrap_or_default()),
            B::CborMap => Value::CborMap(r.qbytearray()?.unwrap_or_default()),
            B::CborSimpleType => Value::CborSimpleType(r.u8()?),
            gui => super::gui::read(
                gui,
                r,
                self.dialect,
                self.dialect == Dialect::Qt6 || self.qt5_nested,
                self.limits.max_collection_len,
            )?,
        })
    }

    fn raw_user(&mut self, r: &mut Reader, name: &str, desc: &TypeDesc) -> DecodeResult<Value> {
        Ok(match desc {
            TypeDesc::Builtin(b) => self.raw_builtin(r, *b)?,
            // Streamed as itself: the width its QDataStream operator writes, kept in the value so
            // that it goes back the same way.
            TypeDesc::Enum { raw_size, .. } => Value::Enum(EnumValue {
                type_name: name.to_owned(),
                value: read_sized_int(r, *raw_size)?,
                size: *raw_size,
            }),
            TypeDesc::Gadget { fields } => {
                let mut out = Vec::with_capacity(fields.len());
                for _ in fields {
                    out.push(self.variant(r)?);
                }
                Value::Gadget(Gadget { type_name: name.to_owned(), fields: out })
            }
            TypeDesc::Struct { fields } => {
                let mut out = Vec::with_capacity(fields.len());
                for f in fields {
                    out.push(self.raw_named(r, f)?);
                }
                Value::Struct(Struct { type_name: name.to_owned(), fields: out })
            }
            TypeDesc::Sequence { elem } => {
                let min = self.min_size_of(elem);
                let n = self.count(r, "sequence", min)?;
                let mut items = Vec::with_capacity(n);
                for _ in 0..n {
                    items.push(self.raw_named(r, elem)?);
                }
                Value::Sequence(Sequence { type_name: name.to_owned(), items })
            }
            TypeDesc::Assoc { key, value } => {
                let min = self.min_size_of(key) + self.min_size_of(value);
                let n = self.count(r, "associative container", min)?;
                let mut entries = Vec::with_capacity(n);
                for _ in 0..n {
                    let k = self.raw_named(r, key)?;
                    entries.push((k, self.raw_named(r, value)?));
                }
                Value::Assoc(Assoc { type_name: name.to_owned(), entries })
            }
            TypeDesc::Remote => Value::Remote(Box::new(self.remote_object(r)?)),
            TypeDesc::GadgetSequence => Value::GadgetSequence(Box::new(self.gadget_sequence(r)?)),
            TypeDesc::GadgetAssoc => Value::GadgetAssoc(Box::new(self.gadget_assoc(r)?)),
        })
    }

    fn nested_reader(r: &mut Reader) -> DecodeResult<Option<Reader>> {
        Ok(r.qbytearray()?.map(|b| Reader::new(b, ByteOrder::Big)))
    }

    fn remote_object(&mut self, r: &mut Reader) -> DecodeResult<RemoteObject> {
        let name = r.qstring()?;
        let type_name = r.qstring()?;
        let kind = match r.u8()? {
            0 => ObjectKind::Class,
            1 => ObjectKind::Model,
            2 => ObjectKind::Gadget,
            k => return Err(DecodeError::Invalid { what: "QRO_", detail: format!("object type {k}") }),
        };
        let definition = match Self::nested_reader(r)? {
            None => None,
            Some(mut n) => {
                let def = if kind == ObjectKind::Gadget {
                    let with_enums = EmbeddedDefinition::gadget_enums(self.dialect);
                    EmbeddedDefinition::Gadgets(GadgetSection::decode_within(
                        &mut n,
                        &mut self.definition_budget(),
                        with_enums,
                    )?)
                } else {
                    EmbeddedDefinition::Class(ClassDefinition::decode_within(&mut n, &mut self.definition_budget())?)
                };
                n.finish("QRO_ class definition")?;
                Some(def)
            }
        };
        let is_null = r.bool()?;
        let mut parameters = Vec::new();
        if !is_null {
            let mut n = Self::nested_reader(r)?.ok_or_else(|| DecodeError::Invalid {
                what: "QRO_",
                detail: "null parameters for a non-null object".into(),
            })?;
            let mut extra = TypeRegistry::new(self.dialect);
            if let Some(def) = &definition {
                def.register_types(&mut extra);
            }
            parameters = self.with_types(&extra, |d| {
                d.qt5_nested = d.dialect == Dialect::Qt5;
                if kind == ObjectKind::Gadget {
                    Ok(vec![d.variant(&mut n)?])
                } else {
                    let count = n.i32()?;
                    let count = n.check_len("QRO_ parameters", count.max(0) as u64, 5)?;
                    let mut out = Vec::with_capacity(count);
                    for _ in 0..count {
                        out.push(d.variant(&mut n)?);
                    }
                    Ok(out)
                }
            })?;
            n.finish("QRO_ parameters")?;
        }
        Ok(RemoteObject { name, type_name, kind, definition, is_null, parameters })
    }

    fn gadget_sequence(&mut self, r: &mut Reader) -> DecodeResult<GadgetSequence> {
        let type_name = r.qbytearray_text("QSQ_ type name")?.unwrap_or_default();
        let value_type_name = r.qbytearray_text("QSQ_ value type name")?.unwrap_or_default();
        let mut n = Self::nested_reader(r)?
            .ok_or_else(|| DecodeError::Invalid { what: "QSQ_", detail: "null values".into() })?;
        let _repeated = n.qbytearray()?; // the value type name again
        let min = self.min_size_of(&value_type_name);
        let count = self.count(&mut n, "QSQ_ values", min)?;
        let mut items = Vec::with_capacity(count);
        for _ in 0..count {
            items.push(self.raw_named(&mut n, &value_type_name)?);
        }
        n.finish("QSQ_ values")?;
        Ok(GadgetSequence { type_name, value_type_name, items })
    }

    fn gadget_assoc(&mut self, r: &mut Reader) -> DecodeResult<GadgetAssoc> {
        let type_name = r.qbytearray_text("QAS_ type name")?.unwrap_or_default();
        let key_type_name = r.qbytearray_text("QAS_ key type name")?.unwrap_or_default();
        let value_type_name = r.qbytearray_text("QAS_ value type name")?.unwrap_or_default();
        let mut n = Self::nested_reader(r)?
            .ok_or_else(|| DecodeError::Invalid { what: "QAS_", detail: "null values".into() })?;
        let _key_again = n.qbytearray()?;
        let _value_again = n.qbytearray()?;
        let min = self.min_size_of(&key_type_name) + self.min_size_of(&value_type_name);
        let count = self.count(&mut n, "QAS_ values", min)?;
        let mut entries = Vec::with_capacity(count);
        for _ in 0..count {
            let k = self.raw_named(&mut n, &key_type_name)?;
            entries.push((k, self.raw_named(&mut n, &value_type_name)?));
        }
        n.finish("QAS_ values")?;
        Ok(GadgetAssoc { type_name, key_type_name, value_type_name, entries })
    }
}

/// JSON text in a QByteArray (UTF-8); `None` for a null QByteArray.
fn json_text(r: &mut Reader, what: &'static str) -> DecodeResult<Option<String>> {
    match r.qbytearray()? {
        None => Ok(None),
        Some(b) => String::from_utf8(b.to_vec()).map(Some).map_err(|_| DecodeError::InvalidUtf8(what)),
    }
}

fn read_sized_int(r: &mut Reader, size: u8) -> DecodeResult<i64> {
    Ok(match size {
        1 => r.i8()? as i64,
        2 => r.i16()? as i64,
        8 => r.i64()?,
        _ => r.i32()? as i64,
    })
}

/// Writes values. Stateless apart from the dialect and a depth bound.
#[derive(Debug, Clone, Copy)]
pub struct Encoder {
    /// The dialect values are written in.
    pub dialect: Dialect,
    /// Deepest nesting written; deeper values fail with [`EncodeError::TooDeep`].
    pub max_depth: u32,
    /// Writing a Qt 5 nested stream (QRO_ parameters, version 19): see [`Decoder`].
    qt5_nested: bool,
}

impl Encoder {
    /// An encoder for `dialect`, bounded by the default depth limit ([`Limits::DEFAULT`]).
    pub fn new(dialect: Dialect) -> Self {
        Encoder { dialect, max_depth: Limits::DEFAULT.max_depth, qt5_nested: false }
    }

    /// Writes a complete QVariant. On error nothing is left in `w`.
    pub fn variant(&self, w: &mut Writer, v: &Value, enums: EnumEncoding) -> EncodeResult<()> {
        // The most common value of all (property changes, signal arguments) in one append,
        // within the same depth bound as the general path.
        match v {
            Value::Int(x) if self.max_depth > 0 => {
                w.variant_u32(Builtin::Int.id(), *x as u32);
                return Ok(());
            }
            _ => {}
        }
        let start = w.len();
        let out = self.variant_at(w, v, enums, 0);
        if out.is_err() {
            w.truncate(start);
        }
        out
    }

    /// Writes a raw (headerless) value, as a container element. On error nothing is left in `w`.
    pub fn raw(&self, w: &mut Writer, v: &Value) -> EncodeResult<()> {
        let start = w.len();
        let out = self.raw_at(w, v, 0);
        if out.is_err() {
            w.truncate(start);
        }
        out
    }

    fn check_depth(&self, depth: u32) -> EncodeResult<u32> {
        if depth >= self.max_depth {
            return Err(EncodeError::TooDeep { limit: self.max_depth });
        }
        Ok(depth + 1)
    }

    fn variant_at(&self, w: &mut Writer, v: &Value, enums: EnumEncoding, depth: u32) -> EncodeResult<()> {
        let depth = self.check_depth(depth)?;
        match v {
            Value::Invalid => {
                w.u32(0);
                w.i8(1);
                Ok(())
            }
            // A QVariant holding a QVariant is the inner QVariant, as in Qt.
            Value::Variant(inner) => self.variant_at(w, inner, enums, depth),
            Value::Null(inner) => {
                let start = w.len();
                self.variant_at(w, inner, enums, depth)?;
                // The flag byte follows the 4-byte type id; an invalid inner value keeps its own.
                if !matches!(inner.without_null_flag(), Value::Invalid) {
                    w.patch_u8(start + 4, 1);
                }
                Ok(())
            }
            Value::Enum(e) if enums == EnumEncoding::Transfer => {
                self.variant_at(w, &enum_transfer_value(self.dialect, e), enums, depth)
            }
            _ => {
                match builtin_of(v) {
                    Some(b) => {
                        if self.dialect == Dialect::Qt5 && b.missing_in_qt5() {
                            return Err(EncodeError::UnsupportedInDialect(v.type_name_static()));
                        }
                        w.u32(b.id_in(self.dialect));
                        w.i8(0);
                    }
                    None => {
                        w.u32(self.dialect.user_type_id());
                        w.i8(0);
                        w.cstr(Some(super::types::wire_name(self.dialect, v.type_name())))?;
                    }
                }
                self.raw_at(w, v, depth)
            }
        }
    }

    fn raw_at(&self, w: &mut Writer, v: &Value, depth: u32) -> EncodeResult<()> {
        let depth = self.check_depth(depth)?;
        match v {
            Value::Invalid => return Err(EncodeError::InvalidValue("an invalid QVariant has no raw encoding".into())),
            Value::Null(inner) => self.raw_at(w, inner, depth)?,
            Value::Bool(b) => w.bool(*b),
            Value::JsonValue(j) => match j {
                JsonValue::Null => w.u8(0),
                JsonValue::Bool(b) => {
                    w.u8(1);
                    w.bool(*b);
                }
                JsonValue::Double(f) => {
                    w.u8(2);
                    w.f64(*f);
                }
                JsonValue::String(s) => {
                    w.u8(3);
                    w.qstring(s.as_deref())?;
                }
                JsonValue::Array(t) => {
                    w.u8(4);
                    w.qbytearray(Some(t.as_bytes()))?;
                }
                JsonValue::Object(t) => {
                    w.u8(5);
                    w.qbytearray(Some(t.as_bytes()))?;
                }
                JsonValue::Undefined => w.u8(0x80),
            },
            Value::JsonObject(t) | Value::JsonArray(t) => w.qbytearray(Some(t.as_bytes()))?,
            Value::JsonDocument(t) => w.qbytearray(t.as_deref().map(str::as_bytes))?,
            Value::CborValue(b) | Value::CborArray(b) | Value::CborMap(b) => w.qbytearray(Some(b))?,
            Value::CborSimpleType(t) => w.u8(*t),
            Value::Color(_)
            | Value::Brush(_)
            | Value::Pen(_)
            | Value::Font(_)
            | Value::Image(_)
            | Value::Pixmap(_)
            | Value::Polygon(_)
            | Value::PolygonF(_)
            | Value::Region(_)
            | Value::Transform(_)
            | Value::Matrix4x4(_)
            | Value::Vector2D(_)
            | Value::Vector3D(_)
            | Value::Vector4D(_)
            | Value::Quaternion(_)
            | Value::KeySequence(_) => {
                super::gui::write(v, w, self.dialect, self.dialect == Dialect::Qt6 || self.qt5_nested)?
            }
            Value::Int(x) => w.i32(*x),
            Value::UInt(x) => w.u32(*x),
            Value::LongLong(x) | Value::Long(x) => w.i64(*x),
            Value::ULongLong(x) | Value::ULong(x) => w.u64(*x),
            Value::Double(x) => w.f64(*x),
            Value::Float(x) => w.f64(*x as f64),
            Value::Short(x) => w.i16(*x),
            Value::UShort(x) | Value::QChar(x) | Value::Char16(x) => w.u16(*x),
            Value::Char(x) | Value::SChar(x) => w.i8(*x),
            Value::UChar(x) => w.u8(*x),
            Value::Char32(x) => w.u32(*x),
            Value::String(s) => w.qstring(s.as_deref())?,
            Value::ByteArray(b) => w.qbytearray_shared(b.as_ref())?,
            Value::StringList(l) => {
                w.count("QStringList", l.len())?;
                for s in l {
                    w.qstring(s.as_deref())?;
                }
            }
            Value::ByteArrayList(l) => {
                w.count("QByteArrayList", l.len())?;
                for b in l {
                    w.qbytearray(b.as_deref())?;
                }
            }
            Value::List(l) => {
                w.count("QVariantList", l.len())?;
                for x in l {
                    self.variant_at(w, x, EnumEncoding::ByName, depth)?;
                }
            }
            Value::Map(m) | Value::Hash(m) => {
                w.count("QVariantMap", m.len())?;
                for (k, x) in m {
                    w.qstring(Some(k))?;
                    self.variant_at(w, x, EnumEncoding::ByName, depth)?;
                }
            }
            Value::Pair(a, b) => {
                self.variant_at(w, a, EnumEncoding::ByName, depth)?;
                self.variant_at(w, b, EnumEncoding::ByName, depth)?;
            }
            Value::BitArray(b) => {
                match self.dialect {
                    Dialect::Qt6 => w.i64(b.len() as i64),
                    Dialect::Qt5 => {
                        let len = u32::try_from(b.len())
                            .map_err(|_| EncodeError::TooLong { what: "QBitArray", len: b.len() })?;
                        w.u32(len)
                    }
                }
                w.raw(b.as_bytes());
            }
            Value::Date(d) => w.i64(d.julian_day),
            Value::Time(t) => w.u32(t.msecs),
            Value::DateTime(dt) => {
                w.i64(dt.date.julian_day);
                w.u32(dt.time.msecs);
                match &dt.spec {
                    TimeSpec::LocalTime => w.u8(0),
                    TimeSpec::Utc => w.u8(1),
                    TimeSpec::OffsetFromUtc(o) => {
                        w.u8(2);
                        w.i32(*o);
                    }
                    TimeSpec::TimeZone(z) => {
                        w.u8(3);
                        w.qstring(Some(z))?;
                    }
                    TimeSpec::UtcOffsetZone(z) => {
                        w.u8(3);
                        w.qstring(Some(UTC_OFFSET_ZONE_MARKER))?;
                        w.qstring(z.id.as_deref())?;
                        w.i32(z.offset_seconds);
                        w.qstring(z.name.as_deref())?;
                        w.qstring(z.abbreviation.as_deref())?;
                        w.i32(z.territory);
                        w.qstring(z.comment.as_deref())?;
                    }
                }
            }
            Value::Url(u) => w.qbytearray(if u.is_empty() { None } else { Some(u.as_bytes()) })?,
            Value::Uuid(u) => {
                w.u32(u32::from_be_bytes(u[0..4].try_into().unwrap_or_default()));
                w.u16(u16::from_be_bytes([u[4], u[5]]));
                w.u16(u16::from_be_bytes([u[6], u[7]]));
                w.raw(&u[8..16]);
            }
            Value::Point(p) => {
                w.i32(p.x);
                w.i32(p.y);
            }
            Value::PointF(p) => {
                w.f64(p.x);
                w.f64(p.y);
            }
            Value::Size(s) => {
                w.i32(s.width);
                w.i32(s.height);
            }
            Value::SizeF(s) => {
                w.f64(s.width);
                w.f64(s.height);
            }
            Value::Rect(r) => [r.left, r.top, r.right, r.bottom].into_iter().for_each(|x| w.i32(x)),
            Value::RectF(r) => [r.x, r.y, r.width, r.height].into_iter().for_each(|x| w.f64(x)),
            Value::Line(l) => [l.x1, l.y1, l.x2, l.y2].into_iter().for_each(|x| w.i32(x)),
            Value::LineF(l) => [l.x1, l.y1, l.x2, l.y2].into_iter().for_each(|x| w.f64(x)),
            Value::Enum(e) => match e.size {
                1 => w.i8(e.value as i8),
                2 => w.i16(e.value as i16),
                8 => w.i64(e.value),
                _ => w.i32(e.value as i32),
            },
            Value::Gadget(g) => {
                // Each field as a QVariant: Qt 6 QtRO turns enum fields into integers first,
                // Qt 5 streams them as themselves.
                let enums = match self.dialect {
                    Dialect::Qt6 => EnumEncoding::Transfer,
                    Dialect::Qt5 => EnumEncoding::ByName,
                };
                for f in &g.fields {
                    self.variant_at(w, f, enums, depth)?;
                }
            }
            Value::Struct(s) => {
                for f in &s.fields {
                    self.raw_at(w, f, depth)?;
                }
            }
            Value::Sequence(s) => {
                w.count("sequence", s.items.len())?;
                for x in &s.items {
                    self.raw_at(w, x, depth)?;
                }
            }
            Value::Assoc(a) => {
                w.count("associative container", a.entries.len())?;
                for (k, x) in &a.entries {
                    self.raw_at(w, k, depth)?;
                    self.raw_at(w, x, depth)?;
                }
            }
            Value::Variant(inner) => self.variant_at(w, inner, EnumEncoding::ByName, depth)?,
            Value::Remote(ro) => self.remote_object(w, ro, depth)?,
            Value::GadgetSequence(s) => {
                if self.dialect == Dialect::Qt5 {
                    return Err(EncodeError::UnsupportedInDialect(
                        "QSQ_ (Qt 5 sends gadget lists as plain user types)",
                    ));
                }
                w.qbytearray(Some(s.type_name.as_bytes()))?;
                w.qbytearray(Some(s.value_type_name.as_bytes()))?;
                w.nested(ByteOrder::Big, |n| {
                    n.qbytearray(Some(s.value_type_name.as_bytes()))?;
                    n.count("QSQ_ values", s.items.len())?;
                    s.items.iter().try_for_each(|x| self.raw_at(n, x, depth))
                })?;
            }
            Value::GadgetAssoc(a) => {
                if self.dialect == Dialect::Qt5 {
                    return Err(EncodeError::UnsupportedInDialect("QAS_ (Qt 5 sends gadget maps as plain user types)"));
                }
                w.qbytearray(Some(a.type_name.as_bytes()))?;
                w.qbytearray(Some(a.key_type_name.as_bytes()))?;
                w.qbytearray(Some(a.value_type_name.as_bytes()))?;
                w.nested(ByteOrder::Big, |n| {
                    n.qbytearray(Some(a.key_type_name.as_bytes()))?;
                    n.qbytearray(Some(a.value_type_name.as_bytes()))?;
                    n.count("QAS_ values", a.entries.len())?;
                    a.entries.iter().try_for_each(|(k, x)| {
                        self.raw_at(n, k, depth)?;
                        self.raw_at(n, x, depth)
                    })
                })?;
            }
        }
        Ok(())
    }

    fn remote_object(&self, w: &mut Writer, ro: &RemoteObject, depth: u32) -> EncodeResult<()> {
        w.qstring(ro.name.as_deref())?;
        w.qstring(ro.type_name.as_deref())?;
        w.u8(ro.kind as u8);
        match &ro.definition {
            None => w.qbytearray(None)?,
            Some(EmbeddedDefinition::Class(def)) => w.nested(ByteOrder::Big, |n| def.encode(n))?,
            Some(EmbeddedDefinition::Gadgets(g)) => {
                let with_enums = EmbeddedDefinition::gadget_enums(self.dialect);
                w.nested(ByteOrder::Big, |n| g.encode(n, with_enums))?
            }
        }
        w.bool(ro.is_null);
        if !ro.is_null {
            let nested = Encoder { qt5_nested: self.dialect == Dialect::Qt5, ..*self };
            let this = &nested;
            w.nested(ByteOrder::Big, |n| {
                if ro.kind == ObjectKind::Gadget {
                    let [value] = ro.parameters.as_slice() else {
                        return Err(EncodeError::InvalidValue("a gadget QRO_ carries exactly one value".into()));
                    };
                    this.variant_at(n, value, EnumEncoding::Transfer, depth)
                } else {
                    let count = i32::try_from(ro.parameters.len())
                        .map_err(|_| EncodeError::TooLong { what: "QRO_ parameters", len: ro.parameters.len() })?;
                    n.i32(count);
                    ro.parameters.iter().try_for_each(|p| this.variant_at(n, p, EnumEncoding::Transfer, depth))
                }
            })?;
        }
        Ok(())
    }
}

/// The integer QtRO sends instead of an enum value: the enum's size decides the type, the
/// signedness is dropped.
pub fn enum_transfer_value(dialect: Dialect, e: &EnumValue) -> Value {
    match e.size {
        1 => match dialect {
            Dialect::Qt6 => Value::SChar(e.value as i8),
            Dialect::Qt5 => Value::Char(e.value as i8),
        },
        2 => Value::Short(e.value as i16),
        // Qt sends any other size as int (with a warning), truncating.
        _ => Value::Int(e.value as i32),
    }
}

/// The built-in type `v` has, if it is a plain built-in value (see [`Value::builtin`]).
pub(crate) fn builtin_of(v: &Value) -> Option<Builtin> {
    use Builtin as B;
    Some(match v {
        Value::Bool(_) => B::Bool,
        Value::Int(_) => B::Int,
        Value::UInt(_) => B::UInt,
        Value::LongLong(_) => B::LongLong,
        Value::ULongLong(_) => B::ULongLong,
        Value::Double(_) => B::Double,
        Value::Float(_) => B::Float,
        Value::Long(_) => B::Long,
        Value::ULong(_) => B::ULong,
        Value::Short(_) => B::Short,
        Value::UShort(_) => B::UShort,
        Value::Char(_) => B::Char,
        Value::SChar(_) => B::SChar,
        Value::UChar(_) => B::UChar,
        Value::QChar(_) => B::QChar,
        Value::Char16(_) => B::Char16,
        Value::Char32(_) => B::Char32,
        Value::String(_) => B::QString,
        Value::ByteArray(_) => B::ByteArray,
        Value::StringList(_) => B::StringList,
        Value::ByteArrayList(_) => B::ByteArrayList,
        Value::List(_) => B::VariantList,
        Value::Map(_) => B::VariantMap,
        Value::Hash(_) => B::VariantHash,
        Value::Pair(..) => B::VariantPair,
        Value::BitArray(_) => B::BitArray,
        Value::Date(_) => B::Date,
        Value::Time(_) => B::Time,
        Value::DateTime(_) => B::DateTime,
        Value::Url(_) => B::Url,
        Value::Uuid(_) => B::Uuid,
        Value::Point(_) => B::Point,
        Value::PointF(_) => B::PointF,
        Value::Size(_) => B::Size,
        Value::SizeF(_) => B::SizeF,
        Value::Rect(_) => B::Rect,
        Value::RectF(_) => B::RectF,
        Value::Line(_) => B::Line,
        Value::LineF(_) => B::LineF,
        Value::Color(_) => B::Color,
        Value::Brush(_) => B::Brush,
        Value::Pen(_) => B::Pen,
        Value::Font(_) => B::Font,
        Value::Image(_) => B::Image,
        Value::Pixmap(_) => B::Pixmap,
        Value::Polygon(_) => B::Polygon,
        Value::PolygonF(_) => B::PolygonF,
        Value::Region(_) => B::Region,
        Value::Transform(_) => B::Transform,
        Value::Matrix4x4(_) => B::Matrix4x4,
        Value::Vector2D(_) => B::Vector2D,
        Value::Vector3D(_) => B::Vector3D,
        Value::Vector4D(_) => B::Vector4D,
        Value::Quaternion(_) => B::Quaternion,
        Value::KeySequence(_) => B::KeySequence,
        Value::JsonValue(_) => B::JsonValue,
        Value::JsonObject(_) => B::JsonObject,
        Value::JsonArray(_) => B::JsonArray,
        Value::JsonDocument(_) => B::JsonDocument,
        Value::CborValue(_) => B::CborValue,
        Value::CborArray(_) => B::CborArray,
        Value::CborMap(_) => B::CborMap,
        Value::CborSimpleType(_) => B::CborSimpleType,
        _ => return None,
    })
}

impl Value {
    fn type_name_static(&self) -> &'static str {
        match self {
            Value::Char16(_) => "char16_t",
            Value::Char32(_) => "char32_t",
            Value::Pair(..) => "QVariantPair",
            _ => "this type",
        }
    }
}

/// Encodes one QVariant into a fresh buffer (top-level QtRO rules: enums as integers).
pub fn to_bytes(v: &Value, dialect: Dialect, order: ByteOrder) -> EncodeResult<Bytes> {
    let mut buf = BytesMut::new();
    Encoder::new(dialect).variant(&mut Writer::new(&mut buf, order), v, EnumEncoding::Transfer)?;
    Ok(buf.freeze())
}

/// Encodes one QVariant the way a plain `QDataStream << QVariant` does (enums by name).
pub fn to_bytes_plain(v: &Value, dialect: Dialect, order: ByteOrder) -> EncodeResult<Bytes> {
    let mut buf = BytesMut::new();
    Encoder::new(dialect).variant(&mut Writer::new(&mut buf, order), v, EnumEncoding::ByName)?;
    Ok(buf.freeze())
}

/// Decodes exactly one QVariant from `bytes`; trailing bytes are an error.
pub fn from_bytes(
    bytes: impl Into<Bytes>,
    dialect: Dialect,
    order: ByteOrder,
    types: &dyn TypeLookup,
) -> DecodeResult<Value> {
    from_bytes_with_limits(bytes, dialect, order, types, &Limits::DEFAULT)
}

/// [`from_bytes`] within `limits` rather than the defaults: for bytes from an untrusted peer.
pub fn from_bytes_with_limits(
    bytes: impl Into<Bytes>,
    dialect: Dialect,
    order: ByteOrder,
    types: &dyn TypeLookup,
    limits: &Limits,
) -> DecodeResult<Value> {
    let mut r = Reader::new(bytes.into(), order);
    let v = Decoder::new(dialect, types, limits).variant(&mut r)?;
    r.finish("QVariant")?;
    Ok(v)
}
