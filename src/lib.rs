#![doc = include_str!("../README.md")]
// The README's examples are compiled and run as doc tests.

pub mod core;
pub mod net;
pub mod node;
pub mod rep;
pub mod text;
pub mod typed;
