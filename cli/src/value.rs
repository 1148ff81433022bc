//! The value syntax of `qtro`: how values are typed on the command line, printed, and mapped to
//! JSON.
//!
//! Text syntax (see the README for the full table):
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
//! Values are converted to the declared type of the property or parameter when it is known,
//! strictly: `1.5` is refused for an `int`, `42` for a `QString` (write `"42"` or `str:42`).
//! Printing uses the same syntax and adds the `TYPE:` prefix only where the plain form would read
//! back as another type (so `get` then `set` round-trips).

use bytes::Bytes;
use serde_json::{json, Map as JsonMap, Value as Json};

use qtro_rs::core::classdef::{ClassDefinition, GadgetDef};
use qtro_rs::core::gui::{Color, Image};
use qtro_rs::core::value::JsonValue;
use qtro_rs::core::{
    Assoc, BitArray, Builtin, EnumValue, Gadget, Line, LineF, Point, PointF, QDate, QDateTime, QTime, Rect, RectF, Sequence,
    Size, SizeF, TimeSpec, Value,
};
use qtro_rs::node::parameter_types;

/// A parsed literal, before it is converted to a declared type.
#[derive(Debug, Clone, PartialEq)]
pub enum Lit {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    /// A quoted string.
    Str(String),
    /// An unquoted word that is not a number or keyword.
    Word(String),
    List(Vec<Lit>),
    Map(Vec<(String, Lit)>),
    /// `TYPE:VALUE`, with the canonical type name.
    Typed(String, Box<Lit>),
}

/// One enum (or flag) type an interface declares.
#[derive(Debug, Clone, PartialEq)]
pub struct EnumInfo {
    /// Full name, e.g. `Interop::Color`.
    pub name: String,
    pub keys: Vec<(String, i64)>,
    pub size: u8,
    pub is_flag: bool,
}

/// The user types (enums, gadgets) of the interface values belong to.
#[derive(Debug, Clone, Default)]
pub struct TypeCtx {
    pub enums: Vec<EnumInfo>,
    pub gadgets: Vec<GadgetDef>,
}

fn last_segment(name: &str) -> &str {
    name.rsplit("::").next().unwrap_or(name)
}

impl TypeCtx {
    /// Enums and gadgets of a class definition (as received by a dynamic replica or built from a
    /// .rep file).
    pub fn from_definition(def: &ClassDefinition) -> TypeCtx {
        let scope = def.type_name.as_deref().filter(|t| !t.is_empty());
        let mut ctx = TypeCtx::default();
        let mut add = |scope: Option<&str>, e: &qtro_rs::core::classdef::EnumDef| {
            let name = match scope {
                Some(s) => format!("{s}::{}", e.name),
                None => e.name.clone(),
            };
            let size = match e.size {
                1 | 2 | 4 | 8 => e.size as u8,
                _ => 4,
            };
            ctx.enums.push(EnumInfo { name, keys: e.keys.iter().map(|(k, v)| (k.clone(), *v as i64)).collect(), size, is_flag: e.is_flag });
        };
        for e in &def.enums {
            add(scope, e);
        }
        for g in &def.gadgets.gadgets {
            for e in &g.enums {
                add(Some(&g.name), e);
            }
        }
        ctx.gadgets = def.gadgets.gadgets.iter().filter(|g| !g.properties.is_empty()).cloned().collect();
        ctx
    }

    /// Adds the enums and PODs of a .rep file (class enums scoped by the class name).
    pub fn add_rep(&mut self, file: &qtro_rs::rep::RepFile, class: &qtro_rs::rep::Class) {
        let mut add = |name: String, e: &qtro_rs::rep::Enum| {
            self.enums.push(EnumInfo {
                name,
                keys: e.keys.iter().map(|k| (k.name.clone(), k.value as i64)).collect(),
                size: e.byte_size() as u8,
                is_flag: false,
            })
        };
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
        self.enums.iter().find(|e| e.name == ty).or_else(|| self.enums.iter().find(|e| last_segment(&e.name) == last_segment(ty)))
    }

    pub fn gadget_for(&self, ty: &str) -> Option<&GadgetDef> {
        self.gadgets.iter().find(|g| g.name == ty).or_else(|| self.gadgets.iter().find(|g| last_segment(&g.name) == last_segment(ty)))
    }

    /// The canonical type name for a `TYPE:` prefix, if it denotes a type.
    pub fn canonical(&self, name: &str) -> Option<String> {
        if let Some((_, c)) = ALIASES.iter().find(|(a, _)| *a == name) {
            return Some((*c).to_owned());
        }
        if Builtin::from_name(name).is_some() || template_parts(name).is_some() {
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

/// `QList<T>` → ("QList", ["T"]).
fn template_parts(name: &str) -> Option<(&str, Vec<String>)> {
    let open = name.find('<')?;
    if !name.ends_with('>') {
        return None;
    }
    let base = &name[..open];
    if !matches!(base, "QList" | "QVector" | "QSet" | "QMap" | "QHash" | "QPair" | "std::pair" | "std::vector" | "std::map") {
        return None;
    }
    let args = parameter_types(&format!("x({})", &name[open + 1..name.len() - 1]));
    Some((base, args))
}

// ---- parsing ------------------------------------------------------------------------------

const DELIMS: &[char] = &[',', ']', '}'];

struct Parser<'a> {
    s: &'a str,
    pos: usize,
    ctx: &'a TypeCtx,
}

impl<'a> Parser<'a> {
    fn rest(&self) -> &'a str {
        &self.s[self.pos..]
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn ws(&mut self) {
        let t = self.rest().trim_start();
        self.pos = self.s.len() - t.len();
    }

    fn err(&self, msg: impl std::fmt::Display) -> String {
        if self.pos >= self.s.len() {
            format!("{msg} at the end of {:?}", self.s)
        } else {
            format!("{msg} at column {} of {:?}", self.s[..self.pos].chars().count() + 1, self.s)
        }
    }

    fn expect(&mut self, c: char) -> Result<(), String> {
        self.ws();
        if self.peek() == Some(c) {
            self.pos += c.len_utf8();
            Ok(())
        } else {
            Err(self.err(format!("expected '{c}'")))
        }
    }

    fn value(&mut self) -> Result<Lit, String> {
        self.ws();
        match self.peek() {
            None => Err(self.err("expected a value")),
            Some('"') => Ok(Lit::Str(self.string()?)),
            Some('[') => self.list(),
            Some('{') => self.map(),
            Some(c) if DELIMS.contains(&c) => Err(self.err(format!("unexpected '{c}'"))),
            Some(_) => {
                if let Some((ty, after)) = self.typed_prefix() {
                    self.pos = after;
                    if self.peek().is_none_or(|c| c.is_whitespace() || DELIMS.contains(&c)) {
                        return Err(self.err(format!("expected a value after '{ty}:'")));
                    }
                    // Text-like types take the rest of the token verbatim (`str:42` is "42").
                    let textual = matches!(ty.as_str(), "QString" | "QUrl" | "QByteArray" | "QUuid" | "QDate" | "QTime" | "QDateTime" | "QBitArray");
                    let inner = if textual && !self.rest().starts_with(['"', '[', '{']) { Lit::Word(self.token().to_owned()) } else { self.value()? };
                    return Ok(Lit::Typed(ty, Box::new(inner)));
                }
                let tok = self.token();
                Ok(word(tok))
            }
        }
    }

    /// A bare token: up to whitespace or a delimiter.
    fn token(&mut self) -> &'a str {
        let rest = self.rest();
        let end = rest.find(|c: char| c.is_whitespace() || DELIMS.contains(&c)).unwrap_or(rest.len());
        self.pos += end;
        &rest[..end]
    }

    /// `TYPE:` at the current position, if TYPE is a known type name.
    fn typed_prefix(&self) -> Option<(String, usize)> {
        let rest = self.rest();
        let b = rest.as_bytes();
        let mut i = 0;
        let mut depth = 0i32;
        while i < b.len() {
            let c = b[i] as char;
            if c.is_ascii_alphanumeric() || c == '_' {
                i += 1;
            } else if c == ':' && b.get(i + 1) == Some(&b':') {
                i += 2;
            } else if c == '<' {
                depth += 1;
                i += 1;
            } else if c == '>' && depth > 0 {
                depth -= 1;
                i += 1;
            } else if (c == ',' || c == '*' || c == ' ') && depth > 0 {
                i += 1;
            } else {
                break;
            }
        }
        if i == 0 || depth != 0 || b.get(i) != Some(&b':') {
            return None;
        }
        let name = &rest[..i];
        let canonical = self.ctx.canonical(name)?;
        Some((canonical, self.pos + i + 1))
    }

    fn string(&mut self) -> Result<String, String> {
        // Find the closing quote, honouring escapes, and let serde_json decode the escapes.
        let rest = self.rest();
        let b = rest.as_bytes();
        let mut i = 1;
        while i < b.len() {
            match b[i] {
                b'\\' => i += 2,
                b'"' => {
                    let text = &rest[..=i];
                    let s: String = serde_json::from_str(text).map_err(|e| self.err(format!("bad string ({e})")))?;
                    self.pos += i + 1;
                    return Ok(s);
                }
                _ => i += 1,
            }
        }
        Err(self.err("unterminated string"))
    }

    fn list(&mut self) -> Result<Lit, String> {
        self.expect('[')?;
        let mut items = Vec::new();
        loop {
            self.ws();
            if self.peek() == Some(']') {
                self.pos += 1;
                return Ok(Lit::List(items));
            }
            items.push(self.value()?);
            self.ws();
            match self.peek() {
                Some(',') => self.pos += 1,
                Some(']') => {}
                _ => return Err(self.err("expected ',' or ']'")),
            }
        }
    }

    fn map(&mut self) -> Result<Lit, String> {
        self.expect('{')?;
        let mut entries = Vec::new();
        loop {
            self.ws();
            match self.peek() {
                Some('}') => {
                    self.pos += 1;
                    return Ok(Lit::Map(entries));
                }
                Some('"') => {
                    let k = self.string()?;
                    self.expect(':')?;
                    entries.push((k, self.value()?));
                }
                Some(_) => {
                    let rest = self.rest();
                    let end = rest.find(|c: char| !(c.is_alphanumeric() || "_-.$".contains(c))).unwrap_or(rest.len());
                    if end == 0 {
                        return Err(self.err("expected a key"));
                    }
                    self.pos += end;
                    self.expect(':')?;
                    entries.push((rest[..end].to_owned(), self.value()?));
                }
                None => return Err(self.err("expected '}'")),
            }
            self.ws();
            match self.peek() {
                Some(',') => self.pos += 1,
                Some('}') => {}
                _ => return Err(self.err("expected ',' or '}'")),
            }
        }
    }
}

/// A bare token: keyword, number or word.
fn word(tok: &str) -> Lit {
    match tok {
        "true" => return Lit::Bool(true),
        "false" => return Lit::Bool(false),
        "null" => return Lit::Null,
        _ => {}
    }
    let (neg, digits) = match tok.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, tok.strip_prefix('+').unwrap_or(tok)),
    };
    let int = if let Some(hex) = digits.strip_prefix("0x").or_else(|| digits.strip_prefix("0X")) {
        i128::from_str_radix(hex, 16).ok()
    } else if !digits.is_empty() && digits.bytes().all(|c| c.is_ascii_digit()) {
        digits.parse::<i128>().ok()
    } else {
        None
    };
    if let Some(i) = int {
        return Lit::Int(if neg { -i } else { i });
    }
    let lower = digits.to_ascii_lowercase();
    let floaty = digits.starts_with(|c: char| c.is_ascii_digit() || c == '.') || matches!(lower.as_str(), "inf" | "infinity" | "nan");
    if floaty {
        if let Ok(f) = tok.parse::<f64>() {
            return Lit::Float(f);
        }
    }
    Lit::Word(tok.to_owned())
}

/// Parses exactly one value (surrounding blanks allowed).
pub fn parse(text: &str, ctx: &TypeCtx) -> Result<Lit, String> {
    let mut p = Parser { s: text, pos: 0, ctx };
    let v = p.value()?;
    p.ws();
    if p.pos < text.len() {
        return Err(p.err("unexpected text after the value (quote strings that contain blanks)"));
    }
    Ok(v)
}

/// Parses a command-line argument: one value, or — when that fails and the text does not start
/// like a structured value — the whole argument as a string (so `"hello world"` passed as one
/// shell word works without inner quotes).
pub fn parse_arg(text: &str, ctx: &TypeCtx) -> Result<Lit, String> {
    match parse(text, ctx) {
        Ok(v) => Ok(v),
        Err(e) => {
            let t = text.trim_start();
            if t.starts_with(['"', '[', '{']) || t.is_empty() {
                Err(e)
            } else {
                let p = Parser { s: text, pos: 0, ctx };
                if p.typed_prefix().is_some() {
                    Err(e)
                } else {
                    Ok(Lit::Word(text.to_owned()))
                }
            }
        }
    }
}

/// Parses blank-separated values (a script line's arguments).
pub fn parse_many(text: &str, ctx: &TypeCtx) -> Result<Vec<Lit>, String> {
    let mut p = Parser { s: text, pos: 0, ctx };
    let mut out = Vec::new();
    loop {
        p.ws();
        if p.pos >= text.len() {
            return Ok(out);
        }
        out.push(p.value()?);
        if let Some(c) = p.peek() {
            if !c.is_whitespace() {
                return Err(p.err("expected a blank between values"));
            }
        }
    }
}

// ---- conversion ---------------------------------------------------------------------------

fn describe(lit: &Lit) -> String {
    match lit {
        Lit::Null => "null".into(),
        Lit::Bool(b) => format!("the boolean {b}"),
        Lit::Int(i) => format!("the integer {i}"),
        Lit::Float(f) => format!("the number {f:?}"),
        Lit::Str(s) => format!("the string {s:?}"),
        Lit::Word(w) => format!("the word {w:?}"),
        Lit::List(_) => "a list".into(),
        Lit::Map(_) => "a map".into(),
        Lit::Typed(t, _) => format!("a {t}"),
    }
}

fn is_variant_type(ty: Option<&str>) -> bool {
    match ty {
        None => true,
        Some(t) => t.is_empty() || t == "QVariant",
    }
}

/// Converts a literal to a value of the declared type `ty` (`None`/`QVariant`: its natural type).
pub fn to_value(lit: &Lit, ty: Option<&str>, ctx: &TypeCtx) -> Result<Value, String> {
    if let Lit::Typed(explicit, inner) = lit {
        let v = to_value(inner, Some(explicit), ctx)?;
        return match ty {
            t if is_variant_type(t) => Ok(v),
            Some(t) => fit(v, t, ctx),
            None => unreachable!(),
        };
    }
    let Some(ty) = ty.filter(|t| !is_variant_type(Some(t))) else { return natural(lit, ctx) };
    // `size_t`, `int64_t`, `QList<qsizetype>` …: the type Qt streams for them.
    let canonical = qtro_rs::core::convert::canonical_type_name(ty);
    let ty = canonical.as_ref();
    if let Some(e) = ctx.enum_for(ty) {
        return enum_value(lit, e);
    }
    if let Some(g) = ctx.gadget_for(ty) {
        return gadget_value(lit, g, ctx);
    }
    if let Some(b) = Builtin::from_name(ty) {
        return builtin(lit, b, ty, ctx);
    }
    if let Some((base, args)) = template_parts(ty) {
        return template_value(lit, ty, base, &args, ctx);
    }
    // A type we know nothing about: the natural value is the best guess.
    natural(lit, ctx)
}

/// An already-built value converted to a declared type (for explicitly typed literals).
fn fit(v: Value, ty: &str, ctx: &TypeCtx) -> Result<Value, String> {
    if same_type(ty, &v, ctx) {
        return Ok(v);
    }
    if let Some(e) = ctx.enum_for(ty) {
        if let Some(i) = v.as_i64() {
            return Ok(Value::Enum(EnumValue { type_name: e.name.clone(), value: i, size: e.size }));
        }
    }
    if let Some(b) = Builtin::from_name(ty) {
        let numeric = |v: &Value| v.as_f64().is_some() && !matches!(v, Value::Bool(_));
        if numeric(&v) && is_number_type(b) {
            let c = qtro_rs::node::coerce(v.clone(), ty);
            if Builtin::from_name(c.type_name()) == Some(b) {
                return Ok(c);
            }
            return Err(format!("{} does not fit in {ty}", format(&v, None, ctx)));
        }
    }
    Err(format!("expected a value of type {ty}, got {} ({})", format(&v, None, ctx), v.type_name()))
}

fn is_number_type(b: Builtin) -> bool {
    use Builtin::*;
    matches!(b, Int | UInt | LongLong | ULongLong | Double | Long | Short | Char | ULong | UShort | UChar | Float | SChar)
}

fn natural(lit: &Lit, ctx: &TypeCtx) -> Result<Value, String> {
    Ok(match lit {
        Lit::Null => Value::Invalid,
        Lit::Bool(b) => Value::Bool(*b),
        Lit::Int(i) => {
            if let Ok(v) = i32::try_from(*i) {
                Value::Int(v)
            } else if let Ok(v) = i64::try_from(*i) {
                Value::LongLong(v)
            } else if let Ok(v) = u64::try_from(*i) {
                Value::ULongLong(v)
            } else {
                return Err(format!("the integer {i} is too large"));
            }
        }
        Lit::Float(f) => Value::Double(*f),
        Lit::Str(s) | Lit::Word(s) => Value::string(s.clone()),
        Lit::List(items) => Value::List(items.iter().map(|i| to_value(i, None, ctx)).collect::<Result<_, _>>()?),
        Lit::Map(entries) => {
            Value::map(entries.iter().map(|(k, v)| Ok((k.clone(), to_value(v, None, ctx)?))).collect::<Result<Vec<_>, String>>()?)
        }
        Lit::Typed(..) => to_value(lit, None, ctx)?,
    })
}

fn int_in<T: TryFrom<i128>>(lit: &Lit, ty: &str) -> Result<T, String> {
    match lit {
        Lit::Int(i) => T::try_from(*i).map_err(|_| format!("{i} is out of range for {ty}")),
        other => Err(format!("expected an integer for {ty}, got {}", describe(other))),
    }
}

fn float_of(lit: &Lit, ty: &str) -> Result<f64, String> {
    match lit {
        Lit::Int(i) => Ok(*i as f64),
        Lit::Float(f) => Ok(*f),
        other => Err(format!("expected a number for {ty}, got {}", describe(other))),
    }
}

fn text_of<'l>(lit: &'l Lit, ty: &str) -> Result<Option<&'l str>, String> {
    match lit {
        Lit::Str(s) | Lit::Word(s) => Ok(Some(s)),
        Lit::Null => Ok(None),
        other => Err(format!("expected a string for {ty}, got {} (quote it, e.g. \"42\")", describe(other))),
    }
}

fn numbers(lit: &Lit, ty: &str, n: usize) -> Result<Vec<f64>, String> {
    match lit {
        Lit::List(items) if items.len() == n => items.iter().map(|i| float_of(i, ty)).collect(),
        other => Err(format!("expected a list of {n} numbers for {ty}, got {}", describe(other))),
    }
}

fn ints(lit: &Lit, ty: &str, n: usize) -> Result<Vec<i32>, String> {
    match lit {
        Lit::List(items) if items.len() == n => items.iter().map(|i| int_in::<i32>(i, ty)).collect(),
        other => Err(format!("expected a list of {n} integers for {ty}, got {}", describe(other))),
    }
}

fn builtin(lit: &Lit, b: Builtin, ty: &str, ctx: &TypeCtx) -> Result<Value, String> {
    use Builtin as B;
    Ok(match b {
        B::Variant => natural(lit, ctx)?,
        B::Bool => match lit {
            Lit::Bool(v) => Value::Bool(*v),
            other => return Err(format!("expected true or false for bool, got {}", describe(other))),
        },
        B::Int => Value::Int(int_in(lit, ty)?),
        B::UInt => Value::UInt(int_in(lit, ty)?),
        B::LongLong => Value::LongLong(int_in(lit, ty)?),
        B::ULongLong => Value::ULongLong(int_in(lit, ty)?),
        B::Long => Value::Long(int_in(lit, ty)?),
        B::ULong => Value::ULong(int_in(lit, ty)?),
        B::Short => Value::Short(int_in(lit, ty)?),
        B::UShort => Value::UShort(int_in(lit, ty)?),
        B::Char => Value::Char(int_in(lit, ty)?),
        B::SChar => Value::SChar(int_in(lit, ty)?),
        B::UChar => Value::UChar(int_in(lit, ty)?),
        B::Char16 => Value::Char16(int_in(lit, ty)?),
        B::Char32 => Value::Char32(int_in(lit, ty)?),
        B::Double => Value::Double(float_of(lit, ty)?),
        B::Float => Value::Float(float_of(lit, ty)? as f32),
        B::QChar => match lit {
            Lit::Int(_) => Value::QChar(int_in(lit, ty)?),
            _ => {
                let s = text_of(lit, ty)?.unwrap_or_default();
                let units: Vec<u16> = s.encode_utf16().collect();
                match units.as_slice() {
                    [u] => Value::QChar(*u),
                    _ => return Err(format!("expected one UTF-16 character for QChar, got {s:?}")),
                }
            }
        },
        B::QString => Value::String(text_of(lit, ty)?.map(str::to_owned)),
        B::ByteArray => Value::ByteArray(bytes_of(lit)?),
        B::Url => Value::Url(text_of(lit, ty)?.unwrap_or_default().to_owned()),
        B::Uuid => match text_of(lit, ty)? {
            Some(s) => Value::Uuid(parse_uuid(s)?),
            None => Value::Uuid([0; 16]),
        },
        B::StringList => match lit {
            Lit::List(items) => Value::StringList(items.iter().map(|i| text_of(i, "QString").map(|s| s.map(str::to_owned))).collect::<Result<_, _>>()?),
            other => return Err(format!("expected a list of strings for QStringList, got {}", describe(other))),
        },
        B::ByteArrayList => match lit {
            Lit::List(items) => Value::ByteArrayList(items.iter().map(bytes_of).collect::<Result<_, _>>()?),
            other => return Err(format!("expected a list for QByteArrayList, got {}", describe(other))),
        },
        B::VariantList => match lit {
            Lit::List(_) => natural(lit, ctx)?,
            other => return Err(format!("expected a list for QVariantList, got {}", describe(other))),
        },
        B::VariantMap | B::VariantHash => match lit {
            Lit::Map(_) => {
                let Value::Map(m) = natural(lit, ctx)? else { unreachable!() };
                if b == B::VariantHash {
                    Value::Hash(m)
                } else {
                    Value::Map(m)
                }
            }
            other => return Err(format!("expected a map for {ty}, got {}", describe(other))),
        },
        B::VariantPair => match lit {
            Lit::List(items) if items.len() == 2 => Value::Pair(Box::new(natural(&items[0], ctx)?), Box::new(natural(&items[1], ctx)?)),
            other => return Err(format!("expected a list of two values for {ty}, got {}", describe(other))),
        },
        B::BitArray => {
            let s = text_of(lit, ty)?.unwrap_or_default();
            if !s.chars().all(|c| c == '0' || c == '1') {
                return Err(format!("expected a string of 0s and 1s for QBitArray, got {s:?}"));
            }
            Value::BitArray(BitArray::from_bools(s.chars().map(|c| c == '1')))
        }
        B::Date => match text_of(lit, ty)? {
            None => Value::Date(QDate::NULL),
            Some(s) => Value::Date(parse_date(s)?),
        },
        B::Time => match text_of(lit, ty)? {
            None => Value::Time(QTime::NULL),
            Some(s) => Value::Time(parse_time(s)?),
        },
        B::DateTime => match text_of(lit, ty)? {
            None => Value::DateTime(QDateTime::null()),
            Some(s) => Value::DateTime(parse_datetime(s)?),
        },
        B::Point => {
            let v = ints(lit, ty, 2)?;
            Value::Point(Point { x: v[0], y: v[1] })
        }
        B::Size => {
            let v = ints(lit, ty, 2)?;
            Value::Size(Size { width: v[0], height: v[1] })
        }
        B::Rect => {
            let v = ints(lit, ty, 4)?;
            Value::Rect(Rect::new(v[0], v[1], v[2], v[3]))
        }
        B::Line => {
            let v = ints(lit, ty, 4)?;
            Value::Line(Line { x1: v[0], y1: v[1], x2: v[2], y2: v[3] })
        }
        B::PointF => {
            let v = numbers(lit, ty, 2)?;
            Value::PointF(PointF { x: v[0], y: v[1] })
        }
        B::SizeF => {
            let v = numbers(lit, ty, 2)?;
            Value::SizeF(SizeF { width: v[0], height: v[1] })
        }
        B::RectF => {
            let v = numbers(lit, ty, 4)?;
            Value::RectF(RectF { x: v[0], y: v[1], width: v[2], height: v[3] })
        }
        B::LineF => {
            let v = numbers(lit, ty, 4)?;
            Value::LineF(LineF { x1: v[0], y1: v[1], x2: v[2], y2: v[3] })
        }
        B::Color => Value::Color(color_of(lit)?),
        B::Polygon => Value::Polygon(list_of(lit, ty, |i| ints(i, "QPoint", 2).map(|v| Point { x: v[0], y: v[1] }))?),
        B::PolygonF => Value::PolygonF(list_of(lit, ty, |i| numbers(i, "QPointF", 2).map(|v| PointF { x: v[0], y: v[1] }))?),
        B::Region => Value::Region(list_of(lit, ty, |i| ints(i, "QRect", 4).map(|v| Rect::new(v[0], v[1], v[2], v[3])))?),
        B::Transform => Value::Transform(numbers(lit, ty, 9)?.try_into().expect("9 numbers")),
        B::Matrix4x4 => Value::Matrix4x4(Box::new(floats32(lit, ty, 16)?.try_into().expect("16 numbers"))),
        B::Vector2D => Value::Vector2D(floats32(lit, ty, 2)?.try_into().expect("2 numbers")),
        B::Vector3D => Value::Vector3D(floats32(lit, ty, 3)?.try_into().expect("3 numbers")),
        B::Vector4D => Value::Vector4D(floats32(lit, ty, 4)?.try_into().expect("4 numbers")),
        B::Quaternion => Value::Quaternion(floats32(lit, ty, 4)?.try_into().expect("4 numbers")),
        B::KeySequence => {
            let keys = list_of(lit, ty, |i| int_in::<u32>(i, "key code"))?;
            if keys.len() > 4 {
                return Err(format!("a QKeySequence has at most 4 keys, got {}", keys.len()));
            }
            Value::KeySequence(keys)
        }
        B::Image | B::Pixmap => {
            let image = Image { png: bytes_of(lit)? };
            if image.png.as_ref().is_some_and(|p| !p.starts_with(b"\x89PNG\r\n\x1a\n")) {
                return Err(format!("expected a PNG image (hex:…, b64:… or null) for {ty}"));
            }
            if b == B::Image {
                Value::Image(image)
            } else {
                Value::Pixmap(image)
            }
        }
        B::JsonValue => Value::JsonValue(match lit {
            Lit::Null => JsonValue::Null,
            Lit::Word(w) if w == "undefined" => JsonValue::Undefined,
            Lit::Bool(b) => JsonValue::Bool(*b),
            Lit::Int(_) | Lit::Float(_) => JsonValue::Double(float_of(lit, ty)?),
            Lit::Str(t) | Lit::Word(t) => JsonValue::String(Some(t.clone())),
            Lit::List(_) => JsonValue::Array(lit_json(lit).to_string()),
            Lit::Map(_) => JsonValue::Object(lit_json(lit).to_string()),
            Lit::Typed(..) => return Err(format!("expected a JSON value for {ty}")),
        }),
        B::JsonObject => match lit {
            Lit::Map(_) => Value::JsonObject(lit_json(lit).to_string()),
            other => return Err(format!("expected a map for {ty}, got {}", describe(other))),
        },
        B::JsonArray => match lit {
            Lit::List(_) => Value::JsonArray(lit_json(lit).to_string()),
            other => return Err(format!("expected a list for {ty}, got {}", describe(other))),
        },
        B::JsonDocument => match lit {
            Lit::Null => Value::JsonDocument(None),
            Lit::List(_) | Lit::Map(_) => Value::JsonDocument(Some(lit_json(lit).to_string())),
            other => return Err(format!("expected a map, a list or null for {ty}, got {}", describe(other))),
        },
        B::CborValue | B::CborArray | B::CborMap => {
            let Some(cbor) = bytes_of(lit)? else { return Err(format!("expected CBOR bytes (hex:… or b64:…) for {ty}")) };
            match b {
                B::CborValue => Value::CborValue(cbor),
                B::CborArray => Value::CborArray(cbor),
                _ => Value::CborMap(cbor),
            }
        }
        B::CborSimpleType => Value::CborSimpleType(int_in(lit, ty)?),
        B::Brush => Value::Brush(Box::new(from_fields(lit, ty)?)),
        B::Pen => Value::Pen(Box::new(from_fields(lit, ty)?)),
        B::Font => Value::Font(Box::new(from_fields(lit, ty)?)),
        // `Builtin` is `#[non_exhaustive]`: a type the library gained before this syntax did.
        _ => return Err(format!("values of type {ty} cannot be written yet")),
    })
}

/// A list literal, element by element.
fn list_of<T>(lit: &Lit, ty: &str, item: impl Fn(&Lit) -> Result<T, String>) -> Result<Vec<T>, String> {
    match lit {
        Lit::List(items) => items.iter().map(item).collect(),
        other => Err(format!("expected a list for {ty}, got {}", describe(other))),
    }
}

fn floats32(lit: &Lit, ty: &str, n: usize) -> Result<Vec<f32>, String> {
    Ok(numbers(lit, ty, n)?.into_iter().map(|f| f as f32).collect())
}

/// `#rrggbb`, `#aarrggbb` (Qt's `QColor::name(HexArgb)`), `invalid`, or the streamed fields
/// `{spec: …, alpha: …, components: [c1, c2, c3, c4]}` for the other color specs.
fn color_of(lit: &Lit) -> Result<Color, String> {
    if let Lit::Map(_) = lit {
        return from_fields(lit, "QColor");
    }
    let text = match lit {
        Lit::Str(t) | Lit::Word(t) => t.as_str(),
        other => return Err(format!("expected #rrggbb, #aarrggbb, invalid or {{spec, alpha, components}} for QColor, got {}", describe(other))),
    };
    if text == "invalid" {
        return Ok(Color::INVALID);
    }
    let hex = text.strip_prefix('#').filter(|h| (h.len() == 6 || h.len() == 8) && h.bytes().all(|b| b.is_ascii_hexdigit()));
    let Some(hex) = hex else { return Err(format!("expected #rrggbb or #aarrggbb for QColor, got {text:?}")) };
    let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex digits");
    Ok(if hex.len() == 6 { Color::rgba(byte(0), byte(2), byte(4), 255) } else { Color::rgba(byte(2), byte(4), byte(6), byte(0)) })
}

/// A value given by its streamed fields (QBrush, QPen, QFont, QColor): a map literal read as
/// JSON into the type's fields.
fn from_fields<T: serde::de::DeserializeOwned>(lit: &Lit, ty: &str) -> Result<T, String> {
    serde_json::from_value(lit_json(lit)).map_err(|e| format!("not a {ty} ({e}): expected its fields, as `qtro get` prints them"))
}

/// A literal as JSON (lists, maps, numbers, text, booleans, null).
fn lit_json(lit: &Lit) -> Json {
    match lit {
        Lit::Null => Json::Null,
        Lit::Bool(b) => json!(b),
        Lit::Int(i) => i64::try_from(*i).map(|v| json!(v)).unwrap_or_else(|_| json!(*i as f64)),
        Lit::Float(f) => json!(f),
        Lit::Str(t) | Lit::Word(t) => json!(t),
        Lit::List(items) => Json::Array(items.iter().map(lit_json).collect()),
        Lit::Map(entries) => Json::Object(entries.iter().map(|(k, v)| (k.clone(), lit_json(v))).collect()),
        Lit::Typed(_, inner) => lit_json(inner),
    }
}

/// The text form of a color: `#rrggbb` / `#aarrggbb` for 8-bit RGB, else its fields.
fn color_text(c: &Color) -> Option<String> {
    if *c == Color::INVALID {
        return Some("invalid".into());
    }
    let exact = c.components[..3].iter().chain([&c.alpha]).all(|v| v % 0x101 == 0) && c.components[3] == 0;
    let (r, g, b, a) = c.to_rgba8().filter(|_| exact)?;
    Some(if a == 255 { format!("#{r:02x}{g:02x}{b:02x}") } else { format!("#{a:02x}{r:02x}{g:02x}{b:02x}") })
}

fn bytes_of(lit: &Lit) -> Result<Option<Bytes>, String> {
    match lit {
        Lit::Null => Ok(None),
        Lit::Str(s) => Ok(Some(Bytes::from(s.clone().into_bytes()))),
        Lit::Word(w) => {
            if let Some(h) = w.strip_prefix("hex:") {
                hex_decode(h).map(|b| Some(Bytes::from(b)))
            } else if let Some(b) = w.strip_prefix("b64:").or_else(|| w.strip_prefix("base64:")) {
                base64_decode(b).map(|b| Some(Bytes::from(b)))
            } else {
                Ok(Some(Bytes::from(w.clone().into_bytes())))
            }
        }
        other => Err(format!("expected bytes (\"text\", hex:00ff or b64:AAE=) for QByteArray, got {}", describe(other))),
    }
}

fn enum_value(lit: &Lit, e: &EnumInfo) -> Result<Value, String> {
    let key_value = |k: &str| -> Result<i64, String> {
        let k = last_segment(k.trim());
        e.keys.iter().find(|(n, _)| n == k).map(|(_, v)| *v).ok_or_else(|| {
            let keys: Vec<&str> = e.keys.iter().map(|(n, _)| n.as_str()).collect();
            format!("{k:?} is not a key of {} (keys: {})", e.name, keys.join(", "))
        })
    };
    let value = match lit {
        Lit::Int(i) => i64::try_from(*i).map_err(|_| format!("{i} is out of range for {}", e.name))?,
        Lit::Str(s) | Lit::Word(s) => {
            let mut v = 0;
            for part in s.split('|') {
                v |= key_value(part)?;
            }
            v
        }
        other => return Err(format!("expected a key or integer of {}, got {}", e.name, describe(other))),
    };
    Ok(Value::Enum(EnumValue { type_name: e.name.clone(), value, size: e.size }))
}

fn gadget_value(lit: &Lit, g: &GadgetDef, ctx: &TypeCtx) -> Result<Value, String> {
    let fields = match lit {
        Lit::List(items) if items.len() == g.properties.len() => {
            items.iter().zip(&g.properties).map(|(i, (_, t))| to_value(i, Some(t), ctx)).collect::<Result<Vec<_>, _>>()?
        }
        Lit::Map(entries) => {
            for (k, _) in entries {
                if !g.properties.iter().any(|(n, _)| n == k) {
                    return Err(format!("{} has no field {k:?}", g.name));
                }
            }
            g.properties
                .iter()
                .map(|(n, t)| match entries.iter().find(|(k, _)| k == n) {
                    Some((_, v)) => to_value(v, Some(t), ctx),
                    None => Err(format!("missing field {n:?} of {}", g.name)),
                })
                .collect::<Result<Vec<_>, _>>()?
        }
        other => return Err(format!("expected a map or a list of {} fields for {}, got {}", g.properties.len(), g.name, describe(other))),
    };
    Ok(Value::Gadget(Gadget { type_name: g.name.clone(), fields }))
}

fn template_value(lit: &Lit, ty: &str, base: &str, args: &[String], ctx: &TypeCtx) -> Result<Value, String> {
    let ty = ty.replace(' ', "");
    match (base, args) {
        ("QList" | "QVector" | "QSet" | "std::vector", [elem]) => match lit {
            Lit::List(items) => Ok(Value::Sequence(Sequence {
                type_name: ty,
                items: items.iter().map(|i| to_value(i, Some(elem), ctx)).collect::<Result<_, _>>()?,
            })),
            other => Err(format!("expected a list for {ty}, got {}", describe(other))),
        },
        ("QMap" | "QHash" | "std::map", [k, v]) => {
            let entries = match lit {
                Lit::Map(e) => e
                    .iter()
                    .map(|(key, val)| {
                        let key_lit = if Builtin::from_name(k) == Some(Builtin::QString) { Lit::Str(key.clone()) } else { word(key) };
                        Ok((to_value(&key_lit, Some(k), ctx)?, to_value(val, Some(v), ctx)?))
                    })
                    .collect::<Result<Vec<_>, String>>()?,
                Lit::List(pairs) => pairs
                    .iter()
                    .map(|p| match p {
                        Lit::List(kv) if kv.len() == 2 => Ok((to_value(&kv[0], Some(k), ctx)?, to_value(&kv[1], Some(v), ctx)?)),
                        other => Err(format!("expected [key, value] pairs for {ty}, got {}", describe(other))),
                    })
                    .collect::<Result<Vec<_>, String>>()?,
                other => return Err(format!("expected a map for {ty}, got {}", describe(other))),
            };
            Ok(Value::Assoc(Assoc { type_name: ty, entries }))
        }
        _ => natural(lit, ctx),
    }
}

/// Does `v` already have the declared type `ty`?
fn same_type(ty: &str, v: &Value, ctx: &TypeCtx) -> bool {
    let v = v.without_null_flag();
    if let Some(e) = ctx.enum_for(ty) {
        return matches!(v, Value::Enum(x) if last_segment(&x.type_name) == last_segment(&e.name));
    }
    match (Builtin::from_name(ty), Builtin::from_name(v.type_name())) {
        (Some(a), Some(b)) => a == b,
        _ => last_segment(ty) == last_segment(v.type_name()) || ty.replace(' ', "") == v.type_name(),
    }
}

// ---- printing -----------------------------------------------------------------------------

/// Does the plain text of `v` read back as the same type without a `TYPE:` prefix?
fn is_natural(v: &Value) -> bool {
    match v {
        Value::Invalid | Value::Bool(_) | Value::Int(_) | Value::Double(_) | Value::String(_) | Value::List(_) | Value::Map(_) => true,
        Value::LongLong(i) => i32::try_from(*i).is_err(),
        Value::ULongLong(u) => i64::try_from(*u).is_err(),
        Value::Null(inner) | Value::Variant(inner) => is_natural(inner),
        _ => false,
    }
}

/// The prefix that makes the text of `v` read back as its type.
fn prefix(v: &Value) -> String {
    let alias = match v {
        Value::SChar(_) => "qint8",
        Value::QChar(_) => "qchar",
        Value::ByteArray(_) => "bytes",
        Value::BitArray(_) => "bits",
        Value::Date(_) => "date",
        Value::Time(_) => "time",
        Value::DateTime(_) => "datetime",
        Value::Url(_) => "url",
        Value::Uuid(_) => "uuid",
        Value::Point(_) => "point",
        Value::PointF(_) => "pointf",
        Value::Size(_) => "size",
        Value::SizeF(_) => "sizef",
        Value::Rect(_) => "rect",
        Value::RectF(_) => "rectf",
        Value::Line(_) => "line",
        Value::LineF(_) => "linef",
        other => return other.type_name().to_owned(),
    };
    alias.to_owned()
}

/// Prints a value in the text syntax; `declared` (the property or parameter type) drops
/// prefixes that the declared type makes redundant and turns enum integers into key names.
pub fn format(v: &Value, declared: Option<&str>, ctx: &TypeCtx) -> String {
    let v = v.without_null_flag();
    if let Value::Variant(inner) = v {
        return format(inner, declared, ctx);
    }
    let declared = declared.filter(|d| !is_variant_type(Some(d)));
    if let Some(e) = declared.and_then(|d| ctx.enum_for(d)) {
        if let Some(i) = v.as_i64().filter(|_| !matches!(v, Value::Bool(_))) {
            return enum_text(e, i);
        }
    }
    let body = plain(v, ctx);
    if declared.is_some_and(|d| same_type(d, v, ctx)) || is_natural(v) {
        body
    } else {
        format!("{}:{body}", prefix(v))
    }
}

fn enum_text(e: &EnumInfo, value: i64) -> String {
    if let Some((k, _)) = e.keys.iter().find(|(_, v)| *v == value) {
        return k.clone();
    }
    if e.is_flag && value != 0 {
        let mut rest = value;
        let mut parts = Vec::new();
        for (k, v) in &e.keys {
            if *v != 0 && rest & v == *v {
                parts.push(k.as_str());
                rest &= !v;
            }
        }
        if rest == 0 {
            return parts.join("|");
        }
    }
    value.to_string()
}

fn quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("{s:?}"))
}

/// A word-like payload printed bare when it reads back as one word, else quoted.
fn wordish(s: &str) -> String {
    let bare = !s.is_empty()
        && !s.contains(|c: char| c.is_whitespace() || DELIMS.contains(&c) || "\"[{".contains(c))
        && matches!(word(s), Lit::Word(_));
    if bare {
        s.to_owned()
    } else {
        quote(s)
    }
}

fn float_text(f: f64) -> String {
    if f.is_nan() {
        "nan".into()
    } else if f.is_infinite() {
        if f > 0.0 { "inf".into() } else { "-inf".into() }
    } else {
        format!("{f:?}")
    }
}

fn float32_text(f: f32) -> String {
    if f.is_finite() {
        format!("{f:?}")
    } else {
        float_text(f as f64)
    }
}

fn bytes_text(b: &Option<Bytes>) -> String {
    match b {
        None => "null".into(),
        Some(b) => match std::str::from_utf8(b) {
            Ok(s) if !s.chars().any(|c| c.is_control() && c != '\n' && c != '\t') => quote(s),
            _ => format!("hex:{}", hex_encode(b)),
        },
    }
}

fn join(items: impl IntoIterator<Item = String>) -> String {
    format!("[{}]", items.into_iter().collect::<Vec<_>>().join(", "))
}

fn plain(v: &Value, ctx: &TypeCtx) -> String {
    match v {
        Value::Invalid => "null".into(),
        Value::Null(inner) | Value::Variant(inner) => plain(inner, ctx),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::UInt(i) => i.to_string(),
        Value::LongLong(i) | Value::Long(i) => i.to_string(),
        Value::ULongLong(i) | Value::ULong(i) => i.to_string(),
        Value::Short(i) => i.to_string(),
        Value::UShort(i) => i.to_string(),
        Value::Char(i) | Value::SChar(i) => i.to_string(),
        Value::UChar(i) => i.to_string(),
        Value::Char16(i) => i.to_string(),
        Value::Char32(i) => i.to_string(),
        Value::Double(f) => float_text(*f),
        Value::Float(f) => float32_text(*f),
        Value::QChar(c) => quote(&String::from_utf16_lossy(&[*c])),
        Value::String(s) => quote(s.as_deref().unwrap_or("")),
        Value::ByteArray(b) => bytes_text(b),
        Value::StringList(items) => join(items.iter().map(|s| quote(s.as_deref().unwrap_or("")))),
        Value::ByteArrayList(items) => join(items.iter().map(bytes_text)),
        Value::List(items) => join(items.iter().map(|i| format(i, None, ctx))),
        Value::Map(entries) | Value::Hash(entries) => {
            let items: Vec<String> = entries.iter().map(|(k, v)| format!("{}: {}", quote(k), format(v, None, ctx))).collect();
            format!("{{{}}}", items.join(", "))
        }
        Value::Pair(a, b) => join([format(a, None, ctx), format(b, None, ctx)]),
        Value::BitArray(b) => quote(&(0..b.len()).map(|i| if b.get(i) { '1' } else { '0' }).collect::<String>()),
        Value::Date(d) => date_text(*d),
        Value::Time(t) => time_text(*t),
        Value::DateTime(dt) => datetime_text(dt),
        Value::Url(u) => wordish(u),
        Value::Uuid(u) => uuid_text(u),
        Value::Point(p) => join([p.x.to_string(), p.y.to_string()]),
        Value::PointF(p) => join([float_text(p.x), float_text(p.y)]),
        Value::Size(s) => join([s.width.to_string(), s.height.to_string()]),
        Value::SizeF(s) => join([float_text(s.width), float_text(s.height)]),
        Value::Rect(r) => join([r.left.to_string(), r.top.to_string(), r.width().to_string(), r.height().to_string()]),
        Value::RectF(r) => join([float_text(r.x), float_text(r.y), float_text(r.width), float_text(r.height)]),
        Value::Line(l) => join([l.x1, l.y1, l.x2, l.y2].map(|i| i.to_string())),
        Value::LineF(l) => join([l.x1, l.y1, l.x2, l.y2].map(float_text)),
        Value::Enum(e) => match ctx.enum_for(&e.type_name) {
            Some(info) => enum_text(info, e.value),
            None => e.value.to_string(),
        },
        Value::Gadget(g) => match ctx.gadget_for(&g.type_name).filter(|d| d.properties.len() == g.fields.len()) {
            Some(def) => {
                let items: Vec<String> =
                    def.properties.iter().zip(&g.fields).map(|((n, t), v)| format!("{}: {}", quote(n), format(v, Some(t), ctx))).collect();
                format!("{{{}}}", items.join(", "))
            }
            None => join(g.fields.iter().map(|f| format(f, None, ctx))),
        },
        Value::Struct(s) => join(s.fields.iter().map(|f| format(f, None, ctx))),
        Value::Sequence(s) => {
            let elem = template_parts(&s.type_name).and_then(|(_, a)| a.into_iter().next());
            join(s.items.iter().map(|i| format(i, elem.as_deref(), ctx)))
        }
        Value::Assoc(a) => {
            let (kt, vt) = match template_parts(&a.type_name) {
                Some((_, args)) if args.len() == 2 => (Some(args[0].clone()), Some(args[1].clone())),
                _ => (None, None),
            };
            if a.entries.iter().all(|(k, _)| matches!(k.without_null_flag(), Value::String(_))) {
                let items: Vec<String> = a
                    .entries
                    .iter()
                    .map(|(k, v)| format!("{}: {}", quote(k.as_str().unwrap_or("")), format(v, vt.as_deref(), ctx)))
                    .collect();
                format!("{{{}}}", items.join(", "))
            } else {
                join(a.entries.iter().map(|(k, v)| join([format(k, kt.as_deref(), ctx), format(v, vt.as_deref(), ctx)])))
            }
        }
        Value::Remote(r) => join(r.parameters.iter().map(|p| format(p, None, ctx))),
        Value::GadgetSequence(s) => join(s.items.iter().map(|i| format(i, Some(&s.value_type_name), ctx))),
        Value::GadgetAssoc(a) => join(a.entries.iter().map(|(k, v)| join([format(k, Some(&a.key_type_name), ctx), format(v, Some(&a.value_type_name), ctx)]))),
        Value::Color(c) => color_text(c).map(|t| quote(&t)).unwrap_or_else(|| fields_text(c)),
        Value::Brush(b) => fields_text(b),
        Value::Pen(p) => fields_text(p),
        Value::Font(f) => fields_text(f),
        Value::Image(i) | Value::Pixmap(i) => bytes_text(&i.png),
        Value::Polygon(points) => join(points.iter().map(|p| join([p.x.to_string(), p.y.to_string()]))),
        Value::PolygonF(points) => join(points.iter().map(|p| join([float_text(p.x), float_text(p.y)]))),
        Value::Region(rects) => join(rects.iter().map(|r| join([r.left.to_string(), r.top.to_string(), r.width().to_string(), r.height().to_string()]))),
        Value::Transform(t) => join(t.iter().map(|f| float_text(*f))),
        Value::Matrix4x4(m) => join(m.iter().map(|f| float32_text(*f))),
        Value::Vector2D(v) => join(v.iter().map(|f| float32_text(*f))),
        Value::Vector3D(v) => join(v.iter().map(|f| float32_text(*f))),
        Value::Vector4D(v) | Value::Quaternion(v) => join(v.iter().map(|f| float32_text(*f))),
        Value::KeySequence(keys) => join(keys.iter().map(u32::to_string)),
        Value::JsonValue(j) => match j {
            JsonValue::Null => "null".into(),
            JsonValue::Undefined => "undefined".into(),
            JsonValue::Bool(b) => b.to_string(),
            JsonValue::Double(f) => float_text(*f),
            JsonValue::String(t) => quote(t.as_deref().unwrap_or("")),
            JsonValue::Array(t) | JsonValue::Object(t) => t.clone(),
        },
        Value::JsonObject(t) | Value::JsonArray(t) => t.clone(),
        Value::JsonDocument(t) => t.clone().unwrap_or_else(|| "null".into()),
        Value::CborValue(b) | Value::CborArray(b) | Value::CborMap(b) => format!("hex:{}", hex_encode(b)),
        Value::CborSimpleType(t) => t.to_string(),
        // `Value` is `#[non_exhaustive]`: a type the library gained before this syntax did, shown
        // by its fields.
        other => fields_text(other),
    }
}

/// A value by its streamed fields, as a map (the form [`from_fields`] reads back).
fn fields_text<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".into())
}

// ---- JSON ---------------------------------------------------------------------------------

/// The JSON form of a value (`--json` output): plain JSON for booleans, numbers, strings, lists
/// and maps; `{"$type": T, "value": X}` for other types nested in containers; byte arrays as
/// `{"$type": "QByteArray", "base64": "…"}`; non-finite doubles as
/// `{"$type": "double", "value": "nan"}`. The top-level type is given separately (`"type"`).
pub fn to_json(v: &Value, ctx: &TypeCtx) -> Json {
    json_of(v, false, ctx)
}

fn json_natural(v: &Value) -> bool {
    match v {
        Value::Double(f) => f.is_finite(),
        Value::StringList(_) | Value::Hash(_) => false,
        other => is_natural(other),
    }
}

fn json_of(v: &Value, nested: bool, ctx: &TypeCtx) -> Json {
    let v = v.without_null_flag();
    if let Value::Variant(inner) = v {
        return json_of(inner, nested, ctx);
    }
    let body = match v {
        Value::Invalid => Json::Null,
        Value::Bool(b) => json!(b),
        Value::Double(f) if !f.is_finite() => return json!({"$type": "double", "value": float_text(*f)}),
        Value::Float(f) if !f.is_finite() => return json!({"$type": "float", "value": float32_text(*f)}),
        Value::Double(f) => json!(f),
        Value::Float(f) => json!(*f as f64),
        Value::String(s) => json!(s.as_deref().unwrap_or("")),
        Value::ByteArray(b) => {
            return match b {
                Some(b) => json!({"$type": "QByteArray", "base64": base64_encode(b)}),
                None => json!({"$type": "QByteArray", "value": null}),
            }
        }
        Value::StringList(items) => Json::Array(items.iter().map(|s| json!(s.as_deref().unwrap_or(""))).collect()),
        Value::ByteArrayList(items) => Json::Array(items.iter().map(|b| json_of(&Value::ByteArray(b.clone()), true, ctx)).collect()),
        Value::List(items) => Json::Array(items.iter().map(|i| json_of(i, true, ctx)).collect()),
        Value::Map(entries) | Value::Hash(entries) => {
            Json::Object(entries.iter().map(|(k, v)| (k.clone(), json_of(v, true, ctx))).collect::<JsonMap<_, _>>())
        }
        Value::Enum(e) => json!(e.value),
        Value::Gadget(g) => match ctx.gadget_for(&g.type_name).filter(|d| d.properties.len() == g.fields.len()) {
            Some(def) => Json::Object(def.properties.iter().zip(&g.fields).map(|((n, _), f)| (n.clone(), json_of(f, true, ctx))).collect()),
            None => Json::Array(g.fields.iter().map(|f| json_of(f, true, ctx)).collect()),
        },
        Value::Struct(s) => Json::Array(s.fields.iter().map(|f| json_of(f, true, ctx)).collect()),
        Value::Sequence(s) => Json::Array(s.items.iter().map(|f| json_of(f, true, ctx)).collect()),
        Value::GadgetSequence(s) => Json::Array(s.items.iter().map(|f| json_of(f, true, ctx)).collect()),
        Value::Assoc(a) if a.entries.iter().all(|(k, _)| matches!(k.without_null_flag(), Value::String(_))) => Json::Object(
            a.entries.iter().map(|(k, v)| (k.as_str().unwrap_or("").to_owned(), json_of(v, true, ctx))).collect(),
        ),
        Value::Assoc(a) => Json::Array(a.entries.iter().map(|(k, v)| json!([json_of(k, true, ctx), json_of(v, true, ctx)])).collect()),
        Value::GadgetAssoc(a) => Json::Array(a.entries.iter().map(|(k, v)| json!([json_of(k, true, ctx), json_of(v, true, ctx)])).collect()),
        Value::Pair(a, b) => json!([json_of(a, true, ctx), json_of(b, true, ctx)]),
        Value::Remote(r) => json!({
            "name": r.name, "type": r.type_name, "null": r.is_null,
            "parameters": r.parameters.iter().map(|p| json_of(p, true, ctx)).collect::<Vec<_>>(),
        }),
        Value::Point(_) | Value::PointF(_) | Value::Size(_) | Value::SizeF(_) | Value::Rect(_) | Value::RectF(_) | Value::Line(_) | Value::LineF(_) => {
            serde_json::from_str(&plain(v, ctx)).unwrap_or(Json::Null)
        }
        Value::Int(_) | Value::UInt(_) | Value::LongLong(_) | Value::ULongLong(_) | Value::Long(_) | Value::ULong(_) | Value::Short(_)
        | Value::UShort(_) | Value::Char(_) | Value::SChar(_) | Value::UChar(_) | Value::Char16(_) | Value::Char32(_) => {
            let text = plain(v, ctx);
            serde_json::from_str(&text).unwrap_or(Json::String(text))
        }
        Value::QChar(c) => json!(String::from_utf16_lossy(&[*c])),
        Value::BitArray(_) | Value::Date(_) | Value::Time(_) | Value::DateTime(_) | Value::Url(_) | Value::Uuid(_) => {
            let t = plain(v, ctx);
            json!(serde_json::from_str::<String>(&t).unwrap_or(t))
        }
        Value::Color(c) => match color_text(c) {
            Some(t) => json!(t),
            None => serde_json::to_value(c).unwrap_or(Json::Null),
        },
        Value::Brush(b) => serde_json::to_value(b).unwrap_or(Json::Null),
        Value::Pen(p) => serde_json::to_value(p).unwrap_or(Json::Null),
        Value::Font(f) => serde_json::to_value(f).unwrap_or(Json::Null),
        Value::Image(i) | Value::Pixmap(i) => {
            return match &i.png {
                Some(png) => json!({"$type": v.type_name(), "value": format!("b64:{}", base64_encode(png))}),
                None => json!({"$type": v.type_name(), "value": null}),
            }
        }
        Value::Polygon(_) | Value::PolygonF(_) | Value::Region(_) | Value::Transform(_) | Value::Matrix4x4(_) | Value::Vector2D(_)
        | Value::Vector3D(_) | Value::Vector4D(_) | Value::Quaternion(_) | Value::KeySequence(_) => {
            serde_json::from_str(&plain(v, ctx)).unwrap_or(Json::Null)
        }
        Value::JsonValue(JsonValue::Undefined) => return json!({"$type": "QJsonValue", "value": "undefined"}),
        Value::JsonValue(JsonValue::Double(f)) => json!(f),
        Value::JsonValue(JsonValue::Bool(b)) => json!(b),
        Value::JsonValue(JsonValue::Null) => Json::Null,
        Value::JsonValue(JsonValue::String(t)) => json!(t.as_deref().unwrap_or("")),
        Value::JsonValue(JsonValue::Array(t) | JsonValue::Object(t)) | Value::JsonObject(t) | Value::JsonArray(t) | Value::JsonDocument(Some(t)) => {
            serde_json::from_str(t).unwrap_or(Json::Null)
        }
        Value::JsonDocument(None) => Json::Null,
        Value::CborValue(b) | Value::CborArray(b) | Value::CborMap(b) => return json!({"$type": v.type_name(), "value": format!("b64:{}", base64_encode(b))}),
        Value::CborSimpleType(t) => json!(t),
        Value::Null(_) | Value::Variant(_) => unreachable!("unwrapped above"),
        // `Value` is `#[non_exhaustive]`: a type the library gained before this syntax did.
        other => serde_json::to_value(other).unwrap_or(Json::Null),
    };
    if nested && !json_natural(v) {
        json!({"$type": v.type_name(), "value": body})
    } else {
        body
    }
}

/// Reads a JSON value (from a `--values` file) as a literal: plain JSON takes its natural type,
/// `{"$type": T, "value": X}` gives exactly type T, `{"$type": "QByteArray", "base64"|"hex": …}`
/// a byte array.
pub fn json_to_lit(j: &Json, ctx: &TypeCtx) -> Result<Lit, String> {
    Ok(match j {
        Json::Null => Lit::Null,
        Json::Bool(b) => Lit::Bool(*b),
        Json::Number(n) => {
            if let Some(i) = n.as_i64() {
                Lit::Int(i as i128)
            } else if let Some(u) = n.as_u64() {
                Lit::Int(u as i128)
            } else {
                Lit::Float(n.as_f64().unwrap_or(f64::NAN))
            }
        }
        Json::String(s) => Lit::Str(s.clone()),
        Json::Array(a) => Lit::List(a.iter().map(|x| json_to_lit(x, ctx)).collect::<Result<_, _>>()?),
        Json::Object(o) => {
            if let Some(Json::String(t)) = o.get("$type") {
                let canonical = ctx.canonical(t).ok_or_else(|| format!("unknown type {t:?} in \"$type\""))?;
                let inner = if let Some(Json::String(b)) = o.get("base64") {
                    Lit::Word(format!("b64:{b}"))
                } else if let Some(Json::String(h)) = o.get("hex") {
                    Lit::Word(format!("hex:{h}"))
                } else {
                    match o.get("value") {
                        Some(Json::String(s)) if matches!(canonical.as_str(), "double" | "float") => word(s),
                        Some(v) => json_to_lit(v, ctx)?,
                        None => return Err(format!("{{\"$type\": {t:?}}} needs a \"value\"")),
                    }
                };
                Lit::Typed(canonical, Box::new(inner))
            } else {
                Lit::Map(o.iter().map(|(k, v)| Ok((k.clone(), json_to_lit(v, ctx)?))).collect::<Result<_, String>>()?)
            }
        }
    })
}

// ---- dates, uuids, encodings --------------------------------------------------------------

fn date_text(d: QDate) -> String {
    match d.ymd() {
        None => "null".into(),
        Some((y, m, day)) if (0..=9999).contains(&y) => format!("{y:04}-{m:02}-{day:02}"),
        Some((y, m, day)) => format!("{y}-{m:02}-{day:02}"),
    }
}

fn time_text(t: QTime) -> String {
    if t.is_null() {
        return "null".into();
    }
    let ms = t.msecs;
    let (h, m, s, f) = (ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000);
    if f == 0 {
        format!("{h:02}:{m:02}:{s:02}")
    } else {
        format!("{h:02}:{m:02}:{s:02}.{f:03}")
    }
}

fn offset_text(secs: i32) -> String {
    let sign = if secs < 0 { '-' } else { '+' };
    let a = secs.unsigned_abs();
    if a.is_multiple_of(60) {
        format!("{sign}{:02}:{:02}", a / 3600, a / 60 % 60)
    } else {
        format!("{sign}{:02}:{:02}:{:02}", a / 3600, a / 60 % 60, a % 60)
    }
}

fn datetime_text(dt: &QDateTime) -> String {
    if dt.date.is_null() && dt.time.is_null() {
        return "null".into();
    }
    let base = format!("{}T{}", date_text(dt.date), time_text(dt.time));
    match &dt.spec {
        TimeSpec::LocalTime => base,
        TimeSpec::Utc => format!("{base}Z"),
        TimeSpec::OffsetFromUtc(s) => format!("{base}{}", offset_text(*s)),
        TimeSpec::TimeZone(id) => format!("{base}[{id}]"),
        TimeSpec::UtcOffsetZone(z) => format!("{base}{}", offset_text(z.offset_seconds)),
    }
}

fn num<T: std::str::FromStr>(s: &str, what: &str, full: &str) -> Result<T, String> {
    s.parse().map_err(|_| format!("bad {what} in {full:?}"))
}

fn parse_date(s: &str) -> Result<QDate, String> {
    let bad = || format!("expected a date YYYY-MM-DD, got {s:?}");
    let (neg, body) = match s.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let parts: Vec<&str> = body.split('-').collect();
    let [y, m, d] = parts.as_slice() else { return Err(bad()) };
    let (y, m, d): (i32, u32, u32) = (num(y, "year", s)?, num(m, "month", s)?, num(d, "day", s)?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return Err(bad());
    }
    Ok(QDate::from_ymd(if neg { -y } else { y }, m, d))
}

fn parse_time(s: &str) -> Result<QTime, String> {
    let bad = || format!("expected a time HH:MM[:SS[.mmm]], got {s:?}");
    let (hms, frac) = match s.split_once('.') {
        Some((a, b)) => (a, Some(b)),
        None => (s, None),
    };
    let parts: Vec<&str> = hms.split(':').collect();
    let (h, m, sec) = match parts.as_slice() {
        [h, m] => (num::<u32>(h, "hour", s)?, num::<u32>(m, "minute", s)?, 0),
        [h, m, x] => (num(h, "hour", s)?, num(m, "minute", s)?, num(x, "second", s)?),
        _ => return Err(bad()),
    };
    let ms = match frac {
        None => 0,
        Some(f) if !f.is_empty() && f.len() <= 3 && f.bytes().all(|c| c.is_ascii_digit()) => num::<u32>(f, "milliseconds", s)? * 10u32.pow(3 - f.len() as u32),
        Some(_) => return Err(bad()),
    };
    if h > 23 || m > 59 || sec > 59 {
        return Err(bad());
    }
    Ok(QTime::from_hms_ms(h, m, sec, ms))
}

fn parse_datetime(s: &str) -> Result<QDateTime, String> {
    let (date, rest) = s.split_once(['T', ' ']).ok_or_else(|| format!("expected YYYY-MM-DDTHH:MM:SS[.mmm][Z|±HH:MM|[Zone]], got {s:?}"))?;
    let date = parse_date(date)?;
    let (time, spec) = if let Some(t) = rest.strip_suffix('Z') {
        (t, TimeSpec::Utc)
    } else if let Some(open) = rest.find('[') {
        let id = rest[open + 1..].strip_suffix(']').ok_or_else(|| format!("unterminated time zone in {s:?}"))?;
        (&rest[..open], TimeSpec::TimeZone(id.to_owned()))
    } else if let Some(pos) = rest.rfind(['+', '-']) {
        let off = &rest[pos + 1..];
        let parts: Vec<&str> = off.split(':').collect();
        let secs: i32 = match parts.as_slice() {
            [h, m] => num::<i32>(h, "offset", s)? * 3600 + num::<i32>(m, "offset", s)? * 60,
            [h, m, x] => num::<i32>(h, "offset", s)? * 3600 + num::<i32>(m, "offset", s)? * 60 + num::<i32>(x, "offset", s)?,
            _ => return Err(format!("bad UTC offset in {s:?}")),
        };
        (&rest[..pos], TimeSpec::OffsetFromUtc(if rest.as_bytes()[pos] == b'-' { -secs } else { secs }))
    } else {
        (rest, TimeSpec::LocalTime)
    };
    Ok(QDateTime { date, time: parse_time(time)?, spec })
}

fn uuid_text(u: &[u8; 16]) -> String {
    let h = hex_encode(u);
    format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}

fn parse_uuid(s: &str) -> Result<[u8; 16], String> {
    let h: String = s.trim_start_matches('{').trim_end_matches('}').chars().filter(|c| *c != '-').collect();
    let b = hex_decode(&h).map_err(|_| format!("expected a UUID, got {s:?}"))?;
    b.try_into().map_err(|_| format!("expected a UUID (32 hex digits), got {s:?}"))
}

pub fn hex_encode(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

pub fn hex_decode(s: &str) -> Result<Vec<u8>, String> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    if !s.len().is_multiple_of(2) || !s.bytes().all(|c| c.is_ascii_hexdigit()) {
        return Err(format!("bad hex digits {s:?}"));
    }
    Ok((0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("checked")).collect())
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

pub fn base64_encode(b: &[u8]) -> String {
    let mut out = String::new();
    for chunk in b.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |acc, (i, &x)| acc | (x as u32) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(B64[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

pub fn base64_decode(s: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0);
    for c in s.trim_end_matches('=').bytes() {
        let v = B64.iter().position(|&x| x == c).or(match c {
            b'-' => Some(62),
            b'_' => Some(63),
            _ => None,
        });
        let v = v.ok_or_else(|| format!("bad base64 text {s:?}"))? as u32;
        acc = acc << 6 | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> TypeCtx {
        TypeCtx {
            enums: vec![EnumInfo { name: "Interop::Color".into(), keys: vec![("Red".into(), 0), ("Green".into(), 3), ("Blue".into(), 4)], size: 4, is_flag: false }],
            gadgets: vec![GadgetDef { name: "Point3".into(), properties: vec![("x".into(), "int".into()), ("y".into(), "double".into())], enums: vec![] }],
        }
    }

    fn val(text: &str, ty: Option<&str>) -> Value {
        to_value(&parse(text, &ctx()).unwrap(), ty, &ctx()).unwrap()
    }

    #[test]
    fn natural_values() {
        assert_eq!(val("42", None), Value::Int(42));
        assert_eq!(val("-7", None), Value::Int(-7));
        assert_eq!(val("0x10", None), Value::Int(16));
        assert_eq!(val("5000000000", None), Value::LongLong(5_000_000_000));
        assert_eq!(val("-1.5", None), Value::Double(-1.5));
        assert_eq!(val("2.0", None), Value::Double(2.0));
        assert_eq!(val("true", None), Value::Bool(true));
        assert_eq!(val("\"a\\\"b\"", None), Value::string("a\"b"));
        assert_eq!(val("hello", None), Value::string("hello"));
        assert_eq!(val("null", None), Value::Invalid);
        assert_eq!(val("[1, \"a\"]", None), Value::List(vec![Value::Int(1), Value::string("a")]));
        assert_eq!(val("{\"k\": 1, b: 2.5}", None), Value::map([("k".into(), Value::Int(1)), ("b".into(), Value::Double(2.5))]));
        assert!(matches!(val("nan", None), Value::Double(f) if f.is_nan()));
    }

    #[test]
    fn typedefs_and_gui_types_have_a_spelling() {
        assert_eq!(val("3", Some("size_t")), Value::ULong(3));
        assert_eq!(val("-3", Some("qsizetype")), Value::LongLong(-3));
        assert!(to_value(&parse("-3", &ctx()).unwrap(), Some("size_t"), &ctx()).is_err());
        assert_eq!(val("[1, 2]", Some("QList<size_t>")), Value::Sequence(qtro_rs::core::Sequence { type_name: "QList<ulong>".into(), items: vec![Value::ULong(1), Value::ULong(2)] }));
        let red = val("\"#ff0000\"", Some("QColor"));
        assert_eq!(red, Value::Color(Color::rgba(255, 0, 0, 255)));
        assert_eq!(val("\"#80ff0000\"", Some("QColor")), Value::Color(Color::rgba(255, 0, 0, 128)));
        for (text, ty) in [
            ("[[1, 2], [3, 4]]", "QPolygon"),
            ("[[0.5, 1], [2, 3]]", "QPolygonF"),
            ("[[0, 0, 10, 10]]", "QRegion"),
            ("[1, 2, 3]", "QVector3D"),
            ("[1, 0, 0, 0]", "QQuaternion"),
            ("[1, 0, 0, 0, 1, 0, 0, 0, 1]", "QTransform"),
            ("[67108947]", "QKeySequence"),
        ] {
            let v = val(text, Some(ty));
            assert_eq!(v.type_name(), ty);
            assert_eq!(val(&format(&v, Some(ty), &ctx()), Some(ty)), v, "{ty} reads back what it prints");
        }
        let pen = qtro_rs::core::convert::default_builtin(Builtin::Pen);
        assert_eq!(val(&format(&pen, Some("QPen"), &ctx()), Some("QPen")), pen, "a pen reads back from its fields");
        assert!(to_value(&parse("hex:00", &ctx()).unwrap(), Some("QImage"), &ctx()).is_err(), "not a PNG");
    }

    #[test]
    fn typed_values() {
        assert_eq!(val("double:2", None), Value::Double(2.0));
        assert_eq!(val("int:3", None), Value::Int(3));
        assert_eq!(val("uint:3", None), Value::UInt(3));
        assert_eq!(val("bytes:hex:00ff", None), Value::bytes(vec![0u8, 255]));
        assert_eq!(val("bytes:\"ab\"", None), Value::bytes(&b"ab"[..]));
        assert_eq!(val("bytes:b64:AAE=", None), Value::bytes(vec![0u8, 1]));
        assert_eq!(val("url:tcp://x:1", None), Value::Url("tcp://x:1".into()));
        assert_eq!(val("date:2024-01-02", None), Value::Date(QDate::from_ymd(2024, 1, 2)));
        assert_eq!(val("time:12:34:56.789", None), Value::Time(QTime::from_hms_ms(12, 34, 56, 789)));
        assert_eq!(val("point:[1, 2]", None), Value::Point(Point { x: 1, y: 2 }));
        assert_eq!(val("Color:Blue", None), Value::Enum(EnumValue { type_name: "Interop::Color".into(), value: 4, size: 4 }));
        assert_eq!(val("QList<int>:[1,2]", None), Value::Sequence(Sequence { type_name: "QList<int>".into(), items: vec![Value::Int(1), Value::Int(2)] }));
        assert_eq!(val("[int:1, qlonglong:2]", None), Value::List(vec![Value::Int(1), Value::LongLong(2)]));
        assert_eq!(val("str:42", None), Value::string("42"));
        assert_eq!(val("str:true", Some("QString")), Value::string("true"));
        assert_eq!(val("[str:1, 2]", None), Value::List(vec![Value::string("1"), Value::Int(2)]));
        assert_eq!(val("url:\"a b\"", None), Value::Url("a b".into()));
    }

    #[test]
    fn declared_types_convert_strictly() {
        assert_eq!(val("2", Some("double")), Value::Double(2.0));
        assert_eq!(val("2", Some("short")), Value::Short(2));
        assert_eq!(val("Green", Some("Interop::Color")), Value::Enum(EnumValue { type_name: "Interop::Color".into(), value: 3, size: 4 }));
        assert_eq!(val("[\"a\", b]", Some("QStringList")), Value::StringList(vec![Some("a".into()), Some("b".into())]));
        assert_eq!(val("null", Some("QString")), Value::String(None));
        assert_eq!(val("{x: 1, y: 2}", Some("Point3")), Value::Gadget(Gadget { type_name: "Point3".into(), fields: vec![Value::Int(1), Value::Double(2.0)] }));
        let c = ctx();
        let err = |t: &str, ty: &str| to_value(&parse(t, &c).unwrap(), Some(ty), &c).unwrap_err();
        assert!(err("1.5", "int").contains("expected an integer"));
        assert!(err("42", "QString").contains("quote it"));
        assert!(err("70000", "short").contains("out of range"));
        assert!(err("Purple", "Color").contains("keys: Red, Green, Blue"));
        assert!(err("str:x", "int").contains("expected a value of type int"));
    }

    #[test]
    fn printing_round_trips() {
        let c = ctx();
        let values = [
            Value::Int(5),
            Value::Double(2.0),
            Value::Double(-0.25),
            Value::Float(0.5),
            Value::UInt(7),
            Value::LongLong(3),
            Value::Short(-2),
            Value::string("a \"q\" b"),
            Value::bytes(vec![0u8, 1, 255]),
            Value::bytes(&b"text"[..]),
            Value::Url("tcp://h:1".into()),
            Value::StringList(vec![Some("x".into())]),
            Value::List(vec![Value::UInt(1), Value::string("s"), Value::Float(1.5)]),
            Value::map([("k".into(), Value::List(vec![]))]),
            Value::Hash(vec![("a".into(), Value::Int(1))]),
            Value::Date(QDate::from_ymd(1999, 12, 31)),
            Value::DateTime(QDateTime { date: QDate::from_ymd(2024, 1, 2), time: QTime::from_hms_ms(3, 4, 5, 6), spec: TimeSpec::OffsetFromUtc(3600) }),
            Value::DateTime(QDateTime { date: QDate::from_ymd(2024, 1, 2), time: QTime::from_hms_ms(3, 4, 5, 0), spec: TimeSpec::Utc }),
            Value::Uuid([0x12; 16]),
            Value::Rect(Rect::new(1, 2, 3, 4)),
            Value::Enum(EnumValue { type_name: "Interop::Color".into(), value: 3, size: 4 }),
            Value::Bool(false),
            Value::Invalid,
        ];
        for v in values {
            let text = format(&v, None, &c);
            assert_eq!(val(&text, None), v, "{text}");
            let typed = format(&v, Some(v.type_name()), &c);
            assert_eq!(val(&typed, Some(v.type_name())), v, "{typed} as {}", v.type_name());
        }
        assert_eq!(format(&Value::Int(3), Some("Interop::Color"), &c), "Green");
        assert_eq!(format(&Value::UInt(3), Some("uint"), &c), "3");
        assert_eq!(format(&Value::UInt(3), None, &c), "uint:3");
    }

    #[test]
    fn json_mapping() {
        let c = ctx();
        assert_eq!(to_json(&Value::Double(2.0), &c).to_string(), "2.0");
        assert_eq!(to_json(&Value::bytes(vec![0u8, 1, 2]), &c), json!({"$type": "QByteArray", "base64": "AAEC"}));
        assert_eq!(to_json(&Value::List(vec![Value::UInt(1), Value::Int(2)]), &c), json!([{"$type": "uint", "value": 1}, 2]));
        for v in [Value::List(vec![Value::UInt(1), Value::bytes(vec![9u8])]), Value::map([("x".into(), Value::Float(0.5))])] {
            let j = to_json(&v, &c);
            assert_eq!(to_value(&json_to_lit(&j, &c).unwrap(), Some(v.type_name()), &c).unwrap(), v);
        }
        assert_eq!(base64_decode(&base64_encode(b"hello!?")).unwrap(), b"hello!?");
    }

    #[test]
    fn arguments_and_script_lines() {
        let c = ctx();
        assert_eq!(parse_arg("hello world", &c).unwrap(), Lit::Word("hello world".into()));
        assert!(parse_arg("[1, 2", &c).is_err());
        assert_eq!(parse_many("7 \"a b\" [1, 2] x", &c).unwrap().len(), 4);
    }
}
