/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* org.berth1.Container seccomp notifications (issue 5): SubscribeSeccomp, SeccompRespond, SeccompNotifyFd,
 * all polkit org.berth1.seccomp (details container, verb = seccomp-subscribe | seccomp-respond |
 * seccomp-notify-fd). berthd subscribes itself at the container's monitor while it has subscribers and
 * forwards each SeccompNotification as a UNICAST signal to every subscriber (never broadcast: syscall
 * arguments are private). A subscriber that leaves the bus is dropped; with none left berthd unsubscribes
 * at the monitor, which then gives the pending notifications the default answer. Subscriptions end when
 * the container stops (the monitor connection closes); a reboot in place keeps them. */

#include <systemd/sd-bus.h>

int method_subscribe_seccomp(sd_bus_message *message, void *userdata, sd_bus_error *error);
int method_seccomp_respond(sd_bus_message *message, void *userdata, sd_bus_error *error);
int method_seccomp_notify_fd(sd_bus_message *message, void *userdata, sd_bus_error *error);

#define CONTAINER_SECCOMP_VTABLE                                                                                  \
        SD_BUS_METHOD_WITH_ARGS("SubscribeSeccomp", SD_BUS_ARGS("a{sv}", options), SD_BUS_NO_RESULT,              \
                                method_subscribe_seccomp, SD_BUS_VTABLE_UNPRIVILEGED),                            \
        SD_BUS_METHOD_WITH_ARGS("SeccompRespond",                                                                 \
                                SD_BUS_ARGS("t", id, "i", error, "x", val, "u", flags, "a{sv}", options),         \
                                SD_BUS_NO_RESULT, method_seccomp_respond, SD_BUS_VTABLE_UNPRIVILEGED),            \
        SD_BUS_METHOD_WITH_ARGS("SeccompNotifyFd", SD_BUS_ARGS("a{sv}", options), SD_BUS_RESULT("h", fd),         \
                                method_seccomp_notify_fd, SD_BUS_VTABLE_UNPRIVILEGED),                            \
        SD_BUS_SIGNAL_WITH_ARGS("SeccompNotification",                                                            \
                                SD_BUS_ARGS("t", id, "u", pid, "s", syscall, "i", nr, "u", arch, "at", args,      \
                                            "a{sv}", info),                                                       \
                                0)
