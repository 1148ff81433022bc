//! Decodes QtRO traffic given as hex (one frame per ```-block in a Markdown file, or a plain hex
//! dump on standard input) and prints every packet with its values.
//!
//! ```text
//! cargo run --example decode_capture -- tests/vectors/captures.md
//! echo "12 00 00 00 0a 00 0c 00 00 00 53 00 69 00 6d 00 70 00 6c 00 65 00" | cargo run --example decode_capture
//! ```

use std::io::Read;

use qtro_rs::core::{Dialect, FrameDecoder, Limits, Packet, TypeRegistry};

fn main() {
    let text = match std::env::args().nth(1) {
        Some(path) => std::fs::read_to_string(&path).unwrap_or_else(|e| {
            eprintln!("cannot read {path}: {e}");
            std::process::exit(2)
        }),
        None => {
            let mut s = String::new();
            std::io::stdin().read_to_string(&mut s).expect("read stdin");
            format!("```\n{s}\n```")
        }
    };
    let mut shown = 0;
    for block in text.split("```").skip(1).step_by(2) {
        let hex: String = block.split_whitespace().collect();
        if hex.is_empty() || !hex.chars().all(|c| c.is_ascii_hexdigit()) || !hex.len().is_multiple_of(2) {
            continue;
        }
        let bytes: Vec<u8> =
            (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap()).collect();
        let Some(dialect) = Dialect::detect_frame(&bytes) else { continue };
        let mut types = TypeRegistry::new(dialect);
        // The PODs of the captured sessions, as their .rep files declare them.
        types.register_gadget("Point3", ["x", "y", "z"].iter().map(|f| (f.to_string(), "int".to_string())).collect());
        types.register_gadget(
            "Tagged",
            vec![("kind".into(), "Tagged::Kind".into()), ("label".into(), "QString".into())],
        );
        types.register_enum("Tagged::Kind", 4);
        let mut frames = FrameDecoder::new(dialect, &Limits::DEFAULT);
        frames.extend(&bytes);
        while let Ok(Some(frame)) = frames.next_frame() {
            match Packet::decode(&frame, dialect, &types, &Limits::DEFAULT) {
                Ok(p) => println!("[{dialect:?}] {p:?}"),
                Err(e) => println!("[{dialect:?}] undecodable packet type {}: {e}", frame.packet_type),
            }
            shown += 1;
        }
    }
    eprintln!("{shown} packet(s) decoded");
}
