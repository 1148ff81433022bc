//! Typed sources and replicas generated from `.rep` files, Rust to Rust over TCP: PODs, enums
//! (as properties, arguments and return values), flags, lists and maps of PODs, every
//! property modifier, signals, slots with typed results, signature checks and persisted
//! properties.

#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use qtro_rs::core::{Dialect, ReplicaState, Value};
use qtro_rs::node::{Node, NodeConfig};
use qtro_rs::typed::{ConvertError, EventStream, FileStore, MemoryStore, PersistedStore, TypedError};

mod rep_captures_qt6 {
    include!("rep/generated/captures_qt6.rs");
}
mod rep_functions {
    include!("rep/generated/functions.rs");
}
mod rep_modifiers {
    include!("rep/generated/modifiers.rs");
}
mod rep_pods_qt5 {
    include!("rep/generated/pods_qt5.rs");
}
mod rep_simple {
    include!("rep/generated/simple.rs");
}

use rep_captures_qt6::{
    flagged, rich, FlaggedEvent, FlaggedReplica, FlaggedSlots, FlaggedSource, Point3, RichEvent, RichProperties,
    RichReplica, RichSlots, RichSource, RichSourceEvent, Tagged,
};

const T: Duration = Duration::from_secs(10);

async fn next<E: std::fmt::Debug, I>(events: &mut EventStream<E, I>, what: &str, f: impl Fn(&E) -> bool) -> E {
    tokio::time::timeout(T, async {
        loop {
            let e = events.next().await.expect("event stream ended");
            if f(&e) {
                return e;
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
}

/// A listening host and a client connected to it.
async fn nodes(dialect: Dialect) -> (Node, Node) {
    let config = NodeConfig { dialect, ..NodeConfig::default() };
    let host = Node::with_config(config.clone());
    let url = host.listen("tcp://127.0.0.1:0").await.unwrap();
    let client = Node::with_config(config);
    client.connect_to(&url).unwrap();
    (host, client)
}

fn p(x: i32, y: i32, z: i32) -> Point3 {
    Point3 { x, y, z }
}

struct RichImpl;

impl RichSlots for RichImpl {
    async fn next(&self, _source: &RichSource, c: rich::Color) -> rich::Color {
        match c {
            rich::Color::Red => rich::Color::Green,
            rich::Color::Green => rich::Color::Blue,
            rich::Color::Blue => rich::Color::Red,
        }
    }

    async fn scale(&self, source: &RichSource, p: Point3, f: i32) -> Point3 {
        let scaled = Point3 { x: p.x * f, y: p.y * f, z: p.z * f };
        // Slots get the source, as Qt slot implementations get `this`.
        source.set_pt(scaled.clone()).unwrap();
        scaled
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rich_pods_enums_and_lists_of_pods() {
    let (host, client) = nodes(Dialect::Qt6).await;
    let initial = RichProperties {
        pts: vec![p(1, 1, 1), p(2, 2, 2)],
        ptmap: [("a".to_owned(), p(9, 8, 7))].into(),
        tag: Tagged { kind: rep_captures_qt6::tagged::Kind::KB, label: "lbl".into() },
        ..RichProperties::default()
    };
    // Acquired before the source exists, so the replica is certainly still in Default
    // (with the source already up it may turn Valid before the first assertion).
    let replica = RichReplica::acquire(&client);
    assert_eq!(replica.replica_state(), ReplicaState::Default);
    assert_eq!(replica.color().unwrap(), rich::Color::Green, "the .rep default before the source's values");
    let mut events = replica.events();
    let source = RichSource::enable_with(&host, "Rich", initial.clone(), RichImpl).unwrap();
    let mut source_events = source.events();
    replica.wait_for_source(T).await.unwrap();

    // Every value as the source holds it.
    assert_eq!(replica.color().unwrap(), rich::Color::Green);
    assert_eq!(replica.mode().unwrap(), rich::Mode::On);
    assert_eq!(replica.pts().unwrap(), initial.pts);
    assert_eq!(replica.ptmap().unwrap(), initial.ptmap);
    assert_eq!(replica.tag().unwrap(), initial.tag);
    assert_eq!(replica.ratio().unwrap(), 1.5);

    // READWRITE enum: WriteProperty; the source sees the write, the replica the change.
    replica.set_color(rich::Color::Blue).unwrap();
    let e = next(&mut events, "color change", |e| matches!(e, RichEvent::ColorChanged(_))).await;
    assert_eq!(e, RichEvent::ColorChanged(rich::Color::Blue));
    next(&mut source_events, "color written", |e| *e == RichSourceEvent::ColorWritten(rich::Color::Blue)).await;
    assert_eq!(source.color().unwrap(), rich::Color::Blue);

    // READPUSH list of PODs and a 2-byte scoped enum.
    replica.push_pts(vec![p(3, 3, 3)]).await.unwrap();
    let e = next(&mut events, "pts change", |e| matches!(e, RichEvent::PtsChanged(_))).await;
    assert_eq!(e, RichEvent::PtsChanged(vec![p(3, 3, 3)]));
    replica.push_mode(rich::Mode::Off).await.unwrap();
    next(&mut events, "mode change", |e| *e == RichEvent::ModeChanged(rich::Mode::Off)).await;

    // Source-side setters notify; maps of PODs and PODs with enum fields.
    assert!(source.set_ptmap([("b".to_owned(), p(4, 5, 6))].into()).unwrap());
    let e = next(&mut events, "ptmap change", |e| matches!(e, RichEvent::PtmapChanged(_))).await;
    assert_eq!(e, RichEvent::PtmapChanged([("b".to_owned(), p(4, 5, 6))].into()));
    let tag = Tagged { kind: rep_captures_qt6::tagged::Kind::KA, label: "x".into() };
    source.set_tag(tag.clone()).unwrap();
    next(&mut events, "tag change", |e| matches!(e, RichEvent::TagChanged(_))).await;
    assert_eq!(replica.tag().unwrap(), tag);
    assert!(!source.set_tag(tag).unwrap(), "an unchanged value is not sent");

    // Slots: enum argument and result, POD argument and result.
    assert_eq!(replica.next(rich::Color::Red).await.unwrap(), rich::Color::Green);
    assert_eq!(replica.next(rich::Color::Blue).await.unwrap(), rich::Color::Red);
    assert_eq!(replica.scale(p(1, 2, 3), 2).await.unwrap(), p(2, 4, 6));
    next(&mut events, "pt change from the slot", |e| *e == RichEvent::PtChanged(p(2, 4, 6))).await;

    // A signal with an enum and a POD.
    source.emit_colored(rich::Color::Red, p(7, 8, 9)).unwrap();
    let e = next(&mut events, "colored", |e| matches!(e, RichEvent::Colored { .. })).await;
    assert_eq!(e, RichEvent::Colored { c: rich::Color::Red, p: p(7, 8, 9) });

    // A value that is not a key of the enum is reported, not invented.
    source.source().set_property("color", Value::Int(99)).unwrap();
    let e = next(&mut events, "conversion failure", |e| matches!(e, RichEvent::ConversionFailed(_))).await;
    let RichEvent::ConversionFailed(ConvertError::In { member, source: cause }) = e else { panic!("{e:?}") };
    assert_eq!(member, "Rich.color");
    assert_eq!(*cause, ConvertError::UnknownEnumValue { type_name: "Rich::Color", value: 99 });
    assert!(matches!(replica.color(), Err(TypedError::Convert(_))));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn child_objects() {
    use rep_captures_qt6::{ChildEvent, ChildProperties};
    for dialect in [Dialect::Qt6, Dialect::Qt5] {
        let (host, client) = nodes(dialect).await;
        let source = RichSource::enable(&host, RichImpl).unwrap();
        let replica = RichReplica::acquire(&client);
        let kid = replica.child().expect("children are acquired with their parent");
        assert_eq!(kid.replica_state(), ReplicaState::Default);
        assert_eq!(kid.title().unwrap(), "kid", "the .rep default");
        let child = source.enable_child(ChildProperties { title: "first".into() }, ChildImpl).unwrap();
        let expected = if dialect == Dialect::Qt6 { "Class::Rich::child" } else { "Class::child" };
        assert_eq!(child.source().name(), expected);
        assert_eq!(kid.replica().name(), expected);
        let mut events = kid.events();
        replica.wait_for_source(T).await.unwrap();
        kid.wait_for_source(T).await.unwrap();
        assert_eq!(kid.title().unwrap(), "first");

        // The child's own slots, and changes made by its source.
        kid.poke(7).await.unwrap();
        next(&mut events, "title from the slot", |e| *e == ChildEvent::TitleChanged("poked 7".into())).await;
        child.set_title("set".into()).unwrap();
        next(&mut events, "title set", |e| *e == ChildEvent::TitleChanged("set".into())).await;
        assert_eq!(kid.title().unwrap(), "set");
    }
}

struct ChildImpl;

impl rep_captures_qt6::ChildSlots for ChildImpl {
    async fn poke(&self, source: &rep_captures_qt6::ChildSource, n: i32) {
        source.set_title(format!("poked {n}")).unwrap();
    }
}

struct FlaggedImpl;

impl FlaggedSlots for FlaggedImpl {
    async fn toggle(&self, _source: &FlaggedSource, o: flagged::Opts) -> flagged::Opts {
        flagged::Opts::from_bits(o.bits() ^ 0b111)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flags_small_enums_and_qt_enums() {
    use flagged::{Opt, Opts, Small};
    use qtro_rs::typed::qt::Orientation;
    let (host, client) = nodes(Dialect::Qt6).await;
    let source = FlaggedSource::enable(&host, FlaggedImpl).unwrap();
    let replica = FlaggedReplica::acquire(&client);
    let mut events = replica.events();
    replica.wait_for_source(T).await.unwrap();
    assert_eq!(replica.small().unwrap(), Small::S200);
    assert_eq!(replica.orient().unwrap(), Orientation::Vertical);
    assert_eq!(replica.opts().unwrap(), Opts::from(Opt::OA));

    replica.set_opts(Opts::from(Opt::OA) | Opt::OC).unwrap();
    let e = next(&mut events, "opts change", |e| matches!(e, FlaggedEvent::OptsChanged(_))).await;
    assert_eq!(e, FlaggedEvent::OptsChanged(Opts::from_bits(5)));
    assert_eq!(replica.toggle(Opts::from(Opt::OB)).await.unwrap(), Opts::from(Opt::OA) | Opt::OC);
    // Flags keep bits no key names.
    assert_eq!(replica.toggle(Opts::from_bits(0x70)).await.unwrap(), Opts::from_bits(0x77));

    source.set_small(Small::S0).unwrap();
    next(&mut events, "small change", |e| *e == FlaggedEvent::SmallChanged(Small::S0)).await;
    replica.push_orient(Orientation::Horizontal).await.unwrap();
    next(&mut events, "orient change", |e| *e == FlaggedEvent::OrientChanged(Orientation::Horizontal)).await;
    assert_eq!(source.orient().unwrap(), Orientation::Horizontal);
}

struct FunctionsImpl;

impl rep_functions::FunctionsSlots for FunctionsImpl {
    async fn explicit_void(&self, _: &rep_functions::FunctionsSource) {}
    async fn implicit_void(&self, _: &rep_functions::FunctionsSource) {}
    async fn implicit_void_args(&self, _: &rep_functions::FunctionsSource, _a: i32, _b: i32) {}
    async fn returns_int(&self, _: &rep_functions::FunctionsSource, x: i32) -> i32 {
        x * 10
    }
    async fn returns_pod(&self, _: &rep_functions::FunctionsSource, p: rep_functions::Pair) -> rep_functions::Pair {
        rep_functions::Pair { first: p.second, second: p.first }
    }
    async fn returns_enum(
        &self,
        _: &rep_functions::FunctionsSource,
        r: rep_functions::functions::Result,
    ) -> rep_functions::functions::Result {
        r
    }
    async fn returns_list(
        &self,
        _: &rep_functions::FunctionsSource,
        list: Vec<rep_functions::Pair>,
    ) -> Vec<rep_functions::Pair> {
        list.into_iter().rev().collect()
    }
    async fn returns_map(
        &self,
        _: &rep_functions::FunctionsSource,
    ) -> std::collections::BTreeMap<String, rep_functions::Pair> {
        [("one".to_owned(), rep_functions::Pair { first: 1, second: 1 })].into()
    }
    async fn multi_line(&self, _: &rep_functions::FunctionsSource, first: i32, second: String, third: f64) -> Value {
        Value::string(format!("{first} {second} {third}"))
    }
    async fn check(
        &self,
        _: &rep_functions::FunctionsSource,
        list: Vec<Value>,
        map: std::collections::BTreeMap<String, Value>,
    ) -> bool {
        list.len() == map.len()
    }
    #[allow(clippy::too_many_arguments)]
    async fn many(
        &self,
        source: &rep_functions::FunctionsSource,
        a: i32,
        b: i32,
        c: i32,
        d: i32,
        e: i32,
        f: i32,
        g: i32,
        h: i32,
    ) {
        source.emit_named(a + b + c + d + e + f + g + h, "sum".into()).unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signals_and_slots_of_every_shape() {
    use rep_functions::{functions::Result as R, FunctionsEvent as E, FunctionsReplica, FunctionsSource, Pair};
    let (host, client) = nodes(Dialect::Qt6).await;
    let source = FunctionsSource::enable(&host, FunctionsImpl).unwrap();
    let replica = FunctionsReplica::acquire(&client);
    let mut events = replica.events();
    replica.wait_for_source(T).await.unwrap();

    replica.explicit_void().await.unwrap();
    assert_eq!(replica.returns_int(4).await.unwrap(), 40);
    assert_eq!(replica.returns_pod(Pair { first: 1, second: 2 }).await.unwrap(), Pair { first: 2, second: 1 });
    assert_eq!(replica.returns_enum(R::Failed).await.unwrap(), R::Failed);
    let list = vec![Pair { first: 1, second: 2 }, Pair { first: 3, second: 4 }];
    assert_eq!(replica.returns_list(list.clone()).await.unwrap(), list.iter().rev().cloned().collect::<Vec<_>>());
    assert_eq!(replica.returns_map().await.unwrap()["one"], Pair { first: 1, second: 1 });
    assert_eq!(replica.multi_line(1, "two".into(), 3.5).await.unwrap(), Value::string("1 two 3.5"));
    let map = [("k".to_owned(), Value::Int(1))].into();
    assert!(replica.check(vec![Value::Bool(true)], map).await.unwrap());

    replica.many(1, 2, 3, 4, 5, 6, 7, 8).await.unwrap();
    let e = next(&mut events, "named", |e| matches!(e, E::Named { .. })).await;
    assert_eq!(e, E::Named { a: 36, b: "sum".into() });

    source.emit_no_args().unwrap();
    next(&mut events, "noArgs", |e| *e == E::NoArgs).await;
    source.emit_unnamed(1, "x".into(), 0.5).unwrap();
    next(&mut events, "unnamed", |e| *e == E::Unnamed { arg1: 1, arg2: "x".into(), arg3: 0.5 }).await;
    let nested = vec![vec![1, 2], vec![3]];
    let blobs: std::collections::HashMap<i32, bytes::Bytes> = [(1, bytes::Bytes::from_static(b"b"))].into();
    source.emit_templates([("v".to_owned(), Value::Int(1))].into(), nested.clone(), blobs.clone()).unwrap();
    let e = next(&mut events, "templates", |e| matches!(e, E::Templates { .. })).await;
    assert_eq!(e, E::Templates { map: [("v".to_owned(), Value::Int(1))].into(), nested, arg1: blobs });
    source.emit_enum_arg(R::Ok, R::Failed).unwrap();
    next(&mut events, "enumArg", |e| *e == E::EnumArg { r: R::Ok, cr: R::Failed }).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_typed_replica_rejects_a_source_with_another_signature() {
    let (host, client) = nodes(Dialect::Qt6).await;
    // A Counter hosted under the name a Simple replica asks for.
    let _source = rep_simple::CounterSource::enable_with(&host, "Simple", Default::default(), CounterImpl).unwrap();
    let replica = rep_simple::SimpleReplica::acquire(&client);
    tokio::time::timeout(T, async {
        while replica.replica_state() != ReplicaState::SignatureMismatch {
            replica.replica().state_changed().await;
        }
    })
    .await
    .expect("the replica never reported SignatureMismatch");
}

struct CounterImpl;

impl rep_simple::CounterSlots for CounterImpl {
    async fn increment(&self, source: &rep_simple::CounterSource) {
        let n = source.count().unwrap();
        source.set_count(n + 1).unwrap();
    }
    async fn add(&self, source: &rep_simple::CounterSource, delta: i64) {
        let n = source.count().unwrap();
        source.set_count(n + delta).unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readonly_properties_change_through_slots() {
    let (host, client) = nodes(Dialect::Qt6).await;
    let source = rep_simple::CounterSource::enable(&host, CounterImpl).unwrap();
    let replica = rep_simple::CounterReplica::acquire(&client);
    let mut events = replica.events();
    replica.wait_for_source(T).await.unwrap();
    // `void` slots are sent without waiting for a reply; wait for each effect.
    replica.increment().await.unwrap();
    next(&mut events, "count 1", |e| *e == rep_simple::CounterEvent::CountChanged(1)).await;
    replica.add(41).await.unwrap();
    next(&mut events, "count 42", |e| *e == rep_simple::CounterEvent::CountChanged(42)).await;
    assert_eq!(source.count().unwrap(), 42);
}

struct Canvas;

impl rep_pods_qt5::CanvasSlots for Canvas {
    async fn measure(
        &self,
        _: &rep_pods_qt5::CanvasSource,
        p: rep_pods_qt5::Point,
        shape: rep_pods_qt5::Shape,
    ) -> rep_pods_qt5::Sized {
        rep_pods_qt5::Sized { origin: p, size: qtro_rs::core::SizeF { width: 1.0, height: 2.0 }, shape }
    }
    async fn points(&self, source: &rep_pods_qt5::CanvasSource) -> Vec<rep_pods_qt5::Point> {
        source.path().unwrap()
    }
    async fn anchors_for(
        &self,
        source: &rep_pods_qt5::CanvasSource,
        prefix: String,
    ) -> std::collections::BTreeMap<String, rep_pods_qt5::Point> {
        source.anchors().unwrap().into_iter().filter(|(k, _)| k.starts_with(&prefix)).collect()
    }
    async fn load(
        &self,
        source: &rep_pods_qt5::CanvasSource,
        bag: rep_pods_qt5::Bag,
        _nested: rep_pods_qt5::Nested,
        _refs: rep_pods_qt5::Refs,
        _u: rep_pods_qt5::Unnamed,
    ) {
        source.set_bag(bag).unwrap();
    }
}

/// The same interface over the Qt 5.15 protocol: lists of PODs are plain typed containers there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pods_over_the_qt5_protocol() {
    use rep_pods_qt5::{Bag, CanvasEvent, CanvasReplica, CanvasSource, Point, Shape};
    let (host, client) = nodes(Dialect::Qt5).await;
    let source = CanvasSource::enable(&host, Canvas).unwrap();
    let replica = CanvasReplica::acquire(&client);
    let mut events = replica.events();
    replica.wait_for_source(T).await.unwrap();
    let path = vec![Point { x: 1, y: 2 }, Point { x: 3, y: 4 }];
    replica.push_path(path.clone()).await.unwrap();
    next(&mut events, "path change", |e| matches!(e, CanvasEvent::PathChanged(_))).await;
    assert_eq!(replica.points().await.unwrap(), path);
    source
        .set_anchors([("ab".to_owned(), Point { x: 5, y: 5 }), ("b".to_owned(), Point { x: 6, y: 6 })].into())
        .unwrap();
    next(&mut events, "anchors change", |e| matches!(e, CanvasEvent::AnchorsChanged(_))).await;
    assert_eq!(replica.anchors_for("a".into()).await.unwrap().len(), 1);
    let sized = replica.measure(Point { x: 9, y: 9 }, Shape::Square).await.unwrap();
    assert_eq!((sized.origin, sized.shape), (Point { x: 9, y: 9 }, Shape::Square));
    let bag = Bag { points: path, ..Bag::default() };
    replica.load(bag.clone(), Default::default(), Default::default(), Default::default()).await.unwrap();
    next(&mut events, "bag change", |e| matches!(e, CanvasEvent::BagChanged(_))).await;
    assert_eq!(replica.bag().unwrap(), bag);
}

struct ModifiersImpl;

impl rep_modifiers::ModifiersSlots for ModifiersImpl {
    async fn clear(&self, source: &rep_modifiers::ModifiersSource) {
        source.set_remembered(0).unwrap();
    }
}

/// A client that cannot reach any source: its replicas stay in the Default state.
fn lonely_node() -> Node {
    let node = Node::new();
    node.connect_to("tcp://127.0.0.1:1").unwrap();
    node
}

async fn persisted_values_survive_the_replica(store: Arc<dyn PersistedStore>) {
    use rep_modifiers::{ModifiersEvent, ModifiersReplica, ModifiersSource};
    // Nothing stored yet: the .rep defaults.
    let offline = ModifiersReplica::acquire_with(&lonely_node(), "Modifiers", Some(store.clone()));
    assert_eq!((offline.ratio().unwrap(), offline.remembered().unwrap()), (0.5, 0));
    drop(offline);

    let (host, client) = nodes(Dialect::Qt6).await;
    let source = ModifiersSource::enable(&host, ModifiersImpl).unwrap();
    let replica = ModifiersReplica::acquire_with(&client, "Modifiers", Some(store.clone()));
    let mut events = replica.events();
    replica.wait_for_source(T).await.unwrap();
    replica.set_ratio(0.75).unwrap();
    next(&mut events, "ratio change", |e| *e == ModifiersEvent::RatioChanged(0.75)).await;
    source.set_remembered(42).unwrap();
    source.set_persisted_push("pushed".into()).unwrap();
    next(&mut events, "persistedPush change", |e| matches!(e, ModifiersEvent::PersistedPushChanged(_))).await;
    // Saved on change (in the background), and on drop as Qt does.
    let sig = ModifiersReplica::SIGNATURE;
    tokio::time::timeout(T, async {
        loop {
            let saved = store.restore_properties("Modifiers", sig).unwrap();
            if saved.is_some_and(|v| {
                v[0] == Value::Double(0.75) && v[2] == Value::Int(42) && v[4] == Value::string("pushed")
            }) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .expect("the changed values were saved");
    drop(replica);
    host.shutdown();

    // A replica that never reaches the source shows the persisted values.
    let offline = ModifiersReplica::acquire_with(&lonely_node(), "Modifiers", Some(store.clone()));
    assert_eq!(offline.replica_state(), ReplicaState::Default);
    assert_eq!(offline.ratio().unwrap(), 0.75);
    assert_eq!(offline.remembered().unwrap(), 42);
    assert_eq!(offline.persisted_push().unwrap(), "pushed");
    assert!(offline.enabled().unwrap());
    assert_eq!(offline.written().unwrap(), 2, "properties that are not PERSISTED keep the .rep default");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn persisted_properties_in_memory() {
    persisted_values_survive_the_replica(Arc::new(MemoryStore::new())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn persisted_properties_in_files() {
    let dir = std::env::temp_dir().join(format!("qtro-typed-persist-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    persisted_values_survive_the_replica(Arc::new(FileStore::new(&dir))).await;
    // A store made afresh from the same directory (another run) reads them too.
    let store = FileStore::new(&dir);
    let saved = store.restore_properties("Modifiers", rep_modifiers::ModifiersReplica::SIGNATURE).unwrap().unwrap();
    assert_eq!(saved.len(), 6);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A dynamic replica (which knows nothing of the interface) of a typed source learns its PODs
/// and enums from the definition, as it would from a Qt source.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dynamic_replicas_of_typed_sources_decode_pods() {
    use qtro_rs::typed::FromValue;
    let host = Node::new();
    let url = host.listen("tcp://127.0.0.1:0").await.unwrap();
    let initial = RichProperties { pts: vec![p(1, 1, 1)], pt: p(4, 5, 6), ..RichProperties::default() };
    let _source = RichSource::enable_with(&host, "Rich", initial, RichImpl).unwrap();
    // A node that was never told about Point3 or Tagged.
    let client = Node::new();
    client.connect_to(&url).unwrap();
    let replica = client.acquire_dynamic("Rich");
    replica.wait_for_source(T).await.unwrap();
    assert_eq!(Point3::from_value(&replica.property("pt").unwrap()), Ok(p(4, 5, 6)));
    assert_eq!(Vec::<Point3>::from_value(&replica.property("pts").unwrap()), Ok(vec![p(1, 1, 1)]));
    assert_eq!(Tagged::from_value(&replica.property("tag").unwrap()), Ok(Tagged::default()));
    let scaled = replica
        .call(
            "scale",
            vec![
                Value::Gadget(qtro_rs::core::Gadget {
                    type_name: "Point3".into(),
                    fields: vec![Value::Int(1), Value::Int(2), Value::Int(3)],
                }),
                Value::Int(3),
            ],
        )
        .await
        .unwrap();
    assert_eq!(Point3::from_value(&scaled), Ok(p(3, 6, 9)));
}
