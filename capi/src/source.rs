//! Hosted sources: enabling them, their callbacks, properties and signals, and the slot
//! invocations they answer.

use std::ffi::{c_char, c_void, CString};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use tokio::sync::oneshot;

use super::cast::{
    cstr, handle, handle_mut, lend, lend_mut, new_handle, opt_arg, opt_handle, out_new, out_ptr, set_opt, take_handle,
    Handle,
};
use super::class::qtro_class;
use super::dispatch::{Deliver, Event, NodeCore, SlotRequest, UserData};
use super::node::{node_ref, qtro_node};
use super::qtro_result::{self, *};
use super::value::{qtro_value, values_arg};
use super::{err, guard, guard_value, to_cstring, Result};
use qtro_rs::core::{MethodKind, SourceClass, Value};
use qtro_rs::node::{coerce, SlotCall, Source, SourceEvent};

/// Callbacks of a hosted source (`qtro_node_enable_source`). Every member may be `NULL`. They run
/// on the node's dispatch thread or in `qtro_node_dispatch`, one at a time.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct qtro_source_callbacks {
    /// A replica called a declared slot. `invocation` is borrowed for the duration of the
    /// callback: answer with `qtro_invocation_reply` now, or take it with `qtro_invocation_defer`
    /// to answer later from any thread. If neither happens the call is answered with an invalid
    /// value (`void`) when the callback returns. Without this callback every call is answered
    /// that way. Push slots (`push<Name>`) are handled by the library (they set the property).
    pub invoked: Option<unsafe extern "C" fn(user_data: *mut c_void, invocation: *mut qtro_invocation)>,
    /// A replica wrote a property (already applied and sent to every replica).
    pub property_written: Option<
        unsafe extern "C" fn(user_data: *mut c_void, name: *const c_char, index: usize, value: *const qtro_value),
    >,
    /// A replica on connection `connection` acquired the source.
    pub replica_acquired: Option<unsafe extern "C" fn(user_data: *mut c_void, connection: u64, dynamic: bool)>,
    /// The replica on connection `connection` released it (or disconnected).
    pub replica_released: Option<unsafe extern "C" fn(user_data: *mut c_void, connection: u64)>,
}

/// What a source's event forwarder, its slot handler and its handle share: the application's
/// callbacks, and what an invocation needs to know about the class.
struct SourceShared {
    closed: AtomicBool,
    callbacks: Option<qtro_source_callbacks>,
    user_data: UserData,
    class: Arc<SourceClass>,
    name: String,
}

/// A slot call on a hosted source, to answer with `qtro_invocation_reply`.
pub struct qtro_invocation {
    reply: Option<oneshot::Sender<Value>>,
    deferred: bool,
    source: CString,
    slot: CString,
    slot_index: usize,
    args: Vec<Value>,
    return_type: String,
}

impl Handle for qtro_invocation {
    type Target = qtro_invocation;
}

impl Deliver<SourceEvent> for SourceShared {
    fn deliver(&self, ev: SourceEvent) {
        if self.closed.load(Ordering::SeqCst) {
            return;
        }
        let Some(cb) = self.callbacks else { return };
        let ud = self.user_data.0;
        // Every call below is to a callback the application registered in its
        // `qtro_source_callbacks`, with the `user_data` it gave, on the thread that dispatches:
        // what the header promises those callbacks.
        match ev {
            SourceEvent::PropertyWritten { index, name, value } => {
                if let Some(f) = cb.property_written {
                    let name = to_cstring(&name);
                    // SAFETY: a registered `property_written` callback (see above); `name` and
                    // `value` live until it returns.
                    unsafe { f(ud, name.as_ptr(), index, lend(&value)) };
                }
            }
            SourceEvent::Acquired { conn, dynamic } => {
                if let Some(f) = cb.replica_acquired {
                    // SAFETY: a registered `replica_acquired` callback (see above).
                    unsafe { f(ud, conn, dynamic) };
                }
            }
            SourceEvent::Released { conn } => {
                if let Some(f) = cb.replica_released {
                    // SAFETY: a registered `replica_released` callback (see above).
                    unsafe { f(ud, conn) };
                }
            }
            // Kinds of event added later have no C callback yet.
            _ => {}
        }
    }
}

impl Deliver<SlotRequest> for SourceShared {
    fn deliver(&self, request: SlotRequest) {
        let SlotRequest { call, reply: tx } = request;
        let f = match self.callbacks.and_then(|c| c.invoked) {
            Some(f) if !self.closed.load(Ordering::SeqCst) => f,
            _ => {
                let _ = tx.send(Value::Invalid);
                return;
            }
        };
        let return_type = self
            .class
            .method_kinds
            .iter()
            .position(|k| *k == MethodKind::Slot(call.slot))
            .and_then(|i| self.class.definition.methods.get(i))
            .map(|m| m.return_type.clone())
            .unwrap_or_default();
        let mut inv = qtro_invocation {
            reply: Some(tx),
            deferred: false,
            source: to_cstring(&self.name),
            slot: to_cstring(&call.name),
            slot_index: call.slot,
            args: call.args,
            return_type,
        };
        // SAFETY: `f` is the `invoked` callback the application registered, called with its
        // `user_data` on the thread that dispatches; `inv` lives until it returns, and is lent to
        // it for that long (the header says so).
        unsafe { f(self.user_data.0, lend_mut(&mut inv)) };
        if !inv.deferred {
            if let Some(tx) = inv.reply.take() {
                let _ = tx.send(Value::Invalid);
            }
        }
    }
}

/// A source hosted by a node.
pub struct qtro_source {
    core: Arc<NodeCore>,
    source: Source,
    shared: Arc<SourceShared>,
    name: CString,
    enabled: bool,
}

impl Handle for qtro_source {
    type Target = qtro_source;
}

fn source_ref<'a>(s: *const qtro_source) -> Result<&'a qtro_source> {
    let s = handle(s, "source")?;
    s.core.check_open()?;
    Ok(s)
}

/// Shares a source named `name` with the interface `class` (copied) and its initial property
/// values. `callbacks` (copied; may be `NULL`) and `user_data` receive slot invocations and
/// replica activity. Replicas can acquire it once the node listens (before or after this call).
/// On success `*out` owns the source: `qtro_source_free` stops sharing it.
#[no_mangle]
pub extern "C" fn qtro_node_enable_source(
    node: *mut qtro_node,
    name: *const c_char,
    cls: *const qtro_class,
    callbacks: *const qtro_source_callbacks,
    user_data: *mut c_void,
    out: *mut *mut qtro_source,
) -> qtro_result {
    guard(|| {
        let out = out_new(out, "out")?;
        let core = node_ref(node)?.clone();
        let name_s = cstr(name, "name")?;
        let class = handle(cls, "cls")?.build();
        core.check_open()?;
        let cbs = opt_arg(callbacks).copied();
        let shared = Arc::new(SourceShared {
            closed: AtomicBool::new(false),
            callbacks: cbs,
            user_data: UserData(user_data),
            class: Arc::new(class.clone()),
            name: name_s.to_owned(),
        });
        let _g = core.rt().enter();
        let q = core.events.clone();
        let sh = shared.clone();
        // Subscribed atomically with enabling: an early "acquired" cannot be missed.
        let (source, rx) = core.node.enable_source_with_events(name_s, class, move |call: SlotCall| {
            let q = q.clone();
            let sh = sh.clone();
            async move {
                let (tx, rx) = oneshot::channel();
                q.push(Event::Invoke(sh, SlotRequest { call, reply: tx }));
                rx.await.unwrap_or(Value::Invalid)
            }
        })?;
        let q = core.events.clone();
        let sh = shared.clone();
        core.rt().spawn(async move {
            q.forward(rx, || sh.closed.load(Ordering::SeqCst), |ev| Event::Source(sh.clone(), ev)).await
        });
        out.set(new_handle(qtro_source { core, source, shared, name: to_cstring(name_s), enabled: true }));
        Ok(())
    })
}

/// Stops sharing the source (its replicas go Suspect) and frees the handle. No callback of this
/// source starts after it returns (it waits for a running one when called from another thread).
/// Deferred invocations stay valid and may still be answered (the answer is dropped). `NULL` is a
/// no-op.
#[no_mangle]
pub extern "C" fn qtro_source_free(source: *mut qtro_source) {
    guard_value((), || {
        let Some(s) = take_handle(source) else { return };
        s.shared.closed.store(true, Ordering::SeqCst);
        s.core.quiesce();
        let core = s.core.clone();
        let _g = core.rt().enter();
        if s.enabled {
            let _ = core.node.disable_source(s.source.name());
        }
        drop(s);
    })
}

/// The source's name (borrowed; `NULL` if `source` is `NULL`).
#[no_mangle]
pub extern "C" fn qtro_source_name(source: *const qtro_source) -> *const c_char {
    guard_value(std::ptr::null(), || opt_handle(source).map_or(std::ptr::null(), |h| h.name.as_ptr()))
}

/// Sets property `name` to a copy of `value`, converted to the declared type. Replicas are
/// notified when the value changed; `changed` (may be `NULL`) tells whether it did.
#[no_mangle]
pub extern "C" fn qtro_source_set_property(
    source: *mut qtro_source,
    name: *const c_char,
    value: *const qtro_value,
    changed: *mut bool,
) -> qtro_result {
    guard(|| {
        let s = source_ref(source)?;
        let name = cstr(name, "name")?;
        let v = handle(value, "value")?.clone();
        let _g = s.core.rt().enter();
        let c = s.source.set_property(name, v)?;
        set_opt(changed, c);
        Ok(())
    })
}

/// A copy of the current value of property `name` in `*value` (free with `qtro_value_free`).
#[no_mangle]
pub extern "C" fn qtro_source_property(
    source: *const qtro_source,
    name: *const c_char,
    value: *mut *mut qtro_value,
) -> qtro_result {
    guard(|| {
        let s = source_ref(source)?;
        let name = cstr(name, "name")?;
        let out = out_new(value, "value")?;
        out.set(new_handle(s.source.property(name)?));
        Ok(())
    })
}

/// Emits declared signal `signal` with copies of `args` (converted to its parameter types) to
/// every replica.
#[no_mangle]
pub extern "C" fn qtro_source_emit(
    source: *mut qtro_source,
    signal: *const c_char,
    args: *const *const qtro_value,
    nargs: usize,
) -> qtro_result {
    guard(|| {
        let s = source_ref(source)?;
        let signal = cstr(signal, "signal")?;
        let args = values_arg(args, nargs, "args")?;
        let expected = s
            .source
            .class()
            .signal_index(signal)
            .and_then(|i| s.source.class().definition.signals.get(i))
            .map(|sig| qtro_rs::node::parameter_types(&sig.signature).len());
        if let Some(n) = expected {
            if n != args.len() {
                return err(
                    QTRO_ERR_INVALID_ARGUMENT,
                    format!("signal {signal:?} takes {n} argument(s), {} given", args.len()),
                );
            }
        }
        let _g = s.core.rt().enter();
        s.source.emit(signal, args)?;
        Ok(())
    })
}

/// Number of connections that currently acquired this source.
#[no_mangle]
pub extern "C" fn qtro_source_replica_count(source: *const qtro_source, count: *mut usize) -> qtro_result {
    guard(|| {
        let s = source_ref(source)?;
        out_ptr(count, "count")?.set(s.source.listener_count());
        Ok(())
    })
}

// ---- invocations -----------------------------------------------------------------------------------

/// An invocation the call answers or defers: not the borrowed one an earlier defer took over.
fn inv_mut<'a>(i: *mut qtro_invocation) -> Result<&'a mut qtro_invocation> {
    let i = handle_mut(i, "invocation")?;
    if i.deferred {
        return err(
            QTRO_ERR_INVALID_ARGUMENT,
            "this invocation was deferred: use the handle qtro_invocation_defer returned",
        );
    }
    Ok(i)
}

/// The name of the called slot (borrowed from the invocation; `NULL` if `invocation` is `NULL`).
#[no_mangle]
pub extern "C" fn qtro_invocation_slot(invocation: *const qtro_invocation) -> *const c_char {
    guard_value(std::ptr::null(), || opt_handle(invocation).map_or(std::ptr::null(), |h| h.slot.as_ptr()))
}

/// The position of the called slot among the class's declared slots (`qtro_class_add_slot`
/// order, push slots not counted); `SIZE_MAX` if `invocation` is `NULL`.
#[no_mangle]
pub extern "C" fn qtro_invocation_slot_index(invocation: *const qtro_invocation) -> usize {
    guard_value(usize::MAX, || opt_handle(invocation).map_or(usize::MAX, |h| h.slot_index))
}

/// The name of the source whose slot was called (borrowed).
#[no_mangle]
pub extern "C" fn qtro_invocation_source(invocation: *const qtro_invocation) -> *const c_char {
    guard_value(std::ptr::null(), || opt_handle(invocation).map_or(std::ptr::null(), |h| h.source.as_ptr()))
}

/// Number of arguments (0 if `invocation` is `NULL`).
#[no_mangle]
pub extern "C" fn qtro_invocation_arg_count(invocation: *const qtro_invocation) -> usize {
    guard_value(0, || opt_handle(invocation).map_or(0, |h| h.args.len()))
}

/// Argument `index`, borrowed from the invocation (`NULL` if out of range).
#[no_mangle]
pub extern "C" fn qtro_invocation_arg(invocation: *const qtro_invocation, index: usize) -> *const qtro_value {
    guard_value(std::ptr::null(), || {
        opt_handle(invocation).and_then(|inv| inv.args.get(index)).map_or(std::ptr::null(), lend)
    })
}

/// Answers the call with a copy of `value` (`NULL`: an invalid value, for `void` slots), converted
/// to the slot's return type. `QTRO_ERR_ALREADY` if it was answered before. Answers to replicas
/// that went away are dropped silently.
#[no_mangle]
pub extern "C" fn qtro_invocation_reply(invocation: *mut qtro_invocation, value: *const qtro_value) -> qtro_result {
    guard(|| {
        let inv = inv_mut(invocation)?;
        let v = opt_handle(value).map_or(Value::Invalid, Value::clone);
        let Some(tx) = inv.reply.take() else { return err(QTRO_ERR_ALREADY, "the invocation was already answered") };
        let v = if inv.return_type.is_empty() || inv.return_type == "void" { v } else { coerce(v, &inv.return_type) };
        let _ = tx.send(v);
        Ok(())
    })
}

/// Takes over a borrowed invocation (inside the `invoked` callback) to answer it later from any
/// thread: `*deferred` receives an owned handle; answer it with `qtro_invocation_reply`, then free
/// it with `qtro_invocation_free` (freeing it unanswered answers with an invalid value). The
/// borrowed handle must not be used afterwards.
#[no_mangle]
pub extern "C" fn qtro_invocation_defer(
    invocation: *mut qtro_invocation,
    deferred: *mut *mut qtro_invocation,
) -> qtro_result {
    guard(|| {
        let inv = inv_mut(invocation)?;
        let out = out_ptr(deferred, "deferred")?;
        let owned = qtro_invocation {
            reply: inv.reply.take(),
            deferred: false,
            source: inv.source.clone(),
            slot: inv.slot.clone(),
            slot_index: inv.slot_index,
            args: std::mem::take(&mut inv.args),
            return_type: inv.return_type.clone(),
        };
        inv.deferred = true;
        out.set(new_handle(owned));
        Ok(())
    })
}

/// Frees a deferred invocation (from `qtro_invocation_defer`), answering it with an invalid value
/// if it was not answered. `NULL` is a no-op. Never pass the borrowed handle of a callback.
///
/// # Safety
/// `invocation` is `NULL` or a handle `qtro_invocation_defer` returned, not freed yet.
#[no_mangle]
pub extern "C" fn qtro_invocation_free(invocation: *mut qtro_invocation) {
    guard_value((), || {
        if let Some(tx) = take_handle(invocation).and_then(|mut inv| inv.reply.take()) {
            let _ = tx.send(Value::Invalid);
        }
    })
}
