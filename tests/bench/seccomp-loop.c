/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The payload of bench-seccomp: a statically linked program (it runs as the init of a busybox container,
 * which has no libc, and as a plain child on the host) that makes notified syscalls on request and times
 * each one from the inside, so all three answer paths are measured by the same clock at the same place.
 *
 * usage: seccomp-loop CMD RES
 *   Opens CMD (a FIFO) for reading, then RES (a FIFO) for writing. For every line "N" read from CMD it
 *   calls mknodat(AT_FDCWD, "/seccomp-loop.fifo", S_IFIFO|0600, 0) N times, each answered by whoever holds
 *   the seccomp listener, and writes N uint64 values (host byte order) to RES: the CLOCK_MONOTONIC ns of
 *   each call, or (1 << 63) | errno when a call did not return 0 (the answer the benchmark gives is
 *   "success, 0"; anything else means the notification was not answered by it). "0" or EOF ends it. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define FAILED (UINT64_C(1) << 63)
#define MAX_CALLS 100000

static uint64_t now_ns(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * UINT64_C(1000000000) + (uint64_t) ts.tv_nsec;
}

static int write_all(int fd, const void *buf, size_t n) {
        const char *p = buf;
        while (n > 0) {
                ssize_t k = write(fd, p, n);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        return -1;
                p += k;
                n -= (size_t) k;
        }
        return 0;
}

int main(int argc, char *argv[]) {
        static uint64_t times[MAX_CALLS];
        FILE *cmd;
        int res;
        long n;

        if (argc != 3) {
                fprintf(stderr, "usage: seccomp-loop CMD RES\n");
                return 2;
        }
        cmd = fopen(argv[1], "re");
        if (!cmd) {
                perror(argv[1]);
                return 1;
        }
        res = open(argv[2], O_WRONLY | O_CLOEXEC);
        if (res < 0) {
                perror(argv[2]);
                return 1;
        }

        while (fscanf(cmd, "%ld", &n) == 1 && n > 0) {
                if (n > MAX_CALLS)
                        n = MAX_CALLS;
                for (long i = 0; i < n; i++) {
                        uint64_t t0 = now_ns();
                        int r = mknodat(AT_FDCWD, "/seccomp-loop.fifo", S_IFIFO | 0600, 0);
                        uint64_t t1 = now_ns();
                        times[i] = r == 0 ? t1 - t0 : FAILED | (uint64_t) errno;
                }
                if (write_all(res, times, (size_t) n * sizeof times[0]) < 0)
                        return 1;
        }
        return 0;
}
