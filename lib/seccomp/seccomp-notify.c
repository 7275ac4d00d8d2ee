/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "log/log.h"
#include "seccomp/seccomp-notify.h"
#include "util/fd-util.h"

/* Linux 6.6; not in every distribution's uapi headers yet. */
#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif

/* MAX_ERRNO of the kernel: larger values are not errors to userspace. */
#define SECCOMP_NOTIFY_ERRNO_MAX 4095

/* Notifications received per seccomp_notifier_process() call. */
#define SECCOMP_NOTIFY_BATCH 16

typedef struct Pending {
        SeccompNotification pub;
        char *syscall;
        void *raw;
} Pending;

struct SeccompNotifier {
        int fd;
        struct seccomp_notif_sizes sizes;
        void *req;              /* receive buffer, req_size bytes (>= the kernel's and our struct) */
        size_t req_size;
        void *resp;             /* send buffer */
        size_t resp_size;
        bool sync_wake_up;

        SeccompNotifyHandler handler;
        void *userdata;

        uint64_t timeout_usec;
        SeccompNotifyResponse default_response;         /* normalised */

        Pending **pending;
        size_t n_pending;
        size_t allocated;
        size_t max_pending;
};

uint64_t seccomp_notify_now_usec(void) {
        struct timespec ts;

        (void) clock_gettime(CLOCK_MONOTONIC, &ts);     /* cannot fail with a valid clock */
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000ULL;
}

int seccomp_notify_response_normalize(const SeccompNotifyResponse *r, SeccompNotifyResponse *ret) {
        if (!r)
                return -EINVAL;
        if (r->flags & ~(uint32_t) SECCOMP_USER_NOTIF_FLAG_CONTINUE)
                return -EINVAL;
        if (r->error == INT_MIN)
                return -EINVAL;

        int e = r->error < 0 ? -r->error : r->error;
        if (e > SECCOMP_NOTIFY_ERRNO_MAX)
                return -EINVAL;
        /* The kernel refuses CONTINUE with a result: the syscall either runs or gets one. */
        if ((r->flags & SECCOMP_USER_NOTIF_FLAG_CONTINUE) && (e != 0 || r->val != 0))
                return -EINVAL;

        if (ret)
                *ret = (SeccompNotifyResponse) {
                        .error = -e,
                        .val = e != 0 ? 0 : r->val,
                        .flags = r->flags,
                };
        return 0;
}

static Pending *pending_free(Pending *p) {
        if (!p)
                return NULL;
        safe_close(p->pub.proc_fd);
        free(p->syscall);
        free(p->raw);
        free(p);
        return NULL;
}

static ssize_t pending_index(SeccompNotifier *n, uint64_t id) {
        for (size_t i = 0; i < n->n_pending; i++)
                if (n->pending[i]->pub.id == id)
                        return (ssize_t) i;
        return -1;
}

static void pending_remove_at(SeccompNotifier *n, size_t i) {
        pending_free(n->pending[i]);
        /* Order does not matter: lookups are linear and deadlines are scanned. */
        n->pending[i] = n->pending[--n->n_pending];
        n->pending[n->n_pending] = NULL;
}

/* Forget notifications the kernel no longer knows: an fd holder (SeccompNotifyFd) answered them on its
 * own copy of the listener, or the task was killed. Without this a busy fd holder would fill the table
 * and later notifications would get the default answer at once. */
static void pending_prune_answered(SeccompNotifier *n) {
        for (size_t i = n->n_pending; i > 0; i--) {
                uint64_t id = n->pending[i - 1]->pub.id;
                if (ioctl(n->fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) < 0 && errno == ENOENT)
                        pending_remove_at(n, i - 1);
        }
}

/* SECCOMP_IOCTL_NOTIF_SEND with an already normalised answer. */
static int send_response(SeccompNotifier *n, uint64_t id, const SeccompNotifyResponse *r) {
        struct seccomp_notif_resp *resp = n->resp;

        memset(n->resp, 0, n->resp_size);
        resp->id = id;
        resp->error = r->error;
        resp->val = r->val;
        resp->flags = r->flags;

        if (ioctl(n->fd, SECCOMP_IOCTL_NOTIF_SEND, resp) < 0)
                return -errno;
        return 0;
}

static int send_default(SeccompNotifier *n, uint64_t id) {
        int r;

        r = send_response(n, id, &n->default_response);
        if (r == -EINVAL && n->default_response.flags != 0) {
                /* A kernel before 5.5 has no CONTINUE: never leave the task waiting because of it. */
                static const SeccompNotifyResponse enosys = { .error = -ENOSYS };
                r = send_response(n, id, &enosys);
        }
        if (r < 0)
                log_debug_errno(r, "seccomp: cannot send the default answer to notification %" PRIu64 ": %m", id);
        return r;
}

int seccomp_notifier_new(int listener_fd, SeccompNotifyHandler handler, void *userdata, SeccompNotifier **ret) {
        _cleanup_close_ int fd = listener_fd;
        struct seccomp_notif_sizes sizes = {};
        int r;

        if (fd < 0 || !ret)
                return -EINVAL;

        if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) < 0)
                return errno == ENOSYS || errno == EINVAL ? -EOPNOTSUPP : -errno;

        r = fd_nonblock(fd, true);
        if (r < 0)
                return r;
        r = fd_cloexec(fd, true);
        if (r < 0)
                return r;

        SeccompNotifier *n = calloc(1, sizeof(SeccompNotifier));
        if (!n)
                return -ENOMEM;
        *n = (SeccompNotifier) {
                .fd = -EBADF,
                .sizes = sizes,
                /* The kernel writes its own struct size; ours may be larger on an older kernel. */
                .req_size = MAX((size_t) sizes.seccomp_notif, sizeof(struct seccomp_notif)),
                .resp_size = MAX((size_t) sizes.seccomp_notif_resp, sizeof(struct seccomp_notif_resp)),
                .handler = handler,
                .userdata = userdata,
                .timeout_usec = SECCOMP_NOTIFY_TIMEOUT_DEFAULT_USEC,
                .default_response = { .error = -ENOSYS },
                .max_pending = SECCOMP_NOTIFY_MAX_PENDING_DEFAULT,
        };
        n->req = calloc(1, n->req_size);
        n->resp = calloc(1, n->resp_size);
        if (!n->req || !n->resp) {
                seccomp_notifier_free(n);
                return -ENOMEM;
        }

        /* Wake the supervisor on the task's CPU and switch straight to it (Linux 6.6): halves the round
         * trip. Older kernels answer EINVAL (unknown ioctl), which only means "not available". */
        if (ioctl(fd, SECCOMP_IOCTL_NOTIF_SET_FLAGS, (unsigned long) SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP) >= 0)
                n->sync_wake_up = true;
        else if (errno != EINVAL && errno != ENOTTY)
                log_debug_errno(errno, "seccomp: SECCOMP_IOCTL_NOTIF_SET_FLAGS failed, ignoring: %m");

        n->fd = TAKE_FD(fd);
        *ret = n;
        return 0;
}

SeccompNotifier *seccomp_notifier_free(SeccompNotifier *n) {
        if (!n)
                return NULL;

        /* Never leave a task of the container blocked in a syscall because its supervisor went away.
         * (Closing the listener would make the kernel answer ENOSYS itself, but not the configured
         * default answer, and not while someone else holds a duplicate of the fd.) */
        seccomp_notifier_respond_all_default(n);

        free(n->pending);
        free(n->req);
        free(n->resp);
        safe_close(n->fd);
        free(n);
        return NULL;
}

int seccomp_notifier_set_timeout(SeccompNotifier *n, uint64_t timeout_usec) {
        if (!n || timeout_usec == 0 || timeout_usec == SECCOMP_NOTIFY_NO_DEADLINE)
                return -EINVAL;
        n->timeout_usec = timeout_usec;
        return 0;
}

int seccomp_notifier_set_default_response(SeccompNotifier *n, const SeccompNotifyResponse *r) {
        SeccompNotifyResponse norm;
        int k;

        if (!n)
                return -EINVAL;
        k = seccomp_notify_response_normalize(r, &norm);
        if (k < 0)
                return k;
        n->default_response = norm;
        return 0;
}

int seccomp_notifier_set_max_pending(SeccompNotifier *n, size_t max_pending) {
        if (!n || max_pending == 0)
                return -EINVAL;
        n->max_pending = max_pending;
        return 0;
}

void seccomp_notifier_set_handler(SeccompNotifier *n, SeccompNotifyHandler handler, void *userdata) {
        if (!n)
                return;
        n->handler = handler;
        n->userdata = userdata;
}

int seccomp_notifier_get_fd(SeccompNotifier *n) {
        return n ? n->fd : -EBADF;
}

const struct seccomp_notif_sizes *seccomp_notifier_get_sizes(SeccompNotifier *n) {
        return n ? &n->sizes : NULL;
}

bool seccomp_notifier_sync_wake_up(SeccompNotifier *n) {
        return n && n->sync_wake_up;
}

int seccomp_notifier_id_valid(SeccompNotifier *n, uint64_t id) {
        if (!n)
                return -EINVAL;
        if (ioctl(n->fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) < 0)
                return -errno;
        return 0;
}

const SeccompNotification *seccomp_notifier_get(SeccompNotifier *n, uint64_t id) {
        if (!n)
                return NULL;
        ssize_t i = pending_index(n, id);
        return i < 0 ? NULL : &n->pending[i]->pub;
}

size_t seccomp_notifier_n_pending(SeccompNotifier *n) {
        return n ? n->n_pending : 0;
}

uint64_t seccomp_notifier_next_deadline(SeccompNotifier *n) {
        uint64_t d = SECCOMP_NOTIFY_NO_DEADLINE;

        if (!n)
                return d;
        for (size_t i = 0; i < n->n_pending; i++)
                d = MIN(d, n->pending[i]->pub.deadline_usec);
        return d;
}

int seccomp_notifier_respond(SeccompNotifier *n, uint64_t id, int error, int64_t val, uint32_t flags) {
        SeccompNotifyResponse norm;
        ssize_t i;
        int r;

        if (!n)
                return -EINVAL;

        i = pending_index(n, id);
        if (i < 0)
                return -EINVAL;         /* never seen, or already answered */

        r = seccomp_notify_response_normalize(&(SeccompNotifyResponse) { error, val, flags }, &norm);
        if (r < 0)
                return r;               /* stays pending: the caller may try again, or the deadline hits */

        r = send_response(n, id, &norm);
        if (r == -ENOENT) {
                /* The task was killed or its syscall interrupted: nobody waits for this answer. */
                pending_remove_at(n, (size_t) i);
                return r;
        }
        if (r < 0)
                return r;               /* e.g. CONTINUE on a kernel before 5.5: still pending */

        pending_remove_at(n, (size_t) i);
        return 0;
}

int seccomp_notifier_respond_default(SeccompNotifier *n, uint64_t id) {
        if (!n)
                return -EINVAL;
        ssize_t i = pending_index(n, id);
        if (i < 0)
                return -EINVAL;
        (void) send_default(n, id);
        pending_remove_at(n, (size_t) i);
        return 0;
}

size_t seccomp_notifier_respond_all_default(SeccompNotifier *n) {
        size_t k = 0;

        if (!n)
                return 0;
        while (n->n_pending > 0) {
                size_t i = n->n_pending - 1;
                (void) send_default(n, n->pending[i]->pub.id);
                pending_remove_at(n, i);
                k++;
        }
        return k;
}

size_t seccomp_notifier_tick(SeccompNotifier *n, uint64_t now_usec) {
        size_t k = 0;

        if (!n)
                return 0;
        pending_prune_answered(n);
        /* Backwards: removal moves the last entry into the hole. */
        for (size_t i = n->n_pending; i > 0; i--) {
                Pending *p = n->pending[i - 1];
                if (p->pub.deadline_usec > now_usec)
                        continue;
                log_debug("seccomp: nobody answered notification %" PRIu64 " (%s of pid %" PRIu32 ") in time, "
                          "sending the default answer", p->pub.id, p->pub.syscall, p->pub.pid);
                (void) send_default(n, p->pub.id);
                pending_remove_at(n, i - 1);
                k++;
        }
        return k;
}

static int pending_new(SeccompNotifier *n, const struct seccomp_notif *req, int proc_fd, Pending **ret) {
        _cleanup_close_ int pfd = proc_fd;

        Pending *p = calloc(1, sizeof(Pending));
        if (!p)
                return -ENOMEM;
        p->pub.proc_fd = -EBADF;

        p->raw = malloc(n->sizes.seccomp_notif);
        if (!p->raw) {
                pending_free(p);
                return -ENOMEM;
        }
        /* The kernel's bytes, for the proxy: a newer kernel may have fields we do not know. */
        memcpy(p->raw, n->req, n->sizes.seccomp_notif);

        p->syscall = seccomp_syscall_resolve_num_arch(req->data.arch, req->data.nr);
        if (!p->syscall && asprintf(&p->syscall, "nr:%d", req->data.nr) < 0) {
                p->syscall = NULL;
                pending_free(p);
                return -ENOMEM;
        }

        uint64_t now = seccomp_notify_now_usec();
        p->pub = (SeccompNotification) {
                .id = req->id,
                .pid = req->pid,
                .nr = req->data.nr,
                .arch = req->data.arch,
                .syscall = p->syscall,
                .instruction_pointer = req->data.instruction_pointer,
                .received_usec = now,
                .deadline_usec = now > UINT64_MAX - n->timeout_usec ? UINT64_MAX - 1 : now + n->timeout_usec,
                .proc_fd = TAKE_FD(pfd),
                .raw = p->raw,
                .raw_size = n->sizes.seccomp_notif,
        };
        for (size_t i = 0; i < 6; i++)
                p->pub.args[i] = req->data.args[i];

        *ret = p;
        return 0;
}

static int receive_one(SeccompNotifier *n) {
        struct seccomp_notif *req = n->req;
        char path[32];
        Pending *p;
        int r;

        /* The kernel refuses a buffer that is not zeroed (room for future fields). */
        memset(n->req, 0, n->req_size);
        if (ioctl(n->fd, SECCOMP_IOCTL_NOTIF_RECV, req) < 0) {
                if (errno == ENOENT || errno == EINTR || errno == EAGAIN)
                        return 0;       /* the syscall was interrupted before we got it */
                return log_debug_errno(errno, "seccomp: SECCOMP_IOCTL_NOTIF_RECV failed: %m");
        }
        uint64_t id = req->id;

        if (n->n_pending >= n->max_pending)
                pending_prune_answered(n);
        if (n->n_pending >= n->max_pending) {
                log_debug("seccomp: %zu notifications pending, answering %" PRIu64 " by default",
                          n->n_pending, id);
                (void) send_default(n, id);
                return 0;
        }

        /* Open the task before checking the id: if the id is still valid afterwards, the pid was not
         * reused in between and the fd refers to the task that made the syscall. */
        snprintf(path, sizeof path, "/proc/%" PRIu32, req->pid);
        _cleanup_close_ int proc_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (proc_fd < 0) {
                log_debug_errno(errno, "seccomp: cannot open %s for notification %" PRIu64 ": %m", path, id);
                (void) send_default(n, id);
                return 0;
        }
        r = seccomp_notifier_id_valid(n, id);
        if (r < 0) {
                (void) send_default(n, id);     /* fails with ENOENT: nobody waits, nothing to do */
                return 0;
        }

        if (n->n_pending >= n->allocated) {
                size_t k = MAX(n->allocated * 2, (size_t) 16);
                Pending **a = reallocarray(n->pending, k, sizeof(Pending *));
                if (!a) {
                        (void) send_default(n, id);
                        return -ENOMEM;
                }
                n->pending = a;
                n->allocated = k;
        }

        r = pending_new(n, req, TAKE_FD(proc_fd), &p);
        if (r < 0) {
                (void) send_default(n, id);
                return r;
        }
        n->pending[n->n_pending++] = p;

        if (!n->handler) {
                (void) seccomp_notifier_respond_default(n, id);
                return 0;
        }

        SeccompNotifyResponse resp = {};
        r = n->handler(n, &p->pub, &resp, n->userdata);
        /* p may be gone now: the handler may have answered it. Look it up by id. */
        if (!seccomp_notifier_get(n, id))
                return 0;

        if (r == SECCOMP_NOTIFY_DELAYED_RESPONSE)
                return 0;
        if (r == SECCOMP_NOTIFY_SEND_RESPONSE) {
                r = seccomp_notifier_respond(n, id, resp.error, resp.val, resp.flags);
                if (r >= 0 || r == -ENOENT)
                        return 0;
                log_debug_errno(r, "seccomp: the handler's answer to %" PRIu64 " was refused: %m", id);
        } else if (r < 0)
                log_debug_errno(r, "seccomp: the handler failed on notification %" PRIu64 ": %m", id);

        (void) seccomp_notifier_respond_default(n, id);
        return 0;
}

int seccomp_notifier_process(SeccompNotifier *n) {
        int r;

        if (!n)
                return -EINVAL;

        /* NOTIF_RECV ignores O_NONBLOCK, so ask poll() first: it never blocks then (an interrupted
         * syscall makes it fail with ENOENT rather than wait). */
        for (unsigned k = 0; k < SECCOMP_NOTIFY_BATCH; k++) {
                struct pollfd pfd = { .fd = n->fd, .events = POLLIN };

                r = poll(&pfd, 1, 0);
                if (r < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (r == 0)
                        return 0;
                if (pfd.revents & POLLNVAL)
                        return -EBADF;
                if (pfd.revents & POLLIN) {
                        r = receive_one(n);
                        if (r < 0 && r != -ENOMEM)
                                return r;
                        continue;
                }
                if (pfd.revents & (POLLHUP | POLLERR)) {
                        /* No task uses the filter any more: nothing can be waiting. */
                        while (n->n_pending > 0)
                                pending_remove_at(n, n->n_pending - 1);
                        return 1;
                }
                return 0;
        }
        return 0;
}

int seccomp_listener_send(int sock, int fd) {
        union {
                struct cmsghdr cmsghdr;
                uint8_t buf[CMSG_SPACE(sizeof(int))];
        } control = {};
        char byte = 'S';
        struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
        struct msghdr mh = {
                .msg_iov = &iov,
                .msg_iovlen = 1,
                .msg_control = &control,
                .msg_controllen = sizeof control,
        };

        if (sock < 0 || fd < 0)
                return -EBADF;

        struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &fd, sizeof(int));

        for (;;) {
                if (sendmsg(sock, &mh, MSG_NOSIGNAL) >= 0)
                        return 0;
                if (errno != EINTR)
                        return -errno;
        }
}

int seccomp_listener_recv(int sock, int *ret_fd) {
        union {
                struct cmsghdr cmsghdr;
                uint8_t buf[CMSG_SPACE(sizeof(int) * 4)];
        } control = {};
        char byte;
        struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
        struct msghdr mh = {
                .msg_iov = &iov,
                .msg_iovlen = 1,
                .msg_control = &control,
                .msg_controllen = sizeof control,
        };
        int fd = -EBADF;
        ssize_t k;

        if (sock < 0 || !ret_fd)
                return -EINVAL;

        do
                k = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
        while (k < 0 && errno == EINTR);
        if (k < 0)
                return -errno;
        if (k == 0)
                return -ECONNRESET;

        for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
                if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
                        continue;
                size_t nfds = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
                for (size_t i = 0; i < nfds; i++) {
                        int x;
                        memcpy(&x, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
                        if (fd < 0)
                                fd = x;
                        else
                                safe_close(x);
                }
        }
        if (fd < 0)
                return -EBADMSG;
        *ret_fd = fd;
        return 0;
}
