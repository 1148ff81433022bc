//! Errors of the sans-IO protocol core.

use thiserror::Error;

/// Why bytes could not be decoded. Every variant leaves the decoder in a defined state: the caller
/// drops the packet (and, for framing errors, the connection) instead of guessing.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DecodeError {
    #[error("unexpected end of data: needed {needed} more byte(s) while reading {what}")]
    Truncated { what: &'static str, needed: usize },
    #[error("{what} claims {claimed} bytes/elements but only {available} remain")]
    LengthExceedsData { what: &'static str, claimed: u64, available: usize },
    #[error("{what} count {count} exceeds the configured limit {limit}")]
    LimitExceeded { what: &'static str, count: u64, limit: u64 },
    #[error("frame body of {len} bytes exceeds the configured maximum packet size {max}")]
    PacketTooLarge { len: u64, max: u64 },
    #[error("frame body of {len} bytes is too short to hold a packet type")]
    FrameTooShort { len: u64 },
    #[error("nesting deeper than the configured limit {limit}")]
    TooDeep { limit: u32 },
    #[error("decoded value budget of {limit} values exhausted")]
    TooManyValues { limit: usize },
    #[error("unknown packet type {0}")]
    UnknownPacketType(u16),
    #[error("unsupported QVariant type id {0}")]
    UnsupportedTypeId(u32),
    #[error("unknown user type name {0:?}: it was never registered, so its encoding is unknown")]
    UnknownUserType(String),
    #[error("invalid UTF-16 in QString")]
    InvalidUtf16,
    #[error("invalid UTF-8 in {0}")]
    InvalidUtf8(&'static str),
    #[error("invalid {what}: {detail}")]
    Invalid { what: &'static str, detail: String },
    #[error("{trailing} trailing byte(s) after {what}")]
    TrailingBytes { what: &'static str, trailing: usize },
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
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EncodeError {
    #[error("{what} is too long for the wire format ({len} units)")]
    TooLong { what: &'static str, len: usize },
    #[error("{0} cannot be sent in this dialect")]
    UnsupportedInDialect(&'static str),
    #[error("nesting deeper than the configured limit {limit}")]
    TooDeep { limit: u32 },
    #[error("invalid value: {0}")]
    InvalidValue(String),
}

pub type DecodeResult<T> = Result<T, DecodeError>;
pub type EncodeResult<T> = Result<T, EncodeError>;
