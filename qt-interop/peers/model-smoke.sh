#!/usr/bin/env bash
# Qt <-> Qt smoke test of the item-model modes of qtro_qt_peer (model-source, model-replica and
# the .rep MODEL children of Media/OtherMedia): the baseline the qtro_rs model interop tests are
# compared with. smoke.sh runs it after its own scenarios; it also runs alone:
#
#   qt-interop/peers/model-smoke.sh [BUILD_DIR]     (QTRO_QT_MAJOR=5 for Qt 5.15)
#
# Every replica runs with a QAbstractItemModelTester in Fatal mode (unless --no-tester), so a
# clean exit of each replica also means Qt's model tester saw no contract violation.
if [ -z "${SMOKE_LIB_LOADED:-}" ]; then
  set -euo pipefail
  # shellcheck source=smoke-lib.sh
  source "$(dirname "$0")/smoke-lib.sh"
  model_smoke_alone=1
fi

# ---------------------------------------------------------------------------------------------
scenario "model: table (modelviewserver-like), changes while a replica is attached"
start src model-source table --url tcp://127.0.0.1:0 --rows 100 --selection
url="$(url_of src)"
start rep model-replica Model --url "$url"
check "replica initialized with the remoted roles" rep '"event":"initialized","availableRoles":[0,8,255]' '"rows":100'
check "replica runs the model tester" rep '"event":"ready"' '"tester":true'
same_model "walk of the replica equals the source dump" rep src
send src 'insert . 2 9'
check "rowsInserted(2, 10) reaches the replica" rep '"event":"rowsInserted","first":2,"last":10,"parent":[]'
send src 'set 1 1 0 "changed"'
check "dataChanged of one cell" rep '"event":"dataChanged","bottomRight":[[1,1]],"roles":[0],"topLeft":[[1,1]]'
send src 'flags 3 0 33'
check "flags change arrives as dataChanged of UserRole-1 (255)" rep '"event":"dataChanged","bottomRight":[[3,0]],"roles":[255]'
send src 'header h 1 0 "Second"'
check "headerDataChanged" rep '"event":"headerDataChanged","first":1,"last":1,"orientation":"horizontal"'
send src 'remove . 2 4'
check "rowsRemoved(2, 5)" rep '"event":"rowsRemoved","first":2,"last":5,"parent":[]'
send src 'move . 2 3 . 10'
check "source: rowsMoved(2..4 -> 10)" src '"event":"rowsMoved","destination":[],"first":2,"last":4,"parent":[],"row":10'
check "replica: rowsMoved's 3rd wire argument is the last row (4), not a count" rep '"event":"rowsMoved","destination":[],"first":2,"last":4,"parent":[],"row":10'
send src 'columns-insert . 2 1'
check "columnsInserted" rep '"event":"columnsInserted","first":2,"last":2,"parent":[]'
same_model "walk equals dump after insert/set/flags/header/remove/move/columns-insert" rep src
send src 'sort . 0 desc'
check "sort: layoutChanged" rep '"event":"layoutChanged","hint":1,"parents":[]'
same_model "walk equals dump after the sort" rep src
line="$(reply rep 'set 5 0 0 "from replica"')"
json_check "replica setData accepted" "a['accepted'] is True" "$line"
check "source model's own dataChanged for the replica's setData (display+edit)" src '"event":"dataChanged","bottomRight":[[5,0]],"roles":[0,2],"topLeft":[[5,0]]'
check "the change comes back to the replica" rep '"event":"dataChanged","bottomRight":[[5,0]],"roles":[0],"topLeft":[[5,0]]'
line="$(reply rep 'get 5 0')"
json_check "replica cache holds the new value" "a['data']['0'] == 'from replica'" "$line"
send src 'current 3 1'
check "source selection -> replica currentChanged" rep '"event":"currentChanged","current":[[3,1]]'
send rep 'select 4'
check "replica selection -> source currentChanged" src '"event":"currentChanged","current":[[4,0]]'
resets="$(count_lines rep '"event":"modelReset"')"
send src 'reset 20'
check_more "modelReset" rep "$resets" '"event":"modelReset"'
same_model "walk equals dump after the reset" rep src
stop rep
stop src

# ---------------------------------------------------------------------------------------------
scenario "model: tree with PrefetchData, changes under child parents"
start src model-source tree --url tcp://127.0.0.1:0
url="$(url_of src)"
start rep model-replica Model --url "$url" --prefetch 50
check "prefetching replica initialized" rep '"event":"initialized"' '"rows":6'
same_model "tree walk equals the source dump" rep src
send src 'insert 0.0 0 2'
check "rowsInserted under a grandchild parent" rep '"event":"rowsInserted","first":0,"last":1,"parent":[[0,0],[0,0]]'
send src 'remove 1 0 1'
check "rowsRemoved under a child parent" rep '"event":"rowsRemoved","first":0,"last":0,"parent":[[1,0]]'
send src 'set 0.0.0 1 0 "deep"'
check "dataChanged three levels down" rep '"event":"dataChanged","bottomRight":[[0,0],[0,0],[0,1]]'
same_model "walk equals dump after the child changes" rep src
send src 'sort 2 0 desc'
check "sort under a child parent: layoutChanged names it" rep '"event":"layoutChanged","hint":1,"parents":[[[2,0]]]'
same_model "walk equals dump after the child sort" rep src
stop rep
stop src

# ---------------------------------------------------------------------------------------------
scenario "model: custom role names (rolenames), setData from the replica"
start src model-source rolenames --url tcp://127.0.0.1:0 --rows 50
url="$(url_of src)"
start rep model-replica Model --url "$url"
check "role names reach the replica" rep '"event":"initialized","availableRoles":[256,257]' '"roleNames":{"256":"name","257":"rank"}'
same_model "walk equals dump" rep src
send rep 'set 3 0 256 "renamed"'
check "source: setData(name) from the replica" src '"event":"dataChanged","bottomRight":[[3,0]],"roles":[256]'
send rep 'set 3 0 0 "display is not available"'
check "replica refuses a role that is not available" rep '"cmd":"set"' '"accepted":false'
same_model "walk equals dump after the rename" rep src
stop rep
stop src

# ---------------------------------------------------------------------------------------------
scenario "model: 100 000 rows fetched lazily"
start src model-source big --url tcp://127.0.0.1:0
url="$(url_of src)"
start rep model-replica Model --url "$url"
check "big replica initialized with 100000 rows" rep '"event":"initialized"' '"rows":100000'
line="$(reply rep 'rows 50000 50009')"
json_check "rows 50000..50009 arrive" "[r['cells'][0]['data']['0'] for r in a['rows']] == ['item %d' % i for i in range(50000, 50010)]" "$line"
line="$(reply rep 'rows 99990 99999')"
json_check "the last rows arrive" "a['rows'][-1]['cells'][0]['data'] == {'0': 'item 99999', '257': 999990}" "$line"
line="$(reply src stats)"
json_check "the source served only the rows asked for (lazy)" "a['rowsTouched'] <= 50" "$line"
send src 'insert . 0 2'
check "insert at the top of the big model" rep '"event":"rowsInserted","first":0,"last":1,"parent":[]'
send src 'remove . 10 5'
check "remove in the big model" rep '"event":"rowsRemoved","first":10,"last":14,"parent":[]'
line="$(reply rep 'rows 0 2')"
json_check "inserted rows carry new ids" "[r['cells'][0]['data']['0'] for r in a['rows']] == ['item 100000', 'item 100001', 'item 0']" "$line"
line="$(reply rep count)"
json_check "row count follows" "a['rows'] == 99997" "$line"
stop rep
stop src

# ---------------------------------------------------------------------------------------------
scenario "model: PrefetchData counts cells, availableRoles changes"
start src model-source table --url tcp://127.0.0.1:0 --rows 20
url="$(url_of src)"
start rep model-replica Model --url "$url" --prefetch 10 --no-tester
check "replica initialized" rep '"event":"initialized"'
line="$(reply src stats)"
json_check "PrefetchData(10) made the source serve 10 cells x 3 roles" "a['dataCalls'] == 30" "$line"
line="$(reply rep cached)"
json_check "10 cells = root rows 0-2 (6 cells) + row 0's child and grandchild (2 + 2)" "a['rows'] == [0, 1, 2] and a['cells'] == 6" "$line"
send src 'available-roles 0'
check "source: available-roles applied" src '"event":"ok","cmd":"available-roles"'
line="$(reply rep roles)"
json_check "the replica takes the new availableRoles (signal without arguments)" "a['availableRoles'] == [0]" "$line"
stop rep
stop src

# ---------------------------------------------------------------------------------------------
scenario "model: .rep MODEL children (Media, OtherMedia)"
start src source-static Media --url tcp://127.0.0.1:0 --source-api template
url="$(url_of src)"
send src disable
send src 'set-tracks 4'
send src enable
check "source: tracks set before enableRemoting" src '"event":"ok","cmd":"enable"'
start rep replica-static Media --url "$url"
check "MODEL child initialized with the .rep roles (display)" rep '"event":"initialized","availableRoles":[0]' '"model":"tracks","roleNames"' '"rows":4'
line="$(reply rep 'walk-child tracks')"
json_check "walk of the child model" "[i['cells'][0]['data'] for i in a['model']['items']] == [{'0': 'track %d' % n} for n in range(4)]" "$line"
send src 'set-tracks 2'
check "replaced model re-initializes the child (all roles now: see README)" rep '"event":"initialized"' '"model":"tracks"' '"rows":2'
line="$(reply rep 'walk-child tracks')"
json_check "walk of the replaced child model" "a['model']['rows'] == 2 and a['model']['items'][1]['cells'][0]['data']['0'] == 'track 1'" "$line"
changes="$(count_lines rep '"event":"property"' '"name":"tracks"')"
send src clear-tracks
check_more "a null model reaches the replica as a tracks change" rep "$changes" '"event":"property"' '"name":"tracks"'
line="$(reply rep 'child tracks count')"
json_check "the replica's child model is null" "a['event'] == 'error' and 'no MODEL child' in a['message']" "$line"
send src 'set-tracks 3'
check "a model after the null one initializes the child again" rep '"event":"initialized"' '"model":"tracks"' '"rows":3'
stop rep
stop src

scenario "model: .rep MODEL child with two roles (OtherMedia)"
start src source-static OtherMedia --url tcp://127.0.0.1:0 --source-api template
url="$(url_of src)"
send src disable
send src 'set-tracks 3'
send src enable
check "source: OtherMedia tracks set" src '"event":"ok","cmd":"enable"'
start rep replica-static OtherMedia --url "$url"
check "OtherMedia child: roles display and decoration" rep '"event":"initialized","availableRoles":[0,1]' '"model":"tracks"' '"rows":3'
line="$(reply rep 'walk-child tracks')"
json_check "decoration (a QColor) of row 1 arrives" "a['model']['items'][1]['cells'][0]['data']['1']['\$type'] == 'QColor'" "$line"
stop rep
stop src

# ---------------------------------------------------------------------------------------------
scenario "model: a request for a parent removed meanwhile aborts the stock source (risk 1)"
start src model-source tree --url tcp://127.0.0.1:0
url="$(url_of src)"
start rep model-replica Model --url "$url" --no-tester
check "replica initialized" rep '"event":"initialized"' '"rows":6'
reply rep 'rows 0 5' >/dev/null
# The source blocks for 1.5 s, then removes the last root row. Meanwhile the replica asks for
# that row's children; the source reads the request only after the removal.
printf 'sleep 1500\nremove . 5 1\n' >&"${fds[src]}"
sleep 0.3
send rep 'count 5'
check "source: the row is gone" src '"event":"rowsRemoved","first":5,"last":5,"parent":[]'
check "stock source qFatal()s on the stale path" src '"level":"fatal","message":"Internal error: invalid index=ModelIndex[row=5, column=0]'
if wait "${pids[src]}"; then fail "the source exited with status 0"; fi
unset "pids[src]"
stop rep

if [ -n "${model_smoke_alone:-}" ]; then
  echo "== all $passed model checks passed (Qt $major)"
fi
