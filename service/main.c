/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berthd: the D-Bus face of berth. Owns org.berth1 on the system bus and serves the containers defined under
 * its root as objects, polkit-gated. It keeps no state of its own: at startup it reads the definitions and
 * reconnects to every live monitor, so it can be killed and restarted at any time without affecting a
 * running container. */

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <systemd/sd-daemon.h>

#include "berth-build.h"
#include "errors.h"
#include "log/log.h"
#include "manager-dbus.h"
#include "manager.h"

static const char *arg_root = NULL;

static void help(void) {
        printf("berthd [OPTIONS...]\n\n"
               "The berth container manager service (org.berth1 on the D-Bus system bus).\n\n"
               "  -h --help            Show this help\n"
               "     --version         Show the version\n"
               "     --root=DIR        Keep definitions, runtime state and logs under DIR\n"
               "                       (default: $BERTH_ROOT, else the installed paths)\n"
               "     --log-level=LEVEL Log level: debug, info, notice, warning, err, ... or LXC's\n"
               "                       TRACE..FATAL (default: info)\n\n"
               "The system bus is $DBUS_SYSTEM_BUS_ADDRESS if set.\n");
}

static int parse_argv(int argc, char *argv[]) {
        enum {
                ARG_VERSION = 0x100,
                ARG_ROOT,
                ARG_LOG_LEVEL,
        };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                { "root", required_argument, NULL, ARG_ROOT },
                { "log-level", required_argument, NULL, ARG_LOG_LEVEL },
                {},
        };
        int c, l;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        printf("berthd %s\n", BERTH_VERSION);
                        return 0;
                case ARG_ROOT:
                        arg_root = optarg;
                        break;
                case ARG_LOG_LEVEL:
                        l = log_level_from_string(optarg);
                        if (l < 0)
                                return log_error_errno(l, "Unknown log level '%s'.", optarg);
                        log_set_max_level(l);
                        break;
                case '?':
                        return -EINVAL;
                default:
                        return -EINVAL;
                }

        if (optind < argc)
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "berthd takes no arguments.");

        return 1;
}

static int run(int argc, char *argv[]) {
        _cleanup_(manager_freep) Manager *m = NULL;
        sigset_t mask;
        int r;

        log_set_target(LOG_TARGET_STDERR);
        log_set_prefix("berthd");
        log_set_max_level(LOG_INFO);

        r = parse_argv(argc, argv);
        if (r <= 0)
                return r;

        /* Before any sd-bus use, so our error names and errno round-trip both ways. */
        r = berth_errors_register();
        if (r < 0)
                return log_error_errno(r, "Failed to register the error map: %m");

        /* Handled through the event loop: both end the loop cleanly, leaving the containers running. */
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
                return log_error_errno(errno, "Failed to block signals: %m");
        /* A client or monitor closing its socket must not kill us (sd-bus uses MSG_NOSIGNAL; be sure). */
        signal(SIGPIPE, SIG_IGN);

        r = manager_new(arg_root, &m);
        if (r < 0)
                return log_error_errno(r, "Failed to set up (root %s): %m", arg_root ?: "(default)");

        r = sd_event_add_signal(m->event, NULL, SIGTERM, NULL, NULL);
        if (r < 0)
                return log_error_errno(r, "Failed to watch SIGTERM: %m");
        r = sd_event_add_signal(m->event, NULL, SIGINT, NULL, NULL);
        if (r < 0)
                return log_error_errno(r, "Failed to watch SIGINT: %m");
        (void) sd_event_set_watchdog(m->event, true);

        r = manager_connect_bus(m);
        if (r < 0)
                return r;

        r = manager_startup(m);
        if (r < 0)
                return r;

        /* Last: once we own the name, callers reach a fully loaded model. */
        r = manager_request_name(m);
        if (r < 0)
                return r;

        (void) sd_notify(false, "READY=1\nSTATUS=Processing requests...");
        log_info("berthd %s running (root: %s).", BERTH_VERSION, berth_get_root(m->berth) ?: "installed paths");

        r = sd_event_loop(m->event);
        if (r < 0)
                return log_error_errno(r, "Event loop failed: %m");

        (void) sd_notify(false, "STOPPING=1\nSTATUS=Shutting down...");
        log_info("Exiting; containers keep running.");
        return 0;
}

int main(int argc, char *argv[]) {
        int r = run(argc, argv);
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
