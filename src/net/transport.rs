//! Opening and accepting byte streams for node URLs.
//!
//! [`crate::node::Node`] does this itself; these are for tools that handle the bytes (a proxy,
//! a probe) and for running a node over a stream opened another way
//! ([`Node::add_client_connection`](crate::node::Node::add_client_connection)).
//!
//! # Example
//!
//! A listener on a free TCP port, a connection to the URL it reports, and bytes across:
//!
//! ```
//! use qtro_rs::net::{transport, BoxStream, Listener, NodeUrl};
//! use tokio::io::{AsyncReadExt, AsyncWriteExt};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let runtime = tokio::runtime::Builder::new_current_thread().enable_io().build()?;
//! runtime.block_on(async {
//!     let (listener, bound) = Listener::bind(&NodeUrl::parse("tcp://127.0.0.1:0")?).await?;
//!     assert!(matches!(bound, NodeUrl::Tcp { port, .. } if port != 0), "the port chosen");
//!     let (mut client, mut server) =
//!         tokio::try_join!(transport::connect(&bound), listener.accept())?;
//!     server.write_all(b"QtRO").await?;
//!     let mut buf = [0; 4];
//!     client.read_exact(&mut buf).await?;
//!     assert_eq!(&buf, b"QtRO");
//!     Ok::<_, Box<dyn std::error::Error>>(())
//! })?;
//! // Any other byte stream serves too, e.g. for `Node::add_client_connection`.
//! let _pipe: BoxStream = Box::pin(tokio::io::duplex(64).0);
//! # Ok(())
//! # }
//! ```

use std::io;
use std::pin::Pin;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream, UnixListener, UnixStream};

use super::url::NodeUrl;

/// Any bidirectional byte stream a connection can run over (a socket, a TLS session, a pipe...).
/// Implemented for every type with the bounds. (Not `futures_core::Stream`, which the node's
/// event receivers implement.)
pub trait ByteStream: AsyncRead + AsyncWrite + Send + Unpin + 'static {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin + 'static> ByteStream for T {}

/// A [`ByteStream`] of any type, as connections take and [`connect`] / [`Listener::accept`] give.
pub type BoxStream = Pin<Box<dyn ByteStream>>;

/// A connected socket of one of the URL schemes (the node's engine writes to it directly).
#[derive(Debug)]
pub(crate) enum Socket {
    Tcp(TcpStream),
    Unix(UnixStream),
}

impl Socket {
    /// The socket's descriptor (valid while the socket or its halves live).
    pub(crate) fn raw_fd(&self) -> std::os::fd::RawFd {
        use std::os::fd::AsRawFd;
        match self {
            Socket::Tcp(s) => s.as_raw_fd(),
            Socket::Unix(s) => s.as_raw_fd(),
        }
    }

    pub(crate) fn into_box(self) -> BoxStream {
        match self {
            Socket::Tcp(s) => Box::pin(s),
            Socket::Unix(s) => Box::pin(s),
        }
    }
}

/// Connects to a node URL. TCP connections get TCP_NODELAY: QtRO traffic is many small packets.
///
/// # Errors
///
/// The operating system's: the name does not resolve, nobody listens, no permission;
/// [`io::ErrorKind::Unsupported`] for `localabstract:` outside Linux.
pub async fn connect(url: &NodeUrl) -> io::Result<BoxStream> {
    connect_socket(url).await.map(Socket::into_box)
}

/// [`connect`], keeping the socket's type (the engine writes to sockets without waiting).
pub(crate) async fn connect_socket(url: &NodeUrl) -> io::Result<Socket> {
    match url {
        NodeUrl::Tcp { host, port } => {
            let s = TcpStream::connect((host.as_str(), *port)).await?;
            s.set_nodelay(true)?;
            Ok(Socket::Tcp(s))
        }
        NodeUrl::Local(name) => Ok(Socket::Unix(UnixStream::connect(NodeUrl::local_path(name)).await?)),
        NodeUrl::LocalAbstract(name) => Ok(Socket::Unix(connect_abstract(name)?)),
    }
}

#[cfg(target_os = "linux")]
fn connect_abstract(name: &str) -> io::Result<UnixStream> {
    use std::os::linux::net::SocketAddrExt;
    let addr = std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes())?;
    // A local connect completes (or fails) immediately, so the blocking call does not stall.
    let s = std::os::unix::net::UnixStream::connect_addr(&addr)?;
    s.set_nonblocking(true)?;
    UnixStream::from_std(s)
}

#[cfg(not(target_os = "linux"))]
fn connect_abstract(_: &str) -> io::Result<UnixStream> {
    Err(io::Error::new(io::ErrorKind::Unsupported, "localabstract: needs Linux"))
}

/// A socket listening on a node URL; a `local:` socket file is removed when it is dropped.
#[derive(Debug)]
pub struct Listener(Bound);

#[derive(Debug)]
enum Bound {
    Tcp(TcpListener),
    Unix { listener: UnixListener, path: Option<std::path::PathBuf> },
}

impl Listener {
    /// Binds `url`, returning the listener and the URL peers should connect to (for `tcp://`
    /// the bound address, with the real port when `0` was given). For `local:` a stale socket
    /// file (nobody accepting) is removed and the bind retried once, as QLocalServer-based
    /// hosts do.
    ///
    /// # Errors
    ///
    /// The operating system's: address in use, no permission, a name that does not resolve;
    /// [`io::ErrorKind::Unsupported`] for `localabstract:` outside Linux.
    pub async fn bind(url: &NodeUrl) -> io::Result<(Listener, NodeUrl)> {
        match url {
            NodeUrl::Tcp { host, port } => {
                let l = bind_tcp(host, *port).await?;
                let bound = url.with_bound_addr(Some(l.local_addr()?));
                Ok((Listener(Bound::Tcp(l)), bound))
            }
            NodeUrl::Local(name) => {
                let path = NodeUrl::local_path(name);
                let l = match bind_unix_path(&path) {
                    Ok(l) => l,
                    Err(e) if e.kind() == io::ErrorKind::AddrInUse => {
                        if UnixStream::connect(&path).await.is_ok() {
                            return Err(e);
                        }
                        std::fs::remove_file(&path)?;
                        bind_unix_path(&path)?
                    }
                    Err(e) => return Err(e),
                };
                Ok((Listener(Bound::Unix { listener: l, path: Some(path) }), url.clone()))
            }
            NodeUrl::LocalAbstract(name) => {
                Ok((Listener(Bound::Unix { listener: bind_abstract(name)?, path: None }), url.clone()))
            }
        }
    }

    /// Waits for the next connection (TCP ones get TCP_NODELAY). Cancel safe: no connection is
    /// lost when the future is dropped.
    pub async fn accept(&self) -> io::Result<BoxStream> {
        self.accept_socket().await.map(Socket::into_box)
    }

    /// [`Listener::accept`], keeping the socket's type.
    pub(crate) async fn accept_socket(&self) -> io::Result<Socket> {
        match &self.0 {
            Bound::Tcp(l) => {
                let (s, _) = l.accept().await?;
                s.set_nodelay(true)?;
                Ok(Socket::Tcp(s))
            }
            Bound::Unix { listener, .. } => Ok(Socket::Unix(listener.accept().await?.0)),
        }
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        if let Bound::Unix { path: Some(p), .. } = &self.0 {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// Pending connections the kernel may hold before we accept them (capped by somaxconn). A storm
/// of replicas connecting at once must not overflow it: Linux then drops handshakes and the
/// clients wait for slow SYN-ACK retransmits.
const LISTEN_BACKLOG: u32 = 4096;

async fn bind_tcp(host: &str, port: u16) -> io::Result<TcpListener> {
    let mut last = io::Error::new(io::ErrorKind::AddrNotAvailable, format!("{host} resolves to no address"));
    for addr in tokio::net::lookup_host((host, port)).await? {
        let socket = if addr.is_ipv4() { tokio::net::TcpSocket::new_v4()? } else { tokio::net::TcpSocket::new_v6()? };
        socket.set_reuseaddr(true)?;
        match socket.bind(addr).and_then(|_| socket.listen(LISTEN_BACKLOG)) {
            Ok(l) => return Ok(l),
            Err(e) => last = e,
        }
    }
    Err(last)
}

/// A Unix listener with the same large backlog as TCP.
fn bind_unix_path(path: &std::path::Path) -> io::Result<UnixListener> {
    let l = std::os::unix::net::UnixListener::bind(path)?;
    set_backlog(&l)?;
    l.set_nonblocking(true)?;
    UnixListener::from_std(l)
}

fn set_backlog(l: &impl std::os::fd::AsRawFd) -> io::Result<()> {
    // SAFETY: listen(2) on a socket we own; re-calling it only changes the backlog.
    if unsafe { libc::listen(l.as_raw_fd(), LISTEN_BACKLOG as i32) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

#[cfg(target_os = "linux")]
fn bind_abstract(name: &str) -> io::Result<UnixListener> {
    use std::os::linux::net::SocketAddrExt;
    let addr = std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes())?;
    let l = std::os::unix::net::UnixListener::bind_addr(&addr)?;
    set_backlog(&l)?;
    l.set_nonblocking(true)?;
    UnixListener::from_std(l)
}

#[cfg(not(target_os = "linux"))]
fn bind_abstract(_: &str) -> io::Result<UnixListener> {
    Err(io::Error::new(io::ErrorKind::Unsupported, "localabstract: needs Linux"))
}
