//! `.rep` `MODEL` children on the replica side: [`Replica::model_child`].
//!
//! A host sends a MODEL property as a QRO_ of kind Model carrying the adapter's
//! `[availableRoles, roleNames]`; the client core adopts it as a child replica of the model
//! adapter (Valid, with those values, no AddObject), as Qt's repc replica initializes its
//! pre-acquired model replica. A [`ModelReplica`] on that child follows the property: a replaced
//! model (a new QRO_) re-initializes it (a [`ModelEvent::Reset`](crate::core::model::ModelEvent)
//! drops what was cached, then the new model is fetched), a null one leaves it empty and
//! unavailable (state Suspect) until a model comes again.

use crate::core::value::ObjectKind;
use crate::core::Value;
use crate::node::Replica;

use super::replica::{ModelFeed, ModelReplica, ModelReplicaOptions};

/// Whether `v` is a model child (a non-null QRO_ of kind Model).
fn is_model(v: &Value) -> bool {
    matches!(v, Value::Remote(ro) if ro.kind == ObjectKind::Model && !ro.is_null && ro.name.is_some())
}

impl Replica {
    /// The model held by the `.rep` `MODEL` property `property` (Qt's `tracks()` on a repc
    /// replica), once the source sent it; `None` while the source has no model set there (or the
    /// property is not a MODEL property).
    ///
    /// The returned replica stays usable when the model is replaced (it fetches the new one
    /// after a [`ModelEvent::Reset`](crate::core::model::ModelEvent)) or unset (it empties
    /// and waits), and keeps this replica alive. Fetching starts as `options` say.
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime (the model replica runs a task that sends its requests).
    pub fn model_child(&self, property: &str, options: ModelReplicaOptions) -> Option<ModelReplica> {
        self.attach_model_child(property, options, false).map(|(m, _)| m)
    }

    /// Like [`Replica::model_child`], in **manual** mode (see
    /// [`Node::acquire_model_manual`](crate::node::Node::acquire_model_manual)): the model's
    /// events wait in the returned [`ModelFeed`] until its owner processes them.
    pub fn model_child_manual(
        &self,
        property: &str,
        options: ModelReplicaOptions,
    ) -> Option<(ModelReplica, ModelFeed)> {
        self.attach_model_child(property, options, true).map(|(m, feed)| (m, feed.expect("manual")))
    }

    fn attach_model_child(
        &self,
        property: &str,
        options: ModelReplicaOptions,
        manual: bool,
    ) -> Option<(ModelReplica, Option<ModelFeed>)> {
        if !self.property(property).is_some_and(|v| is_model(&v)) {
            return None;
        }
        let child = self.child(property)?;
        let (m, feed) = ModelReplica::attach(child, self.dialect(), options, manual);
        m.link(Box::new(self.clone()));
        Some((m, feed))
    }
}
