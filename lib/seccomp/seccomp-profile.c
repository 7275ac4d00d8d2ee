/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mount.h>

#include "seccomp/seccomp-profile.h"
#include "util/fileio.h"
#include "util/strv.h"

/* errno values above this are not errnos: the kernel treats the return value as a pointer. */
#define SECCOMP_ERRNO_MAX 4095

/* Architecture sections LXC knows. An entry whose architecture this libseccomp lacks has token 0 and is
 * treated like any other foreign section: skipped. */
static const struct {
        const char *section;
        uint32_t arch;
} arch_sections[] = {
        { "x86",         SCMP_ARCH_X86 },
        { "x86_64",      SCMP_ARCH_X86_64 },
        { "x32",         SCMP_ARCH_X32 },
        { "arm",         SCMP_ARCH_ARM },
        { "arm64",       SCMP_ARCH_AARCH64 },
        { "ppc64le",     SCMP_ARCH_PPC64LE },
        { "ppc64",       SCMP_ARCH_PPC64 },
        { "ppc",         SCMP_ARCH_PPC },
        { "mips64",      SCMP_ARCH_MIPS64 },
        { "mips64n32",   SCMP_ARCH_MIPS64N32 },
        { "mips",        SCMP_ARCH_MIPS },
        { "mipsel64",    SCMP_ARCH_MIPSEL64 },
        { "mipsel64n32", SCMP_ARCH_MIPSEL64N32 },
        { "mipsel",      SCMP_ARCH_MIPSEL },
        { "s390x",       SCMP_ARCH_S390X },
        { "s390",        SCMP_ARCH_S390 },
#ifdef SCMP_ARCH_RISCV64
        { "riscv64",     SCMP_ARCH_RISCV64 },
#else
        { "riscv64",     0 },
#endif
#ifdef SCMP_ARCH_LOONGARCH64
        { "loongarch64", SCMP_ARCH_LOONGARCH64 },
#else
        { "loongarch64", 0 },
#endif
};

/* Section state meaning "inside a section for another architecture": its lines are skipped. */
#define ARCH_SKIP UINT32_MAX

static const struct {
        const char *name;
        const char *symbol;
        enum scmp_compare op;
} compare_ops[] = {
        { "SCMP_CMP_NE",        "!=", SCMP_CMP_NE },
        { "SCMP_CMP_LT",        "<",  SCMP_CMP_LT },
        { "SCMP_CMP_LE",        "<=", SCMP_CMP_LE },
        { "SCMP_CMP_EQ",        "==", SCMP_CMP_EQ },
        { "SCMP_CMP_GE",        ">=", SCMP_CMP_GE },
        { "SCMP_CMP_GT",        ">",  SCMP_CMP_GT },
        { "SCMP_CMP_MASKED_EQ", "&=", SCMP_CMP_MASKED_EQ },
};

size_t seccomp_compat_arches(uint32_t native, uint32_t ret[static 2]) {
        switch (native) {
        case SCMP_ARCH_X86_64:
                ret[0] = SCMP_ARCH_X86;
                ret[1] = SCMP_ARCH_X32;
                return 2;
        case SCMP_ARCH_AARCH64:
                ret[0] = SCMP_ARCH_ARM;
                return 1;
        case SCMP_ARCH_PPC64:
                ret[0] = SCMP_ARCH_PPC;
                return 1;
        case SCMP_ARCH_MIPS64:
                ret[0] = SCMP_ARCH_MIPS;
                ret[1] = SCMP_ARCH_MIPS64N32;
                return 2;
        case SCMP_ARCH_MIPSEL64:
                ret[0] = SCMP_ARCH_MIPSEL;
                ret[1] = SCMP_ARCH_MIPSEL64N32;
                return 2;
        case SCMP_ARCH_S390X:
                ret[0] = SCMP_ARCH_S390;
                return 1;
        default:
                return 0;
        }
}

const char *seccomp_arch_to_section(uint32_t arch) {
        if (arch == 0)
                return NULL;
        for (size_t i = 0; i < ELEMENTSOF(arch_sections); i++)
                if (arch_sections[i].arch == arch)
                        return arch_sections[i].section;
        return NULL;
}

const char *seccomp_action_to_string(uint32_t action, char buf[static 16]) {
        switch (action) {
        case SCMP_ACT_KILL_THREAD:
                return "kill";
        case SCMP_ACT_KILL_PROCESS:
                return "kill_process";
        case SCMP_ACT_TRAP:
                return "trap";
        case SCMP_ACT_NOTIFY:
                return "notify";
        case SCMP_ACT_LOG:
                return "log";
        case SCMP_ACT_ALLOW:
                return "allow";
        }
        if ((action & 0xffff0000U) == SCMP_ACT_ERRNO(0)) {
                snprintf(buf, 16, "errno %u", action & 0xffffU);
                return buf;
        }
        snprintf(buf, 16, "%#" PRIx32, action);
        return buf;
}

typedef struct Parser {
        const char *source;
        unsigned line;
        char **ret_error;
        SeccompProfile *profile;
} Parser;

/* "<source>:<line>: \"<token>\": <reason>" (or without the token), returns r. */
_printf_(4, 5) static int parser_error(Parser *ps, int r, const char *token, const char *fmt, ...) {
        if (!ps->ret_error)
                return r;

        _cleanup_free_ char *reason = NULL;
        va_list ap;
        va_start(ap, fmt);
        int k = vasprintf(&reason, fmt, ap);
        va_end(ap);
        if (k < 0)
                return r;

        char *m = NULL;
        if (token)
                k = asprintf(&m, "%s:%u: \"%s\": %s", ps->source, ps->line, token, reason);
        else
                k = asprintf(&m, "%s:%u: %s", ps->source, ps->line, reason);
        if (k >= 0)
                *ps->ret_error = m;
        return r;
}

_printf_(3, 4) static int parser_notice(Parser *ps, const char *token, const char *fmt, ...) {
        _cleanup_free_ char *reason = NULL;
        va_list ap;
        va_start(ap, fmt);
        int k = vasprintf(&reason, fmt, ap);
        va_end(ap);
        if (k < 0)
                return -ENOMEM;

        char *m = NULL;
        if (asprintf(&m, "%s:%u: \"%s\": %s", ps->source, ps->line, token, reason) < 0)
                return -ENOMEM;
        return strv_consume(&ps->profile->notices, m);
}

/* Unsigned decimal, or hexadecimal with 0x. A leading '-' wraps around like strtoull() (so -100 is
 * AT_FDCWD as a 64-bit value). */
static int parse_u64(const char *s, uint64_t *ret) {
        const char *digits = s[0] == '-' ? s + 1 : s;
        int base = 10;

        if (digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) {
                base = 16;
                digits += 2;
        }
        if (!isxdigit((unsigned char) digits[0]) || (base == 10 && !isdigit((unsigned char) digits[0])))
                return -EINVAL;

        char *end;
        errno = 0;
        unsigned long long v = strtoull(digits, &end, base);
        if (errno != 0 || *end != 0)
                return -EINVAL;
        *ret = s[0] == '-' ? -(uint64_t) v : (uint64_t) v;
        return 0;
}

static int parse_uint_max(const char *s, uint64_t max, uint64_t *ret) {
        uint64_t v;
        if (s[0] == '-' || parse_u64(s, &v) < 0)
                return -EINVAL;
        if (v > max)
                return -ERANGE;
        *ret = v;
        return 0;
}

/* Splits a line (comment already removed) into words and [..] comparisons; "a[0,1,==][1,2,==]" gives
 * three tokens. */
static int tokenize(Parser *ps, const char *line, char ***ret) {
        _cleanup_strv_free_ char **tokens = NULL;
        const char *p = line;
        int r;

        for (;;) {
                p += strspn(p, " \t");
                if (*p == 0)
                        break;

                size_t k;
                if (*p == '[') {
                        const char *close = strchr(p, ']');
                        if (!close)
                                return parser_error(ps, -EINVAL, p, "missing \"]\"");
                        k = close - p + 1;
                } else
                        k = strcspn(p, " \t[");

                r = strv_consume(&tokens, strndup(p, k));
                if (r < 0)
                        return r;
                p += k;
        }

        *ret = TAKE_PTR(tokens);
        return 0;
}

/* kill | errno N | allow | trap | notify | log, starting at tokens[*i]. */
static int parse_action(Parser *ps, char **tokens, size_t *i, uint32_t *ret) {
        const char *w = tokens[*i];

        if (streq(w, "kill"))
                *ret = SCMP_ACT_KILL;
        else if (streq(w, "allow"))
                *ret = SCMP_ACT_ALLOW;
        else if (streq(w, "trap"))
                *ret = SCMP_ACT_TRAP;
        else if (streq(w, "notify"))
                *ret = SCMP_ACT_NOTIFY;
        else if (streq(w, "log"))
                *ret = SCMP_ACT_LOG;
        else if (streq(w, "errno")) {
                const char *n = tokens[*i + 1];
                if (!n || n[0] == '[')
                        return parser_error(ps, -EINVAL, w, "missing the errno number");

                _cleanup_free_ char *token = NULL;
                if (asprintf(&token, "errno %s", n) < 0)
                        return -ENOMEM;

                uint64_t v;
                int r = parse_uint_max(n, SECCOMP_ERRNO_MAX, &v);
                if (r == -ERANGE)
                        return parser_error(ps, -EINVAL, token, "out of range (0-%d)", SECCOMP_ERRNO_MAX);
                if (r < 0)
                        return parser_error(ps, -EINVAL, token, "not a number");

                *ret = SCMP_ACT_ERRNO((uint16_t) v);
                (*i)++;
        } else if (streq(w, "debug"))
                return parser_error(ps, -EINVAL, w, "action not supported");
        else
                return parser_error(ps, -EINVAL, w,
                                    "unknown action (expected kill, errno N, allow, trap, notify or log)");

        (*i)++;
        return 0;
}

/* "[idx,value,op]" or "[idx,value,op,mask]". */
static int parse_comparison(Parser *ps, const char *token, struct scmp_arg_cmp *ret) {
        _cleanup_free_ char *inner = strndup(token + 1, strlen(token) - 2);
        if (!inner)
                return -ENOMEM;

        char *fields[5];
        size_t n = 0;
        for (char *p = inner;; ) {
                if (n == ELEMENTSOF(fields))
                        break;
                char *comma = strchr(p, ',');
                if (comma)
                        *comma = 0;
                /* trim */
                p += strspn(p, " \t");
                char *e = p + strlen(p);
                while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
                        *--e = 0;
                fields[n++] = p;
                if (!comma)
                        break;
                p = comma + 1;
        }
        if (n < 3 || n > 4)
                return parser_error(ps, -EINVAL, token, "expected [index,value,op] or [index,value,op,mask]");

        uint64_t idx, value, mask = 0;
        int r = parse_uint_max(fields[0], SECCOMP_PROFILE_ARGS_MAX - 1, &idx);
        if (r == -ERANGE)
                return parser_error(ps, -EINVAL, token, "argument index %s out of range (0-%d)",
                                    fields[0], SECCOMP_PROFILE_ARGS_MAX - 1);
        if (r < 0)
                return parser_error(ps, -EINVAL, token, "argument index \"%s\" is not a number", fields[0]);

        if (parse_u64(fields[1], &value) < 0)
                return parser_error(ps, -EINVAL, token, "value \"%s\" is not a number", fields[1]);

        const char *op_name = fields[2];
        enum scmp_compare op = _SCMP_CMP_MIN;
        for (size_t i = 0; i < ELEMENTSOF(compare_ops); i++)
                if (streq(op_name, compare_ops[i].name) || streq(op_name, compare_ops[i].symbol)) {
                        op = compare_ops[i].op;
                        break;
                }
        if (op == _SCMP_CMP_MIN)
                return parser_error(ps, -EINVAL, token,
                                    "unknown comparison \"%s\" (expected SCMP_CMP_NE/LT/LE/EQ/GE/GT/MASKED_EQ "
                                    "or != < <= == >= > &=)", op_name);

        if (op == SCMP_CMP_MASKED_EQ) {
                if (n != 4)
                        return parser_error(ps, -EINVAL, token, "%s needs a mask: [index,value,%s,mask]",
                                            op_name, op_name);
                if (parse_u64(fields[3], &mask) < 0)
                        return parser_error(ps, -EINVAL, token, "mask \"%s\" is not a number", fields[3]);
        } else if (n == 4)
                return parser_error(ps, -EINVAL, token, "a mask is only valid with SCMP_CMP_MASKED_EQ (&=)");

        /* libseccomp's masked compare is (arg & datum_a) == datum_b. */
        if (op == SCMP_CMP_MASKED_EQ)
                *ret = (struct scmp_arg_cmp) { .arg = idx, .op = op, .datum_a = mask, .datum_b = value };
        else
                *ret = (struct scmp_arg_cmp) { .arg = idx, .op = op, .datum_a = value };
        return 0;
}

static bool syscall_name_valid(const char *s) {
        if (isempty(s))
                return false;
        for (; *s; s++)
                if (!isalnum((unsigned char) *s) && *s != '_')
                        return false;
        return true;
}

static size_t target_arches(const SeccompProfile *p, uint32_t section, uint32_t ret[static 3]) {
        if (section != SECCOMP_PROFILE_ARCH_ALL) {
                ret[0] = section;
                return 1;
        }
        size_t n = 0;
        ret[n++] = p->native_arch;
        for (size_t i = 0; i < ELEMENTSOF(p->compat_arches) && p->compat_arches[i] != 0; i++)
                ret[n++] = p->compat_arches[i];
        return n;
}

static int profile_add_rule(SeccompProfile *p, SeccompRule *rule) {
        SeccompRule *n = reallocarray(p->rules, p->n_rules + 1, sizeof(SeccompRule));
        if (!n)
                return -ENOMEM;
        p->rules = n;
        p->rules[p->n_rules++] = *rule;
        *rule = (SeccompRule) {};
        return 0;
}

static bool rule_has_ordering(const SeccompRule *r) {
        for (unsigned i = 0; i < r->n_args; i++)
                if (r->args[i].op != SCMP_CMP_EQ && r->args[i].op != SCMP_CMP_MASKED_EQ)
                        return true;
        return false;
}

/* Keeps the rule unless it cannot have an effect here, which is recorded as a notice. */
static int parser_keep_rule(Parser *ps, SeccompRule *rule, const char *token) {
        SeccompProfile *p = ps->profile;
        char abuf[16];

        if (rule->action == p->default_action)
                /* libseccomp refuses these (EACCES), and they would change nothing. */
                return parser_notice(ps, token, "same action as the default (%s), ignored",
                                     seccomp_action_to_string(rule->action, abuf));

        if (rule->syscall) {
                uint32_t arches[3];
                size_t n = target_arches(p, rule->arch, arches);
                bool found = false;
                for (size_t i = 0; i < n && !found; i++)
                        found = seccomp_syscall_resolve_name_arch(arches[i], rule->syscall) >= 0;

                if (!found) {
                        if (seccomp_syscall_resolve_name(rule->syscall) == __NR_SCMP_ERROR)
                                return parser_notice(ps, token, "unknown syscall, skipped");

                        _cleanup_free_ char *names = NULL;
                        for (size_t i = 0; i < n; i++) {
                                char *j = NULL;
                                const char *a = strna(seccomp_arch_to_section(arches[i]));
                                if (asprintf(&j, "%s%s%s", strempty(names), names ? ", " : "", a) < 0)
                                        return -ENOMEM;
                                free(names);
                                names = j;
                        }
                        return parser_notice(ps, token, "no such syscall on %s, skipped", names);
                }
        }

        /* libseccomp 2.5.4 (Debian 12) loops forever building a filter with two argument rules for one
         * syscall when either uses an ordering comparison (!= < <= >= >); the start would hang in the
         * container's child. Refuse such a profile with the reason instead (found by fuzz-seccomp-profile). */
        if (rule->n_args > 0)
                for (size_t i = 0; i < p->n_rules; i++) {
                        const SeccompRule *o = p->rules + i;
                        bool same = rule->syscall ? streq_ptr(o->syscall, rule->syscall) :
                                                    (!o->syscall && o->nr == rule->nr);
                        if (!same || o->n_args == 0 ||
                            !(o->arch == rule->arch || o->arch == SECCOMP_PROFILE_ARCH_ALL ||
                              rule->arch == SECCOMP_PROFILE_ARCH_ALL))
                                continue;
                        if (rule_has_ordering(rule) || rule_has_ordering(o))
                                return parser_error(ps, -EINVAL, token,
                                                    "a second argument rule for this syscall (line %u) with "
                                                    "!=, <, <=, >= or > is not supported: libseccomp cannot "
                                                    "build it; use == comparisons or one rule", o->line);
                }

        if (rule->action == SCMP_ACT_NOTIFY)
                p->wants_notify = true;
        return profile_add_rule(p, rule);
}

static int parse_section(Parser *ps, char **tokens, uint32_t *section) {
        const char *t = tokens[0];

        if (tokens[1])
                return parser_error(ps, -EINVAL, tokens[1], "unexpected text after the architecture section");

        _cleanup_free_ char *name = strndup(t + 1, strlen(t) - 2);
        if (!name)
                return -ENOMEM;

        if (strcasecmp(name, "all") == 0) {
                *section = SECCOMP_PROFILE_ARCH_ALL;
                return 0;
        }

        for (size_t i = 0; i < ELEMENTSOF(arch_sections); i++) {
                if (strcasecmp(name, arch_sections[i].section) != 0)
                        continue;

                uint32_t a = arch_sections[i].arch, targets[3];
                size_t n = target_arches(ps->profile, SECCOMP_PROFILE_ARCH_ALL, targets);
                for (size_t j = 0; a != 0 && j < n; j++)
                        if (targets[j] == a) {
                                *section = a;
                                return 0;
                        }

                *section = ARCH_SKIP;
                return parser_notice(ps, t, "not this architecture (%s), section skipped",
                                     strna(seccomp_arch_to_section(ps->profile->native_arch)));
        }

        return parser_error(ps, -EINVAL, t, "unknown architecture section");
}

static int parse_rule(Parser *ps, char **tokens, uint32_t section) {
        SeccompProfile *p = ps->profile;
        const char *name = tokens[0];
        int r;

        _cleanup_free_ char *syscall = NULL;
        SeccompRule rule = {
                .arch = section,
                .line = ps->line,
        };

        if (streq(name, "reject_force_umount")) {
                if (tokens[1])
                        return parser_error(ps, -EINVAL, tokens[1], "unexpected text after reject_force_umount");

                /* As LXC: umount2(target, flags & MNT_FORCE) fails with EACCES, so a container cannot
                 * force-unmount a filesystem it shares with the host. */
                syscall = strdup("umount2");
                if (!syscall)
                        return -ENOMEM;
                rule.action = SCMP_ACT_ERRNO(EACCES);
                rule.n_args = 1;
                rule.args[0] = SCMP_A1(SCMP_CMP_MASKED_EQ, MNT_FORCE, MNT_FORCE);
                rule.syscall = syscall;
                r = parser_keep_rule(ps, &rule, name);
                if (r >= 0 && !rule.syscall)    /* taken */
                        TAKE_PTR(syscall);
                return r;
        }

        if (!syscall_name_valid(name))
                return parser_error(ps, -EINVAL, name, "not a syscall name");

        /* Denylists kill what they name, allowlists allow it, unless the rule says otherwise. */
        rule.action = p->denylist ? SCMP_ACT_KILL : SCMP_ACT_ALLOW;

        size_t i = 1;
        if (tokens[i] && tokens[i][0] != '[') {
                r = parse_action(ps, tokens, &i, &rule.action);
                if (r < 0)
                        return r;
        }

        for (; tokens[i]; i++) {
                const char *t = tokens[i];

                if (t[0] != '[')
                        return parser_error(ps, -EINVAL, t, rule.n_args > 0 ?
                                            "unexpected text (the action comes before the argument comparisons)" :
                                            "unexpected text after the action");
                if (rule.n_args >= SECCOMP_PROFILE_ARGS_MAX)
                        return parser_error(ps, -EINVAL, t, "too many argument comparisons (at most %d)",
                                            SECCOMP_PROFILE_ARGS_MAX);

                struct scmp_arg_cmp c;
                r = parse_comparison(ps, t, &c);
                if (r < 0)
                        return r;

                /* libseccomp cannot compare one argument twice in a rule (EINVAL at build time). */
                for (unsigned k = 0; k < rule.n_args; k++)
                        if (rule.args[k].arg == c.arg)
                                return parser_error(ps, -EINVAL, t,
                                                    "argument %u is already compared in this rule", c.arg);

                rule.args[rule.n_args++] = c;
        }

        syscall = strdup(name);
        if (!syscall)
                return -ENOMEM;
        rule.syscall = syscall;
        r = parser_keep_rule(ps, &rule, name);
        if (r >= 0 && !rule.syscall)    /* taken */
                TAKE_PTR(syscall);
        return r;
}

static int parse_v1_line(Parser *ps, char **tokens) {
        uint64_t nr;

        if (tokens[1])
                return parser_error(ps, -EINVAL, tokens[1], "unexpected text (version 1 profiles list one "
                                    "syscall number per line)");
        if (parse_uint_max(tokens[0], INT32_MAX, &nr) < 0)
                return parser_error(ps, -EINVAL, tokens[0], "not a syscall number");

        SeccompRule rule = {
                .nr = (int) nr,
                .action = SCMP_ACT_ALLOW,
                .arch = ps->profile->native_arch,
                .line = ps->line,
        };
        return profile_add_rule(ps->profile, &rule);
}

static int parse_policy(Parser *ps, char **tokens) {
        SeccompProfile *p = ps->profile;
        const char *w = tokens[0];

        if (streq(w, "denylist") || streq(w, "blacklist"))
                p->denylist = true;
        else if (streq(w, "allowlist") || streq(w, "whitelist"))
                p->denylist = false;
        else
                return parser_error(ps, -EINVAL, w, "unknown policy (expected allowlist or denylist)");

        /* A denylist allows what it does not name; an allowlist kills it. */
        p->default_action = p->denylist ? SCMP_ACT_ALLOW : SCMP_ACT_KILL;

        size_t i = 1;
        if (tokens[i]) {
                int r = parse_action(ps, tokens, &i, &p->default_action);
                if (r < 0)
                        return r;
                if (tokens[i])
                        return parser_error(ps, -EINVAL, tokens[i], "unexpected text after the default action");
        }
        if (p->default_action == SCMP_ACT_NOTIFY)
                p->wants_notify = true;
        return 0;
}

/* Cuts the comment, trailing '\r' and surrounding blanks in place; returns the start. */
static char *strip_line(char *l) {
        char *hash = strchr(l, '#');
        if (hash)
                *hash = 0;
        l += strspn(l, " \t\r");
        char *e = l + strlen(l);
        while (e > l && strchr(" \t\r", e[-1]))
                *--e = 0;
        return l;
}

int seccomp_profile_parse_string_for_arch(
                const char *text,
                const char *name,
                uint32_t native_arch,
                SeccompProfile **ret,
                char **ret_error) {

        _cleanup_seccomp_profile_free_ SeccompProfile *p = NULL;
        _cleanup_free_ char *copy = NULL;
        uint32_t section = SECCOMP_PROFILE_ARCH_ALL;
        bool have_policy = false;
        int r;

        if (!text || !ret)
                return -EINVAL;
        if (!name)
                name = "seccomp profile";

        p = calloc(1, sizeof(SeccompProfile));
        if (!p)
                return -ENOMEM;
        p->source = strdup(name);
        copy = strdup(text);
        if (!p->source || !copy)
                return -ENOMEM;
        p->native_arch = native_arch;
        seccomp_compat_arches(native_arch, p->compat_arches);

        Parser ps = {
                .source = p->source,
                .ret_error = ret_error,
                .profile = p,
        };

        for (char *next = copy; next; ) {
                char *l = next;
                next = strchr(l, '\n');
                if (next)
                        *next++ = 0;
                ps.line++;

                l = strip_line(l);
                if (isempty(l))
                        continue;

                if (p->version == 0) {
                        if (streq(l, "1"))
                                p->version = 1;
                        else if (streq(l, "2"))
                                p->version = 2;
                        else
                                return parser_error(&ps, -EINVAL, l,
                                                    "unsupported profile version (expected 1 or 2)");
                        if (p->version == 1) {
                                /* An allowlist of numbers. */
                                p->default_action = SCMP_ACT_KILL;
                                have_policy = true;
                        }
                        continue;
                }

                _cleanup_strv_free_ char **tokens = NULL;
                r = tokenize(&ps, l, &tokens);
                if (r < 0)
                        return r;

                if (!have_policy) {
                        r = parse_policy(&ps, tokens);
                        if (r < 0)
                                return r;
                        have_policy = true;
                        continue;
                }

                if (p->version == 1) {
                        r = parse_v1_line(&ps, tokens);
                        if (r < 0)
                                return r;
                        continue;
                }

                if (tokens[0][0] == '[') {
                        r = parse_section(&ps, tokens, &section);
                        if (r < 0)
                                return r;
                        continue;
                }

                if (section == ARCH_SKIP)
                        continue;

                r = parse_rule(&ps, tokens, section);
                if (r < 0)
                        return r;
        }

        if (p->version == 0) {
                ps.line = 1;
                return parser_error(&ps, -EINVAL, NULL, "empty profile (the first line is the version, 1 or 2)");
        }
        if (!have_policy)
                return parser_error(&ps, -EINVAL, NULL, "missing the policy line (allowlist or denylist)");

        *ret = TAKE_PTR(p);
        return 0;
}

int seccomp_profile_parse_string(const char *text, const char *name, SeccompProfile **ret, char **ret_error) {
        return seccomp_profile_parse_string_for_arch(text, name, seccomp_arch_native(), ret, ret_error);
}

int seccomp_profile_parse_file(const char *path, SeccompProfile **ret, char **ret_error) {
        _cleanup_free_ char *text = NULL;
        size_t size;
        int r;

        if (!path || !ret)
                return -EINVAL;

        r = read_full_file(path, &text, &size);
        if (r < 0) {
                if (ret_error && asprintf(ret_error, "%s: cannot read the seccomp profile: %s",
                                          path, strerror(-r)) < 0)
                        *ret_error = NULL;
                return r;
        }
        if (memchr(text, 0, size)) {
                if (ret_error && asprintf(ret_error, "%s: not a text file", path) < 0)
                        *ret_error = NULL;
                return -EINVAL;
        }

        return seccomp_profile_parse_string(text, path, ret, ret_error);
}

SeccompProfile *seccomp_profile_free(SeccompProfile *p) {
        if (!p)
                return NULL;
        for (size_t i = 0; i < p->n_rules; i++)
                free(p->rules[i].syscall);
        free(p->rules);
        free(p->source);
        strv_free(p->notices);
        return mfree(p);
}
