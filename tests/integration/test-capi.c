/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The C API against real containers: define with the busybox template, start (detached berth-monitor),
 * state, the console ring (non-destructive reads, consume, clear, wrap-around through a real container),
 * cgroup placement, double start, stop and what it leaves behind, config errors, a missing init and fd
 * leaks over start/stop cycles. Root; meson runs it under `unshare -m -n --propagation private`. */

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "berth.h"
#include "cgroup/cgroup.h"
#include "itest-util.h"
#include "tests/unit/tap.h"
#include "util/fd-util.h"
#include "util/fileio.h"
#include "util/macro.h"

#define BANNER_END "is up"
#define WRAP_END "END-OF-OUTPUT"
#define RING_SIZE 65536

static char root[] = "/tmp/berth-capi-XXXXXX";
static berth *b;
static char name[64], wrap[64], bad[64], noinit[64], noring[64];

static void sleep_ms(unsigned ms) {
        (void) nanosleep(&(struct timespec) { .tv_sec = ms / 1000, .tv_nsec = (long) (ms % 1000) * 1000000L },
                         NULL);
}

static bool path_exists(const char *p) {
        return access(p, F_OK) >= 0;
}

/* Poll the console log until it contains needle (or timeout); returns the last read (malloc'd). */
static char *wait_console(const char *n, const char *needle, unsigned timeout_ms, size_t *ret_len) {
        for (unsigned t = 0;; t += 50) {
                void *data = NULL;
                size_t len = 0;
                if (berth_console_log_read(b, n, 0, 0, &data, &len) >= 0) {
                        if (memmem(data, len, needle, strlen(needle)) || t >= timeout_ms) {
                                *ret_len = len;
                                return data;
                        }
                        free(data);
                } else if (t >= timeout_ms)
                        return NULL;
                sleep_ms(50);
        }
}

static pid_t parent_of(pid_t pid) {
        _cleanup_free_ char *fn = NULL, *s = NULL;
        if (asprintf(&fn, "/proc/%d/status", (int) pid) < 0 || read_full_file(fn, &s, NULL) < 0)
                return -1;
        const char *p = strstr(s, "\nPPid:");
        return p ? (pid_t) atoi(p + 6) : -1;
}

/* Gone, or a zombie waiting for the host's init to reap it. */
static bool process_gone(pid_t pid) {
        for (unsigned i = 0; i < 200; i++) {
                char fn[64];
                _cleanup_free_ char *s = NULL;
                snprintf(fn, sizeof fn, "/proc/%d/stat", (int) pid);
                if (kill(pid, 0) < 0 && errno == ESRCH)
                        return true;
                if (read_full_file(fn, &s, NULL) >= 0) {
                        const char *p = strrchr(s, ')');
                        if (p && p[1] == ' ' && p[2] == 'Z')
                                return true;
                }
                sleep_ms(10);
        }
        return false;
}

/* A field of /proc/PID/smaps_rollup, in KiB. */
static long smaps_kib(pid_t pid, const char *field) {
        _cleanup_free_ char *fn = NULL, *s = NULL, *key = NULL;
        if (asprintf(&fn, "/proc/%d/smaps_rollup", (int) pid) < 0 || asprintf(&key, "\n%s:", field) < 0 ||
            read_full_file(fn, &s, NULL) < 0)
                return -1;
        const char *p = strstr(s, key);
        return p ? strtol(p + strlen(key), NULL, 10) : -1;
}

static char *container_cgroup(const char *n) {
        char *p = NULL;
        if (cgroup_container_path(berth_get_root(b), n, &p) < 0)
                return NULL;
        return p;
}

static char *run_dir_of(const char *n) {
        char *p = NULL;
        if (asprintf(&p, "%s/%s", berth_get_run_dir(b), n) < 0)
                return NULL;
        return p;
}

static int define_with(const char *n, const char *config) {
        _cleanup_free_ char *err = NULL;
        int r = berth_container_define(b, n, config, 0, &err);
        if (r < 0)
                TAP_DIAG("define %s: %s", n, strna(err));
        return r;
}

/* On failure: what the monitor said, as TAP comments. */
static void diag_monitor_log(const char *n) {
        _cleanup_free_ char *path = NULL, *text = NULL;
        if (asprintf(&path, "%s/%s/monitor.log", berth_get_log_dir(b), n) < 0 || read_full_file(path, &text, NULL) < 0)
                return;
        size_t l = strlen(text);
        const char *start = l > 3000 ? text + l - 3000 : text;
        for (char *line = (char *) start, *next; line && *line; line = next) {
                next = strchr(line, '\n');
                if (next)
                        *next++ = 0;
                TAP_DIAG("  %s", line);
        }
}

static void test_lifecycle(void) {
        _cleanup_free_ char *rootfs = NULL, *err = NULL, *cg = NULL, *rundir = NULL, *p = NULL;
        _cleanup_free_ char *self_cg = NULL, *mon_cg = NULL, *init_cg = NULL, *base = NULL;
        void *d1 = NULL, *d2 = NULL, *d3 = NULL;
        size_t l1 = 0, l2 = 0, l3 = 0;
        berth_state state = _BERTH_STATE_MAX;
        pid_t pid = 0, monitor;
        uint64_t bufsize = 0;
        uid_t owner = 1;
        int r;

        _cleanup_free_ char *config = NULL, *logfile = NULL, *logtext = NULL;
        if (asprintf(&logfile, "%s/console-%s.log", root, name) < 0 ||
            asprintf(&config,
                     "lxc.uts.name = capi\n"
                     "lxc.console.buffer.size = 64K\n"
                     "lxc.console.logfile = %s\n"
                     "lxc.signal.stop = SIGTERM\n"
                     "lxc.mount.auto = proc sys cgroup2\n"
                     "lxc.net.0.type = empty\n",
                     logfile) < 0)
                return;
        TAP_EQ_INT(define_with(name, config), 0, "define %s", name);
        TAP_OK(berth_container_exists(b, name), "defined container exists");
        TAP_EQ_INT(berth_container_get_owner(b, name, &owner), 0, "owner readable");
        TAP_EQ_INT(owner, 0, "owner is the creator uid");
        TAP_EQ_INT(berth_container_define(b, name, "lxc.uts.name = x\n", 0, NULL), -EEXIST, "define twice");

        TAP_EQ_INT(berth_container_default_rootfs(b, name, &rootfs), 0, "default rootfs path");
        r = berth_template_busybox(rootfs, &err);
        TAP_EQ_INT(r, 0, "busybox template (%s)", strna(err));
        err = mfree(err);
        if (asprintf(&p, "%s/sbin/init", rootfs) >= 0)
                TAP_OK(access(p, X_OK) >= 0, "template has an executable /sbin/init");
        p = mfree(p);

        TAP_EQ_INT(berth_container_get_state(b, name, &state, &pid), 0, "state of a defined container");
        TAP_EQ_INT(state, BERTH_STATE_STOPPED, "not started: STOPPED");
        TAP_EQ_INT(berth_container_stop(b, name), -ENOTCONN, "stop when stopped: -ENOTCONN");

        r = berth_container_start(b, name, &err);
        TAP_EQ_INT(r, 0, "start %s (%s)", name, strna(err));
        err = mfree(err);
        if (r < 0)
                return;

        TAP_EQ_INT(berth_container_get_state(b, name, &state, &pid), 0, "get state");
        TAP_EQ_STR(berth_state_to_string(state), "RUNNING", "RUNNING after start");
        TAP_OK(pid > 0 && kill(pid, 0) >= 0, "init pid %d is alive", (int) pid);
        TAP_EQ_INT(berth_container_get_console_buffer_size(b, name, &bufsize), 0, "buffer size");
        TAP_EQ_INT(bufsize, RING_SIZE, "buffer size is 64 KiB");

        /* Console: the banner, non-destructive reads, consume, clear. */
        d1 = wait_console(name, BANNER_END, 5000, &l1);
        TAP_OK(d1 && memmem(d1, l1, "berth busybox container capi " BANNER_END,
                            strlen("berth busybox container capi " BANNER_END)),
               "init's banner in the console log");
        TAP_EQ_INT(berth_console_log_read(b, name, 0, 0, &d2, &l2), 0, "second read");
        TAP_OK(d1 && d2 && l1 == l2 && memcmp(d1, d2, l1) == 0, "two reads are identical (%zu bytes)", l1);
        free(d2);
        d2 = NULL;

        TAP_EQ_INT(berth_console_log_read(b, name, 10, BERTH_CONSOLE_LOG_CONSUME, &d2, &l2), 0, "consume 10");
        TAP_OK(d1 && l2 == 10 && memcmp(d2, d1, 10) == 0, "consume returns the oldest bytes");
        TAP_EQ_INT(berth_console_log_read(b, name, 0, 0, &d3, &l3), 0, "read after consume");
        TAP_OK(d1 && l1 >= 10 && l3 == l1 - 10 && memcmp(d3, (char *) d1 + 10, l3) == 0,
               "consumed bytes are gone, the rest stays");
        free(d2);
        free(d3);
        d2 = d3 = NULL;
        TAP_EQ_INT(berth_console_log_clear(b, name), 0, "clear");
        TAP_EQ_INT(berth_console_log_read(b, name, 0, 0, &d2, &l2), 0, "read after clear");
        TAP_EQ_INT(l2, 0, "clear empties the buffer");
        free(d1);
        free(d2);

        /* cgroups: the monitor (init's parent) left our cgroup; init sits in the payload cgroup. */
        monitor = parent_of(pid);
        TAP_OK(monitor > 1 && monitor != getpid(), "init's parent is a monitor (%d)", (int) monitor);
        TAP_EQ_INT(cgroup_pid_get_path(0, &self_cg), 0, "own cgroup");
        TAP_EQ_INT(cgroup_pid_get_path(monitor, &mon_cg), 0, "monitor cgroup");
        TAP_EQ_INT(cgroup_pid_get_path(pid, &init_cg), 0, "init cgroup");
        TAP_EQ_INT(cgroup_base_name(berth_get_root(b), &base), 0, "cgroup base name");
        TAP_OK(self_cg && mon_cg && !streq(self_cg, mon_cg), "monitor cgroup %s is not ours (%s)", strna(mon_cg),
               strna(self_cg));
        if (asprintf(&p, "/%s/%s/monitor", base, name) >= 0)
                TAP_EQ_STR(mon_cg, p, "monitor cgroup layout");
        p = mfree(p);
        if (asprintf(&p, "/%s/%s/payload", base, name) >= 0)
                TAP_EQ_STR(init_cg, p, "payload cgroup layout");
        p = mfree(p);

        /* The monitor stays small and survives its clients: many connections, one killed mid-call. */
        /* What the monitor itself owns is its anonymous memory. Private_Clean/Private_Dirty also count
         * shared-library and binary pages that merely no other process maps right now (or that are
         * freshly written and not yet on disk), so they depend on the machine, not on the monitor. */
        long anon = smaps_kib(monitor, "Anonymous");
        TAP_DIAG("monitor smaps_rollup: Private_Clean %ld KiB, Private_Dirty %ld KiB, Anonymous %ld KiB",
                 smaps_kib(monitor, "Private_Clean"), smaps_kib(monitor, "Private_Dirty"), anon);
        TAP_OK(anon > 0 && anon < 512, "idle monitor anonymous memory %ld KiB < 512 KiB", anon);
        sleep_ms(100); /* let the monitor drop the connections of the reads above */
        int mon_fds = fd_count(monitor);
        for (unsigned i = 0; i < 50; i++)
                (void) berth_container_get_state(b, name, NULL, NULL);
        pid_t child = fork();
        if (child == 0) {
                sd_bus *bus = NULL;
                if (berth_monitor_open(b, name, &bus) >= 0)
                        (void) sd_bus_call_method_async(bus, NULL, "/org/berth1/monitor", "org.berth1.Monitor",
                                                        "GetInfo", NULL, NULL, NULL, NULL);
                (void) sd_bus_flush(bus);
                _exit(0); /* without closing: the monitor sees the peer vanish */
        }
        (void) waitpid(child, NULL, 0);
        TAP_EQ_INT(berth_container_get_state(b, name, &state, NULL), 0, "monitor answers after a client died");
        TAP_EQ_INT(state, BERTH_STATE_RUNNING, "still RUNNING after a client died");
        /* The monitor notices the last disconnects asynchronously. */
        for (unsigned i = 0; i < 100 && fd_count(monitor) != mon_fds; i++)
                sleep_ms(10);
        TAP_EQ_INT(fd_count(monitor), mon_fds, "monitor fd count unchanged after 51 connections");
        TAP_EQ_INT(berth_console_log_read(b, name, 0, 0, &d2, &l2), 0, "ring still readable");
        free(d2);
        d2 = NULL;

        r = berth_container_start(b, name, &err);
        TAP_EQ_INT(r, -EALREADY, "second start: -EALREADY (%s)", strna(err));
        err = mfree(err);
        TAP_EQ_INT(berth_container_undefine(b, name), -EBUSY, "undefine while running: -EBUSY");

        /* Stop, and nothing is left. */
        cg = container_cgroup(name);
        rundir = run_dir_of(name);
        TAP_OK(cg && path_exists(cg), "container cgroup exists while running");
        /* A container may make cgroups below its own (systemd inside does): stop must remove them too. */
        if (asprintf(&p, "%s/payload/made-inside/deeper", cg) >= 0)
                TAP_EQ_INT(mkdir_p(p, 0755), 0, "nested cgroups below the payload cgroup");
        p = mfree(p);
        r = berth_container_stop(b, name);
        TAP_EQ_INT(r, 0, "stop");
        if (r < 0)
                diag_monitor_log(name);
        TAP_EQ_INT(berth_container_get_state(b, name, &state, &pid), 0, "state after stop");
        TAP_EQ_STR(berth_state_to_string(state), "STOPPED", "STOPPED after stop");
        TAP_EQ_INT(pid, 0, "no init pid when stopped");
        TAP_OK(rundir && !path_exists(rundir), "run dir %s removed", strna(rundir));
        if (asprintf(&p, "%s/monitor", cg) >= 0)
                TAP_OK(!path_exists(p), "monitor cgroup removed");
        p = mfree(p);
        if (asprintf(&p, "%s/payload", cg) >= 0)
                TAP_OK(!path_exists(p), "payload cgroup removed");
        p = mfree(p);
        TAP_OK(!path_exists(cg), "container cgroup removed");
        TAP_OK(process_gone(monitor), "monitor %d exited", (int) monitor);
        TAP_EQ_INT(berth_container_stop(b, name), -ENOTCONN, "second stop: -ENOTCONN");

        /* lxc.signal.stop = SIGTERM reached the busybox init, whose last words were drained into the
         * log file, which was appended live (the banner) and not truncated at stop. */
        TAP_EQ_INT(read_full_file(logfile, &logtext, NULL), 0, "console log file readable");
        TAP_OK(logtext && strstr(logtext, "berth busybox container capi " BANNER_END), "banner in the log file");
        TAP_OK(logtext && strstr(logtext, "berth busybox init: shutting down"),
               "init's shutdown message (after SIGTERM) in the log file");
}

static void test_wraparound(void) {
        _cleanup_free_ char *rootfs = NULL, *script = NULL, *config = NULL, *err = NULL;
        char *data = NULL;
        size_t len = 0;
        int r;

        /* Reuses the first container's rootfs; the script prints ~120 KiB, then idles. */
        if (berth_container_default_rootfs(b, name, &rootfs) < 0 || asprintf(&script, "%s/spew.sh", rootfs) < 0)
                return;
        static const char spew[] = "i=0\n"
                                   "while [ $i -lt 10000 ]; do echo \"line $i\"; i=$((i+1)); done\n"
                                   "echo END-OF-\"\"OUTPUT\n"
                                   "exec sleep 1000\n";
        r = write_file_atomic(script, spew, strlen(spew), 0755);
        TAP_EQ_INT(r, 0, "write the spew script");
        if (asprintf(&config,
                     "lxc.rootfs.path = %s\n"
                     "lxc.init.cmd = /bin/sh /spew.sh\n"
                     "lxc.console.buffer.size = 64K\n"
                     "lxc.mount.auto = proc sys\n"
                     "lxc.net.0.type = empty\n",
                     rootfs) < 0)
                return;
        TAP_EQ_INT(define_with(wrap, config), 0, "define %s", wrap);
        r = berth_container_start(b, wrap, &err);
        TAP_EQ_INT(r, 0, "start %s (%s)", wrap, strna(err));
        if (r < 0)
                return;

        data = wait_console(wrap, WRAP_END, 20000, &len);
        TAP_OK(data && memmem(data, len, WRAP_END, strlen(WRAP_END)), "the end marker arrived");
        TAP_OK(len <= RING_SIZE && len > RING_SIZE - 64, "the ring is full but not over (%zu bytes)", len);
        TAP_OK(data && len > 15 && memcmp(data + len - strlen(WRAP_END "\r\n"), WRAP_END "\r\n",
                                          strlen(WRAP_END "\r\n")) == 0,
               "the newest bytes end with the intact last line");
        TAP_OK(data && !memmem(data, len, "line 0\r", 7), "the oldest lines were dropped");

        /* After the first (possibly cut) line, lines are consecutive up to 9999. */
        bool ordered = data != NULL;
        long prev = -1;
        char *s = data ? memchr(data, '\n', len) : NULL;
        for (s = s ? s + 1 : NULL; ordered && s && s < data + len; ) {
                char *nl = memchr(s, '\n', (size_t) (data + len - s));
                if (!nl)
                        break;
                if (strncmp(s, "line ", 5) == 0) {
                        long v = strtol(s + 5, NULL, 10);
                        if (prev >= 0 && v != prev + 1)
                                ordered = false;
                        prev = v;
                } else if (strncmp(s, WRAP_END, strlen(WRAP_END)) != 0)
                        ordered = false;
                s = nl + 1;
        }
        TAP_OK(ordered && prev == 9999, "lines are in order and the last numbered line is 9999 (%ld)", prev);
        free(data);

        r = berth_container_stop(b, wrap);
        TAP_EQ_INT(r, 0, "stop %s", wrap);
        if (r < 0)
                diag_monitor_log(wrap);
        TAP_EQ_INT(berth_container_undefine(b, wrap), 0, "undefine %s", wrap);
        (void) unlink(script);
}

static void test_bad_config(void) {
        _cleanup_free_ char *err = NULL, *dir = NULL;
        int r;

        r = berth_container_define(b, bad,
                                   "lxc.uts.name = ok\n"
                                   "lxc.bogus.key = 1\n"
                                   "lxc.console.buffer.size = lots\n",
                                   0, &err);
        TAP_EQ_INT(r, -EINVAL, "define with config errors: -EINVAL");
        TAP_OK(err && strstr(err, "config:2"), "error names file:line of the first problem (%s)", strna(err));
        TAP_OK(err && strstr(err, "config:3"), "every error is reported");
        TAP_OK(!berth_container_exists(b, bad), "nothing defined");
        if (asprintf(&dir, "%s/%s", berth_get_containers_dir(b), bad) >= 0)
                TAP_OK(!path_exists(dir), "no directory left on disk");
        err = mfree(err);
        TAP_EQ_INT(berth_container_define(b, "../evil", "lxc.uts.name = x\n", 0, &err), -EINVAL, "bad name");
}

static void test_missing_init(void) {
        _cleanup_free_ char *rootfs = NULL, *config = NULL, *err = NULL, *rundir = NULL, *cg = NULL;
        berth_state state = _BERTH_STATE_MAX;
        int r;

        if (berth_container_default_rootfs(b, name, &rootfs) < 0 ||
            asprintf(&config, "lxc.rootfs.path = %s\nlxc.init.cmd = /sbin/no-such-init\n", rootfs) < 0)
                return;
        TAP_EQ_INT(define_with(noinit, config), 0, "define %s", noinit);
        r = berth_container_start(b, noinit, &err);
        TAP_OK(r < 0, "start without init fails (%d)", r);
        TAP_OK(err && strstr(err, "no-such-init"), "the error names the missing init (%s)", strna(err));
        TAP_EQ_INT(berth_container_get_state(b, noinit, &state, NULL), 0, "state after failed start");
        TAP_EQ_INT(state, BERTH_STATE_STOPPED, "STOPPED after failed start");
        rundir = run_dir_of(noinit);
        cg = container_cgroup(noinit);
        TAP_OK(rundir && !path_exists(rundir), "no run dir left");
        TAP_OK(cg && !path_exists(cg), "no cgroup left");
        TAP_EQ_INT(berth_container_undefine(b, noinit), 0, "undefine %s", noinit);
}

static void test_no_ring(void) {
        _cleanup_free_ char *rootfs = NULL, *config = NULL, *err = NULL;
        uint64_t size = 1;
        void *data = NULL;
        size_t len = 0;
        int r;

        if (berth_container_default_rootfs(b, name, &rootfs) < 0 ||
            asprintf(&config, "lxc.rootfs.path = %s\nlxc.mount.auto = proc sys\n", rootfs) < 0)
                return;
        TAP_EQ_INT(define_with(noring, config), 0, "define %s without a console buffer", noring);
        r = berth_container_start(b, noring, &err);
        TAP_EQ_INT(r, 0, "start %s (%s)", noring, strna(err));
        if (r < 0)
                return;
        TAP_EQ_INT(berth_container_get_console_buffer_size(b, noring, &size), 0, "buffer size query");
        TAP_EQ_INT(size, 0, "no ring buffer: size 0");
        TAP_EQ_INT(berth_console_log_read(b, noring, 0, 0, &data, &len), -ENODATA, "read without ring: -ENODATA");
        TAP_EQ_INT(berth_console_log_clear(b, noring), -ENODATA, "clear without ring: -ENODATA");
        TAP_EQ_INT(berth_container_stop(b, noring), 0, "stop %s", noring);
        TAP_EQ_INT(berth_container_undefine(b, noring), 0, "undefine %s", noring);
}

static void test_fd_leaks(void) {
        int before = fd_count(0), failures = 0;

        for (unsigned i = 0; i < 20; i++) {
                _cleanup_free_ char *err = NULL;
                int r = berth_container_start(b, name, &err), q = 0;
                /* SIGTERM (lxc.signal.stop) only works once init's trap is installed: it prints the
                 * banner right after. */
                if (r >= 0) {
                        size_t len;
                        free(wait_console(name, BANNER_END, 5000, &len));
                        q = berth_container_stop(b, name);
                }
                if (r < 0 || q < 0) {
                        TAP_DIAG("cycle %u: start %d (%s), stop %d", i, r, strna(err), q);
                        diag_monitor_log(name);
                        failures++;
                }
        }
        TAP_EQ_INT(failures, 0, "20 start/stop cycles");
        TAP_EQ_INT(fd_count(0), before, "fd count unchanged after 20 cycles");
}

/* ---- issue 3: Reboot, Shutdown, Freeze (berth_container_reboot() & co. over the monitor) ---- */

static long now_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static pid_t init_pid_of(const char *n) {
        berth_state state = _BERTH_STATE_MAX;
        pid_t pid = 0;
        if (berth_container_get_state(b, n, &state, &pid) < 0 || state != BERTH_STATE_RUNNING)
                return 0;
        return pid;
}

static bool wait_state(const char *n, berth_state want, unsigned timeout_ms) {
        for (unsigned t = 0;; t += 50) {
                berth_state state = _BERTH_STATE_MAX;
                if (berth_container_get_state(b, n, &state, NULL) >= 0 && state == want)
                        return true;
                if (t >= timeout_ms)
                        return false;
                sleep_ms(50);
        }
}

/* RUNNING with an init other than old (after a reboot nobody waited for). */
static pid_t wait_new_init(const char *n, pid_t old, unsigned timeout_ms) {
        for (unsigned t = 0; t <= timeout_ms; t += 50) {
                pid_t p = init_pid_of(n);
                if (p > 0 && p != old)
                        return p;
                sleep_ms(50);
        }
        return 0;
}

/* Occurrences of needle in the console ring. */
static unsigned console_count(const char *n, const char *needle) {
        void *data = NULL;
        size_t len = 0;
        unsigned c = 0;
        if (berth_console_log_read(b, n, 0, 0, &data, &len) < 0)
                return 0;
        for (const char *p = data; (p = memmem(p, len - (size_t) (p - (const char *) data), needle, strlen(needle)));
             p++)
                c++;
        free(data);
        return c;
}

/* A container on the first container's rootfs running `/bin/sh /<script>` (written from body) as init. */
static int define_script(const char *n, const char *script, const char *body, const char *extra) {
        _cleanup_free_ char *rootfs = NULL, *path = NULL, *config = NULL;
        int r;

        if (berth_container_default_rootfs(b, name, &rootfs) < 0 || asprintf(&path, "%s/%s", rootfs, script) < 0)
                return -ENOMEM;
        r = write_file_atomic(path, body, strlen(body), 0755);
        if (r < 0)
                return r;
        if (asprintf(&config,
                     "lxc.rootfs.path = %s\n"
                     "lxc.uts.name = %s\n"
                     "lxc.init.cmd = /bin/sh /%s\n"
                     "lxc.console.buffer.size = 64K\n"
                     "lxc.signal.stop = SIGKILL\n"
                     "lxc.mount.auto = proc sys cgroup2\n"
                     "lxc.net.0.type = empty\n%s",
                     rootfs, n, script, strempty(extra)) < 0)
                return -ENOMEM;
        return define_with(n, config);
}

static int start_quiet(const char *n) {
        _cleanup_free_ char *err = NULL;
        int r = berth_container_start(b, n, &err);
        if (r < 0) {
                TAP_DIAG("start %s: %d %s", n, r, strna(err));
                diag_monitor_log(n);
        }
        return r;
}

/* After the monitor has dropped the connections of our previous calls (it sees the hang-up a moment
 * after we close). */
static int monitor_fd_count(pid_t monitor) {
        _cleanup_closedir_ DIR *d = NULL;
        char fn[64];
        int n = 0;

        sleep_ms(300);

        snprintf(fn, sizeof fn, "/proc/%d/fd", (int) monitor);
        d = opendir(fn);
        if (!d)
                return -errno;
        for (struct dirent *de; (de = readdir(d));)
                if (de->d_name[0] != '.')
                        n++;
        return n;
}

#define LOOP_BODY "while :; do sleep 1 & wait $!; done\n"

static void test_reboot(void) {
        _cleanup_free_ char *cfg = NULL, *text = NULL, *edited = NULL, *banner = NULL;
        bool running = false;
        pid_t pid0, pid1, pid2, pid3;
        long t0, dt;
        int r;

        /* The template's init exits on SIGINT: the monitor restarts it because it asked for the reboot. */
        if (start_quiet(name) < 0)
                return;
        size_t len;
        free(wait_console(name, BANNER_END, 5000, &len));
        pid0 = init_pid_of(name);
        t0 = now_ms();
        r = berth_container_reboot(b, name, 10, &running);
        dt = now_ms() - t0;
        TAP_EQ_INT(r, 0, "reboot(10) (%ld ms)", dt);
        TAP_OK(running, "… returns true: RUNNING again");
        pid1 = init_pid_of(name);
        TAP_OK(pid1 > 0 && pid1 != pid0, "init pid changed (%d → %d)", (int) pid0, (int) pid1);
        TAP_OK(process_gone(pid0), "the old init is gone");
        TAP_OK(wait_state(name, BERTH_STATE_RUNNING, 0), "state RUNNING");
        for (unsigned i = 0; i < 100 && console_count(name, "container capi " BANNER_END) < 2; i++)
                sleep_ms(50);
        TAP_EQ_INT((int) console_count(name, "container capi " BANNER_END), 2,
                   "the ring kept recording across the reboot: two banners");
        TAP_OK(console_count(name, "berth busybox init: rebooting") == 1, "init's reboot message in the ring");

        /* 0: at once. */
        t0 = now_ms();
        running = false;
        r = berth_container_reboot(b, name, 0, &running);
        dt = now_ms() - t0;
        TAP_EQ_INT(r, 0, "reboot(0)");
        TAP_OK(running && dt < 1000, "… returns true at once (%ld ms)", dt);
        pid2 = wait_new_init(name, pid1, 10000);
        TAP_OK(pid2 > 0, "… and the container comes back with a new init (%d)", (int) pid2);

        /* -1: without limit. */
        running = false;
        TAP_EQ_INT(berth_container_reboot(b, name, -1, &running), 0, "reboot(-1)");
        pid3 = init_pid_of(name);
        TAP_OK(running && pid3 > 0 && pid3 != pid2, "… true with a new init (%d → %d)", (int) pid2, (int) pid3);
        TAP_EQ_INT(berth_container_reboot(b, name, -2, &running), -EINVAL, "reboot(-2): -EINVAL");

        /* The configuration is read again from disk at each reboot (LXC reuses the old one). */
        if (asprintf(&cfg, "%s/%s/config", berth_get_containers_dir(b), name) >= 0 &&
            read_full_file(cfg, &text, NULL) >= 0) {
                char *p = strstr(text, "lxc.uts.name = capi\n");
                TAP_OK(p, "stored config has lxc.uts.name = capi");
                if (p && asprintf(&edited, "%.*slxc.uts.name = capi-reread\n%s", (int) (p - text), text,
                                  p + strlen("lxc.uts.name = capi\n")) >= 0) {
                        TAP_EQ_INT(write_file_atomic(cfg, edited, strlen(edited), 0644), 0, "edit lxc.uts.name on disk");
                        TAP_EQ_INT(berth_container_reboot(b, name, 10, &running), 0, "reboot(10) after the edit");
                        TAP_OK(running, "… true");
                        free(wait_console(name, "container capi-reread " BANNER_END, 5000, &len));
                        TAP_EQ_INT((int) console_count(name, "container capi-reread " BANNER_END), 1,
                                   "the new init shows the new hostname");
                        (void) write_file_atomic(cfg, text, strlen(text), 0644);
                }
        }

        /* No fd is leaked over 20 reboots (the monitor keeps console, ring, socket; only init changes). */
        pid_t mon = parent_of(init_pid_of(name));
        free(wait_console(name, "container capi-reread " BANNER_END, 2000, &len));
        int fds0 = monitor_fd_count(mon), failures = 0;
        for (unsigned i = 0; i < 20; i++) {
                running = false;
                r = berth_container_reboot(b, name, 10, &running);
                if (r < 0 || !running) {
                        TAP_DIAG("reboot %u: %d %d", i, r, running);
                        failures++;
                }
        }
        TAP_EQ_INT(failures, 0, "20 reboots in a row");
        TAP_EQ_INT(parent_of(init_pid_of(name)), mon, "same monitor after 20 reboots");
        TAP_EQ_INT(monitor_fd_count(mon), fds0, "monitor fd count unchanged after 20 reboots (%d)", fds0);
        TAP_EQ_INT(berth_container_stop(b, name), 0, "stop %s", name);
        TAP_EQ_INT(berth_container_reboot(b, name, 5, &running), -ENOTCONN, "reboot when stopped: -ENOTCONN");
        if (failures)
                diag_monitor_log(name);
}

static void test_reboot_inits(void) {
        char n[64];
        bool running = true;
        long t0, dt;
        pid_t pid, pid1;
        int r;

        /* An init that ignores SIGINT: false after the timeout, still running. */
        snprintf(n, sizeof n, "rbstub-%d", (int) getpid());
        _cleanup_free_ char *logfile = NULL, *logextra = NULL, *logtext = NULL, *montext = NULL, *monlog = NULL;
        if (asprintf(&logfile, "%s/logs/%s.log", root, n) < 0 || asprintf(&logextra, "lxc.log.file = %s\n", logfile) < 0 ||
            asprintf(&monlog, "%s/%s/monitor.log", berth_get_log_dir(b), n) < 0)
                return;
        if (define_script(n, "stub.sh", "trap '' INT PWR\necho STUB-READY\n" LOOP_BODY, logextra) >= 0 &&
            start_quiet(n) >= 0) {
                size_t len;
                free(wait_console(n, "STUB-READY", 5000, &len));
                pid = init_pid_of(n);
                t0 = now_ms();
                r = berth_container_reboot(b, n, 2, &running);
                dt = now_ms() - t0;
                TAP_EQ_INT(r, 0, "reboot(2) of an init that ignores SIGINT");
                TAP_OK(!running, "… returns false");
                TAP_OK(dt >= 1900 && dt <= 3000, "… after the timeout, within timeout + 1 s (%ld ms)", dt);
                TAP_EQ_INT(init_pid_of(n), pid, "… same init, still RUNNING");

                /* lxc.log.file: monitor.log has the start-up, lxc.log.file what came after RUNNING. */
                TAP_OK(read_full_file(logfile, &logtext, NULL) >= 0 && strstr(logtext, "Rebooting container") &&
                       strstr(logtext, "did not come back from the reboot in time"),
                       "lxc.log.file %s has the reboot", logfile);
                TAP_OK(read_full_file(monlog, &montext, NULL) >= 0 && strstr(montext, "Starting container") &&
                       strstr(montext, logfile) && !strstr(montext, "Rebooting container"),
                       "monitor.log has the start-up and points to lxc.log.file");

                /* Shutdown: stubborn without force → false and running; with force → killed, true. */
                t0 = now_ms();
                running = true;
                TAP_EQ_INT(berth_container_shutdown(b, n, 1, false, &running), 0, "shutdown(1) of a stubborn init");
                dt = now_ms() - t0;
                TAP_OK(!running && dt >= 900, "… false after the timeout (%ld ms)", dt);
                TAP_EQ_INT(init_pid_of(n), pid, "… and it keeps running");
                running = false;
                TAP_EQ_INT(berth_container_shutdown(b, n, 1, true, &running), 0, "shutdown(1, force)");
                TAP_OK(running, "… true: killed after the timeout");
                TAP_OK(wait_state(n, BERTH_STATE_STOPPED, 0), "… STOPPED when it returns");
                _cleanup_free_ char *rundir = run_dir_of(n);
                TAP_OK(rundir && !path_exists(rundir), "… and cleaned up (no run dir)");
        }
        (void) berth_container_stop(b, n);
        (void) berth_container_undefine(b, n);

        /* An init that halts (reboot(2) HALT: killed by SIGINT): false at once, STOPPED. */
        snprintf(n, sizeof n, "rbhalt-%d", (int) getpid());
        if (define_script(n, "halt.sh", "trap 'busybox halt -f' INT\necho HALT-READY\n" LOOP_BODY, NULL) >= 0 &&
            start_quiet(n) >= 0) {
                size_t len;
                free(wait_console(n, "HALT-READY", 5000, &len));
                t0 = now_ms();
                running = true;
                r = berth_container_reboot(b, n, 20, &running);
                dt = now_ms() - t0;
                TAP_EQ_INT(r, 0, "reboot(20) of an init that halts");
                TAP_OK(!running && dt < 5000, "… false at once (%ld ms)", dt);
                TAP_OK(wait_state(n, BERTH_STATE_STOPPED, 5000), "… STOPPED");
        }
        (void) berth_container_stop(b, n);
        (void) berth_container_undefine(b, n);

        /* reboot -f inside: the kernel kills init with SIGHUP, the monitor restarts it. */
        snprintf(n, sizeof n, "rbin-%d", (int) getpid());
        _cleanup_free_ char *body = NULL;
        if (asprintf(&body,
                     "echo \"boot of $(hostname)\"\n"
                     "if [ ! -e /tmp/%s ]; then echo > /tmp/%s; sleep 1; busybox reboot -f; fi\n"
                     "echo INSIDE-SECOND-BOOT\n" LOOP_BODY, n, n) >= 0 &&
            define_script(n, "inside.sh", body, NULL) >= 0 && start_quiet(n) >= 0) {
                pid = init_pid_of(n);
                pid1 = wait_new_init(n, pid, 15000);
                TAP_OK(pid1 > 0, "reboot -f inside: RUNNING again with a new init (%d → %d)", (int) pid, (int) pid1);
                size_t len;
                free(wait_console(n, "INSIDE-SECOND-BOOT", 5000, &len));
                TAP_EQ_INT((int) console_count(n, "INSIDE-SECOND-BOOT"), 1, "… the second boot ran");
        }
        (void) berth_container_stop(b, n);
        (void) berth_container_undefine(b, n);

        /* Right after start init has no SIGINT handler for a second: the signal is re-sent until it has. */
        snprintf(n, sizeof n, "rbearly-%d", (int) getpid());
        if (define_script(n, "early.sh", "sleep 1\ntrap 'busybox reboot -f' INT\necho EARLY-READY\n" LOOP_BODY,
                          NULL) >= 0 &&
            start_quiet(n) >= 0) {
                pid = init_pid_of(n);
                t0 = now_ms();
                running = false;
                r = berth_container_reboot(b, n, 10, &running);
                dt = now_ms() - t0;
                TAP_EQ_INT(r, 0, "reboot(10) right after start");
                TAP_OK(running, "… true (%ld ms)", dt);
                pid1 = init_pid_of(n);
                TAP_OK(pid1 > 0 && pid1 != pid, "… with a new init (%d → %d)", (int) pid, (int) pid1);
        }
        (void) berth_container_stop(b, n);
        (void) berth_container_undefine(b, n);

        /* A failing post-stop hook turns the reboot into a stop. */
        snprintf(n, sizeof n, "rbhook-%d", (int) getpid());
        if (define_script(n, "hook.sh", "trap 'busybox reboot -f' INT\necho HOOK-READY\n" LOOP_BODY,
                          "lxc.hook.post-stop = /bin/false\n") >= 0 &&
            start_quiet(n) >= 0) {
                size_t len;
                free(wait_console(n, "HOOK-READY", 5000, &len));
                running = true;
                TAP_EQ_INT(berth_container_reboot(b, n, 10, &running), 0, "reboot(10) with a failing post-stop hook");
                TAP_OK(!running, "… false");
                TAP_OK(wait_state(n, BERTH_STATE_STOPPED, 5000), "… STOPPED");
        }
        (void) berth_container_stop(b, n);
        (void) berth_container_undefine(b, n);
}

static void test_shutdown_freeze(void) {
        _cleanup_free_ char *cg = NULL, *events = NULL, *rundir = NULL;
        bool stopped = false, running;
        berth_state state = _BERTH_STATE_MAX;
        size_t len;
        long t0, dt;

        /* Cooperative: the template init exits on SIGPWR. */
        if (start_quiet(name) < 0)
                return;
        free(wait_console(name, BANNER_END, 5000, &len));
        t0 = now_ms();
        TAP_EQ_INT(berth_container_shutdown(b, name, 10, false, &stopped), 0, "shutdown(10) of a cooperative init");
        dt = now_ms() - t0;
        TAP_OK(stopped && dt < 5000, "… true (%ld ms)", dt);
        rundir = run_dir_of(name);
        TAP_OK(rundir && !path_exists(rundir), "… STOPPED and cleaned up when it returns");
        TAP_EQ_INT(berth_container_shutdown(b, name, 1, false, &stopped), -ENOTCONN, "shutdown when stopped: -ENOTCONN");

        /* Freeze / unfreeze through cgroup.freeze and cgroup.events. */
        if (start_quiet(name) < 0)
                return;
        free(wait_console(name, BANNER_END, 5000, &len));
        cg = container_cgroup(name);
        if (!cg || asprintf(&events, "%s/payload/cgroup.events", cg) < 0)
                return;
        TAP_EQ_INT(berth_container_freeze(b, name), 0, "freeze");
        TAP_EQ_INT(berth_container_get_state(b, name, &state, NULL), 0, "state");
        TAP_EQ_INT(state, BERTH_STATE_FROZEN, "… FROZEN");
        _cleanup_free_ char *ev = NULL;
        TAP_OK(read_full_file(events, &ev, NULL) >= 0 && strstr(ev, "frozen 1"), "cgroup.events: frozen 1");
        TAP_EQ_INT(berth_container_freeze(b, name), 0, "freeze again: nothing to do");
        TAP_EQ_INT(berth_container_reboot(b, name, 1, &running), -EBUSY, "reboot while frozen: -EBUSY");
        TAP_EQ_INT(berth_container_shutdown(b, name, 1, false, &stopped), -EBUSY, "shutdown while frozen: -EBUSY");
        TAP_EQ_INT(berth_container_unfreeze(b, name), 0, "unfreeze");
        TAP_EQ_INT(berth_container_get_state(b, name, &state, NULL), 0, "state");
        TAP_EQ_INT(state, BERTH_STATE_RUNNING, "… RUNNING");
        ev = mfree(ev);
        TAP_OK(read_full_file(events, &ev, NULL) >= 0 && strstr(ev, "frozen 0"), "cgroup.events: frozen 0");
        TAP_EQ_INT(berth_container_unfreeze(b, name), 0, "unfreeze when running: nothing to do");

        /* Stop while frozen: lxc.signal.stop (SIGTERM here) is queued, then the payload thawed. */
        TAP_EQ_INT(berth_container_freeze(b, name), 0, "freeze again");
        t0 = now_ms();
        TAP_EQ_INT(berth_container_stop(b, name), 0, "stop while frozen");
        dt = now_ms() - t0;
        TAP_OK(dt < 5000, "… without waiting for the kill timeout (%ld ms)", dt);
        TAP_OK(!path_exists(cg), "… cgroups removed");
        TAP_EQ_INT(berth_container_freeze(b, name), -ENOTCONN, "freeze when stopped: -ENOTCONN");
}

/* QA findings on Reboot/Shutdown: a forced Shutdown(0) kills at once; a Reboot(-1) whose caller went away
 * stops re-sending; a reboot that cannot come back (config now invalid, rootfs gone) is an error, not a
 * halt; a forced Shutdown of a frozen container stops it. */
static void test_lifecycle_fixes(void) {
        _cleanup_free_ char *cfg = NULL, *text = NULL, *bad_text = NULL, *gone = NULL;
        bool stopped = false, running = true;
        char n[64];
        size_t len;
        long t0, dt;
        pid_t child;
        int r;

        /* Shutdown(0, force) of an init that ignores SIGPWR: killed at once, true once STOPPED. */
        snprintf(n, sizeof n, "sdforce-%d", (int) getpid());
        if (define_script(n, "stub.sh", "trap '' INT PWR TERM\necho STUB-READY\n" LOOP_BODY, NULL) >= 0 &&
            start_quiet(n) >= 0) {
                free(wait_console(n, "STUB-READY", 5000, &len));
                t0 = now_ms();
                r = berth_container_shutdown(b, n, 0, true, &stopped);
                dt = now_ms() - t0;
                TAP_EQ_INT(r, 0, "shutdown(0, force) of an init that ignores SIGPWR");
                TAP_OK(stopped && dt < 3000, "… true at once (%ld ms)", dt);
                TAP_OK(wait_state(n, BERTH_STATE_STOPPED, 0), "… STOPPED when it returns");
        }
        (void) berth_container_stop(b, n);
        (void) berth_container_undefine(b, n);

        /* Reboot(-1) whose caller is killed: the monitor stops re-sending SIGINT. */
        snprintf(n, sizeof n, "rbgone-%d", (int) getpid());
        if (define_script(n, "count.sh", "trap 'echo GOT-INT' INT\necho COUNT-READY\n" LOOP_BODY, NULL) >= 0 &&
            start_quiet(n) >= 0) {
                free(wait_console(n, "COUNT-READY", 5000, &len));
                child = fork();
                if (child == 0) {
                        (void) berth_container_reboot(b, n, -1, NULL);
                        _exit(0);
                }
                if (child > 0) {
                        sleep_ms(1000);
                        (void) kill(child, SIGKILL);
                        (void) waitpid(child, NULL, 0);
                }
                sleep_ms(500);
                unsigned c1 = console_count(n, "GOT-INT");
                sleep_ms(1500);
                unsigned c2 = console_count(n, "GOT-INT");
                TAP_OK(c1 >= 2, "Reboot(-1) re-sent SIGINT while its caller waited (%u)", c1);
                TAP_EQ_INT((int) c2, (int) c1, "… and stopped once the caller was gone");
                t0 = now_ms();
                r = berth_container_reboot(b, n, 1, &running);
                dt = now_ms() - t0;
                TAP_EQ_INT(r, 0, "a new Reboot(1) afterwards");
                TAP_OK(!running && dt >= 900 && dt < 3000, "… false after its timeout (%ld ms)", dt);
                unsigned c3 = console_count(n, "GOT-INT");
                TAP_OK(c3 > c2, "… it signalled init again (%u → %u)", c2, c3);
                sleep_ms(1000);
                TAP_EQ_INT((int) console_count(n, "GOT-INT"), (int) c3, "… and stopped at its deadline");
        }
        (void) berth_container_stop(b, n);
        (void) berth_container_undefine(b, n);

        /* A reboot whose config became invalid on disk: an error (InvalidConfig), STOPPED. */
        snprintf(n, sizeof n, "rbbad-%d", (int) getpid());
        if (define_script(n, "rb.sh", "trap 'busybox reboot -f' INT\necho RB-READY\n" LOOP_BODY, NULL) >= 0 &&
            asprintf(&cfg, "%s/%s/config", berth_get_containers_dir(b), n) >= 0 &&
            read_full_file(cfg, &text, NULL) >= 0 && asprintf(&bad_text, "%slxc.bogus.key = 1\n", text) >= 0 &&
            start_quiet(n) >= 0) {
                free(wait_console(n, "RB-READY", 5000, &len));
                TAP_EQ_INT(write_file_atomic(cfg, bad_text, strlen(bad_text), 0644), 0, "config made invalid on disk");
                r = berth_container_reboot(b, n, 10, &running);
                /* org.berth1.Error.InvalidConfig: EBADMSG where berthd's error map is registered, else EIO. */
                TAP_OK(r == -EBADMSG || r == -EIO, "reboot(10) with an invalid config on disk: error (%d)", r);
                TAP_OK(wait_state(n, BERTH_STATE_STOPPED, 5000), "… STOPPED");
                (void) write_file_atomic(cfg, text, strlen(text), 0644);

                /* The rootfs gone: a Failed error (EACCES in sd-bus's map). */
                if (start_quiet(n) >= 0) {
                        free(wait_console(n, "RB-READY", 5000, &len));
                        if (asprintf(&gone, "%slxc.rootfs.path = %s/no-such-rootfs\n", text, root) >= 0)
                                (void) write_file_atomic(cfg, gone, strlen(gone), 0644);
                        r = berth_container_reboot(b, n, 10, &running);
                        TAP_OK(r < 0 && r != -ENOTCONN && r != -EBADMSG && r != -EIO,
                               "reboot(10) with the rootfs gone: a failure, not a halt (%d)", r);
                        TAP_OK(wait_state(n, BERTH_STATE_STOPPED, 5000), "… STOPPED");
                        (void) write_file_atomic(cfg, text, strlen(text), 0644);
                }
        }
        (void) berth_container_stop(b, n);
        (void) berth_container_undefine(b, n);

        /* Shutdown of a frozen container: EBUSY without force; with force stopped like Stop. */
        if (start_quiet(name) < 0)
                return;
        free(wait_console(name, BANNER_END, 5000, &len));
        TAP_EQ_INT(berth_container_freeze(b, name), 0, "freeze");
        TAP_EQ_INT(berth_container_shutdown(b, name, 5, false, &stopped), -EBUSY, "shutdown(5) while frozen: -EBUSY");
        stopped = false;
        t0 = now_ms();
        r = berth_container_shutdown(b, name, 5, true, &stopped);
        dt = now_ms() - t0;
        TAP_EQ_INT(r, 0, "shutdown(5, force) while frozen");
        TAP_OK(stopped && dt < 3000, "… true without waiting the timeout (%ld ms)", dt);
        TAP_OK(wait_state(name, BERTH_STATE_STOPPED, 0), "… STOPPED when it returns");
}

/* The host hooks around start, reboot and stop, with LXC_HOOK_TYPE and LXC_TARGET; a failing pre-start
 * hook aborts the start with its output in the error. */
static void test_hooks(void) {
        _cleanup_free_ char *hook = NULL, *hooklog = NULL, *extra = NULL, *script = NULL, *text = NULL, *err = NULL;
        char n[64];
        bool running = false;
        int r;

        snprintf(n, sizeof n, "hooks-%d", (int) getpid());
        if (asprintf(&hook, "%s/hook.sh", root) < 0 || asprintf(&hooklog, "%s/hooks.log", root) < 0 ||
            asprintf(&script, "#!/bin/sh\necho \"$LXC_HOOK_TYPE $LXC_TARGET\" >> %s\n", hooklog) < 0 ||
            write_file_atomic(hook, script, strlen(script), 0755) < 0 ||
            asprintf(&extra,
                     "lxc.hook.pre-start = %1$s\nlxc.hook.start-host = %1$s\nlxc.hook.stop = %1$s\n"
                     "lxc.hook.post-stop = %1$s\n", hook) < 0)
                return;
        if (define_script(n, "hooked.sh", "trap 'exit 0' INT\necho HOOKED-READY\n" LOOP_BODY, extra) < 0 ||
            start_quiet(n) < 0)
                return;
        size_t len;
        free(wait_console(n, "HOOKED-READY", 5000, &len));
        TAP_EQ_INT(berth_container_reboot(b, n, 10, &running), 0, "reboot(10) with hooks");
        TAP_OK(running, "… true");
        TAP_EQ_INT(berth_container_stop(b, n), 0, "stop with hooks");
        TAP_OK(read_full_file(hooklog, &text, NULL) >= 0, "hooks ran");
        TAP_EQ_STR(strempty(text),
                   "pre-start \nstart-host \nstop reboot\npost-stop reboot\npre-start \nstart-host \n"
                   "stop stop\npost-stop stop\n",
                   "hook order and LXC_TARGET over start, reboot, stop");
        (void) berth_container_undefine(b, n);

        snprintf(n, sizeof n, "prefail-%d", (int) getpid());
        if (define_script(n, "hooked.sh", "echo NEVER\n" LOOP_BODY,
                          "lxc.hook.pre-start = /bin/sh -c 'echo no-disk-today; exit 3'\n") < 0)
                return;
        r = berth_container_start(b, n, &err);
        TAP_OK(r < 0, "a failing pre-start hook aborts the start (%d)", r);
        TAP_OK(err && strstr(err, "no-disk-today") && strstr(err, "pre-start"),
               "… the error has the hook's output (%s)", strna(err));
        _cleanup_free_ char *rundir = run_dir_of(n);
        TAP_OK(rundir && !path_exists(rundir), "… and nothing is left running");
        (void) berth_container_undefine(b, n);
}

static void test_definitions(void) {
        _cleanup_free_ char *text = NULL;
        char **names = NULL;
        int n;

        TAP_EQ_INT(berth_container_get_config_text(b, name, &text), 0, "config text readable");
        TAP_OK(text && strstr(text, "lxc.console.buffer.size = 64K"), "stored as written");
        n = berth_container_list(b, &names);
        TAP_EQ_INT(n, 1, "one container listed");
        TAP_OK(names && names[0] && streq(names[0], name), "list names it");
        for (char **s = names; s && *s; s++)
                free(*s);
        free(names);
        TAP_EQ_INT(berth_container_undefine(b, name), 0, "undefine");
        TAP_OK(!berth_container_exists(b, name), "gone after undefine");
        TAP_EQ_INT(berth_container_undefine(b, name), -ENOENT, "undefine unknown: -ENOENT");
}

int main(void) {
        if (!itest_can_run())
                return 0;
        if (!mkdtemp(root)) {
                printf("Bail out! mkdtemp: %m\n");
                return 1;
        }
        snprintf(name, sizeof name, "capi-%d", (int) getpid());
        snprintf(wrap, sizeof wrap, "wrap-%d", (int) getpid());
        snprintf(bad, sizeof bad, "bad-%d", (int) getpid());
        snprintf(noinit, sizeof noinit, "noinit-%d", (int) getpid());
        snprintf(noring, sizeof noring, "noring-%d", (int) getpid());

        if (berth_new(root, &b) < 0) {
                printf("Bail out! berth_new\n");
                return 1;
        }
        TAP_DIAG("root %s, monitor %s", root, berth_get_monitor_path(b));

        test_lifecycle();
        test_wraparound();
        test_bad_config();
        test_missing_init();
        test_no_ring();
        test_fd_leaks();
        test_reboot();
        test_reboot_inits();
        test_shutdown_freeze();
        test_lifecycle_fixes();
        test_hooks();
        test_definitions();

        /* Whatever a failed check left running. */
        const char *const all[] = { name, wrap, noinit, noring };
        for (size_t i = 0; i < ELEMENTSOF(all); i++)
                (void) berth_container_stop(b, all[i]);
        if (tap_failed)
                TAP_DIAG("keeping %s for inspection", root);
        else
                (void) rm_rf(root);
        b = berth_unref(b);
        return tap_done();
}
