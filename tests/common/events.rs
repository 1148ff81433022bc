//! Waiting in tests for one kind of event from a node.

use std::time::Duration;

use qtro_rs::node::EventReceiver;

/// The first event within `timeout` that `pick` maps to a value (the events before it are
/// passed over), or `None` when the time runs out or the receiver ends.
pub async fn next_event<E, R>(
    events: &mut EventReceiver<E>,
    timeout: Duration,
    mut pick: impl FnMut(E) -> Option<R>,
) -> Option<R> {
    tokio::time::timeout(timeout, async {
        loop {
            if let Some(r) = pick(events.recv().await?) {
                return Some(r);
            }
        }
    })
    .await
    .ok()
    .flatten()
}
