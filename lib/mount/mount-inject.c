/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Mount injection with the new mount API; see mount-inject.h for the contract. */

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log/log.h"
#include "mount/mount-inject.h"
#include "mount/open-in-root.h"
#include "util/fd-util.h"
#include "util/path-util.h"
#include "util/fileio.h"
#include "util/macro.h"
#include "util/strv.h"

#ifndef STATX_ATTR_MOUNT_ROOT
#define STATX_ATTR_MOUNT_ROOT 0x00002000
#endif

/* glibc 2.36 has no wrapper for it. */
static int sys_pidfd_send_signal(int pidfd, int sig) {
        return (int) syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
}

static int set_error(char **ret_error, int r, const char *fmt, ...) _printf_(3, 4);
static int set_error(char **ret_error, int r, const char *fmt, ...) {
        va_list ap;

        if (ret_error) {
                char *m = NULL;
                va_start(ap, fmt);
                if (vasprintf(&m, fmt, ap) < 0)
                        m = NULL;
                va_end(ap);
                *ret_error = m; /* NULL if out of memory: the errno still stands */
        }
        return r;
}

int mount_flags_to_attr(unsigned long flags, uint64_t *ret_attr) {
        static const struct {
                unsigned long ms;
                uint64_t attr;
        } map[] = {
                { MS_RDONLY,      MOUNT_ATTR_RDONLY      },
                { MS_NOSUID,      MOUNT_ATTR_NOSUID      },
                { MS_NODEV,       MOUNT_ATTR_NODEV       },
                { MS_NOEXEC,      MOUNT_ATTR_NOEXEC      },
                { MS_NOATIME,     MOUNT_ATTR_NOATIME     },
                { MS_NODIRATIME,  MOUNT_ATTR_NODIRATIME  },
                { MS_NOSYMFOLLOW, MOUNT_ATTR_NOSYMFOLLOW },
                { MS_BIND,        0                      },
                { MS_REC,         0                      },
                { MS_SILENT,      0                      },
        };
        uint64_t attr = 0;

        for (size_t i = 0; i < ELEMENTSOF(map); i++)
                if (flags & map[i].ms) {
                        attr |= map[i].attr;
                        flags &= ~map[i].ms;
                }
        if (flags != 0)
                return -EINVAL;
        if (ret_attr)
                *ret_attr = attr;
        return 0;
}

int mount_data_split(const char *data, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        const char *p = data;
        int r;

        if (!isempty(p))
                for (;;) {
                        size_t n = strcspn(p, ",");
                        char *item;

                        if (n == 0 || p[0] == '=')
                                return -EINVAL;
                        item = strndup(p, n);
                        if (!item)
                                return -ENOMEM;
                        r = strv_consume(&l, item);
                        if (r < 0)
                                return r;
                        if (p[n] == 0)
                                break;
                        p += n + 1;
                }
        *ret = TAKE_PTR(l);
        return 0;
}

bool mount_inject_supported(void) {
        static int cached = -1;

        /* Each probe passes an invalid fd or pointer: a kernel with the call fails EBADF/EFAULT/EINVAL,
         * one without it fails ENOSYS. pidfd_open() stands in for pidfd setns (5.3 vs 5.8); mount_setattr
         * (5.12) is newer than both, so a kernel that has it has setns on pidfds too. */
        if (cached < 0) {
                bool ok = true;

                if (open_tree(-EBADF, "", 0) < 0 && errno == ENOSYS)
                        ok = false;
                if (move_mount(-EBADF, "", -EBADF, "", 0) < 0 && errno == ENOSYS)
                        ok = false;
                if (fsopen(NULL, 0) < 0 && errno == ENOSYS)
                        ok = false;
                if (fsmount(-EBADF, 0, 0) < 0 && errno == ENOSYS)
                        ok = false;
                if (mount_setattr(-EBADF, "", 0, NULL, 0) < 0 && errno == ENOSYS)
                        ok = false;
                if (openat2_fd(-EBADF, "", 0, 0, 0) == -ENOSYS)
                        ok = false;
                cached = ok;
        }
        return cached;
}

/* The running container as seen from the host: every fd is taken before the helper enters any
 * namespace, and the pid is pinned by checking the pidfd after /proc/<pid> is open. */
typedef struct Container {
        int pidfd;             /* borrowed */
        pid_t pid;
        int proc_fd;           /* /proc/<pid> */
        int root_fd;           /* O_PATH /proc/<pid>/root: the container's root, dirfd for openat2 */
        int userns_fd;         /* /proc/<pid>/ns/user */
        bool own_userns;       /* the container's user namespace differs from ours */
} Container;

static void container_done(Container *c) {
        c->proc_fd = safe_close(c->proc_fd);
        c->root_fd = safe_close(c->root_fd);
        c->userns_fd = safe_close(c->userns_fd);
}

static int pidfd_get_pid(int pidfd, pid_t *ret) {
        char path[64];
        _cleanup_free_ char *fdinfo = NULL;
        const char *p;
        long pid;
        int r;

        snprintf(path, sizeof path, "/proc/self/fdinfo/%d", pidfd);
        r = read_full_file(path, &fdinfo, NULL);
        if (r < 0)
                return r;
        p = strstr(fdinfo, "\nPid:");
        if (!p)
                return -EBADF; /* not a pidfd */
        pid = strtol(p + 5, NULL, 10);
        if (pid == 0)
                return -EREMOTE; /* the process lives in a pid namespace we cannot see */
        if (pid < 0)
                return -ESRCH;   /* exited and reaped */
        *ret = (pid_t) pid;
        return 0;
}

static int container_open(int pidfd, Container *c, char **ret_error) {
        char path[64];
        struct stat self_st, st;
        int r;

        *c = (Container) {
                .pidfd = pidfd, .proc_fd = -EBADF, .root_fd = -EBADF, .userns_fd = -EBADF
        };

        r = pidfd_get_pid(pidfd, &c->pid);
        if (r == -ESRCH)
                return set_error(ret_error, r, "The container's init has exited");
        if (r < 0)
                return set_error(ret_error, r, "Cannot get the pid of the container's init from fd %d: %s",
                                 pidfd, strerror(-r));

        snprintf(path, sizeof path, "/proc/%d", (int) c->pid);
        c->proc_fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (c->proc_fd < 0)
                return set_error(ret_error, -errno, "Cannot open %s: %m", path);
        /* Alive now means /proc/<pid> opened above is this process, not a recycled pid. */
        if (sys_pidfd_send_signal(pidfd, 0) < 0)
                return set_error(ret_error, -errno, "The container's init has exited");

        c->root_fd = openat(c->proc_fd, "root", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (c->root_fd < 0)
                return set_error(ret_error, -errno, "Cannot open the container's root %s/root: %m", path);
        c->userns_fd = openat(c->proc_fd, "ns/user", O_RDONLY | O_CLOEXEC);
        if (c->userns_fd < 0)
                return set_error(ret_error, -errno, "Cannot open %s/ns/user: %m", path);

        if (stat("/proc/self/ns/user", &self_st) < 0 || fstat(c->userns_fd, &st) < 0)
                return set_error(ret_error, -errno, "Cannot stat user namespaces: %m");
        c->own_userns = self_st.st_dev != st.st_dev || self_st.st_ino != st.st_ino;
        return 0;
}

/* What the helper sends back: an errno and a message, since an exit status cannot say what failed. */
typedef struct HelperReport {
        int error;             /* 0 or a positive errno */
        char message[PATH_MAX + 512];
} HelperReport;

/* Helper-side error: no malloc and no locale lookups, the parent may be multi-threaded. */
static int report(HelperReport *rep, int error, const char *what, const char *path) {
        const char *desc = strerrordesc_np(error);

        rep->error = error;
        /* A target near PATH_MAX may cut the message short; the errno still says what happened. */
        if (snprintf(rep->message, sizeof rep->message, "%s %s: %s", what, path, desc ?: "Unknown error") < 0)
                rep->message[0] = 0;
        return -error;
}

typedef int (*HelperFunc)(const Container *c, void *userdata, HelperReport *rep);

/* A helper that hangs (a stuck FUSE mount in the container, say) must not hang the daemon with it. */
#define HELPER_TIMEOUT_MS (30 * 1000)

/* Fork a child running fn. The child fills *rep, which lives in shared memory, so an errno and a message
 * come back and not just an exit status. Returns 0 or the negative errno; a helper that dies or hangs is
 * -EPROTO/-ETIMEDOUT with a message in rep. */
static int fork_helper(const Container *c, HelperFunc fn, void *userdata, HelperReport *rep) {
        _cleanup_close_ int pidfd = -EBADF;
        pid_t parent = getpid(), pid;
        struct pollfd pfd;
        int status = 0, r;

        pid = fork();
        if (pid < 0)
                return report(rep, errno, "Cannot fork the mount helper for", "the container");
        if (pid == 0) {
                /* A killed caller takes its helpers along: none may stay half way into a container. */
                (void) prctl(PR_SET_PDEATHSIG, SIGKILL);
                /* 0: our parent lives outside our pid namespace (the filesystem helper's case). */
                pid_t pp = getppid();
                if (pp != parent && pp != 0)
                        _exit(EXIT_FAILURE);
                umask(0022);
                r = fn(c, userdata, rep);
                if (r < 0 && rep->error == 0)
                        (void) report(rep, -r, "Mount helper failed for", "the container");
                _exit(r < 0 ? EXIT_FAILURE : EXIT_SUCCESS);
        }

        pidfd = (int) syscall(SYS_pidfd_open, pid, 0);
        if (pidfd >= 0) {
                pfd = (struct pollfd) { .fd = pidfd, .events = POLLIN };
                do
                        r = poll(&pfd, 1, HELPER_TIMEOUT_MS);
                while (r < 0 && errno == EINTR);
                if (r == 0) {
                        (void) kill(pid, SIGKILL);
                        (void) waitpid(pid, NULL, 0);
                        return report(rep, ETIMEDOUT, "The mount helper timed out in", "the container");
                }
        }
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR) {
                        /* A caller reaping every child (waitpid(-1)) may get it first; the report still
                         * holds, but without one success cannot be told from a crash. */
                        if (rep->error != 0)
                                break;
                        return report(rep, EPROTO, "Lost the exit status of the mount helper for",
                                      "the container");
                }

        if (rep->error != 0) {
                rep->message[sizeof rep->message - 1] = 0;
                return -rep->error;
        }
        if (WIFSIGNALED(status))
                return report(rep, EPROTO, "The mount helper was killed by a signal in", "the container");
        if (!WIFEXITED(status) || WEXITSTATUS(status) != EXIT_SUCCESS)
                return report(rep, EPROTO, "The mount helper failed without an error in", "the container");
        return 0;
}

/* Run fn in a helper and turn its report into the caller's error message. */
static int run_helper(const Container *c, HelperFunc fn, void *userdata, char **ret_error) {
        HelperReport *rep;
        int r;

        rep = mmap(NULL, sizeof *rep, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (rep == MAP_FAILED)
                return set_error(ret_error, -errno, "Cannot allocate the mount helper's report: %m");
        rep->error = 0;
        rep->message[0] = 0;

        r = fork_helper(c, fn, userdata, rep);
        if (r < 0)
                (void) set_error(ret_error, r, "%s", rep->message);
        (void) munmap(rep, sizeof *rep);
        return r;
}

/* Enter the container's mount namespace, and its user namespace as its root when it has its own, so
 * created mount points belong to the container's root. An unmapped 0 leaves us as we are: files then show
 * up as the overflow id inside. */
static int enter_container(const Container *c, HelperReport *rep) {
        if (setns(c->pidfd, CLONE_NEWNS | (c->own_userns ? CLONE_NEWUSER : 0)) < 0)
                return report(rep, errno, "Cannot enter the namespaces of", "the container's init");
        if (c->own_userns) {
                (void) setgroups(0, NULL);
                (void) setresgid(0, 0, 0);
                (void) setresuid(0, 0, 0);
        }
        return 0;
}

/* Same object: for refusing the container's root as a target. */
static bool same_inode(int a, int b) {
        struct statx sa, sb;

        if (statx(a, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_INO | STATX_MNT_ID, &sa) < 0 ||
            statx(b, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_INO | STATX_MNT_ID, &sb) < 0)
                return false;
        return sa.stx_ino == sb.stx_ino && sa.stx_dev_major == sb.stx_dev_major &&
                sa.stx_dev_minor == sb.stx_dev_minor && sa.stx_mnt_id == sb.stx_mnt_id;
}

typedef struct InjectArgs {
        const MountInjectRequest *req;
        uint64_t attr;        /* MOUNT_ATTR_* for fsmount() */
        int tree_fd;          /* a bind's detached tree, opened by the caller */
        bool source_is_dir;
} InjectArgs;

/* Would resolving path inside the container climb above its "/" through ".." (directly or in a symlink's
 * target)? RESOLVE_IN_ROOT already clamps such a walk to the container's root, so it can never reach a
 * host path; but a target like "/mnt/x -> /../../etc" is almost certainly an attempt to reach the host,
 * and silently mounting on the container's /etc instead would surprise the caller: refuse it. Returns 1
 * for an escape, 0 otherwise, <0 on errors. */
static int path_escapes_root(int root_fd, const char *path) {
        char cur[PATH_MAX] = "", rest[PATH_MAX];
        size_t cur_len = 0;
        unsigned links = 0;

        if (strlen(path) >= sizeof rest)
                return -ENAMETOOLONG;
        strcpy(rest, path);
        for (;;) {
                char *p = rest + strspn(rest, "/");
                size_t n = strcspn(p, "/");
                char name[NAME_MAX + 1];

                if (n == 0)
                        return 0;
                if (n > NAME_MAX)
                        return -ENAMETOOLONG;
                memcpy(name, p, n);
                name[n] = 0;
                memmove(rest, p + n, strlen(p + n) + 1);

                if (streq(name, "."))
                        continue;
                if (streq(name, "..")) {
                        if (cur_len == 0)
                                return 1;
                        while (cur_len > 0 && cur[cur_len - 1] != '/')
                                cur_len--;
                        if (cur_len > 0)
                                cur_len--; /* the '/' */
                        cur[cur_len] = 0;
                        continue;
                }
                if (cur_len + 1 + n >= sizeof cur)
                        return -ENAMETOOLONG;
                size_t saved = cur_len;
                cur[cur_len++] = '/';
                memcpy(cur + cur_len, name, n + 1);
                cur_len += n;

                _cleanup_close_ int fd = open_in_root(root_fd, cur, O_PATH | O_NOFOLLOW, 0);
                if (fd == -ENOENT)
                        continue; /* nothing beyond this exists yet: only ".." can still escape */
                if (fd < 0)
                        return fd;
                struct stat st;
                if (fstat(fd, &st) < 0)
                        return -errno;
                if (!S_ISLNK(st.st_mode))
                        continue;

                char target[PATH_MAX];
                ssize_t k = readlinkat(fd, "", target, sizeof target - 1);
                if (k < 0)
                        return -errno;
                target[k] = 0;
                if (++links > 40)
                        return -ELOOP;
                if ((size_t) k + 1 + strlen(rest) >= sizeof rest)
                        return -ENAMETOOLONG;
                /* Splice the link's target in front of what is left to walk. */
                memmove(rest + k + 1, rest, strlen(rest) + 1);
                memcpy(rest, target, (size_t) k);
                rest[k] = '/';
                cur_len = target[0] == '/' ? 0 : saved;
                cur[cur_len] = 0;
        }
}

/* Split "/a/b/c/" into parent "/a/b" and name "c" (both in caller buffers). An empty name means the
 * path names the root. */
static int split_path(const char *path, char *parent, size_t parent_size, char *name, size_t name_size) {
        size_t len = strlen(path), start;

        while (len > 0 && path[len - 1] == '/')
                len--;
        start = len;
        while (start > 0 && path[start - 1] != '/')
                start--;
        if (len - start >= name_size || start + 2 > parent_size)
                return -ENAMETOOLONG;
        memcpy(name, path + start, len - start);
        name[len - start] = 0;
        if (start == 0)
                strcpy(parent, "/");
        else {
                memcpy(parent, path, start);
                parent[start] = 0;
        }
        return 0;
}

/* Resolve the target inside the container, creating what is missing: parents as 0755 directories,
 * the last component as a directory or an empty file matching the source. Every creation is relative
 * to an fd resolved in the container's root, never a string path on the host. *ret_created names the
 * last component if this call created it, so a failed move can take it away again. */
static int resolve_target(const Container *c, const char *target, bool want_dir, HelperReport *rep,
                          int *ret_fd, int *ret_parent_fd, char *ret_created, size_t created_size) {
        char parent[PATH_MAX], name[NAME_MAX + 1];
        _cleanup_close_ int fd = -EBADF, parent_fd = -EBADF;
        struct stat st;

        ret_created[0] = 0;
        int q = path_escapes_root(c->root_fd, target);
        if (q < 0)
                return report(rep, -q, "Cannot resolve target", target);
        if (q > 0)
                return report(rep, EINVAL, "The target leaves the container's root through '..' or a symlink:",
                              target);
        fd = open_in_root(c->root_fd, target, O_PATH, 0);
        if (fd < 0 && fd != -ENOENT)
                return report(rep, -fd, "Cannot resolve target", target);
        if (fd < 0) {
                bool created;

                if (split_path(target, parent, sizeof parent, name, sizeof name) < 0)
                        return report(rep, ENAMETOOLONG, "Target path too long:", target);
                if (isempty(name) || streq(name, ".") || streq(name, ".."))
                        return report(rep, EINVAL, "The target must end in a name:", target);
                /* Created parents stay, like mkdir -p. */
                parent_fd = mkdir_p_in_root(c->root_fd, parent, 0755);
                if (parent_fd < 0)
                        return report(rep, -parent_fd, "Cannot create the parent directories of", target);

                if (want_dir) {
                        created = mkdirat(parent_fd, name, 0755) >= 0;
                        if (!created && errno != EEXIST)
                                return report(rep, errno, "Cannot create directory", target);
                } else {
                        int f = openat(parent_fd, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC,
                                       0644);
                        created = f >= 0;
                        if (!created && errno != EEXIST)
                                return report(rep, errno, "Cannot create file", target);
                        safe_close(f);
                }
                /* Only what this call made may be taken away again. */
                if (created)
                        snprintf(ret_created, created_size, "%s", name);
                /* EEXIST with a failed lookup is a dangling symlink: this fails. */
                fd = open_in_root(c->root_fd, target, O_PATH, 0);
                if (fd < 0) {
                        if (created)
                                (void) unlinkat(parent_fd, name, want_dir ? AT_REMOVEDIR : 0);
                        return report(rep, -fd, "Cannot resolve created", target);
                }
        }

        if (fstat(fd, &st) < 0)
                return report(rep, errno, "Cannot stat target", target);
        if (want_dir && !S_ISDIR(st.st_mode))
                return report(rep, ENOTDIR, "The source is a directory but this target is not:", target);
        if (!want_dir && S_ISDIR(st.st_mode))
                return report(rep, EISDIR, "The source is not a directory but this target is:", target);
        if (same_inode(fd, c->root_fd))
                return report(rep, EBUSY, "Refusing to mount over the container's root:", target);

        *ret_fd = TAKE_FD(fd);
        *ret_parent_fd = TAKE_FD(parent_fd);
        return 0;
}

/* In the container's mount namespace: resolve or create the target, attach the detached tree there. */
static int attach_mount(const Container *c, const char *target, int tree_fd, bool source_is_dir,
                        HelperReport *rep) {
        _cleanup_close_ int target_fd = -EBADF, parent_fd = -EBADF;
        char created[NAME_MAX + 1];
        int r;

        r = resolve_target(c, target, source_is_dir, rep, &target_fd, &parent_fd, created, sizeof created);
        if (r < 0)
                return r; /* created parents stay, like mkdir -p */

        if (move_mount(tree_fd, "", target_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0) {
                r = report(rep, errno, "Cannot attach the mount at", target);
                /* Only what we created goes; an existing file or directory is never removed. */
                if (created[0] && parent_fd >= 0)
                        (void) unlinkat(parent_fd, created, source_is_dir ? AT_REMOVEDIR : 0);
                return r;
        }
        return 0;
}

static int inject_bind_helper(const Container *c, void *userdata, HelperReport *rep) {
        const InjectArgs *a = userdata;
        int r;

        r = enter_container(c, rep);
        if (r < 0)
                return r;
        return attach_mount(c, a->req->target, a->tree_fd, a->source_is_dir, rep);
}

static int make_filesystem(const MountInjectRequest *req, uint64_t attr, int *ret_fd, char **ret_error);

/* Runs in the container's pid namespace: create the filesystem with the host's credentials and mount
 * namespace (so "source" is a host path and devtmpfs is allowed), then attach it. */
static int build_fs_helper(const Container *c, void *userdata, HelperReport *rep) {
        const InjectArgs *a = userdata;
        _cleanup_free_ char *msg = NULL;
        _cleanup_close_ int fd = -EBADF;
        int r;

        r = make_filesystem(a->req, a->attr, &fd, &msg);
        if (r < 0) {
                rep->error = -r;
                snprintf(rep->message, sizeof rep->message, "%s", strna(msg));
                return r;
        }
        r = enter_container(c, rep);
        if (r < 0)
                return r;
        return attach_mount(c, a->req->target, fd, true, rep);
}

/* Filesystems bound to a namespace take the creator's: proc its pid namespace, sysfs its network
 * namespace, mqueue its IPC namespace, cgroup2 its cgroup namespace. Created on the host, a "proc"
 * would show the container the host's processes. So the filesystem is made by a second helper that is
 * a member of the container's pid namespace and has joined its net, IPC and cgroup namespaces. */
static int inject_fs_helper(const Container *c, void *userdata, HelperReport *rep) {
        if (setns(c->pidfd, CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWCGROUP) < 0)
                return report(rep, errno, "Cannot enter the pid, net, IPC and cgroup namespaces of",
                              "the container's init");
        return fork_helper(c, build_fs_helper, userdata, rep);
}

/* The kernel's fs_context log explains most fsconfig() failures ("tmpfs: Bad value for 'size'"). */
static void fs_context_error(int fsfd, char *buf, size_t size) {
        char line[256];
        ssize_t n;

        buf[0] = 0;
        while ((n = read(fsfd, line, sizeof line - 1)) > 0) {
                line[n] = 0;
                if (line[n - 1] == '\n')
                        line[n - 1] = 0;
                /* "e msg", "w msg", "i msg": keep the last error. */
                if (line[0] == 'e' && line[1] == ' ')
                        snprintf(buf, size, "%s", line + 2);
        }
}

static int make_filesystem(const MountInjectRequest *req, uint64_t attr, int *ret_fd, char **ret_error) {
        _cleanup_strv_free_ char **opts = NULL;
        _cleanup_close_ int fsfd = -EBADF;
        char kmsg[256];
        int r, fd;

        r = mount_data_split(req->data, &opts);
        if (r == -EINVAL)
                return set_error(ret_error, r, "Invalid filesystem options \"%s\"", req->data);
        if (r < 0)
                return set_error(ret_error, r, "Cannot parse filesystem options: %s", strerror(-r));

        fsfd = fsopen(req->fstype, FSOPEN_CLOEXEC);
        if (fsfd < 0) {
                if (errno == ENODEV)
                        return set_error(ret_error, -ENODEV, "Unknown filesystem type \"%s\"", req->fstype);
                return set_error(ret_error, -errno, "Cannot open filesystem type %s: %m", req->fstype);
        }

        /* Like mount -t tmpfs tmpfs: the source shows in mountinfo, so never leave it "none". */
        if (fsconfig(fsfd, FSCONFIG_SET_STRING, "source", isempty(req->source) ? req->fstype : req->source,
                     0) < 0) {
                r = -errno;
                fs_context_error(fsfd, kmsg, sizeof kmsg);
                return set_error(ret_error, r, "Cannot set source of %s: %s", req->fstype,
                                 kmsg[0] ? kmsg : strerror(-r));
        }

        STRV_FOREACH(o, opts) {
                char *eq = strchr(*o, '=');

                if (eq) {
                        *eq = 0;
                        r = fsconfig(fsfd, FSCONFIG_SET_STRING, *o, eq + 1, 0);
                } else
                        r = fsconfig(fsfd, FSCONFIG_SET_FLAG, *o, NULL, 0);
                if (r < 0) {
                        r = -errno;
                        fs_context_error(fsfd, kmsg, sizeof kmsg);
                        return set_error(ret_error, r, "Invalid %s option \"%s\": %s", req->fstype, *o,
                                         kmsg[0] ? kmsg : strerror(-r));
                }
        }

        if (fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) {
                r = -errno;
                fs_context_error(fsfd, kmsg, sizeof kmsg);
                return set_error(ret_error, r, "Cannot create a %s filesystem: %s", req->fstype,
                                 kmsg[0] ? kmsg : strerror(-r));
        }

        /* The attributes go on the mount, not the superblock: a shared superblock (devtmpfs) must never
         * turn read-only for the host. */
        fd = fsmount(fsfd, FSMOUNT_CLOEXEC, (unsigned) attr);
        if (fd < 0)
                return set_error(ret_error, -errno, "Cannot create a %s mount: %m", req->fstype);
        *ret_fd = fd;
        return 0;
}

static int make_bind(const MountInjectRequest *req, uint64_t attr, const Container *c, int *ret_fd,
                     char **ret_error) {
        _cleanup_close_ int fd = -EBADF;
        bool recursive = req->flags & MS_REC;
        struct mount_attr ma = {
                .attr_set = attr,
                /* A clone joins the source's peer group; private keeps mounts the container makes
                 * below the target off the host, and the host's off the container. */
                .propagation = MS_PRIVATE,
        };

        if (isempty(req->source) || req->source[0] != '/')
                return set_error(ret_error, -EINVAL, "The source of a bind mount must be an absolute path");
        if (!path_is_normalized(req->source))
                return set_error(ret_error, -EINVAL,
                                 "The source %s must be a normalised path (no '.', '..' or '//')", req->source);
        if (!isempty(req->data))
                return set_error(ret_error, -EINVAL, "Bind mounts take no filesystem options (\"%s\")",
                                 req->data);

        /* polkit approved this exact path (the "source" detail): open exactly it. A symlink anywhere in it
         * could be swapped between the check and the open by whoever owns it, so none is followed. */
        _cleanup_close_ int src_fd = openat2_fd(AT_FDCWD, req->source, O_PATH, 0,
                                                RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
        if (src_fd == -ELOOP)
                return set_error(ret_error, -EINVAL,
                                 "The source %s contains a symbolic link; name the resolved path instead",
                                 req->source);
        if (src_fd < 0)
                return set_error(ret_error, src_fd, "Cannot open source %s: %s", req->source,
                                 strerror(-src_fd));
        fd = open_tree(src_fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH |
                                           (recursive ? AT_RECURSIVE : 0));
        if (fd < 0)
                return set_error(ret_error, -errno, "Cannot open source %s: %m", req->source);

        if (req->idmap) {
                ma.attr_set |= MOUNT_ATTR_IDMAP;
                ma.userns_fd = c->userns_fd;
        }
        /* All flags in one call, while the tree is still detached: the container never sees it writable. */
        if (mount_setattr(fd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &ma, sizeof ma) < 0)
                return set_error(ret_error, -errno, "Cannot set %s attributes on the mount of %s: %m",
                                 req->idmap ? "idmap and flag" : "flag", req->source);

        *ret_fd = TAKE_FD(fd);
        return 0;
}

int mount_inject(int init_pidfd, const MountInjectRequest *req, char **ret_error) {
        _cleanup_(container_done) Container c = {
                .proc_fd = -EBADF, .root_fd = -EBADF, .userns_fd = -EBADF,
        };
        _cleanup_close_ int tree_fd = -EBADF;
        uint64_t attr;
        bool bind;
        int r;

        if (!req || isempty(req->target))
                return set_error(ret_error, -EINVAL, "No mount target given");
        if (strlen(req->target) >= PATH_MAX)
                return set_error(ret_error, -ENAMETOOLONG, "Mount target too long");
        r = mount_flags_to_attr(req->flags, &attr);
        if (r < 0)
                return set_error(ret_error, r, "Unsupported mount flags 0x%lx for mount injection", req->flags);
        if (!mount_inject_supported())
                return set_error(ret_error, -EOPNOTSUPP,
                                 "The kernel lacks the new mount API (open_tree, move_mount, fsopen, mount_setattr)");

        bind = (req->flags & MS_BIND) || isempty(req->fstype) || streq(req->fstype, "none");
        if (req->idmap && !bind)
                return set_error(ret_error, -EINVAL, "idmap applies to bind mounts only");

        r = container_open(init_pidfd, &c, ret_error);
        if (r < 0)
                return r;
        if (req->idmap && !c.own_userns)
                return set_error(ret_error, -EINVAL, "idmap needs a container with its own user namespace");

        if (bind) {
                struct stat st;

                r = make_bind(req, attr, &c, &tree_fd, ret_error);
                if (r < 0)
                        return r;
                if (fstat(tree_fd, &st) < 0)
                        return set_error(ret_error, -errno, "Cannot stat the new mount: %m");
                InjectArgs args = { .req = req, .attr = attr, .tree_fd = tree_fd, .source_is_dir = S_ISDIR(st.st_mode) };
                r = run_helper(&c, inject_bind_helper, &args, ret_error);
        } else {
                InjectArgs args = { .req = req, .attr = attr, .tree_fd = -EBADF, .source_is_dir = true };
                r = run_helper(&c, inject_fs_helper, &args, ret_error);
        }
        if (r < 0)
                return r;
        log_debug("Mounted %s (%s) at %s in the container of pid %d.", strempty(req->source),
                  bind ? "bind" : req->fstype, req->target, (int) c.pid);
        return 0;
}

typedef struct RemoveArgs {
        const char *target;
        unsigned long flags;
} RemoveArgs;

static int remove_in_container(const Container *c, void *userdata, HelperReport *rep) {
        const RemoveArgs *a = userdata;
        _cleanup_close_ int parent_fd = -EBADF, fd = -EBADF;
        char cur[PATH_MAX], parent[PATH_MAX], name[NAME_MAX + 1];
        struct statx sx;
        int r;

        r = enter_container(c, rep);
        if (r < 0)
                return r;

        /* umount2() takes only a path, and an fd on the mount would itself keep it busy. So resolve the
         * parent directory in the container's root (openat2), chdir there, and hand umount2() just the
         * last name with UMOUNT_NOFOLLOW: the kernel then walks no path the container could redirect.
         * A symlink as last component is followed by hand, again inside the container's root. */
        snprintf(cur, sizeof cur, "%s", a->target);
        for (unsigned hops = 0;; hops++) {
                char link[PATH_MAX];
                ssize_t n;

                if (split_path(cur, parent, sizeof parent, name, sizeof name) < 0)
                        return report(rep, ENAMETOOLONG, "Target path too long:", a->target);
                if (name[0] == 0)
                        return report(rep, EBUSY, "Refusing to unmount the container's root:", a->target);
                if (streq(name, ".") || streq(name, ".."))
                        return report(rep, EINVAL, "The target must end in a name:", a->target);

                safe_close(parent_fd);
                parent_fd = open_in_root(c->root_fd, parent, O_PATH | O_DIRECTORY, 0);
                if (parent_fd < 0)
                        return report(rep, -parent_fd, "Cannot resolve target", a->target);
                safe_close(fd);
                fd = openat(parent_fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0)
                        return report(rep, errno, "Cannot resolve target", a->target);
                if (statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_TYPE | STATX_INO | STATX_MNT_ID, &sx) < 0)
                        return report(rep, errno, "Cannot stat target", a->target);
                if (!S_ISLNK(sx.stx_mode) || (a->flags & UMOUNT_NOFOLLOW))
                        break;
                if (hops >= 40)
                        return report(rep, ELOOP, "Too many symlinks in target", a->target);
                n = readlinkat(fd, "", link, sizeof link - 1);
                if (n < 0)
                        return report(rep, errno, "Cannot read symlink", a->target);
                link[n] = 0;
                if (link[0] == '/')
                        snprintf(cur, sizeof cur, "%s", link);
                else if (snprintf(cur, sizeof cur, "%s/%s", parent, link) >= (int) sizeof cur)
                        return report(rep, ENAMETOOLONG, "Target path too long:", a->target);
        }

        if (!(sx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT))
                return report(rep, EOPNOTSUPP, "The kernel cannot tell whether this is a mount point:",
                              a->target);
        if (!(sx.stx_attributes & STATX_ATTR_MOUNT_ROOT)) {
                rep->error = EINVAL;
                if (snprintf(rep->message, sizeof rep->message, "%s is not a mount point", a->target) < 0)
                        rep->message[0] = 0;
                return -EINVAL;
        }
        if (same_inode(fd, c->root_fd))
                return report(rep, EBUSY, "Refusing to unmount the container's root:", a->target);
        fd = safe_close(fd);

        if (fchdir(parent_fd) < 0)
                return report(rep, errno, "Cannot change into the parent of", a->target);
        if (umount2(name, (int) (a->flags | UMOUNT_NOFOLLOW)) < 0)
                return report(rep, errno, "Cannot unmount", a->target);
        return 0;
}

int mount_remove(int init_pidfd, const char *target, unsigned long umount_flags, char **ret_error) {
        _cleanup_(container_done) Container c = {
                .proc_fd = -EBADF, .root_fd = -EBADF, .userns_fd = -EBADF,
        };
        int r;

        if (isempty(target))
                return set_error(ret_error, -EINVAL, "No mount target given");
        if (strlen(target) >= PATH_MAX)
                return set_error(ret_error, -ENAMETOOLONG, "Mount target too long");
        if (umount_flags & ~(unsigned long) (MNT_FORCE | MNT_DETACH | MNT_EXPIRE | UMOUNT_NOFOLLOW))
                return set_error(ret_error, -EINVAL, "Unsupported umount flags 0x%lx", umount_flags);
        if (!mount_inject_supported())
                return set_error(ret_error, -EOPNOTSUPP, "The kernel lacks openat2 or pidfd setns");

        r = container_open(init_pidfd, &c, ret_error);
        if (r < 0)
                return r;

        RemoveArgs args = { .target = target, .flags = umount_flags };
        r = run_helper(&c, remove_in_container, &args, ret_error);
        if (r < 0)
                return r;
        log_debug("Unmounted %s in the container of pid %d.", target, (int) c.pid);
        return 0;
}
