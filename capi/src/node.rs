//! Nodes and their configuration: creating and freeing a node, listening, connecting, and the
//! exports that run its callbacks (`QTRO_DISPATCH_POLL`). The runtime and the event queue a node
//! owns are in `dispatch`.

use std::ffi::{c_char, c_int};
use std::sync::Arc;
use std::time::Duration;

use super::cast::{
    c_string_out, cstr, handle, handle_mut, new_handle, opt_handle, opt_out_ptr, out_new, out_ptr, set_opt,
    take_handle, Handle,
};
use super::dispatch::{DispatchMode, NodeCore};
use super::qtro_result::{self, *};
use super::{err, guard, guard_ptr, guard_value, millis, Error, Result};
use qtro_rs::core::Dialect;
use qtro_rs::node::NodeConfig;

/// Settings for `qtro_node_new`, created by `qtro_node_config_new`.
pub struct qtro_node_config {
    node: NodeConfig,
    dispatch: qtro_dispatch_mode,
    worker_threads: u32,
}

impl Default for qtro_node_config {
    fn default() -> Self {
        qtro_node_config { node: NodeConfig::default(), dispatch: QTRO_DISPATCH_THREAD, worker_threads: 2 }
    }
}

impl Handle for qtro_node_config {
    type Target = qtro_node_config;
}

/// A QtRO node: hosts sources (after `qtro_node_listen`), acquires replicas, and owns the
/// runtime and event queue they use.
pub struct qtro_node {
    pub(crate) core: Arc<NodeCore>,
}

impl Handle for qtro_node {
    type Target = qtro_node;
}

/// Which Qt version peers speak (`qtro_node_config_set_dialect`).
pub type qtro_dialect = c_int;
/// Qt 6 peers ("QtRO 2.0"), the default.
pub const QTRO_DIALECT_QT6: qtro_dialect = 0;
/// Qt 5.15 peers ("QtRO 1.3").
pub const QTRO_DIALECT_QT5: qtro_dialect = 1;

/// The dialect a `qtro_dialect` argument names (`QTRO_ERR_INVALID_ARGUMENT` for others).
pub(crate) fn dialect_of(dialect: qtro_dialect) -> Result<Dialect> {
    match dialect {
        QTRO_DIALECT_QT6 => Ok(Dialect::Qt6),
        QTRO_DIALECT_QT5 => Ok(Dialect::Qt5),
        other => err(QTRO_ERR_INVALID_ARGUMENT, format!("unknown qtro_dialect {other}")),
    }
}

/// Where callbacks run (`qtro_node_config_set_dispatch`).
pub type qtro_dispatch_mode = c_int;
/// Callbacks run on a thread the node starts for this (named `qtro-dispatch`), the default.
pub const QTRO_DISPATCH_THREAD: qtro_dispatch_mode = 0;
/// Callbacks run inside `qtro_node_dispatch`/`qtro_node_dispatch_timeout` on the caller's thread;
/// `qtro_node_event_fd` is readable while events are waiting (level-triggered).
pub const QTRO_DISPATCH_POLL: qtro_dispatch_mode = 1;

// ---- config ------------------------------------------------------------------------------------

/// Default settings: Qt 6, no heartbeat, 250 ms reconnect interval, `QTRO_DISPATCH_THREAD`,
/// 2 worker threads, and the defaults of docs/limits.md for the rest. Free with
/// `qtro_node_config_free`.
#[no_mangle]
pub extern "C" fn qtro_node_config_new() -> *mut qtro_node_config {
    guard_ptr(|| Ok(new_handle(qtro_node_config::default())))
}

/// Frees a config. `NULL` is a no-op.
#[no_mangle]
pub extern "C" fn qtro_node_config_free(config: *mut qtro_node_config) {
    guard_value((), || drop(take_handle(config)))
}

/// Changes `config` by `set` if `valid`, else fails with `QTRO_ERR_INVALID_ARGUMENT` and the
/// message `why` gives: the shape of every setter below.
fn update_config(
    config: *mut qtro_node_config,
    valid: bool,
    why: impl FnOnce() -> String,
    set: impl FnOnce(&mut qtro_node_config),
) -> qtro_result {
    guard(|| {
        let c = handle_mut(config, "config")?;
        if !valid {
            return err(QTRO_ERR_INVALID_ARGUMENT, why());
        }
        set(c);
        Ok(())
    })
}

/// Qt 6 (`QTRO_DIALECT_QT6`) or Qt 5.15 (`QTRO_DIALECT_QT5`) peers.
#[no_mangle]
pub extern "C" fn qtro_node_config_set_dialect(config: *mut qtro_node_config, dialect: qtro_dialect) -> qtro_result {
    let chosen = dialect_of(dialect).ok();
    update_config(
        config,
        chosen.is_some(),
        || format!("unknown qtro_dialect {dialect}"),
        |c| {
            if let Some(d) = chosen {
                c.node.dialect = d
            }
        },
    )
}

/// Heartbeat interval of the node's replicas in ms (0, the default, disables it as in Qt).
#[no_mangle]
pub extern "C" fn qtro_node_config_set_heartbeat_ms(config: *mut qtro_node_config, interval_ms: u32) -> qtro_result {
    update_config(config, true, String::new, |c| c.node.heartbeat = (interval_ms > 0).then(|| millis(interval_ms)))
}

/// Delay between reconnect attempts in ms (default 250, must be > 0).
#[no_mangle]
pub extern "C" fn qtro_node_config_set_retry_interval_ms(
    config: *mut qtro_node_config,
    interval_ms: u32,
) -> qtro_result {
    update_config(
        config,
        interval_ms > 0,
        || "the retry interval must be > 0".into(),
        |c| c.node.retry_interval = millis(interval_ms),
    )
}

/// `QTRO_DISPATCH_THREAD` (default) or `QTRO_DISPATCH_POLL`.
#[no_mangle]
pub extern "C" fn qtro_node_config_set_dispatch(
    config: *mut qtro_node_config,
    mode: qtro_dispatch_mode,
) -> qtro_result {
    let valid = mode == QTRO_DISPATCH_THREAD || mode == QTRO_DISPATCH_POLL;
    update_config(config, valid, || format!("unknown qtro_dispatch_mode {mode}"), |c| c.dispatch = mode)
}

/// Number of network worker threads of the node's runtime (1-64, default 2).
#[no_mangle]
pub extern "C" fn qtro_node_config_set_worker_threads(config: *mut qtro_node_config, threads: u32) -> qtro_result {
    let valid = (1..=64).contains(&threads);
    update_config(
        config,
        valid,
        || format!("worker_threads must be 1..=64, not {threads}"),
        |c| c.worker_threads = threads,
    )
}

/// How long, in microseconds, a replica's connection reads its socket directly after a lone
/// awaited request (slot call with a reply, acquisition) before parking: shorter round trips for
/// at most this much CPU per answer. 0 disables it; at most 100000. Default: 50 on machines with
/// more than one CPU, else 0.
#[no_mangle]
pub extern "C" fn qtro_node_config_set_busy_poll_us(config: *mut qtro_node_config, micros: u32) -> qtro_result {
    update_config(
        config,
        micros <= 100_000,
        || format!("busy_poll_us must be at most 100000, not {micros}"),
        |c| c.node.busy_poll = (micros > 0).then(|| Duration::from_micros(micros as u64)),
    )
}

/// Largest packet accepted from a peer, in bytes (default 64 MiB; 1024 to 2^31 - 1). A larger
/// one closes the connection.
#[no_mangle]
pub extern "C" fn qtro_node_config_set_max_packet_size(config: *mut qtro_node_config, bytes: u32) -> qtro_result {
    let valid = (1024..=i32::MAX as u32).contains(&bytes);
    update_config(
        config,
        valid,
        || format!("max_packet_size must be 1024..=2147483647, not {bytes}"),
        |c| c.node.limits.max_packet_size = bytes,
    )
}

/// Output queued for one peer, in bytes, above which `qtro_source_ready` waits (default 4 MiB,
/// must be > 0 and at most the `max_queued_bytes` given to the same config).
#[no_mangle]
pub extern "C" fn qtro_node_config_set_queue_high_water(config: *mut qtro_node_config, bytes: usize) -> qtro_result {
    update_config(config, bytes > 0, || "queue_high_water must be > 0".into(), |c| c.node.queue_high_water = bytes)
}

/// How long, in ms, a peer may stay above the high-water mark while a producer waits before it
/// is disconnected (default 5000, must be > 0).
#[no_mangle]
pub extern "C" fn qtro_node_config_set_stall_timeout_ms(config: *mut qtro_node_config, timeout_ms: u32) -> qtro_result {
    update_config(
        config,
        timeout_ms > 0,
        || "the stall timeout must be > 0".into(),
        |c| c.node.stall_timeout = millis(timeout_ms),
    )
}

/// Output queued for one peer, in bytes, past which the peer is disconnected at once, whatever
/// the producer does (default 256 MiB, must be at least `queue_high_water`).
#[no_mangle]
pub extern "C" fn qtro_node_config_set_max_queued_bytes(config: *mut qtro_node_config, bytes: usize) -> qtro_result {
    update_config(config, bytes > 0, || "max_queued_bytes must be > 0".into(), |c| c.node.max_queued_bytes = bytes)
}

/// Whether slot calls to one source may run concurrently (default false: one at a time, in
/// arrival order, as on a Qt host). With `QTRO_DISPATCH_*` callbacks this only matters for
/// deferred replies (`qtro_invocation` kept past the callback).
#[no_mangle]
pub extern "C" fn qtro_node_config_set_concurrent_slots(
    config: *mut qtro_node_config,
    concurrent: bool,
) -> qtro_result {
    update_config(config, true, String::new, |c| c.node.concurrent_slots = concurrent)
}

// ---- node lifetime -------------------------------------------------------------------------------

/// Creates a node with `config` (`NULL`: defaults; the config is copied and may be freed
/// afterwards). On success `*out` owns the node: free it with `qtro_node_free`.
#[no_mangle]
pub extern "C" fn qtro_node_new(config: *const qtro_node_config, out: *mut *mut qtro_node) -> qtro_result {
    guard(|| {
        let out = out_new(out, "out")?;
        let defaults = qtro_node_config::default();
        let c = opt_handle(config).unwrap_or(&defaults);
        if c.node.max_queued_bytes < c.node.queue_high_water {
            return err(
                QTRO_ERR_INVALID_ARGUMENT,
                format!(
                    "max_queued_bytes ({}) is below queue_high_water ({})",
                    c.node.max_queued_bytes, c.node.queue_high_water
                ),
            );
        }
        let mode = if c.dispatch == QTRO_DISPATCH_POLL { DispatchMode::Poll } else { DispatchMode::Thread };
        let core = NodeCore::start(c.node.clone(), mode, c.worker_threads as usize)?;
        out.set(new_handle(qtro_node { core }));
        Ok(())
    })
}

/// Shuts the node down and frees the handle. `NULL` is a no-op.
///
/// In order: every connection closes; the dispatch thread finishes the callback it is running
/// and stops (when called from inside a callback of this node it is not waited for); queued
/// events are discarded; every pending reply callback is called with `QTRO_ERR_SHUTDOWN` on the
/// calling thread. After it returns no callback of this node runs again. Sources and replicas of
/// the node stay valid handles that must still be freed; their operations return
/// `QTRO_ERR_SHUTDOWN`.
#[no_mangle]
pub extern "C" fn qtro_node_free(node: *mut qtro_node) {
    guard_value((), || {
        if let Some(handle) = take_handle(node) {
            handle.core.close();
        }
    })
}

pub(crate) fn node_ref<'a>(node: *const qtro_node) -> Result<&'a Arc<NodeCore>> {
    Ok(&handle(node, "node")?.core)
}

// ---- networking ----------------------------------------------------------------------------------

fn write_url(out: *mut *mut c_char, url: &str) {
    if let Some(out) = opt_out_ptr(out) {
        out.set(c_string_out(url));
    }
}

/// Listens on `url` (`tcp://HOST:PORT`, `local:NAME`, `localabstract:NAME`) and hosts this node's
/// sources there. Blocks at most `timeout_ms`. `bound_url` (may be `NULL`) receives the URL peers
/// should use, with the real port when `:0` was given; free it with `qtro_string_free`.
#[no_mangle]
pub extern "C" fn qtro_node_listen(
    node: *mut qtro_node,
    url: *const c_char,
    timeout_ms: u32,
    bound_url: *mut *mut c_char,
) -> qtro_result {
    guard(|| {
        let core = node_ref(node)?;
        let url = cstr(url, "url")?;
        core.check_open()?;
        let n = core.node.clone();
        let bound =
            core.block_on(
                millis(timeout_ms),
                "qtro_node_listen",
                async move { n.listen(url).await.map_err(Error::from) },
            )?;
        write_url(bound_url, &bound);
        Ok(())
    })
}

/// Makes this node a registry host listening on `url` (its own sources are listed there too).
/// Blocks at most `timeout_ms`; `bound_url` as for `qtro_node_listen`.
#[no_mangle]
pub extern "C" fn qtro_node_listen_registry(
    node: *mut qtro_node,
    url: *const c_char,
    timeout_ms: u32,
    bound_url: *mut *mut c_char,
) -> qtro_result {
    guard(|| {
        let core = node_ref(node)?;
        let url = cstr(url, "url")?;
        core.check_open()?;
        let n = core.node.clone();
        let bound = core.block_on(millis(timeout_ms), "qtro_node_listen_registry", async move {
            n.listen_registry(url).await.map_err(Error::from)
        })?;
        write_url(bound_url, &bound);
        Ok(())
    })
}

/// Keeps a client connection to the host node at `url`, reconnecting whenever it drops. Does not
/// block: replicas become valid once the connection is up.
#[no_mangle]
pub extern "C" fn qtro_node_connect(node: *mut qtro_node, url: *const c_char) -> qtro_result {
    guard(|| {
        let core = node_ref(node)?;
        let url = cstr(url, "url")?;
        core.check_open()?;
        let _g = core.rt().enter();
        core.node.connect_to(url)?;
        Ok(())
    })
}

/// Stops reconnecting to `url` (the current connection stays until it drops).
#[no_mangle]
pub extern "C" fn qtro_node_disconnect(node: *mut qtro_node, url: *const c_char) -> qtro_result {
    guard(|| {
        let core = node_ref(node)?;
        let url = cstr(url, "url")?;
        core.check_open()?;
        core.node.disconnect_from(url);
        Ok(())
    })
}

/// Uses the registry at `url`: this node's sources are published there and replicas are found
/// by name alone. Does not block.
#[no_mangle]
pub extern "C" fn qtro_node_set_registry_url(node: *mut qtro_node, url: *const c_char) -> qtro_result {
    guard(|| {
        let core = node_ref(node)?;
        let url = cstr(url, "url")?;
        core.check_open()?;
        let _g = core.rt().enter();
        core.node.set_registry_url(url)?;
        Ok(())
    })
}

/// The URL this node listens on, in `*url` (free with `qtro_string_free`);
/// `QTRO_ERR_NOT_FOUND` if it does not listen.
#[no_mangle]
pub extern "C" fn qtro_node_host_url(node: *const qtro_node, url: *mut *mut c_char) -> qtro_result {
    guard(|| {
        let core = node_ref(node)?;
        let out = out_ptr(url, "url")?;
        match core.node.host_url() {
            Some(u) => {
                out.set(c_string_out(&u));
                Ok(())
            }
            None => err(QTRO_ERR_NOT_FOUND, "the node does not listen"),
        }
    })
}

/// Waits at most `timeout_ms` until a connected host (or the registry) announces a source named
/// `name`; `QTRO_ERR_TIMEOUT` otherwise.
#[no_mangle]
pub extern "C" fn qtro_node_wait_for_object(node: *mut qtro_node, name: *const c_char, timeout_ms: u32) -> qtro_result {
    guard(|| {
        let core = node_ref(node)?;
        let name = cstr(name, "name")?;
        core.check_open()?;
        let n = core.node.clone();
        let d = millis(timeout_ms);
        core.block_on(d + Duration::from_millis(50), "qtro_node_wait_for_object", async move {
            let deadline = tokio::time::Instant::now() + d;
            loop {
                if n.known_objects().iter().any(|o| o.name == name)
                    || n.registry_locations().iter().any(|l| l.name == name)
                {
                    return Ok(());
                }
                if tokio::time::Instant::now() >= deadline {
                    return err(
                        QTRO_ERR_TIMEOUT,
                        format!("no source named {name:?} was announced within {} ms", d.as_millis()),
                    );
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
    })
}

// ---- dispatch --------------------------------------------------------------------------------------

/// The node's event descriptor (`QTRO_DISPATCH_POLL` nodes only): readable while events wait
/// (level-triggered), to watch with poll/epoll/select or a `QSocketNotifier(fd, Read)`. When it is
/// readable call `qtro_node_dispatch`. Owned by the node: do not read, write or close it.
#[no_mangle]
pub extern "C" fn qtro_node_event_fd(node: *const qtro_node, fd: *mut c_int) -> qtro_result {
    guard(|| {
        let core = node_ref(node)?;
        let out = out_ptr(fd, "fd")?;
        match core.event_fd() {
            Some(f) => {
                out.set(f);
                Ok(())
            }
            None => err(QTRO_ERR_WRONG_MODE, "the node was not created with QTRO_DISPATCH_POLL"),
        }
    })
}

/// Runs the callbacks of up to `max_events` queued events (0: all currently queued) on the
/// calling thread, then returns; `dispatched` (may be `NULL`) receives how many ran. Never blocks
/// waiting for events. `QTRO_DISPATCH_POLL` nodes only; not from inside a callback of the same node
/// (`QTRO_ERR_WRONG_THREAD`).
#[no_mangle]
pub extern "C" fn qtro_node_dispatch(node: *mut qtro_node, max_events: usize, dispatched: *mut usize) -> qtro_result {
    guard(|| {
        let core = node_ref(node)?.clone();
        if core.mode() != DispatchMode::Poll {
            return err(QTRO_ERR_WRONG_MODE, "qtro_node_dispatch needs a QTRO_DISPATCH_POLL node (callbacks of this node run on its dispatch thread)");
        }
        core.check_open()?;
        let n = core.dispatch(if max_events == 0 { usize::MAX } else { max_events })?;
        set_opt(dispatched, n);
        Ok(())
    })
}

/// Waits at most `timeout_ms` for events, then runs the callbacks of every queued event on the
/// calling thread (a simple event loop for programs without poll). `dispatched` may be `NULL`.
/// `QTRO_DISPATCH_POLL` nodes only.
#[no_mangle]
pub extern "C" fn qtro_node_dispatch_timeout(
    node: *mut qtro_node,
    timeout_ms: u32,
    dispatched: *mut usize,
) -> qtro_result {
    guard(|| {
        let core = node_ref(node)?.clone();
        if core.mode() != DispatchMode::Poll {
            return err(QTRO_ERR_WRONG_MODE, "qtro_node_dispatch_timeout needs a QTRO_DISPATCH_POLL node");
        }
        core.check_open()?;
        if core.in_callback() {
            return err(
                QTRO_ERR_WRONG_THREAD,
                "qtro_node_dispatch_timeout called from inside a callback of the same node",
            );
        }
        core.wait_for_events(millis(timeout_ms));
        let n = core.dispatch(usize::MAX)?;
        set_opt(dispatched, n);
        Ok(())
    })
}
