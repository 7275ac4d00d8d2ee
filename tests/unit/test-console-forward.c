/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* berthctl console's forwarding loop, run in a child against real ptys: a "local terminal" pty pair
 * (the test types on its master) and a "peer" pty pair whose master is what OpenConsole would return
 * (the test plays the monitor on its raw slave). Pipe mode uses pipes for stdin/stdout. */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "ctl/console-forward.h"
#include "tap.h"
#include "unit-util.h"
#include "util/fd-util.h"
#include "util/macro.h"
#include "util/pty-util.h"

typedef struct Report {
        int r, end, signo;
} Report;

typedef struct Child {
        pid_t pid;
        int report_fd;
} Child;

/* Fork a child running console_forward(); it closes the listed fds first (the test's ends). */
static Child start(int in, int out, int pty, int escape, const int *close_fds, size_t n_close) {
        int p[2];
        Child c = { .pid = -1, .report_fd = -EBADF };

        if (pipe2(p, O_CLOEXEC) < 0)
                return c;
        c.pid = fork();
        if (c.pid == 0) {
                Report rep = {};
                ConsoleForwardEnd end = 0;
                for (size_t i = 0; i < n_close; i++)
                        safe_close(close_fds[i]);
                safe_close(p[0]);
                ConsoleForwardParams params = {
                        .input_fd = in, .output_fd = out, .pty_fd = pty, .escape = escape,
                        .linger_msec = 200, .linger_max_msec = 2000,
                };
                rep.r = console_forward(&params, &end, &rep.signo);
                rep.end = (int) end;
                (void) write(p[1], &rep, sizeof rep);
                _exit(0);
        }
        safe_close(p[1]);
        c.report_fd = p[0];
        return c;
}

/* The child's result, or r = -ETIMEDOUT (the child is killed then). */
static Report finish(Child *c, int timeout_ms) {
        Report rep = { .r = -ETIMEDOUT, .end = -1 };
        struct pollfd p = { .fd = c->report_fd, .events = POLLIN };

        if (poll(&p, 1, timeout_ms) != 1 || read(c->report_fd, &rep, sizeof rep) != (ssize_t) sizeof rep) {
                rep = (Report) { .r = -ETIMEDOUT, .end = -1 };
                kill(c->pid, SIGKILL);
        }
        waitpid(c->pid, NULL, 0);
        c->report_fd = safe_close(c->report_fd);
        return rep;
}

static bool is_raw(int fd) {
        struct termios t;
        return tcgetattr(fd, &t) == 0 && !(t.c_lflag & (ICANON | ECHO | ISIG)) && !(t.c_oflag & OPOST);
}

static bool is_cooked(int fd) {
        struct termios t;
        return tcgetattr(fd, &t) == 0 && (t.c_lflag & ICANON) && (t.c_lflag & ECHO) && (t.c_lflag & ISIG);
}

static bool winsize_is(int fd, unsigned rows, unsigned cols) {
        struct winsize ws;
        return ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_row == rows && ws.ws_col == cols;
}

/* Poll a condition for up to 2 s. */
#define WAIT_FOR(cond)                                                          \
        ({                                                                      \
                bool _ok_ = false;                                              \
                for (unsigned _i_ = 0; _i_ < 200 && !(_ok_ = (cond)); _i_++)    \
                        usleep(10 * 1000);                                      \
                _ok_;                                                           \
        })

/* A peer pty as the monitor makes it: raw slave, master for the client. */
static int open_peer(int *ret_master, int *ret_slave) {
        struct termios t;
        int r = pty_open_console(ret_master, ret_slave, NULL);
        if (r < 0)
                return r;
        tcgetattr(*ret_slave, &t);
        cfmakeraw(&t);
        tcsetattr(*ret_slave, TCSANOW, &t);
        return 0;
}

static void test_parse_escape(void) {
        int e = 0;

        TAP_OK(console_forward_parse_escape("a", &e) == 0 && e == 0x01, "--escape a is Ctrl-a");
        TAP_OK(console_forward_parse_escape("B", &e) == 0 && e == 0x02, "--escape B is Ctrl-b");
        TAP_OK(console_forward_parse_escape("^t", &e) == 0 && e == 0x14, "--escape ^t is Ctrl-t");
        TAP_OK(console_forward_parse_escape("^]", &e) == 0 && e == 0x1d, "--escape ^] is Ctrl-]");
        TAP_OK(console_forward_parse_escape("none", &e) == 0 && e == -1, "--escape none disables it");
        TAP_EQ_INT(console_forward_parse_escape("1", &e), -EINVAL, "a digit is refused");
        TAP_EQ_INT(console_forward_parse_escape("ab", &e), -EINVAL, "two letters are refused");
        TAP_EQ_INT(console_forward_parse_escape("", &e), -EINVAL, "empty is refused");
}

static void test_tty(void) {
        _cleanup_close_ int tm = -EBADF, ts = -EBADF, pm = -EBADF, ps = -EBADF;
        char buf[256];
        Report rep;
        Child c;

        if (pty_open_console(&tm, &ts, NULL) < 0 || open_peer(&pm, &ps) < 0) {
                TAP_SKIP("no usable /dev/ptmx on this host");
                return;
        }
        fd_nonblock(tm, false);
        pty_set_winsize(tm, 30, 90);

        int close_in_child[] = { tm, ps };
        c = start(ts, ts, pm, CONSOLE_FORWARD_ESCAPE_DEFAULT, close_in_child, ELEMENTSOF(close_in_child));
        pm = safe_close(pm);

        TAP_OK(WAIT_FOR(is_raw(ts)), "the local terminal goes raw");
        TAP_OK(WAIT_FOR(winsize_is(ps, 30, 90)), "the console gets the local size at start");

        TAP_EQ_INT(write(tm, "abc", 3), 3, "type abc");
        unit_read_some(ps, buf, 3);
        TAP_EQ_STR(buf, "abc", "the console gets it at once, without a newline");
        TAP_EQ_INT(write(ps, "hi\r\n", 4), 4, "the container answers");
        unit_read_some(tm, buf, 4);
        TAP_EQ_STR(buf, "hi\r\n", "the terminal shows it unchanged (no output processing)");

        TAP_EQ_INT(write(tm, "\x03", 1), 1, "Ctrl-C");
        unit_read_some(ps, buf, 1);
        TAP_EQ_STR(buf, "\x03", "goes to the container, it does not interrupt berthctl");
        TAP_EQ_INT(write(tm, "\x01\x01", 2), 2, "Ctrl-a Ctrl-a");
        unit_read_some(ps, buf, 1);
        TAP_EQ_STR(buf, "\x01", "sends one Ctrl-a");
        TAP_EQ_INT(write(tm, "\x01", 1), 1, "Ctrl-a, then later");
        usleep(50 * 1000);
        TAP_EQ_INT(write(tm, "x", 1), 1, "x");
        unit_read_some(ps, buf, 2);
        TAP_EQ_STR(buf, "\x01x", "an unknown command sends both keys");

        TAP_EQ_INT(pty_set_winsize(tm, 45, 120), 0, "the local terminal is resized");
        kill(c.pid, SIGWINCH);
        TAP_OK(WAIT_FOR(winsize_is(ps, 45, 120)), "SIGWINCH copies the new size to the console");

        /* Read before the child exits: its exit closes the master, and a hang-up discards unread input. */
        TAP_EQ_INT(write(tm, "z\x01q", 3), 3, "z, Ctrl-a q");
        unit_read_some(ps, buf, 1);
        TAP_EQ_STR(buf, "z", "what came before the escape was sent");
        rep = finish(&c, 3000);
        TAP_OK(rep.r == 0 && rep.end == CONSOLE_FORWARD_DETACHED, "detached (r=%d end=%d)", rep.r, rep.end);
        errno = 0;
        TAP_OK(read(ps, buf, sizeof buf) <= 0, "and the escape sequence was not");
        TAP_OK(is_cooked(ts), "the terminal is restored");
}

static void test_tty_signal_and_hangup(void) {
        _cleanup_close_ int tm = -EBADF, ts = -EBADF, pm = -EBADF, ps = -EBADF;
        char buf[256];
        Report rep;
        Child c;

        if (pty_open_console(&tm, &ts, NULL) < 0 || open_peer(&pm, &ps) < 0) {
                TAP_SKIP("no usable /dev/ptmx on this host");
                return;
        }
        fd_nonblock(tm, false);

        int close1[] = { tm, ps };
        c = start(ts, ts, pm, CONSOLE_FORWARD_ESCAPE_DEFAULT, close1, ELEMENTSOF(close1));
        TAP_OK(WAIT_FOR(is_raw(ts)), "raw again");
        kill(c.pid, SIGTERM);
        rep = finish(&c, 3000);
        TAP_OK(rep.r == 0 && rep.end == CONSOLE_FORWARD_SIGNAL && rep.signo == SIGTERM,
               "SIGTERM ends forwarding (r=%d end=%d signo=%d)", rep.r, rep.end, rep.signo);
        TAP_OK(is_cooked(ts), "and the terminal is restored");

        /* The monitor drops the peer (container stopped): what it said last is still shown. */
        int close2[] = { tm, ps };
        c = start(ts, ts, pm, CONSOLE_FORWARD_ESCAPE_DEFAULT, close2, ELEMENTSOF(close2));
        pm = safe_close(pm);
        TAP_OK(WAIT_FOR(is_raw(ts)), "raw again");
        TAP_EQ_INT(write(ps, "bye\r\n", 5), 5, "the container's last words");
        ps = safe_close(ps);
        rep = finish(&c, 3000);
        TAP_OK(rep.r == 0 && rep.end == CONSOLE_FORWARD_HANGUP, "console hang-up ends it (r=%d end=%d)", rep.r,
               rep.end);
        unit_read_some(tm, buf, 5);
        TAP_EQ_STR(buf, "bye\r\n", "output from before the hang-up was shown");
        TAP_OK(is_cooked(ts), "the terminal is restored");
}

static void test_pipe(void) {
        _cleanup_close_ int pm = -EBADF, ps = -EBADF;
        _cleanup_close_pair_ int in[2] = { -EBADF, -EBADF }, out[2] = { -EBADF, -EBADF };
        char buf[256];
        Report rep;
        Child c;

        if (open_peer(&pm, &ps) < 0 || pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0) {
                TAP_SKIP("no ptys or pipes");
                return;
        }
        pty_set_winsize(pm, 33, 77);

        int close_in_child[] = { in[1], out[0], ps };
        c = start(in[0], out[1], pm, CONSOLE_FORWARD_ESCAPE_DEFAULT, close_in_child, ELEMENTSOF(close_in_child));
        in[0] = safe_close(in[0]);
        out[1] = safe_close(out[1]);
        pm = safe_close(pm);

        const char cmd[] = "echo \x01q\n";
        TAP_EQ_INT(write(in[1], cmd, strlen(cmd)), (long long) strlen(cmd), "a command on a pipe");
        in[1] = safe_close(in[1]);
        unit_read_some(ps, buf, strlen(cmd));
        TAP_EQ_STR(buf, cmd, "reaches the console unchanged: no escape sequence in pipe mode");
        TAP_OK(winsize_is(ps, 33, 77), "no terminal, so the console's size was left alone");

        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        TAP_EQ_INT(write(ps, "answer\r\n", 8), 8, "the container answers after the input ended");
        unit_read_some(out[0], buf, 8);
        TAP_EQ_STR(buf, "answer\r\n", "the answer is still forwarded");
        rep = finish(&c, 4000);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
        TAP_OK(rep.r == 0 && rep.end == CONSOLE_FORWARD_INPUT_EOF, "then it detaches (r=%d end=%d)", rep.r, rep.end);
        TAP_OK(ms >= 150 && ms < 2000, "after the console was quiet for the linger time (%ld ms)", ms);
}

int main(void) {
        test_parse_escape();
        test_tty();
        test_tty_signal_and_hangup();
        test_pipe();
        return tap_done();
}
