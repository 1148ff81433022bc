//! The "simpleswitch" source, in Rust: hosts a `SimpleSwitch` (from the same .rep file the Qt
//! example pair uses), toggles `currState` periodically and prints every acknowledgement a
//! replica — Rust or stock Qt — sends back through `server_slot`.
//!
//! ```text
//! cargo run --example simpleswitch_source -- [--url local:switch] [--period-ms 2000] [--count N]
//! ```

use std::time::Duration;

use qtro_rs::core::{Dialect, Value};
use qtro_rs::node::{Node, SlotCall};

const REP: &str = include_str!("../qt-interop/simpleswitch/simpleswitch.rep");

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1).cloned())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = arg("--url").unwrap_or_else(|| "local:switch".into());
    let period = Duration::from_millis(arg("--period-ms").map_or(Ok(2000), |s| s.parse())?);
    let count: Option<u64> = arg("--count").map(|s| s.parse()).transpose()?;

    let rep = qtro_rs::rep::parse(REP)?;
    let class = qtro_rs::rep::source_class(&rep, "SimpleSwitch", Dialect::Qt6).ok_or("no SimpleSwitch in the .rep")?;
    println!("SimpleSwitch signature {}", class.signature.as_deref().unwrap_or("-"));

    let node = Node::new();
    let bound = node.listen(&url).await?;
    let source = node.enable_source("SimpleSwitch", class, |call: SlotCall| async move {
        if call.name == "server_slot" {
            println!(
                "source: replica reports clientState = {:?}",
                call.args.first().and_then(Value::as_i64).map(|v| v != 0)
            );
        }
        Value::Invalid
    })?;
    println!("source: hosting SimpleSwitch on {bound}");

    let mut state = false;
    let mut ticks = 0u64;
    loop {
        tokio::time::sleep(period).await;
        state = !state;
        source.set_property("currState", Value::Bool(state))?;
        println!("source: currState -> {state} ({} replica(s))", source.listener_count());
        ticks += 1;
        if count.is_some_and(|c| ticks >= c) {
            // Let the last acknowledgement arrive before leaving.
            tokio::time::sleep(period.min(Duration::from_millis(500))).await;
            return Ok(());
        }
    }
}
