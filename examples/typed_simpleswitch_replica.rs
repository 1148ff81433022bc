//! The "simpleswitch" replica with the typed API generated from the .rep file the Qt example
//! pair uses (`examples/generated/simpleswitch.rs`): acquires `SimpleSwitch` (signature checked),
//! prints every state change of the switch and echoes it back to the source through
//! `server_slot`, as Qt's replica example does.
//!
//! ```text
//! cargo run --example typed_simpleswitch_replica -- [--url local:switch] [--count N]
//! ```

use std::time::Duration;

use qtro_rs::node::Node;

mod simpleswitch {
    include!("generated/simpleswitch.rs");
}

use simpleswitch::{SimpleSwitchEvent, SimpleSwitchReplica};

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1).cloned())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = arg("--url").unwrap_or_else(|| "local:switch".into());
    let count: Option<u64> = arg("--count").map(|s| s.parse()).transpose()?;

    let node = Node::new();
    node.connect_to(&url)?;
    let replica = SimpleSwitchReplica::acquire(&node);
    let mut events = replica.events();
    replica.wait_for_source(Duration::from_secs(30)).await?;
    println!("replica: connected to {url}, currState = {}", replica.curr_state()?);

    let mut seen = 0u64;
    while let Some(event) = events.next().await {
        match event {
            SimpleSwitchEvent::CurrStateChanged(state) => {
                println!("replica: currState changed to {state}; acknowledging");
                replica.server_slot(state).await?;
                seen += 1;
                if count.is_some_and(|c| seen >= c) {
                    // The acknowledgement is a void call, sent without a reply: let it leave.
                    node.flush(Duration::from_secs(5)).await;
                    return Ok(());
                }
            }
            SimpleSwitchEvent::ReplicaStateChanged { old, new } => println!("replica: state {old:?} -> {new:?}"),
            SimpleSwitchEvent::ConversionFailed(error) => eprintln!("replica: {error}"),
            SimpleSwitchEvent::Initialized => {}
        }
    }
    Ok(())
}
