/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The C API of issues 3 and 4 against a real container and its detached berth-monitor:
 * berth_console_open() (a command written to the fd runs in the container and its output comes back, the
 * ring buffer keeps recording, two clients at once, a stop hangs the client up) and
 * berth_container_mount()/berth_container_umount() (a bind seen in /proc/<init>/mountinfo, then gone;
 * errors with messages). Root; meson runs it under `unshare -m -n --propagation private`. */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-bus.h>

#include "berth.h"
#include "itest-util.h"
#include "mount/mount-inject.h"
#include "tests/unit/tap.h"
#include "util/fd-util.h"
#include "util/fileio.h"
#include "util/macro.h"

static char root[] = "/tmp/berth-capi-attach-XXXXXX";
static berth *b;
static char name[64];

static void sleep_ms(unsigned ms) {
        (void) nanosleep(&(struct timespec) { .tv_sec = ms / 1000, .tv_nsec = (long) (ms % 1000) * 1000000L },
                         NULL);
}

static bool console_log_has(const char *needle, unsigned timeout_ms) {
        for (unsigned t = 0;; t += 50) {
                void *data = NULL;
                size_t len = 0;
                bool found = false;
                if (berth_console_log_read(b, name, 0, 0, &data, &len) >= 0)
                        found = memmem(data, len, needle, strlen(needle)) != NULL;
                free(data);
                if (found)
                        return true;
                if (t >= timeout_ms)
                        return false;
                sleep_ms(50);
        }
}

/* Read from fd until needle shows up. Returns 1 found, 0 timeout, -errno (or -EPIPE for EOF/hang-up). */
static int read_until(int fd, const char *needle, unsigned timeout_ms) {
        char buf[8192];
        size_t len = 0;

        for (unsigned waited = 0; waited < timeout_ms; waited += 50) {
                struct pollfd p = { .fd = fd, .events = POLLIN };
                int k = poll(&p, 1, 50);
                if (k < 0)
                        return -errno;
                if (k == 0)
                        continue;
                if (!(p.revents & POLLIN))
                        return -EPIPE; /* POLLHUP without data */
                ssize_t n = read(fd, buf + len, sizeof buf - 1 - len);
                if (n < 0)
                        return errno == EIO ? -EPIPE : -errno;
                if (n == 0)
                        return -EPIPE;
                len += (size_t) n;
                buf[len] = 0;
                if (strstr(buf, needle))
                        return 1;
                if (len > sizeof buf / 2) { /* keep the tail, where a split needle may be */
                        memmove(buf, buf + len - 256, 256);
                        len = 256;
                }
        }
        return 0;
}

static bool in_mountinfo(pid_t pid, const char *target) {
        _cleanup_free_ char *path = NULL, *text = NULL, *needle = NULL;

        if (asprintf(&path, "/proc/%d/mountinfo", (int) pid) < 0 || asprintf(&needle, " %s ", target) < 0 ||
            read_full_file(path, &text, NULL) < 0)
                return false;
        /* field 5 is the mount point: "<id> <parent> <maj:min> <root> <mount point> <options> ..." */
        for (char *line = text, *next; line && *line; line = next) {
                next = strchr(line, '\n');
                if (next)
                        *next++ = 0;
                char *p = line;
                for (int field = 0; field < 4 && p; field++) {
                        p = strchr(p, ' ');
                        if (p)
                                p++;
                }
                if (p && startswith(p, needle + 1))
                        return true;
        }
        return false;
}

/* The number of fds the container's monitor (init's parent) has open, or -1. */
static int monitor_fd_count(pid_t init_pid) {
        _cleanup_free_ char *status = NULL, *fn = NULL, *dir = NULL;
        _cleanup_closedir_ DIR *d = NULL;
        int n = 0;

        if (asprintf(&fn, "/proc/%d/status", (int) init_pid) < 0 || read_full_file(fn, &status, NULL) < 0)
                return -1;
        const char *p = strstr(status, "\nPPid:");
        if (!p || asprintf(&dir, "/proc/%d/fd", atoi(p + 6)) < 0)
                return -1;
        d = opendir(dir);
        if (!d)
                return -1;
        for (struct dirent *de; (de = readdir(d));)
                if (de->d_name[0] != '.')
                        n++;
        return n;
}

static int start_container(pid_t *ret_pid) {
        _cleanup_free_ char *rootfs = NULL, *err = NULL, *script = NULL, *config = NULL;
        int r;

        if (asprintf(&config,
                     "lxc.uts.name = attach\n"
                     "lxc.console.buffer.size = 64K\n"
                     "lxc.signal.stop = SIGKILL\n"
                     "lxc.signal.reboot = SIGKILL\n" /* the shell in `read` would not see SIGINT */
                     "lxc.mount.auto = proc sys\n"
                     "lxc.net.0.type = empty\n"
                     "lxc.init.cmd = /bin/sh /cmdloop\n") < 0)
                return -ENOMEM;
        r = berth_container_define(b, name, config, 0, &err);
        TAP_EQ_INT(r, 0, "define %s (%s)", name, strna(err));
        if (r < 0)
                return r;
        err = mfree(err);
        TAP_EQ_INT(berth_container_default_rootfs(b, name, &rootfs), 0, "default rootfs path");
        r = berth_template_busybox(rootfs, &err);
        TAP_EQ_INT(r, 0, "busybox template (%s)", strna(err));
        if (r < 0)
                return r;
        err = mfree(err);
        /* init reads command lines from its console (stdin) and runs them */
        if (asprintf(&script, "%s/cmdloop", rootfs) < 0)
                return -ENOMEM;
        static const char loop[] = "export PATH=/bin:/sbin\necho ATTACH-READY\n"
                                   "while :; do if read -r line; then eval \"$line\"; else sleep 0.2; fi; done\n";
        r = write_file_atomic(script, loop, strlen(loop), 0755);
        TAP_EQ_INT(r, 0, "init script written");
        if (r < 0)
                return r;
        (void) mkdir_p(strjoina(rootfs, "/mnt"), 0755);

        r = berth_container_start(b, name, &err);
        TAP_EQ_INT(r, 0, "start %s (%s)", name, strna(err));
        if (r < 0)
                return r;
        TAP_EQ_INT(berth_container_get_state(b, name, NULL, ret_pid), 0, "init pid");
        TAP_OK(console_log_has("ATTACH-READY", 5000), "init reads its console");
        return 0;
}

static void test_console(pid_t pid) {
        _cleanup_close_ int fd = -EBADF, fd2 = -EBADF;
        char cmd[128], want[64], want2[64];
        unsigned tok = (unsigned) getpid() % 100000 + 1000;
        int fds_before = -1, fds_after = -1;

        /* The monitor drops our earlier bus connections when it sees them close: take the settled count. */
        for (unsigned t = 0; t < 300; t += 50) {
                int n = monitor_fd_count(pid);
                if (fds_before < 0 || (n >= 0 && n < fds_before))
                        fds_before = n;
                sleep_ms(50);
        }

        TAP_EQ_INT(berth_console_open(b, name, &fd), 0, "berth_console_open");
        if (fd < 0)
                return;
        TAP_OK(isatty(fd), "the fd is a terminal (a pty master)");
        TAP_OK(fcntl(fd, F_GETFD) & FD_CLOEXEC, "… close-on-exec");

        /* $((…)) so that the console's echo of the command line never matches by itself */
        snprintf(cmd, sizeof cmd, "echo capi-out-$((%u+1))\n", tok);
        snprintf(want, sizeof want, "capi-out-%u", tok + 1);
        TAP_OK(loop_write(fd, cmd, strlen(cmd)) >= 0, "write a command to the console");
        TAP_EQ_INT(read_until(fd, want, 5000), 1, "its output comes back on the fd (%s)", want);
        TAP_OK(console_log_has(want, 2000), "the ring buffer recorded it while attached");

        /* A second client sees output caused by the first, and vice versa. */
        TAP_EQ_INT(berth_console_open(b, name, &fd2), 0, "a second berth_console_open");
        if (fd2 >= 0) {
                snprintf(cmd, sizeof cmd, "echo capi-two-$((%u+2))\n", tok);
                snprintf(want2, sizeof want2, "capi-two-%u", tok + 2);
                TAP_OK(loop_write(fd2, cmd, strlen(cmd)) >= 0, "the second client writes a command");
                TAP_EQ_INT(read_until(fd2, want2, 5000), 1, "… the second client reads its output");
                TAP_EQ_INT(read_until(fd, want2, 5000), 1, "… the first client reads it too");
        }
        fd = safe_close(fd);
        fd2 = safe_close(fd2);
        /* The monitor drops a peer when it sees the client's hang-up: its fds go back to where they were. */
        for (unsigned t = 0; t < 3000; t += 50) {
                fds_after = monitor_fd_count(pid);
                if (fds_after <= fds_before)
                        break;
                sleep_ms(50);
        }
        TAP_OK(fds_before > 0 && fds_after >= 0 && fds_after <= fds_before,
               "the monitor's fds are back to %d after the clients left (%d)", fds_before, fds_after);

        berth_state state = _BERTH_STATE_MAX;
        TAP_EQ_INT(berth_container_get_state(b, name, &state, NULL), 0, "state after the clients left");
        TAP_EQ_STR(berth_state_to_string(state), "RUNNING", "the container keeps running");
}

static void test_mount(pid_t pid) {
        _cleanup_free_ char *src = NULL, *inner = NULL, *seen = NULL, *err = NULL, *missing = NULL;
        int r;

        TAP_EQ_INT(berth_has_api_extension("mount_injection"), mount_inject_supported(),
                   "mount_injection claimed iff the kernel has the new mount API");
        TAP_EQ_INT(berth_has_api_extension("mount_injection_file"), mount_inject_supported(),
                   "mount_injection_file likewise");
        if (!mount_inject_supported()) {
                TAP_SKIP("kernel lacks open_tree/move_mount/mount_setattr: no mount injection");
                return;
        }

        if (asprintf(&src, "%s/src", root) < 0 || asprintf(&inner, "%s/src/inner", root) < 0 ||
            asprintf(&seen, "/proc/%d/root/mnt/capi/inner", (int) pid) < 0 ||
            asprintf(&missing, "%s/no-such-source", root) < 0)
                return;
        TAP_EQ_INT(mkdir_p(src, 0755), 0, "host source directory");
        TAP_EQ_INT(write_file_atomic(inner, "capi-bind-content\n", strlen("capi-bind-content\n"), 0644), 0,
                   "host source file");

        r = berth_container_mount(b, name, src, "/mnt/capi", NULL, MS_BIND, NULL, false, &err);
        TAP_EQ_INT(r, 0, "berth_container_mount bind onto /mnt/capi (%s)", strna(err));
        err = mfree(err);
        TAP_OK(in_mountinfo(pid, "/mnt/capi"), "/mnt/capi is in /proc/%d/mountinfo", (int) pid);
        _cleanup_free_ char *content = NULL;
        TAP_EQ_INT(read_full_file(seen, &content, NULL), 0, "the file is visible inside");
        TAP_EQ_STR(content, "capi-bind-content\n", "… with the host's content");

        r = berth_container_umount(b, name, "/mnt/capi", 0, &err);
        TAP_EQ_INT(r, 0, "berth_container_umount /mnt/capi (%s)", strna(err));
        err = mfree(err);
        TAP_OK(!in_mountinfo(pid, "/mnt/capi"), "/mnt/capi is gone from mountinfo");
        TAP_OK(access(seen, F_OK) < 0, "the host content is no longer visible");

        r = berth_container_umount(b, name, "/etc", 0, &err);
        TAP_EQ_INT(r, -EINVAL, "umount of a non-mountpoint is -EINVAL");
        TAP_OK(err && strstr(err, "not a mount point"), "… saying so (%s)", strna(err));
        err = mfree(err);

        r = berth_container_mount(b, name, missing, "/mnt/never", "", MS_BIND, "", false, &err);
        TAP_EQ_INT(r, -ENOENT, "a missing source is -ENOENT");
        TAP_OK(err && strstr(err, "no-such-source"), "… the message names it (%s)", strna(err));
        err = mfree(err);

        r = berth_container_mount(b, name, "", "/mnt/tmp", "tmpfs", MS_NOSUID, "size=1m", false, &err);
        TAP_EQ_INT(r, 0, "a tmpfs with data (%s)", strna(err));
        err = mfree(err);
        TAP_OK(in_mountinfo(pid, "/mnt/tmp"), "/mnt/tmp is mounted");
        TAP_EQ_INT(berth_container_umount(b, name, "/mnt/tmp", MNT_DETACH, NULL), 0, "umount it (MNT_DETACH)");
        TAP_OK(!in_mountinfo(pid, "/mnt/tmp"), "/mnt/tmp is gone");
}

/* Reboot in place keeps the console pty: an attached client stays attached, sees the new init's output and
 * can talk to it. Through the monitor's Reboot (issue 3), skipped while the monitor lacks it. */
static void test_reboot_keeps_attached(void) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_close_ int fd = -EBADF;
        char cmd[128], want[64];
        pid_t before = 0, after = 0;
        int back = 0, r;

        TAP_EQ_INT(berth_console_open(b, name, &fd), 0, "attach before a reboot");
        TAP_EQ_INT(berth_container_get_state(b, name, NULL, &before), 0, "init pid before the reboot");
        TAP_EQ_INT(berth_monitor_open(b, name, &bus), 0, "monitor connection");
        if (fd < 0 || !bus)
                return;
        r = sd_bus_call_method(bus, NULL, "/org/berth1/monitor", "org.berth1.Monitor", "Reboot", &error, &reply,
                               "ia{sv}", 10, 0);
        if (sd_bus_error_has_name(&error, SD_BUS_ERROR_UNKNOWN_METHOD)) {
                TAP_SKIP("the monitor has no Reboot yet");
                return;
        }
        TAP_EQ_INT(r >= 0 ? sd_bus_message_read(reply, "b", &back) : r, 1, "Reboot(10) (%s)", strna(error.message));
        TAP_OK(back, "… the container came back");
        TAP_EQ_INT(berth_container_get_state(b, name, NULL, &after), 0, "init pid after the reboot");
        TAP_OK(after > 0 && after != before, "a new init (%d → %d)", (int) before, (int) after);

        TAP_EQ_INT(read_until(fd, "ATTACH-READY", 5000), 1, "the attached client sees the new init's output");
        snprintf(cmd, sizeof cmd, "echo capi-reboot-$((%d+3))\n", (int) after);
        snprintf(want, sizeof want, "capi-reboot-%d", (int) after + 3);
        TAP_OK(loop_write(fd, cmd, strlen(cmd)) >= 0, "… writes a command to it");
        TAP_EQ_INT(read_until(fd, want, 5000), 1, "… and reads its output (%s)", want);
}

/* Stop while attached: the client reads the hang-up; afterwards every call is -ENOTCONN. */
static void test_stop_while_attached(void) {
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *err = NULL;

        TAP_EQ_INT(berth_console_open(b, name, &fd), 0, "attach before stop");
        TAP_EQ_INT(berth_container_stop(b, name), 0, "stop while attached");
        if (fd >= 0)
                TAP_EQ_INT(read_until(fd, "never-printed", 5000), -EPIPE, "the client sees the hang-up");

        int fd2 = -EBADF;
        TAP_EQ_INT(berth_console_open(b, name, &fd2), -ENOTCONN, "console open when stopped: -ENOTCONN");
        TAP_EQ_INT(fd2, -EBADF, "… no fd returned");
        TAP_EQ_INT(berth_container_mount(b, name, "/tmp", "/mnt/x", NULL, MS_BIND, NULL, false, &err), -ENOTCONN,
                   "mount when stopped: -ENOTCONN");
        TAP_EQ_INT(berth_container_umount(b, name, "/mnt/x", 0, &err), -ENOTCONN, "umount when stopped: -ENOTCONN");
        TAP_EQ_INT(berth_console_open(b, "no/such", &fd2), -EINVAL, "an invalid name is -EINVAL");
}

int main(void) {
        pid_t pid = 0;

        if (!itest_can_run())
                return 0;
        if (!mkdtemp(root)) {
                printf("Bail out! mkdtemp: %m\n");
                return 1;
        }
        snprintf(name, sizeof name, "attach-%d", (int) getpid());
        if (berth_new(root, &b) < 0) {
                printf("Bail out! berth_new\n");
                return 1;
        }
        TAP_DIAG("root %s, monitor %s", root, berth_get_monitor_path(b));

        if (start_container(&pid) >= 0) {
                test_console(pid);
                test_mount(pid);
                test_reboot_keeps_attached();
                test_stop_while_attached();
        }

        (void) berth_container_stop(b, name);
        if (tap_failed)
                TAP_DIAG("keeping %s for inspection", root);
        else
                (void) rm_rf(root);
        b = berth_unref(b);
        return tap_done();
}
