#![doc = include_str!("../README.md")]
// The README's examples are compiled and run as doc tests.

#[cfg(feature = "cli")] pub mod cli;
pub mod core;
pub mod ffi;
pub mod net;
pub mod node;
pub mod rep;
pub mod typed;
