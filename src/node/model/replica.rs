//! [`ModelReplica`]: a replica of a remote item model, cached by a
//! [`ModelCache`] that is fed in wire order.
//!
//! The replica is an ordinary static replica of the model adapter's class (no signature, as
//! Qt's `acquireModel`). An observer applies its events to the cache on the thread that receives
//! them, in wire order: signals, and the replies to the cache's own requests, which are sent
//! with [`Replica::call_tagged`] so they come back in the same ordered stream
//! ([`EventFilter::REPLIES`]). A small task sends what the cache asks for. Reads take the cache's
//! mutex briefly and never wait for the network; a miss asks for the data, and a
//! [`ModelEvent::DataChanged`] follows its arrival.
//!
//! Lock order: the node's lock, then the cache's mutex (the observer runs under the node's
//! lock); nothing here calls the node while holding the cache's mutex.

use std::collections::VecDeque;
use std::ops::Range;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::{watch, Notify};
use tokio::time::Instant;

use crate::core::model::types::{ints_from_value, role_names_from_value};
use crate::core::model::{
    adapter_class, AdapterRequest, Announce, Applied, ItemFlags, Lookup, ModelCache, ModelCacheOptions, ModelError,
    ModelEvent, ModelIndex, ModelSignal, Orientation, Ticket,
};
use crate::core::{CallError, Dialect, ReplicaState, Value};
use crate::node::delivery::{self, EventReceiver, EventSender};
use crate::node::{EventFilter, Node, NodeError, Observation, Replica, ReplicaEvent};

/// How a [`ModelReplica`] fetches and how much it caches (the core's [`ModelCacheOptions`]).
pub type ModelReplicaOptions = ModelCacheOptions;

/// Tags of tagged calls: the model's id in the high bits, the cache's ticket in the low ones.
const TICKET_BITS: u32 = 40;
const TICKET_MASK: u64 = (1 << TICKET_BITS) - 1;

static NEXT_MODEL_ID: AtomicU64 = AtomicU64::new(1);
static NEXT_FETCH_KEY: AtomicU64 = AtomicU64::new(1);

/// What the observer, the fetcher and the handles share.
struct Inner {
    id: u64,
    name: String,
    dialect: Dialect,
    cache: Mutex<ModelCache>,
    subscribers: Mutex<Vec<EventSender<ModelEvent>>>,
    /// Wakes the fetcher: the cache may have requests to send.
    wake: Notify,
    /// Requests the observer took from the cache, for the fetcher to send (filled and
    /// drained under the cache's mutex, so they go out in ticket order).
    outbox: Mutex<Vec<(Ticket, AdapterRequest)>>,
    /// Bumped after every input applied (for waiting on the cache).
    changed: watch::Sender<u64>,
    /// The replica was (re)initialized: the fetcher reads the adapter's properties and
    /// initializes the cache with them.
    init_due: AtomicBool,
    /// Manual mode: the replica's events wait here for [`ModelFeed::process`].
    feed: Option<Mutex<FeedQueue>>,
}

/// The events a [`ModelFeed`] has not processed yet.
#[derive(Default)]
struct FeedQueue {
    events: VecDeque<ReplicaEvent>,
    notify: Option<Arc<dyn Fn() + Send + Sync>>,
}

/// Events a manual feed holds at most; past that it starts over (as after a reconnection).
const FEED_MAX: usize = 100_000;

impl Inner {
    fn cache(&self) -> MutexGuard<'_, ModelCache> {
        self.cache.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Hands `applied`'s events to every subscriber and tells waiters the cache changed, and
    /// wakes the fetcher.
    fn deliver(&self, applied: Applied) {
        self.publish(applied);
        self.wake.notify_one();
    }

    /// [`Inner::deliver`] without waking the fetcher.
    fn publish(&self, applied: Applied) {
        if !applied.is_empty() {
            let mut subs = self.subscribers.lock().unwrap_or_else(|e| e.into_inner());
            if !subs.is_empty() {
                // Each change once: `before` is the announcement of the same event (for
                // manual-mode adapters), not a second change.
                let events: Vec<ModelEvent> = applied.after;
                for s in subs.iter_mut() {
                    for e in &events {
                        s.push(e.clone());
                    }
                    s.flush();
                }
                subs.retain(|s| s.is_open());
            }
        }
        // Only waiters (wait_initialized, fetch) read it, and they look at the cache first.
        if self.changed.receiver_count() > 0 {
            self.changed.send_modify(|n| *n = n.wrapping_add(1));
        }
    }

    /// Whether `ev` concerns the cache.
    fn wants(&self, ev: &ReplicaEvent) -> bool {
        match ev {
            ReplicaEvent::Reply { tag, .. } => tag >> TICKET_BITS == self.id,
            ReplicaEvent::PropertyChanged { index, .. } => *index == 0,
            _ => true,
        }
    }

    /// Applies one event of the replica (wire order; runs under the node's lock). In manual
    /// mode the event is queued for [`ModelFeed::process`] instead.
    fn observe(&self, ev: &ReplicaEvent) {
        if !self.wants(ev) {
            return;
        }
        if let Some(feed) = &self.feed {
            let notify = {
                let mut q = feed.lock().unwrap_or_else(|e| e.into_inner());
                if q.events.len() >= FEED_MAX {
                    // Too far behind: start over from what the replica holds now.
                    tracing::warn!(model = %self.name, "model feed not processed: starting over");
                    q.events.clear();
                    q.events.push_back(ReplicaEvent::Initialized);
                } else {
                    q.events.push_back(ev.clone());
                }
                q.notify.clone()
            };
            if let Some(n) = notify {
                n();
            }
            return;
        }
        let init = matches!(ev, ReplicaEvent::Initialized);
        if init {
            self.init_due.store(true, Ordering::Release);
        }
        // The cache plans its requests here, and the fetcher is woken only when there is
        // something to send: most events (a dataChanged of a row being fetched, a reply) ask
        // for nothing, and waking another thread for each cost more than applying them.
        let (applied, send) = {
            let mut cache = self.cache();
            let applied = self.apply(&mut cache, ev, &mut |_, _| {});
            let requests = cache.take_requests();
            let send = !requests.is_empty();
            if send {
                self.outbox.lock().unwrap_or_else(|e| e.into_inner()).extend(requests);
            }
            (applied, send)
        };
        self.publish(applied);
        if send || init {
            self.wake.notify_one();
        }
    }

    /// Applies `ev` to `cache` (the adapter's properties are read by the caller on
    /// initialization), announcing each change before it is made.
    fn apply(&self, cache: &mut ModelCache, ev: &ReplicaEvent, announce: Announce<'_>) -> Applied {
        match ev {
            ReplicaEvent::StateChanged { new, .. } => cache.on_state(*new),
            ReplicaEvent::Initialized => cache.on_reinitializing_with(announce),
            ReplicaEvent::PropertyChanged { index: 0, value, .. } => roles_changed(cache, value, announce),
            ReplicaEvent::Signal { index: 0, args, .. } => match args.first() {
                Some(v) => roles_changed(cache, v, announce),
                None => Applied::default(),
            },
            ReplicaEvent::Signal { index, args, .. } => match ModelSignal::from_signal(*index, args) {
                Ok(signal) => cache.on_signal_with(signal, announce),
                Err(e) => {
                    tracing::warn!(model = %self.name, error = %e, "model replica: malformed signal");
                    Applied { before: None, after: vec![ModelEvent::Error(e)] }
                }
            },
            ReplicaEvent::Reply { tag, result } if tag >> TICKET_BITS == self.id => {
                cache.on_reply_ref_with(tag & TICKET_MASK, result.as_ref(), announce)
            }
            _ => Applied::default(),
        }
    }
}

/// Reads the adapter's roles and role names from the replica and initializes `cache` with them.
fn initialize(replica: &Replica, cache: &Mutex<ModelCache>, announce: Announce<'_>) -> Applied {
    let roles = replica.property("availableRoles").map(|v| ints_from_value(&v, "availableRoles"));
    let names = replica.property("roleNames").map(|v| role_names_from_value(&v));
    let mut cache = cache.lock().unwrap_or_else(|e| e.into_inner());
    match (roles, names) {
        (Some(Ok(roles)), Some(Ok(names))) => cache.on_initialized_with(roles, names, announce),
        (Some(Err(e)), _) | (_, Some(Err(e))) => Applied { before: None, after: vec![ModelEvent::Error(e)] },
        _ => Applied::default(),
    }
}

/// Applies a new `availableRoles` value, when it differs from the known one.
fn roles_changed(cache: &mut ModelCache, value: &Value, announce: Announce<'_>) -> Applied {
    match ints_from_value(value, "availableRoles") {
        Ok(roles) if roles != cache.available_roles() && cache.is_initialized() => {
            cache.on_roles_changed_with(roles, announce)
        }
        _ => Applied::default(),
    }
}

/// Sends what the cache asks for, until the handle is dropped.
async fn fetcher(inner: Arc<Inner>, replica: Replica) {
    loop {
        if inner.init_due.swap(false, Ordering::AcqRel) {
            let applied = initialize(&replica, &inner.cache, &mut |_, _| {});
            inner.deliver(applied);
        }
        let requests = {
            let mut cache = inner.cache();
            let mut requests = std::mem::take(&mut *inner.outbox.lock().unwrap_or_else(|e| e.into_inner()));
            requests.extend(cache.take_requests());
            requests
        };
        if requests.is_empty() {
            inner.wake.notified().await;
            continue;
        }
        for (ticket, req) in requests {
            let tag = (inner.id << TICKET_BITS) | (ticket & TICKET_MASK);
            if let Err(e) = replica.call_tagged(req.method(), req.to_args(inner.dialect), tag) {
                tracing::debug!(model = %inner.name, error = %e, "model request not sent");
                if req.wants_reply() {
                    let applied = inner.cache().on_reply(ticket, Err(CallError::NotConnected(inner.name.clone())));
                    inner.deliver(applied);
                }
            }
        }
    }
}

struct Handle {
    inner: Arc<Inner>,
    replica: Replica,
    _observation: Observation,
    fetcher: tokio::task::JoinHandle<()>,
    /// What a MODEL child keeps alive with it (its parent replica, the parent's observation).
    links: Mutex<Vec<Box<dyn std::any::Any + Send + Sync>>>,
}

impl Drop for Handle {
    fn drop(&mut self) {
        self.fetcher.abort();
    }
}

/// A replica of a remote item model (Qt's `QAbstractItemModelReplica`), from
/// [`Node::acquire_model`]. Cheap to clone; released when the last clone goes.
///
/// Reads (`row_count`, `data`, ...) answer from the cache at once; what is not cached yet is
/// `None` or [`Lookup::Pending`] and is fetched, a [`ModelEvent`] telling when it arrived.
#[derive(Clone)]
pub struct ModelReplica {
    h: Arc<Handle>,
}

impl Node {
    /// Acquires the item model `name` (a model a Qt host shares with
    /// `enableRemoting(model, name, roles)`), as Qt's `acquireModel` does: a static replica of
    /// the model adapter. It starts fetching as `options` say once the host answers, again after
    /// every reconnection (each time a [`ModelEvent::Reset`] drops what was cached).
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime (it runs a task that sends the cache's requests).
    pub fn acquire_model(&self, name: &str, options: ModelReplicaOptions) -> ModelReplica {
        self.acquire_model_inner(name, options, false).0
    }

    /// Like [`Node::acquire_model`], in **manual** mode: the replica's events wait in the
    /// returned [`ModelFeed`] until its owner processes them on its own thread, where a
    /// `QAbstractItemModel` adapter can call its `begin…`/`end…` pairs around each change of the
    /// cache. Reads through the [`ModelReplica`] show the cache as processed so far; requests
    /// are still sent by the node.
    pub fn acquire_model_manual(&self, name: &str, options: ModelReplicaOptions) -> (ModelReplica, ModelFeed) {
        let (m, feed) = self.acquire_model_inner(name, options, true);
        (m, feed.expect("manual"))
    }

    fn acquire_model_inner(
        &self,
        name: &str,
        options: ModelReplicaOptions,
        manual: bool,
    ) -> (ModelReplica, Option<ModelFeed>) {
        let dialect = self.config().dialect;
        let replica = self.acquire(name, adapter_class(dialect));
        ModelReplica::attach(replica, dialect, options, manual)
    }
}

impl ModelReplica {
    /// A model replica on `replica`, a replica of the model adapter (acquired, or a MODEL child).
    pub(super) fn attach(
        replica: Replica,
        dialect: Dialect,
        options: ModelReplicaOptions,
        manual: bool,
    ) -> (ModelReplica, Option<ModelFeed>) {
        let name = replica.name().to_owned();
        let inner = Arc::new(Inner {
            id: NEXT_MODEL_ID.fetch_add(1, Ordering::Relaxed) & ((1 << (64 - TICKET_BITS)) - 1),
            name,
            dialect,
            cache: Mutex::new(ModelCache::new(options)),
            subscribers: Mutex::new(Vec::new()),
            wake: Notify::new(),
            outbox: Mutex::new(Vec::new()),
            changed: watch::channel(0).0,
            init_due: AtomicBool::new(false),
            feed: manual.then(|| Mutex::new(FeedQueue::default())),
        });
        let observer = inner.clone();
        let observation = replica.observe(EventFilter::ALL | EventFilter::REPLIES, move |ev| observer.observe(ev));
        // Initialized before the observer was registered: start from the values now.
        if replica.state() == ReplicaState::Valid {
            match &inner.feed {
                Some(feed) => {
                    feed.lock().unwrap_or_else(|e| e.into_inner()).events.push_back(ReplicaEvent::Initialized)
                }
                None => inner.init_due.store(true, Ordering::Release),
            }
        }
        let fetcher = tokio::spawn(fetcher(inner.clone(), replica.clone()));
        inner.wake.notify_one();
        let links = Mutex::new(Vec::new());
        let m = ModelReplica { h: Arc::new(Handle { inner, replica, _observation: observation, fetcher, links }) };
        let feed = manual.then(|| ModelFeed { m: m.clone() });
        (m, feed)
    }

    /// Keeps `keep` alive as long as the model replica.
    pub(super) fn link(&self, keep: Box<dyn std::any::Any + Send + Sync>) {
        self.h.links.lock().unwrap_or_else(|e| e.into_inner()).push(keep);
    }

    fn inner(&self) -> &Inner {
        &self.h.inner
    }

    /// Runs `f` on the cache, then lets the fetcher send what `f` queued.
    fn with_cache<R>(&self, f: impl FnOnce(&mut ModelCache) -> R) -> R {
        let r = f(&mut self.inner().cache());
        self.inner().wake.notify_one();
        r
    }

    /// The name of the model.
    pub fn name(&self) -> &str {
        &self.inner().name
    }

    /// The underlying replica of the model adapter.
    pub fn replica(&self) -> &Replica {
        &self.h.replica
    }

    /// The replica's state (Valid once connected and initialized, Suspect while the connection
    /// is lost).
    pub fn state(&self) -> ReplicaState {
        self.h.replica.state()
    }

    /// Whether the initial fetch after the last (re)initialization or reset has arrived.
    pub fn is_initialized(&self) -> bool {
        self.inner().cache().is_initialized()
    }

    /// Waits until the initial fetch has arrived (roles, role names and the root's size known).
    pub async fn wait_initialized(&self, timeout: Duration) -> Result<(), NodeError> {
        let deadline = Instant::now() + timeout;
        self.wait_until(deadline, timeout, |c| c.is_initialized().then_some(())).await
    }

    /// Waits until `check` gives a value (checked after every change of the cache).
    async fn wait_until<R>(
        &self,
        deadline: Instant,
        timeout: Duration,
        mut check: impl FnMut(&mut ModelCache) -> Option<R>,
    ) -> Result<R, NodeError> {
        let mut rx = self.inner().changed.subscribe();
        loop {
            rx.borrow_and_update();
            if let Some(r) = self.with_cache(&mut check) {
                return Ok(r);
            }
            match tokio::time::timeout_at(deadline, rx.changed()).await {
                Ok(Ok(())) => {}
                Ok(Err(_)) => return Err(NodeError::Shutdown),
                Err(_) => {
                    return Err(NodeError::Timeout { name: self.name().to_owned(), timeout, state: self.state() })
                }
            }
        }
    }

    /// The roles the host exposes.
    pub fn available_roles(&self) -> Vec<i32> {
        self.inner().cache().available_roles().to_vec()
    }

    /// The host's role names.
    pub fn role_names(&self) -> Vec<(i32, Bytes)> {
        self.inner().cache().role_names().to_vec()
    }

    /// The rows under `parent` (`&[]`: the root); `None` while unknown (then asked for).
    pub fn row_count(&self, parent: &[ModelIndex]) -> Option<i32> {
        self.with_cache(|c| c.row_count(parent))
    }

    /// The columns under `parent`; `None` while unknown (then asked for).
    pub fn column_count(&self, parent: &[ModelIndex]) -> Option<i32> {
        self.with_cache(|c| c.column_count(parent))
    }

    /// Whether the item at `index` has children; `None` while unknown (then fetched).
    pub fn has_children(&self, index: &[ModelIndex]) -> Option<bool> {
        self.with_cache(|c| c.has_children(index))
    }

    /// The flags of the item at `index`; `None` while unknown (then fetched) or no such item.
    pub fn flags(&self, index: &[ModelIndex]) -> Option<ItemFlags> {
        self.with_cache(|c| c.flags(index))
    }

    /// The value of `role` at `index`; a miss fetches the whole row.
    pub fn data(&self, index: &[ModelIndex], role: i32) -> Lookup {
        self.with_cache(|c| c.data(index, role))
    }

    /// A header value; a miss asks for it.
    pub fn header_data(&self, orientation: Orientation, section: i32, role: i32) -> Lookup {
        self.with_cache(|c| c.header_data(orientation, section, role))
    }

    /// Keeps rows `rows` of `parent` cached (plus the prefetch), fetching what is missing; one
    /// window per parent, an empty range removes it.
    pub fn set_window(&self, parent: &[ModelIndex], rows: Range<i32>) {
        self.with_cache(|c| c.set_window(parent, rows));
    }

    /// Fetches rows `rows` of `parent` (clipped to its row count) and waits until they are all
    /// cached with every role — for dumps and tests: rows past the cache's size may be evicted
    /// again once fetched.
    pub async fn fetch(&self, parent: &[ModelIndex], rows: Range<i32>, timeout: Duration) -> Result<(), NodeError> {
        let deadline = Instant::now() + timeout;
        let key = NEXT_FETCH_KEY.fetch_add(1, Ordering::Relaxed);
        let chunk = (self.inner().cache().options().cache_rows / 2).max(1) as i32;
        let mut start = rows.start.max(0);
        let outcome = async {
            loop {
                let n = self.wait_until(deadline, timeout, |c| c.row_count(parent)).await?;
                let end = rows.end.min(n);
                if start >= end {
                    return Ok(());
                }
                let stop = end.min(start.saturating_add(chunk));
                let window = start..stop;
                self.with_cache(|c| c.set_window_keyed(key, parent, window.clone()));
                self.wait_until(deadline, timeout, |c| match c.is_complete(parent, window.clone()) {
                    Some(true) => Some(()),
                    Some(false) => {
                        // Looked at again: a fetch that failed is retried.
                        c.set_window_keyed(key, parent, window.clone());
                        None
                    }
                    None => None,
                })
                .await?;
                start = stop;
            }
        }
        .await;
        self.with_cache(|c| c.clear_windows(key));
        outcome
    }

    /// Asks the host to set `role` of the item at `index` to `value` (`replicaSetData`).
    /// Nothing changes locally until the host's dataChanged comes back. Refuses roles the host
    /// does not expose and items the cache does not know, as Qt's replica.
    pub fn set_data(&self, index: &[ModelIndex], value: Value, role: i32) -> Result<(), ModelError> {
        self.with_cache(|c| c.set_data(index, value, role))
    }

    /// Makes `index` the current index and tells the host (`replicaSetCurrentIndex`).
    pub fn set_current(&self, index: &[ModelIndex]) {
        self.with_cache(|c| c.set_current(index));
    }

    /// The current index (as the host last said, or as set here).
    pub fn current(&self) -> Vec<ModelIndex> {
        self.inner().cache().current().to_vec()
    }

    /// Rows cached now.
    pub fn cached_rows(&self) -> usize {
        self.inner().cache().cached_rows()
    }

    /// Cells asked for by row requests so far.
    pub fn cells_requested(&self) -> u64 {
        self.inner().cache().cells_requested()
    }

    /// A stream of the model's events from now on.
    pub fn events(&self) -> EventReceiver<ModelEvent> {
        let (tx, rx) = delivery::channel();
        self.inner().subscribers.lock().unwrap_or_else(|e| e.into_inner()).push(tx);
        rx
    }
}

impl std::fmt::Debug for ModelReplica {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ModelReplica").field("name", &self.name()).field("cache", &*self.inner().cache()).finish()
    }
}

/// One step of a [`ModelFeed::process`]: a change about to be made to the cache (it still
/// shows the state before), or a change made.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ModelPhase<'a> {
    /// About to change (`QAbstractItemModel::begin…`).
    Before(&'a ModelEvent),
    /// Changed (`end…` when a `Before` came first), or any other event.
    After(&'a ModelEvent),
}

/// The queue of a manual-mode [`ModelReplica`] ([`Node::acquire_model_manual`]): its owner
/// applies the replica's events to the cache, in wire order, when and on the thread it wants.
pub struct ModelFeed {
    m: ModelReplica,
}

impl ModelFeed {
    /// The replica it feeds.
    pub fn replica(&self) -> &ModelReplica {
        &self.m
    }

    /// Calls `notify` (on the node's thread, which must not be blocked: post a wake-up to the
    /// owner's thread) whenever events are queued.
    pub fn on_ready(&self, notify: impl Fn() + Send + Sync + 'static) {
        let feed = self.m.inner().feed.as_ref().expect("manual");
        feed.lock().unwrap_or_else(|e| e.into_inner()).notify = Some(Arc::new(notify));
    }

    /// Whether events wait to be processed.
    pub fn is_pending(&self) -> bool {
        let feed = self.m.inner().feed.as_ref().expect("manual");
        !feed.lock().unwrap_or_else(|e| e.into_inner()).events.is_empty()
    }

    /// Applies every queued event to the cache, calling `f` with each change before and after
    /// it is made, and the cache as it is at that point. `f` runs while the cache is locked: it
    /// must read through the cache it is given (the `peek_*` reads), not through the
    /// [`ModelReplica`], which would wait for the lock. Events also go to
    /// [`ModelReplica::events`] streams. Returns how many events were processed.
    pub fn process(&self, mut f: impl FnMut(ModelPhase<'_>, &ModelCache)) -> usize {
        let inner = self.m.inner();
        let feed = inner.feed.as_ref().expect("manual");
        let mut n = 0;
        loop {
            let Some(ev) = feed.lock().unwrap_or_else(|e| e.into_inner()).events.pop_front() else { return n };
            n += 1;
            let mut announce = |c: &ModelCache, e: &ModelEvent| f(ModelPhase::Before(e), c);
            let mut applied = {
                let mut cache = inner.cache();
                let applied = inner.apply(&mut cache, &ev, &mut announce);
                for e in &applied.after {
                    f(ModelPhase::After(e), &cache);
                }
                applied
            };
            if matches!(ev, ReplicaEvent::Initialized) {
                // The roles are read from the replica (the node's lock), then the cache starts
                // over with them.
                let mut announce = |c: &ModelCache, e: &ModelEvent| f(ModelPhase::Before(e), c);
                let init = initialize(&self.m.h.replica, &inner.cache, &mut announce);
                let cache = inner.cache();
                for e in &init.after {
                    f(ModelPhase::After(e), &cache);
                }
                drop(cache);
                applied.after.extend(init.into_events());
            }
            inner.deliver(applied);
        }
    }
}

impl std::fmt::Debug for ModelFeed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ModelFeed").field("model", &self.m.name()).finish_non_exhaustive()
    }
}
