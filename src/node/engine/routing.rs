//! Routing: the events the cores queued go to the subscribers of their replica or source, and
//! slot calls to their handlers. A routing pass ends every [`Shared::with`](super::Shared::with),
//! under the lock.

use std::sync::Arc;

use crate::core::registry;
use crate::core::{ClientEvent, EventInterest, HostEvent, Value};
use crate::node::config::NodeConfig;
use crate::node::delivery::Backlog;
use crate::node::events::{EventFilter, ReplicaEvent, SourceEvent};
use crate::node::slot::SlotCall;

use super::members::MemberNames;
use super::routes::{stage_stream_event, Pending, SlotJob};
use super::{Action, State};

impl State {
    /// Routes core events to subscribers and decides the I/O to perform.
    pub(super) fn route(&mut self, config: &NodeConfig, backlogged: &mut Vec<Backlog>) -> Vec<Action> {
        let event_backlog = config.event_backlog;
        let mut actions = Vec::new();
        while let Some(ev) = self.client.poll_event() {
            self.route_client(ev, &mut actions);
        }
        while let Some(ev) = self.host.poll_event() {
            self.route_host(ev, config, &mut actions, backlogged);
        }
        for name in std::mem::take(&mut self.staged_replicas) {
            if let Some(r) = self.replicas.get_mut(&*name) {
                r.subscribers.flush(event_backlog, backlogged);
            }
        }
        for name in std::mem::take(&mut self.staged_sources) {
            if let Some(r) = self.sources.get_mut(&name) {
                r.subscribers.flush(event_backlog, backlogged);
            }
        }
        self.poll_writes(config.max_queued_bytes, &mut actions);
        actions
    }

    fn route_client(&mut self, ev: ClientEvent, actions: &mut Vec<Action>) {
        match ev {
            ClientEvent::StateChanged { replica, old, new } => {
                if let Some(r) = self.replicas.get_mut(&*replica) {
                    if let Some(s) = &r.state {
                        s.send_replace(new);
                    }
                }
                self.stage_replica_event(replica, ReplicaEvent::StateChanged { old, new });
            }
            ClientEvent::Initialized { replica } => {
                if let Some(r) = self.replicas.get_mut(&*replica) {
                    // A dynamic replica may have learned a new interface.
                    r.names = None;
                }
                self.stage_replica_event(replica, ReplicaEvent::Initialized);
            }
            ev @ (ClientEvent::PropertyChanged { .. } | ClientEvent::Signal { .. }) => {
                self.stage_queued_stream_event(ev)
            }
            ClientEvent::Reply { replica, serial_id, value } => self.answer_call(replica, serial_id, Ok(value)),
            ClientEvent::CallFailed { replica, serial_id, error } => self.answer_call(replica, serial_id, Err(error)),
            ClientEvent::ConnectTo { url } => actions.push(Action::Connect(url)),
            ClientEvent::RegistryChanged { .. } => {}
            ClientEvent::HeartbeatFailed { conn } => actions.push(Action::Close(conn)),
            ClientEvent::ProtocolError { conn, error } => {
                self.last_protocol_error = Some(error.to_string());
                actions.push(Action::Close(conn));
            }
            ClientEvent::ProtocolMismatch { conn, version } => {
                tracing::error!(conn, version, "host speaks another protocol version; not reconnecting");
                self.protocol_mismatch.insert(conn);
                actions.push(Action::Close(conn));
            }
        }
    }

    /// Hands the outcome of call `serial_id` to its caller, or into the replica's event stream
    /// for a tagged call (queued behind the signals that came before it on the wire).
    fn answer_call(&mut self, replica: Arc<str>, serial_id: i32, result: Result<Value, crate::core::CallError>) {
        match self.replicas.get_mut(&*replica).and_then(|r| r.pending.remove(&serial_id)) {
            Some(Pending::Once(tx)) => {
                let _ = tx.send(result);
            }
            Some(Pending::Stream(tag)) => {
                self.stage_replica_event_of(replica, ReplicaEvent::Reply { tag, result }, EventFilter::REPLIES)
            }
            None => {}
        }
    }

    /// Stages an event for the subscribers of `replica` (flushed when routing ends).
    fn stage_replica_event(&mut self, replica: Arc<str>, event: ReplicaEvent) {
        self.stage_replica_event_of(replica, event, EventFilter::STATE);
    }

    fn stage_replica_event_of(&mut self, replica: Arc<str>, event: ReplicaEvent, kind: EventFilter) {
        if let Some(r) = self.replicas.get_mut(&*replica) {
            if r.subscribers.stage(event, kind).0 {
                self.staged_replicas.push(replica);
            }
        }
    }

    fn stage_source_event(&mut self, source: &str, event: SourceEvent) {
        if let Some(r) = self.sources.get_mut(source) {
            if r.subscribers.stage(event, EventFilter::ALL).0 {
                self.staged_sources.push(source.to_owned());
            }
        }
    }

    /// Stages a property change or signal that the core queued: the first after an
    /// initialization (member names not made yet), or one nobody wants (the core is told to
    /// stop building those).
    fn stage_queued_stream_event(&mut self, ev: ClientEvent) {
        let (ClientEvent::PropertyChanged { replica, .. } | ClientEvent::Signal { replica, .. }) = &ev else { return };
        let replica = replica.clone();
        if let Some(route) = self.replicas.get_mut(&*replica).filter(|r| r.names.is_none()) {
            if let Some(def) = self.client.replica(&replica).and_then(|r| r.definition.as_ref()) {
                route.names = Some(MemberNames::of(def));
            }
        }
        if stage_stream_event(&mut self.replicas, &mut self.staged_replicas, ev, &mut Vec::new()).is_some() {
            self.sync_interest(&replica);
        }
    }

    /// Tells the client core which events of `replica` its subscribers want (see
    /// [`EventInterest`]); call after subscribing. Kinds nobody wants are muted lazily, when
    /// the first unwanted event arrives.
    pub(super) fn sync_interest(&mut self, replica: &str) {
        let wanted = self.replicas.get(replica).map_or(0, |r| r.subscribers.wanted());
        let has = |f: EventFilter| wanted & f.bits() != 0;
        let interest = EventInterest {
            property_changes: has(EventFilter::PROPERTIES),
            signals: has(EventFilter::SIGNALS),
            notify_signals: has(EventFilter::NOTIFY_SIGNALS),
        };
        self.client.set_event_interest(replica, interest);
    }

    /// The member names of a hosted source's class.
    fn source_names(&mut self, source: &str) -> Option<&MemberNames> {
        let route = self.sources.get_mut(source)?;
        if route.names.is_none() {
            route.names = Some(MemberNames::of(&self.host.class(source)?.definition));
        }
        route.names.as_ref()
    }

    fn route_host(
        &mut self,
        ev: HostEvent,
        config: &NodeConfig,
        actions: &mut Vec<Action>,
        backlogged: &mut Vec<Backlog>,
    ) {
        match ev {
            HostEvent::Invoked { conn, source, slot, method, args, serial_id } => {
                if source == registry::NAME && self.registry.is_some() {
                    return self.registry_invoked(conn, &source, method, &args, serial_id);
                }
                let Some((name, return_type)) = self
                    .source_names(&source)
                    .map(|n| (MemberNames::get(&n.methods, method), MemberNames::get(&n.method_returns, method)))
                else {
                    return;
                };
                let Some(route) = self.sources.get_mut(&source) else { return };
                match route.handler.clone() {
                    Some(handler) => {
                        let call = SlotCall { source, slot, name, args };
                        let job = SlotJob { handler, call, conn, serial: serial_id, return_type };
                        route.queue_slot(job, config, actions, backlogged);
                    }
                    None => {
                        if let Some(serial) = serial_id {
                            let _ = self.host.reply(conn, &source, serial, Value::Invalid);
                        }
                    }
                }
            }
            HostEvent::PropertyWritten { source, property, value, .. } => {
                let Some(name) = self.source_names(&source).map(|n| MemberNames::get(&n.properties, property)) else {
                    return;
                };
                self.stage_source_event(&source, SourceEvent::PropertyWritten { index: property, name, value });
            }
            HostEvent::Acquired { conn, source, dynamic } => {
                self.stage_source_event(&source, SourceEvent::Acquired { conn, dynamic })
            }
            HostEvent::Released { conn, source } => self.stage_source_event(&source, SourceEvent::Released { conn }),
            HostEvent::Rejected { .. } => {}
            HostEvent::ProtocolError { conn, .. } => actions.push(Action::Close(conn)),
        }
    }
}
