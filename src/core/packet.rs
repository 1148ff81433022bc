//! Every QtRO packet, encoded and decoded.
//!
//! A frame is `u32 bodyLength` + `u16 type` + (except ObjectList) `QString name` + fields. Decoding
//! works on one complete frame body from [`super::frame::FrameDecoder`], so a malformed packet can
//! never consume bytes of the next one, and every body must be consumed exactly.
//!
//! # Example
//!
//! A packet encoded, its bytes arriving in two pieces, and decoded again (as a capture tool
//! reads a recorded stream):
//!
//! ```
//! use qtro_rs::core::{Dialect, FrameDecoder, Limits, Packet, TypeRegistry, Value};
//!
//! let sent = Packet::PropertyChange { name: "Counter".into(), index: 0, value: Value::Int(42) };
//! let bytes = sent.to_bytes(Dialect::Qt6)?;
//!
//! let mut frames = FrameDecoder::new(Dialect::Qt6, &Limits::DEFAULT);
//! frames.extend(&bytes[..5]);
//! assert!(frames.next_frame()?.is_none(), "a frame is returned only once complete");
//! frames.extend(&bytes[5..]);
//! let frame = frames.next_frame()?.expect("complete");
//! let types = TypeRegistry::new(Dialect::Qt6);
//! assert_eq!(Packet::decode(&frame, Dialect::Qt6, &types, &Limits::DEFAULT)?, sent);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use serde::{Deserialize, Serialize};

use super::classdef::ClassDefinition;
use super::dialect::Dialect;
use super::error::{DecodeError, DecodeResult, EncodeError, EncodeResult};
use super::frame::Frame;
use super::limits::Limits;
use super::stream::{Output, Reader, Writer};
use super::types::{Overlay, TypeLookup, TypeRegistry};
use super::value::Value;
use super::variant::{Decoder, Encoder, EnumEncoding};

/// Packet type numbers (`QRemoteObjectPacketTypeEnum`, identical in Qt 5.15 and Qt 6). See
/// [`Packet`] for what each carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[repr(u16)]
pub enum PacketType {
    /// The protocol version; [`Packet::Handshake`].
    Handshake = 1,
    /// Property values for a static replica; [`Packet::Init`].
    InitPacket = 2,
    /// Definition and values for a dynamic replica; [`Packet::InitDynamic`].
    InitDynamicPacket = 3,
    /// Acquire a source; [`Packet::AddObject`].
    AddObject = 4,
    /// Release a source, or the source is gone; [`Packet::RemoveObject`].
    RemoveObject = 5,
    /// Call, property write or signal; [`Packet::Invoke`].
    InvokePacket = 6,
    /// A call's return value; [`Packet::InvokeReply`].
    InvokeReplyPacket = 7,
    /// A property's new value; [`Packet::PropertyChange`].
    PropertyChangePacket = 8,
    /// The sources a host offers; [`Packet::ObjectList`].
    ObjectList = 9,
    /// Heartbeat request; [`Packet::Ping`].
    Ping = 10,
    /// Heartbeat answer; [`Packet::Pong`].
    Pong = 11,
}

impl PacketType {
    /// Whether a client (replica side) may send this type to a host: anything else a host
    /// ignores without decoding it (a peer could otherwise make it decode 64 MiB of values
    /// only to throw them away).
    pub fn sent_by_clients(v: u16) -> bool {
        matches!(
            PacketType::from_u16(v),
            Some(
                PacketType::Handshake
                    | PacketType::AddObject
                    | PacketType::RemoveObject
                    | PacketType::InvokePacket
                    | PacketType::Ping
            )
        )
    }

    /// The packet type with this number; `None` for a number QtRO does not define.
    pub fn from_u16(v: u16) -> Option<PacketType> {
        use PacketType::*;
        Some(match v {
            1 => Handshake,
            2 => InitPacket,
            3 => InitDynamicPacket,
            4 => AddObject,
            5 => RemoveObject,
            6 => InvokePacket,
            7 => InvokeReplyPacket,
            8 => PropertyChangePacket,
            9 => ObjectList,
            10 => Ping,
            11 => Pong,
            _ => return None,
        })
    }
}

/// `QMetaObject::Call` values QtRO uses in InvokePacket.
pub mod call {
    /// Client → host: call a method; host → client: emit a signal.
    pub const INVOKE_META_METHOD: i32 = 0;
    /// Never sent by Qt.
    pub const READ_PROPERTY: i32 = 1;
    /// Client → host: write a property (Qt hosts treat every non-zero value like this).
    pub const WRITE_PROPERTY: i32 = 2;
}

/// One entry of an ObjectList.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectInfo {
    /// The source name replicas acquire it by.
    pub name: String,
    /// Class type name; `None` for a plain QObject without a type class-info.
    pub type_name: Option<String>,
    /// 40 hex characters for repc classes; `None` (no check) for registry, models, plain QObjects.
    pub signature: Option<String>,
}

/// A decoded QtRO packet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Packet {
    /// Host → client, first packet: the protocol version string.
    Handshake {
        /// `QtRO 2.0` (Qt 6) or `QtRO 1.3` (Qt 5.15); see [`Dialect::protocol_version`].
        version: String,
    },
    /// Host → client: values of every API property, for a static replica.
    Init {
        /// The source name.
        name: String,
        /// One value per property, in API order.
        values: Vec<Value>,
    },
    /// Host → client: class definition and values, for a dynamic replica.
    InitDynamic {
        /// The source name.
        name: String,
        /// The interface: what the property, signal and method indexes mean.
        definition: ClassDefinition,
        /// One value per property of `definition`.
        values: Vec<Value>,
    },
    /// Client → host: acquire a source.
    AddObject {
        /// The source name.
        name: String,
        /// Whether the replica is dynamic (the host answers with InitDynamic, else Init).
        is_dynamic: bool,
    },
    /// Both directions: release a source / the source is gone.
    RemoveObject {
        /// The source name.
        name: String,
    },
    /// Method call or property write (client → host), signal emission (host → client).
    Invoke(Invoke),
    /// Host → client: the return value of a call that asked for one.
    InvokeReply {
        /// The source name.
        name: String,
        /// The call's [`Invoke::serial_id`].
        serial_id: i32,
        /// The return value (invalid for `void`).
        value: Value,
    },
    /// Host → client: new value of API property `index`.
    PropertyChange {
        /// The source name.
        name: String,
        /// The property's index in the API (definition) order.
        index: i32,
        /// Its new value.
        value: Value,
    },
    /// Host → client: sources on this host (all at connect, then each one newly enabled).
    ObjectList(Vec<ObjectInfo>),
    /// Client → host heartbeat, named after the replica.
    Ping {
        /// The replica's name.
        name: String,
    },
    /// Host → client answer, echoing the Ping's name.
    Pong {
        /// The name the Ping carried.
        name: String,
    },
}

/// InvokePacket fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Invoke {
    /// The source name.
    pub name: String,
    /// See [`call`].
    pub call: i32,
    /// API method index (call 0, client → host), property index (write), signal index
    /// (host → client).
    pub index: i32,
    /// The call's arguments, or the signal's.
    pub args: Vec<Value>,
    /// Client → host: -1 for no reply, ≥ 1 for a reply; host → client: -1.
    pub serial_id: i32,
    /// Host → client: the property whose notify signal this is, else -1. Client → host: -1.
    pub property_index: i32,
}

/// A packet's list of QVariants (Init values, Invoke arguments): count, then each value.
fn read_values(r: &mut Reader, dec: &mut Decoder, limits: &Limits) -> DecodeResult<Vec<Value>> {
    let mut out = Vec::new();
    read_values_into(r, dec, limits, &mut out)?;
    Ok(out)
}

fn read_values_into(r: &mut Reader, dec: &mut Decoder, limits: &Limits, out: &mut Vec<Value>) -> DecodeResult<()> {
    let n = r.count("values", 5, limits.max_collection_len)?;
    out.reserve(n);
    for _ in 0..n {
        out.push(dec.variant(r)?);
    }
    Ok(())
}

/// The values of an Init packet. A value that cannot be decoded (an unknown type, bad text) and
/// every value after it become [`Value::Invalid`] with a warning, as a stock Qt replica's values
/// do when its stream fails: the object is still initialized. Limit violations are errors.
fn read_init_values(r: &mut Reader, dec: &mut Decoder, limits: &Limits, object: &str) -> DecodeResult<Vec<Value>> {
    let n = r.count("values", 5, limits.max_collection_len)?;
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        match dec.variant(r) {
            Ok(v) => out.push(v),
            Err(e) if e.closes_connection() => return Err(e),
            Err(e) => {
                tracing::warn!(
                    object,
                    "property {i} and the {} after it could not be decoded and are left invalid: {e}",
                    n - i - 1
                );
                out.resize(n, Value::Invalid);
                r.skip_rest();
                break;
            }
        }
    }
    Ok(out)
}

/// [`read_values_into`] over the values `out` holds from an earlier packet: each is decoded in
/// its predecessor's place (a string keeps its buffer), and `out` ends with exactly the new ones.
fn read_values_over(r: &mut Reader, dec: &mut Decoder, limits: &Limits, out: &mut Vec<Value>) -> DecodeResult<()> {
    let n = r.count("values", 5, limits.max_collection_len)?;
    out.truncate(n);
    let reused = out.len();
    for slot in out.iter_mut() {
        dec.variant_into(r, slot)?;
    }
    out.reserve(n - reused);
    for _ in reused..n {
        out.push(dec.variant(r)?);
    }
    Ok(())
}

/// The last object name a connection decoded, with its wire bytes.
#[derive(Debug, Default)]
pub(crate) struct NameCache {
    raw: Vec<u8>,
    name: Arc<str>,
}

impl NameCache {
    /// Reads a QString object name (null reads as empty), reusing the cached one when the
    /// bytes are the same.
    fn read_shared(&mut self, r: &mut Reader) -> DecodeResult<Arc<str>> {
        match r.peek_qstring_raw() {
            Some(raw) if !self.raw.is_empty() && raw == self.raw.as_slice() => {
                let n = raw.len();
                r.skip(n, "object name")?;
                Ok(self.name.clone())
            }
            Some(raw) => {
                self.raw.clear();
                self.raw.extend_from_slice(raw);
                self.name = r.qstring_or_empty()?.into();
                Ok(self.name.clone())
            }
            None => Ok(r.qstring_or_empty()?.into()),
        }
    }

    fn read(&mut self, r: &mut Reader) -> DecodeResult<String> {
        self.read_shared(r).map(|n| n.as_ref().to_owned())
    }
}

/// The packets a replica receives in streams, decoded by [`Packet::decode_stream`] with the
/// object name shared from the connection's [`NameCache`] (no allocation per packet).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum StreamPacket {
    PropertyChange {
        name: Arc<str>,
        index: i32,
        value: Value,
    },
    /// A host→client InvokePacket: a signal (or notify signal) of the source. Its arguments
    /// are in the buffer passed to [`Packet::decode_stream`].
    Signal {
        name: Arc<str>,
        index: i32,
        property_index: i32,
    },
    /// The answer to a call.
    Reply {
        name: Arc<str>,
        serial_id: i32,
        value: Value,
    },
}

impl Packet {
    /// The type number this packet is sent with.
    pub fn packet_type(&self) -> PacketType {
        match self {
            Packet::Handshake { .. } => PacketType::Handshake,
            Packet::Init { .. } => PacketType::InitPacket,
            Packet::InitDynamic { .. } => PacketType::InitDynamicPacket,
            Packet::AddObject { .. } => PacketType::AddObject,
            Packet::RemoveObject { .. } => PacketType::RemoveObject,
            Packet::Invoke(_) => PacketType::InvokePacket,
            Packet::InvokeReply { .. } => PacketType::InvokeReplyPacket,
            Packet::PropertyChange { .. } => PacketType::PropertyChangePacket,
            Packet::ObjectList(_) => PacketType::ObjectList,
            Packet::Ping { .. } => PacketType::Ping,
            Packet::Pong { .. } => PacketType::Pong,
        }
    }

    /// The object (or, for Handshake, version) name field; `None` for ObjectList.
    pub fn name(&self) -> Option<&str> {
        match self {
            Packet::Handshake { version } => Some(version),
            Packet::Init { name, .. }
            | Packet::InitDynamic { name, .. }
            | Packet::AddObject { name, .. }
            | Packet::RemoveObject { name }
            | Packet::InvokeReply { name, .. }
            | Packet::PropertyChange { name, .. }
            | Packet::Ping { name }
            | Packet::Pong { name } => Some(name),
            Packet::Invoke(i) => Some(&i.name),
            Packet::ObjectList(_) => None,
        }
    }

    /// Appends the complete frame (length header included) to `out`. On error `out` is unchanged.
    pub fn encode(&self, dialect: Dialect, out: &mut BytesMut) -> EncodeResult<()> {
        let start = out.len();
        let result = self.encode_frame(dialect, out);
        if result.is_err() {
            out.truncate(start);
        }
        result
    }

    /// Encodes into a fresh buffer.
    pub fn to_bytes(&self, dialect: Dialect) -> EncodeResult<Bytes> {
        let mut out = BytesMut::new();
        self.encode(dialect, &mut out)?;
        Ok(out.freeze())
    }

    fn encode_frame(&self, dialect: Dialect, out: &mut BytesMut) -> EncodeResult<()> {
        let mut w = Writer::new(out, dialect.outer_order());
        let at = w.len();
        let start = w.written();
        w.u32(0);
        w.u16(self.packet_type() as u16);
        if let Some(name) = self.name() {
            w.qstring(Some(name))?;
        }
        let enc = Encoder::new(dialect);
        let values = |w: &mut Writer, values: &[Value]| -> EncodeResult<()> {
            w.count("values", values.len())?;
            values.iter().try_for_each(|v| enc.variant(w, v, EnumEncoding::Transfer))
        };
        match self {
            Packet::Handshake { .. } | Packet::RemoveObject { .. } | Packet::Ping { .. } | Packet::Pong { .. } => {}
            Packet::Init { values: v, .. } => values(&mut w, v)?,
            Packet::InitDynamic { definition, values: v, .. } => {
                definition.encode(&mut w)?;
                values(&mut w, v)?;
            }
            Packet::AddObject { is_dynamic, .. } => w.bool(*is_dynamic),
            Packet::Invoke(i) => {
                w.i32(i.call);
                w.i32(i.index);
                values(&mut w, &i.args)?;
                w.i32(i.serial_id);
                w.i32(i.property_index);
            }
            Packet::InvokeReply { serial_id, value, .. } => {
                w.i32(*serial_id);
                enc.variant(&mut w, value, EnumEncoding::Transfer)?;
            }
            Packet::PropertyChange { index, value, .. } => {
                w.i32(*index);
                enc.variant(&mut w, value, EnumEncoding::Transfer)?;
            }
            Packet::ObjectList(list) => {
                w.count("object list", list.len())?;
                for o in list {
                    w.qstring(Some(&o.name))?;
                    w.qstring(o.type_name.as_deref())?;
                    w.qbytearray(o.signature.as_deref().map(str::as_bytes))?;
                }
            }
        }
        let body = w.written() - start - 4;
        let body = u32::try_from(body).map_err(|_| EncodeError::TooLong { what: "packet", len: body })?;
        w.patch_u32(at, body);
        Ok(())
    }

    /// Writes a PropertyChangePacket without building a [`Packet`] (no copies of name or value).
    /// A large QByteArray value is spliced when `out` collects splices.
    pub(crate) fn write_property_change<'o>(
        dialect: Dialect,
        out: impl Into<Output<'o>>,
        name: &str,
        index: i32,
        value: &Value,
    ) -> EncodeResult<()> {
        framed(dialect, out.into(), PacketType::PropertyChangePacket, name, |w| {
            w.i32(index);
            Encoder::new(dialect).variant(w, value, EnumEncoding::Transfer)
        })
    }

    /// Writes an InvokeReplyPacket without building a [`Packet`] (a large byte array is spliced
    /// when `out` collects splices).
    pub(crate) fn write_invoke_reply<'o>(
        dialect: Dialect,
        out: impl Into<Output<'o>>,
        name: &str,
        serial_id: i32,
        value: &Value,
    ) -> EncodeResult<()> {
        framed(dialect, out.into(), PacketType::InvokeReplyPacket, name, |w| {
            w.i32(serial_id);
            Encoder::new(dialect).variant(w, value, EnumEncoding::Transfer)
        })
    }

    /// Writes an InvokePacket without building a [`Packet`].
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn write_invoke<'o>(
        dialect: Dialect,
        out: impl Into<Output<'o>>,
        name: &str,
        call: i32,
        index: i32,
        args: &[Value],
        serial_id: i32,
        property_index: i32,
    ) -> EncodeResult<()> {
        framed(dialect, out.into(), PacketType::InvokePacket, name, |w| {
            w.i32(call);
            w.i32(index);
            w.count("values", args.len())?;
            let enc = Encoder::new(dialect);
            args.iter().try_for_each(|v| enc.variant(w, v, EnumEncoding::Transfer))?;
            w.i32(serial_id);
            w.i32(property_index);
            Ok(())
        })
    }

    /// Decodes PropertyChange and Invoke frames as [`StreamPacket`]s; `None` for other types
    /// (decode those with [`Packet::decode_with`]). Checks exactly what `decode` checks.
    /// A signal's arguments are decoded into `args`, over what it held before (its strings
    /// reuse their buffers); afterwards it holds exactly that signal's arguments.
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) fn decode_stream(
        frame: &Frame,
        dialect: Dialect,
        types: &dyn TypeLookup,
        limits: &Limits,
        names: &mut NameCache,
        args: &mut Vec<Value>,
    ) -> Option<DecodeResult<StreamPacket>> {
        let mut r = Reader::new(frame.payload.clone(), dialect.outer_order());
        Self::decode_stream_in(frame.packet_type, &mut r, dialect, types, limits, names, args)
    }

    /// [`Packet::decode_stream`] of the payload `r` holds (all of what remains in it).
    pub(crate) fn decode_stream_in(
        packet_type: u16,
        r: &mut Reader,
        dialect: Dialect,
        types: &dyn TypeLookup,
        limits: &Limits,
        names: &mut NameCache,
        args: &mut Vec<Value>,
    ) -> Option<DecodeResult<StreamPacket>> {
        let ty = PacketType::from_u16(packet_type)?;
        if !matches!(ty, PacketType::PropertyChangePacket | PacketType::InvokePacket | PacketType::InvokeReplyPacket) {
            return None;
        }
        let mut decode = || -> DecodeResult<StreamPacket> {
            let name = names.read_shared(r)?;
            let mut dec = Decoder::new(dialect, types, limits);
            let packet = if ty == PacketType::PropertyChangePacket {
                let index = r.i32()?;
                StreamPacket::PropertyChange { name, index, value: dec.variant(r)? }
            } else if ty == PacketType::InvokeReplyPacket {
                let serial_id = r.i32()?;
                StreamPacket::Reply { name, serial_id, value: dec.variant(r)? }
            } else {
                let _call = r.i32()?;
                let index = r.i32()?;
                read_values_over(r, &mut dec, limits, args)?;
                let _serial_id = r.i32()?;
                StreamPacket::Signal { name, index, property_index: r.i32()? }
            };
            r.finish("packet")?;
            Ok(packet)
        };
        Some(decode())
    }

    /// Decodes one frame (from [`FrameDecoder`](super::FrameDecoder)). `types` resolves the user
    /// type names of values; the limits bound what decoding may allocate. The whole payload must
    /// be consumed: trailing bytes are an error.
    pub fn decode(frame: &Frame, dialect: Dialect, types: &dyn TypeLookup, limits: &Limits) -> DecodeResult<Packet> {
        Self::decode_with(frame, dialect, types, limits, &mut NameCache::default())
    }

    /// [`Packet::decode`] remembering the last object name seen: a stream of packets for the
    /// same object (property changes, signals) decodes its name once.
    pub(crate) fn decode_with(
        frame: &Frame,
        dialect: Dialect,
        types: &dyn TypeLookup,
        limits: &Limits,
        names: &mut NameCache,
    ) -> DecodeResult<Packet> {
        let mut r = Reader::new(frame.payload.clone(), dialect.outer_order());
        let ty = PacketType::from_u16(frame.packet_type).ok_or(DecodeError::UnknownPacketType(frame.packet_type))?;
        let name = if ty == PacketType::ObjectList { String::new() } else { names.read(&mut r)? };
        let mut dec = Decoder::new(dialect, types, limits);
        let values = |r: &mut Reader, dec: &mut Decoder| read_values(r, dec, limits);
        let packet = match ty {
            PacketType::Handshake => Packet::Handshake { version: name },
            PacketType::InitPacket => {
                let values = read_init_values(&mut r, &mut dec, limits, &name)?;
                Packet::Init { name, values }
            }
            PacketType::InitDynamicPacket => {
                let definition = ClassDefinition::decode_within(&mut r, &mut dec.definition_budget())?;
                // Values may use the gadgets and enums the definition itself introduces.
                let mut extra = TypeRegistry::new(dialect);
                definition.register_types(&mut extra);
                let overlay = Overlay { base: types, extra: &extra };
                let mut dec = dec.with_lookup(&overlay);
                let values = read_init_values(&mut r, &mut dec, limits, &name)?;
                Packet::InitDynamic { name, definition, values }
            }
            PacketType::AddObject => Packet::AddObject { name, is_dynamic: r.bool()? },
            PacketType::RemoveObject => Packet::RemoveObject { name },
            PacketType::InvokePacket => {
                let call = r.i32()?;
                let index = r.i32()?;
                let args = values(&mut r, &mut dec)?;
                Packet::Invoke(Invoke { name, call, index, args, serial_id: r.i32()?, property_index: r.i32()? })
            }
            PacketType::InvokeReplyPacket => {
                let serial_id = r.i32()?;
                Packet::InvokeReply { name, serial_id, value: dec.variant(&mut r)? }
            }
            PacketType::PropertyChangePacket => {
                let index = r.i32()?;
                Packet::PropertyChange { name, index, value: dec.variant(&mut r)? }
            }
            PacketType::ObjectList => {
                let n = r.count("object list", 12, limits.max_collection_len)?;
                let list = (0..n)
                    .map(|_| {
                        Ok(ObjectInfo {
                            name: r.qstring_or_empty()?,
                            type_name: r.qstring()?,
                            signature: r.qbytearray_text("signature")?,
                        })
                    })
                    .collect::<DecodeResult<_>>()?;
                Packet::ObjectList(list)
            }
            PacketType::Ping => Packet::Ping { name },
            PacketType::Pong => Packet::Pong { name },
        };
        r.finish("packet")?;
        Ok(packet)
    }
}

/// Writes one frame: header, type, name, then `body`; on error `out` is left as it was.
fn framed(
    dialect: Dialect,
    out: Output<'_>,
    ty: PacketType,
    name: &str,
    body: impl FnOnce(&mut Writer<'_>) -> EncodeResult<()>,
) -> EncodeResult<()> {
    let mut w = Writer::to_output(out, dialect.outer_order());
    let at = w.len();
    let start = w.written();
    let result = w.packet_header(ty as u16, name).and_then(|_| body(&mut w)).and_then(|_| {
        let len = w.written() - start - 4;
        u32::try_from(len).map_err(|_| EncodeError::TooLong { what: "packet", len })
    });
    match result {
        Ok(len) => {
            w.patch_u32(at, len);
            Ok(())
        }
        Err(e) => {
            w.truncate(at);
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::value::EnumValue;

    #[test]
    fn signal_arguments_decode_over_earlier_ones_exactly() {
        // Whatever the spare vector holds from earlier signals (more or fewer values, other
        // types, strings with buffers), it ends with exactly the new signal's arguments.
        let types = TypeRegistry::new(Dialect::Qt6);
        let signals: [&[Value]; 6] = [
            &[Value::Int(1), Value::string("a long first string argument")],
            &[Value::string("x"), Value::string("second"), Value::Double(2.5)],
            &[Value::String(None), Value::Int(3)],
            &[],
            &[Value::Int(4), Value::string("ünï"), Value::List(vec![Value::string("in a list")])],
            &[Value::string(""), Value::Null(Box::new(Value::string("")))],
        ];
        let mut args = Vec::new();
        let mut names = NameCache::default();
        for sent in signals {
            let mut out = BytesMut::new();
            Packet::write_invoke(Dialect::Qt6, &mut out, "Obj", call::INVOKE_META_METHOD, 2, sent, -1, -1).unwrap();
            let mut frames = crate::core::FrameDecoder::new(Dialect::Qt6, &Limits::DEFAULT);
            frames.extend_owned(out);
            let frame = frames.next_frame().unwrap().unwrap();
            let decoded = Packet::decode_stream(&frame, Dialect::Qt6, &types, &Limits::DEFAULT, &mut names, &mut args);
            assert!(matches!(decoded, Some(Ok(StreamPacket::Signal { index: 2, .. }))), "{decoded:?}");
            let fresh = Packet::decode(&frame, Dialect::Qt6, &types, &Limits::DEFAULT).unwrap();
            let Packet::Invoke(fresh) = fresh else { panic!("{fresh:?}") };
            assert_eq!(args, fresh.args, "decoded over the spare vector as from scratch");
            assert_eq!(args, sent);
        }
    }

    #[test]
    fn borrowed_writers_encode_exactly_like_packets() {
        let values = [
            Value::Int(7),
            Value::string("ünï"),
            Value::Invalid,
            Value::bytes(vec![1u8; 70 * 1024]),
            Value::Enum(EnumValue { type_name: "Color".into(), size: 4, value: 3 }),
        ];
        for dialect in [Dialect::Qt6, Dialect::Qt5] {
            for v in &values {
                let mut out = BytesMut::new();
                Packet::write_invoke_reply(dialect, &mut out, "Obj", 12, v).unwrap();
                let packet = Packet::InvokeReply { name: "Obj".into(), serial_id: 12, value: v.clone() };
                assert_eq!(out, packet.to_bytes(dialect).unwrap(), "{dialect:?} reply {v:?}");

                let mut out = BytesMut::new();
                Packet::write_property_change(dialect, &mut out, "Obj", 2, v).unwrap();
                let packet = Packet::PropertyChange { name: "Obj".into(), index: 2, value: v.clone() };
                assert_eq!(out, packet.to_bytes(dialect).unwrap(), "{dialect:?} change {v:?}");

                let args = [Value::Int(1), v.clone()];
                let mut out = BytesMut::new();
                Packet::write_invoke(dialect, &mut out, "Obj", call::INVOKE_META_METHOD, 3, &args, 5, -1).unwrap();
                let packet = Packet::Invoke(Invoke {
                    name: "Obj".into(),
                    call: call::INVOKE_META_METHOD,
                    index: 3,
                    args: args.to_vec(),
                    serial_id: 5,
                    property_index: -1,
                });
                assert_eq!(out, packet.to_bytes(dialect).unwrap(), "{dialect:?} invoke {v:?}");
            }
        }
    }
}
