/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* org.berth1.Container methods that berthd forwards to the container's monitor and answers when the monitor
 * does (issues 3 and 4): Reboot, Shutdown, Freeze, Unfreeze, OpenConsole here, Mount and Umount in
 * container-mount.c. Nothing waits in berthd: each request is an Operation holding the caller's message and
 * the pending monitor call. The helpers below are shared by both files. */

#include <stdbool.h>
#include <systemd/sd-bus.h>

#include "manager.h"

/* Method handlers for the container vtable (container-dbus.c). */
int method_reboot(sd_bus_message *message, void *userdata, sd_bus_error *error);
int method_shutdown(sd_bus_message *message, void *userdata, sd_bus_error *error);
int method_freeze(sd_bus_message *message, void *userdata, sd_bus_error *error);
int method_unfreeze(sd_bus_message *message, void *userdata, sd_bus_error *error);
int method_open_console(sd_bus_message *message, void *userdata, sd_bus_error *error);

/* The monitor connection closed (or was closed by us): answer what still waits on it. A pending Reboot
 * returns false (the container did not come back), a pending Shutdown true (it is stopped), the rest fail
 * with NotRunning. Called from container_detach_monitor(). */
void container_lifecycle_monitor_gone(Container *c);

/* Busy while a Start is in progress (no monitor to talk to yet), NotRunning when stopped, else 0. */
int container_check_monitor(Container *c, sd_bus_error *error);

/* Create the Operation for message and an empty method call of member to the monitor (the caller appends
 * the arguments; ret_call may be NULL for a caller that builds its own call, e.g. for another connection).
 * On failure nothing is left behind and error is set (Busy when too many are in flight). */
int container_monitor_call_new(Container *c, sd_bus_message *message, OperationType type, const char *member,
                               Operation **ret_operation, sd_bus_message **ret_call, sd_bus_error *error);
/* The common start of a method the monitor carries out: a monitor to ask (container_check_monitor(), before
 * polkit, so nobody is asked for a password to act on a stopped container), polkit's yes for action with
 * details container=<name>, verb=<verb> and extra_details (see container_verify_polkit_details(); may be
 * NULL), then container_monitor_call_new(). Returns 0 with *ret_operation and *ret_call set to go on, > 0
 * while polkit is still asking (the handler returns it), < 0 with error set. */
int container_monitor_operation_begin(Container *c, sd_bus_message *message, const char *action, const char *verb,
                                      const char *const *extra_details, OperationType type, const char *member,
                                      Operation **ret_operation, sd_bus_message **ret_call, sd_bus_error *error);
/* Send call asynchronously on behalf of o; callback gets o as userdata and must answer and free it.
 * timeout_usec: 0 = sd-bus's default (25 s), UINT64_MAX = none. On failure o is freed and error set. */
int container_monitor_call_send(Operation *o, sd_bus_message *call, uint64_t timeout_usec,
                                sd_bus_message_handler_t callback, sd_bus_error *error);

/* Translate the monitor's error reply to member into the error we send our caller:
 *   NoReply on a closed connection         → NotRunning ("Container 'X' stopped.")  [returns true]
 *   NoReply on an open one (call timeout)  → org.berth1.Error.Timeout
 *   UnknownMethod/Interface/Object         → NotSupported "The monitor of container 'X' does not implement
 *                                            <member> ..." (a monitor older than this berthd)
 *   ENOTCONN, ESRCH → NotRunning; EOPNOTSUPP → NotSupported; EBUSY → Busy; ETIMEDOUT → Timeout;
 *   EINVAL → InvalidArgs (the monitor's message is kept in all these); anything else passes unchanged.
 * Returns true when it means "the monitor went away". */
bool container_monitor_error(Container *c, const char *member, const sd_bus_error *e, sd_bus_error *ret);

/* Reply callback for monitor methods that return nothing: an empty reply, or the mapped error. */
int container_on_monitor_void_reply(sd_bus_message *reply, void *userdata, sd_bus_error *error);
