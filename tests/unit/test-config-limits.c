/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What a hostile configuration text gets from lib/config: list keys stop at BERTH_CONFIG_LIST_MAX entries,
 * diagnostics stop at BERTH_CONFIG_DIAG_MAX errors plus one summary line, echoed values are cut and
 * escaped, and berth_config_load_string_at() names the text "config" while resolving includes elsewhere.
 * Also util/escape.h, which berthd uses for every caller string it echoes. No root needed. */

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config/config.h"
#include "tap.h"
#include "util/escape.h"
#include "util/fileio.h"
#include "util/strv.h"

/* n lines of "key = value<i>" (value "%s%u" with i), NUL-terminated. */
static char *lines(const char *key, const char *value_prefix, unsigned n) {
        size_t size = (strlen(key) + strlen(value_prefix) + 16) * (size_t) n + 1, len = 0;
        char *t = malloc(size);
        if (!t)
                abort();
        t[0] = 0;
        for (unsigned i = 0; i < n; i++)
                len += (size_t) snprintf(t + len, size - len, "%s = %s%u\n", key, value_prefix, i);
        return t;
}

static void test_list_limit(void) {
        _cleanup_(berth_config_freep) BerthConfig *c = NULL;
        _cleanup_(berth_config_diag_done) BerthConfigDiag diag = {};
        _cleanup_free_ char *ok = lines("lxc.environment", "A=", BERTH_CONFIG_LIST_MAX);
        _cleanup_free_ char *over = lines("lxc.environment", "A=", BERTH_CONFIG_LIST_MAX + 1);
        int r;

        TAP_EQ_INT(berth_config_new(&c), 0, "new config");
        TAP_EQ_INT(berth_config_load_string(c, ok, "config", &diag), 0, "4096 lxc.environment lines are accepted");
        TAP_EQ_INT(strv_length(c->environment), BERTH_CONFIG_LIST_MAX, "all 4096 are kept");
        c = berth_config_free(c);
        berth_config_diag_done(&diag);

        TAP_EQ_INT(berth_config_new(&c), 0, "new config");
        r = berth_config_load_string(c, over, "config", &diag);
        TAP_EQ_INT(r, -EINVAL, "4097 lxc.environment lines are refused");
        TAP_EQ_INT(strv_length(diag.errors), 1, "one error");
        TAP_EQ_STR(diag.errors ? diag.errors[0] : NULL,
                   "config:4097: lxc.environment: too many entries (at most 4096)", "the error names line and limit");

        /* A clear starts the count again; other list keys have their own. */
        _cleanup_free_ char *cleared = NULL;
        if (asprintf(&cleared, "%slxc.environment =\nlxc.environment = B=1\nlxc.mount.entry = /a b none bind 0 0\n",
                     ok) < 0)
                abort();
        c = berth_config_free(c);
        berth_config_diag_done(&diag);
        TAP_EQ_INT(berth_config_new(&c), 0, "new config");
        TAP_EQ_INT(berth_config_load_string(c, cleared, "config", &diag), 0,
                   "4096 entries, a clear, then one more is fine");
        TAP_EQ_INT(strv_length(c->environment), 1, "only the entry after the clear is left");
        TAP_EQ_INT(c->n_mount_entries, 1, "lxc.mount.entry counts separately");

        /* set_item goes through the same limit. */
        char *err = NULL;
        for (unsigned i = 1; i < BERTH_CONFIG_LIST_MAX; i++)
                if (berth_config_set_item(c, "lxc.environment", "C=1", NULL) < 0)
                        break;
        TAP_EQ_INT(strv_length(c->environment), BERTH_CONFIG_LIST_MAX, "set_item fills up to the limit");
        TAP_EQ_INT(berth_config_set_item(c, "lxc.environment", "C=2", &err), -EINVAL, "set_item beyond: -EINVAL");
        TAP_EQ_STR(err, "lxc.environment: too many entries (at most 4096)", "set_item's message");
        free(err);
        TAP_EQ_INT(berth_config_clear_item(c, "lxc.environment"), 0, "clear_item");
        TAP_EQ_INT(berth_config_set_item(c, "lxc.environment", "C=3", NULL), 0, "after clear_item: accepted again");
}

static void test_big_text_is_bounded(void) {
        _cleanup_(berth_config_freep) BerthConfig *c = NULL;
        _cleanup_(berth_config_diag_done) BerthConfigDiag diag = {};
        /* About what berthd's 1 MiB cap lets through; QA's 500000 lines took two minutes before. */
        _cleanup_free_ char *t = lines("lxc.environment", "A=", 200000);

        TAP_EQ_INT(berth_config_new(&c), 0, "new config");
        /* No timing here (speed belongs in benchmarks): the bounded error list is what keeps it cheap. */
        TAP_EQ_INT(berth_config_load_string(c, t, "config", &diag), -EINVAL, "200000 entries: refused");
        TAP_EQ_INT(strv_length(diag.errors), BERTH_CONFIG_DIAG_MAX + 1, "20 errors and a summary");
        TAP_EQ_STR(diag.errors ? diag.errors[0] : NULL,
                   "config:4097: lxc.environment: too many entries (at most 4096)", "the first error");
        TAP_EQ_STR(diag.errors ? diag.errors[BERTH_CONFIG_DIAG_MAX] : NULL,
                   "... and 195884 more errors", "the summary counts the rest");
}

static void test_diag_cap(void) {
        _cleanup_(berth_config_freep) BerthConfig *c = NULL;
        _cleanup_(berth_config_diag_done) BerthConfigDiag diag = {};
        _cleanup_free_ char *t21 = lines("lxc.uts.nmae", "x", 21), *t20 = lines("lxc.uts.nmae", "x", 20);

        TAP_EQ_INT(berth_config_new(&c), 0, "new config");
        TAP_EQ_INT(berth_config_load_string(c, t20, "config", &diag), -EINVAL, "20 bad lines");
        TAP_EQ_INT(strv_length(diag.errors), 20, "20 errors, no summary");
        TAP_EQ_STR(diag.errors ? diag.errors[19] : NULL,
                   "config:20: lxc.uts.nmae: unknown key, did you mean 'lxc.uts.name'?", "the 20th error");
        berth_config_diag_done(&diag);
        TAP_EQ_INT(berth_config_load_string(c, t21, "config", &diag), -EINVAL, "21 bad lines");
        TAP_EQ_INT(strv_length(diag.errors), 21, "20 errors and a summary");
        TAP_EQ_STR(diag.errors ? diag.errors[20] : NULL, "... and 1 more error", "singular summary");
}

static void test_echo_escaping(void) {
        _cleanup_(berth_config_freep) BerthConfig *c = NULL;
        _cleanup_(berth_config_diag_done) BerthConfigDiag diag = {};
        char long_value[301];
        _cleanup_free_ char *t = NULL, *expected = NULL;
        char *err = NULL;

        memset(long_value, 'x', 300);
        long_value[300] = 0;
        long_value[0] = '1'; /* not a valid variable name */
        if (asprintf(&t, "lxc.environment = %s\nlxc.init.cwd = rel\x1b[2Jpath\nlxc.uts.n\x07me = x\n", long_value) < 0)
                abort();
        TAP_EQ_INT(berth_config_new(&c), 0, "new config");
        TAP_EQ_INT(berth_config_load_string(c, t, "config", &diag), -EINVAL, "three bad lines");
        TAP_EQ_INT(strv_length(diag.errors), 3, "three errors");
        if (asprintf(&expected, "config:1: lxc.environment: '%.64s…' is not VAR=value or VAR", long_value) < 0)
                abort();
        TAP_EQ_STR(diag.errors ? diag.errors[0] : NULL, expected, "a long value is cut to 64 characters and …");
        TAP_EQ_STR(diag.errors && diag.errors[0] ? diag.errors[1] : NULL,
                   "config:2: lxc.init.cwd: 'rel\\x1b[2Jpath' is not an absolute path",
                   "control characters in a value are escaped");
        TAP_EQ_STR(diag.errors && diag.errors[0] && diag.errors[1] ? diag.errors[2] : NULL,
                   "config:3: lxc.uts.n\\x07me: unknown key, did you mean 'lxc.uts.name'?",
                   "control characters in a key are escaped");

        TAP_EQ_INT(berth_config_set_item(c, "lxc.environment", long_value, &err), -EINVAL, "set_item, long value");
        free(expected);
        if (asprintf(&expected, "lxc.environment: '%.64s…' is not VAR=value or VAR", long_value) < 0)
                abort();
        TAP_EQ_STR(err, expected, "set_item's message cuts the value too");
        free(err);
}

static void test_load_string_at(void) {
        _cleanup_(berth_config_freep) BerthConfig *c = NULL;
        _cleanup_(berth_config_diag_done) BerthConfigDiag diag = {};
        char dir[] = "/tmp/test-config-limits.XXXXXX";
        _cleanup_free_ char *inc = NULL;

        if (!mkdtemp(dir))
                abort();
        if (asprintf(&inc, "%s/common.conf", dir) < 0)
                abort();
        TAP_EQ_INT(write_file_atomic(inc, "lxc.uts.name = fromdir\n", 23, 0644), 0, "write common.conf");

        TAP_EQ_INT(berth_config_new(&c), 0, "new config");
        TAP_EQ_INT(berth_config_load_string_at(c, "lxc.include = common.conf\n", "config", dir, &diag), 0,
                   "a relative include resolves against base_dir");
        TAP_EQ_STR(c->uts_name, "fromdir", "the included key is set");
        TAP_EQ_INT(berth_config_load_string_at(c, "\n\nlxc.uts.nmae = x\n", "config", dir, &diag), -EINVAL,
                   "an error");
        TAP_EQ_STR(diag.errors ? diag.errors[0] : NULL,
                   "config:3: lxc.uts.nmae: unknown key, did you mean 'lxc.uts.name'?",
                   "named by the display name, not the directory");
        (void) rm_rf(dir);
}

static void test_escape(void) {
        char buf[ESCAPE_BUF_SIZE(8)];
        _cleanup_free_ char *a = NULL, *b = NULL;

        TAP_EQ_STR(escape_echo_to(buf, sizeof buf, "plain", 8), "plain", "plain text is unchanged");
        TAP_EQ_STR(escape_echo_to(buf, sizeof buf, "a\nb\tc\x7f", 8), "a\\nb\\tc\\x7f", "controls are escaped");
        TAP_EQ_STR(escape_echo_to(buf, sizeof buf, "123456789", 8), "12345678…", "cut after 8 characters");
        TAP_EQ_STR(escape_echo_to(buf, sizeof buf, "12345678", 8), "12345678", "exactly 8: no ellipsis");
        TAP_EQ_STR(escape_echo_to(buf, sizeof buf, "caf\xc3\xa9", 8), "caf\xc3\xa9", "valid UTF-8 is kept");
        TAP_EQ_STR(escape_echo_to(buf, sizeof buf, "\xc3(\xc2\x9b", 8), "\\xc3(\\xc2\\x9b",
                   "invalid UTF-8 and C1 controls are escaped");
        TAP_EQ_STR(escape_echo_to(buf, 6, "abcdefgh", 8), "ab…", "a small buffer cuts earlier");
        a = escape_echo("back\\slash", SIZE_MAX);
        TAP_EQ_STR(a, "back\\slash", "backslashes stay");
        b = escape_echo(a, SIZE_MAX);
        TAP_EQ_STR(b, a, "escaping is idempotent");
        TAP_OK(!escape_echo_needed("ok", 8) && escape_echo_needed("o\x1bk", 8) && escape_echo_needed("123456789", 8),
               "escape_echo_needed");
}

static void test_host_keys_limit(void) {
        _cleanup_free_ char *t = NULL;
        _cleanup_strv_free_ char **keys = NULL;
        size_t size = 64 * (BERTH_CONFIG_HOST_KEYS_MAX + 1) + 1, len = 0;

        /* Distinct host keys lxc.net.0.link ... lxc.net.256.link. */
        t = malloc(size);
        if (!t)
                abort();
        t[0] = 0;
        for (unsigned i = 0; i < BERTH_CONFIG_HOST_KEYS_MAX; i++)
                len += (size_t) snprintf(t + len, size - len, "lxc.net.%u.link = br0\n", i);
        TAP_EQ_INT(berth_config_text_host_keys(t, &keys), 0, "256 distinct host keys are listed");
        TAP_EQ_INT(strv_length(keys), BERTH_CONFIG_HOST_KEYS_MAX, "all of them");
        keys = strv_free(keys);
        snprintf(t + len, size - len, "lxc.net.%u.link = br0\n", BERTH_CONFIG_HOST_KEYS_MAX);
        TAP_EQ_INT(berth_config_text_host_keys(t, &keys), -E2BIG, "257: -E2BIG (refused, not cut: rules see them)");

        /* 1 MiB of them (QA: 5 s before polkit was even asked). */
        _cleanup_free_ char *big = lines("lxc.net.1.link = br0\nlxc.net.2.script.up", "/bin/x", 25000);
        TAP_EQ_INT(berth_config_text_host_keys(big, &keys), 0, "50000 lines of two host keys");
        TAP_EQ_INT(strv_length(keys), 2, "two distinct keys");
}

static void test_unknown_keys_fast(void) {
        _cleanup_(berth_config_freep) BerthConfig *c = NULL;
        _cleanup_(berth_config_diag_done) BerthConfigDiag diag = {};
        /* Long misspelt keys: each suggestion is edit distances against the table. */
        _cleanup_free_ char *t = lines("lxc.uts.nmaeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee", "x", 15000);

        TAP_EQ_INT(berth_config_new(&c), 0, "new config");
        TAP_EQ_INT(berth_config_load_string(c, t, "config", &diag), -EINVAL, "15000 unknown keys");
        TAP_EQ_STR(diag.errors ? diag.errors[BERTH_CONFIG_DIAG_MAX] : NULL, "... and 14980 more errors",
                   "20 errors and a summary");
}

int main(void) {
        test_host_keys_limit();
        test_unknown_keys_fast();
        test_escape();
        test_list_limit();
        test_big_text_is_bounded();
        test_diag_cap();
        test_echo_escaping();
        test_load_string_at();
        return tap_done();
}
