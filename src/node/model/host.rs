//! Serving an item model: [`Node::enable_model`] and the [`ModelHost`] handle.
//!
//! Replies are linearized with change signals, as on Qt's single-threaded host: each request is
//! answered while the model's mutex is held, and its reply is queued at once through the call's
//! [`Responder`]; every mutation and the signals it makes hold the same mutex. So a reply
//! reflects every change signalled before it, and no change signalled after it. Lock order: the
//! model's mutex, then the node's, never the reverse.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, Weak};

use crate::core::model::types::{role_names_to_value, roles_to_value};
use crate::core::model::{
    adapter_class, Answer, Cell, IndexPath, ItemFlags, ModelChange, ModelError, ModelIndex, ModelServer, ModelSignal,
    ModelSource, Orientation, Row, ServeCaps, TableModel, TreeModel,
};
use crate::core::{ConnectionId, Dialect, Value};
use crate::node::delivery::{self, EventReceiver, EventSender};
use crate::node::engine::Shared;
use crate::node::{Node, NodeError, Responder, SlotCall, SlotHandler};

/// How a model is served.
#[derive(Debug, Clone, Default)]
pub struct ModelOptions {
    /// The roles served (`availableRoles`); empty: every role of the model's `role_names`.
    pub roles: Vec<i32>,
    /// Whether the model has a selection model: a current index shared with replicas.
    pub selection: bool,
    /// Bounds of the replies; `None`: [`ServeCaps::for_limits`] of the node's limits.
    pub caps: Option<ServeCaps>,
    /// For a `.rep` `MODEL` child without `roles`: the role names the `.rep` lists
    /// (`MODEL tracks(display)`), matched against the model's role names.
    pub rep_roles: Vec<String>,
}

/// What replicas did to a served model.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ModelHostEvent {
    /// A replica's `setData` was applied (and its changes signalled).
    DataSet {
        /// The connection it came on.
        conn: ConnectionId,
        /// The item.
        index: IndexPath,
        /// The role.
        role: i32,
        /// The value written.
        value: Value,
    },
    /// A replica's `setData` was refused.
    DataRefused {
        /// The connection it came on.
        conn: ConnectionId,
        /// The item.
        index: IndexPath,
        /// The role.
        role: i32,
        /// Why.
        error: ModelError,
    },
    /// A replica made `current` the current index (a replica's echo of the current index is
    /// not reported).
    CurrentSet {
        /// The connection it came on.
        conn: ConnectionId,
        /// The new current index.
        current: IndexPath,
    },
}

struct Inner<M> {
    model: M,
    server: ModelServer,
}

type Subscribers = Arc<Mutex<Vec<EventSender<ModelHostEvent>>>>;

/// A model this node serves (from [`Node::enable_model`]). Cheap to clone.
pub struct ModelHost<M: ModelSource> {
    shared: Arc<Shared>,
    name: Arc<str>,
    dialect: Dialect,
    inner: Arc<Mutex<Inner<M>>>,
    subscribers: Subscribers,
}

impl<M: ModelSource> Clone for ModelHost<M> {
    fn clone(&self) -> Self {
        ModelHost {
            shared: self.shared.clone(),
            name: self.name.clone(),
            dialect: self.dialect,
            inner: self.inner.clone(),
            subscribers: self.subscribers.clone(),
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Sends the signals of `changes` (after letting the server follow them), in order, together.
fn emit_changes(shared: &Arc<Shared>, name: &str, dialect: Dialect, server: &mut ModelServer, changes: &[ModelChange]) {
    let signals: Vec<ModelSignal> = changes
        .iter()
        .filter_map(|c| {
            server.observe(c);
            server.signal_for(c)
        })
        .collect();
    if signals.is_empty() {
        return;
    }
    shared.with_held(|st| {
        for s in &signals {
            // dataChanged's arguments (index lists, a role list) are built with the declared
            // types and hold no enums: sent as they are, without the per-emit conversion.
            let sent = match s {
                ModelSignal::DataChanged { .. } => st.emit_signal_typed(name, s.index(), &s.to_args(dialect)),
                _ => st.emit_signal(name, s.index(), &s.to_args(dialect)),
            };
            if let Err(e) = sent {
                tracing::warn!(model = name, "cannot send {s:?}: {e}");
            }
        }
    });
}

fn publish(subscribers: &Subscribers, event: ModelHostEvent) {
    let mut subs = lock(subscribers);
    subs.retain(|s| s.is_open());
    for s in subs.iter_mut() {
        s.push(event.clone());
        s.flush();
    }
}

/// Answers the adapter's slot calls.
struct Handler<M> {
    shared: Weak<Shared>,
    dialect: Dialect,
    inner: Arc<Mutex<Inner<M>>>,
    subscribers: Subscribers,
    executor: Option<ModelExecutor>,
}

type BoxFuture = Pin<Box<dyn Future<Output = Value> + Send>>;

/// Runs the answering of a request somewhere else: on the thread that owns the model (see
/// [`Node::enable_model_deferred`]). The job answers the request when it runs; dropped without
/// running, the request is answered with an invalid value.
pub type ModelExecutor = Arc<dyn Fn(Box<dyn FnOnce() + Send>) + Send + Sync>;

impl<M: ModelSource> Handler<M> {
    /// Answers one adapter request, under the model's lock.
    fn answer(&self, shared: &Arc<Shared>, call: SlotCall, responder: Responder) {
        let conn = responder.connection();
        let mut guard = lock(&self.inner);
        let Inner { model, server } = &mut *guard;
        // Every adapter method is a slot: the slot position is the method index.
        let answer = server.answer_invoke(model, call.slot, &call.args, self.dialect);
        let event = match answer {
            Answer::Reply(v) => {
                // Queued now, under the model's lock: behind every change signalled before.
                responder.reply_exact(v);
                None
            }
            Answer::DataSet { index, role, value, changes } => {
                emit_changes(shared, &call.source, self.dialect, server, &changes);
                Some(ModelHostEvent::DataSet { conn, index, role, value })
            }
            Answer::DataRefused { index, role, error } => {
                Some(ModelHostEvent::DataRefused { conn, index, role, error })
            }
            // An echo of the current index (a Qt replica sends back what it was told) is no news.
            Answer::CurrentSet { current, change: Some(c) } => {
                emit_changes(shared, &call.source, self.dialect, server, &[c]);
                Some(ModelHostEvent::CurrentSet { conn, current })
            }
            _ => None,
        };
        drop(guard);
        if let Some(e) = event {
            publish(&self.subscribers, e);
        }
    }
}

impl<M: ModelSource> SlotHandler for Handler<M> {
    fn call(&self, _call: SlotCall) -> BoxFuture {
        // Always called with a responder (the engine does); nothing to answer without one.
        Box::pin(std::future::ready(Value::Invalid))
    }

    fn call_with_responder(&self, call: SlotCall, responder: Responder) -> BoxFuture {
        let Some(shared) = self.shared.upgrade() else { return Box::pin(std::future::ready(Value::Invalid)) };
        let Some(executor) = &self.executor else {
            self.answer(&shared, call, responder);
            return Box::pin(std::future::ready(Value::Invalid));
        };
        // Answered where the executor runs the job; the runner waits for it (a reply sent by
        // the job is the answer; a job dropped unrun answers with an invalid value).
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let handler = Handler {
            shared: self.shared.clone(),
            dialect: self.dialect,
            inner: self.inner.clone(),
            subscribers: self.subscribers.clone(),
            executor: None,
        };
        drop(shared);
        executor(Box::new(move || {
            if let Some(shared) = handler.shared.upgrade() {
                handler.answer(&shared, call, responder);
            }
            let _ = tx.send(());
        }));
        Box::pin(async move {
            let _ = rx.await;
            Value::Invalid
        })
    }
}

/// The roles a model is served with: `options.roles`; else the `.rep` role names matched
/// against the model's role names (an unknown name is warned about and skipped, as Qt's source
/// does); else every role of the model.
fn served_roles(names: &[(i32, bytes::Bytes)], options: &ModelOptions) -> Vec<i32> {
    if !options.roles.is_empty() {
        return options.roles.clone();
    }
    let mut roles: Vec<i32> = options
        .rep_roles
        .iter()
        .filter_map(|wanted| {
            let found = names.iter().find(|(_, n)| n.as_ref() == wanted.as_bytes()).map(|(r, _)| *r);
            if found.is_none() {
                tracing::warn!(role = %wanted, "the model has no role of this name; not served");
            }
            found
        })
        .collect();
    if roles.is_empty() {
        roles = names.iter().map(|(r, _)| *r).collect();
    }
    roles
}

/// What serving a model takes: the adapter class with its values, the shared state and the
/// slot handler.
struct Parts<M> {
    class: crate::core::SourceClass,
    inner: Arc<Mutex<Inner<M>>>,
    subscribers: Subscribers,
    handler: Handler<M>,
}

fn parts<M: ModelSource>(
    shared: &Arc<Shared>,
    model: M,
    options: ModelOptions,
    executor: Option<ModelExecutor>,
) -> Parts<M> {
    let dialect = shared.dialect();
    let mut names = model.role_names();
    names.sort_by_key(|(r, _)| *r);
    let roles = served_roles(&names, &options);
    let caps = options.caps.unwrap_or_else(|| ServeCaps::for_limits(&shared.config().limits));
    let mut class = adapter_class(dialect);
    class.defaults = vec![roles_to_value(&roles, dialect), role_names_to_value(&names, dialect)];
    let inner = Arc::new(Mutex::new(Inner { model, server: ModelServer::new(roles, caps, options.selection) }));
    let subscribers: Subscribers = Arc::default();
    let handler = Handler {
        shared: Arc::downgrade(shared),
        dialect,
        inner: inner.clone(),
        subscribers: subscribers.clone(),
        executor,
    };
    Parts { class, inner, subscribers, handler }
}

impl Node {
    /// Serves `model` under `name`, as Qt's `QRemoteObjectHostBase::enableRemoting(model, name,
    /// roles, selectionModel)` does: stock Qt replicas acquire it with `acquireModel(name)`.
    pub fn enable_model<M: ModelSource>(
        &self,
        name: &str,
        model: M,
        options: ModelOptions,
    ) -> Result<ModelHost<M>, NodeError> {
        self.enable_model_inner(name, model, options, None)
    }

    /// Like [`Node::enable_model`], for a model that must be read on one thread (a C or Qt
    /// model): each request is handed to `executor` as a job, which answers it when it runs,
    /// under the model's lock, so replies stay linearized with the changes notified on that
    /// thread. Notifying a change from inside the model's methods would deadlock.
    pub fn enable_model_deferred<M: ModelSource>(
        &self,
        name: &str,
        model: M,
        options: ModelOptions,
        executor: ModelExecutor,
    ) -> Result<ModelHost<M>, NodeError> {
        self.enable_model_inner(name, model, options, Some(executor))
    }

    fn enable_model_inner<M: ModelSource>(
        &self,
        name: &str,
        model: M,
        options: ModelOptions,
        executor: Option<ModelExecutor>,
    ) -> Result<ModelHost<M>, NodeError> {
        let p = parts(&self.shared, model, options, executor);
        self.shared.with(|st| st.enable_source(name, Arc::new(p.class), Some(Arc::new(p.handler)), None))?;
        Ok(ModelHost::new(&self.shared, name, p.inner, p.subscribers))
    }
}

impl crate::node::Source {
    /// Sets the `.rep` `MODEL` property `property` to `model`, as assigning the model to a repc
    /// source's property does: the source's replicas (stock Qt repc replicas too) get the model
    /// child, named `Model::<Source>::<prop>` (Qt 5: `Model::<prop>`). Its roles are
    /// `options.roles`, else the `.rep` role names in `options.rep_roles` found among the model's,
    /// else all of them. Setting it again replaces the model (replicas re-initialize it).
    pub fn enable_model_child<M: ModelSource>(
        &self,
        property: &str,
        model: M,
        options: ModelOptions,
    ) -> Result<ModelHost<M>, NodeError> {
        let index = self.property_index(property)?;
        let p = parts(&self.shared, model, options, None);
        let name = self.shared.with(|st| st.enable_child(&self.name, index, Arc::new(p.class), Arc::new(p.handler)))?;
        Ok(ModelHost::new(&self.shared, &name, p.inner, p.subscribers))
    }
}

impl crate::node::Source {
    /// Unsets the `.rep` `MODEL` property `property`, as a repc source's `setTracks(nullptr)`:
    /// the model set there is no longer served, and replicas get a null model (a Rust
    /// [`ModelReplica`](crate::node::ModelReplica) of it empties and waits for the next one).
    pub fn clear_model_child(&self, property: &str) -> Result<(), NodeError> {
        let index = self.property_index(property)?;
        self.shared.with(|st| st.clear_model_child(&self.name, index))
    }
}

impl<M: ModelSource> ModelHost<M> {
    fn new(shared: &Arc<Shared>, name: &str, inner: Arc<Mutex<Inner<M>>>, subscribers: Subscribers) -> Self {
        ModelHost { shared: shared.clone(), name: name.into(), dialect: shared.dialect(), inner, subscribers }
    }

    /// The name replicas acquire it by.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Changes the model with `f` and signals the changes it returns, atomically: no request is
    /// answered between the change and its signals. The model is locked while `f` runs: calling
    /// this `ModelHost` (or a clone) from `f` deadlocks.
    pub fn update<R>(&self, f: impl FnOnce(&mut M) -> (R, Vec<ModelChange>)) -> Result<R, NodeError> {
        let mut guard = lock(&self.inner);
        let Inner { model, server } = &mut *guard;
        let (r, changes) = f(model);
        emit_changes(&self.shared, &self.name, self.dialect, server, &changes);
        Ok(r)
    }

    /// Like [`ModelHost::update`] for a change that may be refused: nothing is signalled then.
    pub fn try_update(&self, f: impl FnOnce(&mut M) -> Result<ModelChange, ModelError>) -> Result<(), NodeError> {
        let mut guard = lock(&self.inner);
        let Inner { model, server } = &mut *guard;
        let change = f(model)?;
        emit_changes(&self.shared, &self.name, self.dialect, server, &[change]);
        Ok(())
    }

    /// Signals changes made to the model some other way (a model shared with other code).
    pub fn notify(&self, changes: &[ModelChange]) -> Result<(), NodeError> {
        let mut guard = lock(&self.inner);
        emit_changes(&self.shared, &self.name, self.dialect, &mut guard.server, changes);
        Ok(())
    }

    /// Reads the model (locked while `f` runs: do not call this `ModelHost` from `f`).
    pub fn with<R>(&self, f: impl FnOnce(&M) -> R) -> R {
        f(&lock(&self.inner).model)
    }

    /// Makes `current` the current index (with a selection model): replicas get
    /// `currentChanged`. An index that addresses no item is refused.
    pub fn set_current(&self, current: IndexPath) -> Result<(), NodeError> {
        let mut guard = lock(&self.inner);
        let Inner { model, server } = &mut *guard;
        if !server.is_valid_path(model, &current) {
            return Err(ModelError::NoSuchIndex(crate::core::model::types::DisplayPath(&current).to_string()).into());
        }
        if let Some(change) = server.set_current(current) {
            emit_changes(&self.shared, &self.name, self.dialect, server, &[change]);
        }
        Ok(())
    }

    /// The current index (empty: none).
    pub fn current(&self) -> IndexPath {
        lock(&self.inner).server.current().to_vec()
    }

    /// Changes the roles served; replicas get `availableRolesChanged()`.
    pub fn set_available_roles(&self, roles: Vec<i32>) -> Result<(), NodeError> {
        let mut guard = lock(&self.inner);
        guard.server.set_available_roles(roles.clone());
        let value = roles_to_value(&roles, self.dialect);
        self.shared.with(|st| st.set_property(&self.name, 0, value))?;
        Ok(())
    }

    /// Cells served so far in row and cache replies (how much replicas have read).
    pub fn served_cells(&self) -> u64 {
        lock(&self.inner).server.served_cells()
    }

    /// Bad requests seen so far (answered empty, and logged at a limited rate).
    pub fn refused_requests(&self) -> u64 {
        lock(&self.inner).server.warnings()
    }

    /// What replicas do to the model, from now on.
    pub fn events(&self) -> EventReceiver<ModelHostEvent> {
        let (tx, rx) = delivery::channel();
        if !self.shared.is_shut_down() {
            lock(&self.subscribers).push(tx);
        }
        rx
    }

    /// Replicas currently attached.
    pub fn listener_count(&self) -> usize {
        self.shared.lock().host().listeners(&self.name).len()
    }
}

impl ModelHost<TableModel> {
    /// Inserts rows of cells before `row`.
    pub fn insert_rows(&self, row: i32, rows: Vec<Vec<Cell>>) -> Result<(), NodeError> {
        self.try_update(|m| m.insert_rows(row, rows))
    }

    /// Removes `count` rows from `row`.
    pub fn remove_rows(&self, row: i32, count: i32) -> Result<(), NodeError> {
        self.try_update(|m| m.remove_rows(row, count))
    }

    /// Moves `count` rows from `row` before `dst_row` (numbered before the move).
    pub fn move_rows(&self, row: i32, count: i32, dst_row: i32) -> Result<(), NodeError> {
        self.try_update(|m| m.move_rows(row, count, dst_row))
    }

    /// Sets `role` of the cell at `row`, `column`.
    pub fn set_data(&self, row: i32, column: i32, role: i32, value: Value) -> Result<(), NodeError> {
        self.try_update(|m| m.set_value(row, column, role, value))
    }

    /// Sets the flags of a cell.
    pub fn set_flags(&self, row: i32, column: i32, flags: ItemFlags) -> Result<(), NodeError> {
        self.try_update(|m| m.set_flags(row, column, flags))
    }

    /// Sets header data of `section`.
    pub fn set_header(&self, orientation: Orientation, section: i32, role: i32, value: Value) -> Result<(), NodeError> {
        self.try_update(|m| Ok(m.set_header(orientation, section, role, value)))
    }

    /// Inserts `count` empty columns before `column`.
    pub fn insert_columns(&self, column: i32, count: i32) -> Result<(), NodeError> {
        self.try_update(|m| m.insert_columns(column, count))
    }

    /// Removes `count` columns from `column` (replicas are reset: Qt does not forward this).
    pub fn remove_columns(&self, column: i32, count: i32) -> Result<(), NodeError> {
        self.try_update(|m| m.remove_columns(column, count))
    }

    /// Replaces every row and the column count; replicas are reset.
    pub fn reset(&self, columns: i32, rows: Vec<Vec<Cell>>) -> Result<(), NodeError> {
        self.try_update(|m| Ok(m.reset(columns, rows)))
    }

    /// Sorts the rows by `role` of `column` (a layout change).
    pub fn sort(&self, column: i32, role: i32) -> Result<(), NodeError> {
        self.try_update(|m| m.sort(column, role))
    }
}

impl ModelHost<TreeModel> {
    /// Inserts `rows` before row `row` of `parent`.
    pub fn insert_rows(&self, parent: &[ModelIndex], row: i32, rows: Vec<Row>) -> Result<(), NodeError> {
        self.try_update(|m| m.insert_rows(parent, row, rows))
    }

    /// Removes `count` rows from row `row` of `parent`.
    pub fn remove_rows(&self, parent: &[ModelIndex], row: i32, count: i32) -> Result<(), NodeError> {
        self.try_update(|m| m.remove_rows(parent, row, count))
    }

    /// Moves `count` rows from row `row` of `parent` before row `dst_row` of `destination`.
    pub fn move_rows(
        &self,
        parent: &[ModelIndex],
        row: i32,
        count: i32,
        destination: &[ModelIndex],
        dst_row: i32,
    ) -> Result<(), NodeError> {
        self.try_update(|m| m.move_rows(parent, row, count, destination, dst_row))
    }

    /// Sets `role` of the item at `index`.
    pub fn set_data(&self, index: &[ModelIndex], role: i32, value: Value) -> Result<(), NodeError> {
        self.try_update(|m| m.set_value(index, role, value))
    }

    /// Sets the flags of an item.
    pub fn set_flags(&self, index: &[ModelIndex], flags: ItemFlags) -> Result<(), NodeError> {
        self.try_update(|m| m.set_flags(index, flags))
    }

    /// Sets header data of `section`.
    pub fn set_header(&self, orientation: Orientation, section: i32, role: i32, value: Value) -> Result<(), NodeError> {
        self.try_update(|m| Ok(m.set_header(orientation, section, role, value)))
    }

    /// Inserts `count` empty columns before `column` of the table under `parent`.
    pub fn insert_columns(&self, parent: &[ModelIndex], column: i32, count: i32) -> Result<(), NodeError> {
        self.try_update(|m| m.insert_columns(parent, column, count))
    }

    /// Removes `count` columns from `column` of the table under `parent` (replicas are reset:
    /// Qt does not forward this).
    pub fn remove_columns(&self, parent: &[ModelIndex], column: i32, count: i32) -> Result<(), NodeError> {
        self.try_update(|m| m.remove_columns(parent, column, count))
    }

    /// Replaces every row and the root's column count; replicas are reset.
    pub fn reset(&self, columns: i32, rows: Vec<Row>) -> Result<(), NodeError> {
        self.try_update(|m| Ok(m.reset(columns, rows)))
    }

    /// Sorts the rows under `parent` by `role` of `column` (a layout change).
    pub fn sort(&self, parent: &[ModelIndex], column: i32, role: i32) -> Result<(), NodeError> {
        self.try_update(|m| m.sort(parent, column, role))
    }
}
