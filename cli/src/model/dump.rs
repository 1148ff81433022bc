//! `qtro model dump`: rows of a remote model, fetched a window at a time and printed as they
//! arrive (a table, an indented tree, or one JSON object written piece by piece).

use std::future::Future;
use std::ops::Range;
use std::pin::Pin;

use serde_json::{json, Value as Json};

use qtro_rs::core::model::{InitialAction, Lookup, ModelIndex, Orientation};
use qtro_rs::core::Value;
use qtro_rs::node::ModelReplicaOptions;

use super::{cell_json, cell_text, open, path_text, Roles, Session};
use crate::error::CliResult;
use crate::output::Out;
use crate::Global;

pub(super) struct DumpOptions {
    pub(super) roles: Vec<String>,
    pub(super) rows: (i32, Option<i32>),
    pub(super) depth: Option<u32>,
    pub(super) headers: bool,
    pub(super) prefetch: Option<usize>,
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

pub(super) async fn dump(g: &Global, out: &Out, url: &str, name: &str, o: DumpOptions) -> CliResult<()> {
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
