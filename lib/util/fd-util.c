/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fd-util.h"

int safe_close(int fd) {
        if (fd >= 0) {
                int saved = errno;
                /* close() always releases the fd on Linux, even on EINTR: never retry. */
                (void) close(fd);
                errno = saved;
        }
        return -EBADF;
}

int fd_nonblock(int fd, bool nonblock) {
        int flags = fcntl(fd, F_GETFL);
        if (flags < 0)
                return -errno;
        int nflags = nonblock ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK);
        if (nflags == flags)
                return 0;
        return RET_NERRNO(fcntl(fd, F_SETFL, nflags));
}

int fd_cloexec(int fd, bool cloexec) {
        int flags = fcntl(fd, F_GETFD);
        if (flags < 0)
                return -errno;
        int nflags = cloexec ? (flags | FD_CLOEXEC) : (flags & ~FD_CLOEXEC);
        if (nflags == flags)
                return 0;
        return RET_NERRNO(fcntl(fd, F_SETFD, nflags));
}

int fd_move_above_stdio(int fd) {
        if (fd < 0 || fd > 2)
                return fd;
        int copy = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        if (copy < 0)
                return -errno;
        safe_close(fd);
        return copy;
}

static int cmp_int(const void *a, const void *b) {
        return *(const int *) a - *(const int *) b;
}

int close_all_fds(const int except[], size_t n_except) {
        int sorted[64];
        size_t n = 0;

        for (size_t i = 0; i < n_except && n < ELEMENTSOF(sorted); i++)
                if (except[i] >= 3)
                        sorted[n++] = except[i];
        qsort(sorted, n, sizeof(int), cmp_int);

        unsigned start = 3;
        for (size_t i = 0; i <= n; i++) {
                unsigned end = i < n ? (unsigned) sorted[i] - 1 : ~0U;
                if (i < n && (unsigned) sorted[i] < start) {
                        start = sorted[i] + 1;
                        continue;
                }
                if (end >= start && syscall(SYS_close_range, start, end, 0) < 0)
                        return -errno;
                if (i < n)
                        start = sorted[i] + 1;
        }
        return 0;
}

int fd_count(pid_t pid) {
        char path[64];
        if (pid > 0)
                snprintf(path, sizeof path, "/proc/%d/fd", (int) pid);
        else
                snprintf(path, sizeof path, "/proc/self/fd");
        _cleanup_closedir_ DIR *d = opendir(path);
        if (!d)
                return -errno;
        int n = 0;
        struct dirent *de;
        while ((de = readdir(d)))
                if (de->d_name[0] != '.')
                        n++;
        return pid > 0 ? n : n - 1; /* our own count includes the DIR's fd */
}

int loop_write(int fd, const void *buf, size_t n) {
        const char *p = buf;
        while (n > 0) {
                ssize_t k = write(fd, p, n);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (k == 0)
                        return -EIO;
                p += k;
                n -= (size_t) k;
        }
        return 0;
}

ssize_t loop_read(int fd, void *buf, size_t n) {
        char *p = buf;
        size_t done = 0;
        while (done < n) {
                ssize_t k = read(fd, p + done, n - done);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return done > 0 ? (ssize_t) done : -errno;
                }
                if (k == 0)
                        break;
                done += (size_t) k;
        }
        return (ssize_t) done;
}
