//! Serving a model from C: the vtable, `qtro_node_enable_model` and the change notifications.

use super::*;

/// The functions of a model served with `qtro_node_enable_model`. `row_count`, `column_count`
/// and `data` are required; the others may be `NULL`. They run on the node's dispatch thread (or
/// in `qtro_node_dispatch`), one at a time, and must not call `qtro_model_source_*` of the same
/// model (`QTRO_ERR_WRONG_THREAD`): notify changes after they return. Paths are borrowed for
/// the duration of the call and address items the library checked against the counts the model
/// gave.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct qtro_model_vtable {
    /// Rows under `parent` (depth 0: the root).
    pub row_count:
        Option<unsafe extern "C" fn(user_data: *mut c_void, parent: *const qtro_model_index, depth: usize) -> i32>,
    /// Columns under `parent`.
    pub column_count:
        Option<unsafe extern "C" fn(user_data: *mut c_void, parent: *const qtro_model_index, depth: usize) -> i32>,
    /// The item's value for `role`: a new value the library takes ownership of, or `NULL` for
    /// none.
    pub data: Option<
        unsafe extern "C" fn(
            user_data: *mut c_void,
            index: *const qtro_model_index,
            depth: usize,
            role: i32,
        ) -> *mut qtro_value,
    >,
    /// Whether the item has children (`NULL`: rows and columns under it are both > 0).
    pub has_children:
        Option<unsafe extern "C" fn(user_data: *mut c_void, index: *const qtro_model_index, depth: usize) -> bool>,
    /// The item's `Qt::ItemFlags` (`NULL`: selectable and enabled).
    pub flags:
        Option<unsafe extern "C" fn(user_data: *mut c_void, index: *const qtro_model_index, depth: usize) -> i32>,
    /// Header data (`NULL` here or as a result: none). Owned by the library, as for `data`.
    pub header_data: Option<
        unsafe extern "C" fn(
            user_data: *mut c_void,
            section: i32,
            orientation: qtro_orientation,
            role: i32,
        ) -> *mut qtro_value,
    >,
    /// A replica asks to write `value` (borrowed) to `role` of the item: return true when
    /// applied; the library then signals `dataChanged` of that item and role itself (do not
    /// notify it again). `NULL`: the model is read-only.
    pub set_data: Option<
        unsafe extern "C" fn(
            user_data: *mut c_void,
            index: *const qtro_model_index,
            depth: usize,
            value: *const qtro_value,
            role: i32,
        ) -> bool,
    >,
    /// A replica made `current` the current index (with a selection model; depth 0: none).
    /// Already signalled to the other replicas.
    pub current_changed:
        Option<unsafe extern "C" fn(user_data: *mut c_void, current: *const qtro_model_index, depth: usize)>,
}

thread_local! {
    /// The model whose vtable function runs on this thread (its `ModelHost` lock is held).
    static IN_VTABLE: Cell<usize> = const { Cell::new(0) };
}

/// Marks the current thread as inside `model`'s vtable while alive.
struct VtableScope(usize);

impl VtableScope {
    fn enter(id: usize) -> VtableScope {
        VtableScope(IN_VTABLE.with(|c| c.replace(id)))
    }
}

impl Drop for VtableScope {
    fn drop(&mut self) {
        IN_VTABLE.with(|c| c.set(self.0));
    }
}

/// The application's model, as the library's `ModelSource`.
struct CModel {
    vt: qtro_model_vtable,
    user_data: UserData,
    names: Vec<(i32, Bytes)>,
    closed: Arc<AtomicBool>,
    /// Identity for `IN_VTABLE` (the address of `closed`).
    id: usize,
}

impl CModel {
    fn open(&self) -> bool {
        !self.closed.load(Ordering::SeqCst)
    }

    fn call<R>(&self, f: impl FnOnce() -> R) -> R {
        let _scope = VtableScope::enter(self.id);
        f()
    }
}

// Every call into `vt` below is to a function the application put in the `qtro_model_vtable`
// it gave `qtro_node_enable_model` (the header: NULL or a function of the member's type), with
// its `user_data`, on the thread that dispatches, before `qtro_model_source_free` returned
// (`closed` is checked under the dispatch lock, which `free` waits for); the paths passed live
// until the call returns.
impl ModelSource for CModel {
    fn role_names(&self) -> Vec<(i32, Bytes)> {
        self.names.clone()
    }

    fn row_count(&self, parent: &[ModelIndex]) -> i32 {
        let (Some(f), true) = (self.vt.row_count, self.open()) else { return 0 };
        let p = c_path(parent);
        // SAFETY: see above.
        self.call(|| unsafe { f(self.user_data.0, path_ptr(&p), p.len()) }).max(0)
    }

    fn column_count(&self, parent: &[ModelIndex]) -> i32 {
        let (Some(f), true) = (self.vt.column_count, self.open()) else { return 0 };
        let p = c_path(parent);
        // SAFETY: see above.
        self.call(|| unsafe { f(self.user_data.0, path_ptr(&p), p.len()) }).max(0)
    }

    fn has_children(&self, index: &[ModelIndex]) -> bool {
        match (self.vt.has_children, self.open()) {
            (_, false) => false,
            (Some(f), true) => {
                let p = c_path(index);
                // SAFETY: see above.
                self.call(|| unsafe { f(self.user_data.0, path_ptr(&p), p.len()) })
            }
            (None, true) => self.row_count(index) > 0 && self.column_count(index) > 0,
        }
    }

    fn data(&self, index: &[ModelIndex], role: i32) -> Value {
        let (Some(f), true) = (self.vt.data, self.open()) else { return Value::Invalid };
        let p = c_path(index);
        // SAFETY: see above; the result is NULL or a new value whose ownership the header gives
        // to the library.
        take(self.call(|| unsafe { f(self.user_data.0, path_ptr(&p), p.len(), role) })).unwrap_or(Value::Invalid)
    }

    fn flags(&self, index: &[ModelIndex]) -> ItemFlags {
        match (self.vt.flags, self.open()) {
            (_, false) => ItemFlags::NONE,
            (Some(f), true) => {
                let p = c_path(index);
                // SAFETY: see above.
                ItemFlags(self.call(|| unsafe { f(self.user_data.0, path_ptr(&p), p.len()) }))
            }
            (None, true) => ItemFlags(ItemFlags::SELECTABLE.0 | ItemFlags::ENABLED.0),
        }
    }

    fn header_data(&self, section: i32, orientation: Orientation, role: i32) -> Value {
        let (Some(f), true) = (self.vt.header_data, self.open()) else { return Value::Invalid };
        // SAFETY: see above; the result is owned as for `data`.
        take(self.call(|| unsafe { f(self.user_data.0, section, orientation as i32, role) })).unwrap_or(Value::Invalid)
    }

    fn set_data(
        &mut self,
        index: &[ModelIndex],
        value: Value,
        role: i32,
    ) -> std::result::Result<Vec<ModelChange>, ModelError> {
        let refused = || ModelError::ReadOnly { index: format!("{index:?}"), role };
        let (Some(f), true) = (self.vt.set_data, self.open()) else { return Err(refused()) };
        let p = c_path(index);
        // SAFETY: see above; `value` lives until the call returns.
        let ok = self.call(|| unsafe { f(self.user_data.0, path_ptr(&p), p.len(), lend(&value), role) });
        if ok {
            Ok(vec![ModelChange::DataChanged {
                top_left: index.to_vec(),
                bottom_right: index.to_vec(),
                roles: vec![role],
            }])
        } else {
            Err(refused())
        }
    }
}

/// An item model served by a node (`qtro_node_enable_model`).
pub struct qtro_model_source {
    core: Arc<NodeCore>,
    host: ModelHost<CModel>,
    closed: Arc<AtomicBool>,
    name: CString,
}

impl Handle for qtro_model_source {
    type Target = qtro_model_source;
}

fn source_ref<'a>(s: *const qtro_model_source) -> Result<&'a qtro_model_source> {
    let s = handle(s, "source")?;
    s.core.check_open()?;
    if IN_VTABLE.with(|c| c.get()) == Arc::as_ptr(&s.closed) as usize {
        return err(
            QTRO_ERR_WRONG_THREAD,
            "called from inside the model's own vtable function: notify changes after it returns",
        );
    }
    Ok(s)
}

/// Serves an item model named `name`, as Qt's `enableRemoting(model, name, roles,
/// selectionModel)`: stock Qt replicas acquire it with `acquireModel(name)`. `role_ids[i]` is
/// named `role_names[i]` (`nroles` of each; the model's `roleNames()`); `roles` (`nserved`,
/// may be `NULL` with 0) are the roles served, all of them when empty. `selection`: the model
/// has a current index shared with replicas. The vtable (copied) and `user_data` answer the
/// replicas' requests on the dispatch thread. On success `*out` owns the model source; free it
/// with `qtro_model_source_free` before `user_data` goes.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub extern "C" fn qtro_node_enable_model(
    node: *mut qtro_node,
    name: *const c_char,
    role_ids: *const i32,
    role_names: *const *const c_char,
    nroles: usize,
    roles: *const i32,
    nserved: usize,
    selection: bool,
    vtable: *const qtro_model_vtable,
    user_data: *mut c_void,
    out: *mut *mut qtro_model_source,
) -> qtro_result {
    guard(|| {
        let out = out_new(out, "out")?;
        let core = node_ref(node)?.clone();
        let name_s = cstr(name, "name")?;
        let ids =
            slice(role_ids, nroles).ok_or_else(|| Error::new(QTRO_ERR_NULL_ARGUMENT, "argument `role_ids` is NULL"))?;
        let name_ptrs = slice(role_names, nroles)
            .ok_or_else(|| Error::new(QTRO_ERR_NULL_ARGUMENT, "argument `role_names` is NULL"))?;
        let mut names = Vec::with_capacity(nroles);
        for (i, (id, n)) in ids.iter().zip(name_ptrs).enumerate() {
            let n = cstr(*n, &format!("role_names[{i}]"))?;
            names.push((*id, Bytes::copy_from_slice(n.as_bytes())));
        }
        let served = slice(roles, nserved)
            .ok_or_else(|| Error::new(QTRO_ERR_NULL_ARGUMENT, "argument `roles` is NULL"))?
            .to_vec();
        let vt = *opt_arg(vtable).ok_or_else(|| Error::new(QTRO_ERR_NULL_ARGUMENT, "argument `vtable` is NULL"))?;
        if vt.row_count.is_none() || vt.column_count.is_none() || vt.data.is_none() {
            return err(QTRO_ERR_INVALID_ARGUMENT, "the vtable needs row_count, column_count and data");
        }
        core.check_open()?;
        let closed = Arc::new(AtomicBool::new(false));
        let model = CModel {
            vt,
            user_data: UserData(user_data),
            names,
            closed: closed.clone(),
            id: Arc::as_ptr(&closed) as usize,
        };
        let q = core.events.clone();
        let executor: ModelExecutor = Arc::new(move |job| q.push(Event::Task(job)));
        let options = ModelOptions { roles: served, selection, ..ModelOptions::default() };
        let _g = core.rt().enter();
        let host = core.node.enable_model_deferred(name_s, model, options, executor)?;
        // A replica's current index goes to `current_changed`, on the dispatching thread.
        if let Some(f) = vt.current_changed {
            let mut rx = host.events();
            let q = core.events.clone();
            let cl = closed.clone();
            let ud = UserData(user_data);
            core.rt().spawn(async move {
                while let Some(ev) = rx.recv().await {
                    if let ModelHostEvent::CurrentSet { current, .. } = ev {
                        let cl = cl.clone();
                        q.push(Event::Task(Box::new(move || {
                            let ud: UserData = ud;
                            if cl.load(Ordering::SeqCst) {
                                return;
                            }
                            let p = c_path(&current);
                            let _scope = VtableScope::enter(Arc::as_ptr(&cl) as usize);
                            // SAFETY: the `current_changed` function of the application's vtable,
                            // with its `user_data`, on the dispatching thread, before
                            // `qtro_model_source_free` returned (checked above, under the
                            // dispatch lock); the path lives until it returns.
                            unsafe { f(ud.0, path_ptr(&p), p.len()) };
                        })));
                    }
                }
            });
        }
        out.set(new_handle(qtro_model_source { core, host, closed, name: to_cstring(name_s) }));
        Ok(())
    })
}

/// Stops serving the model (its replicas go Suspect) and frees the handle. No vtable function
/// runs after it returns (it waits for a running one when called from another thread). `NULL`
/// is a no-op.
#[no_mangle]
pub extern "C" fn qtro_model_source_free(source: *mut qtro_model_source) {
    guard_value((), || {
        let Some(s) = take_handle(source) else { return };
        s.closed.store(true, Ordering::SeqCst);
        s.core.quiesce();
        let core = s.core.clone();
        let _g = core.rt().enter();
        let _ = core.node.disable_source(s.host.name());
        drop(s);
    })
}

/// The name replicas acquire the model by (borrowed; `NULL` if `source` is `NULL`).
#[no_mangle]
pub extern "C" fn qtro_model_source_name(source: *const qtro_model_source) -> *const c_char {
    guard_value(std::ptr::null(), || opt_handle(source).map_or(std::ptr::null(), |h| h.name.as_ptr()))
}

fn notify(source: *mut qtro_model_source, change: impl FnOnce() -> Result<ModelChange>) -> qtro_result {
    guard(|| {
        let s = source_ref(source)?;
        let change = change()?;
        let _g = s.core.rt().enter();
        s.host.notify(&[change])?;
        Ok(())
    })
}

/// The data of the items from `top_left` to `bottom_right` (same parent, same depth) changed
/// for `roles` (`nroles`; none: every role).
#[no_mangle]
pub extern "C" fn qtro_model_source_data_changed(
    source: *mut qtro_model_source,
    top_left: *const qtro_model_index,
    bottom_right: *const qtro_model_index,
    depth: usize,
    roles: *const i32,
    nroles: usize,
) -> qtro_result {
    notify(source, || {
        let top_left = path_arg(top_left, depth, "top_left")?;
        let bottom_right = path_arg(bottom_right, depth, "bottom_right")?;
        if depth == 0 || top_left[..depth - 1] != bottom_right[..depth - 1] {
            return err(QTRO_ERR_INVALID_ARGUMENT, "top_left and bottom_right must be items of the same parent");
        }
        let roles =
            slice(roles, nroles).ok_or_else(|| Error::new(QTRO_ERR_NULL_ARGUMENT, "argument `roles` is NULL"))?;
        Ok(ModelChange::DataChanged { top_left, bottom_right, roles: roles.to_vec() })
    })
}

/// Rows `first..=last` were inserted under `parent` (call after the model changed).
#[no_mangle]
pub extern "C" fn qtro_model_source_rows_inserted(
    source: *mut qtro_model_source,
    parent: *const qtro_model_index,
    depth: usize,
    first: i32,
    last: i32,
) -> qtro_result {
    notify(source, || {
        range_arg(first, last)?;
        Ok(ModelChange::RowsInserted { parent: path_arg(parent, depth, "parent")?, first, last })
    })
}

/// Rows `first..=last` were removed from under `parent`.
#[no_mangle]
pub extern "C" fn qtro_model_source_rows_removed(
    source: *mut qtro_model_source,
    parent: *const qtro_model_index,
    depth: usize,
    first: i32,
    last: i32,
) -> qtro_result {
    notify(source, || {
        range_arg(first, last)?;
        Ok(ModelChange::RowsRemoved { parent: path_arg(parent, depth, "parent")?, first, last })
    })
}

/// Rows `first..=last` of `parent` moved before row `row` of `destination` (numbered before the
/// move).
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub extern "C" fn qtro_model_source_rows_moved(
    source: *mut qtro_model_source,
    parent: *const qtro_model_index,
    depth: usize,
    first: i32,
    last: i32,
    destination: *const qtro_model_index,
    destination_depth: usize,
    row: i32,
) -> qtro_result {
    notify(source, || {
        range_arg(first, last)?;
        if row < 0 {
            return err(QTRO_ERR_INVALID_ARGUMENT, "negative destination row");
        }
        Ok(ModelChange::RowsMoved {
            parent: path_arg(parent, depth, "parent")?,
            first,
            last,
            destination: path_arg(destination, destination_depth, "destination")?,
            row,
        })
    })
}

/// Columns `first..=last` were inserted under `parent`.
#[no_mangle]
pub extern "C" fn qtro_model_source_columns_inserted(
    source: *mut qtro_model_source,
    parent: *const qtro_model_index,
    depth: usize,
    first: i32,
    last: i32,
) -> qtro_result {
    notify(source, || {
        range_arg(first, last)?;
        Ok(ModelChange::ColumnsInserted { parent: path_arg(parent, depth, "parent")?, first, last })
    })
}

/// Columns `first..=last` were removed from under `parent` (replicas are reset, as Qt's
/// adapter does not forward this).
#[no_mangle]
pub extern "C" fn qtro_model_source_columns_removed(
    source: *mut qtro_model_source,
    parent: *const qtro_model_index,
    depth: usize,
    first: i32,
    last: i32,
) -> qtro_result {
    notify(source, || {
        range_arg(first, last)?;
        Ok(ModelChange::ColumnsRemoved { parent: path_arg(parent, depth, "parent")?, first, last })
    })
}

/// The layout under `parents` (`nparents`; none: everywhere) changed, e.g. rows were sorted.
#[no_mangle]
pub extern "C" fn qtro_model_source_layout_changed(
    source: *mut qtro_model_source,
    parents: *const qtro_model_path,
    nparents: usize,
    hint: qtro_layout_hint,
) -> qtro_result {
    notify(source, || {
        let ps =
            slice(parents, nparents).ok_or_else(|| Error::new(QTRO_ERR_NULL_ARGUMENT, "argument `parents` is NULL"))?;
        let parents = ps
            .iter()
            .enumerate()
            .map(|(i, p)| path_arg(p.indexes, p.depth, &format!("parents[{i}]")))
            .collect::<Result<_>>()?;
        Ok(ModelChange::LayoutChanged { parents, hint: hint_of(hint)? })
    })
}

/// Everything changed (`QAbstractItemModel::modelReset`).
#[no_mangle]
pub extern "C" fn qtro_model_source_reset(source: *mut qtro_model_source) -> qtro_result {
    notify(source, || Ok(ModelChange::Reset))
}

/// Header sections `first..=last` of `orientation` changed.
#[no_mangle]
pub extern "C" fn qtro_model_source_header_data_changed(
    source: *mut qtro_model_source,
    orientation: qtro_orientation,
    first: i32,
    last: i32,
) -> qtro_result {
    notify(source, || {
        range_arg(first, last)?;
        Ok(ModelChange::HeaderDataChanged { orientation: orientation_of(orientation)?, first, last })
    })
}

/// Makes `current` the current index (the model was enabled with `selection`; depth 0: none).
/// The path is checked with the vtable's `row_count`/`column_count`, on the calling thread.
#[no_mangle]
pub extern "C" fn qtro_model_source_set_current(
    source: *mut qtro_model_source,
    current: *const qtro_model_index,
    depth: usize,
) -> qtro_result {
    guard(|| {
        let s = source_ref(source)?;
        let path = path_arg(current, depth, "current")?;
        let _g = s.core.rt().enter();
        s.host.set_current(path)?;
        Ok(())
    })
}

/// Number of replicas attached now.
#[no_mangle]
pub extern "C" fn qtro_model_source_replica_count(source: *const qtro_model_source, count: *mut usize) -> qtro_result {
    guard(|| {
        let s = handle(source, "source")?;
        out_ptr(count, "count")?.set(s.host.listener_count());
        Ok(())
    })
}

// ================================================================================================
// Replicas
// ================================================================================================
