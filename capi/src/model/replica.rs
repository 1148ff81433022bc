//! A replica of a remote model in C: the callbacks, `qtro_node_acquire_model` and the accessors
//! answering from the cache.

use super::*;

/// Callbacks of a model replica (`qtro_node_acquire_model`). Every member may be `NULL`. They
/// run on the node's dispatch thread (or in `qtro_node_dispatch`), one at a time, in wire order.
/// A `…_about_to_be_…`/`reset_begin`/`layout_about_to_be_changed` callback runs while the
/// accessors still show the model before the change, its partner once they show it after:
/// exactly where `QAbstractItemModel`'s `begin…`/`end…` calls go. Inside a callback the
/// accessors read what is cached without asking for anything (`QTRO_PENDING` on a miss), and
/// `set_window`, `set_current` and `set_data` take effect when the callback's batch is done.
/// Paths are borrowed for the duration of the call.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct qtro_model_replica_callbacks {
    /// The replica's connection state changed.
    pub state_changed: Option<unsafe extern "C" fn(user_data: *mut c_void, state: qtro_replica_state)>,
    /// The initial fetch arrived (after every (re)initialization): roles, role names and the
    /// root's size are known.
    pub initialized: Option<unsafe extern "C" fn(user_data: *mut c_void)>,
    /// Everything cached is about to be dropped (`beginResetModel`).
    pub reset_begin: Option<unsafe extern "C" fn(user_data: *mut c_void)>,
    /// Everything cached was dropped (`endResetModel`).
    pub reset_end: Option<unsafe extern "C" fn(user_data: *mut c_void)>,
    /// Rows `first..=last` are about to be inserted under `parent` (also when the size of a
    /// parent arrives).
    pub rows_about_to_be_inserted: Option<
        unsafe extern "C" fn(
            user_data: *mut c_void,
            parent: *const qtro_model_index,
            depth: usize,
            first: i32,
            last: i32,
        ),
    >,
    /// Rows `first..=last` were inserted under `parent`.
    pub rows_inserted: Option<
        unsafe extern "C" fn(
            user_data: *mut c_void,
            parent: *const qtro_model_index,
            depth: usize,
            first: i32,
            last: i32,
        ),
    >,
    /// Rows `first..=last` are about to be removed from under `parent`.
    pub rows_about_to_be_removed: Option<
        unsafe extern "C" fn(
            user_data: *mut c_void,
            parent: *const qtro_model_index,
            depth: usize,
            first: i32,
            last: i32,
        ),
    >,
    /// Rows `first..=last` were removed from under `parent`.
    pub rows_removed: Option<
        unsafe extern "C" fn(
            user_data: *mut c_void,
            parent: *const qtro_model_index,
            depth: usize,
            first: i32,
            last: i32,
        ),
    >,
    /// Rows `first..=last` of `parent` are about to move before row `row` of `destination`.
    pub rows_about_to_be_moved: Option<
        unsafe extern "C" fn(
            user_data: *mut c_void,
            parent: *const qtro_model_index,
            depth: usize,
            first: i32,
            last: i32,
            destination: *const qtro_model_index,
            destination_depth: usize,
            row: i32,
        ),
    >,
    /// Rows moved (arguments as for `rows_about_to_be_moved`).
    pub rows_moved: Option<
        unsafe extern "C" fn(
            user_data: *mut c_void,
            parent: *const qtro_model_index,
            depth: usize,
            first: i32,
            last: i32,
            destination: *const qtro_model_index,
            destination_depth: usize,
            row: i32,
        ),
    >,
    /// Columns `first..=last` are about to be inserted under `parent`.
    pub columns_about_to_be_inserted: Option<
        unsafe extern "C" fn(
            user_data: *mut c_void,
            parent: *const qtro_model_index,
            depth: usize,
            first: i32,
            last: i32,
        ),
    >,
    /// Columns `first..=last` were inserted under `parent`.
    pub columns_inserted: Option<
        unsafe extern "C" fn(
            user_data: *mut c_void,
            parent: *const qtro_model_index,
            depth: usize,
            first: i32,
            last: i32,
        ),
    >,
    /// The data of the items from `top_left` to `bottom_right` (same parent, `depth` steps
    /// each) changed or arrived, for `roles` (`nroles`; none: all).
    pub data_changed: Option<
        unsafe extern "C" fn(
            user_data: *mut c_void,
            top_left: *const qtro_model_index,
            bottom_right: *const qtro_model_index,
            depth: usize,
            roles: *const i32,
            nroles: usize,
        ),
    >,
    /// Header sections `first..=last` of `orientation` changed or arrived.
    pub header_data_changed:
        Option<unsafe extern "C" fn(user_data: *mut c_void, orientation: qtro_orientation, first: i32, last: i32)>,
    /// The layout is about to change (`layoutAboutToBeChanged`): every row may hold another item
    /// afterwards.
    pub layout_about_to_be_changed: Option<unsafe extern "C" fn(user_data: *mut c_void, hint: qtro_layout_hint)>,
    /// The layout changed (`layoutChanged`).
    pub layout_changed: Option<unsafe extern "C" fn(user_data: *mut c_void, hint: qtro_layout_hint)>,
    /// The host's current index changed.
    pub current_changed: Option<
        unsafe extern "C" fn(
            user_data: *mut c_void,
            current: *const qtro_model_index,
            depth: usize,
            previous: *const qtro_model_index,
            previous_depth: usize,
        ),
    >,
    /// The host sent something the cache could not apply (it re-fetches what it can no longer
    /// trust); `message` says what.
    pub error: Option<unsafe extern "C" fn(user_data: *mut c_void, message: *const c_char)>,
}

/// How a model replica fetches and caches (`qtro_node_acquire_model`; zeroed members take the
/// defaults).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct qtro_model_replica_options {
    /// What to fetch first (`QTRO_FETCH_ROOT_SIZE`, the default, or `QTRO_PREFETCH_DATA`).
    pub initial_action: qtro_initial_action,
    /// Roles fetched by `QTRO_PREFETCH_DATA` (`nroles_hint`; none: all available roles).
    pub roles_hint: *const i32,
    /// Length of `roles_hint`.
    pub nroles_hint: usize,
    /// Rows kept in the cache (0: 1000, Qt's default; at least 16).
    pub cache_rows: usize,
    /// Rows fetched ahead of and behind each window (0: 50).
    pub prefetch_rows: u32,
}

type Deferred = Box<dyn FnOnce(&ModelReplica) + Send>;

/// What a model replica's handle and its feed jobs share.
struct ReplicaShared {
    closed: AtomicBool,
    callbacks: Option<qtro_model_replica_callbacks>,
    user_data: UserData,
    replica: ModelReplica,
    feed: ModelFeed,
    /// A feed job is queued (one at a time is enough).
    scheduled: AtomicBool,
    /// What callbacks asked for, done after their batch.
    deferred: Mutex<Vec<Deferred>>,
}

thread_local! {
    /// The replica whose callbacks run on this thread, and its cache (locked meanwhile).
    static IN_FEED: Cell<(usize, *const ModelCache)> = const { Cell::new((0, std::ptr::null())) };
}

struct FeedScope((usize, *const ModelCache));

impl FeedScope {
    fn enter(id: usize, cache: &ModelCache) -> FeedScope {
        FeedScope(IN_FEED.with(|c| c.replace((id, cache as *const ModelCache))))
    }
}

impl Drop for FeedScope {
    fn drop(&mut self) {
        IN_FEED.with(|c| c.set(self.0));
    }
}

impl ReplicaShared {
    fn id(&self) -> usize {
        self as *const ReplicaShared as usize
    }

    /// Processes the feed, calling the callbacks (on the dispatching thread).
    fn process(&self) {
        self.scheduled.store(false, Ordering::SeqCst);
        if self.closed.load(Ordering::SeqCst) {
            return;
        }
        let id = self.id();
        self.feed.process(|phase, cache| {
            if self.closed.load(Ordering::SeqCst) {
                return;
            }
            let Some(cb) = self.callbacks else { return };
            let _scope = FeedScope::enter(id, cache);
            self.call(&cb, phase);
        });
        let jobs: Vec<Deferred> = std::mem::take(&mut *self.deferred.lock().unwrap_or_else(|e| e.into_inner()));
        for job in jobs {
            job(&self.replica);
        }
    }

    fn call(&self, cb: &qtro_model_replica_callbacks, phase: ModelPhase<'_>) {
        let ud = self.user_data.0;
        let (before, ev) = match phase {
            ModelPhase::Before(e) => (true, e),
            ModelPhase::After(e) => (false, e),
        };
        // Every call below is to a callback the application registered in its
        // `qtro_model_replica_callbacks`, with its `user_data`, on the thread that dispatches
        // (the header's promise); the paths and strings passed live until it returns.
        match ev {
            ModelEvent::Initialized if !before => {
                if let Some(f) = cb.initialized {
                    // SAFETY: see above.
                    unsafe { f(ud) }
                }
            }
            ModelEvent::Reset => {
                if let Some(f) = if before { cb.reset_begin } else { cb.reset_end } {
                    // SAFETY: see above.
                    unsafe { f(ud) }
                }
            }
            ModelEvent::RowsInserted { parent, first, last } => {
                let f = if before { cb.rows_about_to_be_inserted } else { cb.rows_inserted };
                if let Some(f) = f {
                    let p = c_path(parent);
                    // SAFETY: see above.
                    unsafe { f(ud, path_ptr(&p), p.len(), *first, *last) }
                }
            }
            ModelEvent::RowsRemoved { parent, first, last } => {
                let f = if before { cb.rows_about_to_be_removed } else { cb.rows_removed };
                if let Some(f) = f {
                    let p = c_path(parent);
                    // SAFETY: see above.
                    unsafe { f(ud, path_ptr(&p), p.len(), *first, *last) }
                }
            }
            ModelEvent::RowsMoved { parent, first, last, destination, row } => {
                let f = if before { cb.rows_about_to_be_moved } else { cb.rows_moved };
                if let Some(f) = f {
                    let p = c_path(parent);
                    let d = c_path(destination);
                    // SAFETY: see above.
                    unsafe { f(ud, path_ptr(&p), p.len(), *first, *last, path_ptr(&d), d.len(), *row) }
                }
            }
            ModelEvent::ColumnsInserted { parent, first, last } => {
                let f = if before { cb.columns_about_to_be_inserted } else { cb.columns_inserted };
                if let Some(f) = f {
                    let p = c_path(parent);
                    // SAFETY: see above.
                    unsafe { f(ud, path_ptr(&p), p.len(), *first, *last) }
                }
            }
            ModelEvent::DataChanged { top_left, bottom_right, roles } if !before => {
                if let (Some(f), true) = (cb.data_changed, top_left.len() == bottom_right.len()) {
                    let (a, b) = (c_path(top_left), c_path(bottom_right));
                    let rp = if roles.is_empty() { std::ptr::null() } else { roles.as_ptr() };
                    // SAFETY: see above.
                    unsafe { f(ud, path_ptr(&a), path_ptr(&b), a.len(), rp, roles.len()) }
                }
            }
            ModelEvent::HeaderDataChanged { orientation, first, last } if !before => {
                if let Some(f) = cb.header_data_changed {
                    // SAFETY: see above.
                    unsafe { f(ud, *orientation as i32, *first, *last) }
                }
            }
            ModelEvent::LayoutChanged { hint } => {
                if let Some(f) = if before { cb.layout_about_to_be_changed } else { cb.layout_changed } {
                    // SAFETY: see above.
                    unsafe { f(ud, hint_code(*hint)) }
                }
            }
            ModelEvent::CurrentChanged { current, previous } if !before => {
                if let Some(f) = cb.current_changed {
                    let (c, p) = (c_path(current), c_path(previous));
                    // SAFETY: see above.
                    unsafe { f(ud, path_ptr(&c), c.len(), path_ptr(&p), p.len()) }
                }
            }
            ModelEvent::State(s) if !before => {
                if let Some(f) = cb.state_changed {
                    // SAFETY: see above.
                    unsafe { f(ud, state_of(*s)) }
                }
            }
            ModelEvent::Error(e) if !before => {
                if let Some(f) = cb.error {
                    let m = to_cstring(&e.to_string());
                    // SAFETY: see above.
                    unsafe { f(ud, m.as_ptr()) }
                }
            }
            _ => {}
        }
    }
}

/// A replica of a remote item model (`qtro_node_acquire_model`).
pub struct qtro_model_replica {
    core: Arc<NodeCore>,
    shared: Arc<ReplicaShared>,
    name: CString,
}

impl Handle for qtro_model_replica {
    type Target = qtro_model_replica;
}

fn replica_ref<'a>(r: *const qtro_model_replica) -> Result<&'a qtro_model_replica> {
    let r = handle(r, "replica")?;
    r.core.check_open()?;
    Ok(r)
}

/// Where reads go: the cache lent to the running callback, or the replica.
enum View<'a> {
    Feed(&'a ModelCache),
    Live(&'a ModelReplica),
}

impl qtro_model_replica {
    fn view(&self) -> View<'_> {
        let (id, cache) = IN_FEED.with(|c| c.get());
        if id == self.shared.id() && !cache.is_null() {
            // SAFETY: `IN_FEED` holds this replica's cache only while one of its callbacks runs
            // on this thread, inside `ModelFeed::process`, which keeps it locked and alive until
            // the callback returns; this reference does not outlive the export that made it.
            View::Feed(unsafe { &*cache })
        } else {
            View::Live(&self.shared.replica)
        }
    }

    /// Runs `f` on the replica now, or after the running callback's batch.
    fn act(&self, f: impl FnOnce(&ModelReplica) + Send + 'static) {
        match self.view() {
            View::Live(r) => {
                let _g = self.core.rt().enter();
                f(r)
            }
            View::Feed(_) => self.shared.deferred.lock().unwrap_or_else(|e| e.into_inner()).push(Box::new(f)),
        }
    }
}

/// Acquires the item model `name` (a model a Qt host shares with `enableRemoting(model, name,
/// roles)`, or a `qtro_node_enable_model`), as Qt's `acquireModel`. `options` (copied; may be
/// `NULL`: defaults) say how it fetches; `callbacks` (copied; may be `NULL`) and `user_data`
/// receive its changes. On success `*out` owns it (`qtro_model_replica_free`).
#[no_mangle]
pub extern "C" fn qtro_node_acquire_model(
    node: *mut qtro_node,
    name: *const c_char,
    options: *const qtro_model_replica_options,
    callbacks: *const qtro_model_replica_callbacks,
    user_data: *mut c_void,
    out: *mut *mut qtro_model_replica,
) -> qtro_result {
    guard(|| {
        let out = out_new(out, "out")?;
        let core = node_ref(node)?.clone();
        let name_s = cstr(name, "name")?;
        let mut o = ModelReplicaOptions::default();
        if let Some(c) = opt_arg(options) {
            o.initial = match c.initial_action {
                QTRO_FETCH_ROOT_SIZE => InitialAction::FetchRootSize,
                QTRO_PREFETCH_DATA => InitialAction::PrefetchData,
                other => return err(QTRO_ERR_INVALID_ARGUMENT, format!("unknown qtro_initial_action {other}")),
            };
            o.roles_hint = slice(c.roles_hint, c.nroles_hint)
                .ok_or_else(|| Error::new(QTRO_ERR_NULL_ARGUMENT, "options->roles_hint is NULL"))?
                .to_vec();
            if c.cache_rows != 0 {
                o.cache_rows = c.cache_rows.clamp(16, 1 << 24);
            }
            if c.prefetch_rows != 0 {
                o.prefetch_rows = c.prefetch_rows.min(1 << 20);
            }
        }
        let cbs = opt_arg(callbacks).copied();
        core.check_open()?;
        let _g = core.rt().enter();
        let (replica, feed) = core.node.acquire_model_manual(name_s, o);
        let shared = Arc::new(ReplicaShared {
            closed: AtomicBool::new(false),
            callbacks: cbs,
            user_data: UserData(user_data),
            replica,
            feed,
            scheduled: AtomicBool::new(false),
            deferred: Mutex::new(Vec::new()),
        });
        let weak: Weak<ReplicaShared> = Arc::downgrade(&shared);
        let q: Arc<EventQueue> = core.events.clone();
        let schedule = move || {
            let Some(sh) = weak.upgrade() else { return };
            if sh.closed.load(Ordering::SeqCst) || sh.scheduled.swap(true, Ordering::SeqCst) {
                return;
            }
            q.push(Event::Task(Box::new(move || sh.process())));
        };
        schedule();
        shared.feed.on_ready(schedule);
        out.set(new_handle(qtro_model_replica { core, shared, name: to_cstring(name_s) }));
        Ok(())
    })
}

/// Releases the model replica and frees the handle. No callback of it starts after it returns
/// (it waits for a running one when called from another thread; it may be called from one of
/// its own callbacks). `NULL` is a no-op.
#[no_mangle]
pub extern "C" fn qtro_model_replica_free(replica: *mut qtro_model_replica) {
    guard_value((), || {
        let Some(r) = take_handle(replica) else { return };
        r.shared.closed.store(true, Ordering::SeqCst);
        r.core.quiesce();
        let core = r.core.clone();
        let _g = core.rt().enter();
        drop(r);
    })
}

/// The model's name (borrowed; `NULL` if `replica` is `NULL`).
#[no_mangle]
pub extern "C" fn qtro_model_replica_name(replica: *const qtro_model_replica) -> *const c_char {
    guard_value(std::ptr::null(), || opt_handle(replica).map_or(std::ptr::null(), |h| h.name.as_ptr()))
}

/// The replica's connection state.
#[no_mangle]
pub extern "C" fn qtro_model_replica_state(
    replica: *const qtro_model_replica,
    state: *mut qtro_replica_state,
) -> qtro_result {
    guard(|| {
        let r = replica_ref(replica)?;
        out_ptr(state, "state")?.set(state_of(r.shared.replica.state()));
        Ok(())
    })
}

/// Whether the initial fetch after the last (re)initialization has been processed.
#[no_mangle]
pub extern "C" fn qtro_model_replica_is_initialized(
    replica: *const qtro_model_replica,
    initialized: *mut bool,
) -> qtro_result {
    guard(|| {
        let r = replica_ref(replica)?;
        let out = out_ptr(initialized, "initialized")?;
        out.set(match r.view() {
            View::Feed(c) => c.is_initialized(),
            View::Live(m) => m.is_initialized(),
        });
        Ok(())
    })
}

fn lookup_out(l: Lookup, value: *mut *mut qtro_value) -> Result<()> {
    let out = out_new(value, "value")?;
    match l {
        Lookup::Cached(v) => {
            out.set(new_handle(v));
            Ok(())
        }
        Lookup::Pending => err(QTRO_PENDING, "not cached yet: it was asked for"),
        _ => err(QTRO_ERR_NOT_FOUND, "no such item or role"),
    }
}

fn known<T: Copy>(v: Option<T>, out: *mut T, name: &str) -> Result<()> {
    let out = out_ptr(out, name)?;
    match v {
        Some(v) => {
            out.set(v);
            Ok(())
        }
        None => err(QTRO_PENDING, "not known yet: it was asked for"),
    }
}

/// The common body of the accessors that read one fact about an item: the replica and path
/// checked, the fact read from the cache (`peek` inside a callback, `live` otherwise, which asks
/// for what is missing), and written to `out` or `QTRO_PENDING`.
fn item_fact<T: Copy>(
    replica: *const qtro_model_replica,
    (path, depth, path_name): (*const qtro_model_index, usize, &str),
    (out, out_name): (*mut T, &str),
    peek: impl FnOnce(&ModelCache, &[ModelIndex]) -> Option<T>,
    live: impl FnOnce(&ModelReplica, &[ModelIndex]) -> Option<T>,
) -> qtro_result {
    guard(|| {
        let r = replica_ref(replica)?;
        let p = path_arg(path, depth, path_name)?;
        let v = match r.view() {
            View::Feed(c) => peek(c, &p),
            View::Live(m) => live(m, &p),
        };
        known(v, out, out_name)
    })
}

/// Rows under `parent` in `*rows`; `QTRO_PENDING` while unknown (then asked for:
/// `rows_inserted` follows).
#[no_mangle]
pub extern "C" fn qtro_model_replica_row_count(
    replica: *const qtro_model_replica,
    parent: *const qtro_model_index,
    depth: usize,
    rows: *mut i32,
) -> qtro_result {
    item_fact(replica, (parent, depth, "parent"), (rows, "rows"), |c, p| c.peek_row_count(p), |m, p| m.row_count(p))
}

/// Columns under `parent` in `*columns`; `QTRO_PENDING` while unknown.
#[no_mangle]
pub extern "C" fn qtro_model_replica_column_count(
    replica: *const qtro_model_replica,
    parent: *const qtro_model_index,
    depth: usize,
    columns: *mut i32,
) -> qtro_result {
    item_fact(
        replica,
        (parent, depth, "parent"),
        (columns, "columns"),
        |c, p| c.peek_column_count(p),
        |m, p| m.column_count(p),
    )
}

/// Whether the item has children, in `*children`; `QTRO_PENDING` while unknown.
#[no_mangle]
pub extern "C" fn qtro_model_replica_has_children(
    replica: *const qtro_model_replica,
    index: *const qtro_model_index,
    depth: usize,
    children: *mut bool,
) -> qtro_result {
    item_fact(
        replica,
        (index, depth, "index"),
        (children, "children"),
        |c, p| c.peek_has_children(p),
        |m, p| m.has_children(p),
    )
}

/// The item's `Qt::ItemFlags` in `*flags`; `QTRO_PENDING` while unknown (or no such item).
#[no_mangle]
pub extern "C" fn qtro_model_replica_flags(
    replica: *const qtro_model_replica,
    index: *const qtro_model_index,
    depth: usize,
    flags: *mut i32,
) -> qtro_result {
    item_fact(
        replica,
        (index, depth, "index"),
        (flags, "flags"),
        |c, p| c.peek_flags(p).map(|f| f.0),
        |m, p| m.flags(p).map(|f| f.0),
    )
}

/// A copy of the item's value for `role` in `*value` (free with `qtro_value_free`).
/// `QTRO_PENDING` (`*value` NULL) when not cached: its row is fetched, and `data_changed`
/// follows. `QTRO_ERR_NOT_FOUND` for no such item or a role the host does not serve.
#[no_mangle]
pub extern "C" fn qtro_model_replica_data(
    replica: *const qtro_model_replica,
    index: *const qtro_model_index,
    depth: usize,
    role: i32,
    value: *mut *mut qtro_value,
) -> qtro_result {
    guard(|| {
        let r = replica_ref(replica)?;
        let p = path_arg(index, depth, "index")?;
        let l = match r.view() {
            View::Feed(c) => c.peek_data(&p, role),
            View::Live(m) => m.data(&p, role),
        };
        lookup_out(l, value)
    })
}

/// A copy of a header value in `*value`; `QTRO_PENDING` when not cached (asked for:
/// `header_data_changed` follows).
#[no_mangle]
pub extern "C" fn qtro_model_replica_header_data(
    replica: *const qtro_model_replica,
    orientation: qtro_orientation,
    section: i32,
    role: i32,
    value: *mut *mut qtro_value,
) -> qtro_result {
    guard(|| {
        let r = replica_ref(replica)?;
        let o = orientation_of(orientation)?;
        let l = match r.view() {
            View::Feed(c) => c.peek_header_data(o, section, role),
            View::Live(m) => m.header_data(o, section, role),
        };
        lookup_out(l, value)
    })
}

/// The roles the host serves, copied into `roles` (at most `capacity`); `*count` receives how
/// many there are (call with `capacity` 0 to size the array).
#[no_mangle]
pub extern "C" fn qtro_model_replica_available_roles(
    replica: *const qtro_model_replica,
    roles: *mut i32,
    capacity: usize,
    count: *mut usize,
) -> qtro_result {
    guard(|| {
        let r = replica_ref(replica)?;
        let out = out_ptr(count, "count")?;
        let v = match r.view() {
            View::Feed(c) => c.available_roles().to_vec(),
            View::Live(m) => m.available_roles(),
        };
        crate::cast::copy_out(roles, capacity, &v, "roles")?;
        out.set(v.len());
        Ok(())
    })
}

/// Number of role names the host gave (`roleNames()`), in `*count`.
#[no_mangle]
pub extern "C" fn qtro_model_replica_role_name_count(
    replica: *const qtro_model_replica,
    count: *mut usize,
) -> qtro_result {
    guard(|| {
        let r = replica_ref(replica)?;
        let n = match r.view() {
            View::Feed(c) => c.role_names().len(),
            View::Live(m) => m.role_names().len(),
        };
        out_ptr(count, "count")?.set(n);
        Ok(())
    })
}

/// Role name `i` (in role order): the role in `*role` and a copy of its name in `*name` (free
/// with `qtro_string_free`). `QTRO_ERR_NOT_FOUND` past the end.
#[no_mangle]
pub extern "C" fn qtro_model_replica_role_name_at(
    replica: *const qtro_model_replica,
    i: usize,
    role: *mut i32,
    name: *mut *mut c_char,
) -> qtro_result {
    guard(|| {
        let r = replica_ref(replica)?;
        let role_out = out_ptr(role, "role")?;
        let name_out = out_new(name, "name")?;
        let names = match r.view() {
            View::Feed(c) => c.role_names().to_vec(),
            View::Live(m) => m.role_names(),
        };
        let Some((id, n)) = names.get(i) else { return err(QTRO_ERR_NOT_FOUND, format!("no role name {i}")) };
        role_out.set(*id);
        name_out.set(c_string_out(&String::from_utf8_lossy(n)));
        Ok(())
    })
}

/// The current index (as the host last said, or as set here): up to `capacity` steps copied
/// into `path`, its depth in `*depth` (0: none).
#[no_mangle]
pub extern "C" fn qtro_model_replica_current(
    replica: *const qtro_model_replica,
    path: *mut qtro_model_index,
    capacity: usize,
    depth: *mut usize,
) -> qtro_result {
    guard(|| {
        let r = replica_ref(replica)?;
        let out = out_ptr(depth, "depth")?;
        let cur = match r.view() {
            View::Feed(c) => c.current().to_vec(),
            View::Live(m) => m.current(),
        };
        crate::cast::copy_out(path, capacity, &c_path(&cur), "path")?;
        out.set(cur.len());
        Ok(())
    })
}

/// Asks the host to write a copy of `value` to `role` of the item (`replicaSetData`). Nothing
/// changes locally until the host's `data_changed` comes back. `QTRO_ERR_NOT_FOUND` for an item
/// the cache does not know or a role the host does not serve.
#[no_mangle]
pub extern "C" fn qtro_model_replica_set_data(
    replica: *mut qtro_model_replica,
    index: *const qtro_model_index,
    depth: usize,
    value: *const qtro_value,
    role: i32,
) -> qtro_result {
    guard(|| {
        let r = replica_ref(replica)?;
        let p = path_arg(index, depth, "index")?;
        let v = handle(value, "value")?.clone();
        if let View::Live(m) = r.view() {
            let _g = r.core.rt().enter();
            return m.set_data(&p, v, role).map_err(|e| Error::new(QTRO_ERR_NOT_FOUND, e.to_string()));
        }
        r.act(move |m| {
            let _ = m.set_data(&p, v, role);
        });
        Ok(())
    })
}

/// Makes the item the current index and tells the host (`replicaSetCurrentIndex`).
#[no_mangle]
pub extern "C" fn qtro_model_replica_set_current(
    replica: *mut qtro_model_replica,
    index: *const qtro_model_index,
    depth: usize,
) -> qtro_result {
    guard(|| {
        let r = replica_ref(replica)?;
        let p = path_arg(index, depth, "index")?;
        r.act(move |m| m.set_current(&p));
        Ok(())
    })
}

/// Keeps rows `start..end` (end excluded) of `parent` cached, plus the prefetch, fetching what
/// is missing; one window per parent, an empty range removes it.
#[no_mangle]
pub extern "C" fn qtro_model_replica_set_window(
    replica: *mut qtro_model_replica,
    parent: *const qtro_model_index,
    depth: usize,
    start: i32,
    end: i32,
) -> qtro_result {
    guard(|| {
        let r = replica_ref(replica)?;
        let p = path_arg(parent, depth, "parent")?;
        r.act(move |m| m.set_window(&p, start..end));
        Ok(())
    })
}

/// Waits at most `timeout_ms` until the initial fetch has been processed. Needs a node whose
/// callbacks run on its dispatch thread (`QTRO_DISPATCH_THREAD`), and not called from one of
/// them (`QTRO_ERR_WRONG_THREAD`).
#[no_mangle]
pub extern "C" fn qtro_model_replica_wait_initialized(
    replica: *const qtro_model_replica,
    timeout_ms: u32,
) -> qtro_result {
    guard(|| {
        let r = replica_ref(replica)?;
        if r.core.in_callback() {
            return err(QTRO_ERR_WRONG_THREAD, "waiting inside a callback of the same node would never end");
        }
        let m = r.shared.replica.clone();
        let t = millis(timeout_ms);
        r.core.block_on(t, "qtro_model_replica_wait_initialized", async move {
            m.wait_initialized(t).await.map_err(Error::from)
        })
    })
}

/// Fetches rows `start..end` of `parent` (clipped to its row count) with every role and waits
/// at most `timeout_ms` until they are all cached (for dumps and tests). Same thread rules as
/// `qtro_model_replica_wait_initialized`.
#[no_mangle]
pub extern "C" fn qtro_model_replica_fetch(
    replica: *const qtro_model_replica,
    parent: *const qtro_model_index,
    depth: usize,
    start: i32,
    end: i32,
    timeout_ms: u32,
) -> qtro_result {
    guard(|| {
        let r = replica_ref(replica)?;
        let p = path_arg(parent, depth, "parent")?;
        if r.core.in_callback() {
            return err(QTRO_ERR_WRONG_THREAD, "waiting inside a callback of the same node would never end");
        }
        let m = r.shared.replica.clone();
        let t = millis(timeout_ms);
        r.core.block_on(
            t,
            "qtro_model_replica_fetch",
            async move { m.fetch(&p, start..end, t).await.map_err(Error::from) },
        )
    })
}
