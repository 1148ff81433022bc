//! The "simpleswitch" source with the typed API generated from the .rep file the Qt example pair
//! uses (`examples/generated/simpleswitch.rs`, made by `qtro_rs::rep::codegen` from
//! `qt-interop/simpleswitch/simpleswitch.rep`): hosts `SimpleSwitch`, toggles `currState`
//! periodically and prints every acknowledgement a replica — Rust or stock Qt — sends back through
//! `server_slot`.
//!
//! ```text
//! cargo run --example typed_simpleswitch_source -- [--url local:switch] [--period-ms 2000] [--count N]
//! ```
//!
//! A project of its own would generate the module from its build script instead:
//! `qtro_rs::rep::codegen::compile_rep("simpleswitch.rep", out_dir)` and
//! `include!(concat!(env!("OUT_DIR"), "/simpleswitch.rs"))`.

use std::time::Duration;

use qtro_rs::node::Node;

// The generated module has the whole API; a binary uses only part of it.
#[allow(dead_code)]
mod simpleswitch {
    include!("generated/simpleswitch.rs");
}

use simpleswitch::{SimpleSwitchSlots, SimpleSwitchSource};

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1).cloned())
}

/// Answers the slot replicas call.
struct Switch;

impl SimpleSwitchSlots for Switch {
    async fn server_slot(&self, _source: &SimpleSwitchSource, client_state: bool) {
        println!("source: replica reports clientState = {client_state}");
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = arg("--url").unwrap_or_else(|| "local:switch".into());
    let period = Duration::from_millis(arg("--period-ms").map_or(Ok(2000), |s| s.parse())?);
    let count: Option<u64> = arg("--count").map(|s| s.parse()).transpose()?;
    println!("SimpleSwitch signature {}", SimpleSwitchSource::SIGNATURE);

    let node = Node::new();
    let bound = node.listen(&url).await?;
    let source = SimpleSwitchSource::enable(&node, Switch)?;
    println!("source: hosting SimpleSwitch on {bound}");

    let mut ticks = 0u64;
    loop {
        tokio::time::sleep(period).await;
        let state = !source.curr_state()?;
        source.set_curr_state(state)?;
        println!("source: currState -> {state} ({} replica(s))", source.source().listener_count());
        ticks += 1;
        if count.is_some_and(|c| ticks >= c) {
            // Let the last acknowledgement arrive before leaving.
            tokio::time::sleep(period.min(Duration::from_millis(500))).await;
            return Ok(());
        }
    }
}
