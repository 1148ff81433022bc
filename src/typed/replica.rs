//! The untyped half of a generated typed replica: the node's [`Replica`] plus the class spec,
//! and the persisted-property bookkeeping.

use std::sync::{Arc, Weak};
use std::time::Duration;

use crate::core::{Dialect, ReplicaState, Value};
use crate::node::{ModelReplica, ModelReplicaOptions, Node, Replica, ReplicaEvent};

use super::convert::{ConvertError, FromValue, ToArgs, ToValue};
use super::event::EventStream;
use super::spec::ClassSpec;
use super::store::PersistedStore;
use super::TypedError;

/// How deep child objects of child objects are acquired.
const MAX_CHILD_DEPTH: u32 = 16;

/// An acquired static replica with its class spec.
pub struct ReplicaCore {
    replica: Replica,
    dialect: Dialect,
    spec: &'static ClassSpec,
    store: Option<Arc<dyn PersistedStore>>,
    /// Per property: the replica of the child object of a `CLASS` member.
    children: Vec<Option<Arc<ReplicaCore>>>,
}

impl ReplicaCore {
    /// Acquires `name` as a replica of class `spec` (the source's signature is checked). Until
    /// the source's values arrive, the replica shows the .rep defaults.
    ///
    /// With a `store`, the `PERSISTED` properties start from the values it holds for this class
    /// and signature, and are saved back whenever one of them changes and when the replica is
    /// dropped.
    ///
    /// The child objects of `CLASS` members are acquired along with it under the names Qt gives
    /// them (as repc replicas do), so they keep their static interface.
    pub fn acquire(
        node: &Node,
        name: &str,
        spec: &'static ClassSpec,
        store: Option<Arc<dyn PersistedStore>>,
    ) -> Arc<ReplicaCore> {
        Self::acquire_as(node, name, name, spec, store, 0)
    }

    fn acquire_as(
        node: &Node,
        name: &str,
        api_name: &str,
        spec: &'static ClassSpec,
        store: Option<Arc<dyn PersistedStore>>,
        depth: u32,
    ) -> Arc<ReplicaCore> {
        let dialect = node.config().dialect;
        let mut defaults = (spec.defaults)(dialect);
        let children = spec
            .properties
            .iter()
            .enumerate()
            .map(|(i, p)| {
                // A class that (indirectly) contains itself would never end.
                let child = p.child.filter(|_| p.kind == super::MemberKind::Class && depth < MAX_CHILD_DEPTH)?;
                Some(Self::acquire_as(node, &spec.child_name(dialect, api_name, i), p.name, child, None, depth + 1))
            })
            .collect();
        let persisted = spec.persisted();
        let store = store.filter(|_| !persisted.is_empty());
        if let Some(store) = &store {
            match store.restore_properties(spec.name, spec.signature.get(dialect)) {
                Ok(Some(values)) if values.len() == persisted.len() => {
                    for (&i, v) in persisted.iter().zip(values) {
                        defaults[i] = v;
                    }
                }
                Ok(Some(values)) => tracing::warn!(
                    class = spec.name,
                    stored = values.len(),
                    expected = persisted.len(),
                    "persisted values do not match the class; ignored"
                ),
                Ok(None) => {}
                Err(error) => tracing::warn!(class = spec.name, %error, "cannot restore persisted properties"),
            }
        }
        let replica = node.acquire(name, spec.source_class(dialect, defaults));
        let core = Arc::new(ReplicaCore { replica, dialect, spec, store, children });
        if core.store.is_some() {
            let mut events = core.replica.events();
            let weak: Weak<ReplicaCore> = Arc::downgrade(&core);
            tokio::spawn(async move {
                while let Some(event) = events.recv().await {
                    let relevant = match event {
                        ReplicaEvent::Initialized => true,
                        ReplicaEvent::PropertyChanged { index, .. } => persisted.contains(&index),
                        _ => false,
                    };
                    if relevant {
                        match weak.upgrade() {
                            Some(core) => core.save(),
                            None => break,
                        }
                    }
                }
            });
        }
        core
    }

    /// The replica of the child object in `CLASS` property `property`. It is Valid once the
    /// source has sent a child object there.
    pub fn child(&self, property: usize) -> Option<Arc<ReplicaCore>> {
        self.children.get(property).cloned().flatten()
    }

    /// The replica of the model in `.rep` `MODEL` property `property`, once the source has set
    /// one (see [`Replica::model_child`]).
    pub fn model(&self, property: usize, options: ModelReplicaOptions) -> Option<ModelReplica> {
        self.replica.model_child(self.spec.properties[property].name, options)
    }

    /// The node's replica.
    pub fn replica(&self) -> &Replica {
        &self.replica
    }

    /// The protocol dialect.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// The class spec.
    pub fn spec(&self) -> &'static ClassSpec {
        self.spec
    }

    /// The replica's state.
    pub fn state(&self) -> ReplicaState {
        self.replica.state()
    }

    /// Waits until the replica is Valid.
    pub async fn wait_for_source(&self, timeout: Duration) -> Result<(), TypedError> {
        Ok(self.replica.wait_for_source(timeout).await?)
    }

    /// Property `index` converted to `T`.
    pub fn get<T: FromValue>(&self, index: usize) -> Result<T, TypedError> {
        let p = &self.spec.properties[index];
        let v = self.replica.property(p.name).unwrap_or(Value::Invalid);
        Ok(T::from_value(&v).map_err(|e| e.within(format!("{}.{}", self.spec.name, p.name)))?)
    }

    /// Asks the source to set property `index` (WriteProperty, for READWRITE properties).
    pub fn write<T: ToValue + ?Sized>(&self, index: usize, value: &T) -> Result<(), TypedError> {
        let p = &self.spec.properties[index];
        Ok(self.replica.set_property(p.name, value.to_variant(p.ty.get(self.dialect), self.dialect))?)
    }

    /// Calls the `push<Prop>` slot of property `index` (READPUSH properties).
    pub async fn push<T: ToValue + ?Sized>(&self, index: usize, value: &T) -> Result<(), TypedError> {
        let p = &self.spec.properties[index];
        let arg = value.to_variant(p.ty.get(self.dialect), self.dialect);
        self.replica.call(&self.spec.push_method(index), vec![arg]).await?;
        Ok(())
    }

    /// Calls declared slot `slot` and converts its reply.
    pub async fn call<A: ToArgs, R: FromValue>(&self, slot: usize, args: A) -> Result<R, TypedError> {
        let s = &self.spec.slots[slot];
        let values = args.to_args(&s.param_types(self.dialect), self.dialect);
        let reply = self.replica.call(s.name, values).await?;
        Ok(R::from_value(&reply).map_err(|e: ConvertError| e.within(format!("{}.{} reply", self.spec.name, s.name)))?)
    }

    /// The replica's events, converted by `convert`.
    pub fn events<E>(&self, convert: fn(ReplicaEvent) -> Option<E>) -> EventStream<E> {
        EventStream::new(self.replica.events(), convert)
    }

    /// Saves the persisted properties now (done automatically on change and on drop).
    pub fn save(&self) {
        let Some(store) = &self.store else { return };
        let values: Vec<Value> = self
            .spec
            .persisted()
            .into_iter()
            .map(|i| self.replica.property(self.spec.properties[i].name).unwrap_or(Value::Invalid))
            .collect();
        if let Err(error) = store.save_properties(self.spec.name, self.spec.signature.get(self.dialect), &values) {
            tracing::warn!(class = self.spec.name, %error, "cannot save persisted properties");
        }
    }
}

impl Drop for ReplicaCore {
    fn drop(&mut self) {
        self.save();
    }
}
