/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Asynchronous polkit checks for method handlers, modelled on systemd's bus_verify_polkit_async() (which
 * is not public libsystemd API). A handler calls bus_verify_polkit_async() before changing anything:
 *   r = bus_verify_polkit_async(m, "org.berth1.manage", details, &manager->polkit_registry, error);
 *   if (r < 0) return r;     // denied (-EACCES, error set: AccessDenied or InteractiveAuthorizationRequired)
 *                            // or failed (other -errno, error usually set)
 *   if (r == 0) return 1;    // query pending: the message is re-dispatched to the handler when polkit answers
 *   ...authorized: do the work (re-validate arguments: they are parsed again on re-dispatch)
 * Root callers (sender euid 0, as the broker reports it) are authorized without asking polkit. polkit absent
 * (ServiceUnknown, NameHasNoOwner, NoReply/timeout) means deny, and so does a polkit error or a malformed
 * reply. Several actions may be checked for one message in sequence (CreateContainer: create, then
 * configure-host): answers are kept per (message, action) until the message has been handled. If the
 * handler asks again with different details for an action already answered, it gets AccessDenied. The bus
 * must be attached to an sd-event loop (re-dispatch and cleanup run from it). A caller that disconnects
 * while the check is pending leaks nothing: the query is freed once polkit answers (or the 25 s call
 * timeout denies) and the message has been dispatched again; the reply then goes nowhere. */

#include <stdbool.h>
#include <systemd/sd-bus.h>

typedef struct PolkitRegistry PolkitRegistry;

/* details: NULL or a NULL-terminated list of key, value pairs ("container", "c1", "verb", "start", NULL). */
int bus_verify_polkit_async(sd_bus_message *m, const char *action, const char *const *details,
                            PolkitRegistry **registry, sd_bus_error *ret_error);

/* Lower level, used by the above and by tests against a mock authority: one CheckAuthorization call for
 * a system-bus-name subject. The callback gets 1 = authorized, 0 = denied (error set: AccessDenied or
 * InteractiveAuthorizationRequired), <0 = failure (error set). */
typedef int (*polkit_check_callback_t)(int result, const sd_bus_error *error, void *userdata);
typedef struct PolkitCheck PolkitCheck;
int polkit_check_async(sd_bus *bus, const char *subject_bus_name, const char *action,
                       const char *const *details, int interactive, polkit_check_callback_t callback,
                       void *userdata, PolkitCheck **ret);
/* ret may be NULL: the check then frees itself after its callback. With ret, the caller owns it and frees
 * it at any time, also from inside the callback. */
PolkitCheck *polkit_check_free(PolkitCheck *c); /* cancels: the callback is not called */
static inline void polkit_check_freep(PolkitCheck **c) {
        polkit_check_free(*c);
}

PolkitRegistry *polkit_registry_free(PolkitRegistry *r);
static inline void polkit_registry_freep(PolkitRegistry **r) {
        polkit_registry_free(*r);
}
/* Number of pending queries (for tests: must return to 0). */
unsigned polkit_registry_pending(const PolkitRegistry *r);

/* Ask polkit for root callers too (systemd's POLKIT_ALWAYS_QUERY). Off by default; it only ever makes
 * checks stricter. Tests that run as root use it to reach the re-dispatch path. */
void polkit_set_always_query(bool b);
