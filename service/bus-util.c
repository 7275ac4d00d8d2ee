/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* See bus-util.h. */

#include <stdarg.h>

#include "bus-util.h"
#include "log/log.h"

void bus_reply_or_log(int r) {
        if (r < 0)
                log_debug_errno(r, "Failed to send a reply, ignoring: %m");
}

int bus_new_monitor_call(sd_bus *monitor, const char *member, sd_bus_message **ret) {
        return sd_bus_message_new_method_call(monitor, ret, NULL, MONITOR_PATH, MONITOR_INTERFACE, member);
}

int bus_append_flag_options(sd_bus_message *m, ...) {
        va_list ap;
        int r;

        r = sd_bus_message_open_container(m, 'a', "{sv}");
        if (r < 0)
                return r;
        va_start(ap, m);
        for (const char *key = va_arg(ap, const char *); key; key = va_arg(ap, const char *)) {
                int set = va_arg(ap, int);

                if (!set)
                        continue;
                r = sd_bus_message_append(m, "{sv}", key, "b", 1);
                if (r < 0)
                        break;
        }
        va_end(ap);
        if (r < 0)
                return r;
        return sd_bus_message_close_container(m);
}
