//! What a client does with the packets of hosts: the handshake and the objects offered, the
//! values of replicas (Init, property changes, child objects), signals, replies and pongs.

use std::sync::Arc;
use std::time::Instant;

use bytes::BytesMut;

use crate::core::classdef::{ClassDefinition, EmbeddedDefinition};
use crate::core::connection::{ConnectionId, Core, LinkState};
use crate::core::error::DecodeError;
use crate::core::limits::clip;
use crate::core::packet::{Invoke, Packet, StreamPacket};
use crate::core::registry;
use crate::core::stream::Reader;
use crate::core::value::{ObjectKind, RemoteObject, Value};

use super::{queue_all, ClientEvent, ClientRole, ReplicaCore, ReplicaKind, ReplicaState, StreamSink};

impl Core<ClientRole> {
    /// Handles bytes received on `conn`.
    pub fn receive(&mut self, conn: ConnectionId, bytes: &[u8], now: Instant) {
        self.receive_owned(conn, BytesMut::from(bytes), now)
    }

    /// Like [`ClientCore::receive`], taking ownership of the buffer (no copy when the decoder
    /// holds no partial frame).
    ///
    /// [`ClientCore::receive`]: super::ClientCore::receive
    pub fn receive_owned(&mut self, conn: ConnectionId, bytes: BytesMut, now: Instant) {
        self.receive_with(conn, bytes, now, &mut queue_all)
    }

    /// Like [`ClientCore::receive_owned`], offering each property change and signal to `sink`
    /// first: it takes the event (returns `None`), saving the queue and a later
    /// [`ClientCore::poll_event`], or gives it back to be queued. Events are offered only while
    /// nothing is queued, so queued and offered events never overtake one another.
    ///
    /// [`ClientCore::receive_owned`]: super::ClientCore::receive_owned
    /// [`ClientCore::poll_event`]: super::ClientCore::poll_event
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
            match c.decode(&frames, packet_type, span, self.dialect, &self.types, &self.limits) {
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
    /// connection, see [`LogThrottle`](super::LogThrottle)) and the connection stays up, as with a stock Qt replica.
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
    ///
    /// A model child (a `.rep` `MODEL` property, kind Model) becomes a static replica of the
    /// model adapter whose values are the QRO_'s `[availableRoles, roleNames]`, as Qt's repc
    /// replica initializes its pre-acquired model replica; a replaced model re-initializes it. A
    /// null model QRO_ unbinds the child replica of that name (Suspect) and clears its values
    /// (announced as an initialization), until a model comes again.
    fn adopt(&mut self, conn: ConnectionId, parent: &str, ro: RemoteObject) {
        let model = match ro.kind {
            ObjectKind::Class => false,
            ObjectKind::Model => true,
            ObjectKind::Gadget => return,
        };
        let Some(name) = ro.name else { return };
        if ro.is_null {
            let ours = self.role.replicas.get(&name).is_some_and(|r| r.parent.as_deref() == Some(parent));
            if model && ours {
                // Its values go too, announced as a (re)initialization without values: a model
                // replica on it starts over empty, and nothing reads the old model's roles.
                self.unbind(&name);
                if let Some(r) = self.role.replicas.get_mut(&name) {
                    r.values.clear();
                }
                self.events.push_back(ClientEvent::Initialized { replica: name.as_str().into() });
            }
            return;
        }
        if name == parent || self.depth_of(parent) >= self.limits.max_depth {
            return tracing::warn!(name, "child object nested too deep or cyclic; ignored");
        }
        let adapter = model.then(|| Arc::new(crate::core::model::adapter_class(self.dialect)));
        if let Some(class) = &adapter {
            let count = class.definition.properties.len();
            if ro.parameters.len() != count {
                return tracing::warn!(
                    name,
                    got = ro.parameters.len(),
                    "model child without its {count} values; ignored"
                );
            }
        }
        let definition = match (ro.definition, &adapter) {
            (_, Some(class)) => Some(class.definition.clone()),
            (Some(EmbeddedDefinition::Class(d)), None) => {
                d.register_types(&mut self.types);
                Some(d)
            }
            _ => None,
        };
        let r = self.role.replicas.entry(name.clone()).or_insert_with(|| {
            let parent = Some(parent.into());
            let kind = match &adapter {
                Some(class) => ReplicaKind::Static(class.clone()),
                None => ReplicaKind::Dynamic,
            };
            ReplicaCore::new(name.clone(), kind, parent, ReplicaState::Uninitialized, None, Vec::new())
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
        // A Qt 5.15/6 host may send more arguments than the signal has: it reuses one argument
        // list for all signals and trims only half of a longer one's excess
        // (`QRemoteObjectSourceBase::marshalArgs`), so a 3-argument signal after a 5-argument one
        // arrives with 4. Qt replicas read as many as the signature has; so do we.
        if let Some(n) = r.definition.as_ref().and_then(|d| d.signals.get(index)).map(|s| s.parameter_names.len()) {
            args.truncate(n);
        }
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
