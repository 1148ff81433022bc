//! Errors of the typed layer.

use crate::node::NodeError;

use super::convert::ConvertError;
use super::store::StoreError;

/// What can go wrong with a typed source or replica.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TypedError {
    /// The node refused the operation (unknown member, not connected, call failed, ...).
    #[error(transparent)]
    Node(#[from] NodeError),
    /// A received value does not have the declared type.
    #[error(transparent)]
    Convert(#[from] ConvertError),
    /// The persisted store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}
