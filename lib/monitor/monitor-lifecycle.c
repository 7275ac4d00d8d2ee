/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Reboot, Shutdown, Freeze and Unfreeze (README.md "Additions for issues 3 and 4"): the request signals
 * and their re-sending, the cgroup2 freezer, and the deferred D-Bus replies ("waiters"). The restart in
 * place itself lives in monitor.c (on_init_exit), next to start and stop, because it reuses both. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/inotify.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cgroup/cgroup.h"
#include "log/log.h"
#include "monitor/monitor.h"
#include "util/fileio.h"
#include "util/macro.h"

typedef enum WaiterKind {
        WAITER_REBOOT,   /* → b: true once RUNNING again, false at the deadline or when it stops */
        WAITER_SHUTDOWN, /* → b: true once STOPPED, false at the deadline (without force) */
        WAITER_FREEZE,   /* → (): once cgroup.events says frozen 1, ETIMEDOUT at the deadline */
        WAITER_UNFREEZE, /* → (): once cgroup.events says frozen 0 */
} WaiterKind;

struct MonitorWaiter {
        Monitor *monitor;
        WaiterKind kind;
        sd_bus_message *message; /* the call, answered later */
        sd_event_source *timer;  /* the deadline; NULL: none (-1, or a forced shutdown past its deadline) */
        bool force;              /* Shutdown: SIGKILL at the deadline, then wait for STOPPED */
};

static int sys_pidfd_send_signal(int pidfd, int sig) {
        return RET_NERRNO(syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0));
}

static uint64_t now_usec(Monitor *m) {
        uint64_t t = 0;
        (void) sd_event_now(m->event, CLOCK_MONOTONIC, &t);
        return t;
}

static bool is_bool_kind(WaiterKind k) {
        return k == WAITER_REBOOT || k == WAITER_SHUTDOWN;
}

static MonitorWaiter *waiter_free(MonitorWaiter *w) {
        if (!w)
                return NULL;
        sd_event_source_disable_unref(w->timer);
        sd_bus_message_unref(w->message);
        return mfree(w);
}

static void waiter_remove(Monitor *m, MonitorWaiter *w) {
        for (size_t i = 0; i < m->n_waiters; i++)
                if (m->waiters[i] == w) {
                        m->waiters[i] = m->waiters[--m->n_waiters];
                        waiter_free(w);
                        return;
                }
}

static void waiter_reply_bool(Monitor *m, MonitorWaiter *w, bool b) {
        int r = sd_bus_reply_method_return(w->message, "b", (int) b);
        if (r < 0)
                log_debug_errno(r, "Failed to answer a waiting call, ignoring: %m");
        waiter_remove(m, w);
}

static void waiter_reply_errno(Monitor *m, MonitorWaiter *w, int error, const char *text) {
        int r = error == 0 ? sd_bus_reply_method_return(w->message, NULL)
                           : sd_bus_reply_method_errnof(w->message, error, "%s", text);
        if (r < 0)
                log_debug_errno(r, "Failed to answer a waiting call, ignoring: %m");
        waiter_remove(m, w);
}

/* Answer every waiter of one kind. Backwards, because removal moves the last entry into the hole. */
static void reply_all(Monitor *m, WaiterKind kind, int bool_or_errno, const char *text) {
        for (size_t i = m->n_waiters; i > 0; i--) {
                MonitorWaiter *w = m->waiters[i - 1];
                if (w->kind != kind)
                        continue;
                if (is_bool_kind(kind))
                        waiter_reply_bool(m, w, bool_or_errno);
                else
                        waiter_reply_errno(m, w, bool_or_errno, text);
        }
}

static bool has_request_waiter(Monitor *m) {
        for (size_t i = 0; i < m->n_waiters; i++)
                if (is_bool_kind(m->waiters[i]->kind))
                        return true;
        return false;
}

static void request_clear(Monitor *m) {
        m->reboot_requested = m->shutdown_requested = false;
        m->request_until = 0;
        m->resend_source = sd_event_source_disable_unref(m->resend_source);
}

/* A request lasts while a Reboot/Shutdown call waits for it (until its deadline, or its caller going away)
 * and at least MONITOR_REQUEST_DEFAULT_USEC after a Reboot(0)/Shutdown(0), which has nobody waiting
 * (request_until). After that an init exit is judged on its own again and nothing is re-sent: a Reboot(-1)
 * whose caller disconnected must not keep signalling init forever. */
static void request_check_expired(Monitor *m) {
        if (!m->reboot_requested && !m->shutdown_requested)
                return;
        if (has_request_waiter(m) || now_usec(m) < m->request_until)
                return;
        log_debug("Reboot/shutdown request expired");
        request_clear(m);
}

/* systemd blocks SIGPWR and wants SIGRTMIN+3; LXC looks at SigBlk the same way. */
static bool init_blocks_signal(pid_t pid, int sig) {
        _cleanup_free_ char *fn = NULL, *status = NULL;
        unsigned long long mask;

        if (asprintf(&fn, "/proc/%d/status", (int) pid) < 0 || read_full_file(fn, &status, NULL) < 0)
                return false;
        const char *p = strstr(status, "\nSigBlk:");
        if (!p || sscanf(p + 8, "%llx", &mask) != 1)
                return false;
        return mask & (1ULL << (sig - 1));
}

static int request_signal(Monitor *m) {
        if (m->shutdown_requested) {
                if (m->config->signal_halt > 0)
                        return m->config->signal_halt;
                return init_blocks_signal(m->init_pid, SIGPWR) ? SIGRTMIN + 3 : SIGPWR;
        }
        return m->config->signal_reboot > 0 ? m->config->signal_reboot : SIGINT;
}

static int request_send(Monitor *m) {
        int sig = request_signal(m), r;

        r = sys_pidfd_send_signal(m->init_pidfd, sig);
        if (r == -ESRCH) /* exiting already: on_init_exit follows */
                return 0;
        if (r < 0)
                return log_error_errno(r, "Failed to send signal %d to init: %m", sig);
        log_debug("Sent signal %d to init %d", sig, (int) m->init_pid);
        return 0;
}

static int on_resend(sd_event_source *s, uint64_t usec, void *userdata) {
        Monitor *m = userdata;

        request_check_expired(m);
        if (!m->reboot_requested && !m->shutdown_requested)
                return 0; /* request_clear() dropped this source */
        /* Only an exit of init ends the re-sending early: until then we cannot tell an init that is busy
         * rebooting from one that never installed its handler. A second SIGINT/SIGPWR is harmless to
         * busybox, sysvinit and systemd (which reboot/power off either way). */
        (void) request_send(m);
        (void) sd_event_source_set_time_relative(s, MONITOR_RESEND_USEC);
        (void) sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
        return 0;
}

/* Start (or extend) a reboot or shutdown request: the signal goes out now and then every 250 ms. Only
 * timeout 0 sets a bound here; a waiting call keeps the request alive by itself (request_check_expired). */
static int request_start(Monitor *m, int timeout) {
        int r;

        if (timeout == 0 && now_usec(m) + MONITOR_REQUEST_DEFAULT_USEC > m->request_until)
                m->request_until = now_usec(m) + MONITOR_REQUEST_DEFAULT_USEC;

        r = request_send(m);
        if (r < 0)
                return r;
        if (!m->resend_source) {
                r = sd_event_add_time_relative(m->event, &m->resend_source, CLOCK_MONOTONIC, MONITOR_RESEND_USEC,
                                               0, on_resend, m);
                if (r < 0)
                        log_warning_errno(r, "Failed to arm the re-send timer, sending once only: %m");
        }
        return 0;
}

static int on_waiter_timeout(sd_event_source *s, uint64_t usec, void *userdata) {
        MonitorWaiter *w = userdata;
        Monitor *m = w->monitor;
        int r;

        switch (w->kind) {
        case WAITER_REBOOT:
                log_info("Container %s did not come back from the reboot in time", m->name);
                waiter_reply_bool(m, w, false);
                request_check_expired(m);
                break;
        case WAITER_SHUTDOWN:
                if (w->force && !m->finished) {
                        /* Answered (true) from monitor_lifecycle_stopped(); no deadline any more. The
                         * oneshot source is already off, it is freed with the waiter. */
                        log_warning("Container init %d did not shut down in time, killing it", (int) m->init_pid);
                        r = sys_pidfd_send_signal(m->init_pidfd, SIGKILL);
                        if (r < 0 && r != -ESRCH)
                                log_error_errno(r, "Failed to kill init: %m");
                        w->force = false;
                        m->stop_requested = true;
                        monitor_set_state(m, BERTH_STATE_STOPPING);
                        /* Count as unbounded from now on, so the request does not expire under it. */
                        w->timer = sd_event_source_disable_unref(w->timer);
                        break;
                }
                log_info("Container %s did not shut down in time", m->name);
                waiter_reply_bool(m, w, false);
                request_check_expired(m);
                break;
        case WAITER_FREEZE:
                waiter_reply_errno(m, w, ETIMEDOUT, "container did not freeze within 10 s (state FREEZING; "
                                   "Unfreeze thaws it)");
                break;
        case WAITER_UNFREEZE:
                waiter_reply_errno(m, w, ETIMEDOUT, "container did not thaw within 10 s");
                break;
        }
        return 0;
}

/* Defer the reply to message. timeout_usec: relative deadline, UINT64_MAX = none. */
static int waiter_add_one(Monitor *m, sd_bus_message *message, WaiterKind kind, uint64_t timeout_usec,
                          bool force) {
        _cleanup_free_ MonitorWaiter *w = NULL;
        MonitorWaiter **l;
        int r;

        if (m->n_waiters >= MONITOR_WAITERS_MAX)
                return -EBUSY;
        l = reallocarray(m->waiters, m->n_waiters + 1, sizeof(MonitorWaiter *));
        if (!l)
                return -ENOMEM;
        m->waiters = l;

        w = calloc(1, sizeof(MonitorWaiter));
        if (!w)
                return -ENOMEM;
        *w = (MonitorWaiter) { .monitor = m, .kind = kind, .force = force };
        if (timeout_usec != UINT64_MAX) {
                r = sd_event_add_time_relative(m->event, &w->timer, CLOCK_MONOTONIC, timeout_usec, 0,
                                               on_waiter_timeout, w);
                if (r < 0)
                        return r;
        }
        w->message = sd_bus_message_ref(message);
        m->waiters[m->n_waiters++] = TAKE_PTR(w);
        return 0;
}

/* waiter_add_one() for a method handler: 1 (the reply is deferred), or the failure set on error. */
static int waiter_add(Monitor *m, sd_bus_message *message, WaiterKind kind, uint64_t timeout_usec, bool force,
                      sd_bus_error *error) {
        static const char *const what[] = {
                [WAITER_REBOOT] = "reboot",
                [WAITER_SHUTDOWN] = "shutdown",
                [WAITER_FREEZE] = "freeze",
                [WAITER_UNFREEZE] = "thaw",
        };
        int r;

        r = waiter_add_one(m, message, kind, timeout_usec, force);
        if (r < 0)
                return sd_bus_error_set_errnof(error, -r, "Failed to wait for the %s of %s: %m", what[kind],
                                               m->name);
        return 1;
}

/* A timeout in seconds as waiter_add() takes it: -1 is no limit. */
static uint64_t timeout_to_usec(int timeout) {
        return timeout < 0 ? UINT64_MAX : (uint64_t) timeout * 1000000ULL;
}

/* a{sv}: known keys must have their type, unknown keys are skipped (callers may be newer than us). */
static int read_options(sd_bus_message *message, bool *force, sd_bus_error *error) {
        return monitor_bus_read_bool_options(message, (const char *const[]) { "force" },
                                             (bool *const[]) { force }, 1, error);
}

static int read_timeout(sd_bus_message *message, int *ret, sd_bus_error *error) {
        int32_t t;
        int r;

        r = sd_bus_message_read(message, "i", &t);
        if (r < 0)
                return r;
        if (t < -1)
                return sd_bus_error_set_errnof(error, EINVAL,
                                               "Invalid timeout %d: -1 (no limit), 0 (do not wait) or seconds",
                                               (int) t);
        *ret = t;
        return 0;
}

static bool is_frozen(Monitor *m) {
        return m->state == BERTH_STATE_FROZEN || m->state == BERTH_STATE_FREEZING;
}

/* SIGKILL to init (lxc-stop -k), as a Stop: a pending reboot is cancelled, a frozen payload thawed once the
 * signal is queued; on_init_exit() then finishes and monitor_lifecycle_stopped() answers the waiters. */
static void force_kill(Monitor *m, const char *why) {
        bool was_frozen = is_frozen(m);
        int r;

        log_info("Shutting down container %s (%s): killing init %d", m->name, why, (int) m->init_pid);
        r = sys_pidfd_send_signal(m->init_pidfd, SIGKILL);
        if (r < 0 && r != -ESRCH)
                log_error_errno(r, "Failed to kill init: %m");
        m->stop_requested = true;
        m->shutdown_requested = true;
        monitor_lifecycle_stop_requested(m, was_frozen);
        monitor_set_state(m, BERTH_STATE_STOPPING);
}

static bool is_running(Monitor *m) {
        return !m->finished && m->state != BERTH_STATE_STOPPED && m->init_pid > 0;
}

int monitor_method_reboot(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        Monitor *m = userdata;
        int timeout = 0, r;

        r = read_timeout(message, &timeout, error);
        if (r < 0)
                return r;
        r = read_options(message, NULL, error);
        if (r < 0)
                return r;

        if (!is_running(m))
                return sd_bus_error_set_errnof(error, ENOTCONN, "Container %s is not running", m->name);
        if (m->stop_requested)
                return sd_bus_error_set_errnof(error, ENOTCONN, "Container %s is stopping", m->name);
        if (is_frozen(m))
                return sd_bus_error_set_errnof(error, EBUSY, "Container %s is frozen", m->name);
        if (m->shutdown_requested)
                return sd_bus_error_set_errnof(error, EBUSY, "Container %s is shutting down", m->name);
        if (timeout != 0 && m->n_waiters >= MONITOR_WAITERS_MAX)
                return sd_bus_error_set_errnof(error, EBUSY, "Too many calls waiting on container %s", m->name);

        if (!m->reboot_requested)
                log_info("Rebooting container %s (timeout %d)", m->name, timeout);
        m->reboot_requested = true;
        r = request_start(m, timeout);
        if (r < 0) {
                request_clear(m);
                return sd_bus_error_set_errnof(error, -r, "Failed to signal init of %s: %m", m->name);
        }
        if (timeout == 0)
                return sd_bus_reply_method_return(message, "b", 1);

        return waiter_add(m, message, WAITER_REBOOT, timeout_to_usec(timeout), false, error);
}

int monitor_method_shutdown(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        Monitor *m = userdata;
        bool force = false;
        int timeout = 0, r;

        r = read_timeout(message, &timeout, error);
        if (r < 0)
                return r;
        r = read_options(message, &force, error);
        if (r < 0)
                return r;

        if (!is_running(m))
                return sd_bus_error_set_errnof(error, ENOTCONN, "Container %s is not running", m->name);
        if (is_frozen(m) && !force && !m->stop_requested)
                return sd_bus_error_set_errnof(error, EBUSY, "container %s is frozen: unfreeze it first, "
                                               "or use force", m->name);
        if ((timeout != 0 || force) && m->n_waiters >= MONITOR_WAITERS_MAX)
                return sd_bus_error_set_errnof(error, EBUSY, "Too many calls waiting on container %s", m->name);

        /* A frozen init cannot act on the halt signal, and force with timeout 0 means no grace period: kill
         * now as Stop does (a frozen payload is thawed after the signal), answer true once STOPPED. */
        if (force && (timeout == 0 || is_frozen(m))) {
                if (!m->stop_requested)
                        force_kill(m, timeout == 0 ? "force, timeout 0" : "force, frozen");
                return waiter_add(m, message, WAITER_SHUTDOWN, UINT64_MAX, false, error);
        }

        /* Already being stopped (Stop, or a forced shutdown past its deadline): just wait for STOPPED. */
        if (!m->stop_requested) {
                if (!m->shutdown_requested)
                        log_info("Shutting down container %s (timeout %d%s)", m->name, timeout,
                                 force ? ", force" : "");
                /* A shutdown overrides a pending reboot: its waiters get false at STOPPED. */
                m->reboot_requested = false;
                m->shutdown_requested = true;
                r = request_start(m, timeout);
                if (r < 0) {
                        request_clear(m);
                        return sd_bus_error_set_errnof(error, -r, "Failed to signal init of %s: %m", m->name);
                }
        }
        if (timeout == 0)
                return sd_bus_reply_method_return(message, "b", 1);

        return waiter_add(m, message, WAITER_SHUTDOWN, timeout_to_usec(timeout), force, error);
}

/* cgroup.events changed (or we just wrote cgroup.freeze): finish a transition that reached its target. */
static void freeze_check(Monitor *m) {
        int r;

        if (!is_frozen(m))
                return;
        r = cgroup_get_frozen(m->cgroup_payload);
        if (r < 0) {
                log_debug_errno(r, "Failed to read %s/cgroup.events: %m", m->cgroup_payload);
                return;
        }
        if (m->freeze_target && r == 1 && m->state == BERTH_STATE_FREEZING) {
                monitor_set_state(m, BERTH_STATE_FROZEN);
                log_info("Container %s is FROZEN", m->name);
                reply_all(m, WAITER_FREEZE, 0, NULL);
        } else if (!m->freeze_target && r == 0) {
                monitor_set_state(m, BERTH_STATE_RUNNING);
                log_info("Container %s thawed, RUNNING", m->name);
                reply_all(m, WAITER_UNFREEZE, 0, NULL);
        }
}

static int on_cgroup_events(sd_event_source *s, const struct inotify_event *event, void *userdata) {
        freeze_check(userdata);
        return 0;
}

/* Writes to cgroup.freeze complete asynchronously; the kernel signals the change of the "frozen" field
 * with a modify event on cgroup.events (kernfs_notify), which inotify sees. */
static int freeze_watch(Monitor *m) {
        _cleanup_free_ char *path = NULL;

        if (m->freeze_watch)
                return 0;
        if (asprintf(&path, "%s/cgroup.events", m->cgroup_payload) < 0)
                return -ENOMEM;
        return sd_event_add_inotify(m->event, &m->freeze_watch, path, IN_MODIFY, on_cgroup_events, m);
}

static int freeze_set(Monitor *m, bool frozen, sd_bus_error *error) {
        int r;

        r = freeze_watch(m);
        if (r < 0)
                return sd_bus_error_set_errnof(error, -r, "Failed to watch %s/cgroup.events: %m", m->cgroup_payload);
        r = cgroup_set_frozen(m->cgroup_payload, frozen);
        if (r == -ENOENT)
                return sd_bus_error_set_errnof(error, EOPNOTSUPP, "The kernel has no cgroup2 freezer "
                                               "(%s/cgroup.freeze, Linux 5.2+)", m->cgroup_payload);
        if (r < 0)
                return sd_bus_error_set_errnof(error, -r, "Failed to write %s/cgroup.freeze: %m",
                                               m->cgroup_payload);
        m->freeze_target = frozen;
        return 0;
}

int monitor_method_freeze(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        Monitor *m = userdata;
        int r;

        r = read_options(message, NULL, error);
        if (r < 0)
                return r;
        if (!is_running(m))
                return sd_bus_error_set_errnof(error, ENOTCONN, "Container %s is not running", m->name);
        if (m->state == BERTH_STATE_FROZEN && m->freeze_target)
                return sd_bus_reply_method_return(message, NULL);
        if (m->stop_requested || !(m->state == BERTH_STATE_RUNNING || is_frozen(m)))
                return sd_bus_error_set_errnof(error, EBUSY, "Container %s is %s", m->name,
                                               berth_state_to_string(m->state));
        if (m->reboot_requested || m->shutdown_requested)
                return sd_bus_error_set_errnof(error, EBUSY, "Container %s is %s", m->name,
                                               m->reboot_requested ? "rebooting" : "shutting down");
        if (m->n_waiters >= MONITOR_WAITERS_MAX)
                return sd_bus_error_set_errnof(error, EBUSY, "Too many calls waiting on container %s", m->name);

        if (!m->freeze_target) {
                r = freeze_set(m, true, error);
                if (r < 0)
                        return r;
                /* An Unfreeze still waiting for its thaw has been overtaken. */
                reply_all(m, WAITER_UNFREEZE, ECANCELED, "frozen again before it thawed");
        }
        monitor_set_state(m, BERTH_STATE_FREEZING);
        r = waiter_add(m, message, WAITER_FREEZE, MONITOR_FREEZE_TIMEOUT_USEC, false, error);
        if (r < 0)
                return r;
        freeze_check(m); /* an idle payload may be frozen already */
        return 1;
}

int monitor_method_unfreeze(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        Monitor *m = userdata;
        int r;

        r = read_options(message, NULL, error);
        if (r < 0)
                return r;
        if (!is_running(m))
                return sd_bus_error_set_errnof(error, ENOTCONN, "Container %s is not running", m->name);
        if (!is_frozen(m)) {
                if (m->state == BERTH_STATE_RUNNING || m->stop_requested) /* nothing to do / Stop thaws */
                        return sd_bus_reply_method_return(message, NULL);
                return sd_bus_error_set_errnof(error, EBUSY, "Container %s is %s", m->name,
                                               berth_state_to_string(m->state));
        }
        if (m->n_waiters >= MONITOR_WAITERS_MAX)
                return sd_bus_error_set_errnof(error, EBUSY, "Too many calls waiting on container %s", m->name);

        if (m->freeze_target) {
                r = freeze_set(m, false, error);
                if (r < 0)
                        return r;
                reply_all(m, WAITER_FREEZE, ECANCELED, "unfrozen before it froze");
        }
        r = waiter_add(m, message, WAITER_UNFREEZE, MONITOR_FREEZE_TIMEOUT_USEC, false, error);
        if (r < 0)
                return r;
        freeze_check(m);
        return 1;
}

void monitor_lifecycle_init_exited(Monitor *m) {
        m->resend_source = sd_event_source_disable_unref(m->resend_source);
        m->freeze_watch = sd_event_source_disable_unref(m->freeze_watch);
}

void monitor_lifecycle_rebooted(Monitor *m) {
        request_clear(m);
        m->freeze_target = false; /* a new payload cgroup */
        reply_all(m, WAITER_REBOOT, true, NULL);
        /* Only possible when init rebooted by itself (reboot -f) while a Freeze/Unfreeze was waiting. */
        reply_all(m, WAITER_FREEZE, ECANCELED, "container rebooted, not frozen");
        reply_all(m, WAITER_UNFREEZE, 0, NULL);
}

void monitor_lifecycle_reboot_failed(Monitor *m, bool config_error, const char *message) {
        for (size_t i = m->n_waiters; i > 0; i--) {
                MonitorWaiter *w = m->waiters[i - 1];
                int r;

                if (w->kind != WAITER_REBOOT)
                        continue;
                r = sd_bus_reply_method_errorf(
                                w->message, config_error ? "org.berth1.Error.InvalidConfig" : SD_BUS_ERROR_FAILED,
                                "%s", message);
                if (r < 0)
                        log_debug_errno(r, "Failed to answer a waiting call, ignoring: %m");
                waiter_remove(m, w);
        }
}

void monitor_lifecycle_stopped(Monitor *m) {
        request_clear(m);
        m->freeze_watch = sd_event_source_disable_unref(m->freeze_watch);
        reply_all(m, WAITER_REBOOT, false, NULL);
        reply_all(m, WAITER_SHUTDOWN, true, NULL);
        reply_all(m, WAITER_FREEZE, ENOTCONN, "container stopped");
        reply_all(m, WAITER_UNFREEZE, ENOTCONN, "container stopped");
}

void monitor_lifecycle_stop_requested(Monitor *m, bool was_frozen) {
        int r;

        /* Stop wins over a pending reboot: init's exit is a stop now. */
        m->reboot_requested = false;
        m->resend_source = sd_event_source_disable_unref(m->resend_source);
        if (was_frozen && m->cgroup_payload) {
                /* Thawed only after the signal was queued, so init's first step is to handle it. */
                r = cgroup_set_frozen(m->cgroup_payload, false);
                if (r < 0)
                        log_warning_errno(r, "Failed to thaw %s: %m", m->cgroup_payload);
                m->freeze_target = false;
        }
}

void monitor_lifecycle_drop_bus(Monitor *m, sd_bus *bus) {
        for (size_t i = m->n_waiters; i > 0; i--)
                if (sd_bus_message_get_bus(m->waiters[i - 1]->message) == bus)
                        waiter_remove(m, m->waiters[i - 1]);
        /* A Reboot(-1) of a peer that went away no longer keeps the request alive. */
        if (m->event)
                request_check_expired(m);
}

void monitor_lifecycle_done(Monitor *m) {
        for (size_t i = 0; i < m->n_waiters; i++)
                waiter_free(m->waiters[i]);
        m->waiters = mfree(m->waiters);
        m->n_waiters = 0;
        m->resend_source = sd_event_source_disable_unref(m->resend_source);
        m->freeze_watch = sd_event_source_disable_unref(m->freeze_watch);
        hook_namespaces_close(&m->hook_ns);
        m->config_path = mfree(m->config_path);
}
