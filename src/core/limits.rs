//! Configurable bounds that keep a decoder's work and memory proportional to what it is willing
//! to accept, whatever a peer claims.
//!
//! # Example
//!
//! The defaults, and tighter bounds for an untrusted peer: a frame header announcing more than
//! the maximum is refused before any of its body is buffered, a value nested too deep is refused
//! while decoding.
//!
//! ```
//! use qtro_rs::core::variant::{from_bytes_with_limits, to_bytes};
//! use qtro_rs::core::{ByteOrder, DecodeError, Dialect, FrameDecoder, Limits, TypeRegistry, Value};
//!
//! assert_eq!(Limits::default(), Limits::DEFAULT);
//! assert_eq!((Limits::DEFAULT.max_packet_size, Limits::DEFAULT.max_depth), (64 << 20, 64));
//!
//! let strict = Limits { max_packet_size: 1024, max_depth: 2, ..Limits::DEFAULT };
//! let mut frames = FrameDecoder::new(Dialect::Qt6, &strict);
//! frames.extend(&4096u32.to_le_bytes());
//! let err = frames.next_frame().unwrap_err();
//! assert_eq!(err, DecodeError::PacketTooLarge { len: 4096, max: 1024 });
//! assert!(err.closes_connection(), "the stream cannot be trusted any more");
//!
//! let nested = Value::List(vec![Value::List(vec![Value::List(vec![])])]);
//! let bytes = to_bytes(&nested, Dialect::Qt6, ByteOrder::Little)?;
//! let types = TypeRegistry::new(Dialect::Qt6);
//! let err = from_bytes_with_limits(bytes, Dialect::Qt6, ByteOrder::Little, &types, &strict);
//! assert_eq!(err, Err(DecodeError::TooDeep { limit: 2 }));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use serde::{Deserialize, Serialize};

/// Decoder limits. Qt itself has none; these defaults are generous for real traffic (bulk
/// properties of tens of MiB pass) while bounding what a hostile peer can make us allocate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    /// Largest frame body accepted, in bytes.
    pub max_packet_size: u32,
    /// Deepest nesting of values (lists in maps in gadgets …) and nested streams.
    pub max_depth: u32,
    /// Most values decoded from one packet (each costs ~48 bytes of memory whatever its wire size).
    pub max_values: usize,
    /// Longest container accepted, whatever its element size.
    pub max_collection_len: u32,
}

impl Limits {
    /// The defaults: 64 MiB packets, nesting 64 deep, 2²⁰ values per packet, containers of up
    /// to 2²⁴ elements.
    pub const DEFAULT: Limits =
        Limits { max_packet_size: 64 * 1024 * 1024, max_depth: 64, max_values: 1 << 20, max_collection_len: 1 << 24 };
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}

/// Queues (of events, staged output) keep at most this many entries of capacity once drained, so
/// a burst's peak allocation is not held by an idle object (1000 replicas would hold ~1 GiB).
pub(crate) const RETAINED_QUEUE: usize = 4096;

/// The front of `queue`; once it is drained, gives back a burst's allocation beyond
/// [`RETAINED_QUEUE`] entries.
pub(crate) fn pop_front_shrinking<T>(queue: &mut std::collections::VecDeque<T>) -> Option<T> {
    let item = queue.pop_front();
    if item.is_none() && queue.capacity() > RETAINED_QUEUE {
        queue.shrink_to(64);
    }
    item
}

/// Throttles a warning a peer can trigger at will (a refused request, an undecodable packet), so
/// that it cannot flood the log: the first [`LogThrottle::BURST`] pass, then only the 2^k-th
/// (a log line per doubling), each saying how many were held back since the last. Counts, not
/// clocks: the core reads no time.
#[derive(Debug, Default, Clone)]
pub(crate) struct LogThrottle {
    seen: u64,
    suppressed: u64,
}

impl LogThrottle {
    /// Occurrences logged before throttling starts.
    pub(crate) const BURST: u64 = 8;

    /// `Some(held back since the last one)` when this occurrence is to be logged.
    pub(crate) fn allow(&mut self) -> Option<u64> {
        self.seen += 1;
        if self.seen <= Self::BURST || self.seen.is_power_of_two() {
            Some(std::mem::take(&mut self.suppressed))
        } else {
            self.suppressed += 1;
            None
        }
    }
}

/// Longest text from a peer quoted in a log line.
pub(crate) const LOG_QUOTE_MAX: usize = 200;

/// `text` cut to [`LOG_QUOTE_MAX`] bytes (at a character boundary) with the length of the rest,
/// for quoting what a peer sent in a log line.
// Public for the C library (capi/), which quotes user input the same way; not part of the API.
#[doc(hidden)]
pub fn clip(text: &str) -> std::borrow::Cow<'_, str> {
    if text.len() <= LOG_QUOTE_MAX {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut end = LOG_QUOTE_MAX;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    std::borrow::Cow::Owned(format!("{}… ({} more bytes)", &text[..end], text.len() - end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttle_lets_bursts_through_then_one_per_doubling() {
        let mut t = LogThrottle::default();
        let logged: Vec<u64> = (1..=1000u64).filter(|_| t.allow().is_some()).collect::<Vec<_>>();
        assert_eq!(logged.len() as u64, LogThrottle::BURST + 6, "8, then 16, 32, …, 512");
        let mut t = LogThrottle::default();
        for _ in 0..16 {
            t.allow();
        }
        assert_eq!(
            (0..16).filter_map(|_| t.allow()).collect::<Vec<_>>(),
            vec![15],
            "the 32nd reports the 15 held back"
        );
    }

    #[test]
    fn clip_cuts_long_text_at_a_character_boundary() {
        assert_eq!(clip("short"), "short");
        let long = "é".repeat(300);
        let c = clip(&long);
        assert!(c.len() < 260 && c.ends_with("(400 more bytes)"), "{c}");
    }
}
