#!/usr/bin/env bash
# Benchmarks qtro_rs against stock Qt Remote Objects, side by side, and writes bench/RESULTS.md.
#
#   bash bench/run.sh                 # full run (~10 min on 2 cores): 8 scenarios x 4 pairings x tcp/local x 5 reps
#   bash bench/run.sh --quick         # smoke test (1 rep, smaller counts; writes target/bench/RESULTS-quick.md)
#   bash bench/run.sh --scenarios prop,sig --transports tcp --pairs RR,QQ --reps 3
#   bash bench/run.sh --qt 5          # against Qt 5.15 (Rust peers speak Dialect::Qt5)
#   bash bench/run.sh --rust-args "--rt current"    # extra options for the Rust peers
#
# Builds the stock-Qt peer (qt-interop/bench, CMake), the Rust peer (examples/bench_peer.rs, release)
# and the driver (benches/interop.rs, std only), then runs the driver. See bench/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."

qt=6
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  if [ "${args[$i]}" = "--qt" ]; then qt="${args[$((i + 1))]:-6}"; fi
done

bash qt-interop/install-qt-deps.sh

echo "bench: building the stock-Qt $qt peer" >&2
build="target/qt-interop/bench-qt$qt"
cmake -G Ninja -S qt-interop/bench -B "$build" -DCMAKE_BUILD_TYPE=Release -DQTRO_QT_MAJOR="$qt" >/dev/null
cmake --build "$build" >/dev/null

echo "bench: building the Rust peer (release)" >&2
cargo build --release --quiet --example bench_peer

echo "bench: building the driver" >&2
mkdir -p target/bench
rustc --edition 2021 -O --crate-name interop benches/interop.rs -o target/bench/interop

exec target/bench/interop --run "$@"
