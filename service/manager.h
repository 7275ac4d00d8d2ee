/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* berthd's in-memory model: the defined containers, one peer-to-peer connection per running container's
 * monitor, and the D-Bus requests waiting for an answer (Start until RUNNING, Stop until STOPPED, console
 * reads until the monitor replies). Everything here is event driven: nothing waits on a peer. The model is
 * rebuilt from disk and from the live monitor sockets at startup, so berthd keeps no state of its own. */

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "berth.h"
#include "polkit.h"

/* Requests waiting for an answer (Start, Stop, console, Reboot, Shutdown, Freeze, Mount, ...) per daemon
 * (machined's OPERATIONS_MAX). Beyond that a caller gets Busy. */
#define MANAGER_OPERATIONS_MAX 64U

#define MANAGER_OBJECT_PATH "/org/berth1"
#define CONTAINER_OBJECT_PREFIX "/org/berth1/container"

typedef struct Manager Manager;
typedef struct Container Container;
typedef struct Operation Operation;

typedef enum OperationType {
        OPERATION_START,
        OPERATION_STOP,
        OPERATION_READ_CONSOLE,
        OPERATION_CLEAR_CONSOLE,
        OPERATION_REBOOT,
        OPERATION_SHUTDOWN,
        OPERATION_FREEZE,
        OPERATION_UNFREEZE,
        OPERATION_OPEN_CONSOLE,
        OPERATION_MOUNT,
        OPERATION_UMOUNT,
        _OPERATION_TYPE_MAX,
} OperationType;

/* One D-Bus request that is answered later. The request message is kept referenced; slot is the monitor
 * call made on its behalf (NULL for Start, which waits on the container's ready fd instead). Long waits
 * (Reboot, Shutdown) also watch their caller on the bus (caller_match_slot, caller_query_slot): a caller
 * that disconnects has its request dropped, so a forgotten Reboot(-1) holds nothing. */
struct Operation {
        Manager *manager;
        Container *container;
        OperationType type;
        sd_bus_message *message;
        sd_bus_slot *slot;
        sd_bus_slot *caller_match_slot, *caller_query_slot;
        /* Reboot/Shutdown with a wait: the monitor call goes on this connection of its own (slot is on it),
         * because the monitor ends a request only when the last connection waiting for it closes. Closing it
         * (operation_free(), e.g. when the caller disconnects) is how the monitor learns nobody waits. */
        sd_bus *monitor_bus;
        int timeout; /* Reboot/Shutdown: the timeout argument in seconds (-1 = none) */
        bool force;  /* Shutdown: the force option */
        Operation *next, *prev; /* in container->operations */
};

struct Container {
        Manager *manager;
        char *name;
        char *path; /* D-Bus object path */
        char *config_path; /* the stored definition, <containers dir>/<name>/config */
        uid_t owner;
        berth_state state;
        pid_t init_pid;
        uint64_t console_buffer_size;
        /* The stored config as of the last parse for console_buffer_size: parsed again only when it changed
         * (another tool may redefine the container behind our back). st_ino 0 = not parsed yet. */
        struct stat config_stat;

        /* The monitor connection while the container runs (NULL when stopped). */
        sd_bus *monitor;
        sd_bus_slot *state_changed_slot, *disconnected_slot, *get_info_slot;

        /* A start in progress: the ready pipe from berth_container_start_async(). */
        int ready_fd;
        sd_event_source *ready_source;

        Operation *operations;
        Container *next, *prev; /* in manager->containers */
};

struct Manager {
        sd_event *event;
        sd_bus *bus;
        berth *berth;
        PolkitRegistry *polkit_registry;
        Container *containers;
        unsigned n_containers;
        unsigned n_operations;
};

int manager_new(const char *root, Manager **ret);
Manager *manager_free(Manager *m);
static inline void manager_freep(Manager **m) {
        manager_free(*m);
}

/* Read the definitions and reconnect to every live monitor (at startup, before taking the bus name). */
int manager_startup(Manager *m);
/* Bring the model in line with the disk and the monitor sockets: definitions made or removed by other
 * tools (the C API) appear or vanish, and containers started behind our back get their monitor attached.
 * Emits ContainerNew/ContainerRemoved and PropertiesChanged for what changed. */
void manager_refresh(Manager *m);

Container *manager_get_container(Manager *m, const char *name);
/* Adds the container named (defined on disk) to the model; tries to attach its monitor. */
int manager_add_container(Manager *m, const char *name, Container **ret);
/* Removes it from the model (pending requests get an error reply). */
void container_free(Container *c);

/* Connect to the container's monitor if one runs. Returns 1 attached (or already attached), 0 not
 * running, <0 error. The state is then learnt asynchronously (GetInfo) and tracked (StateChanged). */
int container_attach_monitor(Container *c);
/* Forget the monitor connection (it closed): the container is STOPPED. */
void container_detach_monitor(Container *c);
/* Set state and init pid, emitting PropertiesChanged when either changed. */
void container_set_state(Container *c, berth_state state, pid_t init_pid);
bool container_is_starting(const Container *c);
/* The configured ring buffer size (from the stored config), used while the container is stopped: the size
 * it will have once started. Cheap when the definition did not change (one stat()). Returns true if the
 * value changed (the caller emits PropertiesChanged when it wants to). */
bool container_load_console_buffer_size(Container *c);

/* NULL with -EBUSY when MANAGER_OPERATIONS_MAX requests are already in flight. */
int operation_new(Container *c, OperationType type, sd_bus_message *message, Operation **ret);
Operation *operation_free(Operation *o);
