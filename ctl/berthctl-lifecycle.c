/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berthctl reboot | shutdown | freeze | unfreeze | mount | umount: one method call each on the container
 * object (org.berth1.Container), berthd's error message printed verbatim. Kept apart from berthctl.c, and
 * with their own option parsing, so these verbs and their options are in one place; the exit codes are
 * berthctl's (see `berthctl --help`). */

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <systemd/sd-bus.h>

#include "berthctl-lifecycle.h"
#include "polkit-agent.h"
#include "service/errors.h"
#include "util/macro.h"

#define BERTH_BUS_NAME "org.berth1"
#define BERTH_MANAGER_PATH "/org/berth1"
#define BERTH_MANAGER_IFACE "org.berth1.Manager"
#define BERTH_CONTAINER_IFACE "org.berth1.Container"

#define USEC_PER_SEC 1000000ULL
/* The container's wait happens in berthd; give the call that long plus time for berthd to answer. */
#define WAIT_SLACK_USEC (10ULL * USEC_PER_SEC)
/* lxc-stop's default: how long reboot and shutdown wait unless --timeout says otherwise. */
#define DEFAULT_TIMEOUT_SEC 60

enum {
        EXIT_USAGE = 2,
        EXIT_NOPERMISSION = 4,
        EXIT_NOSUCHCONTAINER = 5,
};

enum {
        OPT_TIMEOUT = 1 << 0,
        OPT_FORCE = 1 << 1,
        OPT_MOUNT = 1 << 2,
};

typedef struct LifecycleVerb {
        const char *name;
        unsigned n_args;
        unsigned opts;
        int (*run)(sd_bus *bus, char **args);
} LifecycleVerb;

static bool arg_ask_password = true;
static bool arg_quiet = false;
static const char *arg_host = NULL;
static const char *arg_address = NULL;
static int32_t arg_timeout = DEFAULT_TIMEOUT_SEC;
static bool arg_force = false;
static const char *arg_type = NULL;
static const char *arg_options = NULL;
static bool arg_read_only = false;
static bool arg_recursive = false;
static bool arg_idmap = false;
static unsigned arg_verb_opts = 0;

static int fail(int error, const char *fmt, ...) _printf_(2, 3);
static int fail(int error, const char *fmt, ...) {
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

static int usage(const char *fmt, ...) _printf_(1, 2);
static int usage(const char *fmt, ...) {
        va_list ap;

        fputs("berthctl: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
        return EXIT_USAGE;
}

/* berthd's message as it worded it; the exit code as berthctl.c picks it. */
static int fail_call(const sd_bus_error *error, int r, const char *what) {
        if (!sd_bus_error_is_set(error))
                return fail(r, "Failed to %s", what);

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

static int connect_bus(sd_bus **ret) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        int r;

        if (arg_host)
                r = sd_bus_open_system_remote(&bus, arg_host);
        else if (arg_address) {
                r = sd_bus_new(&bus);
                if (r >= 0)
                        r = sd_bus_set_address(bus, arg_address);
                if (r >= 0)
                        r = sd_bus_set_bus_client(bus, true);
                if (r >= 0)
                        r = sd_bus_start(bus);
        } else
                r = sd_bus_open_system(&bus);
        if (r < 0)
                return fail(r, "Failed to connect to %s", arg_host ?: arg_address ?: "the system bus");

        r = sd_bus_set_allow_interactive_authorization(bus, arg_ask_password);
        if (r < 0)
                return fail(r, "Failed to set the interactive authorization flag");

        *ret = TAKE_PTR(bus);
        return 0;
}

/* NAME → object path through GetContainer (NoSuchContainer rather than UnknownObject), then a new call of
 * member on it; the polkit agent is started for the local bus. Returns 0 or an exit code. */
static int new_container_call(sd_bus *bus, const char *name, const char *member, sd_bus_message **ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        const char *path;
        int r;

        r = sd_bus_call_method(bus, BERTH_BUS_NAME, BERTH_MANAGER_PATH, BERTH_MANAGER_IFACE, "GetContainer",
                               &error, &reply, "s", name);
        if (r < 0)
                return fail_call(&error, r, "look up the container");
        r = sd_bus_message_read(reply, "o", &path);
        if (r < 0)
                return fail(r, "Failed to parse the GetContainer reply");

        if (arg_ask_password && !arg_host && !arg_address)
                (void) polkit_agent_open();

        r = sd_bus_message_new_method_call(bus, ret, BERTH_BUS_NAME, path, BERTH_CONTAINER_IFACE, member);
        if (r < 0)
                return fail(r, "Failed to build the %s call", member);
        return 0;
}

static int call(sd_bus *bus, sd_bus_message *m, uint64_t timeout_usec, const char *what,
                sd_bus_message **reply) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        r = sd_bus_call(bus, m, timeout_usec, &error, reply);
        if (r < 0)
                return fail_call(&error, r, what);
        return 0;
}

/* ---- reboot, shutdown ---- */

static int reboot_or_shutdown(sd_bus *bus, const char *name, bool shutdown) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        uint64_t timeout_usec;
        int r, b;

        r = new_container_call(bus, name, shutdown ? "Shutdown" : "Reboot", &m);
        if (r != 0)
                return r;
        r = sd_bus_message_append(m, "i", arg_timeout);
        if (r >= 0) {
                if (arg_force)
                        r = sd_bus_message_append(m, "a{sv}", 1, "force", "b", 1);
                else
                        r = sd_bus_message_append(m, "a{sv}", 0);
        }
        if (r < 0)
                return fail(r, "Failed to build the call");

        if (arg_timeout < 0)
                timeout_usec = UINT64_MAX; /* as long as it takes */
        else
                timeout_usec = (uint64_t) arg_timeout * USEC_PER_SEC + WAIT_SLACK_USEC;

        r = call(bus, m, timeout_usec, shutdown ? "shut down the container" : "reboot the container", &reply);
        if (r != 0)
                return r;
        r = sd_bus_message_read(reply, "b", &b);
        if (r < 0)
                return fail(r, "Failed to parse the reply");

        if (!arg_quiet) {
                if (arg_timeout == 0)
                        fprintf(stderr, "%s signal sent to %s.\n", shutdown ? "Shutdown" : "Reboot", name);
                else if (shutdown)
                        fprintf(stderr,
                                b ? "%s stopped.\n" : "%s is still running (use --force to kill it).\n",
                                name);
                else
                        fprintf(stderr, b ? "%s is running again.\n" : "%s did not come back.\n", name);
        }
        return b ? EXIT_SUCCESS : EXIT_FAILURE;
}

static int verb_reboot(sd_bus *bus, char **args) {
        return reboot_or_shutdown(bus, args[0], false);
}

static int verb_shutdown(sd_bus *bus, char **args) {
        return reboot_or_shutdown(bus, args[0], true);
}

/* ---- freeze, unfreeze ---- */

static int simple_call(sd_bus *bus, const char *name, const char *member, const char *what) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        r = new_container_call(bus, name, member, &m);
        if (r != 0)
                return r;
        r = sd_bus_message_append(m, "a{sv}", 0);
        if (r < 0)
                return fail(r, "Failed to build the call");
        return call(bus, m, 0, what, NULL);
}

static int verb_freeze(sd_bus *bus, char **args) {
        return simple_call(bus, args[0], "Freeze", "freeze the container");
}

static int verb_unfreeze(sd_bus *bus, char **args) {
        return simple_call(bus, args[0], "Unfreeze", "unfreeze the container");
}

/* ---- mount, umount ---- */

static bool type_is_bind(const char *type) {
        return !type || isempty(type) || streq(type, "none") || streq(type, "bind");
}

static int verb_mount(sd_bus *bus, char **args) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        _cleanup_free_ char *source = NULL;
        const char *fstype = "";
        uint64_t flags = 0;
        int r;

        if (type_is_bind(arg_type)) {
                flags |= MS_BIND;
                if (arg_recursive)
                        flags |= MS_REC;
                if (arg_host) {
                        /* A path on the remote host: berthd checks it there. */
                        if (args[1][0] != '/')
                                return usage("With --host, SOURCE must be an absolute path on that host.");
                        source = strdup(args[1]);
                } else {
                        struct stat st;

                        /* berthd needs an absolute path; a relative one means ours. */
                        source = realpath(args[1], NULL);
                        if (!source || stat(source, &st) < 0)
                                return fail(errno, "Cannot bind %s", args[1]);
                        if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode))
                                return fail(0,
                                            "Cannot bind %s: not a file or directory (use --type for a "
                                            "filesystem)",
                                            args[1]);
                }
                if (!source)
                        return fail(ENOMEM, "Failed to mount");
        } else {
                /* Like mount(8)'s "tmpfs" in `mount -t tmpfs tmpfs /mnt`: SOURCE only names the mount. */
                fstype = arg_type;
                source = strdup("");
                if (!source)
                        return fail(ENOMEM, "Failed to mount");
        }
        if (arg_read_only)
                flags |= MS_RDONLY;

        r = new_container_call(bus, args[0], "Mount", &m);
        if (r != 0)
                return r;
        r = sd_bus_message_append(m, "ssst", source, args[2], fstype, flags);
        if (r >= 0)
                r = sd_bus_message_append(m, "s", strempty(arg_options));
        if (r >= 0) {
                if (arg_idmap)
                        r = sd_bus_message_append(m, "a{sv}", 1, "idmap", "b", 1);
                else
                        r = sd_bus_message_append(m, "a{sv}", 0);
        }
        if (r < 0)
                return fail(r, "Failed to build the call");
        return call(bus, m, 0, "mount", NULL);
}

static int verb_umount(sd_bus *bus, char **args) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        r = new_container_call(bus, args[0], "Umount", &m);
        if (r != 0)
                return r;
        r = sd_bus_message_append(m, "sta{sv}", args[1], UINT64_C(0), 0);
        if (r < 0)
                return fail(r, "Failed to build the call");
        return call(bus, m, 0, "unmount", NULL);
}

static const LifecycleVerb verbs[] = {
        {"reboot", 1, OPT_TIMEOUT, verb_reboot}, {"shutdown", 1, OPT_TIMEOUT | OPT_FORCE, verb_shutdown},
        {"freeze", 1, 0, verb_freeze},           {"unfreeze", 1, 0, verb_unfreeze},
        {"mount", 3, OPT_MOUNT, verb_mount},     {"umount", 2, 0, verb_umount},
};

static const LifecycleVerb *find_verb(const char *name) {
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                if (streq(name, verbs[i].name))
                        return &verbs[i];
        return NULL;
}

/* The first non-option argument, skipping the values of berthctl's options that take one (ours and those
 * of berthctl.c), without getopt, which would permute argv under berthctl.c's own parser. */
static const char *peek_verb(int argc, char *argv[]) {
        static const char *const with_value[] = {
                "--host",   "--address", "--config", "--template", "--max",
                "--escape", "--timeout", "--type",   "--options",  NULL,
        };

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

static int parse_timeout(const char *s, int32_t *ret) {
        char *end;
        long v;

        errno = 0;
        v = strtol(s, &end, 10);
        if (errno != 0 || end == s || *end != 0 || v < -1 || v > INT32_MAX)
                return -EINVAL;
        *ret = (int32_t) v;
        return 0;
}

/* Returns < 0 to exit with -r, 0 to go on, > 0 for --help. */
static int parse_argv(int argc, char *argv[]) {
        enum {
                ARG_NO_ASK_PASSWORD = 0x100,
                ARG_ADDRESS,
                ARG_TIMEOUT,
                ARG_FORCE,
                ARG_TYPE,
                ARG_OPTIONS,
                ARG_READ_ONLY,
                ARG_RECURSIVE,
                ARG_IDMAP,
        };
        static const struct option options[] = {{"help", no_argument, NULL, 'h'},
                                                {"quiet", no_argument, NULL, 'q'},
                                                {"no-ask-password", no_argument, NULL, ARG_NO_ASK_PASSWORD},
                                                {"host", required_argument, NULL, 'H'},
                                                {"address", required_argument, NULL, ARG_ADDRESS},
                                                {"timeout", required_argument, NULL, ARG_TIMEOUT},
                                                {"force", no_argument, NULL, ARG_FORCE},
                                                {"type", required_argument, NULL, ARG_TYPE},
                                                {"options", required_argument, NULL, ARG_OPTIONS},
                                                {"read-only", no_argument, NULL, ARG_READ_ONLY},
                                                {"recursive", no_argument, NULL, ARG_RECURSIVE},
                                                {"idmap", no_argument, NULL, ARG_IDMAP},
                                                {}};
        int c;

        while ((c = getopt_long(argc, argv, "hqH:", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        printf("berthctl [OPTIONS...] COMMAND ...\n\nContainer lifecycle and "
                               "mounts:\n" BERTHCTL_LIFECYCLE_HELP
                               "\nSee 'berthctl --help' for the global options.\n");
                        return 1;
                case 'q':
                        arg_quiet = true;
                        break;
                case ARG_NO_ASK_PASSWORD:
                        arg_ask_password = false;
                        break;
                case 'H':
                        arg_host = optarg;
                        break;
                case ARG_ADDRESS:
                        arg_address = optarg;
                        break;
                case ARG_TIMEOUT:
                        if (parse_timeout(optarg, &arg_timeout) < 0)
                                return -usage("--timeout needs seconds, 0 (do not wait) or -1 (no limit), "
                                              "got '%s'.",
                                              optarg);
                        arg_verb_opts |= OPT_TIMEOUT;
                        break;
                case ARG_FORCE:
                        arg_force = true;
                        arg_verb_opts |= OPT_FORCE;
                        break;
                case ARG_TYPE:
                        arg_type = optarg;
                        arg_verb_opts |= OPT_MOUNT;
                        break;
                case ARG_OPTIONS:
                        arg_options = optarg;
                        arg_verb_opts |= OPT_MOUNT;
                        break;
                case ARG_READ_ONLY:
                        arg_read_only = true;
                        arg_verb_opts |= OPT_MOUNT;
                        break;
                case ARG_RECURSIVE:
                        arg_recursive = true;
                        arg_verb_opts |= OPT_MOUNT;
                        break;
                case ARG_IDMAP:
                        arg_idmap = true;
                        arg_verb_opts |= OPT_MOUNT;
                        break;
                case '?':
                        return -EXIT_USAGE;
                default:
                        abort();
                }

        if (arg_host && arg_address)
                return -usage("--host and --address cannot be combined.");
        return 0;
}

int berthctl_lifecycle_main(int argc, char *argv[]) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        const LifecycleVerb *verb;
        const char *name;
        unsigned n_args;
        int r;

        name = peek_verb(argc, argv);
        if (!name || !find_verb(name))
                return -1;

        r = parse_argv(argc, argv);
        if (r != 0)
                return r < 0 ? -r : EXIT_SUCCESS;

        /* getopt_long() moved the non-options to the end, verb first. */
        verb = optind < argc ? find_verb(argv[optind]) : NULL;
        if (!verb)
                return usage("unknown command, see 'berthctl --help'.");
        n_args = (unsigned) (argc - optind - 1);
        if (n_args != verb->n_args)
                return usage("%s takes %u argument%s, got %u.", verb->name, verb->n_args,
                             verb->n_args == 1 ? "" : "s", n_args);
        if (arg_verb_opts & ~verb->opts)
                return usage("option not valid for '%s', see 'berthctl --help'.", verb->name);
        if (verb->run == verb_mount && type_is_bind(arg_type) && arg_options)
                return usage("--options passes filesystem options: it needs --type.");
        if (verb->run == verb_mount && !type_is_bind(arg_type) && (arg_recursive || arg_idmap))
                return usage("--recursive and --idmap apply to bind mounts only (no --type).");

        r = berth_errors_register();
        if (r < 0)
                return fail(r, "Failed to register the berth D-Bus errors");
        r = connect_bus(&bus);
        if (r != 0)
                return r;

        r = verb->run(bus, argv + optind + 1);
        polkit_agent_close();
        return r;
}
