//! Generates the typed SimpleSwitch API from the .rep file Qt's simpleswitch pair uses.

fn main() {
    let rep = "../../qt-interop/simpleswitch/simpleswitch.rep";
    println!("cargo:rerun-if-changed={rep}");
    let out_dir = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    if let Err(e) = qtro_rs::rep::codegen::compile_rep(rep, &out_dir) {
        panic!("{e}");
    }
}
