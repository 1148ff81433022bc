//! Classes (`qtro_class`): interfaces defined member by member at run time or parsed from
//! `.rep` text, for hosting sources and acquiring replicas of a known class.

use std::ffi::{c_char, c_int};

use super::cast::{
    cstr, handle, handle_mut, new_handle, null_argument, opt_cstr, opt_handle, out_new, out_ptr, slice, take_handle,
    Handle,
};
use super::interface::{interface_of, qtro_interface};
use super::node::{dialect_of, qtro_dialect};
use super::qtro_result::{self, *};
use super::value::qtro_value;
use super::{err, guard, guard_ptr, guard_value, Error, Result};
use qtro_rs::core::{ClassBuilder, EnumDef, PropertyMode, SourceClass, Value};
use qtro_rs::node::coerce;

/// How a property may change (as in `.rep` files).
pub type qtro_property_mode = c_int;
/// Fixed at construction; no notify signal.
pub const QTRO_PROPERTY_CONSTANT: qtro_property_mode = 0;
/// Changed by the source only.
pub const QTRO_PROPERTY_READ_ONLY: qtro_property_mode = 1;
/// Replicas request changes through a `push<Name>` slot (the .rep default).
pub const QTRO_PROPERTY_READ_PUSH: qtro_property_mode = 2;
/// Replicas write it directly.
pub const QTRO_PROPERTY_READ_WRITE: qtro_property_mode = 3;
/// Changed by the source only (public setter on the source side).
pub const QTRO_PROPERTY_SOURCE_ONLY_SETTER: qtro_property_mode = 4;

/// A parameter of a signal or slot: name and normalized C++ type name (`"int"`, `"QString"`).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct qtro_param {
    pub name: *const c_char,
    pub type_name: *const c_char,
}

/// A key of an enum.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct qtro_enum_key {
    pub name: *const c_char,
    pub value: i32,
}

enum ClassSpec {
    Builder(ClassBuilder),
    Built(SourceClass),
}

/// A class (interface) definition: properties, signals, slots, enums. Built member by member
/// (`qtro_class_new` + `qtro_class_add_*`) or parsed from `.rep` text (`qtro_class_from_rep`).
/// Members keep their declaration order, which decides the wire indexes as repc does.
pub struct qtro_class {
    spec: ClassSpec,
}

impl Handle for qtro_class {
    type Target = qtro_class;
}

impl qtro_class {
    pub(crate) fn build(&self) -> SourceClass {
        match &self.spec {
            ClassSpec::Builder(b) => b.clone().build(),
            ClassSpec::Built(c) => c.clone(),
        }
    }

    fn builder(&mut self) -> Result<&mut ClassBuilder> {
        match &mut self.spec {
            ClassSpec::Builder(b) => Ok(b),
            ClassSpec::Built(_) => err(QTRO_ERR_INVALID_ARGUMENT, "a class parsed from .rep text cannot be extended"),
        }
    }

    fn edit(&mut self, f: impl FnOnce(ClassBuilder) -> ClassBuilder) -> Result<()> {
        let b = self.builder()?;
        *b = f(std::mem::take(b));
        Ok(())
    }
}

/// A new, empty class named `type_name` (the "RemoteObject Type" Qt replicas see). Free with
/// `qtro_class_free`. `NULL` on error.
#[no_mangle]
pub extern "C" fn qtro_class_new(type_name: *const c_char) -> *mut qtro_class {
    guard_ptr(|| {
        Ok(new_handle(qtro_class { spec: ClassSpec::Builder(ClassBuilder::new(cstr(type_name, "type_name")?)) }))
    })
}

/// Parses `rep_text` (the contents of a `.rep` file) and returns class `class_name` with the
/// signature stock repc computes for `dialect`, so static Qt replicas generated from the same file
/// accept it. `QTRO_ERR_PARSE` with a line:column message on syntax errors.
#[no_mangle]
pub extern "C" fn qtro_class_from_rep(
    rep_text: *const c_char,
    class_name: *const c_char,
    dialect: qtro_dialect,
    out: *mut *mut qtro_class,
) -> qtro_result {
    guard(|| {
        let out = out_new(out, "out")?;
        let text = cstr(rep_text, "rep_text")?;
        let name = cstr(class_name, "class_name")?;
        let dialect = dialect_of(dialect)?;
        let file =
            qtro_rs::rep::parse(text).map_err(|e| Error::new(QTRO_ERR_PARSE, format!("invalid .rep text: {e}")))?;
        let class = qtro_rs::rep::source_class(&file, name, dialect)
            .ok_or_else(|| Error::new(QTRO_ERR_PARSE, format!("the .rep text has no class {name:?}")))?;
        out.set(new_handle(qtro_class { spec: ClassSpec::Built(class) }));
        Ok(())
    })
}

/// Frees a class. `NULL` is a no-op. Sources and replicas made from it keep their own copy.
#[no_mangle]
pub extern "C" fn qtro_class_free(cls: *mut qtro_class) {
    guard_value((), || drop(take_handle(cls)))
}

fn mode_of(mode: qtro_property_mode) -> Result<PropertyMode> {
    Ok(match mode {
        QTRO_PROPERTY_CONSTANT => PropertyMode::Constant,
        QTRO_PROPERTY_READ_ONLY => PropertyMode::ReadOnly,
        QTRO_PROPERTY_READ_PUSH => PropertyMode::ReadPush,
        QTRO_PROPERTY_READ_WRITE => PropertyMode::ReadWrite,
        QTRO_PROPERTY_SOURCE_ONLY_SETTER => PropertyMode::SourceOnlySetter,
        other => return err(QTRO_ERR_INVALID_ARGUMENT, format!("unknown qtro_property_mode {other}")),
    })
}

fn params_arg(params: *const qtro_param, count: usize) -> Result<Vec<(String, String)>> {
    let params = slice(params, count).ok_or_else(|| {
        Error::new(QTRO_ERR_NULL_ARGUMENT, format!("argument `params` is NULL but its count is {count}"))
    })?;
    params
        .iter()
        .enumerate()
        .map(|(i, p)| {
            Ok((
                opt_cstr(p.name, &format!("params[{i}].name"))?.unwrap_or("").to_owned(),
                cstr(p.type_name, &format!("params[{i}].type_name"))?.to_owned(),
            ))
        })
        .collect()
}

fn check_identifier(name: &str, what: &str) -> Result<()> {
    if name.is_empty()
        || !name.chars().all(|c| c.is_alphanumeric() || c == '_')
        || name.starts_with(|c: char| c.is_ascii_digit())
    {
        return err(QTRO_ERR_INVALID_ARGUMENT, format!("{what} {name:?} is not a C++ identifier"));
    }
    Ok(())
}

/// Adds a property of C++ type `type_name` with `mode` and a copy of `initial` (`NULL`: an
/// invalid value, i.e. the type's default for Qt peers). Non-CONSTANT properties get a
/// `<name>Changed` notify signal, READ_PUSH ones a `push<Name>` slot.
#[no_mangle]
pub extern "C" fn qtro_class_add_property(
    cls: *mut qtro_class,
    name: *const c_char,
    type_name: *const c_char,
    mode: qtro_property_mode,
    initial: *const qtro_value,
) -> qtro_result {
    guard(|| {
        let c = handle_mut(cls, "cls")?;
        let name = cstr(name, "name")?;
        let ty = cstr(type_name, "type_name")?;
        check_identifier(name, "property name")?;
        let mode = mode_of(mode)?;
        let initial = opt_handle(initial).map_or(Value::Invalid, Value::clone);
        let initial = coerce(initial, ty);
        c.edit(|b| b.property(name, ty, mode, initial))
    })
}

/// Adds a signal `name(params…)`.
#[no_mangle]
pub extern "C" fn qtro_class_add_signal(
    cls: *mut qtro_class,
    name: *const c_char,
    params: *const qtro_param,
    param_count: usize,
) -> qtro_result {
    guard(|| {
        let c = handle_mut(cls, "cls")?;
        let name = cstr(name, "name")?;
        check_identifier(name, "signal name")?;
        let params = params_arg(params, param_count)?;
        let p: Vec<(&str, &str)> = params.iter().map(|(n, t)| (n.as_str(), t.as_str())).collect();
        c.edit(|b| b.signal(name, &p))
    })
}

/// Adds a slot `return_type name(params…)` (`return_type` `NULL` or `"void"` for none).
#[no_mangle]
pub extern "C" fn qtro_class_add_slot(
    cls: *mut qtro_class,
    name: *const c_char,
    params: *const qtro_param,
    param_count: usize,
    return_type: *const c_char,
) -> qtro_result {
    guard(|| {
        let c = handle_mut(cls, "cls")?;
        let name = cstr(name, "name")?;
        check_identifier(name, "slot name")?;
        let params = params_arg(params, param_count)?;
        let ret = opt_cstr(return_type, "return_type")?.unwrap_or("void");
        let p: Vec<(&str, &str)> = params.iter().map(|(n, t)| (n.as_str(), t.as_str())).collect();
        c.edit(|b| b.slot(name, &p, ret))
    })
}

/// Adds an enum of the class; its values travel as integers of `size` bytes (1, 2 or 4).
#[no_mangle]
pub extern "C" fn qtro_class_add_enum(
    cls: *mut qtro_class,
    name: *const c_char,
    is_flag: bool,
    is_scoped: bool,
    size: u32,
    keys: *const qtro_enum_key,
    key_count: usize,
) -> qtro_result {
    guard(|| {
        let c = handle_mut(cls, "cls")?;
        let name = cstr(name, "name")?;
        check_identifier(name, "enum name")?;
        if ![1, 2, 4].contains(&size) {
            return err(QTRO_ERR_INVALID_ARGUMENT, format!("enum size must be 1, 2 or 4, not {size}"));
        }
        let keys = slice(keys, key_count)
            .ok_or_else(|| null_argument("keys"))?
            .iter()
            .enumerate()
            .map(|(i, k)| Ok((cstr(k.name, &format!("keys[{i}].name"))?.to_owned(), k.value)))
            .collect::<Result<Vec<_>>>()?;
        let def = EnumDef { name: name.to_owned(), is_flag, is_scoped, size, keys };
        c.edit(|b| b.enumeration(def))
    })
}

/// Sets the signature advertised to static Qt replicas (`NULL`: none, which disables their
/// check). Classes from `qtro_class_from_rep` already carry repc's signature.
#[no_mangle]
pub extern "C" fn qtro_class_set_signature(cls: *mut qtro_class, signature: *const c_char) -> qtro_result {
    guard(|| {
        let c = handle_mut(cls, "cls")?;
        let sig = opt_cstr(signature, "signature")?.map(str::to_owned);
        match &mut c.spec {
            ClassSpec::Builder(b) => {
                *b = std::mem::take(b).signature(sig);
            }
            ClassSpec::Built(s) => s.signature = sig,
        }
        Ok(())
    })
}

/// The interface the class defines (as dynamic replicas will see it), in `*interface`; free it
/// with `qtro_interface_free`.
#[no_mangle]
pub extern "C" fn qtro_class_interface(cls: *const qtro_class, interface: *mut *mut qtro_interface) -> qtro_result {
    guard(|| {
        let c = handle(cls, "cls")?;
        let out = out_ptr(interface, "interface")?;
        out.set(new_handle(interface_of(&c.build().definition)));
        Ok(())
    })
}
