//! The sans-IO protocol core: bytes in, typed packets out, and back. Nothing here opens a socket
//! or reads a clock, so every rule is unit-testable and fuzzable in isolation.

pub mod dialect;
pub mod error;
pub mod stream;
pub mod value;

pub use dialect::{ByteOrder, Dialect};
pub use error::{DecodeError, DecodeResult, EncodeError, EncodeResult};
pub use value::*;
pub mod classdef;
pub mod gui;
pub mod convert;
pub mod limits;
mod outbox;
pub mod types;
pub mod variant;

pub use classdef::*;
pub use convert::{convert, convert_args, ArgumentError, TypeMismatch};
pub use limits::Limits;
pub use types::{Builtin, TypeDesc, TypeLookup, TypeRegistry};
pub use variant::{Decoder, EnumEncoding, Encoder};
pub mod frame;
pub mod packet;

pub use frame::{Frame, FrameDecoder, Frames};
pub use packet::{Invoke, NameCache, ObjectInfo, Packet, PacketType, StreamPacket};
pub mod source;
pub use source::{ClassBuilder, MethodKind, Param, PropertyMode, SourceClass};
pub mod host;
pub use host::{ConnectionId, HostCore, HostError, HostEvent};
pub mod client;
pub mod registry;

pub use client::{CallError, ClientCore, ClientEvent, EventInterest, ReplicaKind, ReplicaState};
