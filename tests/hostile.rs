//! A live host under hostile input: every abusive connection gets refused or closed, and a healthy
//! replica keeps receiving every update in order meanwhile.

use std::time::Duration;

use qtro_rs::core::{ClassBuilder, Dialect, Invoke, Packet, PropertyMode, Value};
use qtro_rs::node::{Node, NodeConfig, ReplicaEvent, Source};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

mod common;

const T: Duration = Duration::from_secs(10);

async fn host() -> (Node, Source, String) {
    let node = Node::with_config(NodeConfig {
        limits: qtro_rs::core::Limits { max_packet_size: 1024 * 1024, ..Default::default() },
        ..NodeConfig::default()
    });
    let url = node.listen("tcp://127.0.0.1:0").await.unwrap();
    let class = ClassBuilder::new("Target")
        .property("seq", "int", PropertyMode::ReadWrite, Value::Int(0))
        .signal("tick", &[("n", "int")])
        .slot("add", &[("a", "int"), ("b", "int")], "int")
        .build();
    let source = node.enable_source("Target", class, |c: qtro_rs::node::SlotCall| async move {
        Value::Int(c.args.iter().filter_map(Value::as_i64).sum::<i64>() as i32)
    });
    (node, source.unwrap(), url)
}

fn frame(p: Packet) -> Vec<u8> {
    p.to_bytes(Dialect::Qt6).unwrap().to_vec()
}

/// Connects, sends `bytes` after the host's greeting, and reports whether the host closed the
/// connection within a short time.
async fn send_and_see_if_closed(addr: &str, bytes: &[u8]) -> bool {
    let mut s = TcpStream::connect(addr).await.unwrap();
    let mut greeting = vec![0u8; 4096];
    let _ = tokio::time::timeout(Duration::from_millis(500), s.read(&mut greeting)).await;
    let _ = s.write_all(bytes).await;
    let mut buf = vec![0u8; 65536];
    let deadline = tokio::time::Instant::now() + Duration::from_millis(700);
    loop {
        match tokio::time::timeout_at(deadline, s.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => continue,
            Err(_) => return false,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn abusive_connections_fail_alone_and_nothing_is_lost_for_the_others() {
    let (_node, source, url) = host().await;
    let addr = url.trim_start_matches("tcp://").to_owned();
    let client = Node::new();
    client.connect_to(&url).unwrap();
    let (good, mut events) = client.acquire_dynamic_with_events("Target");
    good.wait_for_source(T).await.unwrap();

    // Keep the source busy the whole time.
    let producer = {
        let source = source.clone();
        tokio::spawn(async move {
            for n in 1..=2000 {
                source.set_property("seq", Value::Int(n)).unwrap();
                source.emit("tick", vec![Value::Int(n)]).unwrap();
                if n % 50 == 0 {
                    tokio::time::sleep(Duration::from_millis(2)).await;
                }
            }
        })
    };

    let invoke = |name: &str, call, index, args: Vec<Value>| {
        frame(Packet::Invoke(Invoke { name: name.into(), call, index, args, serial_id: 1, property_index: -1 }))
    };
    let mut deep = Vec::new();
    deep.extend_from_slice(&[0u8; 4]); // length, patched below
    deep.extend_from_slice(&6u16.to_le_bytes());
    deep.extend_from_slice(&[12, 0, 0, 0]);
    deep.extend("Target".encode_utf16().flat_map(|u| u.to_le_bytes()));
    deep.extend_from_slice(&[0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0]);
    for _ in 0..5000 {
        deep.extend_from_slice(&[9, 0, 0, 0, 0, 1, 0, 0, 0]);
    }
    let len = (deep.len() - 4) as u32;
    deep[..4].copy_from_slice(&len.to_le_bytes());

    // (abuse, expect the host to close the connection)
    let cases: Vec<(&str, Vec<u8>, bool)> = vec![
        ("length claiming 4 GiB", vec![0xff, 0xff, 0xff, 0xff, 6, 0], true),
        ("length past the packet limit", (2u32 * 1024 * 1024).to_le_bytes().to_vec(), true),
        ("frame too short for a type", vec![1, 0, 0, 0, 6], true),
        ("nesting 5000 lists deep", deep, true),
        // A frame whose content cannot be decoded costs only that frame (its length is known):
        // refused with a log line, the connection stays, as on a stock Qt host.
        ("unknown packet type", vec![2, 0, 0, 0, 99, 0], false),
        ("truncated QString inside a frame", vec![8, 0, 0, 0, 4, 0, 0xff, 0xff, 0xff, 0x7f, 0, 0], false),
        (
            "unknown user type",
            {
                let mut b = Vec::new();
                let mut body = Vec::new();
                body.extend_from_slice(&8u16.to_le_bytes());
                body.extend_from_slice(&[12, 0, 0, 0]);
                body.extend("Target".encode_utf16().flat_map(|u| u.to_le_bytes()));
                body.extend_from_slice(&[0, 0, 0, 0, 0, 0, 1, 0, 0, 8, 0, 0, 0]);
                body.extend_from_slice(b"Mystery\0");
                b.extend_from_slice(&(body.len() as u32).to_le_bytes());
                b.extend(body);
                b
            },
            false,
        ),
        // Well-formed but wrong requests are refused with a log line, the connection stays.
        ("AddObject of an unknown name", frame(Packet::AddObject { name: "Nope".into(), is_dynamic: true }), false),
        ("invoke of an unknown method", invoke("Target", 0, 77, vec![]), false),
        ("invoke with a wrong argument count", invoke("Target", 0, 0, vec![Value::Int(1)]), false),
        ("invoke on an unknown object", invoke("Ghost", 0, 0, vec![]), false),
        ("negative index", invoke("Target", 0, -5, vec![]), false),
        ("write to a missing property", invoke("Target", 2, 9, vec![Value::Int(1)]), false),
        ("a client sending Handshake", frame(Packet::Handshake { version: "QtRO 9.9".into() }), false),
    ];
    for (what, bytes, closes) in cases {
        let closed = send_and_see_if_closed(&addr, &bytes).await;
        assert_eq!(closed, closes, "{what}: closed={closed}");
    }

    // Slow drip: a valid request one byte at a time is still served.
    let mut s = TcpStream::connect(&addr).await.unwrap();
    let mut greeting = vec![0u8; 4096];
    let _ = s.read(&mut greeting).await.unwrap();
    for b in frame(Packet::AddObject { name: "Target".into(), is_dynamic: false }) {
        s.write_all(&[b]).await.unwrap();
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let n = tokio::time::timeout(T, s.read(&mut greeting)).await.unwrap().unwrap();
    assert!(n > 0, "the slow client got its InitPacket");

    // A flood of connections that say nothing.
    let mut idle = Vec::new();
    for _ in 0..200 {
        idle.push(TcpStream::connect(&addr).await.unwrap());
    }

    producer.await.unwrap();
    // The healthy replica saw every tick, in order, and ends with the final value.
    let mut next = 1;
    tokio::time::timeout(T, async {
        while next <= 2000 {
            if let Some(ReplicaEvent::Signal { name, args, .. }) = events.recv().await {
                if name == "tick" {
                    assert_eq!(args, vec![Value::Int(next)]);
                    next += 1;
                }
            }
        }
    })
    .await
    .expect("every tick arrived");
    assert_eq!(good.property("seq"), Some(Value::Int(2000)));
    assert_eq!(good.call("add", vec![Value::Int(2), Value::Int(2)]).await.unwrap(), Value::Int(4));
    drop(idle);
}

/// No replica can make a source unacquirable: a write that would make the source's values larger
/// than one InitPacket may carry is refused (the source's own change too, with an error), so
/// replicas acquiring later still get it, and a stock Qt replica watching misses nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_replica_can_make_a_source_unacquirable() {
    let node = Node::new();
    let url = node.listen("tcp://127.0.0.1:0").await.unwrap();
    let class = ClassBuilder::new("Big")
        .property("a", "QByteArray", PropertyMode::ReadWrite, Value::ByteArray(None))
        .property("b", "QByteArray", PropertyMode::ReadWrite, Value::ByteArray(None))
        .property("n", "int", PropertyMode::ReadWrite, Value::Int(0))
        .build();
    let source = node.enable_source_without_slots("Big", class).unwrap();
    let (mut qt, _) = common::qt_peer::QtPeer::start(&["replica-dynamic", "--url", &url, "--name", "Big"]).await;
    qt.expect("Valid", common::qt_peer::is("state", "state", "Valid")).await;

    // Each 40 MB write is under the 64 MiB packet limit; together they would not fit an Init.
    let attacker = Node::new();
    attacker.connect_to(&url).unwrap();
    let (replica, mut events) = attacker.acquire_dynamic_with_events("Big");
    replica.wait_for_source(T).await.unwrap();
    let big = Value::bytes(vec![b'x'; 40 * 1024 * 1024]);
    replica.set_property("a", big.clone()).unwrap();
    tokio::time::timeout(T, async {
        while !matches!(events.recv().await, Some(ReplicaEvent::PropertyChanged { name, .. }) if name == "a") {}
    })
    .await
    .expect("the first write is accepted");
    replica.set_property("b", big.clone()).unwrap();
    replica.set_property("n", Value::Int(1)).unwrap();
    tokio::time::timeout(T, async {
        loop {
            match events.recv().await {
                Some(ReplicaEvent::PropertyChanged { name, .. }) if name == "n" => break,
                Some(ReplicaEvent::PropertyChanged { name, .. }) => panic!("{name} changed"),
                _ => {}
            }
        }
    })
    .await
    .expect("the write after the refused one arrives");
    assert_eq!(source.property("b").unwrap(), Value::ByteArray(None), "the second large write was refused");
    // The source itself gets an error instead of making itself unacquirable.
    let err = source.set_property("b", big).unwrap_err();
    assert!(err.to_string().contains("more than one packet may carry"), "{err}");

    // Replicas acquiring now get the source, the stock Qt one saw every accepted change.
    let late = Node::new();
    late.connect_to(&url).unwrap();
    let r = late.acquire_dynamic("Big");
    r.wait_for_source(T).await.expect("still acquirable");
    assert_eq!(r.property("n"), Some(Value::Int(1)));
    qt.expect("n", |e| e["event"] == "property" && e["name"] == "n" && e["value"] == 1).await;
    assert_eq!(qt.command("get a").await["type"], "QByteArray");
}

/// Amplification is bounded both ways. A host's InitDynamic whose definition holds more enum keys
/// than a packet may hold values is refused before it costs more (a replica once spent 756 MB on a
/// 60 MB one); a replica's frames of types only hosts send are skipped unread by a host, whose
/// stock Qt replica meanwhile gets every change.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn definitions_and_host_only_packets_cannot_amplify() {
    use qtro_rs::core::classdef::{ClassDefinition, EnumDef};
    use qtro_rs::core::ObjectInfo;
    // A fake host: 1.1 M enum keys (~12 MB), past the 1 Mi value budget of a packet.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("tcp://{}", listener.local_addr().unwrap());
    let keys: Vec<(String, i32)> = (0..1_100_000).map(|i| (format!("K{i}"), i)).collect();
    let definition = ClassDefinition {
        type_name: Some("Huge".into()),
        enums: vec![EnumDef { name: "E".into(), is_flag: false, is_scoped: false, size: 4, keys }],
        ..Default::default()
    };
    let init = Packet::InitDynamic { name: "Huge".into(), definition, values: vec![] }.to_bytes(Dialect::Qt6).unwrap();
    let server = tokio::spawn(async move {
        loop {
            let (mut s, _) = listener.accept().await.unwrap();
            let init = init.clone();
            tokio::spawn(async move {
                for p in [
                    Packet::Handshake { version: Dialect::Qt6.protocol_version().into() },
                    Packet::ObjectList(vec![ObjectInfo { name: "Huge".into(), type_name: None, signature: None }]),
                ] {
                    s.write_all(&p.to_bytes(Dialect::Qt6).unwrap()).await.unwrap();
                }
                let mut buf = [0u8; 1024];
                if s.read(&mut buf).await.unwrap_or(0) > 0 {
                    let _ = s.write_all(&init).await;
                }
                let _ = s.read(&mut buf).await;
            });
        }
    });
    let node = Node::new();
    node.connect_to(&url).unwrap();
    let r = node.acquire_dynamic("Huge");
    let deadline = tokio::time::Instant::now() + T;
    while node.last_protocol_error().is_none() && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let err = node.last_protocol_error().expect("the definition was refused");
    assert!(err.contains("value budget"), "{err}");
    assert_ne!(r.state(), qtro_rs::core::ReplicaState::Valid);
    server.abort();

    // A host skips host-only packet types unread, and its stock Qt replica misses nothing.
    let (_node, source, url) = host().await;
    let (mut qt, _) = common::qt_peer::QtPeer::start(&["replica-dynamic", "--url", &url, "--name", "Target"]).await;
    qt.expect("Valid", common::qt_peer::is("state", "state", "Valid")).await;
    let mut flood = TcpStream::connect(url.trim_start_matches("tcp://")).await.unwrap();
    let mut greeting = vec![0u8; 4096];
    let _ = flood.read(&mut greeting).await;
    // 8 frames of ~1 MB of nested empty lists each, as PropertyChange (type 8): a host would
    // build millions of values from them if it decoded them.
    let mut body = Vec::new();
    body.extend_from_slice(&8u16.to_le_bytes());
    body.extend_from_slice(&[12, 0, 0, 0]);
    body.extend("Target".encode_utf16().flat_map(|u| u.to_le_bytes()));
    body.extend_from_slice(&[0, 0, 0, 0, 9, 0, 0, 0, 0]);
    let n = 1_000_000 / 9;
    body.extend_from_slice(&(n as u32).to_le_bytes());
    for _ in 0..n {
        body.extend_from_slice(&[9, 0, 0, 0, 0, 0, 0, 0, 0]);
    }
    let mut frame = ((body.len()) as u32).to_le_bytes().to_vec();
    frame.extend(body);
    for round in 1..=8 {
        flood.write_all(&frame).await.unwrap();
        source.set_property("seq", Value::Int(round)).unwrap();
    }
    qt.expect("seq 8", |e| e["event"] == "property" && e["name"] == "seq" && e["value"] == 8).await;
    // The flooding connection is still served (nothing it sent was an error).
    flood
        .write_all(&Packet::AddObject { name: "Target".into(), is_dynamic: false }.to_bytes(Dialect::Qt6).unwrap())
        .await
        .unwrap();
    let got = tokio::time::timeout(T, flood.read(&mut greeting)).await.unwrap().unwrap();
    assert!(got > 0, "the Init came");
}
