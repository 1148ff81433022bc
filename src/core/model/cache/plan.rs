//! What the cache asks the host for: windows, writes and the current index the application
//! sets, and the requests planned from them and from misses, with the structural log that
//! tells which replies a later change made stale.

use super::*;

impl ModelCache {
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

    pub(super) fn ticket(&mut self) -> Ticket {
        let t = self.next_ticket;
        self.next_ticket += 1;
        t
    }

    pub(super) fn send(&mut self, flight: Flight) -> Ticket {
        let t = self.ticket();
        self.in_flight.insert(t, InFlight { flight, epoch: self.epoch, seq: self.seq });
        t
    }

    pub(super) fn want_size(&mut self, parent: &[ModelIndex]) {
        self.plan_dirty = true;
        self.size_wanted.insert(parent.to_vec());
    }

    pub(super) fn miss(&mut self, parent: IndexPath, row: i32) {
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
    pub(super) fn wanted_rows(&self) -> BTreeMap<IndexPath, Vec<i32>> {
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

    pub(super) fn plan_rows(&mut self, out: &mut Vec<(Ticket, AdapterRequest)>) {
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
    pub(super) fn touched(&self, since: u64, path: &[ModelIndex], end_row: i32) -> bool {
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

    pub(super) fn log_change(&mut self, parent: &[ModelIndex], first: i32) {
        self.seq += 1;
        if self.log.len() >= LOG_MAX {
            if let Some((s, _, _)) = self.log.pop_front() {
                self.log_floor = s;
            }
        }
        self.log.push_back((self.seq, parent.to_vec(), first));
    }
}
