/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* org.freedesktop.LogControl1 at /org/freedesktop/LogControl1, the interface systemd's services implement so
 * that `systemctl service-log-level berthd debug` / `busctl set-property` change berthd's logging at
 * runtime. LogLevel and LogTarget are writable by privileged callers only (sd-bus checks: root, or the
 * daemon's own uid, no polkit), SyslogIdentifier is read-only. */

#include <systemd/sd-bus.h>

#define LOG_CONTROL_PATH "/org/freedesktop/LogControl1"
#define LOG_CONTROL_INTERFACE "org.freedesktop.LogControl1"

int log_control_register_bus(sd_bus *bus);
