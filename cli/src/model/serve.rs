//! `qtro model serve`: hosts a [`TreeModel`] read from a JSON file, changed by a script on
//! stdin (the `qtro serve` script's conventions: one `ok …`/`error: …` line per command).

use std::path::Path;
use std::time::Duration;

use serde_json::{json, Value as Json};

use qtro_rs::core::model::{ModelSource, Orientation, TreeModel};
use qtro_rs::core::Value;
use qtro_rs::node::{ModelHost, ModelHostEvent, ModelOptions, Node, NodeConfig};
use qtro_rs::text::{self as value};

use super::{ctx, parse_path, path_json, path_text, Roles};
use crate::client::node_error;
use crate::error::{CliError, CliResult};
use crate::json;
use crate::output::Out;
use crate::probe;
use crate::Global;

fn load(path: &Path) -> CliResult<TreeModel> {
    let text =
        std::fs::read_to_string(path).map_err(|e| CliError::other(format!("cannot read {}: {e}", path.display())))?;
    TreeModel::from_json(&text).map_err(|e| CliError::bad_value(format!("{}: {e}", path.display())))
}

pub(super) async fn serve(
    g: &Global,
    out: &Out,
    file: &Path,
    url: &str,
    name: &str,
    role_specs: &[String],
    selection: bool,
) -> CliResult<()> {
    probe::check_url(url)?;
    let model = load(file)?;
    let roles = Roles::new(&model.role_names());
    let all: Vec<i32> = roles.names.iter().map(|(n, _)| *n).collect();
    let served = roles.pick(role_specs, &all, &format!("{}", file.display()))?;
    let (rows, columns) = (model.row_count(&[]), model.column_count(&[]));
    let dialect = g.dialect();
    let node = Node::with_config(NodeConfig { dialect, ..Default::default() });
    let options = ModelOptions { roles: served.clone(), selection, ..Default::default() };
    let host = node.enable_model(name, model, options).map_err(|e| node_error(e, "enable the model"))?;
    let mut events = host.events();
    let bound = node.listen(url).await.map_err(|e| CliError::other(e.to_string()))?;
    out.emit(
        || {
            format!(
                "serving model {name} ({rows} rows × {columns} columns, roles {}) at {bound}",
                roles.describe(&served)
            )
        },
        || {
            json!({"event": "ready", "name": name, "rows": rows, "columns": columns, "roles": roles.json(&served),
                  "url": bound, "dialect": crate::dialect_name(dialect)})
        },
    );
    {
        let (out, roles) = (out.clone(), roles.clone());
        tokio::spawn(async move {
            let ctx = ctx();
            while let Some(e) = events.recv().await {
                match e {
                    ModelHostEvent::DataSet { conn, index, role, value: v } => out.emit(
                        || format!("written {} {} = {} (connection {conn})", path_text(&index), roles.label(role), value::format(&v, None, &ctx)),
                        || json!({"event": "written", "conn": conn, "index": path_json(&index), "role": roles.label(role), "value": json::to_json(&v, &ctx)}),
                    ),
                    ModelHostEvent::DataRefused { conn, index, role, error } => out.emit(
                        || format!("refused write of {} {} (connection {conn}): {error}", path_text(&index), roles.label(role)),
                        || json!({"event": "refused", "conn": conn, "index": path_json(&index), "role": roles.label(role), "message": error.to_string()}),
                    ),
                    ModelHostEvent::CurrentSet { conn, current } => out.emit(
                        || format!("current {} (connection {conn})", path_text(&current)),
                        || json!({"event": "current", "conn": conn, "current": path_json(&current)}),
                    ),
                    _ => {}
                }
            }
        });
    }

    let mut rx = crate::serve::stdin_lines();
    let script = Script { host, roles, out: out.clone() };
    while let Some(line) = rx.recv().await {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (cmd, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
        match cmd {
            "quit" => {
                out.emit(|| "ok quit".into(), || json!({"event": "ok", "cmd": "quit"}));
                node.shutdown();
                return Ok(());
            }
            "sleep" => match rest.trim().parse::<u64>() {
                Ok(ms) => {
                    tokio::time::sleep(Duration::from_millis(ms)).await;
                    out.emit(|| format!("ok sleep {ms}"), || json!({"event": "ok", "cmd": "sleep", "ms": ms}));
                }
                Err(_) => script.error(cmd, &CliError::usage("usage: sleep MS")),
            },
            _ => {
                if let Err(e) = script.run(cmd, rest.trim()) {
                    script.error(cmd, &e);
                }
            }
        }
    }
    // End of input: keep serving until interrupted.
    std::future::pending::<()>().await;
    Ok(())
}

/// The script of `qtro model serve`.
struct Script {
    host: ModelHost<TreeModel>,
    roles: Roles,
    out: Out,
}

const SCRIPT_HELP: [&str; 9] = [
    "insert PATH ROW JSONROW",
    "remove PATH ROW [COUNT]",
    "move PATH ROW COUNT DSTPATH DSTROW",
    "set PATH COL ROLE VALUE",
    "header h|v SECTION ROLE VALUE",
    "reset FILE",
    "current PATH",
    "sleep MS",
    "quit",
];

/// The first `n` words of `s` and the rest (trimmed), or `None` when there are fewer.
fn words(s: &str, n: usize) -> Option<(Vec<&str>, &str)> {
    let mut rest = s.trim_start();
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        if rest.is_empty() {
            return None;
        }
        let (w, r) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
        out.push(w);
        rest = r.trim_start();
    }
    Some((out, rest.trim_end()))
}

fn int(s: &str, what: &str) -> CliResult<i32> {
    s.parse::<i32>().map_err(|_| CliError::usage(format!("{what} {s:?} is not a number")))
}

impl Script {
    fn error(&self, cmd: &str, e: &CliError) {
        self.out.emit(
            || format!("error: {cmd}: {}", e.message),
            || json!({"event": "error", "cmd": cmd, "message": e.message, "code": e.kind.name()}),
        );
    }

    fn ok(&self, cmd: &str, text: String, j: Json) {
        let mut j = j;
        j["event"] = json!("ok");
        j["cmd"] = json!(cmd);
        self.out.emit(|| format!("ok {cmd} {text}"), || j);
    }

    fn role(&self, spec: &str) -> CliResult<i32> {
        self.roles.resolve(spec).ok_or_else(|| {
            let all: Vec<i32> = self.roles.names.iter().map(|(n, _)| *n).collect();
            CliError::unknown_member(format!(
                "the model has no role {spec:?} (roles: {}; or display…whatsThis, user+N, a number)",
                self.roles.describe(&all)
            ))
        })
    }

    fn value(&self, text: &str) -> CliResult<Value> {
        let ctx = ctx();
        let lit =
            value::parse_argument(text, &ctx).map_err(|e| CliError::bad_value(format!("bad value {text:?}: {e}")))?;
        value::to_value(&lit, None, &ctx).map_err(|e| CliError::bad_value(format!("bad value {text:?}: {e}")))
    }

    fn model_error(e: qtro_rs::node::NodeError) -> CliError {
        match e {
            qtro_rs::node::NodeError::Model(m) => CliError::bad_value(m.to_string()),
            other => node_error(other, "model"),
        }
    }

    fn run(&self, cmd: &str, rest: &str) -> CliResult<()> {
        let usage = |u: &str| CliError::usage(format!("usage: {u}"));
        match cmd {
            "insert" => {
                let (w, row_json) =
                    words(rest, 2).filter(|(_, r)| !r.is_empty()).ok_or_else(|| usage(SCRIPT_HELP[0]))?;
                let parent = parse_path(w[0])?;
                let at = int(w[1], "row")?;
                let row =
                    self.host.with(|m| m.row_from_json(row_json)).map_err(|e| CliError::bad_value(e.to_string()))?;
                self.host.insert_rows(&parent, at, vec![row]).map_err(Self::model_error)?;
                self.ok(cmd, format!("{} {at}", path_text(&parent)), json!({"parent": path_json(&parent), "row": at}));
            }
            "remove" => {
                let (w, more) = words(rest, 2).ok_or_else(|| usage(SCRIPT_HELP[1]))?;
                let parent = parse_path(w[0])?;
                let at = int(w[1], "row")?;
                let n = if more.is_empty() { 1 } else { int(more, "count")? };
                self.host.remove_rows(&parent, at, n).map_err(Self::model_error)?;
                self.ok(
                    cmd,
                    format!("{} {at} {n}", path_text(&parent)),
                    json!({"parent": path_json(&parent), "row": at, "count": n}),
                );
            }
            "move" => {
                let (w, more) = words(rest, 5).filter(|(_, r)| r.is_empty()).ok_or_else(|| usage(SCRIPT_HELP[2]))?;
                let _ = more;
                let parent = parse_path(w[0])?;
                let (at, n) = (int(w[1], "row")?, int(w[2], "count")?);
                let dst = parse_path(w[3])?;
                let dst_row = int(w[4], "destination row")?;
                self.host.move_rows(&parent, at, n, &dst, dst_row).map_err(Self::model_error)?;
                self.ok(
                    cmd,
                    format!("{} {at} {n} {} {dst_row}", path_text(&parent), path_text(&dst)),
                    json!({"parent": path_json(&parent), "row": at, "count": n, "destination": path_json(&dst), "destinationRow": dst_row}),
                );
            }
            "set" => {
                let (w, text) = words(rest, 3).filter(|(_, r)| !r.is_empty()).ok_or_else(|| usage(SCRIPT_HELP[3]))?;
                let mut index = parse_path(w[0])?;
                let col = int(w[1], "column")?;
                match index.last_mut() {
                    Some(last) => last.column = col,
                    None => return Err(CliError::usage("set needs a row: PATH is 3, or 3/0 for a child row")),
                }
                let role = self.role(w[2])?;
                let v = self.value(text)?;
                self.host.set_data(&index, role, v.clone()).map_err(Self::model_error)?;
                let ctx = ctx();
                self.ok(
                    cmd,
                    format!("{} {} = {}", path_text(&index), self.roles.label(role), value::format(&v, None, &ctx)),
                    json!({"index": path_json(&index), "role": self.roles.label(role), "value": json::to_json(&v, &ctx)}),
                );
            }
            "header" => {
                let (w, text) = words(rest, 3).filter(|(_, r)| !r.is_empty()).ok_or_else(|| usage(SCRIPT_HELP[4]))?;
                let o = match w[0] {
                    "h" | "horizontal" => Orientation::Horizontal,
                    "v" | "vertical" => Orientation::Vertical,
                    other => return Err(CliError::usage(format!("orientation {other:?}: use h or v"))),
                };
                let section = int(w[1], "section")?;
                let role = self.role(w[2])?;
                let v = self.value(text)?;
                self.host.set_header(o, section, role, v.clone()).map_err(Self::model_error)?;
                let ctx = ctx();
                self.ok(
                    cmd,
                    format!("{} {section} {} = {}", w[0], self.roles.label(role), value::format(&v, None, &ctx)),
                    json!({"section": section}),
                );
            }
            "reset" => {
                if rest.is_empty() {
                    return Err(usage(SCRIPT_HELP[5]));
                }
                let m = load(Path::new(rest))?;
                let (columns, rows) = (m.column_count(&[]), m.rows().to_vec());
                let n = rows.len();
                self.host.reset(columns, rows).map_err(Self::model_error)?;
                self.ok(cmd, format!("{n} rows × {columns} columns"), json!({"rows": n, "columns": columns}));
            }
            "current" => {
                if rest.is_empty() {
                    return Err(usage(SCRIPT_HELP[6]));
                }
                let index = parse_path(rest)?;
                self.host.set_current(index.clone()).map_err(Self::model_error)?;
                self.ok(cmd, path_text(&index), json!({"current": path_json(&index)}));
            }
            "help" => self.out.emit(
                || format!("ok commands: {}", SCRIPT_HELP.join(" | ")),
                || json!({"event": "ok", "cmd": "help", "commands": SCRIPT_HELP}),
            ),
            other => return Err(CliError::usage(format!("unknown command {other:?} (try help)"))),
        }
        Ok(())
    }
}
