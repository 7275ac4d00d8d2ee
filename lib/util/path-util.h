/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <string.h>

/* True when no component of path is "." or ".." and no "//" appears: the path names itself, so a string
 * polkit approved (a mount source, say) cannot mean another place by walking up from it. */
static inline bool path_is_normalized(const char *path) {
        const char *p = path;
        for (;;) {
                size_t n = strcspn(p, "/");
                if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
                        return false;
                if (p[n] == 0)
                        return true;
                p += n + 1;
                if (*p == '/')
                        return false;
        }
}
