#!/usr/bin/env bash
# Builds the SimpleSwitch pair and runs it until the source got three acknowledgements (200 ms
# period), checking both logs.
# Usage: qt-interop/simpleswitch/smoke.sh [BUILD_DIR]   (QTRO_QT_MAJOR=5 for Qt 5.15)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
major="${QTRO_QT_MAJOR:-6}"
build="${1:-$root/target/qt-interop/simpleswitch-qt$major}"

mkdir -p "$build"
{ cmake -G Ninja -S "$here" -B "$build" -DQTRO_QT_MAJOR="$major" && cmake --build "$build"; } \
  >"$build/smoke-build.log" 2>&1 || { cat "$build/smoke-build.log"; exit 1; }

work="$(mktemp -d "${TMPDIR:-/tmp}/simpleswitch-smoke.XXXXXX")"
trap 'rm -rf "$work" "${TMPDIR:-/tmp}/simpleswitch_smoke_$$"' EXIT
url="local:simpleswitch_smoke_$$"

timeout 30 "$build/simpleswitch_source" --url "$url" --period-ms 200 --acks 3 >"$work/source.log" 2>&1 &
source_pid=$!
timeout 30 "$build/simpleswitch_replica" --url "$url" --exit-when-source-lost >"$work/replica.log" 2>&1 \
  || { echo "FAIL: replica exited with $?"; cat "$work"/*.log; exit 1; }
wait "$source_pid" || { echo "FAIL: source exited with $?"; cat "$work"/*.log; exit 1; }

expect_lines() { # FILE LINE... : the LINEs must appear in this order (other lines may come between)
  local file="$1" next=0 line; shift
  local wanted=("$@")
  while IFS= read -r line; do
    if [ "$next" -lt "${#wanted[@]}" ] && [ "$line" = "${wanted[$next]}" ]; then next=$((next + 1)); fi
  done <"$file"
  if [ "$next" -lt "${#wanted[@]}" ]; then
    echo "FAIL: $(basename "$file") lacks, in order: ${wanted[$next]}"; cat "$file"; exit 1
  fi
}
expect_lines "$work/source.log" \
  "source: hosting SimpleSwitch at $url, toggling every 200 ms" \
  "source: currState=true" "source: replica acknowledged clientState=true" \
  "source: currState=false" "source: replica acknowledged clientState=false" \
  "source: currState=true" "source: replica acknowledged clientState=true"
expect_lines "$work/replica.log" \
  "replica: connecting to $url" "replica: state Default -> Valid" \
  "replica: currState=true, acknowledging with server_slot(true)" \
  "replica: currState=false, acknowledging with server_slot(false)" \
  "replica: currState=true, acknowledging with server_slot(true)" \
  "replica: state Valid -> Suspect" "replica: source lost, exiting"
echo "simpleswitch smoke passed (Qt $major)"
