/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* THE table of configuration keys, with the set/get/clear functions of every key berth implements.
 * Every real LXC key has a row; rows without a set function are keys berth does not implement yet. */

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "config/config-internal.h"
#include "config/config-log.h"
#include "config/config-seccomp.h"
#include "log/log.h"
#include "util/strv.h"

/* Small helpers shared by many keys (declared in config-internal.h for the other config-*.c files). */

int config_set_string(char **field, const char *value) {
        char *d = strdup(value);
        if (!d)
                return -ENOMEM;
        free(*field);
        *field = d;
        return 0;
}

int config_get_string(const char *v, char **ret) {
        char *d = strdup(strempty(v));
        if (!d)
                return -ENOMEM;
        *ret = d;
        return 0;
}

int config_get_number(uint64_t v, char **ret) {
        return asprintf(ret, "%" PRIu64, v) < 0 ? -ENOMEM : 0;
}

int config_get_strv(char *const *l, char **ret) {
        char *s = strv_join(l, "\n");
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

int config_set_bool01(ConfigSetContext *ctx, const char *value, bool *ret) {
        if (config_parse_bool01(value, ret) < 0)
                return config_fail(ctx, -EINVAL, "can only be set to 0 or 1");
        return 0;
}

static int fail_not_implemented(ConfigSetContext *ctx, const char *key) {
        return config_fail(ctx, -EOPNOTSUPP, "berth does not implement %s yet", key);
}

/* lxc.uts.name */
static int set_uts_name(BerthConfig *c, const char *key, const char *value, ConfigSetContext *ctx) {
        if (!config_hostname_valid(value))
                return config_fail(ctx, -EINVAL, "invalid host name '%s' (letters, digits, '-' and '.', "
                                   "at most 64 characters)", value);
        return config_set_string(&c->uts_name, value);
}
static int get_uts_name(const BerthConfig *c, const char *key, char **ret) {
        return config_get_string(c->uts_name, ret);
}
static int clear_uts_name(BerthConfig *c, const char *key) {
        c->uts_name = mfree(c->uts_name);
        return 0;
}

/* lxc.rootfs.path */
static int set_rootfs_path(BerthConfig *c, const char *key, const char *value, ConfigSetContext *ctx) {
        static const char *const storage_types[] = {
                "overlay", "overlayfs", "aufs", "loop", "nbd", "btrfs", "zfs", "lvm", "rbd", "block", NULL,
        };
        const char *path = startswith(value, "dir:") ?: value;
        const char *colon = strchr(value, ':');
        if (path == value && colon)
                for (const char *const *t = storage_types; *t; t++)
                        if (strlen(*t) == (size_t) (colon - value) && strncmp(value, *t, strlen(*t)) == 0)
                                return config_fail(ctx, -EOPNOTSUPP, "berth supports only directory rootfs "
                                                   "(not '%s')", *t);
        if (path[0] != '/')
                return config_fail(ctx, -EINVAL, "rootfs path '%s' is not absolute", path);
        return config_set_string(&c->rootfs_path, path);
}
static int get_rootfs_path(const BerthConfig *c, const char *key, char **ret) {
        return config_get_string(c->rootfs_path, ret);
}
static int clear_rootfs_path(BerthConfig *c, const char *key) {
        c->rootfs_path = mfree(c->rootfs_path);
        return 0;
}

/* lxc.init.cmd */
static int set_init_cmd(BerthConfig *c, const char *key, const char *value, ConfigSetContext *ctx) {
        _cleanup_strv_free_ char **argv = NULL;
        int r = config_split_command(value, &argv);
        if (r == -EINVAL)
                return config_fail(ctx, r, "unbalanced quotes or trailing backslash in '%s'", value);
        if (r < 0)
                return r;
        return config_set_string(&c->init_cmd, value);
}
static int get_init_cmd(const BerthConfig *c, const char *key, char **ret) {
        return config_get_string(c->init_cmd, ret);
}
static int clear_init_cmd(BerthConfig *c, const char *key) {
        c->init_cmd = mfree(c->init_cmd);
        return 0;
}

/* lxc.init.cwd */
static int set_init_cwd(BerthConfig *c, const char *key, const char *value, ConfigSetContext *ctx) {
        if (value[0] != '/')
                return config_fail(ctx, -EINVAL, "'%s' is not an absolute path", value);
        return config_set_string(&c->init_cwd, value);
}
static int get_init_cwd(const BerthConfig *c, const char *key, char **ret) {
        return config_get_string(c->init_cwd, ret);
}
static int clear_init_cwd(BerthConfig *c, const char *key) {
        c->init_cwd = mfree(c->init_cwd);
        return 0;
}

/* lxc.environment */
static bool env_name_valid(const char *s, size_t n) {
        if (n == 0 || !(s[0] == '_' || (s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z')))
                return false;
        for (size_t i = 0; i < n; i++)
                if (!(s[i] == '_' || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
                      (s[i] >= '0' && s[i] <= '9')))
                        return false;
        return true;
}
static int set_environment(BerthConfig *c, const char *key, const char *value, ConfigSetContext *ctx) {
        const char *eq = strchr(value, '=');
        if (!env_name_valid(value, eq ? (size_t) (eq - value) : strlen(value)))
                return config_fail(ctx, -EINVAL, "'%s' is not VAR=value or VAR", value);
        if (eq)
                return strv_extend(&c->environment, value);
        /* A bare name takes the value berth itself runs with, now (as LXC does at parse time). */
        const char *v = getenv(value);
        if (!v)
                return config_fail(ctx, -EINVAL, "'%s' is not set in berth's environment", value);
        char *e;
        if (asprintf(&e, "%s=%s", value, v) < 0)
                return -ENOMEM;
        return strv_consume(&c->environment, e);
}
static int get_environment(const BerthConfig *c, const char *key, char **ret) {
        return config_get_strv(c->environment, ret);
}
static int clear_environment(BerthConfig *c, const char *key) {
        c->environment = strv_free(c->environment);
        return 0;
}

/* lxc.mount.auto */
#define MOUNT_AUTO_PROC_MASK (BERTH_MOUNT_AUTO_PROC | BERTH_MOUNT_AUTO_PROC_RW)
#define MOUNT_AUTO_SYS_MASK (BERTH_MOUNT_AUTO_SYS_RO | BERTH_MOUNT_AUTO_SYS_RW)
#define MOUNT_AUTO_CGROUP_MASK \
        (BERTH_MOUNT_AUTO_CGROUP2 | BERTH_MOUNT_AUTO_CGROUP2_RO | BERTH_MOUNT_AUTO_CGROUP2_FORCE)

static int mount_auto_token(const char *t, unsigned *mask, unsigned *flags) {
        if (streq(t, "proc") || streq(t, "proc:mixed")) {
                *mask = MOUNT_AUTO_PROC_MASK;
                *flags = BERTH_MOUNT_AUTO_PROC;
        } else if (streq(t, "proc:rw")) {
                *mask = MOUNT_AUTO_PROC_MASK;
                *flags = BERTH_MOUNT_AUTO_PROC | BERTH_MOUNT_AUTO_PROC_RW;
        } else if (streq(t, "sys") || streq(t, "sys:ro") || streq(t, "sys:mixed")) {
                *mask = MOUNT_AUTO_SYS_MASK;
                *flags = BERTH_MOUNT_AUTO_SYS_RO;
        } else if (streq(t, "sys:rw")) {
                *mask = MOUNT_AUTO_SYS_MASK;
                *flags = BERTH_MOUNT_AUTO_SYS_RW;
        } else {
                /* cgroup2[:ro][:force]; LXC's v1 forms cgroup[-full][:mixed|:ro|:rw][:force] map onto
                 * cgroup2 since berth drives the unified hierarchy only. */
                const char *rest;
                bool v1 = false;
                if ((rest = startswith(t, "cgroup2")))
                        ;
                else if ((rest = startswith(t, "cgroup-full")) || (rest = startswith(t, "cgroup")))
                        v1 = true;
                else
                        return -EINVAL;
                *mask = MOUNT_AUTO_CGROUP_MASK;
                *flags = BERTH_MOUNT_AUTO_CGROUP2;
                if (startswith(rest, ":ro")) {
                        *flags |= BERTH_MOUNT_AUTO_CGROUP2_RO;
                        rest += 3;
                } else if (v1 && (startswith(rest, ":rw") || startswith(rest, ":mixed")))
                        rest += rest[1] == 'r' ? 3 : 6;
                if (streq(rest, ":force")) {
                        *flags |= BERTH_MOUNT_AUTO_CGROUP2_FORCE;
                        rest += 6;
                }
                if (*rest)
                        return -EINVAL;
        }
        return 0;
}
static int set_mount_auto(BerthConfig *c, const char *key, const char *value, ConfigSetContext *ctx) {
        _cleanup_strv_free_ char **tokens = NULL;
        int r = strv_split(value, " \t", &tokens);
        if (r < 0)
                return r;
        unsigned v = c->mount_auto;
        STRV_FOREACH(t, tokens) {
                unsigned mask, flags;
                if (startswith(*t, "shmounts:"))
                        return config_fail(ctx, -EOPNOTSUPP, "berth does not implement %s = shmounts yet", key);
                if (mount_auto_token(*t, &mask, &flags) < 0)
                        return config_fail(ctx, -EINVAL, "unknown token '%s' (proc[:mixed|:rw], "
                                           "sys[:ro|:mixed|:rw], cgroup2[:ro][:force])", *t);
                v = (v & ~mask) | flags;
        }
        c->mount_auto = v;
        return 0;
}
static int get_mount_auto(const BerthConfig *c, const char *key, char **ret) {
        char buf[128] = "";
        unsigned v = c->mount_auto;
        if (v & BERTH_MOUNT_AUTO_PROC)
                strcat(buf, v & BERTH_MOUNT_AUTO_PROC_RW ? " proc:rw" : " proc:mixed");
        if (v & BERTH_MOUNT_AUTO_SYS_RO)
                strcat(buf, " sys:ro");
        if (v & BERTH_MOUNT_AUTO_SYS_RW)
                strcat(buf, " sys:rw");
        if (v & BERTH_MOUNT_AUTO_CGROUP2) {
                strcat(buf, " cgroup2");
                if (v & BERTH_MOUNT_AUTO_CGROUP2_RO)
                        strcat(buf, ":ro");
                if (v & BERTH_MOUNT_AUTO_CGROUP2_FORCE)
                        strcat(buf, ":force");
        }
        return config_get_string(buf[0] ? buf + 1 : buf, ret);
}
static int clear_mount_auto(BerthConfig *c, const char *key) {
        c->mount_auto = 0;
        return 0;
}

/* lxc.mount.entry */
static int set_mount_entry(BerthConfig *c, const char *key, const char *value, ConfigSetContext *ctx) {
        _cleanup_(config_mount_entry_done) BerthMountEntry e = {};
        _cleanup_free_ char *reason = NULL;
        int r = config_parse_mount_entry(value, &e, &reason);
        if (r < 0)
                return reason ? config_fail(ctx, r, "%s", reason) : r;
        BerthMountEntry *n = reallocarray(c->mount_entries, c->n_mount_entries + 1, sizeof(BerthMountEntry));
        if (!n)
                return -ENOMEM;
        c->mount_entries = n;
        c->mount_entries[c->n_mount_entries++] = e;
        e = (BerthMountEntry) {};
        return 0;
}
static int get_mount_entry(const BerthConfig *c, const char *key, char **ret) {
        _cleanup_strv_free_ char **l = NULL; /* strv_join(NULL) is "" */
        for (size_t i = 0; i < c->n_mount_entries; i++) {
                int r = strv_consume(&l, config_mount_entry_format(&c->mount_entries[i]));
                if (r < 0)
                        return r;
        }
        return config_get_strv(l, ret);
}
static int clear_mount_entry(BerthConfig *c, const char *key) {
        for (size_t i = 0; i < c->n_mount_entries; i++)
                config_mount_entry_done(&c->mount_entries[i]);
        c->mount_entries = mfree(c->mount_entries);
        c->n_mount_entries = 0;
        return 0;
}

/* lxc.autodev: 0|1, default 1 */
static int set_autodev(BerthConfig *c, const char *key, const char *value, ConfigSetContext *ctx) {
        bool b;
        int r = config_set_bool01(ctx, value, &b);
        if (r < 0)
                return r;
        c->autodev = b;
        return 0;
}
static int get_autodev(const BerthConfig *c, const char *key, char **ret) {
        return config_get_number((uint64_t) c->autodev, ret);
}
static int clear_autodev(BerthConfig *c, const char *key) {
        c->autodev = 1;
        return 0;
}

/* lxc.console.rotate, lxc.no_new_privs, lxc.seccomp.allow_nesting: 0|1, default 0 */
static bool *bool_field(BerthConfig *c, const char *key) {
        if (streq(key, "lxc.no_new_privs"))
                return &c->no_new_privs;
        if (streq(key, "lxc.seccomp.allow_nesting"))
                return &c->seccomp_allow_nesting;
        return &c->console_rotate;
}
static int set_bool(BerthConfig *c, const char *key, const char *value, ConfigSetContext *ctx) {
        return config_set_bool01(ctx, value, bool_field(c, key));
}
static int get_bool(const BerthConfig *c, const char *key, char **ret) {
        return config_get_number(*bool_field((BerthConfig *) c, key), ret);
}
static int clear_bool(BerthConfig *c, const char *key) {
        *bool_field(c, key) = false;
        return 0;
}

/* lxc.tty.max, lxc.pty.max */
static unsigned *tty_field(BerthConfig *c, const char *key) {
        return streq(key, "lxc.tty.max") ? &c->tty_max : &c->pty_max;
}
static int set_tty(BerthConfig *c, const char *key, const char *value, ConfigSetContext *ctx) {
        unsigned v;
        int r = config_parse_uint(value, &v);
        if (r < 0)
                return config_fail(ctx, r, "'%s' is not %s", value,
                                   r == -ERANGE ? "in range" : "a non-negative integer");
        *tty_field(c, key) = v;
        return 0;
}
static int get_tty(const BerthConfig *c, const char *key, char **ret) {
        return config_get_number(*tty_field((BerthConfig *) c, key), ret);
}
static int clear_tty(BerthConfig *c, const char *key) {
        *tty_field(c, key) = 0;
        return 0;
}

/* lxc.console.buffer.size, lxc.console.size */
static uint64_t *console_size_field(BerthConfig *c, const char *key) {
        return streq(key, "lxc.console.size") ? &c->console_size : &c->console_buffer_size;
}
static int set_console_size(BerthConfig *c, const char *key, const char *value, ConfigSetContext *ctx) {
        uint64_t v;
        int r = berth_parse_size(value, &v);
        if (r == -ERANGE)
                return config_fail(ctx, r, "size '%s' is too large", value);
        if (r < 0)
                return config_fail(ctx, r, "invalid size '%s' (bytes, K/KB/KiB, M/MB/MiB, G/GB/GiB or auto)",
                                   value);
        bool changed;
        uint64_t rounded = berth_round_buffer_size(v, &changed);
        if (changed)
                config_notice(ctx, key, "%" PRIu64 " rounded up to %" PRIu64
                              " (at least the page size, and a power of two)", v, rounded);
        *console_size_field(c, key) = rounded;
        return 0;
}
static int get_console_size(const BerthConfig *c, const char *key, char **ret) {
        return config_get_number(*console_size_field((BerthConfig *) c, key), ret);
}
static int clear_console_size(BerthConfig *c, const char *key) {
        *console_size_field(c, key) = 0;
        return 0;
}

/* lxc.console.logfile, lxc.log.file: paths, opened by the runtime */
static char **path_field(BerthConfig *c, const char *key) {
        return streq(key, "lxc.log.file") ? &c->log_file : &c->console_logfile;
}
static int set_path(BerthConfig *c, const char *key, const char *value, ConfigSetContext *ctx) {
        return config_set_string(path_field(c, key), value);
}
static int get_path(const BerthConfig *c, const char *key, char **ret) {
        return config_get_string(*path_field((BerthConfig *) c, key), ret);
}
static int clear_path(BerthConfig *c, const char *key) {
        char **f = path_field(c, key);
        *f = mfree(*f);
        return 0;
}

/* lxc.log.level: stored as a syslog level, written back with LXC's names */
static int set_log_level(BerthConfig *c, const char *key, const char *value, ConfigSetContext *ctx) {
        int l = log_level_from_string(value);
        if (l < 0)
                return config_fail(ctx, -EINVAL, "invalid log level '%s' (TRACE, DEBUG, INFO, NOTICE, WARN, "
                                   "ERROR, CRIT, ALERT, FATAL or 0-8)", value);
        c->log_level = l;
        return 0;
}
static int get_log_level(const BerthConfig *c, const char *key, char **ret) {
        return config_get_string(log_level_to_lxc_string(c->log_level), ret);
}
static int clear_log_level(BerthConfig *c, const char *key) {
        c->log_level = -1;
        return 0;
}

/* lxc.signal.halt|reboot|stop */
static int *signal_field(BerthConfig *c, const char *key) {
        if (streq(key, "lxc.signal.halt"))
                return &c->signal_halt;
        if (streq(key, "lxc.signal.reboot"))
                return &c->signal_reboot;
        return &c->signal_stop;
}
static int set_signal(BerthConfig *c, const char *key, const char *value, ConfigSetContext *ctx) {
        int s = berth_parse_signal(value);
        if (s < 0)
                return config_fail(ctx, -EINVAL, "invalid signal '%s' (a name like SIGPWR or PWR, "
                                   "SIGRTMIN+n, SIGRTMAX-n, or 1-%d)", value, _NSIG - 1);
        *signal_field(c, key) = s;
        return 0;
}
static int get_signal(const BerthConfig *c, const char *key, char **ret) {
        int s = *signal_field((BerthConfig *) c, key);
        return s > 0 ? config_get_number((uint64_t) s, ret) : config_get_string(NULL, ret);
}
static int clear_signal(BerthConfig *c, const char *key) {
        *signal_field(c, key) = 0;
        return 0;
}

/* lxc.arch */
static int set_arch(BerthConfig *c, const char *key, const char *value, ConfigSetContext *ctx) {
        unsigned long p;
        if (config_parse_arch(value, &p) < 0)
                return config_fail(ctx, -EINVAL, "unknown architecture '%s'", value);
        int r = config_set_string(&c->arch, value);
        if (r < 0)
                return r;
        c->personality = p;
        return 0;
}
static int get_arch(const BerthConfig *c, const char *key, char **ret) {
        return config_get_string(c->arch, ret);
}
static int clear_arch(BerthConfig *c, const char *key) {
        c->arch = mfree(c->arch);
        c->personality = 0xffffffffUL;
        return 0;
}

/* lxc.include: the files' keys are merged in place; the list only remembers what the outermost text
 * included (get answers with it; to_string does not write it back, the content is serialised itself). */
static int set_include(BerthConfig *c, const char *key, const char *value, ConfigSetContext *ctx) {
        int r = config_include(c, value, ctx);
        if (r < 0)
                return r;
        /* Only the includes of the outermost text: nested ones are relative to other directories. */
        if (ctx->depth > 1)
                return 0;
        return strv_extend(&c->includes, value);
}
static int get_include(const BerthConfig *c, const char *key, char **ret) {
        return config_get_strv(c->includes, ret);
}
static int clear_include(BerthConfig *c, const char *key) {
        c->includes = strv_free(c->includes);
        return 0;
}

/* lxc.net and lxc.net.N.* */
static BerthNetDev *netdev_find(const BerthConfig *c, unsigned index) {
        for (size_t i = 0; i < c->n_netdevs; i++)
                if (c->netdevs[i].index == index)
                        return &c->netdevs[i];
        return NULL;
}
static int set_net(BerthConfig *c, const char *key, const char *value, ConfigSetContext *ctx) {
        return config_fail(ctx, -EINVAL, "can only be set to an empty value (clearing all network devices)");
}
static int get_net(const BerthConfig *c, const char *key, char **ret) {
        _cleanup_strv_free_ char **l = NULL; /* strv_join(NULL) is "" */
        for (size_t i = 0; i < c->n_netdevs; i++) {
                char *s;
                if (asprintf(&s, "%u", c->netdevs[i].index) < 0)
                        return -ENOMEM;
                int r = strv_consume(&l, s);
                if (r < 0)
                        return r;
        }
        return config_get_strv(l, ret);
}
static int clear_net(BerthConfig *c, const char *key) {
        c->netdevs = mfree(c->netdevs);
        c->n_netdevs = 0;
        return 0;
}
static int net_check_param(const ConfigKey *k, const char *param) {
        unsigned idx;
        const char *sub;
        int r = config_parse_net_key(strjoina("lxc.net.", param), &idx, &sub);
        if (r < 0)
                return r;
        if (!sub)
                return -EINVAL;
        if (streq(sub, "type"))
                return 1;
        return config_net_subkey_known(sub) ? 0 : -ENOENT;
}
static const char *const net_type_names[_BERTH_NET_TYPE_MAX] = {
        [BERTH_NET_EMPTY] = "empty",
        [BERTH_NET_NONE] = "none",
};
static int set_net_sub(BerthConfig *c, const char *key, const char *value, ConfigSetContext *ctx) {
        unsigned idx;
        const char *sub;
        int r = config_parse_net_key(key, &idx, &sub);
        if (r < 0)
                return r;
        if (!sub)
                return config_fail(ctx, -EINVAL, "can only be set to an empty value (removing the device)");
        if (!streq(sub, "type")) {
                if (!netdev_find(c, idx))
                        return config_fail(ctx, -EINVAL, "lxc.net.%u.type must be set before %s", idx, key);
                return fail_not_implemented(ctx, key);
        }

        BerthNetType t = _BERTH_NET_TYPE_MAX;
        for (BerthNetType i = 0; i < _BERTH_NET_TYPE_MAX; i++)
                if (net_type_names[i] && streq(value, net_type_names[i]))
                        t = i;
        if (t == _BERTH_NET_TYPE_MAX) {
                static const char *const later[] = { "veth", "macvlan", "ipvlan", "vlan", "phys", NULL };
                for (const char *const *l = later; *l; l++)
                        if (streq(value, *l))
                                return config_fail(ctx, -EOPNOTSUPP, "berth does not implement %s = %s yet",
                                                   key, value);
                return config_fail(ctx, -EINVAL, "unknown network type '%s' (veth, macvlan, ipvlan, vlan, "
                                   "phys, empty or none)", value);
        }

        BerthNetDev *d = netdev_find(c, idx);
        if (!d) {
                BerthNetDev *n = reallocarray(c->netdevs, c->n_netdevs + 1, sizeof(BerthNetDev));
                if (!n)
                        return -ENOMEM;
                c->netdevs = n;
                /* Keep them sorted by index, as LXC does. */
                size_t pos = 0;
                while (pos < c->n_netdevs && c->netdevs[pos].index < idx)
                        pos++;
                memmove(c->netdevs + pos + 1, c->netdevs + pos, (c->n_netdevs - pos) * sizeof(BerthNetDev));
                c->n_netdevs++;
                d = &c->netdevs[pos];
                *d = (BerthNetDev) { .index = idx };
        }
        d->type = t;
        return 0;
}
static int get_net_sub(const BerthConfig *c, const char *key, char **ret) {
        unsigned idx;
        const char *sub;
        int r = config_parse_net_key(key, &idx, &sub);
        if (r < 0)
                return r;
        const BerthNetDev *d = netdev_find(c, idx);
        if (!sub)
                return config_get_string(d ? "type" : NULL, ret);
        if (!streq(sub, "type"))
                return -EOPNOTSUPP;
        return config_get_string(d ? net_type_names[d->type] : NULL, ret);
}
static int clear_net_sub(BerthConfig *c, const char *key) {
        unsigned idx;
        const char *sub;
        int r = config_parse_net_key(key, &idx, &sub);
        if (r < 0)
                return r;
        if (sub && !streq(sub, "type"))
                return -EOPNOTSUPP;
        /* Clearing the type (or "lxc.net.N") removes the device: nothing else is left of it. */
        BerthNetDev *d = netdev_find(c, idx);
        if (d) {
                size_t pos = (size_t) (d - c->netdevs);
                memmove(d, d + 1, (c->n_netdevs - pos - 1) * sizeof(BerthNetDev));
                c->n_netdevs--;
        }
        return 0;
}

static int namespace_check_param(const ConfigKey *k, const char *param) {
        static const char *const ns[] = { "cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts", NULL };
        for (const char *const *n = ns; *n; n++)
                if (streq(param, *n))
                        return k->set ? 1 : 0;
        return -ENOENT;
}

#define KEY(n, f, prefix) { n, f, set_##prefix, get_##prefix, clear_##prefix, NULL }
/* Rows whose functions live in another config-*.c file (config_set_<prefix>, ...). */
#define EXT_KEY(n, f, prefix) { n, f, config_set_##prefix, config_get_##prefix, config_clear_##prefix, NULL }
#define LATER(n, f) { n, f, NULL, NULL, NULL, NULL }
#define LATER_FAMILY(n, f, check) { n, (f) | CONFIG_KEY_FAMILY, NULL, NULL, NULL, check }

#define L CONFIG_KEY_LIST
#define H CONFIG_KEY_HOST

const ConfigKey config_keys[] = {
        KEY("lxc.uts.name", 0, uts_name),
        KEY("lxc.rootfs.path", H, rootfs_path),
        LATER("lxc.rootfs.mount", H),
        LATER("lxc.rootfs.options", H),
        LATER("lxc.rootfs.managed", H),
        KEY("lxc.arch", 0, arch),
        KEY("lxc.init.cmd", 0, init_cmd),
        KEY("lxc.init.cwd", 0, init_cwd),
        EXT_KEY("lxc.init.uid", 0, init_id),
        EXT_KEY("lxc.init.gid", 0, init_id),
        EXT_KEY("lxc.init.groups", L, init_groups),
        LATER("lxc.execute.cmd", 0),
        /* Host: lxc.environment reaches the hooks, which run as root on the host (LD_PRELOAD, PATH...). */
        KEY("lxc.environment", L | H, environment),
        LATER("lxc.environment.runtime", L),
        LATER("lxc.environment.hooks", L),
        KEY("lxc.mount.auto", 0, mount_auto),
        KEY("lxc.mount.entry", L | H, mount_entry),
        LATER("lxc.mount.fstab", H),
        KEY("lxc.autodev", 0, autodev),
        LATER("lxc.autodev.tmpfs.size", 0),
        KEY("lxc.tty.max", 0, tty),
        LATER("lxc.tty.dir", 0),
        KEY("lxc.pty.max", 0, tty),
        KEY("lxc.console.buffer.size", 0, console_size),
        KEY("lxc.console.size", 0, console_size),
        { "lxc.console.logfile", H, set_path, get_path, clear_path, NULL },
        KEY("lxc.console.rotate", 0, bool),
        LATER("lxc.console.path", H),
        { "lxc.log.file", H, set_path, get_path, clear_path, NULL },
        KEY("lxc.log.level", 0, log_level),
        EXT_KEY("lxc.log.syslog", 0, log_syslog),
        KEY("lxc.net", 0, net),
        { "lxc.net.", CONFIG_KEY_FAMILY, set_net_sub, get_net_sub, clear_net_sub, net_check_param },
        KEY("lxc.signal.halt", 0, signal),
        KEY("lxc.signal.reboot", 0, signal),
        KEY("lxc.signal.stop", 0, signal),
        KEY("lxc.include", H, include),
        EXT_KEY("lxc.idmap", L | H, idmap),
        EXT_KEY("lxc.cap.drop", L | H, cap),
        EXT_KEY("lxc.cap.keep", L | H, cap),
        EXT_KEY("lxc.hook", L | H, hook_all),
        EXT_KEY("lxc.hook.version", H, hook_version),
        EXT_KEY("lxc.hook.pre-start", L | H, hook),
        LATER("lxc.hook.pre-mount", L | H),
        LATER("lxc.hook.mount", L | H),
        LATER("lxc.hook.autodev", L | H),
        EXT_KEY("lxc.hook.start-host", L | H, hook),
        EXT_KEY("lxc.hook.start", L | H, hook),
        EXT_KEY("lxc.hook.stop", L | H, hook),
        EXT_KEY("lxc.hook.post-stop", L | H, hook),
        LATER("lxc.hook.clone", L | H),
        LATER("lxc.hook.destroy", L | H),
        EXT_KEY("lxc.seccomp.profile", H, seccomp_profile),
        KEY("lxc.seccomp.allow_nesting", 0, bool),
        EXT_KEY("lxc.seccomp.notify.proxy", H, seccomp_notify_proxy),
        EXT_KEY("lxc.seccomp.notify.cookie", 0, seccomp_notify_cookie),
        KEY("lxc.no_new_privs", 0, bool),
        LATER("lxc.cgroup2", L),
        LATER_FAMILY("lxc.cgroup2.", L, NULL),
        LATER("lxc.cgroup.dir", H),
        LATER("lxc.cgroup.dir.monitor", H),
        LATER("lxc.cgroup.dir.monitor.pivot", H),
        LATER("lxc.cgroup.dir.container", H),
        LATER("lxc.cgroup.dir.container.inner", H),
        LATER("lxc.cgroup.relative", H),
        LATER("lxc.apparmor.profile", H),
        LATER("lxc.apparmor.allow_incomplete", H),
        LATER("lxc.apparmor.allow_nesting", H),
        LATER("lxc.apparmor.raw", L | H),
        LATER("lxc.selinux.context", H),
        LATER("lxc.selinux.context.keyring", H),
        LATER("lxc.prlimit", H),
        LATER_FAMILY("lxc.prlimit.", H, NULL),
        LATER("lxc.sysctl", H),
        LATER_FAMILY("lxc.sysctl.", H, NULL),
        LATER("lxc.proc", H),
        LATER_FAMILY("lxc.proc.", H, NULL),
        LATER("lxc.namespace.clone", H),
        LATER("lxc.namespace.keep", H),
        LATER_FAMILY("lxc.namespace.share.", H, namespace_check_param),
        LATER("lxc.start.auto", 0),
        LATER("lxc.start.delay", 0),
        LATER("lxc.start.order", 0),
        LATER("lxc.group", L),
        LATER("lxc.monitor.unshare", H),
        LATER("lxc.monitor.signal.pdeath", H),
        LATER("lxc.time.offset.boot", 0),
        LATER("lxc.time.offset.monotonic", 0),
        LATER("lxc.keyring.session", 0),
        LATER("lxc.ephemeral", 0),
        LATER("lxc.sched.core", 0),
};
const size_t config_keys_n = ELEMENTSOF(config_keys);
#undef L
#undef H

static bool param_component_char(char ch) {
        return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_' ||
               ch == '-';
}

int config_key_check_family(const ConfigKey *k, const char *key) {
        const char *param = startswith(key, k->name);
        if (!param || !*param)
                return -EINVAL;
        if (k->check_param)
                return k->check_param(k, param);
        /* Generic: dotted names of [A-Za-z0-9_-] with no empty component (memory.max, net.ipv4.x). */
        bool start = true;
        for (const char *p = param; *p; p++) {
                if (*p == '.') {
                        if (start)
                                return -EINVAL;
                        start = true;
                } else if (param_component_char(*p))
                        start = false;
                else
                        return -EINVAL;
        }
        if (start)
                return -EINVAL;
        return k->set ? 1 : 0;
}

const ConfigKey *config_key_lookup(const char *key) {
        if (!key)
                return NULL;
        for (size_t i = 0; i < config_keys_n; i++)
                if (!(config_keys[i].flags & CONFIG_KEY_FAMILY) && streq(key, config_keys[i].name))
                        return &config_keys[i];
        for (size_t i = 0; i < config_keys_n; i++)
                if ((config_keys[i].flags & CONFIG_KEY_FAMILY) && startswith(key, config_keys[i].name))
                        return &config_keys[i];
        return NULL;
}
