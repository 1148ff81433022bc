//! Replicas (dynamic or of a known class): acquiring them, their callbacks, properties and slot
//! calls.

use std::ffi::{c_char, c_void, CString};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use super::cast::{
    cstr, handle, lend, new_handle, opt_arg, opt_handle, opt_out_ptr, out_new, out_ptr, take_handle, Handle,
};
use super::class::qtro_class;
use super::dispatch::{qtro_reply_cb, Deliver, Event, NodeCore, UserData};
use super::interface::{interface_of, qtro_interface};
use super::node::{node_ref, qtro_node};
use super::qtro_result::{self, *};
use super::value::{qtro_value, values_arg};
use super::{err, guard, guard_value, millis, to_cstring, Error, Result};
use qtro_rs::core::{ReplicaState, Value};
use qtro_rs::node::{NodeError, Replica, ReplicaEvent};

/// State of a replica, as Qt's `QRemoteObjectReplica::State`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum qtro_replica_state {
    QTRO_STATE_UNINITIALIZED = 0,
    /// Initial values of a replica of a known class are its defaults.
    QTRO_STATE_DEFAULT = 1,
    /// Connected and initialized: values are current.
    QTRO_STATE_VALID = 2,
    /// The connection was lost; values are the last known ones. Reconnects go back to Valid.
    QTRO_STATE_SUSPECT = 3,
    /// The source's signature differs from the class the replica was acquired with (terminal).
    QTRO_STATE_SIGNATURE_MISMATCH = 4,
}

pub(crate) fn state_of(s: ReplicaState) -> qtro_replica_state {
    use qtro_replica_state::*;
    match s {
        ReplicaState::Uninitialized => QTRO_STATE_UNINITIALIZED,
        ReplicaState::Default => QTRO_STATE_DEFAULT,
        ReplicaState::Valid => QTRO_STATE_VALID,
        ReplicaState::Suspect => QTRO_STATE_SUSPECT,
        ReplicaState::SignatureMismatch => QTRO_STATE_SIGNATURE_MISMATCH,
    }
}

/// Callbacks of a replica (`qtro_node_acquire`). Every member may be `NULL`. They run on the
/// node's dispatch thread (`QTRO_DISPATCH_THREAD`) or inside `qtro_node_dispatch`
/// (`QTRO_DISPATCH_POLL`), one at a time; pointer arguments are borrowed for the duration of the
/// call. Callbacks may call any `qtro_*` function, including freeing this replica.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct qtro_replica_callbacks {
    /// The replica's state changed.
    pub state_changed: Option<
        unsafe extern "C" fn(user_data: *mut c_void, old_state: qtro_replica_state, new_state: qtro_replica_state),
    >,
    /// Values (and for dynamic replicas, the interface) arrived: on the first connection and on
    /// every reconnection.
    pub initialized: Option<unsafe extern "C" fn(user_data: *mut c_void)>,
    /// A property has a new value (`index` is its position in the interface).
    pub property_changed: Option<
        unsafe extern "C" fn(user_data: *mut c_void, name: *const c_char, index: usize, value: *const qtro_value),
    >,
    /// The source emitted a declared signal (notify signals are reported by `property_changed`);
    /// `index` is the signal's position in the interface.
    pub signal: Option<
        unsafe extern "C" fn(
            user_data: *mut c_void,
            name: *const c_char,
            index: usize,
            args: *const *const qtro_value,
            nargs: usize,
        ),
    >,
}

/// What a replica's event forwarder and its handle share: the application's callbacks.
struct ReplicaShared {
    closed: AtomicBool,
    callbacks: Option<qtro_replica_callbacks>,
    user_data: UserData,
}

impl Deliver<ReplicaEvent> for ReplicaShared {
    fn deliver(&self, ev: ReplicaEvent) {
        if self.closed.load(Ordering::SeqCst) {
            return;
        }
        let Some(cb) = self.callbacks else { return };
        let ud = self.user_data.0;
        // Every call below is to a callback the application registered in its
        // `qtro_replica_callbacks`, with the `user_data` it gave, on the thread that dispatches:
        // what the header promises those callbacks. The pointers passed are borrowed from values
        // that outlive the call.
        match ev {
            ReplicaEvent::StateChanged { old, new } => {
                if let Some(f) = cb.state_changed {
                    // SAFETY: a registered `state_changed` callback (see above).
                    unsafe { f(ud, state_of(old), state_of(new)) };
                }
            }
            ReplicaEvent::Initialized => {
                if let Some(f) = cb.initialized {
                    // SAFETY: a registered `initialized` callback (see above).
                    unsafe { f(ud) };
                }
            }
            ReplicaEvent::PropertyChanged { index, name, value } => {
                if let Some(f) = cb.property_changed {
                    let name = to_cstring(&name);
                    // SAFETY: a registered `property_changed` callback (see above); `name` and
                    // `value` live until it returns.
                    unsafe { f(ud, name.as_ptr(), index, lend(&value)) };
                }
            }
            ReplicaEvent::Signal { index, name, args, property_index } => {
                if property_index.is_some() {
                    return;
                }
                if let Some(f) = cb.signal {
                    let name = to_cstring(&name);
                    let ptrs: Vec<*const qtro_value> = args.iter().map(lend).collect();
                    let argv = if ptrs.is_empty() { std::ptr::null() } else { ptrs.as_ptr() };
                    // SAFETY: a registered `signal` callback (see above); `name`, the array of
                    // `ptrs.len()` pointers and the `args` they point at live until it returns.
                    unsafe { f(ud, name.as_ptr(), index, argv, ptrs.len()) };
                }
            }
            // Kinds of event added later have no C callback yet.
            _ => {}
        }
    }
}

/// A replica of a remote source.
pub struct qtro_replica {
    core: Arc<NodeCore>,
    replica: Option<Replica>,
    shared: Arc<ReplicaShared>,
    name: CString,
}

impl Handle for qtro_replica {
    type Target = qtro_replica;
}

impl qtro_replica {
    fn get(&self) -> Result<&Replica> {
        self.core.check_open()?;
        self.replica.as_ref().ok_or_else(|| Error::new(QTRO_ERR_SHUTDOWN, "the replica was released"))
    }
}

fn replica_ref<'a>(r: *const qtro_replica) -> Result<&'a qtro_replica> {
    handle(r, "replica")
}

fn acquire(
    node: *mut qtro_node,
    name: *const c_char,
    class: Option<*const qtro_class>,
    callbacks: *const qtro_replica_callbacks,
    user_data: *mut c_void,
    out: *mut *mut qtro_replica,
) -> qtro_result {
    guard(|| {
        let out = out_new(out, "out")?;
        let core = node_ref(node)?.clone();
        let name_s = cstr(name, "name")?;
        let class = match class {
            Some(c) => Some(handle(c, "cls")?.build()),
            None => None,
        };
        core.check_open()?;
        let cbs = opt_arg(callbacks).copied();
        let shared =
            Arc::new(ReplicaShared { closed: AtomicBool::new(false), callbacks: cbs, user_data: UserData(user_data) });
        let replica = {
            let _g = core.rt().enter();
            // Subscribed atomically with the acquisition: no event can be missed.
            let (r, rx) = match class {
                Some(c) => core.node.acquire_with_events(name_s, c),
                None => core.node.acquire_dynamic_with_events(name_s),
            };
            let q = core.events.clone();
            let sh = shared.clone();
            core.rt().spawn(async move {
                q.forward(rx, || sh.closed.load(Ordering::SeqCst), |ev| Event::Replica(sh.clone(), ev)).await
            });
            r
        };
        out.set(new_handle(qtro_replica { core, replica: Some(replica), shared, name: to_cstring(name_s) }));
        Ok(())
    })
}

/// Acquires a dynamic replica of the source `name`: it learns the interface from the source (Qt
/// or libqtro_rs). `callbacks` (copied; may be `NULL`) and `user_data` receive its events from
/// now on. On success `*out` owns the replica: free it with `qtro_replica_free` before or after
/// the node.
#[no_mangle]
pub extern "C" fn qtro_node_acquire(
    node: *mut qtro_node,
    name: *const c_char,
    callbacks: *const qtro_replica_callbacks,
    user_data: *mut c_void,
    out: *mut *mut qtro_replica,
) -> qtro_result {
    acquire(node, name, None, callbacks, user_data, out)
}

/// Acquires a replica of a known class (e.g. from `qtro_class_from_rep`): values arrive by index
/// and the source's signature is checked as a repc-generated Qt replica does (a mismatch gives
/// `QTRO_STATE_SIGNATURE_MISMATCH`). `class` is copied.
#[no_mangle]
pub extern "C" fn qtro_node_acquire_class(
    node: *mut qtro_node,
    name: *const c_char,
    cls: *const qtro_class,
    callbacks: *const qtro_replica_callbacks,
    user_data: *mut c_void,
    out: *mut *mut qtro_replica,
) -> qtro_result {
    if cls.is_null() {
        return guard(|| err(QTRO_ERR_NULL_ARGUMENT, "argument `cls` is NULL"));
    }
    acquire(node, name, Some(cls), callbacks, user_data, out)
}

/// Releases the replica (the source is told when it was the node's last replica of that name)
/// and frees the handle. No callback of this replica starts after it returns; when called from
/// another thread while one runs, it waits for that callback to finish. `NULL` is a no-op.
/// Pending `qtro_replica_call` replies are still delivered.
#[no_mangle]
pub extern "C" fn qtro_replica_free(replica: *mut qtro_replica) {
    guard_value((), || {
        let Some(mut r) = take_handle(replica) else { return };
        r.shared.closed.store(true, Ordering::SeqCst);
        r.core.quiesce();
        let core = r.core.clone();
        let _g = core.rt().enter();
        drop(r.replica.take());
        drop(r);
    })
}

/// The name the replica was acquired with (borrowed from the handle, never `NULL` for a valid
/// handle; `NULL` if `replica` is `NULL`).
#[no_mangle]
pub extern "C" fn qtro_replica_name(replica: *const qtro_replica) -> *const c_char {
    guard_value(std::ptr::null(), || opt_handle(replica).map_or(std::ptr::null(), |h| h.name.as_ptr()))
}

/// The current state.
#[no_mangle]
pub extern "C" fn qtro_replica_get_state(replica: *const qtro_replica, state: *mut qtro_replica_state) -> qtro_result {
    guard(|| {
        let r = replica_ref(replica)?;
        let out = out_ptr(state, "state")?;
        out.set(state_of(r.get()?.state()));
        Ok(())
    })
}

/// Waits at most `timeout_ms` until the replica is Valid: `QTRO_OK`, or `QTRO_ERR_TIMEOUT`.
/// Not from a log callback (`QTRO_ERR_WRONG_THREAD`). Callbacks keep running meanwhile on the
/// dispatch thread; in `QTRO_DISPATCH_POLL` mode they wait for the next `qtro_node_dispatch`.
#[no_mangle]
pub extern "C" fn qtro_replica_wait_for_source(replica: *mut qtro_replica, timeout_ms: u32) -> qtro_result {
    guard(|| {
        let r = replica_ref(replica)?;
        let rep = r.get()?.clone();
        let d = millis(timeout_ms);
        r.core.block_on(d + std::time::Duration::from_millis(50), "qtro_replica_wait_for_source", async move {
            rep.wait_for_source(d).await.map_err(Error::from)
        })
    })
}

/// A copy of the current value of property `name` in `*value` (free it with `qtro_value_free`).
/// `QTRO_ERR_NOT_CONNECTED` before a dynamic replica learnt its interface, `QTRO_ERR_NOT_FOUND`
/// for an unknown property.
#[no_mangle]
pub extern "C" fn qtro_replica_property(
    replica: *const qtro_replica,
    name: *const c_char,
    value: *mut *mut qtro_value,
) -> qtro_result {
    guard(|| {
        let r = replica_ref(replica)?;
        let name = cstr(name, "name")?;
        let out = out_new(value, "value")?;
        let rep = r.get()?;
        match rep.property(name) {
            Some(v) => {
                out.set(new_handle(v));
                Ok(())
            }
            None if rep.definition().is_none() => {
                err(QTRO_ERR_NOT_CONNECTED, format!("replica {:?} has not received its interface yet", rep.name()))
            }
            None => err(QTRO_ERR_NOT_FOUND, format!("replica {:?} has no property {name:?}", rep.name())),
        }
    })
}

/// Asks the source to set property `name` (a WriteProperty, as a Qt replica's `setProperty`);
/// the value is converted to the property's declared type and copied. The new value comes back
/// as a `property_changed` callback. Does not block.
#[no_mangle]
pub extern "C" fn qtro_replica_set_property(
    replica: *mut qtro_replica,
    name: *const c_char,
    value: *const qtro_value,
) -> qtro_result {
    guard(|| {
        let r = replica_ref(replica)?;
        let name = cstr(name, "name")?;
        let v = handle(value, "value")?.clone();
        let rep = r.get()?;
        let _g = r.core.rt().enter();
        rep.set_property(name, v)?;
        Ok(())
    })
}

/// A slot call to be completed on the runtime.
type CallFuture = Pin<Box<dyn Future<Output = std::result::Result<Value, NodeError>> + Send>>;

/// Starts a call and polls it once: errors detected synchronously (unknown slot, not connected)
/// and `void` slots come back at once.
fn start_call(r: &qtro_replica, slot: &str, args: Vec<Value>) -> Result<std::result::Result<Value, CallFuture>> {
    let rep = r.get()?.clone();
    let slot = slot.to_owned();
    let mut fut: CallFuture = Box::pin(async move { rep.call(&slot, args).await });
    let _g = r.core.rt().enter();
    let mut cx = Context::from_waker(Waker::noop());
    match fut.as_mut().poll(&mut cx) {
        Poll::Ready(Ok(v)) => Ok(Ok(v)),
        Poll::Ready(Err(e)) => Err(e.into()),
        Poll::Pending => Ok(Err(fut)),
    }
}

/// Calls slot `slot` (by name; the overload with `nargs` parameters is preferred) with copies of
/// `args` converted to its declared parameter types. Returns at once.
///
/// When it returns `QTRO_OK`, `reply` (may be `NULL`: the result is ignored) is called exactly
/// once later with the result: on the node's dispatch thread or in `qtro_node_dispatch`; with
/// `QTRO_ERR_TIMEOUT` if `timeout_ms` (0: no limit) passed first, `QTRO_ERR_CONNECTION_LOST` if
/// the connection dropped, `QTRO_ERR_SHUTDOWN` from `qtro_node_free`. `void` slots are not
/// answered by sources: their reply is an invalid value as soon as the call was sent. When it
/// returns an error (unknown slot, not connected, bad arguments) `reply` is never called.
#[no_mangle]
pub extern "C" fn qtro_replica_call(
    replica: *mut qtro_replica,
    slot: *const c_char,
    args: *const *const qtro_value,
    nargs: usize,
    timeout_ms: u32,
    reply: qtro_reply_cb,
    user_data: *mut c_void,
) -> qtro_result {
    guard(|| {
        let r = replica_ref(replica)?;
        let slot = cstr(slot, "slot")?;
        let args = values_arg(args, nargs, "args")?;
        let started = start_call(r, slot, args)?;
        let id = r.core.add_pending(reply, user_data);
        let q = r.core.events.clone();
        match started {
            Ok(v) => {
                if let Some(id) = id {
                    q.push(Event::Reply(id, Ok(v)));
                }
            }
            Err(fut) => {
                let d = millis(timeout_ms);
                r.core.rt().spawn(async move {
                    let res = if timeout_ms == 0 {
                        fut.await.map_err(Error::from)
                    } else {
                        match tokio::time::timeout(d, fut).await {
                            Ok(r) => r.map_err(Error::from),
                            Err(_) => Err(Error::new(QTRO_ERR_TIMEOUT, format!("no reply within {timeout_ms} ms"))),
                        }
                    };
                    if let Some(id) = id {
                        q.push(Event::Reply(id, res));
                    }
                });
            }
        }
        Ok(())
    })
}

/// Calls a slot and waits at most `timeout_ms` for the reply, which is stored in `*result` (may be
/// `NULL` to discard it; otherwise free it with `qtro_value_free`). Callbacks are not needed for
/// the reply to arrive, so this also works in `QTRO_DISPATCH_POLL` mode without dispatching.
/// Not from a log callback.
#[no_mangle]
pub extern "C" fn qtro_replica_call_sync(
    replica: *mut qtro_replica,
    slot: *const c_char,
    args: *const *const qtro_value,
    nargs: usize,
    timeout_ms: u32,
    result: *mut *mut qtro_value,
) -> qtro_result {
    guard(|| {
        let r = replica_ref(replica)?;
        let slot = cstr(slot, "slot")?;
        let args = values_arg(args, nargs, "args")?;
        let result = opt_out_ptr(result);
        if let Some(result) = &result {
            result.set(std::ptr::null_mut());
        }
        if tokio::runtime::Handle::try_current().is_ok() {
            return err(
                QTRO_ERR_WRONG_THREAD,
                "qtro_replica_call_sync: blocking calls are not allowed on a libqtro_rs runtime thread",
            );
        }
        let v = match start_call(r, slot, args)? {
            Ok(v) => v,
            Err(fut) => r.core.block_on(millis(timeout_ms), "qtro_replica_call_sync", async move {
                fut.await.map_err(Error::from)
            })?,
        };
        if let Some(result) = result {
            result.set(new_handle(v));
        }
        Ok(())
    })
}

/// The replica's interface, in `*interface` (free with `qtro_interface_free`).
/// `QTRO_ERR_NOT_CONNECTED` until a dynamic replica has been initialized.
#[no_mangle]
pub extern "C" fn qtro_replica_interface(
    replica: *const qtro_replica,
    interface: *mut *mut qtro_interface,
) -> qtro_result {
    guard(|| {
        let r = replica_ref(replica)?;
        let out = out_new(interface, "interface")?;
        match r.get()?.definition() {
            Some(def) => {
                out.set(new_handle(interface_of(&def)));
                Ok(())
            }
            None => err(QTRO_ERR_NOT_CONNECTED, "the replica has not received its interface yet"),
        }
    })
}
