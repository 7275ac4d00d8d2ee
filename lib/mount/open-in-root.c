/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "mount/open-in-root.h"
#include "util/fd-util.h"
#include "util/macro.h"

int openat2_fd(int dirfd, const char *path, int flags, mode_t mode, uint64_t resolve) {
        struct open_how how = {
                .flags = (uint64_t) (flags | O_CLOEXEC),
                .mode = (flags & O_CREAT) ? mode : 0,
                .resolve = resolve,
        };
        int fd = (int) syscall(SYS_openat2, dirfd, path, &how, sizeof how);
        return fd < 0 ? -errno : fd;
}

int open_in_root(int root_fd, const char *path, int flags, mode_t mode) {
        while (*path == '/')
                path++;
        if (!*path)
                path = ".";
        return openat2_fd(root_fd, path, flags, mode, RESOLVE_CONTAINER_ROOT);
}

int mkdir_p_in_root(int root_fd, const char *path, mode_t mode) {
        char *buf = strdupa(path);
        size_t len = strlen(buf);
        _cleanup_close_ int parent = -EBADF;

        parent = fcntl(root_fd, F_DUPFD_CLOEXEC, 3);
        if (parent < 0)
                return -errno;

        for (size_t i = 0; i <= len;) {
                while (i < len && buf[i] == '/')
                        i++;
                if (i >= len)
                        break;
                size_t j = i;
                while (j < len && buf[j] != '/')
                        j++;

                char saved = buf[j];
                buf[j] = 0;
                if (mkdirat(parent, buf + i, mode) < 0 && errno != EEXIST)
                        return -errno;
                int fd = open_in_root(root_fd, buf, O_PATH | O_DIRECTORY, 0);
                buf[j] = saved;
                if (fd < 0)
                        return fd;
                safe_close(parent);
                parent = fd;
                i = j;
        }
        return TAKE_FD(parent);
}
