/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The keys that decide who the container's init is: lxc.cap.drop / lxc.cap.keep (capability names via
 * libcap), lxc.init.uid / lxc.init.gid / lxc.init.groups and lxc.idmap. Set/get/clear functions for the
 * table in config-keys.c (lxc.no_new_privs is a plain 0|1 key there). */

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>

#include "config/config-internal.h"
#include "util/strv.h"

/* The kernel refuses more lines in uid_map/gid_map (since 4.15; 5 before). */
#define IDMAP_MAX_LINES 340U

/* lxc.cap.drop, lxc.cap.keep */

/* One capability as LXC writes it: a lowercase name without "cap_" (chown, sys_admin), or a number. */
static int parse_cap(const char *token, unsigned *ret) {
        if (token[0] >= '0' && token[0] <= '9') {
                unsigned v;
                if (config_parse_uint(token, &v) < 0 || v > 63)
                        return -EINVAL;
                *ret = v;
                return 0;
        }
        /* libcap's parser is lenient (any case, "cap_chown,cap_kill" reads as chown, trailing blanks):
         * only hand it what LXC itself accepts. */
        for (const char *p = token; *p; p++)
                if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
                        return -EINVAL;
        cap_value_t v;
        if (cap_from_name(strjoina("cap_", token), &v) < 0 || v < 0 || v > 63)
                return -EINVAL;
        *ret = (unsigned) v;
        return 0;
}

static int get_cap_mask(uint64_t mask, char **ret) {
        _cleanup_strv_free_ char **names = NULL; /* strv_join(NULL) is "" */
        for (unsigned i = 0; i < 64; i++) {
                if (!(mask & (UINT64_C(1) << i)))
                        continue;
                char *n = cap_to_name((cap_value_t) i);
                if (!n)
                        return -ENOMEM;
                /* Unknown to libcap: it answers with the number, which parses back as one. */
                int r = strv_extend(&names, startswith(n, "cap_") ?: n);
                cap_free(n);
                if (r < 0)
                        return r;
        }
        char *s = strv_join(names, " ");
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

int config_set_cap(BerthConfig *c, const char *key, const char *value, ConfigSetContext *ctx) {
        bool keep = streq(key, "lxc.cap.keep");
        _cleanup_strv_free_ char **tokens = NULL;
        int r;

        /* As LXC: one list or the other, never both (which one would win is not obvious). */
        if (keep ? c->cap_drop != 0 : c->cap_keep_set)
                return config_fail(ctx, -EINVAL, "lxc.cap.drop and lxc.cap.keep are mutually exclusive "
                                   "(%s is already set)", keep ? "lxc.cap.drop" : "lxc.cap.keep");

        r = strv_split(value, " \t", &tokens);
        if (r < 0)
                return r;
        uint64_t mask = keep ? c->cap_keep : c->cap_drop;
        STRV_FOREACH(t, tokens) {
                unsigned v;
                if (keep && streq(*t, "none")) {
                        /* "none" empties what was kept so far (LXC): keep = none drops everything. */
                        mask = 0;
                        continue;
                }
                if (parse_cap(*t, &v) < 0)
                        return config_fail(ctx, -EINVAL, "unknown capability '%s' (lowercase names without "
                                           "CAP_, e.g. sys_admin, or numbers)%s", *t,
                                           keep ? "; or none" : "");
                mask |= UINT64_C(1) << v;
        }
        if (keep) {
                c->cap_keep = mask;
                c->cap_keep_set = true;
        } else
                c->cap_drop = mask;
        return 0;
}

int config_get_cap(const BerthConfig *c, const char *key, char **ret) {
        if (streq(key, "lxc.cap.keep")) {
                if (!c->cap_keep_set || c->cap_keep == 0)
                        return config_get_string(c->cap_keep_set ? "none" : NULL, ret);
                return get_cap_mask(c->cap_keep, ret);
        }
        return get_cap_mask(c->cap_drop, ret);
}

int config_clear_cap(BerthConfig *c, const char *key) {
        if (streq(key, "lxc.cap.keep")) {
                c->cap_keep = 0;
                c->cap_keep_set = false;
        } else
                c->cap_drop = 0;
        return 0;
}

/* lxc.init.uid, lxc.init.gid */

static uint32_t *init_id_field(BerthConfig *c, const char *key) {
        return streq(key, "lxc.init.gid") ? &c->init_gid : &c->init_uid;
}

static int parse_id(const char *s, uint32_t *ret) {
        unsigned v;
        int r = config_parse_uint(s, &v);
        if (r < 0)
                return r;
        /* (uid_t) -1 means "unchanged" to setresuid() and friends: not an id. */
        if (v == UINT32_MAX)
                return -ERANGE;
        *ret = v;
        return 0;
}

int config_set_init_id(BerthConfig *c, const char *key, const char *value, ConfigSetContext *ctx) {
        int r = parse_id(value, init_id_field(c, key));
        if (r < 0)
                return config_fail(ctx, r, "'%s' is not %s", value,
                                   r == -ERANGE ? "a valid id (0-4294967294)" : "a non-negative integer");
        return 0;
}

int config_get_init_id(const BerthConfig *c, const char *key, char **ret) {
        return config_get_number(*init_id_field((BerthConfig *) c, key), ret);
}

int config_clear_init_id(BerthConfig *c, const char *key) {
        *init_id_field(c, key) = 0;
        return 0;
}

/* lxc.init.groups: a comma list; each set appends (LXC), an empty value clears. */

int config_set_init_groups(BerthConfig *c, const char *key, const char *value, ConfigSetContext *ctx) {
        _cleanup_free_ char *copy = strdup(value);
        _cleanup_free_ uint32_t *gids = NULL;
        size_t n = 0;
        if (!copy)
                return -ENOMEM;

        /* Not strv_split(): it would skip the empty element of "4,,5", which is a typo to report. */
        for (char *p = copy, *t; (t = strsep(&p, ","));) {
                /* Blanks around the commas are fine ("4, 27"). */
                t = config_strip(t);
                if (c->n_init_groups + n >= NGROUPS_MAX)
                        return config_fail(ctx, -ERANGE, "more than %d groups", NGROUPS_MAX);
                uint32_t *a = reallocarray(gids, n + 1, sizeof(uint32_t));
                if (!a)
                        return -ENOMEM;
                gids = a;
                int r = parse_id(t, &gids[n++]);
                if (r < 0)
                        return config_fail(ctx, r, "'%s' is not a group id", t);
        }

        uint32_t *all = reallocarray(c->init_groups, c->n_init_groups + n, sizeof(uint32_t));
        if (!all)
                return -ENOMEM;
        memcpy(all + c->n_init_groups, gids, n * sizeof(uint32_t));
        c->init_groups = all;
        c->n_init_groups += n;
        return 0;
}

int config_get_init_groups(const BerthConfig *c, const char *key, char **ret) {
        size_t size = c->n_init_groups * 11 + 1;
        char *s = malloc(size), *p = s;
        if (!s)
                return -ENOMEM;
        *s = 0;
        for (size_t i = 0; i < c->n_init_groups; i++)
                p += snprintf(p, size - (size_t) (p - s), "%s%" PRIu32, i > 0 ? "," : "", c->init_groups[i]);
        *ret = s;
        return 0;
}

int config_clear_init_groups(BerthConfig *c, const char *key) {
        c->init_groups = mfree(c->init_groups);
        c->n_init_groups = 0;
        return 0;
}

/* lxc.idmap = u|g <nsid> <hostid> <range> */

static bool ranges_overlap(uint32_t a, uint32_t alen, uint32_t b, uint32_t blen) {
        return (uint64_t) a < (uint64_t) b + blen && (uint64_t) b < (uint64_t) a + alen;
}

int config_set_idmap(BerthConfig *c, const char *key, const char *value, ConfigSetContext *ctx) {
        _cleanup_strv_free_ char **f = NULL;
        BerthIdmap m = {};
        int r;

        r = strv_split(value, " \t", &f);
        if (r < 0)
                return r;
        if (strv_length(f) != 4)
                return config_fail(ctx, -EINVAL, "'%s' is not 'u|g nsid hostid range'", value);
        if (!streq(f[0], "u") && !streq(f[0], "g"))
                return config_fail(ctx, -EINVAL, "unknown id type '%s' (u or g)", f[0]);
        m.type = f[0][0];

        const char *what[] = { NULL, "namespace id", "host id", "range" };
        uint32_t *field[] = { NULL, &m.nsid, &m.hostid, &m.range };
        for (size_t i = 1; i < 4; i++) {
                unsigned v;
                if (config_parse_uint(f[i], &v) < 0)
                        return config_fail(ctx, -EINVAL, "%s '%s' is not a non-negative 32-bit integer",
                                           what[i], f[i]);
                *field[i] = v;
        }
        if (m.range == 0)
                return config_fail(ctx, -EINVAL, "range must be at least 1");
        if ((uint64_t) m.nsid + m.range > UINT32_MAX || (uint64_t) m.hostid + m.range > UINT32_MAX)
                return config_fail(ctx, -ERANGE, "'%s' goes past id 4294967294", value);

        /* The kernel would refuse such maps only when berth writes them at start: say it now. */
        size_t n_type = 0;
        for (size_t i = 0; i < c->n_idmaps; i++) {
                const BerthIdmap *o = &c->idmaps[i];
                if (o->type != m.type)
                        continue;
                n_type++;
                if (ranges_overlap(o->nsid, o->range, m.nsid, m.range))
                        return config_fail(ctx, -EINVAL, "namespace ids overlap with '%c %" PRIu32 " %" PRIu32
                                           " %" PRIu32 "'", o->type, o->nsid, o->hostid, o->range);
                if (ranges_overlap(o->hostid, o->range, m.hostid, m.range))
                        return config_fail(ctx, -EINVAL, "host ids overlap with '%c %" PRIu32 " %" PRIu32
                                           " %" PRIu32 "'", o->type, o->nsid, o->hostid, o->range);
        }
        if (n_type >= IDMAP_MAX_LINES)
                return config_fail(ctx, -ERANGE, "more than %u '%c' maps", IDMAP_MAX_LINES, m.type);

        BerthIdmap *n = reallocarray(c->idmaps, c->n_idmaps + 1, sizeof(BerthIdmap));
        if (!n)
                return -ENOMEM;
        c->idmaps = n;
        c->idmaps[c->n_idmaps++] = m;
        return 0;
}

int config_get_idmap(const BerthConfig *c, const char *key, char **ret) {
        _cleanup_strv_free_ char **l = NULL; /* strv_join(NULL) is "" */
        for (size_t i = 0; i < c->n_idmaps; i++) {
                const BerthIdmap *m = &c->idmaps[i];
                char *s;
                if (asprintf(&s, "%c %" PRIu32 " %" PRIu32 " %" PRIu32, m->type, m->nsid, m->hostid, m->range) < 0)
                        return -ENOMEM;
                int r = strv_consume(&l, s);
                if (r < 0)
                        return r;
        }
        return config_get_strv(l, ret);
}

int config_clear_idmap(BerthConfig *c, const char *key) {
        c->idmaps = mfree(c->idmaps);
        c->n_idmaps = 0;
        return 0;
}

int berth_config_idmap_to_host(const BerthConfig *c, char type, uint32_t nsid, uint32_t *ret) {
        if (!c || (type != 'u' && type != 'g'))
                return -EINVAL;
        for (size_t i = 0; i < c->n_idmaps; i++) {
                const BerthIdmap *m = &c->idmaps[i];
                if (m->type == type && nsid >= m->nsid && (uint64_t) nsid < (uint64_t) m->nsid + m->range) {
                        if (ret)
                                *ret = m->hostid + (nsid - m->nsid);
                        return 0;
                }
        }
        return -ENOENT;
}
