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

mod plan;
mod replies;
mod structure;

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
