//! `qtro tap`: a recording proxy that decodes every packet in both directions, and `qtro replay`,
//! which prints a saved capture the same way.
//!
//! Each accepted connection gets its own upstream connection; bytes are forwarded untouched and
//! at the same time split into frames and decoded. Indexes are resolved to member names with the
//! interfaces seen in InitDynamic packets; for static replicas (Init carries values by index
//! only) the tap acquires a dynamic replica of the same object on the side to learn the
//! interface (disable with `--no-learn`). A frame that needs an interface being learned waits
//! for it (at most `--timeout`) before it is printed; forwarding never waits.
//!
//! Capture format (`--save FILE`): JSON lines. The first is a header
//! `{"qtro-capture": 1, "listen": …, "upstream": …, "started": UNIX_SECONDS}`; then, with `t`
//! the seconds since the start:
//! `{"t", "conn", "event": "open"}`, `{"t", "conn", "event": "dialect", "dialect": "qt6"|"qt5"}`,
//! `{"t", "conn", "dir": "to-source"|"to-replica", "frame": HEX}` (one complete frame, length
//! header included), `{"t", "conn", "dir", "raw": HEX, "error": …}` (bytes that could not be
//! framed), `{"t", "event": "learned", "object": NAME, "definition": {…}}` (an interface learned
//! on the side, as serialized by `ClassDefinition`), `{"t", "conn", "event": "close"}`.

use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

use qtro_rs::core::classdef::ClassDefinition;
use qtro_rs::core::names::member_name;
use qtro_rs::core::packet::call;
use qtro_rs::core::registry;
use qtro_rs::core::{Dialect, Frame, FrameDecoder, Limits, Packet, PacketType, TypeRegistry, Value};
use qtro_rs::net::{transport, BoxStream, Listener, NodeUrl};
use qtro_rs::node::{parameter_types, Node, NodeConfig};
use qtro_rs::text::{self as value, TypeContext};

use super::error::{CliError, CliResult};
use super::json;
use super::output::Out;
use super::probe::check_url;
use super::{dialect_name, Global};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dir {
    /// Replica → source.
    ToSource,
    /// Source → replica.
    ToReplica,
}

impl Dir {
    fn name(self) -> &'static str {
        match self {
            Dir::ToSource => "to-source",
            Dir::ToReplica => "to-replica",
        }
    }
    fn arrow(self) -> &'static str {
        match self {
            Dir::ToSource => "->",
            Dir::ToReplica => "<-",
        }
    }
    fn index(self) -> usize {
        self as usize
    }
    fn parse(s: &str) -> Option<Dir> {
        match s {
            "to-source" => Some(Dir::ToSource),
            "to-replica" => Some(Dir::ToReplica),
            _ => None,
        }
    }
}

/// Decodes and prints frames; shared by the live tap and replay.
struct Analyzer {
    out: Out,
    record: Option<std::fs::File>,
    conns: HashMap<u64, ConnInfo>,
    definitions: HashMap<String, ClassDefinition>,
    types: HashMap<Dialect, TypeRegistry>,
}

#[derive(Default)]
struct ConnInfo {
    dialect: Option<Dialect>,
    /// Calls waiting for a reply: (object, serial) → method index.
    calls: HashMap<(String, i32), usize>,
}

fn frame_bytes(frame: &Frame, dialect: Dialect) -> Vec<u8> {
    let len = (frame.payload.len() + 2) as u32;
    let mut v = Vec::with_capacity(frame.payload.len() + 6);
    match dialect.outer_order() {
        qtro_rs::core::ByteOrder::Big => {
            v.extend_from_slice(&len.to_be_bytes());
            v.extend_from_slice(&frame.packet_type.to_be_bytes());
        }
        qtro_rs::core::ByteOrder::Little => {
            v.extend_from_slice(&len.to_le_bytes());
            v.extend_from_slice(&frame.packet_type.to_le_bytes());
        }
    }
    v.extend_from_slice(&frame.payload);
    v
}

/// The object name at the start of a frame (all packets but ObjectList start with it).
fn peek_name(frame: &Frame, dialect: Dialect) -> Option<String> {
    if frame.packet_type == PacketType::ObjectList as u16 {
        return None;
    }
    let p = &frame.payload;
    let big = dialect.outer_order() == qtro_rs::core::ByteOrder::Big;
    let len = p.get(..4)?;
    let len = if big { u32::from_be_bytes(len.try_into().ok()?) } else { u32::from_le_bytes(len.try_into().ok()?) };
    if len == u32::MAX {
        return Some(String::new());
    }
    let body = p.get(4..4 + len as usize)?;
    let units: Vec<u16> = body
        .chunks_exact(2)
        .map(|c| if big { u16::from_be_bytes([c[0], c[1]]) } else { u16::from_le_bytes([c[0], c[1]]) })
        .collect();
    Some(String::from_utf16_lossy(&units))
}

fn short_sig(s: &str) -> String {
    if s.len() > 12 {
        format!("{}…", &s[..8])
    } else {
        s.to_owned()
    }
}

impl Analyzer {
    fn new(out: Out, record: Option<std::fs::File>) -> Analyzer {
        Analyzer { out, record, conns: HashMap::new(), definitions: HashMap::new(), types: HashMap::new() }
    }

    fn save(&mut self, line: serde_json::Value) {
        if let Some(f) = &mut self.record {
            if writeln!(f, "{line}").and_then(|_| f.flush()).is_err() {
                self.out.warn("cannot write the capture file; recording stopped");
                self.record = None;
            }
        }
    }

    fn open(&mut self, t: f64, conn: u64) {
        self.conns.insert(conn, ConnInfo::default());
        self.save(json!({"t": t, "conn": conn, "event": "open"}));
        self.out.emit(|| format!("#{conn} open"), || json!({"event": "open", "t": t, "conn": conn}));
    }

    fn close(&mut self, t: f64, conn: u64) {
        self.conns.remove(&conn);
        self.save(json!({"t": t, "conn": conn, "event": "close"}));
        self.out.emit(|| format!("#{conn} closed"), || json!({"event": "close", "t": t, "conn": conn}));
    }

    fn conn_error(&mut self, t: f64, conn: u64, message: &str) {
        self.save(json!({"t": t, "conn": conn, "event": "error", "message": message}));
        self.out.emit(
            || format!("#{conn} error: {message}"),
            || json!({"event": "error", "t": t, "conn": conn, "message": message}),
        );
    }

    fn set_dialect(&mut self, t: f64, conn: u64, d: Dialect) {
        self.conns.entry(conn).or_default().dialect = Some(d);
        self.save(json!({"t": t, "conn": conn, "event": "dialect", "dialect": dialect_name(d)}));
        self.definitions.entry(registry::NAME.to_owned()).or_insert_with(|| registry::registry_class(d).definition);
    }

    fn learned(&mut self, t: f64, name: &str, def: ClassDefinition) {
        self.save(json!({"t": t, "event": "learned", "object": name, "definition": def}));
        for types in self.types.values_mut() {
            def.register_types(types);
        }
        self.out.emit(
            || format!("learned the interface of {name} (dynamic replica on the side)"),
            || json!({"event": "learned", "t": t, "object": name}),
        );
        self.definitions.insert(name.to_owned(), def);
    }

    fn unframed(&mut self, t: f64, conn: u64, dir: Dir, raw: &[u8], error: &str) {
        self.save(json!({"t": t, "conn": conn, "dir": dir.name(), "raw": hex::encode(raw), "error": error}));
        self.out.emit(
            || format!("#{conn} {} undecodable stream ({} bytes): {error}", dir.arrow(), raw.len()),
            || json!({"event": "undecodable", "t": t, "conn": conn, "dir": dir.name(), "bytes": raw.len(), "error": error}),
        );
    }

    /// Records, decodes and prints one frame. Returns the name of an object whose interface
    /// should be learned on the side (a static acquisition of an unknown interface).
    fn frame(&mut self, t: f64, conn: u64, dir: Dir, frame: &Frame) -> Option<String> {
        let dialect = self.conns.get(&conn).and_then(|c| c.dialect).unwrap_or_default();
        self.save(json!({"t": t, "conn": conn, "dir": dir.name(), "frame": hex::encode(frame_bytes(frame, dialect))}));
        if !self.types.contains_key(&dialect) {
            let mut r = TypeRegistry::new(dialect);
            self.definitions.values().for_each(|d| d.register_types(&mut r));
            self.types.insert(dialect, r);
        }
        let types = &self.types[&dialect];
        let packet = match Packet::decode(frame, dialect, types, &Limits::DEFAULT) {
            Ok(p) => p,
            Err(e) => {
                let msg = e.to_string();
                self.out.emit(
                    || format!("#{conn} {} undecodable packet of type {} ({} bytes): {msg}", dir.arrow(), frame.packet_type, frame.payload.len()),
                    || json!({"event": "undecodable", "t": t, "conn": conn, "dir": dir.name(), "type": frame.packet_type, "bytes": frame.payload.len(), "error": msg}),
                );
                return None;
            }
        };
        let mut learn = None;
        if let Packet::AddObject { name, is_dynamic: false } = &packet {
            if !self.definitions.contains_key(name) {
                learn = Some(name.clone());
            }
        }
        if let Packet::InitDynamic { name, definition, .. } = &packet {
            if let Some(types) = self.types.get_mut(&dialect) {
                definition.register_types(types);
            }
            self.definitions.insert(name.clone(), definition.clone());
        }
        let (text, mut j) = self.describe(conn, dir, &packet);
        let kind = match &packet {
            Packet::Invoke(i) if dir == Dir::ToSource && i.call != call::INVOKE_META_METHOD => {
                "WriteProperty".to_owned()
            }
            Packet::Invoke(_) if dir == Dir::ToReplica => "Signal".to_owned(),
            p => format!("{:?}", p.packet_type()).trim_end_matches("Packet").to_owned(),
        };
        j.insert("event".into(), json!("packet"));
        j.insert("t".into(), json!(t));
        j.insert("conn".into(), json!(conn));
        j.insert("dir".into(), json!(dir.name()));
        j.insert("packet".into(), json!(kind));
        self.out.emit(
            || format!("#{conn} {} {kind} {text}", dir.arrow()).trim_end().to_owned(),
            || serde_json::Value::Object(j),
        );
        learn
    }

    fn ctx_of(&self, name: &str) -> (Option<&ClassDefinition>, TypeContext) {
        let def = self.definitions.get(name);
        (def, def.map(TypeContext::from_definition).unwrap_or_default())
    }

    fn describe(
        &mut self,
        conn: u64,
        dir: Dir,
        packet: &Packet,
    ) -> (String, serde_json::Map<String, serde_json::Value>) {
        let mut j = serde_json::Map::new();
        let text = match packet {
            Packet::Handshake { version } => {
                j.insert("version".into(), json!(version));
                format!("{version:?}")
            }
            Packet::ObjectList(list) => {
                j.insert(
                    "objects".into(),
                    list.iter()
                        .map(|o| json!({"name": o.name, "type": o.type_name, "signature": o.signature}))
                        .collect(),
                );
                list.iter()
                    .map(|o| {
                        let mut extra = Vec::new();
                        if let Some(t) = o.type_name.as_deref().filter(|t| !t.is_empty() && *t != o.name) {
                            extra.push(format!("type {t}"));
                        }
                        if let Some(s) = o.signature.as_deref().filter(|s| !s.is_empty()) {
                            extra.push(short_sig(s));
                        }
                        if extra.is_empty() {
                            o.name.clone()
                        } else {
                            format!("{} ({})", o.name, extra.join(", "))
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            }
            Packet::AddObject { name, is_dynamic } => {
                j.insert("object".into(), json!(name));
                j.insert("dynamic".into(), json!(is_dynamic));
                format!("{name} ({})", if *is_dynamic { "dynamic" } else { "static" })
            }
            Packet::RemoveObject { name } | Packet::Ping { name } | Packet::Pong { name } => {
                j.insert("object".into(), json!(name));
                name.clone()
            }
            Packet::Init { name, values } | Packet::InitDynamic { name, values, .. } => {
                j.insert("object".into(), json!(name));
                let (def, ctx) = self.ctx_of(name);
                let mut head = name.clone();
                if let Packet::InitDynamic { definition: d, .. } = packet {
                    head.push_str(&format!(
                        " (type {}: {} properties, {} signals, {} methods)",
                        d.type_name.as_deref().filter(|t| !t.is_empty()).unwrap_or("-"),
                        d.properties.len(),
                        d.signals.len(),
                        d.methods.len()
                    ));
                    j.insert("type".into(), json!(d.type_name));
                }
                match def.filter(|d| d.properties.len() == values.len()) {
                    Some(def) => {
                        let items: Vec<String> = def
                            .properties
                            .iter()
                            .zip(values)
                            .map(|(p, v)| format!("{} = {}", p.name, value::format(v, Some(&p.type_name), &ctx)))
                            .collect();
                        j.insert(
                            "properties".into(),
                            def.properties
                                .iter()
                                .zip(values)
                                .map(|(p, v)| (p.name.clone(), json::to_json(v, &ctx)))
                                .collect::<serde_json::Map<_, _>>()
                                .into(),
                        );
                        format!("{head} {{{}}}", items.join(", "))
                    }
                    None => {
                        j.insert("values".into(), values.iter().map(|v| json::to_json(v, &ctx)).collect());
                        let items: Vec<String> = values.iter().map(|v| value::format(v, None, &ctx)).collect();
                        format!("{head} [{}]", items.join(", "))
                    }
                }
            }
            Packet::Invoke(inv) => {
                let name = &inv.name;
                j.insert("object".into(), json!(name));
                j.insert("index".into(), json!(inv.index));
                let (def, ctx) = self.ctx_of(name);
                let idx = usize::try_from(inv.index).ok();
                let args_of = |sig: Option<&str>, j: &mut serde_json::Map<String, serde_json::Value>| {
                    let types = sig.map(parameter_types).unwrap_or_default();
                    j.insert("args".into(), inv.args.iter().map(|v| json::to_json(v, &ctx)).collect());
                    inv.args
                        .iter()
                        .enumerate()
                        .map(|(i, v)| value::format(v, types.get(i).map(String::as_str), &ctx))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                if dir == Dir::ToSource && inv.call != call::INVOKE_META_METHOD {
                    let p = def.and_then(|d| idx.and_then(|i| d.properties.get(i)));
                    let pname = p.map(|p| p.name.clone()).unwrap_or_else(|| format!("property#{}", inv.index));
                    j.insert("member".into(), json!(pname));
                    let v = inv.args.first().cloned().unwrap_or(Value::Invalid);
                    j.insert("value".into(), json::to_json(&v, &ctx));
                    format!("{name}.{pname} = {}", value::format(&v, p.map(|p| p.type_name.as_str()), &ctx))
                } else if dir == Dir::ToSource {
                    let m = def.and_then(|d| idx.and_then(|i| d.methods.get(i)));
                    let mname = m
                        .map(|m| member_name(&m.signature).to_owned())
                        .unwrap_or_else(|| format!("method#{}", inv.index));
                    j.insert("member".into(), json!(mname));
                    j.insert("signature".into(), json!(m.map(|m| m.signature.clone())));
                    let args = args_of(m.map(|m| m.signature.as_str()), &mut j);
                    let mut t = format!("{name}.{mname}({args})");
                    if inv.serial_id >= 0 {
                        j.insert("serial".into(), json!(inv.serial_id));
                        t.push_str(&format!(" #{}", inv.serial_id));
                        if let (Some(i), Some(c)) = (idx, self.conns.get_mut(&conn)) {
                            c.calls.insert((name.clone(), inv.serial_id), i);
                        }
                    }
                    t
                } else {
                    let s = def.and_then(|d| idx.and_then(|i| d.signals.get(i)));
                    let sname = s
                        .map(|s| member_name(&s.signature).to_owned())
                        .unwrap_or_else(|| format!("signal#{}", inv.index));
                    j.insert("member".into(), json!(sname));
                    j.insert("signature".into(), json!(s.map(|s| s.signature.clone())));
                    let args = args_of(s.map(|s| s.signature.as_str()), &mut j);
                    let mut t = format!("{name}.{sname}({args})");
                    if inv.property_index >= 0 {
                        let p = def.and_then(|d| d.properties.get(inv.property_index as usize)).map(|p| p.name.clone());
                        let p = p.unwrap_or_else(|| format!("property#{}", inv.property_index));
                        j.insert("notify".into(), json!(p));
                        t.push_str(&format!(" (notify: {p})"));
                    }
                    t
                }
            }
            Packet::InvokeReply { name, serial_id, value: v } => {
                j.insert("object".into(), json!(name));
                j.insert("serial".into(), json!(serial_id));
                let method = self.conns.get_mut(&conn).and_then(|c| c.calls.remove(&(name.clone(), *serial_id)));
                let (def, ctx) = self.ctx_of(name);
                let m = def.and_then(|d| method.and_then(|i| d.methods.get(i)));
                j.insert("member".into(), json!(m.map(|m| member_name(&m.signature).to_owned())));
                j.insert("value".into(), json::to_json(v, &ctx));
                let mname = m.map(|m| member_name(&m.signature).to_owned()).unwrap_or_else(|| "?".into());
                format!("{name}.{mname} #{serial_id} = {}", value::format(v, m.map(|m| m.return_type.as_str()), &ctx))
            }
            Packet::PropertyChange { name, index, value: v } => {
                j.insert("object".into(), json!(name));
                j.insert("index".into(), json!(index));
                let (def, ctx) = self.ctx_of(name);
                let p = def.and_then(|d| usize::try_from(*index).ok().and_then(|i| d.properties.get(i)));
                let pname = p.map(|p| p.name.clone()).unwrap_or_else(|| format!("property#{index}"));
                j.insert("member".into(), json!(pname));
                j.insert("value".into(), json::to_json(v, &ctx));
                format!("{name}.{pname} = {}", value::format(v, p.map(|p| p.type_name.as_str()), &ctx))
            }
        };
        (text, j)
    }
}

// ---- live tap -----------------------------------------------------------------------------

enum TapEvent {
    Open { conn: u64, t: f64 },
    Data { conn: u64, dir: Dir, t: f64, bytes: Vec<u8> },
    Close { conn: u64, t: f64 },
    Failed { conn: u64, t: f64, message: String },
}

pub async fn tap(
    g: &Global,
    out: &Out,
    listen: &str,
    upstream: &str,
    save: Option<&Path>,
    learn: bool,
) -> CliResult<()> {
    let listen_url = check_url(listen)?;
    let upstream_url = check_url(upstream)?;
    let record = match save {
        Some(p) => {
            let mut f =
                std::fs::File::create(p).map_err(|e| CliError::other(format!("cannot create {}: {e}", p.display())))?;
            let started = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs_f64()).unwrap_or(0.0);
            writeln!(f, "{}", json!({"qtro-capture": 1, "listen": listen, "upstream": upstream, "started": started}))?;
            Some(f)
        }
        None => None,
    };
    let (listener, bound) =
        Listener::bind(&listen_url).await.map_err(|e| CliError::other(format!("cannot listen on {listen}: {e}")))?;
    let bound = bound.to_string();
    out.emit(
        || format!("tap listening on {bound}, forwarding to {upstream}"),
        || json!({"event": "ready", "listen": bound, "upstream": upstream}),
    );
    let start = Instant::now();
    let (tx, rx) = mpsc::unbounded_channel();
    let analyzer = Analyzer::new(out.clone(), record);
    tokio::spawn(analyze(analyzer, rx, start, upstream.to_owned(), g.timeout, learn));
    let mut next = 0u64;
    loop {
        let client = match listener.accept().await {
            Ok(s) => s,
            Err(e) => {
                out.warn(&format!("accept failed: {e}"));
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        next += 1;
        tokio::spawn(pump(next, client, upstream_url.clone(), g.timeout, tx.clone(), start));
    }
}

fn secs(start: Instant) -> f64 {
    (start.elapsed().as_micros() as f64) / 1e6
}

async fn pump(
    conn: u64,
    client: BoxStream,
    upstream: NodeUrl,
    timeout: Duration,
    tx: mpsc::UnboundedSender<TapEvent>,
    start: Instant,
) {
    let _ = tx.send(TapEvent::Open { conn, t: secs(start) });
    let up = match tokio::time::timeout(timeout, transport::connect(&upstream)).await {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => {
            let _ = tx.send(TapEvent::Failed {
                conn,
                t: secs(start),
                message: format!("cannot connect to {upstream}: {e}"),
            });
            let _ = tx.send(TapEvent::Close { conn, t: secs(start) });
            return;
        }
        Err(_) => {
            let _ = tx.send(TapEvent::Failed {
                conn,
                t: secs(start),
                message: format!("cannot connect to {upstream}: timed out"),
            });
            let _ = tx.send(TapEvent::Close { conn, t: secs(start) });
            return;
        }
    };
    let (cr, cw) = tokio::io::split(client);
    let (ur, uw) = tokio::io::split(up);
    let a = copy(conn, Dir::ToSource, cr, uw, tx.clone(), start);
    let b = copy(conn, Dir::ToReplica, ur, cw, tx.clone(), start);
    tokio::pin!(a, b);
    // When one side closes, give the other a moment to finish, then drop both.
    tokio::select! {
        _ = &mut a => { let _ = tokio::time::timeout(Duration::from_secs(1), b).await; }
        _ = &mut b => { let _ = tokio::time::timeout(Duration::from_secs(1), a).await; }
    }
    let _ = tx.send(TapEvent::Close { conn, t: secs(start) });
}

async fn copy<R, W>(conn: u64, dir: Dir, mut r: R, mut w: W, tx: mpsc::UnboundedSender<TapEvent>, start: Instant)
where
    R: tokio::io::AsyncRead + Unpin,
    W: tokio::io::AsyncWrite + Unpin,
{
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match r.read(&mut buf).await {
            Ok(0) | Err(_) => {
                let _ = w.shutdown().await;
                return;
            }
            Ok(n) => {
                // Reported before it is forwarded, so answers are never printed before requests.
                let _ = tx.send(TapEvent::Data { conn, dir, t: secs(start), bytes: buf[..n].to_vec() });
                if w.write_all(&buf[..n]).await.is_err() {
                    return;
                }
            }
        }
    }
}

/// Framing state of one live connection.
struct Framing {
    dialect: Option<Dialect>,
    pending: [Vec<u8>; 2],
    decoders: Option<[FrameDecoder; 2]>,
    failed: [bool; 2],
}

async fn analyze(
    mut a: Analyzer,
    mut rx: mpsc::UnboundedReceiver<TapEvent>,
    start: Instant,
    upstream: String,
    timeout: Duration,
    learn: bool,
) {
    let mut framing: HashMap<u64, Framing> = HashMap::new();
    let mut learning: HashMap<String, oneshot::Receiver<Result<ClassDefinition, String>>> = HashMap::new();
    while let Some(ev) = rx.recv().await {
        match ev {
            TapEvent::Open { conn, t } => {
                framing.insert(
                    conn,
                    Framing { dialect: None, pending: [Vec::new(), Vec::new()], decoders: None, failed: [false; 2] },
                );
                a.open(t, conn);
            }
            TapEvent::Failed { conn, t, message } => a.conn_error(t, conn, &message),
            TapEvent::Close { conn, t } => {
                framing.remove(&conn);
                a.close(t, conn);
            }
            TapEvent::Data { conn, dir, t, bytes } => {
                let Some(f) = framing.get_mut(&conn) else { continue };
                if f.failed[dir.index()] {
                    continue;
                }
                if f.dialect.is_none() {
                    f.pending[dir.index()].extend_from_slice(&bytes);
                    let first = &f.pending[Dir::ToReplica.index()];
                    if first.len() < 6 {
                        continue;
                    }
                    let Some(d) = Dialect::detect(first) else {
                        let raw = std::mem::take(&mut f.pending[Dir::ToReplica.index()]);
                        f.failed = [true; 2];
                        a.unframed(t, conn, Dir::ToReplica, &raw, "not a QtRO handshake");
                        continue;
                    };
                    f.dialect = Some(d);
                    f.decoders = Some([FrameDecoder::new(d, &Limits::DEFAULT), FrameDecoder::new(d, &Limits::DEFAULT)]);
                    a.set_dialect(t, conn, d);
                    for dir in [Dir::ToReplica, Dir::ToSource] {
                        let pending = std::mem::take(&mut f.pending[dir.index()]);
                        f.decoders.as_mut().expect("set")[dir.index()].extend(&pending);
                    }
                } else {
                    f.decoders.as_mut().expect("set")[dir.index()].extend(&bytes);
                }
                let d = f.dialect.expect("set");
                // Both directions may hold frames now (after detection); handle them in order.
                for dir in [dir, if dir == Dir::ToSource { Dir::ToReplica } else { Dir::ToSource }] {
                    while let Some(f) = framing.get_mut(&conn) {
                        if f.failed[dir.index()] {
                            break;
                        }
                        let dec = &mut f.decoders.as_mut().expect("set")[dir.index()];
                        let frame = match dec.next_frame() {
                            Ok(Some(fr)) => fr,
                            Ok(None) => break,
                            Err(e) => {
                                f.failed[dir.index()] = true;
                                a.unframed(t, conn, dir, &[], &e.to_string());
                                break;
                            }
                        };
                        // Wait for an interface being learned for this object.
                        if let Some(name) = peek_name(&frame, d) {
                            if let Some(rx) = learning.remove(&name) {
                                match tokio::time::timeout(timeout, rx).await {
                                    Ok(Ok(Ok(def))) => a.learned(secs(start), &name, def),
                                    Ok(Ok(Err(e))) => {
                                        a.out.warn(&format!("could not learn the interface of {name}: {e}"))
                                    }
                                    _ => a
                                        .out
                                        .warn(&format!("could not learn the interface of {name} within {timeout:?}")),
                                }
                            }
                        }
                        if let Some(name) = a.frame(t, conn, dir, &frame) {
                            if learn && !learning.contains_key(&name) {
                                learning.insert(name.clone(), spawn_learner(&upstream, &name, d, timeout));
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Acquires a dynamic replica of `name` at `upstream` on a separate node to learn its interface.
fn spawn_learner(
    upstream: &str,
    name: &str,
    dialect: Dialect,
    timeout: Duration,
) -> oneshot::Receiver<Result<ClassDefinition, String>> {
    let (tx, rx) = oneshot::channel();
    let (upstream, name) = (upstream.to_owned(), name.to_owned());
    tokio::spawn(async move {
        let node = Node::with_config(NodeConfig { dialect, ..Default::default() });
        let result = async {
            node.connect_to(&upstream).map_err(|e| e.to_string())?;
            let replica = node.acquire_dynamic(&name);
            replica.wait_for_source(timeout).await.map_err(|e| e.to_string())?;
            replica.definition().ok_or_else(|| "no definition".to_owned())
        }
        .await;
        let _ = tx.send(result);
        node.shutdown();
    });
    rx
}

// ---- replay -------------------------------------------------------------------------------

pub fn replay(out: &Out, path: &Path, only: Option<u64>) -> CliResult<()> {
    let file =
        std::fs::File::open(path).map_err(|e| CliError::other(format!("cannot open {}: {e}", path.display())))?;
    let mut a = Analyzer::new(out.clone(), None);
    let bad = |n: usize, why: &str| CliError::other(format!("{}:{n}: not a qtro capture line ({why})", path.display()));
    for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
        let n = i + 1;
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let j: serde_json::Value = serde_json::from_str(&line).map_err(|e| bad(n, &e.to_string()))?;
        if n == 1 {
            if j.get("qtro-capture").is_none() {
                return Err(bad(n, "missing the qtro-capture header"));
            }
            continue;
        }
        let t = j["t"].as_f64().unwrap_or(0.0);
        let conn = j["conn"].as_u64();
        if let (Some(c), Some(o)) = (conn, only) {
            if c != o {
                continue;
            }
        }
        match (j["event"].as_str(), conn) {
            (Some("open"), Some(c)) => a.open(t, c),
            (Some("close"), Some(c)) => a.close(t, c),
            (Some("error"), Some(c)) => a.conn_error(t, c, j["message"].as_str().unwrap_or("")),
            (Some("dialect"), Some(c)) => {
                let d = match j["dialect"].as_str() {
                    Some("qt5") => Dialect::Qt5,
                    Some("qt6") => Dialect::Qt6,
                    _ => return Err(bad(n, "unknown dialect")),
                };
                a.set_dialect(t, c, d);
            }
            (Some("learned"), _) => {
                let name = j["object"].as_str().ok_or_else(|| bad(n, "learned without object"))?;
                let def: ClassDefinition =
                    serde_json::from_value(j["definition"].clone()).map_err(|e| bad(n, &e.to_string()))?;
                a.learned(t, name, def);
            }
            (None, Some(c)) => {
                let dir = j["dir"].as_str().and_then(Dir::parse).ok_or_else(|| bad(n, "missing dir"))?;
                if let Some(raw) = j["raw"].as_str() {
                    let raw = hex::decode(raw).map_err(|e| bad(n, &format!("bad hex digits ({e})")))?;
                    a.unframed(t, c, dir, &raw, j["error"].as_str().unwrap_or(""));
                    continue;
                }
                let hex = j["frame"].as_str().ok_or_else(|| bad(n, "missing frame"))?;
                let bytes = hex::decode(hex).map_err(|e| bad(n, &format!("bad hex digits ({e})")))?;
                let d = a
                    .conns
                    .get(&c)
                    .and_then(|ci| ci.dialect)
                    .or_else(|| Dialect::detect_frame(&bytes))
                    .unwrap_or_default();
                let mut dec = FrameDecoder::new(d, &Limits::DEFAULT);
                dec.extend(&bytes);
                match dec.next_frame() {
                    Ok(Some(frame)) => {
                        a.frame(t, c, dir, &frame);
                    }
                    _ => return Err(bad(n, "the frame does not decode")),
                }
            }
            _ => return Err(bad(n, "unknown event")),
        }
    }
    Ok(())
}
