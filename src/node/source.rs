//! A source this node hosts, and batches of its changes.

use std::borrow::Cow;
use std::sync::Arc;

use crate::core::{SourceClass, Value};

use super::delivery::{self, EventReceiver};
use super::engine::{Shared, State};
use super::error::NodeError;
use super::events::SourceEvent;
use super::slot::SlotHandler;

/// A source hosted by this node.
#[derive(Clone)]
pub struct Source {
    pub(super) shared: Arc<Shared>,
    pub(super) name: String,
    pub(super) class: Arc<SourceClass>,
}

impl Source {
    pub(super) fn new(shared: Arc<Shared>, name: String, class: Arc<SourceClass>) -> Source {
        Source { shared, name, class }
    }

    /// The name replicas acquire it by (for a child object, the name Qt gives it).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its class: the interface and the initial values.
    pub fn class(&self) -> &SourceClass {
        &self.class
    }

    pub(super) fn property_index(&self, name: &str) -> Result<usize, NodeError> {
        self.class.property_index(name).ok_or_else(|| NodeError::UnknownMember {
            object: self.name.clone(),
            what: "property",
            name: name.into(),
        })
    }

    /// Runs `f` with a [`Batch`]: the property changes and signals it makes go out together
    /// when `f` returns, written by this thread, as one turn of Qt's event loop does. A burst
    /// of changes then costs one lock, one routing pass and one write per replica, instead of
    /// those per change. The node is locked while `f` runs: keep it short, and make changes
    /// only through the batch (calling other methods of this node inside `f` panics rather
    /// than deadlocking).
    pub fn batch<R>(&self, f: impl FnOnce(&mut Batch<'_>) -> R) -> R {
        self.shared.with_held(|st| f(&mut Batch { source: self, st }))
    }

    fn encode_set_property(&self, st: &mut State, name: &str, value: Value) -> Result<bool, NodeError> {
        let index = self.property_index(name)?;
        // The host gives the value the declared type, or refuses it.
        Ok(st.set_property(&self.name, index, value)?)
    }

    fn encode_emit(&self, st: &mut State, signal: &str, args: Cow<'_, [Value]>) -> Result<(), NodeError> {
        let index = self.class.signal_index(signal).ok_or_else(|| NodeError::UnknownMember {
            object: self.name.clone(),
            what: "signal",
            name: signal.into(),
        })?;
        // The host gives the arguments the declared types, or refuses them.
        Ok(st.emit_signal(&self.name, index, &args)?)
    }

    /// Sets a property; replicas are notified if the value changed.
    pub fn set_property(&self, name: &str, value: Value) -> Result<bool, NodeError> {
        self.shared.with(|st| self.encode_set_property(st, name, value))
    }

    /// The current value of a property ([`NodeError::UnknownMember`] if the class has none of
    /// that name).
    pub fn property(&self, name: &str) -> Result<Value, NodeError> {
        let index = self.property_index(name)?;
        Ok(self.shared.lock().host().values(&self.name).and_then(|v| v.get(index).cloned()).unwrap_or(Value::Invalid))
    }

    /// Emits a declared signal to every replica.
    pub fn emit(&self, signal: &str, args: Vec<Value>) -> Result<(), NodeError> {
        self.shared.with(|st| self.encode_emit(st, signal, Cow::Owned(args)))
    }

    /// [`Source::emit`] with borrowed arguments, as a Qt signal takes `const &` parameters: a
    /// producer can keep its argument values and change only what differs between emits, so
    /// emitting allocates nothing (arguments that need converting to their declared types are
    /// copied first).
    pub fn emit_ref(&self, signal: &str, args: &[Value]) -> Result<(), NodeError> {
        self.shared.with(|st| self.encode_emit(st, signal, Cow::Borrowed(args)))
    }

    /// Makes the CLASS property `property` a child object with its own class, values and slot
    /// handler, and returns it. Replicas see it as a child replica named after Qt's scheme
    /// (`Class::<Parent>::<prop>` in Qt 6, `Class::<prop>` in Qt 5).
    pub fn enable_child(
        &self,
        property: &str,
        class: SourceClass,
        handler: impl SlotHandler,
    ) -> Result<Source, NodeError> {
        let index = self.property_index(property)?;
        let class = Arc::new(class);
        let name = self.shared.with(|st| st.enable_child(&self.name, index, class.clone(), Arc::new(handler)))?;
        Ok(Source { shared: self.shared.clone(), name, class })
    }

    /// Backpressure: waits until every replica of this source has less than the configured
    /// high-water mark of data queued. A replica that stays above it for longer than the stall
    /// timeout is disconnected, so one stuck peer cannot stall the others. Producers of bulk data
    /// await this before each change to keep memory bounded.
    pub async fn ready(&self) {
        self.shared.wait_writable(&self.name).await
    }

    /// Bytes queued for this source's replicas, in total.
    pub fn queued_bytes(&self) -> usize {
        let st = self.shared.lock();
        let host = st.host();
        host.listeners(&self.name).iter().map(|&c| host.queued(c)).sum()
    }

    /// Emits the API signal at `index` (for overloads that share a name). Arguments are
    /// converted to the declared types.
    pub fn emit_at(&self, index: usize, args: Vec<Value>) -> Result<(), NodeError> {
        if index >= self.class.definition.signals.len() {
            return Err(NodeError::UnknownMember {
                object: self.name.clone(),
                what: "signal",
                name: index.to_string(),
            });
        }
        Ok(self.shared.with(|st| st.emit_signal(&self.name, index, &args))?)
    }

    /// Property writes and acquisitions by replicas, from now on (see
    /// [`Node::enable_source_with_events`](super::Node::enable_source_with_events) to miss nothing).
    pub fn events(&self) -> EventReceiver<SourceEvent> {
        let (tx, rx) = delivery::channel();
        let mut st = self.shared.lock();
        // After a shutdown the stream ends at once.
        if !self.shared.is_shut_down() {
            st.subscribe_source(&self.name, tx);
        }
        rx
    }

    /// Connections that currently acquired this source.
    pub fn listener_count(&self) -> usize {
        self.shared.lock().host().listeners(&self.name).len()
    }
}

/// Changes and signals of one [`Source::batch`], sent together when it ends.
pub struct Batch<'a> {
    source: &'a Source,
    st: &'a mut State,
}

impl Batch<'_> {
    /// [`Source::set_property`] within the batch.
    pub fn set_property(&mut self, name: &str, value: Value) -> Result<bool, NodeError> {
        self.source.encode_set_property(self.st, name, value)
    }

    /// [`Source::emit`] within the batch.
    pub fn emit(&mut self, signal: &str, args: Vec<Value>) -> Result<(), NodeError> {
        self.source.encode_emit(self.st, signal, Cow::Owned(args))
    }

    /// [`Source::emit_ref`] within the batch.
    pub fn emit_ref(&mut self, signal: &str, args: &[Value]) -> Result<(), NodeError> {
        self.source.encode_emit(self.st, signal, Cow::Borrowed(args))
    }

    /// [`Source::property`] within the batch.
    pub fn property(&self, name: &str) -> Result<Value, NodeError> {
        let index = self.source.property_index(name)?;
        Ok(self.st.host().values(&self.source.name).and_then(|v| v.get(index).cloned()).unwrap_or(Value::Invalid))
    }
}
