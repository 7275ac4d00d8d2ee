/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The LXC configuration language (lib/config): every implemented key, includes, diagnostics, sizes,
 * signals, supported/host key questions and the to_string round trip. No root needed. */

#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "config/config.h"
#include "tap.h"
#include "unit-util.h"
#include "util/fileio.h"
#include "util/strv.h"

static char tmpdir[PATH_MAX];

/* set_item; returns r and checks the error message when expected_error is not NULL. */
static int set(BerthConfig *c, const char *key, const char *value, const char *expected_error) {
        _cleanup_free_ char *err = NULL;
        int r = berth_config_set_item(c, key, value, &err);
        if (expected_error)
                TAP_EQ_STR(err, expected_error, "error message of %s = %s", key, value);
        return r;
}

static void write_file(const char *rel, const char *text) {
        char path[PATH_MAX * 2];
        snprintf(path, sizeof path, "%s/%s", tmpdir, rel);
        if (write_file_atomic(path, text, strlen(text), 0644) < 0)
                abort();
}

static bool strv_has_substr(char **l, const char *s) {
        STRV_FOREACH(i, l)
                if (strstr(*i, s))
                        return true;
        return false;
}

static void test_defaults(void) {
        _cleanup_(berth_config_freep) BerthConfig *c = NULL;
        TAP_EQ_INT(berth_config_new(&c), 0, "new config");
        TAP_EQ_INT(c->autodev, 1, "lxc.autodev defaults to 1");
        TAP_EQ_INT(c->log_level, -1, "lxc.log.level unset");
        TAP_OK(c->personality == 0xffffffffUL, "lxc.arch unset");
        CHECK_GET(c, "lxc.uts.name", "");
        CHECK_GET(c, "lxc.environment", "");
        CHECK_GET(c, "lxc.autodev", "1");
        _cleanup_strv_free_ char **argv = NULL;
        TAP_EQ_INT(berth_config_init_argv(c, &argv), 0, "init argv default");
        TAP_EQ_INT(strv_length(argv), 1, "one word");
        TAP_EQ_STR(argv[0], "/sbin/init", "default init is /sbin/init");
}

static void test_scalar_keys(void) {
        _cleanup_(berth_config_freep) BerthConfig *c = NULL;
        TAP_EQ_INT(berth_config_new(&c), 0, "new config");

        /* lxc.uts.name */
        TAP_EQ_INT(set(c, "lxc.uts.name", "web-1.example", NULL), 0, "uts.name set");
        CHECK_GET(c, "lxc.uts.name", "web-1.example");
        TAP_EQ_INT(set(c, "lxc.uts.name", "bad_name!", "lxc.uts.name: invalid host name 'bad_name!' (letters, "
                       "digits, '-' and '.', at most 64 characters)"), -EINVAL, "uts.name rejects '_' and '!'");
        TAP_EQ_INT(set(c, "lxc.uts.name", "-lead", NULL), -EINVAL, "uts.name rejects a leading '-'");
        char longname[80];
        memset(longname, 'a', 65);
        longname[65] = 0;
        TAP_EQ_INT(set(c, "lxc.uts.name", longname, NULL), -EINVAL, "uts.name rejects 65 characters");
        CHECK_GET(c, "lxc.uts.name", "web-1.example");
        TAP_EQ_INT(berth_config_clear_item(c, "lxc.uts.name"), 0, "uts.name clear");
        CHECK_GET(c, "lxc.uts.name", "");

        /* lxc.rootfs.path */
        TAP_EQ_INT(set(c, "lxc.rootfs.path", "dir:/var/lib/berth/c1/rootfs", NULL), 0, "rootfs dir: prefix");
        CHECK_GET(c, "lxc.rootfs.path", "/var/lib/berth/c1/rootfs");
        TAP_EQ_INT(set(c, "lxc.rootfs.path", "/srv/root", NULL), 0, "rootfs plain path");
        TAP_EQ_STR(c->rootfs_path, "/srv/root", "rootfs stored");
        TAP_EQ_INT(set(c, "lxc.rootfs.path", "overlayfs:/a:/b",
                       "lxc.rootfs.path: berth supports only directory rootfs (not 'overlayfs')"),
                   -EOPNOTSUPP, "overlayfs rootfs refused");
        TAP_EQ_INT(set(c, "lxc.rootfs.path", "zfs:tank/c1", NULL), -EOPNOTSUPP, "zfs rootfs refused");
        TAP_EQ_INT(set(c, "lxc.rootfs.path", "rootfs", NULL), -EINVAL, "relative rootfs refused");
        TAP_EQ_INT(set(c, "lxc.rootfs.path", "", NULL), 0, "empty value clears");
        TAP_OK(c->rootfs_path == NULL, "rootfs cleared");

        /* lxc.init.cmd */
        TAP_EQ_INT(set(c, "lxc.init.cmd", "/bin/sh -c 'echo hi  there' \"a \\\"q\\\" b\" x\\ y", NULL), 0,
                   "init.cmd with quoting");
        _cleanup_strv_free_ char **argv = NULL;
        TAP_EQ_INT(berth_config_init_argv(c, &argv), 0, "init argv split");
        TAP_EQ_INT(strv_length(argv), 5, "five words");
        if (strv_length(argv) == 5) {
                TAP_EQ_STR(argv[0], "/bin/sh", "argv[0]");
                TAP_EQ_STR(argv[2], "echo hi  there", "single quotes keep spaces");
                TAP_EQ_STR(argv[3], "a \"q\" b", "double quotes with escapes");
                TAP_EQ_STR(argv[4], "x y", "backslash-escaped space");
        }
        CHECK_GET(c, "lxc.init.cmd", "/bin/sh -c 'echo hi  there' \"a \\\"q\\\" b\" x\\ y");
        TAP_EQ_INT(set(c, "lxc.init.cmd", "/bin/sh -c 'oops", NULL), -EINVAL, "unbalanced quote refused");

        /* lxc.init.cwd */
        TAP_EQ_INT(set(c, "lxc.init.cwd", "/root", NULL), 0, "init.cwd absolute");
        CHECK_GET(c, "lxc.init.cwd", "/root");
        TAP_EQ_INT(set(c, "lxc.init.cwd", "root", "lxc.init.cwd: 'root' is not an absolute path"), -EINVAL,
                   "init.cwd relative refused");

        /* lxc.autodev */
        TAP_EQ_INT(set(c, "lxc.autodev", "0", NULL), 0, "autodev 0");
        TAP_EQ_INT(c->autodev, 0, "autodev stored");
        TAP_EQ_INT(set(c, "lxc.autodev", "2", "lxc.autodev: can only be set to 0 or 1"), -EINVAL, "autodev 2");
        TAP_EQ_INT(berth_config_clear_item(c, "lxc.autodev"), 0, "autodev clear");
        TAP_EQ_INT(c->autodev, 1, "autodev back to default 1");

        /* lxc.tty.max, lxc.pty.max */
        TAP_EQ_INT(set(c, "lxc.tty.max", "4", NULL), 0, "tty.max");
        TAP_EQ_INT(set(c, "lxc.pty.max", " 1024", NULL), 0, "pty.max with leading blank");
        TAP_EQ_INT(c->tty_max, 4, "tty_max");
        TAP_EQ_INT(c->pty_max, 1024, "pty_max");
        CHECK_GET(c, "lxc.pty.max", "1024");
        TAP_EQ_INT(set(c, "lxc.tty.max", "-1", NULL), -EINVAL, "negative tty.max");
        TAP_EQ_INT(set(c, "lxc.tty.max", "4x", NULL), -EINVAL, "trailing garbage");
        TAP_EQ_INT(set(c, "lxc.tty.max", "99999999999", NULL), -ERANGE, "tty.max overflow is ERANGE");
        TAP_EQ_INT(berth_config_clear_item(c, "lxc.tty.max"), 0, "tty.max clear");
        CHECK_GET(c, "lxc.tty.max", "0");

        /* lxc.console.logfile, lxc.console.rotate, lxc.log.file */
        TAP_EQ_INT(set(c, "lxc.console.logfile", "/var/log/c1.console", NULL), 0, "console.logfile");
        CHECK_GET(c, "lxc.console.logfile", "/var/log/c1.console");
        TAP_EQ_INT(set(c, "lxc.console.rotate", "1", NULL), 0, "console.rotate 1");
        TAP_OK(c->console_rotate, "rotate stored");
        TAP_EQ_INT(set(c, "lxc.console.rotate", "yes", "lxc.console.rotate: can only be set to 0 or 1"), -EINVAL,
                   "rotate yes refused");
        TAP_EQ_INT(set(c, "lxc.log.file", "/var/log/c1.log", NULL), 0, "log.file");
        CHECK_GET(c, "lxc.log.file", "/var/log/c1.log");
        TAP_EQ_INT(berth_config_clear_item(c, "lxc.log.file"), 0, "log.file clear");
        CHECK_GET(c, "lxc.log.file", "");

        /* lxc.log.level */
        TAP_EQ_INT(set(c, "lxc.log.level", "DEBUG", NULL), 0, "log.level name");
        TAP_EQ_INT(c->log_level, LOG_DEBUG, "DEBUG is LOG_DEBUG");
        CHECK_GET(c, "lxc.log.level", "DEBUG");
        TAP_EQ_INT(set(c, "lxc.log.level", "warn", NULL), 0, "log.level lower case");
        TAP_EQ_INT(c->log_level, LOG_WARNING, "warn");
        TAP_EQ_INT(set(c, "lxc.log.level", "3", NULL), 0, "log.level number");
        TAP_EQ_INT(c->log_level, LOG_NOTICE, "3 is NOTICE");
        CHECK_GET(c, "lxc.log.level", "NOTICE");
        TAP_EQ_INT(set(c, "lxc.log.level", "9", NULL), -EINVAL, "log.level 9 refused");
        TAP_EQ_INT(set(c, "lxc.log.level", "LOUD", NULL), -EINVAL, "log.level LOUD refused");
        TAP_EQ_INT(berth_config_clear_item(c, "lxc.log.level"), 0, "log.level clear");
        CHECK_GET(c, "lxc.log.level", "");

        /* lxc.signal.* */
        TAP_EQ_INT(set(c, "lxc.signal.halt", "SIGRTMIN+3", NULL), 0, "signal.halt RTMIN+3");
        TAP_EQ_INT(c->signal_halt, SIGRTMIN + 3, "halt = SIGRTMIN+3");
        TAP_EQ_INT(set(c, "lxc.signal.reboot", "int", NULL), 0, "signal.reboot lower case");
        TAP_EQ_INT(c->signal_reboot, SIGINT, "reboot = SIGINT");
        TAP_EQ_INT(set(c, "lxc.signal.stop", "9", NULL), 0, "signal.stop number");
        CHECK_GET(c, "lxc.signal.stop", "9");
        TAP_EQ_INT(set(c, "lxc.signal.stop", "SIGNOPE", NULL), -EINVAL, "unknown signal refused");
        TAP_EQ_INT(berth_config_clear_item(c, "lxc.signal.halt"), 0, "signal.halt clear");
        CHECK_GET(c, "lxc.signal.halt", "");

        /* lxc.arch */
        TAP_EQ_INT(set(c, "lxc.arch", "i686", NULL), 0, "arch i686");
        TAP_OK(c->personality == PER_LINUX32, "i686 is PER_LINUX32");
        TAP_EQ_INT(set(c, "lxc.arch", "amd64", NULL), 0, "arch amd64");
        TAP_OK(c->personality == PER_LINUX, "amd64 is PER_LINUX");
        TAP_EQ_INT(set(c, "lxc.arch", "aarch64", NULL), 0, "arch aarch64");
        CHECK_GET(c, "lxc.arch", "aarch64");
        TAP_EQ_INT(set(c, "lxc.arch", "vax", "lxc.arch: unknown architecture 'vax'"), -EINVAL, "arch vax refused");
        TAP_EQ_INT(berth_config_clear_item(c, "lxc.arch"), 0, "arch clear");
        TAP_OK(c->personality == 0xffffffffUL, "personality unset after clear");

        /* A value with a line break could not be written back. */
        TAP_EQ_INT(set(c, "lxc.uts.name", "a\nlxc.hook.start = /evil", NULL), -EINVAL, "newline in value refused");
}

static void test_list_keys(void) {
        _cleanup_(berth_config_freep) BerthConfig *c = NULL;
        TAP_EQ_INT(berth_config_new(&c), 0, "new config");

        /* lxc.environment */
        setenv("BERTH_TEST_FROM_HOST", "host value", 1);
        unsetenv("BERTH_TEST_NOT_SET");
        TAP_EQ_INT(set(c, "lxc.environment", "A=1", NULL), 0, "environment A=1");
        TAP_EQ_INT(set(c, "lxc.environment", "B=two words=x", NULL), 0, "environment with '=' in the value");
        TAP_EQ_INT(set(c, "lxc.environment", "BERTH_TEST_FROM_HOST", NULL), 0, "bare VAR from host");
        CHECK_GET(c, "lxc.environment", "A=1\nB=two words=x\nBERTH_TEST_FROM_HOST=host value");
        TAP_EQ_INT(set(c, "lxc.environment", "BERTH_TEST_NOT_SET", NULL), -EINVAL, "bare VAR missing on host");
        TAP_EQ_INT(set(c, "lxc.environment", "=x", NULL), -EINVAL, "empty variable name");
        TAP_EQ_INT(set(c, "lxc.environment", "", NULL), 0, "empty value clears the list");
        CHECK_GET(c, "lxc.environment", "");
        TAP_OK(strv_length(c->environment) == 0, "environment empty");

        /* lxc.mount.auto */
        TAP_EQ_INT(set(c, "lxc.mount.auto", "proc:mixed sys:mixed cgroup:mixed", NULL), 0, "LXC template mount.auto");
        unsigned want = BERTH_MOUNT_AUTO_PROC | BERTH_MOUNT_AUTO_SYS_RO | BERTH_MOUNT_AUTO_CGROUP2;
        TAP_EQ_INT(c->mount_auto, want, "cgroup:mixed maps onto cgroup2");
        TAP_EQ_INT(set(c, "lxc.mount.auto", "proc:rw cgroup2:ro:force", NULL), 0, "mount.auto accumulates");
        want = BERTH_MOUNT_AUTO_PROC | BERTH_MOUNT_AUTO_PROC_RW | BERTH_MOUNT_AUTO_SYS_RO |
                        BERTH_MOUNT_AUTO_CGROUP2 | BERTH_MOUNT_AUTO_CGROUP2_RO | BERTH_MOUNT_AUTO_CGROUP2_FORCE;
        TAP_EQ_INT(c->mount_auto, want, "later tokens replace their type");
        CHECK_GET(c, "lxc.mount.auto", "proc:rw sys:ro cgroup2:ro:force");
        TAP_EQ_INT(set(c, "lxc.mount.auto", "", NULL), 0, "mount.auto empty clears");
        TAP_EQ_INT(c->mount_auto, 0, "cleared");
        TAP_EQ_INT(set(c, "lxc.mount.auto", "sys:rw cgroup-full:ro", NULL), 0, "sys:rw, cgroup-full:ro");
        want = BERTH_MOUNT_AUTO_SYS_RW | BERTH_MOUNT_AUTO_CGROUP2 | BERTH_MOUNT_AUTO_CGROUP2_RO;
        TAP_EQ_INT(c->mount_auto, want, "flags");
        TAP_EQ_INT(set(c, "lxc.mount.auto", "proc cgroup2:rw",
                       "lxc.mount.auto: unknown token 'cgroup2:rw' (proc[:mixed|:rw], sys[:ro|:mixed|:rw], "
                       "cgroup2[:ro][:force])"),
                   -EINVAL, "cgroup2:rw is not a token");
        TAP_EQ_INT(set(c, "lxc.mount.auto", "bogus", NULL), -EINVAL, "unknown token");
        TAP_EQ_INT(c->mount_auto, want, "a failed set changes nothing");

        /* lxc.mount.entry */
        TAP_EQ_INT(set(c, "lxc.mount.entry", "/srv/data srv none bind,ro,create=dir,optional 0 0", NULL), 0,
                   "bind entry");
        TAP_EQ_INT(set(c, "lxc.mount.entry", "tmpfs /tmp tmpfs nosuid,nodev,size=64m,mode=1777 0 0", NULL), 0,
                   "tmpfs entry");
        TAP_EQ_INT(set(c, "lxc.mount.entry", "/my\\040dir mnt/x none rbind,create=file", NULL), 0,
                   "escaped space, four fields");
        TAP_EQ_INT(c->n_mount_entries, 3, "three entries");
        if (c->n_mount_entries == 3) {
                BerthMountEntry *e = c->mount_entries;
                TAP_EQ_STR(e[0].source, "/srv/data", "source");
                TAP_EQ_STR(e[0].target, "srv", "relative target kept");
                TAP_EQ_STR(e[0].fstype, "none", "fstype");
                TAP_EQ_INT(e[0].flags, MS_BIND | MS_RDONLY, "bind,ro flags");
                TAP_OK(e[0].create_dir && !e[0].create_file && e[0].optional, "create=dir, optional");
                TAP_OK(e[0].data == NULL, "no data for a bind");
                TAP_EQ_INT(e[1].flags, MS_NOSUID | MS_NODEV, "tmpfs flags");
                TAP_EQ_STR(e[1].data, "size=64m,mode=1777", "fs options become data");
                TAP_EQ_STR(e[2].source, "/my dir", "\\040 decoded");
                TAP_EQ_INT(e[2].flags, MS_BIND | MS_REC, "rbind");
                TAP_OK(e[2].create_file, "create=file");
        }
        CHECK_GET(c, "lxc.mount.entry",
                  "/srv/data srv none bind,ro,create=dir,optional 0 0\n"
                  "tmpfs /tmp tmpfs nosuid,nodev,size=64m,mode=1777 0 0\n"
                  "/my\\040dir mnt/x none rbind,create=file 0 0");
        TAP_EQ_INT(set(c, "lxc.mount.entry", "/only-source",
                       "lxc.mount.entry: mount entry lacks a target (expected: source target fstype options dump pass)"),
                   -EINVAL, "one field");
        TAP_EQ_INT(set(c, "lxc.mount.entry", "/a b",
                       "lxc.mount.entry: mount entry lacks a filesystem type (expected: source target fstype "
                       "options dump pass)"),
                   -EINVAL, "two fields");
        TAP_EQ_INT(set(c, "lxc.mount.entry", "/a b none bind 0 0 extra", NULL), -EINVAL, "seven fields");
        TAP_EQ_INT(set(c, "lxc.mount.entry", "/a b none bind x 0",
                       "lxc.mount.entry: mount entry dump field 'x' is not a number"), -EINVAL, "bad dump");
        TAP_EQ_INT(set(c, "lxc.mount.entry", "/a b none bind,create=pipe 0 0", NULL), -EINVAL, "bad create=");
        TAP_EQ_INT(set(c, "lxc.mount.entry", "/a b none defaults 0 0", NULL), -EINVAL, "none without bind");
        TAP_EQ_INT(c->n_mount_entries, 3, "failed entries not added");
        TAP_EQ_INT(set(c, "lxc.mount.entry", "", NULL), 0, "empty value clears the list");
        TAP_EQ_INT(c->n_mount_entries, 0, "no entries");
        CHECK_GET(c, "lxc.mount.entry", "");
}

static void test_identity_keys(void) {
        _cleanup_(berth_config_freep) BerthConfig *c = NULL;
        TAP_EQ_INT(berth_config_new(&c), 0, "new config");

        /* lxc.cap.drop: names without CAP_, space-separated, appending; stored as CAP_* bits. */
        CHECK_GET(c, "lxc.cap.drop", "");
        TAP_EQ_INT(set(c, "lxc.cap.drop", "sys_admin net_raw", NULL), 0, "cap.drop two names");
        TAP_OK(c->cap_drop == ((1ULL << 21) | (1ULL << 13)), "cap.drop bits are CAP_SYS_ADMIN and CAP_NET_RAW");
        TAP_EQ_INT(set(c, "lxc.cap.drop", "mac_admin\tsys_module  0", NULL), 0, "cap.drop appends, tabs, numbers");
        CHECK_GET(c, "lxc.cap.drop", "chown net_raw sys_module sys_admin mac_admin");
        TAP_EQ_INT(set(c, "lxc.cap.drop", "sys_bogus",
                       "lxc.cap.drop: unknown capability 'sys_bogus' (lowercase names without CAP_, e.g. "
                       "sys_admin, or numbers)"), -EINVAL, "unknown capability named");
        TAP_EQ_INT(set(c, "lxc.cap.drop", "CAP_SYS_ADMIN", NULL), -EINVAL, "CAP_ spelling refused (as LXC)");
        TAP_EQ_INT(set(c, "lxc.cap.drop", "cap_sys_admin", NULL), -EINVAL, "cap_ prefix refused (as LXC)");
        TAP_EQ_INT(set(c, "lxc.cap.drop", "chown,kill", NULL), -EINVAL, "libcap's lenient comma list refused");
        TAP_EQ_INT(set(c, "lxc.cap.drop", "64", NULL), -EINVAL, "capability number out of range");
        TAP_EQ_INT(set(c, "lxc.cap.drop", "kill none", NULL), -EINVAL, "none is only for lxc.cap.keep");
        TAP_EQ_INT(set(c, "lxc.cap.drop", "kill bogus", NULL), -EINVAL, "one bad name fails the whole value");
        CHECK_GET(c, "lxc.cap.drop", "chown net_raw sys_module sys_admin mac_admin");
        TAP_EQ_INT(set(c, "lxc.cap.keep", "chown",
                       "lxc.cap.keep: lxc.cap.drop and lxc.cap.keep are mutually exclusive (lxc.cap.drop is "
                       "already set)"), -EINVAL, "keep after drop refused, naming both");
        CHECK_GET(c, "lxc.cap.keep", "");
        TAP_EQ_INT(set(c, "lxc.cap.drop", "", NULL), 0, "empty cap.drop clears");
        TAP_OK(c->cap_drop == 0, "drop mask cleared");

        /* lxc.cap.keep */
        TAP_EQ_INT(set(c, "lxc.cap.keep", "chown", NULL), 0, "cap.keep chown");
        TAP_OK(c->cap_keep_set && c->cap_keep == 1, "keep = chown: bit 0 only");
        TAP_EQ_INT(set(c, "lxc.cap.drop", "sys_admin",
                       "lxc.cap.drop: lxc.cap.drop and lxc.cap.keep are mutually exclusive (lxc.cap.keep is "
                       "already set)"), -EINVAL, "drop after keep refused, naming both");
        TAP_OK(c->cap_drop == 0, "refused drop left nothing behind");
        TAP_EQ_INT(set(c, "lxc.cap.keep", "kill", NULL), 0, "cap.keep appends");
        CHECK_GET(c, "lxc.cap.keep", "chown kill");
        TAP_EQ_INT(set(c, "lxc.cap.keep", "none", NULL), 0, "keep = none");
        TAP_OK(c->cap_keep_set && c->cap_keep == 0, "keep = none: set, keeping nothing");
        CHECK_GET(c, "lxc.cap.keep", "none");
        TAP_EQ_INT(set(c, "lxc.cap.keep", "none setuid", NULL), 0, "names after none are kept");
        CHECK_GET(c, "lxc.cap.keep", "setuid");
        TAP_EQ_INT(set(c, "lxc.cap.keep", "net_bind_service bogus",
                       "lxc.cap.keep: unknown capability 'bogus' (lowercase names without CAP_, e.g. sys_admin, "
                       "or numbers); or none"), -EINVAL, "unknown capability in keep named");
        CHECK_GET(c, "lxc.cap.keep", "setuid");
        TAP_EQ_INT(berth_config_clear_item(c, "lxc.cap.keep"), 0, "clear cap.keep");
        TAP_OK(!c->cap_keep_set, "keep cleared");
        TAP_EQ_INT(set(c, "lxc.cap.drop", "sys_time", NULL), 0, "drop allowed again once keep is cleared");
        TAP_OK(berth_config_item_is_supported("lxc.cap.drop") && berth_config_item_is_supported("lxc.cap.keep"),
               "cap keys supported");

        /* lxc.init.uid, lxc.init.gid */
        CHECK_GET(c, "lxc.init.uid", "0");
        CHECK_GET(c, "lxc.init.gid", "0");
        TAP_EQ_INT(set(c, "lxc.init.uid", "1000", NULL), 0, "init.uid 1000");
        TAP_EQ_INT(set(c, "lxc.init.gid", "4294967294", NULL), 0, "init.gid at the top of the range");
        TAP_EQ_INT(c->init_uid, 1000, "uid stored");
        TAP_OK(c->init_gid == 4294967294U, "gid stored");
        CHECK_GET(c, "lxc.init.gid", "4294967294");
        TAP_EQ_INT(set(c, "lxc.init.uid", "4294967295",
                       "lxc.init.uid: '4294967295' is not a valid id (0-4294967294)"), -ERANGE, "(uid_t) -1 refused");
        TAP_EQ_INT(set(c, "lxc.init.uid", "-1", "lxc.init.uid: '-1' is not a non-negative integer"), -EINVAL,
                   "negative uid refused");
        TAP_EQ_INT(set(c, "lxc.init.gid", "10x", NULL), -EINVAL, "trailing garbage refused");
        TAP_EQ_INT(c->init_uid, 1000, "failed sets change nothing");
        TAP_EQ_INT(set(c, "lxc.init.uid", "", NULL), 0, "empty init.uid clears");
        TAP_EQ_INT(c->init_uid, 0, "back to 0");

        /* lxc.init.groups */
        CHECK_GET(c, "lxc.init.groups", "");
        TAP_EQ_INT(set(c, "lxc.init.groups", "4,27", NULL), 0, "init.groups 4,27");
        TAP_EQ_INT(set(c, "lxc.init.groups", "100 , 5", NULL), 0, "init.groups appends, blanks allowed");
        CHECK_GET(c, "lxc.init.groups", "4,27,100,5");
        TAP_EQ_INT(c->n_init_groups, 4, "four groups");
        TAP_EQ_INT(set(c, "lxc.init.groups", "4,,5", "lxc.init.groups: '' is not a group id"), -EINVAL,
                   "empty element refused");
        TAP_EQ_INT(set(c, "lxc.init.groups", "4,", NULL), -EINVAL, "trailing comma refused");
        TAP_EQ_INT(set(c, "lxc.init.groups", "7,wheel", "lxc.init.groups: 'wheel' is not a group id"), -EINVAL,
                   "names are not group ids");
        TAP_EQ_INT(c->n_init_groups, 4, "failed set adds nothing");
        TAP_EQ_INT(set(c, "lxc.init.groups", "", NULL), 0, "empty init.groups clears");
        TAP_EQ_INT(c->n_init_groups, 0, "no groups");

        /* lxc.no_new_privs */
        CHECK_GET(c, "lxc.no_new_privs", "0");
        TAP_EQ_INT(set(c, "lxc.no_new_privs", "1", NULL), 0, "no_new_privs 1");
        TAP_OK(c->no_new_privs, "stored");
        TAP_EQ_INT(set(c, "lxc.no_new_privs", "2", "lxc.no_new_privs: can only be set to 0 or 1"), -EINVAL,
                   "no_new_privs 2 refused");
        TAP_EQ_INT(set(c, "lxc.no_new_privs", "", NULL), 0, "empty clears");
        TAP_OK(!c->no_new_privs, "back to 0");

        /* lxc.idmap */
        uint32_t host = 0;
        TAP_EQ_INT(berth_config_idmap_to_host(c, 'u', 0, &host), -ENOENT, "no idmap: nothing mapped");
        TAP_EQ_INT(set(c, "lxc.idmap", "u 0 100000 65536", NULL), 0, "idmap u");
        TAP_EQ_INT(set(c, "lxc.idmap", "g\t0  100000 65536", NULL), 0, "idmap g, any blanks");
        TAP_EQ_INT(set(c, "lxc.idmap", "u 65536 300000 1", NULL), 0, "a second, adjacent u range");
        CHECK_GET(c, "lxc.idmap", "u 0 100000 65536\ng 0 100000 65536\nu 65536 300000 1");
        TAP_EQ_INT(berth_config_idmap_to_host(c, 'u', 1000, &host), 0, "uid 1000 mapped");
        TAP_EQ_INT(host, 101000, "to 101000");
        TAP_EQ_INT(berth_config_idmap_to_host(c, 'u', 65536, &host), 0, "uid 65536 mapped");
        TAP_EQ_INT(host, 300000, "by the second range");
        TAP_EQ_INT(berth_config_idmap_to_host(c, 'g', 65536, &host), -ENOENT, "gid 65536 not mapped");
        TAP_EQ_INT(set(c, "lxc.idmap", "b 0 100000 65536", "lxc.idmap: unknown id type 'b' (u or g)"), -EINVAL,
                   "bad type named");
        TAP_EQ_INT(set(c, "lxc.idmap", "u 1000 200000 10",
                       "lxc.idmap: namespace ids overlap with 'u 0 100000 65536'"), -EINVAL,
                   "overlapping namespace ids refused");
        TAP_EQ_INT(set(c, "lxc.idmap", "u 70000 165535 10",
                       "lxc.idmap: host ids overlap with 'u 0 100000 65536'"), -EINVAL,
                   "overlapping host ids refused");
        TAP_EQ_INT(set(c, "lxc.idmap", "g 70000 165536 10", NULL), 0, "touching host ranges are fine");
        TAP_EQ_INT(set(c, "lxc.idmap", "u 0 100000", "lxc.idmap: 'u 0 100000' is not 'u|g nsid hostid range'"),
                   -EINVAL, "three fields refused");
        TAP_EQ_INT(set(c, "lxc.idmap", "u 0 100000 1 2", NULL), -EINVAL, "five fields refused");
        TAP_EQ_INT(set(c, "lxc.idmap", "u 80000 1 0", "lxc.idmap: range must be at least 1"), -EINVAL,
                   "empty range refused");
        TAP_EQ_INT(set(c, "lxc.idmap", "u 80000 -5 1", NULL), -EINVAL, "negative host id refused");
        TAP_EQ_INT(set(c, "lxc.idmap", "u 4294967295 1 1", NULL), -ERANGE, "range past the last id refused");
        TAP_EQ_INT(c->n_idmaps, 4, "failed sets add nothing");
        TAP_EQ_INT(set(c, "lxc.idmap", "", NULL), 0, "empty idmap clears");
        TAP_EQ_INT(c->n_idmaps, 0, "no maps");
        TAP_OK(berth_config_item_is_supported("lxc.idmap"), "idmap supported");
}

static void test_net(void) {
        _cleanup_(berth_config_freep) BerthConfig *c = NULL;
        TAP_EQ_INT(berth_config_new(&c), 0, "new config");

        TAP_EQ_INT(set(c, "lxc.net.1.type", "none", NULL), 0, "net.1 none");
        TAP_EQ_INT(set(c, "lxc.net.0.type", "empty", NULL), 0, "net.0 empty");
        TAP_EQ_INT(c->n_netdevs, 2, "two devices");
        if (c->n_netdevs == 2) {
                TAP_EQ_INT(c->netdevs[0].index, 0, "sorted by index");
                TAP_EQ_INT(c->netdevs[0].type, BERTH_NET_EMPTY, "empty");
                TAP_EQ_INT(c->netdevs[1].type, BERTH_NET_NONE, "none");
        }
        CHECK_GET(c, "lxc.net.0.type", "empty");
        CHECK_GET(c, "lxc.net.1.type", "none");
        CHECK_GET(c, "lxc.net.5.type", "");
        TAP_EQ_INT(set(c, "lxc.net.0.type", "veth",
                       "lxc.net.0.type: berth does not implement lxc.net.0.type = veth yet"),
                   -EOPNOTSUPP, "veth not yet");
        TAP_EQ_INT(set(c, "lxc.net.3.type", "macvlan", NULL), -EOPNOTSUPP, "macvlan not yet");
        TAP_EQ_INT(set(c, "lxc.net.3.type", "tunnel", NULL), -EINVAL, "unknown type");
        TAP_EQ_INT(set(c, "lxc.net.7.flags", "up", "lxc.net.7.flags: lxc.net.7.type must be set before lxc.net.7.flags"),
                   -EINVAL, "type must come first");
        TAP_EQ_INT(set(c, "lxc.net.0.flags", "up", "lxc.net.0.flags: berth does not implement lxc.net.0.flags yet"),
                   -EOPNOTSUPP, "flags not yet");
        TAP_EQ_INT(set(c, "lxc.net.0.ipv4.address", "10.0.0.2/24", NULL), -EOPNOTSUPP, "ipv4.address not yet");
        TAP_EQ_INT(set(c, "lxc.net.2147483647.type", "empty", "lxc.net.2147483647.type: index out of range"),
                   -ERANGE, "index INT_MAX out of range");
        TAP_EQ_INT(set(c, "lxc.net.2147483646.type", "empty", NULL), 0, "index INT_MAX-1 accepted");
        TAP_EQ_INT(set(c, "lxc.net.0.asdf", "x", NULL), -ENOENT, "unknown subkey");
        TAP_EQ_INT(set(c, "lxc.net.0.", "x", NULL), -EINVAL, "empty subkey");
        TAP_EQ_INT(set(c, "lxc.net", "eth0", NULL), -EINVAL, "lxc.net only clears");
        TAP_EQ_INT(set(c, "lxc.net.1.type", "", NULL), 0, "empty type removes the device");
        TAP_EQ_INT(c->n_netdevs, 2, "two left");
        TAP_EQ_INT(set(c, "lxc.net", "", NULL), 0, "lxc.net = clears all");
        TAP_EQ_INT(c->n_netdevs, 0, "none left");
}

static void test_sizes(void) {
        static const struct {
                const char *s;
                int r;
                uint64_t v;
        } cases[] = {
                { "auto", 0, 131072 },          { "AUTO", 0, 131072 },     { "65536", 0, 65536 },
                { "64K", 0, 65536 },            { "64KB", 0, 65536 },      { "64KiB", 0, 65536 },
                { "64k", 0, 65536 },            { "64kb", 0, 65536 },      { "64 kB", 0, 65536 },
                { "2M", 0, 2097152 },           { "2MiB", 0, 2097152 },    { "1G", 0, 1073741824 },
                { "3GB", 0, UINT64_C(3221225472) }, { "0", 0, 0 },         { "100 ", 0, 100 },
                { "1TB", -EINVAL, 0 },          { "1T", -EINVAL, 0 },      { "12X", -EINVAL, 0 },
                { "", -EINVAL, 0 },             { "-1", -EINVAL, 0 },      { "K", -EINVAL, 0 },
                { "99999999999999999999", -ERANGE, 0 }, { "17179869184G", -ERANGE, 0 },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                uint64_t v = 0;
                int r = berth_parse_size(cases[i].s, &v);
                TAP_EQ_INT(r, cases[i].r, "parse_size(\"%s\") result", cases[i].s);
                if (r == 0)
                        TAP_EQ_INT(v, cases[i].v, "parse_size(\"%s\") value", cases[i].s);
        }

        uint64_t page = (uint64_t) sysconf(_SC_PAGESIZE);
        bool changed = true;
        TAP_EQ_INT(berth_round_buffer_size(0, &changed), 0, "0 stays 0 (disabled)");
        TAP_OK(!changed, "0 unchanged");
        TAP_EQ_INT(berth_round_buffer_size(1, &changed), page, "1 raised to the page size");
        TAP_OK(changed, "changed");
        TAP_EQ_INT(berth_round_buffer_size(page, &changed), page, "page size kept");
        TAP_OK(!changed, "unchanged");
        TAP_EQ_INT(berth_round_buffer_size(50000, &changed), 65536, "50000 rounded to 65536");
        TAP_EQ_INT(berth_round_buffer_size(65537, NULL), 131072, "65537 rounded to 131072");

        /* Through the config, with notices. */
        _cleanup_(berth_config_freep) BerthConfig *c = NULL;
        _cleanup_(berth_config_diag_done) BerthConfigDiag d = {};
        TAP_EQ_INT(berth_config_new(&c), 0, "new config");
        int r = berth_config_load_string(c, "lxc.console.buffer.size = 50000\nlxc.console.size = 100\n",
                                         "sizes.conf", &d);
        TAP_EQ_INT(r, 0, "sizes load");
        TAP_EQ_INT(c->console_buffer_size, 65536, "buffer size rounded up");
        TAP_EQ_INT(c->console_size, page, "console size raised to the page size");
        TAP_EQ_INT(strv_length(d.notices), 2, "two notices");
        if (strv_length(d.notices) == 2) {
                TAP_EQ_STR(d.notices[0], "sizes.conf:1: lxc.console.buffer.size: 50000 rounded up to 65536 (at least "
                                         "the page size, and a power of two)", "notice text");
                TAP_OK(strstr(d.notices[1], "sizes.conf:2: lxc.console.size: 100 rounded up to"), "second notice");
        }
        TAP_OK(strv_length(d.errors) == 0, "no errors");
        CHECK_GET(c, "lxc.console.buffer.size", "65536");

        TAP_EQ_INT(set(c, "lxc.console.buffer.size", "auto", NULL), 0, "auto");
        CHECK_GET(c, "lxc.console.buffer.size", "131072");
        TAP_EQ_INT(set(c, "lxc.console.buffer.size", "64K", NULL), 0, "64K");
        TAP_EQ_INT(c->console_buffer_size, 65536, "64K is 65536, not 64 bytes");
        TAP_EQ_INT(set(c, "lxc.console.buffer.size", "1TB",
                       "lxc.console.buffer.size: invalid size '1TB' (bytes, K/KB/KiB, M/MB/MiB, G/GB/GiB or auto)"),
                   -EINVAL, "1TB refused");
        TAP_EQ_INT(set(c, "lxc.console.buffer.size", "0", NULL), 0, "0 disables");
        TAP_EQ_INT(c->console_buffer_size, 0, "disabled");
        TAP_EQ_INT(set(c, "lxc.console.size", "", NULL), 0, "clear console.size");
        TAP_EQ_INT(c->console_size, 0, "console.size cleared");
}

static void test_signals(void) {
        static const struct {
                const char *s;
                int sig;
        } cases[] = {
                { "SIGKILL", SIGKILL }, { "KILL", SIGKILL }, { "kill", SIGKILL }, { "sigpwr", SIGPWR },
                { "SIGTERM", SIGTERM }, { "15", 15 },       { "1", 1 },           { "64", 64 },
                { "SIGCHLD", SIGCHLD }, { "CLD", SIGCHLD }, { "SIGRTMAX", 0 },    { "SIGRTMIN", 0 },
                { "65", -EINVAL },      { "0", -EINVAL },   { "SIGFOO", -EINVAL }, { "", -EINVAL },
                { "SIGRTMIN+100", -EINVAL }, { "SIGRTMAX+1", -EINVAL }, { "SIGRTMIN-1", -EINVAL },
                { "9x", -EINVAL },      { "SIG", -EINVAL }, { "99999999999", -EINVAL },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                int expected = cases[i].sig;
                if (streq(cases[i].s, "SIGRTMAX"))
                        expected = SIGRTMAX;
                else if (streq(cases[i].s, "SIGRTMIN"))
                        expected = SIGRTMIN;
                TAP_EQ_INT(berth_parse_signal(cases[i].s), expected, "parse_signal(\"%s\")", cases[i].s);
        }
        TAP_EQ_INT(berth_parse_signal("SIGRTMIN+3"), SIGRTMIN + 3, "SIGRTMIN+3");
        TAP_EQ_INT(berth_parse_signal("rtmax-2"), SIGRTMAX - 2, "rtmax-2");
}

static void test_diagnostics(void) {
        _cleanup_(berth_config_freep) BerthConfig *c = NULL;
        _cleanup_(berth_config_diag_done) BerthConfigDiag d = {};
        TAP_EQ_INT(berth_config_new(&c), 0, "new config");

        const char *text =
                "# a comment\r\n"
                "lxc.uts.name=c1\r\n"             /* 2: no spaces, CRLF */
                "   lxc.tty.max   =   4   \n"     /* 3: blanks everywhere */
                "lxc.uts.nmae = typo\n"           /* 4: typo */
                "\n"
                "lxc.autodev = 5\n"               /* 6: bad value */
                "lxc.hook.mount = /bin/true\n"   /* 7: real LXC key, not yet */
                "lxc.totallyunknown = 1\n"        /* 8: unknown, nothing close */
                "this line has no equals sign\n"  /* 9 */
                "lxc.environment = X=a # not a comment\n"; /* 10: '#' inside a value is kept */
        TAP_EQ_INT(berth_config_load_string(c, text, "/etc/c1.conf", &d), -EINVAL, "errors make the load fail");
        TAP_EQ_INT(strv_length(d.errors), 5, "all five errors reported together");
        if (strv_length(d.errors) == 5) {
                TAP_EQ_STR(d.errors[0], "/etc/c1.conf:4: lxc.uts.nmae: unknown key, did you mean 'lxc.uts.name'?",
                           "typo suggestion with line");
                TAP_EQ_STR(d.errors[1], "/etc/c1.conf:6: lxc.autodev: can only be set to 0 or 1", "bad value line");
                TAP_EQ_STR(d.errors[2], "/etc/c1.conf:7: lxc.hook.mount: berth does not implement "
                                        "lxc.hook.mount yet", "not implemented line");
                TAP_EQ_STR(d.errors[3], "/etc/c1.conf:8: lxc.totallyunknown: unknown key", "unknown key line");
                TAP_EQ_STR(d.errors[4], "/etc/c1.conf:9: this line has no equals sign: not a 'key = value' line",
                           "malformed line");
        }
        TAP_EQ_STR(c->uts_name, "c1", "good lines still parsed (CRLF stripped)");
        TAP_EQ_INT(c->tty_max, 4, "blanks around '=' tolerated");
        CHECK_GET(c, "lxc.environment", "X=a # not a comment");

        _cleanup_free_ char *err = NULL;
        TAP_EQ_INT(berth_config_set_item(c, "lxc.utsname", "x", &err), -ENOENT, "LXC 2 key is unknown");
        TAP_EQ_STR(err, "lxc.utsname: unknown key, did you mean 'lxc.uts.name'?", "suggestion for lxc.utsname");
        TAP_EQ_STR(berth_config_suggest_key("lxc.net.0.tpye"), "lxc.net.0.type", "net subkey suggestion");
        TAP_OK(berth_config_suggest_key("lxc.hook.versionasdfsadfsadf") == NULL, "no suggestion when far");
        TAP_EQ_INT(set(c, "notlxc.key", "1", "notlxc.key: unknown key"), -ENOENT, "non-lxc key unknown");
        TAP_EQ_INT(set(c, "lxc.cgroup.memory.limit_in_bytes", "1", NULL), -ENOENT, "cgroup v1 keys are gone");
}

static void test_not_implemented(void) {
        static const char *const keys[] = {
                "lxc.hook.pre-mount", "lxc.hook.mount", "lxc.hook.autodev", "lxc.hook.clone", "lxc.hook.destroy",
                "lxc.cgroup2.memory.max",
                "lxc.cgroup2.devices.allow", "lxc.cgroup2", "lxc.cgroup.dir", "lxc.cgroup.dir.monitor.pivot",
                "lxc.cgroup.relative", "lxc.apparmor.profile", "lxc.apparmor.raw", "lxc.prlimit.nofile",
                "lxc.sysctl.net.ipv4.ip_forward", "lxc.proc.oom_score_adj", "lxc.start.auto", "lxc.start.delay",
                "lxc.start.order", "lxc.group", "lxc.mount.fstab", "lxc.rootfs.mount", "lxc.rootfs.options",
                "lxc.rootfs.managed", "lxc.tty.dir", "lxc.console.path",
                "lxc.namespace.clone", "lxc.namespace.keep", "lxc.namespace.share.net", "lxc.monitor.unshare",
                "lxc.monitor.signal.pdeath", "lxc.time.offset.boot", "lxc.time.offset.monotonic",
                "lxc.keyring.session", "lxc.ephemeral", "lxc.execute.cmd", "lxc.environment.runtime",
                "lxc.environment.hooks", "lxc.selinux.context", "lxc.selinux.context.keyring", "lxc.sched.core",
                "lxc.autodev.tmpfs.size",
        };
        _cleanup_(berth_config_freep) BerthConfig *c = NULL;
        TAP_EQ_INT(berth_config_new(&c), 0, "new config");
        for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
                _cleanup_free_ char *expected = NULL;
                if (asprintf(&expected, "%s: berth does not implement %s yet", keys[i], keys[i]) < 0)
                        abort();
                TAP_EQ_INT(set(c, keys[i], "1", expected), -EOPNOTSUPP, "%s is not implemented yet", keys[i]);
                char *v = NULL;
                TAP_EQ_INT(berth_config_get_item(c, keys[i], &v), -EOPNOTSUPP, "get %s", keys[i]);
                TAP_OK(!berth_config_item_is_supported(keys[i]), "%s not supported", keys[i]);
        }
        TAP_EQ_INT(set(c, "lxc.cgroup2.", "1", NULL), -EINVAL, "lxc.cgroup2. malformed");
        TAP_EQ_INT(set(c, "lxc.namespace.share.bogus", "1", NULL), -ENOENT, "unknown namespace");
        TAP_EQ_INT(set(c, "lxc.mount.auto", "shmounts:/a", NULL), -EOPNOTSUPP, "shmounts not yet");
}

static void test_supported(void) {
        static const struct {
                const char *key;
                bool supported;
        } cases[] = {
                { "lxc.arch", true },                { "lxc.uts.name", true },
                { "lxc.include", true },             { "lxc.net", true },
                { "lxc.net.0.type", true },          { "lxc.net.17.type", true },
                { "lxc.net.0.asdf", false },         { "lxc.net.2147483647.type", false },
                { "lxc.net.0.", false },             { "lxc.net.", false },
                { "lxc.net.00.type", false },        { "lxc.net.x.type", false },
                { "lxc.net.0.flags", false },        { "lxc.nonsense", false },
                { "lxc.arch.nonsense", false },      { "lxc.cgroup2.memory.max", false },
                { "lxc.hook.start", true },          { "", false },
                { "lxc.hook.mount", false },         { "lxc.hook.version", true },
                { "lxc.console.buffer.size", true }, { "lxc.mount.entry", true },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++)
                TAP_EQ_INT(berth_config_item_is_supported(cases[i].key), cases[i].supported,
                           "item_is_supported(\"%s\")", cases[i].key);
        TAP_OK(!berth_config_item_is_supported(NULL), "NULL not supported");

        const char *const *keys = berth_config_list_keys();
        bool has_uts = false, has_hook = false;
        for (size_t i = 0; keys[i]; i++) {
                has_uts = has_uts || streq(keys[i], "lxc.uts.name");
                has_hook = has_hook || streq(keys[i], "lxc.hook.mount");
                TAP_OK(berth_config_item_is_supported(keys[i]), "listed key %s is supported", keys[i]);
        }
        TAP_OK(has_uts && !has_hook, "list_keys has implemented keys only");
}

/* The well-formedness check of parametrised families, reached through the generic rule: lxc.cgroup2.*
 * is well-formed-but-not-implemented (-EOPNOTSUPP) vs malformed (-EINVAL). When the family gets a set
 * function, the first kind becomes "supported". */
static void test_family_wellformed(void) {
        _cleanup_(berth_config_freep) BerthConfig *c = NULL;
        TAP_EQ_INT(berth_config_new(&c), 0, "new config");
        TAP_EQ_INT(set(c, "lxc.cgroup2.memory.max", "1G", NULL), -EOPNOTSUPP, "cgroup2.memory.max well-formed");
        TAP_EQ_INT(set(c, "lxc.cgroup2.memory..max", "1G", NULL), -EINVAL, "empty component malformed");
        TAP_EQ_INT(set(c, "lxc.cgroup2.memory.max.", "1G", NULL), -EINVAL, "trailing dot malformed");
        TAP_EQ_INT(set(c, "lxc.cgroup2.mem/ory", "1G", NULL), -EINVAL, "slash malformed");
}

static void test_host_keys(void) {
        static const char *const host[] = {
                "lxc.include", "lxc.rootfs.path", "lxc.rootfs.mount", "lxc.mount.entry", "lxc.mount.fstab",
                "lxc.hook.pre-start", "lxc.hook", "lxc.net.0.link", "lxc.net.3.script.up",
                "lxc.net.0.script.down", "lxc.seccomp.profile", "lxc.seccomp.notify.proxy", "lxc.cap.drop",
                "lxc.cap.keep", "lxc.idmap", "lxc.console.logfile", "lxc.console.path", "lxc.log.file",
                "lxc.apparmor.profile", "lxc.selinux.context", "lxc.namespace.share.net", "lxc.namespace.clone",
                "lxc.cgroup.dir", "lxc.cgroup.dir.monitor", "lxc.cgroup.relative", "lxc.monitor.unshare",
                "lxc.prlimit.nofile", "lxc.sysctl.net.ipv4.ip_forward", "lxc.proc.oom_score_adj",
                "lxc.cgroup2.devices.allow", "lxc.hook.version", "lxc.hook.stop",
                "lxc.environment", /* reaches the host hooks' environment */
        };
        static const char *const guest[] = {
                "lxc.uts.name", "lxc.tty.max", "lxc.net.0.type", "lxc.net.0.name",
                "lxc.cgroup2.memory.max", "lxc.signal.halt", "lxc.console.buffer.size", "lxc.mount.auto",
                "lxc.init.cmd", "lxc.nonsense",
        };
        for (size_t i = 0; i < ELEMENTSOF(host); i++)
                TAP_OK(berth_config_key_is_host(host[i]), "%s is a host key", host[i]);
        for (size_t i = 0; i < ELEMENTSOF(guest); i++)
                TAP_OK(!berth_config_key_is_host(guest[i]), "%s is not a host key", guest[i]);

        TAP_OK(berth_config_item_is_host("lxc.net.0.type", "none"), "net type none shares the host network");
        TAP_OK(!berth_config_item_is_host("lxc.net.0.type", "empty"), "net type empty is private");
        TAP_OK(berth_config_item_is_host("lxc.mount.auto", "proc:mixed sys:rw"), "sys:rw is host");
        TAP_OK(berth_config_item_is_host("lxc.mount.auto", "cgroup:rw:force"), "cgroup:rw:force is host");
        TAP_OK(!berth_config_item_is_host("lxc.mount.auto", "proc:mixed sys:ro cgroup2"), "ro forms are not");
        TAP_OK(berth_config_item_is_host("lxc.hook.start", NULL), "value NULL falls back to the key");

        _cleanup_strv_free_ char **keys = NULL;
        int r = berth_config_text_host_keys(
                           "lxc.uts.name = c1\n"
                           "lxc.mount.entry = /a b none bind 0 0\n"
                           "# lxc.hook.start = /commented/out\n"
                           "lxc.include = /etc/berth/common.conf\n"
                           "  lxc.mount.entry=/c d none bind 0 0\r\n"
                           "lxc.net.0.type = none\n"
                           "lxc.net.1.type = empty\n"
                           "lxc.mount.auto = proc:rw\n"
                           "lxc.environment = A=1\n",
                           &keys);
        TAP_EQ_INT(r, 0, "text_host_keys");
        _cleanup_free_ char *joined = strv_join(keys, ",");
        TAP_EQ_STR(joined, "lxc.mount.entry,lxc.include,lxc.net.0.type,lxc.mount.auto,lxc.environment",
                   "distinct host keys, includes not followed");
        _cleanup_strv_free_ char **none = NULL;
        TAP_EQ_INT(berth_config_text_host_keys("lxc.uts.name = x\n", &none), 0, "no host keys");
        TAP_OK(none && !none[0], "empty list");

        /* The scan reads keys exactly as the loader does: a CR before '=' (which the loader strips) must
         * not hide a host key from the configure-host check. */
        _cleanup_strv_free_ char **cr = NULL;
        TAP_EQ_INT(berth_config_text_host_keys("lxc.include\r = /x\nlxc.hook.pre-start\t\r= /y\n", &cr), 0,
                   "text_host_keys with CR before '='");
        _cleanup_free_ char *cr_joined = strv_join(cr, ",");
        TAP_EQ_STR(cr_joined, "lxc.include,lxc.hook.pre-start", "keys with a trailing CR are still host keys");
}

static void test_includes(void) {
        char path[PATH_MAX * 2];

        snprintf(path, sizeof path, "%s/sub", tmpdir);
        TAP_EQ_INT(mkdir_p(path, 0755), 0, "mkdir sub");
        snprintf(path, sizeof path, "%s/conf.d", tmpdir);
        TAP_EQ_INT(mkdir_p(path, 0755), 0, "mkdir conf.d");

        write_file("main.conf",
                   "lxc.uts.name = main\n"
                   "lxc.include = sub/common.conf\n"
                   "lxc.include = conf.d\n"
                   "lxc.environment = LAST=1\n");
        write_file("sub/common.conf",
                   "lxc.environment = COMMON=1\n"
                   "lxc.include = ../extra.conf\n"); /* relative to sub/ */
        write_file("extra.conf", "lxc.tty.max = 3\n");
        write_file("conf.d/20-b.conf", "lxc.environment = B=1\n");
        write_file("conf.d/10-a.conf", "lxc.environment = A=1\n");
        write_file("conf.d/30-c.txt", "lxc.environment = NOT=1\n");
        write_file("conf.d/.hidden.conf", "lxc.environment = HIDDEN=1\n");

        _cleanup_(berth_config_freep) BerthConfig *c = NULL;
        _cleanup_(berth_config_diag_done) BerthConfigDiag d = {};
        TAP_EQ_INT(berth_config_new(&c), 0, "new config");
        snprintf(path, sizeof path, "%s/main.conf", tmpdir);
        TAP_EQ_INT(berth_config_load_file(c, path, &d), 0, "load with includes");
        TAP_OK(strv_length(d.errors) == 0, "no errors");
        CHECK_GET(c, "lxc.environment", "COMMON=1\nA=1\nB=1\nLAST=1");
        TAP_EQ_INT(c->tty_max, 3, "nested relative include");
        CHECK_GET(c, "lxc.include", "sub/common.conf\nconf.d");

        /* A missing include is an error on the including line; errors inside an include carry the
         * included file's name and line. */
        write_file("bad.conf",
                   "lxc.uts.name = bad\n"
                   "\n"
                   "lxc.include = missing.conf\n"
                   "lxc.include = broken.conf\n"
                   "lxc.tty.max = x\n");
        write_file("broken.conf", "lxc.tty.max = 2\nlxc.autodev = 7\n");
        _cleanup_(berth_config_freep) BerthConfig *c2 = NULL;
        _cleanup_(berth_config_diag_done) BerthConfigDiag d2 = {};
        TAP_EQ_INT(berth_config_new(&c2), 0, "new config");
        snprintf(path, sizeof path, "%s/bad.conf", tmpdir);
        TAP_EQ_INT(berth_config_load_file(c2, path, &d2), -EINVAL, "bad includes fail");
        TAP_EQ_INT(strv_length(d2.errors), 3, "three errors");
        if (strv_length(d2.errors) == 3) {
                char *e0, *e1, *e2;
                if (asprintf(&e0, "%s/bad.conf:3: lxc.include: cannot read '%s/missing.conf': No such file or "
                             "directory", tmpdir, tmpdir) < 0 ||
                    asprintf(&e1, "%s/broken.conf:2: lxc.autodev: can only be set to 0 or 1", tmpdir) < 0 ||
                    asprintf(&e2, "%s/bad.conf:5: lxc.tty.max: 'x' is not a non-negative integer", tmpdir) < 0)
                        abort();
                TAP_EQ_STR(d2.errors[0], e0, "missing include names file and line");
                TAP_EQ_STR(d2.errors[1], e1, "error inside include has its own location");
                TAP_EQ_STR(d2.errors[2], e2, "parsing continues after the include");
                free(e0);
                free(e1);
                free(e2);
        }

        /* A loop is caught. */
        write_file("loop-a.conf", "lxc.include = loop-b.conf\n");
        write_file("loop-b.conf", "lxc.include = loop-a.conf\n");
        _cleanup_(berth_config_freep) BerthConfig *c3 = NULL;
        _cleanup_(berth_config_diag_done) BerthConfigDiag d3 = {};
        TAP_EQ_INT(berth_config_new(&c3), 0, "new config");
        snprintf(path, sizeof path, "%s/loop-a.conf", tmpdir);
        TAP_EQ_INT(berth_config_load_file(c3, path, &d3), -EINVAL, "include loop fails");
        TAP_OK(strv_has_substr(d3.errors, "loop-b.conf:1: lxc.include: ") &&
               strv_has_substr(d3.errors, "include loop"), "loop reported at the looping line");

        /* A long chain of distinct files hits the depth guard. */
        for (int i = 0; i < 20; i++) {
                char name[32], text[64];
                snprintf(name, sizeof name, "chain-%02d.conf", i);
                snprintf(text, sizeof text, "lxc.include = chain-%02d.conf\n", i + 1);
                write_file(name, text);
        }
        write_file("chain-20.conf", "lxc.tty.max = 1\n");
        _cleanup_(berth_config_diag_done) BerthConfigDiag d5 = {};
        snprintf(path, sizeof path, "%s/chain-00.conf", tmpdir);
        TAP_EQ_INT(berth_config_load_file(c3, path, &d5), -EINVAL, "too deep include chain fails");
        TAP_OK(strv_has_substr(d5.errors, "includes nested more than 16 deep"), "depth guard reported");

        /* A missing top-level file. */
        _cleanup_(berth_config_diag_done) BerthConfigDiag d4 = {};
        snprintf(path, sizeof path, "%s/nope.conf", tmpdir);
        TAP_EQ_INT(berth_config_load_file(c3, path, &d4), -EINVAL, "missing file");
        TAP_OK(strv_has_substr(d4.errors, "nope.conf"), "missing file named");

        /* lxc.include as a single item. */
        _cleanup_(berth_config_freep) BerthConfig *c5 = NULL;
        TAP_EQ_INT(berth_config_new(&c5), 0, "new config");
        snprintf(path, sizeof path, "%s/extra.conf", tmpdir);
        TAP_EQ_INT(set(c5, "lxc.include", path, NULL), 0, "set_item lxc.include");
        TAP_EQ_INT(c5->tty_max, 3, "included by set_item");
        snprintf(path, sizeof path, "%s/broken.conf", tmpdir);
        _cleanup_free_ char *err = NULL;
        TAP_EQ_INT(berth_config_set_item(c5, "lxc.include", path, &err), -EINVAL, "set_item of a broken include");
        TAP_OK(err && strstr(err, "broken.conf:2: lxc.autodev: can only be set to 0 or 1"), "its error is returned");
        TAP_EQ_INT(set(c5, "lxc.include", "", NULL), 0, "clear includes");
        CHECK_GET(c5, "lxc.include", "");
}

static void test_round_trip(void) {
        _cleanup_(berth_config_freep) BerthConfig *c = NULL, *c2 = NULL;
        _cleanup_(berth_config_diag_done) BerthConfigDiag d = {}, d2 = {};
        TAP_EQ_INT(berth_config_new(&c), 0, "new config");
        int r = berth_config_load_string(c,
                                            "lxc.uts.name = rt\n"
                                            "lxc.rootfs.path = dir:/srv/rt/rootfs\n"
                                            "lxc.arch = x86_64\n"
                                            "lxc.init.cmd = /bin/sh -c 'sleep 1000'\n"
                                            "lxc.init.cwd = /tmp\n"
                                            "lxc.environment = A=1\n"
                                            "lxc.environment = B=x y\n"
                                            "lxc.mount.auto = proc:mixed sys:ro cgroup:mixed:force\n"
                                            "lxc.mount.entry = /srv/d srv none rbind,ro,create=dir 0 0\n"
                                            "lxc.mount.entry = tmpfs /run tmpfs size=1m,nosuid 0 0\n"
                                            "lxc.mount.entry = /a\\040b c none bind,optional 0 0\n"
                                            "lxc.autodev = 0\n"
                                            "lxc.tty.max = 4\n"
                                            "lxc.pty.max = 1024\n"
                                            "lxc.console.buffer.size = auto\n"
                                            "lxc.console.size = 1M\n"
                                            "lxc.console.logfile = /var/log/rt.console\n"
                                            "lxc.console.rotate = 1\n"
                                            "lxc.log.file = /var/log/rt.log\n"
                                            "lxc.log.level = INFO\n"
                                            "lxc.net.0.type = empty\n"
                                            "lxc.net.3.type = none\n"
                                            "lxc.signal.halt = SIGRTMIN+3\n"
                                            "lxc.signal.reboot = SIGTERM\n"
                                            "lxc.signal.stop = KILL\n"
                                            "lxc.idmap = u 0 100000 65536\n"
                                            "lxc.idmap = g 0 100000 65536\n"
                                            "lxc.cap.keep = none\n"
                                            "lxc.init.uid = 1000\n"
                                            "lxc.init.gid = 1001\n"
                                            "lxc.init.groups = 4,27\n"
                                            "lxc.no_new_privs = 1\n",
                                            "rt.conf", &d);
        TAP_EQ_INT(r, 0, "load full config");
        TAP_OK(strv_length(d.errors) == 0, "no errors");

        _cleanup_free_ char *s1 = NULL, *s2 = NULL;
        TAP_EQ_INT(berth_config_to_string(c, &s1), 0, "to_string");
        TAP_EQ_INT(berth_config_new(&c2), 0, "new config");
        TAP_EQ_INT(berth_config_load_string(c2, s1, "serialised", &d2), 0, "reload serialised text");
        TAP_OK(strv_length(d2.errors) == 0, "serialised text has no errors");
        TAP_EQ_INT(berth_config_to_string(c2, &s2), 0, "to_string again");
        TAP_EQ_STR(s2, s1, "round trip is stable");

        const char *const *keys = berth_config_list_keys();
        for (size_t i = 0; keys[i]; i++) {
                _cleanup_free_ char *a = unit_config_get(c, keys[i]), *b = unit_config_get(c2, keys[i]);
                TAP_EQ_STR(b, a, "%s survives the round trip", keys[i]);
        }
        TAP_EQ_INT(c2->mount_auto, c->mount_auto, "mount_auto equal");
        TAP_EQ_INT(c2->n_mount_entries, 3, "mount entries");
        if (c2->n_mount_entries == 3) {
                TAP_EQ_INT(c2->mount_entries[0].flags, MS_BIND | MS_REC | MS_RDONLY, "flags survive");
                TAP_EQ_STR(c2->mount_entries[2].source, "/a b", "escaped source survives");
                TAP_EQ_STR(c2->mount_entries[1].data, "size=1m", "data survives");
        }
        TAP_EQ_INT(c2->n_netdevs, 2, "netdevs");
        TAP_EQ_INT(c2->signal_halt, SIGRTMIN + 3, "signal survives");
        TAP_EQ_INT(c2->log_level, LOG_INFO, "log level survives");
        TAP_OK(c2->personality == PER_LINUX, "personality survives");
        TAP_EQ_INT(c2->console_buffer_size, 131072, "buffer size survives");
        TAP_EQ_INT(c2->autodev, 0, "autodev 0 survives");
        TAP_OK(strstr(s1, "lxc.net.3.type = none\n") != NULL, "net device written");
        TAP_OK(c2->cap_keep_set && c2->cap_keep == 0, "cap.keep = none survives");
        TAP_EQ_INT(c2->n_idmaps, 2, "idmaps survive");
        TAP_EQ_INT(c2->n_init_groups, 2, "init groups survive");
        TAP_OK(strstr(s1, "lxc.idmap = g 0 100000 65536\n") != NULL, "idmap written one per line");

        /* Both cap keys in one text: the second is an error naming the line. */
        _cleanup_(berth_config_freep) BerthConfig *x = NULL;
        _cleanup_(berth_config_diag_done) BerthConfigDiag dx = {};
        TAP_EQ_INT(berth_config_new(&x), 0, "new config");
        TAP_EQ_INT(berth_config_load_string(x, "lxc.cap.drop = sys_admin\nlxc.cap.keep = chown\n", "caps.conf", &dx),
                   -EINVAL, "drop and keep in one file refused");
        TAP_EQ_STR(dx.errors ? dx.errors[0] : NULL,
                   "caps.conf:2: lxc.cap.keep: lxc.cap.drop and lxc.cap.keep are mutually exclusive "
                   "(lxc.cap.drop is already set)", "error names file, line and both keys");

        /* Defaults are not written. */
        _cleanup_(berth_config_freep) BerthConfig *e = NULL;
        _cleanup_free_ char *empty = NULL;
        TAP_EQ_INT(berth_config_new(&e), 0, "new config");
        TAP_EQ_INT(berth_config_to_string(e, &empty), 0, "to_string of an empty config");
        TAP_EQ_STR(empty, "", "empty config serialises to nothing");
}

int main(void) {
        snprintf(tmpdir, sizeof tmpdir, "/tmp/test-config-XXXXXX");
        if (!mkdtemp(tmpdir)) {
                perror("mkdtemp");
                return 1;
        }
        test_defaults();
        test_scalar_keys();
        test_list_keys();
        test_identity_keys();
        test_net();
        test_sizes();
        test_signals();
        test_diagnostics();
        test_not_implemented();
        test_supported();
        test_family_wellformed();
        test_host_keys();
        test_includes();
        test_round_trip();
        (void) rm_rf(tmpdir);
        return tap_done();
}
