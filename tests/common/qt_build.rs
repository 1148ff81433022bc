//! Builds and runs the small stock-Qt C++ programs under `qt-interop/` for interop tests.
//!
//! Include it from a test crate with
//! `#[path = "common/qt_build.rs"] mod qt_build;`.
//!
//! Everything that can go wrong (missing packages, CMake or compiler errors, a crashing program)
//! panics with the tool's full output: an interop test must never pass by skipping.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// The crate root (where Cargo.toml lives).
pub fn manifest_dir() -> &'static Path {
    // This module serves the tests of capi/ and cli/ too: their package sits one level down.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    if dir.join("qt-interop").is_dir() {
        dir
    } else {
        dir.parent().expect("a workspace member's parent")
    }
}

/// Cargo's target directory (honours `CARGO_TARGET_DIR`), so `cargo clean` removes our builds.
pub fn target_dir() -> PathBuf {
    // CARGO_TARGET_TMPDIR is `<target-dir>/tmp` for integration tests.
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| manifest_dir().join("target"))
}

/// Where the C++ interop builds go: `<target-dir>/qt-interop/<name>`.
pub fn interop_build_dir(name: &str) -> PathBuf {
    target_dir().join("qt-interop").join(name)
}

fn describe(cmd: &Command) -> String {
    let mut s = cmd.get_program().to_string_lossy().into_owned();
    for a in cmd.get_args() {
        s.push(' ');
        s.push_str(&a.to_string_lossy());
    }
    s
}

/// Runs `cmd` to completion and panics (with its stdout and stderr) unless it exits with 0.
pub fn run_checked(cmd: &mut Command) -> Output {
    let what = describe(cmd);
    let out = cmd.output().unwrap_or_else(|e| panic!("could not start `{what}`: {e}"));
    if !out.status.success() {
        panic!(
            "`{what}` failed with {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    out
}

/// Installs stock Qt 5/6, CMake and Ninja if missing (`qt-interop/install-qt-deps.sh`). Runs the
/// script once per test process.
pub fn install_qt_deps() {
    static DONE: OnceLock<()> = OnceLock::new();
    DONE.get_or_init(|| {
        let script = manifest_dir().join("qt-interop").join("install-qt-deps.sh");
        run_checked(Command::new("bash").arg(&script).current_dir(manifest_dir()));
    });
}

/// Configures (`cmake -G Ninja`) and builds the CMake project in `source` (relative to the crate
/// root) into `<target-dir>/qt-interop/<build_name>` and returns the path of `executable` there.
pub fn build_cmake_program(source: &str, build_name: &str, defines: &[&str], executable: &str) -> PathBuf {
    install_qt_deps();
    let source_dir = manifest_dir().join(source);
    let build_dir = interop_build_dir(build_name);
    // Test binaries run in parallel processes (and developers run several at once): serialize
    // builds of the same directory with a lock file beside it.
    std::fs::create_dir_all(build_dir.parent().expect("has a parent")).expect("create build root");
    let lock = std::fs::File::create(build_dir.with_extension("lock")).expect("create lock file");
    lock.lock().expect("lock the build directory");
    let mut configure = Command::new("cmake");
    configure.arg("-G").arg("Ninja").arg("-S").arg(&source_dir).arg("-B").arg(&build_dir);
    for d in defines {
        configure.arg(format!("-D{d}"));
    }
    run_checked(configure.current_dir(manifest_dir()));
    run_checked(Command::new("cmake").arg("--build").arg(&build_dir).current_dir(manifest_dir()));
    let exe = build_dir.join(executable);
    assert!(exe.is_file(), "the build of {source} did not produce {}", exe.display());
    exe
}
