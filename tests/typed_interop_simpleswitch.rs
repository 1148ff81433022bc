//! The typed simpleswitch examples (generated from the .rep file the Qt pair uses) against the
//! stock-Qt simpleswitch pair, both directions: states flow source → replica, acknowledgements
//! flow back through `server_slot`.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

mod common;

fn qt_pair_dir() -> PathBuf {
    common::qt_build::build_cmake_program("qt-interop/simpleswitch", "simpleswitch-qt6", &[], "simpleswitch_source")
        .parent()
        .unwrap()
        .to_path_buf()
}

fn example(name: &str) -> PathBuf {
    // `cargo test --all-targets` builds the examples first; build them here too so this test
    // also runs alone.
    let status = Command::new(env!("CARGO")).args(["build", "--quiet", "--example", name]).status().unwrap();
    assert!(status.success(), "cannot build example {name}");
    common::qt_build::target_dir().join("debug").join("examples").join(name)
}

/// Runs a source and a replica (started a little later) until both exit by themselves, and
/// returns their output lines. A watchdog kills them (they are ours) if they hang.
fn run_pair(mut source: Command, mut replica: Command) -> (Vec<String>, Vec<String>) {
    fn spawn(c: &mut Command) -> Child {
        c.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawn")
    }
    fn lines(child: Child) -> Vec<String> {
        let out = child.wait_with_output().unwrap();
        let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
        text.push_str(&String::from_utf8_lossy(&out.stderr));
        BufReader::new(text.as_bytes()).lines().map_while(Result::ok).collect()
    }
    let s = spawn(&mut source);
    std::thread::sleep(Duration::from_millis(300));
    let r = spawn(&mut replica);
    let (sid, rid) = (s.id(), r.id());
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(30));
        for pid in [sid, rid] {
            let _ = Command::new("kill").arg(pid.to_string()).status();
        }
    });
    (lines(s), lines(r))
}

#[test]
fn typed_rust_source_with_qt_replica() {
    let qt = qt_pair_dir();
    let url = format!("local:qtro_typed_switch_a_{}", std::process::id());
    let mut source = Command::new(example("typed_simpleswitch_source"));
    source.args(["--url", &url, "--period-ms", "200", "--count", "4"]);
    let mut replica = Command::new(qt.join("simpleswitch_replica"));
    replica.args(["--url", &url, "--exit-when-source-lost"]);
    let (src, rep) = run_pair(source, replica);
    let acks = src.iter().filter(|l| l.contains("replica reports clientState")).count();
    assert!(acks >= 3, "the Qt replica acknowledged through server_slot:\n{}\n---\n{}", src.join("\n"), rep.join("\n"));
    assert!(rep.iter().any(|l| l.contains("Valid")), "the Qt replica accepted the typed source:\n{}", rep.join("\n"));
}

#[test]
fn qt_source_with_typed_rust_replica() {
    let qt = qt_pair_dir();
    let url = format!("local:qtro_typed_switch_b_{}", std::process::id());
    let mut source = Command::new(qt.join("simpleswitch_source"));
    source.args(["--url", &url, "--period-ms", "200", "--acks", "3"]);
    let mut replica = Command::new(example("typed_simpleswitch_replica"));
    replica.args(["--url", &url, "--count", "3"]);
    let (src, rep) = run_pair(source, replica);
    let acks = src.iter().filter(|l| l.contains("acknowledged")).count();
    assert_eq!(acks, 3, "the Qt source got 3 acknowledgements:\n{}\n---\n{}", src.join("\n"), rep.join("\n"));
    assert_eq!(rep.iter().filter(|l| l.contains("currState changed")).count(), 3, "{}", rep.join("\n"));
}
