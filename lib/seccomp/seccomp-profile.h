/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* LXC seccomp profiles (`lxc.seccomp.profile`, issue 5, lxc-semantics.md §6-7) parsed into an in-memory
 * rule list. Compiling the list into a libseccomp filter and loading it is seccomp-load.h.
 *
 * Format version 1: the line "1", then one syscall number per line; an allowlist (default kill).
 * Format version 2: the line "2", then the policy line
 *         allowlist|denylist|whitelist|blacklist [default action]
 * then rules, one per line:
 *         <syscall> [action] [idx,value,op(,mask)]...     (at most 6 comparisons, idx 0-5)
 *         reject_force_umount                             (umount2 with MNT_FORCE → errno EACCES)
 *         [x86_64] / [x86] / [all] / [arm64] / ...        (sections: rules for one architecture)
 * Actions: kill, errno N (0-4095), allow, trap, notify, log. op: SCMP_CMP_{NE,LT,LE,EQ,GE,GT,MASKED_EQ}
 * or != < <= == >= > &= (&= needs the mask: (arg & mask) == value). '#' starts a comment anywhere.
 * A denylist defaults to allow with rules that kill; an allowlist defaults to kill with rules that allow.
 *
 * Like LXC, rules before any section and in [all] apply to the native architecture and its compat ones
 * (x86_64: x86 and x32; arm64: arm; ...), sections for other architectures are skipped, and unknown
 * syscall names are skipped: each skip is recorded in `notices` (library code does not print). Errors
 * are "<file>:<line>: \"<token>\": <reason>". */

#include <seccomp.h>
#include <stdbool.h>
#include <stdint.h>

#include "util/macro.h"

#define SECCOMP_PROFILE_ARGS_MAX 6

/* Section value of rules that apply to the native architecture and its compat ones. */
#define SECCOMP_PROFILE_ARCH_ALL 0U

typedef struct SeccompRule {
        char *syscall;          /* the name as written; NULL for version 1 rules, which give `nr` */
        int nr;                 /* version 1 only: the number on the profile's native architecture */
        uint32_t action;        /* SCMP_ACT_* */
        uint32_t arch;          /* SCMP_ARCH_* of its section, or SECCOMP_PROFILE_ARCH_ALL */
        unsigned n_args;
        struct scmp_arg_cmp args[SECCOMP_PROFILE_ARGS_MAX];
        unsigned line;          /* for messages */
} SeccompRule;

typedef struct SeccompProfile {
        char *source;           /* file name used in messages */
        unsigned version;       /* 1 or 2 */
        bool denylist;
        uint32_t default_action;        /* SCMP_ACT_* */
        uint32_t native_arch;           /* SCMP_ARCH_* the profile was parsed for */
        uint32_t compat_arches[2];      /* 0-terminated unless both are used */
        SeccompRule *rules;             /* only the rules that apply here: skipped ones are not stored */
        size_t n_rules;
        bool wants_notify;      /* some rule (or the default) is `notify`: loading creates a listener */
        char **notices;         /* strv: "<file>:<line>: \"<token>\": <why it was skipped>" */
} SeccompProfile;

/* All return 0 or a negative errno (-EINVAL for syntax errors, the read error for files), with
 * *ret_error (if non-NULL; caller frees) naming file, line and token. *ret and *ret_error are only set
 * when the call returns, on success and failure respectively; *ret_error may stay NULL on -ENOMEM. */
int seccomp_profile_parse_file(const char *path, SeccompProfile **ret, char **ret_error);
/* name: what messages call the text, e.g. "common.seccomp". */
int seccomp_profile_parse_string(const char *text, const char *name, SeccompProfile **ret, char **ret_error);
/* As if running on native_arch (an SCMP_ARCH_* token): lets tests compile profiles for x86_64 or arm64
 * on any host. Such a profile can be built and exported, but seccomp_profile_load() refuses it. */
int seccomp_profile_parse_string_for_arch(
                const char *text,
                const char *name,
                uint32_t native_arch,
                SeccompProfile **ret,
                char **ret_error);

SeccompProfile *seccomp_profile_free(SeccompProfile *p);
DEFINE_TRIVIAL_CLEANUP_FUNC(SeccompProfile *, seccomp_profile_free);
#define _cleanup_seccomp_profile_free_ _cleanup_(seccomp_profile_freep)

/* Helpers shared with seccomp-load.c and the tests. */

/* The compat architectures whose rules LXC also compiles for `native` (x86_64 → x86, x32; arm64 → arm;
 * ppc64 → ppc; mips64 → mips, mips64n32; mipsel64 → mipsel, mipsel64n32; s390x → s390). Returns how
 * many (0-2) were written to ret[2]. */
size_t seccomp_compat_arches(uint32_t native, uint32_t ret[static 2]);
/* The LXC section name of an architecture ("x86_64", "arm64", ...), or NULL. */
const char *seccomp_arch_to_section(uint32_t arch);
/* "kill", "errno 1", "allow", "trap", "notify", "log"; buf must hold 16 bytes. */
const char *seccomp_action_to_string(uint32_t action, char buf[static 16]);
