//! Build script of the C library (`capi/Cargo.toml` names this file as its `build`; paths a build
//! script prints are relative to that package).
//!
//! Gives the shared library a versioned soname (`libqtro_rs.so.0`) so C/C++ programs linked against
//! it keep working across compatible upgrades and packagers can install it the usual way.

fn main() {
    println!("cargo:rerun-if-changed=../build.rs");
    let target_os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if target_os == "linux" {
        let major = std::env::var("CARGO_PKG_VERSION_MAJOR").unwrap_or_else(|_| "0".into());
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libqtro_rs.so.{major}");
    }
}
