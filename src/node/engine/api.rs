//! The engine's API for the node's handles ([`Node`](crate::node::Node),
//! [`Source`](crate::node::Source), [`Replica`](crate::node::Replica)): every change they make
//! to the state goes through these methods, under [`Shared::with`](super::Shared::with) so that
//! its events are routed and its output written.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Instant;

use tokio::sync::{oneshot, watch};

use crate::core::registry::{self, Location, RegistryTable};
use crate::core::{
    CallError, ClientCore, HostCore, HostError, ReplicaKind, ReplicaState, SourceClass, TypeRegistry, Value,
};
use crate::node::delivery::EventSender;
use crate::node::error::NodeError;
use crate::node::events::{EventFilter, ReplicaEvent, SourceEvent};
use crate::node::slot::SlotHandler;

use super::members::{MemberNames, MethodRef};
use super::routes::{Pending, ReplicaRoute, SourceRoute};
use super::subscribers::{Observer, Subscribers};
use super::State;

impl State {
    /// The client core: the replicas and what the hosts offer.
    pub(crate) fn client(&self) -> &ClientCore {
        &self.client
    }

    /// The host core: the sources and their listeners.
    pub(crate) fn host(&self) -> &HostCore {
        &self.host
    }

    /// The URL this node listens on.
    pub(crate) fn host_url(&self) -> Option<&str> {
        self.host_url.as_deref()
    }

    /// Why the last client connection closed on a protocol error.
    pub(crate) fn last_protocol_error(&self) -> Option<&str> {
        self.last_protocol_error.as_deref()
    }

    /// Teaches both cores user types: `f` runs once for each.
    pub(crate) fn register_types(&mut self, f: impl Fn(&mut TypeRegistry)) {
        f(self.client.types_mut());
        f(self.host.types_mut());
    }

    /// Stops keeping `url` connected.
    pub(crate) fn forget_url(&mut self, url: &str) {
        self.wanted_urls.remove(url);
    }

    /// Uses the registry at `url`: acquires its replica (of `class`).
    pub(crate) fn use_registry(&mut self, url: &str, class: Arc<SourceClass>) {
        self.registry_url = Some(url.to_owned());
        self.client.acquire(registry::NAME, ReplicaKind::Static(class), Instant::now());
    }

    /// Makes this node a registry: it keeps the table and hosts the registry source (of `class`).
    pub(crate) fn become_registry(&mut self, class: Arc<SourceClass>) -> Result<(), HostError> {
        self.registry = Some(RegistryTable::default());
        self.host.enable(registry::NAME, class.clone(), class.defaults.clone())
    }

    /// This node listens on `url` now: the sources enabled so far are registered there.
    pub(crate) fn listening_on(&mut self, url: String) {
        self.host_url = Some(url.clone());
        let locations: Vec<Location> = self
            .host
            .source_names()
            .filter(|n| *n != registry::NAME)
            .map(|n| Location {
                name: n.into(),
                type_name: self.host.class(n).map(|c| c.type_name().to_owned()).unwrap_or_default(),
                url: url.clone(),
            })
            .collect();
        locations.into_iter().for_each(|l| self.register(l));
    }

    /// Shares a source under `name`, its calls answered by `handler`, its events sent to
    /// `events`; registers it if this node listens.
    pub(crate) fn enable_source(
        &mut self,
        name: &str,
        class: Arc<SourceClass>,
        handler: Option<Arc<dyn SlotHandler>>,
        events: Option<EventSender<SourceEvent>>,
    ) -> Result<(), NodeError> {
        let mut subscribers = Subscribers::default();
        if let Some(tx) = events {
            subscribers.add(tx);
        }
        self.host.enable(name, class.clone(), class.defaults.clone())?;
        self.sources.insert(name.into(), SourceRoute::new(handler, subscribers));
        if let Some(url) = self.host_url.clone() {
            self.register(Location { name: name.into(), type_name: class.type_name().into(), url });
        }
        Ok(())
    }

    /// Stops sharing a source, and withdraws its registration.
    pub(crate) fn disable_source(&mut self, name: &str) -> Result<(), NodeError> {
        let type_name = self.host.class(name).map(|c| c.type_name().to_owned()).unwrap_or_default();
        self.host.disable(name)?;
        self.sources.remove(name);
        if let Some(url) = self.host_url.clone() {
            self.unregister(Location { name: name.into(), type_name, url });
        }
        Ok(())
    }

    /// Makes property `property` of `parent` a child source; returns its name.
    pub(crate) fn enable_child(
        &mut self,
        parent: &str,
        property: usize,
        class: Arc<SourceClass>,
        handler: Arc<dyn SlotHandler>,
    ) -> Result<String, NodeError> {
        let name = self.host.enable_child(parent, property, class.clone(), class.defaults.clone())?;
        self.sources.insert(name.clone(), SourceRoute::new(Some(handler), Default::default()));
        Ok(name)
    }

    /// Unsets a MODEL property (see [`HostCore::clear_model_child`]).
    pub(crate) fn clear_model_child(&mut self, parent: &str, property: usize) -> Result<(), NodeError> {
        if let Some(old) = self.host.clear_model_child(parent, property)? {
            self.sources.remove(&old);
        }
        Ok(())
    }

    /// Sets a property of a hosted source (see [`HostCore::set_property`]).
    pub(crate) fn set_property(&mut self, source: &str, index: usize, value: Value) -> Result<bool, HostError> {
        self.host.set_property(source, index, value)
    }

    /// Emits a signal of a hosted source (see [`HostCore::emit_signal`]).
    pub(crate) fn emit_signal(&mut self, source: &str, index: usize, args: &[Value]) -> Result<(), HostError> {
        self.host.emit_signal(source, index, args)
    }

    /// Emits signal `index` of `source` with arguments that already have its parameter types.
    pub(crate) fn emit_signal_typed(&mut self, source: &str, index: usize, args: &[Value]) -> Result<(), HostError> {
        self.host.emit_signal_typed(source, index, args)
    }

    /// Sends the events of source `name` to `tx` too.
    pub(crate) fn subscribe_source(&mut self, name: &str, tx: EventSender<SourceEvent>) {
        if let Some(r) = self.sources.get_mut(name) {
            r.subscribers.add(tx);
        }
    }

    /// Acquires a replica (its events sent to `events` from the start) and counts a handle on
    /// it; returns its state.
    pub(crate) fn acquire(
        &mut self,
        name: &str,
        kind: ReplicaKind,
        events: Option<EventSender<ReplicaEvent>>,
    ) -> watch::Receiver<ReplicaState> {
        // Subscribe first, so events caused by this very acquisition reach the subscriber.
        if let Some(tx) = events {
            self.subscribe_replica(name, tx, EventFilter::ALL);
        }
        self.client.acquire(name, kind, Instant::now());
        // The AddObject goes out from this thread at once: the caller is about to wait for it.
        if let Some(conn) = self.client.replica(name).and_then(|r| r.conn) {
            self.write_now.push(conn);
            self.awaiting_answer.push(conn);
        }
        self.replica_handle(name)
    }

    /// Counts one more handle on `name`'s route and subscribes to its state, which is set to the
    /// core's state right now.
    pub(crate) fn replica_handle(&mut self, name: &str) -> watch::Receiver<ReplicaState> {
        let current = self.client.replica(name).map_or(ReplicaState::Uninitialized, |r| r.state);
        let route = self.replicas.entry(name.into()).or_default();
        route.handles += 1;
        let state = route.state.get_or_insert_with(|| watch::channel(current).0);
        state.send_if_modified(|s| std::mem::replace(s, current) != current);
        state.subscribe()
    }

    /// A handle on replica `name` is gone: the last one releases it (unless it is a child
    /// object, which lives as long as its parent's replica).
    pub(crate) fn drop_replica_handle(&mut self, name: &str) {
        let last = self.replicas.get_mut(name).map(|r| {
            r.handles -= 1;
            r.handles == 0
        });
        let is_child = self.client.replica(name).is_some_and(|r| r.parent.is_some());
        if last == Some(true) && !is_child {
            self.replicas.remove(name);
            // The RemoveObject goes out from this thread, not by waking the connection task.
            if let Some(conn) = self.client.replica(name).and_then(|r| r.conn) {
                self.write_now.push(conn);
            }
            self.client.release(name);
        }
    }

    /// Asks the source of `replica` to set property `property` to `value`, converted to the
    /// declared type first (a Qt host stores what it is sent as that type).
    pub(crate) fn write_property(&mut self, replica: &str, property: &str, value: Value) -> Result<(), NodeError> {
        let r = self.client.replica(replica).ok_or_else(|| CallError::UnknownReplica(replica.into()))?;
        let def = r.definition.as_ref().ok_or_else(|| CallError::NotConnected(replica.into()))?;
        let index = def.property_index(property).ok_or_else(|| NodeError::UnknownMember {
            object: replica.into(),
            what: "property",
            name: property.into(),
        })?;
        let lookup =
            crate::core::convert::ClassTypes { types: self.client.types(), enums: &def.enums, to_replicas: false };
        let value = crate::core::convert(value, &def.properties[index].type_name, &lookup).map_err(|error| {
            NodeError::PropertyType { object: replica.into(), property: property.into(), error: Box::new(error) }
        })?;
        self.client.write_property(replica, index, value, Instant::now())?;
        Ok(())
    }

    /// Sends a call of `replica`'s method (by index, or by name/signature) with its arguments
    /// converted to the declared types; for methods with a return value, the receiver of the
    /// reply. One lock and no signature parsing per call: the method table is cached per
    /// definition.
    pub(crate) fn start_call(
        &mut self,
        replica: &str,
        method: MethodRef<'_>,
        args: Vec<Value>,
        tag: Option<u64>,
        now: Instant,
    ) -> Result<Option<oneshot::Receiver<Result<Value, CallError>>>, NodeError> {
        let def = self
            .client
            .replica(replica)
            .ok_or_else(|| CallError::UnknownReplica(replica.into()))?
            .definition
            .as_ref()
            .ok_or_else(|| CallError::NotConnected(replica.into()))?;
        if !self.replicas.contains_key(replica) {
            self.replicas.insert(replica.into(), ReplicaRoute::default());
        }
        let route = self.replicas.get_mut(replica).expect("present");
        let names = route.names.get_or_insert_with(|| MemberNames::of(def));
        let index = match method {
            MethodRef::Index(i) if i < names.methods.len() => i,
            MethodRef::Index(index) => {
                return Err(CallError::BadIndex { name: replica.into(), what: "method", index }.into())
            }
            MethodRef::Name(slot) => names
                .find_method(def, slot, args.len())
                .ok_or_else(|| NodeError::UnknownMember { object: replica.into(), what: "slot", name: slot.into() })?,
        };
        // A Qt host hands each argument's storage to the slot as the declared type: every
        // argument is converted to it, or the call is refused before anything is sent.
        let lookup =
            crate::core::convert::ClassTypes { types: self.client.types(), enums: &def.enums, to_replicas: false };
        let types = names.method_params[index].iter().map(String::as_str);
        let args = crate::core::convert_args(args.into(), types, &def.methods[index].parameter_names, &lookup)
            .map_err(|error| NodeError::Arguments {
                object: replica.into(),
                method: def.methods[index].signature.clone(),
                error: Box::new(error),
            })?
            .into_owned();
        let wants_reply = names.method_replies[index];
        let serial = self.client.call(replica, index, args, wants_reply, now)?;
        let Some(s) = serial else { return Ok(None) };
        let (pending, rx) = match tag {
            // The reply joins the replica's event stream.
            Some(tag) => (Pending::Stream(tag), None),
            None => {
                let (tx, rx) = oneshot::channel();
                (Pending::Once(tx), Some(rx))
            }
        };
        if let Some(route) = self.replicas.get_mut(replica) {
            // A lone call waits for its answer: send it now, not via the connection task,
            // and poll for the answer. Calls made while others are in flight batch instead,
            // and find answers streaming in anyway.
            if let Some(conn) = self.client.replica(replica).and_then(|r| r.conn) {
                if route.pending.is_empty() {
                    self.write_now.push(conn);
                    self.awaiting_answer.push(conn);
                }
            }
            route.pending.insert(s, pending);
        }
        Ok(rx)
    }

    /// Sends the events of replica `name` of the kinds `filter` names to `tx` too.
    pub(crate) fn subscribe_replica(&mut self, name: &str, tx: EventSender<ReplicaEvent>, filter: EventFilter) {
        self.replicas.entry(name.into()).or_default().subscribers.add_filtered(tx, filter);
        self.sync_interest(name);
    }

    /// Shows the events of replica `name` of the kinds `filter` names to `callback`, until the
    /// returned flag is set.
    pub(crate) fn observe_replica(
        &mut self,
        name: &str,
        filter: EventFilter,
        callback: Box<dyn FnMut(&ReplicaEvent) + Send>,
    ) -> Arc<AtomicBool> {
        let cancelled = Arc::new(AtomicBool::new(false));
        let observer = Observer { callback, filter: filter.bits(), cancelled: cancelled.clone() };
        self.replicas.entry(name.into()).or_default().subscribers.add_observer(observer);
        self.sync_interest(name);
        cancelled
    }

    /// Removes the cancelled observers of replica `name`.
    pub(crate) fn prune_observers(&mut self, name: &str) {
        if let Some(route) = self.replicas.get_mut(name) {
            route.subscribers.prune_observers();
        }
        self.sync_interest(name);
    }
}
