/* A C program hosting a source through libqtro_rs, used by stock Qt 6 replicas (qtro_qt_peer):
 * a repc-generated static replica (signature from the same interop.rep) and a dynamic replica.
 * Slot calls, property changes in both directions, signals. */
#define _GNU_SOURCE
#include <pthread.h>
#include <unistd.h>

#include "check.h"
#include "peer.h"

typedef struct {
    pthread_mutex_t mu;
    int adds;
    int written;
    char written_value[128];
} state;

static void on_invoked(void *ud, qtro_invocation *inv) {
    state *s = ud;
    if (strcmp(qtro_invocation_slot(inv), "add") == 0) {
        int64_t a = 0, b = 0;
        CHECK_OK(qtro_value_get_int64(qtro_invocation_arg(inv, 0), &a));
        CHECK_OK(qtro_value_get_int64(qtro_invocation_arg(inv, 1), &b));
        qtro_value *r = qtro_value_new_int((int32_t)(a + b));
        CHECK_OK(qtro_invocation_reply(inv, r));
        qtro_value_free(r);
        pthread_mutex_lock(&s->mu);
        s->adds++;
        pthread_mutex_unlock(&s->mu);
    }
}

static void on_written(void *ud, const char *name, size_t index, const qtro_value *value) {
    state *s = ud;
    pthread_mutex_lock(&s->mu);
    s->written++;
    qtro_value_copy_string(value, s->written_value, sizeof s->written_value, NULL);
    pthread_mutex_unlock(&s->mu);
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

static void wait_written(state *s, const char *expected) {
    for (int k = 0; k < 1000; k++) {
        pthread_mutex_lock(&s->mu);
        int ok = strcmp(s->written_value, expected) == 0;
        pthread_mutex_unlock(&s->mu);
        if (ok) return;
        usleep(10000);
    }
    fprintf(stderr, "the source never saw the write %s\n", expected);
    exit(1);
}

int main(int argc, char **argv) {
    CHECK(argc == 3);
    const char *peer_exe = argv[1];
    char *rep = read_file(argv[2]);

    state st;
    memset(&st, 0, sizeof st);
    pthread_mutex_init(&st.mu, NULL);

    qtro_node *host = NULL;
    CHECK_OK(qtro_node_new(NULL, &host));
    qtro_class *cls = NULL;
    CHECK_OK(qtro_class_from_rep(rep, "Simple", QTRO_DIALECT_QT6, &cls));
    qtro_source_callbacks cbs = {on_invoked, on_written, NULL, NULL};
    qtro_source *source = NULL;
    CHECK_OK(qtro_node_enable_source(host, "Simple", cls, &cbs, &st, &source));
    char *url = NULL;
    CHECK_OK(qtro_node_listen(host, "tcp://127.0.0.1:0", 5000, &url));

    /* 1. a repc static replica (checks our signature) */
    const char *args_static[] = {"replica-static", "Simple", "--url", url, NULL};
    peer *qt = peer_start(peer_exe, args_static);
    peer_expect2(qt, "\"event\":\"state\"", "\"state\":\"Valid\"");
    peer_send(qt, "call 1 add [2,3]");
    peer_expect2(qt, "\"event\":\"reply\"", "\"value\":5");

    qtro_value *v = qtro_value_new_int(7);
    CHECK_OK(qtro_source_set_property(source, "value", v, NULL));
    qtro_value_free(v);
    peer_expect2(qt, "\"event\":\"property\"", "\"value\":7");

    v = qtro_value_new_int(42);
    const qtro_value *sargs[] = {v};
    CHECK_OK(qtro_source_emit(source, "fired", sargs, 1));
    qtro_value_free(v);
    peer_expect2(qt, "\"name\":\"fired\"", "\"args\":[42]");

    peer_send(qt, "set name \"hi from Qt\""); /* READWRITE: a property write */
    peer_expect2(qt, "\"event\":\"property\"", "\"value\":\"hi from Qt\"");
    wait_written(&st, "hi from Qt");

    peer_send(qt, "set value 13"); /* READPUSH: pushValue, handled by the library */
    peer_expect2(qt, "\"event\":\"property\"", "\"value\":13");
    qtro_value *cur = NULL;
    CHECK_OK(qtro_source_property(source, "value", &cur));
    int64_t iv = 0;
    CHECK_OK(qtro_value_get_int64(cur, &iv));
    CHECK(iv == 13);
    qtro_value_free(cur);
    peer_stop(qt);

    /* 2. a dynamic Qt replica learns the interface from us */
    const char *args_dyn[] = {"replica-dynamic", "--name", "Simple", "--url", url, NULL};
    qt = peer_start(peer_exe, args_dyn);
    peer_expect1(qt, "\"event\":\"interface\"");
    peer_send(qt, "get value");
    peer_expect2(qt, "\"cmd\":\"get\"", "\"value\":13");
    peer_send(qt, "call 2 add [40,2]");
    peer_expect2(qt, "\"event\":\"reply\"", "\"value\":42");
    v = qtro_value_new_string("from C");
    CHECK_OK(qtro_source_set_property(source, "name", v, NULL));
    qtro_value_free(v);
    peer_expect2(qt, "\"event\":\"property\"", "\"value\":\"from C\"");
    peer_stop(qt);

    pthread_mutex_lock(&st.mu);
    CHECK(st.adds == 2);
    pthread_mutex_unlock(&st.mu);

    qtro_source_free(source);
    qtro_node_free(host);
    qtro_class_free(cls);
    qtro_string_free(url);
    free(rep);
    pthread_mutex_destroy(&st.mu);
    printf("interop_c_source: ok\n");
    return 0;
}
