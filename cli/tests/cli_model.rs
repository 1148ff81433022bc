//! `qtro model dump/watch/serve` and models in `list`/`describe`, against Rust peers started in
//! this process (qtro_rs `Node::enable_model` and `Node::acquire_model`).

use std::time::Duration;

use qtro_rs::core::model::{Cell, ModelIndex, Row, TreeModel};
use qtro_rs::core::Value;
use qtro_rs::node::{ModelHost, ModelOptions, ModelReplica, ModelReplicaOptions, Node};
use serde_json::json;

mod cli_support;
use cli_support::*;

const TREE: &str = r#"[
  {"display": "a", "rank": 1, "children": [{"display": "a0", "rank": 10},
                                           {"display": "a1", "rank": 11, "children": [{"display": "a1x"}]}]},
  {"display": "b", "rank": 2},
  {"display": "c", "rank": 3, "toolTip": "see"}
]"#;

fn ix(row: i32, column: i32) -> ModelIndex {
    ModelIndex::new(row, column)
}

/// A Rust host serving `Tree` (TREE), `Table` (1000 rows × 2 columns) and a plain object.
async fn model_host() -> (Node, String, ModelHost<TreeModel>, ModelHost<TreeModel>) {
    let node = Node::new();
    let url = node.listen("tcp://127.0.0.1:0").await.unwrap();
    let tree = node.enable_model("Tree", TreeModel::from_json(TREE).unwrap(), ModelOptions::default()).unwrap();
    let mut table = TreeModel::new(&[(0, "display"), (257, "rank")], 2);
    let rows: Vec<Row> = (0..1000)
        .map(|i| Row::new(vec![Cell::new(format!("r{i}")).with(257, i), Cell::new(format!("v{i}"))]))
        .collect();
    table.insert_rows(&[], 0, rows).unwrap();
    let table = node.enable_model("Table", table, ModelOptions::default()).unwrap();
    let plain = qtro_rs::core::ClassBuilder::new("Plain")
        .property("n", "int", qtro_rs::core::PropertyMode::ReadOnly, Value::Int(1))
        .build();
    node.enable_source_without_slots("Plain", plain).unwrap();
    (node, url, tree, table)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dump_a_rust_tree_as_text_and_json() {
    let (_node, url, _tree, _table) = model_host().await;
    let text = run_ok(&["model", "dump", &url, "Tree"]).await;
    assert_eq!(
        text,
        "Tree: 3 rows × 1 columns, roles display=0, toolTip=3, rank=256\n\
         [0] display=\"a\" rank=1\n\
         \x20 [0/0] display=\"a0\" rank=10\n\
         \x20 [0/1] display=\"a1\" rank=11\n\
         \x20   [0/1/0] display=\"a1x\"\n\
         [1] display=\"b\" rank=2\n\
         [2] display=\"c\" toolTip=\"see\" rank=3\n"
    );
    // --rows 0..1: one child at most under each row.
    let text = run_ok(&["model", "dump", &url, "Tree", "--roles", "display", "--rows", "0..1"]).await;
    assert_eq!(
        text,
        "Tree: 3 rows × 1 columns, roles display=0\n[0] \"a\"\n  [0/0] \"a0\"\n  ... 1 more rows under [0]\n"
    );
    let j = &run(&["model", "dump", &url, "Tree", "--json", "--roles", "display", "--rows", "0"]).await.json()[0];
    assert_eq!(
        j["items"],
        json!([{"row": 0, "cells": [{"display": "a"}], "children": [{"row": 0, "cells": [{"display": "a0"}]}], "moreChildren": 1}])
    );
    // One role: the bare value; --depth 0 and --rows.
    let text = run_ok(&["model", "dump", &url, "Tree", "--roles", "display", "--depth", "0", "--rows", "1.."]).await;
    assert_eq!(text, "Tree: 3 rows × 1 columns, roles display=0\n[1] \"b\"\n[2] \"c\"\n");
    let text = run_ok(&["model", "dump", &url, "Tree", "--roles", "user+0,3", "--depth", "0"]).await;
    assert!(text.contains("[0] rank=1  (+children)\n") && text.contains("[2] rank=3 toolTip=\"see\"\n"), "{text}");
    assert!(run_ok(&["model", "dump", &url, "Tree", "--depth", "0"])
        .await
        .contains("[0] display=\"a\" rank=1  (+children)"));

    let j = run(&["model", "dump", &url, "Tree", "--json", "--depth", "1", "--roles", "display,rank"]).await.json();
    assert_eq!(
        j,
        vec![json!({"name": "Tree", "roles": {"display": 0, "rank": 256}, "columns": 1, "rows": 3, "items": [
            {"row": 0, "cells": [{"display": "a", "rank": 1}], "children": [
                {"row": 0, "cells": [{"display": "a0", "rank": 10}]},
                {"row": 1, "cells": [{"display": "a1", "rank": 11}], "hasChildren": true}]},
            {"row": 1, "cells": [{"display": "b", "rank": 2}]},
            {"row": 2, "cells": [{"display": "c", "rank": 3}]}]})]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dump_fetches_only_the_rows_asked_for() {
    let (_node, url, _tree, table) = model_host().await;
    let j = &run(&["model", "dump", &url, "Table", "--json", "--rows", "500..503"]).await.json()[0];
    assert_eq!(j["rows"], 1000);
    assert_eq!(
        j["items"],
        json!([
            {"row": 500, "cells": [{"display": "r500", "rank": 500}, {"display": "v500"}]},
            {"row": 501, "cells": [{"display": "r501", "rank": 501}, {"display": "v501"}]},
            {"row": 502, "cells": [{"display": "r502", "rank": 502}, {"display": "v502"}]}
        ])
    );
    assert_eq!(table.served_cells(), 6, "3 rows × 2 columns served, nothing more");
    // `..`: every row, in windows.
    let text = run_ok(&["model", "dump", &url, "Table", "--rows", "..", "--roles", "display"]).await;
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1001);
    assert_eq!(lines[1000], "[999] \"r999\" | \"v999\"");
    assert_eq!(table.served_cells(), 6 + 2000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn models_in_list_and_describe() {
    let (_node, url, _tree, _table) = model_host().await;
    let list = run_ok(&["list", &url]).await;
    assert!(
        list.lines().any(|l| l.starts_with("Table") && l.contains("model (roles display=0, rank=257; 1000×2)")),
        "{list}"
    );
    assert!(list.lines().any(|l| l.starts_with("Plain") && !l.contains("model")), "{list}");
    let j = run(&["list", &url, "--json"]).await.json();
    let tree = j.iter().find(|e| e["name"] == "Tree").unwrap();
    assert_eq!(tree["model"], json!({"roles": {"display": 0, "toolTip": 3, "rank": 256}, "rows": 3, "columns": 1}));
    assert_eq!(tree["type"], "QAbstractItemModelAdapter");
    let text = run_ok(&["describe", &url, "Table"]).await;
    assert_eq!(
        text,
        format!("Table (item model, at {url}, Qt 6)\nroles: display=0, rank=257\nsize: 1000 rows × 2 columns\n")
    );
    let j = &run(&["describe", &url, "Tree", "--json"]).await.json()[0];
    assert_eq!(
        (j["model"].clone(), j["rows"].clone(), j["roles"]["rank"].clone()),
        (json!(true), json!(3), json!(256))
    );
    run_fails(&["describe", &url, "Tree", "--format", "rep"], 2).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn model_errors_have_their_exit_codes() {
    let (_node, url, _tree, _table) = model_host().await;
    let e = run_fails(&["model", "dump", &url, "Tree", "--roles", "display,nope"], 5).await;
    assert!(e.contains("no role \"nope\"") && e.contains("rank=256"), "{e}");
    let e = run_fails(&["model", "dump", &url, "Tree", "--roles", "decoration"], 5).await;
    assert!(e.contains("does not serve role decoration"), "{e}");
    let e = run_fails(&["model", "dump", &url, "Plain"], 4).await;
    assert!(e.contains("\"Plain\"") && e.contains("is not an item model"), "{e}");
    let e = run_fails(&["model", "dump", &url, "Nope"], 4).await;
    assert!(e.contains("does not offer an object \"Nope\""), "{e}");
    run_fails(&["model", "watch", &url, "Plain"], 4).await;
    let e = run_fails(&["model", "dump", &url, "Tree", "--rows", "5..2"], 2).await;
    assert!(e.contains("bad --rows"), "{e}");
    let e = run_fails(&["model", "dump", &url.replace("tcp://", ""), "Tree"], 2).await;
    assert!(e.contains("did you mean tcp://"), "{e}");
    run_fails(&["model", "dump", &format!("tcp://127.0.0.1:{}", closed_port()), "Tree"], 3).await;
    let e = run_fails(&["model", "dump", &url, "Tree", "--json", "--roles", "nope"], 5).await;
    assert_eq!(serde_json::from_str::<serde_json::Value>(e.trim()).unwrap()["error"], "unknown-member");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_prints_changes_with_their_values() {
    let (_node, url, tree, _table) = model_host().await;
    let mut w = Proc::spawn(&["model", "watch", &url, "Tree"]);
    assert_eq!(w.line().await, "init 3 rows × 1 columns, roles display=0, toolTip=3, rank=256");
    // Each change once it is seen, one at a time (the line shows the values cached then).
    tree.set_data(&[ix(1, 0)], 0, Value::string("B!")).unwrap();
    assert_eq!(w.expect("changed", |l| l.starts_with("changed")).await, "changed 1 display=\"B!\" rank=2");
    tree.insert_rows(&[], 1, vec![tree.with(|m| m.row_from_json(r#"{"display": "new", "rank": 9}"#)).unwrap()])
        .unwrap();
    assert_eq!(w.line().await, "inserted 1..1 under -: [1] display=\"new\" rank=9");
    tree.remove_rows(&[], 0, 1).unwrap();
    assert_eq!(w.line().await, "removed 0..0 under -");
    // Under a row whose children were never fetched: the replica knows no such parent, no line.
    tree.insert_rows(&[ix(0, 0)], 0, vec![Row::of(["kid"])]).unwrap();
    tree.set_data(&[ix(2, 0)], 256, Value::Int(33)).unwrap();
    assert_eq!(
        w.expect("changed", |l| l.starts_with("changed")).await,
        "changed 2 display=\"c\" toolTip=\"see\" rank=33"
    );
    w.kill().await;

    let mut w = Proc::spawn(&["model", "watch", &url, "Tree", "--json", "--roles", "display", "--count", "3"]);
    let init = w.expect_json("init", |j| j["event"] == "init").await;
    assert_eq!(init, json!({"event": "init", "rows": 3, "columns": 1, "roles": {"display": 0}}));
    tree.move_rows(&[], 0, 1, &[], 3).unwrap();
    let m = w.expect_json("moved", |j| j["event"] == "moved").await;
    assert_eq!(m, json!({"event": "moved", "parent": [], "first": 0, "last": 0, "destination": [], "row": 3}));
    tree.set_data(&[ix(0, 0)], 0, Value::string("first")).unwrap();
    let c = w.expect_json("changed", |j| j["event"] == "changed").await;
    assert_eq!(c, json!({"event": "changed", "cells": [{"index": [[0, 0]], "values": {"display": "first"}}]}));
    assert_eq!(w.wait().await, 0, "--count 3: init and two changes");
}

/// The rows of `parent` as a Rust replica sees them (display role), fetched.
async fn rows_seen(m: &ModelReplica, parent: &[ModelIndex]) -> Vec<String> {
    tokio::time::timeout(T, async {
        loop {
            if let Some(n) = m.row_count(parent) {
                if m.fetch(parent, 0..n, T).await.is_ok() {
                    let v: Vec<String> = (0..n)
                        .map(|r| {
                            let mut p = parent.to_vec();
                            p.push(ix(r, 0));
                            match m.data(&p, 0) {
                                qtro_rs::core::model::Lookup::Cached(v) => v.as_str().unwrap_or("?").to_owned(),
                                other => format!("{other:?}"),
                            }
                        })
                        .collect();
                    if m.row_count(parent) == Some(n) {
                        return v;
                    }
                }
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("rows fetched")
}

/// Waits until a Rust replica sees `want` under `parent`.
async fn wait_rows(m: &ModelReplica, parent: &[ModelIndex], want: &[&str]) {
    let deadline = tokio::time::Instant::now() + T;
    loop {
        let seen = rows_seen(m, parent).await;
        if seen == want {
            return;
        }
        assert!(tokio::time::Instant::now() < deadline, "replica sees {seen:?}, expected {want:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_a_json_file_to_a_rust_replica() {
    let dir = std::env::temp_dir();
    let file = dir.join(format!("qtro_cli_model_{}.json", std::process::id()));
    std::fs::write(&file, TREE).unwrap();
    let mut s = Proc::spawn(&[
        "model",
        "serve",
        file.to_str().unwrap(),
        "--url",
        "tcp://127.0.0.1:0",
        "--name",
        "T",
        "--selection",
    ]);
    let ready = s.line().await;
    assert!(
        ready.starts_with("serving model T (3 rows × 1 columns, roles display=0, toolTip=3, rank=256) at tcp://"),
        "{ready}"
    );
    let url = ready_url(&ready);

    let node = Node::new();
    let m = node.acquire_model("T", ModelReplicaOptions::default());
    node.connect_to(&url).unwrap();
    m.wait_initialized(T).await.unwrap();
    assert_eq!(m.available_roles(), vec![0, 3, 256]);
    wait_rows(&m, &[], &["a", "b", "c"]).await;
    wait_rows(&m, &[ix(0, 0)], &["a0", "a1"]).await;

    s.send(r#"insert - 1 {"display": "new", "rank": 9}"#).await;
    assert_eq!(s.line().await, "ok insert - 1");
    wait_rows(&m, &[], &["a", "new", "b", "c"]).await;
    s.send("remove - 2").await;
    assert_eq!(s.line().await, "ok remove - 2 1");
    wait_rows(&m, &[], &["a", "new", "c"]).await;
    s.send("move - 0 1 - 3").await;
    assert_eq!(s.line().await, "ok move - 0 1 - 3");
    wait_rows(&m, &[], &["new", "c", "a"]).await;
    s.send(r#"set 2/1 0 display "A1!""#).await;
    assert_eq!(s.line().await, "ok set 2/1 display = \"A1!\"");
    wait_rows(&m, &[ix(2, 0)], &["a0", "A1!"]).await;
    s.send(r#"insert 2/1 0 ["deep"]"#).await;
    assert_eq!(s.line().await, "ok insert 2/1 0");
    wait_rows(&m, &[ix(2, 0), ix(1, 0)], &["deep", "a1x"]).await;

    // A replica's write, and the current index both ways.
    m.set_data(&[ix(0, 0)], Value::string("by replica"), 0).unwrap();
    let written = s.line().await;
    assert!(written.starts_with("written 0 display = \"by replica\" (connection "), "{written}");
    s.send("current 1").await;
    assert_eq!(s.line().await, "ok current 1");

    // Bad script lines: a clear message, and the script goes on.
    for (line, want) in [
        ("set 0 0 nope 1", "error: set: the model has no role \"nope\""),
        ("set 9 0 display 1", "error: set: no item at [9,0]"),
        ("insert - 0 {", "error: insert: malformed model JSON"),
        ("remove x 0", "error: remove: bad path \"x\""),
        ("move - 0", "error: move: usage: move PATH ROW COUNT DSTPATH DSTROW"),
        ("frob", "error: frob: unknown command \"frob\" (try help)"),
    ] {
        s.send(line).await;
        let got = s.line().await;
        assert!(got.starts_with(want), "{line}: {got}");
    }
    s.send("quit").await;
    assert_eq!(s.line().await, "ok quit");
    assert_eq!(s.wait().await, 0);
    let _ = std::fs::remove_file(file);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_rejects_bad_files() {
    let dir = std::env::temp_dir();
    let bad = dir.join(format!("qtro_cli_model_bad_{}.json", std::process::id()));
    std::fs::write(&bad, r#"{"rows": [{"cells": [{"nope": 1}]}]}"#).unwrap();
    let e = run_fails(&["model", "serve", bad.to_str().unwrap(), "--url", "tcp://127.0.0.1:0"], 7).await;
    assert!(e.contains("unknown role \"nope\""), "{e}");
    std::fs::write(&bad, TREE).unwrap();
    let e = run_fails(
        &["model", "serve", bad.to_str().unwrap(), "--url", "tcp://127.0.0.1:0", "--roles", "display,zzz"],
        5,
    )
    .await;
    assert!(e.contains("no role \"zzz\""), "{e}");
    run_fails(&["model", "serve", "/nonexistent.json", "--url", "tcp://127.0.0.1:0"], 1).await;
    let _ = std::fs::remove_file(bad);
}
