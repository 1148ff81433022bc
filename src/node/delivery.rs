//! Event delivery from the engine to the application: a single-consumer queue filled in batches.
//!
//! A connection task decodes a whole read buffer (often hundreds of packets) under the state lock;
//! sending each resulting event through a channel would cost a synchronised push, and often a
//! wake-up, per event. Instead the engine stages the events of one buffer per subscriber and hands
//! them over with one lock and one wake-up ([`EventSender::flush`]); the receiver takes everything
//! queued in one swap. The queue is bounded in the way Qt's synchronous signal delivery is: when a
//! subscriber falls more than the configured backlog behind, the connection that feeds it stops
//! reading (so TCP pushes back on the peer) until the subscriber catches up. Nothing is dropped.
//!
//! The receiver is a [`Stream`]: its waker is kept under the queue's lock, so the flush that
//! hands a batch over finds it there and wakes the consumer once per batch, not per event.

use std::collections::VecDeque;
use std::fmt;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

use futures_core::{FusedStream, Stream};
use tokio::sync::Notify;

/// Events' memory a queue keeps between bursts (beyond it, a drained queue gives its memory
/// back): enough that steady streams reuse their buffers instead of reallocating them, and
/// page-faulting them in, on every batch.
const RETAINED_EVENT_BYTES: usize = 512 * 1024;

fn retained<T>() -> usize {
    RETAINED_EVENT_BYTES / std::mem::size_of::<T>().max(1)
}

struct Queue<T> {
    items: Mutex<Handover<T>>,
    /// Items in `items` (readable without the lock).
    len: AtomicUsize,
    /// Wakes a connection task paused on this queue's backlog.
    drained: Notify,
    sender_gone: AtomicBool,
    receiver_gone: AtomicBool,
}

/// What the sender hands over and the receiver takes, under the queue's lock.
struct Handover<T> {
    items: VecDeque<T>,
    /// The waker of a receiver that found the queue empty: taken and woken by the next flush,
    /// or by the sender leaving.
    waker: Option<Waker>,
}

/// The receiving end of an event stream (from [`Replica::events`](super::Replica::events),
/// [`Source::events`](super::Source::events) and the `*_with_events` constructors of
/// [`Node`](super::Node)). Events arrive in order; none are dropped.
///
/// Read it with [`recv`](EventReceiver::recv), or as a [`Stream`] (`StreamExt::next`, `while
/// let Some(event) = stream.next().await`, combinators). The stream ends (`None`) once its
/// producer is gone — the replica released, the source disabled, the node shut down — and
/// everything queued before was received.
///
/// A receiver that is not read holds its connection back once it is
/// [`NodeConfig::event_backlog`](super::NodeConfig::event_backlog) events behind; drop the
/// receiver to unsubscribe.
pub struct EventReceiver<T> {
    queue: Arc<Queue<T>>,
    /// Events already taken from the shared queue, delivered one by one without locking.
    local: VecDeque<T>,
}

/// Why [`EventReceiver::try_recv`] returned nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TryRecvError {
    /// No event is queued now; one may come later.
    #[error("no event queued")]
    Empty,
    /// The stream ended: its producer is gone and every event was received.
    #[error("the event stream ended")]
    Disconnected,
}

/// The engine's end: events are staged with [`EventSender::push`] and handed over by
/// [`EventSender::flush`].
pub(crate) struct EventSender<T: Send + 'static> {
    queue: Arc<Queue<T>>,
    staged: Vec<T>,
}

pub(crate) fn channel<T: Send + 'static>() -> (EventSender<T>, EventReceiver<T>) {
    let queue = Arc::new(Queue {
        items: Mutex::new(Handover { items: VecDeque::new(), waker: None }),
        len: AtomicUsize::new(0),
        drained: Notify::new(),
        sender_gone: AtomicBool::new(false),
        receiver_gone: AtomicBool::new(false),
    });
    (EventSender { queue: queue.clone(), staged: Vec::new() }, EventReceiver { queue, local: VecDeque::new() })
}

impl<T> EventReceiver<T> {
    /// The next event, waiting for one; `None` once the stream ended (replica or node gone) and
    /// everything queued was received.
    ///
    /// Cancel safe: dropping the future before it completes loses no event.
    pub async fn recv(&mut self) -> Option<T> {
        std::future::poll_fn(|cx| self.poll_recv(cx)).await
    }

    /// Polls for the next event: `Ready(Some)` with one, `Ready(None)` once the stream ended,
    /// `Pending` (the task woken when events arrive or the stream ends) otherwise. What
    /// [`recv`](EventReceiver::recv) and the [`Stream`] implementation wait with.
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        match self.try_recv() {
            Ok(item) => return Poll::Ready(Some(item)),
            Err(TryRecvError::Disconnected) => return Poll::Ready(None),
            Err(TryRecvError::Empty) => {}
        }
        {
            let mut handover = self.queue.items.lock().unwrap_or_else(|e| e.into_inner());
            if !handover.waker.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                handover.waker = Some(cx.waker().clone());
            }
        }
        // Look again: a flush (or the sender's exit) after the check above either found the
        // waker just stored, or happened before it was stored and is seen now.
        match self.try_recv() {
            Ok(item) => Poll::Ready(Some(item)),
            Err(TryRecvError::Disconnected) => Poll::Ready(None),
            Err(TryRecvError::Empty) => Poll::Pending,
        }
    }

    /// The next event if one is queued.
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        if let Some(item) = self.local.pop_front() {
            return Ok(item);
        }
        // Read the flag before taking the items: a sender that leaves after this still had its
        // last flush visible to the swap below or to the next call.
        let gone = self.queue.sender_gone.load(Ordering::Acquire);
        if self.take_shared() {
            return Ok(self.local.pop_front().expect("taken"));
        }
        Err(if gone { TryRecvError::Disconnected } else { TryRecvError::Empty })
    }

    /// True when no event is queued (one may arrive any time).
    pub fn is_empty(&self) -> bool {
        self.local.is_empty() && self.queue.len.load(Ordering::Acquire) == 0
    }

    /// Moves everything queued into `buf` (appending), waiting until at least one event is
    /// there; returns how many were moved (0 once the stream ended).
    pub async fn recv_many(&mut self, buf: &mut Vec<T>) -> usize {
        match self.recv().await {
            None => 0,
            Some(first) => {
                buf.push(first);
                self.take_shared();
                let n = 1 + self.local.len();
                buf.extend(self.local.drain(..));
                n
            }
        }
    }

    /// Swaps the shared queue's items into `local`; false when there were none.
    fn take_shared(&mut self) -> bool {
        if self.queue.len.load(Ordering::Acquire) == 0 {
            return false;
        }
        if self.local.capacity() > retained::<T>() {
            self.local = VecDeque::new();
        }
        {
            let mut handover = self.queue.items.lock().unwrap_or_else(|e| e.into_inner());
            std::mem::swap(&mut handover.items, &mut self.local);
            self.queue.len.store(0, Ordering::Release);
        }
        self.queue.drained.notify_waiters();
        !self.local.is_empty()
    }
}

impl<T> Drop for EventReceiver<T> {
    fn drop(&mut self) {
        self.queue.receiver_gone.store(true, Ordering::Release);
        self.queue.drained.notify_waiters();
    }
}

// Nothing in a receiver is pinned: polling only needs `&mut`.
impl<T> Unpin for EventReceiver<T> {}

impl<T> Stream for EventReceiver<T> {
    type Item = T;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.get_mut().poll_recv(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.local.len() + self.queue.len.load(Ordering::Acquire), None)
    }
}

impl<T> FusedStream for EventReceiver<T> {
    /// True once the stream ended and everything was received: polling again gives `None`.
    fn is_terminated(&self) -> bool {
        self.local.is_empty()
            && self.queue.sender_gone.load(Ordering::Acquire)
            && self.queue.len.load(Ordering::Acquire) == 0
    }
}

impl<T> fmt::Debug for EventReceiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventReceiver")
            .field("queued", &(self.local.len() + self.queue.len.load(Ordering::Relaxed)))
            .finish()
    }
}

impl<T: Send + 'static> EventSender<T> {
    /// False once the receiver was dropped: the subscription can be forgotten.
    pub(crate) fn is_open(&self) -> bool {
        !self.queue.receiver_gone.load(Ordering::Acquire)
    }

    pub(crate) fn push(&mut self, item: T) {
        self.staged.push(item);
    }

    /// Hands the staged events to the receiver (one lock, one wake-up). Returns the number of
    /// events now waiting in the shared queue.
    pub(crate) fn flush(&mut self) -> usize {
        if self.staged.is_empty() {
            return self.queue.len.load(Ordering::Acquire);
        }
        if !self.is_open() {
            self.staged.clear();
            return 0;
        }
        let (len, waker) = {
            let mut handover = self.queue.items.lock().unwrap_or_else(|e| e.into_inner());
            if handover.items.is_empty() {
                // The receiver keeps up: hand the staged batch over as it is and stage the next
                // one in the (empty) queue's memory, instead of copying every event.
                let batch = VecDeque::from(std::mem::take(&mut self.staged));
                self.staged = Vec::from(std::mem::replace(&mut handover.items, batch));
            } else {
                handover.items.extend(self.staged.drain(..));
            }
            self.queue.len.store(handover.items.len(), Ordering::Release);
            (handover.items.len(), handover.waker.take())
        };
        if self.staged.capacity() > retained::<T>() {
            self.staged = Vec::new();
        }
        if let Some(waker) = waker {
            waker.wake();
        }
        len
    }

    /// Wakes a receiver waiting for events, if there is one.
    fn wake_receiver(&self) {
        let waker = self.queue.items.lock().unwrap_or_else(|e| e.into_inner()).waker.take();
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// A handle to wait on this subscriber's backlog without holding the sender.
    pub(crate) fn backlog(&self) -> Backlog {
        Backlog(self.queue.clone())
    }
}

impl<T: Send + 'static> Drop for EventSender<T> {
    fn drop(&mut self) {
        self.flush();
        self.queue.sender_gone.store(true, Ordering::Release);
        self.wake_receiver();
    }
}

/// A subscriber's queue seen from a connection task that paused reading because of it.
pub(crate) struct Backlog(Arc<dyn BacklogQueue>);

trait BacklogQueue: Send + Sync {
    fn queued(&self) -> usize;
    fn abandoned(&self) -> bool;
    fn drained(&self) -> &Notify;
}

impl<T: Send> BacklogQueue for Queue<T> {
    fn queued(&self) -> usize {
        self.len.load(Ordering::Acquire)
    }
    fn abandoned(&self) -> bool {
        self.receiver_gone.load(Ordering::Acquire)
    }
    fn drained(&self) -> &Notify {
        &self.drained
    }
}

impl Backlog {
    /// Resolves once at most `low` events wait in the queue or its receiver is gone.
    pub(crate) async fn wait_below(&self, low: usize) {
        wait_until(self.0.drained(), || self.0.queued() <= low || self.0.abandoned()).await
    }
}

/// Resolves once `done()` holds, checking it again whenever `changed` is notified. Interest is
/// registered before each check, so a notification between the check and the wait is not lost.
pub async fn wait_until(changed: &Notify, mut done: impl FnMut() -> bool) {
    loop {
        let notified = changed.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        if done() {
            return;
        }
        notified.await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn events_arrive_in_order_in_batches_and_the_end_is_seen() {
        let (mut tx, mut rx) = channel::<u32>();
        for i in 0..5 {
            tx.push(i);
        }
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty), "nothing before the flush");
        assert_eq!(tx.flush(), 5);
        tx.push(5);
        tx.flush();
        let mut got = Vec::new();
        for _ in 0..6 {
            got.push(rx.recv().await.unwrap());
        }
        assert_eq!(got, [0, 1, 2, 3, 4, 5]);
        tx.push(6);
        drop(tx); // flushes what was staged, then ends the stream
        assert_eq!(rx.recv().await, Some(6));
        assert_eq!(rx.recv().await, None);
        assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
    }

    #[tokio::test]
    async fn a_waiting_receiver_is_woken_by_a_flush_from_another_task() {
        let (mut tx, mut rx) = channel::<String>();
        let task = tokio::spawn(async move { rx.recv().await });
        tokio::task::yield_now().await;
        tx.push("x".into());
        tx.flush();
        assert_eq!(task.await.unwrap().as_deref(), Some("x"));
    }

    #[tokio::test]
    async fn backlog_waits_until_the_receiver_catches_up_or_leaves() {
        let (mut tx, mut rx) = channel::<u32>();
        for i in 0..100 {
            tx.push(i);
        }
        assert_eq!(tx.flush(), 100);
        let backlog = tx.backlog();
        let waiter = tokio::spawn(async move { backlog.wait_below(10).await });
        tokio::task::yield_now().await;
        assert!(!waiter.is_finished());
        let mut buf = Vec::new();
        assert_eq!(rx.recv_many(&mut buf).await, 100);
        tokio::time::timeout(std::time::Duration::from_secs(5), waiter).await.unwrap().unwrap();

        tx.push(1);
        tx.flush();
        let backlog = tx.backlog();
        let waiter = tokio::spawn(async move { backlog.wait_below(0).await });
        assert!(tx.is_open());
        drop(rx);
        assert!(!tx.is_open());
        tokio::time::timeout(std::time::Duration::from_secs(5), waiter).await.unwrap().unwrap();
    }

    #[tokio::test]
    async fn a_receiver_is_a_stream_that_ends_with_its_sender() {
        use futures_util::StreamExt;
        let (mut tx, mut rx) = channel::<u32>();
        (0..10).for_each(|i| tx.push(i));
        tx.flush();
        assert_eq!(rx.size_hint(), (10, None));
        assert_eq!(rx.next().await, Some(0));
        let three: Vec<u32> = (&mut rx).take(3).collect().await;
        assert_eq!(three, [1, 2, 3]);
        assert!(!rx.is_terminated());
        // A consumer waiting on the stream is woken by a flush from another task, then by the
        // sender's end, and sees every event before the end.
        let consumer = tokio::spawn(async move { rx.collect::<Vec<u32>>().await });
        tokio::task::yield_now().await;
        assert!(!consumer.is_finished(), "the stream waits for more");
        tx.push(10);
        tx.flush();
        tokio::task::yield_now().await;
        tx.push(11);
        drop(tx);
        let rest = tokio::time::timeout(std::time::Duration::from_secs(5), consumer).await.unwrap().unwrap();
        assert_eq!(rest, [4, 5, 6, 7, 8, 9, 10, 11]);
    }

    #[test]
    fn a_polled_stream_is_woken_once_per_flush_and_not_before() {
        use std::sync::atomic::AtomicUsize;
        use std::task::Wake;
        struct Count(AtomicUsize);
        impl Wake for Count {
            fn wake(self: Arc<Self>) {
                self.0.fetch_add(1, Ordering::SeqCst);
            }
        }
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let waker = Waker::from(count.clone());
        let mut cx = Context::from_waker(&waker);
        let (mut tx, mut rx) = channel::<u32>();
        assert_eq!(Pin::new(&mut rx).poll_next(&mut cx), Poll::Pending);
        assert_eq!(Pin::new(&mut rx).poll_next(&mut cx), Poll::Pending, "polling again registers, does not spin");
        tx.push(1);
        assert_eq!(count.0.load(Ordering::SeqCst), 0, "a staged event wakes nobody");
        tx.push(2);
        tx.flush();
        assert_eq!(count.0.load(Ordering::SeqCst), 1, "one wake per flushed batch");
        assert_eq!(Pin::new(&mut rx).poll_next(&mut cx), Poll::Ready(Some(1)));
        assert_eq!(Pin::new(&mut rx).poll_next(&mut cx), Poll::Ready(Some(2)));
        assert_eq!(Pin::new(&mut rx).poll_next(&mut cx), Poll::Pending);
        drop(tx);
        assert_eq!(count.0.load(Ordering::SeqCst), 2, "the sender's end wakes the waiting receiver");
        assert!(rx.is_terminated());
        assert_eq!(Pin::new(&mut rx).poll_next(&mut cx), Poll::Ready(None));
        assert_eq!(Pin::new(&mut rx).poll_next(&mut cx), Poll::Ready(None), "fused");
    }
}
