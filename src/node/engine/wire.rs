//! Writing a connection's queued output to its socket.
//!
//! Output is normally written by the connection's own task, which batches whatever accumulated
//! while it was busy (property and signal streams). For request/response traffic that hop costs a
//! thread wake-up each way, so a producer that expects nothing more to follow soon (a lone call,
//! the last reply of a batch, the answers to one read) writes at once from its own thread with a
//! non-blocking write. A gate keeps the two writers from interleaving: only one writes at a time,
//! and bytes a full socket did not take are written by the task before anything newer.

use std::io;
use std::sync::{Arc, Mutex};

use bytes::{Buf, Bytes};
use tokio::net::{tcp, unix};

use crate::net::BoxStream;

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
