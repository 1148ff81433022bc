#!/usr/bin/env bash
# Profiles one benchmark scenario: where the CPU time of each process goes, function by function.
#
#   bash bench/profile.sh SCENARIO [--tool callgrind|perf] [--pair RR|RQ|QR|QQ] [--side source|replica|both]
#                                  [--transport tcp|local] [--count N] [--top K] [-- extra peer args]
#
#   callgrind (default): exact instruction counts, immune to the noise of a shared machine. Each side
#     runs under valgrind in turn (the other natively) twice, at N and N/5 operations, so the
#     per-operation count excludes start-up. Prints instructions/op and the top functions (inclusive
#     and self, per operation). Valgrind serialises threads: wake-ups and syscalls are not counted.
#   perf: wall-clock sampling of both processes at once (call graphs through DWARF), including the
#     kernel (syscalls, context switches, wake-ups), which callgrind cannot see.
#   stat: perf stat of both processes at N and N/5 operations: syscalls, context switches, CPU
#     migrations and CPU time per operation (start-up excluded).
#
# Output: the summaries on stdout and in target/bench/profile/, with the raw profiles next to them
# (callgrind_annotate / perf report can dig further).
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
[ $# -ge 1 ] || usage
scenario=$1; shift
tool=callgrind pair=RR side=both transport=tcp count="" top=25 extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --tool) tool=$2; shift 2 ;;
    --pair) pair=$2; shift 2 ;;
    --side) side=$2; shift 2 ;;
    --transport) transport=$2; shift 2 ;;
    --count) count=$2; shift 2 ;;
    --top) top=$2; shift 2 ;;
    --) shift; extra=("$@"); break ;;
    *) usage ;;
  esac
done
case "$scenario" in prop|sig|rtt|pipe|bulk|init1|init200|fanout|mscroll|mchange) ;; *) echo "unknown scenario $scenario" >&2; exit 2 ;; esac
if [ -z "$count" ]; then
  # Enough operations to dominate start-up, few enough for valgrind (~50x slower).
  case "$scenario" in
    prop|sig|pipe) count=100000 ;; rtt) count=10000 ;; bulk) count=100 ;; init1) count=2000 ;; init200) count=100 ;; fanout) count=2000 ;;
    mscroll) count=20000 ;; mchange) count=20000 ;;
  esac
fi

bash qt-interop/install-qt-deps.sh
cmake -G Ninja -S qt-interop/bench -B target/qt-interop/bench-qt6 -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build target/qt-interop/bench-qt6 >/dev/null
cargo build --release --quiet --example bench_peer
case "$tool" in
  callgrind) command -v valgrind >/dev/null || { echo "valgrind is not installed" >&2; exit 1; } ;;
  perf|stat) command -v perf >/dev/null || { echo "perf is not installed" >&2; exit 1; } ;;
  *) usage ;;
esac

rust=target/release/examples/bench_peer
qt=target/qt-interop/bench-qt6/qtro_qt_bench
peer() { case "$1" in R) echo "$rust" ;; Q) echo "$qt" ;; *) echo "bad pair" >&2; exit 2 ;; esac; }
src_bin=$(peer "${pair:0:1}")
rep_bin=$(peer "${pair:1:1}")
out=target/bench/profile
mkdir -p "$out"
tag="$scenario-$pair-$transport"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

listen_url() { if [ "$transport" = tcp ]; then echo "tcp://127.0.0.1:0"; else echo "local:qtrobench-prof-$$-$1"; fi; }

# run_pair N SRC_WRAPPER REP_WRAPPER: one source + one replica; prints the replica's result line.
run_pair() {
  local n=$1 swrap=$2 rwrap=$3 fifo srcout
  fifo=$(mktemp -u); mkfifo "$fifo"; srcout=$(mktemp)
  # shellcheck disable=SC2086
  $swrap "$src_bin" source --url "$(listen_url "$n")" --scenario "$scenario" --count "$n" --timeout-ms 600000 "${extra[@]}" \
    <"$fifo" >"$srcout" 2>/dev/null &
  local spid=$!; pids+=("$spid")
  exec 8>"$fifo"
  local url=""
  for _ in $(seq 600); do
    url=$(sed -n 's/^ready url=\([^ ]*\).*/\1/p' "$srcout")
    [ -n "$url" ] && break
    sleep 0.1
  done
  [ -n "$url" ] || { echo "source did not start" >&2; exit 1; }
  # shellcheck disable=SC2086
  $rwrap "$rep_bin" replica --url "$url" --scenario "$scenario" --count "$n" --timeout-ms 600000 "${extra[@]}" 2>/dev/null | grep '^result' || true
  for _ in $(seq 100); do grep -q '^usage' "$srcout" && break; sleep 0.1; done
  exec 8>&-
  for _ in $(seq 100); do kill -0 "$spid" 2>/dev/null || break; sleep 0.1; done
  kill "$spid" 2>/dev/null || true
  rm -f "$fifo" "$srcout"
}

total_ir() { callgrind_annotate "$1" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }'; }

# Top functions per operation from a callgrind profile (wrappers of the runtime left out).
cg_summary() {
  local file=$1 ops=$2 mode=$3
  callgrind_annotate --inclusive="$mode" --threshold=99.9 "$file" 2>/dev/null \
    | awk -v ops="$ops" -v top="$top" '
      /PROGRAM TOTALS/ { t = $1; gsub(",", "", t); next }
      /^ *[0-9,]+ +\(/ {
        ir = $1; gsub(",", "", ir)
        line = $0; sub(/^ *[0-9,]+ +\( *[0-9.]+%\) +/, "", line)
        sub(/ \[[^]]*\]$/, "", line)
        i = index(line, ":"); file = substr(line, 1, i - 1); fn = substr(line, i + 1); sub(/.*\//, "", file)
        if (fn ~ /^tokio::runtime::(context|scheduler|task|park|blocking)|^std::sys::|^std::rt::|^core::ops::function|^start_thread|^__libc_start|below main|^main$|__rust_begin_short_backtrace|^0x|lang_start|thread_start|BlockingTask|PollFn|^__rustc::__r/) next
        if (shown >= top || seen[fn]++) next
        if (length(fn) > 110) fn = substr(fn, 1, 107) "..."
        printf "%9.0f /op  %5.1f%%  %s  [%s]\n", ir / ops, 100 * ir / t, fn, file
        shown++
      }'
}

summary="$out/$tag-$tool.txt"
: >"$summary"
say() { echo "$@" | tee -a "$summary"; }

if [ "$tool" = callgrind ]; then
  small=$((count / 5)); [ "$small" -ge 1 ] || small=1
  sides=(source replica); [ "$side" = both ] || sides=("$side")
  for s in "${sides[@]}"; do
    files=()
    for n in "$small" "$count"; do
      f="$out/$tag-$s-$n.callgrind"
      wrap="valgrind --tool=callgrind --callgrind-out-file=$f"
      if [ "$s" = source ]; then run_pair "$n" "$wrap" "" >/dev/null; else run_pair "$n" "" "$wrap" >/dev/null; fi
      files+=("$f")
    done
    a=$(total_ir "${files[0]}"); b=$(total_ir "${files[1]}")
    per=$(( (b - a) / (count - small) ))
    # Fan-out replicas: per delivery (50 per signal).
    say ""
    say "=== $scenario $pair $transport, $s ($([ "$s" = source ] && echo "$src_bin" || echo "$rep_bin")): $per instructions/op (start-up excluded; $b total at $count ops)"
    say "--- inclusive, per op (includes start-up share) ---"
    cg_summary "${files[1]}" "$count" yes | tee -a "$summary"
    say "--- self, per op ---"
    cg_summary "${files[1]}" "$count" no | tee -a "$summary"
  done
elif [ "$tool" = stat ]; then
  small=$((count / 5)); [ "$small" -ge 1 ] || small=1
  events=raw_syscalls:sys_enter,context-switches,cpu-migrations,task-clock
  for n in "$small" "$count"; do
    run_pair "$n" "perf stat -x , -e $events -o $out/$tag-source-$n.stat --" \
                  "perf stat -x , -e $events -o $out/$tag-replica-$n.stat --" | tee -a "$summary"
  done
  say ""
  say "=== $scenario $pair $transport: per operation (difference of the runs at $count and $small ops)"
  printf '%-8s %14s %14s %14s %14s\n' side syscalls ctx-switches migrations cpu-us | tee -a "$summary"
  for s in source replica; do
    awk -F, -v s="$s" -v d=$((count - small)) '
      FNR == 1 { f++ }
      /^[0-9.]/ { v[f, $3] = $1 }
      END {
        printf "%-8s %14.2f %14.3f %14.3f %14.2f\n", s,
          (v[2, "raw_syscalls:sys_enter"] - v[1, "raw_syscalls:sys_enter"]) / d,
          (v[2, "context-switches"] - v[1, "context-switches"]) / d,
          (v[2, "cpu-migrations"] - v[1, "cpu-migrations"]) / d,
          (v[2, "task-clock"] - v[1, "task-clock"]) * 1000 / d
      }' "$out/$tag-$s-$small.stat" "$out/$tag-$s-$count.stat" | tee -a "$summary"
  done
else
  sw="perf record -q -F ${PERF_FREQ:-1999} --call-graph dwarf,16384 -o $out/$tag-source.perf --"
  rw="perf record -q -F ${PERF_FREQ:-1999} --call-graph dwarf,16384 -o $out/$tag-replica.perf --"
  run_pair "$count" "$sw" "$rw" | tee -a "$summary"
  sleep 1
  for s in source replica; do
    say ""
    say "=== $scenario $pair $transport, $s: self time by symbol (all threads, kernel included) ==="
    perf report -i "$out/$tag-$s.perf" --no-children --sort sym -g none --percent-limit 0.8 --stdio 2>/dev/null \
      | grep -v '^#' | grep -v '^$' | awk -v n="$top" 'NR <= n' | tee -a "$summary"
    say "--- inclusive (children), qtro_rs and tokio I/O functions ---"
    perf report -i "$out/$tag-$s.perf" --children --sort sym -g none --percent-limit 2 --stdio 2>/dev/null \
      | grep -v '^#' | grep -v '^$' | grep -E 'qtro_rs|tokio::(io|net|sync)|syscall|write|read|epoll|futex' | awk -v n="$top" 'NR <= n' | tee -a "$summary"
  done
fi
echo
echo "profile: summary in $summary; raw profiles in $out/"
