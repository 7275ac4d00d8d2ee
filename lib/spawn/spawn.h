/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Creating a container's init: clone3 into new namespaces, set up the rootfs inside, exec init.
 * Runs in the monitor; the parent side returns once init has exec'd (or failed, with the reason). */

#include <stdbool.h>
#include <sys/types.h>

#include "config/config.h"

typedef struct SpawnParams {
        const char *name;            /* container name (hostname default, LXC_NAME) */
        const BerthConfig *config;
        const char *rootfs;          /* absolute path of the rootfs directory on the host */
        int cgroup_fd;               /* payload cgroup directory fd for CLONE_INTO_CGROUP, or -1 */
        int console_slave_fd;        /* host pty slave: becomes /dev/console and init's stdin/out/err */
        const char *console_slave_path; /* its /dev/pts/N path on the host (for bind-mounting) */
        const char *config_file;     /* LXC_CONFIG_FILE for lxc.hook.start, or NULL */
        /* lxc.tty.max: n_ttys host pty slaves, entry i bind-mounted onto /dev/tty<i+1> (as the console is
         * onto /dev/console). tty_slave_fds (required when n_ttys > 0) are chowned with lxc.idmap;
         * tty_slave_paths (may be NULL, or hold NULLs) are the bind sources, else /proc/self/fd/N. */
        const int *tty_slave_fds;
        const char *const *tty_slave_paths;
        size_t n_ttys;
} SpawnParams;

typedef struct SpawnResult {
        pid_t pid;   /* init, as seen from the host */
        int pidfd;   /* CLONE_PIDFD, O_CLOEXEC */
        /* The seccomp notification listener of init's lxc.seccomp.profile (O_CLOEXEC, blocking), or
         * -EBADF when the profile has no notify rules, there is no profile, or it was skipped (a confined
         * starter with lxc.seccomp.allow_nesting 0). The caller owns it and must close it: a syscall
         * matching a notify rule blocks until this fd answers it, and gets ENOSYS once it is closed. */
        int seccomp_notify_fd;
} SpawnResult;

/* Returns 0 once init has exec'd lxc.init.cmd; on failure a negative errno and *ret_error (malloc'd)
 * says what failed inside ("mount proc on /proc: Permission denied", "exec /sbin/init: No such file").
 * Nothing is left behind on failure (the child and its namespaces are gone, reaped).
 *
 * Details the caller may rely on:
 * - init is a child of the caller (exit signal SIGCHLD); reap it with waitid(P_PIDFD, ret->pidfd).
 * - Namespaces: mnt, pid, uts, ipc, cgroup always; net only when a lxc.net.N.type is "empty" (otherwise
 *   the host's network namespace is shared, as LXC does without lxc.net). With cgroup_fd >= 0 init
 *   starts in that cgroup (CLONE_INTO_CGROUP) and its cgroup namespace is rooted there.
 * - "exec'd" is detected by EOF on a CLOEXEC pipe; a child killed from outside before it could report is
 *   indistinguishable from an init that exec'd and died at once: the pidfd then polls readable.
 * - The caller's fds are all closed in init except the console, which becomes stdin/stdout/stderr and
 *   the controlling tty. With console_slave_fd < 0 init's stdio is /dev/null and /dev/console absent.
 * - lxc.hook.start (spawn/hooks.h) runs inside, after pivot_root, lxc.environment and before the identity
 *   switch and exec: with the container's /bin/sh, as the container's root with all its capabilities.
 *   A failing one fails the spawn with -ECANCELED (-ETIMEDOUT after 60 s) and its message, output tail
 *   included, in *ret_error.
 * - /dev/tty1../dev/tty<n_ttys> are the caller's pty slaves (lxc.tty.max; the caller allocates them from
 *   the host's devpts and keeps the masters). With autodev they are the only /dev/ttyN; without it an
 *   existing /dev/ttyN of the rootfs is bound over, a missing one created as an empty file (as LXC does).
 *   With autodev /dev/pts is always a private devpts instance (newinstance), limited to lxc.pty.max
 *   ptys when that is > 0; it never holds the console or the ttys, which come from the host's devpts.
 * - lxc.seccomp.profile is parsed before clone3 (a broken profile fails with its file and line) and
 *   loaded in init after the bounding set is dropped, before the id switch and the process capability
 *   drop (see spawn-seccomp.c); a notify profile's listener comes back in ret->seccomp_notify_fd. With
 *   notify rules under a starter whose filters already have a listener (and allow_nesting 1), the start
 *   fails with -EBUSY and a message naming nested notify.
 * - Identity, applied last before exec: lxc.cap.drop/keep (bounding set, then effective, permitted,
 *   inheritable and ambient), lxc.init.groups (always set: init never inherits the caller's supplementary
 *   groups), lxc.init.gid/uid (a non-root init has no capabilities left) and lxc.no_new_privs.
 * - With lxc.idmap: a new user namespace owning all the others. The caller must be root in its own
 *   namespace; spawn_container() writes uid_map/gid_map itself (no newuidmap), and beforehand chowns
 *   console_slave_fd, tty_slave_fds and the payload cgroup (cgroup_fd, with cgroup.procs, cgroup.threads and
 *   cgroup.subtree_control: delegation) to the host ids of the container's root. The rootfs must be owned
 *   by that root for init to write to it; the path to it need only be traversable by the caller.
 *   -EINVAL with a message when the maps lack uid 0 or gid 0. */
int spawn_container(const SpawnParams *p, SpawnResult *ret, char **ret_error);
