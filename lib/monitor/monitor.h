/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* berth-monitor's state: one per running container (see README.md in this directory). */

#include <stdbool.h>
#include <sys/types.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>
#include <systemd/sd-id128.h>

#include "berth.h"
#include "config/config.h"
#include "console/console-logfile.h"
#include "console/console-ring.h"

#define MONITOR_OBJECT_PATH "/org/berth1/monitor"
#define MONITOR_INTERFACE "org.berth1.Monitor"
/* Bounds what peers can make the monitor allocate. */
#define MONITOR_CONNECTIONS_MAX 64U
#define MONITOR_PENDING_STOPS_MAX 64U
/* An init that ignores lxc.signal.stop (no handler yet, or none at all) is killed after this long. */
#define MONITOR_STOP_KILL_USEC (10ULL * 1000000ULL)

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

/* monitor-bus.c */
int monitor_bus_listen(Monitor *m);
void monitor_bus_emit_state(Monitor *m);
void monitor_bus_reply_pending(Monitor *m);
void monitor_bus_flush_all(Monitor *m);
void monitor_bus_done(Monitor *m);
