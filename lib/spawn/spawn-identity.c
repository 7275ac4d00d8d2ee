/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Who the container's init is: the user namespace (lxc.idmap: the parent writes the maps, the child
 * becomes root inside), the capabilities it keeps (lxc.cap.drop / lxc.cap.keep), its uid, gid and
 * groups (lxc.init.*) and no_new_privs. */

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log/log.h"
#include "spawn/spawn-internal.h"
#include "util/fd-util.h"
#include "util/macro.h"

/* One map file's content: every lxc.idmap line of that type, written with a single write() as the kernel
 * requires. Each line is at most 3 * 10 digits + 3 separators. */
static int format_map(const BerthConfig *c, char type, char **ret, size_t *ret_len) {
        size_t size = c->n_idmaps * 34 + 1, len = 0;
        char *buf = malloc(size);
        if (!buf)
                return -ENOMEM;
        buf[0] = 0;
        for (size_t i = 0; i < c->n_idmaps; i++) {
                const BerthIdmap *m = &c->idmaps[i];
                if (m->type != type)
                        continue;
                len += (size_t) snprintf(buf + len, size - len, "%u %u %u\n", m->nsid, m->hostid, m->range);
        }
        *ret = buf;
        *ret_len = len;
        return 0;
}

int spawn_userns_root(const BerthConfig *c, uid_t *ret_uid, gid_t *ret_gid, char **ret_error) {
        uint32_t uid, gid;

        /* Everything the child does before exec runs as root inside: it must exist outside too. */
        if (berth_config_idmap_to_host(c, 'u', 0, &uid) < 0) {
                if (ret_error)
                        *ret_error = strdup("lxc.idmap maps no uid 0 (the container's root): add 'u 0 <hostid> <range>'");
                return -EINVAL;
        }
        if (berth_config_idmap_to_host(c, 'g', 0, &gid) < 0) {
                if (ret_error)
                        *ret_error = strdup("lxc.idmap maps no gid 0 (the container's root): add 'g 0 <hostid> <range>'");
                return -EINVAL;
        }
        *ret_uid = uid;
        *ret_gid = gid;
        return 0;
}

int spawn_userns_chown(const SpawnParams *p, uid_t uid, gid_t gid, char **ret_error) {
        /* What the container's root must own on the host: its console (so a reopened /dev/console is its
         * own), its ttys and its payload cgroup with the files a delegated cgroup hands over (cgroup v2
         * delegation, as systemd's Delegate=yes), so init can manage its own subtree. */
        static const char *const cgroup_files[] = { "", "cgroup.procs", "cgroup.threads", "cgroup.subtree_control" };

        if (p->console_slave_fd >= 0 && fchown(p->console_slave_fd, uid, gid) < 0) {
                int r = -errno;
                if (ret_error && asprintf(ret_error, "chown the console to %u:%u: %s", (unsigned) uid,
                                          (unsigned) gid, strerror(-r)) < 0)
                        *ret_error = NULL;
                return r;
        }
        /* The ttys likewise: they are the container's own terminals (getty reopens and chmods them). */
        for (size_t i = 0; i < p->n_ttys; i++) {
                if (fchown(p->tty_slave_fds[i], uid, gid) >= 0)
                        continue;
                int r = -errno;
                if (ret_error && asprintf(ret_error, "chown /dev/tty%zu to %u:%u: %s", i + 1, (unsigned) uid,
                                          (unsigned) gid, strerror(-r)) < 0)
                        *ret_error = NULL;
                return r;
        }
        for (size_t i = 0; p->cgroup_fd >= 0 && i < ELEMENTSOF(cgroup_files); i++) {
                const char *f = cgroup_files[i];
                if (fchownat(p->cgroup_fd, f, uid, gid, *f ? AT_SYMLINK_NOFOLLOW : AT_EMPTY_PATH) >= 0)
                        continue;
                int r = -errno;
                if (r == -ENOENT && *f) /* cgroup.threads on kernels before 4.14 */
                        continue;
                if (ret_error && asprintf(ret_error, "chown the payload cgroup%s%s to %u:%u: %s", *f ? "'s " : "",
                                          f, (unsigned) uid, (unsigned) gid, strerror(-r)) < 0)
                        *ret_error = NULL;
                return r;
        }
        return 0;
}

int spawn_write_idmaps(pid_t pid, const BerthConfig *c, char **ret_error) {
        /* gid_map first or last does not matter: the writer (the monitor, root in the parent namespace,
         * with CAP_SETUID and CAP_SETGID there) may map any ids, and since it is not the child itself
         * /proc/<pid>/setgroups can stay "allow", so lxc.init.groups still works inside. */
        static const struct {
                char type;
                const char *file;
        } maps[] = { { 'u', "uid_map" }, { 'g', "gid_map" } };

        for (size_t i = 0; i < ELEMENTSOF(maps); i++) {
                _cleanup_free_ char *text = NULL;
                _cleanup_close_ int fd = -EBADF;
                char path[64];
                size_t len;
                int r;

                r = format_map(c, maps[i].type, &text, &len);
                if (r < 0)
                        return r;
                snprintf(path, sizeof path, "/proc/%d/%s", (int) pid, maps[i].file);
                fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
                if (fd < 0)
                        r = -errno;
                else {
                        ssize_t n = write(fd, text, len);
                        r = n < 0 ? -errno : (size_t) n != len ? -EIO : 0;
                }
                if (r < 0) {
                        if (ret_error && asprintf(ret_error, "write %s (lxc.idmap): %s", path, strerror(-r)) < 0)
                                *ret_error = NULL;
                        return r;
                }
        }
        return 0;
}

int spawn_child_become_userns_root(SpawnChild *s) {
        /* Right after the maps are written we are still the host's uid 0, which is not mapped: become
         * the container's root. Crossing into a uid that is root in our own namespace keeps the
         * capabilities the clone gave us. The monitor's supplementary groups mean nothing in here (they
         * are unmapped): drop them. */
        if (setresgid(0, 0, 0) < 0)
                return spawn_child_error(s, -errno, "become gid 0 in the user namespace");
        if (setgroups(0, NULL) < 0)
                return spawn_child_error(s, -errno, "drop supplementary groups in the user namespace");
        if (setresuid(0, 0, 0) < 0)
                return spawn_child_error(s, -errno, "become uid 0 in the user namespace");
        return 0;
}

/* The highest capability the running kernel knows: PR_CAPBSET_READ answers EINVAL past it. */
static unsigned cap_last(void) {
        unsigned c = 0;
        while (c < 63 && prctl(PR_CAPBSET_READ, (unsigned long) c + 1, 0, 0, 0) >= 0)
                c++;
        return c;
}

static uint64_t caps_to_drop(const BerthConfig *c) {
        unsigned last = cap_last();
        uint64_t known = last >= 63 ? UINT64_MAX : (UINT64_C(1) << (last + 1)) - 1;
        /* Capabilities newer than this kernel do not exist here: nothing to drop. */
        return (c->cap_keep_set ? ~c->cap_keep : c->cap_drop) & known;
}

static const char *cap_name(unsigned cap, char buf[static 32]) {
        char *n = cap_to_name((cap_value_t) cap);
        snprintf(buf, 32, "%s", n ? (startswith(n, "cap_") ?: n) : "?");
        cap_free(n);
        return buf;
}

static int drop_bounding(SpawnChild *s, uint64_t drop) {
        char name[32];
        for (unsigned cap = 0; cap < 64; cap++)
                if ((drop & (UINT64_C(1) << cap)) && prctl(PR_CAPBSET_DROP, (unsigned long) cap, 0, 0, 0) < 0)
                        return spawn_child_error(s, -errno, "drop capability %s from the bounding set",
                                                 cap_name(cap, name));
        return 0;
}

static int drop_process_caps(SpawnChild *s, uint64_t drop) {
        cap_value_t list[64];
        int n = 0;

        for (unsigned cap = 0; cap < 64; cap++)
                if (drop & (UINT64_C(1) << cap))
                        list[n++] = (cap_value_t) cap;
        if (n == 0)
                return 0;

        cap_t caps = cap_get_proc();
        if (!caps)
                return spawn_child_error(s, -errno, "read the process capabilities");
        int r = 0;
        if (cap_set_flag(caps, CAP_EFFECTIVE, n, list, CAP_CLEAR) < 0 ||
            cap_set_flag(caps, CAP_PERMITTED, n, list, CAP_CLEAR) < 0 ||
            cap_set_flag(caps, CAP_INHERITABLE, n, list, CAP_CLEAR) < 0 || cap_set_proc(caps) < 0)
                r = spawn_child_error(s, -errno, "drop capabilities from the process");
        cap_free(caps);
        if (r < 0)
                return r;

        /* Ambient capabilities need to be in permitted and inheritable, so the kernel already dropped
         * them; lower them explicitly anyway so no kernel quirk leaves one behind. EINVAL: a kernel
         * without ambient capabilities. */
        for (int i = 0; i < n; i++)
                if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_LOWER, (unsigned long) list[i], 0, 0) < 0 &&
                    errno != EINVAL)
                        return spawn_child_error(s, -errno, "lower an ambient capability");
        return 0;
}

static int switch_ids(SpawnChild *s) {
        const BerthConfig *c = s->c;
        _cleanup_free_ gid_t *groups = NULL;

        /* Always set the groups: init must not inherit the monitor's supplementary groups. */
        size_t n = MIN(c->n_init_groups, (size_t) NGROUPS_MAX);
        if (n > 0) {
                groups = calloc(n, sizeof(gid_t));
                if (!groups)
                        return spawn_child_error(s, -ENOMEM, "set lxc.init.groups");
                for (size_t i = 0; i < n; i++)
                        groups[i] = (gid_t) c->init_groups[i];
        }
        if (setgroups(n, groups) < 0)
                return spawn_child_error(s, -errno, "set lxc.init.groups");
        if (c->init_gid != 0 && setresgid(c->init_gid, c->init_gid, c->init_gid) < 0)
                return spawn_child_error(s, -errno, "set lxc.init.gid %u", c->init_gid);
        /* Leaving uid 0 clears the permitted, effective and ambient sets (no SECBIT_KEEP_CAPS): a
         * non-root init starts without capabilities, as it would after a plain login. */
        if (c->init_uid != 0 && setresuid(c->init_uid, c->init_uid, c->init_uid) < 0)
                return spawn_child_error(s, -errno, "set lxc.init.uid %u", c->init_uid);
        return 0;
}

int spawn_child_setup_identity(SpawnChild *s) {
        uint64_t drop = caps_to_drop(s->c);
        int r;

        /* Order matters: the bounding set first (needs CAP_SETPCAP, which we still have), then the ids
         * (need CAP_SETUID/CAP_SETGID, which lxc.cap.drop may be about to remove from us), then the
         * process's own sets, and no_new_privs last, right before exec. */
        r = drop_bounding(s, drop);
        if (r < 0)
                return r;
        /* lxc.seccomp.profile: needs CAP_SYS_ADMIN (no no_new_privs yet), so before the ids and process
         * capabilities change (spawn-seccomp.c). Everything below runs under the filter, as in LXC. */
        r = spawn_child_load_seccomp(s);
        if (r < 0)
                return r;
        r = switch_ids(s);
        if (r < 0)
                return r;
        r = drop_process_caps(s, drop);
        if (r < 0)
                return r;
        if (s->c->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return spawn_child_error(s, -errno, "set no_new_privs");
        return 0;
}
