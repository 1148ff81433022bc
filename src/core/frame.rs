//! Incremental framing: turns a byte stream arriving in arbitrary chunks into complete frames.
//!
//! Unlike Qt, the decoder checks the declared length against the configured maximum as soon as
//! the header arrives and slices each body exactly, so neither a huge length nor a malformed body
//! can make it allocate without bound or lose sync with the stream.
//!
//! # Example
//!
//! Two Qt 5 frames (big-endian length, then the packet type and its payload, which framing does
//! not look into) arriving in three chunks:
//!
//! ```
//! use qtro_rs::core::{Dialect, FrameDecoder, Limits};
//!
//! let stream = [0, 0, 0, 4, 0, 10, 0xab, 0xcd, 0, 0, 0, 2, 0, 11];
//! let mut frames = FrameDecoder::new(Dialect::Qt5, &Limits::DEFAULT);
//! frames.extend(&stream[..3]);
//! assert!(frames.next_frame()?.is_none(), "not even a whole header yet");
//! frames.extend(&stream[3..7]);
//! assert_eq!(frames.missing(), 1, "the first frame lacks one byte");
//! frames.extend(&stream[7..]);
//!
//! let (batch, error) = frames.take_frames();
//! assert!(error.is_none());
//! let got: Vec<_> = batch.map(|f| (f.packet_type, f.payload.to_vec())).collect();
//! assert_eq!(got, [(10, vec![0xab, 0xcd]), (11, vec![])]);
//! assert_eq!(frames.buffered(), 0);
//! # Ok::<(), qtro_rs::core::DecodeError>(())
//! ```

use bytes::{Buf, Bytes, BytesMut};

use super::dialect::{ByteOrder, Dialect};
use super::error::{DecodeError, DecodeResult};
use super::limits::Limits;

/// Bytes in the frame header: `u32 bodyLength`.
pub const HEADER_LEN: usize = 4;

/// Frames up to this size fit a driver's usual read buffer (64 KiB): no room is reserved for
/// the rest of one that arrived in part.
const SMALL_FRAME: usize = 48 * 1024;

/// One complete frame: its packet type and the bytes after the type field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// The packet type number (see [`PacketType`](super::PacketType)); not checked here.
    pub packet_type: u16,
    /// The rest of the body: the object name and the fields, for
    /// [`Packet::decode`](super::Packet::decode).
    pub payload: Bytes,
}

/// Splits a byte stream into frames. Feed bytes with [`FrameDecoder::extend`] (or keep them in
/// your own `BytesMut` and call [`FrameDecoder::decode`]), then take frames until `Ok(None)`.
/// After an error the stream cannot be resynchronised: close the connection.
#[derive(Debug)]
pub struct FrameDecoder {
    order: ByteOrder,
    max_packet_size: u32,
    buf: BytesMut,
}

impl FrameDecoder {
    /// A decoder for a stream of `dialect` (which decides the byte order of the length header)
    /// accepting bodies up to [`Limits::max_packet_size`].
    pub fn new(dialect: Dialect, limits: &Limits) -> Self {
        FrameDecoder { order: dialect.outer_order(), max_packet_size: limits.max_packet_size, buf: BytesMut::new() }
    }

    /// Appends received bytes to the internal buffer.
    pub fn extend(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// Appends received bytes, taking the buffer itself when nothing is pending (zero copy).
    pub fn extend_owned(&mut self, bytes: BytesMut) {
        if self.buf.is_empty() {
            self.buf = bytes;
        } else {
            self.buf.extend_from_slice(&bytes);
        }
    }

    /// Takes the buffered bytes (a partial frame) out, with any capacity reserved for the rest
    /// of that frame: a driver can read the remaining bytes straight into it and hand it back
    /// with [`FrameDecoder::extend_owned`], so a large frame is not copied from read buffer to
    /// frame buffer.
    pub fn take_buffer(&mut self) -> BytesMut {
        std::mem::take(&mut self.buf)
    }

    /// Bytes buffered but not yet returned as frames.
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// Bytes still to come for the partial frame buffered now (0 when none is, or its header
    /// is incomplete or invalid).
    pub fn missing(&self) -> usize {
        match self.buf.get(..HEADER_LEN).map(|h| self.body_len(h)) {
            Some(Ok(len)) => (HEADER_LEN + len).saturating_sub(self.buf.len()),
            _ => 0,
        }
    }

    /// The next complete frame from the internal buffer.
    pub fn next_frame(&mut self) -> DecodeResult<Option<Frame>> {
        let mut buf = std::mem::take(&mut self.buf);
        let out = self.decode(&mut buf);
        // Idle connections should not keep a large read buffer alive.
        if !buf.is_empty() {
            self.buf = buf;
        }
        out
    }

    /// Every complete frame buffered, split off in one piece: a read of hundreds of small
    /// packets costs one split and one shared buffer instead of one of each per frame. The
    /// error, if any, is the header that follows the returned frames (those are still valid);
    /// the stream cannot continue past it.
    pub fn take_frames(&mut self) -> (Frames, Option<DecodeError>) {
        let mut end = 0;
        let mut error = None;
        let mut partial = None;
        while self.buf.len() - end >= HEADER_LEN {
            match self.body_len(&self.buf[end..end + HEADER_LEN]) {
                Ok(len) if self.buf.len() - end >= HEADER_LEN + len => end += HEADER_LEN + len,
                Ok(len) => {
                    partial = Some(HEADER_LEN + len);
                    break;
                }
                Err(e) => {
                    error = Some(e);
                    break;
                }
            }
        }
        let chunk = if end == 0 {
            Bytes::new()
        } else if end == self.buf.len() {
            // Idle connections should not keep a large read buffer alive.
            std::mem::take(&mut self.buf).freeze()
        } else {
            self.buf.split_to(end).freeze()
        };
        // Room for the rest of a large partial frame. A small one is left as it is: reserving
        // now, while the returned frames still share the buffer, would copy it into a fresh
        // allocation; the next read's own reservation moves it to the front of this one instead.
        if let Some(total) = partial.filter(|&t| t > SMALL_FRAME) {
            let have = self.buf.len();
            self.buf.reserve(grow_towards(total, have));
        }
        (Frames { chunk, pos: 0, order: self.order }, error)
    }

    /// The body length a frame header declares, checked against the limits.
    fn body_len(&self, header: &[u8]) -> DecodeResult<usize> {
        let header: [u8; 4] = header.try_into().expect("header length");
        let len = match self.order {
            ByteOrder::Big => u32::from_be_bytes(header),
            ByteOrder::Little => u32::from_le_bytes(header),
        };
        if len > self.max_packet_size {
            return Err(DecodeError::PacketTooLarge { len: len as u64, max: self.max_packet_size as u64 });
        }
        if len < 2 {
            return Err(DecodeError::FrameTooShort { len: len as u64 });
        }
        Ok(len as usize)
    }

    /// The next complete frame from `src`, consuming its bytes; `Ok(None)` if more are needed.
    pub fn decode(&self, src: &mut BytesMut) -> DecodeResult<Option<Frame>> {
        if src.len() < HEADER_LEN {
            return Ok(None);
        }
        let len = self.body_len(&src[..HEADER_LEN])?;
        let total = HEADER_LEN + len;
        if src.len() < total {
            src.reserve(grow_towards(total, src.len()));
            return Ok(None);
        }
        src.advance(HEADER_LEN);
        let mut body = src.split_to(len).freeze();
        let packet_type = match self.order {
            ByteOrder::Big => body.get_u16(),
            ByteOrder::Little => body.get_u16_le(),
        };
        Ok(Some(Frame { packet_type, payload: body }))
    }
}

/// How much more room to reserve for a frame of `total` bytes of which `have` arrived: all of it
/// up to 1 MiB (frames that size arrive with at most their first read copied), then
/// geometrically, to at most four times what actually arrived. A lying header thus reserves at
/// most 1 MiB by itself, and that memory is not touched (resident) until data fills it.
fn grow_towards(total: usize, have: usize) -> usize {
    (total - have).min((have * 3).max(GROW_AT_ONCE))
}

/// See [`grow_towards`].
const GROW_AT_ONCE: usize = 1024 * 1024;

/// The complete frames of one [`FrameDecoder::take_frames`], in order.
#[derive(Debug)]
pub struct Frames {
    chunk: Bytes,
    pos: usize,
    order: ByteOrder,
}

/// Capacity past which a spent read buffer is not kept for reuse.
const SPARE_MAX: usize = 256 * 1024;

/// One spent read buffer kept for the next read (of any connection of a core): a steady stream
/// then reads into the same memory instead of allocating, and page-faulting, a fresh buffer
/// per read. One per core, so many idle connections hold none.
#[derive(Debug, Default)]
pub(crate) struct SpareBuffer(Option<BytesMut>);

impl SpareBuffer {
    /// `partial` (a connection's partial frame, with room reserved for the rest) if it has
    /// any memory, else the spare buffer.
    pub(crate) fn or_spare(&mut self, partial: BytesMut) -> BytesMut {
        if partial.capacity() > 0 {
            return partial;
        }
        self.0.take().unwrap_or_default()
    }

    /// Keeps the buffer of a decoded batch if nothing else refers to it any more (decoded byte
    /// arrays may still point into it).
    pub(crate) fn keep(&mut self, frames: Frames) {
        if self.0.is_some() || frames.chunk.len() > SPARE_MAX {
            return;
        }
        if let Ok(mut buf) = frames.chunk.try_into_mut() {
            buf.clear();
            self.0 = Some(buf);
        }
    }
}

impl Frames {
    /// The buffer all frames of this batch live in.
    pub fn chunk(&self) -> &Bytes {
        &self.chunk
    }

    /// The next frame's packet type and where its payload lies in [`Frames::chunk`] (decode it
    /// with a [`crate::core::stream::Reader`] windowed there: no slice per frame).
    pub fn next_span(&mut self) -> Option<(u16, std::ops::Range<usize>)> {
        // Headers were checked when the chunk was split off: every frame here is complete.
        let rest = self.chunk.get(self.pos..)?;
        let header: [u8; 6] = rest.get(..HEADER_LEN + 2)?.try_into().expect("six bytes");
        let (len, packet_type) = match self.order {
            ByteOrder::Big => {
                (u32::from_be_bytes(header[..4].try_into().expect("4")), u16::from_be_bytes([header[4], header[5]]))
            }
            ByteOrder::Little => {
                (u32::from_le_bytes(header[..4].try_into().expect("4")), u16::from_le_bytes([header[4], header[5]]))
            }
        };
        let start = self.pos + HEADER_LEN + 2;
        let end = self.pos + HEADER_LEN + len as usize;
        self.pos = end;
        Some((packet_type, start..end))
    }

    /// The frame at `span` (from [`Frames::next_span`]) as a [`Frame`] of its own.
    pub fn frame(&self, packet_type: u16, span: std::ops::Range<usize>) -> Frame {
        Frame { packet_type, payload: self.chunk.slice(span) }
    }
}

impl Iterator for Frames {
    type Item = Frame;

    fn next(&mut self) -> Option<Frame> {
        let (packet_type, span) = self.next_span()?;
        Some(self.frame(packet_type, span))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PING_LE: [u8; 22] =
        [0x12, 0, 0, 0, 0x0a, 0, 0x0c, 0, 0, 0, 0x53, 0, 0x69, 0, 0x6d, 0, 0x70, 0, 0x6c, 0, 0x65, 0];

    #[test]
    fn frames_survive_any_chunking() {
        let stream: Vec<u8> = PING_LE.iter().chain(PING_LE.iter()).copied().collect();
        for chunk in 1..=stream.len() {
            let mut d = FrameDecoder::new(Dialect::Qt6, &Limits::DEFAULT);
            let mut frames = Vec::new();
            for c in stream.chunks(chunk) {
                d.extend(c);
                while let Some(f) = d.next_frame().unwrap() {
                    frames.push(f);
                }
            }
            assert_eq!(frames.len(), 2, "chunk size {chunk}");
            assert!(frames.iter().all(|f| f.packet_type == 10 && f.payload.len() == 16));
            assert_eq!(d.buffered(), 0);
        }
    }

    #[test]
    fn take_frames_returns_every_complete_frame_and_keeps_the_rest() {
        let stream: Vec<u8> = PING_LE.iter().chain(PING_LE.iter()).chain(PING_LE.iter()).copied().collect();
        for cut in 0..=stream.len() {
            let mut d = FrameDecoder::new(Dialect::Qt6, &Limits::DEFAULT);
            let mut frames = Vec::new();
            for part in [&stream[..cut], &stream[cut..]] {
                d.extend(part);
                let (batch, error) = d.take_frames();
                assert!(error.is_none());
                frames.extend(batch);
            }
            assert_eq!(frames.len(), 3, "cut at {cut}");
            assert!(frames.iter().all(|f| f.packet_type == 10 && f.payload.len() == 16));
            assert_eq!(d.buffered(), 0);
        }
    }

    #[test]
    fn take_frames_delivers_the_frames_before_a_bad_header() {
        let limits = Limits { max_packet_size: 1024, ..Limits::DEFAULT };
        let mut d = FrameDecoder::new(Dialect::Qt6, &limits);
        d.extend(&PING_LE);
        d.extend(&[0xff, 0xff, 0xff, 0x7f]);
        let (frames, error) = d.take_frames();
        assert_eq!(frames.count(), 1);
        assert!(matches!(error, Some(DecodeError::PacketTooLarge { .. })));
    }

    #[test]
    fn oversized_length_is_refused_at_the_header() {
        let limits = Limits { max_packet_size: 1024, ..Limits::DEFAULT };
        let mut d = FrameDecoder::new(Dialect::Qt6, &limits);
        d.extend(&[0xff, 0xff, 0xff, 0x7f]);
        assert!(matches!(d.next_frame(), Err(DecodeError::PacketTooLarge { .. })));
        let mut d = FrameDecoder::new(Dialect::Qt5, &limits);
        d.extend(&[0, 0, 0, 1, 9]);
        assert!(matches!(d.next_frame(), Err(DecodeError::FrameTooShort { .. })));
    }

    #[test]
    fn waiting_for_a_large_frame_does_not_preallocate_it() {
        let mut d = FrameDecoder::new(Dialect::Qt6, &Limits::DEFAULT);
        d.extend(&(60u32 * 1024 * 1024).to_le_bytes());
        assert!(d.next_frame().unwrap().is_none());
        let cap = d.buf.capacity();
        assert!((GROW_AT_ONCE..GROW_AT_ONCE + 4096).contains(&cap), "{cap} bytes reserved for a 60 MiB header");
    }

    #[test]
    fn missing_counts_what_the_partial_frame_still_needs() {
        let limits = Limits { max_packet_size: 1 << 20, ..Limits::DEFAULT };
        let mut d = FrameDecoder::new(Dialect::Qt6, &limits);
        assert_eq!(d.missing(), 0, "nothing buffered");
        d.extend(&[0, 4]);
        assert_eq!(d.missing(), 0, "header incomplete");
        d.extend(&[0, 0, 9, 0]);
        assert_eq!(d.missing(), 1024 - 2, "6 of 4 + 1024 bytes (length 1024, little-endian)");
        d.extend(&[0; 1022]);
        assert_eq!(d.missing(), 0);
        let (frames, _) = d.take_frames();
        assert_eq!(frames.count(), 1);
        d.extend(&[0xff, 0xff, 0xff, 0x7f]);
        assert_eq!(d.missing(), 0, "a header past the limit asks for nothing");
    }
}
