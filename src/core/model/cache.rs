//! The replica side of a remote item model, sans I/O: [`ModelCache`] keeps a sparse cache of a
//! remote `QAbstractItemModel`, turns the adapter's signals and replies into [`ModelEvent`]s, and
//! plans the requests ([`AdapterRequest`]) that fill it (`docs/design/item-models.md` §1.4, §2.1).
//!
//! It has no clock and does no I/O: the driver feeds it the replica's initialization
//! ([`ModelCache::on_initialized`]), the adapter's signals ([`ModelCache::on_signal`]) and the
//! replies to its requests ([`ModelCache::on_reply`]) **in wire order**, and sends what
//! [`ModelCache::take_requests`] returns.
//!
//! Memory is bounded by what is looked at, not by the model's size: each known parent keeps its
//! row and column counts and a sparse map of cached rows; rows are evicted least recently used
//! past `cache_rows`, except the rows of the current windows and rows whose children are known,
//! and never more than `2 × cache_rows` rows are kept.
//!
//! Replies can race structural changes: a request is tagged with the cache's epoch (bumped by
//! resets, layout changes and re-initialization) and its position in the structural log; a
//! reply that a later change made stale is discarded and its rows are asked for again.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::ops::Range;

use bytes::Bytes;

use super::types::{entries_from_value, CacheReply, DisplayPath, ItemData};
use super::{AdapterRequest, IndexPath, ItemFlags, LayoutHint, ModelError, ModelIndex, ModelSignal, ModelSize};
use super::{Orientation, SelectionFlags};
use crate::core::{CallError, ReplicaState, Value};

/// Identifies a request handed out by [`ModelCache::take_requests`]; its reply is given back to
/// [`ModelCache::on_reply`] with it.
pub type Ticket = u64;

/// What a replica does when it is initialized (Qt's `QtRemoteObjects::InitialAction`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum InitialAction {
    /// Ask for the root's size only (`replicaSizeRequest([])`); rows are fetched when looked at.
    #[default]
    FetchRootSize,
    /// Ask for up to `cache_rows` items depth-first with their data (`replicaCacheRequest`).
    PrefetchData,
}

/// How a [`ModelCache`] fetches and how much it keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelCacheOptions {
    /// The first request after each initialization or reset.
    pub initial: InitialAction,
    /// The roles asked for by [`InitialAction::PrefetchData`] (empty: every available role).
    pub roles_hint: Vec<i32>,
    /// Rows kept (least recently used evicted past this; never more than twice this). Qt's
    /// `QTRO_NODES_CACHE_SIZE`, 1000 by default; at least 16.
    pub cache_rows: usize,
    /// Rows fetched ahead of and behind each window.
    pub prefetch_rows: u32,
    /// Rows per `replicaRowRequest` at most.
    pub max_rows_per_request: u32,
    /// Requests awaiting a reply at most.
    pub max_in_flight: usize,
    /// Deepest index path accepted (in signals, replies and lookups).
    pub max_depth: usize,
}

impl Default for ModelCacheOptions {
    fn default() -> Self {
        ModelCacheOptions {
            initial: InitialAction::FetchRootSize,
            roles_hint: Vec::new(),
            cache_rows: 1000,
            prefetch_rows: 50,
            max_rows_per_request: 128,
            max_in_flight: 4,
            max_depth: 64,
        }
    }
}

/// The answer of a cache lookup.
#[derive(Debug, Clone, PartialEq)]
pub enum Lookup {
    /// The cached value.
    Cached(Value),
    /// Not cached yet: it has been asked for, and a [`ModelEvent::DataChanged`] covering it
    /// follows its arrival.
    Pending,
    /// No such item or role.
    Unavailable,
}

/// What happened to the model, as a `QAbstractItemModel` would signal it.
///
/// `#[non_exhaustive]`: new variants may be added.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ModelEvent {
    /// The initial fetch after an initialization (or reset) arrived: roles, role names and the
    /// root's size are known.
    Initialized,
    /// Everything cached was dropped (the model was reset, or the replica re-initialized).
    Reset,
    /// Rows `first..=last` were inserted under `parent` (also when a parent's size arrives).
    RowsInserted {
        /// The parent.
        parent: IndexPath,
        /// First new row.
        first: i32,
        /// Last new row.
        last: i32,
    },
    /// Rows `first..=last` were removed from under `parent`.
    RowsRemoved {
        /// The parent.
        parent: IndexPath,
        /// First removed row.
        first: i32,
        /// Last removed row.
        last: i32,
    },
    /// Rows `first..=last` of `parent` moved before row `row` of `destination` (numbered
    /// before the move).
    RowsMoved {
        /// Where they were.
        parent: IndexPath,
        /// First moved row.
        first: i32,
        /// Last moved row.
        last: i32,
        /// Where they went.
        destination: IndexPath,
        /// The row they were moved before.
        row: i32,
    },
    /// Columns `first..=last` were inserted under `parent`.
    ColumnsInserted {
        /// The parent.
        parent: IndexPath,
        /// First new column.
        first: i32,
        /// Last new column.
        last: i32,
    },
    /// The data of the items from `top_left` to `bottom_right` changed or arrived.
    DataChanged {
        /// The first item.
        top_left: IndexPath,
        /// The last item (same parent).
        bottom_right: IndexPath,
        /// The roles concerned (empty: all).
        roles: Vec<i32>,
    },
    /// Header entries `first..=last` of `orientation` changed or arrived.
    HeaderDataChanged {
        /// Which headers.
        orientation: Orientation,
        /// First section.
        first: i32,
        /// Last section.
        last: i32,
    },
    /// The layout changed (a sort): every row may hold another item now.
    LayoutChanged {
        /// What kind of change.
        hint: LayoutHint,
    },
    /// The host's current index changed.
    CurrentChanged {
        /// The new current index.
        current: IndexPath,
        /// The previous one.
        previous: IndexPath,
    },
    /// The replica's connection state changed.
    State(ReplicaState),
    /// The host sent something the cache could not apply; it was discarded (and the model
    /// re-fetched when the cache could no longer trust what it holds).
    Error(ModelError),
}

/// Called with the `before` event of an input while the cache still holds the state before it
/// (`QAbstractItemModel::begin…` runs there, and views read the model in it).
pub type Announce<'a> = &'a mut dyn FnMut(&ModelCache, &ModelEvent);

/// What one input did: `before` is announced before the cache changes (a
/// `QAbstractItemModel` adapter calls `begin…` with it), `after` once it has (the matching
/// `end…` first when `before` is set, then any other events).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Applied {
    /// The change about to be made.
    pub before: Option<ModelEvent>,
    /// What happened.
    pub after: Vec<ModelEvent>,
}

impl Applied {
    fn pair(event: ModelEvent) -> Applied {
        Applied { before: Some(event.clone()), after: vec![event] }
    }

    fn one(event: ModelEvent) -> Applied {
        Applied { before: None, after: vec![event] }
    }

    /// Whether nothing happened.
    pub fn is_empty(&self) -> bool {
        self.before.is_none() && self.after.is_empty()
    }

    /// Every event in order (`before`, then `after`).
    pub fn into_events(self) -> impl Iterator<Item = ModelEvent> {
        self.before.into_iter().chain(self.after)
    }
}

/// One item's cached state.
#[derive(Debug, Clone, Default)]
struct Cell {
    data: Vec<(i32, Value)>,
    flags: ItemFlags,
    has_children: bool,
}

/// One cached row of a parent.
#[derive(Debug, Clone, Default)]
struct Row {
    cells: Vec<Cell>,
    /// Every column has every available role.
    complete: bool,
    used: u64,
}

/// A parent whose children are known (its size, maybe some rows).
#[derive(Debug)]
struct ParentNode {
    id: u64,
    size: Option<ModelSize>,
    rows: BTreeMap<i32, Row>,
}

#[derive(Debug, Clone)]
enum Flight {
    /// The first request after an initialization or reset.
    Init,
    Size(IndexPath),
    Rows {
        parent: IndexPath,
        first: i32,
        last: i32,
        roles: Vec<i32>,
    },
    Header(Vec<(Orientation, i32, i32)>),
}

#[derive(Debug)]
struct InFlight {
    flight: Flight,
    epoch: u64,
    seq: u64,
}

/// A window of rows that should be cached, with its key.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Window {
    key: u64,
    parent: IndexPath,
    rows: Range<i32>,
}

/// Structural log entries kept (older changes make every older request stale).
const LOG_MAX: usize = 256;
/// Windows kept at most.
const WINDOWS_MAX: usize = 64;
/// Header items per request and header entries cached at most.
const HEADER_BATCH: usize = 256;
const HEADERS_MAX: usize = 4096;
/// Cells one row request asks for at most (a Rust host caps its replies at 20 000 cells).
const MAX_CELLS_PER_REQUEST: i32 = 20_000;
/// Errors reported individually before they are only counted.
const ERRORS_REPORTED: u64 = 100;

/// The state of a replica of a remote item model; see the [module documentation](self).
pub struct ModelCache {
    opts: ModelCacheOptions,
    roles: Vec<i32>,
    names: Vec<(i32, Bytes)>,
    /// Initialized and the initial reply applied.
    ready: bool,
    /// Whether there is content a reset would drop.
    has_content: bool,
    /// Requests may be sent (the replica is Valid).
    live: bool,
    epoch: u64,
    seq: u64,
    log: VecDeque<(u64, IndexPath, i32)>,
    log_floor: u64,
    parents: HashMap<IndexPath, ParentNode>,
    next_parent_id: u64,
    total_rows: usize,
    tick: u64,
    headers: HashMap<(Orientation, i32, i32), Value>,
    header_misses: BTreeSet<(i32, i32, i32)>,
    windows: Vec<Window>,
    /// Rows looked up and missed, per parent (fetched like a window).
    misses: BTreeMap<IndexPath, BTreeSet<i32>>,
    size_wanted: BTreeSet<IndexPath>,
    /// Parents whose fetches failed: not asked again until looked at again.
    stalled: BTreeSet<IndexPath>,
    init_wanted: bool,
    queued: VecDeque<AdapterRequest>,
    in_flight: HashMap<Ticket, InFlight>,
    next_ticket: Ticket,
    current: IndexPath,
    errors: u64,
    cells_requested: u64,
    /// Something the fetch plan depends on changed since it was last made (lookups that hit
    /// the cache leave it alone, so planning does not run per lookup).
    plan_dirty: bool,
}

impl ModelCache {
    /// An empty cache, waiting for [`ModelCache::on_initialized`].
    pub fn new(mut opts: ModelCacheOptions) -> ModelCache {
        opts.cache_rows = opts.cache_rows.max(16);
        opts.max_rows_per_request = opts.max_rows_per_request.max(1);
        opts.max_in_flight = opts.max_in_flight.max(1);
        opts.max_depth = opts.max_depth.max(1);
        ModelCache {
            opts,
            roles: Vec::new(),
            names: Vec::new(),
            ready: false,
            has_content: false,
            live: false,
            epoch: 0,
            seq: 0,
            log: VecDeque::new(),
            log_floor: 0,
            parents: HashMap::new(),
            next_parent_id: 1,
            total_rows: 0,
            tick: 0,
            headers: HashMap::new(),
            header_misses: BTreeSet::new(),
            windows: Vec::new(),
            misses: BTreeMap::new(),
            size_wanted: BTreeSet::new(),
            stalled: BTreeSet::new(),
            init_wanted: false,
            queued: VecDeque::new(),
            in_flight: HashMap::new(),
            next_ticket: 1,
            current: Vec::new(),
            errors: 0,
            cells_requested: 0,
            plan_dirty: true,
        }
    }

    /// The options it was made with.
    pub fn options(&self) -> &ModelCacheOptions {
        &self.opts
    }

    /// The roles the host exposes.
    pub fn available_roles(&self) -> &[i32] {
        &self.roles
    }

    /// The host's role names.
    pub fn role_names(&self) -> &[(i32, Bytes)] {
        &self.names
    }

    /// Whether the initial fetch after the last initialization or reset has arrived.
    pub fn is_initialized(&self) -> bool {
        self.ready
    }

    /// Rows cached now (all parents).
    pub fn cached_rows(&self) -> usize {
        self.total_rows
    }

    /// Cells asked for by row requests so far (rows × columns), for tests and statistics.
    pub fn cells_requested(&self) -> u64 {
        self.cells_requested
    }

    /// Requests sent and not answered yet.
    pub fn in_flight(&self) -> usize {
        self.in_flight.len()
    }

    /// The current index, as the host last said (or as set by [`ModelCache::set_current`]).
    pub fn current(&self) -> &[ModelIndex] {
        &self.current
    }

    // ---- input ----------------------------------------------------------------------------

    /// The replica was initialized (again: after every reconnection): the roles and role names
    /// are the adapter's properties. Drops everything cached (a [`ModelEvent::Reset`] if there
    /// was something) and queues the initial request.
    pub fn on_initialized(&mut self, roles: Vec<i32>, names: Vec<(i32, Bytes)>) -> Applied {
        self.on_initialized_with(roles, names, &mut |_, _| {})
    }

    /// [`ModelCache::on_initialized`], calling `announce` with `before` before anything changes.
    pub fn on_initialized_with(
        &mut self,
        roles: Vec<i32>,
        names: Vec<(i32, Bytes)>,
        announce: Announce<'_>,
    ) -> Applied {
        self.plan_dirty = true;
        self.roles = roles;
        self.names = names;
        self.live = true;
        self.start_reset(announce)
    }

    /// The replica was initialized again, and its roles are not read yet: drops everything
    /// cached (a [`ModelEvent::Reset`] if there was something) and ignores the host until
    /// [`ModelCache::on_initialized`] (whose initial reply reflects whatever changed meanwhile).
    pub fn on_reinitializing(&mut self) -> Applied {
        self.on_reinitializing_with(&mut |_, _| {})
    }

    /// [`ModelCache::on_reinitializing`], calling `announce` with `before` before anything
    /// changes.
    pub fn on_reinitializing_with(&mut self, announce: Announce<'_>) -> Applied {
        let applied = self.start_reset(announce);
        self.init_wanted = false;
        self.live = false;
        applied
    }

    /// The replica's state changed: requests are only handed out while it is Valid.
    pub fn on_state(&mut self, state: ReplicaState) -> Applied {
        self.plan_dirty = true;
        let live = state == ReplicaState::Valid;
        if self.live && !live {
            // Whatever was sent is lost with the connection; the next initialization starts over.
            self.in_flight.clear();
        }
        self.live = live;
        Applied::one(ModelEvent::State(state))
    }

    /// The available roles changed (the adapter's notify signal 0 carries the new list): the
    /// cache starts over with them.
    pub fn on_roles_changed(&mut self, roles: Vec<i32>) -> Applied {
        self.on_roles_changed_with(roles, &mut |_, _| {})
    }

    /// [`ModelCache::on_roles_changed`], calling `announce` with `before` before anything
    /// changes.
    pub fn on_roles_changed_with(&mut self, roles: Vec<i32>, announce: Announce<'_>) -> Applied {
        self.roles = roles;
        self.start_reset(announce)
    }

    /// Applies a signal of the adapter.
    pub fn on_signal(&mut self, signal: ModelSignal) -> Applied {
        self.on_signal_with(signal, &mut |_, _| {})
    }

    /// [`ModelCache::on_signal`], calling `announce` with the result's `before` while the cache
    /// still holds the state before the change (for `QAbstractItemModel`'s `begin…` calls, which
    /// views answer by reading the model).
    pub fn on_signal_with(&mut self, signal: ModelSignal, announce: Announce<'_>) -> Applied {
        self.plan_dirty = true;
        if let Err(e) = self.check_signal_paths(&signal) {
            return self.error(e);
        }
        match signal {
            ModelSignal::AvailableRolesChanged => Applied::default(),
            ModelSignal::Reset => self.start_reset(announce),
            ModelSignal::CurrentChanged { current, previous } => {
                self.current = current.clone();
                Applied::one(ModelEvent::CurrentChanged { current, previous })
            }
            // Until the initial reply arrives, nothing is known: that reply reflects every
            // change signalled before it.
            _ if !self.ready => Applied::default(),
            ModelSignal::DataChanged { top_left, bottom_right, roles } => {
                self.data_changed(top_left, bottom_right, roles)
            }
            ModelSignal::RowsInserted { parent, first, last } => self.rows_inserted(parent, first, last, announce),
            ModelSignal::RowsRemoved { parent, first, last } => self.rows_removed(parent, first, last, announce),
            ModelSignal::RowsMoved { parent, first, last, destination, row } => {
                self.rows_moved(parent, first, last, destination, row, announce)
            }
            ModelSignal::ColumnsInserted { parent, first, last } => {
                self.columns_inserted(parent, first, last, announce)
            }
            ModelSignal::HeaderDataChanged { orientation, first, last } => {
                let (lo, hi) = (first.min(last), first.max(last));
                self.headers.retain(|(o, s, _), _| *o != orientation || *s < lo || *s > hi);
                Applied::one(ModelEvent::HeaderDataChanged { orientation, first: lo, last: hi })
            }
            ModelSignal::LayoutChanged { hint, .. } => {
                // The flat parent list cannot be split again: every parent may have changed.
                let before = ModelEvent::LayoutChanged { hint };
                announce(self, &before);
                self.epoch += 1;
                let root_size = self.parents.get(&Vec::new()).and_then(|p| p.size);
                self.clear_content();
                self.insert_parent(Vec::new(), root_size);
                self.has_content = true;
                Applied::pair(before)
            }
        }
    }

    /// Applies the reply to request `ticket` (an unknown ticket is ignored).
    pub fn on_reply(&mut self, ticket: Ticket, reply: Result<Value, CallError>) -> Applied {
        self.on_reply_with(ticket, reply, &mut |_, _| {})
    }

    /// [`ModelCache::on_reply`], calling `announce` with `before` before anything changes.
    pub fn on_reply_with(
        &mut self,
        ticket: Ticket,
        reply: Result<Value, CallError>,
        announce: Announce<'_>,
    ) -> Applied {
        self.on_reply_ref_with(ticket, reply.as_ref(), announce)
    }

    /// [`ModelCache::on_reply_with`] for a reply it may not keep (a replica's event, shared
    /// with other observers): only the values it caches are copied, not the whole reply.
    pub fn on_reply_ref_with(
        &mut self,
        ticket: Ticket,
        reply: Result<&Value, &CallError>,
        announce: Announce<'_>,
    ) -> Applied {
        self.plan_dirty = true;
        let Some(InFlight { flight, epoch, seq }) = self.in_flight.remove(&ticket) else {
            return Applied::default();
        };
        let value = match reply {
            Ok(v) => v,
            Err(e) => {
                tracing::debug!(error = %e, "model request failed");
                match flight {
                    Flight::Init => self.init_wanted = false,
                    Flight::Size(p) | Flight::Rows { parent: p, .. } => {
                        self.stalled.insert(p);
                    }
                    Flight::Header(_) => self.header_misses.clear(),
                }
                return Applied::default();
            }
        };
        if epoch != self.epoch {
            // A reset or layout change overtook it; what is still wanted is asked for again.
            return Applied::default();
        }
        match flight {
            Flight::Init => self.apply_init(value, announce),
            Flight::Size(parent) => self.apply_size(parent, seq, value, announce),
            Flight::Rows { parent, first, last, roles } => self.apply_rows(parent, first, last, &roles, seq, value),
            Flight::Header(items) => self.apply_headers(items, value),
        }
    }

    // ---- lookups --------------------------------------------------------------------------

    /// The rows under `parent`; `None` while unknown (its size is then asked for).
    pub fn row_count(&mut self, parent: &[ModelIndex]) -> Option<i32> {
        self.size_of(parent).map(|s| s.rows)
    }

    /// The columns under `parent`; `None` while unknown (its size is then asked for).
    pub fn column_count(&mut self, parent: &[ModelIndex]) -> Option<i32> {
        self.size_of(parent).map(|s| s.columns)
    }

    /// Whether the item at `path` has children; `None` while unknown (its row is then fetched).
    pub fn has_children(&mut self, path: &[ModelIndex]) -> Option<bool> {
        if path.is_empty() {
            return self.size_of(path).map(|s| s.rows > 0 && s.columns > 0);
        }
        if let Some(size) = self.parents.get(path).and_then(|p| p.size) {
            return Some(size.rows > 0 && size.columns > 0);
        }
        self.cell(path).map(|c| c.has_children)
    }

    /// The flags of the item at `path`; `None` while unknown (its row is then fetched) or when
    /// there is no such item.
    pub fn flags(&mut self, path: &[ModelIndex]) -> Option<ItemFlags> {
        self.cell(path).map(|c| c.flags)
    }

    /// The value of `role` at `path`. A miss asks for the whole row with every available role.
    pub fn data(&mut self, path: &[ModelIndex], role: i32) -> Lookup {
        if !self.ready {
            return Lookup::Pending;
        }
        if !self.roles.contains(&role) {
            return Lookup::Unavailable;
        }
        match self.locate(path) {
            Located::Missing => Lookup::Unavailable,
            Located::Unknown => Lookup::Pending,
            Located::At { parent, row, column } => {
                self.tick += 1;
                let tick = self.tick;
                let cached = self.parents.get_mut(parent).and_then(|p| p.rows.get_mut(&row)).and_then(|r| {
                    r.used = tick;
                    r.cells.get(column as usize)?.data.iter().find(|(r, _)| *r == role).map(|(_, v)| v.clone())
                });
                match cached {
                    Some(v) => Lookup::Cached(v),
                    None => {
                        let parent = parent.to_vec();
                        self.miss(parent, row);
                        Lookup::Pending
                    }
                }
            }
        }
    }

    /// The rows under `parent` as far as known, asking for nothing (for reads from an
    /// [`Announce`] callback, which sees the cache by shared reference).
    pub fn peek_row_count(&self, parent: &[ModelIndex]) -> Option<i32> {
        self.parents.get(parent).and_then(|p| p.size).map(|s| s.rows)
    }

    /// The columns under `parent` as far as known, asking for nothing.
    pub fn peek_column_count(&self, parent: &[ModelIndex]) -> Option<i32> {
        self.parents.get(parent).and_then(|p| p.size).map(|s| s.columns)
    }

    /// The cached value of `role` at `path`, asking for nothing ([`Lookup::Pending`] on a miss).
    pub fn peek_data(&self, path: &[ModelIndex], role: i32) -> Lookup {
        if !self.ready {
            return Lookup::Pending;
        }
        if !self.roles.contains(&role) {
            return Lookup::Unavailable;
        }
        match self.locate(path) {
            Located::Missing => Lookup::Unavailable,
            Located::Unknown => Lookup::Pending,
            Located::At { parent, row, column } => self
                .parents
                .get(parent)
                .and_then(|p| p.rows.get(&row))
                .and_then(|r| r.cells.get(column as usize))
                .and_then(|c| c.data.iter().find(|(r, _)| *r == role))
                .map_or(Lookup::Pending, |(_, v)| Lookup::Cached(v.clone())),
        }
    }

    /// Whether the item at `path` has children as far as known, asking for nothing.
    pub fn peek_has_children(&self, path: &[ModelIndex]) -> Option<bool> {
        if let Some(size) = self.parents.get(path).and_then(|p| p.size) {
            return Some(size.rows > 0 && size.columns > 0);
        }
        self.peek_cell(path).map(|c| c.has_children)
    }

    /// The flags of the item at `path` as far as known, asking for nothing.
    pub fn peek_flags(&self, path: &[ModelIndex]) -> Option<ItemFlags> {
        self.peek_cell(path).map(|c| c.flags)
    }

    /// The cached header value, asking for nothing ([`Lookup::Pending`] on a miss).
    pub fn peek_header_data(&self, orientation: Orientation, section: i32, role: i32) -> Lookup {
        match self.headers.get(&(orientation, section, role)) {
            Some(v) => Lookup::Cached(v.clone()),
            None => Lookup::Pending,
        }
    }

    fn peek_cell(&self, path: &[ModelIndex]) -> Option<&Cell> {
        let Located::At { parent, row, column } = self.locate(path) else { return None };
        self.parents.get(parent).and_then(|p| p.rows.get(&row)).and_then(|r| r.cells.get(column as usize))
    }

    /// Whether every row of `rows` under `parent` is cached with every role (for waiting on a
    /// fetch); `None` while the parent's size is unknown.
    pub fn is_complete(&mut self, parent: &[ModelIndex], rows: Range<i32>) -> Option<bool> {
        let size = self.size_of(parent)?;
        let node = self.parents.get(parent)?;
        let (lo, hi) = (rows.start.max(0), rows.end.min(size.rows));
        Some((lo..hi).all(|r| node.rows.get(&r).is_some_and(|row| row.complete)))
    }

    /// The header value of `role` for `section`; a miss asks for it.
    pub fn header_data(&mut self, orientation: Orientation, section: i32, role: i32) -> Lookup {
        if !self.ready {
            return Lookup::Pending;
        }
        if let Some(v) = self.headers.get(&(orientation, section, role)) {
            return Lookup::Cached(v.clone());
        }
        let Some(size) = self.parents.get(&Vec::new()).and_then(|p| p.size) else { return Lookup::Pending };
        let count = match orientation {
            Orientation::Horizontal => size.columns,
            Orientation::Vertical => size.rows,
        };
        if section < 0 || section >= count {
            return Lookup::Unavailable;
        }
        if self.header_misses.len() < HEADERS_MAX {
            self.header_misses.insert((orientation as i32, section, role));
            self.plan_dirty = true;
        }
        Lookup::Pending
    }

    // ---- what the application asks for -----------------------------------------------------

    /// Keeps rows `rows` of `parent` cached (plus `prefetch_rows` either side), fetching what is
    /// missing; one window per parent (an empty range removes it).
    pub fn set_window(&mut self, parent: &[ModelIndex], rows: Range<i32>) {
        self.set_window_keyed(0, parent, rows);
    }

    /// Like [`ModelCache::set_window`], for several windows told apart by `key` (0 is the
    /// one of `set_window`; a node's fetches use others).
    pub fn set_window_keyed(&mut self, key: u64, parent: &[ModelIndex], rows: Range<i32>) {
        self.plan_dirty = true;
        self.windows.retain(|w| !(w.key == key && w.parent == parent));
        self.stalled.remove(parent);
        if rows.is_empty() || parent.len() > self.opts.max_depth {
            return;
        }
        let max = self.opts.cache_rows as i32;
        let rows = rows.start.max(0)..rows.end.min(rows.start.max(0).saturating_add(max));
        if self.windows.len() >= WINDOWS_MAX {
            self.windows.remove(0);
        }
        self.windows.push(Window { key, parent: parent.to_vec(), rows });
    }

    /// Removes every window of `key`.
    pub fn clear_windows(&mut self, key: u64) {
        self.plan_dirty = true;
        self.windows.retain(|w| w.key != key);
    }

    /// Asks the host to write `value` to `role` at `path` (`replicaSetData`). Nothing changes
    /// locally: the host's dataChanged comes back. Refuses roles that are not available, as Qt.
    pub fn set_data(&mut self, path: &[ModelIndex], value: Value, role: i32) -> Result<(), ModelError> {
        if !self.roles.contains(&role) {
            return Err(ModelError::UnknownRole(role));
        }
        match self.locate(path) {
            Located::At { .. } => {}
            _ => return Err(ModelError::NoSuchIndex(DisplayPath(path).to_string())),
        }
        self.queued.push_back(AdapterRequest::SetData { index: path.to_vec(), value, role });
        self.plan_dirty = true;
        Ok(())
    }

    /// Makes `path` the current index, and tells the host (`replicaSetCurrentIndex`).
    pub fn set_current(&mut self, path: &[ModelIndex]) {
        if path.len() > self.opts.max_depth {
            return;
        }
        self.current = path.to_vec();
        self.queued.push_back(AdapterRequest::SetCurrent {
            index: path.to_vec(),
            flags: SelectionFlags::CLEAR_SELECT_CURRENT,
        });
        self.plan_dirty = true;
    }

    /// The requests to send now (replies go back to [`ModelCache::on_reply`] with their ticket;
    /// requests that want no reply, [`AdapterRequest::wants_reply`], get a ticket too).
    pub fn take_requests(&mut self) -> Vec<(Ticket, AdapterRequest)> {
        let mut out = Vec::new();
        if !self.live || !std::mem::replace(&mut self.plan_dirty, false) {
            return out;
        }
        while let Some(r) = self.queued.pop_front() {
            let t = self.ticket();
            out.push((t, r));
        }
        if self.init_wanted {
            if self.in_flight.values().any(|f| matches!(f.flight, Flight::Init)) {
                return out;
            }
            self.init_wanted = false;
            let req = match self.opts.initial {
                InitialAction::FetchRootSize => AdapterRequest::Size { parent: Vec::new() },
                InitialAction::PrefetchData => {
                    AdapterRequest::Cache { size: self.opts.cache_rows as u64, roles: self.opts.roles_hint.clone() }
                }
            };
            let t = self.send(Flight::Init);
            out.push((t, req));
            return out;
        }
        if !self.ready {
            return out;
        }
        // Windows under parents whose children are not known yet: their sizes first.
        let unknown: Vec<IndexPath> = self
            .windows
            .iter()
            .filter(|w| self.parents.get(&w.parent).is_none_or(|p| p.size.is_none()))
            .map(|w| w.parent.clone())
            .collect();
        for parent in unknown {
            self.size_of(&parent);
        }
        // Sizes first: rows cannot be asked for before their parent's size is known.
        let sizes: Vec<IndexPath> = std::mem::take(&mut self.size_wanted).into_iter().collect();
        for parent in sizes {
            if self.in_flight.len() >= self.opts.max_in_flight {
                self.size_wanted.insert(parent);
                continue;
            }
            let busy = self.in_flight.values().any(|f| matches!(&f.flight, Flight::Size(p) if *p == parent));
            if busy || self.parents.get(&parent).is_some_and(|p| p.size.is_some()) {
                continue;
            }
            let t = self.send(Flight::Size(parent.clone()));
            out.push((t, AdapterRequest::Size { parent }));
        }
        self.plan_rows(&mut out);
        if !self.header_misses.is_empty() && self.in_flight.len() < self.opts.max_in_flight {
            let mut items = Vec::new();
            while items.len() < HEADER_BATCH {
                let Some((o, s, r)) = self.header_misses.pop_first() else { break };
                if let Some(o) = Orientation::from_i32(o) {
                    items.push((o, s, r));
                }
            }
            let t = self.send(Flight::Header(items.clone()));
            out.push((t, AdapterRequest::Header { items }));
        }
        // Sizes the row plan found missing, headers past one batch: next time.
        if !self.size_wanted.is_empty() || !self.header_misses.is_empty() {
            self.plan_dirty = true;
        }
        out
    }

    // ---- internals: requests ---------------------------------------------------------------

    fn ticket(&mut self) -> Ticket {
        let t = self.next_ticket;
        self.next_ticket += 1;
        t
    }

    fn send(&mut self, flight: Flight) -> Ticket {
        let t = self.ticket();
        self.in_flight.insert(t, InFlight { flight, epoch: self.epoch, seq: self.seq });
        t
    }

    fn want_size(&mut self, parent: &[ModelIndex]) {
        self.plan_dirty = true;
        self.size_wanted.insert(parent.to_vec());
    }

    fn miss(&mut self, parent: IndexPath, row: i32) {
        self.plan_dirty = true;
        self.stalled.remove(&parent);
        let set = self.misses.entry(parent).or_default();
        if set.len() < self.opts.cache_rows {
            set.insert(row);
        }
    }

    /// Rows wanted under each parent: windows (with prefetch) and misses.
    /// (Sorted and deduplicated vectors: this runs after every input, and filling a set row by
    /// row cost more than the rest of the planning.)
    fn wanted_rows(&self) -> BTreeMap<IndexPath, Vec<i32>> {
        let mut wanted: BTreeMap<IndexPath, Vec<i32>> = BTreeMap::new();
        let pre = self.opts.prefetch_rows as i32;
        for w in &self.windows {
            let Some(rows) = self.parents.get(&w.parent).and_then(|p| p.size).map(|s| s.rows) else { continue };
            let lo = w.rows.start.saturating_sub(pre).max(0);
            let hi = w.rows.end.saturating_add(pre).min(rows);
            if lo < hi {
                wanted.entry(w.parent.clone()).or_default().extend(lo..hi);
            }
        }
        for (p, rows) in &self.misses {
            wanted.entry(p.clone()).or_default().extend(rows.iter().copied());
        }
        for rows in wanted.values_mut() {
            rows.sort_unstable();
            rows.dedup();
        }
        wanted
    }

    fn plan_rows(&mut self, out: &mut Vec<(Ticket, AdapterRequest)>) {
        if self.in_flight.len() >= self.opts.max_in_flight {
            return;
        }
        let wanted = self.wanted_rows();
        for (parent, rows) in wanted {
            if self.stalled.contains(&parent) {
                continue;
            }
            let Some(node) = self.parents.get(&parent) else {
                self.size_wanted.insert(parent);
                continue;
            };
            let Some(size) = node.size else {
                self.size_wanted.insert(parent);
                continue;
            };
            if size.columns == 0 {
                self.misses.remove(&parent);
                continue;
            }
            let flying: Vec<(i32, i32)> = self
                .in_flight
                .values()
                .filter_map(|f| match &f.flight {
                    Flight::Rows { parent: p, first, last, .. } if *p == parent => Some((*first, *last)),
                    _ => None,
                })
                .collect();
            let missing = rows.into_iter().filter(|&r| {
                r >= 0
                    && r < size.rows
                    && !node.rows.get(&r).is_some_and(|row| row.complete)
                    && !flying.iter().any(|&(a, b)| a <= r && r <= b)
            });
            // Contiguous runs, at most max_rows_per_request long and MAX_CELLS_PER_REQUEST cells
            // (wide models get fewer rows per request).
            let run_max = (self.opts.max_rows_per_request as i32).min((MAX_CELLS_PER_REQUEST / size.columns).max(1));
            let mut runs: Vec<(i32, i32)> = Vec::new();
            for r in missing {
                match runs.last_mut() {
                    Some((a, b)) if *b + 1 == r && r - *a < run_max => *b = r,
                    _ => runs.push((r, r)),
                }
            }
            for (first, last) in runs {
                if self.in_flight.len() >= self.opts.max_in_flight {
                    return;
                }
                let mut start = parent.clone();
                start.push(ModelIndex::new(first, 0));
                let mut end = parent.clone();
                end.push(ModelIndex::new(last, size.columns - 1));
                let roles = self.roles.clone();
                self.cells_requested += (last - first + 1) as u64 * size.columns as u64;
                let t = self.send(Flight::Rows { parent: parent.clone(), first, last, roles: roles.clone() });
                out.push((t, AdapterRequest::Rows { start, end, roles }));
            }
        }
    }

    /// Whether a structural change logged after `since` moved the rows a request under `path`
    /// covered (up to `end_row`; ancestors' changes that shift `path` itself count too).
    fn touched(&self, since: u64, path: &[ModelIndex], end_row: i32) -> bool {
        if since < self.log_floor {
            return true;
        }
        self.log.iter().filter(|(s, _, _)| *s > since).any(|(_, changed, first)| {
            if changed.as_slice() == path {
                *first <= end_row
            } else {
                changed.len() < path.len() && path.starts_with(changed) && *first <= path[changed.len()].row
            }
        })
    }

    fn log_change(&mut self, parent: &[ModelIndex], first: i32) {
        self.seq += 1;
        if self.log.len() >= LOG_MAX {
            if let Some((s, _, _)) = self.log.pop_front() {
                self.log_floor = s;
            }
        }
        self.log.push_back((self.seq, parent.to_vec(), first));
    }

    // ---- internals: lookups ----------------------------------------------------------------

    fn size_of(&mut self, parent: &[ModelIndex]) -> Option<ModelSize> {
        if !self.ready {
            return None;
        }
        if let Some(size) = self.parents.get(parent).map(|p| p.size) {
            if size.is_none() {
                self.want_size(parent);
            }
            return size;
        }
        // An item whose children are not known yet: it must exist, and may have children.
        match self.locate(parent) {
            Located::At { .. } => {}
            _ => return None,
        }
        if self.cell(parent).is_some_and(|c| !c.has_children) {
            return Some(ModelSize::default());
        }
        if self.parents.len() < self.opts.cache_rows && self.size_wanted.len() < self.opts.cache_rows {
            self.want_size(parent);
        }
        None
    }

    /// The cached cell at `path`, fetching its row when it is not cached.
    fn cell(&mut self, path: &[ModelIndex]) -> Option<Cell> {
        let Located::At { parent, row, column } = self.locate(path) else { return None };
        let found = self.parents.get(parent).and_then(|p| p.rows.get(&row)).and_then(|r| r.cells.get(column as usize));
        match found {
            Some(c) => Some(c.clone()),
            None => {
                let parent = parent.to_vec();
                self.miss(parent, row);
                None
            }
        }
    }

    /// Where `path` is, as far as the cache knows.
    fn locate<'p>(&self, path: &'p [ModelIndex]) -> Located<'p> {
        let Some((last, parent)) = path.split_last() else { return Located::Missing };
        if path.len() > self.opts.max_depth {
            return Located::Missing;
        }
        match self.parents.get(parent).map(|p| p.size) {
            Some(Some(s)) if last.row >= 0 && last.row < s.rows && last.column >= 0 && last.column < s.columns => {
                Located::At { parent, row: last.row, column: last.column }
            }
            Some(Some(_)) => Located::Missing,
            _ => Located::Unknown,
        }
    }

    // ---- internals: structure --------------------------------------------------------------

    fn insert_parent(&mut self, path: IndexPath, size: Option<ModelSize>) {
        let id = self.next_parent_id;
        self.next_parent_id += 1;
        self.parents.insert(path, ParentNode { id, size, rows: BTreeMap::new() });
    }

    fn clear_content(&mut self) {
        self.parents.clear();
        self.total_rows = 0;
        self.headers.clear();
        self.header_misses.clear();
        self.misses.clear();
        self.size_wanted.clear();
        self.stalled.clear();
    }

    fn start_reset(&mut self, announce: Announce<'_>) -> Applied {
        self.plan_dirty = true;
        if self.has_content {
            announce(self, &ModelEvent::Reset);
        }
        self.epoch += 1;
        self.in_flight.retain(|_, f| !matches!(f.flight, Flight::Init));
        self.init_wanted = true;
        self.ready = false;
        let had = std::mem::replace(&mut self.has_content, false);
        self.clear_content();
        if had {
            Applied::pair(ModelEvent::Reset)
        } else {
            Applied::default()
        }
    }

    /// The cache no longer matches the host: report and start over.
    fn resync(&mut self, e: ModelError, announce: Announce<'_>) -> Applied {
        let mut applied = self.error(e);
        let reset = self.start_reset(announce);
        applied.before = reset.before;
        applied.after.splice(0..0, reset.after);
        applied
    }

    fn error(&mut self, e: ModelError) -> Applied {
        self.errors += 1;
        if self.errors <= ERRORS_REPORTED {
            tracing::warn!(error = %e, "model replica: discarded what the host sent");
            Applied::one(ModelEvent::Error(e))
        } else {
            Applied::default()
        }
    }

    fn check_signal_paths(&self, s: &ModelSignal) -> Result<(), ModelError> {
        let deep = |p: &IndexPath| p.len() > self.opts.max_depth;
        let bad = match s {
            ModelSignal::DataChanged { top_left, bottom_right, .. } => deep(top_left) || deep(bottom_right),
            ModelSignal::RowsInserted { parent, .. }
            | ModelSignal::RowsRemoved { parent, .. }
            | ModelSignal::ColumnsInserted { parent, .. } => deep(parent),
            ModelSignal::RowsMoved { parent, destination, .. } => deep(parent) || deep(destination),
            ModelSignal::CurrentChanged { current, previous } => deep(current) || deep(previous),
            _ => false,
        };
        if bad {
            Err(ModelError::malformed("model signal", "index path too deep"))
        } else {
            Ok(())
        }
    }

    fn data_changed(&mut self, top_left: IndexPath, bottom_right: IndexPath, roles: Vec<i32>) -> Applied {
        let (Some((tl, parent)), Some((br, parent2))) = (top_left.split_last(), bottom_right.split_last()) else {
            return self.error(ModelError::malformed("dataChanged", "an empty index path"));
        };
        if parent != parent2 {
            return self.error(ModelError::malformed("dataChanged", "corners under different parents"));
        }
        let Some(node) = self.parents.get_mut(parent) else { return Applied::default() };
        let (r0, r1) = (tl.row.min(br.row).max(0), tl.row.max(br.row));
        let (c0, c1) = (tl.column.min(br.column).max(0), tl.column.max(br.column));
        let all = roles.is_empty();
        for (_, row) in node.rows.range_mut(r0..=r1) {
            for cell in row.cells.iter_mut().skip(c0 as usize).take((i64::from(c1) - i64::from(c0) + 1).max(0) as usize)
            {
                cell.data.retain(|(r, _)| !all && !roles.contains(r));
                row.complete = false;
            }
        }
        Applied::one(ModelEvent::DataChanged { top_left, bottom_right, roles })
    }

    /// The size of `parent` when its children are known (`None`: nothing cached to update).
    fn known_parent(&self, parent: &[ModelIndex]) -> Option<ModelSize> {
        self.parents.get(parent).and_then(|p| p.size)
    }

    /// Marks the cached item at `path` as having children; whether it had none before.
    fn mark_has_children(&mut self, path: &[ModelIndex]) -> bool {
        let Some((last, parent)) = path.split_last() else { return false };
        let cell = self
            .parents
            .get_mut(parent)
            .and_then(|p| p.rows.get_mut(&last.row))
            .and_then(|r| r.cells.get_mut(last.column as usize));
        match cell {
            Some(cell) => !std::mem::replace(&mut cell.has_children, true),
            None => false,
        }
    }

    fn rows_inserted(&mut self, parent: IndexPath, first: i32, last: i32, announce: Announce<'_>) -> Applied {
        self.log_change(&parent, first);
        let Some(size) = self.known_parent(&parent) else {
            // Its children are not known: only that it has some now.
            if self.mark_has_children(&parent) {
                let event = ModelEvent::DataChanged { top_left: parent.clone(), bottom_right: parent, roles: vec![] };
                return Applied::one(event);
            }
            return Applied::default();
        };
        let count = last.saturating_sub(first).saturating_add(1);
        if first > size.rows || size.rows.checked_add(count).is_none() {
            return self.resync(
                ModelError::NoSuchIndex(format!(
                    "rowsInserted {first}..={last} under {} with {} rows",
                    DisplayPath(&parent),
                    size.rows
                )),
                announce,
            );
        }
        let event = ModelEvent::RowsInserted { parent: parent.clone(), first, last };
        announce(self, &event);
        if parent.is_empty() {
            self.drop_headers(Orientation::Vertical, first);
        }
        self.shift_rows(&parent, first, count);
        if let Some(node) = self.parents.get_mut(&parent) {
            node.size = Some(ModelSize { rows: size.rows + count, ..size });
        }
        self.mark_has_children(&parent);
        Applied::pair(event)
    }

    fn rows_removed(&mut self, parent: IndexPath, first: i32, last: i32, announce: Announce<'_>) -> Applied {
        self.log_change(&parent, first);
        let Some(size) = self.known_parent(&parent) else { return Applied::default() };
        if last >= size.rows {
            return self.resync(
                ModelError::NoSuchIndex(format!(
                    "rowsRemoved {first}..={last} under {} with {} rows",
                    DisplayPath(&parent),
                    size.rows
                )),
                announce,
            );
        }
        let event = ModelEvent::RowsRemoved { parent: parent.clone(), first, last };
        announce(self, &event);
        if parent.is_empty() {
            self.drop_headers(Orientation::Vertical, first);
        }
        let count = last.saturating_sub(first).saturating_add(1);
        self.take_rows(&parent, first, last);
        self.shift_rows(&parent, last + 1, -count);
        if let Some(node) = self.parents.get_mut(&parent) {
            node.size = Some(ModelSize { rows: size.rows - count, ..size });
        }
        Applied::pair(event)
    }

    fn rows_moved(
        &mut self,
        parent: IndexPath,
        first: i32,
        last: i32,
        dest: IndexPath,
        row: i32,
        announce: Announce<'_>,
    ) -> Applied {
        self.log_change(&parent, first);
        self.log_change(&dest, row.min(first));
        if parent.is_empty() || dest.is_empty() {
            self.drop_headers(Orientation::Vertical, if dest.is_empty() { row.min(first) } else { first });
        }
        let invalid = |detail: String| ModelError::NoSuchIndex(detail);
        let into_itself =
            dest.len() > parent.len() && dest.starts_with(&parent) && (first..=last).contains(&dest[parent.len()].row);
        if into_itself || (dest == parent && row >= first && row <= last + 1) {
            if dest == parent && row >= first && row <= last + 1 {
                // Qt refuses such a move as a no-op; nothing changed.
                return self.error(invalid(format!("rows {first}..={last} moved onto themselves")));
            }
            return self.resync(invalid(format!("rows {first}..={last} moved into themselves")), announce);
        }
        let (src_size, dst_size) = (self.known_parent(&parent), self.known_parent(&dest));
        let count = last.saturating_sub(first).saturating_add(1);
        match (src_size, dst_size) {
            (Some(s), _) if last >= s.rows => {
                return self.resync(invalid(format!("rowsMoved {first}..={last} of {} rows", s.rows)), announce)
            }
            (_, Some(d)) if row > d.rows => {
                return self.resync(invalid(format!("rowsMoved to row {row} of {} rows", d.rows)), announce)
            }
            (Some(_), Some(_)) => {}
            _ => {
                // One side unknown: drop what is known of both sides past the changed rows.
                let event =
                    ModelEvent::RowsMoved { parent: parent.clone(), first, last, destination: dest.clone(), row };
                announce(self, &event);
                let applied = Applied::pair(event);
                if let Some(s) = src_size {
                    self.take_rows(&parent, first, i32::MAX);
                    if let Some(n) = self.parents.get_mut(&parent) {
                        n.size = Some(ModelSize { rows: s.rows - count, ..s });
                    }
                }
                if let Some(d) = dst_size {
                    self.take_rows(&dest, row, i32::MAX);
                    if let Some(n) = self.parents.get_mut(&dest) {
                        n.size = Some(ModelSize { rows: d.rows.saturating_add(count), ..d });
                    }
                }
                return applied;
            }
        }
        let event = ModelEvent::RowsMoved { parent: parent.clone(), first, last, destination: dest.clone(), row };
        announce(self, &event);
        // Take the moved rows (and their subtrees) out, close the gap, open one at the
        // destination (numbered after the gap closed), put them in.
        let moved = self.take_subtrees(&parent, first, last);
        self.shift_rows(&parent, last + 1, -count);
        if dest != parent {
            if let Some(n) = self.parents.get_mut(&parent) {
                n.size = n.size.map(|s| ModelSize { rows: s.rows - count, ..s });
            }
        }
        let mut dest = dest;
        if dest.len() > parent.len() && dest.starts_with(&parent) && dest[parent.len()].row > last {
            dest[parent.len()].row -= count;
        }
        let at = if dest == parent && row > last { row - count } else { row };
        self.shift_rows(&dest, at, count);
        self.put_subtrees(&dest, at, moved);
        if dest != parent {
            if let Some(n) = self.parents.get_mut(&dest) {
                n.size = n.size.map(|s| ModelSize { rows: s.rows.saturating_add(count), ..s });
            }
        }
        Applied::pair(event)
    }

    fn columns_inserted(&mut self, parent: IndexPath, first: i32, last: i32, announce: Announce<'_>) -> Applied {
        self.log_change(&parent, 0);
        let Some(size) = self.known_parent(&parent) else { return Applied::default() };
        let count = last.saturating_sub(first).saturating_add(1);
        if first > size.columns || size.columns.checked_add(count).is_none() {
            return self.resync(
                ModelError::NoSuchIndex(format!(
                    "columnsInserted {first}..={last} under {} with {} columns",
                    DisplayPath(&parent),
                    size.columns
                )),
                announce,
            );
        }
        let event = ModelEvent::ColumnsInserted { parent: parent.clone(), first, last };
        announce(self, &event);
        if parent.is_empty() {
            // Qt sends no headerDataChanged for the sections that moved.
            self.drop_headers(Orientation::Horizontal, first);
        }
        // The cached rows lack the new columns: fetched again when looked at.
        self.take_rows(&parent, 0, i32::MAX);
        if let Some(node) = self.parents.get_mut(&parent) {
            node.size = Some(ModelSize { columns: size.columns + count, ..size });
        }
        Applied::pair(event)
    }

    /// Drops the cached header entries of `orientation` from section `first` on (their sections
    /// were renumbered).
    fn drop_headers(&mut self, orientation: Orientation, first: i32) {
        self.headers.retain(|(o, s, _), _| *o != orientation || *s < first);
    }

    /// Drops rows `first..=last` of `parent` and everything known below them.
    fn take_rows(&mut self, parent: &[ModelIndex], first: i32, last: i32) {
        drop(self.take_subtrees(parent, first, last));
    }

    /// Takes rows `first..=last` of `parent` out with the parents below them (paths relative to
    /// `parent`, rows renumbered from 0).
    fn take_subtrees(&mut self, parent: &[ModelIndex], first: i32, last: i32) -> Subtrees {
        let mut out = Subtrees::default();
        if let Some(node) = self.parents.get_mut(parent) {
            let mut tail = node.rows.split_off(&first);
            let keep = if last < i32::MAX { tail.split_off(&(last + 1)) } else { BTreeMap::new() };
            node.rows.extend(keep);
            self.total_rows -= tail.len();
            out.rows = tail.into_iter().map(|(r, row)| (r - first, row)).collect();
        }
        let n = parent.len();
        let below: Vec<IndexPath> = self
            .parents
            .keys()
            .filter(|p| p.len() > n && p.starts_with(parent) && (first..=last).contains(&p[n].row))
            .cloned()
            .collect();
        for path in below {
            if let Some(node) = self.parents.remove(&path) {
                self.total_rows -= node.rows.len();
                let mut rel = path[n..].to_vec();
                rel[0].row -= first;
                out.parents.push((rel, node));
            }
        }
        for (p, set) in self.misses.iter_mut() {
            if p.as_slice() == parent {
                set.retain(|r| *r < first);
            }
        }
        self.misses.retain(|p, _| !(p.len() > n && p.starts_with(parent) && p[n].row >= first));
        self.size_wanted.retain(|p| !(p.len() > n && p.starts_with(parent) && p[n].row >= first));
        out
    }

    fn put_subtrees(&mut self, parent: &[ModelIndex], at: i32, t: Subtrees) {
        if let Some(node) = self.parents.get_mut(parent) {
            self.total_rows += t.rows.len();
            node.rows.extend(t.rows.into_iter().map(|(r, row)| (r.saturating_add(at), row)));
        }
        for (mut rel, node) in t.parents {
            rel[0].row = rel[0].row.saturating_add(at);
            let mut path = parent.to_vec();
            path.extend(rel);
            self.total_rows += node.rows.len();
            self.parents.insert(path, node);
        }
    }

    /// Renumbers the rows of `parent` from `from` on by `by` (and the paths below them).
    fn shift_rows(&mut self, parent: &[ModelIndex], from: i32, by: i32) {
        if by == 0 {
            return;
        }
        if let Some(node) = self.parents.get_mut(parent) {
            let tail = node.rows.split_off(&from);
            node.rows.extend(tail.into_iter().map(|(r, row)| (r.saturating_add(by), row)));
        }
        let n = parent.len();
        let below: Vec<IndexPath> =
            self.parents.keys().filter(|p| p.len() > n && p.starts_with(parent) && p[n].row >= from).cloned().collect();
        let moved: Vec<(IndexPath, ParentNode)> =
            below.into_iter().filter_map(|p| self.parents.remove(&p).map(|node| (p, node))).collect();
        for (mut path, node) in moved {
            path[n].row = path[n].row.saturating_add(by);
            self.parents.insert(path, node);
        }
        // Misses and pending sizes below are simply looked up again.
        for (p, set) in self.misses.iter_mut() {
            if p.as_slice() == parent {
                set.retain(|r| *r < from);
            }
        }
        self.misses.retain(|p, _| !(p.len() > n && p.starts_with(parent) && p[n].row >= from));
        self.size_wanted.retain(|p| !(p.len() > n && p.starts_with(parent) && p[n].row >= from));
    }

    // ---- internals: replies ----------------------------------------------------------------

    fn apply_init(&mut self, value: &Value, announce: Announce<'_>) -> Applied {
        let mut applied = Applied::pair(ModelEvent::Reset);
        announce(self, &ModelEvent::Reset);
        self.clear_content();
        match self.opts.initial {
            InitialAction::FetchRootSize => match ModelSize::from_value(value, "replicaSizeRequest reply") {
                Ok(size) => self.insert_parent(Vec::new(), Some(size)),
                Err(e) => {
                    // Retried at the next initialization or reset.
                    return self.error(e);
                }
            },
            InitialAction::PrefetchData => {
                let reply = match CacheReply::from_value(value, self.opts.max_depth as u32) {
                    Ok(r) => r,
                    Err(e) => return self.error(e),
                };
                self.insert_parent(Vec::new(), Some(reply.root_size));
                let roles = reply.roles.clone();
                let mut budget = 2 * self.opts.cache_rows;
                let mut errors = Vec::new();
                for item in &reply.items {
                    self.fill_tree(&[], item, &roles, &mut budget, &mut errors);
                }
                if let Some(e) = errors.into_iter().next() {
                    applied.after.extend(self.error(e).after);
                }
                self.evict();
            }
        }
        self.ready = true;
        self.has_content = true;
        applied.after.push(ModelEvent::Initialized);
        applied
    }

    /// Stores an item of a cache reply and its children (bounded by `budget` rows).
    fn fill_tree(
        &mut self,
        parent: &[ModelIndex],
        item: &ItemData,
        roles: &[i32],
        budget: &mut usize,
        errors: &mut Vec<ModelError>,
    ) {
        let Some((last, item_parent)) = item.index.split_last() else {
            errors.push(ModelError::malformed("MetaAndDataEntries reply", "an item without an index"));
            return;
        };
        if item_parent != parent || item.data.len() != roles.len() {
            errors.push(ModelError::malformed(
                "MetaAndDataEntries reply",
                format!("item {} does not fit the reply", DisplayPath(&item.index)),
            ));
            return;
        }
        let Some(size) = self.parents.get(parent).and_then(|p| p.size) else { return };
        if last.row < 0 || last.row >= size.rows || last.column < 0 || last.column >= size.columns {
            errors.push(ModelError::NoSuchIndex(DisplayPath(&item.index).to_string()));
            return;
        }
        if !self.parents.get(parent).is_some_and(|p| p.rows.contains_key(&last.row)) {
            if *budget == 0 {
                return;
            }
            *budget -= 1;
        }
        self.store_cell(parent, last.row, last.column, item, roles, size.columns);
        if let (true, Some(child_size)) = (item.has_children, item.size) {
            if self.parents.len() < self.opts.cache_rows && item.index.len() < self.opts.max_depth {
                self.insert_parent(item.index.clone(), Some(child_size));
                for child in &item.children {
                    self.fill_tree(&item.index, child, roles, budget, errors);
                }
            }
        }
    }

    fn store_cell(&mut self, parent: &[ModelIndex], row: i32, column: i32, item: &ItemData, roles: &[i32], cols: i32) {
        self.tick += 1;
        let tick = self.tick;
        let available = &self.roles;
        let Some(node) = self.parents.get_mut(parent) else { return };
        let entry = node.rows.entry(row).or_insert_with(|| {
            self.total_rows += 1;
            Row::default()
        });
        entry.used = tick;
        let column = column as usize;
        if entry.cells.len() <= column {
            entry.cells.resize_with(column + 1, Cell::default);
        }
        let cell = &mut entry.cells[column];
        for (role, v) in roles.iter().zip(&item.data) {
            if !available.contains(role) {
                continue;
            }
            match cell.data.iter_mut().find(|(r, _)| r == role) {
                Some(slot) => slot.1 = v.clone(),
                None => cell.data.push((*role, v.clone())),
            }
        }
        cell.flags = item.flags;
        cell.has_children = item.has_children;
        entry.complete = entry.cells.len() >= cols as usize
            && entry.cells.iter().all(|c| available.iter().all(|r| c.data.iter().any(|(cr, _)| cr == r)));
    }

    fn apply_size(&mut self, parent: IndexPath, seq: u64, value: &Value, announce: Announce<'_>) -> Applied {
        let size = match ModelSize::from_value(value, "replicaSizeRequest reply") {
            Ok(s) => s,
            Err(e) => {
                self.stalled.insert(parent);
                return self.error(e);
            }
        };
        if self.touched(seq, &parent, -1) {
            // The parent moved meanwhile: asked again if still looked at.
            return Applied::default();
        }
        if self.parents.get(&parent).is_some_and(|p| p.size.is_some()) {
            return Applied::default();
        }
        if !parent.is_empty() && !matches!(self.locate(&parent), Located::At { .. }) {
            return Applied::default();
        }
        if self.parents.len() >= self.opts.cache_rows {
            return Applied::default();
        }
        let event =
            (size.rows > 0).then(|| ModelEvent::RowsInserted { parent: parent.clone(), first: 0, last: size.rows - 1 });
        if let Some(e) = &event {
            announce(self, e);
        }
        match self.parents.get_mut(&parent) {
            Some(node) => node.size = Some(size),
            None => self.insert_parent(parent.clone(), Some(size)),
        }
        match event {
            Some(event) => {
                self.mark_has_children(&parent);
                Applied::pair(event)
            }
            None => Applied::default(),
        }
    }

    fn apply_rows(
        &mut self,
        parent: IndexPath,
        first: i32,
        last: i32,
        roles: &[i32],
        seq: u64,
        value: &Value,
    ) -> Applied {
        let items = match entries_from_value(value, 0) {
            Ok(items) => items,
            Err(e) => {
                self.stalled.insert(parent);
                return self.error(e);
            }
        };
        if self.touched(seq, &parent, last) {
            // Stale: its rows are still missing, and asked for again.
            return Applied::default();
        }
        let Some(size) = self.parents.get(&parent).and_then(|p| p.size) else { return Applied::default() };
        let mut bad = None;
        let (mut lo, mut hi) = (i32::MAX, i32::MIN);
        for item in &items {
            let fits = item.index.split_last().is_some_and(|(l, p)| {
                p == parent.as_slice()
                    && (first..=last).contains(&l.row)
                    && l.row < size.rows
                    && l.column >= 0
                    && l.column < size.columns
            });
            if !fits || item.data.len() != roles.len() {
                bad.get_or_insert_with(|| {
                    ModelError::malformed(
                        "DataEntries reply",
                        format!(
                            "item {} with {} values does not fit the request {first}..={last} under {}",
                            DisplayPath(&item.index),
                            item.data.len(),
                            DisplayPath(&parent)
                        ),
                    )
                });
                continue;
            }
            let l = *item.index.last().expect("checked");
            self.store_cell(&parent, l.row, l.column, item, roles, size.columns);
            lo = lo.min(l.row);
            hi = hi.max(l.row);
        }
        let mut applied = Applied::default();
        if lo <= hi {
            if let Some(set) = self.misses.get_mut(&parent) {
                let done: Vec<i32> = set.range(lo..=hi).copied().collect();
                for r in done {
                    set.remove(&r);
                }
                if set.is_empty() {
                    self.misses.remove(&parent);
                }
            }
            let mut tl = parent.clone();
            tl.push(ModelIndex::new(lo, 0));
            let mut br = parent.clone();
            br.push(ModelIndex::new(hi, size.columns - 1));
            applied.after.push(ModelEvent::DataChanged { top_left: tl, bottom_right: br, roles: Vec::new() });
        } else {
            // Nothing usable came back: do not ask again until the rows are looked at again.
            self.stalled.insert(parent.clone());
            if let Some(set) = self.misses.get_mut(&parent) {
                let done: Vec<i32> = set.range(first..=last).copied().collect();
                for r in done {
                    set.remove(&r);
                }
            }
        }
        if let Some(e) = bad {
            applied.after.extend(self.error(e).after);
        }
        self.evict();
        applied
    }

    fn apply_headers(&mut self, items: Vec<(Orientation, i32, i32)>, value: &Value) -> Applied {
        let values = match value {
            Value::List(l) if l.len() == items.len() => l.iter().cloned(),
            other => {
                return self.error(ModelError::malformed(
                    "replicaHeaderRequest reply",
                    format!("expected {} values, got {}", items.len(), super::types::kind(other)),
                ))
            }
        };
        if self.headers.len() + items.len() > HEADERS_MAX {
            self.headers.clear();
        }
        let mut spans: BTreeMap<i32, (i32, i32)> = BTreeMap::new();
        let size = self.parents.get(&Vec::new()).and_then(|p| p.size).unwrap_or_default();
        for ((o, s, r), v) in items.into_iter().zip(values) {
            // Sections asked for before rows or columns went away are not there any more.
            let count = match o {
                Orientation::Horizontal => size.columns,
                Orientation::Vertical => size.rows,
            };
            if s < 0 || s >= count {
                continue;
            }
            self.headers.insert((o, s, r), v);
            let span = spans.entry(o as i32).or_insert((s, s));
            span.0 = span.0.min(s);
            span.1 = span.1.max(s);
        }
        let after = spans
            .into_iter()
            .filter_map(|(o, (first, last))| {
                Orientation::from_i32(o).map(|orientation| ModelEvent::HeaderDataChanged { orientation, first, last })
            })
            .collect();
        Applied { before: None, after }
    }

    /// Evicts least recently used rows past `cache_rows`, sparing the windows and rows whose
    /// children are known, and never keeps more than twice `cache_rows`.
    fn evict(&mut self) {
        let cap = self.opts.cache_rows;
        if self.total_rows <= cap + cap / 4 {
            return;
        }
        let pre = self.opts.prefetch_rows as i32;
        let pinned_window = |parent: &IndexPath, row: i32| {
            self.windows.iter().any(|w| {
                w.parent == *parent && row >= w.rows.start.saturating_sub(pre) && row < w.rows.end.saturating_add(pre)
            })
        };
        let with_children: std::collections::HashSet<(&[ModelIndex], i32)> =
            self.parents.keys().filter_map(|p| p.split_last().map(|(l, parent)| (parent, l.row))).collect();
        let has_children_known = |parent: &IndexPath, row: i32| with_children.contains(&(parent.as_slice(), row));
        let mut candidates: Vec<(bool, u64, IndexPath, i32)> = Vec::with_capacity(self.total_rows);
        for (p, node) in &self.parents {
            for (r, row) in &node.rows {
                let pinned = pinned_window(p, *r) || has_children_known(p, *r);
                candidates.push((pinned, row.used, p.clone(), *r));
            }
        }
        // Unpinned first, oldest first.
        candidates.sort_by_key(|c| (c.0, c.1));
        let mut excess = self.total_rows - cap;
        for (pinned, _, p, r) in candidates {
            if excess == 0 || (pinned && self.total_rows <= 2 * cap) {
                break;
            }
            if let Some(node) = self.parents.get_mut(&p) {
                if node.rows.remove(&r).is_some() {
                    self.total_rows -= 1;
                    excess -= 1;
                }
            }
        }
    }

    /// Checks the bookkeeping (for tests): the row count matches the rows held, no row lies
    /// outside its parent's size, every parent below the root hangs under a known row range.
    #[cfg(test)]
    pub(crate) fn check_invariants(&self) -> Result<(), String> {
        let held: usize = self.parents.values().map(|p| p.rows.len()).sum();
        if held != self.total_rows {
            return Err(format!("total_rows {} but {held} rows held", self.total_rows));
        }
        if self.total_rows > 2 * self.opts.cache_rows + 2 * self.opts.max_rows_per_request as usize {
            return Err(format!("{} rows cached", self.total_rows));
        }
        for (path, node) in &self.parents {
            if let (Some(size), Some((&last, _))) = (node.size, node.rows.last_key_value()) {
                if last >= size.rows || node.rows.keys().next().is_some_and(|&r| r < 0) {
                    return Err(format!("{}: row {last} of {} rows", DisplayPath(path), size.rows));
                }
            }
            if let Some((step, parent)) = path.split_last() {
                if let Some(size) = self.parents.get(parent).and_then(|p| p.size) {
                    if step.row < 0 || step.row >= size.rows {
                        return Err(format!("{} under a parent of {} rows", DisplayPath(path), size.rows));
                    }
                }
            }
        }
        Ok(())
    }

    /// The stable id of the parent at `path` while its children are known (for adapters that
    /// need an internal id per parent).
    pub fn parent_id(&self, path: &[ModelIndex]) -> Option<u64> {
        self.parents.get(path).map(|p| p.id)
    }
}

impl std::fmt::Debug for ModelCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ModelCache")
            .field("ready", &self.ready)
            .field("parents", &self.parents.len())
            .field("rows", &self.total_rows)
            .field("in_flight", &self.in_flight.len())
            .finish_non_exhaustive()
    }
}

enum Located<'p> {
    /// No such item.
    Missing,
    /// Its parent's children are not known yet.
    Unknown,
    At {
        parent: &'p [ModelIndex],
        row: i32,
        column: i32,
    },
}

/// Rows and parents taken out of the cache by a move.
#[derive(Default)]
struct Subtrees {
    rows: Vec<(i32, Row)>,
    parents: Vec<(IndexPath, ParentNode)>,
}
