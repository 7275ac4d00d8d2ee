/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The container cgroups on the cgroup2 hierarchy (lib/monitor/README.md "cgroups"):
 * <unified>/<base>/<name>/monitor and <unified>/<base>/<name>/payload, where <unified> is /sys/fs/cgroup
 * on a pure cgroup2 host and /sys/fs/cgroup/unified on a hybrid one. All paths here are absolute
 * file-system paths. */

#include <stdbool.h>
#include <sys/types.h>

/* The cgroup2 mount point: -ENOMEDIUM if the host has none. */
int cgroup_find_unified(char **ret_path);
/* "berth" for the installed paths (root NULL), "berth-<8 hex digits>" (FNV-1a of root) otherwise, so
 * test runs with different roots never collide. */
int cgroup_base_name(const char *root, char **ret);
/* <unified>/<base>/<name> (and its monitor/payload children). */
int cgroup_container_path(const char *root, const char *name, char **ret);

/* mkdir -p (0755); existing directories are fine. */
int cgroup_create(const char *path);
/* Write pid (0 = the caller) to <path>/cgroup.procs. */
int cgroup_attach(const char *path, pid_t pid);
/* A directory fd for CLONE_INTO_CGROUP (O_DIRECTORY|O_CLOEXEC). */
int cgroup_open(const char *path);
/* rmdir, retrying for a while as the kernel still tears exited processes down; with kill_remaining,
 * what is left is killed first (cgroup.kill). Never pass kill_remaining for a cgroup the caller might
 * still be in. A missing directory is success. */
int cgroup_remove(const char *path, bool kill_remaining);
/* The unified-hierarchy cgroup of pid (0 = self) relative to the hierarchy root, e.g. "/berth/c1/payload". */
int cgroup_pid_get_path(pid_t pid, char **ret);
/* Write <path>/cgroup.freeze (cgroup2 freezer, Linux 5.2+). Freezing is asynchronous: wait for
 * cgroup_get_frozen() (cgroup.events changes, so inotify IN_MODIFY on it wakes the waiter). */
int cgroup_set_frozen(const char *path, bool frozen);
/* The "frozen" field of <path>/cgroup.events: 1, 0, or -EOPNOTSUPP when the kernel has no freezer. */
int cgroup_get_frozen(const char *path);
