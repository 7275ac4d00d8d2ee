/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* OpenConsole: the monitor's side of console attach (lib/console/ATTACH.md). The ConsoleAttach proxies
 * between the console pty master and one pty pair per client; this file registers its fds with the
 * monitor's sd-event loop, runs the window-size tick and serves the private bus method. */
#include <errno.h>

#include "log/log.h"
#include "monitor/monitor.h"
#include "util/fd-util.h"
#include "util/macro.h"

static int on_attach_tick(sd_event_source *s, uint64_t usec, void *userdata) {
        Monitor *m = userdata;

        (void) console_attach_tick(m->attach);
        /* One-shot, re-armed only while someone is attached: an idle monitor has no timer wake-ups. */
        if (console_attach_n_peers(m->attach) > 0) {
                (void) sd_event_source_set_time_relative(s, CONSOLE_ATTACH_TICK_USEC);
                (void) sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
        }
        return 0;
}

static int on_attach_peer(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        ConsolePeer *p = userdata;

        (void) console_attach_peer_event(console_peer_get_attach(p), p, revents);
        return 0;
}

static int attach_watch_peer(ConsoleAttach *a, ConsolePeer *p, int fd, uint32_t events, void *userdata) {
        Monitor *m = userdata;
        sd_event_source *s = console_peer_get_userdata(p);
        int r;

        if (s)
                return sd_event_source_set_io_events(s, events);

        r = sd_event_add_io(m->event, &s, fd, events, on_attach_peer, p);
        if (r < 0)
                return r;
        console_peer_set_userdata(p, s);

        /* A new peer: (re)start polling window sizes (see console_attach_tick() for why it is polled). */
        if (!m->attach_tick)
                r = sd_event_add_time_relative(m->event, &m->attach_tick, CLOCK_MONOTONIC,
                                               CONSOLE_ATTACH_TICK_USEC, 0, on_attach_tick, m);
        else {
                r = sd_event_source_set_time_relative(m->attach_tick, CONSOLE_ATTACH_TICK_USEC);
                if (r >= 0)
                        r = sd_event_source_set_enabled(m->attach_tick, SD_EVENT_ONESHOT);
        }
        if (r < 0)
                log_warning_errno(r, "Failed to arm the console size timer, ignoring: %m");
        return 0;
}

static void attach_unwatch_peer(ConsoleAttach *a, ConsolePeer *p, void *userdata) {
        sd_event_source_disable_unref(console_peer_get_userdata(p));
        console_peer_set_userdata(p, NULL);
}

static void attach_watch_console(ConsoleAttach *a, bool want_output, void *userdata) {
        Monitor *m = userdata;

        if (m->pty_source)
                (void) sd_event_source_set_io_events(m->pty_source, EPOLLIN | (want_output ? EPOLLOUT : 0));
}

int monitor_console_attach_setup(Monitor *m) {
        static const ConsoleAttachCallbacks cb = {
                .watch_peer = attach_watch_peer,
                .unwatch_peer = attach_unwatch_peer,
                .watch_console = attach_watch_console,
        };

        if (m->attach) /* a reboot in place keeps the pty, and with it the attached clients */
                return 0;
        return console_attach_new(m->pty_master, &cb, m, &m->attach);
}

void monitor_console_attach_done(Monitor *m) {
        /* Before the pty source goes: freeing may still ask to stop watching the console for POLLOUT. The
         * clients' masters then read EIO/hang up: "the console was closed". */
        m->attach = console_attach_free(m->attach);
        m->attach_tick = sd_event_source_disable_unref(m->attach_tick);
}

int monitor_method_open_console(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        _cleanup_close_ int fd = -EBADF;
        Monitor *m = userdata;
        int r;

        r = sd_bus_message_skip(message, "a{sv}");
        if (r < 0)
                return r;
        if (!m->attach || m->finished)
                return sd_bus_error_set_errnof(error, ENOTCONN, "Container '%s' is not running.", m->name);
        r = console_attach_new_peer(m->attach, NULL, &fd);
        if (r == -EBUSY)
                return sd_bus_error_set_errnof(error, EBUSY,
                                               "Too many clients on the console of '%s' (at most %u).", m->name,
                                               CONSOLE_ATTACH_PEERS_MAX);
        if (r < 0)
                return sd_bus_error_set_errnof(error, -r, "Failed to open a console pty: %m");
        /* sd-bus dups fd into the reply; ours closes on return, so only the client keeps the master and its
         * close is seen as the peer's hang-up. */
        return sd_bus_reply_method_return(message, "h", fd);
}
