//! Limits and hostile peers (see `docs/limits.md`): a frame past a limit costs its connection
//! and nothing else, an undecodable packet costs only itself, and no write can make a source
//! too large to acquire.

use std::sync::Arc;

use super::pair::{Dir, Pair};
use super::{assert_refused, moved, serving, static_kind, values, SOURCE};
use crate::core::{
    ClassBuilder, ClientEvent, ConnectionId, Dialect, Gadget, HostError, HostEvent, Invoke, Limits, Packet,
    PropertyMode, ReplicaKind, ReplicaState, Value,
};

/// A host within `limits` sharing [`SOURCE`], and two clients that acquired it: client 0 on
/// the first connection returned, client 1 on the second.
fn two_replicas(limits: Limits) -> (Pair, ConnectionId, ConnectionId) {
    let mut pair = serving(Dialect::Qt6, limits);
    pair.add_client(Dialect::Qt6, Limits::DEFAULT);
    let now = pair.now;
    for client in [0, 1] {
        pair.clients[client].acquire(SOURCE, static_kind(), now);
    }
    let (first, second) = (pair.connect(0), pair.connect(1));
    pair.drive();
    pair.host_events();
    for client in [0, 1] {
        assert_eq!(pair.state(client, SOURCE), ReplicaState::Valid);
        pair.client_events(client);
    }
    (pair, first, second)
}

/// A call of `add(int,int)` with these arguments, as a client would frame it.
fn add_call(args: Vec<Value>) -> Vec<u8> {
    let invoke = Invoke { name: SOURCE.into(), call: 0, index: 1, args, serial_id: 1, property_index: -1 };
    Packet::Invoke(invoke).to_bytes(Dialect::Qt6).unwrap().to_vec()
}

/// A list nested `depth` deep.
fn nested(depth: usize) -> Value {
    (0..depth).fold(Value::Int(0), |v, _| Value::List(vec![v]))
}

/// Each frame breaks one limit of the host, whole or in pieces of one byte, while the other
/// client's call is in flight: it closes the connection it came on and nothing else.
#[test]
fn a_hostile_frame_costs_only_its_connection() {
    let small = Limits { max_packet_size: 64 * 1024, max_depth: 8, max_values: 16, max_collection_len: 32 };
    let huge_header = [(64 * 1024 + 1u32).to_le_bytes().as_slice(), &[6, 0]].concat();
    // What each frame breaks, the frame, and the error it must close its connection with.
    let cases = [
        ("a frame over the packet limit", huge_header, "PacketTooLarge"),
        ("a frame too short for a type", vec![1, 0, 0, 0, 6], "FrameTooShort"),
        ("values nested too deep", add_call(vec![nested(20), Value::Int(1)]), "TooDeep"),
        ("too many values", add_call(vec![Value::Int(1); 17]), "TooManyValues"),
        ("a list too long", add_call(vec![Value::List(vec![Value::Bool(true); 33]), Value::Int(1)]), "LimitExceeded"),
    ];
    for (what, bytes, expected) in cases {
        for piece in [None, Some(1)] {
            let (mut pair, good, bad) = two_replicas(small);
            pair.split(bad, Dir::ToHost, piece);
            let now = pair.now;
            pair.clients[0].call(SOURCE, 1, vec![Value::Int(2), Value::Int(3)], true, now).unwrap();
            pair.inject(bad, Dir::ToHost, &bytes);
            pair.drive();

            let events = pair.host_events();
            let failed = events
                .iter()
                .filter(|e| matches!(e, HostEvent::ProtocolError { conn, error } if *conn == bad && format!("{error:?}").starts_with(expected)));
            assert_eq!(failed.count(), 1, "{what} in pieces of {piece:?}: {events:?}");
            assert!(events
                .iter()
                .any(|e| matches!(e, HostEvent::Invoked { conn, serial_id: Some(1), .. } if *conn == good)));
            assert_eq!((pair.is_open(good), pair.is_open(bad)), (true, false), "{what}");
            assert_eq!(pair.host.listeners(SOURCE), [good]);
            assert_eq!(pair.client_events(1), [moved(ReplicaState::Valid, ReplicaState::Suspect)], "{what}");

            // The other replica goes on: its reply and a change arrive.
            pair.host.reply(good, SOURCE, 1, Value::Int(5)).unwrap();
            pair.host.set_property(SOURCE, 0, Value::Int(9)).unwrap();
            pair.drive();
            let events = pair.client_events(0);
            assert_eq!(events.len(), 3, "{what}: {events:?}");
            assert_eq!(events[0], ClientEvent::Reply { replica: SOURCE.into(), serial_id: 1, value: Value::Int(5) });
            assert_eq!(pair.clients[0].replica(SOURCE).unwrap().values[0], Value::Int(9));
        }
    }
}

/// A value over a replica's own limits closes its connection each time it is sent, so that
/// replica never becomes Valid while the source keeps the value; replicas with larger limits
/// are not affected.
#[test]
fn a_value_over_a_replicas_limits_costs_its_connection_on_every_acquisition() {
    let bulk = Arc::new(
        ClassBuilder::new("Bulk")
            .property("items", "QVariantList", PropertyMode::ReadPush, Value::List(Vec::new()))
            .build(),
    );
    let cases = [
        ("text", SOURCE, 1, Value::string("x".repeat(4000)), Limits { max_packet_size: 4096, ..Limits::DEFAULT }),
        ("list", "Bulk", 0, Value::List(vec![Value::Int(1); 100]), Limits { max_values: 16, ..Limits::DEFAULT }),
    ];
    for (what, source, property, value, limits) in cases {
        let mut pair = serving(Dialect::Qt6, Limits::DEFAULT);
        pair.host.enable("Bulk", bulk.clone(), vec![Value::List(Vec::new())]).unwrap();
        let small = pair.add_client(Dialect::Qt6, limits);
        let now = pair.now;
        for client in [0, small] {
            pair.clients[client].acquire(source, ReplicaKind::Dynamic, now);
        }
        pair.connect(0);
        let conn = pair.connect(small);
        pair.drive();
        pair.client_events(small);

        pair.host.set_property(source, property, value.clone()).unwrap();
        pair.drive();
        assert_eq!(pair.clients[0].replica(source).unwrap().values[property], value, "{what}");
        let events = pair.client_events(small);
        assert!(matches!(&events[0], ClientEvent::ProtocolError { conn: c, .. } if *c == conn), "{what}: {events:?}");
        assert_eq!(pair.state(small, source), ReplicaState::Suspect, "{what}");

        let conn = pair.connect(small);
        pair.drive();
        assert!(!pair.is_open(conn), "{what}: the values do not fit either");
        assert_eq!(pair.state(small, source), ReplicaState::Suspect, "{what}");
        let events = pair.client_events(small);
        assert!(matches!(&events[0], ClientEvent::ProtocolError { .. }), "{what}: {events:?}");
        assert!(!events.iter().any(|e| matches!(e, ClientEvent::Initialized { .. })), "{what}: {events:?}");
    }
}

/// A source's values must fit one InitPacket: a change that would make them larger is refused,
/// from the source and from a replica, and the source stays acquirable.
#[test]
fn no_write_can_make_a_source_too_large_to_acquire() {
    // 1 MiB of the packet limit is kept for names and the definition: 64 KiB are left for values.
    let limits = Limits { max_packet_size: 1024 * 1024 + 64 * 1024, ..Limits::DEFAULT };
    let mut pair = serving(Dialect::Qt6, limits);
    let now = pair.now;
    pair.clients[0].acquire(SOURCE, static_kind(), now);
    let conn = pair.connect(0);
    pair.drive();
    pair.host_events();
    pair.client_events(0);

    let sent = pair.sent(conn, Dir::ToClient).len();
    let refused = pair.host.set_property(SOURCE, 1, Value::string("x".repeat(40_000)));
    assert!(matches!(refused, Err(HostError::InitTooLarge { max: 65_536, .. })), "{refused:?}");
    pair.drive();
    assert_eq!(pair.sent(conn, Dir::ToClient).len(), sent, "nothing sent");
    assert_eq!(pair.host.values(SOURCE).unwrap(), values());

    let half = Value::string("y".repeat(20_000));
    assert_eq!(pair.host.set_property(SOURCE, 1, half.clone()), Ok(true));
    pair.clients[0].write_property(SOURCE, 1, Value::string("z".repeat(40_000)), now).unwrap();
    pair.drive();
    assert_refused(pair.host_events(), &["write refused"]);
    assert!(pair.is_open(conn));
    assert_eq!(pair.clients[0].replica(SOURCE).unwrap().values[1], half);

    let late = pair.add_client(Dialect::Qt6, Limits::DEFAULT);
    pair.clients[late].acquire(SOURCE, ReplicaKind::Dynamic, now);
    pair.connect(late);
    pair.drive();
    assert_eq!(pair.state(late, SOURCE), ReplicaState::Valid);
    assert_eq!(pair.clients[late].replica(SOURCE).unwrap().values[1], half);
}

/// A packet whose frame is sound but whose content cannot be decoded (here a value of a type
/// nobody registered) is dropped; the connection and the replica go on, on either side.
#[test]
fn an_undecodable_packet_costs_only_itself() {
    let (mut pair, conn) = super::acquired(Dialect::Qt6, static_kind());
    let unknown = Value::Gadget(Gadget { type_name: "Unknown".into(), fields: vec![Value::Int(1)] });
    pair.inject(conn, Dir::ToHost, &add_call(vec![unknown.clone(), Value::Int(1)]));
    let change = Packet::PropertyChange { name: SOURCE.into(), index: 0, value: unknown };
    pair.inject(conn, Dir::ToClient, &change.to_bytes(Dialect::Qt6).unwrap());
    pair.drive();
    assert_refused(pair.host_events(), &["could not be decoded"]);
    assert_eq!(pair.client_events(0), []);
    assert!(pair.is_open(conn));
    assert_eq!(pair.state(0, SOURCE), ReplicaState::Valid);

    let now = pair.now;
    pair.clients[0].call(SOURCE, 1, vec![Value::Int(2), Value::Int(3)], true, now).unwrap();
    pair.host.set_property(SOURCE, 0, Value::Int(9)).unwrap();
    pair.drive();
    assert!(matches!(&pair.host_events()[..], [HostEvent::Invoked { serial_id: Some(1), .. }]));
    assert_eq!(pair.clients[0].replica(SOURCE).unwrap().values[0], Value::Int(9));
}
