//! Acquisition: static and dynamic replicas in both dialects, frames split anywhere, sources that
//! appear and go away, release, unknown objects, signature mismatches and foreign handshakes.

use std::sync::Arc;

use super::pair::{Dir, Flow, Pair};
use super::{acquired, assert_refused, moved, serving, simple, static_kind, values, DIALECTS, SOURCE};
use crate::core::{
    CallError, ClassBuilder, ClientEvent, DecodeError, Dialect, HostEvent, Limits, Packet, PacketType, PropertyMode,
    ReplicaKind, ReplicaState, Value,
};

#[test]
fn a_static_replica_goes_from_its_defaults_to_the_source_values() {
    for dialect in DIALECTS {
        let mut pair = serving(dialect, Limits::DEFAULT);
        let now = pair.now;
        pair.clients[0].acquire(SOURCE, static_kind(), now);
        let replica = pair.clients[0].replica(SOURCE).unwrap();
        assert_eq!((replica.state, &replica.values[..]), (ReplicaState::Default, &simple().defaults[..]));

        let conn = pair.connect(0);
        pair.drive();
        use PacketType::*;
        assert_eq!(pair.packet_types(conn, Dir::ToClient, 0), [Handshake, ObjectList, InitPacket], "{dialect:?}");
        assert_eq!(pair.packets(conn, Dir::ToHost, 0), [Packet::AddObject { name: SOURCE.into(), is_dynamic: false }]);
        assert_eq!(
            pair.client_events(0),
            [ClientEvent::Initialized { replica: SOURCE.into() }, moved(ReplicaState::Default, ReplicaState::Valid)]
        );
        assert_eq!(pair.host_events(), [HostEvent::Acquired { conn, source: SOURCE.into(), dynamic: false }]);
        assert_eq!(pair.clients[0].replica(SOURCE).unwrap().values, values());
        assert_eq!(pair.host.listeners(SOURCE), [conn]);
    }
}

#[test]
fn a_dynamic_replica_learns_the_interface_with_the_values() {
    for dialect in DIALECTS {
        let mut pair = serving(dialect, Limits::DEFAULT);
        let now = pair.now;
        pair.clients[0].acquire(SOURCE, ReplicaKind::Dynamic, now);
        let replica = pair.clients[0].replica(SOURCE).unwrap();
        assert_eq!((replica.state, replica.definition.is_none()), (ReplicaState::Uninitialized, true));

        let conn = pair.connect(0);
        pair.drive();
        let to_client = pair.packet_types(conn, Dir::ToClient, 0);
        assert_eq!(to_client.last(), Some(&PacketType::InitDynamicPacket), "{dialect:?}");
        assert_eq!(pair.packets(conn, Dir::ToHost, 0), [Packet::AddObject { name: SOURCE.into(), is_dynamic: true }]);
        assert_eq!(
            pair.client_events(0),
            [
                ClientEvent::Initialized { replica: SOURCE.into() },
                moved(ReplicaState::Uninitialized, ReplicaState::Valid)
            ]
        );
        assert_eq!(pair.host_events(), [HostEvent::Acquired { conn, source: SOURCE.into(), dynamic: true }]);
        let replica = pair.clients[0].replica(SOURCE).unwrap();
        assert_eq!(replica.values, values());
        assert_eq!(replica.definition.as_ref(), Some(&simple().definition));
    }
}

#[test]
fn the_handshake_names_the_dialect_in_its_byte_order() {
    for (dialect, version) in [(Dialect::Qt6, "QtRO 2.0"), (Dialect::Qt5, "QtRO 1.3")] {
        let mut pair = Pair::new(dialect);
        let conn = pair.connect(0);
        pair.drive();
        let handshake = &pair.sent(conn, Dir::ToClient)[0].frame;
        // A QString: its byte length, then UTF-16, both in the outer stream's byte order
        // (little-endian in Qt 6, big-endian in Qt 5.15).
        let mut expected = Vec::new();
        let units = version.encode_utf16();
        match dialect {
            Dialect::Qt6 => {
                expected.extend(16u32.to_le_bytes());
                expected.extend(units.flat_map(u16::to_le_bytes));
            }
            Dialect::Qt5 => {
                expected.extend(16u32.to_be_bytes());
                expected.extend(units.flat_map(u16::to_be_bytes));
            }
        }
        assert_eq!((handshake.packet_type, &handshake.payload[..]), (PacketType::Handshake as u16, &expected[..]));
        assert_eq!(pair.packets(conn, Dir::ToClient, 0)[1], Packet::ObjectList(Vec::new()));
        assert!(pair.is_open(conn));
    }
}

/// The same traffic delivered whole and in pieces of a few bytes (every frame split, at every
/// point for pieces of one byte) gives the same events and values on both sides.
#[test]
fn frames_split_anywhere_change_nothing() {
    fn run(piece: Option<usize>) -> (Vec<ClientEvent>, Vec<HostEvent>, Vec<Value>) {
        let mut pair = serving(Dialect::Qt6, Limits::DEFAULT);
        let now = pair.now;
        pair.clients[0].acquire(SOURCE, ReplicaKind::Dynamic, now);
        let conn = pair.connect(0);
        pair.split(conn, Dir::ToHost, piece);
        pair.split(conn, Dir::ToClient, piece);
        pair.drive();
        pair.clients[0].call(SOURCE, 1, vec![Value::Int(2), Value::Int(3)], true, now).unwrap();
        pair.clients[0].write_property(SOURCE, 1, Value::string("six"), now).unwrap();
        pair.drive();
        pair.host.reply(conn, SOURCE, 1, Value::Int(5)).unwrap();
        pair.host.emit_signal(SOURCE, 2, &[Value::Int(7)]).unwrap();
        pair.drive();
        let values = pair.clients[0].replica(SOURCE).unwrap().values.clone();
        (pair.client_events(0), pair.host_events(), values)
    }
    let whole = run(None);
    assert_eq!(whole.2, [Value::Int(5), Value::string("six")]);
    assert!(whole.0.iter().any(|e| matches!(e, ClientEvent::Reply { serial_id: 1, value: Value::Int(5), .. })));
    for piece in [1, 2, 3, 5, 8, 13, 100] {
        assert_eq!(run(Some(piece)), whole, "pieces of {piece} bytes");
    }
}

#[test]
fn a_replica_binds_when_its_source_is_enabled_later() {
    let mut pair = Pair::new(Dialect::Qt6);
    let now = pair.now;
    pair.clients[0].acquire(SOURCE, static_kind(), now);
    let conn = pair.connect(0);
    pair.drive();
    assert_eq!(pair.sent(conn, Dir::ToHost).len(), 0, "nothing to acquire yet");
    assert_eq!(pair.state(0, SOURCE), ReplicaState::Default);

    pair.host.enable(SOURCE, Arc::new(simple()), values()).unwrap();
    pair.drive();
    assert_eq!(pair.packet_types(conn, Dir::ToClient, 2), [PacketType::ObjectList, PacketType::InitPacket]);
    assert_eq!(pair.state(0, SOURCE), ReplicaState::Valid);
    assert_eq!(pair.clients[0].replica(SOURCE).unwrap().values, values());
}

#[test]
fn a_disabled_source_leaves_its_replica_suspect_until_it_is_enabled_again() {
    let (mut pair, conn) = acquired(Dialect::Qt6, static_kind());
    pair.host.disable(SOURCE).unwrap();
    pair.drive();
    assert_eq!(pair.packets(conn, Dir::ToClient, 3), [Packet::RemoveObject { name: SOURCE.into() }]);
    assert_eq!(pair.client_events(0), [moved(ReplicaState::Valid, ReplicaState::Suspect)]);
    assert_eq!(
        pair.clients[0].call(SOURCE, 2, Vec::new(), false, pair.now),
        Err(CallError::NotConnected(SOURCE.into()))
    );
    assert!(pair.is_open(conn), "the connection stays");

    pair.host.enable(SOURCE, Arc::new(simple()), vec![Value::Int(6), Value::string("six")]).unwrap();
    pair.drive();
    assert_eq!(pair.state(0, SOURCE), ReplicaState::Valid);
    assert_eq!(pair.clients[0].replica(SOURCE).unwrap().values, [Value::Int(6), Value::string("six")]);
}

#[test]
fn a_released_replica_gets_nothing_more() {
    let (mut pair, conn) = acquired(Dialect::Qt6, static_kind());
    pair.clients[0].release(SOURCE);
    pair.drive();
    assert_eq!(pair.packets(conn, Dir::ToHost, 1), [Packet::RemoveObject { name: SOURCE.into() }]);
    assert_eq!(pair.host_events(), [HostEvent::Released { conn, source: SOURCE.into() }]);
    assert!(pair.host.listeners(SOURCE).is_empty());
    let sent = pair.sent(conn, Dir::ToClient).len();
    pair.host.set_property(SOURCE, 0, Value::Int(9)).unwrap();
    pair.drive();
    assert_eq!(pair.sent(conn, Dir::ToClient).len(), sent);
    assert!(pair.clients[0].replica(SOURCE).is_none());
}

#[test]
fn an_unknown_object_is_never_acquired_and_asking_for_it_costs_nothing() {
    let (mut pair, conn) = acquired(Dialect::Qt6, static_kind());
    let now = pair.now;
    pair.clients[0].acquire("Nope", ReplicaKind::Dynamic, now);
    pair.drive();
    assert_eq!(pair.sent(conn, Dir::ToHost).len(), 1, "no AddObject for a name no host lists");
    assert_eq!(pair.state(0, "Nope"), ReplicaState::Uninitialized);
    assert_eq!(pair.clients[0].call("Nope", 0, Vec::new(), true, now), Err(CallError::NotConnected("Nope".into())));
    assert_eq!(pair.clients[0].call("Never", 0, Vec::new(), true, now), Err(CallError::UnknownReplica("Never".into())));

    // A client that asks anyway is refused, and keeps its connection and its other replica.
    let ask = Packet::AddObject { name: "Nope".into(), is_dynamic: true }.to_bytes(Dialect::Qt6).unwrap();
    pair.inject(conn, Dir::ToHost, &ask);
    pair.drive();
    assert_refused(pair.host_events(), &["unknown source"]);
    assert!(pair.is_open(conn));
    pair.host.set_property(SOURCE, 0, Value::Int(8)).unwrap();
    pair.drive();
    assert_eq!(pair.clients[0].replica(SOURCE).unwrap().values[0], Value::Int(8));
}

#[test]
fn a_static_replica_of_another_signature_is_not_acquired() {
    let mut pair = serving(Dialect::Qt6, Limits::DEFAULT);
    let other = ClassBuilder::new("Simple")
        .property("value", "int", PropertyMode::ReadPush, Value::Int(0))
        .signature(Some("0".repeat(40)))
        .build();
    let now = pair.now;
    pair.clients[0].acquire(SOURCE, ReplicaKind::Static(Arc::new(other.clone())), now);
    let conn = pair.connect(0);
    pair.drive();
    assert_eq!(pair.sent(conn, Dir::ToHost).len(), 0, "no AddObject");
    assert_eq!(pair.client_events(0), [moved(ReplicaState::Default, ReplicaState::SignatureMismatch)]);
    assert!(pair.host.listeners(SOURCE).is_empty());
    let offered = simple().signature.unwrap();
    let mismatch =
        Err(CallError::SignatureMismatch { name: SOURCE.into(), expected: "0".repeat(40), offered: offered.clone() });
    assert_eq!(pair.clients[0].call(SOURCE, 0, vec![Value::Int(1)], true, now), mismatch.clone().map(|()| None));
    assert_eq!(pair.clients[0].write_property(SOURCE, 0, Value::Int(1), now), mismatch);
    assert_eq!(pair.clients[0].replica(SOURCE).unwrap().offered_signature, Some(offered));

    // SignatureMismatch is terminal, as in Qt: not even a source of the replica's own class
    // is acquired any more.
    pair.host.disable(SOURCE).unwrap();
    pair.host.enable(SOURCE, Arc::new(other), vec![Value::Int(1)]).unwrap();
    pair.drive();
    assert_eq!(pair.sent(conn, Dir::ToHost).len(), 0, "no AddObject");
    assert_eq!(pair.state(0, SOURCE), ReplicaState::SignatureMismatch);

    // Without a signature on one side there is nothing to compare: it is acquired.
    let unsigned = ClassBuilder::new("Simple").property("value", "int", PropertyMode::ReadPush, Value::Int(0)).build();
    let client = pair.add_client(Dialect::Qt6, Limits::DEFAULT);
    pair.clients[client].acquire(SOURCE, ReplicaKind::Static(Arc::new(unsigned)), now);
    pair.connect(client);
    pair.drive();
    assert_eq!(pair.state(client, SOURCE), ReplicaState::Valid);
}

#[test]
fn a_host_of_another_version_or_dialect_costs_only_the_connection() {
    // Another protocol version in the handshake.
    let mut pair = serving(Dialect::Qt6, Limits::DEFAULT);
    let now = pair.now;
    pair.clients[0].acquire(SOURCE, static_kind(), now);
    let conn = pair.connect(0);
    pair.set_flow(conn, Dir::ToClient, Flow::Lost);
    pair.drive();
    pair.set_flow(conn, Dir::ToClient, Flow::Open);
    let handshake = Packet::Handshake { version: "QtRO 9.9".into() }.to_bytes(Dialect::Qt6).unwrap();
    pair.inject(conn, Dir::ToClient, &handshake);
    pair.drive();
    assert_eq!(pair.client_events(0), [ClientEvent::ProtocolMismatch { conn, version: "QtRO 9.9".into() }]);
    assert!(!pair.is_open(conn));
    assert_eq!((pair.state(0, SOURCE), pair.sent(conn, Dir::ToHost).len()), (ReplicaState::Default, 0));

    // A Qt 5.15 client on a Qt 6 host reads the little-endian frame length as a huge one.
    let qt5 = pair.add_client(Dialect::Qt5, Limits::DEFAULT);
    pair.clients[qt5].acquire(SOURCE, static_kind(), now);
    let conn = pair.connect(qt5);
    pair.drive();
    let events = pair.client_events(qt5);
    assert!(
        matches!(&events[..], [ClientEvent::ProtocolError { error: DecodeError::PacketTooLarge { .. }, .. }]),
        "{events:?}"
    );
    assert!(!pair.is_open(conn));
    assert_eq!(pair.state(qt5, SOURCE), ReplicaState::Default);
}

/// A child object (a CLASS property) travels inside its parent's values: it becomes a replica
/// of its own, takes its own changes and calls, and is lost and found again with its parent.
#[test]
fn a_child_object_comes_and_goes_with_its_parent() {
    for (dialect, child) in [(Dialect::Qt6, "Class::Rich::child"), (Dialect::Qt5, "Class::child")] {
        let child_class = ClassBuilder::new("Child")
            .slot("poke", &[("n", "int")], "void")
            .property("title", "QString", PropertyMode::ReadOnly, Value::string("kid"))
            .build();
        let parent_class = ClassBuilder::new("Rich")
            .property("child", "QObject*", PropertyMode::SourceOnlySetter, Value::Invalid)
            .build();
        let mut pair = Pair::new(dialect);
        pair.host.enable("Rich", Arc::new(parent_class), vec![Value::Invalid]).unwrap();
        let name = pair.host.enable_child("Rich", 0, Arc::new(child_class), vec![Value::string("kid")]).unwrap();
        assert_eq!(name, child);
        let now = pair.now;
        pair.clients[0].acquire("Rich", ReplicaKind::Dynamic, now);
        let conn = pair.connect(0);
        pair.drive();
        let kid = pair.clients[0].replica(child).expect("adopted with the parent's values");
        assert_eq!(
            (kid.state, kid.parent.as_deref(), &kid.values[..]),
            (ReplicaState::Valid, Some("Rich"), &[Value::string("kid")][..])
        );
        assert_eq!(kid.definition.as_ref().and_then(|d| d.type_name.as_deref()), Some("Child"));
        pair.client_events(0);
        pair.host_events();

        pair.host.set_property(child, 0, Value::string("again")).unwrap();
        pair.clients[0].call(child, 0, vec![Value::Int(5)], false, now).unwrap();
        pair.drive();
        let events = pair.client_events(0);
        assert!(
            matches!(&events[0], ClientEvent::PropertyChanged { replica, index: 0, value } if &**replica == child && *value == Value::string("again")),
            "{events:?}"
        );
        let poked = HostEvent::Invoked {
            conn,
            source: child.into(),
            slot: 0,
            method: 0,
            args: vec![Value::Int(5)],
            serial_id: None,
        };
        assert_eq!(pair.host_events(), [poked]);

        let conn = pair.reconnect(conn);
        assert!(pair.is_open(conn));
        for name in ["Rich", child] {
            assert_eq!(pair.state(0, name), ReplicaState::Valid, "{dialect:?} {name}");
        }
        assert_eq!(pair.clients[0].replica(child).unwrap().values, [Value::string("again")]);
        let suspect = |name: &str| ClientEvent::StateChanged {
            replica: name.into(),
            old: ReplicaState::Valid,
            new: ReplicaState::Suspect,
        };
        let events = pair.client_events(0);
        assert!(events.contains(&suspect("Rich")) && events.contains(&suspect(child)), "{events:?}");
    }
}
