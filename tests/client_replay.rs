//! The sans-IO client replays the captured Qt 6.4 sessions: fed the stock host's frames, it must
//! send exactly the bytes the stock Qt client sent and report the right events and states.

use std::sync::Arc;
use std::time::{Duration, Instant};

use qtro_rs::core::registry::Location;
use qtro_rs::core::*;

mod common;
use common::captures::{frames, qt_string, raw_frame, simple_class};

fn out(c: &mut ClientCore, conn: ConnectionId) -> String {
    hex::encode(c.take_output(conn).unwrap_or_default())
}

fn events(c: &mut ClientCore) -> Vec<ClientEvent> {
    std::iter::from_fn(|| c.poll_event()).collect()
}

/// A client with a Valid static replica of Simple on connection 1 (fed the captured session's
/// handshake, ObjectList and Init), its events taken.
fn valid_static_replica(now: Instant) -> ClientCore {
    let s = frames("### 1. Qt 6.4 static session");
    let mut c = ClientCore::new(Dialect::Qt6, Limits::DEFAULT);
    c.acquire("Simple", ReplicaKind::Static(Arc::new(simple_class())), now);
    c.connected(1);
    c.receive(1, &[s[0].1.clone(), s[1].1.clone(), s[3].1.clone()].concat(), now);
    events(&mut c);
    c
}

fn state_change(old: ReplicaState, new: ReplicaState) -> ClientEvent {
    ClientEvent::StateChanged { replica: "Simple".into(), old, new }
}

#[test]
fn static_replica_speaks_like_a_qt_replica() {
    let f = frames("### 1. Qt 6.4 static session");
    let now = Instant::now();
    let mut c = ClientCore::new(Dialect::Qt6, Limits::DEFAULT);
    c.acquire("Simple", ReplicaKind::Static(Arc::new(simple_class())), now);
    assert_eq!(c.replica("Simple").unwrap().state, ReplicaState::Default);
    c.connected(1);
    c.receive(1, &f[0].1, now);
    assert_eq!(out(&mut c, 1), "", "a client never speaks before the ObjectList");
    c.receive(1, &f[1].1, now);
    assert_eq!(out(&mut c, 1), hex::encode(&f[2].1), "AddObject(Simple, static)");
    c.receive(1, &f[3].1, now);
    assert_eq!(
        events(&mut c),
        [
            ClientEvent::Initialized { replica: "Simple".into() },
            state_change(ReplicaState::Default, ReplicaState::Valid)
        ]
    );
    assert_eq!(c.replica("Simple").unwrap().values, [Value::Int(0), Value::String(None)]);

    let serial = c.call("Simple", 1, vec![Value::Int(2), Value::Int(3)], true, now).unwrap();
    assert_eq!(serial, Some(1));
    assert_eq!(out(&mut c, 1), hex::encode(&f[4].1), "add(2,3) with serial 1");
    c.receive(1, &f[5].1, now);
    assert_eq!(events(&mut c), [ClientEvent::Reply { replica: "Simple".into(), serial_id: 1, value: Value::Int(5) }]);

    c.write_property("Simple", 1, Value::string("hi"), now).unwrap();
    assert_eq!(out(&mut c, 1), hex::encode(&f[6].1), "WriteProperty name=hi");
    c.receive(1, &[f[7].1.clone(), f[8].1.clone()].concat(), now);
    assert_eq!(
        events(&mut c),
        [
            ClientEvent::PropertyChanged { replica: "Simple".into(), index: 1, value: Value::string("hi") },
            ClientEvent::Signal {
                replica: "Simple".into(),
                index: 1,
                args: vec![Value::string("hi")],
                property_index: Some(1)
            },
        ]
    );
    c.call("Simple", 0, vec![Value::Int(7)], false, now).unwrap();
    assert_eq!(out(&mut c, 1), hex::encode(&f[9].1), "pushValue(7)");
    c.call("Simple", 2, vec![], false, now).unwrap();
    assert_eq!(out(&mut c, 1), hex::encode(&f[12].1), "reset()");
    c.receive(1, &f[15].1, now);
    assert_eq!(
        events(&mut c),
        [ClientEvent::Signal { replica: "Simple".into(), index: 2, args: vec![Value::Int(42)], property_index: None }]
    );
    c.release("Simple");
    assert_eq!(out(&mut c, 1), hex::encode(&f[16].1), "RemoveObject");
}

#[test]
fn dynamic_replica_learns_the_interface() {
    let f = frames("### 2. Qt 6.4 dynamic acquisition");
    let now = Instant::now();
    let mut c = ClientCore::new(Dialect::Qt6, Limits::DEFAULT);
    c.acquire("Simple", ReplicaKind::Dynamic, now);
    assert_eq!(c.replica("Simple").unwrap().state, ReplicaState::Uninitialized);
    c.connected(3);
    c.receive(3, &[f[0].1.clone(), f[1].1.clone()].concat(), now);
    assert_eq!(out(&mut c, 3), hex::encode(&f[2].1), "AddObject(Simple, dynamic)");
    c.receive(3, &f[3].1, now);
    let r = c.replica("Simple").unwrap();
    assert_eq!(r.state, ReplicaState::Valid);
    assert_eq!(r.definition.as_ref().unwrap(), &simple_class().definition);

    // After losing the connection it is Suspect; on reconnect it asks for values only, as Qt does.
    c.disconnected(3);
    assert_eq!(c.replica("Simple").unwrap().state, ReplicaState::Suspect);
    c.connected(4);
    c.receive(4, &[f[0].1.clone(), f[1].1.clone()].concat(), now);
    let static_add = frames("### 1. Qt 6.4 static session")[2].1.clone();
    assert_eq!(out(&mut c, 4), hex::encode(static_add), "AddObject(Simple, isDynamic=false) after reconnect");
}

#[test]
fn heartbeat_pings_and_detects_a_silent_host() {
    let f = frames("### 3. Qt 6.4 heartbeat");
    let s = frames("### 1. Qt 6.4 static session");
    let t0 = Instant::now();
    let interval = Duration::from_millis(300);
    let mut c = ClientCore::new(Dialect::Qt6, Limits::DEFAULT);
    c.set_heartbeat(Some(interval), t0);
    c.acquire("Simple", ReplicaKind::Static(Arc::new(simple_class())), t0);
    c.connected(1);
    c.receive(1, &[s[0].1.clone(), s[1].1.clone(), s[3].1.clone()].concat(), t0);
    c.take_output(1);
    assert_eq!(c.poll_timeout(), Some(t0 + interval));
    c.handle_timeout(t0 + interval);
    assert_eq!(out(&mut c, 1), hex::encode(&f[0].1), "Ping(Simple)");
    c.receive(1, &f[1].1, t0 + interval);
    c.handle_timeout(t0 + interval * 2);
    assert_eq!(out(&mut c, 1), hex::encode(&f[0].1), "answered: ping again");
    events(&mut c);
    // No Pong this time: the next expiry declares the host dead.
    c.handle_timeout(t0 + interval * 3);
    assert_eq!(events(&mut c), [ClientEvent::HeartbeatFailed { conn: 1 }]);
}

#[test]
fn replies_are_matched_to_calls_in_and_out_of_order_and_unknown_ones_dropped() {
    let now = Instant::now();
    let mut c = valid_static_replica(now);
    let serials: Vec<i32> =
        (0..4).map(|i| c.call("Simple", 1, vec![Value::Int(i), Value::Int(1)], true, now).unwrap().unwrap()).collect();
    let reply = |serial_id: i32| {
        Packet::InvokeReply { name: "Simple".into(), serial_id, value: Value::Int(serial_id) }
            .to_bytes(Dialect::Qt6)
            .unwrap()
    };
    // In order, then out of order, a duplicate and one never asked for.
    for serial in [serials[0], serials[2], serials[1], serials[1], 999, serials[3]] {
        c.receive(1, &reply(serial), now);
    }
    let got: Vec<i32> = events(&mut c)
        .into_iter()
        .map(|e| match e {
            ClientEvent::Reply { serial_id, value, .. } => {
                assert_eq!(value, Value::Int(serial_id));
                serial_id
            }
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert_eq!(got, [serials[0], serials[2], serials[1], serials[3]]);
}

#[test]
fn pending_calls_fail_when_the_connection_drops() {
    let now = Instant::now();
    let mut c = valid_static_replica(now);
    c.call("Simple", 1, vec![Value::Int(1), Value::Int(2)], true, now).unwrap();
    c.disconnected(1);
    assert_eq!(
        events(&mut c),
        [
            ClientEvent::CallFailed {
                replica: "Simple".into(),
                serial_id: 1,
                error: CallError::ConnectionLost("Simple".into())
            },
            state_change(ReplicaState::Valid, ReplicaState::Suspect),
        ]
    );
    assert_eq!(c.call("Simple", 2, vec![], false, now), Err(CallError::NotConnected("Simple".into())));
}

#[test]
fn signature_mismatch_suppresses_add_object() {
    let now = Instant::now();
    let mut class = simple_class();
    class.signature = Some("0".repeat(40));
    let mut c = ClientCore::new(Dialect::Qt6, Limits::DEFAULT);
    c.acquire("Simple", ReplicaKind::Static(Arc::new(class)), now);
    c.connected(1);
    let s = frames("### 1. Qt 6.4 static session");
    c.receive(1, &[s[0].1.clone(), s[1].1.clone()].concat(), now);
    assert_eq!(out(&mut c, 1), "");
    assert_eq!(c.replica("Simple").unwrap().state, ReplicaState::SignatureMismatch);
}

#[test]
fn wrong_handshake_is_a_protocol_mismatch() {
    let now = Instant::now();
    let mut c = ClientCore::new(Dialect::Qt6, Limits::DEFAULT);
    c.connected(1);
    c.receive(1, &Packet::Handshake { version: "QtRO 9.9".into() }.to_bytes(Dialect::Qt6).unwrap(), now);
    assert_eq!(events(&mut c), [ClientEvent::ProtocolMismatch { conn: 1, version: "QtRO 9.9".into() }]);
}

#[test]
fn registry_client_registers_and_discovers_like_qt() {
    let f = frames("### 4. Qt 6.4 registry");
    let now = Instant::now();
    let registry = || ReplicaKind::Static(Arc::new(registry::registry_class(Dialect::Qt6)));

    // The source host's side: acquire the registry, then register Simple once it is Valid.
    let mut host_side = ClientCore::new(Dialect::Qt6, Limits::DEFAULT);
    host_side.acquire("Registry", registry(), now);
    host_side.register_source(
        Location { name: "Simple".into(), type_name: "Simple".into(), url: "tcp://127.0.0.1:47502".into() },
        now,
    );
    host_side.connected(1);
    host_side.receive(1, &[f[0].1.clone(), f[1].1.clone()].concat(), now);
    assert_eq!(out(&mut host_side, 1), hex::encode(&f[2].1), "AddObject(Registry)");
    host_side.receive(1, &f[3].1, now);
    assert_eq!(out(&mut host_side, 1), hex::encode(&f[4].1), "addSource(Simple) right after the registry init");
    host_side.unregister_source("Simple", now);
    assert_eq!(out(&mut host_side, 1), hex::encode(&f[14].1), "removeSource(Simple)");

    // The client's side: acquire Simple by name, learn its URL from the registry table.
    let mut client = ClientCore::new(Dialect::Qt6, Limits::DEFAULT);
    client.acquire("Registry", registry(), now);
    client.acquire("Simple", ReplicaKind::Static(Arc::new(simple_class())), now);
    client.connected(1);
    client.receive(1, &[f[6].1.clone(), f[7].1.clone()].concat(), now);
    assert_eq!(out(&mut client, 1), hex::encode(&f[8].1));
    client.receive(1, &f[9].1, now);
    assert!(events(&mut client).contains(&ClientEvent::ConnectTo { url: "tcp://127.0.0.1:47502".into() }));
    client.connected(2);
    client.receive(2, &[f[10].1.clone(), f[11].1.clone()].concat(), now);
    assert_eq!(out(&mut client, 2), hex::encode(&f[12].1), "AddObject(Simple) on the learned host");
    client.receive(2, &f[13].1, now);
    assert_eq!(client.replica("Simple").unwrap().state, ReplicaState::Valid);
    client.receive(2, &f[15].1, now);
    assert_eq!(client.replica("Simple").unwrap().state, ReplicaState::Suspect, "RemoveObject from the host");
    client.receive(1, &f[17].1, now);
    assert!(client.registry_locations().is_empty(), "remoteObjectRemoved");
}

/// Frames a host sends whose content cannot be decoded cost only themselves: a signal with an
/// argument of a type the replica was never told about, a property change of one, an empty list
/// of such a type (which decodes); the replica stays Valid and gets what follows. A framing
/// error still closes the connection.
#[test]
fn undecodable_packets_from_a_host_cost_only_themselves() {
    let now = Instant::now();
    let mut c = valid_static_replica(now);
    let name = qt_string("Simple");
    let user = |type_name: &str, payload: &[u8]| -> Vec<u8> {
        let mut v = vec![0, 0, 1, 0, 0];
        v.extend_from_slice(&((type_name.len() + 1) as u32).to_le_bytes());
        v.extend_from_slice(type_name.as_bytes());
        v.push(0);
        v.extend_from_slice(payload);
        v
    };
    // fired(QList<ExtPod>) with two elements of a POD nobody registered.
    let mut signal = name.clone();
    signal.extend_from_slice(&[0, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0]);
    signal.extend(user("QList<ExtPod>", &[2, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8]));
    signal.extend_from_slice(&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
    // value := ExtPod(…), an unknown gadget.
    let mut change = name.clone();
    change.extend_from_slice(&[0, 0, 0, 0]);
    change.extend(user("ExtPod", &[2, 0, 0, 0, 0, 1, 0, 0, 0]));
    // An empty QList<ExtPod> as a signal argument decodes: its layout is known.
    let mut empty = name.clone();
    empty.extend_from_slice(&[0, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0]);
    empty.extend(user("QList<ExtPod>", &[0, 0, 0, 0]));
    empty.extend_from_slice(&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
    // Then a good change of value.
    let mut good = name.clone();
    good.extend_from_slice(&[0, 0, 0, 0, 2, 0, 0, 0, 0, 9, 0, 0, 0]);
    c.receive(
        1,
        &[raw_frame(6, &signal), raw_frame(8, &change), raw_frame(6, &empty), raw_frame(8, &good)].concat(),
        now,
    );
    let got = events(&mut c);
    assert!(
        !got.iter().any(|e| matches!(e, ClientEvent::ProtocolError { .. } | ClientEvent::StateChanged { .. })),
        "{got:?}"
    );
    assert!(
        got.iter().any(|e| matches!(e, ClientEvent::Signal { index: 2, args, .. } if matches!(&args[..], [Value::Sequence(s)] if s.items.is_empty()))),
        "the empty list decodes: {got:?}"
    );
    assert!(
        got.contains(&ClientEvent::PropertyChanged { replica: "Simple".into(), index: 0, value: Value::Int(9) }),
        "{got:?}"
    );
    assert_eq!(c.replica("Simple").unwrap().state, ReplicaState::Valid);
    // A frame claiming more than the packet limit closes the connection.
    c.receive(1, &u32::MAX.to_le_bytes(), now);
    assert!(events(&mut c).iter().any(|e| matches!(e, ClientEvent::ProtocolError { conn: 1, .. })));
}
