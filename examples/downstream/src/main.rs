//! Acknowledges the first N states of a SimpleSwitch source (Qt's simpleswitch example) through
//! its `server_slot`, with the typed replica build.rs generated.
//!
//! ```text
//! qtro-downstream-example URL N
//! ```

use std::time::Duration;

use qtro_rs::node::Node;

mod simpleswitch {
    include!(concat!(env!("OUT_DIR"), "/simpleswitch.rs"));
}

use simpleswitch::{SimpleSwitchEvent, SimpleSwitchReplica};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let url = args.next().ok_or("usage: qtro-downstream-example URL N")?;
    let wanted: usize = args.next().ok_or("usage: qtro-downstream-example URL N")?.parse()?;

    let node = Node::new();
    node.connect_to(&url)?;
    let replica = SimpleSwitchReplica::acquire(&node);
    let mut events = replica.events();
    replica.wait_for_source(Duration::from_secs(10)).await?;
    let mut acknowledged = 0;
    while acknowledged < wanted {
        match events.next().await.ok_or("the node stopped")? {
            SimpleSwitchEvent::CurrStateChanged(state) => {
                replica.server_slot(state).await?;
                acknowledged += 1;
                println!("downstream: acknowledged currState {state}");
            }
            SimpleSwitchEvent::ConversionFailed(error) => return Err(error.into()),
            _ => {}
        }
    }
    // A void slot call is sent without waiting for a reply: let it leave before exiting.
    node.flush(Duration::from_secs(5)).await;
    Ok(())
}
