//! One connection of the node: its task (attached to a core, a read loop and a write loop, then
//! detached), the reconnecting connections to host URLs, and the accepting of replicas' ones.
//!
//! A connection serves one side of the node: a client connection feeds the client core, a host
//! connection the host core. The task is written once, generic over the [`Side`], as the cores
//! are one [`Core`](crate::core::Core) in two roles: what differs between the sides is a few
//! small methods, and no read or write asks which side it is on.

use std::os::fd::RawFd;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::{BufMut, BytesMut};
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::sync::{oneshot, watch, Notify};

use crate::core::{ClientRole, ConnectionId, HostRole};
use crate::net::{BoxStream, Listener, NodeUrl, Socket};
use crate::node::delivery::Backlog;

use super::output::write_loop;
use super::side::Side;
use super::socket::{BusyPoll, Tuning, LARGE_FRAME_READ_TO_END};
use super::wire::{DirectWriter, SocketWriter, Writer};
use super::{CloseReason, ConnHandle, Shared, State};

/// What a connection runs over.
enum Transport {
    /// A socket we opened or accepted.
    Socket(Socket),
    /// A stream the application supplied.
    Stream(BoxStream),
}

/// A transport split for its connection task.
struct Halves {
    reader: Box<dyn AsyncRead + Send + Unpin>,
    writer: Writer,
    /// The socket, which can be polled without the reactor while an answer is awaited.
    fd: Option<RawFd>,
    /// A TCP socket, which also takes a low-water mark for large frames and quick ACKs.
    tcp_fd: Option<RawFd>,
}

impl Halves {
    fn of(transport: Transport) -> Halves {
        let (fd, tcp_fd) = match &transport {
            Transport::Socket(s @ Socket::Tcp(_)) => (Some(s.raw_fd()), Some(s.raw_fd())),
            Transport::Socket(s) => (Some(s.raw_fd()), None),
            Transport::Stream(_) => (None, None),
        };
        // Sockets are split into owned halves so that any thread can write to them.
        let (reader, writer): (Box<dyn AsyncRead + Send + Unpin>, Writer) = match transport {
            Transport::Socket(Socket::Tcp(s)) => {
                let (r, w) = s.into_split();
                (Box::new(r), Writer::Direct(Arc::new(DirectWriter::new(SocketWriter::Tcp(w)))))
            }
            Transport::Socket(Socket::Unix(s)) => {
                let (r, w) = s.into_split();
                (Box::new(r), Writer::Direct(Arc::new(DirectWriter::new(SocketWriter::Unix(w)))))
            }
            Transport::Stream(stream) => {
                let (r, w) = tokio::io::split(stream);
                (Box::new(r), Writer::Stream(w))
            }
        };
        Halves { reader, writer, fd, tcp_fd }
    }
}

impl Shared {
    /// Keeps a connection to `url` open (reconnecting every `retry_interval`) while it is wanted.
    pub(crate) fn connect_url(self: &Arc<Self>, url: String) {
        {
            let mut st = self.lock();
            if st.url_conns.contains_key(&url) || !st.wanted_urls.insert(url.clone()) {
                return;
            }
        }
        let weak = Arc::downgrade(self);
        let mut shutdown = self.shutdown.subscribe();
        tokio::spawn(async move {
            let parsed = match NodeUrl::parse(&url) {
                Ok(u) => u,
                Err(e) => {
                    tracing::error!("{e}");
                    return;
                }
            };
            loop {
                let Some(me) = weak.upgrade() else { return };
                let retry = me.config.retry_interval;
                match crate::net::transport::connect_socket(&parsed).await {
                    Ok(socket) => {
                        let (conn, closed) = me.attach::<ClientRole>(Transport::Socket(socket), Some(url.clone()));
                        drop(me);
                        let reason = tokio::select! {
                            r = closed => r.unwrap_or(CloseReason::Closed),
                            _ = shutdown.changed() => return,
                        };
                        let Some(me) = weak.upgrade() else { return };
                        let keep = me.lock().wanted_urls.contains(&url);
                        tracing::debug!(conn, url, ?reason, "connection ended");
                        if reason == CloseReason::ProtocolMismatch || !keep {
                            me.lock().wanted_urls.remove(&url);
                            return;
                        }
                    }
                    Err(e) => tracing::debug!(url, "connect failed: {e}"),
                }
                tokio::select! {
                    _ = tokio::time::sleep(retry) => {}
                    _ = shutdown.changed() => return,
                }
            }
        });
    }

    /// Serves the replicas that connect to `listener`, until the node shuts down.
    pub(crate) fn accept_loop(self: &Arc<Self>, listener: Listener) {
        let weak = Arc::downgrade(self);
        let mut shutdown = self.shutdown.subscribe();
        tokio::spawn(async move {
            loop {
                let accepted = tokio::select! {
                    a = listener.accept_socket() => a,
                    _ = shutdown.changed() => return,
                };
                let Some(me) = weak.upgrade() else { return };
                match accepted {
                    Ok(socket) => {
                        me.attach::<HostRole>(Transport::Socket(socket), None);
                    }
                    Err(e) => {
                        tracing::warn!("accept failed: {e}");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                }
            }
        });
    }

    /// Runs a client connection over a stream the application opened.
    pub(crate) fn attach_client_stream(self: &Arc<Self>, stream: BoxStream) -> ConnectionId {
        self.attach::<ClientRole>(Transport::Stream(stream), None).0
    }

    /// Runs a host connection over a stream the application accepted.
    pub(crate) fn attach_host_stream(self: &Arc<Self>, stream: BoxStream) -> ConnectionId {
        self.attach::<HostRole>(Transport::Stream(stream), None).0
    }

    /// Runs a connection over `transport` for side `S`: registers it with that core and spawns
    /// its reader and writer. The receiver resolves when the connection is gone.
    fn attach<S: Side>(
        self: &Arc<Self>,
        transport: Transport,
        url: Option<String>,
    ) -> (ConnectionId, oneshot::Receiver<CloseReason>) {
        let wake = Arc::new(Notify::new());
        let expect_answer = Arc::new(Notify::new());
        let (close_tx, close_rx) = watch::channel(false);
        let Halves { reader, writer, fd, tcp_fd } = Halves::of(transport);
        let direct = match &writer {
            Writer::Direct(d) => Some(d.clone()),
            Writer::Stream(_) => None,
        };
        let busy = match (fd, &direct, self.config.busy_poll) {
            (Some(fd), Some(direct), Some(budget)) if S::AWAITS_ANSWERS => Some(BusyPoll {
                fd,
                budget,
                expect_answer: expect_answer.clone(),
                direct: direct.clone(),
                wake_writer: wake.clone(),
            }),
            _ => None,
        };
        let conn = self.with(|st| {
            let conn = st.next_conn;
            st.next_conn += 1;
            st.conns.insert(conn, ConnHandle { wake_writer: wake.clone(), expect_answer, close: close_tx, direct });
            S::open(st, conn);
            if let Some(u) = &url {
                st.url_conns.insert(u.clone(), conn);
            }
            conn
        });
        let (done_tx, done_rx) = oneshot::channel();
        let me = self.clone();
        let mut shutdown = self.shutdown.subscribe();
        tokio::spawn(async move {
            let reason = tokio::select! {
                r = read_loop::<S>(&me, conn, reader, busy, tcp_fd) => r,
                r = write_loop::<S>(&me, conn, writer, wake) => r,
                r = wait_close(close_rx) => r,
                _ = shutdown.changed() => CloseReason::Closed,
            };
            me.detach::<S>(conn, url.as_deref());
            let _ = done_tx.send(reason);
        });
        (conn, done_rx)
    }

    fn detach<S: Side>(self: &Arc<Self>, conn: ConnectionId, url: Option<&str>) {
        self.with(|st| {
            st.conns.remove(&conn);
            if let Some(u) = url {
                st.url_conns.remove(u);
            }
            S::close(st, conn);
        });
    }

    /// Tells the task of `conn` to close it.
    pub(super) fn close(&self, conn: ConnectionId) {
        if let Some(c) = self.lock().conns.get(&conn) {
            let _ = c.close.send(true);
        }
    }

    /// Waits, reading no more meanwhile, until the event queues a read filled past the backlog
    /// have drained to half of it. An application that falls behind its events slows this peer
    /// down (as a slow slot does in Qt) instead of queueing without bound. The peer is not at
    /// fault meanwhile, so its heartbeat is kept alive.
    async fn wait_for_subscribers<S: Side>(self: &Arc<Self>, conn: ConnectionId, backlogged: &mut Vec<Backlog>) {
        let low = self.config.event_backlog / 2;
        for b in backlogged.drain(..) {
            let keepalive = self.config.heartbeat.map_or(Duration::from_secs(1), |h| h / 2);
            while tokio::time::timeout(keepalive, b.wait_below(low)).await.is_err() {
                S::keepalive(self, conn);
            }
        }
    }
}

impl State {
    /// The buffer to read into for `conn`: the decoder's own (it holds a partial frame, with room
    /// reserved for the rest of it), or a fresh one; either is handed back without copying.
    fn take_read_buffer<S: Side>(&mut self, conn: ConnectionId) -> BytesMut {
        S::core_mut(self).take_read_buffer(conn)
    }

    /// Hands what was read from `conn` to its core. Returns whether the host spoke another
    /// protocol version, how much of a partial frame is still to come, and whether to
    /// acknowledge at once what arrived (`may_quick_ack`: a TCP connection whose answer was not
    /// polled for: after one, the next request carries the ACK).
    fn handle_read<S: Side>(
        &mut self,
        conn: ConnectionId,
        buf: BytesMut,
        now: Instant,
        may_quick_ack: bool,
    ) -> (bool, usize, bool) {
        let quick_ack = may_quick_ack && S::wants_quick_ack(self, conn);
        let missing = S::receive(self, conn, buf, now);
        // Answers to what was just read (Init for AddObject, Pong, replies of the registry) go
        // out in one write at the end of the read.
        self.write_now.push(conn);
        (self.protocol_mismatch.remove(&conn), missing, quick_ack)
    }
}

async fn wait_close(mut rx: watch::Receiver<bool>) -> CloseReason {
    while !*rx.borrow() {
        if rx.changed().await.is_err() {
            return CloseReason::Closed;
        }
    }
    CloseReason::Closed
}

async fn read_loop<S: Side>(
    me: &Arc<Shared>,
    conn: ConnectionId,
    mut reader: impl AsyncRead + Unpin,
    busy: Option<BusyPoll>,
    tcp_fd: Option<RawFd>,
) -> CloseReason {
    let mut backlogged = Vec::new();
    let mut tuning = tcp_fd.map(Tuning::new);
    // Bytes still to come for a large partial frame (see `read_some`).
    let mut large_missing = 0;
    loop {
        let mut buf = me.lock().take_read_buffer::<S>(conn);
        // Room for a 64 KiB read in all: a partial frame left from the last read then moves to
        // the front of the same buffer instead of into a fresh one (a 64 KiB allocation per read).
        let room = (64 * 1024usize).saturating_sub(buf.len()).max(16 * 1024);
        if buf.capacity() - buf.len() < room {
            buf.reserve(room);
        }
        let polled = match read_some::<S>(me, conn, &mut reader, &mut buf, busy.as_ref(), large_missing).await {
            (Ok(0) | Err(_), _) => return CloseReason::Closed,
            (Ok(_), polled) => polled,
        };
        let now = Instant::now();
        let may_quick_ack = tcp_fd.is_some() && !polled;
        let (mismatch, missing, quick_ack) =
            me.with_backlog(|st| st.handle_read::<S>(conn, buf, now, may_quick_ack), &mut backlogged);
        if mismatch {
            return CloseReason::ProtocolMismatch;
        }
        large_missing = if missing >= LARGE_FRAME_READ_TO_END { missing } else { 0 };
        if let Some(tuning) = &mut tuning {
            tuning.after_read(missing, quick_ack);
        }
        me.wait_for_subscribers::<S>(conn, &mut backlogged).await;
    }
}

/// Reads once into `buf`; returns the read and whether it was a busy poll for an awaited answer.
async fn read_some<S: Side>(
    me: &Arc<Shared>,
    conn: ConnectionId,
    reader: &mut (impl AsyncRead + Unpin),
    buf: &mut BytesMut,
    busy: Option<&BusyPoll>,
    large_missing: usize,
) -> (std::io::Result<usize>, bool) {
    if large_missing > 0 {
        // Read no further than the end of a large frame: the frame then ends its buffer and is
        // handed on whole, instead of the next frame's first bytes having to be copied out of a
        // buffer the frame still shares.
        return (reader.read_buf(&mut (&mut *buf).limit(large_missing)).await, false);
    }
    let Some(busy) = busy else { return (reader.read_buf(buf).await, false) };
    loop {
        tokio::select! {
            biased;
            r = reader.read_buf(&mut *buf) => return (r, false),
            // A request went out and its caller waits: its answer usually comes within
            // microseconds, sooner than a parked thread on an idle CPU would wake up.
            _ = busy.expect_answer.notified() => {
                me.write_now::<S>(conn, &busy.direct, &busy.wake_writer);
                let flushed = busy.direct.idle() && me.lock().queued::<S>(conn) == 0;
                if let Some(r) = flushed.then(|| busy.read(buf)).flatten() {
                    return (r, true);
                }
            }
        }
    }
}
