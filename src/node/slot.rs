//! Slot calls on hosted sources and the handlers that answer them.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};

use crate::core::{ConnectionId, Value};

use super::engine::Shared;
use super::events::Name;

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
    /// in arrival order unless [`NodeConfig::concurrent_slots`](super::NodeConfig::concurrent_slots) is set.
    fn call(&self, call: SlotCall) -> BoxFuture;

    /// Runs the slot with a [`Responder`] that can send the reply at once, from inside the
    /// handler (while it still holds its own locks), instead of when the future completes: a
    /// handler whose replies must keep their place among the source's signals uses it. The
    /// future's output is then ignored. By default the responder is dropped unused and
    /// [`SlotHandler::call`] runs.
    fn call_with_responder(&self, call: SlotCall, responder: Responder) -> BoxFuture {
        drop(responder);
        self.call(call)
    }
}

/// Sends the reply to one slot call the moment it is known (see
/// [`SlotHandler::call_with_responder`]): queued for the caller's connection behind everything
/// the source sent before, and written out at once.
pub struct Responder {
    pub(super) shared: Weak<Shared>,
    pub(super) conn: ConnectionId,
    pub(super) source: String,
    pub(super) slot: Name,
    pub(super) serial: Option<i32>,
    pub(super) return_type: Name,
    pub(super) answered: Arc<AtomicBool>,
}

impl Responder {
    /// Whether the caller waits for a reply (if not, [`Responder::reply`] sends nothing).
    pub fn wants_reply(&self) -> bool {
        self.serial.is_some()
    }

    /// The connection the call came on.
    pub fn connection(&self) -> ConnectionId {
        self.conn
    }

    /// Sends `value` (converted to the slot's declared return type) as the reply, now. Takes the
    /// node's lock: call it with no [`Source::batch`](super::Source::batch) open.
    pub fn reply(self, value: Value) {
        let return_type = self.return_type.clone();
        self.send(value, &return_type)
    }

    /// Sends `value` as the reply, now, as it is: for a value already of the type the caller
    /// reads (the declared return type may name a type this node does not register, as the
    /// model adapter's `QtPrivate::DataEntries` does).
    pub fn reply_exact(self, value: Value) {
        self.send(value, "")
    }

    fn send(self, value: Value, return_type: &str) {
        self.answered.store(true, Ordering::Release);
        let (Some(serial), Some(shared)) = (self.serial, self.shared.upgrade()) else { return };
        shared.send_reply(self.conn, &self.source, &self.slot, serial, return_type, value, true);
    }
}

impl std::fmt::Debug for Responder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Responder")
            .field("conn", &self.conn)
            .field("source", &self.source)
            .field("serial", &self.serial)
            .finish()
    }
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
