/* libqtro_rs from plain C: a node hosts a "Counter" source defined at run time, a second node
 * acquires it as a dynamic replica and drives it from a poll(2) loop on its event fd.
 *
 *   qtro_c_example                  run both sides in this process and exit
 *   qtro_c_example serve URL        only host the source on URL (e.g. tcp://127.0.0.1:5555) until
 *                                   stdin closes; try it with a Qt dynamic replica of "Counter"
 */
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "qtro_rs.h"

#define TRY(call)                                                                                \
    do {                                                                                         \
        qtro_result r_ = (call);                                                                 \
        if (r_ != QTRO_OK) {                                                                     \
            fprintf(stderr, "%s failed: %s: %s\n", #call, qtro_result_name(r_), qtro_last_error_message()); \
            return 1;                                                                            \
        }                                                                                        \
    } while (0)

/* Slot handler of the source: runs on the host node's dispatch thread. */
static void on_invoked(void *user_data, qtro_invocation *inv) {
    qtro_source **source = user_data;
    if (strcmp(qtro_invocation_slot(inv), "increment") == 0) {
        int64_t by = 0;
        qtro_value_get_int64(qtro_invocation_arg(inv, 0), &by);
        qtro_value *current = NULL;
        int64_t count = 0;
        if (qtro_source_property(*source, "count", &current) == QTRO_OK) qtro_value_get_int64(current, &count);
        qtro_value_free(current);
        qtro_value *next = qtro_value_new_int((int32_t)(count + by));
        qtro_source_set_property(*source, "count", next, NULL); /* replicas see countChanged */
        qtro_invocation_reply(inv, next);
        qtro_value_free(next);
    }
}

/* Replica callbacks: run inside qtro_node_dispatch, on the main thread. */
static void on_state(void *user_data, qtro_replica_state old_state, qtro_replica_state new_state) {
    printf("replica state %d -> %d\n", (int)old_state, (int)new_state);
}

static void on_property(void *user_data, const char *name, size_t index, const qtro_value *value) {
    int64_t v = 0;
    qtro_value_get_int64(value, &v);
    printf("property %s = %lld\n", name, (long long)v);
}

static void on_reply(void *user_data, qtro_result result, const qtro_value *value, const char *error) {
    int *done = user_data;
    int64_t v = 0;
    if (result == QTRO_OK) {
        qtro_value_get_int64(value, &v);
        printf("increment() returned %lld\n", (long long)v);
    } else {
        printf("increment() failed: %s\n", error);
    }
    *done = 1;
}

static int host(qtro_node **node, qtro_source **source, const char *url, char **bound) {
    TRY(qtro_node_new(NULL, node));
    qtro_class *cls = qtro_class_new("Counter");
    qtro_value *zero = qtro_value_new_int(0);
    TRY(qtro_class_add_property(cls, "count", "int", QTRO_PROPERTY_READ_ONLY, zero));
    qtro_value_free(zero);
    qtro_param by[] = {{"by", "int"}};
    TRY(qtro_class_add_slot(cls, "increment", by, 1, "int"));
    qtro_source_callbacks cbs = {on_invoked, NULL, NULL, NULL};
    TRY(qtro_node_enable_source(*node, "Counter", cls, &cbs, source, source));
    qtro_class_free(cls);
    TRY(qtro_node_listen(*node, url, 5000, bound));
    printf("serving Counter on %s\n", *bound);
    return 0;
}

int main(int argc, char **argv) {
    if (qtro_abi_version() != QTRO_ABI_VERSION) {
        fprintf(stderr, "libqtro_rs ABI %u, built against %u\n", qtro_abi_version(), QTRO_ABI_VERSION);
        return 1;
    }
    printf("libqtro_rs %s\n", qtro_version_string());
    static qtro_source *source = NULL;
    qtro_node *server = NULL;
    char *url = NULL;
    if (argc == 3 && strcmp(argv[1], "serve") == 0) {
        if (host(&server, &source, argv[2], &url) != 0) return 1;
        char buf[256];
        while (fgets(buf, sizeof buf, stdin)) {}
        qtro_source_free(source);
        qtro_node_free(server);
        qtro_string_free(url);
        return 0;
    }
    if (host(&server, &source, "tcp://127.0.0.1:0", &url) != 0) return 1;

    /* The client side: callbacks delivered through the event fd on this thread. */
    qtro_node_config *cfg = qtro_node_config_new();
    TRY(qtro_node_config_set_dispatch(cfg, QTRO_DISPATCH_POLL));
    qtro_node *client = NULL;
    TRY(qtro_node_new(cfg, &client));
    qtro_node_config_free(cfg);
    TRY(qtro_node_connect(client, url));
    qtro_replica_callbacks cbs = {on_state, NULL, on_property, NULL};
    qtro_replica *counter = NULL;
    TRY(qtro_node_acquire(client, "Counter", &cbs, NULL, &counter));
    TRY(qtro_replica_wait_for_source(counter, 5000));

    int done = 0;
    qtro_value *by = qtro_value_new_int(5);
    const qtro_value *args[] = {by};
    TRY(qtro_replica_call(counter, "increment", args, 1, 5000, on_reply, &done));
    qtro_value_free(by);

    int fd = -1;
    TRY(qtro_node_event_fd(client, &fd));
    for (int i = 0; i < 100 && !done; i++) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, 100) > 0) TRY(qtro_node_dispatch(client, 0, NULL));
    }

    qtro_replica_free(counter);
    qtro_node_free(client);
    qtro_source_free(source);
    qtro_node_free(server);
    qtro_string_free(url);
    return done ? 0 : 1;
}
