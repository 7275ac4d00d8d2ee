/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Compiling a parsed LXC profile (seccomp-profile.h) into a libseccomp filter and loading it into the
 * calling process: the container's init, after the bounding set is dropped and before the id switch
 * and the process capability drop (lib/spawn/spawn-seccomp.c), as LXC does.
 *
 * As LXC does, every rule is compiled into one filter per architecture (the native one and its compat
 * ones: x86, x32 on x86_64) and the filters are merged, so 32-bit syscalls of the container meet the same
 * rules. The filter does not set no_new_privs itself (SCMP_FLTATR_CTL_NNP = 0, as LXC): loading needs
 * no_new_privs or CAP_SYS_ADMIN in the caller's user namespace. */

#include <seccomp.h>
#include <stdbool.h>
#include <sys/types.h>

#include "seccomp/seccomp-profile.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(scmp_filter_ctx, seccomp_release);
#define _cleanup_seccomp_release_ _cleanup_(seccomp_releasep)

/* Builds the merged filter. Returns 0 or a negative errno with *ret_error naming the rule
 * ("<file>:<line>: \"<syscall>\": ..."). The caller releases *ret with seccomp_release(). */
int seccomp_profile_build(const SeccompProfile *p, scmp_filter_ctx *ret, char **ret_error);

enum {
        SECCOMP_LOAD_SKIPPED = 0,       /* already confined and allow_nesting is off: nothing loaded */
        SECCOMP_LOAD_LOADED = 1,
};

/* Loads the profile into the calling process (all threads must be the caller's concern: the filter is
 * not synchronised across threads).
 *
 * allow_nesting (lxc.seccomp.allow_nesting): when false and the process already runs under a seccomp
 * filter (PR_GET_SECCOMP says 2; /proc need not be mounted), nothing is loaded and SECCOMP_LOAD_SKIPPED is
 * returned: the caller logs the notice "already seccomp-confined, not loading the profile" (LXC logs it
 * at INFO).
 * When true the filter is stacked on the existing ones.
 *
 * A profile with `notify` rules is loaded with SECCOMP_FILTER_FLAG_NEW_LISTENER and *ret_notify_fd gets
 * the listener (O_CLOEXEC, blocking; the caller owns it, passes it to the monitor). The kernel allows one
 * listener per filter chain: if an outer filter already has one (nested notify), this fails with -EBUSY
 * and a message that says so. Without notify rules, or when skipped, *ret_notify_fd is -EBADF.
 *
 * Returns SECCOMP_LOAD_LOADED, SECCOMP_LOAD_SKIPPED or a negative errno with *ret_error (caller frees).
 * A kernel without seccomp is -EOPNOTSUPP (LXC silently skips; a security profile should not vanish). */
int seccomp_profile_load(const SeccompProfile *p, bool allow_nesting, int *ret_notify_fd, char **ret_error);

/* For the API extensions: seccomp_allow_nesting needs seccomp filters (prctl(PR_GET_SECCOMP) works, as
 * does a "Seccomp:" line in /proc/self/status); seccomp_notify also needs user notification in both the
 * kernel and libseccomp (libseccomp API level 5; false under valgrind, which lacks seccomp(2)). */
bool seccomp_supported(void);
bool seccomp_notify_supported(void);

/* The filter in libseccomp's pseudo filter code (seccomp_export_pfc), as a string (caller frees). */
int seccomp_filter_export_pfc(scmp_filter_ctx ctx, char **ret);

/* Reads "Seccomp:" (0 none, 1 strict, 2 filter) and "Seccomp_filters:" (the number of stacked filters,
 * -1 on kernels before 5.9 which lack the line) from /proc/<pid>/status; pid 0 is the caller. Returns 0,
 * -EOPNOTSUPP if the kernel has no seccomp, or the read error. Either pointer may be NULL. */
int seccomp_read_status(pid_t pid, int *ret_mode, int *ret_filters);
