/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The lxc.seccomp.* keys (lib/config/config-seccomp.c): the profile is validated when set (its own
 * errors, with file and line, become config errors) but stored as a path; relative paths in a file are
 * relative to that file; allow_nesting is 0|1; the proxy address is unix:PATH or unix:@name; the cookie
 * is opaque. Which of them are host keys, and the to_string round trip. No root needed. */

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "berth.h"
#include "config/config.h"
#include "seccomp/seccomp-load.h"
#include "tap.h"
#include "unit-util.h"
#include "util/fileio.h"
#include "util/strv.h"

static char tmpdir[] = "/tmp/berth-config-seccomp-XXXXXX";

static const char *tmp_path(const char *rel) {
        static char buf[4][PATH_MAX];
        static unsigned i;
        char *b = buf[i++ % 4];
        snprintf(b, PATH_MAX, "%s/%s", tmpdir, rel);
        return b;
}

static void write_tmp(const char *rel, const char *text) {
        if (write_file_atomic(tmp_path(rel), text, strlen(text), 0644) < 0)
                abort();
}

static void test_profile(void) {
        _cleanup_(berth_config_freep) BerthConfig *c = NULL;
        _cleanup_free_ char *err = NULL, *err2 = NULL, *err3 = NULL, *expected = NULL;
        TAP_EQ_INT(berth_config_new(&c), 0, "new config");
        CHECK_GET(c, "lxc.seccomp.profile", "");
        TAP_OK(c->seccomp_profile == NULL, "no profile by default (berth imposes none)");

        write_tmp("good.seccomp", "2\ndenylist\nmknodat errno 18\n");
        TAP_EQ_INT(berth_config_set_item(c, "lxc.seccomp.profile", tmp_path("good.seccomp"), &err), 0,
                   "a valid profile is accepted (%s)", strna(err));
        CHECK_GET(c, "lxc.seccomp.profile", tmp_path("good.seccomp"));

        /* Stored as a path: changing the file afterwards changes what a start would load. */
        TAP_EQ_STR(c->seccomp_profile, tmp_path("good.seccomp"), "the path is stored, not the rules");

        TAP_EQ_INT(berth_config_set_item(c, "lxc.seccomp.profile", tmp_path("missing.seccomp"), &err2), -ENOENT,
                   "a missing profile is refused");
        if (asprintf(&expected, "lxc.seccomp.profile: %s: cannot read the seccomp profile: No such file or "
                     "directory", tmp_path("missing.seccomp")) < 0)
                abort();
        TAP_EQ_STR(err2, expected, "the error names the missing file");
        CHECK_GET(c, "lxc.seccomp.profile", tmp_path("good.seccomp"));

        TAP_EQ_INT(berth_config_set_item(c, "lxc.seccomp.profile", "relative.seccomp", &err3), -EINVAL,
                   "a relative path outside a file is refused");
        TAP_EQ_STR(err3, "lxc.seccomp.profile: 'relative.seccomp' is not an absolute path",
                   "the error says it must be absolute");

        TAP_EQ_INT(berth_config_set_item(c, "lxc.seccomp.profile", "", NULL), 0, "empty value clears");
        TAP_OK(c->seccomp_profile == NULL, "cleared");
}

static void test_profile_in_file(void) {
        _cleanup_(berth_config_freep) BerthConfig *c = NULL, *c2 = NULL;
        BerthConfigDiag d = {}, d2 = {};
        _cleanup_free_ char *config = NULL, *expected = NULL, *profile_err = NULL;

        /* Relative to the config file's directory, like lxc.include. */
        TAP_OK(mkdir(tmp_path("sub"), 0755) == 0, "subdir made");
        write_tmp("sub/rel.seccomp", "2\nallowlist errno 1\nread\nwrite\nexit_group\n");
        write_tmp("sub/config", "lxc.uts.name = c1\nlxc.seccomp.profile = rel.seccomp\n");
        TAP_EQ_INT(berth_config_new(&c), 0, "new config");
        TAP_EQ_INT(berth_config_load_file(c, tmp_path("sub/config"), &d), 0,
                   "config with a relative profile loads");
        TAP_EQ_STR(c->seccomp_profile, tmp_path("sub/rel.seccomp"), "resolved against the config's directory");
        berth_config_diag_done(&d);

        /* A broken profile is a config error that carries the profile's own file:line. */
        write_tmp("bad.seccomp", "2\ndenylist\n# ok\nmknodat frobnicate\n");
        if (asprintf(&config, "lxc.uts.name = c2\nlxc.seccomp.allow_nesting = 1\nlxc.seccomp.profile = %s\n",
                     tmp_path("bad.seccomp")) < 0)
                abort();
        write_tmp("config-bad", config);
        TAP_EQ_INT(berth_config_new(&c2), 0, "new config");
        TAP_EQ_INT(berth_config_load_file(c2, tmp_path("config-bad"), &d2), -EINVAL,
                   "a broken profile fails the load");
        TAP_EQ_INT(strv_length(d2.errors), 1, "one error");

        /* What the profile parser itself says about the file, prefixed with the config's location. */
        if (asprintf(&expected, "%s:3: lxc.seccomp.profile: %s:4: ", tmp_path("config-bad"),
                     tmp_path("bad.seccomp")) < 0)
                abort();
        TAP_OK(d2.errors && startswith(d2.errors[0], expected), "error names config:line and profile:line (%s)",
               d2.errors ? d2.errors[0] : "none");
        TAP_OK(d2.errors && strstr(d2.errors[0], "frobnicate"), "error names the bad token");
        TAP_OK(c2->seccomp_allow_nesting, "the other keys were still parsed");
        berth_config_diag_done(&d2);
}

static void test_allow_nesting(void) {
        _cleanup_(berth_config_freep) BerthConfig *c = NULL;
        _cleanup_free_ char *err = NULL, *s = NULL;
        TAP_EQ_INT(berth_config_new(&c), 0, "new config");
        CHECK_GET(c, "lxc.seccomp.allow_nesting", "0");
        TAP_EQ_INT(berth_config_to_string(c, &s), 0, "to_string");
        TAP_OK(s && !strstr(s, "allow_nesting"), "the default 0 is not written back");
        s = mfree(s);

        TAP_EQ_INT(berth_config_set_item(c, "lxc.seccomp.allow_nesting", "1", NULL), 0, "1 accepted");
        TAP_OK(c->seccomp_allow_nesting, "nesting allowed");
        CHECK_GET(c, "lxc.seccomp.allow_nesting", "1");
        TAP_EQ_INT(berth_config_set_item(c, "lxc.seccomp.allow_nesting", "2", &err), -EINVAL,
                   "2 refused (as LXC)");
        TAP_EQ_STR(err, "lxc.seccomp.allow_nesting: can only be set to 0 or 1", "error says 0 or 1");
        TAP_OK(c->seccomp_allow_nesting, "a refused value changes nothing");
        TAP_EQ_INT(berth_config_set_item(c, "lxc.seccomp.allow_nesting", "0", NULL), 0, "0 accepted");
        TAP_OK(!c->seccomp_allow_nesting, "nesting off");
}

static void test_proxy_cookie(void) {
        _cleanup_(berth_config_freep) BerthConfig *c = NULL;
        TAP_EQ_INT(berth_config_new(&c), 0, "new config");

        TAP_EQ_INT(berth_config_set_item(c, "lxc.seccomp.notify.proxy", "unix:/run/proxy.sock", NULL), 0,
                   "unix:PATH accepted");
        CHECK_GET(c, "lxc.seccomp.notify.proxy", "unix:/run/proxy.sock");
        TAP_EQ_INT(berth_config_set_item(c, "lxc.seccomp.notify.proxy", "unix:@lxd/seccomp", NULL), 0,
                   "unix:@abstract accepted");
        CHECK_GET(c, "lxc.seccomp.notify.proxy", "unix:@lxd/seccomp");

        static const char *const bad[] = { "tcp:127.0.0.1:8000", "unix:", "unix:@", "unix:relative.sock",
                                           "/run/proxy.sock", "unix:/a-path-that-is-far-too-long-for-sun-path-"
                                           "0123456789012345678901234567890123456789012345678901234567890123456789" };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                _cleanup_free_ char *err = NULL, *expected = NULL;
                TAP_EQ_INT(berth_config_set_item(c, "lxc.seccomp.notify.proxy", bad[i], &err), -EINVAL,
                           "proxy '%s' refused", bad[i]);
                /* Echoed values are cut to 64 characters plus an ellipsis (config diagnostics limit). */
                size_t l = strlen(bad[i]);
                if (asprintf(&expected, "lxc.seccomp.notify.proxy: invalid proxy address '%.64s%s' "
                             "(unix:/absolute/path or unix:@abstract-name)", bad[i], l > 64 ? "…" : "") < 0)
                        abort();
                TAP_EQ_STR(err, expected, "error for '%s' shows the accepted forms", bad[i]);
        }
        CHECK_GET(c, "lxc.seccomp.notify.proxy", "unix:@lxd/seccomp");

        CHECK_GET(c, "lxc.seccomp.notify.cookie", "");
        TAP_EQ_INT(berth_config_set_item(c, "lxc.seccomp.notify.cookie", "any opaque = text #1", NULL), 0,
                   "any cookie accepted");
        CHECK_GET(c, "lxc.seccomp.notify.cookie", "any opaque = text #1");
        TAP_EQ_INT(berth_config_clear_item(c, "lxc.seccomp.notify.cookie"), 0, "clear cookie");
        CHECK_GET(c, "lxc.seccomp.notify.cookie", "");
        TAP_EQ_INT(berth_config_set_item(c, "lxc.seccomp.notify.proxy", "", NULL), 0, "empty proxy clears");
        TAP_OK(c->seccomp_notify_proxy == NULL, "proxy cleared");
}

static void test_keys(void) {
        static const char *const keys[] = { "lxc.seccomp.profile", "lxc.seccomp.allow_nesting",
                                            "lxc.seccomp.notify.proxy", "lxc.seccomp.notify.cookie" };
        for (size_t i = 0; i < ELEMENTSOF(keys); i++)
                TAP_OK(berth_config_item_is_supported(keys[i]), "%s is supported", keys[i]);
        /* A profile path and a proxy socket are host things; nesting and the cookie are not. */
        TAP_OK(berth_config_key_is_host("lxc.seccomp.profile"), "profile is a host key");
        TAP_OK(berth_config_key_is_host("lxc.seccomp.notify.proxy"), "proxy is a host key");
        TAP_OK(!berth_config_key_is_host("lxc.seccomp.allow_nesting"), "allow_nesting is not a host key");
        TAP_OK(!berth_config_key_is_host("lxc.seccomp.notify.cookie"), "cookie is not a host key");
        TAP_OK(!berth_config_item_is_supported("lxc.seccomp.notify"), "lxc.seccomp.notify is no key");
}

static void test_api_extensions(void) {
        /* Claimed exactly when the kernel (and libseccomp) can do it. */
        TAP_EQ_INT(berth_has_api_extension("seccomp_allow_nesting"), seccomp_supported(),
                   "seccomp_allow_nesting reported iff the kernel has seccomp");
        TAP_EQ_INT(berth_has_api_extension("seccomp_notify"), seccomp_notify_supported(),
                   "seccomp_notify reported iff the kernel has user notifications");
}

static void test_round_trip(void) {
        _cleanup_(berth_config_freep) BerthConfig *c = NULL, *c2 = NULL;
        _cleanup_free_ char *s = NULL, *text = NULL, *s2 = NULL;
        BerthConfigDiag d = {};

        write_tmp("rt.seccomp", "2\ndenylist\nmknodat errno 18\n");
        if (asprintf(&text, "lxc.seccomp.profile = %s\nlxc.seccomp.allow_nesting = 1\n"
                     "lxc.seccomp.notify.proxy = unix:@proxy\nlxc.seccomp.notify.cookie = c00kie\n",
                     tmp_path("rt.seccomp")) < 0)
                abort();
        TAP_EQ_INT(berth_config_new(&c), 0, "new config");
        TAP_EQ_INT(berth_config_load_string(c, text, tmp_path("rt.conf"), &d), 0, "all four keys load");
        berth_config_diag_done(&d);
        TAP_EQ_INT(berth_config_to_string(c, &s), 0, "to_string");
        TAP_EQ_STR(s, text, "written back as given, in table order");

        TAP_EQ_INT(berth_config_new(&c2), 0, "new config");
        TAP_EQ_INT(berth_config_load_string(c2, s, tmp_path("rt2.conf"), &d), 0, "reload");
        berth_config_diag_done(&d);
        TAP_EQ_INT(berth_config_to_string(c2, &s2), 0, "to_string again");
        TAP_EQ_STR(s2, s, "stable round trip");
}

int main(void) {
        if (!mkdtemp(tmpdir)) {
                printf("1..0 # SKIP mkdtemp: %m\n");
                return 0;
        }
        test_profile();
        test_profile_in_file();
        test_allow_nesting();
        test_proxy_cookie();
        test_keys();
        test_api_extensions();
        test_round_trip();
        TAP_EQ_INT(rm_rf(tmpdir), 0, "temp dir removed");
        return tap_done();
}
