/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Container names, state strings, paths and API extensions of the C API (no root needed). */
#include <stdlib.h>
#include <string.h>

#include "berth.h"
#include "tap.h"

static void test_names(void) {
        static const char *const good[] = {
                "c1", "C", "0", "web-1", "a.b_c-d", "x1234567890123456789012345678901234567890123456789012345678901",
        };
        static const char *const bad[] = {
                "", "-x", ".hidden", "_x", "a/b", "..", "a b", "a\nb", "ä", "a:b", "a$", "a*",
        };
        char max[65], over[66];

        for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
                TAP_OK(berth_name_is_valid(good[i]), "name '%s' is valid", good[i]);
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
                TAP_OK(!berth_name_is_valid(bad[i]), "bad name #%zu is invalid", i); /* may hold a newline */
        TAP_OK(!berth_name_is_valid(NULL), "NULL name is invalid");

        memset(max, 'a', 64);
        max[64] = 0;
        memset(over, 'a', 65);
        over[65] = 0;
        TAP_OK(berth_name_is_valid(max), "64-character name is valid");
        TAP_OK(!berth_name_is_valid(over), "65-character name is invalid");
}

static void test_states(void) {
        static const char *const names[] = {
                "STOPPED", "STARTING", "RUNNING", "STOPPING", "ABORTING", "FREEZING", "FROZEN",
        };

        TAP_EQ_INT(sizeof names / sizeof names[0], _BERTH_STATE_MAX, "every state has a name");
        for (int s = 0; s < _BERTH_STATE_MAX; s++) {
                TAP_EQ_STR(berth_state_to_string(s), names[s], "state %d is %s", s, names[s]);
                TAP_EQ_INT(berth_state_from_string(names[s]), s, "%s parses back", names[s]);
        }
        TAP_OK(berth_state_to_string(_BERTH_STATE_MAX) == NULL, "out-of-range state has no name");
        TAP_OK(berth_state_to_string((berth_state) -1) == NULL, "negative state has no name");
        TAP_EQ_INT(berth_state_from_string("running"), -EINVAL, "state names are upper-case");
        TAP_EQ_INT(berth_state_from_string("THAWED"), -EINVAL, "THAWED is not a stored state");
        TAP_EQ_INT(berth_state_from_string(NULL), -EINVAL, "NULL state string");
}

static void test_paths(void) {
        berth *b = NULL;

        unsetenv("BERTH_ROOT");
        TAP_EQ_INT(berth_new("/tmp/broot/", &b), 0, "berth_new with a root");
        TAP_EQ_STR(berth_get_root(b), "/tmp/broot", "root without trailing slash");
        TAP_EQ_STR(berth_get_containers_dir(b), "/tmp/broot/containers", "containers dir under the root");
        TAP_EQ_STR(berth_get_run_dir(b), "/tmp/broot/run", "run dir under the root");
        TAP_EQ_STR(berth_get_log_dir(b), "/tmp/broot/log", "log dir under the root");
        b = berth_unref(b);

        setenv("BERTH_ROOT", "/tmp/envroot", 1);
        TAP_EQ_INT(berth_new(NULL, &b), 0, "berth_new from $BERTH_ROOT");
        TAP_EQ_STR(berth_get_containers_dir(b), "/tmp/envroot/containers", "$BERTH_ROOT is used");
        setenv("BERTH_MONITOR", "/opt/x/berth-monitor", 1);
        TAP_EQ_STR(berth_get_monitor_path(b), "/opt/x/berth-monitor", "$BERTH_MONITOR wins");
        TAP_EQ_INT(berth_set_monitor_path(b, "/y/m"), 0, "set monitor path");
        TAP_EQ_STR(berth_get_monitor_path(b), "/y/m", "explicit monitor path");
        b = berth_unref(b);
        unsetenv("BERTH_MONITOR");

        unsetenv("BERTH_ROOT");
        TAP_EQ_INT(berth_new(NULL, &b), 0, "berth_new with installed paths");
        TAP_OK(berth_get_root(b) == NULL, "no root for installed paths");
        TAP_EQ_STR(berth_get_run_dir(b), "/run/berth", "installed run dir");
        char *p = NULL;
        TAP_EQ_INT(berth_container_default_rootfs(b, "../x", &p), -EINVAL, "default rootfs refuses bad names");
        b = berth_unref(b);
}

static void test_extensions(void) {
        const char *const *l = berth_api_extensions();
        size_t n = 0;

        for (; l[n]; n++)
                TAP_OK(berth_has_api_extension(l[n]), "listed extension %s is reported", l[n]);
        TAP_OK(n >= 2, "at least two extensions listed");
        TAP_OK(berth_has_api_extension("console_log"), "console_log works in this build");
        TAP_OK(berth_has_api_extension("lxc_config_item_is_supported"), "lxc_config_item_is_supported");
        TAP_OK(!berth_has_api_extension("network_ipvlan"), "unimplemented extensions are not claimed");
        TAP_OK(!berth_has_api_extension(NULL), "NULL is not an extension");
        TAP_OK(!berth_has_api_extension(""), "empty is not an extension");
}

int main(void) {
        test_names();
        test_states();
        test_paths();
        test_extensions();
        return tap_done();
}
