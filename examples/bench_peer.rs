//! The Rust peer of the benchmarks: one process plays one side of one scenario, paired by
//! `bash bench/run.sh` with another `bench_peer` or with the stock-Qt peer
//! (`qt-interop/bench/main.cpp`), whose command line and output lines it shares.
//!
//! ```text
//! bench_peer source  --url URL --scenario S [--count N] [--batch B]
//! bench_peer replica --url URL --scenario S [--count N] [--lanes L] [--replicas R] [--warmup W]
//! common: [--dialect qt6|qt5] [--rt multi|current] [--driver task|main] [--workers N] [--timeout-ms T]
//!         [--delivery callback|stream] [--busy-poll-us N (0: off)]
//! ```
//!
//! Replicas take property changes and signals through `Replica::observe` callbacks (the Qt
//! peer's direct connections to the replica's signals are the same thing), or with
//! `--delivery stream` through `Replica::events_filtered` receivers in async tasks.
//!
//! Scenarios: `prop`, `sig`, `rtt`, `pipe`, `bulk`, `init1`, `init200`, `fanout`, `mscroll`,
//! `mchange` (bench/README.md).
//! Classes come from `qt-interop/bench/bench.rep` via `qtro_rs::rep::source_class`, so the
//! static replicas on either side accept a source of the other.
//!
//! Output (stdout, one line each): `ready url=URL impl=rust`, `result elapsed_ns=.. count=..
//! expected=.. errors=.. bytes=.. [p50_ns=.. p99_ns=.. max_ns=..]`, `usage user_us=.. sys_us=..
//! hwm_kb=..`, `error MESSAGE`.

use std::io::Read;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use qtro_rs::core::model::{Lookup, ModelEvent, ModelIndex};
use qtro_rs::core::{Dialect, SourceClass, Value};
use qtro_rs::node::model::{ModelChange, ModelHost, ModelOptions, ModelReplicaOptions, ModelSource};
use qtro_rs::node::{sync_handler, EventFilter, Node, NodeConfig, Replica, ReplicaEvent, SlotCall, Source};
use tokio::sync::mpsc;

const REP: &str = include_str!("../qt-interop/bench/bench.rep");
const TEXT: &str = "0123456789abcdef";
const BLOB_SIZE: usize = 1 << 20;

#[derive(Clone, Debug)]
struct Opts {
    role: String,
    url: String,
    scenario: String,
    count: u64,
    batch: u64,
    lanes: u64,
    replicas: usize,
    warmup: u64,
    timeout: Duration,
    dialect: Dialect,
    rt: String,
    /// `task`: the scenario runs as a spawned tokio task; `main`: in `block_on` on the main
    /// thread. Default: `task` for replicas, `main` for sources.
    driver: Option<String>,
    workers: Option<usize>,
    /// `callback` (observers) or `stream` (event receivers).
    delivery: String,
    /// `NodeConfig::busy_poll` in microseconds (0: off); the default when absent.
    busy_poll_us: Option<u64>,
}

impl Opts {
    fn node_config(&self) -> NodeConfig {
        let mut cfg = NodeConfig { dialect: self.dialect, ..NodeConfig::default() };
        if let Some(us) = self.busy_poll_us {
            cfg.busy_poll = (us > 0).then(|| Duration::from_micros(us));
        }
        cfg
    }
}

fn fail(msg: impl std::fmt::Display) -> ! {
    println!("error {msg}");
    std::process::exit(3)
}

fn parse() -> Opts {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(role) = args.first().cloned() else {
        fail("usage: bench_peer source|replica --url URL --scenario S [options]")
    };
    let mut o = Opts {
        role,
        url: String::new(),
        scenario: String::new(),
        count: 0,
        batch: 0,
        lanes: 256,
        replicas: 50,
        warmup: u64::MAX,
        timeout: Duration::from_secs(120),
        dialect: Dialect::Qt6,
        rt: "multi".into(),
        driver: None,
        workers: None,
        delivery: "callback".into(),
        busy_poll_us: None,
    };
    let num = |v: &str| v.parse::<u64>().unwrap_or_else(|_| fail(format!("not a number: {v}")));
    for kv in args[1..].chunks(2) {
        let [k, v] = kv else { fail(format!("option {} needs a value", kv[0])) };
        match k.as_str() {
            "--url" => o.url = v.clone(),
            "--scenario" => o.scenario = v.clone(),
            "--count" => o.count = num(v),
            "--batch" => o.batch = num(v),
            "--lanes" => o.lanes = num(v).max(1),
            "--replicas" => o.replicas = num(v).max(1) as usize,
            "--warmup" => o.warmup = num(v),
            "--timeout-ms" => o.timeout = Duration::from_millis(num(v)),
            "--dialect" => o.dialect = if v == "qt5" { Dialect::Qt5 } else { Dialect::Qt6 },
            "--rt" => o.rt = v.clone(),
            "--driver" if v == "task" || v == "main" => o.driver = Some(v.clone()),
            "--workers" => o.workers = Some(num(v).max(1) as usize),
            "--delivery" if v == "callback" || v == "stream" => o.delivery = v.clone(),
            "--busy-poll-us" => o.busy_poll_us = Some(num(v)),
            _ => fail(format!("unknown option {k}")),
        }
    }
    let default_count = match o.scenario.as_str() {
        "prop" | "sig" | "pipe" => 100_000,
        "rtt" | "fanout" => 10_000,
        "bulk" | "init200" => 200,
        "init1" => 2000,
        "mscroll" => 100_000,
        "mchange" => 20_000,
        s => fail(format!("unknown scenario {s:?}")),
    };
    if o.count == 0 {
        o.count = default_count;
    }
    if o.batch == 0 {
        o.batch = if o.scenario == "bulk" { 1 } else { 100 };
    }
    if o.warmup == u64::MAX {
        o.warmup = match o.scenario.as_str() {
            "rtt" | "pipe" => 500,
            "init1" => 50,
            "init200" => 5,
            _ => 0,
        };
    }
    if o.url.is_empty() || (o.role != "source" && o.role != "replica") {
        fail("bad arguments (role, --url and --scenario are required)");
    }
    o
}

#[derive(Clone, Copy, Default)]
struct Cpu {
    user_us: i64,
    sys_us: i64,
}

fn cpu_now() -> Cpu {
    // SAFETY: getrusage only writes the struct we pass.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
    let us = |t: libc::timeval| t.tv_sec * 1_000_000 + t.tv_usec;
    Cpu { user_us: us(ru.ru_utime), sys_us: us(ru.ru_stime) }
}

fn hwm_kb() -> i64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(-1)
}

fn print_usage(from: Cpu, to: Cpu) {
    println!("usage user_us={} sys_us={} hwm_kb={}", to.user_us - from.user_us, to.sys_us - from.sys_us, hwm_kb());
}

fn class(o: &Opts, name: &str) -> SourceClass {
    let rep = qtro_rs::rep::parse(REP).unwrap_or_else(|e| fail(format!("bench.rep: {e}")));
    qtro_rs::rep::source_class(&rep, name, o.dialect).unwrap_or_else(|| fail(format!("no class {name} in bench.rep")))
}

fn main() {
    let o = parse();
    let timeout = o.timeout;
    std::thread::spawn(move || {
        std::thread::sleep(timeout);
        fail("timeout");
    });
    let mut rt = if o.rt == "current" {
        tokio::runtime::Builder::new_current_thread()
    } else {
        tokio::runtime::Builder::new_multi_thread()
    };
    if let Some(w) = o.workers {
        if o.rt != "current" {
            rt.worker_threads(w);
        }
    }
    let rt = rt.enable_all().build().unwrap_or_else(|e| fail(e));
    let role: std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>> =
        if o.role == "source" { Box::pin(source(o.clone())) } else { Box::pin(replica(o.clone())) };
    let driver = o.driver.as_deref().unwrap_or(if o.role == "source" { "main" } else { "task" });
    if driver == "task" {
        // A replica awaits answers: as a task, it is woken on the worker thread that read them
        // (the Qt peer reads and handles on one thread too). In `block_on` every answer also
        // wakes the main thread, one more cross-CPU wake-up: per-run medians of init1 were 22 or
        // 45-60 us depending on where it slept, against a steady 22-25 us as a task. A source
        // producing from the main thread leaves both workers to its connections (prop, sig and
        // bulk were 15-30% slower with the producer as a task).
        rt.block_on(async { tokio::spawn(role).await.unwrap_or_else(|e| fail(e)) });
    } else {
        rt.block_on(role);
    }
    // Leave without tearing down nodes and connections one by one.
    std::process::exit(0);
}

// ------------------------------------------------------------------------------------------------
// Source side

async fn source(o: Opts) {
    let node = Node::with_config(o.node_config());
    let url = node.listen(&o.url).await.unwrap_or_else(|e| fail(e));
    let cpu0 = Arc::new(Mutex::new(cpu_now()));
    let (start_tx, mut start_rx) = mpsc::unbounded_channel::<()>();
    let cpu = cpu0.clone();
    let handler = sync_handler(move |call: SlotCall| match call.name.as_str() {
        "echo" => call.args.into_iter().next().unwrap_or(Value::Invalid),
        "start" => {
            *cpu.lock().unwrap() = cpu_now();
            let _ = start_tx.send(());
            Value::Invalid
        }
        "done" => {
            print_usage(*cpu.lock().unwrap(), cpu_now());
            Value::Int(0)
        }
        _ => Value::Invalid,
    });
    let bench = node.enable_source("Bench", class(&o, "Bench"), handler).unwrap_or_else(|e| fail(e));
    let _small = (o.scenario == "init1")
        .then(|| node.enable_source_without_slots("Small", class(&o, "Small")).unwrap_or_else(|e| fail(e)));
    let _wide = (o.scenario == "init200")
        .then(|| node.enable_source_without_slots("Wide", class(&o, "Wide")).unwrap_or_else(|e| fail(e)));
    let model = matches!(o.scenario.as_str(), "mscroll" | "mchange").then(|| {
        let rows = if o.scenario == "mscroll" { o.count } else { 100_000 };
        let model = BenchModel { rows: rows.min(i32::MAX as u64) as i32, versions: [0; WINDOW as usize] };
        node.enable_model(MODEL_NAME, model, ModelOptions { roles: vec![DISPLAY], ..ModelOptions::default() })
            .unwrap_or_else(|e| fail(e))
    });

    // Leave when the harness closes our stdin.
    std::thread::spawn(|| {
        let mut buf = [0u8; 256];
        let mut stdin = std::io::stdin();
        loop {
            match stdin.read(&mut buf) {
                Ok(0) | Err(_) => std::process::exit(0),
                Ok(_) => {}
            }
        }
    });
    println!("ready url={url} impl=rust");

    while start_rx.recv().await.is_some() {
        if matches!(o.scenario.as_str(), "prop" | "sig" | "bulk" | "fanout") {
            produce(&o, &bench).await;
        } else if let (Some(model), "mchange") = (&model, o.scenario.as_str()) {
            change_model(&o, &bench, model).await;
        }
    }
}

/// Rows on one "screen" of the model scenarios' replica.
const WINDOW: i32 = 50;
/// Columns of the bench model.
const COLUMNS: i32 = 2;
const MODEL_NAME: &str = "BenchModel";
/// `Qt::DisplayRole`.
const DISPLAY: i32 = 0;

fn cell_text(row: i32, column: i32, version: i64) -> String {
    format!("r{row}c{column}v{version}")
}

/// The model of the model scenarios, as the Qt peer's: `rows` x [`COLUMNS`], the display text
/// computed from row and column (nothing stored per row); update n rewrites cell
/// (n % [`WINDOW`], 0) with version n + 1.
struct BenchModel {
    rows: i32,
    versions: [i64; WINDOW as usize],
}

impl ModelSource for BenchModel {
    fn role_names(&self) -> Vec<(i32, bytes::Bytes)> {
        vec![(DISPLAY, bytes::Bytes::from_static(b"display"))]
    }
    fn row_count(&self, parent: &[ModelIndex]) -> i32 {
        if parent.is_empty() {
            self.rows
        } else {
            0
        }
    }
    fn column_count(&self, parent: &[ModelIndex]) -> i32 {
        if parent.is_empty() {
            COLUMNS
        } else {
            0
        }
    }
    fn data(&self, index: &[ModelIndex], role: i32) -> Value {
        match index {
            [i] if role == DISPLAY && (0..self.rows).contains(&i.row) && (0..COLUMNS).contains(&i.column) => {
                let version = if i.column == 0 && i.row < WINDOW { self.versions[i.row as usize] } else { 0 };
                Value::string(cell_text(i.row, i.column, version))
            }
            _ => Value::Invalid,
        }
    }
}

/// mchange: `count` updates, `batch` per model update (signalled together), then backpressure
/// and a yield, as `produce` does.
async fn change_model(o: &Opts, bench: &Source, model: &ModelHost<BenchModel>) {
    let mut n = 0;
    while n < o.count {
        let end = (n + o.batch).min(o.count);
        model
            .update(|m| {
                let changes = (n..end)
                    .map(|n| {
                        let row = (n % WINDOW as u64) as i32;
                        m.versions[row as usize] = n as i64 + 1;
                        let i = vec![ModelIndex::new(row, 0)];
                        ModelChange::DataChanged { top_left: i.clone(), bottom_right: i, roles: vec![DISPLAY] }
                    })
                    .collect();
                ((), changes)
            })
            .unwrap_or_else(|e| fail(e));
        n = end;
        bench.ready().await;
        tokio::task::yield_now().await;
    }
}

async fn produce(o: &Opts, bench: &Source) {
    if o.scenario == "bulk" {
        for i in 0..o.count {
            // Backpressure: never queue more than the high-water mark per replica.
            bench.ready().await;
            let mut b = vec![(i & 0x7f) as u8; BLOB_SIZE];
            b[..4].copy_from_slice(&(i as u32).to_le_bytes());
            bench.set_property("blob", Value::bytes(b)).unwrap_or_else(|e| fail(e));
        }
        return;
    }
    // Batches of `--batch` items go out together, like the Qt source's items of one event-loop
    // turn; between batches, backpressure and a yield. The signal's arguments are kept and lent
    // to each emit, as the Qt source emits `tick(n, kText)` with one shared QString.
    let mut args = [Value::Int(0), Value::string(TEXT)];
    let mut i = 0;
    while i < o.count {
        let end = (i + o.batch).min(o.count);
        bench.batch(|b| {
            for i in i..end {
                match o.scenario.as_str() {
                    "prop" => b.set_property("value", Value::Int(i as i32 + 1)).map(drop),
                    _ => {
                        args[0] = Value::Int(i as i32);
                        b.emit_ref("tick", &args)
                    }
                }
                .unwrap_or_else(|e| fail(e));
            }
        });
        i = end;
        bench.ready().await;
        tokio::task::yield_now().await;
    }
}

// ------------------------------------------------------------------------------------------------
// Replica side

struct Measure {
    t0: Instant,
    cpu0: Cpu,
    count: u64,
    errors: u64,
    bytes: u64,
    lat: Vec<u64>,
    /// mscroll: acquire → first window complete.
    first_ns: Option<u128>,
}

impl Measure {
    fn begin() -> Measure {
        Measure { t0: Instant::now(), cpu0: cpu_now(), count: 0, errors: 0, bytes: 0, lat: Vec::new(), first_ns: None }
    }
}

/// Checks property changes as the replica sees them: every value in order, none lost.
#[derive(Clone, Copy)]
struct ChangeCheck {
    prop: usize,
    last: i64,
    final_n: i64,
    count: u64,
    errors: u64,
    bytes: u64,
}

impl ChangeCheck {
    fn new(prop: usize, count: u64) -> ChangeCheck {
        // `value` counts 1..=count; the blob carries 0..count in its first 4 bytes.
        let (last, final_n) = if prop == 0 { (0, count as i64) } else { (-1, count as i64 - 1) };
        ChangeCheck { prop, last, final_n, count: 0, errors: 0, bytes: 0 }
    }

    /// Takes one change; true once the last one arrived.
    fn see(&mut self, index: usize, value: &Value) -> bool {
        if index != self.prop {
            return false;
        }
        self.count += 1;
        let n = if self.prop == 0 {
            value.as_i64().unwrap_or(-1)
        } else {
            let b: &[u8] = match value {
                Value::ByteArray(Some(b)) => b,
                _ => &[],
            };
            self.bytes += b.len() as u64;
            if b.len() != BLOB_SIZE {
                self.errors += 1;
            }
            b.get(..4).map_or(-1, |h| u32::from_le_bytes(h.try_into().unwrap()) as i64)
        };
        if n != self.last + 1 {
            self.errors += 1;
        }
        self.last = n;
        n == self.final_n
    }
}

/// Checks `tick(int n, QString text)` signals: n counts up from 0, text has 16 characters.
#[derive(Clone, Copy, Default)]
struct TickCheck {
    seen: u64,
    errors: u64,
    next: i64,
}

impl TickCheck {
    /// Takes one signal; true once the last of `count` arrived.
    fn see(&mut self, args: &[Value], count: i64) -> bool {
        self.seen += 1;
        let n = args.first().and_then(Value::as_i64).unwrap_or(-1);
        if n != self.next || args.get(1).and_then(Value::as_str).map(str::len) != Some(16) {
            self.errors += 1;
        }
        self.next = n + 1;
        n == count - 1
    }
}

async fn replica(o: Opts) {
    let cfg = o.node_config();
    let bench_class = class(&o, "Bench");
    let n = if o.scenario == "fanout" { o.replicas } else { 1 };
    let mut nodes = Vec::new();
    let mut benches = Vec::new();
    for _ in 0..n {
        let node = Node::with_config(cfg.clone());
        node.connect_to(&o.url).unwrap_or_else(|e| fail(e));
        benches.push(node.acquire("Bench", bench_class.clone()));
        nodes.push(node);
    }
    for b in &benches {
        b.wait_for_source(o.timeout).await.unwrap_or_else(|e| fail(e));
    }
    let bench = benches[0].clone();
    let node = nodes[0].clone();
    let call = |b: Replica, slot: &'static str, args: Vec<Value>| async move {
        b.call(slot, args).await.unwrap_or_else(|e| fail(format!("{slot}: {e}")))
    };

    let (m, expected) = match o.scenario.as_str() {
        "prop" | "bulk" => {
            // Only property changes: the notify signal that follows each is not even built.
            let prop = if o.scenario == "prop" { 0 } else { 1 };
            let mut check = ChangeCheck::new(prop, o.count);
            let mut m = Measure::begin();
            if o.delivery == "callback" {
                let (done_tx, done_rx) = tokio::sync::oneshot::channel();
                let mut done_tx = Some(done_tx);
                let _observing = bench.observe(EventFilter::PROPERTIES, move |e| {
                    if let ReplicaEvent::PropertyChanged { index, value, .. } = e {
                        if check.see(*index, value) {
                            if let Some(tx) = done_tx.take() {
                                let _ = tx.send(check);
                            }
                        }
                    }
                });
                call(bench.clone(), "start", vec![]).await;
                check = done_rx.await.unwrap_or_else(|e| fail(e));
            } else {
                let mut events = bench.events_filtered(EventFilter::PROPERTIES);
                call(bench.clone(), "start", vec![]).await;
                while let Some(e) = events.recv().await {
                    if let ReplicaEvent::PropertyChanged { index, value, .. } = e {
                        if check.see(index, &value) {
                            break;
                        }
                    }
                }
            }
            (m.count, m.errors, m.bytes) = (check.count, check.errors, check.bytes);
            (m, o.count)
        }
        "sig" | "fanout" => {
            let mut m = Measure::begin();
            let count = o.count as i64;
            if o.delivery == "callback" {
                let (done_tx, mut done_rx) = mpsc::unbounded_channel();
                let observing: Vec<_> = benches
                    .iter()
                    .map(|b| {
                        let (mut check, done_tx) = (TickCheck::default(), done_tx.clone());
                        b.observe(EventFilter::SIGNALS, move |e| {
                            if let ReplicaEvent::Signal { args, property_index: None, .. } = e {
                                if check.see(args, count) {
                                    let _ = done_tx.send(check);
                                }
                            }
                        })
                    })
                    .collect();
                call(bench.clone(), "start", vec![]).await;
                for _ in 0..observing.len() {
                    let check = done_rx.recv().await.unwrap_or_else(|| fail("observer gone"));
                    m.count += check.seen;
                    m.errors += check.errors;
                }
            } else {
                let mut receivers: Vec<_> = benches.iter().map(|b| b.events_filtered(EventFilter::SIGNALS)).collect();
                call(bench.clone(), "start", vec![]).await;
                let mut tasks = tokio::task::JoinSet::new();
                for mut events in receivers.drain(..) {
                    tasks.spawn(async move {
                        let mut check = TickCheck::default();
                        while let Some(e) = events.recv().await {
                            if let ReplicaEvent::Signal { args, property_index: None, .. } = e {
                                if check.see(&args, count) {
                                    break;
                                }
                            }
                        }
                        check
                    });
                }
                while let Some(r) = tasks.join_next().await {
                    let check = r.unwrap_or_else(|e| fail(e));
                    m.count += check.seen;
                    m.errors += check.errors;
                }
            }
            (m, o.count * n as u64)
        }
        "rtt" => {
            for _ in 0..o.warmup {
                call(bench.clone(), "echo", vec![Value::Int(-1)]).await;
            }
            let mut m = Measure::begin();
            call(bench.clone(), "start", vec![]).await;
            m.lat.reserve(o.count as usize);
            for i in 0..o.count {
                let t = Instant::now();
                let v = call(bench.clone(), "echo", vec![Value::Int(i as i32)]).await;
                m.lat.push(t.elapsed().as_nanos() as u64);
                m.count += 1;
                if v.as_i64() != Some(i as i64) {
                    m.errors += 1;
                }
            }
            (m, o.count)
        }
        "pipe" => {
            for _ in 0..o.warmup {
                call(bench.clone(), "echo", vec![Value::Int(-1)]).await;
            }
            let mut m = Measure::begin();
            call(bench.clone(), "start", vec![]).await;
            // `lanes` calls in flight: each lane makes its share of the calls one after the other.
            let mut tasks = tokio::task::JoinSet::new();
            for lane in 0..o.lanes.min(o.count) {
                let (b, count, lanes) = (bench.clone(), o.count, o.lanes);
                tasks.spawn(async move {
                    let (mut done, mut errors) = (0u64, 0u64);
                    let mut i = lane;
                    while i < count {
                        let v = b.call("echo", vec![Value::Int(i as i32)]).await.unwrap_or_else(|e| fail(e));
                        done += 1;
                        if v.as_i64() != Some(i as i64) {
                            errors += 1;
                        }
                        i += lanes;
                    }
                    (done, errors)
                });
            }
            while let Some(r) = tasks.join_next().await {
                let (done, errors) = r.unwrap_or_else(|e| fail(e));
                m.count += done;
                m.errors += errors;
            }
            (m, o.count)
        }
        "init1" | "init200" => {
            let small = class(&o, "Small");
            let acquire = |node: &Node| {
                if o.scenario == "init1" {
                    node.acquire("Small", small.clone())
                } else {
                    node.acquire_dynamic("Wide")
                }
            };
            for _ in 0..o.warmup {
                let r = acquire(&node);
                r.wait_for_source(o.timeout).await.unwrap_or_else(|e| fail(e));
            }
            let mut m = Measure::begin();
            call(bench.clone(), "start", vec![]).await;
            for _ in 0..o.count {
                let t = Instant::now();
                let r = acquire(&node);
                r.wait_for_source(o.timeout).await.unwrap_or_else(|e| fail(e));
                m.lat.push(t.elapsed().as_nanos() as u64);
                m.count += 1;
                if o.scenario == "init200" && r.properties().len() != 200 {
                    m.errors += 1;
                }
            }
            (m, o.count)
        }
        "mscroll" | "mchange" => model_scenario(&o, &node, &bench).await,
        s => fail(format!("unknown scenario {s}")),
    };

    let elapsed = m.t0.elapsed().as_nanos();
    let cpu1 = cpu_now();
    let mut res = format!(
        "result elapsed_ns={elapsed} count={} expected={expected} errors={} bytes={}",
        m.count, m.errors, m.bytes
    );
    if !m.lat.is_empty() {
        let mut lat = m.lat;
        lat.sort_unstable();
        let pct = |p: f64| lat[((p * lat.len() as f64) as usize).min(lat.len() - 1)];
        res += &format!(" p50_ns={} p99_ns={} max_ns={}", pct(0.50), pct(0.99), lat[lat.len() - 1]);
    }
    if let Some(first) = m.first_ns {
        res += &format!(" first_ns={first}");
    }
    println!("{res}");
    call(bench.clone(), "done", vec![]).await;
    print_usage(m.cpu0, cpu1);
    drop(benches);
    drop(nodes);
}

/// Whether every cell of rows `window` has its display text (a miss asks for the row).
fn window_complete(model: &qtro_rs::node::model::ModelReplica, window: std::ops::Range<i32>) -> bool {
    !window.is_empty()
        && window
            .into_iter()
            .all(|r| (0..COLUMNS).all(|c| matches!(model.data(&[ModelIndex::new(r, c)], DISPLAY), Lookup::Cached(_))))
}

/// The model scenarios, as the Qt peer's `startModel`/`checkWindow`: mscroll starts the clock
/// before acquiring the model, and walks it window by window (the view's window set with
/// `set_window`, then every cell read), each window once the previous one is complete, checking
/// column 1's text; `first_ns` is the time to the first complete window. mchange waits for the
/// first window, then starts the clock and has the source rewrite cells of it until the last
/// value has arrived.
async fn model_scenario(o: &Opts, node: &Node, bench: &Replica) -> (Measure, u64) {
    let scroll = o.scenario == "mscroll";
    // `start()` is sent, not awaited, as the Qt peer does.
    let start = |b: Replica| {
        tokio::spawn(async move { b.call("start", vec![]).await.unwrap_or_else(|e| fail(format!("start: {e}"))) })
    };
    let mut m = Measure::begin();
    if scroll {
        start(bench.clone());
    }
    let model = node.acquire_model(MODEL_NAME, ModelReplicaOptions::default());
    let mut events = model.events();
    let mut window_start = 0;
    let mut window_set = -1;
    let mut changing = false;
    let last_row = ((o.count - 1) % WINDOW as u64) as i32;
    let want = cell_text(last_row, 0, o.count as i64);
    loop {
        if let Some(rows) = model.row_count(&[]).filter(|&n| n > 0) {
            let window = window_start..(window_start + WINDOW).min(rows);
            if window_set != window_start {
                model.set_window(&[], window.clone());
                window_set = window_start;
            }
            if scroll {
                if window_complete(&model, window.clone()) {
                    m.first_ns.get_or_insert_with(|| m.t0.elapsed().as_nanos());
                    for r in window.clone() {
                        match model.data(&[ModelIndex::new(r, 1)], DISPLAY) {
                            Lookup::Cached(v) if v.as_str() == Some(cell_text(r, 1, 0).as_str()) => {}
                            _ => m.errors += 1,
                        }
                        m.count += 1;
                    }
                    window_start = window.end;
                    if window_start >= rows {
                        return (m, o.count);
                    }
                    continue;
                }
            } else if !changing {
                if window_complete(&model, window.clone()) {
                    changing = true;
                    m = Measure::begin();
                    start(bench.clone());
                }
            } else if let Lookup::Cached(v) = model.data(&[ModelIndex::new(last_row, 0)], DISPLAY) {
                if v.as_str() == Some(want.as_str()) && window_complete(&model, window) {
                    m.count = o.count;
                    return (m, o.count);
                }
            }
        }
        match events.recv().await {
            Some(ModelEvent::Error(e)) => fail(format!("model: {e}")),
            Some(_) => {}
            None => fail("model events ended"),
        }
    }
}
