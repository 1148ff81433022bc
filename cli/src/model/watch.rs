//! `qtro model watch`: one line per model event, with the values of the watched cells that
//! changed, told from re-fetches by a shadow of the watched rows.

use std::collections::VecDeque;
use std::ops::Range;
use std::time::Duration;

use serde_json::{json, Value as Json};
use tokio::time::Instant;

use qtro_rs::core::model::{Lookup, ModelEvent, ModelIndex, Orientation};
use qtro_rs::core::Value;
use qtro_rs::node::{EventReceiver, ModelReplicaOptions};

use super::{cell_json, cell_text, open, path_json, path_text, Session};
use crate::error::{CliError, CliResult};
use crate::output::Out;
use crate::Global;

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

    /// Rows `first..=last` were inserted: the watched rows after them move down.
    fn inserted(&mut self, first: i32, last: i32) {
        if first >= self.window.end {
            return;
        }
        if first < self.window.start {
            // Every watched row now holds another one: start over.
            self.clear();
            return;
        }
        let n = self.rows.len();
        let at = (first - self.window.start) as usize;
        let count = ((last - first + 1).max(0) as usize).min(n - at);
        self.rows.splice(at..at, std::iter::repeat_n(None, count));
        self.rows.truncate(n);
    }

    /// Rows `first..=last` were removed: the watched rows after them move up.
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
pub(super) async fn watch(
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

#[cfg(test)]
mod tests {
    use super::*;

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
