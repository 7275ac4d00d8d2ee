/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* openat2() for paths inside a container's root, shared by the spawn child (rootfs setup before
 * pivot_root) and mount injection (a running container's /proc/<pid>/root). Both see the host's
 * filesystem around the root, so every lookup is scoped to it: "/" and ".." stop there, absolute
 * symlinks restart there, and /proc magic links (which could jump to a host path) are refused. */

#include <linux/openat2.h>
#include <stdint.h>
#include <sys/types.h>

#define RESOLVE_CONTAINER_ROOT (RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS)

/* glibc 2.36 has no wrapper. O_CLOEXEC is added; mode is passed only with O_CREAT.
 * Returns an fd or -errno. */
int openat2_fd(int dirfd, const char *path, int flags, mode_t mode, uint64_t resolve);

/* Open path inside the root (leading '/' ignored; "" or "/" is the root itself), following symlinks as
 * if root_fd were '/'. Returns an fd (O_CLOEXEC) or -errno. */
int open_in_root(int root_fd, const char *path, int flags, mode_t mode);

/* mkdir -p inside the root. Each component is created with mkdirat() (which never follows the new name)
 * and the next parent is resolved from the root again, so symlinks met on the way stay inside it.
 * Returns an O_PATH fd of the final directory, or -errno. */
int mkdir_p_in_root(int root_fd, const char *path, mode_t mode);
