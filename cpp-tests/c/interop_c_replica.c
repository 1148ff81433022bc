/* A single-threaded C program with a libqtro_rs replica of a stock Qt 6 source (qtro_qt_peer
 * source-static Interop), driven by poll(2) on the node's event fd: dynamic replica (introspection,
 * typed values, slot calls with reply callbacks, writes, signals, source-side changes) and a static
 * replica of the same .rep class (signature accepted by Qt's host). */
#define _GNU_SOURCE
#include <poll.h>
#include <pthread.h>
#include <time.h>

#include "check.h"
#include "peer.h"

typedef struct {
    int state;
    int replies;
    qtro_result reply_result;
    qtro_value *reply;
    int signals;
    char signal_name[64];
    int64_t signal_code;
    char signal_msg[64];
    char last_prop[64];
    double ratio;
} rec;

static pthread_t g_main;

static void on_state(void *ud, qtro_replica_state o, qtro_replica_state n) {
    CHECK(pthread_equal(pthread_self(), g_main)); /* poll mode: callbacks on our thread */
    ((rec *)ud)->state = (int)n;
}

static void on_property(void *ud, const char *name, size_t index, const qtro_value *v) {
    rec *r = ud;
    snprintf(r->last_prop, sizeof r->last_prop, "%s", name);
    if (strcmp(name, "ratio") == 0) CHECK_OK(qtro_value_get_double(v, &r->ratio));
}

static void on_signal(void *ud, const char *name, size_t index, const qtro_value *const *args, size_t n) {
    rec *r = ud;
    r->signals++;
    snprintf(r->signal_name, sizeof r->signal_name, "%s", name);
    CHECK(n == 2);
    CHECK_OK(qtro_value_get_int64(args[0], &r->signal_code));
    CHECK_OK(qtro_value_copy_string(args[1], r->signal_msg, sizeof r->signal_msg, NULL));
}

static void on_reply(void *ud, qtro_result result, const qtro_value *value, const char *error) {
    rec *r = ud;
    r->replies++;
    r->reply_result = result;
    qtro_value_free(r->reply);
    r->reply = value ? qtro_value_clone(value) : NULL;
}

static long long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The event loop: poll the fd, dispatch, until `cond` holds. */
#define LOOP_UNTIL(node, cond)                                                                   \
    do {                                                                                         \
        int fd_ = -1;                                                                            \
        CHECK_OK(qtro_node_event_fd(node, &fd_));                                                \
        long long deadline_ = now_ms() + 15000;                                                  \
        while (!(cond)) {                                                                        \
            if (now_ms() > deadline_) {                                                          \
                fprintf(stderr, "%s:%d: timed out waiting for %s\n", __FILE__, __LINE__, #cond); \
                exit(1);                                                                         \
            }                                                                                    \
            struct pollfd p_ = {fd_, POLLIN, 0};                                                 \
            if (poll(&p_, 1, 100) > 0) CHECK_OK(qtro_node_dispatch(node, 0, NULL));              \
        }                                                                                        \
    } while (0)

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

static int64_t reply_int(rec *r) {
    int64_t v = 0;
    CHECK(r->reply_result == QTRO_OK);
    CHECK_OK(qtro_value_get_int64(r->reply, &v));
    return v;
}

int main(int argc, char **argv) {
    CHECK(argc == 3);
    g_main = pthread_self();
    const char *args[] = {"source-static", "Interop", "--url", "tcp://127.0.0.1:0", NULL};
    peer *qt = peer_start(argv[1], args);
    char url[256];
    CHECK(json_string_field(peer_ready(qt), "url", url, sizeof url) != NULL);

    qtro_node_config *cfg = qtro_node_config_new();
    CHECK_OK(qtro_node_config_set_dispatch(cfg, QTRO_DISPATCH_POLL));
    qtro_node *node = NULL;
    CHECK_OK(qtro_node_new(cfg, &node));
    qtro_node_config_free(cfg);
    CHECK_OK(qtro_node_connect(node, url));

    rec r;
    memset(&r, 0, sizeof r);
    qtro_replica_callbacks cbs = {on_state, NULL, on_property, on_signal};
    qtro_replica *replica = NULL;
    CHECK_OK(qtro_node_acquire(node, "Interop", &cbs, &r, &replica));
    LOOP_UNTIL(node, r.state == QTRO_STATE_VALID);

    /* the interface Qt sent */
    qtro_interface *iface = NULL;
    CHECK_OK(qtro_replica_interface(replica, &iface));
    CHECK(strcmp(qtro_interface_type_name(iface), "Interop") == 0);
    CHECK(qtro_interface_property_count(iface) == 9);
    CHECK(qtro_interface_enum_count(iface) == 1);
    qtro_interface_free(iface);

    /* initial values with their Qt types */
    qtro_value *v = NULL;
    const char *d;
    size_t len;
    CHECK_OK(qtro_replica_property(replica, "text", &v));
    CHECK_OK(qtro_value_get_string(v, &d, &len, NULL));
    CHECK_VIEW(d, len, "hello");
    qtro_value_free(v);
    CHECK_OK(qtro_replica_property(replica, "ratio", &v));
    CHECK(qtro_value_type(v) == QTRO_TYPE_DOUBLE);
    qtro_value_free(v);
    CHECK_OK(qtro_replica_property(replica, "color", &v));
    int64_t color = 0;
    CHECK_OK(qtro_value_get_int64(v, &color));
    CHECK(color == 3);
    qtro_value_free(v);

    /* slot calls; arguments converted to the declared types (int -> double for scale) */
    qtro_value *two = qtro_value_new_int(2), *three = qtro_value_new_int(3), *f = qtro_value_new_double(1.25);
    const qtro_value *add_args[] = {two, three};
    CHECK_OK(qtro_replica_call(replica, "add", add_args, 2, 10000, on_reply, &r));
    LOOP_UNTIL(node, r.replies == 1);
    CHECK(reply_int(&r) == 5);
    const qtro_value *scale_args[] = {two, f};
    CHECK_OK(qtro_replica_call(replica, "scale", scale_args, 2, 10000, on_reply, &r));
    LOOP_UNTIL(node, r.replies == 2);
    double dv = 0;
    CHECK_OK(qtro_value_get_double(r.reply, &dv));
    CHECK(dv == 2.5);
    peer_expect2(qt, "\"event\":\"invoked\"", "\"slot\":\"scale\"");
    qtro_value *s = qtro_value_new_string("h\xC3\xA9llo \xE2\x9C\x93");
    const qtro_value *echo_args[] = {s};
    qtro_value *res = NULL;
    CHECK_OK(qtro_replica_call_sync(replica, "echo", echo_args, 1, 10000, &res)); /* no dispatch needed */
    CHECK(qtro_value_equal(res, s));
    qtro_value_free(res);

    /* a signal */
    qtro_value *code = qtro_value_new_int(7), *msg = qtro_value_new_string("boom");
    const qtro_value *fire_args[] = {code, msg};
    CHECK_OK(qtro_replica_call(replica, "emitFired", fire_args, 2, 10000, NULL, NULL));
    LOOP_UNTIL(node, r.signals == 1);
    CHECK(strcmp(r.signal_name, "fired") == 0 && r.signal_code == 7 && strcmp(r.signal_msg, "boom") == 0);

    /* a property write from C, seen by the Qt source */
    qtro_value *text = qtro_value_new_string("from C");
    CHECK_OK(qtro_replica_set_property(replica, "text", text));
    peer_expect2(qt, "\"event\":\"written\"", "\"value\":\"from C\"");
    LOOP_UNTIL(node, strcmp(r.last_prop, "text") == 0);

    /* a change made by the Qt source itself */
    peer_send(qt, "set ratio 0.25");
    LOOP_UNTIL(node, r.ratio == 0.25);

    /* a static replica of the same .rep class: Qt's host accepts our signature */
    char *rep = read_file(argv[2]);
    qtro_class *cls = NULL;
    CHECK_OK(qtro_class_from_rep(rep, "Interop", QTRO_DIALECT_QT6, &cls));
    qtro_replica *stat = NULL;
    CHECK_OK(qtro_node_acquire_class(node, "Interop", cls, NULL, NULL, &stat));
    CHECK_OK(qtro_replica_wait_for_source(stat, 10000));
    CHECK_OK(qtro_replica_property(stat, "ratio", &v));
    CHECK_OK(qtro_value_get_double(v, &dv));
    CHECK(dv == 0.25);
    qtro_value_free(v);

    /* the Qt source disappears: the replica goes Suspect, pending calls fail */
    peer_stop(qt);
    LOOP_UNTIL(node, r.state == QTRO_STATE_SUSPECT);
    CHECK_RESULT(QTRO_ERR_NOT_CONNECTED, qtro_replica_call_sync(replica, "add", add_args, 2, 1000, NULL));

    qtro_replica_free(stat);
    qtro_replica_free(replica);
    qtro_node_free(node);
    qtro_class_free(cls);
    free(rep);
    qtro_value_free(r.reply);
    qtro_value_free(two);
    qtro_value_free(three);
    qtro_value_free(f);
    qtro_value_free(s);
    qtro_value_free(code);
    qtro_value_free(msg);
    qtro_value_free(text);
    printf("interop_c_replica: ok\n");
    return 0;
}
