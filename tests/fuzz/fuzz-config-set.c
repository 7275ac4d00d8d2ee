/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Single items, as SetConfigItem/GetConfigItem/ConfigItemIsSupported take them from the bus. Each input
 * line is "key=value" (no '=': a NULL value). The first 16 lines are set on one accumulating config and
 * checked in isolation on fresh ones (16: each unknown key costs a "did you mean" edit distance against
 * every key, which is slow under coverage instrumentation):
 *   - set returns 0 or one of the documented errors, with a message iff it failed;
 *   - a key that set accepted is "supported" and can be read back;
 *   - the read-back value, set on a fresh config, reads back identically (canonical form is stable);
 *   - clear restores exactly what a fresh config answers.
 * lxc.include and lxc.seccomp.profile are skipped: as single items they open paths relative to the
 * current directory, and fuzz-config covers them inside a fixture directory. */

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "config/config.h"
#include "fuzz.h"
#include "util/macro.h"
#include "util/strv.h"

static bool error_documented(int r) {
        return r == -ENOENT || r == -EOPNOTSUPP || r == -EINVAL || r == -ERANGE;
}

static void get_fresh(const char *key, int *ret_r, char **ret_v) {
        _cleanup_(berth_config_freep) BerthConfig *f = NULL;
        if (berth_config_new(&f) < 0)
                abort();
        *ret_v = NULL;
        *ret_r = berth_config_get_item(f, key, ret_v);
}

static void check_item(const char *key, const char *value) {
        _cleanup_(berth_config_freep) BerthConfig *c = NULL;
        _cleanup_free_ char *err = NULL, *got = NULL, *again = NULL, *fresh = NULL, *cleared = NULL;
        int r, fresh_r;

        if (berth_config_new(&c) < 0)
                abort();
        r = berth_config_set_item(c, key, value, &err);
        fuzz_assert(r >= 0 || error_documented(r), "set '%s': unexpected %d", key, r);
        fuzz_assert((r < 0) == !!err, "set '%s' returned %d with message '%s'", key, r, strempty(err));
        /* Supported means "setting it would be accepted": an accepted set must agree. */
        if (r >= 0)
                fuzz_assert(berth_config_item_is_supported(key), "'%s' was set but is not supported", key);
        (void) berth_config_key_is_host(key);
        (void) berth_config_item_is_host(key, value);
        if (r < 0)
                return;

        r = berth_config_get_item(c, key, &got);
        fuzz_assert(r >= 0 && got, "get '%s' after a successful set: %d", key, r);

        /* Canonical form: the value read back sets to the same reading on a fresh config. */
        _cleanup_(berth_config_freep) BerthConfig *c2 = NULL;
        if (berth_config_new(&c2) < 0)
                abort();
        err = mfree(err);
        r = berth_config_set_item(c2, key, got, &err);
        fuzz_assert(r >= 0, "'%s' = '%s' (read back from '%s') does not set again: %s", key, got,
                    strempty(value), strempty(err));
        r = berth_config_get_item(c2, key, &again);
        fuzz_assert(r >= 0 && streq(got, again), "'%s': '%s' reads back as '%s', then as '%s'", key,
                    strempty(value), got, strempty(again));

        /* Clear restores the default. */
        r = berth_config_clear_item(c, key);
        fuzz_assert(r >= 0, "clear '%s': %d", key, r);
        get_fresh(key, &fresh_r, &fresh);
        r = berth_config_get_item(c, key, &cleared);
        fuzz_assert(r == fresh_r && fuzz_streq_null(cleared, fresh),
                    "'%s' after clear: %d '%s', fresh config: %d '%s'", key, r, strempty(cleared), fresh_r,
                    strempty(fresh));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_free_ char *text = fuzz_text(data, size);
        _cleanup_(berth_config_freep) BerthConfig *acc = NULL;
        unsigned n = 0;

        if (berth_config_new(&acc) < 0)
                abort();

        for (char *p = text; p && n < 16; n++) {
                char *line = p, *value = NULL;
                p = strchr(p, '\n');
                if (p)
                        *p++ = 0;
                char *eq = strchr(line, '=');
                if (eq) {
                        *eq = 0;
                        value = eq + 1;
                }
                if (streq(line, "lxc.include") || streq(line, "lxc.seccomp.profile"))
                        continue;

                check_item(line, value);

                _cleanup_free_ char *err = NULL, *v = NULL;
                int r = berth_config_set_item(acc, line, value, &err);
                if (r >= 0) {
                        r = berth_config_get_item(acc, line, &v);
                        fuzz_assert(r >= 0 && v, "accumulated get '%s': %d", line, r);
                }
        }

        /* Whatever mix of items was accepted serialises. */
        _cleanup_free_ char *s = NULL;
        fuzz_assert(berth_config_to_string(acc, &s) >= 0 && s, "to_string failed");
        return 0;
}
