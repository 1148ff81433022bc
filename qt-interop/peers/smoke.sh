#!/usr/bin/env bash
# Qt <-> Qt smoke test of qtro_qt_peer: builds the peers and drives stock-Qt sources, replicas
# and a registry against each other, checking the expected events with grep. Exits non-zero on
# the first failure (printing the logs of the peers involved).
#
# Usage: qt-interop/peers/smoke.sh [BUILD_DIR]
#   BUILD_DIR      default: target/qt-interop/peers-qt6 (or peers-qt5 with QTRO_QT_MAJOR=5)
#   QTRO_QT_MAJOR  6 (default) or 5: which stock Qt to build and run against
#   SMOKE_TIMEOUT  seconds to wait for each expected event (default 10)
#   SMOKE_KEEP=1   keep the peers' logs (one directory per scenario) and print where they are
set -euo pipefail
# shellcheck source=smoke-lib.sh
source "$(dirname "$0")/smoke-lib.sh"
# ---------------------------------------------------------------------------------------------
scenario "Interop over tcp (port 0): static source, static replica, dynamic replica"
start src source-static Interop --url tcp://127.0.0.1:0
check "source reports the signature in its interface" src '"event":"interface"' '"typeName":"Interop"'
url="$(url_of src)"
case "$url" in tcp://127.0.0.1:0|"") fail "port 0 not resolved: '$url'";; esac
echo "   source listening on $url"

start rep replica-static Interop --url "$url"
check "static replica: initialized" rep '"event":"initialized"'
check "static replica: Default -> Valid" rep '"event":"state","old":"Default","state":"Valid"'
send rep 'call 1 add [2,3]'
check "static replica: add(2,3) reply 5" rep '"event":"reply","id":1,"type":"int","value":5'
check "source: add invoked" src '"event":"invoked","args":[2,3],"result":5'
send rep 'call 2 echo ["héllo wörld"]'
check "static replica: echo reply" rep '"event":"reply","id":2,"type":"QString","value":"héllo wörld"'
send rep 'call 3 scale [1.5,4]'
check "static replica: scale reply" rep '"event":"reply","id":3,"type":"double","value":6'
send rep 'set text "hi"'
check "static replica: READWRITE set goes out as a property write" rep '"cmd":"set","name":"text"' '"via":"write"'
check "source: write reported" src '"event":"written","name":"text","type":"QString","value":"hi"'
check "static replica: text change comes back" rep '"event":"property"' '"name":"text","type":"QString","value":"hi"'
send rep 'set count 7'
check "static replica: READPUSH set goes out as pushCount" rep '"cmd":"set","name":"count"' '"via":"push"'
check "source: pushCount invoked" src '"event":"invoked","args":[7],"slot":"pushCount"'
check "static replica: count change" rep '"event":"property"' '"name":"count","type":"int","value":7'
send rep 'call 4 emitFired [42,"boom"]'
check "static replica: fired(42, boom)" rep '"event":"signal","args":[42,"boom"],"name":"fired"'
send src 'emit fired [-1,"from source"]'
check "static replica: fired emitted by the source" rep '"event":"signal","args":[-1,"from source"]'
send src 'set flag false'
check "static replica: READONLY flag changed by the source" rep '"event":"property"' '"name":"flag","type":"bool","value":false'
send rep 'set color "Blue"'
check "static replica: enum property" rep '"event":"property"' '"name":"color","type":"InteropReplica::Color","value":4'
send rep 'set blob {"$type":"QByteArray","base64":"AAEC/w=="}'
check "static replica: QByteArray property" rep '"event":"property"' '"name":"blob","type":"QByteArray","value":{"$type":"QByteArray","base64":"AAEC/w=="}'
send rep 'set tags ["a","b c"]'
check "static replica: QStringList property" rep '"event":"property"' '"name":"tags","type":"QStringList","value":["a","b c"]'
send rep 'set settings {"n":1,"d":{"$type":"double","value":2},"l":[true,"x"],"m":{"k":{"$type":"qlonglong","value":9}}}'
check "static replica: QVariantMap property keeps nested types" rep '"event":"property"' '"name":"settings"' '"d":{"$type":"double","value":2}' '"k":{"$type":"qlonglong","value":9}'

start dyn replica-dynamic --name Interop --url "$url"
check "dynamic replica: learned interface" dyn '"event":"interface","className":"Interop"' '"signature":"add(int,int)"'
check "dynamic replica: Uninitialized -> Valid" dyn '"event":"state","old":"Uninitialized","state":"Valid"'
check "dynamic replica: current values" dyn '"event":"property"' '"name":"count","type":"int","value":7'
send dyn 'call 9 add [40,2]'
check "dynamic replica: add reply" dyn '"event":"reply","id":9,"type":"int","value":42'
send dyn 'set ratio 0.25'
check "static replica sees the dynamic replica's write" rep '"event":"property"' '"name":"ratio","type":"double","value":0.25'
check "dynamic replica sees its own write" dyn '"event":"property"' '"name":"ratio","type":"double","value":0.25'
send dyn 'call r reset []'
check "static replica: reset restores count" rep '"event":"property"' '"name":"count","type":"int","value":0'
stop dyn
stop rep
stop src

# ---------------------------------------------------------------------------------------------
scenario "Shapes: PODs, a list and a map of PODs, an enum (static source, static replica)"
start src source-static Shapes --url tcp://127.0.0.1:0
url="$(url_of src)"
send src 'set origin {"x":1,"y":2,"z":3}'
check "source: a POD property prints as an object of its properties" src '"event":"property"' '"name":"origin","type":"Point3","value":{"x":1,"y":2,"z":3}'
start rep replica-static Shapes --url "$url"
check "static replica Valid" rep '"event":"state","old":"Default","state":"Valid"'
send rep 'get origin'
check "static replica: POD received with the init" rep '"cmd":"get","name":"origin"' '"type":"Point3","value":{"x":1,"y":2,"z":3}'
send src 'set path [{"x":1,"y":0,"z":0},{"x":0,"y":2}]'
check "static replica: list of PODs (missing members default to 0)" rep '"event":"property"' '"name":"path","type":"QList<Point3>","value":[{"x":1,"y":0,"z":0},{"x":0,"y":2,"z":0}]'
send src 'set named {"a":{"x":5,"y":6,"z":7}}'
check "static replica: map of PODs" rep '"event":"property"' '"name":"named","type":"QMap<QString,Point3>","value":{"a":{"x":5,"y":6,"z":7}}'
send rep 'call 1 scale [{"x":1,"y":2,"z":3},10]'
check "static replica: POD-returning slot" rep '"event":"reply","id":1,"type":"Point3","value":{"x":10,"y":20,"z":30}'
send rep 'call 2 next ["Green"]'
check "static replica: enum-returning slot" rep '"event":"reply","id":2' '"value":4'
check "source: next invoked with the enum" src '"event":"invoked","args":[3],"result":4' '"slot":"next"'
send rep 'call 3 move [{"x":9,"y":9,"z":9},"Blue"]'
check "static replica: signal with a POD and an enum" rep '"event":"signal","args":[{"x":9,"y":9,"z":9},4],"name":"moved"'
send rep 'set origin {"x":-1,"y":-2,"z":-3}'
check "source: POD written by the replica" src '"event":"written","name":"origin","type":"Point3","value":{"x":-1,"y":-2,"z":-3}'
send rep 'set named {"k":{"x":1,"y":1,"z":1}}'
check "source: pushNamed with a map of PODs" src '"event":"invoked","args":[{"k":{"x":1,"y":1,"z":1}}]' '"slot":"pushNamed"'
check "static replica: pushed map comes back" rep '"event":"property"' '"name":"named","type":"QMap<QString,Point3>","value":{"k":{"x":1,"y":1,"z":1}}'
send rep 'set color "Red"'
check "source: enum written by the replica" src '"event":"written","name":"color"' '"value":0'
send src 'set origin {"x":1,"w":2}'
check "source: unknown POD member is an error" src '"event":"error","cmd":"set","message":"Point3 has no property \"w\""'
stop rep
stop src

# ---------------------------------------------------------------------------------------------
scenario "Simple over local: static + dynamic replica, disable/enable, template API"
start src source-static Simple --url "local:${tag}_simple" --source-api template
check "source hosts on local:" src '"event":"ready"' "\"url\":\"local:${tag}_simple\""
start rep replica-static Simple --url "local:${tag}_simple"
start dyn replica-dynamic --name Simple --url "local:${tag}_simple"
check "static replica Valid" rep '"event":"state","old":"Default","state":"Valid"'
check "dynamic replica Valid" dyn '"event":"state","old":"Uninitialized","state":"Valid"'
check "static replica checks the reference signature" rep '"signature":"d73490aa59d4e788b36b725dafcbbcdddb485d09"'
send rep 'set value 11'
check "dynamic replica sees pushValue from the static one" dyn '"event":"property"' '"name":"value","type":"int","value":11'
send dyn 'call 1 add [-5,3]'
check "dynamic replica: add reply" dyn '"event":"reply","id":1,"type":"int","value":-2'
send src 'emit fired [5]'
check "static replica: fired(int)" rep '"event":"signal","args":[5],"name":"fired"'
check "dynamic replica: fired(int)" dyn '"event":"signal","args":[5],"name":"fired"'
send src disable
check "static replica Suspect after disableRemoting" rep '"event":"state","old":"Valid","state":"Suspect"'
check "dynamic replica Suspect after disableRemoting" dyn '"event":"state","old":"Valid","state":"Suspect"'
send src enable
check "static replica Valid again after enableRemoting" rep '"event":"state","old":"Suspect","state":"Valid"'
check "dynamic replica Valid again after enableRemoting" dyn '"event":"state","old":"Suspect","state":"Valid"'
stop dyn
stop rep
stop src

# ---------------------------------------------------------------------------------------------
scenario "plain QObject source (dynamic API) with a dynamic replica"
start src source-plain --url "local:${tag}_plain"
expect src '"event":"ready"'
start dyn replica-dynamic --name Plain --url "local:${tag}_plain"
check "dynamic replica Valid" dyn '"event":"state","old":"Uninitialized","state":"Valid"'
check "no type name: the learned class is anonymous" dyn '"event":"interface","className":""' '"typeName":""'
send dyn 'call 1 multiply [6,7]'
check "Q_INVOKABLE multiply reply" dyn '"event":"reply","id":1,"type":"int","value":42'
send dyn 'set anything {"$type":"double","value":2.5}'
check "QVariant property" dyn '"event":"property"' '"name":"anything","type":"double","value":2.5'
send dyn 'set mode "Auto"'
check "enum property" dyn '"event":"property"' '"name":"mode"' '"value":3'
send src 'set ticks 5'
check "read-only property changed by the source" dyn '"event":"property"' '"name":"ticks","type":"int","value":5'
stop dyn
stop src

# ---------------------------------------------------------------------------------------------
if [ "$major" = 6 ]; then
  scenario "Simple over localabstract (Qt 6, Linux only)"
  start src source-static Simple --url "localabstract:${tag}_abs"
  expect src '"event":"ready"'
  start rep replica-static Simple --url "localabstract:${tag}_abs"
  check "static replica Valid over localabstract" rep '"event":"state","old":"Default","state":"Valid"'
  send rep 'call 1 add [1,1]'
  check "add reply over localabstract" rep '"event":"reply","id":1,"type":"int","value":2'
  stop rep
  stop src
else
  scenario "localabstract is not available in Qt 5.15"
  start src source-static Simple --url "localabstract:${tag}_abs"
  check "host refuses localabstract:" src '"event":"fatal"' '"code":"HostUrlInvalid"'
  wait "${pids[src]}" && fail "src exited with status 0 after a fatal error"
  unset "pids[src]"
fi

# ---------------------------------------------------------------------------------------------
scenario "registry: registry host, source registered with it, replicas acquiring through it"
start reg registry --url tcp://127.0.0.1:0
reg_url="$(url_of reg)"
echo "   registry listening on $reg_url"
start src source-static Simple --url tcp://127.0.0.1:0 --registry "$reg_url"
src_url="$(url_of src)"
check "registry broadcasts the new source" reg '"event":"registry-added"' '"name":"Simple"' "\"hostUrl\":\"$src_url\""
start rep replica-static Simple --registry "$reg_url"
start dyn replica-dynamic --name Simple --registry "$reg_url"
check "static replica Valid through the registry" rep '"event":"state","old":"Default","state":"Valid"'
check "dynamic replica Valid through the registry" dyn '"event":"state","old":"Uninitialized","state":"Valid"'
send rep 'call 1 add [20,22]'
check "add reply through the registry" rep '"event":"reply","id":1,"type":"int","value":42'
send reg sources
check "registry table lists the source" reg '"cmd":"sources"' "\"hostUrl\":\"$src_url\""
send src disable
check "registry broadcasts the removal" reg '"event":"registry-removed"' '"name":"Simple"'
check "static replica Suspect after removal" rep '"event":"state","old":"Valid","state":"Suspect"'
stop dyn
stop rep
stop src
stop reg

# ---------------------------------------------------------------------------------------------
scenario "signature mismatch: Interop remoted under the name Simple"
start src source-static Interop --name Simple --url "local:${tag}_sig"
expect src '"event":"ready"'
start rep replica-static Simple --url "local:${tag}_sig"
check "static replica goes to SignatureMismatch" rep '"event":"state","old":"Default","state":"SignatureMismatch"'
stop rep
stop src

# ---------------------------------------------------------------------------------------------
scenario "heartbeat: a frozen source is detected, the replica recovers after it resumes"
start src source-static Simple --url tcp://127.0.0.1:0
url="$(url_of src)"
start rep replica-static Simple --url "$url" --heartbeat 300
check "replica Valid" rep '"event":"state","old":"Default","state":"Valid"'
kill -STOP "${pids[src]}"
check "replica Suspect while the source is frozen" rep '"event":"state","old":"Valid","state":"Suspect"'
kill -CONT "${pids[src]}"
check "replica Valid again after the source resumes" rep '"event":"state","old":"Suspect","state":"Valid"'
stop rep
stop src

# Item models: model-source / model-replica and the .rep MODEL children.
# shellcheck source=model-smoke.sh
source "$here/model-smoke.sh"

echo "== all $passed checks passed (Qt $major)"
