//! Writing a connection's queued output to its socket.
//!
//! Output is normally written by the connection's own task ([`write_loop`]), which batches
//! whatever accumulated while it was busy (property and signal streams). For request/response
//! traffic that hop costs a thread wake-up each way, so a producer that expects nothing more to
//! follow soon (a lone call, the last reply of a batch, the answers to one read) writes at once
//! from its own thread with a non-blocking write ([`Shared::write_now`]). A gate keeps the two
//! writers from interleaving: only one writes at a time, and bytes a full socket did not take
//! are written by the task before anything newer. Which of the two writes, and when, each
//! routing pass decides ([`State::poll_writes`]); producers wait for room here too.

use std::collections::HashMap;
use std::io;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::{Buf, Bytes};
use tokio::io::AsyncWriteExt;
use tokio::net::{tcp, unix};
use tokio::sync::Notify;

use crate::core::{ClientRole, ConnectionId, HostRole};
use crate::net::BoxStream;

use super::connection::{CloseReason, Side};
use super::{Action, Shared, State};

/// Queued output from which the producing thread writes at once.
const EAGER_WRITE_BYTES: usize = 64 * 1024;

/// Writes a connection's output from the calling thread: [`Shared::write_now`] for the side of
/// the node the connection is on.
pub(super) type WriteNow = fn(&Shared, ConnectionId, &DirectWriter, &Notify);

/// The write half of a socket, writable from any thread without waiting.
pub(super) enum SocketWriter {
    Tcp(tcp::OwnedWriteHalf),
    Unix(unix::OwnedWriteHalf),
}

impl SocketWriter {
    fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        match self {
            SocketWriter::Tcp(w) => w.try_write(buf),
            SocketWriter::Unix(w) => w.try_write(buf),
        }
    }

    async fn writable(&self) -> io::Result<()> {
        match self {
            SocketWriter::Tcp(w) => w.writable().await,
            SocketWriter::Unix(w) => w.writable().await,
        }
    }
}

#[derive(Default)]
struct Gate {
    /// Someone is writing.
    busy: bool,
    /// Bytes an immediate write could not place; they go out before anything else.
    leftover: Option<Bytes>,
}

/// A socket shared by its connection task and immediate writers.
pub(super) struct DirectWriter {
    writer: SocketWriter,
    gate: Mutex<Gate>,
}

impl DirectWriter {
    pub(super) fn new(writer: SocketWriter) -> Self {
        DirectWriter { writer, gate: Mutex::new(Gate::default()) }
    }

    fn gate(&self) -> std::sync::MutexGuard<'_, Gate> {
        self.gate.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// For an immediate writer: true if it may write now (nobody writing, nothing left over).
    pub(super) fn claim_now(&self) -> bool {
        let mut g = self.gate();
        if g.busy || g.leftover.is_some() {
            return false;
        }
        g.busy = true;
        true
    }

    /// For the connection task: `None` while someone else writes (they wake the task when done),
    /// else the bytes left over to write first.
    pub(super) fn claim_task(&self) -> Option<Option<Bytes>> {
        let mut g = self.gate();
        if g.busy {
            return None;
        }
        g.busy = true;
        Some(g.leftover.take())
    }

    pub(super) fn release(&self, leftover: Option<Bytes>) {
        let mut g = self.gate();
        g.busy = false;
        g.leftover = leftover;
    }

    /// Nothing being written or left over.
    pub(super) fn idle(&self) -> bool {
        let g = self.gate();
        !g.busy && g.leftover.is_none()
    }

    /// Writes what the socket takes without waiting, advancing `bytes` past what was written:
    /// `Ok(true)` when all of it went out (the emptied buffer can be reused), `Ok(false)` when
    /// the socket is full. After an error the connection task's next write sees the same error
    /// and closes the connection.
    pub(super) fn write_now(&self, bytes: &mut Bytes) -> io::Result<bool> {
        while !bytes.is_empty() {
            match self.writer.try_write(bytes) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => bytes.advance(n),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(true)
    }

    /// Writes all of `bytes`, waiting for room (it is left empty, for reuse).
    pub(super) async fn write_all(&self, bytes: &mut Bytes) -> io::Result<()> {
        while !bytes.is_empty() {
            self.writer.writable().await?;
            match self.writer.try_write(bytes) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => bytes.advance(n),
                Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}

/// The writing side of a connection.
pub(super) enum Writer {
    Direct(Arc<DirectWriter>),
    Stream(tokio::io::WriteHalf<BoxStream>),
}

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

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncReadExt;
    use tokio::net::UnixStream;

    #[tokio::test]
    async fn one_writer_at_a_time_and_leftovers_go_first() {
        let (a, mut b) = UnixStream::pair().unwrap();
        let (_ra, wa) = a.into_split();
        let d = DirectWriter::new(SocketWriter::Unix(wa));
        assert!(d.idle());
        assert!(d.claim_now());
        assert!(!d.claim_now(), "a second immediate writer must wait");
        assert!(d.claim_task().is_none(), "the task too");

        // More than a socket buffer holds: the immediate write leaves the rest.
        let data: Vec<u8> = (0..8 * 1024 * 1024u32).map(|i| (i % 251) as u8).collect();
        let mut rest = Bytes::from(data.clone());
        assert!(!d.write_now(&mut rest).unwrap(), "socket full before 8 MiB");
        d.release(Some(rest));
        assert!(!d.idle());
        assert!(!d.claim_now(), "nothing may overtake the leftover");

        let reader = tokio::spawn(async move {
            let mut got = Vec::new();
            let mut buf = vec![0u8; 1 << 16];
            while got.len() < 8 * 1024 * 1024 {
                let n = b.read(&mut buf).await.unwrap();
                assert!(n > 0);
                got.extend_from_slice(&buf[..n]);
            }
            got
        });
        let mut leftover = d.claim_task().expect("free").expect("the leftover comes back first");
        d.write_all(&mut leftover).await.unwrap();
        assert!(leftover.is_empty());
        d.release(None);
        assert!(d.idle());
        assert_eq!(reader.await.unwrap(), data, "bytes arrive complete and in order");
    }
}
