//! Transports: node URLs and the sockets behind them.
//!
//! [`NodeUrl`] parses the addresses Qt nodes use; [`transport`] opens and accepts the byte
//! streams behind them, for tools that carry QtRO traffic themselves (a [`Node`] does this on
//! its own).
//!
//! [`Node`]: crate::node::Node
//!
//! ```
//! use qtro_rs::net::{transport, Listener, NodeUrl};
//! use tokio::io::{AsyncReadExt, AsyncWriteExt};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let url: NodeUrl = "tcp://127.0.0.1:0".parse()?;
//! assert!(matches!(&url, NodeUrl::Tcp { host, port: 0 } if host == "127.0.0.1"));
//! assert_eq!(NodeUrl::parse("local:switch")?.to_string(), "local:switch");
//! assert!(NodeUrl::parse("http://example.com/").is_err());
//!
//! // Listen on a free port: `bound` says which.
//! let (listener, bound) = Listener::bind(&url).await?;
//! assert!(matches!(bound, NodeUrl::Tcp { port, .. } if port != 0));
//! let mut client = transport::connect(&bound).await?;
//! let mut server = listener.accept().await?;
//! client.write_all(b"QtRO").await?;
//! let mut buf = [0; 4];
//! server.read_exact(&mut buf).await?;
//! assert_eq!(&buf, b"QtRO");
//! # Ok(()) }
//! ```

pub mod transport;
pub mod url;

pub(crate) use transport::Socket;
pub use transport::{BoxStream, ByteStream, Listener};
pub use url::{NodeUrl, UrlError};
