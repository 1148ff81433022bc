//! Liveness: the heartbeat on the simulated clock, lost connections and re-acquisition.

use std::time::Duration;

use super::pair::{Dir, Flow, Pair};
use super::{acquired, moved, static_kind, values, SOURCE};
use crate::core::{
    CallError, ClientEvent, ConnectionId, Dialect, HostEvent, Packet, PacketType, ReplicaKind, ReplicaState, Value,
};

const INTERVAL: Duration = Duration::from_millis(100);

/// A pair with [`SOURCE`] acquired and the client's heartbeat set to [`INTERVAL`] at time zero.
fn beating() -> (Pair, ConnectionId) {
    let (mut pair, conn) = acquired(Dialect::Qt6, static_kind());
    let now = pair.now;
    pair.clients[0].set_heartbeat(Some(INTERVAL), now);
    (pair, conn)
}

/// When each Ping from the `from`-th frame on was written, in milliseconds since the start.
fn pings(pair: &Pair, conn: ConnectionId, from: usize) -> Vec<u128> {
    let sent = &pair.sent(conn, Dir::ToHost)[from..];
    sent.iter().filter(|s| s.frame.packet_type == PacketType::Ping as u16).map(|s| s.at.as_millis()).collect()
}

#[test]
fn without_a_heartbeat_nothing_is_sent_however_long_the_silence() {
    let (mut pair, conn) = acquired(Dialect::Qt6, static_kind());
    assert_eq!(pair.clients[0].poll_timeout(), None);
    pair.advance(Duration::from_secs(3600));
    assert_eq!(pair.sent(conn, Dir::ToHost).len(), 1, "the AddObject only");
    assert_eq!(pair.state(0, SOURCE), ReplicaState::Valid);
}

#[test]
fn pings_go_out_at_the_interval_and_pongs_keep_the_replica_valid() {
    let (mut pair, conn) = beating();
    assert_eq!(pair.clients[0].poll_timeout(), Some(pair.now + INTERVAL));
    pair.advance(Duration::from_millis(350));
    assert_eq!(pings(&pair, conn, 0), [100, 200, 300]);
    assert_eq!(pair.packets(conn, Dir::ToHost, 1)[0], Packet::Ping { name: SOURCE.into() });
    let pongs = pair.packet_types(conn, Dir::ToClient, 3);
    assert_eq!(pongs, [PacketType::Pong; 3]);
    assert_eq!((pair.client_events(0), pair.host_events()), (Vec::new(), Vec::new()));
    assert_eq!(pair.state(0, SOURCE), ReplicaState::Valid);
    assert!(pair.is_open(conn));
}

/// Anything the replica sends postpones its next Ping by a whole interval.
#[test]
fn a_call_postpones_the_ping() {
    let (mut pair, conn) = beating();
    pair.advance(Duration::from_millis(50));
    let now = pair.now;
    pair.clients[0].call(SOURCE, 2, Vec::new(), false, now).unwrap();
    pair.advance(Duration::from_millis(200));
    assert_eq!(pings(&pair, conn, 0), [150, 250]);
}

#[test]
fn a_silent_host_fails_the_heartbeat_and_its_replica_goes_suspect() {
    let (mut pair, conn) = beating();
    let now = pair.now;
    let serial = pair.clients[0].call(SOURCE, 1, vec![Value::Int(1), Value::Int(2)], true, now).unwrap().unwrap();
    pair.drive();
    // The host freezes: nothing it writes arrives any more.
    pair.set_flow(conn, Dir::ToClient, Flow::Held);
    pair.advance(Duration::from_millis(199));
    assert!(pair.is_open(conn), "one Ping unanswered is not yet a failure");
    assert_eq!(pings(&pair, conn, 0), [100]);
    pair.advance(Duration::from_millis(1));
    assert!(!pair.is_open(conn), "the second interval without a Pong closes the connection");
    assert_eq!(
        pair.client_events(0),
        [
            ClientEvent::HeartbeatFailed { conn },
            ClientEvent::CallFailed {
                replica: SOURCE.into(),
                serial_id: serial,
                error: CallError::ConnectionLost(SOURCE.into())
            },
            moved(ReplicaState::Valid, ReplicaState::Suspect),
        ]
    );
    assert_eq!(pair.clients[0].poll_timeout(), None, "no heartbeat without a connection");
}

/// A driver that stopped reading a host (its application is behind) cannot see its Pongs; it
/// declares the host alive meanwhile.
#[test]
fn keepalive_counts_a_host_that_is_not_read_as_alive() {
    let (mut pair, conn) = beating();
    pair.set_flow(conn, Dir::ToClient, Flow::Held);
    pair.advance(Duration::from_millis(150));
    let now = pair.now;
    pair.clients[0].keepalive(conn, now);
    pair.advance(Duration::from_millis(190));
    assert!(pair.is_open(conn));
    assert_eq!(pings(&pair, conn, 0), [100, 250]);
    // Reading again, the Pongs arrive and the heartbeat goes on.
    pair.set_flow(conn, Dir::ToClient, Flow::Open);
    pair.advance(Duration::from_millis(300));
    assert!(pair.is_open(conn));
    assert_eq!(pair.state(0, SOURCE), ReplicaState::Valid);
}

#[test]
fn a_lost_connection_leaves_the_replica_suspect_and_fails_its_calls() {
    let (mut pair, conn) = acquired(Dialect::Qt6, static_kind());
    let now = pair.now;
    let serial = pair.clients[0].call(SOURCE, 2, Vec::new(), true, now).unwrap().unwrap();
    pair.drive();
    pair.cut(conn);
    assert_eq!(
        pair.client_events(0),
        [
            ClientEvent::CallFailed {
                replica: SOURCE.into(),
                serial_id: serial,
                error: CallError::ConnectionLost(SOURCE.into())
            },
            moved(ReplicaState::Valid, ReplicaState::Suspect),
        ]
    );
    assert!(pair.host.listeners(SOURCE).is_empty());
    let replica = pair.clients[0].replica(SOURCE).unwrap();
    assert_eq!((replica.conn, &replica.values[..]), (None, &values()[..]), "the last values are kept");
    assert_eq!(pair.clients[0].call(SOURCE, 2, Vec::new(), true, now), Err(CallError::NotConnected(SOURCE.into())));
    assert_eq!(
        pair.clients[0].write_property(SOURCE, 1, Value::string("x"), now),
        Err(CallError::NotConnected(SOURCE.into()))
    );
    // The host answers a call whose connection is gone: the reply is simply not sent.
    assert_eq!(pair.host.reply(conn, SOURCE, serial, Value::Invalid), Ok(()));
}

/// On a new connection a replica is acquired again and gets the values the source has now; a
/// dynamic replica that knows its interface asks for the values only (as Qt after reconnects).
#[test]
fn a_new_connection_reacquires_with_the_current_values() {
    for kind in [static_kind(), ReplicaKind::Dynamic] {
        let (mut pair, conn) = acquired(Dialect::Qt6, kind.clone());
        pair.cut(conn);
        pair.client_events(0);
        pair.host.set_property(SOURCE, 0, Value::Int(6)).unwrap();
        let conn = pair.reconnect(conn);
        assert_eq!(pair.packets(conn, Dir::ToHost, 0), [Packet::AddObject { name: SOURCE.into(), is_dynamic: false }]);
        assert_eq!(pair.packet_types(conn, Dir::ToClient, 2), [PacketType::InitPacket]);
        assert_eq!(
            pair.client_events(0),
            [ClientEvent::Initialized { replica: SOURCE.into() }, moved(ReplicaState::Suspect, ReplicaState::Valid)],
            "{kind:?}"
        );
        assert_eq!(pair.host_events(), [HostEvent::Acquired { conn, source: SOURCE.into(), dynamic: false }]);
        assert_eq!(pair.clients[0].replica(SOURCE).unwrap().values, [Value::Int(6), Value::string("five")]);
        let now = pair.now;
        assert_eq!(pair.clients[0].call(SOURCE, 1, vec![Value::Int(1), Value::Int(1)], true, now), Ok(Some(1)));
    }
}

/// The heartbeat starts again with the new connection, and stops with the old one.
#[test]
fn the_heartbeat_follows_the_replica_to_its_new_connection() {
    let (mut pair, conn) = beating();
    pair.set_flow(conn, Dir::ToClient, Flow::Held);
    pair.advance(Duration::from_millis(200));
    assert!(!pair.is_open(conn));
    assert_eq!(pair.state(0, SOURCE), ReplicaState::Suspect);
    pair.advance(Duration::from_millis(50));
    let new = pair.connect(0);
    pair.drive();
    assert_eq!(pair.state(0, SOURCE), ReplicaState::Valid);
    pair.advance(Duration::from_millis(250));
    assert_eq!(pings(&pair, new, 0), [350, 450]);
    assert_eq!(pings(&pair, conn, 0), [100]);
}
