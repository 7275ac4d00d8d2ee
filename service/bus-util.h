/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Small D-Bus helpers the berthd method handlers share: the monitor's object, building calls to it, and
 * replies whose failure only gets logged (the caller may be gone). */

#include <stdbool.h>
#include <systemd/sd-bus.h>

/* Where a container's monitor serves its private bus (lib/monitor/README.md). */
#define MONITOR_PATH "/org/berth1/monitor"
#define MONITOR_INTERFACE "org.berth1.Monitor"

/* For the result of sending a reply: a caller that went away is no error of ours, only worth a debug line. */
void bus_reply_or_log(int r);

/* A new call of member on the monitor connection (MONITOR_PATH, MONITOR_INTERFACE). */
int bus_new_monitor_call(sd_bus *monitor, const char *member, sd_bus_message **ret);

/* Appends an a{sv} holding "key": b true for each pair (const char *key, int set) that is set; the list
 * of pairs ends with a NULL key. Keys that are not set are left out, as the monitor's defaults are false. */
int bus_append_flag_options(sd_bus_message *m, ...);
