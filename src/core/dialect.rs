//! The two wire dialects: Qt 6 ("QtRO 2.0") and Qt 5.15 ("QtRO 1.3").
//!
//! # Example
//!
//! What differs between the two, and how a client tells which one a host speaks from the first
//! bytes it sends:
//!
//! ```
//! use qtro_rs::core::{ByteOrder, Dialect, Packet};
//!
//! let (qt6, qt5) = (Dialect::Qt6, Dialect::Qt5);
//! assert_eq!((qt6.protocol_version(), qt5.protocol_version()), ("QtRO 2.0", "QtRO 1.3"));
//! assert_eq!((qt6.outer_order(), qt5.outer_order()), (ByteOrder::Little, ByteOrder::Big));
//! assert_eq!((qt6.stream_version(), qt5.stream_version()), (20, 18));
//! // The QVariant header of a user type carries a different id.
//! assert_eq!((qt6.user_type_id(), qt5.user_type_id()), (65536, 1024));
//! // QtRO's nested streams are big-endian in both.
//! assert_eq!(qt6.nested_order(), qt5.nested_order());
//!
//! let handshake = Packet::Handshake { version: "QtRO 1.3".into() }.to_bytes(qt5)?;
//! assert_eq!(Dialect::detect(&handshake), Some(Dialect::Qt5));
//! assert_eq!(Dialect::detect(&handshake[..3]), None, "too few bytes to tell");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use serde::{Deserialize, Serialize};

/// Byte order of a QDataStream (`QDataStream::ByteOrder`), chosen at run time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ByteOrder {
    /// `QDataStream::BigEndian`, the default of a freshly constructed QDataStream.
    Big,
    /// `QDataStream::LittleEndian`: the order of Qt 6 QtRO's outer stream ([`Dialect::outer_order`]).
    Little,
}

/// Which stock Qt a connection speaks with. The two are mutually unintelligible on the wire, so a
/// host is configured per endpoint and a client may detect it from the first four bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Dialect {
    /// Qt 6.0 – 6.8: little-endian outer stream, handshake "QtRO 2.0".
    #[default]
    Qt6,
    /// Qt 5.15: big-endian throughout, handshake "QtRO 1.3".
    Qt5,
}

impl Dialect {
    /// Byte order of packet headers and top-level fields.
    pub const fn outer_order(self) -> ByteOrder {
        match self {
            Dialect::Qt6 => ByteOrder::Little,
            Dialect::Qt5 => ByteOrder::Big,
        }
    }

    /// Byte order of the private streams QtRO nests in byte arrays (QRO_, QSQ_, QAS_): always
    /// big-endian, because Qt creates them with a default-constructed QDataStream.
    pub const fn nested_order(self) -> ByteOrder {
        ByteOrder::Big
    }

    /// The handshake string the host sends first.
    pub const fn protocol_version(self) -> &'static str {
        match self {
            Dialect::Qt6 => "QtRO 2.0",
            Dialect::Qt5 => "QtRO 1.3",
        }
    }

    /// QDataStream version of the outer stream (informational; encodings follow it).
    pub const fn stream_version(self) -> u32 {
        match self {
            Dialect::Qt6 => 20,
            Dialect::Qt5 => 18,
        }
    }

    /// The QMetaType id marking a user type in a QVariant header.
    pub const fn user_type_id(self) -> u32 {
        match self {
            Dialect::Qt6 => 65536,
            Dialect::Qt5 => 1024,
        }
    }

    /// Detect the dialect from the first bytes a host sent (a Handshake frame).
    /// Returns `None` when fewer than six bytes are known or neither reading is plausible.
    pub fn detect(first_bytes: &[u8]) -> Option<Dialect> {
        if first_bytes.len() < 6 {
            return None;
        }
        let le_len = u32::from_le_bytes(first_bytes[0..4].try_into().ok()?);
        let be_len = u32::from_be_bytes(first_bytes[0..4].try_into().ok()?);
        let le_type = u16::from_le_bytes([first_bytes[4], first_bytes[5]]);
        let be_type = u16::from_be_bytes([first_bytes[4], first_bytes[5]]);
        let plausible = |len: u32, ty: u16| ty == 1 && (6..4096).contains(&len);
        if plausible(le_len, le_type) {
            Some(Dialect::Qt6)
        } else if plausible(be_len, be_type) {
            Some(Dialect::Qt5)
        } else {
            None
        }
    }
}

impl Dialect {
    /// The dialect of a buffer holding exactly one or more complete frames, judged by which byte
    /// order makes the first length header fit the data.
    pub fn detect_frame(bytes: &[u8]) -> Option<Dialect> {
        let header: [u8; 4] = bytes.get(..4)?.try_into().ok()?;
        let rest = bytes.len() as u64 - 4;
        let fits = |len: u32| len >= 2 && (len as u64) <= rest;
        match (fits(u32::from_le_bytes(header)), fits(u32::from_be_bytes(header))) {
            (true, false) => Some(Dialect::Qt6),
            (false, true) => Some(Dialect::Qt5),
            // Both fit only for tiny symmetric headers; prefer the exact fit.
            (true, true) if u32::from_le_bytes(header) as u64 == rest => Some(Dialect::Qt6),
            (true, true) => Some(Dialect::Qt5),
            (false, false) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_dialect_from_handshake_header() {
        assert_eq!(Dialect::detect(&[0x16, 0, 0, 0, 1, 0]), Some(Dialect::Qt6));
        assert_eq!(Dialect::detect(&[0, 0, 0, 0x16, 0, 1]), Some(Dialect::Qt5));
        assert_eq!(Dialect::detect(&[0, 0, 0, 0x16, 0]), None);
        assert_eq!(Dialect::detect(&[9, 9, 9, 9, 9, 9]), None);
    }
}
