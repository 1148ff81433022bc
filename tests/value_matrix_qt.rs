//! The value-type matrix against stock Qt 6.4 and 5.15: every value type qtro_rs carries (the
//! QtCore built-ins, containers, JSON, CBOR and the QtGui types) ×
//! {init, property change, signal argument, slot argument, slot return, property write} ×
//! {Qt → Rust, Rust → Qt}, through stock Qt sources and stock Qt dynamic replicas, compared value
//! by value. The stock peer runs with `--exact-values`: it reports each value as the bytes
//! `QDataStream << QVariant` writes, which are decoded here and compared with what was sent.
//!
//! Qt → Rust: a stock `source-plain` holds each value in its `QVariant anything` property
//! (init: a replica acquiring afterwards; change: the PropertyChange; signal: the notify
//! signal's argument; slot return: `identity(v)`). Rust → Qt: the Rust replica's slot argument
//! (`identity`) and property write (`written`). Then a Rust source with a property, a signal and
//! an echo slot of every type serves a stock dynamic replica: init, change and signal reach Qt;
//! Qt's slot argument and property write reach Rust, Rust's slot return reaches Qt.
//!
//! Then the same with repc classes (`qt-interop/peers/matrix.rep`: a property, a signal and an
//! echo slot per type, PODs, containers of PODs and enums included): a stock static source with a Rust static
//! replica, and a Rust source with a stock static replica.
//!
//! Each cell that passes is counted; the counts per version and direction are printed and
//! checked against the number of types, so no cell is skipped silently.

use std::collections::BTreeMap;
use std::time::Duration;

use qtro_rs::core::gui::{Brush, Color, Image};
use qtro_rs::core::value::JsonValue;
use qtro_rs::core::variant::{from_bytes, to_bytes_plain};
use qtro_rs::core::Gadget;
use qtro_rs::core::*;
use qtro_rs::node::{Node, NodeConfig, ReplicaEvent, SlotCall};
use serde_json::json;

mod common;
use common::dialect::major;
use common::events::next_event;
use common::qt_peer::{is, QtPeer};

const T: Duration = Duration::from_secs(10);

/// One value of every type, for `dialect` (Qt 5 lacks char16_t, char32_t and QVariantPair).
fn values(dialect: Dialect) -> Vec<Value> {
    use Value as V;
    let b = |x: &[u8]| Value::bytes(bytes::Bytes::copy_from_slice(x));
    let mut v = vec![
        V::Bool(true),
        V::Int(-7),
        V::UInt(3_000_000_000),
        V::LongLong(-(1 << 40)),
        V::ULongLong(u64::MAX),
        V::Double(-2.5),
        V::Float(0.25),
        V::Long(-9),
        V::ULong(1 << 40),
        V::Short(-3),
        V::UShort(0xbeef),
        V::Char(65),
        V::SChar(-5),
        V::UChar(200),
        V::QChar(0x20ac),
        V::string("héllo ✓"),
        b(&[0, 1, 2, 255]),
        V::StringList(vec![Some("a".into()), Some("b c".into())]),
        V::ByteArrayList(vec![Some("x".into()), Some(bytes::Bytes::new())]),
        V::List(vec![V::Int(1), V::string("x"), V::List(vec![V::Bool(false)])]),
        V::map([("k".into(), V::Int(1)), ("s".into(), V::string("v"))]),
        V::Hash(vec![("h".into(), V::Double(0.5))]),
        V::BitArray(BitArray::from_bools([true, false, true])),
        V::Date(QDate::from_ymd(2024, 1, 2)),
        V::Time(QTime::from_hms_ms(13, 14, 15, 16)),
        V::DateTime(QDateTime {
            date: QDate::from_ymd(2024, 1, 2),
            time: QTime::from_hms_ms(3, 4, 5, 0),
            spec: TimeSpec::Utc,
        }),
        V::Url("tcp://127.0.0.1:1234/p?q".into()),
        V::Uuid([0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88]),
        V::Point(Point { x: 1, y: -2 }),
        V::PointF(PointF { x: 0.5, y: 1.5 }),
        V::Size(Size { width: 3, height: 4 }),
        V::SizeF(SizeF { width: 1.5, height: 2.5 }),
        V::Rect(Rect::new(1, 2, 30, 40)),
        V::RectF(RectF { x: 0.5, y: 0.25, width: 3.0, height: 4.0 }),
        V::Line(Line { x1: 1, y1: 2, x2: 3, y2: 4 }),
        V::LineF(LineF { x1: 0.5, y1: 1.0, x2: 1.5, y2: 2.0 }),
        V::Sequence(Sequence { type_name: "QList<int>".into(), items: vec![V::Int(1), V::Int(2)] }),
        V::Assoc(Assoc { type_name: "QHash<int,QByteArray>".into(), entries: vec![(V::Int(1), b(b"one"))] }),
        V::JsonValue(JsonValue::Double(2.5)),
        V::JsonObject(r#"{"k":[1,true]}"#.into()),
        V::JsonArray(r#"[1,"two",null]"#.into()),
        V::JsonDocument(Some(r#"{"n":3}"#.into())),
        V::CborValue(bytes::Bytes::from_static(&[0x18, 0x2a])),
        V::CborArray(bytes::Bytes::from_static(&[0x82, 0x01, 0x02])),
        V::CborMap(bytes::Bytes::from_static(&[0xa1, 0x61, 0x6b, 0x01])),
        V::Color(Color::rgba(10, 20, 30, 40)),
        V::Brush(Box::new(Brush::solid(Color::rgba(1, 2, 3, 255)))),
        V::Image(Image::from_rgba(2, 1, &[1, 2, 3, 255, 4, 5, 6, 128]).unwrap()),
        V::Polygon(vec![Point { x: 1, y: 2 }, Point { x: 3, y: 4 }]),
        V::PolygonF(vec![PointF { x: 0.5, y: 1.0 }]),
        V::Region(vec![Rect::new(1, 2, 3, 4)]),
        V::Transform([1.0, 0.0, 0.0, 0.0, 2.0, 0.0, 5.0, 6.0, 1.0]),
        V::Matrix4x4(Box::new(std::array::from_fn(|i| i as f32))),
        V::Vector2D([1.0, 2.0]),
        V::Vector3D([1.0, 2.0, 3.0]),
        V::Vector4D([1.0, 2.0, 3.0, 4.0]),
        V::Quaternion([1.0, 0.0, 0.5, 0.0]),
        V::KeySequence(vec![0x0400_0053]),
        V::Pen(Box::new(qtro_rs::core::gui::Pen {
            style: 0x22,
            cosmetic: false,
            width: 2.0,
            brush: Brush::solid(Color::rgba(7, 8, 9, 255)),
            miter_limit: 2.0,
            dash_pattern: vec![4.0, 2.0],
            dash_offset: 0.0,
            default_width: false,
        })),
        V::Font(Box::new(qtro_rs::core::gui::Font {
            family: Some("Mono".into()),
            style_name: None,
            point_size: 11.0,
            pixel_size: -1,
            style_hint: 5,
            style_strategy: 1,
            weight: if dialect == Dialect::Qt6 { 400 } else { 50 },
            bits: 0x10,
            stretch: 0,
            extended_bits: 1,
            letter_spacing: 0,
            word_spacing: 0,
            hinting_preference: 0,
            capitalization: 0,
            families: if dialect == Dialect::Qt6 { vec![Some("Mono".into())] } else { vec![] },
        })),
    ];
    // More of the QtGui formats: an HSV color, a radial gradient (its focal radius is Qt 6's).
    v.push(V::Color(Color { spec: 2, alpha: 0xffff, components: [12000, 0x8080, 0x4040, 0] }));
    v.push(V::Brush(Box::new(Brush {
        style: 16,
        color: Color { spec: 0, alpha: 0xffff, components: [0; 4] },
        gradient: Some(qtro_rs::core::gui::Gradient {
            kind: qtro_rs::core::gui::GradientKind::Radial {
                center: PointF { x: 1.0, y: 2.0 },
                focal: PointF { x: 1.5, y: 2.5 },
                radius: 4.0,
                focal_radius: if dialect == Dialect::Qt6 { 0.5 } else { 0.0 },
            },
            spread: 2,
            coordinate_mode: 1,
            interpolation_mode: 0,
            stops: vec![(0.0, Color::rgba(1, 2, 3, 255)), (1.0, Color::rgba(4, 5, 6, 7))],
        }),
        texture: None,
        transform: qtro_rs::core::gui::IDENTITY,
    })));
    if dialect == Dialect::Qt6 {
        v.extend([V::Char16(0x263a), V::Char32(0x1f600), V::Pair(Box::new(V::Int(1)), Box::new(V::string("one")))]);
    }
    v
}

/// The exact form of a value as the peer reads it.
fn exact(v: &Value, dialect: Dialect) -> serde_json::Value {
    json!({"$type": v.type_name(), "datastream": hex::encode(to_bytes_plain(v, dialect, ByteOrder::Big).unwrap())})
}

/// The value the peer reported in its exact form (it may be of matrix.rep's PODs and enums).
fn from_peer(j: &serde_json::Value, dialect: Dialect) -> Value {
    // Enums: their number (QtRO sends them as integers).
    if let Some(n) = j.as_i64() {
        return i32::try_from(n).map_or(Value::LongLong(n), Value::Int);
    }
    let hex_text = j["datastream"].as_str().unwrap_or_else(|| panic!("not the exact form: {j}"));
    let mut types = TypeRegistry::new(dialect);
    qtro_rs::rep::register_types(&qtro_rs::rep::parse(MATRIX_REP).unwrap(), &mut types);
    from_bytes(hex::decode(hex_text).unwrap(), dialect, ByteOrder::Big, &types).unwrap_or_else(|e| panic!("{j}: {e}"))
}

/// Another value of `v`'s type to change to and back: the type's default, or for a font or pen
/// (whose defaults depend on the application's) the same with another size.
fn alternate(v: &Value, dialect: Dialect) -> Value {
    match v {
        Value::Font(f) => {
            Value::Font(Box::new(qtro_rs::core::gui::Font { point_size: f.point_size + 1.0, ..(**f).clone() }))
        }
        Value::Pen(p) => Value::Pen(Box::new(qtro_rs::core::gui::Pen { width: p.width + 1.0, ..(**p).clone() })),
        _ => {
            let mut types = TypeRegistry::new(dialect);
            qtro_rs::rep::register_types(&qtro_rs::rep::parse(MATRIX_REP).unwrap(), &mut types);
            qtro_rs::core::convert::convert(Value::Invalid, v.type_name(), &types).unwrap()
        }
    }
}

/// Equal values; images by their pixels (Qt writes its own PNG encoding of the same pixels).
fn same(a: &Value, b: &Value) -> bool {
    match (a.without_null_flag(), b.without_null_flag()) {
        (Value::Image(x), Value::Image(y)) => x.to_rgba().unwrap() == y.to_rgba().unwrap(),
        (Value::Variant(x), y) | (y, Value::Variant(x)) => same(x, y),
        // Enums travel as integers of their size.
        (Value::Enum(e), x) | (x, Value::Enum(e)) => x.as_i64() == Some(e.value),
        (Value::Gadget(x), Value::Gadget(y)) => {
            x.type_name == y.type_name
                && x.fields.len() == y.fields.len()
                && x.fields.iter().zip(&y.fields).all(|(p, q)| same(p, q))
        }
        // Containers of PODs: QtRO's wrappers and plain containers hold the same elements.
        (
            Value::Sequence(_) | Value::GadgetSequence(_) | Value::List(_),
            Value::Sequence(_) | Value::GadgetSequence(_) | Value::List(_),
        ) => {
            let items = |v: &Value| match v {
                Value::Sequence(s) => s.items.clone(),
                Value::GadgetSequence(s) => s.items.clone(),
                Value::List(l) => l.clone(),
                _ => unreachable!(),
            };
            let (x, y) = (items(a.without_null_flag()), items(b.without_null_flag()));
            x.len() == y.len() && x.iter().zip(&y).all(|(p, q)| same(p, q))
        }
        (Value::Assoc(_) | Value::GadgetAssoc(_), Value::Assoc(_) | Value::GadgetAssoc(_) | Value::Map(_))
        | (Value::Map(_), Value::Assoc(_) | Value::GadgetAssoc(_)) => {
            let entries = |v: &Value| -> Vec<(String, Value)> {
                let mut e: Vec<(String, Value)> = match v {
                    Value::Assoc(a) => {
                        a.entries.iter().map(|(k, v)| (k.as_str().unwrap_or("").to_owned(), v.clone())).collect()
                    }
                    Value::GadgetAssoc(a) => {
                        a.entries.iter().map(|(k, v)| (k.as_str().unwrap_or("").to_owned(), v.clone())).collect()
                    }
                    Value::Map(m) => m.clone(),
                    _ => unreachable!(),
                };
                e.sort_by(|p, q| p.0.cmp(&q.0));
                e
            };
            let (x, y) = (entries(a.without_null_flag()), entries(b.without_null_flag()));
            x.len() == y.len() && x.iter().zip(&y).all(|((kx, vx), (ky, vy))| kx == ky && same(vx, vy))
        }
        // Qt 5 writes a QVariantMap in descending key order, Qt 6 ascending: the same map.
        (Value::Map(x), Value::Map(y)) | (Value::Hash(x), Value::Hash(y)) => {
            let sorted = |m: &Vec<(String, Value)>| {
                let mut m = m.clone();
                m.sort_by(|a, b| a.0.cmp(&b.0));
                m
            };
            let (x, y) = (sorted(x), sorted(y));
            x.len() == y.len() && x.iter().zip(&y).all(|((kx, vx), (ky, vy))| kx == ky && same(vx, vy))
        }
        (x, y) => x == y,
    }
}

#[derive(Default)]
struct Cells(BTreeMap<&'static str, usize>);

impl Cells {
    fn pass(&mut self, cell: &'static str) {
        *self.0.entry(cell).or_default() += 1;
    }
}

async fn next_change(events: &mut qtro_rs::node::EventReceiver<ReplicaEvent>, want: &Value) -> (bool, bool) {
    // (property change seen, notify signal with the value seen)
    let mut seen = (false, false);
    let _ = tokio::time::timeout(T, async {
        while !(seen.0 && seen.1) {
            match events.recv().await {
                Some(ReplicaEvent::PropertyChanged { name, value, .. }) if name == "anything" && same(&value, want) => {
                    seen.0 = true
                }
                Some(ReplicaEvent::Signal { name, args, .. })
                    if name == "anythingChanged" && args.len() == 1 && same(&args[0], want) =>
                {
                    seen.1 = true
                }
                Some(_) => {}
                None => return,
            }
        }
    })
    .await;
    seen
}

async fn qt_source_rust_replica(dialect: Dialect, cells: &mut Cells) {
    let (mut qt, ready) =
        QtPeer::start_with(major(dialect), &["source-plain", "--exact-values", "--url", "tcp://127.0.0.1:0"]).await;
    let url = ready["url"].as_str().unwrap().to_owned();
    let node = Node::with_config(NodeConfig { dialect, ..NodeConfig::default() });
    node.connect_to(&url).unwrap();
    let (replica, mut events) = node.acquire_dynamic_with_events("Plain");
    replica.wait_for_source(T).await.unwrap();
    for v in values(dialect) {
        let what = format!("Qt {} {}", major(dialect), v.type_name());
        qt.command(&format!("set anything {}", exact(&v, dialect))).await;
        let (change, signal) = next_change(&mut events, &v).await;
        assert!(change, "{what}: property change Qt -> Rust");
        cells.pass("property change Qt->Rust");
        assert!(signal, "{what}: signal argument Qt -> Rust");
        cells.pass("signal argument Qt->Rust");
        // Init: a replica acquiring now.
        let late = Node::with_config(NodeConfig { dialect, ..NodeConfig::default() });
        late.connect_to(&url).unwrap();
        let r = late.acquire_dynamic("Plain");
        r.wait_for_source(T).await.unwrap();
        assert!(same(&r.property("anything").unwrap(), &v), "{what}: init Qt -> Rust: {:?}", r.property("anything"));
        cells.pass("init Qt->Rust");
        // Slot argument Rust -> Qt, return Qt -> Rust.
        let back = replica.call("identity", vec![v.clone()]).await.unwrap();
        let e = qt.expect("invoked identity", is("invoked", "slot", "identity")).await;
        assert!(same(&from_peer(&e["args"][0], dialect), &v), "{what}: slot argument Rust -> Qt: {e}");
        cells.pass("slot argument Rust->Qt");
        assert!(same(&back, &v), "{what}: slot return Qt -> Rust: {back:?}");
        cells.pass("slot return Qt->Rust");
        // Property write Rust -> Qt.
        replica.set_property("anything", Value::Invalid).unwrap();
        qt.expect("written invalid", |e| e["event"] == "written" && e["value"].is_null()).await;
        replica.set_property("anything", v.clone()).unwrap();
        let e = qt.expect("written", is("written", "name", "anything")).await;
        assert!(same(&from_peer(&e["value"], dialect), &v), "{what}: property write Rust -> Qt: {e}");
        cells.pass("property write Rust->Qt");
    }
}

async fn rust_source_qt_replica(dialect: Dialect, cells: &mut Cells) {
    let vals = values(dialect);
    let mut class = ClassBuilder::new("Matrix");
    for (i, v) in vals.iter().enumerate() {
        let t = v.type_name();
        class = class
            .property(&format!("p{i}"), t, PropertyMode::ReadWrite, v.clone())
            .signal(&format!("s{i}"), &[("v", t)])
            .slot(&format!("echo{i}"), &[("v", t)], t);
    }
    let node = Node::with_config(NodeConfig { dialect, ..NodeConfig::default() });
    let url = node.listen("tcp://127.0.0.1:0").await.unwrap();
    let (args_tx, mut args_rx) = tokio::sync::mpsc::unbounded_channel();
    let source = node
        .enable_source("Matrix", class.build(), move |c: SlotCall| {
            let tx = args_tx.clone();
            async move {
                let v = c.args[0].clone();
                let _ = tx.send(v.clone());
                v
            }
        })
        .unwrap();
    let (mut qt, _) =
        QtPeer::start_with(major(dialect), &["replica-dynamic", "--exact-values", "--url", &url, "--name", "Matrix"])
            .await;
    qt.expect("Valid", is("state", "state", "Valid")).await;
    for (i, v) in vals.iter().enumerate() {
        let what = format!("Qt {} {}", major(dialect), v.type_name());
        let got = qt.command(&format!("get p{i}")).await;
        assert!(same(&from_peer(&got["value"], dialect), v), "{what}: init Rust -> Qt: {got}");
        cells.pass("init Rust->Qt");
        // Property change: to the default and back.
        let default = alternate(v, dialect);
        if default != *v {
            source.set_property(&format!("p{i}"), default).unwrap();
            qt.expect("reset", |e| e["event"] == "property" && e["name"] == format!("p{i}").as_str()).await;
        }
        source.set_property(&format!("p{i}"), v.clone()).unwrap();
        let e = qt.expect("property", |e| e["event"] == "property" && e["name"] == format!("p{i}").as_str()).await;
        assert!(same(&from_peer(&e["value"], dialect), v), "{what}: property change Rust -> Qt: {e}");
        cells.pass("property change Rust->Qt");
        source.emit(&format!("s{i}"), vec![v.clone()]).unwrap();
        let e = qt.expect("signal", |e| e["event"] == "signal" && e["name"] == format!("s{i}").as_str()).await;
        assert!(same(&from_peer(&e["args"][0], dialect), v), "{what}: signal argument Rust -> Qt: {e}");
        cells.pass("signal argument Rust->Qt");
        qt.command(&format!("call {i} echo{i} [{}]", exact(v, dialect))).await;
        let arg = tokio::time::timeout(T, args_rx.recv()).await.unwrap().unwrap();
        assert!(same(&arg, v), "{what}: slot argument Qt -> Rust: {arg:?}");
        cells.pass("slot argument Qt->Rust");
        let reply = qt.expect("reply", |e| e["event"] == "reply" && e["id"] == i).await;
        assert!(same(&from_peer(&reply["value"], dialect), v), "{what}: slot return Rust -> Qt: {reply}");
        cells.pass("slot return Rust->Qt");
        source.set_property(&format!("p{i}"), alternate(v, dialect)).unwrap();
        qt.command(&format!("write p{i} {}", exact(v, dialect))).await;
        tokio::time::timeout(T, async {
            while !same(&source.property(&format!("p{i}")).unwrap(), v) {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
        .await
        .unwrap_or_else(|_| panic!("{what}: property write Qt -> Rust: {:?}", source.property(&format!("p{i}"))));
        cells.pass("property write Qt->Rust");
    }
}

// ---- static replicas: repc classes of matrix.rep ------------------------------------------------

const MATRIX_REP: &str = include_str!("../qt-interop/peers/matrix.rep");

/// matrix.rep's class, and the value of each of its properties (by their types): the values
/// of the dynamic matrix, and a POD, containers of it, a global and a class enum.
fn matrix_class(dialect: Dialect) -> (SourceClass, Vec<Value>) {
    let class = qtro_rs::rep::source_class(&qtro_rs::rep::parse(MATRIX_REP).unwrap(), "Matrix", dialect).unwrap();
    let all = values(dialect);
    let pt =
        |x, y| Value::Gadget(Gadget { type_name: "MatrixPoint".into(), fields: vec![Value::Int(x), Value::Int(y)] });
    let tone = |value| Value::Enum(EnumValue { type_name: "ToneEnum::Tone".into(), value, size: 4 });
    let rep_value = |t: &str| -> Option<Value> {
        Some(match t {
            "MatrixPoint" => pt(3, 4),
            "QList<MatrixPoint>" => Value::List(vec![pt(1, 2), pt(5, 6)]),
            "QMap<QString,MatrixPoint>" => Value::map([("a".into(), pt(7, 8))]),
            "ToneEnum::Tone" => Value::Int(5),
            "Matrix::Mode" => Value::Int(2),
            // Enums Qt 5 streams in repc's width (one byte for Tone), not as an int.
            "QList<ToneEnum::Tone>" => Value::List(vec![Value::Int(5), Value::Int(0)]),
            "QVariant" => Value::List(vec![tone(5), Value::string("x")]),
            "MatrixTone" => {
                Value::Gadget(Gadget { type_name: "MatrixTone".into(), fields: vec![tone(5), Value::Int(3)] })
            }
            _ => return None,
        })
    };
    let vals = class
        .definition
        .properties
        .iter()
        .map(|p| {
            all.iter()
                .find(|v| v.type_name() == p.type_name)
                .cloned()
                .or_else(|| rep_value(&p.type_name))
                .unwrap_or_else(|| panic!("no value of type {}", p.type_name))
        })
        .collect();
    (class, vals)
}

/// What the peer is given for a value of `declared`: an enum by its number, anything else in the
/// exact form of the declared type.
fn peer_input(v: &Value, declared: &str, dialect: Dialect) -> serde_json::Value {
    let mut types = TypeRegistry::new(dialect);
    let file = qtro_rs::rep::parse(MATRIX_REP).unwrap();
    qtro_rs::rep::register_types(&file, &mut types);
    let enums = qtro_rs::rep::source_class(&file, "Matrix", dialect).unwrap().definition.enums;
    let lookup = qtro_rs::core::convert::ClassTypes { types: &types, enums: &enums, to_replicas: false };
    let typed = qtro_rs::core::convert::convert(v.clone(), declared, &lookup).unwrap();
    match typed {
        Value::Enum(e) => json!(e.value),
        other => exact(&other, dialect),
    }
}

async fn until<F: Fn() -> bool>(what: &str, f: F) {
    tokio::time::timeout(T, async {
        while !f() {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("{what}"));
}

/// A stock static (repc) source and a Rust static replica of the same .rep class.
async fn qt_static_source_rust_static_replica(dialect: Dialect, cells: &mut Cells) -> usize {
    let (class, vals) = matrix_class(dialect);
    let (mut qt, ready) = QtPeer::start_with(
        major(dialect),
        &["source-static", "Matrix", "--exact-values", "--url", "tcp://127.0.0.1:0"],
    )
    .await;
    let url = ready["url"].as_str().unwrap().to_owned();
    let node = Node::with_config(NodeConfig { dialect, ..NodeConfig::default() });
    node.connect_to(&url).unwrap();
    let (replica, mut events) = node.acquire_with_events("Matrix", class.clone());
    replica.wait_for_source(T).await.expect("repc's signature and ours agree");
    for (i, v) in vals.iter().enumerate() {
        let what = format!("Qt {} static {}", major(dialect), v.type_name());
        let p = format!("p{i}");
        let ty = &class.definition.properties[i].type_name;
        qt.command(&format!("set {p} {}", peer_input(v, ty, dialect))).await;
        until(&format!("{what}: property change Qt -> Rust"), || replica.property(&p).is_some_and(|x| same(&x, v)))
            .await;
        cells.pass("static: property change Qt->Rust");
        qt.command(&format!("emit s{i} [{}]", peer_input(v, ty, dialect))).await;
        let sig = format!("s{i}");
        let got = next_event(&mut events, T, |e| match e {
            ReplicaEvent::Signal { name, args, .. } if name == sig.as_str() => Some(args),
            _ => None,
        })
        .await
        .unwrap_or_else(|| panic!("{what}: no signal"));
        assert!(same(&got[0], v), "{what}: signal argument Qt -> Rust: {got:?}");
        cells.pass("static: signal argument Qt->Rust");
        // The repc source's echo slot.
        let back =
            replica.call(&format!("echo{i}"), vec![v.clone()]).await.unwrap_or_else(|e| panic!("{what}: echo: {e}"));
        let e = qt.expect("invoked", |e| e["event"] == "invoked" && e["slot"] == format!("echo{i}").as_str()).await;
        assert!(same(&from_peer(&e["args"][0], dialect), v), "{what}: slot argument Rust -> Qt: {e}");
        cells.pass("static: slot argument Rust->Qt");
        assert!(same(&back, v), "{what}: slot return Qt -> Rust: {back:?}");
        cells.pass("static: slot return Qt->Rust");
    }
    // Init: a static replica acquiring now gets every value.
    let late = Node::with_config(NodeConfig { dialect, ..NodeConfig::default() });
    late.connect_to(&url).unwrap();
    let r = late.acquire("Matrix", class.clone());
    r.wait_for_source(T).await.unwrap();
    for (i, v) in vals.iter().enumerate() {
        assert!(
            same(&r.property(&format!("p{i}")).unwrap(), v),
            "Qt {} static {}: init Qt -> Rust",
            major(dialect),
            v.type_name()
        );
        cells.pass("static: init Qt->Rust");
    }
    // A dynamic replica of the repc source: it learns the .rep enums (their widths included, one
    // byte for Tone in Qt 5) from the class definition, even inside QVariants and lists.
    let dynamic_node = Node::with_config(NodeConfig { dialect, ..NodeConfig::default() });
    dynamic_node.connect_to(&url).unwrap();
    let d = dynamic_node.acquire_dynamic("Matrix");
    d.wait_for_source(T).await.unwrap();
    for (i, v) in vals.iter().enumerate() {
        let got = d.property(&format!("p{i}")).unwrap();
        assert!(same(&got, v), "Qt {} dynamic of static {}: init Qt -> Rust: {got:?}", major(dialect), v.type_name());
        cells.pass("static: init Qt->Rust, dynamic replica");
    }
    // Writes from the Rust replica: each property back to its default, read on the Qt side.
    for (i, v) in vals.iter().enumerate() {
        let default = alternate(v, dialect);
        replica.set_property(&format!("p{i}"), default.clone()).unwrap();
        let p = format!("p{i}");
        until(&format!("{}: property write Rust -> Qt", v.type_name()), || {
            replica.property(&p).is_some_and(|x| same(&x, &default))
        })
        .await;
        let got = qt.command(&format!("get p{i}")).await;
        assert!(same(&from_peer(&got["value"], dialect), &default), "{}: written {got}", v.type_name());
        cells.pass("static: property write Rust->Qt");
    }
    vals.len()
}

/// A Rust source of matrix.rep's class and a stock static (repc) replica of it.
async fn rust_source_qt_static_replica(dialect: Dialect, cells: &mut Cells) {
    let (class, vals) = matrix_class(dialect);
    let types: Vec<String> = class.definition.properties.iter().map(|p| p.type_name.clone()).collect();
    let node = Node::with_config(NodeConfig { dialect, ..NodeConfig::default() });
    let url = node.listen("tcp://127.0.0.1:0").await.unwrap();
    let (args_tx, mut args_rx) = tokio::sync::mpsc::unbounded_channel();
    let source = node
        .enable_source("Matrix", class, move |c: SlotCall| {
            let tx = args_tx.clone();
            async move {
                let _ = tx.send(c.args[0].clone());
                c.args[0].clone()
            }
        })
        .unwrap();
    for (i, v) in vals.iter().enumerate() {
        source.set_property(&format!("p{i}"), v.clone()).unwrap();
    }
    let (mut qt, _) =
        QtPeer::start_with(major(dialect), &["replica-static", "Matrix", "--exact-values", "--url", &url]).await;
    qt.expect("Valid", is("state", "state", "Valid")).await;
    for (i, v) in vals.iter().enumerate() {
        let what = format!("Qt {} static {}", major(dialect), v.type_name());
        let p = format!("p{i}");
        let got = qt.command(&format!("get {p}")).await;
        assert!(same(&from_peer(&got["value"], dialect), v), "{what}: init Rust -> Qt: {got}");
        cells.pass("static: init Rust->Qt");
        let default = alternate(v, dialect);
        source.set_property(&p, default.clone()).unwrap();
        let e = qt.expect("change", |e| e["event"] == "property" && e["name"] == p.as_str()).await;
        assert!(same(&from_peer(&e["value"], dialect), &default), "{what}: property change Rust -> Qt: {e}");
        cells.pass("static: property change Rust->Qt");
        source.emit(&format!("s{i}"), vec![v.clone()]).unwrap();
        let e = qt.expect("signal", |e| e["event"] == "signal" && e["name"] == format!("s{i}").as_str()).await;
        assert!(same(&from_peer(&e["args"][0], dialect), v), "{what}: signal argument Rust -> Qt: {e}");
        cells.pass("static: signal argument Rust->Qt");
        qt.command(&format!("write {p} {}", peer_input(v, &types[i], dialect))).await;
        until(&format!("{what}: property write Qt -> Rust"), || same(&source.property(&p).unwrap(), v)).await;
        cells.pass("static: property write Qt->Rust");
        qt.command(&format!("call {i} echo{i} [{}]", peer_input(v, &types[i], dialect))).await;
        let arg = tokio::time::timeout(T, args_rx.recv()).await.unwrap().unwrap();
        assert!(same(&arg, v), "{what}: slot argument Qt -> Rust: {arg:?}");
        cells.pass("static: slot argument Qt->Rust");
        let reply = qt.expect("reply", |e| e["event"] == "reply" && e["id"] == i).await;
        assert!(same(&from_peer(&reply["value"], dialect), v), "{what}: slot return Rust -> Qt: {reply}");
        cells.pass("static: slot return Rust->Qt");
    }
}

async fn matrix(dialect: Dialect) {
    let mut cells = Cells::default();
    qt_source_rust_replica(dialect, &mut cells).await;
    rust_source_qt_replica(dialect, &mut cells).await;
    let statics = qt_static_source_rust_static_replica(dialect, &mut cells).await;
    rust_source_qt_static_replica(dialect, &mut cells).await;
    let n = values(dialect).len();
    eprintln!("Qt {} value matrix: {} types (dynamic), {} types (repc classes)", major(dialect), n, statics);
    for (cell, count) in &cells.0 {
        let of = if cell.starts_with("static") { statics } else { n };
        eprintln!("  {cell}: {count}/{of}");
        assert_eq!(*count, of, "{cell}");
    }
    assert_eq!(cells.0.len(), 25, "every cell kind in both directions");
    eprintln!("  cells: {}", cells.0.values().sum::<usize>());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn value_matrix_against_stock_qt6() {
    matrix(Dialect::Qt6).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn value_matrix_against_stock_qt5() {
    matrix(Dialect::Qt5).await;
}
