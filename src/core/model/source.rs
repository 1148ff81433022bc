//! The source side of a model, sans IO: a [`ModelSource`] (the model, as Rust code sees it)
//! served by a [`ModelServer`], which answers each [`AdapterRequest`] as Qt's adapter does and
//! turns each [`ModelChange`] into the [`ModelSignal`] Qt would send (`docs/design/item-models.md`
//! §1.2).
//!
//! Unlike Qt's adapter, the server never trusts a request: an index path that does not address
//! an item, an empty `start`, or `start`/`end` under different parents is answered with an empty
//! reply and a (rate-limited) warning where Qt would abort, and every reply is bounded by
//! [`ServeCaps`] where Qt's are not (whole rows are cut; a replica asks again for what it still
//! needs).

use bytes::Bytes;

use super::adapter::method;
use super::types::{entries_to_value, DisplayPath};
use super::{
    AdapterRequest, CacheReply, IndexPath, ItemData, ItemFlags, LayoutHint, ModelError, ModelIndex, ModelSignal,
    ModelSize, Orientation,
};
use crate::core::host::size_bound;
use crate::core::value::Value;
use crate::core::{Dialect, Limits};

/// `Qt::DisplayRole`.
pub const DISPLAY_ROLE: i32 = 0;
/// `Qt::EditRole`.
pub const EDIT_ROLE: i32 = 2;
/// `Qt::UserRole`: the first role free for applications.
pub const USER_ROLE: i32 = 256;

/// The names Qt's `QAbstractItemModel::roleNames()` gives the standard roles.
pub const STANDARD_ROLE_NAMES: [(i32, &str); 6] =
    [(0, "display"), (1, "decoration"), (2, "edit"), (3, "toolTip"), (4, "statusTip"), (5, "whatsThis")];

/// A change of a model, as `QAbstractItemModel` signals it (after the fact). Paths are valid in
/// the model *after* the change, except the removed/moved ranges, which are given in the
/// numbering before it (as Qt gives them).
#[derive(Debug, Clone, PartialEq)]
pub enum ModelChange {
    /// Data of the items from `top_left` to `bottom_right` (same parent) changed for `roles`
    /// (empty: possibly every role).
    DataChanged {
        /// The first item.
        top_left: IndexPath,
        /// The last item.
        bottom_right: IndexPath,
        /// The roles that changed.
        roles: Vec<i32>,
    },
    /// Rows `first..=last` were inserted under `parent`.
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
    /// Rows `first..=last` of `parent` moved before row `row` of `destination` (numbering
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
    /// Columns `first..=last` were removed (Qt never forwards this: replicas are reset).
    ColumnsRemoved {
        /// The parent.
        parent: IndexPath,
        /// First removed column.
        first: i32,
        /// Last removed column.
        last: i32,
    },
    /// Columns moved (Qt never forwards this: replicas are reset).
    ColumnsMoved {
        /// Where they were.
        parent: IndexPath,
        /// First moved column.
        first: i32,
        /// Last moved column.
        last: i32,
        /// Where they went.
        destination: IndexPath,
        /// The column they were moved before.
        column: i32,
    },
    /// The layout under `parents` changed (rows sorted, say; empty: everywhere).
    LayoutChanged {
        /// The parents concerned.
        parents: Vec<IndexPath>,
        /// What kind of change.
        hint: LayoutHint,
    },
    /// Everything changed.
    Reset,
    /// Header sections `first..=last` of `orientation` changed.
    HeaderDataChanged {
        /// Which headers.
        orientation: Orientation,
        /// First section.
        first: i32,
        /// Last section.
        last: i32,
    },
    /// The current index (of the selection model) changed.
    CurrentChanged {
        /// The new current index (empty: none).
        current: IndexPath,
        /// The previous one.
        previous: IndexPath,
    },
}

/// A model served to replicas: what Qt's adapter asks of a `QAbstractItemModel`.
///
/// Items are addressed by their [`IndexPath`] from the root, as on the wire. Implementations
/// answer for paths that [`ModelServer`] has checked (each step within the row and column counts
/// of its parent), so they may index without further checks; they must not panic either way.
pub trait ModelSource: Send + 'static {
    /// Role numbers and their names (Qt's `roleNames()`), e.g. `(0, "display")`.
    fn role_names(&self) -> Vec<(i32, Bytes)>;
    /// Rows under `parent` (the root when empty).
    fn row_count(&self, parent: &[ModelIndex]) -> i32;
    /// Columns under `parent`.
    fn column_count(&self, parent: &[ModelIndex]) -> i32;
    /// Whether the item has children.
    fn has_children(&self, index: &[ModelIndex]) -> bool {
        self.row_count(index) > 0 && self.column_count(index) > 0
    }
    /// The item's value for `role` ([`Value::Invalid`]: none).
    fn data(&self, index: &[ModelIndex], role: i32) -> Value;
    /// The item's values for each of `roles`, appended to `out` in order.
    fn multi_data(&self, index: &[ModelIndex], roles: &[i32], out: &mut Vec<Value>) {
        out.extend(roles.iter().map(|&r| self.data(index, r)));
    }
    /// The item's flags.
    fn flags(&self, _index: &[ModelIndex]) -> ItemFlags {
        ItemFlags::SELECTABLE | ItemFlags::ENABLED
    }
    /// Header data of `section` for `role`.
    fn header_data(&self, _section: i32, _orientation: Orientation, _role: i32) -> Value {
        Value::Invalid
    }
    /// Writes `value` to `role` of the item (a replica's `setData`), returning the changes made
    /// (they are signalled to every replica), or why not.
    fn set_data(&mut self, index: &[ModelIndex], _value: Value, role: i32) -> Result<Vec<ModelChange>, ModelError> {
        Err(ModelError::ReadOnly { index: DisplayPath(index).to_string(), role })
    }
}

/// Bounds of what one reply may carry (Qt's adapter has none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServeCaps {
    /// Most cells in a `replicaRowRequest` reply.
    pub max_row_cells: usize,
    /// Most cells in a `replicaCacheRequest` reply, whatever size was asked for.
    pub max_cache_cells: usize,
    /// Estimated bytes of a reply; rows beyond are left out.
    pub max_reply_bytes: usize,
    /// Values in a reply (each cell takes about ten plus its data): a replica decoding within
    /// `Limits::max_values` must still read it; rows beyond are left out.
    pub max_reply_values: usize,
    /// Most roles per request (longer lists are cut).
    pub max_roles: usize,
    /// Most header entries per `replicaHeaderRequest`.
    pub max_header_items: usize,
    /// Deepest index path answered.
    pub max_depth: usize,
    /// Deepest level of children a cache reply nests (each level nests the values two deeper:
    /// a replica decoding within `Limits::max_depth` must still read the reply).
    pub max_tree_depth: usize,
}

impl ServeCaps {
    /// The defaults for a node with these limits: 20 000 cells per row reply, 10 000 per cache
    /// reply, a quarter of the packet limit per reply.
    pub fn for_limits(limits: &Limits) -> Self {
        ServeCaps {
            max_row_cells: 20_000,
            max_cache_cells: 10_000,
            max_reply_bytes: (limits.max_packet_size / 4) as usize,
            max_reply_values: limits.max_values / 2,
            max_roles: 1024,
            max_header_items: 20_000,
            max_depth: limits.max_depth.saturating_sub(8).max(1) as usize,
            max_tree_depth: (limits.max_depth.saturating_sub(8) / 2).max(1) as usize,
        }
    }
}

impl Default for ServeCaps {
    fn default() -> Self {
        ServeCaps::for_limits(&Limits::DEFAULT)
    }
}

/// What answering a request came to.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Answer {
    /// The reply to send (methods 0, 1, 2 and 5).
    Reply(Value),
    /// A replica's `setData` was applied: signal `changes` to every replica.
    DataSet {
        /// The item written.
        index: IndexPath,
        /// The role written.
        role: i32,
        /// The value written.
        value: Value,
        /// What the model says changed.
        changes: Vec<ModelChange>,
    },
    /// A replica's `setData` was refused.
    DataRefused {
        /// The item.
        index: IndexPath,
        /// The role.
        role: i32,
        /// Why.
        error: ModelError,
    },
    /// A replica set the current index: signal the change (`None`: it was current already).
    CurrentSet {
        /// The new current index.
        current: IndexPath,
        /// The change to signal.
        change: Option<ModelChange>,
    },
    /// Nothing to do (a void call that was invalid, or a selection call without selection).
    Ignored,
}

/// Answers a model's requests as Qt's adapter does, within [`ServeCaps`] (see the
/// [module documentation](self)).
#[derive(Debug, Clone)]
pub struct ModelServer {
    available_roles: Vec<i32>,
    caps: ServeCaps,
    selection: bool,
    current: IndexPath,
    warnings: u64,
    served_cells: u64,
}

impl ModelServer {
    /// A server of the roles `available_roles` (what the adapter's `availableRoles` holds);
    /// `selection`: whether the model has a selection model (a current index replicas share).
    pub fn new(available_roles: Vec<i32>, caps: ServeCaps, selection: bool) -> Self {
        ModelServer { available_roles, caps, selection, current: Vec::new(), warnings: 0, served_cells: 0 }
    }

    /// The roles served.
    pub fn available_roles(&self) -> &[i32] {
        &self.available_roles
    }

    /// Changes the roles served (then send `availableRolesChanged`).
    pub fn set_available_roles(&mut self, roles: Vec<i32>) {
        self.available_roles = roles;
    }

    /// The caps replies are bounded by.
    pub fn caps(&self) -> &ServeCaps {
        &self.caps
    }

    /// Whether the model has a selection model.
    pub fn has_selection(&self) -> bool {
        self.selection
    }

    /// The current index (empty: none).
    pub fn current(&self) -> &[ModelIndex] {
        &self.current
    }

    /// Cells served so far in row and cache replies (to see how lazily a replica reads).
    pub fn served_cells(&self) -> u64 {
        self.served_cells
    }

    /// Warnings logged about bad requests so far (logged or not).
    pub fn warnings(&self) -> u64 {
        self.warnings
    }

    fn warn(&mut self, what: &str, detail: String) {
        self.warnings += 1;
        // The first few, then every power of two: a flood of bad requests costs no log flood.
        if self.warnings <= 8 || self.warnings.is_power_of_two() {
            tracing::warn!(count = self.warnings, "model {what}: {detail}");
        }
    }

    /// Whether `path` addresses an item of `m` (every step within its parent's counts).
    pub fn is_valid_path(&self, m: &dyn ModelSource, path: &[ModelIndex]) -> bool {
        if path.len() > self.caps.max_depth {
            return false;
        }
        (0..path.len()).all(|i| {
            let (parent, step) = (&path[..i], path[i]);
            step.row >= 0 && step.column >= 0 && step.row < m.row_count(parent) && step.column < m.column_count(parent)
        })
    }

    /// The reply a method gets when its request cannot be answered: an empty value of the
    /// method's return type (`None` for the void methods).
    pub fn empty_reply(&self, method: usize, dialect: Dialect) -> Option<Value> {
        match method {
            method::SIZE => Some(ModelSize::default().to_value()),
            method::ROWS => Some(entries_to_value(&[])),
            method::HEADER => Some(Value::List(Vec::new())),
            method::CACHE => Some(
                CacheReply { items: Vec::new(), roles: self.available_roles.clone(), root_size: ModelSize::default() }
                    .to_value(dialect),
            ),
            _ => None,
        }
    }

    /// Answers a call of adapter method `method` with `args` as received: a malformed call is
    /// answered with [`ModelServer::empty_reply`] (or ignored, for void methods) and logged.
    pub fn answer_invoke(
        &mut self,
        m: &mut dyn ModelSource,
        method: usize,
        args: &[Value],
        dialect: Dialect,
    ) -> Answer {
        match AdapterRequest::from_invoke(method, args) {
            Ok(req) => self.answer(m, req, dialect),
            Err(e) => {
                self.warn("request refused", format!("{e}"));
                self.empty_reply(method, dialect).map_or(Answer::Ignored, Answer::Reply)
            }
        }
    }

    fn roles_for(&mut self, roles: Vec<i32>) -> Vec<i32> {
        let mut roles = if roles.is_empty() { self.available_roles.clone() } else { roles };
        if roles.len() > self.caps.max_roles {
            self.warn("request cut", format!("{} roles asked, {} served", roles.len(), self.caps.max_roles));
            roles.truncate(self.caps.max_roles);
        }
        roles
    }

    /// Answers one request (see [`Answer`]).
    pub fn answer(&mut self, m: &mut dyn ModelSource, req: AdapterRequest, dialect: Dialect) -> Answer {
        match req {
            AdapterRequest::Size { parent } => {
                if !self.is_valid_path(m, &parent) {
                    self.warn("size request", format!("no item at {}", DisplayPath(&parent)));
                    return Answer::Reply(ModelSize::default().to_value());
                }
                let size = ModelSize { columns: m.column_count(&parent).max(0), rows: m.row_count(&parent).max(0) };
                Answer::Reply(size.to_value())
            }
            AdapterRequest::Rows { start, end, roles } => {
                let roles = self.roles_for(roles);
                Answer::Reply(entries_to_value(&self.rows(m, &start, &end, &roles)))
            }
            AdapterRequest::Header { mut items } => {
                if items.len() > self.caps.max_header_items {
                    self.warn(
                        "header request cut",
                        format!("{} entries asked, {} served", items.len(), self.caps.max_header_items),
                    );
                    items.truncate(self.caps.max_header_items);
                }
                let mut out = Vec::with_capacity(items.len());
                let mut bytes = 0;
                for (o, section, role) in items {
                    let v = m.header_data(section, o, role);
                    bytes += size_bound(&v);
                    if bytes > self.caps.max_reply_bytes {
                        self.warn("header reply cut", format!("{} entries served", out.len()));
                        break;
                    }
                    out.push(v);
                }
                Answer::Reply(Value::List(out))
            }
            AdapterRequest::Cache { size, roles } => {
                let roles = self.roles_for(roles);
                let cap = self.caps.max_cache_cells as u64;
                let mut budget = Budget {
                    cells: size.min(cap),
                    bytes: self.caps.max_reply_bytes,
                    values: self.caps.max_reply_values,
                    capped: size > cap,
                    cut: false,
                };
                let items = self.tree(m, &mut Vec::new(), &roles, &mut budget);
                if budget.cut {
                    self.warn("cache reply cut", format!("{size} cells asked"));
                }
                let root_size = ModelSize { columns: m.column_count(&[]).max(0), rows: m.row_count(&[]).max(0) };
                Answer::Reply(CacheReply { items, roles, root_size }.to_value(dialect))
            }
            AdapterRequest::SetData { index, value, role } => {
                let error = if index.is_empty() || !self.is_valid_path(m, &index) {
                    Some(ModelError::NoSuchIndex(DisplayPath(&index).to_string()))
                } else if !self.available_roles.contains(&role) {
                    Some(ModelError::UnknownRole(role))
                } else {
                    None
                };
                if let Some(error) = error {
                    self.warn("setData refused", format!("{error}"));
                    return Answer::DataRefused { index, role, error };
                }
                match m.set_data(&index, value.clone(), role) {
                    Ok(changes) => Answer::DataSet { index, role, value, changes },
                    Err(error) => Answer::DataRefused { index, role, error },
                }
            }
            AdapterRequest::SetCurrent { index, .. } => {
                if !self.selection {
                    return Answer::Ignored;
                }
                if !self.is_valid_path(m, &index) {
                    self.warn("current index refused", format!("no item at {}", DisplayPath(&index)));
                    return Answer::Ignored;
                }
                let change = self.set_current(index.clone());
                Answer::CurrentSet { current: index, change }
            }
        }
    }

    /// Makes `current` the current index; the change to signal, if it is one.
    pub fn set_current(&mut self, current: IndexPath) -> Option<ModelChange> {
        if current == self.current {
            return None;
        }
        let previous = std::mem::replace(&mut self.current, current.clone());
        Some(ModelChange::CurrentChanged { current, previous })
    }

    /// Keeps the current index on its item across a structural change (as a persistent index),
    /// or clears it when its item goes. Call it for every change the model makes.
    pub fn observe(&mut self, change: &ModelChange) {
        if self.current.is_empty() {
            return;
        }
        let cur = &mut self.current;
        // The step of the current path directly under `parent`, if the path goes through it.
        let under = |cur: &IndexPath, parent: &[ModelIndex]| -> Option<usize> {
            (cur.len() > parent.len() && cur[..parent.len()] == *parent).then_some(parent.len())
        };
        match change {
            ModelChange::RowsInserted { parent, first, last } => {
                if let Some(d) = under(cur, parent) {
                    if cur[d].row >= *first {
                        cur[d].row += last - first + 1;
                    }
                }
            }
            ModelChange::RowsRemoved { parent, first, last } => {
                if let Some(d) = under(cur, parent) {
                    if cur[d].row > *last {
                        cur[d].row -= last - first + 1;
                    } else if cur[d].row >= *first {
                        cur.clear();
                    }
                }
            }
            ModelChange::ColumnsInserted { parent, first, last } => {
                if let Some(d) = under(cur, parent) {
                    if cur[d].column >= *first {
                        cur[d].column += last - first + 1;
                    }
                }
            }
            ModelChange::ColumnsRemoved { parent, first, last } => {
                if let Some(d) = under(cur, parent) {
                    if cur[d].column > *last {
                        cur[d].column -= last - first + 1;
                    } else if cur[d].column >= *first {
                        cur.clear();
                    }
                }
            }
            ModelChange::RowsMoved { .. }
            | ModelChange::ColumnsMoved { .. }
            | ModelChange::LayoutChanged { .. }
            | ModelChange::Reset => cur.clear(),
            ModelChange::CurrentChanged { current, .. } => *cur = current.clone(),
            ModelChange::DataChanged { .. } | ModelChange::HeaderDataChanged { .. } => {}
        }
    }

    /// The signal Qt's adapter sends for `change`, if any: data roles filtered to the available
    /// ones (none listed: all of them; none left: no signal), column removals and moves (which Qt
    /// does not forward, leaving its replicas stale) sent as a reset, layout parents flattened,
    /// and the current index only with a selection model.
    pub fn signal_for(&self, change: &ModelChange) -> Option<ModelSignal> {
        Some(match change.clone() {
            ModelChange::DataChanged { top_left, bottom_right, roles } => {
                let roles = if roles.is_empty() {
                    self.available_roles.clone()
                } else {
                    roles.into_iter().filter(|r| self.available_roles.contains(r)).collect()
                };
                if roles.is_empty() {
                    return None;
                }
                ModelSignal::DataChanged { top_left, bottom_right, roles }
            }
            ModelChange::RowsInserted { parent, first, last } => ModelSignal::RowsInserted { parent, first, last },
            ModelChange::RowsRemoved { parent, first, last } => ModelSignal::RowsRemoved { parent, first, last },
            ModelChange::RowsMoved { parent, first, last, destination, row } => {
                ModelSignal::RowsMoved { parent, first, last, destination, row }
            }
            ModelChange::ColumnsInserted { parent, first, last } => {
                ModelSignal::ColumnsInserted { parent, first, last }
            }
            ModelChange::ColumnsRemoved { .. } | ModelChange::ColumnsMoved { .. } | ModelChange::Reset => {
                ModelSignal::Reset
            }
            ModelChange::LayoutChanged { parents, hint } => {
                ModelSignal::LayoutChanged { parents_flat: parents.concat(), hint }
            }
            ModelChange::HeaderDataChanged { orientation, first, last } => {
                ModelSignal::HeaderDataChanged { orientation, first, last }
            }
            ModelChange::CurrentChanged { current, previous } => {
                if !self.selection {
                    return None;
                }
                ModelSignal::CurrentChanged { current, previous }
            }
        })
    }

    /// The items of a row request: one per cell, row-major, `end` clipped to the counts.
    fn rows(&mut self, m: &dyn ModelSource, start: &[ModelIndex], end: &[ModelIndex], roles: &[i32]) -> Vec<ItemData> {
        let (Some((first, parent)), Some((last, end_parent))) = (start.split_last(), end.split_last()) else {
            self.warn("row request", "empty start or end".to_owned());
            return Vec::new();
        };
        if parent != end_parent {
            self.warn(
                "row request",
                format!("start {} and end {} have different parents", DisplayPath(start), DisplayPath(end)),
            );
            return Vec::new();
        }
        if parent.len() >= self.caps.max_depth || !self.is_valid_path(m, parent) {
            self.warn("row request", format!("no item at {}", DisplayPath(parent)));
            return Vec::new();
        }
        let (rows, cols) = (m.row_count(parent), m.column_count(parent));
        if first.row < 0 || first.column < 0 || first.row >= rows || first.column >= cols {
            if rows > 0 {
                self.warn("row request", format!("start {} out of range {rows}x{cols}", DisplayPath(start)));
            }
            return Vec::new();
        }
        let end_row = last.row.min(rows - 1);
        let end_col = last.column.min(cols - 1);
        if end_row < first.row || end_col < first.column {
            return Vec::new();
        }
        let per_row = (end_col - first.column + 1) as usize;
        let max_rows = (self.caps.max_row_cells / per_row).max(1);
        let mut out = Vec::new();
        let (mut bytes, mut values) = (0usize, 0usize);
        let mut path = parent.to_vec();
        path.push(ModelIndex::default());
        for (n, row) in (first.row..=end_row).enumerate() {
            if n >= max_rows {
                self.warn("row reply cut", format!("{n} of {} rows served", end_row - first.row + 1));
                break;
            }
            let mark = out.len();
            let (mut row_bytes, mut row_values) = (0, 0);
            for column in first.column..=end_col {
                *path.last_mut().expect("pushed") = ModelIndex::new(row, column);
                let item = item(m, &path, roles, None);
                row_bytes += item_size(&item);
                row_values += item_values(&item);
                out.push(item);
            }
            let over =
                bytes + row_bytes > self.caps.max_reply_bytes || values + row_values > self.caps.max_reply_values;
            let alone_too_big = row_bytes > 2 * self.caps.max_reply_bytes || row_values > self.caps.max_reply_values;
            if over && (n > 0 || alone_too_big) {
                out.truncate(mark);
                self.warn("row reply cut", format!("{n} rows served, the next would pass the caps"));
                break;
            }
            bytes += row_bytes;
            values += row_values;
        }
        self.served_cells += out.len() as u64;
        out
    }

    /// `fetchTree`: the items under `path`, depth-first and row-major, each counted against the
    /// budget, children of items that have some included.
    fn tree(&mut self, m: &dyn ModelSource, path: &mut IndexPath, roles: &[i32], budget: &mut Budget) -> Vec<ItemData> {
        let (rows, cols) = (m.row_count(path), m.column_count(path));
        let mut out = Vec::new();
        if rows <= 0 || cols <= 0 {
            return out;
        }
        'rows: for row in 0..rows {
            for column in 0..cols {
                if budget.cells == 0 {
                    budget.cut |= budget.capped;
                    break 'rows;
                }
                path.push(ModelIndex::new(row, column));
                let size = ModelSize { columns: m.column_count(path).max(0), rows: m.row_count(path).max(0) };
                let mut it = item(m, path, roles, Some(size));
                let (bytes, values) = (item_size(&it), item_values(&it));
                if bytes > budget.bytes || values > budget.values {
                    path.pop();
                    budget.cells = 0;
                    budget.cut = true;
                    break 'rows;
                }
                budget.bytes -= bytes;
                budget.values -= values;
                budget.cells -= 1;
                self.served_cells += 1;
                if it.has_children && path.len() < self.caps.max_tree_depth {
                    it.children = self.tree(m, path, roles, budget);
                }
                path.pop();
                out.push(it);
            }
        }
        out
    }
}

struct Budget {
    cells: u64,
    bytes: usize,
    values: usize,
    /// Whether `cells` is the cap rather than the size asked for.
    capped: bool,
    /// Whether the caps left out items.
    cut: bool,
}

fn item(m: &dyn ModelSource, path: &[ModelIndex], roles: &[i32], size: Option<ModelSize>) -> ItemData {
    let mut data = Vec::with_capacity(roles.len());
    m.multi_data(path, roles, &mut data);
    // A model that gives too few or too many values still gets one per role on the wire.
    data.resize(roles.len(), Value::Invalid);
    ItemData {
        index: path.to_vec(),
        data,
        has_children: m.has_children(path),
        flags: m.flags(path),
        children: Vec::new(),
        size,
    }
}

/// A bound of an item's encoded size (children apart).
fn item_size(item: &ItemData) -> usize {
    64 + 8 * item.index.len() + item.data.iter().map(size_bound).sum::<usize>()
}

/// A bound of the values an item decodes to (children apart): its struct, path, flags, size and
/// data, nested values counted.
fn item_values(item: &ItemData) -> usize {
    8 + 3 * item.index.len() + item.data.iter().map(value_count).sum::<usize>()
}

/// The values `v` decodes to, itself and everything nested.
fn value_count(v: &Value) -> usize {
    1 + match v {
        Value::List(items) => items.iter().map(value_count).sum(),
        Value::Map(e) | Value::Hash(e) => e.iter().map(|(_, v)| 1 + value_count(v)).sum(),
        Value::StringList(l) => l.len(),
        Value::ByteArrayList(l) => l.len(),
        Value::Pair(a, b) => value_count(a) + value_count(b),
        Value::Struct(st) => st.fields.iter().map(value_count).sum(),
        Value::Gadget(g) => g.fields.iter().map(value_count).sum(),
        Value::Sequence(sq) => sq.items.iter().map(value_count).sum(),
        Value::Assoc(a) => a.entries.iter().map(|(k, v)| value_count(k) + value_count(v)).sum(),
        Value::GadgetSequence(g) => g.items.iter().map(value_count).sum(),
        Value::GadgetAssoc(g) => g.entries.iter().map(|(k, v)| value_count(k) + value_count(v)).sum(),
        Value::Variant(inner) | Value::Null(inner) => value_count(inner),
        Value::Remote(ro) => ro.parameters.iter().map(value_count).sum(),
        _ => 0,
    }
}
