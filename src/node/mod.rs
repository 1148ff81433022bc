//! The public async API: nodes that host sources, acquire replicas, and find each other through a
//! registry — interoperating with stock Qt nodes.
//!
//! A [`Node`] runs on the tokio runtime it is created in. It hosts [`Source`]s once it
//! [listens](Node::listen), and acquires [`Replica`]s of the sources of the hosts it
//! [connects to](Node::connect_to). What happens to them arrives as [`ReplicaEvent`]s and
//! [`SourceEvent`]s through [`EventReceiver`]s, which are also [`Stream`](futures_core::Stream)s.
//!
//! ```
//! use futures_util::StreamExt; // or tokio-stream's, or `recv().await` without either
//! use qtro_rs::core::{ClassBuilder, PropertyMode, Value};
//! use qtro_rs::node::{Node, ReplicaEvent, SlotCall};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // Host a dynamic source on a free port.
//! let host = Node::new();
//! let url = host.listen("tcp://127.0.0.1:0").await?;
//! let class = ClassBuilder::new("Simple")
//!     .property("value", "int", PropertyMode::ReadPush, Value::Int(0))
//!     .slot("add", &[("a", "int"), ("b", "int")], "int")
//!     .build();
//! let source = host.enable_source("Simple", class, |call: SlotCall| async move {
//!     Value::Int(call.args.iter().filter_map(Value::as_i64).sum::<i64>() as i32)
//! })?;
//!
//! // Acquire it from another node and call a slot.
//! let client = Node::new();
//! client.connect_to(&url)?;
//! let replica = client.acquire_dynamic("Simple");
//! replica.wait_for_source(std::time::Duration::from_secs(5)).await?;
//! assert_eq!(replica.call("add", vec![Value::Int(2), Value::Int(3)]).await?, Value::Int(5));
//!
//! // Follow its changes.
//! let mut events = replica.events();
//! source.set_property("value", Value::Int(7))?;
//! while let Some(event) = events.next().await {
//!     if let ReplicaEvent::PropertyChanged { name, value, .. } = event {
//!         assert_eq!((name.as_str(), value), ("value", Value::Int(7)));
//!         break;
//!     }
//! }
//! # Ok(()) }
//! ```

mod config;
mod delivery;
mod engine;
mod error;
mod events;
pub mod model;
mod replica;
mod slot;
mod source;

use std::sync::Arc;
use std::time::Duration;

use crate::core::registry::{self, Location};
use crate::core::{ConnectionId, ReplicaKind, SourceClass};
use crate::net::{BoxStream, Listener, NodeUrl};

pub use crate::core::coerce::coerce;
pub use crate::core::typename::parameter_types;
pub use config::NodeConfig;
pub use delivery::{EventReceiver, TryRecvError};
pub use error::{NodeError, Offered};
pub use events::{EventFilter, Name, ReplicaEvent, SourceEvent};
pub use model::{ModelExecutor, ModelHost, ModelHostEvent, ModelOptions, ModelSource};
pub use model::{ModelFeed, ModelPhase, ModelReplica, ModelReplicaOptions};
pub use replica::{Observation, Replica};
pub use slot::{sync_handler, Responder, SlotCall, SlotHandler};
pub use source::{Batch, Source};

use delivery::EventSender;
use engine::{Lifetime, Shared};
// Support for the C library (capi/), not part of the Rust API.
#[doc(hidden)]
pub use delivery::wait_until;

/// A QtRO node: acquires replicas (client side) and, once [`Node::listen`]ing, hosts sources.
/// Cheap to clone; the engine stops when the last clone is dropped or [`Node::shutdown`] is called.
#[derive(Clone)]
pub struct Node {
    shared: Arc<Shared>,
    _life: Arc<Lifetime>,
}

impl Default for Node {
    fn default() -> Self {
        Node::new()
    }
}

impl Node {
    /// A Qt 6 node with default settings.
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime: a node's connections and timers are tokio tasks. Call it from
    /// `#[tokio::main]` / `#[tokio::test]` code or inside [`tokio::runtime::Runtime::enter`].
    #[track_caller]
    pub fn new() -> Node {
        Node::with_config(NodeConfig::default())
    }

    /// A node with these settings (dialect, limits, heartbeat, ...).
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime, as [`Node::new`].
    #[track_caller]
    pub fn with_config(config: NodeConfig) -> Node {
        if tokio::runtime::Handle::try_current().is_err() {
            panic!(
                "qtro_rs: a Node needs a tokio runtime (its connections and timers are tokio tasks): \
                 create it inside #[tokio::main], #[tokio::test] or Runtime::enter()"
            );
        }
        let shared = Shared::new(config);
        Node { _life: Arc::new(Lifetime::new(shared.clone())), shared }
    }

    /// The settings this node was created with.
    pub fn config(&self) -> &NodeConfig {
        self.shared.config()
    }

    /// Teaches this node user types (PODs, enums, containers by name) so values using them can be
    /// decoded; `f` runs once for the client side and once for the host side.
    pub fn register_types(&self, f: impl Fn(&mut crate::core::TypeRegistry)) {
        self.shared.lock().register_types(f);
    }

    /// Stops every connection and task of this node, and ends its event streams: each
    /// [`EventReceiver`] yields what was queued, then `None` (streams subscribed later end at
    /// once). Awaited calls fail with [`NodeError::Shutdown`] or a lost connection. Dropping the
    /// last handle of a node (every clone of it and every [`Replica`]) does the same, the
    /// streams ending a moment later (from the node's timer task).
    pub fn shutdown(&self) {
        self.shared.shut_down();
    }

    /// Keeps a client connection to a host node open, reconnecting when it drops.
    pub fn connect_to(&self, url: &str) -> Result<(), NodeError> {
        NodeUrl::parse(url)?;
        self.shared.connect_url(url.to_owned());
        Ok(())
    }

    /// Stops keeping `url` connected (the current connection stays until it drops).
    pub fn disconnect_from(&self, url: &str) {
        self.shared.lock().forget_url(url);
    }

    /// Runs a client connection over a stream you opened (TLS, WebSocket adapters, pipes…).
    /// It is not reconnected. Returns when the connection has been set up.
    pub fn add_client_connection(&self, stream: BoxStream) -> ConnectionId {
        self.shared.attach_client_stream(stream)
    }

    /// Serves a host connection over a stream you accepted yourself.
    pub fn add_host_connection(&self, stream: BoxStream) -> ConnectionId {
        self.shared.attach_host_stream(stream)
    }

    /// Uses the registry at `url` to find sources by name and to publish this node's sources.
    pub fn set_registry_url(&self, url: &str) -> Result<(), NodeError> {
        NodeUrl::parse(url)?;
        let class = Arc::new(registry::registry_class(self.shared.dialect()));
        self.shared.with(|st| st.use_registry(url, class));
        self.shared.connect_url(url.to_owned());
        Ok(())
    }

    /// Listens on `url` and serves the sources of this node there. Returns the URL peers should
    /// use (with the real port when `:0` was given).
    pub async fn listen(&self, url: &str) -> Result<String, NodeError> {
        let parsed = NodeUrl::parse(url)?;
        if let Some(u) = self.shared.lock().host_url() {
            return Err(NodeError::AlreadyListening(u.to_owned()));
        }
        let (listener, bound) =
            Listener::bind(&parsed).await.map_err(|source| NodeError::Listen { url: url.into(), source })?;
        let bound = bound.to_string();
        self.shared.with(|st| st.listening_on(bound.clone()));
        self.shared.accept_loop(listener);
        Ok(bound)
    }

    /// Makes this node a registry: it hosts the `Registry` source on `url` and lists its own
    /// sources there too.
    pub async fn listen_registry(&self, url: &str) -> Result<String, NodeError> {
        let dialect = self.shared.dialect();
        let class = Arc::new(registry::registry_class(dialect));
        self.shared.with(|st| st.become_registry(class))?;
        self.listen(url).await
    }

    /// The URL this node listens on.
    pub fn host_url(&self) -> Option<String> {
        self.shared.lock().host_url().map(str::to_owned)
    }

    /// Shares a source under `name`; `handler` answers calls of its declared slots.
    pub fn enable_source(
        &self,
        name: &str,
        class: SourceClass,
        handler: impl SlotHandler,
    ) -> Result<Source, NodeError> {
        self.enable_source_inner(name, class, Some(Arc::new(handler)), None)
    }

    /// Shares a source whose slots need no handling (calls are answered with no value).
    pub fn enable_source_without_slots(&self, name: &str, class: SourceClass) -> Result<Source, NodeError> {
        self.enable_source_inner(name, class, None, None)
    }

    /// Like [`Node::enable_source`], with an event stream that misses nothing (replicas may
    /// acquire the source the moment it is announced).
    pub fn enable_source_with_events(
        &self,
        name: &str,
        class: SourceClass,
        handler: impl SlotHandler,
    ) -> Result<(Source, EventReceiver<SourceEvent>), NodeError> {
        let (tx, rx) = delivery::channel();
        // After a shutdown the stream ends at once.
        let tx = (!self.shared.is_shut_down()).then_some(tx);
        let source = self.enable_source_inner(name, class, Some(Arc::new(handler)), tx)?;
        Ok((source, rx))
    }

    fn enable_source_inner(
        &self,
        name: &str,
        class: SourceClass,
        handler: Option<Arc<dyn SlotHandler>>,
        events: Option<EventSender<SourceEvent>>,
    ) -> Result<Source, NodeError> {
        let class = Arc::new(class);
        self.shared.with(|st| st.enable_source(name, class.clone(), handler, events))?;
        Ok(Source::new(self.shared.clone(), name.into(), class))
    }

    /// Stops sharing a source; its replicas go Suspect.
    pub fn disable_source(&self, name: &str) -> Result<(), NodeError> {
        self.shared.with(|st| st.disable_source(name))
    }

    /// Acquires a replica that learns its interface from the source.
    pub fn acquire_dynamic(&self, name: &str) -> Replica {
        self.acquire_inner(name, ReplicaKind::Dynamic)
    }

    /// Acquires a replica of a known interface (values by index, signature checked).
    pub fn acquire(&self, name: &str, class: SourceClass) -> Replica {
        self.acquire_inner(name, ReplicaKind::Static(Arc::new(class)))
    }

    /// Like [`Node::acquire_dynamic`], with an event stream that misses nothing: it is subscribed
    /// before the replica can initialize.
    pub fn acquire_dynamic_with_events(&self, name: &str) -> (Replica, EventReceiver<ReplicaEvent>) {
        let (r, rx) = self.acquire_inner_events(name, ReplicaKind::Dynamic, true);
        (r, rx.expect("requested"))
    }

    /// Like [`Node::acquire`], with an event stream that misses nothing.
    pub fn acquire_with_events(&self, name: &str, class: SourceClass) -> (Replica, EventReceiver<ReplicaEvent>) {
        let (r, rx) = self.acquire_inner_events(name, ReplicaKind::Static(Arc::new(class)), true);
        (r, rx.expect("requested"))
    }

    fn acquire_inner(&self, name: &str, kind: ReplicaKind) -> Replica {
        self.acquire_inner_events(name, kind, false).0
    }

    fn acquire_inner_events(
        &self,
        name: &str,
        kind: ReplicaKind,
        with_events: bool,
    ) -> (Replica, Option<EventReceiver<ReplicaEvent>>) {
        let (tx, rx) = with_events.then(delivery::channel).unzip();
        let state = self.shared.with(|st| {
            // After a shutdown the stream ends at once.
            let tx = tx.filter(|_| !self.shared.is_shut_down());
            st.acquire(name, kind, tx)
        });
        (Replica::new(self.shared.clone(), name.into(), state, self._life.clone()), rx)
    }

    /// Sources announced by the hosts this node is connected to (their ObjectLists).
    pub fn known_objects(&self) -> Vec<crate::core::ObjectInfo> {
        let mut v: Vec<_> = self.shared.lock().client().known_objects().into_iter().map(|(_, o)| o).collect();
        v.sort_by(|a, b| a.name.cmp(&b.name));
        v.dedup_by(|a, b| a.name == b.name);
        v
    }

    /// Waits until some connected host has announced `name`, or the registry lists it (or the
    /// timeout passes). A registry entry is reported with its type name and no signature.
    pub async fn wait_for_object(&self, name: &str, timeout: Duration) -> Option<crate::core::ObjectInfo> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if let Some(o) = self.known_objects().into_iter().find(|o| o.name == name) {
                return Some(o);
            }
            if let Some(l) = self.registry_locations().into_iter().find(|l| l.name == name) {
                return Some(crate::core::ObjectInfo { name: l.name, type_name: Some(l.type_name), signature: None });
            }
            if tokio::time::Instant::now() >= deadline {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Waits until everything queued for every connection has been handed to the OS (or the
    /// timeout passes): call before exiting so a last call or write is not lost.
    pub async fn flush(&self, timeout: Duration) -> bool {
        tokio::time::timeout(timeout, self.shared.wait_all_drained()).await.is_ok()
    }

    /// Why this node last closed a connection to a host on a protocol error (undecodable
    /// framing, a broken limit), if it did: the cause behind a replica that never becomes Valid.
    pub fn last_protocol_error(&self) -> Option<String> {
        self.shared.lock().last_protocol_error().map(str::to_owned)
    }

    /// Sources listed by the registry.
    pub fn registry_locations(&self) -> Vec<Location> {
        self.shared.lock().client().registry_locations().values().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[should_panic(expected = "a Node needs a tokio runtime")]
    fn a_node_outside_a_runtime_says_what_it_needs() {
        let _ = Node::new();
    }

    #[test]
    fn a_node_inside_an_entered_runtime_works() {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let _guard = rt.enter();
        let node = Node::new();
        assert!(node.connect_to("tcp://127.0.0.1:1").is_ok());
    }
}
