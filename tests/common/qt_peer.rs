//! Driving a stock-Qt peer process (qt-interop/peers, `qtro_qt_peer`) from a test: JSON-lines
//! events on its stdout, commands on its stdin.

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use serde_json::Value as Json;
use tokio::sync::mpsc;

use super::qt_build::build_cmake_program;

/// The peer program built against Qt `major` (5 or 6), once per test binary.
pub fn peer_exe(major: u32) -> PathBuf {
    static QT6: OnceLock<PathBuf> = OnceLock::new();
    static QT5: OnceLock<PathBuf> = OnceLock::new();
    let cell = if major == 5 { &QT5 } else { &QT6 };
    cell.get_or_init(|| {
        let define = format!("QTRO_QT_MAJOR={major}");
        build_cmake_program("qt-interop/peers", &format!("peers-qt{major}"), &[&define], "qtro_qt_peer")
    })
    .clone()
}

pub struct QtPeer {
    child: Child,
    stdin: ChildStdin,
    events: mpsc::UnboundedReceiver<Json>,
    /// Every line seen, for failure messages.
    transcript: Arc<Mutex<Vec<String>>>,
    label: String,
}

impl QtPeer {
    /// Starts `qtro_qt_peer ARGS` (Qt 6) and waits for its `ready` event.
    pub async fn start(args: &[&str]) -> (QtPeer, Json) {
        Self::start_with(6, args).await
    }

    pub async fn start_with(major: u32, args: &[&str]) -> (QtPeer, Json) {
        Self::start_with_env(major, args, &[]).await
    }

    /// [`QtPeer::start_with`] with extra environment variables.
    pub async fn start_with_env(major: u32, args: &[&str], env: &[(&str, &str)]) -> (QtPeer, Json) {
        let exe = peer_exe(major);
        let mut child = Command::new(&exe)
            .args(args)
            .envs(env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", exe.display()));
        let stdin = child.stdin.take().expect("stdin");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::unbounded_channel();
        let transcript = Arc::new(Mutex::new(Vec::new()));
        let t2 = transcript.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { return };
                t2.lock().unwrap().push(line.clone());
                match serde_json::from_str::<Json>(&line) {
                    Ok(v) => {
                        let _ = tx.send(v);
                    }
                    Err(e) => eprintln!("qt peer printed a non-JSON line ({e}): {line}"),
                }
            }
        });
        let mut peer = QtPeer { child, stdin, events: rx, transcript, label: args.join(" ") };
        let ready = peer.expect("ready", |e| e["event"] == "ready" || e["event"] == "fatal").await;
        assert_eq!(ready["event"], "ready", "{} failed to start: {ready}", peer.label);
        (peer, ready)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends one command line.
    pub fn send(&mut self, line: &str) {
        writeln!(self.stdin, "{line}")
            .and_then(|_| self.stdin.flush())
            .unwrap_or_else(|e| panic!("{}: cannot send {line:?}: {e}", self.label));
    }

    /// Waits (10 s at most) for an event matching `pred`, skipping others.
    pub async fn expect(&mut self, what: &str, pred: impl Fn(&Json) -> bool) -> Json {
        let found = tokio::time::timeout(Duration::from_secs(10), async {
            while let Some(e) = self.events.recv().await {
                if pred(&e) {
                    return Some(e);
                }
            }
            None
        })
        .await;
        match found {
            Ok(Some(e)) => e,
            _ => panic!("{}: no {what} event; transcript:\n{}", self.label, self.transcript.lock().unwrap().join("\n")),
        }
    }

    /// Sends a command and waits for its `ok` (panics on `error`).
    pub async fn command(&mut self, line: &str) -> Json {
        self.send(line);
        let cmd = line.split_whitespace().next().unwrap_or_default().to_owned();
        let e = self
            .expect(&format!("ok/error for {line:?}"), |e| {
                (e["event"] == "ok" || e["event"] == "error") && e["cmd"] == cmd.as_str()
            })
            .await;
        assert_eq!(e["event"], "ok", "{}: command {line:?} failed: {e}", self.label);
        e
    }

    /// Kills the process (it is ours: we started it) and reaps it.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for QtPeer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Matches an event by name and a field value.
pub fn is(event: &'static str, field: &'static str, value: &'static str) -> impl Fn(&Json) -> bool {
    move |e| e["event"] == event && e[field] == value
}

/// A TCP port free right now on 127.0.0.1 (for restarting a source on the same address).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}
