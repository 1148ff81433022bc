//! The value syntax's tests: reading, strict conversion to declared types, printing that reads
//! back.

use super::*;
use crate::core::classdef::GadgetDef;
use crate::core::gui::Color;
use crate::core::{Builtin, EnumValue, Gadget, Point, QDate, QDateTime, QTime, Rect, Sequence, TimeSpec, Value};

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
    assert_eq!(
        val("{\"k\": 1, b: 2.5}", None),
        Value::map([("k".into(), Value::Int(1)), ("b".into(), Value::Double(2.5))])
    );
    assert!(matches!(val("nan", None), Value::Double(f) if f.is_nan()));
}

#[test]
fn typedefs_and_gui_types_have_a_spelling() {
    assert_eq!(val("3", Some("size_t")), Value::ULong(3));
    assert_eq!(val("-3", Some("qsizetype")), Value::LongLong(-3));
    assert!(to_value(&parse("-3", &ctx()).unwrap(), Some("size_t"), &ctx()).is_err());
    assert_eq!(
        val("[1, 2]", Some("QList<size_t>")),
        Value::Sequence(crate::core::Sequence {
            type_name: "QList<ulong>".into(),
            items: vec![Value::ULong(1), Value::ULong(2)]
        })
    );
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
    let pen = crate::core::convert::default_builtin(Builtin::Pen);
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
    assert_eq!(
        val("Color:Blue", None),
        Value::Enum(EnumValue { type_name: "Interop::Color".into(), value: 4, size: 4 })
    );
    assert_eq!(
        val("QList<int>:[1,2]", None),
        Value::Sequence(Sequence { type_name: "QList<int>".into(), items: vec![Value::Int(1), Value::Int(2)] })
    );
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
    assert_eq!(
        val("Green", Some("Interop::Color")),
        Value::Enum(EnumValue { type_name: "Interop::Color".into(), value: 3, size: 4 })
    );
    assert_eq!(val("[\"a\", b]", Some("QStringList")), Value::StringList(vec![Some("a".into()), Some("b".into())]));
    assert_eq!(val("null", Some("QString")), Value::String(None));
    assert_eq!(
        val("{x: 1, y: 2}", Some("Point3")),
        Value::Gadget(Gadget { type_name: "Point3".into(), fields: vec![Value::Int(1), Value::Double(2.0)] })
    );
    let c = ctx();
    let err = |t: &str, ty: &str| to_value(&parse(t, &c).unwrap(), Some(ty), &c).unwrap_err().to_string();
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
        Value::ByteArray(None),
        Value::Url("tcp://h:1".into()),
        Value::StringList(vec![Some("x".into())]),
        Value::List(vec![Value::UInt(1), Value::string("s"), Value::Float(1.5)]),
        Value::map([("k".into(), Value::List(vec![]))]),
        Value::Hash(vec![("a".into(), Value::Int(1))]),
        Value::Date(QDate::from_ymd(1999, 12, 31)),
        Value::DateTime(QDateTime {
            date: QDate::from_ymd(2024, 1, 2),
            time: QTime::from_hms_ms(3, 4, 5, 6),
            spec: TimeSpec::OffsetFromUtc(3600),
        }),
        Value::DateTime(QDateTime {
            date: QDate::from_ymd(2024, 1, 2),
            time: QTime::from_hms_ms(3, 4, 5, 0),
            spec: TimeSpec::Utc,
        }),
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
fn arguments_and_script_lines() {
    let c = ctx();
    assert_eq!(parse_argument("hello world", &c).unwrap(), Literal::Word("hello world".into()));
    assert!(parse_argument("[1, 2", &c).is_err());
    assert_eq!(parse_many("7 \"a b\" [1, 2] x", &c).unwrap().len(), 4);
}

#[test]
fn errors_name_the_place_and_the_type() {
    let c = ctx();
    let e = parse("[1, 2", &c).unwrap_err();
    assert_eq!(e, TextError::Syntax { text: "[1, 2".into(), column: None, message: "expected ',' or ']'".into() });
    assert_eq!(e.to_string(), "expected ',' or ']' at the end of \"[1, 2\"");
    let e = parse("[1 2]", &c).unwrap_err();
    assert_eq!(e.to_string(), "expected ',' or ']' at column 4 of \"[1 2]\"");
    assert!(matches!(parse("\"é\" x", &c), Err(TextError::Syntax { column: Some(5), .. })), "columns count characters");
    let e = parse_value("1.5", Some("int"), &c).unwrap_err();
    assert_eq!(
        e,
        TextError::Conversion {
            expected: Some("int".into()),
            message: "expected an integer for int, got the number 1.5".into()
        }
    );
    assert!(
        matches!(parse_value("Purple", Some("Color"), &c), Err(TextError::Conversion { expected: Some(t), .. }) if t == "Interop::Color")
    );
    assert!(matches!(
        parse_value("999999999999999999999", None, &c),
        Err(TextError::Conversion { expected: None, .. })
    ));
}

#[test]
fn bytes_in_hex_and_base64() {
    assert_eq!(val("bytes:hex:00FFab", None), Value::bytes(vec![0u8, 255, 0xab]));
    assert_eq!(val("bytes:hex:", None), Value::bytes(Vec::<u8>::new()));
    assert_eq!(parse_argument("bytes:hex:00 ff", &ctx()).ok(), None, "a typed argument is not taken as a word");
    assert_eq!(
        to_value(&Literal::Typed("QByteArray".into(), Box::new(Literal::Word("hex:00 ff".into()))), None, &ctx())
            .unwrap(),
        Value::bytes(vec![0u8, 255])
    );
    // QByteArray::fromBase64 takes both alphabets, with or without padding.
    assert_eq!(val("bytes:b64:+/8=", None), Value::bytes(vec![0xfbu8, 0xff]));
    assert_eq!(val("bytes:b64:-_8", None), Value::bytes(vec![0xfbu8, 0xff]));
    assert_eq!(val("bytes:base64:aGVsbG8hPw==", None), Value::bytes(&b"hello!?"[..]));
    assert_eq!(val("bytes:b64:", None), Value::bytes(Vec::<u8>::new()));
    let c = ctx();
    for bad in ["bytes:hex:0", "bytes:hex:0g", "bytes:b64:A", "bytes:b64:A*==", "bytes:b64:AA==="] {
        let e = parse_value(bad, None, &c).unwrap_err().to_string();
        assert!(e.starts_with("bad hex digits") || e.starts_with("bad base64 text"), "{bad}: {e}");
    }
    assert_eq!(format(&Value::bytes(vec![0u8, 0xab]), None, &c), "bytes:hex:00ab");
    assert_eq!(format(&Value::ByteArray(None), None, &c), "bytes:null");
    assert_eq!(val("bytes:\"null\"", None), Value::bytes(&b"null"[..]), "the four bytes, quoted");
}

#[test]
fn uuids_in_qt_forms() {
    let u =
        Value::Uuid([0x67, 0xe5, 0x50, 0x44, 0x10, 0xb1, 0x42, 0x6f, 0x92, 0x47, 0xbb, 0x68, 0x0b, 0x5f, 0xe0, 0xc8]);
    for text in [
        "uuid:67e55044-10b1-426f-9247-bb680b5fe0c8",
        "uuid:\"{67e55044-10b1-426f-9247-bb680b5fe0c8}\"",
        "uuid:67E55044-10B1-426F-9247-BB680B5FE0C8",
        "uuid:67e5504410b1426f9247bb680b5fe0c8",
    ] {
        assert_eq!(val(text, None), u, "{text}");
    }
    assert_eq!(format(&u, None, &ctx()), "uuid:67e55044-10b1-426f-9247-bb680b5fe0c8");
    assert_eq!(val("null", Some("QUuid")), Value::Uuid([0; 16]));
    for bad in [
        "uuid:67e55044-10b1-426f-9247-bb680b5fe0c",
        "uuid:67e55044-10b1-426f-9247-bb680b5fe0cx",
        "uuid:\"{67e55044-10b1-426f-9247-bb680b5fe0c8\"",
        "uuid:67e55044-10b1-426f-9247bb680b5fe0c8",
    ] {
        assert!(parse_value(bad, None, &ctx()).unwrap_err().to_string().starts_with("expected a UUID"), "{bad}");
    }
}

#[test]
fn dates_in_the_syntax() {
    let c = ctx();
    assert_eq!(val("date:-44-03-15", None), Value::Date(QDate::from_ymd(-44, 3, 15)));
    assert_eq!(format(&Value::Date(QDate::from_ymd(-44, 3, 15)), None, &c), "date:-44-03-15");
    assert_eq!(format(&Value::Date(QDate { julian_day: i64::MAX }), None, &c), format!("date:jd:{}", i64::MAX));
    assert_eq!(val(&format!("date:jd:{}", i64::MAX), None), Value::Date(QDate { julian_day: i64::MAX }));
    assert_eq!(
        val("datetime:2024-01-02T03:04:05.006+01:00", None),
        val("datetime:\"2024-01-02 03:04:05.006+01:00\"", None)
    );
    // The null date, time and date-time print as `null` and read back.
    for v in [Value::Date(QDate::NULL), Value::Time(QTime::NULL), Value::DateTime(QDateTime::null())] {
        let text = format(&v, None, &c);
        assert!(text.ends_with(":null"), "{text}");
        assert_eq!(val(&text, None), v);
    }
    let e = parse_value("date:2023-02-29", None, &c).unwrap_err();
    assert!(matches!(&e, TextError::Conversion { expected: Some(t), .. } if t == "QDate"), "{e}");
}

#[test]
fn parse_value_is_parse_then_to_value() {
    let c = TypeContext::default();
    assert_eq!(
        parse_value(" [1, uint:2] ", Some("QList<int>"), &c).unwrap(),
        Value::Sequence(Sequence { type_name: "QList<int>".into(), items: vec![Value::Int(1), Value::Int(2)] })
    );
    // Without a context, an enum type is unknown: the literal keeps its natural type.
    assert_eq!(parse_value("3", Some("Interop::Color"), &c).unwrap(), Value::Int(3));
    assert_eq!(
        format(&Value::Enum(EnumValue { type_name: "Interop::Color".into(), value: 3, size: 4 }), None, &c),
        "Interop::Color:3"
    );
    assert_eq!(Literal::from_token("0x1f"), Literal::Int(31));
    assert_eq!(Literal::from_token("tcp://x:1"), Literal::Word("tcp://x:1".into()));
}

/// The syntax used to know fewer containers than the codec (its own list); it now reads the
/// codec's: `QQueue`, `QStack`, `std::list`, `QMultiMap` and `QMultiHash` too.
#[test]
fn every_container_the_codec_streams() {
    let c = ctx();
    let queue = Value::Sequence(Sequence { type_name: "QQueue<uint>".into(), items: vec![Value::UInt(1)] });
    assert_eq!(val("QQueue<uint>:[1]", None), queue);
    assert_eq!(val("[1]", Some("QQueue<uint>")), queue);
    // The elements print in their declared type: no `uint:` prefix on each.
    assert_eq!(format(&queue, None, &c), "QQueue<uint>:[1]");
    let multi = val("{a: 1}", Some("QMultiMap<QString,int>"));
    assert_eq!(format(&multi, Some("QMultiMap<QString,int>"), &c), "{\"a\": 1}");
    // A malformed template is not a type.
    assert_eq!(c.canonical("QList<>"), None);
    assert_eq!(c.canonical("QList<int,int>"), None);
}
