//! The engine behind every [`Node`](super::Node): the sans-IO cores under one lock, connection
//! tasks that feed them bytes and write out what they produce, a timer task, and event routing.
//!
//! Locking discipline: the state mutex is held only for core calls and event routing, never
//! across an `.await`; slot handlers run outside it in their own tasks.
//!
//! This file holds the lock ([`Shared`]), the [`State`] under it and the work done once it is
//! released ([`Action`]). The node's handles change the state only through the methods of
//! [`api`]; the rest is one concern a file:
//!
//! - [`routes`], [`subscribers`] and [`members`]: the routes of replicas and sources, who wants
//!   which of their events, and the member names the events carry;
//! - [`routing`]: core events to their routes and slot calls to their handlers, once per pass;
//! - [`slots`]: running slot calls and sending their replies;
//! - [`connection`]: a connection's task (attach, the read loop, detach), written once for both
//!   [`side`]s of the node; [`socket`] tunes its socket, [`output`] decides who writes its
//!   output and when, [`wire`] writes it;
//! - [`registry`]: the registry this node hosts or uses.

mod api;
mod connection;
mod members;
mod output;
mod registry;
mod routes;
mod routing;
mod side;
mod slots;
mod socket;
mod subscribers;
mod wire;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Instant;

use tokio::sync::{watch, Notify};

use crate::core::connection::ConnMap;
use crate::core::registry::RegistryTable;
use crate::core::{ClientCore, ConnectionId, Dialect, HostCore};

use super::config::NodeConfig;
use super::delivery::{Backlog, EventReceiver};
pub(crate) use members::MethodRef;
use routes::{NameMap, ReplicaRoute, SlotJob, SourceRoute};
use subscribers::drop_retired;
use wire::DirectWriter;

/// The node's state: both cores, the routes of its replicas and sources, its connections. Only
/// the engine writes it; the node's handles go through [`api`].
pub(crate) struct State {
    client: ClientCore,
    host: HostCore,
    registry: Option<RegistryTable>,
    conns: ConnMap<ConnHandle>,
    next_conn: ConnectionId,
    replicas: NameMap<ReplicaRoute>,
    sources: NameMap<SourceRoute>,
    /// URLs we keep connected (with reconnects), and which connection serves each now.
    wanted_urls: HashSet<String>,
    url_conns: HashMap<String, ConnectionId>,
    host_url: Option<String>,
    registry_url: Option<String>,
    /// Client connections whose host spoke another protocol version (never reconnected).
    protocol_mismatch: HashSet<ConnectionId>,
    /// Why the last client connection closed on a protocol error (framing or a limit).
    last_protocol_error: Option<String>,
    /// Replicas and sources with events staged during this routing pass.
    staged_replicas: Vec<Arc<str>>,
    staged_sources: Vec<String>,
    /// Connections whose output of this pass is written at once by the calling thread.
    write_now: Vec<ConnectionId>,
    /// Connections on which this pass sent a request whose answer the caller now awaits.
    awaiting_answer: Vec<ConnectionId>,
    /// Every connection with output is written by the calling thread at the end of this pass
    /// (the end of a [`super::Source::batch`]).
    write_all_now: bool,
}

/// What the engine keeps of a connection.
struct ConnHandle {
    wake_writer: Arc<Notify>,
    /// Tells the read loop an answer is awaited on this connection (see
    /// [`NodeConfig::busy_poll`]).
    expect_answer: Arc<Notify>,
    close: watch::Sender<bool>,
    /// For sockets: immediate writes from the producing thread.
    direct: Option<Arc<DirectWriter>>,
}

/// Why a connection's task ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CloseReason {
    Closed,
    /// The host speaks another protocol version: not reconnected.
    ProtocolMismatch,
}

/// Writes a connection's output from the calling thread: [`Shared::write_now`] for the side of
/// the node the connection is on.
type WriteFn = fn(&Shared, ConnectionId, &DirectWriter, &Notify);

/// Work to do after the lock is released.
enum Action {
    Wake(Arc<Notify>),
    /// Write the connection's output from this thread with `write` (see [`wire`]).
    WriteNow {
        conn: ConnectionId,
        write: WriteFn,
        direct: Arc<DirectWriter>,
        wake: Arc<Notify>,
    },
    Close(ConnectionId),
    Connect(String),
    /// Run a slot call in a task of its own (`concurrent_slots`).
    Slot(SlotJob),
    /// Start the task that runs a source's slot calls in order.
    SlotRunner(EventReceiver<SlotJob>),
}

/// The engine of one node: its state under the lock, and what its tasks share.
pub(crate) struct Shared {
    config: NodeConfig,
    state: Mutex<State>,
    timer: Notify,
    /// Signalled whenever a writer drained some output (wakes producers waiting for room).
    progress: Notify,
    shutdown: watch::Sender<bool>,
}

/// Keeps a node's engine running; the last one dropped (with the node's last handle) shuts it
/// down.
pub(crate) struct Lifetime(Arc<Shared>);

impl Lifetime {
    pub(crate) fn new(shared: Arc<Shared>) -> Lifetime {
        Lifetime(shared)
    }
}

impl Drop for Lifetime {
    fn drop(&mut self) {
        // Not `shut_down`: this may run where the node's lock is held. The timer task ends the
        // event streams.
        let _ = self.0.shutdown.send(true);
    }
}

thread_local! {
    /// The node (its `Shared`, by address) whose lock this thread holds for user code.
    static HELD_BY_THIS_THREAD: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

impl Shared {
    pub(crate) fn new(config: NodeConfig) -> Arc<Shared> {
        let mut client = ClientCore::new(config.dialect, config.limits);
        client.set_heartbeat(config.heartbeat, Instant::now());
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                client,
                host: HostCore::new(config.dialect, config.limits),
                registry: None,
                conns: Default::default(),
                next_conn: 1,
                replicas: NameMap::default(),
                sources: NameMap::default(),
                wanted_urls: HashSet::new(),
                url_conns: HashMap::new(),
                host_url: None,
                registry_url: None,
                protocol_mismatch: HashSet::new(),
                last_protocol_error: None,
                staged_replicas: Vec::new(),
                staged_sources: Vec::new(),
                write_now: Vec::new(),
                awaiting_answer: Vec::new(),
                write_all_now: false,
            }),
            config,
            timer: Notify::new(),
            progress: Notify::new(),
            shutdown: watch::channel(false).0,
        });
        tokio::spawn(timer_task(Arc::downgrade(&shared), shared.shutdown.subscribe()));
        shared
    }

    /// The settings the node was created with.
    pub(crate) fn config(&self) -> &NodeConfig {
        &self.config
    }

    pub(crate) fn dialect(&self) -> Dialect {
        self.config.dialect
    }

    /// Stops every task of the node and ends its event streams (their receivers get what was
    /// queued, then `None`), for [`super::Node::shutdown`]. Under the node's lock (a batch or an
    /// observer) the timer task ends the streams instead, as it does when the last handle goes.
    pub(crate) fn shut_down(self: &Arc<Self>) {
        let _ = self.shutdown.send(true);
        if !self.held_by_this_thread() {
            self.end_streams();
        }
    }

    fn end_streams(self: &Arc<Self>) {
        self.with(|st| {
            st.replicas.values_mut().for_each(|r| r.subscribers.end_streams());
            st.sources.values_mut().for_each(|s| s.subscribers.end_streams());
        });
    }

    /// Whether the node was shut down: an event stream subscribed now would never see an event,
    /// so it is ended at once (its sender is not kept).
    pub(crate) fn is_shut_down(&self) -> bool {
        *self.shutdown.borrow()
    }

    /// Whether this thread holds the node's lock right now (user code under [`Shared::with`]).
    pub(crate) fn held_by_this_thread(&self) -> bool {
        HELD_BY_THIS_THREAD.with(|h| h.get()) == self as *const Shared as usize
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        if self.held_by_this_thread() {
            panic!(
                "qtro_rs: a node method was called from code the node runs under its lock (a Source::batch \
                 closure or an event observer); in a batch make changes through the Batch, from an observer \
                 hand the work to another task"
            );
        }
        // A panic while holding the lock would be a bug in the cores; the state is still usable.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Like [`Shared::with`] for user code that runs under the lock ([`super::Source::batch`]):
    /// everything `f` queued is written by this thread afterwards.
    pub(crate) fn with_held<R>(self: &Arc<Self>, f: impl FnOnce(&mut State) -> R) -> R {
        self.with(|st| {
            let out = f(st);
            st.write_all_now = true;
            out
        })
    }

    /// Runs `f` on the state, then routes the events it produced and performs the resulting I/O.
    pub(crate) fn with<R>(self: &Arc<Self>, f: impl FnOnce(&mut State) -> R) -> R {
        self.with_backlog(f, &mut Vec::new())
    }

    /// Like [`Shared::with`], also reporting the event subscribers left with more than
    /// `event_backlog` events queued (a connection task then pauses reading).
    fn with_backlog<R>(self: &Arc<Self>, f: impl FnOnce(&mut State) -> R, backlogged: &mut Vec<Backlog>) -> R {
        /// Marks the lock as held by this thread while user code may run under it (batches,
        /// observers): a call back into the node then panics instead of deadlocking.
        struct Held(usize);
        impl Drop for Held {
            fn drop(&mut self) {
                HELD_BY_THIS_THREAD.with(|h| h.set(self.0));
            }
        }
        let (out, actions, deadline_moved) = {
            let mut st = self.lock();
            let _held = Held(HELD_BY_THIS_THREAD.with(|h| h.replace(Arc::as_ptr(self) as usize)));
            let before = st.client.poll_timeout();
            let out = f(&mut st);
            let actions = st.route(&self.config, backlogged);
            (out, actions, st.client.poll_timeout() != before)
        };
        drop_retired();
        self.perform(actions);
        if deadline_moved {
            self.timer.notify_one();
        }
        out
    }

    fn perform(self: &Arc<Self>, actions: Vec<Action>) {
        for a in actions {
            match a {
                Action::Wake(writer) => writer.notify_one(),
                Action::WriteNow { conn, write, direct, wake } => write(self, conn, &direct, &wake),
                Action::Close(conn) => self.close(conn),
                Action::Connect(url) => self.connect_url(url),
                Action::Slot(job) => self.spawn_slot(job),
                Action::SlotRunner(rx) => self.spawn_slot_runner(rx),
            }
        }
    }
}

/// Runs the client core's timers (heartbeats) until the node shuts down.
async fn timer_task(weak: Weak<Shared>, mut shutdown: watch::Receiver<bool>) {
    loop {
        let (deadline, notified) = {
            let Some(me) = weak.upgrade() else { return };
            let deadline = me.lock().client.poll_timeout();
            // Register interest before releasing `me` so a change right now is not missed.
            let me2 = me.clone();
            (deadline, async move { me2.timer.notified().await })
        };
        let sleep = async {
            match deadline {
                Some(d) => tokio::time::sleep_until(tokio::time::Instant::from_std(d)).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = sleep => {
                let Some(me) = weak.upgrade() else { return };
                me.with(|st| st.client.handle_timeout(Instant::now()));
            }
            _ = notified => {}
            _ = shutdown.changed() => {
                // The node's event streams end with it (the state lives on while a `Source`
                // handle does).
                if let Some(me) = weak.upgrade() {
                    me.end_streams();
                }
                return;
            }
        }
    }
}
