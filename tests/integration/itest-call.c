/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* itest-call: a tiny org.berth1 client for the integration tests. busctl prints only an error's
 * message; the tests must assert the error *name* (AccessDenied vs InteractiveAuthorizationRequired vs
 * org.berth1.Error.*), and must pass hostile names (empty, "-x", unicode) verbatim, so this client takes
 * its arguments as raw argv strings and prints
 *     OK [result]            on success (exit 0)
 *     ERROR <name>\n<message> on a D-Bus error (exit 1)
 * It connects to the system bus (honouring DBUS_SYSTEM_BUS_ADDRESS) and does not set the interactive
 * flag unless --interactive is given.
 *
 *   itest-call [--interactive] create NAME CONFIG_FILE
 *   itest-call [--interactive] destroy NAME
 *   itest-call [--interactive] get NAME                     (GetContainer → object path)
 *   itest-call [--interactive] start|stop|clear NAME        (Start/Stop/ClearConsoleLog via GetContainer)
 *   itest-call [--interactive] read NAME MAX                (ReadConsoleLog → byte count)
 *   itest-call [--interactive] call-path PATH METHOD        (an org.berth1.Container method taking a{sv})
 *   itest-call [--interactive] freeze|unfreeze NAME
 *   itest-call [--interactive] reboot NAME TIMEOUT           (→ "OK true" / "OK false")
 *   itest-call [--interactive] shutdown NAME TIMEOUT [force] (→ "OK true" / "OK false")
 *   itest-call [--interactive] mount NAME SOURCE TARGET FSTYPE FLAGS DATA [idmap]
 *   itest-call [--interactive] umount NAME TARGET FLAGS
 *   itest-call [--interactive] console NAME CMD [ARGS...]    (OpenConsole; runs CMD with the pty master as
 *                                                            fd 3; prints only an error, else CMD's output)
 *   itest-call [--interactive] set-property PATH INTERFACE PROPERTY STRING   (a string property, e.g.
 *                                                            LogControl1's LogLevel; busctl hides the name)
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <unistd.h>

#include "util/fileio.h"

static bool arg_interactive = false;

static int print_error(const sd_bus_error *e, int r) {
        if (e && sd_bus_error_is_set(e))
                printf("ERROR %s\n%s\n", e->name, e->message ?: "");
        else
                printf("ERROR errno\n%s\n", strerror(r < 0 ? -r : r));
        return 1;
}

static int new_call(sd_bus *bus, const char *path, const char *iface, const char *member, sd_bus_message **ret) {
        int r = sd_bus_message_new_method_call(bus, ret, "org.berth1", path, iface, member);
        if (r < 0)
                return r;
        return sd_bus_message_set_allow_interactive_authorization(*ret, arg_interactive);
}

static int empty_options(sd_bus_message *m) {
        return sd_bus_message_append(m, "a{sv}", 0);
}

static int call(sd_bus *bus, sd_bus_message *m, sd_bus_message **reply, sd_bus_error *e) {
        return sd_bus_call(bus, m, 120 * 1000000ULL, e, reply);
}

static int get_path(sd_bus *bus, const char *name, char **ret, sd_bus_error *e) {
        sd_bus_message *m = NULL, *reply = NULL;
        const char *p;
        int r;

        r = new_call(bus, "/org/berth1", "org.berth1.Manager", "GetContainer", &m);
        if (r >= 0)
                r = sd_bus_message_append(m, "s", name);
        if (r >= 0)
                r = call(bus, m, &reply, e);
        if (r >= 0)
                r = sd_bus_message_read(reply, "o", &p);
        if (r >= 0)
                *ret = strdup(p);
        sd_bus_message_unref(m);
        sd_bus_message_unref(reply);
        return r;
}

int main(int argc, char *argv[]) {
        sd_bus_error e = SD_BUS_ERROR_NULL;
        sd_bus_message *m = NULL, *reply = NULL;
        sd_bus *bus = NULL;
        char *path = NULL;
        int r;

        argv++, argc--;
        if (argc > 0 && strcmp(argv[0], "--interactive") == 0)
                arg_interactive = true, argv++, argc--;
        if (argc < 2) {
                fprintf(stderr, "usage: itest-call [--interactive] VERB ARGS...\n");
                return 2;
        }
        const char *verb = argv[0];

        r = sd_bus_open_system(&bus);
        if (r < 0) {
                fprintf(stderr, "itest-call: cannot connect to the system bus: %s\n", strerror(-r));
                return 2;
        }

        if (strcmp(verb, "create") == 0 && argc == 3) {
                char *cfg = NULL;
                r = read_full_file(argv[2], &cfg, NULL);
                if (r < 0) {
                        fprintf(stderr, "itest-call: cannot read %s: %s\n", argv[2], strerror(-r));
                        return 2;
                }
                r = new_call(bus, "/org/berth1", "org.berth1.Manager", "CreateContainer", &m);
                if (r >= 0)
                        r = sd_bus_message_append(m, "ss", argv[1], cfg);
                if (r >= 0)
                        r = empty_options(m);
                free(cfg);
                if (r >= 0)
                        r = call(bus, m, &reply, &e);
                if (r < 0)
                        return print_error(&e, r);
                const char *o;
                r = sd_bus_message_read(reply, "o", &o);
                printf("OK %s\n", r >= 0 ? o : "?");
                return 0;
        }
        if (strcmp(verb, "destroy") == 0 && argc == 2) {
                r = new_call(bus, "/org/berth1", "org.berth1.Manager", "DestroyContainer", &m);
                if (r >= 0)
                        r = sd_bus_message_append(m, "s", argv[1]);
                if (r >= 0)
                        r = empty_options(m);
                if (r >= 0)
                        r = call(bus, m, &reply, &e);
                if (r < 0)
                        return print_error(&e, r);
                printf("OK\n");
                return 0;
        }
        if (strcmp(verb, "get") == 0 && argc == 2) {
                r = get_path(bus, argv[1], &path, &e);
                if (r < 0)
                        return print_error(&e, r);
                printf("OK %s\n", path);
                return 0;
        }
        if (strcmp(verb, "call-path") == 0 && argc == 3) {
                r = new_call(bus, argv[1], "org.berth1.Container", argv[2], &m);
                if (r >= 0)
                        r = empty_options(m);
                if (r >= 0)
                        r = call(bus, m, &reply, &e);
                if (r < 0)
                        return print_error(&e, r);
                printf("OK\n");
                return 0;
        }

        if (strcmp(verb, "set-property") == 0 && argc == 5) {
                r = sd_bus_message_new_method_call(bus, &m, "org.berth1", argv[1], "org.freedesktop.DBus.Properties",
                                                   "Set");
                if (r >= 0)
                        r = sd_bus_message_append(m, "ssv", argv[2], argv[3], "s", argv[4]);
                if (r >= 0)
                        r = call(bus, m, &reply, &e);
                if (r < 0)
                        return print_error(&e, r);
                printf("OK\n");
                return 0;
        }

        /* The verbs below act on a container named by argv[1]. */
        const char *member = NULL;
        int nargs = -1; /* argc the verb takes (after the verb itself); -1: any */
        if (strcmp(verb, "reboot") == 0)
                member = "Reboot", nargs = 3;
        else if (strcmp(verb, "shutdown") == 0)
                member = "Shutdown";
        else if (strcmp(verb, "freeze") == 0)
                member = "Freeze", nargs = 2;
        else if (strcmp(verb, "unfreeze") == 0)
                member = "Unfreeze", nargs = 2;
        else if (strcmp(verb, "mount") == 0)
                member = "Mount";
        else if (strcmp(verb, "umount") == 0)
                member = "Umount", nargs = 4;
        else if (strcmp(verb, "console") == 0)
                member = "OpenConsole";
        if (member) {
                bool ok_args = nargs < 0 || argc == nargs;
                if (strcmp(verb, "shutdown") == 0)
                        ok_args = argc == 3 || (argc == 4 && strcmp(argv[3], "force") == 0);
                if (strcmp(verb, "mount") == 0)
                        ok_args = argc == 7 || (argc == 8 && strcmp(argv[7], "idmap") == 0);
                if (strcmp(verb, "console") == 0)
                        ok_args = argc >= 3;
                if (!ok_args) {
                        fprintf(stderr, "itest-call: bad arguments for %s\n", verb);
                        return 2;
                }
                r = get_path(bus, argv[1], &path, &e);
                if (r < 0)
                        return print_error(&e, r);
                r = new_call(bus, path, "org.berth1.Container", member, &m);
                if (r >= 0 && (strcmp(verb, "reboot") == 0 || strcmp(verb, "shutdown") == 0)) {
                        r = sd_bus_message_append(m, "i", (int32_t) strtol(argv[2], NULL, 0));
                        if (r >= 0 && argc == 4)
                                r = sd_bus_message_append(m, "a{sv}", 1, "force", "b", 1);
                        else if (r >= 0)
                                r = empty_options(m);
                } else if (r >= 0 && strcmp(verb, "mount") == 0) {
                        r = sd_bus_message_append(m, "ssst", argv[2], argv[3], argv[4],
                                                  (uint64_t) strtoull(argv[5], NULL, 0));
                        if (r >= 0)
                                r = sd_bus_message_append(m, "s", argv[6]);
                        if (r >= 0 && argc == 8)
                                r = sd_bus_message_append(m, "a{sv}", 1, "idmap", "b", 1);
                        else if (r >= 0)
                                r = empty_options(m);
                } else if (r >= 0 && strcmp(verb, "umount") == 0) {
                        r = sd_bus_message_append(m, "st", argv[2], (uint64_t) strtoull(argv[3], NULL, 0));
                        if (r >= 0)
                                r = empty_options(m);
                } else if (r >= 0)
                        r = empty_options(m);
                if (r >= 0)
                        r = call(bus, m, &reply, &e);
                if (r < 0)
                        return print_error(&e, r);

                if (strcmp(verb, "reboot") == 0 || strcmp(verb, "shutdown") == 0) {
                        int b = 0;
                        r = sd_bus_message_read(reply, "b", &b);
                        if (r < 0)
                                return print_error(NULL, r);
                        printf("OK %s\n", b ? "true" : "false");
                        return 0;
                }
                if (strcmp(verb, "console") == 0) {
                        int fd;
                        r = sd_bus_message_read(reply, "h", &fd);
                        if (r < 0)
                                return print_error(NULL, r);
                        /* The message owns fd: take a private copy, drop the messages and the bus (one of
                         * which may sit on fd 3), then make the copy fd 3 without O_CLOEXEC, so the child
                         * holds the only reference to the console. */
                        int copy = fcntl(fd, F_DUPFD_CLOEXEC, 10);
                        if (copy < 0)
                                return print_error(NULL, -errno);
                        sd_bus_message_unref(reply);
                        sd_bus_message_unref(m);
                        sd_bus_flush_close_unref(bus);
                        if (dup2(copy, 3) < 0) /* dup2 leaves FD_CLOEXEC off on the new fd */
                                return print_error(NULL, -errno);
                        close(copy);
                        fflush(stdout);
                        execvp(argv[2], argv + 2);
                        fprintf(stderr, "itest-call: cannot run %s: %s\n", argv[2], strerror(errno));
                        return 2;
                }
                printf("OK\n");
                return 0;
        }

        if (strcmp(verb, "start") == 0)
                member = "Start";
        else if (strcmp(verb, "stop") == 0)
                member = "Stop";
        else if (strcmp(verb, "clear") == 0)
                member = "ClearConsoleLog";
        else if (strcmp(verb, "read") == 0 && argc == 3)
                member = "ReadConsoleLog";
        if (!member) {
                fprintf(stderr, "itest-call: bad arguments\n");
                return 2;
        }

        r = get_path(bus, argv[1], &path, &e);
        if (r < 0)
                return print_error(&e, r);
        r = new_call(bus, path, "org.berth1.Container", member, &m);
        if (r >= 0 && strcmp(member, "ReadConsoleLog") == 0)
                r = sd_bus_message_append(m, "t", (uint64_t) strtoull(argv[2], NULL, 0));
        if (r >= 0)
                r = empty_options(m);
        if (r >= 0)
                r = call(bus, m, &reply, &e);
        if (r < 0)
                return print_error(&e, r);
        if (strcmp(member, "ReadConsoleLog") == 0) {
                const void *data;
                size_t n = 0;
                r = sd_bus_message_read_array(reply, 'y', &data, &n);
                printf("OK %zu\n", n);
        } else
                printf("OK\n");
        return 0;
}
