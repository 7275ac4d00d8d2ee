/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lxc.seccomp.profile at start (issue 5; lib/seccomp/README.md "Getting the listener from init to the
 * monitor").
 *
 * Parent, before clone3: parse the profile, so a broken one fails the start with the profile's file and
 * line before any namespace exists; if it has notify rules, make a SOCK_SEQPACKET pair for the listener.
 * Child: load it in spawn_child_setup_identity() after the bounding set is dropped and before the ids
 * and process capabilities change. That is where LXC loads it too: the filter is not loaded with
 * no_new_privs (SCMP_FLTATR_CTL_NNP = 0), so the kernel wants CAP_SYS_ADMIN in init's user namespace,
 * which a non-root lxc.init.uid or an lxc.cap.drop of sys_admin would take away; the bounding set does
 * not matter for that. The listener goes to the parent over the pair. Parent, after exec: receive it. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "log/log.h"
#include "seccomp/seccomp-load.h"
#include "seccomp/seccomp-notify.h"
#include "spawn/spawn-internal.h"
#include "util/fd-util.h"
#include "util/strv.h"

int spawn_seccomp_prepare(const BerthConfig *c, SeccompProfile **ret_profile, int ret_sock[static 2],
                          char **ret_error) {
        _cleanup_seccomp_profile_free_ SeccompProfile *p = NULL;
        _cleanup_free_ char *error = NULL;
        int r;

        if (!c->seccomp_profile) {
                *ret_profile = NULL;
                ret_sock[0] = ret_sock[1] = -EBADF;
                return 0;
        }

        /* Parsed again, not taken from config-load time: the file may have changed since. */
        r = seccomp_profile_parse_file(c->seccomp_profile, &p, &error);
        if (r < 0) {
                log_debug("spawn: %s", strna(error));
                if (ret_error)
                        *ret_error = error ? TAKE_PTR(error) : strdup("cannot parse lxc.seccomp.profile");
                return r;
        }
        STRV_FOREACH(n, p->notices)
                log_debug("spawn: %s", *n);

        int mode;
        if (!c->seccomp_allow_nesting && seccomp_read_status(0, &mode, NULL) >= 0 && mode != 0)
                /* init inherits our filters; seccomp_profile_load() will skip the profile there. */
                log_debug("spawn: already seccomp-confined and lxc.seccomp.allow_nesting is 0: %s is not "
                          "loaded", c->seccomp_profile);

        int sock[2] = { -EBADF, -EBADF };
        if (p->wants_notify && socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sock) < 0) {
                r = -errno;
                if (ret_error && asprintf(ret_error, "socketpair for the seccomp listener: %s",
                                          strerror(-r)) < 0)
                        *ret_error = NULL;
                return r;
        }

        *ret_profile = TAKE_PTR(p);
        ret_sock[0] = sock[0];
        ret_sock[1] = sock[1];
        return 0;
}

int spawn_child_load_seccomp(SpawnChild *s) {
        _cleanup_free_ char *error = NULL;
        _cleanup_close_ int listener = -EBADF;
        int r;

        if (!s->seccomp)
                return 0;

        r = seccomp_profile_load(s->seccomp, s->c->seccomp_allow_nesting, &listener, &error);
        if (r < 0) {
                /* The message already names the profile and the cause (EBUSY: nested notify, ...). */
                snprintf(s->error, sizeof s->error, "load the seccomp profile: %s",
                         error ?: strerror(-r));
                return r;
        }
        if (listener >= 0) {
                if (s->seccomp_sock < 0)
                        return spawn_child_error(s, -EBADF, "send the seccomp listener");
                r = seccomp_listener_send(s->seccomp_sock, listener);
                if (r < 0)
                        return spawn_child_error(s, r, "send the seccomp listener to the monitor");
        }
        /* Nothing else goes over it; exec would close it anyway (CLOEXEC). */
        s->seccomp_sock = safe_close(s->seccomp_sock);
        return 0;
}

int spawn_seccomp_receive(int sock, int *ret_fd, char **ret_error) {
        int fd = -EBADF, r;

        if (sock < 0) {
                *ret_fd = -EBADF;
                return 0;
        }
        /* init has exec'd (the error pipe gave EOF): it sent the listener before that, or never will.
         * Non-blocking all the same, so a stray copy of init's end can never hang the monitor here. */
        r = fd_nonblock(sock, true);
        if (r >= 0)
                r = seccomp_listener_recv(sock, &fd);
        if (r == -ECONNRESET || r == -EAGAIN) {
                /* No listener: the profile was skipped (confined starter, allow_nesting 0). */
                *ret_fd = -EBADF;
                return 0;
        }
        if (r < 0) {
                if (ret_error && asprintf(ret_error, "receive the seccomp listener from init: %s",
                                          strerror(-r)) < 0)
                        *ret_error = NULL;
                return r;
        }
        *ret_fd = fd;
        return 0;
}
