/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "bus-util.h"
#include "container-dbus.h"
#include "container-lifecycle.h"
#include "container-mount.h"
#include "container-seccomp.h"
#include "errors.h"
#include "log/log.h"
#include "manager-dbus.h"
#include "polkit.h"
#include "util/fd-util.h"
#include "util/strv.h"

#define CONTAINER_INTERFACE "org.berth1.Container"
/* The monitor replies to Stop only once everything is cleaned up; lxc.signal.stop may be a polite signal. */
#define STOP_TIMEOUT_USEC (120ULL * 1000000ULL)
/* Console calls are quick memory copies in the monitor; 0 = sd-bus's default (25 s). */
#define CONSOLE_TIMEOUT_USEC 0

void container_send_changed(Container *c, char **properties) {
        Manager *m = c->manager;
        int r;

        if (!m->bus)
                return;
        r = sd_bus_emit_properties_changed_strv(m->bus, c->path, CONTAINER_INTERFACE, properties);
        if (r < 0)
                log_warning_errno(r, "Failed to emit PropertiesChanged for '%s', ignoring: %m", c->name);
}

int container_verify_polkit_details(Container *c, sd_bus_message *message, const char *action, const char *verb,
                                    const char *const *extra, sd_bus_error *error) {
        const char *details[4 + 2 * 8 + 1] = { "container", c->name, "verb", verb };
        size_t n = 4;

        for (const char *const *e = extra; e && *e; e++) {
                assert(n < ELEMENTSOF(details) - 1);
                details[n++] = *e;
        }
        details[n] = NULL;
        return bus_verify_polkit_async(message, action, details, &c->manager->polkit_registry, error);
}

int container_verify_polkit(Container *c, sd_bus_message *message, const char *action, const char *verb,
                            sd_bus_error *error) {
        return container_verify_polkit_details(c, message, action, verb, NULL, error);
}

void container_fail_operations(Container *c, OperationType type, const char *error_name, const char *format, ...) {
        _cleanup_free_ char *text = NULL;
        Operation *next;
        va_list ap;
        int r;

        va_start(ap, format);
        r = vasprintf(&text, format, ap);
        va_end(ap);
        if (r < 0)
                text = NULL;

        for (Operation *o = c->operations; o; o = next) {
                next = o->next;
                if (o->type != type)
                        continue;
                r = sd_bus_reply_method_errorf(o->message, error_name, "%s", text ?: "Operation failed.");
                bus_reply_or_log(r);
                operation_free(o);
        }
}

void container_complete_operations(Container *c, OperationType type) {
        Operation *next;
        int r;

        for (Operation *o = c->operations; o; o = next) {
                next = o->next;
                if (o->type != type)
                        continue;
                r = sd_bus_reply_method_return(o->message, NULL);
                bus_reply_or_log(r);
                operation_free(o);
        }
}

int container_operation_new(Container *c, OperationType type, sd_bus_message *message, Operation **ret,
                            sd_bus_error *error) {
        int r;

        r = operation_new(c, type, message, ret);
        if (r == -EBUSY)
                return sd_bus_error_set(error, BERTH_ERROR_BUSY,
                                        "Too many operations in flight, try again later.");
        return r;
}

/* ---- properties ---- */

static int property_get_name(sd_bus *bus, const char *path, const char *interface, const char *property,
                             sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Container *c = userdata;
        return sd_bus_message_append(reply, "s", c->name);
}

static int property_get_state(sd_bus *bus, const char *path, const char *interface, const char *property,
                              sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Container *c = userdata;
        return sd_bus_message_append(reply, "s", berth_state_to_string(c->state));
}

static int property_get_init_pid(sd_bus *bus, const char *path, const char *interface, const char *property,
                                 sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Container *c = userdata;
        return sd_bus_message_append(reply, "u", (uint32_t) (c->init_pid > 0 ? c->init_pid : 0));
}

static int property_get_owner(sd_bus *bus, const char *path, const char *interface, const char *property,
                              sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Container *c = userdata;
        return sd_bus_message_append(reply, "u", (uint32_t) c->owner);
}

static int property_get_console_buffer_size(sd_bus *bus, const char *path, const char *interface,
                                            const char *property, sd_bus_message *reply, void *userdata,
                                            sd_bus_error *error) {
        Container *c = userdata;
        /* Stopped: the configured size, which it will have once started. A stat() unless the definition
         * changed since we last parsed it. */
        if (!c->monitor && !container_is_starting(c))
                (void) container_load_console_buffer_size(c);
        return sd_bus_message_append(reply, "t", c->console_buffer_size);
}

/* ---- Start ---- */

static void container_run_deferred_stops(Container *c);

static void container_start_failed(Container *c, int r, const char *reason) {
        const char *name;
        _cleanup_free_ char *text = NULL;
        int k;

        switch (r) {
        case -EALREADY:
                name = BERTH_ERROR_ALREADY_RUNNING;
                k = asprintf(&text, "Container '%s' is already running.", c->name);
                break;
        case -EBADMSG:
        case -EINVAL:
                /* The parser's message names file, line and key: pass it on unchanged. */
                name = BERTH_ERROR_INVALID_CONFIG;
                k = asprintf(&text, "%s", reason ?: "Invalid container configuration.");
                break;
        case -ENOENT:
                if (!reason) {
                        name = BERTH_ERROR_NO_SUCH_CONTAINER;
                        k = asprintf(&text, "No container '%s'.", c->name);
                        break;
                }
                __attribute__((fallthrough));
        default:
                name = SD_BUS_ERROR_FAILED;
                k = asprintf(&text, "Failed to start container '%s': %s", c->name, reason ?: strerror(-r));
        }
        if (k < 0)
                text = NULL;

        log_info("Start of '%s' failed: %s", c->name, text ?: strerror(-r));
        container_fail_operations(c, OPERATION_START, name, "%s", text ?: "Failed to start container.");
}

static int on_start_ready(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Container *c = userdata;
        Manager *m = c->manager;
        _cleanup_free_ char *reason = NULL;
        _cleanup_close_ int ready_fd = -EBADF;
        pid_t pid = 0;
        int r;

        c->ready_source = sd_event_source_disable_unref(c->ready_source);
        ready_fd = TAKE_FD(c->ready_fd);

        r = berth_container_start_finish(m->berth, c->name, ready_fd, &pid, &reason);
        if (r < 0) {
                if (r == -EALREADY)
                        /* Started by someone else meanwhile: follow that instance. */
                        (void) container_attach_monitor(c);
                else
                        container_set_state(c, BERTH_STATE_STOPPED, 0);
                container_start_failed(c, r, reason);
                container_run_deferred_stops(c);
                return 0;
        }

        log_info("Container '%s' is running, init pid %d.", c->name, (int) pid);
        container_set_state(c, BERTH_STATE_RUNNING, pid);

        r = container_attach_monitor(c);
        if (r < 0)
                log_warning_errno(r, "Cannot connect to the monitor of '%s': %m", c->name);
        if (r <= 0)
                /* It reached RUNNING (so Start succeeded) but is already gone again. */
                container_set_state(c, BERTH_STATE_STOPPED, 0);

        container_complete_operations(c, OPERATION_START);
        container_run_deferred_stops(c);
        return 0;
}

static int method_start(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        Container *c = userdata;
        Manager *m = c->manager;
        Operation *o;
        int fd, r;

        r = bus_read_options(message, NULL, error);
        if (r < 0)
                return r;

        r = container_verify_polkit(c, message, "org.berth1.manage", "start", error);
        if (r < 0)
                return r;
        if (r == 0)
                return 1; /* polkit is asked; we are called again with its answer */

        if (container_is_starting(c)) {
                /* A second Start while starting waits for the same outcome. */
                r = container_operation_new(c, OPERATION_START, message, &o, error);
                return r < 0 ? r : 1;
        }

        if (c->monitor) {
                if (c->state == BERTH_STATE_STOPPED)
                        return sd_bus_error_setf(error, BERTH_ERROR_BUSY,
                                                 "Container '%s' is still shutting down, try again.", c->name);
                return sd_bus_error_setf(error, BERTH_ERROR_ALREADY_RUNNING,
                                         "Container '%s' is already running.", c->name);
        }

        r = container_operation_new(c, OPERATION_START, message, &o, error);
        if (r < 0)
                return r;

        r = berth_container_start_async(m->berth, c->name, &fd);
        if (r < 0) {
                container_start_failed(c, r, NULL);
                return 1; /* replied */
        }

        /* Wake at EOF only (the monitor writes its line, then closes): berth_container_start_finish() reads
         * to EOF, so calling it on mere readability could block the loop for a moment. */
        r = sd_event_add_io(m->event, &c->ready_source, fd, EPOLLHUP, on_start_ready, c);
        if (r < 0) {
                safe_close(fd);
                container_start_failed(c, r, NULL);
                return 1;
        }
        c->ready_fd = fd;

        log_info("Starting container '%s'.", c->name);
        container_set_state(c, BERTH_STATE_STARTING, 0);
        return 1;
}

/* ---- replies from the monitor ---- */

/* Turn a monitor's error reply into ours. Returns 1 when it meant "the monitor went away". Unlike
 * container_monitor_error(), the monitor's other errors pass unchanged (Stop and the console calls always
 * did); only NoReply (connection closed or call timeout) is read the same way. */
static int monitor_error_to_reply(Operation *o, const sd_bus_error *e, sd_bus_error *ret) {
        Container *c = o->container;

        if (sd_bus_error_has_name(e, SD_BUS_ERROR_NO_REPLY))
                return container_monitor_error(c, strna(sd_bus_message_get_member(o->message)), e, ret);

        if (sd_bus_error_get_errno(e) == ENODATA) {
                sd_bus_error_setf(ret, BERTH_ERROR_NOT_SUPPORTED,
                                  "Container '%s' has no console ring buffer (lxc.console.buffer.size is 0).",
                                  c->name);
                return 0;
        }

        sd_bus_error_set(ret, e->name, e->message);
        return 0;
}

static int on_monitor_stop_reply(sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        Operation *o = userdata;
        Container *c = o->container;
        const sd_bus_error *re;
        int r;

        re = sd_bus_message_get_error(reply);
        if (re && monitor_error_to_reply(o, re, &e) == 0) {
                r = sd_bus_reply_method_error(o->message, &e);
                bus_reply_or_log(r);
                operation_free(o);
                return 0;
        }

        /* STOPPED (or the monitor is gone, which is the same thing). */
        log_info("Container '%s' stopped.", c->name);
        r = sd_bus_reply_method_return(o->message, NULL);
        bus_reply_or_log(r);
        operation_free(o);

        /* The monitor exits now; don't wait for its socket to close before accepting the next Start. Other
         * Stop calls in flight are answered with success too. */
        container_complete_operations(c, OPERATION_STOP);
        container_detach_monitor(c);
        return 0;
}

/* Ask the monitor to stop, on behalf of o (answered from on_monitor_stop_reply). */
static int container_send_stop(Container *c, Operation *o) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        int r;

        r = bus_new_monitor_call(c->monitor, "Stop", &call);
        if (r >= 0)
                r = sd_bus_message_append(call, "a{sv}", 0);
        if (r >= 0)
                r = sd_bus_call_async(c->monitor, &o->slot, call, on_monitor_stop_reply, o, STOP_TIMEOUT_USEC);
        if (r >= 0)
                log_info("Stopping container '%s'.", c->name);
        return r;
}

/* A start has finished (either way): the Stop calls that came in while it was starting are carried out
 * now. Stopped already (the start failed, or it ended at once): they are done. */
static void container_run_deferred_stops(Container *c) {
        Operation *next;
        int r;

        for (Operation *o = c->operations; o; o = next) {
                next = o->next;
                if (o->type != OPERATION_STOP || o->slot)
                        continue;
                if (!c->monitor || c->state == BERTH_STATE_STOPPED)
                        r = sd_bus_reply_method_return(o->message, NULL);
                else {
                        r = container_send_stop(c, o);
                        if (r >= 0)
                                continue;
                        r = sd_bus_reply_method_errnof(o->message, r, "Failed to ask the monitor of '%s' to stop: %m",
                                                       c->name);
                }
                bus_reply_or_log(r);
                operation_free(o);
        }
}

static int method_stop(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        Container *c = userdata;
        Operation *o;
        int r;

        r = bus_read_options(message, NULL, error);
        if (r < 0)
                return r;

        r = container_verify_polkit(c, message, "org.berth1.manage", "stop", error);
        if (r < 0)
                return r;
        if (r == 0)
                return 1;

        if (container_is_starting(c)) {
                /* As lxc-stop and Incus: a Stop during the start waits for it, then stops. Kept without a
                 * monitor call (no slot) until on_start_ready runs container_run_deferred_stops(). */
                r = container_operation_new(c, OPERATION_STOP, message, &o, error);
                return r < 0 ? r : 1;
        }
        r = container_check_monitor(c, error);
        if (r < 0)
                return r;

        r = container_operation_new(c, OPERATION_STOP, message, &o, error);
        if (r < 0)
                return r;

        r = container_send_stop(c, o);
        if (r < 0) {
                operation_free(o);
                return sd_bus_error_set_errnof(error, r, "Failed to ask the monitor of '%s' to stop: %m", c->name);
        }
        return 1;
}

/* ---- console ---- */

static int on_monitor_read_console_reply(sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *ours = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        Operation *o = userdata;
        const sd_bus_error *re;
        const void *data;
        size_t size;
        int r;

        re = sd_bus_message_get_error(reply);
        if (re) {
                (void) monitor_error_to_reply(o, re, &e);
                r = sd_bus_reply_method_error(o->message, &e);
                goto finish;
        }

        r = sd_bus_message_read_array(reply, 'y', &data, &size);
        if (r < 0) {
                r = sd_bus_reply_method_errorf(o->message, SD_BUS_ERROR_FAILED,
                                               "Malformed console log from the monitor of '%s'.",
                                               o->container->name);
                goto finish;
        }

        r = sd_bus_message_new_method_return(o->message, &ours);
        if (r >= 0)
                r = sd_bus_message_append_array(ours, 'y', data, size);
        if (r >= 0)
                r = sd_bus_send(NULL, ours, NULL);
        if (r < 0)
                r = sd_bus_reply_method_errnof(o->message, r, "Failed to send the console log of '%s': %m",
                                               o->container->name);

finish:
        bus_reply_or_log(r);
        operation_free(o);
        return 0;
}

static int on_monitor_clear_console_reply(sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        Operation *o = userdata;
        const sd_bus_error *re;
        int r;

        re = sd_bus_message_get_error(reply);
        if (re) {
                (void) monitor_error_to_reply(o, re, &e);
                r = sd_bus_reply_method_error(o->message, &e);
        } else
                r = sd_bus_reply_method_return(o->message, NULL);
        bus_reply_or_log(r);
        operation_free(o);
        return 0;
}

/* The common start of ReadConsoleLog and ClearConsoleLog: polkit's yes for verb, a running container, then
 * the Operation and the call of member to the monitor (see container_monitor_call_new()). Returns 0 with
 * *ret_operation and *ret_call set to go on, > 0 while polkit is still asking (the handler returns it), < 0
 * with error set. */
static int console_operation_begin(Container *c, sd_bus_message *message, const char *verb, OperationType type,
                                   const char *member, Operation **ret_operation, sd_bus_message **ret_call,
                                   sd_bus_error *error) {
        int r;

        r = container_verify_polkit(c, message, "org.berth1.console", verb, error);
        if (r < 0)
                return r;
        if (r == 0)
                return 1;

        r = container_check_monitor(c, error);
        if (r < 0)
                return r;

        return container_monitor_call_new(c, message, type, member, ret_operation, ret_call, error);
}

static int method_read_console_log(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        Container *c = userdata;
        uint64_t max_bytes;
        bool clear = false, consume = false;
        Operation *o;
        int r;

        r = sd_bus_message_read(message, "t", &max_bytes);
        if (r < 0)
                return r;
        r = bus_read_options(message, (const BusOption[]) {
                                              { "clear", 'b', &clear },
                                              { "consume", 'b', &consume },
                                              {},
                                      },
                             error);
        if (r < 0)
                return r;

        r = console_operation_begin(c, message, "read-console", OPERATION_READ_CONSOLE, "ReadConsoleLog", &o,
                                    &call, error);
        if (r != 0)
                return r;

        r = sd_bus_message_append(call, "t", max_bytes);
        if (r >= 0)
                r = bus_append_flag_options(call, "clear", clear, "consume", consume, NULL);
        if (r < 0) {
                operation_free(o);
                return r;
        }
        r = container_monitor_call_send(o, call, CONSOLE_TIMEOUT_USEC, on_monitor_read_console_reply, error);
        return r < 0 ? r : 1;
}

static int method_clear_console_log(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        Container *c = userdata;
        Operation *o;
        int r;

        r = bus_read_options(message, NULL, error);
        if (r < 0)
                return r;

        r = console_operation_begin(c, message, "clear-console", OPERATION_CLEAR_CONSOLE, "ClearConsoleLog", &o,
                                    &call, error);
        if (r != 0)
                return r;

        r = sd_bus_message_append(call, "a{sv}", 0);
        if (r < 0) {
                operation_free(o);
                return r;
        }
        r = container_monitor_call_send(o, call, CONSOLE_TIMEOUT_USEC, on_monitor_clear_console_reply, error);
        return r < 0 ? r : 1;
}

/* ---- registration ---- */

static const sd_bus_vtable container_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Name", "s", property_get_name, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("State", "s", property_get_state, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("InitPid", "u", property_get_init_pid, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Owner", "u", property_get_owner, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("ConsoleBufferSize", "t", property_get_console_buffer_size, 0,
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_METHOD_WITH_ARGS("Start",
                                SD_BUS_ARGS("a{sv}", options),
                                SD_BUS_NO_RESULT,
                                method_start,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Stop",
                                SD_BUS_ARGS("a{sv}", options),
                                SD_BUS_NO_RESULT,
                                method_stop,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ReadConsoleLog",
                                SD_BUS_ARGS("t", max_bytes, "a{sv}", options),
                                SD_BUS_RESULT("ay", data),
                                method_read_console_log,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ClearConsoleLog",
                                SD_BUS_ARGS("a{sv}", options),
                                SD_BUS_NO_RESULT,
                                method_clear_console_log,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        /* Issues 3 and 4: container-lifecycle.c, container-mount.c. */
        SD_BUS_METHOD_WITH_ARGS("Reboot",
                                SD_BUS_ARGS("i", timeout, "a{sv}", options),
                                SD_BUS_RESULT("b", running),
                                method_reboot,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Shutdown",
                                SD_BUS_ARGS("i", timeout, "a{sv}", options),
                                SD_BUS_RESULT("b", stopped),
                                method_shutdown,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Freeze",
                                SD_BUS_ARGS("a{sv}", options),
                                SD_BUS_NO_RESULT,
                                method_freeze,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Unfreeze",
                                SD_BUS_ARGS("a{sv}", options),
                                SD_BUS_NO_RESULT,
                                method_unfreeze,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("OpenConsole",
                                SD_BUS_ARGS("a{sv}", options),
                                SD_BUS_RESULT("h", pty),
                                method_open_console,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Mount",
                                SD_BUS_ARGS("s", source, "s", target, "s", fstype, "t", flags, "s", data,
                                            "a{sv}", options),
                                SD_BUS_NO_RESULT,
                                method_mount,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Umount",
                                SD_BUS_ARGS("s", target, "t", flags, "a{sv}", options),
                                SD_BUS_NO_RESULT,
                                method_umount,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        CONTAINER_SECCOMP_VTABLE, /* issue 5: container-seccomp.c */
        SD_BUS_VTABLE_END,
};

static int container_object_find(sd_bus *bus, const char *path, const char *interface, void *userdata,
                                 void **found, sd_bus_error *error) {
        _cleanup_free_ char *name = NULL;
        Manager *m = userdata;
        Container *c;
        int r;

        r = sd_bus_path_decode(path, CONTAINER_OBJECT_PREFIX, &name);
        if (r <= 0)
                return r;

        c = manager_get_container(m, name);
        if (!c)
                return 0;

        *found = c;
        return 1;
}

static int container_node_enumerator(sd_bus *bus, const char *prefix, void *userdata, char ***nodes,
                                     sd_bus_error *error) {
        _cleanup_strv_free_ char **l = NULL;
        Manager *m = userdata;
        int r;

        for (Container *c = m->containers; c; c = c->next) {
                r = strv_extend(&l, c->path);
                if (r < 0)
                        return r;
        }

        *nodes = TAKE_PTR(l);
        return 1;
}

int container_register_bus(Manager *m) {
        int r;

        r = sd_bus_add_fallback_vtable(m->bus, NULL, CONTAINER_OBJECT_PREFIX, CONTAINER_INTERFACE,
                                       container_vtable, container_object_find, m);
        if (r < 0)
                return log_error_errno(r, "Failed to register the container objects: %m");

        r = sd_bus_add_node_enumerator(m->bus, NULL, CONTAINER_OBJECT_PREFIX, container_node_enumerator, m);
        if (r < 0)
                return log_error_errno(r, "Failed to register the container enumerator: %m");

        return 0;
}
