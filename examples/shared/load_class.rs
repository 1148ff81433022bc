//! The class of `examples/load_peer.rs`, shared with the tests that drive it
//! (`tests/common/load_peer.rs` includes this file), so both sides always agree on it.

use qtro_rs::core::{ClassBuilder, PropertyMode, SourceClass, Value};

/// The class every mode of `load_peer` shares.
pub fn load_class() -> SourceClass {
    ClassBuilder::new("Load")
        .property("seq", "int", PropertyMode::ReadWrite, Value::Int(0))
        .property("text", "QString", PropertyMode::ReadWrite, Value::string("t0"))
        .signal("tick", &[("n", "int")])
        .signal("done", &[("n", "int")])
        .slot("add", &[("a", "int"), ("b", "int")], "int")
        .build()
}
