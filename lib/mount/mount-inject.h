/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Mount injection into a running container with the new mount API (issue 4, lxc-semantics.md §5).
 *
 * A bind is cloned on the host with open_tree() and gets its flags (and private propagation, so mounts
 * never travel between host and container through it) in one mount_setattr() while still detached. A
 * filesystem is made with fsopen()/fsconfig()/fsmount() by a helper inside the container's pid, net, IPC
 * and cgroup namespaces, so proc, sysfs, mqueue and cgroup2 show the container's, not the host's. Then a
 * short-lived helper enters the container's mount (and user) namespace and move_mount()s the detached
 * mount onto a target resolved with openat2(RESOLVE_IN_ROOT) against the container's root. Nothing is
 * ever staged in a directory the container can see, and no path from the container is followed on the
 * host.
 *
 * These calls block for the helper's lifetime (a few ms) and fork, so daemons call them from a child
 * or a worker, not from an event-loop handler. */

#include <stdbool.h>
#include <stdint.h>

typedef struct MountInjectRequest {
        const char *source;   /* host path for binds (absolute); "" (or a device/name) for filesystems */
        const char *target;   /* path inside the container, resolved against the container's root */
        const char *fstype;   /* "" or "none" (or MS_BIND in flags): a bind; else tmpfs, proc, devtmpfs, … */
        unsigned long flags;  /* MS_BIND, MS_REC, MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_NOATIME,
                               * MS_NODIRATIME, MS_NOSYMFOLLOW, MS_SILENT; anything else is -EINVAL */
        const char *data;     /* filesystem options "size=1m,mode=0755"; must be empty for binds */
        bool idmap;           /* binds only: MOUNT_ATTR_IDMAP with the container's user namespace */
} MountInjectRequest;

/* init_pidfd: pidfd of the container's init. Returns 0, or -errno with *ret_error (if non-NULL, caller
 * frees) a message naming what failed. *ret_error is only written on failure (NULL if out of memory). */
int mount_inject(int init_pidfd, const MountInjectRequest *req, char **ret_error);

/* umount_flags: MNT_FORCE, MNT_DETACH, MNT_EXPIRE, UMOUNT_NOFOLLOW. A target that is not a mount point
 * is -EINVAL with "<target> is not a mount point"; other failures return umount2()'s real errno. */
int mount_remove(int init_pidfd, const char *target, unsigned long umount_flags, char **ret_error);

/* True if the kernel has open_tree, move_mount, fsopen, fsmount, mount_setattr and openat2 (and pidfd
 * setns, 5.8+): the condition for the mount_injection / mount_injection_file API extensions. Cached. */
bool mount_inject_supported(void);

/* Pure helpers, exposed for the unit test. */

/* MS_* flags of a request → MOUNT_ATTR_* bits for mount_setattr()/fsmount(). MS_BIND, MS_REC and
 * MS_SILENT are accepted and carry no attribute. Unknown or meaningless flags (MS_MOVE, MS_REMOUNT,
 * MS_SHARED, …) are -EINVAL. */
int mount_flags_to_attr(unsigned long flags, uint64_t *ret_attr);

/* Split filesystem options "size=1m,mode=0755,noswap" into a strv of items; an empty item (",,", a
 * leading or trailing comma, "=x") is -EINVAL. NULL or "" gives an empty (NULL) list. */
int mount_data_split(const char *data, char ***ret);
