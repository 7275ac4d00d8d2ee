/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* C API for Reboot, Shutdown, Freeze and Unfreeze: synchronous calls over the monitor's private socket
 * (tools, tests, benchmarks), with the call timeouts berthd uses. */
#include <errno.h>
#include <stdarg.h>

#include "berth.h"
#include "monitor/monitor.h"
#include "util/macro.h"

/* Longer than the monitor's own deadline, so its answer (false, ETIMEDOUT) arrives before ours. */
#define LIFECYCLE_SLACK_USEC (5ULL * 1000000ULL)
#define LIFECYCLE_DEFAULT_USEC (25ULL * 1000000ULL)

static uint64_t call_timeout(int timeout) {
        if (timeout < 0)
                return UINT64_MAX; /* sd_bus_call: no limit */
        if (timeout == 0)
                return LIFECYCLE_DEFAULT_USEC;
        return (uint64_t) timeout * 1000000ULL + LIFECYCLE_SLACK_USEC;
}

/* The method's boolean answer in *ret_bool, when given. */
static int call(berth *b, const char *name, const char *member, uint64_t timeout_usec, int *ret_bool,
                const char *types, ...) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        va_list ap;
        int r;

        va_start(ap, types);
        r = monitor_client_callv(b, name, member, timeout_usec, NULL, &reply, NULL, types, ap);
        va_end(ap);
        if (r < 0)
                return r;
        if (ret_bool) {
                r = sd_bus_message_read(reply, "b", ret_bool);
                if (r < 0)
                        return r;
        }
        return 0;
}

int berth_container_reboot(berth *b, const char *name, int timeout, bool *ret_running) {
        int running = 0, r;

        if (timeout < -1)
                return -EINVAL;
        r = call(b, name, "Reboot", call_timeout(timeout), &running, "ia{sv}", (int32_t) timeout, 0);
        if (r < 0)
                return r;
        if (ret_running)
                *ret_running = running;
        return 0;
}

int berth_container_shutdown(berth *b, const char *name, int timeout, bool force, bool *ret_stopped) {
        int stopped = 0, r;

        if (timeout < -1)
                return -EINVAL;
        /* As berthd: the option only when set. */
        if (force)
                r = call(b, name, "Shutdown", call_timeout(timeout), &stopped, "ia{sv}", (int32_t) timeout, 1,
                         "force", "b", 1);
        else
                r = call(b, name, "Shutdown", call_timeout(timeout), &stopped, "ia{sv}", (int32_t) timeout, 0);
        if (r < 0)
                return r;
        if (ret_stopped)
                *ret_stopped = stopped;
        return 0;
}

int berth_container_freeze(berth *b, const char *name) {
        return call(b, name, "Freeze", LIFECYCLE_DEFAULT_USEC, NULL, "a{sv}", 0);
}

int berth_container_unfreeze(berth *b, const char *name) {
        return call(b, name, "Unfreeze", LIFECYCLE_DEFAULT_USEC, NULL, "a{sv}", 0);
}
