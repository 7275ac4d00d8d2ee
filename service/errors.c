/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "errors.h"
#include "util/macro.h"

const sd_bus_error_map berth_error_map[] = {
        SD_BUS_ERROR_MAP(BERTH_ERROR_NO_SUCH_CONTAINER, ENOENT),
        SD_BUS_ERROR_MAP(BERTH_ERROR_CONTAINER_EXISTS, EEXIST),
        SD_BUS_ERROR_MAP(BERTH_ERROR_NOT_RUNNING, ENOTCONN),
        SD_BUS_ERROR_MAP(BERTH_ERROR_ALREADY_RUNNING, EALREADY),
        SD_BUS_ERROR_MAP(BERTH_ERROR_INVALID_CONFIG, EBADMSG),
        SD_BUS_ERROR_MAP(BERTH_ERROR_TIMEOUT, ETIMEDOUT),
        SD_BUS_ERROR_MAP(BERTH_ERROR_NOT_SUPPORTED, EOPNOTSUPP),
        SD_BUS_ERROR_MAP(BERTH_ERROR_BUSY, EBUSY),
        SD_BUS_ERROR_MAP_END,
};

int berth_errors_register(void) {
        int r;

        /* sd-bus remembers the maps it has, so a second call is a no-op (returns 0 instead of 1). */
        r = sd_bus_error_add_map(berth_error_map);
        return r < 0 ? r : 0;
}

const char *berth_error_name_from_errno(int error) {
        error = abs(error);
        if (error == 0)
                return NULL;

        /* The map ends with an entry whose name is NULL (SD_BUS_ERROR_MAP_END). */
        for (const sd_bus_error_map *m = berth_error_map; m->name; m++)
                if (m->code == error)
                        return m->name;
        return NULL;
}

int berth_error_set_errnof(sd_bus_error *e, int error, const char *format, ...) {
        const char *name;
        va_list ap;

        error = abs(error);
        if (error == 0)
                return 0;

        name = berth_error_name_from_errno(error);
        va_start(ap, format);
        if (!name)
                (void) sd_bus_error_set_errnofv(e, error, format, ap);
        else if (!format)
                (void) sd_bus_error_set(e, name, NULL);
        else {
                _cleanup_free_ char *message = NULL;

                if (vasprintf(&message, format, ap) < 0)
                        message = NULL;
                (void) sd_bus_error_set(e, name, message);
        }
        va_end(ap);

        /* Not what sd_bus_error_set() returns: that depends on the map being registered already. */
        return -error;
}
