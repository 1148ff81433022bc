/* See peer.h. POSIX only. */
#define _GNU_SOURCE
#include "peer.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct peer {
    pid_t pid;
    int in;  /* write end of its stdin */
    int out; /* read end of its stdout */
    char buf[65536];
    size_t used;
    char *line;
    char *ready;
    char *transcript;
    size_t transcript_len;
    char label[256];
};

static long long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void record(peer *p, const char *prefix, const char *line) {
    size_t add = strlen(prefix) + strlen(line) + 1;
    char *t = realloc(p->transcript, p->transcript_len + add + 1);
    if (!t) abort();
    p->transcript = t;
    sprintf(p->transcript + p->transcript_len, "%s%s\n", prefix, line);
    p->transcript_len += add;
}

static void fail(peer *p, const char *what) {
    fprintf(stderr, "peer [%s]: %s\n--- transcript ---\n%s------------------\n", p->label, what,
            p->transcript ? p->transcript : "");
    if (p->pid > 0) kill(p->pid, SIGKILL);
    exit(1);
}

/* Next complete line, or NULL at the deadline / end of output. */
static char *next_line(peer *p, long long deadline) {
    for (;;) {
        char *nl = memchr(p->buf, '\n', p->used);
        if (nl) {
            size_t n = (size_t)(nl - p->buf);
            free(p->line);
            p->line = malloc(n + 1);
            if (!p->line) abort();
            memcpy(p->line, p->buf, n);
            p->line[n] = '\0';
            memmove(p->buf, nl + 1, p->used - n - 1);
            p->used -= n + 1;
            record(p, "< ", p->line);
            return p->line;
        }
        long long left = deadline - now_ms();
        if (left <= 0) return NULL;
        struct pollfd pfd = {p->out, POLLIN, 0};
        int r = poll(&pfd, 1, (int)left);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) continue;
        if (p->used == sizeof p->buf) fail(p, "line too long");
        ssize_t got = read(p->out, p->buf + p->used, sizeof p->buf - p->used);
        if (got <= 0) return NULL;
        p->used += (size_t)got;
    }
}

peer *peer_start(const char *exe, const char *const *args) {
    peer *p = calloc(1, sizeof *p);
    if (!p) abort();
    snprintf(p->label, sizeof p->label, "%s", exe);
    for (const char *const *a = args; *a; a++) {
        size_t l = strlen(p->label);
        snprintf(p->label + l, sizeof p->label - l, " %s", *a);
    }
    int in[2], out[2];
    if (pipe(in) != 0 || pipe(out) != 0) fail(p, "pipe failed");
    p->pid = fork();
    if (p->pid < 0) fail(p, "fork failed");
    if (p->pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        close(in[0]); close(in[1]); close(out[0]); close(out[1]);
        size_t n = 0;
        while (args[n]) n++;
        char **argv = calloc(n + 2, sizeof *argv);
        argv[0] = (char *)exe;
        for (size_t k = 0; k < n; k++) argv[k + 1] = (char *)args[k];
        execv(exe, argv);
        fprintf(stderr, "cannot exec %s: %s\n", exe, strerror(errno));
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    p->in = in[1];
    p->out = out[0];
    signal(SIGPIPE, SIG_IGN);
    long long deadline = now_ms() + 10000;
    for (;;) {
        char *l = next_line(p, deadline);
        if (!l) fail(p, "no ready event within 10 s");
        if (strstr(l, "\"event\":\"fatal\"")) fail(p, "the peer failed to start");
        if (strstr(l, "\"event\":\"ready\"")) {
            p->ready = strdup(l);
            return p;
        }
    }
}

const char *peer_ready(const peer *p) { return p->ready; }

void peer_send(peer *p, const char *line) {
    record(p, "> ", line);
    size_t n = strlen(line);
    if (write(p->in, line, n) != (ssize_t)n || write(p->in, "\n", 1) != 1) fail(p, "cannot write a command");
}

const char *peer_expect(peer *p, int timeout_ms, const char *const *needles) {
    long long deadline = now_ms() + timeout_ms;
    for (;;) {
        char *l = next_line(p, deadline);
        if (!l) {
            char what[512] = "timed out waiting for a line with";
            for (const char *const *n = needles; *n; n++) {
                size_t used = strlen(what);
                snprintf(what + used, sizeof what - used, " [%s]", *n);
            }
            fail(p, what);
        }
        int all = 1;
        for (const char *const *n = needles; *n; n++) {
            if (!strstr(l, *n)) { all = 0; break; }
        }
        if (all) return l;
    }
}

const char *peer_expect1(peer *p, const char *needle) {
    const char *n[] = {needle, NULL};
    return peer_expect(p, 15000, n);
}

const char *peer_expect2(peer *p, const char *needle1, const char *needle2) {
    const char *n[] = {needle1, needle2, NULL};
    return peer_expect(p, 15000, n);
}

char *json_string_field(const char *line, const char *key, char *buf, unsigned long size) {
    char pat[128];
    snprintf(pat, sizeof pat, "\"%s\":\"", key);
    const char *s = strstr(line, pat);
    if (!s) return NULL;
    s += strlen(pat);
    unsigned long k = 0;
    while (*s && *s != '"' && k + 1 < size) {
        if (*s == '\\' && s[1]) s++;
        buf[k++] = *s++;
    }
    buf[k] = '\0';
    return buf;
}

void peer_stop(peer *p) {
    if (!p) return;
    peer_send(p, "quit");
    close(p->in);
    long long deadline = now_ms() + 5000;
    int status = 0;
    while (now_ms() < deadline) {
        pid_t r = waitpid(p->pid, &status, WNOHANG);
        if (r == p->pid) break;
        usleep(10000);
        if (r < 0) break;
    }
    if (waitpid(p->pid, &status, WNOHANG) == 0) {
        kill(p->pid, SIGKILL);
        waitpid(p->pid, &status, 0);
    }
    close(p->out);
    free(p->line);
    free(p->ready);
    free(p->transcript);
    free(p);
}
