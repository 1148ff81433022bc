//! The "simpleswitch" replica, in Rust: acquires `SimpleSwitch` (signature checked against the
//! same .rep file the Qt pair uses), prints every state change of the switch and echoes it back
//! to the source through `server_slot`, as Qt's replica example does.
//!
//! ```text
//! cargo run --example simpleswitch_replica -- [--url local:switch] [--count N]
//! ```

use std::time::Duration;

use qtro_rs::core::Dialect;
use qtro_rs::node::{Node, ReplicaEvent};

const REP: &str = include_str!("../qt-interop/simpleswitch/simpleswitch.rep");

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1).cloned())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = arg("--url").unwrap_or_else(|| "local:switch".into());
    let count: Option<u64> = arg("--count").map(|s| s.parse()).transpose()?;
    let rep = qtro_rs::rep::parse(REP)?;
    let class = qtro_rs::rep::source_class(&rep, "SimpleSwitch", Dialect::Qt6).ok_or("no SimpleSwitch in the .rep")?;

    let node = Node::new();
    node.connect_to(&url)?;
    let replica = node.acquire("SimpleSwitch", class);
    let mut events = replica.events();
    replica.wait_for_source(Duration::from_secs(30)).await?;
    println!("replica: connected to {url}, currState = {:?}", replica.property("currState"));

    let mut seen = 0u64;
    while let Some(e) = events.recv().await {
        match e {
            ReplicaEvent::PropertyChanged { name, value, .. } if name == "currState" => {
                println!("replica: currState changed to {value:?}; acknowledging");
                replica.call("server_slot", vec![value]).await?;
                seen += 1;
                if count.is_some_and(|c| seen >= c) {
                    // The acknowledgement is a void call, sent without a reply: let it leave.
                    node.flush(Duration::from_secs(5)).await;
                    return Ok(());
                }
            }
            ReplicaEvent::StateChanged { old, new } => println!("replica: state {old:?} -> {new:?}"),
            _ => {}
        }
    }
    Ok(())
}
