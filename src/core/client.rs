//! Sans-IO client: the replicas a node holds and the connections it opened to hosts.
//!
//! Time is an input: the driver passes `now` and sleeps until [`ClientCore::poll_timeout`]; the
//! core never reads a clock. Connections are opened by the driver (for URLs the application asked
//! for or that the registry announced) and announced with [`ClientCore::connected`].
//!
//! The [`host`](super::host) module's example joins a client and a host in memory.
//!
//! # Example
//!
//! A client fed the bytes a Qt 6 host sends first, its handshake and its list of sources: the
//! dynamic replica it holds asks for its source.
//!
//! ```
//! use std::time::Instant;
//!
//! use qtro_rs::core::{ClientCore, Dialect, FrameDecoder, Limits, ObjectInfo, Packet};
//! use qtro_rs::core::{ReplicaKind, ReplicaState};
//!
//! let (now, qt6) = (Instant::now(), Dialect::Qt6);
//! let mut client = ClientCore::new(qt6, Limits::DEFAULT);
//! client.acquire("Counter", ReplicaKind::Dynamic, now);
//! client.connected(1);
//! let offered = ObjectInfo { name: "Counter".into(), type_name: None, signature: None };
//! client.receive(1, &Packet::Handshake { version: "QtRO 2.0".into() }.to_bytes(qt6)?, now);
//! client.receive(1, &Packet::ObjectList(vec![offered]).to_bytes(qt6)?, now);
//!
//! let mut sent = FrameDecoder::new(qt6, &Limits::DEFAULT);
//! sent.extend(&client.take_output(1).expect("a request"));
//! let frame = sent.next_frame()?.expect("one frame");
//! let packet = Packet::decode(&frame, qt6, client.types(), &Limits::DEFAULT)?;
//! assert_eq!(packet, Packet::AddObject { name: "Counter".into(), is_dynamic: true });
//! // It stays uninitialized until the definition and values arrive (InitDynamic).
//! assert_eq!(client.replica("Counter").map(|r| r.state), Some(ReplicaState::Uninitialized));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::classdef::ClassDefinition;
use super::connection::{sealed::Sealed, ConnMap, ConnectionId, Core, LinkState, Role};
use super::error::{DecodeError, EncodeError};
use super::packet::{call, Invoke, ObjectInfo, Packet};
use super::registry::{self, Location};
use super::source::SourceClass;
use super::value::Value;

mod recv;

/// Replica states, with Qt's numbering (`QRemoteObjectReplica::State`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum ReplicaState {
    /// A dynamic replica before its definition and values arrive.
    Uninitialized = 0,
    /// A static replica holding its class's default values, before its source's values arrive.
    Default = 1,
    /// Initialized by its source and connected to it.
    Valid = 2,
    /// The connection to the source was lost; values are the last ones received.
    Suspect = 3,
    /// The host offers the source with another signature than the replica's class.
    SignatureMismatch = 4,
}

impl ReplicaState {
    /// Qt's rule: a state only moves forward, except out of Suspect.
    fn may_become(self, next: ReplicaState) -> bool {
        self == ReplicaState::Suspect || next > self
    }
}

/// What the application asked for when acquiring.
#[derive(Debug, Clone)]
pub enum ReplicaKind {
    /// Learns the interface from the host (InitDynamicPacket).
    Dynamic,
    /// Knows the interface (typed replica generated from a .rep): values arrive by index, the
    /// signature is checked.
    Static(Arc<SourceClass>),
}

/// Why a call could not be made or completed.
///
/// `#[non_exhaustive]`: new variants may be added.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CallError {
    /// No replica of this name was acquired.
    #[error("no replica named {0:?} was acquired")]
    UnknownReplica(String),
    /// The replica has no connection to its source right now.
    #[error("replica {0:?} is not connected to its source")]
    NotConnected(String),
    /// The host offers the object with another signature than the replica's class. The mismatch
    /// is final for this replica (as in Qt): nothing is sent for it; acquire a replica of the
    /// matching class instead.
    #[error(
        "replica {name:?} does not match its source: the host offers signature {offered}, the class expects {expected}"
    )]
    SignatureMismatch {
        /// The replica.
        name: String,
        /// The signature of the replica's class.
        expected: String,
        /// The signature the host offers.
        offered: String,
    },
    /// The connection closed before the reply arrived.
    #[error("the connection to the source of {0:?} was lost before the reply arrived")]
    ConnectionLost(String),
    /// A method or property index the replica's interface does not have.
    #[error("replica {name:?} has no {what} {index}")]
    BadIndex {
        /// The replica.
        name: String,
        /// `"method"` or `"property"`.
        what: &'static str,
        /// The index given.
        index: usize,
    },
    /// The arguments or value could not be encoded.
    #[error("cannot encode the call: {0}")]
    Encode(#[from] EncodeError),
}

/// Events for the application, from [`ClientCore::poll_event`].
///
/// `#[non_exhaustive]`: new events may be added; ignore the ones you do not handle.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ClientEvent {
    /// A replica's state changed.
    StateChanged {
        /// The replica.
        replica: Arc<str>,
        /// Its state before.
        old: ReplicaState,
        /// Its state now.
        new: ReplicaState,
    },
    /// Init(Dynamic) processed: values (and, for dynamic replicas, the definition) are current.
    Initialized {
        /// The replica.
        replica: Arc<str>,
    },
    /// A property value arrived (PropertyChange).
    PropertyChanged {
        /// The replica.
        replica: Arc<str>,
        /// The property's index.
        index: usize,
        /// Its new value.
        value: Value,
    },
    /// A signal was emitted by the source (notify signals included, with `property_index`).
    Signal {
        /// The replica.
        replica: Arc<str>,
        /// The signal's API index.
        index: usize,
        /// Its arguments.
        args: Vec<Value>,
        /// For a notify signal, the index of its property.
        property_index: Option<usize>,
    },
    /// The reply to a call.
    Reply {
        /// The replica called.
        replica: Arc<str>,
        /// The serial [`ClientCore::call`] returned.
        serial_id: i32,
        /// The return value.
        value: Value,
    },
    /// A call will never be answered.
    CallFailed {
        /// The replica called.
        replica: Arc<str>,
        /// The serial [`ClientCore::call`] returned.
        serial_id: i32,
        /// Why.
        error: CallError,
    },
    /// The driver should open a connection to this URL (learned from the registry).
    ConnectTo {
        /// The host node's URL.
        url: String,
    },
    /// The registry announced or withdrew a source.
    RegistryChanged {
        /// The source's location.
        location: Location,
        /// `true` when announced, `false` when withdrawn.
        added: bool,
    },
    /// The heartbeat found the peer dead: close this connection (and reconnect).
    HeartbeatFailed {
        /// The connection to close.
        conn: ConnectionId,
    },
    /// The host speaks another protocol version: close, do not reconnect.
    ProtocolMismatch {
        /// The connection to close.
        conn: ConnectionId,
        /// The version the host announced.
        version: String,
    },
    /// Undecodable bytes: close the connection.
    ProtocolError {
        /// The connection to close.
        conn: ConnectionId,
        /// What could not be decoded.
        error: DecodeError,
    },
}

/// One acquired replica, as [`ClientCore::replica`] shows it.
pub struct ReplicaCore {
    /// The source name it was acquired by.
    pub name: String,
    /// Static or dynamic.
    pub kind: ReplicaKind,
    /// For a child object (a CLASS property of another replica): that replica's name.
    pub parent: Option<String>,
    /// Its state.
    pub state: ReplicaState,
    /// The connection of the host serving it, while bound.
    pub conn: Option<ConnectionId>,
    /// The interface: from the static class, or learned from InitDynamicPacket.
    pub definition: Option<ClassDefinition>,
    /// The property values, by index.
    pub values: Vec<Value>,
    pending: VecDeque<i32>,
    heartbeat_due: Option<Instant>,
    ping_outstanding: bool,
    /// Which events the driver wants for this replica ([`ClientCore::set_event_interest`]).
    interest: EventInterest,
    /// The signature the host offered, when it differs from the static class's.
    pub offered_signature: Option<String>,
}

/// Takes a property change or signal from [`ClientCore::receive_with`] (`None`), or gives it
/// back to be queued. The second argument is the core's buffer for decoding signal arguments,
/// empty when the sink is called: a sink that is done with a signal's `args` may leave the
/// vector there (cleared), so the next signal decodes into it instead of allocating.
pub type StreamSink<'a> = dyn FnMut(ClientEvent, &mut Vec<Value>) -> Option<ClientEvent> + 'a;

/// The sink that queues everything.
fn queue_all(event: ClientEvent, _: &mut Vec<Value>) -> Option<ClientEvent> {
    Some(event)
}

/// Which [`ClientEvent`]s of a replica the driver wants. Events nobody wants are not built:
/// the values still update, but a signal's arguments are decoded into a reused buffer and
/// dropped there, with no allocation and no event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventInterest {
    /// [`ClientEvent::PropertyChanged`].
    pub property_changes: bool,
    /// [`ClientEvent::Signal`] of declared signals.
    pub signals: bool,
    /// [`ClientEvent::Signal`] of notify signals.
    pub notify_signals: bool,
}

impl EventInterest {
    /// Every event (the default of a replica).
    pub const ALL: EventInterest = EventInterest { property_changes: true, signals: true, notify_signals: true };
}

impl ReplicaCore {
    /// A replica not bound to any connection yet.
    fn new(
        name: String,
        kind: ReplicaKind,
        parent: Option<String>,
        state: ReplicaState,
        definition: Option<ClassDefinition>,
        values: Vec<Value>,
    ) -> ReplicaCore {
        ReplicaCore {
            name,
            kind,
            parent,
            state,
            conn: None,
            definition,
            values,
            pending: VecDeque::new(),
            heartbeat_due: None,
            ping_outstanding: false,
            interest: EventInterest::ALL,
            offered_signature: None,
        }
    }

    /// Why a call or write cannot go out now: the host's signature differs, or no host serves
    /// this replica at the moment.
    pub(crate) fn unbound_error(&self) -> CallError {
        match &self.offered_signature {
            Some(offered) => CallError::SignatureMismatch {
                name: self.name.clone(),
                expected: self.expected_signature().unwrap_or_default().to_owned(),
                offered: offered.clone(),
            },
            None => CallError::NotConnected(self.name.clone()),
        }
    }

    fn expected_signature(&self) -> Option<&str> {
        match &self.kind {
            ReplicaKind::Static(c) => c.signature.as_deref(),
            ReplicaKind::Dynamic => None,
        }
    }
}

/// What a client holds besides its connections: the replicas it acquired and what the hosts and
/// the registry offer. [`ClientCore`] is the [`Core`] in this role.
pub struct ClientRole {
    heartbeat: Option<Duration>,
    replicas: BTreeMap<String, ReplicaCore>,
    /// Per connection: the objects its host listed (ObjectList).
    offers: ConnMap<BTreeMap<String, ObjectInfo>>,
    /// Name → location, from the registry replica.
    locations: BTreeMap<String, Location>,
    /// Sources this node wants the registry to list, pushed once the registry replica is Valid.
    registrations: Vec<Location>,
    registered: Vec<Location>,
    /// Arguments of the signal being decoded (reused: no allocation for unwanted signals).
    signal_args: Vec<Value>,
    /// The next call's serial, for every replica of this core: a serial is not used again while
    /// the core lives (up to wrapping), so a late reply to a released replica cannot answer a
    /// call of the replica acquired after it under the same name (Qt's per-replica serials can).
    next_serial: i32,
}

impl Default for ClientRole {
    fn default() -> Self {
        ClientRole {
            heartbeat: None,
            replicas: BTreeMap::new(),
            offers: ConnMap::default(),
            locations: BTreeMap::new(),
            registrations: Vec::new(),
            registered: Vec::new(),
            signal_args: Vec::new(),
            // Serial 0 is the heartbeat's.
            next_serial: 1,
        }
    }
}

impl Sealed for ClientRole {}

impl Role for ClientRole {
    type Event = ClientEvent;

    fn protocol_error(conn: ConnectionId, error: DecodeError) -> ClientEvent {
        ClientEvent::ProtocolError { conn, error }
    }
}

/// The sans-IO client: the replicas a node holds and its connections to hosts (see the
/// [module documentation](self)). It performs no I/O and reads no clock.
pub type ClientCore = Core<ClientRole>;

impl Core<ClientRole> {
    /// Heartbeat interval for every replica (`None` disables it, Qt's default).
    pub fn set_heartbeat(&mut self, interval: Option<Duration>, now: Instant) {
        self.role.heartbeat = interval.filter(|d| !d.is_zero());
        for r in self.role.replicas.values_mut() {
            r.ping_outstanding = false;
            r.heartbeat_due = match (self.role.heartbeat, r.conn) {
                (Some(d), Some(_)) => Some(now + d),
                _ => None,
            };
        }
    }

    /// The replica acquired as `name`.
    pub fn replica(&self, name: &str) -> Option<&ReplicaCore> {
        self.role.replicas.get(name)
    }

    /// Every acquired replica, child objects included.
    pub fn replicas(&self) -> impl Iterator<Item = &ReplicaCore> {
        self.role.replicas.values()
    }

    /// Sources known from the ObjectLists of all connections.
    pub fn known_objects(&self) -> Vec<(ConnectionId, ObjectInfo)> {
        let offers = |c: &ConnectionId| self.role.offers.get(c).into_iter().flat_map(|o| o.values());
        self.conns.keys().flat_map(|c| offers(c).map(move |o| (*c, o.clone()))).collect()
    }

    /// The sources the registry lists, by name (empty without a registry replica).
    pub fn registry_locations(&self) -> &BTreeMap<String, Location> {
        &self.role.locations
    }

    /// A new connection is open; the host will speak first.
    pub fn connected(&mut self, conn: ConnectionId) {
        self.open(conn, LinkState::AwaitHandshake);
        self.role.offers.insert(conn, BTreeMap::new());
    }

    /// The connection is gone: its replicas become Suspect and their pending calls fail.
    pub fn disconnected(&mut self, conn: ConnectionId) {
        self.conns.remove(&conn);
        self.role.offers.remove(&conn);
        let names: Vec<String> =
            self.role.replicas.values().filter(|r| r.conn == Some(conn)).map(|r| r.name.clone()).collect();
        for name in names {
            self.unbind(&name);
        }
    }

    fn unbind(&mut self, name: &str) {
        let Some(r) = self.role.replicas.get_mut(name) else { return };
        r.conn = None;
        r.heartbeat_due = None;
        r.ping_outstanding = false;
        let pending = std::mem::take(&mut r.pending);
        for serial_id in pending {
            self.events.push_back(ClientEvent::CallFailed {
                replica: name.into(),
                serial_id,
                error: CallError::ConnectionLost(name.into()),
            });
        }
        self.set_state(name, ReplicaState::Suspect);
    }

    fn set_state(&mut self, name: &str, new: ReplicaState) {
        let Some(r) = self.role.replicas.get_mut(name) else { return };
        let old = r.state;
        // Qt re-emits Suspect → Suspect; other same-state moves are no-ops.
        if !old.may_become(new) || (old == new && new != ReplicaState::Suspect) {
            return;
        }
        r.state = new;
        self.events.push_back(ClientEvent::StateChanged { replica: name.into(), old, new });
    }

    /// Acquires a replica. It binds as soon as a connection lists the name.
    pub fn acquire(&mut self, name: &str, kind: ReplicaKind, now: Instant) {
        if self.role.replicas.contains_key(name) {
            return;
        }
        let (state, definition, values) = match &kind {
            ReplicaKind::Dynamic => (ReplicaState::Uninitialized, None, Vec::new()),
            ReplicaKind::Static(c) => {
                // The types the class's interface uses (its gadgets and enums) must decode.
                c.definition.register_types(&mut self.types);
                (ReplicaState::Default, Some(c.definition.clone()), c.defaults.clone())
            }
        };
        let replica = ReplicaCore::new(name.into(), kind, None, state, definition, values);
        self.role.replicas.insert(name.into(), replica);
        self.try_bind(name, now);
        if self.role.replicas[name].conn.is_none() {
            if let Some(loc) = self.role.locations.get(name) {
                self.events.push_back(ClientEvent::ConnectTo { url: loc.url.clone() });
            }
        }
    }

    /// Releases a replica; the host is told if it was bound.
    pub fn release(&mut self, name: &str) {
        if let Some(r) = self.role.replicas.remove(name) {
            // Children never sent AddObject, so they are forgotten silently.
            if let (Some(conn), None) = (r.conn, &r.parent) {
                self.send(conn, &Packet::RemoveObject { name: name.into() });
            }
            let children: Vec<String> = self
                .role
                .replicas
                .values()
                .filter(|c| c.parent.as_deref() == Some(name))
                .map(|c| c.name.clone())
                .collect();
            for c in children {
                self.release(&c);
            }
        }
    }

    fn try_bind(&mut self, name: &str, now: Instant) {
        let Some(r) = self.role.replicas.get(name) else { return };
        if r.conn.is_some() || r.state == ReplicaState::SignatureMismatch {
            return;
        }
        let offers = &self.role.offers;
        let found = self.conns.iter().find_map(|(c, conn)| {
            let offered = || offers.get(c).and_then(|o| o.get(name)).map(|o| (*c, o.clone()));
            (conn.state == LinkState::Ready).then(offered).flatten()
        });
        let Some((conn, info)) = found else { return };
        // Either side without a signature disables the check, as in Qt.
        if let (Some(mine), Some(theirs)) = (r.expected_signature(), info.signature.as_deref()) {
            if !mine.is_empty() && !theirs.is_empty() && mine != theirs {
                tracing::warn!(replica = name, mine, theirs, "signature mismatch");
                let theirs = theirs.to_owned();
                if let Some(r) = self.role.replicas.get_mut(name) {
                    r.offered_signature = Some(theirs);
                }
                self.set_state(name, ReplicaState::SignatureMismatch);
                return;
            }
        }
        // A replica that already has an interface asks for values only (as Qt after reconnects).
        let is_dynamic = matches!(r.kind, ReplicaKind::Dynamic) && r.definition.is_none();
        let r = self.role.replicas.get_mut(name).expect("checked");
        r.conn = Some(conn);
        self.send(conn, &Packet::AddObject { name: name.into(), is_dynamic });
        self.touch(name, now);
    }

    /// Restarts the replica's heartbeat timer (any outgoing traffic postpones the next Ping).
    fn touch(&mut self, name: &str, now: Instant) {
        if let (Some(r), Some(interval)) = (self.role.replicas.get_mut(name), self.role.heartbeat) {
            if r.conn.is_some() {
                r.heartbeat_due = Some(now + interval);
            }
        }
    }

    /// Slot calls sent over `conn` whose replies are still awaited, over all its replicas.
    pub fn calls_in_flight(&self, conn: ConnectionId) -> usize {
        self.role.replicas.values().filter(|r| r.conn == Some(conn)).map(|r| r.pending.len()).sum()
    }

    /// Calls method `index` of the replica's API. With `want_reply` the returned serial
    /// identifies the [`ClientEvent::Reply`] (or [`ClientEvent::CallFailed`]).
    pub fn call(
        &mut self,
        name: &str,
        index: usize,
        args: Vec<Value>,
        want_reply: bool,
        now: Instant,
    ) -> Result<Option<i32>, CallError> {
        let role = &mut self.role;
        let r = role.replicas.get_mut(name).ok_or_else(|| CallError::UnknownReplica(name.into()))?;
        let conn = r.conn.ok_or_else(|| r.unbound_error())?;
        if let Some(def) = &r.definition {
            if index >= def.methods.len() {
                return Err(CallError::BadIndex { name: name.into(), what: "method", index });
            }
        }
        let serial_id = if want_reply {
            let s = role.next_serial;
            // Serial 0 is the heartbeat's; wrap to 1 (Qt would get stuck on 1 at INT_MAX).
            role.next_serial = if s == i32::MAX { 1 } else { s + 1 };
            r.pending.push_back(s);
            s
        } else {
            -1
        };
        let c = self.conns.get_mut(&conn).ok_or_else(|| CallError::NotConnected(name.into()))?;
        // Encoded from the borrowed name and arguments: no Packet built per call.
        if let Err(e) = Packet::write_invoke(
            self.dialect,
            &mut c.out.buf,
            name,
            call::INVOKE_META_METHOD,
            index as i32,
            &args,
            serial_id,
            -1,
        ) {
            if let Some(r) = self.role.replicas.get_mut(name) {
                r.pending.retain(|&s| s != serial_id);
            }
            return Err(e.into());
        }
        if c.out.note() {
            self.dirty.push(conn);
        }
        self.touch(name, now);
        Ok(want_reply.then_some(serial_id))
    }

    /// Writes property `index` on the source (WriteProperty). The new value comes back as a
    /// property change if the source accepts it.
    pub fn write_property(&mut self, name: &str, index: usize, value: Value, now: Instant) -> Result<(), CallError> {
        let r = self.role.replicas.get(name).ok_or_else(|| CallError::UnknownReplica(name.into()))?;
        let conn = r.conn.ok_or_else(|| r.unbound_error())?;
        if let Some(def) = &r.definition {
            if index >= def.properties.len() {
                return Err(CallError::BadIndex { name: name.into(), what: "property", index });
            }
        }
        let packet = Packet::Invoke(Invoke {
            name: name.into(),
            call: call::WRITE_PROPERTY,
            index: index as i32,
            args: vec![value],
            serial_id: -1,
            property_index: -1,
        });
        let c = self.conns.get_mut(&conn).ok_or_else(|| CallError::NotConnected(name.into()))?;
        packet.encode(self.dialect, &mut c.out.buf)?;
        if c.out.note() {
            self.dirty.push(conn);
        }
        self.touch(name, now);
        Ok(())
    }

    /// Asks the registry (once its replica is Valid) to list a source of this node.
    pub fn register_source(&mut self, location: Location, now: Instant) {
        if self.role.registered.iter().chain(&self.role.registrations).any(|l| l.name == location.name) {
            return;
        }
        self.role.registrations.push(location);
        self.flush_registrations(now);
    }

    /// Withdraws a registration.
    pub fn unregister_source(&mut self, name: &str, now: Instant) {
        self.role.registrations.retain(|l| l.name != name);
        if let Some(pos) = self.role.registered.iter().position(|l| l.name == name) {
            let loc = self.role.registered.remove(pos);
            let arg = registry::location_value(self.dialect, &loc);
            let _ = self.call(registry::NAME, registry::METHOD_REMOVE_SOURCE, vec![arg], false, now);
        }
    }

    fn flush_registrations(&mut self, now: Instant) {
        let valid =
            self.role.replicas.get(registry::NAME).is_some_and(|r| r.state == ReplicaState::Valid && r.conn.is_some());
        if !valid {
            return;
        }
        for loc in std::mem::take(&mut self.role.registrations) {
            match self.role.locations.get(&loc.name) {
                // Still listed from before (our connection to the registry came back).
                Some(listed) if listed.url == loc.url => {
                    self.role.registered.push(loc);
                    continue;
                }
                Some(_) => {
                    tracing::warn!(name = loc.name, "the registry already lists this name; not registering it");
                    continue;
                }
                None => {}
            }
            let arg = registry::location_value(self.dialect, &loc);
            if self.call(registry::NAME, registry::METHOD_ADD_SOURCE, vec![arg], false, now).is_ok() {
                self.role.registered.push(loc);
            }
        }
    }

    /// Treats the peer on `conn` as alive now: postpones the heartbeat of its replicas. For a
    /// driver that deliberately stopped reading from it (its application is behind), during
    /// which Pongs cannot be seen.
    pub fn keepalive(&mut self, conn: ConnectionId, now: Instant) {
        let Some(interval) = self.role.heartbeat else { return };
        for r in self.role.replicas.values_mut().filter(|r| r.conn == Some(conn)) {
            r.ping_outstanding = false;
            r.heartbeat_due = Some(now + interval);
        }
    }

    /// The earliest time [`ClientCore::handle_timeout`] has work to do.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.role.replicas.values().filter_map(|r| r.heartbeat_due).min()
    }

    /// Runs heartbeats that are due.
    pub fn handle_timeout(&mut self, now: Instant) {
        let due: Vec<String> = self
            .role
            .replicas
            .values()
            .filter(|r| r.heartbeat_due.is_some_and(|t| t <= now))
            .map(|r| r.name.clone())
            .collect();
        for name in due {
            let r = self.role.replicas.get_mut(&name).expect("listed");
            let Some(conn) = r.conn else {
                r.heartbeat_due = None;
                continue;
            };
            if r.ping_outstanding {
                // The previous Ping was never answered: the peer is dead.
                r.heartbeat_due = None;
                r.ping_outstanding = false;
                if let Some(c) = self.conns.get_mut(&conn) {
                    c.state = LinkState::Failed;
                }
                self.events.push_back(ClientEvent::HeartbeatFailed { conn });
            } else {
                r.ping_outstanding = true;
                self.send(conn, &Packet::Ping { name: name.clone() });
                self.touch(&name, now);
            }
        }
    }

    /// Declares which events of `replica` the driver wants (all, unless told otherwise). The
    /// registry replica's signals are always decoded (the core needs them).
    pub fn set_event_interest(&mut self, replica: &str, interest: EventInterest) {
        if let Some(r) = self.role.replicas.get_mut(replica) {
            r.interest = interest;
        }
    }
}
