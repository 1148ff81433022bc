//! # qtro_rs
//!
//! A clean-room implementation of the Qt Remote Objects (QtRO) protocol that interoperates
//! byte-for-byte with stock Qt 6 ("QtRO 2.0") and Qt 5.15 ("QtRO 1.3").
//!
//! Layers, bottom up:
//! - [`core`]: the sans-IO protocol core — QDataStream codec, QVariant value model, packets,
//!   class definitions, incremental framing. No sockets, no clock.
//! - [`rep`]: the `.rep` interface language — parser, API member lists, repc-compatible class
//!   signatures.

pub mod core;
pub mod net;
pub mod node;
pub mod rep;
