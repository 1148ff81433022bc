//! Typed sources and replicas generated from the interop peer's `.rep` file against stock Qt
//! repc-generated classes (qt-interop/peers), over real processes: a Qt static replica accepts a
//! Rust typed source (same signature), a Rust typed replica accepts a Qt source, in Qt 6 and Qt
//! 5.15; enums travel as properties and arguments; child objects in both directions.

#![allow(dead_code)]

use std::time::Duration;

use qtro_rs::core::{Dialect, Value};
use qtro_rs::node::{Node, NodeConfig};
use qtro_rs::typed::EventStream;
use serde_json::json;

mod common;
use common::qt_peer::{is, QtPeer};

mod peers {
    include!("rep/generated/peers_interop.rs");
}

mod gadgets {
    include!("rep/generated/gadgets_qt6.rs");
}

use peers::{interop::Color, InteropEvent, InteropReplica, InteropSlots, InteropSource, InteropSourceEvent};

const T: Duration = Duration::from_secs(10);

async fn next<E: std::fmt::Debug, I>(events: &mut EventStream<E, I>, what: &str, f: impl Fn(&E) -> bool) -> E {
    tokio::time::timeout(T, async {
        loop {
            let e = events.next().await.expect("event stream ended");
            if f(&e) {
                return e;
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
}

/// The behaviour the peer's README gives the Qt source, in Rust.
struct Interop;

impl InteropSlots for Interop {
    async fn add(&self, _: &InteropSource, a: i32, b: i32) -> i32 {
        a + b
    }
    async fn echo(&self, _: &InteropSource, s: String) -> String {
        s
    }
    async fn scale(&self, _: &InteropSource, v: f64, f: f64) -> f64 {
        v * f
    }
    async fn reset(&self, source: &InteropSource) {
        let d = peers::InteropProperties::default();
        source.set_count(d.count).unwrap();
        source.set_text(d.text).unwrap();
        source.set_color(d.color).unwrap();
    }
    async fn emit_fired(&self, source: &InteropSource, code: i32, message: String) {
        source.emit_fired(code, message).unwrap();
    }
    async fn apply_count(&self, source: &InteropSource, count: i32) {
        source.set_count(count).unwrap();
    }
    async fn apply_flag(&self, source: &InteropSource, on: bool) {
        source.set_flag(on).unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_typed_source_with_qt_static_replica() {
    let node = Node::new();
    let url = node.listen("tcp://127.0.0.1:0").await.unwrap();
    let source = InteropSource::enable(&node, Interop).unwrap();
    let mut events = source.events();
    let (mut qt, _) = QtPeer::start(&["replica-static", "Interop", "--url", &url]).await;
    // Valid (not SignatureMismatch): the generated signature is repc's.
    qt.expect("Valid", is("state", "state", "Valid")).await;
    let e = qt.command("get color").await;
    assert_eq!(e["value"], 3, "Color::Green");

    // A typed enum property reaches the repc replica as its enum.
    source.set_color(Color::Blue).unwrap();
    qt.expect("color", |e| e["event"] == "property" && e["name"] == "color" && e["value"] == 4).await;

    // Typed slots called by Qt, with typed results.
    qt.command("call 1 add [2,3]").await;
    let r = qt.expect("reply 1", |e| e["event"] == "reply" && e["id"] == 1).await;
    assert_eq!((r["value"].clone(), r["type"].clone()), (json!(5), json!("int")));
    qt.command("call 2 scale [2,1.25]").await;
    let r = qt.expect("reply 2", |e| e["event"] == "reply" && e["id"] == 2).await;
    assert_eq!((r["value"].clone(), r["type"].clone()), (json!(2.5), json!("double")));
    qt.command(r#"call 3 echo ["héllo"]"#).await;
    let r = qt.expect("reply 3", |e| e["event"] == "reply" && e["id"] == 3).await;
    assert_eq!(r["value"], "héllo");

    // Writes and pushes from Qt arrive typed, enums included.
    qt.command(r#"set color "Red""#).await;
    next(&mut events, "color written", |e| *e == InteropSourceEvent::ColorWritten(Color::Red)).await;
    assert_eq!(source.color().unwrap(), Color::Red);
    qt.command(r#"set text "from qt""#).await;
    next(&mut events, "text written", |e| *e == InteropSourceEvent::TextWritten("from qt".into())).await;
    qt.command("set count 9").await;
    next(&mut events, "count pushed", |e| *e == InteropSourceEvent::CountWritten(9)).await;

    // Signals and slot-driven changes of a READONLY property.
    source.emit_fired(7, "boom".into()).unwrap();
    let e = qt.expect("fired", is("signal", "name", "fired")).await;
    assert_eq!(e["args"], json!([7, "boom"]));
    qt.command("call 4 applyFlag [false]").await;
    qt.expect("flag", |e| e["event"] == "property" && e["name"] == "flag" && e["value"] == false).await;
}

async fn qt_source_with_rust_typed_replica(major: u32, dialect: Dialect) {
    let (mut qt, ready) = QtPeer::start_with(major, &["source-static", "Interop", "--url", "tcp://127.0.0.1:0"]).await;
    let url = ready["url"].as_str().unwrap().to_owned();
    let node = Node::with_config(NodeConfig { dialect, ..NodeConfig::default() });
    node.connect_to(&url).unwrap();
    let replica = InteropReplica::acquire(&node);
    let mut events = replica.events();
    replica.wait_for_source(T).await.unwrap();

    assert_eq!(replica.count().unwrap(), 0);
    assert_eq!(replica.text().unwrap(), "hello");
    assert_eq!(replica.ratio().unwrap(), 1.5);
    assert!(replica.flag().unwrap());
    assert_eq!(replica.color().unwrap(), Color::Green);
    assert_eq!(replica.revision().unwrap(), 7);

    // Typed calls, enum and string arguments.
    assert_eq!(replica.add(2, 3).await.unwrap(), 5);
    assert_eq!(replica.scale(2.0, 1.25).await.unwrap(), 2.5);
    assert_eq!(replica.echo("héllo ✓".into()).await.unwrap(), "héllo ✓");
    replica.emit_fired(7, "boom".into()).await.unwrap();
    let e = next(&mut events, "fired", |e| matches!(e, InteropEvent::Fired { .. })).await;
    assert_eq!(e, InteropEvent::Fired { code: 7, message: "boom".into() });

    // Typed writes (READWRITE) and pushes (READPUSH), enums included.
    replica.set_color(Color::Blue).unwrap();
    qt.expect("written color", is("written", "name", "color")).await;
    next(&mut events, "color change", |e| *e == InteropEvent::ColorChanged(Color::Blue)).await;
    replica.push_count(11).await.unwrap();
    next(&mut events, "count change", |e| *e == InteropEvent::CountChanged(11)).await;
    let tags = vec!["a".to_owned(), "b c".to_owned()];
    replica.set_tags(tags.clone()).unwrap();
    next(&mut events, "tags change", |e| *e == InteropEvent::TagsChanged(tags.clone())).await;
    let settings: std::collections::BTreeMap<String, Value> =
        [("k".to_owned(), Value::Int(1)), ("s".to_owned(), Value::string("v"))].into();
    replica.set_settings(settings.clone()).unwrap();
    next(&mut events, "settings change", |e| *e == InteropEvent::SettingsChanged(settings.clone())).await;
    let blob = bytes::Bytes::from_static(&[0, 1, 2, 255]);
    replica.set_blob(blob.clone()).unwrap();
    next(&mut events, "blob change", |e| *e == InteropEvent::BlobChanged(blob.clone())).await;

    // Changes made by the Qt source itself.
    qt.command(r#"set color "Red""#).await;
    next(&mut events, "color from Qt", |e| *e == InteropEvent::ColorChanged(Color::Red)).await;
    replica.apply_flag(false).await.unwrap();
    next(&mut events, "flag", |e| *e == InteropEvent::FlagChanged(false)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qt6_source_with_rust_typed_replica() {
    qt_source_with_rust_typed_replica(6, Dialect::Qt6).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qt5_source_with_rust_typed_replica() {
    qt_source_with_rust_typed_replica(5, Dialect::Qt5).await;
}

struct ChildImpl;

impl peers::ChildSlots for ChildImpl {
    async fn poke(&self, source: &peers::ChildSource, n: i32) {
        source.set_title(format!("poked{n}")).unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn child_objects_between_rust_typed_and_qt_repc_classes() {
    for (major, dialect) in [(6, Dialect::Qt6), (5, Dialect::Qt5)] {
        // Qt source, Rust typed replica: the child replica is acquired with its parent.
        let (mut qt, ready) =
            QtPeer::start_with(major, &["source-static", "Parent", "--url", "tcp://127.0.0.1:0"]).await;
        let url = ready["url"].as_str().unwrap().to_owned();
        let node = Node::with_config(NodeConfig { dialect, ..NodeConfig::default() });
        node.connect_to(&url).unwrap();
        let parent = peers::ParentReplica::acquire(&node);
        let kid = parent.child().expect("the child replica");
        parent.wait_for_source(T).await.unwrap();
        kid.wait_for_source(T).await.unwrap();
        assert_eq!(kid.title().unwrap(), "kid");
        let mut events = kid.events();
        kid.poke(3).await.unwrap();
        next(&mut events, "title", |e| *e == peers::ChildEvent::TitleChanged("poked3".into())).await;
        parent.set_level(4).unwrap();
        qt.expect("level written", is("written", "name", "level")).await;
        drop(qt);
    }

    // Rust typed source, Qt static replica.
    let node = Node::new();
    let url = node.listen("tcp://127.0.0.1:0").await.unwrap();
    let parent = peers::ParentSource::enable(&node, ()).unwrap();
    let child = parent.enable_child(peers::ChildProperties::default(), ChildImpl).unwrap();
    let (mut qt, _) = QtPeer::start(&["replica-static", "Parent", "--url", &url]).await;
    qt.expect("child initialized", |e| e["event"] == "child" && e["title"] == "kid" && e["state"] == 2).await;
    qt.expect("Valid", is("state", "state", "Valid")).await;
    child.set_title("from rust".into()).unwrap();
    qt.expect("child title", |e| e["event"] == "child" && e["title"] == "from rust").await;
    parent.set_level(5).unwrap();
    qt.expect("level", |e| e["event"] == "property" && e["name"] == "level" && e["value"] == 5).await;
}

struct Probe;

impl gadgets::ProbeSlots for Probe {
    async fn scale(&self, _: &gadgets::ProbeSource, p: gadgets::Point3, f: i32) -> gadgets::Point3 {
        gadgets::Point3 { x: p.x * f, y: p.y * f, z: p.z * f }
    }
}

/// A Qt dynamic replica knows nothing of the interface: it decodes the PODs of a typed Rust
/// source from the gadget section of the class definition.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qt_dynamic_replica_learns_the_pods_of_a_typed_source() {
    let node = Node::new();
    let url = node.listen("tcp://127.0.0.1:0").await.unwrap();
    let initial = gadgets::ProbeProperties {
        pt: gadgets::Point3 { x: 1, y: 2, z: 3 },
        tag: gadgets::Tagged { kind: gadgets::tagged::Kind::KB, label: "l".into() },
        ..Default::default()
    };
    let source = gadgets::ProbeSource::enable_with(&node, "Probe", initial, Probe).unwrap();
    let (mut qt, _) = QtPeer::start(&["replica-dynamic", "--name", "Probe", "--url", &url]).await;
    qt.expect("Valid", is("state", "state", "Valid")).await;
    for (name, ty) in [("pt", "Point3"), ("tag", "Tagged")] {
        let e = qt.command(&format!("get {name}")).await;
        assert_eq!(e["type"], ty, "Qt decoded {name} as the gadget: {e}");
    }
    source.set_pt(gadgets::Point3 { x: 7, y: 8, z: 9 }).unwrap();
    qt.expect("pt change", |e| e["event"] == "property" && e["name"] == "pt" && e["type"] == "Point3").await;
}
