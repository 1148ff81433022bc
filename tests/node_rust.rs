//! The async engine end to end, Rust host ↔ Rust client, over real loopback and local sockets.

use std::time::Duration;

use qtro_rs::core::{ClassBuilder, PropertyMode, ReplicaState, SourceClass, Value};
use qtro_rs::node::{Node, NodeConfig, Replica, ReplicaEvent, SlotCall};
use tokio::sync::mpsc::UnboundedReceiver;

const T: Duration = Duration::from_secs(10);

fn simple() -> SourceClass {
    ClassBuilder::new("Simple")
        .property("value", "int", PropertyMode::ReadPush, Value::Int(0))
        .property("name", "QString", PropertyMode::ReadWrite, Value::String(None))
        .signal("fired", &[("code", "int")])
        .slot("add", &[("a", "int"), ("b", "int")], "int")
        .slot("reset", &[], "void")
        .build()
}

async fn host_simple(url: &str) -> (Node, qtro_rs::node::Source, String) {
    let host = Node::new();
    let bound = host.listen(url).await.unwrap();
    let source = host
        .enable_source("Simple", simple(), |call: SlotCall| async move {
            match call.name.as_str() {
                "add" => Value::Int(call.args.iter().filter_map(Value::as_i64).sum::<i64>() as i32),
                _ => Value::Invalid,
            }
        })
        .unwrap();
    (host, source, bound)
}

async fn next_matching(rx: &mut UnboundedReceiver<ReplicaEvent>, f: impl Fn(&ReplicaEvent) -> bool) -> ReplicaEvent {
    tokio::time::timeout(T, async {
        loop {
            let e = rx.recv().await.expect("event stream ended");
            if f(&e) {
                return e;
            }
        }
    })
    .await
    .expect("timed out waiting for an event")
}

async fn exercise(url: &str) {
    let (_host, source, bound) = host_simple(url).await;
    let client = Node::new();
    client.connect_to(&bound).unwrap();
    let replica: Replica = client.acquire_dynamic("Simple");
    let mut events = replica.events();
    replica.wait_for_source(T).await.unwrap();
    assert_eq!(replica.property("value"), Some(Value::Int(0)));

    assert_eq!(replica.call("add", vec![Value::Int(2), Value::Int(3)]).await.unwrap(), Value::Int(5));

    source.set_property("value", Value::Int(7)).unwrap();
    let e = next_matching(&mut events, |e| matches!(e, ReplicaEvent::PropertyChanged { .. })).await;
    assert_eq!(e, ReplicaEvent::PropertyChanged { index: 0, name: "value".into(), value: Value::Int(7) });

    source.emit("fired", vec![Value::Int(42)]).unwrap();
    let e = next_matching(&mut events, |e| matches!(e, ReplicaEvent::Signal { name, .. } if name == "fired")).await;
    assert!(matches!(e, ReplicaEvent::Signal { args, property_index: None, .. } if args == vec![Value::Int(42)]));

    replica.set_property("name", Value::string("hi")).unwrap();
    next_matching(&mut events, |e| matches!(e, ReplicaEvent::PropertyChanged { name, .. } if name == "name")).await;
    assert_eq!(source.property("name").unwrap(), Value::string("hi"));

    replica.call("pushValue", vec![Value::Int(9)]).await.unwrap();
    next_matching(&mut events, |e| matches!(e, ReplicaEvent::PropertyChanged { value: Value::Int(9), .. })).await;
}

#[tokio::test]
async fn rust_to_rust_over_tcp() {
    exercise("tcp://127.0.0.1:0").await;
}

#[tokio::test]
async fn rust_to_rust_over_local_socket() {
    exercise(&format!("local:qtro_rs_test_{}", std::process::id())).await;
}

#[tokio::test]
async fn rust_to_rust_over_abstract_socket() {
    exercise(&format!("localabstract:qtro_rs_test_{}", std::process::id())).await;
}

#[tokio::test]
async fn acquire_by_name_through_a_registry() {
    let registry = Node::new();
    let reg_url = registry.listen_registry("tcp://127.0.0.1:0").await.unwrap();

    let host = Node::new();
    host.set_registry_url(&reg_url).unwrap();
    let src_url = host.listen("tcp://127.0.0.1:0").await.unwrap();
    let _source = host.enable_source_without_slots("Simple", simple()).unwrap();

    let client = Node::new();
    client.set_registry_url(&reg_url).unwrap();
    let replica = client.acquire_dynamic("Simple");
    replica.wait_for_source(T).await.unwrap();
    let locations = client.registry_locations();
    assert_eq!(locations.len(), 1, "{locations:?}");
    assert_eq!(locations[0].url, src_url);

    // Disabling the source withdraws it from the registry and the replica goes Suspect.
    host.disable_source("Simple").unwrap();
    tokio::time::timeout(T, async {
        while replica.state() != ReplicaState::Suspect {
            replica.state_changed().await;
        }
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn replica_recovers_when_the_source_comes_back() {
    let (host, source, bound) = host_simple("tcp://127.0.0.1:0").await;
    source.set_property("value", Value::Int(1)).unwrap();
    let client = Node::with_config(NodeConfig { retry_interval: Duration::from_millis(50), ..NodeConfig::default() });
    client.connect_to(&bound).unwrap();
    let replica = client.acquire_dynamic("Simple");
    replica.wait_for_source(T).await.unwrap();

    drop(source);
    host.shutdown();
    drop(host);
    tokio::time::timeout(T, async {
        while replica.state() != ReplicaState::Suspect {
            replica.state_changed().await;
        }
    })
    .await
    .expect("Suspect after the host went away");
    // A pending call fails instead of hanging.
    assert!(replica.call("add", vec![Value::Int(1), Value::Int(1)]).await.is_err());

    let (_host2, source2, _) = host_simple(&bound).await;
    source2.set_property("value", Value::Int(99)).unwrap();
    replica.wait_for_source(T).await.unwrap();
    assert_eq!(replica.property("value"), Some(Value::Int(99)), "fresh values after re-init");
}

#[tokio::test]
async fn heartbeat_detects_a_frozen_host() {
    use tokio::io::AsyncReadExt;
    // A "host" that speaks the handshake and init, then stops answering (as if SIGSTOPped).
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("tcp://{}", listener.local_addr().unwrap());
    let class = simple();
    tokio::spawn(async move {
        use qtro_rs::core::{Dialect, ObjectInfo, Packet};
        use tokio::io::AsyncWriteExt;
        let (mut s, _) = listener.accept().await.unwrap();
        let mut out = Vec::new();
        out.extend(Packet::Handshake { version: "QtRO 2.0".into() }.to_bytes(Dialect::Qt6).unwrap());
        out.extend(
            Packet::ObjectList(vec![ObjectInfo { name: "Simple".into(), type_name: Some("Simple".into()), signature: None }])
                .to_bytes(Dialect::Qt6)
                .unwrap(),
        );
        s.write_all(&out).await.unwrap();
        let mut buf = [0u8; 64];
        let _ = s.read(&mut buf).await; // AddObject
        let init = Packet::InitDynamic { name: "Simple".into(), definition: class.definition.clone(), values: class.defaults.clone() };
        s.write_all(&init.to_bytes(Dialect::Qt6).unwrap()).await.unwrap();
        // Then silence, with the socket open.
        loop {
            if s.read(&mut buf).await.unwrap_or(0) == 0 {
                return;
            }
        }
    });
    let client = Node::with_config(NodeConfig { heartbeat: Some(Duration::from_millis(100)), ..NodeConfig::default() });
    client.connect_to(&url).unwrap();
    let replica = client.acquire_dynamic("Simple");
    replica.wait_for_source(T).await.unwrap();
    let started = std::time::Instant::now();
    tokio::time::timeout(T, async {
        while replica.state() != ReplicaState::Suspect {
            replica.state_changed().await;
        }
    })
    .await
    .expect("heartbeat failure makes the replica Suspect");
    assert!(started.elapsed() < Duration::from_secs(2), "detected within a few intervals");
}
