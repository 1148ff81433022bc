//! Slot calls on hosted sources and the handlers that answer them.

use std::future::Future;
use std::pin::Pin;

use crate::core::Value;

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
