//! How large a source's values are once encoded: the bound that keeps every InitPacket within
//! the packet limit replicas accept, and the room to reserve for output.

use crate::core::limits::Limits;
use crate::core::stream::SPLICE_MIN;
use crate::core::value::{self, Value};

/// A byte array large enough to be spliced into output rather than copied.
#[inline]
pub(super) fn is_large(value: &Value) -> bool {
    matches!(value, Value::ByteArray(Some(b)) if b.len() >= SPLICE_MIN)
}

/// Bytes a value's large payload takes in an output buffer, for values that carry one (zero
/// otherwise): enough to reserve output room up front.
#[inline]
pub(super) fn bulk_size(value: &Value) -> usize {
    match value {
        // Spliced, not copied.
        v if is_large(v) => 0,
        Value::ByteArray(Some(b)) => b.len(),
        Value::String(Some(s)) => 2 * s.len(),
        _ => 0,
    }
}

/// What the values of one InitPacket may take: the packet limit replicas apply by default (and
/// this node's, if lower), less room for the object's name, its class definition and the frame.
#[inline]
pub(super) fn init_budget(limits: &Limits) -> usize {
    (limits.max_packet_size.min(Limits::DEFAULT.max_packet_size) as usize).saturating_sub(INIT_OVERHEAD)
}

/// Room left in an InitPacket for everything but the values.
const INIT_OVERHEAD: usize = 1024 * 1024;

/// An upper bound of the bytes `v` takes encoded as a QVariant (exact enough to keep an
/// InitPacket below the packet limit, and O(1) for strings and byte arrays, which make large
/// values).
pub(crate) fn size_bound(v: &Value) -> usize {
    const HEADER: usize = 5;
    let text = |s: &Option<String>| 4 + 2 * s.as_ref().map_or(0, String::len);
    let user = |name: &str| HEADER + 4 + name.len() + 1;
    HEADER
        + match v {
            Value::Invalid => 0,
            Value::Null(inner) => size_bound(inner),
            Value::String(s) => text(s),
            Value::ByteArray(b) => 4 + b.as_ref().map_or(0, |b| b.len()),
            Value::Url(u) => 4 + u.len(),
            Value::StringList(items) => 4 + items.iter().map(text).sum::<usize>(),
            Value::ByteArrayList(items) => {
                4 + items.iter().map(|b| 4 + b.as_ref().map_or(0, |b| b.len())).sum::<usize>()
            }
            Value::List(items) => 4 + items.iter().map(size_bound).sum::<usize>(),
            Value::Map(e) | Value::Hash(e) => 4 + e.iter().map(|(k, v)| 4 + 2 * k.len() + size_bound(v)).sum::<usize>(),
            Value::Pair(a, b) => size_bound(a) + size_bound(b),
            Value::BitArray(b) => 8 + b.as_bytes().len(),
            Value::DateTime(d) => {
                32 + match &d.spec {
                    value::TimeSpec::TimeZone(id) => 4 + 2 * id.len(),
                    value::TimeSpec::UtcOffsetZone(z) => {
                        64 + [&z.id, &z.name, &z.abbreviation, &z.comment].into_iter().map(text).sum::<usize>()
                    }
                    _ => 0,
                }
            }
            Value::Gadget(g) => user(&g.type_name) + g.fields.iter().map(size_bound).sum::<usize>(),
            Value::Struct(st) => user(&st.type_name) + st.fields.iter().map(size_bound).sum::<usize>(),
            Value::Sequence(sq) => user(&sq.type_name) + 4 + sq.items.iter().map(size_bound).sum::<usize>(),
            Value::Assoc(a) => {
                user(&a.type_name) + 4 + a.entries.iter().map(|(k, v)| size_bound(k) + size_bound(v)).sum::<usize>()
            }
            Value::GadgetSequence(g) => {
                user("") + 3 * (4 + g.type_name.len()) + 8 + g.items.iter().map(size_bound).sum::<usize>()
            }
            Value::GadgetAssoc(g) => {
                user("")
                    + 5 * (4 + g.type_name.len())
                    + 12
                    + g.entries.iter().map(|(k, v)| size_bound(k) + size_bound(v)).sum::<usize>()
            }
            Value::Variant(inner) => size_bound(inner),
            Value::Remote(ro) => {
                // A child's own values are kept within bounds where the child is set; its
                // definition is small next to the packet limit.
                user("QRemoteObjectPackets::QRO_") + 64 * 1024 + ro.parameters.iter().map(size_bound).sum::<usize>()
            }
            // Scalars, enums and small fixed-size values (QRectF, QUuid, …): at most 32 bytes.
            _ => 32,
        }
}
