/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "util/fd-util.h"
#include "util/macro.h"
#include "util/pty-util.h"

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

int pty_open_console(int *ret_master, int *ret_slave, char **ret_slave_path) {
        _cleanup_close_ int master = -EBADF, slave = -EBADF;
        _cleanup_free_ char *path = NULL;
        char name[64];
        int r;

        if (!ret_master || !ret_slave)
                return -EINVAL;

        master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (master < 0)
                return -errno;
        if (grantpt(master) < 0)
                return -errno;
        if (unlockpt(master) < 0)
                return -errno;

        r = ptsname_r(master, name, sizeof name);
        if (r != 0)
                return -r;
        path = strdup(name);
        if (!path)
                return -ENOMEM;

        /* Opening the peer through the master fd cannot be tricked by whatever is mounted at /dev/pts
         * now; the path is only a fallback for kernels before 4.13. */
        slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (slave < 0) {
                if (errno != EINVAL && errno != ENOTTY)
                        return -errno;
                slave = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
                if (slave < 0)
                        return -errno;
        }

        /* The slave stays in the default cooked mode on purpose: the container sees a normal console.
         * Only the master, read from the event loop, must never block. */
        r = fd_nonblock(master, true);
        if (r < 0)
                return r;

        *ret_master = TAKE_FD(master);
        *ret_slave = TAKE_FD(slave);
        if (ret_slave_path)
                *ret_slave_path = TAKE_PTR(path);
        return 0;
}

int pty_set_winsize(int fd, unsigned rows, unsigned cols) {
        struct winsize ws = {};

        if (fd < 0)
                return -EBADF;
        if (rows > USHRT_MAX || cols > USHRT_MAX)
                return -ERANGE;

        ws.ws_row = (unsigned short) rows;
        ws.ws_col = (unsigned short) cols;
        return RET_NERRNO(ioctl(fd, TIOCSWINSZ, &ws));
}
