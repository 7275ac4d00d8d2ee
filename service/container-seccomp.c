/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Seccomp notifications over the system bus (container-seccomp.h). The per-container subscriber lists are
 * kept here, keyed by container name (looked up again on every use, so a container removed from the model
 * leaves nothing dangling), and tied to one monitor connection: when that closes, they go. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus-util.h"
#include "container-dbus.h"
#include "container-lifecycle.h"
#include "container-seccomp.h"
#include "errors.h"
#include "log/log.h"
#include "manager-dbus.h"
#include "util/macro.h"

#define CONTAINER_INTERFACE "org.berth1.Container"
/* Subscribers per container: each is a bus connection with a NameOwnerChanged match. */
#define SECCOMP_SUBSCRIBERS_MAX 32U

typedef struct SeccompWatch SeccompWatch;

typedef struct SeccompSubscriber {
        SeccompWatch *watch;
        char *name; /* unique bus name */
        sd_bus_slot *match_slot, *query_slot;
} SeccompSubscriber;

struct SeccompWatch {
        Manager *manager;
        char *container;
        sd_bus *monitor; /* referenced: the connection the subscription lives on */
        sd_bus_slot *signal_slot, *disconnected_slot;
        SeccompSubscriber **subscribers;
        size_t n_subscribers;
        SeccompWatch *next;
};

/* berthd has one Manager; the watches of all its containers. */
static SeccompWatch *watches;

/* A call forwarded to the monitor, answered from its reply. */
typedef struct SeccompCall {
        Manager *manager;
        char *container;
        sd_bus_message *message; /* the caller's request */
} SeccompCall;

static SeccompCall *seccomp_call_free(SeccompCall *call) {
        if (!call)
                return NULL;
        sd_bus_message_unref(call->message);
        free(call->container);
        return mfree(call);
}
DEFINE_TRIVIAL_CLEANUP_FUNC(SeccompCall *, seccomp_call_free);

/* ---- watches ---- */

static SeccompSubscriber *subscriber_free(SeccompSubscriber *s) {
        if (!s)
                return NULL;
        sd_bus_slot_unref(s->match_slot);
        sd_bus_slot_unref(s->query_slot);
        free(s->name);
        return mfree(s);
}

static SeccompWatch *watch_find(Manager *m, const char *container) {
        for (SeccompWatch *w = watches; w; w = w->next)
                if (w->manager == m && streq(w->container, container))
                        return w;
        return NULL;
}

static void watch_free(SeccompWatch *w) {
        if (!w)
                return;
        for (SeccompWatch **p = &watches; *p; p = &(*p)->next)
                if (*p == w) {
                        *p = w->next;
                        break;
                }
        for (size_t i = 0; i < w->n_subscribers; i++)
                subscriber_free(w->subscribers[i]);
        free(w->subscribers);
        sd_bus_slot_unref(w->signal_slot);
        sd_bus_slot_unref(w->disconnected_slot);
        sd_bus_unref(w->monitor);
        free(w->container);
        free(w);
}

static int on_monitor_notification(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        SeccompWatch *w = userdata;
        Container *c;
        int r;

        c = manager_get_container(w->manager, w->container);
        if (!c || !w->manager->bus)
                return 0;

        /* One copy per subscriber, each addressed to it: the broker delivers it to that connection only. */
        for (size_t i = 0; i < w->n_subscribers; i++) {
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *sig = NULL;

                r = sd_bus_message_new_signal(w->manager->bus, &sig, c->path, CONTAINER_INTERFACE,
                                              "SeccompNotification");
                if (r >= 0)
                        r = sd_bus_message_set_destination(sig, w->subscribers[i]->name);
                if (r >= 0)
                        r = sd_bus_message_rewind(message, true);
                if (r >= 0)
                        r = sd_bus_message_copy(sig, message, true);
                if (r >= 0)
                        r = sd_bus_send(w->manager->bus, sig, NULL);
                if (r < 0)
                        log_debug_errno(r, "Cannot forward a seccomp notification of '%s' to %s, ignoring: %m",
                                        w->container, w->subscribers[i]->name);
        }
        return 0;
}

static int on_monitor_disconnected(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        /* The container stopped: its subscriptions end with it. */
        watch_free(userdata);
        return 0;
}

/* The watch for c's current monitor connection; one for an earlier connection is dropped first. */
static int watch_get(Container *c, SeccompWatch **ret) {
        SeccompWatch *w;
        int r;

        w = watch_find(c->manager, c->name);
        if (w && w->monitor == c->monitor) {
                *ret = w;
                return 0;
        }
        watch_free(w);

        w = calloc(1, sizeof(SeccompWatch));
        if (!w)
                return -ENOMEM;
        w->manager = c->manager;
        w->container = strdup(c->name);
        w->monitor = sd_bus_ref(c->monitor);
        w->next = watches;
        watches = w;
        if (!w->container) {
                watch_free(w);
                return -ENOMEM;
        }
        /* Peer-to-peer: no broker, so no sender to match on. */
        r = sd_bus_match_signal(c->monitor, &w->signal_slot, NULL, MONITOR_PATH, MONITOR_INTERFACE,
                                "SeccompNotification", on_monitor_notification, w);
        if (r >= 0)
                r = sd_bus_match_signal(c->monitor, &w->disconnected_slot, NULL, "/org/freedesktop/DBus/Local",
                                        "org.freedesktop.DBus.Local", "Disconnected", on_monitor_disconnected, w);
        if (r < 0) {
                watch_free(w);
                return r;
        }
        *ret = w;
        return 0;
}

static void watch_remove_subscriber(SeccompWatch *w, const char *name) {
        for (size_t i = 0; i < w->n_subscribers; i++) {
                if (!streq(w->subscribers[i]->name, name))
                        continue;
                log_debug("Seccomp subscriber %s of '%s' left.", name, w->container);
                subscriber_free(w->subscribers[i]);
                w->subscribers[i] = w->subscribers[--w->n_subscribers];
                break;
        }
        if (w->n_subscribers > 0)
                return;

        /* Nobody left: unsubscribe at the monitor, which answers what is pending by default. */
        log_debug("No seccomp subscriber of '%s' left, unsubscribing at the monitor.", w->container);
        if (w->monitor && sd_bus_is_open(w->monitor) > 0) {
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
                int r;

                /* No reply wanted: nothing to do with it (sd_bus_call_async() insists on a callback). */
                r = bus_new_monitor_call(w->monitor, "SeccompUnsubscribe", &call);
                if (r >= 0)
                        r = sd_bus_message_append(call, "a{sv}", 0);
                if (r >= 0)
                        r = sd_bus_message_set_expect_reply(call, false);
                if (r >= 0)
                        r = sd_bus_send(w->monitor, call, NULL);
                if (r < 0)
                        log_warning_errno(r, "Cannot unsubscribe from the monitor of '%s': %m", w->container);
        }
        watch_free(w);
}

static int on_subscriber_name_owner_changed(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        SeccompSubscriber *s = userdata;
        const char *name, *old_owner, *new_owner;

        if (sd_bus_message_read(m, "sss", &name, &old_owner, &new_owner) < 0)
                return 0;
        if (isempty(new_owner))
                watch_remove_subscriber(s->watch, s->name);
        return 0;
}

static int on_subscriber_match_installed(sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        SeccompSubscriber *s = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(reply);

        /* Without an install callback sd-bus would close the connection when AddMatch fails. */
        if (e)
                log_warning("Cannot watch seccomp subscriber %s, ignoring: %s", s->name, e->message ?: e->name);
        return 0;
}

static int on_subscriber_get_name_owner(sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        SeccompSubscriber *s = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(reply);

        s->query_slot = sd_bus_slot_unref(s->query_slot);
        /* Gone before our match was in place. */
        if (e && sd_bus_error_has_name(e, SD_BUS_ERROR_NAME_HAS_NO_OWNER))
                watch_remove_subscriber(s->watch, s->name);
        return 0;
}

/* AddMatch for the subscriber's NameOwnerChanged, then GetNameOwner (the broker handles both in order, so
 * a subscriber gone before the match was active is seen by the second). */
static int watch_add_subscriber(SeccompWatch *w, const char *name) {
        _cleanup_free_ char *match = NULL;
        SeccompSubscriber *s, **l;
        sd_bus *bus = w->manager->bus;
        int r;

        for (size_t i = 0; i < w->n_subscribers; i++)
                if (streq(w->subscribers[i]->name, name))
                        return 0;
        if (w->n_subscribers >= SECCOMP_SUBSCRIBERS_MAX)
                return -EBUSY;

        if (asprintf(&match,
                     "type='signal',sender='org.freedesktop.DBus',path='/org/freedesktop/DBus',"
                     "interface='org.freedesktop.DBus',member='NameOwnerChanged',arg0='%s'",
                     name) < 0)
                return -ENOMEM;
        l = reallocarray(w->subscribers, w->n_subscribers + 1, sizeof(SeccompSubscriber *));
        if (!l)
                return -ENOMEM;
        w->subscribers = l;
        s = calloc(1, sizeof(SeccompSubscriber));
        if (!s)
                return -ENOMEM;
        s->watch = w;
        s->name = strdup(name);
        if (!s->name) {
                subscriber_free(s);
                return -ENOMEM;
        }
        r = sd_bus_add_match_async(bus, &s->match_slot, match, on_subscriber_name_owner_changed,
                                   on_subscriber_match_installed, s);
        if (r >= 0)
                r = sd_bus_call_method_async(bus, &s->query_slot, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                             "org.freedesktop.DBus", "GetNameOwner", on_subscriber_get_name_owner,
                                             s, "s", name);
        if (r < 0) {
                subscriber_free(s);
                return r;
        }
        w->subscribers[w->n_subscribers++] = s;
        log_debug("Seccomp subscriber %s of '%s' added (%zu).", name, w->container, w->n_subscribers);
        return 0;
}

/* ---- forwarding ---- */

/* The monitor's error reply → ours (container_monitor_error's mapping: EINVAL → InvalidArgs, ...). */
static void reply_monitor_error(SeccompCall *call, const sd_bus_error *e) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        Container *c = manager_get_container(call->manager, call->container);

        if (c)
                (void) container_monitor_error(c, sd_bus_message_get_member(call->message), e, &error);
        else
                sd_bus_error_setf(&error, BERTH_ERROR_NOT_RUNNING, "Container '%s' is gone.", call->container);
        bus_reply_or_log(sd_bus_reply_method_error(call->message, &error));
}

static int call_monitor(Container *c, sd_bus_message *message, sd_bus_message *call_msg,
                        sd_bus_message_handler_t callback, sd_bus_error *error) {
        _cleanup_(seccomp_call_freep) SeccompCall *call = NULL;
        int r;

        call = calloc(1, sizeof(SeccompCall));
        if (!call)
                return -ENOMEM;
        call->manager = c->manager;
        call->message = sd_bus_message_ref(message);
        call->container = strdup(c->name);
        if (!call->container)
                return -ENOMEM;
        /* A floating slot: sd-bus calls back exactly once (NoReply if the monitor closes), and the
         * callback frees call. */
        r = sd_bus_call_async(c->monitor, NULL, call_msg, callback, call, 0);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Cannot reach the monitor of '%s': %m", c->name);
        TAKE_PTR(call);
        return 1;
}

/* The common start of the seccomp methods: polkit's yes for verb, a monitor to ask, then the empty call of
 * member to it. Returns 0 with *ret_call set to go on, > 0 while polkit is still asking (the handler returns
 * it), < 0 (with error set where there is more to say than the errno). */
static int seccomp_call_begin(Container *c, sd_bus_message *message, const char *verb, const char *member,
                              sd_bus_message **ret_call, sd_bus_error *error) {
        int r;

        r = container_verify_polkit(c, message, "org.berth1.seccomp", verb, error);
        if (r < 0)
                return r;
        if (r == 0)
                return 1;

        r = container_check_monitor(c, error);
        if (r < 0)
                return r;

        r = bus_new_monitor_call(c->monitor, member, ret_call);
        return r < 0 ? r : 0;
}

/* Options of SubscribeSeccomp, passed on to the monitor: timeout_ms u, default_errno i. */
static int read_subscribe_options(sd_bus_message *message, bool *has_timeout, uint32_t *timeout_ms,
                                  bool *has_errno, int32_t *default_errno, sd_bus_error *error) {
        int r;

        r = sd_bus_message_enter_container(message, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(message, 'e', "sv")) > 0) {
                const char *key;

                r = sd_bus_message_read(message, "s", &key);
                if (r < 0)
                        return r;
                if (streq(key, "timeout_ms")) {
                        r = sd_bus_message_read(message, "v", "u", timeout_ms);
                        if (r < 0 || *timeout_ms == 0)
                                return sd_bus_error_set(error, SD_BUS_ERROR_INVALID_ARGS,
                                                        "Option 'timeout_ms' must be a u > 0.");
                        *has_timeout = true;
                } else if (streq(key, "default_errno")) {
                        r = sd_bus_message_read(message, "v", "i", default_errno);
                        if (r < 0 || *default_errno == 0 || abs(*default_errno) > 4095)
                                return sd_bus_error_set(error, SD_BUS_ERROR_INVALID_ARGS,
                                                        "Option 'default_errno' must be an i in 1..4095.");
                        *has_errno = true;
                } else
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "Unknown option '%s'.", key);
                r = sd_bus_message_exit_container(message);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(message);
}

static int on_monitor_subscribe_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        _cleanup_(seccomp_call_freep) SeccompCall *call = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(reply);
        const char *sender = sd_bus_message_get_sender(call->message);
        SeccompWatch *w = NULL;
        Container *c;
        int r;

        if (e) {
                reply_monitor_error(call, e);
                return 0;
        }
        c = manager_get_container(call->manager, call->container);
        if (!c || !c->monitor || sd_bus_message_get_bus(reply) != c->monitor) {
                bus_reply_or_log(sd_bus_reply_method_errorf(call->message, BERTH_ERROR_NOT_RUNNING,
                                                        "Container '%s' stopped.", call->container));
                return 0;
        }
        r = watch_get(c, &w);
        if (r >= 0)
                r = watch_add_subscriber(w, sender);
        if (r == -EBUSY)
                bus_reply_or_log(sd_bus_reply_method_errorf(call->message, BERTH_ERROR_BUSY,
                                                        "Container '%s' has too many seccomp subscribers.",
                                                        c->name));
        else if (r < 0)
                bus_reply_or_log(sd_bus_reply_method_errnof(call->message, r,
                                                            "Cannot subscribe to the seccomp notifications of "
                                                            "'%s': %m", c->name));
        else {
                log_info("%s subscribed to the seccomp notifications of '%s'.", sender, c->name);
                bus_reply_or_log(sd_bus_reply_method_return(call->message, NULL));
                return 0;
        }
        /* Nothing was recorded: do not leave the monitor subscribed for nobody. */
        if (w && w->n_subscribers == 0)
                watch_remove_subscriber(w, sender);
        return 0;
}

int method_subscribe_seccomp(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        Container *c = userdata;
        bool has_timeout = false, has_errno = false;
        uint32_t timeout_ms = 0;
        int32_t default_errno = 0;
        int r;

        r = read_subscribe_options(message, &has_timeout, &timeout_ms, &has_errno, &default_errno, error);
        if (r < 0)
                return r;
        if (!sd_bus_message_get_sender(message))
                return sd_bus_error_set(error, SD_BUS_ERROR_NOT_SUPPORTED, "Subscribing needs a bus connection.");

        r = seccomp_call_begin(c, message, "seccomp-subscribe", "SeccompSubscribe", &call, error);
        if (r != 0)
                return r;
        r = sd_bus_message_open_container(call, 'a', "{sv}");
        if (r >= 0 && has_timeout)
                r = sd_bus_message_append(call, "{sv}", "timeout_ms", "u", timeout_ms);
        if (r >= 0 && has_errno)
                r = sd_bus_message_append(call, "{sv}", "default_errno", "i", default_errno);
        if (r >= 0)
                r = sd_bus_message_close_container(call);
        if (r < 0)
                return r;
        return call_monitor(c, message, call, on_monitor_subscribe_reply, error);
}

static int on_monitor_void_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        _cleanup_(seccomp_call_freep) SeccompCall *call = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(reply);

        if (e)
                reply_monitor_error(call, e);
        else
                bus_reply_or_log(sd_bus_reply_method_return(call->message, NULL));
        return 0;
}

int method_seccomp_respond(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        Container *c = userdata;
        uint64_t id;
        int32_t err;
        int64_t val;
        uint32_t flags;
        int r;

        r = sd_bus_message_read(message, "tixu", &id, &err, &val, &flags);
        if (r < 0)
                return r;
        r = bus_read_options(message, NULL, error);
        if (r < 0)
                return r;

        r = seccomp_call_begin(c, message, "seccomp-respond", "SeccompRespond", &call, error);
        if (r != 0)
                return r;
        r = sd_bus_message_append(call, "tixua{sv}", id, err, val, flags, 0);
        if (r < 0)
                return r;
        return call_monitor(c, message, call, on_monitor_void_reply, error);
}

static int on_monitor_notify_fd_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        _cleanup_(seccomp_call_freep) SeccompCall *call = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(reply);
        int fd, r;

        if (e) {
                reply_monitor_error(call, e);
                return 0;
        }
        r = sd_bus_message_read(reply, "h", &fd);
        if (r < 0)
                bus_reply_or_log(sd_bus_reply_method_errnof(call->message, r,
                                                            "Malformed SeccompNotifyFd reply from the monitor of "
                                                            "'%s': %m", call->container));
        else
                bus_reply_or_log(sd_bus_reply_method_return(call->message, "h", fd)); /* sd-bus dups it */
        return 0;
}

int method_seccomp_notify_fd(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        Container *c = userdata;
        int r;

        r = bus_read_options(message, NULL, error);
        if (r < 0)
                return r;

        /* The raw listener lets its holder answer any notification of this container: rules can tell it
         * apart from SeccompRespond by verb=seccomp-notify-fd. */
        r = seccomp_call_begin(c, message, "seccomp-notify-fd", "SeccompNotifyFd", &call, error);
        if (r != 0)
                return r;
        r = sd_bus_message_append(call, "a{sv}", 0);
        if (r < 0)
                return r;
        return call_monitor(c, message, call, on_monitor_notify_fd_reply, error);
}
