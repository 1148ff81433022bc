//! Faults with real separate processes: stock-Qt peers (`qtro_qt_peer`, qt-interop/peers) and Rust
//! peers (`load_peer`, examples/load_peer.rs) killed with SIGKILL, frozen with SIGSTOP and
//! restarted, while the Rust nodes in this process must keep serving, fail pending calls instead
//! of hanging, and recover with current values.
//!
//! Every process signalled here was started by the test itself (by PID, never by name).
//! Each test prints one `faults: …` summary line (`-- --nocapture` shows them).

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use qtro_rs::core::{CallError, ClassBuilder, PropertyMode, ReplicaState, Value};
use qtro_rs::node::{Node, NodeConfig, NodeError, Replica, ReplicaEvent, SlotCall};
use tokio::sync::mpsc;

mod common;
use common::load_peer::{load_class, load_peer_exe};
use common::qt_peer::{free_port, is, QtPeer};

const T: Duration = Duration::from_secs(10);

// ---- helpers ---------------------------------------------------------------------------------

fn sum(call: &SlotCall) -> Value {
    Value::Int(call.args.iter().filter_map(Value::as_i64).sum::<i64>() as i32)
}

/// Sends `sig` to a process this test started.
fn signal(pid: u32, sig: i32) {
    // SAFETY: kill(2) has no memory effects; the PID is a child of ours that we have not reaped.
    let r = unsafe { libc::kill(pid as libc::pid_t, sig) };
    assert_eq!(r, 0, "kill({pid}, {sig}): {}", std::io::Error::last_os_error());
}

/// A `load_peer` process: stdout lines, commands on stdin.
struct RustPeer {
    child: Child,
    stdin: ChildStdin,
    lines: mpsc::UnboundedReceiver<String>,
    seen: Vec<String>,
}

impl RustPeer {
    /// Starts `load_peer ARGS` and waits for its `ready` line.
    async fn start(args: &[&str]) -> (RustPeer, String) {
        let exe = load_peer_exe();
        let mut child = Command::new(&exe)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", exe.display()));
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::unbounded_channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let mut peer = RustPeer { child, stdin, lines, seen: Vec::new() };
        let ready = peer.expect("ready").await;
        (peer, ready)
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn send(&mut self, line: &str) {
        writeln!(self.stdin, "{line}").and_then(|_| self.stdin.flush()).expect("write to load_peer");
    }

    /// The next line starting with `prefix` (10 s at most).
    async fn expect(&mut self, prefix: &str) -> String {
        let deadline = tokio::time::Instant::now() + T;
        loop {
            match tokio::time::timeout_at(deadline, self.lines.recv()).await {
                Ok(Some(l)) => {
                    self.seen.push(l.clone());
                    if l.starts_with(prefix) {
                        return l;
                    }
                    assert!(!l.starts_with("error"), "load_peer failed: {}", self.seen.join("\n"));
                }
                other => panic!("load_peer: no {prefix:?} line ({other:?}); output:\n{}", self.seen.join("\n")),
            }
        }
    }

    /// SIGKILL, then reap.
    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for RustPeer {
    fn drop(&mut self) {
        self.kill();
    }
}

async fn until_state(replica: &Replica, state: ReplicaState, within: Duration) -> Duration {
    let started = Instant::now();
    tokio::time::timeout(within, async {
        while replica.state() != state {
            replica.state_changed().await;
        }
    })
    .await
    .unwrap_or_else(|_| {
        panic!("{} never reached {state:?} within {within:?} (is {:?})", replica.name(), replica.state())
    });
    started.elapsed()
}

/// Waits until `replica` holds `value` in `property` (taking change events as they come).
async fn until_value(replica: &Replica, property: &str, value: Value) {
    let mut events = replica.events();
    let r = tokio::time::timeout(T, async {
        while replica.property(property).as_ref() != Some(&value) {
            if events.recv().await.is_none() {
                return;
            }
        }
    })
    .await;
    assert!(
        r.is_ok() && replica.property(property).as_ref() == Some(&value),
        "{property} of {} is {:?}, want {value:?}",
        replica.name(),
        replica.property(property)
    );
}

/// A duration in ms with one decimal, for the summary lines.
fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// Polls `f` every 10 ms until it holds; returns how long it took.
async fn until(what: &str, within: Duration, f: impl Fn() -> bool) -> Duration {
    let started = Instant::now();
    tokio::time::timeout(within, async {
        while !f() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("timed out after {within:?} waiting until {what}"));
    started.elapsed()
}

/// Counts panics on threads whose name starts with `prefix` (the source's runtime in test a).
fn panics_on(prefix: &'static str) -> Arc<AtomicUsize> {
    static COUNT: OnceLock<Arc<AtomicUsize>> = OnceLock::new();
    COUNT
        .get_or_init(|| {
            let count = Arc::new(AtomicUsize::new(0));
            let c = count.clone();
            let previous = std::panic::take_hook();
            std::panic::set_hook(Box::new(move |info| {
                if std::thread::current().name().is_some_and(|n| n.starts_with(prefix)) {
                    c.fetch_add(1, Ordering::SeqCst);
                }
                previous(info)
            }));
            count
        })
        .clone()
}

/// How `n` concurrent calls ended.
#[derive(Default, Debug)]
struct Outcomes {
    connection_lost: usize,
    other_error: Vec<String>,
    answered: usize,
    hung: usize,
    slowest: Duration,
}

/// A call bounded by a timeout, and when it ended.
type CallTask = tokio::task::JoinHandle<(Result<Result<Value, NodeError>, tokio::time::error::Elapsed>, Instant)>;

async fn collect(calls: Vec<CallTask>, since: Instant) -> Outcomes {
    let mut o = Outcomes::default();
    for c in calls {
        let (r, at) = c.await.expect("call task");
        o.slowest = o.slowest.max(at.saturating_duration_since(since));
        match r {
            Err(_) => o.hung += 1,
            Ok(Ok(_)) => o.answered += 1,
            Ok(Err(NodeError::Call(CallError::ConnectionLost(_)))) => o.connection_lost += 1,
            Ok(Err(e)) => o.other_error.push(e.to_string()),
        }
    }
    o
}

/// Starts `n` calls of `add(i, 1)`, each bounded by `T` (a hang shows up as a timeout), and
/// returns once every one of them has been issued (polled once: registered as pending and queued
/// for sending), so none can start only after a connection is gone.
async fn start_calls(replica: &Replica, n: usize) -> Vec<CallTask> {
    use std::future::Future;
    let issued = Arc::new(AtomicUsize::new(0));
    let tasks = (0..n)
        .map(|i| {
            let (r, issued) = (replica.clone(), issued.clone());
            tokio::spawn(async move {
                let call = r.call("add", vec![Value::Int(i as i32), Value::Int(1)]);
                let mut call = std::pin::pin!(tokio::time::timeout(T, call));
                let first = std::future::poll_fn(|cx| std::task::Poll::Ready(call.as_mut().poll(cx))).await;
                issued.fetch_add(1, Ordering::SeqCst);
                let res = match first {
                    std::task::Poll::Ready(res) => res,
                    std::task::Poll::Pending => call.await,
                };
                (res, Instant::now())
            })
        })
        .collect();
    until("every call was issued", T, || issued.load(Ordering::SeqCst) == n).await;
    tasks
}

// ---- a. a replica process killed mid-call -----------------------------------------------------

const SOURCE_THREAD: &str = "faults-source";

/// A source with a slow slot in this process (on its own runtime, so panics on its threads can be
/// counted); a stock-Qt replica process and then a Rust replica process call it and are SIGKILLed
/// while their calls are pending. The source keeps serving a healthy replica throughout.
#[test]
fn replica_processes_killed_mid_call_leave_the_source_serving() {
    let panics = panics_on(SOURCE_THREAD);
    let panics_before = panics.load(Ordering::SeqCst);
    let source_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name(SOURCE_THREAD)
        .enable_all()
        .build()
        .unwrap();
    let test_rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();

    let started = Arc::new(AtomicUsize::new(0));
    let finished = Arc::new(AtomicUsize::new(0));
    let (host, source, url) = source_rt.block_on({
        let (started, finished) = (started.clone(), finished.clone());
        async move {
            let host = Node::new();
            let url = host.listen("tcp://127.0.0.1:0").await.unwrap();
            let source = host
                .enable_source("Load", load_class(), move |call: SlotCall| {
                    let (started, finished) = (started.clone(), finished.clone());
                    async move {
                        started.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(300)).await;
                        finished.fetch_add(1, Ordering::SeqCst);
                        sum(&call)
                    }
                })
                .unwrap();
            (host, source, url)
        }
    });

    test_rt.block_on(async {
        let client = Node::new();
        client.connect_to(&url).unwrap();
        let good = client.acquire_dynamic("Load");
        good.wait_for_source(T).await.unwrap();
        until("the healthy replica is listed", T, || source.listener_count() == 1).await;

        let mut report = Vec::new();
        let mut slowest_reply = Duration::ZERO;
        for (round, kind) in ["Qt", "Rust"].into_iter().enumerate() {
            let before = started.load(Ordering::SeqCst);
            // The victim: a replica process with calls pending in the slow slot.
            let (pending, pid, mut qt, mut rust) = if kind == "Qt" {
                let (mut qt, _) = QtPeer::start(&["replica-dynamic", "--url", &url, "--name", "Load"]).await;
                qt.expect("Valid", is("state", "state", "Valid")).await;
                for id in 1..=3 {
                    qt.command(&format!("call {id} add [{id},1]")).await;
                }
                let pid = qt.pid();
                (3, pid, Some(qt), None)
            } else {
                let (mut peer, _) = RustPeer::start(&["caller", "--url", &url, "--calls", "4"]).await;
                peer.expect("calling").await;
                let pid = peer.pid();
                (4, pid, None, Some(peer))
            };
            until("the victim's first call runs", T, || started.load(Ordering::SeqCst) > before).await;
            assert_eq!(source.listener_count(), 2, "{kind} victim acquired the source");
            let killed = Instant::now();
            signal(pid, libc::SIGKILL);
            if let Some(q) = qt.as_mut() {
                q.kill();
            }
            if let Some(r) = rust.as_mut() {
                r.kill();
            }
            until("the killed replica's connection is dropped", T, || source.listener_count() == 1).await;
            let dropped = killed.elapsed();

            // The healthy replica still gets property changes and slot replies.
            let seq = 100 + round as i32;
            source.set_property("seq", Value::Int(seq)).unwrap();
            until_value(&good, "seq", Value::Int(seq)).await;
            let t = Instant::now();
            let reply = tokio::time::timeout(T, good.call("add", vec![Value::Int(20), Value::Int(22)])).await;
            assert_eq!(reply.expect("the healthy replica's call is answered").unwrap(), Value::Int(42));
            slowest_reply = slowest_reply.max(t.elapsed());
            assert_eq!(good.state(), ReplicaState::Valid);
            report.push(format!("{kind} ({pending} calls pending, listener count back to 1 within {} of the kill)", ms(dropped)));
        }
        // The calls of the dead replicas ran (or were dropped) without taking the source down.
        until("every started call finished", T, || finished.load(Ordering::SeqCst) == started.load(Ordering::SeqCst)).await;
        let panicked = panics.load(Ordering::SeqCst) - panics_before;
        assert_eq!(panicked, 0, "panics on the source's threads");
        println!(
            "faults: replica processes killed mid-call: {}; healthy replica got 2/2 changes and 2/2 replies (slowest {}); {panicked} panics on the source",
            report.join(", "),
            ms(slowest_reply)
        );
        drop(client);
    });
    drop(source);
    host.shutdown();
    drop(host);
}

// ---- b. pending calls when the source process dies --------------------------------------------

/// A Rust replica with 16 calls in flight to a stock-Qt source process that is frozen (so the
/// calls stay unanswered) and then SIGKILLed: every call fails with ConnectionLost, the replica
/// goes Suspect, and a source restarted on the same URL brings it back to Valid with the new
/// source's values.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pending_calls_fail_when_a_qt_source_process_dies_and_the_replica_recovers() {
    const CALLS: usize = 16;
    let url = format!("tcp://127.0.0.1:{}", free_port());
    let (mut qt, _) = QtPeer::start(&["source-static", "Simple", "--url", &url]).await;
    qt.command("set value 5").await;
    let node = Node::with_config(NodeConfig { retry_interval: Duration::from_millis(100), ..NodeConfig::default() });
    node.connect_to(&url).unwrap();
    let replica = node.acquire_dynamic("Simple");
    replica.wait_for_source(T).await.unwrap();
    assert_eq!(replica.property("value"), Some(Value::Int(5)));
    assert_eq!(replica.call("add", vec![Value::Int(1), Value::Int(2)]).await.unwrap(), Value::Int(3));

    // Frozen: the calls reach its socket but are never answered.
    signal(qt.pid(), libc::SIGSTOP);
    let calls = start_calls(&replica, CALLS).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(calls.iter().all(|c| !c.is_finished()), "calls to a frozen source stay pending");
    signal(qt.pid(), libc::SIGKILL);
    let killed = Instant::now();
    qt.kill();
    let o = collect(calls, killed).await;
    assert_eq!((o.hung, o.answered, o.other_error.len()), (0, 0, 0), "{o:?}");
    assert_eq!(o.connection_lost, CALLS, "{o:?}");
    until_state(&replica, ReplicaState::Suspect, T).await;
    // While the source is gone, a new call fails at once.
    let now =
        tokio::time::timeout(Duration::from_secs(1), replica.call("add", vec![Value::Int(1), Value::Int(1)])).await;
    assert!(matches!(now, Ok(Err(NodeError::Call(CallError::NotConnected(_))))), "{now:?}");

    // Restarted on the same URL, with a value the old one never had.
    let restart = Instant::now();
    let (mut qt2, _) = QtPeer::start(&["source-static", "Simple", "--url", &url]).await;
    qt2.command("set value 77").await;
    until_state(&replica, ReplicaState::Valid, T).await;
    until_value(&replica, "value", Value::Int(77)).await;
    let recovered = restart.elapsed();
    assert_eq!(replica.call("add", vec![Value::Int(1), Value::Int(1)]).await.unwrap(), Value::Int(2));
    println!(
        "faults: pending calls failed cleanly when the Qt source was killed: {}/{CALLS} (ConnectionLost, the last {} after the kill, 0 hung); \
         Suspect, then Valid with the restarted source's value 77 {} after its restart",
        o.connection_lost,
        ms(o.slowest),
        ms(recovered)
    );
}

/// The same with a Rust source process whose slot is slow (300 ms, one call at a time): one call
/// is running in the handler and 15 are queued when it is killed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pending_calls_fail_when_a_rust_source_process_dies_and_the_replica_recovers() {
    const CALLS: usize = 16;
    let url = format!("tcp://127.0.0.1:{}", free_port());
    let (mut peer, _) = RustPeer::start(&["source", "--url", &url, "--slow-ms", "300", "--seq", "5"]).await;
    let node = Node::with_config(NodeConfig { retry_interval: Duration::from_millis(100), ..NodeConfig::default() });
    node.connect_to(&url).unwrap();
    let replica = node.acquire_dynamic("Load");
    replica.wait_for_source(T).await.unwrap();
    assert_eq!(replica.property("seq"), Some(Value::Int(5)));

    let calls = start_calls(&replica, CALLS).await;
    peer.expect("invoked add").await;
    assert!(calls.iter().all(|c| !c.is_finished()), "calls pending in the slow slot");
    signal(peer.pid(), libc::SIGKILL);
    let killed = Instant::now();
    peer.kill();
    let o = collect(calls, killed).await;
    assert_eq!((o.hung, o.other_error.len()), (0, 0), "{o:?}");
    // The first call may have been answered just before the kill landed.
    assert!(o.answered <= 1 && o.connection_lost + o.answered == CALLS, "{o:?}");
    until_state(&replica, ReplicaState::Suspect, T).await;

    let restart = Instant::now();
    let (mut peer2, _) = RustPeer::start(&["source", "--url", &url, "--slow-ms", "0"]).await;
    peer2.send("set seq 77");
    peer2.expect("ok").await;
    until_state(&replica, ReplicaState::Valid, T).await;
    until_value(&replica, "seq", Value::Int(77)).await;
    let recovered = restart.elapsed();
    assert_eq!(replica.call("add", vec![Value::Int(40), Value::Int(2)]).await.unwrap(), Value::Int(42));
    println!(
        "faults: pending calls failed cleanly when the Rust source was killed: {}/{} (ConnectionLost, {} answered before the kill, \
         the last {} after the kill, 0 hung); Suspect, then Valid with the restarted source's seq 77 {} after its restart",
        o.connection_lost,
        CALLS - o.answered,
        o.answered,
        ms(o.slowest),
        ms(recovered)
    );
}

// ---- c. registry restarted ---------------------------------------------------------------------

/// Binds a new registry on `url`, retrying while the old socket is still being torn down.
async fn registry_on(url: &str) -> Node {
    let deadline = Instant::now() + T;
    loop {
        let node = Node::new();
        match node.listen_registry(url).await {
            Ok(_) => return node,
            Err(e) if Instant::now() < deadline => {
                eprintln!("registry bind retry: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(e) => panic!("cannot restart the registry on {url}: {e}"),
        }
    }
}

/// A stock-Qt registry process is SIGKILLed and restarted on the same URL: the Rust source node
/// registered with it registers again, so a NEW client finds the source by name alone; the
/// replica acquired before keeps working.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_source_re_registers_with_a_restarted_qt_registry() {
    let reg_url = format!("tcp://127.0.0.1:{}", free_port());
    let (mut registry, _) = QtPeer::start(&["registry", "--url", &reg_url]).await;
    let cfg = NodeConfig { retry_interval: Duration::from_millis(100), ..NodeConfig::default() };
    let host = Node::with_config(cfg.clone());
    host.set_registry_url(&reg_url).unwrap();
    let src_url = host.listen("tcp://127.0.0.1:0").await.unwrap();
    let source = host.enable_source("Load", load_class(), |c: SlotCall| async move { sum(&c) }).unwrap();
    let added = registry.expect("registry-added", is("registry-added", "name", "Load")).await;
    assert_eq!(added["hostUrl"], src_url.as_str());

    let client = Node::with_config(cfg.clone());
    client.set_registry_url(&reg_url).unwrap();
    let replica = client.acquire_dynamic("Load");
    replica.wait_for_source(T).await.unwrap();

    signal(registry.pid(), libc::SIGKILL);
    registry.kill();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(replica.state(), ReplicaState::Valid, "a replica does not depend on the registry once connected");
    assert_eq!(replica.call("add", vec![Value::Int(1), Value::Int(2)]).await.unwrap(), Value::Int(3));

    let restart = Instant::now();
    let (mut registry2, _) = QtPeer::start(&["registry", "--url", &reg_url]).await;
    // A new client, knowing nothing but the registry URL.
    let newcomer = Node::with_config(cfg);
    newcomer.set_registry_url(&reg_url).unwrap();
    let late = newcomer.acquire_dynamic("Load");
    if let Err(e) = late.wait_for_source(T).await {
        let table = registry2.command("sources").await;
        panic!(
            "a new acquisition by name through the restarted registry failed: {e}; the restarted registry lists {}; \
             the source node did not register again",
            table["sources"]
        );
    }
    let found = restart.elapsed();
    assert_eq!(replica.state(), ReplicaState::Valid);
    source.set_property("seq", Value::Int(9)).unwrap();
    until_value(&replica, "seq", Value::Int(9)).await;
    until_value(&late, "seq", Value::Int(9)).await;
    println!(
        "faults: Qt registry killed and restarted: old replica stayed Valid, a new client found the Rust source by name {} after the restart",
        ms(found)
    );
}

/// A Rust registry is shut down and a new one started on the same URL: the stock-Qt source
/// process registers again (as Qt does when its registry replica re-initializes), a new Rust
/// client finds it by name, and the replica acquired before stays Valid.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qt_source_re_registers_with_a_restarted_rust_registry() {
    let reg_url = format!("tcp://127.0.0.1:{}", free_port());
    let registry = registry_on(&reg_url).await;
    let (mut qt, _) =
        QtPeer::start(&["source-static", "Simple", "--url", "tcp://127.0.0.1:0", "--registry", &reg_url]).await;
    let cfg = NodeConfig { retry_interval: Duration::from_millis(100), ..NodeConfig::default() };
    let client = Node::with_config(cfg.clone());
    client.set_registry_url(&reg_url).unwrap();
    let replica = client.acquire_dynamic("Simple");
    replica.wait_for_source(T).await.unwrap();

    registry.shutdown();
    drop(registry);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(replica.state(), ReplicaState::Valid, "a replica does not depend on the registry once connected");

    let restart = Instant::now();
    let registry2 = registry_on(&reg_url).await;
    let newcomer = Node::with_config(cfg);
    newcomer.set_registry_url(&reg_url).unwrap();
    let late = newcomer.acquire_dynamic("Simple");
    if let Err(e) = late.wait_for_source(Duration::from_secs(15)).await {
        panic!(
            "a new acquisition by name through the restarted registry failed: {e}; it lists {:?}",
            registry2.registry_locations()
        );
    }
    let found = restart.elapsed();
    assert_eq!(replica.state(), ReplicaState::Valid);
    qt.command("set value 12").await;
    until_value(&replica, "value", Value::Int(12)).await;
    until_value(&late, "value", Value::Int(12)).await;
    assert_eq!(late.call("add", vec![Value::Int(5), Value::Int(6)]).await.unwrap(), Value::Int(11));
    println!(
        "faults: Rust registry restarted: the Qt source registered again, a new client found it by name {} after the restart; old replica stayed Valid",
        ms(found)
    );
}

// ---- d. a network pause longer than the heartbeat ---------------------------------------------

/// A Rust replica with a 200 ms heartbeat; the stock-Qt source process is SIGSTOPped for three
/// heartbeat intervals (its socket stays open, so only the heartbeat can notice), then SIGCONTed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn frozen_qt_source_is_detected_by_the_heartbeat_and_recovered() {
    const HEARTBEAT: Duration = Duration::from_millis(200);
    let (mut qt, ready) = QtPeer::start(&["source-static", "Simple", "--url", "tcp://127.0.0.1:0"]).await;
    let url = ready["url"].as_str().unwrap().to_owned();
    qt.command("set value 5").await;
    let node = Node::with_config(NodeConfig {
        heartbeat: Some(HEARTBEAT),
        retry_interval: Duration::from_millis(100),
        ..NodeConfig::default()
    });
    node.connect_to(&url).unwrap();
    let replica = node.acquire_dynamic("Simple");
    replica.wait_for_source(T).await.unwrap();
    assert_eq!(replica.property("value"), Some(Value::Int(5)));

    // Healthy heartbeats first: no state change while the peer answers.
    let mut events = replica.events();
    tokio::time::sleep(HEARTBEAT * 3).await;
    while let Ok(e) = events.try_recv() {
        assert!(!matches!(e, ReplicaEvent::StateChanged { .. }), "state changed while the source was healthy: {e:?}");
    }
    assert_eq!(replica.state(), ReplicaState::Valid);

    signal(qt.pid(), libc::SIGSTOP);
    let stopped = Instant::now();
    let detected = until_state(&replica, ReplicaState::Suspect, Duration::from_secs(3)).await;
    assert!(detected >= HEARTBEAT / 2, "Suspect after {detected:?}: too early to be the heartbeat");
    // Keep it frozen for three intervals in all.
    if let Some(rest) = (HEARTBEAT * 3).checked_sub(stopped.elapsed()) {
        tokio::time::sleep(rest).await;
    }
    let paused = stopped.elapsed();
    let call =
        tokio::time::timeout(Duration::from_secs(1), replica.call("add", vec![Value::Int(1), Value::Int(1)])).await;
    assert!(matches!(call, Ok(Err(_))), "a call while Suspect fails at once: {call:?}");

    signal(qt.pid(), libc::SIGCONT);
    let resumed = Instant::now();
    let back = until_state(&replica, ReplicaState::Valid, T).await;
    qt.command("set value 42").await;
    until_value(&replica, "value", Value::Int(42)).await;
    let value_back = resumed.elapsed();
    assert_eq!(replica.call("add", vec![Value::Int(2), Value::Int(3)]).await.unwrap(), Value::Int(5));
    // And it stays healthy: the heartbeat keeps being answered.
    let mut events = replica.events();
    tokio::time::sleep(HEARTBEAT * 3).await;
    while let Ok(e) = events.try_recv() {
        assert!(!matches!(e, ReplicaEvent::StateChanged { .. }), "state changed after the recovery: {e:?}");
    }
    println!(
        "faults: heartbeat {} ms, Qt source frozen {} ms: Suspect {} after SIGSTOP, Valid {} after SIGCONT, the new value 42 {} after SIGCONT",
        HEARTBEAT.as_millis(),
        paused.as_millis(),
        ms(detected),
        ms(back),
        ms(value_back)
    );
}

// ---- found while writing these tests ------------------------------------------------------------

/// An application fault: a value the encoder refuses (nested deeper than the 64 levels it allows)
/// must be refused without side effects. `set_property` does return an error, but the value must
/// not stay stored in the source either: every later acquisition would have to send it in the
/// InitPacket, fail, and be refused ("cannot send the values"), so new replicas never became
/// Valid while the old ones kept working.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_value_that_cannot_be_sent_does_not_poison_the_source() {
    let host = Node::new();
    let url = host.listen("tcp://127.0.0.1:0").await.unwrap();
    let class = ClassBuilder::new("Deep")
        .property("anything", "QVariant", PropertyMode::ReadOnly, Value::Invalid)
        .property("n", "int", PropertyMode::ReadOnly, Value::Int(0))
        .build();
    let source = host.enable_source_without_slots("Deep", class).unwrap();
    let early_node = Node::new();
    early_node.connect_to(&url).unwrap();
    let early = early_node.acquire_dynamic("Deep");
    early.wait_for_source(T).await.unwrap();

    let mut too_deep = Value::Int(1);
    for _ in 0..100 {
        too_deep = Value::List(vec![too_deep]);
    }
    let refused = source.set_property("anything", too_deep);
    assert!(refused.is_err(), "a value nested 100 deep cannot be encoded: {refused:?}");
    source.set_property("n", Value::Int(5)).unwrap();
    until_value(&early, "n", Value::Int(5)).await;

    // A replica acquiring now must get the source's (sendable) values.
    let late_node = Node::new();
    late_node.connect_to(&url).unwrap();
    let late = late_node.acquire_dynamic("Deep");
    let outcome = late.wait_for_source(Duration::from_secs(3)).await;
    assert!(
        outcome.is_ok(),
        "a later acquisition failed ({outcome:?}): the refused value was kept (source now holds a {})",
        if source.property("anything").unwrap() == Value::Invalid { "valid value" } else { "value it cannot send" }
    );
    assert_eq!(late.property("n"), Some(Value::Int(5)));
    assert_eq!(source.property("anything").unwrap(), Value::Invalid, "the refused value is not stored");
    println!("faults: a value the encoder refuses is refused without side effects; later acquisitions work");
}
