/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Questions about keys rather than values: is a key supported, does it touch the host (polkit's
 * org.berth1.configure-host), what did the user mean by a misspelt one, which keys exist. */

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "config/config-internal.h"
#include "util/strv.h"

bool berth_config_item_is_supported(const char *key) {
        /* "True iff setting that key would be accepted" (design.md §1): implemented rows, and
         * well-formed members of families berth implements (lxc.net.0.type, not lxc.net.0.asdf). */
        const ConfigKey *k = config_key_lookup(key);
        if (!k)
                return false;
        if (k->flags & CONFIG_KEY_FAMILY)
                return config_key_check_family(k, key) == 1 && k->set;
        return k->set;
}

bool berth_config_key_is_host(const char *key) {
        const ConfigKey *k = config_key_lookup(key);
        if (!k)
                return false;
        if (k->flags & CONFIG_KEY_HOST)
                return true;
        if (streq(k->name, "lxc.net.")) {
                /* The host side of a network device: its parent link, the host veth name, scripts. */
                const char *sub;
                if (config_parse_net_key(key, NULL, &sub) < 0 || !sub)
                        return false;
                return streq(sub, "link") || streq(sub, "veth.pair") || startswith(sub, "script.");
        }
        /* Device access is access to host devices. */
        if (streq(k->name, "lxc.cgroup2."))
                return startswith(key, "lxc.cgroup2.devices.");
        return false;
}

bool berth_config_item_is_host(const char *key, const char *value) {
        if (berth_config_key_is_host(key))
                return true;
        if (!value)
                return false;

        const ConfigKey *k = config_key_lookup(key);
        if (k && streq(k->name, "lxc.net.")) {
                /* type = none shares the host's network namespace. */
                const char *sub;
                if (config_parse_net_key(key, NULL, &sub) >= 0 && sub && streq(sub, "type")) {
                        const char *v = value + strspn(value, " \t");
                        return startswith(v, "none") && v[4 + strspn(v + 4, " \t")] == 0;
                }
                return false;
        }
        if (streq_ptr(key, "lxc.mount.auto")) {
                /* proc:rw, sys:rw, cgroup:rw write to host-wide kernel state. */
                _cleanup_strv_free_ char **tokens = NULL;
                if (strv_split(value, " \t", &tokens) < 0)
                        return true; /* be safe: ask for the stronger authorization */
                STRV_FOREACH(t, tokens)
                        if (strstr(*t, ":rw"))
                                return true;
        }
        return false;
}

int berth_config_text_host_keys(const char *text, char ***ret_keys) {
        /* For the polkit check on CreateContainer: the text's own lines only. lxc.include itself counts
         * as a host key, so whatever it would pull in is covered by that. */
        _cleanup_strv_free_ char **keys = calloc(1, sizeof(char *));
        _cleanup_free_ char *copy = strdup(text ?: "");
        size_t n_keys = 0;
        if (!keys || !copy)
                return -ENOMEM;

        for (char *p = copy, *l; p; ) {
                l = p;
                p = strchr(p, '\n');
                if (p)
                        *p++ = 0;
                l += strspn(l, " \t");
                if (*l == '#')
                        continue;
                char *eq = strchr(l, '=');
                if (!eq)
                        continue;
                *eq = 0;
                /* Cut exactly as the loader does: "lxc.include\r = x" is lxc.include there, so here too. */
                const char *key = config_strip(l), *value = config_strip(eq + 1);
                if (berth_config_item_is_host(key, value) && !strv_contains(keys, key)) {
                        /* This runs before polkit, for anyone: distinct keys (lxc.net.0.link, lxc.net.1.link,
                         * ...) must not make it quadratic. Refused rather than cut: a rule may look at them. */
                        if (n_keys >= BERTH_CONFIG_HOST_KEYS_MAX)
                                return -E2BIG;
                        int r = strv_extend(&keys, key);
                        if (r < 0)
                                return r;
                        n_keys++;
                }
        }
        *ret_keys = TAKE_PTR(keys);
        return 0;
}

/* The edit distance is at least the length difference, and more than 3 is never suggested. */
static bool suggest_candidate(const char *a, const char *b) {
        size_t la = strlen(a), lb = strlen(b);
        return MAX(la, lb) - MIN(la, lb) <= 3;
}

const char *berth_config_suggest_key(const char *key) {
        static __thread char net_buf[96];
        const char *best = NULL;
        unsigned best_d = UINT_MAX;

        if (isempty(key) || strlen(key) > 100)
                return NULL;

        /* Skipping hopeless candidates keeps a config of many long unknown keys from costing a full
         * Levenshtein against every key per line (seconds for 1 MiB of text in berthd's one loop). */
        size_t kl = strlen(key);
        for (size_t i = 0; i < config_keys_n; i++) {
                if (config_keys[i].flags & CONFIG_KEY_FAMILY || !suggest_candidate(key, config_keys[i].name))
                        continue;
                unsigned d = config_edit_distance(key, config_keys[i].name);
                if (d < best_d) {
                        best_d = d;
                        best = config_keys[i].name;
                }
        }

        /* lxc.net.N.<subkey>: compare the subkey against the real ones, keeping the index. */
        const char *p = startswith(key, "lxc.net.");
        const char *dot = p ? strchr(p, '.') : NULL;
        if (dot && dot > p && (size_t) (dot - p) < 16) {
                for (const char *const *sub = config_net_subkeys; *sub; sub++) {
                        if (!suggest_candidate(dot + 1, *sub))
                                continue;
                        unsigned d = config_edit_distance(dot + 1, *sub);
                        if (d < best_d) {
                                best_d = d;
                                snprintf(net_buf, sizeof net_buf, "lxc.net.%.*s.%s", (int) (dot - p), p, *sub);
                                best = net_buf;
                        }
                }
        }

        /* Close enough to be a typo, not a different word. */
        if (best_d == 0 || best_d > 3 || best_d * 3 > kl)
                return NULL;
        return best;
}

const char *const *berth_config_list_keys(void) {
        static const char *keys[128];
        static bool filled;
        if (!filled) {
                size_t n = 0;
                for (size_t i = 0; i < config_keys_n && n + 1 < ELEMENTSOF(keys); i++)
                        if (config_keys[i].set && !(config_keys[i].flags & CONFIG_KEY_FAMILY))
                                keys[n++] = config_keys[i].name;
                keys[n] = NULL;
                filled = true;
        }
        return keys;
}
