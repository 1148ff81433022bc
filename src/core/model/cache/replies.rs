//! The host's replies applied to the cache (initialization, sizes, rows, headers), each checked
//! against its request, and eviction past `cache_rows`.

use super::*;

impl ModelCache {
    // ---- internals: replies ----------------------------------------------------------------

    pub(super) fn apply_init(&mut self, value: &Value, announce: Announce<'_>) -> Applied {
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
    pub(super) fn fill_tree(
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

    pub(super) fn store_cell(
        &mut self,
        parent: &[ModelIndex],
        row: i32,
        column: i32,
        item: &ItemData,
        roles: &[i32],
        cols: i32,
    ) {
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

    pub(super) fn apply_size(&mut self, parent: IndexPath, seq: u64, value: &Value, announce: Announce<'_>) -> Applied {
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

    pub(super) fn apply_rows(
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

    pub(super) fn apply_headers(&mut self, items: Vec<(Orientation, i32, i32)>, value: &Value) -> Applied {
        let values = match value {
            Value::List(l) if l.len() == items.len() => l.iter().cloned(),
            other => {
                return self.error(ModelError::malformed(
                    "replicaHeaderRequest reply",
                    format!("expected {} values, got {}", items.len(), crate::core::model::types::kind(other)),
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
    pub(super) fn evict(&mut self) {
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
}
