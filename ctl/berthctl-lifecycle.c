/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berthctl reboot | shutdown | freeze | unfreeze | mount | umount: one method call each on the container
 * object (org.berth1.Container), berthd's error message printed verbatim. Kept apart from berthctl.c, and
 * with their own option parsing, so these verbs and their options are in one place; the exit codes are
 * berthctl's (see `berthctl --help`). */

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <systemd/sd-bus.h>

#include "berthctl-lifecycle.h"
#include "ctl-util.h"
#include "polkit-agent.h"
#include "util/macro.h"

#define USEC_PER_SEC 1000000ULL
/* The container's wait happens in berthd; give the call that long plus time for berthd to answer. */
#define WAIT_SLACK_USEC (10ULL * USEC_PER_SEC)
/* lxc-stop's default: how long reboot and shutdown wait unless --timeout says otherwise. */
#define DEFAULT_TIMEOUT_SEC 60

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

static CtlBusArgs arg_bus = CTL_BUS_ARGS_DEFAULT;
static bool arg_quiet = false;
static int32_t arg_timeout = DEFAULT_TIMEOUT_SEC;
static bool arg_force = false;
static const char *arg_type = NULL;
static const char *arg_options = NULL;
static bool arg_read_only = false;
static bool arg_recursive = false;
static bool arg_idmap = false;
static unsigned arg_verb_opts = 0;

/* The options dictionary: {key: true} when set, else empty (berthd's default is false). */
static int append_flag_option(sd_bus_message *m, const char *key, bool set) {
        if (set)
                return sd_bus_message_append(m, "a{sv}", 1, key, "b", 1);
        return sd_bus_message_append(m, "a{sv}", 0);
}

/* ---- reboot, shutdown ---- */

static int reboot_or_shutdown(sd_bus *bus, const char *name, bool shutdown) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        uint64_t timeout_usec;
        const char *member = shutdown ? "Shutdown" : "Reboot";
        int r, b;

        r = ctl_new_container_call(bus, &arg_bus, name, member, &m);
        if (r != 0)
                return r;
        r = sd_bus_message_append(m, "i", arg_timeout);
        if (r >= 0)
                r = append_flag_option(m, "force", arg_force);
        if (r < 0)
                return ctl_fail(r, "Failed to build the %s call", member);

        if (arg_timeout < 0)
                timeout_usec = UINT64_MAX; /* as long as it takes */
        else
                timeout_usec = (uint64_t) arg_timeout * USEC_PER_SEC + WAIT_SLACK_USEC;

        r = ctl_call(bus, m, timeout_usec, shutdown ? "shut down the container" : "reboot the container",
                     &reply);
        if (r != 0)
                return r;
        r = sd_bus_message_read(reply, "b", &b);
        if (r < 0)
                return ctl_fail(r, "Failed to parse the %s reply", member);

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

static int verb_freeze(sd_bus *bus, char **args) {
        return ctl_call_container_method(bus, &arg_bus, args[0], "Freeze", 0, "freeze the container");
}

static int verb_unfreeze(sd_bus *bus, char **args) {
        return ctl_call_container_method(bus, &arg_bus, args[0], "Unfreeze", 0, "unfreeze the container");
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
                if (arg_bus.host) {
                        /* A path on the remote host: berthd checks it there. */
                        if (args[1][0] != '/')
                                return ctl_usage("With --host, SOURCE must be an absolute path on that host.");
                        source = strdup(args[1]);
                } else {
                        struct stat st;

                        /* berthd needs an absolute path; a relative one means ours. */
                        source = realpath(args[1], NULL);
                        if (!source || stat(source, &st) < 0)
                                return ctl_fail(errno, "Cannot bind %s", args[1]);
                        if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode))
                                return ctl_fail(0,
                                                "Cannot bind %s: not a file or directory (use --type for a "
                                                "filesystem)",
                                                args[1]);
                }
                if (!source)
                        return ctl_fail(ENOMEM, "Failed to mount");
        } else {
                /* Like mount(8)'s "tmpfs" in `mount -t tmpfs tmpfs /mnt`: SOURCE only names the mount. */
                fstype = arg_type;
                source = strdup("");
                if (!source)
                        return ctl_fail(ENOMEM, "Failed to mount");
        }
        if (arg_read_only)
                flags |= MS_RDONLY;

        r = ctl_new_container_call(bus, &arg_bus, args[0], "Mount", &m);
        if (r != 0)
                return r;
        r = sd_bus_message_append(m, "ssst", source, args[2], fstype, flags);
        if (r >= 0)
                r = sd_bus_message_append(m, "s", strempty(arg_options));
        if (r >= 0)
                r = append_flag_option(m, "idmap", arg_idmap);
        if (r < 0)
                return ctl_fail(r, "Failed to build the Mount call");
        return ctl_call(bus, m, 0, "mount", NULL);
}

static int verb_umount(sd_bus *bus, char **args) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        r = ctl_new_container_call(bus, &arg_bus, args[0], "Umount", &m);
        if (r != 0)
                return r;
        r = sd_bus_message_append(m, "sta{sv}", args[1], UINT64_C(0), 0);
        if (r < 0)
                return ctl_fail(r, "Failed to build the Umount call");
        return ctl_call(bus, m, 0, "unmount", NULL);
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
                ARG_TIMEOUT = CTL_ARG_LOCAL,
                ARG_FORCE,
                ARG_TYPE,
                ARG_OPTIONS,
                ARG_READ_ONLY,
                ARG_RECURSIVE,
                ARG_IDMAP,
        };
        static const struct option options[] = {
                CTL_COMMON_OPTIONS,
                { "timeout", required_argument, NULL, ARG_TIMEOUT },
                { "force", no_argument, NULL, ARG_FORCE },
                { "type", required_argument, NULL, ARG_TYPE },
                { "options", required_argument, NULL, ARG_OPTIONS },
                { "read-only", no_argument, NULL, ARG_READ_ONLY },
                { "recursive", no_argument, NULL, ARG_RECURSIVE },
                { "idmap", no_argument, NULL, ARG_IDMAP },
                {}
        };
        int c;

        while ((c = getopt_long(argc, argv, CTL_SHORT_OPTIONS, options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        printf("berthctl [OPTIONS...] COMMAND ...\n\nContainer lifecycle and "
                               "mounts:\n" BERTHCTL_LIFECYCLE_HELP
                               "\nSee 'berthctl --help' for the global options.\n");
                        return 1;
                case 'q':
                case 'H':
                case CTL_ARG_NO_ASK_PASSWORD:
                case CTL_ARG_ADDRESS:
                        ctl_parse_common_option(c, optarg, &arg_bus, &arg_quiet);
                        break;
                case ARG_TIMEOUT:
                        if (parse_timeout(optarg, &arg_timeout) < 0)
                                return -ctl_usage("--timeout needs seconds, 0 (do not wait) or -1 (no limit), "
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

        return -ctl_check_bus_args(&arg_bus);
}

int berthctl_lifecycle_main(int argc, char *argv[]) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        const LifecycleVerb *verb;
        const char *name;
        int r;

        name = ctl_peek_verb(argc, argv);
        if (!name || !find_verb(name))
                return -1;

        r = parse_argv(argc, argv);
        if (r != 0)
                return r < 0 ? -r : EXIT_SUCCESS;

        /* getopt_long() moved the non-options to the end, verb first. */
        verb = optind < argc ? find_verb(argv[optind]) : NULL;
        if (!verb)
                return ctl_usage("unknown command, see 'berthctl --help'.");
        r = ctl_check_verb_usage(verb->name, verb->n_args, (unsigned) (argc - optind - 1), verb->opts,
                                 arg_verb_opts);
        if (r != 0)
                return r;
        if (verb->run == verb_mount && type_is_bind(arg_type) && arg_options)
                return ctl_usage("--options passes filesystem options: it needs --type.");
        if (verb->run == verb_mount && !type_is_bind(arg_type) && (arg_recursive || arg_idmap))
                return ctl_usage("--recursive and --idmap apply to bind mounts only (no --type).");

        r = ctl_connect_bus(&arg_bus, &bus);
        if (r != 0)
                return r;

        r = verb->run(bus, argv + optind + 1);
        polkit_agent_close();
        return r;
}
