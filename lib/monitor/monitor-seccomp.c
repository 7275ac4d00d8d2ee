/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Seccomp user notifications in the monitor: the SeccompNotifier on the event loop, the subscribed peer
 * connections (berthd), SeccompRespond/SeccompNotifyFd/SeccompSetDefaults, and LXC's proxy. The kernel is
 * always answered (lib/seccomp/seccomp-notify.h): a notification nobody answers gets the default answer at
 * its deadline. */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log/log.h"
#include "monitor/monitor-seccomp.h"
#include "monitor/monitor.h"
#include "seccomp/seccomp-notify.h"
#include "seccomp/seccomp-proxy.h"
#include "util/fd-util.h"
#include "util/macro.h"

/* Bounds the timeout a peer can set: a syscall must never wait for long. */
#define SECCOMP_TIMEOUT_MAX_MS (24U * 3600U * 1000U)

/* One berth-monitor process serves exactly one Monitor, so the seccomp state lives here rather than in
 * struct Monitor (whose layout belongs to monitor.c). */
typedef struct MonitorSeccomp {
        Monitor *monitor;
        SeccompNotifier *notifier;
        SeccompProxy *proxy;
        sd_event_source *io, *timer, *proxy_io;
        sd_bus **subscribers; /* referenced peer connections */
        size_t n_subscribers;
        uint64_t timeout_usec;
        int default_errno; /* positive */
} MonitorSeccomp;

static MonitorSeccomp *state;

static MonitorSeccomp *get_state(Monitor *m) {
        if (state) {
                assert(state->monitor == m);
                return state;
        }
        state = calloc(1, sizeof(MonitorSeccomp));
        if (!state)
                return NULL;
        *state = (MonitorSeccomp) {
                .monitor = m,
                .timeout_usec = SECCOMP_NOTIFY_TIMEOUT_DEFAULT_USEC,
                .default_errno = ENOSYS,
        };
        return state;
}

/* ---- event loop ---- */

static void rearm(MonitorSeccomp *s) {
        uint64_t d;

        if (!s->timer || !s->notifier)
                return;
        d = seccomp_notifier_next_deadline(s->notifier);
        if (d == SECCOMP_NOTIFY_NO_DEADLINE) {
                (void) sd_event_source_set_enabled(s->timer, SD_EVENT_OFF);
                return;
        }
        (void) sd_event_source_set_time(s->timer, d);
        (void) sd_event_source_set_enabled(s->timer, SD_EVENT_ONESHOT);
}

static int on_listener(sd_event_source *source, int fd, uint32_t revents, void *userdata) {
        MonitorSeccomp *s = userdata;
        int r;

        r = seccomp_notifier_process(s->notifier);
        if (r != 0) {
                /* 1: every task using the filter exited (the listener hung up); <0: broken listener. */
                if (r < 0)
                        log_warning_errno(r, "seccomp listener failed, no longer reading it: %m");
                (void) sd_event_source_set_enabled(source, SD_EVENT_OFF);
        }
        rearm(s);
        return 0;
}

static int on_timer(sd_event_source *source, uint64_t usec, void *userdata) {
        MonitorSeccomp *s = userdata;
        uint64_t now;
        size_t n;

        if (sd_event_now(sd_event_source_get_event(source), CLOCK_MONOTONIC, &now) < 0)
                now = seccomp_notify_now_usec();
        n = seccomp_notifier_tick(s->notifier, now);
        if (n > 0)
                log_debug("seccomp: %zu notification(s) got the default answer after the timeout", n);
        rearm(s);
        return 0;
}

static int on_proxy(sd_event_source *source, int fd, uint32_t revents, void *userdata) {
        MonitorSeccomp *s = userdata;

        (void) seccomp_proxy_process(s->proxy);
        rearm(s);
        return 0;
}

static void on_proxy_fd(SeccompProxy *p, int fd, void *userdata) {
        MonitorSeccomp *s = userdata;
        int r;

        s->proxy_io = sd_event_source_disable_unref(s->proxy_io);
        if (fd < 0)
                return;
        r = sd_event_add_io(s->monitor->event, &s->proxy_io, fd, EPOLLIN, on_proxy, s);
        if (r < 0)
                log_warning_errno(r, "Cannot watch the seccomp proxy socket: %m");
}

/* ---- notifications → subscribers ---- */

static int emit_notification(sd_bus *bus, const SeccompNotification *n) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *sig = NULL;
        int r;

        r = sd_bus_message_new_signal(bus, &sig, MONITOR_OBJECT_PATH, MONITOR_INTERFACE, "SeccompNotification");
        if (r < 0)
                return r;
        r = sd_bus_message_append(sig, "tusiu", n->id, n->pid, n->syscall, (int32_t) n->nr, n->arch);
        if (r < 0)
                return r;
        r = sd_bus_message_append_array(sig, 't', n->args, sizeof n->args);
        if (r < 0)
                return r;
        r = sd_bus_message_append(sig, "a{sv}", 2, "InstructionPointer", "t", n->instruction_pointer,
                                  "DeadlineUSec", "t", n->deadline_usec);
        if (r < 0)
                return r;
        return sd_bus_send(bus, sig, NULL);
}

static int on_notification(SeccompNotifier *n, const SeccompNotification *notif, SeccompNotifyResponse *ret,
                           void *userdata) {
        MonitorSeccomp *s = userdata;
        int r;

        log_debug("seccomp: notification %" PRIu64 ": pid %" PRIu32 " %s, %zu subscriber(s)", notif->id,
                  notif->pid, notif->syscall, s->n_subscribers);
        for (size_t i = 0; i < s->n_subscribers; i++) {
                r = emit_notification(s->subscribers[i], notif);
                if (r < 0)
                        log_debug_errno(r, "seccomp: cannot send notification %" PRIu64 ": %m", notif->id);
        }
        /* Without subscribers too: the timeout gives the default answer (a subscriber may be on its way). */
        return SECCOMP_NOTIFY_DELAYED_RESPONSE;
}

static int apply_defaults(MonitorSeccomp *s) {
        int r;

        if (!s->notifier)
                return 0;
        r = seccomp_notifier_set_timeout(s->notifier, s->timeout_usec);
        if (r < 0)
                return r;
        return seccomp_notifier_set_default_response(s->notifier,
                                                     &(SeccompNotifyResponse) { .error = s->default_errno });
}

/* ---- life cycle ---- */

static void detach(MonitorSeccomp *s) {
        s->io = sd_event_source_disable_unref(s->io);
        s->timer = sd_event_source_disable_unref(s->timer);
        s->proxy_io = sd_event_source_disable_unref(s->proxy_io);
        s->proxy = seccomp_proxy_free(s->proxy);
        s->notifier = seccomp_notifier_free(s->notifier); /* answers what is pending */
}

void monitor_seccomp_detach(Monitor *m) {
        if (state && state->monitor == m)
                detach(state);
}

int monitor_seccomp_attach(Monitor *m, int listener_fd, char **ret_error) {
        _cleanup_close_ int fd = listener_fd;
        MonitorSeccomp *s;
        int r;

        /* The previous init's listener (reboot in place) is answered and dropped in any case. */
        monitor_seccomp_detach(m);
        if (fd < 0)
                return 0;

        s = get_state(m);
        if (!s)
                return -ENOMEM;

        r = seccomp_notifier_new(TAKE_FD(fd), on_notification, s, &s->notifier);
        if (r < 0) {
                if (asprintf(ret_error, "cannot handle seccomp notifications: %s", strerror(-r)) < 0)
                        *ret_error = NULL;
                return r;
        }
        r = apply_defaults(s);
        if (r >= 0)
                r = sd_event_add_io(m->event, &s->io, seccomp_notifier_get_fd(s->notifier), EPOLLIN, on_listener, s);
        if (r >= 0)
                r = sd_event_add_time(m->event, &s->timer, CLOCK_MONOTONIC, UINT64_MAX, 1000, on_timer, s);
        if (r >= 0)
                r = sd_event_source_set_enabled(s->timer, SD_EVENT_OFF);
        if (r < 0)
                goto fail;

        if (m->config->seccomp_notify_proxy) {
                r = seccomp_proxy_new(s->notifier, m->config->seccomp_notify_proxy, m->config->seccomp_notify_cookie,
                                      getpid(), m->init_pid, &s->proxy);
                if (r < 0) {
                        if (asprintf(ret_error, "invalid lxc.seccomp.notify.proxy '%s': %s",
                                     m->config->seccomp_notify_proxy, strerror(-r)) < 0)
                                *ret_error = NULL;
                        goto fail;
                }
                seccomp_proxy_set_fd_callback(s->proxy, on_proxy_fd, s);
                r = seccomp_proxy_connect(s->proxy);
                if (r < 0) {
                        /* As LXC: a proxy that is not listening fails the start. */
                        if (asprintf(ret_error, "cannot connect to the seccomp proxy %s: %s",
                                     m->config->seccomp_notify_proxy, strerror(-r)) < 0)
                                *ret_error = NULL;
                        goto fail;
                }
                /* LXC semantics: the proxy decides; D-Bus subscribers are not consulted. */
                seccomp_notifier_set_handler(s->notifier, seccomp_proxy_handler, s->proxy);
        }
        log_debug("seccomp: notification listener attached%s", s->proxy ? " (proxy)" : "");
        return 0;

fail:
        detach(s);
        return r;
}

static void drop_subscriber_at(MonitorSeccomp *s, size_t i) {
        sd_bus_unref(s->subscribers[i]);
        s->subscribers[i] = s->subscribers[--s->n_subscribers];
        /* Nobody left to decide: the pending ones get the default answer now rather than at the timeout.
         * The proxy answers for itself. */
        if (s->n_subscribers == 0 && s->notifier && !s->proxy) {
                size_t n = seccomp_notifier_respond_all_default(s->notifier);
                if (n > 0)
                        log_debug("seccomp: last subscriber gone, %zu notification(s) got the default answer", n);
                rearm(s);
        }
}

void monitor_seccomp_conn_gone(Monitor *m, sd_bus *bus) {
        if (!state || state->monitor != m)
                return;
        for (size_t i = 0; i < state->n_subscribers; i++)
                if (state->subscribers[i] == bus) {
                        drop_subscriber_at(state, i);
                        return;
                }
}

void monitor_seccomp_free(Monitor *m) {
        if (!state || state->monitor != m)
                return;
        detach(state);
        for (size_t i = 0; i < state->n_subscribers; i++)
                sd_bus_unref(state->subscribers[i]);
        free(state->subscribers);
        state = mfree(state);
}

/* ---- methods ---- */

/* Options of SeccompSubscribe and SeccompSetDefaults: timeout_ms u (> 0), default_errno i (1..4095, either
 * sign). Unknown keys are skipped (callers may be newer); wrong types are InvalidArgs. */
static int read_defaults(sd_bus_message *message, MonitorSeccomp *s, sd_bus_error *error) {
        uint64_t timeout_usec = s->timeout_usec;
        int default_errno = s->default_errno;
        int r;

        r = sd_bus_message_enter_container(message, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(message, 'e', "sv")) > 0) {
                const char *key;

                r = sd_bus_message_read(message, "s", &key);
                if (r < 0)
                        return r;
                if (streq(key, "timeout_ms")) {
                        uint32_t ms;
                        r = sd_bus_message_read(message, "v", "u", &ms);
                        if (r < 0 || ms == 0 || ms > SECCOMP_TIMEOUT_MAX_MS)
                                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                                         "Option 'timeout_ms' must be a u in 1..%u",
                                                         SECCOMP_TIMEOUT_MAX_MS);
                        timeout_usec = (uint64_t) ms * 1000U;
                } else if (streq(key, "default_errno")) {
                        int32_t e;
                        r = sd_bus_message_read(message, "v", "i", &e);
                        if (r < 0 || e == 0 || e < -4095 || e > 4095)
                                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                                         "Option 'default_errno' must be an i in 1..4095");
                        default_errno = abs(e);
                } else {
                        r = sd_bus_message_skip(message, "v");
                        if (r < 0)
                                return r;
                }
                r = sd_bus_message_exit_container(message);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(message);
        if (r < 0)
                return r;

        s->timeout_usec = timeout_usec;
        s->default_errno = default_errno;
        r = apply_defaults(s);
        if (r < 0)
                return sd_bus_error_set_errnof(error, -r, "Cannot apply the seccomp defaults: %m");
        return 0;
}

int monitor_method_seccomp_set_defaults(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        MonitorSeccomp *s = get_state(userdata);
        int r;

        if (!s)
                return -ENOMEM;
        r = read_defaults(message, s, error);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(message, NULL);
}

int monitor_method_seccomp_subscribe(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        MonitorSeccomp *s = get_state(userdata);
        sd_bus *bus = sd_bus_message_get_bus(message);
        sd_bus **l;
        int r;

        if (!s)
                return -ENOMEM;
        r = read_defaults(message, s, error);
        if (r < 0)
                return r;
        /* Say so rather than leave the caller waiting for signals that cannot come. */
        if (!s->notifier)
                return sd_bus_error_set_errnof(error, EOPNOTSUPP,
                                               "Container %s has no seccomp notify rules "
                                               "(lxc.seccomp.profile).", s->monitor->name);
        if (s->proxy)
                return sd_bus_error_set_errnof(error, EOPNOTSUPP,
                                               "The seccomp notifications of container %s go to "
                                               "lxc.seccomp.notify.proxy.", s->monitor->name);

        for (size_t i = 0; i < s->n_subscribers; i++)
                if (s->subscribers[i] == bus)
                        return sd_bus_reply_method_return(message, NULL);

        /* Connections are bounded (MONITOR_CONNECTIONS_MAX), so subscribers are too. */
        l = reallocarray(s->subscribers, s->n_subscribers + 1, sizeof(sd_bus *));
        if (!l)
                return -ENOMEM;
        s->subscribers = l;
        s->subscribers[s->n_subscribers++] = sd_bus_ref(bus);
        log_debug("seccomp: %zu subscriber(s)", s->n_subscribers);
        return sd_bus_reply_method_return(message, NULL);
}

int monitor_method_seccomp_unsubscribe(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        sd_bus *bus = sd_bus_message_get_bus(message);
        int r;

        r = sd_bus_message_skip(message, "a{sv}");
        if (r < 0)
                return r;
        log_debug("seccomp: a peer unsubscribed");
        monitor_seccomp_conn_gone(userdata, bus);
        return sd_bus_reply_method_return(message, NULL);
}

int monitor_method_seccomp_respond(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        MonitorSeccomp *s = state;
        uint64_t id;
        int32_t err;
        int64_t val;
        uint32_t flags;
        int r;

        r = sd_bus_message_read(message, "tixu", &id, &err, &val, &flags);
        if (r < 0)
                return r;
        r = sd_bus_message_skip(message, "a{sv}");
        if (r < 0)
                return r;

        if (!s || !s->notifier)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "No seccomp notification %" PRIu64 " is pending.", id);
        r = seccomp_notifier_respond(s->notifier, id, err, val, flags);
        rearm(s);
        if (r == -EINVAL)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "Seccomp notification %" PRIu64 " is not pending (stale or already "
                                         "answered), or the answer is invalid.", id);
        if (r == -ENOENT)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "Seccomp notification %" PRIu64 " is no longer pending: its task was "
                                         "interrupted or killed.", id);
        if (r < 0)
                return sd_bus_error_set_errnof(error, -r, "Cannot answer seccomp notification %" PRIu64 ": %m", id);
        return sd_bus_reply_method_return(message, NULL);
}

int monitor_method_seccomp_notify_fd(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        Monitor *m = userdata;
        int r;

        r = sd_bus_message_skip(message, "a{sv}");
        if (r < 0)
                return r;
        if (!state || !state->notifier)
                return sd_bus_error_set_errnof(error, EOPNOTSUPP,
                                               "Container %s has no seccomp notification listener "
                                               "(no notify rule in lxc.seccomp.profile).", m->name);
        /* sd-bus duplicates the fd (F_DUPFD_CLOEXEC) into the message. The monitor stays the only reader
         * (README.md): the holder answers, it must not receive. */
        return sd_bus_reply_method_return(message, "h", seccomp_notifier_get_fd(state->notifier));
}
