/* Minimal assertion helpers for the C and C++ tests of libqtro_rs. */
#ifndef QTRO_TEST_CHECK_H
#define QTRO_TEST_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qtro_rs.h"

#define CHECK(cond)                                                                              \
    do {                                                                                         \
        if (!(cond)) {                                                                           \
            fprintf(stderr, "%s:%d: CHECK failed: %s (last error: %s)\n", __FILE__, __LINE__,     \
                    #cond, qtro_last_error_message());                                           \
            exit(1);                                                                             \
        }                                                                                        \
    } while (0)

/* Expects a call to return `expected`; prints both names and the error message otherwise. */
#define CHECK_RESULT(expected, call)                                                             \
    do {                                                                                         \
        qtro_result r_ = (call);                                                                 \
        if (r_ != (expected)) {                                                                  \
            fprintf(stderr, "%s:%d: %s returned %s, expected %s (last error: %s)\n", __FILE__,    \
                    __LINE__, #call, qtro_result_name(r_), qtro_result_name(expected),           \
                    qtro_last_error_message());                                                  \
            exit(1);                                                                             \
        }                                                                                        \
    } while (0)

#define CHECK_OK(call) CHECK_RESULT(QTRO_OK, call)

/* Compares a (data, len) byte view with a NUL-terminated string. */
#define CHECK_VIEW(data, len, str) CHECK((len) == strlen(str) && memcmp((data), (str), (len)) == 0)

#endif
