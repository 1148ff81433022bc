//! Tuning a connection's socket beyond what tokio does: reading it directly while an answer is
//! awaited ([`BusyPoll`]), and the receive low-water mark and quick ACKs ([`Tuning`]). The
//! system calls (and their `unsafe`) are all here.

use std::os::fd::RawFd;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Notify;

use super::wire::DirectWriter;

/// A partial frame still missing at least this much is read up to its end and no further (see
/// the connection's read loop).
pub(super) const LARGE_FRAME_READ_TO_END: usize = 32 * 1024;

/// Large frames are read in pieces of at least this much (see [`Tuning::after_read`]).
const LARGE_FRAME_LOW_WATER: usize = 256 * 1024;

/// Reading a socket directly for a short while before parking (see
/// [`NodeConfig::busy_poll`](crate::node::NodeConfig::busy_poll)).
pub(super) struct BusyPoll {
    pub(super) fd: RawFd,
    pub(super) budget: Duration,
    /// Notified when a request whose answer is awaited went out.
    pub(super) expect_answer: Arc<Notify>,
    /// The connection's writer: the request must be out before we spin (the connection task
    /// that would otherwise write it is the one spinning).
    pub(super) direct: Arc<DirectWriter>,
    pub(super) wake_writer: Arc<Notify>,
}

impl BusyPoll {
    /// Reads into `buf`'s spare room until data comes, the peer closes, or the budget is spent
    /// (`None`). Bypasses the reactor, whose readiness flags a later read corrects by itself.
    pub(super) fn read(&self, buf: &mut bytes::BytesMut) -> Option<std::io::Result<usize>> {
        let start = Instant::now();
        loop {
            let spare = buf.spare_capacity_mut();
            // SAFETY: recv writes at most `spare.len()` bytes into memory we own, and
            // `set_len` only covers bytes it reported written. The descriptor belongs to the
            // read half this loop owns, so it stays open while we use it.
            let n = unsafe { libc::recv(self.fd, spare.as_mut_ptr().cast(), spare.len(), libc::MSG_DONTWAIT) };
            if n >= 0 {
                unsafe { buf.set_len(buf.len() + n as usize) };
                return Some(Ok(n as usize));
            }
            let error = std::io::Error::last_os_error();
            match error.kind() {
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::Interrupted => {}
                _ => return Some(Err(error)),
            }
            let waited = start.elapsed();
            if waited >= self.budget {
                return None;
            }
            // For the last third, yield rather than spin: the peer we wait for may be queued on
            // this very CPU (the scheduler tends to wake it where it last ran), and must not
            // wait for the rest of our budget (pure spinning: round-trip p99 128-167 µs; with
            // the yield: 85-105 µs, medians unchanged).
            if waited >= self.budget * 2 / 3 {
                std::thread::yield_now();
            } else {
                std::hint::spin_loop();
            }
        }
    }
}

/// The options of a TCP socket that change from read to read.
pub(super) struct Tuning {
    fd: RawFd,
    /// The receive low-water mark set now.
    low_water: usize,
}

impl Tuning {
    pub(super) fn new(fd: RawFd) -> Tuning {
        Tuning { fd, low_water: 1 }
    }

    /// After a read that left `missing` bytes of a frame to come: while a large frame arrives,
    /// the socket wakes us only once a good part of it is there (fewer wake-ups, reads and
    /// buffer growths, on our side and on the sender's: on loopback the sender's CPU runs our
    /// wake-ups). With `quick_ack`, what arrived is acknowledged at once.
    pub(super) fn after_read(&mut self, missing: usize, quick_ack: bool) {
        let want = if missing > LARGE_FRAME_LOW_WATER { missing.min(4 * LARGE_FRAME_LOW_WATER) } else { 1 };
        if want != self.low_water {
            set_int_option(
                self.fd,
                libc::SOL_SOCKET,
                libc::SO_RCVLOWAT,
                want.min(i32::MAX as usize) as libc::c_int,
                "SO_RCVLOWAT",
            );
            self.low_water = want;
        }
        if quick_ack {
            // Acknowledges what arrived at once, until the kernel's heuristics return to
            // delayed ACKs: hence after every read.
            set_int_option(self.fd, libc::IPPROTO_TCP, libc::TCP_QUICKACK, 1, "TCP_QUICKACK");
        }
    }
}

/// Sets an integer socket option, for a descriptor we own; a failure only costs speed.
fn set_int_option(fd: RawFd, level: libc::c_int, name: libc::c_int, value: libc::c_int, what: &str) {
    // SAFETY: setsockopt reads one c_int from the pointer we pass.
    let r = unsafe {
        libc::setsockopt(
            fd,
            level,
            name,
            (&value as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if r != 0 {
        tracing::debug!(error = %std::io::Error::last_os_error(), "{what} not set");
    }
}
