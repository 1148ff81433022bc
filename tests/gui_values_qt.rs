//! QtGui values between Rust and stock Qt 6.4 / 5.15 processes, both directions: a stock Qt
//! source holds each value in a `QVariant` property, sends it to a Rust replica and echoes it
//! back from a slot; a Rust replica writes each to the Qt source; stock Qt dynamic replicas read
//! each from a Rust source's typed properties. The stock peer reports QtGui values as the exact
//! bytes `QDataStream << QVariant` writes, which must equal ours.

use std::time::Duration;

use qtro_rs::core::gui::{Brush, Color, Font, Gradient, GradientKind, Image, Pen, IDENTITY};
use qtro_rs::core::variant::{from_bytes, to_bytes_plain};
use qtro_rs::core::{ByteOrder, ClassBuilder, Dialect, Point, PointF, PropertyMode, Rect, TypeRegistry, Value};
use qtro_rs::node::{Node, NodeConfig, ReplicaEvent};
use serde_json::json;

mod common;
use common::qt_peer::{is, QtPeer};

const T: Duration = Duration::from_secs(10);

fn major(dialect: Dialect) -> u32 {
    if dialect == Dialect::Qt5 { 5 } else { 6 }
}

/// One value of every QtGui type.
fn values(dialect: Dialect) -> Vec<Value> {
    let gradient = Gradient {
        kind: GradientKind::Radial { center: PointF { x: 1.0, y: 2.0 }, focal: PointF { x: 1.5, y: 2.5 }, radius: 4.0, focal_radius: if dialect == Dialect::Qt6 { 0.5 } else { 0.0 } },
        spread: 2,
        coordinate_mode: 1,
        interpolation_mode: 0,
        stops: vec![(0.0, Color::rgba(1, 2, 3, 255)), (1.0, Color::rgba(4, 5, 6, 7))],
    };
    let pixels: Vec<u8> = (0..3 * 2 * 4).map(|i| (i * 11) as u8).collect();
    vec![
        Value::Color(Color::rgba(10, 20, 30, 40)),
        Value::Color(Color { spec: 2, alpha: 0xffff, components: [12000, 0x8080, 0x4040, 0] }),
        Value::Brush(Box::new(Brush { style: 16, color: Color { spec: 0, alpha: 0xffff, components: [0; 4] }, gradient: Some(gradient), texture: None, transform: IDENTITY })),
        Value::Pen(Box::new(Pen {
            style: 0x22,
            cosmetic: true,
            width: 2.5,
            brush: Brush::solid(Color::rgba(9, 9, 9, 255)),
            miter_limit: 3.0,
            dash_pattern: vec![4.0, 2.0],
            dash_offset: 0.0,
            default_width: false,
        })),
        Value::Font(Box::new(Font {
            family: Some("Mono".into()),
            style_name: None,
            point_size: 11.0,
            pixel_size: -1,
            style_hint: 5,
            style_strategy: 1,
            weight: if dialect == Dialect::Qt6 { 700 } else { 75 },
            bits: 0x10,
            stretch: 0,
            extended_bits: 1,
            letter_spacing: 0,
            word_spacing: 0,
            hinting_preference: 0,
            capitalization: 0,
            families: if dialect == Dialect::Qt6 { vec![Some("Mono".into())] } else { vec![] },
        })),
        Value::Image(Image::from_rgba(3, 2, &pixels).unwrap()),
        Value::Polygon(vec![Point { x: 1, y: 2 }, Point { x: -3, y: 4 }]),
        Value::PolygonF(vec![PointF { x: 0.5, y: -1.5 }]),
        Value::Region(vec![Rect::new(1, 2, 3, 4)]),
        Value::Transform([1.0, 0.5, 0.0, 0.25, 2.0, 0.0, 10.0, 20.0, 1.0]),
        Value::Matrix4x4(Box::new(std::array::from_fn(|i| i as f32 * 0.5))),
        Value::Vector2D([1.5, -2.0]),
        Value::Vector3D([1.0, 2.0, 3.25]),
        Value::Vector4D([1.0, 2.0, 3.0, 4.0]),
        Value::Quaternion([0.5, 1.0, 2.0, 3.0]),
        Value::KeySequence(vec![0x0400_0053, 0x0800_0058]),
    ]
}

/// The peer's exact form of a value: the hex of `QDataStream << QVariant` (big-endian).
fn datastream(v: &Value, dialect: Dialect) -> serde_json::Value {
    json!({"$type": v.type_name(), "datastream": hex::encode(to_bytes_plain(v, dialect, ByteOrder::Big).unwrap())})
}

/// The value the peer reported in its exact form.
fn from_peer(j: &serde_json::Value, dialect: Dialect) -> Value {
    let bytes = hex::decode(j["datastream"].as_str().unwrap_or_else(|| panic!("not the exact form: {j}"))).unwrap();
    from_bytes(bytes, dialect, ByteOrder::Big, &TypeRegistry::new(dialect)).unwrap_or_else(|e| panic!("{j}: {e}"))
}

/// Equal values; images by their pixels (Qt writes its own PNG encoding of the same pixels).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Image(x), Value::Image(y)) | (Value::Pixmap(x), Value::Pixmap(y)) => x.to_rgba().unwrap() == y.to_rgba().unwrap(),
        _ => a == b,
    }
}

async fn qt_source_and_rust_replica(dialect: Dialect) {
    let (mut qt, ready) = QtPeer::start_with(major(dialect), &["source-plain", "--url", "tcp://127.0.0.1:0"]).await;
    let url = ready["url"].as_str().unwrap().to_owned();
    let node = Node::with_config(NodeConfig { dialect, ..NodeConfig::default() });
    node.connect_to(&url).unwrap();
    let (replica, mut events) = node.acquire_dynamic_with_events("Plain");
    replica.wait_for_source(T).await.unwrap();
    for v in values(dialect) {
        let what = v.type_name().to_owned();
        // Qt -> Rust: the stock source holds the value (read by Qt from our bytes) and sends it.
        qt.command(&format!("set anything {}", datastream(&v, dialect))).await;
        // (Changes our own writes of the previous round caused may come first.)
        let mut last = None;
        let arrived = tokio::time::timeout(T, async {
            loop {
                if let Some(ReplicaEvent::PropertyChanged { name, value, .. }) = events.recv().await {
                    if name == "anything" && same(&value, &v) {
                        return;
                    }
                    last = Some(value);
                }
            }
        })
        .await;
        assert!(arrived.is_ok(), "{what}: the Qt source never sent {v:?} (last: {last:?})");
        assert!(same(&replica.property("anything").unwrap(), &v));
        // Rust -> Qt: a slot argument and its reply.
        let echoed = replica.call("identity", vec![v.clone()]).await.unwrap();
        assert!(same(&echoed, &v), "{what}: identity gave {echoed:?}");
        // Rust -> Qt: a property write; the Qt setter receives exactly our value.
        replica.set_property("anything", Value::Invalid).unwrap();
        qt.expect("written invalid", |e| e["event"] == "written" && e["value"].is_null()).await;
        replica.set_property("anything", v.clone()).unwrap();
        let e = qt.expect("written", is("written", "name", "anything")).await;
        assert!(same(&from_peer(&e["value"], dialect), &v), "{what}: written {e}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gui_values_between_a_qt6_source_and_a_rust_replica() {
    qt_source_and_rust_replica(Dialect::Qt6).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gui_values_between_a_qt5_source_and_a_rust_replica() {
    qt_source_and_rust_replica(Dialect::Qt5).await;
}

async fn rust_source_and_qt_dynamic_replica(dialect: Dialect) {
    let vals = values(dialect);
    let mut class = ClassBuilder::new("Gui");
    for (i, v) in vals.iter().enumerate() {
        class = class.property(&format!("p{i}"), v.type_name(), PropertyMode::ReadWrite, v.clone());
    }
    let node = Node::with_config(NodeConfig { dialect, ..NodeConfig::default() });
    let url = node.listen("tcp://127.0.0.1:0").await.unwrap();
    let source = node.enable_source_without_slots("Gui", class.build()).unwrap();
    let (mut qt, _) = QtPeer::start_with(major(dialect), &["replica-dynamic", "--url", &url, "--name", "Gui"]).await;
    qt.expect("Valid", is("state", "state", "Valid")).await;
    for (i, v) in vals.iter().enumerate() {
        let got = qt.command(&format!("get p{i}")).await;
        assert_eq!(got["type"], json!(v.type_name()), "{got}");
        assert!(same(&from_peer(&got["value"], dialect), v), "{}: init {got}", v.type_name());
    }
    // A change, and a write from the Qt replica that comes back converted to nothing else.
    source.set_property("p0", Value::Color(Color::rgba(1, 1, 1, 255))).unwrap();
    let e = qt.expect("p0", is("property", "name", "p0")).await;
    assert_eq!(e["value"], datastream(&Value::Color(Color::rgba(1, 1, 1, 255)), dialect));
    let poly = Value::Polygon(vec![Point { x: 7, y: 8 }]);
    qt.command(&format!("write p6 {}", datastream(&poly, dialect))).await;
    tokio::time::timeout(T, async {
        while source.property("p6").unwrap() != poly {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("the Qt replica's write arrives");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gui_values_from_a_rust_source_to_a_qt6_dynamic_replica() {
    rust_source_and_qt_dynamic_replica(Dialect::Qt6).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gui_values_from_a_rust_source_to_a_qt5_dynamic_replica() {
    rust_source_and_qt_dynamic_replica(Dialect::Qt5).await;
}
