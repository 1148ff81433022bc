//! The Qt → Rust type mapping, and name resolution of enums, flags and PODs.

use std::collections::HashMap;

use crate::core::typename::normalize_type;
use crate::core::typename::template_args;
use crate::rep::{Class, Enum, RepFile};

use super::names::{self, Names};

/// Where a type name is looked up: enums of the enclosing class or POD come first.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Scope<'a> {
    /// Inside a class.
    Class(&'a Class),
    /// Inside the POD with this name.
    Pod(&'a str),
}

impl Scope<'_> {
    fn name(&self) -> Option<&str> {
        match self {
            Scope::Class(c) => Some(&c.name),
            Scope::Pod(p) => Some(p),
        }
    }
}

/// One Rust enum variant (or alias constant) of a .rep enum key.
#[derive(Debug, Clone)]
pub(crate) struct Variant {
    /// Key as written.
    pub key: String,
    /// Rust name.
    pub ident: String,
    /// Value as an integer literal of the enum's representation.
    pub literal: String,
    /// The earlier variant with the same value, for duplicate values.
    pub alias_of: Option<String>,
}

/// A .rep `ENUM` or `FLAG`.
#[derive(Debug, Clone)]
pub(crate) struct EnumInfo {
    /// Name in the .rep file.
    pub name: String,
    /// Enclosing class or POD.
    pub scope: Option<String>,
    /// Module holding the Rust type (the snake_cased scope), if scoped.
    pub module: Option<String>,
    /// Rust type name.
    pub rust_name: String,
    /// Name Qt registers (`Rich::Color`).
    pub qt_name: String,
    /// For a flag: index of its enum in [`Ctx::enums`].
    pub flag_of: Option<usize>,
    /// Rust representation (`i32`, `u8`, ...).
    pub repr: &'static str,
    /// Size in bytes.
    pub size: u32,
    /// `ENUM class`.
    pub scoped: bool,
    /// Keys in declaration order.
    pub variants: Vec<Variant>,
    /// The source `ENUM` (the flag's enum for a flag).
    pub def: Enum,
}

impl EnumInfo {
    /// Path from the top level of the generated file.
    pub(crate) fn path(&self) -> String {
        match &self.module {
            Some(m) => format!("{m}::{}", self.rust_name),
            None => self.rust_name.clone(),
        }
    }
}

/// A .rep `POD`.
#[derive(Debug, Clone)]
pub(crate) struct PodInfo {
    /// Rust type name.
    pub rust_name: String,
}

/// What a mapped type is, as far as default values care.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Kind {
    Bool,
    /// An integer of this Rust type.
    Int(&'static str),
    /// `f32` / `f64`.
    Float(&'static str),
    String,
    Bytes,
    /// Index into [`Ctx::enums`].
    Enum(usize),
    /// Index into [`Ctx::enums`] (the flag record).
    Flag(usize),
    Orientation,
    RawEnum,
    Pod,
    Vec,
    Map,
    /// `QVariant`, or a type without a Rust mapping.
    Value,
    /// A type with a fixed default expression (dates, times) or tuples.
    Other,
}

/// A Qt type mapped to Rust.
#[derive(Debug, Clone)]
pub(crate) struct Mapped {
    /// The Rust type, with paths valid at the top level of the generated file.
    pub rust: String,
    pub kind: Kind,
    /// The Rust type implements `Default`.
    pub has_default: bool,
    /// Usable as a map key (`Ord + Eq + Hash`).
    pub key: bool,
    /// The expression of the type's default value.
    pub default: String,
    /// Set when (part of) the type has no Rust mapping and is kept as a `Value`.
    pub unmapped: Option<String>,
}

impl Mapped {
    fn simple(rust: &str, kind: Kind, key: bool, default: &str) -> Mapped {
        Mapped { rust: rust.into(), kind, has_default: true, key, default: default.into(), unmapped: None }
    }

    fn value(unmapped: Option<String>) -> Mapped {
        Mapped {
            rust: "qtro::core::Value".into(),
            kind: Kind::Value,
            has_default: false,
            key: false,
            default: "qtro::core::Value::Invalid".into(),
            unmapped,
        }
    }
}

/// Everything the generator knows about the names of a file.
pub(crate) struct Ctx<'a> {
    pub file: &'a RepFile,
    pub enums: Vec<EnumInfo>,
    pub pods: HashMap<String, PodInfo>,
}

/// The Rust representation of an enum with the given underlying type.
fn repr_of(e: &Enum) -> &'static str {
    let Some(t) = e.underlying_type.as_deref() else { return "i32" };
    match normalize_type(t).as_str() {
        "char" | "signed char" | "qint8" | "int8_t" | "std::int8_t" => "i8",
        "uchar" | "unsigned char" | "quint8" | "uint8_t" | "std::uint8_t" | "bool" => "u8",
        "short" | "qint16" | "int16_t" | "std::int16_t" => "i16",
        "ushort" | "unsigned short" | "quint16" | "uint16_t" | "std::uint16_t" | "char16_t" => "u16",
        "uint" | "unsigned int" | "unsigned" | "quint32" | "uint32_t" | "std::uint32_t" | "char32_t" => "u32",
        "qlonglong" | "qint64" | "int64_t" | "std::int64_t" | "long" | "long long" => "i64",
        "qulonglong" | "quint64" | "uint64_t" | "std::uint64_t" | "ulong" | "unsigned long long" => "u64",
        _ => "i32",
    }
}

/// `value` as a literal of the Rust integer type `repr` (wrapped like a C++ conversion).
fn int_literal(value: i64, repr: &str) -> String {
    match repr {
        "i8" => (value as i8).to_string(),
        "u8" => (value as u8).to_string(),
        "i16" => (value as i16).to_string(),
        "u16" => (value as u16).to_string(),
        "u32" => (value as u32).to_string(),
        "u64" => (value as u64).to_string(),
        "i64" => value.to_string(),
        _ => (value as i32).to_string(),
    }
}

fn enum_info(e: &Enum, scope: Option<&str>) -> EnumInfo {
    let repr = repr_of(e);
    let mut names = Names::default();
    let mut seen: HashMap<String, String> = HashMap::new();
    let variants = e
        .keys
        .iter()
        .map(|k| {
            let ident = names.claim(names::ident(&names::type_name(&k.name)));
            let literal = int_literal(k.value as i64, repr);
            let alias_of = seen.get(&literal).cloned();
            seen.entry(literal.clone()).or_insert_with(|| ident.clone());
            Variant { key: k.name.clone(), ident, literal, alias_of }
        })
        .collect();
    EnumInfo {
        name: e.name.clone(),
        scope: scope.map(str::to_owned),
        module: scope.map(module_name),
        rust_name: names::type_name(&e.name),
        qt_name: match scope {
            Some(s) => format!("{s}::{}", e.name),
            None => e.name.clone(),
        },
        flag_of: None,
        repr,
        size: e.byte_size(),
        scoped: e.scoped,
        variants,
        def: e.clone(),
    }
}

/// The module holding the enums of class or POD `scope`.
pub(crate) fn module_name(scope: &str) -> String {
    names::ident(&names::snake(scope))
}

impl<'a> Ctx<'a> {
    pub(crate) fn new(file: &'a RepFile) -> Ctx<'a> {
        let mut ctx = Ctx { file, enums: Vec::new(), pods: HashMap::new() };
        let add = |ctx: &mut Ctx, enums: &[Enum], flags: &[crate::rep::Flag], scope: Option<&str>| {
            let first = ctx.enums.len();
            ctx.enums.extend(enums.iter().map(|e| enum_info(e, scope)));
            for f in flags {
                let Some(i) = enums.iter().position(|e| e.name == f.enum_name) else { continue };
                let mut info = enum_info(&enums[i], scope);
                info.name = f.name.clone();
                info.rust_name = names::type_name(&f.name);
                info.qt_name = match scope {
                    Some(s) => format!("{s}::{}", f.name),
                    None => f.name.clone(),
                };
                info.flag_of = Some(first + i);
                info.size = 4;
                ctx.enums.push(info);
            }
        };
        add(&mut ctx, &file.enums, &file.flags, None);
        for p in &file.pods {
            add(&mut ctx, &p.enums, &p.flags, Some(&p.name));
            ctx.pods.insert(p.name.clone(), PodInfo { rust_name: names::type_name(&p.name) });
        }
        for c in &file.classes {
            add(&mut ctx, &c.enums, &c.flags, Some(&c.name));
        }
        ctx
    }

    /// Enums and flags declared in `scope` (class or POD name; `None` for global).
    pub(crate) fn enums_in(&self, scope: Option<&str>) -> impl Iterator<Item = (usize, &EnumInfo)> {
        let scope = scope.map(str::to_owned);
        self.enums.iter().enumerate().filter(move |(_, e)| e.scope == scope)
    }

    /// Finds the enum or flag a type word names.
    pub(crate) fn find_enum(&self, word: &str, scope: Scope) -> Option<usize> {
        if let Some((prefix, last)) = word.rsplit_once("::") {
            return self.enums.iter().position(|e| e.scope.as_deref() == Some(prefix) && e.name == last);
        }
        let own = scope.name();
        if let Some(i) =
            own.and_then(|s| self.enums.iter().position(|e| e.scope.as_deref() == Some(s) && e.name == word))
        {
            return Some(i);
        }
        if let Some(i) = self.enums.iter().position(|e| e.scope.is_none() && e.name == word) {
            return Some(i);
        }
        // repc's tables are global too: accept an unqualified name declared in exactly one scope.
        let mut matches = self.enums.iter().enumerate().filter(|(_, e)| e.name == word);
        match (matches.next(), matches.next()) {
            (Some((i, _)), None) => Some(i),
            _ => None,
        }
    }

    /// Maps a .rep type (as written) to Rust.
    pub(crate) fn map(&self, ty: &str, scope: Scope) -> Mapped {
        let n = normalize_type(ty);
        let n = n.strip_suffix('&').unwrap_or(&n);
        self.map_normalized(n, scope)
    }

    fn map_normalized(&self, ty: &str, scope: Scope) -> Mapped {
        let ty = ty.trim();
        if ty.ends_with('*') {
            return Mapped::value(Some(ty.to_owned()));
        }
        if let Some((base, args)) = template_args(ty) {
            let args: Vec<Mapped> = args.iter().map(|a| self.map_normalized(a, scope)).collect();
            return map_template(ty, base, &args);
        }
        self.map_named(ty, scope)
    }

    /// Maps a type name that is not a template: a Qt type, or a type the file declares.
    fn map_named(&self, ty: &str, scope: Scope) -> Mapped {
        let int = |t: &'static str| Mapped::simple(t, Kind::Int(t), true, "0");
        let core = |t: &str, default: &str| Mapped::simple(&format!("qtro::core::{t}"), Kind::Other, false, default);
        match ty {
            "bool" => Mapped::simple("bool", Kind::Bool, true, "false"),
            "int" | "qint32" | "signed int" => int("i32"),
            "uint" | "quint32" | "unsigned int" | "unsigned" => int("u32"),
            "qlonglong" | "qint64" | "long long" | "long" | "signed long" => int("i64"),
            "qulonglong" | "quint64" | "unsigned long long" | "ulong" | "unsigned long" => int("u64"),
            "short" | "qint16" | "signed short" => int("i16"),
            "ushort" | "quint16" | "unsigned short" | "QChar" | "char16_t" => int("u16"),
            "char" | "signed char" | "qint8" => int("i8"),
            "uchar" | "quint8" | "unsigned char" => int("u8"),
            "char32_t" => int("u32"),
            "double" | "qreal" => Mapped::simple("f64", Kind::Float("f64"), false, "0.0"),
            "float" => Mapped::simple("f32", Kind::Float("f32"), false, "0.0"),
            "QString" | "QUrl" => Mapped::simple("String", Kind::String, true, "String::new()"),
            "QByteArray" => Mapped::simple("qtro::typed::Bytes", Kind::Bytes, true, "qtro::typed::Bytes::new()"),
            "QStringList" => Mapped::simple("Vec<String>", Kind::Vec, false, "Vec::new()"),
            "QByteArrayList" => Mapped::simple("Vec<qtro::typed::Bytes>", Kind::Vec, false, "Vec::new()"),
            "QVariantList" => Mapped::simple("Vec<qtro::core::Value>", Kind::Vec, false, "Vec::new()"),
            "QVariantMap" => Mapped::simple(
                "std::collections::BTreeMap<String, qtro::core::Value>",
                Kind::Map,
                false,
                "std::collections::BTreeMap::new()",
            ),
            "QVariantHash" => Mapped::simple(
                "std::collections::HashMap<String, qtro::core::Value>",
                Kind::Map,
                false,
                "std::collections::HashMap::new()",
            ),
            "QVariantPair" => Mapped {
                rust: "(qtro::core::Value, qtro::core::Value)".into(),
                kind: Kind::Other,
                has_default: false,
                key: false,
                default: "(qtro::core::Value::Invalid, qtro::core::Value::Invalid)".into(),
                unmapped: None,
            },
            "QVariant" => Mapped::value(None),
            "QBitArray" => Mapped::simple("Vec<bool>", Kind::Vec, false, "Vec::new()"),
            "QDate" => Mapped { has_default: false, key: true, ..core("QDate", "qtro::core::QDate::NULL") },
            "QTime" => Mapped { has_default: false, key: true, ..core("QTime", "qtro::core::QTime::NULL") },
            "QDateTime" => Mapped { has_default: false, ..core("QDateTime", "qtro::core::QDateTime::null()") },
            "QPoint" => core("Point", "qtro::core::Point::default()"),
            "QPointF" => core("PointF", "qtro::core::PointF::default()"),
            "QSize" => core("Size", "qtro::core::Size::default()"),
            "QSizeF" => core("SizeF", "qtro::core::SizeF::default()"),
            "QRect" => core("Rect", "qtro::core::Rect::default()"),
            "QRectF" => core("RectF", "qtro::core::RectF::default()"),
            "QLine" => core("Line", "qtro::core::Line::default()"),
            "QLineF" => core("LineF", "qtro::core::LineF::default()"),
            "QUuid" => Mapped::simple("[u8; 16]", Kind::Other, true, "[0; 16]"),
            "Qt::Orientation" => Mapped::simple(
                "qtro::typed::qt::Orientation",
                Kind::Orientation,
                true,
                "qtro::typed::qt::Orientation::Horizontal",
            ),
            word => self.map_declared(word, scope),
        }
    }

    /// Maps an enum, flag or POD of the file, or a `USE_ENUM` type; anything else is kept as a
    /// `Value`.
    fn map_declared(&self, word: &str, scope: Scope) -> Mapped {
        if let Some(i) = self.find_enum(word, scope) {
            let e = &self.enums[i];
            let kind = if e.flag_of.is_some() { Kind::Flag(i) } else { Kind::Enum(i) };
            let default = format!("{}::default()", e.path());
            return Mapped { rust: e.path(), kind, has_default: true, key: true, default, unmapped: None };
        }
        if let Some(p) = self.pods.get(word) {
            let default = format!("{}::default()", p.rust_name);
            return Mapped {
                rust: p.rust_name.clone(),
                kind: Kind::Pod,
                has_default: true,
                key: false,
                default,
                unmapped: None,
            };
        }
        if self.file.use_enums.iter().any(|u| normalize_type(u) == word) {
            return Mapped::simple("qtro::typed::RawEnum", Kind::RawEnum, true, "qtro::typed::RawEnum(0)");
        }
        Mapped::value(Some(word.to_owned()))
    }

    /// The Rust expression of a .rep default value for a property of type `m`, or `None` when
    /// the expression has no Rust translation.
    pub(crate) fn default_expr(&self, m: &Mapped, text: &str) -> Option<String> {
        let text = text.trim();
        match &m.kind {
            Kind::Bool => matches!(text, "true" | "false").then(|| text.to_owned()),
            Kind::Int(rt) => {
                let v = parse_int(text)?;
                let fits = match *rt {
                    "i8" => i8::try_from(v).is_ok(),
                    "u8" => u8::try_from(v).is_ok(),
                    "i16" => i16::try_from(v).is_ok(),
                    "u16" => u16::try_from(v).is_ok(),
                    "i32" => i32::try_from(v).is_ok(),
                    "u32" => u32::try_from(v).is_ok(),
                    "i64" => i64::try_from(v).is_ok(),
                    _ => u64::try_from(v).is_ok(),
                };
                fits.then(|| v.to_string())
            }
            Kind::Float(_) => {
                let t = text.trim_end_matches(['f', 'F', 'l', 'L']);
                let v: f64 = t.parse().ok().or_else(|| parse_int(text).map(|i| i as f64))?;
                v.is_finite().then(|| format!("{v:?}"))
            }
            Kind::String => Some(format!("String::from({})", string_literal(text)?)),
            Kind::Bytes => {
                let lit = string_literal(text)?;
                lit.is_ascii().then(|| format!("qtro::typed::Bytes::from_static(b{lit})"))
            }
            Kind::Enum(i) => {
                let e = &self.enums[*i];
                let key = text.rsplit("::").next()?.trim();
                let v = e.variants.iter().find(|v| v.key == key)?;
                Some(format!("{}::{}", e.path(), v.ident))
            }
            Kind::Flag(i) => {
                let flag = &self.enums[*i];
                let e = &self.enums[flag.flag_of?];
                if matches!(text, "0" | "{}") || text.ends_with("()") {
                    return Some(format!("{}::empty()", flag.path()));
                }
                let mut out = String::new();
                for (n, term) in text.split('|').enumerate() {
                    let key = term.trim().rsplit("::").next()?.trim();
                    let v = e.variants.iter().find(|v| v.key == key)?;
                    let item = format!("{}::{}", e.path(), v.ident);
                    if n == 0 {
                        out = format!("{}::from({item})", flag.path());
                    } else {
                        out.push_str(&format!(" | {item}"));
                    }
                }
                Some(out)
            }
            Kind::Orientation => match text.rsplit("::").next()? {
                "Horizontal" => Some("qtro::typed::qt::Orientation::Horizontal".into()),
                "Vertical" => Some("qtro::typed::qt::Orientation::Vertical".into()),
                _ => None,
            },
            Kind::RawEnum => {
                parse_int(text).and_then(|v| i32::try_from(v).ok()).map(|v| format!("qtro::typed::RawEnum({v})"))
            }
            _ => None,
        }
    }
}

/// A C++ integer literal (decimal, hex, octal, binary, with suffixes, or a character literal).
fn parse_int(text: &str) -> Option<i128> {
    let t = text.trim();
    if let Some(c) = t.strip_prefix('\'').and_then(|t| t.strip_suffix('\'')) {
        let mut chars = c.chars();
        let ch = chars.next()?;
        return (chars.next().is_none() && ch.is_ascii() && ch != '\\').then_some(ch as i128);
    }
    let (neg, t) = match t.strip_prefix('-') {
        Some(rest) => (true, rest.trim_start()),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let t = t.trim_end_matches(['u', 'U', 'l', 'L']).replace('\'', "");
    let v = if let Some(h) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        i128::from_str_radix(h, 16).ok()?
    } else if let Some(b) = t.strip_prefix("0b").or_else(|| t.strip_prefix("0B")) {
        i128::from_str_radix(b, 2).ok()?
    } else if t.len() > 1 && t.starts_with('0') {
        i128::from_str_radix(&t[1..], 8).ok()?
    } else {
        t.parse().ok()?
    };
    Some(if neg { -v } else { v })
}

/// A C++ string literal (optionally wrapped in `QStringLiteral(...)`, `QString(...)`,
/// `QByteArray(...)` or `QLatin1String(...)`) as a Rust string literal, if its escapes mean the
/// same in Rust.
fn string_literal(text: &str) -> Option<String> {
    let mut t = text.trim();
    for wrapper in
        ["QStringLiteral(", "QString(", "QByteArray(", "QByteArrayLiteral(", "QLatin1String(", "QLatin1StringView("]
    {
        if let Some(inner) = t.strip_prefix(wrapper).and_then(|r| r.strip_suffix(')')) {
            t = inner.trim();
        }
    }
    let t = t.strip_prefix('u').unwrap_or(t);
    let body = t.strip_prefix('"')?.strip_suffix('"')?;
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' if !matches!(chars.next()?, '\\' | '"' | '\'' | 'n' | 't' | 'r' | '0') => return None,
            '"' => return None,
            _ => {}
        }
    }
    Some(format!("\"{body}\""))
}

/// Maps the container `ty` (`base<args>`) from its mapped arguments.
fn map_template(ty: &str, base: &str, args: &[Mapped]) -> Mapped {
    let unmapped = args.iter().find_map(|a| a.unmapped.clone());
    match (base, args) {
        ("QList" | "QVector" | "QSet" | "QQueue" | "QStack" | "std::vector" | "std::list", [elem]) => Mapped {
            rust: format!("Vec<{}>", elem.rust),
            kind: Kind::Vec,
            has_default: true,
            key: false,
            default: "Vec::new()".into(),
            unmapped,
        },
        ("QMap" | "QMultiMap" | "std::map", [k, v]) if k.key => Mapped {
            rust: format!("std::collections::BTreeMap<{}, {}>", k.rust, v.rust),
            kind: Kind::Map,
            has_default: true,
            key: false,
            default: "std::collections::BTreeMap::new()".into(),
            unmapped,
        },
        ("QHash" | "QMultiHash" | "std::unordered_map", [k, v]) if k.key => Mapped {
            rust: format!("std::collections::HashMap<{}, {}>", k.rust, v.rust),
            kind: Kind::Map,
            has_default: true,
            key: false,
            default: "std::collections::HashMap::new()".into(),
            unmapped,
        },
        ("QPair" | "std::pair", [a, b]) => Mapped {
            rust: format!("({}, {})", a.rust, b.rust),
            kind: Kind::Other,
            has_default: a.has_default && b.has_default,
            key: a.key && b.key,
            default: format!("({}, {})", a.default, b.default),
            unmapped,
        },
        _ => Mapped::value(Some(ty.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals() {
        assert_eq!(parse_int("0x20"), Some(32));
        assert_eq!(parse_int("-7"), Some(-7));
        assert_eq!(parse_int("10u"), Some(10));
        assert_eq!(parse_int("017"), Some(15));
        assert_eq!(parse_int("'c'"), Some(99));
        assert_eq!(parse_int("x"), None);
        assert_eq!(string_literal("\"a = b, c\""), Some("\"a = b, c\"".into()));
        assert_eq!(string_literal("QStringLiteral(\"x\\n\")"), Some("\"x\\n\"".into()));
        assert_eq!(string_literal("\"\\x41\""), None);
    }

    #[test]
    fn maps_types() {
        let file = crate::rep::parse(
            "ENUM Status { A, B }\nPOD Pt(int x)\nclass Cc {\n ENUM Color { Red }\n PROP(int a)\n}\n",
        )
        .unwrap();
        let ctx = Ctx::new(&file);
        let c = Scope::Class(&file.classes[0]);
        assert_eq!(ctx.map("QList<Pt>", c).rust, "Vec<Pt>");
        assert_eq!(ctx.map("QMap<QString, Color>", c).rust, "std::collections::BTreeMap<String, cc::Color>");
        assert_eq!(ctx.map("const QList<int> &", c).rust, "Vec<i32>");
        assert_eq!(ctx.map("Cc::Color", c).rust, "cc::Color");
        assert_eq!(ctx.map("Status", c).rust, "Status");
        assert_eq!(ctx.map("QMap<double, int>", c).rust, "qtro::core::Value");
        assert_eq!(ctx.map("Unknown", c).unmapped.as_deref(), Some("Unknown"));
    }
}
