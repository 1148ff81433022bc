//! The Rust simpleswitch examples against the stock-Qt simpleswitch pair (both directions), as in
//! the README's demo: states flow source → replica, acknowledgements flow back through the slot.
//! Then a crate outside the workspace (`examples/downstream/`) that generates its typed replica in
//! build.rs, as the rustdoc shows, built with its warnings checked and run against the Qt source.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

mod common;

fn qt_pair() -> PathBuf {
    common::qt_build::build_cmake_program("qt-interop/simpleswitch", "simpleswitch-qt6", &[], "simpleswitch_source")
        .parent()
        .unwrap()
        .to_path_buf()
}

fn rust_example(name: &str) -> PathBuf {
    // Integration tests run after the examples are built by `cargo test --all-targets`; build them
    // here too so `cargo test --test interop_simpleswitch` works alone.
    let status = Command::new(env!("CARGO")).args(["build", "--quiet", "--example", name]).status().unwrap();
    assert!(status.success());
    common::qt_build::target_dir().join("debug").join("examples").join(name)
}

/// Runs both programs to completion (bounded), returning their stdout+stderr lines.
fn run_pair(source: Command, replica: Command) -> (Vec<String>, Vec<String>) {
    fn spawn(mut c: Command) -> std::process::Child {
        c.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawn")
    }
    fn lines(child: std::process::Child) -> Vec<String> {
        let out = child.wait_with_output().unwrap();
        let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
        text.push_str(&String::from_utf8_lossy(&out.stderr));
        BufReader::new(text.as_bytes()).lines().map_while(Result::ok).collect()
    }
    let s = spawn(source);
    std::thread::sleep(Duration::from_millis(300));
    let r = spawn(replica);
    // Both exit by themselves; a watchdog kills them (they are ours) if they hang.
    let (sid, rid) = (s.id(), r.id());
    let watchdog = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(30));
        for pid in [sid, rid] {
            let _ = Command::new("kill").arg(pid.to_string()).status();
        }
    });
    let (a, b) = (lines(s), lines(r));
    drop(watchdog);
    (a, b)
}

#[test]
fn rust_source_with_qt_replica() {
    let qt = qt_pair();
    let url = format!("local:qtro_switch_test_a_{}", std::process::id());
    let mut source = Command::new(rust_example("simpleswitch_source"));
    source.args(["--url", &url, "--period-ms", "200", "--count", "4"]);
    let mut replica = Command::new(qt.join("simpleswitch_replica"));
    replica.args(["--url", &url, "--exit-when-source-lost"]);
    let (src, rep) = run_pair(source, replica);
    let acks = src.iter().filter(|l| l.contains("replica reports clientState")).count();
    assert!(acks >= 3, "the Qt replica acknowledged through server_slot:\n{}\n---\n{}", src.join("\n"), rep.join("\n"));
    assert!(
        rep.iter().any(|l| l.contains("Valid")),
        "Qt replica accepted the Rust source (signature matched):\n{}",
        rep.join("\n")
    );
}

#[test]
fn qt_source_with_rust_replica() {
    let qt = qt_pair();
    let url = format!("local:qtro_switch_test_b_{}", std::process::id());
    let mut source = Command::new(qt.join("simpleswitch_source"));
    source.args(["--url", &url, "--period-ms", "200", "--acks", "3"]);
    let mut replica = Command::new(rust_example("simpleswitch_replica"));
    replica.args(["--url", &url, "--count", "3"]);
    let (src, rep) = run_pair(source, replica);
    let acks = src.iter().filter(|l| l.contains("acknowledged")).count();
    assert_eq!(
        acks,
        3,
        "the Qt source got 3 acknowledgements from the Rust replica:\n{}\n---\n{}",
        src.join("\n"),
        rep.join("\n")
    );
    assert_eq!(rep.iter().filter(|l| l.contains("currState changed")).count(), 3, "{}", rep.join("\n"));
}

/// `examples/downstream/` (qtro_rs in [dependencies] and [build-dependencies], codegen in build.rs)
/// builds without a warning and its typed replica acknowledges a stock Qt source's states.
#[test]
fn downstream_crate_with_build_rs_codegen() {
    let qt = qt_pair();
    let root = common::qt_build::manifest_dir();
    let krate = root.join("examples/downstream");
    // The same dependency versions as ours (a fresh resolution would be a moving target).
    std::fs::copy(root.join("Cargo.lock"), krate.join("Cargo.lock")).unwrap();
    let target = common::qt_build::target_dir().join("downstream");
    let build = Command::new(env!("CARGO"))
        .args(["build", "--color", "never", "--target-dir"])
        .arg(&target)
        .current_dir(&krate)
        .env_remove("RUSTFLAGS")
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&build.stderr);
    assert!(build.status.success(), "the downstream crate builds:\n{log}");
    assert!(!log.contains("warning"), "the downstream crate builds without warnings:\n{log}");

    let url = format!("local:qtro_switch_test_c_{}", std::process::id());
    let mut source = Command::new(qt.join("simpleswitch_source"));
    source.args(["--url", &url, "--period-ms", "200", "--acks", "2"]);
    let mut replica = Command::new(target.join("debug/qtro-downstream-example"));
    replica.args([url.as_str(), "2"]);
    let (src, rep) = run_pair(source, replica);
    let acks = src.iter().filter(|l| l.contains("acknowledged")).count();
    assert_eq!(acks, 2, "the Qt source got 2 acknowledgements:\n{}\n---\n{}", src.join("\n"), rep.join("\n"));
    assert_eq!(rep.iter().filter(|l| l.starts_with("downstream: acknowledged")).count(), 2, "{}", rep.join("\n"));
}
