//! Benchmark driver: qtro_rs against stock Qt Remote Objects, side by side.
//!
//! Runs every scenario for each pairing (Rust<->Rust, Rust source->Qt replica, Qt source->Rust
//! replica, Qt<->Qt) over tcp loopback and local sockets, several repetitions each, and prints
//! medians with their spread, the ratio to Qt<->Qt measured in the same run, CPU time and peak RSS
//! of every process; writes the same as Markdown (bench/RESULTS.md).
//!
//! Normally started by `bash bench/run.sh`, which builds the two peer programs first:
//! `examples/bench_peer.rs` (Rust) and `qt-interop/bench` (stock Qt). Only the standard library is
//! used, so the driver builds with plain `rustc` as well as with `cargo bench --bench interop`
//! (a `harness = false` bench target). Without `--run` (or cargo's `--bench`) it does nothing, so
//! `cargo test --all-targets` never runs benchmarks.
//!
//! Options: --quick, --reps N, --scenarios a,b, --transports tcp,local, --pairs RR,RQ,QR,QQ,
//! --qt 5|6, --rust-peer PATH, --qt-peer PATH, --rust-args "ARGS", --qt-args "ARGS", --out PATH,
//! --timeout SECONDS (per run, overrides the scenario's).
#![cfg_attr(test, allow(dead_code))]

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

// ------------------------------------------------------------------------------------------------
// What is measured

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Items per second (higher is better).
    Rate,
    /// MiB per second (higher is better).
    Mibps,
    /// Median latency of one operation (lower is better).
    P50,
    /// 99th percentile latency (lower is better).
    P99,
    /// Time to a first result, e.g. the first screen of a model (lower is better).
    First,
}

struct Scenario {
    id: &'static str,
    title: &'static str,
    unit: &'static str,
    count: u64,
    quick_count: u64,
    /// Rows of the results table computed from this scenario's runs.
    rows: &'static [Kind],
    /// Replica processes play `replicas` replicas (fan-out).
    replicas: u32,
    /// Run timeout, seconds.
    timeout: u64,
}

const SCENARIOS: &[Scenario] = &[
    Scenario {
        id: "prop",
        title: "1. property changes (int)",
        unit: "changes/s",
        count: 100_000,
        quick_count: 20_000,
        rows: &[Kind::Rate],
        replicas: 1,
        timeout: 60,
    },
    Scenario {
        id: "sig",
        title: "2. signals (int, 16-char QString)",
        unit: "signals/s",
        count: 100_000,
        quick_count: 20_000,
        rows: &[Kind::Rate],
        replicas: 1,
        timeout: 60,
    },
    Scenario {
        id: "rtt",
        title: "3a. slot round trip, sequential",
        unit: "",
        count: 10_000,
        quick_count: 2_000,
        rows: &[Kind::P50, Kind::P99],
        replicas: 1,
        timeout: 60,
    },
    Scenario {
        id: "pipe",
        title: "3b. slot calls, pipelined (256 in flight)",
        unit: "calls/s",
        count: 100_000,
        quick_count: 20_000,
        rows: &[Kind::Rate],
        replicas: 1,
        timeout: 60,
    },
    Scenario {
        id: "bulk",
        title: "4. bulk: 1 MiB QByteArray property",
        unit: "MiB/s",
        count: 200,
        quick_count: 50,
        rows: &[Kind::Mibps],
        replicas: 1,
        timeout: 90,
    },
    Scenario {
        id: "init1",
        title: "5a. acquire -> initialized, 1 property (static)",
        unit: "",
        count: 2_000,
        quick_count: 300,
        rows: &[Kind::P50],
        replicas: 1,
        timeout: 60,
    },
    Scenario {
        id: "init200",
        title: "5b. acquire -> initialized, dynamic, 200 properties",
        unit: "",
        count: 200,
        quick_count: 30,
        rows: &[Kind::P50],
        replicas: 1,
        timeout: 90,
    },
    Scenario {
        id: "fanout",
        title: "6. fan-out: 1 source, 50 replicas, signals",
        unit: "deliveries/s",
        count: 10_000,
        quick_count: 2_000,
        rows: &[Kind::Rate],
        replicas: 50,
        timeout: 90,
    },
    Scenario {
        id: "mscroll",
        title: "7a. model: scroll 100 000 rows x 2 columns, windows of 50",
        unit: "rows/s",
        count: 100_000,
        quick_count: 10_000,
        rows: &[Kind::Rate, Kind::First],
        replicas: 1,
        timeout: 120,
    },
    Scenario {
        id: "mchange",
        title: "7b. model: dataChanged of a visible cell, followed",
        unit: "updates/s",
        count: 20_000,
        quick_count: 5_000,
        rows: &[Kind::Rate],
        replicas: 1,
        timeout: 60,
    },
];

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Impl {
    Rust,
    Qt,
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Pair {
    source: Impl,
    replica: Impl,
}

impl Pair {
    fn key(self) -> &'static str {
        match (self.source, self.replica) {
            (Impl::Rust, Impl::Rust) => "RR",
            (Impl::Rust, Impl::Qt) => "RQ",
            (Impl::Qt, Impl::Rust) => "QR",
            (Impl::Qt, Impl::Qt) => "QQ",
        }
    }
    fn title(self) -> &'static str {
        match self.key() {
            "RR" => "Rust<->Rust",
            "RQ" => "Rust src->Qt rep",
            "QR" => "Qt src->Rust rep",
            _ => "Qt<->Qt",
        }
    }
    fn from_key(k: &str) -> Option<Pair> {
        let imp = |c| match c {
            'R' => Some(Impl::Rust),
            'Q' => Some(Impl::Qt),
            _ => None,
        };
        let mut ch = k.chars();
        let p = Pair { source: imp(ch.next()?)?, replica: imp(ch.next()?)? };
        ch.next().is_none().then_some(p)
    }
}

const ALL_PAIRS: [Pair; 4] = [
    Pair { source: Impl::Rust, replica: Impl::Rust },
    Pair { source: Impl::Rust, replica: Impl::Qt },
    Pair { source: Impl::Qt, replica: Impl::Rust },
    Pair { source: Impl::Qt, replica: Impl::Qt },
];
const QQ: Pair = Pair { source: Impl::Qt, replica: Impl::Qt };
const RR: Pair = Pair { source: Impl::Rust, replica: Impl::Rust };

// ------------------------------------------------------------------------------------------------
// Options

struct Opts {
    reps: usize,
    quick: bool,
    scenarios: Vec<&'static Scenario>,
    transports: Vec<String>,
    pairs: Vec<Pair>,
    qt_major: u32,
    rust_peer: PathBuf,
    qt_peer: PathBuf,
    rust_args: Vec<String>,
    qt_args: Vec<String>,
    out: PathBuf,
    raw: PathBuf,
    command_line: String,
    /// Overrides the per-scenario run timeout (seconds).
    timeout: Option<u64>,
}

fn parse_opts() -> Option<Opts> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // `cargo bench` passes --bench; `cargo test --all-targets` runs us without it: do nothing then.
    if !args.iter().any(|a| a == "--run" || a == "--bench") {
        println!("qtro_rs interop benchmarks: not run (use `bash bench/run.sh`, or pass --run)");
        return None;
    }
    let mut o = Opts {
        reps: 7,
        quick: false,
        scenarios: SCENARIOS.iter().collect(),
        transports: vec!["tcp".into(), "local".into()],
        pairs: ALL_PAIRS.to_vec(),
        qt_major: 6,
        rust_peer: "target/release/examples/bench_peer".into(),
        qt_peer: PathBuf::new(),
        rust_args: Vec::new(),
        qt_args: Vec::new(),
        out: "bench/RESULTS.md".into(),
        raw: PathBuf::new(),
        command_line: String::new(),
        timeout: None,
    };
    let mut reps = None;
    let mut out = None;
    let mut qt_peer = None;
    let mut shown = vec!["bash bench/run.sh".to_string()];
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        let mut val = || {
            i += 1;
            args.get(i).cloned().unwrap_or_else(|| die(&format!("{a} needs a value")))
        };
        match a {
            "--run" | "--bench" => {}
            "--quick" => {
                o.quick = true;
                shown.push(a.into());
            }
            "--reps" => {
                let v = val();
                reps = Some(v.parse().unwrap_or_else(|_| die("--reps N")));
                shown.push(format!("--reps {v}"));
            }
            "--scenarios" => {
                let v = val();
                o.scenarios = v
                    .split(',')
                    .map(|s| {
                        SCENARIOS.iter().find(|x| x.id == s).unwrap_or_else(|| die(&format!("unknown scenario {s}")))
                    })
                    .collect();
                shown.push(format!("--scenarios {v}"));
            }
            "--transports" => {
                let v = val();
                o.transports = v.split(',').map(String::from).collect();
                if o.transports.iter().any(|t| t != "tcp" && t != "local") {
                    die("transports are tcp and local");
                }
                shown.push(format!("--transports {v}"));
            }
            "--pairs" => {
                let v = val();
                o.pairs = v
                    .split(',')
                    .map(|p| Pair::from_key(p).unwrap_or_else(|| die(&format!("unknown pair {p}"))))
                    .collect();
                shown.push(format!("--pairs {v}"));
            }
            "--qt" => {
                let v = val();
                o.qt_major = v.parse().unwrap_or_else(|_| die("--qt 5|6"));
                shown.push(format!("--qt {v}"));
            }
            "--rust-peer" => o.rust_peer = val().into(),
            "--qt-peer" => qt_peer = Some(PathBuf::from(val())),
            "--rust-args" => {
                let v = val();
                o.rust_args = v.split_whitespace().map(String::from).collect();
                shown.push(format!("--rust-args \"{v}\""));
            }
            "--qt-args" => {
                let v = val();
                o.qt_args = v.split_whitespace().map(String::from).collect();
                shown.push(format!("--qt-args \"{v}\""));
            }
            "--out" => out = Some(PathBuf::from(val())),
            "--timeout" => o.timeout = Some(val().parse().unwrap_or_else(|_| die("--timeout SECONDS"))),
            other => die(&format!("unknown option {other}")),
        }
        i += 1;
    }
    o.reps = reps.unwrap_or(if o.quick { 1 } else { 7 }).max(1);
    o.qt_peer = qt_peer.unwrap_or_else(|| format!("target/qt-interop/bench-qt{}/qtro_qt_bench", o.qt_major).into());
    // A quick smoke run never overwrites the committed results.
    o.out =
        out.unwrap_or_else(|| if o.quick { "target/bench/RESULTS-quick.md".into() } else { "bench/RESULTS.md".into() });
    let stem = o.out.file_stem().map_or("RESULTS".into(), |s| s.to_string_lossy().into_owned());
    o.raw = PathBuf::from(format!("target/bench/{stem}.csv"));
    o.command_line = shown.join(" ");
    for p in [&o.rust_peer, &o.qt_peer] {
        if !p.exists() {
            die(&format!("{} is missing: build it with `bash bench/run.sh`", p.display()));
        }
    }
    Some(o)
}

fn die(msg: &str) -> ! {
    eprintln!("bench: {msg}");
    std::process::exit(2)
}

// ------------------------------------------------------------------------------------------------
// Running one pair of processes

#[derive(Clone, Default, Debug)]
struct Usage {
    user_us: f64,
    sys_us: f64,
    hwm_kb: f64,
}

impl Usage {
    fn cpu_ms(&self) -> f64 {
        (self.user_us + self.sys_us) / 1000.0
    }
}

#[derive(Clone, Default, Debug)]
struct Outcome {
    result: BTreeMap<String, f64>,
    source: Usage,
    replica: Usage,
    /// CPUs kept busy by other processes during the run (everything but the driver and its peers).
    background: f64,
}

impl Outcome {
    fn get(&self, k: &str) -> f64 {
        self.result.get(k).copied().unwrap_or(f64::NAN)
    }

    fn metric(&self, kind: Kind) -> f64 {
        let secs = self.get("elapsed_ns") / 1e9;
        match kind {
            Kind::Rate => self.get("count") / secs,
            Kind::Mibps => self.get("bytes") / (1024.0 * 1024.0) / secs,
            Kind::P50 => self.get("p50_ns"),
            Kind::P99 => self.get("p99_ns"),
            Kind::First => self.get("first_ns"),
        }
    }

    /// Items the replica did not observe, plus order/content errors.
    fn anomalies(&self) -> (f64, f64) {
        (self.get("expected") - self.get("count"), self.get("errors"))
    }
}

enum Msg {
    Line(&'static str, String),
    Eof(&'static str),
}

struct Proc {
    child: Child,
    stdin: Option<ChildStdin>,
    stderr: Arc<Mutex<Vec<String>>>,
}

impl Proc {
    fn spawn(
        tag: &'static str,
        program: &PathBuf,
        args: &[String],
        tx: std::sync::mpsc::Sender<Msg>,
    ) -> Result<Proc, String> {
        let mut child = Command::new(program)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", program.display()))?;
        let stdout = child.stdout.take().expect("piped");
        let stderr = child.stderr.take().expect("piped");
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(Msg::Line(tag, line)).is_err() {
                    return;
                }
            }
            let _ = tx.send(Msg::Eof(tag));
        });
        let err_lines = Arc::new(Mutex::new(Vec::new()));
        let sink = err_lines.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                let mut v = sink.lock().unwrap();
                if v.len() < 40 {
                    v.push(line);
                }
            }
        });
        let stdin = child.stdin.take();
        Ok(Proc { child, stdin, stderr: err_lines })
    }

    /// Ends the process: closes stdin, waits a little, then kills it by PID.
    fn finish(mut self, grace: Duration) {
        drop(self.stdin.take());
        let deadline = Instant::now() + grace;
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    fn stderr_tail(&self) -> String {
        let v = self.stderr.lock().unwrap();
        v.iter().rev().take(5).rev().cloned().collect::<Vec<_>>().join(" | ")
    }
}

fn kv(line: &str) -> BTreeMap<String, f64> {
    line.split_whitespace()
        .skip(1)
        .filter_map(|w| w.split_once('='))
        .filter_map(|(k, v)| Some((k.to_string(), v.parse().ok()?)))
        .collect()
}

fn usage_of(line: &str) -> Usage {
    let m = kv(line);
    let g = |k: &str| m.get(k).copied().unwrap_or(f64::NAN);
    Usage { user_us: g("user_us"), sys_us: g("sys_us"), hwm_kb: g("hwm_kb") }
}

struct RunCtx<'a> {
    opts: &'a Opts,
    counter: usize,
    qt_version: String,
    /// Seconds left for waiting until the machine is quiet (other processes share it).
    quiet_budget: f64,
    waited: f64,
}

impl RunCtx<'_> {
    /// Waits (within a total budget) until other processes use less than `max_busy` CPUs, sampled
    /// over 200 ms, so that runs land in quiet moments of a shared machine.
    fn wait_quiet(&mut self, max_busy: f64) {
        let started = Instant::now();
        let limit = self.quiet_budget.min(5.0);
        loop {
            let (b0, _) = cpu_ticks();
            std::thread::sleep(Duration::from_millis(200));
            let (b1, _) = cpu_ticks();
            let busy = (b1 - b0) / 100.0 / 0.2;
            if busy <= max_busy || started.elapsed().as_secs_f64() >= limit {
                break;
            }
        }
        let w = started.elapsed().as_secs_f64() - 0.2;
        self.quiet_budget = (self.quiet_budget - w).max(0.0);
        self.waited += w;
    }

    fn run(&mut self, sc: &Scenario, transport: &str, pair: Pair) -> Result<Outcome, String> {
        self.counter += 1;
        let o = self.opts;
        let count = if o.quick { sc.quick_count } else { sc.count };
        let listen = match transport {
            "tcp" => "tcp://127.0.0.1:0".to_string(),
            _ => format!("local:qtrobench-{}-{}", std::process::id(), self.counter),
        };
        let timeout = Duration::from_secs(o.timeout.unwrap_or(sc.timeout).max(3));
        let peer = |imp: Impl, role: &str, url: &str| -> (PathBuf, Vec<String>) {
            let mut a: Vec<String> = vec![role.into(), "--url".into(), url.into(), "--scenario".into(), sc.id.into()];
            a.extend([
                "--count".into(),
                count.to_string(),
                "--timeout-ms".into(),
                (timeout.as_millis() as u64 - 2000).to_string(),
            ]);
            if sc.replicas > 1 && role == "replica" {
                a.extend(["--replicas".into(), sc.replicas.to_string()]);
            }
            match imp {
                Impl::Rust => {
                    if o.qt_major == 5 {
                        a.extend(["--dialect".into(), "qt5".into()]);
                    }
                    a.extend(o.rust_args.iter().cloned());
                    (o.rust_peer.clone(), a)
                }
                Impl::Qt => {
                    a.extend(o.qt_args.iter().cloned());
                    (o.qt_peer.clone(), a)
                }
            }
        };

        self.wait_quiet(0.3);
        let (busy0, ours0) = cpu_ticks();
        let wall0 = Instant::now();
        let (tx, rx) = channel();
        let (prog, args) = peer(pair.source, "source", &listen);
        let source = Proc::spawn("source", &prog, &args, tx.clone())?;
        let mut out = Outcome::default();
        let mut replica: Option<Proc> = None;
        let res = (|| -> Result<(), String> {
            // 1. The source listens.
            let url = loop {
                match recv(&rx, Duration::from_secs(20))? {
                    Msg::Line("source", l) if l.starts_with("ready ") => {
                        let url = l
                            .split_whitespace()
                            .find_map(|w| w.strip_prefix("url="))
                            .ok_or("ready without url")?
                            .to_string();
                        if let Some(v) = l.split_whitespace().find_map(|w| w.strip_prefix("impl=qt")) {
                            self.qt_version = v.to_string();
                        }
                        break url;
                    }
                    Msg::Line(_, l) if l.starts_with("error") => return Err(format!("source: {l}")),
                    Msg::Eof(_) => return Err("source exited before listening".into()),
                    _ => {}
                }
            };
            // 2. The replica runs the scenario and reports; the source reports when done() arrives.
            let (prog, args) = peer(pair.replica, "replica", &url);
            replica = Some(Proc::spawn("replica", &prog, &args, tx.clone())?);
            let deadline = Instant::now() + timeout;
            let (mut got_result, mut got_rep_usage, mut got_src_usage) = (false, false, false);
            while !(got_result && got_rep_usage && got_src_usage) {
                let left = deadline.saturating_duration_since(Instant::now());
                match recv(&rx, left)? {
                    Msg::Line(who, l) if l.starts_with("error") => return Err(format!("{who}: {l}")),
                    Msg::Line("replica", l) if l.starts_with("result ") => {
                        out.result = kv(&l);
                        got_result = true;
                    }
                    Msg::Line("replica", l) if l.starts_with("usage ") => {
                        out.replica = usage_of(&l);
                        got_rep_usage = true;
                    }
                    Msg::Line("source", l) if l.starts_with("usage ") => {
                        out.source = usage_of(&l);
                        got_src_usage = true;
                    }
                    Msg::Eof("replica") if !(got_result && got_rep_usage) => {
                        return Err("replica exited without reporting".into())
                    }
                    Msg::Eof("source") if !got_src_usage => return Err("source exited without reporting".into()),
                    _ => {}
                }
            }
            Ok(())
        })();
        let detail = |p: &Option<Proc>, s: &Proc| {
            let mut d = String::new();
            let st = s.stderr_tail();
            if !st.is_empty() {
                d += &format!(" [source stderr: {st}]");
            }
            if let Some(r) = p {
                let rt = r.stderr_tail();
                if !rt.is_empty() {
                    d += &format!(" [replica stderr: {rt}]");
                }
            }
            d
        };
        let res = res.map_err(|e| e + &detail(&replica, &source));
        if let Some(r) = replica {
            r.finish(Duration::from_secs(if res.is_ok() { 5 } else { 0 }));
        }
        source.finish(Duration::from_secs(if res.is_ok() { 5 } else { 0 }));
        if let Some(name) = listen.strip_prefix("local:") {
            let _ = std::fs::remove_file(std::env::temp_dir().join(name));
        }
        let (busy1, ours1) = cpu_ticks();
        out.background = (((busy1 - busy0) - (ours1 - ours0)) / 100.0 / wall0.elapsed().as_secs_f64()).max(0.0);
        res.map(|()| out)
    }
}

/// Busy jiffies of the whole machine, and CPU jiffies of this process plus its reaped children
/// (USER_HZ = 100 on Linux).
fn cpu_ticks() -> (f64, f64) {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let busy = stat
        .lines()
        .next()
        .map(|l| {
            let v: Vec<f64> = l.split_whitespace().skip(1).filter_map(|x| x.parse().ok()).collect();
            // user nice system idle iowait irq softirq steal ...
            v.iter().enumerate().filter(|(i, _)| *i != 3 && *i != 4 && *i < 8).map(|(_, x)| x).sum()
        })
        .unwrap_or(0.0);
    let me = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name: utime stime cutime cstime are fields 14..17 (1-based).
    let ours = me
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().skip(11).take(4).filter_map(|x| x.parse::<f64>().ok()).sum())
        .unwrap_or(0.0);
    (busy, ours)
}

fn recv(rx: &Receiver<Msg>, timeout: Duration) -> Result<Msg, String> {
    rx.recv_timeout(timeout).map_err(|e| match e {
        RecvTimeoutError::Timeout => format!("timed out after {:.0} s", timeout.as_secs_f64()),
        RecvTimeoutError::Disconnected => "peer output closed".to_string(),
    })
}

// ------------------------------------------------------------------------------------------------
// Statistics and formatting

#[derive(Clone, Copy)]
struct Stat {
    median: f64,
    q1: f64,
    q3: f64,
    max: f64,
    n: usize,
}

fn stat(values: &[f64]) -> Option<Stat> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let n = v.len();
    // Linearly interpolated quantile.
    let q = |p: f64| {
        let x = p * (n - 1) as f64;
        let (i, f) = (x.floor() as usize, x.fract());
        if i + 1 < n {
            v[i] + (v[i + 1] - v[i]) * f
        } else {
            v[i]
        }
    };
    Some(Stat { median: q(0.5), q1: q(0.25), q3: q(0.75), max: v[n - 1], n })
}

impl Stat {
    /// Half the interquartile range, relative to the median, in percent.
    fn spread_pct(&self) -> f64 {
        if self.median == 0.0 {
            0.0
        } else {
            (self.q3 - self.q1) / 2.0 / self.median * 100.0
        }
    }
}

fn fmt_rate(v: f64) -> String {
    if v >= 1e6 {
        format!("{:.2}M", v / 1e6)
    } else if v >= 1e3 {
        format!("{:.0}k", v / 1e3)
    } else {
        format!("{v:.0}")
    }
}

fn fmt_ns(ns: f64) -> String {
    if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else {
        format!("{:.1} us", ns / 1e3)
    }
}

fn fmt_value(kind: Kind, v: f64) -> String {
    match kind {
        Kind::Rate => fmt_rate(v),
        Kind::Mibps => format!("{v:.0}"),
        Kind::P50 | Kind::P99 | Kind::First => fmt_ns(v),
    }
}

fn higher_is_better(kind: Kind) -> bool {
    matches!(kind, Kind::Rate | Kind::Mibps)
}

/// How many times better than Qt<->Qt (> 1: better).
fn ratio(kind: Kind, x: f64, qq: f64) -> f64 {
    if higher_is_better(kind) {
        x / qq
    } else {
        qq / x
    }
}

fn row_label(sc: &Scenario, kind: Kind) -> String {
    match kind {
        Kind::Rate => format!("{} [{}]", sc.title, sc.unit),
        Kind::Mibps => format!("{} [MiB/s]", sc.title),
        Kind::P50 => format!("{} [median]", sc.title),
        Kind::P99 => format!("{} [p99]", sc.title),
        Kind::First => format!("{} [first screen]", sc.title),
    }
}

/// Targets for Rust<->Rust relative to Qt<->Qt (issue 6).
fn target(sc: &Scenario, kind: Kind) -> Option<(f64, &'static str)> {
    match (sc.id, kind) {
        ("prop" | "sig" | "fanout", Kind::Rate) => Some((4.0, ">= 4x")),
        ("pipe", Kind::Rate) | ("bulk", Kind::Mibps) => Some((2.0, ">= 2x")),
        ("rtt", Kind::P50) => Some((1.0, "no slower")),
        ("init1" | "init200", Kind::P50) => Some((2.0, ">= 2x faster")),
        // Issue 20: a model replica scrolling and following changes.
        ("mscroll" | "mchange", Kind::Rate) => Some((2.0, ">= 2x")),
        ("mscroll", Kind::First) => Some((2.0, ">= 2x faster")),
        _ => None,
    }
}

type Key = (&'static str, String, Pair); // scenario, transport, pair

struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    fn markdown(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "| {} |", self.header.join(" | "));
        let _ = writeln!(
            s,
            "|{}",
            self.header.iter().enumerate().map(|(i, _)| if i == 0 { "---|" } else { "---:|" }).collect::<String>()
        );
        for r in &self.rows {
            let _ = writeln!(s, "| {} |", r.join(" | "));
        }
        s
    }

    fn text(&self) -> String {
        let cols = self.header.len();
        let width = |i: usize| {
            self.rows.iter().map(|r| r[i].chars().count()).chain([self.header[i].chars().count()]).max().unwrap_or(0)
        };
        let widths: Vec<usize> = (0..cols).map(width).collect();
        let line = |r: &[String]| {
            r.iter()
                .enumerate()
                .map(|(i, c)| {
                    let pad = widths[i] - c.chars().count();
                    if i == 0 {
                        format!("{c}{}", " ".repeat(pad))
                    } else {
                        format!("{}{c}", " ".repeat(pad))
                    }
                })
                .collect::<Vec<_>>()
                .join("  ")
        };
        let mut s = line(&self.header) + "\n";
        s += &widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>().join("  ");
        s += "\n";
        for r in &self.rows {
            s += &line(r);
            s += "\n";
        }
        s
    }
}

struct Report<'a> {
    opts: &'a Opts,
    runs: BTreeMap<Key, Vec<Outcome>>,
    failures: Vec<String>,
}

impl Report<'_> {
    fn stat(&self, sc: &Scenario, t: &str, p: Pair, f: impl Fn(&Outcome) -> f64) -> Option<Stat> {
        let v: Vec<f64> = self.runs.get(&(sc.id, t.to_string(), p))?.iter().map(f).collect();
        stat(&v)
    }

    fn main_table(&self) -> Table {
        let mut header = vec!["scenario".to_string(), "transport".to_string()];
        header.extend(self.opts.pairs.iter().map(|p| p.title().to_string()));
        let mut rows = Vec::new();
        for sc in &self.opts.scenarios {
            for &kind in sc.rows {
                for t in &self.opts.transports {
                    let mut row = vec![row_label(sc, kind), t.clone()];
                    let qq = self.stat(sc, t, QQ, |o| o.metric(kind));
                    for &p in &self.opts.pairs {
                        let cell = match self.stat(sc, t, p, |o| o.metric(kind)) {
                            None => "FAIL".to_string(),
                            Some(s) => {
                                let mut c = format!("{} ±{:.0}%", fmt_value(kind, s.median), s.spread_pct());
                                if p != QQ {
                                    if let Some(q) = qq {
                                        c += &format!(" (x{:.2})", ratio(kind, s.median, q.median));
                                    }
                                }
                                if s.n < self.opts.reps {
                                    c += &format!(" [{}/{} ok]", s.n, self.opts.reps);
                                }
                                c
                            }
                        };
                        row.push(cell);
                    }
                    rows.push(row);
                }
            }
        }
        Table { header, rows }
    }

    fn targets_table(&self) -> Table {
        let header =
            ["target (Rust<->Rust vs Qt<->Qt)", "transport", "Rust<->Rust", "Qt<->Qt", "ratio", "needed", "status"]
                .map(String::from)
                .to_vec();
        let mut rows = Vec::new();
        for sc in &self.opts.scenarios {
            for &kind in sc.rows {
                let Some((need, need_s)) = target(sc, kind) else { continue };
                for t in &self.opts.transports {
                    let rr = self.stat(sc, t, RR, |o| o.metric(kind));
                    let qq = self.stat(sc, t, QQ, |o| o.metric(kind));
                    let (a, b, r, st) = match (rr, qq) {
                        (Some(a), Some(b)) => {
                            let r = ratio(kind, a.median, b.median);
                            (
                                fmt_value(kind, a.median),
                                fmt_value(kind, b.median),
                                format!("x{r:.2}"),
                                if r >= need { "met" } else { "MISSED" },
                            )
                        }
                        _ => ("-".into(), "-".into(), "-".into(), "n/a"),
                    };
                    rows.push(vec![row_label(sc, kind), t.clone(), a, b, r, need_s.into(), st.into()]);
                }
            }
            if sc.id == "bulk" {
                for t in &self.opts.transports {
                    for p in [RR, Pair { source: Impl::Rust, replica: Impl::Qt }] {
                        if !self.opts.pairs.contains(&p) {
                            continue;
                        }
                        let s = self.stat(sc, t, p, |o| o.source.hwm_kb / 1024.0);
                        let q = self.stat(sc, t, QQ, |o| o.source.hwm_kb / 1024.0);
                        let (a, st) = match s {
                            Some(s) => (format!("{:.0} MiB", s.max), if s.max < 64.0 { "met" } else { "MISSED" }),
                            None => ("-".into(), "n/a"),
                        };
                        rows.push(vec![
                            format!("4. bulk: peak RSS of the Rust source ({})", p.title()),
                            t.clone(),
                            a,
                            q.map_or("-".into(), |q| format!("{:.0} MiB", q.max)),
                            "-".into(),
                            "< 64 MiB".into(),
                            st.into(),
                        ]);
                    }
                }
            }
        }
        Table { header, rows }
    }

    fn resources_table(&self) -> Table {
        let header = [
            "scenario",
            "transport",
            "pair",
            "source CPU ms",
            "replica CPU ms",
            "CPU us/op",
            "source peak RSS",
            "replica peak RSS",
        ]
        .map(String::from)
        .to_vec();
        let mut rows = Vec::new();
        for sc in &self.opts.scenarios {
            for t in &self.opts.transports {
                for &p in &self.opts.pairs {
                    let ops = |o: &Outcome| o.get("count");
                    let src = self.stat(sc, t, p, |o| o.source.cpu_ms());
                    let rep = self.stat(sc, t, p, |o| o.replica.cpu_ms());
                    let per = self.stat(sc, t, p, |o| (o.source.cpu_ms() + o.replica.cpu_ms()) * 1000.0 / ops(o));
                    let shw = self.stat(sc, t, p, |o| o.source.hwm_kb / 1024.0);
                    let rhw = self.stat(sc, t, p, |o| o.replica.hwm_kb / 1024.0);
                    let f = |s: Option<Stat>, prec: usize| s.map_or("-".into(), |s| format!("{:.*}", prec, s.median));
                    let mib = |s: Option<Stat>| s.map_or("-".into(), |s| format!("{:.0} MiB", s.max));
                    rows.push(vec![
                        sc.id.to_string(),
                        t.clone(),
                        p.key().to_string(),
                        f(src, 0),
                        f(rep, 0),
                        f(per, 2),
                        mib(shw),
                        mib(rhw),
                    ]);
                }
            }
        }
        Table { header, rows }
    }

    /// Load from other processes during the runs: median and max CPUs, runs above half a CPU.
    fn background(&self) -> String {
        let v: Vec<f64> = self.runs.values().flatten().map(|o| o.background).collect();
        match stat(&v) {
            None => "-".into(),
            Some(s) => {
                let busy = v.iter().filter(|x| **x > 0.5).count();
                format!(
                    "other processes kept {:.2} CPUs busy during a run (median; max {:.2}); {busy} of {} runs had more than 0.5 CPU of such noise",
                    s.median,
                    s.max,
                    v.len()
                )
            }
        }
    }

    fn anomalies(&self) -> Vec<String> {
        let mut v = self.failures.clone();
        for ((sc, t, p), outs) in &self.runs {
            for (i, o) in outs.iter().enumerate() {
                let (lost, errors) = o.anomalies();
                if lost > 0.0 || errors > 0.0 {
                    v.push(format!(
                        "{sc} {t} {} rep {}: {lost} notifications not observed, {errors} order/content errors",
                        p.key(),
                        i + 1
                    ));
                }
            }
        }
        v
    }
}

// ------------------------------------------------------------------------------------------------
// Machine description

fn sh(cmd: &str, args: &[&str]) -> String {
    Command::new(cmd)
        .args(args)
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}

fn machine() -> Vec<(String, String)> {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map(|x| x.1.trim().to_string())
        .unwrap_or_default();
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    let mem = std::fs::read_to_string("/proc/meminfo")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("MemTotal"))
        .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        .map_or(String::new(), |kb| format!("{:.1} GiB", kb / 1024.0 / 1024.0));
    let os = std::fs::read_to_string("/etc/os-release")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("PRETTY_NAME=").map(|s| s.trim_matches('"').to_string()))
        .unwrap_or_default();
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default().trim().to_string();
    let commit = sh("git", &["rev-parse", "--short", "HEAD"]);
    let dirty = if sh("git", &["status", "--porcelain", "--untracked-files=no"]).is_empty() {
        ""
    } else {
        " (with uncommitted changes)"
    };
    vec![
        ("date".into(), sh("date", &["-u", "+%Y-%m-%d %H:%M UTC"])),
        ("machine".into(), format!("{model}, {cores} CPUs, {mem} RAM")),
        ("os".into(), format!("{os}, Linux {kernel}")),
        ("rustc".into(), sh("rustc", &["--version"])),
        ("qtro_rs commit".into(), format!("{commit}{dirty}")),
    ]
}

// ------------------------------------------------------------------------------------------------

fn main() {
    let Some(opts) = parse_opts() else { return };
    let mut ctx = RunCtx {
        opts: &opts,
        counter: 0,
        qt_version: String::new(),
        quiet_budget: if opts.quick { 20.0 } else { 150.0 },
        waited: 0.0,
    };
    let mut report = Report { opts: &opts, runs: BTreeMap::new(), failures: Vec::new() };
    let started = Instant::now();
    let total = opts.scenarios.len() * opts.transports.len() * opts.pairs.len() * opts.reps;
    let mut done = 0;
    if let Some(dir) = opts.raw.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let mut raw = std::fs::File::create(&opts.raw).ok();
    if let Some(f) = raw.as_mut() {
        let _ = writeln!(f, "scenario,transport,pair,rep,elapsed_ns,count,expected,errors,bytes,p50_ns,p99_ns,max_ns,first_ns,src_user_us,src_sys_us,src_hwm_kb,rep_user_us,rep_sys_us,rep_hwm_kb,background_cpus");
    }
    eprintln!("bench: {total} runs ({} reps){}", opts.reps, if opts.quick { ", quick mode" } else { "" });
    for sc in &opts.scenarios {
        for t in &opts.transports {
            let mut line = format!("  {:<8} {:<6}", sc.id, t);
            for rep in 0..opts.reps {
                // Rotate the order of the pairs between repetitions so drift hits all alike.
                let n = opts.pairs.len();
                for k in 0..n {
                    let p = opts.pairs[(k + rep) % n];
                    done += 1;
                    match ctx.run(sc, t, p) {
                        Ok(o) => {
                            if let Some(f) = raw.as_mut() {
                                let g = |k: &str| o.result.get(k).map_or(String::new(), |v| format!("{v}"));
                                let _ = writeln!(
                                    f,
                                    "{},{t},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{:.2}",
                                    sc.id,
                                    p.key(),
                                    rep + 1,
                                    g("elapsed_ns"),
                                    g("count"),
                                    g("expected"),
                                    g("errors"),
                                    g("bytes"),
                                    g("p50_ns"),
                                    g("p99_ns"),
                                    g("max_ns"),
                                    g("first_ns"),
                                    o.source.user_us,
                                    o.source.sys_us,
                                    o.source.hwm_kb,
                                    o.replica.user_us,
                                    o.replica.sys_us,
                                    o.replica.hwm_kb,
                                    o.background
                                );
                            }
                            report.runs.entry((sc.id, t.clone(), p)).or_default().push(o);
                            line.push('.');
                        }
                        Err(e) => {
                            report.failures.push(format!("{} {t} {} rep {}: {e}", sc.id, p.key(), rep + 1));
                            line.push('x');
                        }
                    }
                }
            }
            eprintln!("{line}  [{done}/{total}, {:.0} s]", started.elapsed().as_secs_f64());
        }
    }

    let main_t = report.main_table();
    let targets_t = report.targets_table();
    let res_t = report.resources_table();
    let anomalies = report.anomalies();
    let mut info = machine();
    info.push((
        "Qt".into(),
        if ctx.qt_version.is_empty() {
            format!("Qt {}", opts.qt_major)
        } else {
            format!("Qt {} (distribution packages)", ctx.qt_version)
        },
    ));
    info.push((
        "background load".into(),
        format!("{}; {:.0} s spent waiting for quiet moments", report.background(), ctx.waited),
    ));
    info.push((
        "command".into(),
        format!("`{}` ({} repetitions, {:.0} s)", opts.command_line, opts.reps, started.elapsed().as_secs_f64()),
    ));

    println!();
    for (k, v) in &info {
        println!("{k:>15}: {v}");
    }
    println!("\nMedians ±half the interquartile range over {} repetitions; (xN) = how many times better than Qt<->Qt (throughput ratio, or latency speed-up).\n", opts.reps);
    print!("{}", main_t.text());
    println!();
    print!("{}", targets_t.text());
    println!();
    print!("{}", res_t.text());
    if !anomalies.is_empty() {
        println!("\nAnomalies:");
        for a in &anomalies {
            println!("  {a}");
        }
    }

    let mut md = String::new();
    let _ = writeln!(md, "# Benchmark results: qtro_rs and stock Qt Remote Objects\n");
    let _ = writeln!(md, "Produced by `bash bench/run.sh` (see bench/README.md for what each scenario measures).\n");
    for (k, v) in &info {
        let _ = writeln!(md, "- **{k}**: {v}");
    }
    let _ = writeln!(
        md,
        "\nEach cell: median over {} repetitions ± half the interquartile range (in % of the median); `(xN)`: how many times better than \
         Qt<->Qt in the same run (throughput ratio, or Qt latency / latency). Source and replica are separate \
         processes; Rust peers use a multi-threaded tokio runtime. Latencies (3a, 5a) depend heavily on how \
         fast an idle CPU wakes up, which on a virtual machine is slow and bimodal: see Caveats in bench/README.md.\n",
        opts.reps
    );
    let _ = writeln!(md, "## Results\n\n{}", main_t.markdown());
    let _ = writeln!(md, "## Targets (issue 6)\n\n{}", targets_t.markdown());
    let _ = writeln!(
        md,
        "## CPU time and peak memory\n\nCPU: user+sys of each process during the measurement (source: from `start()` to \
         `done()`; replica: from its start to the last item), medians. CPU us/op: both processes together per \
         observed item (fan-out: per delivery). Peak RSS: VmHWM over the whole process life, max over repetitions.\n\n{}",
        res_t.markdown()
    );
    if !anomalies.is_empty() {
        let _ = writeln!(md, "## Anomalies\n");
        for a in &anomalies {
            let _ = writeln!(md, "- {a}");
        }
        md.push('\n');
    }
    let _ = writeln!(md, "Per-run numbers: `{}` (not committed).", opts.raw.display());
    if let Some(dir) = opts.out.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    match std::fs::write(&opts.out, md) {
        Ok(()) => eprintln!("\nbench: wrote {} and {}", opts.out.display(), opts.raw.display()),
        Err(e) => die(&format!("cannot write {}: {e}", opts.out.display())),
    }
    if report.runs.is_empty() {
        std::process::exit(1);
    }
}
