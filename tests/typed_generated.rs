//! The code generated from the whole `.rep` corpus compiles; its class descriptions build exactly
//! the run-time classes `qtro_rs::rep::source_class` builds from the same files; and its typed
//! values are byte-exact with what stock Qt 6.4 sent for the same interface (the golden captures).
//!
//! The generated files are the committed snapshots of `tests/codegen.rs`.

#![allow(dead_code)]

use bytes::Bytes;
use qtro_rs::core::variant::{from_bytes, to_bytes};
use qtro_rs::core::{ByteOrder, Dialect, FrameDecoder, Limits, Packet, TypeRegistry, Value};
use qtro_rs::typed::{ClassSpec, ConvertError, FromValue, ToValue};

mod common;

mod rep_captures_qt6 {
    include!("rep/generated/captures_qt6.rs");
}
mod rep_children {
    include!("rep/generated/children.rs");
}
mod rep_comments_qt6 {
    include!("rep/generated/comments_qt6.rs");
}
mod rep_gadgets_qt6 {
    include!("rep/generated/gadgets_qt6.rs");
}
mod rep_enums_qt5 {
    include!("rep/generated/enums_qt5.rs");
}
mod rep_enums_qt6 {
    include!("rep/generated/enums_qt6.rs");
}
mod rep_functions {
    include!("rep/generated/functions.rs");
}
mod rep_modifiers {
    include!("rep/generated/modifiers.rs");
}
mod rep_pods_qt5 {
    include!("rep/generated/pods_qt5.rs");
}
mod rep_pods_qt6 {
    include!("rep/generated/pods_qt6.rs");
}
mod rep_quirks {
    include!("rep/generated/quirks.rs");
}
mod rep_simple {
    include!("rep/generated/simple.rs");
}
mod rep_typemap {
    include!("rep/generated/typemap.rs");
}
mod rep_peers_interop {
    include!("rep/generated/peers_interop.rs");
}
mod rep_simpleswitch {
    include!("../examples/generated/simpleswitch.rs");
}

use rep_captures_qt6 as cap;

/// Every generated class with its `.rep` file.
fn classes() -> Vec<(&'static str, &'static ClassSpec)> {
    vec![
        ("tests/rep/captures_qt6.rep", &cap::CHILD_CLASS),
        ("tests/rep/captures_qt6.rep", &cap::RICH_CLASS),
        ("tests/rep/captures_qt6.rep", &cap::FLAGGED_CLASS),
        ("tests/rep/children.rep", &rep_children::LEAF_CLASS),
        ("tests/rep/children.rep", &rep_children::BRANCH_CLASS),
        ("tests/rep/children.rep", &rep_children::TREE_CLASS),
        ("tests/rep/children.rep", &rep_children::FUTURE_CLASS),
        ("tests/rep/comments_qt6.rep", &rep_comments_qt6::COMMENTED_CLASS),
        ("tests/rep/gadgets_qt6.rep", &rep_gadgets_qt6::PROBE_CLASS),
        ("tests/rep/enums_qt5.rep", &rep_enums_qt5::MACHINE_CLASS),
        ("tests/rep/enums_qt5.rep", &rep_enums_qt5::OBSERVER_CLASS),
        ("tests/rep/enums_qt6.rep", &rep_enums_qt6::FILES_CLASS),
        ("tests/rep/functions.rep", &rep_functions::FUNCTIONS_CLASS),
        ("tests/rep/modifiers.rep", &rep_modifiers::MODIFIERS_CLASS),
        ("tests/rep/modifiers.rep", &rep_modifiers::DEFAULTS_CLASS),
        ("tests/rep/pods_qt5.rep", &rep_pods_qt5::CANVAS_CLASS),
        ("tests/rep/pods_qt6.rep", &rep_pods_qt6::DRAWING_CLASS),
        ("tests/rep/quirks.rep", &rep_quirks::QUIRKS_CLASS),
        ("tests/rep/simple.rep", &rep_simple::SIMPLE_CLASS),
        ("tests/rep/simple.rep", &rep_simple::COUNTER_CLASS),
        ("tests/rep/typemap.rep", &rep_typemap::KINDS_CLASS),
        ("qt-interop/simpleswitch/simpleswitch.rep", &rep_simpleswitch::SIMPLE_SWITCH_CLASS),
        ("qt-interop/peers/interop.rep", &rep_peers_interop::SIMPLE_CLASS),
        ("qt-interop/peers/interop.rep", &rep_peers_interop::INTEROP_CLASS),
        ("qt-interop/peers/interop.rep", &rep_peers_interop::CHILD_CLASS),
        ("qt-interop/peers/interop.rep", &rep_peers_interop::PARENT_CLASS),
        ("qt-interop/peers/interop.rep", &rep_peers_interop::MEDIA_CLASS),
        ("qt-interop/peers/interop.rep", &rep_peers_interop::OTHER_MEDIA_CLASS),
    ]
}

#[test]
fn every_class_of_the_corpus_is_covered() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let listed = classes();
    for entry in std::fs::read_dir(root.join("tests/rep")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|x| x != "rep") {
            continue;
        }
        let file = qtro_rs::rep::parse(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let rel = format!("tests/rep/{}", path.file_name().unwrap().to_string_lossy());
        for class in &file.classes {
            assert!(
                listed.iter().any(|(f, spec)| *f == rel && spec.name == class.name),
                "{rel}: class {} is missing from this test (and probably from its includes)",
                class.name
            );
        }
    }
}

#[test]
fn class_specs_build_what_rep_source_class_builds() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for (path, spec) in classes() {
        let file = qtro_rs::rep::parse(&std::fs::read_to_string(root.join(path)).unwrap()).unwrap();
        for dialect in [Dialect::Qt6, Dialect::Qt5] {
            let expected = qtro_rs::rep::source_class(&file, spec.name, dialect).unwrap();
            let mut expected = expected;
            let built = spec.source_class(dialect, expected.defaults.clone());
            // The same gadget section, but for the holders of global ENUMs (`EEnum`, no fields),
            // which the typed layer registers through its enum specs instead.
            expected.definition.gadgets.gadgets.retain(|g| !(g.properties.is_empty() && g.name.ends_with("Enum")));
            let sorted = |mut g: qtro_rs::core::classdef::GadgetSection| {
                g.gadgets.sort_by(|a, b| a.name.cmp(&b.name));
                g
            };
            let mut built = built;
            built.definition.gadgets = sorted(built.definition.gadgets);
            expected.definition.gadgets = sorted(expected.definition.gadgets);
            assert_eq!(built, expected, "{path}: class {} ({dialect:?})", spec.name);
        }
    }
}

/// The gadget sections Qt 6.4 sent for the same interfaces (class-definition-and-signature.md
/// §3): `Rich` lists `Point3` and `Tagged` (with its enum), `Flagged` lists `Qt::Orientation`.
#[test]
fn gadget_sections_list_what_qt_lists() {
    use qtro_rs::core::classdef::{EnumDef, GadgetDef};
    let rich = cap::RICH_CLASS.gadget_section(Dialect::Qt6);
    assert!(rich.qt_enums.is_empty());
    let mut gadgets = rich.gadgets.clone();
    gadgets.sort_by(|a, b| a.name.cmp(&b.name));
    let int = |n: &str| (n.to_owned(), "int".to_owned());
    assert_eq!(
        gadgets,
        vec![
            GadgetDef { name: "Point3".into(), properties: vec![int("x"), int("y"), int("z")], enums: vec![] },
            GadgetDef {
                name: "Tagged".into(),
                properties: vec![("kind".into(), "Tagged::Kind".into()), ("label".into(), "QString".into())],
                enums: vec![EnumDef {
                    name: "Kind".into(),
                    is_flag: false,
                    is_scoped: false,
                    size: 4,
                    keys: vec![("KA".into(), 0), ("KB".into(), 4)]
                }],
            },
        ]
    );
    let flagged = cap::FLAGGED_CLASS.gadget_section(Dialect::Qt6);
    assert_eq!((flagged.qt_enums, flagged.gadgets), (vec!["Qt::Orientation".to_owned()], vec![]));
    // PODs used only inside other PODs, and by child classes, are listed too.
    let canvas: Vec<String> =
        rep_pods_qt5::CANVAS_CLASS.gadget_section(Dialect::Qt5).gadgets.into_iter().map(|g| g.name).collect();
    assert_eq!(canvas, ["Point", "Sized", "Bag", "Nested", "Refs", "Unnamed", "Late"]);
}

#[test]
fn signatures_are_repcs() {
    assert_eq!(rep_simple::SimpleSource::SIGNATURE, "d73490aa59d4e788b36b725dafcbbcdddb485d09");
    assert_eq!(rep_simple::SimpleReplica::SIGNATURE_QT5, "d73490aa59d4e788b36b725dafcbbcdddb485d09");
    let file = qtro_rs::rep::parse(include_str!("rep/captures_qt6.rep")).unwrap();
    assert_eq!(cap::RichReplica::SIGNATURE, qtro_rs::rep::signature_qt6(&file, "Rich").unwrap());
}

// ---- Byte-exactness against the Qt 6.4 captures ---------------------------------------------

fn types(register: fn(&mut TypeRegistry), dialect: Dialect) -> TypeRegistry {
    let mut t = TypeRegistry::new(dialect);
    register(&mut t);
    t
}

/// The values of the captured InitPacket of `Rich` (section 6), one per `P<n>` block.
fn rich_capture() -> Vec<Vec<u8>> {
    let frames = common::captures::frames("### 6. Qt 6.4 InitPacket of `Rich`");
    let values: Vec<Vec<u8>> = frames.into_iter().map(|(_, b)| b).collect();
    assert_eq!(values.len(), 13);
    values
}

/// What the Qt host of the captures held.
fn rich_host_state() -> cap::RichProperties {
    let p = |x, y, z| cap::Point3 { x, y, z };
    cap::RichProperties {
        color: cap::rich::Color::Green,
        mode: cap::rich::Mode::On,
        pt: p(1, 2, 3),
        ints: vec![1, 2, 3],
        pts: vec![p(1, 1, 1), p(2, 2, 2)],
        ptmap: [("a".to_owned(), p(9, 8, 7))].into(),
        vmap: [("k".to_owned(), Value::Int(1)), ("s".to_owned(), Value::string("v"))].into(),
        ratio: 1.5,
        flag: true,
        note: "n".into(),
        tag: cap::Tagged { kind: cap::tagged::Kind::KB, label: "lbl".into() },
    }
}

#[test]
fn typed_rich_values_encode_to_the_bytes_qt_sent() {
    let sent = rich_host_state().to_values(Dialect::Qt6);
    for (i, (value, captured)) in sent.iter().zip(rich_capture()).enumerate().take(11) {
        let bytes = to_bytes(value, Dialect::Qt6, ByteOrder::Little).unwrap();
        assert_eq!(
            hex::encode(&bytes),
            hex::encode(&captured),
            "property {i} ({})",
            cap::RICH_CLASS.properties[i].name
        );
    }
}

#[test]
fn qt_rich_values_decode_to_typed_values() {
    let types = types(cap::register_types, Dialect::Qt6);
    let values: Vec<Value> = rich_capture()
        .into_iter()
        .map(|b| from_bytes(Bytes::from(b), Dialect::Qt6, ByteOrder::Little, &types).unwrap())
        .collect();
    let want = rich_host_state();
    assert_eq!(cap::rich::Color::from_value(&values[0]), Ok(want.color));
    assert_eq!(cap::rich::Mode::from_value(&values[1]), Ok(want.mode));
    assert_eq!(cap::Point3::from_value(&values[2]), Ok(want.pt));
    assert_eq!(Vec::<i32>::from_value(&values[3]), Ok(want.ints));
    assert_eq!(Vec::<cap::Point3>::from_value(&values[4]), Ok(want.pts));
    assert_eq!(FromValue::from_value(&values[5]), Ok(want.ptmap));
    assert_eq!(FromValue::from_value(&values[6]), Ok(want.vmap));
    assert_eq!(f64::from_value(&values[7]), Ok(want.ratio));
    assert_eq!(bool::from_value(&values[8]), Ok(want.flag));
    assert_eq!(String::from_value(&values[9]), Ok(want.note));
    assert_eq!(cap::Tagged::from_value(&values[10]), Ok(want.tag));
}

#[test]
fn flagged_init_packet_is_byte_exact() {
    use cap::flagged::{Opt, Opts, Small};
    let (_, frame_bytes) = common::captures::frames("### 9. FLAG").remove(0);
    let mut frames = FrameDecoder::new(Dialect::Qt6, &Limits::DEFAULT);
    frames.extend(&frame_bytes);
    let frame = frames.next_frame().unwrap().unwrap();
    let types = types(cap::register_types, Dialect::Qt6);
    let Packet::Init { name, values } = Packet::decode(&frame, Dialect::Qt6, &types, &Limits::DEFAULT).unwrap() else {
        panic!("not an InitPacket")
    };
    assert_eq!(name, "Flagged");
    let opts = Opts::from(Opt::OA) | Opt::OB;
    assert_eq!(Opts::from_value(&values[0]), Ok(opts));
    assert!(opts.test(Opt::OB) && !opts.test(Opt::OC));
    assert_eq!(Small::from_value(&values[1]), Ok(Small::S200), "a quint8 enum arrives as qint8 -56");
    assert_eq!(qtro_rs::typed::qt::Orientation::from_value(&values[2]), Ok(qtro_rs::typed::qt::Orientation::Vertical));
    let props = cap::FlaggedProperties { opts, small: Small::S200, orient: qtro_rs::typed::qt::Orientation::Vertical };
    let again = Packet::Init { name, values: props.to_values(Dialect::Qt6) };
    assert_eq!(hex::encode(again.to_bytes(Dialect::Qt6).unwrap()), hex::encode(&frame_bytes));
}

// ---- Conversions ------------------------------------------------------------------------------

#[test]
fn rep_defaults_become_rust_defaults() {
    let m = rep_modifiers::ModifiersProperties::default();
    assert_eq!((m.pushed, m.written, m.readonly, m.constant, m.source_set), (1, 2, 3, 4, -1));
    assert_eq!(m.spaced, "a = b, c");
    assert_eq!((m.ratio, m.enabled), (0.5, true));
    let d = rep_modifiers::DefaultsProperties::default();
    assert_eq!(d.data, Bytes::from_static(b"raw bytes"));
    assert_eq!((d.letter, d.scale), (b'c' as i8, 1.25));
    assert_eq!(d.anything, Value::Invalid);
    let r = cap::RichProperties::default();
    assert_eq!((r.color, r.mode, r.ratio), (cap::rich::Color::Green, cap::rich::Mode::On, 1.5));
    let f = cap::FlaggedProperties::default();
    assert_eq!(f.opts, cap::flagged::Opts::from(cap::flagged::Opt::OA));
    assert_eq!(f.orient, qtro_rs::typed::qt::Orientation::Vertical);
    let files = rep_enums_qt6::FilesProperties::default();
    assert_eq!(files.direction, rep_enums_qt6::Direction::North);
    let machine = rep_enums_qt5::MachineProperties::default();
    assert_eq!(machine.mode, rep_enums_qt5::machine::Mode::Auto);
    assert_eq!(machine.orientation, qtro_rs::typed::qt::Orientation::Horizontal);
}

#[test]
fn enums_have_the_wire_size_and_reject_unknown_values() {
    use rep_enums_qt6::{files, Direction, Wide};
    assert_eq!(std::mem::size_of::<Direction>(), 1);
    assert_eq!(std::mem::size_of::<files::State>(), 1);
    assert_eq!(std::mem::size_of::<rep_enums_qt6::access::Kind>(), 2);
    assert_eq!(Direction::North.to_variant("Direction", Dialect::Qt6), Value::SChar(-1));
    assert_eq!(Direction::North.to_variant("Direction", Dialect::Qt5), Value::Char(-1));
    assert_eq!(files::State::from_value(&Value::SChar(-128)), Ok(files::State::Open), "quint8 0x80");
    assert_eq!(Wide::from_value(&Value::Int(0xFFFF)), Ok(Wide::W1));
    assert_eq!(
        Direction::from_value(&Value::SChar(5)),
        Err(ConvertError::UnknownEnumValue { type_name: "Direction", value: 5 })
    );
    // A list of class enums is a typed container of 1-byte values.
    let history = vec![files::State::Closed, files::State::Open];
    let v = history.to_variant("QList<Files::State>", Dialect::Qt6);
    let types = types(rep_enums_qt6::register_types, Dialect::Qt6);
    let back =
        from_bytes(to_bytes(&v, Dialect::Qt6, ByteOrder::Little).unwrap(), Dialect::Qt6, ByteOrder::Little, &types)
            .unwrap();
    assert_eq!(Vec::<files::State>::from_value(&back), Ok(history));
}

#[test]
fn pods_round_trip_through_the_codec_in_both_dialects() {
    use rep_pods_qt5::{Bag, Point, Shape, Sized};
    let bag = Bag {
        points: vec![Point { x: 1, y: 2 }, Point { x: -3, y: 4 }],
        named: [("a".to_owned(), Point { x: 5, y: 6 })].into(),
        blobs: [(7, Bytes::from_static(b"seven"))].into(),
    };
    let sized = Sized {
        origin: Point { x: 1, y: 1 },
        size: qtro_rs::core::SizeF { width: 2.5, height: 3.0 },
        shape: Shape::Triangle,
    };
    for dialect in [Dialect::Qt6, Dialect::Qt5] {
        let types = types(rep_pods_qt5::register_types, dialect);
        let round = |v: Value| {
            from_bytes(to_bytes(&v, dialect, ByteOrder::Little).unwrap(), dialect, ByteOrder::Little, &types).unwrap()
        };
        assert_eq!(Bag::from_value(&round(bag.to_variant("Bag", dialect))), Ok(bag.clone()));
        assert_eq!(Sized::from_value(&round(sized.to_variant("Sized", dialect))), Ok(sized.clone()));
        let list = bag.points.to_variant("QList<Point>", dialect);
        assert_eq!(matches!(list, Value::GadgetSequence(_)), dialect == Dialect::Qt6, "QSQ_ on Qt 6 only");
        assert_eq!(Vec::<Point>::from_value(&round(list)), Ok(bag.points.clone()));
    }
}

#[test]
fn every_mapped_type_round_trips_in_both_dialects() {
    use qtro_rs::core::{Line, LineF, Point, PointF, QDate, QDateTime, QTime, Rect, RectF, Size, SizeF, TimeSpec};
    use rep_typemap::{KindsProperties, Level, Shapes, Stamp, KINDS_CLASS};
    let stamp = Stamp {
        day: QDate::from_ymd(2024, 1, 2),
        at: QTime::from_hms_ms(1, 2, 3, 4),
        when: QDateTime {
            date: QDate::from_ymd(2020, 2, 29),
            time: QTime::from_hms_ms(23, 59, 59, 999),
            spec: TimeSpec::Utc,
        },
        id: [7; 16],
    };
    let props = KindsProperties {
        bytes: Bytes::from_static(b"\x00\x01"),
        names: vec!["a".into(), "b".into()],
        any_list: vec![Value::Int(1), Value::string("x")],
        any_map: [("k".to_owned(), Value::Bool(true))].into(),
        any_hash: [("h".to_owned(), Value::Double(0.5))].into(),
        anything: Value::LongLong(-3),
        bits: vec![true, false, true],
        link: "tcp://127.0.0.1:9".into(),
        letter: 'Q' as u16,
        tiny: -128,
        small: 65535,
        big: i64::MIN,
        huge: u64::MAX,
        ratio: 0.25,
        stamp: stamp.clone(),
        shapes: Shapes {
            p: Point { x: 1, y: 2 },
            pf: PointF { x: 0.5, y: 1.5 },
            s: Size { width: 3, height: 4 },
            sf: SizeF { width: 0.25, height: 8.0 },
            r: Rect::new(1, 2, 3, 4),
            rf: RectF { x: 1.0, y: 2.0, width: 3.0, height: 4.0 },
            l: Line { x1: 1, y1: 2, x2: 3, y2: 4 },
            lf: LineF { x1: 0.5, y1: 0.5, x2: 1.5, y2: 1.5 },
        },
        labels: [(Level::Max, "max".to_owned()), (Level::Low, "low".to_owned())].into(),
        by_day: [(1, vec![stamp.clone()]), (2, vec![])].into(),
        grid: vec![vec![1, 2], vec![], vec![3]],
        level: Level::Top,
        align: qtro_rs::typed::RawEnum(0x84),
        pair: (5, "five".into()),
        opaque: Value::Uuid([1; 16]),
        r#type: 1,
        state: 2,
        events: 3,
    };
    for dialect in [Dialect::Qt6, Dialect::Qt5] {
        let types = types(rep_typemap::register_types, dialect);
        let values: Vec<Value> = props
            .to_values(dialect)
            .iter()
            .map(|v| {
                from_bytes(to_bytes(v, dialect, ByteOrder::Little).unwrap(), dialect, ByteOrder::Little, &types)
                    .unwrap()
            })
            .collect();
        // Read back through the typed replica path: one property at a time by its index.
        let get = |name: &str| {
            let i = KINDS_CLASS.properties.iter().position(|p| p.name == name).unwrap();
            values[i].clone()
        };
        assert_eq!(Bytes::from_value(&get("bytes")), Ok(props.bytes.clone()));
        assert_eq!(Vec::<String>::from_value(&get("names")), Ok(props.names.clone()));
        assert_eq!(Vec::<Value>::from_value(&get("anyList")), Ok(props.any_list.clone()));
        assert_eq!(FromValue::from_value(&get("anyMap")), Ok(props.any_map.clone()));
        assert_eq!(FromValue::from_value(&get("anyHash")), Ok(props.any_hash.clone()));
        assert_eq!(Value::from_value(&get("anything")), Ok(props.anything.clone()));
        assert_eq!(Vec::<bool>::from_value(&get("bits")), Ok(props.bits.clone()));
        assert_eq!(get("link"), Value::Url("tcp://127.0.0.1:9".into()), "a QUrl, not a QString");
        assert_eq!(String::from_value(&get("link")), Ok(props.link.clone()));
        assert_eq!(get("letter"), Value::QChar('Q' as u16));
        assert_eq!(i8::from_value(&get("tiny")), Ok(-128));
        assert_eq!(u16::from_value(&get("small")), Ok(65535));
        assert_eq!(i64::from_value(&get("big")), Ok(i64::MIN));
        assert_eq!(u64::from_value(&get("huge")), Ok(u64::MAX));
        assert_eq!(f32::from_value(&get("ratio")), Ok(0.25));
        assert_eq!(Stamp::from_value(&get("stamp")), Ok(stamp.clone()));
        assert_eq!(Shapes::from_value(&get("shapes")), Ok(props.shapes.clone()));
        assert_eq!(FromValue::from_value(&get("labels")), Ok(props.labels.clone()));
        assert_eq!(FromValue::from_value(&get("byDay")), Ok(props.by_day.clone()));
        assert_eq!(Vec::<Vec<i32>>::from_value(&get("grid")), Ok(props.grid.clone()));
        assert_eq!(Level::from_value(&get("level")), Ok(Level::High), "Top is an alias of High");
        assert_eq!(qtro_rs::typed::RawEnum::from_value(&get("align")), Ok(props.align));
        assert_eq!(<(i32, String)>::from_value(&get("pair")), Ok(props.pair.clone()));
        assert_eq!(get("opaque"), props.opaque);
        assert_eq!(i32::from_value(&get("type")), Ok(1));
    }
}
