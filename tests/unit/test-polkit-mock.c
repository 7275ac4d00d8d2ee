/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The polkit client logic (service/polkit.c) against a mock authority, for the answers a real polkitd
 * cannot be made to give: a challenge, a malformed reply, polkit errors, no answer, no polkit at all.
 *
 * glib-testing's GtDbusQueue starts a private bus (GTestDBus, which exports DBUS_SESSION_BUS_ADDRESS)
 * and plays org.freedesktop.PolicyKit1 in its server thread; our code speaks sd-bus on its own
 * connections to the same bus, driven by an sd-event loop in this thread, while this thread also pops and
 * answers the queued CheckAuthorization calls.
 *
 * Two things of libglib-testing 0.1.1 shape the recipe:
 * - gt_dbus_queue_assert_pop_message() (and _match_client_message()) insist that the call came from
 *   GtDbusQueue's own GDBus client connection; ours comes from an sd-bus connection with another unique
 *   name, so the assertion would always fail. We pop with gt_dbus_queue_pop_message() and check sender,
 *   path, interface, member and arguments ourselves (pop_invocation() below).
 * - gt_dbus_queue_try_pop_message() never pops (its loop condition short-circuits on wait=FALSE), so we
 *   wait for gt_dbus_queue_get_n_messages() > 0 while running our event loop, then pop (which then does
 *   not block).
 * Malformed replies are sent as raw GDBusMessages: g_dbus_method_invocation_return_value() checks the
 * reply against the introspection data and would turn it into an InvalidArgs error.
 *
 * The tests run as root in CI, and root callers skip polkit; polkit_set_always_query(true) sends them
 * through polkit so the re-dispatch path is exercised. The root shortcut is tested on its own. */

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include <gio/gio.h>
#include <libglib-testing/dbus-queue.h>

#include "service/polkit.h"
#include "tap.h"

#define PK_NAME "org.freedesktop.PolicyKit1"
#define PK_PATH "/org/freedesktop/PolicyKit1/Authority"
#define PK_IFACE "org.freedesktop.PolicyKit1.Authority"

#define TEST_PATH "/org/berth1/test"
#define TEST_IFACE "org.berth1.Test"

#define ACCESS_DENIED "org.freedesktop.DBus.Error.AccessDenied"
#define INTERACTIVE_REQUIRED "org.freedesktop.DBus.Error.InteractiveAuthorizationRequired"

static const char authority_xml[] =
        "<node>"
        "  <interface name='" PK_IFACE "'>"
        "    <method name='CheckAuthorization'>"
        "      <arg type='(sa{sv})' name='subject' direction='in'/>"
        "      <arg type='s' name='action_id' direction='in'/>"
        "      <arg type='a{ss}' name='details' direction='in'/>"
        "      <arg type='u' name='flags' direction='in'/>"
        "      <arg type='s' name='cancellation_id' direction='in'/>"
        "      <arg type='(bba{ss})' name='result' direction='out'/>"
        "    </method>"
        "  </interface>"
        "</node>";

static GtDBusQueue *queue;
static sd_event *event;
static sd_bus *client;          /* the caller, and the bus polkit_check_async() talks on */
static const char *client_name;

/* ---- helpers ---- */

static sd_bus *bus_connect(const char *address) {
        sd_bus *b = NULL;
        int r;

        r = sd_bus_new(&b);
        if (r >= 0)
                r = sd_bus_set_address(b, address);
        if (r >= 0)
                r = sd_bus_set_bus_client(b, 1);
        if (r >= 0)
                r = sd_bus_start(b);
        if (r >= 0)
                r = sd_bus_attach_event(b, event, SD_EVENT_PRIORITY_NORMAL);
        if (r >= 0)
                /* A synchronous round trip completes Hello(), so the unique name is known. */
                r = sd_bus_call_method(b, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                       "GetId", NULL, NULL, "");
        if (r < 0) {
                TAP_DIAG("cannot connect to %s: %s", address, strerror(-r));
                sd_bus_unref(b);
                return NULL;
        }
        return b;
}

typedef bool (*cond_t)(void *userdata);

/* Runs the event loop until cond is true; false after 5 s. */
static bool run_until(cond_t cond, void *userdata) {
        for (unsigned i = 0; i < 500; i++) {
                if (cond(userdata))
                        return true;
                if (sd_event_run(event, 10 * 1000) < 0)
                        return false;
        }
        return cond(userdata);
}

/* Runs the event loop for a while, for "nothing must happen" checks. */
static void run_for(unsigned msec) {
        for (unsigned i = 0; i < msec / 10; i++)
                (void) sd_event_run(event, 10 * 1000);
}

static bool have_message(void *userdata) {
        return gt_dbus_queue_get_n_messages(queue) > 0;
}

typedef struct Expect {
        const char *sender;     /* the connection asking polkit */
        const char *subject;    /* the caller polkit is asked about */
        const char *action;
        const char *container;  /* NULL: details must be empty */
        const char *verb;
        guint32 flags;
} Expect;

/* Pops the next CheckAuthorization and checks all of it. Returns NULL (after a failed check) if none came. */
static GDBusMethodInvocation *pop_invocation(const Expect *x, const char *what) {
        GDBusMethodInvocation *inv = NULL;
        g_autoptr(GVariant) subject_details = NULL, details = NULL;
        const char *kind = NULL, *action = NULL, *cancel = NULL, *name = NULL, *s = NULL;
        GVariant *params;
        guint32 flags = 0;

        if (!run_until(have_message, NULL)) {
                TAP_OK(false, "%s: CheckAuthorization reached the mock", what);
                return NULL;
        }
        TAP_OK(gt_dbus_queue_pop_message(queue, &inv), "%s: CheckAuthorization reached the mock", what);
        if (!inv)
                return NULL;

        TAP_EQ_STR(g_dbus_method_invocation_get_sender(inv), x->sender, "%s: sent by the checking connection",
                   what);
        TAP_OK(g_str_equal(g_dbus_method_invocation_get_object_path(inv), PK_PATH) &&
               g_str_equal(g_dbus_method_invocation_get_interface_name(inv), PK_IFACE) &&
               g_str_equal(g_dbus_method_invocation_get_method_name(inv), "CheckAuthorization"),
               "%s: %s.CheckAuthorization on %s", what, PK_IFACE, PK_PATH);

        params = g_dbus_method_invocation_get_parameters(inv);
        TAP_EQ_STR(g_variant_get_type_string(params), "((sa{sv})sa{ss}us)", "%s: signature", what);
        if (!g_variant_is_of_type(params, G_VARIANT_TYPE("((sa{sv})sa{ss}us)")))
                return inv;

        g_variant_get(params, "((&s@a{sv})&s@a{ss}u&s)", &kind, &subject_details, &action, &details, &flags,
                      &cancel);
        TAP_EQ_STR(kind, "system-bus-name", "%s: subject kind", what);
        if (!g_variant_lookup(subject_details, "name", "&s", &name))
                name = NULL;
        TAP_EQ_STR(name, x->subject, "%s: subject is the caller's bus name", what);
        TAP_EQ_STR(action, x->action, "%s: action id", what);
        TAP_EQ_INT(flags, x->flags, "%s: flags (AllowUserInteraction)", what);
        TAP_EQ_STR(cancel, "", "%s: no cancellation id", what);

        if (x->container) {
                if (!g_variant_lookup(details, "container", "&s", &s))
                        s = NULL;
                TAP_EQ_STR(s, x->container, "%s: detail container", what);
                if (!g_variant_lookup(details, "verb", "&s", &s))
                        s = NULL;
                TAP_EQ_STR(s, x->verb, "%s: detail verb", what);
                TAP_EQ_INT(g_variant_n_children(details), 2, "%s: exactly the given details", what);
        } else
                TAP_EQ_INT(g_variant_n_children(details), 0, "%s: no details", what);

        return inv;
}

/* A popped invocation carries two references: GDBus's, which the g_dbus_method_invocation_return_*()
 * call consumes, and the queue's, which we drop (GtDbusQueue's own examples use g_autoptr for it). */

/* Answers (and consumes) an invocation with (is_authorized, is_challenge, {}). */
static void answer(GDBusMethodInvocation *inv, bool authorized, bool challenge) {
        if (!inv)
                return;
        g_dbus_method_invocation_return_value(inv, g_variant_new_parsed("((%b, %b, @a{ss} {}),)", authorized,
                                                                        challenge));
        g_object_unref(inv);
}

static void answer_error(GDBusMethodInvocation *inv, const char *name, const char *message) {
        if (!inv)
                return;
        g_dbus_method_invocation_return_dbus_error(inv, name, message);
        g_object_unref(inv);
}

/* A reply with any body, bypassing GDBus's check of the reply against the introspection data. */
static void answer_raw(GDBusMethodInvocation *inv, GVariant *body) {
        g_autoptr(GDBusMessage) reply = NULL;
        g_autoptr(GError) error = NULL;

        if (!inv) {
                g_variant_unref(g_variant_ref_sink(body));
                return;
        }
        reply = g_dbus_message_new_method_reply(g_dbus_method_invocation_get_message(inv));
        g_dbus_message_set_body(reply, body);
        if (!g_dbus_connection_send_message(g_dbus_method_invocation_get_connection(inv), reply,
                                            G_DBUS_SEND_MESSAGE_FLAGS_NONE, NULL, &error))
                TAP_DIAG("raw reply failed: %s", error->message);
        /* No return_*() call here, so both references go. */
        g_object_unref(inv);
        g_object_unref(inv);
}

/* ---- polkit_check_async() ---- */

typedef struct Outcome {
        bool called;
        unsigned n_called;
        int result;
        char *name, *message;
} Outcome;

static void outcome_reset(Outcome *o) {
        free(o->name);
        free(o->message);
        *o = (Outcome) {};
}

static int check_cb(int result, const sd_bus_error *error, void *userdata) {
        Outcome *o = userdata;

        o->called = true;
        o->n_called++;
        o->result = result;
        free(o->name);
        free(o->message);
        o->name = error && error->name ? strdup(error->name) : NULL;
        o->message = error && error->message ? strdup(error->message) : NULL;
        return 0;
}

static bool outcome_called(void *userdata) {
        return ((Outcome *) userdata)->called;
}

static const char *const details_c1[] = { "container", "c1", "verb", "start", NULL };
static const char *const details_c2[] = { "container", "c2", "verb", "stop", NULL };

/* Starts a check, pops and checks the call, returns the invocation to answer. */
static GDBusMethodInvocation *start_check(const char *what, const char *action, const char *const *details,
                                          int interactive, Outcome *o, PolkitCheck **ret) {
        Expect x = {
                .sender = client_name,
                .subject = client_name,
                .action = action,
                .container = details ? details[1] : NULL,
                .verb = details ? details[3] : NULL,
                .flags = interactive ? 1 : 0,
        };
        int r;

        outcome_reset(o);
        r = polkit_check_async(client, client_name, action, details, interactive, check_cb, o, ret);
        TAP_EQ_INT(r, 0, "%s: polkit_check_async", what);
        if (r < 0)
                return NULL;
        return pop_invocation(&x, what);
}

static void expect_outcome(Outcome *o, const char *what, int result, const char *name, const char *message) {
        TAP_OK(run_until(outcome_called, o), "%s: callback called", what);
        TAP_EQ_INT(o->n_called, 1, "%s: callback called once", what);
        TAP_EQ_INT(o->result, result, "%s: result", what);
        if (name)
                TAP_EQ_STR(o->name, name, "%s: error name", what);
        else
                TAP_OK(!o->name, "%s: no error (%s)", what, o->name ? o->name : "none");
        if (message)
                TAP_EQ_STR(o->message, message, "%s: error message", what);
}

static void test_check_absent(void) {
        Outcome o = {};
        PolkitCheck *c = NULL;
        int r;

        /* Nobody owns org.freedesktop.PolicyKit1 yet and it is not activatable: ServiceUnknown. */
        r = polkit_check_async(client, client_name, "org.berth1.manage", details_c1, 1, check_cb, &o, &c);
        TAP_EQ_INT(r, 0, "absent: polkit_check_async");
        expect_outcome(&o, "absent", 0, ACCESS_DENIED, "polkit is not available: access denied");
        TAP_EQ_INT(gt_dbus_queue_get_n_messages(queue), 0, "absent: nothing reached the mock");
        polkit_check_free(c);
        outcome_reset(&o);
}

typedef struct SelfFree {
        PolkitCheck *check;
        Outcome outcome;
} SelfFree;

static int self_free_cb(int result, const sd_bus_error *error, void *userdata) {
        SelfFree *sf = userdata;

        sf->check = polkit_check_free(sf->check);
        return check_cb(result, error, &sf->outcome);
}

static void test_check_answers(void) {
        GDBusMethodInvocation *inv;
        PolkitCheck *c = NULL;
        Outcome o = {};
        int r;

        /* (a) authorized, interactive */
        inv = start_check("authorized", "org.berth1.manage", details_c1, 1, &o, &c);
        answer(inv, true, false);
        expect_outcome(&o, "authorized", 1, NULL, NULL);
        c = polkit_check_free(c);

        /* (b) challenge: polkit wants authentication the caller did not allow */
        inv = start_check("challenge", "org.berth1.manage", details_c1, 0, &o, &c);
        answer(inv, false, true);
        expect_outcome(&o, "challenge", 0, INTERACTIVE_REQUIRED, "Interactive authentication required.");
        c = polkit_check_free(c);

        /* (c) not authorized: the message names action and container */
        inv = start_check("denied", "org.berth1.manage", details_c2, 0, &o, &c);
        answer(inv, false, false);
        expect_outcome(&o, "denied", 0, ACCESS_DENIED, "Access denied: org.berth1.manage on container c2");
        c = polkit_check_free(c);

        /* (c') not authorized, no details */
        inv = start_check("denied, no details", "org.berth1.create", NULL, 1, &o, &c);
        answer(inv, false, false);
        expect_outcome(&o, "denied, no details", 0, ACCESS_DENIED, "Access denied: org.berth1.create");
        c = polkit_check_free(c);

        /* (d) malformed replies are denials, even one that looks like a yes */
        inv = start_check("malformed (s)", "org.berth1.manage", details_c1, 1, &o, &c);
        answer_raw(inv, g_variant_new_parsed("('yes',)"));
        expect_outcome(&o, "malformed (s)", 0, ACCESS_DENIED,
                       "Access denied: org.berth1.manage on container c1 "
                       "(malformed reply from polkit: signature 's', expected '(bba{ss})')");
        c = polkit_check_free(c);

        inv = start_check("malformed (b)", "org.berth1.manage", details_c1, 1, &o, &c);
        answer_raw(inv, g_variant_new_parsed("(true,)"));
        expect_outcome(&o, "malformed (b)", 0, ACCESS_DENIED, NULL);
        TAP_OK(o.message && strstr(o.message, "signature 'b'"), "malformed (b): message names the signature (%s)",
               o.message ? o.message : "none");
        c = polkit_check_free(c);

        inv = start_check("malformed (bb)", "org.berth1.manage", details_c1, 1, &o, &c);
        answer_raw(inv, g_variant_new_parsed("((true, true),)"));
        expect_outcome(&o, "malformed (bb)", 0, ACCESS_DENIED, NULL);
        c = polkit_check_free(c);

        /* polkit's own errors deny */
        inv = start_check("polkit error", "org.berth1.manage", details_c1, 1, &o, &c);
        answer_error(inv, "org.freedesktop.PolicyKit1.Error.Failed", "Only trusted callers can use details");
        expect_outcome(&o, "polkit error", 0, ACCESS_DENIED,
                       "Access denied: org.berth1.manage on container c1 "
                       "(polkit: Only trusted callers can use details)");
        c = polkit_check_free(c);

        /* a timeout on the way (as sd-bus reports its own call timeout) means "not available" */
        inv = start_check("no reply", "org.berth1.manage", details_c1, 1, &o, &c);
        answer_error(inv, "org.freedesktop.DBus.Error.NoReply", "Method call timed out");
        expect_outcome(&o, "no reply", 0, ACCESS_DENIED, "polkit is not available: access denied");
        c = polkit_check_free(c);

        /* any other error is propagated as a failure, never as a yes */
        inv = start_check("other error", "org.berth1.manage", details_c1, 1, &o, &c);
        answer_error(inv, "org.freedesktop.DBus.Error.InvalidArgs", "bad subject");
        expect_outcome(&o, "other error", -EINVAL, "org.freedesktop.DBus.Error.InvalidArgs", "bad subject");
        c = polkit_check_free(c);

        /* (e) no answer: the caller gives up (frees the check); a late answer calls nobody */
        inv = start_check("cancelled", "org.berth1.manage", details_c1, 1, &o, &c);
        c = polkit_check_free(c);
        answer(inv, true, false);
        run_for(300);
        TAP_OK(!o.called, "cancelled: no callback after free, even when polkit answers late");

        /* a check without an owner frees itself after its callback (valgrind checks the "frees") */
        inv = start_check("floating", "org.berth1.manage", details_c1, 1, &o, NULL);
        answer(inv, false, false);
        expect_outcome(&o, "floating", 0, ACCESS_DENIED, NULL);

        /* a check its own callback frees (allowed by the contract) */
        {
                SelfFree sf = {};

                outcome_reset(&sf.outcome);
                r = polkit_check_async(client, client_name, "org.berth1.console", details_c2, 0, self_free_cb, &sf,
                                       &sf.check);
                TAP_EQ_INT(r, 0, "self-free: polkit_check_async");
                Expect x = { .sender = client_name, .subject = client_name, .action = "org.berth1.console",
                             .container = "c2", .verb = "stop", .flags = 0 };
                answer(pop_invocation(&x, "self-free"), true, false);
                expect_outcome(&sf.outcome, "self-free", 1, NULL, NULL);
                TAP_OK(!sf.check, "self-free: freed in its callback");
                outcome_reset(&sf.outcome);
        }

        TAP_EQ_INT(polkit_check_async(client, client_name, "org.berth1.manage",
                                      (const char *const[]) { "container", NULL }, 0, check_cb, &o, &c),
                   -EINVAL, "odd details are refused");
        TAP_EQ_INT(polkit_check_async(client, client_name, "", NULL, 0, check_cb, &o, &c), -EINVAL,
                   "empty action is refused");
        TAP_EQ_INT(gt_dbus_queue_get_n_messages(queue), 0, "refused checks sent nothing");
        outcome_reset(&o);
}

/* ---- bus_verify_polkit_async(): a test service on its own connection ---- */

static PolkitRegistry *registry;
static unsigned handler_calls, work_done;

/* A handler's polkit check with berthd's details (container NAME, verb VERB): bus_verify_polkit_async()'s
 * result (< 0 error, 0 pending: the message is dispatched again once polkit answers, > 0 allowed). */
static int verify(sd_bus_message *m, const char *action, const char *name, const char *verb, sd_bus_error *error) {
        const char *details[] = { "container", name, "verb", verb, NULL };
        return bus_verify_polkit_async(m, action, details, &registry, error);
}

/* The checks of one call: each action in turn, the next only once the previous one allowed it (as
 * CreateContainer checks create and then configure-host). */
static int handle(sd_bus_message *m, const char *const actions[][2], sd_bus_error *error) {
        const char *name;
        int r;

        handler_calls++;
        r = sd_bus_message_read(m, "s", &name);
        if (r < 0)
                return r;

        for (size_t i = 0; actions[i][0]; i++) {
                r = verify(m, actions[i][0], name, actions[i][1], error);
                if (r <= 0)
                        return r < 0 ? r : 1;
        }

        work_done++;
        return sd_bus_reply_method_return(m, "s", name);
}

static int method_do(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        return handle(m, (const char *const[][2]) { { "org.berth1.manage", "start" }, {} }, error);
}

/* Two actions for one message, as CreateContainer checks create and then configure-host. */
static int method_do_two(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        return handle(m,
                      (const char *const[][2]) {
                              { "org.berth1.create", "create" },
                              { "org.berth1.configure-host", "configure-host" },
                              {},
                      },
                      error);
}

static const sd_bus_vtable test_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD("Do", "s", "s", method_do, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("DoTwo", "s", "s", method_do_two, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END,
};

static int call_reply_cb(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        Outcome *o = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(reply);

        o->called = true;
        o->n_called++;
        o->result = e ? -sd_bus_message_get_errno(reply) : 1;
        o->name = e && e->name ? strdup(e->name) : NULL;
        o->message = e && e->message ? strdup(e->message) : NULL;
        return 0;
}

static int call_service(sd_bus *from, const char *service, const char *method, const char *name, bool interactive,
                        Outcome *o, sd_bus_slot **ret_slot) {
        sd_bus_message *m = NULL;
        int r;

        outcome_reset(o);
        r = sd_bus_message_new_method_call(from, &m, service, TEST_PATH, TEST_IFACE, method);
        if (r >= 0)
                r = sd_bus_message_append(m, "s", name);
        if (r >= 0)
                r = sd_bus_message_set_allow_interactive_authorization(m, interactive);
        if (r >= 0)
                r = sd_bus_call_async(from, ret_slot, m, call_reply_cb, o, 0);
        sd_bus_message_unref(m);
        return r < 0 ? r : 0;
}

static bool registry_empty(void *userdata) {
        return polkit_registry_pending(registry) == 0;
}

static void test_verify(sd_bus *service) {
        GDBusMethodInvocation *inv;
        const char *service_name = NULL;
        Outcome o = {};
        Expect x = { .subject = client_name };
        int r;

        (void) sd_bus_get_unique_name(service, &service_name);
        x.sender = service_name;

        /* root shortcut: the test runs as root in CI; then polkit is not asked at all */
        if (geteuid() == 0) {
                polkit_set_always_query(false);
                r = call_service(client, service_name, "Do", "c0", true, &o, NULL);
                TAP_EQ_INT(r, 0, "root: call sent");
                TAP_OK(run_until(outcome_called, &o), "root: reply");
                TAP_EQ_INT(o.result, 1, "root: authorized without polkit (%s)", o.name ? o.name : "ok");
                TAP_EQ_INT(gt_dbus_queue_get_n_messages(queue), 0, "root: polkit not asked");
                TAP_EQ_INT(polkit_registry_pending(registry), 0, "root: nothing registered");

                /* From here on root is asked too, so the re-dispatch path below is reached. */
                polkit_set_always_query(true);
        } else
                /* Not root: the tests below take the default path (sender euid looked up, then polkit). */
                TAP_SKIP("root shortcut: not running as root");

        /* (r1) authorized: the handler runs twice, the work once, the registry empties */
        handler_calls = work_done = 0;
        r = call_service(client, service_name, "Do", "c1", true, &o, NULL);
        TAP_EQ_INT(r, 0, "verify yes: call sent");
        x.action = "org.berth1.manage", x.container = "c1", x.verb = "start", x.flags = 1;
        inv = pop_invocation(&x, "verify yes");
        TAP_EQ_INT(handler_calls, 1, "verify yes: handler ran once before the answer");
        TAP_EQ_INT(polkit_registry_pending(registry), 1, "verify yes: one query pending");
        TAP_OK(!o.called, "verify yes: no reply before polkit answered");
        answer(inv, true, false);
        TAP_OK(run_until(outcome_called, &o), "verify yes: reply");
        TAP_EQ_INT(o.result, 1, "verify yes: success (%s)", o.name ? o.name : "ok");
        TAP_EQ_INT(handler_calls, 2, "verify yes: handler re-dispatched once");
        TAP_EQ_INT(work_done, 1, "verify yes: work done once");
        TAP_OK(run_until(registry_empty, NULL), "verify yes: query freed");

        /* (r2) denied, and the interactive flag follows the message header */
        handler_calls = work_done = 0;
        r = call_service(client, service_name, "Do", "c2", false, &o, NULL);
        TAP_EQ_INT(r, 0, "verify no: call sent");
        x.container = "c2", x.flags = 0;
        inv = pop_invocation(&x, "verify no");
        answer(inv, false, false);
        TAP_OK(run_until(outcome_called, &o), "verify no: reply");
        TAP_EQ_STR(o.name, ACCESS_DENIED, "verify no: AccessDenied");
        TAP_EQ_STR(o.message, "Access denied: org.berth1.manage on container c2", "verify no: message");
        TAP_EQ_INT(work_done, 0, "verify no: no work done");
        TAP_OK(run_until(registry_empty, NULL), "verify no: query freed");

        /* (r3) challenge */
        r = call_service(client, service_name, "Do", "c3", false, &o, NULL);
        TAP_EQ_INT(r, 0, "verify challenge: call sent");
        x.container = "c3";
        inv = pop_invocation(&x, "verify challenge");
        answer(inv, false, true);
        TAP_OK(run_until(outcome_called, &o), "verify challenge: reply");
        TAP_EQ_STR(o.name, INTERACTIVE_REQUIRED, "verify challenge: InteractiveAuthorizationRequired");
        TAP_OK(run_until(registry_empty, NULL), "verify challenge: query freed");

        /* (r4) two actions for one message: the first answer is kept while the second is asked */
        handler_calls = work_done = 0;
        r = call_service(client, service_name, "DoTwo", "c4", true, &o, NULL);
        TAP_EQ_INT(r, 0, "two actions: call sent");
        x.action = "org.berth1.create", x.container = "c4", x.verb = "create", x.flags = 1;
        inv = pop_invocation(&x, "two actions: first");
        answer(inv, true, false);
        x.action = "org.berth1.configure-host", x.verb = "configure-host";
        inv = pop_invocation(&x, "two actions: second");
        run_for(100);   /* idle time between the answers must not drop the first one */
        answer(inv, true, false);
        TAP_OK(run_until(outcome_called, &o), "two actions: reply");
        TAP_EQ_INT(o.result, 1, "two actions: success (%s)", o.name ? o.name : "ok");
        TAP_EQ_INT(handler_calls, 3, "two actions: handler ran three times");
        TAP_EQ_INT(work_done, 1, "two actions: work done once");
        TAP_EQ_INT(gt_dbus_queue_get_n_messages(queue), 0, "two actions: polkit asked exactly twice");
        TAP_OK(run_until(registry_empty, NULL), "two actions: query freed");

        /* (r4') second action denied */
        handler_calls = work_done = 0;
        r = call_service(client, service_name, "DoTwo", "c5", true, &o, NULL);
        TAP_EQ_INT(r, 0, "two actions, second no: call sent");
        x.action = "org.berth1.create", x.container = "c5", x.verb = "create";
        inv = pop_invocation(&x, "two actions, second no: first");
        answer(inv, true, false);
        x.action = "org.berth1.configure-host", x.verb = "configure-host";
        inv = pop_invocation(&x, "two actions, second no: second");
        answer(inv, false, false);
        TAP_OK(run_until(outcome_called, &o), "two actions, second no: reply");
        TAP_EQ_STR(o.message, "Access denied: org.berth1.configure-host on container c5",
                   "two actions, second no: denial names the second action");
        TAP_EQ_INT(work_done, 0, "two actions, second no: no work done");
        run_for(50);
        TAP_EQ_INT(gt_dbus_queue_get_n_messages(queue), 0, "two actions, second no: polkit asked exactly twice");
        TAP_OK(run_until(registry_empty, NULL), "two actions, second no: query freed");

        /* (r5) the caller disconnects while polkit is asked: nothing leaks, the late answer is harmless */
        {
                sd_bus *gone = NULL;
                const char *gone_name = NULL;
                Outcome o2 = {};

                gone = bus_connect(getenv("DBUS_SESSION_BUS_ADDRESS"));
                TAP_OK(gone, "disconnect: second caller connected");
                if (gone) {
                        (void) sd_bus_get_unique_name(gone, &gone_name);
                        gone_name = strdupa(gone_name);
                        r = call_service(gone, service_name, "Do", "c6", true, &o2, NULL);
                        TAP_EQ_INT(r, 0, "disconnect: call sent");
                        Expect y = { .sender = service_name, .subject = gone_name, .action = "org.berth1.manage",
                                     .container = "c6", .verb = "start", .flags = 1 };
                        inv = pop_invocation(&y, "disconnect");
                        sd_bus_flush_close_unref(gone);
                        TAP_EQ_INT(polkit_registry_pending(registry), 1, "disconnect: query pending");
                        answer(inv, true, false);
                        TAP_OK(run_until(registry_empty, NULL), "disconnect: query freed after polkit answered");
                        outcome_reset(&o2);
                }
        }

        /* (r6) the registry goes away (daemon shutdown) while a query is pending */
        {
                sd_bus_slot *slot = NULL;

                r = call_service(client, service_name, "Do", "c7", true, &o, &slot);
                TAP_EQ_INT(r, 0, "registry freed: call sent");
                x.action = "org.berth1.manage", x.container = "c7", x.verb = "start", x.flags = 1;
                inv = pop_invocation(&x, "registry freed");
                registry = polkit_registry_free(registry);
                answer(inv, true, false);
                run_for(200);
                TAP_OK(!o.called, "registry freed: the late answer re-dispatched nothing");
                sd_bus_slot_unref(slot);
        }

        outcome_reset(&o);
}

static bool name_has_owner(const char *name) {
        return sd_bus_call_method(client, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                  "GetNameOwner", NULL, NULL, "s", name) >= 0;
}

static void test_verify_absent(sd_bus *service, guint name_id) {
        const char *service_name = NULL;
        Outcome o = {};
        int r;

        (void) sd_bus_get_unique_name(service, &service_name);
        gt_dbus_queue_unown_name(queue, name_id);

        /* wait until the broker has dropped the name */
        for (unsigned i = 0; i < 500 && name_has_owner(PK_NAME); i++)
                usleep(10 * 1000);

        r = call_service(client, service_name, "Do", "c8", true, &o, NULL);
        TAP_EQ_INT(r, 0, "verify absent: call sent");
        TAP_OK(run_until(outcome_called, &o), "verify absent: reply");
        TAP_EQ_STR(o.name, ACCESS_DENIED, "verify absent: AccessDenied");
        TAP_EQ_STR(o.message, "polkit is not available: access denied", "verify absent: message");
        TAP_OK(run_until(registry_empty, NULL), "verify absent: query freed");
        outcome_reset(&o);
}

static void wait_for_name(const char *name) {
        for (unsigned i = 0; i < 500; i++) {
                if (name_has_owner(name))
                        return;
                usleep(10 * 1000);
        }
        TAP_DIAG("%s never got an owner", name);
}

int main(void) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GDBusNodeInfo) node = NULL;
        const char *address;
        sd_bus *service = NULL;
        guint name_id;
        int r;

        queue = gt_dbus_queue_new();
        if (!gt_dbus_queue_connect(queue, &error)) {
                printf("1..0 # SKIP cannot start a private bus: %s\n", error->message);
                gt_dbus_queue_free(queue);
                return 0;
        }
        address = getenv("DBUS_SESSION_BUS_ADDRESS");  /* set by GTestDBus */

        node = g_dbus_node_info_new_for_xml(authority_xml, &error);
        g_assert_no_error(error);
        gt_dbus_queue_export_object(queue, PK_PATH, node->interfaces[0], &error);
        g_assert_no_error(error);

        r = sd_event_new(&event);
        TAP_EQ_INT(r, 0, "event loop");
        client = address ? bus_connect(address) : NULL;
        TAP_OK(client, "sd-bus client connected to the private bus");
        if (!client)
                goto finish;
        r = sd_bus_get_unique_name(client, &client_name);
        TAP_OK(r >= 0 && client_name, "client has a unique name");

        test_check_absent();

        name_id = gt_dbus_queue_own_name(queue, PK_NAME);
        wait_for_name(PK_NAME);

        test_check_answers();

        service = bus_connect(address);
        TAP_OK(service, "test service connected");
        if (service) {
                r = sd_bus_add_object_vtable(service, NULL, TEST_PATH, TEST_IFACE, test_vtable, NULL);
                TAP_EQ_INT(r, 0, "test service object");
                test_verify(service);
                test_verify_absent(service, name_id);
                name_id = 0;
        }
        TAP_EQ_INT(polkit_registry_pending(registry), 0, "registry empty at the end");
        registry = polkit_registry_free(registry);

finish:
        service = sd_bus_flush_close_unref(service);
        client = sd_bus_flush_close_unref(client);
        event = sd_event_unref(event);
        gt_dbus_queue_disconnect(queue, true);
        gt_dbus_queue_free(queue);
        return tap_done();
}
