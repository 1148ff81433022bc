#![allow(dead_code)]
pub mod captures;
pub mod qt_build;
pub mod qt_peer;
