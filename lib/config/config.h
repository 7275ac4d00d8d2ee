/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The LXC configuration language: parse, set, get, clear. One table of keys (config-keys.c) drives all
 * of it. The parsed form below is what the runtime reads; GetConfigItem answers from the same table. */

#include <stdbool.h>
#include <stdint.h>

#include "util/macro.h"

#define BERTH_CONSOLE_BUFFER_AUTO (128U * 1024U)

typedef enum BerthMountAutoFlags {
        /* Modifier bits (PROC_RW, CGROUP2_RO, CGROUP2_FORCE) come together with their base bit. */
        BERTH_MOUNT_AUTO_PROC = 1 << 0,       /* proc, proc:mixed (and proc:rw, with PROC_RW) */
        BERTH_MOUNT_AUTO_PROC_RW = 1 << 1,    /* proc:rw */
        BERTH_MOUNT_AUTO_SYS_RO = 1 << 2,     /* sys, sys:ro, sys:mixed */
        BERTH_MOUNT_AUTO_SYS_RW = 1 << 3,     /* sys:rw */
        BERTH_MOUNT_AUTO_CGROUP2 = 1 << 4,    /* cgroup2 (also cgroup:* forms map here: we are v2 only) */
        BERTH_MOUNT_AUTO_CGROUP2_RO = 1 << 5, /* cgroup2:ro, cgroup:ro, cgroup-full:ro */
        BERTH_MOUNT_AUTO_CGROUP2_FORCE = 1 << 6, /* ...:force */
} BerthMountAutoFlags;

typedef struct BerthMountEntry {
        char *source;
        char *target;   /* as written; relative targets are relative to the rootfs */
        char *fstype;   /* "none" for binds */
        char *options;  /* the full option string, as written */
        unsigned long flags;      /* MS_* parsed from options (MS_BIND, MS_REC, MS_RDONLY, ...); propagation
                                   * (MS_SHARED/PRIVATE/SLAVE/UNBINDABLE) needs its own mount() call */
        char *data;               /* options the kernel takes as data, comma-joined, or NULL */
        bool create_dir, create_file, optional;
} BerthMountEntry;

typedef enum BerthNetType {
        BERTH_NET_UNSET = 0,
        BERTH_NET_EMPTY, /* new net namespace with only lo */
        BERTH_NET_NONE,  /* share the host's network namespace */
        _BERTH_NET_TYPE_MAX,
} BerthNetType;

typedef struct BerthNetDev {
        unsigned index; /* N of lxc.net.N */
        BerthNetType type;
} BerthNetDev;

/* One lxc.idmap line: ids nsid..nsid+range-1 inside are hostid..hostid+range-1 outside. */
typedef struct BerthIdmap {
        char type;          /* 'u' or 'g' */
        uint32_t nsid, hostid, range;
} BerthIdmap;

/* The hook types berth runs (lxc.hook.<type>). LXC's pre-mount, mount, autodev, clone and destroy are
 * not implemented yet (their keys say so). */
typedef enum BerthHookType {
        BERTH_HOOK_PRE_START,  /* host, before init is created */
        BERTH_HOOK_START_HOST, /* host, after init is created, before RUNNING */
        BERTH_HOOK_START,      /* inside the container, after pivot_root, before init's exec */
        BERTH_HOOK_STOP,       /* host, once init has exited (LXC_TARGET) */
        BERTH_HOOK_POST_STOP,  /* host, after cleanup */
        _BERTH_HOOK_TYPE_MAX,
} BerthHookType;

typedef struct BerthConfig {
        char *uts_name;
        char *rootfs_path;   /* directory; NULL = the container directory's "rootfs" */
        char *init_cmd;      /* as written; split with berth_config_init_argv() */
        char *init_cwd;
        char **environment;  /* "VAR=value" entries (a bare "VAR" is resolved from the host at set time) */
        unsigned mount_auto; /* BerthMountAutoFlags */
        BerthMountEntry *mount_entries;
        size_t n_mount_entries;
        int autodev;         /* default 1 */
        unsigned tty_max, pty_max;
        uint64_t console_buffer_size; /* 0 = no ring buffer; always a power of two >= page size */
        uint64_t console_size;        /* log file cap, 0 = unlimited */
        char *console_logfile;
        bool console_rotate;
        char *log_file;
        int log_level;       /* syslog level, -1 = unset */
        char *log_syslog;    /* lxc.log.syslog facility ("daemon", "local0".."local7"), NULL = unset */
        /* lxc.seccomp.* (config-seccomp.c). The profile is only a path here: spawn parses it at start. */
        char *seccomp_profile;          /* absolute path, NULL = no profile (berth imposes none) */
        bool seccomp_allow_nesting;     /* load it even when the starter is already seccomp-confined */
        char *seccomp_notify_proxy;     /* "unix:/path" or "unix:@abstract", NULL = none */
        char *seccomp_notify_cookie;    /* sent to the proxy with every notification, NULL = none */
        BerthNetDev *netdevs;
        size_t n_netdevs;
        int signal_halt, signal_reboot, signal_stop; /* 0 = unset (defaults: SIGPWR, SIGINT, SIGKILL) */
        char *arch;
        unsigned long personality; /* from lxc.arch, 0xffffffff = unset */
        char **includes;           /* lxc.include values seen, for get (to_string does not write them: the
                                    * included keys are merged in and serialised themselves) */
        /* Identity (lxc.cap.*, lxc.init.uid/gid/groups, lxc.no_new_privs, lxc.idmap). Capabilities are
         * bit masks of CAP_* numbers. lxc.cap.drop and lxc.cap.keep are mutually exclusive: at most one
         * of cap_drop != 0 and cap_keep_set holds. */
        uint64_t cap_drop;
        uint64_t cap_keep;         /* with cap_keep_set: every capability NOT in here is dropped */
        bool cap_keep_set;         /* lxc.cap.keep given ("none" sets it with cap_keep = 0) */
        uint32_t init_uid, init_gid;  /* default 0; inside the user namespace when there is one */
        uint32_t *init_groups;     /* supplementary groups of init (none: init has no supplementary groups) */
        size_t n_init_groups;
        bool no_new_privs;
        BerthIdmap *idmaps;        /* any entry means a user namespace */
        size_t n_idmaps;
        /* lxc.hook.<type>: command lines (run with /bin/sh -c), in order; lxc.hook.version 0 or 1. */
        char **hooks[_BERTH_HOOK_TYPE_MAX];
        unsigned hook_version;
        /* Per row of the key table: values set on a list key since it was last cleared, for the
         * BERTH_CONFIG_LIST_MAX limit (config.c; allocated on first use). */
        unsigned *list_counts;
} BerthConfig;

/* Entries a list key (lxc.environment, lxc.mount.entry, ...) takes at most: more is an error, so a huge
 * text cannot make the parser and the runtime chew on millions of entries. */
#define BERTH_CONFIG_LIST_MAX 4096U
/* Errors kept in BerthConfigDiag: after these, one last line "... and N more errors". */
#define BERTH_CONFIG_DIAG_MAX 20U

/* Diagnostics collected while parsing: every problem, not only the first. Each entry reads
 * "file:line: key: reason" (file and line omitted when setting items directly). */
typedef struct BerthConfigDiag {
        char **errors;
        char **notices;  /* e.g. "lxc.console.buffer.size rounded up to 65536" */
} BerthConfigDiag;
void berth_config_diag_done(BerthConfigDiag *d);

int berth_config_new(BerthConfig **ret);
BerthConfig *berth_config_free(BerthConfig *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(BerthConfig *, berth_config_free);

/* Parse text (from "filename", used in messages) into c. Returns 0, or -EINVAL if diag->errors got
 * entries (c may then be partially filled: callers discard it). lxc.include is followed relative to the
 * including file's directory; include_depth guards loops. */
int berth_config_load_string(BerthConfig *c, const char *text, const char *filename, BerthConfigDiag *diag);
int berth_config_load_file(BerthConfig *c, const char *path, BerthConfigDiag *diag);
/* As berth_config_load_string(), but messages say display_name ("config") while relative lxc.include paths
 * are resolved against base_dir (the directory the text will be stored in; NULL = the current directory). */
int berth_config_load_string_at(BerthConfig *c, const char *text, const char *display_name, const char *base_dir,
                                BerthConfigDiag *diag);

/* Single items. set with an empty value clears (whole list for list keys). On error, *ret_error (if
 * non-NULL) gets "key: reason". -ENOENT unknown key, -EOPNOTSUPP real LXC key berth lacks, -EINVAL bad
 * value, -ERANGE number out of range. */
int berth_config_set_item(BerthConfig *c, const char *key, const char *value, char **ret_error);
int berth_config_get_item(const BerthConfig *c, const char *key, char **ret_value);
int berth_config_clear_item(BerthConfig *c, const char *key);

/* True iff setting the key would be accepted now: implemented keys, and well-formed parametrised keys
 * of implemented families (lxc.net.0.type: true; lxc.net.0.asdf, lxc.net.0.flags, lxc.hook.start and,
 * until implemented, lxc.cgroup2.memory.max: false). */
bool berth_config_item_is_supported(const char *key);
/* True for keys that run or expose host things (design.md §4): need org.berth1.configure-host. */
bool berth_config_key_is_host(const char *key);
/* Value-aware form: also lxc.net.N.type = none (the host's network) and lxc.mount.auto with a ":rw"
 * token (host-wide proc/sys/cgroup writes). value may be NULL (then as berth_config_key_is_host). */
bool berth_config_item_is_host(const char *key, const char *value);
/* Scan LXC text WITHOUT following includes (lxc.include is itself a host key) and return the distinct
 * host-touching keys, in order of appearance (an empty strv if none). For the configure-host check.
 * -E2BIG if there are more than BERTH_CONFIG_HOST_KEYS_MAX distinct ones. */
#define BERTH_CONFIG_HOST_KEYS_MAX 256U
int berth_config_text_host_keys(const char *text, char ***ret_keys);
/* The closest known key to a misspelt one, or NULL. */
const char *berth_config_suggest_key(const char *key);
/* Every top-level key berth implements (static strings, NULL-terminated). */
const char *const *berth_config_list_keys(void);

/* The host id that id nsid of type 'u' or 'g' maps to through lxc.idmap: -ENOENT if unmapped (or no
 * idmap at all). */
int berth_config_idmap_to_host(const BerthConfig *c, char type, uint32_t nsid, uint32_t *ret);

/* "pre-start", "start-host", "start", "stop", "post-stop" (the part after "lxc.hook."). from_string:
 * -EOPNOTSUPP for LXC's other hook types (pre-mount, mount, autodev, clone, destroy), -ENOENT else. */
const char *berth_hook_type_to_string(BerthHookType t);
int berth_hook_type_from_string(const char *s);

/* Split lxc.init.cmd (shell-like quoting; default "/sbin/init"). */
int berth_config_init_argv(const BerthConfig *c, char ***ret_argv);

/* Serialise back to LXC text (every set key, in table order). */
int berth_config_to_string(const BerthConfig *c, char **ret);

/* "auto" = 128 KiB; plain bytes; K/KB/KiB, M/MB/MiB, G/GB/GiB (1024-based, case-insensitive). */
int berth_parse_size(const char *s, uint64_t *ret);
/* Round to >= page size and a power of two; *ret_changed tells whether it was changed. */
uint64_t berth_round_buffer_size(uint64_t v, bool *ret_changed);
/* kill(1) names ("SIGKILL", "KILL", "kill"), "SIGRTMIN+n", "SIGRTMAX-n" or numbers. */
int berth_parse_signal(const char *s);
