/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The container's filesystem, set up in the cloned child before pivot_root: lxc.mount.auto (proc, sys,
 * cgroup2), the autodev /dev and lxc.mount.entry. Every target inside the rootfs is resolved with
 * openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS) and mounted onto through /proc/self/fd/N, never by
 * concatenating strings: the host's filesystem is still visible here, and a symlink in the container
 * (say /mnt/x -> /../../etc) must land inside the rootfs, not on the host. */

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log/log.h"
#include "mount/open-in-root.h"
#include "spawn/spawn-internal.h"
#include "util/fd-util.h"
#include "util/macro.h"

#define PROPAGATION_FLAGS (MS_SHARED | MS_PRIVATE | MS_SLAVE | MS_UNBINDABLE)
/* Per-mount flags a bind remount must repeat, or the kernel refuses (locked) or silently drops them. */
#define BIND_KEEP_FLAGS (MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME | MS_RELATIME | \
                         MS_STRICTATIME)

int spawn_child_error(SpawnChild *s, int r, const char *fmt, ...) {
        va_list ap;
        int n;

        va_start(ap, fmt);
        n = vsnprintf(s->error, sizeof s->error, fmt, ap);
        va_end(ap);
        if (n >= 0 && (size_t) n < sizeof s->error)
                snprintf(s->error + n, sizeof s->error - (size_t) n, ": %s", strerror(-r));
        return r;
}

/* Create an empty file at path inside the rootfs (parents too) unless something is there already. */
static int touch_in_root(int root_fd, const char *path, mode_t mode) {
        _cleanup_close_ int fd = open_in_root(root_fd, path, O_PATH, 0);
        if (fd >= 0)
                return 0;
        if (fd != -ENOENT)
                return fd;

        const char *slash = strrchr(path, '/');
        const char *base = slash ? slash + 1 : path;
        char *dir = strndupa(path, slash ? (size_t) (slash - path) : 0);
        _cleanup_close_ int dir_fd = mkdir_p_in_root(root_fd, dir, 0755);
        if (dir_fd < 0)
                return dir_fd;
        if (isempty(base))
                return -EISDIR;
        fd = openat(dir_fd, base, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC, mode);
        if (fd < 0 && errno != EEXIST)
                return -errno;
        return 0;
}

/* Make the mount at path inside the rootfs read-only (and/or change its propagation). path is resolved
 * again because an fd opened before the mount points below it. */
static int remount_in_root(int root_fd, const char *path, unsigned long flags, unsigned long propagation) {
        char fdp[SPAWN_FD_PATH_MAX];
        _cleanup_close_ int fd = open_in_root(root_fd, path, O_PATH, 0);
        if (fd < 0)
                return fd;
        if (flags & MS_RDONLY &&
            mount(NULL, spawn_fd_path(fdp, fd), NULL,
                  MS_REMOUNT | MS_BIND | MS_RDONLY | (flags & BIND_KEEP_FLAGS), NULL) < 0)
                return -errno;
        if (propagation && mount(NULL, spawn_fd_path(fdp, fd), NULL, propagation | (flags & MS_REC), NULL) < 0)
                return -errno;
        return 0;
}

/* Bind a path inside the rootfs onto itself read-only (proc:mixed's /proc/sys). */
static int bind_self_ro(SpawnChild *s, const char *path) {
        char fdp[SPAWN_FD_PATH_MAX];
        _cleanup_close_ int fd = open_in_root(s->root_fd, path, O_PATH, 0);
        if (fd < 0)
                return spawn_child_error(s, fd, "open /%s", path);
        if (mount(spawn_fd_path(fdp, fd), fdp, NULL, MS_BIND, NULL) < 0)
                return spawn_child_error(s, -errno, "bind /%s", path);
        int r = remount_in_root(s->root_fd, path, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, 0);
        if (r < 0)
                return spawn_child_error(s, r, "remount /%s read-only", path);
        return 0;
}

static int mount_auto_proc(SpawnChild *s) {
        unsigned flags = s->c->mount_auto;
        char fdp[SPAWN_FD_PATH_MAX];

        if (!(flags & (BERTH_MOUNT_AUTO_PROC | BERTH_MOUNT_AUTO_PROC_RW)))
                return 0;

        _cleanup_close_ int fd = mkdir_p_in_root(s->root_fd, "proc", 0555);
        if (fd < 0)
                return spawn_child_error(s, fd, "create /proc");
        if (mount("proc", spawn_fd_path(fdp, fd), "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
                return spawn_child_error(s, -errno, "mount proc on /proc");

        if (flags & BERTH_MOUNT_AUTO_PROC_RW)
                return 0;

        /* proc:mixed (LXC's default form): the kernel knobs are read-only, the rest of /proc is not. */
        int r = bind_self_ro(s, "proc/sys");
        if (r < 0)
                return r;
        /* Kernels without CONFIG_MAGIC_SYSRQ have no sysrq-trigger: nothing to protect then. */
        _cleanup_close_ int fd_sysrq = open_in_root(s->root_fd, "proc/sysrq-trigger", O_PATH, 0);
        if (fd_sysrq == -ENOENT)
                return 0;
        return bind_self_ro(s, "proc/sysrq-trigger");
}

static int mount_auto_sys(SpawnChild *s) {
        unsigned flags = s->c->mount_auto;
        char fdp[SPAWN_FD_PATH_MAX];

        if (!(flags & (BERTH_MOUNT_AUTO_SYS_RO | BERTH_MOUNT_AUTO_SYS_RW)))
                return 0;
        bool ro = !(flags & BERTH_MOUNT_AUTO_SYS_RW);
        unsigned long mflags = MS_NOSUID | MS_NODEV | MS_NOEXEC | (ro ? MS_RDONLY : 0);

        _cleanup_close_ int fd = mkdir_p_in_root(s->root_fd, "sys", 0555);
        if (fd < 0)
                return spawn_child_error(s, fd, "create /sys");
        if (mount("sysfs", spawn_fd_path(fdp, fd), "sysfs", mflags, NULL) >= 0)
                return 0;
        int r = -errno;
        if (s->new_netns)
                return spawn_child_error(s, r, "mount sysfs on /sys");

        /* A fresh sysfs is tied to the mounter's network namespace; where that is refused (sharing the
         * host's netns from a user namespace) bind the host's /sys instead, without its submounts. */
        log_debug_errno(r, "spawn: fresh sysfs refused (%m), binding the host's /sys");
        if (mount("/sys", fdp, NULL, MS_BIND, NULL) >= 0) {
                r = remount_in_root(s->root_fd, "sys", ro ? mflags : 0, 0);
                if (r < 0)
                        return spawn_child_error(s, r, "remount /sys read-only");
                return 0;
        }
        if (errno != EINVAL || !s->userns)
                return spawn_child_error(s, -errno, "bind /sys");

        /* In a user namespace the host's submounts of /sys are locked to it (they may hide things), so
         * only a recursive bind is allowed; make the whole tree read-only in one go. */
        if (mount("/sys", fdp, NULL, MS_BIND | MS_REC, NULL) < 0)
                return spawn_child_error(s, -errno, "bind /sys");
        if (ro) {
                _cleanup_close_ int sys_fd = open_in_root(s->root_fd, "sys", O_PATH | O_DIRECTORY, 0);
                struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY };
                if (sys_fd < 0)
                        return spawn_child_error(s, sys_fd, "open /sys");
                if (mount_setattr(sys_fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) < 0)
                        return spawn_child_error(s, -errno, "make /sys read-only");
        }
        return 0;
}

static int mount_auto_cgroup(SpawnChild *s) {
        unsigned flags = s->c->mount_auto;
        char fdp[SPAWN_FD_PATH_MAX];

        if (!(flags & (BERTH_MOUNT_AUTO_CGROUP2 | BERTH_MOUNT_AUTO_CGROUP2_RO)))
                return 0;
        bool ro = flags & BERTH_MOUNT_AUTO_CGROUP2_RO;

        /* mkdir on a read-only sysfs answers EEXIST for the existing sys/fs/cgroup, so this works both with
         * and without a /sys mount. */
        _cleanup_close_ int fd = mkdir_p_in_root(s->root_fd, "sys/fs/cgroup", 0755);
        if (fd < 0)
                return spawn_child_error(s, fd, "create /sys/fs/cgroup");
        /* A fresh cgroup2 mount shows the cgroup namespace root: the container's own cgroup. */
        if (mount("cgroup2", spawn_fd_path(fdp, fd), "cgroup2",
                  MS_NOSUID | MS_NODEV | MS_NOEXEC | (ro ? MS_RDONLY : 0), NULL) < 0)
                return spawn_child_error(s, -errno, "mount cgroup2 on /sys/fs/cgroup");
        return 0;
}

int spawn_setup_mount_auto(SpawnChild *s) {
        int r;

        r = mount_auto_proc(s);
        if (r < 0)
                return r;
        r = mount_auto_sys(s);
        if (r < 0)
                return r;
        return mount_auto_cgroup(s);
}

/* Create an empty file name in dir_fd (a fresh tmpfs) and bind the host's source onto it. */
static int dev_bind_node(SpawnChild *s, int dev_fd, const char *name, const char *source) {
        char fdp[SPAWN_FD_PATH_MAX];
        _cleanup_close_ int fd = openat(dev_fd, name,
                                        O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC, 0600);
        if (fd < 0)
                return spawn_child_error(s, -errno, "create /dev/%s", name);
        if (mount(source, spawn_fd_path(fdp, fd), NULL, MS_BIND, NULL) < 0)
                return spawn_child_error(s, -errno, "bind %s on /dev/%s", source, name);
        return 0;
}

/* The bind source of /dev/tty<i+1>: the host path if the caller gave one, else the fd's magic link. */
static const char *tty_source(SpawnChild *s, size_t i, char buf[static SPAWN_FD_PATH_MAX]) {
        if (s->p->tty_slave_paths && s->p->tty_slave_paths[i])
                return s->p->tty_slave_paths[i];
        return spawn_fd_path(buf, s->p->tty_slave_fds[i]);
}

/* lxc.tty.max without autodev: the rootfs brings /dev. Bind over an existing /dev/ttyN (whatever it is, a
 * node or a file) or create an empty file for it, as LXC's lxc_setup_ttys() does. */
static int setup_ttys_in_rootfs(SpawnChild *s) {
        char fdp[SPAWN_FD_PATH_MAX], sbuf[SPAWN_FD_PATH_MAX], path[32];
        int r;

        for (size_t i = 0; i < s->p->n_ttys; i++) {
                snprintf(path, sizeof path, "dev/tty%zu", i + 1);
                r = touch_in_root(s->root_fd, path, 0600);
                if (r < 0)
                        return spawn_child_error(s, r, "create /%s", path);
                _cleanup_close_ int fd = open_in_root(s->root_fd, path, O_PATH, 0);
                if (fd < 0)
                        return spawn_child_error(s, fd, "open /%s", path);
                const char *src = tty_source(s, i, sbuf);
                if (mount(src, spawn_fd_path(fdp, fd), NULL, MS_BIND, NULL) < 0)
                        return spawn_child_error(s, -errno, "bind %s on /%s", src, path);
        }
        return 0;
}

static int console_source(SpawnChild *s, char buf[static SPAWN_FD_PATH_MAX], const char **ret) {
        if (s->p->console_slave_path)
                *ret = s->p->console_slave_path;
        else if (s->p->console_slave_fd >= 0)
                *ret = spawn_fd_path(buf, s->p->console_slave_fd);
        else
                return 0;
        return 1;
}

int spawn_setup_dev(SpawnChild *s) {
        static const char *const nodes[] = { "null", "zero", "full", "random", "urandom", "tty" };
        static const char *const links[][2] = {
                { "ptmx", "pts/ptmx" },
                { "fd", "/proc/self/fd" },
                { "stdin", "/proc/self/fd/0" },
                { "stdout", "/proc/self/fd/1" },
                { "stderr", "/proc/self/fd/2" },
        };
        char fdp[SPAWN_FD_PATH_MAX], cbuf[SPAWN_FD_PATH_MAX], opts[128];
        const char *console = NULL;
        int r;

        if (s->c->autodev == 0) {
                /* No autodev: the rootfs brings its own /dev; still give it the ttys, and the console if
                 * it has one. */
                r = setup_ttys_in_rootfs(s);
                if (r < 0)
                        return r;
                if (console_source(s, cbuf, &console) <= 0)
                        return 0;
                _cleanup_close_ int fd = open_in_root(s->root_fd, "dev/console", O_PATH, 0);
                if (fd < 0) {
                        log_debug("spawn: no /dev/console in the rootfs, not binding the console");
                        return 0;
                }
                if (mount(console, spawn_fd_path(fdp, fd), NULL, MS_BIND, NULL) < 0)
                        return spawn_child_error(s, -errno, "bind %s on /dev/console", console);
                return 0;
        }

        _cleanup_close_ int mp = mkdir_p_in_root(s->root_fd, "dev", 0755);
        if (mp < 0)
                return spawn_child_error(s, mp, "create /dev");
        if (mount("none", spawn_fd_path(fdp, mp), "tmpfs", MS_NOSUID | MS_STRICTATIME,
                  "size=500000,mode=0755") < 0)
                return spawn_child_error(s, -errno, "mount tmpfs on /dev");

        /* From here on everything is created in the tmpfs we just mounted, which the container could not
         * have prepared: plain *at() calls relative to it are safe. */
        _cleanup_close_ int dev_fd = open_in_root(s->root_fd, "dev", O_PATH | O_DIRECTORY, 0);
        if (dev_fd < 0)
                return spawn_child_error(s, dev_fd, "open /dev");

        /* Bind the host's nodes rather than mknod: the same code then works in a user namespace. */
        for (size_t i = 0; i < ELEMENTSOF(nodes); i++) {
                r = dev_bind_node(s, dev_fd, nodes[i], strjoina("/dev/", nodes[i]));
                if (r < 0)
                        return r;
        }

        if (mkdirat(dev_fd, "pts", 0755) < 0)
                return spawn_child_error(s, -errno, "create /dev/pts");
        _cleanup_close_ int pts_fd = openat(dev_fd, "pts", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (pts_fd < 0)
                return spawn_child_error(s, -errno, "open /dev/pts");
        /* Always a private instance, so the container never sees the host's ptys (nor its own console
         * and ttys, which are host ptys bound onto /dev/console and /dev/ttyN). LXC mounts none with
         * lxc.pty.max = 0 and then has no usable /dev/ptmx; berth keeps one, unlimited but for the
         * kernel's global kernel.pty.max, and applies max= only when lxc.pty.max > 0.
         * The tty group (5) owns new ptys; in a user namespace that does not map it the kernel refuses
         * the option, so the ptys are then owned by root's group. */
        bool tty_gid = !s->userns || berth_config_idmap_to_host(s->c, 'g', 5, NULL) >= 0;
        int k = snprintf(opts, sizeof opts, "newinstance,ptmxmode=0666,mode=0620%s", tty_gid ? ",gid=5" : "");
        if (s->c->pty_max > 0)
                snprintf(opts + k, sizeof opts - (size_t) k, ",max=%u", s->c->pty_max);
        if (mount("devpts", spawn_fd_path(fdp, pts_fd), "devpts", MS_NOSUID | MS_NOEXEC, opts) < 0)
                return spawn_child_error(s, -errno, "mount devpts on /dev/pts");

        if (mkdirat(dev_fd, "shm", 01777) < 0)
                return spawn_child_error(s, -errno, "create /dev/shm");
        _cleanup_close_ int shm_fd = openat(dev_fd, "shm", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (shm_fd < 0)
                return spawn_child_error(s, -errno, "open /dev/shm");
        if (mount("shm", spawn_fd_path(fdp, shm_fd), "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777") < 0)
                return spawn_child_error(s, -errno, "mount tmpfs on /dev/shm");

        for (size_t i = 0; i < ELEMENTSOF(links); i++)
                if (symlinkat(links[i][1], dev_fd, links[i][0]) < 0)
                        return spawn_child_error(s, -errno, "symlink /dev/%s", links[i][0]);

        if (console_source(s, cbuf, &console) > 0) {
                r = dev_bind_node(s, dev_fd, "console", console);
                if (r < 0)
                        return r;
        }

        /* lxc.tty.max: /dev/tty1..N, the monitor's host ptys, like the console. */
        for (size_t i = 0; i < s->p->n_ttys; i++) {
                char name[24];
                snprintf(name, sizeof name, "tty%zu", i + 1);
                r = dev_bind_node(s, dev_fd, name, tty_source(s, i, cbuf));
                if (r < 0)
                        return r;
        }
        return 0;
}

static int mount_entry(SpawnChild *s, const BerthMountEntry *e) {
        char fdp[SPAWN_FD_PATH_MAX];
        bool bind = e->flags & MS_BIND;
        const char *fstype = bind || isempty(e->fstype) || streq(e->fstype, "none") ? NULL : e->fstype;
        unsigned long propagation = e->flags & PROPAGATION_FLAGS;
        unsigned long flags = e->flags & ~PROPAGATION_FLAGS;
        _cleanup_close_ int fd = -EBADF;
        int r;

        if (isempty(e->target))
                return spawn_child_error(s, -EINVAL, "mount entry %s: empty target", strna(e->source));

        /* LXC configs often spell targets as host paths under the rootfs (/var/lib/lxc/c1/rootfs/mnt):
         * take those relative to the rootfs too. Anything else absolute is inside the rootfs anyway. */
        const char *target = e->target;
        size_t l = strlen(s->p->rootfs);
        while (l > 1 && s->p->rootfs[l - 1] == '/')
                l--;
        if (strncmp(target, s->p->rootfs, l) == 0 && (target[l] == '/' || target[l] == 0))
                target += l;

        if (e->create_dir)
                fd = mkdir_p_in_root(s->root_fd, target, 0755);
        else {
                if (e->create_file) {
                        r = touch_in_root(s->root_fd, target, 0644);
                        if (r < 0)
                                return spawn_child_error(s, r, "create %s", e->target);
                }
                fd = open_in_root(s->root_fd, target, O_PATH, 0);
        }
        if (fd < 0)
                return spawn_child_error(s, fd, "mount %s on %s", strna(e->source), e->target);

        /* A bind ignores MS_RDONLY on the first call: it takes a remount. */
        if (mount(e->source, spawn_fd_path(fdp, fd), fstype, bind ? flags & ~MS_RDONLY : flags,
                  bind ? NULL : e->data) < 0)
                return spawn_child_error(s, -errno, "mount %s on %s", strna(e->source), e->target);

        if ((bind && (flags & MS_RDONLY)) || propagation) {
                r = remount_in_root(s->root_fd, target, bind ? flags : 0, propagation);
                if (r < 0)
                        return spawn_child_error(s, r, "remount %s", e->target);
        }
        return 0;
}

int spawn_setup_mount_entries(SpawnChild *s) {
        for (size_t i = 0; i < s->c->n_mount_entries; i++) {
                const BerthMountEntry *e = &s->c->mount_entries[i];
                int r = mount_entry(s, e);
                if (r < 0) {
                        if (!e->optional)
                                return r;
                        log_debug("spawn: optional mount entry skipped: %s", s->error);
                        s->error[0] = 0;
                }
        }
        return 0;
}
