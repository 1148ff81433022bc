//! A model as JSON in the shape the stock-Qt peer's `dump` prints (qt-interop/peers,
//! `modelutil::dumpModel`): `{"rows", "columns", "items": [{"row", "hasChildren", "cells":
//! [{"data": {role: value}, "flags"}], "children"}]}`, read from a Rust `ModelSource` or from what
//! a `ModelReplica` has cached. How values are written is the caller's (`to_json`).

use qtro_rs::core::model::{Lookup, ModelIndex, ModelSource};
use qtro_rs::core::Value;
use qtro_rs::node::ModelReplica;
use serde_json::{json, Value as Json};

/// The items under `parent` of a Rust model, with the data of `roles` (invalid values left out).
pub fn source_level(
    m: &dyn ModelSource,
    parent: &[ModelIndex],
    roles: &[i32],
    to_json: &dyn Fn(&Value) -> Json,
) -> Json {
    let (rows, cols) = (m.row_count(parent), m.column_count(parent));
    let mut path = parent.to_vec();
    let mut items = Vec::new();
    for r in 0..rows {
        let mut cells = Vec::new();
        for c in 0..cols {
            path.push(ModelIndex::new(r, c));
            let mut data = serde_json::Map::new();
            for &role in roles {
                let v = m.data(&path, role);
                if v != Value::Invalid {
                    data.insert(role.to_string(), to_json(&v));
                }
            }
            cells.push(json!({"data": data, "flags": m.flags(&path).0}));
            path.pop();
        }
        path.push(ModelIndex::new(r, 0));
        let has_children = m.has_children(&path);
        let mut item = json!({"row": r, "hasChildren": has_children, "cells": cells});
        if has_children {
            item["children"] = source_level(m, &path, roles, to_json);
        }
        path.pop();
        items.push(item);
    }
    json!({"rows": rows, "columns": cols, "items": items})
}

/// The same of what `m` has cached under `parent` (fetch it first); `None` while anything in it
/// is still pending. `roles` must be roles the host serves: one the replica calls unavailable
/// fails the test.
pub fn replica_level(
    m: &ModelReplica,
    parent: &[ModelIndex],
    roles: &[i32],
    to_json: &dyn Fn(&Value) -> Json,
) -> Option<Json> {
    let rows = m.row_count(parent)?;
    let columns = m.column_count(parent)?;
    let mut items = Vec::new();
    for r in 0..rows {
        let mut path = parent.to_vec();
        path.push(ModelIndex::new(r, 0));
        let mut cells = Vec::new();
        for c in 0..columns {
            path.last_mut().expect("pushed").column = c;
            let mut data = serde_json::Map::new();
            for &role in roles {
                match m.data(&path, role) {
                    Lookup::Cached(Value::Invalid) => {}
                    Lookup::Unavailable => panic!("{path:?} role {role}: unavailable"),
                    Lookup::Cached(v) => {
                        data.insert(role.to_string(), to_json(&v));
                    }
                    Lookup::Pending => return None,
                }
            }
            cells.push(json!({"data": data, "flags": m.flags(&path)?.0}));
        }
        path.last_mut().expect("pushed").column = 0;
        let has_children = m.has_children(&path)?;
        let mut item = json!({"row": r, "hasChildren": has_children, "cells": cells});
        if has_children {
            item["children"] = replica_level(m, &path, roles, to_json)?;
        }
        items.push(item);
    }
    Some(json!({"rows": rows, "columns": columns, "items": items}))
}

/// Fetches every row under `parent` and, depth first, under each row known to have children.
/// What a change made unknown again meanwhile is left for [`replica_level`] to report as pending.
pub async fn fetch_tree(m: &ModelReplica, parent: &[ModelIndex], timeout: std::time::Duration) {
    m.fetch(parent, 0..i32::MAX, timeout).await.unwrap_or_else(|e| panic!("fetching {parent:?}: {e}"));
    let Some(rows) = m.row_count(parent) else { return };
    for r in 0..rows {
        let mut path = parent.to_vec();
        path.push(ModelIndex::new(r, 0));
        if m.has_children(&path) == Some(true) {
            Box::pin(fetch_tree(m, &path, timeout)).await;
        }
    }
}
