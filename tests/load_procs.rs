//! Load across processes: one Rust source in this process, 1000 replicas in 4 separate
//! `load_peer` processes (examples/load_peer.rs), each replica on its own node and connection.
//! The source sustains property changes and signals with `ready()` backpressure; every replica
//! must end with the final values and have received every signal exactly once, in order; the
//! memory of every process stays bounded.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use qtro_rs::core::Value;
use qtro_rs::node::{Node, NodeConfig};
use tokio::sync::mpsc;

mod common;
use common::load_peer::{load_class, load_peer_exe};

const PROCESSES: usize = 4;
const REPLICAS_PER_PROCESS: usize = 250;
/// Changes of `seq` (and as many `tick` signals) the source makes.
const COUNT: i64 = 2000;
/// The source's `queue_high_water`: bytes queued for one replica above which `ready()` waits.
const HIGH_WATER: usize = 64 * 1024;
/// `event_backlog` of the replica nodes: a checker that falls this many events behind pauses its
/// connection's reads, so the backpressure reaches the source through TCP.
const EVENT_BACKLOG: &str = "512";

/// `field: N kB` from /proc/self/status.
fn status_kb(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix(field).map(|v| v.trim().trim_end_matches(" kB").trim().parse().unwrap()))
        .unwrap()
}

/// `key=value` pairs of an output line.
fn field(line: &str, key: &str) -> u64 {
    line.split_whitespace()
        .find_map(|kv| kv.strip_prefix(key).and_then(|v| v.strip_prefix('=')))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no {key}= in {line:?}"))
}

/// A replica process: its child handle and its stdout lines.
struct Peer {
    child: Child,
    lines: mpsc::UnboundedReceiver<String>,
    seen: Vec<String>,
}

impl Peer {
    fn start(exe: &PathBuf, args: &[&str]) -> Peer {
        let mut child = Command::new(exe)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start load_peer");
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::unbounded_channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        Peer { child, lines, seen: Vec::new() }
    }

    /// The next line starting with `prefix` (within `within`), panicking with the transcript.
    async fn expect(&mut self, prefix: &str, within: Duration) -> String {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            match tokio::time::timeout_at(deadline, self.lines.recv()).await {
                Ok(Some(l)) => {
                    self.seen.push(l.clone());
                    if l.starts_with(prefix) {
                        return l;
                    }
                    if l.starts_with("error") {
                        panic!("load_peer {} failed: {}", self.child.id(), self.seen.join("\n"));
                    }
                }
                other => panic!(
                    "load_peer {}: no {prefix:?} line ({other:?}); output:\n{}",
                    self.child.id(),
                    self.seen.join("\n")
                ),
            }
        }
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        // Ours: started by this test.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_source_a_thousand_replicas_in_four_processes() {
    let exe = load_peer_exe();
    let started = Instant::now();
    let rss_before = status_kb("VmRSS:");

    // A small high-water mark, so `ready()` really holds the producer back across the processes
    // and the source's queued output stays within HIGH_WATER per replica (plus one batch). The
    // stall timeout is generous: evicting a replica process that is merely starved of CPU on a
    // loaded machine would show up as a reconnect (an error here), and eviction is tested in
    // tests/node_rust.rs.
    let host = Node::with_config(NodeConfig {
        queue_high_water: HIGH_WATER,
        stall_timeout: Duration::from_secs(30),
        ..NodeConfig::default()
    });
    let url = host.listen("tcp://127.0.0.1:0").await.unwrap();
    let source = host.enable_source_without_slots("Load", load_class()).unwrap();

    let (replicas, count) = (REPLICAS_PER_PROCESS.to_string(), COUNT.to_string());
    let mut peers: Vec<Peer> = (0..PROCESSES)
        .map(|_| {
            Peer::start(
                &exe,
                &[
                    "replica",
                    "--url",
                    &url,
                    "--replicas",
                    &replicas,
                    "--count",
                    &count,
                    "--event-backlog",
                    EVENT_BACKLOG,
                    "--timeout-ms",
                    "90000",
                ],
            )
        })
        .collect();
    for p in &mut peers {
        p.expect("ready", Duration::from_secs(60)).await;
    }
    let total = PROCESSES * REPLICAS_PER_PROCESS;
    tokio::time::timeout(Duration::from_secs(30), async {
        while source.listener_count() < total {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("every replica acquired the source");
    let connected = started.elapsed();
    let rss_connected = status_kb("VmRSS:");

    // Sustained traffic: `seq` and `tick` every step, `text` every tenth, with backpressure.
    let produce = Instant::now();
    let mut peak_queued = 0;
    for n in 1..=COUNT as i32 {
        source.set_property("seq", Value::Int(n)).unwrap();
        source.emit("tick", vec![Value::Int(n)]).unwrap();
        if n % 10 == 0 || n == COUNT as i32 {
            source.set_property("text", Value::string(format!("t{n}"))).unwrap();
        }
        if n % 20 == 0 {
            peak_queued = peak_queued.max(source.queued_bytes());
            tokio::time::timeout(Duration::from_secs(30), source.ready()).await.expect("replicas keep reading");
        }
    }
    source.emit("done", vec![Value::Int(COUNT as i32)]).unwrap();
    let produced = produce.elapsed();

    let mut results = Vec::new();
    for p in &mut peers {
        let line = p.expect("result", Duration::from_secs(60)).await;
        let status = tokio::task::block_in_place(|| p.child.wait()).unwrap();
        results.push((line, status, p.seen.iter().filter(|l| l.starts_with("problem")).cloned().collect::<Vec<_>>()));
    }
    let delivered = produce.elapsed();
    let rss_after = status_kb("VmRSS:");
    let hwm = status_kb("VmHWM:");

    let mut peer_hwm_max = 0;
    for (i, (line, status, problems)) in results.iter().enumerate() {
        println!("load_procs: process {i}: {line}");
        assert!(status.success(), "process {i} reported failure: {line}\n{}", problems.join("\n"));
        assert_eq!(field(line, "complete"), REPLICAS_PER_PROCESS as u64, "{line}");
        assert_eq!(field(line, "errors"), 0, "{line}");
        assert_eq!(
            field(line, "ticks"),
            REPLICAS_PER_PROCESS as u64 * COUNT as u64,
            "every signal exactly once: {line}"
        );
        assert_eq!(field(line, "changes"), REPLICAS_PER_PROCESS as u64 * COUNT as u64, "every change in order: {line}");
        let peer_hwm = field(line, "hwm_kb");
        peer_hwm_max = peer_hwm_max.max(peer_hwm);
        assert!(peer_hwm < 512 * 1024, "replica process {i} peak RSS {peer_hwm} kB");
    }
    println!(
        "load_procs: {total} replicas in {PROCESSES} processes, {COUNT} changes + {COUNT} signals each: {total}/{total} complete, \
         0 lost, 0 out of order; connected in {:.1} s, produced in {:.1} s, all delivered after {:.1} s",
        connected.as_secs_f64(),
        produced.as_secs_f64(),
        delivered.as_secs_f64()
    );
    println!(
        "load_procs: source process RSS {} MiB before, {} MiB with {total} connections, {} MiB after, peak {} MiB; \
         peak queued {} KiB; replica processes peak RSS max {} MiB",
        rss_before / 1024,
        rss_connected / 1024,
        rss_after / 1024,
        hwm / 1024,
        peak_queued / 1024,
        peer_hwm_max / 1024
    );
    // Backpressure held: before each `ready()` no replica had more than the high-water mark plus
    // the last batch (20 steps, well under 64 KiB) queued.
    assert!(peak_queued < total * (HIGH_WATER + 64 * 1024), "peak queued {peak_queued} bytes for {total} replicas");
    // The source's memory: bounded by the per-connection state plus the high-water mark of queued
    // output, not by the amount of traffic.
    assert!(hwm < 512 * 1024, "source process peak RSS {hwm} kB");
    assert!(
        rss_after < rss_connected + 128 * 1024,
        "source RSS grew from {rss_connected} kB to {rss_after} kB with the traffic"
    );
}
