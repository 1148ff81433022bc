//! Who writes a connection's output, and when: each routing pass decides ([`State::poll_writes`])
//! between the producing thread ([`Shared::write_now`]) and the connection's write task
//! ([`write_loop`]), and closes connections whose peer stopped reading; producers that wait for
//! room wait here too.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::io::AsyncWriteExt;
use tokio::sync::Notify;

use crate::core::{ClientRole, ConnectionId, HostRole};

use super::side::Side;
use super::wire::{DirectWriter, Writer};
use super::{Action, CloseReason, Shared, State};

/// Queued output from which the producing thread writes at once.
const EAGER_WRITE_BYTES: usize = 64 * 1024;

/// The task that writes a connection's output, woken by `wake`.
pub(super) async fn write_loop<S: Side>(
    me: &Arc<Shared>,
    conn: ConnectionId,
    writer: Writer,
    wake: Arc<Notify>,
) -> CloseReason {
    match writer {
        Writer::Direct(direct) => loop {
            wake.notified().await;
            // While a producer is still adding output, let it: fewer, larger writes (each TCP
            // send costs a few microseconds) for streams of changes. Request/response traffic is
            // written at once by its own thread, not here.
            let mut queued = me.lock().queued::<S>(conn);
            for _ in 0..8 {
                tokio::task::yield_now().await;
                let now = me.lock().queued::<S>(conn);
                if now == queued || now >= EAGER_WRITE_BYTES {
                    break;
                }
                queued = now;
            }
            // While an immediate writer is busy it wakes us again when it is done.
            let Some(mut pending) = direct.claim_task() else { continue };
            let mut result = Ok(());
            let mut spent = None;
            loop {
                let mut bytes = match pending.take() {
                    Some(b) => b,
                    None => match me.lock().take_output::<S>(conn, spent.take()) {
                        Some(b) => b,
                        None => break,
                    },
                };
                result = direct.write_all(&mut bytes).await;
                if result.is_err() {
                    break;
                }
                spent = Some(bytes);
                me.progress.notify_waiters();
            }
            direct.release(None);
            if result.is_err() {
                return CloseReason::Closed;
            }
        },
        Writer::Stream(mut writer) => loop {
            wake.notified().await;
            loop {
                let Some(bytes) = me.lock().take_output::<S>(conn, None) else { break };
                if writer.write_all(&bytes).await.is_err() {
                    return CloseReason::Closed;
                }
                me.progress.notify_waiters();
            }
            if writer.flush().await.is_err() {
                return CloseReason::Closed;
            }
        },
    }
}

impl Shared {
    /// Writes `conn`'s queued output from this thread without waiting; whatever the socket does
    /// not take now is left to the connection task.
    pub(super) fn write_now<S: Side>(&self, conn: ConnectionId, direct: &DirectWriter, wake: &Notify) {
        if !direct.claim_now() {
            // Someone is writing; make sure the task looks again once they are done.
            wake.notify_one();
            return;
        }
        let mut rest = None;
        let mut spent = None;
        loop {
            let Some(mut bytes) = self.lock().take_output::<S>(conn, spent.take()) else { break };
            match direct.write_now(&mut bytes) {
                Ok(true) => {
                    spent = Some(bytes);
                    self.progress.notify_waiters();
                }
                Ok(false) | Err(_) => {
                    rest = Some(bytes);
                    break;
                }
            }
        }
        let more = rest.is_some();
        direct.release(rest);
        if more || self.lock().queued::<S>(conn) > 0 {
            wake.notify_one();
        }
    }

    /// Resolves when no connection has output queued.
    pub(crate) async fn wait_all_drained(&self) {
        loop {
            let progress = self.progress.notified();
            tokio::pin!(progress);
            progress.as_mut().enable();
            let busy = {
                let st = self.lock();
                st.writing()
            };
            if !busy {
                return;
            }
            let _ = tokio::time::timeout(Duration::from_millis(10), progress).await;
        }
    }

    /// Waits until every listener of `source` is below the high-water mark, disconnecting those
    /// that stay above it for longer than the stall timeout.
    pub(crate) async fn wait_writable(self: &Arc<Self>, source: &str) {
        let high = self.config.queue_high_water;
        let mut stalled: HashMap<ConnectionId, Instant> = HashMap::new();
        loop {
            // Register for progress before looking, so a drain in between is not missed.
            let progress = self.progress.notified();
            tokio::pin!(progress);
            progress.as_mut().enable();
            let over: Vec<ConnectionId> = {
                let st = self.lock();
                st.host.listeners(source).iter().copied().filter(|&c| st.host.queued(c) > high).collect()
            };
            if over.is_empty() {
                return;
            }
            let now = Instant::now();
            stalled.retain(|c, _| over.contains(c));
            for c in over {
                let since = *stalled.entry(c).or_insert(now);
                if now.duration_since(since) >= self.config.stall_timeout {
                    tracing::warn!(conn = c, source, "replica stopped reading; disconnecting it");
                    self.close(c);
                    // Forget its queue now; the connection task finishes the cleanup.
                    self.lock().host.disconnect(c);
                    stalled.remove(&c);
                }
            }
            let _ = tokio::time::timeout(self.config.stall_timeout / 4, progress).await;
        }
    }
}

impl State {
    /// The output queued for `conn`, after handing back the buffer of the previous write
    /// (`spent`) for the next output to reuse. A writer always asks once more before it stops,
    /// so every fully written buffer comes back this way.
    pub(super) fn take_output<S: Side>(&mut self, conn: ConnectionId, spent: Option<Bytes>) -> Option<Bytes> {
        let core = S::core_mut(self);
        if let Some(b) = spent {
            core.recycle_output(conn, b);
        }
        core.take_output(conn)
    }

    pub(super) fn queued<S: Side>(&self, conn: ConnectionId) -> usize {
        S::core(self).queued(conn)
    }

    /// Whether some connection has output queued or being written. (A connection belongs to one
    /// core: the other has nothing queued for its id.)
    fn writing(&self) -> bool {
        let queued = |c: ConnectionId| self.client.queued(c) > 0 || self.host.queued(c) > 0;
        self.conns.iter().any(|(&c, h)| queued(c) || h.direct.as_ref().is_some_and(|d| !d.idle()))
    }

    /// Decides the writes at the end of a routing pass: who writes the output of connections
    /// that got some (the producing thread, or the connection's task), and closes those past
    /// `max_queued`. Then wakes the read loops of connections now awaiting an answer.
    pub(super) fn poll_writes(&mut self, max_queued: usize, actions: &mut Vec<Action>) {
        let write_now = std::mem::take(&mut self.write_now);
        let all_now = std::mem::take(&mut self.write_all_now);
        self.poll_side_writes::<ClientRole>(&write_now, all_now, max_queued, actions);
        self.poll_side_writes::<HostRole>(&write_now, all_now, max_queued, actions);
        // After the writes: the read loops of connections now awaiting an answer poll for it.
        for conn in std::mem::take(&mut self.awaiting_answer) {
            if let Some(handle) = self.conns.get(&conn) {
                actions.push(Action::Wake(handle.expect_answer.clone()));
            }
        }
    }

    fn poll_side_writes<S: Side>(
        &mut self,
        write_now: &[ConnectionId],
        all_now: bool,
        max_queued: usize,
        actions: &mut Vec<Action>,
    ) {
        // Only connections that got output need their writer woken (and a size check).
        for conn in S::core_mut(self).take_dirty() {
            let Some(handle) = self.conns.get(&conn) else { continue };
            let queued = S::core(self).queued(conn);
            if queued > max_queued {
                // A peer that does not read cannot be allowed to grow our memory without bound;
                // it will reconnect and get fresh values.
                tracing::warn!(conn, queued, "peer is not reading; closing the connection");
                actions.push(Action::Close(conn));
            } else if queued > 0 {
                match &handle.direct {
                    // Large output is written by the thread that produced it as far as the socket
                    // takes it (one syscall per large value, no hand-over to the connection task).
                    Some(d) if all_now || write_now.contains(&conn) || queued >= EAGER_WRITE_BYTES => {
                        actions.push(Action::WriteNow {
                            conn,
                            write: Shared::write_now::<S>,
                            direct: d.clone(),
                            wake: handle.wake_writer.clone(),
                        })
                    }
                    _ => actions.push(Action::Wake(handle.wake_writer.clone())),
                }
            }
        }
    }
}
