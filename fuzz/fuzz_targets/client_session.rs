//! A client with static, dynamic and registry replicas, fed arbitrary bytes as host traffic on two
//! connections, with calls, writes, heartbeats and disconnects interleaved.
#![no_main]

use std::sync::Arc;
use std::time::{Duration, Instant};

use libfuzzer_sys::fuzz_target;
use qtro_rs::core::{registry, ClassBuilder, ClientCore, Dialect, Limits, PropertyMode, ReplicaKind, Value};

fuzz_target!(|data: &[u8]| {
    for dialect in [Dialect::Qt6, Dialect::Qt5] {
        let limits = Limits { max_packet_size: 1 << 16, max_depth: 16, max_values: 5_000, max_collection_len: 5_000 };
        let t0 = Instant::now();
        let mut client = ClientCore::new(dialect, limits);
        client.set_heartbeat(Some(Duration::from_millis(10)), t0);
        let class = ClassBuilder::new("Simple")
            .property("value", "int", PropertyMode::ReadPush, Value::Int(0))
            .slot("add", &[("a", "int"), ("b", "int")], "int")
            .build();
        client.acquire("Simple", ReplicaKind::Static(Arc::new(class)), t0);
        client.acquire("Dyn", ReplicaKind::Dynamic, t0);
        client.acquire(registry::NAME, ReplicaKind::Static(Arc::new(registry::registry_class(dialect))), t0);
        client.connected(1);
        client.connected(2);
        let mut now = t0;
        for (i, chunk) in data.chunks(31).enumerate() {
            let conn = 1 + (chunk.first().copied().unwrap_or(0) % 2) as u64;
            client.receive(conn, chunk, now);
            let _ = client.call("Simple", 1, vec![Value::Int(1), Value::Int(2)], true, now);
            let _ = client.call("Dyn", i % 4, vec![], i % 2 == 0, now);
            let _ = client.write_property("Dyn", i % 3, Value::Int(1), now);
            now += Duration::from_millis(7);
            client.handle_timeout(now);
            if i % 11 == 10 {
                client.disconnected(conn);
                client.connected(conn);
            }
            while client.poll_event().is_some() {}
            for c in client.take_dirty() {
                let _ = client.take_output(c);
            }
        }
    }
});
