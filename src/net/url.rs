//! QtRO node URLs: `tcp://host:port`, `local:NAME`, `localabstract:NAME`.
//!
//! # Example
//!
//! The three schemes, and refused URLs:
//!
//! ```
//! use qtro_rs::net::{NodeUrl, UrlError};
//!
//! let tcp = NodeUrl::parse("tcp://[::1]:5000")?;
//! assert_eq!(tcp, NodeUrl::Tcp { host: "::1".into(), port: 5000 });
//! assert_eq!(tcp.to_string(), "tcp://[::1]:5000");
//! // A relative `local:` name is a socket file in the temp dir, as with QLocalServer.
//! assert_eq!("local:switch".parse(), Ok(NodeUrl::Local("switch".into())));
//! assert!(NodeUrl::local_path("switch").ends_with("switch"));
//! assert_eq!(NodeUrl::parse("localabstract:qtro")?, NodeUrl::LocalAbstract("qtro".into()));
//!
//! assert!(matches!(NodeUrl::parse("http://example.com/"), Err(UrlError::UnsupportedScheme(_))));
//! let err = NodeUrl::parse("tcp://127.0.0.1").unwrap_err();
//! assert_eq!(err.to_string(), r#"invalid URL "tcp://127.0.0.1": missing :port"#);
//! # Ok::<(), UrlError>(())
//! ```

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

/// A parsed node address, as Qt's `QRemoteObjectNode` takes it. `Display` gives the URL back.
///
/// Marked non-exhaustive: schemes may be added.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NodeUrl {
    /// `tcp://host:port`; `host` is an IP literal or a name resolved when connecting/listening.
    Tcp {
        /// An IP address (IPv6 without the brackets) or a host name.
        host: String,
        /// The port; `0` to listen on any free port.
        port: u16,
    },
    /// `local:NAME`: a Unix socket file; relative names live in the temp dir, as with QLocalServer.
    Local(String),
    /// `localabstract:NAME`: a Linux abstract-namespace socket named exactly NAME.
    LocalAbstract(String),
}

/// Why a URL was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UrlError {
    /// Not `tcp://`, `local:` or `localabstract:` (the URL is given).
    #[error("unsupported URL scheme in {0:?} (expected tcp://host:port, local:NAME or localabstract:NAME)")]
    UnsupportedScheme(String),
    /// A known scheme with a malformed rest.
    #[error("invalid URL {url:?}: {reason}")]
    Invalid {
        /// The URL given.
        url: String,
        /// What is wrong with it (`"missing :port"`...).
        reason: &'static str,
    },
}

impl NodeUrl {
    /// Parses `tcp://host:port` (`tcp://[::1]:port` for IPv6; a trailing `/` is allowed),
    /// `local:NAME` or `localabstract:NAME` (1 to 107 bytes). Nothing is resolved here.
    pub fn parse(url: &str) -> Result<NodeUrl, UrlError> {
        let invalid = |reason| UrlError::Invalid { url: url.into(), reason };
        if let Some(rest) = url.strip_prefix("tcp://") {
            let rest = rest.trim_end_matches('/');
            let (host, port) = if let Some(v6) = rest.strip_prefix('[') {
                let (h, p) = v6.split_once("]:").ok_or_else(|| invalid("expected [ipv6]:port"))?;
                (h, p)
            } else {
                rest.rsplit_once(':').ok_or_else(|| invalid("missing :port"))?
            };
            if host.is_empty() {
                return Err(invalid("missing host"));
            }
            let port = port.parse::<u16>().map_err(|_| invalid("port is not a number from 0 to 65535"))?;
            return Ok(NodeUrl::Tcp { host: host.into(), port });
        }
        if let Some(name) = url.strip_prefix("localabstract:") {
            if name.is_empty() || name.len() > 107 {
                return Err(invalid("abstract socket names take 1 to 107 bytes"));
            }
            return Ok(NodeUrl::LocalAbstract(name.into()));
        }
        if let Some(name) = url.strip_prefix("local:") {
            if name.is_empty() || name.contains('\0') {
                return Err(invalid("empty or NUL-containing socket name"));
            }
            return Ok(NodeUrl::Local(name.into()));
        }
        Err(UrlError::UnsupportedScheme(url.into()))
    }

    /// The socket file of a `local:` URL: absolute names verbatim, others in `$TMPDIR` (else
    /// `/tmp`), as QLocalServer does on Linux.
    pub fn local_path(name: &str) -> PathBuf {
        if name.starts_with('/') {
            PathBuf::from(name)
        } else {
            std::env::var_os("TMPDIR")
                .filter(|t| !t.is_empty())
                .map_or_else(|| PathBuf::from("/tmp"), PathBuf::from)
                .join(name)
        }
    }

    /// The URL a host advertises once bound (tcp uses the bound address, as Qt does).
    pub(crate) fn with_bound_addr(&self, addr: Option<SocketAddr>) -> NodeUrl {
        match (self, addr) {
            (NodeUrl::Tcp { .. }, Some(a)) => NodeUrl::Tcp { host: a.ip().to_string(), port: a.port() },
            _ => self.clone(),
        }
    }
}

impl fmt::Display for NodeUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NodeUrl::Tcp { host, port } if host.contains(':') => write!(f, "tcp://[{host}]:{port}"),
            NodeUrl::Tcp { host, port } => write!(f, "tcp://{host}:{port}"),
            NodeUrl::Local(n) => write!(f, "local:{n}"),
            NodeUrl::LocalAbstract(n) => write!(f, "localabstract:{n}"),
        }
    }
}

impl std::str::FromStr for NodeUrl {
    type Err = UrlError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        NodeUrl::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_three_schemes_and_refuses_others() {
        assert_eq!(
            NodeUrl::parse("tcp://127.0.0.1:65213").unwrap(),
            NodeUrl::Tcp { host: "127.0.0.1".into(), port: 65213 }
        );
        assert_eq!(NodeUrl::parse("tcp://[::1]:80").unwrap().to_string(), "tcp://[::1]:80");
        assert_eq!(NodeUrl::parse("local:switch").unwrap(), NodeUrl::Local("switch".into()));
        assert_eq!(NodeUrl::parse("localabstract:x").unwrap(), NodeUrl::LocalAbstract("x".into()));
        assert!(matches!(NodeUrl::parse("http://x:1"), Err(UrlError::UnsupportedScheme(_))));
        for bad in ["tcp://host", "tcp://:1", "tcp://h:99999", "local:", "localabstract:"] {
            assert!(matches!(NodeUrl::parse(bad), Err(UrlError::Invalid { .. })), "{bad}");
        }
    }

    #[test]
    fn local_names_follow_qlocalserver_rules() {
        assert_eq!(NodeUrl::local_path("/run/x.sock"), PathBuf::from("/run/x.sock"));
        assert!(NodeUrl::local_path("switch").ends_with("switch"));
    }
}
