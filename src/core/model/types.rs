//! The values of the model adapter's API, typed, and their wire form ([`Value`] trees of the
//! registered types `ModelIndex`, `IndexList`, `IndexValuePair`, `DataEntries` and
//! `MetaAndDataEntries`; `docs/design/item-models.md` §1.3).
//!
//! Each `to_value` builds exactly the [`Value`] the decoder makes of Qt's bytes, so encoding it
//! gives Qt's bytes; each `from_value` checks a decoded value against the shape Qt sends and
//! names what is wrong.

use std::fmt;

use super::ModelError;
use crate::core::value::{Sequence, Size, Struct, Value};
use crate::core::Dialect;

/// One step of an index path: a row and a column under the step before it
/// (`QtPrivate::ModelIndex`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct ModelIndex {
    /// The row.
    pub row: i32,
    /// The column.
    pub column: i32,
}

impl ModelIndex {
    /// The item at `row`, `column`.
    pub const fn new(row: i32, column: i32) -> Self {
        ModelIndex { row, column }
    }

    fn to_value(self) -> Value {
        Value::Struct(Struct {
            type_name: "ModelIndex".into(),
            fields: vec![Value::Int(self.row), Value::Int(self.column)],
        })
    }

    fn from_value(v: &Value, what: &'static str) -> Result<Self, ModelError> {
        match v {
            Value::Struct(s) => match s.fields[..] {
                [Value::Int(row), Value::Int(column)] => Ok(ModelIndex { row, column }),
                _ => Err(ModelError::malformed(what, "a ModelIndex is not two ints")),
            },
            other => Err(ModelError::malformed(what, format!("expected a ModelIndex, got {}", kind(other)))),
        }
    }
}

/// An index path: the item's (row, column) under each of its ancestors, from the top level
/// down, the last step being the item itself (`QtPrivate::IndexList`). Empty is the root (Qt's
/// invalid `QModelIndex`).
pub type IndexPath = Vec<ModelIndex>;

/// Displays an index path as `[r,c]/[r,c]`, `root` when empty (for errors and logs).
pub struct DisplayPath<'a>(pub &'a [ModelIndex]);

impl fmt::Display for DisplayPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("root");
        }
        for (i, step) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("/")?;
            }
            write!(f, "[{},{}]", step.row, step.column)?;
        }
        Ok(())
    }
}

/// The wire name of an index path: `QList<ModelIndex>` (Qt 6's `QtPrivate::IndexList`) or Qt 5's
/// `IndexList`.
pub fn index_list_type(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Qt6 => "QList<ModelIndex>",
        Dialect::Qt5 => "IndexList",
    }
}

/// The wire name of a role list: `QList<int>` (Qt 6) or `QVector<int>` (Qt 5).
pub fn role_list_type(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Qt6 => "QList<int>",
        Dialect::Qt5 => "QVector<int>",
    }
}

/// The wire name of the role-name table: `QHash<int,QByteArray>` (Qt 6) or `QIntHash` (Qt 5).
pub fn role_names_type(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Qt6 => "QHash<int,QByteArray>",
        Dialect::Qt5 => "QIntHash",
    }
}

/// The wire name of an orientation list: `QList<Qt::Orientation>` or `QVector<Qt::Orientation>`.
pub fn orientation_list_type(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Qt6 => "QList<Qt::Orientation>",
        Dialect::Qt5 => "QVector<Qt::Orientation>",
    }
}

/// An index path as a top-level argument (its container named as `dialect` names it).
pub fn path_to_value(path: &[ModelIndex], dialect: Dialect) -> Value {
    path_value(path, index_list_type(dialect))
}

fn path_value(path: &[ModelIndex], type_name: &str) -> Value {
    Value::Sequence(Sequence { type_name: type_name.into(), items: path.iter().map(|i| i.to_value()).collect() })
}

/// Reads an index path (any container name: it travels raw inside structs).
pub fn path_from_value(v: &Value, what: &'static str) -> Result<IndexPath, ModelError> {
    match v {
        Value::Sequence(s) => s.items.iter().map(|i| ModelIndex::from_value(i, what)).collect(),
        other => Err(ModelError::malformed(what, format!("expected an index path, got {}", kind(other)))),
    }
}

/// A role list as a top-level argument or field.
pub fn roles_to_value(roles: &[i32], dialect: Dialect) -> Value {
    Value::Sequence(Sequence {
        type_name: role_list_type(dialect).into(),
        items: roles.iter().map(|r| Value::Int(*r)).collect(),
    })
}

/// Reads a list of ints (roles, sections); enum-typed items are accepted as their values.
pub fn ints_from_value(v: &Value, what: &'static str) -> Result<Vec<i32>, ModelError> {
    let Value::Sequence(s) = v else {
        return Err(ModelError::malformed(what, format!("expected a list of int, got {}", kind(v))));
    };
    s.items.iter().map(|i| int_from_value(i, what)).collect()
}

/// Reads an int, or an enum sent in its place (orientations, flags, hints).
pub fn int_from_value(v: &Value, what: &'static str) -> Result<i32, ModelError> {
    match v {
        Value::Int(i) => Ok(*i),
        Value::Enum(e) => i32::try_from(e.value)
            .or_else(|_| u32::try_from(e.value).map(|u| u as i32))
            .map_err(|_| ModelError::malformed(what, format!("enum value {} out of range", e.value))),
        other => Err(ModelError::malformed(what, format!("expected an int, got {}", kind(other)))),
    }
}

/// The role-name table as the adapter's `roleNames` property holds it.
pub fn role_names_to_value(names: &[(i32, bytes::Bytes)], dialect: Dialect) -> Value {
    Value::Assoc(crate::core::value::Assoc {
        type_name: role_names_type(dialect).into(),
        entries: names.iter().map(|(r, n)| (Value::Int(*r), Value::ByteArray(Some(n.clone())))).collect(),
    })
}

/// Reads the role-name table (entries whose name is not a byte array are refused).
pub fn role_names_from_value(v: &Value) -> Result<Vec<(i32, bytes::Bytes)>, ModelError> {
    const WHAT: &str = "roleNames property";
    let Value::Assoc(a) = v else {
        return Err(ModelError::malformed(WHAT, format!("expected QHash<int,QByteArray>, got {}", kind(v))));
    };
    a.entries
        .iter()
        .map(|(k, n)| match (k, n) {
            (Value::Int(r), Value::ByteArray(b)) => Ok((*r, b.clone().unwrap_or_default())),
            _ => Err(ModelError::malformed(WHAT, "an entry is not int → QByteArray")),
        })
        .collect()
}

/// A row and column count (`QSize` on the wire: width = columns, height = rows).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ModelSize {
    /// Number of columns.
    pub columns: i32,
    /// Number of rows.
    pub rows: i32,
}

impl ModelSize {
    /// As the adapter sends it.
    pub fn to_value(self) -> Value {
        Value::Size(Size { width: self.columns, height: self.rows })
    }

    /// Reads a size; negative counts are refused.
    pub fn from_value(v: &Value, what: &'static str) -> Result<Self, ModelError> {
        match v {
            Value::Size(s) if s.width >= 0 && s.height >= 0 => Ok(ModelSize { columns: s.width, rows: s.height }),
            Value::Size(s) => Err(ModelError::malformed(what, format!("negative size {}x{}", s.width, s.height))),
            other => Err(ModelError::malformed(what, format!("expected a QSize, got {}", kind(other)))),
        }
    }
}

/// `Qt::ItemFlags`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ItemFlags(pub i32);

impl ItemFlags {
    /// No flags (`Qt::NoItemFlags`).
    pub const NONE: ItemFlags = ItemFlags(0);
    /// `Qt::ItemIsSelectable`.
    pub const SELECTABLE: ItemFlags = ItemFlags(1);
    /// `Qt::ItemIsEditable`.
    pub const EDITABLE: ItemFlags = ItemFlags(2);
    /// `Qt::ItemIsDragEnabled`.
    pub const DRAG_ENABLED: ItemFlags = ItemFlags(4);
    /// `Qt::ItemIsDropEnabled`.
    pub const DROP_ENABLED: ItemFlags = ItemFlags(8);
    /// `Qt::ItemIsUserCheckable`.
    pub const USER_CHECKABLE: ItemFlags = ItemFlags(16);
    /// `Qt::ItemIsEnabled`.
    pub const ENABLED: ItemFlags = ItemFlags(32);
    /// `Qt::ItemIsAutoTristate`.
    pub const AUTO_TRISTATE: ItemFlags = ItemFlags(64);
    /// `Qt::ItemNeverHasChildren`.
    pub const NEVER_HAS_CHILDREN: ItemFlags = ItemFlags(128);
    /// `Qt::ItemIsUserTristate`.
    pub const USER_TRISTATE: ItemFlags = ItemFlags(256);

    /// Whether every flag of `other` is set.
    pub const fn contains(self, other: ItemFlags) -> bool {
        self.0 & other.0 == other.0
    }
}

impl std::ops::BitOr for ItemFlags {
    type Output = ItemFlags;
    fn bitor(self, rhs: ItemFlags) -> ItemFlags {
        ItemFlags(self.0 | rhs.0)
    }
}

/// `Qt::Orientation` (sent as an int).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Orientation {
    /// `Qt::Horizontal`: column headers.
    Horizontal = 1,
    /// `Qt::Vertical`: row headers.
    Vertical = 2,
}

impl Orientation {
    /// From Qt's value (1 or 2).
    pub fn from_i32(v: i32) -> Option<Self> {
        match v {
            1 => Some(Orientation::Horizontal),
            2 => Some(Orientation::Vertical),
            _ => None,
        }
    }
}

/// `QAbstractItemModel::LayoutChangeHint` (sent as an int).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum LayoutHint {
    /// `NoLayoutChangeHint`.
    #[default]
    None = 0,
    /// `VerticalSortHint`: rows were sorted.
    VerticalSort = 1,
    /// `HorizontalSortHint`: columns were sorted.
    HorizontalSort = 2,
}

impl LayoutHint {
    /// From Qt's value; unknown values read as [`LayoutHint::None`], as they change nothing.
    pub fn from_i32(v: i32) -> Self {
        match v {
            1 => LayoutHint::VerticalSort,
            2 => LayoutHint::HorizontalSort,
            _ => LayoutHint::None,
        }
    }
}

/// `QItemSelectionModel::SelectionFlags` (sent as an int).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct SelectionFlags(pub i32);

impl SelectionFlags {
    /// `Clear | Select | Current` (19): what a stock replica sends with a new current index.
    pub const CLEAR_SELECT_CURRENT: SelectionFlags = SelectionFlags(19);
}

/// One item in a reply (`IndexValuePair`): its path, its data for the requested roles, and
/// what the replica needs to lay it out.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ItemData {
    /// The item's path from the root.
    pub index: IndexPath,
    /// One value per requested role, in the order of the request's roles.
    pub data: Vec<Value>,
    /// Whether the item has children.
    pub has_children: bool,
    /// Its flags.
    pub flags: ItemFlags,
    /// Child items (in cache replies only).
    pub children: Vec<ItemData>,
    /// The size of its children table; `None` when not sent (Qt's `QSize(-1,-1)`, in row replies).
    pub size: Option<ModelSize>,
}

const PAIR_WHAT: &str = "IndexValuePair";

impl ItemData {
    /// As it travels inside `DataEntries` (children included).
    pub fn to_value(&self) -> Value {
        let size = self.size.map_or(Size { width: -1, height: -1 }, |s| Size { width: s.columns, height: s.rows });
        Value::Struct(Struct {
            type_name: "IndexValuePair".into(),
            fields: vec![
                path_value(&self.index, "IndexList"),
                Value::List(self.data.clone()),
                Value::Bool(self.has_children),
                Value::Int(self.flags.0),
                Value::Sequence(Sequence {
                    type_name: "QList<IndexValuePair>".into(),
                    items: self.children.iter().map(ItemData::to_value).collect(),
                }),
                Value::Size(size),
            ],
        })
    }

    /// Reads an item; `depth` bounds the nesting of children still allowed.
    pub fn from_value(v: &Value, depth: u32) -> Result<Self, ModelError> {
        let Value::Struct(s) = v else {
            return Err(ModelError::malformed(PAIR_WHAT, format!("expected an IndexValuePair, got {}", kind(v))));
        };
        let [index, Value::List(data), Value::Bool(has_children), flags, Value::Sequence(children), Value::Size(size)] =
            &s.fields[..]
        else {
            return Err(ModelError::malformed(
                PAIR_WHAT,
                "fields are not (IndexList, QVariantList, bool, int, children, QSize)",
            ));
        };
        if !children.items.is_empty() && depth == 0 {
            return Err(ModelError::malformed(PAIR_WHAT, "children nested too deep"));
        }
        let size = match (size.width, size.height) {
            (-1, -1) => None,
            (c, r) if c >= 0 && r >= 0 => Some(ModelSize { columns: c, rows: r }),
            (c, r) => return Err(ModelError::malformed(PAIR_WHAT, format!("negative size {c}x{r}"))),
        };
        Ok(ItemData {
            index: path_from_value(index, PAIR_WHAT)?,
            data: data.clone(),
            has_children: *has_children,
            flags: ItemFlags(int_from_value(flags, PAIR_WHAT)?),
            children: children.items.iter().map(|c| ItemData::from_value(c, depth - 1)).collect::<Result<_, _>>()?,
            size,
        })
    }
}

/// The items of a `replicaRowRequest` reply, as `DataEntries`.
pub fn entries_to_value(items: &[ItemData]) -> Value {
    Value::Sequence(Sequence { type_name: "DataEntries".into(), items: items.iter().map(ItemData::to_value).collect() })
}

/// Reads a `DataEntries` reply; `depth` bounds child nesting.
pub fn entries_from_value(v: &Value, depth: u32) -> Result<Vec<ItemData>, ModelError> {
    match v {
        Value::Sequence(s) => s.items.iter().map(|i| ItemData::from_value(i, depth)).collect(),
        other => Err(ModelError::malformed("DataEntries reply", format!("expected DataEntries, got {}", kind(other)))),
    }
}

/// The reply to `replicaCacheRequest` (`MetaAndDataEntries`): items depth-first with their
/// children, the roles their data lists follow, and the root's size.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CacheReply {
    /// Top-level items (children nested).
    pub items: Vec<ItemData>,
    /// The roles each item's `data` holds, in order.
    pub roles: Vec<i32>,
    /// The root's columns and rows.
    pub root_size: ModelSize,
}

impl CacheReply {
    /// As the adapter sends it.
    pub fn to_value(&self, dialect: Dialect) -> Value {
        Value::Struct(Struct {
            type_name: "MetaAndDataEntries".into(),
            fields: vec![
                entries_to_value(&self.items),
                roles_to_value(&self.roles, dialect),
                self.root_size.to_value(),
            ],
        })
    }

    /// Reads a `MetaAndDataEntries` reply; `depth` bounds child nesting.
    pub fn from_value(v: &Value, depth: u32) -> Result<Self, ModelError> {
        const WHAT: &str = "MetaAndDataEntries reply";
        let Value::Struct(s) = v else {
            return Err(ModelError::malformed(WHAT, format!("expected MetaAndDataEntries, got {}", kind(v))));
        };
        let [items, roles, size] = &s.fields[..] else {
            return Err(ModelError::malformed(WHAT, "fields are not (DataEntries, roles, QSize)"));
        };
        Ok(CacheReply {
            items: entries_from_value(items, depth)?,
            roles: ints_from_value(roles, WHAT)?,
            root_size: ModelSize::from_value(size, WHAT)?,
        })
    }
}

/// A short name of a value's kind, for errors.
pub(crate) fn kind(v: &Value) -> String {
    match v {
        Value::Sequence(s) => s.type_name.clone(),
        Value::Struct(s) => s.type_name.clone(),
        Value::Assoc(a) => a.type_name.clone(),
        other => {
            let d = format!("{other:?}");
            d.split(['(', ' ', '{']).next().unwrap_or("value").to_owned()
        }
    }
}
