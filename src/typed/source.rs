//! The untyped half of a generated typed source: the hosted [`Source`] plus the class spec that
//! gives every member's declared type.

use std::future::Future;
use std::sync::{Arc, OnceLock};

use tokio::sync::Notify;

use crate::core::{Dialect, Value};
use crate::node::{ModelHost, ModelOptions, ModelSource, Node, SlotCall, SlotHandler, Source, SourceEvent};

use super::convert::{ConvertError, FromValue, ToArgs, ToValue};
use super::event::EventStream;
use super::spec::ClassSpec;
use super::TypedError;

/// Where a typed source is hosted.
#[derive(Clone, Copy)]
pub enum SourceHost<'a> {
    /// As a top-level source of a node.
    Node(&'a Node),
    /// As the child object in `CLASS` property `property` of `parent`.
    Child {
        /// The parent source.
        parent: &'a SourceCore,
        /// Index of the `CLASS` property.
        property: usize,
    },
}

impl SourceHost<'_> {
    /// The protocol dialect of the hosting node.
    pub fn dialect(&self) -> Dialect {
        match self {
            SourceHost::Node(node) => node.config().dialect,
            SourceHost::Child { parent, .. } => parent.dialect,
        }
    }
}

/// A hosted source with its class spec.
pub struct SourceCore {
    source: Source,
    dialect: Dialect,
    spec: &'static ClassSpec,
}

impl SourceCore {
    /// Enables a source of class `spec` under `name` with initial values `values`; `handler`
    /// answers its declared slots. A child object (see [`SourceHost::Child`]) gets the name Qt
    /// gives it, whatever `name` is.
    pub fn enable(
        host: SourceHost<'_>,
        name: &str,
        spec: &'static ClassSpec,
        values: Vec<Value>,
        handler: impl SlotHandler,
    ) -> Result<SourceCore, TypedError> {
        let dialect = host.dialect();
        let class = spec.source_class(dialect, values);
        let source = match host {
            SourceHost::Node(node) => node.enable_source(name, class, handler)?,
            SourceHost::Child { parent, property } => {
                parent.source.enable_child(parent.spec.properties[property].name, class, handler)?
            }
        };
        Ok(SourceCore { source, dialect, spec })
    }

    /// The hosted source.
    pub fn source(&self) -> &Source {
        &self.source
    }

    /// The protocol dialect.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// The class spec.
    pub fn spec(&self) -> &'static ClassSpec {
        self.spec
    }

    /// Property `index` converted to `T`.
    pub fn get<T: FromValue>(&self, index: usize) -> Result<T, TypedError> {
        let p = &self.spec.properties[index];
        let v = self.source.property(p.name)?;
        Ok(T::from_value(&v).map_err(|e| e.within(format!("{}.{}", self.spec.name, p.name)))?)
    }

    /// Sets property `index`; replicas are notified if it changed. Returns whether it changed.
    pub fn set<T: ToValue + ?Sized>(&self, index: usize, value: &T) -> Result<bool, TypedError> {
        let p = &self.spec.properties[index];
        Ok(self.source.set_property(p.name, value.to_variant(p.ty.get(self.dialect), self.dialect))?)
    }

    /// Sets the `.rep` `MODEL` property `index` to `model` (replacing the model set before), as
    /// a repc source does: the `.rep` role names `roles` (joined with `|`, as repc's
    /// `ITEMS_ROLES` class info) are looked up among the model's role names (a name the model
    /// lacks is warned about and skipped; none found, or none given: every role of the model is
    /// served).
    pub fn set_model<M: ModelSource>(&self, index: usize, model: M, roles: &str) -> Result<ModelHost<M>, TypedError> {
        let p = &self.spec.properties[index];
        let rep_roles = roles.split('|').filter(|r| !r.is_empty()).map(str::to_owned).collect();
        let options = ModelOptions { rep_roles, ..Default::default() };
        Ok(self.source.enable_model_child(p.name, model, options)?)
    }

    /// Unsets the `.rep` `MODEL` property `index` (replicas get a null model).
    pub fn clear_model(&self, index: usize) -> Result<(), TypedError> {
        Ok(self.source.clear_model_child(self.spec.properties[index].name)?)
    }

    /// Emits declared signal `signal` (position among the declared signals).
    pub fn emit<A: ToArgs>(&self, signal: usize, args: A) -> Result<(), TypedError> {
        let s = &self.spec.signals[signal];
        let values = args.to_args(&s.param_types(self.dialect), self.dialect);
        Ok(self.source.emit(s.name, values)?)
    }

    /// The reply value of declared slot `slot`.
    pub fn slot_result<T: ToValue>(&self, slot: usize, value: &T) -> Value {
        let s = &self.spec.slots[slot];
        if s.ret.qt6 == "void" {
            return Value::Invalid;
        }
        value.to_variant(s.ret.get(self.dialect), self.dialect)
    }

    /// Reports a call whose arguments could not be converted; it is answered with no value.
    pub fn slot_failed(&self, call: &SlotCall, error: ConvertError) -> Value {
        tracing::warn!(source = self.source.name(), slot = call.name.as_str(), %error, "slot call with unusable arguments");
        Value::Invalid
    }

    /// The source's events, converted by `convert`.
    pub fn events<E>(&self, convert: fn(SourceEvent) -> Option<E>) -> EventStream<E, SourceEvent> {
        EventStream::new(self.source.events(), convert)
    }
}

/// A value set once, which async readers can wait for (gives slot handlers the typed source
/// that is only created after the handler).
pub struct SourceCell<T> {
    value: OnceLock<T>,
    ready: Notify,
}

impl<T: Clone> SourceCell<T> {
    /// An empty cell.
    pub fn new() -> Arc<Self> {
        Arc::new(SourceCell { value: OnceLock::new(), ready: Notify::new() })
    }

    /// Fills the cell (later calls are ignored).
    pub fn set(&self, value: T) {
        let _ = self.value.set(value);
        self.ready.notify_waiters();
    }

    /// The value, once set.
    pub async fn get(&self) -> T {
        loop {
            let notified = self.ready.notified();
            if let Some(v) = self.value.get() {
                return v.clone();
            }
            notified.await;
        }
    }
}

/// A slot handler that waits for the typed source `S` in `cell`, then runs
/// `dispatch(source, slots, call)`.
pub fn slot_handler<S, H, F, Fut>(cell: Arc<SourceCell<S>>, slots: H, dispatch: F) -> impl SlotHandler
where
    S: Clone + Send + Sync + 'static,
    H: Send + Sync + 'static,
    F: Fn(S, Arc<H>, SlotCall) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Value> + Send + 'static,
{
    let slots = Arc::new(slots);
    let dispatch = Arc::new(dispatch);
    move |call: SlotCall| {
        let (cell, slots, dispatch) = (cell.clone(), slots.clone(), dispatch.clone());
        async move {
            let source = cell.get().await;
            dispatch(source, slots, call).await
        }
    }
}
