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

use std::collections::VecDeque;
use std::future::Future;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::time::Duration;

use bytes::Bytes;
use clap::Subcommand;
use serde_json::{json, Value as Json};
use tokio::sync::mpsc;
use tokio::time::Instant;

use qtro_rs::core::model::source::{STANDARD_ROLE_NAMES, USER_ROLE};
use qtro_rs::core::model::{
    InitialAction, Lookup, ModelEvent, ModelIndex, ModelSource, Orientation, TreeModel, ADAPTER_TYPE,
};
use qtro_rs::core::{Dialect, ReplicaState, Value};
use qtro_rs::node::{
    EventReceiver, ModelHost, ModelHostEvent, ModelOptions, ModelReplica, ModelReplicaOptions, Node, NodeConfig,
};
use qtro_rs::text::{self as value, TypeContext};

use super::client::node_error;
use super::error::{CliError, CliResult, Kind};
use super::json;
use super::output::Out;
use super::probe::{self, Target};
use super::{DescribeFormat, Global};

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
            dump(g, out, &url, &name, DumpOptions { roles, rows, depth, headers, prefetch }).await
        }
        ModelCommand::Watch { url, name, roles, rows, count, duration } => {
            let rows = parse_rows(&rows)?;
            watch(g, out, &url, &name, &roles, rows, count, duration).await
        }
        ModelCommand::Serve { file, url, name, roles, selection } => {
            serve(g, out, &file, &url, &name, &roles, selection).await
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

// ---- dump -----------------------------------------------------------------------------------

struct DumpOptions {
    roles: Vec<String>,
    rows: (i32, Option<i32>),
    depth: Option<u32>,
    headers: bool,
    prefetch: Option<usize>,
}

/// One row of a dump.
struct Item {
    path: Vec<ModelIndex>,
    cells: Vec<Vec<Value>>,
    has_children: bool,
    /// Fetched children (`None`: not expanded).
    children: Option<Vec<Item>>,
    /// Children left out past the limit.
    more_children: i32,
}

/// Rows per fetch: well within what the cache keeps.
fn window_rows(options: &ModelReplicaOptions) -> i32 {
    (options.cache_rows / 2).clamp(1, 200) as i32
}

struct Dumper<'a> {
    s: &'a Session,
    roles: Vec<i32>,
    window: i32,
    /// Children printed under a row at most (as many as `--rows` spans; `None`: all).
    child_limit: Option<i32>,
}

type Boxed<'a, T> = Pin<Box<dyn Future<Output = CliResult<T>> + 'a>>;

impl Dumper<'_> {
    /// Rows `rows` of `parent` (clipped to its row count), without their children.
    async fn rows(&self, parent: &[ModelIndex], rows: Range<i32>) -> CliResult<Vec<Item>> {
        self.s.fetch(parent, rows.clone()).await?;
        let n = self.s.row_count(parent).await?;
        let columns = self.s.column_count(parent).await?;
        let mut items = Vec::new();
        for r in rows.start..rows.end.min(n) {
            let cells = self.s.row_values(parent, r, columns, &self.roles).await?;
            let mut path = parent.to_vec();
            path.push(ModelIndex::new(r, 0));
            let has_children = self.s.wait("child count", || self.s.model.has_children(&path)).await?;
            items.push(Item { path, cells, has_children, children: None, more_children: 0 });
        }
        Ok(items)
    }

    /// Fetches the children of `item`, `levels` deep, every row in windows.
    fn expand<'b>(&'b self, item: &'b mut Item, levels: u32) -> Boxed<'b, ()> {
        Box::pin(async move {
            if !item.has_children || levels == 0 {
                return Ok(());
            }
            let all = self.s.row_count(&item.path).await?;
            let n = self.child_limit.map_or(all, |l| all.min(l));
            item.more_children = all - n;
            let mut children = Vec::new();
            let mut start = 0;
            while start < n {
                let end = n.min(start.saturating_add(self.window));
                children.extend(self.rows(&item.path, start..end).await?);
                start = end;
            }
            for c in &mut children {
                self.expand(c, levels - 1).await?;
            }
            item.children = Some(children);
            Ok(())
        })
    }
}

fn item_json(roles: &Roles, picked: &[i32], item: &Item) -> Json {
    let mut j = json!({
        "row": item.path.last().map_or(0, |i| i.row),
        "cells": item.cells.iter().map(|c| cell_json(roles, picked, c)).collect::<Vec<_>>(),
    });
    match &item.children {
        Some(ch) => j["children"] = Json::Array(ch.iter().map(|c| item_json(roles, picked, c)).collect()),
        None if item.has_children => j["hasChildren"] = json!(true),
        None => {}
    }
    if item.more_children > 0 {
        j["moreChildren"] = json!(item.more_children);
    }
    j
}

fn print_item_text(out: &Out, roles: &Roles, picked: &[i32], item: &Item) {
    let indent = "  ".repeat(item.path.len().saturating_sub(1));
    let cells: Vec<String> = item.cells.iter().map(|c| cell_text(roles, picked, c)).collect();
    let more = if item.has_children && item.children.is_none() { "  (+children)" } else { "" };
    out.line(&format!("{indent}[{}] {}{more}", path_text(&item.path), cells.join(" | ")));
    for c in item.children.iter().flatten() {
        print_item_text(out, roles, picked, c);
    }
    if item.more_children > 0 {
        out.line(&format!("{indent}  ... {} more rows under [{}]", item.more_children, path_text(&item.path)));
    }
}

async fn dump(g: &Global, out: &Out, url: &str, name: &str, o: DumpOptions) -> CliResult<()> {
    let mut options = ModelReplicaOptions { prefetch_rows: 0, ..Default::default() };
    if let Some(n) = o.prefetch {
        options.initial = InitialAction::PrefetchData;
        options.cache_rows = n.max(16);
    }
    let window = window_rows(&options);
    let s = open(g, url, name, options).await?;
    let available = s.model.available_roles();
    let picked = s.roles.pick(&o.roles, &available, &s.what())?;
    let rows = s.row_count(&[]).await?;
    let columns = s.column_count(&[]).await?;
    let child_limit = o.rows.1.map(|end| end - o.rows.0);
    let d = Dumper { s: &s, roles: picked.clone(), window, child_limit };

    let mut headers = Vec::new();
    if o.headers {
        for c in 0..columns {
            let mut values = Vec::new();
            for r in &picked {
                let v = s
                    .wait("header data", || match s.model.header_data(Orientation::Horizontal, c, *r) {
                        Lookup::Cached(v) => Some(v),
                        Lookup::Unavailable => Some(Value::Invalid),
                        Lookup::Pending => None,
                    })
                    .await?;
                values.push(v);
            }
            headers.push(values);
        }
    }
    if out.json {
        let mut head = json!({"name": name, "roles": s.roles.json(&picked), "columns": columns, "rows": rows});
        if o.headers {
            head["headers"] =
                json!({"horizontal": headers.iter().map(|h| cell_json(&s.roles, &picked, h)).collect::<Vec<_>>()});
        }
        let head = head.to_string();
        out.part(&format!("{},\"items\":[", &head[..head.len() - 1]));
    } else {
        out.line(&format!("{name}: {rows} rows × {columns} columns, roles {}", s.roles.describe(&picked)));
        if o.headers {
            let h: Vec<String> = headers.iter().map(|h| cell_text(&s.roles, &picked, h)).collect();
            out.line(&format!("headers: {}", h.join(" | ")));
        }
    }
    let levels = o.depth.unwrap_or(u32::MAX);
    let end = o.rows.1.unwrap_or(i32::MAX).min(rows);
    let mut start = o.rows.0;
    let mut first = true;
    while start < end {
        let stop = end.min(start.saturating_add(window));
        let mut items = d.rows(&[], start..stop).await?;
        for item in &mut items {
            d.expand(item, levels).await?;
            if out.json {
                let sep = if first { "" } else { "," };
                out.part(&format!("{sep}{}", item_json(&s.roles, &picked, item)));
            } else {
                print_item_text(out, &s.roles, &picked, item);
            }
            first = false;
        }
        start = stop;
    }
    if out.json {
        out.line("]}");
    }
    Ok(())
}

// ---- watch ----------------------------------------------------------------------------------

/// The values of the watched top-level rows, to tell a change from a re-fetch of the same
/// values. `None`: not known yet (the next values seen are taken silently).
struct Shadow {
    window: Range<i32>,
    rows: Vec<Option<Vec<Vec<Value>>>>,
}

impl Shadow {
    fn new(window: Range<i32>) -> Shadow {
        let n = (window.end - window.start).max(0) as usize;
        Shadow { window, rows: vec![None; n] }
    }

    fn clear(&mut self) {
        self.rows.iter_mut().for_each(|r| *r = None);
    }

    fn slot(&self, row: i32) -> Option<usize> {
        self.window.contains(&row).then(|| (row - self.window.start) as usize)
    }

    fn inserted(&mut self, first: i32, last: i32) {
        let n = self.rows.len();
        let at = (first - self.window.start).clamp(0, n as i32) as usize;
        let count = ((last - first + 1).max(0) as usize).min(n);
        if first < self.window.end {
            let shift = if first < self.window.start { n } else { 0 };
            // Rows inserted before the window shift every watched row: start over.
            if shift > 0 {
                self.clear();
                return;
            }
            for _ in 0..count {
                self.rows.insert(at, None);
            }
            self.rows.truncate(n);
        }
    }

    fn removed(&mut self, first: i32, last: i32) {
        let n = self.rows.len();
        if first >= self.window.end {
            return;
        }
        if first < self.window.start {
            self.clear();
            return;
        }
        let at = (first - self.window.start) as usize;
        let end = ((last + 1 - self.window.start).max(0) as usize).min(n);
        self.rows.drain(at..end);
        self.rows.resize(n, None);
    }
}

#[allow(clippy::too_many_arguments)]
async fn watch(
    g: &Global,
    out: &Out,
    url: &str,
    name: &str,
    role_specs: &[String],
    rows: (i32, Option<i32>),
    count: Option<u64>,
    duration: Option<Duration>,
) -> CliResult<()> {
    let options = ModelReplicaOptions { prefetch_rows: 0, ..Default::default() };
    let cap = options.cache_rows as i32 / 2;
    let s = open(g, url, name, options).await?;
    let mut events = s.model.events();
    let available = s.model.available_roles();
    let picked = s.roles.pick(role_specs, &available, &s.what())?;
    let deadline = duration.map(|d| Instant::now() + d);
    let window = rows.0..rows.1.unwrap_or(i32::MAX).min(rows.0.saturating_add(cap));
    let mut shadow = Shadow::new(window.clone());
    s.model.set_window(&[], window.clone());

    if count == Some(0) {
        return Ok(());
    }
    refill(&s, &mut shadow, &picked).await?;
    let n = s.row_count(&[]).await?;
    let columns = s.column_count(&[]).await?;
    // Printed once the watched rows are known: changes from now on are shown.
    out.emit(
        || format!("init {n} rows × {columns} columns, roles {}", s.roles.describe(&picked)),
        || json!({"event": "init", "rows": n, "columns": columns, "roles": s.roles.json(&picked)}),
    );
    // `init` counts as an event, as in `qtro watch`.
    let mut printed = 1u64;
    // Events taken from the stream ahead of the one handled: the cache already holds their
    // changes, so values read now are compared only while none of them moved rows.
    let mut queue: VecDeque<ModelEvent> = VecDeque::new();
    loop {
        if count.is_some_and(|c| printed >= c) {
            return Ok(());
        }
        let ev = match queue.pop_front() {
            Some(e) => Some(e),
            None => match deadline {
                Some(d) => match tokio::time::timeout_at(d, events.recv()).await {
                    Ok(e) => e,
                    Err(_) => return Ok(()),
                },
                None => events.recv().await,
            },
        };
        let Some(ev) = ev else { return Err(CliError::other("the node stopped")) };
        let line: Option<(String, Json)> = match ev {
            ModelEvent::Initialized => {
                let n = s.row_count(&[]).await?;
                let columns = s.column_count(&[]).await?;
                s.model.set_window(&[], window.clone());
                refill(&s, &mut shadow, &picked).await?;
                if ahead(&mut events, &mut queue) {
                    shadow.clear();
                }
                Some((
                    format!("initialized {n} rows × {columns} columns"),
                    json!({"event": "initialized", "rows": n, "columns": columns}),
                ))
            }
            ModelEvent::Reset => {
                shadow.clear();
                Some(("reset".into(), json!({"event": "reset"})))
            }
            ModelEvent::RowsInserted { parent, first, last } => {
                let mut shown = Vec::new();
                if parent.is_empty() {
                    shadow.inserted(first, last);
                    let lo = first.max(window.start);
                    let hi = (last + 1).min(window.end);
                    if lo < hi && !ahead(&mut events, &mut queue) {
                        s.fetch(&[], lo..hi).await?;
                        let columns = s.column_count(&[]).await?;
                        for r in lo..hi {
                            shown.push((r, s.row_values(&[], r, columns, &picked).await?));
                        }
                        // Read after a later structural change: not these rows' values.
                        if ahead(&mut events, &mut queue) {
                            shown.clear();
                        }
                        for (r, values) in &shown {
                            if let Some(i) = shadow.slot(*r) {
                                shadow.rows[i] = Some(values.clone());
                            }
                        }
                    }
                }
                let text_rows: Vec<String> = shown
                    .iter()
                    .map(|(r, v)| {
                        let cells: Vec<String> = v.iter().map(|c| cell_text(&s.roles, &picked, c)).collect();
                        format!(" [{r}] {}", cells.join(" | "))
                    })
                    .collect();
                Some((
                    format!(
                        "inserted {first}..{last} under {}{}",
                        path_text(&parent),
                        if text_rows.is_empty() { String::new() } else { format!(":{}", text_rows.join(";")) }
                    ),
                    json!({"event": "inserted", "parent": path_json(&parent), "first": first, "last": last,
                        "rows": shown.iter().map(|(r, v)| json!({"row": r, "cells": v.iter().map(|c| cell_json(&s.roles, &picked, c)).collect::<Vec<_>>()})).collect::<Vec<_>>()}),
                ))
            }
            ModelEvent::RowsRemoved { parent, first, last } => {
                if parent.is_empty() {
                    shadow.removed(first, last);
                }
                Some((
                    format!("removed {first}..{last} under {}", path_text(&parent)),
                    json!({"event": "removed", "parent": path_json(&parent), "first": first, "last": last}),
                ))
            }
            ModelEvent::RowsMoved { parent, first, last, destination, row } => {
                if parent.is_empty() || destination.is_empty() {
                    shadow.clear();
                    refill(&s, &mut shadow, &picked).await?;
                    if ahead(&mut events, &mut queue) {
                        shadow.clear();
                    }
                }
                Some((
                    format!(
                        "moved {first}..{last} under {} to row {row} under {}",
                        path_text(&parent),
                        path_text(&destination)
                    ),
                    json!({"event": "moved", "parent": path_json(&parent), "first": first, "last": last,
                        "destination": path_json(&destination), "row": row}),
                ))
            }
            ModelEvent::ColumnsInserted { parent, first, last } => {
                if parent.is_empty() {
                    shadow.clear();
                    refill(&s, &mut shadow, &picked).await?;
                    if ahead(&mut events, &mut queue) {
                        shadow.clear();
                    }
                }
                Some((
                    format!("columns inserted {first}..{last} under {}", path_text(&parent)),
                    json!({"event": "columnsInserted", "parent": path_json(&parent), "first": first, "last": last}),
                ))
            }
            ModelEvent::DataChanged { top_left, bottom_right, roles } => {
                if top_left.len() == 1 && ahead(&mut events, &mut queue) {
                    // Rows moved since: the cache's rows are not this event's.
                    None
                } else {
                    let line = data_changed(&s, &mut shadow, &picked, &top_left, &bottom_right, &roles);
                    if top_left.len() == 1 && ahead(&mut events, &mut queue) {
                        // Rows moved while reading: forget what was read.
                        for r in top_left[0].row..=bottom_right.last().map_or(0, |b| b.row) {
                            if let Some(i) = shadow.slot(r) {
                                shadow.rows[i] = None;
                            }
                        }
                        None
                    } else {
                        line
                    }
                }
            }
            ModelEvent::HeaderDataChanged { orientation, first, last } => {
                let o = if orientation == Orientation::Horizontal { "horizontal" } else { "vertical" };
                Some((
                    format!("header {o} {first}..{last}"),
                    json!({"event": "header", "orientation": o, "first": first, "last": last}),
                ))
            }
            ModelEvent::LayoutChanged { hint } => {
                shadow.clear();
                refill(&s, &mut shadow, &picked).await?;
                if ahead(&mut events, &mut queue) {
                    shadow.clear();
                }
                Some((format!("layout changed ({hint:?})"), json!({"event": "layout", "hint": format!("{hint:?}")})))
            }
            ModelEvent::CurrentChanged { current, previous } => Some((
                format!("current {} (was {})", path_text(&current), path_text(&previous)),
                json!({"event": "current", "current": path_json(&current), "previous": path_json(&previous)}),
            )),
            ModelEvent::State(st) => {
                Some((format!("state {st:?}"), json!({"event": "state", "state": format!("{st:?}")})))
            }
            ModelEvent::Error(e) => Some((format!("error {e}"), json!({"event": "error", "message": e.to_string()}))),
            // Kinds of event added later are not printed yet.
            _ => None,
        };
        let Some((text, j)) = line else { continue };
        out.emit(|| text, || j);
        printed += 1;
    }
}

/// Takes the events waiting in the stream into `queue`; whether one of them changes which
/// rows the top level holds (then the cache is ahead of the event being handled).
fn ahead(events: &mut EventReceiver<ModelEvent>, queue: &mut VecDeque<ModelEvent>) -> bool {
    while let Ok(e) = events.try_recv() {
        queue.push_back(e);
    }
    queue.iter().any(|e| match e {
        ModelEvent::Initialized | ModelEvent::Reset | ModelEvent::LayoutChanged { .. } => true,
        ModelEvent::RowsInserted { parent, .. }
        | ModelEvent::RowsRemoved { parent, .. }
        | ModelEvent::ColumnsInserted { parent, .. } => parent.is_empty(),
        ModelEvent::RowsMoved { parent, destination, .. } => parent.is_empty() || destination.is_empty(),
        _ => false,
    })
}

/// Reads every watched row again, silently.
async fn refill(s: &Session, shadow: &mut Shadow, picked: &[i32]) -> CliResult<()> {
    let n = s.row_count(&[]).await?;
    let end = shadow.window.end.min(n);
    let start = shadow.window.start;
    if start >= end {
        return Ok(());
    }
    s.fetch(&[], start..end).await?;
    let columns = s.column_count(&[]).await?;
    for r in start..end {
        let values = s.row_values(&[], r, columns, picked).await?;
        if let Some(i) = shadow.slot(r) {
            shadow.rows[i] = Some(values);
        }
    }
    Ok(())
}

/// The line of a dataChanged: the watched cells whose values differ from the shadow's (none:
/// a fetch arriving, no line); under another parent, the range alone.
fn data_changed(
    s: &Session,
    shadow: &mut Shadow,
    picked: &[i32],
    top_left: &[ModelIndex],
    bottom_right: &[ModelIndex],
    roles: &[i32],
) -> Option<(String, Json)> {
    let (Some((tl, parent)), Some(br)) = (top_left.split_last(), bottom_right.last()) else { return None };
    if !parent.is_empty() {
        return Some((
            format!("changed {}..{} roles {:?}", path_text(top_left), path_text(bottom_right), roles),
            json!({"event": "changed", "topLeft": path_json(top_left), "bottomRight": path_json(bottom_right), "roles": roles}),
        ));
    }
    let columns = s.model.column_count(&[]).unwrap_or(0);
    let mut changes: Vec<(ModelIndex, Vec<Value>)> = Vec::new();
    for r in tl.row..=br.row {
        let Some(i) = shadow.slot(r) else { continue };
        // The row as cached now; a value still being fetched: its arrival tells.
        let mut now = Vec::new();
        let mut complete = true;
        for c in 0..columns {
            let mut values = Vec::new();
            for role in picked {
                match s.model.data(&[ModelIndex::new(r, c)], *role) {
                    Lookup::Cached(v) => values.push(v),
                    Lookup::Unavailable => values.push(Value::Invalid),
                    Lookup::Pending => complete = false,
                }
            }
            now.push(values);
        }
        if !complete {
            continue;
        }
        if let Some(before) = &shadow.rows[i] {
            for (c, cell) in now.iter().enumerate() {
                if before.get(c) != Some(cell) {
                    changes.push((ModelIndex::new(r, c as i32), cell.clone()));
                }
            }
        }
        shadow.rows[i] = Some(now);
    }
    if changes.is_empty() {
        return None;
    }
    let text: Vec<String> =
        changes.iter().map(|(ix, v)| format!("{} {}", path_text(&[*ix]), cell_text(&s.roles, picked, v))).collect();
    Some((
        format!("changed {}", text.join("; ")),
        json!({"event": "changed", "cells": changes.iter().map(|(ix, v)| json!({"index": path_json(&[*ix]), "values": cell_json(&s.roles, picked, v)})).collect::<Vec<_>>()}),
    ))
}

// ---- serve ----------------------------------------------------------------------------------

fn load(path: &Path) -> CliResult<TreeModel> {
    let text =
        std::fs::read_to_string(path).map_err(|e| CliError::other(format!("cannot read {}: {e}", path.display())))?;
    TreeModel::from_json(&text).map_err(|e| CliError::bad_value(format!("{}: {e}", path.display())))
}

async fn serve(
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
                  "url": bound, "dialect": super::dialect_name(dialect)})
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

    // Script on stdin (a thread: the runtime has no async stdin).
    let (tx, mut rx) = mpsc::unbounded_channel::<String>();
    std::thread::spawn(move || {
        let stdin = std::io::stdin();
        let mut line = String::new();
        loop {
            line.clear();
            match stdin.read_line(&mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) => {
                    if tx.send(line.trim_end_matches(['\n', '\r']).to_owned()).is_err() {
                        return;
                    }
                }
            }
        }
    });
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

    #[test]
    fn shadow_follows_rows() {
        let row = |n: i32| Some(vec![vec![Value::Int(n)]]);
        let mut s = Shadow::new(10..14);
        s.rows = vec![row(10), row(11), row(12), row(13)];
        s.inserted(11, 11);
        assert_eq!(s.rows, vec![row(10), None, row(11), row(12)]);
        s.removed(10, 11);
        assert_eq!(s.rows, vec![row(11), row(12), None, None]);
        s.inserted(20, 21);
        assert_eq!(s.rows[0], row(11));
        s.inserted(0, 0);
        assert!(s.rows.iter().all(Option::is_none), "rows before the window shift every row");
    }
}
