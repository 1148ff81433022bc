//! What the tests that drive `examples/load_peer.rs` share: its class and its executable.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

#[path = "../../examples/shared/load_class.rs"]
mod load_class;
#[allow(unused_imports)] // not every test binary that includes `common` uses it
pub use load_class::load_class;

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
