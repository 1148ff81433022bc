//! The Rust tests' helpers for building and finding the stock-Qt peer (tests/common/), shared
//! with the C library's tests.
#![allow(dead_code)]

#[path = "../../../tests/common/qt_build.rs"]
pub mod qt_build;
#[path = "../../../tests/common/qt_peer.rs"]
pub mod qt_peer;
