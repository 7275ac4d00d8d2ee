/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus-util.h"
#include "config/config.h"
#include "container-dbus.h"
#include "container-lifecycle.h"
#include "errors.h"
#include "log/log.h"
#include "manager-dbus.h"
#include "manager.h"
#include "util/fd-util.h"
#include "util/macro.h"
#include "util/strv.h"

int manager_new(const char *root, Manager **ret) {
        _cleanup_(manager_freep) Manager *m = NULL;
        int r;

        m = calloc(1, sizeof(Manager));
        if (!m)
                return -ENOMEM;

        r = berth_new(root, &m->berth);
        if (r < 0)
                return r;

        r = sd_event_default(&m->event);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(m);
        return 0;
}

Manager *manager_free(Manager *m) {
        if (!m)
                return NULL;

        while (m->containers)
                container_free(m->containers);

        m->polkit_registry = polkit_registry_free(m->polkit_registry);
        /* Flush what we queued (final replies, signals) to the broker, then drop the connection. The
         * monitor connections were closed above without a word: the containers keep running. */
        m->bus = sd_bus_flush_close_unref(m->bus);
        m->event = sd_event_unref(m->event);
        m->berth = berth_unref(m->berth);
        free(m);
        return NULL;
}

Container *manager_get_container(Manager *m, const char *name) {
        for (Container *c = m->containers; c; c = c->next)
                if (streq(c->name, name))
                        return c;
        return NULL;
}

static bool stat_same(const struct stat *a, const struct stat *b) {
        return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
               a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

bool container_load_console_buffer_size(Container *c) {
        _cleanup_(berth_config_freep) BerthConfig *config = NULL;
        _cleanup_(berth_config_diag_done) BerthConfigDiag diag = {};
        const char *path = c->config_path;
        uint64_t old = c->console_buffer_size;
        struct stat st;
        int r;

        /* Only a parse of the stored definition: no peer is asked, so this never blocks on a monitor. The
         * definition is replaced atomically (rename): a new inode or mtime means a new text. */
        if (stat(path, &st) < 0) {
                /* Gone (undefined behind our back) or unreadable: nothing to parse, and no warning on every
                 * property read until it is back. */
                log_debug_errno(errno, "Cannot stat %s, reporting no console buffer: %m", path);
                c->config_stat = (struct stat) {};
                c->console_buffer_size = 0;
                return old != 0;
        }
        if (c->config_stat.st_ino != 0 && stat_same(&st, &c->config_stat))
                return false;

        r = berth_config_new(&config);
        if (r >= 0)
                r = berth_config_load_file(config, path, &diag);
        if (r < 0) {
                log_warning("Cannot parse %s, reporting no console buffer: %s", path,
                            diag.errors && diag.errors[0] ? diag.errors[0] : strerror(-r));
                c->console_buffer_size = 0;
        } else
                c->console_buffer_size = config->console_buffer_size;
        c->config_stat = st;
        return c->console_buffer_size != old;
}

int manager_add_container(Manager *m, const char *name, Container **ret) {
        Container *c;
        int r;

        c = calloc(1, sizeof(Container));
        if (!c)
                return -ENOMEM;
        c->manager = m;
        c->ready_fd = -EBADF;
        c->state = BERTH_STATE_STOPPED;
        c->name = strdup(name);
        if (!c->name) {
                free(c);
                return -ENOMEM;
        }
        r = sd_bus_path_encode(CONTAINER_OBJECT_PREFIX, name, &c->path);
        if (r < 0) {
                free(c->name);
                free(c);
                return r;
        }
        if (asprintf(&c->config_path, "%s/%s/config", berth_get_containers_dir(m->berth), name) < 0) {
                free(c->path);
                free(c->name);
                free(c);
                return -ENOMEM;
        }

        r = berth_container_get_owner(m->berth, name, &c->owner);
        if (r < 0) {
                log_warning_errno(r, "Cannot read the owner of container '%s', reporting root: %m", name);
                c->owner = 0;
        }
        container_load_console_buffer_size(c);

        c->next = m->containers;
        if (m->containers)
                m->containers->prev = c;
        m->containers = c;
        m->n_containers++;

        r = container_attach_monitor(c);
        if (r < 0)
                log_warning_errno(r, "Cannot connect to the monitor of container '%s', assuming it is stopped: %m",
                                  name);

        if (ret)
                *ret = c;
        return 0;
}

void container_free(Container *c) {
        Manager *m;

        if (!c)
                return;
        m = c->manager;

        /* Requests still waiting are dropped without a reply only at daemon exit; everywhere else the
         * callers answer them first (container_fail_operations()). */
        while (c->operations)
                operation_free(c->operations);

        c->ready_source = sd_event_source_disable_unref(c->ready_source);
        c->ready_fd = safe_close(c->ready_fd);

        c->state_changed_slot = sd_bus_slot_unref(c->state_changed_slot);
        c->disconnected_slot = sd_bus_slot_unref(c->disconnected_slot);
        c->get_info_slot = sd_bus_slot_unref(c->get_info_slot);
        c->monitor = sd_bus_close_unref(c->monitor);

        if (c->prev)
                c->prev->next = c->next;
        else
                m->containers = c->next;
        if (c->next)
                c->next->prev = c->prev;
        m->n_containers--;

        free(c->config_path);
        free(c->path);
        free(c->name);
        free(c);
}

bool container_is_starting(const Container *c) {
        return c->ready_source;
}

void container_set_state(Container *c, berth_state state, pid_t init_pid) {
        char *changed[3] = {};
        size_t n = 0;

        if (c->state != state) {
                log_debug("Container '%s': %s → %s", c->name, berth_state_to_string(c->state),
                          berth_state_to_string(state));
                c->state = state;
                changed[n++] = (char *) "State";
        }
        if (c->init_pid != init_pid) {
                c->init_pid = init_pid;
                changed[n++] = (char *) "InitPid";
        }
        if (n > 0)
                container_send_changed(c, changed);
}

static void container_set_console_buffer_size(Container *c, uint64_t size) {
        if (c->console_buffer_size == size)
                return;
        c->console_buffer_size = size;
        container_send_changed(c, (char *[]) { (char *) "ConsoleBufferSize", NULL });
}

static int on_monitor_state_changed(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        Container *c = userdata;
        const char *state;
        uint32_t pid;
        int r, s;

        r = sd_bus_message_read(message, "su", &state, &pid);
        if (r < 0) {
                log_warning_errno(r, "Malformed StateChanged from the monitor of '%s', ignoring: %m", c->name);
                return 0;
        }
        s = berth_state_from_string(state);
        if (s < 0) {
                log_warning("Unknown state '%s' from the monitor of '%s', ignoring.", state, c->name);
                return 0;
        }

        container_set_state(c, s, s == BERTH_STATE_STOPPED ? 0 : (pid_t) pid);
        return 0;
}

static int on_monitor_get_info(sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Container *c = userdata;
        const sd_bus_error *e;
        const char *state = NULL;
        uint32_t pid = 0;
        uint64_t size = c->console_buffer_size;
        int r, s;

        c->get_info_slot = sd_bus_slot_unref(c->get_info_slot);

        e = sd_bus_message_get_error(reply);
        if (e) {
                /* A monitor that closes has its pending calls failed first; Disconnected follows. */
                log_debug("GetInfo on the monitor of '%s' failed: %s", c->name, e->message ?: e->name);
                return 0;
        }

        r = sd_bus_message_enter_container(reply, 'a', "{sv}");
        if (r < 0)
                goto malformed;
        while ((r = sd_bus_message_enter_container(reply, 'e', "sv")) > 0) {
                const char *key;

                r = sd_bus_message_read(reply, "s", &key);
                if (r < 0)
                        goto malformed;
                if (streq(key, "State"))
                        r = sd_bus_message_read(reply, "v", "s", &state);
                else if (streq(key, "InitPid"))
                        r = sd_bus_message_read(reply, "v", "u", &pid);
                else if (streq(key, "ConsoleBufferSize"))
                        r = sd_bus_message_read(reply, "v", "t", &size);
                else
                        r = sd_bus_message_skip(reply, "v");
                if (r < 0)
                        goto malformed;
                r = sd_bus_message_exit_container(reply);
                if (r < 0)
                        goto malformed;
        }
        if (r < 0)
                goto malformed;

        container_set_console_buffer_size(c, size);
        if (state) {
                s = berth_state_from_string(state);
                if (s < 0)
                        log_warning("Unknown state '%s' from the monitor of '%s', ignoring.", state, c->name);
                else
                        container_set_state(c, s, s == BERTH_STATE_STOPPED ? 0 : (pid_t) pid);
        }
        return 0;

malformed:
        log_warning_errno(r, "Malformed GetInfo reply from the monitor of '%s', ignoring: %m", c->name);
        return 0;
}

static int on_monitor_disconnected(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        Container *c = userdata;

        log_debug("The monitor of '%s' closed its connection.", c->name);
        container_detach_monitor(c);
        return 0;
}

int container_attach_monitor(Container *c) {
        _cleanup_(sd_bus_close_unrefp) sd_bus *bus = NULL;
        Manager *m = c->manager;
        int r;

        if (c->monitor)
                return 1;

        r = berth_monitor_open(m->berth, c->name, &bus);
        if (r == -ENOTCONN || r == -ENOENT || r == -ECONNREFUSED)
                return 0;
        if (r < 0)
                return r;

        /* Our own loop closes these connections; a flush at exit could wait on a stuck monitor. */
        (void) sd_bus_set_close_on_exit(bus, false);
        r = sd_bus_attach_event(bus, m->event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0)
                return r;

        /* Peer-to-peer: no broker, so no sender to match on. */
        r = sd_bus_match_signal(bus, &c->state_changed_slot, NULL, MONITOR_PATH, MONITOR_INTERFACE, "StateChanged",
                                on_monitor_state_changed, c);
        if (r < 0)
                goto fail;
        r = sd_bus_match_signal(bus, &c->disconnected_slot, NULL, "/org/freedesktop/DBus/Local",
                                "org.freedesktop.DBus.Local", "Disconnected", on_monitor_disconnected, c);
        if (r < 0)
                goto fail;
        r = sd_bus_call_method_async(bus, &c->get_info_slot, NULL, MONITOR_PATH, MONITOR_INTERFACE, "GetInfo",
                                     on_monitor_get_info, c, "");
        if (r < 0)
                goto fail;

        c->monitor = TAKE_PTR(bus);
        log_debug("Attached to the monitor of '%s'.", c->name);

        /* A live monitor means a live container; GetInfo corrects the details shortly. */
        if (c->state == BERTH_STATE_STOPPED || c->state == BERTH_STATE_STARTING)
                container_set_state(c, BERTH_STATE_RUNNING, c->init_pid);
        return 1;

fail:
        c->state_changed_slot = sd_bus_slot_unref(c->state_changed_slot);
        c->disconnected_slot = sd_bus_slot_unref(c->disconnected_slot);
        c->get_info_slot = sd_bus_slot_unref(c->get_info_slot);
        return r;
}

void container_detach_monitor(Container *c) {
        uint64_t old_size = c->console_buffer_size;

        if (!c->monitor)
                return;

        /* Whatever still waits on this monitor gets an answer now: after an explicit close sd-bus never
         * calls the pending reply callbacks. A Stop is done when the monitor is gone. */
        container_complete_operations(c, OPERATION_STOP);
        container_fail_operations(c, OPERATION_READ_CONSOLE, BERTH_ERROR_NOT_RUNNING,
                                  "Container '%s' stopped.", c->name);
        container_fail_operations(c, OPERATION_CLEAR_CONSOLE, BERTH_ERROR_NOT_RUNNING,
                                  "Container '%s' stopped.", c->name);
        container_lifecycle_monitor_gone(c);

        c->state_changed_slot = sd_bus_slot_unref(c->state_changed_slot);
        c->disconnected_slot = sd_bus_slot_unref(c->disconnected_slot);
        c->get_info_slot = sd_bus_slot_unref(c->get_info_slot);
        /* Safe from within this bus's own callbacks: sd-bus holds a reference while dispatching. */
        c->monitor = sd_bus_close_unref(c->monitor);

        /* Back to what the definition says (the monitor's value replaced it while running): parse again. */
        c->config_stat = (struct stat) {};
        container_load_console_buffer_size(c);
        container_set_state(c, BERTH_STATE_STOPPED, 0);
        if (c->console_buffer_size != old_size)
                container_send_changed(c, (char *[]) { (char *) "ConsoleBufferSize", NULL });
}

int manager_startup(Manager *m) {
        _cleanup_strv_free_ char **names = NULL;
        int r;

        r = berth_container_list(m->berth, &names);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return log_error_errno(r, "Failed to list container definitions: %m");

        STRV_FOREACH(n, names) {
                r = manager_add_container(m, *n, NULL);
                if (r < 0)
                        return log_error_errno(r, "Failed to load container '%s': %m", *n);
        }

        log_info("%u container(s) defined.", m->n_containers);
        return 0;
}

void manager_refresh(Manager *m) {
        _cleanup_strv_free_ char **names = NULL;
        Container *next;
        int r;

        r = berth_container_list(m->berth, &names);
        if (r < 0 && r != -ENOENT) {
                log_warning_errno(r, "Failed to list container definitions, ignoring: %m");
                return;
        }

        STRV_FOREACH(n, names) {
                Container *c = manager_get_container(m, *n);

                if (c) {
                        /* Started behind our back (C API)? Cheap: a connect() on a missing socket. */
                        if (!c->monitor && !container_is_starting(c))
                                (void) container_attach_monitor(c);
                        /* Redefined behind our back: the size it will start with may differ now. */
                        if (!c->monitor && container_load_console_buffer_size(c))
                                container_send_changed(c, (char *[]) { (char *) "ConsoleBufferSize", NULL });
                        continue;
                }

                r = manager_add_container(m, *n, &c);
                if (r < 0) {
                        log_warning_errno(r, "Failed to load container '%s', ignoring: %m", *n);
                        continue;
                }
                manager_send_container_new(m, c);
        }

        for (Container *c = m->containers; c; c = next) {
                next = c->next;
                if (strv_contains(names, c->name))
                        continue;
                /* Undefined by someone else; keep it while we still track a running instance. */
                if (c->monitor || container_is_starting(c) || c->operations)
                        continue;
                manager_send_container_removed(m, c);
                container_free(c);
        }
}

int operation_new(Container *c, OperationType type, sd_bus_message *message, Operation **ret) {
        Manager *m = c->manager;
        Operation *o;

        if (m->n_operations >= MANAGER_OPERATIONS_MAX)
                return -EBUSY;

        o = calloc(1, sizeof(Operation));
        if (!o)
                return -ENOMEM;
        o->manager = m;
        o->container = c;
        o->type = type;
        o->message = sd_bus_message_ref(message);

        o->next = c->operations;
        if (c->operations)
                c->operations->prev = o;
        c->operations = o;
        m->n_operations++;

        *ret = o;
        return 0;
}

Operation *operation_free(Operation *o) {
        Container *c;

        if (!o)
                return NULL;
        c = o->container;

        o->slot = sd_bus_slot_unref(o->slot);
        /* No flush: what is still queued is moot, and a flush could block on a stuck monitor. */
        o->monitor_bus = sd_bus_close_unref(o->monitor_bus);
        o->caller_match_slot = sd_bus_slot_unref(o->caller_match_slot);
        o->caller_query_slot = sd_bus_slot_unref(o->caller_query_slot);
        o->message = sd_bus_message_unref(o->message);

        if (o->prev)
                o->prev->next = o->next;
        else
                c->operations = o->next;
        if (o->next)
                o->next->prev = o->prev;
        o->manager->n_operations--;

        free(o);
        return NULL;
}
