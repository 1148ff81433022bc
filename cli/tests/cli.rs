//! The `qtro` binary against Rust peers started in this process (qtro_rs::node): every
//! subcommand, text and `--json` output, and the error paths with their exit codes.

use std::time::Duration;

use qtro_rs::core::{ClassBuilder, Dialect, PropertyMode, SourceClass, Value};
use qtro_rs::node::{Node, ReplicaEvent, SlotCall, Source};
use serde_json::json;

mod cli_support;
#[path = "../../tests/common/events.rs"]
mod events;
use cli_support::*;
use events::next_event;

const INTEROP: &str = include_str!("../../qt-interop/peers/interop.rep");

fn class(name: &str) -> SourceClass {
    qtro_rs::rep::source_class(&qtro_rs::rep::parse(INTEROP).unwrap(), name, Dialect::Qt6).unwrap()
}

fn int(v: &Value) -> i64 {
    v.as_i64().unwrap_or(0)
}

/// A Rust host with `Interop` (slots implemented as in the Qt peer), `Simple` and `Slow` (a slot
/// that never answers in time).
async fn rust_host() -> (Node, String, Source) {
    let node = Node::new();
    let url = node.listen("tcp://127.0.0.1:0").await.unwrap();
    let source = node
        .enable_source("Interop", class("Interop"), |call: SlotCall| async move {
            let a = &call.args;
            match call.name.as_str() {
                "add" => Value::Int((int(&a[0]) + int(&a[1])) as i32),
                "echo" => a[0].clone(),
                "scale" => Value::Double(a[0].as_f64().unwrap() * a[1].as_f64().unwrap()),
                _ => Value::Invalid,
            }
        })
        .unwrap();
    node.enable_source_without_slots("Simple", class("Simple")).unwrap();
    let slow = ClassBuilder::new("Slow")
        .property("n", "int", PropertyMode::ReadOnly, Value::Int(1))
        .slot("wait", &[], "int")
        .build();
    node.enable_source("Slow", slow, |_call: SlotCall| async move {
        tokio::time::sleep(Duration::from_secs(30)).await;
        Value::Int(0)
    })
    .unwrap();
    (node, url, source)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_a_host_and_a_registry() {
    let (_host, url, _s) = rust_host().await;
    let out = run_ok(&["list", &url]).await;
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].starts_with("NAME") && lines[0].contains("SIGNATURE") && lines[0].contains("URL"), "{out}");
    let interop = lines.iter().find(|l| l.starts_with("Interop ")).expect("Interop listed");
    assert!(interop.contains("f417ff033ed92f8be99dca0f49c5ec08f989dece") && interop.contains(&url), "{interop}");
    assert!(lines.iter().any(|l| l.starts_with("Simple ") && l.contains("d73490aa59d4e788b36b725dafcbbcdddb485d09")));

    let j = run(&["list", &url, "--json"]).await.json();
    assert_eq!(j.len(), 3);
    let simple = j.iter().find(|e| e["name"] == "Simple").unwrap();
    assert_eq!(simple["type"], "Simple");
    assert_eq!(simple["signature"], "d73490aa59d4e788b36b725dafcbbcdddb485d09");
    assert_eq!(simple["url"], url.as_str());
    assert_eq!(simple["source"], "host");

    // A registry: a Rust registry node and a host registering its source there.
    let registry = Node::new();
    let reg_url = registry.listen_registry("tcp://127.0.0.1:0").await.unwrap();
    let host = Node::new();
    host.set_registry_url(&reg_url).unwrap();
    let host_url = host.listen("tcp://127.0.0.1:0").await.unwrap();
    host.enable_source_without_slots("Simple", class("Simple")).unwrap();
    let deadline = tokio::time::Instant::now() + T;
    let entries = loop {
        let j = run(&["list", &reg_url, "--json"]).await.json();
        if j.iter().any(|e| e["name"] == "Simple") || tokio::time::Instant::now() > deadline {
            break j;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(entries[0]["name"], "Registry", "the registry itself comes first: {entries:?}");
    let simple = entries.iter().find(|e| e["name"] == "Simple").expect("listed by the registry");
    assert_eq!(simple["url"], host_url.as_str());
    assert_eq!(simple["source"], "registry");
    assert_eq!(simple["registered"], true);
    assert_eq!(simple["signature"], "d73490aa59d4e788b36b725dafcbbcdddb485d09", "signature fetched from the host");
    let text = run_ok(&["list", &reg_url]).await;
    assert!(
        text.lines().any(|l| l.starts_with("Simple ") && l.contains(&host_url) && l.ends_with("registered")),
        "{text}"
    );

    // Objects are found through the registry by every command.
    assert_eq!(run_ok(&["get", &reg_url, "Simple", "value"]).await.trim(), "0");
    assert!(run_fails(&["get", &reg_url, "Nope", "value"], 4).await.contains("it lists: Simple"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn describe_as_text_json_and_rep() {
    let (_host, url, _s) = rust_host().await;
    let text = run_ok(&["describe", &url, "Interop"]).await;
    assert!(
        text.starts_with("Interop (type Interop, signature f417ff033ed92f8be99dca0f49c5ec08f989dece, at tcp://"),
        "{text}"
    );
    for needle in [
        "Color { Red = 0, Green = 3, Blue = 4 }",
        "[0] int count = 0",
        "(push: pushCount)",
        "[1] QString text = \"hello\"",
        "[7] Interop::Color color = Green",
        "[8] int revision = 7",
        "(constant)",
        "[8] fired(int code, QString message)",
        "[1] int add(int a, int b)",
        "[4] void reset()",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in\n{text}");
    }

    let j = &run(&["describe", &url, "Interop", "--json"]).await.json()[0];
    assert_eq!(j, &run(&["describe", &url, "Interop", "--format", "json"]).await.json()[0]);
    assert_eq!(j["type"], "Interop");
    assert_eq!(j["dialect"], "qt6");
    assert_eq!(j["properties"][7]["name"], "color");
    assert_eq!(j["properties"][7]["text"], "Green");
    assert_eq!(j["properties"][0]["push"], "pushCount");
    assert_eq!(j["properties"][8]["constant"], true);
    assert_eq!(
        j["signals"][8]["parameters"],
        json!([{"name": "code", "type": "int"}, {"name": "message", "type": "QString"}])
    );
    assert_eq!(j["slots"][1]["returnType"], "int");
    assert_eq!(j["enums"][0]["keys"], json!({"Red": 0, "Green": 3, "Blue": 4}));

    // The .rep rendering parses back and has the source's signature (modifiers recovered).
    let rep = run_ok(&["describe", &url, "Interop", "--format", "rep"]).await;
    let file = qtro_rs::rep::parse(&rep).unwrap_or_else(|e| panic!("{e}\n{rep}"));
    assert_eq!(
        qtro_rs::rep::signature_qt6(&file, "Interop").as_deref(),
        Some("f417ff033ed92f8be99dca0f49c5ec08f989dece"),
        "{rep}"
    );
    assert!(
        rep.contains("PROP(bool flag = true READONLY)") && rep.contains("PROP(Color color = Color::Green READWRITE)"),
        "{rep}"
    );
    assert!(rep.contains("equals this file's repc 6 signature"), "{rep}");
    let c = qtro_rs::rep::source_class(&file, "Interop", Dialect::Qt6).unwrap();
    assert_eq!(c.definition.methods, class("Interop").definition.methods);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_and_set_properties() {
    let (_host, url, source) = rust_host().await;
    assert_eq!(run_ok(&["get", &url, "Interop", "text"]).await, "\"hello\"\n");
    assert_eq!(run_ok(&["get", &url, "Interop", "color"]).await, "Green\n");
    let all = run_ok(&["get", &url, "Interop"]).await;
    assert_eq!(all.lines().count(), 9);
    assert!(all.contains("ratio = 1.5\n") && all.contains("tags = []\n") && all.contains("revision = 7\n"), "{all}");
    assert_eq!(
        run(&["get", &url, "Interop", "ratio", "--json"]).await.json()[0],
        json!({"name": "ratio", "type": "double", "value": 1.5})
    );

    // READPUSH goes through pushCount, READWRITE through a property write; both confirmed.
    assert_eq!(run_ok(&["set", &url, "Interop", "count", "-5"]).await, "count = -5\n");
    assert_eq!(source.property("count").unwrap(), Value::Int(-5));
    let j = run(&["set", &url, "Interop", "text", "hello world", "--json"]).await.json();
    assert_eq!(
        j[0],
        json!({"name": "text", "type": "QString", "value": "hello world", "via": "write", "changed": true})
    );
    assert_eq!(source.property("text").unwrap(), Value::string("hello world"));
    assert_eq!(run_ok(&["set", &url, "Interop", "ratio", "2"]).await, "ratio = 2.0\n", "converted to double");
    assert_eq!(run_ok(&["set", &url, "Interop", "color", "Blue"]).await, "color = Blue\n");
    assert_eq!(run_ok(&["set", &url, "Interop", "blob", "hex:00ff10"]).await, "blob = hex:00ff10\n");
    assert_eq!(source.property("blob").unwrap(), Value::bytes(vec![0u8, 0xff, 0x10]));
    assert_eq!(run_ok(&["set", &url, "Interop", "tags", r#"["a", "b c"]"#]).await, "tags = [\"a\", \"b c\"]\n");
    let settings = r#"{"k": 1, "u": uint:2, "d": 2.0, "l": [true, null], "when": date:2024-01-02}"#;
    let printed = run_ok(&["set", &url, "Interop", "settings", settings]).await;
    assert_eq!(
        printed,
        "settings = {\"d\": 2.0, \"k\": 1, \"l\": [true, null], \"u\": uint:2, \"when\": date:2024-01-02}\n"
    );
    // What get prints reads back as the same value.
    let again = run_ok(&["get", &url, "Interop", "settings"]).await;
    let before = source.property("settings").unwrap();
    run_ok(&["set", &url, "Interop", "settings", again.trim()]).await;
    assert_eq!(source.property("settings").unwrap(), before);
    let j = run(&["get", &url, "Interop", "settings", "--json"]).await.json();
    assert_eq!(
        j[0]["value"],
        json!({"d": 2.0, "k": 1, "l": [true, null], "u": {"$type": "uint", "value": 2}, "when": {"$type": "QDate", "value": "2024-01-02"}})
    );
    // Setting the current value again is not an error.
    let j = run(&["set", &url, "Interop", "count", "-5", "--json"]).await.json();
    assert_eq!(j[0]["changed"], false);

    // Errors: read-only property (the source ignores the write), bad values, unknown names.
    let e = run_fails(&["set", &url, "Interop", "flag", "false", "--timeout", "2s"], 8).await;
    assert!(e.contains("did not change flag") && e.contains("read-only"), "{e}");
    assert!(run_fails(&["set", &url, "Interop", "count", "1.5"], 7).await.contains("expected an integer"));
    assert!(run_fails(&["set", &url, "Interop", "count", "[1"], 7).await.contains("bad value for count"));
    assert!(run_fails(&["set", &url, "Interop", "color", "Purple"], 7).await.contains("keys: Red, Green, Blue"));
    assert!(run_fails(&["set", &url, "Interop", "text", "42"], 7).await.contains("quote it"));
    assert!(run_fails(&["get", &url, "Interop", "nope"], 5)
        .await
        .contains("has no property \"nope\" (properties: count, text,"));
    let e = run(&["get", &url, "Interop", "nope", "--json"]).await;
    assert_eq!(e.code, 5);
    let err: serde_json::Value = serde_json::from_str(e.stderr.trim()).unwrap();
    assert_eq!(err["error"], "unknown-member");
    assert_eq!(err["exit"], 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn call_slots() {
    let (_host, url, _s) = rust_host().await;
    assert_eq!(run_ok(&["call", &url, "Interop", "add", "2", "3"]).await, "5\n");
    assert_eq!(run_ok(&["call", &url, "Interop", "add", "-2", "-3"]).await, "-5\n");
    assert_eq!(run_ok(&["call", &url, "Interop", "add(int,int)", "4", "5"]).await, "9\n");
    assert_eq!(run_ok(&["call", &url, "Interop", "echo", "héllo wörld"]).await, "\"héllo wörld\"\n");
    assert_eq!(run_ok(&["call", &url, "Interop", "echo", "\"42\""]).await, "\"42\"\n");
    assert_eq!(run_ok(&["call", &url, "Interop", "echo", "str:42"]).await, "\"42\"\n");
    assert_eq!(run_ok(&["call", &url, "Interop", "scale", "2", "1.25"]).await, "2.5\n");
    let j = run(&["call", &url, "Interop", "scale", "3", "0.5", "--json"]).await.json();
    assert_eq!(j[0], json!({"slot": "scale", "signature": "scale(double,double)", "type": "double", "value": 1.5}));
    // A void slot prints nothing (JSON: a null value).
    assert_eq!(run_ok(&["call", &url, "Interop", "reset"]).await, "");
    assert_eq!(run(&["call", &url, "Interop", "reset", "--json"]).await.json()[0]["type"], "void");

    assert!(run_fails(&["call", &url, "Interop", "add", "1"], 6).await.contains("add(int,int) takes 2"));
    assert!(run_fails(&["call", &url, "Interop", "nope"], 5).await.contains("slots: pushCount(int), add(int,int)"));
    assert!(run_fails(&["call", &url, "Interop", "add", "1", "x"], 7).await.contains("argument 2 (b) of add(int,int)"));
    let e = run_fails(&["call", &url, "Slow", "wait", "--timeout", "1500ms"], 8).await;
    assert!(e.contains("no reply to wait() from \"Slow\""), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_streams_changes_signals_and_states() {
    let (host, url, source) = rust_host().await;
    let mut w = Proc::spawn(&["watch", &url, "Interop", "--count", "5"]);
    let init = w.line().await;
    assert!(
        init.starts_with("init count = 0, text = \"hello\", ratio = 1.5,") && init.contains("color = Green"),
        "{init}"
    );
    assert_eq!(w.line().await, "state Uninitialized -> Valid");
    source.set_property("count", Value::Int(7)).unwrap();
    assert_eq!(w.line().await, "property count = 7");
    source.emit("fired", vec![Value::Int(3), Value::string("boom")]).unwrap();
    assert_eq!(w.line().await, "signal fired(3, \"boom\")");
    host.disable_source("Interop").unwrap();
    assert_eq!(w.line().await, "state Valid -> Suspect");
    assert_eq!(w.wait().await, 0, "--count 5 ends the watch");

    // JSON lines, and --duration.
    host.enable_source_without_slots("Interop", class("Interop")).unwrap();
    let mut w = Proc::spawn(&["watch", &url, "Interop", "--json", "--duration", "3s"]);
    let init = w.expect_json("init", |j| j["event"] == "init").await;
    assert_eq!(init["properties"]["text"], "hello");
    let st = w.expect_json("state", |j| j["event"] == "state").await;
    assert_eq!(st, json!({"event": "state", "old": "Uninitialized", "state": "Valid"}));
    let started = std::time::Instant::now();
    assert_eq!(w.wait().await, 0);
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_json_events() {
    let (_host, url, source) = rust_host().await;
    let mut w = Proc::spawn(&["watch", &url, "Interop", "--json", "--count", "4"]);
    w.expect_json("state", |j| j["event"] == "state").await;
    source.set_property("tags", Value::StringList(vec![Some("x".into())])).unwrap();
    source.emit("fired", vec![Value::Int(1), Value::string("m")]).unwrap();
    let p = w.expect_json("property", |j| j["event"] == "property").await;
    assert_eq!(p, json!({"event": "property", "name": "tags", "type": "QStringList", "value": ["x"]}));
    let s = w.expect_json("signal", |j| j["event"] == "signal").await;
    assert_eq!(s, json!({"event": "signal", "name": "fired", "signature": "fired(int,QString)", "args": [1, "m"]}));
    assert_eq!(w.wait().await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_a_rep_class_to_rust_replicas() {
    let values = std::env::temp_dir().join(format!("qtro_cli_values_{}.json", std::process::id()));
    std::fs::write(&values, r#"{"count": 3, "tags": ["a"], "settings": {"x": {"$type": "uint", "value": 2}}}"#)
        .unwrap();
    let mut serve = Proc::spawn(&[
        "serve",
        INTEROP_REP,
        "--class",
        "Interop",
        "--url",
        "tcp://127.0.0.1:0",
        "--values",
        values.to_str().unwrap(),
        "--set",
        "text=from cli",
        "--set",
        "color=Blue",
        "--reply",
        "add=42",
    ]);
    let ready = serve.line().await;
    assert!(
        ready.starts_with(
            "serving Interop (class Interop, signature f417ff033ed92f8be99dca0f49c5ec08f989dece) at tcp://127.0.0.1:"
        ),
        "{ready}"
    );
    let url = ready_url(&ready);

    // A static replica built from the same .rep: the signature is accepted.
    let node = Node::new();
    node.connect_to(&url).unwrap();
    let replica = node.acquire("Interop", class("Interop"));
    let mut events = replica.events();
    replica.wait_for_source(T).await.unwrap();
    assert_eq!(replica.property("count"), Some(Value::Int(3)));
    assert_eq!(replica.property("text"), Some(Value::string("from cli")));
    assert_eq!(replica.property("tags"), Some(Value::StringList(vec![Some("a".into())])));
    assert_eq!(replica.property("settings"), Some(Value::map([("x".into(), Value::UInt(2))])));
    assert_eq!(replica.property("color").and_then(|v| v.as_i64()), Some(4));
    serve.expect("acquired", |l| l == "acquired by connection 1 (static)").await;

    // Slot calls: configured reply, default reply, printed with their arguments.
    assert_eq!(replica.call("add", vec![Value::Int(2), Value::Int(3)]).await.unwrap(), Value::Int(42));
    assert_eq!(serve.line().await, "invoked add(2, 3) -> 42");
    assert_eq!(replica.call("scale", vec![Value::Double(2.0), Value::Double(3.0)]).await.unwrap(), Value::Double(0.0));
    assert_eq!(serve.line().await, "invoked scale(2.0, 3.0) -> 0.0");
    replica.set_property("text", Value::string("w")).unwrap();
    assert_eq!(serve.line().await, "written text = \"w\"");
    replica.call("pushCount", vec![Value::Int(8)]).await.unwrap();
    assert_eq!(serve.line().await, "written count = 8");

    // The stdin script.
    serve.send("set ratio 2.5").await;
    assert_eq!(serve.line().await, "ok set ratio = 2.5");
    let e = next_event(&mut events, T, |e| match e {
        ReplicaEvent::PropertyChanged { name, value, .. } if name == "ratio" => Some(value),
        _ => None,
    })
    .await
    .expect("ratio changed");
    assert_eq!(e, Value::Double(2.5));
    serve.send("emit fired 7 \"boom bam\"").await;
    assert_eq!(serve.line().await, "ok emit fired(7, \"boom bam\")");
    let sig = next_event(&mut events, T, |e| match e {
        ReplicaEvent::Signal { name, args, .. } if name == "fired" => Some(args),
        _ => None,
    })
    .await
    .expect("fired emitted");
    assert_eq!(sig, vec![Value::Int(7), Value::string("boom bam")]);
    serve.send("# a comment").await;
    serve.send("get count").await;
    assert_eq!(serve.line().await, "ok get count = 8");
    serve.send("reply add -1").await;
    assert_eq!(serve.line().await, "ok reply add = -1");
    assert_eq!(replica.call("add", vec![Value::Int(1), Value::Int(1)]).await.unwrap(), Value::Int(-1));
    assert_eq!(serve.line().await, "invoked add(1, 1) -> -1");
    serve.send("set nope 1").await;
    assert!(serve.line().await.starts_with("error: set: the class has no property \"nope\""));
    serve.send("emit fired 1").await;
    assert_eq!(serve.line().await, "error: emit: fired(int,QString) takes 2 argument(s), 1 given");
    serve.send("set count x").await;
    assert!(serve.line().await.starts_with("error: set: count (int): expected an integer"));
    serve.send("frobnicate").await;
    assert_eq!(serve.line().await, "error: frobnicate: unknown command \"frobnicate\" (try help)");
    serve.send("quit").await;
    assert_eq!(serve.line().await, "ok quit");
    assert_eq!(serve.wait().await, 0);
    let _ = std::fs::remove_file(values);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_json_and_dynamic_replicas() {
    let mut serve = Proc::spawn(&[
        "serve",
        INTEROP_REP,
        "--class",
        "Simple",
        "--url",
        "tcp://127.0.0.1:0",
        "--json",
        "--name",
        "Renamed",
    ]);
    let ready: serde_json::Value = serde_json::from_str(&serve.line().await).unwrap();
    assert_eq!(ready["event"], "ready");
    assert_eq!(ready["name"], "Renamed");
    assert_eq!(ready["class"], "Simple");
    assert_eq!(ready["signature"], "d73490aa59d4e788b36b725dafcbbcdddb485d09");
    let url = ready["url"].as_str().unwrap().to_owned();
    let node = Node::new();
    node.connect_to(&url).unwrap();
    let replica = node.acquire_dynamic("Renamed");
    replica.wait_for_source(T).await.unwrap();
    assert_eq!(replica.definition().unwrap().type_name.as_deref(), Some("Simple"));
    let a = serve.expect_json("acquired", |j| j["event"] == "acquired").await;
    assert_eq!(a["dynamic"], true);
    assert_eq!(replica.call("add", vec![Value::Int(1), Value::Int(2)]).await.unwrap(), Value::Int(0));
    let inv = serve.expect_json("invoked", |j| j["event"] == "invoked").await;
    assert_eq!(
        inv,
        json!({"event": "invoked", "slot": "add", "signature": "add(int,int)", "args": [1, 2], "types": ["int", "int"], "reply": 0, "replyType": "int"})
    );
    serve.send("set name \"n\"").await;
    let ok = serve.expect_json("ok", |j| j["event"] == "ok").await;
    assert_eq!(
        ok,
        json!({"event": "ok", "cmd": "set", "name": "name", "type": "QString", "value": "n", "changed": true})
    );
    serve.send("emit nope").await;
    let err = serve.expect_json("error", |j| j["event"] == "error").await;
    assert_eq!(err["code"], "unknown-member");
    // The tool also lists, describes and calls what it serves.
    assert!(run_ok(&["list", &url]).await.contains("Renamed"));
    assert_eq!(run_ok(&["get", &url, "Renamed", "name"]).await, "\"n\"\n");
    serve.send("quit").await;
    assert_eq!(serve.wait().await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_registers_with_a_registry() {
    let registry = Node::new();
    let reg = registry.listen_registry("tcp://127.0.0.1:0").await.unwrap();
    let mut serve = Proc::spawn(&[
        "serve",
        INTEROP_REP,
        "--class",
        "Simple",
        "--url",
        "tcp://127.0.0.1:0",
        "--registry",
        &reg,
        "--set",
        "value=4",
    ]);
    let url = ready_url(&serve.line().await);
    let deadline = tokio::time::Instant::now() + T;
    while !run_ok(&["list", &reg]).await.contains(&url) {
        assert!(tokio::time::Instant::now() < deadline, "never registered");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(run_ok(&["get", &reg, "Simple", "value"]).await, "4\n");
    assert_eq!(run_ok(&["set", &reg, "Simple", "name", "reg"]).await, "name = \"reg\"\n");
    serve.expect("written", |l| l == "written name = \"reg\"").await;
    serve.kill().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_errors() {
    let bad_rep = std::env::temp_dir().join(format!("qtro_cli_bad_{}.rep", std::process::id()));
    std::fs::write(&bad_rep, "class Bad {\n  PROP(int\n}\n").unwrap();
    let e = run_fails(&["serve", bad_rep.to_str().unwrap(), "--url", "tcp://127.0.0.1:0"], 2).await;
    assert!(e.contains(bad_rep.to_str().unwrap()) && e.contains("2:"), "{e}");
    assert!(run_fails(&["serve", INTEROP_REP, "--url", "tcp://127.0.0.1:0"], 2)
        .await
        .contains("pick one with --class"));
    assert!(run_fails(&["serve", INTEROP_REP, "--class", "Nope", "--url", "tcp://127.0.0.1:0"], 2)
        .await
        .contains("classes: Simple, Interop"));
    assert_eq!(run(&["serve", "/nonexistent.rep", "--url", "tcp://127.0.0.1:0"]).await.code, 1);
    assert!(run_fails(
        &["serve", INTEROP_REP, "--class", "Simple", "--url", "tcp://127.0.0.1:0", "--set", "value=x"],
        7
    )
    .await
    .contains("value"));
    assert_eq!(
        run(&["serve", INTEROP_REP, "--class", "Simple", "--url", "tcp://127.0.0.1:0", "--set", "nope=1"]).await.code,
        5
    );
    assert_eq!(
        run(&["serve", INTEROP_REP, "--class", "Simple", "--url", "tcp://127.0.0.1:0", "--reply", "nope=1"]).await.code,
        5
    );
    assert_eq!(run(&["serve", INTEROP_REP, "--class", "Simple", "--url", "http://x"]).await.code, 2);
    let _ = std::fs::remove_file(bad_rep);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tap_decodes_static_and_dynamic_sessions_and_replays_them() {
    let (_host, url, source) = rust_host().await;
    let capture = std::env::temp_dir().join(format!("qtro_cli_tap_{}.jsonl", std::process::id()));
    let mut tap =
        Proc::spawn(&["tap", "--listen", "tcp://127.0.0.1:0", "--upstream", &url, "--save", capture.to_str().unwrap()]);
    let ready = tap.line().await;
    assert!(
        ready.starts_with("tap listening on tcp://127.0.0.1:") && ready.ends_with(&format!("forwarding to {url}")),
        "{ready}"
    );
    let tap_url = ready_url(&ready);

    // A static replica through the tap: the tap learns the interface on the side.
    let node = Node::new();
    node.connect_to(&tap_url).unwrap();
    let replica = node.acquire("Interop", class("Interop"));
    let mut events = replica.events();
    replica.wait_for_source(T).await.unwrap();
    assert_eq!(replica.call("add", vec![Value::Int(2), Value::Int(3)]).await.unwrap(), Value::Int(5));
    replica.set_property("text", Value::string("via tap")).unwrap();
    source.emit("fired", vec![Value::Int(9), Value::string("x")]).unwrap();
    tokio::time::timeout(T, async {
        while !matches!(events.recv().await, Some(ReplicaEvent::Signal { name, .. }) if name == "fired") {}
    })
    .await
    .unwrap();
    // And a dynamic one (the interface comes with InitDynamic).
    let node2 = Node::new();
    node2.connect_to(&tap_url).unwrap();
    let dynamic = node2.acquire_dynamic("Simple");
    dynamic.wait_for_source(T).await.unwrap();

    tap.expect_all(&[
        "#1 open",
        "#1 <- Handshake \"QtRO 2.0\"",
        "#1 -> AddObject Interop (static)",
        "learned the interface of Interop (dynamic replica on the side)",
        "#1 <- Init Interop {count = 0, text = \"hello\", ratio = 1.5, flag = true, blob = null, tags = [], settings = {}, color = Green, revision = 7}",
        "#1 -> Invoke Interop.add(2, 3) #1",
        "#1 <- InvokeReply Interop.add #1 = 5",
        "#1 -> WriteProperty Interop.text = \"via tap\"",
        "#1 <- PropertyChange Interop.text = \"via tap\"",
        "#1 <- Signal Interop.textChanged(\"via tap\") (notify: text)",
        "#1 <- Signal Interop.fired(9, \"x\")",
        "#2 -> AddObject Simple (dynamic)",
        "#2 <- InitDynamic Simple (type Simple: 2 properties, 3 signals, 3 methods) {value = 0, name = \"\"}",
    ])
    .await;
    drop(dynamic);
    drop(node2);
    tap.expect("#2 closed", |l| l == "#2 closed").await;
    let live = tap.kill().await;

    // The capture replays to the same lines, also offline.
    let replayed = run_ok(&["replay", capture.to_str().unwrap()]).await;
    let live_lines: Vec<&str> = live.iter().skip(1).map(String::as_str).collect();
    let replayed_lines: Vec<&str> = replayed.lines().collect();
    assert_eq!(&replayed_lines[..live_lines.len()], &live_lines[..], "replay differs from the live output");
    let only2 = run_ok(&["replay", capture.to_str().unwrap(), "--conn", "2"]).await;
    assert!(only2.lines().all(|l| l.starts_with("#2") || l.starts_with("learned")), "{only2}");
    let j = run(&["replay", capture.to_str().unwrap(), "--json"]).await.json();
    let call = j.iter().find(|e| e["packet"] == "Invoke" && e["member"] == "add").expect("call in JSON");
    assert_eq!(call["args"], json!([2, 3]));
    assert_eq!(call["signature"], "add(int,int)");
    assert_eq!(call["dir"], "to-source");
    assert_eq!(call["serial"], 1);
    let reply = j.iter().find(|e| e["packet"] == "InvokeReply").unwrap();
    assert_eq!((reply["member"].clone(), reply["value"].clone()), (json!("add"), json!(5)));
    // The header and a line of the documented format.
    let text = std::fs::read_to_string(&capture).unwrap();
    let first: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(first["qtro-capture"], 1);
    assert_eq!(first["upstream"], url.as_str());
    assert!(text.lines().any(|l| l.contains("\"event\":\"learned\"") && l.contains("\"definition\"")));
    let _ = std::fs::remove_file(capture);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tap_json_live_and_upstream_down() {
    let (_host, url, _source) = rust_host().await;
    let mut tap = Proc::spawn(&["tap", "--listen", "tcp://127.0.0.1:0", "--upstream", &url, "--json", "--no-learn"]);
    let ready: serde_json::Value = serde_json::from_str(&tap.line().await).unwrap();
    assert_eq!(ready["event"], "ready");
    let tap_url = ready["listen"].as_str().unwrap().to_owned();
    assert_eq!(
        run_ok(&["call", &tap_url, "Interop", "add", "20", "22"]).await,
        "42\n",
        "the tool works through its own tap"
    );
    let p = tap.expect_json("reply", |j| j["packet"] == "InvokeReply").await;
    assert_eq!(p["object"], "Interop");
    assert_eq!(p["member"], "add");
    assert_eq!(p["value"], 42);
    assert_eq!(p["dir"], "to-replica");
    tap.kill().await;

    // Upstream unreachable: the connection is reported and closed.
    let dead = format!("tcp://127.0.0.1:{}", closed_port());
    let mut tap = Proc::spawn(&["tap", "--listen", "tcp://127.0.0.1:0", "--upstream", &dead]);
    let tap_url = ready_url(&tap.line().await);
    assert_eq!(run(&["list", &tap_url, "--timeout", "2s"]).await.code, 3);
    tap.expect("error", |l| l.starts_with("#1 error: cannot connect to")).await;
    tap.kill().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_errors_have_their_exit_codes() {
    let (_host, url, _s) = rust_host().await;
    let dead = format!("tcp://127.0.0.1:{}", closed_port());
    assert!(run_fails(&["list", &dead], 3).await.contains("cannot connect to"));
    assert_eq!(run(&["get", &dead, "X", "y"]).await.code, 3);
    assert!(run_fails(&["get", &url, "Nope", "x"], 4)
        .await
        .contains("does not offer an object \"Nope\" (it offers: Interop, Simple, Slow)"));
    assert!(run_fails(&["list", "http://x"], 2).await.contains("unsupported URL scheme"));
    assert!(run_fails(&["list", "tcp://host"], 2).await.contains("missing :port"));
    assert_eq!(run(&["frobnicate"]).await.code, 2);
    assert_eq!(run(&["get"]).await.code, 2);
    assert_eq!(run(&["list", &url, "--timeout", "soon"]).await.code, 2);
    let help = run(&["--help"]).await;
    assert_eq!(help.code, 0);
    assert!(help.stdout.contains("Exit codes:") && help.stdout.contains("9 protocol mismatch"));

    // Dialect: a Qt 6 host with --qt5, and something that is not QtRO at all.
    assert!(run_fails(&["list", &url, "--qt5"], 9).await.contains("speaks QtRO 2.0 (Qt 6)"));
    let garbage = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let garbage_url = format!("tcp://{}", garbage.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut s, _)) = garbage.accept().await {
            use tokio::io::AsyncWriteExt;
            let _ = s.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n").await;
            tokio::time::sleep(Duration::from_secs(5)).await;
        }
    });
    assert!(run_fails(&["list", &garbage_url], 9).await.contains("is not a QtRO node"));
    // A peer that accepts but never speaks: timeout.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let silent_url = format!("tcp://{}", silent.local_addr().unwrap());
    tokio::spawn(async move {
        let mut keep = Vec::new();
        while let Ok((s, _)) = silent.accept().await {
            keep.push(s);
        }
    });
    assert!(run_fails(&["list", &silent_url, "--timeout", "1s"], 8).await.contains("sent no handshake"));

    // A static replica from a .rep class whose signature differs.
    let e = run_fails(&["get", &url, "Interop", "count", "--rep", INTEROP_REP, "--class", "Simple"], 6).await;
    assert!(
        e.contains("signature mismatch")
            && e.contains("f417ff033ed92f8be99dca0f49c5ec08f989dece")
            && e.contains("d73490aa59d4e788b36b725dafcbbcdddb485d09"),
        "{e}"
    );
    // ... and one that matches.
    assert_eq!(run_ok(&["get", &url, "Interop", "color", "--rep", INTEROP_REP]).await, "Green\n");
    assert_eq!(run_ok(&["call", &url, "Interop", "add", "1", "2", "--rep", INTEROP_REP]).await, "3\n");
}

/// Item 11 of the value issue: the real reason, at once and in a screenful.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_give_the_real_reason() {
    // A READONLY property that changes by itself: the write is never confirmed, and the other
    // value it took is not taken for a confirmation.
    let node = Node::new();
    let url = node.listen("tcp://127.0.0.1:0").await.unwrap();
    let ticker = ClassBuilder::new("Ticker").property("n", "int", PropertyMode::ReadOnly, Value::Int(0)).build();
    let source = node.enable_source_without_slots("Ticker", ticker).unwrap();
    let tick = tokio::spawn(async move {
        for n in 1.. {
            let _ = source.set_property("n", Value::Int(n));
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
    let err = run_fails(&["set", &url, "Ticker", "n", "999999", "--timeout", "1500ms"], 8).await;
    assert!(err.contains("changed to") && err.contains("instead"), "{err}");
    tick.abort();

    // An unknown object on a host with many: a screenful of names, not all of them.
    let many = Node::new();
    let many_url = many.listen("tcp://127.0.0.1:0").await.unwrap();
    for i in 0..300 {
        let c = ClassBuilder::new("Item").property("v", "int", PropertyMode::ReadOnly, Value::Int(i)).build();
        many.enable_source_without_slots(&format!("Item{i:03}"), c).unwrap();
    }
    let err = run_fails(&["get", &many_url, "Nope", "v"], 4).await;
    assert!(err.contains("and 280 more") && err.len() < 1000, "{err}");

    // A host that breaks a limit after the handshake: exit 9 with the cause, not a timeout.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let bad_url = format!("tcp://{}", listener.local_addr().unwrap());
    let server = tokio::spawn(async move {
        use qtro_rs::core::{ObjectInfo, Packet};
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        loop {
            let (mut s, _) = listener.accept().await.unwrap();
            tokio::spawn(async move {
                for p in [
                    Packet::Handshake { version: Dialect::Qt6.protocol_version().into() },
                    Packet::ObjectList(vec![ObjectInfo { name: "Bad".into(), type_name: None, signature: None }]),
                ] {
                    s.write_all(&p.to_bytes(Dialect::Qt6).unwrap()).await.unwrap();
                }
                let mut buf = [0u8; 1024];
                if s.read(&mut buf).await.unwrap_or(0) > 0 {
                    // A frame claiming 1 GiB: past every packet limit.
                    let _ = s.write_all(&(1u32 << 30).to_le_bytes()).await;
                }
                tokio::time::sleep(Duration::from_secs(5)).await;
            });
        }
    });
    let err = run_fails(&["get", &bad_url, "Bad", "v", "--timeout", "5s"], 9).await;
    assert!(err.contains("undecodable") && err.contains("maximum packet size"), "{err}");
    server.abort();
}

/// Item 7 of issue 18: completion scripts, help for every argument, usage errors as JSON.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn completions_help_and_usage_errors() {
    for shell in ["bash", "zsh", "fish"] {
        let script = run_ok(&["completions", shell]).await;
        for word in
            ["qtro", "list", "describe", "call", "watch", "serve", "tap", "replay", "completions", "timeout", "rep"]
        {
            assert!(script.contains(word), "{shell} completions lack {word:?}");
        }
    }
    assert!(run_fails(&["completions", "tcsh"], 2).await.contains("invalid value 'tcsh'"));
    assert_eq!(run(&["completions"]).await.code, 2);

    // `qtro help CMD` describes every positional argument.
    let help = run_ok(&["help", "call"]).await;
    for needle in [
        "<URL>",
        "Node URL: tcp://HOST:PORT",
        "<NAME>",
        "Object name",
        "<SLOT>",
        "Slot name",
        "[ARGS]...",
        "Arguments, one value each",
    ] {
        assert!(help.contains(needle), "missing {needle:?} in\n{help}");
    }
    assert!(run_ok(&["replay", "--help"]).await.contains("Capture file written by `qtro tap --save`"));

    // Usage errors: clap's text, or with --json (wherever it is) one error object like every other error.
    let text = run_fails(&["get", "tcp://127.0.0.1:1"], 2).await;
    assert!(
        text.starts_with("error: the following required arguments were not provided")
            && text.contains("Usage: qtro get"),
        "{text}"
    );
    for (args, message) in [
        (&["get", "tcp://127.0.0.1:1", "--json"][..], "the following required arguments were not provided: <NAME>"),
        (&["--json", "frobnicate"][..], "unrecognized subcommand 'frobnicate'"),
        (
            &["list", "--timeout", "soon", "--json", "tcp://127.0.0.1:1"][..],
            "invalid value 'soon' for '--timeout <DURATION>'",
        ),
        (&["completions", "tcsh", "--json"][..], "invalid value 'tcsh' for '<SHELL>'"),
        (&["--json"][..], "'qtro' requires a subcommand"),
    ] {
        let o = run(args).await;
        assert_eq!((o.code, o.stdout.as_str()), (2, ""), "qtro {args:?}: {}", o.stderr);
        let j = json_lines(&o.stderr);
        assert_eq!(j.len(), 1, "one JSON object: {}", o.stderr);
        assert_eq!((&j[0]["error"], &j[0]["exit"]), (&json!("usage"), &json!(2)), "{}", o.stderr);
        let m = j[0]["message"].as_str().unwrap();
        assert!(m.starts_with(message) && !m.contains('\n') && !m.contains("Usage:"), "qtro {args:?}: {m}");
        assert_eq!(j[0].as_object().unwrap().len(), 3, "the shape of every error object: {}", o.stderr);
    }
    // The same shape as an error found after parsing.
    let later = run(&["list", "http://x", "--json"]).await;
    let later = &json_lines(&later.stderr)[0];
    assert_eq!(
        (later["error"].as_str(), later["exit"].as_i64(), later.as_object().unwrap().len()),
        (Some("usage"), Some(2), 3)
    );
    // --help and --version print their text and succeed, --json or not.
    let h = run(&["--json", "--help"]).await;
    assert!(h.code == 0 && h.stdout.contains("Usage: qtro") && h.stderr.is_empty(), "{h:?}");
    let v = run(&["--version", "--json"]).await;
    assert!(v.code == 0 && v.stdout.starts_with("qtro ") && v.stderr.is_empty(), "{v:?}");
    // After `--`, "--json" is an argument: the URL "--json" is refused in text.
    assert!(run_fails(&["list", "--", "--json"], 2)
        .await
        .starts_with("qtro: error: unsupported URL scheme in \"--json\""));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_url_without_its_scheme_gets_a_hint() {
    let (_host, url, _s) = rust_host().await;
    let bare = url.strip_prefix("tcp://").unwrap();
    let e = run_fails(&["get", bare, "Interop", "count"], 2).await;
    assert!(
        e.starts_with("qtro: error: unsupported URL scheme") && e.trim_end().ends_with(&format!("did you mean {url}?")),
        "{e}"
    );
    assert_eq!(run_ok(&["get", &url, "Interop", "count"]).await.trim(), "0", "the suggestion works");

    assert!(run_fails(&["list", "localhost:5000"], 2).await.contains("did you mean tcp://localhost:5000?"));
    assert!(run_fails(&["list", "/tmp/sock"], 2).await.contains("did you mean local:/tmp/sock?"));
    assert!(run_fails(&["serve", INTEROP_REP, "--class", "Simple", "--url", "127.0.0.1:0"], 2)
        .await
        .contains("did you mean tcp://127.0.0.1:0?"));
    assert!(run_fails(&["tap", "--listen", "tcp://127.0.0.1:0", "--upstream", bare], 2)
        .await
        .contains(&format!("did you mean {url}?")));
    let j = &json_lines(&run_fails(&["list", "127.0.0.1:1234", "--json"], 2).await)[0];
    assert_eq!(j["error"], "usage");
    assert!(j["message"].as_str().unwrap().ends_with("did you mean tcp://127.0.0.1:1234?"), "{j}");
    // Nothing to suggest for a bare word.
    assert!(!run_fails(&["list", "localhost"], 2).await.contains("did you mean"));
}
