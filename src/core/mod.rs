//! The sans-IO protocol core: bytes in, typed packets out, and back. Nothing here opens a socket
//! or reads a clock, so every rule is unit-testable and fuzzable in isolation.
//!
//! - Values: [`Value`] models a QVariant (with the QtGui types of [`gui`]); [`variant`] encodes
//!   and decodes it in QDataStream form, [`stream`] has the primitives underneath, and
//!   [`TypeRegistry`] tells the codec how user types (gadgets, enums, containers) are laid out.
//!   [`convert()`] gives a value the C++ type a peer declared, as a Qt peer needs it (strictly;
//!   [`coerce()`] is the lenient first guess of code that builds values).
//! - Qt's rules: [`names`] (the derived `<prop>Changed` / `push<Prop>` members, signatures) and
//!   [`typename`] (normalized C++ type names, template arguments, containers).
//! - Protocol: [`FrameDecoder`] splits a byte stream into frames, [`Packet`] decodes and encodes
//!   them, [`ClassDefinition`] is the interface a host sends dynamic replicas, and
//!   [`ClassBuilder`] builds a [`SourceClass`] at run time.
//! - State machines: [`HostCore`] (sources shared with replicas) and [`ClientCore`] (replicas of
//!   remote sources) take received bytes and give bytes to send and events; [`crate::node`]
//!   drives them over sockets.
//!
//! [`Dialect`] picks the wire format of Qt 6 or Qt 5.15, and [`Limits`] bounds what decoding a
//! peer's bytes may cost.
//!
//! # Example
//!
//! A QVariant as `QDataStream << QVariant` writes it, and read back; a gadget needs its type
//! registered, as in Qt:
//!
//! ```
//! use qtro_rs::core::variant::{from_bytes, to_bytes};
//! use qtro_rs::core::{ByteOrder, Dialect, Gadget, TypeRegistry, Value};
//!
//! // Qt 6 streams an int QVariant as type id 2, a null flag and the value.
//! let bytes = to_bytes(&Value::Int(7), Dialect::Qt6, ByteOrder::Little)?;
//! assert_eq!(&bytes[..], [2, 0, 0, 0, 0, 7, 0, 0, 0]);
//!
//! let mut types = TypeRegistry::new(Dialect::Qt6);
//! types.register_gadget("Point3", vec![("x".into(), "int".into()), ("y".into(), "int".into())]);
//! let point = Value::Gadget(Gadget { type_name: "Point3".into(), fields: vec![Value::Int(1), Value::Int(2)] });
//! let bytes = to_bytes(&point, Dialect::Qt6, ByteOrder::Little)?;
//! assert_eq!(from_bytes(bytes.clone(), Dialect::Qt6, ByteOrder::Little, &types)?, point);
//! // Without the registration the encoding of `Point3` is unknown: an error, not a guess.
//! assert!(from_bytes(bytes, Dialect::Qt6, ByteOrder::Little, &TypeRegistry::new(Dialect::Qt6)).is_err());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod classdef;
pub mod client;
pub mod coerce;
pub mod connection;
pub mod convert;
pub mod dialect;
pub mod error;
pub mod frame;
pub mod gui;
pub mod host;
pub mod limits;
pub mod model;
pub mod names;
mod outbox;
pub mod packet;
pub mod registry;
pub mod source;
pub mod stream;
#[cfg(test)]
mod tests;
pub mod typename;
pub mod types;
pub mod value;
pub mod variant;

pub use classdef::*;
pub use client::{CallError, ClientCore, ClientEvent, ClientRole, EventInterest, ReplicaKind, ReplicaState};
pub use coerce::coerce;
pub use connection::{ConnectionId, Core, Role};
pub use convert::{convert, convert_args, ArgumentError, TypeMismatch};
pub use dialect::{ByteOrder, Dialect};
pub use error::{DecodeError, DecodeResult, EncodeError, EncodeResult};
pub use frame::{Frame, FrameDecoder, Frames};
pub use host::{HostCore, HostError, HostEvent, HostRole};
pub use limits::Limits;
pub use packet::{Invoke, ObjectInfo, Packet, PacketType};
pub use source::{ClassBuilder, MethodKind, Param, PropertyMode, SourceClass};
pub use types::{Builtin, TypeDesc, TypeLookup, TypeRegistry};
pub use value::*;
pub use variant::{Decoder, Encoder, EnumEncoding};
