/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* libberth: the berth runtime's C API. It talks to each running container's berth-monitor directly
 * (peer-to-peer sd-bus over $RUNDIR/<name>/monitor.sock, root only), like liblxc talks to its monitor.
 * berthd is a polkit-gated D-Bus façade over exactly these calls.
 *
 * Conventions: functions return 0 (or a positive count) on success and a negative errno on failure;
 * ret_* out-parameters are only written on success; *ret_error strings (when asked for) are malloc'd,
 * human-readable, and name the file, line and key for configuration errors. */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <systemd/sd-bus.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct berth berth;

/* root: NULL uses $BERTH_ROOT if set, otherwise the installed paths (/var/lib/berth, /run/berth,
 * /var/log/berth). With a root, everything lives under it: ROOT/containers, ROOT/run, ROOT/log. */
int berth_new(const char *root, berth **ret);
berth *berth_unref(berth *b);
const char *berth_get_root(const berth *b);           /* NULL when using installed paths */
const char *berth_get_containers_dir(const berth *b); /* definitions: <dir>/<name>/config */
const char *berth_get_run_dir(const berth *b);        /* <dir>/<name>/monitor.sock */
const char *berth_get_log_dir(const berth *b);        /* <dir>/<name>/... */
/* The berth-monitor binary: $BERTH_MONITOR, else next to /proc/self/exe, else the installed one. */
const char *berth_get_monitor_path(const berth *b);
int berth_set_monitor_path(berth *b, const char *path);

/* Container names: [A-Za-z0-9][A-Za-z0-9_.-]{0,63}. */
bool berth_name_is_valid(const char *name);

/* States, upper-case strings as LXC's. */
typedef enum berth_state {
        BERTH_STATE_STOPPED,
        BERTH_STATE_STARTING,
        BERTH_STATE_RUNNING,
        BERTH_STATE_STOPPING,
        BERTH_STATE_ABORTING,
        BERTH_STATE_FREEZING,
        BERTH_STATE_FROZEN,
        _BERTH_STATE_MAX,
} berth_state;
const char *berth_state_to_string(berth_state s);
int berth_state_from_string(const char *s);

/* ---- definitions (on disk) ---- */

/* Validate config_text fully (all errors at once, in *ret_error, one per line) and store it as the
 * container's definition with its creator uid. -EEXIST if defined, -EINVAL bad name or config.
 * Nothing is left on disk on failure. */
int berth_container_define(berth *b, const char *name, const char *config_text, uid_t owner, char **ret_error);
/* Remove the definition (and the rootfs only if it is the default one inside the container directory).
 * -EBUSY if running, -ENOENT if unknown. */
int berth_container_undefine(berth *b, const char *name);
/* Sorted names of defined containers. */
int berth_container_list(berth *b, char ***ret_names);
bool berth_container_exists(berth *b, const char *name);
int berth_container_get_owner(berth *b, const char *name, uid_t *ret_uid);
/* The stored configuration text. */
int berth_container_get_config_text(berth *b, const char *name, char **ret_text);
/* The default rootfs directory of a container: <containers>/<name>/rootfs. */
int berth_container_default_rootfs(berth *b, const char *name, char **ret_path);
/* Build a busybox rootfs (host busybox-static, init that prints to its console) at path. */
int berth_template_busybox(const char *rootfs_path, char **ret_error);

/* ---- running containers (through the monitor) ---- */

/* Start and wait until RUNNING; on failure *ret_error has the reason (the monitor log's tail). */
int berth_container_start(berth *b, const char *name, char **ret_error);
/* Non-blocking start for event loops: spawns the detached monitor and returns an fd that becomes
 * readable (EOF) when the container is RUNNING or has failed; then call berth_container_start_finish().
 * The caller owns the fd (start_finish does not close it); it works whether the fd is blocking or not. */
int berth_container_start_async(berth *b, const char *name, int *ret_ready_fd);
int berth_container_start_finish(berth *b, const char *name, int ready_fd, pid_t *ret_init_pid,
                                 char **ret_error);
/* Stop with lxc.signal.stop and wait until STOPPED. Not running → -ENOTCONN. */
int berth_container_stop(berth *b, const char *name);
/* STOPPED when no monitor answers. */
int berth_container_get_state(berth *b, const char *name, berth_state *ret_state, pid_t *ret_init_pid);
/* 0 when no ring buffer. */
int berth_container_get_console_buffer_size(berth *b, const char *name, uint64_t *ret_size);

enum {
        BERTH_CONSOLE_LOG_CONSUME = 1 << 0, /* LXC behaviour: what is returned is removed */
        BERTH_CONSOLE_LOG_CLEAR = 1 << 1,   /* empty the buffer after reading */
};
/* Non-destructive by default. max_bytes 0 = everything. -ENODATA when no ring buffer is configured. */
int berth_console_log_read(berth *b, const char *name, uint64_t max_bytes, unsigned flags, void **ret_data,
                           size_t *ret_len);
int berth_console_log_clear(berth *b, const char *name);

/* A new peer-to-peer connection to a container's monitor (for callers with their own event loop:
 * attach it and use interface org.berth1.Monitor at /org/berth1/monitor, see lib/monitor/README.md).
 * -ENOTCONN when not running. */
int berth_monitor_open(berth *b, const char *name, sd_bus **ret);

/* ---- discovery ---- */

/* Extensions that really work on this host (kernel and build checked). NULL-terminated, static. */
const char *const *berth_api_extensions(void);
bool berth_has_api_extension(const char *extension);
bool berth_config_item_is_supported(const char *key);

/* ---- logging (lxc_log) ---- */

/* Process-global logging of libberth, as lxc_log_init(). level: TRACE DEBUG INFO NOTICE WARN ERROR CRIT
 * ALERT FATAL (case-insensitive) or 0-8; NULL or unknown = ERROR (TRACE logs as DEBUG). prefix: NULL =
 * "berth", cut to 31 characters. file: "none" = no file; a path = that file (parents created 0755, opened
 * append-only, mode 0640, close-on-exec, fd above 2; -errno if it cannot be opened); NULL with name =
 * <lxcpath, else the log directory>/<name>/<name>.log, best effort. File lines read
 * "<prefix> [<name> ]<YYYY-MM-DDThh:mm:ss.mmmZ> <LEVEL> <file>:<func>:<line> - <msg>" (UTC).
 * quiet = false: events at ERROR or worse also go to stderr as
 * "<prefix>: [<name>: ]<file>: <func>: <line> <msg>".
 * NULL → -EINVAL. Already initialised → 0 with errno = EOPNOTSUPP (the first configuration stays until
 * berth_log_close()). */
struct berth_log {
        const char *name;
        const char *lxcpath;
        const char *file;
        const char *level;
        const char *prefix;
        bool quiet;
};
int berth_log_init(const struct berth_log *log);
/* Close the file and restore the logging that was in place before berth_log_init(). */
void berth_log_close(void);

/* ---- console attach and mount injection (issues 3 and 4; lib/monitor/monitor-client-extra.c) ---- */

/* OpenConsole: *ret_fd (O_CLOEXEC, caller closes) is the master of a new pty pair proxied to the running
 * container's console (lib/console/ATTACH.md): what is written to it is the console's input, the console's
 * output can be read from it (the ring buffer keeps recording too), TIOCSWINSZ on it resizes the console.
 * It reads EIO/hang-up once the container stops. -ENOTCONN when not running, -EBUSY when too many clients
 * are attached. */
int berth_console_open(berth *b, const char *name, int *ret_fd);

/* Mount into a running container (mount_injection, mount_injection_file): a bind of the host path source
 * when fstype is NULL, "" or "none" (files and directories; MS_REC keeps submounts), else a new filesystem
 * of that type with the options in data. flags: MS_BIND MS_REC MS_RDONLY MS_NOSUID MS_NODEV MS_NOEXEC
 * MS_NOATIME MS_NODIRATIME MS_NOSYMFOLLOW MS_SILENT. target is resolved inside the container's root;
 * missing parents are created. idmap: bind idmapped with the container's user namespace. On failure
 * -errno and, if ret_error is non-NULL, *ret_error (caller frees) says what failed; -ENOTCONN when not
 * running. */
int berth_container_mount(berth *b, const char *name, const char *source, const char *target, const char *fstype,
                          unsigned long flags, const char *data, bool idmap, char **ret_error);
/* umount2() of target inside the container. flags: MNT_FORCE MNT_DETACH MNT_EXPIRE UMOUNT_NOFOLLOW. A
 * target that is not a mount point is -EINVAL ("... is not a mount point"). */
int berth_container_umount(berth *b, const char *name, const char *target, unsigned long flags,
                           char **ret_error);

/* Reboot (reboot2): lxc.signal.reboot (default SIGINT) to init, re-sent every 250 ms until init reacts;
 * the container restarts in place with its configuration re-read from disk. timeout > 0: wait up to that
 * many seconds, *ret_running = whether it is RUNNING again; 0: do not wait (*ret_running = true once the
 * signal is sent); -1: wait without limit. An init that halts instead gives false at once. -ENOTCONN when
 * not running, -EBUSY when frozen or shutting down, -EINVAL for timeout < -1. */
int berth_container_reboot(berth *b, const char *name, int timeout, bool *ret_running);
/* Shutdown: lxc.signal.halt (default SIGPWR, SIGRTMIN+3 when init blocks SIGPWR) and wait like
 * berth_container_reboot() until STOPPED (*ret_stopped = true). When the timeout passes: with force init
 * is SIGKILLed (then true once STOPPED), without it *ret_stopped = false and the container keeps running. */
int berth_container_shutdown(berth *b, const char *name, int timeout, bool force, bool *ret_stopped);
/* cgroup2 freezer of the payload: return once cgroup.events says frozen 1 (state FROZEN) / 0 (RUNNING).
 * -ETIMEDOUT after 10 s (the container stays FREEZING; unfreeze recovers), -ENOTCONN when not running. */
int berth_container_freeze(berth *b, const char *name);
int berth_container_unfreeze(berth *b, const char *name);

#ifdef __cplusplus
}
#endif
