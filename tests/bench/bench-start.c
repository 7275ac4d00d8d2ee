/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Start-to-RUNNING and stop of a busybox container, side by side:
 *   - berth through the C API (berth_container_start/stop, lib/berth.h),
 *   - LXC: `lxc-start -d` + `lxc-wait -s RUNNING`, then `lxc-stop -k` (Debian's lxc),
 *   - berth through the bus: `berthctl start/stop` against berthd (a running one when
 *     $DBUS_SYSTEM_BUS_ADDRESS names a bus where org.berth1 is owned, else a private dbus-daemon and
 *     berthd started here),
 * on the same rootfs directory and equivalent configurations, interleaved run by run so that drift of
 * the machine hits all three alike. Medians, ratios and the idle berth-monitor's private memory are
 * printed with the targets; a missed target is reported, never a failure (exit 0). Exit 77 (skip) when
 * not root; exit 1 only when berth itself cannot start the container.
 *
 * Everything happens in a new mount + network namespace and a temp directory, all removed at the end.
 *
 * usage: bench-start [--runs N (default 50)] [--berthctl PATH] [--berthd PATH]
 *        ($BERTH_BENCH_RUNS, $BERTH_MONITOR) */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <systemd/sd-bus.h>
#include <unistd.h>

#include "bench-util.h"
#include "berth.h"
#include "util/fd-util.h"
#include "util/fileio.h"
#include "util/macro.h"

#define TARGET_CAPI_RATIO 0.5
#define TARGET_CTL_RATIO 1.0
#define TARGET_MONITOR_KIB 512

typedef struct Series {
        const char *label;
        double *start_ms, *stop_ms;
        size_t n;
} Series;

static int arg_runs = 50;
static const char *arg_berthctl = NULL;
static const char *arg_berthd = NULL;

static char tmpdir[] = "/tmp/berth-bench.XXXXXX";
static char *rootfs, *lxcpath, *cmdlog;
static char name_capi[64], name_lxc[64], name_ctl[64];
static pid_t dbus_pid = 0, berthd_pid = 0;
static bool ctl_created = false;
static BenchLxcLeftovers lxc_leftovers;

/* Program output into cmdlog (overwritten each time, shown when something fails). */
static int run(char *const argv[]) {
        return bench_run(argv, cmdlog);
}

static void show_cmdlog(const char *prefix) {
        bench_show_file(cmdlog, prefix);
}

static int series_init(Series *s, const char *label) {
        *s = (Series) { .label = label };
        s->start_ms = calloc(arg_runs, sizeof(double));
        s->stop_ms = calloc(arg_runs, sizeof(double));
        return s->start_ms && s->stop_ms ? 0 : -ENOMEM;
}

static void series_free(Series *s) {
        free(s->start_ms);
        free(s->stop_ms);
}

static void series_print(const Series *s) {
        if (s->n == 0)
                return;
        printf("%-36s %7.1f %7.1f %7.1f   %7.1f %7.1f %7.1f\n", s->label,
               bench_quantile(s->start_ms, s->n, 0.5), bench_quantile(s->start_ms, s->n, 0),
               bench_quantile(s->start_ms, s->n, 0.9), bench_quantile(s->stop_ms, s->n, 0.5),
               bench_quantile(s->stop_ms, s->n, 0), bench_quantile(s->stop_ms, s->n, 0.9));
}

/* Private_Clean + Private_Dirty of a process, in KiB. */
static long private_kib(pid_t pid) {
        char path[64];
        _cleanup_free_ char *text = NULL;
        long sum = 0;

        snprintf(path, sizeof path, "/proc/%d/smaps_rollup", (int) pid);
        if (read_full_file(path, &text, NULL) < 0)
                return -1;
        for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
                long v;
                if (sscanf(line, "Private_Clean: %ld kB", &v) == 1 || sscanf(line, "Private_Dirty: %ld kB", &v) == 1)
                        sum += v;
        }
        return sum;
}

static pid_t parent_of(pid_t pid) {
        char path[64];
        _cleanup_free_ char *text = NULL;
        int ppid;

        snprintf(path, sizeof path, "/proc/%d/stat", (int) pid);
        if (read_full_file(path, &text, NULL) < 0)
                return -1;
        char *p = strrchr(text, ')'); /* comm may contain spaces */
        if (!p || sscanf(p + 1, " %*c %d", &ppid) != 1)
                return -1;
        return ppid;
}

/* A directory rootfs, no network, proc and sys, an autodev /dev and a console ring buffer. */
static char *container_config(const char *name) {
        return bench_container_config(name, rootfs, NULL, "lxc.console.buffer.size = auto\n");
}

/* ---- LXC ---- */

static int lxc_start(void) {
        char *start[] = { "lxc-start", "-n", name_lxc, "-P", lxcpath, "-d", NULL };
        char *wait[] = { "lxc-wait", "-n", name_lxc, "-P", lxcpath, "-s", "RUNNING", "-t", BENCH_LXC_WAIT_TIMEOUT,
                         NULL };
        int r = run(start);
        return r != 0 ? r : run(wait);
}

static int lxc_stop(void) {
        return bench_lxc_stop(name_lxc, lxcpath, cmdlog);
}

/* Define the LXC container and try it once; on failure print the exact reason from LXC's own log. */
static bool lxc_setup(void) {
        _cleanup_free_ char *dir = NULL, *config_path = NULL, *config = NULL, *log = NULL;

        /* What LXC leaves behind is removed at the end, unless it was there before. */
        bench_lxc_leftovers_record(&lxc_leftovers);
        if (access("/usr/bin/lxc-start", X_OK) < 0) {
                printf("# SKIP lxc: /usr/bin/lxc-start not found (Debian package lxc)\n");
                return false;
        }

        if (asprintf(&dir, "%s/%s", lxcpath, name_lxc) < 0 || asprintf(&config_path, "%s/config", dir) < 0 ||
            asprintf(&log, "%s/lxc-trial.log", tmpdir) < 0 || !(config = container_config(name_lxc)))
                return false;
        if (mkdir_p(dir, 0755) < 0 || write_file_atomic(config_path, config, strlen(config), 0644) < 0) {
                printf("# SKIP lxc: cannot write %s\n", config_path);
                return false;
        }

        if (!bench_lxc_trial_start(name_lxc, lxcpath, log, cmdlog))
                return false;
        if (lxc_stop() != 0) {
                printf("# SKIP lxc: lxc-stop failed:\n");
                show_cmdlog("#   ");
                return false;
        }
        return true;
}

/* ---- berthctl through berthd ---- */

static int bus_has_berthd(void) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r, has = 0;

        if (sd_bus_open_system(&bus) < 0)
                return 0;
        r = sd_bus_call_method(bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                               "NameHasOwner", NULL, &reply, "s", "org.berth1");
        if (r < 0 || sd_bus_message_read(reply, "b", &has) < 0)
                return 0;
        return has;
}

/* A private bus and berthd in our namespaces, when no berthd is reachable already. */
static bool start_private_berthd(void) {
        _cleanup_free_ char *log = NULL, *root = NULL;

        if (!arg_berthd || access(arg_berthd, X_OK) < 0 || access("/usr/bin/dbus-daemon", X_OK) < 0)
                return false;
        if (asprintf(&log, "%s/berthd.log", tmpdir) < 0 || asprintf(&root, "%s/berthd", tmpdir) < 0)
                return false;
        if (bench_start_dbus_daemon(log, &dbus_pid) < 0)
                return false;

        char *berthd_argv[] = { (char *) arg_berthd, "--root", root, NULL };
        berthd_pid = bench_spawn(berthd_argv, -1, log);
        if (berthd_pid < 0)
                return false;
        for (int i = 0; i < 500; i++) {
                if (bus_has_berthd())
                        return true;
                if (waitpid(berthd_pid, NULL, WNOHANG) == berthd_pid) {
                        berthd_pid = 0;
                        break;
                }
                usleep(20 * 1000);
        }
        printf("# berthd did not appear on the private bus; its log:\n");
        bench_show_file(log, "#   ");
        return false;
}

static int ctl(const char *verb, const char *name, const char *config_path) {
        char *argv[] = { (char *) arg_berthctl, "--no-ask-password", (char *) verb, (char *) name,
                         config_path ? "--config" : NULL, (char *) config_path, NULL };
        return run(argv);
}

static bool ctl_setup(bool *ret_private) {
        _cleanup_free_ char *config = NULL, *config_path = NULL;

        *ret_private = false;
        if (!arg_berthctl || access(arg_berthctl, X_OK) < 0) {
                printf("# SKIP berthctl: berthctl not built\n");
                return false;
        }
        if (!getenv("DBUS_SYSTEM_BUS_ADDRESS") || !bus_has_berthd()) {
                if (!start_private_berthd()) {
                        printf("# SKIP berthctl: no berthd on the bus\n");
                        return false;
                }
                *ret_private = true;
        }

        if (!(config = container_config(name_ctl)) || asprintf(&config_path, "%s/ctl.conf", tmpdir) < 0 ||
            write_file_atomic(config_path, config, strlen(config), 0644) < 0)
                return false;
        if (ctl("create", name_ctl, config_path) != 0) {
                printf("# SKIP berthctl: berthctl create failed:\n");
                show_cmdlog("#   ");
                return false;
        }
        ctl_created = true;
        if (ctl("start", name_ctl, NULL) != 0 || ctl("stop", name_ctl, NULL) != 0) {
                printf("# SKIP berthctl: berthctl start/stop failed:\n");
                show_cmdlog("#   ");
                return false;
        }
        return true;
}

/* ---- main ---- */

static int parse_argv(int argc, char *argv[]) {
        static const struct option options[] = {
                { "runs", required_argument, NULL, 'n' },
                { "berthctl", required_argument, NULL, 'c' },
                { "berthd", required_argument, NULL, 'd' },
                {}
        };
        int c;

        if (getenv("BERTH_BENCH_RUNS"))
                arg_runs = atoi(getenv("BERTH_BENCH_RUNS"));
        while ((c = getopt_long(argc, argv, "", options, NULL)) >= 0)
                switch (c) {
                case 'n':
                        arg_runs = atoi(optarg);
                        break;
                case 'c':
                        arg_berthctl = optarg;
                        break;
                case 'd':
                        arg_berthd = optarg;
                        break;
                default:
                        return -EINVAL;
                }
        if (arg_runs < 1 || arg_runs > 10000)
                return -EINVAL;
        return 0;
}

static const char *verdict(bool met) {
        return met ? "met" : "MISSED";
}

int main(int argc, char *argv[]) {
        _cleanup_free_ char *config = NULL, *err = NULL, *berth_root = NULL;
        berth *b = NULL;
        Series capi = {}, lxc = {}, bus = {};
        bool have_lxc = false, have_ctl = false, ctl_private = false, lxc_tried = false, capi_defined = false;
        int r, ret = EXIT_FAILURE;

        setvbuf(stdout, NULL, _IOLBF, 0);
        if (parse_argv(argc, argv) < 0) {
                fprintf(stderr, "usage: bench-start [--runs N] [--berthctl PATH] [--berthd PATH]\n");
                return 2;
        }
        if (geteuid() != 0) {
                printf("# SKIP: the start benchmark needs root (namespaces, cgroups, real containers)\n");
                return 77;
        }
        /* Own mount and network namespace: nothing we mount or configure is seen by the host. */
        if (!bench_enter_namespaces())
                return 77;
        if (!mkdtemp(tmpdir) || chmod(tmpdir, 0755) < 0) {
                printf("Bail out! mkdtemp: %m\n");
                return EXIT_FAILURE;
        }
        if (asprintf(&rootfs, "%s/rootfs", tmpdir) < 0 || asprintf(&lxcpath, "%s/lxc", tmpdir) < 0 ||
            asprintf(&cmdlog, "%s/cmd.log", tmpdir) < 0)
                goto finish;
        snprintf(name_capi, sizeof name_capi, "bench-capi-%d", (int) getpid());
        snprintf(name_lxc, sizeof name_lxc, "bench-lxc-%d", (int) getpid());
        snprintf(name_ctl, sizeof name_ctl, "bench-ctl-%d", (int) getpid());

        struct utsname u;
        (void) uname(&u);
        printf("# berth start/stop benchmark: %d runs each, interleaved; busybox rootfs; kernel %s\n", arg_runs,
               u.release);

        /* berth, C API */
        r = berth_template_busybox(rootfs, &err);
        if (r < 0) {
                printf("Bail out! busybox template: %s\n", err ?: strerror(-r));
                goto finish;
        }
        if (asprintf(&berth_root, "%s/capi", tmpdir) < 0)
                goto finish;
        r = berth_new(berth_root, &b);
        if (r < 0) {
                printf("Bail out! berth_new: %s\n", strerror(-r));
                goto finish;
        }
        if (!(config = container_config(name_capi)))
                goto finish;
        err = mfree(err);
        r = berth_container_define(b, name_capi, config, 0, &err);
        if (r < 0) {
                printf("Bail out! berth_container_define: %s\n", err ?: strerror(-r));
                goto finish;
        }
        capi_defined = true;
        /* Warm-up (page cache, first-time cgroup creation), not measured; also proves it works. */
        err = mfree(err);
        r = berth_container_start(b, name_capi, &err);
        if (r < 0) {
                printf("Bail out! berth_container_start: %s\n", err ?: strerror(-r));
                goto finish;
        }
        r = berth_container_stop(b, name_capi);
        if (r < 0) {
                printf("Bail out! berth_container_stop: %s\n", strerror(-r));
                goto finish;
        }

        lxc_tried = true;
        have_lxc = lxc_setup();
        have_ctl = ctl_setup(&ctl_private);
        if (have_ctl)
                printf("# berthctl goes through %s\n",
                       ctl_private ? "a private dbus-daemon and berthd started by this benchmark"
                                   : "the berthd on $DBUS_SYSTEM_BUS_ADDRESS");

        if (series_init(&capi, "berth C API") < 0 || series_init(&lxc, "LXC lxc-start -d+wait / lxc-stop -k") < 0 ||
            series_init(&bus, "berthctl start / stop (D-Bus)") < 0)
                goto finish;

        for (int i = 0; i < arg_runs; i++) {
                double t0, t1, t2;

                t0 = bench_now_ms();
                err = mfree(err);
                r = berth_container_start(b, name_capi, &err);
                t1 = bench_now_ms();
                if (r < 0) {
                        printf("Bail out! run %d: berth_container_start: %s\n", i, err ?: strerror(-r));
                        goto finish;
                }
                r = berth_container_stop(b, name_capi);
                t2 = bench_now_ms();
                if (r < 0) {
                        printf("Bail out! run %d: berth_container_stop: %s\n", i, strerror(-r));
                        goto finish;
                }
                capi.start_ms[capi.n] = t1 - t0;
                capi.stop_ms[capi.n++] = t2 - t1;

                if (have_lxc) {
                        t0 = bench_now_ms();
                        r = lxc_start();
                        t1 = bench_now_ms();
                        if (r == 0)
                                r = lxc_stop();
                        t2 = bench_now_ms();
                        if (r != 0) {
                                printf("# lxc failed in run %d (exit %d), dropping LXC:\n", i, r);
                                show_cmdlog("#   ");
                                (void) lxc_stop();
                                have_lxc = false;
                        } else {
                                lxc.start_ms[lxc.n] = t1 - t0;
                                lxc.stop_ms[lxc.n++] = t2 - t1;
                        }
                }

                if (have_ctl) {
                        t0 = bench_now_ms();
                        r = ctl("start", name_ctl, NULL);
                        t1 = bench_now_ms();
                        if (r == 0)
                                r = ctl("stop", name_ctl, NULL);
                        t2 = bench_now_ms();
                        if (r != 0) {
                                printf("# berthctl failed in run %d (exit %d), dropping berthctl:\n", i, r);
                                show_cmdlog("#   ");
                                (void) ctl("stop", name_ctl, NULL);
                                have_ctl = false;
                        } else {
                                bus.start_ms[bus.n] = t1 - t0;
                                bus.stop_ms[bus.n++] = t2 - t1;
                        }
                }
        }

        printf("#\n# %-34s %23s   %23s\n", "", "start, ms", "stop, ms");
        printf("# %-34s %7s %7s %7s   %7s %7s %7s\n", "", "median", "min", "p90", "median", "min", "p90");
        series_print(&capi);
        series_print(&lxc);
        series_print(&bus);
        printf("#\n");

        if (lxc.n > 0) {
                double l = bench_quantile(lxc.start_ms, lxc.n, 0.5), ls = bench_quantile(lxc.stop_ms, lxc.n, 0.5);
                double c = bench_quantile(capi.start_ms, capi.n, 0.5) / l;
                printf("ratio start C API / LXC:     %5.2f  (target <= %.1f: %s)\n", c, TARGET_CAPI_RATIO,
                       verdict(c <= TARGET_CAPI_RATIO));
                printf("ratio stop  C API / LXC:     %5.2f\n", bench_quantile(capi.stop_ms, capi.n, 0.5) / ls);
                if (bus.n > 0) {
                        double d = bench_quantile(bus.start_ms, bus.n, 0.5) / l;
                        printf("ratio start berthctl / LXC:  %5.2f  (target <= %.1f: %s)\n", d, TARGET_CTL_RATIO,
                               verdict(d <= TARGET_CTL_RATIO));
                        printf("ratio stop  berthctl / LXC:  %5.2f\n", bench_quantile(bus.stop_ms, bus.n, 0.5) / ls);
                } else
                        printf("ratio start berthctl / LXC:  n/a (berthctl not measured)\n");
        } else
                printf("ratios: n/a (LXC not measured, see the SKIP line above)\n");

        /* The idle monitor: start once more, let it settle, measure, stop. */
        pid_t init_pid = 0;
        berth_state state;
        err = mfree(err);
        r = berth_container_start(b, name_capi, &err);
        if (r >= 0) {
                usleep(500 * 1000);
                r = berth_container_get_state(b, name_capi, &state, &init_pid);
        }
        pid_t monitor = r >= 0 && init_pid > 0 ? parent_of(init_pid) : -1;
        long kib = monitor > 0 ? private_kib(monitor) : -1;
        if (kib >= 0)
                printf("idle berth-monitor private memory: %ld KiB (target <= %d KiB: %s)\n", kib, TARGET_MONITOR_KIB,
                       verdict(kib <= TARGET_MONITOR_KIB));
        else
                printf("idle berth-monitor private memory: could not be measured (%s)\n",
                       r < 0 ? (err ?: strerror(-r)) : "no init pid");
        (void) berth_container_stop(b, name_capi);

        if (have_lxc && lxc_start() == 0) {
                char *info[] = { "lxc-info", "-n", name_lxc, "-P", lxcpath, "-p", "-H", NULL };
                _cleanup_free_ char *text = NULL;
                usleep(500 * 1000);
                if (run(info) == 0 && read_full_file(cmdlog, &text, NULL) >= 0 && atoi(text) > 0) {
                        pid_t lmon = parent_of(atoi(text));
                        long lk = lmon > 0 ? private_kib(lmon) : -1;
                        if (lk >= 0)
                                printf("idle LXC monitor private memory:   %ld KiB (for comparison)\n", lk);
                }
                (void) lxc_stop();
        }

        ret = EXIT_SUCCESS;
finish:
        /* Remove everything, whatever failed above. */
        if (ctl_created) {
                (void) ctl("stop", name_ctl, NULL);
                (void) ctl("destroy", name_ctl, NULL);
        }
        bench_kill_and_wait(&berthd_pid);
        bench_kill_and_wait(&dbus_pid);
        if (lxc_tried) {
                (void) lxc_stop();
                bench_lxc_leftovers_remove(&lxc_leftovers, tmpdir);
        }
        if (capi_defined) {
                (void) berth_container_stop(b, name_capi);
                (void) berth_container_undefine(b, name_capi);
        }
        berth_unref(b);
        (void) rm_rf(tmpdir);
        free(rootfs);
        free(lxcpath);
        free(cmdlog);
        series_free(&capi);
        series_free(&lxc);
        series_free(&bus);
        return ret;
}
