/* Drives a stock-Qt peer process (qt-interop/peers `qtro_qt_peer`) from C or C++ tests: commands
 * on its stdin, JSON-lines events on its stdout (see qt-interop/peers/README.md). */
#ifndef QTRO_TEST_PEER_H
#define QTRO_TEST_PEER_H

#ifdef __cplusplus
extern "C" {
#endif

typedef struct peer peer;

/* Starts `exe args...` (args NULL-terminated) and waits for its "ready" event (10 s). Exits the
 * test on failure. */
peer *peer_start(const char *exe, const char *const *args);

/* The "ready" line. */
const char *peer_ready(const peer *p);

/* Sends one command line. */
void peer_send(peer *p, const char *line);

/* Waits at most timeout_ms for an event line containing every needle (NULL-terminated list) and
 * returns it (owned by the peer, valid until the next call). Lines seen meanwhile are kept in the
 * transcript. Exits the test with the transcript on timeout. */
const char *peer_expect(peer *p, int timeout_ms, const char *const *needles);

/* Convenience: one or two needles. */
const char *peer_expect1(peer *p, const char *needle);
const char *peer_expect2(peer *p, const char *needle1, const char *needle2);

/* Copies the string field `key` of a JSON line into buf (no escape handling beyond \"),
 * returns buf or NULL when absent. */
char *json_string_field(const char *line, const char *key, char *buf, unsigned long size);

/* Sends "quit", waits up to 5 s for exit (then kills) and frees the peer. */
void peer_stop(peer *p);

#ifdef __cplusplus
}
#endif
#endif
