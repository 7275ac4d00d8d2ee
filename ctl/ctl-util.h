/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What berthctl.c, berthctl-lifecycle.c and berthctl-seccomp.c share: the bus names, the exit codes, error
 * printing, the connection (with --host/--address/--no-ask-password) and the container lookup. Each of
 * them parses berthctl's command line on its own (see berthctl_lifecycle_main()), so each keeps its own
 * CtlBusArgs. */

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-bus.h>

#include "util/macro.h"

#define BERTH_BUS_NAME "org.berth1"
#define BERTH_MANAGER_PATH "/org/berth1"
#define BERTH_MANAGER_IFACE "org.berth1.Manager"
#define BERTH_CONTAINER_IFACE "org.berth1.Container"

/* Exit codes, documented in --help. 4 and 5 are systemctl's EXIT_NOPERMISSION and
 * EXIT_PROGRAM_NOT_INSTALLED ("unit not found"), so scripts can treat both tools alike. */
enum {
        EXIT_USAGE = 2,
        EXIT_NOPERMISSION = 4,
        EXIT_NOSUCHCONTAINER = 5,
};

/* The global options that pick the bus and whether polkit may ask. */
typedef struct CtlBusArgs {
        bool ask_password;
        const char *host;
        const char *address;
} CtlBusArgs;

#define CTL_BUS_ARGS_DEFAULT { .ask_password = true }

/* The options every one of berthctl's parsers accepts (-h is each parser's own), for getopt_long(): the
 * short ones, the long ones, and the values of the long-only ones; each parser numbers its own long-only
 * options from CTL_ARG_LOCAL on. */
#define CTL_SHORT_OPTIONS "hqH:"
enum {
        CTL_ARG_NO_ASK_PASSWORD = 0x100,
        CTL_ARG_ADDRESS,
        CTL_ARG_LOCAL,
};
#define CTL_COMMON_OPTIONS                                                                                  \
        { "help", no_argument, NULL, 'h' },                                                                 \
        { "quiet", no_argument, NULL, 'q' },                                                                \
        { "no-ask-password", no_argument, NULL, CTL_ARG_NO_ASK_PASSWORD },                                  \
        { "host", required_argument, NULL, 'H' },                                                           \
        { "address", required_argument, NULL, CTL_ARG_ADDRESS }

/* Applies one of -q, --no-ask-password, -H, --address (getopt_long()'s c and optarg). */
void ctl_parse_common_option(int c, const char *arg, CtlBusArgs *bus_args, bool *quiet);

/* "berthctl: <message>[: <strerror(error)>]" on stderr; returns EXIT_FAILURE. error 0 adds nothing. */
int ctl_fail(int error, const char *fmt, ...) _printf_(2, 3);

/* "berthctl: <message>" on stderr; returns EXIT_USAGE. */
int ctl_usage(const char *fmt, ...) _printf_(1, 2);

/* Prints a failed call (a D-Bus error as berthd or the bus worded it) and picks the exit code. */
int ctl_fail_call(const sd_bus_error *error, int r, const char *what);

/* 0, or having printed why, EXIT_USAGE: --host and --address cannot be combined. Every parser checks it. */
int ctl_check_bus_args(const CtlBusArgs *args);

/* Registers berth's D-Bus errors (so berthd's are told apart), then connects to the system bus, a remote
 * one (--host) or an address (--address). Returns 0 or, having printed why, an exit code. */
int ctl_connect_bus(const CtlBusArgs *args, sd_bus **ret);

/* Starts the polkit tty agent, unless told not to ask or the bus is not the local one. */
void ctl_agent_open(const CtlBusArgs *args);

/* Resolves a container name to its object path through GetContainer, so an unknown name gets berthd's
 * NoSuchContainer error rather than a generic UnknownObject. Returns 0 or, having printed why, an exit
 * code. */
int ctl_get_container_path(sd_bus *bus, const char *name, char **ret_path);

/* ctl_get_container_path(), then the polkit agent, then a new call of member on the container object.
 * Returns 0 or, having printed why, an exit code. */
int ctl_new_container_call(sd_bus *bus, const CtlBusArgs *args, const char *name, const char *member,
                           sd_bus_message **ret);

/* A container method whose only argument is an empty a{sv} (Start, Stop, Freeze, ...), called through
 * ctl_new_container_call() and ctl_call(). Returns 0 or, having printed why, an exit code. */
int ctl_call_container_method(sd_bus *bus, const CtlBusArgs *args, const char *name, const char *member,
                              uint64_t timeout_usec, const char *what);

/* sd_bus_call(); returns 0 or, having printed why, an exit code. */
int ctl_call(sd_bus *bus, sd_bus_message *m, uint64_t timeout_usec, const char *what, sd_bus_message **reply);

/* What every verb table checks: that the verb got n_expected arguments (it got n_args) and no option
 * outside opts_accepted (a bit mask; opts_given is what the command line set). 0, or having printed why,
 * EXIT_USAGE. */
int ctl_check_verb_usage(const char *verb, unsigned n_expected, unsigned n_args, unsigned opts_accepted,
                         unsigned opts_given);

/* The first non-option argument, skipping the values of berthctl's options that take one (those of every
 * parser, so each dispatcher finds the same verb), without getopt, which would permute argv under another
 * parser. */
const char *ctl_peek_verb(int argc, char *argv[]);
