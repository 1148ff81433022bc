//! Item models (`QAbstractItemModel` over QtRO, `docs/design/item-models.md` §2.5): a model the
//! application serves through a table of functions (`qtro_node_enable_model`), and a replica of
//! a remote model whose cache is applied on the thread that dispatches, around the callbacks
//! that announce each change (`qtro_node_acquire_model`).
//!
//! Items are addressed by their path from the root: `(const qtro_model_index *path, size_t
//! depth)`, depth 0 being the root (the invisible parent of the top-level rows).
//!
//! Source side: each request of a replica is queued to the dispatching thread, which calls the
//! vtable and answers under the model's lock (`Node::enable_model_deferred`); changes notified
//! with `qtro_model_source_*` take the same lock, so every reply reflects exactly the changes
//! signalled before it. Replica side: a manual `ModelFeed` is processed on the dispatching
//! thread; the callbacks run while the cache is locked, and the accessors called from them read
//! the cache as it is at that point (`peek_*`), without asking for anything.

use std::cell::Cell;
use std::ffi::{c_char, c_void, CString};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};

use bytes::Bytes;

use super::cast::{
    c_string_out, cstr, handle, lend, new_handle, opt_arg, opt_handle, out_new, out_ptr, slice, take_handle, Handle,
};
use super::dispatch::{Event, EventQueue, NodeCore, UserData};
use super::node::{node_ref, qtro_node};
use super::qtro_result::{self, *};
use super::replica::{qtro_replica_state, state_of};
use super::value::{qtro_value, take};
use super::{err, guard, guard_value, millis, to_cstring, Error, Result};
use qtro_rs::core::model::{
    InitialAction, ItemFlags, LayoutHint, Lookup, ModelCache, ModelChange, ModelError, ModelEvent, ModelIndex,
    ModelSource, Orientation,
};
use qtro_rs::core::Value;
use qtro_rs::node::{
    ModelExecutor, ModelFeed, ModelHost, ModelHostEvent, ModelOptions, ModelPhase, ModelReplica, ModelReplicaOptions,
};

/// Deepest index path accepted from the application (as the model cache's default).
const MAX_DEPTH: usize = 64;

/// One step of an index path: a row and a column under the step before it.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct qtro_model_index {
    /// The row.
    pub row: i32,
    /// The column.
    pub column: i32,
}

/// An index path as a struct, for lists of paths (`qtro_model_source_layout_changed`).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct qtro_model_path {
    /// The steps from the root (may be `NULL` when `depth` is 0).
    pub indexes: *const qtro_model_index,
    /// How many steps (0: the root).
    pub depth: usize,
}

/// Header orientation (`Qt::Orientation`).
pub type qtro_orientation = i32;
/// Column headers (`Qt::Horizontal`).
pub const QTRO_HORIZONTAL: qtro_orientation = 1;
/// Row headers (`Qt::Vertical`).
pub const QTRO_VERTICAL: qtro_orientation = 2;

/// What a layout change did (`QAbstractItemModel::LayoutChangeHint`).
pub type qtro_layout_hint = i32;
/// No hint.
pub const QTRO_LAYOUT_NO_HINT: qtro_layout_hint = 0;
/// Rows were sorted vertically.
pub const QTRO_LAYOUT_VERTICAL_SORT: qtro_layout_hint = 1;
/// Columns were sorted horizontally.
pub const QTRO_LAYOUT_HORIZONTAL_SORT: qtro_layout_hint = 2;

/// What a model replica fetches first (`QtRemoteObjects::InitialAction`).
pub type qtro_initial_action = i32;
/// Only the root's size; rows are fetched when read (the default).
pub const QTRO_FETCH_ROOT_SIZE: qtro_initial_action = 0;
/// Up to `cache_rows` items depth-first with their data.
pub const QTRO_PREFETCH_DATA: qtro_initial_action = 1;

fn orientation_of(o: qtro_orientation) -> Result<Orientation> {
    match o {
        QTRO_HORIZONTAL => Ok(Orientation::Horizontal),
        QTRO_VERTICAL => Ok(Orientation::Vertical),
        other => err(QTRO_ERR_INVALID_ARGUMENT, format!("unknown qtro_orientation {other}")),
    }
}

fn hint_of(h: qtro_layout_hint) -> Result<LayoutHint> {
    match h {
        QTRO_LAYOUT_NO_HINT => Ok(LayoutHint::None),
        QTRO_LAYOUT_VERTICAL_SORT => Ok(LayoutHint::VerticalSort),
        QTRO_LAYOUT_HORIZONTAL_SORT => Ok(LayoutHint::HorizontalSort),
        other => err(QTRO_ERR_INVALID_ARGUMENT, format!("unknown qtro_layout_hint {other}")),
    }
}

fn hint_code(h: LayoutHint) -> qtro_layout_hint {
    match h {
        LayoutHint::VerticalSort => QTRO_LAYOUT_VERTICAL_SORT,
        LayoutHint::HorizontalSort => QTRO_LAYOUT_HORIZONTAL_SORT,
        _ => QTRO_LAYOUT_NO_HINT,
    }
}

/// A path argument: `(indexes, depth)`, checked for `NULL` and depth.
fn path_arg(indexes: *const qtro_model_index, depth: usize, name: &str) -> Result<Vec<ModelIndex>> {
    if depth > MAX_DEPTH {
        return err(
            QTRO_ERR_INVALID_ARGUMENT,
            format!("argument `{name}` is {depth} steps deep (at most {MAX_DEPTH})"),
        );
    }
    let steps = slice(indexes, depth).ok_or_else(|| {
        Error::new(QTRO_ERR_NULL_ARGUMENT, format!("argument `{name}` is NULL but its depth is {depth}"))
    })?;
    steps
        .iter()
        .map(|s| {
            if s.row < 0 || s.column < 0 {
                err(QTRO_ERR_INVALID_ARGUMENT, format!("argument `{name}` has a negative row or column"))
            } else {
                Ok(ModelIndex::new(s.row, s.column))
            }
        })
        .collect()
}

fn c_path(path: &[ModelIndex]) -> Vec<qtro_model_index> {
    path.iter().map(|i| qtro_model_index { row: i.row, column: i.column }).collect()
}

/// A `first..=last` range argument.
fn range_arg(first: i32, last: i32) -> Result<()> {
    if first < 0 || last < first {
        return err(QTRO_ERR_INVALID_ARGUMENT, format!("invalid range {first}..={last}"));
    }
    Ok(())
}

// ================================================================================================
// Sources
// ================================================================================================

fn path_ptr(p: &[qtro_model_index]) -> *const qtro_model_index {
    if p.is_empty() {
        std::ptr::null()
    } else {
        p.as_ptr()
    }
}

mod replica;
mod source;

pub use replica::*;
pub use source::*;
