//! The model adapter's requests, signals and replies as a peer may send them: any QVariant
//! list read as the arguments of any adapter method or signal, and any QVariant read as a row or
//! cache reply. Whatever parses must re-encode to what parses the same again.
#![no_main]

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use qtro_rs::core::model::types::{entries_from_value, entries_to_value};
use qtro_rs::core::model::{AdapterRequest, CacheReply, ModelSignal};
use qtro_rs::core::variant::from_bytes;
use qtro_rs::core::{ByteOrder, Dialect, Limits, TypeRegistry, Value};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    let dialect = if selector & 0x80 == 0 { Dialect::Qt6 } else { Dialect::Qt5 };
    let order = if dialect == Dialect::Qt6 { ByteOrder::Little } else { ByteOrder::Big };
    let types = TypeRegistry::new(dialect);
    let Ok(value) = from_bytes(Bytes::copy_from_slice(rest), dialect, order, &types) else { return };
    let depth = Limits::DEFAULT.max_depth;
    let index = usize::from(selector & 0x0f);
    let args: &[Value] = match &value {
        Value::List(items) => items,
        other => std::slice::from_ref(other),
    };
    if let Ok(request) = AdapterRequest::from_invoke(index, args) {
        let again = AdapterRequest::from_invoke(request.method(), &request.to_args(dialect)).expect("re-parses");
        assert_eq!(again, request);
    }
    if let Ok(signal) = ModelSignal::from_signal(index, args) {
        let again = ModelSignal::from_signal(signal.index(), &signal.to_args(dialect)).expect("re-parses");
        assert_eq!(again, signal);
    }
    if let Ok(items) = entries_from_value(&value, depth) {
        assert_eq!(entries_from_value(&entries_to_value(&items), depth).expect("re-parses"), items);
    }
    if let Ok(reply) = CacheReply::from_value(&value, depth) {
        assert_eq!(CacheReply::from_value(&reply.to_value(dialect), depth).expect("re-parses"), reply);
    }
});
