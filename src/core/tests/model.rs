//! Item models served by a [`HostCore`](crate::core::HostCore) with a [`ModelServer`]: a
//! [`ClientCore`](crate::core::ClientCore) replica of the adapter calls every method against
//! table and tree models, every [`ModelChange`] reaches it as the signal Qt sends, and bad
//! requests get empty replies within the caps while the connection lives on.

use std::sync::Arc;

use bytes::Bytes;

use super::pair::{Dir, Pair};
use super::DIALECTS;
use crate::core::model::adapter::{adapter_class, method, sig, ADAPTER_TYPE};
use crate::core::model::types::{entries_from_value, path_to_value, roles_to_value, ItemData};
use crate::core::model::{
    AdapterRequest, Answer, CacheReply, Cell, IndexPath, ItemFlags, LayoutHint, ModelChange, ModelError, ModelIndex,
    ModelServer, ModelSignal, ModelSize, ModelSource, Orientation, Row, SelectionFlags, ServeCaps, TableModel,
    TreeModel,
};
use crate::core::packet::{Invoke, Packet};
use crate::core::{ClientEvent, ConnectionId, Dialect, HostEvent, ReplicaKind, ReplicaState, Value};

const NAME: &str = "Items";
const RANK: i32 = 257;
const ROLES: [(i32, &str); 2] = [(0, "display"), (RANK, "rank")];

fn ix(row: i32, column: i32) -> ModelIndex {
    ModelIndex::new(row, column)
}

/// 3 × 2: cell (r, c) displays "r<r>c<c>" with rank 10·r + c; headers "A", "B".
fn table() -> TableModel {
    let mut t = TableModel::new(&ROLES, 2);
    let rows =
        (0..3).map(|r| (0..2).map(|c| Cell::new(format!("r{r}c{c}")).with(RANK, 10 * r + c)).collect()).collect();
    t.insert_rows(0, rows).unwrap();
    t.set_header(Orientation::Horizontal, 0, 0, Value::string("A"));
    t.set_header(Orientation::Horizontal, 1, 0, Value::string("B"));
    t
}

/// Two top-level rows of one column; row 0 has children "a", "b" (and "a" has "a1"), row 1 none.
fn tree() -> TreeModel {
    let mut t = TreeModel::new(&ROLES, 1);
    let a = Row::of(["a"]).with_children(vec![Row::of(["a1"])]);
    t.insert_rows(&[], 0, vec![Row::of(["top0"]).with_children(vec![a, Row::of(["b"])]), Row::of(["top1"])]).unwrap();
    t
}

/// A host serving one model to one client replica of the adapter class.
struct Served<M: ModelSource> {
    pair: Pair,
    conn: ConnectionId,
    server: ModelServer,
    model: M,
    dialect: Dialect,
}

impl<M: ModelSource> Served<M> {
    fn new(dialect: Dialect, model: M, roles: &[i32], selection: bool, caps: ServeCaps) -> Self {
        let mut pair = Pair::new(dialect);
        pair.host.enable_model(NAME, roles, &model.role_names()).unwrap();
        let now = pair.now;
        pair.clients[0].acquire(NAME, ReplicaKind::Static(Arc::new(adapter_class(dialect))), now);
        let conn = pair.connect(0);
        pair.drive();
        assert_eq!(pair.state(0, NAME), ReplicaState::Valid);
        pair.host_events();
        pair.client_events(0);
        Served { pair, conn, server: ModelServer::new(roles.to_vec(), caps, selection), model, dialect }
    }

    /// Sends `method(args)` from the replica, lets the host answer it, and returns the reply
    /// (`None` for void calls) and the signals that followed.
    fn call_raw(&mut self, method: usize, args: Vec<Value>, want_reply: bool) -> (Option<Value>, Vec<ModelSignal>) {
        let now = self.pair.now;
        let serial = self.pair.clients[0].call(NAME, method, args, want_reply, now).unwrap();
        self.pair.drive();
        for e in self.pair.host_events() {
            let HostEvent::Invoked { conn, source, method, args, serial_id, .. } = e else { continue };
            assert_eq!((conn, source.as_str()), (self.conn, NAME));
            match self.server.answer_invoke(&mut self.model, method, &args, self.dialect) {
                Answer::Reply(v) => self.pair.host.reply(conn, NAME, serial_id.expect("asked for"), v).unwrap(),
                Answer::DataSet { changes, .. } => {
                    for c in changes {
                        self.emit_signal(&c);
                    }
                }
                Answer::CurrentSet { change: Some(c), .. } => self.emit_signal(&c),
                _ => {}
            }
        }
        self.pair.drive();
        let mut reply = None;
        let mut signals = Vec::new();
        for e in self.pair.client_events(0) {
            match e {
                ClientEvent::Reply { serial_id, value, .. } if Some(serial_id) == serial => reply = Some(value),
                ClientEvent::Signal { index, args, .. } => {
                    signals.push(ModelSignal::from_signal(index, &args).unwrap())
                }
                other => panic!("unexpected {other:?}"),
            }
        }
        (reply, signals)
    }

    fn request(&mut self, req: AdapterRequest) -> Option<Value> {
        let (m, args, want) = (req.method(), req.to_args(self.dialect), req.wants_reply());
        self.call_raw(m, args, want).0
    }

    fn rows(&mut self, start: IndexPath, end: IndexPath, roles: &[i32]) -> Vec<ItemData> {
        let v = self.request(AdapterRequest::Rows { start, end, roles: roles.to_vec() }).unwrap();
        entries_from_value(&v, 64).unwrap()
    }

    fn size(&mut self, parent: IndexPath) -> ModelSize {
        ModelSize::from_value(&self.request(AdapterRequest::Size { parent }).unwrap(), "size").unwrap()
    }

    fn cache(&mut self, size: u64, roles: &[i32]) -> CacheReply {
        let v = self.request(AdapterRequest::Cache { size, roles: roles.to_vec() }).unwrap();
        CacheReply::from_value(&v, 64).unwrap()
    }

    fn emit_signal(&mut self, change: &ModelChange) {
        self.server.observe(change);
        if let Some(s) = self.server.signal_for(change) {
            self.pair.host.emit_signal(NAME, s.index(), &s.to_args(self.dialect)).unwrap();
        }
    }

    /// Signals `change` and returns what the replica received.
    fn change(&mut self, change: ModelChange) -> Vec<ModelSignal> {
        self.emit_signal(&change);
        self.pair.drive();
        self.pair
            .client_events(0)
            .into_iter()
            .map(|e| match e {
                ClientEvent::Signal { index, args, .. } => ModelSignal::from_signal(index, &args).unwrap(),
                other => panic!("unexpected {other:?}"),
            })
            .collect()
    }
}

fn display(items: &[ItemData]) -> Vec<String> {
    items.iter().map(|i| i.data[0].as_str().unwrap_or("-").to_owned()).collect()
}

#[test]
fn a_model_is_listed_as_qt_lists_it_and_its_replica_gets_roles_and_names() {
    for dialect in DIALECTS {
        let s = Served::new(dialect, table(), &[0, RANK], false, ServeCaps::default());
        let list = s.pair.packets(s.conn, Dir::ToClient, 0);
        let info = list
            .iter()
            .find_map(|p| match p {
                Packet::ObjectList(l) => l.iter().find(|o| o.name == NAME).cloned(),
                _ => None,
            })
            .expect("listed");
        assert_eq!((info.type_name.as_deref(), info.signature), (Some(ADAPTER_TYPE), None), "{dialect:?}");
        let values = &s.pair.clients[0].replica(NAME).unwrap().values;
        assert_eq!(values[0], roles_to_value(&[0, RANK], dialect));
        let names = crate::core::model::types::role_names_from_value(&values[1]).unwrap();
        assert_eq!(names, vec![(0, Bytes::from_static(b"display")), (RANK, Bytes::from_static(b"rank"))]);
    }
}

#[test]
fn sizes_rows_and_headers_are_answered_as_qt_answers_them() {
    for dialect in DIALECTS {
        let mut s = Served::new(dialect, table(), &[0, RANK], false, ServeCaps::default());
        assert_eq!(s.size(vec![]), ModelSize { columns: 2, rows: 3 });
        assert_eq!(s.size(vec![ix(0, 0)]), ModelSize { columns: 0, rows: 0 });

        // One pair per cell, row-major, the roles in the order asked; size not sent.
        let items = s.rows(vec![ix(0, 0)], vec![ix(1, 1)], &[RANK, 0]);
        assert_eq!(
            items.iter().map(|i| i.index.clone()).collect::<Vec<_>>(),
            [vec![ix(0, 0)], vec![ix(0, 1)], vec![ix(1, 0)], vec![ix(1, 1)]]
        );
        assert_eq!(items[3].data, [Value::Int(11), Value::string("r1c1")]);
        assert_eq!(items[0].size, None);
        assert!(!items[0].has_children);
        assert_eq!(items[0].flags, ItemFlags(1 | 2 | 32 | 128));
        // No roles: the available ones; the end clipped to the counts; a start column honoured.
        let items = s.rows(vec![ix(1, 1)], vec![ix(99, 99)], &[]);
        assert_eq!(display(&items), ["r1c1", "r2c1"]);
        assert_eq!(items[0].data.len(), 2);

        let headers = AdapterRequest::Header {
            items: vec![
                (Orientation::Horizontal, 1, 0),
                (Orientation::Horizontal, 0, 0),
                (Orientation::Vertical, 0, 0),
            ],
        };
        assert_eq!(s.request(headers), Some(Value::List(vec![Value::string("B"), Value::string("A"), Value::Invalid])));
        assert_eq!(s.server.warnings(), 0);
        assert_eq!(s.server.served_cells(), 6);
    }
}

#[test]
fn a_tree_is_walked_by_paths_and_prefetched_depth_first_counting_cells() {
    let mut s = Served::new(Dialect::Qt6, tree(), &[0], false, ServeCaps::default());
    assert_eq!(s.size(vec![]), ModelSize { columns: 1, rows: 2 });
    assert_eq!(s.size(vec![ix(0, 0)]), ModelSize { columns: 1, rows: 2 });
    assert_eq!(s.size(vec![ix(0, 0), ix(0, 0)]), ModelSize { columns: 1, rows: 1 });
    let items = s.rows(vec![ix(0, 0), ix(0, 0)], vec![ix(0, 0), ix(1, 0)], &[0]);
    assert_eq!(display(&items), ["a", "b"]);
    assert_eq!(items[0].index, [ix(0, 0), ix(0, 0)]);
    assert!(items[0].has_children && !items[1].has_children);

    // fetchTree: top0, a, a1, b, top1 — each with its children's size.
    let all = s.cache(1000, &[]);
    assert_eq!((all.roles.clone(), all.root_size), (vec![0], ModelSize { columns: 1, rows: 2 }));
    assert_eq!(display(&all.items), ["top0", "top1"]);
    assert_eq!(display(&all.items[0].children), ["a", "b"]);
    assert_eq!(display(&all.items[0].children[0].children), ["a1"]);
    assert_eq!(all.items[0].size, Some(ModelSize { columns: 1, rows: 2 }));
    assert_eq!(all.items[1].size, Some(ModelSize { columns: 1, rows: 0 }));
    // Three cells: top0, a, a1 — the walk stops inside the tree, as Qt's does.
    let three = s.cache(3, &[0]);
    assert_eq!(display(&three.items), ["top0"]);
    assert_eq!(display(&three.items[0].children), ["a"]);
    assert_eq!(display(&three.items[0].children[0].children), ["a1"]);
    assert_eq!(s.server.warnings(), 0);
}

#[test]
fn bad_requests_get_empty_replies_and_the_connection_lives_on() {
    for dialect in DIALECTS {
        let mut s = Served::new(dialect, tree(), &[0], false, ServeCaps::default());
        let empty_entries =
            Value::Sequence(crate::core::value::Sequence { type_name: "DataEntries".into(), items: vec![] });
        // An invalid parent (Qt: qFatal), an empty start (Qt: UB), different parents, a negative
        // and an out-of-range start, an inverted range.
        assert_eq!(s.size(vec![ix(5, 0)]), ModelSize::default());
        assert_eq!(s.size(vec![ix(0, 3)]), ModelSize::default());
        assert_eq!(s.size(vec![ix(-1, 0)]), ModelSize::default());
        for (start, end) in [
            (vec![], vec![]),
            (vec![ix(0, 0)], vec![ix(0, 0), ix(1, 0)]),
            (vec![ix(0, 0), ix(0, 0)], vec![ix(1, 0), ix(0, 0)]),
            (vec![ix(-1, 0)], vec![ix(1, 0)]),
            (vec![ix(7, 0)], vec![ix(9, 0)]),
            (vec![ix(9, 0), ix(0, 0)], vec![ix(9, 0), ix(1, 0)]),
            (vec![ix(1, 0)], vec![ix(0, 0)]),
        ] {
            let req = AdapterRequest::Rows { start, end, roles: vec![] };
            assert_eq!(s.request(req.clone()), Some(empty_entries.clone()), "{req:?}");
        }
        // Header lists of unequal lengths (Qt: an assertion), an orientation that is none.
        let ints = |v: &[i32]| roles_to_value(v, dialect);
        let (reply, _) = s.call_raw(method::HEADER, vec![ints(&[1, 1]), ints(&[0]), ints(&[0])], true);
        assert_eq!(reply, Some(Value::List(vec![])));
        // A huge cache request is served within the caps.
        assert_eq!(display(&s.cache(u64::MAX, &[]).items), ["top0", "top1"]);
        // setData on no item, or on an unavailable role, is refused; nothing is signalled.
        let (_, signals) = s.call_raw(
            method::SET_DATA,
            vec![path_to_value(&[ix(9, 0)], dialect), Value::Int(1), Value::Int(0)],
            false,
        );
        assert!(signals.is_empty());
        let refused = s.server.answer(
            &mut s.model,
            AdapterRequest::SetData { index: vec![ix(0, 0)], value: Value::Int(1), role: 3 },
            dialect,
        );
        assert!(matches!(refused, Answer::DataRefused { error: ModelError::UnknownRole(3), .. }), "{refused:?}");
        assert!(s.server.warnings() >= 12, "{}", s.server.warnings());
        // Still served.
        assert_eq!(s.size(vec![]), ModelSize { columns: 1, rows: 2 });
        assert!(s.pair.is_open(s.conn));
    }
}

#[test]
fn set_data_from_the_replica_changes_the_model_and_comes_back_as_data_changed() {
    for dialect in DIALECTS {
        let mut s = Served::new(dialect, table(), &[0, RANK], false, ServeCaps::default());
        let req = AdapterRequest::SetData { index: vec![ix(2, 1)], value: Value::string("new"), role: 0 };
        let (reply, signals) = s.call_raw(req.method(), req.to_args(dialect), false);
        assert_eq!(reply, None);
        assert_eq!(
            signals,
            [ModelSignal::DataChanged { top_left: vec![ix(2, 1)], bottom_right: vec![ix(2, 1)], roles: vec![0] }]
        );
        assert_eq!(s.model.data(&[ix(2, 1)], 0), Value::string("new"));
        let items = s.rows(vec![ix(2, 1)], vec![ix(2, 1)], &[0]);
        assert_eq!(display(&items), ["new"]);

        // A read-only model refuses: nothing changes, nothing is signalled.
        s.model.set_read_only(true);
        let req = AdapterRequest::SetData { index: vec![ix(0, 0)], value: Value::string("no"), role: 0 };
        let (_, signals) = s.call_raw(req.method(), req.to_args(dialect), false);
        assert!(signals.is_empty());
        assert_eq!(s.model.data(&[ix(0, 0)], 0), Value::string("r0c0"));
    }
}

#[test]
fn the_current_index_is_shared_only_with_a_selection_model() {
    for selection in [true, false] {
        let mut s = Served::new(Dialect::Qt6, table(), &[0], selection, ServeCaps::default());
        let set = |s: &mut Served<TableModel>, path: IndexPath| {
            let req = AdapterRequest::SetCurrent { index: path, flags: SelectionFlags::CLEAR_SELECT_CURRENT };
            s.call_raw(req.method(), req.to_args(Dialect::Qt6), false).1
        };
        let signals = set(&mut s, vec![ix(1, 0)]);
        if !selection {
            assert!(signals.is_empty());
            assert!(s.change(ModelChange::CurrentChanged { current: vec![ix(0, 0)], previous: vec![] }).is_empty());
            continue;
        }
        assert_eq!(signals, [ModelSignal::CurrentChanged { current: vec![ix(1, 0)], previous: vec![] }]);
        // The same again changes nothing (Qt's echo stops there); an invalid one is refused.
        assert!(set(&mut s, vec![ix(1, 0)]).is_empty());
        assert!(set(&mut s, vec![ix(8, 0)]).is_empty());
        assert_eq!(s.server.current(), [ix(1, 0)]);
        // It follows its row when rows are inserted above it, and goes with it.
        s.change(ModelChange::RowsInserted { parent: vec![], first: 0, last: 1 });
        assert_eq!(s.server.current(), [ix(3, 0)]);
        s.change(ModelChange::RowsRemoved { parent: vec![], first: 3, last: 3 });
        assert_eq!(s.server.current(), []);
    }
}

#[test]
fn every_change_reaches_the_replica_as_the_signal_qt_sends() {
    for dialect in DIALECTS {
        let mut s = Served::new(dialect, tree(), &[0, RANK], true, ServeCaps::default());
        let p = vec![ix(0, 0)];
        let cases: Vec<(ModelChange, Vec<ModelSignal>)> = vec![
            // Roles filtered to the available ones; none listed: all of them; none left: nothing.
            (
                ModelChange::DataChanged { top_left: p.clone(), bottom_right: p.clone(), roles: vec![3, RANK, 0] },
                vec![ModelSignal::DataChanged { top_left: p.clone(), bottom_right: p.clone(), roles: vec![RANK, 0] }],
            ),
            (
                ModelChange::DataChanged { top_left: p.clone(), bottom_right: p.clone(), roles: vec![] },
                vec![ModelSignal::DataChanged { top_left: p.clone(), bottom_right: p.clone(), roles: vec![0, RANK] }],
            ),
            (ModelChange::DataChanged { top_left: p.clone(), bottom_right: p.clone(), roles: vec![7] }, vec![]),
            (
                ModelChange::RowsInserted { parent: p.clone(), first: 1, last: 2 },
                vec![ModelSignal::RowsInserted { parent: p.clone(), first: 1, last: 2 }],
            ),
            (
                ModelChange::RowsRemoved { parent: vec![], first: 0, last: 0 },
                vec![ModelSignal::RowsRemoved { parent: vec![], first: 0, last: 0 }],
            ),
            (
                ModelChange::RowsMoved { parent: vec![], first: 2, last: 4, destination: vec![], row: 10 },
                vec![ModelSignal::RowsMoved { parent: vec![], first: 2, last: 4, destination: vec![], row: 10 }],
            ),
            (
                ModelChange::ColumnsInserted { parent: vec![], first: 1, last: 1 },
                vec![ModelSignal::ColumnsInserted { parent: vec![], first: 1, last: 1 }],
            ),
            // Qt never forwards these, leaving its replicas stale: a reset instead.
            (ModelChange::ColumnsRemoved { parent: vec![], first: 0, last: 0 }, vec![ModelSignal::Reset]),
            (
                ModelChange::ColumnsMoved { parent: vec![], first: 0, last: 0, destination: vec![], column: 2 },
                vec![ModelSignal::Reset],
            ),
            (ModelChange::Reset, vec![ModelSignal::Reset]),
            (
                ModelChange::LayoutChanged {
                    parents: vec![p.clone(), vec![ix(1, 0), ix(0, 0)]],
                    hint: LayoutHint::VerticalSort,
                },
                vec![ModelSignal::LayoutChanged {
                    parents_flat: vec![ix(0, 0), ix(1, 0), ix(0, 0)],
                    hint: LayoutHint::VerticalSort,
                }],
            ),
            (
                ModelChange::HeaderDataChanged { orientation: Orientation::Vertical, first: 0, last: 3 },
                vec![ModelSignal::HeaderDataChanged { orientation: Orientation::Vertical, first: 0, last: 3 }],
            ),
            (
                ModelChange::CurrentChanged { current: p.clone(), previous: vec![] },
                vec![ModelSignal::CurrentChanged { current: p.clone(), previous: vec![] }],
            ),
        ];
        for (change, expected) in cases {
            assert_eq!(s.change(change.clone()), expected, "{dialect:?} {change:?}");
        }
    }
}

#[test]
fn available_roles_changed_is_sent_without_arguments() {
    for dialect in DIALECTS {
        let mut s = Served::new(dialect, table(), &[0], false, ServeCaps::default());
        let from = s.pair.sent(s.conn, Dir::ToClient).len();
        assert_eq!(s.pair.host.set_property(NAME, 0, roles_to_value(&[0, RANK], dialect)), Ok(true));
        s.pair.drive();
        let packets = s.pair.packets(s.conn, Dir::ToClient, from);
        assert!(matches!(&packets[0], Packet::PropertyChange { .. }), "{packets:?}");
        match &packets[1] {
            Packet::Invoke(Invoke { index, args, property_index, .. }) => {
                assert_eq!((*index as usize, args.len(), *property_index), (sig::AVAILABLE_ROLES_CHANGED, 0, 0));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(s.pair.clients[0].replica(NAME).unwrap().values[0], roles_to_value(&[0, RANK], dialect));
    }
}

#[test]
fn replies_are_cut_at_whole_rows_by_the_caps() {
    let mut big = TableModel::new(&ROLES, 3);
    big.insert_rows(0, (0..100).map(|r| (0..3).map(|c| Cell::new(r * 3 + c)).collect()).collect()).unwrap();
    let caps = ServeCaps { max_row_cells: 10, max_cache_cells: 7, ..ServeCaps::default() };
    let mut s = Served::new(Dialect::Qt6, big, &[0], false, caps);
    // 10 cells a reply: three whole rows of three.
    let items = s.rows(vec![ix(0, 0)], vec![ix(99, 2)], &[]);
    assert_eq!(items.len(), 9);
    assert_eq!(items.last().unwrap().index, [ix(2, 2)]);
    // Prefetch: 7 cells, whatever was asked.
    let cached = s.cache(1000, &[]);
    assert_eq!(cached.items.len(), 7);
    assert_eq!(cached.root_size, ModelSize { columns: 3, rows: 100 });

    // A byte cap: rows of large strings stop when the next would pass it.
    let mut wide = TableModel::new(&ROLES, 1);
    wide.insert_rows(0, (0..10).map(|_| vec![Cell::new("x".repeat(1000))]).collect()).unwrap();
    let caps = ServeCaps { max_reply_bytes: 5000, ..ServeCaps::default() };
    let mut s = Served::new(Dialect::Qt6, wide, &[0], false, caps);
    let items = s.rows(vec![ix(0, 0)], vec![ix(9, 0)], &[]);
    assert!((1..=3).contains(&items.len()), "{}", items.len());
    assert_eq!(s.cache(1000, &[]).items.len(), items.len());
}

#[test]
fn the_tree_model_keeps_its_rows_through_inserts_removes_moves_and_columns() {
    let mut t = tree();
    let names = |t: &TreeModel, parent: &[ModelIndex]| -> Vec<String> {
        (0..t.row_count(parent))
            .map(|r| {
                let mut p = parent.to_vec();
                p.push(ix(r, 0));
                t.data(&p, 0).as_str().unwrap_or("-").to_owned()
            })
            .collect()
    };
    t.insert_rows(&[ix(1, 0)], 0, vec![Row::of(["c"]), Row::of(["d"])]).unwrap();
    assert_eq!(names(&t, &[ix(1, 0)]), ["c", "d"]);
    // Move "a" (with its child) from under top0 to the end of top1's children.
    let m = t.move_rows(&[ix(0, 0)], 0, 1, &[ix(1, 0)], 2).unwrap();
    assert_eq!(
        m,
        ModelChange::RowsMoved { parent: vec![ix(0, 0)], first: 0, last: 0, destination: vec![ix(1, 0)], row: 2 }
    );
    assert_eq!(names(&t, &[ix(1, 0)]), ["c", "d", "a"]);
    assert_eq!(names(&t, &[ix(1, 0), ix(2, 0)]), ["a1"]);
    assert_eq!(names(&t, &[ix(0, 0)]), ["b"]);
    // Into itself, under itself, out of range: refused.
    assert!(t.move_rows(&[], 0, 1, &[], 1).is_err());
    assert!(t.move_rows(&[], 1, 1, &[ix(1, 0)], 0).is_err());
    assert!(t.move_rows(&[], 0, 5, &[], 0).is_err());
    // Down within one parent: numbered before the move.
    t.move_rows(&[ix(1, 0)], 0, 1, &[ix(1, 0)], 3).unwrap();
    assert_eq!(names(&t, &[ix(1, 0)]), ["d", "a", "c"]);
    t.remove_rows(&[ix(1, 0)], 1, 2).unwrap();
    assert_eq!(names(&t, &[ix(1, 0)]), ["d"]);
    assert!(t.remove_rows(&[], 1, 5).is_err());
    assert!(t.insert_rows(&[ix(9, 0)], 0, vec![Row::of(["x"])]).is_err());
    // Columns of the root only; children keep theirs.
    t.insert_columns(&[], 0, 1).unwrap();
    assert_eq!((t.column_count(&[]), t.column_count(&[ix(1, 0)])), (2, 1));
    assert_eq!(t.data(&[ix(0, 1)], 0), Value::string("top0"));
    t.remove_columns(&[], 0, 1).unwrap();
    assert_eq!(t.data(&[ix(0, 0)], 0), Value::string("top0"));
}

#[test]
fn models_load_from_the_json_of_model_serve() {
    let json = r#"{"roles": {"display": 0, "rank": 257}, "columns": 2,
        "headers": {"horizontal": ["A", {"display": "B", "toolTip": "b"}]},
        "rows": [{"cells": [{"display": "x", "rank": 1}, "y"], "children": [["c", 2.5]]},
                 ["bare", {"user+1": [1, "two"], "flags": 33}]]}"#;
    let t = TreeModel::from_json(json).unwrap();
    assert_eq!(t.role_names(), vec![(0, Bytes::from_static(b"display")), (RANK, Bytes::from_static(b"rank"))]);
    assert_eq!((t.row_count(&[]), t.column_count(&[])), (2, 2));
    assert_eq!(t.data(&[ix(0, 0)], RANK), Value::Int(1));
    assert_eq!(t.data(&[ix(0, 1)], 0), Value::string("y"));
    assert_eq!(t.data(&[ix(0, 0), ix(0, 1)], 0), Value::Double(2.5));
    assert_eq!(t.data(&[ix(1, 1)], 257), Value::List(vec![Value::Int(1), Value::string("two")]));
    assert_eq!(t.flags(&[ix(1, 1)]), ItemFlags(33));
    assert_eq!(t.header_data(1, Orientation::Horizontal, 3), Value::string("b"));
    assert_eq!(t.header_data(0, Orientation::Horizontal, 0), Value::string("A"));
    assert!(TableModel::from_json(json).is_err(), "a table has no children");
    for bad in [
        "1",
        r#"{"rows": 1}"#,
        r#"{"rows": [{"cells": [{"nope": 1}]}]}"#,
        r#"{"rows": [{"nope": 1}]}"#,
        r#"{"roles": {"a": "b"}}"#,
        "{",
        r#"[{"cells": ["a"]}]"#,
        r#"[{"rank": 1}, {"user+0": 2}]"#,
    ] {
        assert!(TreeModel::from_json(bad).is_err(), "{bad}");
    }
    // A row of the file's forms, read with the model's role names.
    let row = t.row_from_json(r#"{"display": "new", "rank": 7}"#).unwrap();
    assert_eq!(row.cells, vec![Cell::new("new").with(RANK, 7)]);
    assert_eq!(t.row_from_json(r#"["p", "q"]"#).unwrap(), Row::of(["p", "q"]));
    assert!(t.row_from_json(r#"{"size": 1}"#).is_err());
}

#[test]
fn the_plain_form_is_a_list_of_role_maps() {
    let json = r#"[{"display": "a", "rank": 1, "children": [{"display": "a0", "toolTip": "t", "flags": 33}]},
                   {"display": "b", "user+5": true, "rank": 2}, "c"]"#;
    let t = TreeModel::from_json(json).unwrap();
    assert_eq!(
        t.role_names(),
        vec![
            (0, Bytes::from_static(b"display")),
            (3, Bytes::from_static(b"toolTip")),
            (256, Bytes::from_static(b"rank")),
            (261, Bytes::from_static(b"user+5")),
        ]
    );
    assert_eq!((t.row_count(&[]), t.column_count(&[])), (3, 1));
    assert_eq!(t.data(&[ix(0, 0)], 256), Value::Int(1));
    assert_eq!(t.data(&[ix(1, 0)], 261), Value::Bool(true));
    assert_eq!(t.data(&[ix(2, 0)], 0), Value::string("c"));
    assert_eq!(t.data(&[ix(0, 0), ix(0, 0)], 3), Value::string("t"));
    assert_eq!(t.flags(&[ix(0, 0), ix(0, 0)]), ItemFlags(33));
    assert_eq!(t.row_count(&[ix(0, 0)]), 1);
    assert_eq!(TreeModel::from_json("[]").unwrap().row_count(&[]), 0);
}

#[test]
fn requests_built_by_qt_or_us_parse_the_same_in_both_dialects() {
    // What the replica sends is what the host reads back, for every method.
    for dialect in DIALECTS {
        let mut s = Served::new(dialect, table(), &[0], true, ServeCaps::default());
        let reqs = [
            AdapterRequest::Size { parent: vec![] },
            AdapterRequest::Rows { start: vec![ix(0, 0)], end: vec![ix(0, 1)], roles: vec![0] },
            AdapterRequest::Header { items: vec![(Orientation::Horizontal, 0, 0)] },
            AdapterRequest::Cache { size: 2, roles: vec![] },
        ];
        for req in reqs {
            assert!(s.request(req.clone()).is_some(), "{dialect:?} {req:?}");
        }
        assert_eq!(s.server.warnings(), 0);
        let _ = method::CACHE;
    }
}

/// `Media` of qt-interop/peers/interop.rep: `PROP(int n)`, `MODEL tracks(display)`.
fn media_class(dialect: Dialect) -> crate::core::SourceClass {
    let file = crate::rep::parse("class Media\n{\n    PROP(int n = 0)\n    MODEL tracks(display)\n}\n").unwrap();
    crate::rep::source_class(&file, "Media", dialect).unwrap()
}

/// What a stock Qt 6.4 / 5.15 source sends for a MODEL property (decoded from their traffic,
/// tests/interop_model_qt.rs checks the Qt side): a QRO_ of kind Model, no definition, null while
/// no model is set, else the roles and the names (typed `QHash<int,QByteArray>` in both dialects).
#[test]
fn a_model_child_is_a_model_qro_null_until_set() {
    use crate::core::value::{ObjectKind, RemoteObject};
    for dialect in DIALECTS {
        let mut pair = Pair::new(dialect);
        pair.host.enable("Media", Arc::new(media_class(dialect)), media_class(dialect).defaults.clone()).unwrap();
        let now = pair.now;
        pair.clients[0].acquire("Media", ReplicaKind::Dynamic, now);
        let conn = pair.connect(0);
        pair.drive();
        let name = if dialect == Dialect::Qt6 { "Model::Media::tracks" } else { "Model::tracks" };
        let null = Value::Remote(Box::new(RemoteObject {
            name: Some(name.into()),
            type_name: Some(ADAPTER_TYPE.into()),
            kind: ObjectKind::Model,
            definition: None,
            is_null: true,
            parameters: vec![],
        }));
        assert_eq!(pair.clients[0].replica("Media").unwrap().values[1], null, "{dialect:?}");

        let names = [(0, Bytes::from_static(b"display"))];
        let child = pair.host.enable_model_child("Media", 1, &[0], &names).unwrap();
        assert_eq!(child, name);
        pair.drive();
        let Value::Remote(ro) = &pair.clients[0].replica("Media").unwrap().values[1] else { panic!() };
        assert_eq!(
            (ro.name.as_deref(), ro.kind, ro.is_null, ro.definition.is_none()),
            (Some(name), ObjectKind::Model, false, true)
        );
        assert_eq!(ro.parameters[0], roles_to_value(&[0], dialect));
        let Value::Assoc(a) = &ro.parameters[1] else { panic!() };
        assert_eq!(a.type_name, "QHash<int,QByteArray>");
        assert_eq!(a.entries, [(Value::Int(0), Value::ByteArray(Some(Bytes::from_static(b"display"))))]);
        assert!(pair.host.enable_model_child("Media", 0, &[0], &names).is_err(), "n is no MODEL");

        // Calls on the child reach the host under its name, without any AddObject.
        pair.host_events();
        let req = AdapterRequest::Size { parent: vec![] };
        let bytes = Packet::Invoke(Invoke {
            name: name.into(),
            call: crate::core::packet::call::INVOKE_META_METHOD,
            index: req.method() as i32,
            args: req.to_args(dialect),
            serial_id: 7,
            property_index: -1,
        })
        .to_bytes(dialect)
        .unwrap();
        pair.inject(conn, Dir::ToHost, &bytes);
        pair.drive();
        let events = pair.host_events();
        assert!(
            matches!(&events[..], [HostEvent::Invoked { source, method: 0, serial_id: Some(7), .. }] if source == name),
            "{events:?}"
        );
    }
}

/// A tree deeper than a replica's decoding depth allows is prefetched only as deep as the reply
/// still decodes within the default limits; the rest is fetched level by level.
#[test]
fn a_deep_tree_is_prefetched_within_the_replicas_depth_limit() {
    let mut t = TreeModel::new(&ROLES, 1);
    let mut row = Row::of(["leaf"]);
    for d in (0..100).rev() {
        row = Row::of([format!("depth {d}")]).with_children(vec![row]);
    }
    t.insert_rows(&[], 0, vec![row]).unwrap();
    let mut s = Served::new(Dialect::Qt6, t, &[0], false, ServeCaps::default());
    // Decoded by the client within the default limits (Served::request would panic otherwise).
    let cache = s.cache(1000, &[]);
    let mut depth = 0;
    let mut level = &cache.items;
    while let Some(first) = level.first() {
        depth += 1;
        level = &first.children;
    }
    assert_eq!(depth, ServeCaps::default().max_tree_depth);
    assert!(s.pair.is_open(s.conn));
    // Deeper items are still served by path.
    let deep = vec![ix(0, 0); 60];
    assert_eq!(s.size(deep), ModelSize { columns: 0, rows: 0 });
    let deep = vec![ix(0, 0); 50];
    assert_eq!(s.size(deep), ModelSize { columns: 1, rows: 1 });
}

/// Cells with many roles make many values: a reply stops at the whole row that would pass the
/// value cap, so a replica decoding within the default `Limits::max_values` reads it.
#[test]
fn replies_stay_within_the_values_a_replica_decodes() {
    struct ManyRoles;
    impl ModelSource for ManyRoles {
        fn role_names(&self) -> Vec<(i32, Bytes)> {
            (0..200).map(|r| (r, Bytes::from(format!("r{r}")))).collect()
        }
        fn row_count(&self, parent: &[ModelIndex]) -> i32 {
            if parent.is_empty() {
                100_000
            } else {
                0
            }
        }
        fn column_count(&self, _parent: &[ModelIndex]) -> i32 {
            3
        }
        fn data(&self, index: &[ModelIndex], role: i32) -> Value {
            Value::List(vec![Value::Int(index[0].row), Value::Int(role)])
        }
    }
    let roles: Vec<i32> = (0..200).collect();
    // No byte cap to speak of (a node allowing huge packets): the value cap alone holds.
    let caps = ServeCaps { max_reply_bytes: usize::MAX / 4, ..ServeCaps::default() };
    let mut s = Served::new(Dialect::Qt6, ManyRoles, &roles, false, caps);
    // 20 000 cells of 200 roles would be ~12 M values; the client decodes within 1 Mi.
    let items = s.rows(vec![ix(0, 0)], vec![ix(99_999, 2)], &[]);
    assert!(!items.is_empty() && items.len().is_multiple_of(3), "{}", items.len());
    let values: usize = items.len() * (8 + 3 + 200 * 3);
    assert!(values <= crate::core::Limits::DEFAULT.max_values / 2, "{values}");
    let cache = s.cache(10_000, &[]);
    assert!(!cache.items.is_empty() && cache.items.len() < 10_000);
    assert!(s.pair.is_open(s.conn));
}
