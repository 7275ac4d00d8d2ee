/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "log/log.h"
#include "seccomp/seccomp-proxy.h"
#include "util/fd-util.h"

/* The layout is the wire format: keep it LXC's on every ABI. */
_Static_assert(offsetof(SeccompProxyMsgHeader, monitor_pid) == 8, "proxy header layout");
_Static_assert(offsetof(SeccompProxyMsgHeader, init_pid) == 12, "proxy header layout");
_Static_assert(offsetof(SeccompProxyMsgHeader, sizes) == 16, "proxy header layout");
_Static_assert(offsetof(SeccompProxyMsgHeader, cookie_len) == 24, "proxy header layout");
_Static_assert(sizeof(SeccompProxyMsgHeader) == 32, "proxy header layout");

/* Replies read per seccomp_proxy_process() call. */
#define SECCOMP_PROXY_BATCH 16

struct SeccompProxy {
        SeccompNotifier *notifier;
        struct sockaddr_un addr;
        socklen_t addr_len;
        char *cookie;
        size_t cookie_len;
        pid_t monitor_pid;
        pid_t init_pid;
        int fd;

        SeccompProxyFdCallback fd_cb;
        void *fd_userdata;

        uint64_t *outstanding;          /* ids sent and not yet answered by the proxy, oldest first */
        size_t n_outstanding;
        size_t allocated;

        void *reply;                    /* header + notif + resp */
        size_t reply_size;
};

int seccomp_proxy_parse_address(const char *value, struct sockaddr_un *ret, socklen_t *ret_len) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        const char *path;
        size_t len;

        if (!value || strncmp(value, "unix:", 5) != 0)
                return -EINVAL;
        path = value + 5;
        len = strlen(path);

        if (path[0] == '@') {
                /* Abstract: sun_path[0] = 0, then the name. (LXC's connect passes one byte less than
                 * the name, dropping its last character; a proxy listening on the name as written,
                 * as every other program binds it, is what works here.) */
                if (len < 2 || len > sizeof(sa.sun_path))
                        return -EINVAL;
                memcpy(sa.sun_path + 1, path + 1, len - 1);
                if (ret)
                        *ret = sa;
                if (ret_len)
                        *ret_len = (socklen_t) (offsetof(struct sockaddr_un, sun_path) + len);
                return 0;
        }

        if (path[0] != '/' || len + 1 > sizeof(sa.sun_path))
                return -EINVAL;
        memcpy(sa.sun_path, path, len + 1);
        if (ret)
                *ret = sa;
        if (ret_len)
                *ret_len = (socklen_t) (offsetof(struct sockaddr_un, sun_path) + len + 1);
        return 0;
}

int seccomp_proxy_new(
                SeccompNotifier *n,
                const char *address,
                const char *cookie,
                pid_t monitor_pid,
                pid_t init_pid,
                SeccompProxy **ret) {

        int r;

        if (!n || !ret)
                return -EINVAL;

        SeccompProxy *p = calloc(1, sizeof(SeccompProxy));
        if (!p)
                return -ENOMEM;
        p->fd = -EBADF;
        p->notifier = n;
        p->monitor_pid = monitor_pid;
        p->init_pid = init_pid;

        r = seccomp_proxy_parse_address(address, &p->addr, &p->addr_len);
        if (r < 0) {
                seccomp_proxy_free(p);
                return r;
        }

        if (cookie) {
                p->cookie = strdup(cookie);
                if (!p->cookie) {
                        seccomp_proxy_free(p);
                        return -ENOMEM;
                }
                p->cookie_len = strlen(cookie);
        }

        const struct seccomp_notif_sizes *sizes = seccomp_notifier_get_sizes(n);
        p->reply_size = sizeof(SeccompProxyMsgHeader) + sizes->seccomp_notif + sizes->seccomp_notif_resp;
        p->reply = malloc(p->reply_size);
        if (!p->reply) {
                seccomp_proxy_free(p);
                return -ENOMEM;
        }

        *ret = p;
        return 0;
}

SeccompProxy *seccomp_proxy_free(SeccompProxy *p) {
        if (!p)
                return NULL;
        safe_close(p->fd);
        free(p->cookie);
        free(p->outstanding);
        free(p->reply);
        free(p);
        return NULL;
}

void seccomp_proxy_set_fd_callback(SeccompProxy *p, SeccompProxyFdCallback cb, void *userdata) {
        if (!p)
                return;
        p->fd_cb = cb;
        p->fd_userdata = userdata;
}

int seccomp_proxy_get_fd(SeccompProxy *p) {
        return p ? p->fd : -EBADF;
}

bool seccomp_proxy_is_connected(SeccompProxy *p) {
        return p && p->fd >= 0;
}

size_t seccomp_proxy_n_outstanding(SeccompProxy *p) {
        return p ? p->n_outstanding : 0;
}

static void outstanding_remove_at(SeccompProxy *p, size_t i) {
        memmove(p->outstanding + i, p->outstanding + i + 1, (p->n_outstanding - i - 1) * sizeof(uint64_t));
        p->n_outstanding--;
}

static ssize_t outstanding_index(SeccompProxy *p, uint64_t id) {
        for (size_t i = 0; i < p->n_outstanding; i++)
                if (p->outstanding[i] == id)
                        return (ssize_t) i;
        return -1;
}

/* Requests the notifier already answered (timeout, destroy, an fd holder) need no reply any more. */
static void outstanding_prune(SeccompProxy *p) {
        for (size_t i = p->n_outstanding; i > 0; i--)
                if (!seccomp_notifier_get(p->notifier, p->outstanding[i - 1]))
                        outstanding_remove_at(p, i - 1);
}

static int outstanding_add(SeccompProxy *p, uint64_t id) {
        if (p->n_outstanding >= p->allocated) {
                size_t a = MAX(p->allocated * 2, (size_t) 16);
                uint64_t *x = reallocarray(p->outstanding, a, sizeof(uint64_t));
                if (!x)
                        return -ENOMEM;
                p->outstanding = x;
                p->allocated = a;
        }
        p->outstanding[p->n_outstanding++] = id;
        return 0;
}

static void disconnect(SeccompProxy *p) {
        if (p->fd < 0)
                return;
        p->fd = safe_close(p->fd);
        if (p->fd_cb)
                p->fd_cb(p, -EBADF, p->fd_userdata);

        /* Replies can no longer come: answer now rather than at the deadline. */
        for (size_t i = 0; i < p->n_outstanding; i++)
                (void) seccomp_notifier_respond_default(p->notifier, p->outstanding[i]);
        p->n_outstanding = 0;
}

int seccomp_proxy_connect(SeccompProxy *p) {
        if (!p)
                return -EINVAL;

        if (p->fd >= 0) {
                p->fd = safe_close(p->fd);
                if (p->fd_cb)
                        p->fd_cb(p, -EBADF, p->fd_userdata);
        }

        _cleanup_close_ int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        /* Blocking connect: an AF_UNIX connect never waits on the network, only for backlog room. */
        if (connect(fd, (const struct sockaddr *) &p->addr, p->addr_len) < 0)
                return log_debug_errno(errno, "seccomp: cannot connect to the notification proxy: %m");
        int r = fd_nonblock(fd, true);
        if (r < 0)
                return r;

        p->fd = TAKE_FD(fd);
        if (p->fd_cb)
                p->fd_cb(p, p->fd, p->fd_userdata);
        return 0;
}

static ssize_t send_request(SeccompProxy *p, struct iovec *iov, size_t n_iov, const int fds[static SECCOMP_PROXY_FDS]) {
        union {
                struct cmsghdr cmsghdr;
                uint8_t buf[CMSG_SPACE(sizeof(int) * SECCOMP_PROXY_FDS)];
        } control = {};
        struct msghdr mh = {
                .msg_iov = iov,
                .msg_iovlen = n_iov,
                .msg_control = &control,
                .msg_controllen = sizeof control,
        };
        struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
        ssize_t k;

        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int) * SECCOMP_PROXY_FDS);
        memcpy(CMSG_DATA(c), fds, sizeof(int) * SECCOMP_PROXY_FDS);

        do
                k = sendmsg(p->fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
        while (k < 0 && errno == EINTR);
        return k < 0 ? -errno : k;
}

int seccomp_proxy_handler(
                SeccompNotifier *n,
                const SeccompNotification *notification,
                SeccompNotifyResponse *ret_response,
                void *userdata) {

        SeccompProxy *p = userdata;
        const struct seccomp_notif_sizes *sizes;
        int r;

        if (!p || !notification || p->notifier != n)
                return -EINVAL;
        sizes = seccomp_notifier_get_sizes(n);

        outstanding_prune(p);

        /* The proxy may read and write the task's memory (e.g. to emulate mknod). Open it through the
         * checked /proc/<pid> fd, then check the id again: the task is still the one that made the call. */
        _cleanup_close_ int mem_fd = openat(notification->proc_fd, "mem", O_RDWR | O_CLOEXEC);
        if (mem_fd < 0)
                return log_debug_errno(errno, "seccomp: cannot open /proc/%" PRIu32 "/mem for the proxy: %m",
                                       notification->pid);
        r = seccomp_notifier_id_valid(n, notification->id);
        if (r < 0)
                return r;

        SeccompProxyMsgHeader hdr = {
                .reserved = 0,
                .monitor_pid = p->monitor_pid,
                .init_pid = p->init_pid,
                .sizes = *sizes,
                .cookie_len = p->cookie_len,
        };

        /* The response the proxy fills: zero but for the id (LXC prefills it the same way). */
        _cleanup_free_ void *resp = calloc(1, MAX((size_t) sizes->seccomp_notif_resp, sizeof(struct seccomp_notif_resp)));
        if (!resp)
                return -ENOMEM;
        ((struct seccomp_notif_resp *) resp)->id = notification->id;

        struct iovec iov[4] = {
                { .iov_base = &hdr, .iov_len = sizeof hdr },
                { .iov_base = (void *) notification->raw, .iov_len = sizes->seccomp_notif },
                { .iov_base = resp, .iov_len = sizes->seccomp_notif_resp },
                { .iov_base = p->cookie, .iov_len = p->cookie_len },
        };
        size_t n_iov = p->cookie_len > 0 ? 4 : 3;
        size_t full = sizeof hdr + sizes->seccomp_notif + sizes->seccomp_notif_resp + p->cookie_len;
        int fds[SECCOMP_PROXY_FDS] = { notification->proc_fd, mem_fd, seccomp_notifier_get_fd(n) };

        ssize_t k = -ENOTCONN;
        for (unsigned attempt = 0; attempt < 2; attempt++) {
                if (p->fd < 0 || attempt > 0) {
                        /* As LXC: a broken or missing connection is re-established once per message. */
                        if (p->fd >= 0)
                                disconnect(p);
                        r = seccomp_proxy_connect(p);
                        if (r < 0) {
                                k = r;
                                break;
                        }
                }
                k = send_request(p, iov, n_iov, fds);
                if (k == (ssize_t) full)
                        break;
                log_debug_errno(k < 0 ? (int) k : EMSGSIZE,
                                "seccomp: cannot forward notification %" PRIu64 " to the proxy: %m", notification->id);
                if (k == -EAGAIN)
                        break;  /* a slow proxy, not a broken one: keep the connection and its requests */
        }
        if (k != (ssize_t) full)
                return k < 0 ? (int) k : -EMSGSIZE;

        r = outstanding_add(p, notification->id);
        if (r < 0)
                return r;
        return SECCOMP_NOTIFY_DELAYED_RESPONSE;
}

/* Which outstanding request a reply answers, or -1. */
static ssize_t reply_match(SeccompProxy *p, size_t len) {
        const struct seccomp_notif_sizes *sizes = seccomp_notifier_get_sizes(p->notifier);
        size_t notif_off = sizeof(SeccompProxyMsgHeader), resp_off = notif_off + sizes->seccomp_notif;
        uint64_t id;
        ssize_t i;

        if (len >= resp_off + sizeof(uint64_t)) {
                memcpy(&id, (uint8_t *) p->reply + resp_off, sizeof id);
                i = outstanding_index(p, id);
                if (i >= 0)
                        return i;
        }
        if (len >= notif_off + sizeof(uint64_t)) {
                memcpy(&id, (uint8_t *) p->reply + notif_off, sizeof id);
                i = outstanding_index(p, id);
                if (i >= 0)
                        return i;
        }
        /* LXC waits for one reply per request and takes it as the answer whatever its id says. */
        return p->n_outstanding == 1 ? 0 : -1;
}

static void handle_reply(SeccompProxy *p, size_t len) {
        const struct seccomp_notif_sizes *sizes = seccomp_notifier_get_sizes(p->notifier);
        SeccompProxyMsgHeader hdr;
        struct seccomp_notif_resp resp = {};
        ssize_t i;
        int r;

        outstanding_prune(p);

        i = reply_match(p, len);
        if (i < 0) {
                log_debug("seccomp: a proxy reply (%zu bytes) matches no outstanding request, ignoring", len);
                return;
        }
        uint64_t id = p->outstanding[i];
        outstanding_remove_at(p, (size_t) i);

        if (len != p->reply_size) {
                log_debug("seccomp: the proxy's reply to %" PRIu64 " has %zu bytes, expected %zu: default answer",
                          id, len, p->reply_size);
                (void) seccomp_notifier_respond_default(p->notifier, id);
                return;
        }

        memcpy(&hdr, p->reply, sizeof hdr);
        if (hdr.reserved != 0) {
                log_debug("seccomp: the proxy's reply to %" PRIu64 " sets the reserved field: default answer", id);
                (void) seccomp_notifier_respond_default(p->notifier, id);
                return;
        }

        memcpy(&resp, (uint8_t *) p->reply + sizeof hdr + sizes->seccomp_notif,
               MIN(sizeof resp, (size_t) sizes->seccomp_notif_resp));
        r = seccomp_notifier_respond(p->notifier, id, resp.error, resp.val, resp.flags);
        if (r >= 0 || r == -ENOENT)
                return;
        log_debug_errno(r, "seccomp: the proxy's answer to %" PRIu64 " was refused (error %d, val %lld, flags %u): %m",
                        id, resp.error, (long long) resp.val, resp.flags);
        (void) seccomp_notifier_respond_default(p->notifier, id);
}

int seccomp_proxy_process(SeccompProxy *p) {
        if (!p)
                return -EINVAL;

        for (unsigned b = 0; b < SECCOMP_PROXY_BATCH && p->fd >= 0; b++) {
                union {
                        struct cmsghdr cmsghdr;
                        uint8_t buf[CMSG_SPACE(sizeof(int) * 8)];
                } control = {};
                struct iovec iov = { .iov_base = p->reply, .iov_len = p->reply_size };
                struct msghdr mh = {
                        .msg_iov = &iov,
                        .msg_iovlen = 1,
                        .msg_control = &control,
                        .msg_controllen = sizeof control,
                };
                ssize_t k;

                memset(p->reply, 0, p->reply_size);
                /* MSG_TRUNC: the datagram's real length, so an oversized reply is seen as such. */
                do
                        k = recvmsg(p->fd, &mh, MSG_DONTWAIT | MSG_TRUNC | MSG_CMSG_CLOEXEC);
                while (k < 0 && errno == EINTR);

                /* A proxy has no business sending fds: never leak them. */
                for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
                        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
                                size_t nfds = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
                                for (size_t j = 0; j < nfds; j++) {
                                        int x;
                                        memcpy(&x, CMSG_DATA(c) + j * sizeof(int), sizeof(int));
                                        safe_close(x);
                                }
                        }

                if (k < 0) {
                        if (errno == EAGAIN)
                                return 0;
                        log_debug_errno(errno, "seccomp: reading from the proxy failed, disconnecting: %m");
                        disconnect(p);
                        return 1;
                }
                if (k == 0) {
                        log_debug("seccomp: the proxy closed the connection");
                        disconnect(p);
                        return 1;
                }
                handle_reply(p, (size_t) k);
        }
        return 0;
}
