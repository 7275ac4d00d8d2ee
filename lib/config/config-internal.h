/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Shared between the config-*.c files only; not part of the contract in config.h. */

#include <stdarg.h>

#include "config/config.h"

#define CONFIG_INCLUDE_MAX_DEPTH 16U

/* State passed to a key's set function: where we are (for messages and relative includes) and where
 * the reason for a failure goes. */
typedef struct ConfigSetContext {
        char *reason;            /* set on failure: the reason, without "file:line: key: " */
        bool reported;           /* the failure was already put into diag (errors inside an include) */
        BerthConfigDiag *diag;   /* NULL when setting a single item: notices are then only logged */
        const char *file;        /* NULL when setting a single item */
        unsigned line;
        const char *base_dir;    /* relative lxc.include paths are resolved against this */
        unsigned depth;          /* include nesting */
        char ***include_stack;   /* canonical paths of the files being read (loop detection); owned
                                  * by the outermost load */
} ConfigSetContext;

/* Value helpers shared by the set/get functions of every config-*.c file (config-keys.c). */
int config_set_string(char **field, const char *value);           /* copy value into *field */
int config_get_string(const char *v, char **ret);                 /* copy of v, "" for NULL */
int config_get_number(uint64_t v, char **ret);
int config_get_strv(char *const *l, char **ret);                  /* one entry per line */
/* Parse "0" or "1" into *ret; anything else records "can only be set to 0 or 1". */
int config_set_bool01(ConfigSetContext *ctx, const char *value, bool *ret);

/* Record a reason and return r (a negative errno). */
int config_fail(ConfigSetContext *ctx, int r, const char *fmt, ...) _printf_(3, 4);
/* Add a notice ("file:line: key: text", or "key: text"). */
void config_notice(ConfigSetContext *ctx, const char *key, const char *fmt, ...) _printf_(3, 4);

typedef unsigned ConfigKeyFlags;
#define CONFIG_KEY_LIST (1U << 0)   /* multi-valued: each set appends, an empty value clears all */
#define CONFIG_KEY_FAMILY (1U << 1) /* name is a prefix ending in '.', followed by a parameter */
#define CONFIG_KEY_HOST (1U << 2)   /* runs or exposes host things: org.berth1.configure-host */

/* One row of THE table. set == NULL means: a real LXC key berth does not implement yet. To implement
 * one, write set/get/clear and fill them in; nothing else has to change. */
typedef struct ConfigKey {
        const char *name;
        ConfigKeyFlags flags;
        int (*set)(BerthConfig *c, const char *key, const char *value, ConfigSetContext *ctx);
        /* Value as it would be written back; "" when unset. Lists: one entry per line. */
        int (*get)(const BerthConfig *c, const char *key, char **ret);
        int (*clear)(BerthConfig *c, const char *key);
        /* Families: check the parameter after the prefix. 1 = well-formed and implemented, 0 =
         * well-formed but not implemented yet, negative errno = malformed (-ENOENT unknown subkey,
         * -ERANGE index out of range, -EINVAL otherwise). NULL = generic dotted-name check. */
        int (*check_param)(const struct ConfigKey *k, const char *param);
} ConfigKey;

extern const ConfigKey config_keys[];
extern const size_t config_keys_n;

/* Find the row for key (exact keys, then families). NULL = unknown. */
const ConfigKey *config_key_lookup(const char *key);
/* For a family row: classify key's parameter as check_param does. */
int config_key_check_family(const ConfigKey *k, const char *key);

/* config-parse.c */
int config_parse_uint(const char *s, unsigned *ret);
int config_parse_bool01(const char *s, bool *ret);
int config_parse_mount_entry(const char *line, BerthMountEntry *ret, char **ret_reason);
void config_mount_entry_done(BerthMountEntry *e);
char *config_mount_entry_format(const BerthMountEntry *e);
int config_split_command(const char *s, char ***ret_argv);
int config_parse_arch(const char *s, unsigned long *ret_personality);
bool config_hostname_valid(const char *s);
int config_parse_net_key(const char *key, unsigned *ret_index, const char **ret_subkey);
bool config_net_subkey_known(const char *sub);
extern const char *const config_net_subkeys[]; /* the 25 LXC subkeys of lxc.net.N, NULL-terminated */
unsigned config_edit_distance(const char *a, const char *b);

/* config-identity.c: lxc.cap.drop/keep, lxc.init.uid/gid/groups, lxc.idmap. */
#define CONFIG_DECLARE_KEY(prefix)                                                                    \
        int config_set_##prefix(BerthConfig *c, const char *key, const char *value, ConfigSetContext *ctx); \
        int config_get_##prefix(const BerthConfig *c, const char *key, char **ret);                  \
        int config_clear_##prefix(BerthConfig *c, const char *key)
CONFIG_DECLARE_KEY(cap);
CONFIG_DECLARE_KEY(init_id);
CONFIG_DECLARE_KEY(init_groups);
CONFIG_DECLARE_KEY(idmap);
/* config-hooks.c: lxc.hook (empty only: clears every hook), lxc.hook.version, lxc.hook.<type>. */
CONFIG_DECLARE_KEY(hook_all);
CONFIG_DECLARE_KEY(hook_version);
CONFIG_DECLARE_KEY(hook);

/* config.c: blanks (and a CR) cut from both ends of s, in place; returns the new start. Every reader of
 * "key = value" lines uses it, so that they agree on what the key is. */
char *config_strip(char *s);
/* config.c: read an included file or directory into c (errors go to ctx->diag, or ctx->reason). */
int config_include(BerthConfig *c, const char *path, ConfigSetContext *ctx);
