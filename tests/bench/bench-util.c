/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench-util.h"
#include "util/fd-util.h"
#include "util/fileio.h"
#include "util/macro.h"

double bench_now_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b) {
        double x = *(const double *) a, y = *(const double *) b;
        return x < y ? -1 : x > y;
}

double bench_quantile(const double *v, size_t n, double q) {
        if (n == 0)
                return 0;
        double *s = malloc(n * sizeof *s);
        if (!s)
                abort();
        memcpy(s, v, n * sizeof *s);
        qsort(s, n, sizeof *s, cmp_double);
        double pos = q * (n - 1), r;
        size_t i = (size_t) pos;
        r = i + 1 < n ? s[i] + (pos - i) * (s[i + 1] - s[i]) : s[i];
        free(s);
        return r;
}

void bench_show_file(const char *path, const char *prefix) {
        _cleanup_free_ char *text = NULL;
        if (read_full_file(path, &text, NULL) < 0 || isempty(text))
                return;
        for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"))
                printf("%s%s\n", prefix, line);
}

/* Fork and exec argv with stdin from /dev/null, stdout + stderr into log opened with flags, keep_fd as
 * fd 3. */
static pid_t fork_exec(char *const argv[], int keep_fd, const char *log, int flags) {
        pid_t pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                int out = open(log, O_WRONLY | O_CREAT | O_CLOEXEC | flags, 0600);
                int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
                if (out < 0 || null < 0 || dup2(null, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
                        _exit(126);
                if (keep_fd >= 0 && dup2(keep_fd, 3) < 0)
                        _exit(126);
                execvp(argv[0], argv);
                _exit(127);
        }
        return pid;
}

int bench_run(char *const argv[], const char *log) {
        pid_t pid = fork_exec(argv, -1, log, O_TRUNC);
        if (pid < 0)
                return pid;
        int status;
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return -errno;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

pid_t bench_spawn(char *const argv[], int keep_fd, const char *log) {
        return fork_exec(argv, keep_fd, log, O_APPEND);
}

void bench_kill_and_wait(pid_t *pid) {
        if (*pid <= 0)
                return;
        (void) kill(*pid, SIGTERM);
        (void) waitpid(*pid, NULL, 0);
        *pid = 0;
}

char *bench_container_config(const char *name, const char *rootfs, const char *mount_auto_extra,
                             const char *extra_lines) {
        char *s;
        if (asprintf(&s,
                     "lxc.uts.name = %s\n"
                     "lxc.rootfs.path = %s\n"
                     "lxc.net.0.type = empty\n"
                     "lxc.mount.auto = proc sys%s\n"
                     "lxc.autodev = 1\n"
                     "%s",
                     name, rootfs, mount_auto_extra ?: "", extra_lines ?: "") < 0)
                return NULL;
        return s;
}

int bench_lxc_stop(const char *name, const char *lxcpath, const char *log) {
        char *stop[] = { "lxc-stop", "-k", "-n", (char *) name, "-P", (char *) lxcpath, NULL };
        char *wait[] = { "lxc-wait", "-n", (char *) name, "-P", (char *) lxcpath, "-s", "STOPPED", "-t",
                         BENCH_LXC_WAIT_TIMEOUT, NULL };
        int r = bench_run(stop, log);
        return r != 0 ? r : bench_run(wait, log);
}

pid_t bench_lxc_info_pid(const char *name, const char *lxcpath, const char *log) {
        char *info[] = { "lxc-info", "-n", (char *) name, "-P", (char *) lxcpath, "-p", "-H", NULL };
        _cleanup_free_ char *text = NULL;

        if (bench_run(info, log) != 0 || read_full_file(log, &text, NULL) < 0)
                return -1;
        return atoi(text) > 0 ? (pid_t) atoi(text) : -1;
}

bool bench_lxc_trial_start(const char *name, const char *lxcpath, const char *lxc_log, const char *log) {
        char *start[] = { "lxc-start", "-n", (char *) name, "-P", (char *) lxcpath, "-d", "-l", "ERROR", "-o",
                          (char *) lxc_log, NULL };
        char *wait[] = { "lxc-wait", "-n", (char *) name, "-P", (char *) lxcpath, "-s", "RUNNING", "-t", "10",
                         NULL };
        int r = bench_run(start, log);
        if (r == 0)
                r = bench_run(wait, log);
        if (r == 0)
                return true;
        printf("# SKIP lxc: lxc-start failed (exit %d) on this host:\n", r);
        bench_show_file(log, "#   ");
        bench_show_file(lxc_log, "#   ");
        (void) bench_lxc_stop(name, lxcpath, log);
        return false;
}

static const char *const lxc_run_dirs[] = { "/run/lxc", "/run/lxc/lock", "/run/lxc/lock/tmp" };

static const char *const cgroup_hierarchies[] = {
        "unified", "systemd", "pids", "blkio", "freezer", "devices", "memory", "cpuset", "cpuacct", "cpu",
};

void bench_lxc_leftovers_record(BenchLxcLeftovers *l) {
        _Static_assert(ELEMENTSOF(cgroup_hierarchies) <= ELEMENTSOF(l->pivot_existed), "table sizes");
        _Static_assert(ELEMENTSOF(lxc_run_dirs) == ELEMENTSOF(l->run_dir_existed), "table sizes");

        for (size_t i = 0; i < ELEMENTSOF(cgroup_hierarchies); i++) {
                char p[128];
                snprintf(p, sizeof p, "/sys/fs/cgroup/%s/lxc.pivot", cgroup_hierarchies[i]);
                l->pivot_existed[i] = access(p, F_OK) >= 0;
        }
        for (size_t i = 0; i < ELEMENTSOF(lxc_run_dirs); i++)
                l->run_dir_existed[i] = access(lxc_run_dirs[i], F_OK) >= 0;
}

void bench_lxc_leftovers_remove(const BenchLxcLeftovers *l, const char *tmpdir) {
        for (size_t i = 0; i < ELEMENTSOF(cgroup_hierarchies); i++) {
                char p[128];
                if (l->pivot_existed[i])
                        continue;
                snprintf(p, sizeof p, "/sys/fs/cgroup/%s/lxc.pivot", cgroup_hierarchies[i]);
                (void) rmdir(p);
        }

        _cleanup_free_ char *lock = NULL;
        if (asprintf(&lock, "/run/lxc/lock%s", tmpdir) >= 0)
                (void) rm_rf(lock);
        for (size_t i = ELEMENTSOF(lxc_run_dirs); i > 0; i--)
                if (!l->run_dir_existed[i - 1])
                        (void) rmdir(lxc_run_dirs[i - 1]);
}

bool bench_enter_namespaces(void) {
        if (unshare(CLONE_NEWNS | CLONE_NEWNET) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
                printf("# SKIP: cannot make a mount + network namespace: %m\n");
                return false;
        }
        return true;
}

int bench_parse_runs_argv(int argc, char *argv[], int *runs, int max) {
        static const struct option options[] = {
                { "runs", required_argument, NULL, 'n' },
                {}
        };
        int c;

        if (getenv("BERTH_BENCH_RUNS"))
                *runs = atoi(getenv("BERTH_BENCH_RUNS"));
        while ((c = getopt_long(argc, argv, "", options, NULL)) >= 0)
                switch (c) {
                case 'n':
                        *runs = atoi(optarg);
                        break;
                default:
                        return -EINVAL;
                }
        if (*runs < 1 || *runs > max)
                return -EINVAL;
        return 0;
}

int bench_start_dbus_daemon(const char *log, pid_t *pid) {
        _cleanup_close_pair_ int p[2] = { -EBADF, -EBADF };
        char addr[512];

        if (pipe2(p, O_CLOEXEC) < 0)
                return -errno;
        char *argv[] = { "dbus-daemon", "--session", "--nofork", "--nopidfile", "--print-address=3", NULL };
        *pid = bench_spawn(argv, p[1], log);
        if (*pid < 0)
                return *pid;
        p[1] = safe_close(p[1]);
        ssize_t n = loop_read(p[0], addr, sizeof addr - 1);
        if (n <= 0)
                return -EIO;
        addr[n] = 0;
        addr[strcspn(addr, "\n")] = 0;
        return RET_NERRNO(setenv("DBUS_SYSTEM_BUS_ADDRESS", addr, 1));
}
