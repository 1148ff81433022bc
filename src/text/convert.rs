//! [`Literal`] to [`Value`]: giving a literal its declared type, strictly.

use base64::Engine as _;
use bytes::Bytes;
use serde_json::{json, Value as Json};

use super::datetime::{parse_date, parse_datetime, parse_time};
use super::parse::word;
use super::{last_segment, EnumInfo, Literal, TextError, TypeContext};
use crate::core::classdef::GadgetDef;
use crate::core::coerce;
use crate::core::gui::{Color, Image};
use crate::core::typename::{canonical_type_name, container_args, Container};
use crate::core::value::JsonValue;
use crate::core::{
    Assoc, BitArray, Builtin, EnumValue, Gadget, Line, LineF, Point, PointF, QDate, QDateTime, QTime, Rect, RectF,
    Sequence, Size, SizeF, Value,
};

type Result<T> = std::result::Result<T, TextError>;

fn describe(lit: &Literal) -> String {
    match lit {
        Literal::Null => "null".into(),
        Literal::Bool(b) => format!("the boolean {b}"),
        Literal::Int(i) => format!("the integer {i}"),
        Literal::Float(f) => format!("the number {f:?}"),
        Literal::Str(s) => format!("the string {s:?}"),
        Literal::Word(w) => format!("the word {w:?}"),
        Literal::List(_) => "a list".into(),
        Literal::Map(_) => "a map".into(),
        Literal::Typed(t, _) => format!("a {t}"),
    }
}

pub(super) fn is_variant_type(ty: Option<&str>) -> bool {
    match ty {
        None => true,
        Some(t) => t.is_empty() || t == "QVariant",
    }
}

/// Converts a literal to a value of the declared type `declared` (`None` or `QVariant`: its
/// natural type). A `TYPE:` literal gets exactly its type, which must fit the declared one.
pub fn to_value(lit: &Literal, declared: Option<&str>, types: &TypeContext) -> Result<Value> {
    if let Literal::Typed(explicit, inner) = lit {
        let v = to_value(inner, Some(explicit), types)?;
        return match declared.filter(|t| !is_variant_type(Some(t))) {
            None => Ok(v),
            Some(t) => fit(v, t, types),
        };
    }
    let Some(ty) = declared.filter(|t| !is_variant_type(Some(t))) else { return natural(lit, types) };
    // `size_t`, `int64_t`, `QList<qsizetype>` …: the type Qt streams for them.
    let canonical = canonical_type_name(ty);
    let ty = canonical.as_ref();
    if let Some(e) = types.enum_for(ty) {
        return enum_value(lit, e);
    }
    if let Some(g) = types.gadget_for(ty) {
        return gadget_value(lit, g, types);
    }
    if let Some(b) = Builtin::from_name(ty) {
        return builtin(lit, b, ty, types);
    }
    if let Some((kind, args)) = container_args(ty) {
        return template_value(lit, ty, kind, &args, types);
    }
    // A type we know nothing about: the natural value is the best guess.
    natural(lit, types)
}

/// An already-built value converted to a declared type (for explicitly typed literals).
fn fit(v: Value, ty: &str, types: &TypeContext) -> Result<Value> {
    if same_type(ty, &v, types) {
        return Ok(v);
    }
    if let Some(e) = types.enum_for(ty) {
        if let Some(i) = v.as_i64() {
            return Ok(Value::Enum(EnumValue { type_name: e.name.clone(), value: i, size: e.size }));
        }
    }
    let text = |v: &Value| super::format(v, None, types);
    if let Some(b) = Builtin::from_name(ty) {
        let numeric = |v: &Value| v.as_f64().is_some() && !matches!(v, Value::Bool(_));
        if numeric(&v) && is_number_type(b) {
            let c = coerce(v.clone(), ty);
            if Builtin::from_name(c.type_name()) == Some(b) {
                return Ok(c);
            }
            return Err(TextError::conversion(ty, format!("{} does not fit in {ty}", text(&v))));
        }
    }
    Err(TextError::conversion(ty, format!("expected a value of type {ty}, got {} ({})", text(&v), v.type_name())))
}

fn is_number_type(b: Builtin) -> bool {
    use Builtin::*;
    matches!(
        b,
        Int | UInt | LongLong | ULongLong | Double | Long | Short | Char | ULong | UShort | UChar | Float | SChar
    )
}

fn natural(lit: &Literal, types: &TypeContext) -> Result<Value> {
    Ok(match lit {
        Literal::Null => Value::Invalid,
        Literal::Bool(b) => Value::Bool(*b),
        Literal::Int(i) => {
            if let Ok(v) = i32::try_from(*i) {
                Value::Int(v)
            } else if let Ok(v) = i64::try_from(*i) {
                Value::LongLong(v)
            } else if let Ok(v) = u64::try_from(*i) {
                Value::ULongLong(v)
            } else {
                return Err(TextError::Conversion { expected: None, message: format!("the integer {i} is too large") });
            }
        }
        Literal::Float(f) => Value::Double(*f),
        Literal::Str(s) | Literal::Word(s) => Value::string(s.clone()),
        Literal::List(items) => Value::List(items.iter().map(|i| to_value(i, None, types)).collect::<Result<_>>()?),
        Literal::Map(entries) => Value::map(
            entries.iter().map(|(k, v)| Ok((k.clone(), to_value(v, None, types)?))).collect::<Result<Vec<_>>>()?,
        ),
        Literal::Typed(..) => to_value(lit, None, types)?,
    })
}

fn int_in<T: TryFrom<i128>>(lit: &Literal, ty: &str) -> Result<T> {
    match lit {
        Literal::Int(i) => {
            T::try_from(*i).map_err(|_| TextError::conversion(ty, format!("{i} is out of range for {ty}")))
        }
        other => Err(TextError::conversion(ty, format!("expected an integer for {ty}, got {}", describe(other)))),
    }
}

fn float_of(lit: &Literal, ty: &str) -> Result<f64> {
    match lit {
        Literal::Int(i) => Ok(*i as f64),
        Literal::Float(f) => Ok(*f),
        other => Err(TextError::conversion(ty, format!("expected a number for {ty}, got {}", describe(other)))),
    }
}

fn text_of<'l>(lit: &'l Literal, ty: &str) -> Result<Option<&'l str>> {
    match lit {
        Literal::Str(s) | Literal::Word(s) => Ok(Some(s)),
        Literal::Null => Ok(None),
        other => Err(TextError::conversion(
            ty,
            format!("expected a string for {ty}, got {} (quote it, e.g. \"42\")", describe(other)),
        )),
    }
}

fn numbers(lit: &Literal, ty: &str, n: usize) -> Result<Vec<f64>> {
    match lit {
        Literal::List(items) if items.len() == n => items.iter().map(|i| float_of(i, ty)).collect(),
        other => {
            Err(TextError::conversion(ty, format!("expected a list of {n} numbers for {ty}, got {}", describe(other))))
        }
    }
}

fn ints(lit: &Literal, ty: &str, n: usize) -> Result<Vec<i32>> {
    match lit {
        Literal::List(items) if items.len() == n => items.iter().map(|i| int_in::<i32>(i, ty)).collect(),
        other => {
            Err(TextError::conversion(ty, format!("expected a list of {n} integers for {ty}, got {}", describe(other))))
        }
    }
}

fn builtin(lit: &Literal, b: Builtin, ty: &str, types: &TypeContext) -> Result<Value> {
    use Builtin as B;
    let wrong = |what: &str, other: &Literal| {
        Err(TextError::conversion(ty, format!("expected {what}, got {}", describe(other))))
    };
    Ok(match b {
        B::Variant => natural(lit, types)?,
        B::Bool => match lit {
            Literal::Bool(v) => Value::Bool(*v),
            other => return wrong("true or false for bool", other),
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
            Literal::Int(_) => Value::QChar(int_in(lit, ty)?),
            _ => {
                let s = text_of(lit, ty)?.unwrap_or_default();
                let units: Vec<u16> = s.encode_utf16().collect();
                match units.as_slice() {
                    [u] => Value::QChar(*u),
                    _ => {
                        return Err(TextError::conversion(
                            ty,
                            format!("expected one UTF-16 character for QChar, got {s:?}"),
                        ))
                    }
                }
            }
        },
        B::QString => Value::String(text_of(lit, ty)?.map(str::to_owned)),
        B::ByteArray => Value::ByteArray(bytes_of(lit, ty)?),
        B::Url => Value::Url(text_of(lit, ty)?.unwrap_or_default().to_owned()),
        B::Uuid => match text_of(lit, ty)? {
            Some(s) => Value::Uuid(parse_uuid(s)?),
            None => Value::Uuid([0; 16]),
        },
        B::StringList => match lit {
            Literal::List(items) => Value::StringList(
                items.iter().map(|i| text_of(i, "QString").map(|s| s.map(str::to_owned))).collect::<Result<_>>()?,
            ),
            other => return wrong("a list of strings for QStringList", other),
        },
        B::ByteArrayList => match lit {
            Literal::List(items) => {
                Value::ByteArrayList(items.iter().map(|i| bytes_of(i, "QByteArray")).collect::<Result<_>>()?)
            }
            other => return wrong("a list for QByteArrayList", other),
        },
        B::VariantList => match lit {
            Literal::List(_) => natural(lit, types)?,
            other => return wrong("a list for QVariantList", other),
        },
        B::VariantMap | B::VariantHash => match lit {
            Literal::Map(entries) => {
                // Qt's key order and one entry per key, for both.
                let m = Value::map(
                    entries
                        .iter()
                        .map(|(k, v)| Ok((k.clone(), to_value(v, None, types)?)))
                        .collect::<Result<Vec<_>>>()?,
                );
                match m {
                    Value::Map(entries) if b == B::VariantHash => Value::Hash(entries),
                    m => m,
                }
            }
            other => return wrong(&format!("a map for {ty}"), other),
        },
        B::VariantPair => match lit {
            Literal::List(items) if items.len() == 2 => {
                Value::Pair(Box::new(natural(&items[0], types)?), Box::new(natural(&items[1], types)?))
            }
            other => return wrong(&format!("a list of two values for {ty}"), other),
        },
        B::BitArray => {
            let s = text_of(lit, ty)?.unwrap_or_default();
            if !s.chars().all(|c| c == '0' || c == '1') {
                return Err(TextError::conversion(
                    ty,
                    format!("expected a string of 0s and 1s for QBitArray, got {s:?}"),
                ));
            }
            Value::BitArray(BitArray::from_bools(s.chars().map(|c| c == '1')))
        }
        B::Date => match text_of(lit, ty)? {
            None => Value::Date(QDate::NULL),
            Some(s) => Value::Date(parse_date(s).map_err(|m| TextError::conversion(ty, m))?),
        },
        B::Time => match text_of(lit, ty)? {
            None => Value::Time(QTime::NULL),
            Some(s) => Value::Time(parse_time(s).map_err(|m| TextError::conversion(ty, m))?),
        },
        B::DateTime => match text_of(lit, ty)? {
            None => Value::DateTime(QDateTime::null()),
            Some(s) => Value::DateTime(parse_datetime(s).map_err(|m| TextError::conversion(ty, m))?),
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
        B::PolygonF => {
            Value::PolygonF(list_of(lit, ty, |i| numbers(i, "QPointF", 2).map(|v| PointF { x: v[0], y: v[1] }))?)
        }
        B::Region => {
            Value::Region(list_of(lit, ty, |i| ints(i, "QRect", 4).map(|v| Rect::new(v[0], v[1], v[2], v[3])))?)
        }
        B::Transform => Value::Transform(numbers(lit, ty, 9)?.try_into().expect("9 numbers")),
        B::Matrix4x4 => Value::Matrix4x4(Box::new(floats32(lit, ty, 16)?.try_into().expect("16 numbers"))),
        B::Vector2D => Value::Vector2D(floats32(lit, ty, 2)?.try_into().expect("2 numbers")),
        B::Vector3D => Value::Vector3D(floats32(lit, ty, 3)?.try_into().expect("3 numbers")),
        B::Vector4D => Value::Vector4D(floats32(lit, ty, 4)?.try_into().expect("4 numbers")),
        B::Quaternion => Value::Quaternion(floats32(lit, ty, 4)?.try_into().expect("4 numbers")),
        B::KeySequence => {
            let keys = list_of(lit, ty, |i| int_in::<u32>(i, "key code"))?;
            if keys.len() > 4 {
                return Err(TextError::conversion(
                    ty,
                    format!("a QKeySequence has at most 4 keys, got {}", keys.len()),
                ));
            }
            Value::KeySequence(keys)
        }
        B::Image | B::Pixmap => {
            let image = Image { png: bytes_of(lit, ty)? };
            if image.png.as_ref().is_some_and(|p| !p.starts_with(b"\x89PNG\r\n\x1a\n")) {
                return Err(TextError::conversion(ty, format!("expected a PNG image (hex:…, b64:… or null) for {ty}")));
            }
            if b == B::Image {
                Value::Image(image)
            } else {
                Value::Pixmap(image)
            }
        }
        B::JsonValue => Value::JsonValue(match lit {
            Literal::Null => JsonValue::Null,
            Literal::Word(w) if w == "undefined" => JsonValue::Undefined,
            Literal::Bool(b) => JsonValue::Bool(*b),
            Literal::Int(_) | Literal::Float(_) => JsonValue::Double(float_of(lit, ty)?),
            Literal::Str(t) | Literal::Word(t) => JsonValue::String(Some(t.clone())),
            Literal::List(_) => JsonValue::Array(lit_json(lit).to_string()),
            Literal::Map(_) => JsonValue::Object(lit_json(lit).to_string()),
            Literal::Typed(..) => return Err(TextError::conversion(ty, format!("expected a JSON value for {ty}"))),
        }),
        B::JsonObject => match lit {
            Literal::Map(_) => Value::JsonObject(lit_json(lit).to_string()),
            other => return wrong(&format!("a map for {ty}"), other),
        },
        B::JsonArray => match lit {
            Literal::List(_) => Value::JsonArray(lit_json(lit).to_string()),
            other => return wrong(&format!("a list for {ty}"), other),
        },
        B::JsonDocument => match lit {
            Literal::Null => Value::JsonDocument(None),
            Literal::List(_) | Literal::Map(_) => Value::JsonDocument(Some(lit_json(lit).to_string())),
            other => return wrong(&format!("a map, a list or null for {ty}"), other),
        },
        B::CborValue | B::CborArray | B::CborMap => {
            let Some(cbor) = bytes_of(lit, ty)? else {
                return Err(TextError::conversion(ty, format!("expected CBOR bytes (hex:… or b64:…) for {ty}")));
            };
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
    })
}

/// A list literal, element by element.
fn list_of<T>(lit: &Literal, ty: &str, item: impl Fn(&Literal) -> Result<T>) -> Result<Vec<T>> {
    match lit {
        Literal::List(items) => items.iter().map(item).collect(),
        other => Err(TextError::conversion(ty, format!("expected a list for {ty}, got {}", describe(other)))),
    }
}

fn floats32(lit: &Literal, ty: &str, n: usize) -> Result<Vec<f32>> {
    Ok(numbers(lit, ty, n)?.into_iter().map(|f| f as f32).collect())
}

/// `#rrggbb`, `#aarrggbb` (Qt's `QColor::name(HexArgb)`), `invalid`, or the streamed fields
/// `{spec: …, alpha: …, components: [c1, c2, c3, c4]}` for the other color specs.
fn color_of(lit: &Literal) -> Result<Color> {
    const TY: &str = "QColor";
    if let Literal::Map(_) = lit {
        return from_fields(lit, TY);
    }
    let text = match lit {
        Literal::Str(t) | Literal::Word(t) => t.as_str(),
        other => {
            return Err(TextError::conversion(
                TY,
                format!(
                    "expected #rrggbb, #aarrggbb, invalid or {{spec, alpha, components}} for QColor, got {}",
                    describe(other)
                ),
            ))
        }
    };
    if text == "invalid" {
        return Ok(Color::INVALID);
    }
    let hex = text.strip_prefix('#').filter(|h| h.len() == 6 || h.len() == 8).and_then(|h| hex::decode(h).ok());
    Ok(match hex.as_deref() {
        Some(&[r, g, b]) => Color::rgba(r, g, b, 255),
        Some(&[a, r, g, b]) => Color::rgba(r, g, b, a),
        _ => return Err(TextError::conversion(TY, format!("expected #rrggbb or #aarrggbb for QColor, got {text:?}"))),
    })
}

/// A value given by its streamed fields (QBrush, QPen, QFont, QColor): a map literal read as
/// JSON into the type's fields.
fn from_fields<T: serde::de::DeserializeOwned>(lit: &Literal, ty: &str) -> Result<T> {
    serde_json::from_value(lit_json(lit)).map_err(|e| {
        TextError::conversion(ty, format!("not a {ty} ({e}): expected its fields, as `qtro get` prints them"))
    })
}

/// A literal as JSON (lists, maps, numbers, text, booleans, null).
fn lit_json(lit: &Literal) -> Json {
    match lit {
        Literal::Null => Json::Null,
        Literal::Bool(b) => json!(b),
        Literal::Int(i) => i64::try_from(*i).map(|v| json!(v)).unwrap_or_else(|_| json!(*i as f64)),
        Literal::Float(f) => json!(f),
        Literal::Str(t) | Literal::Word(t) => json!(t),
        Literal::List(items) => Json::Array(items.iter().map(lit_json).collect()),
        Literal::Map(entries) => Json::Object(entries.iter().map(|(k, v)| (k.clone(), lit_json(v))).collect()),
        Literal::Typed(_, inner) => lit_json(inner),
    }
}

/// Base64 as Qt's `QByteArray::fromBase64` reads it: the standard or the URL-safe alphabet,
/// padding optional.
const BASE64: base64::engine::GeneralPurpose =
    base64::engine::GeneralPurpose::new(&base64::alphabet::STANDARD, LENIENT);
const BASE64_URL: base64::engine::GeneralPurpose =
    base64::engine::GeneralPurpose::new(&base64::alphabet::URL_SAFE, LENIENT);
const LENIENT: base64::engine::GeneralPurposeConfig = base64::engine::GeneralPurposeConfig::new()
    .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent)
    .with_decode_allow_trailing_bits(true);

/// `hex:00ff` (blanks between the digits allowed), `b64:AAE=` / `base64:AAE=`, any other word or
/// string as its UTF-8 bytes, `null` for a null byte array (also after `bytes:`, as it prints).
fn bytes_of(lit: &Literal, ty: &str) -> Result<Option<Bytes>> {
    match lit {
        Literal::Null => Ok(None),
        Literal::Word(w) if w == "null" => Ok(None),
        Literal::Str(s) => Ok(Some(Bytes::from(s.clone().into_bytes()))),
        Literal::Word(w) => {
            if let Some(h) = w.strip_prefix("hex:") {
                let digits: String = h.chars().filter(|c| !c.is_whitespace()).collect();
                hex::decode(&digits)
                    .map(|b| Some(Bytes::from(b)))
                    .map_err(|e| TextError::conversion(ty, format!("bad hex digits {digits:?} ({e})")))
            } else if let Some(b) = w.strip_prefix("b64:").or_else(|| w.strip_prefix("base64:")) {
                let engine = if b.contains(['-', '_']) { &BASE64_URL } else { &BASE64 };
                engine
                    .decode(b)
                    .map(|b| Some(Bytes::from(b)))
                    .map_err(|e| TextError::conversion(ty, format!("bad base64 text {b:?} ({e})")))
            } else {
                Ok(Some(Bytes::from(w.clone().into_bytes())))
            }
        }
        other => Err(TextError::conversion(
            ty,
            format!("expected bytes (\"text\", hex:00ff or b64:AAE=) for QByteArray, got {}", describe(other)),
        )),
    }
}

/// A QUuid as Qt writes it (`{xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}`), without the braces, or as
/// 32 hex digits.
fn parse_uuid(s: &str) -> Result<[u8; 16]> {
    uuid::Uuid::try_parse(s)
        .map(|u| u.into_bytes())
        .map_err(|e| TextError::conversion("QUuid", format!("expected a UUID, got {s:?} ({e})")))
}

fn enum_value(lit: &Literal, e: &EnumInfo) -> Result<Value> {
    let key_value = |k: &str| -> Result<i64> {
        let k = last_segment(k.trim());
        e.keys.iter().find(|(n, _)| n == k).map(|(_, v)| *v).ok_or_else(|| {
            let keys: Vec<&str> = e.keys.iter().map(|(n, _)| n.as_str()).collect();
            TextError::conversion(&e.name, format!("{k:?} is not a key of {} (keys: {})", e.name, keys.join(", ")))
        })
    };
    let value = match lit {
        Literal::Int(i) => i64::try_from(*i)
            .map_err(|_| TextError::conversion(&e.name, format!("{i} is out of range for {}", e.name)))?,
        Literal::Str(s) | Literal::Word(s) => {
            let mut v = 0;
            for part in s.split('|') {
                v |= key_value(part)?;
            }
            v
        }
        other => {
            return Err(TextError::conversion(
                &e.name,
                format!("expected a key or integer of {}, got {}", e.name, describe(other)),
            ))
        }
    };
    Ok(Value::Enum(EnumValue { type_name: e.name.clone(), value, size: e.size }))
}

fn gadget_value(lit: &Literal, g: &GadgetDef, types: &TypeContext) -> Result<Value> {
    let fields = match lit {
        Literal::List(items) if items.len() == g.properties.len() => items
            .iter()
            .zip(&g.properties)
            .map(|(i, (_, t))| to_value(i, Some(t), types))
            .collect::<Result<Vec<_>>>()?,
        Literal::Map(entries) => {
            if let Some((k, _)) = entries.iter().find(|(k, _)| !g.properties.iter().any(|(n, _)| n == k)) {
                return Err(TextError::conversion(&g.name, format!("{} has no field {k:?}", g.name)));
            }
            g.properties
                .iter()
                .map(|(n, t)| match entries.iter().find(|(k, _)| k == n) {
                    Some((_, v)) => to_value(v, Some(t), types),
                    None => Err(TextError::conversion(&g.name, format!("missing field {n:?} of {}", g.name))),
                })
                .collect::<Result<Vec<_>>>()?
        }
        other => {
            return Err(TextError::conversion(
                &g.name,
                format!(
                    "expected a map or a list of {} fields for {}, got {}",
                    g.properties.len(),
                    g.name,
                    describe(other)
                ),
            ))
        }
    };
    Ok(Value::Gadget(Gadget { type_name: g.name.clone(), fields }))
}

fn template_value(lit: &Literal, ty: &str, kind: Container, args: &[&str], types: &TypeContext) -> Result<Value> {
    let ty = ty.replace(' ', "");
    match (kind, args) {
        (Container::Sequence, &[elem]) => match lit {
            Literal::List(items) => Ok(Value::Sequence(Sequence {
                items: items.iter().map(|i| to_value(i, Some(elem), types)).collect::<Result<_>>()?,
                type_name: ty,
            })),
            other => Err(TextError::conversion(&ty, format!("expected a list for {ty}, got {}", describe(other)))),
        },
        (Container::Associative, &[k, v]) => {
            let entries = match lit {
                Literal::Map(e) => e
                    .iter()
                    .map(|(key, val)| {
                        let key_lit = if Builtin::from_name(k) == Some(Builtin::QString) {
                            Literal::Str(key.clone())
                        } else {
                            word(key)
                        };
                        Ok((to_value(&key_lit, Some(k), types)?, to_value(val, Some(v), types)?))
                    })
                    .collect::<Result<Vec<_>>>()?,
                Literal::List(pairs) => pairs
                    .iter()
                    .map(|p| match p {
                        Literal::List(kv) if kv.len() == 2 => {
                            Ok((to_value(&kv[0], Some(k), types)?, to_value(&kv[1], Some(v), types)?))
                        }
                        other => Err(TextError::conversion(
                            &ty,
                            format!("expected [key, value] pairs for {ty}, got {}", describe(other)),
                        )),
                    })
                    .collect::<Result<Vec<_>>>()?,
                other => {
                    return Err(TextError::conversion(&ty, format!("expected a map for {ty}, got {}", describe(other))))
                }
            };
            Ok(Value::Assoc(Assoc { type_name: ty, entries }))
        }
        _ => natural(lit, types),
    }
}

/// Does `v` already have the declared type `ty`?
pub(super) fn same_type(ty: &str, v: &Value, types: &TypeContext) -> bool {
    let v = v.without_null_flag();
    if let Some(e) = types.enum_for(ty) {
        return matches!(v, Value::Enum(x) if last_segment(&x.type_name) == last_segment(&e.name));
    }
    match (Builtin::from_name(ty), Builtin::from_name(v.type_name())) {
        (Some(a), Some(b)) => a == b,
        _ => last_segment(ty) == last_segment(v.type_name()) || ty.replace(' ', "") == v.type_name(),
    }
}
