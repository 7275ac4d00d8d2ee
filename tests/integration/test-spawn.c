/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* spawn_container() against a real busybox rootfs: init is pid 1 with the container's hostname, /dev is
 * populated, mount entries land inside the rootfs (also through a hostile symlink), failures name what
 * failed and leave nothing behind. Root; meson runs it under `unshare -m -n --propagation private`. */

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "config/config.h"
#include "itest-util.h"
#include "spawn/spawn.h"
#include "tests/unit/tap.h"
#include "util/fd-util.h"
#include "util/fileio.h"
#include "util/macro.h"
#include "util/pty-util.h"

static char tmpdir[] = "/tmp/berth-spawn-XXXXXX";
static char rootfs[256], share[256], evilshare[256];

static int build_rootfs(void) {
        static const char *const dirs[] = { "bin", "proc", "sys", "dev", "etc",
                                            "tmp", "mnt", "srv", "root", NULL };
        static const char *const applets[] = { "sh", "cat", "ls", "hostname", "echo", "readlink", "sleep",
                                               "grep", "id", "touch", "mknod", "mkdir", "rmdir", NULL };
        char path[512];
        int r;

        if (!mkdtemp(tmpdir))
                return -errno;
        snprintf(rootfs, sizeof rootfs, "%s/rootfs", tmpdir);
        snprintf(share, sizeof share, "%s/share", tmpdir);
        snprintf(evilshare, sizeof evilshare, "%s/evilshare", tmpdir);
        r = itest_build_busybox_rootfs(rootfs, dirs, applets);
        if (r < 0)
                return r;
        if (mkdir(share, 0755) < 0 || mkdir(evilshare, 0755) < 0)
                return -errno;
        snprintf(path, sizeof path, "%s/ROOTFS_MARKER", rootfs);
        if ((r = itest_write_file(path, "inside-the-rootfs\n")) < 0)
                return r;
        snprintf(path, sizeof path, "%s/etc/container-etc", rootfs);
        if ((r = itest_write_file(path, "x\n")) < 0)
                return r;
        /* The hostile symlink: followed naively from the host it is the host's /etc. */
        snprintf(path, sizeof path, "%s/mnt/evil", rootfs);
        if (symlink("/../../../etc", path) < 0)
                return -errno;
        snprintf(path, sizeof path, "%s/share-marker", share);
        if ((r = itest_write_file(path, "shared\n")) < 0)
                return r;
        snprintf(path, sizeof path, "%s/evil-marker-berth", evilshare);
        return itest_write_file(path, "evil\n");
}

static BerthConfig *config_new(const char *init_cmd) {
        BerthConfig *c = calloc(1, sizeof *c);
        if (!c)
                abort();
        c->uts_name = strdup("berth-spawn-test");
        c->init_cmd = strdup(init_cmd);
        c->autodev = 1;
        c->log_level = -1;
        c->personality = 0xffffffffUL;
        c->mount_auto = BERTH_MOUNT_AUTO_PROC | BERTH_MOUNT_AUTO_SYS_RO | BERTH_MOUNT_AUTO_CGROUP2;
        return c;
}

static void config_add_entry(BerthConfig *c, const char *source, const char *target, unsigned long flags,
                             bool create_dir, bool create_file, bool optional) {
        c->mount_entries = realloc(c->mount_entries, (c->n_mount_entries + 1) * sizeof(BerthMountEntry));
        if (!c->mount_entries)
                abort();
        c->mount_entries[c->n_mount_entries++] = (BerthMountEntry) {
                .source = strdup(source),
                .target = strdup(target),
                .fstype = strdup("none"),
                .options = strdup("bind"),
                .flags = flags,
                .create_dir = create_dir,
                .create_file = create_file,
                .optional = optional,
        };
}

static void config_add_fs(BerthConfig *c, const char *fstype, const char *target, unsigned long flags,
                          const char *data) {
        config_add_entry(c, fstype, target, flags, true, false, false);
        BerthMountEntry *e = &c->mount_entries[c->n_mount_entries - 1];
        free(e->fstype);
        free(e->options);
        e->fstype = strdup(fstype);
        e->options = strdup(data);
        e->data = strdup(data);
}

static void config_free(BerthConfig *c) {
        for (size_t i = 0; i < c->n_mount_entries; i++) {
                free(c->mount_entries[i].source);
                free(c->mount_entries[i].target);
                free(c->mount_entries[i].fstype);
                free(c->mount_entries[i].options);
                free(c->mount_entries[i].data);
        }
        free(c->mount_entries);
        free(c->netdevs);
        free(c->idmaps);
        free(c->init_groups);
        free(c->uts_name);
        free(c->init_cmd);
        free(c);
}

static bool has_word(const char *list, const char *word) {
        size_t l = strlen(word);
        for (const char *p = list; p && (p = strstr(p, word)); p += l)
                if ((p == list || p[-1] == ' ') && (p[l] == ' ' || p[l] == 0))
                        return true;
        return false;
}

/* Find the mountinfo line (between MOUNTINFO and the end marker) for mount point mp; copies its per-mount
 * options and fstype. Returns whether it was found. Later (upper) mounts win. */
static bool mountinfo_find(const char *out, const char *mp, char *ret_opts, char *ret_fstype) {
        const char *p = strstr(out, "\nMOUNTINFO\n");
        bool found = false;
        if (!p)
                return false;
        p += strlen("\nMOUNTINFO\n");
        while (*p && !startswith(p, SCRIPT_END)) {
                size_t n = strcspn(p, "\n");
                char line[1024], f_mp[512], f_opts[256], f_type[64];
                snprintf(line, sizeof line, "%.*s", (int) MIN(n, sizeof line - 1), p);
                const char *dash = strstr(line, " - ");
                if (sscanf(line, "%*s %*s %*s %*s %511s %255s", f_mp, f_opts) == 2 && dash &&
                    sscanf(dash + 3, "%63s", f_type) == 1 && streq(f_mp, mp)) {
                        found = true;
                        if (ret_opts)
                                strcpy(ret_opts, f_opts);
                        if (ret_fstype)
                                strcpy(ret_fstype, f_type);
                }
                p += n;
                if (*p)
                        p++;
        }
        return found;
}

/* Whether any mount point (field 5) in the container's mountinfo contains s. */
static bool mountinfo_mp_contains(const char *out, const char *s) {
        const char *p = strstr(out, "\nMOUNTINFO\n");
        if (!p)
                return true;
        for (p += strlen("\nMOUNTINFO\n"); *p && !startswith(p, SCRIPT_END);) {
                size_t n = strcspn(p, "\n");
                char line[1024], mp[512];
                snprintf(line, sizeof line, "%.*s", (int) MIN(n, sizeof line - 1), p);
                if (sscanf(line, "%*s %*s %*s %*s %511s", mp) == 1 && strstr(mp, s))
                        return true;
                p += n;
                if (*p)
                        p++;
        }
        return false;
}

static bool mountinfo_mentions(const char *path) {
        _cleanup_free_ char *mi = NULL;
        if (read_full_file("/proc/self/mountinfo", &mi, NULL) < 0)
                return true;
        return strstr(mi, path) != NULL;
}

static void self_netns(char *buf, size_t size) {
        ssize_t n = readlink("/proc/self/ns/net", buf, size - 1);
        buf[n < 0 ? 0 : n] = 0;
}

static void test_full_container(void) {
        _cleanup_close_ int master = -EBADF, slave = -EBADF;
        _cleanup_free_ char *slave_path = NULL, *error = NULL, *out = NULL;
        char opts[256], fstype[64], our_net[64], path[512];
        SpawnResult res = { .pid = -1, .pidfd = -EBADF };
        siginfo_t si;

        TAP_EQ_INT(pty_open_console(&master, &slave, &slave_path), 0, "console pty opened");

        BerthConfig *c = config_new(
                "/bin/sh -c '"
                "echo; echo BEGIN; echo PID=$$; echo HOST=$(hostname); "
                "echo ENV=$container/$FOO/$TERM/$PATH; "
                "echo -n CMDLINE=; cat /proc/1/cmdline; echo; "
                "echo DEV=$(ls /dev); echo PTS=$(ls /dev/pts); echo PTMX=$(readlink /dev/ptmx); "
                "echo ROOT=$(cat /ROOTFS_MARKER); echo SHARE=$(ls /srv/share/sub); echo ETC=$(ls /etc); "
                "echo FILE=$(cat /etc2/file-bind); "
                "echo NET=$(readlink /proc/self/ns/net); echo CG=$(grep ^0:: /proc/self/cgroup); "
                "echo MOUNTINFO; cat /proc/self/mountinfo; " SCRIPT_END_CMD "; exit 7'");
        char *env[] = { (char *) "FOO=bar", NULL };
        c->environment = env;
        config_add_entry(c, share, "/srv/share/sub", MS_BIND, true, false, false);
        config_add_entry(c, evilshare, "mnt/evil", MS_BIND, false, false, false);
        config_add_entry(c, "/nonexistent-berth-source", "opt/x", MS_BIND, true, false, true);
        config_add_entry(c, share, "ro-share", MS_BIND | MS_RDONLY, true, false, false);
        snprintf(path, sizeof path, "%s/share-marker", share);
        config_add_entry(c, path, "etc2/file-bind", MS_BIND, false, true, false);
        config_add_fs(c, "tmpfs", "/tmp", MS_NOSUID | MS_NODEV, "size=1m,mode=1777");
        c->netdevs = calloc(1, sizeof(BerthNetDev));
        c->netdevs[0] = (BerthNetDev) { .index = 0, .type = BERTH_NET_NONE };
        c->n_netdevs = 1;
        snprintf(path, sizeof path, "%s/srv/abs", rootfs);
        config_add_entry(c, share, path, MS_BIND, true, false, false);

        SpawnParams p = {
                .name = "spawn-test",
                .config = c,
                .rootfs = rootfs,
                .cgroup_fd = -1,
                .console_slave_fd = slave,
                .console_slave_path = slave_path,
        };
        int r = spawn_container(&p, &res, &error);
        TAP_EQ_INT(r, 0, "spawn_container() succeeds (%s)", strna(error));
        if (r < 0) {
                config_free(c);
                return;
        }
        TAP_OK(res.pid > 0 && res.pidfd >= 0, "init pid %d and a pidfd returned", (int) res.pid);

        out = itest_read_console(master, 15000);
        TAP_OK(strstr(out, SCRIPT_END), "init's output reached the console");
        TAP_EQ_STR(itest_line_value(out, "PID"), "1", "init is pid 1 in its pid namespace");
        TAP_EQ_STR(itest_line_value(out, "HOST"), "berth-spawn-test", "hostname is lxc.uts.name");
        TAP_EQ_STR(itest_line_value(out, "ENV"),
                   "lxc/bar/linux//usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                   "environment: container=lxc, lxc.environment, TERM, PATH");
        const char *v = itest_line_value(out, "CMDLINE");
        TAP_OK(v && startswith(v, "/bin/sh -c "), "/proc/1/cmdline is lxc.init.cmd (%s)", strna(v));
        v = itest_line_value(out, "DEV");
        const char *want_dev[] = { "null", "zero", "full", "random", "urandom", "tty", "console", "pts", "ptmx",
                                   "shm", "fd", "stdin", "stdout", "stderr" };
        for (size_t i = 0; i < ELEMENTSOF(want_dev); i++)
                TAP_OK(has_word(v, want_dev[i]), "/dev/%s exists (%s)", want_dev[i], strna(v));
        TAP_OK(has_word(itest_line_value(out, "PTS"), "ptmx"), "/dev/pts is a devpts with ptmx");
        TAP_EQ_STR(itest_line_value(out, "PTMX"), "pts/ptmx", "/dev/ptmx -> pts/ptmx");
        TAP_EQ_STR(itest_line_value(out, "ROOT"), "inside-the-rootfs", "the rootfs is /");
        TAP_EQ_STR(itest_line_value(out, "SHARE"), "share-marker", "create=dir bind entry mounted");
        v = itest_line_value(out, "ETC");
        TAP_OK(has_word(v, "evil-marker-berth") && !has_word(v, "container-etc"),
               "entry through /mnt/evil -> /../../../etc landed on the container's /etc (%s)", strna(v));
        TAP_EQ_STR(itest_line_value(out, "FILE"), "shared", "create=file bind entry mounted");
        TAP_EQ_STR(itest_line_value(out, "CG"), "0::/", "cgroup namespace rooted at init's cgroup");
        self_netns(our_net, sizeof our_net);
        TAP_EQ_STR(itest_line_value(out, "NET"), our_net, "lxc.net.0.type=none: the host's network namespace is shared");

        TAP_OK(mountinfo_find(out, "/", NULL, NULL), "mountinfo has the root mount");
        TAP_OK(mountinfo_find(out, "/proc", NULL, fstype) && streq(fstype, "proc"), "proc on /proc");
        TAP_OK(mountinfo_find(out, "/proc/sys", opts, NULL) && startswith(opts, "ro"), "/proc/sys read-only");
        TAP_OK(mountinfo_find(out, "/sys", opts, fstype) && startswith(opts, "ro"), "/sys read-only");
        TAP_OK(mountinfo_find(out, "/sys/fs/cgroup", opts, fstype) && streq(fstype, "cgroup2"),
               "cgroup2 on /sys/fs/cgroup");
        TAP_OK(mountinfo_find(out, "/dev", NULL, fstype) && streq(fstype, "tmpfs"), "tmpfs on /dev");
        TAP_OK(mountinfo_find(out, "/dev/pts", NULL, fstype) && streq(fstype, "devpts"), "devpts on /dev/pts");
        TAP_OK(mountinfo_find(out, "/dev/console", NULL, fstype) && streq(fstype, "devpts"),
               "/dev/console is the console pty");
        TAP_OK(mountinfo_find(out, "/etc", NULL, NULL), "the symlinked entry is mounted on /etc inside");
        TAP_OK(mountinfo_find(out, "/ro-share", opts, NULL) && startswith(opts, "ro"),
               "ro bind entry is read-only");
        TAP_OK(mountinfo_find(out, "/srv/abs", NULL, NULL), "a target spelt as a host path under the rootfs");
        TAP_OK(mountinfo_find(out, "/tmp", opts, fstype) && streq(fstype, "tmpfs") && strstr(opts, "nosuid"),
               "tmpfs entry mounted with its flags");
        TAP_OK(strstr(out, "size=1024k"), "tmpfs entry got its data (size=1m)");
        TAP_OK(!mountinfo_find(out, "/opt/x", NULL, NULL), "optional entry with a missing source skipped");
        TAP_OK(!mountinfo_mp_contains(out, tmpdir), "every mount point is inside the container's /");
        TAP_OK(access("/etc/evil-marker-berth", F_OK) < 0, "host /etc untouched");

        TAP_EQ_INT(itest_reap(res.pidfd, &si), 0, "init reaped through its pidfd");
        TAP_OK(si.si_code == CLD_EXITED && si.si_status == 7, "init's exit status is seen (%d/%d)", si.si_code,
               si.si_status);
        TAP_OK(!mountinfo_mentions(rootfs), "no mount of the rootfs left in our mount namespace");
        safe_close(res.pidfd);
        c->environment = NULL;
        config_free(c);
        if (!strstr(out, SCRIPT_END) || getenv("SPAWN_TEST_VERBOSE"))
                TAP_DIAG("console: %s", out);
}

static void test_empty_netns(void) {
        _cleanup_close_ int master = -EBADF, slave = -EBADF;
        _cleanup_free_ char *slave_path = NULL, *error = NULL, *out = NULL;
        SpawnResult res = { .pid = -1, .pidfd = -EBADF };
        char our_net[64];
        siginfo_t si;

        TAP_EQ_INT(pty_open_console(&master, &slave, &slave_path), 0, "console pty opened");
        BerthConfig *c = config_new("/bin/sh -c 'echo; echo NET=$(readlink /proc/self/ns/net); "
                                    "echo LINKS=$(ls /sys/class/net); " SCRIPT_END_CMD "'");
        /* No lxc.net at all: unlike LXC, berth never silently shares the host network. */

        SpawnParams p = { .name = "spawn-net", .config = c, .rootfs = rootfs, .cgroup_fd = -1,
                          .console_slave_fd = slave, .console_slave_path = slave_path };
        int r = spawn_container(&p, &res, &error);
        TAP_EQ_INT(r, 0, "spawn without lxc.net (%s)", strna(error));
        if (r >= 0) {
                out = itest_read_console(master, 15000);
                self_netns(our_net, sizeof our_net);
                const char *v = itest_line_value(out, "NET");
                TAP_OK(v && *v && !streq(v, our_net), "no lxc.net: a new network namespace (%s)", strna(v));
                TAP_EQ_STR(itest_line_value(out, "LINKS"), "lo", "only lo in a fresh sysfs");
                TAP_EQ_INT(itest_reap(res.pidfd, &si), 0, "init reaped");
                safe_close(res.pidfd);
        }
        config_free(c);
}

/* The cgroup2 hierarchy: /sys/fs/cgroup on a unified host, /sys/fs/cgroup/unified on a hybrid one. */
static bool cgroup2_base(char *base, size_t size) {
        _cleanup_free_ char *mi = NULL;
        if (read_full_file("/proc/self/mountinfo", &mi, NULL) >= 0)
                for (char *l = strtok(mi, "\n"); l; l = strtok(NULL, "\n")) {
                        char mp[512];
                        const char *dash = strstr(l, " - cgroup2 ");
                        if (dash && sscanf(l, "%*s %*s %*s %*s %511s", mp) == 1) {
                                snprintf(base, size, "%s", mp);
                                return true;
                        }
                }
        return false;
}

static void test_cgroup(void) {
        _cleanup_close_ int master = -EBADF, slave = -EBADF, cgfd = -EBADF;
        _cleanup_free_ char *slave_path = NULL, *error = NULL, *out = NULL, *host_cg = NULL;
        SpawnResult res = { .pid = -1, .pidfd = -EBADF };
        char base[512] = "", cg[600], path[128], name[64];
        siginfo_t si;

        if (!cgroup2_base(base, sizeof base)) {
                TAP_SKIP("no cgroup2 hierarchy mounted: CLONE_INTO_CGROUP not tested");
                return;
        }
        snprintf(name, sizeof name, "berth-test-spawn-%d", (int) getpid());
        snprintf(cg, sizeof cg, "%s/%s", base, name);
        if (mkdir(cg, 0755) < 0) {
                TAP_SKIP("cannot create a cgroup2 cgroup: CLONE_INTO_CGROUP not tested");
                return;
        }
        cgfd = open(cg, O_DIRECTORY | O_RDONLY | O_CLOEXEC);

        TAP_EQ_INT(pty_open_console(&master, &slave, &slave_path), 0, "console pty opened");
        BerthConfig *c = config_new("/bin/sh -c 'echo; echo CG=$(grep ^0:: /proc/self/cgroup); "
                                    "echo LS=$(ls /sys/fs/cgroup/cgroup.procs); "
                                    "echo CGMOUNT=$(grep \" /sys/fs/cgroup \" /proc/self/mountinfo); "
                                    SCRIPT_END_CMD "; sleep 2'");
        c->mount_auto |= BERTH_MOUNT_AUTO_CGROUP2_RO;
        SpawnParams p = { .name = "spawn-cg", .config = c, .rootfs = rootfs, .cgroup_fd = cgfd,
                          .console_slave_fd = slave, .console_slave_path = slave_path };
        int r = spawn_container(&p, &res, &error);
        TAP_EQ_INT(r, 0, "spawn with CLONE_INTO_CGROUP (%s)", strna(error));
        if (r >= 0) {
                out = itest_read_console(master, 15000);
                snprintf(path, sizeof path, "/proc/%d/cgroup", (int) res.pid);
                (void) read_full_file(path, &host_cg, NULL);
                TAP_OK(host_cg && strstr(host_cg, name), "init is in the payload cgroup on the host");
                TAP_EQ_STR(itest_line_value(out, "CG"), "0::/", "inside, its cgroup is the namespace root");
                TAP_EQ_STR(itest_line_value(out, "LS"), "/sys/fs/cgroup/cgroup.procs",
                           "the container's cgroup2 mounted");
                const char *v = itest_line_value(out, "CGMOUNT");
                TAP_OK(v && strstr(v, " ro,"), "cgroup2:ro mounts read-only (%s)", strna(v));
                TAP_EQ_INT(itest_reap(res.pidfd, &si), 0, "init reaped");
                safe_close(res.pidfd);
        }
        config_free(c);
        TAP_OK(rmdir(cg) == 0, "payload cgroup removable after the container is gone");
}

/* Start c with a fresh console and read it up to the end marker. Returns spawn_container()'s result; on
 * success *ret_out has the console text and init is still running unless the script ended. */
static int run_container(BerthConfig *c, const char *name, int cgroup_fd, SpawnResult *res, int *ret_master,
                         char **ret_out) {
        _cleanup_close_ int master = -EBADF, slave = -EBADF;
        _cleanup_free_ char *slave_path = NULL, *error = NULL;

        *res = (SpawnResult) { .pid = -1, .pidfd = -EBADF };
        TAP_EQ_INT(pty_open_console(&master, &slave, &slave_path), 0, "console pty opened");
        SpawnParams p = { .name = name, .config = c, .rootfs = rootfs, .cgroup_fd = cgroup_fd,
                          .console_slave_fd = slave, .console_slave_path = slave_path };
        int r = spawn_container(&p, res, &error);
        TAP_EQ_INT(r, 0, "spawn %s (%s)", name, strna(error));
        if (r < 0)
                return r;
        *ret_out = itest_read_console(master, 15000);
        if (!strstr(*ret_out, SCRIPT_END) || getenv("SPAWN_TEST_VERBOSE"))
                TAP_DIAG("console: %s", *ret_out);
        if (ret_master)
                *ret_master = TAKE_FD(master);
        return 0;
}

static uint64_t status_hex(const char *out, const char *key) {
        const char *v = itest_line_value(out, key);
        return v ? strtoull(v, NULL, 16) : UINT64_MAX;
}

#define CAP_BIT(n) (UINT64_C(1) << (n))
/* The /proc/1/status lines of init, as KEY=value lines. */
#define STATUS_CMD "grep -E \"^(Cap|NoNewPrivs|Uid|Gid|Groups)\" /proc/1/status | while read k v; do echo \"${k%:}=$v\"; done; "

static void test_caps(void) {
        _cleanup_free_ char *out = NULL, *out2 = NULL;
        SpawnResult res;
        siginfo_t si;
        /* What the container starts from: our own bounding set (which may lack some already). */
        _cleanup_free_ char *st = NULL;
        (void) read_full_file("/proc/self/status", &st, NULL);
        const char *bnd_line = st ? strstr(st, "\nCapBnd:") : NULL;
        uint64_t all = bnd_line ? strtoull(bnd_line + strlen("\nCapBnd:"), NULL, 16) : 0;
        TAP_OK(all != 0, "our own bounding set read (%" PRIx64 ")", all);

        /* lxc.cap.drop = sys_admin net_raw, and no_new_privs. */
        BerthConfig *c = config_new("/bin/sh -c 'echo; " STATUS_CMD SCRIPT_END_CMD "'");
        c->cap_drop = CAP_BIT(21) | CAP_BIT(13);
        c->no_new_privs = true;
        if (run_container(c, "spawn-capdrop", -1, &res, NULL, &out) >= 0) {
                uint64_t bnd = status_hex(out, "CapBnd"), eff = status_hex(out, "CapEff");
                TAP_OK(bnd == (all & ~(CAP_BIT(21) | CAP_BIT(13))),
                       "cap.drop sys_admin net_raw: CapBnd has all but those (%" PRIx64 ")", bnd);
                TAP_OK(eff == bnd, "root init's CapEff equals its bounding set (%" PRIx64 ")", eff);
                TAP_EQ_INT(status_hex(out, "CapInh"), 0, "nothing inheritable");
                TAP_EQ_STR(itest_line_value(out, "NoNewPrivs"), "1", "lxc.no_new_privs = 1: NoNewPrivs: 1");
                TAP_EQ_INT(itest_reap(res.pidfd, &si), 0, "init reaped");
                safe_close(res.pidfd);
        }
        config_free(c);

        /* lxc.cap.keep = chown: the bounding set is exactly CAP_CHOWN; no_new_privs stays off. */
        c = config_new("/bin/sh -c 'echo; " STATUS_CMD SCRIPT_END_CMD "'");
        c->cap_keep = CAP_BIT(0);
        c->cap_keep_set = true;
        if (run_container(c, "spawn-capkeep", -1, &res, NULL, &out2) >= 0) {
                TAP_EQ_INT(status_hex(out2, "CapBnd"), 1, "cap.keep chown: CapBnd is only CAP_CHOWN");
                TAP_EQ_INT(status_hex(out2, "CapEff"), 1, "and CapEff too");
                TAP_EQ_INT(status_hex(out2, "CapPrm"), 1, "and CapPrm too");
                TAP_EQ_STR(itest_line_value(out2, "NoNewPrivs"), "0", "no_new_privs unset: NoNewPrivs: 0");
                TAP_EQ_INT(itest_reap(res.pidfd, &si), 0, "init reaped");
                safe_close(res.pidfd);
        }
        config_free(c);
}

static void test_init_ids(void) {
        _cleanup_free_ char *out = NULL;
        SpawnResult res;
        siginfo_t si;

        /* A non-root init: its ids and groups, and no capabilities left (only the bounding set). */
        BerthConfig *c = config_new("/bin/sh -c 'echo; echo ID=$(id -u):$(id -g):$(id -G); echo WHO=$(id); "
                                    STATUS_CMD SCRIPT_END_CMD "'");
        c->init_uid = 1000;
        c->init_gid = 1000;
        c->init_groups = calloc(2, sizeof(uint32_t));
        c->init_groups[0] = 4;
        c->init_groups[1] = 27;
        c->n_init_groups = 2;
        if (run_container(c, "spawn-ids", -1, &res, NULL, &out) >= 0) {
                TAP_EQ_STR(itest_line_value(out, "ID"), "1000:1000:1000 4 27", "id inside: uid, gid and groups");
                TAP_EQ_STR(itest_line_value(out, "WHO"), "uid=1000 gid=1000 groups=4,27", "id inside shows them");
                TAP_EQ_STR(itest_line_value(out, "Uid"), "1000\t1000\t1000\t1000", "real/effective/saved/fs uid");
                TAP_EQ_STR(itest_line_value(out, "Groups"), "4 27", "exactly lxc.init.groups");
                TAP_EQ_INT(status_hex(out, "CapEff"), 0, "non-root init: no effective capabilities");
                TAP_EQ_INT(status_hex(out, "CapPrm"), 0, "non-root init: no permitted capabilities");
                TAP_EQ_INT(status_hex(out, "CapAmb"), 0, "non-root init: no ambient capabilities");
                TAP_EQ_INT(itest_reap(res.pidfd, &si), 0, "init reaped");
                safe_close(res.pidfd);
        }
        config_free(c);
}

static int lchown_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        return lchown(path, 100000, 100000) < 0 ? -1 : 0;
}

static void test_userns(void) {
        _cleanup_free_ char *out = NULL, *out2 = NULL, *hostmap = NULL, *hoststatus = NULL;
        _cleanup_close_ int master = -EBADF, cgfd = -EBADF;
        char base[512] = "", cg[600] = "", path[600];
        SpawnResult res;
        struct stat st;
        siginfo_t si;

        /* The container's root is 100000 outside: it must own the rootfs to write to it. */
        TAP_EQ_INT(nftw(rootfs, lchown_one, 16, FTW_PHYS), 0, "rootfs chowned to 100000:100000");

        if (cgroup2_base(base, sizeof base)) {
                snprintf(cg, sizeof cg, "%s/berth-test-spawn-userns-%d", base, (int) getpid());
                if (mkdir(cg, 0755) >= 0)
                        cgfd = open(cg, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
                else
                        cg[0] = 0;
        }

        BerthConfig *c = config_new(
                "/bin/sh -c 'echo; echo UID=$(id -u):$(id -g); echo -n UIDMAP=; echo $(cat /proc/self/uid_map); "
                "echo -n GIDMAP=; echo $(cat /proc/self/gid_map); "
                "touch /root/x && echo TOUCH=ok; "
                "echo MKNOD=$(mknod /dev/sda b 8 0 2>&1); ls -l /dev/sda >/dev/null 2>&1 || echo NOSDA=1; "
                "echo DEV=$(ls /dev); "
                "echo hi > /dev/null && echo DEVNULL=$(cat /dev/null)ok; "
                "echo SYS=$(ls /sys/class/net); "
                "mkdir /sys/fs/cgroup/sub && rmdir /sys/fs/cgroup/sub && echo CGDELEGATE=ok; "
                STATUS_CMD SCRIPT_END_CMD "; read x'");
        c->idmaps = calloc(2, sizeof(BerthIdmap));
        c->idmaps[0] = (BerthIdmap) { .type = 'u', .nsid = 0, .hostid = 100000, .range = 65536 };
        c->idmaps[1] = (BerthIdmap) { .type = 'g', .nsid = 0, .hostid = 100000, .range = 65536 };
        c->n_idmaps = 2;
        if (run_container(c, "spawn-userns", cgfd, &res, &master, &out) >= 0) {
                TAP_EQ_STR(itest_line_value(out, "UID"), "0:0", "inside, init is root (id -u, id -g)");
                TAP_EQ_STR(itest_line_value(out, "UIDMAP"), "0 100000 65536", "/proc/self/uid_map shows the map");
                TAP_EQ_STR(itest_line_value(out, "GIDMAP"), "0 100000 65536", "/proc/self/gid_map shows the map");
                TAP_OK(status_hex(out, "CapEff") != 0, "root inside has capabilities (in its namespace)");

                /* From the host, while it runs. */
                snprintf(path, sizeof path, "/proc/%d/status", (int) res.pid);
                (void) read_full_file(path, &hoststatus, NULL);
                TAP_OK(hoststatus && strstr(hoststatus, "\nUid:\t100000\t100000\t100000\t100000\n"),
                       "root inside is uid 100000 on the host");
                snprintf(path, sizeof path, "/proc/%d/uid_map", (int) res.pid);
                (void) read_full_file(path, &hostmap, NULL);
                TAP_OK(hostmap && strstr(hostmap, "100000") && strstr(hostmap, "65536"), "uid_map seen from the host");

                TAP_EQ_STR(itest_line_value(out, "TOUCH"), "ok", "root inside can write its rootfs");
                snprintf(path, sizeof path, "%s/root/x", rootfs);
                int k = lstat(path, &st);
                TAP_OK(k == 0 && st.st_uid == 100000 && st.st_gid == 100000,
                       "a file created inside is owned by 100000:100000 on the host (%d:%d)",
                       k == 0 ? (int) st.st_uid : -1, k == 0 ? (int) st.st_gid : -1);

                const char *v = itest_line_value(out, "MKNOD");
                TAP_OK(v && strstr(v, "Operation not permitted"), "mknod /dev/sda fails with EPERM (%s)", strna(v));
                TAP_EQ_STR(itest_line_value(out, "NOSDA"), "1", "no /dev/sda appeared");
                TAP_EQ_STR(itest_line_value(out, "DEV"), "console fd full null ptmx pts random shm stderr stdin stdout "
                           "tty urandom zero", "/dev has only the autodev nodes");
                TAP_EQ_STR(itest_line_value(out, "DEVNULL"), "ok", "/dev/null works for the container's root");
                TAP_EQ_STR(itest_line_value(out, "SYS"), "lo", "a fresh sysfs for its own network namespace");
                if (cgfd >= 0) {
                        TAP_EQ_STR(itest_line_value(out, "CGDELEGATE"), "ok",
                                   "root inside may create a sub-cgroup (payload cgroup delegated)");
                        TAP_OK(stat(cg, &st) == 0 && st.st_uid == 100000 && st.st_gid == 100000,
                               "payload cgroup owned by the container's root on the host");
                        snprintf(path, sizeof path, "%s/cgroup.procs", cg);
                        TAP_OK(stat(path, &st) == 0 && st.st_uid == 100000, "and its cgroup.procs");
                } else
                        TAP_SKIP("no cgroup2 hierarchy: cgroup delegation not tested");

                TAP_EQ_INT(loop_write(master, "\n", 1), 0, "release init");
                TAP_EQ_INT(itest_reap(res.pidfd, &si), 0, "init reaped");
                TAP_OK(si.si_code == CLD_EXITED && si.si_status == 0, "init exited 0");
                safe_close(res.pidfd);
        }
        config_free(c);
        if (cg[0])
                TAP_OK(rmdir(cg) == 0, "payload cgroup removable after the container is gone");

        /* Sharing the host's network: no fresh sysfs in a user namespace, the host's /sys is bound
         * (recursively: its submounts are locked) and read-only all the way down. */
        c = config_new("/bin/sh -c 'echo; echo UID=$(id -u); mkdir /sys/berth-x 2>/dev/null || echo SYSRO=1; "
                       "mkdir /sys/fs/cgroup/berth-x 2>/dev/null || echo CGRO=1; "
                       "while read a b c d mp o rest; do [ $mp = /sys ] && echo SYSMNT=${o%%,*}:${rest#*- }; done "
                       "</proc/self/mountinfo; " SCRIPT_END_CMD "'");
        c->mount_auto = BERTH_MOUNT_AUTO_PROC | BERTH_MOUNT_AUTO_SYS_RO;
        c->netdevs = calloc(1, sizeof(BerthNetDev));
        c->netdevs[0] = (BerthNetDev) { .index = 0, .type = BERTH_NET_NONE };
        c->n_netdevs = 1;
        c->idmaps = calloc(2, sizeof(BerthIdmap));
        c->idmaps[0] = (BerthIdmap) { .type = 'u', .nsid = 0, .hostid = 100000, .range = 65536 };
        c->idmaps[1] = (BerthIdmap) { .type = 'g', .nsid = 0, .hostid = 100000, .range = 65536 };
        c->n_idmaps = 2;
        if (run_container(c, "spawn-userns-hostnet", -1, &res, NULL, &out2) >= 0) {
                TAP_EQ_STR(itest_line_value(out2, "UID"), "0", "user-namespaced container sharing the host network");
                const char *v = itest_line_value(out2, "SYSMNT");
                TAP_OK(v && startswith(v, "ro:sysfs "), "the host's sysfs bound read-only on /sys (%s)", strna(v));
                TAP_EQ_STR(itest_line_value(out2, "SYSRO"), "1", "the host's /sys is read-only inside");
                TAP_EQ_STR(itest_line_value(out2, "CGRO"), "1", "and so are its submounts");
                TAP_EQ_INT(itest_reap(res.pidfd, &si), 0, "init reaped");
                safe_close(res.pidfd);
        }
        config_free(c);
        TAP_EQ_INT(access(strjoina(rootfs, "/root/x"), F_OK), 0, "file from inside still there");
        (void) unlink(strjoina(rootfs, "/root/x"));
}

static void test_identity_failures(void) {
        _cleanup_free_ char *e1 = NULL, *e2 = NULL, *out = NULL;
        SpawnResult res = { .pid = -1, .pidfd = -EBADF };
        siginfo_t si;

        BerthConfig *c = config_new("/bin/sh");
        c->idmaps = calloc(1, sizeof(BerthIdmap));
        c->idmaps[0] = (BerthIdmap) { .type = 'u', .nsid = 1, .hostid = 100001, .range = 100 };
        c->n_idmaps = 1;
        SpawnParams p = { .name = "spawn-badmap", .config = c, .rootfs = rootfs, .cgroup_fd = -1,
                          .console_slave_fd = -1 };
        TAP_EQ_INT(spawn_container(&p, &res, &e1), -EINVAL, "idmap without uid 0 refused");
        TAP_EQ_STR(e1, "lxc.idmap maps no uid 0 (the container's root): add 'u 0 <hostid> <range>'",
                   "error says what is missing");
        config_free(c);

        /* A uid outside the map cannot be switched to: the error names the key. */
        c = config_new("/bin/sh");
        c->idmaps = calloc(2, sizeof(BerthIdmap));
        c->idmaps[0] = (BerthIdmap) { .type = 'u', .nsid = 0, .hostid = 100000, .range = 1000 };
        c->idmaps[1] = (BerthIdmap) { .type = 'g', .nsid = 0, .hostid = 100000, .range = 1000 };
        c->n_idmaps = 2;
        c->init_uid = 5000;
        p.config = c;
        TAP_EQ_INT(spawn_container(&p, &res, &e2), -EINVAL, "unmapped lxc.init.uid fails");
        TAP_EQ_STR(e2, "set lxc.init.uid 5000: Invalid argument", "error names lxc.init.uid");
        TAP_OK(waitid(P_ALL, 0, &si, WEXITED | WNOHANG) < 0 && errno == ECHILD, "failed child already reaped");
        config_free(c);
}

static void test_failures(void) {
        _cleanup_close_ int master = -EBADF, slave = -EBADF;
        _cleanup_free_ char *slave_path = NULL, *error = NULL, *error2 = NULL;
        SpawnResult res = { .pid = -1, .pidfd = -EBADF };
        siginfo_t si;

        TAP_EQ_INT(pty_open_console(&master, &slave, &slave_path), 0, "console pty opened");
        int fds_before = fd_count(0);

        BerthConfig *c = config_new("/sbin/nope --flag");
        SpawnParams p = { .name = "spawn-fail", .config = c, .rootfs = rootfs, .cgroup_fd = -1,
                          .console_slave_fd = slave, .console_slave_path = slave_path };
        int r = spawn_container(&p, &res, &error);
        TAP_EQ_INT(r, -ENOENT, "missing init: -ENOENT");
        TAP_EQ_STR(error, "exec /sbin/nope: No such file or directory", "error names the missing init");
        TAP_EQ_INT(res.pid, -1, "result untouched on failure");
        memset(&si, 0, sizeof si);
        TAP_OK(waitid(P_ALL, 0, &si, WEXITED | WNOHANG) < 0 && errno == ECHILD, "failed child already reaped");
        TAP_EQ_INT(fd_count(0), fds_before, "no fd leaked on failure");
        TAP_OK(!mountinfo_mentions(rootfs), "no mount left after a failed start");
        config_free(c);

        c = config_new("/bin/sh");
        config_add_entry(c, "/nonexistent-berth-source", "mnt/x", MS_BIND, true, false, false);
        p.config = c;
        r = spawn_container(&p, &res, &error2);
        TAP_EQ_INT(r, -ENOENT, "missing mount source: -ENOENT");
        TAP_EQ_STR(error2, "mount /nonexistent-berth-source on mnt/x: No such file or directory",
                   "error names the mount entry");
        TAP_OK(waitid(P_ALL, 0, &si, WEXITED | WNOHANG) < 0 && errno == ECHILD, "failed child already reaped");
        TAP_EQ_INT(fd_count(0), fds_before, "no fd leaked on failure");
        config_free(c);
}

int main(void) {
        if (!itest_can_run())
                return 0;
        int fds_start = fd_count(0);
        int r = build_rootfs();
        TAP_EQ_INT(r, 0, "busybox rootfs built in %s", tmpdir);
        if (r >= 0) {
                test_full_container();
                test_empty_netns();
                test_cgroup();
                test_caps();
                test_init_ids();
                test_identity_failures();
                test_failures();
                /* Last: it chowns the rootfs to the user namespace's root. */
                test_userns();
        }
        TAP_EQ_INT(fd_count(0), fds_start, "no fd left open after all containers are reaped");
        if (tmpdir[strlen(tmpdir) - 1] != 'X') {
                TAP_EQ_INT(rm_rf(tmpdir), 0, "temp dir removed");
                TAP_OK(access(tmpdir, F_OK) < 0, "temp dir gone");
        }
        return tap_done();
}
