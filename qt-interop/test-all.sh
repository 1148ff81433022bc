#!/usr/bin/env bash
# Runs the whole qtro_rs test suite, installing what it needs first:
#   - system packages: stock Qt 6 and Qt 5.15 Remote Objects, CMake, Ninja (qt-interop/install-qt-deps.sh)
#   - gates: rustfmt, clippy and rustdoc with warnings denied, a build with the declared rust-version
#   - the Rust tests: unit tests, golden vectors from real Qt captures, property tests, and the
#     interop tests that build and run stock-Qt programs (QDataStream vectors, repc signatures)
#   - the fuzz targets: built with cargo-fuzz and run briefly on their seed corpora
# Usage: bash qt-interop/test-all.sh        (FUZZ_SECONDS=N to change the fuzz smoke time)
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

# One build per run: incremental caches would only cost disk (GBs) here.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"

step "system packages"
bash qt-interop/install-qt-deps.sh

step "gates: rustfmt, clippy, rustdoc, the declared rust-version"
cargo fmt --all --check
cargo fmt --manifest-path fuzz/Cargo.toml --check
cargo clippy --workspace --all-targets --quiet -- -D warnings
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --quiet
# The oldest Rust the crates declare they build with, checked with that very toolchain (clippy
# above already refuses standard-library APIs newer than it: incompatible_msrv).
msrv=$(sed -n 's/^rust-version = "\(.*\)"/\1/p' Cargo.toml)
if rustup toolchain install "$msrv" --profile minimal >/dev/null 2>&1; then
  cargo +"$msrv" check --workspace --all-targets --quiet --target-dir target/msrv
else
  echo "warning: Rust $msrv could not be installed here; rust-version checked by clippy's incompatible_msrv only" >&2
fi

step "cargo test (unit, golden vectors, property tests, stock-Qt interop)"
mkdir -p target
set +e
cargo test --workspace --all-targets --no-fail-fast 2>&1 | tee target/test-all.log
cargo_status=${PIPESTATUS[0]}
set -e
# Sum the results of every test binary into one closing line.
read -r passed failed < <(awk '/^test result:/ {
    for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i }
  } END { print p + 0, f + 0 }' target/test-all.log)
if [ "$cargo_status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  failed=1  # a build error or crash: no result line, but not a pass
fi

step "doc tests"
cargo test --workspace --doc

step "fuzz targets (build + ${FUZZ_SECONDS:-20}s smoke run each)"
if ! command -v cargo-fuzz >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked --quiet
fi
for target in $(RUSTC_BOOTSTRAP=1 cargo fuzz list --fuzz-dir fuzz); do
  corpus="fuzz/corpus/$target"
  mkdir -p "$corpus"
  # Start from the minimised corpus of the long runs (fuzz/corpora/, see fuzz/README.md).
  if [ -f "fuzz/corpora/$target.tar.gz" ] && [ -z "$(ls -A "$corpus")" ]; then
    tar -xzf "fuzz/corpora/$target.tar.gz" -C "$corpus"
  fi
  RUSTC_BOOTSTRAP=1 cargo fuzz run --fuzz-dir fuzz -O "$target" "$corpus" "fuzz/seeds/$target" -- \
    -max_total_time="${FUZZ_SECONDS:-20}" -rss_limit_mb=2048 -print_final_stats=1 2>&1 | tail -3
done

echo
echo "${passed} passed, ${failed} failed"
[ "$failed" -eq 0 ]
