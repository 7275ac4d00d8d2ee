/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Running lxc.hook.<type> commands the way LXC does (see HOOKS.md in this directory for who calls what):
 * each command line of the type, in order, as `/bin/sh -c "exec <command> [<name> lxc <type> [ns...]]"`
 * (the arguments only with lxc.hook.version 0), with LXC's LXC_* environment, stdout and stderr captured,
 * and a timeout. The first failing command stops the run. */

#include <stdint.h>
#include <sys/types.h>

#include "config/config.h"

#define HOOK_TIMEOUT_DEFAULT_USEC (60ULL * 1000000ULL)
/* What is kept of a hook's output (stdout and stderr together): the last this many bytes. */
#define HOOK_OUTPUT_MAX 4096U

/* Init's namespaces, held open by the caller so that stop hooks can still enter them after init died.
 * Order and names as LXC's ns_info: LXC_MNT_NS, LXC_USER_NS, LXC_NET_NS, ... */
typedef enum HookNamespace {
        HOOK_NS_MNT,
        HOOK_NS_USER,
        HOOK_NS_NET,
        HOOK_NS_IPC,
        HOOK_NS_UTS,
        HOOK_NS_PID,
        HOOK_NS_CGROUP,
        HOOK_NS_TIME,
        _HOOK_NS_MAX,
} HookNamespace;

typedef struct HookNamespaces {
        int fd[_HOOK_NS_MAX]; /* O_CLOEXEC, -EBADF for a namespace init shares with the caller */
} HookNamespaces;

/* Open /proc/<pid>/ns/<ns> of every namespace pid does not share with the caller. Call it while pid is an
 * unreaped child (right after spawn_container()), keep the result until after the stop hooks. */
int hook_namespaces_open(pid_t pid, HookNamespaces *ret);
void hook_namespaces_close(HookNamespaces *ns);

typedef struct HookEnv {
        const char *config_file;  /* LXC_CONFIG_FILE, NULL: unset */
        const char *rootfs_path;  /* LXC_ROOTFS_PATH: the rootfs directory on the host, NULL: unset */
        const char *rootfs_mount; /* LXC_ROOTFS_MOUNT, NULL: rootfs_path (berth binds the rootfs onto itself) */
        const char *console_path; /* LXC_CONSOLE: the console pty's path on the host, NULL: unset */
        pid_t pid;                /* LXC_PID: init's pid on the host, 0: unset (pre-start, start) */
        const char *target;       /* LXC_TARGET: "stop" or "reboot" (stop and post-stop hooks), NULL: unset */
        const HookNamespaces *namespaces; /* LXC_<NS>_NS=/proc/<caller pid>/fd/<fd> (and "<ns>:<path>"
                                           * arguments with hook.version 0), NULL: none */
        uint64_t timeout_usec;    /* per command; 0: HOOK_TIMEOUT_DEFAULT_USEC */
} HookEnv;

/* Run every lxc.hook.<type> command of c, in order, in the caller's namespaces (the "start" hook is run
 * by spawn_container() inside the container; other callers run the host ones). Blocks until all are done
 * or one failed. env may be NULL (then only LXC_NAME and the config's values are set).
 *
 * Environment of a hook: PATH (a default), lxc.environment, then LXC_NAME, LXC_CONFIG_FILE,
 * LXC_ROOTFS_PATH, LXC_ROOTFS_MOUNT, LXC_CONSOLE, LXC_CONSOLE_LOGPATH (lxc.console.logfile),
 * LXC_LOG_LEVEL (lxc.log.level, default ERROR), LXC_CGNS_AWARE=1, LXC_HOOK_VERSION, LXC_HOOK_TYPE,
 * LXC_HOOK_SECTION=lxc, LXC_PID, LXC_TARGET, LXC_<NS>_NS (whichever are known); nothing else of the
 * caller's. stdin is /dev/null; stdout and stderr go to one pipe; no other fd is inherited; signals are
 * reset; the hook is its own process group.
 *
 * Returns 0 when every command exited 0 (also with no commands), *ret_output (if non-NULL) then holds
 * their output (the last HOOK_OUTPUT_MAX bytes). Failures, with *ret_error (if non-NULL) set:
 * -ECANCELED  a command exited non-zero or was killed: "lxc.hook.pre-start '/x' failed with exit status
 *             3: <output tail>" / "... was killed by signal KILL: <output tail>"
 * -ETIMEDOUT  a command ran longer than the timeout; its process group was SIGKILLed: "lxc.hook.stop
 *             '/x' timed out after 60 s (killed): <output tail>"
 * -EINVAL     type is not a hook type; -EOPNOTSUPP a type berth does not run (pre-mount, mount, ...)
 * other       fork/pipe/... errors. */
int hook_run(
                const BerthConfig *c,
                const char *name,
                const char *type,
                const HookEnv *env,
                char **ret_output,
                char **ret_error);
