//! A replica of a remote source, and observations of its events.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::watch;

use crate::core::{CallError, ClassDefinition, ReplicaState, Value};

use super::delivery::{self, EventReceiver};
use super::engine::{Lifetime, MethodRef, Shared};
use super::error::{NodeError, Offered};
use super::events::{EventFilter, ReplicaEvent};

struct ReplicaInner {
    shared: Arc<Shared>,
    name: String,
    state: watch::Receiver<ReplicaState>,
}

impl Drop for ReplicaInner {
    fn drop(&mut self) {
        self.shared.with(|st| st.drop_replica_handle(&self.name));
    }
}

/// A replica of a remote source. Clones share the replica; it is released when the last one goes.
#[derive(Clone)]
pub struct Replica {
    inner: Arc<ReplicaInner>,
    _node: Arc<Lifetime>,
}

impl Replica {
    pub(super) fn new(
        shared: Arc<Shared>,
        name: String,
        state: watch::Receiver<ReplicaState>,
        node: Arc<Lifetime>,
    ) -> Replica {
        Replica { inner: Arc::new(ReplicaInner { shared, name, state }), _node: node }
    }

    /// The name of the source it replicates.
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// Its state now, as Qt's `QRemoteObjectReplica::state()`: Uninitialized until it is
    /// connected, Default (static replicas, with the class defaults), Valid once the source's
    /// values arrived, Suspect while the connection is lost, SignatureMismatch when the host
    /// offers another interface.
    pub fn state(&self) -> ReplicaState {
        *self.inner.state.borrow()
    }

    /// The QtRO dialect of its node.
    pub(crate) fn dialect(&self) -> crate::core::Dialect {
        self.inner.shared.dialect()
    }

    /// Waits until the replica is Valid. Fails as soon as a host offers the object with another
    /// signature ([`CallError::SignatureMismatch`], with both signatures); on timeout, says
    /// which objects the connected hosts offer when none offers this one.
    pub async fn wait_for_source(&self, timeout: Duration) -> Result<(), NodeError> {
        let mut rx = self.inner.state.clone();
        let settled = |s: &ReplicaState| matches!(s, ReplicaState::Valid | ReplicaState::SignatureMismatch);
        let outcome = tokio::time::timeout(timeout, async { rx.wait_for(settled).await.map(|s| *s) }).await;
        let name = &self.inner.name;
        match outcome {
            Ok(Ok(ReplicaState::Valid)) => Ok(()),
            Ok(Ok(_)) => {
                let st = self.inner.shared.lock();
                let r = st.client().replica(name).ok_or_else(|| CallError::UnknownReplica(name.clone()))?;
                Err(r.unbound_error().into())
            }
            Ok(Err(_)) => Err(NodeError::Shutdown),
            Err(_) => {
                let st = self.inner.shared.lock();
                let known = st.client().known_objects();
                if !known.is_empty() && !known.iter().any(|(_, o)| &o.name == name) {
                    let mut offered: Vec<String> = known.into_iter().map(|(_, o)| o.name).collect();
                    offered.sort();
                    offered.dedup();
                    return Err(NodeError::NotOffered { name: name.clone(), timeout, offered: Offered(offered) });
                }
                Err(NodeError::Timeout { name: name.clone(), timeout, state: self.state() })
            }
        }
    }

    /// Waits for the next state change.
    pub async fn state_changed(&self) -> ReplicaState {
        let mut rx = self.inner.state.clone();
        let _ = rx.changed().await;
        let s = *rx.borrow();
        s
    }

    /// The interface (for dynamic replicas once initialized).
    pub fn definition(&self) -> Option<ClassDefinition> {
        self.inner.shared.lock().client().replica(&self.inner.name).and_then(|r| r.definition.clone())
    }

    /// Current value of a property.
    pub fn property(&self, name: &str) -> Option<Value> {
        let st = self.inner.shared.lock();
        let r = st.client().replica(&self.inner.name)?;
        let i = r.definition.as_ref()?.property_index(name)?;
        r.values.get(i).cloned()
    }

    /// All properties with their current values.
    pub fn properties(&self) -> Vec<(String, Value)> {
        let st = self.inner.shared.lock();
        let Some(r) = st.client().replica(&self.inner.name) else { return Vec::new() };
        let Some(def) = &r.definition else { return Vec::new() };
        def.properties.iter().map(|p| p.name.clone()).zip(r.values.iter().cloned()).collect()
    }

    /// Asks the source to set a property (WriteProperty). The change comes back as an event.
    pub fn set_property(&self, name: &str, value: Value) -> Result<(), NodeError> {
        self.inner.shared.with(|st| st.write_property(&self.inner.name, name, value))
    }

    /// Calls a slot by name (or by full signature such as `add(int,int)`), converting arguments
    /// to its declared types. Slots returning `void` are sent without asking for a reply and
    /// resolve to [`Value::Invalid`] at once.
    pub async fn call(&self, slot: &str, args: Vec<Value>) -> Result<Value, NodeError> {
        self.call_method(MethodRef::Name(slot), args).await
    }

    /// Calls the API method at `index` (push slots first, then declared slots), for overloads
    /// that share a name and argument count.
    pub async fn call_at(&self, index: usize, args: Vec<Value>) -> Result<Value, NodeError> {
        self.call_method(MethodRef::Index(index), args).await
    }

    /// Calls the API method at `index` without waiting: its reply (or failure) arrives as
    /// [`ReplicaEvent::Reply`] with `tag`, to subscriptions and observers that ask for
    /// [`EventFilter::REPLIES`], in wire order with the replica's signals and property changes
    /// (a reply is where the host put it among them). Methods returning `void` get no reply.
    /// Arguments are converted to the declared parameter types, as for [`Replica::call_at`].
    /// Fails at once when the call cannot be sent (not connected, no such method).
    pub fn call_tagged(&self, index: usize, args: Vec<Value>, tag: u64) -> Result<(), NodeError> {
        let name = &self.inner.name;
        self.inner.shared.with(|st| st.start_call(name, MethodRef::Index(index), args, Some(tag), Instant::now()))?;
        Ok(())
    }

    async fn call_method(&self, method: MethodRef<'_>, args: Vec<Value>) -> Result<Value, NodeError> {
        let name = &self.inner.name;
        let rx = self.inner.shared.with(|st| st.start_call(name, method, args, None, Instant::now()))?;
        match rx {
            None => Ok(Value::Invalid),
            Some(rx) => match rx.await {
                Ok(r) => Ok(r?),
                Err(_) => Err(NodeError::Shutdown),
            },
        }
    }

    /// The child object held by CLASS property `property`, once the source sent it.
    pub fn child(&self, property: &str) -> Option<Replica> {
        let child = {
            let st = self.inner.shared.lock();
            let r = st.client().replica(&self.inner.name)?;
            let i = r.definition.as_ref()?.property_index(property)?;
            match r.values.get(i)? {
                Value::Remote(ro) => ro.name.clone()?,
                _ => return None,
            }
        };
        let state = self.inner.shared.with(|st| st.replica_handle(&child));
        Some(Replica::new(self.inner.shared.clone(), child, state, self._node.clone()))
    }

    /// A stream of this replica's events, from now on (use [`Node::acquire_with_events`] or
    /// [`Node::acquire_dynamic_with_events`] to also get those of the acquisition itself).
    ///
    /// [`Node::acquire_with_events`]: super::Node::acquire_with_events
    /// [`Node::acquire_dynamic_with_events`]: super::Node::acquire_dynamic_with_events
    pub fn events(&self) -> EventReceiver<ReplicaEvent> {
        self.events_filtered(EventFilter::ALL)
    }

    /// Like [`Replica::events`], receiving only the kinds of event `filter` names.
    pub fn events_filtered(&self, filter: EventFilter) -> EventReceiver<ReplicaEvent> {
        let (tx, rx) = delivery::channel();
        let mut st = self.inner.shared.lock();
        // After a shutdown the stream ends at once.
        if !self.inner.shared.is_shut_down() {
            st.subscribe_replica(&self.inner.name, tx, filter);
        }
        rx
    }

    /// Calls `callback` with each event of the kinds `filter` names, from now on, on the thread
    /// that receives them and before the next one is read — like a direct connection to a Qt
    /// replica's signals. No event is queued or copied, so this is the cheapest way to follow a
    /// busy source; [`Replica::events_filtered`] is the way to get events into async code.
    ///
    /// The callback runs while the node delivers events: it must be quick, and it must not call
    /// the node (doing so panics, as it would otherwise deadlock; send the work to a task
    /// instead). A callback that panics is removed. Events stop when the returned
    /// [`Observation`] is dropped, or when the replica is released (its last handle dropped).
    pub fn observe(&self, filter: EventFilter, callback: impl FnMut(&ReplicaEvent) + Send + 'static) -> Observation {
        let cancelled = self.inner.shared.lock().observe_replica(&self.inner.name, filter, Box::new(callback));
        Observation { shared: Arc::downgrade(&self.inner.shared), name: self.inner.name.clone(), cancelled }
    }
}

/// Keeps a [`Replica::observe`] callback registered; dropping it removes the callback (from
/// within a callback too: it then sees no further event).
#[must_use = "the callback is removed when the Observation is dropped"]
pub struct Observation {
    shared: std::sync::Weak<Shared>,
    name: String,
    cancelled: Arc<std::sync::atomic::AtomicBool>,
}

impl Drop for Observation {
    fn drop(&mut self) {
        self.cancelled.store(true, std::sync::atomic::Ordering::Relaxed);
        // Free the callback now, unless this runs under the node's lock (inside a callback):
        // then the node removes it with the next event.
        let Some(shared) = self.shared.upgrade() else { return };
        if shared.held_by_this_thread() {
            return;
        }
        shared.with(|st| st.prune_observers(&self.name));
    }
}

impl std::fmt::Debug for Observation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Observation").field("replica", &self.name).finish_non_exhaustive()
    }
}
