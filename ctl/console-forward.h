/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* berthctl console: forwards between the local terminal (or pipes) and the pty master that
 * Container.OpenConsole returned. */

#include <stdbool.h>

/* Ctrl-a, as screen and lxc-console. */
#define CONSOLE_FORWARD_ESCAPE_DEFAULT 0x01
/* Pipe mode: after standard input ended, keep printing the container's output until it has been quiet this
 * long (so `echo cmd | berthctl console NAME` shows the answer), but never longer than the cap. */
#define CONSOLE_FORWARD_LINGER_MSEC 500U
#define CONSOLE_FORWARD_LINGER_MAX_MSEC 5000U

typedef enum ConsoleForwardEnd {
        CONSOLE_FORWARD_DETACHED,  /* the escape sequence (escape, 'q') */
        CONSOLE_FORWARD_INPUT_EOF, /* input ended (pipe mode: after flushing it and lingering) */
        CONSOLE_FORWARD_HANGUP,    /* the console side hung up: the container stopped or the monitor went */
        CONSOLE_FORWARD_SIGNAL,    /* SIGTERM, SIGINT, SIGHUP or SIGQUIT */
} ConsoleForwardEnd;

typedef struct ConsoleForwardParams {
        int input_fd, output_fd; /* usually STDIN_FILENO / STDOUT_FILENO */
        int pty_fd;              /* the pty master; made non-blocking */
        int escape;              /* the escape byte, or -1 for none; only used when input is a tty */
        unsigned linger_msec, linger_max_msec;
} ConsoleForwardParams;

/* Parses --escape: a letter ('a' → Ctrl-a), "^X" / "^x" (Ctrl-X), or "none". -EINVAL otherwise. */
int console_forward_parse_escape(const char *s, int *ret);

/* Runs until one of the ends above. When input_fd is a tty it is put in raw mode (restored before
 * returning, also on the signals above, which are taken over while forwarding) and the escape sequence is
 * active: escape 'q' detaches, escape escape sends one escape byte, escape followed by anything else sends
 * both. The local window size (output_fd's if it is a tty, else input_fd's) is copied to pty_fd at start
 * and on every SIGWINCH. In pipe mode (input not a tty) bytes pass unchanged, escape bytes included.
 * Returns < 0 on a local error (e.g. output closed: -EPIPE), else 0 with the end and, for
 * CONSOLE_FORWARD_SIGNAL, the signal number. */
int console_forward(const ConsoleForwardParams *params, ConsoleForwardEnd *ret_end, int *ret_signo);
