/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Value parsers of the configuration language: sizes, signals, integers, mount entries, the init
 * command line, architectures, host names and lxc.net.N keys. Pure functions, no state. */

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <unistd.h>

#include "config/config-internal.h"
#include "util/strv.h"

int config_parse_uint(const char *s, unsigned *ret) {
        /* Like LXC's lxc_safe_uint: leading blanks allowed, trailing garbage and signs not. */
        while (*s == ' ' || *s == '\t')
                s++;
        if (!isdigit((unsigned char) *s))
                return -EINVAL;
        errno = 0;
        char *end;
        unsigned long long v = strtoull(s, &end, 10);
        if (errno == ERANGE || v > UINT_MAX)
                return -ERANGE;
        if (*end)
                return -EINVAL;
        *ret = (unsigned) v;
        return 0;
}

int config_parse_bool01(const char *s, bool *ret) {
        if (streq(s, "0"))
                *ret = false;
        else if (streq(s, "1"))
                *ret = true;
        else
                return -EINVAL;
        return 0;
}

int berth_parse_size(const char *s, uint64_t *ret) {
        if (!s)
                return -EINVAL;
        while (isspace((unsigned char) *s))
                s++;
        if (strcasecmp(s, "auto") == 0) {
                *ret = BERTH_CONSOLE_BUFFER_AUTO;
                return 0;
        }
        if (!isdigit((unsigned char) *s))
                return -EINVAL;

        errno = 0;
        char *end;
        unsigned long long v = strtoull(s, &end, 10);
        if (errno == ERANGE)
                return -ERANGE;
        while (isspace((unsigned char) *end))
                end++;

        /* Unlike LXC, a single-letter suffix is a unit, not silently bytes: "64K" is 64 KiB. */
        static const struct {
                const char *suffix;
                unsigned shift;
        } units[] = {
                { "", 0 },    { "B", 0 },    { "K", 10 },   { "KB", 10 }, { "KiB", 10 },
                { "M", 20 },  { "MB", 20 },  { "MiB", 20 }, { "G", 30 },  { "GB", 30 },
                { "GiB", 30 },
        };
        size_t len = strlen(end);
        while (len > 0 && isspace((unsigned char) end[len - 1]))
                len--;
        for (size_t i = 0; i < ELEMENTSOF(units); i++) {
                if (strlen(units[i].suffix) != len || strncasecmp(end, units[i].suffix, len) != 0)
                        continue;
                if (units[i].shift > 0 && v > (UINT64_MAX >> units[i].shift))
                        return -ERANGE;
                *ret = (uint64_t) v << units[i].shift;
                return 0;
        }
        return -EINVAL;
}

uint64_t berth_round_buffer_size(uint64_t v, bool *ret_changed) {
        uint64_t r = v;
        if (v > 0) {
                long ps = sysconf(_SC_PAGESIZE);
                uint64_t page = ps > 0 ? (uint64_t) ps : 4096;
                if (r < page)
                        r = page;
                /* The ring buffer maps its memory twice back to back: a power of two keeps the offset
                 * arithmetic a mask and the size a page multiple. */
                if (r & (r - 1)) {
                        if (r > (UINT64_C(1) << 63))
                                r = UINT64_C(1) << 63;
                        else
                                r = UINT64_C(1) << (64 - __builtin_clzll(r));
                }
        }
        if (ret_changed)
                *ret_changed = r != v;
        return r;
}

static const struct {
        const char *name;
        int sig;
} signal_names[] = {
        { "HUP", SIGHUP },     { "INT", SIGINT },       { "QUIT", SIGQUIT },   { "ILL", SIGILL },
        { "TRAP", SIGTRAP },   { "ABRT", SIGABRT },     { "IOT", SIGIOT },     { "BUS", SIGBUS },
        { "FPE", SIGFPE },     { "KILL", SIGKILL },     { "USR1", SIGUSR1 },   { "SEGV", SIGSEGV },
        { "USR2", SIGUSR2 },   { "PIPE", SIGPIPE },     { "ALRM", SIGALRM },   { "TERM", SIGTERM },
        { "STKFLT", SIGSTKFLT }, { "CHLD", SIGCHLD },   { "CLD", SIGCHLD },    { "CONT", SIGCONT },
        { "STOP", SIGSTOP },   { "TSTP", SIGTSTP },     { "TTIN", SIGTTIN },   { "TTOU", SIGTTOU },
        { "URG", SIGURG },     { "XCPU", SIGXCPU },     { "XFSZ", SIGXFSZ },   { "VTALRM", SIGVTALRM },
        { "PROF", SIGPROF },   { "WINCH", SIGWINCH },   { "IO", SIGIO },       { "POLL", SIGPOLL },
        { "PWR", SIGPWR },     { "SYS", SIGSYS },
};

static int parse_small_int(const char *s, int max) {
        if (!isdigit((unsigned char) *s))
                return -EINVAL;
        errno = 0;
        char *end;
        long v = strtol(s, &end, 10);
        if (*end)
                return -EINVAL;
        if (errno == ERANGE || v > max)
                return -ERANGE;
        return (int) v;
}

int berth_parse_signal(const char *s) {
        if (isempty(s))
                return -EINVAL;
        if (isdigit((unsigned char) *s)) {
                int n = parse_small_int(s, INT_MAX);
                if (n == -ERANGE)
                        return -EINVAL;
                if (n < 0)
                        return n;
                return n >= 1 && n < _NSIG ? n : -EINVAL;
        }

        const char *n = s;
        if (strncasecmp(n, "SIG", 3) == 0)
                n += 3;

        /* Real-time signals are relative to the libc's SIGRTMIN (34 with glibc, which keeps two). */
        if (strncasecmp(n, "RTMIN", 5) == 0 || strncasecmp(n, "RTMAX", 5) == 0) {
                bool min = strncasecmp(n, "RTMIN", 5) == 0;
                const char *p = n + 5;
                int off = 0;
                if (*p) {
                        if (*p != (min ? '+' : '-'))
                                return -EINVAL;
                        off = parse_small_int(p + 1, SIGRTMAX);
                        if (off < 0)
                                return -EINVAL;
                }
                int sig = min ? SIGRTMIN + off : SIGRTMAX - off;
                return sig >= SIGRTMIN && sig <= SIGRTMAX ? sig : -EINVAL;
        }

        for (size_t i = 0; i < ELEMENTSOF(signal_names); i++)
                if (strcasecmp(n, signal_names[i].name) == 0)
                        return signal_names[i].sig;
        return -EINVAL;
}

int config_parse_arch(const char *s, unsigned long *ret_personality) {
        static const char *const arch32[] = {
                "x86", "i386", "i486", "i586", "i686", "linux32", "arm", "armel", "armhf", "armv7l",
                "armv7", "armv6l", "ppc", "powerpc", "s390", "mips", "mipsel", NULL,
        };
        static const char *const arch64[] = {
                "x86_64", "amd64", "linux64", "aarch64", "arm64", "ppc64", "ppc64le", "ppc64el",
                "powerpc64", "powerpc64le", "s390x", "riscv64", "mips64", "mips64el", "loongarch64", NULL,
        };
        for (const char *const *a = arch32; *a; a++)
                if (strcasecmp(s, *a) == 0) {
                        *ret_personality = PER_LINUX32;
                        return 0;
                }
        for (const char *const *a = arch64; *a; a++)
                if (strcasecmp(s, *a) == 0) {
                        *ret_personality = PER_LINUX;
                        return 0;
                }
        return -EINVAL;
}

bool config_hostname_valid(const char *s) {
        /* RFC 1123 labels: letters, digits, '-' inside; '.' separates non-empty labels. */
        size_t n = strlen(s);
        if (n == 0 || n > 64)
                return false;
        bool label_start = true;
        for (const char *p = s; *p; p++) {
                if (*p == '.') {
                        if (label_start || p[-1] == '-')
                                return false;
                        label_start = true;
                        continue;
                }
                if (*p == '-' && label_start)
                        return false;
                if (!isalnum((unsigned char) *p) && *p != '-')
                        return false;
                label_start = false;
        }
        return !label_start && s[n - 1] != '-';
}

/* lxc.net.<index>.<subkey> */
const char *const config_net_subkeys[] = {
        "type", "flags", "link", "name", "hwaddr", "mtu", "ipv4.address", "ipv4.gateway",
        "ipv6.address", "ipv6.gateway", "l2proxy", "macvlan.mode", "ipvlan.mode", "ipvlan.isolation",
        "vlan.id", "veth.mode", "veth.pair", "veth.ipv4.route", "veth.ipv6.route", "veth.vlan.id",
        "veth.vlan.tagged.id", "veth.n_rxqueues", "veth.n_txqueues", "script.up", "script.down", NULL,
};

bool config_net_subkey_known(const char *sub) {
        for (const char *const *k = config_net_subkeys; *k; k++)
                if (streq(sub, *k))
                        return true;
        return false;
}

int config_parse_net_key(const char *key, unsigned *ret_index, const char **ret_subkey) {
        /* Returns 0 with *ret_subkey NULL for "lxc.net.N" (the whole device), -ERANGE for an index
         * >= INT_MAX (as LXC), -EINVAL for a malformed key. */
        const char *p = startswith(key, "lxc.net.");
        if (!p || !isdigit((unsigned char) *p))
                return -EINVAL;
        const char *dot = strchr(p, '.');
        size_t l = dot ? (size_t) (dot - p) : strlen(p);
        if (l > 1 && p[0] == '0')
                return -EINVAL;
        unsigned long long v = 0;
        for (size_t i = 0; i < l; i++) {
                if (!isdigit((unsigned char) p[i]))
                        return -EINVAL;
                v = v * 10 + (unsigned) (p[i] - '0');
                if (v >= INT_MAX)
                        return -ERANGE;
        }
        if (dot && dot[1] == 0)
                return -EINVAL;
        if (ret_index)
                *ret_index = (unsigned) v;
        if (ret_subkey)
                *ret_subkey = dot ? dot + 1 : NULL;
        return 0;
}

unsigned config_edit_distance(const char *a, const char *b) {
        /* Levenshtein with two rows; keys are short. */
        size_t la = strlen(a), lb = strlen(b);
        if (lb > 127)
                return UINT_MAX;
        unsigned prev[128], cur[128];
        for (size_t j = 0; j <= lb; j++)
                prev[j] = (unsigned) j;
        for (size_t i = 1; i <= la; i++) {
                cur[0] = (unsigned) i;
                for (size_t j = 1; j <= lb; j++) {
                        unsigned d = prev[j - 1] + (a[i - 1] != b[j - 1]);
                        d = MIN(d, prev[j] + 1);
                        d = MIN(d, cur[j - 1] + 1);
                        cur[j] = d;
                }
                memcpy(prev, cur, sizeof(unsigned) * (lb + 1));
        }
        return prev[lb];
}

int config_split_command(const char *s, char ***ret_argv) {
        /* Shell-like words: '…' literal, "…" with \" \\ \$ \` escapes, backslash outside quotes. No
         * expansion of any kind: this is not a shell. */
        _cleanup_strv_free_ char **argv = calloc(1, sizeof(char *));
        _cleanup_free_ char *word = malloc(strlen(s) + 1);
        if (!argv || !word)
                return -ENOMEM;
        const char *p = s;
        for (;;) {
                while (isspace((unsigned char) *p))
                        p++;
                if (!*p)
                        break;
                size_t n = 0;
                while (*p && !isspace((unsigned char) *p)) {
                        if (*p == '\'') {
                                const char *q = strchr(p + 1, '\'');
                                if (!q)
                                        return -EINVAL;
                                memcpy(word + n, p + 1, (size_t) (q - p - 1));
                                n += (size_t) (q - p - 1);
                                p = q + 1;
                        } else if (*p == '"') {
                                p++;
                                for (;;) {
                                        if (!*p)
                                                return -EINVAL;
                                        if (*p == '"')
                                                break;
                                        if (*p == '\\' && p[1] && strchr("\"\\$`", p[1]))
                                                p++;
                                        word[n++] = *p++;
                                }
                                p++;
                        } else if (*p == '\\') {
                                if (!p[1])
                                        return -EINVAL;
                                word[n++] = p[1];
                                p += 2;
                        } else
                                word[n++] = *p++;
                }
                int r = strv_consume(&argv, strndup(word, n));
                if (r < 0)
                        return r;
        }
        if (strv_length(argv) == 0)
                return -EINVAL;
        *ret_argv = TAKE_PTR(argv);
        return 0;
}

int berth_config_init_argv(const BerthConfig *c, char ***ret_argv) {
        return config_split_command(c && c->init_cmd ? c->init_cmd : "/sbin/init", ret_argv);
}

/* Mount entries: fstab fields with getmntent's octal escapes (\040 for a space). */

static int fstab_unescape(const char *s, size_t n, char **ret) {
        char *r = malloc(n + 1), *o = r;
        if (!r)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                if (s[i] == '\\' && i + 3 < n && s[i + 1] >= '0' && s[i + 1] <= '3' &&
                    s[i + 2] >= '0' && s[i + 2] <= '7' && s[i + 3] >= '0' && s[i + 3] <= '7' &&
                    /* \000 would cut the field short (an empty fstype, a truncated path): literal */
                    (s[i + 1] != '0' || s[i + 2] != '0' || s[i + 3] != '0')) {
                        *o++ = (char) ((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
                        i += 3;
                } else
                        *o++ = s[i];
        }
        *o = 0;
        *ret = r;
        return 0;
}

static char *fstab_escape(const char *s) {
        char *r = malloc(strlen(s) * 4 + 1), *o = r;
        if (!r)
                return NULL;
        for (; *s; s++)
                if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\\')
                        o += sprintf(o, "\\%03o", (unsigned char) *s);
                else
                        *o++ = *s;
        *o = 0;
        return r;
}

void config_mount_entry_done(BerthMountEntry *e) {
        free(e->source);
        free(e->target);
        free(e->fstype);
        free(e->options);
        free(e->data);
        *e = (BerthMountEntry) {};
}

static const struct {
        const char *name;
        bool clear;
        unsigned long flag;
} mount_flags[] = {
        { "defaults", false, 0 },         { "ro", false, MS_RDONLY },         { "rw", true, MS_RDONLY },
        { "nosuid", false, MS_NOSUID },   { "suid", true, MS_NOSUID },        { "nodev", false, MS_NODEV },
        { "dev", true, MS_NODEV },        { "noexec", false, MS_NOEXEC },     { "exec", true, MS_NOEXEC },
        { "sync", false, MS_SYNCHRONOUS }, { "async", true, MS_SYNCHRONOUS }, { "remount", false, MS_REMOUNT },
        { "mand", false, MS_MANDLOCK },   { "nomand", true, MS_MANDLOCK },    { "dirsync", false, MS_DIRSYNC },
        { "noatime", false, MS_NOATIME }, { "atime", true, MS_NOATIME },
        { "nodiratime", false, MS_NODIRATIME }, { "diratime", true, MS_NODIRATIME },
        { "bind", false, MS_BIND },       { "rbind", false, MS_BIND | MS_REC },
        { "relatime", false, MS_RELATIME }, { "norelatime", true, MS_RELATIME },
        { "strictatime", false, MS_STRICTATIME }, { "nostrictatime", true, MS_STRICTATIME },
        { "lazytime", false, MS_LAZYTIME }, { "nolazytime", true, MS_LAZYTIME },
        { "silent", false, MS_SILENT },   { "loud", true, MS_SILENT },
        /* fstab-only words the kernel never sees */
        { "auto", false, 0 },             { "noauto", false, 0 },             { "user", false, 0 },
        { "nouser", false, 0 },           { "users", false, 0 },              { "nofail", false, 0 },
        /* Propagation: the runtime applies these with a separate mount() call after the mount. */
        { "shared", false, MS_SHARED },   { "rshared", false, MS_SHARED | MS_REC },
        { "private", false, MS_PRIVATE }, { "rprivate", false, MS_PRIVATE | MS_REC },
        { "slave", false, MS_SLAVE },     { "rslave", false, MS_SLAVE | MS_REC },
        { "unbindable", false, MS_UNBINDABLE }, { "runbindable", false, MS_UNBINDABLE | MS_REC },
};

static int parse_mount_options(BerthMountEntry *e, char **ret_reason) {
        _cleanup_strv_free_ char **opts = NULL, **data = NULL;
        int r = strv_split(e->options, ",", &opts);
        if (r < 0)
                return r;
        STRV_FOREACH(o, opts) {
                bool found = false;
                for (size_t i = 0; i < ELEMENTSOF(mount_flags); i++)
                        if (streq(*o, mount_flags[i].name)) {
                                if (mount_flags[i].clear)
                                        e->flags &= ~mount_flags[i].flag;
                                else
                                        e->flags |= mount_flags[i].flag;
                                found = true;
                                break;
                        }
                if (found)
                        continue;
                const char *v = startswith(*o, "create=");
                if (v) {
                        if (streq(v, "dir"))
                                e->create_dir = true;
                        else if (streq(v, "file"))
                                e->create_file = true;
                        else {
                                if (asprintf(ret_reason, "invalid mount option '%s' (create=dir or create=file)",
                                             *o) < 0)
                                        return -ENOMEM;
                                return -EINVAL;
                        }
                } else if (streq(*o, "optional"))
                        e->optional = true;
                else {
                        /* Everything else is filesystem data (size=, mode=, uid=, ...). */
                        r = strv_extend(&data, *o);
                        if (r < 0)
                                return r;
                }
        }
        if (strv_length(data) > 0) {
                e->data = strv_join(data, ",");
                if (!e->data)
                        return -ENOMEM;
        }
        return 0;
}

int config_parse_mount_entry(const char *line, BerthMountEntry *ret, char **ret_reason) {
        static const char *const field_names[] = { "source", "target", "filesystem type" };
        const char *fields[6];
        size_t lens[6], n = 0;
        const char *p = line;

        *ret_reason = NULL;
        for (;;) {
                p += strspn(p, " \t");
                if (!*p)
                        break;
                if (n == ELEMENTSOF(fields)) {
                        if (asprintf(ret_reason, "too many fields in mount entry (expected: source target "
                                     "fstype options dump pass)") < 0)
                                return -ENOMEM;
                        return -EINVAL;
                }
                fields[n] = p;
                lens[n] = strcspn(p, " \t");
                p += lens[n++];
        }
        if (n < 3) {
                if (asprintf(ret_reason,
                             "mount entry lacks a %s (expected: source target fstype options dump pass)",
                             field_names[n]) < 0)
                        return -ENOMEM;
                return -EINVAL;
        }
        for (size_t i = 4; i < n; i++) {
                if (strspn(fields[i], "0123456789") != lens[i]) {
                        if (asprintf(ret_reason, "mount entry %s field '%.*s' is not a number",
                                     i == 4 ? "dump" : "pass", (int) lens[i], fields[i]) < 0)
                                return -ENOMEM;
                        return -EINVAL;
                }
        }

        _cleanup_(config_mount_entry_done) BerthMountEntry e = {};
        int r;
        if ((r = fstab_unescape(fields[0], lens[0], &e.source)) < 0 ||
            (r = fstab_unescape(fields[1], lens[1], &e.target)) < 0 ||
            (r = fstab_unescape(fields[2], lens[2], &e.fstype)) < 0)
                return r;
        if (n > 3)
                r = fstab_unescape(fields[3], lens[3], &e.options);
        else
                e.options = strdup("defaults");
        if (r < 0 || !e.options)
                return -ENOMEM;

        r = parse_mount_options(&e, ret_reason);
        if (r < 0)
                return r;
        if (e.create_dir && e.create_file) {
                if (asprintf(ret_reason, "mount entry has both create=dir and create=file") < 0)
                        return -ENOMEM;
                return -EINVAL;
        }
        if (!(e.flags & MS_BIND) && streq(e.fstype, "none")) {
                if (asprintf(ret_reason, "mount entry has filesystem type 'none' but is not a bind mount "
                             "(add 'bind' or 'rbind' to the options)") < 0)
                        return -ENOMEM;
                return -EINVAL;
        }
        *ret = e;
        e = (BerthMountEntry) {};
        return 0;
}

char *config_mount_entry_format(const BerthMountEntry *e) {
        _cleanup_free_ char *s = fstab_escape(e->source), *t = fstab_escape(e->target),
                            *f = fstab_escape(e->fstype), *o = fstab_escape(e->options);
        char *r;
        if (!s || !t || !f || !o)
                return NULL;
        if (asprintf(&r, "%s %s %s %s 0 0", s, t, f, o) < 0)
                return NULL;
        return r;
}
