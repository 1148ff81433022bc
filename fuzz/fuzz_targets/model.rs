//! The model adapter's requests, signals and replies as a peer may send them: any QVariant
//! list read as the arguments of any adapter method or signal, and any QVariant read as a row or
//! cache reply. Whatever parses must re-encode to what parses the same again; a parsed request
//! is answered by a served tree model within its caps; a parsed signal and the raw value as a
//! reply are applied to a replica's cache, which must stay within its bounds.
#![no_main]

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use qtro_rs::core::model::types::{entries_from_value, entries_to_value};
use qtro_rs::core::model::{
    AdapterRequest, Answer, CacheReply, ModelCache, ModelCacheOptions, ModelIndex, ModelServer, ModelSignal, Row,
    ServeCaps, TreeModel,
};
use qtro_rs::core::variant::{from_bytes, to_bytes};
use qtro_rs::core::{ByteOrder, Dialect, Limits, Size, TypeRegistry, Value};

fn tree() -> TreeModel {
    let mut m = TreeModel::new(&[(0, "display"), (257, "rank")], 2);
    let rows = (0..12)
        .map(|r| {
            let children = if r % 4 == 0 { vec![Row::of(["a", "b"]), Row::of(["c", "d"])] } else { vec![] };
            Row::of([format!("row {r}"), format!("{r}")]).with_children(children)
        })
        .collect();
    m.insert_rows(&[], 0, rows).expect("a fresh tree takes rows");
    m
}

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
        // Answered by a served model: within the caps, and encodable.
        let caps = ServeCaps { max_row_cells: 200, max_cache_cells: 100, ..ServeCaps::for_limits(&Limits::DEFAULT) };
        let mut server = ModelServer::new(vec![0, 257], caps, true);
        let mut model = tree();
        if let Answer::Reply(reply) = server.answer(&mut model, request, dialect) {
            to_bytes(&reply, dialect, order).expect("a reply encodes");
        }
    }
    let signal = ModelSignal::from_signal(index, args).ok();
    if let Some(signal) = &signal {
        let again = ModelSignal::from_signal(signal.index(), &signal.to_args(dialect)).expect("re-parses");
        assert_eq!(&again, signal);
    }
    if let Ok(items) = entries_from_value(&value, depth) {
        assert_eq!(entries_from_value(&entries_to_value(&items), depth).expect("re-parses"), items);
    }
    if let Ok(reply) = CacheReply::from_value(&value, depth) {
        assert_eq!(CacheReply::from_value(&reply.to_value(dialect), depth).expect("re-parses"), reply);
    }

    // A replica's cache fed the value as a reply to whatever it asked first, and the signal.
    let mut cache = ModelCache::new(ModelCacheOptions { cache_rows: 16, ..ModelCacheOptions::default() });
    cache.on_initialized(vec![0, 257], vec![(0, Bytes::from_static(b"display"))]);
    for (ticket, _) in cache.take_requests() {
        cache.on_reply(ticket, Ok(Value::Size(Size { width: 2, height: 1000 })));
    }
    cache.set_window(&[], 0..20);
    let _ = cache.data(&[ModelIndex::new(3, 0)], 0);
    for (n, (ticket, _)) in cache.take_requests().into_iter().enumerate() {
        let reply = if n == 0 { value.clone() } else { Value::Invalid };
        cache.on_reply(ticket, Ok(reply));
    }
    if let Some(signal) = signal {
        cache.on_signal(signal);
    }
    let _ = cache.take_requests();
    assert!(cache.cached_rows() <= 32, "the cache stays within 2 x cache_rows");
});
