//! The settings of a [`Node`](super::Node).

use std::time::Duration;

use crate::core::{Dialect, Limits};

/// How long to wait between reconnect attempts (Qt uses a fixed 250 ms).
pub(crate) const DEFAULT_RETRY_INTERVAL: Duration = Duration::from_millis(250);

/// Settings of a node.
#[derive(Debug, Clone)]
pub struct NodeConfig {
    /// Qt 6 (default) or Qt 5.15 peers.
    pub dialect: Dialect,
    /// What the node accepts from peers (packet size, nesting, container lengths...);
    /// `docs/limits.md` lists each with its default.
    pub limits: Limits,
    /// Heartbeat of replicas; `None` (Qt's default) disables it.
    pub heartbeat: Option<Duration>,
    /// Delay between reconnect attempts.
    pub retry_interval: Duration,
    /// Bytes queued for one peer above which [`Source::ready`](super::Source::ready) makes producers wait.
    pub queue_high_water: usize,
    /// How long a peer may stay above the high-water mark while a producer waits before it is
    /// considered stuck and disconnected (it reconnects and re-initializes with current values).
    pub stall_timeout: Duration,
    /// Hard cap on bytes queued for one peer, for producers that do not await
    /// [`Source::ready`](super::Source::ready): past it the peer is disconnected at once.
    pub max_queued_bytes: usize,
    /// Run slot handlers of one source concurrently. Off by default: calls run one at a time in
    /// arrival order, as on a Qt host (a slow async slot then delays later calls to the same
    /// source, not to other sources).
    pub concurrent_slots: bool,
    /// Events one subscriber (a [`Replica::events`] or [`Source::events`] receiver) may have
    /// waiting before the connection feeding it stops reading until it catches up to half of
    /// that. Nothing is dropped; a subscriber that never reads stalls its connection. The
    /// default (1024) keeps a busy stream's queues in the CPU caches: with 16384, signals were
    /// 25% slower (the socket buffers still absorb bursts).
    ///
    /// [`Replica::events`]: super::Replica::events
    /// [`Source::events`]: super::Source::events
    pub event_backlog: usize,
    /// After a replica sends a request whose answer is awaited (a slot call with a return
    /// value, an acquisition), its connection reads the socket in a loop for up to this long
    /// before parking (spinning, then yielding the CPU for the last third, in case the peer it
    /// waits for is queued on it). A parked thread on an idle CPU takes tens of microseconds to
    /// wake on virtual machines, longer than the answer from a local peer takes to come, so
    /// this cuts round trips at the cost of at most this much CPU per awaited answer. Sockets
    /// only; off (`None`) on single-CPU machines, where spinning would delay the peer it waits
    /// for.
    pub busy_poll: Option<Duration>,
}

impl Default for NodeConfig {
    fn default() -> Self {
        NodeConfig {
            dialect: Dialect::Qt6,
            limits: Limits::DEFAULT,
            heartbeat: None,
            retry_interval: DEFAULT_RETRY_INTERVAL,
            queue_high_water: 4 * 1024 * 1024,
            stall_timeout: Duration::from_secs(5),
            max_queued_bytes: 256 * 1024 * 1024,
            concurrent_slots: false,
            event_backlog: 1024,
            busy_poll: std::thread::available_parallelism()
                .is_ok_and(|n| n.get() > 1)
                .then_some(Duration::from_micros(50)),
        }
    }
}
