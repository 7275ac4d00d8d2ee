/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Mount / Umount on the monitor's private bus (issue 4): mount_inject() / mount_remove() with the init
 * pidfd. Both block the monitor's loop for the helper's lifetime (a fork plus a few syscalls, a few ms):
 * acceptable, the console pty buffers the container's output meanwhile and berthd waits asynchronously.
 * Errors carry the library's message and its errno (berthd maps EINVAL to InvalidArgs, ESRCH to
 * NotRunning, EOPNOTSUPP to NotSupported, EBUSY to Busy, the rest by errno). */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <string.h>

#include "log/log.h"
#include "monitor/monitor.h"
#include "mount/mount-inject.h"
#include "util/macro.h"

/* Options a{sv}: idmap b; unknown keys are skipped (callers may be newer), a known key of the wrong type
 * is InvalidArgs. */
static int read_mount_options(sd_bus_message *message, bool *idmap, sd_bus_error *error) {
        return monitor_bus_read_bool_options(message, (const char *const[]) { "idmap" },
                                             (bool *const[]) { idmap }, 1, error);
}

/* Mounts need a live init; during a reboot in place there is a moment without one. */
static int check_mountable(Monitor *m, sd_bus_error *error) {
        if (m->finished || m->init_pidfd < 0 || m->init_pid <= 0 || m->state == BERTH_STATE_STOPPED ||
            m->state == BERTH_STATE_STOPPING || m->state == BERTH_STATE_ABORTING)
                return sd_bus_error_set_errnof(error, ENOTCONN, "Container '%s' is not running.", m->name);
        if (m->state == BERTH_STATE_STARTING)
                return sd_bus_error_set_errnof(error, EBUSY, "Container '%s' is starting, try again.", m->name);
        return 0;
}

static int reply_mount_error(sd_bus_error *error, int r, const char *message) {
        if (message)
                return sd_bus_error_set_errnof(error, -r, "%s", message);
        return sd_bus_error_set_errnof(error, -r, "%m");
}

int monitor_method_mount(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        _cleanup_free_ char *e = NULL;
        const char *source, *target, *fstype, *data;
        Monitor *m = userdata;
        uint64_t flags;
        bool idmap = false;
        int r;

        r = sd_bus_message_read(message, "sssts", &source, &target, &fstype, &flags, &data);
        if (r < 0)
                return r;
        r = read_mount_options(message, &idmap, error);
        if (r < 0)
                return r;
        if (flags > ULONG_MAX)
                return sd_bus_error_set_errnof(error, EINVAL, "Invalid mount flags 0x%" PRIx64, flags);
        r = check_mountable(m, error);
        if (r < 0)
                return r;

        MountInjectRequest req = {
                .source = source,
                .target = target,
                .fstype = fstype,
                .flags = (unsigned long) flags,
                .data = data,
                .idmap = idmap,
        };
        r = mount_inject(m->init_pidfd, &req, &e);
        if (r < 0) {
                log_info_errno(r, "Mount of '%s' on %s failed: %s", source, target, e ?: strerror(-r));
                return reply_mount_error(error, r, e);
        }
        log_info("Mounted '%s' on %s (type '%s', flags 0x%" PRIx64 "%s)", source, target, fstype, flags,
                 idmap ? ", idmapped" : "");
        return sd_bus_reply_method_return(message, NULL);
}

int monitor_method_umount(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        _cleanup_free_ char *e = NULL;
        const char *target;
        Monitor *m = userdata;
        uint64_t flags;
        int r;

        r = sd_bus_message_read(message, "st", &target, &flags);
        if (r < 0)
                return r;
        r = read_mount_options(message, NULL, error);
        if (r < 0)
                return r;
        if (flags > ULONG_MAX)
                return sd_bus_error_set_errnof(error, EINVAL, "Invalid umount flags 0x%" PRIx64, flags);
        r = check_mountable(m, error);
        if (r < 0)
                return r;

        r = mount_remove(m->init_pidfd, target, (unsigned long) flags, &e);
        if (r < 0) {
                log_info_errno(r, "Umount of %s failed: %s", target, e ?: strerror(-r));
                return reply_mount_error(error, r, e);
        }
        log_info("Unmounted %s", target);
        return sd_bus_reply_method_return(message, NULL);
}
