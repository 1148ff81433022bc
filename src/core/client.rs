//! Sans-IO client: the replicas a node holds and the connections it opened to hosts.
//!
//! Time is an input: the driver passes `now` and sleeps until [`ClientCore::poll_timeout`]; the
//! core never reads a clock. Connections are opened by the driver (for URLs the application asked
//! for or that the registry announced) and announced with [`ClientCore::connected`].
//!
//! The [`host`](super::host) module's example joins a client and a host in memory.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use serde::{Deserialize, Serialize};

use super::classdef::{ClassDefinition, EmbeddedDefinition};
use super::connection::{sealed::Sealed, ConnMap, ConnectionId, Core, LinkState, Role};
use super::error::{DecodeError, EncodeError};
use super::limits::clip;
use super::packet::{call, Invoke, ObjectInfo, Packet, StreamPacket};
use super::registry::{self, Location};
use super::source::SourceClass;
use super::stream::Reader;
use super::value::{ObjectKind, RemoteObject, Value};

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
    /// The host offers the object with another signature than the replica's class: nothing is
    /// sent until a host offers a matching one.
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
    next_serial: i32,
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
#[derive(Default)]
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
        self.role.replicas.insert(
            name.into(),
            ReplicaCore {
                name: name.into(),
                kind,
                parent: None,
                state,
                conn: None,
                definition,
                values,
                next_serial: 1,
                pending: VecDeque::new(),
                heartbeat_due: None,
                ping_outstanding: false,
                interest: EventInterest::ALL,
                offered_signature: None,
            },
        );
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
        let r = self.role.replicas.get_mut(name).ok_or_else(|| CallError::UnknownReplica(name.into()))?;
        let conn = r.conn.ok_or_else(|| r.unbound_error())?;
        if let Some(def) = &r.definition {
            if index >= def.methods.len() {
                return Err(CallError::BadIndex { name: name.into(), what: "method", index });
            }
        }
        let serial_id = if want_reply {
            let s = r.next_serial;
            // Serial 0 is the heartbeat's; wrap to 1 (Qt would get stuck on 1 at INT_MAX).
            r.next_serial = if s == i32::MAX { 1 } else { s + 1 };
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

    /// Handles bytes received on `conn`.
    pub fn receive(&mut self, conn: ConnectionId, bytes: &[u8], now: Instant) {
        self.receive_owned(conn, BytesMut::from(bytes), now)
    }

    /// Declares which events of `replica` the driver wants (all, unless told otherwise). The
    /// registry replica's signals are always decoded (the core needs them).
    pub fn set_event_interest(&mut self, replica: &str, interest: EventInterest) {
        if let Some(r) = self.role.replicas.get_mut(replica) {
            r.interest = interest;
        }
    }

    /// Like [`ClientCore::receive`], taking ownership of the buffer (no copy when the decoder
    /// holds no partial frame).
    pub fn receive_owned(&mut self, conn: ConnectionId, bytes: BytesMut, now: Instant) {
        self.receive_with(conn, bytes, now, &mut queue_all)
    }

    /// Like [`ClientCore::receive_owned`], offering each property change and signal to `sink`
    /// first: it takes the event (returns `None`), saving the queue and a later
    /// [`ClientCore::poll_event`], or gives it back to be queued. Events are offered only while
    /// nothing is queued, so queued and offered events never overtake one another.
    pub fn receive_with(&mut self, conn: ConnectionId, bytes: BytesMut, now: Instant, sink: &mut StreamSink<'_>) {
        let Some((mut frames, bad_header)) = self.start_receive(conn, bytes) else { return };
        let mut reader = Reader::new(frames.chunk().clone(), self.dialect.outer_order());
        while let Some((packet_type, span)) = frames.next_span() {
            let Some(c) = self.conns.get_mut(&conn).filter(|c| c.state != LinkState::Failed) else { return };
            // Property changes and signals, the bulk of a replica's traffic, skip building a Packet.
            if c.state == LinkState::Ready {
                reader.set_window(span.clone());
                let args = &mut self.role.signal_args;
                match Packet::decode_stream_in(
                    packet_type,
                    &mut reader,
                    self.dialect,
                    &self.types,
                    &self.limits,
                    &mut c.names,
                    args,
                ) {
                    Some(Ok(StreamPacket::PropertyChange { name, index, value })) => {
                        self.property_change(conn, name, index, value, sink);
                        continue;
                    }
                    Some(Ok(StreamPacket::Reply { name, serial_id, value })) => {
                        self.handle_reply(conn, name, serial_id, value);
                        continue;
                    }
                    Some(Ok(StreamPacket::Signal { name, index, property_index })) => {
                        let wanted = self.role.replicas.get(&*name).is_none_or(|r| {
                            let i = r.interest;
                            &*name == registry::NAME || if property_index >= 0 { i.notify_signals } else { i.signals }
                        });
                        if wanted {
                            // The arguments go with the event; the sink may hand the vector back.
                            let args = std::mem::take(&mut self.role.signal_args);
                            self.signal(conn, name, index, args, property_index, now, sink);
                        } else {
                            self.role.signal_args.clear();
                        }
                        continue;
                    }
                    Some(Err(error)) if error.closes_connection() => return self.fail(conn, error),
                    Some(Err(error)) => {
                        self.role.signal_args.clear();
                        self.drop_packet(conn, packet_type, error);
                        continue;
                    }
                    None => {}
                }
            }
            match Packet::decode_with(
                &frames.frame(packet_type, span),
                self.dialect,
                &self.types,
                &self.limits,
                &mut c.names,
            ) {
                Ok(p) => self.handle(conn, p, now),
                Err(error) if error.closes_connection() || c.state != LinkState::Ready => {
                    return self.fail(conn, error)
                }
                Err(error) => self.drop_packet(conn, packet_type, error),
            }
        }
        drop(reader);
        self.end_receive(conn, frames, bad_header);
    }

    fn handle_reply(&mut self, conn: ConnectionId, name: Arc<str>, serial_id: i32, value: Value) {
        let Some(r) = self.bound(conn, &name) else { return };
        // Replies come in call order unless slots answer out of order.
        let expected = if r.pending.front() == Some(&serial_id) {
            r.pending.pop_front().is_some()
        } else {
            r.pending.iter().position(|&s| s == serial_id).and_then(|pos| r.pending.remove(pos)).is_some()
        };
        if expected {
            self.events.push_back(ClientEvent::Reply { replica: name, serial_id, value });
        }
    }

    /// A packet whose content could not be decoded: it is dropped with a warning (throttled per
    /// connection, see [`LogThrottle`]) and the connection stays up, as with a stock Qt replica.
    fn drop_packet(&mut self, conn: ConnectionId, packet_type: u16, error: DecodeError) {
        if let Some(c) = self.conns.get_mut(&conn) {
            if let Some(suppressed) = c.log.allow() {
                tracing::warn!(
                    conn,
                    packet_type,
                    suppressed,
                    "dropped a packet that could not be decoded: {}",
                    clip(&error.to_string())
                );
            }
        }
    }

    fn handle(&mut self, conn: ConnectionId, packet: Packet, now: Instant) {
        let c = self.conns.get_mut(&conn).expect("present");
        if c.state == LinkState::AwaitHandshake {
            match packet {
                Packet::Handshake { version } if version == self.dialect.protocol_version() => {
                    c.state = LinkState::Ready
                }
                Packet::Handshake { version } => {
                    c.state = LinkState::Failed;
                    self.events.push_back(ClientEvent::ProtocolMismatch { conn, version });
                }
                other => {
                    c.state = LinkState::Failed;
                    let version = format!("(expected Handshake, got {:?})", other.packet_type());
                    self.events.push_back(ClientEvent::ProtocolMismatch { conn, version });
                }
            }
            return;
        }
        match packet {
            Packet::ObjectList(list) => {
                let names: Vec<String> = list.iter().map(|o| o.name.clone()).collect();
                let offers = self.role.offers.entry(conn).or_default();
                offers.extend(list.into_iter().map(|o| (o.name.clone(), o)));
                // The registry binds first, as in Qt.
                let mut names = names;
                names.sort_by_key(|n| n != registry::NAME);
                for n in names {
                    self.try_bind(&n, now);
                }
            }
            Packet::Init { name, values } => self.initialize(conn, &name, None, values, now),
            Packet::InitDynamic { name, definition, values } => {
                self.initialize(conn, &name, Some(definition), values, now)
            }
            Packet::PropertyChange { name, index, value } => {
                self.property_change(conn, name.into(), index, value, &mut queue_all)
            }
            Packet::Invoke(Invoke { name, index, args, property_index, .. }) => {
                self.signal(conn, name.into(), index, args, property_index, now, &mut queue_all)
            }
            Packet::InvokeReply { name, serial_id, value } => self.handle_reply(conn, name.into(), serial_id, value),
            Packet::Pong { name } => {
                if let Some(r) = self.bound(conn, &name) {
                    r.ping_outstanding = false;
                }
                self.touch(&name, now);
            }
            Packet::RemoveObject { name } => {
                if let Some(offers) = self.role.offers.get_mut(&conn) {
                    offers.remove(&name);
                }
                if self.bound(conn, &name).is_some() {
                    self.unbind(&name);
                }
            }
            Packet::Handshake { .. } | Packet::AddObject { .. } | Packet::Ping { .. } => {
                tracing::debug!(conn, "unexpected {:?} from a host; ignored", packet.packet_type())
            }
        }
    }

    fn bound(&mut self, conn: ConnectionId, name: &str) -> Option<&mut ReplicaCore> {
        self.role.replicas.get_mut(name).filter(|r| r.conn == Some(conn))
    }

    /// A gadget that arrived in a QRO_ descriptor (a `QVariant` property of a source in dynamic
    /// mode holding a gadget type not sent before): its types are learned, and the value is the
    /// gadget itself, as a Qt replica unwraps it.
    fn unwrap_gadget(&mut self, value: Value) -> Value {
        match value {
            Value::Remote(ro) if ro.kind == ObjectKind::Gadget => {
                let RemoteObject { definition, mut parameters, .. } = *ro;
                if let Some(def) = definition {
                    def.register_types(&mut self.types);
                }
                parameters.pop().unwrap_or(Value::Invalid)
            }
            other => other,
        }
    }

    fn initialize(
        &mut self,
        conn: ConnectionId,
        name: &str,
        definition: Option<ClassDefinition>,
        values: Vec<Value>,
        now: Instant,
    ) {
        let values: Vec<Value> = values.into_iter().map(|v| self.unwrap_gadget(v)).collect();
        let Some(r) = self.bound(conn, name) else {
            return tracing::debug!(name, "init for a replica that is not bound here; ignored");
        };
        if let Some(def) = definition {
            def.register_types(&mut self.types);
            let r = self.role.replicas.get_mut(name).expect("bound");
            r.definition = Some(def);
        } else if let Some(def) = &r.definition {
            if def.properties.len() != values.len() {
                tracing::warn!(
                    name,
                    expected = def.properties.len(),
                    got = values.len(),
                    "init value count differs from the interface"
                );
            }
        }
        let children: Vec<RemoteObject> = values
            .iter()
            .filter_map(|v| match v {
                Value::Remote(ro) => Some((**ro).clone()),
                _ => None,
            })
            .collect();
        let r = self.role.replicas.get_mut(name).expect("bound");
        r.values = values;
        r.ping_outstanding = false;
        self.touch(name, now);
        self.events.push_back(ClientEvent::Initialized { replica: name.into() });
        self.set_state(name, ReplicaState::Valid);
        for child in children {
            self.adopt(conn, name, child);
        }
        if name == registry::NAME {
            self.registry_initialized(now);
        }
    }

    /// A child object arrived inside a parent's value: create (or refresh) its replica, bound to the
    /// parent's connection. A replica acquired beforehand under the child's name (as repc replicas
    /// pre-acquire children) is reused, keeping its static interface.
    fn adopt(&mut self, conn: ConnectionId, parent: &str, ro: RemoteObject) {
        if ro.kind != ObjectKind::Class || ro.is_null {
            return;
        }
        let Some(name) = ro.name else { return };
        if name == parent || self.depth_of(parent) >= self.limits.max_depth {
            return tracing::warn!(name, "child object nested too deep or cyclic; ignored");
        }
        let definition = match ro.definition {
            Some(EmbeddedDefinition::Class(d)) => {
                d.register_types(&mut self.types);
                Some(d)
            }
            _ => None,
        };
        let r = self.role.replicas.entry(name.clone()).or_insert_with(|| ReplicaCore {
            name: name.clone(),
            kind: ReplicaKind::Dynamic,
            parent: Some(parent.into()),
            state: ReplicaState::Uninitialized,
            conn: None,
            definition: None,
            values: Vec::new(),
            next_serial: 1,
            pending: VecDeque::new(),
            heartbeat_due: None,
            ping_outstanding: false,
            interest: EventInterest::ALL,
            offered_signature: None,
        });
        r.parent = Some(parent.into());
        if definition.is_some() {
            r.definition = definition;
        }
        r.conn = Some(conn);
        r.values = ro.parameters;
        let grandchildren: Vec<RemoteObject> = r
            .values
            .iter()
            .filter_map(|v| match v {
                Value::Remote(g) => Some((**g).clone()),
                _ => None,
            })
            .collect();
        self.events.push_back(ClientEvent::Initialized { replica: name.as_str().into() });
        self.set_state(&name, ReplicaState::Valid);
        for g in grandchildren {
            self.adopt(conn, &name, g);
        }
    }

    fn depth_of(&self, name: &str) -> u32 {
        let mut depth = 0;
        let mut cur = self.role.replicas.get(name);
        while let Some(p) = cur.and_then(|r| r.parent.as_deref()) {
            depth += 1;
            if depth > self.limits.max_depth {
                break;
            }
            cur = self.role.replicas.get(p);
        }
        depth
    }

    fn property_change(
        &mut self,
        conn: ConnectionId,
        name: Arc<str>,
        index: i32,
        value: Value,
        sink: &mut StreamSink<'_>,
    ) {
        let value = if matches!(value, Value::Remote(_)) { self.unwrap_gadget(value) } else { value };
        let Some(r) = self.bound(conn, &name) else { return };
        let Some(slot) = usize::try_from(index).ok().and_then(|i| r.values.get_mut(i)) else {
            if let Some(suppressed) = self.conns.get_mut(&conn).and_then(|c| c.log.allow()) {
                tracing::warn!(replica = &*name, index, suppressed, "property change for a property the replica lacks");
            }
            return;
        };
        // A child object is adopted (and announced) whether or not changes are wanted.
        if !r.interest.property_changes && !matches!(value, Value::Remote(_)) {
            *slot = value;
            return;
        }
        *slot = value.clone();
        if let Value::Remote(ro) = &value {
            self.adopt(conn, &name, (**ro).clone());
        }
        self.emit_stream(ClientEvent::PropertyChanged { replica: name, index: index as usize, value }, sink);
    }

    /// Offers a property change or signal to the driver's sink, or queues it. Only while nothing
    /// is queued before it: the driver sees every replica's events in order.
    fn emit_stream(&mut self, event: ClientEvent, sink: &mut StreamSink<'_>) {
        let unclaimed = if self.events.is_empty() { sink(event, &mut self.role.signal_args) } else { Some(event) };
        if let Some(event) = unclaimed {
            self.events.push_back(event);
        }
    }

    // The decoded fields of one signal, passed as they are: no struct built per signal.
    #[allow(clippy::too_many_arguments)]
    fn signal(
        &mut self,
        conn: ConnectionId,
        name: Arc<str>,
        index: i32,
        args: Vec<Value>,
        property_index: i32,
        now: Instant,
        sink: &mut StreamSink<'_>,
    ) {
        let Some(r) = self.bound(conn, &name) else { return };
        let Ok(index) = usize::try_from(index) else { return };
        let property_index = usize::try_from(property_index).ok();
        let mut args = args;
        // Notify signals sent without arguments carry the stored property value.
        if args.is_empty() {
            if let Some(v) = property_index.and_then(|p| r.values.get(p)) {
                args.push(v.clone());
            }
        }
        if &*name == registry::NAME {
            self.registry_signal(index, &args, now);
        }
        self.emit_stream(ClientEvent::Signal { replica: name, index, args, property_index }, sink);
    }

    fn registry_initialized(&mut self, now: Instant) {
        // A (re)started registry, or one we reconnected to, forgets the sources of hosts that
        // dropped off: register ours again, as Qt nodes do on every registry initialization.
        let again = std::mem::take(&mut self.role.registered);
        self.role.registrations.extend(again);
        let table = self.role.replicas.get(registry::NAME).and_then(|r| r.values.first().cloned());
        self.role.locations = table
            .map(|t| registry::parse_table(&t))
            .unwrap_or_default()
            .into_iter()
            .map(|l| (l.name.clone(), l))
            .collect();
        let mut urls: Vec<String> = self
            .role
            .locations
            .values()
            .filter(|l| self.role.replicas.get(&l.name).is_some_and(|r| r.conn.is_none()))
            .map(|l| l.url.clone())
            .collect();
        urls.dedup();
        for url in urls {
            self.events.push_back(ClientEvent::ConnectTo { url });
        }
        self.flush_registrations(now);
    }

    fn registry_signal(&mut self, index: usize, args: &[Value], now: Instant) {
        let Some(location) = args.first().and_then(registry::parse_location) else { return };
        match index {
            registry::SIGNAL_ADDED => {
                self.role.locations.insert(location.name.clone(), location.clone());
                if self.role.replicas.get(&location.name).is_some_and(|r| r.conn.is_none()) {
                    self.events.push_back(ClientEvent::ConnectTo { url: location.url.clone() });
                }
                self.events.push_back(ClientEvent::RegistryChanged { location, added: true });
            }
            registry::SIGNAL_REMOVED => {
                self.role.locations.remove(&location.name);
                self.events.push_back(ClientEvent::RegistryChanged { location, added: false });
            }
            _ => {}
        }
        self.flush_registrations(now);
    }
}
