/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* berth-monitor's state: one per running container (see README.md in this directory). */

#include <stdarg.h>
#include <stdbool.h>
#include <sys/types.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>
#include <systemd/sd-id128.h>

#include "berth.h"
#include "config/config.h"
#include "console/console-attach.h"
#include "console/console-logfile.h"
#include "console/console-ring.h"
#include "spawn/hooks.h"

#define MONITOR_OBJECT_PATH "/org/berth1/monitor"
#define MONITOR_INTERFACE "org.berth1.Monitor"
/* Bounds what peers can make the monitor allocate. */
#define MONITOR_CONNECTIONS_MAX 64U
#define MONITOR_PENDING_STOPS_MAX 64U
/* An init that ignores lxc.signal.stop (no handler yet, or none at all) is killed after this long. */
#define MONITOR_STOP_KILL_USEC (10ULL * 1000000ULL)
/* Reboot/Shutdown/Freeze/Unfreeze calls waiting for their answer, all peers together. */
#define MONITOR_WAITERS_MAX 64U
/* lxc.signal.reboot/halt is re-sent this often until init reacts (an init that has not installed its
 * handler yet ignores it: LXC's hang right after start). */
#define MONITOR_RESEND_USEC (250ULL * 1000ULL)
/* How long a Reboot(0)/Shutdown(0) keeps re-sending its signal. */
#define MONITOR_REQUEST_DEFAULT_USEC (10ULL * 1000000ULL)
/* Freeze/Unfreeze give up (ETIMEDOUT) when cgroup.events has not changed to the target after this. */
#define MONITOR_FREEZE_TIMEOUT_USEC (10ULL * 1000000ULL)

typedef struct MonitorWaiter MonitorWaiter;

typedef struct Monitor {
        berth *berth;
        char *name;
        BerthConfig *config;
        char *rootfs;

        char *run_dir;     /* $RUNDIR/<name> */
        char *socket_path; /* .../monitor.sock */
        char *lock_path;   /* .../lock */
        int lock_fd;

        char *cgroup_unified; /* the cgroup2 mount */
        char *cgroup_dir;     /* <unified>/<base>/<name> */
        char *cgroup_monitor, *cgroup_payload;
        bool cgroups_created;

        int pty_master, pty_slave;
        char *pty_slave_path;
        ConsoleRing ring;
        ConsoleLogfile logfile;
        ConsoleAttach *attach;        /* OpenConsole peers; kept across a reboot in place (same pty) */
        sd_event_source *attach_tick; /* winsize poll while peers are attached */
        /* lxc.tty.max: host pty pairs behind /dev/tty1..n_ttys (monitor-tty.c); kept across a reboot */
        int *tty_masters, *tty_slaves;
        char **tty_slave_paths;
        size_t n_ttys;

        pid_t init_pid;
        int init_pidfd;
        berth_state state;

        sd_event *event;
        sd_event_source *pty_source, *init_source, *listen_source, *kill_source;
        int listen_fd;
        sd_id128_t server_id;
        sd_bus **conns;
        size_t n_conns;
        sd_bus_message **pending_stops;
        size_t n_pending_stops;
        bool stop_requested, finished;

        /* monitor-lifecycle.c: Reboot, Shutdown, Freeze, Unfreeze */
        char *config_path;               /* $containers/<name>/config, re-read at each reboot */
        HookNamespaces hook_ns;          /* init's namespaces for the stop hooks (spawn/HOOKS.md) */
        MonitorWaiter **waiters;         /* deferred replies */
        size_t n_waiters;
        bool reboot_requested;           /* init exiting now restarts the container in place */
        bool shutdown_requested;         /* init exiting now is a stop, even if it asks for a reboot */
        uint64_t request_until;          /* CLOCK_MONOTONIC; re-send the request signal until then */
        sd_event_source *resend_source;
        bool freeze_target;              /* what cgroup.freeze was last set to */
        sd_event_source *freeze_watch;   /* inotify on the payload's cgroup.events */
} Monitor;

int monitor_new(const char *name, const char *root, Monitor **ret);
Monitor *monitor_free(Monitor *m);
DEFINE_TRIVIAL_CLEANUP_FUNC(Monitor *, monitor_free);

/* Everything up to RUNNING; on failure *ret_error says why and everything made is removed again. */
int monitor_start(Monitor *m, char **ret_error);
/* The event loop, until the container stopped and everything is cleaned up. */
int monitor_run(Monitor *m);

/* monitor.c, used by the bus side */
void monitor_set_state(Monitor *m, berth_state state);
int monitor_request_stop(Monitor *m);

/* monitor-console.c: OpenConsole (lib/console/ATTACH.md) */
int monitor_console_attach_setup(Monitor *m);
void monitor_console_attach_done(Monitor *m);
int monitor_method_open_console(sd_bus_message *message, void *userdata, sd_bus_error *error);

/* monitor-tty.c: allocate (or, after a reboot re-read the config, add/close) lxc.tty.max pty pairs;
 * on failure *ret_error (malloc'd, may stay NULL) says why. _done closes them all. */
int monitor_ttys_setup(Monitor *m, char **ret_error);
void monitor_ttys_done(Monitor *m);

/* monitor-mount.c: Mount / Umount (issue 4) */
int monitor_method_mount(sd_bus_message *message, void *userdata, sd_bus_error *error);
int monitor_method_umount(sd_bus_message *message, void *userdata, sd_bus_error *error);

/* monitor-lifecycle.c (README.md "Additions for issues 3 and 4") */
int monitor_method_reboot(sd_bus_message *message, void *userdata, sd_bus_error *error);
int monitor_method_shutdown(sd_bus_message *message, void *userdata, sd_bus_error *error);
int monitor_method_freeze(sd_bus_message *message, void *userdata, sd_bus_error *error);
int monitor_method_unfreeze(sd_bus_message *message, void *userdata, sd_bus_error *error);
/* Init is gone (reaped): stop re-sending and watching cgroup.events of the old payload. */
void monitor_lifecycle_init_exited(Monitor *m);
/* A reboot in place reached RUNNING again: Reboot waiters get true. */
void monitor_lifecycle_rebooted(Monitor *m);
/* A reboot in place failed (the container stops next): Reboot waiters get org.berth1.Error.InvalidConfig
 * (config_error) or org.freedesktop.DBus.Error.Failed, with message. */
void monitor_lifecycle_reboot_failed(Monitor *m, bool config_error, const char *message);
/* STOPPED (after cleanup): Reboot waiters get false, Shutdown waiters true, Freeze/Unfreeze ENOTCONN. */
void monitor_lifecycle_stopped(Monitor *m);
/* Called by Stop: a pending reboot is cancelled and a frozen payload thawed (after the signal). */
void monitor_lifecycle_stop_requested(Monitor *m, bool was_frozen);
/* A peer went away: its waiters are dropped without a reply. */
void monitor_lifecycle_drop_bus(Monitor *m, sd_bus *bus);
void monitor_lifecycle_done(Monitor *m);

/* monitor-bus.c */
int monitor_bus_listen(Monitor *m);
void monitor_bus_emit_state(Monitor *m);
void monitor_bus_reply_pending(Monitor *m);
void monitor_bus_flush_all(Monitor *m);
void monitor_bus_done(Monitor *m);
/* Reads an options a{sv} whose known keys are booleans: keys[i] sets *values[i] (a NULL values[i] leaves
 * that key unknown); unknown keys are skipped (callers may be newer), a known key of the wrong type is
 * InvalidArgs. */
int monitor_bus_read_bool_options(sd_bus_message *message, const char *const *keys, bool *const *values,
                                  size_t n_keys, sd_bus_error *error);

/* monitor-client.c: the client side (libberth's C API) */
/* Connects to name's monitor and calls member with the arguments types describes (none if NULL); timeout_usec
 * 0 means sd-bus's default. -ENOTCONN when the monitor is not there or went away; an error the monitor sent
 * is passed on as its errno and (if ret_error) its message. On success, *ret_bus is the connection (fds in
 * the reply stay valid while it is held) and *ret_reply the reply. */
int monitor_client_call(berth *b, const char *name, const char *member, uint64_t timeout_usec, sd_bus **ret_bus,
                        sd_bus_message **ret_reply, char **ret_error, const char *types, ...);
int monitor_client_callv(berth *b, const char *name, const char *member, uint64_t timeout_usec,
                         sd_bus **ret_bus, sd_bus_message **ret_reply, char **ret_error, const char *types,
                         va_list ap);

/* lib/berth.c: a monitor holds $RUNDIR/<name>/lock (also while it removes cgroups after its socket). */
bool berth_container_lock_held(berth *b, const char *name);
