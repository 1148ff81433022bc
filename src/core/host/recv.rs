//! What a host does with the packets of replicas: acquisitions and releases, pings, slot calls
//! and property writes.

use std::borrow::Cow;
use std::sync::Arc;

use bytes::BytesMut;

use crate::core::connection::{ConnectionId, Core, LinkState};
use crate::core::convert::{convert_args, ClassTypes};
use crate::core::limits::clip;
use crate::core::packet::{call, Invoke, Packet, PacketType};
use crate::core::source::{MethodKind, PropertyMode};
use crate::core::value::Value;

use super::{HostEvent, HostRole};

impl Core<HostRole> {
    /// Handles bytes received on `conn`. After a protocol error the connection is marked failed
    /// (a [`HostEvent::ProtocolError`] is queued) and must be closed by the driver.
    pub fn receive(&mut self, conn: ConnectionId, bytes: &[u8]) {
        self.receive_owned(conn, BytesMut::from(bytes))
    }

    /// Like [`HostCore::receive`], taking ownership of the buffer (no copy when the decoder holds
    /// no partial frame).
    ///
    /// [`HostCore::receive`]: super::HostCore::receive
    pub fn receive_owned(&mut self, conn: ConnectionId, bytes: BytesMut) {
        let Some((mut frames, bad_header)) = self.start_receive(conn, bytes) else { return };
        while let Some((packet_type, span)) = frames.next_span() {
            let Some(c) = self.conns.get_mut(&conn).filter(|c| c.state != LinkState::Failed) else { return };
            if !PacketType::sent_by_clients(packet_type) {
                // Ignored unread, as a Qt host ignores packet types meant for replicas.
                tracing::debug!(conn, packet_type, "ignoring a packet type clients do not send");
                continue;
            }
            match c.decode(&frames, packet_type, span, self.dialect, &self.types, &self.limits) {
                Ok(p) => self.handle(conn, p),
                Err(error) if error.closes_connection() => return self.fail(conn, error),
                // Confined to its packet (its length is known): refused, the connection goes on.
                Err(error) => self
                    .reject(conn, format!("dropped a packet (type {packet_type}) that could not be decoded: {error}")),
            }
        }
        self.end_receive(conn, frames, bad_header);
    }

    /// A request that is refused: a warning (throttled per connection, and quoting at most
    /// [`super::limits::LOG_QUOTE_MAX`] bytes of it, since a peer chooses what it says) and a
    /// [`HostEvent::Rejected`].
    fn reject(&mut self, conn: ConnectionId, reason: String) {
        if let Some(suppressed) = self.conns.get_mut(&conn).and_then(|c| c.log.allow()) {
            tracing::warn!(conn, suppressed, "{}", clip(&reason));
        }
        let reason = clip(&reason).into_owned();
        self.events.push_back(HostEvent::Rejected { conn, reason });
    }

    fn handle(&mut self, conn: ConnectionId, packet: Packet) {
        match packet {
            Packet::AddObject { name, is_dynamic } => self.add_listener(conn, name, is_dynamic),
            Packet::RemoveObject { name } => {
                if let Some(s) = self.role.sources.get_mut(&name).filter(|s| s.parent.is_none()) {
                    s.listeners.retain(|&c| c != conn);
                    s.dynamic_listeners.retain(|&c| c != conn);
                    self.events.push_back(HostEvent::Released { conn, source: name });
                } else {
                    self.reject(conn, format!("RemoveObject for unknown source {name:?}"));
                }
            }
            Packet::Ping { name } => {
                self.send(conn, &Packet::Pong { name });
            }
            Packet::Invoke(inv) => self.invoke(conn, inv),
            other => tracing::debug!(conn, "ignoring {:?} from a client", other.packet_type()),
        }
    }

    fn add_listener(&mut self, conn: ConnectionId, name: String, dynamic: bool) {
        let Some(s) = self.role.sources.get_mut(&name).filter(|s| s.parent.is_none()) else {
            return self.reject(conn, format!("AddObject for unknown source {name:?}"));
        };
        if !s.listeners.contains(&conn) {
            s.listeners.push(conn);
        }
        s.dynamic_listeners.retain(|&c| c != conn);
        if dynamic {
            s.dynamic_listeners.push(conn);
        }
        let cached = s.dynamic_definition.clone();
        let class = s.class.clone();
        let definition = dynamic.then(|| {
            cached.unwrap_or_else(|| {
                // Built once per source: it depends only on the class and the registered types.
                let def = Arc::new(self.dynamic_definition(&class.definition));
                if let Some(s) = self.role.sources.get_mut(&name) {
                    s.dynamic_definition = Some(def.clone());
                }
                def
            })
        });
        let values = self.wire_values(&name, dynamic);
        let packet = match definition {
            Some(definition) => Packet::InitDynamic { name: name.clone(), definition: (*definition).clone(), values },
            None => Packet::Init { name: name.clone(), values },
        };
        let encoded = match self.conns.get_mut(&conn) {
            Some(c) => {
                let r = packet.encode(self.dialect, &mut c.out.buf);
                if c.out.note() {
                    self.dirty.push(conn);
                }
                r
            }
            None => Ok(()),
        };
        if let Err(e) = encoded {
            return self.reject(conn, format!("cannot send the values of {name:?}: {e}"));
        }
        self.events.push_back(HostEvent::Acquired { conn, source: name, dynamic });
    }

    fn invoke(&mut self, conn: ConnectionId, inv: Invoke) {
        let Some(s) = self.role.sources.get(&inv.name) else {
            return self.reject(conn, format!("invoke on unknown source {:?}", inv.name));
        };
        let class = s.class.clone();
        let index = match usize::try_from(inv.index) {
            Ok(i) => i,
            Err(_) => return self.reject(conn, format!("negative index {} in invoke on {:?}", inv.index, inv.name)),
        };
        if inv.call != call::INVOKE_META_METHOD {
            // Any other call value is a property write, as on a Qt host.
            let Some(&mode) = class.modes.get(index) else {
                return self.reject(conn, format!("write to property {index} of {:?}: no such property", inv.name));
            };
            if matches!(mode, PropertyMode::Constant | PropertyMode::ReadOnly) {
                return self.reject(conn, format!("property {index} of {:?} is not writable", inv.name));
            }
            let Some(value) = inv.args.into_iter().next() else {
                return self.reject(conn, format!("write to property {index} of {:?} without a value", inv.name));
            };
            self.apply_write(conn, inv.name, index, value);
            return;
        }
        let Some(&kind) = class.method_kinds.get(index) else {
            return self.reject(conn, format!("call of method {index} of {:?}: no such method", inv.name));
        };
        let serial_id = (inv.serial_id >= 0).then_some(inv.serial_id);
        let method = &class.definition.methods[index];
        match kind {
            MethodKind::Push(property) => {
                if inv.args.len() != 1 {
                    return self.reject(
                        conn,
                        format!("{} on {:?} called with {} argument(s)", method.signature, inv.name, inv.args.len()),
                    );
                }
                let value = inv.args.into_iter().next().unwrap_or(Value::Invalid);
                // A refused value gets no reply, as a Qt source that could not run the slot.
                if self.apply_write(conn, inv.name.clone(), property, value) {
                    if let Some(serial) = serial_id {
                        let _ = self.reply(conn, &inv.name, serial, Value::Invalid);
                    }
                }
            }
            MethodKind::Slot(slot) => {
                // A Qt source would hand each argument's storage to the slot as the declared
                // type: arguments are given those types here, or the call is refused.
                let params = class.slot_params.get(slot).map_or(&[][..], Vec::as_slice);
                let lookup = ClassTypes { types: &self.types, enums: &class.definition.enums, to_replicas: true };
                let types = params.iter().map(|p| p.type_name.as_str());
                let args = match convert_args(Cow::Owned(inv.args), types, &method.parameter_names, &lookup) {
                    Ok(args) => args.into_owned(),
                    Err(e) => return self.reject(conn, format!("{} on {:?} refused: {e}", method.signature, inv.name)),
                };
                self.events.push_back(HostEvent::Invoked {
                    conn,
                    source: inv.name,
                    slot,
                    method: index,
                    args,
                    serial_id,
                })
            }
        }
    }

    /// Applies a replica's write (already given the property's type by
    /// [`HostCore::set_property`](super::HostCore::set_property)); a refused write is reported and changes nothing.
    fn apply_write(&mut self, conn: ConnectionId, source: String, property: usize, value: Value) -> bool {
        match self.set_property(&source, property, value) {
            Ok(_) => {
                let value = self
                    .role
                    .sources
                    .get(&source)
                    .and_then(|s| s.values.get(property))
                    .cloned()
                    .unwrap_or(Value::Invalid);
                self.events.push_back(HostEvent::PropertyWritten { conn, source, property, value });
                true
            }
            Err(e) => {
                self.reject(conn, format!("write refused: {e}"));
                false
            }
        }
    }
}
