//! A Rust peer process for the fault and load tests (`tests/faults.rs`, `tests/load_procs.rs`):
//! it plays one side of a QtRO connection in its own process, so a test can kill it (SIGKILL),
//! freeze it (SIGSTOP/SIGCONT) or run several of them at once.
//!
//! ```text
//! load_peer replica --url URL --replicas N --count K [--event-backlog E] [--timeout-ms T]
//! load_peer source  --url URL [--slow-ms MS] [--seq V]
//! load_peer caller  --url URL [--calls N] [--timeout-ms T]
//! ```
//!
//! All modes share the class `Load` (below): properties `seq` (int) and `text` (QString), signals
//! `tick(int n)` and `done(int n)`, slot `int add(int a, int b)`.
//!
//! - `replica`: N replicas of `Load`, each on its own node (its own connection). Prints
//!   `ready replicas=N` once all are Valid, then checks what the source sends: `seq` changes
//!   1, 2, … K in order, ticks 1 … K each exactly once and in order, then `done(K)`, at which
//!   point `seq` must be K and `text` must be `t{K}`. Prints one line
//!   `result replicas=N complete=C ticks=T changes=S errors=E ready_hwm_kb=R hwm_kb=H rss_kb=S elapsed_ms=M`
//!   (peak RSS once connected and at the end, current RSS at the end) and exits (0 when every replica is complete
//!   without errors, 1 otherwise); the first few problems are printed as `problem ...` lines
//!   before it. `--event-backlog` sets `NodeConfig::event_backlog` of every replica node (how
//!   many events may wait for a checker before its connection stops reading).
//! - `source`: hosts `Load` (slot `add` answers after `--slow-ms`), prints `ready url=URL`, then
//!   `invoked add A B` each time a call starts. Reads commands on stdin: `set seq V`,
//!   `set text S`, `emit tick N`, `run K` (the traffic `replica` mode checks, with `ready()`
//!   backpressure); each answered by `ok` once done.
//! - `caller`: one replica; prints `ready` when Valid, then makes N `add(i, 1)` calls at once,
//!   printing `calling N` and later `reply I VALUE` or `failed I ERROR` for each.
//!
//! Every mode exits when stdin reaches end of file (the test that started it is gone) or after
//! `--timeout-ms` (default 120 s), so no peer outlives its test.

use std::io::BufRead;
use std::time::{Duration, Instant};

use qtro_rs::core::{ReplicaState, Value};

#[path = "shared/load_class.rs"]
mod load_class;
use load_class::load_class;
use qtro_rs::node::{Node, NodeConfig, ReplicaEvent, SlotCall, Source};

struct Opts {
    mode: String,
    url: String,
    replicas: usize,
    count: i64,
    calls: usize,
    slow: Duration,
    seq: i32,
    event_backlog: Option<usize>,
    timeout: Duration,
}

fn fail(msg: impl std::fmt::Display) -> ! {
    println!("error {msg}");
    std::process::exit(3)
}

fn parse() -> Opts {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(mode) = args.first().cloned() else { fail("usage: load_peer replica|source|caller --url URL [options]") };
    let mut o = Opts {
        mode,
        url: String::new(),
        replicas: 1,
        count: 0,
        calls: 1,
        slow: Duration::ZERO,
        seq: 0,
        event_backlog: None,
        timeout: Duration::from_secs(120),
    };
    let num = |v: &str| v.parse::<i64>().unwrap_or_else(|_| fail(format!("not a number: {v}")));
    for kv in args[1..].chunks(2) {
        let [k, v] = kv else { fail(format!("option {} needs a value", kv[0])) };
        match k.as_str() {
            "--url" => o.url = v.clone(),
            "--replicas" => o.replicas = num(v).max(1) as usize,
            "--count" => o.count = num(v),
            "--calls" => o.calls = num(v).max(1) as usize,
            "--slow-ms" => o.slow = Duration::from_millis(num(v) as u64),
            "--seq" => o.seq = num(v) as i32,
            "--event-backlog" => o.event_backlog = Some(num(v).max(1) as usize),
            "--timeout-ms" => o.timeout = Duration::from_millis(num(v) as u64),
            _ => fail(format!("unknown option {k}")),
        }
    }
    if o.url.is_empty() {
        fail("--url is required");
    }
    o
}

/// A `kB` figure of /proc/self/status: `VmHWM:` (peak resident set size) or `VmRSS:` (current).
fn status_kb(field: &str) -> i64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with(field)).and_then(|l| l.split_whitespace().nth(1)?.parse().ok()))
        .unwrap_or(-1)
}

fn hwm_kb() -> i64 {
    status_kb("VmHWM:")
}

fn main() {
    let o = parse();
    let timeout = o.timeout;
    std::thread::spawn(move || {
        std::thread::sleep(timeout);
        fail("timeout");
    });
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap_or_else(|e| fail(e));
    // Commands (source mode) come on stdin; end of file means the test is gone.
    let (cmd_tx, cmd_rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            let _ = cmd_tx.send(line);
        }
        std::process::exit(0);
    });
    let code = match o.mode.as_str() {
        "replica" => rt.block_on(replica(&o)),
        "source" => rt.block_on(source(&o, cmd_rx)),
        "caller" => rt.block_on(caller(&o)),
        m => fail(format!("unknown mode {m}")),
    };
    // Leave without tearing down nodes and connections one by one.
    std::process::exit(code);
}

async fn source(o: &Opts, mut commands: tokio::sync::mpsc::UnboundedReceiver<String>) -> i32 {
    let node = Node::new();
    let url = node.listen(&o.url).await.unwrap_or_else(|e| fail(e));
    let slow = o.slow;
    let source = node
        .enable_source("Load", load_class(), move |call: SlotCall| async move {
            let a: Vec<i64> = call.args.iter().filter_map(Value::as_i64).collect();
            println!("invoked {} {}", call.name, a.iter().map(i64::to_string).collect::<Vec<_>>().join(" "));
            tokio::time::sleep(slow).await;
            Value::Int(a.iter().sum::<i64>() as i32)
        })
        .unwrap_or_else(|e| fail(e));
    source.set_property("seq", Value::Int(o.seq)).unwrap_or_else(|e| fail(e));
    println!("ready url={url}");
    while let Some(line) = commands.recv().await {
        let words: Vec<&str> = line.split_whitespace().collect();
        let done = match words.as_slice() {
            ["set", "seq", v] => {
                v.parse::<i32>().ok().and_then(|v| source.set_property("seq", Value::Int(v)).ok()).is_some()
            }
            ["set", "text", s] => source.set_property("text", Value::string(*s)).is_ok(),
            ["emit", "tick", n] => {
                n.parse::<i32>().ok().and_then(|n| source.emit("tick", vec![Value::Int(n)]).ok()).is_some()
            }
            ["run", k] => match k.parse::<i32>() {
                Ok(k) => {
                    produce(&source, k).await;
                    true
                }
                Err(_) => false,
            },
            _ => false,
        };
        println!("{}", if done { "ok" } else { "error bad command" });
    }
    0
}

/// What `replica` mode checks: `seq` and `tick` 1..=k, `text` every tenth step and at the end,
/// then `done(k)`; `ready()` every 20 steps.
async fn produce(source: &Source, k: i32) {
    for n in 1..=k {
        let _ = source.set_property("seq", Value::Int(n));
        let _ = source.emit("tick", vec![Value::Int(n)]);
        if n % 10 == 0 || n == k {
            let _ = source.set_property("text", Value::string(format!("t{n}")));
        }
        if n % 20 == 0 {
            source.ready().await;
        }
    }
    let _ = source.emit("done", vec![Value::Int(k)]);
}

async fn caller(o: &Opts) -> i32 {
    let node = Node::new();
    node.connect_to(&o.url).unwrap_or_else(|e| fail(e));
    let replica = node.acquire_dynamic("Load");
    replica.wait_for_source(o.timeout).await.unwrap_or_else(|e| fail(e));
    println!("ready");
    println!("calling {}", o.calls);
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..o.calls {
        let r = replica.clone();
        tasks.spawn(async move {
            match r.call("add", vec![Value::Int(i as i32), Value::Int(1)]).await {
                Ok(v) => println!("reply {i} {}", v.as_i64().unwrap_or(-1)),
                Err(e) => println!("failed {i} {e}"),
            }
        });
    }
    while tasks.join_next().await.is_some() {}
    // Stay connected until the test kills us or closes stdin.
    std::future::pending::<()>().await;
    0
}

/// What one replica saw.
#[derive(Default)]
struct Tally {
    ticks: u64,
    changes: u64,
    errors: u64,
    complete: bool,
    problems: Vec<String>,
}

async fn replica(o: &Opts) -> i32 {
    let started = Instant::now();
    let count = o.count;
    let mut nodes = Vec::new();
    let mut replicas = Vec::new();
    let mut config = NodeConfig::default();
    if let Some(e) = o.event_backlog {
        config.event_backlog = e;
    }
    for _ in 0..o.replicas {
        let node = Node::with_config(config.clone());
        node.connect_to(&o.url).unwrap_or_else(|e| fail(e));
        // Subscribed before the replica can initialize: nothing is missed.
        replicas.push(node.acquire_dynamic_with_events("Load"));
        nodes.push(node);
    }
    for (i, (r, _)) in replicas.iter().enumerate() {
        r.wait_for_source(o.timeout).await.unwrap_or_else(|e| fail(format!("replica {i}: {e}")));
    }
    let mut checkers = Vec::new();
    for (i, (replica, mut events)) in replicas.into_iter().enumerate() {
        checkers.push(tokio::spawn(async move {
            let mut t = Tally::default();
            let (mut next_tick, mut last_seq) = (1i64, 0i64);
            let problem = |t: &mut Tally, p: String| {
                t.errors += 1;
                if t.problems.len() < 3 {
                    t.problems.push(format!("replica={i} {p}"));
                }
            };
            let mut valid_seen = false;
            while let Some(e) = events.recv().await {
                match e {
                    ReplicaEvent::StateChanged { new, .. } if new == ReplicaState::Valid && !valid_seen => {
                        valid_seen = true
                    }
                    ReplicaEvent::StateChanged { old, new } => {
                        problem(&mut t, format!("state {old:?} -> {new:?} after the first init"))
                    }
                    ReplicaEvent::Initialized if valid_seen => {
                        problem(&mut t, "initialized again (reconnected?)".into())
                    }
                    ReplicaEvent::PropertyChanged { name, value, .. } if name == "seq" => {
                        t.changes += 1;
                        let v = value.as_i64().unwrap_or(-1);
                        if v != last_seq + 1 {
                            problem(&mut t, format!("seq {v} after {last_seq}"));
                        }
                        last_seq = v;
                    }
                    ReplicaEvent::Signal { name, args, property_index: None, .. } if name == "tick" => {
                        t.ticks += 1;
                        let n = args.first().and_then(Value::as_i64).unwrap_or(-1);
                        if n != next_tick {
                            problem(&mut t, format!("tick {n} where {next_tick} was due"));
                        }
                        next_tick = n + 1;
                    }
                    ReplicaEvent::Signal { name, args, property_index: None, .. } if name == "done" => {
                        let k = args.first().and_then(Value::as_i64).unwrap_or(-1);
                        let seq = replica.property("seq").and_then(|v| v.as_i64());
                        let text = replica.property("text");
                        let want_text = Value::string(format!("t{count}"));
                        if k != count
                            || next_tick != count + 1
                            || t.ticks != count as u64
                            || seq != Some(count)
                            || text.as_ref() != Some(&want_text)
                        {
                            let ticks = t.ticks;
                            problem(
                                &mut t,
                                format!("done({k}): ticks {ticks} (next {next_tick}), seq {seq:?}, text {text:?}"),
                            );
                        }
                        t.complete = t.errors == 0;
                        break;
                    }
                    _ => {}
                }
            }
            t
        }));
    }
    let ready_kb = hwm_kb();
    println!("ready replicas={}", o.replicas);
    let (mut complete, mut ticks, mut changes, mut errors) = (0, 0, 0, 0);
    for c in checkers {
        let t = c.await.unwrap_or_else(|e| fail(format!("checker panicked: {e}")));
        complete += t.complete as usize;
        ticks += t.ticks;
        changes += t.changes;
        errors += t.errors;
        for p in t.problems {
            println!("problem {p}");
        }
    }
    println!(
        "result replicas={} complete={complete} ticks={ticks} changes={changes} errors={errors} ready_hwm_kb={ready_kb} hwm_kb={} rss_kb={} elapsed_ms={}",
        o.replicas,
        hwm_kb(),
        status_kb("VmRSS:"),
        started.elapsed().as_millis()
    );
    drop(nodes);
    if complete == o.replicas && errors == 0 {
        0
    } else {
        1
    }
}
