/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* org.berth1.Container: one object per defined container under /org/berth1/container/<escaped name>,
 * served from the in-memory model (manager.h) through a fallback vtable, a find callback and a node
 * enumerator. */

#include <systemd/sd-bus.h>

#include "manager.h"
#include "util/macro.h"

/* Registers the fallback vtable and the node enumerator on m->bus. */
int container_register_bus(Manager *m);

/* PropertiesChanged for the NULL-terminated property names (values are read at emission time). */
void container_send_changed(Container *c, char **properties);

/* polkit for a per-container action with details container=<name>, verb=<verb>. Contract of
 * bus_verify_polkit_async(): <0 denied/failed, 0 pending (return 1 from the handler), 1 authorized. */
int container_verify_polkit(Container *c, sd_bus_message *message, const char *action, const char *verb,
                            sd_bus_error *error);
/* The same with more details: extra holds key, value, key, value, ..., NULL (at most 8 pairs). */
int container_verify_polkit_details(Container *c, sd_bus_message *message, const char *action, const char *verb,
                                    const char *const *extra, sd_bus_error *error);

/* operation_new() for a method handler: Busy (with a message) when too many requests are in flight. */
int container_operation_new(Container *c, OperationType type, sd_bus_message *message, Operation **ret,
                            sd_bus_error *error);

/* Answer every pending request of that type with the error and drop it. */
void container_fail_operations(Container *c, OperationType type, const char *error_name, const char *format, ...)
        _printf_(4, 5);
/* Answer every pending request of that type with an empty method return and drop it. */
void container_complete_operations(Container *c, OperationType type);
