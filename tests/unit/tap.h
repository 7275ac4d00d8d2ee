/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Minimal TAP producer for unit tests: each check prints "ok N - ..." or "not ok N - ..." with the
 * location and the failing expression; tap_done() prints the plan and returns the exit status. */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static unsigned tap_n, tap_failed;

/* A description or detail with a line break would end the TAP line early: print it on one line. */
static inline void tap_one_line(char *s) {
        for (; s && *s; s++)
                if (*s == '\n' || *s == '\r')
                        *s = ' ';
}

static inline void tap_result(int ok, const char *file, int line, const char *what, const char *detail) {
        tap_one_line((char *) what);
        tap_one_line((char *) detail);
        tap_n++;
        if (!ok)
                tap_failed++;
        printf("%sok %u - %s\n", ok ? "" : "not ", tap_n, what);
        if (!ok)
                printf("#   at %s:%d%s%s\n", file, line, detail ? ": " : "", detail ? detail : "");
        fflush(stdout);
}

#define TAP_OK(expr, ...)                                                              \
        do {                                                                           \
                char _what_[512];                                                      \
                snprintf(_what_, sizeof _what_, __VA_ARGS__);                          \
                tap_result(!!(expr), __FILE__, __LINE__, _what_, #expr);               \
        } while (0)

#define TAP_EQ_INT(a, b, ...)                                                          \
        do {                                                                           \
                long long _a_ = (long long) (a), _b_ = (long long) (b);                \
                char _what_[512], _d_[256];                                            \
                snprintf(_what_, sizeof _what_, __VA_ARGS__);                          \
                snprintf(_d_, sizeof _d_, "%s == %lld, expected %lld", #a, _a_, _b_);  \
                tap_result(_a_ == _b_, __FILE__, __LINE__, _what_, _d_);               \
        } while (0)

#define TAP_EQ_STR(a, b, ...)                                                          \
        do {                                                                           \
                const char *_a_ = (a), *_b_ = (b);                                     \
                char _what_[512], _d_[1024];                                           \
                snprintf(_what_, sizeof _what_, __VA_ARGS__);                          \
                snprintf(_d_, sizeof _d_, "%s == \"%s\", expected \"%s\"", #a,         \
                         _a_ ? _a_ : "(null)", _b_ ? _b_ : "(null)");                  \
                tap_result(_a_ && _b_ && strcmp(_a_, _b_) == 0, __FILE__, __LINE__,     \
                           _what_, _d_);                                               \
        } while (0)

#define TAP_SKIP(reason) do { tap_n++; printf("ok %u # SKIP %s\n", tap_n, reason); } while (0)
#define TAP_DIAG(...) do { printf("# "); printf(__VA_ARGS__); printf("\n"); } while (0)

static inline int tap_done(void) {
        printf("1..%u\n", tap_n);
        return tap_failed ? 1 : 0;
}
