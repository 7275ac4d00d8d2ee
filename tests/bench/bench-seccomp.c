/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Seccomp notifications (issue 5): the round trip of a notified syscall, seen from inside the process that
 * makes it (tests/bench/seccomp-loop.c times each mknodat() with CLOCK_MONOTONIC), answered three ways:
 *   - bare kernel: a child of this benchmark under the same profile (seccomp_profile_load(), the filter
 *     berth gives a container), its listener answered here directly with SECCOMP_IOCTL_NOTIF_RECV/SEND;
 *   - via the fd: a berth container (C API) with the profile; the monitor receives, sends
 *     SeccompNotification on its private bus to us (SeccompSubscribe, lib/monitor/README.md) and we answer
 *     with SECCOMP_IOCTL_NOTIF_SEND on the listener from SeccompNotifyFd (rounds paced, see fd_pace());
 *   - via D-Bus: a berth container of a berthd on a private dbus-daemon; SubscribeSeccomp, then
 *     SeccompRespond for every SeccompNotification signal (sent asynchronously, as an event-loop client
 *     would: the next notification is not held up by the reply to the previous answer).
 * Every answer is "success, return 0"; a call that returns anything else (e.g. berth's default answer
 * after its timeout) is an error. Rounds of N calls per path are interleaved so that drift of the machine
 * hits all alike. Medians and the targets (via D-Bus <= 1 ms, via the fd <= 1.5x the bare kernel) are
 * printed; a missed target is reported, never a failure (exit 0). A path that cannot be set up is skipped
 * with the reason, one failing later is dropped with it; exit 77 when not root, without seccomp user
 * notification, when no berth path works, or on any other error (the reason is printed).
 *
 * Everything happens in a new mount + network namespace and a temp directory, all removed at the end.
 *
 * usage: bench-seccomp --seccomp-loop PATH [--berthd PATH] [--rounds R (20)] [--calls N (50)]
 *        ($BERTH_BENCH_RUNS = rounds, $BERTH_MONITOR) */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <systemd/sd-bus.h>
#include <time.h>
#include <unistd.h>

#include "bench-util.h"
#include "berth.h"
#include "seccomp/seccomp-load.h"
#include "seccomp/seccomp-notify.h"
#include "seccomp/seccomp-profile.h"
#include "util/fd-util.h"
#include "util/fileio.h"
#include "util/macro.h"

#define TARGET_DBUS_MS 1.0
#define TARGET_FD_RATIO 1.5
#define TIMEOUT_USEC (10ULL * 1000 * 1000)
#define FAILED (UINT64_C(1) << 63)
/* The default-answer timeout asked of the monitor for the fd path, and how long an fd-answered notification
 * stays pending there (see fd_pace()). */
#define FD_TIMEOUT_MS 1000U
#define FD_PENDING_USEC ((FD_TIMEOUT_MS + 200ULL) * 1000)

#define MONITOR_PATH "/org/berth1/monitor"
#define MONITOR_INTERFACE "org.berth1.Monitor"
#define CONTAINER_INTERFACE "org.berth1.Container"

static const char profile_text[] = "2\ndenylist\nmknodat notify\n";

typedef struct Path Path;
struct Path {
        const char *label;
        bool ok;
        int cmd_fd, res_fd;               /* our ends of the loop's FIFOs (O_RDWR: never block on open) */
        int (*answer)(Path *p, long n);   /* answers n notifications, 0 or -errno with p->error set */
        char error[512];
        /* bare: the listener; fd: the listener from SeccompNotifyFd */
        int listener;
        pid_t child;
        /* fd and D-Bus: the connection the signals come on, answers counted by the callbacks */
        sd_bus *bus;
        char *object;                     /* D-Bus: the container's object path */
        long answered, replied;
        uint64_t *round_at;               /* fd: when each round started, for fd_pace() */
        long *round_n;
        size_t n_rounds;
        double *us;
        size_t n;
};

static int arg_rounds = 20;
static long arg_calls = 50;
static const char *arg_berthd = NULL, *arg_loop = NULL;

static char tmpdir[] = "/tmp/berth-bench-seccomp.XXXXXX";
static char *profile_path;
static char name_fd[64], name_dbus[64];
static pid_t dbus_pid = 0, berthd_pid = 0;

static uint64_t now_usec(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

static int path_fail(Path *p, int r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int path_fail(Path *p, int r, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(p->error, sizeof p->error, fmt, ap);
        va_end(ap);
        return r < 0 ? r : -EIO;
}

/* mkfifo dir/cmd and dir/res, open both O_RDWR (so neither side waits for the other to open). */
static int path_open_fifos(Path *p, const char *dir) {
        _cleanup_free_ char *cmd = NULL, *res = NULL;

        if (asprintf(&cmd, "%s/cmd", dir) < 0 || asprintf(&res, "%s/res", dir) < 0)
                return -ENOMEM;
        if (mkdir_p(dir, 0755) < 0 || mkfifo(cmd, 0600) < 0 || mkfifo(res, 0600) < 0)
                return path_fail(p, -errno, "mkfifo in %s: %m", dir);
        p->cmd_fd = open(cmd, O_RDWR | O_CLOEXEC);
        p->res_fd = open(res, O_RDWR | O_CLOEXEC);
        if (p->cmd_fd < 0 || p->res_fd < 0)
                return path_fail(p, -errno, "open %s: %m", dir);
        return 0;
}

static int wait_readable(int fd, uint64_t usec) {
        struct pollfd pfd = { .fd = fd, .events = POLLIN };
        int r = poll(&pfd, 1, (int) (usec / 1000));
        if (r < 0)
                return -errno;
        return r == 0 ? -ETIMEDOUT : 0;
}

/* The monitor cannot see an answer given on the fd: it keeps such a notification pending until its
 * default-answer deadline (then the kernel says ENOENT), and answers what arrives while
 * SECCOMP_NOTIFY_MAX_PENDING_DEFAULT are pending with the default (ENOSYS) at once, without a signal. So
 * the fd path is paced: a round starts only when it cannot push the pending ones over that limit. The
 * pause is outside the measured calls; the limit itself is reported in the output. */
static void fd_pace(Path *p, long n) {
        for (;;) {
                uint64_t t = now_usec(), oldest = UINT64_MAX;
                long pending = 0;
                for (size_t i = 0; i < p->n_rounds; i++)
                        if (p->round_at[i] + FD_PENDING_USEC > t) {
                                pending += p->round_n[i];
                                oldest = MIN(oldest, p->round_at[i]);
                        }
                if (pending == 0 || pending + n <= (long) SECCOMP_NOTIFY_MAX_PENDING_DEFAULT) {
                        p->round_at[p->n_rounds] = t;
                        p->round_n[p->n_rounds++] = n;
                        return;
                }
                usleep((useconds_t) (oldest + FD_PENDING_USEC - t));
        }
}

/* One round: ask the loop for n calls, answer them, collect its timings. */
static int path_round(Path *p, long n, bool record) {
        char line[32];
        int r;

        if (p->round_at)
                fd_pace(p, n);
        r = snprintf(line, sizeof line, "%ld\n", n);
        if (loop_write(p->cmd_fd, line, r) < 0)
                return path_fail(p, -errno, "writing the command: %m");
        r = p->answer(p, n);
        if (r < 0)
                return r;

        uint64_t *t = calloc(n, sizeof *t);
        if (!t)
                return -ENOMEM;
        size_t got = 0;
        while (got < n * sizeof *t) {
                r = wait_readable(p->res_fd, TIMEOUT_USEC);
                ssize_t k = r < 0 ? r : read(p->res_fd, (char *) t + got, n * sizeof *t - got);
                if (k <= 0) {
                        free(t);
                        return path_fail(p, k < 0 ? (int) k : -EIO, "no timings from seccomp-loop: %s",
                                         k < 0 ? strerror((int) -k) : "EOF");
                }
                got += k;
        }
        for (long i = 0; i < n; i++) {
                if (t[i] & FAILED) {
                        int e = (int) (t[i] & ~FAILED);
                        free(t);
                        return path_fail(p, -EIO, "call %ld of %ld in the loop returned %s instead of our answer 0%s",
                                         i, n, strerror(e),
                                         e == ENOSYS ? " (berth's default answer: no SeccompNotification "
                                                       "reached us in time, or too many were pending)" : "");
                }
                if (record)
                        p->us[p->n++] = t[i] / 1e3;
        }
        free(t);
        return 0;
}

/* ---- bare kernel ---- */

static int answer_listener(int listener, uint64_t id) {
        struct seccomp_notif_resp resp = { .id = id };   /* error 0, val 0: the syscall returns 0 */
        return RET_NERRNO(ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp));
}

static int bare_answer(Path *p, long n) {
        for (long i = 0; i < n; i++) {
                struct seccomp_notif req = {};  /* the kernel wants it zeroed */
                int r = wait_readable(p->listener, TIMEOUT_USEC);
                if (r < 0 || ioctl(p->listener, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0)
                        return path_fail(p, r < 0 ? r : -errno, "SECCOMP_IOCTL_NOTIF_RECV: %s",
                                         strerror(r < 0 ? -r : errno));
                r = answer_listener(p->listener, req.id);
                if (r < 0)
                        return path_fail(p, r, "SECCOMP_IOCTL_NOTIF_SEND: %s", strerror(-r));
        }
        return 0;
}

/* The child loads the profile as berth's container init does, hands the listener over, runs the loop. */
static int bare_setup(Path *p) {
        _cleanup_free_ char *dir = NULL, *cmd = NULL, *res = NULL, *log = NULL;
        _cleanup_close_pair_ int sk[2] = { -EBADF, -EBADF };
        int r;

        if (asprintf(&dir, "%s/bare", tmpdir) < 0 || asprintf(&cmd, "%s/cmd", dir) < 0 ||
            asprintf(&res, "%s/res", dir) < 0 || asprintf(&log, "%s/bare.log", tmpdir) < 0)
                return -ENOMEM;
        r = path_open_fifos(p, dir);
        if (r < 0)
                return r;
        if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sk) < 0)
                return path_fail(p, -errno, "socketpair: %m");

        p->child = fork();
        if (p->child < 0)
                return path_fail(p, -errno, "fork: %m");
        if (p->child == 0) {
                _cleanup_seccomp_profile_free_ SeccompProfile *profile = NULL;
                _cleanup_free_ char *err = NULL;
                int out = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600), fd = -EBADF;

                if (out < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
                        _exit(126);
                r = seccomp_profile_parse_file(profile_path, &profile, &err);
                if (r >= 0)
                        r = seccomp_profile_load(profile, true, &fd, &err);
                if (r >= 0 && fd < 0)
                        r = -EBADF, err = strdup("no listener");
                if (r < 0) {
                        fprintf(stderr, "loading the profile: %s\n", err ?: strerror(-r));
                        _exit(1);
                }
                char buf[CMSG_SPACE(sizeof(int))] = {};
                struct iovec iov = { .iov_base = (char[]) { 'x' }, .iov_len = 1 };
                struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = buf,
                                     .msg_controllen = sizeof buf };
                struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
                *c = (struct cmsghdr) { .cmsg_len = CMSG_LEN(sizeof(int)), .cmsg_level = SOL_SOCKET,
                                        .cmsg_type = SCM_RIGHTS };
                memcpy(CMSG_DATA(c), &fd, sizeof fd);
                if (sendmsg(sk[1], &mh, MSG_NOSIGNAL) < 0) {
                        fprintf(stderr, "sendmsg: %m\n");
                        _exit(1);
                }
                safe_close(fd);
                execl(arg_loop, arg_loop, cmd, res, (char *) NULL);
                fprintf(stderr, "exec %s: %m\n", arg_loop);
                _exit(127);
        }
        sk[1] = safe_close(sk[1]);

        char buf[CMSG_SPACE(sizeof(int))] = {}, x;
        struct iovec iov = { .iov_base = &x, .iov_len = 1 };
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = buf, .msg_controllen = sizeof buf };
        r = wait_readable(sk[0], TIMEOUT_USEC);
        if (r < 0 || recvmsg(sk[0], &mh, MSG_CMSG_CLOEXEC) <= 0 || !CMSG_FIRSTHDR(&mh)) {
                _cleanup_free_ char *text = NULL;
                (void) read_full_file(log, &text, NULL);
                return path_fail(p, -EIO, "the child did not hand over a listener: %s",
                                 text ? text : "no message");
        }
        memcpy(&p->listener, CMSG_DATA(CMSG_FIRSTHDR(&mh)), sizeof(int));
        p->answer = bare_answer;
        return 0;
}

/* ---- via the fd (monitor bus + SECCOMP_IOCTL_NOTIF_SEND) and via D-Bus (berthd) ---- */

static int on_notification_fd(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Path *p = userdata;
        uint64_t id;
        int r;

        r = sd_bus_message_read(m, "t", &id);
        if (r >= 0)
                r = answer_listener(p->listener, id);
        if (r < 0)
                (void) path_fail(p, r, "answering notification: %s", strerror(-r));
        else
                p->answered++;
        return 0;
}

static int on_respond_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Path *p = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(m);

        if (e)
                (void) path_fail(p, -EIO, "SeccompRespond: %s: %s", e->name, e->message);
        p->replied++;
        return 0;
}

static int on_notification_dbus(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Path *p = userdata;
        uint64_t id;
        int r;

        r = sd_bus_message_read(m, "t", &id);
        if (r >= 0)
                r = sd_bus_call_method_async(p->bus, NULL, "org.berth1", p->object, CONTAINER_INTERFACE,
                                             "SeccompRespond", on_respond_reply, p, "tixua{sv}", id, 0,
                                             (int64_t) 0, 0u, 0);
        if (r < 0)
                (void) path_fail(p, r, "sending SeccompRespond: %s", strerror(-r));
        else
                p->answered++;
        return 0;
}

/* Run the connection until n notifications are answered (and, on D-Bus, n replies came back). */
static int bus_answer(Path *p, long n) {
        long answered = p->answered + n, replied = p->replied + (p->listener < 0 ? n : 0);
        uint64_t deadline = now_usec() + TIMEOUT_USEC;

        p->error[0] = 0;
        while (p->answered < answered || p->replied < replied) {
                int r = sd_bus_process(p->bus, NULL);
                if (r < 0)
                        return path_fail(p, r, "the bus connection failed: %s", strerror(-r));
                if (p->error[0])
                        return -EIO;
                if (r > 0)
                        continue;
                /* The loop has written its timings: all its calls returned, some without our answer
                 * (path_round() says which and how). */
                if (wait_readable(p->res_fd, 0) == 0)
                        return 0;
                uint64_t t = now_usec();
                if (t >= deadline)
                        return path_fail(p, -ETIMEDOUT, "no SeccompNotification within 10 s (%ld of %ld answered)",
                                         n - (answered - p->answered), n);
                r = sd_bus_wait(p->bus, MIN(deadline - t, 100000ULL));
                if (r < 0)
                        return path_fail(p, r, "sd_bus_wait: %s", strerror(-r));
        }
        return 0;
}

static char *container_config(const char *name, const char *rootfs) {
        char *s;
        if (asprintf(&s,
                     "lxc.uts.name = %s\n"
                     "lxc.rootfs.path = %s\n"
                     "lxc.net.0.type = empty\n"
                     "lxc.mount.auto = proc sys\n"
                     "lxc.autodev = 1\n"
                     "lxc.seccomp.profile = %s\n"
                     "lxc.init.cmd = /bench/seccomp-loop /bench/cmd /bench/res\n",
                     name, rootfs, profile_path) < 0)
                return NULL;
        return s;
}

/* The busybox template with the loop and its FIFOs in /bench. */
static int make_rootfs(Path *p, const char *rootfs) {
        _cleanup_free_ char *err = NULL, *dir = NULL, *bin = NULL, *text = NULL;
        size_t size;
        int r;

        r = berth_template_busybox(rootfs, &err);
        if (r < 0)
                return path_fail(p, r, "busybox template: %s", err ?: strerror(-r));
        if (asprintf(&dir, "%s/bench", rootfs) < 0 || asprintf(&bin, "%s/seccomp-loop", dir) < 0)
                return -ENOMEM;
        r = path_open_fifos(p, dir);
        if (r < 0)
                return r;
        r = read_full_file(arg_loop, &text, &size);
        if (r >= 0)
                r = write_file_atomic(bin, text, size, 0755);
        if (r < 0)
                return path_fail(p, r, "copying %s into the rootfs: %s", arg_loop, strerror(-r));
        return 0;
}

static int fd_setup(Path *p, berth **b) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_free_ char *rootfs = NULL, *root = NULL, *config = NULL, *err = NULL;
        int r, fd;

        if (asprintf(&rootfs, "%s/rootfs-fd", tmpdir) < 0 || asprintf(&root, "%s/capi", tmpdir) < 0)
                return -ENOMEM;
        r = make_rootfs(p, rootfs);
        if (r < 0)
                return r;
        r = berth_new(root, b);
        if (r < 0)
                return path_fail(p, r, "berth_new: %s", strerror(-r));
        if (!(config = container_config(name_fd, rootfs)))
                return -ENOMEM;
        r = berth_container_define(*b, name_fd, config, 0, &err);
        if (r < 0)
                return path_fail(p, r, "berth_container_define: %s", err ?: strerror(-r));
        err = mfree(err);
        r = berth_container_start(*b, name_fd, &err);
        if (r < 0)
                return path_fail(p, r, "berth_container_start: %s", err ?: strerror(-r));
        r = berth_monitor_open(*b, name_fd, &p->bus);
        if (r < 0)
                return path_fail(p, r, "berth_monitor_open: %s", strerror(-r));
        r = sd_bus_match_signal(p->bus, NULL, NULL, MONITOR_PATH, MONITOR_INTERFACE, "SeccompNotification",
                                on_notification_fd, p);
        if (r < 0)
                return path_fail(p, r, "sd_bus_match_signal: %s", strerror(-r));
        r = sd_bus_call_method(p->bus, NULL, MONITOR_PATH, MONITOR_INTERFACE, "SeccompSubscribe", &error, NULL,
                               "a{sv}", 1, "timeout_ms", "u", FD_TIMEOUT_MS);
        if (r < 0)
                return path_fail(p, r, "SeccompSubscribe: %s", error.message ?: strerror(-r));
        r = sd_bus_call_method(p->bus, NULL, MONITOR_PATH, MONITOR_INTERFACE, "SeccompNotifyFd", &error, &reply,
                               "a{sv}", 0);
        if (r >= 0)
                r = sd_bus_message_read(reply, "h", &fd);
        if (r < 0)
                return path_fail(p, r, "SeccompNotifyFd: %s", error.message ?: strerror(-r));
        p->listener = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        if (p->listener < 0)
                return path_fail(p, -errno, "dup: %m");
        p->answer = bus_answer;
        return 0;
}

/* A private dbus-daemon and berthd in our namespaces (never the host's: we create containers). */
static int start_private_berthd(Path *p, sd_bus **ret) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_free_ char *log = NULL, *root = NULL;
        int r;

        if (!arg_berthd || access(arg_berthd, X_OK) < 0)
                return path_fail(p, -ENOENT, "berthd not built (--berthd)");
        if (access("/usr/bin/dbus-daemon", X_OK) < 0)
                return path_fail(p, -ENOENT, "/usr/bin/dbus-daemon not found (Debian package dbus-daemon)");
        if (asprintf(&log, "%s/berthd.log", tmpdir) < 0 || asprintf(&root, "%s/berthd", tmpdir) < 0)
                return -ENOMEM;
        r = bench_start_dbus_daemon(log, &dbus_pid);
        if (r < 0 && dbus_pid < 0)
                return path_fail(p, r, "fork: %s", strerror(-r));
        if (r == -EIO)
                return path_fail(p, -EIO, "dbus-daemon printed no address");
        if (r < 0)
                return r;

        char *berthd_argv[] = { (char *) arg_berthd, "--root", root, NULL };
        berthd_pid = bench_spawn(berthd_argv, -1, log);
        if (berthd_pid < 0)
                return path_fail(p, berthd_pid, "fork: %s", strerror(-berthd_pid));

        r = sd_bus_open_system(&bus);
        if (r < 0)
                return path_fail(p, r, "connecting to the private bus: %s", strerror(-r));
        for (int i = 0; i < 500; i++) {
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
                int has = 0;
                r = sd_bus_call_method(bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "NameHasOwner", NULL, &reply, "s", "org.berth1");
                if (r >= 0 && sd_bus_message_read(reply, "b", &has) >= 0 && has) {
                        *ret = TAKE_PTR(bus);
                        return 0;
                }
                if (waitpid(berthd_pid, NULL, WNOHANG) == berthd_pid) {
                        berthd_pid = 0;
                        break;
                }
                usleep(20 * 1000);
        }
        printf("# berthd did not appear on the private bus; its log:\n");
        bench_show_file(log, "#   ");
        return path_fail(p, -ETIMEDOUT, "berthd did not appear on the private bus");
}

static int dbus_setup(Path *p) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_free_ char *rootfs = NULL, *config = NULL;
        const char *object;
        int r;

        p->listener = -EBADF; /* answers go over the bus */
        if (asprintf(&rootfs, "%s/rootfs-dbus", tmpdir) < 0)
                return -ENOMEM;
        r = make_rootfs(p, rootfs);
        if (r < 0)
                return r;
        r = start_private_berthd(p, &p->bus);
        if (r < 0)
                return r;
        if (!(config = container_config(name_dbus, rootfs)))
                return -ENOMEM;
        r = sd_bus_call_method(p->bus, "org.berth1", "/org/berth1", "org.berth1.Manager", "CreateContainer", &error,
                               &reply, "ssa{sv}", name_dbus, config, 0);
        if (r >= 0)
                r = sd_bus_message_read(reply, "o", &object);
        if (r < 0)
                return path_fail(p, r, "CreateContainer: %s", error.message ?: strerror(-r));
        p->object = strdup(object);
        if (!p->object)
                return -ENOMEM;
        r = sd_bus_call_method(p->bus, "org.berth1", p->object, CONTAINER_INTERFACE, "Start", &error, NULL,
                               "a{sv}", 0);
        if (r < 0)
                return path_fail(p, r, "Start: %s", error.message ?: strerror(-r));
        r = sd_bus_match_signal(p->bus, NULL, "org.berth1", p->object, CONTAINER_INTERFACE,
                                "SeccompNotification", on_notification_dbus, p);
        if (r < 0)
                return path_fail(p, r, "AddMatch: %s", strerror(-r));
        r = sd_bus_call_method(p->bus, "org.berth1", p->object, CONTAINER_INTERFACE, "SubscribeSeccomp", &error,
                               NULL, "a{sv}", 0);
        if (r < 0)
                return path_fail(p, r, "SubscribeSeccomp: %s", error.message ?: strerror(-r));
        p->answer = bus_answer;
        return 0;
}

static void dbus_teardown(Path *p) {
        if (!p->bus)
                return;
        if (p->object) {
                (void) sd_bus_call_method(p->bus, "org.berth1", p->object, CONTAINER_INTERFACE, "Stop", NULL, NULL,
                                          "a{sv}", 0);
                (void) sd_bus_call_method(p->bus, "org.berth1", "/org/berth1", "org.berth1.Manager",
                                          "DestroyContainer", NULL, NULL, "sa{sv}", name_dbus, 0);
        }
        p->bus = sd_bus_flush_close_unref(p->bus);
}

/* ---- main ---- */

static int parse_argv(int argc, char *argv[]) {
        static const struct option options[] = {
                { "rounds",       required_argument, NULL, 'r' },
                { "calls",        required_argument, NULL, 'c' },
                { "berthd",       required_argument, NULL, 'd' },
                { "seccomp-loop", required_argument, NULL, 'l' },
                {}
        };
        int c;

        if (getenv("BERTH_BENCH_RUNS"))
                arg_rounds = atoi(getenv("BERTH_BENCH_RUNS"));
        while ((c = getopt_long(argc, argv, "", options, NULL)) >= 0)
                switch (c) {
                case 'r':
                        arg_rounds = atoi(optarg);
                        break;
                case 'c':
                        arg_calls = atol(optarg);
                        break;
                case 'd':
                        arg_berthd = optarg;
                        break;
                case 'l':
                        arg_loop = optarg;
                        break;
                default:
                        return -EINVAL;
                }
        if (arg_rounds < 1 || arg_rounds > 10000 || arg_calls < 1 || arg_calls > 100000 || !arg_loop)
                return -EINVAL;
        return 0;
}

static void path_print(const Path *p) {
        if (p->n == 0)
                return;
        printf("%-44s %8.1f %8.1f %8.1f %8.1f\n", p->label, bench_quantile(p->us, p->n, 0.5),
               bench_quantile(p->us, p->n, 0), bench_quantile(p->us, p->n, 0.9), bench_quantile(p->us, p->n, 0.99));
}

int main(int argc, char *argv[]) {
#define PATH_INIT(l) { .label = (l), .cmd_fd = -EBADF, .res_fd = -EBADF, .listener = -EBADF }
        Path bare = PATH_INIT("bare kernel (listener answered directly)"),
             fd = PATH_INIT("berth via the fd (SeccompNotifyFd)"),
             dbus = PATH_INIT("berth via D-Bus (berthd SeccompRespond)");
        Path *paths[] = { &bare, &fd, &dbus };
        berth *b = NULL;
        int r, ret = 77; /* any error below skips, saying why */

        setvbuf(stdout, NULL, _IOLBF, 0);
        if (parse_argv(argc, argv) < 0) {
                fprintf(stderr, "usage: bench-seccomp --seccomp-loop PATH [--berthd PATH] [--rounds R] [--calls N]\n");
                return 2;
        }
        if (geteuid() != 0) {
                printf("# SKIP: the seccomp benchmark needs root (namespaces, cgroups, real containers)\n");
                return 77;
        }
        if (!seccomp_notify_supported()) {
                printf("# SKIP: no seccomp user notification here (kernel, libseccomp API level 5, or valgrind)\n");
                return 77;
        }
        if (access(arg_loop, X_OK) < 0) {
                printf("# SKIP: %s: %m\n", arg_loop);
                return 77;
        }
        /* Own mount and network namespace: nothing we mount or configure is seen by the host. */
        if (!bench_enter_namespaces())
                return 77;
        if (!mkdtemp(tmpdir) || chmod(tmpdir, 0755) < 0) {
                printf("# SKIP mkdtemp: %m\n");
                return 77;
        }
        if (asprintf(&profile_path, "%s/notify.seccomp", tmpdir) < 0 ||
            write_file_atomic(profile_path, profile_text, strlen(profile_text), 0644) < 0) {
                printf("# SKIP: cannot write the seccomp profile into %s\n", tmpdir);
                goto finish;
        }
        snprintf(name_fd, sizeof name_fd, "bseccomp-fd-%d", (int) getpid());
        snprintf(name_dbus, sizeof name_dbus, "bseccomp-dbus-%d", (int) getpid());

        struct utsname u;
        (void) uname(&u);
        printf("# berth seccomp-notify benchmark: mknodat() under a `mknodat notify` profile, timed inside the caller; "
               "%d interleaved rounds of %ld calls per path; kernel %s\n",
               arg_rounds, arg_calls, u.release);

        for (size_t i = 0; i < ELEMENTSOF(paths); i++) {
                paths[i]->us = calloc((size_t) arg_rounds * arg_calls, sizeof(double));
                if (!paths[i]->us)
                        goto finish;
        }
        /* + the warm-up round */
        fd.round_at = calloc(arg_rounds + 1, sizeof(uint64_t));
        fd.round_n = calloc(arg_rounds + 1, sizeof(long));
        if (!fd.round_at || !fd.round_n)
                goto finish;
        for (size_t i = 0; i < ELEMENTSOF(paths); i++) {
                Path *p = paths[i];
                r = p == &bare ? bare_setup(p) : p == &fd ? fd_setup(p, &b) : dbus_setup(p);
                /* A warm-up round, not recorded: proves the path works. */
                if (r >= 0 && p->answer)
                        r = path_round(p, arg_calls, false);
                p->ok = r >= 0 && p->answer;
                if (!p->ok)
                        printf("# SKIP %s: %s\n", p->label, p->error[0] ? p->error : strerror(-r));
        }
        if (!fd.ok && !dbus.ok) {
                printf("# SKIP: no berth path could be measured (see above)\n");
                ret = 77;
                goto finish;
        }

        for (int round = 0; round < arg_rounds; round++)
                for (size_t i = 0; i < ELEMENTSOF(paths); i++) {
                        Path *p = paths[i];
                        if (!p->ok)
                                continue;
                        r = path_round(p, arg_calls, true);
                        if (r < 0) {
                                printf("# %s failed in round %d, dropping it: %s\n", p->label, round, p->error);
                                p->ok = false;
                        }
                }

        printf("#\n# %-42s %8s %8s %8s %8s\n", "notified syscall round trip, us", "median", "min", "p90", "p99");
        for (size_t i = 0; i < ELEMENTSOF(paths); i++)
                path_print(paths[i]);
        printf("#\n");

        double m_bare = bench_quantile(bare.us, bare.n, 0.5), m_fd = bench_quantile(fd.us, fd.n, 0.5),
               m_dbus = bench_quantile(dbus.us, dbus.n, 0.5);
        if (dbus.n > 0)
                printf("via D-Bus median: %.3f ms  (target <= %.1f ms: %s)\n", m_dbus / 1e3, TARGET_DBUS_MS,
                       m_dbus / 1e3 <= TARGET_DBUS_MS ? "met" : "MISSED");
        else
                printf("via D-Bus: n/a (not measured, see the SKIP line above)\n");
        if (fd.n > 0 && bare.n > 0)
                printf("ratio via the fd / bare kernel: %5.2f  (target <= %.1f: %s)\n", m_fd / m_bare, TARGET_FD_RATIO,
                       m_fd / m_bare <= TARGET_FD_RATIO ? "met" : "MISSED");
        else
                printf("ratio via the fd / bare kernel: n/a (not measured, see the SKIP line above)\n");
        if (fd.n > 0)
                printf("# note: the fd path was paced (at most %u notifications answered on the fd within the "
                       "monitor's default-answer timeout, set to %u ms): the monitor cannot see answers given on "
                       "the fd, keeps them pending until that deadline and answers anything beyond %u pending "
                       "with the default at once\n",
                       SECCOMP_NOTIFY_MAX_PENDING_DEFAULT, FD_TIMEOUT_MS, SECCOMP_NOTIFY_MAX_PENDING_DEFAULT);
        if (dbus.n > 0 && bare.n > 0)
                printf("# ratio via D-Bus / bare kernel: %.2f (no target)\n", m_dbus / m_bare);

        ret = EXIT_SUCCESS;
finish:
        /* Remove everything, whatever failed above. */
        if (bare.child > 0) {
                (void) kill(bare.child, SIGKILL);
                (void) waitpid(bare.child, NULL, 0);
        }
        if (fd.bus)
                fd.bus = sd_bus_flush_close_unref(fd.bus);
        if (b) {
                (void) berth_container_stop(b, name_fd);
                (void) berth_container_undefine(b, name_fd);
        }
        berth_unref(b);
        dbus_teardown(&dbus);
        bench_kill_and_wait(&berthd_pid);
        bench_kill_and_wait(&dbus_pid);
        for (size_t i = 0; i < ELEMENTSOF(paths); i++) {
                safe_close(paths[i]->cmd_fd);
                safe_close(paths[i]->res_fd);
                safe_close(paths[i]->listener);
                free(paths[i]->us);
                free(paths[i]->object);
                free(paths[i]->round_at);
                free(paths[i]->round_n);
        }
        (void) rm_rf(tmpdir);
        free(profile_path);
        return ret;
}
