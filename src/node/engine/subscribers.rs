//! The event subscribers of one replica or source: event streams and observers, and the kinds
//! of event they want.

use std::sync::Arc;

use crate::node::delivery::{Backlog, EventSender};
use crate::node::events::EventFilter;

/// The event subscribers of one replica or source. Events are staged during routing and handed
/// over in one batch per subscriber when routing ends; observers see each event as it is routed.
pub(super) struct Subscribers<T: Send + 'static> {
    /// Each subscriber with the kinds of event it wants (an [`EventFilter`] bit set).
    senders: Vec<(EventSender<T>, u8)>,
    observers: Vec<Observer<T>>,
    /// Every kind some subscriber or observer wants: events of other kinds are not even built.
    wanted: u8,
    staged: bool,
}

/// A callback that sees events by reference, on the thread that routes them.
pub(super) struct Observer<T: 'static> {
    pub(super) callback: Box<dyn FnMut(&T) + Send>,
    pub(super) filter: u8,
    /// Set when the application drops its handle; the observer is removed at the next chance.
    pub(super) cancelled: Arc<std::sync::atomic::AtomicBool>,
}

thread_local! {
    /// Callbacks removed while this thread held a node's lock, dropped once it is released:
    /// what they captured (a `Replica`, say) may lock the node when dropped.
    static RETIRED: std::cell::RefCell<Vec<Box<dyn Send>>> = const { std::cell::RefCell::new(Vec::new()) };
}

impl<T: 'static> Drop for Observer<T> {
    fn drop(&mut self) {
        let callback: Box<dyn FnMut(&T) + Send> = std::mem::replace(&mut self.callback, Box::new(|_| {}));
        RETIRED.with(|r| r.borrow_mut().push(Box::new(callback)));
    }
}

/// Drops the callbacks retired under a lock this thread no longer holds.
pub(super) fn drop_retired() {
    loop {
        let retired = RETIRED.with(|r| std::mem::take(&mut *r.borrow_mut()));
        if retired.is_empty() {
            return;
        }
        drop(retired);
    }
}

impl<T: Send + 'static> Default for Subscribers<T> {
    fn default() -> Self {
        Subscribers { senders: Vec::new(), observers: Vec::new(), wanted: 0, staged: false }
    }
}

impl<T: Clone + Send + 'static> Subscribers<T> {
    /// Subscribes `sender` to every event.
    pub(super) fn add(&mut self, sender: EventSender<T>) {
        self.add_filtered(sender, EventFilter::ALL);
    }

    pub(super) fn add_filtered(&mut self, sender: EventSender<T>, filter: EventFilter) {
        self.senders.push((sender, filter.bits()));
        self.wanted |= filter.bits();
    }

    pub(super) fn add_observer(&mut self, observer: Observer<T>) {
        self.wanted |= observer.filter;
        self.observers.push(observer);
    }

    /// Ends every event stream: the receivers get what was queued, then `None`. Observers stay
    /// (they see nothing more once the node's tasks stopped).
    pub(super) fn end_streams(&mut self) {
        self.senders.clear();
        self.recompute_wanted();
    }

    /// Removes observers whose handle was dropped.
    pub(super) fn prune_observers(&mut self) {
        use std::sync::atomic::Ordering;
        let before = self.observers.len();
        self.observers.retain(|o| !o.cancelled.load(Ordering::Relaxed));
        if self.observers.len() != before {
            self.recompute_wanted();
        }
    }

    fn recompute_wanted(&mut self) {
        let senders = self.senders.iter().fold(0, |w, (_, f)| w | f);
        self.wanted = self.observers.iter().fold(senders, |w, o| w | o.filter);
    }

    /// Every kind of event some subscriber wants (an [`EventFilter`] bit set).
    pub(super) fn wanted(&self) -> u8 {
        self.wanted
    }

    /// Whether some subscriber wants events of `kind`.
    pub(super) fn wants(&self, kind: EventFilter) -> bool {
        self.wanted & kind.bits() != 0
    }

    /// Shows `event` (of `kind`) to the observers that want it, then stages it for every
    /// subscriber that wants it. Returns whether this is the first staged event since the last
    /// flush (the caller then remembers to flush this route), and the event when no subscriber
    /// took it.
    pub(super) fn stage(&mut self, event: T, kind: EventFilter) -> (bool, Option<T>) {
        let kind = kind.bits();
        if !self.observers.is_empty() {
            self.observe(&event, kind);
        }
        let Some(last) = self.senders.iter().rposition(|(_, f)| f & kind != 0) else { return (false, Some(event)) };
        for (s, _) in self.senders[..last].iter_mut().filter(|(_, f)| f & kind != 0) {
            s.push(event.clone());
        }
        self.senders[last].0.push(event);
        (!std::mem::replace(&mut self.staged, true), None)
    }

    fn observe(&mut self, event: &T, kind: u8) {
        use std::sync::atomic::Ordering;
        let mut gone = false;
        for o in self.observers.iter_mut().filter(|o| o.filter & kind != 0) {
            if o.cancelled.load(Ordering::Relaxed) {
                gone = true;
                continue;
            }
            // A panicking callback loses its observation, not the connection that delivered
            // the event.
            let callback = &mut o.callback;
            if std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| callback(event))).is_err() {
                tracing::error!("an event observer panicked; it is removed");
                o.cancelled.store(true, Ordering::Relaxed);
                gone = true;
            }
        }
        if gone {
            self.prune_observers();
        }
    }

    /// Hands staged events over; drops subscribers whose receiver is gone, and reports those
    /// whose backlog passed `limit`.
    pub(super) fn flush(&mut self, limit: usize, backlogged: &mut Vec<Backlog>) {
        self.staged = false;
        let before = self.senders.len();
        self.senders.retain_mut(|(s, _)| {
            if s.flush() > limit {
                backlogged.push(s.backlog());
            }
            s.is_open()
        });
        if self.senders.len() != before {
            self.recompute_wanted();
        }
    }
}
