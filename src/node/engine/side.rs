//! The two sides of the node: the core a connection feeds, and the little that differs in
//! running client and host connections. The connection tasks are written once, generic over the
//! side, as the cores are one [`Core`] in two roles.

use std::sync::Arc;
use std::time::Instant;

use bytes::BytesMut;

use crate::core::{ClientCore, ClientRole, ConnectionId, Core, HostCore, HostRole, Role};

use super::routes::stage_stream_event;
use super::{Shared, State};

/// A side of the node: the core its connections feed, and what differs in running them.
pub(super) trait Side: Role + Sized + 'static {
    /// Whether this side sends requests whose answers a caller awaits (a client's calls and
    /// acquisitions): its socket connections busy-poll for those answers.
    const AWAITS_ANSWERS: bool;

    /// The core of this side.
    fn core(st: &State) -> &Core<Self>;

    /// The core of this side, to change.
    fn core_mut(st: &mut State) -> &mut Core<Self>;

    /// Registers a new connection with the core.
    fn open(st: &mut State, conn: ConnectionId);

    /// Forgets a closed connection.
    fn close(st: &mut State, conn: ConnectionId);

    /// Hands bytes read from `conn` to the core; returns how much of a partial frame is still to
    /// come.
    fn receive(st: &mut State, conn: ConnectionId, buf: BytesMut, now: Instant) -> usize;

    /// Whether what arrives on `conn` now is a stream to acknowledge at once (see
    /// [`State::handle_read`]).
    fn wants_quick_ack(st: &State, conn: ConnectionId) -> bool;

    /// Keeps the peer on `conn` counted alive while reading from it is paused.
    fn keepalive(me: &Arc<Shared>, conn: ConnectionId);
}

impl Side for ClientRole {
    const AWAITS_ANSWERS: bool = true;

    fn core(st: &State) -> &ClientCore {
        &st.client
    }

    fn core_mut(st: &mut State) -> &mut ClientCore {
        &mut st.client
    }

    fn open(st: &mut State, conn: ConnectionId) {
        st.client.connected(conn);
    }

    fn close(st: &mut State, conn: ConnectionId) {
        st.client.disconnected(conn);
    }

    fn receive(st: &mut State, conn: ConnectionId, buf: BytesMut, now: Instant) -> usize {
        // Property changes and signals go straight to their subscribers.
        let State { client, replicas, staged_replicas, .. } = st;
        client.receive_with(conn, buf, now, &mut |ev, spare| stage_stream_event(replicas, staged_replicas, ev, spare));
        client.missing(conn)
    }

    fn wants_quick_ack(st: &State, conn: ConnectionId) -> bool {
        // Stock QtRO leaves Nagle's algorithm on: a Qt source holds a small packet back while
        // its previous one is unacknowledged, and the kernel delays our ACK (40 ms and more)
        // when we have nothing to send back, so its stream of property changes and signals
        // stalls. A replica acknowledges such streams at once (Qt source -> Rust replica over
        // tcp: +35-50% property changes and signals). Not while answers to its calls are
        // awaited: its next request carries the ACK, and an ACK of its own costs round trips and
        // pipelined calls 3-7%.
        st.client.calls_in_flight(conn) == 0
    }

    fn keepalive(me: &Arc<Shared>, conn: ConnectionId) {
        me.with(|st| st.client.keepalive(conn, Instant::now()));
    }
}

impl Side for HostRole {
    const AWAITS_ANSWERS: bool = false;

    fn core(st: &State) -> &HostCore {
        &st.host
    }

    fn core_mut(st: &mut State) -> &mut HostCore {
        &mut st.host
    }

    fn open(st: &mut State, conn: ConnectionId) {
        st.host.accept(conn);
    }

    fn close(st: &mut State, conn: ConnectionId) {
        st.host.disconnect(conn);
        if let Some(change) = st.registry.as_mut().and_then(|t| t.disconnected(conn)) {
            st.apply_registry_change(change);
        }
    }

    fn receive(st: &mut State, conn: ConnectionId, buf: BytesMut, _now: Instant) -> usize {
        st.host.receive_owned(conn, buf);
        st.host.missing(conn)
    }

    fn wants_quick_ack(_: &State, _: ConnectionId) -> bool {
        // Hosts answer most of what they read.
        false
    }

    fn keepalive(_: &Arc<Shared>, _: ConnectionId) {}
}
