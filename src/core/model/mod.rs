//! Item models over QtRO: what Qt's `QAbstractItemModel` adapter puts on the wire.
//!
//! Qt has no packets of its own for models. `enableRemoting(model, name, roles)` hosts an
//! ordinary source, the *adapter*, whose fixed API ([`adapter`]) a replica calls to fetch sizes,
//! rows and headers, and whose signals tell it what changed. The values of that API are user types
//! sent by name ([`types`]): index paths from the root, `IndexValuePair`s, `DataEntries`,
//! `MetaAndDataEntries`. This module turns them into typed Rust values and back, exactly as Qt 6
//! and Qt 5.15 write them, and checks what a peer sends against the shapes Qt would send:
//! a request or reply of the wrong shape is a [`ModelError`], never a panic.
//!
//! See `docs/design/item-models.md` for the protocol (with references to Qt's sources) and the
//! plan of the layers built on this one.

pub mod adapter;
pub mod cache;
pub mod memory;
pub mod source;
pub mod types;

pub use adapter::{adapter_class, model_child_name, AdapterRequest, ModelSignal, ADAPTER_TYPE};
pub use cache::{Announce, Applied, InitialAction, Lookup, ModelCache, ModelCacheOptions, ModelEvent, Ticket};
pub use memory::{Cell, Row, TableModel, TreeModel};
pub use source::{Answer, ModelChange, ModelServer, ModelSource, ServeCaps};
pub use types::{
    CacheReply, IndexPath, ItemData, ItemFlags, LayoutHint, ModelIndex, ModelSize, Orientation, SelectionFlags,
};

/// What is wrong with a model request, reply or signal, or with an operation on a model.
///
/// `#[non_exhaustive]`: new variants may be added.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ModelError {
    /// A value does not have the shape Qt's adapter gives it.
    #[error("malformed {what}: {detail}")]
    Malformed {
        /// What was being read, e.g. `"DataEntries reply"`.
        what: &'static str,
        /// What is wrong with it.
        detail: String,
    },
    /// A method or signal index the adapter API does not have.
    #[error("the model adapter has no {what} with index {index}")]
    UnknownMember {
        /// `"method"` or `"signal"`.
        what: &'static str,
        /// The index received.
        index: usize,
    },
    /// An argument list of the wrong length.
    #[error("{member} takes {expected} arguments, {given} given")]
    ArgumentCount {
        /// The adapter member, e.g. `"replicaRowRequest"`.
        member: &'static str,
        /// How many it takes.
        expected: usize,
        /// How many came.
        given: usize,
    },
    /// An index path that does not address an item of the model (now).
    #[error("no item at {0}")]
    NoSuchIndex(String),
    /// A role the model does not expose.
    #[error("role {0} is not one of the model's available roles")]
    UnknownRole(i32),
    /// The model does not accept writes (of this role, at this index).
    #[error("the model refused to set role {role} at {index}")]
    ReadOnly {
        /// The index path written.
        index: String,
        /// The role written.
        role: i32,
    },
}

impl ModelError {
    pub(crate) fn malformed(what: &'static str, detail: impl Into<String>) -> Self {
        ModelError::Malformed { what, detail: detail.into() }
    }
}
