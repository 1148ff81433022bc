//! Transports: node URLs and the sockets behind them.

pub mod transport;
pub mod url;

pub use transport::{BoxStream, Listener, Socket, Stream};
pub use url::{NodeUrl, UrlError};
