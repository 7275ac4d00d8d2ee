/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* polkit checks for berthd, built on public sd-bus calls only (systemd's bus_verify_polkit_async() lives
 * in its private src/shared/). Two layers:
 *
 * - PolkitCheck: one asynchronous CheckAuthorization call and the mapping of its reply (or error) to
 *   authorized / AccessDenied / InteractiveAuthorizationRequired. Anything we cannot read as a clear
 *   "yes" is a "no": a missing polkit, a polkit error, a reply of the wrong type.
 *
 * - PolkitRegistry: systemd's re-dispatch pattern. A handler asks, gets 0 ("pending") and returns without
 *   replying. When polkit answers, the answer is stored under (message, action), the request message is
 *   rewound and put back into the bus's read queue, so the handler runs again from scratch, re-validates
 *   its arguments and this time gets the stored answer. The stored answers of a message are freed from
 *   an idle-priority defer event, i.e. after the re-dispatched message has been handled, unless the
 *   handler asked polkit about a further action meanwhile (then they stay until that one is answered,
 *   or the handler would ask about the first action again and never finish). No state outlives the
 *   message: nothing is cached per caller, since rules may change at any time. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "log/log.h"
#include "polkit.h"
#include "util/macro.h"
#include "util/strv.h"

#define POLKIT_SERVICE "org.freedesktop.PolicyKit1"
#define POLKIT_PATH "/org/freedesktop/PolicyKit1/Authority"
#define POLKIT_INTERFACE "org.freedesktop.PolicyKit1.Authority"
#define POLKIT_CHECK_ALLOW_USER_INTERACTION 1u
#define POLKIT_REPLY_SIGNATURE "(bba{ss})"

static bool polkit_always_query = false;

void polkit_set_always_query(bool b) {
        polkit_always_query = b;
}

/* ---- one CheckAuthorization call ---- */

struct PolkitCheck {
        sd_bus_slot *slot;      /* owned unless the check is floating (then the bus owns it) */
        polkit_check_callback_t callback;
        void *userdata;
        char *action;
        char *container;        /* the "container" detail, for messages; NULL if not given */
};

static void polkit_check_done(PolkitCheck *c) {
        free(c->action);
        free(c->container);
        free(c);
}

PolkitCheck *polkit_check_free(PolkitCheck *c) {
        if (!c)
                return NULL;

        /* Unreferencing our (non-floating) slot removes the pending reply callback: polkit's answer, if it
         * ever comes, goes nowhere. */
        sd_bus_slot_unref(c->slot);
        polkit_check_done(c);
        return NULL;
}

/* A floating check's slot belongs to the bus; sd-bus calls this when the slot goes away (after the reply
 * callback ran, or when the bus is freed first). */
static void polkit_check_slot_destroy(void *userdata) {
        polkit_check_done(userdata);
}

static bool details_valid(const char *const *details) {
        size_t n = 0;

        if (!details)
                return true;
        for (const char *const *d = details; *d; d++) {
                if (n % 2 == 0 && isempty(*d))
                        return false;   /* polkit needs a key */
                n++;
        }
        return n % 2 == 0;
}

static const char *details_lookup(const char *const *details, const char *key) {
        if (!details)
                return NULL;
        for (const char *const *d = details; d[0] && d[1]; d += 2)
                if (streq(d[0], key))
                        return d[1];
        return NULL;
}

/* Errors meaning "there is no polkit to ask": the name is not owned and not activatable, or it did not
 * answer (sd-bus synthesises NoReply on its call timeout and when our own connection goes away). */
static bool error_is_polkit_absent(const sd_bus_error *e) {
        return sd_bus_error_has_names(e,
                                      SD_BUS_ERROR_SERVICE_UNKNOWN,
                                      SD_BUS_ERROR_NAME_HAS_NO_OWNER,
                                      SD_BUS_ERROR_NO_REPLY,
                                      SD_BUS_ERROR_TIMEOUT,
                                      "org.freedesktop.DBus.Error.TimedOut",
                                      SD_BUS_ERROR_DISCONNECTED);
}

static int set_denied(sd_bus_error *error, const char *action, const char *container, const char *why) {
        return sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED, "Access denied: %s%s%s%s%s%s",
                                 action,
                                 container ? " on container " : "", strempty(container),
                                 why ? " (" : "", strempty(why), why ? ")" : "");
}

/* Returns 1 if authorized; 0 if denied, with error set to AccessDenied or InteractiveAuthorizationRequired;
 * <0 for an unexpected failure of the call, with error set. Never 1 unless polkit clearly said yes. */
static int polkit_reply_parse(sd_bus_message *reply, const char *action, const char *container,
                              sd_bus_error *error) {
        int authorized, challenge, r;

        if (sd_bus_message_is_method_error(reply, NULL)) {
                const sd_bus_error *e = sd_bus_message_get_error(reply);

                log_debug("polkit check of %s failed: %s: %s", action, e->name, strna(e->message));

                if (error_is_polkit_absent(e)) {
                        sd_bus_error_set(error, SD_BUS_ERROR_ACCESS_DENIED,
                                         "polkit is not available: access denied");
                        return 0;
                }
                if (startswith(e->name, "org.freedesktop.PolicyKit1.Error.")) {
                        /* Failed, Cancelled, NotAuthorized, NotSupported, ...: polkit said no. */
                        _cleanup_free_ char *why = NULL;

                        if (asprintf(&why, "polkit: %s", strna(e->message)) < 0)
                                why = NULL;
                        set_denied(error, action, container, why);
                        return 0;
                }

                /* Anything else (e.g. InvalidArgs from a broken authority) is propagated as is. */
                r = sd_bus_error_copy(error, e);
                return r < 0 ? r : -EIO;
        }

        if (!sd_bus_message_has_signature(reply, POLKIT_REPLY_SIGNATURE)) {
                _cleanup_free_ char *why = NULL;

                if (asprintf(&why, "malformed reply from polkit: signature '%s', expected '%s'",
                             strempty(sd_bus_message_get_signature(reply, true)), POLKIT_REPLY_SIGNATURE) < 0)
                        why = NULL;
                log_debug("polkit check of %s: %s", action, strna(why));
                set_denied(error, action, container, why ?: "malformed reply from polkit");
                return 0;
        }

        r = sd_bus_message_enter_container(reply, 'r', "bba{ss}");
        if (r >= 0)
                r = sd_bus_message_read(reply, "bb", &authorized, &challenge);
        if (r < 0) {
                log_debug_errno(r, "polkit check of %s: cannot read the reply: %m", action);
                set_denied(error, action, container, "unreadable reply from polkit");
                return 0;
        }

        if (authorized)
                return 1;
        if (challenge) {
                /* polkit would authorize after authentication, but the caller did not allow interaction
                 * (or there is no agent): it can retry with the header flag set. */
                sd_bus_error_set(error, SD_BUS_ERROR_INTERACTIVE_AUTHORIZATION_REQUIRED,
                                 "Interactive authentication required.");
                return 0;
        }

        set_denied(error, action, container, NULL);
        return 0;
}

static int polkit_check_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        PolkitCheck *c = userdata;
        int r;

        r = polkit_reply_parse(reply, c->action, c->container, &error);

        /* The callback may free the check (allowed by the contract; sd-bus keeps the slot alive while its
         * callback runs): c must not be touched afterwards. */
        r = c->callback(r, &error, c->userdata);
        if (r < 0)
                log_debug_errno(r, "polkit check callback failed, ignoring: %m");
        return 0;
}

int polkit_check_async(sd_bus *bus, const char *subject_bus_name, const char *action,
                       const char *const *details, int interactive, polkit_check_callback_t callback,
                       void *userdata, PolkitCheck **ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        _cleanup_(polkit_check_freep) PolkitCheck *c = NULL;
        const char *container;
        int r;

        if (!bus || isempty(subject_bus_name) || isempty(action) || !callback || !details_valid(details))
                return -EINVAL;

        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        c->callback = callback;
        c->userdata = userdata;
        c->action = strdup(action);
        if (!c->action)
                return -ENOMEM;
        container = details_lookup(details, "container");
        if (container) {
                c->container = strdup(container);
                if (!c->container)
                        return -ENOMEM;
        }

        r = sd_bus_message_new_method_call(bus, &m, POLKIT_SERVICE, POLKIT_PATH, POLKIT_INTERFACE,
                                           "CheckAuthorization");
        if (r < 0)
                return r;

        /* subject: ("system-bus-name", {"name": <sender>}): polkitd resolves the caller through the bus,
         * which pins it against pid reuse. */
        r = sd_bus_message_append(m, "(sa{sv})s", "system-bus-name", 1, "name", "s", subject_bus_name, action);
        if (r < 0)
                return r;

        r = sd_bus_message_open_container(m, 'a', "{ss}");
        if (r < 0)
                return r;
        for (const char *const *d = details; d && d[0]; d += 2) {
                r = sd_bus_message_append(m, "{ss}", d[0], d[1]);
                if (r < 0)
                        return r;
        }
        r = sd_bus_message_close_container(m);
        if (r < 0)
                return r;

        /* flags, and no cancellation id: a pending check is cancelled by dropping its reply slot. */
        r = sd_bus_message_append(m, "us", interactive ? POLKIT_CHECK_ALLOW_USER_INTERACTION : 0u, "");
        if (r < 0)
                return r;

        /* Timeout 0: sd-bus's default (25 s), after which a NoReply error denies. */
        r = sd_bus_call_async(bus, &c->slot, m, polkit_check_reply, c, 0);
        if (r < 0)
                return r;

        if (ret) {
                *ret = TAKE_PTR(c);
                return 0;
        }

        /* Nobody keeps the check: hand it to the bus, which frees it after the reply callback. */
        r = sd_bus_slot_set_floating(c->slot, 1);
        if (r < 0)
                return r;
        r = sd_bus_slot_set_destroy_callback(c->slot, polkit_check_slot_destroy);
        if (r < 0)
                return r;
        /* The bus took its own reference when the slot became floating: drop ours. */
        c->slot = sd_bus_slot_unref(c->slot);
        TAKE_PTR(c);
        return 0;
}

/* ---- the per-message registry for method handlers ---- */

typedef struct PolkitQuery PolkitQuery;
typedef struct PolkitAnswer PolkitAnswer;

struct PolkitAnswer {
        PolkitAnswer *next;
        PolkitQuery *query;
        char *action;
        char **details;
        PolkitCheck *check;     /* non-NULL while polkit is being asked */
        int result;             /* once check is NULL: 1 authorized, 0 denied, <0 failure */
        sd_bus_error error;
};

struct PolkitQuery {
        PolkitRegistry *registry;
        PolkitQuery *prev, *next;
        sd_bus_message *request;
        PolkitAnswer *answers;
        sd_event_source *defer;
};

struct PolkitRegistry {
        PolkitQuery *queries;
        unsigned n_queries;
};

static PolkitAnswer *polkit_answer_free(PolkitAnswer *a) {
        if (!a)
                return NULL;
        polkit_check_free(a->check);
        sd_bus_error_free(&a->error);
        free(a->action);
        strv_free(a->details);
        free(a);
        return NULL;
}

static PolkitQuery *polkit_query_free(PolkitQuery *q) {
        if (!q)
                return NULL;

        if (q->registry) {
                if (q->prev)
                        q->prev->next = q->next;
                else
                        q->registry->queries = q->next;
                if (q->next)
                        q->next->prev = q->prev;
                q->registry->n_queries--;
        }

        while (q->answers) {
                PolkitAnswer *a = q->answers;

                q->answers = a->next;
                polkit_answer_free(a);
        }
        sd_event_source_disable_unref(q->defer);
        sd_bus_message_unref(q->request);
        free(q);
        return NULL;
}

PolkitRegistry *polkit_registry_free(PolkitRegistry *r) {
        if (!r)
                return NULL;
        while (r->queries)
                polkit_query_free(r->queries);
        free(r);
        return NULL;
}

unsigned polkit_registry_pending(const PolkitRegistry *r) {
        return r ? r->n_queries : 0;
}

static PolkitQuery *registry_find(PolkitRegistry *r, sd_bus_message *m) {
        if (!r)
                return NULL;
        for (PolkitQuery *q = r->queries; q; q = q->next)
                if (q->request == m)
                        return q;
        return NULL;
}

static PolkitAnswer *query_find(PolkitQuery *q, const char *action) {
        for (PolkitAnswer *a = q->answers; a; a = a->next)
                if (streq(a->action, action))
                        return a;
        return NULL;
}

static bool query_has_pending(PolkitQuery *q) {
        for (PolkitAnswer *a = q->answers; a; a = a->next)
                if (a->check)
                        return true;
        return false;
}

static bool details_equal(char **a, const char *const *b) {
        size_t i = 0;

        for (; a && a[i]; i++)
                if (!b || !b[i] || !streq(a[i], b[i]))
                        return false;
        return !b || !b[i];
}

static int polkit_query_defer(sd_event_source *s, void *userdata) {
        PolkitQuery *q = userdata;

        /* Idle again: the re-dispatched request has been handled. Keep the answers while the handler is
         * still waiting for polkit about another action of the same message. */
        if (!query_has_pending(q))
                polkit_query_free(q);
        return 0;
}

static int polkit_query_redispatch(PolkitQuery *q) {
        sd_bus *bus = sd_bus_message_get_bus(q->request);
        sd_event *event = sd_bus_get_event(bus);
        int r;

        if (!event)
                return -ENXIO;

        if (!q->defer) {
                r = sd_event_add_defer(event, &q->defer, polkit_query_defer, q);
                if (r < 0)
                        return r;
                /* Idle priority: after the bus has dispatched the message we put back below. */
                r = sd_event_source_set_priority(q->defer, SD_EVENT_PRIORITY_IDLE);
                if (r < 0)
                        return r;
        }
        r = sd_event_source_set_enabled(q->defer, SD_EVENT_ONESHOT);
        if (r < 0)
                return r;

        r = sd_bus_message_rewind(q->request, true);
        if (r < 0)
                return r;
        return sd_bus_enqueue_for_read(bus, q->request);
}

static int polkit_answer_done(int result, const sd_bus_error *error, void *userdata) {
        PolkitAnswer *a = userdata;
        PolkitQuery *q = a->query;
        int r;

        a->check = polkit_check_free(a->check);
        a->result = result;
        if (result <= 0) {
                r = sd_bus_error_copy(&a->error, error);
                if (r == -ENOMEM && a->result > -ENOMEM)
                        a->result = -ENOMEM;
        }

        r = polkit_query_redispatch(q);
        if (r < 0) {
                /* Cannot run the handler again: answer the caller with the failure ourselves. */
                log_debug_errno(r, "Cannot re-dispatch %s after the polkit answer: %m",
                                strna(sd_bus_message_get_member(q->request)));
                (void) sd_bus_reply_method_errno(q->request, r, NULL);
                polkit_query_free(q);
        }
        return 0;
}

static int sender_is_root(sd_bus_message *m) {
        _cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;
        uid_t euid;
        int r;

        /* On a dbus1 bus this asks the broker (GetConnectionCredentials): the uid the caller connected
         * with, which cannot be faked. */
        r = sd_bus_query_sender_creds(m, SD_BUS_CREDS_EUID | SD_BUS_CREDS_AUGMENT, &creds);
        if (r < 0)
                return r;
        r = sd_bus_creds_get_euid(creds, &euid);
        if (r == -ENODATA)
                return 0;       /* unknown: polkit decides */
        if (r < 0)
                return r;
        return euid == 0;
}

int bus_verify_polkit_async(sd_bus_message *m, const char *action, const char *const *details,
                            PolkitRegistry **registry, sd_bus_error *ret_error) {
        PolkitQuery *q;
        PolkitAnswer *a;
        const char *sender;
        sd_bus *bus;
        int r;

        if (!m || isempty(action) || !registry || !details_valid(details))
                return -EINVAL;

        q = registry_find(*registry, m);
        if (q) {
                a = query_find(q, action);
                if (a) {
                        if (a->check)
                                return 0;       /* still asking: the answer re-dispatches again */

                        /* The answer is for exactly this question: the handler computed the same details the
                         * second time, or something changed under us and the old answer may not apply. */
                        if (!details_equal(a->details, details))
                                return sd_bus_error_setf(ret_error, SD_BUS_ERROR_ACCESS_DENIED,
                                                         "Access denied: %s: request changed during "
                                                         "authorization, try again", action);
                        if (a->result > 0)
                                return 1;
                        if (ret_error && !sd_bus_error_is_set(ret_error))
                                (void) sd_bus_error_copy(ret_error, &a->error);
                        return a->result < 0 ? a->result : -EACCES;
                }
        }

        if (!polkit_always_query) {
                r = sender_is_root(m);
                if (r < 0)
                        return r;
                if (r > 0)
                        return 1;
        }

        sender = sd_bus_message_get_sender(m);
        if (!sender)
                /* A peer-to-peer connection: no bus name for polkit to look up. */
                return sd_bus_error_setf(ret_error, SD_BUS_ERROR_ACCESS_DENIED,
                                         "Access denied: %s (caller has no bus name)", action);

        bus = sd_bus_message_get_bus(m);
        if (!sd_bus_get_event(bus))
                /* Re-dispatch and cleanup run from the event loop; berthd always has one. */
                return sd_bus_error_set_errnof(ret_error, ENXIO,
                                               "polkit checks need the bus attached to an event loop");

        if (!*registry) {
                *registry = calloc(1, sizeof(PolkitRegistry));
                if (!*registry)
                        return -ENOMEM;
        }

        a = calloc(1, sizeof(*a));
        if (!a)
                return -ENOMEM;
        a->action = strdup(action);
        a->details = strv_copy((char *const *) details);
        if (!a->action || (details && !a->details)) {
                polkit_answer_free(a);
                return -ENOMEM;
        }

        if (!q) {
                q = calloc(1, sizeof(*q));
                if (!q) {
                        polkit_answer_free(a);
                        return -ENOMEM;
                }
                q->request = sd_bus_message_ref(m);
                q->registry = *registry;
                q->next = (*registry)->queries;
                if (q->next)
                        q->next->prev = q;
                (*registry)->queries = q;
                (*registry)->n_queries++;
        }

        r = polkit_check_async(bus, sender, action, details,
                               sd_bus_message_get_allow_interactive_authorization(m) > 0,
                               polkit_answer_done, a, &a->check);
        if (r < 0) {
                polkit_answer_free(a);
                if (!q->answers)
                        polkit_query_free(q);
                return r;
        }

        a->query = q;
        a->next = q->answers;
        q->answers = a;

        /* A further question about the same message: keep the earlier answers until this one is answered
         * and the message dispatched again (the defer is re-armed then). */
        if (q->defer)
                (void) sd_event_source_set_enabled(q->defer, SD_EVENT_OFF);

        return 0;
}
