//! The C ABI of `libqtro_rs` (`include/qtro_rs.h`, generated from this module by cbindgen).
//!
//! Design rules, enforced in every exported function:
//!
//! - **Opaque handles** (`qtro_node`, `qtro_source`, `qtro_replica`, `qtro_value`, …) created by
//!   `qtro_*_new`/`qtro_node_enable_source`/`qtro_node_acquire` and released by the matching
//!   `qtro_*_free`. Freeing `NULL` is a no-op.
//! - **Result codes**: fallible functions return a `qtro_result`; on failure a readable message
//!   is kept per thread (`qtro_last_error_message`). Functions returning a pointer return `NULL`
//!   on failure and set the message too.
//! - **No unwinding across the ABI**: every export runs under `catch_unwind`; a Rust panic becomes
//!   `QTRO_ERR_PANIC`.
//! - **Null-checked arguments**, UTF-8-checked strings, range-checked enumerations.
//! - **Safe exports**: every export is a safe `extern "C" fn`; the raw pointers it is given are
//!   turned into references by the small functions of `cast`, whose `unsafe` blocks rely on the
//!   pointer contract the header states (`capi/cbindgen.toml`). Calls into the application's
//!   callbacks are the only other unsafe operations, each with its `SAFETY:` comment.
//! - **No call blocks forever**: every blocking call takes a timeout in milliseconds.
//! - **Threads**: each node owns a tokio runtime (its worker threads run the network I/O). Callbacks
//!   of a node run either on the node's own dispatch thread (`QTRO_DISPATCH_THREAD`) or on the
//!   thread that calls `qtro_node_dispatch` (`QTRO_DISPATCH_POLL`, with a pollable event fd), one
//!   at a time, never concurrently for one node.
//!
//! Modules, one per C object family, without cycles between them: `value` and `gui` (values),
//! `interface` (interface snapshots), `class` (class definitions, using `interface`), `dispatch`
//! (a node's runtime, event queue and callback delivery), `node` (nodes and their configuration,
//! on `dispatch`), `replica` and `source` (on `node`, `dispatch` and `class`), `model` (item
//! models, on `node` and `dispatch`), `log`; `cast` and
//! this root hold what they all share.

#![allow(non_camel_case_types)]
// Unsafe operations sit in small `unsafe {}` blocks, each with a `// SAFETY:` comment (CI runs
// clippy with `-D warnings`); the exports themselves are safe functions (see `cast`).
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(clippy::undocumented_unsafe_blocks)]

use std::cell::RefCell;
use std::ffi::{c_char, c_int, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};

mod cast;
mod class;
mod dispatch;
mod gui;
mod interface;
mod log;
mod model;
mod node;
mod replica;
mod source;
mod value;

pub use class::*;
pub use dispatch::*;
pub use interface::*;
pub use log::*;
pub use model::*;
pub use node::*;
pub use replica::*;
pub use source::*;
pub use value::*;

/// Version of the C ABI described by `qtro_rs.h`. Incremented on every incompatible change;
/// compare it with `qtro_abi_version` at run time.
pub const QTRO_ABI_VERSION: u32 = 1;

/// Result of a fallible call. `QTRO_OK` is zero; every other value is an error whose details are
/// in `qtro_last_error_message`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum qtro_result {
    /// Success.
    QTRO_OK = 0,
    /// A required pointer argument was `NULL`.
    QTRO_ERR_NULL_ARGUMENT = 1,
    /// An argument is invalid: a string that is not UTF-8, an unknown enumeration constant, a value
    /// of the wrong kind for the operation, an index out of range…
    QTRO_ERR_INVALID_ARGUMENT = 2,
    /// The value does not hold the requested type (accessors), or does not fit the requested type.
    QTRO_ERR_TYPE_MISMATCH = 3,
    /// No property, signal or slot of that name; no such index.
    QTRO_ERR_NOT_FOUND = 4,
    /// The URL is malformed or uses an unsupported scheme.
    QTRO_ERR_BAD_URL = 5,
    /// An operating-system error (listening failed, address in use, …).
    QTRO_ERR_IO = 6,
    /// Already done: the node already listens, the source name is taken, the call was answered.
    QTRO_ERR_ALREADY = 7,
    /// The timeout passed before the operation completed.
    QTRO_ERR_TIMEOUT = 8,
    /// The replica is not (or not yet) connected to its source.
    QTRO_ERR_NOT_CONNECTED = 9,
    /// The connection to the source was lost before the reply arrived.
    QTRO_ERR_CONNECTION_LOST = 10,
    /// The node was shut down (`qtro_node_free`); the handle is inert.
    QTRO_ERR_SHUTDOWN = 11,
    /// The operation does not apply to this node's dispatch mode.
    QTRO_ERR_WRONG_MODE = 12,
    /// The call is not allowed on this thread (e.g. a blocking call from a logging callback, or a
    /// nested `qtro_node_dispatch` from inside a callback).
    QTRO_ERR_WRONG_THREAD = 13,
    /// A `.rep` text failed to parse, or names no such class; a value's text
    /// (`qtro_value_from_string`) is not well-formed.
    QTRO_ERR_PARSE = 14,
    /// A protocol-level failure (encoding a value, host core error).
    QTRO_ERR_PROTOCOL = 15,
    /// Not supported on this platform or build.
    QTRO_ERR_UNSUPPORTED = 16,
    /// A Rust panic was caught at the ABI boundary (a bug in libqtro_rs; please report it).
    QTRO_ERR_PANIC = 17,
    /// A static replica's host offers the object with another signature than its class's
    /// (the message gives both); nothing is sent to that host.
    QTRO_ERR_SIGNATURE_MISMATCH = 18,
    /// Not known yet (an item model replica's cache): it was asked for, and a callback
    /// (`data_changed`, `rows_inserted`, `header_data_changed`) tells when it arrived.
    QTRO_PENDING = 19,
}

use qtro_result::*;

/// An error on its way to the C caller.
#[derive(Debug)]
pub(crate) struct Error {
    pub(crate) code: qtro_result,
    pub(crate) message: String,
}

impl Error {
    pub(crate) fn new(code: qtro_result, message: impl Into<String>) -> Error {
        Error { code, message: message.into() }
    }
}

pub(crate) type Result<T> = std::result::Result<T, Error>;

pub(crate) fn err<T>(code: qtro_result, message: impl Into<String>) -> Result<T> {
    Err(Error::new(code, message))
}

impl From<qtro_rs::node::NodeError> for Error {
    fn from(e: qtro_rs::node::NodeError) -> Error {
        use qtro_rs::core::CallError;
        use qtro_rs::node::NodeError as N;
        let code = match &e {
            N::Url(_) => QTRO_ERR_BAD_URL,
            N::Listen { .. } => QTRO_ERR_IO,
            N::AlreadyListening(_) => QTRO_ERR_ALREADY,
            N::Host(h) => {
                use qtro_rs::core::HostError as H;
                match h {
                    H::UnknownSource(_) | H::BadIndex { .. } => QTRO_ERR_NOT_FOUND,
                    H::DuplicateSource(_) => QTRO_ERR_ALREADY,
                    H::Arguments { error, .. } if matches!(**error, qtro_rs::core::ArgumentError::Count { .. }) => {
                        QTRO_ERR_INVALID_ARGUMENT
                    }
                    H::ValueCount { .. } | H::InitTooLarge { .. } => QTRO_ERR_INVALID_ARGUMENT,
                    H::Arguments { .. } | H::PropertyType { .. } => QTRO_ERR_TYPE_MISMATCH,
                    H::Encode(_) => QTRO_ERR_PROTOCOL,
                    // `HostError` is `#[non_exhaustive]`; the message says what happened.
                    _ => QTRO_ERR_PROTOCOL,
                }
            }
            N::Call(c) => match c {
                CallError::UnknownReplica(_) => QTRO_ERR_NOT_FOUND,
                CallError::NotConnected(_) => QTRO_ERR_NOT_CONNECTED,
                CallError::SignatureMismatch { .. } => QTRO_ERR_SIGNATURE_MISMATCH,
                CallError::ConnectionLost(_) => QTRO_ERR_CONNECTION_LOST,
                CallError::BadIndex { .. } => QTRO_ERR_NOT_FOUND,
                CallError::Encode(_) => QTRO_ERR_PROTOCOL,
                // `CallError` is `#[non_exhaustive]`; the message says what happened.
                _ => QTRO_ERR_PROTOCOL,
            },
            N::UnknownMember { .. } => QTRO_ERR_NOT_FOUND,
            N::Arguments { error, .. } if matches!(**error, qtro_rs::core::ArgumentError::Count { .. }) => {
                QTRO_ERR_INVALID_ARGUMENT
            }
            N::Arguments { .. } | N::PropertyType { .. } => QTRO_ERR_TYPE_MISMATCH,
            N::Timeout { .. } | N::NotOffered { .. } => QTRO_ERR_TIMEOUT,
            N::Shutdown => QTRO_ERR_SHUTDOWN,
            N::Model(m) => {
                use qtro_rs::core::model::ModelError as M;
                match m {
                    M::NoSuchIndex(_) | M::UnknownRole(_) => QTRO_ERR_NOT_FOUND,
                    M::ReadOnly { .. } => QTRO_ERR_INVALID_ARGUMENT,
                    _ => QTRO_ERR_PROTOCOL,
                }
            }
            // A kind of error newer than this mapping (`NodeError` is non-exhaustive): the
            // message says what it is.
            _ => QTRO_ERR_PROTOCOL,
        };
        Error::new(code, e.to_string())
    }
}

thread_local! {
    static LAST_ERROR: RefCell<CString> = RefCell::new(CString::default());
}

pub(crate) fn set_last_error(message: &str) {
    let c = CString::new(message.replace('\0', "\\0")).unwrap_or_default();
    let _ = LAST_ERROR.try_with(|e| *e.borrow_mut() = c);
}

fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".to_owned()
    }
}

/// Runs an export body: catches panics and records errors.
pub(crate) fn guard(f: impl FnOnce() -> Result<()>) -> qtro_result {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(())) => QTRO_OK,
        Ok(Err(e)) => {
            set_last_error(&e.message);
            e.code
        }
        Err(p) => {
            set_last_error(&format!("internal error (panic): {}", panic_message(&*p)));
            QTRO_ERR_PANIC
        }
    }
}

/// Like `guard` for functions returning a pointer: `NULL` on failure.
pub(crate) fn guard_ptr<T>(f: impl FnOnce() -> Result<*mut T>) -> *mut T {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(p)) => p,
        Ok(Err(e)) => {
            set_last_error(&e.message);
            std::ptr::null_mut()
        }
        Err(p) => {
            set_last_error(&format!("internal error (panic): {}", panic_message(&*p)));
            std::ptr::null_mut()
        }
    }
}

/// Like `guard` for functions returning a plain value: `fallback` on panic.
pub(crate) fn guard_value<T>(fallback: T, f: impl FnOnce() -> T) -> T {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(v) => v,
        Err(p) => {
            set_last_error(&format!("internal error (panic): {}", panic_message(&*p)));
            fallback
        }
    }
}

/// A `CString` for borrowed C views; interior NULs are escaped.
pub(crate) fn to_cstring(s: &str) -> CString {
    CString::new(s.replace('\0', "\\0")).unwrap_or_default()
}

/// Milliseconds to a duration.
pub(crate) fn millis(ms: u32) -> std::time::Duration {
    std::time::Duration::from_millis(ms as u64)
}

// ---- library-wide exports ------------------------------------------------------------------

/// The ABI version this library implements (`QTRO_ABI_VERSION` of the header it was built
/// with). A program should refuse to run when it differs from the `QTRO_ABI_VERSION` it was
/// compiled against.
#[no_mangle]
pub extern "C" fn qtro_abi_version() -> u32 {
    QTRO_ABI_VERSION
}

/// The library version, e.g. `"0.1.0"`. Static storage: never free it.
#[no_mangle]
pub extern "C" fn qtro_version_string() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr() as *const c_char
}

/// A static, human-readable name for a result code (`"QTRO_ERR_TIMEOUT"`). Never `NULL`; unknown
/// codes give `"QTRO_ERR_UNKNOWN"`. Never free it.
#[no_mangle]
pub extern "C" fn qtro_result_name(result: c_int) -> *const c_char {
    // Taken as an integer, not as the enum: a C caller may pass any int, and an out-of-range
    // value in a Rust enum would be undefined behaviour (the optimiser may drop the fallback).
    let name: &'static str = match result {
        0 => "QTRO_OK\0",
        1 => "QTRO_ERR_NULL_ARGUMENT\0",
        2 => "QTRO_ERR_INVALID_ARGUMENT\0",
        3 => "QTRO_ERR_TYPE_MISMATCH\0",
        4 => "QTRO_ERR_NOT_FOUND\0",
        5 => "QTRO_ERR_BAD_URL\0",
        6 => "QTRO_ERR_IO\0",
        7 => "QTRO_ERR_ALREADY\0",
        8 => "QTRO_ERR_TIMEOUT\0",
        9 => "QTRO_ERR_NOT_CONNECTED\0",
        10 => "QTRO_ERR_CONNECTION_LOST\0",
        11 => "QTRO_ERR_SHUTDOWN\0",
        12 => "QTRO_ERR_WRONG_MODE\0",
        13 => "QTRO_ERR_WRONG_THREAD\0",
        14 => "QTRO_ERR_PARSE\0",
        15 => "QTRO_ERR_PROTOCOL\0",
        16 => "QTRO_ERR_UNSUPPORTED\0",
        17 => "QTRO_ERR_PANIC\0",
        18 => "QTRO_ERR_SIGNATURE_MISMATCH\0",
        19 => "QTRO_PENDING\0",
        _ => "QTRO_ERR_UNKNOWN\0",
    };
    name.as_ptr() as *const c_char
}

/// The message of the last failed call on the calling thread (`""` if none). The pointer stays
/// valid until the next failing `qtro_*` call on this thread; copy it to keep it. Never free it.
#[no_mangle]
pub extern "C" fn qtro_last_error_message() -> *const c_char {
    guard_value(c"".as_ptr(), || LAST_ERROR.try_with(|e| e.borrow().as_ptr()).unwrap_or(c"".as_ptr()))
}

/// Clears the calling thread's last error message.
#[no_mangle]
pub extern "C" fn qtro_clear_last_error() {
    set_last_error("");
}

/// Frees a string returned by the library (`char **` outputs, `char *` results). `NULL` is a
/// no-op.
///
/// # Safety
/// `s` is `NULL` or a string this library returned to be freed by the caller, not freed yet.
#[no_mangle]
pub extern "C" fn qtro_string_free(s: *mut c_char) {
    guard_value((), || cast::free_c_string(s))
}
