/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berthctl's shared helpers, see ctl-util.h. */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl-util.h"
#include "polkit-agent.h"
#include "service/errors.h"

void ctl_parse_common_option(int c, const char *arg, CtlBusArgs *bus_args, bool *quiet) {
        switch (c) {
        case 'q':
                *quiet = true;
                break;
        case CTL_ARG_NO_ASK_PASSWORD:
                bus_args->ask_password = false;
                break;
        case 'H':
                bus_args->host = arg;
                break;
        case CTL_ARG_ADDRESS:
                bus_args->address = arg;
                break;
        default:
                abort();
        }
}

int ctl_fail(int error, const char *fmt, ...) {
        va_list ap;

        fputs("berthctl: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        if (error != 0)
                fprintf(stderr, ": %s", strerror(abs(error)));
        fputc('\n', stderr);
        return EXIT_FAILURE;
}

int ctl_usage(const char *fmt, ...) {
        va_list ap;

        fputs("berthctl: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
        return EXIT_USAGE;
}

int ctl_fail_call(const sd_bus_error *error, int r, const char *what) {
        if (!sd_bus_error_is_set(error))
                return ctl_fail(r, "Failed to %s", what);

        /* "System.Error.*" is a bare errno (a connection failure here, or an unmapped errno from berthd):
         * its message is only strerror(), so say what failed. */
        if (startswith(error->name, "System.Error."))
                fprintf(stderr, "berthctl: Failed to %s: %s\n", what, error->message ?: error->name);
        else
                fprintf(stderr, "berthctl: %s\n", error->message ?: error->name);

        if (sd_bus_error_has_name(error, SD_BUS_ERROR_ACCESS_DENIED) ||
            sd_bus_error_has_name(error, SD_BUS_ERROR_INTERACTIVE_AUTHORIZATION_REQUIRED))
                return EXIT_NOPERMISSION;
        if (sd_bus_error_has_name(error, BERTH_ERROR_NO_SUCH_CONTAINER))
                return EXIT_NOSUCHCONTAINER;
        return EXIT_FAILURE;
}

int ctl_check_bus_args(const CtlBusArgs *args) {
        if (args->host && args->address)
                return ctl_usage("--host and --address cannot be combined.");
        return 0;
}

int ctl_connect_bus(const CtlBusArgs *args, sd_bus **ret) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        int r;

        r = berth_errors_register();
        if (r < 0)
                return ctl_fail(r, "Failed to register the berth D-Bus errors");

        if (args->host)
                r = sd_bus_open_system_remote(&bus, args->host);
        else if (args->address) {
                r = sd_bus_new(&bus);
                if (r >= 0)
                        r = sd_bus_set_address(bus, args->address);
                if (r >= 0)
                        r = sd_bus_set_bus_client(bus, true);
                if (r >= 0)
                        r = sd_bus_start(bus);
        } else
                r = sd_bus_open_system(&bus); /* honours $DBUS_SYSTEM_BUS_ADDRESS */
        if (r < 0)
                return ctl_fail(r, "Failed to connect to %s",
                                args->host ?: args->address ?: "the system bus");

        /* Like systemctl: allow polkit to ask unless told not to. A tty agent is only spawned for the
         * local bus (see ctl_agent_open()), but a graphical agent may answer even without a tty. */
        r = sd_bus_set_allow_interactive_authorization(bus, args->ask_password);
        if (r < 0)
                return ctl_fail(r, "Failed to set the interactive authorization flag");

        *ret = TAKE_PTR(bus);
        return 0;
}

void ctl_agent_open(const CtlBusArgs *args) {
        /* An agent on the local machine can only answer for the local system bus. */
        if (!args->ask_password || args->host || args->address)
                return;
        (void) polkit_agent_open();
}

int ctl_get_container_path(sd_bus *bus, const char *name, char **ret_path) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        const char *path;
        int r;

        r = sd_bus_call_method(bus, BERTH_BUS_NAME, BERTH_MANAGER_PATH, BERTH_MANAGER_IFACE, "GetContainer",
                               &error, &reply, "s", name);
        if (r < 0)
                return ctl_fail_call(&error, r, "look up the container");
        r = sd_bus_message_read(reply, "o", &path);
        if (r < 0)
                return ctl_fail(r, "Failed to parse the GetContainer reply");

        char *p = strdup(path);
        if (!p)
                return ctl_fail(ENOMEM, "Failed to look up the container");
        *ret_path = p;
        return 0;
}

int ctl_new_container_call(sd_bus *bus, const CtlBusArgs *args, const char *name, const char *member,
                           sd_bus_message **ret) {
        _cleanup_free_ char *path = NULL;
        int r;

        r = ctl_get_container_path(bus, name, &path);
        if (r != 0)
                return r;

        ctl_agent_open(args);

        r = sd_bus_message_new_method_call(bus, ret, BERTH_BUS_NAME, path, BERTH_CONTAINER_IFACE, member);
        if (r < 0)
                return ctl_fail(r, "Failed to build the %s call", member);
        return 0;
}

int ctl_call_container_method(sd_bus *bus, const CtlBusArgs *args, const char *name, const char *member,
                              uint64_t timeout_usec, const char *what) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        r = ctl_new_container_call(bus, args, name, member, &m);
        if (r != 0)
                return r;
        r = sd_bus_message_append(m, "a{sv}", 0);
        if (r < 0)
                return ctl_fail(r, "Failed to build the %s call", member);
        return ctl_call(bus, m, timeout_usec, what, NULL);
}

int ctl_call(sd_bus *bus, sd_bus_message *m, uint64_t timeout_usec, const char *what,
             sd_bus_message **reply) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        r = sd_bus_call(bus, m, timeout_usec, &error, reply);
        if (r < 0)
                return ctl_fail_call(&error, r, what);
        return 0;
}

int ctl_check_verb_usage(const char *verb, unsigned n_expected, unsigned n_args, unsigned opts_accepted,
                         unsigned opts_given) {
        if (n_args != n_expected)
                return ctl_usage("%s takes %u argument%s, got %u.", verb, n_expected,
                                 n_expected == 1 ? "" : "s", n_args);
        if (opts_given & ~opts_accepted)
                return ctl_usage("option not valid for '%s', see 'berthctl --help'.", verb);
        return 0;
}

/* Every long option of berthctl.c, berthctl-lifecycle.c and berthctl-seccomp.c that takes a value (as
 * "--opt VALUE"; "--opt=VALUE" is one argument). */
static const char *const with_value[] = {
        "--host", "--address",                                   /* everyone's */
        "--config", "--template", "--max", "--escape",           /* berthctl.c */
        "--timeout", "--type", "--options",                      /* berthctl-lifecycle.c */
        "--respond", "--count",                                  /* berthctl-seccomp.c */
        NULL,
};

const char *ctl_peek_verb(int argc, char *argv[]) {
        for (int i = 1; i < argc; i++) {
                const char *a = argv[i];

                if (streq(a, "--"))
                        return i + 1 < argc ? argv[i + 1] : NULL;
                if (a[0] != '-' || a[1] == 0)
                        return a;
                if (a[1] == '-') {
                        for (size_t j = 0; with_value[j]; j++)
                                if (streq(a, with_value[j]))
                                        i++;
                        continue;
                }
                /* A cluster of short options: -H takes the rest, or the next argument. */
                const char *h = strchr(a + 1, 'H');
                if (h && h[1] == 0)
                        i++;
        }
        return NULL;
}
