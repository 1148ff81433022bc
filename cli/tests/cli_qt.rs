//! The `qtro` binary against stock Qt 6 and Qt 5.15 peers (qt-interop/peers): explore a Qt
//! source, go through a Qt registry, serve a .rep class to Qt replicas, and tap a Qt source with a
//! Qt replica going through the tap.

use serde_json::json;

mod cli_support;
#[path = "../../tests/common/mod.rs"]
mod common;
use cli_support::*;
use common::qt_peer::{is, QtPeer};

fn reply(id: i64) -> impl Fn(&serde_json::Value) -> bool {
    move |e| e["event"] == "reply" && e["id"] == id
}

/// Runs stock repc on a rendered .rep file and returns the generated replica header.
fn stock_repc(tool: &str, rep: &str, tag: &str) -> String {
    let dir = std::env::temp_dir();
    let input = dir.join(format!("qtro_cli_{tag}_{}.rep", std::process::id()));
    let output = input.with_extension("h");
    std::fs::write(&input, rep).unwrap();
    let out = std::process::Command::new(tool)
        .args(["-i", "rep", "-o", "replica"])
        .arg(&input)
        .arg(&output)
        .output()
        .expect("run repc");
    assert!(out.status.success(), "{tool} rejected the rendered .rep: {}\n{rep}", String::from_utf8_lossy(&out.stderr));
    let header = std::fs::read_to_string(&output).unwrap();
    let _ = std::fs::remove_file(input);
    let _ = std::fs::remove_file(output);
    header
}

const INTEROP_SIG_QT6: &str = "f417ff033ed92f8be99dca0f49c5ec08f989dece";
const INTEROP_SIG_QT5: &str = "76fa0ecb9c82c46d11479622a282ad2c25a66f31";
const SIMPLE_SIG: &str = "d73490aa59d4e788b36b725dafcbbcdddb485d09";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn explore_a_qt_source() {
    let (mut qt, ready) = QtPeer::start(&["source-static", "Interop", "--url", "tcp://127.0.0.1:0"]).await;
    let url = ready["url"].as_str().unwrap().to_owned();

    let list = run(&["list", &url, "--json"]).await.json();
    assert_eq!(
        list,
        vec![
            json!({"name": "Interop", "type": "Interop", "signature": INTEROP_SIG_QT6, "url": url, "source": "host", "registered": false})
        ]
    );

    // describe: text, JSON, and a .rep file with Qt's own signature.
    let text = run_ok(&["describe", &url, "Interop"]).await;
    assert!(
        text.contains("[1] QString text = \"hello\"")
            && text.contains("color = Green")
            && text.contains("[3] double scale(double v, double f)"),
        "{text}"
    );
    let j = &run(&["describe", &url, "Interop", "--json"]).await.json()[0];
    assert_eq!(j["signature"], INTEROP_SIG_QT6);
    assert_eq!(j["properties"][7]["text"], "Green");
    assert_eq!(j["properties"][7]["value"], 3, "enums travel as integers");
    let rep = run_ok(&["describe", &url, "Interop", "--format", "rep"]).await;
    let file = qtro_rs::rep::parse(&rep).unwrap_or_else(|e| panic!("{e}\n{rep}"));
    assert_eq!(qtro_rs::rep::signature_qt6(&file, "Interop").as_deref(), Some(INTEROP_SIG_QT6), "{rep}");
    assert!(
        stock_repc("/usr/lib/qt6/libexec/repc", &rep, "qt6").contains(INTEROP_SIG_QT6),
        "repc 6 computes the same signature"
    );

    // get / set (push, write, read-only) / call.
    assert_eq!(run_ok(&["get", &url, "Interop", "color"]).await, "Green\n");
    assert_eq!(run_ok(&["get", &url, "Interop", "revision"]).await, "7\n");
    assert_eq!(run_ok(&["set", &url, "Interop", "count", "5"]).await, "count = 5\n");
    qt.expect("invoked pushCount", is("invoked", "slot", "pushCount")).await;
    assert_eq!(run_ok(&["set", &url, "Interop", "text", "from qtro"]).await, "text = \"from qtro\"\n");
    let w = qt.expect("written text", is("written", "name", "text")).await;
    assert_eq!(w["value"], "from qtro");
    assert_eq!(run_ok(&["set", &url, "Interop", "color", "Blue"]).await, "color = Blue\n");
    assert_eq!(
        run_ok(&["set", &url, "Interop", "settings", r#"{"a": 1, "b": [true, "x"], "c": 2.5}"#]).await,
        "settings = {\"a\": 1, \"b\": [true, \"x\"], \"c\": 2.5}\n"
    );
    assert_eq!(run_ok(&["set", &url, "Interop", "blob", "hex:00ff"]).await, "blob = hex:00ff\n");
    assert_eq!(qt.command("get blob").await["value"], json!({"$type": "QByteArray", "base64": "AP8="}));
    run_fails(&["set", &url, "Interop", "flag", "false", "--timeout", "2s"], 8).await;
    assert_eq!(run_ok(&["call", &url, "Interop", "add", "2", "3"]).await, "5\n");
    assert_eq!(run_ok(&["call", &url, "Interop", "echo", "héllo ✓"]).await, "\"héllo ✓\"\n");
    assert_eq!(
        run_ok(&["call", &url, "Interop", "scale", "2", "1.25"]).await,
        "2.5\n",
        "ints converted to the declared doubles"
    );
    qt.expect("invoked scale", is("invoked", "slot", "scale")).await;
    run_fails(&["call", &url, "Interop", "scale", "2"], 6).await;
    run_fails(&["call", &url, "Interop", "nope"], 5).await;
    run_fails(&["get", &url, "Simple", "value"], 4).await;

    // watch: Qt's changes and signals as JSON lines.
    let mut w = Proc::spawn(&["watch", &url, "Interop", "--json", "--count", "4"]);
    let init = w.expect_json("init", |j| j["event"] == "init").await;
    assert_eq!(init["properties"]["count"], 5);
    w.expect_json("state", |j| j["event"] == "state" && j["state"] == "Valid").await;
    qt.command("set ratio 0.25").await;
    let p = w.expect_json("property", |j| j["event"] == "property").await;
    assert_eq!(p, json!({"event": "property", "name": "ratio", "type": "double", "value": 0.25}));
    qt.command(r#"emit fired [7, "boom"]"#).await;
    let s = w.expect_json("signal", |j| j["event"] == "signal").await;
    assert_eq!(s["args"], json!([7, "boom"]));
    assert_eq!(w.wait().await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qt_plain_object_over_a_local_socket() {
    let url = format!("local:qtro_cli_plain_{}", std::process::id());
    let (_qt, _ready) = QtPeer::start(&["source-plain", "--url", &url]).await;
    let list = run_ok(&["list", &url]).await;
    assert!(list.lines().any(|l| l.starts_with("Plain ") && l.contains(" - ")), "no type, no signature: {list}");
    let text = run_ok(&["describe", &url, "Plain"]).await;
    assert!(text.starts_with("Plain (type -, signature -,"), "{text}");
    assert!(text.contains("[7] QString label = \"plain\"") && text.contains("(constant)"), "{text}");
    let rep = run_ok(&["describe", &url, "Plain", "--format", "rep"]).await;
    let file = qtro_rs::rep::parse(&rep).unwrap_or_else(|e| panic!("{e}\n{rep}"));
    assert_eq!(file.classes[0].name, "Plain");
    assert_eq!(run_ok(&["get", &url, "Plain", "mode"]).await, "Off\n");
    assert_eq!(run_ok(&["set", &url, "Plain", "mode", "Auto"]).await, "mode = Auto\n");
    assert_eq!(run_ok(&["call", &url, "Plain", "multiply", "6", "7"]).await, "42\n");
    assert_eq!(run_ok(&["call", &url, "Plain", "identity", "[1, \"a\"]"]).await, "[1, \"a\"]\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_and_use_a_qt_registry() {
    let (_reg, ready) = QtPeer::start(&["registry", "--url", "tcp://127.0.0.1:0"]).await;
    let reg = ready["url"].as_str().unwrap().to_owned();
    let (_src, ready) =
        QtPeer::start(&["source-static", "Simple", "--url", "tcp://127.0.0.1:0", "--registry", &reg]).await;
    let host = ready["url"].as_str().unwrap().to_owned();
    let deadline = tokio::time::Instant::now() + T;
    let entries = loop {
        let j = run(&["list", &reg, "--json"]).await.json();
        if j.iter().any(|e| e["name"] == "Simple") || tokio::time::Instant::now() > deadline {
            break j;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert_eq!(entries[0]["name"], "Registry");
    let simple = entries.iter().find(|e| e["name"] == "Simple").expect("Simple registered");
    assert_eq!(simple["url"], host.as_str());
    assert_eq!(simple["signature"], SIMPLE_SIG);
    assert_eq!(simple["source"], "registry");
    assert_eq!(run_ok(&["call", &reg, "Simple", "add", "40", "2"]).await, "42\n", "found through the registry");
    let d = &run(&["describe", &reg, "Simple", "--json"]).await.json()[0];
    assert_eq!(d["url"], host.as_str());
    assert_eq!(d["registry"], reg.as_str());
    run_fails(&["get", &reg, "Nope", "x"], 4).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_a_rep_class_to_qt_replicas() {
    let mut serve = Proc::spawn(&[
        "serve",
        INTEROP_REP,
        "--class",
        "Interop",
        "--url",
        "tcp://127.0.0.1:0",
        "--reply",
        "add=42",
        "--set",
        "count=3",
    ]);
    let url = ready_url(&serve.line().await);

    // A repc-generated Qt replica accepts the signature and sees the initial values.
    let (mut qt, _) = QtPeer::start(&["replica-static", "Interop", "--url", &url]).await;
    qt.expect("valid", is("state", "state", "Valid")).await;
    assert_eq!(qt.command("get count").await["value"], 3);
    serve.expect("acquired", |l| l == "acquired by connection 1 (static)").await;
    qt.command("call 1 add [2,3]").await;
    assert_eq!(qt.expect("reply", reply(1)).await["value"], 42);
    serve.expect("invoked", |l| l == "invoked add(2, 3) -> 42").await;
    qt.command("call 2 echo [\"x\"]").await;
    assert_eq!(
        qt.expect("reply", |e| e["event"] == "reply" && e["id"] == 2).await["value"],
        "",
        "default reply of a QString slot"
    );
    serve.expect("invoked echo", |l| l == "invoked echo(\"x\") -> \"\"").await;
    qt.command("set text \"from qt\"").await;
    serve.expect("written", |l| l == "written text = \"from qt\"").await;
    qt.command("set count 8").await;
    serve.expect("written count", |l| l == "written count = 8").await;

    // Scripted changes reach the Qt replica.
    serve.send("set ratio 0.5").await;
    assert_eq!(serve.line().await, "ok set ratio = 0.5");
    assert_eq!(qt.expect("ratio", is("property", "name", "ratio")).await["value"], 0.5);
    serve.send("set color Red").await;
    assert_eq!(serve.line().await, "ok set color = Red");
    assert_eq!(qt.expect("color", is("property", "name", "color")).await["value"], 0);
    serve.send("emit fired 7 \"boom\"").await;
    assert_eq!(serve.line().await, "ok emit fired(7, \"boom\")");
    let sig = qt.expect("fired", is("signal", "name", "fired")).await;
    assert_eq!(sig["args"], json!([7, "boom"]));

    // A dynamic Qt replica learns the interface from the served definition.
    let (mut dynq, _) = QtPeer::start(&["replica-dynamic", "--url", &url, "--name", "Interop"]).await;
    let iface = dynq.expect("interface", |e| e["event"] == "interface").await;
    assert_eq!(iface["typeName"], "Interop");
    dynq.command("call 5 scale [2.0, 3.0]").await;
    assert_eq!(dynq.expect("reply", reply(5)).await["value"], 0);
    serve.expect("invoked scale", |l| l == "invoked scale(2.0, 3.0) -> 0.0").await;
    serve.send("quit").await;
    serve.expect("quit", |l| l == "ok quit").await;
    assert_eq!(serve.wait().await, 0);
    qt.expect("suspect", is("state", "state", "Suspect")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tap_between_a_qt_source_and_a_qt_replica() {
    let (mut src, ready) = QtPeer::start(&["source-static", "Interop", "--url", "tcp://127.0.0.1:0"]).await;
    let upstream = ready["url"].as_str().unwrap().to_owned();
    let capture = std::env::temp_dir().join(format!("qtro_cli_qt_tap_{}.jsonl", std::process::id()));
    let mut tap = Proc::spawn(&[
        "tap",
        "--listen",
        "tcp://127.0.0.1:0",
        "--upstream",
        &upstream,
        "--save",
        capture.to_str().unwrap(),
    ]);
    let tap_url = ready_url(&tap.line().await);

    let (mut qt, _) = QtPeer::start(&["replica-static", "Interop", "--url", &tap_url]).await;
    qt.expect("valid", is("state", "state", "Valid")).await;
    qt.command("call 1 add [2,3]").await;
    assert_eq!(qt.expect("reply", reply(1)).await["value"], 5);
    qt.command("set count 9").await;
    qt.expect("count", is("property", "name", "count")).await;
    qt.command("set text \"tapped\"").await;
    qt.expect("text", is("property", "name", "text")).await;
    src.command(r#"emit fired [3, "x"]"#).await;
    qt.expect("fired", is("signal", "name", "fired")).await;

    tap.expect_all(&[
        "#1 open",
        "#1 <- Handshake \"QtRO 2.0\"",
        "#1 <- ObjectList Interop (f417ff03…)",
        "#1 -> AddObject Interop (static)",
        "learned the interface of Interop (dynamic replica on the side)",
        "#1 <- Init Interop {count = 0, text = \"hello\", ratio = 1.5, flag = true, blob = null, tags = [], settings = {}, color = Green, revision = 7}",
        "#1 -> Invoke Interop.add(2, 3) #1",
        "#1 <- InvokeReply Interop.add #1 = 5",
        "#1 -> Invoke Interop.pushCount(9)",
        "#1 <- PropertyChange Interop.count = 9",
        "#1 <- Signal Interop.countChanged(9) (notify: count)",
        "#1 -> WriteProperty Interop.text = \"tapped\"",
        "#1 <- PropertyChange Interop.text = \"tapped\"",
        "#1 <- Signal Interop.fired(3, \"x\")",
    ])
    .await;
    qt.command("quit").await;
    tap.expect("closed", |l| l == "#1 closed").await;
    let live = tap.kill().await;
    let replayed = run_ok(&["replay", capture.to_str().unwrap()]).await;
    let live_lines: Vec<&str> = live.iter().skip(1).map(String::as_str).collect();
    let replayed_lines: Vec<&str> = replayed.lines().collect();
    assert!(live_lines.len() >= 15 && replayed_lines.len() >= live_lines.len(), "{replayed}");
    assert_eq!(&replayed_lines[..live_lines.len()], &live_lines[..], "replay differs from the live output");
    let _ = std::fs::remove_file(capture);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qt5_peers() {
    let (_qt, ready) = QtPeer::start_with(5, &["source-static", "Interop", "--url", "tcp://127.0.0.1:0"]).await;
    let url = ready["url"].as_str().unwrap().to_owned();
    // The dialect is detected from the handshake; --qt5 insists on it.
    let list = run_ok(&["list", &url]).await;
    assert!(list.contains(INTEROP_SIG_QT5), "{list}");
    assert_eq!(run(&["list", &url, "--qt5", "--json"]).await.json()[0]["signature"], INTEROP_SIG_QT5);
    assert_eq!(run_ok(&["get", &url, "Interop", "color"]).await, "Green\n");
    assert_eq!(run_ok(&["call", &url, "Interop", "scale", "3", "2"]).await, "6.0\n");
    assert_eq!(run_ok(&["set", &url, "Interop", "tags", "[a, b]"]).await, "tags = [\"a\", \"b\"]\n");
    let rep = run_ok(&["describe", &url, "Interop", "--format", "rep"]).await;
    let file = qtro_rs::rep::parse(&rep).unwrap();
    assert_eq!(qtro_rs::rep::signature_qt5(&file, "Interop").as_deref(), Some(INTEROP_SIG_QT5), "{rep}");
    assert!(
        stock_repc("/usr/lib/qt5/bin/repc", &rep, "qt5").contains(INTEROP_SIG_QT5),
        "repc 5.15 computes the same signature"
    );
    assert_eq!(
        run_ok(&["get", &url, "Interop", "count", "--rep", INTEROP_REP]).await,
        "0\n",
        "static replica, Qt 5 signature"
    );

    // Through a tap (dialect detected there too).
    let mut tap = Proc::spawn(&["tap", "--listen", "tcp://127.0.0.1:0", "--upstream", &url]);
    let tap_url = ready_url(&tap.line().await);
    assert_eq!(run_ok(&["call", &tap_url, "Interop", "add", "1", "2"]).await, "3\n");
    tap.expect_all(&[
        "#1 <- Handshake \"QtRO 1.3\"",
        "#2 -> Invoke Interop.add(1, 2) #1",
        "#2 <- InvokeReply Interop.add #1 = 3",
    ])
    .await;
    tap.kill().await;

    // A Qt 5 repc replica accepts a source served with --qt5.
    let mut serve = Proc::spawn(&[
        "serve",
        INTEROP_REP,
        "--class",
        "Interop",
        "--url",
        "tcp://127.0.0.1:0",
        "--qt5",
        "--reply",
        "add=7",
    ]);
    let ready = serve.line().await;
    assert!(ready.contains(INTEROP_SIG_QT5), "{ready}");
    let (mut qt5, _) = QtPeer::start_with(5, &["replica-static", "Interop", "--url", &ready_url(&ready)]).await;
    qt5.expect("valid", is("state", "state", "Valid")).await;
    qt5.command("call 1 add [1,1]").await;
    assert_eq!(qt5.expect("reply", reply(1)).await["value"], 7);
    serve.send("quit").await;
    serve.expect("quit", |l| l == "ok quit").await;
}
