/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Loading LXC-format text: lines, comments, includes, diagnostics; and the per-item entry points that
 * dispatch through the key table (config-keys.c). */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config/config-internal.h"
#include "log/log.h"
#include "util/escape.h"
#include "util/fileio.h"
#include "util/strv.h"

/* Characters of a reason kept in a diagnostic (paths and echoed tokens included). */
#define CONFIG_REASON_MAX 512U

void berth_config_diag_done(BerthConfigDiag *d) {
        if (!d)
                return;
        d->errors = strv_free(d->errors);
        d->notices = strv_free(d->notices);
}

int berth_config_new(BerthConfig **ret) {
        BerthConfig *c = calloc(1, sizeof(BerthConfig));
        if (!c)
                return -ENOMEM;
        c->autodev = 1;
        c->log_level = -1;
        c->personality = 0xffffffffUL;
        *ret = c;
        return 0;
}

BerthConfig *berth_config_free(BerthConfig *c) {
        if (!c)
                return NULL;
        /* Every row's clear function releases what its set function allocated. */
        for (size_t i = 0; i < config_keys_n; i++)
                if (config_keys[i].clear && !(config_keys[i].flags & CONFIG_KEY_FAMILY))
                        (void) config_keys[i].clear(c, config_keys[i].name);
        free(c->list_counts);
        free(c);
        return NULL;
}

int config_fail(ConfigSetContext *ctx, int r, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        free(ctx->reason);
        if (vasprintf(&ctx->reason, fmt, ap) < 0)
                ctx->reason = NULL;
        va_end(ap);
        return r;
}

static char *format_location(const char *file, unsigned line, const char *key, const char *text) {
        /* Key and text may echo the caller's bytes: no control characters, no megabyte lines. */
        _cleanup_free_ char *k_esc = escape_echo(key, ESCAPE_ECHO_MAX), *t_esc = escape_echo(text, CONFIG_REASON_MAX);
        char *s;
        if (!k_esc || !t_esc)
                return NULL;
        int k = file ? asprintf(&s, "%s:%u: %s: %s", file, line, k_esc, t_esc)
                     : asprintf(&s, "%s: %s", k_esc, t_esc);
        return k < 0 ? NULL : s;
}

/* The reason with the first verbatim echo of value cut to ESCAPE_VALUE_MAX characters (and escaped). */
static char *reason_with_short_value(const char *reason, const char *value) {
        const char *p = NULL;
        char *s;
        if (!isempty(value) && escape_echo_needed(value, ESCAPE_VALUE_MAX))
                p = strstr(reason, value);
        if (!p)
                return strdup(reason);
        _cleanup_free_ char *v = escape_echo(value, ESCAPE_VALUE_MAX);
        if (!v || asprintf(&s, "%.*s%s%s", (int) (p - reason), reason, v, p + strlen(value)) < 0)
                return NULL;
        return s;
}

/* Append m (taken) to a diagnostics list of at most BERTH_CONFIG_DIAG_MAX entries; beyond that the list
 * ends in one "... and N more <what>s" line, kept up to date: a text of 100000 bad lines must not turn
 * into a reply of 100000 lines. */
static int diag_push(char ***l, char *m, const char *what) {
        unsigned long more = 1;
        char *line;
        if (!m)
                return -ENOMEM;
        size_t n = strv_length(*l); /* at most BERTH_CONFIG_DIAG_MAX + 1: cheap */
        if (n < BERTH_CONFIG_DIAG_MAX)
                return strv_consume(l, m);
        free(m);
        if (n > BERTH_CONFIG_DIAG_MAX) {
                if (sscanf((*l)[n - 1], "... and %lu more", &more) == 1)
                        more++;
                (*l)[n - 1] = mfree((*l)[n - 1]);
        }
        if (asprintf(&line, "... and %lu more %s%s", more, what, more == 1 ? "" : "s") < 0)
                return -ENOMEM;
        return strv_consume(l, line);
}

void config_notice(ConfigSetContext *ctx, const char *key, const char *fmt, ...) {
        _cleanup_free_ char *text = NULL;
        va_list ap;
        va_start(ap, fmt);
        int k = vasprintf(&text, fmt, ap);
        va_end(ap);
        if (k < 0)
                return;
        char *m = format_location(ctx->file, ctx->line, key, text);
        if (!m)
                return;
        log_debug("%s", m);
        if (ctx->diag)
                (void) diag_push(&ctx->diag->notices, m, "notice");
        else
                free(m);
}

static int diag_error(BerthConfigDiag *diag, const char *file, unsigned line, const char *key,
                      const char *reason) {
        return diag_push(&diag->errors, format_location(file, line, key, reason), "error");
}

/* Clearing a list key (and, for lxc.hook, the lxc.hook.* keys it clears too) restarts its count. */
static void list_counts_reset(BerthConfig *c, const ConfigKey *k) {
        if (!c->list_counts)
                return;
        for (size_t i = 0; i < config_keys_n; i++)
                if (startswith(config_keys[i].name, k->name))
                        c->list_counts[i] = 0;
}

/* Once the diagnostics are full, a suggestion would only be counted: skip its edit distances (seconds for
 * 1 MiB of long unknown keys). */
static const char *suggest_key(const ConfigSetContext *ctx, const char *key) {
        if (ctx->diag && strv_length(ctx->diag->errors) >= BERTH_CONFIG_DIAG_MAX)
                return NULL;
        return berth_config_suggest_key(key);
}

/* The one dispatcher for "key = value", from files and from set_item. */
static int config_set_one(BerthConfig *c, const char *key, const char *value, ConfigSetContext *ctx) {
        const ConfigKey *k = config_key_lookup(key);
        if (!k) {
                const char *s = suggest_key(ctx, key);
                return s ? config_fail(ctx, -ENOENT, "unknown key, did you mean '%s'?", s)
                         : config_fail(ctx, -ENOENT, "unknown key");
        }
        if (k->flags & CONFIG_KEY_FAMILY) {
                int r = config_key_check_family(k, key);
                if (r == -ENOENT) {
                        const char *s = suggest_key(ctx, key);
                        return s ? config_fail(ctx, -ENOENT, "unknown key, did you mean '%s'?", s)
                                 : config_fail(ctx, -ENOENT, "unknown key");
                }
                if (r == -ERANGE)
                        return config_fail(ctx, r, "index out of range");
                if (r < 0)
                        return config_fail(ctx, r, "malformed key");
                /* A family with a set function decides itself about its not-yet-implemented members
                 * (lxc.net.N.flags needs lxc.net.N.type first, then says "not implemented"). */
                if (r == 0 && !k->set)
                        return config_fail(ctx, -EOPNOTSUPP, "berth does not implement %s yet", key);
        } else if (!k->set)
                return config_fail(ctx, -EOPNOTSUPP, "berth does not implement %s yet", key);

        if (strpbrk(value, "\r\n"))
                return config_fail(ctx, -EINVAL, "value contains a line break");
        if (isempty(value)) {
                int r = k->clear(c, key);
                if (r == -EOPNOTSUPP)
                        return config_fail(ctx, r, "berth does not implement %s yet", key);
                if (r >= 0)
                        list_counts_reset(c, k);
                return r;
        }
        if (!(k->flags & CONFIG_KEY_LIST))
                return k->set(c, key, value, ctx);

        /* Counted here, not by length: checking the limit must not cost more with every entry. */
        size_t i = (size_t) (k - config_keys);
        if (!c->list_counts) {
                c->list_counts = calloc(config_keys_n, sizeof(unsigned));
                if (!c->list_counts)
                        return -ENOMEM;
        }
        if (c->list_counts[i] >= BERTH_CONFIG_LIST_MAX)
                return config_fail(ctx, -EINVAL, "too many entries (at most %u)", BERTH_CONFIG_LIST_MAX);
        int r = k->set(c, key, value, ctx);
        if (r >= 0)
                c->list_counts[i]++;
        return r;
}

char *config_strip(char *s) {
        s += strspn(s, " \t");
        size_t n = strlen(s);
        while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
                s[--n] = 0;
        return s;
}

static int config_load_text(BerthConfig *c, const char *text, const char *filename, const char *base_dir,
                            unsigned depth, char ***include_stack, BerthConfigDiag *diag) {
        _cleanup_free_ char *copy = strdup(text), *dir = NULL;
        if (!copy)
                return -ENOMEM;

        /* Relative includes are relative to this file's directory (or base_dir, when the name shown in
         * messages is not where the text lives). */
        const char *slash = filename ? strrchr(filename, '/') : NULL;
        dir = base_dir ? strdup(base_dir)
            : slash    ? strndup(filename, (size_t) (slash - filename) + (slash == filename))
                       : strdup(".");
        if (!dir)
                return -ENOMEM;

        bool failed = false;
        unsigned line = 0;
        char *p = copy;
        while (p) {
                char *l = p;
                p = strchr(p, '\n');
                if (p)
                        *p++ = 0;
                line++;

                l = config_strip(l);
                if (!*l || *l == '#')
                        continue;

                char *eq = strchr(l, '=');
                if (!eq) {
                        int r = diag_error(diag, filename, line, l, "not a 'key = value' line");
                        if (r < 0)
                                return r;
                        failed = true;
                        continue;
                }
                *eq = 0;
                const char *key = config_strip(l), *value = config_strip(eq + 1);

                ConfigSetContext ctx = {
                        .diag = diag,
                        .file = filename,
                        .line = line,
                        .base_dir = dir,
                        .depth = depth,
                        .include_stack = include_stack,
                };
                int r = config_set_one(c, key, value, &ctx);
                if (r < 0 && r != -ENOMEM && !ctx.reported) {
                        _cleanup_free_ char *reason = reason_with_short_value(ctx.reason ?: strerror(-r), value);
                        int k = reason ? diag_error(diag, filename, line, key, reason) : -ENOMEM;
                        if (k < 0)
                                r = k;
                }
                free(ctx.reason);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        failed = true;
        }
        return failed ? -EINVAL : 0;
}

/* Read one file. Parse errors go to diag (ctx->reported is set); a file that cannot be read, or
 * that is already being read (a loop), is a reason for the caller's line. */
static int config_load_path(BerthConfig *c, const char *path, ConfigSetContext *ctx, BerthConfigDiag *diag) {
        _cleanup_free_ char *text = NULL, *canon = NULL;
        int r;

        if (ctx->depth > CONFIG_INCLUDE_MAX_DEPTH)
                return config_fail(ctx, -ELOOP, "includes nested more than %u deep", CONFIG_INCLUDE_MAX_DEPTH);
        canon = realpath(path, NULL);
        if (!canon)
                return config_fail(ctx, -errno, "cannot read '%s': %m", path);
        if (strv_contains(*ctx->include_stack, canon))
                return config_fail(ctx, -ELOOP, "'%s' is already being read (include loop)", path);
        r = read_full_file(path, &text, NULL);
        if (r < 0)
                return config_fail(ctx, r, "cannot read '%s': %s", path, strerror(-r));

        r = strv_extend(ctx->include_stack, canon);
        if (r < 0)
                return r;
        r = config_load_text(c, text, path, NULL, ctx->depth + 1, ctx->include_stack, diag);
        size_t n = strv_length(*ctx->include_stack);
        (*ctx->include_stack)[n - 1] = mfree((*ctx->include_stack)[n - 1]);
        if (r == -EINVAL)
                ctx->reported = true;
        return r;
}

static int dirent_is_conf(const struct dirent *de) {
        return de->d_name[0] != '.' && endswith(de->d_name, ".conf");
}

int config_include(BerthConfig *c, const char *value, ConfigSetContext *ctx) {
        _cleanup_free_ char *path = NULL;
        BerthConfigDiag local = {}, *diag = ctx->diag ?: &local;
        struct stat st;
        int r = 0;

        if (value[0] == '/' || !ctx->base_dir)
                path = strdup(value);
        else if (asprintf(&path, "%s/%s", ctx->base_dir, value) < 0)
                path = NULL;
        if (!path)
                return -ENOMEM;

        if (stat(path, &st) < 0)
                return config_fail(ctx, -errno, "cannot read '%s': %m", path);

        if (S_ISDIR(st.st_mode)) {
                /* A directory: every *.conf file in it, in sorted order (as LXC). */
                struct dirent **names = NULL;
                int n = scandir(path, &names, dirent_is_conf, alphasort);
                if (n < 0)
                        return config_fail(ctx, -errno, "cannot read directory '%s': %m", path);
                for (int i = 0; i < n; i++) {
                        _cleanup_free_ char *f = NULL;
                        struct stat fst;
                        if (r != -ENOMEM && asprintf(&f, "%s/%s", path, names[i]->d_name) < 0)
                                r = -ENOMEM;
                        if (f && stat(f, &fst) >= 0 && S_ISREG(fst.st_mode)) {
                                ConfigSetContext sub = *ctx;
                                sub.reason = NULL;
                                sub.reported = false;
                                int k = config_load_path(c, f, &sub, diag);
                                if (k < 0 && !sub.reported && k != -ENOMEM)
                                        (void) diag_error(diag, ctx->file, ctx->line, "lxc.include",
                                                          sub.reason ?: strerror(-k));
                                free(sub.reason);
                                if (k < 0 && r >= 0)
                                        r = k;
                                if (k < 0 && k != -ENOMEM)
                                        ctx->reported = true;
                        }
                        free(names[i]);
                }
                free(names);
        } else
                r = config_load_path(c, path, ctx, diag);

        if (diag == &local) {
                /* Setting lxc.include as a single item: the file's errors become the reason. */
                if (r < 0 && local.errors) {
                        free(ctx->reason);
                        ctx->reason = strv_join(local.errors, "; ");
                        ctx->reported = false;
                }
                berth_config_diag_done(&local);
        }
        return r;
}

int berth_config_load_string(BerthConfig *c, const char *text, const char *filename, BerthConfigDiag *diag) {
        _cleanup_strv_free_ char **stack = NULL;
        if (!c || !text || !diag)
                return -EINVAL;
        /* Depth 1, as the lines of a file given to berth_config_load_file(). */
        return config_load_text(c, text, filename ?: "(string)", NULL, 1, &stack, diag);
}

int berth_config_load_string_at(BerthConfig *c, const char *text, const char *display_name, const char *base_dir,
                                BerthConfigDiag *diag) {
        _cleanup_strv_free_ char **stack = NULL;
        if (!c || !text || !diag)
                return -EINVAL;
        return config_load_text(c, text, display_name ?: "(string)", base_dir ?: ".", 1, &stack, diag);
}

int berth_config_load_file(BerthConfig *c, const char *path, BerthConfigDiag *diag) {
        _cleanup_strv_free_ char **stack = NULL;
        if (!c || !path || !diag)
                return -EINVAL;
        ConfigSetContext ctx = { .include_stack = &stack };
        int r = config_load_path(c, path, &ctx, diag);
        if (r < 0 && r != -ENOMEM && !ctx.reported) {
                int k = diag_push(&diag->errors, escape_echo(ctx.reason ?: strerror(-r), CONFIG_REASON_MAX),
                                  "error");
                if (k < 0)
                        r = k;
        }
        free(ctx.reason);
        return r < 0 && r != -ENOMEM ? -EINVAL : r;
}

int berth_config_set_item(BerthConfig *c, const char *key, const char *value, char **ret_error) {
        if (!c || !key)
                return -EINVAL;
        _cleanup_strv_free_ char **stack = NULL;
        ConfigSetContext ctx = { .include_stack = &stack };
        int r = config_set_one(c, key, strempty(value), &ctx);
        if (r < 0 && ret_error) {
                _cleanup_free_ char *reason = reason_with_short_value(ctx.reason ?: strerror(-r), strempty(value));
                char *m = reason ? format_location(NULL, 0, key, reason) : NULL;
                if (m)
                        *ret_error = m;
        }
        free(ctx.reason);
        return r;
}

static int lookup_checked(const char *key, const ConfigKey **ret) {
        const ConfigKey *k = config_key_lookup(key);
        if (!k)
                return -ENOENT;
        if (k->flags & CONFIG_KEY_FAMILY) {
                int r = config_key_check_family(k, key);
                if (r < 0)
                        return r == -EINVAL ? -ENOENT : r;
        }
        if (!k->set)
                return -EOPNOTSUPP;
        *ret = k;
        return 0;
}

int berth_config_get_item(const BerthConfig *c, const char *key, char **ret_value) {
        const ConfigKey *k;
        if (!c || !key || !ret_value)
                return -EINVAL;
        int r = lookup_checked(key, &k);
        if (r < 0)
                return r;
        return k->get(c, key, ret_value);
}

int berth_config_clear_item(BerthConfig *c, const char *key) {
        const ConfigKey *k;
        if (!c || !key)
                return -EINVAL;
        int r = lookup_checked(key, &k);
        if (r < 0)
                return r;
        r = k->clear(c, key);
        if (r >= 0)
                list_counts_reset(c, k);
        return r;
}

static int append_line(char **buf, size_t *len, const char *key, const char *value) {
        char *l;
        int n = asprintf(&l, "%s = %s\n", key, value);
        if (n < 0)
                return -ENOMEM;
        char *b = realloc(*buf, *len + (size_t) n + 1);
        if (!b) {
                free(l);
                return -ENOMEM;
        }
        memcpy(b + *len, l, (size_t) n + 1);
        *len += (size_t) n;
        *buf = b;
        free(l);
        return 0;
}

int berth_config_to_string(const BerthConfig *c, char **ret) {
        _cleanup_(berth_config_freep) BerthConfig *defaults = NULL;
        _cleanup_free_ char *buf = strdup("");
        size_t len = 0;
        int r;
        if (!c || !ret)
                return -EINVAL;
        if (!buf)
                return -ENOMEM;
        /* A key at its default is not written (loading the text gives the same config either way); the
         * default is what a fresh config answers, so no list of keys and defaults is kept here. */
        r = berth_config_new(&defaults);
        if (r < 0)
                return r;

        for (size_t i = 0; i < config_keys_n; i++) {
                const ConfigKey *k = &config_keys[i];
                _cleanup_free_ char *v = NULL, *d = NULL;
                _cleanup_strv_free_ char **values = NULL;

                /* Included files are already merged in; lxc.net is written per device below. */
                if (!k->get || (k->flags & CONFIG_KEY_FAMILY) || streq(k->name, "lxc.include") ||
                    streq(k->name, "lxc.net"))
                        continue;
                r = k->get(c, k->name, &v);
                if (r < 0)
                        return r;
                if (isempty(v))
                        continue;
                r = k->get(defaults, k->name, &d);
                if (r < 0)
                        return r;
                if (streq(v, d))
                        continue;
                if (k->flags & CONFIG_KEY_LIST) {
                        r = strv_split(v, "\n", &values);
                        if (r < 0)
                                return r;
                        STRV_FOREACH(s, values)
                                if ((r = append_line(&buf, &len, k->name, *s)) < 0)
                                        return r;
                } else if ((r = append_line(&buf, &len, k->name, v)) < 0)
                        return r;
        }
        for (size_t i = 0; i < c->n_netdevs; i++) {
                char key[64];
                _cleanup_free_ char *v = NULL;
                snprintf(key, sizeof key, "lxc.net.%u.type", c->netdevs[i].index);
                r = berth_config_get_item(c, key, &v);
                if (r < 0)
                        return r;
                if ((r = append_line(&buf, &len, key, v)) < 0)
                        return r;
        }
        *ret = TAKE_PTR(buf);
        return 0;
}
