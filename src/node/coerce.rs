//! Converting values to declared C++ types before they go to a Qt peer.
//!
//! The lenient conversion of the typed layer and the C API's value constructors: what converts
//! is converted, everything else passes unchanged. Values on their way to a peer go through the
//! strict [`convert`](crate::core::convert()) as well, which refuses what cannot have the declared type.

use crate::core::convert::has_type;
use crate::core::{Builtin, Value};

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

pub use crate::core::source::parameter_types;

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

    #[test]
    fn splits_signatures() {
        assert_eq!(parameter_types("add(int,int)"), ["int", "int"]);
        assert_eq!(parameter_types("f(QMap<QString,int>,bool)"), ["QMap<QString,int>", "bool"]);
        assert!(parameter_types("reset()").is_empty());
    }
}
