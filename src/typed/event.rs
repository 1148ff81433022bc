//! Typed event streams.

use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::{FusedStream, Stream};

use crate::node::{EventReceiver, ReplicaEvent};

/// A stream of typed events `E`, converted from the node's events `I` (events that have no
/// typed counterpart are skipped). Generated replicas and sources return one from `events()`.
///
/// Read it with [`next`](EventStream::next) or as a [`Stream`]; it ends (`None`) when the
/// underlying [`EventReceiver`] does: once the replica or source is gone.
pub struct EventStream<E, I = ReplicaEvent> {
    rx: EventReceiver<I>,
    convert: fn(I) -> Option<E>,
}

impl<E, I> EventStream<E, I> {
    /// Converts the events of `rx` with `convert`.
    pub fn new(rx: EventReceiver<I>, convert: fn(I) -> Option<E>) -> Self {
        EventStream { rx, convert }
    }

    /// The next event; `None` once the object is gone. Cancel safe, as
    /// [`EventReceiver::recv`].
    pub async fn next(&mut self) -> Option<E> {
        std::future::poll_fn(|cx| self.poll_next_event(cx)).await
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

    /// Polls for the next typed event, skipping (without waiting) the node events that have
    /// none.
    fn poll_next_event(&mut self, cx: &mut Context<'_>) -> Poll<Option<E>> {
        loop {
            match self.rx.poll_recv(cx) {
                Poll::Ready(Some(event)) => {
                    if let Some(e) = (self.convert)(event) {
                        return Poll::Ready(Some(e));
                    }
                }
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

impl<E, I> Stream for EventStream<E, I> {
    type Item = E;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<E>> {
        self.get_mut().poll_next_event(cx)
    }
}

impl<E, I> FusedStream for EventStream<E, I> {
    fn is_terminated(&self) -> bool {
        self.rx.is_terminated()
    }
}
