#![allow(dead_code)]
pub mod captures;
pub mod dialect;
pub mod events;
pub mod load_peer;
pub mod model_dump;
pub mod qt_build;
pub mod qt_peer;
