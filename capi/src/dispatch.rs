//! A node's runtime, its event queue, and the delivery of events to the application's callbacks
//! (on a dispatch thread or through a pollable fd).
//!
//! Each node owns a multi-threaded tokio runtime (`worker_threads`, default 2) that runs its
//! connections. Events for the application (replica changes, slot invocations, call replies,
//! source events) go through one queue per node and are delivered one at a time, either by a
//! dispatch thread the node starts (`QTRO_DISPATCH_THREAD`) or by `qtro_node_dispatch` on the
//! application's thread when the node's event fd becomes readable (`QTRO_DISPATCH_POLL`).
//!
//! Replicas and sources receive their events through [`Deliver`], so this module does not depend
//! on theirs.

use std::collections::{HashMap, VecDeque};
use std::ffi::{c_char, c_int, c_void};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, Weak};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tokio::runtime::Runtime;
use tokio::sync::oneshot;

use super::cast::lend;
use super::qtro_result::{self, *};
use super::value::qtro_value;
use super::{err, to_cstring, Error, Result};
use qtro_rs::core::Value;
use qtro_rs::node::{Node, NodeConfig, ReplicaEvent, SlotCall, SourceEvent};

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
// SAFETY: the library never reads through the pointer; it only hands it back to the
// application's callbacks, which the header says run on library threads: making what it points
// to safe to use from there is the application's part of the contract.
unsafe impl Send for UserData {}
// SAFETY: as for `Send`; shared access only copies the pointer.
unsafe impl Sync for UserData {}

struct PendingReply {
    cb: unsafe extern "C" fn(*mut c_void, qtro_result, *const qtro_value, *const c_char),
    user_data: UserData,
}

impl PendingReply {
    fn complete(self, result: std::result::Result<Value, Error>) {
        match result {
            // SAFETY: `cb` is the `qtro_reply_cb` the application gave `qtro_replica_call`, called
            // once with its `user_data` as the header describes; `v` outlives the call.
            Ok(v) => unsafe { (self.cb)(self.user_data.0, QTRO_OK, lend(&v), std::ptr::null()) },
            Err(e) => {
                let msg = to_cstring(&e.message);
                // SAFETY: as above; `msg` is a NUL-terminated string that outlives the call.
                unsafe { (self.cb)(self.user_data.0, e.code, std::ptr::null(), msg.as_ptr()) }
            }
        }
    }
}

/// Receives the events of one replica or source, on the thread that dispatches, and calls the
/// application's callbacks for them.
pub(crate) trait Deliver<E>: Send + Sync {
    /// Calls the callback for `event`, if the application registered one.
    fn deliver(&self, event: E);
}

/// A slot call for a hosted source, and where its answer goes.
pub(crate) struct SlotRequest {
    pub(crate) call: SlotCall,
    pub(crate) reply: oneshot::Sender<Value>,
}

/// Work for the application, queued per node.
pub(crate) enum Event {
    Replica(Arc<dyn Deliver<ReplicaEvent>>, ReplicaEvent),
    Source(Arc<dyn Deliver<SourceEvent>>, SourceEvent),
    Invoke(Arc<dyn Deliver<SlotRequest>>, SlotRequest),
    Reply(u64, std::result::Result<Value, Error>),
    /// A job for the dispatching thread (model requests and model replica feeds).
    Task(Box<dyn FnOnce() + Send>),
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
            // SAFETY: a system call with no pointer arguments; the descriptor it returns is owned by
            // the `EventFd` made of it, which closes it once, when it drops.
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
        {
            let one: u64 = 1;
            // SAFETY: `fd` is the open eventfd this struct owns; the buffer is the 8 bytes of `one`,
            // which an eventfd write takes.
            let _ = unsafe { libc::write(self.fd, (&one as *const u64).cast::<c_void>(), 8) };
        }
    }

    fn clear(&self) {
        #[cfg(target_os = "linux")]
        {
            let mut v: u64 = 0;
            // SAFETY: `fd` is the open eventfd this struct owns; the buffer is the 8 writable bytes
            // of `v`, which an eventfd read fills.
            let _ = unsafe { libc::read(self.fd, (&mut v as *mut u64).cast::<c_void>(), 8) };
        }
    }
}

impl Drop for EventFd {
    fn drop(&mut self) {
        // SAFETY: `fd` is the eventfd this struct opened and owns; nothing uses it after this.
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

/// Where a node's callbacks run (`qtro_node_config_set_dispatch`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DispatchMode {
    /// On a dispatch thread the node starts.
    Thread,
    /// In `qtro_node_dispatch*` on the application's thread, signalled by an event fd.
    Poll,
}

/// What a `qtro_node` handle holds: the node, its runtime, and everything about delivering its
/// events.
pub(crate) struct NodeCore {
    rt: Option<Runtime>,
    pub(crate) node: Node,
    pub(crate) events: Arc<EventQueue>,
    mode: DispatchMode,
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
    /// Starts a node: its runtime with `worker_threads` threads, its event queue (with an event
    /// fd in `Poll` mode) and, in `Thread` mode, its dispatch thread.
    pub(crate) fn start(config: NodeConfig, mode: DispatchMode, worker_threads: usize) -> Result<Arc<NodeCore>> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(worker_threads)
            .thread_name("qtro-rt")
            .enable_all()
            .build()
            .map_err(|e| Error::new(QTRO_ERR_IO, format!("cannot start the runtime: {e}")))?;
        let fd = if mode == DispatchMode::Poll { Some(EventFd::new()?) } else { None };
        let node = {
            let _g = rt.enter();
            Node::with_config(config)
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
            mode,
            closed: AtomicBool::new(false),
            dispatcher: Mutex::new(None),
            dispatcher_token: AtomicU64::new(0),
            pending: Mutex::new(HashMap::new()),
            next_call: AtomicU64::new(1),
            dispatch_lock: Mutex::new(()),
            dispatch_owner: AtomicU64::new(0),
        });
        if mode == DispatchMode::Thread {
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
        Ok(core)
    }

    pub(crate) fn mode(&self) -> DispatchMode {
        self.mode
    }

    /// The event descriptor of a `Poll` node.
    pub(crate) fn event_fd(&self) -> Option<c_int> {
        match &self.events.fd {
            Some(f) if self.mode == DispatchMode::Poll => Some(f.raw()),
            _ => None,
        }
    }

    /// Whether the calling thread is running a callback of this node.
    pub(crate) fn in_callback(&self) -> bool {
        self.dispatch_owner.load(Ordering::SeqCst) == thread_token()
    }

    /// Waits until events are queued or the node closes, at most `timeout`.
    pub(crate) fn wait_for_events(&self, timeout: Duration) {
        self.events.wait(Some(timeout));
    }

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
        if self.in_callback() {
            return;
        }
        drop(self.dispatch_lock.lock().unwrap_or_else(|e| e.into_inner()));
    }

    fn run(&self, e: Event) {
        match e {
            Event::Replica(target, ev) => target.deliver(ev),
            Event::Source(target, ev) => target.deliver(ev),
            Event::Invoke(target, request) => target.deliver(request),
            Event::Task(job) => {
                // Jobs may drop the last clone of a handle, which needs the runtime.
                let _g = self.rt().enter();
                job()
            }
            Event::Reply(id, result) => {
                let p = self.pending.lock().unwrap_or_else(|e| e.into_inner()).remove(&id);
                if let Some(p) = p {
                    p.complete(result);
                }
            }
        }
    }

    /// Delivers up to `max` queued events on this thread. Callers hold no locks.
    pub(crate) fn dispatch(&self, max: usize) -> Result<usize> {
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
    pub(crate) fn close(&self) {
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
        let lock =
            if self.in_callback() { None } else { Some(self.dispatch_lock.lock().unwrap_or_else(|e| e.into_inner())) };
        let pending: Vec<PendingReply> =
            self.pending.lock().unwrap_or_else(|e| e.into_inner()).drain().map(|(_, p)| p).collect();
        for p in pending {
            p.complete(Err(Error::new(QTRO_ERR_SHUTDOWN, "the node was shut down before the reply arrived")));
        }
        drop(lock);
        // Queued jobs may hold the last clone of a model replica, whose drop needs the runtime.
        let _g = self.rt().enter();
        drop(leftover);
    }
}

fn dispatcher_loop(core: Weak<NodeCore>, queue: Arc<EventQueue>) {
    while queue.wait(None) {
        let Some(core) = core.upgrade() else { return };
        let _ = core.dispatch(usize::MAX);
    }
}
