//! Property-based tests of the value model and packets: anything we can represent encodes and
//! decodes back to itself in both dialects and both byte orders, and no byte sequence — random
//! or a mutilated valid encoding — makes a decoder panic or exceed its limits.

use bytes::{Bytes, BytesMut};
use proptest::prelude::*;
use qtro_rs::core::variant::{from_bytes, from_bytes_with_limits, to_bytes_plain};
use qtro_rs::core::*;

fn registry(dialect: Dialect) -> TypeRegistry {
    let mut t = TypeRegistry::new(dialect);
    t.register_gadget("Pt", vec![("x".into(), "int".into()), ("label".into(), "QString".into())]);
    t.register_enum("Holder::Small", 1);
    t.register_enum("Holder::Mid", 2);
    t.register_enum("Holder::Big", 4);
    t
}

fn opt_string() -> impl Strategy<Value = Option<String>> {
    prop::option::of(any::<String>())
}

fn opt_bytes() -> impl Strategy<Value = Option<Bytes>> {
    prop::option::of(prop::collection::vec(any::<u8>(), 0..40).prop_map(Bytes::from))
}

fn finite_f64() -> impl Strategy<Value = f64> {
    prop::num::f64::NORMAL | prop::num::f64::ZERO | prop::num::f64::SUBNORMAL
}

/// Values that are not enums and not dialect-specific, usable anywhere.
fn leaf(dialect: Dialect) -> BoxedStrategy<Value> {
    let common = prop_oneof![
        Just(Value::Invalid),
        any::<bool>().prop_map(Value::Bool),
        any::<i32>().prop_map(Value::Int),
        any::<u32>().prop_map(Value::UInt),
        any::<i64>().prop_map(Value::LongLong),
        any::<u64>().prop_map(Value::ULongLong),
        finite_f64().prop_map(Value::Double),
        (prop::num::f32::NORMAL | prop::num::f32::ZERO).prop_map(Value::Float),
        any::<i64>().prop_map(Value::Long),
        any::<u64>().prop_map(Value::ULong),
        any::<i16>().prop_map(Value::Short),
        any::<u16>().prop_map(Value::UShort),
        any::<i8>().prop_map(Value::Char),
        any::<i8>().prop_map(Value::SChar),
        any::<u8>().prop_map(Value::UChar),
        any::<u16>().prop_map(Value::QChar),
        opt_string().prop_map(Value::String),
        opt_bytes().prop_map(Value::ByteArray),
        prop::collection::vec(opt_string(), 0..4).prop_map(Value::StringList),
        prop::collection::vec(opt_bytes(), 0..4).prop_map(Value::ByteArrayList),
        prop::collection::vec(any::<bool>(), 0..40).prop_map(|b| Value::BitArray(BitArray::from_bools(b))),
        any::<i64>().prop_map(|d| Value::Date(QDate { julian_day: d })),
        any::<u32>().prop_map(|t| Value::Time(QTime { msecs: t })),
        (
            any::<i64>(),
            any::<u32>(),
            prop_oneof![
                Just(TimeSpec::LocalTime),
                Just(TimeSpec::Utc),
                any::<i32>().prop_map(TimeSpec::OffsetFromUtc),
                "[A-Za-z/_]{1,20}".prop_map(TimeSpec::TimeZone),
                (opt_string(), any::<i32>(), opt_string(), opt_string(), any::<i32>(), opt_string()).prop_map(
                    |(id, offset_seconds, name, abbreviation, territory, comment)| {
                        TimeSpec::UtcOffsetZone(Box::new(UtcOffsetZone {
                            id,
                            offset_seconds,
                            name,
                            abbreviation,
                            territory,
                            comment,
                        }))
                    }
                ),
            ]
        )
            .prop_map(|(d, t, spec)| Value::DateTime(QDateTime {
                date: QDate { julian_day: d },
                time: QTime { msecs: t },
                spec
            })),
        "[a-z]{1,5}://[a-z0-9.]{1,10}(:[0-9]{1,5})?(/[a-z%0-9]{0,8})?".prop_map(Value::Url),
        any::<[u8; 16]>().prop_map(Value::Uuid),
        (any::<i32>(), any::<i32>()).prop_map(|(x, y)| Value::Point(Point { x, y })),
        (finite_f64(), finite_f64()).prop_map(|(x, y)| Value::PointF(PointF { x, y })),
        (any::<i32>(), any::<i32>()).prop_map(|(width, height)| Value::Size(Size { width, height })),
        (finite_f64(), finite_f64()).prop_map(|(width, height)| Value::SizeF(SizeF { width, height })),
        any::<[i32; 4]>().prop_map(|[left, top, right, bottom]| Value::Rect(Rect { left, top, right, bottom })),
        (finite_f64(), finite_f64(), finite_f64(), finite_f64())
            .prop_map(|(x, y, width, height)| Value::RectF(RectF { x, y, width, height })),
        any::<[i32; 4]>().prop_map(|[x1, y1, x2, y2]| Value::Line(Line { x1, y1, x2, y2 })),
        (finite_f64(), finite_f64(), finite_f64(), finite_f64()).prop_map(|(x1, y1, x2, y2)| Value::LineF(LineF {
            x1,
            y1,
            x2,
            y2
        })),
        prop::collection::vec(any::<i32>(), 0..6).prop_map(|v| Value::Sequence(Sequence {
            type_name: "QList<int>".into(),
            items: v.into_iter().map(Value::Int).collect()
        })),
        prop::collection::vec((any::<i32>(), opt_bytes()), 0..4).prop_map(|v| Value::Assoc(Assoc {
            type_name: "QHash<int,QByteArray>".into(),
            entries: v.into_iter().map(|(k, b)| (Value::Int(k), Value::ByteArray(b))).collect(),
        })),
        (any::<i32>(), opt_string()).prop_map(|(x, s)| pt(x, s)),
    ];
    match dialect {
        Dialect::Qt5 => common.boxed(),
        Dialect::Qt6 => prop_oneof![
            8 => common,
            1 => any::<u16>().prop_map(Value::Char16),
            1 => any::<u32>().prop_map(Value::Char32),
        ]
        .boxed(),
    }
}

fn pt(x: i32, label: Option<String>) -> Value {
    Value::Gadget(Gadget { type_name: "Pt".into(), fields: vec![Value::Int(x), Value::String(label)] })
}

fn enum_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i8>().prop_map(|v| Value::Enum(EnumValue {
            type_name: "Holder::Small".into(),
            value: v as i64,
            size: 1
        })),
        any::<i16>().prop_map(|v| Value::Enum(EnumValue { type_name: "Holder::Mid".into(), value: v as i64, size: 2 })),
        any::<i32>().prop_map(|v| Value::Enum(EnumValue { type_name: "Holder::Big".into(), value: v as i64, size: 4 })),
    ]
}

/// Any value whose plain QDataStream encoding decodes back to itself.
fn value(dialect: Dialect) -> BoxedStrategy<Value> {
    let leaf = leaf(dialect);
    leaf.prop_recursive(4, 48, 6, move |inner| {
        let element = prop_oneof![4 => inner.clone(), 1 => enum_value()];
        let mut choices = vec![
            // Valid types with the is-null flag set (an invalid inner value has no such flag).
            inner
                .clone()
                .prop_filter("a null flag needs a valid type", |v| !matches!(v, Value::Invalid | Value::Null(_)))
                .prop_map(|v| Value::Null(Box::new(v)))
                .boxed(),
            prop::collection::vec(element.clone(), 0..5).prop_map(Value::List).boxed(),
            prop::collection::vec((any::<String>(), element.clone()), 0..4).prop_map(Value::Map).boxed(),
            prop::collection::vec((any::<String>(), element.clone()), 0..4).prop_map(Value::Hash).boxed(),
            prop::collection::vec(inner.clone(), 0..4)
                .prop_map(|params| {
                    Value::Remote(Box::new(RemoteObject {
                        name: Some("Class::Root::child".into()),
                        type_name: Some("Child".into()),
                        kind: ObjectKind::Class,
                        definition: None,
                        is_null: false,
                        parameters: params,
                    }))
                })
                .boxed(),
        ];
        if dialect == Dialect::Qt6 {
            choices.push((element.clone(), element).prop_map(|(a, b)| Value::Pair(Box::new(a), Box::new(b))).boxed());
            choices.push(
                prop::collection::vec((any::<i32>(), opt_string()), 0..4)
                    .prop_map(|v| {
                        Value::GadgetSequence(Box::new(GadgetSequence {
                            type_name: "QList<Pt>".into(),
                            value_type_name: "Pt".into(),
                            items: v.into_iter().map(|(x, s)| pt(x, s)).collect(),
                        }))
                    })
                    .boxed(),
            );
            choices.push(
                prop::collection::vec((any::<String>(), any::<i32>()), 0..4)
                    .prop_map(|v| {
                        Value::GadgetAssoc(Box::new(GadgetAssoc {
                            type_name: "QMap<QString,Pt>".into(),
                            key_type_name: "QString".into(),
                            value_type_name: "Pt".into(),
                            entries: v.into_iter().map(|(k, x)| (Value::string(k), pt(x, None))).collect(),
                        }))
                    })
                    .boxed(),
            );
        }
        prop::strategy::Union::new(choices)
    })
    .boxed()
}

fn packet(dialect: Dialect) -> impl Strategy<Value = Packet> {
    let values = prop::collection::vec(value(dialect), 0..4);
    let name = "[A-Za-z:]{0,12}";
    prop_oneof![
        "QtRO [0-9].[0-9]".prop_map(|version| Packet::Handshake { version }),
        (name, values.clone()).prop_map(|(name, values)| Packet::Init { name, values }),
        (name, any::<bool>()).prop_map(|(name, is_dynamic)| Packet::AddObject { name, is_dynamic }),
        name.prop_map(|name| Packet::RemoveObject { name }),
        (name, 0..3i32, any::<i32>(), values, any::<i32>(), any::<i32>()).prop_map(
            |(name, call, index, args, serial_id, property_index)| {
                Packet::Invoke(Invoke { name, call, index, args, serial_id, property_index })
            }
        ),
        (name, any::<i32>(), value(dialect)).prop_map(|(name, serial_id, value)| Packet::InvokeReply {
            name,
            serial_id,
            value
        }),
        (name, any::<i32>(), value(dialect)).prop_map(|(name, index, value)| Packet::PropertyChange {
            name,
            index,
            value
        }),
        prop::collection::vec((name, prop::option::of(name), prop::option::of("[0-9a-f]{40}")), 0..4).prop_map(|v| {
            Packet::ObjectList(
                v.into_iter().map(|(n, t, s)| ObjectInfo { name: n, type_name: t, signature: s }).collect(),
            )
        }),
        name.prop_map(|name| Packet::Ping { name }),
        name.prop_map(|name| Packet::Pong { name }),
    ]
}

fn decode_packet(
    bytes: &[u8],
    dialect: Dialect,
    types: &TypeRegistry,
    limits: &Limits,
) -> Result<Vec<Packet>, DecodeError> {
    let mut d = FrameDecoder::new(dialect, limits);
    d.extend(bytes);
    let mut out = Vec::new();
    while let Some(f) = d.next_frame()? {
        out.push(Packet::decode(&f, dialect, types, limits)?);
    }
    Ok(out)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn qt6_values_round_trip_in_both_orders(v in value(Dialect::Qt6)) {
        let reg = registry(Dialect::Qt6);
        for order in [ByteOrder::Little, ByteOrder::Big] {
            let bytes = to_bytes_plain(&v, Dialect::Qt6, order).unwrap();
            prop_assert_eq!(&from_bytes(bytes, Dialect::Qt6, order, &reg).unwrap(), &v);
        }
    }

    #[test]
    fn qt5_values_round_trip(v in value(Dialect::Qt5)) {
        let reg = registry(Dialect::Qt5);
        let bytes = to_bytes_plain(&v, Dialect::Qt5, ByteOrder::Big).unwrap();
        prop_assert_eq!(&from_bytes(bytes, Dialect::Qt5, ByteOrder::Big, &reg).unwrap(), &v);
    }

    #[test]
    fn packets_round_trip(p6 in packet(Dialect::Qt6), p5 in packet(Dialect::Qt5)) {
        for (p, dialect) in [(p6, Dialect::Qt6), (p5, Dialect::Qt5)] {
            let bytes = p.to_bytes(dialect).unwrap();
            let back = decode_packet(&bytes, dialect, &registry(dialect), &Limits::DEFAULT).unwrap();
            prop_assert_eq!(back, vec![p]);
        }
    }

    #[test]
    fn mutilated_packets_fail_cleanly(p in packet(Dialect::Qt6), cut in any::<prop::sample::Index>(),
                                      flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4)) {
        let reg = registry(Dialect::Qt6);
        let limits = Limits { max_values: 10_000, max_collection_len: 10_000, ..Limits::DEFAULT };
        let mut bytes = p.to_bytes(Dialect::Qt6).unwrap().to_vec();
        // Truncations either wait for more data or fail; never panic.
        let truncated = &bytes[..cut.index(bytes.len())];
        let _ = decode_packet(truncated, Dialect::Qt6, &reg, &limits);
        for (at, b) in flips {
            let i = at.index(bytes.len());
            bytes[i] = b;
        }
        let _ = decode_packet(&bytes, Dialect::Qt6, &reg, &limits);
    }

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        let limits = Limits { max_values: 10_000, max_collection_len: 10_000, ..Limits::DEFAULT };
        for dialect in [Dialect::Qt6, Dialect::Qt5] {
            let reg = registry(dialect);
            let _ = decode_packet(&bytes, dialect, &reg, &limits);
            let _ = from_bytes_with_limits(bytes.clone(), dialect, dialect.outer_order(), &reg, &limits);
        }
    }
}

#[test]
fn deep_nesting_is_refused_not_overflowed() {
    // 10 000 nested single-element QVariantLists: well past the depth limit.
    let mut bytes = Vec::new();
    for _ in 0..10_000 {
        bytes.extend_from_slice(&[9, 0, 0, 0, 0, 1, 0, 0, 0]);
    }
    bytes.extend_from_slice(&[0, 0, 0, 0, 1]);
    let reg = registry(Dialect::Qt6);
    let err = from_bytes(bytes, Dialect::Qt6, ByteOrder::Little, &reg).unwrap_err();
    assert!(matches!(err, DecodeError::TooDeep { .. }), "{err}");

    let mut deep = Value::Int(1);
    for _ in 0..200 {
        deep = Value::List(vec![deep]);
    }
    assert!(matches!(to_bytes_plain(&deep, Dialect::Qt6, ByteOrder::Little), Err(EncodeError::TooDeep { .. })));
}

#[test]
fn value_budget_bounds_memory_from_tiny_elements() {
    // A QList<bool> (1 byte per element) of 100 000 elements: 100 KB of wire data that would be
    // millions of bytes of Values. The budget stops it.
    let mut bytes = vec![0, 0, 1, 0, 0];
    bytes.extend_from_slice(&12u32.to_le_bytes());
    bytes.extend_from_slice(b"QList<bool>\0");
    bytes.extend_from_slice(&100_000u32.to_le_bytes());
    bytes.extend(std::iter::repeat_n(1u8, 100_000));
    let reg = registry(Dialect::Qt6);
    let limits = Limits { max_values: 50_000, ..Limits::DEFAULT };
    let err = from_bytes_with_limits(bytes.clone(), Dialect::Qt6, ByteOrder::Little, &reg, &limits).unwrap_err();
    assert!(matches!(err, DecodeError::TooManyValues { .. }), "{err}");
    // With the default budget it decodes.
    let Value::Sequence(s) = from_bytes(bytes, Dialect::Qt6, ByteOrder::Little, &reg).unwrap() else { panic!() };
    assert_eq!(s.items.len(), 100_000);
}

#[test]
fn unknown_user_types_are_named_in_the_error() {
    let mut bytes = vec![0, 0, 1, 0, 0];
    bytes.extend_from_slice(&8u32.to_le_bytes());
    bytes.extend_from_slice(b"Mystery\0");
    bytes.extend_from_slice(&[1, 2, 3, 4]);
    let err = from_bytes(bytes, Dialect::Qt6, ByteOrder::Little, &registry(Dialect::Qt6)).unwrap_err();
    assert_eq!(err, DecodeError::UnknownUserType("Mystery".into()));
    assert!(err.to_string().contains("Mystery"));
}

#[test]
fn enums_travel_as_sized_integers_at_the_top_level() {
    let e = |size, value| Value::Enum(EnumValue { type_name: "Holder::X".into(), value, size });
    // The PropertyChange value is the last thing in the frame, so the encoding ends the frame.
    let cases = [
        (Dialect::Qt6, e(1, 200), "2800000000c8"),     // qint8 -56: signedness dropped
        (Dialect::Qt5, e(1, 200), "0000002200c8"),     // Qt 5 uses char
        (Dialect::Qt6, e(2, 2), "21000000000200"),     // short
        (Dialect::Qt6, e(4, 3), "020000000003000000"), // int
        (Dialect::Qt5, e(4, 3), "000000020000000003"),
    ];
    for (dialect, v, expected_tail) in cases {
        let packet = Packet::PropertyChange { name: "X".into(), index: 0, value: v };
        let bytes = hex::encode(packet.to_bytes(dialect).unwrap());
        assert!(bytes.ends_with(expected_tail), "{dialect:?}: {bytes} should end with {expected_tail}");
    }
}

#[test]
fn encode_errors_leave_the_buffer_untouched() {
    let mut buf = BytesMut::from(&b"keep"[..]);
    let bad = Packet::Init { name: "X".into(), values: vec![Value::Char16(1)] };
    assert!(bad.encode(Dialect::Qt5, &mut buf).is_err());
    assert_eq!(&buf[..], b"keep");
}

#[test]
fn null_flags_on_nested_qvariants_normalize_stably() {
    // Found by the fuzzer: a null-flagged QVariant holding an invalid QVariant (Qt 5, BE).
    // Decoding must give a value that re-encodes and decodes to itself.
    let bytes = [0u8, 0, 0, 0x29, 1, 0, 0, 0, 0, 1];
    let reg = registry(Dialect::Qt5);
    let v = from_bytes(bytes.to_vec(), Dialect::Qt5, ByteOrder::Big, &reg).unwrap();
    assert_eq!(v, Value::Invalid);
    let again = to_bytes_plain(&v, Dialect::Qt5, ByteOrder::Big).unwrap();
    assert_eq!(from_bytes(again, Dialect::Qt5, ByteOrder::Big, &reg).unwrap(), v);
}

#[test]
fn a_qvariant_typed_by_the_name_qvariant_collapses_like_its_id() {
    // Found by the variant fuzzer: a QVariant whose user type is spelled "QVariant" decoded to a
    // Variant wrapper, which re-encodes without it.
    let mut bytes = vec![0, 0, 1, 0, 0, 9, 0, 0, 0];
    bytes.extend_from_slice(b"QVariant\0");
    bytes.extend_from_slice(&[2, 0, 0, 0, 0, 7, 0, 0, 0]); // an int 7, little-endian Qt 6
    let types = registry(Dialect::Qt6);
    let v = from_bytes_with_limits(bytes, Dialect::Qt6, ByteOrder::Little, &types, &Limits::DEFAULT).unwrap();
    assert_eq!(v, Value::Int(7));
    let again = to_bytes_plain(&v, Dialect::Qt6, ByteOrder::Little).unwrap();
    assert_eq!(from_bytes_with_limits(again, Dialect::Qt6, ByteOrder::Little, &types, &Limits::DEFAULT).unwrap(), v);
}
