//! Configurable bounds that keep a decoder's work and memory proportional to what it is willing
//! to accept, whatever a peer claims.

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
    pub const DEFAULT: Limits = Limits {
        max_packet_size: 64 * 1024 * 1024,
        max_depth: 64,
        max_values: 1 << 20,
        max_collection_len: 1 << 24,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}

/// Queues (of events, staged output) keep at most this many entries of capacity once drained, so
/// a burst's peak allocation is not held by an idle object (1000 replicas would hold ~1 GiB).
pub const RETAINED_QUEUE: usize = 4096;

/// The front of `queue`; once it is drained, gives back a burst's allocation beyond
/// [`RETAINED_QUEUE`] entries.
pub(crate) fn pop_front_shrinking<T>(queue: &mut std::collections::VecDeque<T>) -> Option<T> {
    let item = queue.pop_front();
    if item.is_none() && queue.capacity() > RETAINED_QUEUE {
        queue.shrink_to(64);
    }
    item
}
