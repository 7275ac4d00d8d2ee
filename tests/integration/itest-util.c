/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Helpers of the C integration tests, see itest-util.h. */

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "itest-util.h"
#include "util/fileio.h"
#include "util/macro.h"

bool itest_can_run(void) {
        if (geteuid() != 0) {
                printf("1..0 # SKIP needs root\n");
                return false;
        }
        if (access("/bin/busybox", X_OK) < 0) {
                printf("1..0 # SKIP /bin/busybox (busybox-static) missing\n");
                return false;
        }
        return true;
}

int itest_write_file(const char *path, const char *s) {
        return write_file_atomic(path, s, strlen(s), 0644);
}

int itest_build_busybox_rootfs(const char *rootfs, const char *const *dirs, const char *const *applets) {
        _cleanup_free_ char *data = NULL;
        char path[512];
        size_t size;
        int r;

        if (mkdir(rootfs, 0755) < 0)
                return -errno;
        for (const char *const *d = dirs; *d; d++) {
                snprintf(path, sizeof path, "%s/%s", rootfs, *d);
                if (mkdir(path, 0755) < 0)
                        return -errno;
        }
        r = read_full_file("/bin/busybox", &data, &size);
        if (r < 0)
                return r;
        snprintf(path, sizeof path, "%s/bin/busybox", rootfs);
        r = write_file_atomic(path, data, size, 0755);
        if (r < 0)
                return r;
        for (const char *const *a = applets; a && *a; a++) {
                snprintf(path, sizeof path, "%s/bin/%s", rootfs, *a);
                if (symlink("busybox", path) < 0)
                        return -errno;
        }
        return 0;
}

char *itest_read_console(int master, int timeout_ms) {
        size_t size = 0, alloc = 65536;
        char *out = calloc(1, alloc);
        struct timespec start;

        if (!out)
                abort();
        clock_gettime(CLOCK_MONOTONIC, &start);
        for (;;) {
                struct timespec now;
                clock_gettime(CLOCK_MONOTONIC, &now);
                long elapsed = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
                if (elapsed >= timeout_ms || strstr(out, SCRIPT_END))
                        break;
                struct pollfd pfd = { .fd = master, .events = POLLIN };
                if (poll(&pfd, 1, (int) (timeout_ms - elapsed)) <= 0)
                        break;
                char buf[4096];
                ssize_t n = read(master, buf, sizeof buf);
                if (n <= 0) {
                        if (n < 0 && errno == EAGAIN)
                                continue;
                        break;
                }
                for (ssize_t i = 0; i < n; i++) {
                        if (buf[i] == '\r')
                                continue;
                        if (size + 2 >= alloc) {
                                alloc *= 2;
                                out = realloc(out, alloc);
                                if (!out)
                                        abort();
                        }
                        out[size++] = buf[i] ? buf[i] : ' ';
                        out[size] = 0;
                }
        }
        return out;
}

const char *itest_line_value(const char *out, const char *key) {
        static char val[4096];
        char pat[128];
        snprintf(pat, sizeof pat, "\n%s=", key);
        const char *p = out ? strstr(out, pat) : NULL;
        if (!p)
                return NULL;
        p += strlen(pat);
        size_t n = strcspn(p, "\n");
        snprintf(val, sizeof val, "%.*s", (int) MIN(n, sizeof val - 1), p);
        return val;
}

int itest_reap(int pidfd, siginfo_t *ret_si) {
        siginfo_t si = {};
        while (waitid((idtype_t) P_PIDFD, (id_t) pidfd, &si, WEXITED) < 0)
                if (errno != EINTR)
                        return -errno;
        if (ret_si)
                *ret_si = si;
        return 0;
}

int itest_reap_status(int pidfd) {
        siginfo_t si;
        int r = itest_reap(pidfd, &si);
        if (r < 0)
                return r;
        return si.si_code == CLD_EXITED ? si.si_status : 128 + si.si_status;
}
