//! Rust item models (`TableModel`, `TreeModel`) served by one node and read by a Rust
//! [`ModelReplica`] on another, over loopback TCP, in both dialects: what the replica fetches
//! equals the source model, before and after changes made while attached; a big model is read
//! lazily; setData and the current index go both ways; a replica acquired before its source, a
//! source node restarted under a replica holding cached rows, and `.rep` `MODEL` children
//! (replaced models included).

use std::time::Duration;

use qtro_rs::core::model::{
    Cell, InitialAction, Lookup, ModelEvent, ModelIndex, ModelSource, Orientation, Row, TableModel, TreeModel,
};
use qtro_rs::core::{Dialect, ReplicaState, Value};
use qtro_rs::node::{EventReceiver, ModelHost, ModelHostEvent, ModelOptions, ModelReplica, ModelReplicaOptions, Node};
use serde_json::{json, Value as Json};

mod common;
use common::dialect::node;
use common::model_dump;
use common::qt_peer::free_port;

const T: Duration = Duration::from_secs(20);
const RANK: i32 = 257;
const ROLES: [(i32, &str); 2] = [(0, "display"), (RANK, "rank")];
const BOTH: [Dialect; 2] = [Dialect::Qt6, Dialect::Qt5];

fn ix(row: i32, column: i32) -> ModelIndex {
    ModelIndex::new(row, column)
}

/// A value as compared here: variants unwrapped, strings and numbers as JSON.
fn json_of(v: &Value) -> Json {
    match v {
        Value::Variant(inner) => json_of(inner),
        Value::String(s) => json!(s.clone().unwrap_or_default()),
        Value::Int(i) => json!(i),
        Value::Double(d) => json!(d),
        Value::Bool(b) => json!(b),
        Value::Invalid => Json::Null,
        other => json!(format!("{other:?}")),
    }
}

/// The source model, dumped directly.
fn source_dump(m: &dyn ModelSource) -> Json {
    let mut d = model_dump::source_level(m, &[], &ROLES.map(|r| r.0), &json_of);
    let cols = m.column_count(&[]);
    d["headers"] = (0..cols).map(|s| json_of(&m.header_data(s, Orientation::Horizontal, 0))).collect();
    d
}

/// Fetches everything and dumps it like [`source_dump`] (`"pending"` while something is not
/// cached).
async fn replica_level(m: &ModelReplica, parent: &[ModelIndex]) -> Json {
    model_dump::fetch_tree(m, parent, T).await;
    model_dump::replica_level(m, parent, &ROLES.map(|r| r.0), &json_of).unwrap_or_else(|| json!("pending"))
}

async fn replica_dump(m: &ModelReplica) -> Json {
    let mut d = replica_level(m, &[]).await;
    if !d.is_object() {
        return d; // still pending
    }
    let columns = d["columns"].as_i64().unwrap_or(0) as i32;
    let mut headers = Vec::new();
    for s in 0..columns {
        headers.push(match m.header_data(Orientation::Horizontal, s, 0) {
            Lookup::Cached(v) => json_of(&v),
            Lookup::Unavailable => Json::Null,
            Lookup::Pending => json!("pending"),
        });
    }
    d["headers"] = Json::Array(headers);
    d
}

/// Waits until the replica's dump equals the source's (changes may still be arriving).
async fn converges<M: ModelSource>(m: &ModelReplica, served: &ModelHost<M>, what: &str) {
    let deadline = tokio::time::Instant::now() + T;
    loop {
        let theirs = served.with(|s| source_dump(s));
        let ours = replica_dump(m).await;
        if ours == theirs {
            return;
        }
        if tokio::time::Instant::now() > deadline {
            panic!(
                "{what}: the replica differs from the source\n ours:   {}\n theirs: {}",
                serde_json::to_string(&ours).unwrap(),
                serde_json::to_string(&theirs).unwrap()
            );
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
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

fn table(rows: i32) -> TableModel {
    let mut t = TableModel::new(&ROLES, 2);
    let rows = (0..rows)
        .map(|i| vec![Cell::new(format!("row {i}")).with(RANK, i), Cell::new(format!("value {i}")).with(RANK, -i)])
        .collect();
    t.insert_rows(0, rows).unwrap();
    t
}

fn tree() -> TreeModel {
    let mut t = TreeModel::new(&ROLES, 2);
    let node = |name: String, children: Vec<Row>| {
        Row::new(vec![Cell::new(name.clone()).with(RANK, name.len() as i32), Cell::new(format!("{name}/1"))])
            .with_children(children)
    };
    let rows = (0..4)
        .map(|i| {
            let kids = (0..i).map(|j| node(format!("node {i}.{j}"), vec![node(format!("leaf {i}.{j}.0"), vec![])]));
            node(format!("node {i}"), kids.collect())
        })
        .collect();
    t.insert_rows(&[], 0, rows).unwrap();
    t
}

/// A host node serving `model` as "Model" and a replica node acquiring it.
async fn pair<M: ModelSource>(
    dialect: Dialect,
    model: M,
    host_options: ModelOptions,
    options: ModelReplicaOptions,
) -> (Node, ModelHost<M>, Node, ModelReplica) {
    let host = node(dialect);
    let url = host.listen("tcp://127.0.0.1:0").await.unwrap();
    let served = host.enable_model("Model", model, host_options).unwrap();
    let client = node(dialect);
    client.connect_to(&url).unwrap();
    let m = client.acquire_model("Model", options);
    m.wait_initialized(T).await.unwrap();
    (host, served, client, m)
}

fn all_roles() -> ModelOptions {
    ModelOptions { roles: vec![0, RANK], ..Default::default() }
}

// ---- whole models ---------------------------------------------------------------------------

#[tokio::test]
async fn table_and_tree_fully_fetched_both_dialects() {
    for dialect in BOTH {
        let (_h, served, _c, m) = pair(dialect, table(30), all_roles(), Default::default()).await;
        served.set_header(Orientation::Horizontal, 0, 0, "Name".into()).unwrap();
        converges(&m, &served, &format!("{dialect:?} table")).await;
        let prefetch = ModelReplicaOptions { initial: InitialAction::PrefetchData, ..Default::default() };
        let (_h, served, _c, m) = pair(dialect, tree(), all_roles(), prefetch).await;
        converges(&m, &served, &format!("{dialect:?} tree")).await;
        assert_eq!(m.available_roles(), vec![0, RANK]);
        assert!(m.role_names().contains(&(RANK, "rank".into())));
    }
}

// ---- changes while attached -----------------------------------------------------------------

#[tokio::test]
async fn tree_changes_while_attached_both_dialects() {
    for dialect in BOTH {
        let (_h, served, _c, m) = pair(dialect, tree(), all_roles(), Default::default()).await;
        let mut events = m.events();
        converges(&m, &served, "before the changes").await;
        // Root and child parents, each kind of change; the replica holds every row meanwhile.
        served.insert_rows(&[], 1, vec![Row::of(["new 1", "x"]), Row::of(["new 2", "y"])]).unwrap();
        served.insert_rows(&[ix(3, 0)], 0, vec![Row::of(["kid", "z"])]).unwrap();
        served.remove_rows(&[], 0, 1).unwrap();
        served.remove_rows(&[ix(4, 0)], 1, 1).unwrap();
        served.move_rows(&[], 0, 1, &[], 4).unwrap();
        served.move_rows(&[ix(4, 0)], 0, 1, &[ix(4, 0)], 2).unwrap();
        served.set_data(&[ix(1, 1)], 0, "changed".into()).unwrap();
        served.set_data(&[ix(4, 0), ix(0, 0)], RANK, 99.into()).unwrap();
        served.set_header(Orientation::Horizontal, 1, 0, "Second".into()).unwrap();
        converges(&m, &served, &format!("{dialect:?} after inserts, removes, moves, data, headers")).await;
        served.sort(&[], 0, 0).unwrap();
        converges(&m, &served, &format!("{dialect:?} after a sort (layoutChanged)")).await;
        let rows = vec![Row::of(["only", "row"]).with_children(vec![Row::of(["a", "b"])])];
        served.reset(2, rows).unwrap();
        until(&mut events, "the reset", || m.row_count(&[]).filter(|&n| n == 1)).await;
        converges(&m, &served, &format!("{dialect:?} after a reset")).await;
    }
}

#[tokio::test]
async fn table_changes_while_attached() {
    let (_h, served, _c, m) = pair(Dialect::Qt6, table(20), all_roles(), Default::default()).await;
    converges(&m, &served, "before").await;
    served.insert_rows(5, vec![vec![Cell::new("ins"), Cell::new("ins/1")]]).unwrap();
    served.remove_rows(0, 3).unwrap();
    served.move_rows(2, 3, 15).unwrap();
    served.set_data(7, 1, RANK, 1234.into()).unwrap();
    served.set_header(Orientation::Horizontal, 0, 0, "H0".into()).unwrap();
    converges(&m, &served, "after the changes").await;
    served.sort(0, RANK).unwrap();
    converges(&m, &served, "after a sort").await;
}

// ---- a big model read lazily ----------------------------------------------------------------

#[tokio::test]
async fn big_model_is_read_lazily() {
    const ROWS: i32 = 100_000;
    let mut t = TableModel::new(&ROLES, 1);
    t.insert_rows(0, (0..ROWS).map(|i| vec![Cell::new(format!("row {i}")).with(RANK, i)]).collect()).unwrap();
    let options = ModelReplicaOptions { cache_rows: 200, prefetch_rows: 10, ..Default::default() };
    let (_h, served, _c, m) = pair(Dialect::Qt6, t, all_roles(), options).await;
    assert_eq!(m.row_count(&[]), Some(ROWS));
    let mut touched = 0;
    for start in [0, 50_000, 99_950, 12_345] {
        m.fetch(&[], start..start + 50, T).await.unwrap();
        touched += 50;
        for r in start..start + 50 {
            assert_eq!(m.data(&[ix(r, 0)], RANK), Lookup::Cached(Value::Int(r)), "row {r}");
        }
        assert!(m.cached_rows() <= 400, "cache bounded: {} rows", m.cached_rows());
    }
    // Cells asked for ≈ rows touched (plus the prefetch around each window), not the model.
    let asked = m.cells_requested();
    assert!(asked >= touched && asked <= touched * 3, "{asked} cells requested for {touched} rows read");
    assert!(served.served_cells() < 1000, "the source served {} cells", served.served_cells());
}

// ---- setData and the current index ----------------------------------------------------------

#[tokio::test]
async fn set_data_round_trip_and_selection_both_ways() {
    for dialect in BOTH {
        let host_options = ModelOptions { selection: true, ..all_roles() };
        let (_h, served, _c, m) = pair(dialect, table(5), host_options, Default::default()).await;
        let mut host_events = served.events();
        let mut events = m.events();
        m.fetch(&[], 0..5, T).await.unwrap();
        m.set_data(&[ix(2, 1)], "written".into(), 0).unwrap();
        let e = tokio::time::timeout(T, host_events.recv()).await.unwrap().unwrap();
        assert!(
            matches!(&e, ModelHostEvent::DataSet { index, role: 0, .. } if index.as_slice() == [ix(2, 1)]),
            "{e:?}"
        );
        until(&mut events, "the written value", || {
            (m.data(&[ix(2, 1)], 0) == Lookup::Cached(Value::from("written"))).then_some(())
        })
        .await;
        assert_eq!(served.with(|s| s.data(&[ix(2, 1)], 0)), Value::from("written"));
        // An unavailable role is refused on the replica side.
        assert!(m.set_data(&[ix(2, 1)], "x".into(), 3).is_err());

        // The current index: source → replica, then replica → source.
        served.set_current(vec![ix(3, 0)]).unwrap();
        until(&mut events, "the source's current index", || (m.current() == [ix(3, 0)]).then_some(())).await;
        m.set_current(&[ix(1, 1)]);
        let deadline = tokio::time::Instant::now() + T;
        while served.current() != [ix(1, 1)] {
            assert!(tokio::time::Instant::now() < deadline, "the host's current index is {:?}", served.current());
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

// ---- lifetimes ------------------------------------------------------------------------------

#[tokio::test]
async fn replica_acquired_before_the_source_exists() {
    let host = node(Dialect::Qt6);
    let url = host.listen("tcp://127.0.0.1:0").await.unwrap();
    let client = node(Dialect::Qt6);
    client.connect_to(&url).unwrap();
    let m = client.acquire_model("Model", Default::default());
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(!m.is_initialized());
    let served = host.enable_model("Model", table(7), all_roles()).unwrap();
    m.wait_initialized(T).await.unwrap();
    converges(&m, &served, "a replica acquired before its source").await;
}

#[tokio::test]
async fn source_node_restarted_under_cached_rows() {
    for dialect in BOTH {
        let url = format!("tcp://127.0.0.1:{}", free_port());
        let host = node(dialect);
        host.listen(&url).await.unwrap();
        let served = host.enable_model("Model", table(10), all_roles()).unwrap();
        let client = node(dialect);
        client.connect_to(&url).unwrap();
        let m = client.acquire_model("Model", Default::default());
        let mut events = m.events();
        m.wait_initialized(T).await.unwrap();
        converges(&m, &served, "before the restart").await;
        assert!(m.cached_rows() >= 10);

        host.shutdown();
        drop((served, host));
        until(&mut events, "Suspect", || (m.state() == ReplicaState::Suspect).then_some(())).await;

        // Another node at the same address with another model: nothing of the old one stays.
        let host = node(dialect);
        host.listen(&url).await.unwrap();
        let mut t = TableModel::new(&ROLES, 2);
        t.insert_rows(0, (0..3).map(|i| vec![Cell::new(format!("new {i}")), Cell::new("n")]).collect()).unwrap();
        let served = host.enable_model("Model", t, all_roles()).unwrap();
        until(&mut events, "the new model", || m.row_count(&[]).filter(|&n| n == 3)).await;
        converges(&m, &served, &format!("{dialect:?} after the source node restarted")).await;
        assert_eq!(m.data(&[ix(5, 0)], 0), Lookup::Unavailable, "a stale row of the old model");
    }
}

// ---- .rep MODEL children --------------------------------------------------------------------

const MEDIA_REP: &str = "class Media { PROP(int n = 0) MODEL tracks(display) }";

fn media_class(dialect: Dialect) -> qtro_rs::core::SourceClass {
    let file = qtro_rs::rep::parse(MEDIA_REP).unwrap();
    qtro_rs::rep::source_class(&file, "Media", dialect).unwrap()
}

fn tracks(n: i32) -> TableModel {
    let mut t = TableModel::new(&[(0, "display"), (1, "decoration"), (RANK, "rank")], 1);
    t.insert_rows(0, (0..n).map(|i| vec![Cell::new(format!("track {i}")).with(RANK, i)]).collect()).unwrap();
    t
}

#[tokio::test]
async fn model_child_set_replaced_both_dialects() {
    for dialect in BOTH {
        let host = node(dialect);
        let url = host.listen("tcp://127.0.0.1:0").await.unwrap();
        let media = host.enable_source_without_slots("Media", media_class(dialect)).unwrap();
        let rep_roles = || ModelOptions { rep_roles: vec!["display".into()], ..Default::default() };
        let client = node(dialect);
        client.connect_to(&url).unwrap();
        let parent = client.acquire("Media", media_class(dialect));
        parent.wait_for_source(T).await.unwrap();
        // No model set: a null QRO_, no child.
        assert!(parent.model_child("tracks", Default::default()).is_none());
        assert!(parent.model_child("n", Default::default()).is_none());

        let mut parent_events = parent.events();
        let served = media.enable_model_child("tracks", tracks(4), rep_roles()).unwrap();
        let expected = if dialect == Dialect::Qt5 { "Model::tracks" } else { "Model::Media::tracks" };
        assert_eq!(served.name(), expected);
        let deadline = tokio::time::Instant::now() + T;
        let m = loop {
            if let Some(m) = parent.model_child("tracks", Default::default()) {
                break m;
            }
            let _ = tokio::time::timeout_at(deadline, parent_events.recv()).await.expect("the model child");
        };
        assert_eq!(m.name(), expected);
        m.wait_initialized(T).await.unwrap();
        assert_eq!(m.available_roles(), vec![0], "the .rep roles");
        let mut events = m.events();
        m.fetch(&[], 0..10, T).await.unwrap();
        assert_eq!(m.row_count(&[]), Some(4));
        assert_eq!(m.data(&[ix(2, 0)], 0), Lookup::Cached("track 2".into()));
        served.insert_rows(1, vec![vec![Cell::new("inserted")]]).unwrap();
        until(&mut events, "the insert", || {
            (m.data(&[ix(1, 0)], 0) == Lookup::Cached("inserted".into())).then_some(())
        })
        .await;

        // Replaced: the same replica resets and fetches the new model.
        let replaced = media.enable_model_child("tracks", tracks(2), rep_roles()).unwrap();
        until(&mut events, "the replaced model", || (m.is_initialized() && m.row_count(&[]) == Some(2)).then_some(()))
            .await;
        m.fetch(&[], 0..2, T).await.unwrap();
        assert_eq!(m.data(&[ix(1, 0)], 0), Lookup::Cached("track 1".into()));
        assert_eq!(m.data(&[ix(3, 0)], 0), Lookup::Unavailable);
        replaced.set_data(0, 0, 0, "renamed".into()).unwrap();
        until(&mut events, "a change of the new model", || {
            (m.data(&[ix(0, 0)], 0) == Lookup::Cached("renamed".into())).then_some(())
        })
        .await;
        assert_eq!(m.state(), ReplicaState::Valid);
        drop(served);

        // Unset: the model replica empties and is Suspect; the parent has no child.
        let mut parent_events = parent.events();
        media.clear_model_child("tracks").unwrap();
        until(&mut events, "the model unset", || {
            (m.state() == ReplicaState::Suspect && m.row_count(&[]).is_none()).then_some(())
        })
        .await;
        assert!(!matches!(m.data(&[ix(0, 0)], 0), Lookup::Cached(_)), "a stale row");
        // The parent's notify signal carries the null model.
        let deadline = tokio::time::Instant::now() + T;
        while !matches!(
            tokio::time::timeout_at(deadline, parent_events.recv()).await.expect("tracksChanged"),
            Some(qtro_rs::node::ReplicaEvent::Signal { index: 1, .. })
        ) {}
        assert!(parent.model_child("tracks", Default::default()).is_none());
        assert!(media.clear_model_child("n").is_err(), "n is no MODEL property");

        // Set again: the same model replica reads the new model.
        let _again = media.enable_model_child("tracks", tracks(1), rep_roles()).unwrap();
        until(&mut events, "the model set again", || {
            (m.is_initialized() && m.state() == ReplicaState::Valid && m.row_count(&[]) == Some(1)).then_some(())
        })
        .await;
        m.fetch(&[], 0..1, T).await.unwrap();
        assert_eq!(m.data(&[ix(0, 0)], 0), Lookup::Cached("track 0".into()));
    }
}

// ---- MODEL children through typed code ------------------------------------------------------

#[allow(dead_code)]
mod peers {
    include!("rep/generated/peers_interop.rs");
}

#[tokio::test]
async fn typed_model_child_both_dialects() {
    use peers::{MediaEvent, MediaReplica, MediaSource, OtherMediaReplica, OtherMediaSource};
    for dialect in BOTH {
        let host = node(dialect);
        let url = host.listen("tcp://127.0.0.1:0").await.unwrap();
        let media = MediaSource::enable(&host, ()).unwrap();
        let other = OtherMediaSource::enable(&host, ()).unwrap();
        let client = node(dialect);
        client.connect_to(&url).unwrap();
        let replica = MediaReplica::acquire(&client);
        let mut typed_events = replica.events();
        replica.wait_for_source(T).await.unwrap();
        assert!(replica.tracks().is_none(), "no model set yet");

        // The .rep roles (display) are looked up among the model's: only role 0 is served.
        let served = media.set_tracks(tracks(3)).unwrap();
        let deadline = tokio::time::Instant::now() + T;
        loop {
            match tokio::time::timeout_at(deadline, typed_events.next()).await.expect("TracksModelChanged") {
                Some(MediaEvent::TracksModelChanged) => break,
                Some(_) => {}
                None => panic!("events ended"),
            }
        }
        let m = replica.tracks().expect("the model child");
        m.wait_initialized(T).await.unwrap();
        assert_eq!(m.available_roles(), vec![0]);
        m.fetch(&[], 0..3, T).await.unwrap();
        assert_eq!(m.data(&[ix(2, 0)], 0), Lookup::Cached("track 2".into()));
        assert_eq!(m.data(&[ix(2, 0)], RANK), Lookup::Unavailable, "a role the .rep does not name");
        served.set_data(2, 0, 0, "two".into()).unwrap();
        let mut events = m.events();
        until(&mut events, "the change", || (m.data(&[ix(2, 0)], 0) == Lookup::Cached("two".into())).then_some(()))
            .await;

        // Two .rep roles, one unknown to the model (warned and skipped); and a .rep role the
        // model lacks entirely falls back to every role.
        let other_replica = OtherMediaReplica::acquire(&client);
        other_replica.wait_for_source(T).await.unwrap();
        let mut t = TableModel::new(&[(0, "display"), (RANK, "rank")], 1);
        t.insert_rows(0, vec![vec![Cell::new("a").with(RANK, 1)]]).unwrap();
        let _served_other = other.set_tracks(t).unwrap();
        let deadline = tokio::time::Instant::now() + T;
        let om = loop {
            if let Some(m) = other_replica.tracks() {
                break m;
            }
            assert!(tokio::time::Instant::now() < deadline, "no OtherMedia model child");
            tokio::time::sleep(Duration::from_millis(10)).await;
        };
        om.wait_initialized(T).await.unwrap();
        assert_eq!(om.available_roles(), vec![0], "decoration is not a role of the model");
        let mut t = TableModel::new(&[(RANK, "rank")], 1);
        t.insert_rows(0, vec![vec![Cell::default().with(RANK, 5)]]).unwrap();
        let _replaced = other.set_tracks(t).unwrap();
        let mut events = om.events();
        until(&mut events, "all roles of a model without the .rep's", || {
            (om.is_initialized() && om.available_roles() == [RANK]).then_some(())
        })
        .await;
    }
}

/// The host of a model child restarts: first without a model (the child replica empties), then
/// a model is set again (the same model replica reads it, nothing of the old model stays).
#[tokio::test]
async fn model_child_across_a_host_restart() {
    for dialect in BOTH {
        let url = format!("tcp://127.0.0.1:{}", free_port());
        let host = node(dialect);
        host.listen(&url).await.unwrap();
        let media = host.enable_source_without_slots("Media", media_class(dialect)).unwrap();
        let served = media.enable_model_child("tracks", tracks(6), Default::default()).unwrap();
        let client = node(dialect);
        client.connect_to(&url).unwrap();
        let parent = client.acquire("Media", media_class(dialect));
        parent.wait_for_source(T).await.unwrap();
        let m = parent.model_child("tracks", Default::default()).expect("the model child");
        drop(parent);
        let mut events = m.events();
        m.wait_initialized(T).await.unwrap();
        m.fetch(&[], 0..6, T).await.unwrap();
        assert_eq!(m.data(&[ix(5, 0)], 0), Lookup::Cached("track 5".into()));

        host.shutdown();
        drop((served, media, host));
        until(&mut events, "Suspect", || (m.state() == ReplicaState::Suspect).then_some(())).await;
        assert_eq!(m.data(&[ix(5, 0)], 0), Lookup::Cached("track 5".into()), "kept while Suspect, as Qt");

        let host = node(dialect);
        host.listen(&url).await.unwrap();
        let media = host.enable_source_without_slots("Media", media_class(dialect)).unwrap();
        until(&mut events, "the rows of the old model gone", || m.row_count(&[]).is_none().then_some(())).await;
        assert_eq!(m.state(), ReplicaState::Suspect, "no model on the new host");

        let _served = media.enable_model_child("tracks", tracks(2), Default::default()).unwrap();
        until(&mut events, "the new model", || (m.is_initialized() && m.row_count(&[]) == Some(2)).then_some(())).await;
        assert_eq!(m.state(), ReplicaState::Valid);
        m.fetch(&[], 0..2, T).await.unwrap();
        assert_eq!(m.data(&[ix(1, 0)], 0), Lookup::Cached("track 1".into()));
        assert_eq!(m.data(&[ix(5, 0)], 0), Lookup::Unavailable, "a stale row of the old model");
    }
}

/// A model child in manual mode: nothing changes until the feed is processed; a replaced model
/// comes as a Reset announced before it is made, an unset one empties the cache.
#[tokio::test]
async fn model_child_manual_feed() {
    use qtro_rs::node::{ModelFeed, ModelPhase};
    /// Processes the feed until `f` gives a value; returns it and the events seen.
    async fn process_until<R>(feed: &ModelFeed, what: &str, mut f: impl FnMut() -> Option<R>) -> (R, Vec<String>) {
        let deadline = tokio::time::Instant::now() + T;
        let mut seen = Vec::new();
        loop {
            feed.process(|phase, _| match phase {
                ModelPhase::Before(e) => seen.push(format!("before {e:?}")),
                ModelPhase::After(e) => seen.push(format!("after {e:?}")),
            });
            if let Some(r) = f() {
                return (r, seen);
            }
            assert!(tokio::time::Instant::now() < deadline, "timed out waiting for {what}; seen {seen:?}");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
    let host = node(Dialect::Qt6);
    let url = host.listen("tcp://127.0.0.1:0").await.unwrap();
    let media = host.enable_source_without_slots("Media", media_class(Dialect::Qt6)).unwrap();
    let _served = media.enable_model_child("tracks", tracks(3), Default::default()).unwrap();
    let client = node(Dialect::Qt6);
    client.connect_to(&url).unwrap();
    let parent = client.acquire("Media", media_class(Dialect::Qt6));
    parent.wait_for_source(T).await.unwrap();
    let (m, feed) = parent.model_child_manual("tracks", Default::default()).expect("the model child");
    process_until(&feed, "the row count", || m.row_count(&[]).filter(|&n| n == 3)).await;
    m.set_window(&[], 0..3);
    process_until(&feed, "the rows", || (m.data(&[ix(2, 0)], 0) == Lookup::Cached("track 2".into())).then_some(()))
        .await;

    let _replaced = media.enable_model_child("tracks", tracks(5), Default::default()).unwrap();
    let (_, seen) = process_until(&feed, "the replaced model", || m.row_count(&[]).filter(|&n| n == 5)).await;
    let reset = seen.iter().position(|e| e == "before Reset").expect("a Reset announced");
    assert!(seen[reset..].iter().any(|e| e == "after Reset"), "{seen:?}");

    media.clear_model_child("tracks").unwrap();
    process_until(&feed, "the model unset", || m.row_count(&[]).is_none().then_some(())).await;
    assert_eq!(m.state(), ReplicaState::Suspect);
}

/// A replica reading a window while the source churns (rows inserted, removed and moved above,
/// inside and below the window, cells changed), with its fetches in flight all along: once the
/// source is quiet, every cached cell equals the source's. A reply that raced a structural
/// change and were applied to the rows it no longer describes would leave a wrong value behind.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fetches_racing_structural_changes_leave_no_stale_cell() {
    for seed in 1..=6u64 {
        let (_h, served, _c, m) = pair(Dialect::Qt6, table(300), all_roles(), ModelReplicaOptions::default()).await;
        let mut state = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        let mut next = move |n: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n) as i32
        };
        let mut label = 0;
        for step in 0..400 {
            let rows = served.with(|t| t.row_len());
            let row = next(rows.max(1) as u64);
            match next(5) {
                0 => {
                    label += 1;
                    let cells = vec![Cell::new(format!("new {label}")).with(RANK, label), Cell::new("n")];
                    served.insert_rows(row, vec![cells]).unwrap();
                }
                1 if rows > 50 => served.remove_rows(row, 1 + next(3).min(rows - row - 1)).unwrap(),
                2 if rows > 10 => {
                    let count = 1 + next(3).min(rows - row - 1);
                    let dst = next(rows as u64 + 1);
                    if dst < row || dst > row + count {
                        served.move_rows(row, count, dst).unwrap();
                    }
                }
                _ => served.set_data(row, next(2), 0, Value::string(format!("set {step}"))).unwrap(),
            }
            // The replica keeps looking at a moving window, so fetches race the changes.
            let start = next(200);
            m.set_window(&[], start..start + 40);
            let _ = m.data(&[ix(start + next(40), 0)], 0);
            if step % 20 == 0 {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        }
        converges(&m, &served, &format!("seed {seed}")).await;
    }
}

/// The same race in a tree: rows inserted, removed and moved under the root and under other
/// parents (and from one parent to another) while the replica moves windows over several
/// parents, its fetches in flight: once the source is quiet, the replica equals it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fetches_racing_changes_under_several_parents_leave_no_stale_cell() {
    let tree = || {
        let mut t = TreeModel::new(&ROLES, 2);
        let rows = (0..8)
            .map(|r| {
                let kids = (0..20).map(|k| Row::of([format!("{r}.{k}"), format!("k{k}")])).collect();
                Row::of([format!("root {r}"), "r".into()]).with_children(kids)
            })
            .collect();
        t.insert_rows(&[], 0, rows).unwrap();
        t
    };
    for seed in 1..=6u64 {
        let (_h, served, _c, m) = pair(Dialect::Qt6, tree(), all_roles(), ModelReplicaOptions::default()).await;
        let mut state = seed.wrapping_mul(0x2545_f491_4f6c_dd1d);
        let mut next = move |n: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n.max(1)) as i32
        };
        let mut label = 0;
        for step in 0..300 {
            let roots = served.with(|t| t.row_count(&[]));
            // A parent: the root, or one of the top-level rows.
            let parent = |n: i32| if n < 0 { vec![] } else { vec![ix(n, 0)] };
            let p = parent(next(roots as u64 + 1) - 1);
            let rows = served.with(|t| t.row_count(&p));
            let row = next(rows as u64);
            match next(6) {
                0 if p.is_empty() && roots < 12 || !p.is_empty() => {
                    label += 1;
                    let _ = served.insert_rows(&p, row.min(rows), vec![Row::of([format!("new {label}"), "n".into()])]);
                }
                1 if rows > 2 && (!p.is_empty() || roots > 4) => {
                    let _ = served.remove_rows(&p, row, 1);
                }
                2 if rows > 1 => {
                    // Within the parent, or to another top-level row's children.
                    let dst = if p.is_empty() { p.clone() } else { parent(next(roots as u64)) };
                    let dst_rows = served.with(|t| t.row_count(&dst));
                    let dst_row = next(dst_rows as u64 + 1);
                    if dst != p || dst_row < row || dst_row > row + 1 {
                        let _ = served.move_rows(&p, row, 1, &dst, dst_row);
                    }
                }
                _ if rows > 0 => {
                    let mut index = p.clone();
                    index.push(ix(row, next(2)));
                    let _ = served.set_data(&index, 0, Value::string(format!("set {step}")));
                }
                _ => {}
            }
            let w = parent(next(roots as u64 + 1) - 1);
            let start = next(10);
            m.set_window(&w, start..start + 8);
            let mut look = w.clone();
            look.push(ix(start, 0));
            let _ = m.data(&look, 0);
            if step % 15 == 0 {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        }
        converges(&m, &served, &format!("seed {seed}")).await;
    }
}
