/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Console pty pairs from the host /dev/ptmx: flags, cooked slave (ONLCR, canonical input), a
 * non-blocking master, window size. */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "tap.h"
#include "unit-util.h"
#include "util/fd-util.h"
#include "util/macro.h"
#include "util/pty-util.h"

int main(void) {
        _cleanup_close_ int master = -EBADF, slave = -EBADF;
        _cleanup_free_ char *path = NULL;
        struct stat st_path, st_fd;
        struct termios t;
        struct winsize ws = {};
        char buf[256];
        int r, before;

        before = fd_count(0);

        r = pty_open_console(&master, &slave, &path);
        if (r == -ENOENT || r == -EACCES || r == -EPERM) {
                TAP_SKIP("no usable /dev/ptmx on this host");
                return tap_done();
        }
        TAP_EQ_INT(r, 0, "pty_open_console");
        TAP_OK(master >= 0 && slave >= 0, "two fds returned");
        TAP_OK(path && startswith(path, "/dev/pts/"), "slave path %s is under /dev/pts", strna(path));
        TAP_OK(path && stat(path, &st_path) == 0 && fstat(slave, &st_fd) == 0 &&
               st_path.st_rdev == st_fd.st_rdev, "slave path names the slave fd's device");

        TAP_OK((fcntl(master, F_GETFD) & FD_CLOEXEC) != 0, "master is O_CLOEXEC");
        TAP_OK((fcntl(slave, F_GETFD) & FD_CLOEXEC) != 0, "slave is O_CLOEXEC");
        TAP_OK((fcntl(master, F_GETFL) & O_NONBLOCK) != 0, "master is non-blocking");
        TAP_OK((fcntl(slave, F_GETFL) & O_NONBLOCK) == 0, "slave is blocking");
        TAP_OK(isatty(slave), "slave is a tty");

        TAP_OK(tcgetattr(slave, &t) == 0 && (t.c_lflag & ICANON) && (t.c_lflag & ECHO) &&
               (t.c_oflag & OPOST) && (t.c_oflag & ONLCR), "slave is in cooked mode");

        errno = 0;
        TAP_OK(read(master, buf, sizeof buf) < 0 && errno == EAGAIN, "empty master read is EAGAIN, not a hang");

        /* Output: "\n" becomes "\r\n" like on a real console. */
        TAP_EQ_INT(write(slave, "hello\n", 6), 6, "write on slave");
        TAP_EQ_INT(unit_read_some(master, buf, 7), 7, "read on master");
        TAP_EQ_STR(buf, "hello\r\n", "master sees the slave's output with CRLF");

        /* Input: canonical, so the slave gets a whole line; ECHO sends it back to the master. */
        TAP_EQ_INT(write(master, "ls\n", 3), 3, "write on master");
        {
                struct pollfd p = { .fd = slave, .events = POLLIN };
                TAP_OK(poll(&p, 1, 2000) == 1, "slave readable");
                ssize_t k = read(slave, buf, sizeof buf - 1);
                buf[k > 0 ? k : 0] = 0;
                TAP_EQ_STR(buf, "ls\n", "slave reads the line typed on the master");
                TAP_EQ_INT(unit_read_some(master, buf, 4), 4, "echo reaches the master");
                TAP_EQ_STR(buf, "ls\r\n", "echo is the typed line");
        }

        TAP_EQ_INT(pty_set_winsize(master, 24, 80), 0, "set winsize on master");
        r = ioctl(slave, TIOCGWINSZ, &ws);
        TAP_OK(r == 0 && ws.ws_row == 24 && ws.ws_col == 80, "slave sees 24x80 (got %ux%u)", ws.ws_row, ws.ws_col);
        TAP_EQ_INT(pty_set_winsize(slave, 50, 132), 0, "set winsize on slave");
        r = ioctl(master, TIOCGWINSZ, &ws);
        TAP_OK(r == 0 && ws.ws_row == 50 && ws.ws_col == 132, "master sees 50x132 (got %ux%u)", ws.ws_row,
               ws.ws_col);
        TAP_EQ_INT(pty_set_winsize(master, 70000, 80), -ERANGE, "rows beyond unsigned short refused");
        {
                _cleanup_close_pair_ int p[2] = { -EBADF, -EBADF };
                TAP_OK(pipe2(p, O_CLOEXEC) == 0, "pipe");
                TAP_EQ_INT(pty_set_winsize(p[0], 24, 80), -ENOTTY, "winsize on a non-tty is -ENOTTY");
        }

        /* Second pair without a path: a distinct device, nothing leaked. */
        {
                _cleanup_close_ int m2 = -EBADF, s2 = -EBADF;
                TAP_EQ_INT(pty_open_console(&m2, &s2, NULL), 0, "open without a path");
                struct stat a, b;
                TAP_OK(fstat(s2, &a) == 0 && fstat(slave, &b) == 0 && a.st_rdev != b.st_rdev,
                       "second pair is a different pty");
        }

        master = safe_close(master);
        slave = safe_close(slave);
        TAP_EQ_INT(fd_count(0), before, "no fds leaked");

        return tap_done();
}
