//! The model adapter's fixed API (Qt's `QAbstractItemModelSourceAdapter`): its class, and its
//! requests (replica → host slot calls) and signals (host → replica) as typed values.
//!
//! The indexes are the same in Qt 5.15 and Qt 6; the signatures and the wire names of the
//! argument types differ ([`types`](super::types)). [`adapter_class`] declares each slot's and
//! signal's parameters with the types Qt *sends* (the selection flags, orientation and layout
//! hint travel as plain ints, `size_t` as `ulong`), so the generic argument check lets through
//! exactly what a Qt peer writes.

use super::types::{
    index_list_type, int_from_value, ints_from_value, kind, orientation_list_type, path_from_value, path_to_value,
    role_list_type, role_names_to_value, roles_to_value, IndexPath, LayoutHint, Orientation, SelectionFlags,
};
use super::ModelError;
use crate::core::classdef::{ClassDefinition, MethodDef, PropertyDef, SignalDef};
use crate::core::source::{MethodKind, Param, PropertyMode, SourceClass};
use crate::core::value::{Sequence, Value};
use crate::core::Dialect;

/// The type name a model adapter is listed and sent with.
pub const ADAPTER_TYPE: &str = "QAbstractItemModelAdapter";

/// Property indexes of the adapter.
pub mod prop {
    /// `availableRoles`: the roles the host serves.
    pub const AVAILABLE_ROLES: usize = 0;
    /// `roleNames`: role → name.
    pub const ROLE_NAMES: usize = 1;
}

/// Signal indexes of the adapter.
pub mod sig {
    /// `availableRolesChanged()` (notify of property 0, no argument).
    pub const AVAILABLE_ROLES_CHANGED: usize = 0;
    /// `dataChanged(IndexList,IndexList,QList<int>)`.
    pub const DATA_CHANGED: usize = 1;
    /// `rowsInserted(IndexList,int,int)`.
    pub const ROWS_INSERTED: usize = 2;
    /// `rowsRemoved(IndexList,int,int)`.
    pub const ROWS_REMOVED: usize = 3;
    /// `rowsMoved(IndexList,int,int,IndexList,int)`.
    pub const ROWS_MOVED: usize = 4;
    /// `currentChanged(IndexList,IndexList)`.
    pub const CURRENT_CHANGED: usize = 5;
    /// `resetModel()`.
    pub const RESET: usize = 6;
    /// `headerDataChanged(Qt::Orientation,int,int)`.
    pub const HEADER_DATA_CHANGED: usize = 7;
    /// `columnsInserted(IndexList,int,int)`.
    pub const COLUMNS_INSERTED: usize = 8;
    /// `layoutChanged(IndexList,QAbstractItemModel::LayoutChangeHint)`.
    pub const LAYOUT_CHANGED: usize = 9;
}

/// Method indexes of the adapter.
pub mod method {
    /// `replicaSizeRequest(IndexList)` → `QSize`.
    pub const SIZE: usize = 0;
    /// `replicaRowRequest(IndexList,IndexList,QList<int>)` → `DataEntries`.
    pub const ROWS: usize = 1;
    /// `replicaHeaderRequest(QList<Qt::Orientation>,QList<int>,QList<int>)` → `QVariantList`.
    pub const HEADER: usize = 2;
    /// `replicaSetCurrentIndex(IndexList,QItemSelectionModel::SelectionFlags)`, no reply.
    pub const SET_CURRENT: usize = 3;
    /// `replicaSetData(IndexList,QVariant,int)`, no reply.
    pub const SET_DATA: usize = 4;
    /// `replicaCacheRequest(size_t,QList<int>)` → `MetaAndDataEntries`.
    pub const CACHE: usize = 5;
}

/// The adapter's class as `dialect`'s Qt declares it: the API a model replica calls, with no
/// signature (Qt replicas of models do not check one).
pub fn adapter_class(dialect: Dialect) -> SourceClass {
    let (il, roles) = (index_list_type(dialect), role_list_type(dialect));
    // The signatures Qt lists (dynamic replicas read them); `QtPrivate::IndexList` is Qt 6's
    // spelling of the index path, `IndexList` Qt 5's.
    let (sil, sroles, entries, cache) = match dialect {
        Dialect::Qt6 => {
            ("QtPrivate::IndexList", "QList<int>", "QtPrivate::DataEntries", "QtPrivate::MetaAndDataEntries")
        }
        Dialect::Qt5 => ("IndexList", "QVector<int>", "DataEntries", "MetaAndDataEntries"),
    };
    let orients = orientation_list_type(dialect);
    let signal = |sig: String| {
        let n = if sig.ends_with("()") { 0 } else { sig.matches(',').count() + 1 };
        SignalDef { signature: sig, parameter_names: vec![String::new(); n] }
    };
    let signals = vec![
        signal("availableRolesChanged()".into()),
        signal(format!("dataChanged({sil},{sil},{sroles})")),
        signal(format!("rowsInserted({sil},int,int)")),
        signal(format!("rowsRemoved({sil},int,int)")),
        signal(format!("rowsMoved({sil},int,int,{sil},int)")),
        signal(format!("currentChanged({sil},{sil})")),
        signal("resetModel()".into()),
        signal("headerDataChanged(Qt::Orientation,int,int)".into()),
        signal(format!("columnsInserted({sil},int,int)")),
        signal(format!("layoutChanged({sil},QAbstractItemModel::LayoutChangeHint)")),
    ];
    let method = |sig: String, ret: &str| {
        let n = sig.matches(',').count() + 1;
        MethodDef { signature: sig, return_type: ret.into(), parameter_names: vec![String::new(); n] }
    };
    let methods = vec![
        method(format!("replicaSizeRequest({sil})"), "QSize"),
        method(format!("replicaRowRequest({sil},{sil},{sroles})"), entries),
        method(format!("replicaHeaderRequest({orients},{sroles},{sroles})"), "QVariantList"),
        method(format!("replicaSetCurrentIndex({sil},QItemSelectionModel::SelectionFlags)"), ""),
        method(format!("replicaSetData({sil},QVariant,int)"), ""),
        method(format!("replicaCacheRequest(size_t,{sroles})"), cache),
    ];
    let names_type = super::types::role_names_type(dialect);
    let properties = vec![
        PropertyDef {
            name: "availableRoles".into(),
            type_name: roles.into(),
            notify_signal: Some("availableRolesChanged()".into()),
        },
        PropertyDef { name: "roleNames".into(), type_name: names_type.into(), notify_signal: None },
    ];
    let params = |types: &[&str]| types.iter().map(|t| Param::new("", *t)).collect::<Vec<_>>();
    let slot_params = vec![
        params(&[il]),
        params(&[il, il, roles]),
        params(&[orients, roles, roles]),
        params(&[il, "int"]),
        params(&[il, "QVariant", "int"]),
        params(&["ulong", roles]),
    ];
    // Signal 0 is the notify signal; the other nine are declared.
    let signal_params = vec![
        params(&[il, il, roles]),
        params(&[il, "int", "int"]),
        params(&[il, "int", "int"]),
        params(&[il, "int", "int", il, "int"]),
        params(&[il, il]),
        params(&[]),
        params(&["int", "int", "int"]),
        params(&[il, "int", "int"]),
        params(&[il, "int"]),
    ];
    SourceClass {
        definition: ClassDefinition {
            type_name: Some(ADAPTER_TYPE.into()),
            enums: Vec::new(),
            gadgets: Default::default(),
            signals,
            methods,
            properties,
        },
        modes: vec![PropertyMode::ReadOnly, PropertyMode::Constant],
        defaults: vec![roles_to_value(&[], dialect), role_names_to_value(&[], dialect)],
        signature: None,
        notify_index: vec![Some(sig::AVAILABLE_ROLES_CHANGED), None],
        method_kinds: (0..6).map(MethodKind::Slot).collect(),
        slot_params,
        signal_params,
    }
}

/// The source name Qt gives the model in `.rep` `MODEL` property `prop` of the source named
/// `parent` (Qt 6: `Model::<parent>::<prop>`; Qt 5.15: `Model::<prop>`, so two classes with a
/// model property of the same name collide there, as in Qt).
pub fn model_child_name(dialect: Dialect, parent: &str, prop: &str) -> String {
    match dialect {
        Dialect::Qt6 => format!("Model::{parent}::{prop}"),
        Dialect::Qt5 => format!("Model::{prop}"),
    }
}

/// A call of the adapter's API by a replica.
#[derive(Debug, Clone, PartialEq)]
pub enum AdapterRequest {
    /// `replicaSizeRequest`: the columns and rows under `parent`.
    Size {
        /// The parent item (empty: the root).
        parent: IndexPath,
    },
    /// `replicaRowRequest`: the items from `start` to `end` (same parent; rows and columns
    /// between the two last steps), with the data of `roles` (empty: every available role).
    Rows {
        /// The first item.
        start: IndexPath,
        /// The last item.
        end: IndexPath,
        /// The roles wanted.
        roles: Vec<i32>,
    },
    /// `replicaHeaderRequest`: one value per (orientation, section, role).
    Header {
        /// The header entries wanted.
        items: Vec<(Orientation, i32, i32)>,
    },
    /// `replicaSetCurrentIndex`: the replica's current index changed.
    SetCurrent {
        /// The new current index.
        index: IndexPath,
        /// The selection-model command.
        flags: SelectionFlags,
    },
    /// `replicaSetData`: write `value` to `role` of the item at `index`.
    SetData {
        /// The item.
        index: IndexPath,
        /// The new value.
        value: Value,
        /// The role written.
        role: i32,
    },
    /// `replicaCacheRequest`: up to `size` items, depth-first, with the data of `roles` (empty:
    /// every available role) — Qt's `PrefetchData`.
    Cache {
        /// How many items at most.
        size: u64,
        /// The roles wanted.
        roles: Vec<i32>,
    },
}

impl AdapterRequest {
    /// The adapter method it calls.
    pub fn method(&self) -> usize {
        match self {
            AdapterRequest::Size { .. } => method::SIZE,
            AdapterRequest::Rows { .. } => method::ROWS,
            AdapterRequest::Header { .. } => method::HEADER,
            AdapterRequest::SetCurrent { .. } => method::SET_CURRENT,
            AdapterRequest::SetData { .. } => method::SET_DATA,
            AdapterRequest::Cache { .. } => method::CACHE,
        }
    }

    /// Whether the method returns a value (Qt replicas ask for replies to these only).
    pub fn wants_reply(&self) -> bool {
        !matches!(self, AdapterRequest::SetCurrent { .. } | AdapterRequest::SetData { .. })
    }

    /// The call's arguments as `dialect`'s Qt writes them.
    pub fn to_args(&self, dialect: Dialect) -> Vec<Value> {
        match self {
            AdapterRequest::Size { parent } => vec![path_to_value(parent, dialect)],
            AdapterRequest::Rows { start, end, roles } => {
                vec![path_to_value(start, dialect), path_to_value(end, dialect), roles_to_value(roles, dialect)]
            }
            AdapterRequest::Header { items } => {
                let orientations = Value::Sequence(Sequence {
                    type_name: orientation_list_type(dialect).into(),
                    items: items
                        .iter()
                        .map(|(o, _, _)| {
                            Value::Enum(crate::core::value::EnumValue {
                                type_name: "Qt::Orientation".into(),
                                value: *o as i64,
                                size: 4,
                            })
                        })
                        .collect(),
                });
                let sections: Vec<i32> = items.iter().map(|i| i.1).collect();
                let roles: Vec<i32> = items.iter().map(|i| i.2).collect();
                vec![orientations, roles_to_value(&sections, dialect), roles_to_value(&roles, dialect)]
            }
            AdapterRequest::SetCurrent { index, flags } => vec![path_to_value(index, dialect), Value::Int(flags.0)],
            AdapterRequest::SetData { index, value, role } => {
                vec![path_to_value(index, dialect), value.clone(), Value::Int(*role)]
            }
            AdapterRequest::Cache { size, roles } => vec![Value::ULong(*size), roles_to_value(roles, dialect)],
        }
    }

    /// Reads a call of adapter method `method` with `args`, checking every argument's shape.
    pub fn from_invoke(method: usize, args: &[Value]) -> Result<Self, ModelError> {
        const NAMES: [&str; 6] = [
            "replicaSizeRequest",
            "replicaRowRequest",
            "replicaHeaderRequest",
            "replicaSetCurrentIndex",
            "replicaSetData",
            "replicaCacheRequest",
        ];
        const ARITY: [usize; 6] = [1, 3, 3, 2, 3, 2];
        let (Some(&member), Some(&expected)) = (NAMES.get(method), ARITY.get(method)) else {
            return Err(ModelError::UnknownMember { what: "method", index: method });
        };
        if args.len() != expected {
            return Err(ModelError::ArgumentCount { member, expected, given: args.len() });
        }
        Ok(match method {
            method::SIZE => AdapterRequest::Size { parent: path_from_value(&args[0], member)? },
            method::ROWS => {
                let start = path_from_value(&args[0], member)?;
                let end = path_from_value(&args[1], member)?;
                AdapterRequest::Rows { start, end, roles: ints_from_value(&args[2], member)? }
            }
            method::HEADER => {
                let orientations = ints_from_value(&args[0], member)?;
                let sections = ints_from_value(&args[1], member)?;
                let roles = ints_from_value(&args[2], member)?;
                if orientations.len() != sections.len() || sections.len() != roles.len() {
                    return Err(ModelError::malformed(
                        member,
                        format!(
                            "lists of unequal lengths ({}, {}, {})",
                            orientations.len(),
                            sections.len(),
                            roles.len()
                        ),
                    ));
                }
                let items = orientations
                    .into_iter()
                    .zip(sections)
                    .zip(roles)
                    .map(|((o, s), r)| {
                        Orientation::from_i32(o)
                            .map(|o| (o, s, r))
                            .ok_or_else(|| ModelError::malformed(member, format!("orientation {o} is not 1 or 2")))
                    })
                    .collect::<Result<_, _>>()?;
                AdapterRequest::Header { items }
            }
            method::SET_CURRENT => AdapterRequest::SetCurrent {
                index: path_from_value(&args[0], member)?,
                flags: SelectionFlags(int_from_value(&args[1], member)?),
            },
            method::SET_DATA => {
                let value = match &args[1] {
                    Value::Variant(inner) => (**inner).clone(),
                    v => v.clone(),
                };
                AdapterRequest::SetData {
                    index: path_from_value(&args[0], member)?,
                    value,
                    role: int_from_value(&args[2], member)?,
                }
            }
            _ => {
                let size = match &args[0] {
                    Value::ULong(n) | Value::ULongLong(n) => *n,
                    Value::UInt(n) => u64::from(*n),
                    Value::Int(n) if *n >= 0 => *n as u64,
                    Value::Long(n) | Value::LongLong(n) if *n >= 0 => *n as u64,
                    other => {
                        return Err(ModelError::malformed(member, format!("size is not a size_t: {}", kind(other))))
                    }
                };
                AdapterRequest::Cache { size, roles: ints_from_value(&args[1], member)? }
            }
        })
    }
}

/// A signal of the adapter: what changed in the model, as a replica is told.
#[derive(Debug, Clone, PartialEq)]
pub enum ModelSignal {
    /// The available roles changed (the new list is in the property).
    AvailableRolesChanged,
    /// Data of the items from `top_left` to `bottom_right` changed, for `roles`.
    DataChanged {
        /// The first item.
        top_left: IndexPath,
        /// The last item (same parent).
        bottom_right: IndexPath,
        /// The roles that changed (never empty from a Qt host: empty means every available role).
        roles: Vec<i32>,
    },
    /// Rows `first..=last` were inserted under `parent`.
    RowsInserted {
        /// The parent.
        parent: IndexPath,
        /// First new row.
        first: i32,
        /// Last new row.
        last: i32,
    },
    /// Rows `first..=last` were removed from under `parent`.
    RowsRemoved {
        /// The parent.
        parent: IndexPath,
        /// First removed row.
        first: i32,
        /// Last removed row.
        last: i32,
    },
    /// Rows `first..=last` under `parent` moved to row `row` of `destination` (the row numbering
    /// before the move, as `QAbstractItemModel::rowsMoved` gives it).
    RowsMoved {
        /// Where they were.
        parent: IndexPath,
        /// First moved row.
        first: i32,
        /// Last moved row.
        last: i32,
        /// Where they went.
        destination: IndexPath,
        /// The row they were moved before.
        row: i32,
    },
    /// The host's current index changed.
    CurrentChanged {
        /// The new current index.
        current: IndexPath,
        /// The previous one.
        previous: IndexPath,
    },
    /// The model was reset.
    Reset,
    /// Header entries `first..=last` of `orientation` changed.
    HeaderDataChanged {
        /// Which headers.
        orientation: Orientation,
        /// First section.
        first: i32,
        /// Last section.
        last: i32,
    },
    /// Columns `first..=last` were inserted under `parent`.
    ColumnsInserted {
        /// The parent.
        parent: IndexPath,
        /// First new column.
        first: i32,
        /// Last new column.
        last: i32,
    },
    /// The layout changed (rows sorted, say). Qt sends the paths of every parent concerned
    /// concatenated into one flat list, which cannot be split again: kept as sent.
    LayoutChanged {
        /// The parents' paths, concatenated.
        parents_flat: IndexPath,
        /// What kind of change.
        hint: LayoutHint,
    },
}

impl ModelSignal {
    /// The adapter signal index it is sent as.
    pub fn index(&self) -> usize {
        match self {
            ModelSignal::AvailableRolesChanged => sig::AVAILABLE_ROLES_CHANGED,
            ModelSignal::DataChanged { .. } => sig::DATA_CHANGED,
            ModelSignal::RowsInserted { .. } => sig::ROWS_INSERTED,
            ModelSignal::RowsRemoved { .. } => sig::ROWS_REMOVED,
            ModelSignal::RowsMoved { .. } => sig::ROWS_MOVED,
            ModelSignal::CurrentChanged { .. } => sig::CURRENT_CHANGED,
            ModelSignal::Reset => sig::RESET,
            ModelSignal::HeaderDataChanged { .. } => sig::HEADER_DATA_CHANGED,
            ModelSignal::ColumnsInserted { .. } => sig::COLUMNS_INSERTED,
            ModelSignal::LayoutChanged { .. } => sig::LAYOUT_CHANGED,
        }
    }

    /// The signal's arguments as `dialect`'s Qt writes them.
    pub fn to_args(&self, dialect: Dialect) -> Vec<Value> {
        let p = |path: &IndexPath| path_to_value(path, dialect);
        match self {
            ModelSignal::AvailableRolesChanged | ModelSignal::Reset => Vec::new(),
            ModelSignal::DataChanged { top_left, bottom_right, roles } => {
                vec![p(top_left), p(bottom_right), roles_to_value(roles, dialect)]
            }
            ModelSignal::RowsInserted { parent, first, last }
            | ModelSignal::RowsRemoved { parent, first, last }
            | ModelSignal::ColumnsInserted { parent, first, last } => {
                vec![p(parent), Value::Int(*first), Value::Int(*last)]
            }
            ModelSignal::RowsMoved { parent, first, last, destination, row } => {
                vec![p(parent), Value::Int(*first), Value::Int(*last), p(destination), Value::Int(*row)]
            }
            ModelSignal::CurrentChanged { current, previous } => vec![p(current), p(previous)],
            ModelSignal::HeaderDataChanged { orientation, first, last } => {
                vec![Value::Int(*orientation as i32), Value::Int(*first), Value::Int(*last)]
            }
            ModelSignal::LayoutChanged { parents_flat, hint } => vec![p(parents_flat), Value::Int(*hint as i32)],
        }
    }

    /// Reads adapter signal `index` with `args`, checking every argument's shape.
    pub fn from_signal(index: usize, args: &[Value]) -> Result<Self, ModelError> {
        const NAMES: [&str; 10] = [
            "availableRolesChanged",
            "dataChanged",
            "rowsInserted",
            "rowsRemoved",
            "rowsMoved",
            "currentChanged",
            "resetModel",
            "headerDataChanged",
            "columnsInserted",
            "layoutChanged",
        ];
        const ARITY: [usize; 10] = [0, 3, 3, 3, 5, 2, 0, 3, 3, 2];
        let (Some(&member), Some(&expected)) = (NAMES.get(index), ARITY.get(index)) else {
            return Err(ModelError::UnknownMember { what: "signal", index });
        };
        // availableRolesChanged() may come with the new value as its argument (a notify signal
        // written as a property change is): the property holds it anyway.
        if index == sig::AVAILABLE_ROLES_CHANGED {
            return Ok(ModelSignal::AvailableRolesChanged);
        }
        // (A Qt host's stale extra arguments are dropped by the client core, for every signal.)
        if args.len() != expected {
            return Err(ModelError::ArgumentCount { member, expected, given: args.len() });
        }
        let path = |i: usize| path_from_value(&args[i], member);
        let int = |i: usize| int_from_value(&args[i], member);
        let range = |first: i32, last: i32| {
            if first < 0 || last < first {
                Err(ModelError::malformed(member, format!("bad range {first}..={last}")))
            } else {
                Ok((first, last))
            }
        };
        Ok(match index {
            sig::DATA_CHANGED => ModelSignal::DataChanged {
                top_left: path(0)?,
                bottom_right: path(1)?,
                roles: ints_from_value(&args[2], member)?,
            },
            sig::ROWS_INSERTED | sig::ROWS_REMOVED | sig::COLUMNS_INSERTED => {
                let parent = path(0)?;
                let (first, last) = range(int(1)?, int(2)?)?;
                match index {
                    sig::ROWS_INSERTED => ModelSignal::RowsInserted { parent, first, last },
                    sig::ROWS_REMOVED => ModelSignal::RowsRemoved { parent, first, last },
                    _ => ModelSignal::ColumnsInserted { parent, first, last },
                }
            }
            sig::ROWS_MOVED => {
                let (first, last) = range(int(1)?, int(2)?)?;
                let row = int(4)?;
                if row < 0 {
                    return Err(ModelError::malformed(member, format!("destination row {row}")));
                }
                ModelSignal::RowsMoved { parent: path(0)?, first, last, destination: path(3)?, row }
            }
            sig::CURRENT_CHANGED => ModelSignal::CurrentChanged { current: path(0)?, previous: path(1)? },
            sig::RESET => ModelSignal::Reset,
            sig::HEADER_DATA_CHANGED => {
                let o = int(0)?;
                let orientation = Orientation::from_i32(o)
                    .ok_or_else(|| ModelError::malformed(member, format!("orientation {o} is not 1 or 2")))?;
                let (first, last) = range(int(1)?, int(2)?)?;
                ModelSignal::HeaderDataChanged { orientation, first, last }
            }
            _ => ModelSignal::LayoutChanged { parents_flat: path(0)?, hint: LayoutHint::from_i32(int(1)?) },
        })
    }
}
