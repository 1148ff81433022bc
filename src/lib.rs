#![doc = include_str!("../README.md")]
#![warn(missing_docs)]
// The README's examples are compiled and run as doc tests.

pub mod core;
pub mod net;
pub mod node;
pub mod rep;
pub mod typed;
