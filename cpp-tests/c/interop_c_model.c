/* Item models between C and stock Qt 6 (qtro_qt_peer, see qt-interop/peers/README.md "Item
 * models"):
 *  1. a C model source (qtro_node_enable_model) read by Qt's QAbstractItemModelReplica under a
 *     QAbstractItemModelTester in Fatal mode (any contract violation kills the peer): the peer's
 *     dump after each change equals the C table; setData from Qt reaches the C model;
 *  2. a C model replica (qtro_node_acquire_model) of Qt's QStandardItemModel (model-source
 *     table): values, children, headers, changes with their about-to/done callbacks, setData and
 *     the current index both ways.
 * Runs under ASan/UBSan. */
#define _GNU_SOURCE
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "check.h"
#include "peer.h"

/* ---- part 1: the C source --------------------------------------------------------------------- */

#define MAXROWS 32
typedef struct {
    pthread_mutex_t mu; /* held while the node dispatches (vtable) and while the table changes */
    int rows;
    char cells[MAXROWS][2][32];
    int rank[MAXROWS];
    int nset;
} table;

static table g_t;
static qtro_node *g_src_node;
static volatile int g_stop;

static int32_t t_rows(void *ud, const qtro_model_index *p, size_t depth) { return depth == 0 ? g_t.rows : 0; }
static int32_t t_cols(void *ud, const qtro_model_index *p, size_t depth) { return depth == 0 ? 2 : 0; }
static qtro_value *t_data(void *ud, const qtro_model_index *i, size_t depth, int32_t role) {
    if (depth != 1 || i[0].row >= g_t.rows || i[0].column > 1) return NULL;
    if (role == 0) return qtro_value_new_string(g_t.cells[i[0].row][i[0].column]);
    if (role == 257) return qtro_value_new_int(g_t.rank[i[0].row]);
    return NULL;
}
static int32_t t_flags(void *ud, const qtro_model_index *i, size_t depth) { return 1 | 2 | 32; }
static qtro_value *t_header(void *ud, int32_t section, qtro_orientation o, int32_t role) {
    char b[32];
    if (role != 0) return NULL;
    snprintf(b, sizeof b, "%s %d", o == QTRO_HORIZONTAL ? "Column" : "Row", section);
    return qtro_value_new_string(b);
}
static bool t_set(void *ud, const qtro_model_index *i, size_t depth, const qtro_value *v, int32_t role) {
    g_t.nset++;
    if (depth != 1 || role != 0) return false;
    return qtro_value_copy_string(v, g_t.cells[i[0].row][i[0].column], 32, NULL) == QTRO_OK;
}

static void fill(int rows) {
    g_t.rows = rows;
    for (int i = 0; i < rows; i++) {
        snprintf(g_t.cells[i][0], 32, "r%d c0", i);
        snprintf(g_t.cells[i][1], 32, "r%d c1", i);
        g_t.rank[i] = i * 10;
    }
}

/* Dispatches the source node on its own thread, under the table's lock. */
static void *pump(void *arg) {
    int fd = -1;
    CHECK_OK(qtro_node_event_fd(g_src_node, &fd));
    while (!g_stop) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, 10) > 0) {
            pthread_mutex_lock(&g_t.mu);
            CHECK_OK(qtro_node_dispatch(g_src_node, 0, NULL));
            pthread_mutex_unlock(&g_t.mu);
        }
    }
    return NULL;
}

/* The peer's dump holds every cell of the C table, in order. */
static void check_dump(const char *dump) {
    char want[128];
    snprintf(want, sizeof want, "\"rows\":%d},\"scans\"", g_t.rows);
    if (!strstr(dump, want)) {
        fprintf(stderr, "dump lacks %s: %s\n", want, dump);
        exit(1);
    }
    const char *at = dump;
    for (int i = 0; i < g_t.rows; i++)
        for (int c = 0; c < 2; c++) {
            snprintf(want, sizeof want, "\"0\":\"%s\"", g_t.cells[i][c]);
            const char *f = strstr(at, want);
            if (!f) {
                fprintf(stderr, "dump lacks %s (in order): %s\n", want, dump);
                exit(1);
            }
            at = f;
        }
    CHECK(strstr(dump, "\"headers\":[\"Column 0\",\"Column 1\"]"));
}

static void walk(peer *qt) {
    peer_send(qt, "walk");
    const char *d = peer_expect(qt, 20000, (const char *[]){"\"ok\"", "\"model\"", NULL});
    check_dump(d);
}

static void part1(const char *exe) {
    pthread_mutex_init(&g_t.mu, NULL);
    fill(4);
    qtro_node_config *cfg = qtro_node_config_new();
    CHECK_OK(qtro_node_config_set_dispatch(cfg, QTRO_DISPATCH_POLL));
    CHECK_OK(qtro_node_new(cfg, &g_src_node));
    qtro_node_config_free(cfg);
    char *url = NULL;
    CHECK_OK(qtro_node_listen(g_src_node, "tcp://127.0.0.1:0", 5000, &url));
    const int32_t ids[] = {0, 257};
    const char *names[] = {"display", "rank"};
    qtro_model_vtable vt = {t_rows, t_cols, t_data, NULL, t_flags, t_header, t_set, NULL};
    qtro_model_source *src = NULL;
    CHECK_OK(qtro_node_enable_model(g_src_node, "CTable", ids, names, 2, NULL, 0, false, &vt, NULL, &src));
    pthread_t th;
    pthread_create(&th, NULL, pump, NULL);

    const char *args[] = {"model-replica", "CTable", "--url", url, NULL};
    peer *qt = peer_start(exe, args);
    const char *init = peer_expect2(qt, "\"initialized\"", "\"rows\":4");
    CHECK(strstr(init, "\"columns\":2"));
    CHECK(strstr(init, "\"257\":\"rank\""));
    walk(qt);

    /* Inserting rows 1..2. */
    pthread_mutex_lock(&g_t.mu);
    for (int i = g_t.rows - 1; i >= 1; i--) {
        memcpy(g_t.cells[i + 2], g_t.cells[i], sizeof g_t.cells[i]);
        g_t.rank[i + 2] = g_t.rank[i];
    }
    for (int i = 1; i <= 2; i++) {
        snprintf(g_t.cells[i][0], 32, "new %d", i);
        snprintf(g_t.cells[i][1], 32, "new %d b", i);
        g_t.rank[i] = 1000 + i;
    }
    g_t.rows += 2;
    CHECK_OK(qtro_model_source_rows_inserted(src, NULL, 0, 1, 2));
    pthread_mutex_unlock(&g_t.mu);
    peer_expect(qt, 10000, (const char *[]){"\"rowsInserted\"", "\"first\":1", "\"last\":2", NULL});
    walk(qt);

    /* A data change. */
    pthread_mutex_lock(&g_t.mu);
    snprintf(g_t.cells[3][1], 32, "changed");
    qtro_model_index ch = {3, 1};
    CHECK_OK(qtro_model_source_data_changed(src, &ch, &ch, 1, NULL, 0));
    pthread_mutex_unlock(&g_t.mu);
    peer_expect2(qt, "\"dataChanged\"", "\"topLeft\":[[3,1]]");
    walk(qt);

    /* setData from the Qt replica reaches the C model, and comes back as dataChanged. */
    peer_send(qt, "set 0 0 0 \"from qt\"");
    peer_expect2(qt, "\"ok\"", "\"accepted\":true");
    peer_expect2(qt, "\"dataChanged\"", "\"topLeft\":[[0,0]]");
    pthread_mutex_lock(&g_t.mu);
    CHECK(g_t.nset == 1 && strcmp(g_t.cells[0][0], "from qt") == 0);
    pthread_mutex_unlock(&g_t.mu);
    walk(qt);

    /* Removing a row, sorting (a layout change), then a reset. */
    pthread_mutex_lock(&g_t.mu);
    for (int i = 2; i + 1 < g_t.rows; i++) {
        memcpy(g_t.cells[i], g_t.cells[i + 1], sizeof g_t.cells[i]);
        g_t.rank[i] = g_t.rank[i + 1];
    }
    g_t.rows--;
    CHECK_OK(qtro_model_source_rows_removed(src, NULL, 0, 2, 2));
    pthread_mutex_unlock(&g_t.mu);
    peer_expect(qt, 10000, (const char *[]){"\"rowsRemoved\"", "\"first\":2", "\"last\":2", NULL});
    walk(qt);

    pthread_mutex_lock(&g_t.mu);
    for (int i = 0; i < g_t.rows / 2; i++) {
        char tmp[2][32];
        int j = g_t.rows - 1 - i;
        memcpy(tmp, g_t.cells[i], sizeof tmp);
        memcpy(g_t.cells[i], g_t.cells[j], sizeof tmp);
        memcpy(g_t.cells[j], tmp, sizeof tmp);
    }
    CHECK_OK(qtro_model_source_layout_changed(src, NULL, 0, QTRO_LAYOUT_VERTICAL_SORT));
    pthread_mutex_unlock(&g_t.mu);
    peer_expect1(qt, "\"layoutChanged\"");
    walk(qt);

    pthread_mutex_lock(&g_t.mu);
    fill(7);
    CHECK_OK(qtro_model_source_reset(src));
    pthread_mutex_unlock(&g_t.mu);
    peer_expect1(qt, "\"modelReset\"");
    walk(qt);

    peer_stop(qt);
    g_stop = 1;
    pthread_join(th, NULL);
    qtro_model_source_free(src);
    qtro_node_free(g_src_node);
    qtro_string_free(url);
    pthread_mutex_destroy(&g_t.mu);
}

/* ---- part 2: the C replica --------------------------------------------------------------------- */

typedef struct {
    pthread_mutex_t mu;
    qtro_model_replica *self;
    int initialized;
    int ins_before, ins_after, rows_before, rows_after;
    int ndata, nheader, layout_before, layout_after, reset_begin, reset_end;
    int ncurrent, current_row;
    int open;
} rrec;

static rrec g_r;

static int rows_now(void) {
    pthread_mutex_lock(&g_r.mu);
    qtro_model_replica *m = g_r.self;
    pthread_mutex_unlock(&g_r.mu);
    int32_t n = -1;
    if (m && qtro_model_replica_row_count(m, NULL, 0, &n) != QTRO_OK) n = -1;
    return n;
}

#define LOCKED(stmt)                   \
    do {                               \
        pthread_mutex_lock(&g_r.mu);   \
        stmt;                          \
        pthread_mutex_unlock(&g_r.mu); \
    } while (0)

static void r_init(void *ud) { LOCKED(g_r.initialized++); }
static void r_about_ins(void *ud, const qtro_model_index *p, size_t d, int32_t f, int32_t l) {
    int n = rows_now();
    if (d == 0) LOCKED(g_r.ins_before++; g_r.rows_before = n; g_r.open++);
}
static void r_ins(void *ud, const qtro_model_index *p, size_t d, int32_t f, int32_t l) {
    int n = rows_now();
    if (d == 0) LOCKED(g_r.ins_after++; g_r.rows_after = n; g_r.open--);
}
static void r_data(void *ud, const qtro_model_index *a, const qtro_model_index *b, size_t d, const int32_t *roles, size_t n) {
    LOCKED(g_r.ndata++);
}
static void r_header(void *ud, qtro_orientation o, int32_t f, int32_t l) { LOCKED(g_r.nheader++); }
static void r_lb(void *ud, qtro_layout_hint h) { LOCKED(g_r.layout_before++; g_r.open++); }
static void r_la(void *ud, qtro_layout_hint h) { LOCKED(g_r.layout_after++; g_r.open--); }
static void r_rb(void *ud) { LOCKED(g_r.reset_begin++; g_r.open++); }
static void r_re(void *ud) { LOCKED(g_r.reset_end++; g_r.open--); }
static void r_cur(void *ud, const qtro_model_index *c, size_t d, const qtro_model_index *p, size_t pd) {
    LOCKED(g_r.ncurrent++; g_r.current_row = d ? c[0].row : -1);
}

static long long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits (callbacks run on the replica node's dispatch thread) until `cond` holds, 10 s at most. */
#define WAIT(cond)                                                                                   \
    do {                                                                                             \
        long long d_ = now_ms() + 10000;                                                             \
        while (!(cond)) {                                                                            \
            if (now_ms() > d_) {                                                                     \
                fprintf(stderr, "%s:%d: timed out waiting for %s\n", __FILE__, __LINE__, #cond);     \
                exit(1);                                                                             \
            }                                                                                        \
            struct timespec ts_ = {0, 5 * 1000000L};                                                 \
            nanosleep(&ts_, NULL);                                                                   \
        }                                                                                            \
    } while (0)

static int get_int(int *field) {
    pthread_mutex_lock(&g_r.mu);
    int v = *field;
    pthread_mutex_unlock(&g_r.mu);
    return v;
}

/* 1 when the replica holds `want` as the display value at `path` (asks for it otherwise). */
static int cell_is(const qtro_model_index *path, size_t depth, const char *want) {
    qtro_value *v = NULL;
    if (qtro_model_replica_data(g_r.self, path, depth, 0, &v) != QTRO_OK) return 0;
    char b[64];
    int eq = qtro_value_copy_string(v, b, sizeof b, NULL) == QTRO_OK && strcmp(b, want) == 0;
    qtro_value_free(v);
    return eq;
}

static void part2(const char *exe) {
    pthread_mutex_init(&g_r.mu, NULL);
    const char *args[] = {"model-source", "table", "--url", "tcp://127.0.0.1:0", "--rows", "5", "--selection", NULL};
    peer *qt = peer_start(exe, args);
    char url[256];
    CHECK(json_string_field(peer_ready(qt), "url", url, sizeof url) != NULL);

    qtro_node *node = NULL;
    CHECK_OK(qtro_node_new(NULL, &node));
    CHECK_OK(qtro_node_connect(node, url));
    qtro_model_replica_callbacks cb = {0};
    cb.initialized = r_init;
    cb.rows_about_to_be_inserted = r_about_ins;
    cb.rows_inserted = r_ins;
    cb.data_changed = r_data;
    cb.header_data_changed = r_header;
    cb.layout_about_to_be_changed = r_lb;
    cb.layout_changed = r_la;
    cb.reset_begin = r_rb;
    cb.reset_end = r_re;
    cb.current_changed = r_cur;
    pthread_mutex_lock(&g_r.mu);
    CHECK_OK(qtro_node_acquire_model(node, "Model", NULL, &cb, NULL, &g_r.self));
    pthread_mutex_unlock(&g_r.mu);
    qtro_model_replica *m = g_r.self;
    CHECK_OK(qtro_model_replica_wait_initialized(m, 10000));
    WAIT(get_int(&g_r.initialized) >= 1);
    CHECK(rows_now() == 5);
    int32_t cols = 0;
    CHECK_OK(qtro_model_replica_column_count(m, NULL, 0, &cols));
    CHECK(cols == 2);
    size_t nroles = 0;
    int32_t roles[8];
    CHECK_OK(qtro_model_replica_available_roles(m, roles, 8, &nroles));
    CHECK(nroles == 3 && roles[0] == 0 && roles[1] == 8 && roles[2] == 255);

    /* Values, children and headers of Qt's table (README: "row i", "value i", one child row under row 0). */
    CHECK_OK(qtro_model_replica_fetch(m, NULL, 0, 0, 5, 10000));
    qtro_model_index p;
    for (int i = 0; i < 5; i++) {
        char want[32];
        p = (qtro_model_index){i, 0};
        snprintf(want, sizeof want, "row %d", i);
        CHECK(cell_is(&p, 1, want));
        p.column = 1;
        snprintf(want, sizeof want, "value %d", i);
        CHECK(cell_is(&p, 1, want));
    }
    qtro_model_index r0 = {0, 0};
    bool kids = false;
    CHECK_OK(qtro_model_replica_has_children(m, &r0, 1, &kids));
    CHECK(kids);
    CHECK_OK(qtro_model_replica_fetch(m, &r0, 1, 0, 10, 10000));
    int32_t nk = 0;
    CHECK_OK(qtro_model_replica_row_count(m, &r0, 1, &nk));
    CHECK(nk == 1);
    qtro_model_index child[2] = {{0, 0}, {0, 1}};
    CHECK(cell_is(child, 2, "child 2 level 2"));
    qtro_value *hv = NULL;
    qtro_result hr = qtro_model_replica_header_data(m, QTRO_HORIZONTAL, 1, 0, &hv);
    CHECK(hr == QTRO_OK || hr == QTRO_PENDING);
    WAIT(qtro_model_replica_header_data(m, QTRO_HORIZONTAL, 1, 0, &hv) == QTRO_OK);
    char hb[32];
    CHECK_OK(qtro_value_copy_string(hv, hb, sizeof hb, NULL));
    CHECK(strcmp(hb, "Column 1") == 0);
    qtro_value_free(hv);

    /* Qt inserts two rows: about-to sees 5, done sees 7; the new cells arrive. */
    peer_send(qt, "insert . 1 2");
    WAIT(get_int(&g_r.ins_after) >= 1);
    CHECK(get_int(&g_r.ins_before) == 1 && get_int(&g_r.rows_before) == 5 && get_int(&g_r.rows_after) == 7);
    p = (qtro_model_index){1, 0};
    WAIT(cell_is(&p, 1, "ins0 c0"));
    p = (qtro_model_index){3, 0};
    WAIT(cell_is(&p, 1, "row 1"));

    /* Qt changes a cell; the C replica changes one on Qt's model. */
    peer_send(qt, "set 4 1 0 \"set by qt\"");
    p = (qtro_model_index){4, 1};
    WAIT(cell_is(&p, 1, "set by qt"));
    qtro_value *nv = qtro_value_new_string("set by c");
    p = (qtro_model_index){0, 1};
    CHECK_OK(qtro_model_replica_set_data(m, &p, 1, nv, 0));
    qtro_value_free(nv);
    peer_expect2(qt, "\"dataChanged\"", "\"topLeft\":[[0,1]]");
    WAIT(cell_is(&p, 1, "set by c"));

    /* The current index both ways. */
    peer_send(qt, "current 2");
    WAIT(get_int(&g_r.ncurrent) >= 1 && get_int(&g_r.current_row) == 2);
    qtro_model_index sel = {3, 0};
    CHECK_OK(qtro_model_replica_set_current(m, &sel, 1));
    peer_expect2(qt, "\"currentChanged\"", "\"current\":[[3,0]]");

    /* Sorting (layoutChanged) and a reset to 4 rows. */
    peer_send(qt, "sort . 0 desc");
    WAIT(get_int(&g_r.layout_after) >= 1);
    CHECK(get_int(&g_r.layout_before) == 1);
    peer_send(qt, "reset 4");
    WAIT(get_int(&g_r.reset_end) >= 2 && rows_now() == 4);
    CHECK(get_int(&g_r.open) == 0);
    p = (qtro_model_index){3, 1};
    WAIT(cell_is(&p, 1, "value 3"));

    peer_stop(qt);
    qtro_model_replica_free(m);
    qtro_node_free(node);
    pthread_mutex_destroy(&g_r.mu);
}

int main(int argc, char **argv) {
    CHECK(argc >= 2);
    part1(argv[1]);
    part2(argv[1]);
    printf("interop_c_model: ok\n");
    return 0;
}
