/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The LXC configuration language on arbitrary text (berth_config_load_string_at), as CreateContainer
 * feeds it from the bus. Includes are followed inside a private temporary directory that holds a few
 * fixture files (a plain include, a directory of *.conf, a loop, a broken file, a seccomp profile);
 * inputs that would make lxc.include or lxc.seccomp.profile read anything outside it are skipped, so
 * the fuzzer never reads host files or devices.
 *
 * Invariants: the parse returns 0 or -EINVAL (diagnostics iff -EINVAL, at most BERTH_CONFIG_DIAG_MAX
 * + 1 errors); every implemented key can be read back; a config that parsed cleanly serialises to text
 * that parses cleanly again and serialises to the same text. */

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>

#include "config/config.h"
#include "fuzz.h"
#include "util/fileio.h"
#include "util/macro.h"
#include "util/strv.h"

static char *fixture_dir;

static void fixture_cleanup(void) {
        if (fixture_dir)
                (void) rm_rf(fixture_dir);
        fixture_dir = mfree(fixture_dir);
}

static void fixture_write(const char *name, const char *text) {
        _cleanup_free_ char *p = NULL;
        if (asprintf(&p, "%s/%s", fixture_dir, name) < 0 || write_file_atomic(p, text, strlen(text), 0644) < 0)
                abort();
}

static void fixture_setup(void) {
        if (fixture_dir)
                return;

        char tmpl[] = "/tmp/berth-fuzz-config.XXXXXX";
        if (!mkdtemp(tmpl))
                abort();
        fixture_dir = strdup(tmpl);
        if (!fixture_dir)
                abort();
        atexit(fixture_cleanup);

        fixture_write("inc.conf", "lxc.uts.name = included\nlxc.environment = FROM_INCLUDE=1\n");
        fixture_write("loop.conf", "lxc.include = loop.conf\n");
        fixture_write("bad.conf", "not a key value line\nlxc.nonexistent = 1\nlxc.tty.max = x\n");
        fixture_write("nested.conf", "lxc.include = inc.conf\nlxc.include = d\n");
        fixture_write("p.seccomp", "2\ndenylist\nreject_force_umount\nkexec_load errno 1\n");
        fixture_write("bad.seccomp", "2\nallowlist\nread bogus_action\n");

        _cleanup_free_ char *d = NULL;
        if (asprintf(&d, "%s/d", fixture_dir) < 0 || mkdir(d, 0755) < 0)
                abort();
        fixture_write("d/10-a.conf", "lxc.tty.max = 2\nlxc.mount.auto = proc sys\n");
        fixture_write("d/20-b.conf", "lxc.cap.drop = sys_module\nlxc.include = ../inc.conf\n");
        fixture_write("d/ignored.txt", "this is no config\n");
}

static char *strip(char *s) {
        s += strspn(s, " \t");
        size_t n = strlen(s);
        while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
                s[--n] = 0;
        return s;
}

/* Keys whose value is a path the parser opens. */
static bool key_reads_files(const char *key) {
        return streq(key, "lxc.include") || streq(key, "lxc.seccomp.profile");
}

/* True if some line would make the parser open a path outside the fixture directory (split into
 * lines and "key = value" exactly as config.c does). */
static bool text_escapes_fixture(const char *text) {
        _cleanup_free_ char *copy = strdup(text);
        if (!copy)
                abort();
        for (char *p = copy; p;) {
                char *l = p;
                p = strchr(p, '\n');
                if (p)
                        *p++ = 0;
                char *eq = strchr(l, '=');
                if (!eq)
                        continue;
                *eq = 0;
                const char *key = strip(l), *value = strip(eq + 1);
                if (key_reads_files(key) && (value[0] == '/' || strstr(value, "..")))
                        return true;
        }
        return false;
}

static void check_readback(const BerthConfig *c) {
        for (const char *const *k = berth_config_list_keys(); *k; k++) {
                _cleanup_free_ char *v = NULL;
                int r = berth_config_get_item(c, *k, &v);
                fuzz_assert(r >= 0 ? v != NULL : r != -ENOMEM, "get %s: %d", *k, r);
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_free_ char *text = fuzz_text(data, size);
        _cleanup_(berth_config_freep) BerthConfig *c = NULL;
        BerthConfigDiag diag = {};
        int r;

        fixture_setup();
        if (text_escapes_fixture(text))
                return 0;

        /* The host-key scan never follows includes: safe on any text. */
        _cleanup_strv_free_ char **host_keys = NULL;
        r = berth_config_text_host_keys(text, &host_keys);
        fuzz_assert(r >= 0 && host_keys, "text_host_keys: %d", r);

        if (berth_config_new(&c) < 0)
                abort();
        r = berth_config_load_string_at(c, text, "config", fixture_dir, &diag);
        fuzz_assert(r == 0 || r == -EINVAL, "load returned %d", r);
        fuzz_assert((r == -EINVAL) == (strv_length(diag.errors) > 0), "load returned %d with %zu errors", r,
                    strv_length(diag.errors));
        fuzz_assert(strv_length(diag.errors) <= BERTH_CONFIG_DIAG_MAX + 1, "%zu errors kept",
                    strv_length(diag.errors));
        if (getenv("BERTH_FUZZ_DEBUG")) /* for writing seeds: show what the parser made of one */
                STRV_FOREACH(e, diag.errors)
                        fprintf(stderr, "fuzz-config: %s\n", *e);
        berth_config_diag_done(&diag);

        /* A failed load leaves c partially filled: callers only free it, but reading it must be safe. */
        check_readback(c);
        _cleanup_free_ char *s1 = NULL;
        fuzz_assert(berth_config_to_string(c, &s1) >= 0 && s1, "to_string failed");
        _cleanup_strv_free_ char **argv = NULL;
        (void) berth_config_init_argv(c, &argv);
        if (r < 0)
                return 0;

        /* Round trip: what berth writes back must load again, to the same configuration. */
        _cleanup_(berth_config_freep) BerthConfig *c2 = NULL;
        if (berth_config_new(&c2) < 0)
                abort();
        r = berth_config_load_string_at(c2, s1, "config", fixture_dir, &diag);
        if (r < 0) {
                fprintf(stderr, "serialised text:\n%s\nerrors:\n", s1);
                STRV_FOREACH(e, diag.errors)
                        fprintf(stderr, "  %s\n", *e);
                fuzz_fail("serialised config does not load again: %d", r);
        }
        berth_config_diag_done(&diag);
        _cleanup_free_ char *s2 = NULL;
        fuzz_assert(berth_config_to_string(c2, &s2) >= 0 && s2, "to_string failed");
        if (!streq(s1, s2)) {
                fprintf(stderr, "first:\n%s\nsecond:\n%s\n", s1, s2);
                fuzz_fail("serialised config changes on reload");
        }
        return 0;
}
