//! [`ModelCache`], the replica side of a remote item model, fed typed signals and replies
//! crafted the way Qt's adapter answers (`docs/design/item-models.md` §1.2): initial actions,
//! lazy windows over a million rows, every structural signal, stale replies, eviction and hostile
//! input.

use crate::core::model::types::entries_to_value;
use crate::core::model::{
    AdapterRequest, Applied, CacheReply, InitialAction, ItemData, ItemFlags, Lookup, ModelCache, ModelCacheOptions,
    ModelError, ModelEvent, ModelIndex, ModelSignal, ModelSize, Orientation, Ticket,
};
use crate::core::{CallError, Dialect, ReplicaState, Value};

const DISPLAY: i32 = 0;
const USER: i32 = 256;

fn ix(row: i32, column: i32) -> ModelIndex {
    ModelIndex::new(row, column)
}

/// A flat fake host: `rows` × `cols`, the value of (row, col, role) is `"r{row}c{col}/{role}"`,
/// with `labels[row]` when set (to tell rows apart after moves).
struct Flat {
    rows: i32,
    cols: i32,
    labels: Vec<String>,
    /// Cells the host served in row replies.
    served: u64,
    /// Top-level rows with two children each (one column).
    with_children: Vec<i32>,
}

impl Flat {
    fn new(rows: i32, cols: i32) -> Flat {
        Flat { rows, cols, labels: Vec::new(), served: 0, with_children: Vec::new() }
    }

    fn labelled(labels: &[&str], cols: i32) -> Flat {
        Flat {
            rows: labels.len() as i32,
            cols,
            labels: labels.iter().map(|s| s.to_string()).collect(),
            served: 0,
            with_children: Vec::new(),
        }
    }

    fn value(&self, row: i32, col: i32, role: i32) -> Value {
        match self.labels.get(row as usize) {
            Some(l) => Value::string(format!("{l}c{col}/{role}")),
            None => Value::string(format!("r{row}c{col}/{role}")),
        }
    }

    fn item(&self, parent: &[ModelIndex], row: i32, col: i32, roles: &[i32]) -> ItemData {
        let mut index = parent.to_vec();
        index.push(ix(row, col));
        let data = match parent.first() {
            None => roles.iter().map(|r| self.value(row, col, *r)).collect(),
            Some(p) => roles.iter().map(|r| Value::string(format!("{}.{row}/{r}", p.row))).collect(),
        };
        ItemData {
            index,
            data,
            has_children: parent.is_empty() && col == 0 && self.with_children.contains(&row),
            flags: ItemFlags::SELECTABLE | ItemFlags::ENABLED,
            children: Vec::new(),
            size: None,
        }
    }

    /// The reply Qt's adapter gives to `req`.
    fn answer(&mut self, req: &AdapterRequest) -> Value {
        match req {
            AdapterRequest::Size { parent } if parent.is_empty() => {
                ModelSize { columns: self.cols, rows: self.rows }.to_value()
            }
            AdapterRequest::Size { parent } if parent.len() == 1 && self.with_children.contains(&parent[0].row) => {
                ModelSize { columns: 1, rows: 2 }.to_value()
            }
            AdapterRequest::Size { .. } => ModelSize::default().to_value(),
            AdapterRequest::Rows { start, end, roles } => {
                let (s, e) = (*start.last().unwrap(), *end.last().unwrap());
                let parent = &start[..start.len() - 1];
                let (rows, cols) = if parent.is_empty() { (self.rows, self.cols) } else { (2, 1) };
                let mut items = Vec::new();
                for r in s.row..=e.row.min(rows - 1) {
                    for c in s.column..=e.column.min(cols - 1) {
                        items.push(self.item(parent, r, c, roles));
                    }
                }
                self.served += items.len() as u64;
                entries_to_value(&items)
            }
            AdapterRequest::Cache { size, roles } => {
                let mut items = Vec::new();
                'rows: for r in 0..self.rows {
                    for c in 0..self.cols {
                        if items.len() as u64 >= *size {
                            break 'rows;
                        }
                        let mut it = self.item(&[], r, c, roles);
                        it.size = Some(ModelSize::default());
                        items.push(it);
                    }
                }
                CacheReply { items, roles: roles.clone(), root_size: ModelSize { columns: self.cols, rows: self.rows } }
                    .to_value(Dialect::Qt6)
            }
            AdapterRequest::Header { items } => {
                Value::List(items.iter().map(|(o, s, r)| Value::string(format!("{}{s}/{r}", *o as i32))).collect())
            }
            _ => Value::Invalid,
        }
    }
}

fn opts() -> ModelCacheOptions {
    ModelCacheOptions { cache_rows: 100, prefetch_rows: 0, max_rows_per_request: 64, ..Default::default() }
}

/// Answers every request until none is left; returns everything applied.
fn drive(cache: &mut ModelCache, host: &mut Flat) -> Vec<ModelEvent> {
    let mut events = Vec::new();
    for _ in 0..10_000 {
        let reqs = cache.take_requests();
        if reqs.is_empty() {
            return events;
        }
        for (t, r) in reqs {
            if r.wants_reply() {
                let v = host.answer(&r);
                events.extend(cache.on_reply(t, Ok(v)).into_events());
            }
        }
    }
    panic!("the cache never stopped asking");
}

/// A cache initialized against `host` with `options`.
fn ready(host: &mut Flat, options: ModelCacheOptions) -> ModelCache {
    let mut cache = ModelCache::new(options);
    cache.on_initialized(vec![DISPLAY, USER], vec![(DISPLAY, "display".into()), (USER, "user".into())]);
    let events = drive(&mut cache, host);
    assert_eq!(events.last(), Some(&ModelEvent::Initialized));
    cache
}

fn text(cache: &mut ModelCache, path: &[ModelIndex], role: i32) -> Option<String> {
    match cache.data(path, role) {
        Lookup::Cached(Value::String(Some(s))) => Some(s),
        _ => None,
    }
}

/// Column 0's display text of every root row, fetched.
fn column0(cache: &mut ModelCache, host: &mut Flat) -> Vec<String> {
    let n = cache.row_count(&[]).expect("root size known");
    cache.set_window(&[], 0..n);
    drive(cache, host);
    (0..n).map(|r| text(cache, &[ix(r, 0)], DISPLAY).expect("fetched")).collect()
}

fn errors(events: &[ModelEvent]) -> usize {
    events.iter().filter(|e| matches!(e, ModelEvent::Error(_))).count()
}

#[test]
fn fetch_root_size_then_rows_on_demand() {
    let mut host = Flat::new(5, 2);
    let mut cache = ModelCache::new(opts());
    assert!(cache.on_initialized(vec![DISPLAY, USER], Vec::new()).is_empty(), "nothing to reset yet");
    let reqs = cache.take_requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].1, AdapterRequest::Size { parent: vec![] });
    assert_eq!(cache.data(&[ix(0, 0)], DISPLAY), Lookup::Pending, "nothing before the initial reply");
    let applied = cache.on_reply(reqs[0].0, Ok(host.answer(&reqs[0].1)));
    assert_eq!(applied.before, Some(ModelEvent::Reset));
    assert_eq!(applied.after, vec![ModelEvent::Reset, ModelEvent::Initialized]);
    assert_eq!((cache.row_count(&[]), cache.column_count(&[])), (Some(5), Some(2)));

    assert_eq!(cache.data(&[ix(3, 1)], USER), Lookup::Pending);
    assert_eq!(cache.data(&[ix(3, 0)], DISPLAY), Lookup::Pending);
    let reqs = cache.take_requests();
    // One request for the whole row 3, every available role.
    assert_eq!(
        reqs.iter().map(|r| r.1.clone()).collect::<Vec<_>>(),
        vec![AdapterRequest::Rows { start: vec![ix(3, 0)], end: vec![ix(3, 1)], roles: vec![DISPLAY, USER] }]
    );
    let applied = cache.on_reply(reqs[0].0, Ok(host.answer(&reqs[0].1)));
    assert_eq!(
        applied.after,
        vec![ModelEvent::DataChanged { top_left: vec![ix(3, 0)], bottom_right: vec![ix(3, 1)], roles: vec![] }]
    );
    assert_eq!(text(&mut cache, &[ix(3, 1)], USER).as_deref(), Some("r3c1/256"));
    assert_eq!(cache.flags(&[ix(3, 1)]), Some(ItemFlags::SELECTABLE | ItemFlags::ENABLED));
    assert_eq!(cache.has_children(&[ix(3, 1)]), Some(false));
    assert_eq!(cache.data(&[ix(3, 1)], 7), Lookup::Unavailable, "not an available role");
    assert_eq!(cache.data(&[ix(5, 0)], DISPLAY), Lookup::Unavailable, "past the last row");
    assert_eq!(cache.data(&[ix(0, 2)], DISPLAY), Lookup::Unavailable, "past the last column");
    assert!(cache.take_requests().is_empty(), "nothing more to fetch");
}

#[test]
fn prefetch_data_fills_a_tree() {
    // Row 1 has two children, the second of which has one.
    let leaf = |path: Vec<ModelIndex>, name: &str| ItemData {
        index: path,
        data: vec![Value::string(name)],
        has_children: false,
        flags: ItemFlags::ENABLED,
        children: vec![],
        size: Some(ModelSize::default()),
    };
    let mut grand = leaf(vec![ix(1, 0), ix(1, 0), ix(0, 0)], "g");
    grand.size = Some(ModelSize::default());
    let mut child1 = leaf(vec![ix(1, 0), ix(1, 0)], "c1");
    child1.has_children = true;
    child1.size = Some(ModelSize { columns: 1, rows: 1 });
    child1.children = vec![grand];
    let mut top1 = leaf(vec![ix(1, 0)], "b");
    top1.has_children = true;
    top1.size = Some(ModelSize { columns: 1, rows: 2 });
    top1.children = vec![leaf(vec![ix(1, 0), ix(0, 0)], "c0"), child1];
    let reply = CacheReply {
        items: vec![leaf(vec![ix(0, 0)], "a"), top1],
        roles: vec![DISPLAY],
        root_size: ModelSize { columns: 1, rows: 2 },
    };
    let mut cache =
        ModelCache::new(ModelCacheOptions { initial: InitialAction::PrefetchData, roles_hint: vec![], ..opts() });
    cache.on_initialized(vec![DISPLAY], vec![]);
    let reqs = cache.take_requests();
    assert_eq!(reqs[0].1, AdapterRequest::Cache { size: 100, roles: vec![] });
    let applied = cache.on_reply(reqs[0].0, Ok(reply.to_value(Dialect::Qt6)));
    assert_eq!(errors(&applied.after), 0, "{applied:?}");
    assert_eq!(text(&mut cache, &[ix(0, 0)], DISPLAY).as_deref(), Some("a"));
    assert_eq!(cache.row_count(&[ix(1, 0)]), Some(2));
    assert_eq!(cache.has_children(&[ix(1, 0)]), Some(true));
    assert_eq!(text(&mut cache, &[ix(1, 0), ix(1, 0), ix(0, 0)], DISPLAY).as_deref(), Some("g"));
    assert_eq!(cache.row_count(&[ix(0, 0)]), Some(0), "a leaf");
    assert!(cache.take_requests().is_empty(), "everything came with the prefetch");
}

#[test]
fn a_child_size_is_asked_for_and_announced_as_inserted_rows() {
    let mut cache = ModelCache::new(opts());
    cache.on_initialized(vec![DISPLAY], vec![]);
    let (t, _) = cache.take_requests().remove(0);
    cache.on_reply(t, Ok(ModelSize { columns: 1, rows: 3 }.to_value()));
    assert_eq!(cache.row_count(&[ix(2, 0)]), None, "unknown yet");
    let reqs = cache.take_requests();
    let size = reqs.iter().find(|r| matches!(r.1, AdapterRequest::Size { .. })).expect("a size request");
    assert_eq!(size.1, AdapterRequest::Size { parent: vec![ix(2, 0)] });
    let applied = cache.on_reply(size.0, Ok(ModelSize { columns: 1, rows: 4 }.to_value()));
    let inserted = ModelEvent::RowsInserted { parent: vec![ix(2, 0)], first: 0, last: 3 };
    assert_eq!(applied, Applied { before: Some(inserted.clone()), after: vec![inserted] });
    assert_eq!(cache.row_count(&[ix(2, 0)]), Some(4));
    assert_eq!(cache.row_count(&[ix(3, 0)]), None, "no such item: nothing asked");
    assert!(!cache.take_requests().iter().any(|r| matches!(r.1, AdapterRequest::Size { .. })));
}

#[test]
fn a_million_rows_cost_only_the_window() {
    let mut host = Flat::new(1_000_000, 2);
    let options = ModelCacheOptions { cache_rows: 200, prefetch_rows: 25, max_rows_per_request: 100, ..opts() };
    let mut cache = ready(&mut host, options);
    assert_eq!(cache.row_count(&[]), Some(1_000_000));
    let mut touched = 0u64;
    let mut first = 0;
    while first < 1_000_000 {
        let window = first..(first + 50).min(1_000_000);
        cache.set_window(&[], window.clone());
        drive(&mut cache, &mut host);
        for r in window.clone() {
            assert_eq!(text(&mut cache, &[ix(r, 1)], USER), Some(format!("r{r}c1/256")));
        }
        touched += window.len() as u64;
        assert!(cache.cached_rows() <= 400, "{} rows cached", cache.cached_rows());
        first += 5000;
    }
    // Every window plus its prefetch, nothing else: cells ≈ rows touched (+ prefetch) × 2.
    let cells = cache.cells_requested();
    assert_eq!(cells, host.served);
    assert!(cells <= (touched + 200 * 25 * 2) * 2, "{cells} cells for {touched} rows");
    assert!(cells >= touched * 2);
}

#[test]
fn scrolling_row_by_row_requests_each_row_once() {
    let mut host = Flat::new(10_000, 1);
    let options = ModelCacheOptions { cache_rows: 100, prefetch_rows: 20, max_rows_per_request: 64, ..opts() };
    let mut cache = ready(&mut host, options);
    for first in 0..2000 {
        cache.set_window(&[], first..first + 30);
        drive(&mut cache, &mut host);
        assert!(cache.cached_rows() <= 200);
    }
    // Rows 0..2050 (window end + prefetch), each fetched once or very few times.
    assert!(host.served <= 2050 * 11 / 10, "{} cells served", host.served);
    assert!(host.served >= 2049);
}

#[test]
fn eviction_spares_the_window_and_rows_with_known_children() {
    let mut host = Flat::new(1000, 1);
    host.with_children = vec![5];
    let options = ModelCacheOptions { cache_rows: 20, prefetch_rows: 0, max_rows_per_request: 64, ..opts() };
    let mut cache = ready(&mut host, options);
    // Row 5's children become known.
    cache.set_window(&[], 0..10);
    drive(&mut cache, &mut host);
    assert_eq!(cache.has_children(&[ix(5, 0)]), Some(true));
    assert_eq!(cache.row_count(&[ix(5, 0)]), None);
    drive(&mut cache, &mut host);
    assert_eq!(cache.row_count(&[ix(5, 0)]), Some(2));
    assert_eq!(cache.data(&[ix(5, 0), ix(1, 0)], DISPLAY), Lookup::Pending);
    drive(&mut cache, &mut host);
    assert_eq!(text(&mut cache, &[ix(5, 0), ix(1, 0)], DISPLAY).as_deref(), Some("5.1/0"));
    cache.set_window(&[], 300..310);
    drive(&mut cache, &mut host);
    for r in 0..200 {
        cache.data(&[ix(r, 0)], DISPLAY);
        drive(&mut cache, &mut host);
        assert!(cache.cached_rows() <= 40, "hard cap: {}", cache.cached_rows());
    }
    // The window's rows and the row with known children stayed.
    for r in (300..310).chain([5]) {
        assert!(matches!(cache.data(&[ix(r, 0)], DISPLAY), Lookup::Cached(_)), "row {r} evicted");
    }
    assert!(cache.take_requests().is_empty());
    assert!(matches!(cache.data(&[ix(0, 0)], DISPLAY), Lookup::Pending), "an old row was evicted");
}

#[test]
fn inserts_removes_and_moves_shift_cached_rows() {
    let mut host = Flat::labelled(&["a", "b", "c", "d", "e"], 1);
    let mut cache = ready(&mut host, opts());
    assert_eq!(column0(&mut cache, &mut host), ["ac0/0", "bc0/0", "cc0/0", "dc0/0", "ec0/0"]);

    // Insert two rows before "c" on both sides.
    host.labels.splice(2..2, ["x".to_string(), "y".to_string()]);
    host.rows += 2;
    let applied = cache.on_signal(ModelSignal::RowsInserted { parent: vec![], first: 2, last: 3 });
    let ev = ModelEvent::RowsInserted { parent: vec![], first: 2, last: 3 };
    assert_eq!(applied, Applied { before: Some(ev.clone()), after: vec![ev] });
    assert_eq!(cache.row_count(&[]), Some(7));
    assert_eq!(text(&mut cache, &[ix(4, 0)], DISPLAY).as_deref(), Some("cc0/0"), "shifted, not fetched again");
    assert_eq!(cache.data(&[ix(2, 0)], DISPLAY), Lookup::Pending);
    assert_eq!(column0(&mut cache, &mut host), ["ac0/0", "bc0/0", "xc0/0", "yc0/0", "cc0/0", "dc0/0", "ec0/0"]);

    // Remove "b" and "x".
    host.labels.drain(1..3);
    host.rows -= 2;
    cache.on_signal(ModelSignal::RowsRemoved { parent: vec![], first: 1, last: 2 });
    assert_eq!(cache.row_count(&[]), Some(5));
    assert_eq!(text(&mut cache, &[ix(1, 0)], DISPLAY).as_deref(), Some("yc0/0"));

    // Move rows 0..=1 ("a", "y") before row 4 ("e"): c d a y e.
    let moved: Vec<String> = host.labels.drain(0..2).collect();
    host.labels.splice(2..2, moved);
    let applied =
        cache.on_signal(ModelSignal::RowsMoved { parent: vec![], first: 0, last: 1, destination: vec![], row: 4 });
    assert_eq!(errors(&applied.after), 0);
    let cached: Vec<Option<String>> = (0..5).map(|r| text(&mut cache, &[ix(r, 0)], DISPLAY)).collect();
    assert_eq!(
        cached,
        ["cc0/0", "dc0/0", "ac0/0", "yc0/0", "ec0/0"].map(|s| Some(s.to_string())),
        "moved in the cache without a fetch"
    );
    // Move "e" to the front.
    let e = host.labels.remove(4);
    host.labels.insert(0, e);
    cache.on_signal(ModelSignal::RowsMoved { parent: vec![], first: 4, last: 4, destination: vec![], row: 0 });
    assert!(cache.take_requests().is_empty(), "moves need no fetch");
    assert_eq!(column0(&mut cache, &mut host), ["ec0/0", "cc0/0", "dc0/0", "ac0/0", "yc0/0"]);
}

#[test]
fn moves_between_parents_carry_subtrees() {
    // Root rows 0..3; rows 0 and 2 have known children tables; move row 1 under row 2.
    let mut host = Flat::new(3, 1);
    host.with_children = vec![0, 2];
    let mut cache = ready(&mut host, opts());
    column0(&mut cache, &mut host);
    for p in [0, 2] {
        assert_eq!(cache.row_count(&[ix(p, 0)]), None);
        drive(&mut cache, &mut host);
        assert_eq!(cache.row_count(&[ix(p, 0)]), Some(2));
    }
    cache.set_window(&[ix(2, 0)], 0..2);
    drive(&mut cache, &mut host);
    let applied = cache.on_signal(ModelSignal::RowsMoved {
        parent: vec![],
        first: 1,
        last: 1,
        destination: vec![ix(2, 0)],
        row: 0,
    });
    assert_eq!(errors(&applied.after), 0, "{applied:?}");
    assert_eq!(cache.row_count(&[]), Some(2));
    // Old row 2 is now row 1, with the moved row as its first child, its own children after.
    assert_eq!(cache.row_count(&[ix(1, 0)]), Some(3));
    assert_eq!(text(&mut cache, &[ix(1, 0), ix(0, 0)], DISPLAY).as_deref(), Some("r1c0/0"));
    assert_eq!(text(&mut cache, &[ix(1, 0), ix(2, 0)], DISPLAY).as_deref(), Some("2.1/0"));
    assert_eq!(text(&mut cache, &[ix(1, 0)], DISPLAY).as_deref(), Some("r2c0/0"));
    assert_eq!(cache.has_children(&[ix(1, 0)]), Some(true));
    // Row 0's children are where they were.
    assert_eq!(text(&mut cache, &[ix(0, 0), ix(1, 0)], DISPLAY), None);
    assert_eq!(cache.row_count(&[ix(0, 0)]), Some(2));
}

#[test]
fn a_reply_that_raced_a_structural_change_is_discarded_and_asked_again() {
    let mut host = Flat::labelled(&["a", "b", "c", "d", "e", "f"], 1);
    let mut cache = ready(&mut host, opts());
    cache.set_window(&[], 3..6);
    let reqs = cache.take_requests();
    assert_eq!(reqs.len(), 1);
    // The host answers (old numbering), then inserts a row at 1 and signals it: the signal is
    // behind the reply on the wire only if the host changed after answering. Here the change
    // arrives first, so the reply (computed before it) is stale.
    let stale = host.answer(&reqs[0].1);
    host.labels.insert(1, "x".into());
    host.rows += 1;
    cache.on_signal(ModelSignal::RowsInserted { parent: vec![], first: 1, last: 1 });
    let applied = cache.on_reply(reqs[0].0, Ok(stale));
    assert!(applied.is_empty(), "discarded: {applied:?}");
    assert_eq!(cache.data(&[ix(3, 0)], DISPLAY), Lookup::Pending);
    drive(&mut cache, &mut host);
    let got: Vec<_> = (3..6).map(|r| text(&mut cache, &[ix(r, 0)], DISPLAY)).collect();
    assert_eq!(got, ["cc0/0", "dc0/0", "ec0/0"].map(|s| Some(s.to_string())));

    // A change below the requested rows does not make the reply stale.
    cache.set_window(&[], 0..2);
    cache.on_signal(ModelSignal::DataChanged { top_left: vec![ix(0, 0)], bottom_right: vec![ix(1, 0)], roles: vec![] });
    let reqs = cache.take_requests();
    assert_eq!(reqs.len(), 1);
    let fresh = host.answer(&reqs[0].1);
    host.rows += 1;
    host.labels.push("z".into());
    cache.on_signal(ModelSignal::RowsInserted { parent: vec![], first: 7, last: 7 });
    let applied = cache.on_reply(reqs[0].0, Ok(fresh));
    assert_eq!(applied.after.len(), 1, "applied: {applied:?}");
    assert_eq!(text(&mut cache, &[ix(1, 0)], DISPLAY).as_deref(), Some("xc0/0"));
}

#[test]
fn data_changed_drops_the_roles_and_refetches_the_window() {
    let mut host = Flat::new(10, 2);
    let mut cache = ready(&mut host, opts());
    cache.set_window(&[], 0..4);
    drive(&mut cache, &mut host);
    cache.data(&[ix(8, 0)], DISPLAY);
    drive(&mut cache, &mut host);
    host.labels = (0..10).map(|r| format!("new{r}")).collect();
    let signal = ModelSignal::DataChanged { top_left: vec![ix(2, 0)], bottom_right: vec![ix(8, 1)], roles: vec![USER] };
    let applied = cache.on_signal(signal);
    assert!(matches!(applied.after[..], [ModelEvent::DataChanged { .. }]));
    // Display stayed, user dropped.
    assert_eq!(text(&mut cache, &[ix(2, 0)], DISPLAY).as_deref(), Some("r2c0/0"));
    assert_eq!(cache.data(&[ix(2, 0)], USER), Lookup::Pending);
    let reqs = cache.take_requests();
    // Rows 2..=3 (the window) and row 2's miss; row 8 only when looked at.
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].1, AdapterRequest::Rows { start: vec![ix(2, 0)], end: vec![ix(3, 1)], roles: vec![0, 256] });
    let v = host.answer(&reqs[0].1);
    cache.on_reply(reqs[0].0, Ok(v));
    assert_eq!(text(&mut cache, &[ix(3, 1)], USER).as_deref(), Some("new3c1/256"));
    assert_eq!(cache.data(&[ix(8, 1)], USER), Lookup::Pending);
    drive(&mut cache, &mut host);
    assert_eq!(text(&mut cache, &[ix(8, 1)], USER).as_deref(), Some("new8c1/256"));
}

#[test]
fn reset_layout_and_reinitialization_start_over() {
    let mut host = Flat::labelled(&["a", "b", "c"], 1);
    let mut cache = ready(&mut host, opts());
    column0(&mut cache, &mut host);

    // layoutChanged: every row may be another item now; the window is fetched again.
    host.labels.reverse();
    cache.set_window(&[], 0..3);
    let applied = cache.on_signal(ModelSignal::LayoutChanged { parents_flat: vec![], hint: Default::default() });
    assert!(matches!(applied.before, Some(ModelEvent::LayoutChanged { .. })));
    assert_eq!(cache.row_count(&[]), Some(3), "sizes stay");
    assert_eq!(cache.data(&[ix(0, 0)], DISPLAY), Lookup::Pending);
    drive(&mut cache, &mut host);
    assert_eq!(text(&mut cache, &[ix(0, 0)], DISPLAY).as_deref(), Some("cc0/0"));

    // A reply in flight across a reset is dropped; structural signals before the reset's reply
    // are already reflected in it.
    cache.data(&[ix(0, 0)], USER);
    cache.on_signal(ModelSignal::DataChanged { top_left: vec![ix(0, 0)], bottom_right: vec![ix(0, 0)], roles: vec![] });
    let pending = cache.take_requests();
    assert_eq!(pending.len(), 1);
    host.labels = vec!["p".into(), "q".into()];
    host.rows = 2;
    let applied = cache.on_signal(ModelSignal::Reset);
    assert_eq!(applied, Applied { before: Some(ModelEvent::Reset), after: vec![ModelEvent::Reset] });
    assert_eq!(cache.row_count(&[]), None);
    assert!(cache.on_signal(ModelSignal::RowsRemoved { parent: vec![], first: 0, last: 0 }).is_empty());
    let old = host.answer(&pending[0].1);
    assert!(cache.on_reply(pending[0].0, Ok(old)).is_empty(), "stale across the reset");
    let events = drive(&mut cache, &mut host);
    assert_eq!(events[..3], [ModelEvent::Reset, ModelEvent::Reset, ModelEvent::Initialized]);
    assert_eq!(column0(&mut cache, &mut host), ["pc0/0", "qc0/0"]);

    // The connection drops and comes back (to a restarted source): reset, initial fetch again.
    assert_eq!(cache.on_state(ReplicaState::Suspect).after, vec![ModelEvent::State(ReplicaState::Suspect)]);
    assert!(cache.take_requests().is_empty(), "nothing sent while disconnected");
    host.labels = vec!["n".into()];
    host.rows = 1;
    let applied = cache.on_initialized(vec![DISPLAY, USER], vec![]);
    assert_eq!(applied.before, Some(ModelEvent::Reset));
    assert_eq!(cache.data(&[ix(0, 0)], DISPLAY), Lookup::Pending, "no stale rows");
    drive(&mut cache, &mut host);
    assert_eq!(column0(&mut cache, &mut host), ["nc0/0"]);
}

#[test]
fn headers_are_batched() {
    let mut host = Flat::new(4, 3);
    let mut cache = ready(&mut host, opts());
    for s in 0..3 {
        assert_eq!(cache.header_data(Orientation::Horizontal, s, DISPLAY), Lookup::Pending);
    }
    assert_eq!(cache.header_data(Orientation::Vertical, 1, DISPLAY), Lookup::Pending);
    assert_eq!(cache.header_data(Orientation::Horizontal, 3, DISPLAY), Lookup::Unavailable);
    let reqs = cache.take_requests();
    assert_eq!(reqs.len(), 1);
    let AdapterRequest::Header { items } = &reqs[0].1 else { panic!("{reqs:?}") };
    assert_eq!(items.len(), 4);
    let applied = cache.on_reply(reqs[0].0, Ok(host.answer(&reqs[0].1)));
    assert_eq!(applied.after.len(), 2);
    assert_eq!(cache.header_data(Orientation::Horizontal, 2, DISPLAY), Lookup::Cached(Value::string("12/0")));
    cache.on_signal(ModelSignal::HeaderDataChanged { orientation: Orientation::Horizontal, first: 2, last: 2 });
    assert_eq!(cache.header_data(Orientation::Horizontal, 2, DISPLAY), Lookup::Pending);
    assert_eq!(cache.header_data(Orientation::Vertical, 1, DISPLAY), Lookup::Cached(Value::string("21/0")));
    // Sections renumbered by inserted columns or rows are dropped (Qt sends no header change).
    drive(&mut cache, &mut host);
    cache.on_signal(ModelSignal::ColumnsInserted { parent: vec![], first: 1, last: 1 });
    assert_eq!(cache.header_data(Orientation::Horizontal, 0, DISPLAY), Lookup::Cached(Value::string("10/0")));
    assert_eq!(cache.header_data(Orientation::Horizontal, 1, DISPLAY), Lookup::Pending);
    cache.on_signal(ModelSignal::RowsRemoved { parent: vec![], first: 0, last: 0 });
    assert_eq!(cache.header_data(Orientation::Vertical, 1, DISPLAY), Lookup::Pending);
}

#[test]
fn a_late_header_reply_announces_only_sections_that_still_exist() {
    let mut host = Flat::new(4, 3);
    let mut cache = ready(&mut host, opts());
    for s in 0..4 {
        assert_eq!(cache.header_data(Orientation::Vertical, s, DISPLAY), Lookup::Pending);
    }
    let reqs = cache.take_requests();
    assert_eq!(reqs.len(), 1);
    let reply = host.answer(&reqs[0].1);
    // Two rows go before the reply arrives.
    cache.on_signal(ModelSignal::RowsRemoved { parent: vec![], first: 2, last: 3 });
    let applied = cache.on_reply(reqs[0].0, Ok(reply));
    assert_eq!(
        applied.after,
        vec![ModelEvent::HeaderDataChanged { orientation: Orientation::Vertical, first: 0, last: 1 }]
    );
    assert_eq!(cache.header_data(Orientation::Vertical, 3, DISPLAY), Lookup::Unavailable);
}

#[test]
fn set_data_and_set_current() {
    let mut host = Flat::new(3, 1);
    let mut cache = ready(&mut host, opts());
    assert_eq!(cache.set_data(&[ix(0, 0)], Value::Int(1), 7), Err(ModelError::UnknownRole(7)));
    assert!(matches!(cache.set_data(&[ix(9, 0)], Value::Int(1), DISPLAY), Err(ModelError::NoSuchIndex(_))));
    cache.set_data(&[ix(1, 0)], Value::string("x"), DISPLAY).expect("queued");
    cache.set_current(&[ix(2, 0)]);
    let reqs: Vec<AdapterRequest> = cache.take_requests().into_iter().map(|r| r.1).collect();
    assert_eq!(reqs[0], AdapterRequest::SetData { index: vec![ix(1, 0)], value: Value::string("x"), role: DISPLAY });
    assert!(
        matches!(&reqs[1], AdapterRequest::SetCurrent { index, flags } if *index == vec![ix(2, 0)] && flags.0 == 19)
    );
    let applied = cache.on_signal(ModelSignal::CurrentChanged { current: vec![ix(0, 0)], previous: vec![ix(2, 0)] });
    assert!(matches!(applied.after[..], [ModelEvent::CurrentChanged { .. }]));
    assert_eq!(cache.current(), [ix(0, 0)]);
}

#[test]
fn columns_inserted_refetch_the_rows() {
    let mut host = Flat::new(3, 1);
    let mut cache = ready(&mut host, opts());
    column0(&mut cache, &mut host);
    host.cols = 2;
    let applied = cache.on_signal(ModelSignal::ColumnsInserted { parent: vec![], first: 1, last: 1 });
    assert!(matches!(applied.before, Some(ModelEvent::ColumnsInserted { .. })));
    assert_eq!(cache.column_count(&[]), Some(2));
    assert_eq!(cache.data(&[ix(0, 1)], DISPLAY), Lookup::Pending);
    drive(&mut cache, &mut host);
    assert_eq!(text(&mut cache, &[ix(0, 1)], DISPLAY).as_deref(), Some("r0c1/0"));
}

#[test]
fn failures_do_not_loop() {
    let mut host = Flat::new(10, 1);
    let mut cache = ready(&mut host, opts());
    cache.set_window(&[], 0..5);
    let reqs = cache.take_requests();
    assert_eq!(reqs.len(), 1);
    cache.on_reply(reqs[0].0, Err(CallError::NotConnected("m".into())));
    assert!(cache.take_requests().is_empty(), "not asked again at once");
    cache.set_window(&[], 0..5);
    assert_eq!(cache.take_requests().len(), 1, "asked again when looked at again");
}

// ---- hostile hosts ---------------------------------------------------------------------------

fn item(path: Vec<ModelIndex>, values: usize) -> ItemData {
    ItemData { index: path, data: vec![Value::Int(1); values], ..Default::default() }
}

#[test]
fn hostile_replies_are_discarded() {
    let mut host = Flat::new(1000, 1);
    let mut cache = ready(&mut host, opts());
    cache.set_window(&[], 10..12);
    let (t, _) = cache.take_requests().remove(0);
    // Entries outside the request, under another parent, with the wrong number of values.
    let reply = entries_to_value(&[
        item(vec![ix(500, 0)], 2),
        item(vec![ix(3, 0), ix(10, 0)], 2),
        item(vec![ix(10, 0)], 1),
        item(vec![ix(11, 5)], 2),
        item(vec![ix(11, 0)], 2),
    ]);
    let applied = cache.on_reply(t, Ok(reply));
    assert_eq!(errors(&applied.after), 1);
    assert!(matches!(cache.data(&[ix(11, 0)], DISPLAY), Lookup::Cached(_)), "the good entry is kept");
    assert_eq!(cache.data(&[ix(500, 0)], DISPLAY), Lookup::Pending);
    assert_eq!(cache.cached_rows(), 1);

    // A reply of the wrong type, or with nothing usable: no livelock.
    cache.set_window(&[], 20..22);
    let (t, _) = cache.take_requests().remove(0);
    assert_eq!(errors(&cache.on_reply(t, Ok(Value::Int(3))).after), 1);
    assert!(cache.take_requests().is_empty());
    cache.set_window(&[], 30..32);
    let (t, _) = cache.take_requests().remove(0);
    assert!(cache.on_reply(t, Ok(entries_to_value(&[]))).is_empty());
    assert!(cache.take_requests().is_empty(), "an empty answer is not asked again at once");

    // Sizes: negative, huge (then bounded by what is looked at), wrong type.
    let mut cache = ModelCache::new(opts());
    cache.on_initialized(vec![DISPLAY], vec![]);
    let (t, _) = cache.take_requests().remove(0);
    let neg = Value::Size(crate::core::value::Size { width: 1, height: -5 });
    assert_eq!(errors(&cache.on_reply(t, Ok(neg)).after), 1);
    assert_eq!(cache.row_count(&[]), None);
    cache.on_initialized(vec![DISPLAY], vec![]);
    let (t, _) = cache.take_requests().remove(0);
    cache.on_reply(t, Ok(ModelSize { columns: i32::MAX, rows: i32::MAX }.to_value()));
    cache.set_window(&[], 0..i32::MAX);
    let reqs = cache.take_requests();
    let cells: i64 = reqs
        .iter()
        .map(|(_, r)| match r {
            AdapterRequest::Rows { start, end, .. } => (end[0].row - start[0].row + 1) as i64,
            _ => 0,
        })
        .sum();
    assert!(cells <= 4 * 64, "{cells} rows asked for at once");
    // An unknown ticket.
    assert!(cache.on_reply(9999, Ok(Value::Int(1))).is_empty());
}

#[test]
fn hostile_cache_replies_are_bounded() {
    // 1000-deep children are refused by the decoder; a wide reply fills at most 2 × cache_rows.
    let mut deep = item(vec![ix(0, 0)], 1);
    for d in 0..1000 {
        let mut parent = item(vec![ix(0, 0); 1000 - d], 1);
        parent.has_children = true;
        parent.size = Some(ModelSize { columns: 1, rows: 1 });
        parent.children = vec![deep];
        deep = parent;
    }
    let mut cache = ModelCache::new(ModelCacheOptions { initial: InitialAction::PrefetchData, ..opts() });
    cache.on_initialized(vec![DISPLAY], vec![]);
    let (t, _) = cache.take_requests().remove(0);
    let reply = CacheReply { items: vec![deep], roles: vec![DISPLAY], root_size: ModelSize { columns: 1, rows: 1 } };
    let applied = cache.on_reply(t, Ok(reply.to_value(Dialect::Qt6)));
    assert_eq!(errors(&applied.after), 1);
    assert!(!cache.is_initialized());

    cache.on_initialized(vec![DISPLAY], vec![]);
    let (t, _) = cache.take_requests().remove(0);
    let items = (0..5000).map(|r| item(vec![ix(r, 0)], 1)).collect();
    let reply = CacheReply { items, roles: vec![DISPLAY], root_size: ModelSize { columns: 1, rows: 5000 } };
    let applied = cache.on_reply(t, Ok(reply.to_value(Dialect::Qt6)));
    assert_eq!(errors(&applied.after), 0);
    assert!(cache.cached_rows() <= 200, "{}", cache.cached_rows());
}

#[test]
fn hostile_signals_are_refused_or_resync() {
    let mut host = Flat::new(5, 1);
    let mut cache = ready(&mut host, opts());
    column0(&mut cache, &mut host);
    // A path deeper than allowed.
    let deep = vec![ix(0, 0); 100];
    let applied = cache.on_signal(ModelSignal::RowsInserted { parent: deep, first: 0, last: 0 });
    assert_eq!(errors(&applied.after), 1);
    assert_eq!(cache.row_count(&[]), Some(5));
    // A parent the cache does not know: nothing to update.
    assert!(cache.on_signal(ModelSignal::RowsRemoved { parent: vec![ix(42, 0)], first: 0, last: 3 }).is_empty());
    // Moving rows onto themselves changes nothing.
    let applied =
        cache.on_signal(ModelSignal::RowsMoved { parent: vec![], first: 1, last: 2, destination: vec![], row: 2 });
    assert_eq!(errors(&applied.after), 1);
    assert_eq!(cache.row_count(&[]), Some(5));
    // dataChanged corners under different parents.
    let applied = cache.on_signal(ModelSignal::DataChanged {
        top_left: vec![ix(0, 0)],
        bottom_right: vec![ix(0, 0), ix(1, 0)],
        roles: vec![],
    });
    assert_eq!(errors(&applied.after), 1);
    // Rows removed beyond the count: the cache is out of step and starts over.
    let applied = cache.on_signal(ModelSignal::RowsRemoved { parent: vec![], first: 3, last: 9 });
    assert_eq!(applied.before, Some(ModelEvent::Reset));
    assert_eq!(errors(&applied.after), 1);
    drive(&mut cache, &mut host);
    assert_eq!(column0(&mut cache, &mut host).len(), 5);
    // Moving rows into their own subtree.
    let applied = cache.on_signal(ModelSignal::RowsMoved {
        parent: vec![],
        first: 1,
        last: 2,
        destination: vec![ix(2, 0)],
        row: 0,
    });
    assert_eq!(errors(&applied.after), 1);
    drive(&mut cache, &mut host);
    // Inserting past the end.
    let applied = cache.on_signal(ModelSignal::RowsInserted { parent: vec![], first: 99, last: 100 });
    assert_eq!(errors(&applied.after), 1);
}

#[test]
fn tickets_are_unique_and_replies_match_requests() {
    let mut host = Flat::new(300, 1);
    let mut cache = ready(&mut host, ModelCacheOptions { max_rows_per_request: 10, ..opts() });
    cache.set_window(&[], 0..100);
    let reqs = cache.take_requests();
    assert_eq!(reqs.len(), 4, "max_in_flight");
    let mut tickets: Vec<Ticket> = reqs.iter().map(|r| r.0).collect();
    tickets.dedup();
    assert_eq!(tickets.len(), 4);
    // Answered out of order: each by its own ticket.
    for (t, r) in reqs.into_iter().rev() {
        let v = host.answer(&r);
        assert_eq!(errors(&cache.on_reply(t, Ok(v)).after), 0);
    }
    drive(&mut cache, &mut host);
    assert_eq!(cache.is_complete(&[], 0..100), Some(true));
}

#[test]
fn announce_sees_the_state_before_each_change() {
    let mut host = Flat::labelled(&["a", "b", "c"], 1);
    let mut cache = ready(&mut host, opts());
    column0(&mut cache, &mut host);
    let mut seen = Vec::new();
    let mut record = |c: &ModelCache, e: &ModelEvent| {
        seen.push((e.clone(), c.peek_row_count(&[]), c.peek_data(&[ix(0, 0)], DISPLAY)));
    };
    let applied = cache.on_signal_with(ModelSignal::RowsInserted { parent: vec![], first: 0, last: 1 }, &mut record);
    assert_eq!(applied.after.len(), 1);
    let applied = cache.on_signal_with(ModelSignal::RowsRemoved { parent: vec![], first: 4, last: 4 }, &mut record);
    assert_eq!(applied.after.len(), 1);
    cache.on_signal_with(ModelSignal::Reset, &mut record);
    let a = Lookup::Cached(Value::string("ac0/0"));
    assert_eq!(
        seen,
        vec![
            (ModelEvent::RowsInserted { parent: vec![], first: 0, last: 1 }, Some(3), a.clone()),
            (ModelEvent::RowsRemoved { parent: vec![], first: 4, last: 4 }, Some(5), Lookup::Pending),
            (ModelEvent::Reset, Some(4), Lookup::Pending),
        ]
    );
    // After the reset, the initial reply is announced as a reset too.
    seen.clear();
    let (t, r) = cache.take_requests().remove(0);
    let v = host.answer(&r);
    cache.on_reply_with(t, Ok(v), &mut |c, e| seen.push((e.clone(), c.peek_row_count(&[]), Lookup::Pending)));
    assert_eq!(seen, vec![(ModelEvent::Reset, None, Lookup::Pending)]);
}

#[test]
fn a_window_under_an_unknown_parent_asks_its_size_then_its_rows() {
    let mut host = Flat::new(10, 1);
    host.with_children = vec![3];
    let mut cache = ready(&mut host, opts());
    cache.set_window(&[ix(3, 0)], 0..2);
    drive(&mut cache, &mut host);
    assert_eq!(cache.peek_row_count(&[ix(3, 0)]), Some(2));
    assert_eq!(cache.is_complete(&[ix(3, 0)], 0..2), Some(true));
    assert_eq!(text(&mut cache, &[ix(3, 0), ix(1, 0)], DISPLAY).as_deref(), Some("3.1/0"));
    // Lookups that hit the cache plan nothing.
    for _ in 0..3 {
        assert!(matches!(cache.data(&[ix(3, 0), ix(0, 0)], DISPLAY), Lookup::Cached(_)));
        assert!(cache.take_requests().is_empty());
    }
}

#[test]
fn hostile_ranges_at_the_limits_do_not_overflow() {
    let mut host = Flat::new(5, 1);
    let mut cache = ready(&mut host, opts());
    column0(&mut cache, &mut host);
    let max = i32::MAX;
    let signals = [
        ModelSignal::DataChanged { top_left: vec![ix(0, 0)], bottom_right: vec![ix(max, max)], roles: vec![] },
        ModelSignal::ColumnsInserted { parent: vec![], first: 0, last: max },
        ModelSignal::RowsMoved { parent: vec![], first: 0, last: max, destination: vec![ix(0, 0)], row: max },
        ModelSignal::RowsRemoved { parent: vec![], first: 0, last: max },
        ModelSignal::RowsInserted { parent: vec![], first: 0, last: max },
    ];
    for s in signals {
        drive(&mut cache, &mut host);
        cache.on_signal(s);
    }
    // A model of i32::MAX rows costs nothing until looked at.
    drive(&mut cache, &mut host);
    cache.on_signal(ModelSignal::RowsInserted { parent: vec![], first: 5, last: max - 6 });
    assert_eq!(cache.row_count(&[]), Some(max - 5));
    cache.set_window(&[], max - 15..max - 5);
    cache.on_signal(ModelSignal::RowsMoved {
        parent: vec![],
        first: max - 8,
        last: max - 6,
        destination: vec![],
        row: 0,
    });
    assert!(cache.cached_rows() <= 200);
}

/// A tiny deterministic generator (no dependency needed for a few thousand draws).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: i32) -> i32 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((self.0 >> 33) % n.max(1) as u64) as i32
    }
}

#[test]
fn random_signals_and_replies_keep_the_books_straight() {
    // Signals of every kind (valid or not) interleaved with lookups, windows and replies that
    // may be stale or answered out of order: no panic, and the bookkeeping always holds.
    for seed in 1..=20u64 {
        let mut rng = Lcg(seed);
        let mut host = Flat::new(400, 2);
        host.with_children = vec![1, 3, 7];
        let options = ModelCacheOptions { cache_rows: 40, prefetch_rows: 5, max_rows_per_request: 16, ..opts() };
        let mut cache = ready(&mut host, options);
        let mut held: Vec<(Ticket, AdapterRequest)> = Vec::new();
        for step in 0..400 {
            let parent = if rng.next(4) == 0 { vec![ix(rng.next(10), 0)] } else { vec![] };
            let (a, b) = (rng.next(420), rng.next(20));
            let signal = match rng.next(9) {
                0 => ModelSignal::RowsInserted { parent, first: a, last: a + b },
                1 => ModelSignal::RowsRemoved { parent, first: a, last: a + b },
                2 => ModelSignal::RowsMoved {
                    parent: parent.clone(),
                    first: a,
                    last: a + b,
                    destination: if rng.next(2) == 0 { parent } else { vec![ix(rng.next(10), 0)] },
                    row: rng.next(420),
                },
                3 => ModelSignal::DataChanged {
                    top_left: vec![ix(a, 0)],
                    bottom_right: vec![ix(a + b, 1)],
                    roles: vec![],
                },
                4 => ModelSignal::ColumnsInserted { parent, first: 0, last: 0 },
                5 if rng.next(10) == 0 => ModelSignal::LayoutChanged { parents_flat: vec![], hint: Default::default() },
                6 if rng.next(20) == 0 => ModelSignal::Reset,
                _ => ModelSignal::HeaderDataChanged { orientation: Orientation::Horizontal, first: 0, last: b },
            };
            cache.on_signal(signal);
            cache.set_window(&[], a..a + 30);
            cache.data(&[ix(rng.next(420), rng.next(3))], DISPLAY);
            cache.row_count(&[ix(rng.next(10), 0)]);
            held.extend(cache.take_requests());
            // Answer some of what is held, in a random order (the fake host's answers do not
            // follow the signals: many are stale or do not fit).
            while !held.is_empty() && rng.next(3) != 0 {
                let (t, r) = held.remove(rng.next(held.len() as i32) as usize);
                if r.wants_reply() {
                    let v = if rng.next(10) == 0 { Value::Int(1) } else { host.answer(&r) };
                    cache.on_reply(t, Ok(v));
                }
            }
            if let Err(e) = cache.check_invariants() {
                panic!("seed {seed}, step {step}: {e}");
            }
        }
    }
}

#[test]
fn wide_models_get_fewer_rows_per_request() {
    let mut host = Flat::new(100, 5000);
    let mut cache = ready(&mut host, opts());
    cache.set_window(&[], 0..20);
    let reqs = cache.take_requests();
    assert!(!reqs.is_empty());
    for (_, r) in &reqs {
        let AdapterRequest::Rows { start, end, .. } = r else { panic!("{r:?}") };
        let cells = (end[0].row - start[0].row + 1) * (end[0].column + 1);
        assert!(cells <= 20_000, "{cells} cells in one request");
    }
}
