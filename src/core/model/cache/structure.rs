//! The cache's tree of parents and rows, and the adapter's signals applied to it: data changed,
//! rows inserted, removed and moved, columns inserted, resets.

use super::*;

impl ModelCache {
    // ---- internals: lookups ----------------------------------------------------------------

    pub(super) fn size_of(&mut self, parent: &[ModelIndex]) -> Option<ModelSize> {
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
    pub(super) fn cell(&mut self, path: &[ModelIndex]) -> Option<Cell> {
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
    pub(super) fn locate<'p>(&self, path: &'p [ModelIndex]) -> Located<'p> {
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

    pub(super) fn insert_parent(&mut self, path: IndexPath, size: Option<ModelSize>) {
        let id = self.next_parent_id;
        self.next_parent_id += 1;
        self.parents.insert(path, ParentNode { id, size, rows: BTreeMap::new() });
    }

    pub(super) fn clear_content(&mut self) {
        self.parents.clear();
        self.total_rows = 0;
        self.headers.clear();
        self.header_misses.clear();
        self.misses.clear();
        self.size_wanted.clear();
        self.stalled.clear();
    }

    pub(super) fn start_reset(&mut self, announce: Announce<'_>) -> Applied {
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
    pub(super) fn resync(&mut self, e: ModelError, announce: Announce<'_>) -> Applied {
        let mut applied = self.error(e);
        let reset = self.start_reset(announce);
        applied.before = reset.before;
        applied.after.splice(0..0, reset.after);
        applied
    }

    pub(super) fn error(&mut self, e: ModelError) -> Applied {
        self.errors += 1;
        if self.errors <= ERRORS_REPORTED {
            tracing::warn!(error = %e, "model replica: discarded what the host sent");
            Applied::one(ModelEvent::Error(e))
        } else {
            Applied::default()
        }
    }

    pub(super) fn check_signal_paths(&self, s: &ModelSignal) -> Result<(), ModelError> {
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

    pub(super) fn data_changed(&mut self, top_left: IndexPath, bottom_right: IndexPath, roles: Vec<i32>) -> Applied {
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
    pub(super) fn known_parent(&self, parent: &[ModelIndex]) -> Option<ModelSize> {
        self.parents.get(parent).and_then(|p| p.size)
    }

    /// Marks the cached item at `path` as having children; whether it had none before.
    pub(super) fn mark_has_children(&mut self, path: &[ModelIndex]) -> bool {
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

    pub(super) fn rows_inserted(
        &mut self,
        parent: IndexPath,
        first: i32,
        last: i32,
        announce: Announce<'_>,
    ) -> Applied {
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

    pub(super) fn rows_removed(&mut self, parent: IndexPath, first: i32, last: i32, announce: Announce<'_>) -> Applied {
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

    pub(super) fn rows_moved(
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

    pub(super) fn columns_inserted(
        &mut self,
        parent: IndexPath,
        first: i32,
        last: i32,
        announce: Announce<'_>,
    ) -> Applied {
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
    pub(super) fn drop_headers(&mut self, orientation: Orientation, first: i32) {
        self.headers.retain(|(o, s, _), _| *o != orientation || *s < first);
    }

    /// Drops rows `first..=last` of `parent` and everything known below them.
    pub(super) fn take_rows(&mut self, parent: &[ModelIndex], first: i32, last: i32) {
        drop(self.take_subtrees(parent, first, last));
    }

    /// Takes rows `first..=last` of `parent` out with the parents below them (paths relative to
    /// `parent`, rows renumbered from 0).
    pub(super) fn take_subtrees(&mut self, parent: &[ModelIndex], first: i32, last: i32) -> Subtrees {
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

    pub(super) fn put_subtrees(&mut self, parent: &[ModelIndex], at: i32, t: Subtrees) {
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
    pub(super) fn shift_rows(&mut self, parent: &[ModelIndex], from: i32, by: i32) {
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
}
