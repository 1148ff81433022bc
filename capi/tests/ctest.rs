//! Runs the ctest suite in `cpp-tests/` (C and C++ tests of the C API under AddressSanitizer, the
//! C++ wrapper, the Qt adapter, interop with stock Qt 6 peers, and the CMake package), so that
//! `cargo test` covers libqtro_rs as C and C++ programs use it.
//!
//! The suite is configured against the library cargo just built (`target/<profile>/libqtro_rs.so`,
//! through the CMake package in `cmake/`) and reuses the stock-Qt peer program the Rust interop
//! tests build. One Rust test per ctest label, so failures point at the area.

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

mod common;
use common::qt_build::{install_qt_deps, manifest_dir, run_checked, target_dir};
use common::qt_peer::peer_exe;

/// `target/<profile>`: where cargo puts libqtro_rs.so for this build. The shared and static
/// libraries are built here first (a no-op when they are current).
fn library_dir() -> PathBuf {
    // The test binary is target/<profile>/deps/ctest-<hash>.
    let exe = std::env::current_exe().expect("current exe");
    let dir = exe.parent().and_then(|d| d.parent()).expect("target/<profile>").to_path_buf();
    let mut cargo = Command::new(env!("CARGO"));
    cargo.args(["build", "-p", "qtro-capi", "--lib", "--quiet"]).current_dir(manifest_dir());
    if dir.file_name().is_some_and(|n| n == "release") {
        cargo.arg("--release");
    }
    run_checked(&mut cargo);
    assert!(
        dir.join("libqtro_rs.so").is_file(),
        "{} has no libqtro_rs.so (capi/ builds it as a cdylib)",
        dir.display()
    );
    dir
}

/// Configures and builds cpp-tests once per test binary; returns the build directory.
fn build() -> &'static PathBuf {
    static BUILD: OnceLock<PathBuf> = OnceLock::new();
    BUILD.get_or_init(|| {
        install_qt_deps();
        let peer = peer_exe(6);
        let build_dir = target_dir().join("cpp-tests");
        std::fs::create_dir_all(&build_dir).expect("create build dir");
        // Several test processes may share the target directory.
        let lock = std::fs::File::create(target_dir().join("cpp-tests.lock")).expect("lock file");
        lock.lock().expect("lock cpp-tests");
        let root = manifest_dir();
        run_checked(
            Command::new("cmake")
                .args(["-G", "Ninja", "-S"])
                .arg(root.join("cpp-tests"))
                .arg("-B")
                .arg(&build_dir)
                .arg(format!("-Dqtro_rs_DIR={}", root.join("cmake").display()))
                .arg(format!("-DQTRO_RS_LIBRARY_DIR={}", library_dir().display()))
                .arg(format!("-DQTRO_QT_PEER={}", peer.display()))
                .arg("-DCMAKE_BUILD_TYPE=Debug"),
        );
        run_checked(Command::new("cmake").arg("--build").arg(&build_dir));
        drop(lock);
        build_dir
    })
}

/// Runs the ctest tests with `label` and panics with ctest's output unless all pass.
fn ctest(label: &str) {
    let dir = build();
    let out = Command::new("ctest")
        .arg("--test-dir")
        .arg(dir)
        .args(["--output-on-failure", "--no-tests=error", "--timeout", "90", "-L"])
        .arg(format!("^{label}$"))
        .output()
        .expect("run ctest");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    println!("{text}");
    assert!(out.status.success(), "ctest -L {label} failed:\n{text}");
}

#[test]
fn ctest_c_api() {
    ctest("api");
}

#[test]
fn ctest_cpp_wrapper() {
    ctest("cpp");
}

#[test]
fn ctest_qt_interop() {
    ctest("interop");
}

#[test]
fn ctest_cmake_package_and_examples() {
    ctest("package");
}
