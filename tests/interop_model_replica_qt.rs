//! Rust [`ModelReplica`]s of item models hosted by stock Qt 6 and Qt 5.15
//! (`qtro_qt_peer model-source`, qt-interop/peers): what the replica fetches equals the peer's
//! own `dump` of its source model, before and after changes made while attached, over a
//! 100 000-row model scrolled lazily, with `setData` round trips, a replica acquired before its
//! source exists, and a source killed and restarted under a replica holding cached rows.

use std::time::Duration;

use qtro_rs::core::model::{InitialAction, Lookup, ModelEvent, ModelIndex, Orientation};
use qtro_rs::core::variant::to_bytes_plain;
use qtro_rs::core::{ByteOrder, Dialect, Value};
use qtro_rs::node::{EventReceiver, ModelPhase, ModelReplica, ModelReplicaOptions, Node};
use serde_json::{json, Value as Json};

mod common;
use common::dialect::node;
use common::events::next_event;
use common::model_dump;
use common::qt_peer::{free_port, QtPeer};

const T: Duration = Duration::from_secs(20);

fn ix(row: i32, column: i32) -> ModelIndex {
    ModelIndex::new(row, column)
}

fn dialect_of(major: u32) -> Dialect {
    if major == 5 {
        Dialect::Qt5
    } else {
        Dialect::Qt6
    }
}

/// A value as the peer prints it in dumps (README "Values").
fn to_json(v: &Value, dialect: Dialect) -> Json {
    match v {
        Value::String(s) => json!(s.clone().unwrap_or_default()),
        Value::Int(i) => json!(i),
        Value::Bool(b) => json!(b),
        Value::Double(d) => json!(d),
        Value::Variant(inner) => to_json(inner, dialect),
        other => json!({
            "$type": other.type_name(),
            "datastream": hex::encode(to_bytes_plain(other, dialect, ByteOrder::Big).unwrap()),
        }),
    }
}

/// Starts `model-source ARGS` on Qt `major`; returns the peer and its URL.
async fn source(major: u32, args: &[&str]) -> (QtPeer, String) {
    let mut all = vec!["model-source"];
    all.extend_from_slice(args);
    if !args.contains(&"--url") {
        all.extend_from_slice(&["--url", "tcp://127.0.0.1:0"]);
    }
    let (peer, ready) = QtPeer::start_with(major, &all).await;
    let url = ready["url"].as_str().expect("url").to_owned();
    (peer, url)
}

/// A node of `major`'s dialect connected to `url`, and the model `Model` acquired on it.
fn replica(major: u32, url: &str, options: ModelReplicaOptions) -> (Node, ModelReplica) {
    let n = node(dialect_of(major));
    n.connect_to(url).unwrap();
    let m = n.acquire_model("Model", options);
    (n, m)
}

/// Waits until `f` gives a value (re-checked after every model event).
async fn until<R>(events: &mut EventReceiver<ModelEvent>, what: &str, mut f: impl FnMut() -> Option<R>) -> R {
    let deadline = tokio::time::Instant::now() + T;
    loop {
        if let Some(r) = f() {
            return r;
        }
        if tokio::time::timeout_at(deadline, events.recv()).await.is_err() {
            panic!("timed out waiting for {what}");
        }
    }
}

/// The whole model as the peer's `dump` prints it.
async fn dump(m: &ModelReplica, events: &mut EventReceiver<ModelEvent>, dialect: Dialect) -> Json {
    let mut roles = m.available_roles();
    roles.sort();
    model_dump::fetch_tree(m, &[], T).await;
    let mut d =
        model_dump::replica_level(m, &[], &roles, &|v| to_json(v, dialect)).expect("everything cached after fetch");
    let columns = d["columns"].as_i64().unwrap() as i32;
    let mut headers = Vec::new();
    for s in 0..columns {
        let v = until(events, "a header", || match m.header_data(Orientation::Horizontal, s, 0) {
            Lookup::Cached(v) => Some(v),
            Lookup::Unavailable => Some(Value::Invalid),
            Lookup::Pending => None,
        })
        .await;
        headers.push(match v {
            Value::Invalid => Json::Null,
            v => to_json(&v, dialect),
        });
    }
    let map = d.as_object_mut().unwrap();
    map.insert("roles".into(), json!(roles));
    map.insert("headers".into(), json!(headers));
    d
}

/// The source's dump, normalized like ours (keys sorted by serde_json).
async fn peer_dump(peer: &mut QtPeer) -> Json {
    let mut d = peer.command("dump").await["model"].take();
    // Headers the peer prints as null/absent stay comparable.
    if d.get("headers").is_none() {
        d["headers"] = json!([]);
    }
    d
}

fn assert_same(ours: &Json, theirs: &Json, what: &str) {
    if ours != theirs {
        panic!(
            "{what}: the replica's dump differs from the source's\n ours:   {}\n theirs: {}",
            serde_json::to_string(ours).unwrap(),
            serde_json::to_string(theirs).unwrap()
        );
    }
}

// ---- whole models ---------------------------------------------------------------------------

async fn fully_fetched(major: u32, kind: &str, initial: InitialAction) {
    let (mut peer, url) = source(major, &[kind]).await;
    let (_node, m) = replica(major, &url, ModelReplicaOptions { initial, ..Default::default() });
    let mut events = m.events();
    m.wait_initialized(T).await.unwrap();
    let ours = dump(&m, &mut events, dialect_of(major)).await;
    let theirs = peer_dump(&mut peer).await;
    assert_same(&ours, &theirs, &format!("Qt {major} {kind} {initial:?}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qt6_table_fully_fetched() {
    fully_fetched(6, "table", InitialAction::FetchRootSize).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qt6_tree_fully_fetched() {
    fully_fetched(6, "tree", InitialAction::FetchRootSize).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qt6_tree_prefetched() {
    fully_fetched(6, "tree", InitialAction::PrefetchData).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qt6_rolenames_fully_fetched() {
    fully_fetched(6, "rolenames", InitialAction::FetchRootSize).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qt5_table_fully_fetched() {
    fully_fetched(5, "table", InitialAction::FetchRootSize).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qt5_tree_prefetched() {
    fully_fetched(5, "tree", InitialAction::PrefetchData).await;
}

// ---- changes while attached -----------------------------------------------------------------

/// Sends `command` to the source and waits for the replica's event `pick` accepts.
async fn change(
    peer: &mut QtPeer,
    events: &mut EventReceiver<ModelEvent>,
    command: &str,
    pick: impl Fn(&ModelEvent) -> bool,
) {
    // Events of earlier fetches are not this change's.
    while events.try_recv().is_ok() {}
    peer.command(command).await;
    next_event(events, T, |e| {
        if let ModelEvent::Error(err) = &e {
            panic!("after {command:?}: {err}");
        }
        pick(&e).then_some(())
    })
    .await
    .unwrap_or_else(|| panic!("no replica event after {command:?}"));
}

async fn changes_while_attached(major: u32, kind: &str) {
    let dialect = dialect_of(major);
    let (mut peer, url) = source(major, &[kind, "--rows", "12"]).await;
    let (_node, m) = replica(major, &url, ModelReplicaOptions::default());
    let mut events = m.events();
    m.wait_initialized(T).await.unwrap();
    assert_same(&dump(&m, &mut events, dialect).await, &peer_dump(&mut peer).await, "before");
    // Keep a window over the root, as a view would: changed rows are fetched again.
    m.set_window(&[], 0..100);

    use ModelEvent as E;
    if kind == "tree" {
        // Under a parent whose children the replica knows.
        change(
            &mut peer,
            &mut events,
            "insert 0 0 2",
            |e| matches!(e, E::RowsInserted { parent, .. } if !parent.is_empty()),
        )
        .await;
        change(&mut peer, &mut events, "set 0.1 1 0 \"deep\"", |e| matches!(e, E::DataChanged { .. })).await;
        change(
            &mut peer,
            &mut events,
            "remove 1 0 1",
            |e| matches!(e, E::RowsRemoved { parent, .. } if !parent.is_empty()),
        )
        .await;
    }
    change(&mut peer, &mut events, "insert . 2 3", |e| matches!(e, E::RowsInserted { first: 2, last: 4, .. })).await;
    change(&mut peer, &mut events, "remove . 5 2", |e| matches!(e, E::RowsRemoved { first: 5, last: 6, .. })).await;
    change(&mut peer, &mut events, "move . 0 2 . 7", |e| matches!(e, E::RowsMoved { first: 0, last: 1, row: 7, .. }))
        .await;
    change(&mut peer, &mut events, "set 3 0 0 \"changed\"", |e| matches!(e, E::DataChanged { .. })).await;
    let ours = dump(&m, &mut events, dialect).await;
    assert_same(&ours, &peer_dump(&mut peer).await, "after inserts, removes, moves and sets");

    change(&mut peer, &mut events, "sort . 0 desc", |e| matches!(e, E::LayoutChanged { .. })).await;
    assert_same(&dump(&m, &mut events, dialect).await, &peer_dump(&mut peer).await, "after a sort");

    change(&mut peer, &mut events, "reset 7", |e| matches!(e, E::Initialized)).await;
    assert_eq!(m.row_count(&[]), Some(7));
    assert_same(&dump(&m, &mut events, dialect).await, &peer_dump(&mut peer).await, "after a reset");

    change(&mut peer, &mut events, "header h 1 0 \"Second\"", |e| matches!(e, E::HeaderDataChanged { .. })).await;
    assert_same(&dump(&m, &mut events, dialect).await, &peer_dump(&mut peer).await, "after a header change");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qt6_table_changes_while_attached() {
    changes_while_attached(6, "table").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qt6_tree_changes_while_attached() {
    changes_while_attached(6, "tree").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qt5_table_changes_while_attached() {
    changes_while_attached(5, "table").await;
}

async fn tree_moves_keep_subtrees(major: u32) {
    // Moves of rows with children at the root and under a child parent: a stock Qt replica gets
    // these wrong (see qt-interop/peers/README.md, risk 3); the cache moves whole subtrees.
    let dialect = dialect_of(major);
    let (mut peer, url) = source(major, &["tree"]).await;
    let (_node, m) = replica(major, &url, ModelReplicaOptions::default());
    let mut events = m.events();
    m.wait_initialized(T).await.unwrap();
    assert_same(&dump(&m, &mut events, dialect).await, &peer_dump(&mut peer).await, "before");
    let cells = m.cells_requested();
    use ModelEvent as E;
    change(&mut peer, &mut events, "move . 1 2 . 5", |e| matches!(e, E::RowsMoved { first: 1, last: 2, row: 5, .. }))
        .await;
    // Root rows are now old 0, 3, 4, 1, 2, 5; old row 2 (now 4) has 3 children, old 1 (now 3) 2.
    change(
        &mut peer,
        &mut events,
        "move 4 0 1 4 3",
        |e| matches!(e, E::RowsMoved { parent, .. } if !parent.is_empty()),
    )
    .await;
    change(
        &mut peer,
        &mut events,
        "move 0 0 1 3 0",
        |e| matches!(e, E::RowsMoved { parent, .. } if !parent.is_empty()),
    )
    .await;
    assert_same(&dump(&m, &mut events, dialect).await, &peer_dump(&mut peer).await, "after moves");
    assert_eq!(m.cells_requested(), cells, "moves are applied to the cache, nothing fetched again");
    // A sort under a child parent: Qt sends the parents flattened; the replica re-fetches.
    change(&mut peer, &mut events, "sort 4 0 desc", |e| matches!(e, E::LayoutChanged { .. })).await;
    assert_same(&dump(&m, &mut events, dialect).await, &peer_dump(&mut peer).await, "after a child sort");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qt6_tree_moves_keep_subtrees() {
    tree_moves_keep_subtrees(6).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qt5_tree_moves_keep_subtrees() {
    tree_moves_keep_subtrees(5).await;
}

async fn columns_and_roles_change(major: u32) {
    let dialect = dialect_of(major);
    let (mut peer, url) = source(major, &["table", "--rows", "8"]).await;
    let (_node, m) = replica(major, &url, ModelReplicaOptions::default());
    let mut events = m.events();
    m.wait_initialized(T).await.unwrap();
    assert_same(&dump(&m, &mut events, dialect).await, &peer_dump(&mut peer).await, "before");
    m.set_window(&[], 0..8);
    change(&mut peer, &mut events, "columns-insert . 1 2", |e| {
        matches!(e, ModelEvent::ColumnsInserted { first: 1, last: 2, .. })
    })
    .await;
    assert_eq!(m.column_count(&[]), Some(4));
    assert_same(&dump(&m, &mut events, dialect).await, &peer_dump(&mut peer).await, "after columns-insert");

    // The adapter's availableRoles changes: the replica starts over with the new roles.
    assert_eq!(m.available_roles(), vec![0, 8, 255]);
    change(&mut peer, &mut events, "available-roles 0", |e| matches!(e, ModelEvent::Initialized)).await;
    assert_eq!(m.available_roles(), vec![0]);
    m.fetch(&[], 0..8, T).await.unwrap();
    assert!(matches!(m.data(&[ix(0, 0)], 0), Lookup::Cached(Value::String(_))));
    assert_eq!(m.data(&[ix(0, 0)], 8), Lookup::Unavailable);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qt6_columns_and_roles_change() {
    columns_and_roles_change(6).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qt5_columns_and_roles_change() {
    columns_and_roles_change(5).await;
}

async fn changes_racing_fetches(major: u32) {
    // The source blocks, a change and the replica's requests queue up behind it, then the
    // source applies the change and answers requests made before it: the replica must end with
    // what the source has, whichever reached it first.
    let dialect = dialect_of(major);
    let (mut peer, url) = source(major, &["rolenames", "--rows", "300"]).await;
    let options = ModelReplicaOptions { max_rows_per_request: 20, prefetch_rows: 0, ..Default::default() };
    let (_node, m) = replica(major, &url, options);
    let mut events = m.events();
    m.wait_initialized(T).await.unwrap();
    for (i, change) in
        ["insert . 0 5", "remove . 10 7", "move . 0 3 . 40", "insert . 25 2", "sort . 0 desc"].into_iter().enumerate()
    {
        let rows = (i as i32 * 50)..(i as i32 * 50 + 60);
        peer.send(&format!("sleep 300\n{change}"));
        tokio::time::sleep(Duration::from_millis(50)).await;
        m.set_window(&[], rows.clone());
        let cmd = change.split_whitespace().next().unwrap().to_owned();
        peer.expect("the change", |e| e["event"] == "ok" && e["cmd"] == cmd.as_str()).await;
        m.fetch(&[], rows, T).await.unwrap();
    }
    assert_same(&dump(&m, &mut events, dialect).await, &peer_dump(&mut peer).await, "after racing changes");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qt6_changes_racing_fetches() {
    changes_racing_fetches(6).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qt5_changes_racing_fetches() {
    changes_racing_fetches(5).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qt6_table_prefetched() {
    fully_fetched(6, "table", InitialAction::PrefetchData).await;
}

// ---- a big model, lazily ---------------------------------------------------------------------

async fn big_model_scrolled_lazily(major: u32) {
    const ROWS: i32 = 100_000;
    const WINDOW: i32 = 50;
    let (mut peer, url) = source(major, &["big", "--rows", &ROWS.to_string()]).await;
    let options = ModelReplicaOptions { cache_rows: 300, prefetch_rows: 50, ..Default::default() };
    let (_node, m) = replica(major, &url, options);
    m.wait_initialized(T).await.unwrap();
    assert_eq!(m.row_count(&[]), Some(ROWS));
    peer.command("stats clear").await;
    let rank = 257;
    let mut touched = 0i64;
    let mut first = 0;
    while first < ROWS {
        let rows = first..(first + WINDOW).min(ROWS);
        m.set_window(&[], rows.clone());
        m.fetch(&[], rows.clone(), T).await.unwrap();
        // Spot checks against the source's formula (rank = id × 10).
        for r in [rows.start, rows.end - 1] {
            assert_eq!(m.data(&[ix(r, 0)], rank), Lookup::Cached(Value::Int(r * 10)), "row {r}");
        }
        touched += rows.len() as i64;
        assert!(m.cached_rows() <= 600, "{} rows cached", m.cached_rows());
        first += WINDOW;
    }
    let cells = m.cells_requested() as i64;
    assert!(cells >= touched && cells <= touched * 11 / 10, "{cells} cells requested for {touched} rows");
    let stats = peer.command("stats").await;
    let served = stats["rowsTouched"].as_i64().expect("rowsTouched");
    assert!(served <= touched * 11 / 10, "the source served {served} rows for {touched} touched");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qt6_big_model_scrolled_lazily() {
    big_model_scrolled_lazily(6).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qt5_big_model_scrolled_lazily() {
    big_model_scrolled_lazily(5).await;
}

// ---- setData, selection ----------------------------------------------------------------------

async fn set_data_round_trip(major: u32) {
    let (mut peer, url) = source(major, &["table", "--rows", "10", "--selection"]).await;
    let (_node, m) = replica(major, &url, ModelReplicaOptions::default());
    let mut events = m.events();
    m.wait_initialized(T).await.unwrap();
    m.fetch(&[], 0..10, T).await.unwrap();
    m.set_window(&[], 0..10);
    assert!(m.set_data(&[ix(3, 1)], Value::string("written"), 12345).is_err(), "not an available role");
    m.set_data(&[ix(3, 1)], Value::string("written"), 0).unwrap();
    let changed = peer.expect("the source's dataChanged", |e| e["event"] == "dataChanged").await;
    assert_eq!(changed["topLeft"], json!([[3, 1]]), "{changed}");
    until(&mut events, "the written value", || {
        (m.data(&[ix(3, 1)], 0) == Lookup::Cached(Value::string("written"))).then_some(())
    })
    .await;

    // The current index, both ways.
    m.set_current(&[ix(2, 0)]);
    let current = peer.expect("currentChanged", |e| e["event"] == "currentChanged").await;
    assert_eq!(current["current"], json!([[2, 0]]), "{current}");
    peer.command("current 5").await;
    next_event(&mut events, T, |e| match e {
        ModelEvent::CurrentChanged { current, .. } if current == vec![ix(5, 0)] => Some(()),
        _ => None,
    })
    .await
    .expect("the source's current index");
    assert_eq!(m.current(), vec![ix(5, 0)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qt6_set_data_round_trip() {
    set_data_round_trip(6).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qt5_set_data_round_trip() {
    set_data_round_trip(5).await;
}

// ---- lifetimes -------------------------------------------------------------------------------

async fn acquired_before_the_source_exists(major: u32) {
    let url = format!("tcp://127.0.0.1:{}", free_port());
    let (_node, m) = replica(major, &url, ModelReplicaOptions::default());
    let mut events = m.events();
    assert_eq!(m.row_count(&[]), None);
    assert_eq!(m.data(&[ix(0, 0)], 0), Lookup::Pending);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (mut peer, _) = source(major, &["table", "--rows", "6", "--url", &url]).await;
    m.wait_initialized(T).await.unwrap();
    assert_same(&dump(&m, &mut events, dialect_of(major)).await, &peer_dump(&mut peer).await, "late source");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qt6_acquired_before_the_source_exists() {
    acquired_before_the_source_exists(6).await;
}

async fn source_restarted(major: u32) {
    let dialect = dialect_of(major);
    let url = format!("tcp://127.0.0.1:{}", free_port());
    let (mut peer, _) = source(major, &["rolenames", "--rows", "30", "--url", &url]).await;
    let (_node, m) = replica(major, &url, ModelReplicaOptions::default());
    let mut events = m.events();
    m.wait_initialized(T).await.unwrap();
    m.set_window(&[], 0..30);
    m.fetch(&[], 0..30, T).await.unwrap();
    assert_same(&dump(&m, &mut events, dialect).await, &peer_dump(&mut peer).await, "first source");
    assert_eq!(m.cached_rows(), 30);

    peer.kill();
    next_event(&mut events, T, |e| {
        matches!(e, ModelEvent::State(s) if s != qtro_rs::core::ReplicaState::Valid).then_some(())
    })
    .await
    .expect("the replica notices");
    // Another model behind the same address: fewer rows, sorted the other way.
    let (mut peer, _) = source(major, &["rolenames", "--rows", "9", "--url", &url]).await;
    peer.command("sort . 0 desc").await;
    next_event(&mut events, T, |e| matches!(e, ModelEvent::Reset).then_some(())).await.expect("a reset");
    next_event(&mut events, T, |e| matches!(e, ModelEvent::Initialized).then_some(())).await.expect("initialized");
    assert_eq!(m.row_count(&[]), Some(9));
    // Nothing of the first source is left: rows come from the new one.
    assert!(m.cached_rows() <= 9);
    assert_same(&dump(&m, &mut events, dialect).await, &peer_dump(&mut peer).await, "restarted source");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qt5_acquired_before_the_source_exists() {
    acquired_before_the_source_exists(5).await;
}

async fn role_names(major: u32) {
    let (_peer, ready) =
        QtPeer::start_with(major, &["model-source", "rolenames", "--rows", "3", "--url", "tcp://127.0.0.1:0"]).await;
    let (_node, m) = replica(major, ready["url"].as_str().unwrap(), ModelReplicaOptions::default());
    m.wait_initialized(T).await.unwrap();
    let names: serde_json::Map<String, Json> =
        m.role_names().into_iter().map(|(r, n)| (r.to_string(), json!(String::from_utf8_lossy(&n)))).collect();
    assert_eq!(Json::Object(names), ready["roleNames"], "role names");
    assert_eq!(json!(m.available_roles()), ready["roles"], "available roles");
    m.fetch(&[], 0..3, T).await.unwrap();
    // roleNames {256: name, 257: rank}: name "item <id>", rank id × 10.
    assert_eq!(m.data(&[ix(2, 0)], 256), Lookup::Cached(Value::string("item 2")));
    assert_eq!(m.data(&[ix(2, 0)], 257), Lookup::Cached(Value::Int(20)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qt6_role_names() {
    role_names(6).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qt5_role_names() {
    role_names(5).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qt6_source_restarted() {
    source_restarted(6).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qt5_source_restarted() {
    source_restarted(5).await;
}

// ---- manual mode ------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qt6_manual_feed_announces_changes_before_making_them() {
    let (mut peer, url) = source(6, &["table", "--rows", "5"]).await;
    let n = node(Dialect::Qt6);
    n.connect_to(&url).unwrap();
    let (m, feed) = n.acquire_model_manual("Model", ModelReplicaOptions::default());
    let ready = std::sync::Arc::new(tokio::sync::Notify::new());
    let waker = ready.clone();
    feed.on_ready(move || waker.notify_one());
    // (phase, event, root rows the cache showed then)
    let mut seen: Vec<(bool, ModelEvent, Option<i32>)> = Vec::new();
    let pump = |seen: &mut Vec<(bool, ModelEvent, Option<i32>)>| {
        feed.process(|phase, cache| match phase {
            ModelPhase::Before(e) => seen.push((true, e.clone(), cache.peek_row_count(&[]))),
            ModelPhase::After(e) => seen.push((false, e.clone(), cache.peek_row_count(&[]))),
        })
    };
    let deadline = tokio::time::Instant::now() + T;
    loop {
        pump(&mut seen);
        if seen.iter().any(|(_, e, _)| *e == ModelEvent::Initialized) {
            break;
        }
        assert!(tokio::time::timeout_at(deadline, ready.notified()).await.is_ok(), "no init: {seen:?}");
    }
    assert_eq!(m.row_count(&[]), Some(5), "reads show the processed cache");
    seen.clear();
    peer.command("insert . 1 2").await;
    loop {
        pump(&mut seen);
        if seen.iter().any(|(before, e, _)| !before && matches!(e, ModelEvent::RowsInserted { .. })) {
            break;
        }
        assert!(tokio::time::timeout_at(deadline, ready.notified()).await.is_ok(), "no insert: {seen:?}");
    }
    let inserted = ModelEvent::RowsInserted { parent: vec![], first: 1, last: 2 };
    let i = seen.iter().position(|(b, e, _)| *b && *e == inserted).expect("announced");
    assert_eq!(seen[i].2, Some(5), "announced while the cache still had 5 rows");
    assert_eq!(seen[i + 1], (false, inserted, Some(7)));
}

/// A stock Qt host reuses one argument list for every signal and trims only half of a longer
/// signal's excess, so `dataChanged` (3 arguments) after `rowsMoved` (5) arrives with 4. A
/// generic (dynamic) replica reads as many as the signal has, as a Qt replica does.
async fn extra_signal_arguments_are_dropped(major: u32) {
    let (mut peer, url) = source(major, &["table", "--rows", "10"]).await;
    let n = node(dialect_of(major));
    n.connect_to(&url).unwrap();
    let generic = n.acquire_dynamic("Model");
    let mut events = generic.events();
    generic.wait_for_source(T).await.unwrap();
    // The adapter's slots called by name through the generic replica: Qt 6 declares them with
    // its `QtPrivate::` typedefs, which name the wire's types.
    let root = qtro_rs::core::model::types::path_to_value(&[], dialect_of(major));
    let size = generic.call("replicaSizeRequest", vec![root]).await.unwrap();
    assert_eq!(size, Value::Size(qtro_rs::core::Size { width: 2, height: 10 }), "Qt {major}");
    peer.command("move . 2 3 . 8").await;
    peer.command(r#"set 0 0 0 "changed""#).await;
    let mut seen = Vec::new();
    let data_changed = tokio::time::timeout(T, async {
        loop {
            if let Some(qtro_rs::node::ReplicaEvent::Signal { name, args, .. }) = events.recv().await {
                seen.push((name.to_string(), args.len()));
                if &*name == "dataChanged" {
                    return args;
                }
            }
        }
    })
    .await
    .expect("dataChanged");
    assert!(seen.iter().any(|(n, len)| n == "rowsMoved" && *len == 5), "{seen:?}");
    assert_eq!(data_changed.len(), 3, "Qt {major}: {data_changed:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qt6_extra_signal_arguments_are_dropped() {
    extra_signal_arguments_are_dropped(6).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qt5_extra_signal_arguments_are_dropped() {
    extra_signal_arguments_are_dropped(5).await;
}
