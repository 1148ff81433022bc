//! `include/qtro_rs.h` is generated from `capi/src/` by cbindgen and committed. This test
//! regenerates it and fails when the committed header is stale; run
//! `QTRO_UPDATE_HEADER=1 cargo test -p qtro-capi --test c_header` to rewrite it. It also compiles the header
//! as C and C++ with warnings as errors.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The C library's package (capi/).
fn capi() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The repository, where include/ is.
fn root() -> &'static Path {
    capi().parent().expect("capi/ is in the repository")
}

fn generate() -> String {
    let config = cbindgen::Config::from_file(capi().join("cbindgen.toml")).expect("read cbindgen.toml");
    let bindings = cbindgen::Builder::new()
        .with_config(config)
        .with_src(capi().join("src/lib.rs"))
        .generate()
        .expect("cbindgen failed on capi/src");
    let mut out = Vec::new();
    bindings.write(&mut out);
    String::from_utf8(out).expect("header is UTF-8")
}

fn header_path() -> PathBuf {
    root().join("include/qtro_rs.h")
}

#[test]
fn committed_header_is_current() {
    let fresh = generate();
    let path = header_path();
    if std::env::var_os("QTRO_UPDATE_HEADER").is_some_and(|v| v == "1") {
        std::fs::write(&path, &fresh).expect("write include/qtro_rs.h");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed != fresh {
        let first = committed
            .lines()
            .zip(fresh.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(committed.lines().count().min(fresh.lines().count()));
        panic!(
            "include/qtro_rs.h is stale (first difference at line {}); regenerate it with\n  QTRO_UPDATE_HEADER=1 cargo test --test c_header\ncommitted: {:?}\nfresh:     {:?}",
            first + 1,
            committed.lines().nth(first),
            fresh.lines().nth(first)
        );
    }
}

fn compile(compiler: &str, std: &str, ext: &str, source: &str) {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("c_header");
    std::fs::create_dir_all(&dir).expect("tmp dir");
    let file = dir.join(format!("check_{}.{ext}", std.replace('+', "p")));
    std::fs::write(&file, source).expect("write test source");
    let out = Command::new(compiler)
        .arg(format!("-std={std}"))
        .args(["-Wall", "-Wextra", "-Werror", "-pedantic", "-fsyntax-only", "-I"])
        .arg(root().join("include"))
        .arg(&file)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {compiler}: {e}"));
    assert!(
        out.status.success(),
        "{compiler} -std={std} rejects the header:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn header_compiles_as_c_and_cpp() {
    let c = "#include \"qtro_rs.h\"\nint main(void) { return qtro_abi_version() == QTRO_ABI_VERSION ? 0 : 1; }\n";
    compile("cc", "c99", "c", c);
    compile("cc", "c11", "c", c);
    compile(
        "c++",
        "c++17",
        "cpp",
        "#include \"qtro_rs.hpp\"\nint main() { qtro::Value v = 1; return int(v.to_int()) - 1; }\n",
    );
}
