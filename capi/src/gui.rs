//! C constructors and getters of the QtGui value types (see `qtro_rs::core::gui`).
//!
//! Colors have their own pair of functions; the geometry types (`QPolygon`, `QPolygonF`,
//! `QRegion`, `QTransform`, `QMatrix4x4`, `QVector2D/3D/4D`, `QQuaternion`, `QKeySequence`) are
//! built from and read as arrays of numbers; images as PNG files or RGBA pixels; brushes, pens
//! and fonts as the JSON object of their streamed fields (what `qtro get --json` prints).

use std::ffi::c_char;

use bytes::Bytes;

use super::cast::{
    bytes_arg, bytes_out, c_string_out, copy_out, cstr, free_bytes, handle, null_argument, out_bytes, out_ptr, slice,
};
use super::node::{dialect_of, qtro_dialect};
use super::qtro_result::{self, *};
use super::value::{mismatch, new_value, qtro_type, qtro_value};
use super::{err, guard, guard_ptr, guard_value, Result};
use qtro_rs::core::gui::{Brush, Color, Font, Image, Pen};
use qtro_rs::core::{Point, PointF, Rect, Value};

/// An RGB `QColor` from 8-bit components (`QColor(r, g, b, a)`).
#[no_mangle]
pub extern "C" fn qtro_value_new_color(r: u8, g: u8, b: u8, a: u8) -> *mut qtro_value {
    new_value(|| Ok(Value::Color(Color::rgba(r, g, b, a))))
}

/// Reads an RGB `QColor` as 8-bit components. `QTRO_ERR_TYPE_MISMATCH` for other values, and
/// for colors of another spec (HSV, CMYK, HSL, extended RGB, invalid), whose fields
/// `qtro_value_fields_json` gives.
#[no_mangle]
pub extern "C" fn qtro_value_get_color(
    value: *const qtro_value,
    r: *mut u8,
    g: *mut u8,
    b: *mut u8,
    a: *mut u8,
) -> qtro_result {
    guard(|| {
        let v = handle(value, "value")?;
        let Value::Color(c) = v.without_null_flag() else { return mismatch(v, "a QColor") };
        let Some((cr, cg, cb, ca)) = c.to_rgba8() else {
            return err(QTRO_ERR_TYPE_MISMATCH, format!("the QColor has spec {}, not RGB", c.spec));
        };
        out_ptr(r, "r")?.set(cr);
        out_ptr(g, "g")?.set(cg);
        out_ptr(b, "b")?.set(cb);
        out_ptr(a, "a")?.set(ca);
        Ok(())
    })
}

/// How many numbers a geometry value of `ty` takes: `(per item, fixed total)`.
fn shape(ty: qtro_type) -> Option<(usize, Option<usize>)> {
    use qtro_type::*;
    Some(match ty {
        QTRO_TYPE_POLYGON | QTRO_TYPE_POLYGONF => (2, None),
        QTRO_TYPE_REGION => (4, None),
        QTRO_TYPE_TRANSFORM => (1, Some(9)),
        QTRO_TYPE_MATRIX4X4 => (1, Some(16)),
        QTRO_TYPE_VECTOR2D => (1, Some(2)),
        QTRO_TYPE_VECTOR3D => (1, Some(3)),
        QTRO_TYPE_VECTOR4D | QTRO_TYPE_QUATERNION => (1, Some(4)),
        QTRO_TYPE_KEYSEQUENCE => (1, None),
        _ => return None,
    })
}

fn whole<T: TryFrom<i64>>(f: f64, what: &str) -> Result<T> {
    if f.fract() != 0.0 || !f.is_finite() {
        return err(QTRO_ERR_INVALID_ARGUMENT, format!("{what}: {f} is not a whole number"));
    }
    T::try_from(f as i64).or_else(|_| err(QTRO_ERR_INVALID_ARGUMENT, format!("{what}: {f} is out of range")))
}

/// A geometry value from `count` numbers: `QPolygon`/`QPolygonF` x, y pairs; `QRegion` x, y,
/// width, height quadruples; `QTransform` 9 (m11 m12 m13 m21 m22 m23 dx dy m33); `QMatrix4x4`
/// 16, row by row; `QVector2D/3D/4D` 2/3/4; `QQuaternion` scalar, x, y, z; `QKeySequence` up to
/// 4 key codes. `NULL` (with the reason as the last error) for another type or a wrong count.
#[no_mangle]
pub extern "C" fn qtro_value_new_numbers(ty: qtro_type, numbers: *const f64, count: usize) -> *mut qtro_value {
    new_value(|| {
        let Some((per, fixed)) = shape(ty) else {
            return err(QTRO_ERR_INVALID_ARGUMENT, format!("type {} is not built from numbers", ty as i32));
        };
        let n = slice(numbers, count).ok_or_else(|| null_argument("numbers"))?;
        if fixed.is_some_and(|f| f != count) || !count.is_multiple_of(per) {
            return err(
                QTRO_ERR_INVALID_ARGUMENT,
                format!(
                    "{count} numbers do not make this type ({} expected)",
                    fixed.map_or(format!("a multiple of {per}"), |f| f.to_string())
                ),
            );
        }
        let floats = || n.iter().map(|f| *f as f32);
        use qtro_type::*;
        Ok(match ty {
            QTRO_TYPE_POLYGON => Value::Polygon(
                n.chunks(2).map(|p| Ok(Point { x: whole(p[0], "x")?, y: whole(p[1], "y")? })).collect::<Result<_>>()?,
            ),
            QTRO_TYPE_POLYGONF => Value::PolygonF(n.chunks(2).map(|p| PointF { x: p[0], y: p[1] }).collect()),
            QTRO_TYPE_REGION => Value::Region(
                n.chunks(4)
                    .map(|r| {
                        Ok(Rect::new(
                            whole(r[0], "x")?,
                            whole(r[1], "y")?,
                            whole(r[2], "width")?,
                            whole(r[3], "height")?,
                        ))
                    })
                    .collect::<Result<_>>()?,
            ),
            QTRO_TYPE_TRANSFORM => Value::Transform(n.try_into().expect("9 numbers")),
            QTRO_TYPE_MATRIX4X4 => {
                Value::Matrix4x4(Box::new(floats().collect::<Vec<_>>().try_into().expect("16 numbers")))
            }
            QTRO_TYPE_VECTOR2D => Value::Vector2D(floats().collect::<Vec<_>>().try_into().expect("2 numbers")),
            QTRO_TYPE_VECTOR3D => Value::Vector3D(floats().collect::<Vec<_>>().try_into().expect("3 numbers")),
            QTRO_TYPE_VECTOR4D => Value::Vector4D(floats().collect::<Vec<_>>().try_into().expect("4 numbers")),
            QTRO_TYPE_QUATERNION => Value::Quaternion(floats().collect::<Vec<_>>().try_into().expect("4 numbers")),
            _ => {
                if count > 4 {
                    return err(QTRO_ERR_INVALID_ARGUMENT, format!("a QKeySequence has at most 4 keys, not {count}"));
                }
                Value::KeySequence(n.iter().map(|k| whole(*k, "key")).collect::<Result<_>>()?)
            }
        })
    })
}

/// The numbers of a geometry value (the layout `qtro_value_new_numbers` takes). `*count` gets
/// how many there are; at most `capacity` are written to `out` (`out` may be `NULL` when
/// `capacity` is 0, to ask for the count).
///
/// # Safety
/// `out` is `NULL` (with `capacity` 0) or writable for `capacity` numbers.
#[no_mangle]
pub extern "C" fn qtro_value_get_numbers(
    value: *const qtro_value,
    out: *mut f64,
    capacity: usize,
    count: *mut usize,
) -> qtro_result {
    guard(|| {
        let v = handle(value, "value")?;
        let wide = |f: &[f32]| f.iter().map(|x| *x as f64).collect::<Vec<_>>();
        let numbers: Vec<f64> = match v.without_null_flag() {
            Value::Polygon(p) => p.iter().flat_map(|p| [p.x as f64, p.y as f64]).collect(),
            Value::PolygonF(p) => p.iter().flat_map(|p| [p.x, p.y]).collect(),
            Value::Region(r) => r.iter().flat_map(|r| [r.left, r.top, r.width(), r.height()].map(f64::from)).collect(),
            Value::Transform(t) => t.to_vec(),
            Value::Matrix4x4(m) => wide(&m[..]),
            Value::Vector2D(x) => wide(x),
            Value::Vector3D(x) => wide(x),
            Value::Vector4D(x) | Value::Quaternion(x) => wide(x),
            Value::KeySequence(k) => k.iter().map(|k| *k as f64).collect(),
            other => return mismatch(other, "a geometry value (QPolygon, QRegion, QTransform, QVector3D, …)"),
        };
        out_ptr(count, "count")?.set(numbers.len());
        copy_out(out, capacity, &numbers, "out")?;
        Ok(())
    })
}

/// A `QImage` (or, with `pixmap`, a `QPixmap`) from a PNG file of `len` bytes (copied). `NULL`
/// if the bytes are not a PNG file. `data` `NULL` with `len` 0 gives a null image.
#[no_mangle]
pub extern "C" fn qtro_value_new_image_png(data: *const u8, len: usize, pixmap: bool) -> *mut qtro_value {
    new_value(|| {
        let png = bytes_arg(data, len, "data")?;
        let image = if png.is_empty() {
            Image::NULL
        } else {
            let image = Image { png: Some(Bytes::copy_from_slice(png)) };
            // Decoded once, so a value that cannot be an image is refused here, not by the peer.
            image.to_rgba().or_else(|e| err(QTRO_ERR_INVALID_ARGUMENT, format!("not a PNG image: {e}")))?;
            image
        };
        Ok(if pixmap { Value::Pixmap(image) } else { Value::Image(image) })
    })
}

/// A `QImage` (or `QPixmap`) from `width` × `height` 8-bit RGBA pixels, row by row
/// (`width * height * 4` bytes, encoded as PNG).
///
/// # Safety
/// `rgba` is readable for `width * height * 4` bytes.
#[no_mangle]
pub extern "C" fn qtro_value_new_image_rgba(width: u32, height: u32, rgba: *const u8, pixmap: bool) -> *mut qtro_value {
    new_value(|| {
        let len = (width as usize).checked_mul(height as usize).and_then(|n| n.checked_mul(4));
        let Some(len) = len else { return err(QTRO_ERR_INVALID_ARGUMENT, "the image is too large") };
        let image = Image::from_rgba(width, height, bytes_arg(rgba, len, "rgba")?)
            .or_else(|e| err(QTRO_ERR_INVALID_ARGUMENT, e))?;
        Ok(if pixmap { Value::Pixmap(image) } else { Value::Image(image) })
    })
}

/// The PNG file of a `QImage` or `QPixmap` (borrowed from the value); a null image gives
/// `*len` 0.
#[no_mangle]
pub extern "C" fn qtro_value_get_png(value: *const qtro_value, data: *mut *const u8, len: *mut usize) -> qtro_result {
    guard(|| {
        let v = handle(value, "value")?;
        match v.without_null_flag() {
            Value::Image(i) | Value::Pixmap(i) => out_bytes(data, len, i.png.as_deref().unwrap_or_default()),
            other => mismatch(other, "a QImage or QPixmap"),
        }
    })
}

/// A `QBrush`, `QPen`, `QFont` or `QColor` (`ty`) from the JSON object of its streamed fields,
/// as `qtro_value_fields_json` gives them. `NULL` with the reason if the JSON does not fit.
#[no_mangle]
pub extern "C" fn qtro_value_new_from_fields(ty: qtro_type, json: *const c_char) -> *mut qtro_value {
    new_value(|| {
        let json = cstr(json, "json")?;
        let bad = |e: serde_json::Error| {
            super::Error::new(QTRO_ERR_INVALID_ARGUMENT, format!("not the fields of this type: {e}"))
        };
        use qtro_type::*;
        Ok(match ty {
            QTRO_TYPE_BRUSH => Value::Brush(Box::new(serde_json::from_str::<Brush>(json).map_err(bad)?)),
            QTRO_TYPE_PEN => Value::Pen(Box::new(serde_json::from_str::<Pen>(json).map_err(bad)?)),
            QTRO_TYPE_FONT => Value::Font(Box::new(serde_json::from_str::<Font>(json).map_err(bad)?)),
            QTRO_TYPE_COLOR => Value::Color(serde_json::from_str::<Color>(json).map_err(bad)?),
            _ => return err(QTRO_ERR_INVALID_ARGUMENT, format!("type {} is not built from fields", ty as i32)),
        })
    })
}

/// The JSON object of the streamed fields of a `QBrush`, `QPen`, `QFont` or `QColor` (free it
/// with `qtro_string_free`); `NULL` with `QTRO_ERR_TYPE_MISMATCH` as the last error for others.
#[no_mangle]
pub extern "C" fn qtro_value_fields_json(value: *const qtro_value) -> *mut c_char {
    guard_ptr(|| {
        let v = handle(value, "value")?;
        let json = match v.without_null_flag() {
            Value::Brush(b) => serde_json::to_string(b),
            Value::Pen(p) => serde_json::to_string(p),
            Value::Font(f) => serde_json::to_string(f),
            Value::Color(c) => serde_json::to_string(c),
            other => return mismatch(other, "a QBrush, QPen, QFont or QColor"),
        };
        Ok(c_string_out(&json.expect("plain data serializes")))
    })
}

/// The value as `QDataStream << QVariant` writes it on a big-endian stream of `dialect`'s
/// version (Qt 6: 20, Qt 5: 18), enums as their integers: what a Qt program reads back with
/// `QDataStream >> QVariant` (the Qt adapter passes the QtGui types this way). Free `*data`
/// with `qtro_bytes_free`.
#[no_mangle]
pub extern "C" fn qtro_value_to_datastream(
    value: *const qtro_value,
    dialect: qtro_dialect,
    data: *mut *mut u8,
    len: *mut usize,
) -> qtro_result {
    guard(|| {
        let v = handle(value, "value")?;
        let dialect = dialect_of(dialect)?;
        let bytes = qtro_rs::core::variant::to_bytes(v, dialect, qtro_rs::core::ByteOrder::Big)
            .or_else(|e| err(QTRO_ERR_PROTOCOL, e.to_string()))?;
        let len = out_ptr(len, "len")?;
        let data = out_ptr(data, "data")?;
        let (bytes, n) = bytes_out(bytes.to_vec());
        len.set(n);
        data.set(bytes);
        Ok(())
    })
}

/// Frees bytes from `qtro_value_to_datastream` (`len` as returned). `NULL` is a no-op.
///
/// # Safety
/// `data` is `NULL` or bytes `qtro_value_to_datastream` returned, with the length it returned,
/// not freed yet.
#[no_mangle]
pub extern "C" fn qtro_bytes_free(data: *mut u8, len: usize) {
    guard_value((), || free_bytes(data, len))
}

/// A value read from `len` bytes of what `QDataStream << QVariant` wrote on a big-endian stream
/// of `dialect`'s version (built-in and QtGui types; user types by name are not known here).
/// `NULL` with the reason if the bytes are not exactly one such QVariant.
#[no_mangle]
pub extern "C" fn qtro_value_from_datastream(data: *const u8, len: usize, dialect: qtro_dialect) -> *mut qtro_value {
    new_value(|| {
        let dialect = dialect_of(dialect)?;
        let bytes = Bytes::copy_from_slice(bytes_arg(data, len, "data")?);
        let types = qtro_rs::core::TypeRegistry::new(dialect);
        qtro_rs::core::variant::from_bytes(bytes, dialect, qtro_rs::core::ByteOrder::Big, &types)
            .or_else(|e| err(QTRO_ERR_PROTOCOL, e.to_string()))
    })
}

// ---- QJson* and QCbor* ------------------------------------------------------------------------

/// A `QJsonValue`, `QJsonObject`, `QJsonArray` or `QJsonDocument` (`ty`) from JSON text
/// (NUL-terminated UTF-8): an object for `QJsonObject`, an array for `QJsonArray`, either (or
/// `null`, a null document) for `QJsonDocument`, anything for `QJsonValue` (and `undefined`).
/// `NULL` with the reason for text that is not JSON of that kind.
#[no_mangle]
pub extern "C" fn qtro_value_new_json(ty: qtro_type, json: *const c_char) -> *mut qtro_value {
    new_value(|| {
        use qtro_rs::core::value::JsonValue as J;
        use qtro_type::*;
        let text = cstr(json, "json")?;
        if ty == QTRO_TYPE_JSONVALUE && text.trim() == "undefined" {
            return Ok(Value::JsonValue(J::Undefined));
        }
        let parsed: serde_json::Value =
            serde_json::from_str(text).or_else(|e| err(QTRO_ERR_PARSE, format!("not JSON: {e}")))?;
        let compact = parsed.to_string();
        let wrong = |what: &str| {
            err(QTRO_ERR_INVALID_ARGUMENT, format!("expected {what}, got {}", qtro_rs::core::limits::clip(text)))
        };
        Ok(match (ty, &parsed) {
            (QTRO_TYPE_JSONOBJECT, serde_json::Value::Object(_)) => Value::JsonObject(compact),
            (QTRO_TYPE_JSONOBJECT, _) => return wrong("a JSON object"),
            (QTRO_TYPE_JSONARRAY, serde_json::Value::Array(_)) => Value::JsonArray(compact),
            (QTRO_TYPE_JSONARRAY, _) => return wrong("a JSON array"),
            (QTRO_TYPE_JSONDOCUMENT, serde_json::Value::Null) => Value::JsonDocument(None),
            (QTRO_TYPE_JSONDOCUMENT, serde_json::Value::Object(_) | serde_json::Value::Array(_)) => {
                Value::JsonDocument(Some(compact))
            }
            (QTRO_TYPE_JSONDOCUMENT, _) => return wrong("a JSON object, array or null"),
            (QTRO_TYPE_JSONVALUE, serde_json::Value::Null) => Value::JsonValue(J::Null),
            (QTRO_TYPE_JSONVALUE, serde_json::Value::Bool(b)) => Value::JsonValue(J::Bool(*b)),
            (QTRO_TYPE_JSONVALUE, serde_json::Value::Number(n)) => {
                Value::JsonValue(J::Double(n.as_f64().unwrap_or(f64::NAN)))
            }
            (QTRO_TYPE_JSONVALUE, serde_json::Value::String(s)) => Value::JsonValue(J::String(Some(s.clone()))),
            (QTRO_TYPE_JSONVALUE, serde_json::Value::Array(_)) => Value::JsonValue(J::Array(compact)),
            (QTRO_TYPE_JSONVALUE, serde_json::Value::Object(_)) => Value::JsonValue(J::Object(compact)),
            _ => return err(QTRO_ERR_INVALID_ARGUMENT, format!("type {} is not a JSON type", ty as i32)),
        })
    })
}

/// The JSON text of a `QJsonValue` (`undefined` for an undefined one), `QJsonObject`,
/// `QJsonArray` or `QJsonDocument` (`null` for a null document). Free it with
/// `qtro_string_free`.
#[no_mangle]
pub extern "C" fn qtro_value_get_json(value: *const qtro_value) -> *mut c_char {
    guard_ptr(|| {
        use qtro_rs::core::value::JsonValue as J;
        let v = handle(value, "value")?;
        let text = match v.without_null_flag() {
            Value::JsonValue(J::Undefined) => "undefined".to_owned(),
            Value::JsonValue(J::Null) | Value::JsonDocument(None) => "null".to_owned(),
            Value::JsonValue(J::Bool(b)) => b.to_string(),
            Value::JsonValue(J::Double(f)) => serde_json::Value::from(*f).to_string(),
            Value::JsonValue(J::String(s)) => serde_json::Value::from(s.clone().unwrap_or_default()).to_string(),
            Value::JsonValue(J::Array(t) | J::Object(t))
            | Value::JsonObject(t)
            | Value::JsonArray(t)
            | Value::JsonDocument(Some(t)) => t.clone(),
            other => return mismatch(other, "a QJsonValue, QJsonObject, QJsonArray or QJsonDocument"),
        };
        Ok(c_string_out(&text))
    })
}

/// A `QCborValue`, `QCborArray` or `QCborMap` (`ty`) from its CBOR encoding (`len` bytes,
/// copied; not checked: Qt reads what it can).
#[no_mangle]
pub extern "C" fn qtro_value_new_cbor(ty: qtro_type, data: *const u8, len: usize) -> *mut qtro_value {
    new_value(|| {
        use qtro_type::*;
        let bytes = Bytes::copy_from_slice(bytes_arg(data, len, "data")?);
        Ok(match ty {
            QTRO_TYPE_CBORVALUE => Value::CborValue(bytes),
            QTRO_TYPE_CBORARRAY => Value::CborArray(bytes),
            QTRO_TYPE_CBORMAP => Value::CborMap(bytes),
            _ => return err(QTRO_ERR_INVALID_ARGUMENT, format!("type {} is not a CBOR type", ty as i32)),
        })
    })
}

/// A `QCborSimpleType`.
#[no_mangle]
pub extern "C" fn qtro_value_new_cbor_simple_type(t: u8) -> *mut qtro_value {
    new_value(|| Ok(Value::CborSimpleType(t)))
}

/// The CBOR encoding of a `QCborValue`, `QCborArray` or `QCborMap` (borrowed from the value), or
/// the one byte of a `QCborSimpleType`.
#[no_mangle]
pub extern "C" fn qtro_value_get_cbor(value: *const qtro_value, data: *mut *const u8, len: *mut usize) -> qtro_result {
    guard(|| {
        let v = handle(value, "value")?;
        match v.without_null_flag() {
            Value::CborValue(b) | Value::CborArray(b) | Value::CborMap(b) => out_bytes(data, len, b),
            Value::CborSimpleType(t) => out_bytes(data, len, std::slice::from_ref(t)),
            other => mismatch(other, "a QCborValue, QCborArray, QCborMap or QCborSimpleType"),
        }
    })
}
