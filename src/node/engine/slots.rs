//! Slot calls: each runs its source's handler in a task (one source's calls one at a time, in
//! arrival order, unless `concurrent_slots`), and its reply goes back converted to the declared
//! return type.

use std::sync::Arc;

use crate::core::Value;
use crate::node::config::NodeConfig;
use crate::node::delivery::{self, Backlog, EventReceiver};

use super::routes::{SlotJob, SourceRoute};
use super::{Action, Shared};

impl SourceRoute {
    /// Hands a slot call to this source's handler: to a task of its own (`concurrent_slots`),
    /// else to the source's queue, which reports a backlog like an event queue.
    pub(super) fn queue_slot(
        &mut self,
        job: SlotJob,
        config: &NodeConfig,
        actions: &mut Vec<Action>,
        backlogged: &mut Vec<Backlog>,
    ) {
        if config.concurrent_slots {
            actions.push(Action::Slot(job));
            return;
        }
        // Calls of one source run one at a time in arrival order, as on Qt's single-threaded
        // host; the runner task starts with the first call.
        let queue = self.slot_queue.get_or_insert_with(|| {
            let (tx, rx) = delivery::channel();
            actions.push(Action::SlotRunner(rx));
            tx
        });
        queue.push(job);
        if queue.flush() > config.event_backlog {
            backlogged.push(queue.backlog());
        }
    }
}

impl Shared {
    /// Runs one slot call in a task of its own.
    pub(super) fn spawn_slot(self: &Arc<Self>, job: SlotJob) {
        let me = self.clone();
        tokio::spawn(async move { me.run_slot(job, true).await });
    }

    /// Starts the task that runs a source's slot calls in order.
    pub(super) fn spawn_slot_runner(self: &Arc<Self>, mut rx: EventReceiver<SlotJob>) {
        let weak = Arc::downgrade(self);
        tokio::spawn(async move {
            while let Some(job) = rx.recv().await {
                let Some(me) = weak.upgrade() else { return };
                let last = rx.is_empty();
                me.run_slot(job, last).await;
            }
        });
    }

    /// Runs one slot call and sends its reply, converted to the declared return type (Qt replicas
    /// read the reply as that type).
    async fn run_slot(self: &Arc<Self>, job: SlotJob, last: bool) {
        let source = job.call.source.clone();
        let slot = job.call.name.clone();
        let value = job.handler.call(job.call).await;
        if let Some(serial) = job.serial {
            self.with(|st| {
                let value = match job.return_type.as_str() {
                    // No value: a Qt replica reads an invalid reply as the type's default.
                    _ if value == Value::Invalid => value,
                    "void" | "" => value,
                    t => st.host.convert_for(&source, t, value).unwrap_or_else(|e| {
                        // A Qt replica reads the reply as the return type: send none rather
                        // than storage it would misread.
                        tracing::warn!(source, slot = %slot, "the slot's return value was not sent: {e}");
                        Value::Invalid
                    }),
                };
                if let Err(e) = st.host.reply(job.conn, &source, serial, value) {
                    tracing::warn!(source, "cannot send the reply: {e}");
                }
                // The last reply of a run of calls goes out at once; earlier ones batch.
                if last {
                    st.write_now.push(job.conn);
                }
            });
        }
    }
}
