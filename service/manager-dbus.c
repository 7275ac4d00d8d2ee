/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "berth-build.h"
#include "config/config.h"
#include "container-dbus.h"
#include "errors.h"
#include "log-control.h"
#include "log/log.h"
#include "manager-dbus.h"
#include "polkit.h"
#include "util/escape.h"
#include "util/strv.h"

#define MANAGER_INTERFACE "org.berth1.Manager"

/* ---- shared argument helpers ---- */

int bus_read_options(sd_bus_message *message, const BusOption *options, sd_bus_error *error) {
        int r;

        r = sd_bus_message_enter_container(message, 'a', "{sv}");
        if (r < 0)
                return r;

        while ((r = sd_bus_message_enter_container(message, 'e', "sv")) > 0) {
                const BusOption *o = NULL;
                const char *key, *contents;
                char type[2] = {};

                r = sd_bus_message_read(message, "s", &key);
                if (r < 0)
                        return r;

                for (const BusOption *i = options; i && i->key; i++)
                        if (streq(i->key, key)) {
                                o = i;
                                break;
                        }
                if (!o)
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "Unknown option '%s'.",
                                                 ECHO_ARG(key));

                r = sd_bus_message_peek_type(message, NULL, &contents);
                if (r < 0)
                        return r;
                type[0] = o->type;
                if (!streq(contents, type))
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                                 "Option '%s' must be of type '%s', not '%s'.", key, type,
                                                 ECHO_ARG(contents));

                switch (o->type) {
                case 'b': {
                        int b;

                        r = sd_bus_message_read(message, "v", "b", &b);
                        if (r >= 0)
                                *(bool *) o->ret = b;
                        break;
                }
                case 's':
                        r = sd_bus_message_read(message, "v", "s", (const char **) o->ret);
                        if (r >= 0 && strlen(*(const char **) o->ret) > BUS_OPTION_STRING_MAX)
                                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                                         "Option '%s' is too long (%zu bytes, at most %u).", key,
                                                         strlen(*(const char **) o->ret), BUS_OPTION_STRING_MAX);
                        break;
                case 't':
                        r = sd_bus_message_read(message, "v", "t", (uint64_t *) o->ret);
                        break;
                default:
                        return -EINVAL;
                }
                if (r < 0)
                        return r;

                r = sd_bus_message_exit_container(message);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;

        return sd_bus_message_exit_container(message);
}

int bus_check_container_name(const char *name, sd_bus_error *error) {
        if (!berth_name_is_valid(name))
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "Invalid container name '%s'.",
                                         ECHO_ARG(name));
        return 0;
}

/* ---- signals ---- */

void manager_send_container_new(Manager *m, Container *c) {
        int r;

        r = sd_bus_emit_object_added(m->bus, c->path);
        if (r < 0)
                log_warning_errno(r, "Failed to emit InterfacesAdded for '%s', ignoring: %m", c->name);
        r = sd_bus_emit_signal(m->bus, MANAGER_OBJECT_PATH, MANAGER_INTERFACE, "ContainerNew", "so", c->name, c->path);
        if (r < 0)
                log_warning_errno(r, "Failed to emit ContainerNew for '%s', ignoring: %m", c->name);
}

void manager_send_container_removed(Manager *m, Container *c) {
        int r;

        /* Before the container leaves the model: InterfacesRemoved is built by looking the object up. */
        r = sd_bus_emit_object_removed(m->bus, c->path);
        if (r < 0)
                log_warning_errno(r, "Failed to emit InterfacesRemoved for '%s', ignoring: %m", c->name);
        r = sd_bus_emit_signal(m->bus, MANAGER_OBJECT_PATH, MANAGER_INTERFACE, "ContainerRemoved", "so", c->name,
                               c->path);
        if (r < 0)
                log_warning_errno(r, "Failed to emit ContainerRemoved for '%s', ignoring: %m", c->name);
}

/* ---- properties ---- */

static int property_get_version(sd_bus *bus, const char *path, const char *interface, const char *property,
                                sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "s", BERTH_VERSION);
}

static int property_get_api_extensions(sd_bus *bus, const char *path, const char *interface,
                                       const char *property, sd_bus_message *reply, void *userdata,
                                       sd_bus_error *error) {
        return sd_bus_message_append_strv(reply, (char **) berth_api_extensions());
}

/* ---- methods ---- */

static int container_compare(const void *a, const void *b) {
        const Container *const *x = a, *const *y = b;
        return strcmp((*x)->name, (*y)->name);
}

static int method_list_containers(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_free_ Container **sorted = NULL;
        Manager *m = userdata;
        size_t n = 0;
        int r;

        r = bus_read_options(message, NULL, error);
        if (r < 0)
                return r;

        manager_refresh(m);

        sorted = calloc(m->n_containers + 1, sizeof(Container *));
        if (!sorted)
                return -ENOMEM;
        for (Container *c = m->containers; c; c = c->next)
                sorted[n++] = c;
        qsort(sorted, n, sizeof(Container *), container_compare);

        r = sd_bus_message_new_method_return(message, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', "(sso)");
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                r = sd_bus_message_append(reply, "(sso)", sorted[i]->name, berth_state_to_string(sorted[i]->state),
                                          sorted[i]->path);
                if (r < 0)
                        return r;
        }
        r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;

        return sd_bus_send(NULL, reply, NULL);
}

/* The model, refreshed from disk once if the name is unknown (defined by another tool meanwhile). */
static Container *manager_lookup(Manager *m, const char *name) {
        Container *c;

        c = manager_get_container(m, name);
        if (c)
                return c;
        manager_refresh(m);
        return manager_get_container(m, name);
}

static int method_get_container(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        const char *name;
        Container *c;
        int r;

        r = sd_bus_message_read(message, "s", &name);
        if (r < 0)
                return r;
        r = bus_check_container_name(name, error);
        if (r < 0)
                return r;

        c = manager_lookup(m, name);
        if (!c)
                return sd_bus_error_setf(error, BERTH_ERROR_NO_SUCH_CONTAINER, "No container '%s'.", name);

        return sd_bus_reply_method_return(message, "o", c->path);
}

static int sender_euid(sd_bus_message *message, uid_t *ret) {
        _cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;
        int r;

        r = sd_bus_query_sender_creds(message, SD_BUS_CREDS_EUID | SD_BUS_CREDS_AUGMENT, &creds);
        if (r < 0)
                return r;
        r = sd_bus_creds_get_euid(creds, ret);
        if (r == -ENODATA)
                /* Some brokers only hand out the socket's uid. */
                r = sd_bus_creds_get_uid(creds, ret);
        return r;
}

/* Line (1-based) of the first "key = ..." line of text, 0 if none: the scan is as cheap as the text. */
static unsigned config_text_key_line(const char *text, const char *key) {
        size_t kl = strlen(key);
        unsigned line = 1;
        for (const char *p = text; p; line++) {
                p += strspn(p, " \t");
                if (strncmp(p, key, kl) == 0 && strchr(" \t=", p[kl]) && p[kl])
                        return line;
                p = strchr(p, '\n');
                if (p)
                        p++;
        }
        return 0;
}

int bus_host_keys_denied(sd_bus_error *error, const char *action, const char *config_text, char *const *host_keys) {
        _cleanup_free_ char *what = NULL, *prefix = NULL;
        size_t n = 0, len = 0;
        FILE *f;

        /* Keep the name polkit's answer gave (InteractiveAuthorizationRequired tells a client to retry with
         * interaction allowed), but say what needs the action: a rule writer needs to know. */
        if (!sd_bus_error_has_names(error, SD_BUS_ERROR_INTERACTIVE_AUTHORIZATION_REQUIRED,
                                    SD_BUS_ERROR_ACCESS_DENIED))
                return -EACCES;

        f = open_memstream(&what, &len);
        if (!f)
                return -ENOMEM;
        STRV_FOREACH(k, (char **) host_keys) {
                if (n == BUS_HOST_KEYS_LISTED) {
                        fprintf(f, " and %zu more", strv_length((char **) host_keys) - n);
                        break;
                }
                unsigned line = config_text_key_line(config_text, *k);
                fprintf(f, "%s%s", n > 0 ? ", " : "", ECHO_ARG(*k));
                if (line > 0)
                        fprintf(f, " (config:%u)", line);
                n++;
        }
        if (fclose(f) != 0 || !what)
                return -ENOMEM;

        bool interactive = sd_bus_error_has_name(error, SD_BUS_ERROR_INTERACTIVE_AUTHORIZATION_REQUIRED);
        _cleanup_free_ char *name = strdup(error->name);
        if (!name)
                return -ENOMEM;
        sd_bus_error_free(error);
        sd_bus_error_setf(error, name, "%s: %s is needed for %s",
                          interactive ? "Interactive authentication required" : "Access denied", action, what);
        return -EACCES;
}

static int method_create_container(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        _cleanup_strv_free_ char **host_keys = NULL;
        _cleanup_free_ char *reason = NULL, *keys = NULL, *rootfs = NULL;
        Manager *m = userdata;
        const char *name, *config, *template = NULL;
        Container *c;
        uid_t owner;
        int r;

        r = sd_bus_message_read(message, "ss", &name, &config);
        if (r < 0)
                return r;
        /* Before anything else looks at it (polkit, the parser): a huge text would stall the one loop. */
        if (strlen(config) > BUS_CONFIG_TEXT_MAX)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "config is too large (%zu bytes, at most 1 MiB)", strlen(config));
        r = bus_read_options(message, (const BusOption[]) {
                                              { "template", 's', &template },
                                              {},
                                      },
                             error);
        if (r < 0)
                return r;

        /* Everything checkable without touching the disk or asking anyone comes first. */
        r = bus_check_container_name(name, error);
        if (r < 0)
                return r;
        if (template && !streq(template, "busybox"))
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "Unknown template '%s' (known: busybox).", ECHO_ARG(template));

        if (manager_get_container(m, name) || berth_container_exists(m->berth, name))
                return sd_bus_error_setf(error, BERTH_ERROR_CONTAINER_EXISTS, "Container '%s' already exists.", name);

        /* A scan of the text only: the config is parsed (with its includes) only once the caller is known
         * to be allowed, so an unauthorised caller can't make us read host files. */
        r = berth_config_text_host_keys(config, &host_keys);
        if (r == -E2BIG)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "config has too many distinct host keys (at most %u)",
                                         BERTH_CONFIG_HOST_KEYS_MAX);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Failed to scan the configuration of '%s': %m",
                                               name);

        {
                const char *details[] = { "container", name, "verb", "create", NULL };

                r = bus_verify_polkit_async(message, "org.berth1.create", details, &m->polkit_registry, error);
                if (r < 0)
                        return r;
                if (r == 0)
                        return 1;
        }

        if (host_keys && host_keys[0]) {
                keys = strv_join(host_keys, ",");
                if (!keys)
                        return -ENOMEM;

                const char *details[] = { "container", name, "verb", "create", "keys", keys, NULL };

                r = bus_verify_polkit_async(message, "org.berth1.configure-host", details, &m->polkit_registry,
                                            error);
                if (r == -EACCES)
                        return bus_host_keys_denied(error, "org.berth1.configure-host", config, host_keys);
                if (r < 0)
                        return r;
                if (r == 0)
                        return 1;
        }

        r = sender_euid(message, &owner);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Failed to learn the caller's uid: %m");

        r = berth_container_define(m->berth, name, config, owner, &reason);
        if (r == -EEXIST)
                return sd_bus_error_setf(error, BERTH_ERROR_CONTAINER_EXISTS, "Container '%s' already exists.", name);
        if (r == -EINVAL && reason)
                return sd_bus_error_set(error, BERTH_ERROR_INVALID_CONFIG, reason);
        if (r == -EINVAL)
                return sd_bus_error_setf(error, BERTH_ERROR_INVALID_CONFIG, "Invalid configuration for '%s'.", name);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Failed to define container '%s': %s", name,
                                               reason ?: strerror(-r));

        if (template) {
                reason = mfree(reason);
                r = berth_container_default_rootfs(m->berth, name, &rootfs);
                if (r >= 0)
                        r = berth_template_busybox(rootfs, &reason);
                if (r < 0) {
                        int k = berth_container_undefine(m->berth, name);
                        if (k < 0)
                                log_warning_errno(k, "Failed to remove the half-made container '%s': %m", name);
                        return sd_bus_error_setf(error, SD_BUS_ERROR_FAILED,
                                                 "Failed to build the busybox rootfs of '%s': %s", name,
                                                 reason ?: strerror(-r));
                }
        }

        r = manager_add_container(m, name, &c);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Container '%s' was defined but cannot be loaded: %m",
                                               name);

        log_info("Container '%s' created by uid %u.", name, (unsigned) owner);
        manager_send_container_new(m, c);
        return sd_bus_reply_method_return(message, "o", c->path);
}

static int method_destroy_container(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        const char *name;
        Container *c;
        int r;

        r = sd_bus_message_read(message, "s", &name);
        if (r < 0)
                return r;
        r = bus_read_options(message, NULL, error);
        if (r < 0)
                return r;
        r = bus_check_container_name(name, error);
        if (r < 0)
                return r;

        c = manager_lookup(m, name);
        if (!c)
                return sd_bus_error_setf(error, BERTH_ERROR_NO_SUCH_CONTAINER, "No container '%s'.", name);

        r = container_verify_polkit(c, message, "org.berth1.destroy", "destroy", error);
        if (r < 0)
                return r;
        if (r == 0)
                return 1;

        /* Starting: our Start is waiting for it, or its monitor says so (hooks still running). */
        if (container_is_starting(c) || c->state == BERTH_STATE_STARTING)
                return sd_bus_error_setf(error, BERTH_ERROR_BUSY, "Container '%s' is starting, stop it first.", name);
        if (c->monitor)
                return sd_bus_error_setf(error, BERTH_ERROR_BUSY, "Container '%s' is running, stop it first.", name);
        if (c->operations)
                return sd_bus_error_setf(error, BERTH_ERROR_BUSY,
                                         "Container '%s' has requests in flight, try again.", name);

        r = berth_container_undefine(m->berth, name);
        if (r == -EBUSY)
                return sd_bus_error_setf(error, BERTH_ERROR_BUSY, "Container '%s' is running, stop it first.", name);
        if (r < 0 && r != -ENOENT)
                return sd_bus_error_set_errnof(error, r, "Failed to destroy container '%s': %m", name);

        log_info("Container '%s' destroyed.", name);
        manager_send_container_removed(m, c);
        container_free(c);
        return sd_bus_reply_method_return(message, NULL);
}

static int method_has_api_extension(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        const char *extension;
        int r;

        r = sd_bus_message_read(message, "s", &extension);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(message, "b", berth_has_api_extension(extension));
}

static int method_config_item_is_supported(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        const char *key;
        int r;

        r = sd_bus_message_read(message, "s", &key);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(message, "b", berth_config_item_is_supported(key));
}

static const sd_bus_vtable manager_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Version", "s", property_get_version, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("ApiExtensions", "as", property_get_api_extensions, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        /* Queries need no polkit, but must be callable by anyone: hence UNPRIVILEGED on all of them. */
        SD_BUS_METHOD_WITH_ARGS("ListContainers",
                                SD_BUS_ARGS("a{sv}", options),
                                SD_BUS_RESULT("a(sso)", containers),
                                method_list_containers,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetContainer",
                                SD_BUS_ARGS("s", name),
                                SD_BUS_RESULT("o", path),
                                method_get_container,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("CreateContainer",
                                SD_BUS_ARGS("s", name, "s", config, "a{sv}", options),
                                SD_BUS_RESULT("o", path),
                                method_create_container,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("DestroyContainer",
                                SD_BUS_ARGS("s", name, "a{sv}", options),
                                SD_BUS_NO_RESULT,
                                method_destroy_container,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("HasApiExtension",
                                SD_BUS_ARGS("s", extension),
                                SD_BUS_RESULT("b", supported),
                                method_has_api_extension,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ConfigItemIsSupported",
                                SD_BUS_ARGS("s", key),
                                SD_BUS_RESULT("b", supported),
                                method_config_item_is_supported,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_SIGNAL_WITH_ARGS("ContainerNew", SD_BUS_ARGS("s", name, "o", path), 0),
        SD_BUS_SIGNAL_WITH_ARGS("ContainerRemoved", SD_BUS_ARGS("s", name, "o", path), 0),
        SD_BUS_VTABLE_END,
};

int manager_register_bus(Manager *m) {
        int r;

        r = sd_bus_add_object_vtable(m->bus, NULL, MANAGER_OBJECT_PATH, MANAGER_INTERFACE, manager_vtable, m);
        if (r < 0)
                return log_error_errno(r, "Failed to register the manager object: %m");

        r = sd_bus_add_object_manager(m->bus, NULL, MANAGER_OBJECT_PATH);
        if (r < 0)
                return log_error_errno(r, "Failed to add the object manager: %m");

        r = container_register_bus(m);
        if (r < 0)
                return r;

        r = log_control_register_bus(m->bus);
        if (r < 0)
                return r;

        r = sd_bus_attach_event(m->bus, m->event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0)
                return log_error_errno(r, "Failed to attach the bus to the event loop: %m");

        return 0;
}

int manager_connect_bus(Manager *m) {
        int r;

        r = sd_bus_open_system(&m->bus);
        if (r < 0)
                return log_error_errno(r, "Failed to connect to the system bus: %m");

        /* Without the system bus berthd is useless; the containers don't need it. */
        r = sd_bus_set_exit_on_disconnect(m->bus, true);
        if (r < 0)
                return r;

        return manager_register_bus(m);
}

int manager_request_name(Manager *m) {
        int r;

        r = sd_bus_request_name(m->bus, BERTH_BUS_NAME, 0);
        if (r == -EEXIST)
                return log_error_errno(r, "The bus name %s is already owned: is another berthd running?",
                                       BERTH_BUS_NAME);
        if (r == -EACCES || r == -EPERM)
                return log_error_errno(r, "Not allowed to own %s: is dbus/org.berth1.conf installed in the bus's "
                                       "system.d, and does berthd run as root?", BERTH_BUS_NAME);
        if (r < 0)
                return log_error_errno(r, "Failed to acquire the bus name %s: %m", BERTH_BUS_NAME);

        log_info("Acquired %s.", BERTH_BUS_NAME);
        return 0;
}
