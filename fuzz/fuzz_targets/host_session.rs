//! A host serving two sources (one with a child object) to three connections, fed arbitrary bytes
//! as client traffic in arbitrary chunks, interleaved with source-side operations. Nothing may
//! panic, a failing connection must not disturb the others, and output stays bounded.
#![no_main]

use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use qtro_rs::core::{ClassBuilder, Dialect, HostCore, HostEvent, Limits, PropertyMode, Value};

fuzz_target!(|data: &[u8]| {
    for dialect in [Dialect::Qt6, Dialect::Qt5] {
        let limits = Limits { max_packet_size: 1 << 16, max_depth: 16, max_values: 5_000, max_collection_len: 5_000 };
        let mut host = HostCore::new(dialect, limits);
        let class = Arc::new(
            ClassBuilder::new("Simple")
                .property("value", "int", PropertyMode::ReadPush, Value::Int(0))
                .property("name", "QString", PropertyMode::ReadWrite, Value::String(None))
                .property("child", "QObject*", PropertyMode::SourceOnlySetter, Value::Invalid)
                .signal("fired", &[("code", "int")])
                .slot("add", &[("a", "int"), ("b", "int")], "int")
                .build(),
        );
        let child = Arc::new(
            ClassBuilder::new("Child").property("t", "QString", PropertyMode::ReadOnly, Value::string("k")).build(),
        );
        host.enable("Simple", class.clone(), class.defaults.clone()).unwrap();
        host.enable("Other", class.clone(), class.defaults.clone()).unwrap();
        host.enable_child("Simple", 2, child.clone(), child.defaults.clone()).unwrap();
        for c in 1..=3 {
            host.accept(c);
        }
        let mut out_total = 0usize;
        for (i, chunk) in data.chunks(23).enumerate() {
            let conn = 1 + (chunk.first().copied().unwrap_or(0) % 3) as u64;
            host.receive(conn, chunk);
            while let Some(ev) = host.poll_event() {
                if let HostEvent::Invoked { conn, source, serial_id: Some(s), .. } = ev {
                    let _ = host.reply(conn, &source, s, Value::Int(1));
                }
            }
            match i % 5 {
                0 => drop(host.set_property("Simple", 0, Value::Int(i as i32))),
                1 => drop(host.emit_signal("Simple", 2, &[Value::Int(1)])),
                2 => drop(host.emit_signal("Simple", 99, &[])),
                _ => {}
            }
            for c in host.take_dirty() {
                out_total += host.take_output(c).map_or(0, |b| b.len());
            }
        }
        // Output is proportional to input, never explosive.
        assert!(out_total <= 4096 + data.len() * 4096, "{out_total} bytes out for {} in", data.len());
    }
});
