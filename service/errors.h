/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* org.berth1.Error.* names, registered with sd_bus_error_add_map() so a client calling
 * sd_bus_error_get_errno() (or sd-bus itself, e.g. sd_bus_call()'s return value) on NoSuchContainer gets
 * ENOENT back.
 *
 * sd-bus's maps work in that direction only: sd_bus_error_set_errno() and a handler that just returns
 * -ENOENT never consult them (that sends org.freedesktop.DBus.Error.FileNotFound). A handler therefore
 * names the error itself, either sd_bus_error_setf(error, BERTH_ERROR_NO_SUCH_CONTAINER, ...) or
 * berth_error_set_errnof(error, -ENOENT, ...), which maps the errnos below to our names. */

#include <systemd/sd-bus.h>

#define BERTH_ERROR_NO_SUCH_CONTAINER "org.berth1.Error.NoSuchContainer"   /* ENOENT  */
#define BERTH_ERROR_CONTAINER_EXISTS "org.berth1.Error.ContainerExists"    /* EEXIST  */
#define BERTH_ERROR_NOT_RUNNING "org.berth1.Error.NotRunning"              /* ENOTCONN */
#define BERTH_ERROR_ALREADY_RUNNING "org.berth1.Error.AlreadyRunning"      /* EALREADY */
#define BERTH_ERROR_INVALID_CONFIG "org.berth1.Error.InvalidConfig"        /* EBADMSG */
#define BERTH_ERROR_TIMEOUT "org.berth1.Error.Timeout"                     /* ETIMEDOUT */
#define BERTH_ERROR_NOT_SUPPORTED "org.berth1.Error.NotSupported"          /* EOPNOTSUPP */
#define BERTH_ERROR_BUSY "org.berth1.Error.Busy"                           /* EBUSY */

extern const sd_bus_error_map berth_error_map[];
/* Call once before any sd-bus use in a process (berthd, berthctl, tests). Idempotent. */
int berth_errors_register(void);

/* The org.berth1.Error name for an errno (sign ignored), or NULL if none of ours maps to it. */
const char *berth_error_name_from_errno(int error);

/* Like sd_bus_error_set_errnof(), but the errnos above get our names: berth_error_set_errnof(error,
 * -ENOENT, "No container '%s'", name) sets NoSuchContainer. Other errnos fall back to sd-bus's names.
 * Returns -abs(error) (0 if error is 0), so a handler can "return berth_error_set_errnof(...)". */
int berth_error_set_errnof(sd_bus_error *e, int error, const char *format, ...)
        __attribute__((format(printf, 3, 4)));
