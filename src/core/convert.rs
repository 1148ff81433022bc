//! Giving a value its declared C++ type before it crosses to a peer, or refusing it.
//!
//! A Qt host hands the storage of each argument to the slot as if it had the declared type, and a
//! Qt replica reads properties the same way: an `int` sent for a `double` parameter is read as
//! garbage, a `QString` stored in an `int` property crashes a static replica. So every value that
//! crosses a boundary (a call, a property write, a signal, a reply, a value received from a peer)
//! is passed through [`convert`]: it either comes out with exactly the declared type, converted
//! the way Qt's `QVariant::convert` converts where that loses nothing, or is refused with a
//! [`TypeMismatch`] that names both types.
//!
//! Declared types are looked up by their Qt metatype name; the C/C++ typedefs Qt has no name for
//! (`size_t`, `int64_t`, `qsizetype`, …) are first mapped to the type Qt really streams for them
//! on LP64 Linux ([`canonical_type_name`]), inside templates too (`QList<size_t>` is
//! `QList<ulong>`). Types that cannot be streamed at all (`QModelIndex`, pointers) are refused.
//!
//! [`coerce()`](super::coerce()) is the lenient counterpart of code that builds values; its
//! module says where the two differ.
//!
//! # Example
//!
//! Conversions Qt makes without loss, and a refusal with its message:
//!
//! ```
//! use qtro_rs::core::typename::canonical_type_name;
//! use qtro_rs::core::{convert, Dialect, TypeRegistry, Value};
//!
//! let types = TypeRegistry::new(Dialect::Qt6);
//! assert_eq!(convert(Value::Int(2), "double", &types)?, Value::Double(2.0));
//! assert_eq!(convert(Value::string("42"), "int", &types)?, Value::Int(42));
//! // `size_t` is streamed as `ulong` on LP64 Linux.
//! assert_eq!(canonical_type_name("QList<size_t>"), "QList<ulong>");
//! assert_eq!(convert(Value::Int(3), "size_t", &types)?, Value::ULong(3));
//! // An invalid QVariant becomes the declared type's default value.
//! assert_eq!(convert(Value::Invalid, "int", &types)?, Value::Int(0));
//!
//! let refused = convert(Value::string("hello"), "int", &types).unwrap_err();
//! assert_eq!(refused.to_string(), "QString cannot be converted to int (not an integer)");
//! assert!(convert(Value::Double(2.5), "int", &types).is_err(), "it would lose the fraction");
//! # Ok::<(), qtro_rs::core::TypeMismatch>(())
//! ```

use std::borrow::Cow;

use bytes::Bytes;

use super::classdef::EnumDef;
use super::typename::canonical_type_name;
use super::types::{Builtin, TypeDesc, TypeLookup};
use super::value::*;

/// Why a value cannot be given its declared type.
///
/// `#[non_exhaustive]`: fields may be added.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
#[error("{given} cannot be converted to {expected}{}", detail.as_deref().map(|d| format!(" ({d})")).unwrap_or_default())]
pub struct TypeMismatch {
    /// The declared type, as declared.
    pub expected: String,
    /// The type of the value given (`invalid` for an invalid QVariant).
    pub given: String,
    /// What went wrong beyond the types, e.g. `out of range`, or for which element.
    pub detail: Option<String>,
}

impl TypeMismatch {
    fn new(expected: &str, given: &Value, detail: Option<String>) -> Self {
        TypeMismatch { expected: expected.to_owned(), given: given_name(given).to_owned(), detail }
    }
}

fn given_name(v: &Value) -> &str {
    match v.type_name() {
        "" => "invalid",
        n => n,
    }
}

/// Declared types no Qt peer can receive: Qt writes them without a value (the receiver then
/// desynchronises) or not at all.
fn unsendable(name: &str) -> Option<&'static str> {
    match name {
        "QModelIndex" | "QPersistentModelIndex" => Some("Qt has no stream operator for it"),
        "void" => Some("void is not a value type"),
        n if n.ends_with('*') => Some("pointers cannot be streamed"),
        _ => None,
    }
}

/// The type lookup of one class's members: the node's registered types, plus the class's own
/// enums by their plain and scoped names (`Color`, `Interop::Color`), which definitions name
/// without registering them anywhere.
pub struct ClassTypes<'a> {
    /// The node's types.
    pub types: &'a dyn TypeLookup,
    /// The class's own enums ([`ClassDefinition::enums`](super::ClassDefinition::enums)).
    pub enums: &'a [EnumDef],
    /// Values go to replicas (a source's changes, signals, replies): in Qt 6, top-level containers
    /// of gadgets take QtRO's QSQ_/QAS_ form, as stock sources send them. Towards a source they
    /// stay plain: the source knows its own container types, and a stock Qt 6.4 source hands a
    /// wrapped container written to a property to the setter unconverted (garbage).
    pub to_replicas: bool,
}

impl TypeLookup for ClassTypes<'_> {
    fn dialect(&self) -> Option<super::Dialect> {
        self.types.dialect()
    }

    fn wraps_gadget_containers(&self) -> bool {
        self.to_replicas && self.types.wraps_gadget_containers()
    }

    fn lookup(&self, name: &str) -> Option<std::sync::Arc<TypeDesc>> {
        self.types.lookup(name).or_else(|| {
            let plain = name.rsplit("::").next().unwrap_or(name);
            self.enums.iter().find(|e| e.name == plain).map(|e| std::sync::Arc::new(e.type_desc(self.types.dialect())))
        })
    }
}

/// Whether `value` already has the common type `type_name` names, by its usual spelling: checked
/// first for every argument of every call and signal, so without a lookup.
pub fn has_type(value: &Value, type_name: &str) -> bool {
    matches!(
        (value, type_name),
        (Value::Int(_), "int")
            | (Value::String(_), "QString")
            | (Value::Double(_), "double")
            | (Value::Bool(_), "bool")
            | (Value::ByteArray(_), "QByteArray")
    ) || type_name == "QVariant"
}

/// `value` with the type `declared` names, converted where Qt converts without loss, or the
/// reason it cannot have it. An invalid QVariant becomes the type's default value, as
/// `QMetaProperty::write` and `QVariant::value<T>()` make it.
pub fn convert(value: Value, declared: &str, types: &dyn TypeLookup) -> Result<Value, TypeMismatch> {
    let mut value =
        if has_type(&value, declared) { value } else { Converter { types, depth: 0 }.convert(value, declared)? };
    if holds_qt5_enums(&value, types) {
        qt5_enum_widths(&mut value, types, 0);
    }
    Ok(value)
}

/// Whether `value` may hold enums that a Qt 5 peer reads in their own width (anything that
/// holds other values, in Qt 5).
fn holds_qt5_enums(value: &Value, types: &dyn TypeLookup) -> bool {
    types.dialect() == Some(super::Dialect::Qt5)
        && matches!(
            value,
            Value::List(_)
                | Value::Map(_)
                | Value::Hash(_)
                | Value::Variant(_)
                | Value::Null(_)
                | Value::Pair(..)
                | Value::Gadget(_)
                | Value::Struct(_)
                | Value::Sequence(_)
                | Value::Assoc(_)
                | Value::GadgetSequence(_)
                | Value::GadgetAssoc(_)
        )
}

/// Gives the enums nested in `value` the width Qt 5 streams them in (and an enum at the top,
/// which QtRO sends as an integer, its size): a value built with the enum's size (4 for every
/// Qt 5 `.rep` enum) inside a `QVariantList` would otherwise be read wrongly by a stock Qt 5
/// peer.
fn qt5_enum_widths(value: &mut Value, types: &dyn TypeLookup, depth: u32) {
    if depth > MAX_DEPTH {
        return;
    }
    let nested = |v: &mut Value| qt5_enum_widths(v, types, depth + 1);
    match value {
        Value::Enum(e) => {
            if let Some(TypeDesc::Enum { size, raw_size }) = types.lookup(&e.type_name).as_deref() {
                e.size = if depth == 0 { *size } else { *raw_size };
            }
        }
        // A QVariant is its content: at the top, the content goes as QtRO's integer too.
        Value::Variant(v) | Value::Null(v) => qt5_enum_widths(v, types, depth),
        Value::Pair(a, b) => {
            nested(a);
            nested(b);
        }
        Value::List(items) => items.iter_mut().for_each(nested),
        Value::Map(entries) | Value::Hash(entries) => entries.iter_mut().for_each(|(_, v)| nested(v)),
        Value::Gadget(g) => g.fields.iter_mut().for_each(nested),
        Value::Struct(s) => s.fields.iter_mut().for_each(nested),
        Value::Sequence(s) => s.items.iter_mut().for_each(nested),
        Value::GadgetSequence(s) => s.items.iter_mut().for_each(nested),
        Value::Assoc(a) => a.entries.iter_mut().for_each(|(k, v)| {
            nested(k);
            nested(v);
        }),
        Value::GadgetAssoc(a) => a.entries.iter_mut().for_each(|(k, v)| {
            nested(k);
            nested(v);
        }),
        _ => {}
    }
}

/// [`convert`] for each argument of a call or signal, with the parameters' declared types (and
/// names, for messages; may be empty). Refuses a wrong number of arguments. Arguments that all
/// have their declared types already (the usual case) are returned as they came, unchecked
/// further and not copied.
pub fn convert_args<'v, 'a, I>(
    args: Cow<'v, [Value]>,
    declared: I,
    names: &[String],
    types: &dyn TypeLookup,
) -> Result<Cow<'v, [Value]>, ArgumentError>
where
    I: ExactSizeIterator<Item = &'a str> + Clone,
{
    if args.len() != declared.len() {
        return Err(ArgumentError::Count { expected: declared.len(), given: args.len() });
    }
    let settled = |a: &Value, t: &str| has_type(a, t) && !holds_qt5_enums(a, types);
    if args.iter().zip(declared.clone()).all(|(a, t)| settled(a, t)) {
        return Ok(args);
    }
    let mut args = args;
    for (i, (a, t)) in args.to_mut().iter_mut().zip(declared).enumerate() {
        if !settled(a, t) {
            let v = std::mem::replace(a, Value::Invalid);
            *a = convert(v, t, types).map_err(|mismatch| ArgumentError::Type {
                position: i + 1,
                name: names.get(i).cloned().unwrap_or_default(),
                mismatch,
            })?;
        }
    }
    Ok(args)
}

/// Why arguments do not fit a method's or signal's parameters.
///
/// `#[non_exhaustive]`: new variants may be added.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ArgumentError {
    /// The number of arguments differs from the number of parameters.
    #[error("takes {expected} argument(s), {given} given")]
    Count {
        /// Parameters declared.
        expected: usize,
        /// Arguments given.
        given: usize,
    },
    /// Argument `position` (from 1), named `name` where the declaration names it.
    #[error("argument {position}{}: {mismatch}", if name.is_empty() { String::new() } else { format!(" ({name})") })]
    Type {
        /// The argument's position, from 1.
        position: usize,
        /// The parameter's name; empty where the declaration has none.
        name: String,
        /// Why the value cannot have the parameter's type.
        mismatch: TypeMismatch,
    },
}

/// Nesting bound for conversions of nested containers (values are bounded by the decoder's
/// depth limit already; this guards values built by hand).
const MAX_DEPTH: u32 = 64;

struct Converter<'a> {
    types: &'a dyn TypeLookup,
    depth: u32,
}

impl Converter<'_> {
    fn convert(&mut self, value: Value, declared: &str) -> Result<Value, TypeMismatch> {
        if has_type(&value, declared) {
            return Ok(value);
        }
        if self.depth >= MAX_DEPTH {
            return Err(TypeMismatch::new(declared, &value, Some("nested too deep".into())));
        }
        self.depth += 1;
        let out = self.convert_inner(value, declared);
        self.depth -= 1;
        out
    }

    fn convert_inner(&mut self, value: Value, declared: &str) -> Result<Value, TypeMismatch> {
        if let Some(reason) = unsendable(declared.trim()) {
            return Err(TypeMismatch::new(declared, &value, Some(reason.into())));
        }
        let name = canonical_type_name(declared);
        if let Value::Null(inner) = value {
            // Keep the null flag on the converted payload.
            return self.convert(*inner, &name).map(|v| match v {
                Value::Invalid | Value::Null(_) => v,
                v => Value::Null(Box::new(v)),
            });
        }
        if let Some(b) = Builtin::from_name(&name) {
            return convert_builtin(value, b, declared, self);
        }
        match &*name {
            // Qt 6 dynamic definitions name containers of gadgets this way.
            // (Declared so by Qt 6 sources.) A list (map) of gadgets of one type goes as the
            // source's own `QList<T>` (`QMap<QString,T>`).
            "QtROSequentialContainer" => {
                return match value {
                    Value::GadgetSequence(_) | Value::Sequence(_) => Ok(value),
                    Value::List(items) => match gadget_type(items.iter()) {
                        Some(t) => Ok(Value::Sequence(Sequence { type_name: format!("QList<{t}>"), items })),
                        None => Err(TypeMismatch::new(
                            declared,
                            &Value::List(items),
                            Some("not a non-empty list of one gadget type".into()),
                        )),
                    },
                    v => Err(TypeMismatch::new(declared, &v, None)),
                }
            }
            "QtROAssociativeContainer" => {
                return match value {
                    Value::GadgetAssoc(_) | Value::Assoc(_) => Ok(value),
                    Value::Map(entries) => match gadget_type(entries.iter().map(|(_, v)| v)) {
                        Some(t) => Ok(Value::Assoc(Assoc {
                            type_name: format!("QMap<QString,{t}>"),
                            entries: entries.into_iter().map(|(k, v)| (Value::string(k), v)).collect(),
                        })),
                        None => Err(TypeMismatch::new(
                            declared,
                            &Value::Map(entries),
                            Some("not a non-empty map of one gadget type".into()),
                        )),
                    },
                    v => Err(TypeMismatch::new(declared, &v, None)),
                }
            }
            _ => {}
        }
        let Some(desc) = self.types.lookup(&name) else {
            // A type this node was not told about: only a value that names it exactly (built
            // for it by the caller) can be trusted to have its encoding.
            if value.type_name() == name || value.type_name() == declared {
                return Ok(value);
            }
            return Err(TypeMismatch::new(
                declared,
                &value,
                Some(format!("{name} is not a type this node knows: register it")),
            ));
        };
        self.user(value, &name, declared, &desc)
    }

    /// Whether a container of `elem` at this position goes out in QtRO's wrapper (QSQ_/QAS_):
    /// a Qt 6 peer sends and expects top-level containers of gadgets that way (a plain
    /// `QList<Pt>` makes a stock Qt 6 dynamic replica abort).
    fn wraps_gadgets(&self, elem: &str) -> bool {
        self.depth == 1
            && self.types.wraps_gadget_containers()
            && matches!(self.types.lookup(elem).as_deref(), Some(TypeDesc::Gadget { .. }))
    }

    fn user(&mut self, value: Value, name: &str, declared: &str, desc: &TypeDesc) -> Result<Value, TypeMismatch> {
        let mismatch = |v: &Value, detail: Option<String>| TypeMismatch::new(declared, v, detail);
        match desc {
            TypeDesc::Builtin(b) => convert_builtin(value, *b, declared, self),
            TypeDesc::Enum { size, raw_size } => {
                // At the top QtRO sends the enum as an integer of its size; inside a container
                // or a gadget it is streamed as itself (a different width for Qt 5 .rep enums).
                let size = if self.depth > 1 { raw_size } else { size };
                let raw = match &value {
                    Value::Invalid => 0,
                    Value::Enum(e) => e.value,
                    Value::Double(_) | Value::Float(_) | Value::Bool(_) => return Err(mismatch(&value, None)),
                    v => v.as_i64().ok_or_else(|| mismatch(v, None))?,
                };
                // Qt sends enums as integers of the enum's size and ignores signedness.
                let bits = u32::from(*size) * 8;
                let fits = bits >= 64 || (raw >= -(1i64 << (bits - 1)) && raw < (1i64 << bits));
                if !fits {
                    return Err(mismatch(&value, Some(format!("{raw} does not fit {size} byte(s)"))));
                }
                Ok(Value::Enum(EnumValue { type_name: name.to_owned(), value: raw, size: *size }))
            }
            TypeDesc::Gadget { fields } => {
                let given: Vec<Value> = match value {
                    Value::Gadget(g) if g.type_name == name || g.type_name == declared => g.fields,
                    Value::Invalid => vec![Value::Invalid; fields.len()],
                    // By field name: what JSON and the C API build.
                    Value::Map(entries) | Value::Hash(entries) => {
                        if let Some((k, _)) = entries.iter().find(|(k, _)| !fields.iter().any(|(f, _)| f == k)) {
                            return Err(TypeMismatch {
                                expected: declared.into(),
                                given: "QVariantMap".into(),
                                detail: Some(format!("{name} has no field {k:?}")),
                            });
                        }
                        let mut entries = entries;
                        fields
                            .iter()
                            .map(|(f, _)| {
                                entries
                                    .iter()
                                    .position(|(k, _)| k == f)
                                    .map_or(Value::Invalid, |i| entries.swap_remove(i).1)
                            })
                            .collect()
                    }
                    v => return Err(mismatch(&v, None)),
                };
                if given.len() != fields.len() {
                    return Err(TypeMismatch {
                        expected: declared.into(),
                        given: name.into(),
                        detail: Some(format!("{} field(s) given, {} declared", given.len(), fields.len())),
                    });
                }
                let fields = given
                    .into_iter()
                    .zip(fields)
                    .map(|(v, (fname, ftype))| {
                        self.convert(v, ftype).map_err(|e| element_error(declared, name, format!("field {fname}"), e))
                    })
                    .collect::<Result<_, _>>()?;
                Ok(Value::Gadget(Gadget { type_name: name.to_owned(), fields }))
            }
            TypeDesc::Struct { fields } => match value {
                Value::Struct(s) if s.fields.len() == fields.len() => {
                    let converted =
                        s.fields.into_iter().zip(fields).map(|(v, t)| self.convert(v, t)).collect::<Result<_, _>>()?;
                    Ok(Value::Struct(Struct { type_name: name.to_owned(), fields: converted }))
                }
                v => Err(mismatch(&v, None)),
            },
            TypeDesc::Sequence { elem } => {
                let items = match value {
                    Value::Invalid => Vec::new(),
                    Value::Sequence(s) => s.items,
                    Value::GadgetSequence(s) => s.items,
                    Value::List(items) => items,
                    Value::StringList(items) => items.into_iter().map(Value::String).collect(),
                    Value::ByteArrayList(items) => items.into_iter().map(Value::ByteArray).collect(),
                    v => return Err(mismatch(&v, None)),
                };
                let items = items
                    .into_iter()
                    .enumerate()
                    .map(|(i, v)| {
                        self.convert(v, elem).map_err(|e| element_error(declared, name, format!("element {i}"), e))
                    })
                    .collect::<Result<_, _>>()?;
                if self.wraps_gadgets(elem) {
                    let value_type_name = elem.clone();
                    return Ok(Value::GadgetSequence(Box::new(GadgetSequence {
                        type_name: name.to_owned(),
                        value_type_name,
                        items,
                    })));
                }
                Ok(Value::Sequence(Sequence { type_name: name.to_owned(), items }))
            }
            TypeDesc::Assoc { key, value: vtype } => {
                let entries: Vec<(Value, Value)> = match value {
                    Value::Invalid => Vec::new(),
                    Value::Assoc(a) => a.entries,
                    Value::GadgetAssoc(a) => a.entries,
                    Value::Map(e) | Value::Hash(e) => e.into_iter().map(|(k, v)| (Value::string(k), v)).collect(),
                    v => return Err(mismatch(&v, None)),
                };
                let entries = entries
                    .into_iter()
                    .map(|(k, v)| {
                        let k = self.convert(k, key).map_err(|e| element_error(declared, name, "a key".into(), e))?;
                        let v =
                            self.convert(v, vtype).map_err(|e| element_error(declared, name, "a value".into(), e))?;
                        Ok((k, v))
                    })
                    .collect::<Result<_, _>>()?;
                if self.wraps_gadgets(vtype) {
                    return Ok(Value::GadgetAssoc(Box::new(GadgetAssoc {
                        type_name: name.to_owned(),
                        key_type_name: key.clone(),
                        value_type_name: vtype.clone(),
                        entries,
                    })));
                }
                Ok(Value::Assoc(Assoc { type_name: name.to_owned(), entries }))
            }
            TypeDesc::Remote => match value {
                Value::Remote(_) => Ok(value),
                v => Err(mismatch(&v, None)),
            },
            TypeDesc::GadgetSequence => match value {
                Value::GadgetSequence(_) => Ok(value),
                v => Err(mismatch(&v, None)),
            },
            TypeDesc::GadgetAssoc => match value {
                Value::GadgetAssoc(_) => Ok(value),
                v => Err(mismatch(&v, None)),
            },
        }
    }
}

/// The type of gadgets that are all of one type (`None` for none, or mixed).
fn gadget_type<'v>(mut values: impl Iterator<Item = &'v Value>) -> Option<String> {
    let Some(Value::Gadget(first)) = values.next() else { return None };
    values.all(|v| matches!(v, Value::Gadget(g) if g.type_name == first.type_name)).then(|| first.type_name.clone())
}

fn element_error(declared: &str, container: &str, which: String, e: TypeMismatch) -> TypeMismatch {
    TypeMismatch { expected: declared.to_owned(), given: container.to_owned(), detail: Some(format!("{which}: {e}")) }
}

/// The value of built-in type `b` for `value`, or why there is none.
fn convert_builtin(value: Value, b: Builtin, declared: &str, conv: &mut Converter<'_>) -> Result<Value, TypeMismatch> {
    use Builtin as B;
    if super::variant::builtin_of(&value) == Some(b) || b == B::Variant {
        return Ok(value);
    }
    if matches!(value, Value::Invalid) {
        return Ok(default_builtin(b));
    }
    let refuse = |v: &Value, detail: Option<&str>| TypeMismatch::new(declared, v, detail.map(str::to_owned));
    let out_of_range = |v: &Value| refuse(v, Some("out of range"));
    // Integers (and enums, bools, characters) as i128 so that every Qt integer fits exactly.
    let int: Option<i128> = match &value {
        Value::ULongLong(v) | Value::ULong(v) => Some(*v as i128),
        Value::Bool(_) | Value::QChar(_) | Value::Char16(_) | Value::Char32(_) => None,
        v => v.as_i64().map(i128::from),
    };
    let float = match &value {
        Value::Double(f) => Some(*f),
        Value::Float(f) => Some(*f as f64),
        _ => None,
    };
    // A number for an integer target: exact integers only, and only from numbers or their text.
    let integer = |v: &Value| -> Result<i128, TypeMismatch> {
        if let Some(i) = int {
            return Ok(i);
        }
        if let Value::Bool(b) = v {
            return Ok(*b as i128);
        }
        if let Some(f) = float {
            if f.is_finite() && f.fract() == 0.0 && f.abs() < 1.9e19 {
                return Ok(f as i128);
            }
            return Err(refuse(v, Some("not a whole number")));
        }
        match v.as_str() {
            Some(s) => s.parse::<i128>().map_err(|_| refuse(v, Some("not an integer"))),
            None => Err(refuse(v, None)),
        }
    };
    macro_rules! int_to {
        ($variant:ident, $t:ty) => {{
            let i = integer(&value)?;
            <$t>::try_from(i).map(Value::$variant).map_err(|_| out_of_range(&value))
        }};
    }
    match b {
        B::Bool => match (&value, int) {
            (_, Some(0)) => Ok(Value::Bool(false)),
            (_, Some(1)) => Ok(Value::Bool(true)),
            (Value::String(Some(s)), _) if s == "true" => Ok(Value::Bool(true)),
            (Value::String(Some(s)), _) if s == "false" => Ok(Value::Bool(false)),
            (v, _) => Err(refuse(v, None)),
        },
        B::Int => int_to!(Int, i32),
        B::UInt => int_to!(UInt, u32),
        B::LongLong => int_to!(LongLong, i64),
        B::ULongLong => int_to!(ULongLong, u64),
        B::Long => int_to!(Long, i64),
        B::ULong => int_to!(ULong, u64),
        B::Short => int_to!(Short, i16),
        B::UShort => int_to!(UShort, u16),
        B::Char => int_to!(Char, i8),
        B::SChar => int_to!(SChar, i8),
        B::UChar => int_to!(UChar, u8),
        B::Double | B::Float => {
            let f = match (&value, float, int) {
                (_, Some(f), _) => f,
                (_, None, Some(i)) => {
                    let f = i as f64;
                    if f as i128 != i {
                        return Err(refuse(&value, Some("not exactly representable")));
                    }
                    f
                }
                (v, _, _) => match v.as_str().map(str::parse::<f64>) {
                    Some(Ok(f)) => f,
                    _ => return Err(refuse(v, Some("not a number"))),
                },
            };
            if b == B::Double {
                Ok(Value::Double(f))
            } else if f.is_finite() && f.abs() > f32::MAX as f64 {
                Err(out_of_range(&value))
            } else {
                // Rounded to the nearest float, as a C++ call with this argument would.
                Ok(Value::Float(f as f32))
            }
        }
        B::QChar | B::Char16 => {
            let unit = match &value {
                Value::String(Some(s)) => {
                    let mut units = s.encode_utf16();
                    match (units.next(), units.next()) {
                        (Some(u), None) => u as i128,
                        _ => return Err(refuse(&value, Some("not exactly one UTF-16 code unit"))),
                    }
                }
                Value::QChar(c) | Value::Char16(c) => *c as i128,
                v => int.ok_or_else(|| refuse(v, None))?,
            };
            let unit = u16::try_from(unit).map_err(|_| out_of_range(&value))?;
            Ok(if b == B::QChar { Value::QChar(unit) } else { Value::Char16(unit) })
        }
        B::Char32 => {
            let c = match &value {
                Value::String(Some(s)) => {
                    let mut chars = s.chars();
                    match (chars.next(), chars.next()) {
                        (Some(c), None) => c as i128,
                        _ => return Err(refuse(&value, Some("not exactly one character"))),
                    }
                }
                Value::QChar(c) | Value::Char16(c) => *c as i128,
                v => int.ok_or_else(|| refuse(v, None))?,
            };
            u32::try_from(c).map(Value::Char32).map_err(|_| out_of_range(&value))
        }
        B::QString => match value {
            Value::ByteArray(None) => Ok(Value::String(None)),
            Value::ByteArray(Some(b)) => match String::from_utf8(b.to_vec()) {
                Ok(s) => Ok(Value::String(Some(s))),
                Err(_) => Err(TypeMismatch {
                    expected: declared.into(),
                    given: "QByteArray".into(),
                    detail: Some("not valid UTF-8".into()),
                }),
            },
            Value::QChar(c) | Value::Char16(c) => Ok(Value::string(String::from_utf16_lossy(&[c]))),
            Value::Char32(c) => {
                char::from_u32(c).map(|c| Value::string(c.to_string())).ok_or_else(|| out_of_range(&value))
            }
            Value::Bool(v) => Ok(Value::string(if v { "true" } else { "false" })),
            Value::Url(u) => Ok(Value::string(u)),
            Value::Double(f) => {
                double_text(f).map(Value::string).ok_or_else(|| refuse(&value, Some("no exact text form")))
            }
            Value::Float(f) => {
                double_text(f as f64).map(Value::string).ok_or_else(|| refuse(&value, Some("no exact text form")))
            }
            ref v => match int {
                Some(i) => Ok(Value::string(i.to_string())),
                None => Err(refuse(v, None)),
            },
        },
        B::ByteArray => match value {
            Value::String(s) => Ok(Value::ByteArray(s.map(|s| Bytes::from(s.into_bytes())))),
            ref v => match int {
                Some(i) if !matches!(v, Value::Enum(_)) => Ok(Value::bytes(i.to_string().into_bytes())),
                _ => Err(refuse(v, None)),
            },
        },
        B::Url => match value {
            Value::String(s) => Ok(Value::Url(s.unwrap_or_default())),
            v => Err(refuse(&v, None)),
        },
        B::StringList => {
            let items = match value {
                Value::List(items) => items,
                Value::Sequence(s) => s.items,
                Value::String(s) => return Ok(Value::StringList(vec![s])),
                v => return Err(refuse(&v, None)),
            };
            elements(conv, items, "QString", declared, |v| match v {
                Value::String(s) => Some(s),
                _ => None,
            })
            .map(Value::StringList)
        }
        B::ByteArrayList => {
            let items = match value {
                Value::List(items) => items,
                Value::Sequence(s) => s.items,
                Value::StringList(items) => items.into_iter().map(Value::String).collect(),
                v => return Err(refuse(&v, None)),
            };
            elements(conv, items, "QByteArray", declared, |v| match v {
                Value::ByteArray(b) => Some(b),
                _ => None,
            })
            .map(Value::ByteArrayList)
        }
        B::VariantList => match value {
            Value::StringList(items) => Ok(Value::List(items.into_iter().map(Value::String).collect())),
            Value::ByteArrayList(items) => Ok(Value::List(items.into_iter().map(Value::ByteArray).collect())),
            Value::Sequence(s) => Ok(Value::List(s.items)),
            Value::GadgetSequence(s) => Ok(Value::List(s.items)),
            v => Err(refuse(&v, None)),
        },
        B::VariantMap | B::VariantHash => {
            let entries = match value {
                Value::Map(e) | Value::Hash(e) => e,
                Value::Assoc(a) => a
                    .entries
                    .into_iter()
                    .map(|(k, v)| match conv.convert(k, "QString") {
                        Ok(Value::String(s)) => Ok((s.unwrap_or_default(), v)),
                        _ => Err(TypeMismatch {
                            expected: declared.into(),
                            given: a.type_name.clone(),
                            detail: Some("keys are not text".into()),
                        }),
                    })
                    .collect::<Result<_, _>>()?,
                v => return Err(refuse(&v, None)),
            };
            Ok(if b == B::VariantMap { Value::map(entries) } else { Value::Hash(entries) })
        }
        B::Point => match value {
            Value::PointF(p) => Ok(Value::Point(Point {
                x: whole(p.x).ok_or_else(|| out_of_range(&value))?,
                y: whole(p.y).ok_or_else(|| out_of_range(&value))?,
            })),
            v => Err(refuse(&v, None)),
        },
        B::PointF => match value {
            Value::Point(p) => Ok(Value::PointF(PointF { x: p.x as f64, y: p.y as f64 })),
            v => Err(refuse(&v, None)),
        },
        B::Size => match value {
            Value::SizeF(s) => Ok(Value::Size(Size {
                width: whole(s.width).ok_or_else(|| out_of_range(&value))?,
                height: whole(s.height).ok_or_else(|| out_of_range(&value))?,
            })),
            v => Err(refuse(&v, None)),
        },
        B::SizeF => match value {
            Value::Size(s) => Ok(Value::SizeF(SizeF { width: s.width as f64, height: s.height as f64 })),
            v => Err(refuse(&v, None)),
        },
        B::RectF => match value {
            Value::Rect(r) => Ok(Value::RectF(RectF {
                x: r.left as f64,
                y: r.top as f64,
                width: r.width() as f64,
                height: r.height() as f64,
            })),
            v => Err(refuse(&v, None)),
        },
        B::LineF => match value {
            Value::Line(l) => {
                Ok(Value::LineF(LineF { x1: l.x1 as f64, y1: l.y1 as f64, x2: l.x2 as f64, y2: l.y2 as f64 }))
            }
            v => Err(refuse(&v, None)),
        },
        _ => Err(refuse(&value, None)),
    }
}

/// The elements of a list given type `elem` and taken out of their `Value` by `take` (for the
/// built-in lists of strings and byte arrays).
fn elements<T>(
    conv: &mut Converter<'_>,
    items: Vec<Value>,
    elem: &str,
    declared: &str,
    take: impl Fn(Value) -> Option<T>,
) -> Result<Vec<T>, TypeMismatch> {
    items
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            let converted = conv
                .convert(v, elem)
                .map_err(|e| element_error(declared, "QVariantList", format!("element {i}"), e))?;
            // A null-flagged element is its payload (an element has no flag of its own).
            let converted = match converted {
                Value::Null(inner) => *inner,
                v => v,
            };
            let given = converted.type_name().to_owned();
            take(converted).ok_or_else(|| TypeMismatch {
                expected: declared.into(),
                given,
                detail: Some(format!("element {i}")),
            })
        })
        .collect()
}

/// `f` as an `i32` when it is one exactly.
fn whole(f: f64) -> Option<i32> {
    (f.fract() == 0.0 && f >= i32::MIN as f64 && f <= i32::MAX as f64).then_some(f as i32)
}

/// The text Qt gives a double (`QString::number(d, 'g', QLocale::FloatingPointShortest)`), where
/// Rust's shortest form is the same: plain notation for moderate magnitudes.
fn double_text(f: f64) -> Option<String> {
    if !f.is_finite() {
        return None;
    }
    if f == 0.0 || (1e-4..1e15).contains(&f.abs()) {
        let s = format!("{f}");
        return (s.parse::<f64>().ok() == Some(f)).then_some(if s == "-0" { "-0".into() } else { s });
    }
    None
}

/// A default-constructed value of a built-in type (what Qt stores for an invalid QVariant
/// written to a property of that type).
pub fn default_builtin(b: Builtin) -> Value {
    use Builtin as B;
    match b {
        B::Bool => Value::Bool(false),
        B::Int => Value::Int(0),
        B::UInt => Value::UInt(0),
        B::LongLong => Value::LongLong(0),
        B::ULongLong => Value::ULongLong(0),
        B::Double => Value::Double(0.0),
        B::QChar => Value::QChar(0),
        B::VariantMap => Value::Map(Vec::new()),
        B::VariantList => Value::List(Vec::new()),
        B::QString => Value::String(None),
        B::StringList => Value::StringList(Vec::new()),
        B::ByteArray => Value::ByteArray(None),
        B::BitArray => Value::BitArray(BitArray::new(0)),
        B::Date => Value::Date(QDate::NULL),
        B::Time => Value::Time(QTime::NULL),
        B::DateTime => Value::DateTime(QDateTime::null()),
        B::Url => Value::Url(String::new()),
        B::Rect => Value::Rect(Rect::default()),
        B::RectF => Value::RectF(RectF::default()),
        B::Size => Value::Size(Size { width: -1, height: -1 }),
        B::SizeF => Value::SizeF(SizeF { width: -1.0, height: -1.0 }),
        B::Line => Value::Line(Line::default()),
        B::LineF => Value::LineF(LineF::default()),
        B::Point => Value::Point(Point::default()),
        B::PointF => Value::PointF(PointF::default()),
        B::VariantHash => Value::Hash(Vec::new()),
        B::Uuid => Value::Uuid([0; 16]),
        B::Long => Value::Long(0),
        B::Short => Value::Short(0),
        B::Char => Value::Char(0),
        B::ULong => Value::ULong(0),
        B::UShort => Value::UShort(0),
        B::UChar => Value::UChar(0),
        B::Float => Value::Float(0.0),
        B::SChar => Value::SChar(0),
        B::Variant => Value::Invalid,
        B::ByteArrayList => Value::ByteArrayList(Vec::new()),
        B::Char16 => Value::Char16(0),
        B::Char32 => Value::Char32(0),
        B::VariantPair => Value::Pair(Box::new(Value::Invalid), Box::new(Value::Invalid)),
        // QFont() is the application's default font, which only the receiving side knows: no
        // family and no size (-1, Qt's own "unset"). Refusing it instead would make every QFont
        // property of a repc class unservable: its initial value is a default-constructed font.
        B::Font => Value::Font(Box::new(super::gui::Font {
            family: None,
            style_name: None,
            point_size: -1.0,
            pixel_size: -1,
            style_hint: 5,
            style_strategy: 1,
            weight: 400,
            bits: 0,
            stretch: 0,
            extended_bits: 0,
            letter_spacing: 0,
            word_spacing: 0,
            hinting_preference: 0,
            capitalization: 0,
            families: Vec::new(),
        })),
        B::Pixmap => Value::Pixmap(super::gui::Image::NULL),
        B::Image => Value::Image(super::gui::Image::NULL),
        B::Brush => Value::Brush(Box::new(super::gui::Brush {
            style: 0,
            ..super::gui::Brush::solid(super::gui::Color::rgba(0, 0, 0, 255))
        })),
        B::Color => Value::Color(super::gui::Color::INVALID),
        B::Polygon => Value::Polygon(Vec::new()),
        B::PolygonF => Value::PolygonF(Vec::new()),
        B::Region => Value::Region(Vec::new()),
        B::KeySequence => Value::KeySequence(Vec::new()),
        B::Pen => Value::Pen(Box::new(super::gui::Pen {
            style: 0x51,
            cosmetic: false,
            width: 1.0,
            brush: super::gui::Brush::solid(super::gui::Color::rgba(0, 0, 0, 255)),
            miter_limit: 2.0,
            dash_pattern: Vec::new(),
            dash_offset: 0.0,
            default_width: false,
        })),
        B::Transform => Value::Transform(super::gui::IDENTITY),
        B::Matrix4x4 => Value::Matrix4x4(Box::new(std::array::from_fn(|i| if i % 5 == 0 { 1.0 } else { 0.0 }))),
        B::Vector2D => Value::Vector2D([0.0; 2]),
        B::Vector3D => Value::Vector3D([0.0; 3]),
        B::Vector4D => Value::Vector4D([0.0; 4]),
        B::Quaternion => Value::Quaternion([1.0, 0.0, 0.0, 0.0]),
        B::JsonValue => Value::JsonValue(JsonValue::Null),
        B::JsonObject => Value::JsonObject("{}".into()),
        B::JsonArray => Value::JsonArray("[]".into()),
        B::JsonDocument => Value::JsonDocument(None),
        // The CBOR encodings of undefined, [] and {}.
        B::CborValue => Value::CborValue(Bytes::from_static(&[0xf7])),
        B::CborArray => Value::CborArray(Bytes::from_static(&[0x80])),
        B::CborMap => Value::CborMap(Bytes::from_static(&[0xa0])),
        B::CborSimpleType => Value::CborSimpleType(0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::{Dialect, TypeRegistry};

    fn conv(v: Value, t: &str) -> Result<Value, TypeMismatch> {
        let mut types = TypeRegistry::new(Dialect::Qt6);
        types.register_gadget("Pt", vec![("x".into(), "int".into()), ("y".into(), "double".into())]);
        types.register_enum("Mood", 1);
        convert(v, t, &types)
    }

    #[test]
    fn numbers_convert_exactly_or_not_at_all() {
        assert_eq!(conv(Value::Int(2), "double"), Ok(Value::Double(2.0)));
        assert_eq!(conv(Value::LongLong(7), "int"), Ok(Value::Int(7)));
        assert!(conv(Value::LongLong(1 << 40), "int").unwrap_err().to_string().contains("out of range"));
        assert_eq!(conv(Value::Double(3.0), "qint64"), Ok(Value::LongLong(3)));
        assert!(conv(Value::Double(3.5), "int").is_err());
        assert!(conv(Value::Int(-1), "uint").is_err());
        assert_eq!(conv(Value::ULongLong(u64::MAX), "ulong"), Ok(Value::ULong(u64::MAX)));
        assert_eq!(conv(Value::Int(1), "bool"), Ok(Value::Bool(true)));
        assert!(conv(Value::Int(2), "bool").is_err());
        assert_eq!(conv(Value::Double(0.5), "float"), Ok(Value::Float(0.5)));
        assert!(conv(Value::Double(1e300), "float").is_err());
    }

    #[test]
    fn text_converts_only_where_it_is_the_number() {
        let e = conv(Value::string("hello"), "int").unwrap_err();
        assert_eq!((e.expected.as_str(), e.given.as_str()), ("int", "QString"));
        assert_eq!(conv(Value::string("42"), "int"), Ok(Value::Int(42)));
        assert_eq!(conv(Value::Int(42), "QString"), Ok(Value::string("42")));
        assert_eq!(conv(Value::Double(0.25), "QString"), Ok(Value::string("0.25")));
        assert_eq!(conv(Value::string("x"), "QByteArray"), Ok(Value::bytes(&b"x"[..])));
        assert!(conv(Value::bytes(vec![0xff]), "QString").is_err());
        assert_eq!(conv(Value::string("é"), "QChar"), Ok(Value::QChar(0xe9)));
        assert!(conv(Value::string("ab"), "QChar").is_err());
        assert!(conv(Value::Double(2.5), "QByteArray").is_err());
    }

    #[test]
    fn typedefs_map_to_the_type_qt_streams() {
        assert_eq!(conv(Value::Int(3), "size_t"), Ok(Value::ULong(3)));
        assert_eq!(conv(Value::Int(3), "qsizetype"), Ok(Value::LongLong(3)));
        assert_eq!(conv(Value::Int(3), "int64_t"), Ok(Value::Long(3)));
        assert_eq!(
            conv(Value::List(vec![Value::Int(1)]), "QList<size_t>"),
            Ok(Value::Sequence(Sequence { type_name: "QList<ulong>".into(), items: vec![Value::ULong(1)] }))
        );
    }

    #[test]
    fn unsendable_and_unknown_types_are_refused() {
        assert!(conv(Value::Int(1), "QModelIndex").unwrap_err().to_string().contains("stream operator"));
        assert!(conv(Value::Int(1), "QObject*").is_err());
        let e = conv(Value::Int(1), "Unknown::Type").unwrap_err();
        assert!(e.to_string().contains("register it"), "{e}");
        let named = Value::Struct(Struct { type_name: "Unknown::Type".into(), fields: vec![] });
        assert_eq!(conv(named.clone(), "Unknown::Type"), Ok(named));
    }

    #[test]
    fn invalid_becomes_the_default_value() {
        assert_eq!(conv(Value::Invalid, "int"), Ok(Value::Int(0)));
        assert_eq!(conv(Value::Invalid, "QString"), Ok(Value::String(None)));
        assert_eq!(conv(Value::Invalid, "QVariant"), Ok(Value::Invalid));
    }

    #[test]
    fn user_types_are_checked_deeply() {
        let pt = |x, y| Value::Gadget(Gadget { type_name: "Pt".into(), fields: vec![Value::Int(x), Value::Double(y)] });
        assert_eq!(conv(pt(1, 2.0), "Pt"), Ok(pt(1, 2.0)));
        let from_map = Value::map([("y".into(), Value::Int(2)), ("x".into(), Value::Int(1))]);
        assert_eq!(conv(from_map, "Pt"), Ok(pt(1, 2.0)));
        assert!(conv(Value::map([("z".into(), Value::Int(2))]), "Pt").unwrap_err().to_string().contains("no field"));
        let bad =
            Value::Gadget(Gadget { type_name: "Pt".into(), fields: vec![Value::string("a"), Value::Double(1.0)] });
        assert!(conv(bad, "Pt").unwrap_err().to_string().contains("field x"));
        assert_eq!(
            conv(Value::Int(-56), "Mood"),
            Ok(Value::Enum(EnumValue { type_name: "Mood".into(), value: -56, size: 1 }))
        );
        assert_eq!(conv(Value::Int(200), "Mood").map(|v| v.as_i64()), Ok(Some(200)));
        assert!(conv(Value::Int(300), "Mood").is_err());
        assert!(conv(Value::string("x"), "Mood").is_err());
        let list = conv(Value::List(vec![Value::Int(1), Value::string("2")]), "QList<int>").unwrap();
        assert_eq!(
            list,
            Value::Sequence(Sequence { type_name: "QList<int>".into(), items: vec![Value::Int(1), Value::Int(2)] })
        );
        assert!(conv(Value::List(vec![Value::string("a")]), "QList<int>")
            .unwrap_err()
            .to_string()
            .contains("element 0"));
        // Qt 6: a top-level container of gadgets goes in QtRO's wrapper, nested ones do not.
        let Ok(Value::GadgetSequence(seq)) = conv(Value::List(vec![pt(1, 2.0)]), "QList<Pt>") else {
            panic!("not wrapped")
        };
        assert_eq!((seq.type_name.as_str(), seq.value_type_name.as_str(), seq.items.len()), ("QList<Pt>", "Pt", 1));
        // A dynamic replica's declared QtRO container takes a plain list (map) of gadgets.
        let Ok(Value::Sequence(seq)) = conv(Value::List(vec![pt(1, 2.0), pt(3, 4.0)]), "QtROSequentialContainer")
        else {
            panic!()
        };
        assert_eq!((seq.type_name.as_str(), seq.items.len()), ("QList<Pt>", 2));
        assert!(conv(Value::List(vec![]), "QtROSequentialContainer").is_err());
        let Ok(Value::Assoc(map)) = conv(Value::map([("a".into(), pt(1, 2.0))]), "QtROAssociativeContainer") else {
            panic!()
        };
        assert_eq!(map.type_name, "QMap<QString,Pt>");
        // Towards a source, containers of gadgets stay plain.
        let mut types = TypeRegistry::new(Dialect::Qt6);
        types.register_gadget("Pt", vec![("x".into(), "int".into()), ("y".into(), "double".into())]);
        let to_source = ClassTypes { types: &types, enums: &[], to_replicas: false };
        assert!(matches!(convert(Value::List(vec![pt(1, 2.0)]), "QList<Pt>", &to_source), Ok(Value::Sequence(_))));
        let nested = conv(Value::List(vec![Value::List(vec![pt(1, 2.0)])]), "QList<QList<Pt>>").unwrap();
        assert!(matches!(&nested, Value::Sequence(s) if matches!(&s.items[0], Value::Sequence(_))), "{nested:?}");
        let mut qt5 = TypeRegistry::new(Dialect::Qt5);
        qt5.register_gadget("Pt", vec![("x".into(), "int".into()), ("y".into(), "double".into())]);
        assert!(matches!(convert(Value::List(vec![pt(1, 2.0)]), "QList<Pt>", &qt5), Ok(Value::Sequence(_))));
        let strings = conv(Value::List(vec![Value::string("a"), Value::Int(1)]), "QStringList").unwrap();
        assert_eq!(strings, Value::StringList(vec![Some("a".into()), Some("1".into())]));
    }

    #[test]
    fn class_enums_resolve_by_plain_and_scoped_name() {
        let types = TypeRegistry::new(Dialect::Qt6);
        let enums = [EnumDef { name: "Color".into(), is_flag: false, is_scoped: false, size: 4, keys: vec![] }];
        let lookup = ClassTypes { types: &types, enums: &enums, to_replicas: true };
        assert!(matches!(
            convert(Value::Int(3), "Interop::Color", &lookup),
            Ok(Value::Enum(EnumValue { value: 3, size: 4, .. }))
        ));
        assert!(matches!(convert(Value::Int(3), "Color", &lookup), Ok(Value::Enum(_))));
    }

    #[test]
    fn argument_lists_name_the_argument_and_the_count() {
        let types = TypeRegistry::new(Dialect::Qt6);
        let ints = || ["int", "int"].into_iter();
        let names = ["a".to_owned(), "b".to_owned()];
        let err = convert_args(Cow::Owned(vec![Value::Int(1)]), ints(), &names, &types).unwrap_err();
        assert_eq!(err, ArgumentError::Count { expected: 2, given: 1 });
        let err =
            convert_args(Cow::Owned(vec![Value::Int(1), Value::string("x")]), ints(), &names, &types).unwrap_err();
        assert!(matches!(err, ArgumentError::Type { position: 2, .. }), "{err}");
        assert_eq!(err.to_string(), "argument 2 (b): QString cannot be converted to int (not an integer)");
        let args = [Value::Int(1), Value::Int(2)];
        assert!(matches!(convert_args(Cow::Borrowed(&args[..]), ints(), &[], &types), Ok(Cow::Borrowed(_))));
    }

    /// Qt 5 streams a `.rep` enum as itself (in QVariants, containers and POD fields) in repc's
    /// smallest fitting integer, but sends it at the top as an int: both widths, from values
    /// built with the enum's size.
    #[test]
    fn qt5_rep_enums_take_repc_widths_when_nested() {
        use crate::core::variant::{from_bytes, to_bytes, to_bytes_plain};
        use crate::core::ByteOrder;
        let tone = |size| Value::Enum(EnumValue { type_name: "ToneEnum::Tone".into(), value: 5, size });
        for (dialect, nested) in [(Dialect::Qt5, 1u8), (Dialect::Qt6, 4)] {
            let mut types = TypeRegistry::new(dialect);
            types.register_rep_enum("ToneEnum::Tone", 4, 1);
            types.register_gadget("Tagged", vec![("tone".into(), "ToneEnum::Tone".into())]);
            types.register("QList<ToneEnum::Tone>", TypeDesc::Sequence { elem: "ToneEnum::Tone".into() });
            assert_eq!(convert(Value::Int(5), "ToneEnum::Tone", &types), Ok(tone(4)), "{dialect:?}: top level");
            let list = convert(Value::List(vec![tone(4)]), "QVariantList", &types).unwrap();
            assert_eq!(list, Value::List(vec![tone(nested)]), "{dialect:?}: in a QVariantList");
            let seq = convert(Value::List(vec![Value::Int(5)]), "QList<ToneEnum::Tone>", &types).unwrap();
            assert!(matches!(&seq, Value::Sequence(s) if s.items == [tone(nested)]), "{dialect:?}: {seq:?}");
            let gadget = convert(Value::map([("tone".into(), Value::Int(5))]), "Tagged", &types).unwrap();
            assert!(matches!(&gadget, Value::Gadget(g) if g.fields == [tone(nested)]), "{dialect:?}: {gadget:?}");
            // On the wire: by name, then the enum in its width; read back the same.
            let variant = convert(Value::Variant(Box::new(tone(nested))), "QVariant", &types).unwrap();
            assert_eq!(variant, Value::Variant(Box::new(tone(4))), "{dialect:?}: a QVariant at the top goes as an int");
            for v in [list, seq, tone(nested), gadget] {
                let bytes = to_bytes_plain(&v, dialect, ByteOrder::Big).unwrap();
                let back = from_bytes(bytes.clone(), dialect, ByteOrder::Big, &types).unwrap();
                // (Qt 6 gadget fields arrive as ints, given their type by their declaration.)
                let back = if matches!(v, Value::Gadget(_)) { convert(back, "Tagged", &types).unwrap() } else { back };
                assert_eq!(back, v, "{dialect:?}: {bytes:02x?}");
            }
        }
        // A Qt 5 gadget field goes by name (user type, "ToneEnum::Tone", one byte); Qt 6 turns it
        // into an int.
        let field = |dialect| {
            let v = Value::Gadget(Gadget {
                type_name: "Tagged".into(),
                fields: vec![tone(if dialect == Dialect::Qt5 { 1 } else { 4 })],
            });
            to_bytes(&v, dialect, ByteOrder::Big).unwrap()
        };
        let qt5 = field(Dialect::Qt5);
        assert!(qt5.ends_with(b"\0\0\0\x0fToneEnum::Tone\0\x05"), "{qt5:02x?}");
        assert!(field(Dialect::Qt6).ends_with(&[0, 0, 0, 2, 0, 0, 0, 0, 5]), "Qt 6: an int field");
    }
}
