/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Reboot, Shutdown, Freeze, Unfreeze and OpenConsole: polkit-checked in berthd, carried out by the
 * container's monitor (lib/monitor/README.md, "Additions for issues 3 and 4"), answered when the monitor
 * answers. The waiting happens in the monitor; berthd only keeps the caller's message (an Operation), so the
 * loop never blocks and any number of calls can wait at once (up to MANAGER_OPERATIONS_MAX). A Reboot or
 * Shutdown that waits gets its own monitor connection, closed when its caller leaves. */

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "bus-util.h"
#include "container-dbus.h"
#include "container-lifecycle.h"
#include "errors.h"
#include "log/log.h"
#include "manager-dbus.h"
#include "util/macro.h"

/* A wait of N seconds in the monitor gets N + 5 s before we give up on the monitor itself: it answers at
 * the deadline, and a forced shutdown still has to kill and clean up after it. */
#define WAIT_SLACK_USEC (5ULL * 1000000ULL)
#define USEC_PER_SEC 1000000ULL

int container_check_monitor(Container *c, sd_bus_error *error) {
        if (container_is_starting(c))
                return sd_bus_error_setf(error, BERTH_ERROR_BUSY,
                                         "Container '%s' is starting, try again once it runs.", c->name);
        if (!c->monitor || c->state == BERTH_STATE_STOPPED)
                return sd_bus_error_setf(error, BERTH_ERROR_NOT_RUNNING, "Container '%s' is not running.",
                                         c->name);
        return 0;
}

/* ---- watching the caller ---- */

static void operation_caller_gone(Operation *o) {
        log_debug("The caller of %s on '%s' disconnected, dropping the request.",
                  strna(sd_bus_message_get_member(o->message)), o->container->name);
        /* Dropping o->slot cancels our pending call; the monitor's late answer is then ignored by sd-bus. */
        operation_free(o);
}

static int on_caller_name_owner_changed(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Operation *o = userdata;
        const char *name, *old_owner, *new_owner;

        if (sd_bus_message_read(m, "sss", &name, &old_owner, &new_owner) < 0)
                return 0;
        if (isempty(new_owner))
                operation_caller_gone(o);
        return 0;
}

static int on_caller_match_installed(sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Operation *o = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(reply);

        /* Without an install callback sd-bus would close the whole connection when AddMatch fails (e.g. the
         * broker's match limit): we rather do without the watch. */
        if (e)
                log_debug("Cannot watch the caller of %s on '%s', ignoring: %s",
                          strna(sd_bus_message_get_member(o->message)), o->container->name,
                          e->message ?: e->name);
        return 0;
}

static int on_caller_get_name_owner(sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Operation *o = userdata;
        const sd_bus_error *e;

        o->caller_query_slot = sd_bus_slot_unref(o->caller_query_slot);

        /* The name vanished before our match was in place. Any other failure: keep waiting, the match or the
         * monitor's answer ends the request. */
        e = sd_bus_message_get_error(reply);
        if (e && sd_bus_error_has_name(e, SD_BUS_ERROR_NAME_HAS_NO_OWNER))
                operation_caller_gone(o);
        return 0;
}

/* Best effort, all asynchronous: AddMatch for the caller's NameOwnerChanged, then GetNameOwner. The broker
 * handles both in order, so a caller gone before the match was active is seen by the second. No-op on a
 * peer-to-peer connection (the caller leaving closes the whole connection there). */
static void operation_watch_caller(Operation *o) {
        sd_bus *bus = sd_bus_message_get_bus(o->message);
        _cleanup_free_ char *match = NULL;
        const char *sender;
        int r;

        sender = sd_bus_message_get_sender(o->message);
        if (!sender || sd_bus_is_bus_client(bus) <= 0)
                return;

        if (asprintf(&match,
                     "type='signal',sender='org.freedesktop.DBus',path='/org/freedesktop/DBus',"
                     "interface='org.freedesktop.DBus',member='NameOwnerChanged',arg0='%s'",
                     sender) < 0) {
                log_oom();
                return;
        }

        r = sd_bus_add_match_async(bus, &o->caller_match_slot, match, on_caller_name_owner_changed,
                                   on_caller_match_installed, o);
        if (r < 0) {
                log_debug_errno(r, "Cannot watch caller %s, ignoring: %m", sender);
                return;
        }
        r = sd_bus_call_method_async(bus, &o->caller_query_slot, "org.freedesktop.DBus",
                                     "/org/freedesktop/DBus", "org.freedesktop.DBus", "GetNameOwner",
                                     on_caller_get_name_owner, o, "s", sender);
        if (r < 0)
                log_debug_errno(r, "Cannot look up caller %s, ignoring: %m", sender);
}

/* ---- calls to the monitor ---- */

int container_monitor_call_new(Container *c, sd_bus_message *message, OperationType type, const char *member,
                               Operation **ret_operation, sd_bus_message **ret_call, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        Operation *o;
        int r;

        if (ret_call) {
                r = bus_new_monitor_call(c->monitor, member, &call);
                if (r < 0)
                        return sd_bus_error_set_errnof(error, r,
                                                       "Failed to build the %s call to the monitor of '%s': %m",
                                                       member, c->name);
        }

        r = container_operation_new(c, type, message, &o, error);
        if (r < 0)
                return r;

        *ret_operation = o;
        if (ret_call)
                *ret_call = TAKE_PTR(call);
        return 0;
}

int container_monitor_call_send(Operation *o, sd_bus_message *call, uint64_t timeout_usec,
                                sd_bus_message_handler_t callback, sd_bus_error *error) {
        Container *c = o->container;
        const char *member = sd_bus_message_get_member(call);
        int r;

        r = sd_bus_call_async(c->monitor, &o->slot, call, callback, o, timeout_usec);
        if (r < 0) {
                operation_free(o);
                return sd_bus_error_set_errnof(error, r, "Failed to send %s to the monitor of '%s': %m",
                                               strna(member), c->name);
        }
        return 0;
}

bool container_monitor_error(Container *c, const char *member, const sd_bus_error *e, sd_bus_error *ret) {
        const char *text = e->message;

        if (sd_bus_error_has_name(e, SD_BUS_ERROR_NO_REPLY)) {
                /* sd-bus fails pending calls with NoReply "Connection terminated" when the monitor closes. */
                if (!c->monitor || sd_bus_is_open(c->monitor) <= 0) {
                        sd_bus_error_setf(ret, BERTH_ERROR_NOT_RUNNING, "Container '%s' stopped.", c->name);
                        return true;
                }
                sd_bus_error_setf(ret, BERTH_ERROR_TIMEOUT,
                                  "The monitor of container '%s' did not answer %s in time.", c->name,
                                  member);
                return false;
        }

        /* What an older monitor (started before berthd was upgraded) says for a method it lacks. */
        if (sd_bus_error_has_name(e, SD_BUS_ERROR_UNKNOWN_METHOD) ||
            sd_bus_error_has_name(e, SD_BUS_ERROR_UNKNOWN_INTERFACE) ||
            sd_bus_error_has_name(e, SD_BUS_ERROR_UNKNOWN_OBJECT)) {
                sd_bus_error_setf(
                        ret, BERTH_ERROR_NOT_SUPPORTED,
                        "The monitor of container '%s' does not implement %s (it is older than this berthd; "
                        "restart the container to update it).",
                        c->name, member);
                return false;
        }

        switch (sd_bus_error_get_errno(e)) {
        case ENOTCONN:
        case ESRCH:
                if (text)
                        sd_bus_error_set(ret, BERTH_ERROR_NOT_RUNNING, text);
                else
                        sd_bus_error_setf(ret, BERTH_ERROR_NOT_RUNNING, "Container '%s' is not running.",
                                          c->name);
                return false;
        case EOPNOTSUPP:
                sd_bus_error_set(ret, BERTH_ERROR_NOT_SUPPORTED,
                                 text ?: "Not supported by this kernel or host.");
                return false;
        case EBUSY:
                sd_bus_error_set(ret, BERTH_ERROR_BUSY, text ?: "Busy, try again.");
                return false;
        case ETIMEDOUT:
                sd_bus_error_set(ret, BERTH_ERROR_TIMEOUT, text ?: "Timed out.");
                return false;
        case EINVAL:
                sd_bus_error_set(ret, SD_BUS_ERROR_INVALID_ARGS, text ?: "Invalid argument.");
                return false;
        default:
                /* The monitor's errno-based error (e.g. FileNotFound for a missing mount source) as it is. */
                sd_bus_error_set(ret, e->name, text);
                return false;
        }
}

int container_on_monitor_void_reply(sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        Operation *o = userdata;
        const sd_bus_error *re;

        re = sd_bus_message_get_error(reply);
        if (re) {
                (void) container_monitor_error(o->container, sd_bus_message_get_member(o->message), re, &e);
                bus_reply_or_log(sd_bus_reply_method_error(o->message, &e));
        } else
                bus_reply_or_log(sd_bus_reply_method_return(o->message, NULL));
        operation_free(o);
        return 0;
}

int container_monitor_operation_begin(Container *c, sd_bus_message *message, const char *action, const char *verb,
                                      const char *const *extra_details, OperationType type, const char *member,
                                      Operation **ret_operation, sd_bus_message **ret_call, sd_bus_error *error) {
        int r;

        /* Before polkit, so nobody is asked for a password to act on a stopped container. The handler runs
         * again from the top once polkit answers, so this is checked again then. */
        r = container_check_monitor(c, error);
        if (r < 0)
                return r;

        r = container_verify_polkit_details(c, message, action, verb, extra_details, error);
        if (r < 0)
                return r;
        if (r == 0)
                return 1;

        return container_monitor_call_new(c, message, type, member, ret_operation, ret_call, error);
}

/* ---- Reboot, Shutdown ---- */

static void reply_bool_operations(Container *c, OperationType type, bool b) {
        Operation *next;

        for (Operation *o = c->operations; o; o = next) {
                next = o->next;
                if (o->type != type)
                        continue;
                bus_reply_or_log(sd_bus_reply_method_return(o->message, "b", b));
                operation_free(o);
        }
}

void container_lifecycle_monitor_gone(Container *c) {
        /* No monitor means no container: a reboot did not come back, a shutdown is complete. */
        reply_bool_operations(c, OPERATION_REBOOT, false);
        reply_bool_operations(c, OPERATION_SHUTDOWN, true);

        for (OperationType t = OPERATION_FREEZE; t <= OPERATION_UMOUNT; t++)
                container_fail_operations(c, t, BERTH_ERROR_NOT_RUNNING, "Container '%s' stopped.", c->name);
}

static int send_wait_call(Operation *o, sd_bus *bus);

static int on_monitor_bool_reply(sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        Operation *o = userdata;
        Container *c = o->container;
        bool shutdown = o->type == OPERATION_SHUTDOWN;
        const sd_bus_error *re;
        int r, b;

        re = sd_bus_message_get_error(reply);
        if (re && o->monitor_bus && sd_bus_error_has_name(re, SD_BUS_ERROR_NO_REPLY) &&
            sd_bus_is_open(o->monitor_bus) <= 0) {
                /* Our own connection ended: the monitor refused it (its connection limit) or is exiting and
                 * the shared connection has not noticed yet. Ask again there, as before dedicated connections:
                 * the monitor answers, or the shared connection closing answers for it. */
                o->slot = sd_bus_slot_unref(o->slot);
                o->monitor_bus = sd_bus_close_unref(o->monitor_bus);
                if (c->monitor && send_wait_call(o, c->monitor) >= 0)
                        return 0;
                bus_reply_or_log(sd_bus_reply_method_return(o->message, "b", shutdown));
                operation_free(o);
                return 0;
        }
        if (re) {
                if (container_monitor_error(c, sd_bus_message_get_member(o->message), re, &e))
                        /* The monitor went away while we waited: see container_lifecycle_monitor_gone(). */
                        bus_reply_or_log(sd_bus_reply_method_return(o->message, "b", shutdown));
                else
                        bus_reply_or_log(sd_bus_reply_method_error(o->message, &e));
                operation_free(o);
                return 0;
        }

        r = sd_bus_message_read(reply, "b", &b);
        if (r < 0) {
                bus_reply_or_log(sd_bus_reply_method_errorf(o->message, SD_BUS_ERROR_FAILED,
                                                        "Malformed %s reply from the monitor of '%s'.",
                                                        sd_bus_message_get_member(o->message), c->name));
                operation_free(o);
                return 0;
        }

        if (o->timeout == 0) /* true only means the signal went out; the outcome is not known yet */
                log_info("%s of '%s': signal sent.", shutdown ? "Shutdown" : "Reboot", c->name);
        else
                log_info("%s of '%s': %s.", shutdown ? "Shutdown" : "Reboot", c->name,
                         shutdown ? (b ? "stopped" : "still running")
                                  : (b ? "running again" : "did not come back"));
        bus_reply_or_log(sd_bus_reply_method_return(o->message, "b", b));

        /* Having waited (timeout != 0), true means STOPPED and cleaned up, as for Stop: forget the monitor
         * now, so a Start right after is not told that the container is still shutting down. With timeout 0
         * true only means the signal went out. */
        if (shutdown && b && o->timeout != 0) {
                operation_free(o);
                container_complete_operations(c, OPERATION_STOP);
                container_detach_monitor(c);
                return 0;
        }

        operation_free(o);
        return 0;
}

static int check_timeout(int32_t timeout, sd_bus_error *error) {
        if (timeout < -1)
                return sd_bus_error_setf(
                        error, SD_BUS_ERROR_INVALID_ARGS,
                        "Invalid timeout %" PRIi32 ": seconds, 0 (do not wait) or -1 (no limit).", timeout);
        return 0;
}

static uint64_t wait_call_timeout(int32_t timeout) {
        if (timeout < 0)
                return UINT64_MAX; /* the caller asked to wait without limit */
        if (timeout == 0)
                return 0; /* the monitor answers once the signal is sent: sd-bus's default */
        return (uint64_t) timeout * USEC_PER_SEC + WAIT_SLACK_USEC;
}

/* The monitor takes MONITOR_CONNECTIONS_MAX (64) connections in all: berthd keeps half of them for its
 * shared one and for other clients (berthctl, the C API). Beyond this, waiting calls share the container's
 * connection, and a caller leaving then only drops berthd's record, as before. */
#define DEDICATED_CONNECTIONS_MAX 32U

/* A connection of the operation's own to the monitor, on berthd's loop; NULL when none can be had (the
 * call then goes on the shared connection). Connecting to the local socket does not block; the handshake
 * and the call run on the loop. */
static sd_bus *open_dedicated_connection(Container *c) {
        _cleanup_(sd_bus_close_unrefp) sd_bus *bus = NULL;
        unsigned n = 0;
        int r;

        for (Operation *o = c->operations; o; o = o->next)
                if (o->monitor_bus)
                        n++;
        if (n >= DEDICATED_CONNECTIONS_MAX) {
                log_debug("%u dedicated monitor connections for '%s' already, sharing one.", n, c->name);
                return NULL;
        }

        r = berth_monitor_open(c->manager->berth, c->name, &bus);
        if (r < 0) {
                log_debug_errno(r, "Cannot open a monitor connection for '%s', sharing one: %m", c->name);
                return NULL;
        }
        /* Our own loop closes it; a flush at exit could wait on a stuck monitor. */
        (void) sd_bus_set_close_on_exit(bus, false);
        r = sd_bus_attach_event(bus, c->manager->event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0) {
                log_debug_errno(r, "Cannot attach a monitor connection for '%s', sharing one: %m", c->name);
                return NULL;
        }
        return TAKE_PTR(bus);
}

/* Reboot or Shutdown(o->timeout, force) to the monitor on bus; the reply goes to on_monitor_bool_reply(). */
static int send_wait_call(Operation *o, sd_bus *bus) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        int r;

        r = bus_new_monitor_call(bus, o->type == OPERATION_SHUTDOWN ? "Shutdown" : "Reboot", &call);
        if (r >= 0)
                r = sd_bus_message_append(call, "i", o->timeout);
        if (r >= 0)
                r = bus_append_flag_options(call, "force", o->force, NULL);
        if (r >= 0)
                r = sd_bus_call_async(bus, &o->slot, call, on_monitor_bool_reply, o,
                                      wait_call_timeout(o->timeout));
        return r;
}

static int reboot_or_shutdown(sd_bus_message *message, Container *c, OperationType type,
                              sd_bus_error *error) {
        bool shutdown = type == OPERATION_SHUTDOWN, force = false;
        const char *member = shutdown ? "Shutdown" : "Reboot";
        int32_t timeout;
        Operation *o;
        int r;

        r = sd_bus_message_read(message, "i", &timeout);
        if (r < 0)
                return r;
        r = bus_read_options(message, shutdown ? (const BusOption[]){{"force", 'b', &force}, {}} : NULL,
                             error);
        if (r < 0)
                return r;
        r = check_timeout(timeout, error);
        if (r < 0)
                return r;

        r = container_monitor_operation_begin(c, message, "org.berth1.manage", shutdown ? "shutdown" : "reboot",
                                              NULL, type, member, &o, NULL, error);
        if (r != 0)
                return r;
        o->timeout = timeout;
        o->force = force;

        /* A waiting call keeps the monitor's request (and its re-sending of the signal) alive for as long as
         * its connection is open: give it a connection of its own, closed with the operation, so a caller
         * that leaves ends the request in the monitor too (lib/monitor/README.md, "Waiters"). A timeout-0
         * call is answered at once and needs none. send_wait_call() builds the call for the connection it
         * goes on, so none is asked of container_monitor_operation_begin(). */
        if (timeout != 0)
                o->monitor_bus = open_dedicated_connection(c);

        r = send_wait_call(o, o->monitor_bus ?: c->monitor);
        if (r < 0) {
                operation_free(o);
                return sd_bus_error_set_errnof(error, r, "Failed to send %s to the monitor of '%s': %m", member,
                                               c->name);
        }
        if (timeout != 0)
                operation_watch_caller(o);

        log_info("%s of container '%s' requested (timeout %" PRIi32 "%s).", member, c->name, timeout,
                 force ? ", force" : "");
        return 1;
}

int method_reboot(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        return reboot_or_shutdown(message, userdata, OPERATION_REBOOT, error);
}

int method_shutdown(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        return reboot_or_shutdown(message, userdata, OPERATION_SHUTDOWN, error);
}

/* ---- Freeze, Unfreeze ---- */

static int freeze_or_unfreeze(sd_bus_message *message, Container *c, bool freeze, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        const char *member = freeze ? "Freeze" : "Unfreeze";
        Operation *o;
        int r;

        r = bus_read_options(message, NULL, error);
        if (r < 0)
                return r;
        r = container_monitor_operation_begin(c, message, "org.berth1.manage", freeze ? "freeze" : "unfreeze",
                                              NULL, freeze ? OPERATION_FREEZE : OPERATION_UNFREEZE, member, &o,
                                              &call, error);
        if (r != 0)
                return r;
        r = sd_bus_message_append(call, "a{sv}", 0);
        if (r < 0) {
                operation_free(o);
                return r;
        }
        /* The monitor gives up after 10 s itself (ETIMEDOUT → Timeout); sd-bus's 25 s default is enough. */
        r = container_monitor_call_send(o, call, 0, container_on_monitor_void_reply, error);
        if (r < 0)
                return r;

        log_info("%s of container '%s' requested.", member, c->name);
        return 1;
}

int method_freeze(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        return freeze_or_unfreeze(message, userdata, true, error);
}

int method_unfreeze(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        return freeze_or_unfreeze(message, userdata, false, error);
}

/* ---- OpenConsole ---- */

static int on_monitor_open_console_reply(sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        Operation *o = userdata;
        const sd_bus_error *re;
        int r, fd;

        re = sd_bus_message_get_error(reply);
        if (re) {
                (void) container_monitor_error(o->container, "OpenConsole", re, &e);
                bus_reply_or_log(sd_bus_reply_method_error(o->message, &e));
                operation_free(o);
                return 0;
        }

        /* The fd belongs to the monitor's reply; appending it to ours dups it, and the reply's unref (after
         * we return) closes our copy, so berthd keeps no console open. */
        r = sd_bus_message_read(reply, "h", &fd);
        if (r < 0)
                r = sd_bus_reply_method_errorf(o->message, SD_BUS_ERROR_FAILED,
                                               "Malformed OpenConsole reply from the monitor of '%s'.",
                                               o->container->name);
        else {
                r = sd_bus_reply_method_return(o->message, "h", fd);
                if (r < 0)
                        r = sd_bus_reply_method_errnof(o->message, r, "Failed to pass the console fd of '%s': %m",
                                                       o->container->name);
        }
        bus_reply_or_log(r);
        operation_free(o);
        return 0;
}

int method_open_console(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        Container *c = userdata;
        Operation *o;
        int r;

        r = bus_read_options(message, NULL, error);
        if (r < 0)
                return r;
        if (sd_bus_can_send(sd_bus_message_get_bus(message), SD_BUS_TYPE_UNIX_FD) <= 0)
                return sd_bus_error_set(
                        error, BERTH_ERROR_NOT_SUPPORTED,
                        "This connection cannot pass file descriptors, which OpenConsole needs.");
        r = container_monitor_operation_begin(c, message, "org.berth1.console", "console", NULL,
                                              OPERATION_OPEN_CONSOLE, "OpenConsole", &o, &call, error);
        if (r != 0)
                return r;
        r = sd_bus_message_append(call, "a{sv}", 0);
        if (r < 0) {
                operation_free(o);
                return r;
        }
        r = container_monitor_call_send(o, call, 0, on_monitor_open_console_reply, error);
        if (r < 0)
                return r;

        log_debug("Console of container '%s' requested.", c->name);
        return 1;
}
