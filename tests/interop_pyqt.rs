//! A third, independent peer: PyQt6's QtRemoteObjects (Debian's python3-pyqt6.qtremoteobjects),
//! hosting a Python QObject through Qt's dynamic API and acquiring a Rust source dynamically.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use qtro_rs::core::{ClassBuilder, PropertyMode, Value};
use qtro_rs::node::{Node, ReplicaEvent, SourceEvent};
use serde_json::Value as Json;
use tokio::sync::mpsc;

mod common;

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
        tokio::time::timeout(T, async {
            loop {
                let e = self.events.recv().await.unwrap_or_else(|| panic!("python peer ended before {event}"));
                assert_ne!(e["event"], "fatal", "python peer failed: {e}");
                if e["event"] == event {
                    return e;
                }
            }
        })
        .await
        .unwrap_or_else(|_| panic!("python peer: no {event}"))
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
    let fired = tokio::time::timeout(T, async {
        loop {
            if let Some(ReplicaEvent::Signal { name, args, .. }) = events.recv().await {
                if name == "fired" {
                    return args;
                }
            }
        }
    })
    .await
    .unwrap();
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
    let written = tokio::time::timeout(T, async {
        loop {
            if let Some(SourceEvent::PropertyWritten { value, .. }) = source_events.recv().await {
                return value;
            }
        }
    })
    .await
    .unwrap();
    assert_eq!(written, Value::string("from python"));
    py.expect("changed").await;
    assert_eq!(source.property("name").unwrap(), Value::string("from python"));
}
