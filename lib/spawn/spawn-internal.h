/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Shared between spawn.c (clone, exec) and spawn-mount.c (the rootfs setup inside the child). Everything
 * here runs in the freshly cloned child, before pivot_root, with the host's filesystem still visible: all
 * paths inside the rootfs are resolved with openat2(RESOLVE_IN_ROOT) against root_fd so a symlink planted
 * in the container can never send a mount (or mkdir) to a host path. */

#include <stdbool.h>

#include "seccomp/seccomp-profile.h"
#include "spawn/hooks.h"
#include "spawn/spawn.h"

typedef struct SpawnChild {
        const SpawnParams *p;
        const BerthConfig *c;
        int root_fd;       /* O_PATH of the rootfs bind mount */
        bool new_netns;
        bool userns;       /* lxc.idmap: in a new user namespace, as its root */
        const SeccompProfile *seccomp; /* lxc.seccomp.profile, parsed by the parent; NULL = none */
        int seccomp_sock;  /* init's end of the listener socketpair (notify profiles), or -EBADF */
        /* "what: strerror" of the first failure, sent to the parent; room for a failed lxc.hook.start's
         * message with its output tail (HOOK_OUTPUT_MAX). */
        char error[HOOK_OUTPUT_MAX + 1024];
} SpawnChild;

/* Record "<formatted>: <strerror(-r)>" in s->error and return r (negative errno). */
int spawn_child_error(SpawnChild *s, int r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Paths inside the rootfs are opened (and created) with mount/open-in-root.h. */

/* lxc.mount.auto, autodev /dev, lxc.mount.entry. Each returns 0 or a negative errno with s->error set. */
int spawn_setup_mount_auto(SpawnChild *s);
int spawn_setup_dev(SpawnChild *s);
int spawn_setup_mount_entries(SpawnChild *s);

/* spawn-identity.c. Parent side: the container root's host ids (-EINVAL with a message when lxc.idmap
 * does not map uid/gid 0), chowning the console and payload cgroup to them, and writing the child's
 * uid_map/gid_map. Child side: become root inside the new user namespace; at the end, drop capabilities,
 * switch to lxc.init.uid/gid/groups and set no_new_privs. */
int spawn_userns_root(const BerthConfig *c, uid_t *ret_uid, gid_t *ret_gid, char **ret_error);
int spawn_userns_chown(const SpawnParams *p, uid_t uid, gid_t gid, char **ret_error);
int spawn_write_idmaps(pid_t pid, const BerthConfig *c, char **ret_error);
int spawn_child_become_userns_root(SpawnChild *s);
int spawn_child_setup_identity(SpawnChild *s);

/* spawn-seccomp.c. Parent, before clone3: parse lxc.seccomp.profile (*ret_profile NULL if none; errors
 * name the profile's file and line) and, for notify rules, make the listener socketpair (ret_sock[1] is
 * init's end; both -EBADF otherwise). Child: load it (called from spawn_child_setup_identity()) and send
 * the listener. Parent, after exec: receive it (*ret_fd -EBADF when none was made). */
int spawn_seccomp_prepare(const BerthConfig *c, SeccompProfile **ret_profile, int ret_sock[static 2],
                          char **ret_error);
int spawn_child_load_seccomp(SpawnChild *s);
int spawn_seccomp_receive(int sock, int *ret_fd, char **ret_error);

/* "/proc/self/fd/N" for mounting onto (or from) an fd. */
#define SPAWN_FD_PATH_MAX 32
static inline const char *spawn_fd_path(char buf[static SPAWN_FD_PATH_MAX], int fd) {
        snprintf(buf, SPAWN_FD_PATH_MAX, "/proc/self/fd/%d", fd);
        return buf;
}
