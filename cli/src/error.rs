//! Errors of the `qtro` tool and their exit codes.

use std::fmt;

/// What went wrong, each with its own exit code (documented in docs/cli.md and `qtro --help`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// 1: anything else (I/O errors, unreadable files, malformed captures, listen failures).
    Other,
    /// 2: bad command line (also what clap reports), bad URL syntax, unusable .rep file.
    Usage,
    /// 3: the node cannot be reached, or the connection was lost.
    Unreachable,
    /// 4: the host (or registry) does not offer an object of that name.
    UnknownObject,
    /// 5: the object has no property, signal or slot of that name.
    UnknownMember,
    /// 6: arguments do not fit the member's signature, or the object's class signature differs
    /// from the expected .rep class.
    SignatureMismatch,
    /// 7: a value could not be parsed or converted to the declared type.
    BadValue,
    /// 8: no answer in time (replica never valid, no reply, change not confirmed).
    Timeout,
    /// 9: the peer speaks another protocol (Qt 5 vs Qt 6) or sent undecodable data.
    Protocol,
}

impl Kind {
    pub fn exit_code(self) -> i32 {
        match self {
            Kind::Other => 1,
            Kind::Usage => 2,
            Kind::Unreachable => 3,
            Kind::UnknownObject => 4,
            Kind::UnknownMember => 5,
            Kind::SignatureMismatch => 6,
            Kind::BadValue => 7,
            Kind::Timeout => 8,
            Kind::Protocol => 9,
        }
    }

    /// Stable name used in `--json` error objects.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Other => "error",
            Kind::Usage => "usage",
            Kind::Unreachable => "unreachable",
            Kind::UnknownObject => "unknown-object",
            Kind::UnknownMember => "unknown-member",
            Kind::SignatureMismatch => "signature-mismatch",
            Kind::BadValue => "bad-value",
            Kind::Timeout => "timeout",
            Kind::Protocol => "protocol",
        }
    }
}

/// An error with the message shown to the user.
#[derive(Debug, Clone)]
pub struct CliError {
    pub kind: Kind,
    pub message: String,
}

impl CliError {
    pub fn new(kind: Kind, message: impl Into<String>) -> Self {
        CliError { kind, message: message.into() }
    }
    pub fn other(message: impl Into<String>) -> Self {
        Self::new(Kind::Other, message)
    }
    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(Kind::Usage, message)
    }
    pub fn bad_value(message: impl Into<String>) -> Self {
        Self::new(Kind::BadValue, message)
    }
    pub fn unknown_member(message: impl Into<String>) -> Self {
        Self::new(Kind::UnknownMember, message)
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CliError {}

pub type CliResult<T> = Result<T, CliError>;

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        CliError::other(e.to_string())
    }
}
