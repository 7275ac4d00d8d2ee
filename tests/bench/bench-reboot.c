/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Reboot (issue 3, reboot2): the cycle from the reboot signal to RUNNING again, side by side:
 *   - berth through the C API: berth_container_reboot(b, name, timeout, &running),
 *   - LXC through liblxc's c->reboot2(c, timeout) when built against it (Debian's lxc-dev), else
 *     `lxc-stop -r -t N` (the same call behind a process spawn, said so in the output),
 * on copies of one busybox rootfs with one /sbin/init. That init is the template's (lib/template/busybox.c)
 * except for its SIGINT trap: the template's init just exits, which berth-monitor turns into a reboot
 * because it asked for one, but LXC only restarts a container whose init the kernel killed with SIGHUP, so
 * the common init answers SIGINT with `busybox reboot -f` (which berth restarts too). An extra berth row
 * with the template's own init shows what a user of the template gets; it is not part of the ratio.
 *
 * Every reboot is checked: the call must say RUNNING again and init must be a new process. Runs are
 * interleaved so that drift of the machine hits all alike. Medians and the ratio to the target are
 * printed; a missed target is reported, never a failure (exit 0). Exit 77 (skip) when not root, when
 * berth's Reboot does not work here ("# SKIP berth Reboot not available: <error>") or on any other error
 * (the reason is printed); a failing LXC only drops the LXC row.
 *
 * Everything happens in a new mount + network namespace and a temp directory, all removed at the end.
 *
 * usage: bench-reboot [--runs N (default 30)]   ($BERTH_BENCH_RUNS, $BERTH_MONITOR) */

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#if HAVE_LIBLXC
#include <lxc/lxccontainer.h>
#endif

#include "bench-util.h"
#include "berth.h"
#include "util/fd-util.h"
#include "util/fileio.h"
#include "util/macro.h"

#define TARGET_RATIO 0.5
#define REBOOT_TIMEOUT 30

/* The template's init, but SIGINT → reboot(2) through busybox: the one thing both managers restart. */
static const char common_init[] =
        "#!/bin/sh\n"
        "# bench-reboot: the busybox template's init, SIGINT answered with reboot -f (see bench-reboot.c)\n"
        "export PATH=/bin:/sbin\n"
        "trap 'exit 0' TERM PWR\n"
        "trap '/bin/busybox reboot -f' INT\n"
        "while :; do sleep 1 & wait $!; done\n";

typedef struct Series {
        const char *label;
        double *ms;
        size_t n;
} Series;

static int arg_runs = 30;

static char tmpdir[] = "/tmp/berth-bench-reboot.XXXXXX";
static char *lxcpath, *cmdlog;
static char name_common[64], name_template[64], name_lxc[64];
static BenchLxcLeftovers lxc_leftovers;
#if HAVE_LIBLXC
static struct lxc_container *lxc_c;
#endif

/* Program output into cmdlog (overwritten each time, shown when something fails). */
static int run(char *const argv[]) {
        return bench_run(argv, cmdlog);
}

static int series_init(Series *s, const char *label) {
        *s = (Series) { .label = label, .ms = calloc(arg_runs, sizeof(double)) };
        return s->ms ? 0 : -ENOMEM;
}

static void series_print(const Series *s) {
        if (s->n == 0)
                return;
        printf("%-52s %8.1f %8.1f %8.1f %8.1f\n", s->label, bench_quantile(s->ms, s->n, 0.5),
               bench_quantile(s->ms, s->n, 0), bench_quantile(s->ms, s->n, 0.9),
               bench_quantile(s->ms, s->n, 1));
}

/* The same keys for berth and LXC: a directory rootfs, no network, proc and sys, an autodev /dev. */
static char *container_config(const char *name, const char *rootfs) {
        return bench_container_config(name, rootfs, NULL, NULL);
}

/* ---- LXC ---- */

static int lxc_stop(void) {
        return bench_lxc_stop(name_lxc, lxcpath, cmdlog);
}

static pid_t lxc_init_pid(void) {
#if HAVE_LIBLXC
        if (lxc_c)
                return lxc_c->init_pid(lxc_c);
#endif
        return bench_lxc_info_pid(name_lxc, lxcpath, cmdlog);
}

/* Define and start the LXC container; on failure print the exact reason from LXC's own log. */
static bool lxc_setup(const char *rootfs) {
        _cleanup_free_ char *dir = NULL, *config_path = NULL, *config = NULL, *log = NULL;

        /* What LXC leaves behind is removed at the end, unless it was there before. */
        bench_lxc_leftovers_record(&lxc_leftovers);
        if (access("/usr/bin/lxc-start", X_OK) < 0) {
                printf("# SKIP lxc: /usr/bin/lxc-start not found (Debian package lxc)\n");
                return false;
        }

        if (asprintf(&dir, "%s/%s", lxcpath, name_lxc) < 0 || asprintf(&config_path, "%s/config", dir) < 0 ||
            asprintf(&log, "%s/lxc-start.log", tmpdir) < 0 || !(config = container_config(name_lxc, rootfs)))
                return false;
        if (mkdir_p(dir, 0755) < 0 || write_file_atomic(config_path, config, strlen(config), 0644) < 0) {
                printf("# SKIP lxc: cannot write %s\n", config_path);
                return false;
        }

        if (!bench_lxc_trial_start(name_lxc, lxcpath, log, cmdlog))
                return false;

#if HAVE_LIBLXC
        _cleanup_free_ char *api_log = NULL;
        if (asprintf(&api_log, "%s/liblxc.log", tmpdir) >= 0)
                (void) lxc_log_init(&(struct lxc_log) { .name = name_lxc, .lxcpath = lxcpath, .file = api_log,
                                                        .level = "ERROR", .prefix = "bench-reboot", .quiet = true });
        lxc_c = lxc_container_new(name_lxc, lxcpath);
        if (!lxc_c)
                printf("# liblxc: lxc_container_new failed, using lxc-stop -r\n");
#else
        printf("# built without liblxc (Debian's lxc-dev): measuring lxc-stop -r (c->reboot2 in a new process)\n");
#endif
        return true;
}

/* One LXC reboot, waiting until RUNNING again. Returns 0, or why not (> 0 an exit status, < 0 -errno,
 * -EAGAIN for "reboot2 said false"). */
static int lxc_reboot(void) {
#if HAVE_LIBLXC
        if (lxc_c)
                return lxc_c->reboot2(lxc_c, REBOOT_TIMEOUT) ? 0 : -EAGAIN;
#endif
        char *argv[] = { "lxc-stop", "-r", "-t", BENCH_LXC_WAIT_TIMEOUT, "-n", name_lxc, "-P", lxcpath, NULL };
        return run(argv);
}

static const char *lxc_label(bool is_short) {
#if HAVE_LIBLXC
        if (lxc_c)
                return is_short ? "c->reboot2" : "LXC liblxc c->reboot2()";
#endif
        return is_short ? "lxc-stop -r" : "LXC lxc-stop -r (c->reboot2 in a new process)";
}

/* ---- berth ---- */

typedef struct BerthBox {
        const char *name;
        bool defined;
} BerthBox;

static int berth_box_setup(berth *b, BerthBox *box, const char *rootfs) {
        _cleanup_free_ char *config = NULL, *err = NULL;
        int r;

        if (!(config = container_config(box->name, rootfs)))
                return -ENOMEM;
        r = berth_container_define(b, box->name, config, 0, &err);
        if (r < 0) {
                printf("# SKIP berth_container_define: %s\n", err ?: strerror(-r));
                return r;
        }
        box->defined = true;
        err = mfree(err);
        r = berth_container_start(b, box->name, &err);
        if (r < 0) {
                printf("# SKIP berth_container_start: %s\n", err ?: strerror(-r));
                return r;
        }
        return 0;
}

static void berth_box_cleanup(berth *b, BerthBox *box) {
        if (!box->defined)
                return;
        (void) berth_container_stop(b, box->name);
        (void) berth_container_undefine(b, box->name);
}

/* One reboot through the C API, checked: RUNNING again with a new init. On failure *ret_error says why. */
static int berth_reboot_checked(berth *b, const char *name, char **ret_error) {
        pid_t before = 0, after = 0;
        bool running = false;
        berth_state state;
        int r;

        r = berth_container_get_state(b, name, NULL, &before);
        if (r < 0)
                return asprintf(ret_error, "berth_container_get_state: %s", strerror(-r)) < 0 ? -ENOMEM : r;
        r = berth_container_reboot(b, name, REBOOT_TIMEOUT, &running);
        if (r < 0)
                return asprintf(ret_error, "berth_container_reboot: %s", strerror(-r)) < 0 ? -ENOMEM : r;
        if (!running)
                return asprintf(ret_error, "berth_container_reboot: not RUNNING again within %d s",
                                REBOOT_TIMEOUT) < 0 ? -ENOMEM : -ETIMEDOUT;
        r = berth_container_get_state(b, name, &state, &after);
        if (r < 0)
                return asprintf(ret_error, "berth_container_get_state: %s", strerror(-r)) < 0 ? -ENOMEM : r;
        if (state != BERTH_STATE_RUNNING || after <= 0 || after == before)
                return asprintf(ret_error, "berth_container_reboot said RUNNING but init is pid %d (was %d)",
                                (int) after, (int) before) < 0 ? -ENOMEM : -EPROTO;
        return 0;
}

/* ---- main ---- */

/* The template's rootfs; with common = true its init replaced by common_init. */
static int make_rootfs(const char *path, bool common) {
        _cleanup_free_ char *err = NULL, *init = NULL;
        int r;

        r = berth_template_busybox(path, &err);
        if (r < 0) {
                printf("# SKIP busybox template: %s\n", err ?: strerror(-r));
                return r;
        }
        if (!common)
                return 0;
        if (asprintf(&init, "%s/sbin/init", path) < 0)
                return -ENOMEM;
        r = write_file_atomic(init, common_init, strlen(common_init), 0755);
        if (r < 0)
                printf("# SKIP cannot write %s: %s\n", init, strerror(-r));
        return r;
}

int main(int argc, char *argv[]) {
        _cleanup_free_ char *err = NULL, *berth_root = NULL, *rootfs_common = NULL, *rootfs_lxc = NULL,
                            *rootfs_template = NULL;
        berth *b = NULL;
        BerthBox common = {}, template = {};
        Series s_common = {}, s_lxc = {}, s_template = {};
        bool lxc_tried = false, lxc_ok = false;
        pid_t lxc_pid;
        int r, ret = 77; /* any error below skips, saying why */

        setvbuf(stdout, NULL, _IOLBF, 0);
        if (bench_parse_runs_argv(argc, argv, &arg_runs, 100000) < 0) {
                fprintf(stderr, "usage: bench-reboot [--runs N]\n");
                return 2;
        }
        if (geteuid() != 0) {
                printf("# SKIP: the reboot benchmark needs root (namespaces, cgroups, real containers)\n");
                return 77;
        }
        /* Own mount and network namespace: nothing we mount or configure is seen by the host. */
        if (!bench_enter_namespaces())
                return 77;
        if (!mkdtemp(tmpdir) || chmod(tmpdir, 0755) < 0) {
                printf("# SKIP mkdtemp: %m\n");
                return 77;
        }
        if (asprintf(&rootfs_common, "%s/rootfs-berth", tmpdir) < 0 ||
            asprintf(&rootfs_lxc, "%s/rootfs-lxc", tmpdir) < 0 ||
            asprintf(&rootfs_template, "%s/rootfs-template", tmpdir) < 0 ||
            asprintf(&lxcpath, "%s/lxc", tmpdir) < 0 || asprintf(&cmdlog, "%s/cmd.log", tmpdir) < 0 ||
            asprintf(&berth_root, "%s/berth", tmpdir) < 0)
                goto finish;
        snprintf(name_common, sizeof name_common, "breboot-berth-%d", (int) getpid());
        snprintf(name_template, sizeof name_template, "breboot-tmpl-%d", (int) getpid());
        snprintf(name_lxc, sizeof name_lxc, "breboot-lxc-%d", (int) getpid());
        common.name = name_common;
        template.name = name_template;

        struct utsname u;
        (void) uname(&u);
        printf("# berth reboot benchmark: reboot signal to RUNNING again (new init), %d runs each, interleaved; "
               "busybox rootfs; kernel %s\n",
               arg_runs, u.release);

        /* Copies of the same rootfs: the template's, the berth and LXC ones with the common init. */
        if (make_rootfs(rootfs_common, true) < 0 || make_rootfs(rootfs_lxc, true) < 0 ||
            make_rootfs(rootfs_template, false) < 0)
                goto finish;

        r = berth_new(berth_root, &b);
        if (r < 0) {
                printf("# SKIP berth_new: %s\n", strerror(-r));
                goto finish;
        }
        if (berth_box_setup(b, &common, rootfs_common) < 0 || berth_box_setup(b, &template, rootfs_template) < 0)
                goto finish;

        /* Warm-up, not measured; also proves berth's Reboot works here (it may not yet: skip, saying why). */
        if (berth_reboot_checked(b, name_common, &err) < 0 || berth_reboot_checked(b, name_template, &err) < 0) {
                printf("# SKIP berth Reboot not available: %s\n", err ?: "unknown error");
                ret = 77;
                goto finish;
        }

        lxc_tried = true;
        if (lxc_setup(rootfs_lxc)) {
                lxc_pid = lxc_init_pid();
                r = lxc_reboot();
                if (r != 0) {
                        printf("# SKIP lxc: reboot failed (%d) on this host:\n", r);
                        bench_show_file(cmdlog, "#   ");
                } else if (lxc_init_pid() <= 0 || lxc_init_pid() == lxc_pid)
                        printf("# SKIP lxc: reboot said RUNNING but init is still pid %d\n", (int) lxc_pid);
                else
                        lxc_ok = true;
        }

        if (series_init(&s_common, "berth C API berth_container_reboot()") < 0 ||
            series_init(&s_lxc, lxc_label(false)) < 0 ||
            series_init(&s_template, "berth C API, the template's own init (info)") < 0)
                goto finish;

        for (int i = 0; i < arg_runs; i++) {
                double t0;

                err = mfree(err);
                t0 = bench_now_ms();
                r = berth_reboot_checked(b, name_common, &err);
                if (r < 0) {
                        printf("# SKIP run %d: %s\n", i, err);
                        goto finish;
                }
                s_common.ms[s_common.n++] = bench_now_ms() - t0;

                if (lxc_ok) {
                        lxc_pid = lxc_init_pid();
                        t0 = bench_now_ms();
                        r = lxc_reboot();
                        double t = bench_now_ms() - t0;
                        pid_t now = lxc_init_pid();
                        if (r != 0 || now <= 0 || now == lxc_pid) {
                                printf("# lxc reboot failed in run %d (%d, init %d → %d), dropping LXC:\n", i, r,
                                       (int) lxc_pid, (int) now);
                                bench_show_file(cmdlog, "#   ");
                                lxc_ok = false;
                        } else
                                s_lxc.ms[s_lxc.n++] = t;
                }

                t0 = bench_now_ms();
                r = berth_reboot_checked(b, name_template, &err);
                if (r < 0) {
                        printf("# SKIP run %d (template init): %s\n", i, err);
                        goto finish;
                }
                s_template.ms[s_template.n++] = bench_now_ms() - t0;
        }

        printf("#\n# %-50s %8s %8s %8s %8s\n", "reboot to RUNNING, ms", "median", "min", "p90", "max");
        series_print(&s_common);
        series_print(&s_lxc);
        series_print(&s_template);
        printf("#\n");

        if (s_lxc.n > 0) {
                double c = bench_quantile(s_common.ms, s_common.n, 0.5) /
                           bench_quantile(s_lxc.ms, s_lxc.n, 0.5);
                printf("ratio reboot berth C API / LXC %s: %5.2f  (target <= %.1f: %s)\n",
                       lxc_label(true), c, TARGET_RATIO, c <= TARGET_RATIO ? "met" : "MISSED");
        } else
                printf("ratio: n/a (LXC not measured, see the SKIP line above)\n");

        ret = EXIT_SUCCESS;
finish:
        /* Remove everything, whatever failed above. */
#if HAVE_LIBLXC
        if (lxc_c)
                lxc_container_put(lxc_c);
        lxc_c = NULL;
#endif
        if (lxc_tried) {
                (void) lxc_stop();
                bench_lxc_leftovers_remove(&lxc_leftovers, tmpdir);
        }
        berth_box_cleanup(b, &common);
        berth_box_cleanup(b, &template);
        berth_unref(b);
        (void) rm_rf(tmpdir);
        free(lxcpath);
        free(cmdlog);
        free(s_common.ms);
        free(s_lxc.ms);
        free(s_template.ms);
        return ret;
}
