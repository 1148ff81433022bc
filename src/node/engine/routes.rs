//! The routes of the node's replicas and sources: who subscribed to their events, the calls
//! awaiting replies and the slot calls awaiting handlers, and the staging of one event.

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::{oneshot, watch};

use crate::core::{CallError, ClientEvent, ConnectionId, ReplicaState, Value};
use crate::node::delivery::EventSender;
use crate::node::events::{EventFilter, Name, ReplicaEvent, SourceEvent};
use crate::node::slot::{SlotCall, SlotHandler};

use super::members::MemberNames;
use super::subscribers::Subscribers;

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
    pub(super) pending: HashMap<i32, Pending, std::hash::BuildHasherDefault<NameHasher>>,
    pub(super) state: Option<watch::Sender<ReplicaState>>,
    pub(super) handles: usize,
    /// Property and signal names of the current definition, shared by all events.
    pub(super) names: Option<MemberNames>,
}

/// Where the reply to a call goes.
pub(super) enum Pending {
    /// To the caller awaiting it.
    Once(oneshot::Sender<Result<Value, CallError>>),
    /// Into the replica's event stream, as [`ReplicaEvent::Reply`] with this tag, in wire order
    /// with its signals.
    Stream(u64),
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

/// One slot call to run: the handler, the call, where to reply, and the declared return type.
pub(super) struct SlotJob {
    pub(super) handler: Arc<dyn SlotHandler>,
    pub(super) call: SlotCall,
    pub(super) conn: ConnectionId,
    pub(super) serial: Option<i32>,
    pub(super) return_type: Name,
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
