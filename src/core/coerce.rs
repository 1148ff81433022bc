//! The lenient conversion of a value to a declared C++ type: what converts is converted,
//! everything else passes unchanged.
//!
//! Two conversions give a value its declared type, and they differ on purpose:
//!
//! - [`coerce()`] (here) is the first guess of the places that *build* a value for a declared
//!   type: the typed layer's `ToValue` (a Rust `i64` for an `int` property), the C API's value
//!   constructors, a slot reply, the numbers of the value text syntax. It never fails: a value
//!   it cannot convert, or of a type it does not know, comes back unchanged.
//! - [`convert()`](super::convert()) is the gate every value passes on its way to a peer. It is
//!   strict: it knows user types (gadgets, enums, containers) through a type registry, converts
//!   only where Qt's `QVariant::convert` loses nothing, and refuses everything else with a
//!   [`TypeMismatch`](super::TypeMismatch) naming both types.
//!
//! A value `coerce` left unchanged is refused later by `convert` if it does not fit. The two
//! disagree at the edges, which is why they are not one function: `coerce` converts lossily
//! where `convert` refuses (a `QByteArray` that is not UTF-8 becomes a `QString` with
//! replacement characters, any non-zero integer a `true`, a `qlonglong` beyond 2^53 an inexact
//! `double`), and `convert` converts where `coerce` passes the value on (text to numbers and
//! back, user types). Folding one into the other would change what these paths accept.

use super::convert::has_type;
use super::{Builtin, Value};

/// `value` converted to `type_name` where a sensible conversion exists: numbers to other
/// numeric types they fit in (no lossy narrowing), between `QString` and `QByteArray`, and so
/// on. Anything else, including types this crate does not know, is returned unchanged.
pub fn coerce(value: Value, type_name: &str) -> Value {
    if has_type(&value, type_name) {
        return value;
    }
    let Some(target) = Builtin::from_name(type_name) else { return value };
    use Builtin as B;
    // The same types under other spellings (qint32, qreal, …): nothing to convert either.
    if matches!(
        (&value, target),
        (Value::Int(_), B::Int)
            | (Value::String(_), B::QString)
            | (Value::Double(_), B::Double)
            | (Value::Bool(_), B::Bool)
            | (Value::ByteArray(_), B::ByteArray)
    ) {
        return value;
    }
    let v = value.without_null_flag();
    let int = v.as_i64();
    let float = v.as_f64();
    let converted = match target {
        B::Variant => return value,
        B::Bool => int.map(|i| Value::Bool(i != 0)),
        B::Int => int.and_then(|i| i32::try_from(i).ok()).map(Value::Int),
        B::UInt => int.and_then(|i| u32::try_from(i).ok()).map(Value::UInt),
        B::LongLong => int.map(Value::LongLong),
        B::ULongLong => int.and_then(|i| u64::try_from(i).ok()).map(Value::ULongLong),
        B::Long => int.map(Value::Long),
        B::ULong => int.and_then(|i| u64::try_from(i).ok()).map(Value::ULong),
        B::Short => int.and_then(|i| i16::try_from(i).ok()).map(Value::Short),
        B::UShort => int.and_then(|i| u16::try_from(i).ok()).map(Value::UShort),
        B::Char => int.and_then(|i| i8::try_from(i).ok()).map(Value::Char),
        B::SChar => int.and_then(|i| i8::try_from(i).ok()).map(Value::SChar),
        B::UChar => int.and_then(|i| u8::try_from(i).ok()).map(Value::UChar),
        B::Double => float.map(Value::Double),
        B::Float => float.map(|f| Value::Float(f as f32)),
        B::QString => match v {
            Value::String(_) => None,
            Value::QChar(c) => Some(Value::String(Some(String::from_utf16_lossy(&[*c])))),
            Value::ByteArray(Some(b)) => Some(Value::String(Some(String::from_utf8_lossy(b).into_owned()))),
            Value::Url(u) => Some(Value::string(u.clone())),
            _ => None,
        },
        B::ByteArray => match v {
            Value::String(s) => Some(Value::ByteArray(s.as_ref().map(|s| bytes::Bytes::from(s.clone().into_bytes())))),
            _ => None,
        },
        B::Url => match v {
            Value::String(s) => Some(Value::Url(s.clone().unwrap_or_default())),
            _ => None,
        },
        B::StringList => match v {
            Value::List(items) => items
                .iter()
                .map(|i| i.as_str().map(|s| Some(s.to_owned())))
                .collect::<Option<Vec<_>>>()
                .map(Value::StringList),
            _ => None,
        },
        B::VariantList => match v {
            Value::StringList(items) => Some(Value::List(items.iter().map(|s| Value::String(s.clone())).collect())),
            _ => None,
        },
        B::VariantMap => match v {
            Value::Hash(e) => Some(Value::map(e.clone())),
            _ => None,
        },
        B::VariantHash => match v {
            Value::Map(e) => Some(Value::Hash(e.clone())),
            _ => None,
        },
        _ => None,
    };
    converted.unwrap_or(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_to_declared_types() {
        assert_eq!(coerce(Value::Int(2), "double"), Value::Double(2.0));
        assert_eq!(coerce(Value::Double(2.5), "double"), Value::Double(2.5));
        assert_eq!(coerce(Value::LongLong(7), "int"), Value::Int(7));
        assert_eq!(coerce(Value::LongLong(1 << 40), "int"), Value::LongLong(1 << 40), "no lossy narrowing");
        assert_eq!(coerce(Value::string("x"), "QByteArray"), Value::bytes(&b"x"[..]));
        assert_eq!(coerce(Value::Int(1), "QVariant"), Value::Int(1));
        assert_eq!(coerce(Value::Int(1), "Unknown::Type"), Value::Int(1));
    }

    /// Where the lenient and the strict conversion part ways (see the module docs): what each
    /// accepts stays as it was when they lived in different layers.
    #[test]
    fn lenient_where_convert_is_strict() {
        use crate::core::{convert, Dialect, TypeRegistry};
        let types = TypeRegistry::new(Dialect::Qt6);
        let not_utf8 = Value::bytes(&b"\xff"[..]);
        assert_eq!(coerce(not_utf8.clone(), "QString"), Value::string("\u{fffd}"));
        assert!(convert(not_utf8, "QString", &types).is_err());
        assert_eq!(coerce(Value::Int(5), "bool"), Value::Bool(true));
        assert!(convert(Value::Int(5), "bool", &types).is_err());
        let big = (1i64 << 60) + 1;
        assert_eq!(coerce(Value::LongLong(big), "double"), Value::Double(big as f64));
        assert!(convert(Value::LongLong(big), "double", &types).is_err());
        // And the other way round: text is not a number to `coerce`.
        assert_eq!(coerce(Value::string("7"), "int"), Value::string("7"));
        assert_eq!(convert(Value::string("7"), "int", &types), Ok(Value::Int(7)));
    }
}
