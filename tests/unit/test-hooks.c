/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lxc.hook.* in the config (set/get/clear, lxc.hook, lxc.hook.version, round trip, host keys) and
 * hook_run() for real (/bin/sh, no root needed): environment and arguments, order, exit status and
 * signals with output, bounded output, timeout killing the process group, no fd leaks either way. The
 * in-container lxc.hook.start is covered by tests/integration/test-hooks.c. */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config/config.h"
#include "spawn/hooks.h"
#include "tap.h"
#include "unit-util.h"
#include "util/fd-util.h"
#include "util/fileio.h"
#include "util/strv.h"

static char tmpdir[PATH_MAX];

static int set(BerthConfig *c, const char *key, const char *value) {
        return berth_config_set_item(c, key, value, NULL);
}

static uint64_t now_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000 + (uint64_t) ts.tv_nsec / 1000000;
}

static char *path_in_tmp(const char *rel) {
        char *p;
        if (asprintf(&p, "%s/%s", tmpdir, rel) < 0)
                abort();
        return p;
}

static char *read_tmp(const char *rel) {
        _cleanup_free_ char *p = path_in_tmp(rel);
        char *s = NULL;
        if (read_full_file(p, &s, NULL) < 0)
                return strdup("<unreadable>");
        return s;
}

/* Does the file hold exactly this line? */
static bool has_line(const char *text, const char *line) {
        size_t l = strlen(line);
        for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
                if (strncmp(p, line, l) == 0 && (p[l] == '\n' || p[l] == 0))
                        return true;
        return false;
}

static void test_config_keys(void) {
        _cleanup_(berth_config_freep) BerthConfig *c = NULL;
        _cleanup_free_ char *err = NULL;

        TAP_EQ_INT(berth_config_new(&c), 0, "new config");
        CHECK_GET(c, "lxc.hook.pre-start", "");
        CHECK_GET(c, "lxc.hook.version", "0");

        TAP_EQ_INT(set(c, "lxc.hook.pre-start", "/usr/bin/a --x 'y z'"), 0, "pre-start 1");
        TAP_EQ_INT(set(c, "lxc.hook.pre-start", "/usr/bin/b"), 0, "pre-start 2 appends");
        CHECK_GET(c, "lxc.hook.pre-start", "/usr/bin/a --x 'y z'\n/usr/bin/b");
        TAP_EQ_INT(set(c, "lxc.hook.start-host", "h"), 0, "start-host");
        TAP_EQ_INT(set(c, "lxc.hook.start", "s"), 0, "start");
        TAP_EQ_INT(set(c, "lxc.hook.stop", "st"), 0, "stop");
        TAP_EQ_INT(set(c, "lxc.hook.post-stop", "ps"), 0, "post-stop");
        TAP_EQ_INT(strv_length(c->hooks[BERTH_HOOK_PRE_START]), 2, "parsed form: two pre-start commands");
        TAP_EQ_STR(c->hooks[BERTH_HOOK_POST_STOP][0], "ps", "parsed form: post-stop");

        TAP_EQ_INT(set(c, "lxc.hook.pre-start", ""), 0, "empty value clears one type");
        CHECK_GET(c, "lxc.hook.pre-start", "");
        CHECK_GET(c, "lxc.hook.start-host", "h");

        TAP_EQ_INT(berth_config_set_item(c, "lxc.hook", "x", &err), -EINVAL, "lxc.hook takes no value");
        TAP_EQ_STR(err, "lxc.hook: can only be set to an empty value (clearing all hooks)", "its message");
        TAP_EQ_INT(set(c, "lxc.hook.version", "1"), 0, "hook.version 1");
        TAP_EQ_INT(set(c, "lxc.hook", ""), 0, "lxc.hook = (empty)");
        for (BerthHookType t = 0; t < _BERTH_HOOK_TYPE_MAX; t++)
                TAP_OK(!c->hooks[t], "lxc.hook cleared lxc.hook.%s", berth_hook_type_to_string(t));
        CHECK_GET(c, "lxc.hook.version", "1");
        CHECK_GET(c, "lxc.hook", "");

        TAP_EQ_INT(set(c, "lxc.hook.version", "2"), -EINVAL, "hook.version 2 refused");
        TAP_EQ_INT(set(c, "lxc.hook.version", "one"), -EINVAL, "hook.version garbage refused");
        TAP_EQ_INT(set(c, "lxc.hook.version", "-1"), -EINVAL, "hook.version negative refused");
        CHECK_GET(c, "lxc.hook.version", "1");
        TAP_EQ_INT(set(c, "lxc.hook.version", ""), 0, "hook.version cleared");
        CHECK_GET(c, "lxc.hook.version", "0");
        TAP_EQ_INT(berth_config_clear_item(c, "lxc.hook.stop"), 0, "clear_item on a hook type");

        static const char *const later[] = {
                "lxc.hook.pre-mount", "lxc.hook.mount", "lxc.hook.autodev", "lxc.hook.clone", "lxc.hook.destroy",
        };
        for (size_t i = 0; i < ELEMENTSOF(later); i++) {
                TAP_EQ_INT(set(c, later[i], "/bin/true"), -EOPNOTSUPP, "%s not implemented yet", later[i]);
                TAP_OK(!berth_config_item_is_supported(later[i]), "%s not supported", later[i]);
                TAP_OK(berth_config_key_is_host(later[i]), "%s is a host key", later[i]);
        }
        static const char *const keys[] = {
                "lxc.hook", "lxc.hook.version", "lxc.hook.pre-start", "lxc.hook.start-host", "lxc.hook.start",
                "lxc.hook.stop", "lxc.hook.post-stop",
        };
        for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
                TAP_OK(berth_config_item_is_supported(keys[i]), "%s supported", keys[i]);
                TAP_OK(berth_config_key_is_host(keys[i]), "%s needs configure-host", keys[i]);
        }
        TAP_EQ_INT(set(c, "lxc.hook.bogus", "x"), -ENOENT, "unknown hook type");
        TAP_EQ_INT(set(c, "lxc.hook.start", "a\nlxc.hook.stop = b"), -EINVAL, "no line breaks in a command");

        TAP_EQ_INT(berth_hook_type_from_string("post-stop"), BERTH_HOOK_POST_STOP, "type from string");
        TAP_EQ_INT(berth_hook_type_from_string("mount"), -EOPNOTSUPP, "mount type not run yet");
        TAP_EQ_INT(berth_hook_type_from_string("nope"), -ENOENT, "unknown type");
        TAP_EQ_STR(berth_hook_type_to_string(BERTH_HOOK_START_HOST), "start-host", "type to string");
}

static void test_config_round_trip(void) {
        _cleanup_(berth_config_freep) BerthConfig *c = NULL, *d = NULL;
        _cleanup_(berth_config_diag_done) BerthConfigDiag diag = {}, diag2 = {};
        _cleanup_free_ char *text = NULL, *text2 = NULL;
        const char *in =
                "lxc.hook.pre-start = /a one\n"
                "lxc.hook.version = 1\n"
                "lxc.hook.stop = /s\n"
                "lxc.hook.pre-start = /b 'two words'\n"
                "lxc.hook.post-stop = /p\n";

        TAP_EQ_INT(berth_config_new(&c), 0, "new config");
        TAP_EQ_INT(berth_config_load_string(c, in, "hooks.conf", &diag), 0, "load hooks from text");
        TAP_EQ_INT(berth_config_to_string(c, &text), 0, "to_string");
        TAP_EQ_STR(text,
                   "lxc.hook.version = 1\n"
                   "lxc.hook.pre-start = /a one\n"
                   "lxc.hook.pre-start = /b 'two words'\n"
                   "lxc.hook.stop = /s\n"
                   "lxc.hook.post-stop = /p\n",
                   "hooks serialised in table order, commands in order, no lxc.hook line");
        TAP_EQ_INT(berth_config_new(&d), 0, "new config");
        TAP_EQ_INT(berth_config_load_string(d, text, "again.conf", &diag2), 0, "reload");
        TAP_EQ_INT(berth_config_to_string(d, &text2), 0, "to_string again");
        TAP_EQ_STR(text2, text, "round trip is stable");

        _cleanup_strv_free_ char **host = NULL;
        TAP_EQ_INT(berth_config_text_host_keys(in, &host), 0, "text_host_keys");
        _cleanup_free_ char *joined = strv_join(host, ",");
        TAP_EQ_STR(joined, "lxc.hook.pre-start,lxc.hook.version,lxc.hook.stop,lxc.hook.post-stop",
                   "hook lines need configure-host");
}

/* A script that records its arguments and environment in <tmpdir>/<out>. */
static char *make_dump_script(const char *out) {
        _cleanup_free_ char *script = NULL, *text = NULL, *outp = path_in_tmp(out);
        char *p = path_in_tmp("dump.sh");
        if (asprintf(&text, "#!/bin/sh\n{ echo \"ARGS=$*\"; env; } > '%s'\n", outp) < 0 ||
            write_file_atomic(p, text, strlen(text), 0755) < 0)
                abort();
        return p;
}

static void test_run_env(void) {
        _cleanup_(berth_config_freep) BerthConfig *c = NULL;
        _cleanup_free_ char *script = make_dump_script("env.out"), *err = NULL, *out = NULL;
        _cleanup_close_ int netns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
        HookNamespaces ns;
        char line[256];

        for (size_t i = 0; i < _HOOK_NS_MAX; i++)
                ns.fd[i] = -EBADF;
        ns.fd[HOOK_NS_NET] = netns;

        TAP_EQ_INT(berth_config_new(&c), 0, "new config");
        TAP_EQ_INT(set(c, "lxc.hook.stop", script), 0, "stop hook");
        TAP_EQ_INT(set(c, "lxc.environment", "FOO=bar baz"), 0, "environment");
        TAP_EQ_INT(set(c, "lxc.environment", "LXC_NAME=spoofed"), 0, "environment trying to shadow LXC_NAME");
        TAP_EQ_INT(set(c, "lxc.console.logfile", "/var/log/c1.console"), 0, "console logfile");
        TAP_EQ_INT(set(c, "lxc.log.level", "DEBUG"), 0, "log level");
        setenv("BERTH_TEST_CALLER_ONLY", "1", 1);

        HookEnv env = {
                .config_file = "/var/lib/berth/containers/c1/config",
                .rootfs_path = "/var/lib/berth/containers/c1/rootfs",
                .console_path = "/dev/pts/7",
                .pid = 4242,
                .target = "reboot",
                .namespaces = &ns,
        };
        TAP_EQ_INT(hook_run(c, "c1", "stop", &env, &out, &err), 0, "stop hook ran");
        TAP_OK(!err, "no error on success");
        _cleanup_free_ char *t = read_tmp("env.out");
        snprintf(line, sizeof line, "ARGS=c1 lxc stop net:/proc/%d/fd/%d", (int) getpid(), netns);
        TAP_OK(has_line(t, line), "version 0: name, section, type and namespace arguments (%s)", line);
        static const char *const expected[] = {
                "LXC_NAME=c1", "LXC_HOOK_TYPE=stop", "LXC_HOOK_SECTION=lxc", "LXC_HOOK_VERSION=0",
                "LXC_CONFIG_FILE=/var/lib/berth/containers/c1/config",
                "LXC_ROOTFS_PATH=/var/lib/berth/containers/c1/rootfs",
                "LXC_ROOTFS_MOUNT=/var/lib/berth/containers/c1/rootfs", "LXC_CONSOLE=/dev/pts/7",
                "LXC_CONSOLE_LOGPATH=/var/log/c1.console", "LXC_LOG_LEVEL=DEBUG", "LXC_CGNS_AWARE=1",
                "LXC_PID=4242", "LXC_TARGET=reboot", "FOO=bar baz",
                "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        };
        for (size_t i = 0; i < ELEMENTSOF(expected); i++)
                TAP_OK(has_line(t, expected[i]), "hook sees %s", expected[i]);
        snprintf(line, sizeof line, "LXC_NET_NS=/proc/%d/fd/%d", (int) getpid(), netns);
        TAP_OK(has_line(t, line), "hook sees %s", line);
        TAP_OK(!strstr(t, "BERTH_TEST_CALLER_ONLY"), "caller's own environment not passed on");
        TAP_OK(!strstr(t, "LXC_MNT_NS"), "only the namespaces given");

        /* Version 1: no arguments; an unset pid/target stays unset. */
        TAP_EQ_INT(set(c, "lxc.hook.version", "1"), 0, "hook.version 1");
        HookEnv env2 = { .rootfs_path = "/r", .rootfs_mount = "/m" };
        TAP_EQ_INT(hook_run(c, "c1", "stop", &env2, NULL, NULL), 0, "v1 stop hook ran");
        _cleanup_free_ char *t2 = read_tmp("env.out");
        TAP_OK(has_line(t2, "ARGS="), "version 1: no arguments");
        TAP_OK(has_line(t2, "LXC_HOOK_VERSION=1") && has_line(t2, "LXC_HOOK_TYPE=stop"), "version 1: in env");
        TAP_OK(has_line(t2, "LXC_ROOTFS_MOUNT=/m") && has_line(t2, "LXC_ROOTFS_PATH=/r"), "rootfs mount given");
        TAP_OK(!strstr(t2, "LXC_PID=") && !strstr(t2, "LXC_TARGET=") && !strstr(t2, "LXC_NET_NS"),
               "no LXC_PID, LXC_TARGET, LXC_*_NS when not given");

        /* The namespace path works from the hook (as root it can open the caller's fds; a plain user can
         * open its own). */
        _cleanup_free_ char *nscheck = NULL;
        TAP_EQ_INT(set(c, "lxc.hook.stop", ""), 0, "clear stop");
        TAP_EQ_INT(set(c, "lxc.hook.stop", "readlink \"$LXC_NET_NS\""), 0, "stop hook reading LXC_NET_NS");
        TAP_EQ_INT(hook_run(c, "c1", "stop", &env, &nscheck, NULL), 0, "readlink hook ran");
        char self_ns[64] = "";
        ssize_t n = readlink("/proc/self/ns/net", self_ns, sizeof self_ns - 1);
        if (n > 0)
                self_ns[n] = 0;
        TAP_EQ_STR(nscheck, self_ns, "LXC_NET_NS names the namespace");
}

static void test_run_order_and_failure(void) {
        _cleanup_(berth_config_freep) BerthConfig *c = NULL;
        _cleanup_free_ char *err = NULL, *out = NULL, *marks = path_in_tmp("marks"), *cmd = NULL;

        TAP_EQ_INT(berth_config_new(&c), 0, "new config");
        TAP_EQ_INT(hook_run(c, "c1", "pre-start", NULL, &out, &err), 0, "no hooks: success");
        TAP_EQ_STR(out, "", "no output");
        out = mfree(out);
        TAP_EQ_INT(hook_run(c, "c1", "mount", NULL, NULL, NULL), -EOPNOTSUPP, "mount hooks not run");
        TAP_EQ_INT(hook_run(c, "c1", "bogus", NULL, NULL, NULL), -EINVAL, "unknown type");

        for (int i = 1; i <= 2; i++) {
                free(cmd);
                if (asprintf(&cmd, "sh -c 'echo %d >> %s; echo said %d' ", i, marks, i) < 0)
                        abort();
                TAP_EQ_INT(set(c, "lxc.hook.pre-start", cmd), 0, "pre-start %d", i);
        }
        TAP_EQ_INT(hook_run(c, "c1", "pre-start", NULL, &out, &err), 0, "two hooks ran");
        _cleanup_free_ char *m = read_tmp("marks");
        TAP_EQ_STR(m, "1\n2\n", "in order");
        TAP_EQ_STR(out, "said 1\nsaid 2", "output of both");

        TAP_EQ_INT(set(c, "lxc.hook.pre-start", ""), 0, "clear");
        TAP_EQ_INT(set(c, "lxc.hook.pre-start", "sh -c 'echo some output; echo to stderr >&2; exit 3'"), 0,
                   "failing hook");
        TAP_EQ_INT(set(c, "lxc.hook.pre-start", cmd), 0, "hook after the failing one");
        (void) unlink(marks);
        TAP_EQ_INT(hook_run(c, "c1", "pre-start", NULL, NULL, &err), -ECANCELED, "exit status 3 fails");
        TAP_EQ_STR(err, "lxc.hook.pre-start 'sh -c 'echo some output; echo to stderr >&2; exit 3'' failed "
                        "with exit status 3: some output\nto stderr", "error names hook, status, output");
        TAP_OK(access(marks, F_OK) < 0, "the hook after a failure does not run");

        err = mfree(err);
        TAP_EQ_INT(set(c, "lxc.hook.post-stop", "sh -c 'kill -TERM $$'"), 0, "hook killed by a signal");
        TAP_EQ_INT(hook_run(c, "c1", "post-stop", NULL, NULL, &err), -ECANCELED, "signal fails");
        TAP_EQ_STR(err, "lxc.hook.post-stop 'sh -c 'kill -TERM $$'' was killed by signal TERM", "signal named");

        err = mfree(err);
        TAP_EQ_INT(set(c, "lxc.hook.start-host", "/nonexistent/hook"), 0, "missing command");
        TAP_EQ_INT(hook_run(c, "c1", "start-host", NULL, NULL, &err), -ECANCELED, "missing command fails");
        TAP_OK(err && strstr(err, "failed with exit status 127: ") && strstr(err, "/nonexistent/hook"),
               "shell's 'not found' in the error: %s", strna(err));

        /* Output is bounded: the tail survives, marked as cut. */
        err = mfree(err);
        TAP_EQ_INT(set(c, "lxc.hook.stop", "sh -c 'i=0; while [ $i -lt 1000 ]; do echo line $i "
                                           "padding-padding-padding; i=$((i+1)); done; exit 1'"),
                   0, "noisy hook");
        TAP_EQ_INT(hook_run(c, "c1", "stop", NULL, NULL, &err), -ECANCELED, "noisy hook fails");
        TAP_OK(err && strlen(err) < HOOK_OUTPUT_MAX + 256, "error bounded (%zu bytes)", err ? strlen(err) : 0);
        TAP_OK(err && strstr(err, ": ...") && strstr(err, "line 999 padding-padding-padding") &&
               !strstr(err, "line 0 "), "tail kept, head dropped");
}

static void test_run_timeout_and_fds(void) {
        _cleanup_(berth_config_freep) BerthConfig *c = NULL;
        _cleanup_free_ char *err = NULL, *out = NULL, *pidfile = path_in_tmp("bg.pid"), *cmd = NULL;

        TAP_EQ_INT(berth_config_new(&c), 0, "new config");
        if (asprintf(&cmd, "sh -c 'sleep 30 & echo $! > %s; wait'", pidfile) < 0)
                abort();
        TAP_EQ_INT(set(c, "lxc.hook.pre-start", cmd), 0, "slow hook");
        HookEnv env = { .timeout_usec = 300 * 1000 };
        uint64_t t0 = now_ms();
        TAP_EQ_INT(hook_run(c, "c1", "pre-start", &env, NULL, &err), -ETIMEDOUT, "timeout");
        uint64_t dt = now_ms() - t0;
        TAP_OK(dt >= 250 && dt < 5000, "returned after the timeout (%llu ms)", (unsigned long long) dt);
        TAP_OK(err && strstr(err, "lxc.hook.pre-start '") && strstr(err, "' timed out after 300 ms (killed)"),
               "timeout message: %s", strna(err));
        _cleanup_free_ char *bg = read_tmp("bg.pid");
        pid_t bgpid = (pid_t) atoi(bg);
        bool gone = false;
        for (int i = 0; i < 100 && bgpid > 0 && !gone; i++) {
                /* Killed and reaped by init (it was orphaned): kill(0) says ESRCH. */
                gone = kill(bgpid, 0) < 0 && errno == ESRCH;
                if (!gone)
                        usleep(20 * 1000);
        }
        TAP_OK(bgpid > 0 && gone, "the hook's background child was killed with its process group");

        /* A daemon left behind keeps the output pipe open: the hook still returns when it exits. */
        TAP_EQ_INT(set(c, "lxc.hook.start-host", "sh -c 'sleep 20 & echo $!'"), 0, "hook leaving a daemon");
        t0 = now_ms();
        TAP_EQ_INT(hook_run(c, "c1", "start-host", NULL, &out, NULL), 0, "daemonizing hook succeeds");
        dt = now_ms() - t0;
        TAP_OK(dt < 3000, "without waiting for the daemon (%llu ms)", (unsigned long long) dt);
        if (out && atoi(out) > 0)
                (void) kill(atoi(out), SIGKILL);
        out = mfree(out);

        /* fds: a non-CLOEXEC fd of the caller does not reach the hook; the caller keeps no new fd. */
        int leak = fcntl(STDERR_FILENO, F_DUPFD, 50); /* no O_CLOEXEC on purpose */
        TAP_OK(leak >= 50, "inheritable fd %d", leak);
        TAP_EQ_INT(set(c, "lxc.hook.version", "1"), 0, "version 1 (ls takes no extra args)");
        TAP_EQ_INT(set(c, "lxc.hook.stop", "ls /proc/self/fd"), 0, "fd listing hook");
        int before = fd_count(0);
        TAP_EQ_INT(hook_run(c, "c1", "stop", NULL, &out, NULL), 0, "fd listing hook ran");
        TAP_EQ_INT(fd_count(0), before, "no fd left behind in the caller");
        /* ls itself holds one more fd for the directory it lists. */
        TAP_EQ_STR(out, "0\n1\n2\n3", "the hook has stdin, stdout, stderr only");
        safe_close(leak);
}

int main(void) {
        snprintf(tmpdir, sizeof tmpdir, "/tmp/berth-test-hooks-XXXXXX");
        if (!mkdtemp(tmpdir))
                return 1;

        test_config_keys();
        test_config_round_trip();
        test_run_env();
        test_run_order_and_failure();
        test_run_timeout_and_fds();

        (void) rm_rf(tmpdir);
        return tap_done();
}
