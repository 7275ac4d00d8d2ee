/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* org.berth1.Manager at /org/berth1 (+ org.freedesktop.DBus.ObjectManager), the system bus connection, and
 * the small argument helpers every berthd handler shares. */

#include <stdbool.h>
#include <systemd/sd-bus.h>

#include "manager.h"

#define BERTH_BUS_NAME "org.berth1"

/* Open the system bus ($DBUS_SYSTEM_BUS_ADDRESS honoured), attach it to m->event, register every object.
 * The name is requested separately, once the model is loaded. */
int manager_connect_bus(Manager *m);
/* The same on a connection already in m->bus (tests use a peer-to-peer socketpair). */
int manager_register_bus(Manager *m);
/* Take org.berth1; a clear error when it is already owned or the bus policy forbids it. */
int manager_request_name(Manager *m);

void manager_send_container_new(Manager *m, Container *c);
void manager_send_container_removed(Manager *m, Container *c);

/* One accepted key of an a{sv} options argument: type is a single basic type ('b' → bool*, 's' → const
 * char** valid while the message lives, 't' → uint64_t*). */
typedef struct BusOption {
        const char *key;
        char type;
        void *ret;
} BusOption;

/* Read an a{sv}: unknown keys and wrong types are InvalidArgs naming the key. options is terminated by an
 * entry with key NULL (or is NULL: no key accepted). */
int bus_read_options(sd_bus_message *message, const BusOption *options, sd_bus_error *error);

/* InvalidArgs "Invalid container name '...'" unless berth_name_is_valid(). The name is echoed escaped and
 * cut (util/escape.h), as every caller string in our errors. */
int bus_check_container_name(const char *name, sd_bus_error *error);

/* Limits on caller strings, checked before polkit and before any parsing. */
#define BUS_CONFIG_TEXT_MAX (1024U * 1024U) /* CreateContainer's config */
#define BUS_OPTION_STRING_MAX 4096U         /* an 's' value in a{sv} options */
#define BUS_HOST_KEYS_LISTED 5U             /* host keys named in a denial, then "and N more" */

/* error holds polkit's denial of action (AccessDenied or InteractiveAuthorizationRequired) for a config
 * with these host keys: rewrite its message, keeping its name, to say which keys need the action and on
 * which line of config_text they first appear ("Interactive authentication required:
 * org.berth1.configure-host is needed for lxc.include (config:1)"). Other errors are left alone. Returns
 * -EACCES (-ENOMEM). */
int bus_host_keys_denied(sd_bus_error *error, const char *action, const char *config_text, char *const *host_keys);
