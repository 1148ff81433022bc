//! Item models over QtRO for nodes: [`ModelReplica`], a replica of a remote
//! `QAbstractItemModel` (a Qt `enableRemoting(model, …)` or any QtRO host of the model adapter)
//! backed by the core's [`ModelCache`](crate::core::model::ModelCache).

mod replica;

pub use replica::{ModelFeed, ModelPhase, ModelReplica, ModelReplicaOptions};
