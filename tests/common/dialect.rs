//! Nodes and `.rep` classes of one protocol dialect, for the tests against stock Qt 6 and 5.15.

use qtro_rs::core::{Dialect, SourceClass};
use qtro_rs::node::{Node, NodeConfig};

/// The classes the stock peer compiles with repc (`qt-interop/peers/interop.rep`).
pub const INTEROP_REP: &str = include_str!("../../qt-interop/peers/interop.rep");

/// The Qt major version that speaks `dialect`.
pub fn major(dialect: Dialect) -> u32 {
    if dialect == Dialect::Qt5 {
        5
    } else {
        6
    }
}

/// A node speaking `dialect`.
pub fn node(dialect: Dialect) -> Node {
    Node::with_config(NodeConfig { dialect, ..NodeConfig::default() })
}

/// Class `name` of interop.rep, with repc's signature for `dialect`.
pub fn class(name: &str, dialect: Dialect) -> SourceClass {
    let file = qtro_rs::rep::parse(INTEROP_REP).unwrap();
    qtro_rs::rep::source_class(&file, name, dialect).unwrap()
}
