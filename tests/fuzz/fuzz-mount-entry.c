/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lxc.mount.entry lines (fstab format with LXC's options), parsed directly by config_parse_mount_entry()
 * and through the config (berth_config_set_item). Each input line is one entry.
 *
 * Invariants: 0 or -EINVAL/-ENOMEM, a reason iff -EINVAL; an accepted entry has source, target, fstype
 * and options, never both create=dir and create=file; its formatted form (what GetConfigItem shows and
 * to_string writes) parses again to the same fields and formats identically. */

#include <errno.h>
#include <string.h>

#include "config/config-internal.h"
#include "config/config.h"
#include "fuzz.h"
#include "util/macro.h"

static void check_line(const char *line) {
        _cleanup_(config_mount_entry_done) BerthMountEntry e = {}, e2 = {};
        _cleanup_free_ char *reason = NULL, *reason2 = NULL, *f1 = NULL, *f2 = NULL;
        int r;

        r = config_parse_mount_entry(line, &e, &reason);
        fuzz_assert(r == 0 || r == -EINVAL, "parse returned %d", r);
        fuzz_assert((r == -EINVAL) == !!reason, "parse returned %d with reason '%s'", r, strempty(reason));
        if (r < 0)
                return;
        fuzz_assert(e.source && e.target && e.fstype && e.options, "accepted entry lacks a field");
        fuzz_assert(!(e.create_dir && e.create_file), "create=dir and create=file both set");

        f1 = config_mount_entry_format(&e);
        fuzz_assert(f1, "format failed");
        r = config_parse_mount_entry(f1, &e2, &reason2);
        fuzz_assert(r == 0, "'%s' formats as '%s', which does not parse: %s", line, f1, strempty(reason2));
        fuzz_assert(streq(e.source, e2.source) && streq(e.target, e2.target) && streq(e.fstype, e2.fstype) &&
                    streq(e.options, e2.options) && fuzz_streq_null(e.data, e2.data) && e.flags == e2.flags &&
                    e.create_dir == e2.create_dir && e.create_file == e2.create_file &&
                    e.optional == e2.optional,
                    "'%s' formats as '%s', which parses differently", line, f1);
        f2 = config_mount_entry_format(&e2);
        fuzz_assert(f2 && streq(f1, f2), "format not stable: '%s' then '%s'", f1, strempty(f2));
}

static void check_config(const char *line) {
        _cleanup_(berth_config_freep) BerthConfig *c = NULL;
        _cleanup_free_ char *err = NULL, *got = NULL;

        if (berth_config_new(&c) < 0)
                abort();
        int r = berth_config_set_item(c, "lxc.mount.entry", line, &err);
        if (r < 0)
                return;
        r = berth_config_get_item(c, "lxc.mount.entry", &got);
        fuzz_assert(r >= 0 && got, "get lxc.mount.entry: %d", r);
        fuzz_assert(c->n_mount_entries <= 1, "one set made %zu entries", c->n_mount_entries);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_free_ char *text = fuzz_text(data, size);
        unsigned n = 0;

        for (char *p = text; p && n < 64; n++) {
                char *line = p;
                p = strchr(p, '\n');
                if (p)
                        *p++ = 0;
                check_line(line);
                check_config(line);
        }
        return 0;
}
