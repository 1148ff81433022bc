//! [`Value`] to text, in the syntax [`super::parse`] reads back.

use bytes::Bytes;

use super::convert::{is_variant_type, same_type};
use super::datetime::{date_text, datetime_text, time_text};
use super::parse::{word, DELIMS};
use super::{EnumInfo, Literal, TypeContext};
use crate::core::gui::Color;
use crate::core::typename::container_args;
use crate::core::value::JsonValue;
use crate::core::Value;

/// Whether the plain text of `v` reads back as a value of the same type without a `TYPE:`
/// prefix: invalid, `bool`, `int`, `double`, `QString`, `QVariantList`, `QVariantMap`, and the
/// 64-bit integers too large for the type below them.
pub fn is_natural(v: &Value) -> bool {
    match v {
        Value::Invalid
        | Value::Bool(_)
        | Value::Int(_)
        | Value::Double(_)
        | Value::String(_)
        | Value::List(_)
        | Value::Map(_) => true,
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

/// Prints a value in the text syntax. `declared` (the property or parameter type; `None` for a
/// QVariant) drops the prefixes that the declared type makes redundant and turns enum integers
/// into key names; without it, the text has the `TYPE:` prefixes that make it read back as the
/// same value (`uint:3`, `[1, date:2024-01-02]`).
pub fn format(v: &Value, declared: Option<&str>, types: &TypeContext) -> String {
    let v = v.without_null_flag();
    if let Value::Variant(inner) = v {
        return format(inner, declared, types);
    }
    let declared = declared.filter(|d| !is_variant_type(Some(d)));
    if let Some(e) = declared.and_then(|d| types.enum_for(d)) {
        if let Some(i) = v.as_i64().filter(|_| !matches!(v, Value::Bool(_))) {
            return enum_text(e, i);
        }
    }
    let body = plain(v, types);
    if declared.is_some_and(|d| same_type(d, v, types)) || is_natural(v) {
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
        && matches!(word(s), Literal::Word(_));
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
        if f > 0.0 {
            "inf".into()
        } else {
            "-inf".into()
        }
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
            _ => format!("hex:{}", hex::encode(b)),
        },
    }
}

/// The text form of a color: `#rrggbb` / `#aarrggbb` for 8-bit RGB, else `None` (its fields).
fn color_text(c: &Color) -> Option<String> {
    if *c == Color::INVALID {
        return Some("invalid".into());
    }
    let exact = c.components[..3].iter().chain([&c.alpha]).all(|v| v % 0x101 == 0) && c.components[3] == 0;
    let (r, g, b, a) = c.to_rgba8().filter(|_| exact)?;
    Some(if a == 255 { format!("#{r:02x}{g:02x}{b:02x}") } else { format!("#{a:02x}{r:02x}{g:02x}{b:02x}") })
}

/// A value by its streamed fields, as a map (the form a map literal gives back).
fn fields_text<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".into())
}

fn join(items: impl IntoIterator<Item = String>) -> String {
    format!("[{}]", items.into_iter().collect::<Vec<_>>().join(", "))
}

/// The text of `v` without its `TYPE:` prefix.
fn plain(v: &Value, ctx: &TypeContext) -> String {
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
            let items: Vec<String> =
                entries.iter().map(|(k, v)| format!("{}: {}", quote(k), format(v, None, ctx))).collect();
            format!("{{{}}}", items.join(", "))
        }
        Value::Pair(a, b) => join([format(a, None, ctx), format(b, None, ctx)]),
        Value::BitArray(b) => quote(&(0..b.len()).map(|i| if b.get(i) { '1' } else { '0' }).collect::<String>()),
        Value::Date(d) => date_text(*d),
        Value::Time(t) => time_text(*t),
        Value::DateTime(dt) => datetime_text(dt),
        Value::Url(u) => wordish(u),
        Value::Uuid(u) => uuid::Uuid::from_bytes(*u).hyphenated().to_string(),
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
                let items: Vec<String> = def
                    .properties
                    .iter()
                    .zip(&g.fields)
                    .map(|((n, t), v)| format!("{}: {}", quote(n), format(v, Some(t), ctx)))
                    .collect();
                format!("{{{}}}", items.join(", "))
            }
            None => join(g.fields.iter().map(|f| format(f, None, ctx))),
        },
        Value::Struct(s) => join(s.fields.iter().map(|f| format(f, None, ctx))),
        Value::Sequence(s) => {
            let elem = container_args(&s.type_name).and_then(|(_, a)| a.first().copied());
            join(s.items.iter().map(|i| format(i, elem, ctx)))
        }
        Value::Assoc(a) => {
            let (kt, vt) = match container_args(&a.type_name) {
                Some((_, args)) if args.len() == 2 => (Some(args[0]), Some(args[1])),
                _ => (None, None),
            };
            if a.entries.iter().all(|(k, _)| matches!(k.without_null_flag(), Value::String(_))) {
                let items: Vec<String> = a
                    .entries
                    .iter()
                    .map(|(k, v)| format!("{}: {}", quote(k.as_str().unwrap_or("")), format(v, vt, ctx)))
                    .collect();
                format!("{{{}}}", items.join(", "))
            } else {
                join(a.entries.iter().map(|(k, v)| join([format(k, kt, ctx), format(v, vt, ctx)])))
            }
        }
        Value::Remote(r) => join(r.parameters.iter().map(|p| format(p, None, ctx))),
        Value::GadgetSequence(s) => join(s.items.iter().map(|i| format(i, Some(&s.value_type_name), ctx))),
        Value::GadgetAssoc(a) => join(
            a.entries
                .iter()
                .map(|(k, v)| join([format(k, Some(&a.key_type_name), ctx), format(v, Some(&a.value_type_name), ctx)])),
        ),
        Value::Color(c) => color_text(c).map(|t| quote(&t)).unwrap_or_else(|| fields_text(c)),
        Value::Brush(b) => fields_text(b),
        Value::Pen(p) => fields_text(p),
        Value::Font(f) => fields_text(f),
        Value::Image(i) | Value::Pixmap(i) => bytes_text(&i.png),
        Value::Polygon(points) => join(points.iter().map(|p| join([p.x.to_string(), p.y.to_string()]))),
        Value::PolygonF(points) => join(points.iter().map(|p| join([float_text(p.x), float_text(p.y)]))),
        Value::Region(rects) => join(
            rects
                .iter()
                .map(|r| join([r.left.to_string(), r.top.to_string(), r.width().to_string(), r.height().to_string()])),
        ),
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
        Value::CborValue(b) | Value::CborArray(b) | Value::CborMap(b) => format!("hex:{}", hex::encode(b)),
        Value::CborSimpleType(t) => t.to_string(),
    }
}
