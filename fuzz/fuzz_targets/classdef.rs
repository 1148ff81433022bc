//! Class definitions (InitDynamicPacket bodies, QRO_ payloads) in both byte orders.
#![no_main]

use bytes::{Bytes, BytesMut};
use libfuzzer_sys::fuzz_target;
use qtro_rs::core::stream::{Reader, Writer};
use qtro_rs::core::{ByteOrder, ClassDefinition, Dialect, Limits, TypeRegistry};

fuzz_target!(|data: &[u8]| {
    let limits = Limits { max_collection_len: 10_000, ..Limits::DEFAULT };
    for order in [ByteOrder::Little, ByteOrder::Big] {
        let mut r = Reader::new(Bytes::copy_from_slice(data), order);
        if let Ok(def) = ClassDefinition::decode(&mut r, &limits) {
            // Registering what a peer defined must be safe too.
            def.register_types(&mut TypeRegistry::new(Dialect::Qt6));
            let mut buf = BytesMut::new();
            def.encode(&mut Writer::new(&mut buf, order)).expect("re-encodes");
            let back = ClassDefinition::decode(&mut Reader::new(buf.freeze(), order), &limits).expect("decodes");
            assert_eq!(back, def);
        }
    }
});
