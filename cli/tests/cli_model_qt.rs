//! `qtro model dump/watch/serve` against stock Qt 6 peers (qt-interop/peers): a Qt
//! `model-source` (QStandardItemModel table and tree, the 100 000-row `big` list model) dumped
//! and watched, and a `qtro model serve` walked and changed under a Qt `model-replica`.

use serde_json::{json, Value as Json};

mod cli_support;
#[path = "../../tests/common/mod.rs"]
mod common;
use cli_support::*;
use common::qt_peer::QtPeer;

/// The display values of a Qt peer dump (`dump`/`walk`): `[{"cells": [...], "children": [...]}]`.
fn qt_display(model: &Json) -> Json {
    let items = model["items"].as_array().cloned().unwrap_or_default();
    Json::Array(
        items
            .iter()
            .map(|i| {
                let cells: Vec<Json> = i["cells"].as_array().unwrap().iter().map(|c| c["data"]["0"].clone()).collect();
                let mut j = json!({"row": i["row"], "cells": cells});
                if i["children"].is_object() {
                    j["children"] = qt_display(&i["children"]);
                }
                j
            })
            .collect(),
    )
}

/// The same shape from `qtro model dump --json --roles display` items.
fn our_display(items: &Json) -> Json {
    Json::Array(
        items
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                let cells: Vec<Json> = i["cells"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| c.get("display").cloned().unwrap_or(Json::Null))
                    .collect();
                let mut j = json!({"row": i["row"], "cells": cells});
                if let Some(ch) = i.get("children") {
                    j["children"] = our_display(ch);
                }
                j
            })
            .collect(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dump_a_qt_table_and_tree() {
    let (mut qt, ready) = QtPeer::start(&["model-source", "table", "--url", "tcp://127.0.0.1:0", "--rows", "12"]).await;
    let url = ready["url"].as_str().unwrap().to_owned();
    let source = qt.command("dump").await;

    // Text: the display role of a QStandardItemModel, children indented, headers.
    let text = run_ok(&["model", "dump", &url, "Model", "--roles", "display", "--rows", "0..2", "--headers"]).await;
    assert_eq!(
        text,
        "Model: 12 rows × 2 columns, roles display=0\n\
         headers: \"Column 0\" | \"Column 1\"\n\
         [0] \"row 0\" | \"value 0\"\n\
         \x20 [0/0] \"child 1 level 2\" | \"child 2 level 2\"\n\
         \x20   [0/0/0] \"child 1 level 1\" | \"child 2 level 1\"\n\
         [1] \"row 1\" | \"value 1\"\n"
    );
    // Every role served (display, background = 8, UserRole-1 = 255): the brush of even rows.
    let text = run_ok(&["model", "dump", &url, "Model", "--rows", "2", "--depth", "0"]).await;
    assert!(
        text.starts_with("Model: 12 rows × 2 columns, roles display=0, 8, 255\n[2] display=\"row 2\" 8="),
        "{text}"
    );

    // JSON: the whole table equals the source's own dump.
    let j = &run(&["model", "dump", &url, "Model", "--json", "--roles", "display", "--rows", ".."]).await.json()[0];
    assert_eq!((j["rows"].clone(), j["columns"].clone()), (json!(12), json!(2)));
    assert_eq!(our_display(&j["items"]), qt_display(&source["model"]));
    let j = &run(&["model", "dump", &url, "Model", "--json", "--headers", "--roles", "0,255", "--rows", "3"])
        .await
        .json()[0];
    assert_eq!(j["roles"], json!({"display": 0, "255": 255}));
    assert_eq!(j["headers"]["horizontal"], json!([{"display": "Column 0"}, {"display": "Column 1"}]));
    assert_eq!(j["items"][0]["cells"][1], json!({"display": "value 3"}));
    drop(qt);

    let (mut qt, ready) = QtPeer::start(&["model-source", "tree", "--url", "tcp://127.0.0.1:0"]).await;
    let url = ready["url"].as_str().unwrap().to_owned();
    let source = qt.command("dump").await;
    let j = &run(&["model", "dump", &url, "Model", "--json", "--roles", "display"]).await.json()[0];
    assert_eq!(our_display(&j["items"]), qt_display(&source["model"]), "the whole tree, every level");
    // Row 1 of the tree has two children: `--rows 1` prints one of them, `--rows 1..` both.
    assert_eq!(source["model"]["items"][1]["children"]["rows"], 2);
    let text = run_ok(&["model", "dump", &url, "Model", "--roles", "display", "--rows", "1", "--depth", "1"]).await;
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[1..],
        [
            "[1] \"node 1\" | \"depth 0\"",
            "  [1/0] \"node 1.0\" | \"depth 1\"  (+children)",
            "  ... 1 more rows under [1]"
        ]
    );
    let text = run_ok(&["model", "dump", &url, "Model", "--roles", "display", "--rows", "1..", "--depth", "1"]).await;
    let lines: Vec<&str> = text.lines().take_while(|l| !l.starts_with("[2]")).collect();
    assert_eq!(
        lines[2..],
        ["  [1/0] \"node 1.0\" | \"depth 1\"  (+children)", "  [1/1] \"node 1.1\" | \"depth 1\"  (+children)"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dump_windows_of_a_100k_row_qt_model_fetch_only_those_rows() {
    let (mut qt, ready) = QtPeer::start(&["model-source", "big", "--url", "tcp://127.0.0.1:0"]).await;
    let url = ready["url"].as_str().unwrap().to_owned();
    assert_eq!(ready["rows"], 100_000);
    qt.command("stats clear").await;
    let j = &run(&["model", "dump", &url, "Model", "--json", "--rows", "50000..50010"]).await.json()[0];
    assert_eq!(j["rows"], 100_000);
    let items = j["items"].as_array().unwrap();
    assert_eq!(items.len(), 10);
    let stats = qt.command("stats").await;
    assert_eq!(stats["rowsTouched"], 10, "only the rows asked for were read: {stats}");
    for (i, item) in items.iter().enumerate() {
        let id = 50_000 + i;
        assert_eq!(item["row"], id);
        assert_eq!(item["cells"], json!([{"display": format!("item {id}"), "rank": id * 10}]));
    }
    qt.command("stats clear").await;
    let text = run_ok(&["model", "dump", &url, "Model", "--rows", "99995..", "--roles", "rank"]).await;
    assert_eq!(text.lines().nth(1), Some("[99995] 999950"));
    assert_eq!(text.lines().count(), 6);
    assert_eq!(qt.command("stats").await["rowsTouched"], 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_a_json_file_to_a_qt_model_replica() {
    let file = std::env::temp_dir().join(format!("qtro_cli_model_qt_{}.json", std::process::id()));
    std::fs::write(
        &file,
        r#"[{"display": "a", "children": [{"display": "a0"}, {"display": "a1"}]},
            {"display": "b"}, {"display": "c"}, {"display": "d"}, {"display": "e"}]"#,
    )
    .unwrap();
    let mut s =
        Proc::spawn(&["model", "serve", file.to_str().unwrap(), "--url", "tcp://127.0.0.1:0", "--name", "Files"]);
    let url = ready_url(&s.line().await);
    let (mut qt, _) = QtPeer::start(&["model-replica", "Files", "--url", &url]).await;
    let walk = |m: &Json| qt_display(m);
    let w = qt.command("walk").await;
    assert_eq!(w["model"]["roles"], json!([0]));
    assert_eq!(
        walk(&w["model"]),
        json!([{"row": 0, "cells": ["a"], "children": [{"row": 0, "cells": ["a0"]}, {"row": 1, "cells": ["a1"]}]},
               {"row": 1, "cells": ["b"]}, {"row": 2, "cells": ["c"]}, {"row": 3, "cells": ["d"]}, {"row": 4, "cells": ["e"]}])
    );

    // Script changes, each seen by the Qt replica (its own signals, then its walk).
    let names = |w: &Json| -> Vec<Json> {
        walk(&w["model"]).as_array().unwrap().iter().map(|i| i["cells"][0].clone()).collect()
    };
    s.send(r#"insert - 1 {"display": "new"}"#).await;
    assert_eq!(s.line().await, "ok insert - 1");
    let e = qt.expect("rowsInserted", |e| e["event"] == "rowsInserted").await;
    assert_eq!((e["first"].clone(), e["last"].clone(), e["parent"].clone()), (json!(1), json!(1), json!([])));
    assert_eq!(names(&qt.command("walk").await), json!(["a", "new", "b", "c", "d", "e"]).as_array().unwrap().clone());
    s.send("remove - 2 2").await;
    assert_eq!(s.line().await, "ok remove - 2 2");
    qt.expect("rowsRemoved", |e| e["event"] == "rowsRemoved" && e["first"] == 2 && e["last"] == 3).await;
    assert_eq!(names(&qt.command("walk").await), json!(["a", "new", "d", "e"]).as_array().unwrap().clone());
    // A move Qt's replica follows: it re-fetches only root rows first..=first+last and
    // row..=row+last after a move (peers/README.md, findings, risk 3), here 1..=2 and 3..=4.
    s.send("move - 1 1 - 3").await;
    assert_eq!(s.line().await, "ok move - 1 1 - 3");
    qt.expect("rowsMoved", |e| e["event"] == "rowsMoved" && e["first"] == 1 && e["last"] == 1 && e["row"] == 3).await;
    assert_eq!(names(&qt.command("walk").await), json!(["a", "d", "new", "e"]).as_array().unwrap().clone());
    s.send(r#"set 0/1 0 display "A1!""#).await;
    assert_eq!(s.line().await, "ok set 0/1 display = \"A1!\"");
    qt.expect("dataChanged", |e| e["event"] == "dataChanged" && e["topLeft"] == json!([[0, 0], [1, 0]])).await;
    let w = qt.command("walk").await;
    assert_eq!(walk(&w["model"])[0]["children"], json!([{"row": 0, "cells": ["a0"]}, {"row": 1, "cells": ["A1!"]}]));

    // The Qt replica's setData reaches the file's model.
    assert_eq!(qt.command(r#"set 2 0 0 "from Qt""#).await["accepted"], true);
    assert_eq!(s.line().await.split(" (connection").next(), Some("written 2 display = \"from Qt\""));
    qt.expect("dataChanged", |e| e["event"] == "dataChanged" && e["topLeft"] == json!([[2, 0]])).await;
    assert_eq!(names(&qt.command("walk").await), json!(["a", "d", "from Qt", "e"]).as_array().unwrap().clone());
    s.send("quit").await;
    let _ = std::fs::remove_file(file);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_changes_made_by_a_qt_source() {
    let (mut qt, ready) = QtPeer::start(&["model-source", "table", "--url", "tcp://127.0.0.1:0", "--rows", "6"]).await;
    let url = ready["url"].as_str().unwrap().to_owned();
    let mut w = Proc::spawn(&["model", "watch", &url, "Model", "--roles", "display", "--json"]);
    let init = w.expect_json("init", |j| j["event"] == "init").await;
    assert_eq!(init, json!({"event": "init", "rows": 6, "columns": 2, "roles": {"display": 0}}));
    qt.command(r#"set 1 0 0 "hello""#).await;
    let c = w.expect_json("changed", |j| j["event"] == "changed").await;
    assert_eq!(c, json!({"event": "changed", "cells": [{"index": [[1, 0]], "values": {"display": "hello"}}]}));
    qt.command("insert . 2 1").await;
    let i = w.expect_json("inserted", |j| j["event"] == "inserted").await;
    assert_eq!(i["first"], 2);
    assert_eq!(i["rows"], json!([{"row": 2, "cells": [{"display": "ins0 c0"}, {"display": "ins0 c1"}]}]));
    qt.command("remove . 0 1").await;
    let r = w.expect_json("removed", |j| j["event"] == "removed").await;
    assert_eq!(r, json!({"event": "removed", "parent": [], "first": 0, "last": 0}));
    // The rows shifted: a change of the row that was 1 is now row 0.
    qt.command(r#"set 0 1 0 "again""#).await;
    let c = w.expect_json("changed", |j| j["event"] == "changed").await;
    assert_eq!(c["cells"], json!([{"index": [[0, 1]], "values": {"display": "again"}}]));
    qt.command("header h 1 0 \"Second\"").await;
    let h = w.expect_json("header", |j| j["event"] == "header").await;
    assert_eq!(h, json!({"event": "header", "orientation": "horizontal", "first": 1, "last": 1}));
    qt.command("reset 3").await;
    w.expect_json("reset", |j| j["event"] == "reset").await;
    w.kill().await;

    // Text lines.
    let mut w = Proc::spawn(&["model", "watch", &url, "Model", "--roles", "display", "--count", "2"]);
    assert_eq!(w.line().await, "init 3 rows × 2 columns, roles display=0");
    qt.command(r#"set 2 1 0 "text""#).await;
    assert_eq!(w.line().await, "changed 2:1 \"text\"");
    assert_eq!(w.wait().await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qt5_dump_and_serve() {
    // Dump: the dialect is detected from the host's handshake.
    let (mut qt, ready) =
        QtPeer::start_with(5, &["model-source", "tree", "--url", "tcp://127.0.0.1:0", "--rows", "3"]).await;
    let url = ready["url"].as_str().unwrap().to_owned();
    let source = qt.command("dump").await;
    let j = &run(&["model", "dump", &url, "Model", "--json", "--roles", "display"]).await.json()[0];
    assert_eq!(our_display(&j["items"]), qt_display(&source["model"]));
    let list = run_ok(&["list", &url]).await;
    assert!(list.contains("model (roles display=0, 8, 255; 3×2)"), "{list}");
    drop(qt);

    // Serve --qt5 to a Qt 5.15 replica.
    let file = std::env::temp_dir().join(format!("qtro_cli_model_qt5_{}.json", std::process::id()));
    std::fs::write(&file, r#"[{"display": "x", "children": ["x0"]}, "y"]"#).unwrap();
    let mut s = Proc::spawn(&["model", "serve", file.to_str().unwrap(), "--url", "tcp://127.0.0.1:0", "--qt5"]);
    let url = ready_url(&s.line().await);
    let (mut qt, _) = QtPeer::start_with(5, &["model-replica", "Model", "--url", &url]).await;
    let w = qt.command("walk").await;
    assert_eq!(
        qt_display(&w["model"]),
        json!([{"row": 0, "cells": ["x"], "children": [{"row": 0, "cells": ["x0"]}]}, {"row": 1, "cells": ["y"]}])
    );
    s.send(r#"insert 0 1 "x1""#).await;
    assert_eq!(s.line().await, "ok insert 0 1");
    qt.expect("rowsInserted", |e| e["event"] == "rowsInserted" && e["parent"] == json!([[0, 0]])).await;
    let w = qt.command("walk").await;
    assert_eq!(
        qt_display(&w["model"])[0]["children"],
        json!([{"row": 0, "cells": ["x0"]}, {"row": 1, "cells": ["x1"]}])
    );
    s.send("quit").await;
    let _ = std::fs::remove_file(file);
}
