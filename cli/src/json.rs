//! The JSON form of values: what `--json` prints, and what `serve --values FILE` reads.
//!
//! The text syntax itself (`42`, `uint:3`, `[1, "a"]`, `date:2024-01-02`, …) is the library's
//! [`qtro_rs::text`]; this module maps values to and from JSON on top of it.

use base64::Engine as _;
use serde_json::{json, Map as JsonMap, Value as Json};

use qtro_rs::core::value::JsonValue;
use qtro_rs::core::Value;
use qtro_rs::text::{self, Literal, TypeContext};

/// The text of a value without its `TYPE:` prefix.
fn bare(v: &Value, ctx: &TypeContext) -> String {
    text::format(v, Some(v.type_name()), ctx)
}

fn base64(b: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(b)
}

/// The JSON form of a value (`--json` output): plain JSON for booleans, numbers, strings, lists
/// and maps; `{"$type": T, "value": X}` for other types nested in containers; byte arrays as
/// `{"$type": "QByteArray", "base64": "…"}`; non-finite doubles as
/// `{"$type": "double", "value": "nan"}`. The top-level type is given separately (`"type"`).
pub fn to_json(v: &Value, ctx: &TypeContext) -> Json {
    json_of(v, false, ctx)
}

fn json_natural(v: &Value) -> bool {
    match v {
        Value::Double(f) => f.is_finite(),
        Value::StringList(_) | Value::Hash(_) => false,
        other => text::is_natural(other),
    }
}

fn json_of(v: &Value, nested: bool, ctx: &TypeContext) -> Json {
    let v = v.without_null_flag();
    if let Value::Variant(inner) = v {
        return json_of(inner, nested, ctx);
    }
    let body = match v {
        Value::Invalid => Json::Null,
        Value::Bool(b) => json!(b),
        Value::Double(f) if !f.is_finite() => return json!({"$type": "double", "value": bare(v, ctx)}),
        Value::Float(f) if !f.is_finite() => return json!({"$type": "float", "value": bare(v, ctx)}),
        Value::Double(f) => json!(f),
        Value::Float(f) => json!(*f as f64),
        Value::String(s) => json!(s.as_deref().unwrap_or("")),
        Value::ByteArray(b) => {
            return match b {
                Some(b) => json!({"$type": "QByteArray", "base64": base64(b)}),
                None => json!({"$type": "QByteArray", "value": null}),
            }
        }
        Value::StringList(items) => Json::Array(items.iter().map(|s| json!(s.as_deref().unwrap_or(""))).collect()),
        Value::ByteArrayList(items) => {
            Json::Array(items.iter().map(|b| json_of(&Value::ByteArray(b.clone()), true, ctx)).collect())
        }
        Value::List(items) => Json::Array(items.iter().map(|i| json_of(i, true, ctx)).collect()),
        Value::Map(entries) | Value::Hash(entries) => {
            Json::Object(entries.iter().map(|(k, v)| (k.clone(), json_of(v, true, ctx))).collect::<JsonMap<_, _>>())
        }
        Value::Enum(e) => json!(e.value),
        Value::Gadget(g) => match ctx.gadget_for(&g.type_name).filter(|d| d.properties.len() == g.fields.len()) {
            Some(def) => Json::Object(
                def.properties.iter().zip(&g.fields).map(|((n, _), f)| (n.clone(), json_of(f, true, ctx))).collect(),
            ),
            None => Json::Array(g.fields.iter().map(|f| json_of(f, true, ctx)).collect()),
        },
        Value::Struct(s) => Json::Array(s.fields.iter().map(|f| json_of(f, true, ctx)).collect()),
        Value::Sequence(s) => Json::Array(s.items.iter().map(|f| json_of(f, true, ctx)).collect()),
        Value::GadgetSequence(s) => Json::Array(s.items.iter().map(|f| json_of(f, true, ctx)).collect()),
        Value::Assoc(a) if a.entries.iter().all(|(k, _)| matches!(k.without_null_flag(), Value::String(_))) => {
            Json::Object(
                a.entries.iter().map(|(k, v)| (k.as_str().unwrap_or("").to_owned(), json_of(v, true, ctx))).collect(),
            )
        }
        Value::Assoc(a) => {
            Json::Array(a.entries.iter().map(|(k, v)| json!([json_of(k, true, ctx), json_of(v, true, ctx)])).collect())
        }
        Value::GadgetAssoc(a) => {
            Json::Array(a.entries.iter().map(|(k, v)| json!([json_of(k, true, ctx), json_of(v, true, ctx)])).collect())
        }
        Value::Pair(a, b) => json!([json_of(a, true, ctx), json_of(b, true, ctx)]),
        Value::Remote(r) => json!({
            "name": r.name, "type": r.type_name, "null": r.is_null,
            "parameters": r.parameters.iter().map(|p| json_of(p, true, ctx)).collect::<Vec<_>>(),
        }),
        Value::Int(i) => json!(i),
        Value::UInt(i) => json!(i),
        Value::LongLong(i) | Value::Long(i) => json!(i),
        Value::ULongLong(i) | Value::ULong(i) => json!(i),
        Value::Short(i) => json!(i),
        Value::UShort(i) => json!(i),
        Value::Char(i) | Value::SChar(i) => json!(i),
        Value::UChar(i) => json!(i),
        Value::Char16(i) => json!(i),
        Value::Char32(i) => json!(i),
        Value::QChar(c) => json!(String::from_utf16_lossy(&[*c])),
        // Strings in the text syntax, as JSON strings.
        Value::BitArray(_) | Value::Date(_) | Value::Time(_) | Value::DateTime(_) | Value::Url(_) | Value::Uuid(_) => {
            let t = bare(v, ctx);
            json!(serde_json::from_str::<String>(&t).unwrap_or(t))
        }
        // Lists of numbers in the text syntax (`null` where a number is not finite), a color's
        // `"#rrggbb"` or its fields.
        Value::Point(_)
        | Value::PointF(_)
        | Value::Size(_)
        | Value::SizeF(_)
        | Value::Rect(_)
        | Value::RectF(_)
        | Value::Line(_)
        | Value::LineF(_)
        | Value::Polygon(_)
        | Value::PolygonF(_)
        | Value::Region(_)
        | Value::Transform(_)
        | Value::Matrix4x4(_)
        | Value::Vector2D(_)
        | Value::Vector3D(_)
        | Value::Vector4D(_)
        | Value::Quaternion(_)
        | Value::KeySequence(_)
        | Value::Color(_) => serde_json::from_str(&bare(v, ctx)).unwrap_or(Json::Null),
        Value::Brush(b) => serde_json::to_value(b).unwrap_or(Json::Null),
        Value::Pen(p) => serde_json::to_value(p).unwrap_or(Json::Null),
        Value::Font(f) => serde_json::to_value(f).unwrap_or(Json::Null),
        Value::Image(i) | Value::Pixmap(i) => {
            return match &i.png {
                Some(png) => json!({"$type": v.type_name(), "value": format!("b64:{}", base64(png))}),
                None => json!({"$type": v.type_name(), "value": null}),
            }
        }
        Value::JsonValue(JsonValue::Undefined) => return json!({"$type": "QJsonValue", "value": "undefined"}),
        Value::JsonValue(JsonValue::Double(f)) => json!(f),
        Value::JsonValue(JsonValue::Bool(b)) => json!(b),
        Value::JsonValue(JsonValue::Null) => Json::Null,
        Value::JsonValue(JsonValue::String(t)) => json!(t.as_deref().unwrap_or("")),
        Value::JsonValue(JsonValue::Array(t) | JsonValue::Object(t))
        | Value::JsonObject(t)
        | Value::JsonArray(t)
        | Value::JsonDocument(Some(t)) => serde_json::from_str(t).unwrap_or(Json::Null),
        Value::JsonDocument(None) => Json::Null,
        Value::CborValue(b) | Value::CborArray(b) | Value::CborMap(b) => {
            return json!({"$type": v.type_name(), "value": format!("b64:{}", base64(b))})
        }
        Value::CborSimpleType(t) => json!(t),
        Value::Null(_) | Value::Variant(_) => unreachable!("unwrapped above"),
        // Types added to the library later: their text form.
        _ => return json!({"$type": v.type_name(), "value": qtro_rs::text::format(v, None, ctx)}),
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
pub fn json_to_lit(j: &Json, ctx: &TypeContext) -> Result<Literal, String> {
    Ok(match j {
        Json::Null => Literal::Null,
        Json::Bool(b) => Literal::Bool(*b),
        Json::Number(n) => {
            if let Some(i) = n.as_i64() {
                Literal::Int(i as i128)
            } else if let Some(u) = n.as_u64() {
                Literal::Int(u as i128)
            } else {
                Literal::Float(n.as_f64().unwrap_or(f64::NAN))
            }
        }
        Json::String(s) => Literal::Str(s.clone()),
        Json::Array(a) => Literal::List(a.iter().map(|x| json_to_lit(x, ctx)).collect::<Result<_, _>>()?),
        Json::Object(o) => {
            if let Some(Json::String(t)) = o.get("$type") {
                let canonical = ctx.canonical(t).ok_or_else(|| format!("unknown type {t:?} in \"$type\""))?;
                let inner = if let Some(Json::String(b)) = o.get("base64") {
                    Literal::Word(format!("b64:{b}"))
                } else if let Some(Json::String(h)) = o.get("hex") {
                    Literal::Word(format!("hex:{h}"))
                } else {
                    match o.get("value") {
                        Some(Json::String(s)) if matches!(canonical.as_str(), "double" | "float") => {
                            Literal::from_token(s)
                        }
                        Some(v) => json_to_lit(v, ctx)?,
                        None => return Err(format!("{{\"$type\": {t:?}}} needs a \"value\"")),
                    }
                };
                Literal::Typed(canonical, Box::new(inner))
            } else {
                Literal::Map(
                    o.iter().map(|(k, v)| Ok((k.clone(), json_to_lit(v, ctx)?))).collect::<Result<_, String>>()?,
                )
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use qtro_rs::core::classdef::GadgetDef;
    use qtro_rs::core::gui::Color;
    use qtro_rs::core::{Point, PointF, QDate, Rect};
    use qtro_rs::text::EnumInfo;

    fn ctx() -> TypeContext {
        TypeContext {
            enums: vec![EnumInfo {
                name: "Interop::Color".into(),
                keys: vec![("Red".into(), 0), ("Green".into(), 3), ("Blue".into(), 4)],
                size: 4,
                is_flag: false,
            }],
            gadgets: vec![GadgetDef {
                name: "Point3".into(),
                properties: vec![("x".into(), "int".into()), ("y".into(), "double".into())],
                enums: vec![],
            }],
        }
    }

    #[test]
    fn json_mapping() {
        let c = ctx();
        assert_eq!(to_json(&Value::Double(2.0), &c).to_string(), "2.0");
        assert_eq!(to_json(&Value::bytes(vec![0u8, 1, 2]), &c), json!({"$type": "QByteArray", "base64": "AAEC"}));
        assert_eq!(
            to_json(&Value::List(vec![Value::UInt(1), Value::Int(2)]), &c),
            json!([{"$type": "uint", "value": 1}, 2])
        );
        for v in
            [Value::List(vec![Value::UInt(1), Value::bytes(vec![9u8])]), Value::map([("x".into(), Value::Float(0.5))])]
        {
            let j = to_json(&v, &c);
            assert_eq!(text::to_value(&json_to_lit(&j, &c).unwrap(), Some(v.type_name()), &c).unwrap(), v);
        }
    }

    #[test]
    fn json_of_numbers_text_and_geometry() {
        let c = ctx();
        assert_eq!(to_json(&Value::Double(f64::NAN), &c), json!({"$type": "double", "value": "nan"}));
        assert_eq!(to_json(&Value::Float(f32::NEG_INFINITY), &c), json!({"$type": "float", "value": "-inf"}));
        assert_eq!(to_json(&Value::ULongLong(u64::MAX), &c), json!(u64::MAX));
        assert_eq!(to_json(&Value::SChar(-3), &c), json!(-3));
        assert_eq!(to_json(&Value::Date(QDate::from_ymd(2024, 1, 2)), &c), json!("2024-01-02"));
        assert_eq!(to_json(&Value::Url("tcp://x:1".into()), &c), json!("tcp://x:1"));
        assert_eq!(to_json(&Value::Url("a b".into()), &c), json!("a b"));
        assert_eq!(to_json(&Value::Uuid([0x12; 16]), &c), json!("12121212-1212-1212-1212-121212121212"));
        assert_eq!(to_json(&Value::Point(Point { x: 1, y: -2 }), &c), json!([1, -2]));
        assert_eq!(to_json(&Value::PointF(PointF { x: 0.5, y: 2.0 }), &c), json!([0.5, 2.0]));
        assert_eq!(to_json(&Value::Rect(Rect::new(1, 2, 3, 4)), &c), json!([1, 2, 3, 4]));
        assert_eq!(to_json(&Value::Color(Color::rgba(255, 0, 0, 255)), &c), json!("#ff0000"));
        assert_eq!(to_json(&Value::Color(Color::INVALID), &c), json!("invalid"));
        let odd = Color { spec: 2, alpha: 0xffff, components: [1, 2, 3, 0] };
        assert_eq!(to_json(&Value::Color(odd), &c), serde_json::to_value(odd).unwrap(), "other specs by their fields");
        assert_eq!(
            to_json(
                &Value::Enum(qtro_rs::core::EnumValue { type_name: "Interop::Color".into(), value: 3, size: 4 }),
                &c
            ),
            json!(3)
        );
        let j = json!({"$type": "double", "value": "-inf"});
        assert_eq!(text::to_value(&json_to_lit(&j, &c).unwrap(), None, &c).unwrap(), Value::Double(f64::NEG_INFINITY));
    }
}
