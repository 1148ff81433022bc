//! Forwarding the library's `tracing` events to a C callback.

use std::cell::Cell;
use std::ffi::{c_char, c_int, c_void};
use std::fmt::Write as _;
use std::sync::atomic::{AtomicI32, AtomicU64, Ordering};
use std::sync::{OnceLock, RwLock};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Event, Level, Metadata, Subscriber};

use super::dispatch::UserData;
use super::qtro_result::{self, *};
use super::{err, guard, to_cstring};

/// Severity of a log message; also the maximum level passed to `qtro_set_log_callback`.
pub type qtro_log_level = c_int;
/// No messages.
pub const QTRO_LOG_OFF: qtro_log_level = 0;
pub const QTRO_LOG_ERROR: qtro_log_level = 1;
pub const QTRO_LOG_WARN: qtro_log_level = 2;
pub const QTRO_LOG_INFO: qtro_log_level = 3;
pub const QTRO_LOG_DEBUG: qtro_log_level = 4;
pub const QTRO_LOG_TRACE: qtro_log_level = 5;

/// Receives a log message: its level, target (the Rust module, e.g. `"qtro_rs::node::engine"`)
/// and text with its fields (`"cannot send the reply: … source=Simple"`), both borrowed for the
/// call. Runs on whichever library thread logs (often a network worker), possibly on several
/// threads at once: it must be thread-safe, return quickly, and not call `qtro_*` functions that
/// block (they fail with `QTRO_ERR_WRONG_THREAD` there).
pub type qtro_log_cb = Option<
    unsafe extern "C" fn(user_data: *mut c_void, level: qtro_log_level, target: *const c_char, message: *const c_char),
>;

struct Sink {
    cb: unsafe extern "C" fn(*mut c_void, qtro_log_level, *const c_char, *const c_char),
    user_data: UserData,
}

static SINK: RwLock<Option<Sink>> = RwLock::new(None);
static MAX_LEVEL: AtomicI32 = AtomicI32::new(QTRO_LOG_OFF);
static INSTALLED: OnceLock<std::result::Result<(), String>> = OnceLock::new();

fn level_of(l: &Level) -> qtro_log_level {
    match *l {
        Level::ERROR => QTRO_LOG_ERROR,
        Level::WARN => QTRO_LOG_WARN,
        Level::INFO => QTRO_LOG_INFO,
        Level::DEBUG => QTRO_LOG_DEBUG,
        _ => QTRO_LOG_TRACE,
    }
}

thread_local! {
    static IN_CALLBACK: Cell<bool> = const { Cell::new(false) };
}

/// Formats an event's fields: the message first, then `key=value` pairs.
#[derive(Default)]
struct Text {
    message: String,
    fields: String,
}

impl Visit for Text {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message.push_str(value);
        } else {
            let _ = write!(self.fields, " {}={}", field.name(), value);
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.message, "{value:?}");
        } else {
            let _ = write!(self.fields, " {}={:?}", field.name(), value);
        }
    }
}

/// The subscriber installed as the global default of this library's `tracing`.
struct CLogger {
    next_span: AtomicU64,
}

impl Subscriber for CLogger {
    fn register_callsite(&self, _: &'static Metadata<'static>) -> Interest {
        // Levels change at run time: ask `enabled` every time.
        Interest::sometimes()
    }

    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        level_of(metadata.level()) <= MAX_LEVEL.load(Ordering::Relaxed)
    }

    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(self.next_span.fetch_add(1, Ordering::Relaxed))
    }

    fn record(&self, _: &Id, _: &Record<'_>) {}

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        if IN_CALLBACK.with(|c| c.replace(true)) {
            return; // the callback itself logged: drop it rather than recurse
        }
        let _reset = Reset;
        let guard = SINK.read().unwrap_or_else(|e| e.into_inner());
        let Some(sink) = guard.as_ref() else { return };
        let meta = event.metadata();
        let mut text = Text::default();
        event.record(&mut text);
        text.message.push_str(&text.fields);
        let target = to_cstring(meta.target());
        let message = to_cstring(&text.message);
        // SAFETY: `cb` is the `qtro_log_cb` the application installed with its `user_data`; the
        // header makes it callable from any library thread; `target` and `message` are
        // NUL-terminated strings that live until it returns.
        unsafe { (sink.cb)(sink.user_data.0, level_of(meta.level()), target.as_ptr(), message.as_ptr()) };
    }

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}

struct Reset;

impl Drop for Reset {
    fn drop(&mut self) {
        IN_CALLBACK.with(|c| c.set(false));
    }
}

/// Sends the library's log messages up to `max_level` (`QTRO_LOG_ERROR` … `QTRO_LOG_TRACE`) to
/// `callback` with `user_data`; `NULL` or `QTRO_LOG_OFF` turns logging off. Process-wide; may be
/// called again to change the callback or level. After it returns the previous callback is no
/// longer called. Installs the library's `tracing` subscriber on first use (`QTRO_ERR_ALREADY` if
/// another global subscriber was installed in the same library instance).
#[no_mangle]
pub extern "C" fn qtro_set_log_callback(
    callback: qtro_log_cb,
    user_data: *mut c_void,
    max_level: qtro_log_level,
) -> qtro_result {
    guard(|| {
        if IN_CALLBACK.with(|c| c.get()) {
            return err(QTRO_ERR_WRONG_THREAD, "qtro_set_log_callback cannot be called from inside the log callback");
        }
        if !(QTRO_LOG_OFF..=QTRO_LOG_TRACE).contains(&max_level) {
            return err(QTRO_ERR_INVALID_ARGUMENT, format!("unknown qtro_log_level {max_level}"));
        }
        let installed = INSTALLED.get_or_init(|| {
            tracing::subscriber::set_global_default(CLogger { next_span: AtomicU64::new(1) }).map_err(|e| e.to_string())
        });
        if let Err(e) = installed {
            return err(QTRO_ERR_ALREADY, format!("cannot install the log forwarder: {e}"));
        }
        let level = if callback.is_some() { max_level } else { QTRO_LOG_OFF };
        // Swapping under the write lock waits for callbacks in progress on other threads.
        let mut sink = SINK.write().unwrap_or_else(|e| e.into_inner());
        *sink = callback.map(|cb| Sink { cb, user_data: UserData(user_data) });
        MAX_LEVEL.store(level, Ordering::Relaxed);
        Ok(())
    })
}
