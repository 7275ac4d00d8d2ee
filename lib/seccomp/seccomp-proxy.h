/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* LXC's seccomp notification proxy protocol (`lxc.seccomp.notify.proxy`, `lxc.seccomp.notify.cookie`;
 * LXC's seccomp.c:seccomp_notify_handler, lxc-semantics.md §7), so an existing LXC/LXD proxy works with
 * berth unchanged. A SOCK_SEQPACKET connection to "unix:PATH" or "unix:@abstract"; per notification one
 * datagram:
 *
 *     SeccompProxyMsgHeader (32 bytes: reserved 0, monitor pid, init pid, the kernel's runtime
 *                            struct sizes, cookie length)
 *     struct seccomp_notif        (sizes.seccomp_notif bytes, the kernel's own bytes)
 *     struct seccomp_notif_resp   (sizes.seccomp_notif_resp bytes, zero but for the id)
 *     cookie                      (cookie_len bytes, no NUL)
 *
 * with SCM_RIGHTS carrying 3 fds: [0] /proc/<pid> (O_DIRECTORY), [1] /proc/<pid>/mem (O_RDWR), [2] the
 * listener fd itself. The reply is one datagram of exactly header + notif + resp (no cookie); the
 * response's id, val, error and flags are sent to the kernel. Anything else (a wrong size, a reserved
 * field set, an invalid answer) gets the notifier's default answer.
 *
 * Unlike LXC, which blocks its main loop up to 30 s on the proxy, this is asynchronous: the request is
 * sent from the notifier's handler (seccomp_proxy_handler returns DELAYED_RESPONSE), the reply is read
 * when the proxy socket is readable (seccomp_proxy_process), and a proxy that does not answer in time
 * is covered by the notifier's timeout and default answer. Replies are matched by id (a proxy may answer
 * out of order); as in LXC, a reply whose id matches nothing while exactly one request is outstanding is
 * taken as that request's answer. As in LXC, a failed send reconnects once and retries, and a proxy that
 * is down makes every notification get the default answer until it is back (reconnect on the next one). */

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>

#include "seccomp/seccomp-notify.h"

/* LXC's struct seccomp_notify_proxy_msg, same layout. */
typedef struct SeccompProxyMsgHeader {
        uint64_t reserved;
        int32_t monitor_pid;            /* pid_t */
        int32_t init_pid;
        struct seccomp_notif_sizes sizes;
        uint64_t cookie_len;
} SeccompProxyMsgHeader;

#define SECCOMP_PROXY_FDS 3

typedef struct SeccompProxy SeccompProxy;

/* Parses an lxc.seccomp.notify.proxy value: "unix:/abs/path" or "unix:@name" (abstract namespace; the
 * name is used in full, without a trailing NUL). -EINVAL for any other prefix, an empty or too long
 * name. *ret_len is the length to pass to connect()/bind(). */
int seccomp_proxy_parse_address(const char *value, struct sockaddr_un *ret, socklen_t *ret_len);

/* Called with the new socket after every (re)connect, and with -EBADF when the connection is dropped:
 * the monitor (re)registers the fd with its event loop (EPOLLIN → seccomp_proxy_process). */
typedef void (*SeccompProxyFdCallback)(SeccompProxy *p, int fd, void *userdata);

/* Does not connect yet. n must outlive the proxy's use (the proxy answers through it). cookie may be
 * NULL (cookie_len 0). The pids go into every header: the monitor's pid and the container init's pid. */
int seccomp_proxy_new(
                SeccompNotifier *n,
                const char *address,
                const char *cookie,
                pid_t monitor_pid,
                pid_t init_pid,
                SeccompProxy **ret);
/* Closes the connection (without calling the fd callback). Outstanding requests stay pending in the
 * notifier, which answers them by default at their deadline or when it is freed. */
SeccompProxy *seccomp_proxy_free(SeccompProxy *p);
DEFINE_TRIVIAL_CLEANUP_FUNC(SeccompProxy *, seccomp_proxy_free);
#define _cleanup_seccomp_proxy_free_ _cleanup_(seccomp_proxy_freep)

void seccomp_proxy_set_fd_callback(SeccompProxy *p, SeccompProxyFdCallback cb, void *userdata);

/* Connects (SOCK_SEQPACKET). LXC fails the container's start when the proxy is not listening: the
 * monitor should do the same with this error (e.g. -ECONNREFUSED, -ENOENT). */
int seccomp_proxy_connect(SeccompProxy *p);
int seccomp_proxy_get_fd(SeccompProxy *p);
bool seccomp_proxy_is_connected(SeccompProxy *p);

/* A SeccompNotifyHandler, userdata = the SeccompProxy: forwards the notification and returns
 * SECCOMP_NOTIFY_DELAYED_RESPONSE, or a negative errno (the notifier then answers by default now). */
int seccomp_proxy_handler(
                SeccompNotifier *n,
                const SeccompNotification *notification,
                SeccompNotifyResponse *ret_response,
                void *userdata);

/* Call when the proxy socket is readable: reads the replies waiting and answers the kernel. Returns 0,
 * or 1 if the proxy closed the connection (its outstanding requests got the default answer; the fd
 * callback was told -EBADF; the next notification reconnects). */
int seccomp_proxy_process(SeccompProxy *p);

/* How many requests wait for the proxy's reply. */
size_t seccomp_proxy_n_outstanding(SeccompProxy *p);
