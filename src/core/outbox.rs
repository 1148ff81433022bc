//! A connection's queue of encoded output, shared by the host and client cores.

use bytes::{Bytes, BytesMut};

use super::host::ConnectionId;

/// Output queued beyond this is reported to the driver again (so it can apply its own hard cap
/// while the connection's writer makes no progress).
pub const OUTPUT_CAP_REPORT: usize = 1024 * 1024;

/// Capacity past which a written buffer is not kept for reuse: enough for the steady stream of
/// small writes that profits from it, small enough that thousands of idle connections hold
/// little (as much as the room a fresh buffer reserves).
const SPARE_MAX: usize = 16 * 1024;

/// Encoded packets waiting to be written to one connection, and whether the driver was told.
#[derive(Debug)]
pub(crate) struct Outbox {
    pub(crate) buf: BytesMut,
    /// Already reported since the writer last took the output: more output needs no new wake-up.
    flagged: bool,
    /// Queued size at which the driver is told again (doubles each time).
    next_report: usize,
    /// The buffer of the last output written, emptied, for the next output.
    spare: Option<BytesMut>,
    /// Size of the last output taken (a written buffer comes back empty; this says how large).
    last_taken: usize,
}

impl Default for Outbox {
    fn default() -> Self {
        Outbox { buf: BytesMut::new(), flagged: false, next_report: OUTPUT_CAP_REPORT, spare: None, last_taken: 0 }
    }
}

impl Outbox {
    /// Records in `dirty` that `conn` has output its writer has not taken yet (once per burst),
    /// or that the queue doubled past the report size.
    pub(crate) fn note(&mut self, conn: ConnectionId, dirty: &mut Vec<ConnectionId>) {
        if !self.flagged && !self.buf.is_empty() {
            self.flagged = true;
            dirty.push(conn);
        } else if self.buf.len() > self.next_report {
            self.next_report = self.buf.len().saturating_mul(2);
            dirty.push(conn);
        }
    }

    /// Appends what `write` encodes and records `conn` as having output; if `write` fails,
    /// nothing of it stays queued.
    pub(crate) fn append<E>(&mut self, conn: ConnectionId, dirty: &mut Vec<ConnectionId>, write: impl FnOnce(&mut BytesMut) -> Result<(), E>) -> Result<(), E> {
        let before = self.buf.len();
        if let Err(e) = write(&mut self.buf) {
            self.buf.truncate(before);
            return Err(e);
        }
        self.note(conn, dirty);
        Ok(())
    }

    /// Everything queued, for the writer.
    pub(crate) fn take(&mut self) -> Option<Bytes> {
        self.flagged = false;
        self.next_report = OUTPUT_CAP_REPORT;
        if self.buf.is_empty() {
            return None;
        }
        // Continue in the buffer of the last write if it came back, else in fresh room for a
        // burst like this one (not regrowing from nothing on every append).
        let next = match self.spare.take() {
            Some(spare) => spare,
            None => BytesMut::with_capacity(self.buf.len().clamp(4096, 16 * 1024)),
        };
        self.last_taken = self.buf.len();
        Some(std::mem::replace(&mut self.buf, next).freeze())
    }

    /// Takes back a written buffer (see [`Outbox::take`]) if nothing else refers to it and it
    /// is not too large to keep.
    pub(crate) fn recycle(&mut self, spent: Bytes) {
        if self.spare.is_some() || self.last_taken > SPARE_MAX {
            return;
        }
        if let Ok(mut buf) = spent.try_into_mut() {
            // The written bytes were advanced past: the allocation is what is left plus them.
            if buf.capacity() + self.last_taken <= SPARE_MAX {
                buf.clear();
                self.spare = Some(buf);
            }
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.buf.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::{Buf, BufMut};

    #[test]
    fn a_written_buffer_is_reused_for_the_next_output() {
        let mut out = Outbox::default();
        let mut dirty = Vec::new();
        out.append(1, &mut dirty, |b| Ok::<_, ()>(b.put_slice(&[7; 1000]))).unwrap();
        assert_eq!(dirty, [1]);
        let mut first = out.take().unwrap();
        let memory = first.as_ptr();
        out.append(1, &mut dirty, |b| Ok::<_, ()>(b.put_slice(&[8; 10]))).unwrap();
        first.advance(first.len()); // written
        out.recycle(first);
        let second = out.take().unwrap();
        assert_eq!(&second[..], &[8; 10], "output taken while the first was written");
        out.append(1, &mut dirty, |b| Ok::<_, ()>(b.put_slice(&[9; 500]))).unwrap();
        let third = out.take().unwrap();
        assert_eq!(third.as_ptr(), memory, "the spare buffer's memory carries the next output");
        assert_eq!(&third[..], &[9; 500]);
    }

    #[test]
    fn buffers_still_referenced_or_too_large_are_not_kept() {
        let mut out = Outbox::default();
        let mut dirty = Vec::new();
        out.append(1, &mut dirty, |b| Ok::<_, ()>(b.put_slice(&[1; 100]))).unwrap();
        let taken = out.take().unwrap();
        let still_used = taken.slice(..10);
        out.recycle(taken);
        assert!(out.spare.is_none(), "a slice of it is alive");
        drop(still_used);
        out.append(1, &mut dirty, |b| Ok::<_, ()>(b.put_slice(&vec![2; SPARE_MAX + 1]))).unwrap();
        let big = out.take().unwrap();
        out.recycle(big);
        assert!(out.spare.is_none(), "too large to keep");
    }
}
