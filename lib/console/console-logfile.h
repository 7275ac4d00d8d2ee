/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* lxc.console.logfile, appended live by the monitor: lxc.console.size caps it (0 = unlimited);
 * lxc.console.rotate = 1 keeps one older generation as <path>.1, otherwise the file restarts empty. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "console/console-ring.h"

typedef struct ConsoleLogfile {
        char *path;
        int fd;
        uint64_t size_cap;
        bool rotate;
        uint64_t cur_size;
} ConsoleLogfile;

#define CONSOLE_LOGFILE_INIT { .path = NULL, .fd = -1, .size_cap = 0, .rotate = false, .cur_size = 0 }

/* Opens O_WRONLY|O_CREAT|O_APPEND|O_CLOEXEC, 0640. A non-regular file with a size cap or rotate is
 * -EINVAL. */
int console_logfile_open(ConsoleLogfile *lf, const char *path, uint64_t size_cap, bool rotate);
int console_logfile_write(ConsoleLogfile *lf, const void *data, size_t len);
/* At stop: the file already holds everything written live, so nothing is truncated (LXC truncates and
 * rewrites from the ring, leaving an empty file when lxc.console.size is unset). Just syncs. */
int console_logfile_finish(ConsoleLogfile *lf);
void console_logfile_close(ConsoleLogfile *lf);
