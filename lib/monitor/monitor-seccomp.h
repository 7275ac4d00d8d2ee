/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The monitor's seccomp notification side (issue 5): the listener from SpawnResult.seccomp_notify_fd runs
 * in a SeccompNotifier on the monitor's sd-event loop (io source + deadline timer), notifications go to the
 * subscribed peer connections as SeccompNotification signals (or to an LXC proxy when
 * lxc.seccomp.notify.proxy is set), and the kernel is always answered: by a SeccompRespond, or with the
 * default answer at the timeout, when the last subscriber leaves, and at stop. See README.md. */

#include <systemd/sd-bus.h>

typedef struct Monitor Monitor;

/* Takes listener_fd (also on failure; < 0 means "no listener"). Replaces the notifier of a previous init
 * (reboot in place: its pending notifications get the default answer), keeping the subscribers and the
 * defaults. With lxc.seccomp.notify.proxy it connects to the proxy: a proxy that cannot be reached fails
 * the start (as in LXC), *ret_error then says why. */
int monitor_seccomp_attach(Monitor *m, int listener_fd, char **ret_error);
/* Drops the notifier and proxy (pending ones get the default answer). Subscribers stay. */
void monitor_seccomp_detach(Monitor *m);
/* Everything, subscribers included. Call before the connections are closed. */
void monitor_seccomp_free(Monitor *m);
/* A peer connection is going away: it is no longer a subscriber. */
void monitor_seccomp_conn_gone(Monitor *m, sd_bus *bus);

/* Method handlers of org.berth1.Monitor (userdata = Monitor), for monitor_vtable in monitor-bus.c. */
int monitor_method_seccomp_subscribe(sd_bus_message *message, void *userdata, sd_bus_error *error);
int monitor_method_seccomp_unsubscribe(sd_bus_message *message, void *userdata, sd_bus_error *error);
int monitor_method_seccomp_respond(sd_bus_message *message, void *userdata, sd_bus_error *error);
int monitor_method_seccomp_notify_fd(sd_bus_message *message, void *userdata, sd_bus_error *error);
int monitor_method_seccomp_set_defaults(sd_bus_message *message, void *userdata, sd_bus_error *error);

#define MONITOR_SECCOMP_VTABLE                                                                                    \
        SD_BUS_METHOD_WITH_ARGS("SeccompSubscribe", SD_BUS_ARGS("a{sv}", options), SD_BUS_NO_RESULT,              \
                                monitor_method_seccomp_subscribe, 0),                                             \
        SD_BUS_METHOD_WITH_ARGS("SeccompUnsubscribe", SD_BUS_ARGS("a{sv}", options), SD_BUS_NO_RESULT,            \
                                monitor_method_seccomp_unsubscribe, 0),                                           \
        SD_BUS_METHOD_WITH_ARGS("SeccompRespond",                                                                 \
                                SD_BUS_ARGS("t", id, "i", error, "x", val, "u", flags, "a{sv}", options),         \
                                SD_BUS_NO_RESULT, monitor_method_seccomp_respond, 0),                             \
        SD_BUS_METHOD_WITH_ARGS("SeccompNotifyFd", SD_BUS_ARGS("a{sv}", options), SD_BUS_RESULT("h", fd),         \
                                monitor_method_seccomp_notify_fd, 0),                                             \
        SD_BUS_METHOD_WITH_ARGS("SeccompSetDefaults", SD_BUS_ARGS("a{sv}", options), SD_BUS_NO_RESULT,            \
                                monitor_method_seccomp_set_defaults, 0),                                          \
        SD_BUS_SIGNAL_WITH_ARGS("SeccompNotification",                                                            \
                                SD_BUS_ARGS("t", id, "u", pid, "s", syscall, "i", nr, "u", arch, "at", args,      \
                                            "a{sv}", info),                                                       \
                                0)
