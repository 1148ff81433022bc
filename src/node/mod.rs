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

mod engine;
mod events;
mod wire;

use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::watch;

use crate::core::registry::{self, Location, RegistryTable};
use crate::core::{
    CallError, ClassDefinition, ConnectionId, Dialect, HostError, Limits, ReplicaKind, ReplicaState, SourceClass, Value,
};
use crate::net::{BoxStream, Listener, NodeUrl, UrlError};

pub use crate::core::coerce::coerce;
pub use crate::core::typename::parameter_types;
pub use events::{EventReceiver, Name, TryRecvError};
// Support for the C library (capi/), not part of the Rust API.
use engine::{Role, Shared};
#[doc(hidden)]
pub use events::wait_until;

/// Settings of a node.
#[derive(Debug, Clone)]
pub struct NodeConfig {
    /// Qt 6 (default) or Qt 5.15 peers.
    pub dialect: Dialect,
    /// What the node accepts from peers (packet size, nesting, container lengths...);
    /// `docs/limits.md` lists each with its default.
    pub limits: Limits,
    /// Heartbeat of replicas; `None` (Qt's default) disables it.
    pub heartbeat: Option<Duration>,
    /// Delay between reconnect attempts.
    pub retry_interval: Duration,
    /// Bytes queued for one peer above which [`Source::ready`] makes producers wait.
    pub queue_high_water: usize,
    /// How long a peer may stay above the high-water mark while a producer waits before it is
    /// considered stuck and disconnected (it reconnects and re-initializes with current values).
    pub stall_timeout: Duration,
    /// Hard cap on bytes queued for one peer, for producers that do not await
    /// [`Source::ready`]: past it the peer is disconnected at once.
    pub max_queued_bytes: usize,
    /// Run slot handlers of one source concurrently. Off by default: calls run one at a time in
    /// arrival order, as on a Qt host (a slow async slot then delays later calls to the same
    /// source, not to other sources).
    pub concurrent_slots: bool,
    /// Events one subscriber (a [`Replica::events`] or [`Source::events`] receiver) may have
    /// waiting before the connection feeding it stops reading until it catches up to half of
    /// that. Nothing is dropped; a subscriber that never reads stalls its connection. The
    /// default (1024) keeps a busy stream's queues in the CPU caches: with 16384, signals were
    /// 25% slower (the socket buffers still absorb bursts).
    pub event_backlog: usize,
    /// After a replica sends a request whose answer is awaited (a slot call with a return
    /// value, an acquisition), its connection reads the socket in a loop for up to this long
    /// before parking (spinning, then yielding the CPU for the last third, in case the peer it
    /// waits for is queued on it). A parked thread on an idle CPU takes tens of microseconds to
    /// wake on virtual machines, longer than the answer from a local peer takes to come, so
    /// this cuts round trips at the cost of at most this much CPU per awaited answer. Sockets
    /// only; off (`None`) on single-CPU machines, where spinning would delay the peer it waits
    /// for.
    pub busy_poll: Option<Duration>,
}

impl Default for NodeConfig {
    fn default() -> Self {
        NodeConfig {
            dialect: Dialect::Qt6,
            limits: Limits::DEFAULT,
            heartbeat: None,
            retry_interval: engine::DEFAULT_RETRY_INTERVAL,
            queue_high_water: 4 * 1024 * 1024,
            stall_timeout: Duration::from_secs(5),
            max_queued_bytes: 256 * 1024 * 1024,
            concurrent_slots: false,
            event_backlog: 1024,
            busy_poll: std::thread::available_parallelism()
                .is_ok_and(|n| n.get() > 1)
                .then_some(Duration::from_micros(50)),
        }
    }
}

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
        /// The URL given to [`Node::listen`].
        url: String,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// [`Node::listen`] (or [`Node::listen_registry`]) on a node that already listens: a node
    /// hosts on one URL, the one given.
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
    /// [`Replica::wait_for_source`] gave up: the replica is not Valid yet.
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
    /// The node was shut down ([`Node::shutdown`], or its last handle dropped) while the
    /// operation waited.
    #[error("the node was shut down")]
    Shutdown,
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

/// A call of a declared slot on a hosted source.
#[derive(Debug, Clone)]
pub struct SlotCall {
    /// The source's name.
    pub source: String,
    /// Position among the declared slots.
    pub slot: usize,
    /// The slot's name.
    pub name: Name,
    /// The arguments, converted to the slot's declared parameter types.
    pub args: Vec<Value>,
}

type BoxFuture = Pin<Box<dyn Future<Output = Value> + Send>>;

/// Answers slot calls; its result is the reply (use [`Value::Invalid`] for `void`).
///
/// Implemented by every `Fn(SlotCall) -> impl Future<Output = Value>` (an async closure), and by
/// [`sync_handler`] for plain functions. The reply is converted to the slot's declared return
/// type before it is sent; a call whose replica does not wait for the reply (a `void` slot) is
/// still run.
pub trait SlotHandler: Send + Sync + 'static {
    /// Runs the slot: the future's output is the reply. Calls of one source run one at a time
    /// in arrival order unless [`NodeConfig::concurrent_slots`] is set.
    fn call(&self, call: SlotCall) -> BoxFuture;
}

impl<F, Fut> SlotHandler for F
where
    F: Fn(SlotCall) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Value> + Send + 'static,
{
    fn call(&self, call: SlotCall) -> BoxFuture {
        Box::pin(self(call))
    }
}

/// A slot handler from a plain (synchronous) function; it runs on a runtime worker, so it must not
/// block for long. Use an async closure for slots that wait on something.
pub fn sync_handler<F>(f: F) -> impl SlotHandler
where
    F: Fn(SlotCall) -> Value + Send + Sync + 'static,
{
    move |call: SlotCall| std::future::ready(f(call))
}

/// Which kinds of [`ReplicaEvent`] a subscription receives ([`Replica::events_filtered`]).
/// Combine with `|`. Kinds that no subscription of a replica wants are not even built, as a Qt
/// signal without connections costs next to nothing; a stream of property changes read
/// through [`EventFilter::PROPERTIES`] skips the notify signal that follows each change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EventFilter(u8);

impl EventFilter {
    /// [`ReplicaEvent::StateChanged`] and [`ReplicaEvent::Initialized`].
    pub const STATE: EventFilter = EventFilter(1);
    /// [`ReplicaEvent::PropertyChanged`].
    pub const PROPERTIES: EventFilter = EventFilter(2);
    /// [`ReplicaEvent::Signal`] of signals that are not notify signals.
    pub const SIGNALS: EventFilter = EventFilter(4);
    /// [`ReplicaEvent::Signal`] of notify signals (`property_index` set), which follow the
    /// [`ReplicaEvent::PropertyChanged`] of the same change.
    pub const NOTIFY_SIGNALS: EventFilter = EventFilter(8);
    /// Every event.
    pub const ALL: EventFilter = EventFilter(15);

    /// Whether every kind in `other` is in `self`.
    pub const fn contains(self, other: EventFilter) -> bool {
        self.0 & other.0 == other.0
    }

    pub(crate) const fn bits(self) -> u8 {
        self.0
    }

    /// The kind `event` is of.
    pub fn of(event: &ReplicaEvent) -> EventFilter {
        match event {
            ReplicaEvent::StateChanged { .. } | ReplicaEvent::Initialized => EventFilter::STATE,
            ReplicaEvent::PropertyChanged { .. } => EventFilter::PROPERTIES,
            ReplicaEvent::Signal { property_index: None, .. } => EventFilter::SIGNALS,
            ReplicaEvent::Signal { property_index: Some(_), .. } => EventFilter::NOTIFY_SIGNALS,
        }
    }
}

impl std::ops::BitOr for EventFilter {
    type Output = EventFilter;
    fn bitor(self, other: EventFilter) -> EventFilter {
        EventFilter(self.0 | other.0)
    }
}

/// What a replica observes ([`Replica::events`]): Qt's `stateChanged`, `initialized`, property
/// notifications and signals of a `QRemoteObjectReplica`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ReplicaEvent {
    /// The replica's state changed (Valid once the source's values arrived, Suspect while its
    /// connection is lost...).
    StateChanged {
        /// The state before.
        old: ReplicaState,
        /// The state now.
        new: ReplicaState,
    },
    /// Values (and for dynamic replicas, the interface) arrived.
    Initialized,
    /// A property has a new value (from the source; a replica's own writes come back this way).
    PropertyChanged {
        /// Position in the interface's property list ([`ClassDefinition::properties`]).
        index: usize,
        /// The property's name.
        name: Name,
        /// The new value, of the property's declared type.
        value: Value,
    },
    /// A signal of the source; notify signals carry `property_index`.
    Signal {
        /// Position in the interface's signal list ([`ClassDefinition::signals`]: notify
        /// signals first, then the declared ones).
        index: usize,
        /// The signal's name.
        name: Name,
        /// The arguments, of the signal's declared parameter types.
        args: Vec<Value>,
        /// For a notify signal, the property it reports (its
        /// [`ReplicaEvent::PropertyChanged`] came just before).
        property_index: Option<usize>,
    },
}

/// What a hosted source observes ([`Source::events`]).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum SourceEvent {
    /// A replica changed a property (already applied and broadcast).
    PropertyWritten {
        /// Position in the class's property list.
        index: usize,
        /// The property's name.
        name: Name,
        /// The value written, of the property's declared type.
        value: Value,
    },
    /// A replica on connection `conn` acquired the source and was sent its values.
    Acquired {
        /// The connection (one per peer node).
        conn: ConnectionId,
        /// Acquired as a dynamic replica (which learns the interface from the source) rather
        /// than a static one (which checks the class signature).
        dynamic: bool,
    },
    /// A replica on connection `conn` released the source (a peer whose connection drops
    /// sends no release: its replicas are simply gone).
    Released {
        /// The connection.
        conn: ConnectionId,
    },
}

/// A QtRO node: acquires replicas (client side) and, once [`Node::listen`]ing, hosts sources.
/// Cheap to clone; the engine stops when the last clone is dropped or [`Node::shutdown`] is called.
#[derive(Clone)]
pub struct Node {
    shared: Arc<Shared>,
    _life: Arc<Lifetime>,
}

struct Lifetime(Arc<Shared>);

impl Drop for Lifetime {
    fn drop(&mut self) {
        // Not `shut_down`: this may run where the node's lock is held. The timer task ends the
        // event streams.
        let _ = self.0.shutdown.send(true);
    }
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
        Node { _life: Arc::new(Lifetime(shared.clone())), shared }
    }

    /// The settings this node was created with.
    pub fn config(&self) -> &NodeConfig {
        &self.shared.config
    }

    /// Teaches this node user types (PODs, enums, containers by name) so values using them can be
    /// decoded; `f` runs once for the client side and once for the host side.
    pub fn register_types(&self, f: impl Fn(&mut crate::core::TypeRegistry)) {
        let mut st = self.shared.lock();
        f(st.client.types_mut());
        f(st.host.types_mut());
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
        self.shared.lock().wanted_urls.remove(url);
    }

    /// Runs a client connection over a stream you opened (TLS, WebSocket adapters, pipes…).
    /// It is not reconnected. Returns when the connection has been set up.
    pub fn add_client_connection(&self, stream: BoxStream) -> ConnectionId {
        self.shared.attach(engine::Transport::Stream(stream), Role::Client, None).0
    }

    /// Serves a host connection over a stream you accepted yourself.
    pub fn add_host_connection(&self, stream: BoxStream) -> ConnectionId {
        self.shared.attach(engine::Transport::Stream(stream), Role::Host, None).0
    }

    /// Uses the registry at `url` to find sources by name and to publish this node's sources.
    pub fn set_registry_url(&self, url: &str) -> Result<(), NodeError> {
        NodeUrl::parse(url)?;
        let class = Arc::new(registry::registry_class(self.shared.dialect()));
        self.shared.with(|st| {
            st.registry_url = Some(url.to_owned());
            st.client.acquire(registry::NAME, ReplicaKind::Static(class), Instant::now());
        });
        self.shared.connect_url(url.to_owned());
        Ok(())
    }

    /// Listens on `url` and serves the sources of this node there. Returns the URL peers should
    /// use (with the real port when `:0` was given).
    pub async fn listen(&self, url: &str) -> Result<String, NodeError> {
        let parsed = NodeUrl::parse(url)?;
        if let Some(u) = &self.shared.lock().host_url {
            return Err(NodeError::AlreadyListening(u.clone()));
        }
        let (listener, bound) =
            Listener::bind(&parsed).await.map_err(|source| NodeError::Listen { url: url.into(), source })?;
        let bound = bound.to_string();
        let locations: Vec<Location> = self.shared.with(|st| {
            st.host_url = Some(bound.clone());
            st.host
                .source_names()
                .filter(|n| *n != registry::NAME)
                .map(|n| Location {
                    name: n.into(),
                    type_name: st.host.class(n).map(|c| c.type_name().to_owned()).unwrap_or_default(),
                    url: bound.clone(),
                })
                .collect()
        });
        self.shared.with(|st| locations.into_iter().for_each(|l| st.register(l)));
        let weak = Arc::downgrade(&self.shared);
        let mut shutdown = self.shared.shutdown.subscribe();
        tokio::spawn(async move {
            loop {
                let accepted = tokio::select! {
                    a = listener.accept_socket() => a,
                    _ = shutdown.changed() => return,
                };
                let Some(me) = weak.upgrade() else { return };
                match accepted {
                    Ok(socket) => {
                        me.attach(engine::Transport::Socket(socket), Role::Host, None);
                    }
                    Err(e) => {
                        tracing::warn!("accept failed: {e}");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                }
            }
        });
        Ok(bound)
    }

    /// Makes this node a registry: it hosts the `Registry` source on `url` and lists its own
    /// sources there too.
    pub async fn listen_registry(&self, url: &str) -> Result<String, NodeError> {
        let dialect = self.shared.dialect();
        let class = Arc::new(registry::registry_class(dialect));
        self.shared.with(|st| {
            st.registry = Some(RegistryTable::default());
            st.host.enable(registry::NAME, class.clone(), class.defaults.clone())
        })?;
        self.listen(url).await
    }

    /// The URL this node listens on.
    pub fn host_url(&self) -> Option<String> {
        self.shared.lock().host_url.clone()
    }

    /// Shares a source under `name`; `handler` answers calls of its declared slots.
    pub fn enable_source(
        &self,
        name: &str,
        class: SourceClass,
        handler: impl SlotHandler,
    ) -> Result<Source, NodeError> {
        self.enable_source_inner(name, class, Some(Arc::new(handler)))
    }

    /// Shares a source whose slots need no handling (calls are answered with no value).
    pub fn enable_source_without_slots(&self, name: &str, class: SourceClass) -> Result<Source, NodeError> {
        self.enable_source_inner(name, class, None)
    }

    /// Like [`Node::enable_source`], with an event stream that misses nothing (replicas may
    /// acquire the source the moment it is announced).
    pub fn enable_source_with_events(
        &self,
        name: &str,
        class: SourceClass,
        handler: impl SlotHandler,
    ) -> Result<(Source, EventReceiver<SourceEvent>), NodeError> {
        let (tx, rx) = events::channel();
        let mut subscribers = engine::Subscribers::default();
        if !self.shared.is_shut_down() {
            subscribers.add(tx);
        }
        let source = self.enable_source_routed(name, class, Some(Arc::new(handler)), subscribers)?;
        Ok((source, rx))
    }

    fn enable_source_inner(
        &self,
        name: &str,
        class: SourceClass,
        handler: Option<Arc<dyn SlotHandler>>,
    ) -> Result<Source, NodeError> {
        self.enable_source_routed(name, class, handler, Default::default())
    }

    fn enable_source_routed(
        &self,
        name: &str,
        class: SourceClass,
        handler: Option<Arc<dyn SlotHandler>>,
        subscribers: engine::Subscribers<SourceEvent>,
    ) -> Result<Source, NodeError> {
        let class = Arc::new(class);
        self.shared.with(|st| {
            st.host.enable(name, class.clone(), class.defaults.clone())?;
            st.sources.insert(name.into(), engine::SourceRoute::new(handler, subscribers));
            if let Some(url) = st.host_url.clone() {
                st.register(Location { name: name.into(), type_name: class.type_name().into(), url });
            }
            Ok::<_, NodeError>(())
        })?;
        Ok(Source { shared: self.shared.clone(), name: name.into(), class })
    }

    /// Stops sharing a source; its replicas go Suspect.
    pub fn disable_source(&self, name: &str) -> Result<(), NodeError> {
        self.shared.with(|st| {
            let type_name = st.host.class(name).map(|c| c.type_name().to_owned()).unwrap_or_default();
            st.host.disable(name)?;
            st.sources.remove(name);
            if let Some(url) = st.host_url.clone() {
                st.unregister(Location { name: name.into(), type_name, url });
            }
            Ok(())
        })
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
        let (state, rx) = self.shared.with(|st| {
            // Subscribe first, so events caused by this very acquisition reach the subscriber.
            let rx = with_events.then(|| {
                let (tx, rx) = events::channel();
                if !self.shared.is_shut_down() {
                    st.replicas.entry(name.into()).or_default().subscribers.add(tx);
                    st.sync_interest(name);
                }
                rx
            });
            st.client.acquire(name, kind, Instant::now());
            // The AddObject goes out from this thread at once: the caller is about to wait for it.
            if let Some(conn) = st.client.replica(name).and_then(|r| r.conn) {
                st.write_now.push(conn);
                st.awaiting_answer.push(conn);
            }
            let current = st.client.replica(name).map_or(ReplicaState::Uninitialized, |r| r.state);
            (st.replica_handle(name, current), rx)
        });
        (
            Replica {
                inner: Arc::new(ReplicaInner { shared: self.shared.clone(), name: name.into(), state }),
                _node: self._life.clone(),
            },
            rx,
        )
    }

    /// Sources announced by the hosts this node is connected to (their ObjectLists).
    pub fn known_objects(&self) -> Vec<crate::core::ObjectInfo> {
        let mut v: Vec<_> = self.shared.lock().client.known_objects().into_iter().map(|(_, o)| o).collect();
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
        self.shared.lock().last_protocol_error.clone()
    }

    /// Sources listed by the registry.
    pub fn registry_locations(&self) -> Vec<Location> {
        self.shared.lock().client.registry_locations().values().cloned().collect()
    }
}

/// A source hosted by this node.
#[derive(Clone)]
pub struct Source {
    shared: Arc<Shared>,
    name: String,
    class: Arc<SourceClass>,
}

impl Source {
    /// The name replicas acquire it by (for a child object, the name Qt gives it).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its class: the interface and the initial values.
    pub fn class(&self) -> &SourceClass {
        &self.class
    }

    fn property_index(&self, name: &str) -> Result<usize, NodeError> {
        self.class.property_index(name).ok_or_else(|| NodeError::UnknownMember {
            object: self.name.clone(),
            what: "property",
            name: name.into(),
        })
    }

    /// Runs `f` with a [`Batch`]: the property changes and signals it makes go out together
    /// when `f` returns, written by this thread, as one turn of Qt's event loop does. A burst
    /// of changes then costs one lock, one routing pass and one write per replica, instead of
    /// those per change. The node is locked while `f` runs: keep it short, and make changes
    /// only through the batch (calling other methods of this node inside `f` panics rather
    /// than deadlocking).
    pub fn batch<R>(&self, f: impl FnOnce(&mut Batch<'_>) -> R) -> R {
        self.shared.with_held(|st| f(&mut Batch { source: self, st }))
    }

    fn encode_set_property(&self, st: &mut engine::State, name: &str, value: Value) -> Result<bool, NodeError> {
        let index = self.property_index(name)?;
        // The host gives the value the declared type, or refuses it.
        Ok(st.host.set_property(&self.name, index, value)?)
    }

    fn encode_emit(&self, st: &mut engine::State, signal: &str, args: Cow<'_, [Value]>) -> Result<(), NodeError> {
        let index = self.class.signal_index(signal).ok_or_else(|| NodeError::UnknownMember {
            object: self.name.clone(),
            what: "signal",
            name: signal.into(),
        })?;
        // The host gives the arguments the declared types, or refuses them.
        Ok(st.host.emit_signal(&self.name, index, &args)?)
    }

    /// Sets a property; replicas are notified if the value changed.
    pub fn set_property(&self, name: &str, value: Value) -> Result<bool, NodeError> {
        self.shared.with(|st| self.encode_set_property(st, name, value))
    }

    /// The current value of a property ([`NodeError::UnknownMember`] if the class has none of
    /// that name).
    pub fn property(&self, name: &str) -> Result<Value, NodeError> {
        let index = self.property_index(name)?;
        Ok(self.shared.lock().host.values(&self.name).and_then(|v| v.get(index).cloned()).unwrap_or(Value::Invalid))
    }

    /// Emits a declared signal to every replica.
    pub fn emit(&self, signal: &str, args: Vec<Value>) -> Result<(), NodeError> {
        self.shared.with(|st| self.encode_emit(st, signal, Cow::Owned(args)))
    }

    /// [`Source::emit`] with borrowed arguments, as a Qt signal takes `const &` parameters: a
    /// producer can keep its argument values and change only what differs between emits, so
    /// emitting allocates nothing (arguments that need converting to their declared types are
    /// copied first).
    pub fn emit_ref(&self, signal: &str, args: &[Value]) -> Result<(), NodeError> {
        self.shared.with(|st| self.encode_emit(st, signal, Cow::Borrowed(args)))
    }

    /// Makes the CLASS property `property` a child object with its own class, values and slot
    /// handler, and returns it. Replicas see it as a child replica named after Qt's scheme
    /// (`Class::<Parent>::<prop>` in Qt 6, `Class::<prop>` in Qt 5).
    pub fn enable_child(
        &self,
        property: &str,
        class: SourceClass,
        handler: impl SlotHandler,
    ) -> Result<Source, NodeError> {
        let index = self.property_index(property)?;
        let class = Arc::new(class);
        let name = self.shared.with(|st| {
            let name = st.host.enable_child(&self.name, index, class.clone(), class.defaults.clone())?;
            st.sources.insert(name.clone(), engine::SourceRoute::new(Some(Arc::new(handler)), Default::default()));
            Ok::<_, NodeError>(name)
        })?;
        Ok(Source { shared: self.shared.clone(), name, class })
    }

    /// Backpressure: waits until every replica of this source has less than the configured
    /// high-water mark of data queued. A replica that stays above it for longer than the stall
    /// timeout is disconnected, so one stuck peer cannot stall the others. Producers of bulk data
    /// await this before each change to keep memory bounded.
    pub async fn ready(&self) {
        self.shared.wait_writable(&self.name).await
    }

    /// Bytes queued for this source's replicas, in total.
    pub fn queued_bytes(&self) -> usize {
        let st = self.shared.lock();
        st.host.listeners(&self.name).iter().map(|&c| st.host.queued(c)).sum()
    }

    /// Emits the API signal at `index` (for overloads that share a name). Arguments are
    /// converted to the declared types.
    pub fn emit_at(&self, index: usize, args: Vec<Value>) -> Result<(), NodeError> {
        if index >= self.class.definition.signals.len() {
            return Err(NodeError::UnknownMember {
                object: self.name.clone(),
                what: "signal",
                name: index.to_string(),
            });
        }
        Ok(self.shared.with(|st| st.host.emit_signal(&self.name, index, &args))?)
    }

    /// Property writes and acquisitions by replicas, from now on (see
    /// [`Node::enable_source_with_events`] to miss nothing).
    pub fn events(&self) -> EventReceiver<SourceEvent> {
        let (tx, rx) = events::channel();
        if let Some(r) = self.shared.lock().sources.get_mut(&self.name).filter(|_| !self.shared.is_shut_down()) {
            r.subscribers.add(tx);
        }
        rx
    }

    /// Connections that currently acquired this source.
    pub fn listener_count(&self) -> usize {
        self.shared.lock().host.listeners(&self.name).len()
    }
}

/// Changes and signals of one [`Source::batch`], sent together when it ends.
pub struct Batch<'a> {
    source: &'a Source,
    st: &'a mut engine::State,
}

impl Batch<'_> {
    /// [`Source::set_property`] within the batch.
    pub fn set_property(&mut self, name: &str, value: Value) -> Result<bool, NodeError> {
        self.source.encode_set_property(self.st, name, value)
    }

    /// [`Source::emit`] within the batch.
    pub fn emit(&mut self, signal: &str, args: Vec<Value>) -> Result<(), NodeError> {
        self.source.encode_emit(self.st, signal, Cow::Owned(args))
    }

    /// [`Source::emit_ref`] within the batch.
    pub fn emit_ref(&mut self, signal: &str, args: &[Value]) -> Result<(), NodeError> {
        self.source.encode_emit(self.st, signal, Cow::Borrowed(args))
    }

    /// [`Source::property`] within the batch.
    pub fn property(&self, name: &str) -> Result<Value, NodeError> {
        let index = self.source.property_index(name)?;
        Ok(self.st.host.values(&self.source.name).and_then(|v| v.get(index).cloned()).unwrap_or(Value::Invalid))
    }
}

struct ReplicaInner {
    shared: Arc<Shared>,
    name: String,
    state: watch::Receiver<ReplicaState>,
}

impl Drop for ReplicaInner {
    fn drop(&mut self) {
        let name = self.name.clone();
        self.shared.with(|st| {
            let last = st.replicas.get_mut(&name).map(|r| {
                r.handles -= 1;
                r.handles == 0
            });
            // A child object lives as long as its parent's replica, whatever its handles do.
            let is_child = st.client.replica(&name).is_some_and(|r| r.parent.is_some());
            if last == Some(true) && !is_child {
                st.replicas.remove(&name);
                // The RemoveObject goes out from this thread, not by waking the connection task.
                if let Some(conn) = st.client.replica(&name).and_then(|r| r.conn) {
                    st.write_now.push(conn);
                }
                st.client.release(&name);
            }
        });
    }
}

/// A replica of a remote source. Clones share the replica; it is released when the last one goes.
#[derive(Clone)]
pub struct Replica {
    inner: Arc<ReplicaInner>,
    _node: Arc<Lifetime>,
}

impl Replica {
    /// The name of the source it replicates.
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// Its state now, as Qt's `QRemoteObjectReplica::state()`: Uninitialized until it is
    /// connected, Default (static replicas, with the class defaults), Valid once the source's
    /// values arrived, Suspect while the connection is lost, SignatureMismatch when the host
    /// offers another interface.
    pub fn state(&self) -> ReplicaState {
        *self.inner.state.borrow()
    }

    /// Waits until the replica is Valid. Fails as soon as a host offers the object with another
    /// signature ([`CallError::SignatureMismatch`], with both signatures); on timeout, says
    /// which objects the connected hosts offer when none offers this one.
    pub async fn wait_for_source(&self, timeout: Duration) -> Result<(), NodeError> {
        let mut rx = self.inner.state.clone();
        let settled = |s: &ReplicaState| matches!(s, ReplicaState::Valid | ReplicaState::SignatureMismatch);
        let outcome = tokio::time::timeout(timeout, async { rx.wait_for(settled).await.map(|s| *s) }).await;
        let name = &self.inner.name;
        match outcome {
            Ok(Ok(ReplicaState::Valid)) => Ok(()),
            Ok(Ok(_)) => {
                let st = self.inner.shared.lock();
                let r = st.client.replica(name).ok_or_else(|| CallError::UnknownReplica(name.clone()))?;
                Err(r.unbound_error().into())
            }
            Ok(Err(_)) => Err(NodeError::Shutdown),
            Err(_) => {
                let st = self.inner.shared.lock();
                let known = st.client.known_objects();
                if !known.is_empty() && !known.iter().any(|(_, o)| &o.name == name) {
                    let mut offered: Vec<String> = known.into_iter().map(|(_, o)| o.name).collect();
                    offered.sort();
                    offered.dedup();
                    return Err(NodeError::NotOffered { name: name.clone(), timeout, offered: Offered(offered) });
                }
                Err(NodeError::Timeout { name: name.clone(), timeout, state: self.state() })
            }
        }
    }

    /// Waits for the next state change.
    pub async fn state_changed(&self) -> ReplicaState {
        let mut rx = self.inner.state.clone();
        let _ = rx.changed().await;
        let s = *rx.borrow();
        s
    }

    /// The interface (for dynamic replicas once initialized).
    pub fn definition(&self) -> Option<ClassDefinition> {
        self.inner.shared.lock().client.replica(&self.inner.name).and_then(|r| r.definition.clone())
    }

    /// Current value of a property.
    pub fn property(&self, name: &str) -> Option<Value> {
        let st = self.inner.shared.lock();
        let r = st.client.replica(&self.inner.name)?;
        let i = r.definition.as_ref()?.property_index(name)?;
        r.values.get(i).cloned()
    }

    /// All properties with their current values.
    pub fn properties(&self) -> Vec<(String, Value)> {
        let st = self.inner.shared.lock();
        let Some(r) = st.client.replica(&self.inner.name) else { return Vec::new() };
        let Some(def) = &r.definition else { return Vec::new() };
        def.properties.iter().map(|p| p.name.clone()).zip(r.values.iter().cloned()).collect()
    }

    /// Asks the source to set a property (WriteProperty). The change comes back as an event.
    pub fn set_property(&self, name: &str, value: Value) -> Result<(), NodeError> {
        let name_owned = self.inner.name.clone();
        self.inner.shared.with(|st| {
            let (index, value) = {
                let r = st.client.replica(&name_owned).ok_or_else(|| CallError::UnknownReplica(name_owned.clone()))?;
                let def = r.definition.as_ref().ok_or_else(|| CallError::NotConnected(name_owned.clone()))?;
                let i = def.property_index(name).ok_or_else(|| NodeError::UnknownMember {
                    object: name_owned.clone(),
                    what: "property",
                    name: name.into(),
                })?;
                // A Qt host stores what it is sent as the declared type: convert or refuse.
                let lookup = crate::core::convert::ClassTypes {
                    types: st.client.types(),
                    enums: &def.enums,
                    to_replicas: false,
                };
                let value = crate::core::convert(value, &def.properties[i].type_name, &lookup).map_err(|error| {
                    NodeError::PropertyType {
                        object: name_owned.clone(),
                        property: name.into(),
                        error: Box::new(error),
                    }
                })?;
                (i, value)
            };
            st.client.write_property(&name_owned, index, value, Instant::now())?;
            Ok(())
        })
    }

    /// Calls a slot by name (or by full signature such as `add(int,int)`), converting arguments
    /// to its declared types. Slots returning `void` are sent without asking for a reply and
    /// resolve to [`Value::Invalid`] at once.
    pub async fn call(&self, slot: &str, args: Vec<Value>) -> Result<Value, NodeError> {
        self.call_method(engine::MethodRef::Name(slot), args).await
    }

    /// Calls the API method at `index` (push slots first, then declared slots), for overloads
    /// that share a name and argument count.
    pub async fn call_at(&self, index: usize, args: Vec<Value>) -> Result<Value, NodeError> {
        self.call_method(engine::MethodRef::Index(index), args).await
    }

    async fn call_method(&self, method: engine::MethodRef<'_>, args: Vec<Value>) -> Result<Value, NodeError> {
        let name = &self.inner.name;
        let rx = self.inner.shared.with(|st| st.start_call(name, method, args, Instant::now()))?;
        match rx {
            None => Ok(Value::Invalid),
            Some(rx) => match rx.await {
                Ok(r) => Ok(r?),
                Err(_) => Err(NodeError::Shutdown),
            },
        }
    }

    /// The child object held by CLASS property `property`, once the source sent it.
    pub fn child(&self, property: &str) -> Option<Replica> {
        let child = {
            let st = self.inner.shared.lock();
            let r = st.client.replica(&self.inner.name)?;
            let i = r.definition.as_ref()?.property_index(property)?;
            match r.values.get(i)? {
                Value::Remote(ro) => ro.name.clone()?,
                _ => return None,
            }
        };
        let state = self.inner.shared.with(|st| {
            let current = st.client.replica(&child).map_or(ReplicaState::Uninitialized, |r| r.state);
            st.replica_handle(&child, current)
        });
        Some(Replica {
            inner: Arc::new(ReplicaInner { shared: self.inner.shared.clone(), name: child, state }),
            _node: self._node.clone(),
        })
    }

    /// A stream of this replica's events, from now on (use [`Node::acquire_with_events`] or
    /// [`Node::acquire_dynamic_with_events`] to also get those of the acquisition itself).
    pub fn events(&self) -> EventReceiver<ReplicaEvent> {
        self.events_filtered(EventFilter::ALL)
    }

    /// Like [`Replica::events`], receiving only the kinds of event `filter` names.
    pub fn events_filtered(&self, filter: EventFilter) -> EventReceiver<ReplicaEvent> {
        let (tx, rx) = events::channel();
        let mut st = self.inner.shared.lock();
        if !self.inner.shared.is_shut_down() {
            st.replicas.entry(self.inner.name.clone()).or_default().subscribers.add_filtered(tx, filter);
            st.sync_interest(&self.inner.name);
        }
        rx
    }

    /// Calls `callback` with each event of the kinds `filter` names, from now on, on the thread
    /// that receives them and before the next one is read — like a direct connection to a Qt
    /// replica's signals. No event is queued or copied, so this is the cheapest way to follow a
    /// busy source; [`Replica::events_filtered`] is the way to get events into async code.
    ///
    /// The callback runs while the node delivers events: it must be quick, and it must not call
    /// the node (doing so panics, as it would otherwise deadlock; send the work to a task
    /// instead). A callback that panics is removed. Events stop when the returned
    /// [`Observation`] is dropped, or when the replica is released (its last handle dropped).
    pub fn observe(&self, filter: EventFilter, callback: impl FnMut(&ReplicaEvent) + Send + 'static) -> Observation {
        let cancelled = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let observer =
            engine::Observer { callback: Box::new(callback), filter: filter.bits(), cancelled: cancelled.clone() };
        let mut st = self.inner.shared.lock();
        st.replicas.entry(self.inner.name.clone()).or_default().subscribers.add_observer(observer);
        st.sync_interest(&self.inner.name);
        Observation { shared: Arc::downgrade(&self.inner.shared), name: self.inner.name.clone(), cancelled }
    }
}

/// Keeps a [`Replica::observe`] callback registered; dropping it removes the callback (from
/// within a callback too: it then sees no further event).
#[must_use = "the callback is removed when the Observation is dropped"]
pub struct Observation {
    shared: std::sync::Weak<Shared>,
    name: String,
    cancelled: Arc<std::sync::atomic::AtomicBool>,
}

impl Drop for Observation {
    fn drop(&mut self) {
        self.cancelled.store(true, std::sync::atomic::Ordering::Relaxed);
        // Free the callback now, unless this runs under the node's lock (inside a callback):
        // then the node removes it with the next event.
        let Some(shared) = self.shared.upgrade() else { return };
        if shared.held_by_this_thread() {
            return;
        }
        shared.with(|st| {
            if let Some(route) = st.replicas.get_mut(self.name.as_str()) {
                route.subscribers.prune_observers();
            }
            st.sync_interest(&self.name);
        });
    }
}

impl std::fmt::Debug for Observation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Observation").field("replica", &self.name).finish_non_exhaustive()
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
