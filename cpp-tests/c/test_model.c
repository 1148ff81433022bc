/* Item models through the C API, in one process: a C table model served with
 * qtro_node_enable_model (its node dispatched on this thread, where the model also changes), read
 * by a C model replica on another node (callbacks on its dispatch thread). Checks the values the
 * replica reads against the source's content, the about-to/done phases around each change, writes
 * and the current index both ways, headers, layout changes, resets, and the error paths. Runs
 * under ASan/UBSan. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "check.h"

/* ---- the source model: up to 64 rows x 2 columns of strings, plus a "rank" role ------------- */

#define MAXROWS 64
typedef struct {
    int rows;
    char cells[MAXROWS][2][32];
    int rank[MAXROWS];
    qtro_model_source *self;
    int nset;                  /* set_data calls */
    qtro_result nested_result; /* a notification from inside the vtable */
    int current_row, current_col, current_depth, ncurrent;
} table;

static table g_table;

static void table_fill(table *t, int rows) {
    t->rows = rows;
    for (int i = 0; i < rows; i++) {
        snprintf(t->cells[i][0], 32, "r%d c0", i);
        snprintf(t->cells[i][1], 32, "r%d c1", i);
        t->rank[i] = i * 10;
    }
}

static int32_t t_rows(void *ud, const qtro_model_index *parent, size_t depth) {
    return depth == 0 ? ((table *)ud)->rows : 0;
}
static int32_t t_cols(void *ud, const qtro_model_index *parent, size_t depth) { return depth == 0 ? 2 : 0; }
static qtro_value *t_data(void *ud, const qtro_model_index *index, size_t depth, int32_t role) {
    table *t = ud;
    if (depth != 1 || index[0].row >= t->rows || index[0].column > 1) return NULL;
    if (role == 0) return qtro_value_new_string(t->cells[index[0].row][index[0].column]);
    if (role == 256) return qtro_value_new_int(t->rank[index[0].row]);
    return NULL;
}
static int32_t t_flags(void *ud, const qtro_model_index *index, size_t depth) {
    return index[0].column == 0 ? (1 | 2 | 32) : (1 | 32); /* selectable, (editable), enabled */
}
static qtro_value *t_header(void *ud, int32_t section, qtro_orientation o, int32_t role) {
    char buf[32];
    if (o != QTRO_HORIZONTAL || role != 0) return NULL;
    snprintf(buf, sizeof buf, "Col %d", section);
    return qtro_value_new_string(buf);
}
static bool t_set_data(void *ud, const qtro_model_index *index, size_t depth, const qtro_value *value, int32_t role) {
    table *t = ud;
    t->nset++;
    /* Notifying from inside the model's own function is refused (its lock is held). */
    t->nested_result = qtro_model_source_reset(t->self);
    if (depth != 1 || role != 0 || index[0].column != 0) return false;
    return qtro_value_copy_string(value, t->cells[index[0].row][0], 32, NULL) == QTRO_OK;
}
static void t_current(void *ud, const qtro_model_index *current, size_t depth) {
    table *t = ud;
    t->ncurrent++;
    t->current_depth = (int)depth;
    if (depth == 1) {
        t->current_row = current[0].row;
        t->current_col = current[0].column;
    }
}

/* ---- what the replica's callbacks saw --------------------------------------------------------- */

typedef struct {
    pthread_mutex_t mu;
    qtro_model_replica *self;
    pthread_t test_thread;
    int on_test_thread;
    int state, initialized, reset_begin, reset_end;
    int ins_before, ins_after, rows_before_insert, rows_after_insert, ins_first, ins_last;
    int rem_before, rem_after, rows_before_remove, rows_after_remove;
    int layout_before, layout_after, layout_hint;
    int ndata, data_row_first, data_row_last;
    int nheader;
    int ncurrent, current_row, current_col;
    int paired; /* an end came right after its begin */
    int open;   /* a begin waiting for its end */
    int nerrors;
} rec;

static rec g_rec;

static int root_rows(qtro_model_replica *m) {
    int32_t n = -1;
    qtro_result r = qtro_model_replica_row_count(m, NULL, 0, &n);
    return r == QTRO_OK ? n : -1;
}

/* The replica's root row count, read from a callback (the handle is set under the lock). */
static int self_rows(rec *r) {
    pthread_mutex_lock(&r->mu);
    qtro_model_replica *m = r->self;
    pthread_mutex_unlock(&r->mu);
    return m ? root_rows(m) : -2;
}

static void seen(rec *r) {
    if (pthread_equal(pthread_self(), r->test_thread)) r->on_test_thread = 1;
}

static void m_state(void *ud, qtro_replica_state s) {
    rec *r = ud;
    pthread_mutex_lock(&r->mu);
    seen(r);
    r->state = (int)s;
    pthread_mutex_unlock(&r->mu);
}
static void m_initialized(void *ud) {
    rec *r = ud;
    pthread_mutex_lock(&r->mu);
    seen(r);
    r->initialized++;
    pthread_mutex_unlock(&r->mu);
}
static void m_reset_begin(void *ud) {
    rec *r = ud;
    pthread_mutex_lock(&r->mu);
    r->reset_begin++;
    r->open++;
    pthread_mutex_unlock(&r->mu);
}
static void m_reset_end(void *ud) {
    rec *r = ud;
    pthread_mutex_lock(&r->mu);
    r->reset_end++;
    r->open--;
    pthread_mutex_unlock(&r->mu);
}
static void m_rows_about_ins(void *ud, const qtro_model_index *p, size_t depth, int32_t first, int32_t last) {
    rec *r = ud;
    int n = self_rows(r); /* the cache as before the change */
    pthread_mutex_lock(&r->mu);
    if (depth == 0) {
        r->ins_before++;
        r->rows_before_insert = n;
        r->open++;
    }
    pthread_mutex_unlock(&r->mu);
}
static void m_rows_ins(void *ud, const qtro_model_index *p, size_t depth, int32_t first, int32_t last) {
    rec *r = ud;
    int n = self_rows(r); /* the cache as after it */
    pthread_mutex_lock(&r->mu);
    if (depth == 0) {
        r->ins_after++;
        r->rows_after_insert = n;
        r->ins_first = first;
        r->ins_last = last;
        r->open--;
        r->paired += r->open == 0;
    }
    pthread_mutex_unlock(&r->mu);
}
static void m_rows_about_rem(void *ud, const qtro_model_index *p, size_t depth, int32_t first, int32_t last) {
    rec *r = ud;
    int n = self_rows(r);
    pthread_mutex_lock(&r->mu);
    r->rem_before++;
    r->rows_before_remove = n;
    r->open++;
    pthread_mutex_unlock(&r->mu);
}
static void m_rows_rem(void *ud, const qtro_model_index *p, size_t depth, int32_t first, int32_t last) {
    rec *r = ud;
    int n = self_rows(r);
    pthread_mutex_lock(&r->mu);
    r->rem_after++;
    r->rows_after_remove = n;
    r->open--;
    pthread_mutex_unlock(&r->mu);
}
static void m_data(void *ud, const qtro_model_index *tl, const qtro_model_index *br, size_t depth, const int32_t *roles,
                   size_t nroles) {
    rec *r = ud;
    pthread_mutex_lock(&r->mu);
    r->ndata++;
    if (depth == 1) {
        r->data_row_first = tl[0].row;
        r->data_row_last = br[0].row;
    }
    pthread_mutex_unlock(&r->mu);
}
static void m_header(void *ud, qtro_orientation o, int32_t first, int32_t last) {
    rec *r = ud;
    pthread_mutex_lock(&r->mu);
    r->nheader++;
    pthread_mutex_unlock(&r->mu);
}
static void m_layout_before(void *ud, qtro_layout_hint h) {
    rec *r = ud;
    pthread_mutex_lock(&r->mu);
    r->layout_before++;
    r->open++;
    pthread_mutex_unlock(&r->mu);
}
static void m_layout_after(void *ud, qtro_layout_hint h) {
    rec *r = ud;
    pthread_mutex_lock(&r->mu);
    r->layout_after++;
    r->layout_hint = h;
    r->open--;
    pthread_mutex_unlock(&r->mu);
}
static void m_current(void *ud, const qtro_model_index *c, size_t depth, const qtro_model_index *prev, size_t pdepth) {
    rec *r = ud;
    pthread_mutex_lock(&r->mu);
    r->ncurrent++;
    if (depth == 1) {
        r->current_row = c[0].row;
        r->current_col = c[0].column;
    }
    pthread_mutex_unlock(&r->mu);
}
static void m_error(void *ud, const char *message) {
    rec *r = ud;
    fprintf(stderr, "model replica error: %s\n", message);
    pthread_mutex_lock(&r->mu);
    r->nerrors++;
    pthread_mutex_unlock(&r->mu);
}

/* ---- helpers ---------------------------------------------------------------------------------- */

static qtro_node *g_src_node;

static long long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Dispatches the source node (this thread runs its model) until `cond` holds, at most 10 s.
 * PUMP_UNTIL reads what the callbacks record (under their lock); PUMP_UNTIL_M reads the replica
 * (never under that lock: callbacks take it while the replica's cache is locked). */
#define PUMP_LOOP(lock, unlock, cond)                                                            \
    do {                                                                                         \
        long long deadline_ = now_ms() + 10000;                                                  \
        int ok_ = 0;                                                                             \
        for (;;) {                                                                               \
            lock;                                                                                \
            ok_ = (cond);                                                                        \
            unlock;                                                                              \
            if (ok_ || now_ms() >= deadline_) break;                                             \
            CHECK_OK(qtro_node_dispatch_timeout(g_src_node, 10, NULL));                          \
        }                                                                                        \
        if (!ok_) {                                                                              \
            fprintf(stderr, "%s:%d: timed out waiting for %s\n", __FILE__, __LINE__, #cond);     \
            exit(1);                                                                             \
        }                                                                                        \
    } while (0)
#define PUMP_UNTIL(cond) PUMP_LOOP(pthread_mutex_lock(&g_rec.mu), pthread_mutex_unlock(&g_rec.mu), cond)
#define PUMP_UNTIL_M(cond) PUMP_LOOP((void)0, (void)0, cond)

/* The replica's display value at (row, col): 1 when cached and equal to `want`. Asks for it. */
static int cell_is(qtro_model_replica *m, int row, int col, const char *want) {
    qtro_model_index i = {row, col};
    qtro_value *v = NULL;
    qtro_result r = qtro_model_replica_data(m, &i, 1, 0, &v);
    if (r != QTRO_OK) {
        CHECK(v == NULL);
        CHECK(r == QTRO_PENDING || r == QTRO_ERR_NOT_FOUND);
        return 0;
    }
    char buf[64];
    int eq = qtro_value_copy_string(v, buf, sizeof buf, NULL) == QTRO_OK && strcmp(buf, want) == 0;
    qtro_value_free(v);
    return eq;
}

/* 1 when every cell of the replica equals the source table's. */
static int replica_matches(qtro_model_replica *m) {
    if (root_rows(m) != g_table.rows) return 0;
    int ok = 1;
    for (int i = 0; i < g_table.rows; i++)
        for (int c = 0; c < 2; c++) ok &= cell_is(m, i, c, g_table.cells[i][c]);
    return ok;
}

int main(void) {
    table_fill(&g_table, 5);
    memset(&g_rec, 0, sizeof g_rec);
    pthread_mutex_init(&g_rec.mu, NULL);
    g_rec.test_thread = pthread_self();
    g_rec.state = -1;

    qtro_node_config *pc = qtro_node_config_new();
    CHECK_OK(qtro_node_config_set_dispatch(pc, QTRO_DISPATCH_POLL));
    CHECK_OK(qtro_node_new(pc, &g_src_node));
    qtro_node_config_free(pc);
    char *url = NULL;
    CHECK_OK(qtro_node_listen(g_src_node, "tcp://127.0.0.1:0", 5000, &url));

    /* ---- enabling: error paths ---- */
    const int32_t role_ids[] = {0, 256};
    const char *role_names[] = {"display", "rank"};
    qtro_model_vtable vt = {0};
    qtro_model_source *src = NULL;
    CHECK_RESULT(QTRO_ERR_NULL_ARGUMENT,
                 qtro_node_enable_model(g_src_node, "Table", role_ids, role_names, 2, NULL, 0, true, NULL, &g_table, &src));
    CHECK(src == NULL);
    CHECK_RESULT(QTRO_ERR_INVALID_ARGUMENT,
                 qtro_node_enable_model(g_src_node, "Table", role_ids, role_names, 2, NULL, 0, true, &vt, &g_table, &src));
    vt.row_count = t_rows;
    vt.column_count = t_cols;
    vt.data = t_data;
    vt.flags = t_flags;
    vt.header_data = t_header;
    vt.set_data = t_set_data;
    vt.current_changed = t_current;
    CHECK_RESULT(QTRO_ERR_NULL_ARGUMENT,
                 qtro_node_enable_model(g_src_node, "Table", role_ids, NULL, 2, NULL, 0, true, &vt, &g_table, &src));
    const char *bad_names[] = {"display", NULL};
    CHECK_RESULT(QTRO_ERR_NULL_ARGUMENT,
                 qtro_node_enable_model(g_src_node, "Table", role_ids, bad_names, 2, NULL, 0, true, &vt, &g_table, &src));
    CHECK_OK(qtro_node_enable_model(g_src_node, "Table", role_ids, role_names, 2, NULL, 0, true, &vt, &g_table, &src));
    g_table.self = src;
    CHECK(strcmp(qtro_model_source_name(src), "Table") == 0);
    CHECK_RESULT(QTRO_ERR_ALREADY,
                 qtro_node_enable_model(g_src_node, "Table", role_ids, role_names, 2, NULL, 0, true, &vt, &g_table,
                                        &(qtro_model_source *){NULL}));

    /* ---- notifications: error paths ---- */
    qtro_model_index deep[65];
    memset(deep, 0, sizeof deep);
    CHECK_RESULT(QTRO_ERR_INVALID_ARGUMENT, qtro_model_source_rows_inserted(src, deep, 65, 0, 0));
    CHECK_RESULT(QTRO_ERR_NULL_ARGUMENT, qtro_model_source_rows_inserted(src, NULL, 1, 0, 0));
    CHECK_RESULT(QTRO_ERR_INVALID_ARGUMENT, qtro_model_source_rows_inserted(src, NULL, 0, 3, 2));
    CHECK_RESULT(QTRO_ERR_INVALID_ARGUMENT, qtro_model_source_rows_removed(src, NULL, 0, -1, 2));
    qtro_model_index neg = {-1, 0};
    CHECK_RESULT(QTRO_ERR_INVALID_ARGUMENT, qtro_model_source_rows_inserted(src, &neg, 1, 0, 0));
    CHECK_RESULT(QTRO_ERR_INVALID_ARGUMENT, qtro_model_source_header_data_changed(src, 3, 0, 0));
    CHECK_RESULT(QTRO_ERR_INVALID_ARGUMENT, qtro_model_source_layout_changed(src, NULL, 0, 7));
    qtro_model_index a = {0, 0}, b = {1, 1};
    CHECK_RESULT(QTRO_ERR_INVALID_ARGUMENT, qtro_model_source_data_changed(src, &a, &b, 0, NULL, 0));
    CHECK_RESULT(QTRO_ERR_NULL_ARGUMENT, qtro_model_source_data_changed(NULL, &a, &b, 1, NULL, 0));
    qtro_model_index nowhere = {99, 0};
    CHECK_RESULT(QTRO_ERR_NOT_FOUND, qtro_model_source_set_current(src, &nowhere, 1));

    /* ---- the replica ---- */
    qtro_node *rep_node = NULL;
    CHECK_OK(qtro_node_new(NULL, &rep_node));
    CHECK_OK(qtro_node_connect(rep_node, url));
    qtro_model_replica_callbacks cb = {0};
    cb.state_changed = m_state;
    cb.initialized = m_initialized;
    cb.reset_begin = m_reset_begin;
    cb.reset_end = m_reset_end;
    cb.rows_about_to_be_inserted = m_rows_about_ins;
    cb.rows_inserted = m_rows_ins;
    cb.rows_about_to_be_removed = m_rows_about_rem;
    cb.rows_removed = m_rows_rem;
    cb.data_changed = m_data;
    cb.header_data_changed = m_header;
    cb.layout_about_to_be_changed = m_layout_before;
    cb.layout_changed = m_layout_after;
    cb.current_changed = m_current;
    cb.error = m_error;
    qtro_model_replica_options bad_opts = {.initial_action = 9};
    qtro_model_replica *m = NULL;
    CHECK_RESULT(QTRO_ERR_INVALID_ARGUMENT, qtro_node_acquire_model(rep_node, "Table", &bad_opts, &cb, &g_rec, &m));
    CHECK(m == NULL);
    /* g_rec.self is read by callbacks: set it before they can run (under the lock). */
    pthread_mutex_lock(&g_rec.mu);
    CHECK_OK(qtro_node_acquire_model(rep_node, "Table", NULL, &cb, &g_rec, &m));
    g_rec.self = m;
    pthread_mutex_unlock(&g_rec.mu);
    CHECK(strcmp(qtro_model_replica_name(m), "Table") == 0);

    PUMP_UNTIL(g_rec.initialized >= 1);
    CHECK(root_rows(m) == 5);
    int32_t cols = 0;
    CHECK_OK(qtro_model_replica_column_count(m, NULL, 0, &cols));
    CHECK(cols == 2);
    qtro_replica_state st;
    CHECK_OK(qtro_model_replica_state(m, &st));
    CHECK(st == QTRO_STATE_VALID);
    bool init = false;
    CHECK_OK(qtro_model_replica_is_initialized(m, &init));
    CHECK(init);

    /* Roles and their names, as the source gave them. */
    size_t nroles = 0;
    int32_t roles[4] = {0};
    CHECK_OK(qtro_model_replica_available_roles(m, roles, 4, &nroles));
    CHECK(nroles == 2 && roles[0] == 0 && roles[1] == 256);
    size_t nnames = 0;
    CHECK_OK(qtro_model_replica_role_name_count(m, &nnames));
    CHECK(nnames == 2);
    int32_t rid = -1;
    char *rname = NULL;
    CHECK_OK(qtro_model_replica_role_name_at(m, 1, &rid, &rname));
    CHECK(rid == 256 && strcmp(rname, "rank") == 0);
    qtro_string_free(rname);
    CHECK_RESULT(QTRO_ERR_NOT_FOUND, qtro_model_replica_role_name_at(m, 2, &rid, &rname));
    CHECK(rname == NULL);

    /* Data: a miss is PENDING and asks for the row; data_changed follows, then the value. */
    PUMP_UNTIL_M(replica_matches(m));
    pthread_mutex_lock(&g_rec.mu);
    CHECK(g_rec.ndata >= 1);
    pthread_mutex_unlock(&g_rec.mu);
    qtro_model_index i32 = {3, 1};
    qtro_value *v = NULL;
    CHECK_OK(qtro_model_replica_data(m, &i32, 1, 256, &v));
    int32_t rank = -1;
    CHECK_OK(qtro_value_get_int32(v, &rank));
    CHECK(rank == 30);
    qtro_value_free(v);
    CHECK_RESULT(QTRO_ERR_NOT_FOUND, qtro_model_replica_data(m, &i32, 1, 1234, &v)); /* role not served */
    CHECK(v == NULL);
    qtro_model_index past = {5, 0};
    CHECK_RESULT(QTRO_ERR_NOT_FOUND, qtro_model_replica_data(m, &past, 1, 0, &v));
    CHECK_RESULT(QTRO_ERR_INVALID_ARGUMENT, qtro_model_replica_data(m, deep, 65, 0, &v));
    CHECK_RESULT(QTRO_ERR_NULL_ARGUMENT, qtro_model_replica_data(m, NULL, 1, 0, &v));
    CHECK_RESULT(QTRO_ERR_NULL_ARGUMENT, qtro_model_replica_data(m, &i32, 1, 0, NULL));
    CHECK_RESULT(QTRO_ERR_INVALID_ARGUMENT, qtro_model_replica_header_data(m, 0, 0, 0, &v));
    int32_t flags = 0;
    qtro_model_index c0 = {2, 0};
    CHECK_OK(qtro_model_replica_flags(m, &c0, 1, &flags));
    CHECK(flags == (1 | 2 | 32));

    /* Headers. */
    PUMP_UNTIL_M(qtro_model_replica_header_data(m, QTRO_HORIZONTAL, 1, 0, &v) == QTRO_OK);
    char hb[32];
    CHECK_OK(qtro_value_copy_string(v, hb, sizeof hb, NULL));
    CHECK(strcmp(hb, "Col 1") == 0);
    qtro_value_free(v);
    pthread_mutex_lock(&g_rec.mu);
    CHECK(g_rec.nheader >= 1);
    pthread_mutex_unlock(&g_rec.mu);

    /* Inserting rows: the about-to callback sees the old count, the done callback the new one. */
    for (int i = g_table.rows - 1; i >= 1; i--) {
        memcpy(g_table.cells[i + 2], g_table.cells[i], sizeof g_table.cells[i]);
        g_table.rank[i + 2] = g_table.rank[i];
    }
    snprintf(g_table.cells[1][0], 32, "new a");
    snprintf(g_table.cells[1][1], 32, "new a1");
    snprintf(g_table.cells[2][0], 32, "new b");
    snprintf(g_table.cells[2][1], 32, "new b1");
    g_table.rows += 2;
    CHECK_OK(qtro_model_source_rows_inserted(src, NULL, 0, 1, 2));
    PUMP_UNTIL(g_rec.ins_after >= 1);
    pthread_mutex_lock(&g_rec.mu);
    CHECK(g_rec.ins_before == 1 && g_rec.rows_before_insert == 5 && g_rec.rows_after_insert == 7);
    CHECK(g_rec.ins_first == 1 && g_rec.ins_last == 2);
    pthread_mutex_unlock(&g_rec.mu);
    PUMP_UNTIL_M(replica_matches(m));

    /* Removing rows. */
    for (int i = 0; i + 1 < g_table.rows; i++)
        if (i >= 4) {
            memcpy(g_table.cells[i], g_table.cells[i + 1], sizeof g_table.cells[i]);
            g_table.rank[i] = g_table.rank[i + 1];
        }
    g_table.rows -= 1;
    CHECK_OK(qtro_model_source_rows_removed(src, NULL, 0, 4, 4));
    PUMP_UNTIL(g_rec.rem_after >= 1);
    pthread_mutex_lock(&g_rec.mu);
    CHECK(g_rec.rem_before == 1 && g_rec.rows_before_remove == 7 && g_rec.rows_after_remove == 6);
    pthread_mutex_unlock(&g_rec.mu);
    PUMP_UNTIL_M(replica_matches(m));

    /* A change of data at the source. */
    pthread_mutex_lock(&g_rec.mu);
    int ndata = g_rec.ndata;
    pthread_mutex_unlock(&g_rec.mu);
    snprintf(g_table.cells[3][1], 32, "changed");
    qtro_model_index ch = {3, 1};
    CHECK_OK(qtro_model_source_data_changed(src, &ch, &ch, 1, (int32_t[]){0}, 1));
    PUMP_UNTIL(g_rec.ndata > ndata);
    PUMP_UNTIL_M(cell_is(m, 3, 1, "changed"));

    /* setData from the replica: the source's set_data applies it, the library signals it. */
    qtro_value *nv = qtro_value_new_string("edited");
    qtro_model_index e = {0, 0};
    CHECK_RESULT(QTRO_ERR_NOT_FOUND, qtro_model_replica_set_data(m, &e, 1, nv, 777));
    CHECK_OK(qtro_model_replica_set_data(m, &e, 1, nv, 0));
    qtro_value_free(nv);
    PUMP_UNTIL_M(g_table.nset >= 1 && cell_is(m, 0, 0, "edited"));
    CHECK(strcmp(g_table.cells[0][0], "edited") == 0);
    CHECK(g_table.nested_result == QTRO_ERR_WRONG_THREAD);

    /* The current index, both ways. */
    qtro_model_index cur = {2, 1};
    CHECK_OK(qtro_model_source_set_current(src, &cur, 1));
    PUMP_UNTIL(g_rec.ncurrent >= 1 && g_rec.current_row == 2 && g_rec.current_col == 1);
    qtro_model_index got[4];
    size_t gd = 0;
    CHECK_OK(qtro_model_replica_current(m, got, 4, &gd));
    CHECK(gd == 1 && got[0].row == 2 && got[0].column == 1);
    qtro_model_index rc = {1, 0};
    CHECK_OK(qtro_model_replica_set_current(m, &rc, 1));
    PUMP_UNTIL_M(g_table.ncurrent >= 1);
    CHECK(g_table.current_depth == 1 && g_table.current_row == 1 && g_table.current_col == 0);

    /* A layout change (rows reversed): about-to/done, then the new order. */
    for (int i = 0; i < g_table.rows / 2; i++) {
        char tmp[2][32];
        int j = g_table.rows - 1 - i;
        memcpy(tmp, g_table.cells[i], sizeof tmp);
        memcpy(g_table.cells[i], g_table.cells[j], sizeof tmp);
        memcpy(g_table.cells[j], tmp, sizeof tmp);
        int r = g_table.rank[i];
        g_table.rank[i] = g_table.rank[j];
        g_table.rank[j] = r;
    }
    CHECK_OK(qtro_model_source_layout_changed(src, NULL, 0, QTRO_LAYOUT_VERTICAL_SORT));
    PUMP_UNTIL(g_rec.layout_after >= 1);
    pthread_mutex_lock(&g_rec.mu);
    CHECK(g_rec.layout_before == 1 && g_rec.layout_hint == QTRO_LAYOUT_VERTICAL_SORT);
    pthread_mutex_unlock(&g_rec.mu);
    PUMP_UNTIL_M(replica_matches(m));

    /* A reset with new content. */
    table_fill(&g_table, 9);
    CHECK_OK(qtro_model_source_reset(src));
    PUMP_UNTIL(g_rec.reset_end >= 1);
    PUMP_UNTIL_M(root_rows(m) == 9);
    pthread_mutex_lock(&g_rec.mu);
    CHECK(g_rec.reset_begin == g_rec.reset_end);
    pthread_mutex_unlock(&g_rec.mu);
    PUMP_UNTIL_M(replica_matches(m));

    size_t nrep = 0;
    CHECK_OK(qtro_model_source_replica_count(src, &nrep));
    CHECK(nrep == 1);

    /* Stopping the source: the replica goes Suspect. */
    qtro_model_source_free(src);
    PUMP_UNTIL(g_rec.state == QTRO_STATE_SUSPECT);

    pthread_mutex_lock(&g_rec.mu);
    CHECK(!g_rec.on_test_thread);
    CHECK(g_rec.open == 0);
    CHECK(g_rec.nerrors == 0);
    pthread_mutex_unlock(&g_rec.mu);

    qtro_model_replica_free(m);
    qtro_model_replica_free(NULL);
    qtro_model_source_free(NULL);
    qtro_node_free(rep_node);
    qtro_node_free(g_src_node);
    qtro_string_free(url);
    pthread_mutex_destroy(&g_rec.mu);
    printf("c_model: ok\n");
    return 0;
}
