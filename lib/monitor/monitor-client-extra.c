/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* C API for the monitor methods of issues 3 and 4 (console attach, mount injection): synchronous calls
 * over the monitor's private socket (monitor_client_call()), keeping the monitor's error message for the
 * caller. */
#include <errno.h>
#include <fcntl.h>

#include "berth.h"
#include "monitor/monitor.h"
#include "util/macro.h"

/* Mount helpers take a few ms; this only bounds a monitor that hangs. */
#define EXTRA_CALL_TIMEOUT_USEC (60ULL * 1000000ULL)

int berth_console_open(berth *b, const char *name, int *ret_fd) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int fd, copy, r;

        if (!b || !berth_name_is_valid(name) || !ret_fd)
                return -EINVAL;
        r = monitor_client_call(b, name, "OpenConsole", EXTRA_CALL_TIMEOUT_USEC, &bus, &reply, NULL, "a{sv}",
                                0);
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
                return monitor_client_call(b, name, "Mount", EXTRA_CALL_TIMEOUT_USEC, NULL, NULL, ret_error,
                                           "ssstsa{sv}", strempty(source), target, strempty(fstype),
                                           (uint64_t) flags, strempty(data), 1, "idmap", "b", 1);
        return monitor_client_call(b, name, "Mount", EXTRA_CALL_TIMEOUT_USEC, NULL, NULL, ret_error, "ssstsa{sv}",
                                   strempty(source), target, strempty(fstype), (uint64_t) flags, strempty(data), 0);
}

int berth_container_umount(berth *b, const char *name, const char *target, unsigned long flags,
                           char **ret_error) {
        if (!b || !berth_name_is_valid(name) || !target)
                return -EINVAL;
        return monitor_client_call(b, name, "Umount", EXTRA_CALL_TIMEOUT_USEC, NULL, NULL, ret_error, "sta{sv}",
                                   target, (uint64_t) flags, 0);
}
