//! The test pair: one [`HostCore`] and its [`ClientCore`]s joined in memory, with a simulated
//! clock.
//!
//! The idea is quinn-proto's `Pair` (`quinn-proto/src/tests/util.rs`): no sockets, no threads
//! and no real time, so a run is the same every time and every edge of the state machines can be
//! reached on purpose. The pair drives the cores only through the methods a driver has
//! (`node::engine` calls the same ones over sockets): received bytes go in through
//! `take_read_buffer` + `receive_owned` / `receive_with` as the engine reads, or through plain
//! `receive`, in turn; output comes out where `take_dirty` points and is handed back with
//! `recycle_output`; events come from `poll_event`; the heartbeat runs on `poll_timeout` /
//! `handle_timeout` at the simulated time. Whenever the pair is idle it checks that no output
//! was left queued that `take_dirty` did not announce (a driver would never write it).
//!
//! Each connection is a [`Link`] of two pipes, one each way. A test can hold a pipe's bytes back
//! (a frozen peer), lose them, deliver them in pieces of a few bytes (frames split anywhere), or
//! write raw bytes into it (a hostile peer). Like the engine, the pair closes a connection when
//! a core asks for it (a protocol error, a failed heartbeat, another protocol version).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use bytes::{Buf, Bytes, BytesMut};

use crate::core::{
    ClientCore, ClientEvent, ConnectionId, Dialect, Frame, FrameDecoder, HostCore, HostEvent, Limits, Packet,
    PacketType, ReplicaState, TypeRegistry,
};

/// Steps a drive may take before the pair is declared stuck (a livelock is a bug too).
const MAX_STEPS: usize = 10_000;

/// A direction of a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Dir {
    /// What the client writes.
    ToHost,
    /// What the host writes.
    ToClient,
}

/// What a pipe does with the bytes written into it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Flow {
    /// Delivered by the next drive.
    Open,
    /// Kept back until the pipe is opened again: a peer that froze, or a stalled network.
    Held,
    /// Thrown away as they are written.
    Lost,
}

/// A frame written into a pipe, and when.
#[derive(Debug, Clone)]
pub(super) struct Sent {
    /// Time since the pair was made.
    pub(super) at: Duration,
    /// The frame.
    pub(super) frame: Frame,
}

/// One direction of a connection: bytes written and not yet delivered, and a log of the frames
/// that were written.
struct Pipe {
    flow: Flow,
    queue: BytesMut,
    /// The largest piece given to the receiver at once; `None` delivers everything in one.
    piece: Option<usize>,
    /// The sender's dialect, to read the log.
    dialect: Dialect,
    log: Vec<Sent>,
    /// Splits the written bytes into the frames of the log; `None` once they stop making frames
    /// (a hostile header), after which nothing more is logged.
    scan: Option<FrameDecoder>,
}

impl Pipe {
    fn new(dialect: Dialect) -> Self {
        let unbounded = Limits { max_packet_size: u32::MAX, ..Limits::DEFAULT };
        Pipe {
            flow: Flow::Open,
            queue: BytesMut::new(),
            piece: None,
            dialect,
            log: Vec::new(),
            scan: Some(FrameDecoder::new(dialect, &unbounded)),
        }
    }

    fn write(&mut self, bytes: &[u8], at: Duration) {
        if let Some(scan) = &mut self.scan {
            scan.extend(bytes);
            loop {
                match scan.next_frame() {
                    Ok(Some(frame)) => self.log.push(Sent { at, frame }),
                    Ok(None) => break,
                    Err(_) => {
                        self.scan = None;
                        break;
                    }
                }
            }
        }
        if self.flow != Flow::Lost {
            self.queue.extend_from_slice(bytes);
        }
    }

    /// The pieces to deliver now, in order.
    fn take(&mut self) -> Vec<BytesMut> {
        if self.flow != Flow::Open {
            return Vec::new();
        }
        let size = self.piece.unwrap_or(usize::MAX).max(1);
        let mut pieces = Vec::new();
        while !self.queue.is_empty() {
            let n = size.min(self.queue.len());
            pieces.push(self.queue.split_to(n));
        }
        pieces
    }
}

/// A connection between the host and one client.
struct Link {
    client: usize,
    open: bool,
    to_host: Pipe,
    to_client: Pipe,
}

impl Link {
    fn pipe(&mut self, dir: Dir) -> &mut Pipe {
        match dir {
            Dir::ToHost => &mut self.to_host,
            Dir::ToClient => &mut self.to_client,
        }
    }
}

/// The output half of the driver API, which both cores have.
trait Writer {
    fn take_dirty(&mut self) -> Vec<ConnectionId>;
    fn take_output(&mut self, conn: ConnectionId) -> Option<Bytes>;
    fn recycle_output(&mut self, conn: ConnectionId, spent: Bytes);
}

macro_rules! writer {
    ($core:ty) => {
        impl Writer for $core {
            fn take_dirty(&mut self) -> Vec<ConnectionId> {
                <$core>::take_dirty(self)
            }
            fn take_output(&mut self, conn: ConnectionId) -> Option<Bytes> {
                <$core>::take_output(self, conn)
            }
            fn recycle_output(&mut self, conn: ConnectionId, spent: Bytes) {
                <$core>::recycle_output(self, conn, spent)
            }
        }
    };
}
writer!(HostCore);
writer!(ClientCore);

/// Writes the output of every connection `core` announced into its pipe, as a connection's
/// writer does: each piece in full, then handed back for reuse.
fn write_out(core: &mut impl Writer, links: &mut BTreeMap<ConnectionId, Link>, dir: Dir, at: Duration) {
    for conn in core.take_dirty() {
        let Some(link) = links.get_mut(&conn).filter(|l| l.open) else { continue };
        while let Some(mut bytes) = core.take_output(conn) {
            link.pipe(dir).write(&bytes, at);
            bytes.advance(bytes.len());
            core.recycle_output(conn, bytes);
        }
    }
}

/// A host and its clients joined in memory (see the [module documentation](self)).
pub(super) struct Pair {
    pub(super) host: HostCore,
    pub(super) clients: Vec<ClientCore>,
    /// The simulated time: what the clients are told is now. Moved by [`Pair::advance`].
    pub(super) now: Instant,
    epoch: Instant,
    links: BTreeMap<ConnectionId, Link>,
    next_conn: ConnectionId,
    host_events: Vec<HostEvent>,
    client_events: Vec<Vec<ClientEvent>>,
    /// Reads so far, to alternate between the two ways of reading.
    reads: u64,
}

impl Pair {
    /// A host and one client speaking `dialect`, with the default limits; nothing connected yet.
    pub(super) fn new(dialect: Dialect) -> Self {
        Pair::with_limits(dialect, Limits::DEFAULT, Limits::DEFAULT)
    }

    /// A host and one client speaking `dialect`, each decoding within its limits.
    pub(super) fn with_limits(dialect: Dialect, host: Limits, client: Limits) -> Self {
        let now = Instant::now();
        let mut pair = Pair {
            host: HostCore::new(dialect, host),
            clients: Vec::new(),
            now,
            epoch: now,
            links: BTreeMap::new(),
            next_conn: 1,
            host_events: Vec::new(),
            client_events: Vec::new(),
            reads: 0,
        };
        pair.add_client(dialect, client);
        pair
    }

    /// Another client; returns its index in [`Pair::clients`].
    pub(super) fn add_client(&mut self, dialect: Dialect, limits: Limits) -> usize {
        self.clients.push(ClientCore::new(dialect, limits));
        self.client_events.push(Vec::new());
        self.clients.len() - 1
    }

    /// Time since the pair was made.
    pub(super) fn elapsed(&self) -> Duration {
        self.now - self.epoch
    }

    /// Opens a connection from client `client` to the host (not driven yet).
    pub(super) fn connect(&mut self, client: usize) -> ConnectionId {
        let conn = self.next_conn;
        self.next_conn += 1;
        let link = Link {
            client,
            open: true,
            to_host: Pipe::new(self.clients[client].dialect()),
            to_client: Pipe::new(self.host.dialect()),
        };
        self.links.insert(conn, link);
        self.host.accept(conn);
        self.clients[client].connected(conn);
        conn
    }

    /// Closes `conn` on both sides, as when its socket closes; bytes in flight are lost.
    pub(super) fn cut(&mut self, conn: ConnectionId) {
        self.close(conn);
        self.collect();
    }

    /// Cuts `conn` and opens a new connection from the same client, driven until idle.
    pub(super) fn reconnect(&mut self, conn: ConnectionId) -> ConnectionId {
        self.cut(conn);
        let client = self.links[&conn].client;
        let conn = self.connect(client);
        self.drive();
        conn
    }

    /// Whether `conn` is open.
    pub(super) fn is_open(&self, conn: ConnectionId) -> bool {
        self.links.get(&conn).is_some_and(|l| l.open)
    }

    /// Sets what happens to bytes written into one direction of `conn` from now on. Bytes held
    /// back so far are delivered by the next drive once the pipe is open again, and lost if it
    /// is set to lose them.
    pub(super) fn set_flow(&mut self, conn: ConnectionId, dir: Dir, flow: Flow) {
        let pipe = self.link(conn).pipe(dir);
        pipe.flow = flow;
        if flow == Flow::Lost {
            pipe.queue.clear();
        }
    }

    /// Delivers one direction of `conn` in pieces of at most `size` bytes (`None`: at once).
    pub(super) fn split(&mut self, conn: ConnectionId, dir: Dir, size: Option<usize>) {
        self.link(conn).pipe(dir).piece = size;
    }

    /// Writes raw bytes into one direction of `conn`, as if its sender had written them.
    pub(super) fn inject(&mut self, conn: ConnectionId, dir: Dir, bytes: &[u8]) {
        let at = self.elapsed();
        self.link(conn).pipe(dir).write(bytes, at);
    }

    /// The frames written into one direction of `conn` so far.
    pub(super) fn sent(&self, conn: ConnectionId, dir: Dir) -> &[Sent] {
        let link = &self.links[&conn];
        match dir {
            Dir::ToHost => &link.to_host.log,
            Dir::ToClient => &link.to_client.log,
        }
    }

    /// The types of the frames written into one direction of `conn`, from the `from`-th on.
    pub(super) fn packet_types(&self, conn: ConnectionId, dir: Dir, from: usize) -> Vec<PacketType> {
        self.sent(conn, dir)[from..]
            .iter()
            .map(|s| PacketType::from_u16(s.frame.packet_type).expect("a packet type QtRO defines"))
            .collect()
    }

    /// The packets written into one direction of `conn`, from the `from`-th on, decoded (only
    /// for values of built-in types).
    pub(super) fn packets(&self, conn: ConnectionId, dir: Dir, from: usize) -> Vec<Packet> {
        let link = &self.links[&conn];
        let pipe = match dir {
            Dir::ToHost => &link.to_host,
            Dir::ToClient => &link.to_client,
        };
        let types = TypeRegistry::new(pipe.dialect);
        pipe.log[from..]
            .iter()
            .map(|s| Packet::decode(&s.frame, pipe.dialect, &types, &Limits::DEFAULT).expect("a decodable packet"))
            .collect()
    }

    /// The host's events since the last call.
    pub(super) fn host_events(&mut self) -> Vec<HostEvent> {
        std::mem::take(&mut self.host_events)
    }

    /// Client `client`'s events since the last call.
    pub(super) fn client_events(&mut self, client: usize) -> Vec<ClientEvent> {
        std::mem::take(&mut self.client_events[client])
    }

    /// The state of client `client`'s replica `name`.
    pub(super) fn state(&self, client: usize, name: &str) -> ReplicaState {
        self.clients[client].replica(name).expect("acquired").state
    }

    /// Delivers bytes both ways until neither side has anything more to deliver (the clock
    /// stands still), then checks that no output is left that the cores did not announce.
    pub(super) fn drive(&mut self) {
        self.collect();
        for _ in 0..MAX_STEPS {
            if !self.step() {
                return self.check_idle();
            }
        }
        panic!("the pair did not settle in {MAX_STEPS} steps");
    }

    /// Moves the clock forward by `by`, stopping at every timer that falls due on the way (each
    /// handled and driven at its own time).
    pub(super) fn advance(&mut self, by: Duration) {
        let until = self.now + by;
        self.drive();
        for _ in 0..MAX_STEPS {
            match self.clients.iter().filter_map(ClientCore::poll_timeout).min() {
                Some(due) if due <= until => {
                    self.now = self.now.max(due);
                    let now = self.now;
                    for client in &mut self.clients {
                        client.handle_timeout(now);
                    }
                    self.drive();
                }
                _ => {
                    self.now = until;
                    return self.drive();
                }
            }
        }
        panic!("timers kept falling due before {by:?} had passed");
    }

    /// Writes out what the cores queued, then delivers what the pipes let through; returns
    /// whether anything was delivered.
    fn step(&mut self) -> bool {
        let at = self.elapsed();
        write_out(&mut self.host, &mut self.links, Dir::ToClient, at);
        for client in &mut self.clients {
            write_out(client, &mut self.links, Dir::ToHost, at);
        }
        let mut moved = false;
        let conns: Vec<ConnectionId> = self.links.keys().copied().collect();
        for conn in conns {
            for dir in [Dir::ToHost, Dir::ToClient] {
                let pieces = match self.links.get_mut(&conn) {
                    Some(link) if link.open => link.pipe(dir).take(),
                    _ => continue,
                };
                for piece in pieces {
                    // A piece may have closed the connection: the rest is not read.
                    if !self.is_open(conn) {
                        break;
                    }
                    self.deliver(conn, dir, &piece);
                    self.collect();
                    moved = true;
                }
            }
        }
        moved
    }

    /// One read: `bytes` arrive at the receiving end of `conn`. Reads alternate between the
    /// engine's path (into the core's read buffer, property changes and signals taken by a sink)
    /// and the plain one (bytes copied in, every event queued), so both are exercised, with
    /// partial frames carried over from one to the other.
    fn deliver(&mut self, conn: ConnectionId, dir: Dir, bytes: &[u8]) {
        self.reads += 1;
        let engine_path = self.reads % 2 == 1;
        match dir {
            Dir::ToHost if engine_path => {
                let mut buf = self.host.take_read_buffer(conn);
                buf.extend_from_slice(bytes);
                self.host.receive_owned(conn, buf);
            }
            Dir::ToHost => self.host.receive(conn, bytes),
            Dir::ToClient => {
                let i = self.links[&conn].client;
                let (client, events) = (&mut self.clients[i], &mut self.client_events[i]);
                if engine_path {
                    let mut buf = client.take_read_buffer(conn);
                    buf.extend_from_slice(bytes);
                    client.receive_with(conn, buf, self.now, &mut |event, _| {
                        events.push(event);
                        None
                    });
                } else {
                    client.receive(conn, bytes, self.now);
                }
            }
        }
    }

    /// Takes the cores' events, closing the connections they ask to close (as the engine does).
    fn collect(&mut self) {
        loop {
            let mut closing = Vec::new();
            while let Some(event) = self.host.poll_event() {
                if let HostEvent::ProtocolError { conn, .. } = &event {
                    closing.push(*conn);
                }
                self.host_events.push(event);
            }
            for (client, events) in self.clients.iter_mut().zip(&mut self.client_events) {
                while let Some(event) = client.poll_event() {
                    if let ClientEvent::HeartbeatFailed { conn }
                    | ClientEvent::ProtocolError { conn, .. }
                    | ClientEvent::ProtocolMismatch { conn, .. } = &event
                    {
                        closing.push(*conn);
                    }
                    events.push(event);
                }
            }
            if closing.is_empty() {
                return;
            }
            for conn in closing {
                self.close(conn);
            }
        }
    }

    fn close(&mut self, conn: ConnectionId) {
        let link = self.link(conn);
        if !link.open {
            return;
        }
        link.open = false;
        link.to_host.queue.clear();
        link.to_client.queue.clear();
        let client = link.client;
        self.host.disconnect(conn);
        self.clients[client].disconnected(conn);
    }

    /// Every open connection's output was announced by `take_dirty` and written out.
    fn check_idle(&self) {
        for (&conn, link) in &self.links {
            if link.open {
                let (host, client) = (self.host.queued(conn), self.clients[link.client].queued(conn));
                assert_eq!((host, client), (0, 0), "connection {conn}: output queued that take_dirty never announced");
            }
        }
    }

    fn link(&mut self, conn: ConnectionId) -> &mut Link {
        self.links.get_mut(&conn).expect("a connection of this pair")
    }
}
