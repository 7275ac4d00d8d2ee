/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <sys/types.h>

#include "macro.h"

/* Read a whole file (NUL-terminated; length without the NUL). dir_fd may be AT_FDCWD. */
int read_full_file_at(int dir_fd, const char *path, char **ret, size_t *ret_size);
static inline int read_full_file(const char *path, char **ret, size_t *ret_size) {
        return read_full_file_at(-100 /* AT_FDCWD */, path, ret, ret_size);
}
/* Write s to an existing file (no O_CREAT): for /proc and /sys knobs. */
int write_string_file(const char *path, const char *s);
/* Create or replace path atomically (temp file + rename) with mode. */
int write_file_atomic(const char *path, const void *data, size_t size, mode_t mode);
/* mkdir -p with mode for created components. */
int mkdir_p(const char *path, mode_t mode);
/* rm -rf that never crosses mount points. */
int rm_rf(const char *path);
