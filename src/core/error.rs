//! Errors of the sans-IO protocol core.
//!
//! # Example
//!
//! Decoding truncated or lying bytes, and encoding what the peer could not read:
//!
//! ```
//! use bytes::Bytes;
//! use qtro_rs::core::stream::Reader;
//! use qtro_rs::core::variant::{from_bytes, to_bytes};
//! use qtro_rs::core::{ByteOrder, DecodeError, Dialect, EncodeError, TypeRegistry, Value};
//!
//! // An int QVariant cut short: two of its four value bytes are missing.
//! let types = TypeRegistry::new(Dialect::Qt6);
//! let cut = Bytes::from_static(&[2, 0, 0, 0, 0, 7, 0]);
//! let err = from_bytes(cut, Dialect::Qt6, ByteOrder::Little, &types).unwrap_err();
//! assert!(matches!(err, DecodeError::Truncated { needed: 2, .. }), "{err}");
//! assert!(!err.closes_connection(), "confined to its packet: the packet is dropped");
//!
//! // A length claiming more than remains is refused before anything is allocated.
//! let mut r = Reader::new(Bytes::from_static(&[0, 0, 0x10, 0, b'a']), ByteOrder::Big);
//! let err = r.qbytearray().unwrap_err();
//! assert_eq!(err.to_string(), "QByteArray claims 4096 bytes/elements but only 1 remain");
//!
//! // Qt 5 has no char16_t.
//! let err = to_bytes(&Value::Char16(0x263a), Dialect::Qt5, ByteOrder::Big).unwrap_err();
//! assert_eq!(err, EncodeError::UnsupportedInDialect("char16_t"));
//! ```

use thiserror::Error;

/// Why bytes could not be decoded. Every variant leaves the decoder in a defined state: the caller
/// drops the packet (and, for framing errors, the connection) instead of guessing.
///
/// New variants may be added as the decoder learns more of Qt's formats, hence
/// `#[non_exhaustive]`.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The data ended in the middle of a field.
    #[error("unexpected end of data: needed {needed} more byte(s) while reading {what}")]
    Truncated {
        /// The field being read (`"u32"`, `"QString"`, …).
        what: &'static str,
        /// How many more bytes it needed.
        needed: usize,
    },
    /// A length or element count claims more than the remaining bytes can hold (checked before
    /// anything is allocated).
    #[error("{what} claims {claimed} bytes/elements but only {available} remain")]
    LengthExceedsData {
        /// The string, byte array or container being read.
        what: &'static str,
        /// The length or count on the wire.
        claimed: u64,
        /// Bytes left in the buffer.
        available: usize,
    },
    /// A container is longer than [`Limits::max_collection_len`](super::Limits::max_collection_len).
    #[error("{what} count {count} exceeds the configured limit {limit}")]
    LimitExceeded {
        /// The container being read.
        what: &'static str,
        /// The element count on the wire.
        count: u64,
        /// The configured limit.
        limit: u64,
    },
    /// A frame header announces a body larger than
    /// [`Limits::max_packet_size`](super::Limits::max_packet_size).
    #[error("frame body of {len} bytes exceeds the configured maximum packet size {max}")]
    PacketTooLarge {
        /// The body length the header declares.
        len: u64,
        /// The configured maximum.
        max: u64,
    },
    /// A frame header announces a body shorter than the two bytes of the packet type.
    #[error("frame body of {len} bytes is too short to hold a packet type")]
    FrameTooShort {
        /// The body length the header declares.
        len: u64,
    },
    /// Values (or nested streams) are nested deeper than [`Limits::max_depth`](super::Limits::max_depth).
    #[error("nesting deeper than the configured limit {limit}")]
    TooDeep {
        /// The configured limit.
        limit: u32,
    },
    /// One packet holds more values than [`Limits::max_values`](super::Limits::max_values).
    #[error("decoded value budget of {limit} values exhausted")]
    TooManyValues {
        /// The configured limit.
        limit: usize,
    },
    /// A frame carries a packet type QtRO does not define (1 to 11 are defined).
    #[error("unknown packet type {0}")]
    UnknownPacketType(u16),
    /// A QVariant header names a QMetaType id this codec cannot decode.
    #[error("unsupported QVariant type id {0}")]
    UnsupportedTypeId(u32),
    /// A QVariant of a user type whose name the [`TypeLookup`](super::TypeLookup) does not know.
    #[error("unknown user type name {0:?}: it was never registered, so its encoding is unknown")]
    UnknownUserType(String),
    /// A QString whose UTF-16 cannot be decoded. (Not returned by this crate's decoder, which
    /// reads unpaired surrogates as U+FFFD, as Qt peers can send them.)
    #[error("invalid UTF-16 in QString")]
    InvalidUtf16,
    /// A byte array that should hold UTF-8 text (a name, a signature, JSON) does not.
    #[error("invalid UTF-8 in {0}")]
    InvalidUtf8(&'static str),
    /// A field holds a value its format does not allow (an odd QString byte length, a C string
    /// without its NUL, an unknown enum code, …).
    #[error("invalid {what}: {detail}")]
    Invalid {
        /// The field or type being read.
        what: &'static str,
        /// What is wrong with it.
        detail: String,
    },
    /// Bytes are left over after something that must fill its buffer exactly (a packet body, a
    /// value decoded with [`from_bytes`](super::variant::from_bytes)).
    #[error("{trailing} trailing byte(s) after {what}")]
    TrailingBytes {
        /// What was decoded.
        what: &'static str,
        /// How many bytes were left.
        trailing: usize,
    },
}

impl DecodeError {
    /// Whether the connection must be closed: the framing cannot be trusted any more, or the
    /// peer broke a limit. Every other error is confined to its packet, whose length is known:
    /// the packet (or the value) is dropped with a warning and the connection goes on, as stock
    /// Qt warns and stays connected when it cannot decode a value.
    pub fn closes_connection(&self) -> bool {
        matches!(
            self,
            DecodeError::PacketTooLarge { .. }
                | DecodeError::FrameTooShort { .. }
                | DecodeError::LimitExceeded { .. }
                | DecodeError::TooDeep { .. }
                | DecodeError::TooManyValues { .. }
        )
    }
}

/// Why a value or packet could not be encoded. Encoding never writes a partial value that a Qt
/// peer would mis-read: on error the output buffer is left as it was before the call.
///
/// `#[non_exhaustive]`: new variants may be added.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// A string, byte array, container or packet is longer than a QDataStream length field
    /// can say (lengths of 2³² − 2 and more are not written).
    #[error("{what} is too long for the wire format ({len} units)")]
    TooLong {
        /// What was being written.
        what: &'static str,
        /// Its length, in bytes or elements.
        len: usize,
    },
    /// The value has no encoding in the connection's dialect: Qt 5 lacks `char16_t`,
    /// `char32_t`, `QVariantPair` and QtRO's QSQ_/QAS_ wrappers.
    #[error("{0} cannot be sent in this dialect")]
    UnsupportedInDialect(&'static str),
    /// The value is nested deeper than the encoder's depth bound.
    #[error("nesting deeper than the configured limit {limit}")]
    TooDeep {
        /// The bound.
        limit: u32,
    },
    /// The value cannot be written as it is (a brush style without its gradient, a C string
    /// with a NUL inside, …); the text says why.
    #[error("invalid value: {0}")]
    InvalidValue(String),
}

/// The result of a decoding step.
pub type DecodeResult<T> = Result<T, DecodeError>;
/// The result of an encoding step.
pub type EncodeResult<T> = Result<T, EncodeError>;
