//! A replica that makes a host refuse request after request, each quoting megabytes of its own
//! text, cannot flood the host's log: warnings are throttled per connection and clip what they
//! quote. A stock Qt replica of the same host meanwhile gets every change. (Its own test binary:
//! it installs the process-wide log subscriber that captures what the host logs.)

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use qtro_rs::core::{ClassBuilder, Dialect, Packet, PropertyMode, Value};
use qtro_rs::node::Node;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

mod common;
use common::qt_peer::{is, QtPeer};

/// Collects everything logged.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_requests_cannot_flood_the_log() {
    let log = Captured::default();
    let sink = log.clone();
    tracing_subscriber::fmt().with_env_filter("warn").with_ansi(false).with_writer(move || sink.clone()).init();

    let node = Node::new();
    let url = node.listen("tcp://127.0.0.1:0").await.unwrap();
    let class = ClassBuilder::new("Target").property("seq", "int", PropertyMode::ReadOnly, Value::Int(0)).build();
    let source = node.enable_source_without_slots("Target", class).unwrap();
    let (mut qt, _) = QtPeer::start(&["replica-dynamic", "--url", &url, "--name", "Target"]).await;
    qt.expect("Valid", is("state", "state", "Valid")).await;

    // 300 AddObject requests for unknown objects with 100 000-character names: 60 MB of text.
    let mut flood = TcpStream::connect(url.trim_start_matches("tcp://")).await.unwrap();
    let mut greeting = vec![0u8; 4096];
    let _ = flood.read(&mut greeting).await;
    let name = "x".repeat(100_000);
    let request = Packet::AddObject { name, is_dynamic: true }.to_bytes(Dialect::Qt6).unwrap();
    for round in 1..=300 {
        flood.write_all(&request).await.unwrap();
        if round % 30 == 0 {
            source.set_property("seq", Value::Int(round)).unwrap();
        }
    }
    qt.expect("seq 300", |e| e["event"] == "property" && e["name"] == "seq" && e["value"] == 300).await;
    // Let the host work through what is still buffered.
    flood.write_all(&Packet::Ping { name: "Target".into() }.to_bytes(Dialect::Qt6).unwrap()).await.unwrap();
    let _ = tokio::time::timeout(Duration::from_secs(10), flood.read(&mut greeting)).await;

    let logged = log.0.lock().unwrap().clone();
    let text = String::from_utf8_lossy(&logged);
    let lines = text.lines().filter(|l| l.contains("AddObject for unknown source")).count();
    assert!(lines >= 8, "the first refusals are logged: {lines}");
    assert!(lines <= 8 + 9, "then one per doubling of the count: {lines} lines");
    assert!(logged.len() < 16 * 1024, "{} bytes logged for 60 MB of refused text", logged.len());
    assert!(text.contains("more bytes"), "quotes are clipped");
}
