/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lxc.seccomp.profile in real containers (spawn_container() against a busybox rootfs, issue 5): a
 * denylist and an allowlist profile decide what init's shell sees (mknod's errno on the console);
 * allow_nesting 0 vs 1 under an already-filtered starter, counted with Seccomp_filters: in
 * /proc/<init>/status; a notify profile hands a working listener back in SpawnResult.seccomp_notify_fd;
 * nested notify fails with a message naming the cause instead of hanging; a broken profile fails before
 * anything starts, naming its file and line. Root; meson runs it under `unshare -m -n`. */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "config/config.h"
#include "itest-util.h"
#include "seccomp/seccomp-load.h"
#include "seccomp/seccomp-notify.h"
#include "spawn/spawn.h"
#include "tests/unit/tap.h"
#include "util/fd-util.h"
#include "util/fileio.h"
#include "util/macro.h"
#include "util/pty-util.h"

static char tmpdir[] = "/tmp/berth-seccomp-XXXXXX";
static char rootfs[256];

/* Distinctive errnos, so a match cannot be mknod failing for a reason of its own. */
#define DENY_ERRNO 18           /* EXDEV  "Invalid cross-device link" */
#define ALLOWLIST_ERRNO 71      /* EPROTO "Protocol error" */
#define NOTIFY_ERRNO 77         /* EBADFD "File descriptor in bad state" */

static const char *tmp_path(const char *rel) {
        static char buf[4][512];
        static unsigned i;
        char *b = buf[i++ % 4];
        snprintf(b, 512, "%s/%s", tmpdir, rel);
        return b;
}

static int build_rootfs(void) {
        static const char *const dirs[] = { "bin", "proc", "sys", "dev", "tmp", NULL };
        static const char *const applets[] = { "sh", "cat", "echo", "mknod", "rm", "sleep", "grep", NULL };

        if (!mkdtemp(tmpdir))
                return -errno;
        snprintf(rootfs, sizeof rootfs, "%s/rootfs", tmpdir);
        return itest_build_busybox_rootfs(rootfs, dirs, applets);
}

/* A config made through the real key table, as the monitor would load it. */
static BerthConfig *config_make(const char *init_cmd, const char *profile, bool allow_nesting) {
        BerthConfig *c = NULL;
        if (berth_config_new(&c) < 0 || berth_config_set_item(c, "lxc.uts.name", "seccomp-test", NULL) < 0 ||
            berth_config_set_item(c, "lxc.init.cmd", init_cmd, NULL) < 0 ||
            berth_config_set_item(c, "lxc.mount.auto", "proc", NULL) < 0)
                abort();
        if (profile) {
                _cleanup_free_ char *err = NULL;
                int r = berth_config_set_item(c, "lxc.seccomp.profile", profile, &err);
                if (r < 0) {
                        TAP_DIAG("set lxc.seccomp.profile: %s", strna(err));
                        abort();
                }
        }
        if (berth_config_set_item(c, "lxc.seccomp.allow_nesting", allow_nesting ? "1" : "0", NULL) < 0)
                abort();
        return c;
}

static void kill_and_reap(SpawnResult *res) {
        (void) syscall(SYS_pidfd_send_signal, res->pidfd, SIGKILL, NULL, 0);
        (void) itest_reap(res->pidfd, NULL);
        res->pidfd = safe_close(res->pidfd);
}

static void reap(SpawnResult *res) {
        (void) itest_reap(res->pidfd, NULL);
        res->pidfd = safe_close(res->pidfd);
}

/* Runs `mknod /tmp/<name> p` as init's shell and returns the console output (caller frees). */
#define MKNOD_SCRIPT(name)                                                                            \
        "/bin/sh -c 'echo; echo BEGIN=1; mknod /tmp/" name " p; echo RC=$?; rm -f /tmp/" name "; "    \
        "echo FILTERS=$(grep Seccomp_filters /proc/self/status); " SCRIPT_END_CMD "'"

static char *run_console(BerthConfig *c, const char *name, SpawnResult *ret_res, int *ret_r, char **ret_error) {
        _cleanup_close_ int master = -EBADF, slave = -EBADF;
        _cleanup_free_ char *slave_path = NULL;
        SpawnResult res = { .pid = -1, .pidfd = -EBADF, .seccomp_notify_fd = -EBADF };

        if (pty_open_console(&master, &slave, &slave_path) < 0)
                abort();
        SpawnParams p = { .name = name, .config = c, .rootfs = rootfs, .cgroup_fd = -1,
                          .console_slave_fd = slave, .console_slave_path = slave_path };
        *ret_r = spawn_container(&p, &res, ret_error);
        if (*ret_r < 0)
                return NULL;
        slave = safe_close(slave);
        char *out = itest_read_console(master, 15000);
        *ret_res = res;
        return out;
}

static void test_denylist(void) {
        _cleanup_free_ char *out = NULL, *out0 = NULL, *error = NULL, *error0 = NULL, *profile = NULL;
        SpawnResult res;
        char expect[128];
        int r;

        /* Control: without a profile mknod works, so the failure below is the profile's doing. */
        BerthConfig *c0 = config_make(MKNOD_SCRIPT("fifo0"), NULL, false);
        out0 = run_console(c0, "seccomp-none", &res, &r, &error0);
        TAP_EQ_INT(r, 0, "spawn without a profile (%s)", strna(error0));
        if (r >= 0) {
                TAP_EQ_STR(itest_line_value(out0, "RC"), "0", "without a profile mknod succeeds");
                TAP_EQ_INT(res.seccomp_notify_fd, -EBADF, "no listener without a profile");
                reap(&res);
        }
        berth_config_free(c0);

        if (asprintf(&profile, "2\ndenylist\n# mknod(2) is mknodat on new ABIs; both, so any libc is caught\n"
                     "mknod errno %d\nmknodat errno %d\n", DENY_ERRNO, DENY_ERRNO) < 0)
                abort();
        TAP_EQ_INT(itest_write_file(tmp_path("deny.seccomp"), profile), 0, "denylist profile written");
        BerthConfig *c = config_make(MKNOD_SCRIPT("fifo1"), tmp_path("deny.seccomp"), false);
        out = run_console(c, "seccomp-deny", &res, &r, &error);
        TAP_EQ_INT(r, 0, "spawn with a denylist profile (%s)", strna(error));
        if (r >= 0) {
                snprintf(expect, sizeof expect, "mknod: /tmp/fifo1: %s", strerror(DENY_ERRNO));
                TAP_OK(strstr(out, expect), "mknod fails with the profile's errno %d (%s)", DENY_ERRNO, expect);
                TAP_EQ_STR(itest_line_value(out, "RC"), "1", "mknod's exit status is 1");
                TAP_EQ_STR(itest_line_value(out, "FILTERS"), "Seccomp_filters: 1", "init runs under one filter");
                TAP_EQ_INT(res.seccomp_notify_fd, -EBADF, "no notify rules: no listener");
                TAP_OK(access(tmp_path("rootfs/tmp/fifo1"), F_OK) < 0, "no fifo was made");
                reap(&res);
        }
        berth_config_free(c);
}

/* The profile is loaded without no_new_privs, so it needs CAP_SYS_ADMIN: it must go in before a non-root
 * lxc.init.uid or an lxc.cap.drop of sys_admin takes that away (after the bounding set drop). */
static void test_ordering(void) {
        _cleanup_free_ char *out = NULL, *error = NULL;
        SpawnResult res;
        int r;

        BerthConfig *c = config_make("/bin/sh -c 'echo; echo FILTERS=$(grep Seccomp_filters /proc/self/status); "
                                     "echo UID=$(grep ^Uid: /proc/self/status); "
                                     "echo CAPBND=$(grep ^CapBnd: /proc/self/status); " SCRIPT_END_CMD "'",
                                     tmp_path("deny.seccomp"), false);
        if (berth_config_set_item(c, "lxc.cap.drop", "sys_admin", NULL) < 0 ||
            berth_config_set_item(c, "lxc.init.uid", "1000", NULL) < 0 ||
            berth_config_set_item(c, "lxc.init.gid", "1000", NULL) < 0)
                abort();
        out = run_console(c, "seccomp-order", &res, &r, &error);
        TAP_EQ_INT(r, 0, "profile with lxc.init.uid 1000 and lxc.cap.drop sys_admin (%s)", strna(error));
        if (r >= 0) {
                TAP_EQ_STR(itest_line_value(out, "FILTERS"), "Seccomp_filters: 1", "the profile is loaded");
                TAP_EQ_STR(itest_line_value(out, "UID"), "Uid: 1000 1000 1000 1000", "init runs as uid 1000");
                const char *bnd = itest_line_value(out, "CAPBND");
                unsigned long long caps = 0;
                TAP_OK(bnd && sscanf(bnd, "CapBnd: %llx", &caps) == 1 && !(caps & (1ULL << 21)),
                       "sys_admin is gone from the bounding set (%s)", strna(bnd));
                reap(&res);
        }
        berth_config_free(c);
}

static void test_allowlist(void) {
        _cleanup_free_ char *out = NULL, *error = NULL, *profile = NULL;
        SpawnResult res;
        char expect[128];
        int r;

        /* What spawn does after loading (ids, caps, signals, exec) and what busybox sh, cat, grep, rm
         * need (strace'd); mknod/mknodat are not in it, so they get the default errno. */
        if (asprintf(&profile,
                     "2\nallowlist errno %d\n"
                     "setgroups\nsetresgid\nsetresuid\ncapget\ncapset\nprctl\nrt_sigaction\nrt_sigprocmask\n"
                     "rt_sigreturn\nexecve\nbrk\narch_prctl\nset_tid_address\nset_robust_list\nrseq\nprlimit64\n"
                     "mmap\nmunmap\nmprotect\ngetrandom\nuname\nreadlink\nopen\nopenat\nclose\nread\nwrite\n"
                     "writev\nfcntl\nioctl\nnewfstatat\nfstat\nstat\nlstat\nstatx\nlseek\nsendfile\ndup\ndup2\n"
                     "dup3\npipe\npipe2\nclone\nclone3\nfork\nvfork\nwait4\nwaitid\ngetpid\ngetppid\ngettid\n"
                     "getuid\ngeteuid\ngetgid\ngetegid\nexit\nexit_group\nunlink\nunlinkat\ngetcwd\nchdir\n"
                     "access\nfaccessat\nfaccessat2\npoll\nppoll\nnanosleep\nclock_nanosleep\nkill\ntgkill\n",
                     ALLOWLIST_ERRNO) < 0)
                abort();
        TAP_EQ_INT(itest_write_file(tmp_path("allow.seccomp"), profile), 0, "allowlist profile written");
        BerthConfig *c = config_make(MKNOD_SCRIPT("fifo2"), tmp_path("allow.seccomp"), false);
        out = run_console(c, "seccomp-allow", &res, &r, &error);
        TAP_EQ_INT(r, 0, "spawn with an allowlist profile (%s)", strna(error));
        if (r >= 0) {
                TAP_EQ_STR(itest_line_value(out, "BEGIN"), "1", "the allowed syscalls run the shell");
                snprintf(expect, sizeof expect, "mknod: /tmp/fifo2: %s", strerror(ALLOWLIST_ERRNO));
                TAP_OK(strstr(out, expect), "mknod, not listed, gets the default errno %d (%s)",
                       ALLOWLIST_ERRNO, expect);
                TAP_EQ_STR(itest_line_value(out, "RC"), "1", "mknod's exit status is 1");
                TAP_EQ_STR(itest_line_value(out, "FILTERS"), "Seccomp_filters: 1", "init runs under one filter");
                reap(&res);
        }
        berth_config_free(c);
}

/* A SeccompNotifyHandler answering every notification with NOTIFY_ERRNO and remembering the syscall. */
static int on_notify(SeccompNotifier *n, const SeccompNotification *notif, SeccompNotifyResponse *ret,
                     void *userdata) {
        snprintf(userdata, 64, "%s", notif->syscall);
        *ret = (SeccompNotifyResponse) { .error = NOTIFY_ERRNO };
        return SECCOMP_NOTIFY_SEND_RESPONSE;
}

static void test_notify(void) {
        _cleanup_free_ char *out = NULL, *error = NULL;
        _cleanup_close_ int master = -EBADF, slave = -EBADF;
        _cleanup_free_ char *slave_path = NULL;
        SpawnResult res = { .pid = -1, .pidfd = -EBADF, .seccomp_notify_fd = -EBADF };
        char syscall_name[64] = "", expect[128];

        if (!seccomp_notify_supported()) {
                TAP_SKIP("no seccomp user notification in this kernel or libseccomp");
                return;
        }
        TAP_EQ_INT(itest_write_file(tmp_path("notify.seccomp"), "2\ndenylist\nmknod notify\nmknodat notify\n"), 0,
                   "notify profile written");
        /* The shell waits for a line on the console before mknod: the listener is not read until then. */
        BerthConfig *c = config_make("/bin/sh -c 'read x; mknod /tmp/fifo3 p; echo RC=$?; " SCRIPT_END_CMD "'",
                                     tmp_path("notify.seccomp"), false);
        TAP_EQ_INT(pty_open_console(&master, &slave, &slave_path), 0, "console pty");
        SpawnParams p = { .name = "seccomp-notify", .config = c, .rootfs = rootfs, .cgroup_fd = -1,
                          .console_slave_fd = slave, .console_slave_path = slave_path };
        int r = spawn_container(&p, &res, &error);
        TAP_EQ_INT(r, 0, "spawn with a notify profile (%s)", strna(error));
        if (r < 0) {
                berth_config_free(c);
                return;
        }
        TAP_OK(res.seccomp_notify_fd >= 0, "spawn returns the listener fd (%d)", res.seccomp_notify_fd);
        TAP_OK(fcntl(res.seccomp_notify_fd, F_GETFD) == FD_CLOEXEC, "the listener is O_CLOEXEC");

        SeccompNotifier *n = NULL;
        TAP_EQ_INT(seccomp_notifier_new(res.seccomp_notify_fd, on_notify, syscall_name, &n), 0,
                   "the fd works as a SeccompNotifier");
        TAP_OK(loop_write(master, "go\n", 3) >= 0, "let the shell run mknod");
        struct pollfd pfd = { .fd = seccomp_notifier_get_fd(n), .events = POLLIN };
        TAP_EQ_INT(poll(&pfd, 1, 10000), 1, "a notification arrives");
        /* 1 too: within one call the answer can let the shell finish and the container exit (hang-up). */
        r = seccomp_notifier_process(n);
        TAP_OK(r == 0 || r == 1, "processed (%d)", r);
        TAP_EQ_STR(syscall_name, "mknodat", "it is init's mknodat");
        out = itest_read_console(master, 10000);
        snprintf(expect, sizeof expect, "mknod: /tmp/fifo3: %s", strerror(NOTIFY_ERRNO));
        TAP_OK(strstr(out, expect), "the shell sees the listener's answer (%s)", expect);
        reap(&res);
        seccomp_notifier_free(n);
        berth_config_free(c);
}

/* In a forked starter: load a filter into ourselves (with a listener if notify), then spawn with a
 * profile, and report "<spawn r> <Seccomp_filters of init> <listener fd or -1> <error>" on fd. */
static void starter(int report_fd, bool outer_notify, const char *profile, bool allow_nesting) {
        _cleanup_seccomp_profile_free_ SeccompProfile *outer = NULL;
        _cleanup_free_ char *error = NULL, *err = NULL;
        SpawnResult res = { .pid = -1, .pidfd = -EBADF, .seccomp_notify_fd = -EBADF };
        int outer_listener = -EBADF, filters = -1;
        char msg[2048];

        alarm(30); /* a hang must fail the test, not block it */
        /* acct(2): nothing here or in the container calls it, so the outer listener is never asked. */
        int r = seccomp_profile_parse_string(outer_notify ? "2\ndenylist\nacct notify\n"
                                                          : "2\ndenylist\nacct errno 1\n",
                                             "outer", &outer, &err);
        if (r >= 0)
                r = seccomp_profile_load(outer, true, &outer_listener, &err);
        if (r < 0) {
                snprintf(msg, sizeof msg, "%d -1 -1 outer filter: %s", r, strna(err));
                (void) loop_write(report_fd, msg, strlen(msg));
                _exit(0);
        }

        BerthConfig *c = config_make("/bin/sleep 30", profile, allow_nesting);
        SpawnParams p = { .name = "seccomp-nested", .config = c, .rootfs = rootfs, .cgroup_fd = -1,
                          .console_slave_fd = -EBADF };
        r = spawn_container(&p, &res, &error);
        if (r >= 0) {
                (void) seccomp_read_status(res.pid, NULL, &filters);
                kill_and_reap(&res);
        }
        snprintf(msg, sizeof msg, "%d %d %d %s", r, filters,
                 res.seccomp_notify_fd >= 0 ? res.seccomp_notify_fd : -1, strempty(error));
        (void) loop_write(report_fd, msg, strlen(msg));
        safe_close(outer_listener);
        _exit(0);
}

static char *run_starter(bool outer_notify, const char *profile, bool allow_nesting) {
        int pipefd[2];
        if (pipe2(pipefd, O_CLOEXEC) < 0)
                abort();
        fflush(stdout);
        pid_t pid = fork();
        if (pid < 0)
                abort();
        if (pid == 0) {
                safe_close(pipefd[0]);
                starter(pipefd[1], outer_notify, profile, allow_nesting);
        }
        safe_close(pipefd[1]);
        char *buf = calloc(1, 4096);
        (void) loop_read(pipefd[0], buf, 4095);
        safe_close(pipefd[0]);
        int status;
        (void) waitpid(pid, &status, 0);
        if (!WIFEXITED(status))
                snprintf(buf, 4096, "starter died with signal %d (a hang?)", WTERMSIG(status));
        return buf;
}

static void test_nesting(void) {
        int filters = -2;
        if (seccomp_read_status(0, NULL, &filters) < 0 || filters < 0) {
                TAP_SKIP("no Seccomp_filters: line in /proc/self/status (Linux < 5.9)");
                return;
        }
        TAP_EQ_INT(filters, 0, "the test itself runs unfiltered");
        TAP_EQ_INT(itest_write_file(tmp_path("nest.seccomp"), "2\ndenylist\nmknodat errno 18\n"), 0,
                   "profile written");

        /* allow_nesting 0: a confined starter skips the profile: init only has the inherited filter. */
        _cleanup_free_ char *a = run_starter(false, tmp_path("nest.seccomp"), false);
        TAP_EQ_STR(a, "0 1 -1 ", "allow_nesting 0 under a filtered starter: profile skipped, 1 filter");
        /* allow_nesting 1: stacked. */
        _cleanup_free_ char *b = run_starter(false, tmp_path("nest.seccomp"), true);
        TAP_EQ_STR(b, "0 2 -1 ", "allow_nesting 1 under a filtered starter: stacked, 2 filters");
        /* No profile at all: only what the starter had. */
        _cleanup_free_ char *d = run_starter(false, NULL, true);
        TAP_EQ_STR(d, "0 1 -1 ", "no profile: init only inherits the starter's filter");

        if (!seccomp_notify_supported()) {
                TAP_SKIP("no seccomp user notification: nested notify not tested");
                return;
        }
        TAP_EQ_INT(itest_write_file(tmp_path("nest-notify.seccomp"), "2\ndenylist\nmknodat notify\n"), 0,
                   "notify profile written");
        /* Nested notify: the kernel allows one listener per filter chain. A clear error, no hang. */
        _cleanup_free_ char *e = run_starter(true, tmp_path("nest-notify.seccomp"), true);
        TAP_OK(startswith(e, "-16 -1 -1 load the seccomp profile: "), "nested notify fails with -EBUSY (%s)",
               e);
        TAP_OK(strstr(e, "nested notify") && strstr(e, tmp_path("nest-notify.seccomp")),
               "the error names nested notify and the profile");
        /* allow_nesting 0: skipped, so the start succeeds, without a listener. */
        _cleanup_free_ char *f = run_starter(true, tmp_path("nest-notify.seccomp"), false);
        TAP_EQ_STR(f, "0 1 -1 ", "nested notify with allow_nesting 0: skipped, no listener, no error");
        /* An outer notify filter does not stop a profile without notify rules from stacking. */
        _cleanup_free_ char *g = run_starter(true, tmp_path("nest.seccomp"), true);
        TAP_EQ_STR(g, "0 2 -1 ", "a plain profile stacks under an outer notify filter");
}

static void test_bad_profile(void) {
        _cleanup_free_ char *error = NULL, *error2 = NULL, *expected = NULL;
        SpawnResult res = { .pid = -1, .pidfd = -EBADF, .seccomp_notify_fd = -EBADF };
        siginfo_t si;
        int fds = fd_count(0);

        TAP_EQ_INT(itest_write_file(tmp_path("later-bad.seccomp"), "2\ndenylist\nmknodat errno 18\n"), 0,
                   "profile written");
        BerthConfig *c = config_make("/bin/sh", tmp_path("later-bad.seccomp"), false);
        /* Broken after the config was loaded: spawn parses it again and says where. */
        TAP_EQ_INT(itest_write_file(tmp_path("later-bad.seccomp"),
                              "2\ndenylist\nmknodat errno 18\nmknod errno 99999\n"),
                   0, "profile broken after the config load");
        SpawnParams p = { .name = "seccomp-bad", .config = c, .rootfs = rootfs, .cgroup_fd = -1,
                          .console_slave_fd = -EBADF };
        TAP_EQ_INT(spawn_container(&p, &res, &error), -EINVAL, "spawn refuses a broken profile");
        if (asprintf(&expected, "%s:4: ", tmp_path("later-bad.seccomp")) < 0)
                abort();
        TAP_OK(error && startswith(error, expected), "the error names the profile's file and line (%s)",
               strna(error));
        TAP_EQ_INT(res.pid, -1, "nothing started");
        TAP_OK(waitid(P_ALL, 0, &si, WEXITED | WNOHANG) < 0 && errno == ECHILD, "no child left");

        TAP_EQ_INT(unlink(tmp_path("later-bad.seccomp")), 0, "profile removed");
        TAP_EQ_INT(spawn_container(&p, &res, &error2), -ENOENT, "spawn refuses a missing profile");
        TAP_OK(error2 && strstr(error2, tmp_path("later-bad.seccomp")), "the error names the file (%s)",
               strna(error2));
        TAP_EQ_INT(fd_count(0), fds, "no fd leaked");
        berth_config_free(c);
}

int main(void) {
        if (!itest_can_run())
                return 0;
        if (!seccomp_supported()) {
                printf("1..0 # SKIP the kernel has no seccomp filters\n");
                return 0;
        }
        int fds_start = fd_count(0);
        int r = build_rootfs();
        TAP_EQ_INT(r, 0, "busybox rootfs built in %s", tmpdir);
        if (r >= 0) {
                test_denylist();
                test_ordering();
                test_allowlist();
                test_notify();
                test_nesting();
                test_bad_profile();
        }
        TAP_EQ_INT(fd_count(0), fds_start, "no fd left open");
        if (tmpdir[strlen(tmpdir) - 1] != 'X')
                TAP_EQ_INT(rm_rf(tmpdir), 0, "temp dir removed");
        return tap_done();
}
