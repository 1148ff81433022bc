//! Typed event streams.

use crate::node::{EventReceiver, ReplicaEvent};

/// A stream of typed events `E`, converted from the node's events `I` (events that have no
/// typed counterpart are skipped).
pub struct EventStream<E, I = ReplicaEvent> {
    rx: EventReceiver<I>,
    convert: fn(I) -> Option<E>,
}

impl<E, I> EventStream<E, I> {
    /// Converts the events of `rx` with `convert`.
    pub fn new(rx: EventReceiver<I>, convert: fn(I) -> Option<E>) -> Self {
        EventStream { rx, convert }
    }

    /// The next event; `None` once the object is gone.
    pub async fn next(&mut self) -> Option<E> {
        loop {
            let event = self.rx.recv().await?;
            if let Some(e) = (self.convert)(event) {
                return Some(e);
            }
        }
    }

    /// The next event if one is already queued.
    pub fn try_next(&mut self) -> Option<E> {
        while let Ok(event) = self.rx.try_recv() {
            if let Some(e) = (self.convert)(event) {
                return Some(e);
            }
        }
        None
    }
}
