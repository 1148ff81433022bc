//! A connection's queue of encoded output, shared by the host and client cores.

use bytes::{Bytes, BytesMut};

use super::host::ConnectionId;

/// Output queued beyond this is reported to the driver again (so it can apply its own hard cap
/// while the connection's writer makes no progress).
pub const OUTPUT_CAP_REPORT: usize = 1024 * 1024;

/// Encoded packets waiting to be written to one connection, and whether the driver was told.
#[derive(Debug)]
pub(crate) struct Outbox {
    pub(crate) buf: BytesMut,
    /// Already reported since the writer last took the output: more output needs no new wake-up.
    flagged: bool,
    /// Queued size at which the driver is told again (doubles each time).
    next_report: usize,
}

impl Default for Outbox {
    fn default() -> Self {
        Outbox { buf: BytesMut::new(), flagged: false, next_report: OUTPUT_CAP_REPORT }
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
        let out = self.buf.split().freeze();
        // Keep room for the next burst instead of regrowing from nothing on every append.
        self.buf.reserve(out.len().min(16 * 1024));
        Some(out)
    }

    pub(crate) fn len(&self) -> usize {
        self.buf.len()
    }
}
