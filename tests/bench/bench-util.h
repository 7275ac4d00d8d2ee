/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Helpers shared by the benchmarks in tests/bench/: timing and statistics, running programs with their
 * output in a log, the LXC configuration they all write, and undoing what LXC leaves on the host. They
 * print only where a benchmark's output is their purpose (bench_show_file()). */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define BENCH_LXC_WAIT_TIMEOUT "30"

/* CLOCK_MONOTONIC in milliseconds. */
double bench_now_ms(void);

/* Quantile of a sorted copy of v (linear interpolation); q = 0.5 is the median, 0 for n == 0. */
double bench_quantile(const double *v, size_t n, double q);

/* Print every non-empty line of a file with a prefix; nothing when it cannot be read or is empty. */
void bench_show_file(const char *path, const char *prefix);

/* Run a program with stdin from /dev/null and stdout + stderr into log (truncated first). Returns its exit
 * status (128 + signal when killed), or -errno. */
int bench_run(char *const argv[], const char *log);

/* Start a program in the background, stdout + stderr appended to log, keep_fd (if >= 0) as its fd 3.
 * Returns its pid, or -errno. */
pid_t bench_spawn(char *const argv[], int keep_fd, const char *log);

/* SIGTERM *pid and reap it, if > 0; sets it to 0. */
void bench_kill_and_wait(pid_t *pid);

/* The same keys for berth and LXC: a directory rootfs, no network, proc and sys (plus mount_auto_extra on
 * that line, e.g. " shmounts:..."), an autodev /dev, then extra_lines verbatim. NULL on OOM. */
char *bench_container_config(const char *name, const char *rootfs, const char *mount_auto_extra,
                             const char *extra_lines);

/* `lxc-stop -k` + `lxc-wait -s STOPPED`, output into log. 0 or the failing exit status / -errno. */
int bench_lxc_stop(const char *name, const char *lxcpath, const char *log);

/* The init pid of a running LXC container from `lxc-info -p -H` (output through log), -1 if none. */
pid_t bench_lxc_info_pid(const char *name, const char *lxcpath, const char *log);

/* `lxc-start -d -l ERROR -o lxc_log` + `lxc-wait -s RUNNING -t 10`; on failure prints
 * "# SKIP lxc: lxc-start failed (exit N) on this host:" with both logs, stops the container and returns
 * false. */
bool bench_lxc_trial_start(const char *name, const char *lxcpath, const char *lxc_log, const char *log);

/* What LXC leaves behind outside our mount namespace: an empty "lxc.pivot" cgroup in every hierarchy and
 * a lock directory per lxcpath under /run/lxc/lock. Record what exists before LXC runs, remove the rest
 * after. */
typedef struct BenchLxcLeftovers {
        bool pivot_existed[32];
        bool run_dir_existed[3];
} BenchLxcLeftovers;

void bench_lxc_leftovers_record(BenchLxcLeftovers *l);
void bench_lxc_leftovers_remove(const BenchLxcLeftovers *l, const char *tmpdir);

/* Enter a new mount + network namespace with / made private, so nothing mounted or configured is seen by
 * the host. On failure prints "# SKIP: cannot make a mount + network namespace: <error>" and returns
 * false (the caller exits 77). */
bool bench_enter_namespaces(void);

/* For benchmarks whose only option is --runs N: *runs from $BERTH_BENCH_RUNS, then --runs; -EINVAL for
 * another option or a count outside 1..max. */
int bench_parse_runs_argv(int argc, char *argv[], int *runs, int max);

/* Start a private dbus-daemon (its output appended to log) and point $DBUS_SYSTEM_BUS_ADDRESS at it.
 * *pid is set as soon as it is forked (negative if the fork failed), so that the caller can stop it
 * whatever fails later. Returns 0, -EIO when it printed no address, or -errno. */
int bench_start_dbus_daemon(const char *log, pid_t *pid);
