//! A third, independent peer: PyQt6's QtRemoteObjects (Debian's python3-pyqt6.qtremoteobjects),
//! hosting a Python QObject through Qt's dynamic API and acquiring a Rust source dynamically.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use qtro_rs::core::{ClassBuilder, Dialect, PropertyMode, TypeRegistry, Value};
use qtro_rs::node::{Node, ReplicaEvent, SlotCall, SourceEvent};
use serde_json::Value as Json;
use tokio::sync::mpsc;

mod common;
use common::events::next_event;

const T: Duration = Duration::from_secs(10);

struct Py {
    child: Child,
    events: mpsc::UnboundedReceiver<Json>,
}

impl Py {
    fn start(args: &[&str]) -> Py {
        common::qt_build::install_qt_deps();
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/qt-interop/pyqt/peer.py");
        // Debian's interpreter: the PyQt6 package installs for it, not for other Pythons on PATH.
        let mut child = Command::new("/usr/bin/python3")
            .arg(script)
            .args(args)
            .env("QT_QPA_PLATFORM", "offscreen")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start /usr/bin/python3");
        let out = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::unbounded_channel();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if let Ok(v) = serde_json::from_str(&line) {
                    let _ = tx.send(v);
                }
            }
        });
        Py { child, events: rx }
    }

    async fn expect(&mut self, event: &str) -> Json {
        self.expect_about(event, None).await
    }

    /// The next `event` about member `name` (events about other members are passed over: they
    /// are answers to earlier steps nobody waited for).
    async fn expect_of(&mut self, event: &str, name: &str) -> Json {
        self.expect_about(event, Some(name)).await
    }

    async fn expect_about(&mut self, event: &str, name: Option<&str>) -> Json {
        tokio::time::timeout(T, async {
            loop {
                let e = self.events.recv().await.unwrap_or_else(|| panic!("python peer ended before {event}"));
                assert_ne!(e["event"], "fatal", "python peer failed: {e}");
                if e["event"] == event && name.is_none_or(|n| e["name"] == n) {
                    return e;
                }
            }
        })
        .await
        .unwrap_or_else(|_| panic!("python peer: no {event} {name:?}"))
    }

    fn send(&mut self, line: &str) {
        let stdin = self.child.stdin.as_mut().unwrap();
        writeln!(stdin, "{line}").unwrap();
        stdin.flush().unwrap();
    }
}

impl Drop for Py {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pyqt_source_to_rust_replica() {
    let mut py = Py::start(&["source", "tcp://127.0.0.1:0"]);
    let url = py.expect("ready").await["url"].as_str().unwrap().to_owned();
    let node = Node::new();
    node.connect_to(&url).unwrap();
    let replica = node.acquire_dynamic("PySource");
    let mut events = replica.events();
    replica.wait_for_source(T).await.unwrap();
    assert_eq!(replica.property("value"), Some(Value::Int(1)));
    assert_eq!(replica.property("name"), Some(Value::string("python")));
    assert_eq!(replica.call("add", vec![Value::Int(40), Value::Int(2)]).await.unwrap(), Value::Int(42));
    assert_eq!(replica.call("shout", vec![Value::string("quiet")]).await.unwrap(), Value::string("QUIET"));
    replica.call("emitFired", vec![Value::Int(3), Value::string("py")]).await.unwrap();
    let fired = next_event(&mut events, T, |e| match e {
        ReplicaEvent::Signal { name, args, .. } if name == "fired" => Some(args),
        _ => None,
    })
    .await
    .expect("the signal fired");
    assert_eq!(fired, vec![Value::Int(3), Value::string("py")]);
    replica.set_property("name", Value::string("set by rust")).unwrap();
    assert_eq!(py.expect("written").await["value"], "set by rust");
    py.send("set value 17");
    tokio::time::timeout(T, async {
        while replica.property("value") != Some(Value::Int(17)) {
            events.recv().await;
        }
    })
    .await
    .unwrap();
    py.send("quit");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_source_to_pyqt_dynamic_replica() {
    let node = Node::new();
    let url = node.listen("tcp://127.0.0.1:0").await.unwrap();
    let class = ClassBuilder::new("Greeter")
        .property("name", "QString", PropertyMode::ReadWrite, Value::string("rust"))
        .property("count", "int", PropertyMode::ReadPush, Value::Int(5))
        .property("ratio", "double", PropertyMode::ReadOnly, Value::Double(0.5))
        .build();
    let source = node.enable_source_without_slots("Greeter", class).unwrap();
    let mut source_events = source.events();
    let mut py = Py::start(&["replica", &url, "Greeter"]);
    let valid = py.expect("valid").await;
    assert_eq!(valid["properties"]["name"], "rust");
    assert_eq!(valid["properties"]["count"], 5);
    assert_eq!(valid["properties"]["ratio"], 0.5);
    // Python writes a property; the Rust source applies it and Python sees the change come back.
    let written = next_event(&mut source_events, T, |e| match e {
        SourceEvent::PropertyWritten { value, .. } => Some(value),
        _ => None,
    })
    .await
    .expect("a property written");
    assert_eq!(written, Value::string("from python"));
    py.expect("changed").await;
    assert_eq!(source.property("name").unwrap(), Value::string("from python"));
}

// ---- the value matrix with PyQt6 (see tests/value_matrix_qt.rs for stock Qt) -------------------

/// Values PyQt6 can hold as they are (a Python expression of them, and the value): PyQt turns
/// QVariants into Python objects, which keeps these types and not, say, a `short` or a `uint`.
fn pyqt_values() -> Vec<(&'static str, Value)> {
    use qtro_rs::core::gui::Color;
    use qtro_rs::core::*;
    vec![
        ("True", Value::Bool(true)),
        ("-7", Value::Int(-7)),
        ("-(2**40)", Value::LongLong(-(1 << 40))),
        ("2.5", Value::Double(2.5)),
        ("'héllo ✓'", Value::string("héllo ✓")),
        ("QByteArray(b'\\x00\\x01\\xff')", Value::bytes(&[0u8, 1, 255][..])),
        (
            "[1, 'x', [False]]",
            Value::List(vec![Value::Int(1), Value::string("x"), Value::List(vec![Value::Bool(false)])]),
        ),
        ("{'k': 1, 's': 'v'}", Value::map([("k".into(), Value::Int(1)), ("s".into(), Value::string("v"))])),
        ("QDate(2024, 1, 2)", Value::Date(QDate::from_ymd(2024, 1, 2))),
        ("QTime(13, 14, 15, 16)", Value::Time(QTime::from_hms_ms(13, 14, 15, 16))),
        ("QUrl('tcp://127.0.0.1:1234/p?q')", Value::Url("tcp://127.0.0.1:1234/p?q".into())),
        ("QPoint(1, -2)", Value::Point(Point { x: 1, y: -2 })),
        ("QPointF(0.5, 1.5)", Value::PointF(PointF { x: 0.5, y: 1.5 })),
        ("QSize(3, 4)", Value::Size(Size { width: 3, height: 4 })),
        ("QRect(1, 2, 30, 40)", Value::Rect(Rect::new(1, 2, 30, 40))),
        ("QRectF(0.5, 0.25, 3, 4)", Value::RectF(RectF { x: 0.5, y: 0.25, width: 3.0, height: 4.0 })),
        ("QLineF(0.5, 1, 1.5, 2)", Value::LineF(LineF { x1: 0.5, y1: 1.0, x2: 1.5, y2: 2.0 })),
        ("QColor(10, 20, 30, 40)", Value::Color(Color::rgba(10, 20, 30, 40))),
        ("QPolygon([QPoint(1, 2), QPoint(3, 4)])", Value::Polygon(vec![Point { x: 1, y: 2 }, Point { x: 3, y: 4 }])),
        ("QTransform(1, 0, 0, 0, 2, 0, 5, 6, 1)", Value::Transform([1.0, 0.0, 0.0, 0.0, 2.0, 0.0, 5.0, 6.0, 1.0])),
        ("QVector3D(1, 2, 3)", Value::Vector3D([1.0, 2.0, 3.0])),
        ("QQuaternion(1, 0, 0.5, 0)", Value::Quaternion([1.0, 0.0, 0.5, 0.0])),
    ]
}

fn from_hex(h: &Json) -> Value {
    let bytes = hex::decode(h.as_str().unwrap_or_else(|| panic!("no hex: {h}"))).unwrap();
    let types = qtro_rs::core::TypeRegistry::new(qtro_rs::core::Dialect::Qt6);
    qtro_rs::core::variant::from_bytes(bytes, qtro_rs::core::Dialect::Qt6, qtro_rs::core::ByteOrder::Big, &types)
        .unwrap()
}

/// Another value of `v`'s type (its default), to change a property to and back: setting the
/// value a property already holds notifies nobody.
fn alternate(v: &Value) -> Value {
    qtro_rs::core::convert::convert(Value::Invalid, v.type_name(), &TypeRegistry::new(Dialect::Qt6)).unwrap()
}

/// Values that passed, by cell.
#[derive(Default)]
struct Cells(std::collections::BTreeMap<&'static str, usize>);

impl Cells {
    fn pass(&mut self, cell: &'static str) {
        *self.0.entry(cell).or_default() += 1;
    }
}

/// A PyQt6 source (QVariant property, signal and identity slot) and a PyQt6 dynamic replica of
/// a Rust source (a typed property, signal and echo slot per value): every value, both ways,
/// compared value by value.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn value_matrix_with_pyqt6() {
    let vals = pyqt_values();
    let mut cells = Cells::default();
    pyqt_source_rust_replica(&vals, &mut cells).await;
    rust_source_pyqt_replica(&vals, &mut cells).await;
    eprintln!("PyQt6 value matrix: {} values", vals.len());
    for (cell, count) in &cells.0 {
        eprintln!("  {cell}: {count}/{}", vals.len());
        assert_eq!(*count, vals.len(), "{cell}");
    }
    assert_eq!(cells.0.len(), 12);
}

async fn pyqt_source_rust_replica(vals: &[(&str, Value)], cells: &mut Cells) {
    let mut py = Py::start(&["matrix-source", "tcp://127.0.0.1:0"]);
    let url = py.expect("ready").await["url"].as_str().unwrap().to_owned();
    let node = Node::new();
    node.connect_to(&url).unwrap();
    let (replica, mut events) = node.acquire_dynamic_with_events("PyMatrix");
    replica.wait_for_source(T).await.unwrap();
    for (expr, v) in vals {
        py.send(&format!("set {expr}"));
        let ok = py.expect("ok").await;
        assert_eq!(from_hex(&ok["value"]), *v, "{expr}: what PyQt holds");
        // Skips changes still on their way from the previous value's property write.
        let arrived = next_event(&mut events, T, |e| {
            matches!(e, ReplicaEvent::PropertyChanged { name, value, .. } if name == "anything" && value == *v)
                .then_some(())
        });
        assert!(arrived.await.is_some(), "{expr}: property change PyQt -> Rust");
        cells.pass("property change PyQt->Rust");
        let late = Node::new();
        late.connect_to(&url).unwrap();
        let r = late.acquire_dynamic("PyMatrix");
        r.wait_for_source(T).await.unwrap();
        assert_eq!(r.property("anything").as_ref(), Some(v), "{expr}: init PyQt -> Rust");
        cells.pass("init PyQt->Rust");
        py.send(&format!("emit {expr}"));
        py.expect("ok").await;
        let fired = next_event(&mut events, T, |e| match e {
            ReplicaEvent::Signal { name, args, .. } if name == "fired" => Some(args),
            _ => None,
        });
        assert_eq!(fired.await, Some(vec![v.clone()]), "{expr}: signal argument PyQt -> Rust");
        cells.pass("signal argument PyQt->Rust");
        let back = replica.call("identity", vec![v.clone()]).await.unwrap();
        assert_eq!(from_hex(&py.expect("invoked").await["value"]), *v, "{expr}: slot argument Rust -> PyQt");
        cells.pass("slot argument Rust->PyQt");
        assert_eq!(back, *v, "{expr}: slot return PyQt -> Rust");
        cells.pass("slot return PyQt->Rust");
        replica.set_property("anything", v.clone()).unwrap();
        assert_eq!(from_hex(&py.expect("written").await["value"]), *v, "{expr}: property write Rust -> PyQt");
        cells.pass("property write Rust->PyQt");
    }
    py.send("quit");
}

async fn rust_source_pyqt_replica(vals: &[(&str, Value)], cells: &mut Cells) {
    let mut class = ClassBuilder::new("RustMatrix");
    for (i, (_, v)) in vals.iter().enumerate() {
        let t = v.type_name();
        class = class
            .property(&format!("p{i}"), t, PropertyMode::ReadWrite, v.clone())
            .signal(&format!("s{i}"), &[("v", t)])
            .slot(&format!("echo{i}"), &[("v", t)], t);
    }
    let host = Node::new();
    let host_url = host.listen("tcp://127.0.0.1:0").await.unwrap();
    // The echo slots hand their argument to the test and return it.
    let (args_tx, mut args_rx) = mpsc::unbounded_channel();
    let (source, mut source_events) = host
        .enable_source_with_events("RustMatrix", class.build(), move |c: SlotCall| {
            let _ = args_tx.send(c.args[0].clone());
            std::future::ready(c.args[0].clone())
        })
        .unwrap();
    let mut pyr = Py::start(&["matrix-replica", &host_url, "RustMatrix"]);
    let valid = pyr.expect("valid").await;
    for (i, (expr, v)) in vals.iter().enumerate() {
        let (p, s, echo) = (format!("p{i}"), format!("s{i}"), format!("echo{i}"));
        assert_eq!(from_hex(&valid["properties"][&p]), *v, "{expr}: init Rust -> PyQt");
        cells.pass("init Rust->PyQt");
        source.set_property(&p, alternate(v)).unwrap();
        pyr.expect_of("property", &p).await;
        source.set_property(&p, v.clone()).unwrap();
        assert_eq!(from_hex(&pyr.expect_of("property", &p).await["value"]), *v, "{expr}: property change Rust -> PyQt");
        cells.pass("property change Rust->PyQt");
        source.emit(&s, vec![v.clone()]).unwrap();
        assert_eq!(from_hex(&pyr.expect_of("signal", &s).await["args"][0]), *v, "{expr}: signal argument Rust -> PyQt");
        cells.pass("signal argument Rust->PyQt");
        pyr.send(&format!("call {echo} {expr}"));
        let arg = tokio::time::timeout(T, args_rx.recv()).await.ok().flatten();
        assert_eq!(arg.as_ref(), Some(v), "{expr}: slot argument PyQt -> Rust");
        cells.pass("slot argument PyQt->Rust");
        assert_eq!(from_hex(&pyr.expect_of("reply", &echo).await["value"]), *v, "{expr}: slot return Rust -> PyQt");
        cells.pass("slot return Rust->PyQt");
        source.set_property(&p, alternate(v)).unwrap();
        pyr.send(&format!("write {p} {expr}"));
        let written = next_event(&mut source_events, T, |e| match e {
            SourceEvent::PropertyWritten { name, value, .. } if name == p => Some(value),
            _ => None,
        });
        assert_eq!(written.await.as_ref(), Some(v), "{expr}: property write PyQt -> Rust");
        assert_eq!(source.property(&p).ok().as_ref(), Some(v), "{expr}: property write PyQt -> Rust");
        cells.pass("property write PyQt->Rust");
    }
    pyr.send("quit");
}
