/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* mount_inject()/mount_remove() against real running "containers": a busybox process that is pid 1 of its
 * own pid and mount namespace, pivot_root'ed into a temp rootfs (and a second one in its own user
 * namespace). Checks what a user sees: the container's mountinfo, contents through /proc/<pid>/root,
 * flags that hold, the host's mount table untouched. Root; meson runs it under
 * `unshare -m -n --propagation private`. */

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "itest-util.h"
#include "mount/mount-inject.h"
#include "tests/unit/tap.h"
#include "util/fd-util.h"
#include "util/fileio.h"
#include "util/macro.h"

#define USERNS_BASE 100000

static char tmpdir[] = "/tmp/berth-mnt-XXXXXX";

typedef struct Box {
        pid_t pid;
        int pidfd;
        char rootfs[256];
} Box;

static char *tpath(const char *rel) {
        static char buf[4][512];
        static unsigned i;
        char *b = buf[i++ % 4];
        snprintf(b, sizeof buf[0], "%s/%s", tmpdir, rel);
        return b;
}

static char *cpath(const Box *box, const char *rel) {
        static char buf[4][512];
        static unsigned i;
        char *b = buf[i++ % 4];
        snprintf(b, sizeof buf[0], "/proc/%d/root%s", (int) box->pid, rel);
        return b;
}

static char *read_file(const char *path) {
        char *s = NULL;
        if (read_full_file(path, &s, NULL) < 0)
                return NULL;
        return s;
}

static bool file_is(const char *path, const char *want) {
        _cleanup_free_ char *s = read_file(path);
        return s && streq(s, want);
}

static int build_rootfs(const char *rootfs) {
        static const char *const dirs[] = { "bin", "etc", "mnt", "srv", "tmp", "dev", "proc", NULL };
        char path[512];
        int r;

        r = itest_build_busybox_rootfs(rootfs, dirs, NULL);
        if (r < 0)
                return r;
        snprintf(path, sizeof path, "%s/etc/container-etc", rootfs);
        if ((r = itest_write_file(path, "x\n")) < 0)
                return r;
        /* Followed naively from the host, this is the host's /etc. */
        snprintf(path, sizeof path, "%s/mnt/evil", rootfs);
        if (symlink("/../../../../etc", path) < 0)
                return -errno;
        return 0;
}

static int chown_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        return lchown(path, USERNS_BASE, USERNS_BASE) < 0 ? -1 : 0;
}

static int build_host_sources(void) {
        int r;

        if (mkdir(tpath("src-dir"), 0755) < 0 || mkdir(tpath("rec-dir"), 0755) < 0 ||
            mkdir(tpath("rec-dir/sub"), 0755) < 0 || mkdir(tpath("shared-dir"), 0755) < 0)
                return -errno;
        if ((r = itest_write_file(tpath("src-file"), "host-file\n")) < 0 ||
            (r = itest_write_file(tpath("src-dir/inner"), "inner\n")) < 0)
                return r;
        /* A submount that only a recursive bind carries along. */
        if (mount("tmpfs", tpath("rec-dir/sub"), "tmpfs", 0, "size=64k") < 0)
                return -errno;
        if ((r = itest_write_file(tpath("rec-dir/sub/submount-file"), "sub\n")) < 0)
                return r;
        /* A shared host mount: a naive clone would join its peer group. */
        if (mount(tpath("shared-dir"), tpath("shared-dir"), NULL, MS_BIND, NULL) < 0 ||
            mount(NULL, tpath("shared-dir"), NULL, MS_SHARED, NULL) < 0)
                return -errno;
        return 0;
}

/* pid 1 of a new pid + mount (+ user) namespace, pivot_root'ed into rootfs, then busybox sleep. */
static int box_start(Box *box, const char *rootfs, bool userns) {
        _cleanup_close_pair_ int ready[2] = { -EBADF, -EBADF }, go[2] = { -EBADF, -EBADF };
        struct clone_args args = {
                .flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_PIDFD | (userns ? CLONE_NEWUSER : 0),
                .exit_signal = SIGCHLD,
        };
        int pidfd = -EBADF;
        char c;
        pid_t pid;

        if (pipe2(ready, O_CLOEXEC) < 0 || pipe2(go, O_CLOEXEC) < 0)
                return -errno;
        args.pidfd = (uint64_t) (uintptr_t) &pidfd;
        fflush(stdout);
        pid = (pid_t) syscall(SYS_clone3, &args, sizeof args);
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                if (read(go[0], &c, 1) != 1)
                        _exit(10);
                if (userns && (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0))
                        _exit(11);
                if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
                    mount(rootfs, rootfs, NULL, MS_BIND | MS_REC, NULL) < 0 || chdir(rootfs) < 0 ||
                    syscall(SYS_pivot_root, ".", ".") < 0 || umount2(".", MNT_DETACH) < 0 || chdir("/") < 0)
                        _exit(12);
                if (write(ready[1], "r", 1) != 1)
                        _exit(13);
                execl("/bin/busybox", "sleep", "600", (char *) NULL);
                _exit(14);
        }

        box->pid = pid;
        box->pidfd = pidfd;
        snprintf(box->rootfs, sizeof box->rootfs, "%s", rootfs);
        if (userns) {
                char path[64], map[64];
                snprintf(map, sizeof map, "0 %d 65536\n", USERNS_BASE);
                snprintf(path, sizeof path, "/proc/%d/uid_map", (int) pid);
                if (write_string_file(path, map) < 0)
                        return -EIO;
                snprintf(path, sizeof path, "/proc/%d/gid_map", (int) pid);
                if (write_string_file(path, map) < 0)
                        return -EIO;
        }
        ready[1] = safe_close(ready[1]);
        if (write(go[1], "g", 1) != 1)
                return -errno;
        if (read(ready[0], &c, 1) != 1)
                return -ECHILD;
        return 0;
}

static void box_stop(Box *box) {
        if (box->pid <= 0)
                return;
        (void) kill(box->pid, SIGKILL);
        (void) waitpid(box->pid, NULL, 0);
        box->pid = 0;
        box->pidfd = safe_close(box->pidfd);
}

/* The mountinfo line (of pid, 0 = ourselves) whose mount point is mp; NULL if none. */
static char *mountinfo_line(pid_t pid, const char *mp) {
        _cleanup_free_ char *s = NULL;
        char path[64];

        if (pid > 0)
                snprintf(path, sizeof path, "/proc/%d/mountinfo", (int) pid);
        else
                snprintf(path, sizeof path, "/proc/self/mountinfo");
        if (read_full_file(path, &s, NULL) < 0)
                return NULL;
        for (char *line = strtok(s, "\n"); line; line = strtok(NULL, "\n")) {
                char f5[1024];
                if (sscanf(line, "%*s %*s %*s %*s %1023s", f5) == 1 && streq(f5, mp))
                        return strdup(line);
        }
        return NULL;
}

static bool mounted(pid_t pid, const char *mp) {
        _cleanup_free_ char *l = mountinfo_line(pid, mp);
        return !!l;
}

static int mount_count(pid_t pid) {
        _cleanup_free_ char *s = NULL;
        char path[64];
        int n = 0;

        snprintf(path, sizeof path, "/proc/%d/mountinfo", (int) pid);
        if (read_full_file(path, &s, NULL) < 0)
                return -1;
        for (char *p = s; *p; p++)
                n += *p == '\n';
        return n;
}

/* The mount options (field 6) contain opt, as a whole word. */
static bool has_opt(const char *line, const char *opt) {
        char f6[512], *save = NULL;
        if (!line || sscanf(line, "%*s %*s %*s %*s %*s %511s", f6) != 1)
                return false;
        for (char *t = strtok_r(f6, ",", &save); t; t = strtok_r(NULL, ",", &save))
                if (streq(t, opt))
                        return true;
        return false;
}

static int inject(const Box *box, const char *source, const char *target, const char *fstype,
                  unsigned long flags, const char *data, bool idmap, char **err) {
        *err = mfree(*err);
        MountInjectRequest req = {
                .source = source, .target = target, .fstype = fstype, .flags = flags, .data = data,
                .idmap = idmap,
        };
        return mount_inject(box->pidfd, &req, err);
}

static int umount_in(const Box *box, const char *target, unsigned long flags, char **err) {
        *err = mfree(*err);
        return mount_remove(box->pidfd, target, flags, err);
}

static void test_binds(const Box *box) {
        _cleanup_free_ char *err = NULL;
        int base = mount_count(box->pid), r;

        /* A host file onto a missing target: an empty file is created, the mount shows, then goes. */
        r = inject(box, tpath("src-file"), "/mnt/file", "", MS_BIND, "", false, &err);
        TAP_EQ_INT(r, 0, "file bind onto a missing target (%s)", strna(err));
        TAP_OK(mounted(box->pid, "/mnt/file"), "file bind is in the container's mountinfo");
        TAP_OK(file_is(cpath(box, "/mnt/file"), "host-file\n"), "file bind shows the host file's content");
        TAP_EQ_INT(mount_count(box->pid), base + 1, "exactly one mount added, no staging mount");
        r = umount_in(box, "/mnt/file", 0, &err);
        TAP_EQ_INT(r, 0, "file bind removed (%s)", strna(err));
        TAP_OK(!mounted(box->pid, "/mnt/file"), "file bind gone from mountinfo");
        TAP_EQ_INT(mount_count(box->pid), base, "mount count back to where it was");

        /* A directory with its content. */
        r = inject(box, tpath("src-dir"), "/srv/dir", "none", MS_BIND, NULL, false, &err);
        TAP_EQ_INT(r, 0, "directory bind (%s)", strna(err));
        TAP_OK(file_is(cpath(box, "/srv/dir/inner"), "inner\n"), "directory content visible in the container");
        TAP_OK(umount_in(box, "/srv/dir", 0, &err) == 0, "directory bind removed");
        TAP_OK(!mounted(box->pid, "/srv/dir") && access(cpath(box, "/srv/dir/inner"), F_OK) < 0,
               "directory bind gone, its content with it");

        /* Read-only in one call: writes through the container's view fail EROFS, the host stays writable. */
        r = inject(box, tpath("src-dir"), "/mnt/ro", "", MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                   "", false, &err);
        TAP_EQ_INT(r, 0, "read-only bind (%s)", strna(err));
        {
                _cleanup_free_ char *line = mountinfo_line(box->pid, "/mnt/ro");
                int fd = open(cpath(box, "/mnt/ro/new"), O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
                int e = errno;
                TAP_OK(fd < 0 && e == EROFS, "creating a file in the read-only bind fails with EROFS");
                safe_close(fd);
                TAP_OK(has_opt(line, "ro"), "mountinfo says ro");
                TAP_OK(has_opt(line, "nosuid") && has_opt(line, "nodev") && has_opt(line, "noexec"),
                       "nosuid,nodev,noexec applied");
                TAP_OK(line && !strstr(line, "shared:") && !strstr(line, "master:"),
                       "injected mount is private");
        }
        TAP_EQ_INT(itest_write_file(tpath("src-dir/host-write"), "y\n"), 0, "the host's source stays writable");
        (void) unlink(tpath("src-dir/host-write"));
        TAP_OK(umount_in(box, "/mnt/ro", 0, &err) == 0, "read-only bind removed");

        /* Recursive binds keep submounts; plain binds do not. */
        r = inject(box, tpath("rec-dir"), "/mnt/rec", "", MS_BIND | MS_REC, "", false, &err);
        TAP_EQ_INT(r, 0, "recursive bind (%s)", strna(err));
        TAP_OK(file_is(cpath(box, "/mnt/rec/sub/submount-file"), "sub\n"), "recursive bind keeps the submount");
        TAP_OK(mounted(box->pid, "/mnt/rec/sub"), "submount in the container's mountinfo");
        r = inject(box, tpath("rec-dir"), "/mnt/norec", "", MS_BIND, "", false, &err);
        TAP_EQ_INT(r, 0, "non-recursive bind (%s)", strna(err));
        TAP_OK(access(cpath(box, "/mnt/norec/sub/submount-file"), F_OK) < 0 && errno == ENOENT,
               "non-recursive bind leaves the submount out");
        TAP_OK(umount_in(box, "/mnt/norec", 0, &err) == 0, "non-recursive bind removed");
        r = umount_in(box, "/mnt/rec", 0, &err);
        TAP_EQ_INT(r, -EBUSY, "umount of a tree with a submount without MNT_DETACH is the real EBUSY");
        r = umount_in(box, "/mnt/rec", MNT_DETACH, &err);
        TAP_EQ_INT(r, 0, "recursive bind removed with MNT_DETACH (%s)", strna(err));
        TAP_OK(!mounted(box->pid, "/mnt/rec") && !mounted(box->pid, "/mnt/rec/sub"), "the whole tree is gone");
        TAP_EQ_INT(mount_count(box->pid), base, "mount count back to where it was");
}

static void test_filesystems(const Box *box) {
        _cleanup_free_ char *err = NULL;
        struct statvfs sv;
        struct stat st;
        int r;

        r = inject(box, "", "/run/scratch", "tmpfs", MS_NOSUID, "size=1m,mode=0710", false, &err);
        TAP_EQ_INT(r, 0, "tmpfs with size=1m,mode=0710 under a missing parent (%s)", strna(err));
        TAP_OK(statvfs(cpath(box, "/run/scratch"), &sv) == 0 && (uint64_t) sv.f_blocks * sv.f_frsize == 1048576,
               "tmpfs is 1 MiB");
        TAP_OK(stat(cpath(box, "/run/scratch"), &st) == 0 && (st.st_mode & 07777) == 0710, "tmpfs root is 0710");
        {
                _cleanup_free_ char *line = mountinfo_line(box->pid, "/run/scratch");
                TAP_OK(line && strstr(line, " - tmpfs tmpfs ") && has_opt(line, "nosuid"),
                       "mountinfo: tmpfs, source tmpfs, nosuid");
        }
        TAP_OK(umount_in(box, "/run/scratch", 0, &err) == 0 && !mounted(box->pid, "/run/scratch"),
               "tmpfs removed");

        r = inject(box, "", "/mnt/devtmpfs", "devtmpfs", MS_RDONLY, NULL, false, &err);
        TAP_EQ_INT(r, 0, "devtmpfs, read-only (%s)", strna(err));
        {
                _cleanup_free_ char *line = mountinfo_line(box->pid, "/mnt/devtmpfs");
                _cleanup_free_ char *host = mountinfo_line(0, "/dev");
                struct stat nst;
                TAP_OK(line && strstr(line, " - devtmpfs ") && has_opt(line, "ro"), "mountinfo: devtmpfs, ro");
                TAP_OK(stat(cpath(box, "/mnt/devtmpfs/null"), &nst) == 0 && S_ISCHR(nst.st_mode),
                       "devtmpfs has /null");
                /* The read-only flag is the mount's, never the shared superblock's. */
                TAP_OK(!host || !strstr(host, " - devtmpfs ") || !strstr(strstr(host, " - devtmpfs "), " ro,"),
                       "the host's devtmpfs superblock stays rw");
        }
        TAP_OK(umount_in(box, "/mnt/devtmpfs", 0, &err) == 0, "devtmpfs removed");

        /* proc takes its creator's pid namespace: injected, it must show the container's processes. */
        r = inject(box, "", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, "", false, &err);
        TAP_EQ_INT(r, 0, "proc (%s)", strna(err));
        {
                char own[64];
                _cleanup_free_ char *comm = read_file(cpath(box, "/proc/1/comm"));
                snprintf(own, sizeof own, "/proc/%d", (int) getpid());
                TAP_OK(comm && streq(comm, "busybox\n"), "the container's proc shows its own pid 1");
                TAP_OK(access(cpath(box, own), F_OK) < 0, "and not the host's processes");
        }
        TAP_OK(umount_in(box, "/proc", 0, &err) == 0, "proc removed (%s)", strna(err));

        r = inject(box, "", "/mnt/badopt", "tmpfs", 0, "size=lots", false, &err);
        TAP_OK(r < 0 && err && strstr(err, "size"), "a bad tmpfs option fails and names it (%s)", strna(err));
        r = inject(box, "", "/mnt/nofs", "no-such-fs", 0, "", false, &err);
        TAP_EQ_INT(r, -ENODEV, "an unknown fstype is ENODEV (%s)", strna(err));
        TAP_OK(access(cpath(box, "/mnt/nofs"), F_OK) < 0, "no target created for a failed filesystem");
}

static void test_targets(const Box *box) {
        _cleanup_free_ char *err = NULL;
        struct stat st;
        int r;

        r = inject(box, tpath("src-dir"), "/opt/a/b/c", "", MS_BIND, "", false, &err);
        TAP_EQ_INT(r, 0, "target inside missing parents (%s)", strna(err));
        TAP_OK(file_is(cpath(box, "/opt/a/b/c/inner"), "inner\n"), "mounted there");
        TAP_OK(stat(tpath("rootfs/opt/a"), &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 0755,
               "parents created 0755 inside the rootfs");
        TAP_OK(umount_in(box, "/opt/a/b/c", 0, &err) == 0, "removed");

        r = inject(box, tpath("src-file"), "/etc/container-etc", "", MS_BIND, "", false, &err);
        TAP_EQ_INT(r, 0, "file bind over an existing file (%s)", strna(err));
        TAP_OK(file_is(cpath(box, "/etc/container-etc"), "host-file\n"), "host content shown over it");
        TAP_OK(umount_in(box, "/etc/container-etc", 0, &err) == 0, "removed");
        TAP_OK(file_is(tpath("rootfs/etc/container-etc"), "x\n"), "the existing file keeps its content");

        r = inject(box, tpath("src-dir"), "/etc/container-etc", "", MS_BIND, "", false, &err);
        TAP_EQ_INT(r, -ENOTDIR, "directory onto an existing file is ENOTDIR (%s)", strna(err));
        TAP_OK(file_is(tpath("rootfs/etc/container-etc"), "x\n") && !mounted(box->pid, "/etc/container-etc"),
               "the file is untouched and nothing is mounted");
        r = inject(box, tpath("src-file"), "/srv", "", MS_BIND, "", false, &err);
        TAP_EQ_INT(r, -EISDIR, "file onto an existing directory is EISDIR (%s)", strna(err));
        TAP_OK(!mounted(box->pid, "/srv"), "nothing mounted on the directory");
        r = inject(box, tpath("src-dir"), "/", "", MS_BIND, "", false, &err);
        TAP_EQ_INT(r, -EBUSY, "the container's root is refused as a target (%s)", strna(err));

        /* A hostile symlink or ".." climbing above the container's root is refused (RESOLVE_IN_ROOT would
         * clamp it to the container's own /etc, but the caller meant the host: say so instead). */
        r = inject(box, tpath("src-dir"), "/mnt/evil/berth-x", "", MS_BIND, "", false, &err);
        TAP_EQ_INT(r, -EINVAL, "inject through a symlink pointing out of the root is refused (%s)", strna(err));
        TAP_OK(err && strstr(err, "leaves the container's root"), "the message says why (%s)", strna(err));
        TAP_OK(access("/etc/berth-x", F_OK) < 0 && errno == ENOENT, "nothing created in the host's /etc");
        TAP_OK(!mounted(0, "/etc/berth-x"), "nothing mounted on the host's /etc");
        TAP_OK(!mounted(box->pid, "/etc/berth-x") && access(tpath("rootfs/etc/berth-x"), F_OK) < 0,
               "nothing created or mounted in the container's /etc either");
        free(err);
        err = NULL;
        /* An absolute symlink that stays inside is fine: /mnt/inside -> /srv. */
        TAP_OK(symlink("/srv", tpath("rootfs/mnt/inside")) == 0, "symlink /mnt/inside -> /srv");
        r = inject(box, tpath("src-dir"), "/mnt/inside/berth-z", "", MS_BIND, "", false, &err);
        TAP_EQ_INT(r, 0, "inject through a symlink that stays inside (%s)", strna(err));
        TAP_OK(mounted(box->pid, "/srv/berth-z"), "it landed on /srv/berth-z");
        TAP_OK(umount_in(box, "/srv/berth-z", 0, &err) == 0, "removed");
        /* A symlink as the last component of an umount target is followed inside the container, unless
         * UMOUNT_NOFOLLOW says not to. */
        r = inject(box, tpath("src-dir"), "/mnt/real", "", MS_BIND, "", false, &err);
        TAP_EQ_INT(r, 0, "bind for the symlink umount (%s)", strna(err));
        TAP_OK(symlink("/../real", tpath("rootfs/mnt/final-link")) == 0, "symlink /mnt/final-link -> /../real");
        r = umount_in(box, "/mnt/final-link", UMOUNT_NOFOLLOW, &err);
        TAP_EQ_INT(r, -EINVAL, "UMOUNT_NOFOLLOW on the symlink: not a mount point (%s)", strna(err));
        TAP_OK(mounted(box->pid, "/mnt/real"), "still mounted");
        r = inject(box, tpath("src-dir"), "/real", "", MS_BIND, "", false, &err);
        TAP_EQ_INT(r, 0, "a second bind at /real (%s)", strna(err));
        r = umount_in(box, "/mnt/final-link", 0, &err);
        TAP_EQ_INT(r, 0, "umount through the symlink (%s)", strna(err));
        TAP_OK(!mounted(box->pid, "/real") && mounted(box->pid, "/mnt/real"),
               "it resolved in the container's root: /real went, /mnt/real stayed");
        TAP_OK(umount_in(box, "/mnt/real", 0, &err) == 0, "removed");

        r = inject(box, tpath("src-file"), "/../../../../etc/berth-y", "", MS_BIND, "", false, &err);
        TAP_EQ_INT(r, -EINVAL, "a target with .. above the root is refused (%s)", strna(err));
        TAP_OK(access("/etc/berth-y", F_OK) < 0 && !mounted(0, "/etc/berth-y") && !mounted(box->pid, "/etc/berth-y"),
               "nothing created or mounted anywhere");
        free(err);
        err = NULL;

        r = inject(box, tpath("no-such-source"), "/mnt/never", "", MS_BIND, "", false, &err);
        TAP_EQ_INT(r, -ENOENT, "a missing source is ENOENT");
        TAP_OK(err && strstr(err, "no-such-source"), "the message names the source (%s)", strna(err));
        TAP_OK(access(cpath(box, "/mnt/never"), F_OK) < 0, "no target created for a missing source");
        r = inject(box, "relative/path", "/mnt/never", "", MS_BIND, "", false, &err);
        TAP_EQ_INT(r, -EINVAL, "a relative source is refused");
        free(err);
        err = NULL;
        /* The source is opened exactly as polkit saw it: a symlink (which its owner could swap after the
         * check) is refused rather than followed. */
        TAP_OK(symlink(tpath("src-dir"), tpath("src-link")) == 0, "symlink src-link -> src-dir");
        r = inject(box, tpath("src-link"), "/mnt/never", "", MS_BIND, "", false, &err);
        TAP_EQ_INT(r, -EINVAL, "a source through a symlink is refused (%s)", strna(err));
        TAP_OK(err && strstr(err, "symbolic link"), "the message says why");
        TAP_OK(access(cpath(box, "/mnt/never"), F_OK) < 0, "no target created for a refused source");
        r = inject(box, tpath("src-dir"), "/mnt/never", "", MS_BIND | MS_MOVE, "", false, &err);
        TAP_EQ_INT(r, -EINVAL, "MS_MOVE is refused (%s)", strna(err));
        r = inject(box, tpath("src-dir"), "/mnt/never", "", MS_BIND, "", true, &err);
        TAP_EQ_INT(r, -EINVAL, "idmap without a user namespace is refused (%s)", strna(err));

        r = umount_in(box, "/etc", 0, &err);
        TAP_EQ_INT(r, -EINVAL, "umount of a non-mountpoint is EINVAL");
        TAP_EQ_STR(err, "/etc is not a mount point", "with the message");
        r = umount_in(box, "/nowhere", 0, &err);
        TAP_EQ_INT(r, -ENOENT, "umount of a missing path is ENOENT (%s)", strna(err));
        r = umount_in(box, "/", MNT_DETACH, &err);
        TAP_OK(r < 0 && mount_count(box->pid) > 0 && file_is(cpath(box, "/etc/container-etc"), "x\n"),
               "the container's root cannot be unmounted (%d: %s)", r, strna(err));
}

/* A mount the container makes below an injected bind of a shared host mount must not reach the host. */
static void test_propagation(const Box *box) {
        _cleanup_free_ char *err = NULL;
        int r;

        r = inject(box, tpath("shared-dir"), "/mnt/shared", "", MS_BIND, "", false, &err);
        TAP_EQ_INT(r, 0, "bind of a shared host mount (%s)", strna(err));
        r = inject(box, "", "/mnt/shared/sub", "tmpfs", 0, "size=64k", false, &err);
        TAP_EQ_INT(r, 0, "a tmpfs inside it (%s)", strna(err));
        TAP_OK(mounted(box->pid, "/mnt/shared/sub"), "mounted in the container");
        TAP_OK(!mounted(0, tpath("shared-dir/sub")), "not propagated to the host");
        TAP_OK(umount_in(box, "/mnt/shared/sub", 0, &err) == 0 &&
               umount_in(box, "/mnt/shared", 0, &err) == 0, "both removed");
        (void) rmdir(tpath("shared-dir/sub"));
}

static void test_no_leaks(const Box *box) {
        _cleanup_free_ char *err = NULL;
        int fds = fd_count(0), base = mount_count(box->pid), failures = 0;

        for (int i = 0; i < 50; i++) {
                if (inject(box, tpath("src-file"), "/mnt/cycle", "", MS_BIND | MS_RDONLY, "", false, &err) < 0 ||
                    umount_in(box, "/mnt/cycle", 0, &err) < 0)
                        failures++;
        }
        TAP_EQ_INT(failures, 0, "50 inject/remove cycles succeed (%s)", strna(err));
        TAP_EQ_INT(fd_count(0), fds, "fd count unchanged after 50 cycles");
        TAP_EQ_INT(mount_count(box->pid), base, "mount count unchanged after 50 cycles");
}

static void test_userns(void) {
        _cleanup_free_ char *err = NULL;
        Box box = { .pidfd = -EBADF };
        struct stat st;
        int r;

        if (build_rootfs(tpath("rootfs-userns")) < 0 ||
            nftw(tpath("rootfs-userns"), chown_one, 16, FTW_PHYS) < 0) {
                TAP_OK(false, "building the user-namespaced rootfs");
                return;
        }
        r = box_start(&box, tpath("rootfs-userns"), true);
        if (r < 0) {
                box_stop(&box);
                TAP_SKIP("cannot start a user-namespaced container here");
                return;
        }

        r = inject(&box, tpath("src-dir"), "/mnt/plain", "", MS_BIND, "", false, &err);
        TAP_EQ_INT(r, 0, "bind into a user-namespaced container (%s)", strna(err));
        TAP_OK(stat(tpath("rootfs-userns/mnt/plain"), &st) == 0 && st.st_uid == USERNS_BASE &&
               st.st_gid == USERNS_BASE, "the created mount point belongs to the container's root");
        TAP_OK(stat(cpath(&box, "/mnt/plain/inner"), &st) == 0 && st.st_uid == 0,
               "without idmap a host root file keeps host uid 0 (nobody inside)");

        r = inject(&box, tpath("src-dir"), "/mnt/idmapped", "", MS_BIND, "", true, &err);
        TAP_EQ_INT(r, 0, "idmapped bind (%s)", strna(err));
        TAP_OK(stat(cpath(&box, "/mnt/idmapped/inner"), &st) == 0 && st.st_uid == USERNS_BASE,
               "with idmap the host root file is the container's root");
        TAP_OK(umount_in(&box, "/mnt/idmapped", 0, &err) == 0 && umount_in(&box, "/mnt/plain", 0, &err) == 0,
               "both removed from the user-namespaced container (%s)", strna(err));
        r = inject(&box, "", "/mnt/u-tmpfs", "tmpfs", MS_NODEV, "size=1m", false, &err);
        TAP_EQ_INT(r, 0, "tmpfs into a user-namespaced container (%s)", strna(err));
        TAP_OK(stat(tpath("rootfs-userns/mnt/u-tmpfs"), &st) == 0 && st.st_uid == USERNS_BASE,
               "its mount point belongs to the container's root");
        TAP_OK(umount_in(&box, "/mnt/u-tmpfs", 0, &err) == 0 && !mounted(box.pid, "/mnt/u-tmpfs"),
               "and is removed (%s)", strna(err));
        r = inject(&box, "", "/mnt/idtmpfs", "tmpfs", 0, "", true, &err);
        TAP_EQ_INT(r, -EINVAL, "idmap on a filesystem is refused");
        box_stop(&box);
}

int main(void) {
        Box box = { .pidfd = -EBADF };
        _cleanup_free_ char *err = NULL;
        int r;

        if (geteuid() != 0) {
                TAP_SKIP("needs root");
                return tap_done();
        }
        if (!mount_inject_supported()) {
                TAP_SKIP("kernel lacks the new mount API");
                return tap_done();
        }
        TAP_OK(mkdtemp(tmpdir) && chmod(tmpdir, 0755) == 0, "temp dir %s", tmpdir);
        TAP_EQ_INT(build_rootfs(tpath("rootfs")), 0, "rootfs built");
        TAP_EQ_INT(build_host_sources(), 0, "host sources built");
        r = box_start(&box, tpath("rootfs"), false);
        TAP_EQ_INT(r, 0, "container started");
        if (r >= 0) {
                test_binds(&box);
                test_filesystems(&box);
                test_targets(&box);
                test_propagation(&box);
                test_no_leaks(&box);
                box_stop(&box);
        }
        test_userns();

        /* A stopped container: the pidfd now names a reaped process. */
        r = box_start(&box, tpath("rootfs"), false);
        if (r >= 0) {
                int pidfd = fcntl(box.pidfd, F_DUPFD_CLOEXEC, 3);
                box_stop(&box);
                box.pidfd = pidfd;
                r = inject(&box, tpath("src-dir"), "/mnt/late", "", MS_BIND, "", false, &err);
                TAP_EQ_INT(r, -ESRCH, "a stopped container is ESRCH (%s)", strna(err));
                r = umount_in(&box, "/mnt/late", 0, &err);
                TAP_EQ_INT(r, -ESRCH, "umount in a stopped container is ESRCH");
                box.pidfd = safe_close(box.pidfd);
        }

        (void) umount2(tpath("shared-dir"), MNT_DETACH);
        (void) umount2(tpath("rec-dir/sub"), MNT_DETACH);
        TAP_EQ_INT(rm_rf(tmpdir), 0, "temp dir removed");
        return tap_done();
}
