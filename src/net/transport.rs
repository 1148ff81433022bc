//! Opening and accepting byte streams for node URLs.

use std::io;
use std::pin::Pin;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream, UnixListener, UnixStream};

use super::url::NodeUrl;

/// Any bidirectional byte stream a connection can run over.
pub trait Stream: AsyncRead + AsyncWrite + Send + Unpin + 'static {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin + 'static> Stream for T {}

pub type BoxStream = Pin<Box<dyn Stream>>;

/// A connected socket of one of the URL schemes.
#[derive(Debug)]
pub enum Socket {
    Tcp(TcpStream),
    Unix(UnixStream),
}

impl Socket {
    /// The socket's descriptor (valid while the socket or its halves live).
    pub fn raw_fd(&self) -> std::os::fd::RawFd {
        use std::os::fd::AsRawFd;
        match self {
            Socket::Tcp(s) => s.as_raw_fd(),
            Socket::Unix(s) => s.as_raw_fd(),
        }
    }

    pub fn into_box(self) -> BoxStream {
        match self {
            Socket::Tcp(s) => Box::pin(s),
            Socket::Unix(s) => Box::pin(s),
        }
    }
}

/// Connects to a node URL. TCP connections get TCP_NODELAY: QtRO traffic is many small packets.
pub async fn connect(url: &NodeUrl) -> io::Result<BoxStream> {
    connect_socket(url).await.map(Socket::into_box)
}

/// [`connect`], keeping the socket's type (the engine writes to sockets without waiting).
pub async fn connect_socket(url: &NodeUrl) -> io::Result<Socket> {
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

/// A bound listener.
pub enum Listener {
    Tcp(TcpListener),
    Unix { listener: UnixListener, path: Option<std::path::PathBuf> },
}

impl Listener {
    /// Binds `url`. For `local:` a stale socket file (nobody accepting) is removed and the bind
    /// retried once, as QLocalServer-based hosts do.
    pub async fn bind(url: &NodeUrl) -> io::Result<(Listener, NodeUrl)> {
        match url {
            NodeUrl::Tcp { host, port } => {
                let l = bind_tcp(host, *port).await?;
                let bound = url.with_bound_addr(Some(l.local_addr()?));
                Ok((Listener::Tcp(l), bound))
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
                Ok((Listener::Unix { listener: l, path: Some(path) }, url.clone()))
            }
            NodeUrl::LocalAbstract(name) => Ok((Listener::Unix { listener: bind_abstract(name)?, path: None }, url.clone())),
        }
    }

    pub async fn accept(&self) -> io::Result<BoxStream> {
        self.accept_socket().await.map(Socket::into_box)
    }

    /// [`Listener::accept`], keeping the socket's type.
    pub async fn accept_socket(&self) -> io::Result<Socket> {
        match self {
            Listener::Tcp(l) => {
                let (s, _) = l.accept().await?;
                s.set_nodelay(true)?;
                Ok(Socket::Tcp(s))
            }
            Listener::Unix { listener, .. } => Ok(Socket::Unix(listener.accept().await?.0)),
        }
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        if let Listener::Unix { path: Some(p), .. } = self {
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
