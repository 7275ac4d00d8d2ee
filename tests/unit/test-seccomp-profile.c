/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* LXC seccomp profiles (lib/seccomp): every syntax element and error of the parser, the compiled filter
 * compared with golden pseudo filter code (seccomp_export_pfc) for x86_64 and arm64 whatever the host,
 * and the real effect of loading in forked children (no root: they set no_new_privs): a denylist rule,
 * allow_nesting 0 vs 1 on top of an outer filter, a notify listener and nested notify (EBUSY).
 *
 * Arguments: the golden directory (tests/unit/seccomp) and data/seccomp/common.seccomp.
 * BERTH_UPDATE_GOLDEN=1 rewrites the golden files instead of comparing (review the diff!). */

#include <fcntl.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "seccomp/seccomp-load.h"
#include "seccomp/seccomp-profile.h"
#include "tap.h"
#include "util/fd-util.h"
#include "util/fileio.h"
#include "util/strv.h"

static const char *golden_dir = "tests/unit/seccomp";
static const char *common_path = "data/seccomp/common.seccomp";

/* libseccomp's priority hints depend on its internal weighting, not on the profile: drop them. */
static void normalise_pfc(char *s) {
        char *p;
        while ((p = strstr(s, " [priority: "))) {
                char *e = strchr(p, ']');
                if (!e)
                        break;
                memmove(p, e + 1, strlen(e + 1) + 1);
        }
}

/* Parse for arch, build, export: the pseudo filter code, or NULL (and a failed check). */
static char *pfc_for(const char *text, uint32_t arch) {
        _cleanup_seccomp_profile_free_ SeccompProfile *p = NULL;
        _cleanup_seccomp_release_ scmp_filter_ctx ctx = NULL;
        _cleanup_free_ char *err = NULL;
        char *pfc = NULL;

        int r = seccomp_profile_parse_string_for_arch(text, "t.seccomp", arch, &p, &err);
        if (r < 0) {
                TAP_EQ_STR(err, "(none)", "parse succeeds");
                return NULL;
        }
        r = seccomp_profile_build(p, &ctx, &err);
        if (r < 0) {
                TAP_EQ_STR(err, "(none)", "build succeeds");
                return NULL;
        }
        r = seccomp_filter_export_pfc(ctx, &pfc);
        if (r < 0) {
                TAP_EQ_INT(r, 0, "export_pfc");
                return NULL;
        }
        normalise_pfc(pfc);
        return pfc;
}

static void check_golden(const char *name, const char *pfc) {
        _cleanup_free_ char *path = NULL, *expected = NULL;

        if (!pfc) {
                TAP_OK(false, "golden %s: no filter", name);
                return;
        }
        if (asprintf(&path, "%s/%s", golden_dir, name) < 0)
                abort();

        if (getenv("BERTH_UPDATE_GOLDEN")) {
                TAP_EQ_INT(write_file_atomic(path, pfc, strlen(pfc), 0644), 0, "golden %s rewritten", name);
                return;
        }

        int r = read_full_file(path, &expected, NULL);
        if (r < 0) {
                TAP_EQ_INT(r, 0, "golden %s readable", name);
                return;
        }

        bool same = streq(expected, pfc);
        if (!same) {
                /* Show the first line that differs. */
                const char *a = expected, *b = pfc;
                unsigned line = 1;
                while (*a && *a == *b) {
                        if (*a == '\n')
                                line++;
                        a++, b++;
                }
                TAP_DIAG("%s differs at line %u: expected \"%.60s\", got \"%.60s\"", name, line, a, b);
        }
        TAP_OK(same, "filter matches golden %s", name);
}

static void golden(const char *name, const char *text, uint32_t arch) {
        _cleanup_free_ char *pfc = pfc_for(text, arch);
        check_golden(name, pfc);
}

static void same_filter(const char *a, const char *b, const char *what) {
        _cleanup_free_ char *pa = pfc_for(a, SCMP_ARCH_X86_64), *pb = pfc_for(b, SCMP_ARCH_X86_64);
        TAP_OK(pa && pb && streq(pa, pb), "%s", what);
}

static SeccompProfile *parse_ok(const char *text, uint32_t arch) {
        SeccompProfile *p = NULL;
        _cleanup_free_ char *err = NULL;
        int r = seccomp_profile_parse_string_for_arch(text, "t.seccomp", arch, &p, &err);
        if (r < 0)
                TAP_EQ_STR(err, "(none)", "parses");
        return p;
}

static void test_common_profile(void) {
        _cleanup_seccomp_profile_free_ SeccompProfile *p = NULL;
        _cleanup_free_ char *err = NULL, *text = NULL;

        TAP_EQ_INT(seccomp_profile_parse_file(common_path, &p, &err), 0, "common.seccomp parses");
        TAP_OK(!err, "no error for common.seccomp: %s", strna(err));
        if (!p)
                return;
        TAP_EQ_INT(p->version, 2, "common.seccomp is version 2");
        TAP_OK(p->denylist, "common.seccomp is a denylist");
        TAP_EQ_INT(p->default_action, SCMP_ACT_ALLOW, "denylist default action: allow");
        TAP_EQ_INT(p->n_rules, 6, "reject_force_umount + 5 rules");
        TAP_EQ_INT(strv_length(p->notices), 0, "no notices");
        TAP_OK(!p->wants_notify, "no notify in common.seccomp");
        TAP_EQ_STR(p->source, common_path, "messages name the file as given");
        if (p->n_rules == 6) {
                TAP_EQ_STR(p->rules[0].syscall, "umount2", "reject_force_umount is a umount2 rule");
                TAP_EQ_INT(p->rules[0].action, SCMP_ACT_ERRNO(EACCES), "… failing with EACCES");
                TAP_EQ_INT(p->rules[0].n_args, 1, "… on one argument");
                TAP_EQ_INT(p->rules[0].args[0].arg, 1, "… the flags");
                TAP_EQ_INT(p->rules[0].args[0].op, SCMP_CMP_MASKED_EQ, "… masked with");
                TAP_EQ_INT(p->rules[0].args[0].datum_a, MNT_FORCE, "… MNT_FORCE");
                TAP_EQ_STR(p->rules[5].syscall, "delete_module", "last rule: delete_module");
                TAP_EQ_INT(p->rules[5].action, SCMP_ACT_ERRNO(1), "… errno 1");
                TAP_EQ_INT(p->rules[5].line, 11, "… on line 11");
        }

        TAP_EQ_INT(read_full_file(common_path, &text, NULL), 0, "read common.seccomp");
        if (text) {
                golden("common-x86_64.pfc", text, SCMP_ARCH_X86_64);
                golden("common-arm64.pfc", text, SCMP_ARCH_AARCH64);
        }
}

static void test_v1(void) {
        _cleanup_seccomp_profile_free_ SeccompProfile *p = parse_ok("1\n0\n1\n# exit\n60\n\n231\n", SCMP_ARCH_X86_64);

        if (p) {
                TAP_EQ_INT(p->version, 1, "v1: version");
                TAP_OK(!p->denylist, "v1: an allowlist");
                TAP_EQ_INT(p->default_action, SCMP_ACT_KILL, "v1: default kill");
                TAP_EQ_INT(p->n_rules, 4, "v1: four numbers");
                TAP_EQ_INT(p->rules[2].nr, 60, "v1: third number");
                TAP_EQ_INT(p->rules[2].line, 5, "v1: line numbers count comments");
                TAP_EQ_INT(p->rules[2].action, SCMP_ACT_ALLOW, "v1: rules allow");
        }
        golden("v1-x86_64.pfc", "1\n0\n1\n60\n231\n", SCMP_ARCH_X86_64);
        /* The numbers are the native architecture's: on arm64 63 is read and 93 exit. */
        golden("v1-arm64.pfc", "1\n63\n93\n", SCMP_ARCH_AARCH64);
}

static void test_policies(void) {
        same_filter("2\nwhitelist\nread\n", "2\nallowlist\nread\n", "whitelist is allowlist");
        same_filter("2\nblacklist\nmount\n", "2\ndenylist\nmount\n", "blacklist is denylist");

        static const struct {
                const char *line;
                uint32_t action;
                bool denylist;
        } defaults[] = {
                { "denylist",           SCMP_ACT_ALLOW,     true },
                { "allowlist",          SCMP_ACT_KILL,      false },
                { "denylist kill",      SCMP_ACT_KILL,      true },
                { "allowlist errno 38", SCMP_ACT_ERRNO(38), false },
                { "allowlist allow",    SCMP_ACT_ALLOW,     false },
                { "allowlist trap",     SCMP_ACT_TRAP,      false },
                { "allowlist notify",   SCMP_ACT_NOTIFY,    false },
                { "allowlist log",      SCMP_ACT_LOG,       false },
                { "denylist errno 0x1", SCMP_ACT_ERRNO(1),  true },
        };
        for (size_t i = 0; i < ELEMENTSOF(defaults); i++) {
                _cleanup_free_ char *text = NULL;
                if (asprintf(&text, "2\n%s\n", defaults[i].line) < 0)
                        abort();
                _cleanup_seccomp_profile_free_ SeccompProfile *p = parse_ok(text, SCMP_ARCH_X86_64);
                TAP_OK(p && p->default_action == defaults[i].action && p->denylist == defaults[i].denylist,
                       "policy line \"%s\"", defaults[i].line);
                TAP_OK(p && p->wants_notify == (defaults[i].action == SCMP_ACT_NOTIFY),
                       "wants_notify for \"%s\"", defaults[i].line);
        }

        /* Rule actions default to the opposite of the policy. */
        _cleanup_seccomp_profile_free_ SeccompProfile *d = parse_ok("2\ndenylist\nmount\n", SCMP_ARCH_X86_64);
        TAP_OK(d && d->n_rules == 1 && d->rules[0].action == SCMP_ACT_KILL, "denylist rules kill");
        _cleanup_seccomp_profile_free_ SeccompProfile *a = parse_ok("2\nallowlist\nread\n", SCMP_ARCH_X86_64);
        TAP_OK(a && a->n_rules == 1 && a->rules[0].action == SCMP_ACT_ALLOW, "allowlist rules allow");

        golden("allowlist-x86_64.pfc",
               "2\r\nallowlist errno 38\r\n  read  \r\nwrite # trailing comment\r\nexit_group\r\n"
               "rt_sigreturn\r\n",
               SCMP_ARCH_X86_64);
}

static void test_actions(void) {
        const char *text =
                "2\n"
                "denylist\n"
                "mount\n"
                "umount2 kill\n"
                "chdir errno 13\n"
                "fchdir trap\n"
                "mkdir notify\n"
                "rmdir log\n"
                "reboot errno 0\n"
                "syslog allow\n";
        _cleanup_seccomp_profile_free_ SeccompProfile *p = parse_ok(text, SCMP_ARCH_X86_64);

        if (p) {
                TAP_EQ_INT(p->n_rules, 7, "the allow rule equals the default and is dropped");
                TAP_OK(p->wants_notify, "a notify rule sets wants_notify");
                TAP_EQ_INT(strv_length(p->notices), 1, "one notice");
                TAP_EQ_STR(p->notices ? p->notices[0] : NULL,
                           "t.seccomp:10: \"syslog\": same action as the default (allow), ignored",
                           "notice for a rule with the default action");
        }
        if (seccomp_notify_supported())
                golden("actions-x86_64.pfc", text, SCMP_ARCH_X86_64);
        else
                TAP_SKIP("no seccomp user notification here (old kernel, or valgrind): notify rules cannot be built");
}

static void test_comparisons(void) {
        static const char *ops[][2] = {
                { "SCMP_CMP_NE", "!=" },
                { "SCMP_CMP_LT", "<" },
                { "SCMP_CMP_LE", "<=" },
                { "SCMP_CMP_EQ", "==" },
                { "SCMP_CMP_GE", ">=" },
                { "SCMP_CMP_GT", ">" },
        };
        for (size_t i = 0; i < ELEMENTSOF(ops); i++) {
                _cleanup_free_ char *a = NULL, *b = NULL;
                if (asprintf(&a, "2\ndenylist\nmount errno 1 [2,0x10,%s]\n", ops[i][0]) < 0 ||
                    asprintf(&b, "2\ndenylist\nmount errno 1 [ 2 , 16 , %s ]\n", ops[i][1]) < 0)
                        abort();
                same_filter(a, b, ops[i][0]);

                _cleanup_seccomp_profile_free_ SeccompProfile *p = parse_ok(b, SCMP_ARCH_X86_64);
                TAP_OK(p && p->n_rules == 1 && p->rules[0].n_args == 1 && p->rules[0].args[0].arg == 2 &&
                       p->rules[0].args[0].datum_a == 16, "%s: index and value", ops[i][1]);
        }
        same_filter("2\ndenylist\nmount errno 1 [3,4,SCMP_CMP_MASKED_EQ,12]\n",
                    "2\ndenylist\nmount errno 1 [3,4,&=,12]\n", "SCMP_CMP_MASKED_EQ is &=");

        /* Masked compare: (arg & mask) == value. */
        _cleanup_free_ char *m = pfc_for("2\ndenylist\nmount errno 1 [3,4,&=,12]\n", SCMP_ARCH_X86_64);
        TAP_OK(m && strstr(m, "if ($a3.lo32 & 0x0000000c == 4)"), "&= masks the argument then compares");

        /* Six comparisons, adjacent brackets as in LXC's documentation, hex and wrapped values. */
        _cleanup_seccomp_profile_free_ SeccompProfile *p = parse_ok(
                "2\ndenylist\nclone errno 1 [0,1,<][1,0xff,!=][2,2,<=][3,-100,==][4,5,>=][5,6,>]\n",
                SCMP_ARCH_X86_64);
        TAP_OK(p && p->n_rules == 1 && p->rules[0].n_args == 6, "six comparisons");
        TAP_OK(p && p->rules[0].args[3].datum_a == (uint64_t) -100, "-100 wraps to 64 bits");
        golden("compare-x86_64.pfc",
               "2\ndenylist\n"
               "clone errno 1 [0,1,<][1,0xff,!=][2,2,<=][3,-100,==][4,5,>=][5,6,>]\n"
               "personality errno 22 [0,0xffffffff,SCMP_CMP_NE]\n"
               "mount errno 1 [3,4,&=,12]\n"
               "ioctl [1,0x5412,==] # TIOCSTI\n",
               SCMP_ARCH_X86_64);
}

static void test_reject_force_umount(void) {
        _cleanup_free_ char *pfc = pfc_for("2\ndenylist\nreject_force_umount\n", SCMP_ARCH_X86_64);

        TAP_OK(pfc && strstr(pfc, "# filter for syscall \"umount2\" (166)\n"
                                  "  if ($syscall == 166)\n"
                                  "    if ($a1.hi32 & 0x00000000 == 0)\n"
                                  "      if ($a1.lo32 & 0x00000001 == 1)\n"
                                  "        action ERRNO(13);"),
               "reject_force_umount: umount2 with MNT_FORCE → EACCES on x86_64");
        TAP_OK(pfc && strstr(pfc, "if ($syscall == 52)"), "… and on x86 (umount2 is 52 there)");
        golden("reject-force-umount-x86_64.pfc", "2\ndenylist\nreject_force_umount\n", SCMP_ARCH_X86_64);
}

static void test_arch_sections(void) {
        const char *text =
                "2\n"
                "denylist\n"
                "chdir errno 1\n"               /* before any section: native + compat */
                "[x86]\n"
                "fchdir errno 2\n"
                "[X86_64]\n"
                "mkdir errno 3\n"
                "[x32]\n"
                "rmdir errno 4\n"
                "[arm64]\n"
                "mkdirat errno 5\n"
                "[arm]\n"
                "unlinkat errno 6\n"
                "[s390x]\n"
                "this is not even syntax\n"     /* skipped like LXC: other architectures' lines */
                "[all]\n"
                "reboot errno 7\n";

        _cleanup_seccomp_profile_free_ SeccompProfile *x = parse_ok(text, SCMP_ARCH_X86_64);
        if (x) {
                TAP_EQ_INT(x->n_rules, 5, "x86_64: chdir, x86, x86_64, x32 and [all] rules");
                TAP_EQ_INT(x->rules[1].arch, SCMP_ARCH_X86, "[x86] rule is for x86");
                TAP_EQ_INT(x->rules[2].arch, SCMP_ARCH_X86_64, "[X86_64] (upper case) rule is for x86_64");
                TAP_EQ_INT(x->rules[4].arch, SECCOMP_PROFILE_ARCH_ALL, "[all] rule is for all");
                TAP_EQ_INT(strv_length(x->notices), 3, "three skipped sections");
                TAP_EQ_STR(x->notices ? x->notices[0] : NULL,
                           "t.seccomp:10: \"[arm64]\": not this architecture (x86_64), section skipped",
                           "notice for a foreign section");
        }
        golden("sections-x86_64.pfc", text, SCMP_ARCH_X86_64);

        _cleanup_seccomp_profile_free_ SeccompProfile *a = parse_ok(text, SCMP_ARCH_AARCH64);
        if (a)
                TAP_EQ_INT(a->n_rules, 4, "arm64: chdir, arm64, arm and [all] rules");
        golden("sections-arm64.pfc", text, SCMP_ARCH_AARCH64);

        /* The filter for the host, whatever it is, has the native architecture. */
        _cleanup_seccomp_profile_free_ SeccompProfile *n = NULL;
        _cleanup_seccomp_release_ scmp_filter_ctx ctx = NULL;
        TAP_EQ_INT(seccomp_profile_parse_string("2\ndenylist\nchdir\n", "t", &n, NULL), 0, "native parse");
        TAP_EQ_INT(n ? seccomp_profile_build(n, &ctx, NULL) : -1, 0, "native build");
        TAP_OK(ctx && seccomp_arch_exist(ctx, seccomp_arch_native()) == 0, "native filter has the native arch");
}

static void test_unknown_syscalls(void) {
        const char *text =
                "2\n"
                "denylist\n"
                "frobnicate errno 1\n"
                "[x86_64]\n"
                "socketcall errno 1\n"
                "[all]\n"
                "socketcall errno 2\n"
                "vm86 errno 3\n";
        _cleanup_seccomp_profile_free_ SeccompProfile *p = parse_ok(text, SCMP_ARCH_X86_64);

        if (p) {
                TAP_EQ_INT(p->n_rules, 2, "unknown names are skipped, names of x86 syscalls kept for [all]");
                TAP_EQ_INT(strv_length(p->notices), 2, "two notices");
                TAP_EQ_STR(p->notices ? p->notices[0] : NULL,
                           "t.seccomp:3: \"frobnicate\": unknown syscall, skipped", "unknown syscall notice");
                TAP_EQ_STR(p->notices && p->notices[0] ? p->notices[1] : NULL,
                           "t.seccomp:5: \"socketcall\": no such syscall on x86_64, skipped",
                           "syscall of another architecture notice");
        }
        /* socketcall and vm86 only land in the x86 part of the filter. */
        golden("unknown-x86_64.pfc", text, SCMP_ARCH_X86_64);
}

static void test_errors(void) {
        static const struct {
                const char *text;
                const char *error;
        } cases[] = {
                { "",                          "t.seccomp:1: empty profile (the first line is the version, 1 or 2)" },
                { "# only a comment\n\n",      "t.seccomp:1: empty profile (the first line is the version, 1 or 2)" },
                { "3\ndenylist\n",             "t.seccomp:1: \"3\": unsupported profile version (expected 1 or 2)" },
                { "2 denylist\n",              "t.seccomp:1: \"2 denylist\": unsupported profile version (expected 1 or 2)" },
                { "2\n",                       "t.seccomp:2: missing the policy line (allowlist or denylist)" },
                { "2\ngraylist\n",             "t.seccomp:2: \"graylist\": unknown policy (expected allowlist or denylist)" },
                { "2\ndenylist errno\n",       "t.seccomp:2: \"errno\": missing the errno number" },
                { "2\ndenylist debug\n",       "t.seccomp:2: \"debug\": action not supported" },
                { "2\ndenylist kill now\n",    "t.seccomp:2: \"now\": unexpected text after the default action" },
                { "2\nallowlist errno -1\n",   "t.seccomp:2: \"errno -1\": not a number" },
                { "2\ndenylist\nmount errno x\n", "t.seccomp:3: \"errno x\": not a number" },
                { "2\ndenylist\nmount errno 4096\n", "t.seccomp:3: \"errno 4096\": out of range (0-4095)" },
                { "2\ndenylist\nmount errno [0,1,==]\n", "t.seccomp:3: \"errno\": missing the errno number" },
                { "2\ndenylist\nmount frob\n",
                  "t.seccomp:3: \"frob\": unknown action (expected kill, errno N, allow, trap, notify or log)" },
                { "2\ndenylist\nmount errno 1 kill\n", "t.seccomp:3: \"kill\": unexpected text after the action" },
                { "2\ndenylist\nmount [0,1,==] kill\n",
                  "t.seccomp:3: \"kill\": unexpected text (the action comes before the argument comparisons)" },
                { "2\ndenylist\nmount [0,1]\n",
                  "t.seccomp:3: \"[0,1]\": expected [index,value,op] or [index,value,op,mask]" },
                { "2\ndenylist\nmount [0,1,==,1,2]\n",
                  "t.seccomp:3: \"[0,1,==,1,2]\": expected [index,value,op] or [index,value,op,mask]" },
                { "2\ndenylist\nmount []\n",
                  "t.seccomp:3: \"[]\": expected [index,value,op] or [index,value,op,mask]" },
                { "2\ndenylist\nmount [6,1,==]\n", "t.seccomp:3: \"[6,1,==]\": argument index 6 out of range (0-5)" },
                { "2\ndenylist\nmount [a,1,==]\n", "t.seccomp:3: \"[a,1,==]\": argument index \"a\" is not a number" },
                { "2\ndenylist\nmount [0,x,==]\n", "t.seccomp:3: \"[0,x,==]\": value \"x\" is not a number" },
                { "2\ndenylist\nmount [0,0x,==]\n", "t.seccomp:3: \"[0,0x,==]\": value \"0x\" is not a number" },
                { "2\ndenylist\nmount [0,1,=~]\n",
                  "t.seccomp:3: \"[0,1,=~]\": unknown comparison \"=~\" (expected SCMP_CMP_NE/LT/LE/EQ/GE/GT/MASKED_EQ "
                  "or != < <= == >= > &=)" },
                { "2\ndenylist\nmount [0,1,&=]\n", "t.seccomp:3: \"[0,1,&=]\": &= needs a mask: [index,value,&=,mask]" },
                { "2\ndenylist\nmount [0,1,==,4]\n",
                  "t.seccomp:3: \"[0,1,==,4]\": a mask is only valid with SCMP_CMP_MASKED_EQ (&=)" },
                { "2\ndenylist\nmount [0,1,&=,z]\n", "t.seccomp:3: \"[0,1,&=,z]\": mask \"z\" is not a number" },
                { "2\ndenylist\nmount [0,1,==][1,1,==][2,1,==][3,1,==][4,1,==][5,1,==][0,2,==]\n",
                  "t.seccomp:3: \"[0,2,==]\": too many argument comparisons (at most 6)" },
                { "2\ndenylist\nmount [0,1,==][0,2,==]\n",
                  "t.seccomp:3: \"[0,2,==]\": argument 0 is already compared in this rule" },
                { "2\ndenylist\nmount [0,1,==\n", "t.seccomp:3: \"[0,1,==\": missing \"]\"" },
                { "2\ndenylist\n[sparc]\n", "t.seccomp:3: \"[sparc]\": unknown architecture section" },
                { "2\ndenylist\n[x86] mount\n", "t.seccomp:3: \"mount\": unexpected text after the architecture section" },
                { "2\ndenylist\nmo-unt\n", "t.seccomp:3: \"mo-unt\": not a syscall name" },
                { "2\ndenylist\nreject_force_umount now\n",
                  "t.seccomp:3: \"now\": unexpected text after reject_force_umount" },
                { "1\nread\n", "t.seccomp:2: \"read\": not a syscall number" },
                { "1\n0 1\n",
                  "t.seccomp:2: \"1\": unexpected text (version 1 profiles list one syscall number per line)" },
                /* libseccomp 2.5.4 would loop forever building this (found by fuzz-seccomp-profile). */
                { "2\nallowlist kill\nioctl [1,0x5401,==] [0,3,!=]\nioctl [2,0x5401,==] [0,3,!=]\n",
                  "t.seccomp:4: \"ioctl\": a second argument rule for this syscall (line 3) with !=, <, <=, >= "
                  "or > is not supported: libseccomp cannot build it; use == comparisons or one rule" },
                /* Line numbers count comments, blank lines and CRLF lines. */
                { "# header\r\n2\r\n\r\ndenylist\r\n# c\r\nmount errno x\r\n", "t.seccomp:6: \"errno x\": not a number" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                SeccompProfile *p = NULL;
                _cleanup_free_ char *err = NULL;
                int r = seccomp_profile_parse_string(cases[i].text, "t.seccomp", &p, &err);
                TAP_OK(r == -EINVAL && !p, "error %zu is -EINVAL", i);
                TAP_EQ_STR(err, cases[i].error, "error %zu message", i);
                seccomp_profile_free(p);
        }

        /* The error pointer is optional. */
        SeccompProfile *p = NULL;
        TAP_EQ_INT(seccomp_profile_parse_string("3\n", NULL, &p, NULL), -EINVAL, "error without ret_error");

        _cleanup_free_ char *err = NULL;
        TAP_EQ_INT(seccomp_profile_parse_file("/nonexistent/x.seccomp", &p, &err), -ENOENT, "missing file");
        TAP_EQ_STR(err, "/nonexistent/x.seccomp: cannot read the seccomp profile: No such file or directory",
                   "missing file message");

        /* A problem only the build sees is reported with file, line and token: version 1 numbers of a
         * foreign architecture are translated by name, and 5000 has none on arm64. */
        _cleanup_seccomp_profile_free_ SeccompProfile *c = parse_ok("1\n63\n5000\n", SCMP_ARCH_AARCH64);
        _cleanup_seccomp_release_ scmp_filter_ctx ctx = NULL;
        _cleanup_free_ char *berr = NULL;
        int r = c ? seccomp_profile_build(c, &ctx, &berr) : 0;
        TAP_OK(r == -EINVAL && !ctx, "unknown number fails to build (%d)", r);
        TAP_EQ_STR(berr, "t.seccomp:3: \"5000\": no such syscall number on arm64", "build error names the line");
}

/* ---- real effect, in forked children ---- */

/* Runs fn in a child (with no_new_privs if nnp); fn fills `size` bytes of results sent back by pipe. */
static int run_child(int (*fn)(void *out), void *out, size_t size, bool nnp) {
        int pipefd[2];
        if (pipe2(pipefd, O_CLOEXEC) < 0)
                return -errno;

        fflush(stdout);
        pid_t pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                safe_close(pipefd[0]);
                memset(out, 0xff, size);
                if (nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                        _exit(2);
                int r = fn(out);
                if (loop_write(pipefd[1], out, size) < 0)
                        _exit(3);
                _exit(r < 0 ? 1 : 0);
        }

        safe_close(pipefd[1]);
        ssize_t k = loop_read(pipefd[0], out, size);
        safe_close(pipefd[0]);
        int status;
        if (waitpid(pid, &status, 0) < 0)
                return -errno;
        if (k != (ssize_t) size)
                return -EIO;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int load_text(const char *text, bool allow_nesting, int *ret_fd, char **ret_error) {
        _cleanup_seccomp_profile_free_ SeccompProfile *p = NULL;
        int r = seccomp_profile_parse_string(text, "t.seccomp", &p, ret_error);
        if (r < 0)
                return r;
        return seccomp_profile_load(p, allow_nesting, ret_fd, ret_error);
}

static int chdir_errno(void) {
        return chdir("/") < 0 ? errno : 0;
}

static int filters(void) {
        int n = -2;
        (void) seccomp_read_status(0, NULL, &n);
        return n;
}

struct deny_result {
        int load, fd, chdir_errno, getcwd_ok, filters_before, filters_after;
};

static int child_deny(void *out) {
        struct deny_result *res = out;
        char buf[64];

        res->filters_before = filters();
        res->load = load_text("2\ndenylist\nchdir errno 13\n", true, &res->fd, NULL);
        res->filters_after = filters();
        res->chdir_errno = chdir_errno();
        res->getcwd_ok = getcwd(buf, sizeof buf) != NULL;
        return 0;
}

static void test_load_denylist(void) {
        struct deny_result res;
        TAP_EQ_INT(run_child(child_deny, &res, sizeof res, true), 0, "deny child ran");
        TAP_EQ_INT(res.load, SECCOMP_LOAD_LOADED, "denylist loaded");
        TAP_EQ_INT(res.fd, -EBADF, "no notify rules: no listener");
        TAP_EQ_INT(res.chdir_errno, EACCES, "chdir errno 13: chdir fails with EACCES");
        TAP_OK(res.getcwd_ok, "other syscalls work");
        if (res.filters_before >= 0)
                TAP_EQ_INT(res.filters_after, res.filters_before + 1, "one more filter (Seccomp_filters:)");
        else
                TAP_SKIP("kernel before 5.9: no Seccomp_filters: line");
}

struct eacces_result {
        int load, msg;
};

static int child_eacces(void *out) {
        struct eacces_result *res = out;
        struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
        struct __user_cap_data_struct d[2] = {};
        _cleanup_free_ char *err = NULL;

        /* Neither no_new_privs nor CAP_SYS_ADMIN, as for a root test runner that dropped everything. */
        if (syscall(SYS_capset, &h, d) < 0)
                return -errno;
        res->load = load_text("2\ndenylist\nchdir errno 13\n", true, NULL, &err);
        res->msg = err && streq(err, "t.seccomp: loading a seccomp filter needs no_new_privs or CAP_SYS_ADMIN "
                                "(EACCES)");
        return 0;
}

static void test_load_eacces(void) {
        struct eacces_result res;
        TAP_EQ_INT(run_child(child_eacces, &res, sizeof res, false), 0, "capless child ran");
        TAP_EQ_INT(res.load, -EACCES, "no no_new_privs and no CAP_SYS_ADMIN: -EACCES");
        TAP_OK(res.msg == 1, "… with a message naming both ways out");
}

struct nesting_result {
        int outer, filters_outer, skip, skip_fd, filters_skip, chdir_skip, stack, filters_stack, chdir_stack;
};

static int child_nesting(void *out) {
        struct nesting_result *res = out;

        /* The starter is already confined: an allow-all filter. */
        scmp_filter_ctx outer = seccomp_init(SCMP_ACT_ALLOW);
        res->outer = outer ? seccomp_load(outer) : -ENOMEM;
        seccomp_release(outer);
        res->filters_outer = filters();

        const char *text = "2\ndenylist\nchdir errno 13\n";
        res->skip = load_text(text, false, &res->skip_fd, NULL);
        res->filters_skip = filters();
        res->chdir_skip = chdir_errno();

        res->stack = load_text(text, true, NULL, NULL);
        res->filters_stack = filters();
        res->chdir_stack = chdir_errno();
        return 0;
}

static void test_load_nesting(void) {
        struct nesting_result res;
        TAP_EQ_INT(run_child(child_nesting, &res, sizeof res, true), 0, "nesting child ran");
        TAP_EQ_INT(res.outer, 0, "outer allow-all filter loaded");
        TAP_EQ_INT(res.skip, SECCOMP_LOAD_SKIPPED, "allow_nesting 0 under a filter: skipped");
        TAP_EQ_INT(res.skip_fd, -EBADF, "… no listener");
        TAP_EQ_INT(res.chdir_skip, 0, "… and the profile has no effect");
        TAP_EQ_INT(res.stack, SECCOMP_LOAD_LOADED, "allow_nesting 1 under a filter: loaded");
        TAP_EQ_INT(res.chdir_stack, EACCES, "… and the stacked profile works");
        if (res.filters_outer >= 0) {
                TAP_EQ_INT(res.filters_skip, res.filters_outer, "allow_nesting 0: Seccomp_filters unchanged");
                TAP_EQ_INT(res.filters_stack, res.filters_outer + 1, "allow_nesting 1: Seccomp_filters + 1");
        } else
                TAP_SKIP("kernel before 5.9: no Seccomp_filters: line");
}

struct notify_result {
        int load, fd_cloexec, nr_seen, respond, child_errno, second, ebusy, ebusy_msg, nested_skip;
};

static int child_notify(void *out) {
        struct notify_result *res = out;
        int fd = -EBADF;

        res->load = load_text("2\ndenylist\nchdir notify\n", true, &fd, NULL);
        if (fd < 0)
                return -EBADF;
        res->fd_cloexec = fcntl(fd, F_GETFD) == FD_CLOEXEC;

        /* A grandchild inherits the filter; its chdir() waits for our answer. */
        pid_t pid = fork();
        if (pid == 0)
                _exit(chdir_errno());

        struct seccomp_notif *req = NULL;
        struct seccomp_notif_resp *resp = NULL;
        if (seccomp_notify_alloc(&req, &resp) < 0)
                return -ENOMEM;
        if (seccomp_notify_receive(fd, req) == 0) {
                res->nr_seen = req->data.nr;
                resp->id = req->id;
                resp->error = -EPERM;
                resp->val = 0;
                resp->flags = 0;
                res->respond = seccomp_notify_respond(fd, resp);
        }
        seccomp_notify_free(req, resp);

        int status;
        res->child_errno = waitpid(pid, &status, 0) == pid && WIFEXITED(status) ? WEXITSTATUS(status) : -1;

        /* A second notify profile: its filter would need a second listener in the same chain. */
        _cleanup_free_ char *err = NULL;
        int fd2 = -EBADF;
        res->second = load_text("2\ndenylist\nfchdir notify\n", true, &fd2, &err);
        res->ebusy_msg = err && strstr(err, "nested notify") && strstr(err, "EBUSY");
        safe_close(fd2);
        res->nested_skip = load_text("2\ndenylist\nfchdir notify\n", false, &fd2, NULL);
        safe_close(fd);
        return 0;
}

static void test_load_notify(void) {
        struct notify_result res;
        TAP_EQ_INT(run_child(child_notify, &res, sizeof res, true), 0, "notify child ran");
        TAP_EQ_INT(res.load, SECCOMP_LOAD_LOADED, "notify profile loaded");
        TAP_OK(res.fd_cloexec == 1, "listener fd is O_CLOEXEC");
        TAP_EQ_INT(res.nr_seen, SCMP_SYS(chdir), "the listener receives the chdir notification");
        TAP_EQ_INT(res.respond, 0, "answered");
        TAP_EQ_INT(res.child_errno, EPERM, "the notified process sees the answer");
        TAP_EQ_INT(res.second, -EBUSY, "nested notify: -EBUSY");
        TAP_OK(res.ebusy_msg == 1, "nested notify: the message names the cause");
        TAP_EQ_INT(res.nested_skip, SECCOMP_LOAD_SKIPPED, "nested notify with allow_nesting 0: skipped");
}

int main(int argc, char *argv[]) {
        if (argc > 1)
                golden_dir = argv[1];
        if (argc > 2)
                common_path = argv[2];

        test_common_profile();
        test_v1();
        test_policies();
        test_actions();
        test_comparisons();
        test_reject_force_umount();
        test_arch_sections();
        test_unknown_syscalls();
        test_errors();

        int mode = -1;
        if (seccomp_read_status(0, &mode, NULL) < 0)
                TAP_SKIP("the kernel has no seccomp: no load tests");
        else {
                test_load_denylist();
                test_load_nesting();
                test_load_eacces();
                if (seccomp_notify_supported())
                        test_load_notify();
                else
                        TAP_SKIP("no seccomp user notification here (old kernel, or valgrind)");
        }

        return tap_done();
}
