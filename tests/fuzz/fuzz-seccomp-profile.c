/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* LXC seccomp profiles (seccomp_profile_parse_string*), for the native architecture and as if on
 * x86_64 and arm64 (different section and compat handling). A profile that parses is also compiled into
 * a libseccomp filter (seccomp_profile_build; nothing is loaded into the kernel).
 *
 * libseccomp 2.5.4 (Debian 12) loops forever in seccomp_rule_add() when a syscall gets a second rule and
 * the rules compare with anything but == (e.g. "ioctl [1,0x5401,==] [0,3,!=]" and "ioctl [2,0x5401,==]
 * [0,3,!=]"; corpus/fuzz-seccomp-profile/libseccomp-hang-ne): such profiles are parsed but not built.
 *
 * Invariants: 0 or -EINVAL (never another error for text), an error message iff it failed, a parsed
 * profile is version 1 or 2, has at most 6 comparisons per rule and only rules of its architectures. */

#include <errno.h>
#include <seccomp.h>

#include "fuzz.h"
#include "seccomp/seccomp-load.h"
#include "seccomp/seccomp-profile.h"
#include "util/macro.h"

static void check_profile(const SeccompProfile *p) {
        fuzz_assert(p->version == 1 || p->version == 2, "version %u", p->version);
        for (size_t i = 0; i < p->n_rules; i++) {
                const SeccompRule *rule = &p->rules[i];
                fuzz_assert(rule->n_args <= SECCOMP_PROFILE_ARGS_MAX, "rule %zu has %u args", i, rule->n_args);
                fuzz_assert(rule->arch == SECCOMP_PROFILE_ARCH_ALL || rule->arch == p->native_arch ||
                            rule->arch == p->compat_arches[0] || rule->arch == p->compat_arches[1],
                            "rule %zu (line %u) for foreign arch %#x", i, rule->line, rule->arch);
                fuzz_assert(p->version == 1 || rule->syscall, "version 2 rule %zu without a name", i);
                char buf[16];
                fuzz_assert(seccomp_action_to_string(rule->action, buf), "rule %zu: action %#x", i,
                            rule->action);
        }
}

static bool hangs_libseccomp(const SeccompProfile *p) {
        for (size_t i = 0; i < p->n_rules; i++)
                for (size_t j = i + 1; j < p->n_rules; j++) {
                        const SeccompRule *a = &p->rules[i], *b = &p->rules[j];
                        if (a->nr != b->nr || !fuzz_streq_null(a->syscall, b->syscall))
                                continue;
                        for (unsigned k = 0; k < a->n_args + b->n_args; k++) {
                                enum scmp_compare op = k < a->n_args ? a->args[k].op : b->args[k - a->n_args].op;
                                if (op != SCMP_CMP_EQ && op != SCMP_CMP_MASKED_EQ)
                                        return true;
                        }
                }
        return false;
}

static void parse_one(const char *text, uint32_t arch) {
        _cleanup_seccomp_profile_free_ SeccompProfile *p = NULL;
        _cleanup_free_ char *error = NULL;
        int r;

        if (arch == 0)
                r = seccomp_profile_parse_string(text, "fuzz.seccomp", &p, &error);
        else
                r = seccomp_profile_parse_string_for_arch(text, "fuzz.seccomp", arch, &p, &error);
        fuzz_assert(r == 0 || r == -EINVAL, "parse returned %d", r);
        fuzz_assert((r == 0) == !!p, "parse returned %d, profile %p", r, (void *) p);
        fuzz_assert((r == 0) == !error, "parse returned %d, error '%s'", r, strempty(error));
        if (r < 0)
                return;
        check_profile(p);
        if (hangs_libseccomp(p))
                return;

        scmp_filter_ctx ctx = NULL;
        _cleanup_free_ char *build_error = NULL;
        r = seccomp_profile_build(p, &ctx, &build_error);
        fuzz_assert(r >= 0 || r == -ENOMEM || build_error, "build returned %d without a message", r);
        if (r >= 0)
                seccomp_release(ctx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_free_ char *text = fuzz_text(data, size);

        parse_one(text, 0);
        parse_one(text, SCMP_ARCH_X86_64);
        parse_one(text, SCMP_ARCH_AARCH64);
        return 0;
}
