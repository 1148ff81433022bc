//! Every raw pointer a C caller passes becomes a reference here, and nowhere else.
//!
//! The exports are safe `extern "C" fn`s. What they are given (handles, strings, byte views,
//! arrays, output pointers) goes through the small functions of this module, which check what can
//! be checked — `NULL`, UTF-8, lengths — and, for the rest, hold the C caller to the contract the
//! header states in its conventions (`capi/cbindgen.toml`):
//!
//! - a handle pointer is `NULL` or points at a live handle of its type: one the library returned
//!   and that was not freed yet, or one lent for the duration of a callback or borrowed from a
//!   value that is still alive;
//! - a call that changes a handle (`qtro_node_config *`, `qtro_class *`, a container
//!   `qtro_value *`, `qtro_invocation *`) has it to itself: no other call uses it meanwhile;
//! - a `const char *` is a NUL-terminated string, a `(pointer, length)` pair is readable for
//!   `length` elements, an output pointer is writable, a callback table holds `NULL`s or
//!   functions of the declared types, a handle is freed at most once.
//!
//! Each `unsafe` block below says which of these promises it relies on. The functions are safe
//! to call because their only callers are the exports, passing the pointers their C caller gave
//! them (and this crate's tests, which keep the same contract) — the model of rustls-ffi's
//! `ffi.rs`.
//!
//! Handles are all owned the same way: [`new_handle`] gives C a `Box` (released by
//! [`take_handle`] in the matching `qtro_*_free`), and [`lend`] a view of something the library
//! owns (a callback argument, an element inside a value), which C never frees. With a single
//! kind of owned handle (no reference-counted or borrowed-only handle types), the ownership kind
//! needs no type of its own: [`Handle`] only ties each C type to the Rust value behind it.

use std::ffi::{c_char, CStr, CString};
use std::ptr::NonNull;

use super::qtro_result::*;
use super::{err, Error, Result};

/// A C handle type and the Rust value its pointers point at.
///
/// Most handles are the Rust struct itself (`Target = Self`); `qtro_value` is an opaque name for
/// `qtro_rs::core::Value`. Casting through this trait keeps every pointer cast between a handle
/// and its own target, never between unrelated types.
pub(crate) trait Handle {
    /// What a `*const Self` points at.
    type Target;
}

/// The error for a required pointer argument that is `NULL`.
pub(crate) fn null_argument(name: &str) -> Error {
    Error::new(QTRO_ERR_NULL_ARGUMENT, format!("argument `{name}` is NULL"))
}

// ---- handles -------------------------------------------------------------------------------------

/// A new owned handle for C: the caller releases it with the matching `qtro_*_free`.
pub(crate) fn new_handle<H: Handle>(target: H::Target) -> *mut H {
    Box::into_raw(Box::new(target)).cast()
}

/// A handle lent to C: it points at `target`, which the library keeps owning; valid while
/// `target` is (the header says how long for each function and callback that gives one).
pub(crate) fn lend<H: Handle>(target: &H::Target) -> *const H {
    (target as *const H::Target).cast()
}

/// Like [`lend`], for a handle the callee may change (the invocation of an `invoked` callback).
pub(crate) fn lend_mut<H: Handle>(target: &mut H::Target) -> *mut H {
    (target as *mut H::Target).cast()
}

/// Borrows the target of a handle argument that may be `NULL`.
pub(crate) fn opt_handle<'a, H: Handle>(handle: *const H) -> Option<&'a H::Target> {
    // SAFETY: per the header, a handle pointer is NULL (`as_ref` gives None) or points at a live
    // handle of type `H`, which `new_handle`/`lend` made from an `H::Target`; nothing changes it
    // during this call (calls that change a handle have it to themselves).
    unsafe { handle.cast::<H::Target>().as_ref() }
}

/// Borrows the target of a required handle argument (`QTRO_ERR_NULL_ARGUMENT` for `NULL`).
pub(crate) fn handle<'a, H: Handle>(handle: *const H, name: &str) -> Result<&'a H::Target> {
    opt_handle(handle).ok_or_else(|| null_argument(name))
}

/// Borrows the target of a required handle argument that the call changes.
pub(crate) fn handle_mut<'a, H: Handle>(handle: *mut H, name: &str) -> Result<&'a mut H::Target> {
    // SAFETY: as for `opt_handle`; and a call that changes a handle has it to itself (header
    // conventions), so this is the only reference to it while the call runs.
    unsafe { handle.cast::<H::Target>().as_mut() }.ok_or_else(|| null_argument(name))
}

/// Takes back an owned handle given to a `qtro_*_free` function (`None` for `NULL`). The C
/// caller does not use the pointer again.
pub(crate) fn take_handle<H: Handle>(handle: *mut H) -> Option<Box<H::Target>> {
    if handle.is_null() {
        return None;
    }
    // SAFETY: a non-NULL pointer passed to a `qtro_*_free` function is an owned handle, made by
    // `new_handle` from a `Box<H::Target>`, and freed once (header conventions); the caller does
    // not use it afterwards, so the box is ours again.
    Some(unsafe { Box::from_raw(handle.cast::<H::Target>()) })
}

// ---- plain data ----------------------------------------------------------------------------------

/// Borrows a struct argument that may be `NULL` (the callback tables).
pub(crate) fn opt_arg<'a, T>(arg: *const T) -> Option<&'a T> {
    // SAFETY: a pointer to a struct argument is NULL (None) or points at a valid, initialized `T`
    // for the duration of the call (header conventions).
    unsafe { arg.as_ref() }
}

/// Borrows an array argument of `len` elements; `None` when it is `NULL` but `len` is not 0.
/// `NULL` with `len` 0 is the empty array.
pub(crate) fn slice<'a, T>(data: *const T, len: usize) -> Option<&'a [T]> {
    if len == 0 {
        return Some(&[]);
    }
    if data.is_null() {
        return None;
    }
    // SAFETY: a `(pointer, length)` argument is readable for `length` initialized elements and
    // not changed during the call (header conventions); the pointer is not NULL, and a C array
    // of `len` elements cannot exceed `isize::MAX` bytes.
    Some(unsafe { std::slice::from_raw_parts(data, len) })
}

/// A `(pointer, length)` byte argument; `NULL` is allowed when `len` is 0.
pub(crate) fn bytes_arg<'a>(data: *const u8, len: usize, name: &str) -> Result<&'a [u8]> {
    slice(data, len)
        .ok_or_else(|| Error::new(QTRO_ERR_NULL_ARGUMENT, format!("argument `{name}` is NULL but its length is {len}")))
}

/// A `(pointer, length)` UTF-8 argument; `NULL` is allowed when `len` is 0.
pub(crate) fn utf8_arg<'a>(data: *const c_char, len: usize, name: &str) -> Result<&'a str> {
    std::str::from_utf8(bytes_arg(data.cast(), len, name)?).map_err(|_| not_utf8(name))
}

fn not_utf8(name: &str) -> Error {
    Error::new(QTRO_ERR_INVALID_ARGUMENT, format!("argument `{name}` is not valid UTF-8"))
}

/// An optional NUL-terminated UTF-8 string argument (`NULL` gives `None`).
pub(crate) fn opt_cstr<'a>(s: *const c_char, name: &str) -> Result<Option<&'a str>> {
    if s.is_null() {
        return Ok(None);
    }
    // SAFETY: a non-NULL `const char *` argument is a NUL-terminated string that stays unchanged
    // during the call (header conventions).
    let s = unsafe { CStr::from_ptr(s) };
    s.to_str().map(Some).map_err(|_| not_utf8(name))
}

/// A required NUL-terminated UTF-8 string argument.
pub(crate) fn cstr<'a>(s: *const c_char, name: &str) -> Result<&'a str> {
    opt_cstr(s, name)?.ok_or_else(|| null_argument(name))
}

// ---- outputs -------------------------------------------------------------------------------------

/// A required output argument, checked for `NULL` before the call does its work.
pub(crate) struct Out<T: Copy>(NonNull<T>);

impl<T: Copy> Out<T> {
    /// Writes the output. The previous contents are neither read nor dropped (they may be
    /// uninitialized; `T: Copy` has nothing to drop).
    pub(crate) fn set(&self, value: T) {
        // SAFETY: an output pointer is writable for one `T` and aligned (header conventions); it
        // is not NULL (checked by `out_ptr`).
        unsafe { self.0.as_ptr().write(value) }
    }
}

/// Checks a required output argument (`QTRO_ERR_NULL_ARGUMENT` for `NULL`).
pub(crate) fn out_ptr<T: Copy>(out: *mut T, name: &str) -> Result<Out<T>> {
    NonNull::new(out).map(Out).ok_or_else(|| null_argument(name))
}

/// A required output argument that receives a new handle (or string): set to `NULL` at once, so
/// that it holds `NULL` whenever the call fails.
pub(crate) fn out_new<T>(out: *mut *mut T, name: &str) -> Result<Out<*mut T>> {
    let out = out_ptr(out, name)?;
    out.set(std::ptr::null_mut());
    Ok(out)
}

/// An optional output argument: `None` when it is `NULL`.
pub(crate) fn opt_out_ptr<T: Copy>(out: *mut T) -> Option<Out<T>> {
    NonNull::new(out).map(Out)
}

/// Writes an optional output argument: nothing when it is `NULL`. For values that own nothing
/// (numbers, flags, borrowed pointers); a new handle or string goes through [`opt_out_ptr`], so
/// that it is not made when nobody takes it.
pub(crate) fn set_opt<T: Copy>(out: *mut T, value: T) {
    if let Some(out) = opt_out_ptr(out) {
        out.set(value);
    }
}

/// Copies `src` into the caller's array `dst` of `capacity` elements, at most `capacity` of
/// them; returns how many. `dst` may be `NULL` when nothing is copied.
pub(crate) fn copy_out<T: Copy>(dst: *mut T, capacity: usize, src: &[T], name: &str) -> Result<usize> {
    let n = src.len().min(capacity);
    if n == 0 {
        return Ok(0);
    }
    if dst.is_null() {
        return Err(null_argument(name));
    }
    // SAFETY: the export's contract makes `dst` writable for `capacity` elements (its capacity
    // argument or the fixed size the header gives), and `n <= capacity`; caller memory does not
    // overlap `src`, which the library owns.
    unsafe { std::ptr::copy_nonoverlapping(src.as_ptr(), dst, n) };
    Ok(n)
}

/// Copies `s` into the caller's buffer of `capacity` bytes as a NUL-terminated string,
/// truncated to `capacity - 1` bytes. Nothing is written when `capacity` is 0.
pub(crate) fn copy_c_string(buffer: *mut c_char, capacity: usize, s: &str) -> Result<()> {
    if capacity == 0 {
        return Ok(());
    }
    if buffer.is_null() {
        return err(QTRO_ERR_NULL_ARGUMENT, "argument `buffer` is NULL but capacity is not 0");
    }
    let n = s.len().min(capacity - 1);
    // SAFETY: `buffer` is writable for `capacity` bytes (the function's contract) and
    // `n + 1 <= capacity`; it does not overlap `s`, which the library owns.
    unsafe {
        std::ptr::copy_nonoverlapping(s.as_ptr(), buffer.cast::<u8>(), n);
        buffer.add(n).write(0);
    }
    Ok(())
}

/// Writes a borrowed byte view into two output pointers. The pointer is never `NULL`, also for
/// empty data, so callers may use it directly.
pub(crate) fn out_bytes(data: *mut *const u8, len: *mut usize, bytes: &[u8]) -> Result<()> {
    let d = out_ptr(data, "data")?;
    let l = out_ptr(len, "len")?;
    d.set(if bytes.is_empty() { c"".as_ptr().cast() } else { bytes.as_ptr() });
    l.set(bytes.len());
    Ok(())
}

/// Writes a borrowed UTF-8 view (not NUL-terminated) into two output pointers.
pub(crate) fn out_str(data: *mut *const c_char, len: *mut usize, s: &str) -> Result<()> {
    out_bytes(data.cast(), len, s.as_bytes())
}

// ---- memory handed to C --------------------------------------------------------------------------

/// A NUL-terminated copy of `s` owned by C, freed with `qtro_string_free` ([`free_c_string`]).
/// Interior NULs are escaped as `\0`.
pub(crate) fn c_string_out(s: &str) -> *mut c_char {
    super::to_cstring(s).into_raw()
}

/// Frees a string made by [`c_string_out`]; `NULL` is a no-op.
pub(crate) fn free_c_string(s: *mut c_char) {
    if s.is_null() {
        return;
    }
    // SAFETY: `qtro_string_free` takes only strings the library returned as `char *`, made by
    // `c_string_out` with `CString::into_raw`, each freed once (its contract).
    drop(unsafe { CString::from_raw(s) });
}

/// Bytes owned by C, freed with `qtro_bytes_free` ([`free_bytes`]): their pointer and length.
pub(crate) fn bytes_out(bytes: Vec<u8>) -> (*mut u8, usize) {
    let boxed = bytes.into_boxed_slice();
    let len = boxed.len();
    (Box::into_raw(boxed).cast(), len)
}

/// Frees bytes made by [`bytes_out`]; `NULL` is a no-op.
pub(crate) fn free_bytes(data: *mut u8, len: usize) {
    if data.is_null() {
        return;
    }
    // SAFETY: `qtro_bytes_free` takes only the pointer and length `bytes_out` gave (its
    // contract): a leaked `Box<[u8]>` of exactly `len` bytes, freed once.
    drop(unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(data, len)) });
}
