/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The org.berth1.Error map: every name turns into its errno (what a client sees from sd_bus_call() and
 * sd_bus_error_get_errno()), and berth_error_set_errnof() turns the errno back into the name. */

#include <errno.h>
#include <systemd/sd-bus.h>

#include "service/errors.h"
#include "tap.h"

static const struct {
        const char *name;
        int error;
} table[] = {
        { BERTH_ERROR_NO_SUCH_CONTAINER, ENOENT },
        { BERTH_ERROR_CONTAINER_EXISTS, EEXIST },
        { BERTH_ERROR_NOT_RUNNING, ENOTCONN },
        { BERTH_ERROR_ALREADY_RUNNING, EALREADY },
        { BERTH_ERROR_INVALID_CONFIG, EBADMSG },
        { BERTH_ERROR_TIMEOUT, ETIMEDOUT },
        { BERTH_ERROR_NOT_SUPPORTED, EOPNOTSUPP },
        { BERTH_ERROR_BUSY, EBUSY },
};

int main(void) {
        unsigned n = 0;

        /* Before registration sd-bus knows none of our names (EIO): the test below is not vacuous. */
        {
                sd_bus_error e = SD_BUS_ERROR_NULL;
                sd_bus_error_set(&e, BERTH_ERROR_NO_SUCH_CONTAINER, "x");
                TAP_EQ_INT(sd_bus_error_get_errno(&e), EIO, "unregistered name maps to EIO");
                sd_bus_error_free(&e);
        }

        TAP_EQ_INT(berth_errors_register(), 0, "register");
        TAP_EQ_INT(berth_errors_register(), 0, "register again is a no-op");

        for (const sd_bus_error_map *m = berth_error_map; m->name; m++)
                n++;
        TAP_EQ_INT(n, sizeof(table) / sizeof(table[0]), "map has all %zu names", sizeof(table) / sizeof(table[0]));

        for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
                sd_bus_error e = SD_BUS_ERROR_NULL;
                int r;

                /* name -> errno, as a client gets it */
                r = sd_bus_error_set(&e, table[i].name, "message");
                TAP_EQ_INT(r, -table[i].error, "sd_bus_error_set(%s) returns -%d", table[i].name, table[i].error);
                TAP_EQ_INT(sd_bus_error_get_errno(&e), table[i].error, "%s -> errno %d", table[i].name,
                           table[i].error);
                sd_bus_error_free(&e);

                /* errno -> name, as a handler sets it */
                TAP_EQ_STR(berth_error_name_from_errno(-table[i].error), table[i].name, "errno %d -> name",
                           table[i].error);
                r = berth_error_set_errnof(&e, -table[i].error, "container %s: %d", "c1", 7);
                TAP_EQ_INT(r, -table[i].error, "berth_error_set_errnof(%d) returns -errno", table[i].error);
                TAP_EQ_STR(e.name, table[i].name, "berth_error_set_errnof(%d) name", table[i].error);
                TAP_EQ_STR(e.message, "container c1: 7", "berth_error_set_errnof(%d) message", table[i].error);
                TAP_EQ_INT(sd_bus_error_get_errno(&e), table[i].error, "%s round-trips", table[i].name);
                sd_bus_error_free(&e);
        }

        /* An errno we have no name for keeps sd-bus's own name. */
        {
                sd_bus_error e = SD_BUS_ERROR_NULL;
                int r;

                TAP_OK(!berth_error_name_from_errno(EINVAL), "EINVAL is not ours");
                r = berth_error_set_errnof(&e, EINVAL, "bad %s", "arg");
                TAP_EQ_INT(r, -EINVAL, "fallback returns -EINVAL");
                TAP_EQ_STR(e.name, SD_BUS_ERROR_INVALID_ARGS, "EINVAL falls back to InvalidArgs");
                TAP_EQ_STR(e.message, "bad arg", "fallback keeps the message");
                sd_bus_error_free(&e);

                TAP_EQ_INT(berth_error_set_errnof(&e, 0, "nothing"), 0, "errno 0 sets nothing");
                TAP_OK(!sd_bus_error_is_set(&e), "errno 0 leaves the error unset");
        }

        return tap_done();
}
