/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Console attach: lets clients talk to a container's console pty while the monitor keeps reading it.
 *
 * Each attached client (a "peer") gets the MASTER of a new pty pair; the monitor keeps that pair's slave,
 * in raw mode, and this module proxies bytes between the container console's master and every peer's
 * slave: whatever the container writes goes to all peers (after the monitor fed it to the ring buffer and
 * log file), whatever any peer writes goes to the container. A client resizes with TIOCSWINSZ on its
 * master; the size is polled on the peer's slave and copied to the console master (see
 * console_attach_tick() for why it is polled).
 *
 * No event loop dependency: the owner (berth-monitor, on sd-event) registers the fds it is told about
 * through the callbacks below and calls the dispatch functions when they are ready. See ATTACH.md. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ConsoleAttach ConsoleAttach;
typedef struct ConsolePeer ConsolePeer;

/* How many clients may be attached at once; one more gets -EBUSY. */
#define CONSOLE_ATTACH_PEERS_MAX 16U
/* Output queued for a peer whose client does not read (its pty is full). Beyond this, output for that
 * peer is dropped: a stuck client must never stall the container or the ring buffer. */
#define CONSOLE_ATTACH_PEER_BACKLOG_MAX (64U * 1024U)
/* Input queued for the console when the container does not read its input. While anything is queued,
 * peers are not read, so the back-pressure reaches the clients' own writes instead of losing keys. */
#define CONSOLE_ATTACH_INPUT_BACKLOG_MAX (4U * 1024U)
/* The period of console_attach_tick() while peers are attached. */
#define CONSOLE_ATTACH_TICK_USEC (200U * 1000U)

/* Events below are POLLIN / POLLOUT, which have the same values as EPOLLIN / EPOLLOUT. */
typedef struct ConsoleAttachCallbacks {
        /* Watch fd of peer p for `events` (0 = nothing but hang-ups, which epoll and poll always report).
         * Called once when the peer is created (a failure there fails console_attach_new_peer()) and
         * again each time the wanted events change (a failure there drops the peer). */
        int (*watch_peer)(ConsoleAttach *a, ConsolePeer *p, int fd, uint32_t events, void *userdata);
        /* p is being dropped: remove its watch. Its fd is still open during the call and closed right
         * after; p is freed after the call. Not called for a peer whose first watch_peer failed. */
        void (*unwatch_peer)(ConsoleAttach *a, ConsolePeer *p, void *userdata);
        /* Also watch the console master for POLLOUT (want_output = true: input is queued for the
         * container) or stop doing so. POLLIN on it stays the owner's business. May be NULL if the owner
         * always polls for POLLOUT too (wasteful, the master is almost always writable). */
        void (*watch_console)(ConsoleAttach *a, bool want_output, void *userdata);
} ConsoleAttachCallbacks;

/* console_master_fd is borrowed (the owner keeps and closes it, after console_attach_free()); it should be
 * non-blocking. callbacks is copied. */
int console_attach_new(int console_master_fd, const ConsoleAttachCallbacks *callbacks, void *userdata,
                       ConsoleAttach **ret);
/* Drops every peer (their clients read EIO/EOF next), after a last non-blocking attempt to flush what is
 * queued for them. NULL is fine. */
ConsoleAttach *console_attach_free(ConsoleAttach *a);

/* A new peer: *ret_client_master_fd (O_CLOEXEC|O_NOCTTY, blocking) is for the client and owned by the
 * caller, who passes it on and closes its own copy; the peer lives until every copy of it is closed. The
 * peer's window size starts as the console's, so a client that never resizes changes nothing.
 * ret_peer may be NULL. -EBUSY when CONSOLE_ATTACH_PEERS_MAX are attached. */
int console_attach_new_peer(ConsoleAttach *a, ConsolePeer **ret_peer, int *ret_client_master_fd);
size_t console_attach_n_peers(const ConsoleAttach *a);

/* A place for the owner's per-peer state (e.g. its sd_event_source). */
void console_peer_set_userdata(ConsolePeer *p, void *userdata);
void *console_peer_get_userdata(const ConsolePeer *p);
int console_peer_fd(const ConsolePeer *p);
/* The ConsoleAttach a peer belongs to (for an io callback whose userdata is the peer), and its userdata. */
ConsoleAttach *console_peer_get_attach(const ConsolePeer *p);
void *console_attach_get_userdata(const ConsoleAttach *a);

/* The peer's fd is ready (revents as from poll/epoll). Reads what the client typed and sends it to the
 * console, writes queued output, checks the window size. Returns 0, or 1 if the peer was dropped (its
 * client closed the master, or an error): p is freed then and must not be used. */
int console_attach_peer_event(ConsoleAttach *a, ConsolePeer *p, uint32_t revents);

/* The console master is writable: sends queued input. */
void console_attach_console_writable(ConsoleAttach *a);

/* What the monitor read from the console master (after it fed the ring and log file): copied to every
 * peer, queued for a peer that cannot take it now. Peers found hung up are dropped. */
void console_attach_console_output(ConsoleAttach *a, const void *buf, size_t len);

/* Checks every peer's window size and copies a changed one to the console master (TIOCSWINSZ there,
 * which also sends SIGWINCH to the container's foreground process group). Call it every
 * CONSOLE_ATTACH_TICK_USEC while console_attach_n_peers() > 0.
 *
 * Why polling: a client's TIOCSWINSZ on its master only signals the foreground process group of the
 * session whose controlling tty is the slave. The monitor holds the slaves without making them its
 * controlling tty (it cannot: one controlling tty per session, and it has many peers), so no SIGWINCH
 * reaches it, and no poll/epoll event reports a size change either. Sizes are also checked whenever data
 * flows from a peer, so a resize followed by typing is seen at once.
 *
 * Returns the number of sizes copied to the console (0 if none changed). */
int console_attach_tick(ConsoleAttach *a);
