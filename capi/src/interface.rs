//! Interface snapshots (`qtro_interface`): the properties, signals, slots and enums of a
//! replica's or a class's interface, in wire order, for introspection from C.

use std::ffi::{c_char, CString};

use super::cast::{handle, opt_handle, set_opt, take_handle, Handle};
use super::qtro_result::{self, *};
use super::{err, guard, guard_value, to_cstring, Result};
use qtro_rs::core::names::member_name;
use qtro_rs::core::ClassDefinition;
use qtro_rs::node::parameter_types;

struct Member {
    name: CString,
    signature: CString,
    return_type: CString,
    params: Vec<(CString, CString)>,
}

struct PropertyInfo {
    name: CString,
    type_name: CString,
    notify: Option<CString>,
}

struct EnumInfo {
    name: CString,
    is_flag: bool,
    size: u32,
    keys: Vec<(CString, i32)>,
}

/// A snapshot of an interface (a replica's, or a class's): properties, signals, slots and enums
/// in wire order. Strings returned by its accessors are NUL-terminated and borrowed from it.
/// Free with `qtro_interface_free`.
pub struct qtro_interface {
    type_name: CString,
    properties: Vec<PropertyInfo>,
    signals: Vec<Member>,
    methods: Vec<Member>,
    enums: Vec<EnumInfo>,
}

impl Handle for qtro_interface {
    type Target = qtro_interface;
}

fn member(signature: &str, return_type: &str, names: &[String]) -> Member {
    let types = parameter_types(signature);
    Member {
        name: to_cstring(member_name(signature)),
        signature: to_cstring(signature),
        return_type: to_cstring(return_type),
        params: types
            .iter()
            .enumerate()
            .map(|(i, t)| (to_cstring(names.get(i).map(String::as_str).unwrap_or("")), to_cstring(t)))
            .collect(),
    }
}

pub(crate) fn interface_of(def: &ClassDefinition) -> qtro_interface {
    qtro_interface {
        type_name: to_cstring(def.type_name.as_deref().unwrap_or("")),
        properties: def
            .properties
            .iter()
            .map(|p| PropertyInfo {
                name: to_cstring(&p.name),
                type_name: to_cstring(&p.type_name),
                notify: p.notify_signal.as_deref().map(to_cstring),
            })
            .collect(),
        signals: def.signals.iter().map(|s| member(&s.signature, "void", &s.parameter_names)).collect(),
        methods: def.methods.iter().map(|m| member(&m.signature, &m.return_type, &m.parameter_names)).collect(),
        enums: def
            .enums
            .iter()
            .map(|e| EnumInfo {
                name: to_cstring(&e.name),
                is_flag: e.is_flag,
                size: e.size,
                keys: e.keys.iter().map(|(k, v)| (to_cstring(k), *v)).collect(),
            })
            .collect(),
    }
}

/// Frees an interface snapshot. `NULL` is a no-op.
#[no_mangle]
pub extern "C" fn qtro_interface_free(interface: *mut qtro_interface) {
    guard_value((), || drop(take_handle(interface)))
}

fn iface<'a>(i: *const qtro_interface) -> Result<&'a qtro_interface> {
    handle(i, "interface")
}

fn index_err<T>(what: &str, index: usize, count: usize) -> Result<T> {
    err(QTRO_ERR_NOT_FOUND, format!("{what} index {index} is out of range (count {count})"))
}

fn put(out: *mut *const c_char, s: &CString) {
    set_opt(out, s.as_ptr());
}

/// The class's type name (`""` for a plain QObject source). Borrowed; `NULL` if `interface` is
/// `NULL`.
#[no_mangle]
pub extern "C" fn qtro_interface_type_name(interface: *const qtro_interface) -> *const c_char {
    guard_value(std::ptr::null(), || opt_handle(interface).map_or(std::ptr::null(), |h| h.type_name.as_ptr()))
}

/// Number of properties (0 if `interface` is `NULL`).
#[no_mangle]
pub extern "C" fn qtro_interface_property_count(interface: *const qtro_interface) -> usize {
    guard_value(0, || opt_handle(interface).map_or(0, |h| h.properties.len()))
}

/// Property `index`: name, type name, and notify signal signature (`NULL` for a CONSTANT
/// property). Outputs may be `NULL`; strings are borrowed from the interface.
#[no_mangle]
pub extern "C" fn qtro_interface_property(
    interface: *const qtro_interface,
    index: usize,
    name: *mut *const c_char,
    type_name: *mut *const c_char,
    notify_signature: *mut *const c_char,
) -> qtro_result {
    guard(|| {
        let i = iface(interface)?;
        let Some(p) = i.properties.get(index) else { return index_err("property", index, i.properties.len()) };
        put(name, &p.name);
        put(type_name, &p.type_name);
        set_opt(notify_signature, p.notify.as_ref().map_or(std::ptr::null(), |n| n.as_ptr()));
        Ok(())
    })
}

/// Number of signals, notify signals included (0 if `interface` is `NULL`).
#[no_mangle]
pub extern "C" fn qtro_interface_signal_count(interface: *const qtro_interface) -> usize {
    guard_value(0, || opt_handle(interface).map_or(0, |h| h.signals.len()))
}

/// Signal `index`: name, normalized signature (`"fired(int,QString)"`) and parameter count.
/// Outputs may be `NULL`.
#[no_mangle]
pub extern "C" fn qtro_interface_signal(
    interface: *const qtro_interface,
    index: usize,
    name: *mut *const c_char,
    signature: *mut *const c_char,
    param_count: *mut usize,
) -> qtro_result {
    guard(|| {
        let i = iface(interface)?;
        let Some(m) = i.signals.get(index) else { return index_err("signal", index, i.signals.len()) };
        put(name, &m.name);
        put(signature, &m.signature);
        set_opt(param_count, m.params.len());
        Ok(())
    })
}

/// Number of slots (methods), push slots included (0 if `interface` is `NULL`).
#[no_mangle]
pub extern "C" fn qtro_interface_method_count(interface: *const qtro_interface) -> usize {
    guard_value(0, || opt_handle(interface).map_or(0, |h| h.methods.len()))
}

/// Slot `index`: name, signature, return type (`"void"`, `"int"`, …) and parameter count.
/// Outputs may be `NULL`.
#[no_mangle]
pub extern "C" fn qtro_interface_method(
    interface: *const qtro_interface,
    index: usize,
    name: *mut *const c_char,
    signature: *mut *const c_char,
    return_type: *mut *const c_char,
    param_count: *mut usize,
) -> qtro_result {
    guard(|| {
        let i = iface(interface)?;
        let Some(m) = i.methods.get(index) else { return index_err("method", index, i.methods.len()) };
        put(name, &m.name);
        put(signature, &m.signature);
        put(return_type, &m.return_type);
        set_opt(param_count, m.params.len());
        Ok(())
    })
}

/// Parameter `param` of signal (`is_signal` true) or slot `index`: name (may be `""`) and type.
#[no_mangle]
pub extern "C" fn qtro_interface_param(
    interface: *const qtro_interface,
    is_signal: bool,
    index: usize,
    param: usize,
    name: *mut *const c_char,
    type_name: *mut *const c_char,
) -> qtro_result {
    guard(|| {
        let i = iface(interface)?;
        let list = if is_signal { &i.signals } else { &i.methods };
        let Some(m) = list.get(index) else {
            return index_err(if is_signal { "signal" } else { "method" }, index, list.len());
        };
        let Some(p) = m.params.get(param) else { return index_err("parameter", param, m.params.len()) };
        put(name, &p.0);
        put(type_name, &p.1);
        Ok(())
    })
}

/// Number of enums of the class (0 if `interface` is `NULL`).
#[no_mangle]
pub extern "C" fn qtro_interface_enum_count(interface: *const qtro_interface) -> usize {
    guard_value(0, || opt_handle(interface).map_or(0, |h| h.enums.len()))
}

/// Enum `index`: name, whether it is a flag, byte size and number of keys. Outputs may be `NULL`.
#[no_mangle]
pub extern "C" fn qtro_interface_enum(
    interface: *const qtro_interface,
    index: usize,
    name: *mut *const c_char,
    is_flag: *mut bool,
    size: *mut u32,
    key_count: *mut usize,
) -> qtro_result {
    guard(|| {
        let i = iface(interface)?;
        let Some(e) = i.enums.get(index) else { return index_err("enum", index, i.enums.len()) };
        put(name, &e.name);
        set_opt(is_flag, e.is_flag);
        set_opt(size, e.size);
        set_opt(key_count, e.keys.len());
        Ok(())
    })
}

/// Key `key` of enum `index`: its name and value. Outputs may be `NULL`.
#[no_mangle]
pub extern "C" fn qtro_interface_enum_key(
    interface: *const qtro_interface,
    index: usize,
    key: usize,
    name: *mut *const c_char,
    value: *mut i32,
) -> qtro_result {
    guard(|| {
        let i = iface(interface)?;
        let Some(e) = i.enums.get(index) else { return index_err("enum", index, i.enums.len()) };
        let Some(k) = e.keys.get(key) else { return index_err("enum key", key, e.keys.len()) };
        put(name, &k.0);
        set_opt(value, k.1);
        Ok(())
    })
}
