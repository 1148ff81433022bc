//! Slot calls: each runs its source's handler in a task (one source's calls one at a time, in
//! arrival order, unless `concurrent_slots`), and its reply goes back converted to the declared
//! return type.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crate::core::{ConnectionId, Value};
use crate::node::config::NodeConfig;
use crate::node::delivery::{self, Backlog, EventReceiver};
use crate::node::slot::Responder;

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
    /// read the reply as that type), unless the handler sent it through its [`Responder`].
    async fn run_slot(self: &Arc<Self>, job: SlotJob, last: bool) {
        let source = job.call.source.clone();
        let slot = job.call.name.clone();
        let answered = Arc::new(AtomicBool::new(false));
        let responder = Responder {
            shared: Arc::downgrade(self),
            conn: job.conn,
            source: source.clone(),
            slot: slot.clone(),
            serial: job.serial,
            return_type: job.return_type.clone(),
            answered: answered.clone(),
        };
        let value = job.handler.call_with_responder(job.call, responder).await;
        if answered.load(Ordering::Acquire) {
            return;
        }
        if let Some(serial) = job.serial {
            self.send_reply(job.conn, &source, &slot, serial, &job.return_type, value, last);
        }
    }

    /// Queues the reply to call `serial` on `conn`, converted to `return_type`; `now`: written
    /// out at once (else batched with the replies that follow).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn send_reply(
        self: &Arc<Self>,
        conn: ConnectionId,
        source: &str,
        slot: &str,
        serial: i32,
        return_type: &str,
        value: Value,
        now: bool,
    ) {
        self.with(|st| {
            let value = match return_type {
                // No value: a Qt replica reads an invalid reply as the type's default.
                _ if value == Value::Invalid => value,
                "void" | "" => value,
                t => st.host.convert_for(source, t, value).unwrap_or_else(|e| {
                    // A Qt replica reads the reply as the return type: send none rather
                    // than storage it would misread.
                    tracing::warn!(source, slot, "the slot's return value was not sent: {e}");
                    Value::Invalid
                }),
            };
            if let Err(e) = st.host.reply(conn, source, serial, value) {
                // Too deep or too large to encode: answer with no value rather than leave the
                // caller waiting for a reply that never comes.
                tracing::warn!(source, slot, "cannot send the reply ({e}); sending an invalid value");
                if let Err(e) = st.host.reply(conn, source, serial, Value::Invalid) {
                    tracing::warn!(source, "cannot send the reply: {e}");
                }
            }
            // The last reply of a run of calls goes out at once; earlier ones batch.
            if now {
                st.write_now.push(conn);
            }
        });
    }
}
