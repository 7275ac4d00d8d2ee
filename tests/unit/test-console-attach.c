/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Console attach, driven the way berth-monitor drives it but with poll(): a "console" pty pair made
 * here plays the container's console, the attached peers are real ptys. No root needed. */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "console/console-attach.h"
#include "tap.h"
#include "util/fd-util.h"
#include "util/macro.h"
#include "util/pty-util.h"

/* The owner's side of the callbacks: which fds it watches, like sd-event sources. */
typedef struct Watch {
        ConsolePeer *peer;
        int fd;
        uint32_t events;
} Watch;

static Watch watches[CONSOLE_ATTACH_PEERS_MAX + 1];
static size_t n_watches;
static unsigned n_unwatched;
static bool console_pollout;
static int console_master = -EBADF;

static Watch *find_watch(ConsolePeer *p) {
        for (size_t i = 0; i < n_watches; i++)
                if (watches[i].peer == p)
                        return &watches[i];
        return NULL;
}

static int on_watch_peer(ConsoleAttach *a, ConsolePeer *p, int fd, uint32_t events, void *userdata) {
        Watch *w = find_watch(p);

        if (!w) {
                if (n_watches >= ELEMENTSOF(watches))
                        return -ENOSPC;
                w = &watches[n_watches++];
        }
        *w = (Watch) { .peer = p, .fd = fd, .events = events };
        return 0;
}

static void on_unwatch_peer(ConsoleAttach *a, ConsolePeer *p, void *userdata) {
        Watch *w = find_watch(p);

        if (!w)
                return;
        /* The fd must still be open here, so an epoll-based owner can remove it. */
        if (fcntl(w->fd, F_GETFD) < 0)
                abort();
        *w = watches[--n_watches];
        n_unwatched++;
}

static void on_watch_console(ConsoleAttach *a, bool want_output, void *userdata) {
        console_pollout = want_output;
}

static const ConsoleAttachCallbacks callbacks = {
        .watch_peer = on_watch_peer,
        .unwatch_peer = on_unwatch_peer,
        .watch_console = on_watch_console,
};

static uint64_t now_msec(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000 + (uint64_t) ts.tv_nsec / 1000000;
}

/* One round of the monitor's loop: the console master (read → ring → peers; POLLOUT when input is
 * queued) and every watched peer. Returns the number of ready fds. */
static int pump_once(ConsoleAttach *a, int timeout_ms) {
        struct pollfd pfd[1 + ELEMENTSOF(watches)];
        ConsolePeer *peers[ELEMENTSOF(watches)];
        size_t n = n_watches;
        char buf[4096];
        int k;

        pfd[0] = (struct pollfd) { .fd = console_master, .events = POLLIN | (console_pollout ? POLLOUT : 0) };
        for (size_t i = 0; i < n; i++) {
                pfd[i + 1] = (struct pollfd) { .fd = watches[i].fd, .events = (short) watches[i].events };
                peers[i] = watches[i].peer;
        }
        k = poll(pfd, n + 1, timeout_ms);
        if (k <= 0)
                return 0;

        if (pfd[0].revents & POLLIN) {
                ssize_t r = read(console_master, buf, sizeof buf);
                if (r > 0)
                        console_attach_console_output(a, buf, (size_t) r);
        }
        if (pfd[0].revents & POLLOUT)
                console_attach_console_writable(a);
        for (size_t i = 0; i < n; i++)
                if (pfd[i + 1].revents && find_watch(peers[i])) /* not dropped meanwhile */
                        (void) console_attach_peer_event(a, peers[i], (uint32_t) pfd[i + 1].revents);
        return k;
}

/* Run the loop until nothing happened for quiet_ms. */
static void pump(ConsoleAttach *a, int quiet_ms) {
        uint64_t deadline = now_msec() + 5000;

        while (pump_once(a, quiet_ms) > 0 && now_msec() < deadline)
                ;
}

/* What is readable on fd right now (after a pump), NUL-terminated. */
static size_t read_avail(int fd, char *buf, size_t size) {
        size_t got = 0;

        while (got + 1 < size) {
                struct pollfd p = { .fd = fd, .events = POLLIN };
                if (poll(&p, 1, 50) <= 0 || !(p.revents & POLLIN))
                        break;
                ssize_t k = read(fd, buf + got, size - 1 - got);
                if (k <= 0)
                        break;
                got += (size_t) k;
        }
        buf[got] = 0;
        return got;
}

static bool winsize_is(int fd, unsigned rows, unsigned cols) {
        struct winsize ws;
        return ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_row == rows && ws.ws_col == cols;
}

static void test_backpressure(ConsoleAttach *a, int console_slave, int client) {
        /* The container stops reading its console; a client pastes 256 KiB. Nothing may be lost, the
         * monitor must never block, and once the container reads again everything arrives in order. */
        enum { TOTAL = 256 * 1024 };
        _cleanup_free_ char *out = malloc(TOTAL), *in = malloc(TOTAL);
        struct termios t;
        size_t sent = 0, got = 0;
        bool saw_pollout = false, saw_in_blocked = false;

        if (!out || !in)
                abort();
        for (size_t i = 0; i < TOTAL; i++)
                out[i] = (char) ('a' + (i * 7 + i / 251) % 26);

        /* Raw, so the line discipline throttles instead of dropping an overlong line as canonical mode
         * does, and does not echo the paste back to the peers. */
        tcgetattr(console_slave, &t);
        cfmakeraw(&t);
        tcsetattr(console_slave, TCSANOW, &t);
        fd_nonblock(client, true);
        fd_nonblock(console_slave, true);

        uint64_t deadline = now_msec() + 10000;
        while (got < TOTAL && now_msec() < deadline) {
                if (sent < TOTAL) {
                        ssize_t k = write(client, out + sent, TOTAL - sent);
                        if (k > 0)
                                sent += (size_t) k;
                }
                pump_once(a, 10);
                saw_pollout = saw_pollout || console_pollout;
                for (size_t i = 0; i < n_watches; i++)
                        if (!(watches[i].events & POLLIN))
                                saw_in_blocked = true;
                /* The container reads slowly, and only after a while. */
                if (saw_pollout || sent == TOTAL) {
                        ssize_t k = read(console_slave, in + got, MIN((size_t) 8192, TOTAL - got));
                        if (k > 0)
                                got += (size_t) k;
                }
        }
        TAP_EQ_INT(got, TOTAL, "a 256 KiB paste reaches a slow console completely");
        TAP_OK(got == TOTAL && memcmp(in, out, TOTAL) == 0, "in order and unchanged");
        TAP_OK(saw_pollout, "the console master was watched for POLLOUT while input was queued");
        TAP_OK(saw_in_blocked, "peers were not read while input was queued (back-pressure to the client)");
        TAP_OK(!console_pollout, "POLLOUT on the console dropped again once the queue drained");

        fd_nonblock(client, false);
        fd_nonblock(console_slave, false);
        t.c_lflag |= ICANON | ECHO;
        t.c_oflag |= OPOST | ONLCR;
        tcsetattr(console_slave, TCSANOW, &t);
}

int main(void) {
        _cleanup_close_ int console_slave = -EBADF, c1 = -EBADF, c2 = -EBADF;
        ConsoleAttach *a = NULL;
        ConsolePeer *p1 = NULL, *p2 = NULL;
        char buf[256], chunk[8192];
        int r, before;

        before = fd_count(0);

        r = pty_open_console(&console_master, &console_slave, NULL);
        if (r == -ENOENT || r == -EACCES || r == -EPERM) {
                TAP_SKIP("no usable /dev/ptmx on this host");
                return tap_done();
        }
        TAP_EQ_INT(r, 0, "console pty pair");
        TAP_EQ_INT(pty_set_winsize(console_master, 24, 80), 0, "console is 24x80");

        TAP_EQ_INT(console_attach_new(console_master, &callbacks, NULL, &a), 0, "console_attach_new");
        TAP_EQ_INT(console_attach_new_peer(a, &p1, &c1), 0, "first peer");
        TAP_EQ_INT(console_attach_new_peer(a, &p2, &c2), 0, "second peer");
        TAP_EQ_INT(console_attach_n_peers(a), 2, "two peers attached");
        TAP_OK(console_peer_get_attach(p1) == a && console_peer_get_attach(p2) == a, "peers know their attach");
        TAP_EQ_INT(n_watches, 2, "the owner was asked to watch two fds");
        TAP_OK(find_watch(p1) && find_watch(p1)->fd == console_peer_fd(p1) && (find_watch(p1)->events & POLLIN),
               "peer fd watched for input");
        TAP_OK(isatty(c1) && (fcntl(c1, F_GETFD) & FD_CLOEXEC) && !(fcntl(c1, F_GETFL) & O_NONBLOCK),
               "client gets a blocking O_CLOEXEC tty fd");
        TAP_OK(winsize_is(c1, 24, 80) && winsize_is(c2, 24, 80), "a new peer starts at the console's size");

        /* Output: everything the container writes reaches every peer, byte for byte (the console's cooked
         * mode turned "\n" into "\r\n"; the peers' raw ptys change nothing more). */
        TAP_EQ_INT(write(console_slave, "hello\n", 6), 6, "container writes on its console");
        pump(a, 50);
        read_avail(c1, buf, sizeof buf);
        TAP_EQ_STR(buf, "hello\r\n", "peer 1 reads the console output");
        read_avail(c2, buf, sizeof buf);
        TAP_EQ_STR(buf, "hello\r\n", "peer 2 reads the console output");

        /* Input: one peer types; the container gets the line, and the console's echo goes to all. */
        TAP_EQ_INT(write(c1, "ls -l\n", 6), 6, "peer 1 types a line");
        pump(a, 50);
        read_avail(console_slave, buf, sizeof buf);
        TAP_EQ_STR(buf, "ls -l\n", "the container reads it from its console");
        read_avail(c2, buf, sizeof buf);
        TAP_EQ_STR(buf, "ls -l\r\n", "peer 2 sees peer 1's input echoed");
        read_avail(c1, buf, sizeof buf);
        TAP_EQ_STR(buf, "ls -l\r\n", "peer 1 sees its own echo once (its pty is raw, no double echo)");
        TAP_EQ_INT(write(c2, "x\n", 2), 2, "peer 2 types too");
        pump(a, 50);
        read_avail(console_slave, buf, sizeof buf);
        TAP_EQ_STR(buf, "x\n", "input from either peer reaches the container");
        read_avail(c1, buf, sizeof buf);
        read_avail(c2, buf, sizeof buf);

        /* Window size: the client's TIOCSWINSZ on its master is seen on the next tick. */
        TAP_EQ_INT(console_attach_tick(a), 0, "no resize, nothing copied");
        TAP_EQ_INT(pty_set_winsize(c1, 50, 132), 0, "client 1 resizes its master to 50x132");
        TAP_EQ_INT(console_attach_tick(a), 1, "the tick copies one size");
        TAP_OK(winsize_is(console_slave, 50, 132), "the container's console is 50x132");
        TAP_EQ_INT(console_attach_tick(a), 0, "and only once");
        /* ... and at once when the client types after resizing, without waiting for the tick. */
        TAP_EQ_INT(pty_set_winsize(c2, 40, 100), 0, "client 2 resizes to 40x100");
        TAP_EQ_INT(write(c2, "\n", 1), 1, "and presses enter");
        pump(a, 50);
        TAP_OK(winsize_is(console_slave, 40, 100), "the console is 40x100 before any tick");
        TAP_EQ_INT(console_attach_tick(a), 0, "client 1's unchanged size does not take it back");
        TAP_EQ_INT(pty_set_winsize(c1, 0, 0), 0, "client 1 resets its size to 0x0");
        TAP_EQ_INT(console_attach_tick(a), 0, "an unknown size is not given to the container");
        TAP_OK(winsize_is(console_slave, 40, 100), "the console keeps 40x100");
        read_avail(console_slave, buf, sizeof buf);
        read_avail(c1, buf, sizeof buf);
        read_avail(c2, buf, sizeof buf);

        test_backpressure(a, console_slave, c1);

        /* A client that never reads: the monitor must not block, output for it is queued (bounded). */
        {
                enum { BIG = 256 * 1024 };
                _cleanup_free_ char *big = malloc(BIG);
                if (!big)
                        abort();
                memset(big, 'z', BIG);
                uint64_t t0 = now_msec();
                console_attach_console_output(a, big, BIG);
                TAP_OK(now_msec() - t0 < 1000, "256 KiB for a stuck client does not block the monitor");
                TAP_OK(find_watch(p1) && (find_watch(p1)->events & POLLOUT), "the stuck peer is watched for POLLOUT");
                size_t total = 0;
                fd_nonblock(c1, true);
                uint64_t deadline = now_msec() + 5000;
                while (now_msec() < deadline) {
                        pump_once(a, 10);
                        ssize_t k = read(c1, chunk, sizeof chunk);
                        if (k > 0)
                                total += (size_t) k;
                        else if (find_watch(p1) && !(find_watch(p1)->events & POLLOUT) && k < 0 && errno == EAGAIN)
                                break;
                }
                fd_nonblock(c1, false);
                TAP_OK(total >= CONSOLE_ATTACH_PEER_BACKLOG_MAX && total <= BIG,
                       "the client later reads what was queued (%zu bytes)", total);
                pump(a, 20);
                /* Peer 2 got the same flood; empty it. */
                while (read_avail(c2, chunk, sizeof chunk) > 0)
                        pump(a, 20);
        }

        /* A client closing its master drops its peer; the other one keeps working. */
        unsigned unwatched = n_unwatched;
        c1 = safe_close(c1);
        pump(a, 50);
        TAP_EQ_INT(console_attach_n_peers(a), 1, "closed client's peer dropped");
        TAP_EQ_INT(n_unwatched - unwatched, 1, "its watch was removed");
        TAP_OK(!find_watch(p1) && find_watch(p2), "the right one");
        TAP_EQ_INT(write(console_slave, "still\n", 6), 6, "container writes again");
        pump(a, 50);
        read_avail(c2, buf, sizeof buf);
        TAP_EQ_STR(buf, "still\r\n", "the remaining peer still reads the console");

        /* The limit. */
        int extra[CONSOLE_ATTACH_PEERS_MAX];
        size_t n_extra = 0;
        while (console_attach_n_peers(a) < CONSOLE_ATTACH_PEERS_MAX &&
               console_attach_new_peer(a, NULL, &extra[n_extra]) == 0)
                n_extra++;
        TAP_EQ_INT(console_attach_n_peers(a), CONSOLE_ATTACH_PEERS_MAX, "up to %u peers", CONSOLE_ATTACH_PEERS_MAX);
        int fd = -EBADF;
        TAP_EQ_INT(console_attach_new_peer(a, NULL, &fd), -EBUSY, "one more is refused with EBUSY");
        for (size_t i = 0; i < n_extra; i++)
                safe_close(extra[i]);
        pump(a, 50);
        TAP_EQ_INT(console_attach_n_peers(a), 1, "closed clients are all dropped");

        /* Freeing (the container stopped) hangs up the remaining clients. */
        a = console_attach_free(a);
        struct pollfd pfd = { .fd = c2, .events = POLLIN };
        TAP_OK(poll(&pfd, 1, 1000) == 1 && (pfd.revents & POLLHUP), "remaining client sees a hang-up");
        errno = 0;
        TAP_OK(read(c2, buf, sizeof buf) < 0 && errno == EIO, "and reads EIO, as on any closed pty");
        TAP_EQ_INT(n_watches, 0, "no watch left behind");

        c2 = safe_close(c2);
        console_slave = safe_close(console_slave);
        console_master = safe_close(console_master);
        TAP_EQ_INT(fd_count(0), before, "fd count back to the start");

        return tap_done();
}
