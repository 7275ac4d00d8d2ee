/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Small helpers more than one unit test needs; header-only, so each test links only what it uses. */

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "config/config.h"
#include "tap.h"
#include "util/macro.h"

/* Reads from a non-blocking fd until `want` bytes arrived or 2 s passed; NUL-terminates buf (which must
 * hold want + 1 bytes). Returns how many bytes arrived. */
static inline size_t unit_read_some(int fd, char *buf, size_t want) {
        size_t got = 0;

        while (got < want) {
                struct pollfd p = { .fd = fd, .events = POLLIN };
                if (poll(&p, 1, 2000) <= 0)
                        break;
                ssize_t k = read(fd, buf + got, want - got);
                if (k < 0 && errno == EAGAIN)
                        continue;
                if (k <= 0)
                        break;
                got += (size_t) k;
        }
        buf[got] = 0;
        return got;
}

/* get_item as a string, or "<errno N>" so a failing get shows up in the TAP diff. The caller frees. */
static inline char *unit_config_get(const BerthConfig *c, const char *key) {
        char *v = NULL;
        int r = berth_config_get_item(c, key, &v);
        if (r < 0 && asprintf(&v, "<errno %d>", -r) < 0)
                abort();
        return v;
}

#define CHECK_GET(c, key, expected)                                                    \
        do {                                                                           \
                _cleanup_free_ char *_v = unit_config_get(c, key);                     \
                TAP_EQ_STR(_v, expected, "get %s", key);                               \
        } while (0)
