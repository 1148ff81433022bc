//! Routing: the events the cores queued go to the subscribers of their replica or source, and
//! slot calls to their handlers. A routing pass ends every [`Shared::with`](super::Shared::with),
//! under the lock.

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::{oneshot, watch};

use crate::core::registry;
use crate::core::{CallError, ClientEvent, EventInterest, HostEvent, ReplicaState, Value};
use crate::node::delivery::{Backlog, EventSender};
use crate::node::{EventFilter, NodeConfig, ReplicaEvent, SlotCall, SlotHandler, SourceEvent};

use super::members::MemberNames;
use super::slots::SlotJob;
use super::subscribers::Subscribers;
use super::{Action, State};

/// FNV-1a: object names are short, and SipHash's setup dominated the per-event lookups. Keys are
/// only ever inserted by the local application (names it acquires or enables), so peers cannot
/// pick colliding keys.
#[derive(Default)]
pub(super) struct NameHasher(u64);

impl std::hash::Hasher for NameHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 { 0xcbf2_9ce4_8422_2325 } else { self.0 };
        for &b in bytes {
            h = (h ^ b as u64).wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

pub(super) type NameMap<V> = HashMap<String, V, std::hash::BuildHasherDefault<NameHasher>>;

/// Per-replica routing: subscribers and pending calls.
#[derive(Default)]
pub(super) struct ReplicaRoute {
    pub(super) subscribers: Subscribers<ReplicaEvent>,
    /// By serial id (ours, sequential: FNV is enough, SipHash cost more than the lookup).
    pub(super) pending:
        HashMap<i32, oneshot::Sender<Result<Value, CallError>>, std::hash::BuildHasherDefault<NameHasher>>,
    pub(super) state: Option<watch::Sender<ReplicaState>>,
    pub(super) handles: usize,
    /// Property and signal names of the current definition, shared by all events.
    pub(super) names: Option<MemberNames>,
}

pub(super) struct SourceRoute {
    pub(super) handler: Option<Arc<dyn SlotHandler>>,
    pub(super) subscribers: Subscribers<SourceEvent>,
    /// Slot calls waiting for this source's handler, run one at a time in arrival order.
    /// Bounded like event queues: past `event_backlog` waiting calls, the connections sending
    /// them pause reading until the handler catches up.
    pub(super) slot_queue: Option<EventSender<SlotJob>>,
    pub(super) names: Option<MemberNames>,
}

impl SourceRoute {
    pub(super) fn new(handler: Option<Arc<dyn SlotHandler>>, subscribers: Subscribers<SourceEvent>) -> Self {
        SourceRoute { handler, subscribers, slot_queue: None, names: None }
    }
}

/// Spare string arguments with more capacity than this are not kept for reuse.
const SPARE_STRING_MAX: usize = 1024;

/// Stages a property change or signal for the subscribers of its replica that want it, given
/// the member names are known; gives the event back otherwise (nobody wants it, no names yet).
/// Runs for every property change and signal, from [`ClientCore::receive_with`] directly. A
/// signal only observers saw leaves its argument vector in `spare_args` for the next one.
pub(super) fn stage_stream_event(
    replicas: &mut NameMap<ReplicaRoute>,
    staged: &mut Vec<Arc<str>>,
    ev: ClientEvent,
    spare_args: &mut Vec<Value>,
) -> Option<ClientEvent> {
    let (replica, kind) = match &ev {
        ClientEvent::PropertyChanged { replica, .. } => (replica, EventFilter::PROPERTIES),
        ClientEvent::Signal { replica, property_index: Some(_), .. } => (replica, EventFilter::NOTIFY_SIGNALS),
        ClientEvent::Signal { replica, .. } => (replica, EventFilter::SIGNALS),
        _ => return Some(ev),
    };
    let Some(route) = replicas.get_mut(&**replica).filter(|r| r.names.is_some() && r.subscribers.wants(kind)) else {
        return Some(ev);
    };
    let names = route.names.as_ref().expect("checked");
    let (replica, event) = match ev {
        ClientEvent::PropertyChanged { replica, index, value } => {
            (replica, ReplicaEvent::PropertyChanged { index, name: MemberNames::get(&names.properties, index), value })
        }
        ClientEvent::Signal { replica, index, args, property_index } => (
            replica,
            ReplicaEvent::Signal { index, name: MemberNames::get(&names.signals, index), args, property_index },
        ),
        other => return Some(other),
    };
    let (first, unclaimed) = route.subscribers.stage(event, kind);
    if first {
        staged.push(replica);
    }
    if let Some(ReplicaEvent::Signal { mut args, .. }) = unclaimed {
        // Kept for the next signal, which is decoded over them: its strings reuse these
        // buffers. Anything else (and long strings) is dropped here, on the thread that decoded
        // it, so a spare vector never pins much memory nor a read buffer.
        for a in args.iter_mut() {
            if !matches!(a, Value::String(Some(s)) if s.capacity() <= SPARE_STRING_MAX) {
                *a = Value::Invalid;
            }
        }
        *spare_args = args;
    }
    None
}

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
            ClientEvent::Reply { replica, serial_id, value } => {
                if let Some(tx) = self.replicas.get_mut(&*replica).and_then(|r| r.pending.remove(&serial_id)) {
                    let _ = tx.send(Ok(value));
                }
            }
            ClientEvent::CallFailed { replica, serial_id, error } => {
                if let Some(tx) = self.replicas.get_mut(&*replica).and_then(|r| r.pending.remove(&serial_id)) {
                    let _ = tx.send(Err(error));
                }
            }
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

    /// Stages an event for the subscribers of `replica` (flushed when routing ends).
    fn stage_replica_event(&mut self, replica: Arc<str>, event: ReplicaEvent) {
        if let Some(r) = self.replicas.get_mut(&*replica) {
            if r.subscribers.stage(event, EventFilter::STATE).0 {
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
