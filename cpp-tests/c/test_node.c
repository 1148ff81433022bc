/* Nodes, sources and replicas through the C API, in one process (libqtro_rs on both sides):
 * callbacks on the dispatch thread and through the pollable fd, synchronous, asynchronous and
 * deferred slot replies, property writes, signals, registry, static replicas from .rep text,
 * timeouts, shutdown semantics, the log hook, and error paths. Runs under ASan/UBSan. */
#define _GNU_SOURCE
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

static const char *g_rep_path;

/* ---- an event recorder shared by callbacks and the test thread ---------------------------- */

typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    qtro_node *poll_node; /* when set, waiting dispatches this node on the test thread */
    pthread_t test_thread;
    int wrong_thread;     /* a callback ran on an unexpected thread */
    int state;
    int nstates;
    int initialized;
    int nprops;
    char last_prop[64];
    int64_t last_prop_int;
    char last_prop_str[128];
    int nsignals;
    char last_signal[64];
    int64_t last_signal_arg0;
    size_t last_signal_nargs;
    int nreplies;
    qtro_result reply_result;
    int64_t reply_int;
    char reply_error[256];
    int nwritten;
    char written_name[64];
    int acquired;
    int released;
    int invoked;
    qtro_invocation *deferred;
    int nlogs;
    int saw_connect_log;
} rec;

static void rec_init(rec *r, qtro_node *poll_node) {
    memset(r, 0, sizeof *r);
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->cv, NULL);
    r->poll_node = poll_node;
    r->test_thread = pthread_self();
    r->state = -1;
}

static void rec_destroy(rec *r) {
    pthread_mutex_destroy(&r->mu);
    pthread_cond_destroy(&r->cv);
}

static void rec_callback_thread(rec *r) {
    /* In poll mode callbacks must run on the thread calling qtro_node_dispatch (the test thread);
     * in thread mode on the node's dispatch thread (never the test thread). */
    int on_test = pthread_equal(pthread_self(), r->test_thread);
    if (r->poll_node ? !on_test : on_test) r->wrong_thread = 1;
}

static long long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits until `cond` (an expression over `r`, evaluated under the lock) holds, at most `ms`. */
#define WAIT_UNTIL(r, cond, ms)                                                                  \
    do {                                                                                         \
        long long deadline_ = now_ms() + (ms);                                                   \
        int ok_ = 0;                                                                             \
        for (;;) {                                                                               \
            pthread_mutex_lock(&(r)->mu);                                                        \
            ok_ = (cond);                                                                        \
            pthread_mutex_unlock(&(r)->mu);                                                      \
            if (ok_ || now_ms() >= deadline_) break;                                             \
            if ((r)->poll_node) {                                                                \
                int fd_ = -1;                                                                    \
                CHECK_OK(qtro_node_event_fd((r)->poll_node, &fd_));                              \
                struct pollfd p_ = {fd_, POLLIN, 0};                                             \
                if (poll(&p_, 1, 50) > 0) CHECK_OK(qtro_node_dispatch((r)->poll_node, 0, NULL)); \
            } else {                                                                             \
                pthread_mutex_lock(&(r)->mu);                                                    \
                struct timespec ts_;                                                             \
                clock_gettime(CLOCK_REALTIME, &ts_);                                             \
                ts_.tv_nsec += 50 * 1000000L;                                                    \
                if (ts_.tv_nsec >= 1000000000L) { ts_.tv_sec++; ts_.tv_nsec -= 1000000000L; }    \
                pthread_cond_timedwait(&(r)->cv, &(r)->mu, &ts_);                                \
                pthread_mutex_unlock(&(r)->mu);                                                  \
            }                                                                                    \
        }                                                                                        \
        if (!ok_) {                                                                              \
            fprintf(stderr, "%s:%d: timed out waiting for %s\n", __FILE__, __LINE__, #cond);     \
            exit(1);                                                                             \
        }                                                                                        \
    } while (0)

static void on_state(void *ud, qtro_replica_state old_state, qtro_replica_state new_state) {
    rec *r = ud;
    pthread_mutex_lock(&r->mu);
    rec_callback_thread(r);
    r->state = (int)new_state;
    r->nstates++;
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
}

static void on_initialized(void *ud) {
    rec *r = ud;
    pthread_mutex_lock(&r->mu);
    rec_callback_thread(r);
    r->initialized++;
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
}

static void on_property(void *ud, const char *name, size_t index, const qtro_value *value) {
    rec *r = ud;
    pthread_mutex_lock(&r->mu);
    rec_callback_thread(r);
    r->nprops++;
    snprintf(r->last_prop, sizeof r->last_prop, "%s", name);
    int64_t i;
    if (qtro_value_get_int64(value, &i) == QTRO_OK) r->last_prop_int = i;
    char buf[128];
    if (qtro_value_copy_string(value, buf, sizeof buf, NULL) == QTRO_OK) snprintf(r->last_prop_str, sizeof r->last_prop_str, "%s", buf);
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
}

static void on_signal(void *ud, const char *name, size_t index, const qtro_value *const *args, size_t nargs) {
    rec *r = ud;
    pthread_mutex_lock(&r->mu);
    rec_callback_thread(r);
    r->nsignals++;
    snprintf(r->last_signal, sizeof r->last_signal, "%s", name);
    r->last_signal_nargs = nargs;
    if (nargs > 0) qtro_value_get_int64(args[0], &r->last_signal_arg0);
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
}

static void on_reply(void *ud, qtro_result result, const qtro_value *value, const char *error) {
    rec *r = ud;
    pthread_mutex_lock(&r->mu);
    rec_callback_thread(r);
    r->nreplies++;
    r->reply_result = result;
    r->reply_int = -1;
    if (result == QTRO_OK) {
        CHECK(value != NULL && error == NULL);
        qtro_value_get_int64(value, &r->reply_int);
    } else {
        CHECK(value == NULL && error != NULL);
        snprintf(r->reply_error, sizeof r->reply_error, "%s", error);
    }
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
}

static const qtro_replica_callbacks replica_cbs = {on_state, on_initialized, on_property, on_signal};

/* ---- the source side ---------------------------------------------------------------------------- */

static void on_invoked(void *ud, qtro_invocation *inv) {
    rec *r = ud;
    const char *slot = qtro_invocation_slot(inv);
    pthread_mutex_lock(&r->mu);
    r->invoked++;
    pthread_mutex_unlock(&r->mu);
    CHECK(strcmp(qtro_invocation_source(inv), "Simple") == 0);
    if (strcmp(slot, "add") == 0) {
        CHECK(qtro_invocation_arg_count(inv) == 2);
        CHECK(qtro_invocation_slot_index(inv) == 0);
        int64_t a = 0, b = 0;
        CHECK_OK(qtro_value_get_int64(qtro_invocation_arg(inv, 0), &a));
        CHECK_OK(qtro_value_get_int64(qtro_invocation_arg(inv, 1), &b));
        CHECK(qtro_invocation_arg(inv, 2) == NULL);
        /* A qlonglong reply is converted to the declared int. */
        qtro_value *sum = qtro_value_new_longlong(a + b);
        CHECK_OK(qtro_invocation_reply(inv, sum));
        CHECK_RESULT(QTRO_ERR_ALREADY, qtro_invocation_reply(inv, sum));
        qtro_value_free(sum);
    } else if (strcmp(slot, "later") == 0 || strcmp(slot, "never") == 0) {
        qtro_invocation *owned = NULL;
        CHECK_OK(qtro_invocation_defer(inv, &owned));
        CHECK_RESULT(QTRO_ERR_INVALID_ARGUMENT, qtro_invocation_reply(inv, NULL)); /* moved-from */
        pthread_mutex_lock(&r->mu);
        r->deferred = owned;
        pthread_cond_broadcast(&r->cv);
        pthread_mutex_unlock(&r->mu);
    }
    /* "reset" is not answered here: the library answers void calls itself. */
}

static void on_written(void *ud, const char *name, size_t index, const qtro_value *value) {
    rec *r = ud;
    pthread_mutex_lock(&r->mu);
    r->nwritten++;
    snprintf(r->written_name, sizeof r->written_name, "%s", name);
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
}

static void on_acquired(void *ud, uint64_t conn, bool dynamic) {
    rec *r = ud;
    pthread_mutex_lock(&r->mu);
    r->acquired++;
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
}

static void on_released(void *ud, uint64_t conn) {
    rec *r = ud;
    pthread_mutex_lock(&r->mu);
    r->released++;
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
}

static const qtro_source_callbacks source_cbs = {on_invoked, on_written, on_acquired, on_released};

static qtro_class *simple_class(void) {
    qtro_class *cls = qtro_class_new("Simple");
    CHECK(cls != NULL);
    qtro_value *zero = qtro_value_new_int(0);
    CHECK_OK(qtro_class_add_property(cls, "value", "int", QTRO_PROPERTY_READ_PUSH, zero));
    qtro_value_free(zero);
    CHECK_OK(qtro_class_add_property(cls, "name", "QString", QTRO_PROPERTY_READ_WRITE, NULL));
    qtro_param fired[] = {{"code", "int"}};
    CHECK_OK(qtro_class_add_signal(cls, "fired", fired, 1));
    qtro_param ab[] = {{"a", "int"}, {"b", "int"}};
    CHECK_OK(qtro_class_add_slot(cls, "add", ab, 2, "int"));
    CHECK_OK(qtro_class_add_slot(cls, "reset", NULL, 0, "void"));
    qtro_param x[] = {{"x", "int"}};
    CHECK_OK(qtro_class_add_slot(cls, "later", x, 1, "int"));
    CHECK_OK(qtro_class_add_slot(cls, "never", NULL, 0, "int"));
    qtro_enum_key keys[] = {{"Red", 0}, {"Green", 3}};
    CHECK_OK(qtro_class_add_enum(cls, "Color", false, false, 4, keys, 2));
    /* bad definitions */
    CHECK_RESULT(QTRO_ERR_INVALID_ARGUMENT, qtro_class_add_property(cls, "bad name", "int", QTRO_PROPERTY_READ_ONLY, NULL));
    CHECK_RESULT(QTRO_ERR_INVALID_ARGUMENT, qtro_class_add_property(cls, "p", "int", 42, NULL));
    CHECK(strstr(qtro_last_error_message(), "qtro_property_mode") != NULL);
    CHECK_RESULT(QTRO_ERR_NULL_ARGUMENT, qtro_class_add_signal(cls, "s", NULL, 1));
    qtro_param bad[] = {{"a", NULL}};
    CHECK_RESULT(QTRO_ERR_NULL_ARGUMENT, qtro_class_add_slot(cls, "s", bad, 1, "void"));
    CHECK_RESULT(QTRO_ERR_INVALID_ARGUMENT, qtro_class_add_enum(cls, "E", false, false, 3, NULL, 0));
    return cls;
}

static qtro_node *new_node(qtro_dispatch_mode mode) {
    qtro_node_config *cfg = qtro_node_config_new();
    CHECK(cfg != NULL);
    CHECK_OK(qtro_node_config_set_dispatch(cfg, mode));
    CHECK_OK(qtro_node_config_set_worker_threads(cfg, 1));
    CHECK_RESULT(QTRO_ERR_INVALID_ARGUMENT, qtro_node_config_set_dispatch(cfg, 7));
    CHECK_RESULT(QTRO_ERR_INVALID_ARGUMENT, qtro_node_config_set_dialect(cfg, 7));
    CHECK_RESULT(QTRO_ERR_INVALID_ARGUMENT, qtro_node_config_set_worker_threads(cfg, 0));
    CHECK_RESULT(QTRO_ERR_INVALID_ARGUMENT, qtro_node_config_set_retry_interval_ms(cfg, 0));
    CHECK_OK(qtro_node_config_set_retry_interval_ms(cfg, 100));
    qtro_node *node = NULL;
    CHECK_OK(qtro_node_new(cfg, &node));
    qtro_node_config_free(cfg);
    return node;
}

/* Connects `client` to `url` and acquires the "Simple" source there; Valid on return. */
static qtro_replica *acquire_simple(qtro_node *client, const char *url, const qtro_replica_callbacks *cbs, void *ud) {
    CHECK_OK(qtro_node_connect(client, url));
    qtro_replica *replica = NULL;
    CHECK_OK(qtro_node_acquire(client, "Simple", cbs, ud, &replica));
    CHECK_OK(qtro_replica_wait_for_source(replica, 10000));
    return replica;
}

typedef struct {
    qtro_invocation *inv;
} answer_args;

static void *answer_later(void *p) {
    answer_args *a = p;
    usleep(20000);
    int64_t x = 0;
    CHECK_OK(qtro_value_get_int64(qtro_invocation_arg(a->inv, 0), &x));
    qtro_value *v = qtro_value_new_int((int32_t)(x * 10));
    CHECK_OK(qtro_invocation_reply(a->inv, v));
    qtro_value_free(v);
    qtro_invocation_free(a->inv);
    return NULL;
}

/* ---- scenarios -------------------------------------------------------------------------------- */

static void source_and_replica(qtro_dispatch_mode client_mode) {
    rec src, rep;
    qtro_node *host = new_node(QTRO_DISPATCH_THREAD);
    qtro_node *client = new_node(client_mode);
    rec_init(&src, NULL);
    rec_init(&rep, client_mode == QTRO_DISPATCH_POLL ? client : NULL);

    qtro_class *cls = simple_class();
    qtro_source *source = NULL;
    CHECK_OK(qtro_node_enable_source(host, "Simple", cls, &source_cbs, &src, &source));
    qtro_source *dup = NULL;
    CHECK_RESULT(QTRO_ERR_ALREADY, qtro_node_enable_source(host, "Simple", cls, NULL, NULL, &dup));
    CHECK(dup == NULL);
    CHECK(strcmp(qtro_source_name(source), "Simple") == 0);

    char *url = NULL;
    CHECK_RESULT(QTRO_ERR_BAD_URL, qtro_node_listen(host, "http://x", 1000, &url));
    CHECK_OK(qtro_node_listen(host, "tcp://127.0.0.1:0", 5000, &url));
    CHECK(strncmp(url, "tcp://127.0.0.1:", 16) == 0 && strcmp(url, "tcp://127.0.0.1:0") != 0);
    CHECK_RESULT(QTRO_ERR_ALREADY, qtro_node_listen(host, "tcp://127.0.0.1:0", 5000, NULL));
    char *host_url = NULL;
    CHECK_OK(qtro_node_host_url(host, &host_url));
    CHECK(strcmp(host_url, url) == 0);
    qtro_string_free(host_url);
    CHECK_RESULT(QTRO_ERR_NOT_FOUND, qtro_node_host_url(client, &host_url));

    /* mode-specific checks */
    int fd = -1;
    if (client_mode == QTRO_DISPATCH_THREAD) {
        CHECK_RESULT(QTRO_ERR_WRONG_MODE, qtro_node_event_fd(client, &fd));
        CHECK_RESULT(QTRO_ERR_WRONG_MODE, qtro_node_dispatch(client, 0, NULL));
    } else {
        CHECK_OK(qtro_node_event_fd(client, &fd));
        CHECK(fd >= 0);
        size_t n = 99;
        CHECK_OK(qtro_node_dispatch(client, 0, &n));
        CHECK(n == 0);
    }

    CHECK_RESULT(QTRO_ERR_BAD_URL, qtro_node_connect(client, "nonsense"));
    CHECK_OK(qtro_node_connect(client, url));
    qtro_replica *replica = NULL;
    CHECK_OK(qtro_node_acquire(client, "Simple", &replica_cbs, &rep, &replica));
    CHECK(strcmp(qtro_replica_name(replica), "Simple") == 0);
    CHECK_OK(qtro_replica_wait_for_source(replica, 10000));
    qtro_replica_state st;
    CHECK_OK(qtro_replica_get_state(replica, &st));
    CHECK(st == QTRO_STATE_VALID);
    WAIT_UNTIL(&rep, rep.initialized >= 1 && rep.state == QTRO_STATE_VALID, 10000);
    WAIT_UNTIL(&src, src.acquired == 1, 10000);
    size_t listeners = 0;
    CHECK_OK(qtro_source_replica_count(source, &listeners));
    CHECK(listeners == 1);

    /* interface introspection */
    qtro_interface *iface = NULL;
    CHECK_OK(qtro_replica_interface(replica, &iface));
    CHECK(strcmp(qtro_interface_type_name(iface), "Simple") == 0);
    CHECK(qtro_interface_property_count(iface) == 2);
    const char *pname, *ptype, *notify;
    CHECK_OK(qtro_interface_property(iface, 1, &pname, &ptype, &notify));
    CHECK(strcmp(pname, "name") == 0 && strcmp(ptype, "QString") == 0 && strcmp(notify, "nameChanged(QString)") == 0);
    CHECK_RESULT(QTRO_ERR_NOT_FOUND, qtro_interface_property(iface, 2, &pname, NULL, NULL));
    CHECK(qtro_interface_signal_count(iface) == 3);
    const char *sname, *ssig;
    size_t np;
    CHECK_OK(qtro_interface_signal(iface, 2, &sname, &ssig, &np));
    CHECK(strcmp(sname, "fired") == 0 && strcmp(ssig, "fired(int)") == 0 && np == 1);
    CHECK(qtro_interface_method_count(iface) == 5); /* pushValue, add, reset, later, never */
    const char *mname, *msig, *mret;
    CHECK_OK(qtro_interface_method(iface, 1, &mname, &msig, &mret, &np));
    CHECK(strcmp(mname, "add") == 0 && strcmp(msig, "add(int,int)") == 0 && strcmp(mret, "int") == 0 && np == 2);
    const char *parname, *partype;
    CHECK_OK(qtro_interface_param(iface, false, 1, 1, &parname, &partype));
    CHECK(strcmp(parname, "b") == 0 && strcmp(partype, "int") == 0);
    CHECK_RESULT(QTRO_ERR_NOT_FOUND, qtro_interface_param(iface, false, 1, 2, &parname, &partype));
    CHECK(qtro_interface_enum_count(iface) == 1);
    const char *ename;
    bool is_flag;
    uint32_t esize;
    size_t nkeys;
    CHECK_OK(qtro_interface_enum(iface, 0, &ename, &is_flag, &esize, &nkeys));
    CHECK(strcmp(ename, "Color") == 0 && !is_flag && esize == 4 && nkeys == 2);
    int32_t kv;
    CHECK_OK(qtro_interface_enum_key(iface, 0, 1, &ename, &kv));
    CHECK(strcmp(ename, "Green") == 0 && kv == 3);
    qtro_interface_free(iface);
    CHECK(qtro_interface_property_count(NULL) == 0);

    /* properties */
    qtro_value *v = NULL;
    CHECK_OK(qtro_replica_property(replica, "value", &v));
    CHECK(qtro_value_type(v) == QTRO_TYPE_INT);
    qtro_value_free(v);
    CHECK_RESULT(QTRO_ERR_NOT_FOUND, qtro_replica_property(replica, "nope", &v));
    CHECK(v == NULL);
    qtro_value *seven = qtro_value_new_int(7);
    bool changed = false;
    CHECK_OK(qtro_source_set_property(source, "value", seven, &changed));
    CHECK(changed);
    CHECK_OK(qtro_source_set_property(source, "value", seven, &changed));
    CHECK(!changed);
    CHECK_RESULT(QTRO_ERR_NOT_FOUND, qtro_source_set_property(source, "nope", seven, NULL));
    qtro_value_free(seven);
    WAIT_UNTIL(&rep, strcmp(rep.last_prop, "value") == 0 && rep.last_prop_int == 7, 10000);
    CHECK_OK(qtro_source_property(source, "value", &v));
    qtro_value_free(v);

    qtro_value *hi = qtro_value_new_string("hi from C");
    CHECK_OK(qtro_replica_set_property(replica, "name", hi));
    qtro_value_free(hi);
    WAIT_UNTIL(&src, src.nwritten == 1 && strcmp(src.written_name, "name") == 0, 10000);
    WAIT_UNTIL(&rep, strcmp(rep.last_prop_str, "hi from C") == 0, 10000);

    /* signals */
    qtro_value *code = qtro_value_new_longlong(42);
    const qtro_value *args1[] = {code};
    CHECK_OK(qtro_source_emit(source, "fired", args1, 1));
    CHECK_RESULT(QTRO_ERR_INVALID_ARGUMENT, qtro_source_emit(source, "fired", NULL, 0));
    CHECK_RESULT(QTRO_ERR_NOT_FOUND, qtro_source_emit(source, "nope", NULL, 0));
    CHECK_RESULT(QTRO_ERR_NULL_ARGUMENT, qtro_source_emit(source, "fired", NULL, 1));
    qtro_value_free(code);
    WAIT_UNTIL(&rep, rep.nsignals == 1 && strcmp(rep.last_signal, "fired") == 0 && rep.last_signal_arg0 == 42 && rep.last_signal_nargs == 1, 10000);

    /* slot calls: synchronous */
    qtro_value *two = qtro_value_new_int(2), *three = qtro_value_new_int(3);
    const qtro_value *args2[] = {two, three};
    qtro_value *result = NULL;
    CHECK_OK(qtro_replica_call_sync(replica, "add", args2, 2, 10000, &result));
    CHECK(qtro_value_type(result) == QTRO_TYPE_INT);
    int64_t sum = 0;
    CHECK_OK(qtro_value_get_int64(result, &sum));
    CHECK(sum == 5);
    qtro_value_free(result);
    CHECK_RESULT(QTRO_ERR_NOT_FOUND, qtro_replica_call_sync(replica, "nope", NULL, 0, 1000, &result));
    CHECK(strstr(qtro_last_error_message(), "nope") != NULL);

    /* arguments must have (or convert losslessly to) the declared types, and be as many */
    qtro_value *word = qtro_value_new_string("two"), *digits = qtro_value_new_string("2");
    const qtro_value *bad_args[] = {word, three};
    CHECK_RESULT(QTRO_ERR_TYPE_MISMATCH, qtro_replica_call_sync(replica, "add", bad_args, 2, 1000, &result));
    CHECK(strstr(qtro_last_error_message(), "argument 1") != NULL);
    CHECK(strstr(qtro_last_error_message(), "QString") != NULL && strstr(qtro_last_error_message(), "int") != NULL);
    CHECK_RESULT(QTRO_ERR_INVALID_ARGUMENT, qtro_replica_call_sync(replica, "add", args2, 1, 1000, &result));
    CHECK(strstr(qtro_last_error_message(), "takes 2 argument(s), 1 given") != NULL);
    const qtro_value *text_args[] = {digits, three};
    CHECK_OK(qtro_replica_call_sync(replica, "add", text_args, 2, 10000, &result));
    CHECK_OK(qtro_value_get_int64(result, &sum));
    CHECK(sum == 5);
    qtro_value_free(result);
    CHECK_RESULT(QTRO_ERR_TYPE_MISMATCH, qtro_replica_set_property(replica, "value", word));
    CHECK_RESULT(QTRO_ERR_TYPE_MISMATCH, qtro_source_set_property(source, "value", word, NULL));
    CHECK(strstr(qtro_last_error_message(), "value") != NULL);
    const qtro_value *fired_bad[] = {word};
    CHECK_RESULT(QTRO_ERR_TYPE_MISMATCH, qtro_source_emit(source, "fired", fired_bad, 1));
    qtro_value_free(word);
    qtro_value_free(digits);
    CHECK_OK(qtro_replica_call_sync(replica, "reset", NULL, 0, 1000, &result));
    CHECK(qtro_value_type(result) == QTRO_TYPE_INVALID);
    qtro_value_free(result);

    /* asynchronous with a reply callback */
    CHECK_OK(qtro_replica_call(replica, "add", args2, 2, 10000, on_reply, &rep));
    WAIT_UNTIL(&rep, rep.nreplies == 1, 10000);
    CHECK(rep.reply_result == QTRO_OK && rep.reply_int == 5);
    CHECK_RESULT(QTRO_ERR_NOT_FOUND, qtro_replica_call(replica, "nope", NULL, 0, 0, on_reply, &rep));
    CHECK_OK(qtro_replica_call(replica, "add", args2, 2, 0, NULL, NULL)); /* fire and forget */
    /* push slot of a READ_PUSH property */
    qtro_value *nine = qtro_value_new_int(9);
    const qtro_value *args9[] = {nine};
    CHECK_OK(qtro_replica_call(replica, "pushValue", args9, 1, 10000, on_reply, &rep));
    WAIT_UNTIL(&rep, rep.nreplies == 2 && rep.last_prop_int == 9, 10000);
    qtro_value_free(nine);

    /* deferred reply from another thread */
    qtro_value *four = qtro_value_new_int(4);
    const qtro_value *args4[] = {four};
    CHECK_OK(qtro_replica_call(replica, "later", args4, 1, 10000, on_reply, &rep));
    WAIT_UNTIL(&src, src.deferred != NULL, 10000);
    pthread_t t;
    answer_args aa = {src.deferred};
    src.deferred = NULL;
    pthread_create(&t, NULL, answer_later, &aa);
    WAIT_UNTIL(&rep, rep.nreplies == 3, 10000);
    pthread_join(t, NULL);
    CHECK(rep.reply_result == QTRO_OK && rep.reply_int == 40);
    qtro_value_free(four);

    /* a reply that never comes: the call times out */
    CHECK_OK(qtro_replica_call(replica, "never", NULL, 0, 200, on_reply, &rep));
    WAIT_UNTIL(&rep, rep.nreplies == 4, 10000);
    CHECK(rep.reply_result == QTRO_ERR_TIMEOUT);
    CHECK(strstr(rep.reply_error, "200") != NULL);
    WAIT_UNTIL(&src, src.deferred != NULL, 10000);
    qtro_invocation_free(src.deferred); /* answers with an invalid value (too late) */
    src.deferred = NULL;
    CHECK_RESULT(QTRO_ERR_TIMEOUT, qtro_replica_call_sync(replica, "never", NULL, 0, 100, NULL));
    WAIT_UNTIL(&src, src.deferred != NULL, 10000);
    qtro_invocation_free(src.deferred);
    src.deferred = NULL;

    /* a replica of an unknown source times out */
    qtro_replica *ghost = NULL;
    CHECK_OK(qtro_node_acquire(client, "Ghost", NULL, NULL, &ghost));
    long long t0 = now_ms();
    CHECK_RESULT(QTRO_ERR_TIMEOUT, qtro_replica_wait_for_source(ghost, 150));
    CHECK(now_ms() - t0 < 3000);
    CHECK_RESULT(QTRO_ERR_NOT_CONNECTED, qtro_replica_property(ghost, "value", &v));
    CHECK_RESULT(QTRO_ERR_NOT_CONNECTED, qtro_replica_interface(ghost, &iface));
    CHECK_RESULT(QTRO_ERR_NOT_CONNECTED, qtro_replica_call(ghost, "add", args2, 2, 0, on_reply, &rep));
    qtro_replica_free(ghost);
    qtro_value_free(two);
    qtro_value_free(three);

    /* disabling the source: the replica goes Suspect */
    qtro_source_free(source);
    WAIT_UNTIL(&rep, rep.state == QTRO_STATE_SUSPECT, 10000);

    /* shutdown: pending reply callbacks complete with QTRO_ERR_SHUTDOWN inside qtro_node_free */
    CHECK(rep.wrong_thread == 0);
    CHECK(src.wrong_thread == 0);
    qtro_replica_free(replica);
    qtro_node_free(client);
    qtro_node_free(host);
    qtro_class_free(cls);
    qtro_string_free(url);
    rec_destroy(&src);
    rec_destroy(&rep);
}

static void shutdown_semantics(void) {
    rec src, rep;
    rec_init(&src, NULL);
    rec_init(&rep, NULL);
    qtro_node *host = new_node(QTRO_DISPATCH_THREAD);
    qtro_node *client = new_node(QTRO_DISPATCH_THREAD);
    qtro_class *cls = simple_class();
    qtro_source *source = NULL;
    CHECK_OK(qtro_node_enable_source(host, "Simple", cls, &source_cbs, &src, &source));
    char *url = NULL;
    CHECK_OK(qtro_node_listen(host, "localabstract:qtro_c_test_shutdown", 5000, &url));
    qtro_replica *replica = acquire_simple(client, url, &replica_cbs, &rep);

    /* a call left pending by the source */
    CHECK_OK(qtro_replica_call(replica, "never", NULL, 0, 0, on_reply, &rep));
    WAIT_UNTIL(&src, src.deferred != NULL, 10000);
    qtro_node_free(client);
    /* the callback already ran, on this thread, before qtro_node_free returned */
    CHECK(rep.nreplies == 1 && rep.reply_result == QTRO_ERR_SHUTDOWN);
    /* the replica handle is inert but valid */
    qtro_replica_state st;
    CHECK_RESULT(QTRO_ERR_SHUTDOWN, qtro_replica_get_state(replica, &st));
    CHECK_RESULT(QTRO_ERR_SHUTDOWN, qtro_replica_call(replica, "add", NULL, 0, 0, on_reply, &rep));
    qtro_replica_free(replica);
    /* answering after the peer went away is fine */
    qtro_value *v = qtro_value_new_int(1);
    CHECK_OK(qtro_invocation_reply(src.deferred, v));
    qtro_value_free(v);
    qtro_invocation_free(src.deferred);
    /* free the node before its source: the source handle stays valid */
    qtro_node_free(host);
    CHECK_RESULT(QTRO_ERR_SHUTDOWN, qtro_source_set_property(source, "value", v = qtro_value_new_int(2), NULL));
    qtro_value_free(v);
    qtro_source_free(source);
    qtro_class_free(cls);
    qtro_string_free(url);
    rec_destroy(&src);
    rec_destroy(&rep);
}

/* The config setters beyond the basics: bounds, and max_packet_size taking effect on a replica. */
static qtro_node *node_with_packet_limit(uint32_t max_packet_size) {
    qtro_node_config *cfg = qtro_node_config_new();
    CHECK_OK(qtro_node_config_set_busy_poll_us(cfg, 0));
    CHECK_OK(qtro_node_config_set_max_packet_size(cfg, max_packet_size));
    qtro_node *node = NULL;
    CHECK_OK(qtro_node_new(cfg, &node));
    qtro_node_config_free(cfg);
    return node;
}

static void config_limits(void) {
    qtro_node_config *cfg = qtro_node_config_new();
    CHECK_OK(qtro_node_config_set_busy_poll_us(cfg, 100000));
    CHECK_RESULT(QTRO_ERR_INVALID_ARGUMENT, qtro_node_config_set_busy_poll_us(cfg, 100001));
    CHECK_RESULT(QTRO_ERR_INVALID_ARGUMENT, qtro_node_config_set_max_packet_size(cfg, 1023));
    CHECK_RESULT(QTRO_ERR_INVALID_ARGUMENT, qtro_node_config_set_max_packet_size(cfg, 0x80000000u));
    CHECK_RESULT(QTRO_ERR_INVALID_ARGUMENT, qtro_node_config_set_queue_high_water(cfg, 0));
    CHECK_RESULT(QTRO_ERR_INVALID_ARGUMENT, qtro_node_config_set_stall_timeout_ms(cfg, 0));
    CHECK_RESULT(QTRO_ERR_INVALID_ARGUMENT, qtro_node_config_set_max_queued_bytes(cfg, 0));
    CHECK_RESULT(QTRO_ERR_NULL_ARGUMENT, qtro_node_config_set_concurrent_slots(NULL, true));
    CHECK_OK(qtro_node_config_set_concurrent_slots(cfg, true));
    CHECK_OK(qtro_node_config_set_stall_timeout_ms(cfg, 1000));
    /* a hard cap below the high-water mark is refused when the node is made */
    CHECK_OK(qtro_node_config_set_queue_high_water(cfg, 1 << 20));
    CHECK_OK(qtro_node_config_set_max_queued_bytes(cfg, 1 << 19));
    qtro_node *node = (qtro_node *)0x1;
    CHECK_RESULT(QTRO_ERR_INVALID_ARGUMENT, qtro_node_new(cfg, &node));
    CHECK(node == NULL);
    CHECK(strstr(qtro_last_error_message(), "queue_high_water") != NULL);
    CHECK_OK(qtro_node_config_set_max_queued_bytes(cfg, 1 << 20));
    CHECK_OK(qtro_node_new(cfg, &node));
    qtro_node_free(node);
    qtro_node_config_free(cfg);

    /* A source whose init packet is ~8 KB: a replica limited to 1 KiB packets never gets it
     * (the connection is closed on the oversized frame), one limited to 64 KiB does. */
    qtro_node *host = new_node(QTRO_DISPATCH_THREAD);
    qtro_class *cls = simple_class();
    qtro_source *source = NULL;
    CHECK_OK(qtro_node_enable_source(host, "Simple", cls, NULL, NULL, &source));
    char big[4001];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    qtro_value *v = qtro_value_new_string(big);
    CHECK_OK(qtro_source_set_property(source, "name", v, NULL));
    qtro_value_free(v);
    char *url = NULL;
    CHECK_OK(qtro_node_listen(host, "tcp://127.0.0.1:0", 5000, &url));

    qtro_node *small = node_with_packet_limit(1024);
    CHECK_OK(qtro_node_connect(small, url));
    qtro_replica *refused = NULL;
    CHECK_OK(qtro_node_acquire(small, "Simple", NULL, NULL, &refused));
    CHECK_RESULT(QTRO_ERR_TIMEOUT, qtro_replica_wait_for_source(refused, 1000));

    qtro_node *roomy = node_with_packet_limit(64 * 1024);
    qtro_replica *replica = acquire_simple(roomy, url, NULL, NULL);
    qtro_value *name = NULL;
    CHECK_OK(qtro_replica_property(replica, "name", &name));
    const char *text = NULL;
    size_t len = 0;
    CHECK_OK(qtro_value_get_string(name, &text, &len, NULL));
    CHECK(len == 4000);
    qtro_value_free(name);

    qtro_replica_free(replica);
    qtro_replica_free(refused);
    qtro_node_free(roomy);
    qtro_node_free(small);
    qtro_node_free(host);
    qtro_source_free(source);
    qtro_class_free(cls);
    qtro_string_free(url);
}

/* One call to a source left unanswered (deferred): later calls to the same source wait for it
 * by default, as on a Qt host, and are answered at once with concurrent slots. */
static void slots_while_one_is_deferred(bool concurrent) {
    rec src, rep;
    rec_init(&src, NULL);
    rec_init(&rep, NULL);
    qtro_node_config *cfg = qtro_node_config_new();
    CHECK_OK(qtro_node_config_set_concurrent_slots(cfg, concurrent));
    qtro_node *host = NULL;
    CHECK_OK(qtro_node_new(cfg, &host));
    qtro_node_config_free(cfg);
    qtro_node *client = new_node(QTRO_DISPATCH_THREAD);
    qtro_class *cls = simple_class();
    qtro_source *source = NULL;
    CHECK_OK(qtro_node_enable_source(host, "Simple", cls, &source_cbs, &src, &source));
    char *url = NULL;
    CHECK_OK(qtro_node_listen(host, "tcp://127.0.0.1:0", 5000, &url));
    qtro_replica *replica = acquire_simple(client, url, NULL, NULL);

    CHECK_OK(qtro_replica_call(replica, "never", NULL, 0, 0, on_reply, &rep));
    WAIT_UNTIL(&src, src.deferred != NULL, 10000);
    qtro_value *two = qtro_value_new_int(2), *three = qtro_value_new_int(3);
    const qtro_value *args[] = {two, three};
    qtro_value *result = NULL;
    if (concurrent) {
        CHECK_OK(qtro_replica_call_sync(replica, "add", args, 2, 10000, &result));
        int64_t sum = 0;
        CHECK_OK(qtro_value_get_int64(result, &sum));
        CHECK(sum == 5);
        qtro_value_free(result);
    } else {
        CHECK_RESULT(QTRO_ERR_TIMEOUT, qtro_replica_call_sync(replica, "add", args, 2, 300, &result));
        pthread_mutex_lock(&src.mu);
        int invoked = src.invoked;
        pthread_mutex_unlock(&src.mu);
        CHECK(invoked == 1); /* "add" has not reached the callback */
    }
    qtro_value *v = qtro_value_new_int(7);
    CHECK_OK(qtro_invocation_reply(src.deferred, v));
    qtro_value_free(v);
    qtro_invocation_free(src.deferred);
    WAIT_UNTIL(&rep, rep.nreplies == 1, 10000);
    CHECK(rep.reply_result == QTRO_OK && rep.reply_int == 7);
    /* Serial: the timed-out "add" still runs once "never" is answered. */
    WAIT_UNTIL(&src, src.invoked == 2, 10000);

    qtro_value_free(two);
    qtro_value_free(three);
    qtro_replica_free(replica);
    qtro_node_free(client);
    qtro_node_free(host);
    qtro_source_free(source);
    qtro_class_free(cls);
    qtro_string_free(url);
    rec_destroy(&src);
    rec_destroy(&rep);
}

/* Frees its own replica from inside a callback. */
static void free_self_on_init(void *ud) {
    qtro_replica **slot = ud;
    qtro_replica_free(*slot);
    *slot = NULL;
}

static void free_inside_callback(void) {
    qtro_node *host = new_node(QTRO_DISPATCH_THREAD);
    qtro_node *client = new_node(QTRO_DISPATCH_POLL);
    qtro_class *cls = simple_class();
    qtro_source *source = NULL;
    CHECK_OK(qtro_node_enable_source(host, "Simple", cls, NULL, NULL, &source));
    char *url = NULL;
    CHECK_OK(qtro_node_listen(host, "tcp://127.0.0.1:0", 5000, &url));
    CHECK_OK(qtro_node_connect(client, url));
    qtro_replica_callbacks cbs = {0};
    cbs.initialized = free_self_on_init;
    static qtro_replica *replica = NULL;
    CHECK_OK(qtro_node_acquire(client, "Simple", &cbs, &replica, &replica));
    long long deadline = now_ms() + 10000;
    while (replica != NULL && now_ms() < deadline) {
        size_t n = 0;
        CHECK_OK(qtro_node_dispatch_timeout(client, 50, &n));
    }
    CHECK(replica == NULL);
    /* without a slot callback, calls are answered with an invalid value */
    qtro_replica *r2 = NULL;
    CHECK_OK(qtro_node_acquire(client, "Simple", NULL, NULL, &r2));
    CHECK_OK(qtro_replica_wait_for_source(r2, 10000));
    qtro_value *res = NULL;
    CHECK_OK(qtro_replica_call_sync(r2, "never", NULL, 0, 10000, &res));
    CHECK(qtro_value_type(res) == QTRO_TYPE_INVALID);
    qtro_value_free(res);
    qtro_replica_free(r2);
    qtro_node_free(client);
    qtro_source_free(source);
    qtro_node_free(host);
    qtro_class_free(cls);
    qtro_string_free(url);
}

static char *read_file(const char *path) {
    FILE *f = fopen(path, "rb");
    CHECK(f != NULL);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    CHECK(fread(buf, 1, (size_t)n, f) == (size_t)n);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void registry_and_static_replicas(void) {
    char *rep_text = read_file(g_rep_path);
    qtro_class *simple = NULL;
    CHECK_RESULT(QTRO_ERR_PARSE, qtro_class_from_rep("class {", "Simple", QTRO_DIALECT_QT6, &simple));
    CHECK(strlen(qtro_last_error_message()) > 0);
    CHECK_RESULT(QTRO_ERR_PARSE, qtro_class_from_rep(rep_text, "Nope", QTRO_DIALECT_QT6, &simple));
    CHECK_RESULT(QTRO_ERR_INVALID_ARGUMENT, qtro_class_from_rep(rep_text, "Simple", 9, &simple));
    CHECK_OK(qtro_class_from_rep(rep_text, "Simple", QTRO_DIALECT_QT6, &simple));
    CHECK_RESULT(QTRO_ERR_INVALID_ARGUMENT, qtro_class_add_slot(simple, "extra", NULL, 0, NULL));
    qtro_interface *iface = NULL;
    CHECK_OK(qtro_class_interface(simple, &iface));
    CHECK(qtro_interface_method_count(iface) == 3);
    qtro_interface_free(iface);

    qtro_node *registry = new_node(QTRO_DISPATCH_THREAD);
    char *reg_url = NULL;
    CHECK_OK(qtro_node_listen_registry(registry, "tcp://127.0.0.1:0", 5000, &reg_url));

    qtro_node *host = new_node(QTRO_DISPATCH_THREAD);
    CHECK_OK(qtro_node_set_registry_url(host, reg_url));
    qtro_source *source = NULL;
    CHECK_OK(qtro_node_enable_source(host, "Simple", simple, NULL, NULL, &source));
    CHECK_OK(qtro_node_listen(host, "tcp://127.0.0.1:0", 5000, NULL));

    /* found through the registry by name alone, as a static replica with repc's signature */
    qtro_node *client = new_node(QTRO_DISPATCH_POLL);
    CHECK_OK(qtro_node_set_registry_url(client, reg_url));
    CHECK_OK(qtro_node_wait_for_object(client, "Simple", 10000));
    CHECK_RESULT(QTRO_ERR_TIMEOUT, qtro_node_wait_for_object(client, "Nothing", 100));
    qtro_replica *replica = NULL;
    CHECK_OK(qtro_node_acquire_class(client, "Simple", simple, NULL, NULL, &replica));
    CHECK_OK(qtro_replica_wait_for_source(replica, 10000));
    qtro_value *res = NULL;
    qtro_value *a = qtro_value_new_int(20), *b = qtro_value_new_int(22);
    const qtro_value *args[] = {a, b};
    CHECK_OK(qtro_replica_call_sync(replica, "add", args, 2, 10000, &res)); /* no handler: invalid */
    qtro_value_free(res);
    qtro_value_free(a);
    qtro_value_free(b);

    /* a class with another signature is refused */
    qtro_class *other = qtro_class_new("Simple");
    CHECK_OK(qtro_class_add_property(other, "value", "int", QTRO_PROPERTY_READ_PUSH, NULL));
    CHECK_OK(qtro_class_set_signature(other, "0000000000000000000000000000000000000000"));
    qtro_node *client2 = new_node(QTRO_DISPATCH_THREAD);
    CHECK_OK(qtro_node_set_registry_url(client2, reg_url));
    rec rep;
    rec_init(&rep, NULL);
    qtro_replica *wrong = NULL;
    CHECK_RESULT(QTRO_ERR_NULL_ARGUMENT, qtro_node_acquire_class(client2, "Simple", NULL, NULL, NULL, &wrong));
    CHECK_OK(qtro_node_acquire_class(client2, "Simple", other, &replica_cbs, &rep, &wrong));
    WAIT_UNTIL(&rep, rep.state == QTRO_STATE_SIGNATURE_MISMATCH, 10000);
    /* the wait fails at once with the real reason, both signatures in the message */
    CHECK_RESULT(QTRO_ERR_SIGNATURE_MISMATCH, qtro_replica_wait_for_source(wrong, 30000));
    CHECK(strstr(qtro_last_error_message(), "0000000000000000000000000000000000000000") != NULL);
    CHECK(strcmp(qtro_result_name(QTRO_ERR_SIGNATURE_MISMATCH), "QTRO_ERR_SIGNATURE_MISMATCH") == 0);
    qtro_value *unused = NULL;
    qtro_value *seven = qtro_value_new_int(7);
    const qtro_value *push_args[] = {seven};
    CHECK_RESULT(QTRO_ERR_SIGNATURE_MISMATCH, qtro_replica_call_sync(wrong, "pushValue", push_args, 1, 1000, &unused));
    qtro_value_free(seven);

    qtro_replica_free(wrong);
    qtro_replica_free(replica);
    qtro_node_free(client2);
    qtro_node_free(client);
    qtro_source_free(source);
    qtro_node_free(host);
    qtro_node_free(registry);
    qtro_class_free(other);
    qtro_class_free(simple);
    qtro_string_free(reg_url);
    free(rep_text);
    rec_destroy(&rep);
}

static rec g_log;

static void on_log(void *ud, qtro_log_level level, const char *target, const char *message) {
    rec *r = ud;
    pthread_mutex_lock(&r->mu);
    r->nlogs++;
    if (strstr(message, "connect failed") && strncmp(target, "qtro_rs", 7) == 0 && level == QTRO_LOG_DEBUG) r->saw_connect_log = 1;
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
}

static void logging(void) {
    rec_init(&g_log, NULL);
    CHECK_RESULT(QTRO_ERR_INVALID_ARGUMENT, qtro_set_log_callback(on_log, &g_log, 9));
    CHECK_OK(qtro_set_log_callback(on_log, &g_log, QTRO_LOG_DEBUG));
    qtro_node *node = new_node(QTRO_DISPATCH_THREAD);
    CHECK_OK(qtro_node_connect(node, "tcp://127.0.0.1:1")); /* refused, retried, logged at debug */
    WAIT_UNTIL(&g_log, g_log.saw_connect_log, 10000);
    CHECK_OK(qtro_set_log_callback(NULL, NULL, QTRO_LOG_TRACE));
    pthread_mutex_lock(&g_log.mu);
    int before = g_log.nlogs;
    pthread_mutex_unlock(&g_log.mu);
    usleep(300000);
    pthread_mutex_lock(&g_log.mu);
    CHECK(g_log.nlogs == before);
    pthread_mutex_unlock(&g_log.mu);
    qtro_node_free(node);
    rec_destroy(&g_log);
}

static void null_arguments(void) {
    qtro_node *node = NULL;
    CHECK_RESULT(QTRO_ERR_NULL_ARGUMENT, qtro_node_new(NULL, NULL));
    CHECK_OK(qtro_node_new(NULL, &node)); /* defaults */
    CHECK_RESULT(QTRO_ERR_NULL_ARGUMENT, qtro_node_listen(NULL, "tcp://127.0.0.1:0", 100, NULL));
    CHECK_RESULT(QTRO_ERR_NULL_ARGUMENT, qtro_node_listen(node, NULL, 100, NULL));
    CHECK_RESULT(QTRO_ERR_INVALID_ARGUMENT, qtro_node_connect(node, "tcp://\xFF"));
    CHECK_RESULT(QTRO_ERR_NULL_ARGUMENT, qtro_node_acquire(node, NULL, NULL, NULL, NULL));
    qtro_replica *r = (qtro_replica *)0x1;
    CHECK_RESULT(QTRO_ERR_NULL_ARGUMENT, qtro_node_acquire(node, NULL, NULL, NULL, &r));
    CHECK(r == NULL); /* outputs are cleared on failure */
    CHECK_RESULT(QTRO_ERR_NULL_ARGUMENT, qtro_node_enable_source(node, "X", NULL, NULL, NULL, NULL));
    CHECK_RESULT(QTRO_ERR_NULL_ARGUMENT, qtro_replica_get_state(NULL, NULL));
    CHECK_RESULT(QTRO_ERR_NULL_ARGUMENT, qtro_replica_call(NULL, "x", NULL, 0, 0, NULL, NULL));
    CHECK_RESULT(QTRO_ERR_NULL_ARGUMENT, qtro_source_emit(NULL, "x", NULL, 0));
    CHECK_RESULT(QTRO_ERR_NULL_ARGUMENT, qtro_invocation_reply(NULL, NULL));
    CHECK_RESULT(QTRO_ERR_NULL_ARGUMENT, qtro_node_dispatch(NULL, 0, NULL));
    CHECK_RESULT(QTRO_ERR_NULL_ARGUMENT, qtro_node_config_set_dispatch(NULL, QTRO_DISPATCH_POLL));
    CHECK(qtro_class_new(NULL) == NULL);
    CHECK(qtro_replica_name(NULL) == NULL);
    CHECK(qtro_source_name(NULL) == NULL);
    CHECK(qtro_invocation_slot(NULL) == NULL);
    CHECK(qtro_invocation_arg_count(NULL) == 0);
    qtro_node_free(NULL);
    qtro_replica_free(NULL);
    qtro_source_free(NULL);
    qtro_class_free(NULL);
    qtro_interface_free(NULL);
    qtro_invocation_free(NULL);
    qtro_node_config_free(NULL);
    qtro_node_free(node);
}

int main(int argc, char **argv) {
    CHECK(argc == 2);
    g_rep_path = argv[1];
    null_arguments();
    source_and_replica(QTRO_DISPATCH_THREAD);
    source_and_replica(QTRO_DISPATCH_POLL);
    shutdown_semantics();
    config_limits();
    slots_while_one_is_deferred(false);
    slots_while_one_is_deferred(true);
    free_inside_callback();
    registry_and_static_replicas();
    logging();
    printf("test_node: ok\n");
    return 0;
}
