/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "console-forward.h"
#include "util/fd-util.h"
#include "util/macro.h"

#define IN_BUF_SIZE 4096U
#define OUT_BUF_SIZE (16U * 1024U)
/* Per write to the output: at most PIPE_BUF, so a write after POLLOUT on a pipe never blocks. */
#define OUT_CHUNK 4096U
#define DETACH_GRACE_MSEC 100

typedef struct Forward {
        const ConsoleForwardParams *p;
        bool tty;       /* input is a terminal: raw mode, escape sequence */
        int winsize_fd; /* where the local size is read, or -1 */
        char in[IN_BUF_SIZE]; /* local input, for the pty */
        size_t in_len;
        char out[OUT_BUF_SIZE]; /* console output, for the local output */
        size_t out_len;
        bool saw_escape, in_eof, pty_hup, detach;
} Forward;

int console_forward_parse_escape(const char *s, int *ret) {
        char c;

        if (!s || !ret)
                return -EINVAL;
        if (streq(s, "none")) {
                *ret = -1;
                return 0;
        }
        if (s[0] == '^' && s[1] && !s[2])
                c = s[1];
        else if (s[0] && !s[1])
                c = s[0];
        else
                return -EINVAL;

        /* Ctrl-A..Ctrl-Z and Ctrl-[ \ ] ^ _ (what a terminal can type with Ctrl). */
        if (c >= 'a' && c <= 'z')
                c = (char) (c - 'a' + 'A');
        if (c < '@' || c > '_' || c == '@')
                return -EINVAL;
        *ret = c & 0x1f;
        return 0;
}

static uint64_t now_msec(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000U + (uint64_t) ts.tv_nsec / 1000000U;
}

static void copy_winsize(Forward *f) {
        struct winsize ws;

        if (f->winsize_fd < 0)
                return;
        if (ioctl(f->winsize_fd, TIOCGWINSZ, &ws) < 0 || ws.ws_row == 0 || ws.ws_col == 0)
                return;
        /* Best effort: a failure only means the console keeps its old size. */
        (void) ioctl(f->p->pty_fd, TIOCSWINSZ, &ws);
}

static void in_append(Forward *f, char c) {
        if (f->in_len < sizeof f->in)
                f->in[f->in_len++] = c;
}

/* Local input → f->in, running the escape sequence in tty mode. */
static int read_input(Forward *f) {
        char buf[IN_BUF_SIZE];
        size_t room = sizeof f->in - f->in_len;
        bool escaping = f->tty && f->p->escape >= 0;
        /* With the escape sequence one byte read can become two. */
        size_t want = escaping ? room / 2 : room;
        ssize_t n;

        if (want == 0)
                return 0;
        n = read(f->p->input_fd, buf, want);
        if (n < 0) {
                if (errno == EINTR || errno == EAGAIN)
                        return 0;
                if (errno != EIO)
                        return -errno;
                n = 0; /* EIO: the terminal hung up */
        }
        if (n == 0) {
                f->in_eof = true;
                return 0;
        }
        if (!escaping) {
                memcpy(f->in + f->in_len, buf, (size_t) n);
                f->in_len += (size_t) n;
                return 0;
        }

        for (ssize_t i = 0; i < n; i++) {
                char c = buf[i];
                if (f->saw_escape) {
                        f->saw_escape = false;
                        if (c == 'q') {
                                f->detach = true;
                                return 0; /* anything typed after the detach key is not sent */
                        }
                        in_append(f, (char) f->p->escape); /* escape escape: one literal escape */
                        if (c != (char) f->p->escape)
                                in_append(f, c); /* an unknown command: send both */
                } else if (c == (char) f->p->escape)
                        f->saw_escape = true;
                else
                        in_append(f, c);
        }
        return 0;
}

static void write_pty(Forward *f) {
        while (f->in_len > 0) {
                ssize_t k = write(f->p->pty_fd, f->in, f->in_len);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno != EAGAIN) {
                                /* EIO: the other side is gone; the read side reports the hang-up. */
                                f->in_len = 0;
                                f->pty_hup = true;
                        }
                        return;
                }
                memmove(f->in, f->in + k, f->in_len - (size_t) k);
                f->in_len -= (size_t) k;
        }
}

static void read_pty(Forward *f) {
        size_t room = sizeof f->out - f->out_len;
        ssize_t n;

        if (room == 0)
                return;
        n = read(f->p->pty_fd, f->out + f->out_len, room);
        if (n > 0) {
                f->out_len += (size_t) n;
                return;
        }
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
                return;
        /* EIO (or EOF): the monitor closed the peer's slave, after everything it wrote was read. */
        f->pty_hup = true;
}

static int write_output(Forward *f) {
        ssize_t k = write(f->p->output_fd, f->out, MIN((size_t) OUT_CHUNK, f->out_len));

        if (k < 0)
                return errno == EINTR || errno == EAGAIN ? 0 : -errno;
        memmove(f->out, f->out + k, f->out_len - (size_t) k);
        f->out_len -= (size_t) k;
        return 0;
}

static int run(Forward *f, int sigfd, ConsoleForwardEnd *ret_end, int *ret_signo) {
        uint64_t eof_at = 0;
        int r;

        copy_winsize(f);

        for (;;) {
                int timeout = -1;

                if (f->detach) {
                        /* What was typed before the detach key in the same read (a paste). Closing the
                         * master hangs up the monitor's slave, and a hang-up discards input it has not
                         * read yet: give its event loop a moment. */
                        if (f->in_len > 0) {
                                write_pty(f);
                                (void) poll(NULL, 0, DETACH_GRACE_MSEC);
                        }
                        *ret_end = CONSOLE_FORWARD_DETACHED;
                        return 0;
                }
                if (f->pty_hup && f->out_len == 0) {
                        *ret_end = CONSOLE_FORWARD_HANGUP;
                        return 0;
                }
                if (f->in_eof && f->tty) {
                        *ret_end = CONSOLE_FORWARD_INPUT_EOF; /* the local terminal went away */
                        return 0;
                }
                if (f->in_eof && f->in_len == 0 && f->out_len == 0) {
                        /* Pipe mode: input delivered; wait for the answer to go quiet, within a cap. */
                        uint64_t now = now_msec();
                        if (eof_at == 0)
                                eof_at = now;
                        uint64_t left = eof_at + f->p->linger_max_msec > now ? eof_at + f->p->linger_max_msec - now : 0;
                        timeout = (int) MIN((uint64_t) f->p->linger_msec, left);
                        if (timeout == 0) {
                                *ret_end = CONSOLE_FORWARD_INPUT_EOF;
                                return 0;
                        }
                }

                bool want_in = !f->in_eof && f->in_len < sizeof f->in;
                short pty_events = (short) ((f->out_len < sizeof f->out ? POLLIN : 0) | (f->in_len > 0 ? POLLOUT : 0));
                struct pollfd pfd[4] = {
                        { .fd = want_in ? f->p->input_fd : -1, .events = POLLIN },
                        /* Once hung up, only the buffered output is left to write. */
                        { .fd = f->pty_hup ? -1 : f->p->pty_fd, .events = pty_events },
                        { .fd = f->out_len > 0 ? f->p->output_fd : -1, .events = POLLOUT },
                        { .fd = sigfd, .events = POLLIN },
                };

                r = poll(pfd, ELEMENTSOF(pfd), timeout);
                if (r < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (r == 0) {
                        if (f->in_eof) {
                                *ret_end = CONSOLE_FORWARD_INPUT_EOF;
                                return 0;
                        }
                        continue;
                }

                if (pfd[3].revents & POLLIN) {
                        struct signalfd_siginfo si;
                        if (read(sigfd, &si, sizeof si) == (ssize_t) sizeof si) {
                                if (si.ssi_signo == SIGWINCH)
                                        copy_winsize(f);
                                else {
                                        *ret_end = CONSOLE_FORWARD_SIGNAL;
                                        *ret_signo = (int) si.ssi_signo;
                                        return 0;
                                }
                        }
                }
                if (pfd[1].revents & (POLLIN | POLLHUP | POLLERR))
                        read_pty(f);
                if (pfd[1].revents & POLLOUT)
                        write_pty(f);
                if (pfd[2].revents) {
                        r = write_output(f);
                        if (r < 0)
                                return r;
                }
                if (pfd[0].revents) {
                        r = read_input(f);
                        if (r < 0)
                                return r;
                        /* Most of the time the pty takes it at once; saves a poll round. */
                        if (!f->detach)
                                write_pty(f);
                }
        }
}

int console_forward(const ConsoleForwardParams *params, ConsoleForwardEnd *ret_end, int *ret_signo) {
        Forward *f;
        _cleanup_close_ int sigfd = -EBADF;
        struct termios saved, raw;
        struct sigaction sa_ign = { .sa_handler = SIG_IGN }, sa_pipe = { .sa_handler = SIG_DFL };
        sigset_t mask, saved_mask;
        ConsoleForwardEnd end = CONSOLE_FORWARD_HANGUP;
        int signo = 0, r;

        if (!params || params->input_fd < 0 || params->output_fd < 0 || params->pty_fd < 0 || !ret_end)
                return -EINVAL;

        /* Too big for the stack of a small thread, and freed on every path below. */
        f = calloc(1, sizeof *f);
        if (!f)
                return -ENOMEM;
        f->p = params;
        f->tty = isatty(params->input_fd);
        f->winsize_fd = isatty(params->output_fd) ? params->output_fd : f->tty ? params->input_fd : -1;

        r = fd_nonblock(params->pty_fd, true);
        if (r < 0)
                goto finish_free;

        /* Signals are taken in the loop, so the terminal is always restored; SIGPIPE becomes EPIPE. Signals
         * first: once the terminal is raw, a SIGTERM must not leave it so. */
        sigemptyset(&mask);
        sigaddset(&mask, SIGWINCH);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        sigaddset(&mask, SIGQUIT);
        if (sigprocmask(SIG_BLOCK, &mask, &saved_mask) < 0) {
                r = -errno;
                goto finish_free;
        }
        sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
        if (sigfd < 0) {
                r = -errno;
                goto finish_mask;
        }
        (void) sigaction(SIGPIPE, &sa_ign, &sa_pipe);

        if (f->tty) {
                if (tcgetattr(params->input_fd, &saved) < 0) {
                        r = -errno;
                        goto finish_pipe;
                }
                raw = saved;
                /* No echo, no line editing, no signals from Ctrl-C/Ctrl-Z/Ctrl-\, no output processing:
                 * the container's own console does all of that. */
                cfmakeraw(&raw);
                raw.c_cc[VMIN] = 1;
                raw.c_cc[VTIME] = 0;
                if (tcsetattr(params->input_fd, TCSANOW, &raw) < 0) {
                        r = -errno;
                        goto finish_pipe;
                }
        }

        r = run(f, sigfd, &end, &signo);

        /* Whatever the console said last is still worth showing (best effort, the output may be gone). */
        if (f->out_len > 0)
                (void) loop_write(params->output_fd, f->out, f->out_len);

        if (f->tty)
                (void) tcsetattr(params->input_fd, TCSANOW, &saved);
finish_pipe:
        (void) sigaction(SIGPIPE, &sa_pipe, NULL);
        sigfd = safe_close(sigfd);
finish_mask:
        /* A signal that arrived after the loop ended is delivered now, with the terminal restored. */
        (void) sigprocmask(SIG_SETMASK, &saved_mask, NULL);
finish_free:
        free(f);
        if (r < 0)
                return r;
        *ret_end = end;
        if (ret_signo)
                *ret_signo = signo;
        return 0;
}
