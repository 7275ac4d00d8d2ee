/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Seccomp user notifications (lib/seccomp/seccomp-notify, seccomp-proxy) against the real kernel, no
 * root: a forked child sets no_new_privs, loads "getppid notify" with seccomp_profile_load() and hands
 * the listener over with seccomp_listener_send(), as the container's init does to the monitor. On
 * command it calls getppid(a0, 22, 33, 44, 55, 66) (getppid ignores its arguments, but seccomp sees the
 * registers) and reports what the call returned.
 *
 * Checked: the forwarded notification (syscall name, number, arch, args, pid), answers with an errno
 * (either sign), a value and CONTINUE, the handler verdicts, stale ids and second answers (-EINVAL), the
 * default answer at the timeout and a per-container default, the bounded table, the answers sent on
 * destroy, the listener hangup, and LXC's proxy protocol against a small proxy thread that parses the
 * wire format (header, sizes, cookie, 3 fds) and answers, including a wrong-size reply, silence, a
 * wrong response id and a proxy that drops the connection. */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "seccomp/seccomp-load.h"
#include "seccomp/seccomp-notify.h"
#include "seccomp/seccomp-profile.h"
#include "seccomp/seccomp-proxy.h"
#include "tap.h"
#include "util/fd-util.h"

enum { OP_CALL, OP_CALL_TWICE, OP_QUIT };

typedef struct Cmd {
        int op;
        uint64_t a0;
} Cmd;

typedef struct Result {
        long r;
        int err;
} Result;

/* ---- the child: the container's init, in miniature ---- */

static long notified_call(uint64_t a0) {
        return syscall(SYS_getppid, a0, 22, 33, 44, 55, 66);
}

static void report(int sock, long r, int err) {
        Result res = { .r = r, .err = r < 0 ? err : 0 };
        (void) send(sock, &res, sizeof res, MSG_NOSIGNAL);
}

static _noreturn_ void child_main(int sock) {
        _cleanup_seccomp_profile_free_ SeccompProfile *p = NULL;
        int fd = -EBADF;

        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                _exit(10);
        if (seccomp_profile_parse_string("2\ndenylist\ngetppid notify\n", "notify-test", &p, NULL) < 0)
                _exit(11);
        if (seccomp_profile_load(p, true, &fd, NULL) != SECCOMP_LOAD_LOADED || fd < 0)
                _exit(12);
        if (seccomp_listener_send(sock, fd) < 0)
                _exit(13);
        safe_close(fd);         /* the monitor is the only listener now */

        for (;;) {
                Cmd cmd;
                if (recv(sock, &cmd, sizeof cmd, 0) != sizeof cmd)
                        _exit(14);
                if (cmd.op == OP_QUIT)
                        _exit(0);
                if (cmd.op == OP_CALL) {
                        long r = notified_call(cmd.a0);
                        report(sock, r, errno);
                        continue;
                }
                /* Two tasks under the filter at once, each reporting on its own. */
                pid_t kids[2];
                for (int i = 0; i < 2; i++) {
                        kids[i] = fork();
                        if (kids[i] == 0) {
                                long r = notified_call(cmd.a0 + i);
                                report(sock, r, errno);
                                _exit(0);
                        }
                }
                for (int i = 0; i < 2; i++)
                        if (kids[i] > 0)
                                (void) waitpid(kids[i], NULL, 0);
        }
}

typedef struct Child {
        pid_t pid;
        int sock;
        int listener;
} Child;

static int child_start(Child *ret) {
        int sp[2];

        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
                return -errno;
        pid_t pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                safe_close(sp[0]);
                child_main(sp[1]);
        }
        safe_close(sp[1]);

        int fd = -EBADF;
        int r = seccomp_listener_recv(sp[0], &fd);
        if (r < 0) {
                safe_close(sp[0]);
                (void) waitpid(pid, NULL, 0);
                return r;
        }
        *ret = (Child) { .pid = pid, .sock = sp[0], .listener = fd };
        return 0;
}

static int child_stop(Child *c) {
        int status = -1;

        (void) send(c->sock, &(Cmd) { .op = OP_QUIT }, sizeof(Cmd), MSG_NOSIGNAL);
        (void) waitpid(c->pid, &status, 0);
        c->sock = safe_close(c->sock);
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void child_call(Child *c, int op, uint64_t a0) {
        (void) send(c->sock, &(Cmd) { .op = op, .a0 = a0 }, sizeof(Cmd), MSG_NOSIGNAL);
}

/* ---- the monitor's side: a handler and a poll() loop standing in for sd-event ---- */

static struct {
        unsigned calls;
        SeccompNotifyVerdict verdict;
        SeccompNotifyResponse response;         /* for SEND_RESPONSE */
        uint64_t id;
        uint32_t pid, arch;
        int nr;
        char syscall[64];
        uint64_t args[6];
        uint64_t deadline;
        bool proc_fd_ok;
} seen;

static int handler(SeccompNotifier *n, const SeccompNotification *m, SeccompNotifyResponse *ret, void *userdata) {
        struct stat a, b;
        char path[64];

        seen.calls++;
        seen.id = m->id;
        seen.pid = m->pid;
        seen.arch = m->arch;
        seen.nr = m->nr;
        snprintf(seen.syscall, sizeof seen.syscall, "%s", m->syscall);
        memcpy(seen.args, m->args, sizeof seen.args);
        seen.deadline = m->deadline_usec;
        snprintf(path, sizeof path, "/proc/%" PRIu32, m->pid);
        seen.proc_fd_ok = fstat(m->proc_fd, &a) == 0 && stat(path, &b) == 0 && a.st_ino == b.st_ino;
        if (seen.verdict == SECCOMP_NOTIFY_SEND_RESPONSE)
                *ret = seen.response;
        return seen.verdict;
}

static uint64_t now_usec(void) {
        return seccomp_notify_now_usec();
}

/* Runs the loop until the child reports a result (ret != NULL) or the handler runs once more
 * (ret == NULL), for at most max_ms. Returns 0 or -ETIMEDOUT. */
static int pump(SeccompNotifier *n, SeccompProxy *proxy, Child *c, int max_ms, Result *ret) {
        uint64_t end = now_usec() + (uint64_t) max_ms * 1000, start_calls = seen.calls;

        for (;;) {
                uint64_t now = now_usec();
                if (now >= end)
                        return -ETIMEDOUT;
                uint64_t wake = MIN(end, seccomp_notifier_next_deadline(n));
                int timeout_ms = wake <= now ? 0 : (int) ((wake - now + 999) / 1000);

                struct pollfd pf[3] = {
                        { .fd = c->sock, .events = POLLIN },
                        { .fd = seccomp_notifier_get_fd(n), .events = POLLIN },
                        { .fd = seccomp_proxy_get_fd(proxy), .events = POLLIN },
                };
                if (poll(pf, 3, timeout_ms) < 0 && errno != EINTR)
                        return -errno;

                (void) seccomp_notifier_tick(n, now_usec());
                if (pf[1].revents)
                        (void) seccomp_notifier_process(n);
                if (pf[2].revents)
                        (void) seccomp_proxy_process(proxy);
                if (!ret && seen.calls > start_calls)
                        return 0;
                if (ret && (pf[0].revents & POLLIN)) {
                        if (recv(c->sock, ret, sizeof *ret, 0) != sizeof *ret)
                                return -EIO;
                        return 0;
                }
        }
}

/* ---- notifier ---- */

static void test_notifier(void) {
        _cleanup_seccomp_notifier_free_ SeccompNotifier *n = NULL;
        Child c;
        Result res;
        int r;

        r = child_start(&c);
        TAP_EQ_INT(r, 0, "a child with a notify filter hands its listener over (SCM_RIGHTS)");
        if (r < 0)
                return;

        r = seccomp_notifier_new(c.listener, handler, NULL, &n);
        TAP_EQ_INT(r, 0, "notifier created");
        if (r < 0)
                return;
        TAP_OK(seccomp_notifier_get_sizes(n)->seccomp_notif >= sizeof(struct seccomp_notif),
               "runtime sizes from SECCOMP_GET_NOTIF_SIZES (%u bytes)", seccomp_notifier_get_sizes(n)->seccomp_notif);
        TAP_DIAG("SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP: %s", seccomp_notifier_sync_wake_up(n) ? "on" : "not available");

        /* Forwarded, answered with an errno. */
        seen.verdict = SECCOMP_NOTIFY_DELAYED_RESPONSE;
        child_call(&c, OP_CALL, 11);
        TAP_EQ_INT(pump(n, NULL, &c, 2000, NULL), 0, "the handler gets the notification");
        TAP_EQ_STR(seen.syscall, "getppid", "syscall name resolved");
        TAP_EQ_INT(seen.nr, SYS_getppid, "syscall number");
        TAP_EQ_INT(seen.arch, seccomp_arch_native(), "native arch");
        TAP_EQ_INT(seen.pid, c.pid, "pid of the calling task");
        TAP_OK(seen.args[0] == 11 && seen.args[1] == 22 && seen.args[2] == 33 && seen.args[3] == 44 &&
               seen.args[4] == 55 && seen.args[5] == 66, "all six arguments");
        TAP_OK(seen.proc_fd_ok, "proc_fd is /proc/<pid> of the task");
        TAP_EQ_INT(seccomp_notifier_n_pending(n), 1, "one pending");
        TAP_OK(seccomp_notifier_get(n, seen.id) != NULL, "lookup by id");
        uint64_t id = seen.id;
        TAP_EQ_INT(seccomp_notifier_respond(n, id, EPERM, 0, 0), 0, "respond EPERM");
        TAP_EQ_INT(pump(n, NULL, &c, 2000, &res), 0, "child reported");
        TAP_OK(res.r == -1 && res.err == EPERM, "the task sees EPERM (r=%ld errno=%d)", res.r, res.err);
        TAP_EQ_INT(seccomp_notifier_respond(n, id, EPERM, 0, 0), -EINVAL, "a second answer is -EINVAL");
        TAP_EQ_INT(seccomp_notifier_respond(n, id + 1000, 0, 0, 0), -EINVAL, "an unknown id is -EINVAL");
        TAP_EQ_INT(seccomp_notifier_n_pending(n), 0, "nothing pending");

        /* Kernel sign for the errno works too. */
        child_call(&c, OP_CALL, 12);
        pump(n, NULL, &c, 2000, NULL);
        TAP_EQ_INT(seccomp_notifier_respond(n, seen.id, -EACCES, 0, 0), 0, "respond -EACCES");
        pump(n, NULL, &c, 2000, &res);
        TAP_OK(res.r == -1 && res.err == EACCES, "the task sees EACCES (r=%ld errno=%d)", res.r, res.err);

        /* A value. */
        child_call(&c, OP_CALL, 13);
        pump(n, NULL, &c, 2000, NULL);
        TAP_EQ_INT(seccomp_notifier_respond(n, seen.id, 0, 42, 0), 0, "respond val 42");
        pump(n, NULL, &c, 2000, &res);
        TAP_EQ_INT(res.r, 42, "the task sees 42");

        /* CONTINUE: the real getppid() runs. An invalid answer first leaves it pending. */
        child_call(&c, OP_CALL, 14);
        pump(n, NULL, &c, 2000, NULL);
        TAP_EQ_INT(seccomp_notifier_respond(n, seen.id, EPERM, 0, SECCOMP_USER_NOTIF_FLAG_CONTINUE), -EINVAL,
                   "CONTINUE with an errno is -EINVAL");
        TAP_EQ_INT(seccomp_notifier_respond(n, seen.id, 0, 0, 0x80), -EINVAL, "unknown flags are -EINVAL");
        TAP_EQ_INT(seccomp_notifier_respond(n, seen.id, 5000, 0, 0), -EINVAL, "errno > 4095 is -EINVAL");
        TAP_EQ_INT(seccomp_notifier_n_pending(n), 1, "an invalid answer leaves it pending");
        TAP_EQ_INT(seccomp_notifier_respond(n, seen.id, 0, 0, SECCOMP_USER_NOTIF_FLAG_CONTINUE), 0, "respond CONTINUE");
        pump(n, NULL, &c, 2000, &res);
        TAP_EQ_INT(res.r, getpid(), "CONTINUE: the task sees its real parent");

        /* Verdicts answered at once by the notifier. */
        seen.verdict = SECCOMP_NOTIFY_SEND_RESPONSE;
        seen.response = (SeccompNotifyResponse) { .val = 99 };
        child_call(&c, OP_CALL, 15);
        pump(n, NULL, &c, 2000, &res);
        TAP_EQ_INT(res.r, 99, "SEND_RESPONSE: the handler's answer");
        seen.verdict = SECCOMP_NOTIFY_NOT_HANDLED;
        child_call(&c, OP_CALL, 16);
        pump(n, NULL, &c, 2000, &res);
        TAP_OK(res.r == -1 && res.err == ENOSYS, "NOT_HANDLED: the default answer ENOSYS at once (errno=%d)", res.err);
        TAP_EQ_INT(seccomp_notifier_n_pending(n), 0, "nothing pending");

        /* Nobody answers: the default answer at the timeout. */
        seen.verdict = SECCOMP_NOTIFY_DELAYED_RESPONSE;
        TAP_EQ_INT(seccomp_notifier_set_timeout(n, 0), -EINVAL, "timeout 0 refused");
        TAP_EQ_INT(seccomp_notifier_set_timeout(n, 200 * 1000), 0, "timeout 200 ms");
        uint64_t t0 = now_usec();
        child_call(&c, OP_CALL, 17);
        pump(n, NULL, &c, 2000, NULL);
        TAP_OK(seccomp_notifier_next_deadline(n) == seen.deadline &&
               seen.deadline >= t0 + 200 * 1000 && seen.deadline <= now_usec() + 200 * 1000,
               "the deadline is received + 200 ms");
        TAP_EQ_INT(pump(n, NULL, &c, 3000, &res), 0, "child reported without an answer from us");
        uint64_t elapsed = now_usec() - t0;
        TAP_OK(res.r == -1 && res.err == ENOSYS, "timeout: the task sees ENOSYS (errno=%d)", res.err);
        TAP_OK(elapsed >= 200 * 1000 && elapsed < 2000 * 1000, "after the timeout (%" PRIu64 " ms)", elapsed / 1000);
        TAP_EQ_INT(seccomp_notifier_respond(n, seen.id, 0, 1, 0), -EINVAL, "answering after the timeout is -EINVAL");
        TAP_EQ_INT(seccomp_notifier_next_deadline(n), SECCOMP_NOTIFY_NO_DEADLINE, "no deadline left");

        /* A per-container default answer; tick() with an explicit clock. */
        TAP_EQ_INT(seccomp_notifier_set_default_response(n, &(SeccompNotifyResponse) { .error = EDOM, .val = 1,
                                                                                       .flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE }),
                   -EINVAL, "an invalid default answer is refused");
        TAP_EQ_INT(seccomp_notifier_set_default_response(n, &(SeccompNotifyResponse) { .error = EDOM }), 0,
                   "default answer EDOM");
        TAP_EQ_INT(seccomp_notifier_set_timeout(n, 60 * 1000000ULL), 0, "timeout 60 s");
        child_call(&c, OP_CALL, 18);
        pump(n, NULL, &c, 2000, NULL);
        TAP_EQ_INT(seccomp_notifier_tick(n, seen.deadline - 1), 0, "tick before the deadline answers nothing");
        TAP_EQ_INT(seccomp_notifier_tick(n, seen.deadline), 1, "tick at the deadline answers it");
        pump(n, NULL, &c, 2000, &res);
        TAP_OK(res.r == -1 && res.err == EDOM, "the task sees the container's default EDOM (errno=%d)", res.err);

        /* The table is bounded: with room for one, a second concurrent notification is answered at once. */
        TAP_EQ_INT(seccomp_notifier_set_max_pending(n, 1), 0, "max pending 1");
        unsigned calls0 = seen.calls;
        child_call(&c, OP_CALL_TWICE, 30);
        Result first = {}, second = {};
        TAP_EQ_INT(pump(n, NULL, &c, 3000, &first), 0, "one task reports first");
        TAP_EQ_INT(seen.calls - calls0, 1, "only one reached the handler");
        TAP_OK(first.r == -1 && first.err == EDOM, "the other got the default answer at once (errno=%d)", first.err);
        TAP_EQ_INT(seccomp_notifier_respond(n, seen.id, 0, 5, 0), 0, "answer the pending one");
        pump(n, NULL, &c, 2000, &second);
        TAP_EQ_INT(second.r, 5, "it sees its answer");
        TAP_EQ_INT(seccomp_notifier_set_max_pending(n, 256), 0, "max pending back to 256");

        /* Destroy answers what is pending (EDOM, not the kernel's ENOSYS on close). */
        child_call(&c, OP_CALL, 19);
        pump(n, NULL, &c, 2000, NULL);
        TAP_EQ_INT(seccomp_notifier_n_pending(n), 1, "one pending before destroy");
        n = seccomp_notifier_free(n);
        struct pollfd pf = { .fd = c.sock, .events = POLLIN };
        TAP_EQ_INT(poll(&pf, 1, 2000), 1, "the task returns after destroy");
        TAP_EQ_INT(recv(c.sock, &res, sizeof res, 0), (ssize_t) sizeof res, "child reported");
        TAP_OK(res.r == -1 && res.err == EDOM, "destroy sent the default answer (errno=%d)", res.err);

        TAP_EQ_INT(child_stop(&c), 0, "child exited cleanly");
}

static void test_hangup(void) {
        _cleanup_seccomp_notifier_free_ SeccompNotifier *n = NULL;
        Child c;

        if (child_start(&c) < 0 || seccomp_notifier_new(c.listener, handler, NULL, &n) < 0) {
                TAP_OK(false, "hangup: setup");
                return;
        }
        TAP_EQ_INT(seccomp_notifier_process(n), 0, "nothing to receive");
        TAP_EQ_INT(child_stop(&c), 0, "the only task under the filter exits");
        TAP_EQ_INT(seccomp_notifier_process(n), 1, "process() reports the hangup");
}

static void test_listener_passing(void) {
        int sp[2], fd = -EBADF;

        TAP_EQ_INT(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp), 0, "socketpair");
        TAP_EQ_INT(send(sp[0], "x", 1, 0), 1, "a message without fds");
        TAP_EQ_INT(seccomp_listener_recv(sp[1], &fd), -EBADMSG, "recv without an fd is -EBADMSG");
        safe_close(sp[0]);
        TAP_EQ_INT(seccomp_listener_recv(sp[1], &fd), -ECONNRESET, "recv on a closed peer");
        safe_close(sp[1]);
}

/* ---- LXC proxy protocol ---- */

#define COOKIE "berth-test-cookie"

static struct {
        pthread_mutex_t lock;
        int listen_fd;
        unsigned messages;
        size_t len;
        SeccompProxyMsgHeader hdr;
        char cookie[64];
        int n_fds;
        bool fd0_is_proc, fd1_is_mem, fd2_is_listener, resp_prefilled;
        uint64_t a0;
} px = { .lock = PTHREAD_MUTEX_INITIALIZER, .listen_fd = -EBADF };

static pid_t proxy_child_pid;

static void *proxy_thread(void *userdata) {
        struct seccomp_notif_sizes sizes;

        if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) < 0)
                return NULL;
        size_t base = sizeof(SeccompProxyMsgHeader) + sizes.seccomp_notif + sizes.seccomp_notif_resp;

        for (;;) {
                int conn = accept4(px.listen_fd, NULL, NULL, SOCK_CLOEXEC);
                if (conn < 0)
                        return NULL;

                for (;;) {
                        uint8_t buf[4096];
                        union {
                                struct cmsghdr h;
                                uint8_t b[CMSG_SPACE(sizeof(int) * 8)];
                        } control;
                        struct iovec iov = { .iov_base = buf, .iov_len = sizeof buf };
                        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
                                             .msg_control = &control, .msg_controllen = sizeof control };
                        ssize_t k = recvmsg(conn, &mh, MSG_CMSG_CLOEXEC);
                        if (k <= 0)
                                break;

                        int fds[8], n_fds = 0;
                        for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
                                if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
                                        n_fds = (int) ((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
                                        memcpy(fds, CMSG_DATA(c), sizeof(int) * n_fds);
                                }

                        /* Parse as an LXC proxy does. */
                        SeccompProxyMsgHeader hdr;
                        memcpy(&hdr, buf, sizeof hdr);
                        struct seccomp_notif *req = (struct seccomp_notif *) (buf + sizeof hdr);
                        struct seccomp_notif_resp *resp = (struct seccomp_notif_resp *) (buf + sizeof hdr + hdr.sizes.seccomp_notif);
                        const char *cookie = (const char *) buf + base;

                        pthread_mutex_lock(&px.lock);
                        px.messages++;
                        px.len = (size_t) k;
                        px.hdr = hdr;
                        px.n_fds = n_fds;
                        px.a0 = req->data.args[0];
                        snprintf(px.cookie, sizeof px.cookie, "%.*s", (int) MIN(hdr.cookie_len, (uint64_t) 63), cookie);
                        px.resp_prefilled = resp->id == req->id && resp->val == 0 && resp->error == 0 && resp->flags == 0;
                        if (n_fds == 3) {
                                char p[64], l[128], want[64];
                                struct stat a, b;
                                snprintf(p, sizeof p, "/proc/%d", (int) proxy_child_pid);
                                px.fd0_is_proc = fstat(fds[0], &a) == 0 && stat(p, &b) == 0 && a.st_ino == b.st_ino;
                                snprintf(p, sizeof p, "/proc/self/fd/%d", fds[1]);
                                snprintf(want, sizeof want, "/proc/%d/mem", (int) proxy_child_pid);
                                ssize_t m = readlink(p, l, sizeof l - 1);
                                px.fd1_is_mem = m > 0 && (l[m] = 0, strcmp(l, want) == 0);
                                uint64_t id = req->id;
                                px.fd2_is_listener = ioctl(fds[2], SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0;
                        }
                        pthread_mutex_unlock(&px.lock);
                        for (int i = 0; i < n_fds; i++)
                                safe_close(fds[i]);

                        /* The answer depends on the first argument of the intercepted call. */
                        uint64_t a0 = req->data.args[0];
                        size_t reply_len = base;
                        resp->id = req->id;
                        if (a0 == 100)
                                resp->error = -EPERM;
                        else if (a0 == 101)
                                resp->val = 4242;
                        else if (a0 == 102)
                                resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
                        else if (a0 == 103) {
                                resp->val = 1;
                                reply_len = base - 4;           /* wrong size */
                        } else if (a0 == 104)
                                continue;                       /* silence */
                        else if (a0 == 105) {
                                resp->id = req->id + 77;        /* wrong id, one outstanding: LXC takes it */
                                resp->val = 5151;
                        } else if (a0 == 106) {
                                resp->val = 1;
                                reply_len = base + 8;           /* too long: e.g. the cookie echoed */
                        } else if (a0 == 199)
                                break;                          /* the proxy drops the connection */
                        if (send(conn, buf, reply_len, MSG_NOSIGNAL) < 0)
                                break;
                }
                safe_close(conn);
        }
}

static void test_proxy_address(void) {
        struct sockaddr_un sa;
        socklen_t len;

        TAP_EQ_INT(seccomp_proxy_parse_address("unix:/run/proxy.sock", &sa, &len), 0, "unix:/path");
        TAP_OK(streq(sa.sun_path, "/run/proxy.sock") && len == offsetof(struct sockaddr_un, sun_path) + 16,
               "path address and length");
        TAP_EQ_INT(seccomp_proxy_parse_address("unix:@abc", &sa, &len), 0, "unix:@abstract");
        TAP_OK(sa.sun_path[0] == 0 && memcmp(sa.sun_path + 1, "abc", 3) == 0 &&
               len == offsetof(struct sockaddr_un, sun_path) + 4, "abstract address: NUL + name, no trailing NUL");
        TAP_EQ_INT(seccomp_proxy_parse_address("tcp:1.2.3.4:5", &sa, &len), -EINVAL, "other prefixes refused");
        TAP_EQ_INT(seccomp_proxy_parse_address("unix:", &sa, &len), -EINVAL, "empty path refused");
        TAP_EQ_INT(seccomp_proxy_parse_address("unix:@", &sa, &len), -EINVAL, "empty abstract name refused");
        TAP_EQ_INT(seccomp_proxy_parse_address("unix:relative", &sa, &len), -EINVAL, "relative path refused");
}

static int proxy_call(SeccompNotifier *n, SeccompProxy *p, Child *c, uint64_t a0, Result *res) {
        child_call(c, OP_CALL, a0);
        return pump(n, p, c, 3000, res);
}

static void on_proxy_fd(SeccompProxy *p, int fd, void *userdata) {
        (*(unsigned *) userdata)++;
}

static void test_proxy(void) {
        _cleanup_seccomp_notifier_free_ SeccompNotifier *n = NULL;
        _cleanup_seccomp_proxy_free_ SeccompProxy *p = NULL;
        char address[128];
        Child c;
        Result res;
        unsigned fd_changes = 0;
        pthread_t thread;
        int r;

        /* An abstract socket: nothing to clean up, unique per test run. */
        snprintf(address, sizeof address, "unix:@berth-test-seccomp-proxy-%d", (int) getpid());
        struct sockaddr_un sa;
        socklen_t salen;
        if (seccomp_proxy_parse_address(address, &sa, &salen) < 0)
                return;

        r = child_start(&c);
        TAP_EQ_INT(r, 0, "proxy: child started");
        if (r < 0)
                return;
        proxy_child_pid = c.pid;
        r = seccomp_notifier_new(c.listener, NULL, NULL, &n);
        TAP_EQ_INT(r, 0, "proxy: notifier created");
        if (r < 0)
                return;

        TAP_EQ_INT(seccomp_proxy_new(n, address, COOKIE, getpid(), c.pid, &p), 0, "proxy object");
        seccomp_proxy_set_fd_callback(p, on_proxy_fd, &fd_changes);
        r = seccomp_proxy_connect(p);
        TAP_OK(r == -ECONNREFUSED || r == -ENOENT, "no proxy listening: connect fails (%d), the start would fail", r);

        px.listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        TAP_OK(px.listen_fd >= 0 && bind(px.listen_fd, (struct sockaddr *) &sa, salen) == 0 &&
               listen(px.listen_fd, 4) == 0, "a SEQPACKET proxy listens on %s", address);
        TAP_EQ_INT(pthread_create(&thread, NULL, proxy_thread, NULL), 0, "proxy thread");

        TAP_EQ_INT(seccomp_proxy_connect(p), 0, "connected");
        TAP_EQ_INT(fd_changes, 1, "the fd callback saw the new socket");
        seccomp_notifier_set_handler(n, seccomp_proxy_handler, p);

        /* The wire format, as an LXC proxy reads it. */
        TAP_EQ_INT(proxy_call(n, p, &c, 100, &res), 0, "child reported");
        TAP_OK(res.r == -1 && res.err == EPERM, "the proxy's -EPERM reaches the task (errno=%d)", res.err);
        const struct seccomp_notif_sizes *sizes = seccomp_notifier_get_sizes(n);
        pthread_mutex_lock(&px.lock);
        TAP_EQ_INT(px.len, sizeof(SeccompProxyMsgHeader) + sizes->seccomp_notif + sizes->seccomp_notif_resp + strlen(COOKIE),
                   "one datagram: header + notif + resp + cookie");
        TAP_EQ_INT(sizeof(SeccompProxyMsgHeader), 32, "the header is 32 bytes");
        TAP_EQ_INT(px.hdr.reserved, 0, "reserved is 0");
        TAP_EQ_INT(px.hdr.monitor_pid, getpid(), "monitor pid");
        TAP_EQ_INT(px.hdr.init_pid, c.pid, "init pid");
        TAP_OK(px.hdr.sizes.seccomp_notif == sizes->seccomp_notif && px.hdr.sizes.seccomp_notif_resp == sizes->seccomp_notif_resp &&
               px.hdr.sizes.seccomp_data == sizes->seccomp_data, "the kernel's runtime sizes");
        TAP_EQ_INT(px.hdr.cookie_len, strlen(COOKIE), "cookie length");
        TAP_EQ_STR(px.cookie, COOKIE, "cookie, no NUL");
        TAP_EQ_INT(px.a0, 100, "the notification's args");
        TAP_OK(px.resp_prefilled, "the response is zero but for the id");
        TAP_EQ_INT(px.n_fds, 3, "three fds");
        TAP_OK(px.fd0_is_proc, "fd 0 is /proc/<pid>");
        TAP_OK(px.fd1_is_mem, "fd 1 is /proc/<pid>/mem");
        TAP_OK(px.fd2_is_listener, "fd 2 is the listener (NOTIF_ID_VALID works on it)");
        pthread_mutex_unlock(&px.lock);

        TAP_EQ_INT(proxy_call(n, p, &c, 101, &res), 0, "child reported");
        TAP_EQ_INT(res.r, 4242, "the proxy's value reaches the task");
        TAP_EQ_INT(proxy_call(n, p, &c, 102, &res), 0, "child reported");
        TAP_EQ_INT(res.r, getpid(), "the proxy's CONTINUE runs the real syscall");
        TAP_EQ_INT(proxy_call(n, p, &c, 105, &res), 0, "child reported");
        TAP_EQ_INT(res.r, 5151, "a wrong response id is corrected (by the echoed notification), as LXC does");

        /* Bad replies: the default answer, well before the 5 s timeout. */
        uint64_t t0 = now_usec();
        TAP_EQ_INT(proxy_call(n, p, &c, 103, &res), 0, "child reported");
        TAP_OK(res.r == -1 && res.err == ENOSYS, "a short reply gets the default answer (r=%ld errno=%d)", res.r, res.err);
        TAP_EQ_INT(proxy_call(n, p, &c, 106, &res), 0, "child reported");
        TAP_OK(res.r == -1 && res.err == ENOSYS, "a long reply gets the default answer (r=%ld errno=%d)", res.r, res.err);
        TAP_OK(now_usec() - t0 < 2000 * 1000, "both without waiting for the timeout");

        /* Silence: the notifier's timeout. */
        TAP_EQ_INT(seccomp_notifier_set_timeout(n, 200 * 1000), 0, "timeout 200 ms");
        t0 = now_usec();
        TAP_EQ_INT(proxy_call(n, p, &c, 104, &res), 0, "child reported");
        TAP_OK(res.r == -1 && res.err == ENOSYS, "a silent proxy: the default answer (errno=%d)", res.err);
        TAP_OK(now_usec() - t0 >= 200 * 1000, "after the timeout");
        TAP_EQ_INT(proxy_call(n, p, &c, 101, &res), 0, "child reported");
        TAP_EQ_INT(res.r, 4242, "the next call works again");
        TAP_EQ_INT(seccomp_proxy_n_outstanding(p), 0, "nothing outstanding");

        /* The proxy drops the connection: the default answer, then a reconnect on the next call. */
        TAP_EQ_INT(seccomp_notifier_set_timeout(n, 5 * 1000000ULL), 0, "timeout 5 s");
        t0 = now_usec();
        TAP_EQ_INT(proxy_call(n, p, &c, 199, &res), 0, "child reported");
        TAP_OK(res.r == -1 && res.err == ENOSYS && now_usec() - t0 < 2000 * 1000,
               "a proxy that hangs up: the default answer at once (errno=%d)", res.err);
        TAP_OK(!seccomp_proxy_is_connected(p), "disconnected");
        TAP_EQ_INT(proxy_call(n, p, &c, 101, &res), 0, "child reported");
        TAP_EQ_INT(res.r, 4242, "reconnected on the next notification");
        TAP_OK(seccomp_proxy_is_connected(p) && fd_changes == 3, "the fd callback saw drop and reconnect (%u)", fd_changes);

        TAP_EQ_INT(child_stop(&c), 0, "proxy: child exited cleanly");
        p = seccomp_proxy_free(p);
        n = seccomp_notifier_free(n);

        /* Stop the thread: it saw our end close, closed its own and waits in accept(), which a shutdown
         * of the listening socket ends. */
        shutdown(px.listen_fd, SHUT_RDWR);
        pthread_join(thread, NULL);
        px.listen_fd = safe_close(px.listen_fd);
}

int main(void) {
        test_listener_passing();
        test_proxy_address();

        if (!seccomp_notify_supported()) {
                TAP_SKIP("no seccomp user notification here (old kernel, or valgrind, which lacks seccomp(2))");
                return tap_done();
        }

        int fds_before = fd_count(0);
        test_notifier();
        test_hangup();
        test_proxy();
        /* The monitor lives as long as the container: no /proc, mem or socket fd may leak per call. */
        TAP_EQ_INT(fd_count(0), fds_before, "no fd leaked");
        return tap_done();
}
