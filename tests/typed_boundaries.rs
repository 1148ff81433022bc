//! Values are typed at every boundary, against stock Qt 6.4 and 5.15 peers:
//! - a Rust source converts what replicas write and call with to the declared types, or refuses
//!   it (nothing stored, relayed or answered), and a stock Qt replica watching it never sees a
//!   value of the wrong type;
//! - a Rust replica converts the arguments and property values it sends to a stock Qt source, or
//!   refuses them with an error naming the argument and both types;
//! - a value a Rust replica cannot decode costs only its packet: the replica stays Valid and gets
//!   everything after it.

use std::time::Duration;

use qtro_rs::core::packet::call;
use qtro_rs::core::{ArgumentError, Dialect, Invoke, Packet, ReplicaState, Value};
use qtro_rs::node::{Node, NodeError, SlotCall, Source};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

mod common;
use common::dialect::{class, major, node};
use common::qt_peer::{is, QtPeer};

const T: Duration = Duration::from_secs(10);

/// A Rust `Interop` source whose slots answer as the stock peer's do.
async fn interop_source(dialect: Dialect) -> (Node, Source, String) {
    let node = node(dialect);
    let url = node.listen("tcp://127.0.0.1:0").await.unwrap();
    let source = node
        .enable_source("Interop", class("Interop", dialect), |c: SlotCall| async move {
            match &*c.name {
                "add" => Value::Int(c.args.iter().filter_map(Value::as_i64).sum::<i64>() as i32),
                "echo" => c.args[0].clone(),
                _ => Value::Invalid,
            }
        })
        .unwrap();
    (node, source, url)
}

/// A raw client speaking `dialect`'s framing: it sends packets a well-behaved replica never would.
struct RawClient {
    stream: TcpStream,
    dialect: Dialect,
}

impl RawClient {
    async fn connect(url: &str, dialect: Dialect) -> RawClient {
        let mut stream = TcpStream::connect(url.trim_start_matches("tcp://")).await.unwrap();
        let mut greeting = vec![0u8; 4096];
        let _ = tokio::time::timeout(Duration::from_millis(500), stream.read(&mut greeting)).await;
        RawClient { stream, dialect }
    }

    async fn invoke(&mut self, call: i32, index: i32, args: Vec<Value>, serial_id: i32) {
        let p = Packet::Invoke(Invoke { name: "Interop".into(), call, index, args, serial_id, property_index: -1 });
        self.stream.write_all(&p.to_bytes(self.dialect).unwrap()).await.unwrap();
    }

    /// Whatever the host sent within `wait` (the connection must still be open).
    async fn read_for(&mut self, wait: Duration) -> Vec<u8> {
        let mut out = Vec::new();
        let mut buf = vec![0u8; 65536];
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            match tokio::time::timeout_at(deadline, self.stream.read(&mut buf)).await {
                Ok(Ok(0)) => panic!("the host closed the connection"),
                Ok(Ok(n)) => out.extend_from_slice(&buf[..n]),
                Ok(Err(e)) => panic!("read failed: {e}"),
                Err(_) => return out,
            }
        }
    }
}

async fn writes_and_calls_are_typed_by_a_rust_source(dialect: Dialect) {
    let (_node, source, url) = interop_source(dialect).await;
    let mut events = source.events();
    let (mut qt, _) = QtPeer::start_with(major(dialect), &["replica-static", "Interop", "--url", &url]).await;
    qt.expect("Valid", is("state", "state", "Valid")).await;
    let mut raw = RawClient::connect(&url, dialect).await;

    // Losslessly convertible: stored and relayed with the declared type, as a Qt source's
    // QMetaProperty::write would (an int written to a QString property; a whole double for int).
    raw.invoke(call::WRITE_PROPERTY, 1, vec![Value::Int(42)], -1).await;
    let e = qt.expect("text", is("property", "name", "text")).await;
    assert_eq!((e["type"].as_str(), e["value"].as_str()), (Some("QString"), Some("42")), "{e}");
    assert_eq!(source.property("text").unwrap(), Value::string("42"));
    raw.invoke(call::INVOKE_META_METHOD, 0, vec![Value::Double(5.0)], -1).await; // pushCount(int)
    let e = qt.expect("count", is("property", "name", "count")).await;
    assert_eq!((e["type"].as_str(), e["value"].as_i64()), (Some("int"), Some(5)), "{e}");

    // Not convertible: refused, nothing stored, relayed or answered.
    raw.invoke(call::WRITE_PROPERTY, 1, vec![Value::bytes(vec![0xff, 0xfe, 0x00])], -1).await; // text: not UTF-8
    raw.invoke(call::WRITE_PROPERTY, 2, vec![Value::string("abc")], -1).await; // ratio: double
    raw.invoke(call::WRITE_PROPERTY, 4, vec![Value::Point(Default::default())], -1).await; // blob: QByteArray
    raw.invoke(call::WRITE_PROPERTY, 7, vec![Value::string("Blue")], -1).await; // color: enum
    raw.invoke(call::INVOKE_META_METHOD, 0, vec![Value::string("many")], 7).await; // pushCount
    raw.invoke(call::INVOKE_META_METHOD, 1, vec![Value::string("x"), Value::Int(1)], 8).await; // add(int,int)
    raw.invoke(call::INVOKE_META_METHOD, 1, vec![Value::Int(1)], 9).await; // add: one argument
                                                                           // Then a good call on the same connection: its answer is the only one.
    raw.invoke(call::INVOKE_META_METHOD, 1, vec![Value::Int(2), Value::string("3")], 10).await;
    let replies = raw.read_for(Duration::from_millis(700)).await;
    let mut frames = qtro_rs::core::FrameDecoder::new(dialect, &Default::default());
    frames.extend(&replies);
    let types = qtro_rs::core::TypeRegistry::new(dialect);
    let mut answers = Vec::new();
    while let Some(f) = frames.next_frame().unwrap() {
        if let Packet::InvokeReply { serial_id, value, .. } =
            Packet::decode(&f, dialect, &types, &Default::default()).unwrap()
        {
            answers.push((serial_id, value));
        }
    }
    assert_eq!(answers, vec![(10, Value::Int(5))], "refused calls get no reply");

    // The source kept its values; a Qt replica that acquires now gets the right types.
    assert_eq!(source.property("text").unwrap(), Value::string("42"));
    assert_eq!(source.property("ratio").unwrap(), Value::Double(1.5));
    assert_eq!(source.property("count").unwrap(), Value::Int(5));
    let mut late = QtPeer::start_with(major(dialect), &["replica-static", "Interop", "--url", &url]).await.0;
    late.expect("Valid", is("state", "state", "Valid")).await;
    let dump = late.command("dump").await;
    assert_eq!(dump["properties"]["text"]["type"], "QString", "{dump}");
    assert_eq!(dump["properties"]["ratio"]["value"], 1.5, "{dump}");

    // The Qt replica watching all along is alive and missed nothing that was accepted.
    source.set_property("ratio", Value::Double(0.5)).unwrap();
    qt.expect("ratio", |e| e["event"] == "property" && e["name"] == "ratio" && e["value"] == 0.5).await;
    assert_eq!(qt.command("get text").await["value"], "42");
    let written: Vec<_> = std::iter::from_fn(|| events.try_recv().ok()).collect();
    assert!(written.iter().all(|e| !format!("{e:?}").contains("ratio")), "a refused write was reported: {written:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_source_types_what_replicas_send_qt6() {
    writes_and_calls_are_typed_by_a_rust_source(Dialect::Qt6).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_source_types_what_replicas_send_qt5() {
    writes_and_calls_are_typed_by_a_rust_source(Dialect::Qt5).await;
}

async fn calls_to_a_qt_source_are_typed(dialect: Dialect) {
    let (mut qt, ready) =
        QtPeer::start_with(major(dialect), &["source-static", "Interop", "--url", "tcp://127.0.0.1:0"]).await;
    let url = ready["url"].as_str().unwrap().to_owned();
    let node = node(dialect);
    node.connect_to(&url).unwrap();
    let dynamic = node.acquire_dynamic("Interop");
    let stat = node.acquire("Interop", class("Interop", dialect));
    dynamic.wait_for_source(T).await.unwrap();
    stat.wait_for_source(T).await.unwrap();
    for replica in [&dynamic, &stat] {
        // Refused before anything is sent, naming the argument and both types.
        let err = replica.call("add", vec![Value::string("two"), Value::Int(1)]).await.unwrap_err();
        let NodeError::Arguments { error, .. } = &err else { panic!("{err:?}") };
        let ArgumentError::Type { position: 1, name, mismatch } = &**error else { panic!("{err:?}") };
        assert_eq!(
            (name.as_str(), mismatch.expected.as_str(), mismatch.given.as_str()),
            ("a", "int", "QString"),
            "{err}"
        );
        assert!(err.to_string().contains("add(int,int)"), "{err}");
        let err = replica.call("add", vec![Value::Int(1)]).await.unwrap_err();
        assert!(
            matches!(&err, NodeError::Arguments { error, .. } if **error == ArgumentError::Count { expected: 2, given: 1 }),
            "{err:?}"
        );
        let err = replica.call("scale", vec![Value::Int(2), Value::Bool(true), Value::Int(1)]).await.unwrap_err();
        assert!(
            matches!(&err, NodeError::Arguments { error, .. } if **error == ArgumentError::Count { expected: 2, given: 3 }),
            "{err:?}"
        );
        let err = replica.set_property("ratio", Value::string("abc")).unwrap_err();
        assert!(matches!(&err, NodeError::PropertyType { property, .. } if property == "ratio"), "{err:?}");
        assert!(replica.set_property("color", Value::string("Blue")).is_err());

        // Converted where nothing is lost: Qt receives the declared types.
        assert_eq!(replica.call("add", vec![Value::string("2"), Value::Double(3.0)]).await.unwrap(), Value::Int(5));
        let e = qt.expect("invoked add", is("invoked", "slot", "add")).await;
        assert_eq!(e["types"], serde_json::json!(["int", "int"]), "{e}");
        assert_eq!(replica.call("scale", vec![Value::Int(2), Value::LongLong(3)]).await.unwrap(), Value::Double(6.0));
        replica.set_property("ratio", Value::Int(2)).unwrap();
        let e = qt.expect("written ratio", is("written", "name", "ratio")).await;
        assert_eq!((e["type"].as_str(), e["value"].as_f64()), (Some("double"), Some(2.0)), "{e}");
        replica.set_property("text", Value::Int(42)).unwrap();
        let e = qt.expect("written text", is("written", "name", "text")).await;
        assert_eq!((e["type"].as_str(), e["value"].as_str()), (Some("QString"), Some("42")), "{e}");
        replica.set_property("color", Value::Int(4)).unwrap();
        let e = qt.expect("written color", is("written", "name", "color")).await;
        assert_eq!(e["value"], 4, "{e}");
    }
    // The Qt source is alive and holds only what it was sent with the right types.
    let dump = qt.command("dump").await;
    assert_eq!(dump["properties"]["ratio"]["value"], 2.0, "{dump}");
    assert_eq!(dump["properties"]["text"]["value"], "42", "{dump}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_replica_types_calls_to_a_qt_source_qt6() {
    calls_to_a_qt_source_are_typed(Dialect::Qt6).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_replica_types_calls_to_a_qt_source_qt5() {
    calls_to_a_qt_source_are_typed(Dialect::Qt5).await;
}

/// A Qt source puts a gadget the Rust replica was never told about inside a QVariantMap: the
/// change that carries it is dropped, the Init that carries it leaves that value (and the ones
/// after it) invalid, and the replica stays Valid and gets everything else.
async fn undecodable_values_cost_only_their_packet(dialect: Dialect) {
    let (mut qt, ready) =
        QtPeer::start_with(major(dialect), &["source-static", "Interop", "--url", "tcp://127.0.0.1:0"]).await;
    let url = ready["url"].as_str().unwrap().to_owned();
    let client = node(dialect);
    client.connect_to(&url).unwrap();
    let replica = client.acquire_dynamic("Interop");
    replica.wait_for_source(T).await.unwrap();
    let mut events = replica.events();

    qt.command(r#"set settings {"p":{"$type":"Point3","value":{"x":1,"y":2,"z":3}}}"#).await;
    qt.command(r#"set text "after""#).await;
    tokio::time::timeout(T, async {
        while replica.property("text") != Some(Value::string("after")) {
            events.recv().await.expect("events");
        }
    })
    .await
    .expect("the change after the undecodable one arrived");
    assert_eq!(replica.state(), ReplicaState::Valid);
    assert_eq!(replica.call("add", vec![Value::Int(1), Value::Int(2)]).await.unwrap(), Value::Int(3));

    // A replica acquired now gets an Init holding the gadget.
    let late = node(dialect);
    late.connect_to(&url).unwrap();
    let late = late.acquire_dynamic("Interop");
    late.wait_for_source(T).await.expect("initialized despite the undecodable value");
    assert_eq!(late.property("text"), Some(Value::string("after")), "values before it are intact");
    assert_eq!(late.property("settings"), Some(Value::Invalid));
    qt.command("set count 9").await;
    tokio::time::timeout(T, async {
        while late.property("count") != Some(Value::Int(9)) {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("changes keep arriving");
    assert_eq!(late.state(), ReplicaState::Valid);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undecodable_values_cost_only_their_packet_qt6() {
    undecodable_values_cost_only_their_packet(Dialect::Qt6).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undecodable_values_cost_only_their_packet_qt5() {
    undecodable_values_cost_only_their_packet(Dialect::Qt5).await;
}

/// A CLASS property whose child pointer is null on a stock Qt source: Rust replicas (dynamic,
/// and static of the .rep class) become Valid, see no child, and get the other properties.
async fn null_child_objects_do_not_block_acquisition(dialect: Dialect) {
    let (mut qt, ready) = QtPeer::start_with_env(
        major(dialect),
        &["source-static", "Parent", "--url", "tcp://127.0.0.1:0"],
        &[("QTRO_PEER_NULL_CHILD", "1")],
    )
    .await;
    let url = ready["url"].as_str().unwrap().to_owned();
    let client = node(dialect);
    client.connect_to(&url).unwrap();
    let dynamic = client.acquire_dynamic("Parent");
    let stat = client.acquire("Parent", class("Parent", dialect));
    dynamic.wait_for_source(T).await.expect("dynamic replica Valid");
    stat.wait_for_source(T).await.expect("static replica Valid");
    for r in [&dynamic, &stat] {
        assert_eq!(r.property("level"), Some(Value::Int(1)));
        let Some(Value::Remote(child)) = r.property("child") else { panic!("{:?}", r.property("child")) };
        assert!(child.is_null, "the null child is reported as such");
    }
    qt.command("set level 5").await;
    tokio::time::timeout(T, async {
        while stat.property("level") != Some(Value::Int(5)) || dynamic.property("level") != Some(Value::Int(5)) {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("changes arrive");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn null_child_objects_do_not_block_acquisition_qt6() {
    null_child_objects_do_not_block_acquisition(Dialect::Qt6).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn null_child_objects_do_not_block_acquisition_qt5() {
    null_child_objects_do_not_block_acquisition(Dialect::Qt5).await;
}
