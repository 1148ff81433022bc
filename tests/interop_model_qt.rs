//! Rust item models served to stock Qt model replicas (`qtro_qt_peer model-replica`, Qt 6 and
//! Qt 5.15, each with a `QAbstractItemModelTester` in Fatal mode: any contract violation by our
//! source kills the peer and fails the test).
//!
//! The peer's `walk` fetches the whole model through the replica and dumps it; it must equal the
//! same dump made of the Rust model directly ([`dump`], the peer's format). Both initial actions
//! (FetchRootSize, PrefetchData), changes while attached, a 100 000-row model read lazily, and
//! setData and the current index from the Qt side.

use std::time::Duration;

use qtro_rs::core::model::{Cell, ItemFlags, ModelIndex, ModelSource, Orientation, Row, TableModel, TreeModel};
use qtro_rs::core::{Dialect, Value};
use qtro_rs::node::{EventReceiver, ModelHost, ModelHostEvent, ModelOptions, Node};
use serde_json::{json, Value as Json};

mod common;
use common::dialect::{major, node};
use common::model_dump;
use common::qt_peer::QtPeer;

const T: Duration = Duration::from_secs(10);
const RANK: i32 = 257;
const ROLES: [(i32, &str); 2] = [(0, "display"), (RANK, "rank")];

fn ix(row: i32, column: i32) -> ModelIndex {
    ModelIndex::new(row, column)
}

/// A value as the peer's `jsonvariant::toJson` writes it.
fn json_of(v: &Value) -> Json {
    match v {
        Value::String(Some(s)) => json!(s),
        Value::String(None) => json!(""),
        Value::Int(i) => json!(i),
        Value::Double(d) => json!(d),
        Value::Bool(b) => json!(b),
        Value::Invalid => Json::Null,
        // The peer writes values JSON has no form for as their QDataStream bytes (as a QVariant:
        // see `color_payloads`, which keeps only the color's own bytes).
        Value::Color(c) => {
            let hex = format!(
                "{:02x}{:04x}{:04x}{:04x}{:04x}{:04x}",
                c.spec as u8, c.alpha, c.components[0], c.components[1], c.components[2], c.components[3]
            );
            json!({"$type": "QColor", "datastream": hex})
        }
        other => panic!("no JSON form for {other:?} in these tests"),
    }
}

/// The peer's dump of a model (`modelutil::dumpModel`), made of the Rust model directly.
fn dump(m: &dyn ModelSource, roles: &[i32]) -> Json {
    let mut d = model_dump::source_level(m, &[], roles, &json_of);
    let headers: Vec<Json> =
        (0..m.column_count(&[])).map(|s| json_of(&m.header_data(s, Orientation::Horizontal, 0))).collect();
    d["headers"] = json!(headers);
    d["roles"] = json!(roles);
    d
}

/// 30 × 3: cell (r, c) displays "r<r>c<c>", rank 10·r + c; headers "A", "B", "C".
fn table() -> TableModel {
    let mut t = TableModel::new(&ROLES, 3);
    let rows =
        (0..30).map(|r| (0..3).map(|c| Cell::new(format!("r{r}c{c}")).with(RANK, 10 * r + c)).collect()).collect();
    t.insert_rows(0, rows).unwrap();
    for (s, h) in ["A", "B", "C"].into_iter().enumerate() {
        t.set_header(Orientation::Horizontal, s as i32, 0, Value::string(h));
    }
    t
}

/// Three top-level rows of two columns, children under rows 0 and 2, grandchildren under 0.0.
fn tree() -> TreeModel {
    let cells =
        |name: &str| vec![Cell::new(name.to_owned()).with(RANK, name.len() as i32), Cell::new(format!("{name}'"))];
    let leaf = |name: &str| Row::new(cells(name));
    let mut t = TreeModel::new(&ROLES, 2);
    let rows = vec![
        Row::new(cells("a"))
            .with_children(vec![Row::new(cells("a.0")).with_children(vec![leaf("a.0.0"), leaf("a.0.1")]), leaf("a.1")]),
        leaf("b"),
        Row::new(cells("c")).with_children(vec![leaf("c.0"), leaf("c.1"), leaf("c.2")]),
    ];
    t.insert_rows(&[], 0, rows).unwrap();
    t.set_header(Orientation::Horizontal, 0, 0, Value::string("name"));
    t
}

/// A Rust node serving `model` as `Model`, and a stock Qt replica of it (`extra` options),
/// initialized.
async fn start<M: ModelSource>(
    dialect: Dialect,
    model: M,
    options: ModelOptions,
    extra: &[&str],
) -> (Node, ModelHost<M>, QtPeer, Json) {
    let host = node(dialect);
    let url = host.listen("tcp://127.0.0.1:0").await.unwrap();
    let served = host.enable_model("Model", model, options).unwrap();
    let mut args = vec!["model-replica", "Model", "--url", url.as_str()];
    args.extend_from_slice(extra);
    let (mut qt, ready) = QtPeer::start_with(major(dialect), &args).await;
    assert_eq!(ready["tester"], true, "the replica runs QAbstractItemModelTester");
    let init = qt.expect("initialized", |e| e["event"] == "initialized").await;
    (host, served, qt, init)
}

/// Walks the Qt replica and checks it equals the Rust model.
async fn same_model<M: ModelSource>(qt: &mut QtPeer, served: &ModelHost<M>, roles: &[i32], what: &str) {
    let walked = qt.command("walk").await;
    let expected = served.with(|m| dump(m, roles));
    if walked["model"] != expected {
        let dir = std::env::temp_dir().join("qtro_model_walks");
        let _ = std::fs::create_dir_all(&dir);
        let _ = std::fs::write(dir.join("walked.json"), serde_json::to_string_pretty(&walked["model"]).unwrap());
        let _ = std::fs::write(dir.join("expected.json"), serde_json::to_string_pretty(&expected).unwrap());
        panic!("{what}: the Qt replica's walk differs from the Rust model (both in {})", dir.display());
    }
}

async fn host_event(events: &mut EventReceiver<ModelHostEvent>) -> ModelHostEvent {
    tokio::time::timeout(T, events.recv()).await.expect("a host event").expect("events")
}

fn event(name: &'static str) -> impl Fn(&Json) -> bool {
    move |e| e["event"] == name
}

async fn table_is_walked(dialect: Dialect, extra: &[&str]) {
    let (_host, served, mut qt, init) = start(dialect, table(), ModelOptions::default(), extra).await;
    assert_eq!(init["availableRoles"], json!([0, RANK]));
    assert_eq!(init["roleNames"], json!({"0": "display", "257": "rank"}));
    assert_eq!((init["rows"].clone(), init["columns"].clone()), (json!(30), json!(3)));
    same_model(&mut qt, &served, &[0, RANK], "table").await;
    assert_eq!(served.refused_requests(), 0);

    // availableRolesChanged() goes without arguments, as Qt sends it: the replica reads the new
    // roles from the property.
    served.set_available_roles(vec![RANK]).unwrap();
    let deadline = tokio::time::Instant::now() + T;
    loop {
        let r = qt.command("roles").await;
        if r["availableRoles"] == json!([RANK]) {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "the replica kept {}", r["availableRoles"]);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn tree_is_walked(dialect: Dialect, extra: &[&str]) {
    let (_host, served, mut qt, init) = start(dialect, tree(), ModelOptions::default(), extra).await;
    assert_eq!(init["rows"], 3);
    same_model(&mut qt, &served, &[0, RANK], "tree").await;
    assert_eq!(served.refused_requests(), 0);
}

#[tokio::test]
async fn qt6_table_fetch_root_size() {
    table_is_walked(Dialect::Qt6, &[]).await;
}

#[tokio::test]
async fn qt6_table_prefetch() {
    table_is_walked(Dialect::Qt6, &["--prefetch", "50"]).await;
}

#[tokio::test]
async fn qt6_tree_fetch_root_size() {
    tree_is_walked(Dialect::Qt6, &[]).await;
}

#[tokio::test]
async fn qt6_tree_prefetch() {
    tree_is_walked(Dialect::Qt6, &["--prefetch", "5"]).await;
}

#[tokio::test]
async fn qt5_table_and_tree_both_initial_actions() {
    table_is_walked(Dialect::Qt5, &[]).await;
    table_is_walked(Dialect::Qt5, &["--prefetch", "50"]).await;
    tree_is_walked(Dialect::Qt5, &[]).await;
    tree_is_walked(Dialect::Qt5, &["--prefetch", "5"]).await;
}

async fn table_changes_while_attached(dialect: Dialect) {
    let (_host, served, mut qt, _) =
        start(dialect, table(), ModelOptions { selection: true, ..Default::default() }, &[]).await;
    let roles = [0, RANK];
    same_model(&mut qt, &served, &roles, "before the changes").await;

    let new_rows = (0..9).map(|i| vec![Cell::new(format!("new{i}")), Cell::new("x"), Cell::new("y")]).collect();
    served.insert_rows(2, new_rows).unwrap();
    let e = qt.expect("rowsInserted", event("rowsInserted")).await;
    assert_eq!((e["first"].clone(), e["last"].clone(), e["parent"].clone()), (json!(2), json!(10), json!([])));
    served.set_data(1, 1, 0, Value::string("changed")).unwrap();
    let e = qt.expect("dataChanged", event("dataChanged")).await;
    assert_eq!((e["topLeft"].clone(), e["roles"].clone()), (json!([[1, 1]]), json!([0])));
    served.set_flags(3, 0, ItemFlags(33)).unwrap();
    let e = qt.expect("dataChanged (flags)", event("dataChanged")).await;
    assert_eq!((e["topLeft"].clone(), e["roles"].clone()), (json!([[3, 0]]), json!([0, RANK])));
    served.set_header(Orientation::Horizontal, 1, 0, Value::string("Second")).unwrap();
    let e = qt.expect("headerDataChanged", event("headerDataChanged")).await;
    assert_eq!((e["orientation"].clone(), e["first"].clone()), (json!("horizontal"), json!(1)));
    served.remove_rows(2, 4).unwrap();
    let e = qt.expect("rowsRemoved", event("rowsRemoved")).await;
    assert_eq!((e["first"].clone(), e["last"].clone()), (json!(2), json!(5)));
    served.move_rows(2, 3, 10).unwrap();
    let e = qt.expect("rowsMoved", event("rowsMoved")).await;
    assert_eq!(
        (e["first"].clone(), e["last"].clone(), e["row"].clone(), e["destination"].clone()),
        (json!(2), json!(4), json!(10), json!([]))
    );
    served.insert_columns(3, 1).unwrap();
    let e = qt.expect("columnsInserted", event("columnsInserted")).await;
    assert_eq!((e["first"].clone(), e["last"].clone()), (json!(3), json!(3)));
    same_model(&mut qt, &served, &roles, "after insert/set/flags/header/remove/move/columns-insert").await;

    served.sort(0, RANK).unwrap();
    let e = qt.expect("layoutChanged", event("layoutChanged")).await;
    assert_eq!(e["hint"], 1);
    same_model(&mut qt, &served, &roles, "after the sort").await;

    // Qt never forwards columnsRemoved: our source resets the replica instead of leaving it stale.
    served.remove_columns(0, 1).unwrap();
    qt.expect("modelReset (columns removed)", event("modelReset")).await;
    same_model(&mut qt, &served, &roles, "after removing a column").await;

    let rows = (0..20).map(|r| vec![Cell::new(format!("reset{r}")).with(RANK, r)]).collect();
    served.reset(1, rows).unwrap();
    qt.expect("modelReset", event("modelReset")).await;
    same_model(&mut qt, &served, &roles, "after the reset").await;

    // setData from the Qt replica: a host event, and the change comes back.
    let mut events = served.events();
    let r = qt.command(r#"set 5 0 0 "from qt""#).await;
    assert_eq!(r["accepted"], true);
    match host_event(&mut events).await {
        ModelHostEvent::DataSet { index, role: 0, value, .. } => {
            assert_eq!((index, value), (vec![ix(5, 0)], Value::string("from qt")))
        }
        other => panic!("{other:?}"),
    }
    let e = qt.expect("dataChanged (setData)", event("dataChanged")).await;
    assert_eq!((e["topLeft"].clone(), e["roles"].clone()), (json!([[5, 0]]), json!([0])));
    assert_eq!(served.with(|m| m.data(&[ix(5, 0)], 0)), Value::string("from qt"));
    same_model(&mut qt, &served, &roles, "after setData from the replica").await;
    // A role that is not available: the Qt replica refuses it itself.
    let r = qt.command(r#"set 5 0 3 "tip""#).await;
    assert_eq!(r["accepted"], false);

    // The current index both ways.
    served.set_current(vec![ix(3, 0)]).unwrap();
    let e = qt.expect("currentChanged", event("currentChanged")).await;
    assert_eq!(e["current"], json!([[3, 0]]));
    qt.command("select 4").await;
    match host_event(&mut events).await {
        ModelHostEvent::CurrentSet { current, .. } => assert_eq!(current, vec![ix(4, 0)]),
        other => panic!("{other:?}"),
    }
    assert_eq!(served.current(), vec![ix(4, 0)]);
    assert_eq!(served.refused_requests(), 0);
}

#[tokio::test]
async fn qt6_table_changes_while_attached() {
    table_changes_while_attached(Dialect::Qt6).await;
}

#[tokio::test]
async fn qt5_table_changes_while_attached() {
    table_changes_while_attached(Dialect::Qt5).await;
}

async fn tree_changes_while_attached(dialect: Dialect) {
    let (_host, served, mut qt, _) =
        start(dialect, tree(), ModelOptions { selection: true, ..Default::default() }, &["--prefetch", "100"]).await;
    let roles = [0, RANK];
    same_model(&mut qt, &served, &roles, "tree before the changes").await;
    let leaf = |n: &str| Row::new(vec![Cell::new(n.to_owned()), Cell::new("-")]);
    served.insert_rows(&[ix(0, 0), ix(0, 0)], 0, vec![leaf("n0"), leaf("n1")]).unwrap();
    let e = qt.expect("rowsInserted under a grandchild parent", event("rowsInserted")).await;
    assert_eq!(e["parent"], json!([[0, 0], [0, 0]]));
    served.remove_rows(&[ix(2, 0)], 0, 1).unwrap();
    let e = qt.expect("rowsRemoved under a child", event("rowsRemoved")).await;
    assert_eq!(e["parent"], json!([[2, 0]]));
    served.set_data(&[ix(0, 0), ix(0, 0), ix(0, 1)], 0, Value::string("deep")).unwrap();
    let e = qt.expect("dataChanged three levels down", event("dataChanged")).await;
    assert_eq!(e["bottomRight"], json!([[0, 0], [0, 0], [0, 1]]));
    // Not done: rows inserted under a row that had no children. A stock Qt 6.4 replica that
    // walked the tree segfaults on that rowsInserted whatever the source (Qt <-> Qt too, with
    // `model-source tree` and `insert 2.2 0 1`).
    same_model(&mut qt, &served, &roles, "tree after the child changes").await;
    served.sort(&[ix(2, 0)], 0, 0).unwrap();
    let e = qt.expect("layoutChanged under a child", event("layoutChanged")).await;
    assert_eq!(e["hint"], 1);
    same_model(&mut qt, &served, &roles, "tree after a child sort").await;
    // setData on a child from the Qt replica.
    let r = qt.command(r#"set 0.1 1 0 "qt child""#).await;
    assert_eq!(r["accepted"], true);
    let e = qt.expect("dataChanged of the child", event("dataChanged")).await;
    assert_eq!(e["topLeft"], json!([[0, 0], [1, 1]]));
    same_model(&mut qt, &served, &roles, "tree after setData on a child").await;

    // The current index under child parents, both ways.
    let mut events = served.events();
    qt.command("select 0.0.1").await;
    match host_event(&mut events).await {
        ModelHostEvent::CurrentSet { current, .. } => assert_eq!(current, vec![ix(0, 0), ix(0, 0), ix(1, 0)]),
        other => panic!("{other:?}"),
    }
    served.set_current(vec![ix(2, 0), ix(1, 0)]).unwrap();
    let e = qt
        .expect("currentChanged to a child", |e| {
            e["event"] == "currentChanged" && e["current"] == json!([[2, 0], [1, 0]])
        })
        .await;
    assert_eq!(e["previous"], json!([[0, 0], [0, 0], [1, 0]]));
    assert_eq!(served.refused_requests(), 0);
}

#[tokio::test]
async fn qt6_tree_changes_while_attached() {
    tree_changes_while_attached(Dialect::Qt6).await;
}

#[tokio::test]
async fn qt5_tree_changes_while_attached() {
    tree_changes_while_attached(Dialect::Qt5).await;
}

/// 100 000 rows × 2 computed on demand: "item N" and rank 10·N.
struct Big {
    rows: i32,
}

impl ModelSource for Big {
    fn role_names(&self) -> Vec<(i32, bytes::Bytes)> {
        vec![(0, "display".into()), (RANK, "rank".into())]
    }
    fn row_count(&self, parent: &[ModelIndex]) -> i32 {
        if parent.is_empty() {
            self.rows
        } else {
            0
        }
    }
    fn column_count(&self, parent: &[ModelIndex]) -> i32 {
        if parent.is_empty() {
            2
        } else {
            0
        }
    }
    fn data(&self, index: &[ModelIndex], role: i32) -> Value {
        let i = index[0];
        match role {
            0 => Value::string(format!("item {}.{}", i.row, i.column)),
            RANK => Value::Int(10 * i.row),
            _ => Value::Invalid,
        }
    }
}

async fn big_model_is_read_lazily(dialect: Dialect) {
    let (_host, served, mut qt, init) = start(dialect, Big { rows: 100_000 }, ModelOptions::default(), &[]).await;
    assert_eq!(init["rows"], 100_000);
    for (first, last) in [(50_000, 50_009), (99_990, 99_999), (0, 4)] {
        let r = qt.command(&format!("rows {first} {last}")).await;
        let rows = r["rows"].as_array().expect("rows");
        assert_eq!(rows.len(), (last - first + 1) as usize, "{r}");
        for (n, row) in rows.iter().enumerate() {
            let at = first + n as i32;
            assert_eq!(row["cells"][1]["data"], json!({"0": format!("item {at}.1"), "257": 10 * at}), "{row}");
        }
    }
    let served_cells = served.served_cells();
    assert!(served_cells > 0 && served_cells < 10_000, "lazy: {served_cells} of 200000 cells served");
    // Inserting at the top of the big model while attached.
    served
        .update(|m| {
            m.rows += 2;
            ((), vec![qtro_rs::core::model::ModelChange::RowsInserted { parent: vec![], first: 0, last: 1 }])
        })
        .unwrap();
    qt.expect("rowsInserted", event("rowsInserted")).await;
    let r = qt.command("count").await;
    assert_eq!(r["rows"], 100_002);
    assert_eq!(served.refused_requests(), 0);
}

#[tokio::test]
async fn qt6_big_model_is_read_lazily() {
    big_model_is_read_lazily(Dialect::Qt6).await;
}

#[tokio::test]
async fn qt5_big_model_is_read_lazily() {
    big_model_is_read_lazily(Dialect::Qt5).await;
}

// ---- .rep MODEL children (Media from interop.rep: PROP(int n), MODEL tracks(display)) ------

fn tracks(n: i32) -> TableModel {
    let mut t = TableModel::new(&[(0, "display"), (1, "decoration"), (RANK, "rank")], 1);
    let rows = (0..n).map(|i| vec![Cell::new(format!("track {i}")).with(RANK, i)]).collect();
    t.insert_rows(0, rows).unwrap();
    t
}

async fn media_tracks(dialect: Dialect, set_before: bool) {
    let host = node(dialect);
    let url = host.listen("tcp://127.0.0.1:0").await.unwrap();
    let media = host.enable_source_without_slots("Media", common::dialect::class("Media", dialect)).unwrap();
    let options = || ModelOptions { rep_roles: vec!["display".into()], ..Default::default() };
    let mut served = None;
    if set_before {
        served = Some(media.enable_model_child("tracks", tracks(4), options()).unwrap());
    }
    let (mut qt, _) = QtPeer::start_with(major(dialect), &["replica-static", "Media", "--url", url.as_str()]).await;
    if !set_before {
        // The replica is initialized with a null model child (a null QRO_, as Qt sends it).
        qt.expect("the parent replica initialized", |e| e["event"] == "initialized" && e["model"].is_null()).await;
        served = Some(media.enable_model_child("tracks", tracks(4), options()).unwrap());
    }
    let served = served.unwrap();
    let expected_name = if dialect == Dialect::Qt5 { "Model::tracks" } else { "Model::Media::tracks" };
    assert_eq!(served.name(), expected_name);
    let init = qt.expect("tracks initialized", |e| e["event"] == "initialized" && e["model"] == "tracks").await;
    assert_eq!((init["availableRoles"].clone(), init["rows"].clone()), (json!([0]), json!(4)), "{init}");
    let walked = qt.command("walk-child tracks").await;
    assert_eq!(walked["model"], served.with(|m| dump(m, &[0])));

    // Changes while attached reach the child model replica.
    served.insert_rows(1, vec![vec![Cell::new("inserted")]]).unwrap();
    let e = qt.expect("rowsInserted in tracks", |e| e["event"] == "rowsInserted" && e["model"] == "tracks").await;
    assert_eq!((e["first"].clone(), e["last"].clone()), (json!(1), json!(1)));
    let walked = qt.command("walk-child tracks").await;
    assert_eq!(walked["model"], served.with(|m| dump(m, &[0])));

    // Replacing the model re-initializes the child replica.
    let replaced = media.enable_model_child("tracks", tracks(2), options()).unwrap();
    qt.expect("tracks re-initialized", |e| e["event"] == "initialized" && e["model"] == "tracks" && e["rows"] == 2)
        .await;
    let walked = qt.command("walk-child tracks").await;
    assert_eq!(walked["model"], replaced.with(|m| dump(m, &[0])));
    assert_eq!(replaced.refused_requests(), 0);
}

#[tokio::test]
async fn qt6_media_tracks_model_child() {
    media_tracks(Dialect::Qt6, true).await;
}

#[tokio::test]
async fn qt6_media_tracks_set_while_attached() {
    media_tracks(Dialect::Qt6, false).await;
}

#[tokio::test]
async fn qt5_media_tracks_model_child() {
    media_tracks(Dialect::Qt5, true).await;
    media_tracks(Dialect::Qt5, false).await;
}

// ---- changes while the replica reads -------------------------------------------------------

/// The Rust model changes all the time (inserts and data) while the Qt replica reads it:
/// QAbstractItemModelTester must stay silent, the replica must end with every row, and a reset
/// brings it back to the model exactly.
///
/// The walk right after the changes is *not* compared: a stock replica applies a reply in a
/// later event-loop turn than the one that read it (QRemoteObjectPendingCallWatcherHelper
/// connects `finished` queued), so change signals read together with a reply are applied before
/// it, and the reply lands on shifted rows, whatever the source. Our source does put each reply
/// after exactly the changes it reflects (`tests/model_host.rs` checks that on the wire). For the
/// same reason, rows removed (or moved) while replies are in flight can crash a stock Qt 5.15
/// replica (seen here about one run in five with removes and moves): they are left out.
async fn changes_during_reads(dialect: Dialect) {
    let mut t = TableModel::new(&ROLES, 2);
    t.insert_rows(0, (0..300).map(|r| vec![Cell::new(format!("row{r}")).with(RANK, r), Cell::new(r)]).collect())
        .unwrap();
    let (_host, served, mut qt, _) = start(dialect, t, ModelOptions::default(), &[]).await;
    let writer = {
        let served = served.clone();
        tokio::task::spawn_blocking(move || {
            let mut seed = 7u32;
            let mut next = move |n: u32| {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                (seed >> 8) % n.max(1)
            };
            for i in 0..400 {
                let rows = served.with(|m| m.row_len()) as u32;
                let r = next(rows) as i32;
                match next(3) {
                    0 => served.insert_rows(r, vec![vec![Cell::new(format!("ins{i}")), Cell::new(-i)]]).unwrap(),
                    1 => served.insert_rows(rows as i32, vec![vec![Cell::new(format!("end{i}"))]]).unwrap(),
                    _ => served.set_data(r, i % 2, 0, Value::string(format!("set{i}"))).unwrap(),
                }
                if i % 20 == 0 {
                    std::thread::sleep(Duration::from_millis(5));
                }
            }
        })
    };
    // Reads meanwhile: windows of rows all over the model.
    for k in 0..12 {
        let first = (k * 23) % 250;
        qt.send(&format!("rows {first} {}", first + 20));
        tokio::time::sleep(Duration::from_millis(15)).await;
    }
    writer.await.unwrap();
    let rows = served.with(|m| m.row_len());
    let deadline = tokio::time::Instant::now() + T;
    loop {
        // The last signals may still be on their way.
        let r = qt.command("count").await;
        if r["rows"] == rows {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "the replica has {} rows, the model {rows}", r["rows"]);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    served.notify(&[qtro_rs::core::model::ModelChange::Reset]).unwrap();
    qt.expect("modelReset", event("modelReset")).await;
    same_model(&mut qt, &served, &[0, RANK], "after 400 changes made during reads and a reset").await;
}

#[tokio::test]
async fn qt6_changes_during_reads() {
    changes_during_reads(Dialect::Qt6).await;
}

#[tokio::test]
async fn qt5_changes_during_reads() {
    changes_during_reads(Dialect::Qt5).await;
}

/// OtherMedia (`MODEL tracks(display,decoration)`): the two `.rep` roles are served, found by
/// name among the model's three, and a QColor decoration reaches the Qt replica.
async fn other_media_tracks(dialect: Dialect) {
    let host = node(dialect);
    let url = host.listen("tcp://127.0.0.1:0").await.unwrap();
    let media = host.enable_source_without_slots("OtherMedia", common::dialect::class("OtherMedia", dialect)).unwrap();
    let mut model = tracks(3);
    for (r, rgb) in [(255, 0, 0), (0, 128, 0), (0, 0, 255)].into_iter().enumerate() {
        let color = qtro_rs::core::gui::Color::rgba(rgb.0, rgb.1, rgb.2, 255);
        model.set_value(r as i32, 0, 1, Value::Color(color)).unwrap();
    }
    let options = ModelOptions { rep_roles: vec!["display".into(), "decoration".into()], ..Default::default() };
    let served = media.enable_model_child("tracks", model, options).unwrap();
    let (mut qt, _) =
        QtPeer::start_with(major(dialect), &["replica-static", "OtherMedia", "--url", url.as_str()]).await;
    let init = qt.expect("tracks initialized", |e| e["event"] == "initialized" && e["model"] == "tracks").await;
    assert_eq!((init["availableRoles"].clone(), init["rows"].clone()), (json!([0, 1]), json!(3)), "{init}");
    let mut walked = qt.command("walk-child tracks").await;
    color_payloads(&mut walked);
    assert_eq!(walked["model"], served.with(|m| dump(m, &[0, 1])));
    assert_eq!(walked["model"]["items"][1]["cells"][0]["data"]["1"]["datastream"], "01ffff0000808000000000");
}

/// The peer's QColor `datastream` is a streamed QVariant (type id, null flag, then the color):
/// keeps the color's 11 bytes.
fn color_payloads(j: &mut Json) {
    match j {
        Json::Object(o) if o.get("$type") == Some(&json!("QColor")) => {
            if let Some(Json::String(hex)) = o.get_mut("datastream") {
                *hex = hex[hex.len().saturating_sub(22)..].to_owned();
            }
        }
        Json::Object(o) => o.values_mut().for_each(color_payloads),
        Json::Array(a) => a.iter_mut().for_each(color_payloads),
        _ => {}
    }
}

#[tokio::test]
async fn qt6_other_media_two_roles() {
    other_media_tracks(Dialect::Qt6).await;
}

#[tokio::test]
async fn qt5_other_media_two_roles() {
    other_media_tracks(Dialect::Qt5).await;
}

/// A Qt replica started before the Rust source exists initializes once it appears, and
/// re-initializes from a restarted source (another model now) with nothing stale.
async fn replica_before_source_and_restart(dialect: Dialect) {
    let url = format!("tcp://127.0.0.1:{}", common::qt_peer::free_port());
    let (mut qt, _) = QtPeer::start_with(major(dialect), &["model-replica", "Model", "--url", url.as_str()]).await;
    tokio::time::sleep(Duration::from_millis(200)).await;

    let host = node(dialect);
    host.listen(&url).await.unwrap();
    let served = host.enable_model("Model", table(), ModelOptions::default()).unwrap();
    let init = qt.expect("initialized", event("initialized")).await;
    assert_eq!(init["rows"], 30);
    same_model(&mut qt, &served, &[0, RANK], "a source that came after its replica").await;

    host.shutdown();
    drop(served);
    drop(host);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let host = node(dialect);
    // The port may take a moment to be free again.
    let deadline = tokio::time::Instant::now() + T;
    while host.listen(&url).await.is_err() {
        assert!(tokio::time::Instant::now() < deadline, "cannot listen on {url} again");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let served = host.enable_model("Model", tree(), ModelOptions::default()).unwrap();
    let init = qt.expect("re-initialized", |e| e["event"] == "initialized" && e["rows"] == 3).await;
    assert_eq!(init["columns"], 2);
    same_model(&mut qt, &served, &[0, RANK], "a restarted source with another model").await;
}

#[tokio::test]
async fn qt6_replica_before_source_and_restart() {
    replica_before_source_and_restart(Dialect::Qt6).await;
}

#[tokio::test]
async fn qt5_replica_before_source_and_restart() {
    replica_before_source_and_restart(Dialect::Qt5).await;
}

/// A model found through a registry: the Rust node is the registry and serves the model; the Qt
/// replica knows only the registry's URL.
#[tokio::test]
async fn qt6_model_found_through_a_registry() {
    let host = Node::new();
    let url = host.listen_registry("tcp://127.0.0.1:0").await.unwrap();
    let served = host.enable_model("Model", table(), ModelOptions::default()).unwrap();
    let (mut qt, _) = QtPeer::start(&["model-replica", "Model", "--registry", url.as_str()]).await;
    let init = qt.expect("initialized", event("initialized")).await;
    assert_eq!(init["rows"], 30);
    same_model(&mut qt, &served, &[0, RANK], "a model found through the registry").await;
}

/// A tree deeper than a prefetch reply nests (ServeCaps::max_tree_depth, 28 by default): the Qt
/// replica gets the top of it prefetched and fetches the rest level by level.
#[tokio::test]
async fn qt6_deep_tree_prefetch() {
    let mut t = TreeModel::new(&ROLES, 1);
    let mut row = Row::of(["leaf"]);
    for d in (0..35).rev() {
        row = Row::of([format!("depth {d}")]).with_children(vec![row, Row::of([format!("side {d}")])]);
    }
    t.insert_rows(&[], 0, vec![row]).unwrap();
    let (_host, served, mut qt, init) = start(Dialect::Qt6, t, ModelOptions::default(), &["--prefetch", "1000"]).await;
    assert_eq!(init["rows"], 1);
    same_model(&mut qt, &served, &[0, RANK], "a 36-level tree").await;
    assert_eq!(served.refused_requests(), 0);
}
