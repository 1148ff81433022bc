//! `qtro`: explore, test and debug Qt Remote Objects networks from the command line.
//! See the README section "qtro — the command-line tool" and `qtro --help`.

#[cfg(feature = "cli")]
fn main() {
    std::process::exit(qtro_rs::cli::main());
}

#[cfg(not(feature = "cli"))]
fn main() {
    eprintln!("qtro was built without the `cli` feature of qtro_rs");
    std::process::exit(2);
}
