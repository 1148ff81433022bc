#!/usr/bin/env bash
# The qtro_rs demo: Qt's "simpleswitch" pair, with one side written in Rust (qtro_rs) and the
# other built against stock Qt 6 — in both directions, over a local socket.
#   1. Rust source  (examples/simpleswitch_source.rs)  <->  stock-Qt replica (qt-interop/simpleswitch)
#   2. stock-Qt source                                  <->  Rust replica (examples/simpleswitch_replica.rs)
# Installs what it needs (Qt 6, CMake, Ninja) when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

bash qt-interop/install-qt-deps.sh
echo "==> building the Rust examples and the stock-Qt simpleswitch pair"
cargo build --quiet --examples
cmake -G Ninja -S qt-interop/simpleswitch -B target/qt-interop/simpleswitch-qt6 >/dev/null
cmake --build target/qt-interop/simpleswitch-qt6 >/dev/null
qt_bin=target/qt-interop/simpleswitch-qt6
rust_bin=target/debug/examples

url="local:qtro_demo_switch_$$"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

echo
echo "==> 1. Rust source, stock-Qt replica ($url)"
"$rust_bin/simpleswitch_source" --url "$url" --period-ms 400 --count 4 | sed 's/^/  [rust source] /' &
pids+=($!)
sleep 0.3
"$qt_bin/simpleswitch_replica" --url "$url" --exit-when-source-lost 2>&1 | sed 's/^/  [qt replica]  /' &
pids+=($!)
wait "${pids[@]}"
pids=()

echo
echo "==> 2. stock-Qt source, Rust replica ($url)"
"$qt_bin/simpleswitch_source" --url "$url" --period-ms 400 --acks 3 2>&1 | sed 's/^/  [qt source]    /' &
pids+=($!)
sleep 0.3
"$rust_bin/simpleswitch_replica" --url "$url" --count 3 | sed 's/^/  [rust replica] /' &
pids+=($!)
wait "${pids[@]}"
pids=()
echo
echo "demo finished: both directions interoperated with stock Qt $(pkg-config --modversion Qt6Core 2>/dev/null || echo 6)"
