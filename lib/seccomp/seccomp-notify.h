/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Seccomp user notifications (issue 5, lxc-semantics.md §7): the monitor's side of the listener fd that
 * seccomp_profile_load() returned in the container's init.
 *
 * A SeccompNotifier owns the listener fd and a bounded table of pending notifications. It has no event
 * loop of its own, so it plugs into sd-event (or a poll() loop in tests):
 *   - when the fd is readable, call seccomp_notifier_process();
 *   - arm a timer for seccomp_notifier_next_deadline() and call seccomp_notifier_tick() when it fires
 *     (re-arm after every process/respond/tick: the earliest deadline moves).
 * Each new notification (already checked with SECCOMP_IOCTL_NOTIF_ID_VALID after opening /proc/<pid>,
 * which closes the pid-reuse race) goes to a handler, shaped like crun's seccomp plugins: it answers at
 * once (SEND_RESPONSE), declines (NOT_HANDLED: the default answer now) or keeps it pending
 * (DELAYED_RESPONSE) for a later seccomp_notifier_respond(), e.g. from a D-Bus SeccompRespond call.
 *
 * The kernel is always answered: a notification still pending at its deadline (received + timeout,
 * 5 s unless set) gets the default answer (-ENOSYS unless set), and so does every pending one when the
 * notifier is freed. Times are CLOCK_MONOTONIC microseconds (sd_event_now(e, CLOCK_MONOTONIC, ...)). */

#include <linux/seccomp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/macro.h"

#ifndef SECCOMP_USER_NOTIF_FLAG_CONTINUE
#define SECCOMP_USER_NOTIF_FLAG_CONTINUE (1UL << 0)
#endif

#define SECCOMP_NOTIFY_TIMEOUT_DEFAULT_USEC (5ULL * 1000000ULL)
#define SECCOMP_NOTIFY_MAX_PENDING_DEFAULT 256U
#define SECCOMP_NOTIFY_NO_DEADLINE UINT64_MAX

typedef struct SeccompNotifier SeccompNotifier;

/* One pending notification, as the kernel reported it. Valid until it is answered. */
typedef struct SeccompNotification {
        uint64_t id;
        uint32_t pid;                   /* in the monitor's pid namespace */
        int nr;                         /* syscall number on `arch` */
        uint32_t arch;                  /* AUDIT_ARCH_* == SCMP_ARCH_* token */
        const char *syscall;            /* seccomp_syscall_resolve_num_arch(); "nr:<nr>" if unknown */
        uint64_t args[6];
        uint64_t instruction_pointer;
        uint64_t received_usec;         /* CLOCK_MONOTONIC */
        uint64_t deadline_usec;         /* the default answer is sent at this time */
        int proc_fd;                    /* /proc/<pid> (O_DIRECTORY), owned by the notifier; checked with
                                         * NOTIF_ID_VALID after it was opened, so it is the right task */
        const void *raw;                /* the kernel's struct seccomp_notif, raw_size bytes */
        size_t raw_size;
} SeccompNotification;

/* An answer. error: an errno, either sign (EPERM or -EPERM: the syscall fails with EPERM; the kernel
 * gets -EPERM), 0 to return val. flags: 0 or SECCOMP_USER_NOTIF_FLAG_CONTINUE (then error and val
 * must be 0: the syscall runs as if never intercepted). */
typedef struct SeccompNotifyResponse {
        int error;
        int64_t val;
        uint32_t flags;
} SeccompNotifyResponse;

typedef enum SeccompNotifyVerdict {
        SECCOMP_NOTIFY_NOT_HANDLED = 0,         /* the default answer is sent now */
        SECCOMP_NOTIFY_SEND_RESPONSE = 1,       /* *ret_response is sent now */
        SECCOMP_NOTIFY_DELAYED_RESPONSE = 2,    /* stays pending: seccomp_notifier_respond() later, or the
                                                 * default answer at the deadline */
} SeccompNotifyVerdict;

/* Returns a SeccompNotifyVerdict, or a negative errno (treated as NOT_HANDLED). The notification is
 * already in the table while the handler runs, so the handler may also respond to it directly. It must
 * not free the notifier. */
typedef int (*SeccompNotifyHandler)(
                SeccompNotifier *n,
                const SeccompNotification *notification,
                SeccompNotifyResponse *ret_response,
                void *userdata);

/* Takes ownership of listener_fd (also on failure). Queries the kernel's struct sizes
 * (seccomp(SECCOMP_GET_NOTIF_SIZES)), sizes the buffers at run time, and asks for synchronous wake-ups
 * (SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP, Linux 6.6; silently not used on older kernels). The fd is
 * switched to non-blocking and close-on-exec. -EOPNOTSUPP without user notification (old kernel,
 * valgrind). handler may be NULL (every notification then gets the default answer). */
int seccomp_notifier_new(int listener_fd, SeccompNotifyHandler handler, void *userdata, SeccompNotifier **ret);

/* Answers every pending notification with the default answer, closes the listener. NULL is fine. */
SeccompNotifier *seccomp_notifier_free(SeccompNotifier *n);
DEFINE_TRIVIAL_CLEANUP_FUNC(SeccompNotifier *, seccomp_notifier_free);
#define _cleanup_seccomp_notifier_free_ _cleanup_(seccomp_notifier_freep)

/* Settings. timeout_usec > 0 (-EINVAL otherwise), applies to notifications received afterwards. The
 * default answer is validated like a response (-EINVAL). max_pending >= 1: a notification arriving when
 * the table is full gets the default answer at once, without reaching the handler. */
int seccomp_notifier_set_timeout(SeccompNotifier *n, uint64_t timeout_usec);
int seccomp_notifier_set_default_response(SeccompNotifier *n, const SeccompNotifyResponse *r);
int seccomp_notifier_set_max_pending(SeccompNotifier *n, size_t max_pending);
void seccomp_notifier_set_handler(SeccompNotifier *n, SeccompNotifyHandler handler, void *userdata);

/* The listener, for the event loop (EPOLLIN) and for SeccompNotifyFd() (dup it, F_DUPFD_CLOEXEC). */
int seccomp_notifier_get_fd(SeccompNotifier *n);
/* The kernel's runtime struct sizes (for the proxy protocol). */
const struct seccomp_notif_sizes *seccomp_notifier_get_sizes(SeccompNotifier *n);
bool seccomp_notifier_sync_wake_up(SeccompNotifier *n);

/* Call when the listener fd is readable. Receives the waiting notifications (at most a batch of 16 per
 * call, so one busy container cannot starve the loop; the fd stays readable), answers or forwards each.
 * Returns 0, or 1 when the listener hung up (every task using the filter has exited, Linux 5.8+): then
 * remove the fd from the event loop; pending notifications were dropped (their tasks are gone). A
 * negative errno only on a broken listener (e.g. -EBADF). */
int seccomp_notifier_process(SeccompNotifier *n);

/* Sends the default answer to every notification whose deadline is <= now_usec. Returns how many. */
size_t seccomp_notifier_tick(SeccompNotifier *n, uint64_t now_usec);

/* The earliest deadline of the pending notifications, or SECCOMP_NOTIFY_NO_DEADLINE. */
uint64_t seccomp_notifier_next_deadline(SeccompNotifier *n);

/* Answers a pending notification: SECCOMP_IOCTL_NOTIF_SEND. Returns 0;
 *   -EINVAL  unknown id (never received, or already answered: a stale id or a second answer), or an
 *            invalid answer (|error| > 4095, CONTINUE with error/val, unknown flags); an invalid answer
 *            leaves the notification pending;
 *   -ENOENT  the kernel no longer waits for it (the task was killed or its syscall interrupted); the
 *            notification is dropped. */
int seccomp_notifier_respond(SeccompNotifier *n, uint64_t id, int error, int64_t val, uint32_t flags);
/* Answers one pending notification (-EINVAL if unknown) or all of them with the default answer, e.g.
 * when the last D-Bus subscriber goes away. respond_all returns how many were answered. */
int seccomp_notifier_respond_default(SeccompNotifier *n, uint64_t id);
size_t seccomp_notifier_respond_all_default(SeccompNotifier *n);

/* Lookup, NULL if not pending. The pointer is valid until the next call into the notifier. */
const SeccompNotification *seccomp_notifier_get(SeccompNotifier *n, uint64_t id);
size_t seccomp_notifier_n_pending(SeccompNotifier *n);
/* SECCOMP_IOCTL_NOTIF_ID_VALID: 0 if the kernel still waits for the answer, -ENOENT if not. Use it after
 * opening more files of the task (e.g. /proc/<pid>/mem) before trusting them. */
int seccomp_notifier_id_valid(SeccompNotifier *n, uint64_t id);

/* Validates and normalises an answer as seccomp_notifier_respond() does (error → -|error|). */
int seccomp_notify_response_normalize(const SeccompNotifyResponse *r, SeccompNotifyResponse *ret);

uint64_t seccomp_notify_now_usec(void);

/* Handing the listener from the container's init to the monitor: one byte plus the fd in SCM_RIGHTS
 * over a connected AF_UNIX socket. send does not close fd. recv returns the fd (O_CLOEXEC) or
 * -EBADMSG if the message carried none; any extra fds are closed. */
int seccomp_listener_send(int sock, int fd);
int seccomp_listener_recv(int sock, int *ret_fd);
