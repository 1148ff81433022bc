//! Snapshot tests of the Rust code generated from `.rep` files.
//!
//! Every `.rep` file of `tests/rep/` is generated into `tests/rep/generated/<name>.rs`, the
//! interfaces of the Qt interop peer (`qt-interop/peers/interop.rep`) into
//! `tests/rep/generated/peers_interop.rs`, and the simpleswitch interface of the Qt examples into
//! `examples/generated/simpleswitch.rs`. Those
//! files are committed: `tests/typed_generated.rs` and the typed examples compile them, and this
//! test fails when one of them is not what the generator produces now. Run with
//! `QTRO_UPDATE_SNAPSHOTS=1` to rewrite them.
//!
//! When `rustfmt` is installed, the generated code must also be exactly what rustfmt makes of it.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use qtro_rs::rep::codegen::generate_file;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// (`.rep` file, snapshot file) pairs.
fn snapshots() -> Vec<(PathBuf, PathBuf)> {
    let dir = root().join("tests/rep");
    let mut reps: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "rep"))
        .collect();
    reps.sort();
    let mut pairs: Vec<(PathBuf, PathBuf)> = reps
        .into_iter()
        .map(|rep| {
            let out = dir.join("generated").join(format!("{}.rs", rep.file_stem().unwrap().to_string_lossy()));
            (rep, out)
        })
        .collect();
    pairs.push((
        root().join("qt-interop/simpleswitch/simpleswitch.rep"),
        root().join("examples/generated/simpleswitch.rs"),
    ));
    // The interfaces of the stock-Qt interop peer (tests/typed_interop_qt.rs).
    pairs.push((root().join("qt-interop/peers/interop.rep"), dir.join("generated/peers_interop.rs")));
    pairs
}

fn update() -> bool {
    std::env::var_os("QTRO_UPDATE_SNAPSHOTS").is_some_and(|v| v != "0" && !v.is_empty())
}

fn rel(p: &Path) -> String {
    p.strip_prefix(root()).unwrap_or(p).display().to_string()
}

#[test]
fn generated_code_matches_the_snapshots() {
    let mut stale = Vec::new();
    for (rep, out) in snapshots() {
        let code = generate_file(&rep).unwrap_or_else(|e| panic!("{}: {e}", rel(&rep)));
        let current = std::fs::read_to_string(&out).ok();
        if current.as_deref() == Some(code.as_str()) {
            continue;
        }
        if update() {
            std::fs::create_dir_all(out.parent().unwrap()).unwrap();
            std::fs::write(&out, &code).unwrap();
            eprintln!("updated {}", rel(&out));
        } else {
            stale.push(rel(&out));
        }
    }
    assert!(
        stale.is_empty(),
        "generated code differs from the committed snapshots {stale:?}; \
         rerun with QTRO_UPDATE_SNAPSHOTS=1 to rewrite them, and review the diff"
    );
}

/// `rustfmt` leaves the generated code unchanged (skipped when rustfmt is not installed).
#[test]
fn generated_code_is_rustfmt_clean() {
    if Command::new("rustfmt").arg("--version").output().is_err() {
        eprintln!("rustfmt not installed; skipping");
        return;
    }
    let mut unclean = Vec::new();
    for (rep, _) in snapshots() {
        let code = generate_file(&rep).unwrap();
        // Outside the repository: rustfmt's defaults, which user crates format with, not our
        // rustfmt.toml.
        let mut child = Command::new("rustfmt")
            .current_dir(std::env::temp_dir())
            .args(["--edition", "2021", "--emit", "stdout"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let input = code.clone();
        let writer = std::thread::spawn(move || std::io::Write::write_all(&mut stdin, input.as_bytes()));
        let output = child.wait_with_output().unwrap();
        writer.join().unwrap().unwrap();
        assert!(
            output.status.success(),
            "rustfmt failed on {}: {}",
            rel(&rep),
            String::from_utf8_lossy(&output.stderr)
        );
        let formatted = String::from_utf8(output.stdout).unwrap();
        if formatted != code {
            let first = code.lines().zip(formatted.lines()).position(|(a, b)| a != b).unwrap_or(0);
            unclean.push(format!("{} (first difference at line {})", rel(&rep), first + 1));
        }
    }
    assert!(unclean.is_empty(), "rustfmt would reformat the code generated from {unclean:?}");
}

#[test]
fn signatures_in_generated_code_are_repcs() {
    for (rep, _) in snapshots() {
        let text = std::fs::read_to_string(&rep).unwrap();
        let file = qtro_rs::rep::parse(&text).unwrap();
        let code = generate_file(&rep).unwrap();
        for (class, sig) in qtro_rs::rep::signatures_qt6(&file) {
            assert!(
                code.contains(&format!("pub const SIGNATURE: &'static str = \"{sig}\";")),
                "{}: class {class} lacks its signature {sig}",
                rel(&rep)
            );
        }
    }
}

/// `compile_rep` (for build scripts) writes `<out_dir>/<stem>.rs` and leaves an up-to-date file
/// alone, so dependent crates are not rebuilt needlessly.
#[test]
fn compile_rep_writes_the_generated_file_once() {
    let out_dir = std::env::temp_dir().join(format!("qtro-compile-rep-{}", std::process::id()));
    std::fs::create_dir_all(&out_dir).unwrap();
    let rep = root().join("qt-interop/simpleswitch/simpleswitch.rep");
    let path = qtro_rs::rep::codegen::compile_rep(&rep, &out_dir).unwrap();
    assert_eq!(path, out_dir.join("simpleswitch.rs"));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), generate_file(&rep).unwrap());
    let written = std::fs::metadata(&path).unwrap().modified().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    qtro_rs::rep::codegen::compile_rep(&rep, &out_dir).unwrap();
    assert_eq!(std::fs::metadata(&path).unwrap().modified().unwrap(), written);
    std::fs::remove_dir_all(&out_dir).unwrap();
}

#[test]
fn errors_name_the_file_and_position() {
    let dir = std::env::temp_dir().join(format!("qtro-bad-rep-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.rep");
    std::fs::write(&bad, "class Broken {\n  PROP(int)\n}\n").unwrap();
    let err = generate_file(&bad).unwrap_err().to_string();
    assert!(err.contains("bad.rep:2:"), "{err}");
    assert!(generate_file(dir.join("missing.rep")).unwrap_err().to_string().contains("missing.rep"));
    std::fs::remove_dir_all(&dir).unwrap();
}
