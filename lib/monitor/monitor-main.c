/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth-monitor --name NAME [--root DIR] --ready-fd N: argument parsing, logging and the readiness line
 * (README.md). The work is in monitor.c. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log/log.h"
#include "monitor/monitor.h"
#include "util/fd-util.h"
#include "util/fileio.h"
#include "util/macro.h"

static int parse_fd(const char *s) {
        char *end;
        errno = 0;
        long v = strtol(s, &end, 10);
        if (errno != 0 || end == s || *end || v < 0 || v > 65535)
                return -EINVAL;
        return (int) v;
}

/* One line, then close: the starter reads until EOF. Newlines in the message are kept (config errors
 * list one problem per line); the starter takes everything after "ERR <errno> ". */
static void send_ready(int *fd, int error, const char *message, pid_t pid) {
        _cleanup_free_ char *line = NULL;
        int n;

        if (*fd < 0)
                return;
        if (error == 0)
                n = asprintf(&line, "OK %d\n", (int) pid);
        else
                n = asprintf(&line, "ERR %d %s\n", abs(error), message ?: strerror(abs(error)));
        if (n >= 0)
                (void) loop_write(*fd, line, (size_t) n);
        *fd = safe_close(*fd);
}

static int setup_logging(Monitor *m) {
        _cleanup_free_ char *dir = NULL, *path = NULL;
        int r;

        if (asprintf(&dir, "%s/%s", berth_get_log_dir(m->berth), m->name) < 0 ||
            asprintf(&path, "%s/monitor.log", dir) < 0)
                return -ENOMEM;
        r = mkdir_p(dir, 0750);
        if (r < 0)
                return r;
        r = log_open_file(path);
        if (r < 0)
                return r;
        log_set_prefix("berth-monitor");
        log_set_container(m->name);
        return 0;
}

/* lxc.log.file: the log module has one file target, and a starter whose monitor dies without reporting
 * reads monitor.log's tail. So monitor.log keeps the start-up (up to the ready line) and lxc.log.file gets
 * everything from RUNNING on; each names the other. Taken from the configuration the container started
 * with (a reboot's re-read configuration does not move the log). */
static void switch_log_file(Monitor *m) {
        const char *file = m->config ? m->config->log_file : NULL;
        int r;

        if (isempty(file))
                return;
        log_info("Container %s is RUNNING; its log continues in %s (lxc.log.file)", m->name, file);
        r = log_open_file(file);
        if (r < 0) {
                log_warning_errno(r, "Failed to open lxc.log.file %s, staying with monitor.log: %m", file);
                return;
        }
        log_info("Container %s is RUNNING, init pid %d (start-up log: %s/%s/monitor.log)", m->name,
                 (int) m->init_pid, berth_get_log_dir(m->berth), m->name);
}

static void help(void) {
        printf("berth-monitor --name NAME [--root DIR] --ready-fd N\n\n"
               "The per-container monitor of berth; started by libberth, not by hand.\n");
}

int main(int argc, char *argv[]) {
        static const struct option options[] = {
                { "name", required_argument, NULL, 'n' },
                { "root", required_argument, NULL, 'r' },
                { "ready-fd", required_argument, NULL, 'f' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        _cleanup_(monitor_freep) Monitor *m = NULL;
        _cleanup_free_ char *error = NULL;
        const char *name = NULL, *root = NULL;
        int ready_fd = -EBADF, c, r;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'n':
                        name = optarg;
                        break;
                case 'r':
                        root = optarg;
                        break;
                case 'f':
                        ready_fd = parse_fd(optarg);
                        if (ready_fd < 0) {
                                fprintf(stderr, "berth-monitor: invalid --ready-fd '%s'\n", optarg);
                                return EXIT_FAILURE;
                        }
                        break;
                case 'h':
                        help();
                        return EXIT_SUCCESS;
                default:
                        return EXIT_FAILURE;
                }
        if (!name || optind < argc) {
                fprintf(stderr, "berth-monitor: --name is required (see --help)\n");
                return EXIT_FAILURE;
        }
        /* Container processes must never inherit the ready pipe: the starter waits for its EOF. */
        if (ready_fd >= 0 && fd_cloexec(ready_fd, true) < 0)
                ready_fd = -EBADF;

        (void) prctl(PR_SET_NAME, "berth-monitor");
        /* The monitor idles for the container's whole life, so it must stay small (well under 512 KiB
         * private): console reads of up to the ring size are mmap'd and given back on free instead of
         * growing the heap for good. */
        (void) mallopt(M_MMAP_THRESHOLD, 16 * 1024);
        (void) mallopt(M_TRIM_THRESHOLD, 32 * 1024);
        (void) signal(SIGPIPE, SIG_IGN);
        (void) signal(SIGHUP, SIG_IGN);
        umask(0022);
        if (chdir("/") < 0)
                return EXIT_FAILURE;

        r = monitor_new(name, root, &m);
        if (r < 0) {
                send_ready(&ready_fd, r, r == -EINVAL ? "invalid container name" : NULL, 0);
                return EXIT_FAILURE;
        }
        r = setup_logging(m);
        if (r < 0) {
                if (asprintf(&error, "cannot open the monitor log under %s: %s", berth_get_log_dir(m->berth),
                             strerror(-r)) < 0)
                        error = NULL;
                send_ready(&ready_fd, r, error, 0);
                return EXIT_FAILURE;
        }

        r = monitor_start(m, &error);
        if (r < 0) {
                log_error("Start of %s failed: %s", name, strna(error));
                send_ready(&ready_fd, r, error, 0);
                return EXIT_FAILURE;
        }
        send_ready(&ready_fd, 0, NULL, m->init_pid);
        switch_log_file(m);

        r = monitor_run(m);
        log_close();
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
