/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lxc.hook.<type> (each set appends a command line, an empty value clears that type), lxc.hook (only an
 * empty value: clears every type) and lxc.hook.version (0: name, section and type as arguments; 1: in the
 * environment). Running them is lib/spawn/hooks.c. All are host keys: hooks run as root on the host. */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "config/config-internal.h"
#include "util/strv.h"

static const char *const hook_names[_BERTH_HOOK_TYPE_MAX] = {
        [BERTH_HOOK_PRE_START] = "pre-start",
        [BERTH_HOOK_START_HOST] = "start-host",
        [BERTH_HOOK_START] = "start",
        [BERTH_HOOK_STOP] = "stop",
        [BERTH_HOOK_POST_STOP] = "post-stop",
};

const char *berth_hook_type_to_string(BerthHookType t) {
        if (t < 0 || t >= _BERTH_HOOK_TYPE_MAX)
                return NULL;
        return hook_names[t];
}

int berth_hook_type_from_string(const char *s) {
        static const char *const later[] = { "pre-mount", "mount", "autodev", "clone", "destroy", NULL };
        if (!s)
                return -EINVAL;
        for (BerthHookType t = 0; t < _BERTH_HOOK_TYPE_MAX; t++)
                if (streq(s, hook_names[t]))
                        return (int) t;
        for (const char *const *l = later; *l; l++)
                if (streq(s, *l))
                        return -EOPNOTSUPP;
        return -ENOENT;
}

/* The table only routes implemented "lxc.hook.<type>" keys here, so the lookup cannot fail. */
static char ***hook_list(BerthConfig *c, const char *key) {
        int t = berth_hook_type_from_string(startswith(key, "lxc.hook.") ?: "");
        return t >= 0 ? &c->hooks[t] : NULL;
}

int config_set_hook(BerthConfig *c, const char *key, const char *value, ConfigSetContext *ctx) {
        char ***l = hook_list(c, key);
        if (!l)
                return config_fail(ctx, -ENOENT, "unknown hook type");
        /* The command line is handed to /bin/sh as it is (LXC): nothing to check but that it is there. */
        return strv_extend(l, value);
}

int config_get_hook(const BerthConfig *c, const char *key, char **ret) {
        char ***l = hook_list((BerthConfig *) c, key);
        if (!l)
                return -ENOENT;
        return config_get_strv(*l, ret);
}

int config_clear_hook(BerthConfig *c, const char *key) {
        char ***l = hook_list(c, key);
        if (l)
                *l = strv_free(*l);
        return 0;
}

/* lxc.hook: write-only. get answers "" so that to_string skips it (each type is written by its key). */

int config_set_hook_all(BerthConfig *c, const char *key, const char *value, ConfigSetContext *ctx) {
        return config_fail(ctx, -EINVAL, "can only be set to an empty value (clearing all hooks)");
}

int config_get_hook_all(const BerthConfig *c, const char *key, char **ret) {
        return config_get_string(NULL, ret);
}

int config_clear_hook_all(BerthConfig *c, const char *key) {
        /* As LXC's lxc_clear_hooks("lxc.hook"): every list, lxc.hook.version stays. */
        for (BerthHookType t = 0; t < _BERTH_HOOK_TYPE_MAX; t++)
                c->hooks[t] = strv_free(c->hooks[t]);
        return 0;
}

/* lxc.hook.version */

int config_set_hook_version(BerthConfig *c, const char *key, const char *value, ConfigSetContext *ctx) {
        unsigned v;
        int r = config_parse_uint(value, &v);
        if (r < 0 || v > 1)
                return config_fail(ctx, -EINVAL, "'%s' is not a hook version (0: arguments, 1: environment)",
                                   value);
        c->hook_version = v;
        return 0;
}

int config_get_hook_version(const BerthConfig *c, const char *key, char **ret) {
        return config_get_number(c->hook_version, ret);
}

int config_clear_hook_version(BerthConfig *c, const char *key) {
        c->hook_version = 0;
        return 0;
}
