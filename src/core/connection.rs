//! The connection layer both sans-IO cores share: each connection's frame decoder, name cache
//! and output queue, the read buffer, the connections with new output, and the event queue.
//!
//! [`HostCore`](super::HostCore) and [`ClientCore`](super::ClientCore) are one [`Core`] in two
//! [`Role`]s. The role holds only what differs (the sources a host shares, the replicas a client
//! holds) and decides what a packet means; everything a driver does with the bytes of a
//! connection (read into its buffer, take its output, hand written buffers back, wait for the
//! rest of a frame) is written once, here, as h2 writes its client and server machinery once
//! behind its `Peer` trait.

use std::collections::{HashMap, VecDeque};
use std::ops::Range;

use bytes::{Bytes, BytesMut};

use super::dialect::Dialect;
use super::error::{DecodeError, DecodeResult};
use super::frame::{FrameDecoder, Frames, SpareBuffer};
use super::limits::{Limits, LogThrottle};
use super::outbox::Outbox;
use super::packet::{NameCache, Packet};
use super::stream::Output;
use super::types::TypeRegistry;

/// Identifies one connection of a node; chosen by the driver.
pub type ConnectionId = u64;

/// Hashing for maps keyed by [`ConnectionId`]: ids are small distinct integers, so a
/// multiplicative mix is enough and much cheaper than SipHash on hot paths.
#[derive(Default, Clone, Copy)]
pub(crate) struct ConnHasher(u64);

impl std::hash::Hasher for ConnHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0.rotate_left(5) ^ *b as u64).wrapping_mul(0x517c_c1b7_2722_0a95);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

/// A map keyed by connection id.
pub(crate) type ConnMap<V> = HashMap<ConnectionId, V, std::hash::BuildHasherDefault<ConnHasher>>;

/// Where a connection's protocol stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LinkState {
    /// A client connection before the host's Handshake.
    AwaitHandshake,
    /// Packets are handled.
    Ready,
    /// A protocol error was reported: nothing more is read, the driver closes it.
    Failed,
}

/// One connection, as both roles keep it.
pub(crate) struct Connection {
    pub(crate) frames: FrameDecoder,
    pub(crate) names: NameCache,
    pub(crate) out: Outbox,
    pub(crate) state: LinkState,
    /// Warnings about the peer's refused or undecodable packets, throttled.
    pub(crate) log: LogThrottle,
}

impl Connection {
    /// Decodes the packet at `span` of `frames`, object names shared through this connection's
    /// cache.
    #[inline]
    pub(crate) fn decode(
        &mut self,
        frames: &Frames,
        packet_type: u16,
        span: Range<usize>,
        dialect: Dialect,
        types: &TypeRegistry,
        limits: &Limits,
    ) -> DecodeResult<Packet> {
        Packet::decode_with(&frames.frame(packet_type, span), dialect, types, limits, &mut self.names)
    }
}

/// What a [`Core`] is besides its connections: a host ([`HostCore`](super::HostCore)) or a
/// client ([`ClientCore`](super::ClientCore)). Implemented by this crate only.
pub trait Role: sealed::Sealed + Default {
    /// The events the core queues for the driver ([`Core::poll_event`]).
    type Event;

    /// The event telling the driver to close `conn` after a protocol error.
    #[doc(hidden)]
    fn protocol_error(conn: ConnectionId, error: DecodeError) -> Self::Event;
}

pub(crate) mod sealed {
    /// Keeps [`Role`](super::Role) to this crate's two roles.
    pub trait Sealed {}
}

/// A sans-IO core: the connections of one role of a node and what it holds besides (see the
/// [module documentation](self)). It performs no I/O and reads no clock.
pub struct Core<R: Role> {
    pub(crate) dialect: Dialect,
    pub(crate) limits: Limits,
    pub(crate) types: TypeRegistry,
    pub(crate) conns: ConnMap<Connection>,
    pub(crate) events: VecDeque<R::Event>,
    /// Connections that got output since the last [`Core::take_dirty`].
    pub(crate) dirty: Vec<ConnectionId>,
    spare_read: SpareBuffer,
    /// What the role holds: sources or replicas.
    pub(crate) role: R,
}

impl<R: Role> Core<R> {
    /// A core speaking `dialect` to every connection, decoding within `limits`.
    pub fn new(dialect: Dialect, limits: Limits) -> Self {
        Core {
            dialect,
            limits,
            types: TypeRegistry::new(dialect),
            conns: ConnMap::default(),
            events: VecDeque::new(),
            dirty: Vec::new(),
            spare_read: SpareBuffer::default(),
            role: R::default(),
        }
    }

    /// The dialect this core speaks.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// The user types (PODs, enums) values may contain.
    pub fn types(&self) -> &TypeRegistry {
        &self.types
    }

    /// The user types values may contain, to register more.
    pub fn types_mut(&mut self) -> &mut TypeRegistry {
        &mut self.types
    }

    /// The open connections.
    pub fn connections(&self) -> impl Iterator<Item = ConnectionId> + '_ {
        self.conns.keys().copied()
    }

    /// The next event, in order; `None` when there is none.
    pub fn poll_event(&mut self) -> Option<R::Event> {
        super::limits::pop_front_shrinking(&mut self.events)
    }

    /// The next piece of output to write to `conn`, in order; call until `None`. Output holding
    /// large byte arrays comes in several pieces (the arrays are not copied into it).
    pub fn take_output(&mut self, conn: ConnectionId) -> Option<Bytes> {
        self.conns.get_mut(&conn)?.out.take()
    }

    /// Hands back the buffer of output that was written (from [`Core::take_output`]), so the
    /// next output reuses its memory instead of allocating.
    pub fn recycle_output(&mut self, conn: ConnectionId, spent: Bytes) {
        if let Some(c) = self.conns.get_mut(&conn) {
            c.out.recycle(spent);
        }
    }

    /// How many bytes are queued for `conn` (for backpressure decisions).
    pub fn queued(&self, conn: ConnectionId) -> usize {
        self.conns.get(&conn).map_or(0, |c| c.out.len())
    }

    /// Connections whose output became non-empty since their writer last took it (each listed
    /// once), so a driver wakes only those writers, once per burst.
    pub fn take_dirty(&mut self) -> Vec<ConnectionId> {
        // Flags stay set until the writer takes the output: while it has not, more output needs
        // no new wake-up.
        std::mem::take(&mut self.dirty)
    }

    /// Bytes still to come for a frame partly received from `conn` (see
    /// [`FrameDecoder::missing`]).
    pub fn missing(&self, conn: ConnectionId) -> usize {
        self.conns.get(&conn).map_or(0, |c| c.frames.missing())
    }

    /// The partial frame buffered for `conn` (see [`FrameDecoder::take_buffer`]); read into it
    /// and pass it back to the role's `receive_owned`.
    pub fn take_read_buffer(&mut self, conn: ConnectionId) -> BytesMut {
        let partial = self.conns.get_mut(&conn).map(|c| c.frames.take_buffer()).unwrap_or_default();
        self.spare_read.or_spare(partial)
    }

    /// Adds connection `conn`, its protocol in `state`.
    pub(crate) fn open(&mut self, conn: ConnectionId, state: LinkState) -> &mut Connection {
        let c = Connection {
            frames: FrameDecoder::new(self.dialect, &self.limits),
            names: NameCache::default(),
            out: Outbox::default(),
            state,
            log: LogThrottle::default(),
        };
        self.conns.entry(conn).insert_entry(c).into_mut()
    }

    /// Queues `packet` for `conn`. Encoding fails only for strings past 4 GiB: logged.
    pub(crate) fn send(&mut self, conn: ConnectionId, packet: &Packet) {
        if let Some(c) = self.conns.get_mut(&conn) {
            if let Err(e) = packet.encode(self.dialect, &mut c.out.buf) {
                tracing::error!("cannot encode {:?}: {e}", packet.packet_type());
            }
            if c.out.note() {
                self.dirty.push(conn);
            }
        }
    }

    /// Queues what `write` encodes for `conn` (large byte arrays spliced, not copied); if it
    /// fails nothing of it stays queued. A closed connection gets nothing, and no error.
    pub(crate) fn append<E>(
        &mut self,
        conn: ConnectionId,
        write: impl FnOnce(Output<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        if let Some(c) = self.conns.get_mut(&conn) {
            if c.out.append(write)? {
                self.dirty.push(conn);
            }
        }
        Ok(())
    }

    /// Feeds `bytes` to the frame decoder of `conn` and takes the complete frames, with the
    /// error that ends them if a frame header is bad; `None` for a connection that is unknown
    /// or failed. Give the frames back with [`Core::end_receive`].
    pub(crate) fn start_receive(
        &mut self,
        conn: ConnectionId,
        bytes: BytesMut,
    ) -> Option<(Frames, Option<DecodeError>)> {
        let c = self.conns.get_mut(&conn).filter(|c| c.state != LinkState::Failed)?;
        c.frames.extend_owned(bytes);
        Some(c.frames.take_frames())
    }

    /// Keeps the buffer of handled `frames` for the next read, and reports the bad header that
    /// ended them (unless the connection failed meanwhile).
    pub(crate) fn end_receive(&mut self, conn: ConnectionId, frames: Frames, bad_header: Option<DecodeError>) {
        self.spare_read.keep(frames);
        if let Some(error) = bad_header {
            if self.conns.get(&conn).is_some_and(|c| c.state != LinkState::Failed) {
                self.fail(conn, error);
            }
        }
    }

    /// Marks `conn` failed and tells the driver to close it.
    pub(crate) fn fail(&mut self, conn: ConnectionId, error: DecodeError) {
        if let Some(c) = self.conns.get_mut(&conn) {
            c.state = LinkState::Failed;
        }
        tracing::warn!(conn, %error, "closing connection after a protocol error");
        self.events.push_back(R::protocol_error(conn, error));
    }
}
