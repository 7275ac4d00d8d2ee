/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "console/console-logfile.h"
#include "util/fd-util.h"
#include "util/fileio.h"
#include "util/macro.h"

#define LOGFILE_MODE 0640

static int mkdir_parents(const char *path) {
        _cleanup_free_ char *dir = strdup(path);
        char *slash;

        if (!dir)
                return -ENOMEM;
        slash = strrchr(dir, '/');
        if (!slash || slash == dir) /* relative name in the cwd, or a file directly under / */
                return 0;
        *slash = 0;
        return mkdir_p(dir, 0755);
}

/* Open (creating if needed) for appending. A file we create gets exactly 0640 whatever the umask, so
 * the group that is meant to read console logs can. O_NONBLOCK only for the open itself: opening a fifo
 * with no reader for writing would otherwise hang the monitor (it fails with ENXIO instead). */
static int logfile_open_fd(const char *path, struct stat *ret_st) {
        const int flags = O_WRONLY | O_APPEND | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
        _cleanup_close_ int fd = -EBADF;
        struct stat st;
        int r;

        for (unsigned attempt = 0;; attempt++) {
                fd = open(path, flags);
                if (fd >= 0)
                        break;
                if (errno != ENOENT)
                        return -errno;

                fd = open(path, flags | O_CREAT | O_EXCL, LOGFILE_MODE);
                if (fd >= 0) {
                        if (fchmod(fd, LOGFILE_MODE) < 0) {
                                r = -errno;
                                (void) unlink(path); /* ours, just made by O_EXCL: leave nothing behind */
                                return r;
                        }
                        break;
                }
                /* Lost a race with someone creating it: open theirs, but do not spin forever. */
                if (errno != EEXIST || attempt >= 8)
                        return -errno;
        }

        r = fd_nonblock(fd, false);
        if (r < 0)
                return r;
        if (fstat(fd, &st) < 0)
                return -errno;

        *ret_st = st;
        return TAKE_FD(fd);
}

int console_logfile_open(ConsoleLogfile *lf, const char *path, uint64_t size_cap, bool rotate) {
        _cleanup_free_ char *p = NULL;
        _cleanup_close_ int fd = -EBADF;
        struct stat st;
        int r;

        if (!lf || isempty(path))
                return -EINVAL;

        /* Refuse before opening: opening a fifo would fail with ENXIO (no reader) or succeed on the
         * wrong kind of file, and a size cap or rotation only makes sense for a regular file. */
        if ((size_cap > 0 || rotate) && stat(path, &st) >= 0 && !S_ISREG(st.st_mode))
                return -EINVAL;

        p = strdup(path);
        if (!p)
                return -ENOMEM;

        r = mkdir_parents(path);
        if (r < 0)
                return r;

        fd = logfile_open_fd(path, &st);
        if (fd < 0)
                return fd;
        /* Re-check on the fd itself: the path may have been swapped since the stat() above. */
        if ((size_cap > 0 || rotate) && !S_ISREG(st.st_mode))
                return -EINVAL;

        *lf = (ConsoleLogfile) {
                .path = TAKE_PTR(p),
                .fd = TAKE_FD(fd),
                .size_cap = size_cap,
                .rotate = rotate,
                .cur_size = S_ISREG(st.st_mode) ? (uint64_t) st.st_size : 0,
        };
        return 0;
}

/* After a failed write we cannot know how much reached the file: ask the file. */
static void logfile_resync_size(ConsoleLogfile *lf) {
        struct stat st;

        if (fstat(lf->fd, &st) >= 0 && S_ISREG(st.st_mode))
                lf->cur_size = (uint64_t) st.st_size;
}

static int logfile_append(ConsoleLogfile *lf, const char *data, size_t len) {
        int r;

        if (len == 0)
                return 0;
        r = loop_write(lf->fd, data, len);
        if (r < 0) {
                logfile_resync_size(lf);
                return r;
        }
        lf->cur_size += len;
        return 0;
}

/* The file reached its cap: start it over, either keeping it as <path>.1 (one generation only, an
 * older .1 is replaced by rename) or by truncating it. */
static int logfile_restart(ConsoleLogfile *lf) {
        _cleanup_close_ int fd = -EBADF;
        struct stat st;

        if (!lf->rotate) {
                if (ftruncate(lf->fd, 0) < 0)
                        return -errno;
                lf->cur_size = 0;
                return 0;
        }

        const char *old = strjoina(lf->path, ".1");
        if (rename(lf->path, old) < 0)
                return -errno;

        fd = logfile_open_fd(lf->path, &st);
        if (fd < 0)
                return fd;
        if (!S_ISREG(st.st_mode))
                return -EINVAL;

        safe_close(lf->fd);
        lf->fd = TAKE_FD(fd);
        lf->cur_size = (uint64_t) st.st_size;
        return 0;
}

int console_logfile_write(ConsoleLogfile *lf, const void *data, size_t len) {
        const char *p = data;
        uint64_t room;
        size_t rest;
        int r;

        if (!lf || lf->fd < 0)
                return -EBADF;
        if (len == 0)
                return 0;
        if (!p)
                return -EINVAL;

        if (lf->size_cap == 0)
                return logfile_append(lf, p, len);

        room = lf->cur_size < lf->size_cap ? lf->size_cap - lf->cur_size : 0;
        if ((uint64_t) len <= room)
                return logfile_append(lf, p, len);

        /* Fill the file up to the cap, so the rotated generation is complete... */
        r = logfile_append(lf, p, (size_t) room);
        if (r < 0)
                return r;
        p += room;
        rest = len - (size_t) room;

        r = logfile_restart(lf);
        if (r < 0)
                return r;

        /* ...then the remainder starts the new file; only its newest `cap` bytes can fit. */
        if ((uint64_t) rest > lf->size_cap) {
                p += rest - (size_t) lf->size_cap;
                rest = (size_t) lf->size_cap;
        }
        return logfile_append(lf, p, rest);
}

int console_logfile_finish(ConsoleLogfile *lf) {
        struct stat st;

        if (!lf || lf->fd < 0)
                return 0;

        /* Everything was appended live, so unlike LXC there is nothing to rewrite from the ring (LXC
         * truncates here, leaving an empty file when lxc.console.size is 0). Only make it durable. */
        if (fstat(lf->fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return 0;
        return RET_NERRNO(fsync(lf->fd));
}

void console_logfile_close(ConsoleLogfile *lf) {
        if (!lf)
                return;
        safe_close(lf->fd);
        free(lf->path);
        *lf = (ConsoleLogfile) CONSOLE_LOGFILE_INIT;
}
