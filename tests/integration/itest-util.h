/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What the C integration tests (test-spawn, test-seccomp, test-hooks, test-mount-inject, test-capi*) share:
 * the skip check, a busybox rootfs, reading a container's console, reaping init through its pidfd. */

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

/* The console scripts end by printing this, so the reader knows the output is complete. SCRIPT_END_CMD
 * prints it split, so that /proc/1/cmdline (which the scripts may echo too) does not contain it. */
#define SCRIPT_END "END-OF-TEST"
#define SCRIPT_END_CMD "echo END-OF-\"\"TEST"

/* Whether the test can run here (root, /bin/busybox); if not, prints TAP's "1..0 # SKIP <why>". */
bool itest_can_run(void);

/* s into path (mode 0644), replacing it atomically. */
int itest_write_file(const char *path, const char *s);

/* Makes rootfs (0755) with the directories dirs below it, /bin/busybox copied from the host and
 * /bin/<applet> symlinks to it for each of applets. dirs must contain "bin"; both lists end with NULL
 * (applets may be NULL). */
int itest_build_busybox_rootfs(const char *rootfs, const char *const *dirs, const char *const *applets);

/* Reads the console until SCRIPT_END (or timeout_ms), dropping the tty's \r and turning NULs (as in
 * /proc/1/cmdline) into spaces. Never NULL; the caller frees. */
char *itest_read_console(int master, int timeout_ms);

/* The value after "KEY=" on its own line of out, up to the end of the line (static buffer), or NULL. */
const char *itest_line_value(const char *out, const char *key);

/* Waits for the process behind pidfd to exit (ret_si may be NULL). 0 or -errno. */
int itest_reap(int pidfd, siginfo_t *ret_si);

/* itest_reap(), then the exit status: the code, or 128 + the signal. -errno if the wait failed. */
int itest_reap_status(int pidfd);
