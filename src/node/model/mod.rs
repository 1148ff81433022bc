//! Item models over QtRO at the node level (`docs/design/item-models.md` §2.3): serving a Rust
//! model to replicas ([`host`]), and [`ModelReplica`], a replica of a remote
//! `QAbstractItemModel` (a Qt `enableRemoting(model, …)` or any QtRO host of the model adapter)
//! backed by the core's [`ModelCache`](crate::core::model::ModelCache).

pub mod host;
mod replica;

pub use crate::core::model::{Cell, ModelChange, ModelSource, Row, ServeCaps, TableModel, TreeModel};
pub use host::{ModelExecutor, ModelHost, ModelHostEvent, ModelOptions};
pub use replica::{ModelFeed, ModelPhase, ModelReplica, ModelReplicaOptions};
