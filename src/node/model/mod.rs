//! Item models over QtRO at the node level (`docs/design/item-models.md` §2.3): serving a Rust
//! model to replicas ([`host`]).

pub mod host;

pub use crate::core::model::{Cell, ModelChange, ModelSource, Row, ServeCaps, TableModel, TreeModel};
pub use host::{ModelHost, ModelHostEvent, ModelOptions};
