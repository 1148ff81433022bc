//! Running the `qtro` binary from tests: one-shot commands with their exit code and output, and
//! long-running ones (watch, serve, tap) read line by line. Every wait is bounded.
#![allow(dead_code)]

use std::process::Stdio;
use std::time::Duration;

use serde_json::Value as Json;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

/// The longest any single step may take.
pub const T: Duration = Duration::from_secs(15);

pub const INTEROP_REP: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../qt-interop/peers/interop.rep");

pub fn qtro() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_qtro"));
    c.kill_on_drop(true).env_remove("RUST_LOG");
    c
}

#[derive(Debug)]
pub struct Outcome {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Outcome {
    pub fn lines(&self) -> Vec<&str> {
        self.stdout.lines().collect()
    }

    pub fn json(&self) -> Vec<Json> {
        json_lines(&self.stdout)
    }
}

/// Runs `qtro ARGS` to completion (stdin closed).
pub async fn run(args: &[&str]) -> Outcome {
    let child = qtro()
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start qtro");
    let out = tokio::time::timeout(T * 2, child.wait_with_output())
        .await
        .unwrap_or_else(|_| panic!("qtro {args:?} did not finish"))
        .expect("qtro output");
    Outcome {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs `qtro ARGS` and insists on success; returns stdout.
pub async fn run_ok(args: &[&str]) -> String {
    let o = run(args).await;
    assert_eq!(o.code, 0, "qtro {args:?} failed: {}\nstdout: {}", o.stderr, o.stdout);
    o.stdout
}

/// Runs `qtro ARGS` and insists on exit code `code`; returns stderr.
pub async fn run_fails(args: &[&str], code: i32) -> String {
    let o = run(args).await;
    assert_eq!(
        o.code, code,
        "qtro {args:?}: expected exit {code}, got {}\nstdout: {}\nstderr: {}",
        o.code, o.stdout, o.stderr
    );
    assert!(
        o.stderr.starts_with("qtro: error: ") || o.stderr.starts_with("{\"error\"") || code == 2,
        "stderr: {}",
        o.stderr
    );
    o.stderr
}

pub fn json_lines(s: &str) -> Vec<Json> {
    s.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not a JSON line ({e}): {l}"))).collect()
}

/// A running `qtro` process read line by line.
pub struct Proc {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Lines<BufReader<ChildStdout>>,
    pub seen: Vec<String>,
    label: String,
}

impl Proc {
    pub fn spawn(args: &[&str]) -> Proc {
        let mut child = qtro()
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start qtro");
        let stdin = child.stdin.take();
        let lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        Proc { child, stdin, lines, seen: Vec::new(), label: format!("qtro {}", args.join(" ")) }
    }

    /// The next line (panics at end of output or after [`T`]).
    pub async fn line(&mut self) -> String {
        match tokio::time::timeout(T, self.lines.next_line()).await {
            Ok(Ok(Some(l))) => {
                self.seen.push(l.clone());
                l
            }
            other => panic!("{}: no more output ({other:?}); seen:\n{}", self.label, self.seen.join("\n")),
        }
    }

    /// Skips lines until one satisfies `pred`.
    pub async fn expect(&mut self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let deadline = tokio::time::Instant::now() + T;
        loop {
            let l = match tokio::time::timeout_at(deadline, self.lines.next_line()).await {
                Ok(Ok(Some(l))) => l,
                other => panic!("{}: no line with {what} ({other:?}); seen:\n{}", self.label, self.seen.join("\n")),
            };
            self.seen.push(l.clone());
            if pred(&l) {
                return l;
            }
        }
    }

    /// Reads lines until each of `lines` has been seen (in any order).
    pub async fn expect_all(&mut self, lines: &[&str]) {
        let mut missing: Vec<&str> = lines.iter().copied().filter(|l| !self.seen.iter().any(|s| s == l)).collect();
        let deadline = tokio::time::Instant::now() + T;
        while !missing.is_empty() {
            let l = match tokio::time::timeout_at(deadline, self.lines.next_line()).await {
                Ok(Ok(Some(l))) => l,
                other => panic!("{}: missing {missing:?} ({other:?}); seen:\n{}", self.label, self.seen.join("\n")),
            };
            missing.retain(|m| *m != l);
            self.seen.push(l);
        }
    }

    pub async fn expect_json(&mut self, what: &str, pred: impl Fn(&Json) -> bool) -> Json {
        let l = self.expect(what, |l| serde_json::from_str::<Json>(l).map(|j| pred(&j)).unwrap_or(false)).await;
        serde_json::from_str(&l).unwrap()
    }

    pub async fn send(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        stdin.write_all(format!("{line}\n").as_bytes()).await.expect("write to qtro");
        stdin.flush().await.expect("flush");
    }

    /// Waits for the exit code (after reading the remaining output into `seen`).
    pub async fn wait(&mut self) -> i32 {
        while let Ok(Ok(Some(l))) = tokio::time::timeout(T, self.lines.next_line()).await {
            self.seen.push(l);
        }
        let status = tokio::time::timeout(T, self.child.wait())
            .await
            .unwrap_or_else(|_| panic!("{} did not exit", self.label))
            .expect("wait");
        status.code().unwrap_or(-1)
    }

    /// Stops the process (it is ours) and returns all output read so far plus the rest.
    pub async fn kill(&mut self) -> Vec<String> {
        let _ = self.child.start_kill();
        let _ = tokio::time::timeout(T, self.child.wait()).await;
        while let Ok(Ok(Some(l))) = tokio::time::timeout(Duration::from_secs(2), self.lines.next_line()).await {
            self.seen.push(l);
        }
        self.seen.clone()
    }
}

/// A TCP port nobody listens on right now.
pub fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The `url` of a JSON ready line, or the last word of a text ready line.
pub fn ready_url(line: &str) -> String {
    match serde_json::from_str::<Json>(line) {
        Ok(j) => j["url"].as_str().or(j["listen"].as_str()).expect("url in ready line").to_owned(),
        Err(_) => line
            .split_whitespace()
            .find(|w| w.starts_with("tcp://") || w.starts_with("local"))
            .expect("url in ready line")
            .trim_end_matches(',')
            .to_owned(),
    }
}
