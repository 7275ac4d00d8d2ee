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
} SpawnParams;

typedef struct SpawnResult {
        pid_t pid;   /* init, as seen from the host */
        int pidfd;   /* CLONE_PIDFD, O_CLOEXEC */
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
 * - lxc.tty.max is not implemented yet (/dev/ttyN are not created; logged at debug level).
 * - Identity, applied last before exec: lxc.cap.drop/keep (bounding set, then effective, permitted,
 *   inheritable and ambient), lxc.init.groups (always set: init never inherits the caller's supplementary
 *   groups), lxc.init.gid/uid (a non-root init has no capabilities left) and lxc.no_new_privs.
 * - With lxc.idmap: a new user namespace owning all the others. The caller must be root in its own
 *   namespace; spawn_container() writes uid_map/gid_map itself (no newuidmap), and beforehand chowns
 *   console_slave_fd and the payload cgroup (cgroup_fd, with cgroup.procs, cgroup.threads and
 *   cgroup.subtree_control: delegation) to the host ids of the container's root. The rootfs must be owned
 *   by that root for init to write to it; the path to it need only be traversable by the caller.
 *   -EINVAL with a message when the maps lack uid 0 or gid 0. */
int spawn_container(const SpawnParams *p, SpawnResult *ret, char **ret_error);
