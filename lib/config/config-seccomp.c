/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The lxc.seccomp.* keys (issue 5). The profile is stored as a path and parsed again by spawn at start,
 * so a profile edited after the config was loaded is what the container gets, and start errors name the
 * profile's file and line. Setting the key still parses it once: a missing or broken profile is then a
 * config error ("config:3: lxc.seccomp.profile: /p/x.seccomp:7: \"foo\": unknown action") rather than a
 * surprise at start. The proxy address is checked with the same parser the monitor connects with. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config-seccomp.h"
#include "seccomp/seccomp-profile.h"
#include "seccomp/seccomp-proxy.h"

/* lxc.seccomp.profile */

int config_set_seccomp_profile(BerthConfig *c, const char *key, const char *value,
                ConfigSetContext *ctx) {
        _cleanup_seccomp_profile_free_ SeccompProfile *p = NULL;
        _cleanup_free_ char *path = NULL, *error = NULL;
        int r;

        /* A relative path in a file is relative to that file's directory (as lxc.include is): the
         * monitor's working directory means nothing to the user. A single item has no such anchor. */
        if (value[0] == '/')
                path = strdup(value);
        else if (ctx->file && ctx->base_dir) {
                if (asprintf(&path, "%s%s%s", ctx->base_dir, endswith(ctx->base_dir, "/") ? "" : "/",
                             value) < 0)
                        path = NULL;
        } else
                return config_fail(ctx, -EINVAL, "'%s' is not an absolute path", value);
        if (!path)
                return -ENOMEM;

        r = seccomp_profile_parse_file(path, &p, &error);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return config_fail(ctx, r, "%s", error ?: strerror(-r));

        free(c->seccomp_profile);
        c->seccomp_profile = TAKE_PTR(path);
        return 0;
}

int config_get_seccomp_profile(const BerthConfig *c, const char *key, char **ret) {
        return config_get_string(c->seccomp_profile, ret);
}

int config_clear_seccomp_profile(BerthConfig *c, const char *key) {
        c->seccomp_profile = mfree(c->seccomp_profile);
        return 0;
}

/* lxc.seccomp.notify.proxy */

int config_set_seccomp_notify_proxy(BerthConfig *c, const char *key, const char *value,
                ConfigSetContext *ctx) {
        struct sockaddr_un sa;
        socklen_t len;

        if (seccomp_proxy_parse_address(value, &sa, &len) < 0)
                return config_fail(ctx, -EINVAL, "invalid proxy address '%s' (unix:/absolute/path or "
                                   "unix:@abstract-name)", value);
        return config_set_string(&c->seccomp_notify_proxy, value);
}

int config_get_seccomp_notify_proxy(const BerthConfig *c, const char *key, char **ret) {
        return config_get_string(c->seccomp_notify_proxy, ret);
}

int config_clear_seccomp_notify_proxy(BerthConfig *c, const char *key) {
        c->seccomp_notify_proxy = mfree(c->seccomp_notify_proxy);
        return 0;
}

/* lxc.seccomp.notify.cookie: opaque, sent to the proxy with every notification. */

int config_set_seccomp_notify_cookie(BerthConfig *c, const char *key, const char *value,
                ConfigSetContext *ctx) {
        return config_set_string(&c->seccomp_notify_cookie, value);
}

int config_get_seccomp_notify_cookie(const BerthConfig *c, const char *key, char **ret) {
        return config_get_string(c->seccomp_notify_cookie, ret);
}

int config_clear_seccomp_notify_cookie(BerthConfig *c, const char *key) {
        c->seccomp_notify_cookie = mfree(c->seccomp_notify_cookie);
        return 0;
}
