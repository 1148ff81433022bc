//! Traffic of an acquired replica: property changes and their notify signals, signals with
//! arguments, slot calls and their replies, `push<Prop>` slots and property writes.

use super::pair::{Dir, Pair};
use super::{acquired, assert_refused, static_kind, DIALECTS, SOURCE};
use crate::core::{
    ArgumentError, CallError, ClientEvent, Dialect, HostError, HostEvent, Limits, PacketType, ReplicaKind,
    ReplicaState, Value,
};

/// The property change and notify signal of property `index` of [`SOURCE`].
fn changed(index: usize, value: Value) -> [ClientEvent; 2] {
    [
        ClientEvent::PropertyChanged { replica: SOURCE.into(), index, value: value.clone() },
        ClientEvent::Signal { replica: SOURCE.into(), index, args: vec![value], property_index: Some(index) },
    ]
}

#[test]
fn a_source_change_reaches_the_replica_with_its_notify_signal() {
    for dialect in DIALECTS {
        let (mut pair, conn) = acquired(dialect, ReplicaKind::Dynamic);
        assert_eq!(pair.host.set_property(SOURCE, 0, Value::Int(9)), Ok(true));
        pair.drive();
        assert_eq!(pair.client_events(0), changed(0, Value::Int(9)), "{dialect:?}");
        assert_eq!(pair.clients[0].replica(SOURCE).unwrap().values[0], Value::Int(9));

        // The same value again is no change: nothing is sent.
        let sent = pair.sent(conn, Dir::ToClient).len();
        assert_eq!(pair.host.set_property(SOURCE, 0, Value::Int(9)), Ok(false));
        // A value that cannot have the declared type is refused, and nothing is sent either.
        let refused = pair.host.set_property(SOURCE, 0, Value::string("nine"));
        assert!(matches!(refused, Err(HostError::PropertyType { .. })), "{refused:?}");
        pair.drive();
        assert_eq!(pair.sent(conn, Dir::ToClient).len(), sent);
        assert_eq!(pair.host.values(SOURCE).unwrap()[0], Value::Int(9));
    }
}

/// With one listener the host encodes a change straight into its queue; with several it encodes
/// once and copies: both reach every replica, static and dynamic, on every connection.
#[test]
fn a_source_change_reaches_every_replica() {
    let (mut pair, _) = acquired(Dialect::Qt6, static_kind());
    let dynamic = pair.add_client(Dialect::Qt6, Limits::DEFAULT);
    let now = pair.now;
    pair.clients[dynamic].acquire(SOURCE, ReplicaKind::Dynamic, now);
    pair.connect(dynamic);
    pair.drive();
    pair.client_events(dynamic);
    pair.host.set_property(SOURCE, 1, Value::string("ten")).unwrap();
    pair.drive();
    for client in [0, dynamic] {
        assert_eq!(pair.client_events(client), changed(1, Value::string("ten")), "client {client}");
        assert_eq!(pair.clients[client].replica(SOURCE).unwrap().values[1], Value::string("ten"));
    }
}

#[test]
fn signals_carry_their_arguments_in_the_declared_types() {
    for dialect in DIALECTS {
        let (mut pair, conn) = acquired(dialect, static_kind());
        pair.host.emit_signal(SOURCE, 2, &[Value::Int(42)]).unwrap();
        pair.drive();
        let fired =
            ClientEvent::Signal { replica: SOURCE.into(), index: 2, args: vec![Value::Int(42)], property_index: None };
        assert_eq!(pair.client_events(0), [fired], "{dialect:?}");

        let sent = pair.sent(conn, Dir::ToClient).len();
        let refused = pair.host.emit_signal(SOURCE, 2, &[Value::string("x")]);
        assert!(matches!(refused, Err(HostError::Arguments { .. })), "{refused:?}");
        let refused = pair.host.emit_signal(SOURCE, 2, &[]);
        assert!(
            matches!(&refused, Err(HostError::Arguments { error, .. }) if matches!(**error, ArgumentError::Count { .. })),
            "{refused:?}"
        );
        assert_eq!(
            pair.host.emit_signal(SOURCE, 3, &[]),
            Err(HostError::BadIndex { object: SOURCE.into(), what: "signal", index: 3 })
        );
        pair.drive();
        assert_eq!(pair.sent(conn, Dir::ToClient).len(), sent, "nothing sent for refused signals");
    }
}

#[test]
fn slot_calls_get_their_replies_by_serial() {
    for dialect in DIALECTS {
        let (mut pair, conn) = acquired(dialect, static_kind());
        let now = pair.now;
        let client = &mut pair.clients[0];
        // add(int,int) → int, twice; reset() → void; one call that wants no reply.
        assert_eq!(client.call(SOURCE, 1, vec![Value::Int(2), Value::Int(3)], true, now), Ok(Some(1)));
        assert_eq!(client.call(SOURCE, 1, vec![Value::Int(4), Value::Int(5)], true, now), Ok(Some(2)));
        assert_eq!(client.call(SOURCE, 2, Vec::new(), true, now), Ok(Some(3)));
        assert_eq!(client.call(SOURCE, 2, Vec::new(), false, now), Ok(None));
        assert_eq!(
            client.call(SOURCE, 3, Vec::new(), true, now),
            Err(CallError::BadIndex { name: SOURCE.into(), what: "method", index: 3 })
        );
        pair.drive();
        let invoked = |slot, method, args, serial_id| HostEvent::Invoked {
            conn,
            source: SOURCE.into(),
            slot,
            method,
            args,
            serial_id,
        };
        assert_eq!(
            pair.host_events(),
            [
                invoked(0, 1, vec![Value::Int(2), Value::Int(3)], Some(1)),
                invoked(0, 1, vec![Value::Int(4), Value::Int(5)], Some(2)),
                invoked(1, 2, Vec::new(), Some(3)),
                invoked(1, 2, Vec::new(), None),
            ],
            "{dialect:?}"
        );
        assert_eq!(pair.clients[0].calls_in_flight(conn), 3);

        // Answered out of order; a reply nobody waits for is dropped.
        pair.host.reply(conn, SOURCE, 2, Value::Int(9)).unwrap();
        pair.host.reply(conn, SOURCE, 3, Value::Invalid).unwrap();
        pair.host.reply(conn, SOURCE, 1, Value::Int(5)).unwrap();
        pair.host.reply(conn, SOURCE, 77, Value::Int(0)).unwrap();
        pair.drive();
        let reply = |serial_id, value| ClientEvent::Reply { replica: SOURCE.into(), serial_id, value };
        assert_eq!(pair.client_events(0), [reply(2, Value::Int(9)), reply(3, Value::Invalid), reply(1, Value::Int(5))]);
        assert_eq!(pair.clients[0].calls_in_flight(conn), 0);
    }
}

#[test]
fn slot_arguments_take_the_declared_types_or_the_call_is_refused() {
    let (mut pair, conn) = acquired(Dialect::Qt6, static_kind());
    let now = pair.now;
    pair.clients[0].call(SOURCE, 1, vec![Value::Short(2), Value::Int(3)], true, now).unwrap();
    pair.clients[0].call(SOURCE, 1, vec![Value::string("two"), Value::Int(3)], true, now).unwrap();
    pair.clients[0].call(SOURCE, 1, vec![Value::Int(2)], true, now).unwrap();
    pair.drive();
    let mut events = pair.host_events();
    let first = events.remove(0);
    assert!(
        matches!(&first, HostEvent::Invoked { args, serial_id: Some(1), .. } if *args == [Value::Int(2), Value::Int(3)]),
        "{first:?}"
    );
    assert_refused(events, &["refused: argument 1 (a)", "refused: takes 2 argument(s), 1 given"]);
    // A refused call is not answered (as a Qt source that could not run the slot), and the
    // connection goes on.
    assert_eq!(pair.clients[0].calls_in_flight(conn), 3);
    assert!(pair.is_open(conn));
}

#[test]
fn a_push_slot_sets_the_property_and_replies() {
    let (mut pair, conn) = acquired(Dialect::Qt6, static_kind());
    let now = pair.now;
    assert_eq!(pair.clients[0].call(SOURCE, 0, vec![Value::Int(7)], true, now), Ok(Some(1)));
    pair.drive();
    assert_eq!(
        pair.host_events(),
        [HostEvent::PropertyWritten { conn, source: SOURCE.into(), property: 0, value: Value::Int(7) }]
    );
    let mut expected = changed(0, Value::Int(7)).to_vec();
    expected.push(ClientEvent::Reply { replica: SOURCE.into(), serial_id: 1, value: Value::Invalid });
    assert_eq!(pair.client_events(0), expected);
    assert_eq!(pair.host.values(SOURCE).unwrap()[0], Value::Int(7));

    // A value the property cannot take is refused: no change and no reply.
    pair.clients[0].call(SOURCE, 0, vec![Value::string("x")], true, now).unwrap();
    pair.drive();
    assert_refused(pair.host_events(), &["write refused"]);
    assert_eq!((pair.client_events(0), pair.clients[0].calls_in_flight(conn)), (Vec::new(), 1));
}

/// A replica's write comes back to it (and to every other replica) as a property change once
/// the host applied it; a write the host refuses changes nothing anywhere.
#[test]
fn property_writes_are_converted_applied_or_refused_by_the_host() {
    let (mut pair, conn) = acquired(Dialect::Qt6, static_kind());
    let now = pair.now;
    pair.clients[0].write_property(SOURCE, 1, Value::string("bob"), now).unwrap();
    pair.drive();
    let written = |value| HostEvent::PropertyWritten { conn, source: SOURCE.into(), property: 1, value };
    assert_eq!(pair.host_events(), [written(Value::string("bob"))]);
    assert_eq!(pair.client_events(0), changed(1, Value::string("bob")));
    let packets = pair.packet_types(conn, Dir::ToClient, 3);
    assert_eq!(packets, [PacketType::PropertyChangePacket, PacketType::InvokePacket]);

    // Given the declared type: a QString property takes a number as its text.
    pair.clients[0].write_property(SOURCE, 1, Value::Int(12), now).unwrap();
    pair.drive();
    assert_eq!(pair.host_events(), [written(Value::string("12"))]);
    assert_eq!(pair.clients[0].replica(SOURCE).unwrap().values[1], Value::string("12"));
    pair.client_events(0);

    // A value it cannot have, and a property that does not exist: refused, nothing changes.
    pair.clients[0].write_property(SOURCE, 0, Value::List(vec![Value::Int(1)]), now).unwrap();
    assert_eq!(
        pair.clients[0].write_property(SOURCE, 2, Value::Int(1), now),
        Err(CallError::BadIndex { name: SOURCE.into(), what: "property", index: 2 })
    );
    pair.drive();
    assert_refused(pair.host_events(), &["write refused"]);
    assert_eq!(pair.client_events(0), []);
    assert_eq!(pair.host.values(SOURCE).unwrap()[0], Value::Int(5));
    assert_eq!(pair.state(0, SOURCE), ReplicaState::Valid);
}

#[test]
fn a_read_only_property_cannot_be_written() {
    use crate::core::{ClassBuilder, PropertyMode};
    use std::sync::Arc;

    let class = Arc::new(
        ClassBuilder::new("Clock")
            .property("ticks", "int", PropertyMode::ReadOnly, Value::Int(0))
            .property("zone", "QString", PropertyMode::Constant, Value::string("UTC"))
            .build(),
    );
    let mut pair = Pair::new(Dialect::Qt6);
    pair.host.enable("Clock", class.clone(), vec![Value::Int(1), Value::string("UTC")]).unwrap();
    let now = pair.now;
    pair.clients[0].acquire("Clock", ReplicaKind::Dynamic, now);
    let conn = pair.connect(0);
    pair.drive();
    pair.host_events();
    pair.client_events(0);
    pair.clients[0].write_property("Clock", 0, Value::Int(2), now).unwrap();
    pair.clients[0].write_property("Clock", 1, Value::string("CET"), now).unwrap();
    pair.drive();
    assert_refused(
        pair.host_events(),
        &["property 0 of \"Clock\" is not writable", "property 1 of \"Clock\" is not writable"],
    );
    assert_eq!(pair.host.values("Clock").unwrap(), [Value::Int(1), Value::string("UTC")]);
    assert!(pair.is_open(conn));

    // The source itself may change a read-only property; a constant one changes silently.
    pair.host.set_property("Clock", 0, Value::Int(2)).unwrap();
    pair.host.set_property("Clock", 1, Value::string("CET")).unwrap();
    pair.drive();
    let events = pair.client_events(0);
    assert!(
        matches!(&events[..], [ClientEvent::PropertyChanged { index: 0, .. }, ClientEvent::Signal { index: 0, .. }]),
        "{events:?}"
    );
    assert_eq!(pair.clients[0].replica("Clock").unwrap().values, [Value::Int(2), Value::string("UTC")]);
}

/// Large byte arrays are not copied into the output queue but spliced into it, and their
/// notify signal goes without the value (the replica emits the one just stored): they still
/// arrive whole, in order, on every connection, however the bytes are cut.
#[test]
fn large_values_arrive_whole_through_spliced_output() {
    use crate::core::{ClassBuilder, PropertyMode};
    use std::sync::Arc;

    let class = Arc::new(
        ClassBuilder::new("Blob")
            .property("data", "QByteArray", PropertyMode::ReadWrite, Value::ByteArray(None))
            .build(),
    );
    let mut pair = Pair::new(Dialect::Qt6);
    pair.host.enable("Blob", class, vec![Value::ByteArray(None)]).unwrap();
    pair.add_client(Dialect::Qt6, Limits::DEFAULT);
    let now = pair.now;
    let blob = |len: usize, seed: u8| Value::ByteArray(Some((0..len).map(|i| (i as u8).wrapping_mul(seed)).collect()));
    // One replica (the host encodes straight into its queue), then two (encoded once, shared).
    for (clients, value) in [(&[0][..], blob(100_000, 7)), (&[0, 1][..], blob(200_000, 13))] {
        for &client in clients {
            if pair.clients[client].replica("Blob").is_none() {
                pair.clients[client].acquire("Blob", ReplicaKind::Dynamic, now);
                let conn = pair.connect(client);
                pair.split(conn, Dir::ToClient, Some(4093));
                pair.drive();
                pair.client_events(client);
            }
        }
        pair.host.set_property("Blob", 0, value.clone()).unwrap();
        pair.host.set_property("Blob", 0, Value::ByteArray(Some(vec![1, 2, 3].into()))).unwrap();
        pair.drive();
        for &client in clients {
            let events = pair.client_events(client);
            let signals: Vec<&Value> = events
                .iter()
                .filter_map(|e| match e {
                    ClientEvent::Signal { index: 0, args, property_index: Some(0), .. } => args.first(),
                    _ => None,
                })
                .collect();
            assert_eq!(signals, [&value, &Value::ByteArray(Some(vec![1, 2, 3].into()))], "client {client}");
        }
    }
}

/// A replica released with a call in flight and acquired again under the same name: the late
/// reply to the old call must not answer the new call (with Qt's per-replica serials, which
/// start at 1 again, it would). Serials are counted per client core.
#[test]
fn a_reply_to_a_released_replica_does_not_answer_its_successor() {
    let (mut pair, conn) = acquired(Dialect::Qt6, static_kind());
    let now = pair.now;
    let add = |a| vec![Value::Int(a), Value::Int(a)];
    assert_eq!(pair.clients[0].call(SOURCE, 1, add(1), true, now), Ok(Some(1)));
    pair.clients[0].release(SOURCE);
    pair.clients[0].acquire(SOURCE, static_kind(), now);
    pair.drive();
    let serial = pair.clients[0].call(SOURCE, 1, add(2), true, now).unwrap().unwrap();
    pair.drive();
    // The host answers both calls in order: 1 + 1, then 2 + 2.
    let invoked: Vec<i32> = pair
        .host_events()
        .iter()
        .filter_map(|e| match e {
            HostEvent::Invoked { serial_id, .. } => *serial_id,
            _ => None,
        })
        .collect();
    assert_eq!(invoked.len(), 2);
    pair.host.reply(conn, SOURCE, invoked[0], Value::Int(2)).unwrap();
    pair.host.reply(conn, SOURCE, invoked[1], Value::Int(4)).unwrap();
    pair.drive();
    let replies: Vec<ClientEvent> =
        pair.client_events(0).into_iter().filter(|e| matches!(e, ClientEvent::Reply { .. })).collect();
    assert_eq!(replies, [ClientEvent::Reply { replica: SOURCE.into(), serial_id: serial, value: Value::Int(4) }]);
}
