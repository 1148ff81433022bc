//! `.rep` `MODEL` children hosted by stock Qt (repc `Media`/`OtherMedia` sources of
//! `qtro_qt_peer source-static`, Qt 6 and Qt 5.15) read through a Rust replica's
//! [`Replica::model_child`]: the model set on the source (before remoting: with the `.rep`
//! roles; after: with all of the model's roles), replaced (the same model replica resets and
//! reads the new model) and unset (a null model: the model replica empties and is Suspect until
//! a model comes again), with static, dynamic and typed replicas.

use std::time::Duration;

use qtro_rs::core::model::{Lookup, ModelEvent, ModelIndex};
use qtro_rs::core::{Dialect, ReplicaState, Value};
use qtro_rs::node::{EventReceiver, ModelReplica, Replica};

mod common;
use common::dialect::{class, major, node};
use common::qt_peer::QtPeer;

const T: Duration = Duration::from_secs(20);

fn ix(row: i32) -> ModelIndex {
    ModelIndex::new(row, 0)
}

/// Waits until `f` gives a value (re-checked after every model event, and every 50 ms).
async fn until<R>(events: &mut EventReceiver<ModelEvent>, what: &str, mut f: impl FnMut() -> Option<R>) -> R {
    let deadline = tokio::time::Instant::now() + T;
    loop {
        if let Some(r) = f() {
            return r;
        }
        assert!(tokio::time::Instant::now() < deadline, "timed out waiting for {what}");
        let _ = tokio::time::timeout(Duration::from_millis(50), events.recv()).await;
    }
}

/// Waits until the parent replica has a model child.
async fn model_child(parent: &Replica) -> ModelReplica {
    let deadline = tokio::time::Instant::now() + T;
    loop {
        if let Some(m) = parent.model_child("tracks", Default::default()) {
            return m;
        }
        assert!(tokio::time::Instant::now() < deadline, "no model child");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Every row of the model replica's display role (fetched first).
async fn tracks(m: &ModelReplica) -> Vec<String> {
    m.fetch(&[], 0..i32::MAX, T).await.unwrap();
    let rows = m.row_count(&[]).unwrap();
    (0..rows)
        .map(|r| match m.data(&[ix(r)], 0) {
            Lookup::Cached(Value::String(Some(s))) => s,
            Lookup::Cached(Value::Variant(v)) => match *v {
                Value::String(Some(s)) => s,
                other => panic!("row {r}: {other:?}"),
            },
            other => panic!("row {r}: {other:?}"),
        })
        .collect()
}

fn expected(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("track {i}")).collect()
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Kind {
    Static,
    Dynamic,
}

/// `set-tracks` before remoting (the `.rep` roles), replaced, cleared, set again.
async fn media(dialect: Dialect, class_name: &str, kind: Kind) {
    let (mut qt, ready) =
        QtPeer::start_with(major(dialect), &["source-static", class_name, "--url", "tcp://127.0.0.1:0"]).await;
    let url = ready["url"].as_str().unwrap().to_owned();
    qt.command("disable").await;
    qt.command("set-tracks 3").await;
    qt.command("enable").await;

    let n = node(dialect);
    n.connect_to(&url).unwrap();
    let parent = match kind {
        Kind::Static => n.acquire(class_name, class(class_name, dialect)),
        Kind::Dynamic => n.acquire_dynamic(class_name),
    };
    parent.wait_for_source(T).await.unwrap();
    let m = model_child(&parent).await;
    let name =
        if dialect == Dialect::Qt5 { "Model::tracks".to_owned() } else { format!("Model::{class_name}::tracks") };
    assert_eq!(m.name(), name);
    m.wait_initialized(T).await.unwrap();
    let rep_roles = if class_name == "Media" { vec![0] } else { vec![0, 1] };
    let mut roles = m.available_roles();
    roles.sort();
    assert_eq!(roles, rep_roles, "the .rep roles of a model set before remoting");
    assert!(m.role_names().contains(&(0, "display".into())), "{:?}", m.role_names());
    assert_eq!(tracks(&m).await, expected(3));
    let mut events = m.events();

    // Replaced: the same model replica resets and reads the new model (all of its roles: Qt
    // adapts a model set after remoting with every role it names).
    qt.command("set-tracks 5").await;
    until(&mut events, "the replaced model", || (m.is_initialized() && m.row_count(&[]) == Some(5)).then_some(()))
        .await;
    assert_eq!(tracks(&m).await, expected(5));
    assert!(m.available_roles().len() > rep_roles.len(), "{:?}", m.available_roles());

    // A null model: no child, the model replica empties and is Suspect.
    qt.command("clear-tracks").await;
    until(&mut events, "the model gone", || (m.state() == ReplicaState::Suspect).then_some(())).await;
    until(&mut events, "the rows gone", || m.row_count(&[]).is_none().then_some(())).await;
    assert!(!matches!(m.data(&[ix(0)], 0), Lookup::Cached(_)), "a stale row");
    assert!(parent.model_child("tracks", Default::default()).is_none());

    // A model again: the same replica reads it.
    qt.command("set-tracks 2").await;
    until(&mut events, "the new model", || (m.is_initialized() && m.row_count(&[]) == Some(2)).then_some(())).await;
    assert_eq!(m.state(), ReplicaState::Valid);
    assert_eq!(tracks(&m).await, expected(2));
    assert!(parent.model_child("tracks", Default::default()).is_some());
}

#[tokio::test]
async fn qt6_media_model_child_static() {
    media(Dialect::Qt6, "Media", Kind::Static).await;
}

#[tokio::test]
async fn qt6_media_model_child_dynamic() {
    media(Dialect::Qt6, "Media", Kind::Dynamic).await;
}

#[tokio::test]
async fn qt6_other_media_model_child() {
    media(Dialect::Qt6, "OtherMedia", Kind::Static).await;
}

#[tokio::test]
async fn qt5_media_model_child_static() {
    media(Dialect::Qt5, "Media", Kind::Static).await;
}

#[tokio::test]
async fn qt5_media_model_child_dynamic() {
    media(Dialect::Qt5, "Media", Kind::Dynamic).await;
}

#[tokio::test]
async fn qt5_other_media_model_child() {
    media(Dialect::Qt5, "OtherMedia", Kind::Static).await;
}

/// A source that starts with a null model (Qt warns `Cannot replicate a NULL object`): no child
/// until `set-tracks`; then a model child appears with the model's roles.
async fn media_set_while_attached(dialect: Dialect) {
    let (mut qt, ready) =
        QtPeer::start_with(major(dialect), &["source-static", "Media", "--url", "tcp://127.0.0.1:0"]).await;
    let url = ready["url"].as_str().unwrap().to_owned();
    let n = node(dialect);
    n.connect_to(&url).unwrap();
    let parent = n.acquire("Media", class("Media", dialect));
    parent.wait_for_source(T).await.unwrap();
    assert!(parent.model_child("tracks", Default::default()).is_none(), "a null model is no child");
    qt.command("set-tracks 4").await;
    let m = model_child(&parent).await;
    m.wait_initialized(T).await.unwrap();
    assert_eq!(tracks(&m).await, expected(4));
}

#[tokio::test]
async fn qt6_media_set_while_attached() {
    media_set_while_attached(Dialect::Qt6).await;
}

#[tokio::test]
async fn qt5_media_set_while_attached() {
    media_set_while_attached(Dialect::Qt5).await;
}

// ---- typed code -----------------------------------------------------------------------------

#[allow(dead_code)]
mod peers {
    include!("rep/generated/peers_interop.rs");
}

/// A Qt source's model through the generated `MediaReplica::tracks`, with `TracksModelChanged`
/// events for each replacement.
async fn typed_replica(dialect: Dialect) {
    use peers::{MediaEvent, MediaReplica};
    let (mut qt, ready) =
        QtPeer::start_with(major(dialect), &["source-static", "Media", "--url", "tcp://127.0.0.1:0"]).await;
    let url = ready["url"].as_str().unwrap().to_owned();
    let n = node(dialect);
    n.connect_to(&url).unwrap();
    let replica = MediaReplica::acquire(&n);
    let mut typed = replica.events();
    replica.wait_for_source(T).await.unwrap();
    assert!(replica.tracks().is_none());
    for rows in [3, 1] {
        qt.command(&format!("set-tracks {rows}")).await;
        let deadline = tokio::time::Instant::now() + T;
        loop {
            match tokio::time::timeout_at(deadline, typed.next()).await.expect("TracksModelChanged") {
                Some(MediaEvent::TracksModelChanged) => break,
                Some(_) => {}
                None => panic!("events ended"),
            }
        }
        let m = replica.tracks().expect("a model child");
        let mut events = m.events();
        until(&mut events, "the model", || (m.is_initialized() && m.row_count(&[]) == Some(rows)).then_some(())).await;
        assert_eq!(tracks(&m).await, expected(rows as usize));
    }
}

#[tokio::test]
async fn qt6_typed_media_replica() {
    typed_replica(Dialect::Qt6).await;
}

#[tokio::test]
async fn qt5_typed_media_replica() {
    typed_replica(Dialect::Qt5).await;
}

/// The generated `MediaSource::set_tracks` served to a stock repc `MediaReplica`: only the
/// `.rep` role (display) is available, and the Qt replica walks the model.
async fn typed_source(dialect: Dialect) {
    use qtro_rs::core::model::{Cell, TableModel};
    let host = node(dialect);
    let url = host.listen("tcp://127.0.0.1:0").await.unwrap();
    let media = peers::MediaSource::enable(&host, ()).unwrap();
    let mut t = TableModel::new(&[(0, "display"), (257, "rank")], 1);
    t.insert_rows(0, (0..3).map(|i| vec![Cell::new(format!("track {i}")).with(257, i)]).collect()).unwrap();
    let served = media.set_tracks(t).unwrap();
    let name = if dialect == Dialect::Qt5 { "Model::tracks" } else { "Model::Media::tracks" };
    assert_eq!(served.name(), name);
    let (mut qt, _) = QtPeer::start_with(major(dialect), &["replica-static", "Media", "--url", url.as_str()]).await;
    let init = qt.expect("tracks initialized", |e| e["event"] == "initialized" && e["model"] == "tracks").await;
    assert_eq!(init["availableRoles"], serde_json::json!([0]), "{init}");
    assert_eq!(init["rows"], 3, "{init}");
    let walked = qt.command("walk-child tracks").await;
    let items = walked["model"]["items"].as_array().expect("items").clone();
    let names: Vec<String> = items.iter().map(|i| i["cells"][0]["data"]["0"].as_str().unwrap().to_owned()).collect();
    assert_eq!(names, expected(3));

    // Unset (a null model QRO_): the Qt replica's tracks() becomes null; set again, it is back.
    media.clear_tracks().unwrap();
    let deadline = tokio::time::Instant::now() + T;
    loop {
        qt.send("walk-child tracks");
        let e = qt.expect("walk-child's answer", |e| e["cmd"] == "walk-child").await;
        if e["event"] == "error" {
            assert!(e["message"].as_str().unwrap().contains("no MODEL child"), "{e}");
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "the Qt replica still has a model child");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut t = TableModel::new(&[(0, "display")], 1);
    t.insert_rows(0, vec![vec![Cell::new("track 0")]]).unwrap();
    let _again = media.set_tracks(t).unwrap();
    let init = qt.expect("tracks initialized again", |e| e["event"] == "initialized" && e["model"] == "tracks").await;
    assert_eq!(init["rows"], 1, "{init}");
    let walked = qt.command("walk-child tracks").await;
    assert_eq!(walked["model"]["items"][0]["cells"][0]["data"]["0"], "track 0");
}

#[tokio::test]
async fn qt6_typed_media_source() {
    typed_source(Dialect::Qt6).await;
}

#[tokio::test]
async fn qt5_typed_media_source() {
    typed_source(Dialect::Qt5).await;
}
