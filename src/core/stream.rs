//! QDataStream primitives with the byte order chosen at run time.
//!
//! [`Reader`] decodes from a [`Bytes`] buffer so byte arrays come out as zero-copy slices;
//! every length is checked against what remains before anything is allocated.
//! [`Writer`] appends to a [`BytesMut`].
//!
//! # Example
//!
//! A few fields written and read back in big-endian order (a default QDataStream's), and the
//! same field in little-endian order (Qt 6 QtRO's outer stream):
//!
//! ```
//! use bytes::BytesMut;
//! use qtro_rs::core::stream::{Reader, Writer};
//! use qtro_rs::core::ByteOrder;
//!
//! let mut buf = BytesMut::new();
//! let mut w = Writer::new(&mut buf, ByteOrder::Big);
//! w.u16(0x0102);
//! w.qstring(Some("Hi"))?; // byte length, then UTF-16
//! w.qbytearray(None)?; // a null QByteArray: the length 0xFFFFFFFF
//! assert_eq!(&buf[..], [1, 2, 0, 0, 0, 4, 0, b'H', 0, b'i', 0xff, 0xff, 0xff, 0xff]);
//!
//! let mut r = Reader::new(buf.freeze(), ByteOrder::Big);
//! assert_eq!(r.u16()?, 0x0102);
//! assert_eq!(r.qstring()?.as_deref(), Some("Hi"));
//! assert_eq!(r.qbytearray()?, None);
//! r.finish("the example's fields")?;
//!
//! let mut buf = BytesMut::new();
//! Writer::new(&mut buf, ByteOrder::Little).u16(0x0102);
//! assert_eq!(&buf[..], [2, 1]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use byteorder::{BigEndian, ByteOrder as _, LittleEndian};
use bytes::{BufMut, Bytes, BytesMut};

use super::dialect::ByteOrder;
use super::error::{DecodeError, DecodeResult, EncodeError, EncodeResult};

/// QDataStream marks a null QString / QByteArray with this length.
pub const NULL_LENGTH: u32 = 0xFFFF_FFFF;
/// Stream versions >= 22 (Qt 6.7+) escape 64-bit lengths with this marker. Qt 6.4 never writes it;
/// we accept it when reading and never write it.
const EXTENDED_LENGTH: u32 = 0xFFFF_FFFE;

/// A cursor over one buffer of QDataStream data.
#[derive(Debug, Clone)]
pub struct Reader {
    data: Bytes,
    pos: usize,
    /// Where the data ends for this reader (see [`Reader::set_window`]).
    end: usize,
    order: ByteOrder,
}

macro_rules! read_int {
    ($name:ident, $ty:ty, $n:expr, $be:expr, $le:expr) => {
        #[doc = concat!("Reads a `", stringify!($ty), "` in the stream's byte order.")]
        #[inline]
        pub fn $name(&mut self) -> DecodeResult<$ty> {
            let order = self.order;
            let b = self.take_slice($n, stringify!($ty))?;
            Ok(match order {
                ByteOrder::Big => $be(b),
                ByteOrder::Little => $le(b),
            })
        }
    };
}

impl Reader {
    /// A reader at the start of `data`, reading in `order`.
    pub fn new(data: Bytes, order: ByteOrder) -> Self {
        let end = data.len();
        Reader { data, pos: 0, end, order }
    }

    /// Re-points the reader at `range` of its buffer: one reader serves every frame of a read
    /// buffer without a reference-counted slice per frame.
    pub fn set_window(&mut self, range: std::ops::Range<usize>) {
        assert!(range.start <= range.end && range.end <= self.data.len(), "window outside the buffer");
        self.pos = range.start;
        self.end = range.end;
    }

    /// The byte order this reader reads in.
    pub fn order(&self) -> ByteOrder {
        self.order
    }

    /// Bytes left to read (up to the end of the window, see [`Reader::set_window`]).
    pub fn remaining(&self) -> usize {
        self.end - self.pos
    }

    /// Offset of the next byte to read in the underlying buffer.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// Whether every byte has been read.
    pub fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    /// Fails unless every byte was consumed.
    pub fn finish(&self, what: &'static str) -> DecodeResult<()> {
        match self.remaining() {
            0 => Ok(()),
            trailing => Err(DecodeError::TrailingBytes { what, trailing }),
        }
    }

    #[inline]
    fn take_slice(&mut self, n: usize, what: &'static str) -> DecodeResult<&[u8]> {
        if self.remaining() < n {
            return Err(DecodeError::Truncated { what, needed: n - self.remaining() });
        }
        let start = self.pos;
        self.pos += n;
        Ok(&self.data[start..start + n])
    }

    /// A QVariant of the four-byte type `type_id` (not null) read in one step: consumed and
    /// returned if that is what starts here, otherwise nothing moves. The reading twin of
    /// [`Writer::variant_u32`].
    #[inline]
    pub(crate) fn i32_variant(&mut self, type_id: u32) -> Option<i32> {
        let b: &[u8; 9] = self.data[self.pos..self.end].get(..9)?.try_into().ok()?;
        let (id, value) = match self.order {
            ByteOrder::Big => {
                (u32::from_be_bytes([b[0], b[1], b[2], b[3]]), i32::from_be_bytes([b[5], b[6], b[7], b[8]]))
            }
            ByteOrder::Little => {
                (u32::from_le_bytes([b[0], b[1], b[2], b[3]]), i32::from_le_bytes([b[5], b[6], b[7], b[8]]))
            }
        };
        if id != type_id || b[4] != 0 {
            return None;
        }
        self.pos += 9;
        Some(value)
    }

    /// The bytes of the QString (length prefix included) that starts here, if it is complete and
    /// not null; the position does not move.
    pub(crate) fn peek_qstring_raw(&self) -> Option<&[u8]> {
        let rest = &self.data[self.pos..self.end];
        let len = match self.order {
            ByteOrder::Big => u32::from_be_bytes(rest.get(..4)?.try_into().ok()?),
            ByteOrder::Little => u32::from_le_bytes(rest.get(..4)?.try_into().ok()?),
        };
        if len == NULL_LENGTH || len % 2 != 0 {
            return None;
        }
        rest.get(..4 + len as usize)
    }

    /// Moves the position to the end: what remains is given up (after a value that could not
    /// be decoded, nothing after it can be found).
    pub fn skip_rest(&mut self) {
        self.pos = self.end;
    }

    /// Moves the position `n` bytes on.
    pub fn skip(&mut self, n: usize, what: &'static str) -> DecodeResult<()> {
        self.take_slice(n, what).map(|_| ())
    }

    /// Takes `n` bytes as a zero-copy slice of the underlying buffer; `what` names them in the
    /// error if fewer remain.
    pub fn take_bytes(&mut self, n: usize, what: &'static str) -> DecodeResult<Bytes> {
        if self.remaining() < n {
            return Err(DecodeError::Truncated { what, needed: n - self.remaining() });
        }
        let out = self.data.slice(self.pos..self.pos + n);
        self.pos += n;
        Ok(out)
    }

    /// Reads a `u8`.
    pub fn u8(&mut self) -> DecodeResult<u8> {
        Ok(self.take_slice(1, "u8")?[0])
    }

    /// Reads an `i8`.
    pub fn i8(&mut self) -> DecodeResult<i8> {
        Ok(self.u8()? as i8)
    }

    /// QDataStream writes bool as one byte; any non-zero byte reads as true (as in Qt).
    pub fn bool(&mut self) -> DecodeResult<bool> {
        Ok(self.u8()? != 0)
    }

    read_int!(u16, u16, 2, BigEndian::read_u16, LittleEndian::read_u16);
    read_int!(i16, i16, 2, BigEndian::read_i16, LittleEndian::read_i16);
    read_int!(u32, u32, 4, BigEndian::read_u32, LittleEndian::read_u32);
    read_int!(i32, i32, 4, BigEndian::read_i32, LittleEndian::read_i32);
    read_int!(u64, u64, 8, BigEndian::read_u64, LittleEndian::read_u64);
    read_int!(i64, i64, 8, BigEndian::read_i64, LittleEndian::read_i64);
    read_int!(f64, f64, 8, BigEndian::read_f64, LittleEndian::read_f64);

    /// Reads a QDataStream length prefix. `Ok(None)` is the null marker.
    fn length(&mut self) -> DecodeResult<Option<u64>> {
        match self.u32()? {
            NULL_LENGTH => Ok(None),
            EXTENDED_LENGTH => Ok(Some(self.u64()?)),
            n => Ok(Some(n as u64)),
        }
    }

    /// Checks that `claimed` units of at least `unit` bytes each can still be present.
    pub fn check_len(&self, what: &'static str, claimed: u64, unit: usize) -> DecodeResult<usize> {
        let available = self.remaining();
        match claimed.checked_mul(unit.max(1) as u64) {
            Some(bytes) if bytes <= available as u64 => Ok(claimed as usize),
            _ => Err(DecodeError::LengthExceedsData { what, claimed, available }),
        }
    }

    /// Reads an element count for a container whose elements take at least `min_elem` bytes
    /// each; the count is bounded by the remaining data and by `limit`.
    pub fn count(&mut self, what: &'static str, min_elem: usize, limit: u32) -> DecodeResult<usize> {
        let n = self.u32()? as u64;
        if n > limit as u64 {
            return Err(DecodeError::LimitExceeded { what, count: n, limit: limit as u64 });
        }
        self.check_len(what, n, min_elem)
    }

    /// QString: byte length (or null marker) then UTF-16 in stream order. Unpaired surrogates
    /// become U+FFFD instead of failing the packet, as Qt peers can produce them.
    pub fn qstring(&mut self) -> DecodeResult<Option<String>> {
        let mut text = String::new();
        Ok(self.qstring_into(&mut text)?.then_some(text))
    }

    /// [`Reader::qstring`] into `out`, replacing its text but keeping its buffer (a stream of
    /// signals decodes each string argument where the previous one was). `false`: a null QString
    /// (`out` is then empty).
    pub fn qstring_into(&mut self, out: &mut String) -> DecodeResult<bool> {
        out.clear();
        let Some(len) = self.length()? else { return Ok(false) };
        if len % 2 != 0 {
            return Err(DecodeError::Invalid { what: "QString", detail: format!("odd byte length {len}") });
        }
        let len = self.check_len("QString", len, 1)?;
        let order = self.order;
        let raw = self.take_slice(len, "QString")?;
        // Fast path: names and most texts are ASCII; take the low bytes directly.
        let (lo, hi) = match order {
            ByteOrder::Little => (0, 1),
            ByteOrder::Big => (1, 0),
        };
        // All ASCII when no code unit has its high byte or bit 7 set; checked four units at a
        // time without branching, then the low bytes are the UTF-8 text.
        let non_ascii: u64 = match order {
            ByteOrder::Little => 0xff80_ff80_ff80_ff80,
            ByteOrder::Big => 0x80ff_80ff_80ff_80ff,
        };
        let quads = raw.chunks_exact(8);
        let tail = quads.remainder().chunks_exact(2).fold(0u16, |acc, c| acc | u16::from_le_bytes([c[lo], c[hi]]));
        let wide = quads.fold(0u64, |acc, q| acc | u64::from_le_bytes(q.try_into().expect("8 bytes")));
        if wide & non_ascii == 0 && tail < 0x80 {
            // The low bytes of four units at a time. (Not `vec![0; n]` and a loop: glibc's
            // calloc bypasses the per-thread cache.)
            // `out`'s own buffer, emptied above, taken as bytes and given back (no copy).
            let mut narrow = std::mem::take(out).into_bytes();
            narrow.reserve(len / 2);
            let mut quads = raw.chunks_exact(8);
            for q in &mut quads {
                let x = u64::from_le_bytes(q.try_into().expect("8 bytes")) >> (8 * lo);
                let low = (x & 0xff) | ((x >> 8) & 0xff00) | ((x >> 16) & 0xff_0000) | ((x >> 24) & 0xff00_0000);
                narrow.extend_from_slice(&(low as u32).to_le_bytes());
            }
            narrow.extend(quads.remainder().chunks_exact(2).map(|c| c[lo]));
            *out = String::from_utf8(narrow).expect("ASCII is UTF-8");
            return Ok(true);
        }
        let units = raw.chunks_exact(2).map(|c| match order {
            ByteOrder::Big => u16::from_be_bytes([c[0], c[1]]),
            ByteOrder::Little => u16::from_le_bytes([c[0], c[1]]),
        });
        out.reserve(len / 2);
        out.extend(char::decode_utf16(units).map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER)));
        Ok(true)
    }

    /// QString where null and empty are not distinguished by the caller.
    pub fn qstring_or_empty(&mut self) -> DecodeResult<String> {
        Ok(self.qstring()?.unwrap_or_default())
    }

    /// QByteArray: length (or null marker) then raw bytes.
    pub fn qbytearray(&mut self) -> DecodeResult<Option<Bytes>> {
        let Some(len) = self.length()? else { return Ok(None) };
        let len = self.check_len("QByteArray", len, 1)?;
        Ok(Some(self.take_bytes(len, "QByteArray")?))
    }

    /// A QByteArray that holds UTF-8 text (identifiers, type names, signatures).
    pub fn qbytearray_text(&mut self, what: &'static str) -> DecodeResult<Option<String>> {
        match self.qbytearray()? {
            None => Ok(None),
            Some(b) => String::from_utf8(b.to_vec()).map(Some).map_err(|_| DecodeError::InvalidUtf8(what)),
        }
    }

    /// `const char*` as written by QDataStream: u32 length including the NUL, then the bytes.
    /// Length 0 is a null pointer.
    pub fn cstr(&mut self, what: &'static str) -> DecodeResult<Option<String>> {
        let len = self.u32()? as u64;
        if len == 0 {
            return Ok(None);
        }
        let len = self.check_len(what, len, 1)?;
        let raw = self.take_slice(len, what)?;
        let text = match raw.split_last() {
            Some((0, text)) => text,
            _ => return Err(DecodeError::Invalid { what, detail: "C string without terminating NUL".into() }),
        };
        // A NUL inside would cut the name short for a Qt reader: refuse rather than guess.
        if text.contains(&0) {
            return Err(DecodeError::Invalid { what, detail: "NUL inside a C string".into() });
        }
        std::str::from_utf8(text).map(|s| Some(s.to_owned())).map_err(|_| DecodeError::InvalidUtf8(what))
    }
}

/// Four bytes spread to the even bytes of a little-endian u64: four ASCII characters as UTF-16
/// code units (shifted by 8, the big-endian ones).
#[inline]
fn widen4(q: &[u8]) -> u64 {
    let x = u32::from_le_bytes(q.try_into().expect("4 bytes")) as u64;
    (x & 0xff) | ((x & 0xff00) << 8) | ((x & 0xff_0000) << 16) | ((x & 0xff00_0000) << 24)
}

/// ASCII strings up to this many bytes are encoded in one step ([`Writer::qstring`]).
const SHORT_QSTRING: usize = 32;

/// Byte arrays at least this large are sent by reference when the writer collects splices.
pub(crate) const SPLICE_MIN: usize = 64 * 1024;

/// A large byte array sent by reference instead of copied into the output: its bytes go out
/// right after the first `at` bytes of the buffer (before whatever follows there).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Splice {
    pub(crate) at: usize,
    pub(crate) bytes: Bytes,
}

/// Where packets are encoded: a buffer and, optionally, the splices that go with it.
#[derive(Debug)]
pub(crate) struct Output<'a> {
    pub(crate) buf: &'a mut BytesMut,
    pub(crate) splices: Option<&'a mut Vec<Splice>>,
}

impl Output<'_> {
    /// The same output, borrowed for one more packet.
    pub(crate) fn reborrow(&mut self) -> Output<'_> {
        Output { buf: &mut *self.buf, splices: self.splices.as_deref_mut() }
    }
}

impl<'a> From<&'a mut BytesMut> for Output<'a> {
    fn from(buf: &'a mut BytesMut) -> Self {
        Output { buf, splices: None }
    }
}

/// Appends QDataStream data in a fixed byte order.
#[derive(Debug)]
pub struct Writer<'a> {
    buf: &'a mut BytesMut,
    order: ByteOrder,
    /// When present, large byte arrays are recorded here instead of copied into `buf`.
    splices: Option<&'a mut Vec<Splice>>,
    /// Bytes this writer recorded as splices (kept as it goes: the list may be long).
    spliced: usize,
}

macro_rules! write_int {
    ($name:ident, $ty:ty, $be:ident, $le:ident) => {
        #[doc = concat!("Writes a `", stringify!($ty), "` in the stream's byte order.")]
        #[inline]
        pub fn $name(&mut self, v: $ty) {
            match self.order {
                ByteOrder::Big => self.buf.$be(v),
                ByteOrder::Little => self.buf.$le(v),
            }
        }
    };
}

impl<'a> Writer<'a> {
    /// A writer appending to `buf` in `order`.
    pub fn new(buf: &'a mut BytesMut, order: ByteOrder) -> Self {
        Writer { buf, order, splices: None, spliced: 0 }
    }

    /// A writer that records large byte arrays (see [`Writer::qbytearray_shared`]) in the
    /// output's splices, if it has a list for them.
    pub(crate) fn to_output(out: Output<'a>, order: ByteOrder) -> Self {
        Writer { buf: out.buf, order, splices: out.splices, spliced: 0 }
    }

    /// A running count of bytes written, spliced ones included: the difference of two
    /// readings is what was written in between (for length prefixes around spliced data;
    /// [`Writer::len`] is the position in the buffer).
    pub(crate) fn written(&self) -> usize {
        self.buf.len() + self.spliced
    }

    /// The byte order this writer writes in.
    pub fn order(&self) -> ByteOrder {
        self.order
    }

    /// Number of bytes in the underlying buffer.
    pub fn len(&self) -> usize {
        self.buf.len()
    }

    /// Whether the underlying buffer is empty.
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// Drops everything written after `len`; used to undo a partially written value on error.
    /// Splices recorded after it go too (a splice always follows some bytes of its own value,
    /// so one at exactly `len` belongs to what came before).
    pub fn truncate(&mut self, len: usize) {
        self.buf.truncate(len);
        if let Some(s) = self.splices.as_deref_mut() {
            let mut dropped = 0;
            s.retain(|s| {
                let keep = s.at <= len;
                if !keep {
                    dropped += s.bytes.len();
                }
                keep
            });
            self.spliced -= dropped;
        }
    }

    /// Overwrites a u32 previously written at `at` (used for length prefixes).
    pub fn patch_u32(&mut self, at: usize, v: u32) {
        let bytes = match self.order {
            ByteOrder::Big => v.to_be_bytes(),
            ByteOrder::Little => v.to_le_bytes(),
        };
        self.buf[at..at + 4].copy_from_slice(&bytes);
    }

    /// Overwrites one byte previously written at `at`.
    pub fn patch_u8(&mut self, at: usize, v: u8) {
        self.buf[at] = v;
    }

    /// Appends `bytes` as they are (no length prefix).
    pub fn raw(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// Writes a `u8`.
    pub fn u8(&mut self, v: u8) {
        self.buf.put_u8(v)
    }

    /// Writes an `i8`.
    pub fn i8(&mut self, v: i8) {
        self.buf.put_i8(v)
    }

    /// Writes a bool as one byte, 0 or 1, as QDataStream does.
    pub fn bool(&mut self, v: bool) {
        self.buf.put_u8(v as u8)
    }

    write_int!(u16, u16, put_u16, put_u16_le);
    write_int!(i16, i16, put_i16, put_i16_le);
    write_int!(u32, u32, put_u32, put_u32_le);
    write_int!(i32, i32, put_i32, put_i32_le);
    write_int!(u64, u64, put_u64, put_u64_le);
    write_int!(i64, i64, put_i64, put_i64_le);
    write_int!(f64, f64, put_f64, put_f64_le);

    fn length(&mut self, what: &'static str, len: usize) -> EncodeResult<()> {
        if len >= EXTENDED_LENGTH as usize {
            return Err(EncodeError::TooLong { what, len });
        }
        self.u32(len as u32);
        Ok(())
    }

    /// Element count of a container.
    pub fn count(&mut self, what: &'static str, n: usize) -> EncodeResult<()> {
        self.length(what, n)
    }

    /// Stages the QString `s` (ASCII, at most [`SHORT_QSTRING`] bytes) at the start of `staged`:
    /// its length, then one code unit per byte. Returns the bytes staged.
    fn stage_short_ascii(&self, staged: &mut [u8], s: &str) -> usize {
        debug_assert!(s.len() <= SHORT_QSTRING && s.is_ascii());
        let bytes = 2 * s.len() as u32;
        let (len, shift) = match self.order {
            ByteOrder::Big => (bytes.to_be_bytes(), 8),
            ByteOrder::Little => (bytes.to_le_bytes(), 0),
        };
        staged[..4].copy_from_slice(&len);
        let units = &mut staged[4..4 + 2 * s.len()];
        // Four bytes widened per step, as in the long path.
        let mut quads = s.as_bytes().chunks_exact(4);
        let mut wide_units = units.chunks_exact_mut(8);
        for (q, out) in (&mut quads).zip(&mut wide_units) {
            out.copy_from_slice(&(widen4(q) << shift).to_le_bytes());
        }
        for (unit, &b) in wide_units.into_remainder().chunks_exact_mut(2).zip(quads.remainder()) {
            unit.copy_from_slice(&((b as u16) << shift).to_le_bytes());
        }
        4 + 2 * s.len()
    }

    /// The start of a packet: a length to patch later (0 for now), the packet type and the
    /// object name, in one append when the name is short ASCII (as object names are).
    pub(crate) fn packet_header(&mut self, packet_type: u16, name: &str) -> EncodeResult<()> {
        if name.len() <= SHORT_QSTRING && name.is_ascii() {
            let mut staged = [0u8; 6 + 4 + 2 * SHORT_QSTRING];
            staged[4..6].copy_from_slice(&match self.order {
                ByteOrder::Big => packet_type.to_be_bytes(),
                ByteOrder::Little => packet_type.to_le_bytes(),
            });
            let n = 6 + self.stage_short_ascii(&mut staged[6..], name);
            self.buf.extend_from_slice(&staged[..n]);
            return Ok(());
        }
        self.u32(0);
        self.u16(packet_type);
        self.qstring(Some(name))
    }

    /// A QVariant of a four-byte builtin type (type id, not-null flag, value) in one append.
    pub(crate) fn variant_u32(&mut self, type_id: u32, v: u32) {
        let mut staged = [0u8; 9];
        let (id, v) = match self.order {
            ByteOrder::Big => (type_id.to_be_bytes(), v.to_be_bytes()),
            ByteOrder::Little => (type_id.to_le_bytes(), v.to_le_bytes()),
        };
        staged[..4].copy_from_slice(&id);
        staged[5..].copy_from_slice(&v);
        self.buf.extend_from_slice(&staged);
    }

    /// QString: byte length (or, for `None`, the null marker) then UTF-16 in this writer's order.
    pub fn qstring(&mut self, s: Option<&str>) -> EncodeResult<()> {
        let Some(s) = s else {
            self.u32(NULL_LENGTH);
            return Ok(());
        };
        if s.len() <= SHORT_QSTRING && s.is_ascii() {
            // Object names and short texts, the most common strings of all: length and code
            // units assembled on the stack and appended at once (no reserve, patch or put per
            // four units).
            let mut staged = [0u8; 4 + 2 * SHORT_QSTRING];
            let n = self.stage_short_ascii(&mut staged, s);
            self.buf.extend_from_slice(&staged[..n]);
            return Ok(());
        }
        let at = self.buf.len();
        self.u32(0);
        let start = self.buf.len();
        self.buf.reserve(s.len() * 2);
        if s.is_ascii() {
            // One code unit per byte, widened four at a time: the bytes of a u32 spread to the
            // even (little-endian) or odd (big-endian) bytes of a u64.
            let shift = match self.order {
                ByteOrder::Big => 8,
                ByteOrder::Little => 0,
            };
            let mut quads = s.as_bytes().chunks_exact(4);
            for q in &mut quads {
                self.buf.put_u64_le(widen4(q) << shift);
            }
            for &b in quads.remainder() {
                self.buf.put_u16_le((b as u16) << shift);
            }
        } else {
            match self.order {
                ByteOrder::Big => s.encode_utf16().for_each(|u| self.buf.put_u16(u)),
                ByteOrder::Little => s.encode_utf16().for_each(|u| self.buf.put_u16_le(u)),
            }
        }
        let bytes = self.buf.len() - start;
        if bytes >= EXTENDED_LENGTH as usize {
            self.buf.truncate(at);
            return Err(EncodeError::TooLong { what: "QString", len: bytes });
        }
        self.patch_u32(at, bytes as u32);
        Ok(())
    }

    /// QByteArray: length (or, for `None`, the null marker) then the bytes.
    pub fn qbytearray(&mut self, b: Option<&[u8]>) -> EncodeResult<()> {
        match b {
            None => self.u32(NULL_LENGTH),
            Some(b) => {
                self.length("QByteArray", b.len())?;
                self.raw(b);
            }
        }
        Ok(())
    }

    /// A QByteArray held as [`Bytes`]: like [`Writer::qbytearray`], but a large one is recorded
    /// as a [`Splice`] (a reference, no copy) when this writer collects them.
    pub(crate) fn qbytearray_shared(&mut self, b: Option<&Bytes>) -> EncodeResult<()> {
        match b {
            Some(b) if b.len() >= SPLICE_MIN && self.splices.is_some() => {
                self.length("QByteArray", b.len())?;
                let at = self.buf.len();
                self.splices.as_deref_mut().expect("checked").push(Splice { at, bytes: b.clone() });
                self.spliced += b.len();
                Ok(())
            }
            b => self.qbytearray(b.map(|b| &b[..])),
        }
    }

    /// `const char*`: length including the NUL, the bytes, a NUL. `None` is a null pointer.
    pub fn cstr(&mut self, s: Option<&str>) -> EncodeResult<()> {
        match s {
            None => self.u32(0),
            Some(s) => {
                if s.as_bytes().contains(&0) {
                    return Err(EncodeError::InvalidValue(format!("C string {s:?} contains NUL")));
                }
                self.length("C string", s.len() + 1)?;
                self.raw(s.as_bytes());
                self.u8(0);
            }
        }
        Ok(())
    }

    /// Writes a QByteArray whose content is produced by a nested stream of `order` (QtRO's
    /// private big-endian streams). The length prefix uses this writer's order.
    pub fn nested(
        &mut self,
        order: ByteOrder,
        f: impl FnOnce(&mut Writer<'_>) -> EncodeResult<()>,
    ) -> EncodeResult<()> {
        let at = self.buf.len();
        self.u32(0);
        let start = self.buf.len();
        let result = {
            // No splices inside: the length prefix is computed from the buffer.
            let mut inner = Writer { buf: &mut *self.buf, order, splices: None, spliced: 0 };
            f(&mut inner)
        };
        if let Err(e) = result {
            self.buf.truncate(at);
            return Err(e);
        }
        let len = self.buf.len() - start;
        if len >= EXTENDED_LENGTH as usize {
            self.buf.truncate(at);
            return Err(EncodeError::TooLong { what: "nested byte array", len });
        }
        self.patch_u32(at, len as u32);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(order: ByteOrder, f: impl FnOnce(&mut Writer<'_>)) -> Vec<u8> {
        let mut buf = BytesMut::new();
        f(&mut Writer::new(&mut buf, order));
        buf.to_vec()
    }

    #[test]
    fn strings_follow_stream_order() {
        assert_eq!(written(ByteOrder::Little, |w| w.qstring(Some("hé")).unwrap()), [4, 0, 0, 0, 0x68, 0, 0xe9, 0]);
        assert_eq!(written(ByteOrder::Big, |w| w.qstring(Some("hé")).unwrap()), [0, 0, 0, 4, 0, 0x68, 0, 0xe9]);
        assert_eq!(written(ByteOrder::Big, |w| w.qstring(None).unwrap()), [0xff; 4]);
        assert_eq!(written(ByteOrder::Big, |w| w.qstring(Some("")).unwrap()), [0; 4]);
    }

    #[test]
    fn strings_decode_into_a_reused_buffer() {
        let mut text = String::with_capacity(64);
        text.push_str("previous text, longer than the next");
        let buffer = text.as_ptr();
        for (order, sample) in
            [(ByteOrder::Little, "0123456789abcdef"), (ByteOrder::Big, "ünïcödé"), (ByteOrder::Little, "")]
        {
            let bytes = written(order, |w| w.qstring(Some(sample)).unwrap());
            let mut r = Reader::new(Bytes::from(bytes), order);
            assert!(r.qstring_into(&mut text).unwrap());
            assert_eq!(text, sample);
            assert_eq!(text.as_ptr(), buffer, "{sample:?} decoded into the same buffer");
        }
        let bytes = written(ByteOrder::Big, |w| w.qstring(None).unwrap());
        assert!(!Reader::new(Bytes::from(bytes), ByteOrder::Big).qstring_into(&mut text).unwrap(), "null");
        assert_eq!(text, "");
    }

    #[test]
    fn strings_round_trip_whatever_the_position_of_a_non_ascii_unit() {
        // The ASCII fast path reads four units at a time: put a wide unit at every position of
        // strings of every length around that width, in both orders.
        for len in 0..20 {
            for wide_at in 0..=len {
                for wide in ['\u{e9}', '\u{100}', '\u{1f600}', '\u{7f}'] {
                    let text: String =
                        (0..len).map(|i| if i == wide_at { wide } else { (b'a' + i as u8) as char }).collect();
                    for order in [ByteOrder::Little, ByteOrder::Big] {
                        let bytes = written(order, |w| w.qstring(Some(&text)).unwrap());
                        let mut r = Reader::new(Bytes::from(bytes), order);
                        assert_eq!(r.qstring().unwrap().as_deref(), Some(text.as_str()), "{order:?} {text:?}");
                        r.finish("test").unwrap();
                    }
                }
            }
        }
    }

    #[test]
    fn ascii_strings_are_written_as_utf16_code_units() {
        // Short ASCII strings are staged whole, longer ones widened four bytes at a time: every
        // length around both widths, both orders, against the code units `encode_utf16` gives.
        for len in (0..20).chain(SHORT_QSTRING - 4..SHORT_QSTRING + 6) {
            let text: String = (0..len).map(|i| (b' ' + (i * 5 % 95) as u8) as char).collect();
            for order in [ByteOrder::Little, ByteOrder::Big] {
                let mut expected = match order {
                    ByteOrder::Little => (2 * len as u32).to_le_bytes().to_vec(),
                    ByteOrder::Big => (2 * len as u32).to_be_bytes().to_vec(),
                };
                for u in text.encode_utf16() {
                    expected.extend(match order {
                        ByteOrder::Little => u.to_le_bytes(),
                        ByteOrder::Big => u.to_be_bytes(),
                    });
                }
                assert_eq!(written(order, |w| w.qstring(Some(&text)).unwrap()), expected, "{order:?} {text:?}");
            }
        }
    }

    #[test]
    fn i32_variants_are_read_in_one_step_and_anything_else_is_left_alone() {
        for order in [ByteOrder::Little, ByteOrder::Big] {
            let variant = |id: u32, null: u8, v: i32| {
                written(order, |w| {
                    w.u32(id);
                    w.u8(null);
                    w.i32(v);
                })
            };
            let mut r = Reader::new(Bytes::from(variant(2, 0, -7)), order);
            assert_eq!(r.i32_variant(2), Some(-7), "{order:?}");
            r.finish("test").unwrap();
            // Another type (uint), a null int, fewer than nine bytes: nothing is consumed, so the general
            // decoder sees the same bytes.
            for (bytes, case) in
                [(variant(3, 0, 5), "uint"), (variant(2, 1, 5), "null"), (variant(2, 0, 5)[..8].to_vec(), "short")]
            {
                let mut r = Reader::new(Bytes::from(bytes.clone()), order);
                assert_eq!(r.i32_variant(2), None, "{order:?} {case}");
                assert_eq!(r.position(), 0, "{order:?} {case}");
            }
            // The window's end bounds it, not the buffer's.
            let mut r = Reader::new(Bytes::from(variant(2, 0, 5)), order);
            r.set_window(0..8);
            assert_eq!(r.i32_variant(2), None, "{order:?} window");
        }
    }

    #[test]
    fn one_step_encodings_match_the_field_by_field_ones() {
        for order in [ByteOrder::Little, ByteOrder::Big] {
            assert_eq!(
                written(order, |w| w.variant_u32(2, 0xdead_beef)),
                written(order, |w| {
                    w.u32(2);
                    w.u8(0);
                    w.u32(0xdead_beef);
                }),
                "{order:?}"
            );
            let long = "x".repeat(SHORT_QSTRING + 1);
            for name in ["", "Counter", "é", long.as_str(), &long[..SHORT_QSTRING]] {
                assert_eq!(
                    written(order, |w| w.packet_header(7, name).unwrap()),
                    written(order, |w| {
                        w.u32(0);
                        w.u16(7);
                        w.qstring(Some(name)).unwrap();
                    }),
                    "{order:?} {name:?}"
                );
            }
        }
    }

    #[test]
    fn null_and_empty_are_kept_apart() {
        let mut r = Reader::new(Bytes::from_static(&[0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]), ByteOrder::Little);
        assert_eq!(r.qstring().unwrap(), None);
        assert_eq!(r.qstring().unwrap(), Some(String::new()));
        r.finish("test").unwrap();
    }

    #[test]
    fn lengths_are_checked_before_allocating() {
        let mut r = Reader::new(Bytes::from_static(&[0xf0, 0xff, 0xff, 0x7f, 1, 2]), ByteOrder::Little);
        assert!(matches!(r.qbytearray(), Err(DecodeError::LengthExceedsData { .. })));
        let mut r =
            Reader::new(Bytes::from_static(&[0xfe, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0x80]), ByteOrder::Little);
        assert!(matches!(r.qbytearray(), Err(DecodeError::LengthExceedsData { .. })));
        let mut r = Reader::new(Bytes::from_static(&[3, 0, 0, 0, 0x61, 0x62]), ByteOrder::Little);
        assert!(matches!(r.cstr("name"), Err(DecodeError::LengthExceedsData { .. })));
        let mut r = Reader::new(Bytes::from_static(&[2, 0, 0, 0, 0x61, 0x62]), ByteOrder::Little);
        assert!(matches!(r.cstr("name"), Err(DecodeError::Invalid { .. })));
        let mut r = Reader::new(Bytes::from_static(&[3, 0, 0, 0, 0x61, 0, 0]), ByteOrder::Little);
        assert!(matches!(r.cstr("name"), Err(DecodeError::Invalid { .. })), "interior NUL");
    }

    #[test]
    fn extended_length_escape_is_accepted_when_reading() {
        let mut r = Reader::new(
            Bytes::from_static(&[0xfe, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0x61, 0x62]),
            ByteOrder::Little,
        );
        assert_eq!(r.qbytearray().unwrap().unwrap(), &b"ab"[..]);
    }

    #[test]
    fn nested_stream_uses_its_own_order() {
        let out = written(ByteOrder::Little, |w| {
            w.nested(ByteOrder::Big, |n| {
                n.u32(1);
                Ok(())
            })
            .unwrap()
        });
        assert_eq!(out, [4, 0, 0, 0, 0, 0, 0, 1]);
    }
}
