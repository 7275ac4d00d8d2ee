/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* C API for the monitor methods of issues 3 and 4 (console attach, mount injection): synchronous calls
 * over the monitor's private socket, like monitor-client.c, but keeping the monitor's error message for
 * the caller. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "berth.h"
#include "monitor/monitor.h"
#include "util/fd-util.h"
#include "util/macro.h"

/* Mount helpers take a few ms; this only bounds a monitor that hangs. */
#define EXTRA_CALL_TIMEOUT_USEC (60ULL * 1000000ULL)

static bool errno_means_not_running(int r) {
        return r == -ENOTCONN || r == -ECONNRESET || r == -ECONNREFUSED || r == -ENOENT || r == -EPIPE;
}

/* Calls member; on failure returns -errno and (if ret_error) the monitor's message. *ret_reply is the reply
 * on success; bus is the caller's, so fds in the reply stay valid while the caller holds it. */
static int call_monitor(berth *b, const char *name, sd_bus **ret_bus, sd_bus_message **ret_reply,
                        char **ret_error, const char *member, const char *types, ...) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        va_list ap;
        int r;

        r = berth_monitor_open(b, name, &bus);
        if (r < 0)
                return r;
        r = sd_bus_message_new_method_call(bus, &m, NULL, MONITOR_OBJECT_PATH, MONITOR_INTERFACE, member);
        if (r < 0)
                return r;
        va_start(ap, types);
        r = sd_bus_message_appendv(m, types, ap);
        va_end(ap);
        if (r < 0)
                return r;
        r = sd_bus_call(bus, m, EXTRA_CALL_TIMEOUT_USEC, &error, &reply);
        if (r < 0) {
                /* A monitor that went away between connect and reply: the container is not running. An error
                 * the monitor sent (ENOENT for a missing mount source, ...) is passed on as it is. */
                if (!sd_bus_error_is_set(&error) ? errno_means_not_running(r)
                                                 : sd_bus_error_has_name(&error, SD_BUS_ERROR_NO_REPLY) &&
                                                           sd_bus_is_open(bus) <= 0)
                        return -ENOTCONN;
                if (ret_error && error.message) {
                        char *s = strdup(error.message);
                        if (s)
                                *ret_error = s;
                }
                return r;
        }
        if (ret_bus)
                *ret_bus = TAKE_PTR(bus);
        if (ret_reply)
                *ret_reply = TAKE_PTR(reply);
        return 0;
}

int berth_console_open(berth *b, const char *name, int *ret_fd) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int fd, copy, r;

        if (!b || !berth_name_is_valid(name) || !ret_fd)
                return -EINVAL;
        r = call_monitor(b, name, &bus, &reply, NULL, "OpenConsole", "a{sv}", 0);
        if (r < 0)
                return r;
        r = sd_bus_message_read(reply, "h", &fd);
        if (r < 0)
                return r;
        /* The fd belongs to the reply; the caller gets its own copy. */
        copy = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        if (copy < 0)
                return -errno;
        *ret_fd = copy;
        return 0;
}

int berth_container_mount(berth *b, const char *name, const char *source, const char *target, const char *fstype,
                          unsigned long flags, const char *data, bool idmap, char **ret_error) {
        if (!b || !berth_name_is_valid(name) || !target)
                return -EINVAL;
        if (idmap)
                return call_monitor(b, name, NULL, NULL, ret_error, "Mount", "ssstsa{sv}", strempty(source),
                                    target, strempty(fstype), (uint64_t) flags, strempty(data), 1, "idmap", "b",
                                    1);
        return call_monitor(b, name, NULL, NULL, ret_error, "Mount", "ssstsa{sv}", strempty(source), target,
                            strempty(fstype), (uint64_t) flags, strempty(data), 0);
}

int berth_container_umount(berth *b, const char *name, const char *target, unsigned long flags,
                           char **ret_error) {
        if (!b || !berth_name_is_valid(name) || !target)
                return -EINVAL;
        return call_monitor(b, name, NULL, NULL, ret_error, "Umount", "sta{sv}", target, (uint64_t) flags, 0);
}
