//! A clean-room Rust implementation of the **Qt Remote Objects** (QtRO) protocol. Rust programs
//! share live objects — properties, signals, slots — with stock Qt applications and with each
//! other, across processes and machines, byte-for-byte compatible with Qt's own QtRO: Qt 6
//! ("QtRO 2.0") and Qt 5.15 ("QtRO 1.3").
//!
//! A *source* is the object itself, hosted by a node; *replicas* on other nodes mirror its
//! properties, receive its signals and call its slots. Either side may be stock Qt, Rust, or C/C++
//! through this crate's C library.
//!
//! # Modules
//!
//! * [`node`]: the public async API (tokio). A [`Node`](node::Node) hosts
//!   [`Source`](node::Source)s, acquires [`Replica`](node::Replica)s and runs registries. Most
//!   programs need only this module and [`Value`](crate::core::Value).
//! * [`rep::codegen`] and [`typed`]: typed sources and replicas generated from `.rep` files by a
//!   build script (a Rust repc), with the class signature stock repc computes.
//! * [`rep`]: the `.rep` interface language: parser, the member order that wire indexes refer to,
//!   class signatures exactly as repc 6.x and 5.15 compute them, and
//!   [`source_class`](rep::source_class) for a run-time class from a `.rep` class.
//! * [`core`]: the sans-IO protocol core: the QDataStream codec, the QVariant model
//!   [`Value`](crate::core::Value), every packet, class definitions, framing and the host and
//!   client state machines. No sockets, no clock, no runtime: bytes in, packets out.
//! * [`net`]: transports. `tcp://host:port`, `local:NAME` (QLocalServer naming),
//!   `localabstract:NAME`, or any `AsyncRead + AsyncWrite` stream you supply.
//!
//! # Requirements
//!
//! A [`Node`](node::Node) runs its connections and timers as tokio tasks, so it must be created
//! inside a tokio runtime with I/O and time enabled: in `#[tokio::main]` or `#[tokio::test]` code,
//! or after `tokio::runtime::Runtime::enter`. [`Node::new`](node::Node::new) panics outside one,
//! with a message saying so. Your crate needs `tokio` with the `macros` and `rt-multi-thread`
//! features for `#[tokio::main]`. The crate has no cargo features of its own; [`core`] and
//! [`rep`] work without a runtime.
//!
//! # A dynamic replica
//!
//! A dynamic replica learns the interface from its source, so it needs no `.rep` file. Here it
//! mirrors an object named `Simple` that a Qt or Rust node hosts at `tcp://127.0.0.1:5000`:
//!
//! ```no_run
//! use std::time::Duration;
//!
//! use qtro_rs::core::Value;
//! use qtro_rs::node::{Node, ReplicaEvent};
//!
//! #[tokio::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let node = Node::new();
//!     node.connect_to("tcp://127.0.0.1:5000")?; // retried until it answers, and after it drops
//!     let replica = node.acquire_dynamic("Simple");
//!     let mut events = replica.events();
//!     replica.wait_for_source(Duration::from_secs(5)).await?;
//!
//!     println!("value = {:?}", replica.property("value"));
//!     let sum = replica.call("add", vec![Value::Int(2), Value::Int(3)]).await?;
//!     println!("add(2, 3) = {sum:?}");
//!     replica.set_property("name", Value::string("hi"))?; // the source applies it and echoes it
//!
//!     // State changes, property changes and signals, in the order the source made them.
//!     while let Some(event) = events.recv().await {
//!         match event {
//!             ReplicaEvent::PropertyChanged { name, value, .. } => println!("{name} = {value:?}"),
//!             ReplicaEvent::Signal { name, args, .. } => println!("{name}{args:?}"),
//!             ReplicaEvent::StateChanged { new, .. } => println!("state {new:?}"),
//!             _ => {}
//!         }
//!     }
//!     Ok(())
//! }
//! ```
//!
//! [`Node::acquire`](node::Node::acquire) with a class instead makes a static replica, which
//! checks the source's signature as a repc replica does. To talk to Qt 5.15 nodes, create the node
//! with `Node::with_config(NodeConfig { dialect: Dialect::Qt5, ..NodeConfig::default() })`.
//!
//! # A source
//!
//! A source's class is built at run time (or read from a `.rep` file with
//! [`rep::source_class`]); stock Qt replicas, static or dynamic, acquire it like a Qt source:
//!
//! ```
//! use qtro_rs::core::{ClassBuilder, PropertyMode, Value};
//! use qtro_rs::node::{Node, SlotCall};
//!
//! #[tokio::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let node = Node::new();
//!     let url = node.listen("tcp://127.0.0.1:0").await?; // port 0: the bound URL is returned
//!     let class = ClassBuilder::new("Simple")
//!         .property("value", "int", PropertyMode::ReadPush, Value::Int(0))
//!         .property("name", "QString", PropertyMode::ReadWrite, Value::String(None))
//!         .signal("fired", &[("code", "int")])
//!         .slot("add", &[("a", "int"), ("b", "int")], "int")
//!         .build();
//!     // Slot calls from replicas; the value returned is the reply.
//!     let source = node.enable_source("Simple", class, |call: SlotCall| async move {
//!         match &*call.name {
//!             "add" => Value::Int(call.args.iter().filter_map(Value::as_i64).sum::<i64>() as i32),
//!             _ => Value::Invalid,
//!         }
//!     })?;
//!     source.set_property("value", Value::Int(7))?; // replicas get the change and valueChanged
//!     source.emit("fired", vec![Value::Int(42)])?;
//!     assert_eq!(source.property("value")?, Value::Int(7));
//!     println!("hosting Simple on {url}");
//!     Ok(())
//! }
//! ```
//!
//! Values are given the type the class declares wherever they cross to a peer: converted where
//! Qt's conversion loses nothing, refused with an error naming both types otherwise.
//!
//! # Typed sources and replicas from `.rep` files
//!
//! As repc does for C++, [`rep::codegen`] turns a `.rep` file into Rust types: per class a
//! `…Source` with typed setters and signal emitters, a `…Slots` trait to implement, and a
//! `…Replica` with typed getters, async slot calls and a stream of typed events. The
//! generating crate lists `qtro_rs` under both `[dependencies]` and `[build-dependencies]` and
//! generates the code in its build script:
//!
//! ```no_run
//! // build.rs
//! fn main() {
//!     println!("cargo:rerun-if-changed=simpleswitch.rep");
//!     let out_dir = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
//!     if let Err(e) = qtro_rs::rep::codegen::compile_rep("simpleswitch.rep", &out_dir) {
//!         panic!("{e}");
//!     }
//! }
//! ```
//!
//! ```ignore
//! // src/main.rs (needs the OUT_DIR of a build script, so it is not compiled here)
//! mod simpleswitch {
//!     include!(concat!(env!("OUT_DIR"), "/simpleswitch.rs"));
//! }
//! use simpleswitch::SimpleSwitchReplica;
//!
//! let replica = SimpleSwitchReplica::acquire(&node);
//! replica.wait_for_source(Duration::from_secs(5)).await?;
//! replica.server_slot(replica.curr_state()?).await?;
//! ```
//!
//! `examples/downstream/` in the repository is such a crate, built and run against stock Qt in CI.
//!
//! # C, C++ and the command line
//!
//! The same engine is available to C and C++ programs as `libqtro_rs` (the workspace package
//! `qtro-capi`: header `include/qtro_rs.h`, a C++17 wrapper `include/qtro_rs.hpp`, a Qt adapter,
//! and a CMake package), and as the `qtro` command-line tool (package `qtro-cli`) that lists,
//! describes, reads, writes, calls, watches, serves and taps any QtRO network. Their manuals are
//! `docs/c-cpp.md` and `docs/cli.md` in the repository; `docs/semantics.md` describes behaviour
//! shared by all of them and `docs/limits.md` every limit and how to set it.
#![warn(missing_docs)]
// The build.rs example above shows a build script's `main`.
#![allow(clippy::needless_doctest_main)]

pub mod core;
pub mod net;
pub mod node;
pub mod rep;
pub mod text;
pub mod typed;

/// The Rust code of the README and of the manuals in `docs/`, compiled (and run, unless marked
/// `no_run`) by `cargo test --doc`, so that what they show keeps working.
#[cfg(doctest)]
mod doc_tests {
    #[doc = include_str!("../README.md")]
    pub struct Readme;
    #[doc = include_str!("../docs/semantics.md")]
    pub struct Semantics;
    #[doc = include_str!("../docs/architecture.md")]
    pub struct Architecture;
    #[doc = include_str!("../docs/limits.md")]
    pub struct Limits;
}
