//! The errors of node operations.

use std::time::Duration;

use crate::core::{CallError, HostError, ReplicaState};
use crate::net::UrlError;

/// Errors of node operations.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NodeError {
    /// A node URL that does not parse.
    #[error(transparent)]
    Url(#[from] UrlError),
    /// Binding the listening socket failed (address in use, no permission...).
    #[error("cannot listen on {url}: {source}")]
    Listen {
        /// The URL given to [`Node::listen`](super::Node::listen).
        url: String,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// [`Node::listen`] (or [`Node::listen_registry`]) on a node that already listens: a node
    /// hosts on one URL, the one given.
    ///
    /// [`Node::listen`]: super::Node::listen
    /// [`Node::listen_registry`]: super::Node::listen_registry
    #[error("this node already listens on {0}")]
    AlreadyListening(String),
    /// The host side refused: an unknown or duplicate source name, a value or arguments that
    /// cannot have the declared types, a value too large for one packet.
    #[error(transparent)]
    Host(#[from] HostError),
    /// The replica side failed: not acquired, not connected, signature mismatch, connection
    /// lost before the reply.
    #[error(transparent)]
    Call(#[from] CallError),
    /// The object's interface has no such property, signal or slot: nothing was sent.
    #[error("{object:?} has no {what} named {name:?}")]
    UnknownMember {
        /// The source or replica name.
        object: String,
        /// `"property"`, `"signal"` or `"slot"`.
        what: &'static str,
        /// The name asked for (an index, for the `*_at` methods).
        name: String,
    },
    /// Arguments of a call that do not fit the method's declared parameters (count or types):
    /// nothing was sent.
    #[error("{method} of {object:?}: {error}")]
    Arguments {
        /// The replica name.
        object: String,
        /// The slot called.
        method: String,
        /// Which argument does not fit, or the count.
        error: Box<crate::core::ArgumentError>,
    },
    /// A property value that cannot have the property's declared type: nothing was sent.
    #[error("property {property:?} of {object:?}: {error}")]
    PropertyType {
        /// The replica name.
        object: String,
        /// The property.
        property: String,
        /// The declared type and the value's.
        error: Box<crate::core::TypeMismatch>,
    },
    /// [`Replica::wait_for_source`](super::Replica::wait_for_source) gave up: the replica is not Valid yet.
    #[error("replica {name:?} did not become valid within {timeout:?} (state {state:?})")]
    Timeout {
        /// The replica name.
        name: String,
        /// How long it waited.
        timeout: Duration,
        /// The replica's state when it gave up.
        state: ReplicaState,
    },
    /// No connected host offers the object (within the wait): what they offer instead.
    #[error("no connected host offers {name:?} (waited {timeout:?}); they offer {offered}")]
    NotOffered {
        /// The replica name.
        name: String,
        /// How long it waited.
        timeout: Duration,
        /// The objects the connected hosts offer.
        offered: Offered,
    },
    /// The node was shut down ([`Node::shutdown`](super::Node::shutdown), or its last handle dropped) while the
    /// operation waited.
    #[error("the node was shut down")]
    Shutdown,
    /// An item-model operation was refused: no such item, a bad range, a read-only model.
    #[error(transparent)]
    Model(#[from] crate::core::model::ModelError),
}

/// The names of the objects hosts offer, as an error message shows them: at most a screenful
/// ([`Offered::SHOWN`] names, then how many more), whatever a host lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offered(pub Vec<String>);

impl Offered {
    /// Names shown by `Display`; the rest is counted.
    pub const SHOWN: usize = 20;
}

impl std::fmt::Display for Offered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown: Vec<String> =
            self.0.iter().take(Self::SHOWN).map(|n| crate::core::limits::clip(n).into_owned()).collect();
        write!(f, "{}", shown.join(", "))?;
        if self.0.len() > Self::SHOWN {
            write!(f, " and {} more", self.0.len() - Self::SHOWN)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offered_objects_print_at_most_a_screenful() {
        let many = Offered((0..1_000_000).map(|i| format!("Object{i}")).collect());
        let text = many.to_string();
        assert!(text.len() < 400 && text.ends_with("and 999980 more"), "{text}");
        let long = Offered(vec!["x".repeat(10_000)]).to_string();
        assert!(long.len() < 300, "each name is clipped: {}", long.len());
    }
}
