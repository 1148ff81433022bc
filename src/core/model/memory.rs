//! Ready-made models held in memory: [`TableModel`] (rows × columns) and [`TreeModel`] (rows
//! with child tables under column 0, as `QStandardItemModel` has them). Each cell holds a value
//! per role and its flags; headers hold a value per role and section.
//!
//! Every mutation checks its arguments, applies the change and returns the [`ModelChange`] it
//! made, ready to be signalled (`ModelHost::update` in the node does both under one lock).
//! Both load from the JSON the CLI's `qtro model serve` reads ([`TreeModel::from_json`]):
//!
//! ```json
//! {"roles": {"display": 0, "rank": 257}, "columns": 2,
//!  "headers": {"horizontal": ["A", "B"], "vertical": [{"display": "first"}]},
//!  "rows": [{"cells": [{"display": "x", "rank": 1}, "y"], "children": [{"cells": ["c", "d"]}]},
//!           ["bare", "row"]]}
//! ```
//!
//! A bare cell value is its display role; a role is a name from `roles`, a standard name
//! (`display`, `decoration`, `edit`, `toolTip`, `statusTip`, `whatsThis`), `user+N` or a number.
//! A row may also be one cell's bare value or its map of role → value, with its children under `children` (and
//! flags under `flags`): `{"display": "x", "rank": 1, "children": [...]}`.
//!
//! The plain form is a bare list of such rows, `[{"display": "a", "rank": 1, "children": [...]}]`:
//! one column, and the roles are the names the rows use — standard names, `user+N` and numbers
//! as such, other names taking the user roles from 256 up in order of first appearance.
//! Values are JSON read as the crate's text syntax ([`crate::text`]): `1` is an `int`, `1.5` a
//! `double`, `"x"` a `QString`, lists and objects `QVariantList`/`QVariantMap`.

use std::collections::BTreeMap;

use bytes::Bytes;
use serde_json::Value as Json;

use super::source::{ModelChange, ModelSource, STANDARD_ROLE_NAMES, USER_ROLE};
use super::types::DisplayPath;
use super::{ItemFlags, ModelError, ModelIndex, Orientation};
use crate::core::value::Value;

/// One cell: a value per role, and flags.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    /// Values by role.
    pub roles: BTreeMap<i32, Value>,
    /// Its flags (default: selectable, editable, enabled).
    pub flags: ItemFlags,
}

impl Default for Cell {
    fn default() -> Self {
        Cell { roles: BTreeMap::new(), flags: ItemFlags::SELECTABLE | ItemFlags::EDITABLE | ItemFlags::ENABLED }
    }
}

impl Cell {
    /// A cell with this display value.
    pub fn new(display: impl Into<Value>) -> Self {
        Cell::default().with(0, display)
    }

    /// This cell with `value` for `role`.
    pub fn with(mut self, role: i32, value: impl Into<Value>) -> Self {
        self.roles.insert(role, value.into());
        self
    }

    /// This cell with these flags.
    pub fn with_flags(mut self, flags: ItemFlags) -> Self {
        self.flags = flags;
        self
    }
}

/// One row of a tree: its cells and the table of its children (under its column 0).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Row {
    /// One cell per column of its table (missing ones read as empty, extra ones are ignored).
    pub cells: Vec<Cell>,
    /// Child rows.
    pub children: Vec<Row>,
    /// Columns of the child table (0: as many as the row's own table).
    pub child_columns: i32,
}

impl Row {
    /// A row of these cells, without children.
    pub fn new(cells: Vec<Cell>) -> Self {
        Row { cells, children: Vec::new(), child_columns: 0 }
    }

    /// A row of display values.
    pub fn of<V: Into<Value>>(values: impl IntoIterator<Item = V>) -> Self {
        Row::new(values.into_iter().map(Cell::new).collect())
    }

    /// This row with these children.
    pub fn with_children(mut self, children: Vec<Row>) -> Self {
        self.children = children;
        self
    }
}

/// A table of rows (the root, or the children of a row).
struct Table<'a> {
    columns: i32,
    rows: &'a [Row],
}

/// A tree model held in memory (see the [module documentation](self)).
#[derive(Debug, Clone, PartialEq)]
pub struct TreeModel {
    role_names: Vec<(i32, Bytes)>,
    columns: i32,
    rows: Vec<Row>,
    headers: BTreeMap<(u8, i32, i32), Value>,
    read_only: bool,
}

const MAX_COUNT: i32 = i32::MAX / 2;

impl TreeModel {
    /// An empty model of `columns` columns whose roles are `roles` (number, name).
    pub fn new(roles: &[(i32, &str)], columns: i32) -> Self {
        TreeModel {
            role_names: roles.iter().map(|(r, n)| (*r, Bytes::copy_from_slice(n.as_bytes()))).collect(),
            columns: columns.clamp(0, MAX_COUNT),
            rows: Vec::new(),
            headers: BTreeMap::new(),
            read_only: false,
        }
    }

    /// Refuses (or again accepts) writes from replicas.
    pub fn set_read_only(&mut self, read_only: bool) {
        self.read_only = read_only;
    }

    /// The top-level rows.
    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    /// Columns of the root table.
    pub fn columns(&self) -> i32 {
        self.columns
    }

    fn table(&self, parent: &[ModelIndex]) -> Option<Table<'_>> {
        let mut table = Table { columns: self.columns, rows: &self.rows };
        for step in parent {
            if step.column != 0 || step.column >= table.columns {
                return None;
            }
            let row = table.rows.get(usize::try_from(step.row).ok()?)?;
            let columns = if row.child_columns > 0 { row.child_columns } else { table.columns };
            table = Table { columns, rows: &row.children };
        }
        Some(table)
    }

    /// The rows under `parent` and their column count, for changing them.
    fn table_mut(&mut self, parent: &[ModelIndex]) -> Option<(&mut Vec<Row>, i32)> {
        let mut columns = self.columns;
        let mut rows = &mut self.rows;
        for step in parent {
            if step.column != 0 || step.column >= columns {
                return None;
            }
            let row = rows.get_mut(usize::try_from(step.row).ok()?)?;
            if row.child_columns > 0 {
                columns = row.child_columns;
            }
            // Children inherit the table's columns unless set: pin them before changing.
            row.child_columns = columns;
            rows = &mut row.children;
        }
        Some((rows, columns))
    }

    fn cell(&self, index: &[ModelIndex]) -> Option<&Cell> {
        let (last, parent) = index.split_last()?;
        let t = self.table(parent)?;
        if last.column < 0 || last.column >= t.columns {
            return None;
        }
        t.rows.get(usize::try_from(last.row).ok()?)?.cells.get(last.column as usize)
    }

    fn cell_mut(&mut self, index: &[ModelIndex]) -> Option<&mut Cell> {
        let (last, parent) = index.split_last()?;
        let (rows, columns) = self.table_mut(parent)?;
        if last.column < 0 || last.column >= columns {
            return None;
        }
        let row = rows.get_mut(usize::try_from(last.row).ok()?)?;
        let c = last.column as usize;
        if row.cells.len() <= c {
            row.cells.resize(c + 1, Cell::default());
        }
        row.cells.get_mut(c)
    }

    fn no_item(path: &[ModelIndex]) -> ModelError {
        ModelError::NoSuchIndex(DisplayPath(path).to_string())
    }

    /// Inserts `rows` before row `row` of `parent` (`row` = the row count appends).
    pub fn insert_rows(&mut self, parent: &[ModelIndex], row: i32, rows: Vec<Row>) -> Result<ModelChange, ModelError> {
        let (table, _) = self.table_mut(parent).ok_or_else(|| Self::no_item(parent))?;
        let at = usize::try_from(row).ok().filter(|&r| r <= table.len()).ok_or_else(|| Self::no_item(parent))?;
        if rows.is_empty() || table.len() + rows.len() > MAX_COUNT as usize {
            return Err(ModelError::malformed("insert_rows", format!("{} rows", rows.len())));
        }
        let n = rows.len() as i32;
        table.splice(at..at, rows);
        Ok(ModelChange::RowsInserted { parent: parent.to_vec(), first: row, last: row + n - 1 })
    }

    /// Removes `count` rows from row `row` of `parent`.
    pub fn remove_rows(&mut self, parent: &[ModelIndex], row: i32, count: i32) -> Result<ModelChange, ModelError> {
        let (table, _) = self.table_mut(parent).ok_or_else(|| Self::no_item(parent))?;
        let range = range_in(row, count, table.len())
            .ok_or_else(|| ModelError::malformed("remove_rows", format!("rows {row}+{count} of {}", table.len())))?;
        table.drain(range);
        Ok(ModelChange::RowsRemoved { parent: parent.to_vec(), first: row, last: row + count - 1 })
    }

    /// Moves `count` rows from row `row` of `parent` before row `dst_row` of `destination`
    /// (numbered before the move), as `QAbstractItemModel::moveRows` does: not into themselves
    /// nor into one of their descendants.
    pub fn move_rows(
        &mut self,
        parent: &[ModelIndex],
        row: i32,
        count: i32,
        destination: &[ModelIndex],
        dst_row: i32,
    ) -> Result<ModelChange, ModelError> {
        let bad = |why: &str| ModelError::malformed("move_rows", why.to_owned());
        let len = self.table(parent).ok_or_else(|| Self::no_item(parent))?.rows.len();
        let range = range_in(row, count, len).ok_or_else(|| bad("rows out of range"))?;
        let dst_len = self.table(destination).ok_or_else(|| Self::no_item(destination))?.rows.len();
        if dst_row < 0 || dst_row as usize > dst_len {
            return Err(bad("destination row out of range"));
        }
        let same = parent == destination;
        if same && dst_row >= row && dst_row <= row + count {
            return Err(bad("rows moved onto themselves"));
        }
        // Not under one of the moved rows.
        if destination.len() > parent.len()
            && destination[..parent.len()] == *parent
            && range.contains(&(destination[parent.len()].row as usize))
        {
            return Err(bad("rows moved under themselves"));
        }
        let (rows, _) = self.table_mut(parent).expect("checked");
        let moved: Vec<Row> = rows.drain(range).collect();
        // The destination path is numbered before the move: shift it if it ran past the rows
        // taken out of a parent along it.
        let mut dst = destination.to_vec();
        if dst.len() > parent.len() && dst[..parent.len()] == *parent && dst[parent.len()].row > row {
            dst[parent.len()].row -= count;
        }
        let mut at = dst_row as usize;
        if same && dst_row > row {
            at -= count as usize;
        }
        let (dst_rows, _) = self.table_mut(&dst).expect("checked");
        dst_rows.splice(at..at, moved);
        Ok(ModelChange::RowsMoved {
            parent: parent.to_vec(),
            first: row,
            last: row + count - 1,
            destination: destination.to_vec(),
            row: dst_row,
        })
    }

    /// Inserts `count` empty columns before column `column` of the table under `parent`.
    pub fn insert_columns(
        &mut self,
        parent: &[ModelIndex],
        column: i32,
        count: i32,
    ) -> Result<ModelChange, ModelError> {
        let columns = self.table(parent).ok_or_else(|| Self::no_item(parent))?.columns;
        if column < 0 || column > columns || count <= 0 || count > MAX_COUNT - columns {
            return Err(ModelError::malformed("insert_columns", format!("columns {column}+{count} of {columns}")));
        }
        let new = columns + count;
        let (rows, _) = self.table_mut(parent).expect("checked");
        for r in rows.iter_mut() {
            if r.child_columns == 0 {
                r.child_columns = columns;
            }
            let at = (column as usize).min(r.cells.len());
            r.cells.splice(at..at, std::iter::repeat_n(Cell::default(), count as usize));
        }
        self.set_table_columns(parent, new);
        Ok(ModelChange::ColumnsInserted { parent: parent.to_vec(), first: column, last: column + count - 1 })
    }

    /// Removes `count` columns from column `column` of the table under `parent`.
    pub fn remove_columns(
        &mut self,
        parent: &[ModelIndex],
        column: i32,
        count: i32,
    ) -> Result<ModelChange, ModelError> {
        let columns = self.table(parent).ok_or_else(|| Self::no_item(parent))?.columns;
        let range = range_in(column, count, columns as usize)
            .ok_or_else(|| ModelError::malformed("remove_columns", format!("columns {column}+{count} of {columns}")))?;
        let (rows, _) = self.table_mut(parent).expect("checked");
        for r in rows.iter_mut() {
            if r.child_columns == 0 {
                r.child_columns = columns;
            }
            let end = range.end.min(r.cells.len());
            let start = range.start.min(end);
            r.cells.drain(start..end);
        }
        self.set_table_columns(parent, columns - count);
        Ok(ModelChange::ColumnsRemoved { parent: parent.to_vec(), first: column, last: column + count - 1 })
    }

    fn set_table_columns(&mut self, parent: &[ModelIndex], columns: i32) {
        match parent.split_last() {
            None => self.columns = columns,
            Some((last, pp)) => {
                if let Some((rows, _)) = self.table_mut(pp) {
                    if let Some(r) = rows.get_mut(last.row as usize) {
                        r.child_columns = columns;
                    }
                }
            }
        }
    }

    /// Sets `role` of the item at `index`.
    pub fn set_value(&mut self, index: &[ModelIndex], role: i32, value: Value) -> Result<ModelChange, ModelError> {
        let cell = self.cell_mut(index).ok_or_else(|| Self::no_item(index))?;
        cell.roles.insert(role, value);
        Ok(ModelChange::DataChanged { top_left: index.to_vec(), bottom_right: index.to_vec(), roles: vec![role] })
    }

    /// Sets the flags of the item at `index` (signalled as a change of every role, as Qt does).
    pub fn set_flags(&mut self, index: &[ModelIndex], flags: ItemFlags) -> Result<ModelChange, ModelError> {
        let cell = self.cell_mut(index).ok_or_else(|| Self::no_item(index))?;
        cell.flags = flags;
        Ok(ModelChange::DataChanged { top_left: index.to_vec(), bottom_right: index.to_vec(), roles: Vec::new() })
    }

    /// Sets header data of `section`.
    pub fn set_header(&mut self, orientation: Orientation, section: i32, role: i32, value: Value) -> ModelChange {
        self.headers.insert((orientation as u8, section, role), value);
        ModelChange::HeaderDataChanged { orientation, first: section, last: section }
    }

    /// Replaces every row (and the column count); the model is reset.
    pub fn reset(&mut self, columns: i32, rows: Vec<Row>) -> ModelChange {
        self.columns = columns.clamp(0, MAX_COUNT);
        self.rows = rows;
        ModelChange::Reset
    }

    /// Sorts the rows under `parent` by the value of `role` in `column` (by its text form),
    /// as `QAbstractItemModel::sort` does: a layout change.
    pub fn sort(&mut self, parent: &[ModelIndex], column: i32, role: i32) -> Result<ModelChange, ModelError> {
        let (rows, _) = self.table_mut(parent).ok_or_else(|| Self::no_item(parent))?;
        let key = |r: &Row| -> (i64, String) {
            match r.cells.get(column as usize).and_then(|c| c.roles.get(&role)) {
                Some(v) => match v.as_i64() {
                    Some(i) => (i, String::new()),
                    None => (i64::MIN, v.as_str().map(str::to_owned).unwrap_or_else(|| format!("{v:?}"))),
                },
                None => (i64::MIN, String::new()),
            }
        };
        rows.sort_by_key(key);
        Ok(ModelChange::LayoutChanged { parents: vec![parent.to_vec()], hint: super::LayoutHint::VerticalSort })
    }

    /// Reads the JSON of `qtro model serve` (see the [module documentation](self)).
    pub fn from_json(text: &str) -> Result<TreeModel, ModelError> {
        let bad = |detail: String| ModelError::malformed("model JSON", detail);
        let json: Json = serde_json::from_str(text).map_err(|e| bad(e.to_string()))?;
        let plain;
        let obj = match &json {
            Json::Object(o) => o,
            Json::Array(rows) => {
                let mut roles = Vec::new();
                plain_roles(rows, &mut roles, 0)?;
                let roles: serde_json::Map<String, Json> = roles.into_iter().map(|(n, s)| (s, Json::from(n))).collect();
                plain = serde_json::Map::from_iter([
                    ("roles".to_owned(), Json::Object(roles)),
                    ("rows".to_owned(), json.clone()),
                ]);
                &plain
            }
            _ => return Err(bad("neither an object nor a list of rows".into())),
        };
        let mut roles: Vec<(i32, String)> = Vec::new();
        match obj.get("roles") {
            None => roles.push((0, "display".into())),
            Some(Json::Object(m)) => {
                for (name, n) in m {
                    let n = n
                        .as_i64()
                        .and_then(|n| i32::try_from(n).ok())
                        .ok_or_else(|| bad(format!("role {name:?} is not an int")))?;
                    roles.push((n, name.clone()));
                }
            }
            Some(_) => return Err(bad("\"roles\" is not an object".into())),
        }
        roles.sort();
        let role_refs: Vec<(i32, &str)> = roles.iter().map(|(n, s)| (*n, s.as_str())).collect();
        let rows_json = match obj.get("rows") {
            None => &[][..],
            Some(Json::Array(a)) => &a[..],
            Some(_) => return Err(bad("\"rows\" is not a list".into())),
        };
        let columns = match obj.get("columns") {
            Some(c) => c
                .as_i64()
                .filter(|c| (0..=i64::from(MAX_COUNT)).contains(c))
                .ok_or_else(|| bad("\"columns\" is not a count".into()))? as i32,
            None => rows_json.iter().map(|r| row_cells_json(r).map_or(1, |c| c.len())).max().unwrap_or(1) as i32,
        };
        let mut model = TreeModel::new(&role_refs, columns);
        let reader = JsonReader { roles: &roles };
        model.rows = rows_json.iter().map(|r| reader.row(r, 0)).collect::<Result<_, _>>()?;
        if let Some(h) = obj.get("headers") {
            let h = h.as_object().ok_or_else(|| bad("\"headers\" is not an object".into()))?;
            for (key, list) in h {
                let o = match key.as_str() {
                    "horizontal" | "h" => Orientation::Horizontal,
                    "vertical" | "v" => Orientation::Vertical,
                    _ => return Err(bad(format!("header orientation {key:?}"))),
                };
                let list = list.as_array().ok_or_else(|| bad(format!("headers {key:?} is not a list")))?;
                for (section, v) in list.iter().enumerate() {
                    for (role, value) in reader.cell(v)?.roles {
                        model.headers.insert((o as u8, section as i32, role), value);
                    }
                }
            }
        }
        Ok(model)
    }

    /// Reads one row in the JSON of [`TreeModel::from_json`] (cells, `{"cells": …}` or a
    /// role map), with this model's role names.
    pub fn row_from_json(&self, text: &str) -> Result<Row, ModelError> {
        let json: Json = serde_json::from_str(text).map_err(|e| JsonReader::bad(e.to_string()))?;
        let roles: Vec<(i32, String)> =
            self.role_names.iter().map(|(n, s)| (*n, String::from_utf8_lossy(s).into_owned())).collect();
        JsonReader { roles: &roles }.row(&json, 0)
    }
}

/// Keys of a role-map row that are not roles.
const ROW_KEYS: [&str; 2] = ["children", "flags"];

/// The roles the role-map rows of the plain form use, in order of first appearance (names that
/// are neither standard, `user+N` nor numbers get the free user roles from 256 up).
fn plain_roles(rows: &[Json], roles: &mut Vec<(i32, String)>, depth: u32) -> Result<(), ModelError> {
    if depth > 64 {
        return Err(JsonReader::bad("rows nested too deep".into()));
    }
    for r in rows {
        let Json::Object(o) = r else { continue };
        if o.contains_key("cells") {
            return Err(JsonReader::bad(
                "a list of rows has role maps, not \"cells\" (use {\"roles\": …, \"rows\": …})".into(),
            ));
        }
        for k in o.keys().filter(|k| !ROW_KEYS.contains(&k.as_str())) {
            if roles.iter().any(|(_, s)| s == k) {
                continue;
            }
            let known = JsonReader { roles: &[] }.role(k).ok();
            let n = match known {
                Some(n) => n,
                None => (USER_ROLE..i32::MAX).find(|n| !roles.iter().any(|(r, _)| r == n)).unwrap_or(i32::MAX),
            };
            if roles.iter().any(|(r, _)| *r == n) {
                return Err(JsonReader::bad(format!("role {k:?} is role {n}, which another name already has")));
            }
            roles.push((n, k.clone()));
        }
        if let Some(Json::Array(ch)) = o.get("children") {
            plain_roles(ch, roles, depth + 1)?;
        }
    }
    if roles.is_empty() {
        roles.push((0, "display".into()));
    }
    Ok(())
}

fn row_cells_json(r: &Json) -> Option<&Vec<Json>> {
    match r {
        Json::Array(a) => Some(a),
        Json::Object(o) => o.get("cells")?.as_array(),
        _ => None,
    }
}

struct JsonReader<'a> {
    roles: &'a [(i32, String)],
}

impl JsonReader<'_> {
    fn bad(detail: String) -> ModelError {
        ModelError::malformed("model JSON", detail)
    }

    fn row(&self, r: &Json, depth: u32) -> Result<Row, ModelError> {
        if depth > 64 {
            return Err(Self::bad("rows nested too deep".into()));
        }
        let mut row = match (row_cells_json(r), r) {
            (Some(cells), _) => Row::new(cells.iter().map(|c| self.cell(c)).collect::<Result<_, _>>()?),
            // A role map: one cell.
            (None, Json::Object(o)) if !o.contains_key("cells") => {
                let map: serde_json::Map<String, Json> =
                    o.iter().filter(|(k, _)| k.as_str() != "children").map(|(k, v)| (k.clone(), v.clone())).collect();
                Row::new(vec![self.cell(&Json::Object(map))?])
            }
            (None, Json::Object(_)) => return Err(Self::bad("\"cells\" is not a list".into())),
            // A bare value: one cell's display role.
            (None, v) => Row::new(vec![self.cell(v)?]),
        };
        if let Json::Object(o) = r {
            if let Some(ch) = o.get("children") {
                let ch = ch.as_array().ok_or_else(|| Self::bad("\"children\" is not a list".into()))?;
                row.children = ch.iter().map(|c| self.row(c, depth + 1)).collect::<Result<_, _>>()?;
            }
            if let Some(c) = o.get("columns").filter(|_| o.contains_key("cells")) {
                row.child_columns = c
                    .as_i64()
                    .filter(|c| (1..=i64::from(MAX_COUNT)).contains(c))
                    .ok_or_else(|| Self::bad("a row's \"columns\" is not a count".into()))?
                    as i32;
            }
        }
        Ok(row)
    }

    fn cell(&self, c: &Json) -> Result<Cell, ModelError> {
        match c {
            Json::Object(m) => {
                let mut cell = Cell::default();
                for (k, v) in m {
                    if k == "flags" {
                        let f = v
                            .as_i64()
                            .and_then(|f| i32::try_from(f).ok())
                            .ok_or_else(|| Self::bad("\"flags\" is not an int".into()))?;
                        cell.flags = ItemFlags(f);
                        continue;
                    }
                    cell.roles.insert(self.role(k)?, json_value(v)?);
                }
                Ok(cell)
            }
            v => Ok(Cell::default().with(0, json_value(v)?)),
        }
    }

    fn role(&self, name: &str) -> Result<i32, ModelError> {
        if let Some((n, _)) = self.roles.iter().find(|(_, s)| s == name) {
            return Ok(*n);
        }
        if let Some((n, _)) = STANDARD_ROLE_NAMES.iter().find(|(_, s)| *s == name) {
            return Ok(*n);
        }
        if let Some(n) = name.strip_prefix("user+").and_then(|n| n.parse::<i32>().ok()) {
            return n.checked_add(USER_ROLE).ok_or_else(|| Self::bad(format!("role {name}")));
        }
        name.parse::<i32>().map_err(|_| Self::bad(format!("unknown role {name:?}")))
    }
}

/// A JSON value as the text syntax reads it (its natural type).
fn json_value(v: &Json) -> Result<Value, ModelError> {
    if v.is_null() {
        return Ok(Value::Invalid);
    }
    crate::text::parse_value(&v.to_string(), None, &crate::text::TypeContext::default())
        .map_err(|e| ModelError::malformed("model JSON", e.to_string()))
}

/// `row..row+count` if it is a non-empty range within `len`.
fn range_in(row: i32, count: i32, len: usize) -> Option<std::ops::Range<usize>> {
    let start = usize::try_from(row).ok()?;
    let end = start.checked_add(usize::try_from(count).ok().filter(|&c| c > 0)?)?;
    (end <= len).then_some(start..end)
}

impl ModelSource for TreeModel {
    fn role_names(&self) -> Vec<(i32, Bytes)> {
        self.role_names.clone()
    }

    fn row_count(&self, parent: &[ModelIndex]) -> i32 {
        self.table(parent).map_or(0, |t| t.rows.len() as i32)
    }

    fn column_count(&self, parent: &[ModelIndex]) -> i32 {
        self.table(parent).map_or(0, |t| t.columns)
    }

    fn has_children(&self, index: &[ModelIndex]) -> bool {
        self.table(index).is_some_and(|t| !t.rows.is_empty() && t.columns > 0)
    }

    fn data(&self, index: &[ModelIndex], role: i32) -> Value {
        self.cell(index).and_then(|c| c.roles.get(&role)).cloned().unwrap_or(Value::Invalid)
    }

    fn multi_data(&self, index: &[ModelIndex], roles: &[i32], out: &mut Vec<Value>) {
        let cell = self.cell(index);
        out.extend(roles.iter().map(|r| cell.and_then(|c| c.roles.get(r)).cloned().unwrap_or(Value::Invalid)));
    }

    fn flags(&self, index: &[ModelIndex]) -> ItemFlags {
        match self.cell(index) {
            Some(c) => c.flags,
            // Cells a row does not list exist, empty.
            None if self.table(index.split_last().map_or(&[][..], |p| p.1)).is_some() => Cell::default().flags,
            None => ItemFlags::NONE,
        }
    }

    fn header_data(&self, section: i32, orientation: Orientation, role: i32) -> Value {
        self.headers.get(&(orientation as u8, section, role)).cloned().unwrap_or(Value::Invalid)
    }

    fn set_data(&mut self, index: &[ModelIndex], value: Value, role: i32) -> Result<Vec<ModelChange>, ModelError> {
        if self.read_only {
            return Err(ModelError::ReadOnly { index: DisplayPath(index).to_string(), role });
        }
        Ok(vec![self.set_value(index, role, value)?])
    }
}

/// A table model held in memory: a [`TreeModel`] without children, addressed by row and column.
#[derive(Debug, Clone, PartialEq)]
pub struct TableModel {
    tree: TreeModel,
}

impl TableModel {
    /// An empty table of `columns` columns whose roles are `roles` (number, name).
    pub fn new(roles: &[(i32, &str)], columns: i32) -> Self {
        TableModel { tree: TreeModel::new(roles, columns) }
    }

    /// Reads the JSON of `qtro model serve`; rows with children are refused.
    pub fn from_json(text: &str) -> Result<TableModel, ModelError> {
        let tree = TreeModel::from_json(text)?;
        if tree.rows.iter().any(|r| !r.children.is_empty()) {
            return Err(ModelError::malformed("model JSON", "a table's rows have no children"));
        }
        Ok(TableModel { tree })
    }

    /// The table as a tree (to read its rows).
    pub fn as_tree(&self) -> &TreeModel {
        &self.tree
    }

    /// Refuses (or again accepts) writes from replicas.
    pub fn set_read_only(&mut self, read_only: bool) {
        self.tree.set_read_only(read_only);
    }

    /// Number of rows.
    pub fn row_len(&self) -> i32 {
        self.tree.rows.len() as i32
    }

    /// Inserts rows of cells before `row`.
    pub fn insert_rows(&mut self, row: i32, rows: Vec<Vec<Cell>>) -> Result<ModelChange, ModelError> {
        self.tree.insert_rows(&[], row, rows.into_iter().map(Row::new).collect())
    }

    /// Removes `count` rows from `row`.
    pub fn remove_rows(&mut self, row: i32, count: i32) -> Result<ModelChange, ModelError> {
        self.tree.remove_rows(&[], row, count)
    }

    /// Moves `count` rows from `row` before `dst_row` (numbered before the move).
    pub fn move_rows(&mut self, row: i32, count: i32, dst_row: i32) -> Result<ModelChange, ModelError> {
        self.tree.move_rows(&[], row, count, &[], dst_row)
    }

    /// Inserts `count` empty columns before `column`.
    pub fn insert_columns(&mut self, column: i32, count: i32) -> Result<ModelChange, ModelError> {
        self.tree.insert_columns(&[], column, count)
    }

    /// Removes `count` columns from `column`.
    pub fn remove_columns(&mut self, column: i32, count: i32) -> Result<ModelChange, ModelError> {
        self.tree.remove_columns(&[], column, count)
    }

    /// Sets `role` of the cell at `row`, `column`.
    pub fn set_value(&mut self, row: i32, column: i32, role: i32, value: Value) -> Result<ModelChange, ModelError> {
        self.tree.set_value(&[ModelIndex::new(row, column)], role, value)
    }

    /// Sets the flags of a cell.
    pub fn set_flags(&mut self, row: i32, column: i32, flags: ItemFlags) -> Result<ModelChange, ModelError> {
        self.tree.set_flags(&[ModelIndex::new(row, column)], flags)
    }

    /// Sets header data of `section`.
    pub fn set_header(&mut self, orientation: Orientation, section: i32, role: i32, value: Value) -> ModelChange {
        self.tree.set_header(orientation, section, role, value)
    }

    /// Replaces every row and the column count; the model is reset.
    pub fn reset(&mut self, columns: i32, rows: Vec<Vec<Cell>>) -> ModelChange {
        self.tree.reset(columns, rows.into_iter().map(Row::new).collect())
    }

    /// Sorts the rows by `role` of `column`.
    pub fn sort(&mut self, column: i32, role: i32) -> Result<ModelChange, ModelError> {
        self.tree.sort(&[], column, role)
    }
}

impl ModelSource for TableModel {
    fn role_names(&self) -> Vec<(i32, Bytes)> {
        self.tree.role_names()
    }
    fn row_count(&self, parent: &[ModelIndex]) -> i32 {
        if parent.is_empty() {
            self.tree.row_count(parent)
        } else {
            0
        }
    }
    fn column_count(&self, parent: &[ModelIndex]) -> i32 {
        if parent.is_empty() {
            self.tree.columns
        } else {
            0
        }
    }
    fn has_children(&self, index: &[ModelIndex]) -> bool {
        index.is_empty() && self.tree.has_children(index)
    }
    fn data(&self, index: &[ModelIndex], role: i32) -> Value {
        self.tree.data(index, role)
    }
    fn multi_data(&self, index: &[ModelIndex], roles: &[i32], out: &mut Vec<Value>) {
        self.tree.multi_data(index, roles, out)
    }
    fn flags(&self, index: &[ModelIndex]) -> ItemFlags {
        self.tree.flags(index) | ItemFlags::NEVER_HAS_CHILDREN
    }
    fn header_data(&self, section: i32, orientation: Orientation, role: i32) -> Value {
        self.tree.header_data(section, orientation, role)
    }
    fn set_data(&mut self, index: &[ModelIndex], value: Value, role: i32) -> Result<Vec<ModelChange>, ModelError> {
        self.tree.set_data(index, value, role)
    }
}
