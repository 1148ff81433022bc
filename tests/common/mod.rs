#![allow(dead_code)]
pub mod captures;
pub mod qt_build;
