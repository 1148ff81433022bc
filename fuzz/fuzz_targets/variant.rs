//! One QVariant in every dialect and byte order: decoding never panics or exceeds the limits, and
//! whatever decodes re-encodes to something that decodes to the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use qtro_rs::core::variant::{from_bytes_with_limits, to_bytes_plain};
use qtro_rs::core::{ByteOrder, Dialect, Limits, TypeRegistry};

fuzz_target!(|data: &[u8]| {
    let limits = Limits { max_packet_size: 1 << 20, max_depth: 32, max_values: 20_000, max_collection_len: 20_000 };
    for (dialect, order) in
        [(Dialect::Qt6, ByteOrder::Little), (Dialect::Qt6, ByteOrder::Big), (Dialect::Qt5, ByteOrder::Big)]
    {
        let mut types = TypeRegistry::new(dialect);
        types.register_gadget("Point3", vec![("x".into(), "int".into()), ("y".into(), "int".into())]);
        types.register_enum("G::E", 2);
        if let Ok(v) = from_bytes_with_limits(data.to_vec(), dialect, order, &types, &limits) {
            let bytes = to_bytes_plain(&v, dialect, order).expect("a decoded value re-encodes");
            let back = from_bytes_with_limits(bytes, dialect, order, &types, &limits).expect("and decodes");
            assert_eq!(format!("{back:?}"), format!("{v:?}"));
        }
    }
});
