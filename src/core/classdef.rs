//! Class definitions: the interface description a host sends to dynamic replicas
//! (InitDynamicPacket) and embeds in QRO_ for child classes and gadgets.
//!
//! # Example
//!
//! A definition encoded as an InitDynamicPacket carries it, and decoded again:
//!
//! ```
//! use bytes::BytesMut;
//! use qtro_rs::core::stream::{Reader, Writer};
//! use qtro_rs::core::{ByteOrder, ClassDefinition, Limits, PropertyDef, SignalDef};
//!
//! let def = ClassDefinition {
//!     type_name: Some("Counter".into()),
//!     properties: vec![PropertyDef {
//!         name: "count".into(),
//!         type_name: "int".into(),
//!         notify_signal: Some("countChanged(int)".into()),
//!     }],
//!     signals: vec![SignalDef {
//!         signature: "countChanged(int)".into(),
//!         parameter_names: vec!["count".into()],
//!     }],
//!     ..ClassDefinition::default()
//! };
//! // Wire indexes are positions in these lists.
//! assert_eq!(def.property_index("count"), Some(0));
//! assert_eq!(def.signal_index("countChanged(int)"), Some(0));
//!
//! let mut buf = BytesMut::new();
//! def.encode(&mut Writer::new(&mut buf, ByteOrder::Little))?;
//! let mut r = Reader::new(buf.freeze(), ByteOrder::Little);
//! assert_eq!(ClassDefinition::decode(&mut r, &Limits::DEFAULT)?, def);
//! r.finish("the definition")?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use serde::{Deserialize, Serialize};

use super::dialect::Dialect;
use super::error::{DecodeError, DecodeResult, EncodeResult};
use super::limits::Limits;
use super::stream::{Reader, Writer};
use super::types::{qt5_rep_enum_size, TypeDesc, TypeRegistry};

/// An enum (or flag alias) of a class or gadget.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnumDef {
    /// The enum's name within its class or gadget, e.g. `Color`.
    pub name: String,
    /// Whether it is a flag type (`Q_FLAG`): values are OR-ed keys.
    pub is_flag: bool,
    /// Whether it is an `enum class`.
    pub is_scoped: bool,
    /// Byte size of the enum type (1, 2 or 4).
    pub size: u32,
    /// (key, value) pairs in declaration order.
    pub keys: Vec<(String, i32)>,
}

/// A Q_GADGET type used by the interface.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GadgetDef {
    /// The gadget's type name, e.g. `Point3`.
    pub name: String,
    /// (property name, type name) in declaration order; empty for an "enum holder" record.
    pub properties: Vec<(String, String)>,
    /// Its enums, registered as `<Gadget>::<Enum>`.
    pub enums: Vec<EnumDef>,
}

/// Qt-namespace enums and gadgets used by an interface. Qt writes both lists in hash order.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct GadgetSection {
    /// `Scope::Name` of Qt enums, registered by receivers as 4-byte enums.
    pub qt_enums: Vec<String>,
    /// The gadgets the interface's values use.
    pub gadgets: Vec<GadgetDef>,
}

/// A signal of a class: what signal index `i` of an InvokePacket means.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignalDef {
    /// Normalized signature, e.g. `valueChanged(int)`.
    pub signature: String,
    /// One name per parameter (empty names where the declaration has none).
    pub parameter_names: Vec<String>,
}

/// A method (slot) of a class: what method index `i` of an InvokePacket means.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MethodDef {
    /// Normalized signature, e.g. `add(int,int)`.
    pub signature: String,
    /// `void`, `int`, … ; empty for some internal adapters.
    pub return_type: String,
    /// One name per parameter (empty names where the declaration has none).
    pub parameter_names: Vec<String>,
}

/// A property of a class: what property index `i` of Init, PropertyChange and write packets
/// means.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PropertyDef {
    /// The property name.
    pub name: String,
    /// Its normalized C++ type name, e.g. `QList<int>`.
    pub type_name: String,
    /// Signature of the notify signal; `None` when the property has none (CONSTANT).
    pub notify_signal: Option<String>,
}

/// The full definition block of a class, in API order (wire indexes are positions here).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ClassDefinition {
    /// `None` for a plain QObject without a "RemoteObject Type" class-info.
    pub type_name: Option<String>,
    /// The class's own enums, registered as `<TypeName>::<Enum>`.
    pub enums: Vec<EnumDef>,
    /// The gadgets and Qt enums its values use.
    pub gadgets: GadgetSection,
    /// Signals in API order (a signal index on the wire is a position here); in classes from
    /// repc or [`ClassBuilder`](super::ClassBuilder), the notify signals come first.
    pub signals: Vec<SignalDef>,
    /// Methods in API order (a method index on the wire is a position here); in classes from
    /// repc or [`ClassBuilder`](super::ClassBuilder), the `push<Prop>` slots come first.
    pub methods: Vec<MethodDef>,
    /// Properties in declaration order.
    pub properties: Vec<PropertyDef>,
}

/// A definition carried inside a QRO_: a child class's block, or (for gadget descriptors) a
/// gadget section alone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum EmbeddedDefinition {
    /// A child object's class.
    Class(ClassDefinition),
    /// The gadgets of a gadget descriptor.
    Gadgets(GadgetSection),
}

/// What decoding a definition may still cost: every name, signature and enum key it holds counts
/// as one value against the packet's value budget ([`Limits::max_values`]), as decoded values
/// do, so a definition of millions of tiny entries costs what a packet of as many values may.
pub(crate) struct DefBudget<'a> {
    pub(crate) limits: &'a Limits,
    /// Entries still allowed; decremented as they are read.
    pub(crate) left: &'a mut usize,
}

impl DefBudget<'_> {
    /// A count of entries, checked against what remains of the budget as well as the limits.
    fn count(&mut self, r: &mut Reader, what: &'static str, min_elem: usize) -> DecodeResult<usize> {
        let n = r.count(what, min_elem, self.limits.max_collection_len)?;
        *self.left = self.left.checked_sub(n).ok_or(DecodeError::TooManyValues { limit: self.limits.max_values })?;
        Ok(n)
    }

    fn text(&mut self, r: &mut Reader, what: &'static str) -> DecodeResult<String> {
        *self.left = self.left.checked_sub(1).ok_or(DecodeError::TooManyValues { limit: self.limits.max_values })?;
        text(r, what)
    }
}

fn text(r: &mut Reader, what: &'static str) -> DecodeResult<String> {
    Ok(r.qbytearray_text(what)?.unwrap_or_default())
}

fn name_list(r: &mut Reader, b: &mut DefBudget<'_>) -> DecodeResult<Vec<String>> {
    let n = b.count(r, "parameter names", 4)?;
    (0..n).map(|_| text(r, "parameter name")).collect()
}

fn write_name_list(w: &mut Writer, names: &[String]) -> EncodeResult<()> {
    w.count("parameter names", names.len())?;
    names.iter().try_for_each(|n| w.qbytearray(Some(n.as_bytes())))
}

impl EnumDef {
    fn decode(r: &mut Reader, b: &mut DefBudget<'_>) -> DecodeResult<Self> {
        let name = b.text(r, "enum name")?;
        let is_flag = r.bool()?;
        let is_scoped = r.bool()?;
        let size = r.u32()?;
        let n = b.count(r, "enum keys", 8)?;
        let keys = (0..n).map(|_| Ok((text(r, "enum key")?, r.i32()?))).collect::<DecodeResult<_>>()?;
        Ok(EnumDef { name, is_flag, is_scoped, size, keys })
    }

    fn encode(&self, w: &mut Writer) -> EncodeResult<()> {
        w.qbytearray(Some(self.name.as_bytes()))?;
        w.bool(self.is_flag);
        w.bool(self.is_scoped);
        w.u32(self.size);
        w.count("enum keys", self.keys.len())?;
        for (k, v) in &self.keys {
            w.qbytearray(Some(k.as_bytes()))?;
            w.i32(*v);
        }
        Ok(())
    }
}

fn decode_enums(r: &mut Reader, b: &mut DefBudget<'_>) -> DecodeResult<Vec<EnumDef>> {
    let n = b.count(r, "enums", 14)?;
    (0..n).map(|_| EnumDef::decode(r, b)).collect()
}

fn encode_enums(w: &mut Writer, enums: &[EnumDef]) -> EncodeResult<()> {
    w.count("enums", enums.len())?;
    enums.iter().try_for_each(|e| e.encode(w))
}

impl GadgetDef {
    /// `with_enums` is false only for Qt 5 gadget descriptors, which omit the enum list.
    fn decode(r: &mut Reader, b: &mut DefBudget<'_>, with_enums: bool) -> DecodeResult<Self> {
        let name = b.text(r, "gadget name")?;
        let n = b.count(r, "gadget properties", 8)?;
        let properties = (0..n)
            .map(|_| Ok((text(r, "gadget property name")?, text(r, "gadget property type")?)))
            .collect::<DecodeResult<_>>()?;
        let enums = if with_enums { decode_enums(r, b)? } else { Vec::new() };
        Ok(GadgetDef { name, properties, enums })
    }

    fn encode(&self, w: &mut Writer, with_enums: bool) -> EncodeResult<()> {
        w.qbytearray(Some(self.name.as_bytes()))?;
        w.count("gadget properties", self.properties.len())?;
        for (n, t) in &self.properties {
            w.qbytearray(Some(n.as_bytes()))?;
            w.qbytearray(Some(t.as_bytes()))?;
        }
        if with_enums {
            encode_enums(w, &self.enums)?;
        }
        Ok(())
    }
}

impl GadgetSection {
    /// Reads a gadget section (Qt enums, then gadgets). `with_gadget_enums` is false for Qt 5
    /// gadget descriptors, whose gadgets have no enum list.
    pub fn decode(r: &mut Reader, limits: &Limits, with_gadget_enums: bool) -> DecodeResult<Self> {
        Self::decode_within(r, &mut DefBudget { limits, left: &mut limits.max_values.clone() }, with_gadget_enums)
    }

    /// [`GadgetSection::decode`] spending from the budget of the packet it is part of.
    pub(crate) fn decode_within(r: &mut Reader, b: &mut DefBudget<'_>, with_gadget_enums: bool) -> DecodeResult<Self> {
        let n = b.count(r, "Qt enums", 4)?;
        let qt_enums = (0..n).map(|_| text(r, "Qt enum name")).collect::<DecodeResult<_>>()?;
        let n = b.count(r, "gadgets", 8)?;
        let gadgets = (0..n).map(|_| GadgetDef::decode(r, b, with_gadget_enums)).collect::<DecodeResult<_>>()?;
        Ok(GadgetSection { qt_enums, gadgets })
    }

    /// Writes the section as [`GadgetSection::decode`] reads it.
    pub fn encode(&self, w: &mut Writer, with_gadget_enums: bool) -> EncodeResult<()> {
        w.count("Qt enums", self.qt_enums.len())?;
        self.qt_enums.iter().try_for_each(|e| w.qbytearray(Some(e.as_bytes())))?;
        w.count("gadgets", self.gadgets.len())?;
        self.gadgets.iter().try_for_each(|g| g.encode(w, with_gadget_enums))
    }

    /// Registers the gadgets as POD types, their enums as `<Gadget>::<Enum>` and the Qt enums as
    /// 4-byte enums, so values using them can be decoded.
    pub fn register_types(&self, types: &mut TypeRegistry) {
        for e in &self.qt_enums {
            types.register_enum(e, 4);
        }
        for g in &self.gadgets {
            if !g.properties.is_empty() {
                types.register_gadget(&g.name, g.properties.clone());
            }
            for e in &g.enums {
                e.register(&format!("{}::{}", g.name, e.name), types);
            }
        }
    }
}

impl EnumDef {
    /// The type of this enum's values. Its width where it is streamed as itself is its size,
    /// except in Qt 5, where the enums of definitions are `.rep` enums and repc's operators use
    /// the smallest integer that fits the keys ([`qt5_rep_enum_size`]).
    pub fn type_desc(&self, dialect: Option<Dialect>) -> TypeDesc {
        let size = match self.size {
            1 | 2 | 4 | 8 => self.size as u8,
            _ => 4,
        };
        let raw_size = match dialect {
            Some(Dialect::Qt5) if !self.is_flag => qt5_rep_enum_size(self.keys.iter().map(|(_, v)| i64::from(*v))),
            _ => size,
        };
        TypeDesc::Enum { size, raw_size }
    }

    pub(crate) fn register(&self, name: &str, types: &mut TypeRegistry) {
        let desc = self.type_desc(Some(types.dialect()));
        types.register(name, desc);
    }
}

impl ClassDefinition {
    /// Reads a definition block as an InitDynamicPacket carries it (or a QRO_'s nested stream).
    /// Every entry counts against [`Limits::max_values`].
    pub fn decode(r: &mut Reader, limits: &Limits) -> DecodeResult<Self> {
        Self::decode_within(r, &mut DefBudget { limits, left: &mut limits.max_values.clone() })
    }

    /// [`ClassDefinition::decode`] spending from the budget of the packet it is part of.
    pub(crate) fn decode_within(r: &mut Reader, b: &mut DefBudget<'_>) -> DecodeResult<Self> {
        let type_name = r.qstring()?;
        let enums = decode_enums(r, b)?;
        let gadgets = GadgetSection::decode_within(r, b, true)?;
        let n = b.count(r, "signals", 8)?;
        let signals = (0..n)
            .map(|_| Ok(SignalDef { signature: text(r, "signal signature")?, parameter_names: name_list(r, b)? }))
            .collect::<DecodeResult<_>>()?;
        let n = b.count(r, "methods", 12)?;
        let methods = (0..n)
            .map(|_| {
                Ok(MethodDef {
                    signature: text(r, "method signature")?,
                    return_type: b.text(r, "method return type")?,
                    parameter_names: name_list(r, b)?,
                })
            })
            .collect::<DecodeResult<_>>()?;
        let n = b.count(r, "properties", 12)?;
        let properties = (0..n)
            .map(|_| {
                Ok(PropertyDef {
                    name: r.cstr("property name")?.unwrap_or_default(),
                    type_name: r.cstr("property type")?.unwrap_or_default(),
                    notify_signal: r.qbytearray_text("notify signal")?,
                })
            })
            .collect::<DecodeResult<_>>()?;
        Ok(ClassDefinition { type_name, enums, gadgets, signals, methods, properties })
    }

    /// Writes the definition block as [`ClassDefinition::decode`] reads it.
    pub fn encode(&self, w: &mut Writer) -> EncodeResult<()> {
        w.qstring(self.type_name.as_deref())?;
        encode_enums(w, &self.enums)?;
        self.gadgets.encode(w, true)?;
        w.count("signals", self.signals.len())?;
        for s in &self.signals {
            w.qbytearray(Some(s.signature.as_bytes()))?;
            write_name_list(w, &s.parameter_names)?;
        }
        w.count("methods", self.methods.len())?;
        for m in &self.methods {
            w.qbytearray(Some(m.signature.as_bytes()))?;
            w.qbytearray(Some(m.return_type.as_bytes()))?;
            write_name_list(w, &m.parameter_names)?;
        }
        w.count("properties", self.properties.len())?;
        for p in &self.properties {
            w.cstr(Some(&p.name))?;
            w.cstr(Some(&p.type_name))?;
            w.qbytearray(p.notify_signal.as_deref().map(str::as_bytes))?;
        }
        Ok(())
    }

    /// Registers everything values of this class may carry: its gadgets and Qt enums, and its own
    /// enums as `<TypeName>::<Enum>`.
    pub fn register_types(&self, types: &mut TypeRegistry) {
        self.gadgets.register_types(types);
        if let Some(t) = &self.type_name {
            for e in &self.enums {
                e.register(&format!("{t}::{}", e.name), types);
            }
        }
    }

    /// Index of the signal with this signature.
    pub fn signal_index(&self, signature: &str) -> Option<usize> {
        self.signals.iter().position(|s| s.signature == signature)
    }

    /// Index of the method whose name (before the parenthesis) is `name`.
    pub fn method_index(&self, name: &str) -> Option<usize> {
        self.methods.iter().position(|m| super::names::member_name(&m.signature) == name)
    }

    /// Index of the property named `name`.
    pub fn property_index(&self, name: &str) -> Option<usize> {
        self.properties.iter().position(|p| p.name == name)
    }
}

impl EmbeddedDefinition {
    /// Gadget descriptors on Qt 5 omit each gadget's enum list.
    pub(crate) fn gadget_enums(dialect: Dialect) -> bool {
        dialect == Dialect::Qt6
    }

    /// Registers the types the definition introduces (see [`ClassDefinition::register_types`]
    /// and [`GadgetSection::register_types`]).
    pub fn register_types(&self, types: &mut TypeRegistry) {
        match self {
            EmbeddedDefinition::Class(c) => c.register_types(types),
            EmbeddedDefinition::Gadgets(g) => g.register_types(types),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::ByteOrder;
    use bytes::{Bytes, BytesMut};

    fn simple() -> ClassDefinition {
        ClassDefinition {
            type_name: Some("Simple".into()),
            signals: vec![
                SignalDef { signature: "valueChanged(int)".into(), parameter_names: vec!["value".into()] },
                SignalDef { signature: "fired(int)".into(), parameter_names: vec!["code".into()] },
            ],
            methods: vec![MethodDef {
                signature: "add(int,int)".into(),
                return_type: "int".into(),
                parameter_names: vec!["a".into(), "b".into()],
            }],
            properties: vec![PropertyDef {
                name: "value".into(),
                type_name: "int".into(),
                notify_signal: Some("valueChanged(int)".into()),
            }],
            ..Default::default()
        }
    }

    #[test]
    fn definition_round_trips_in_both_orders() {
        for order in [ByteOrder::Little, ByteOrder::Big] {
            let mut buf = BytesMut::new();
            simple().encode(&mut Writer::new(&mut buf, order)).unwrap();
            let mut r = Reader::new(buf.freeze(), order);
            assert_eq!(ClassDefinition::decode(&mut r, &Limits::DEFAULT).unwrap(), simple());
            r.finish("definition").unwrap();
        }
    }

    #[test]
    fn definitions_spend_the_value_budget() {
        let mut def = simple();
        def.enums.push(EnumDef {
            name: "E".into(),
            is_flag: false,
            is_scoped: false,
            size: 4,
            keys: (0..100).map(|i| (format!("K{i}"), i)).collect(),
        });
        let mut buf = BytesMut::new();
        def.encode(&mut Writer::new(&mut buf, ByteOrder::Little)).unwrap();
        let bytes = buf.freeze();
        let limits = Limits { max_values: 120, ..Limits::DEFAULT };
        assert!(ClassDefinition::decode(&mut Reader::new(bytes.clone(), ByteOrder::Little), &limits).is_ok());
        let limits = Limits { max_values: 90, ..Limits::DEFAULT };
        let err = ClassDefinition::decode(&mut Reader::new(bytes, ByteOrder::Little), &limits).unwrap_err();
        assert_eq!(err, DecodeError::TooManyValues { limit: 90 });
    }

    #[test]
    fn truncated_definitions_fail_cleanly() {
        let mut buf = BytesMut::new();
        simple().encode(&mut Writer::new(&mut buf, ByteOrder::Little)).unwrap();
        let full: Bytes = buf.freeze();
        for cut in 0..full.len() {
            let mut r = Reader::new(full.slice(..cut), ByteOrder::Little);
            assert!(ClassDefinition::decode(&mut r, &Limits::DEFAULT).is_err(), "cut at {cut}");
        }
    }
}
