/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Hooks with a real container (busybox rootfs): lxc.hook.start runs inside, after pivot_root and before
 * init (with the container's root, hostname and /bin/sh), a failing one aborts the start with its output
 * and leaves nothing behind; host hooks get init's namespaces (hook_namespaces_open()) and can still enter
 * them after init died (what a stop hook does). Root; meson runs it under `unshare -m -n`. */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config/config.h"
#include "itest-util.h"
#include "spawn/hooks.h"
#include "spawn/spawn.h"
#include "tests/unit/tap.h"
#include "util/fd-util.h"
#include "util/fileio.h"
#include "util/macro.h"
#include "util/strv.h"

static char tmpdir[] = "/tmp/berth-hooks-XXXXXX";
static char rootfs[256];

static int build_rootfs(void) {
        static const char *const dirs[] = { "bin", "proc", "sys", "dev", "etc", "tmp", NULL };
        static const char *const applets[] = { "sh", "cat", "echo", "hostname", "sleep", "readlink", NULL };
        char path[512];
        int r;

        if (!mkdtemp(tmpdir))
                return -errno;
        snprintf(rootfs, sizeof rootfs, "%s/rootfs", tmpdir);
        r = itest_build_busybox_rootfs(rootfs, dirs, applets);
        if (r < 0)
                return r;
        snprintf(path, sizeof path, "%s/ROOTFS_MARKER", rootfs);
        return itest_write_file(path, "inside\n");
}

static BerthConfig *config_load(const char *text) {
        BerthConfig *c = NULL;
        BerthConfigDiag diag = {};
        if (berth_config_new(&c) < 0 || berth_config_load_string(c, text, "test.conf", &diag) < 0) {
                STRV_FOREACH(e, diag.errors)
                        TAP_DIAG("%s", *e);
                abort();
        }
        berth_config_diag_done(&diag);
        return c;
}

static char *rootfs_file(const char *rel) {
        char path[512], *s = NULL;
        snprintf(path, sizeof path, "%s/%s", rootfs, rel);
        if (read_full_file(path, &s, NULL) < 0)
                return NULL;
        return s;
}

static void test_start_hook_inside(void) {
        _cleanup_(berth_config_freep) BerthConfig *c = config_load(
                        "lxc.uts.name = hooked\n"
                        "lxc.environment = FROM_CONFIG=yes\n"
                        /* $0 is the container name, $1 $2 "lxc start" (hook.version 0). */
                        "lxc.hook.start = /bin/sh -c 'echo \"$LXC_NAME $LXC_HOOK_TYPE $0 $1 $2 "
                        "$FROM_CONFIG $(hostname) $(cat /ROOTFS_MARKER) $LXC_CONFIG_FILE\" > /hook-marker'\n"
                        "lxc.hook.start = /bin/sh -c 'echo second >> /hook-marker'\n"
                        "lxc.init.cmd = /bin/sh -c 'echo init-ran >> /hook-marker'\n");
        _cleanup_free_ char *error = NULL, *marker = NULL;
        SpawnResult res = { .pidfd = -EBADF, .seccomp_notify_fd = -EBADF };
        SpawnParams p = {
                .name = "hooks-test",
                .config = c,
                .rootfs = rootfs,
                .cgroup_fd = -1,
                .console_slave_fd = -1,
                .config_file = "/var/lib/berth/containers/hooks-test/config",
        };

        int r = spawn_container(&p, &res, &error);
        TAP_EQ_INT(r, 0, "spawn with two start hooks (%s)", strna(error));
        if (r < 0)
                return;
        TAP_EQ_INT(itest_reap_status(res.pidfd), 0, "init ran and exited 0");
        safe_close(res.pidfd);
        safe_close(res.seccomp_notify_fd);
        marker = rootfs_file("hook-marker");
        TAP_EQ_STR(marker,
                   "hooks-test start hooks-test lxc start yes hooked inside "
                   "/var/lib/berth/containers/hooks-test/config\nsecond\ninit-ran\n",
                   "start hooks ran inside (container root and hostname), in order, before init");
}

static void test_start_hook_failure(void) {
        _cleanup_(berth_config_freep) BerthConfig *c = config_load(
                        "lxc.hook.start = /bin/sh -c 'echo boom; echo bad >&2; exit 7'\n"
                        "lxc.init.cmd = /bin/sh -c 'echo init-ran > /init-marker'\n");
        _cleanup_free_ char *error = NULL, *marker = NULL;
        SpawnResult res = { .pidfd = -EBADF, .seccomp_notify_fd = -EBADF };
        SpawnParams p = { .name = "hooks-fail", .config = c, .rootfs = rootfs, .cgroup_fd = -1,
                          .console_slave_fd = -1 };

        int r = spawn_container(&p, &res, &error);
        TAP_EQ_INT(r, -ECANCELED, "a failing start hook aborts the start");
        TAP_EQ_STR(error, "lxc.hook.start '/bin/sh -c 'echo boom; echo bad >&2; exit 7'' failed with exit "
                          "status 7: boom\nbad", "error carries the hook's status and output");
        marker = rootfs_file("init-marker");
        TAP_OK(!marker, "init never ran");
        TAP_OK(waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD, "no child left behind");

        /* The command resolves inside the container: /usr/bin/env exists on the host only. */
        _cleanup_(berth_config_freep) BerthConfig *c2 = config_load(
                        "lxc.hook.start = /usr/bin/env true\n"
                        "lxc.init.cmd = /bin/true\n");
        _cleanup_free_ char *error2 = NULL;
        p.config = c2;
        r = spawn_container(&p, &res, &error2);
        TAP_EQ_INT(r, -ECANCELED, "a host-only command is not found inside");
        TAP_OK(error2 && strstr(error2, "failed with exit status 127") && strstr(error2, "/usr/bin/env"),
               "not found inside: %s", strna(error2));
        TAP_OK(waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD, "no child left behind");
}

static void test_host_hooks_namespaces(void) {
        _cleanup_(berth_config_freep) BerthConfig *c = config_load(
                        "lxc.uts.name = nsdemo\n"
                        "lxc.init.cmd = /bin/sleep 1000\n"
                        "lxc.hook.version = 1\n"
                        /* LXC prefixes "exec": a second command needs its own shell. */
                        "lxc.hook.stop = sh -c 'nsenter --uts=\"$LXC_UTS_NS\" hostname; "
                        "echo \"$LXC_TARGET $LXC_PID\"'\n");
        _cleanup_free_ char *error = NULL, *out = NULL, *herr = NULL;
        SpawnResult res = { .pidfd = -EBADF, .seccomp_notify_fd = -EBADF };
        SpawnParams p = { .name = "hooks-ns", .config = c, .rootfs = rootfs, .cgroup_fd = -1,
                          .console_slave_fd = -1 };
        HookNamespaces ns;

        int r = spawn_container(&p, &res, &error);
        TAP_EQ_INT(r, 0, "spawn a long-running init (%s)", strna(error));
        if (r < 0)
                return;
        TAP_EQ_INT(hook_namespaces_open(res.pid, &ns), 0, "open init's namespaces");
        static const HookNamespace own[] = { HOOK_NS_MNT, HOOK_NS_NET, HOOK_NS_IPC, HOOK_NS_UTS, HOOK_NS_PID,
                                             HOOK_NS_CGROUP };
        for (size_t i = 0; i < ELEMENTSOF(own); i++)
                TAP_OK(ns.fd[own[i]] >= 0, "namespace %d of init held", (int) own[i]);
        TAP_OK(ns.fd[HOOK_NS_USER] < 0, "the shared user namespace is not");

        (void) syscall(SYS_pidfd_send_signal, res.pidfd, SIGKILL, NULL, 0);
        TAP_EQ_INT(itest_reap_status(res.pidfd), 128 + SIGKILL, "init killed and reaped");
        safe_close(res.pidfd);
        safe_close(res.seccomp_notify_fd);

        /* What the monitor does once init has exited: the stop hook still enters init's namespaces. */
        HookEnv env = { .pid = res.pid, .target = "stop", .namespaces = &ns, .rootfs_path = rootfs };
        r = hook_run(c, "hooks-ns", "stop", &env, &out, &herr);
        TAP_EQ_INT(r, 0, "stop hook ran on the host (%s)", strna(herr));
        char expected[64];
        snprintf(expected, sizeof expected, "nsdemo\nstop %d", (int) res.pid);
        TAP_EQ_STR(out, expected, "stop hook entered the dead init's uts namespace via LXC_UTS_NS");
        hook_namespaces_close(&ns);
        TAP_OK(ns.fd[HOOK_NS_UTS] < 0, "namespaces closed");
}

static int rm_tmp(void) {
        return rm_rf(tmpdir);
}

int main(void) {
        if (geteuid() != 0) {
                TAP_SKIP("needs root");
                return tap_done();
        }
        if (access("/bin/busybox", X_OK) < 0) {
                TAP_SKIP("needs /bin/busybox (busybox-static)");
                return tap_done();
        }
        int r = build_rootfs();
        TAP_EQ_INT(r, 0, "busybox rootfs built");
        if (r < 0)
                return tap_done();

        test_start_hook_inside();
        test_start_hook_failure();
        test_host_hooks_namespaces();

        TAP_EQ_INT(rm_tmp(), 0, "temporary rootfs removed");
        return tap_done();
}
