/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Shared by the fuzz targets. Each target defines LLVMFuzzerTestOneInput(); it is linked either with
 * libFuzzer (./run fuzz: clang -fsanitize=fuzzer) or with fuzz-main.c, which replays a seed corpus so
 * the normal test run guards every seed and every crasher found so far. A target reports a broken
 * invariant with fuzz_fail(), which aborts: libFuzzer and the replay test both treat that as a crash. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define fuzz_fail(...)                                                                  \
        do {                                                                            \
                fprintf(stderr, "fuzz: %s:%d: invariant broken: ", __FILE__, __LINE__); \
                fprintf(stderr, __VA_ARGS__);                                           \
                fputc('\n', stderr);                                                    \
                abort();                                                                \
        } while (0)

#define fuzz_assert(expr, ...)                          \
        do {                                            \
                if (!(expr))                            \
                        fuzz_fail(__VA_ARGS__);         \
        } while (0)

/* The input as a C string: the parsers take text, so it ends at the first NUL byte. */
static inline char *fuzz_text(const uint8_t *data, size_t size) {
        char *s = strndup((const char *) data, size);
        if (!s)
                abort();
        return s;
}

static inline bool fuzz_streq_null(const char *a, const char *b) {
        return (!a && !b) || (a && b && strcmp(a, b) == 0);
}
