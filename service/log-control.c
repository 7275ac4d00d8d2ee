/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* org.freedesktop.LogControl1 for berthd, over lib/log/log.h. Same shape as systemd's
 * bus-log-control-api.c: properties without change signals, the writable ones left without
 * SD_BUS_VTABLE_UNPRIVILEGED so sd-bus lets only privileged callers set them. */

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "log-control.h"
#include "log/log.h"
#include "util/escape.h"
#include "util/macro.h"

static int property_get_log_level(sd_bus *bus, const char *path, const char *interface, const char *property,
                                  sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "s", log_level_to_string(log_get_max_level()) ?: "debug");
}

static int property_set_log_level(sd_bus *bus, const char *path, const char *interface, const char *property,
                                  sd_bus_message *value, void *userdata, sd_bus_error *error) {
        const char *s;
        int r, level;

        r = sd_bus_message_read(value, "s", &s);
        if (r < 0)
                return r;

        /* A digit is ambiguous here: syslog's 3 is "err", LXC's 3 is NOTICE. Names only. */
        level = isdigit((unsigned char) s[0]) ? -EINVAL : log_level_from_string(s);
        if (level < 0)
                return sd_bus_error_setf(
                        error, SD_BUS_ERROR_INVALID_ARGS,
                        "Invalid log level '%s' (emerg, alert, crit, err, warning, notice, info, "
                        "debug, or LXC's TRACE..FATAL).",
                        ECHO_ARG(s));

        log_set_max_level(level);
        log_info("Log level set to %s by a LogControl1 client.", log_level_to_string(level) ?: ECHO_ARG(s));
        return 0;
}

static int property_get_log_target(sd_bus *bus, const char *path, const char *interface, const char *property,
                                   sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "s", log_target_to_string(log_get_target()) ?: "console");
}

static int property_set_log_target(sd_bus *bus, const char *path, const char *interface, const char *property,
                                   sd_bus_message *value, void *userdata, sd_bus_error *error) {
        const char *s;
        int r, t;

        r = sd_bus_message_read(value, "s", &s);
        if (r < 0)
                return r;

        t = log_target_from_string(s);
        /* "file" only means something while a log file is open; berthd opens none by itself. */
        if (t == LOG_TARGET_FILE && log_get_file_fd() < 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "Log target 'file' needs an open log file, and berthd has none.");
        if (t < 0) {
                _cleanup_free_ char *known = NULL;
                size_t n = 0;
                FILE *f = open_memstream(&known, &n);

                if (f) {
                        for (int i = 0; i < _LOG_TARGET_MAX; i++)
                                if (i != LOG_TARGET_FILE || log_get_file_fd() >= 0)
                                        fprintf(f, "%s%s", ftell(f) > 0 ? ", " : "", log_target_to_string(i));
                        if (fclose(f) != 0)
                                known = mfree(known);
                }
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "Unsupported log target '%s' (supported: %s).", ECHO_ARG(s),
                                         strna(known));
        }

        log_set_target(t);
        log_info("Log target set to %s by a LogControl1 client.", log_target_to_string(t));
        return 0;
}

static int property_get_syslog_identifier(sd_bus *bus, const char *path, const char *interface,
                                          const char *property, sd_bus_message *reply, void *userdata,
                                          sd_bus_error *error) {
        return sd_bus_message_append(reply, "s", program_invocation_short_name);
}

static const sd_bus_vtable log_control_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_WRITABLE_PROPERTY("LogLevel", "s", property_get_log_level, property_set_log_level, 0, 0),
        SD_BUS_WRITABLE_PROPERTY("LogTarget", "s", property_get_log_target, property_set_log_target, 0, 0),
        SD_BUS_PROPERTY("SyslogIdentifier", "s", property_get_syslog_identifier, 0, 0),
        SD_BUS_VTABLE_END,
};

int log_control_register_bus(sd_bus *bus) {
        int r;

        r = sd_bus_add_object_vtable(bus, NULL, LOG_CONTROL_PATH, LOG_CONTROL_INTERFACE, log_control_vtable,
                                     NULL);
        if (r < 0)
                return log_error_errno(r, "Failed to register %s: %m", LOG_CONTROL_INTERFACE);
        return 0;
}
