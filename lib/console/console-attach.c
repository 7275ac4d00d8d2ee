/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "console/console-attach.h"
#include "log/log.h"
#include "util/fd-util.h"
#include "util/macro.h"
#include "util/pty-util.h"

/* Read size for peer input; equal to the input backlog so the unwritten rest of one read always fits. */
#define PEER_READ_SIZE CONSOLE_ATTACH_INPUT_BACKLOG_MAX
/* Reads per peer event, so one busy client cannot starve the monitor's loop. */
#define PEER_READS_MAX 16U

struct ConsolePeer {
        ConsoleAttach *attach;
        int fd;          /* the slave of the peer's pty pair, raw, O_NONBLOCK */
        uint32_t events; /* what the owner watches now */
        struct winsize last; /* the size last seen on fd */
        char *out;       /* output queued for the client, up to CONSOLE_ATTACH_PEER_BACKLOG_MAX */
        size_t out_len;
        uint64_t out_dropped;
        bool dead;       /* to be dropped by sweep() at the end of the current entry point */
        void *userdata;
};

struct ConsoleAttach {
        int console_fd; /* borrowed */
        ConsoleAttachCallbacks cb;
        void *userdata;
        ConsolePeer *peers[CONSOLE_ATTACH_PEERS_MAX];
        size_t n_peers;
        char input[CONSOLE_ATTACH_INPUT_BACKLOG_MAX]; /* queued for the console */
        size_t input_len;
        bool watching_console;
};

static bool winsize_eq(const struct winsize *a, const struct winsize *b) {
        return a->ws_row == b->ws_row && a->ws_col == b->ws_col && a->ws_xpixel == b->ws_xpixel &&
               a->ws_ypixel == b->ws_ypixel;
}

int console_attach_new(int console_master_fd, const ConsoleAttachCallbacks *callbacks, void *userdata,
                       ConsoleAttach **ret) {
        ConsoleAttach *a;

        if (console_master_fd < 0)
                return -EBADF;
        if (!callbacks || !callbacks->watch_peer || !callbacks->unwatch_peer || !ret)
                return -EINVAL;

        a = calloc(1, sizeof *a);
        if (!a)
                return -ENOMEM;
        a->console_fd = console_master_fd;
        a->cb = *callbacks;
        a->userdata = userdata;
        *ret = a;
        return 0;
}

static ssize_t peer_index(const ConsoleAttach *a, const ConsolePeer *p) {
        for (size_t i = 0; i < a->n_peers; i++)
                if (a->peers[i] == p)
                        return (ssize_t) i;
        return -1;
}

static void peer_free(ConsolePeer *p) {
        if (!p)
                return;
        safe_close(p->fd);
        free(p->out);
        free(p);
}

static void peer_drop_at(ConsoleAttach *a, size_t i) {
        ConsolePeer *p = a->peers[i];

        if (p->out_dropped > 0)
                log_debug("Console peer dropped %" PRIu64 " bytes of output its client did not read",
                          p->out_dropped);
        a->cb.unwatch_peer(a, p, a->userdata);
        memmove(a->peers + i, a->peers + i + 1, (a->n_peers - i - 1) * sizeof a->peers[0]);
        a->n_peers--;
        peer_free(p);
}

static uint32_t peer_wanted_events(const ConsoleAttach *a, const ConsolePeer *p) {
        /* While input waits for the container, leave further input in the clients' ptys. */
        return (a->input_len == 0 ? POLLIN : 0) | (p->out_len > 0 ? POLLOUT : 0);
}

/* Peers are never freed in the middle of an operation (a caller up the stack may still use them): they
 * are marked dead and dropped by sweep() when a public entry point returns. */
static void peer_kill(ConsolePeer *p, int error) {
        if (!p->dead)
                log_debug_errno(error, "Dropping console peer: %m");
        p->dead = true;
}

static void sweep(ConsoleAttach *a) {
        for (size_t i = a->n_peers; i > 0; i--)
                if (a->peers[i - 1]->dead)
                        peer_drop_at(a, i - 1);
}

static void peer_update_watch(ConsoleAttach *a, ConsolePeer *p) {
        uint32_t want = peer_wanted_events(a, p);
        int r;

        if (p->dead || want == p->events)
                return;
        r = a->cb.watch_peer(a, p, p->fd, want, a->userdata);
        if (r < 0) {
                peer_kill(p, r);
                return;
        }
        p->events = want;
}

static void update_all_watches(ConsoleAttach *a) {
        for (size_t i = 0; i < a->n_peers; i++)
                peer_update_watch(a, a->peers[i]);

        bool want = a->input_len > 0;
        if (want != a->watching_console && a->cb.watch_console)
                a->cb.watch_console(a, want, a->userdata);
        a->watching_console = want;
}

/* Non-blocking write of as much as the fd takes. Returns bytes written, or < 0 on a real error. */
static ssize_t write_some(int fd, const char *buf, size_t len) {
        size_t done = 0;

        while (done < len) {
                ssize_t k = write(fd, buf + done, len - done);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == EAGAIN)
                                break;
                        return -errno;
                }
                if (k == 0)
                        break;
                done += (size_t) k;
        }
        return (ssize_t) done;
}

static int peer_queue(ConsolePeer *p, const char *buf, size_t len) {
        size_t room = CONSOLE_ATTACH_PEER_BACKLOG_MAX - p->out_len;
        size_t n = MIN(len, room);

        if (n > 0) {
                if (!p->out) {
                        p->out = malloc(CONSOLE_ATTACH_PEER_BACKLOG_MAX);
                        if (!p->out)
                                return -ENOMEM;
                }
                memcpy(p->out + p->out_len, buf, n);
                p->out_len += n;
        }
        p->out_dropped += len - n;
        return 0;
}

/* Write queued output to the client. Returns < 0 if the peer is dead. */
static int peer_flush(ConsolePeer *p) {
        ssize_t k;

        if (p->out_len == 0)
                return 0;
        k = write_some(p->fd, p->out, p->out_len);
        if (k < 0)
                return (int) k;
        memmove(p->out, p->out + k, p->out_len - (size_t) k);
        p->out_len -= (size_t) k;
        return 0;
}

/* Returns < 0 if the peer must be dropped. */
static int peer_send(ConsoleAttach *a, ConsolePeer *p, const char *buf, size_t len) {
        ssize_t k = 0;
        int r;

        /* Keep the order: nothing goes around what is already queued. */
        if (p->out_len == 0) {
                k = write_some(p->fd, buf, len);
                if (k < 0)
                        return (int) k; /* EIO: the client closed its master */
        }
        r = peer_queue(p, buf + k, len - (size_t) k);
        if (r < 0)
                return r;
        peer_update_watch(a, p);
        return 0;
}

void console_attach_console_output(ConsoleAttach *a, const void *buf, size_t len) {
        if (!a || len == 0)
                return;
        for (size_t i = 0; i < a->n_peers; i++) {
                ConsolePeer *p = a->peers[i];
                if (p->dead)
                        continue;
                int r = peer_send(a, p, buf, len);
                if (r < 0)
                        peer_kill(p, r);
        }
        sweep(a);
}

static int peer_check_winsize(ConsoleAttach *a, ConsolePeer *p) {
        struct winsize ws, cur;

        if (ioctl(p->fd, TIOCGWINSZ, &ws) < 0)
                return -errno;
        if (winsize_eq(&ws, &p->last))
                return 0;
        p->last = ws;
        if (ws.ws_row == 0 || ws.ws_col == 0)
                return 0; /* "unknown" (e.g. a client that reset it): not a size to give the container */
        /* Avoid a SIGWINCH for nothing when another peer already set this size. */
        if (ioctl(a->console_fd, TIOCGWINSZ, &cur) >= 0 && winsize_eq(&cur, &ws))
                return 0;
        if (ioctl(a->console_fd, TIOCSWINSZ, &ws) < 0)
                return log_debug_errno(errno, "Failed to resize the console: %m");
        return 1;
}

int console_attach_tick(ConsoleAttach *a) {
        int n = 0;

        if (!a)
                return 0;
        for (size_t i = 0; i < a->n_peers; i++)
                if (!a->peers[i]->dead && peer_check_winsize(a, a->peers[i]) > 0)
                        n++;
        return n;
}

/* Sends a client's input to the console; what the console does not take now is queued and blocks
 * further input (see peer_wanted_events()). */
static void send_input(ConsoleAttach *a, const char *buf, size_t len) {
        ssize_t k = 0;

        if (a->input_len == 0) {
                k = write_some(a->console_fd, buf, len);
                if (k < 0) {
                        log_debug_errno((int) k, "Failed to write to the console, discarding input: %m");
                        return;
                }
        }
        size_t n = MIN(len - (size_t) k, sizeof a->input - a->input_len);
        memcpy(a->input + a->input_len, buf + k, n);
        a->input_len += n;
        if (a->input_len > 0)
                update_all_watches(a);
}

void console_attach_console_writable(ConsoleAttach *a) {
        ssize_t k;

        if (!a || a->input_len == 0)
                return;
        k = write_some(a->console_fd, a->input, a->input_len);
        if (k < 0) {
                log_debug_errno((int) k, "Failed to write to the console, discarding input: %m");
                a->input_len = 0;
        } else {
                memmove(a->input, a->input + k, a->input_len - (size_t) k);
                a->input_len -= (size_t) k;
        }
        if (a->input_len == 0)
                update_all_watches(a);
        sweep(a);
}

/* Returns < 0 if the peer is gone. */
static int peer_read(ConsoleAttach *a, ConsolePeer *p, uint32_t revents) {
        char buf[PEER_READ_SIZE];

        for (unsigned i = 0; i < PEER_READS_MAX && a->input_len == 0 && !p->dead; i++) {
                ssize_t n = read(p->fd, buf, sizeof buf);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == EAGAIN)
                                /* Nothing to read but a hang-up: the client is gone. */
                                return (revents & (POLLHUP | POLLERR)) ? -EPIPE : 0;
                        return -errno; /* EIO: the master was closed */
                }
                if (n == 0)
                        return -EPIPE; /* a hung-up tty reads as EOF */

                /* A resize is often followed by typing: notice it before the keys reach the container. */
                (void) peer_check_winsize(a, p);
                send_input(a, buf, (size_t) n);
        }
        return 0;
}

int console_attach_peer_event(ConsoleAttach *a, ConsolePeer *p, uint32_t revents) {
        int r = 0;

        if (!a || !p)
                return -EINVAL;
        if (peer_index(a, p) < 0)
                return -ESRCH;

        if (revents & (POLLOUT | POLLHUP | POLLERR))
                r = peer_flush(p);

        if (r >= 0 && !p->dead) {
                if (a->input_len == 0) {
                        if (revents & (POLLIN | POLLHUP | POLLERR))
                                r = peer_read(a, p, revents);
                } else if (revents & (POLLHUP | POLLERR))
                        /* Input is held back, but a hung-up tty has nothing left to give anyway. */
                        r = -EPIPE;
        }
        if (r < 0)
                peer_kill(p, r);

        if (!p->dead) {
                (void) peer_check_winsize(a, p);
                peer_update_watch(a, p);
        }

        bool dropped = p->dead;
        sweep(a);
        return dropped ? 1 : 0;
}

int console_attach_new_peer(ConsoleAttach *a, ConsolePeer **ret_peer, int *ret_client_master_fd) {
        _cleanup_close_ int master = -EBADF, slave = -EBADF;
        struct termios t;
        struct winsize ws;
        ConsolePeer *p;
        int r;

        if (!a || !ret_client_master_fd)
                return -EINVAL;
        if (a->n_peers >= CONSOLE_ATTACH_PEERS_MAX)
                return -EBUSY;

        r = pty_open_console(&master, &slave, NULL);
        if (r < 0)
                return r;
        /* The master's flags belong to its open file description, which the client shares: give it the
         * plain blocking kind. The slave is ours and polled. */
        r = fd_nonblock(master, false);
        if (r < 0)
                return r;
        r = fd_nonblock(slave, true);
        if (r < 0)
                return r;

        /* Raw: bytes pass unchanged both ways. The console's own line discipline echoes, translates
         * newlines and sends signals; doing it here too would do it twice. */
        if (tcgetattr(slave, &t) < 0)
                return -errno;
        cfmakeraw(&t);
        t.c_cc[VMIN] = 1;
        t.c_cc[VTIME] = 0;
        if (tcsetattr(slave, TCSANOW, &t) < 0)
                return -errno;

        /* Start at the console's size, so only a real resize by the client is copied back. */
        if (ioctl(a->console_fd, TIOCGWINSZ, &ws) >= 0 && ioctl(slave, TIOCSWINSZ, &ws) < 0)
                return -errno;

        p = calloc(1, sizeof *p);
        if (!p)
                return -ENOMEM;
        p->attach = a;
        p->fd = TAKE_FD(slave);
        if (ioctl(p->fd, TIOCGWINSZ, &p->last) < 0) {
                r = -errno;
                peer_free(p);
                return r;
        }
        p->events = peer_wanted_events(a, p);
        r = a->cb.watch_peer(a, p, p->fd, p->events, a->userdata);
        if (r < 0) {
                peer_free(p);
                return r;
        }
        a->peers[a->n_peers++] = p;

        if (ret_peer)
                *ret_peer = p;
        *ret_client_master_fd = TAKE_FD(master);
        return 0;
}

size_t console_attach_n_peers(const ConsoleAttach *a) {
        return a ? a->n_peers : 0;
}

void console_peer_set_userdata(ConsolePeer *p, void *userdata) {
        if (p)
                p->userdata = userdata;
}

void *console_peer_get_userdata(const ConsolePeer *p) {
        return p ? p->userdata : NULL;
}

int console_peer_fd(const ConsolePeer *p) {
        return p ? p->fd : -EBADF;
}

ConsoleAttach *console_peer_get_attach(const ConsolePeer *p) {
        return p ? p->attach : NULL;
}

void *console_attach_get_userdata(const ConsoleAttach *a) {
        return a ? a->userdata : NULL;
}

ConsoleAttach *console_attach_free(ConsoleAttach *a) {
        if (!a)
                return NULL;
        while (a->n_peers > 0) {
                (void) peer_flush(a->peers[a->n_peers - 1]);
                peer_drop_at(a, a->n_peers - 1);
        }
        if (a->watching_console && a->cb.watch_console)
                a->cb.watch_console(a, false, a->userdata);
        free(a);
        return NULL;
}
