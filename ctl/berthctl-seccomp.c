/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berthctl seccomp watch NAME: SubscribeSeccomp on the container, then one line per SeccompNotification
 *     <id> pid <pid> <syscall>(<args in hex>) nr <nr> arch 0x<arch>
 * followed by the answer given (if any) and the outcome of SeccompRespond. The signals are unicast by
 * berthd, so only this connection receives them. Kept apart from berthctl.c (see berthctl-seccomp.h). */

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <unistd.h>

#include "berthctl-seccomp.h"
#include "ctl-util.h"
#include "polkit-agent.h"
#include "util/macro.h"

#ifndef SECCOMP_USER_NOTIF_FLAG_CONTINUE
#define SECCOMP_USER_NOTIF_FLAG_CONTINUE (1U << 0)
#endif

typedef enum RespondMode {
        RESPOND_NONE,
        RESPOND_ERRNO,
        RESPOND_VALUE,
        RESPOND_CONTINUE,
        RESPOND_ASK,
} RespondMode;

static CtlBusArgs arg_bus = CTL_BUS_ARGS_DEFAULT;
static bool arg_quiet = false;
static RespondMode arg_respond = RESPOND_NONE;
static int64_t arg_respond_value = 0;
static unsigned arg_count = 0; /* 0 = until interrupted or the container stops */

static unsigned n_seen;
static int exit_status = -1; /* set when the loop must end */

static int parse_int64(const char *s, int64_t min, int64_t max, int64_t *ret) {
        char *end;
        long long v;

        errno = 0;
        v = strtoll(s, &end, 0);
        if (errno != 0 || end == s || *end != 0 || v < min || v > max)
                return -EINVAL;
        *ret = v;
        return 0;
}

/* errno:N | val:N | continue | ask */
static int parse_respond(const char *s) {
        if (streq(s, "continue"))
                arg_respond = RESPOND_CONTINUE;
        else if (streq(s, "ask"))
                arg_respond = RESPOND_ASK;
        else if (startswith(s, "errno:")) {
                if (parse_int64(s + 6, 1, 4095, &arg_respond_value) < 0)
                        return -EINVAL;
                arg_respond = RESPOND_ERRNO;
        } else if (startswith(s, "val:")) {
                if (parse_int64(s + 4, INT64_MIN, INT64_MAX, &arg_respond_value) < 0)
                        return -EINVAL;
                arg_respond = RESPOND_VALUE;
        } else
                return -EINVAL;
        return 0;
}

/* Reads one answer from the terminal: c (continue), e N (errno), v N (value), empty (no answer). Returns 1
 * with an answer, 0 for none. */
static int ask(uint64_t id, int32_t *err, int64_t *val, uint32_t *flags) {
        char line[128];

        for (;;) {
                int64_t v;

                fprintf(stderr, "Answer %" PRIu64 " [c = continue, e N = errno N, v N = return N, empty = "
                        "default]: ", id);
                fflush(stderr);
                if (!fgets(line, sizeof line, stdin))
                        return 0;
                line[strcspn(line, "\n")] = 0;
                if (isempty(line))
                        return 0;
                if (streq(line, "c")) {
                        *flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
                        return 1;
                }
                if (startswith(line, "e ") && parse_int64(line + 2, 1, 4095, &v) >= 0) {
                        *err = (int32_t) v;
                        return 1;
                }
                if (startswith(line, "v ") && parse_int64(line + 2, INT64_MIN, INT64_MAX, &v) >= 0) {
                        *val = v;
                        return 1;
                }
                fprintf(stderr, "Not understood.\n");
        }
}

static int on_notification(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus *bus = userdata;
        uint64_t id;
        uint32_t pid, arch, flags = 0;
        const char *name;
        int32_t nr, err = 0;
        int64_t val = 0;
        const void *args;
        size_t size;
        bool answer = true;
        int r;

        r = sd_bus_message_read(m, "tusiu", &id, &pid, &name, &nr, &arch);
        if (r >= 0)
                r = sd_bus_message_read_array(m, 't', &args, &size);
        if (r < 0 || size != 6 * sizeof(uint64_t)) {
                fprintf(stderr, "berthctl: malformed SeccompNotification, ignoring\n");
                return 0;
        }
        const uint64_t *a = args;
        printf("%" PRIu64 " pid %" PRIu32 " %s(0x%" PRIx64 ", 0x%" PRIx64 ", 0x%" PRIx64 ", 0x%" PRIx64
               ", 0x%" PRIx64 ", 0x%" PRIx64 ") nr %" PRIi32 " arch 0x%" PRIx32 "\n",
               id, pid, name, a[0], a[1], a[2], a[3], a[4], a[5], nr, arch);
        fflush(stdout);
        n_seen++;

        switch (arg_respond) {
        case RESPOND_NONE:
                answer = false;
                break;
        case RESPOND_ERRNO:
                err = (int32_t) arg_respond_value;
                break;
        case RESPOND_VALUE:
                val = arg_respond_value;
                break;
        case RESPOND_CONTINUE:
                flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
                break;
        case RESPOND_ASK:
                answer = ask(id, &err, &val, &flags) > 0;
                break;
        }

        if (answer) {
                /* The match is on the container's object: the signal's path is the one to answer. */
                r = sd_bus_call_method(bus, BERTH_BUS_NAME, sd_bus_message_get_path(m), BERTH_CONTAINER_IFACE,
                                       "SeccompRespond", &error, NULL, "tixua{sv}", id, err, val, flags, 0);
                if (r < 0)
                        printf("  answer failed: %s\n", error.message ?: strerror(-r));
                else if (flags)
                        printf("  → continue\n");
                else if (err)
                        printf("  → errno %" PRIi32 " (%s)\n", err, strerror(err));
                else
                        printf("  → return %" PRIi64 "\n", val);
                fflush(stdout);
        }
        if (arg_count > 0 && n_seen >= arg_count)
                exit_status = EXIT_SUCCESS;
        return 0;
}

static int on_properties_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        const char *iface;
        int r;

        /* The subscription ends when the container stops: so does watching. */
        r = sd_bus_message_read(m, "s", &iface);
        if (r < 0 || !streq(iface, BERTH_CONTAINER_IFACE))
                return 0;
        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        if (r < 0)
                return 0;
        while (sd_bus_message_enter_container(m, 'e', "sv") > 0) {
                const char *key, *state;

                if (sd_bus_message_read(m, "s", &key) < 0)
                        return 0;
                if (streq(key, "State") && sd_bus_message_read(m, "v", "s", &state) >= 0) {
                        if (streq(state, "STOPPED")) {
                                if (!arg_quiet)
                                        fprintf(stderr, "The container stopped.\n");
                                exit_status = EXIT_SUCCESS;
                        }
                } else if (sd_bus_message_skip(m, "v") < 0)
                        return 0;
                if (sd_bus_message_exit_container(m) < 0)
                        return 0;
        }
        return 0;
}

static int watch(sd_bus *bus, const char *name) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_free_ char *container_path = NULL;
        int r;

        r = ctl_get_container_path(bus, name, &container_path);
        if (r != 0)
                return r;

        /* Matches first, so nothing sent right after the subscription is missed. */
        r = sd_bus_match_signal(bus, NULL, BERTH_BUS_NAME, container_path, BERTH_CONTAINER_IFACE,
                                "SeccompNotification", on_notification, bus);
        if (r >= 0)
                r = sd_bus_match_signal(bus, NULL, BERTH_BUS_NAME, container_path, "org.freedesktop.DBus.Properties",
                                        "PropertiesChanged", on_properties_changed, NULL);
        if (r < 0)
                return ctl_fail(r, "Failed to add a match");

        ctl_agent_open(&arg_bus);
        r = sd_bus_call_method(bus, BERTH_BUS_NAME, container_path, BERTH_CONTAINER_IFACE, "SubscribeSeccomp",
                               &error, NULL, "a{sv}", 0);
        polkit_agent_close();
        if (r < 0)
                return ctl_fail_call(&error, r, "subscribe to the seccomp notifications");
        if (!arg_quiet)
                fprintf(stderr, "Watching the seccomp notifications of %s.\n", name);

        while (exit_status < 0) {
                r = sd_bus_process(bus, NULL);
                if (r < 0)
                        return ctl_fail(r, "Failed to process the bus");
                if (r > 0)
                        continue;
                r = sd_bus_wait(bus, UINT64_MAX);
                if (r < 0 && r != -EINTR)
                        return ctl_fail(r, "Failed to wait on the bus");
        }
        return exit_status;
}

static int parse_argv(int argc, char *argv[]) {
        enum {
                ARG_RESPOND = CTL_ARG_LOCAL,
                ARG_COUNT,
        };
        static const struct option options[] = {
                CTL_COMMON_OPTIONS,
                { "respond", required_argument, NULL, ARG_RESPOND },
                { "count", required_argument, NULL, ARG_COUNT },
                {}
        };
        int64_t v;
        int c;

        while ((c = getopt_long(argc, argv, CTL_SHORT_OPTIONS, options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        printf("berthctl [OPTIONS...] COMMAND ...\n\nSeccomp notifications:\n" BERTHCTL_SECCOMP_HELP
                               "\nSee 'berthctl --help' for the global options.\n");
                        return 1;
                case 'q':
                case 'H':
                case CTL_ARG_NO_ASK_PASSWORD:
                case CTL_ARG_ADDRESS:
                        ctl_parse_common_option(c, optarg, &arg_bus, &arg_quiet);
                        break;
                case ARG_RESPOND:
                        if (parse_respond(optarg) < 0)
                                return -ctl_usage("--respond takes errno:N (1..4095), val:N, continue or ask, "
                                                  "got '%s'.",
                                                  optarg);
                        break;
                case ARG_COUNT:
                        if (parse_int64(optarg, 1, UINT_MAX, &v) < 0)
                                return -ctl_usage("--count takes a positive number, got '%s'.", optarg);
                        arg_count = (unsigned) v;
                        break;
                case '?':
                        return -EXIT_USAGE;
                default:
                        abort();
                }
        return -ctl_check_bus_args(&arg_bus);
}

int berthctl_seccomp_main(int argc, char *argv[]) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        const char *verb;
        int r;

        verb = ctl_peek_verb(argc, argv);
        if (!verb || !streq(verb, "seccomp"))
                return -1;

        r = parse_argv(argc, argv);
        if (r != 0)
                return r < 0 ? -r : EXIT_SUCCESS;

        /* getopt_long() moved the non-options to the end: seccomp watch NAME. */
        if (argc - optind != 3 || !streq(argv[optind + 1], "watch"))
                return ctl_usage("usage: berthctl seccomp watch NAME [--respond errno:N|val:N|continue|ask] "
                                 "[--count N]");
        if (arg_respond == RESPOND_ASK && !isatty(STDIN_FILENO))
                return ctl_usage("--respond ask needs a terminal on standard input.");

        r = ctl_connect_bus(&arg_bus, &bus);
        if (r != 0)
                return r;
        return watch(bus, argv[optind + 2]);
}
