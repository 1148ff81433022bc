//! Nodes, their runtime, and event delivery (dispatch thread or pollable fd).
//!
//! Each `qtro_node` owns a multi-threaded tokio runtime (`worker_threads`, default 2) that runs
//! its connections. Events for the application (replica changes, slot invocations, call replies,
//! source events) go through one queue per node and are delivered one at a time, either by a
//! dispatch thread the node starts (`QTRO_DISPATCH_THREAD`) or by `qtro_node_dispatch` on the
//! application's thread when the node's event fd becomes readable (`QTRO_DISPATCH_POLL`).

use std::collections::{HashMap, VecDeque};
use std::ffi::{c_char, c_int, c_void};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, Weak};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tokio::runtime::Runtime;
use tokio::sync::oneshot;

use super::qtro_result::{self, *};
use super::replica::ReplicaShared;
use super::source::SourceShared;
use super::value::{as_raw, qtro_value};
use super::{arg, c_string_out, cstr, err, guard, millis, out_ptr, to_cstring, Error, Result};
use qtro_rs::core::{Dialect, Value};
use qtro_rs::node::{Node, NodeConfig, ReplicaEvent, SlotCall, SourceEvent};

/// Settings for `qtro_node_new`, created by `qtro_node_config_new`.
pub struct qtro_node_config {
    node: NodeConfig,
    dispatch: qtro_dispatch_mode,
    worker_threads: u32,
}

impl Default for qtro_node_config {
    fn default() -> Self {
        qtro_node_config { node: NodeConfig::default(), dispatch: QTRO_DISPATCH_THREAD, worker_threads: 2 }
    }
}

/// A QtRO node: hosts sources (after `qtro_node_listen`), acquires replicas, and owns the
/// runtime and event queue they use.
pub struct qtro_node {
    pub(crate) core: Arc<NodeCore>,
}

/// Which Qt version peers speak (`qtro_node_config_set_dialect`).
pub type qtro_dialect = c_int;
/// Qt 6 peers ("QtRO 2.0"), the default.
pub const QTRO_DIALECT_QT6: qtro_dialect = 0;
/// Qt 5.15 peers ("QtRO 1.3").
pub const QTRO_DIALECT_QT5: qtro_dialect = 1;

/// Where callbacks run (`qtro_node_config_set_dispatch`).
pub type qtro_dispatch_mode = c_int;
/// Callbacks run on a thread the node starts for this (named `qtro-dispatch`), the default.
pub const QTRO_DISPATCH_THREAD: qtro_dispatch_mode = 0;
/// Callbacks run inside `qtro_node_dispatch`/`qtro_node_dispatch_timeout` on the caller's thread;
/// `qtro_node_event_fd` is readable while events are waiting (level-triggered).
pub const QTRO_DISPATCH_POLL: qtro_dispatch_mode = 1;

/// Completion of an asynchronous slot call (`qtro_replica_call`): `result` is `QTRO_OK` with the
/// reply in `value` (an invalid value for `void` slots), or an error with `value` `NULL` and a
/// message in `error`. Both pointers are borrowed for the duration of the call. Called exactly
/// once for every `qtro_replica_call` that returned `QTRO_OK`, on the node's dispatch thread (or
/// in `qtro_node_dispatch`), or with `QTRO_ERR_SHUTDOWN` inside `qtro_node_free`.
pub type qtro_reply_cb = Option<
    unsafe extern "C" fn(user_data: *mut c_void, result: qtro_result, value: *const qtro_value, error: *const c_char),
>;

/// A `void *` handed back to callbacks. The library never dereferences it.
#[derive(Clone, Copy)]
pub(crate) struct UserData(pub(crate) *mut c_void);
// SAFETY: the pointer is only passed back to the application's callbacks, whose contract makes
// them responsible for thread safety of what it points to.
unsafe impl Send for UserData {}
unsafe impl Sync for UserData {}

pub(crate) struct PendingReply {
    cb: unsafe extern "C" fn(*mut c_void, qtro_result, *const qtro_value, *const c_char),
    user_data: UserData,
}

impl PendingReply {
    fn complete(self, result: std::result::Result<Value, Error>) {
        match result {
            Ok(v) => unsafe { (self.cb)(self.user_data.0, QTRO_OK, as_raw(&v), std::ptr::null()) },
            Err(e) => {
                let msg = to_cstring(&e.message);
                unsafe { (self.cb)(self.user_data.0, e.code, std::ptr::null(), msg.as_ptr()) }
            }
        }
    }
}

/// Work for the application, queued per node.
pub(crate) enum Event {
    Replica(Arc<ReplicaShared>, ReplicaEvent),
    Source(Arc<SourceShared>, SourceEvent),
    Invoke(Arc<SourceShared>, SlotCall, oneshot::Sender<Value>),
    Reply(u64, std::result::Result<Value, Error>),
}

// ---- the pollable descriptor -----------------------------------------------------------------

struct EventFd {
    #[cfg(target_os = "linux")]
    fd: c_int,
}

impl EventFd {
    fn new() -> Result<EventFd> {
        #[cfg(target_os = "linux")]
        {
            // SAFETY: plain syscall.
            let fd = unsafe { libc::eventfd(0, libc::EFD_NONBLOCK | libc::EFD_CLOEXEC) };
            if fd < 0 {
                return err(QTRO_ERR_IO, format!("eventfd failed: {}", std::io::Error::last_os_error()));
            }
            Ok(EventFd { fd })
        }
        #[cfg(not(target_os = "linux"))]
        {
            err(QTRO_ERR_UNSUPPORTED, "QTRO_DISPATCH_POLL needs eventfd (Linux)")
        }
    }

    fn raw(&self) -> c_int {
        #[cfg(target_os = "linux")]
        {
            self.fd
        }
        #[cfg(not(target_os = "linux"))]
        {
            -1
        }
    }

    fn signal(&self) {
        #[cfg(target_os = "linux")]
        unsafe {
            let one: u64 = 1;
            let _ = libc::write(self.fd, &one as *const u64 as *const c_void, 8);
        }
    }

    fn clear(&self) {
        #[cfg(target_os = "linux")]
        unsafe {
            let mut v: u64 = 0;
            let _ = libc::read(self.fd, &mut v as *mut u64 as *mut c_void, 8);
        }
    }
}

impl Drop for EventFd {
    fn drop(&mut self) {
        #[cfg(target_os = "linux")]
        unsafe {
            libc::close(self.fd);
        }
    }
}

// ---- the queue ---------------------------------------------------------------------------------

#[derive(Default)]
struct QueueState {
    events: VecDeque<Event>,
    closed: bool,
}

pub(crate) struct EventQueue {
    state: Mutex<QueueState>,
    cv: Condvar,
    fd: Option<EventFd>,
    /// Signalled when dispatching made room (see [`EventQueue::push_when_room`]).
    room: tokio::sync::Notify,
}

/// Property changes and signals waiting for the application's callbacks, at most. Past it the
/// node stops taking events from its connections, which then stop reading (the engine's
/// `event_backlog`), so an application that does not dispatch cannot make memory grow.
const EVENT_QUEUE_ROOM: usize = 16 * 1024;

impl EventQueue {
    fn lock(&self) -> MutexGuard<'_, QueueState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn push(&self, e: Event) {
        let mut st = self.lock();
        if st.closed {
            drop(st);
            drop(e);
            return;
        }
        if st.events.is_empty() {
            if let Some(fd) = &self.fd {
                fd.signal();
            }
        }
        st.events.push_back(e);
        drop(st);
        self.cv.notify_all();
    }

    /// Like [`EventQueue::push`] for streams of events: waits while the queue is full.
    async fn push_when_room(&self, e: Event) {
        qtro_rs::node::wait_until(&self.room, || {
            let st = self.lock();
            st.closed || st.events.len() < EVENT_QUEUE_ROOM
        })
        .await;
        self.push(e);
    }

    /// Moves the events of one replica or source into this queue, in order, until the stream
    /// ends or `closed()` (its handle was freed).
    pub(crate) async fn forward<T>(
        &self,
        mut rx: qtro_rs::node::EventReceiver<T>,
        closed: impl Fn() -> bool,
        wrap: impl Fn(T) -> Event,
    ) {
        while let Some(ev) = rx.recv().await {
            if closed() {
                break;
            }
            self.push_when_room(wrap(ev)).await;
        }
    }

    /// Takes up to `max` events; the fd stays readable exactly while events remain.
    fn pop(&self, max: usize) -> Vec<Event> {
        let mut st = self.lock();
        let n = max.min(st.events.len());
        let batch: Vec<Event> = st.events.drain(..n).collect();
        if st.events.is_empty() {
            if let Some(fd) = &self.fd {
                fd.clear();
            }
        }
        drop(st);
        if n > 0 {
            self.room.notify_waiters();
        }
        batch
    }

    /// Waits until events are queued or the queue is closed, at most `timeout` (`None`: no
    /// limit). Returns false when closed.
    fn wait(&self, timeout: Option<Duration>) -> bool {
        let deadline = timeout.map(|t| Instant::now() + t);
        let mut st = self.lock();
        loop {
            if st.closed {
                return false;
            }
            if !st.events.is_empty() {
                return true;
            }
            match deadline {
                None => st = self.cv.wait(st).unwrap_or_else(|e| e.into_inner()),
                Some(d) => {
                    let now = Instant::now();
                    if now >= d {
                        return true;
                    }
                    st = self.cv.wait_timeout(st, d - now).unwrap_or_else(|e| e.into_inner()).0;
                }
            }
        }
    }

    fn close(&self) -> Vec<Event> {
        let mut st = self.lock();
        st.closed = true;
        let rest: Vec<Event> = st.events.drain(..).collect();
        if let Some(fd) = &self.fd {
            fd.clear();
        }
        drop(st);
        self.cv.notify_all();
        self.room.notify_waiters();
        rest
    }
}

// ---- the node core -----------------------------------------------------------------------------

/// A small per-thread token to recognise the thread that is dispatching.
fn thread_token() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    thread_local! { static TOKEN: u64 = NEXT.fetch_add(1, Ordering::Relaxed); }
    TOKEN.with(|t| *t)
}

pub(crate) struct NodeCore {
    rt: Option<Runtime>,
    pub(crate) node: Node,
    pub(crate) events: Arc<EventQueue>,
    mode: qtro_dispatch_mode,
    closed: AtomicBool,
    dispatcher: Mutex<Option<JoinHandle<()>>>,
    dispatcher_token: AtomicU64,
    pending: Mutex<HashMap<u64, PendingReply>>,
    next_call: AtomicU64,
    dispatch_lock: Mutex<()>,
    dispatch_owner: AtomicU64,
}

impl Drop for NodeCore {
    fn drop(&mut self) {
        self.node.shutdown();
        if let Some(rt) = self.rt.take() {
            if tokio::runtime::Handle::try_current().is_ok() {
                rt.shutdown_background();
            } else {
                rt.shutdown_timeout(Duration::from_millis(500));
            }
        }
    }
}

impl NodeCore {
    pub(crate) fn rt(&self) -> &Runtime {
        self.rt.as_ref().expect("runtime present until drop")
    }

    pub(crate) fn check_open(&self) -> Result<()> {
        if self.closed.load(Ordering::SeqCst) {
            err(QTRO_ERR_SHUTDOWN, "the node was shut down (qtro_node_free)")
        } else {
            Ok(())
        }
    }

    /// Runs `fut` to completion on the runtime from a plain thread, at most `timeout`.
    pub(crate) fn block_on<T>(
        &self,
        timeout: Duration,
        what: &str,
        fut: impl std::future::Future<Output = Result<T>>,
    ) -> Result<T> {
        if tokio::runtime::Handle::try_current().is_ok() {
            return err(
                QTRO_ERR_WRONG_THREAD,
                format!(
                    "{what}: blocking calls are not allowed on a libqtro_rs runtime thread (e.g. from a log callback)"
                ),
            );
        }
        match self.rt().block_on(async { tokio::time::timeout(timeout, fut).await }) {
            Ok(r) => r,
            Err(_) => err(QTRO_ERR_TIMEOUT, format!("{what}: timed out after {} ms", timeout.as_millis())),
        }
    }

    /// Registers a reply callback; returns its id.
    pub(crate) fn add_pending(&self, cb: qtro_reply_cb, user_data: *mut c_void) -> Option<u64> {
        let cb = cb?;
        let id = self.next_call.fetch_add(1, Ordering::Relaxed);
        self.pending
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id, PendingReply { cb, user_data: UserData(user_data) });
        Some(id)
    }

    /// Waits until no callback of this node is running (unless called from inside one).
    pub(crate) fn quiesce(&self) {
        if self.dispatch_owner.load(Ordering::SeqCst) == thread_token() {
            return;
        }
        drop(self.dispatch_lock.lock().unwrap_or_else(|e| e.into_inner()));
    }

    fn run(&self, e: Event) {
        match e {
            Event::Replica(target, ev) => target.deliver(ev),
            Event::Source(target, ev) => target.deliver(ev),
            Event::Invoke(target, call, tx) => target.invoke(call, tx),
            Event::Reply(id, result) => {
                let p = self.pending.lock().unwrap_or_else(|e| e.into_inner()).remove(&id);
                if let Some(p) = p {
                    p.complete(result);
                }
            }
        }
    }

    /// Delivers up to `max` queued events on this thread. Callers hold no locks.
    fn dispatch(&self, max: usize) -> Result<usize> {
        let me = thread_token();
        if self.dispatch_owner.load(Ordering::SeqCst) == me {
            return err(QTRO_ERR_WRONG_THREAD, "qtro_node_dispatch called from inside a callback of the same node");
        }
        let _lock = self.dispatch_lock.lock().unwrap_or_else(|e| e.into_inner());
        struct Owner<'a>(&'a AtomicU64);
        impl Drop for Owner<'_> {
            fn drop(&mut self) {
                self.0.store(0, Ordering::SeqCst);
            }
        }
        self.dispatch_owner.store(me, Ordering::SeqCst);
        let _owner = Owner(&self.dispatch_owner);
        let batch = self.events.pop(max);
        let mut n = 0;
        for e in batch {
            if self.closed.load(Ordering::SeqCst) {
                break;
            }
            // A bug in our own event handling must not kill the dispatcher.
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.run(e)));
            n += 1;
        }
        Ok(n)
    }

    /// Shuts the node down; see `qtro_node_free`.
    fn close(&self) {
        if self.closed.swap(true, Ordering::SeqCst) {
            return;
        }
        {
            let _g = self.rt().enter();
            self.node.shutdown();
        }
        let leftover = self.events.close();
        let thread = self.dispatcher.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(t) = thread {
            if self.dispatcher_token.load(Ordering::SeqCst) != thread_token() {
                let _ = t.join();
            }
        }
        // Pending replies complete now, on this thread, with no other callback running.
        let lock = if self.dispatch_owner.load(Ordering::SeqCst) == thread_token() {
            None
        } else {
            Some(self.dispatch_lock.lock().unwrap_or_else(|e| e.into_inner()))
        };
        let pending: Vec<PendingReply> =
            self.pending.lock().unwrap_or_else(|e| e.into_inner()).drain().map(|(_, p)| p).collect();
        for p in pending {
            p.complete(Err(Error::new(QTRO_ERR_SHUTDOWN, "the node was shut down before the reply arrived")));
        }
        drop(lock);
        drop(leftover);
    }
}

fn dispatcher_loop(core: Weak<NodeCore>, queue: Arc<EventQueue>) {
    while queue.wait(None) {
        let Some(core) = core.upgrade() else { return };
        let _ = core.dispatch(usize::MAX);
    }
}

// ---- config ------------------------------------------------------------------------------------

/// Default settings: Qt 6, no heartbeat, 250 ms reconnect interval, `QTRO_DISPATCH_THREAD`,
/// 2 worker threads, and the defaults of docs/limits.md for the rest. Free with
/// `qtro_node_config_free`.
#[no_mangle]
pub extern "C" fn qtro_node_config_new() -> *mut qtro_node_config {
    super::guard_ptr(|| Ok(Box::into_raw(Box::<qtro_node_config>::default())))
}

/// Frees a config. `NULL` is a no-op.
#[no_mangle]
pub unsafe extern "C" fn qtro_node_config_free(config: *mut qtro_node_config) {
    if !config.is_null() {
        super::guard_value((), || drop(Box::from_raw(config)));
    }
}

/// Changes `config` by `set` if `valid`, else fails with `QTRO_ERR_INVALID_ARGUMENT` and the
/// message `why` gives: the shape of every setter below.
unsafe fn update_config(
    config: *mut qtro_node_config,
    valid: bool,
    why: impl FnOnce() -> String,
    set: impl FnOnce(&mut qtro_node_config),
) -> qtro_result {
    guard(|| {
        let c = super::arg_mut(config, "config")?;
        if !valid {
            return err(QTRO_ERR_INVALID_ARGUMENT, why());
        }
        set(c);
        Ok(())
    })
}

/// Qt 6 (`QTRO_DIALECT_QT6`) or Qt 5.15 (`QTRO_DIALECT_QT5`) peers.
#[no_mangle]
pub unsafe extern "C" fn qtro_node_config_set_dialect(
    config: *mut qtro_node_config,
    dialect: qtro_dialect,
) -> qtro_result {
    let chosen = match dialect {
        QTRO_DIALECT_QT6 => Some(Dialect::Qt6),
        QTRO_DIALECT_QT5 => Some(Dialect::Qt5),
        _ => None,
    };
    update_config(
        config,
        chosen.is_some(),
        || format!("unknown qtro_dialect {dialect}"),
        |c| {
            if let Some(d) = chosen {
                c.node.dialect = d
            }
        },
    )
}

/// Heartbeat interval of the node's replicas in ms (0, the default, disables it as in Qt).
#[no_mangle]
pub unsafe extern "C" fn qtro_node_config_set_heartbeat_ms(
    config: *mut qtro_node_config,
    interval_ms: u32,
) -> qtro_result {
    update_config(config, true, String::new, |c| c.node.heartbeat = (interval_ms > 0).then(|| millis(interval_ms)))
}

/// Delay between reconnect attempts in ms (default 250, must be > 0).
#[no_mangle]
pub unsafe extern "C" fn qtro_node_config_set_retry_interval_ms(
    config: *mut qtro_node_config,
    interval_ms: u32,
) -> qtro_result {
    update_config(
        config,
        interval_ms > 0,
        || "the retry interval must be > 0".into(),
        |c| c.node.retry_interval = millis(interval_ms),
    )
}

/// `QTRO_DISPATCH_THREAD` (default) or `QTRO_DISPATCH_POLL`.
#[no_mangle]
pub unsafe extern "C" fn qtro_node_config_set_dispatch(
    config: *mut qtro_node_config,
    mode: qtro_dispatch_mode,
) -> qtro_result {
    let valid = mode == QTRO_DISPATCH_THREAD || mode == QTRO_DISPATCH_POLL;
    update_config(config, valid, || format!("unknown qtro_dispatch_mode {mode}"), |c| c.dispatch = mode)
}

/// Number of network worker threads of the node's runtime (1-64, default 2).
#[no_mangle]
pub unsafe extern "C" fn qtro_node_config_set_worker_threads(
    config: *mut qtro_node_config,
    threads: u32,
) -> qtro_result {
    let valid = (1..=64).contains(&threads);
    update_config(
        config,
        valid,
        || format!("worker_threads must be 1..=64, not {threads}"),
        |c| c.worker_threads = threads,
    )
}

/// How long, in microseconds, a replica's connection reads its socket directly after a lone
/// awaited request (slot call with a reply, acquisition) before parking: shorter round trips for
/// at most this much CPU per answer. 0 disables it; at most 100000. Default: 50 on machines with
/// more than one CPU, else 0.
#[no_mangle]
pub unsafe extern "C" fn qtro_node_config_set_busy_poll_us(config: *mut qtro_node_config, micros: u32) -> qtro_result {
    update_config(
        config,
        micros <= 100_000,
        || format!("busy_poll_us must be at most 100000, not {micros}"),
        |c| c.node.busy_poll = (micros > 0).then(|| Duration::from_micros(micros as u64)),
    )
}

/// Largest packet accepted from a peer, in bytes (default 64 MiB; 1024 to 2^31 - 1). A larger
/// one closes the connection.
#[no_mangle]
pub unsafe extern "C" fn qtro_node_config_set_max_packet_size(
    config: *mut qtro_node_config,
    bytes: u32,
) -> qtro_result {
    let valid = (1024..=i32::MAX as u32).contains(&bytes);
    update_config(
        config,
        valid,
        || format!("max_packet_size must be 1024..=2147483647, not {bytes}"),
        |c| c.node.limits.max_packet_size = bytes,
    )
}

/// Output queued for one peer, in bytes, above which `qtro_source_ready` waits (default 4 MiB,
/// must be > 0 and at most the `max_queued_bytes` given to the same config).
#[no_mangle]
pub unsafe extern "C" fn qtro_node_config_set_queue_high_water(
    config: *mut qtro_node_config,
    bytes: usize,
) -> qtro_result {
    update_config(config, bytes > 0, || "queue_high_water must be > 0".into(), |c| c.node.queue_high_water = bytes)
}

/// How long, in ms, a peer may stay above the high-water mark while a producer waits before it
/// is disconnected (default 5000, must be > 0).
#[no_mangle]
pub unsafe extern "C" fn qtro_node_config_set_stall_timeout_ms(
    config: *mut qtro_node_config,
    timeout_ms: u32,
) -> qtro_result {
    update_config(
        config,
        timeout_ms > 0,
        || "the stall timeout must be > 0".into(),
        |c| c.node.stall_timeout = millis(timeout_ms),
    )
}

/// Output queued for one peer, in bytes, past which the peer is disconnected at once, whatever
/// the producer does (default 256 MiB, must be at least `queue_high_water`).
#[no_mangle]
pub unsafe extern "C" fn qtro_node_config_set_max_queued_bytes(
    config: *mut qtro_node_config,
    bytes: usize,
) -> qtro_result {
    update_config(config, bytes > 0, || "max_queued_bytes must be > 0".into(), |c| c.node.max_queued_bytes = bytes)
}

/// Whether slot calls to one source may run concurrently (default false: one at a time, in
/// arrival order, as on a Qt host). With `QTRO_DISPATCH_*` callbacks this only matters for
/// deferred replies (`qtro_invocation` kept past the callback).
#[no_mangle]
pub unsafe extern "C" fn qtro_node_config_set_concurrent_slots(
    config: *mut qtro_node_config,
    concurrent: bool,
) -> qtro_result {
    update_config(config, true, String::new, |c| c.node.concurrent_slots = concurrent)
}

// ---- node lifetime -------------------------------------------------------------------------------

/// Creates a node with `config` (`NULL`: defaults; the config is copied and may be freed
/// afterwards). On success `*out` owns the node: free it with `qtro_node_free`.
#[no_mangle]
pub unsafe extern "C" fn qtro_node_new(config: *const qtro_node_config, out: *mut *mut qtro_node) -> qtro_result {
    guard(|| {
        let out = out_ptr(out, "out")?;
        *out = std::ptr::null_mut();
        let defaults = qtro_node_config::default();
        let c = if config.is_null() { &defaults } else { &*config };
        if c.node.max_queued_bytes < c.node.queue_high_water {
            return err(
                QTRO_ERR_INVALID_ARGUMENT,
                format!(
                    "max_queued_bytes ({}) is below queue_high_water ({})",
                    c.node.max_queued_bytes, c.node.queue_high_water
                ),
            );
        }
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(c.worker_threads as usize)
            .thread_name("qtro-rt")
            .enable_all()
            .build()
            .map_err(|e| Error::new(QTRO_ERR_IO, format!("cannot start the runtime: {e}")))?;
        let fd = if c.dispatch == QTRO_DISPATCH_POLL { Some(EventFd::new()?) } else { None };
        let node = {
            let _g = rt.enter();
            Node::with_config(c.node.clone())
        };
        let events = Arc::new(EventQueue {
            state: Mutex::new(QueueState::default()),
            cv: Condvar::new(),
            fd,
            room: tokio::sync::Notify::new(),
        });
        let core = Arc::new(NodeCore {
            rt: Some(rt),
            node,
            events: events.clone(),
            mode: c.dispatch,
            closed: AtomicBool::new(false),
            dispatcher: Mutex::new(None),
            dispatcher_token: AtomicU64::new(0),
            pending: Mutex::new(HashMap::new()),
            next_call: AtomicU64::new(1),
            dispatch_lock: Mutex::new(()),
            dispatch_owner: AtomicU64::new(0),
        });
        if c.dispatch == QTRO_DISPATCH_THREAD {
            let weak = Arc::downgrade(&core);
            let token = Arc::new(AtomicU64::new(0));
            let (tx, rx) = std::sync::mpsc::channel();
            let t = std::thread::Builder::new()
                .name("qtro-dispatch".into())
                .spawn(move || {
                    let _ = tx.send(thread_token());
                    dispatcher_loop(weak, events)
                })
                .map_err(|e| Error::new(QTRO_ERR_IO, format!("cannot start the dispatch thread: {e}")))?;
            token.store(rx.recv().unwrap_or(0), Ordering::SeqCst);
            core.dispatcher_token.store(token.load(Ordering::SeqCst), Ordering::SeqCst);
            *core.dispatcher.lock().unwrap_or_else(|e| e.into_inner()) = Some(t);
        }
        *out = Box::into_raw(Box::new(qtro_node { core }));
        Ok(())
    })
}

/// Shuts the node down and frees the handle. `NULL` is a no-op.
///
/// In order: every connection closes; the dispatch thread finishes the callback it is running
/// and stops (when called from inside a callback of this node it is not waited for); queued
/// events are discarded; every pending reply callback is called with `QTRO_ERR_SHUTDOWN` on the
/// calling thread. After it returns no callback of this node runs again. Sources and replicas of
/// the node stay valid handles that must still be freed; their operations return
/// `QTRO_ERR_SHUTDOWN`.
#[no_mangle]
pub unsafe extern "C" fn qtro_node_free(node: *mut qtro_node) {
    if node.is_null() {
        return;
    }
    super::guard_value((), || {
        let handle = Box::from_raw(node);
        handle.core.close();
        drop(handle);
    })
}

pub(crate) unsafe fn node_ref<'a>(node: *const qtro_node) -> Result<&'a Arc<NodeCore>> {
    Ok(&arg(node, "node")?.core)
}

// ---- networking ----------------------------------------------------------------------------------

unsafe fn write_url(out: *mut *mut c_char, url: &str) {
    if !out.is_null() {
        *out = c_string_out(url);
    }
}

/// Listens on `url` (`tcp://HOST:PORT`, `local:NAME`, `localabstract:NAME`) and hosts this node's
/// sources there. Blocks at most `timeout_ms`. `bound_url` (may be `NULL`) receives the URL peers
/// should use, with the real port when `:0` was given; free it with `qtro_string_free`.
#[no_mangle]
pub unsafe extern "C" fn qtro_node_listen(
    node: *mut qtro_node,
    url: *const c_char,
    timeout_ms: u32,
    bound_url: *mut *mut c_char,
) -> qtro_result {
    guard(|| {
        let core = node_ref(node)?;
        let url = cstr(url, "url")?;
        core.check_open()?;
        let n = core.node.clone();
        let bound =
            core.block_on(
                millis(timeout_ms),
                "qtro_node_listen",
                async move { n.listen(url).await.map_err(Error::from) },
            )?;
        write_url(bound_url, &bound);
        Ok(())
    })
}

/// Makes this node a registry host listening on `url` (its own sources are listed there too).
/// Blocks at most `timeout_ms`; `bound_url` as for `qtro_node_listen`.
#[no_mangle]
pub unsafe extern "C" fn qtro_node_listen_registry(
    node: *mut qtro_node,
    url: *const c_char,
    timeout_ms: u32,
    bound_url: *mut *mut c_char,
) -> qtro_result {
    guard(|| {
        let core = node_ref(node)?;
        let url = cstr(url, "url")?;
        core.check_open()?;
        let n = core.node.clone();
        let bound = core.block_on(millis(timeout_ms), "qtro_node_listen_registry", async move {
            n.listen_registry(url).await.map_err(Error::from)
        })?;
        write_url(bound_url, &bound);
        Ok(())
    })
}

/// Keeps a client connection to the host node at `url`, reconnecting whenever it drops. Does not
/// block: replicas become valid once the connection is up.
#[no_mangle]
pub unsafe extern "C" fn qtro_node_connect(node: *mut qtro_node, url: *const c_char) -> qtro_result {
    guard(|| {
        let core = node_ref(node)?;
        let url = cstr(url, "url")?;
        core.check_open()?;
        let _g = core.rt().enter();
        core.node.connect_to(url)?;
        Ok(())
    })
}

/// Stops reconnecting to `url` (the current connection stays until it drops).
#[no_mangle]
pub unsafe extern "C" fn qtro_node_disconnect(node: *mut qtro_node, url: *const c_char) -> qtro_result {
    guard(|| {
        let core = node_ref(node)?;
        let url = cstr(url, "url")?;
        core.check_open()?;
        core.node.disconnect_from(url);
        Ok(())
    })
}

/// Uses the registry at `url`: this node's sources are published there and replicas are found
/// by name alone. Does not block.
#[no_mangle]
pub unsafe extern "C" fn qtro_node_set_registry_url(node: *mut qtro_node, url: *const c_char) -> qtro_result {
    guard(|| {
        let core = node_ref(node)?;
        let url = cstr(url, "url")?;
        core.check_open()?;
        let _g = core.rt().enter();
        core.node.set_registry_url(url)?;
        Ok(())
    })
}

/// The URL this node listens on, in `*url` (free with `qtro_string_free`);
/// `QTRO_ERR_NOT_FOUND` if it does not listen.
#[no_mangle]
pub unsafe extern "C" fn qtro_node_host_url(node: *const qtro_node, url: *mut *mut c_char) -> qtro_result {
    guard(|| {
        let core = node_ref(node)?;
        let out = out_ptr(url, "url")?;
        match core.node.host_url() {
            Some(u) => {
                *out = c_string_out(&u);
                Ok(())
            }
            None => err(QTRO_ERR_NOT_FOUND, "the node does not listen"),
        }
    })
}

/// Waits at most `timeout_ms` until a connected host (or the registry) announces a source named
/// `name`; `QTRO_ERR_TIMEOUT` otherwise.
#[no_mangle]
pub unsafe extern "C" fn qtro_node_wait_for_object(
    node: *mut qtro_node,
    name: *const c_char,
    timeout_ms: u32,
) -> qtro_result {
    guard(|| {
        let core = node_ref(node)?;
        let name = cstr(name, "name")?;
        core.check_open()?;
        let n = core.node.clone();
        let d = millis(timeout_ms);
        core.block_on(d + Duration::from_millis(50), "qtro_node_wait_for_object", async move {
            let deadline = tokio::time::Instant::now() + d;
            loop {
                if n.known_objects().iter().any(|o| o.name == name)
                    || n.registry_locations().iter().any(|l| l.name == name)
                {
                    return Ok(());
                }
                if tokio::time::Instant::now() >= deadline {
                    return err(
                        QTRO_ERR_TIMEOUT,
                        format!("no source named {name:?} was announced within {} ms", d.as_millis()),
                    );
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
    })
}

// ---- dispatch --------------------------------------------------------------------------------------

/// The node's event descriptor (`QTRO_DISPATCH_POLL` nodes only): readable while events wait
/// (level-triggered), to watch with poll/epoll/select or a `QSocketNotifier(fd, Read)`. When it is
/// readable call `qtro_node_dispatch`. Owned by the node: do not read, write or close it.
#[no_mangle]
pub unsafe extern "C" fn qtro_node_event_fd(node: *const qtro_node, fd: *mut c_int) -> qtro_result {
    guard(|| {
        let core = node_ref(node)?;
        let out = out_ptr(fd, "fd")?;
        match &core.events.fd {
            Some(f) if core.mode == QTRO_DISPATCH_POLL => {
                *out = f.raw();
                Ok(())
            }
            _ => err(QTRO_ERR_WRONG_MODE, "the node was not created with QTRO_DISPATCH_POLL"),
        }
    })
}

/// Runs the callbacks of up to `max_events` queued events (0: all currently queued) on the
/// calling thread, then returns; `dispatched` (may be `NULL`) receives how many ran. Never blocks
/// waiting for events. `QTRO_DISPATCH_POLL` nodes only; not from inside a callback of the same node
/// (`QTRO_ERR_WRONG_THREAD`).
#[no_mangle]
pub unsafe extern "C" fn qtro_node_dispatch(
    node: *mut qtro_node,
    max_events: usize,
    dispatched: *mut usize,
) -> qtro_result {
    guard(|| {
        let core = node_ref(node)?.clone();
        if core.mode != QTRO_DISPATCH_POLL {
            return err(QTRO_ERR_WRONG_MODE, "qtro_node_dispatch needs a QTRO_DISPATCH_POLL node (callbacks of this node run on its dispatch thread)");
        }
        core.check_open()?;
        let n = core.dispatch(if max_events == 0 { usize::MAX } else { max_events })?;
        if !dispatched.is_null() {
            *dispatched = n;
        }
        Ok(())
    })
}

/// Waits at most `timeout_ms` for events, then runs the callbacks of every queued event on the
/// calling thread (a simple event loop for programs without poll). `dispatched` may be `NULL`.
/// `QTRO_DISPATCH_POLL` nodes only.
#[no_mangle]
pub unsafe extern "C" fn qtro_node_dispatch_timeout(
    node: *mut qtro_node,
    timeout_ms: u32,
    dispatched: *mut usize,
) -> qtro_result {
    guard(|| {
        let core = node_ref(node)?.clone();
        if core.mode != QTRO_DISPATCH_POLL {
            return err(QTRO_ERR_WRONG_MODE, "qtro_node_dispatch_timeout needs a QTRO_DISPATCH_POLL node");
        }
        core.check_open()?;
        if core.dispatch_owner.load(Ordering::SeqCst) == thread_token() {
            return err(
                QTRO_ERR_WRONG_THREAD,
                "qtro_node_dispatch_timeout called from inside a callback of the same node",
            );
        }
        core.events.wait(Some(millis(timeout_ms)));
        let n = core.dispatch(usize::MAX)?;
        if !dispatched.is_null() {
            *dispatched = n;
        }
        Ok(())
    })
}
