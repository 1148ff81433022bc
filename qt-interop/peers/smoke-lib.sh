# Shared by smoke.sh and model-smoke.sh (sourced, not run): builds the peer and defines the
# helpers that start peers, send commands and wait for their events.
# shellcheck shell=bash
SMOKE_LIB_LOADED=1

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
major="${QTRO_QT_MAJOR:-6}"
build="${1:-$root/target/qt-interop/peers-qt$major}"
timeout_s="${SMOKE_TIMEOUT:-10}"

echo "== building $build (Qt $major)"
mkdir -p "$build"
build_log="$build/smoke-build.log"
{ cmake -G Ninja -S "$here" -B "$build" -DQTRO_QT_MAJOR="$major" && cmake --build "$build"; } \
  >"$build_log" 2>&1 || { cat "$build_log"; exit 1; }
peer="$build/qtro_qt_peer"

tag="qtro_smoke_$$"
top="$(mktemp -d "${TMPDIR:-/tmp}/qtro-smoke.XXXXXX")"
work="$top"
scenarios=0
declare -A pids fds
cleanup() {
  local name
  for name in "${!pids[@]}"; do kill -CONT "${pids[$name]}" 2>/dev/null || true; kill "${pids[$name]}" 2>/dev/null || true; done
  wait 2>/dev/null || true
  # Socket files of local: servers that were killed rather than quit (Qt puts them in TMPDIR).
  rm -f "${TMPDIR:-/tmp}/${tag}"_*
  if [ "${SMOKE_KEEP:-0}" = 1 ]; then echo "logs kept in $top"; else rm -rf "$top"; fi
}
trap cleanup EXIT

passed=0

fail() {
  echo "FAIL: $*" >&2
  local log
  for log in "$work"/*.log; do
    [ -e "$log" ] || continue
    echo "---- $(basename "$log" .log) (stdout)" >&2; cat "$log" >&2
    if [ -s "${log%.log}.err" ]; then echo "---- $(basename "$log" .log) (stderr)" >&2; cat "${log%.log}.err" >&2; fi
  done
  exit 1
}

# start NAME ARGS... : runs a peer with stdin on a fifo we keep open, stdout in NAME.log.
start() {
  local name="$1" fd; shift
  mkfifo "$work/$name.in"
  "$peer" "$@" <"$work/$name.in" >"$work/$name.log" 2>"$work/$name.err" &
  pids[$name]=$!
  exec {fd}>"$work/$name.in"
  fds[$name]=$fd
}

# send NAME COMMAND : writes one command line to the peer.
send() { printf '%s\n' "$2" >&"${fds[$1]}"; }

# matches NAME TEXT... : does one line of NAME's output contain every TEXT (fixed strings)?
matches() {
  local name="$1" lines text; shift
  lines="$(cat "$work/$name.log")"
  for text in "$@"; do lines="$(grep -F -- "$text" <<<"$lines" || true)"; done
  [ -n "$lines" ]
}

# expect NAME TEXT... : waits until NAME prints a line containing every TEXT.
expect() {
  local name="$1" deadline=$((SECONDS + timeout_s)); shift
  until matches "$name" "$@"; do
    if [[ "$*" != *'"event":"fatal"'* ]] && matches "$name" '"event":"fatal"'; then
      fail "$name failed to start (waiting for: $*)"
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then fail "$name: no line with: $*"; fi
    sleep 0.05
  done
}

# check DESCRIPTION NAME TEXT... : expect + report.
check() {
  local description="$1"; shift
  expect "$@"
  passed=$((passed + 1))
  echo "ok $passed - $description"
}

# url_of NAME : the URL from NAME's "ready" event.
url_of() {
  expect "$1" '"event":"ready"'
  sed -n 's/^{"event":"ready".*"url":"\([^"]*\)".*/\1/p' "$work/$1.log" | head -n 1
}

# stop NAME : "quit", then wait for a clean exit.
stop() {
  local name="$1"
  send "$name" quit
  expect "$name" '"event":"exit","reason":"quit"'
  exec {fds[$name]}>&-
  wait "${pids[$name]}" || fail "$name exited with status $?"
  unset "pids[$name]"
}

# scenario TITLE : starts a new scenario; its peers log into a directory of their own.
scenario() {
  scenarios=$((scenarios + 1))
  work="$top/$(printf '%02d' "$scenarios")"
  mkdir -p "$work"
  echo "== $*"
}

# reply NAME COMMAND : sends COMMAND and prints NAME's next "ok"/"error" line for it (waits for
# it; asynchronous commands such as walk answer late).
reply() {
  local name="$1" cmd="$2" word before deadline
  word="${cmd%% *}"
  before=$(grep -c -F "\"cmd\":\"$word\"" "$work/$name.log" || true)
  send "$name" "$cmd"
  deadline=$((SECONDS + timeout_s))
  until [ "$(grep -c -F "\"cmd\":\"$word\"" "$work/$name.log" || true)" -gt "$before" ]; do
    if [ "$SECONDS" -ge "$deadline" ]; then fail "$name: no reply to: $cmd"; fi
    sleep 0.05
  done
  grep -F "\"cmd\":\"$word\"" "$work/$name.log" | sed -n "$((before + 1))p"
}

# json_check DESCRIPTION PYTHON_EXPR LINE... : evaluates PYTHON_EXPR with a = json of the first
# LINE, b = json of the second (if any); fails unless it is true.
json_check() {
  local description="$1" expr="$2"; shift 2
  if ! python3 - "$expr" "$@" <<'PY'
import json, sys
expr = sys.argv[1]
values = [json.loads(x) for x in sys.argv[2:]]
a = values[0] if values else None
b = values[1] if len(values) > 1 else None
ok = eval(expr)
if not ok:
    print("a =", json.dumps(a)[:2000], file=sys.stderr)
    if b is not None:
        print("b =", json.dumps(b)[:2000], file=sys.stderr)
sys.exit(0 if ok else 1)
PY
  then fail "$description ($expr)"; fi
  passed=$((passed + 1))
  echo "ok $passed - $description"
}

# same_model DESCRIPTION REPLICA SOURCE [REPLICA_COMMAND] : walks the replica (default "walk"),
# dumps the source and checks that both models are equal.
same_model() {
  local description="$1" rep="$2" src="$3" cmd="${4:-walk}" walked dumped
  walked="$(reply "$rep" "$cmd")"
  dumped="$(reply "$src" dump)"
  json_check "$description" "a.get('event') == 'ok' and a.get('model') == b.get('model')" "$walked" "$dumped"
}

# count_lines NAME TEXT... : how many lines of NAME's output contain every TEXT.
count_lines() {
  local name="$1" lines text; shift
  lines="$(cat "$work/$name.log")"
  for text in "$@"; do lines="$(grep -F -- "$text" <<<"$lines" || true)"; done
  if [ -z "$lines" ]; then echo 0; else wc -l <<<"$lines"; fi
}

# check_more DESCRIPTION NAME BEFORE TEXT... : waits until more than BEFORE lines of NAME contain
# every TEXT (for events that already happened once, e.g. a second modelReset).
check_more() {
  local description="$1" name="$2" before="$3" deadline=$((SECONDS + timeout_s)); shift 3
  until [ "$(count_lines "$name" "$@")" -gt "$before" ]; do
    if [ "$SECONDS" -ge "$deadline" ]; then fail "$name: no new line with: $*"; fi
    sleep 0.05
  done
  passed=$((passed + 1))
  echo "ok $passed - $description"
}
