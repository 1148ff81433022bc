//! What the tests that drive `examples/load_peer.rs` share: its class and its executable.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use qtro_rs::core::{ClassBuilder, PropertyMode, SourceClass, Value};

/// The class of examples/load_peer.rs.
pub fn load_class() -> SourceClass {
    ClassBuilder::new("Load")
        .property("seq", "int", PropertyMode::ReadWrite, Value::Int(0))
        .property("text", "QString", PropertyMode::ReadWrite, Value::string("t0"))
        .signal("tick", &[("n", "int")])
        .signal("done", &[("n", "int")])
        .slot("add", &[("a", "int"), ("b", "int")], "int")
        .build()
}

/// The built `load_peer` example. `cargo test --all-targets` builds the examples first; it is
/// built here too so a single test target works alone (a no-op when it is current).
pub fn load_peer_exe() -> PathBuf {
    static EXE: OnceLock<PathBuf> = OnceLock::new();
    EXE.get_or_init(|| {
        let status = Command::new(env!("CARGO")).args(["build", "--quiet", "--example", "load_peer"]).status().unwrap();
        assert!(status.success(), "cargo build --example load_peer failed");
        super::qt_build::target_dir().join("debug").join("examples").join("load_peer")
    })
    .clone()
}
