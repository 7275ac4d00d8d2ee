/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <dirent.h>
#include <stdio.h>

#include "macro.h"

int safe_close(int fd);
static inline void closep(int *fd) {
        safe_close(*fd);
}
#define _cleanup_close_ _cleanup_(closep)

static inline void fclosep(FILE **f) {
        if (*f)
                fclose(*f);
}
#define _cleanup_fclose_ _cleanup_(fclosep)

static inline void closedirp(DIR **d) {
        if (*d)
                closedir(*d);
}
#define _cleanup_closedir_ _cleanup_(closedirp)

/* Close a pair of pipe fds. */
static inline void close_pairp(int (*p)[2]) {
        safe_close((*p)[0]);
        safe_close((*p)[1]);
}
#define _cleanup_close_pair_ _cleanup_(close_pairp)

int fd_nonblock(int fd, bool nonblock);
int fd_cloexec(int fd, bool cloexec);
/* Move fd above 2 so it can never be mistaken for stdio. */
int fd_move_above_stdio(int fd);
/* Close every fd >= 3 except those listed. */
int close_all_fds(const int except[], size_t n_except);
/* Count entries of /proc/<pid>/fd (pid 0 = self). */
int fd_count(pid_t pid);
int loop_write(int fd, const void *buf, size_t n);
ssize_t loop_read(int fd, void *buf, size_t n);
