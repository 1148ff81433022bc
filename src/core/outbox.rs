//! A connection's queue of encoded output, shared by the host and client cores.

use std::collections::VecDeque;

use bytes::{Bytes, BytesMut};

use super::stream::{Output, Splice};

/// Output queued beyond this is reported to the driver again (so it can apply its own hard cap
/// while the connection's writer makes no progress).
pub(crate) const OUTPUT_CAP_REPORT: usize = 1024 * 1024;

/// Capacity past which a written buffer is not kept for reuse: enough for the steady stream of
/// small writes that profits from it, small enough that thousands of idle connections hold
/// little (as much as the room a fresh buffer reserves).
const SPARE_MAX: usize = 16 * 1024;

/// Encoded packets waiting to be written to one connection, and whether the driver was told.
/// Large byte arrays are not copied in: they wait as [`Splice`]s, references to the values, and
/// the output is handed to the writer in pieces around them.
#[derive(Debug)]
pub(crate) struct Outbox {
    pub(crate) buf: BytesMut,
    /// Byte arrays that go out by reference at their offsets in `buf`, and their total size.
    splices: Vec<Splice>,
    spliced: usize,
    /// Output already split at its splices, to be taken in order before `buf`.
    pieces: VecDeque<Bytes>,
    pieces_len: usize,
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
        Outbox {
            buf: BytesMut::new(),
            splices: Vec::new(),
            spliced: 0,
            pieces: VecDeque::new(),
            pieces_len: 0,
            flagged: false,
            next_report: OUTPUT_CAP_REPORT,
            spare: None,
            last_taken: 0,
        }
    }
}

impl Outbox {
    /// Notes that output was queued: true when the driver must be told, for the first output
    /// its writer has not taken yet (once per burst) or when the queue doubled past the report
    /// size.
    pub(crate) fn note(&mut self) -> bool {
        let len = self.len();
        if !self.flagged && len > 0 {
            self.flagged = true;
            true
        } else if len > self.next_report {
            self.next_report = len.saturating_mul(2);
            true
        } else {
            false
        }
    }

    /// Appends what `write` encodes and notes it ([`Outbox::note`]); if `write` fails, nothing
    /// of it stays queued.
    /// Large byte arrays in what `write` encodes are spliced, not copied.
    pub(crate) fn append<E>(&mut self, write: impl FnOnce(Output<'_>) -> Result<(), E>) -> Result<bool, E> {
        let (before, splices_before) = (self.buf.len(), self.splices.len());
        if let Err(e) = write(Output { buf: &mut self.buf, splices: Some(&mut self.splices) }) {
            self.buf.truncate(before);
            self.splices.truncate(splices_before);
            return Err(e);
        }
        self.spliced += self.splices[splices_before..].iter().map(|s| s.bytes.len()).sum::<usize>();
        Ok(self.note())
    }

    /// Appends encoded output (and its splices, positioned within `bytes`), shared by several
    /// connections: spliced values are referenced again, not copied. Notes it
    /// ([`Outbox::note`]).
    pub(crate) fn extend(&mut self, bytes: &[u8], splices: &[Splice]) -> bool {
        let base = self.buf.len();
        self.buf.extend_from_slice(bytes);
        for s in splices {
            self.splices.push(Splice { at: base + s.at, bytes: s.bytes.clone() });
            self.spliced += s.bytes.len();
        }
        self.note()
    }

    /// The next piece of queued output, for the writer (everything at once unless large values
    /// were spliced in: then the pieces around and between them, in order).
    pub(crate) fn take(&mut self) -> Option<Bytes> {
        self.flagged = false;
        self.next_report = OUTPUT_CAP_REPORT;
        if self.pieces.is_empty() && !self.splices.is_empty() {
            self.split_at_splices();
        }
        if let Some(piece) = self.pieces.pop_front() {
            self.pieces_len -= piece.len();
            // Pieces share one allocation or are the application's values: none is reused.
            self.last_taken = usize::MAX;
            return Some(piece);
        }
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

    /// Bytes queued, spliced values included.
    pub(crate) fn len(&self) -> usize {
        self.buf.len() + self.spliced + self.pieces_len
    }

    /// Moves `buf` and its splices into `pieces`: the bytes before each splice, the splice.
    fn split_at_splices(&mut self) {
        let mut rest = std::mem::take(&mut self.buf).freeze();
        let mut offset = 0;
        for s in self.splices.drain(..) {
            let head = rest.split_to(s.at - offset);
            offset = s.at;
            for piece in [head, s.bytes] {
                if !piece.is_empty() {
                    self.pieces_len += piece.len();
                    self.pieces.push_back(piece);
                }
            }
        }
        if !rest.is_empty() {
            self.pieces_len += rest.len();
            self.pieces.push_back(rest);
        }
        self.spliced = 0;
        self.buf = BytesMut::with_capacity(4096);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::{Buf, BufMut};

    #[test]
    fn a_written_buffer_is_reused_for_the_next_output() {
        let mut out = Outbox::default();
        let noted = out.append(|b| {
            b.buf.put_slice(&[7; 1000]);
            Ok::<_, ()>(())
        });
        assert_eq!(noted, Ok(true), "the first output wakes the writer");
        let mut first = out.take().unwrap();
        let memory = first.as_ptr();
        out.append(|b| {
            b.buf.put_slice(&[8; 10]);
            Ok::<_, ()>(())
        })
        .unwrap();
        first.advance(first.len()); // written
        out.recycle(first);
        let second = out.take().unwrap();
        assert_eq!(&second[..], &[8; 10], "output taken while the first was written");
        out.append(|b| {
            b.buf.put_slice(&[9; 500]);
            Ok::<_, ()>(())
        })
        .unwrap();
        let third = out.take().unwrap();
        assert_eq!(third.as_ptr(), memory, "the spare buffer's memory carries the next output");
        assert_eq!(&third[..], &[9; 500]);
    }

    #[test]
    fn buffers_still_referenced_or_too_large_are_not_kept() {
        let mut out = Outbox::default();
        out.append(|b| {
            b.buf.put_slice(&[1; 100]);
            Ok::<_, ()>(())
        })
        .unwrap();
        let taken = out.take().unwrap();
        let still_used = taken.slice(..10);
        out.recycle(taken);
        assert!(out.spare.is_none(), "a slice of it is alive");
        drop(still_used);
        out.append(|b| {
            b.buf.put_slice(&vec![2; SPARE_MAX + 1]);
            Ok::<_, ()>(())
        })
        .unwrap();
        let big = out.take().unwrap();
        out.recycle(big);
        assert!(out.spare.is_none(), "too large to keep");
    }

    /// Everything `out` hands the writer, concatenated, and the pieces' sizes.
    fn drain(out: &mut Outbox) -> (Vec<u8>, Vec<usize>) {
        let (mut all, mut sizes) = (Vec::new(), Vec::new());
        while let Some(piece) = out.take() {
            sizes.push(piece.len());
            all.extend_from_slice(&piece);
        }
        (all, sizes)
    }

    #[test]
    fn large_byte_arrays_go_out_by_reference_and_in_order() {
        use crate::core::packet::{call, Packet};
        use crate::core::stream::SPLICE_MIN;
        use crate::core::{Dialect, Value};
        let d = Dialect::Qt6;
        let big = Bytes::from((0..SPLICE_MIN + 7).map(|i| i as u8).collect::<Vec<u8>>());
        let value = Value::ByteArray(Some(big.clone()));
        let args = [Value::Int(1), value.clone(), Value::string("after")];

        // The same packets encoded by copying, for comparison.
        let mut copied = BytesMut::new();
        Packet::write_property_change(d, &mut copied, "Bulk", 0, &value).unwrap();
        Packet::write_invoke(d, &mut copied, "Bulk", call::INVOKE_META_METHOD, 3, &args, -1, 0).unwrap();
        Packet::write_property_change(d, &mut copied, "Bulk", 1, &Value::Int(5)).unwrap();

        let mut out = Outbox::default();
        out.append(|o| Packet::write_property_change(d, o, "Bulk", 0, &value)).unwrap();
        out.append(|o| Packet::write_invoke(d, o, "Bulk", call::INVOKE_META_METHOD, 3, &args, -1, 0)).unwrap();
        // A failed append leaves no bytes and no splice behind.
        let too_deep = (0..100).fold(Value::Int(0), |v, _| Value::List(vec![v]));
        let bad = [Value::ByteArray(Some(big.clone())), Value::Int(1), too_deep];
        assert!(out.append(|o| Packet::write_invoke(d, o, "Bulk", call::INVOKE_META_METHOD, 3, &bad, -1, 0)).is_err());
        out.append(|o| Packet::write_property_change(d, o, "Bulk", 1, &Value::Int(5))).unwrap();
        assert_eq!(out.len(), copied.len(), "queued size counts spliced values");
        assert!(out.buf.len() < 1024, "the values were not copied in");

        let (all, sizes) = drain(&mut out);
        assert_eq!(all, copied, "the pieces are the copied encoding");
        assert_eq!(sizes.iter().filter(|&&n| n == big.len()).count(), 2, "each value is a piece of its own: {sizes:?}");
        assert_eq!(out.len(), 0);

        // Shared by several connections: references again, offsets moved to each queue's end.
        let mut scratch = BytesMut::new();
        let mut splices = Vec::new();
        Packet::write_property_change(d, Output { buf: &mut scratch, splices: Some(&mut splices) }, "Bulk", 0, &value)
            .unwrap();
        let mut other = Outbox::default();
        other.append(|o| Packet::write_property_change(d, o, "Bulk", 1, &Value::Int(5))).unwrap();
        other.extend(&scratch, &splices);
        let mut expected = BytesMut::new();
        Packet::write_property_change(d, &mut expected, "Bulk", 1, &Value::Int(5)).unwrap();
        Packet::write_property_change(d, &mut expected, "Bulk", 0, &value).unwrap();
        assert_eq!(drain(&mut other).0, expected);
    }
}
