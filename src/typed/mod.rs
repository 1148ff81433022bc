//! Run-time support for the typed sources and replicas that [`crate::rep::codegen`] generates
//! from `.rep` files.
//!
//! * [`ToValue`] / [`FromValue`]: Rust types ↔ [`Value`](crate::core::Value)s of a declared Qt
//!   type (the declared type decides the exact wire form);
//! * [`ClassSpec`] / [`PodSpec`]: static descriptions of classes and PODs, from which the
//!   run-time [`SourceClass`](crate::core::SourceClass) is built;
//! * [`SourceCore`] / [`ReplicaCore`]: the untyped halves of generated sources and replicas;
//! * [`PersistedStore`]: where `PERSISTED` properties are kept ([`MemoryStore`], [`FileStore`]).
//!
//! Generated code only calls into this module; applications normally use the generated types.
//! By hand, the conversions are what is most useful: a Rust value to the [`Value`] of a
//! declared Qt type and back.
//!
//! [`Value`]: crate::core::Value
//!
//! ```
//! use qtro_rs::core::{Dialect, Value};
//! use qtro_rs::typed::{ConvertError, FromValue, ToValue};
//!
//! // The declared type decides the wire form.
//! assert_eq!(7i64.to_variant("int", Dialect::Qt6), Value::Int(7));
//! let names = vec!["a".to_owned(), "b".to_owned()].to_variant("QStringList", Dialect::Qt6);
//! assert_eq!(Vec::<String>::from_value(&names)?, ["a", "b"]);
//! // What does not fit is an error, never a guess.
//! assert!(matches!(u8::from_value(&Value::Int(300)), Err(ConvertError::OutOfRange { .. })));
//! assert!(matches!(String::from_value(&Value::Int(1)), Err(ConvertError::Mismatch { .. })));
//! # Ok::<(), ConvertError>(())
//! ```

mod convert;
mod error;
mod event;
pub mod qt;
mod replica;
mod source;
mod spec;
mod store;

pub use bytes::Bytes;
pub use convert::{
    enum_from_value, enum_to_element, enum_to_variant, from_args, from_value, map_value, ConvertError, Flags, FromArgs,
    FromValue, QtEnum, RawEnum, ToArgs, ToValue,
};
pub use error::TypedError;
pub use event::EventStream;
pub use replica::ReplicaCore;
pub use source::{slot_handler, SourceCell, SourceCore, SourceHost};
pub use spec::{ClassSpec, EnumSpec, FieldSpec, FunctionSpec, MemberKind, ParamSpec, PodSpec, PropertySpec, Ty};
pub use store::{FileStore, MemoryStore, PersistedStore, StoreError};

use crate::core::TypeRegistry;

/// The result type of typed operations.
pub type Result<T, E = TypedError> = std::result::Result<T, E>;
use crate::node::Node;

/// Makes the PODs and enums that `register` declares known to `node`, so values containing them
/// can be decoded (generated sources and replicas call it with their file's `register_types`).
pub fn register_types(node: &Node, register: fn(&mut TypeRegistry)) {
    node.register_types(register);
}
