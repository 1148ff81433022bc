//! The value text syntax: values written and read as text, the way the `qtro` tool and the C
//! library (`qtro_value_to_string`, `qtro_value_from_string`) show them.
//!
//! | Text | Value |
//! |---|---|
//! | `42`, `-7`, `0x1f` | integer (`int`, or `qlonglong` when it does not fit) |
//! | `-1.5`, `2.0`, `1e3`, `nan`, `inf` | `double` |
//! | `true`, `false` | `bool` |
//! | `"text"` (JSON escapes), or a bare word such as `hello` | `QString` |
//! | `null` | invalid QVariant (a null QString / QByteArray where one is declared) |
//! | `[1, "a"]` | `QVariantList` |
//! | `{"k": 1}` (keys may be bare words) | `QVariantMap` |
//! | `TYPE:VALUE` (`double:2`, `uint:3`, `bytes:hex:00ff`, `url:tcp://x:1`, `Color:Blue`, …) | exactly that type |
//!
//! Reading is two steps: [`parse`] turns text into a [`Literal`] (syntax only), [`to_value`] gives
//! it a declared type, strictly: `1.5` is refused for an `int`, `42` for a `QString` (write `"42"`
//! or `str:42`). [`parse_value`] does both. [`format()`] prints a value in the same syntax and adds
//! the `TYPE:` prefix only where the plain form would read back as another type, so printed text
//! reads back as the same value.
//!
//! Enums and gadgets belong to an interface: a [`TypeContext`] built from a class definition
//! ([`TypeContext::from_definition`]) or a `.rep` file ([`TypeContext::add_rep`]) lets enum keys
//! (`Green`, `A|B`), gadget fields (`{x: 1, y: 2}`) and their `TYPE:` prefixes be read and printed.
//! Without one (`TypeContext::default()`), an enum value prints as its number and a declared type
//! the context does not know reads as the literal's natural type.
//!
//! ```
//! use qtro_rs::core::Value;
//! use qtro_rs::text::{self, TypeContext};
//!
//! let types = TypeContext::default();
//! let v = text::parse_value("[uint:1, 2.0, \"a\"]", None, &types).unwrap();
//! assert_eq!(v, Value::List(vec![Value::UInt(1), Value::Double(2.0), Value::string("a")]));
//! assert_eq!(text::format(&v, None, &types), "[uint:1, 2.0, \"a\"]");
//! assert_eq!(text::parse_value("2", Some("double"), &types).unwrap(), Value::Double(2.0));
//! assert!(text::parse_value("1.5", Some("int"), &types).is_err());
//! ```

use crate::core::classdef::{ClassDefinition, EnumDef, GadgetDef};
use crate::core::typename::container_args;
use crate::core::{Builtin, Value};

mod convert;
mod datetime;
mod format;
mod parse;
#[cfg(test)]
mod tests;

pub use convert::to_value;
pub use format::{format, is_natural};
pub use parse::{parse, parse_argument, parse_many};

/// A parsed literal, before it is given a declared type ([`to_value`]).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Literal {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// An integer (decimal or `0x` hexadecimal), of any width a Qt integer type has.
    Int(i128),
    /// A number with a fraction or exponent, `nan`, `inf`.
    Float(f64),
    /// A quoted string.
    Str(String),
    /// An unquoted word that is not a number or keyword.
    Word(String),
    /// `[a, b, …]`.
    List(Vec<Literal>),
    /// `{key: value, …}`, in the order written.
    Map(Vec<(String, Literal)>),
    /// `TYPE:VALUE`, with the canonical type name ([`TypeContext::canonical`]).
    Typed(String, Box<Literal>),
}

impl Literal {
    /// How one bare token reads: `true`, `false`, `null`, an integer, a number, else a word.
    pub fn from_token(token: &str) -> Literal {
        parse::word(token)
    }
}

/// Why text could not be read as a value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TextError {
    /// The text does not follow the syntax.
    #[error("{message} {}", match column { Some(c) => format!("at column {c} of {text:?}"), None => format!("at the end of {text:?}") })]
    Syntax {
        /// The text that was parsed.
        text: String,
        /// Where the problem was found: the 1-based column in characters, `None` at the end.
        column: Option<usize>,
        /// What was expected or found there, e.g. `expected ',' or ']'`.
        message: String,
    },
    /// The literal does not convert to the declared type, e.g. `expected an integer for int, got
    /// the number 1.5`.
    #[error("{message}")]
    Conversion {
        /// The declared type it was converted to; `None` for the literal's natural type.
        expected: Option<String>,
        /// What does not fit, naming the literal and the type.
        message: String,
    },
}

impl TextError {
    pub(crate) fn conversion(expected: &str, message: impl Into<String>) -> TextError {
        TextError::Conversion { expected: Some(expected.to_owned()), message: message.into() }
    }
}

/// Reads `text` as one value of the declared type `declared` (`None` or `QVariant`: its natural
/// type): [`parse`] then [`to_value`].
pub fn parse_value(text: &str, declared: Option<&str>, types: &TypeContext) -> Result<Value, TextError> {
    to_value(&parse(text, types)?, declared, types)
}

/// One enum (or flag) type an interface declares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnumInfo {
    /// Full name, e.g. `Interop::Color`.
    pub name: String,
    /// Keys and their values, in declaration order.
    pub keys: Vec<(String, i64)>,
    /// Byte size on the wire (1, 2, 4 or 8).
    pub size: u8,
    /// A flag type: values print as `A|B`.
    pub is_flag: bool,
}

impl EnumInfo {
    /// The enum (or flag) `def` under its full name `name`; a size Qt does not give an enum
    /// counts as 4.
    pub fn new(name: String, def: &EnumDef) -> EnumInfo {
        let size = match def.size {
            1 | 2 | 4 | 8 => def.size as u8,
            _ => 4,
        };
        EnumInfo {
            name,
            keys: def.keys.iter().map(|(k, v)| (k.clone(), i64::from(*v))).collect(),
            size,
            is_flag: def.is_flag,
        }
    }
}

/// The user types (enums, gadgets) of the interface values belong to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TypeContext {
    /// Enums and flags, by full name (`Interop::Color`); found by their last segment too.
    pub enums: Vec<EnumInfo>,
    /// Gadgets (PODs) with their fields.
    pub gadgets: Vec<GadgetDef>,
}

pub(crate) fn last_segment(name: &str) -> &str {
    name.rsplit("::").next().unwrap_or(name)
}

impl TypeContext {
    /// Enums and gadgets of a class definition (as received by a dynamic replica or built from a
    /// .rep file).
    pub fn from_definition(def: &ClassDefinition) -> TypeContext {
        let scope = def.type_name.as_deref().filter(|t| !t.is_empty());
        let mut ctx = TypeContext::default();
        let scoped = |scope: Option<&str>, e: &EnumDef| match scope {
            Some(s) => EnumInfo::new(format!("{s}::{}", e.name), e),
            None => EnumInfo::new(e.name.clone(), e),
        };
        ctx.enums.extend(def.enums.iter().map(|e| scoped(scope, e)));
        for g in &def.gadgets.gadgets {
            ctx.enums.extend(g.enums.iter().map(|e| scoped(Some(&g.name), e)));
        }
        ctx.gadgets = def.gadgets.gadgets.iter().filter(|g| !g.properties.is_empty()).cloned().collect();
        ctx
    }

    /// Adds the enums and PODs of a .rep file (class enums scoped by the class name).
    pub fn add_rep(&mut self, file: &crate::rep::RepFile, class: &crate::rep::Class) {
        let mut add = |name: String, e: &crate::rep::Enum| self.enums.push(EnumInfo::new(name, &e.def(None)));
        for e in &class.enums {
            add(format!("{}::{}", class.name, e.name), e);
        }
        for e in &file.enums {
            add(e.name.clone(), e);
        }
        for p in &file.pods {
            for e in &p.enums {
                add(e.name.clone(), e);
            }
        }
        for p in &file.pods {
            self.gadgets.push(GadgetDef {
                name: p.name.clone(),
                properties: p.attributes.iter().map(|a| (a.name.clone(), a.type_name.clone())).collect(),
                enums: Vec::new(),
            });
        }
    }

    /// The enum a declared type name denotes (exact, else by its last `::` segment).
    pub fn enum_for(&self, ty: &str) -> Option<&EnumInfo> {
        self.enums
            .iter()
            .find(|e| e.name == ty)
            .or_else(|| self.enums.iter().find(|e| last_segment(&e.name) == last_segment(ty)))
    }

    /// The gadget a declared type name denotes (exact, else by its last `::` segment).
    pub fn gadget_for(&self, ty: &str) -> Option<&GadgetDef> {
        self.gadgets
            .iter()
            .find(|g| g.name == ty)
            .or_else(|| self.gadgets.iter().find(|g| last_segment(&g.name) == last_segment(ty)))
    }

    /// The canonical type name for a `TYPE:` prefix (`uint`, an alias such as `bytes`, a Qt type,
    /// a container such as `QList<int>`, an enum or gadget of this context), if it denotes a type.
    pub fn canonical(&self, name: &str) -> Option<String> {
        if let Some((_, c)) = ALIASES.iter().find(|(a, _)| *a == name) {
            return Some((*c).to_owned());
        }
        if Builtin::from_name(name).is_some() || container_args(name).is_some() {
            return Some(name.to_owned());
        }
        if let Some(e) = self.enums.iter().find(|e| e.name == name || last_segment(&e.name) == name) {
            return Some(e.name.clone());
        }
        if let Some(g) = self.gadgets.iter().find(|g| g.name == name || last_segment(&g.name) == name) {
            return Some(g.name.clone());
        }
        None
    }
}

/// Lower-case shortcuts accepted as `TYPE:` prefixes, with the Qt type they stand for.
const ALIASES: &[(&str, &str)] = &[
    ("str", "QString"),
    ("string", "QString"),
    ("bytes", "QByteArray"),
    ("url", "QUrl"),
    ("uuid", "QUuid"),
    ("date", "QDate"),
    ("time", "QTime"),
    ("datetime", "QDateTime"),
    ("point", "QPoint"),
    ("pointf", "QPointF"),
    ("size", "QSize"),
    ("sizef", "QSizeF"),
    ("rect", "QRect"),
    ("rectf", "QRectF"),
    ("line", "QLine"),
    ("linef", "QLineF"),
    ("list", "QVariantList"),
    ("map", "QVariantMap"),
    ("hash", "QVariantHash"),
    ("stringlist", "QStringList"),
    ("bytelist", "QByteArrayList"),
    ("bits", "QBitArray"),
    ("qchar", "QChar"),
    ("i8", "qint8"),
    ("u8", "uchar"),
    ("i16", "short"),
    ("u16", "ushort"),
    ("i32", "int"),
    ("u32", "uint"),
    ("i64", "qlonglong"),
    ("u64", "qulonglong"),
    ("f32", "float"),
    ("f64", "double"),
    ("variant", "QVariant"),
];
