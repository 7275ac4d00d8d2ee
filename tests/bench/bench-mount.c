/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Mount injection (issue 4): inject a bind mount of a host directory into a running busybox container and
 * remove it again, side by side:
 *   - berth through the C API (berth_container_mount/umount → the monitor → mount_inject()),
 *   - LXC through liblxc's c->mount()/c->umount() (the mount_injection extension; needs a container
 *     started with `lxc.mount.auto = shmounts:...`), when this benchmark was built against liblxc
 *     (Debian's lxc-dev);
 *   - else, or if c->mount() does not work on this host, `lxc-attach -- mount --bind` / `umount` as the LXC
 *     side. That one cannot reach a host directory (it runs inside the container's mount namespace), so
 *     it binds a directory of the container's own: a cheaper operation than an injection, said so in the
 *     output.
 * Both containers run for the whole benchmark; runs are interleaved so that drift of the machine hits both
 * alike. Medians and the ratio to the target are printed; a missed target is reported, never a failure
 * (exit 0). Exit 77 (skip) when not root or the kernel lacks the new mount API; exit 1 only when berth
 * itself cannot start the container or inject the mount.
 *
 * Everything happens in a new mount + network namespace and a temp directory, all removed at the end.
 *
 * usage: bench-mount [--runs N (default 100)]   ($BERTH_BENCH_RUNS, $BERTH_MONITOR) */

#include <errno.h>
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
#include "mount/mount-inject.h"
#include "util/fd-util.h"
#include "util/fileio.h"
#include "util/macro.h"

#define TARGET_RATIO 0.5
#define TARGET "/mnt/bench"
#define SHMOUNTS_IN_CONTAINER "/dev/.lxc-mounts"

typedef struct Series {
        const char *label;
        double *mount_ms, *umount_ms, *total_ms;
        size_t n;
} Series;

static int arg_runs = 100;

static char tmpdir[] = "/tmp/berth-bench-mount.XXXXXX";
static char *rootfs_berth, *rootfs_lxc, *lxcpath, *cmdlog, *source, *shmounts;
static char name_capi[64], name_lxc[64];
static BenchLxcLeftovers lxc_leftovers;
#if HAVE_LIBLXC
static struct lxc_container *lxc_c;
#endif

/* Program output into cmdlog (overwritten each time, shown when something fails). */
static int run(char *const argv[]) {
        return bench_run(argv, cmdlog);
}

static int series_init(Series *s, const char *label) {
        *s = (Series) { .label = label };
        s->mount_ms = calloc(arg_runs, sizeof(double));
        s->umount_ms = calloc(arg_runs, sizeof(double));
        s->total_ms = calloc(arg_runs, sizeof(double));
        return s->mount_ms && s->umount_ms && s->total_ms ? 0 : -ENOMEM;
}

static void series_free(Series *s) {
        free(s->mount_ms);
        free(s->umount_ms);
        free(s->total_ms);
}

static void series_add(Series *s, double t0, double t1, double t2) {
        s->mount_ms[s->n] = t1 - t0;
        s->umount_ms[s->n] = t2 - t1;
        s->total_ms[s->n++] = t2 - t0;
}

static void series_print(const Series *s) {
        if (s->n == 0)
                return;
        printf("%-44s %7.2f %7.2f %7.2f   %7.2f %7.2f   %7.2f\n", s->label,
               bench_quantile(s->mount_ms, s->n, 0.5), bench_quantile(s->mount_ms, s->n, 0),
               bench_quantile(s->mount_ms, s->n, 0.9), bench_quantile(s->umount_ms, s->n, 0.5),
               bench_quantile(s->umount_ms, s->n, 0.9), bench_quantile(s->total_ms, s->n, 0.5));
}

/* Is path a mount point in pid's mount namespace (mountinfo field 5)? */
static bool mounted_in(pid_t pid, const char *path) {
        _cleanup_free_ char *fn = NULL, *text = NULL;

        if (asprintf(&fn, "/proc/%d/mountinfo", (int) pid) < 0 || read_full_file(fn, &text, NULL) < 0)
                return false;
        for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
                char mp[4096];
                if (sscanf(line, "%*s %*s %*s %*s %4095s", mp) == 1 && streq(mp, path))
                        return true;
        }
        return false;
}

/* The same keys for berth and LXC: a directory rootfs, no network, proc and sys, an autodev /dev. */
static char *container_config(const char *name, const char *rootfs, const char *extra) {
        return bench_container_config(name, rootfs, extra, NULL);
}

/* ---- LXC ---- */

static pid_t lxc_init_pid(void) {
        return bench_lxc_info_pid(name_lxc, lxcpath, cmdlog);
}

static int lxc_stop(void) {
        return bench_lxc_stop(name_lxc, lxcpath, cmdlog);
}

/* Define and start the LXC container (with a shmounts directory, which c->mount() needs); on failure print
 * the exact reason from LXC's own log. */
static bool lxc_setup(void) {
        _cleanup_free_ char *dir = NULL, *config_path = NULL, *config = NULL, *log = NULL, *extra = NULL;

        /* What LXC leaves behind is removed at the end, unless it was there before. */
        bench_lxc_leftovers_record(&lxc_leftovers);
        if (access("/usr/bin/lxc-start", X_OK) < 0) {
                printf("# SKIP lxc: /usr/bin/lxc-start not found (Debian package lxc)\n");
                return false;
        }

        if (asprintf(&dir, "%s/%s", lxcpath, name_lxc) < 0 || asprintf(&config_path, "%s/config", dir) < 0 ||
            asprintf(&log, "%s/lxc-start.log", tmpdir) < 0 ||
            asprintf(&extra, " shmounts:%s:%s", shmounts, SHMOUNTS_IN_CONTAINER) < 0 ||
            !(config = container_config(name_lxc, rootfs_lxc, extra)))
                return false;
        if (mkdir_p(dir, 0755) < 0 || mkdir_p(shmounts, 0755) < 0 ||
            write_file_atomic(config_path, config, strlen(config), 0644) < 0) {
                printf("# SKIP lxc: cannot write %s\n", config_path);
                return false;
        }

        /* c->mount() creates the mount in the host's shmounts directory and relies on propagation to see it
         * in the container's /dev/.lxc-mounts: the host side must be a shared mount (in our private
         * namespace nothing is shared by default, as on a host whose / is private). */
        if (mount("tmpfs", shmounts, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755") < 0 ||
            mount(NULL, shmounts, NULL, MS_SHARED, NULL) < 0) {
                printf("# SKIP lxc: cannot make a shared tmpfs at %s: %m\n", shmounts);
                return false;
        }

        return bench_lxc_trial_start(name_lxc, lxcpath, log, cmdlog);
}

/* The LXC side of one run. Returns 0, or an exit status / -errno. */
typedef enum LxcMode {
        LXC_NONE,
        LXC_API,    /* liblxc c->mount()/c->umount(): a real injection of a host directory */
        LXC_ATTACH, /* lxc-attach -- mount --bind of a container directory: no injection possible */
} LxcMode;

#if HAVE_LIBLXC
static int lxc_api_mount(void) {
        struct lxc_mount mnt = { .version = 0 };
        return lxc_c->mount(lxc_c, source, TARGET, NULL, MS_BIND, NULL, &mnt);
}

static int lxc_api_umount(void) {
        struct lxc_mount mnt = { .version = 0 };
        return lxc_c->umount(lxc_c, TARGET, 0, &mnt);
}
#endif

static int lxc_attach_mount(void) {
        char *argv[] = { "lxc-attach", "-n", name_lxc, "-P", lxcpath, "--clear-env", "--",
                         "/bin/busybox", "mount", "--bind", "/etc", TARGET, NULL };
        return run(argv);
}

static int lxc_attach_umount(void) {
        char *argv[] = { "lxc-attach", "-n", name_lxc, "-P", lxcpath, "--clear-env", "--",
                         "/bin/busybox", "umount", TARGET, NULL };
        return run(argv);
}

static int lxc_mount(LxcMode mode) {
#if HAVE_LIBLXC
        if (mode == LXC_API)
                return lxc_api_mount();
#endif
        return lxc_attach_mount();
}

static int lxc_umount(LxcMode mode) {
#if HAVE_LIBLXC
        if (mode == LXC_API)
                return lxc_api_umount();
#endif
        return lxc_attach_umount();
}

/* Try c->mount() once (checking the mount really shows up in the container), else lxc-attach. */
static LxcMode lxc_pick_mode(pid_t lxc_pid) {
#if HAVE_LIBLXC
        _cleanup_free_ char *api_log = NULL;
        if (asprintf(&api_log, "%s/liblxc.log", tmpdir) >= 0)
                (void) lxc_log_init(&(struct lxc_log) { .name = name_lxc, .lxcpath = lxcpath, .file = api_log,
                                                        .level = "ERROR", .prefix = "bench-mount", .quiet = true });
        lxc_c = lxc_container_new(name_lxc, lxcpath);
        if (!lxc_c)
                printf("# liblxc: lxc_container_new failed, trying lxc-attach\n");
        else if (!lxc_c->is_running(lxc_c))
                printf("# liblxc: the container is not running for liblxc, trying lxc-attach\n");
        else {
                int r = lxc_api_mount();
                bool ok = r == 0 && mounted_in(lxc_pid, TARGET);
                int u = r == 0 ? lxc_api_umount() : -1;
                if (ok && u == 0 && !mounted_in(lxc_pid, TARGET))
                        return LXC_API;
                printf("# liblxc: c->mount() = %d (%s), c->umount() = %d: unusable here, trying lxc-attach\n", r,
                       ok ? "mounted" : "not mounted", u);
                if (api_log)
                        bench_show_file(api_log, "#   liblxc: ");
        }
#else
        printf("# built without liblxc (Debian's lxc-dev): measuring lxc-attach instead of c->mount()\n");
#endif
        if (lxc_attach_mount() == 0 && mounted_in(lxc_pid, TARGET) && lxc_attach_umount() == 0 &&
            !mounted_in(lxc_pid, TARGET))
                return LXC_ATTACH;
        printf("# SKIP lxc: lxc-attach mount --bind failed:\n");
        bench_show_file(cmdlog, "#   ");
        (void) lxc_attach_umount();
        return LXC_NONE;
}

/* ---- main ---- */

static int make_rootfs(const char *path) {
        _cleanup_free_ char *err = NULL, *mnt = NULL;
        int r;

        r = berth_template_busybox(path, &err);
        if (r < 0) {
                printf("Bail out! busybox template: %s\n", err ?: strerror(-r));
                return r;
        }
        if (asprintf(&mnt, "%s%s", path, TARGET) < 0)
                return -ENOMEM;
        return mkdir_p(mnt, 0755);
}

int main(int argc, char *argv[]) {
        _cleanup_free_ char *config = NULL, *err = NULL, *berth_root = NULL, *marker = NULL;
        berth *b = NULL;
        Series capi = {}, lxc = {};
        LxcMode mode = LXC_NONE;
        bool lxc_tried = false, capi_defined = false;
        pid_t capi_pid = 0, lxc_pid = -1;
        int r, ret = EXIT_FAILURE;

        setvbuf(stdout, NULL, _IOLBF, 0);
        if (bench_parse_runs_argv(argc, argv, &arg_runs, 100000) < 0) {
                fprintf(stderr, "usage: bench-mount [--runs N]\n");
                return 2;
        }
        if (geteuid() != 0) {
                printf("# SKIP: the mount benchmark needs root (namespaces, cgroups, real containers)\n");
                return 77;
        }
        if (!mount_inject_supported()) {
                printf("# SKIP: this kernel lacks the new mount API (open_tree, move_mount, mount_setattr)\n");
                return 77;
        }
        /* Own mount and network namespace: nothing we mount or configure is seen by the host. */
        if (!bench_enter_namespaces())
                return 77;
        if (!mkdtemp(tmpdir) || chmod(tmpdir, 0755) < 0) {
                printf("Bail out! mkdtemp: %m\n");
                return EXIT_FAILURE;
        }
        if (asprintf(&rootfs_berth, "%s/rootfs-berth", tmpdir) < 0 ||
            asprintf(&rootfs_lxc, "%s/rootfs-lxc", tmpdir) < 0 || asprintf(&lxcpath, "%s/lxc", tmpdir) < 0 ||
            asprintf(&cmdlog, "%s/cmd.log", tmpdir) < 0 || asprintf(&source, "%s/source", tmpdir) < 0 ||
            asprintf(&shmounts, "%s/shmounts", tmpdir) < 0 || asprintf(&marker, "%s/marker", source) < 0)
                goto finish;
        snprintf(name_capi, sizeof name_capi, "bmount-capi-%d", (int) getpid());
        snprintf(name_lxc, sizeof name_lxc, "bmount-lxc-%d", (int) getpid());

        struct utsname u;
        (void) uname(&u);
        printf("# berth mount-injection benchmark: bind mount of a host directory onto %s and umount, %d runs "
               "each, interleaved; busybox rootfs; kernel %s\n",
               TARGET, arg_runs, u.release);

        if (make_rootfs(rootfs_berth) < 0 || make_rootfs(rootfs_lxc) < 0 || mkdir_p(source, 0755) < 0 ||
            write_file_atomic(marker, "x\n", 2, 0644) < 0)
                goto finish;

        /* berth, C API */
        if (asprintf(&berth_root, "%s/capi", tmpdir) < 0)
                goto finish;
        r = berth_new(berth_root, &b);
        if (r < 0) {
                printf("Bail out! berth_new: %s\n", strerror(-r));
                goto finish;
        }
        if (!(config = container_config(name_capi, rootfs_berth, "")))
                goto finish;
        r = berth_container_define(b, name_capi, config, 0, &err);
        if (r < 0) {
                printf("Bail out! berth_container_define: %s\n", err ?: strerror(-r));
                goto finish;
        }
        capi_defined = true;
        err = mfree(err);
        r = berth_container_start(b, name_capi, &err);
        if (r >= 0)
                r = berth_container_get_state(b, name_capi, NULL, &capi_pid);
        if (r < 0) {
                printf("Bail out! berth_container_start: %s\n", err ?: strerror(-r));
                goto finish;
        }
        /* Warm-up, not measured; also proves it works. */
        err = mfree(err);
        r = berth_container_mount(b, name_capi, source, TARGET, NULL, MS_BIND, NULL, false, &err);
        if (r < 0 || !mounted_in(capi_pid, TARGET)) {
                printf("Bail out! berth_container_mount: %s\n", err ?: r < 0 ? strerror(-r) : "not mounted");
                goto finish;
        }
        r = berth_container_umount(b, name_capi, TARGET, 0, &err);
        if (r < 0 || mounted_in(capi_pid, TARGET)) {
                printf("Bail out! berth_container_umount: %s\n", err ?: r < 0 ? strerror(-r) : "still mounted");
                goto finish;
        }

        lxc_tried = true;
        if (lxc_setup()) {
                lxc_pid = lxc_init_pid();
                if (lxc_pid > 0)
                        mode = lxc_pick_mode(lxc_pid);
                else
                        printf("# SKIP lxc: lxc-info gave no init pid\n");
        }

        if (series_init(&capi, "berth C API (bind of a host dir)") < 0 ||
            series_init(&lxc, mode == LXC_API ? "LXC c->mount/c->umount (bind of a host dir)"
                                               : "LXC lxc-attach mount --bind (container dir)") < 0)
                goto finish;

        for (int i = 0; i < arg_runs; i++) {
                double t0, t1, t2;

                t0 = bench_now_ms();
                err = mfree(err);
                r = berth_container_mount(b, name_capi, source, TARGET, NULL, MS_BIND, NULL, false, &err);
                t1 = bench_now_ms();
                if (r < 0) {
                        printf("Bail out! run %d: berth_container_mount: %s\n", i, err ?: strerror(-r));
                        goto finish;
                }
                r = berth_container_umount(b, name_capi, TARGET, 0, &err);
                t2 = bench_now_ms();
                if (r < 0) {
                        printf("Bail out! run %d: berth_container_umount: %s\n", i, err ?: strerror(-r));
                        goto finish;
                }
                series_add(&capi, t0, t1, t2);

                if (mode != LXC_NONE) {
                        t0 = bench_now_ms();
                        r = lxc_mount(mode);
                        t1 = bench_now_ms();
                        if (r == 0)
                                r = lxc_umount(mode);
                        t2 = bench_now_ms();
                        if (r != 0) {
                                printf("# lxc failed in run %d (%d), dropping LXC:\n", i, r);
                                bench_show_file(cmdlog, "#   ");
                                (void) lxc_umount(mode);
                                mode = LXC_NONE;
                        } else
                                series_add(&lxc, t0, t1, t2);
                }
        }

        printf("#\n# %-42s %23s   %15s   %7s\n", "", "mount, ms", "umount, ms", "both, ms");
        printf("# %-42s %7s %7s %7s   %7s %7s   %7s\n", "", "median", "min", "p90", "median", "p90", "median");
        series_print(&capi);
        series_print(&lxc);
        printf("#\n");

        if (lxc.n > 0) {
                double c = bench_quantile(capi.total_ms, capi.n, 0.5) /
                           bench_quantile(lxc.total_ms, lxc.n, 0.5);
                printf("ratio mount+umount C API / LXC %s: %5.2f  (target <= %.1f: %s)\n",
                       mode == LXC_API ? "c->mount" : "lxc-attach", c, TARGET_RATIO,
                       c <= TARGET_RATIO ? "met" : "MISSED");
                printf("ratio mount C API / LXC: %5.2f, umount: %5.2f\n",
                       bench_quantile(capi.mount_ms, capi.n, 0.5) / bench_quantile(lxc.mount_ms, lxc.n, 0.5),
                       bench_quantile(capi.umount_ms, capi.n, 0.5) / bench_quantile(lxc.umount_ms, lxc.n, 0.5));
                if (mode != LXC_API)
                        printf("# note: the LXC side is lxc-attach + mount --bind of a directory inside the container "
                               "(no host directory can be reached that way), not an injection\n");
        } else
                printf("ratio: n/a (LXC not measured, see the SKIP line above)\n");

        ret = EXIT_SUCCESS;
finish:
        /* Remove everything, whatever failed above. */
#if HAVE_LIBLXC
        if (lxc_c)
                lxc_container_put(lxc_c);
#endif
        if (lxc_tried) {
                (void) lxc_stop();
                bench_lxc_leftovers_remove(&lxc_leftovers, tmpdir);
                (void) umount2(shmounts, MNT_DETACH); /* the shared tmpfs made in lxc_setup() */
        }
        if (capi_defined) {
                (void) berth_container_stop(b, name_capi);
                (void) berth_container_undefine(b, name_capi);
        }
        berth_unref(b);
        (void) rm_rf(tmpdir);
        free(rootfs_berth);
        free(rootfs_lxc);
        free(lxcpath);
        free(cmdlog);
        free(source);
        free(shmounts);
        series_free(&capi);
        series_free(&lxc);
        return ret;
}
