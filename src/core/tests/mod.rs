//! Unit tests of the host and client state machines ([`HostCore`](super::HostCore),
//! [`ClientCore`](super::ClientCore)) talking to each other in memory: a [`pair::Pair`] joins
//! them with byte pipes and a simulated clock, so acquisition, values, calls, the heartbeat,
//! reconnection and the limits are tested without sockets or real time, in a few milliseconds.
//!
//! The pair is test support, not API: the cores' own module documentation shows how to join
//! them in memory, and a public harness would be one more surface to keep stable for tests that
//! live here.

mod acquisition;
mod calls;
mod limits;
mod liveness;
mod model;
mod model_cache;
mod model_child;
mod pair;
mod registry;

use std::sync::Arc;

use super::source::tests::simple;
use super::{ClientEvent, ConnectionId, Dialect, HostEvent, Limits, ReplicaKind, ReplicaState, Value};
use pair::Pair;

/// Both wire formats: the state machines must behave the same in each.
const DIALECTS: [Dialect; 2] = [Dialect::Qt6, Dialect::Qt5];

/// The name the host shares [`simple`] under. Its properties are `value` (0, `int`, READPUSH)
/// and `name` (1, `QString`, READWRITE); its signals `valueChanged` (0), `nameChanged` (1) and
/// `fired(int)` (2); its methods `pushValue` (0), `add(int,int)` → `int` (1) and `reset()` (2).
const SOURCE: &str = "Simple";

/// The values the host shares [`SOURCE`] with.
fn values() -> Vec<Value> {
    vec![Value::Int(5), Value::string("five")]
}

/// A static replica of [`simple`].
fn static_kind() -> ReplicaKind {
    ReplicaKind::Static(Arc::new(simple()))
}

/// A pair whose host, decoding within `limits`, shares [`SOURCE`] with [`values`]; nothing
/// connected yet.
fn serving(dialect: Dialect, limits: Limits) -> Pair {
    let mut pair = Pair::with_limits(dialect, limits, Limits::DEFAULT);
    pair.host.enable(SOURCE, Arc::new(simple()), values()).expect("enabled");
    pair
}

/// A pair whose host shares [`SOURCE`] and whose client 0 acquired it as `kind` over one
/// connection, driven until the replica is Valid; the events of all that are dropped.
fn acquired(dialect: Dialect, kind: ReplicaKind) -> (Pair, ConnectionId) {
    let mut pair = serving(dialect, Limits::DEFAULT);
    let now = pair.now;
    pair.clients[0].acquire(SOURCE, kind, now);
    let conn = pair.connect(0);
    pair.drive();
    assert_eq!(pair.state(0, SOURCE), ReplicaState::Valid);
    pair.host_events();
    pair.client_events(0);
    (pair, conn)
}

/// The event of replica [`SOURCE`] moving from `old` to `new`.
fn moved(old: ReplicaState, new: ReplicaState) -> ClientEvent {
    ClientEvent::StateChanged { replica: SOURCE.into(), old, new }
}

/// Asserts that `events` are refusals ([`HostEvent::Rejected`]) only, one for each of `reasons`,
/// each saying what its reason says.
fn assert_refused(events: Vec<HostEvent>, reasons: &[&str]) {
    let refused: Vec<&str> = events
        .iter()
        .filter_map(|e| match e {
            HostEvent::Rejected { reason, .. } => Some(reason.as_str()),
            _ => None,
        })
        .collect();
    let matched = refused.len() == events.len()
        && refused.len() == reasons.len()
        && refused.iter().zip(reasons).all(|(got, want)| got.contains(want));
    assert!(matched, "expected refusals for {reasons:?}, got {events:?}");
}
