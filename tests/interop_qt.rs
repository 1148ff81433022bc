//! Interoperability with stock Qt 6 processes (qt-interop/peers), both directions, over TCP and
//! local sockets: Qt sources with Rust replicas, Rust sources with Qt static and dynamic replicas,
//! registries on either side, and recovery when a Qt source is killed and restarted.

use std::time::Duration;

use qtro_rs::core::{Dialect, ReplicaState, SourceClass, Value};
use qtro_rs::node::EventReceiver;
use qtro_rs::node::{Node, NodeConfig, Replica, ReplicaEvent, SlotCall, Source, SourceEvent};
use serde_json::json;

mod common;
use common::qt_peer::{free_port, is, QtPeer};

const T: Duration = Duration::from_secs(10);
const INTEROP_REP: &str = include_str!("../qt-interop/peers/interop.rep");

fn interop_class(name: &str) -> SourceClass {
    let file = qtro_rs::rep::parse(INTEROP_REP).unwrap();
    qtro_rs::rep::source_class(&file, name, Dialect::Qt6).unwrap()
}

async fn next_event<T: std::fmt::Debug>(rx: &mut EventReceiver<T>, what: &str, f: impl Fn(&T) -> bool) -> T {
    tokio::time::timeout(T, async {
        loop {
            let e = rx.recv().await.expect("event stream ended");
            if f(&e) {
                return e;
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
}

async fn until_state(replica: &Replica, state: ReplicaState) {
    tokio::time::timeout(T, async {
        while replica.state() != state {
            replica.state_changed().await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("replica never reached {state:?} (is {:?})", replica.state()));
}

fn changed(name: &'static str) -> impl Fn(&ReplicaEvent) -> bool {
    move |e| matches!(e, ReplicaEvent::PropertyChanged { name: n, .. } if n == name)
}

// ---- Qt source -> Rust dynamic replica ------------------------------------------------------

async fn qt_source_rust_replica(url: &str) {
    let (mut qt, ready) = QtPeer::start(&["source-static", "Interop", "--url", url]).await;
    let url = ready["url"].as_str().unwrap().to_owned();
    let node = Node::new();
    node.connect_to(&url).unwrap();
    let replica = node.acquire_dynamic("Interop");
    let mut events = replica.events();
    replica.wait_for_source(T).await.unwrap();

    // Initial values with their exact Qt types.
    assert_eq!(replica.property("count"), Some(Value::Int(0)));
    assert_eq!(replica.property("text"), Some(Value::string("hello")));
    assert_eq!(replica.property("ratio"), Some(Value::Double(1.5)));
    assert_eq!(replica.property("flag"), Some(Value::Bool(true)));
    assert_eq!(replica.property("color"), Some(Value::Int(3)), "enums travel as integers");
    assert_eq!(replica.property("revision"), Some(Value::Int(7)));
    let def = replica.definition().unwrap();
    assert_eq!(def.type_name.as_deref(), Some("Interop"));
    assert!(def.methods.iter().any(|m| m.signature == "scale(double,double)"));

    // Slots with replies; arguments converted to the declared types (Qt would misread an int
    // passed for a double).
    assert_eq!(replica.call("add", vec![Value::Int(2), Value::Int(3)]).await.unwrap(), Value::Int(5));
    assert_eq!(replica.call("echo", vec![Value::string("héllo ✓")]).await.unwrap(), Value::string("héllo ✓"));
    assert_eq!(replica.call("scale", vec![Value::Int(2), Value::Double(1.25)]).await.unwrap(), Value::Double(2.5));
    qt.expect("invoked scale", is("invoked", "slot", "scale")).await;

    // A signal with arguments.
    replica.call("emitFired", vec![Value::Int(7), Value::string("boom")]).await.unwrap();
    let e =
        next_event(&mut events, "fired", |e| matches!(e, ReplicaEvent::Signal { name, .. } if name == "fired")).await;
    assert!(matches!(e, ReplicaEvent::Signal { args, .. } if args == vec![Value::Int(7), Value::string("boom")]));

    // Property write from the replica (READWRITE) and push (READPUSH).
    replica.set_property("text", Value::string("from rust")).unwrap();
    qt.expect("written text", is("written", "name", "text")).await;
    let e = next_event(&mut events, "text change", changed("text")).await;
    assert!(matches!(e, ReplicaEvent::PropertyChanged { value, .. } if value == Value::string("from rust")));
    replica.call("pushCount", vec![Value::Int(11)]).await.unwrap();
    next_event(&mut events, "count change", changed("count")).await;
    assert_eq!(replica.property("count"), Some(Value::Int(11)));

    // Rich values written by the replica come back from Qt intact.
    let blob = Value::bytes(vec![0u8, 1, 2, 255]);
    replica.set_property("blob", blob.clone()).unwrap();
    next_event(&mut events, "blob change", changed("blob")).await;
    assert_eq!(replica.property("blob"), Some(blob));
    let tags = Value::StringList(vec![Some("a".into()), Some("b c".into())]);
    replica.set_property("tags", tags.clone()).unwrap();
    next_event(&mut events, "tags change", changed("tags")).await;
    assert_eq!(replica.property("tags"), Some(tags));
    let settings = Value::map([("k".into(), Value::Int(1)), ("s".into(), Value::string("v"))]);
    replica.set_property("settings", settings.clone()).unwrap();
    next_event(&mut events, "settings change", changed("settings")).await;
    assert_eq!(replica.property("settings"), Some(settings));

    // A change made by the Qt source itself.
    qt.command(r#"set ratio 0.25"#).await;
    next_event(&mut events, "ratio change", changed("ratio")).await;
    assert_eq!(replica.property("ratio"), Some(Value::Double(0.25)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qt_source_to_rust_replica_over_tcp() {
    qt_source_rust_replica("tcp://127.0.0.1:0").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qt_source_to_rust_replica_over_local_socket() {
    qt_source_rust_replica(&format!("local:qtro_interop_{}", std::process::id())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qt_source_to_rust_replica_over_abstract_socket() {
    qt_source_rust_replica(&format!("localabstract:qtro_interop_{}", std::process::id())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_static_replica_checks_the_signature_of_a_qt_source() {
    let (_qt, ready) = QtPeer::start(&["source-static", "Simple", "--url", "tcp://127.0.0.1:0"]).await;
    let url = ready["url"].as_str().unwrap();
    let node = Node::new();
    node.connect_to(url).unwrap();
    let ok = node.acquire("Simple", interop_class("Simple"));
    ok.wait_for_source(T).await.unwrap();
    assert_eq!(ok.call("add", vec![Value::Int(20), Value::Int(22)]).await.unwrap(), Value::Int(42));

    let mut wrong = interop_class("Simple");
    wrong.signature = Some("0123456789abcdef0123456789abcdef01234567".into());
    let other = Node::new();
    other.connect_to(url).unwrap();
    let bad = other.acquire("Simple", wrong);
    until_state(&bad, ReplicaState::SignatureMismatch).await;

    // Waiting fails at once with both signatures, not after the timeout; calls say why too.
    let started = std::time::Instant::now();
    let err = bad.wait_for_source(Duration::from_secs(30)).await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5), "failed fast");
    let qtro_rs::node::NodeError::Call(qtro_rs::core::CallError::SignatureMismatch { expected, offered, .. }) = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(expected, "0123456789abcdef0123456789abcdef01234567");
    assert_eq!(offered, "d73490aa59d4e788b36b725dafcbbcdddb485d09", "the stock Simple's repc signature");
    let err = bad.call("add", vec![Value::Int(1), Value::Int(2)]).await.unwrap_err();
    assert!(err.to_string().contains("offers signature d73490aa"), "{err}");

    // An object no host offers: the wait says what they do offer.
    let ghost = other.acquire_dynamic("Ghost");
    let err = ghost.wait_for_source(Duration::from_millis(300)).await.unwrap_err();
    assert!(matches!(&err, qtro_rs::node::NodeError::NotOffered { offered, .. } if offered.0 == ["Simple"]), "{err:?}");
    assert!(err.to_string().ends_with("they offer Simple"), "{err}");
}

// ---- Rust source -> Qt replicas ---------------------------------------------------------------

async fn host_interop(url: &str) -> (Node, Source, String) {
    let node = Node::new();
    let bound = node.listen(url).await.unwrap();
    let source = node
        .enable_source("Interop", interop_class("Interop"), |call: SlotCall| async move {
            let a = &call.args;
            match call.name.as_str() {
                "add" => Value::Int((a[0].as_i64().unwrap() + a[1].as_i64().unwrap()) as i32),
                "echo" => a[0].clone(),
                "scale" => Value::Double(a[0].as_f64().unwrap() * a[1].as_f64().unwrap()),
                _ => Value::Invalid,
            }
        })
        .unwrap();
    (node, source, bound)
}

/// A stock Qt `qt_major` replica peer (`mode`: replica-static or replica-dynamic) of `name`
/// at `url`, once Valid.
async fn valid_qt_replica(qt_major: u32, mode: &str, name: &str, url: &str) -> QtPeer {
    let mut args = vec![mode];
    if mode == "replica-static" {
        args.push(name);
    }
    args.extend(["--url", url, "--name", name]);
    let (mut qt, _) = QtPeer::start_with(qt_major, &args).await;
    qt.expect("Valid", is("state", "state", "Valid")).await;
    qt
}

async fn rust_source_qt_replica(url: &str, mode: &str) {
    let (_node, source, bound) = host_interop(url).await;
    let mut source_events = source.events();
    let mut qt = valid_qt_replica(6, mode, "Interop", &bound).await;

    let got = qt.command("get text").await;
    assert_eq!(got["value"], "hello");
    let got = qt.command("get ratio").await;
    assert_eq!((got["value"].clone(), got["type"].clone()), (json!(1.5), json!("double")));

    qt.command("call 1 add [2,3]").await;
    let reply = qt.expect("reply 1", |e| e["event"] == "reply" && e["id"] == 1).await;
    assert_eq!(reply["value"], 5);
    qt.command(r#"call 2 echo ["ünïcode"]"#).await;
    assert_eq!(qt.expect("reply 2", |e| e["event"] == "reply" && e["id"] == 2).await["value"], "ünïcode");
    qt.command("call 3 scale [3,0.5]").await;
    assert_eq!(qt.expect("reply 3", |e| e["event"] == "reply" && e["id"] == 3).await["value"], 1.5);

    // Qt writes a property; the Rust source applies it and every replica sees it.
    qt.command(r#"write text "from qt""#).await;
    let e = next_event(&mut source_events, "write", |e| matches!(e, SourceEvent::PropertyWritten { .. })).await;
    assert_eq!(e, SourceEvent::PropertyWritten { index: 1, name: "text".into(), value: Value::string("from qt") });
    qt.expect("text change", |e| e["event"] == "property" && e["name"] == "text" && e["value"] == "from qt").await;
    assert_eq!(source.property("text").unwrap(), Value::string("from qt"));

    // Source-side changes and signals reach Qt with the right types.
    source.set_property("count", Value::Int(41)).unwrap();
    let e = qt.expect("count", |e| e["event"] == "property" && e["name"] == "count" && e["value"] == 41).await;
    assert_eq!(e["type"], "int");
    source.set_property("tags", Value::StringList(vec![Some("x".into())])).unwrap();
    qt.expect("tags", |e| e["event"] == "property" && e["name"] == "tags" && e["value"] == json!(["x"])).await;
    source.emit("fired", vec![Value::Int(9), Value::string("bang")]).unwrap();
    let sig = qt.expect("fired", is("signal", "name", "fired")).await;
    assert_eq!(sig["args"], json!([9, "bang"]));
    large_values_reach_qt(&source, &mut qt).await;
}

/// Standard base64 (what the Qt peer prints byte arrays as).
fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in bytes.chunks(3) {
        let n = (c[0] as u32) << 16 | (*c.get(1).unwrap_or(&0) as u32) << 8 | *c.get(2).unwrap_or(&0) as u32;
        for i in 0..4 {
            out.push(if i <= c.len() { A[(n >> (18 - 6 * i) & 63) as usize] as char } else { '=' });
        }
    }
    out
}

/// A large QByteArray property (sent by reference, its notify signal without a copy of it) and a
/// small one: the Qt replica stores each and its notify signal carries it.
async fn large_values_reach_qt(source: &Source, qt: &mut QtPeer) {
    for size in [200 * 1024, 10] {
        let bytes: Vec<u8> = (0..size).map(|i| (i * 7 % 251) as u8).collect();
        let expected = json!({"$type": "QByteArray", "base64": base64(&bytes)});
        source.set_property("blob", Value::bytes(bytes)).unwrap();
        // (Earlier blob events, such as the initial value's, are skipped.)
        let e = qt.expect("blob", |e| e["event"] == "property" && e["name"] == "blob" && e["value"] == expected).await;
        assert!(e["args"] == json!([expected.clone()]), "notify signal argument of {size} bytes");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_source_to_qt_static_replica_over_tcp() {
    rust_source_qt_replica("tcp://127.0.0.1:0", "replica-static").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_source_to_qt_dynamic_replica_over_tcp() {
    rust_source_qt_replica("tcp://127.0.0.1:0", "replica-dynamic").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_source_to_qt_static_replica_over_local_socket() {
    rust_source_qt_replica(&format!("local:qtro_rs_src_{}", std::process::id()), "replica-static").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_source_to_qt_dynamic_replica_over_abstract_socket() {
    rust_source_qt_replica(&format!("localabstract:qtro_rs_src_{}", std::process::id()), "replica-dynamic").await;
}

// ---- registries ------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qt_registry_with_rust_host_and_rust_client() {
    let (mut registry, ready) = QtPeer::start(&["registry", "--url", "tcp://127.0.0.1:0"]).await;
    let reg_url = ready["url"].as_str().unwrap().to_owned();

    let host = Node::new();
    host.set_registry_url(&reg_url).unwrap();
    let src_url = host.listen("tcp://127.0.0.1:0").await.unwrap();
    let source = host.enable_source_without_slots("Simple", interop_class("Simple")).unwrap();
    let added = registry.expect("registry-added", is("registry-added", "name", "Simple")).await;
    assert_eq!(added["hostUrl"], src_url.as_str());

    let client = Node::new();
    client.set_registry_url(&reg_url).unwrap();
    let replica = client.acquire_dynamic("Simple");
    replica.wait_for_source(T).await.unwrap();
    source.set_property("value", Value::Int(5)).unwrap();
    let mut ev = replica.events();
    if replica.property("value") != Some(Value::Int(5)) {
        next_event(&mut ev, "value", changed("value")).await;
    }

    host.disable_source("Simple").unwrap();
    registry.expect("registry-removed", is("registry-removed", "name", "Simple")).await;
    until_state(&replica, ReplicaState::Suspect).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_registry_with_qt_host_and_qt_client() {
    let registry = Node::new();
    let reg_url = registry.listen_registry("tcp://127.0.0.1:0").await.unwrap();
    let (mut source, _) =
        QtPeer::start(&["source-static", "Simple", "--url", "tcp://127.0.0.1:0", "--registry", &reg_url]).await;
    let (mut replica, _) = QtPeer::start(&["replica-static", "Simple", "--registry", &reg_url]).await;
    replica.expect("Valid through the Rust registry", is("state", "state", "Valid")).await;
    replica.command("call 1 add [1,2]").await;
    assert_eq!(replica.expect("reply", |e| e["event"] == "reply").await["value"], 3);

    // A Rust client finds it through the same registry.
    let client = Node::new();
    client.set_registry_url(&reg_url).unwrap();
    let r = client.acquire_dynamic("Simple");
    r.wait_for_source(T).await.unwrap();

    source.command("disable").await;
    replica.expect("removal seen by Qt", is("registry-removed", "name", "Simple")).await;
    until_state(&r, ReplicaState::Suspect).await;
}

// ---- faults ----------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replica_recovers_when_a_killed_qt_source_restarts() {
    let url = format!("tcp://127.0.0.1:{}", free_port());
    let (mut qt, _) = QtPeer::start(&["source-static", "Simple", "--url", &url]).await;
    qt.command("set value 5").await;
    let node = Node::with_config(NodeConfig { retry_interval: Duration::from_millis(100), ..NodeConfig::default() });
    node.connect_to(&url).unwrap();
    let replica = node.acquire("Simple", interop_class("Simple"));
    replica.wait_for_source(T).await.unwrap();
    assert_eq!(replica.property("value"), Some(Value::Int(5)));

    qt.kill();
    until_state(&replica, ReplicaState::Suspect).await;
    let err = replica.call("add", vec![Value::Int(1), Value::Int(1)]).await;
    assert!(err.is_err(), "calls fail while the source is gone");

    let (mut qt2, _) = QtPeer::start(&["source-static", "Simple", "--url", &url]).await;
    qt2.command("set value 77").await;
    until_state(&replica, ReplicaState::Valid).await;
    let mut ev = replica.events();
    if replica.property("value") != Some(Value::Int(77)) {
        next_event(&mut ev, "fresh value", changed("value")).await;
    }
    assert_eq!(replica.call("add", vec![Value::Int(1), Value::Int(1)]).await.unwrap(), Value::Int(2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qt_replica_with_heartbeat_recovers_from_a_restarted_rust_source() {
    let url = format!("tcp://127.0.0.1:{}", free_port());
    let (node, source, _) = host_interop(&url).await;
    source.set_property("count", Value::Int(1)).unwrap();
    let (mut qt, _) = QtPeer::start(&["replica-static", "Interop", "--url", &url, "--heartbeat", "200"]).await;
    qt.expect("Valid", is("state", "state", "Valid")).await;
    node.shutdown();
    drop((node, source));
    qt.expect("Suspect", is("state", "state", "Suspect")).await;
    let (_node2, source2, _) = host_interop(&url).await;
    source2.set_property("count", Value::Int(2)).unwrap();
    qt.expect("Valid again", is("state", "state", "Valid")).await;
    let got = qt.command("get count").await;
    assert_eq!(got["value"], 2);
}

// ---- Qt 5.15 ("QtRO 1.3", big-endian) ----------------------------------------------------------

fn qt5_node() -> Node {
    Node::with_config(NodeConfig { dialect: Dialect::Qt5, ..NodeConfig::default() })
}

fn qt5_class(name: &str) -> SourceClass {
    let file = qtro_rs::rep::parse(INTEROP_REP).unwrap();
    qtro_rs::rep::source_class(&file, name, Dialect::Qt5).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qt5_source_to_rust_replicas() {
    let (mut qt, ready) = QtPeer::start_with(5, &["source-static", "Interop", "--url", "tcp://127.0.0.1:0"]).await;
    let url = ready["url"].as_str().unwrap().to_owned();
    let node = qt5_node();
    node.connect_to(&url).unwrap();
    let stat = node.acquire("Interop", qt5_class("Interop"));
    stat.wait_for_source(T).await.unwrap();
    assert_eq!(stat.property("text"), Some(Value::string("hello")));
    assert_eq!(stat.call("scale", vec![Value::Int(3), Value::Double(0.5)]).await.unwrap(), Value::Double(1.5));
    let mut events = stat.events();
    stat.set_property("settings", Value::map([("b".into(), Value::Bool(true)), ("a".into(), Value::Int(1))])).unwrap();
    next_event(&mut events, "settings", changed("settings")).await;
    let Some(Value::Map(m)) = stat.property("settings") else { panic!() };
    let mut keys: Vec<_> = m.iter().map(|(k, _)| k.as_str()).collect();
    keys.sort();
    assert_eq!(keys, ["a", "b"]);
    qt.command("emit fired [1,\"qt5\"]").await;
    let e =
        next_event(&mut events, "fired", |e| matches!(e, ReplicaEvent::Signal { name, .. } if name == "fired")).await;
    assert!(matches!(e, ReplicaEvent::Signal { args, .. } if args == vec![Value::Int(1), Value::string("qt5")]));

    let dynamic = qt5_node();
    dynamic.connect_to(&url).unwrap();
    let dynr = dynamic.acquire_dynamic("Interop");
    dynr.wait_for_source(T).await.unwrap();
    assert_eq!(dynr.call("add", vec![Value::Int(2), Value::Int(2)]).await.unwrap(), Value::Int(4));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_source_to_qt5_replicas() {
    let node = qt5_node();
    let bound = node.listen("tcp://127.0.0.1:0").await.unwrap();
    let source = node
        .enable_source("Simple", qt5_class("Simple"), |call: SlotCall| async move {
            Value::Int(call.args.iter().filter_map(Value::as_i64).sum::<i64>() as i32)
        })
        .unwrap();
    for mode in ["replica-static", "replica-dynamic"] {
        let mut qt = valid_qt_replica(5, mode, "Simple", &bound).await;
        qt.command("call 1 add [20,22]").await;
        assert_eq!(qt.expect("reply", |e| e["event"] == "reply").await["value"], 42);
        let text = format!("{mode} was here");
        qt.command(&format!("write name {}", json!(text))).await;
        qt.expect("name", |e| e["event"] == "property" && e["name"] == "name" && e["value"] == text.as_str()).await;
        assert_eq!(source.property("name").unwrap(), Value::string(&text));
        source.set_property("value", Value::Int(if mode == "replica-static" { 5 } else { 6 })).unwrap();
        qt.expect("value", |e| e["event"] == "property" && e["name"] == "value").await;
    }
    // Large values to Qt 5.15 replicas (the notify signal goes without a copy of the value).
    let interop = node.enable_source_without_slots("Interop", qt5_class("Interop")).unwrap();
    for mode in ["replica-static", "replica-dynamic"] {
        let mut qt = valid_qt_replica(5, mode, "Interop", &bound).await;
        large_values_reach_qt(&interop, &mut qt).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qt5_and_qt6_dialects_do_not_talk() {
    // A Qt 6 replica against a Qt 5 host never becomes valid (Qt stalls the same way).
    let (_qt, ready) = QtPeer::start_with(5, &["source-static", "Simple", "--url", "tcp://127.0.0.1:0"]).await;
    let node = Node::new();
    node.connect_to(ready["url"].as_str().unwrap()).unwrap();
    let r = node.acquire_dynamic("Simple");
    assert!(r.wait_for_source(Duration::from_millis(700)).await.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qt_plain_qobject_source_to_rust_replica() {
    // A QObject without repc: Qt builds the API lists from its meta-object, with no type name and
    // no signature, and Q_INVOKABLE methods after the slots.
    let (mut qt, ready) = QtPeer::start(&["source-plain", "--url", "tcp://127.0.0.1:0"]).await;
    let node = Node::new();
    node.connect_to(ready["url"].as_str().unwrap()).unwrap();
    let info = node.wait_for_object("Plain", T).await.expect("listed");
    assert_eq!((info.type_name, info.signature), (None, None));
    let replica = node.acquire_dynamic("Plain");
    let mut events = replica.events();
    replica.wait_for_source(T).await.unwrap();
    assert_eq!(replica.definition().unwrap().type_name, None);
    assert_eq!(replica.property("ratio"), Some(Value::Double(1.5)));
    assert_eq!(replica.property("label"), Some(Value::string("plain")));
    assert_eq!(replica.call("multiply", vec![Value::Int(6), Value::Int(7)]).await.unwrap(), Value::Int(42));
    // A QVariant parameter takes any value; Qt hands it back unchanged.
    let v = Value::List(vec![Value::Int(1), Value::string("two")]);
    assert_eq!(replica.call("identity", vec![v.clone()]).await.unwrap().without_null_flag(), &v);
    replica.set_property("anything", Value::Double(2.5)).unwrap();
    next_event(&mut events, "anything", changed("anything")).await;
    assert_eq!(replica.property("anything"), Some(Value::Double(2.5)));
    qt.command("set ticks 3").await;
    next_event(&mut events, "ticks", changed("ticks")).await;
    assert_eq!(replica.property("ticks"), Some(Value::Int(3)));
}

// ---- child objects (CLASS) -------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qt_source_with_a_child_object_to_rust_replicas() {
    for (major, dialect, child_name) in [(6, Dialect::Qt6, "Class::Parent::child"), (5, Dialect::Qt5, "Class::child")] {
        let (_qt, ready) = QtPeer::start_with(major, &["source-static", "Parent", "--url", "tcp://127.0.0.1:0"]).await;
        let url = ready["url"].as_str().unwrap().to_owned();
        let node = Node::with_config(NodeConfig { dialect, ..NodeConfig::default() });
        node.connect_to(&url).unwrap();
        let parent = node.acquire_dynamic("Parent");
        parent.wait_for_source(T).await.unwrap();
        let kid = parent.child("child").expect("child object in the parent's values");
        assert_eq!(kid.name(), child_name);
        kid.wait_for_source(T).await.unwrap();
        assert_eq!(kid.definition().unwrap().type_name.as_deref(), Some("Child"), "Qt sent the child's definition");
        assert_eq!(kid.property("title"), Some(Value::string("kid")));
        let mut events = kid.events();
        kid.call("poke", vec![Value::Int(3)]).await.unwrap();
        next_event(&mut events, "title", changed("title")).await;
        assert_eq!(kid.property("title"), Some(Value::string("poked3")));

        // A static parent: the child is pre-acquired under its name with its .rep class, as repc
        // replicas do, and bound when the parent's values arrive.
        let file = qtro_rs::rep::parse(INTEROP_REP).unwrap();
        let static_node = Node::with_config(NodeConfig { dialect, ..NodeConfig::default() });
        static_node.connect_to(&url).unwrap();
        let kid2 = static_node.acquire(child_name, qtro_rs::rep::source_class(&file, "Child", dialect).unwrap());
        let parent2 = static_node.acquire("Parent", qtro_rs::rep::source_class(&file, "Parent", dialect).unwrap());
        parent2.wait_for_source(T).await.unwrap();
        kid2.wait_for_source(T).await.unwrap();
        assert_eq!(kid2.property("title"), Some(Value::string("poked3")), "current value, not the default");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_source_with_a_child_object_to_qt_static_replica() {
    let file = qtro_rs::rep::parse(INTEROP_REP).unwrap();
    let node = Node::new();
    let url = node.listen("tcp://127.0.0.1:0").await.unwrap();
    let parent = node
        .enable_source_without_slots("Parent", qtro_rs::rep::source_class(&file, "Parent", Dialect::Qt6).unwrap())
        .unwrap();
    let child = parent
        .enable_child(
            "child",
            qtro_rs::rep::source_class(&file, "Child", Dialect::Qt6).unwrap(),
            |_c: SlotCall| async { Value::Invalid },
        )
        .unwrap();
    let (mut qt, _) = QtPeer::start(&["replica-static", "Parent", "--url", &url]).await;
    // Qt initializes the child from the parent's values before the parent turns Valid.
    qt.expect("child initialized", |e| e["event"] == "child" && e["title"] == "kid" && e["state"] == 2).await;
    qt.expect("Valid", is("state", "state", "Valid")).await;
    child.set_property("title", Value::string("from rust")).unwrap();
    qt.expect("child title", |e| e["event"] == "child" && e["title"] == "from rust").await;
    parent.set_property("level", Value::Int(4)).unwrap();
    qt.expect("level", |e| e["event"] == "property" && e["name"] == "level" && e["value"] == 4).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qt_dynamic_replica_decodes_gadgets_and_gadget_lists_of_a_rust_source() {
    use qtro_rs::core::{ClassBuilder, Gadget, GadgetSequence, PropertyMode};
    let point = |x: i32, y: i32| {
        Value::Gadget(Gadget { type_name: "Point2".into(), fields: vec![Value::Int(x), Value::Int(y)] })
    };
    let node = Node::new();
    node.register_types(|t| t.register_gadget("Point2", vec![("x".into(), "int".into()), ("y".into(), "int".into())]));
    let url = node.listen("tcp://127.0.0.1:0").await.unwrap();
    let class = ClassBuilder::new("Shapes")
        .property("origin", "Point2", PropertyMode::ReadOnly, point(1, 2))
        .property(
            "path",
            "QList<Point2>",
            PropertyMode::ReadOnly,
            Value::GadgetSequence(Box::new(GadgetSequence {
                type_name: "QList<Point2>".into(),
                value_type_name: "Point2".into(),
                items: vec![point(3, 4), point(5, 6)],
            })),
        )
        .build();
    let _source = node.enable_source_without_slots("Shapes", class).unwrap();
    let (mut qt, _) = QtPeer::start(&["replica-dynamic", "--url", &url, "--name", "Shapes"]).await;
    let iface = qt.expect("interface", |e| e["event"] == "interface").await;
    let types: Vec<_> =
        iface["properties"].as_array().unwrap().iter().map(|p| p["type"].as_str().unwrap().to_owned()).collect();
    assert_eq!(types, ["Point2", "QtROSequentialContainer"], "{iface}");
    let origin = qt.command("get origin").await;
    assert_eq!(origin["type"], "Point2", "Qt registered the gadget from our definition: {origin}");
    let path = qt.command("get path").await;
    assert_ne!(path["type"], "invalid", "the gadget list decodes: {path}");
}

/// A call left behind when its replica is released — the stock Qt source answers it late, after
/// the replica was acquired again and called again — must not answer the new call: the late
/// reply is dropped, the new call gets its own answer.
async fn late_reply_to_a_released_replica(major: u32) {
    let dialect = if major == 5 { Dialect::Qt5 } else { Dialect::Qt6 };
    let class = || qtro_rs::rep::source_class(&qtro_rs::rep::parse(INTEROP_REP).unwrap(), "Interop", dialect).unwrap();
    let (mut qt, ready) = QtPeer::start_with(major, &["source-static", "Interop", "--url", "tcp://127.0.0.1:0"]).await;
    let url = ready["url"].as_str().unwrap().to_owned();
    let node = Node::with_config(NodeConfig { dialect, ..NodeConfig::default() });
    node.connect_to(&url).unwrap();
    let replica = node.acquire("Interop", class());
    replica.wait_for_source(T).await.unwrap();
    assert_eq!(replica.call("add", vec![Value::Int(0), Value::Int(1)]).await.unwrap(), Value::Int(1));

    // The source stops reading for a while; a call made now is answered only afterwards.
    qt.send("sleep 1500");
    tokio::time::sleep(Duration::from_millis(200)).await;
    let pending =
        tokio::time::timeout(Duration::from_millis(200), replica.call("add", vec![Value::Int(1), Value::Int(2)]));
    assert!(pending.await.is_err(), "the source is asleep: no answer yet");
    drop(replica);

    // Acquired again and called again while the first call is still unanswered.
    let again = node.acquire("Interop", class());
    let answer = tokio::time::timeout(T, again.call("add", vec![Value::Int(10), Value::Int(20)])).await;
    assert_eq!(answer.expect("answered once the source wakes up").unwrap(), Value::Int(30));
    // Qt ran both calls: the late one was answered, and dropped here.
    let first = qt.expect("the late call", |e| e["event"] == "invoked" && e["args"] == json!([1, 2])).await;
    assert_eq!(first["result"], json!(3));
    assert_eq!(again.state(), ReplicaState::Valid);
    assert_eq!(again.call("add", vec![Value::Int(4), Value::Int(4)]).await.unwrap(), Value::Int(8));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_reply_to_a_released_replica_does_not_answer_its_successor() {
    late_reply_to_a_released_replica(6).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qt5_a_late_reply_to_a_released_replica_does_not_answer_its_successor() {
    late_reply_to_a_released_replica(5).await;
}
