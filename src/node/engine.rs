//! The engine behind every [`super::Node`]: the sans-IO cores under one lock, connection tasks
//! that feed them bytes and write out what they produce, a timer task, and event dispatch.
//!
//! Locking discipline: the state mutex is held only for core calls and event routing, never
//! across an `.await`; slot handlers run outside it in their own tasks.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};

use bytes::BufMut;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::sync::{oneshot, watch, Notify};

use crate::core::registry::{self, Location, RegistryChange, RegistryTable};
use crate::core::{
    CallError, ClientCore, ClientEvent, ConnectionId, Dialect, EventInterest, HostCore, HostEvent, ReplicaState, Value,
};
use crate::net::{BoxStream, NodeUrl, Socket};

use super::events::{Backlog, EventSender, Name};
use super::wire::{DirectWriter, SocketWriter};
use super::{EventFilter, NodeConfig, ReplicaEvent, SlotCall, SlotHandler, SourceEvent};

/// FNV-1a: object names are short, and SipHash's setup dominated the per-event lookups. Keys are
/// only ever inserted by the local application (names it acquires or enables), so peers cannot
/// pick colliding keys.
#[derive(Default)]
pub(crate) struct NameHasher(u64);

impl std::hash::Hasher for NameHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 { 0xcbf2_9ce4_8422_2325 } else { self.0 };
        for &b in bytes {
            h = (h ^ b as u64).wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

pub(crate) type NameMap<V> = HashMap<String, V, std::hash::BuildHasherDefault<NameHasher>>;

/// Which core a connection belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// Opened by us; carries replicas.
    Client,
    /// Accepted by us; carries sources.
    Host,
}

pub(crate) struct ConnHandle {
    role: Role,
    wake_writer: Arc<Notify>,
    /// Tells the read loop an answer is awaited on this connection (see [`NodeConfig::busy_poll`]).
    expect_answer: Arc<Notify>,
    close: watch::Sender<bool>,
    /// For sockets: immediate writes from the producing thread.
    direct: Option<Arc<DirectWriter>>,
}

/// What a connection runs over.
pub(crate) enum Transport {
    /// A socket we opened or accepted.
    Socket(Socket),
    /// A stream the application supplied.
    Stream(BoxStream),
}

/// Per-replica routing: subscribers and pending calls.
#[derive(Default)]
pub(crate) struct ReplicaRoute {
    pub(crate) subscribers: Subscribers<ReplicaEvent>,
    /// By serial id (ours, sequential: FNV is enough, SipHash cost more than the lookup).
    pub(crate) pending:
        HashMap<i32, oneshot::Sender<Result<Value, CallError>>, std::hash::BuildHasherDefault<NameHasher>>,
    pub(crate) state: Option<watch::Sender<ReplicaState>>,
    pub(crate) handles: usize,
    /// Property and signal names of the current definition, shared by all events.
    names: Option<MemberNames>,
}

/// Names of an interface's members, made once per definition instead of once per event.
struct MemberNames {
    properties: Vec<Name>,
    /// Signal names without their parameter lists.
    signals: Vec<Name>,
    /// Method names without their parameter lists.
    methods: Vec<Name>,
    /// Per method: parameter types (arguments are converted to them) and whether a reply is
    /// expected (non-void return).
    method_params: Vec<Vec<String>>,
    method_replies: Vec<bool>,
    method_returns: Vec<Name>,
}

impl MemberNames {
    fn of(def: &crate::core::ClassDefinition) -> MemberNames {
        let short = |sig: &str| Name::interned(sig.split('(').next().unwrap_or_default());
        MemberNames {
            properties: def.properties.iter().map(|p| Name::interned(&p.name)).collect(),
            signals: def.signals.iter().map(|s| short(&s.signature)).collect(),
            methods: def.methods.iter().map(|m| short(&m.signature)).collect(),
            method_params: def.methods.iter().map(|m| crate::core::source::parameter_types(&m.signature)).collect(),
            method_replies: def.methods.iter().map(|m| !m.return_type.is_empty() && m.return_type != "void").collect(),
            method_returns: def.methods.iter().map(|m| Name::interned(&m.return_type)).collect(),
        }
    }

    /// The method `slot` names: a full signature, else a name whose parameter count matches
    /// `argc`, else the first method of that name.
    fn find_method(&self, def: &crate::core::ClassDefinition, slot: &str, argc: usize) -> Option<usize> {
        def.methods
            .iter()
            .position(|m| m.signature == slot)
            .or_else(|| {
                (0..self.methods.len()).find(|&i| self.methods[i] == slot && self.method_params[i].len() == argc)
            })
            .or_else(|| self.methods.iter().position(|n| *n == slot))
    }

    fn get(list: &[Name], index: usize) -> Name {
        list.get(index).cloned().unwrap_or_default()
    }
}

/// Spare string arguments with more capacity than this are not kept for reuse.
const SPARE_STRING_MAX: usize = 1024;

/// Stages a property change or signal for the subscribers of its replica that want it, given
/// the member names are known; gives the event back otherwise (nobody wants it, no names yet).
/// Runs for every property change and signal, from [`ClientCore::receive_with`] directly. A
/// signal only observers saw leaves its argument vector in `spare_args` for the next one.
fn stage_stream_event(
    replicas: &mut NameMap<ReplicaRoute>,
    staged: &mut Vec<Arc<str>>,
    ev: ClientEvent,
    spare_args: &mut Vec<Value>,
) -> Option<ClientEvent> {
    let (replica, kind) = match &ev {
        ClientEvent::PropertyChanged { replica, .. } => (replica, EventFilter::PROPERTIES),
        ClientEvent::Signal { replica, property_index: Some(_), .. } => (replica, EventFilter::NOTIFY_SIGNALS),
        ClientEvent::Signal { replica, .. } => (replica, EventFilter::SIGNALS),
        _ => return Some(ev),
    };
    let Some(route) = replicas.get_mut(&**replica).filter(|r| r.names.is_some() && r.subscribers.wants(kind)) else {
        return Some(ev);
    };
    let names = route.names.as_ref().expect("checked");
    let (replica, event) = match ev {
        ClientEvent::PropertyChanged { replica, index, value } => {
            (replica, ReplicaEvent::PropertyChanged { index, name: MemberNames::get(&names.properties, index), value })
        }
        ClientEvent::Signal { replica, index, args, property_index } => (
            replica,
            ReplicaEvent::Signal { index, name: MemberNames::get(&names.signals, index), args, property_index },
        ),
        other => return Some(other),
    };
    let (first, unclaimed) = route.subscribers.stage(event, kind);
    if first {
        staged.push(replica);
    }
    if let Some(ReplicaEvent::Signal { mut args, .. }) = unclaimed {
        // Kept for the next signal, which is decoded over them: its strings reuse these
        // buffers. Anything else (and long strings) is dropped here, on the thread that decoded
        // it, so a spare vector never pins much memory nor a read buffer.
        for a in args.iter_mut() {
            if !matches!(a, Value::String(Some(s)) if s.capacity() <= SPARE_STRING_MAX) {
                *a = Value::Invalid;
            }
        }
        *spare_args = args;
    }
    None
}

/// The event subscribers of one replica or source. Events are staged during routing and handed
/// over in one batch per subscriber when routing ends; observers see each event as it is routed.
pub(crate) struct Subscribers<T: Send + 'static> {
    /// Each subscriber with the kinds of event it wants (an [`EventFilter`] bit set).
    senders: Vec<(EventSender<T>, u8)>,
    observers: Vec<Observer<T>>,
    /// Every kind some subscriber or observer wants: events of other kinds are not even built.
    wanted: u8,
    staged: bool,
}

/// A callback that sees events by reference, on the thread that routes them.
pub(crate) struct Observer<T: 'static> {
    pub(crate) callback: Box<dyn FnMut(&T) + Send>,
    pub(crate) filter: u8,
    /// Set when the application drops its handle; the observer is removed at the next chance.
    pub(crate) cancelled: Arc<std::sync::atomic::AtomicBool>,
}

thread_local! {
    /// Callbacks removed while this thread held a node's lock, dropped once it is released:
    /// what they captured (a `Replica`, say) may lock the node when dropped.
    static RETIRED: std::cell::RefCell<Vec<Box<dyn Send>>> = const { std::cell::RefCell::new(Vec::new()) };
}

impl<T: 'static> Drop for Observer<T> {
    fn drop(&mut self) {
        let callback: Box<dyn FnMut(&T) + Send> = std::mem::replace(&mut self.callback, Box::new(|_| {}));
        RETIRED.with(|r| r.borrow_mut().push(Box::new(callback)));
    }
}

/// Drops the callbacks retired under a lock this thread no longer holds.
fn drop_retired() {
    loop {
        let retired = RETIRED.with(|r| std::mem::take(&mut *r.borrow_mut()));
        if retired.is_empty() {
            return;
        }
        drop(retired);
    }
}

impl<T: Send + 'static> Default for Subscribers<T> {
    fn default() -> Self {
        Subscribers { senders: Vec::new(), observers: Vec::new(), wanted: 0, staged: false }
    }
}

impl<T: Clone + Send + 'static> Subscribers<T> {
    /// Subscribes `sender` to every event.
    pub(crate) fn add(&mut self, sender: EventSender<T>) {
        self.add_filtered(sender, EventFilter::ALL);
    }

    pub(crate) fn add_filtered(&mut self, sender: EventSender<T>, filter: EventFilter) {
        self.senders.push((sender, filter.bits()));
        self.wanted |= filter.bits();
    }

    pub(crate) fn add_observer(&mut self, observer: Observer<T>) {
        self.wanted |= observer.filter;
        self.observers.push(observer);
    }

    /// Ends every event stream: the receivers get what was queued, then `None`. Observers stay
    /// (they see nothing more once the node's tasks stopped).
    fn end_streams(&mut self) {
        self.senders.clear();
        self.recompute_wanted();
    }

    /// Removes observers whose handle was dropped.
    pub(crate) fn prune_observers(&mut self) {
        use std::sync::atomic::Ordering;
        let before = self.observers.len();
        self.observers.retain(|o| !o.cancelled.load(Ordering::Relaxed));
        if self.observers.len() != before {
            self.recompute_wanted();
        }
    }

    fn recompute_wanted(&mut self) {
        let senders = self.senders.iter().fold(0, |w, (_, f)| w | f);
        self.wanted = self.observers.iter().fold(senders, |w, o| w | o.filter);
    }

    /// Whether some subscriber wants events of `kind`.
    fn wants(&self, kind: EventFilter) -> bool {
        self.wanted & kind.bits() != 0
    }

    /// Shows `event` (of `kind`) to the observers that want it, then stages it for every
    /// subscriber that wants it. Returns whether this is the first staged event since the last
    /// flush (the caller then remembers to flush this route), and the event when no subscriber
    /// took it.
    fn stage(&mut self, event: T, kind: EventFilter) -> (bool, Option<T>) {
        let kind = kind.bits();
        if !self.observers.is_empty() {
            self.observe(&event, kind);
        }
        let Some(last) = self.senders.iter().rposition(|(_, f)| f & kind != 0) else { return (false, Some(event)) };
        for (s, _) in self.senders[..last].iter_mut().filter(|(_, f)| f & kind != 0) {
            s.push(event.clone());
        }
        self.senders[last].0.push(event);
        (!std::mem::replace(&mut self.staged, true), None)
    }

    fn observe(&mut self, event: &T, kind: u8) {
        use std::sync::atomic::Ordering;
        let mut gone = false;
        for o in self.observers.iter_mut().filter(|o| o.filter & kind != 0) {
            if o.cancelled.load(Ordering::Relaxed) {
                gone = true;
                continue;
            }
            // A panicking callback loses its observation, not the connection that delivered
            // the event.
            let callback = &mut o.callback;
            if std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| callback(event))).is_err() {
                tracing::error!("an event observer panicked; it is removed");
                o.cancelled.store(true, Ordering::Relaxed);
                gone = true;
            }
        }
        if gone {
            self.prune_observers();
        }
    }

    /// Hands staged events over; drops subscribers whose receiver is gone, and reports those
    /// whose backlog passed `limit`.
    fn flush(&mut self, limit: usize, backlogged: &mut Vec<Backlog>) {
        self.staged = false;
        let before = self.senders.len();
        self.senders.retain_mut(|(s, _)| {
            if s.flush() > limit {
                backlogged.push(s.backlog());
            }
            s.is_open()
        });
        if self.senders.len() != before {
            self.recompute_wanted();
        }
    }
}

pub(crate) struct SourceRoute {
    pub(crate) handler: Option<Arc<dyn SlotHandler>>,
    pub(crate) subscribers: Subscribers<SourceEvent>,
    /// Slot calls waiting for this source's handler, run one at a time in arrival order.
    /// Bounded like event queues: past `event_backlog` waiting calls, the connections sending
    /// them pause reading until the handler catches up.
    pub(crate) slot_queue: Option<EventSender<SlotJob>>,
    names: Option<MemberNames>,
}

impl SourceRoute {
    pub(crate) fn new(handler: Option<Arc<dyn SlotHandler>>, subscribers: Subscribers<SourceEvent>) -> Self {
        SourceRoute { handler, subscribers, slot_queue: None, names: None }
    }
}

/// One slot call to run: the handler, the call, where to reply, and the declared return type.
pub(crate) struct SlotJob {
    handler: Arc<dyn SlotHandler>,
    call: SlotCall,
    conn: ConnectionId,
    serial: Option<i32>,
    return_type: Name,
}

pub(crate) struct State {
    pub(crate) client: ClientCore,
    pub(crate) host: HostCore,
    pub(crate) registry: Option<RegistryTable>,
    pub(crate) conns: crate::core::connection::ConnMap<ConnHandle>,
    next_conn: ConnectionId,
    pub(crate) replicas: NameMap<ReplicaRoute>,
    pub(crate) sources: NameMap<SourceRoute>,
    /// URLs we keep connected (with reconnects), and which connection serves each now.
    pub(crate) wanted_urls: HashSet<String>,
    url_conns: HashMap<String, ConnectionId>,
    pub(crate) host_url: Option<String>,
    pub(crate) registry_url: Option<String>,
    /// Client connections whose host spoke another protocol version (never reconnected).
    protocol_mismatch: HashSet<ConnectionId>,
    /// Why the last client connection closed on a protocol error (framing or a limit).
    pub(crate) last_protocol_error: Option<String>,
    /// Replicas and sources with events staged during this routing pass.
    staged_replicas: Vec<Arc<str>>,
    staged_sources: Vec<String>,
    /// Connections whose output of this pass is written at once by the calling thread.
    pub(crate) write_now: Vec<ConnectionId>,
    /// Connections on which this pass sent a request whose answer the caller now awaits.
    pub(crate) awaiting_answer: Vec<ConnectionId>,
    /// Every connection with output is written by the calling thread at the end of this pass
    /// (the end of a [`super::Source::batch`]).
    write_all_now: bool,
}

/// Work to do after the lock is released.
enum Action {
    Wake(Arc<Notify>),
    /// Write the connection's output from this thread (see [`super::wire`]).
    WriteNow(ConnectionId, Role, Arc<DirectWriter>, Arc<Notify>),
    Close(ConnectionId),
    Connect(String),
    /// Run a slot call in a task of its own (`concurrent_slots`).
    Slot(SlotJob),
    /// Start the task that runs a source's slot calls in order.
    SlotRunner(super::events::EventReceiver<SlotJob>),
}

pub(crate) struct Shared {
    pub(crate) config: NodeConfig,
    state: Mutex<State>,
    timer: Notify,
    /// Signalled whenever a writer drained some output (wakes producers waiting for room).
    progress: Notify,
    pub(crate) shutdown: watch::Sender<bool>,
}

/// Which method a call is for.
pub(crate) enum MethodRef<'a> {
    Index(usize),
    /// A name, or a full signature such as `add(int,int)`.
    Name(&'a str),
}

thread_local! {
    /// The node (its `Shared`, by address) whose lock this thread holds for user code.
    static HELD_BY_THIS_THREAD: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Queued output from which the producing thread writes at once.
const EAGER_WRITE_BYTES: usize = 64 * 1024;

/// A registry host's own connection id for registrations of its local sources.
const LOCAL: ConnectionId = 0;

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
                Action::WriteNow(conn, role, direct, wake) => self.write_now(conn, role, &direct, &wake),
                Action::Close(conn) => {
                    if let Some(c) = self.lock().conns.get(&conn) {
                        let _ = c.close.send(true);
                    }
                }
                Action::Connect(url) => self.connect_url(url),
                Action::Slot(job) => {
                    let me = self.clone();
                    tokio::spawn(async move { me.run_slot(job, true).await });
                }
                Action::SlotRunner(mut rx) => {
                    let weak = Arc::downgrade(self);
                    tokio::spawn(async move {
                        while let Some(job) = rx.recv().await {
                            let Some(me) = weak.upgrade() else { return };
                            let last = rx.is_empty();
                            me.run_slot(job, last).await;
                        }
                    });
                }
            }
        }
    }

    /// Writes `conn`'s queued output from this thread without waiting; whatever the socket does
    /// not take now is left to the connection task.
    fn write_now(&self, conn: ConnectionId, role: Role, direct: &DirectWriter, wake: &Notify) {
        if !direct.claim_now() {
            // Someone is writing; make sure the task looks again once they are done.
            wake.notify_one();
            return;
        }
        let mut rest = None;
        let mut spent = None;
        loop {
            let Some(mut bytes) = self.lock().take_output(conn, role, spent.take()) else { break };
            match direct.write_now(&mut bytes) {
                Ok(true) => {
                    spent = Some(bytes);
                    self.progress.notify_waiters();
                }
                Ok(false) | Err(_) => {
                    rest = Some(bytes);
                    break;
                }
            }
        }
        let more = rest.is_some();
        direct.release(rest);
        if more || self.lock().queued(conn, role) > 0 {
            wake.notify_one();
        }
    }

    /// Runs one slot call and sends its reply, converted to the declared return type (Qt replicas
    /// read the reply as that type).
    async fn run_slot(self: &Arc<Self>, job: SlotJob, last: bool) {
        let source = job.call.source.clone();
        let slot = job.call.name.clone();
        let value = job.handler.call(job.call).await;
        if let Some(serial) = job.serial {
            self.with(|st| {
                let value = match job.return_type.as_str() {
                    // No value: a Qt replica reads an invalid reply as the type's default.
                    _ if value == Value::Invalid => value,
                    "void" | "" => value,
                    t => st.host.convert_for(&source, t, value).unwrap_or_else(|e| {
                        // A Qt replica reads the reply as the return type: send none rather
                        // than storage it would misread.
                        tracing::warn!(source, slot = %slot, "the slot's return value was not sent: {e}");
                        Value::Invalid
                    }),
                };
                if let Err(e) = st.host.reply(job.conn, &source, serial, value) {
                    tracing::warn!(source, "cannot send the reply: {e}");
                }
                // The last reply of a run of calls goes out at once; earlier ones batch.
                if last {
                    st.write_now.push(job.conn);
                }
            });
        }
    }

    /// Resolves when no connection has output queued.
    pub(crate) async fn wait_all_drained(&self) {
        loop {
            let progress = self.progress.notified();
            tokio::pin!(progress);
            progress.as_mut().enable();
            let busy = {
                let st = self.lock();
                st.conns.iter().any(|(&c, h)| st.queued(c, h.role) > 0 || h.direct.as_ref().is_some_and(|d| !d.idle()))
            };
            if !busy {
                return;
            }
            let _ = tokio::time::timeout(Duration::from_millis(10), progress).await;
        }
    }

    /// Waits until every listener of `source` is below the high-water mark, disconnecting those
    /// that stay above it for longer than the stall timeout.
    pub(crate) async fn wait_writable(self: &Arc<Self>, source: &str) {
        let high = self.config.queue_high_water;
        let mut stalled: HashMap<ConnectionId, Instant> = HashMap::new();
        loop {
            // Register for progress before looking, so a drain in between is not missed.
            let progress = self.progress.notified();
            tokio::pin!(progress);
            progress.as_mut().enable();
            let over: Vec<ConnectionId> = {
                let st = self.lock();
                st.host.listeners(source).iter().copied().filter(|&c| st.host.queued(c) > high).collect()
            };
            if over.is_empty() {
                return;
            }
            let now = Instant::now();
            stalled.retain(|c, _| over.contains(c));
            for c in over {
                let since = *stalled.entry(c).or_insert(now);
                if now.duration_since(since) >= self.config.stall_timeout {
                    tracing::warn!(conn = c, source, "replica stopped reading; disconnecting it");
                    if let Some(h) = self.lock().conns.get(&c) {
                        let _ = h.close.send(true);
                    }
                    // Forget its queue now; the connection task finishes the cleanup.
                    self.lock().host.disconnect(c);
                    stalled.remove(&c);
                }
            }
            let _ = tokio::time::timeout(self.config.stall_timeout / 4, progress).await;
        }
    }

    /// Keeps a connection to `url` open (reconnecting every `retry_interval`) while it is wanted.
    pub(crate) fn connect_url(self: &Arc<Self>, url: String) {
        {
            let mut st = self.lock();
            if st.url_conns.contains_key(&url) || !st.wanted_urls.insert(url.clone()) {
                return;
            }
        }
        let weak = Arc::downgrade(self);
        let mut shutdown = self.shutdown.subscribe();
        tokio::spawn(async move {
            let parsed = match NodeUrl::parse(&url) {
                Ok(u) => u,
                Err(e) => {
                    tracing::error!("{e}");
                    return;
                }
            };
            loop {
                let Some(me) = weak.upgrade() else { return };
                let retry = me.config.retry_interval;
                match crate::net::transport::connect_socket(&parsed).await {
                    Ok(socket) => {
                        let (conn, closed) = me.attach(Transport::Socket(socket), Role::Client, Some(url.clone()));
                        drop(me);
                        let reason = tokio::select! {
                            r = closed => r.unwrap_or(CloseReason::Closed),
                            _ = shutdown.changed() => return,
                        };
                        let Some(me) = weak.upgrade() else { return };
                        let keep = me.lock().wanted_urls.contains(&url);
                        tracing::debug!(conn, url, ?reason, "connection ended");
                        if reason == CloseReason::ProtocolMismatch || !keep {
                            me.lock().wanted_urls.remove(&url);
                            return;
                        }
                    }
                    Err(e) => tracing::debug!(url, "connect failed: {e}"),
                }
                tokio::select! {
                    _ = tokio::time::sleep(retry) => {}
                    _ = shutdown.changed() => return,
                }
            }
        });
    }

    /// Runs a connection over `stream`: registers it with the right core and spawns its reader
    /// and writer. The receiver resolves when the connection is gone.
    pub(crate) fn attach(
        self: &Arc<Self>,
        transport: Transport,
        role: Role,
        url: Option<String>,
    ) -> (ConnectionId, oneshot::Receiver<CloseReason>) {
        let wake = Arc::new(Notify::new());
        let expect_answer = Arc::new(Notify::new());
        let (close_tx, close_rx) = watch::channel(false);
        // Sockets can be polled without the reactor while an answer is awaited; TCP ones also
        // take a low-water mark for large frames.
        let (fd, tcp_fd) = match &transport {
            Transport::Socket(s @ Socket::Tcp(_)) => (Some(s.raw_fd()), Some(s.raw_fd())),
            Transport::Socket(s) => (Some(s.raw_fd()), None),
            Transport::Stream(_) => (None, None),
        };
        // Sockets are split into owned halves so that any thread can write to them.
        let (reader, writer): (Box<dyn AsyncRead + Send + Unpin>, Writer) = match transport {
            Transport::Socket(Socket::Tcp(s)) => {
                let (r, w) = s.into_split();
                (Box::new(r), Writer::Direct(Arc::new(DirectWriter::new(SocketWriter::Tcp(w)))))
            }
            Transport::Socket(Socket::Unix(s)) => {
                let (r, w) = s.into_split();
                (Box::new(r), Writer::Direct(Arc::new(DirectWriter::new(SocketWriter::Unix(w)))))
            }
            Transport::Stream(stream) => {
                let (r, w) = tokio::io::split(stream);
                (Box::new(r), Writer::Stream(w))
            }
        };
        let direct = match &writer {
            Writer::Direct(d) => Some(d.clone()),
            Writer::Stream(_) => None,
        };
        let busy = match (fd, &direct, self.config.busy_poll) {
            (Some(fd), Some(direct), Some(budget)) if role == Role::Client => Some(BusyPoll {
                fd,
                budget,
                expect_answer: expect_answer.clone(),
                direct: direct.clone(),
                wake_writer: wake.clone(),
            }),
            _ => None,
        };
        let conn = self.with(|st| {
            let conn = st.next_conn;
            st.next_conn += 1;
            st.conns
                .insert(conn, ConnHandle { role, wake_writer: wake.clone(), expect_answer, close: close_tx, direct });
            match role {
                Role::Client => st.client.connected(conn),
                Role::Host => st.host.accept(conn),
            }
            if let Some(u) = &url {
                st.url_conns.insert(u.clone(), conn);
            }
            conn
        });
        let (done_tx, done_rx) = oneshot::channel();
        let me = self.clone();
        let mut shutdown = self.shutdown.subscribe();
        tokio::spawn(async move {
            let reason = tokio::select! {
                r = read_loop(&me, conn, role, reader, busy, tcp_fd) => r,
                r = write_loop(&me, conn, role, writer, wake) => r,
                r = wait_close(close_rx) => r,
                _ = shutdown.changed() => CloseReason::Closed,
            };
            me.detach(conn, role, url.as_deref());
            let _ = done_tx.send(reason);
        });
        (conn, done_rx)
    }

    fn detach(self: &Arc<Self>, conn: ConnectionId, role: Role, url: Option<&str>) {
        self.with(|st| {
            st.conns.remove(&conn);
            if let Some(u) = url {
                st.url_conns.remove(u);
            }
            match role {
                Role::Client => st.client.disconnected(conn),
                Role::Host => {
                    st.host.disconnect(conn);
                    if let Some(change) = st.registry.as_mut().and_then(|t| t.disconnected(conn)) {
                        st.apply_registry_change(change);
                    }
                }
            }
        });
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CloseReason {
    Closed,
    ProtocolMismatch,
}

async fn wait_close(mut rx: watch::Receiver<bool>) -> CloseReason {
    while !*rx.borrow() {
        if rx.changed().await.is_err() {
            return CloseReason::Closed;
        }
    }
    CloseReason::Closed
}

/// Reading a socket directly for a short while before parking (see [`NodeConfig::busy_poll`]).
struct BusyPoll {
    fd: std::os::fd::RawFd,
    budget: Duration,
    /// Notified when a request whose answer is awaited went out.
    expect_answer: Arc<Notify>,
    /// The connection's writer: the request must be out before we spin (the connection task
    /// that would otherwise write it is the one spinning).
    direct: Arc<DirectWriter>,
    wake_writer: Arc<Notify>,
}

impl BusyPoll {
    /// Reads into `buf`'s spare room until data comes, the peer closes, or the budget is spent
    /// (`None`). Bypasses the reactor, whose readiness flags a later read corrects by itself.
    fn read(&self, buf: &mut bytes::BytesMut) -> Option<std::io::Result<usize>> {
        let start = Instant::now();
        loop {
            let spare = buf.spare_capacity_mut();
            // SAFETY: recv writes at most `spare.len()` bytes into memory we own, and
            // `set_len` only covers bytes it reported written. The descriptor belongs to the
            // read half this loop owns, so it stays open while we use it.
            let n = unsafe { libc::recv(self.fd, spare.as_mut_ptr().cast(), spare.len(), libc::MSG_DONTWAIT) };
            if n >= 0 {
                unsafe { buf.set_len(buf.len() + n as usize) };
                return Some(Ok(n as usize));
            }
            let error = std::io::Error::last_os_error();
            match error.kind() {
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::Interrupted => {}
                _ => return Some(Err(error)),
            }
            let waited = start.elapsed();
            if waited >= self.budget {
                return None;
            }
            // For the last third, yield rather than spin: the peer we wait for may be queued on
            // this very CPU (the scheduler tends to wake it where it last ran), and must not
            // wait for the rest of our budget (pure spinning: round-trip p99 128-167 µs; with
            // the yield: 85-105 µs, medians unchanged).
            if waited >= self.budget * 2 / 3 {
                std::thread::yield_now();
            } else {
                std::hint::spin_loop();
            }
        }
    }
}

/// A partial frame still missing at least this much is read up to its end and no further (see
/// [`read_loop`]).
const LARGE_FRAME_READ_TO_END: usize = 32 * 1024;

/// Large frames are read in pieces of at least this much (see [`read_loop`]).
const LARGE_FRAME_LOW_WATER: usize = 256 * 1024;

/// Sets an integer socket option, for a descriptor we own; a failure only costs speed.
fn set_int_option(fd: std::os::fd::RawFd, level: libc::c_int, name: libc::c_int, value: libc::c_int, what: &str) {
    // SAFETY: setsockopt reads one c_int from the pointer we pass.
    let r = unsafe {
        libc::setsockopt(
            fd,
            level,
            name,
            (&value as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if r != 0 {
        tracing::debug!(error = %std::io::Error::last_os_error(), "{what} not set");
    }
}

async fn read_loop(
    me: &Arc<Shared>,
    conn: ConnectionId,
    role: Role,
    mut reader: impl AsyncRead + Unpin,
    busy: Option<BusyPoll>,
    tcp_fd: Option<std::os::fd::RawFd>,
) -> CloseReason {
    let mut backlogged = Vec::new();
    // While a large frame arrives over TCP, the socket wakes us only once a good part of it
    // is there: fewer wake-ups, reads and buffer growths, on our side and on the sender's (on
    // loopback the sender's CPU runs our wake-ups).
    let mut low_water = 1;
    // Bytes still to come for a large partial frame (see below).
    let mut large_missing = 0;
    loop {
        // Read into the decoder's own buffer (it holds a partial frame, with room reserved for
        // the rest of it), or a fresh one; either is handed back without copying.
        let mut buf = me.lock().take_read_buffer(conn, role);
        // Room for a 64 KiB read in all: a partial frame left from the last read then moves to
        // the front of the same buffer instead of into a fresh one (a 64 KiB allocation per read).
        let room = (64 * 1024usize).saturating_sub(buf.len()).max(16 * 1024);
        if buf.capacity() - buf.len() < room {
            buf.reserve(room);
        }
        let mut polled = false;
        let read = loop {
            if large_missing > 0 {
                // Read no further than the end of a large frame: the frame then ends its buffer
                // and is handed on whole, instead of the next frame's first bytes having to be
                // copied out of a buffer the frame still shares.
                break reader.read_buf(&mut (&mut buf).limit(large_missing)).await;
            }
            let Some(busy) = &busy else { break reader.read_buf(&mut buf).await };
            tokio::select! {
                biased;
                r = reader.read_buf(&mut buf) => break r,
                // A request went out and its caller waits: its answer usually comes within
                // microseconds, sooner than a parked thread on an idle CPU would wake up.
                _ = busy.expect_answer.notified() => {
                    me.write_now(conn, role, &busy.direct, &busy.wake_writer);
                    let flushed = busy.direct.idle() && me.lock().queued(conn, role) == 0;
                    if let Some(r) = flushed.then(|| busy.read(&mut buf)).flatten() {
                        polled = true;
                        break r;
                    }
                }
            }
        };
        match read {
            Ok(0) | Err(_) => return CloseReason::Closed,
            Ok(_) => {}
        }
        let now = Instant::now();
        let (mismatch, missing, quick_ack) = me.with_backlog(
            |st| {
                let mut quick_ack = false;
                let missing = match role {
                    Role::Client => {
                        // Stock QtRO leaves Nagle's algorithm on: a Qt source holds a small
                        // packet back while its previous one is unacknowledged, and the kernel
                        // delays our ACK (40 ms and more) when we have nothing to send back, so
                        // its stream of property changes and signals stalls. A replica
                        // acknowledges such streams at once (Qt source -> Rust replica over tcp:
                        // +35-50% property changes and signals). Not after an answer it polled
                        // for, nor while answers to its calls are awaited: its next request
                        // carries the ACK, and an ACK of its own costs round trips and pipelined
                        // calls 3-7%. Hosts answer most of what they read.
                        quick_ack = tcp_fd.is_some() && !polled && st.client.calls_in_flight(conn) == 0;
                        // Property changes and signals go straight to their subscribers.
                        let State { client, replicas, staged_replicas, .. } = st;
                        client.receive_with(conn, buf, now, &mut |ev, spare| {
                            stage_stream_event(replicas, staged_replicas, ev, spare)
                        });
                        client.missing(conn)
                    }
                    Role::Host => {
                        st.host.receive_owned(conn, buf);
                        st.host.missing(conn)
                    }
                };
                // Answers to what was just read (Init for AddObject, Pong, replies of the
                // registry) go out in one write at the end of the read.
                st.write_now.push(conn);
                (st.protocol_mismatch.remove(&conn), missing, quick_ack)
            },
            &mut backlogged,
        );
        if mismatch {
            return CloseReason::ProtocolMismatch;
        }
        large_missing = if missing >= LARGE_FRAME_READ_TO_END { missing } else { 0 };
        if let Some(fd) = tcp_fd {
            let want = if missing > LARGE_FRAME_LOW_WATER { missing.min(4 * LARGE_FRAME_LOW_WATER) } else { 1 };
            if want != low_water {
                set_int_option(
                    fd,
                    libc::SOL_SOCKET,
                    libc::SO_RCVLOWAT,
                    want.min(i32::MAX as usize) as libc::c_int,
                    "SO_RCVLOWAT",
                );
                low_water = want;
            }
            if quick_ack {
                // Acknowledges what arrived at once, until the kernel's heuristics return to
                // delayed ACKs: hence after every read.
                set_int_option(fd, libc::IPPROTO_TCP, libc::TCP_QUICKACK, 1, "TCP_QUICKACK");
            }
        }
        // An application that falls behind its events slows this peer down (as a slow slot does
        // in Qt) instead of queueing without bound. The peer is not at fault meanwhile, so its
        // heartbeat is kept alive.
        let low = me.config.event_backlog / 2;
        for b in backlogged.drain(..) {
            let keepalive = me.config.heartbeat.map_or(Duration::from_secs(1), |h| h / 2);
            while tokio::time::timeout(keepalive, b.wait_below(low)).await.is_err() {
                if role == Role::Client {
                    me.with(|st| st.client.keepalive(conn, Instant::now()));
                }
            }
        }
    }
}

/// The writing side of a connection.
enum Writer {
    Direct(Arc<DirectWriter>),
    Stream(tokio::io::WriteHalf<BoxStream>),
}

async fn write_loop(
    me: &Arc<Shared>,
    conn: ConnectionId,
    role: Role,
    writer: Writer,
    wake: Arc<Notify>,
) -> CloseReason {
    match writer {
        Writer::Direct(direct) => loop {
            wake.notified().await;
            // While a producer is still adding output, let it: fewer, larger writes (each TCP
            // send costs a few microseconds) for streams of changes. Request/response traffic is
            // written at once by its own thread, not here.
            let mut queued = me.lock().queued(conn, role);
            for _ in 0..8 {
                tokio::task::yield_now().await;
                let now = me.lock().queued(conn, role);
                if now == queued || now >= EAGER_WRITE_BYTES {
                    break;
                }
                queued = now;
            }
            // While an immediate writer is busy it wakes us again when it is done.
            let Some(mut pending) = direct.claim_task() else { continue };
            let mut result = Ok(());
            let mut spent = None;
            loop {
                let mut bytes = match pending.take() {
                    Some(b) => b,
                    None => match me.lock().take_output(conn, role, spent.take()) {
                        Some(b) => b,
                        None => break,
                    },
                };
                result = direct.write_all(&mut bytes).await;
                if result.is_err() {
                    break;
                }
                spent = Some(bytes);
                me.progress.notify_waiters();
            }
            direct.release(None);
            if result.is_err() {
                return CloseReason::Closed;
            }
        },
        Writer::Stream(mut writer) => loop {
            wake.notified().await;
            loop {
                let Some(bytes) = me.lock().take_output(conn, role, None) else { break };
                if writer.write_all(&bytes).await.is_err() {
                    return CloseReason::Closed;
                }
                me.progress.notify_waiters();
            }
            if writer.flush().await.is_err() {
                return CloseReason::Closed;
            }
        },
    }
}

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

impl State {
    fn take_read_buffer(&mut self, conn: ConnectionId, role: Role) -> bytes::BytesMut {
        match role {
            Role::Client => self.client.take_read_buffer(conn),
            Role::Host => self.host.take_read_buffer(conn),
        }
    }

    /// The output queued for `conn`, after handing back the buffer of the previous write
    /// (`spent`) for the next output to reuse. A writer always asks once more before it stops,
    /// so every fully written buffer comes back this way.
    fn take_output(&mut self, conn: ConnectionId, role: Role, spent: Option<bytes::Bytes>) -> Option<bytes::Bytes> {
        match (role, spent) {
            (Role::Client, Some(b)) => self.client.recycle_output(conn, b),
            (Role::Host, Some(b)) => self.host.recycle_output(conn, b),
            (_, None) => {}
        }
        match role {
            Role::Client => self.client.take_output(conn),
            Role::Host => self.host.take_output(conn),
        }
    }

    fn queued(&self, conn: ConnectionId, role: Role) -> usize {
        match role {
            Role::Client => self.client.queued(conn),
            Role::Host => self.host.queued(conn),
        }
    }

    /// Routes core events to subscribers and decides the I/O to perform.
    fn route(&mut self, config: &NodeConfig, backlogged: &mut Vec<Backlog>) -> Vec<Action> {
        let (max_queued, event_backlog, concurrent_slots) =
            (config.max_queued_bytes, config.event_backlog, config.concurrent_slots);
        let mut actions = Vec::new();
        while let Some(ev) = self.client.poll_event() {
            self.route_client(ev, &mut actions);
        }
        while let Some(ev) = self.host.poll_event() {
            self.route_host(ev, &mut actions, concurrent_slots, event_backlog, backlogged);
        }
        for name in std::mem::take(&mut self.staged_replicas) {
            if let Some(r) = self.replicas.get_mut(&*name) {
                r.subscribers.flush(event_backlog, backlogged);
            }
        }
        for name in std::mem::take(&mut self.staged_sources) {
            if let Some(r) = self.sources.get_mut(&name) {
                r.subscribers.flush(event_backlog, backlogged);
            }
        }
        // Only connections that got output need their writer woken (and a size check).
        let mut dirty = self.client.take_dirty();
        dirty.extend(self.host.take_dirty());
        let write_now = std::mem::take(&mut self.write_now);
        let all_now = std::mem::take(&mut self.write_all_now);
        for conn in dirty {
            let Some(handle) = self.conns.get(&conn) else { continue };
            let queued = self.queued(conn, handle.role);
            if queued > max_queued {
                // A peer that does not read cannot be allowed to grow our memory without bound;
                // it will reconnect and get fresh values.
                tracing::warn!(conn, queued, "peer is not reading; closing the connection");
                actions.push(Action::Close(conn));
            } else if queued > 0 {
                match &handle.direct {
                    // Large output is written by the thread that produced it as far as the socket
                    // takes it (one syscall per large value, no hand-over to the connection task).
                    Some(d) if all_now || write_now.contains(&conn) || queued >= EAGER_WRITE_BYTES => {
                        actions.push(Action::WriteNow(conn, handle.role, d.clone(), handle.wake_writer.clone()))
                    }
                    _ => actions.push(Action::Wake(handle.wake_writer.clone())),
                }
            }
        }
        // After the writes: the read loops of connections now awaiting an answer poll for it.
        for conn in std::mem::take(&mut self.awaiting_answer) {
            if let Some(handle) = self.conns.get(&conn) {
                actions.push(Action::Wake(handle.expect_answer.clone()));
            }
        }
        actions
    }

    fn route_client(&mut self, ev: ClientEvent, actions: &mut Vec<Action>) {
        match ev {
            ClientEvent::StateChanged { replica, old, new } => {
                if let Some(r) = self.replicas.get_mut(&*replica) {
                    if let Some(s) = &r.state {
                        s.send_replace(new);
                    }
                }
                self.stage_replica_event(replica, ReplicaEvent::StateChanged { old, new });
            }
            ClientEvent::Initialized { replica } => {
                if let Some(r) = self.replicas.get_mut(&*replica) {
                    // A dynamic replica may have learned a new interface.
                    r.names = None;
                }
                self.stage_replica_event(replica, ReplicaEvent::Initialized);
            }
            ev @ (ClientEvent::PropertyChanged { .. } | ClientEvent::Signal { .. }) => {
                self.stage_queued_stream_event(ev)
            }
            ClientEvent::Reply { replica, serial_id, value } => {
                if let Some(tx) = self.replicas.get_mut(&*replica).and_then(|r| r.pending.remove(&serial_id)) {
                    let _ = tx.send(Ok(value));
                }
            }
            ClientEvent::CallFailed { replica, serial_id, error } => {
                if let Some(tx) = self.replicas.get_mut(&*replica).and_then(|r| r.pending.remove(&serial_id)) {
                    let _ = tx.send(Err(error));
                }
            }
            ClientEvent::ConnectTo { url } => actions.push(Action::Connect(url)),
            ClientEvent::RegistryChanged { .. } => {}
            ClientEvent::HeartbeatFailed { conn } => actions.push(Action::Close(conn)),
            ClientEvent::ProtocolError { conn, error } => {
                self.last_protocol_error = Some(error.to_string());
                actions.push(Action::Close(conn));
            }
            ClientEvent::ProtocolMismatch { conn, version } => {
                tracing::error!(conn, version, "host speaks another protocol version; not reconnecting");
                self.protocol_mismatch.insert(conn);
                actions.push(Action::Close(conn));
            }
        }
    }

    /// Counts one more handle on `name`'s route and subscribes to its state, which is set to
    /// `current` (the core's state right now).
    pub(crate) fn replica_handle(&mut self, name: &str, current: ReplicaState) -> watch::Receiver<ReplicaState> {
        let route = self.replicas.entry(name.into()).or_default();
        route.handles += 1;
        let state = route.state.get_or_insert_with(|| watch::channel(current).0);
        state.send_if_modified(|s| std::mem::replace(s, current) != current);
        state.subscribe()
    }

    /// Sends a call of `replica`'s method (by index, or by name/signature) with its arguments
    /// converted to the declared types; for methods with a return value, the receiver of the
    /// reply. One lock and no signature parsing per call: the method table is cached per
    /// definition.
    pub(crate) fn start_call(
        &mut self,
        replica: &str,
        method: MethodRef<'_>,
        args: Vec<Value>,
        now: Instant,
    ) -> Result<Option<oneshot::Receiver<Result<Value, CallError>>>, super::NodeError> {
        let def = self
            .client
            .replica(replica)
            .ok_or_else(|| CallError::UnknownReplica(replica.into()))?
            .definition
            .as_ref()
            .ok_or_else(|| CallError::NotConnected(replica.into()))?;
        if !self.replicas.contains_key(replica) {
            self.replicas.insert(replica.into(), ReplicaRoute::default());
        }
        let route = self.replicas.get_mut(replica).expect("present");
        let names = route.names.get_or_insert_with(|| MemberNames::of(def));
        let index = match method {
            MethodRef::Index(i) if i < names.methods.len() => i,
            MethodRef::Index(index) => {
                return Err(CallError::BadIndex { name: replica.into(), what: "method", index }.into())
            }
            MethodRef::Name(slot) => names.find_method(def, slot, args.len()).ok_or_else(|| {
                super::NodeError::UnknownMember { object: replica.into(), what: "slot", name: slot.into() }
            })?,
        };
        // A Qt host hands each argument's storage to the slot as the declared type: every
        // argument is converted to it, or the call is refused before anything is sent.
        let lookup =
            crate::core::convert::ClassTypes { types: self.client.types(), enums: &def.enums, to_replicas: false };
        let types = names.method_params[index].iter().map(String::as_str);
        let args = crate::core::convert_args(args.into(), types, &def.methods[index].parameter_names, &lookup)
            .map_err(|error| super::NodeError::Arguments {
                object: replica.into(),
                method: def.methods[index].signature.clone(),
                error: Box::new(error),
            })?
            .into_owned();
        let wants_reply = names.method_replies[index];
        let serial = self.client.call(replica, index, args, wants_reply, now)?;
        Ok(serial.map(|s| {
            let (tx, rx) = oneshot::channel();
            if let Some(route) = self.replicas.get_mut(replica) {
                // A lone call waits for its answer: send it now, not via the connection task,
                // and poll for the answer. Calls made while others are in flight batch instead,
                // and find answers streaming in anyway.
                if let Some(conn) = self.client.replica(replica).and_then(|r| r.conn) {
                    if route.pending.is_empty() {
                        self.write_now.push(conn);
                        self.awaiting_answer.push(conn);
                    }
                }
                route.pending.insert(s, tx);
            }
            rx
        }))
    }

    /// Stages an event for the subscribers of `replica` (flushed when routing ends).
    fn stage_replica_event(&mut self, replica: Arc<str>, event: ReplicaEvent) {
        if let Some(r) = self.replicas.get_mut(&*replica) {
            if r.subscribers.stage(event, EventFilter::STATE).0 {
                self.staged_replicas.push(replica);
            }
        }
    }

    fn stage_source_event(&mut self, source: &str, event: SourceEvent) {
        if let Some(r) = self.sources.get_mut(source) {
            if r.subscribers.stage(event, EventFilter::ALL).0 {
                self.staged_sources.push(source.to_owned());
            }
        }
    }

    /// Stages a property change or signal that the core queued: the first after an
    /// initialization (member names not made yet), or one nobody wants (the core is told to
    /// stop building those).
    fn stage_queued_stream_event(&mut self, ev: ClientEvent) {
        let (ClientEvent::PropertyChanged { replica, .. } | ClientEvent::Signal { replica, .. }) = &ev else { return };
        let replica = replica.clone();
        if let Some(route) = self.replicas.get_mut(&*replica).filter(|r| r.names.is_none()) {
            if let Some(def) = self.client.replica(&replica).and_then(|r| r.definition.as_ref()) {
                route.names = Some(MemberNames::of(def));
            }
        }
        if stage_stream_event(&mut self.replicas, &mut self.staged_replicas, ev, &mut Vec::new()).is_some() {
            self.sync_interest(&replica);
        }
    }

    /// Tells the client core which events of `replica` its subscribers want (see
    /// [`EventInterest`]); call after subscribing. Kinds nobody wants are muted lazily, when
    /// the first unwanted event arrives.
    pub(crate) fn sync_interest(&mut self, replica: &str) {
        let wanted = self.replicas.get(replica).map_or(0, |r| r.subscribers.wanted);
        let has = |f: EventFilter| wanted & f.bits() != 0;
        let interest = EventInterest {
            property_changes: has(EventFilter::PROPERTIES),
            signals: has(EventFilter::SIGNALS),
            notify_signals: has(EventFilter::NOTIFY_SIGNALS),
        };
        self.client.set_event_interest(replica, interest);
    }

    /// The member names of a hosted source's class.
    fn source_names(&mut self, source: &str) -> Option<&MemberNames> {
        let route = self.sources.get_mut(source)?;
        if route.names.is_none() {
            route.names = Some(MemberNames::of(&self.host.class(source)?.definition));
        }
        route.names.as_ref()
    }

    fn route_host(
        &mut self,
        ev: HostEvent,
        actions: &mut Vec<Action>,
        concurrent_slots: bool,
        backlog: usize,
        backlogged: &mut Vec<Backlog>,
    ) {
        match ev {
            HostEvent::Invoked { conn, source, slot, method, args, serial_id } => {
                if source == registry::NAME && self.registry.is_some() {
                    let change = self.registry.as_mut().and_then(|t| t.invoked(conn, method, &args));
                    if let Some(change) = change {
                        self.apply_registry_change(change);
                    }
                    if let Some(serial) = serial_id {
                        let _ = self.host.reply(conn, &source, serial, Value::Invalid);
                    }
                    return;
                }
                let Some((name, return_type)) = self
                    .source_names(&source)
                    .map(|n| (MemberNames::get(&n.methods, method), MemberNames::get(&n.method_returns, method)))
                else {
                    return;
                };
                let Some(route) = self.sources.get_mut(&source) else { return };
                match route.handler.clone() {
                    Some(handler) => {
                        let job = SlotJob {
                            handler,
                            call: SlotCall { source, slot, name, args },
                            conn,
                            serial: serial_id,
                            return_type,
                        };
                        if concurrent_slots {
                            actions.push(Action::Slot(job));
                        } else {
                            // Calls of one source run one at a time in arrival order, as on Qt's
                            // single-threaded host; the runner task starts with the first call.
                            let queue = route.slot_queue.get_or_insert_with(|| {
                                let (tx, rx) = super::events::channel();
                                actions.push(Action::SlotRunner(rx));
                                tx
                            });
                            queue.push(job);
                            if queue.flush() > backlog {
                                backlogged.push(queue.backlog());
                            }
                        }
                    }
                    None => {
                        if let Some(serial) = serial_id {
                            let _ = self.host.reply(conn, &source, serial, Value::Invalid);
                        }
                    }
                }
            }
            HostEvent::PropertyWritten { source, property, value, .. } => {
                let Some(name) = self.source_names(&source).map(|n| MemberNames::get(&n.properties, property)) else {
                    return;
                };
                self.stage_source_event(&source, SourceEvent::PropertyWritten { index: property, name, value });
            }
            HostEvent::Acquired { conn, source, dynamic } => {
                self.stage_source_event(&source, SourceEvent::Acquired { conn, dynamic })
            }
            HostEvent::Released { conn, source } => self.stage_source_event(&source, SourceEvent::Released { conn }),
            HostEvent::Rejected { .. } => {}
            HostEvent::ProtocolError { conn, .. } => actions.push(Action::Close(conn)),
        }
    }

    /// Broadcasts a registry table change and refreshes the `sourceLocations` property.
    pub(crate) fn apply_registry_change(&mut self, change: RegistryChange) {
        let dialect = self.host.dialect();
        let signal = match &change {
            RegistryChange::Added(loc) => Some((registry::SIGNAL_ADDED, loc.clone())),
            RegistryChange::Removed(loc) => Some((registry::SIGNAL_REMOVED, loc.clone())),
            RegistryChange::Dropped(_) => None,
        };
        if let Some(table) = &self.registry {
            let value = registry::table_value(dialect, table.locations());
            let _ = self.host.set_property(registry::NAME, 0, value);
        }
        if let Some((index, loc)) = signal {
            let _ = self.host.emit_signal(registry::NAME, index, &[registry::location_value(dialect, &loc)]);
        }
    }

    /// Registers a local source with the registry (our own table if we are the registry host).
    pub(crate) fn register(&mut self, loc: Location) {
        if self.registry.is_some() {
            let arg = registry::location_value(self.host.dialect(), &loc);
            if let Some(change) =
                self.registry.as_mut().and_then(|t| t.invoked(LOCAL, registry::METHOD_ADD_SOURCE, &[arg]))
            {
                self.apply_registry_change(change);
            }
        } else if self.registry_url.is_some() {
            self.client.register_source(loc, Instant::now());
        }
    }

    pub(crate) fn unregister(&mut self, loc: Location) {
        if self.registry.is_some() {
            let arg = registry::location_value(self.host.dialect(), &loc);
            if let Some(change) =
                self.registry.as_mut().and_then(|t| t.invoked(LOCAL, registry::METHOD_REMOVE_SOURCE, &[arg]))
            {
                self.apply_registry_change(change);
            }
        } else if self.registry_url.is_some() {
            self.client.unregister_source(&loc.name, Instant::now());
        }
    }
}

/// How long to wait between reconnect attempts (Qt uses a fixed 250 ms).
pub(crate) const DEFAULT_RETRY_INTERVAL: Duration = Duration::from_millis(250);
