//! Item models over QtRO at the node level (`docs/design/item-models.md` §2.3): serving a Rust
//! model to replicas ([`host`]), and [`ModelReplica`], a replica of a remote
//! `QAbstractItemModel` (a Qt `enableRemoting(model, …)` or any QtRO host of the model adapter)
//! backed by the core's [`ModelCache`](crate::core::model::ModelCache).
//!
//! ```no_run
//! use std::time::Duration;
//! use qtro_rs::core::model::{Lookup, ModelIndex};
//! use qtro_rs::node::{ModelReplicaOptions, Node};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let node = Node::new();
//! node.connect_to("tcp://127.0.0.1:5005")?;
//! let model = node.acquire_model("Model", ModelReplicaOptions::default());
//! model.wait_initialized(Duration::from_secs(5)).await?;
//! let rows = model.row_count(&[]).unwrap_or(0);
//! // What a view shows: rows 0..50 cached (and fetched ahead), the rest on demand.
//! model.set_window(&[], 0..50);
//! model.fetch(&[], 0..rows.min(50), Duration::from_secs(5)).await?;
//! if let Lookup::Cached(v) = model.data(&[ModelIndex::new(0, 0)], 0) {
//!     println!("first cell: {v:?}");
//! }
//! let mut events = model.events(); // ModelEvent: rows inserted, data changed, reset...
//! # let _ = events.recv().await;
//! # Ok(()) }
//! ```

mod child;
pub mod host;
mod replica;

pub use crate::core::model::{Cell, ModelChange, ModelSource, Row, ServeCaps, TableModel, TreeModel};
pub use host::{ModelExecutor, ModelHost, ModelHostEvent, ModelOptions};
pub use replica::{ModelFeed, ModelPhase, ModelReplica, ModelReplicaOptions};
