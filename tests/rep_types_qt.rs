//! The types of a `.rep` file are known wherever its classes are used, with no registration
//! call: a class from `rep::source_class` acquired from, or served to, stock Qt 6.4 and 5.15
//! peers carries its PODs and enums; Qt dynamic replicas of a Rust source get the POD
//! definitions (Qt 5.15 too), and lists of PODs travel in the form each version expects.

use std::time::Duration;

use qtro_rs::core::{Dialect, Gadget, Value};
use qtro_rs::node::SlotCall;
use serde_json::json;

mod common;
use common::dialect::{class, major, node};
use common::qt_peer::{is, QtPeer};

const T: Duration = Duration::from_secs(10);

fn point(x: i32, y: i32, z: i32) -> Value {
    Value::Gadget(Gadget { type_name: "Point3".into(), fields: vec![Value::Int(x), Value::Int(y), Value::Int(z)] })
}

/// The items of a list of PODs, whichever form it arrived in.
fn items(v: Option<Value>) -> Vec<Value> {
    match v {
        Some(Value::Sequence(s)) => s.items,
        Some(Value::GadgetSequence(s)) => s.items,
        other => panic!("not a list of PODs: {other:?}"),
    }
}

async fn rust_replicas_of_a_qt_source_know_the_rep_types(dialect: Dialect) {
    let (mut qt, ready) =
        QtPeer::start_with(major(dialect), &["source-static", "Shapes", "--url", "tcp://127.0.0.1:0"]).await;
    let url = ready["url"].as_str().unwrap().to_owned();
    qt.command(r#"set origin {"x":1,"y":2,"z":3}"#).await;
    qt.command(r#"set path [{"x":4,"y":5,"z":6},{"x":7,"y":8,"z":9}]"#).await;
    qt.command("set color 4").await;

    // A static replica from the .rep class alone: no register call.
    let n = node(dialect);
    n.connect_to(&url).unwrap();
    let stat = n.acquire("Shapes", class("Shapes", dialect));
    stat.wait_for_source(T).await.expect("the POD types of the .rep are known");
    assert_eq!(stat.property("origin"), Some(point(1, 2, 3)));
    assert_eq!(items(stat.property("path")), [point(4, 5, 6), point(7, 8, 9)]);
    assert_eq!(stat.property("color").and_then(|v| v.as_i64()), Some(4));
    // A POD argument given as a map of its fields is converted to the POD.
    let p = Value::map([("x".into(), Value::Int(1)), ("y".into(), Value::Int(2)), ("z".into(), Value::Int(3))]);
    assert_eq!(stat.call("scale", vec![p, Value::Int(2)]).await.unwrap(), point(2, 4, 6));
    assert_eq!(stat.call("next", vec![Value::Int(4)]).await.unwrap().as_i64(), Some(0), "Blue -> Red");

    // A dynamic replica of the same source (Qt 5.15 lists its QList<Point3> by that name).
    let d = node(dialect);
    d.connect_to(&url).unwrap();
    let dynamic = d.acquire_dynamic("Shapes");
    dynamic.wait_for_source(T).await.expect("dynamic replica valid");
    assert_eq!(dynamic.property("origin"), Some(point(1, 2, 3)));
    assert_eq!(items(dynamic.property("path")), [point(4, 5, 6), point(7, 8, 9)]);
    // A plain list of PODs written through the dynamic replica reaches the Qt setter as its
    // QList<Point3> (a Qt 6 definition declares the property QtROSequentialContainer).
    dynamic.set_property("path", Value::List(vec![point(1, 1, 1), point(2, 2, 2)])).unwrap();
    let e = qt.expect("written path", is("written", "name", "path")).await;
    assert_eq!(e["value"], json!([{"x":1,"y":1,"z":1},{"x":2,"y":2,"z":2}]), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_replicas_of_a_qt6_source_know_the_rep_types() {
    rust_replicas_of_a_qt_source_know_the_rep_types(Dialect::Qt6).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_replicas_of_a_qt5_source_know_the_rep_types() {
    rust_replicas_of_a_qt_source_know_the_rep_types(Dialect::Qt5).await;
}

async fn qt_replicas_of_a_rust_rep_source(dialect: Dialect) {
    let n = node(dialect);
    let url = n.listen("tcp://127.0.0.1:0").await.unwrap();
    let source = n
        .enable_source("Shapes", class("Shapes", dialect), |c: SlotCall| async move {
            match (&*c.name, c.args.as_slice()) {
                ("scale", [Value::Gadget(g), f]) => {
                    let f = f.as_i64().unwrap_or(1);
                    Value::Gadget(Gadget {
                        type_name: g.type_name.clone(),
                        fields: g.fields.iter().map(|v| Value::Int((v.as_i64().unwrap_or(0) * f) as i32)).collect(),
                    })
                }
                ("next", [c]) => Value::Int(match c.as_i64() {
                    Some(0) => 3,
                    Some(3) => 4,
                    _ => 0,
                }),
                _ => Value::Invalid,
            }
        })
        .unwrap();
    source.set_property("origin", point(1, 2, 3)).unwrap();
    source.set_property("path", Value::List(vec![point(4, 5, 6)])).unwrap();

    for mode in ["replica-dynamic", "replica-static"] {
        let args: &[&str] = if mode == "replica-static" {
            &[mode, "Shapes", "--url", &url]
        } else {
            &[mode, "--url", &url, "--name", "Shapes"]
        };
        let (mut qt, _) = QtPeer::start_with(major(dialect), args).await;
        qt.expect("Valid", is("state", "state", "Valid")).await;
        let origin = qt.command("get origin").await;
        assert_eq!(
            (origin["type"].as_str(), &origin["value"]),
            (Some("Point3"), &json!({"x":1,"y":2,"z":3})),
            "{mode}: {origin}"
        );
        source.set_property("path", Value::List(vec![point(4, 5, 6)])).unwrap();
        if dialect == Dialect::Qt5 && mode == "replica-dynamic" {
            // A stock Qt 5.15 dynamic replica cannot hold a QList of PODs even from a stock
            // source ("unknown user type with name QList<Point3>"; its stream then stays
            // unusable, so it answers no calls either): it stays Valid with the property
            // invalid, as here.
            assert_eq!(qt.command("get path").await["type"], "invalid");
            assert_eq!(qt.command("state").await["state"], "Valid");
            continue;
        }
        qt.command(r#"call 1 scale [{"x":1,"y":1,"z":2},3]"#).await;
        let reply = qt.expect("reply", |e| e["event"] == "reply").await;
        assert_eq!(reply["value"], json!({"x":3,"y":3,"z":6}), "{mode}: {reply}");
        let path = qt.command("get path").await;
        assert_eq!(path["value"], json!([{"x":4,"y":5,"z":6}]), "{mode}: {path}");
        // Changes reach it in the same forms (a Qt 6 dynamic replica links no notify signal
        // to a container of PODs, with a stock source too: read the value until it changes).
        for (value, json) in
            [(point(5, 5, 5), json!({"x":5,"y":5,"z":5})), (point(1, 2, 3), json!({"x":1,"y":2,"z":3}))]
        {
            source.set_property("origin", value).unwrap();
            let e = qt.expect("origin", is("property", "name", "origin")).await;
            assert_eq!(e["value"], json, "{mode}: {e}");
        }
        source.set_property("path", Value::List(vec![point(1, 1, 1), point(2, 2, 2)])).unwrap();
        let want = json!([{"x":1,"y":1,"z":1},{"x":2,"y":2,"z":2}]);
        let deadline = std::time::Instant::now() + T;
        loop {
            let got = qt.command("get path").await;
            if got["value"] == want {
                break;
            }
            assert!(std::time::Instant::now() < deadline, "{mode}: path never changed: {got}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        source.set_property("path", Value::List(vec![point(4, 5, 6)])).unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qt6_replicas_of_a_rust_rep_source() {
    qt_replicas_of_a_rust_rep_source(Dialect::Qt6).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qt5_replicas_of_a_rust_rep_source() {
    qt_replicas_of_a_rust_rep_source(Dialect::Qt5).await;
}

/// A global `.rep` ENUM used by a property and a slot: the definition a Rust source sends
/// dynamic replicas lists repc's `<E>Enum` holder, as a stock source does, so a stock Qt dynamic
/// replica reads the property as that enum and sends slot arguments of it.
async fn global_enums_reach_qt_dynamic_replicas(dialect: Dialect) {
    const REP: &str = "ENUM Mood {Calm, Happy = 3, Angry}\nclass Moody {\n    PROP(MoodEnum::Mood mood READWRITE)\n    SLOT(MoodEnum::Mood next(MoodEnum::Mood m))\n}\n";
    let file = qtro_rs::rep::parse(REP).unwrap();
    let class = qtro_rs::rep::source_class(&file, "Moody", dialect).unwrap();
    assert!(class
        .definition
        .gadgets
        .gadgets
        .iter()
        .any(|g| g.name == "MoodEnum" && g.properties.is_empty() && g.enums[0].name == "Mood"));
    let n = node(dialect);
    let url = n.listen("tcp://127.0.0.1:0").await.unwrap();
    let source = n
        .enable_source("Moody", class, |c: SlotCall| async move {
            Value::Int(if c.args[0].as_i64() == Some(3) { 4 } else { 0 })
        })
        .unwrap();
    source.set_property("mood", Value::Int(3)).unwrap();
    let (mut qt, _) = QtPeer::start_with(major(dialect), &["replica-dynamic", "--url", &url, "--name", "Moody"]).await;
    qt.expect("Valid", is("state", "state", "Valid")).await;
    let got = qt.command("get mood").await;
    assert_eq!((got["type"].as_str(), &got["value"]), (Some("MoodEnum::Mood"), &json!(3)), "{got}");
    qt.command("call 1 next [3]").await;
    let reply = qt.expect("reply", |e| e["event"] == "reply").await;
    assert_eq!(reply["value"], 4, "{reply}");
    qt.command("write mood 4").await;
    tokio::time::timeout(T, async {
        while source.property("mood").unwrap().as_i64() != Some(4) {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("the replica's write of the enum arrives");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn global_enums_reach_qt6_dynamic_replicas() {
    global_enums_reach_qt_dynamic_replicas(Dialect::Qt6).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn global_enums_reach_qt5_dynamic_replicas() {
    global_enums_reach_qt_dynamic_replicas(Dialect::Qt5).await;
}
