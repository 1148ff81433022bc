//! `qtro model`: item models shared over QtRO (a `QAbstractItemModel` a Qt host remotes with
//! `enableRemoting(model, name, roles)`, or a qtro_rs `Node::enable_model`).
//!
//! - `dump` prints rows of a remote model, a table or an indented tree, or one JSON object. It
//!   fetches only the rows asked for (`--rows`, default `0..100`); `..` walks every row, in
//!   windows the replica's cache holds, printing as it goes.
//! - `watch` prints one line per model event, with the values of the cells that changed in
//!   the watched rows (a shadow of those rows tells a change from a re-fetch).
//! - `serve` hosts a model from a JSON file, scripted from stdin like `qtro serve`.
//!
//! Roles are named as in the design (docs/design/item-models.md §2.6): a remote `roleNames`
//! entry, `display`…`whatsThis` (0-5), `user+N` (256+N) or a number. Paths in text are `-` (the
//! root) or rows from the top level separated by `/`, each `ROW` or `ROW:COL` (`3/0:1`); in JSON
//! they are Qt's index lists, `[[row, column], …]`.

use std::ops::Range;
use std::path::PathBuf;
use std::time::Duration;

use bytes::Bytes;
use clap::Subcommand;
use serde_json::{json, Value as Json};
use tokio::time::Instant;

use qtro_rs::core::model::source::{STANDARD_ROLE_NAMES, USER_ROLE};
use qtro_rs::core::model::{Lookup, ModelIndex, ADAPTER_TYPE};
use qtro_rs::core::{Dialect, ReplicaState, Value};
use qtro_rs::node::{ModelReplica, ModelReplicaOptions, Node, NodeConfig};
use qtro_rs::text::{self as value, TypeContext};

use super::client::node_error;
use super::error::{CliError, CliResult, Kind};
use super::json;
use super::output::Out;
use super::probe::{self, Target};
use super::{DescribeFormat, Global};

mod dump;
mod serve;
mod watch;

/// The `qtro model` subcommands.
#[derive(Subcommand, Debug)]
pub enum ModelCommand {
    /// Print rows of a remote item model: a table, or a tree indented (only those rows are fetched).
    Dump {
        /// Node URL: tcp://HOST:PORT, local:NAME or localabstract:NAME (a host node, or a registry that lists the model).
        url: String,
        /// Model name (as `qtro list` shows it).
        name: String,
        /// Roles to print, comma-separated: a name of the model's roleNames, display…whatsThis, user+N or a number (default: every role served).
        #[arg(long, value_delimiter = ',', value_name = "ROLE,...")]
        roles: Vec<String>,
        /// Top-level rows A..B (B excluded; A.., ..B and .. for all, fetched in windows; N for one row); as many children at most under each row.
        #[arg(long, value_name = "A..B", default_value = "0..100")]
        rows: String,
        /// Levels of children to print under each row (0: none; default: all).
        #[arg(long, value_name = "N")]
        depth: Option<u32>,
        /// Also print the horizontal headers.
        #[arg(long)]
        headers: bool,
        /// Start as Qt's PrefetchData does: ask for up to N items with the first request (also the cache size).
        #[arg(long, value_name = "N")]
        prefetch: Option<usize>,
    },
    /// Stream a remote model's changes (with the new values of the cells that changed in --rows).
    Watch {
        /// Node URL: tcp://HOST:PORT, local:NAME or localabstract:NAME (a host node, or a registry that lists the model).
        url: String,
        /// Model name (as `qtro list` shows it).
        name: String,
        /// Roles to show, comma-separated (as for dump; default: every role served).
        #[arg(long, value_delimiter = ',', value_name = "ROLE,...")]
        roles: Vec<String>,
        /// Top-level rows whose values are kept and shown (A..B, B excluded).
        #[arg(long, value_name = "A..B", default_value = "0..100")]
        rows: String,
        /// Stop after this many events.
        #[arg(long, value_name = "N")]
        count: Option<u64>,
        /// Stop after this long.
        #[arg(long, value_name = "DURATION", value_parser = super::parse_duration)]
        duration: Option<Duration>,
    },
    /// Host a model from a JSON file; commands on stdin: insert, remove, move, set, header, reset, current, sleep, quit.
    Serve {
        /// JSON file: a list of rows (each a map of role -> value, children under "children"), or {"roles", "columns", "headers", "rows"}.
        file: PathBuf,
        /// Where to listen (tcp://127.0.0.1:0 picks a free port; the ready line tells it).
        #[arg(long)]
        url: String,
        /// The name replicas acquire the model by.
        #[arg(long, default_value = "Model")]
        name: String,
        /// Roles served, comma-separated (default: every role of the file).
        #[arg(long, value_delimiter = ',', value_name = "ROLE,...")]
        roles: Vec<String>,
        /// Share a current index with replicas (a selection model).
        #[arg(long)]
        selection: bool,
    },
}

/// Runs a `qtro model` subcommand.
pub async fn run(g: &Global, out: &Out, cmd: ModelCommand) -> CliResult<()> {
    match cmd {
        ModelCommand::Dump { url, name, roles, rows, depth, headers, prefetch } => {
            let rows = parse_rows(&rows)?;
            dump::dump(g, out, &url, &name, dump::DumpOptions { roles, rows, depth, headers, prefetch }).await
        }
        ModelCommand::Watch { url, name, roles, rows, count, duration } => {
            let rows = parse_rows(&rows)?;
            watch::watch(g, out, &url, &name, &roles, rows, count, duration).await
        }
        ModelCommand::Serve { file, url, name, roles, selection } => {
            serve::serve(g, out, &file, &url, &name, &roles, selection).await
        }
    }
}

// ---- rows, paths and roles ------------------------------------------------------------------

/// `A..B`, `A..`, `..B`, `..` or `N`: the start and the end (none: to the last row).
fn parse_rows(s: &str) -> CliResult<(i32, Option<i32>)> {
    let bad = || CliError::usage(format!("bad --rows {s:?} (examples: 0..100, 50.., ..10, .., 7)"));
    let num = |t: &str| t.trim().parse::<i32>().ok().filter(|n| *n >= 0);
    match s.split_once("..") {
        Some((a, b)) => {
            let start = if a.trim().is_empty() { 0 } else { num(a).ok_or_else(bad)? };
            let end = if b.trim().is_empty() { None } else { Some(num(b).ok_or_else(bad)?) };
            if end.is_some_and(|e| e < start) {
                return Err(bad());
            }
            Ok((start, end))
        }
        None => {
            let n = num(s).ok_or_else(bad)?;
            Ok((n, Some(n.saturating_add(1))))
        }
    }
}

/// An index path in text: `-` (the root), else rows separated by `/`, each `ROW` or `ROW:COL`.
fn parse_path(s: &str) -> CliResult<Vec<ModelIndex>> {
    if matches!(s, "-" | "." | "root") {
        return Ok(Vec::new());
    }
    let bad =
        || CliError::usage(format!("bad path {s:?}: use - for the root, or rows like 3 or 3/0 (ROW:COL for a column)"));
    s.split('/')
        .map(|step| {
            let (r, c) = step.split_once(':').unwrap_or((step, "0"));
            let r = r.parse::<i32>().ok().filter(|n| *n >= 0).ok_or_else(bad)?;
            let c = c.parse::<i32>().ok().filter(|n| *n >= 0).ok_or_else(bad)?;
            Ok(ModelIndex::new(r, c))
        })
        .collect()
}

/// An index path as text (see [`parse_path`]).
fn path_text(p: &[ModelIndex]) -> String {
    if p.is_empty() {
        return "-".into();
    }
    let steps: Vec<String> =
        p.iter().map(|i| if i.column == 0 { i.row.to_string() } else { format!("{}:{}", i.row, i.column) }).collect();
    steps.join("/")
}

/// An index path as JSON: Qt's index list, `[[row, column], …]`.
fn path_json(p: &[ModelIndex]) -> Json {
    Json::Array(p.iter().map(|i| json!([i.row, i.column])).collect())
}

/// The roles of a model: numbers, and the names its roleNames give them.
#[derive(Debug, Clone, Default)]
struct Roles {
    names: Vec<(i32, String)>,
}

impl Roles {
    fn new(names: &[(i32, Bytes)]) -> Roles {
        Roles { names: names.iter().map(|(n, s)| (*n, String::from_utf8_lossy(s).into_owned())).collect() }
    }

    /// How a role is shown: its remote name, else its number.
    fn label(&self, role: i32) -> String {
        self.names.iter().find(|(n, _)| *n == role).map(|(_, s)| s.clone()).unwrap_or_else(|| role.to_string())
    }

    /// A role given by the user: a remote name, a standard name, `user+N` or a number.
    fn resolve(&self, spec: &str) -> Option<i32> {
        let spec = spec.trim();
        if let Some((n, _)) = self.names.iter().find(|(_, s)| s == spec) {
            return Some(*n);
        }
        if let Some((n, _)) = STANDARD_ROLE_NAMES.iter().find(|(_, s)| *s == spec) {
            return Some(*n);
        }
        if let Some(n) = spec.strip_prefix("user+").and_then(|n| n.parse::<i32>().ok()) {
            return n.checked_add(USER_ROLE);
        }
        spec.parse().ok()
    }

    /// `display=0, 8, rank=257`.
    fn describe(&self, roles: &[i32]) -> String {
        let items: Vec<String> = roles
            .iter()
            .map(|r| match self.names.iter().find(|(n, _)| n == r) {
                Some((_, s)) => format!("{s}={r}"),
                None => r.to_string(),
            })
            .collect();
        if items.is_empty() {
            "none".into()
        } else {
            items.join(", ")
        }
    }

    /// `{"display": 0, "8": 8}`.
    fn json(&self, roles: &[i32]) -> Json {
        Json::Object(roles.iter().map(|r| (self.label(*r), json!(r))).collect())
    }

    /// The roles asked for (`specs`; empty: every one of `available`), each checked.
    fn pick(&self, specs: &[String], available: &[i32], what: &str) -> CliResult<Vec<i32>> {
        if specs.is_empty() {
            return Ok(available.to_vec());
        }
        specs
            .iter()
            .filter(|s| !s.trim().is_empty())
            .map(|s| {
                let role = self.resolve(s).ok_or_else(|| {
                    CliError::unknown_member(format!(
                        "{what} has no role {s:?} (roles: {}; or display…whatsThis, user+N, a number)",
                        self.describe(available)
                    ))
                })?;
                if !available.contains(&role) {
                    return Err(CliError::unknown_member(format!(
                        "{what} does not serve role {s} ({role}); it serves {}",
                        self.describe(available)
                    )));
                }
                Ok(role)
            })
            .collect()
    }
}

fn ctx() -> TypeContext {
    TypeContext::default()
}

/// A cell's values (one per role) as text: the value alone for one role, else `role=value`
/// for each valid one; `-` when empty.
fn cell_text(roles: &Roles, picked: &[i32], values: &[Value]) -> String {
    let ctx = ctx();
    let valid: Vec<(i32, &Value)> =
        picked.iter().zip(values).filter(|(_, v)| !matches!(v, Value::Invalid)).map(|(r, v)| (*r, v)).collect();
    match valid.as_slice() {
        [] => "-".into(),
        [(_, v)] if picked.len() == 1 => value::format(v, None, &ctx),
        many => many
            .iter()
            .map(|(r, v)| format!("{}={}", roles.label(*r), value::format(v, None, &ctx)))
            .collect::<Vec<_>>()
            .join(" "),
    }
}

/// A cell's values as a JSON object `{role: value}` (invalid values left out).
fn cell_json(roles: &Roles, picked: &[i32], values: &[Value]) -> Json {
    let ctx = ctx();
    Json::Object(
        picked
            .iter()
            .zip(values)
            .filter(|(_, v)| !matches!(v, Value::Invalid))
            .map(|(r, v)| (roles.label(*r), json::to_json(v, &ctx)))
            .collect(),
    )
}

// ---- a replica of a remote model ----------------------------------------------------------

/// A connected, initialized replica of a remote model.
struct Session {
    _node: Node,
    model: ModelReplica,
    target: Target,
    roles: Roles,
    timeout: Duration,
}

/// The error for an object that is not an item model.
fn not_a_model(target: &Target, name: &str) -> CliError {
    let ty = target.info.type_name.as_deref().filter(|t| !t.is_empty()).unwrap_or("none");
    CliError::new(
        Kind::UnknownObject,
        format!(
            "{name:?} at {} is not an item model (its type is {ty}); use qtro describe/get/watch for objects",
            target.host_url
        ),
    )
}

/// Whether an object of the host's list is an item model.
pub fn is_model(info: &qtro_rs::core::ObjectInfo) -> bool {
    info.type_name.as_deref() == Some(ADAPTER_TYPE)
}

async fn open(g: &Global, url: &str, name: &str, options: ModelReplicaOptions) -> CliResult<Session> {
    let target = probe::resolve(g, url, name).await?;
    if !is_model(&target.info) {
        return Err(not_a_model(&target, name));
    }
    open_target(g, target, name, options).await
}

async fn open_target(g: &Global, target: Target, name: &str, options: ModelReplicaOptions) -> CliResult<Session> {
    let node = Node::with_config(NodeConfig { dialect: target.dialect, ..Default::default() });
    let model = node.acquire_model(name, options);
    node.connect_to(&target.host_url).map_err(|e| node_error(e, "connect"))?;
    if let Err(e) = model.wait_initialized(g.timeout).await {
        if let Some(cause) = node.last_protocol_error() {
            return Err(CliError::new(Kind::Protocol, format!("undecodable data from {}: {cause}", target.host_url)));
        }
        return Err(CliError::new(
            Kind::Timeout,
            format!("model {name:?} at {} did not initialize within {:?} ({e})", target.host_url, g.timeout),
        ));
    }
    let roles = Roles::new(&model.role_names());
    Ok(Session { _node: node, model, target, roles, timeout: g.timeout })
}

/// The size and roles of the remote model `name` at `host_url`, for `list`: `model (roles …;
/// R×C)` and its JSON, or `None` when it does not initialize in time.
pub async fn summary(g: &Global, host_url: &str, dialect: Dialect, name: &str) -> Option<(String, Json)> {
    let target = Target {
        host_url: host_url.to_owned(),
        dialect,
        info: qtro_rs::core::ObjectInfo {
            name: name.to_owned(),
            type_name: Some(ADAPTER_TYPE.into()),
            signature: None,
        },
        registry: None,
    };
    let s = open_target(g, target, name, ModelReplicaOptions::default()).await.ok()?;
    let (roles, rows, columns) = s.size().await.ok()?;
    Some((
        format!("model (roles {}; {rows}×{columns})", s.roles.describe(&roles)),
        json!({"roles": s.roles.json(&roles), "rows": rows, "columns": columns}),
    ))
}

/// `qtro describe` of a model: its roles and size.
pub async fn describe(g: &Global, out: &Out, target: Target, name: &str, format: DescribeFormat) -> CliResult<()> {
    if format == DescribeFormat::Rep {
        return Err(CliError::usage(format!(
            "{name:?} is an item model, which has no .rep class; use --format text or json (or qtro model dump)"
        )));
    }
    let s = open_target(g, target, name, ModelReplicaOptions::default()).await?;
    let (roles, rows, columns) = s.size().await?;
    let url = s.target.host_url.clone();
    let dialect = s.target.dialect;
    let qt = if dialect == Dialect::Qt5 { "Qt 5" } else { "Qt 6" };
    if out.json || format == DescribeFormat::Json {
        out.json_line(
            &json!({"name": name, "url": url, "registry": s.target.registry, "dialect": super::dialect_name(dialect),
            "type": ADAPTER_TYPE, "model": true, "roles": s.roles.json(&roles), "rows": rows, "columns": columns}),
        );
    } else {
        let via = s.target.registry.as_ref().map(|r| format!(", via the registry {r}")).unwrap_or_default();
        out.line(&format!("{name} (item model, at {url}{via}, {qt})"));
        out.line(&format!("roles: {}", s.roles.describe(&roles)));
        out.line(&format!("size: {rows} rows × {columns} columns"));
    }
    Ok(())
}

impl Session {
    /// The roles served and the root's size.
    async fn size(&self) -> CliResult<(Vec<i32>, i32, i32)> {
        let rows = self.row_count(&[]).await?;
        let columns = self.column_count(&[]).await?;
        Ok((self.model.available_roles(), rows, columns))
    }

    fn what(&self) -> String {
        format!("model {:?} at {}", self.model.name(), self.target.host_url)
    }

    /// Waits until `f` gives a value (the cache fetches what a read misses).
    async fn wait<T>(&self, what: &str, mut f: impl FnMut() -> Option<T>) -> CliResult<T> {
        let deadline = Instant::now() + self.timeout;
        loop {
            if let Some(v) = f() {
                return Ok(v);
            }
            if Instant::now() >= deadline {
                let state = self.model.state();
                let why = if state == ReplicaState::Valid { String::new() } else { format!(" (connection {state:?})") };
                return Err(CliError::new(
                    if state == ReplicaState::Valid { Kind::Timeout } else { Kind::Unreachable },
                    format!("{}: no {what} within {:?}{why}", self.what(), self.timeout),
                ));
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// The value of `role` at `index`, waiting while it is fetched (`Invalid`: none).
    async fn value(&self, index: &[ModelIndex], role: i32) -> CliResult<Value> {
        self.wait("data", || match self.model.data(index, role) {
            Lookup::Cached(v) => Some(v),
            Lookup::Unavailable => Some(Value::Invalid),
            Lookup::Pending => None,
        })
        .await
    }

    /// The values of `roles` in every cell of row `row` of `parent`.
    async fn row_values(
        &self,
        parent: &[ModelIndex],
        row: i32,
        columns: i32,
        roles: &[i32],
    ) -> CliResult<Vec<Vec<Value>>> {
        let mut cells = Vec::with_capacity(columns.max(0) as usize);
        for c in 0..columns {
            let mut index = parent.to_vec();
            index.push(ModelIndex::new(row, c));
            let mut values = Vec::with_capacity(roles.len());
            for r in roles {
                values.push(self.value(&index, *r).await?);
            }
            cells.push(values);
        }
        Ok(cells)
    }

    /// Fetches rows `rows` of `parent` (at most a window the cache holds) and waits until cached.
    async fn fetch(&self, parent: &[ModelIndex], rows: Range<i32>) -> CliResult<()> {
        self.model.fetch(parent, rows, self.timeout).await.map_err(|e| match e {
            qtro_rs::node::NodeError::Timeout { .. } => {
                CliError::new(Kind::Timeout, format!("{}: rows not fetched within {:?}", self.what(), self.timeout))
            }
            other => node_error(other, "fetch"),
        })
    }

    async fn row_count(&self, parent: &[ModelIndex]) -> CliResult<i32> {
        self.wait("row count", || self.model.row_count(parent)).await
    }

    async fn column_count(&self, parent: &[ModelIndex]) -> CliResult<i32> {
        self.wait("column count", || self.model.column_count(parent)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_ranges() {
        assert_eq!(parse_rows("0..100").unwrap(), (0, Some(100)));
        assert_eq!(parse_rows("50..").unwrap(), (50, None));
        assert_eq!(parse_rows("..10").unwrap(), (0, Some(10)));
        assert_eq!(parse_rows("..").unwrap(), (0, None));
        assert_eq!(parse_rows("7").unwrap(), (7, Some(8)));
        for bad in ["", "a..b", "5..2", "-1..3", "1...3"] {
            assert_eq!(parse_rows(bad).unwrap_err().kind, Kind::Usage, "{bad}");
        }
    }

    #[test]
    fn paths() {
        assert_eq!(parse_path("-").unwrap(), vec![]);
        assert_eq!(parse_path("3/0:1").unwrap(), vec![ModelIndex::new(3, 0), ModelIndex::new(0, 1)]);
        assert_eq!(path_text(&parse_path("3/0:1").unwrap()), "3/0:1");
        assert_eq!(path_json(&[ModelIndex::new(2, 1)]), json!([[2, 1]]));
        for bad in ["", "x", "1/", "1:-1", "-2"] {
            assert!(parse_path(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn roles_by_name_number_and_user() {
        let r = Roles::new(&[(0, Bytes::from_static(b"display")), (257, Bytes::from_static(b"rank"))]);
        assert_eq!(r.resolve("rank"), Some(257));
        assert_eq!(r.resolve("toolTip"), Some(3));
        assert_eq!(r.resolve("user+2"), Some(258));
        assert_eq!(r.resolve("8"), Some(8));
        assert_eq!(r.resolve("nope"), None);
        assert_eq!(r.pick(&["rank".into(), "display".into()], &[0, 257], "m").unwrap(), vec![257, 0]);
        assert_eq!(r.pick(&[], &[0, 257], "m").unwrap(), vec![0, 257]);
        assert_eq!(r.pick(&["nope".into()], &[0, 257], "m").unwrap_err().kind, Kind::UnknownMember);
        assert_eq!(r.pick(&["toolTip".into()], &[0, 257], "m").unwrap_err().kind, Kind::UnknownMember);
        assert_eq!(r.describe(&[0, 8, 257]), "display=0, 8, rank=257");
        assert_eq!(r.json(&[0, 8]), json!({"display": 0, "8": 8}));
    }

    #[test]
    fn cells_as_text() {
        let r = Roles::new(&[(0, Bytes::from_static(b"display")), (257, Bytes::from_static(b"rank"))]);
        assert_eq!(cell_text(&r, &[0], &[Value::string("x")]), "\"x\"");
        assert_eq!(cell_text(&r, &[0, 257], &[Value::string("x"), Value::Int(3)]), "display=\"x\" rank=3");
        assert_eq!(cell_text(&r, &[0, 257], &[Value::Invalid, Value::Invalid]), "-");
        assert_eq!(cell_json(&r, &[0, 257], &[Value::string("x"), Value::Invalid]), json!({"display": "x"}));
    }
}
