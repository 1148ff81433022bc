//! A minimal raw client used before anything else: is the node reachable, which protocol does it
//! speak, which objects does it offer, and — for registries — which objects does it list.
//!
//! A QtRO host speaks first: Handshake (protocol version), then ObjectList. That is enough to
//! tell "unreachable", "other dialect" and "unknown object" apart with a clear message, which a
//! [`qtro_rs::node::Node`] (it silently reconnects and waits) cannot.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::time::Instant;

use qtro_rs::core::registry::{self, Location};
use qtro_rs::core::{Dialect, FrameDecoder, Limits, ObjectInfo, Packet, TypeRegistry};
use qtro_rs::net::{transport, BoxStream, NodeUrl};

use super::error::{CliError, CliResult, Kind};
use super::Global;

pub struct RawConn {
    stream: BoxStream,
    pub dialect: Dialect,
    frames: FrameDecoder,
    types: TypeRegistry,
    pub url: String,
}

/// What a host announced when we connected.
#[derive(Debug, Clone)]
pub struct HostInfo {
    pub url: String,
    pub dialect: Dialect,
    pub objects: Vec<ObjectInfo>,
}

impl HostInfo {
    pub fn object(&self, name: &str) -> Option<&ObjectInfo> {
        self.objects.iter().find(|o| o.name == name)
    }

    pub fn is_registry(&self) -> bool {
        self.object(registry::NAME).is_some()
    }
}

/// Checks a URL's syntax (usage error if wrong, with the URL the user probably meant).
pub fn check_url(url: &str) -> CliResult<NodeUrl> {
    NodeUrl::parse(url).map_err(|e| match suggest_url(url) {
        Some(meant) => CliError::usage(format!("{e}; did you mean {meant}?")),
        None => CliError::usage(e.to_string()),
    })
}

/// A valid node URL close to a refused one: `HOST:PORT` → `tcp://HOST:PORT`, an absolute socket
/// path → `local:PATH`, and the schemes other tools spell (`http://`, `tcp:` without `//`,
/// `unix:`). Only a guess that parses is offered.
fn suggest_url(url: &str) -> Option<String> {
    let guess = if let Some((scheme, rest)) = url.split_once("://") {
        match scheme {
            "tcp" => return None,
            "unix" => format!("local:{rest}"),
            _ => format!("tcp://{rest}"),
        }
    } else if let Some(rest) = url.strip_prefix("tcp:") {
        format!("tcp://{}", rest.trim_start_matches('/'))
    } else if let Some(path) = url.strip_prefix("unix:") {
        format!("local:{path}")
    } else if url.starts_with('/') {
        format!("local:{url}")
    } else {
        format!("tcp://{url}")
    };
    NodeUrl::parse(&guess).ok().map(|u| u.to_string())
}

fn protocol_name(d: Dialect) -> &'static str {
    match d {
        Dialect::Qt6 => "QtRO 2.0 (Qt 6)",
        Dialect::Qt5 => "QtRO 1.3 (Qt 5.15)",
    }
}

/// Connects, reads the handshake and the object list.
pub async fn connect(url: &str, forced: Option<Dialect>, timeout: Duration) -> CliResult<(RawConn, HostInfo)> {
    let parsed = check_url(url)?;
    let deadline = Instant::now() + timeout;
    let stream = match tokio::time::timeout_at(deadline, transport::connect(&parsed)).await {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => return Err(CliError::new(Kind::Unreachable, format!("cannot connect to {url}: {e}"))),
        Err(_) => {
            return Err(CliError::new(
                Kind::Unreachable,
                format!("cannot connect to {url}: no answer within {timeout:?}"),
            ))
        }
    };
    let mut conn = RawConn {
        stream,
        dialect: forced.unwrap_or_default(),
        frames: FrameDecoder::new(Dialect::Qt6, &Limits::DEFAULT),
        types: TypeRegistry::new(Dialect::Qt6),
        url: url.to_owned(),
    };
    // The first bytes tell the dialect (the byte order of the handshake's header).
    let mut first = Vec::new();
    while first.len() < 6 {
        let mut buf = [0u8; 4096];
        let n = conn.read_some(&mut buf, deadline, "handshake").await?;
        first.extend_from_slice(&buf[..n]);
    }
    let detected = Dialect::detect(&first).ok_or_else(|| {
        CliError::new(
            Kind::Protocol,
            format!("{url} is not a QtRO node (it sent {} first)", hex::encode(&first[..first.len().min(16)])),
        )
    })?;
    if let Some(f) = forced {
        if f != detected {
            return Err(CliError::new(
                Kind::Protocol,
                format!("{url} speaks {}, not {} (drop --qt5)", protocol_name(detected), protocol_name(f)),
            ));
        }
    }
    conn.dialect = detected;
    conn.frames = FrameDecoder::new(detected, &Limits::DEFAULT);
    conn.types = TypeRegistry::new(detected);
    conn.frames.extend(&first);
    match conn.read_packet(deadline).await? {
        Packet::Handshake { version } if version == detected.protocol_version() => {}
        Packet::Handshake { version } => {
            return Err(CliError::new(
                Kind::Protocol,
                format!("{url} speaks protocol {version:?}, which is not supported"),
            ));
        }
        other => {
            return Err(CliError::new(
                Kind::Protocol,
                format!("{url} did not start with a handshake (sent {:?})", other.packet_type()),
            ))
        }
    }
    let objects = loop {
        match conn.read_packet(deadline).await? {
            Packet::ObjectList(list) => break list,
            _ => continue,
        }
    };
    let info = HostInfo { url: url.to_owned(), dialect: detected, objects };
    Ok((conn, info))
}

impl RawConn {
    async fn read_some(&mut self, buf: &mut [u8], deadline: Instant, what: &str) -> CliResult<usize> {
        match tokio::time::timeout_at(deadline, self.stream.read(buf)).await {
            Ok(Ok(0)) => Err(CliError::new(
                Kind::Unreachable,
                format!("{} closed the connection while we waited for a {what}", self.url),
            )),
            Ok(Ok(n)) => Ok(n),
            Ok(Err(e)) => Err(CliError::new(Kind::Unreachable, format!("connection to {} failed: {e}", self.url))),
            Err(_) => Err(CliError::new(Kind::Timeout, format!("{} sent no {what} within the timeout", self.url))),
        }
    }

    /// The next packet from the host.
    pub async fn read_packet(&mut self, deadline: Instant) -> CliResult<Packet> {
        loop {
            let frame = self
                .frames
                .next_frame()
                .map_err(|e| CliError::new(Kind::Protocol, format!("undecodable data from {}: {e}", self.url)))?;
            if let Some(frame) = frame {
                return Packet::decode(&frame, self.dialect, &self.types, &Limits::DEFAULT)
                    .map_err(|e| CliError::new(Kind::Protocol, format!("undecodable packet from {}: {e}", self.url)));
            }
            let mut buf = [0u8; 64 * 1024];
            let n = self.read_some(&mut buf, deadline, "a packet").await?;
            self.frames.extend(&buf[..n]);
        }
    }

    pub async fn send(&mut self, packet: &Packet) -> CliResult<()> {
        let bytes = packet
            .to_bytes(self.dialect)
            .map_err(|e| CliError::other(format!("cannot encode {:?}: {e}", packet.packet_type())))?;
        self.stream
            .write_all(&bytes)
            .await
            .map_err(|e| CliError::new(Kind::Unreachable, format!("connection to {} failed: {e}", self.url)))
    }

    /// The registry's table (acquires the `Registry` source as a static replica would).
    pub async fn registry_table(&mut self, timeout: Duration) -> CliResult<Vec<Location>> {
        let deadline = Instant::now() + timeout;
        self.send(&Packet::AddObject { name: registry::NAME.into(), is_dynamic: false }).await?;
        loop {
            match self.read_packet(deadline).await? {
                Packet::Init { name, values } if name == registry::NAME => {
                    return Ok(values.first().map(registry::parse_table).unwrap_or_default());
                }
                Packet::InitDynamic { name, values, .. } if name == registry::NAME => {
                    return Ok(values.first().map(registry::parse_table).unwrap_or_default());
                }
                _ => continue,
            }
        }
    }
}

/// Where an object lives.
#[derive(Debug, Clone)]
pub struct Target {
    /// The URL of the node hosting it.
    pub host_url: String,
    pub dialect: Dialect,
    pub info: ObjectInfo,
    /// The registry it was found through, if any.
    pub registry: Option<String>,
}

/// Finds object `name` at `url`: offered by that node, or listed by it when it is a registry.
pub async fn resolve(g: &Global, url: &str, name: &str) -> CliResult<Target> {
    let (mut conn, info) = connect(url, g.forced_dialect(), g.timeout).await?;
    if let Some(o) = info.object(name) {
        return Ok(Target { host_url: url.to_owned(), dialect: info.dialect, info: o.clone(), registry: None });
    }
    let offered: Vec<&str> = info.objects.iter().map(|o| o.name.as_str()).filter(|n| *n != registry::NAME).collect();
    if info.is_registry() {
        let table = conn.registry_table(g.timeout).await?;
        drop(conn);
        if let Some(loc) = table.iter().find(|l| l.name == name) {
            let (_, host) = connect(&loc.url, g.forced_dialect(), g.timeout).await?;
            let Some(o) = host.object(name) else {
                return Err(CliError::new(
                    Kind::UnknownObject,
                    format!("the registry at {url} lists {name:?} at {}, but that node does not offer it", loc.url),
                ));
            };
            return Ok(Target {
                host_url: loc.url.clone(),
                dialect: host.dialect,
                info: o.clone(),
                registry: Some(url.to_owned()),
            });
        }
        let mut listed: Vec<&str> = table.iter().map(|l| l.name.as_str()).chain(offered.iter().copied()).collect();
        listed.sort();
        listed.dedup();
        return Err(CliError::new(
            Kind::UnknownObject,
            format!("no object {name:?} at the registry {url} (it lists: {})", names(&listed)),
        ));
    }
    Err(CliError::new(
        Kind::UnknownObject,
        format!("{url} does not offer an object {name:?} (it offers: {})", names(&offered)),
    ))
}

/// The names a host offers, at most a screenful of them.
fn names(list: &[&str]) -> String {
    if list.is_empty() {
        "nothing".into()
    } else {
        qtro_rs::node::Offered(list.iter().map(|n| (*n).to_owned()).collect()).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_without_its_scheme_gets_a_suggestion() {
        for (given, meant) in [
            ("127.0.0.1:1234", "tcp://127.0.0.1:1234"),
            ("localhost:5000", "tcp://localhost:5000"),
            ("[::1]:80", "tcp://[::1]:80"),
            ("/tmp/sock", "local:/tmp/sock"),
            ("http://host:1", "tcp://host:1"),
            ("tcp:host:1", "tcp://host:1"),
            ("tcp:/host:1", "tcp://host:1"),
            ("unix:/run/x.sock", "local:/run/x.sock"),
            ("unix:///run/x.sock", "local:/run/x.sock"),
        ] {
            let e = check_url(given).unwrap_err();
            assert_eq!(e.kind, Kind::Usage, "{given}");
            assert!(e.message.ends_with(&format!("; did you mean {meant}?")), "{given}: {}", e.message);
            assert!(NodeUrl::parse(meant).is_ok());
        }
    }

    #[test]
    fn no_suggestion_that_would_not_parse() {
        for given in [
            "localhost",
            "host:port",
            "http://x",
            "tcp://host",
            "tcp://h:99999",
            "local:",
            "localabstract:",
            "sock",
            "",
            "127.0.0.1:70000",
        ] {
            let e = check_url(given).unwrap_err();
            assert_eq!(e.kind, Kind::Usage, "{given}");
            assert!(!e.message.contains("did you mean"), "{given}: {}", e.message);
        }
        assert!(check_url("tcp://127.0.0.1:1234").is_ok() && check_url("local:/tmp/sock").is_ok());
    }
}
