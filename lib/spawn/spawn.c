/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* clone3 the container's init into new namespaces, set up its rootfs (spawn-mount.c), pivot_root, exec.
 *
 * Failure reporting: a CLOEXEC pipe. The child writes "<errno> <message>" and _exit(1)s on any failure;
 * a successful execve() closes the pipe with nothing written, so EOF on an empty pipe means init runs. */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/sched.h> /* struct clone_args, CLONE_INTO_CGROUP: after <sched.h> */

#include "log/log.h"
#include "spawn/spawn-internal.h"
#include "spawn/spawn.h"
#include "util/fd-util.h"
#include "util/macro.h"
#include "util/strv.h"

#define INIT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static bool config_wants_netns(const BerthConfig *c) {
        /* Only an explicit lxc.net.N.type = none shares the host's network namespace. Without any lxc.net
         * berth gives the container its own namespace with just lo: sharing the host network is a host
         * exposure that needs org.berth1.configure-host, and a config that merely omits lxc.net must not
         * get it silently. */
        for (size_t i = 0; i < c->n_netdevs; i++)
                if (c->netdevs[i].type == BERTH_NET_NONE)
                        return false;
        return true;
}

static int child_mounts(SpawnChild *s) {
        const SpawnParams *p = s->p;
        int r;

        /* Nothing we do below may propagate back to the host. */
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                return spawn_child_error(s, -errno, "make / private");
        /* pivot_root needs the new root to be a mount point. */
        if (mount(p->rootfs, p->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
                return spawn_child_error(s, -errno, "bind %s", p->rootfs);
        s->root_fd = open(p->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (s->root_fd < 0)
                return spawn_child_error(s, -errno, "open %s", p->rootfs);

        /* In a user namespace, only now become its root: until here we were still the host's uid 0, for
         * which the path to the rootfs (the container directory is 0700 root) is traversable. Everything
         * below creates files inside the rootfs and must do so as the container's root. */
        if (s->userns) {
                r = spawn_child_become_userns_root(s);
                if (r < 0)
                        return r;
        }

        r = spawn_setup_mount_auto(s);
        if (r < 0)
                return r;
        r = spawn_setup_dev(s);
        if (r < 0)
                return r;
        return spawn_setup_mount_entries(s);
}

static int child_pivot(SpawnChild *s) {
        if (fchdir(s->root_fd) < 0)
                return spawn_child_error(s, -errno, "chdir %s", s->p->rootfs);
        /* Stack the old root under the new one and detach it: no put_old directory needed. */
        if (syscall(SYS_pivot_root, ".", ".") < 0)
                return spawn_child_error(s, -errno, "pivot_root %s", s->p->rootfs);
        if (umount2(".", MNT_DETACH) < 0)
                return spawn_child_error(s, -errno, "detach the old root");
        if (chdir("/") < 0)
                return spawn_child_error(s, -errno, "chdir /");
        s->root_fd = safe_close(s->root_fd);
        return 0;
}

static int child_stdio(SpawnChild *s, int error_fd) {
        int fd = s->p->console_slave_fd;

        if (fd < 0) {
                fd = open("/dev/null", O_RDWR | O_CLOEXEC | O_NOCTTY);
                if (fd < 0)
                        return spawn_child_error(s, -errno, "open /dev/null");
        }
        for (int i = 0; i < 3; i++)
                if (fd != i && dup2(fd, i) < 0)
                        return spawn_child_error(s, -errno, "dup2 console");
        if (s->p->console_slave_fd >= 0 && ioctl(0, TIOCSCTTY, 0) < 0) {
                /* The pty is still the controlling tty of the monitor's session: steal it (root). */
                if (ioctl(0, TIOCSCTTY, 1) < 0)
                        return spawn_child_error(s, -errno, "make the console the controlling tty");
        }
        /* Keep the log fd (O_CLOEXEC, gone at exec): closing it would let a later open() reuse its number
         * and receive log lines. */
        int keep[3] = { error_fd, log_get_file_fd(), s->seccomp_sock }; /* negative ones are ignored */
        int r = close_all_fds(keep, ELEMENTSOF(keep));
        if (r < 0)
                return spawn_child_error(s, r, "close fds");
        return 0;
}

static int child_env(SpawnChild *s) {
        if (clearenv() != 0)
                return spawn_child_error(s, -ENOMEM, "clear the environment");
        if (setenv("container", "lxc", 1) < 0 || setenv("PATH", INIT_PATH, 1) < 0 ||
            setenv("TERM", "linux", 1) < 0 || setenv("HOME", "/", 1) < 0)
                return spawn_child_error(s, -errno, "set the environment");
        STRV_FOREACH(e, s->c->environment) {
                const char *eq = strchr(*e, '=');
                if (!eq || eq == *e) {
                        log_debug("spawn: environment entry without a value ignored: %s", *e);
                        continue;
                }
                char *name = strndupa(*e, (size_t) (eq - *e));
                if (setenv(name, eq + 1, 1) < 0)
                        return spawn_child_error(s, -errno, "set %s", name);
        }
        return 0;
}

static void child_reset_signals(void) {
        sigset_t ss;
        struct sigaction sa = { .sa_handler = SIG_DFL };

        for (int sig = 1; sig < _NSIG; sig++)
                (void) sigaction(sig, &sa, NULL); /* fails harmlessly for SIGKILL, SIGSTOP, glibc's own */
        sigemptyset(&ss);
        (void) sigprocmask(SIG_SETMASK, &ss, NULL);
}

static int child_start_hook(SpawnChild *s) {
        _cleanup_free_ char *error = NULL;
        const HookEnv env = {
                .config_file = s->p->config_file,
                .rootfs_path = s->p->rootfs,
                .console_path = s->p->console_slave_path,
        };

        if (strv_length(s->c->hooks[BERTH_HOOK_START]) == 0)
                return 0;
        /* The command runs with the container's /bin/sh: it must exist inside the rootfs. */
        int r = hook_run(s->c, s->p->name ?: "", "start", &env, NULL, &error);
        if (r < 0) {
                if (error)
                        snprintf(s->error, sizeof s->error, "%s", error);
                else
                        spawn_child_error(s, r, "lxc.hook.start");
        }
        return r;
}

/* Block until the parent has written our uid_map/gid_map (one byte), or gave up (EOF). */
static int child_wait_for_maps(SpawnChild *s, int sync_fd) {
        char x;
        ssize_t n;
        do
                n = read(sync_fd, &x, 1);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return spawn_child_error(s, -errno, "wait for the id maps");
        if (n == 0)
                return spawn_child_error(s, -EPIPE, "the id maps were not written");
        safe_close(sync_fd);
        return 0;
}

static int child_run(SpawnChild *s, int error_fd, int sync_fd) {
        const SpawnParams *p = s->p;
        const BerthConfig *c = s->c;
        _cleanup_strv_free_ char **argv = NULL;
        int r;

        if (s->userns) {
                r = child_wait_for_maps(s, sync_fd);
                if (r < 0)
                        return r;
        }

        if (setsid() < 0)
                return spawn_child_error(s, -errno, "setsid");

        r = child_mounts(s);
        if (r < 0)
                return r;

        const char *hostname = c->uts_name ?: p->name;
        if (hostname && sethostname(hostname, strlen(hostname)) < 0)
                return spawn_child_error(s, -errno, "sethostname %s", hostname);

        r = child_pivot(s);
        if (r < 0)
                return r;

        r = child_stdio(s, error_fd);
        if (r < 0)
                return r;
        r = child_env(s);
        if (r < 0)
                return r;
        if (c->init_cwd && chdir(c->init_cwd) < 0)
                return spawn_child_error(s, -errno, "chdir %s", c->init_cwd);
        if (c->arch && c->personality != 0xffffffffUL && personality(c->personality) < 0)
                return spawn_child_error(s, -errno, "personality %s", c->arch);

        r = berth_config_init_argv(c, &argv);
        if (r < 0)
                return spawn_child_error(s, r, "parse lxc.init.cmd");

        /* lxc.hook.start: inside, with the container's root and environment, still with all privileges
         * (LXC runs it at the same point). */
        r = child_start_hook(s);
        if (r < 0)
                return r;

        /* Capabilities, lxc.init.uid/gid/groups, no_new_privs: last, nothing privileged follows. */
        r = spawn_child_setup_identity(s);
        if (r < 0)
                return r;

        child_reset_signals();
        /* If the monitor dies (even by SIGKILL), the kernel kills init and with it the whole pid namespace,
         * so no container is ever left running without its monitor (LXC's lxc.monitor.signal.pdeath). Set
         * last: the kernel clears it on any uid/gid change. */
        if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
                return spawn_child_error(s, -errno, "set the parent-death signal");
        if (strchr(argv[0], '/'))
                execve(argv[0], argv, environ);
        else
                execvp(argv[0], argv);
        return spawn_child_error(s, -errno, "exec %s", argv[0]);
}

_noreturn_ static void child_main(const SpawnParams *p, const SeccompProfile *seccomp, int seccomp_sock,
                                  int error_fd, int sync_fd) {
        SpawnChild s = {
                .p = p,
                .c = p->config,
                .root_fd = -EBADF,
                .new_netns = config_wants_netns(p->config),
                .userns = p->config->n_idmaps > 0,
                .seccomp = seccomp,
        };
        char msg[sizeof s.error + 32];

        /* dup2() onto 0..2 below must not clobber the error pipe (nor the seccomp socket). */
        error_fd = fd_move_above_stdio(error_fd);
        s.seccomp_sock = fd_move_above_stdio(seccomp_sock);
        int r = child_run(&s, error_fd, sync_fd);
        if (error_fd >= 0) {
                int n = snprintf(msg, sizeof msg, "%d %s", -r, s.error[0] ? s.error : "spawn failed");
                (void) loop_write(error_fd, msg, (size_t) MIN(n, (int) sizeof msg - 1));
        }
        _exit(1);
}

/* Parse "<errno> <message>" from the child. */
static int parse_child_error(const char *buf, char **ret_error) {
        char *end;
        errno = 0;
        long e = strtol(buf, &end, 10);
        if (errno != 0 || end == buf || e <= 0 || e > 4095)
                e = EIO;
        if (*end == ' ')
                end++;
        if (ret_error)
                *ret_error = strdup(*end ? end : "container init failed");
        return -(int) e;
}

static int spawn_error(int r, const char *what, char **ret_error) {
        log_debug_errno(r, "spawn: %s: %m", what);
        if (ret_error && asprintf(ret_error, "%s: %s", what, strerror(-r)) < 0)
                *ret_error = NULL;
        return r;
}

/* A failed start: kill init if it may still run (kill_init), reap it so nothing is left behind, return r. */
static int spawn_fail(const SpawnParams *p, int pidfd, bool kill_init, int r, char **ret_error) {
        siginfo_t si;

        if (kill_init)
                (void) syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
        while (waitid((idtype_t) P_PIDFD, (id_t) pidfd, &si, WEXITED) < 0 && errno == EINTR)
                ;
        log_debug("spawn: init of %s failed: %s", strna(p->name), ret_error && *ret_error ? *ret_error : "");
        return r;
}

int spawn_container(const SpawnParams *p, SpawnResult *ret, char **ret_error) {
        _cleanup_close_pair_ int pipefd[2] = { -EBADF, -EBADF }, syncfd[2] = { -EBADF, -EBADF };
        _cleanup_close_pair_ int seccompfd[2] = { -EBADF, -EBADF };
        _cleanup_seccomp_profile_free_ SeccompProfile *seccomp = NULL;
        _cleanup_close_ int pidfd = -EBADF;
        char buf[sizeof ((SpawnChild *) NULL)->error + 64];
        int r;

        if (!p || !p->config || !p->rootfs || p->rootfs[0] != '/' || !ret)
                return -EINVAL;
        if (p->n_ttys > 0 && !p->tty_slave_fds)
                return -EINVAL;

        r = spawn_seccomp_prepare(p->config, &seccomp, seccompfd, ret_error);
        if (r < 0)
                return r;

        if (pipe2(pipefd, O_CLOEXEC) < 0)
                return spawn_error(-errno, "pipe", ret_error);

        bool userns = p->config->n_idmaps > 0;
        if (userns) {
                uid_t root_uid;
                gid_t root_gid;
                r = spawn_userns_root(p->config, &root_uid, &root_gid, ret_error);
                if (r < 0)
                        return r;
                r = spawn_userns_chown(p, root_uid, root_gid, ret_error);
                if (r < 0)
                        return r;
                /* The child waits on this until the parent has written its id maps. */
                if (pipe2(syncfd, O_CLOEXEC) < 0)
                        return spawn_error(-errno, "pipe", ret_error);
        }

        /* With CLONE_INTO_CGROUP the kernel roots the new cgroup namespace at the target cgroup
         * (cgroup_post_fork), so init sees its payload cgroup as "/". */
        uint64_t flags = CLONE_PIDFD | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC |
                         CLONE_NEWCGROUP;
        if (config_wants_netns(p->config))
                flags |= CLONE_NEWNET;
        if (p->cgroup_fd >= 0)
                flags |= CLONE_INTO_CGROUP;
        /* Together with the other CLONE_NEW* flags the new user namespace owns them all: root inside
         * may then mount proc, sysfs (with its own netns), cgroup2, tmpfs and devpts there. */
        if (userns)
                flags |= CLONE_NEWUSER;

        struct clone_args args = {
                .flags = flags,
                .pidfd = (uint64_t) (uintptr_t) &pidfd,
                .exit_signal = SIGCHLD,
                .cgroup = p->cgroup_fd >= 0 ? (uint64_t) p->cgroup_fd : 0,
        };

        /* No CLONE_VM: the child has its own copy of the address space, like after fork(). We are
         * single-threaded, so malloc in the child is safe in practice. */
        pid_t pid = (pid_t) syscall(SYS_clone3, &args, sizeof args);
        if (pid < 0)
                return spawn_error(-errno, "clone3", ret_error);
        if (pid == 0) {
                pipefd[0] = safe_close(pipefd[0]);
                syncfd[1] = safe_close(syncfd[1]);
                seccompfd[0] = safe_close(seccompfd[0]);
                child_main(p, seccomp, seccompfd[1], pipefd[1], syncfd[0]);
        }

        pipefd[1] = safe_close(pipefd[1]);
        syncfd[0] = safe_close(syncfd[0]);
        seccompfd[1] = safe_close(seccompfd[1]); /* else the listener receive below could not see EOF */
        if (userns) {
                r = spawn_write_idmaps(pid, p->config, ret_error);
                if (r >= 0) {
                        r = loop_write(syncfd[1], "1", 1);
                        if (r < 0)
                                r = spawn_error(r, "signal the init", ret_error);
                }
                if (r < 0)
                        return spawn_fail(p, pidfd, true, r, ret_error);
                syncfd[1] = safe_close(syncfd[1]);
        }

        ssize_t n = loop_read(pipefd[0], buf, sizeof buf - 1);
        int notify_fd = -EBADF;
        if (n == 0)
                r = spawn_seccomp_receive(seccompfd[0], &notify_fd, ret_error);
        if (n == 0 && r >= 0) {
                log_debug("spawn: init of %s running as pid %d", strna(p->name), (int) pid);
                *ret = (SpawnResult) { .pid = pid, .pidfd = TAKE_FD(pidfd), .seccomp_notify_fd = notify_fd };
                return 0;
        }

        if (n == 0)
                /* init runs, but its notify rules would have nobody to answer them. */
                return spawn_fail(p, pidfd, true, r, ret_error);
        if (n < 0)
                return spawn_fail(p, pidfd, true, spawn_error((int) n, "read the init's status", ret_error),
                                  ret_error);
        /* The child _exit()s right after writing: just reap it. */
        buf[n] = 0;
        return spawn_fail(p, pidfd, false, parse_child_error(buf, ret_error), ret_error);
}
