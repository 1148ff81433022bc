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

/// Connects to a node URL. TCP connections get TCP_NODELAY: QtRO traffic is many small packets.
pub async fn connect(url: &NodeUrl) -> io::Result<BoxStream> {
    match url {
        NodeUrl::Tcp { host, port } => {
            let s = TcpStream::connect((host.as_str(), *port)).await?;
            s.set_nodelay(true)?;
            Ok(Box::pin(s))
        }
        NodeUrl::Local(name) => Ok(Box::pin(UnixStream::connect(NodeUrl::local_path(name)).await?)),
        NodeUrl::LocalAbstract(name) => Ok(Box::pin(connect_abstract(name)?)),
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
                let l = TcpListener::bind((host.as_str(), *port)).await?;
                let bound = url.with_bound_addr(Some(l.local_addr()?));
                Ok((Listener::Tcp(l), bound))
            }
            NodeUrl::Local(name) => {
                let path = NodeUrl::local_path(name);
                let l = match UnixListener::bind(&path) {
                    Ok(l) => l,
                    Err(e) if e.kind() == io::ErrorKind::AddrInUse => {
                        if UnixStream::connect(&path).await.is_ok() {
                            return Err(e);
                        }
                        std::fs::remove_file(&path)?;
                        UnixListener::bind(&path)?
                    }
                    Err(e) => return Err(e),
                };
                Ok((Listener::Unix { listener: l, path: Some(path) }, url.clone()))
            }
            NodeUrl::LocalAbstract(name) => Ok((Listener::Unix { listener: bind_abstract(name)?, path: None }, url.clone())),
        }
    }

    pub async fn accept(&self) -> io::Result<BoxStream> {
        match self {
            Listener::Tcp(l) => {
                let (s, _) = l.accept().await?;
                s.set_nodelay(true)?;
                Ok(Box::pin(s))
            }
            Listener::Unix { listener, .. } => Ok(Box::pin(listener.accept().await?.0)),
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

#[cfg(target_os = "linux")]
fn bind_abstract(name: &str) -> io::Result<UnixListener> {
    use std::os::linux::net::SocketAddrExt;
    let addr = std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes())?;
    let l = std::os::unix::net::UnixListener::bind_addr(&addr)?;
    l.set_nonblocking(true)?;
    UnixListener::from_std(l)
}

#[cfg(not(target_os = "linux"))]
fn bind_abstract(_: &str) -> io::Result<UnixListener> {
    Err(io::Error::new(io::ErrorKind::Unsupported, "localabstract: needs Linux"))
}
