//! Feeds arbitrary bytes, in arbitrary chunks, through the frame decoder and the packet decoder
//! of both dialects. Any panic, hang or allocation past the limits is a bug; every decoded packet
//! must re-encode and decode to itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use qtro_rs::core::{Dialect, FrameDecoder, Limits, Packet, TypeRegistry};

fuzz_target!(|data: &[u8]| {
    let Some((&split, data)) = data.split_first() else { return };
    // Small limits so the fuzzer explores the limit checks rather than memory exhaustion.
    let limits = Limits { max_packet_size: 1 << 20, max_depth: 32, max_values: 20_000, max_collection_len: 20_000 };
    for dialect in [Dialect::Qt6, Dialect::Qt5] {
        let mut types = TypeRegistry::new(dialect);
        types.register_gadget("Point3", vec![("x".into(), "int".into()), ("y".into(), "int".into())]);
        types.register_enum("G::E", 1);
        let mut frames = FrameDecoder::new(dialect, &limits);
        let chunk = (split as usize % 17) + 1;
        'feed: for piece in data.chunks(chunk) {
            frames.extend(piece);
            loop {
                match frames.next_frame() {
                    Ok(Some(frame)) => {
                        if let Ok(packet) = Packet::decode(&frame, dialect, &types, &limits) {
                            let bytes = packet.to_bytes(dialect).expect("a decoded packet re-encodes");
                            let mut again = FrameDecoder::new(dialect, &limits);
                            again.extend(&bytes);
                            let f = again.next_frame().expect("re-encoded frame").expect("complete");
                            let back = Packet::decode(&f, dialect, &types, &limits).expect("re-encoded packet decodes");
                            assert_eq!(format!("{back:?}"), format!("{packet:?}"));
                        }
                    }
                    Ok(None) => break,
                    Err(_) => break 'feed,
                }
            }
        }
    }
});
