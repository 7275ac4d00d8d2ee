/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lxc.hook.* commands: fork, /bin/sh -c "exec <command> ...", LXC_* environment, output captured through
 * one pipe, a timeout enforced with a pidfd and poll() (no SIGCHLD handling: the monitor's event loop
 * may own SIGCHLD; we wait for our own child only, by pid). */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log/log.h"
#include "spawn/hooks.h"
#include "util/fd-util.h"
#include "util/macro.h"
#include "util/strv.h"

#define HOOK_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* Names in /proc/PID/ns and LXC's environment variable names, in HookNamespace order. */
static const struct {
        const char *proc_name;
        const char *env_name;
} ns_info[_HOOK_NS_MAX] = {
        [HOOK_NS_MNT] = { "mnt", "LXC_MNT_NS" },
        [HOOK_NS_USER] = { "user", "LXC_USER_NS" },
        [HOOK_NS_NET] = { "net", "LXC_NET_NS" },
        [HOOK_NS_IPC] = { "ipc", "LXC_IPC_NS" },
        [HOOK_NS_UTS] = { "uts", "LXC_UTS_NS" },
        [HOOK_NS_PID] = { "pid", "LXC_PID_NS" },
        [HOOK_NS_CGROUP] = { "cgroup", "LXC_CGROUP_NS" },
        [HOOK_NS_TIME] = { "time", "LXC_TIME_NS" },
};

void hook_namespaces_close(HookNamespaces *ns) {
        if (!ns)
                return;
        for (size_t i = 0; i < _HOOK_NS_MAX; i++)
                ns->fd[i] = safe_close(ns->fd[i]);
}

int hook_namespaces_open(pid_t pid, HookNamespaces *ret) {
        HookNamespaces ns;
        char path[64];

        if (pid <= 0 || !ret)
                return -EINVAL;
        for (size_t i = 0; i < _HOOK_NS_MAX; i++)
                ns.fd[i] = -EBADF;

        for (size_t i = 0; i < _HOOK_NS_MAX; i++) {
                struct stat theirs, ours;
                snprintf(path, sizeof path, "/proc/%d/ns/%s", (int) pid, ns_info[i].proc_name);
                int fd = open(path, O_RDONLY | O_CLOEXEC);
                if (fd < 0) {
                        if (errno == ENOENT) /* a kernel without this namespace type (time < 5.6) */
                                continue;
                        int r = -errno;
                        hook_namespaces_close(&ns);
                        return r;
                }
                snprintf(path, sizeof path, "/proc/self/ns/%s", ns_info[i].proc_name);
                /* As LXC: only the namespaces init does not share with us (the ones made for it). */
                if (fstat(fd, &theirs) >= 0 && stat(path, &ours) >= 0 && theirs.st_dev == ours.st_dev &&
                    theirs.st_ino == ours.st_ino) {
                        safe_close(fd);
                        continue;
                }
                ns.fd[i] = fd;
        }
        *ret = ns;
        return 0;
}

/* NAME=value into env, replacing an earlier NAME. */
static int env_put(char ***env, const char *name, const char *value) {
        size_t l = strlen(name);
        char *e;

        if (asprintf(&e, "%s=%s", name, value) < 0)
                return -ENOMEM;
        STRV_FOREACH(i, *env)
                if (strncmp(*i, name, l) == 0 && (*i)[l] == '=') {
                        free(*i);
                        *i = e;
                        return 0;
                }
        return strv_consume(env, e);
}

static const char *log_level_name(int level) {
        static const char *const names[] = {
                [LOG_EMERG] = "FATAL", [LOG_ALERT] = "ALERT",   [LOG_CRIT] = "CRIT", [LOG_ERR] = "ERROR",
                [LOG_WARNING] = "WARN", [LOG_NOTICE] = "NOTICE", [LOG_INFO] = "INFO", [LOG_DEBUG] = "DEBUG",
        };
        /* LXC's default level is ERROR. */
        if (level < 0 || level >= (int) ELEMENTSOF(names))
                return "ERROR";
        return names[level];
}

static int build_env(const BerthConfig *c, const char *name, const char *type, const HookEnv *e, char ***ret) {
        _cleanup_strv_free_ char **env = calloc(1, sizeof(char *));
        char buf[64];
        int r;

        if (!env)
                return -ENOMEM;
        r = env_put(&env, "PATH", HOOK_PATH);
        if (r < 0)
                return r;
        /* lxc.environment first, so that it can never shadow the LXC_* variables below. */
        STRV_FOREACH(i, c->environment) {
                const char *eq = strchr(*i, '=');
                if (!eq || eq == *i)
                        continue;
                r = env_put(&env, strndupa(*i, (size_t) (eq - *i)), eq + 1);
                if (r < 0)
                        return r;
        }

        const char *rootfs_mount = e->rootfs_mount ?: e->rootfs_path;
        const struct {
                const char *name, *value;
        } vars[] = {
                { "LXC_NAME", name },
                { "LXC_CONFIG_FILE", e->config_file },
                { "LXC_ROOTFS_PATH", e->rootfs_path },
                { "LXC_ROOTFS_MOUNT", rootfs_mount },
                { "LXC_CONSOLE", e->console_path },
                { "LXC_CONSOLE_LOGPATH", c->console_logfile },
                { "LXC_LOG_LEVEL", log_level_name(c->log_level) },
                { "LXC_CGNS_AWARE", "1" },
                { "LXC_HOOK_VERSION", c->hook_version > 0 ? "1" : "0" },
                { "LXC_HOOK_TYPE", type },
                { "LXC_HOOK_SECTION", "lxc" },
                { "LXC_TARGET", e->target },
        };
        for (size_t i = 0; i < ELEMENTSOF(vars); i++)
                if (vars[i].value && (r = env_put(&env, vars[i].name, vars[i].value)) < 0)
                        return r;
        if (e->pid > 0) {
                snprintf(buf, sizeof buf, "%d", (int) e->pid);
                if ((r = env_put(&env, "LXC_PID", buf)) < 0)
                        return r;
        }
        if (e->namespaces)
                for (size_t i = 0; i < _HOOK_NS_MAX; i++) {
                        if (e->namespaces->fd[i] < 0)
                                continue;
                        snprintf(buf, sizeof buf, "/proc/%d/fd/%d", (int) getpid(), e->namespaces->fd[i]);
                        if ((r = env_put(&env, ns_info[i].env_name, buf)) < 0)
                                return r;
                }
        *ret = TAKE_PTR(env);
        return 0;
}

/* Append " word" to *s, single-quoted unless it is plainly safe for the shell. */
static int append_word(char **s, const char *word) {
        bool plain = *word != 0;
        for (const char *p = word; *p; p++)
                if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-+:/@%=,", *p))
                        plain = false;

        size_t l = strlen(*s), n = strlen(word);
        char *t = realloc(*s, l + 4 * n + 4);
        if (!t)
                return -ENOMEM;
        *s = t;
        t += l;
        *t++ = ' ';
        if (plain)
                t = stpcpy(t, word);
        else {
                *t++ = '\'';
                for (const char *p = word; *p; p++)
                        if (*p == '\'')
                                t = stpcpy(t, "'\\''");
                        else
                                *t++ = *p;
                *t++ = '\'';
        }
        *t = 0;
        return 0;
}

/* LXC's run_script_argv(): "exec <command>", plus "<name> lxc <type> [<ns>:<path>...]" for version 0. */
static int build_script(const BerthConfig *c, const char *command, const char *name, const char *type,
                        const HookEnv *e, char **ret) {
        _cleanup_free_ char *s = NULL;
        char buf[64];
        int r;

        if (asprintf(&s, "exec %s", command) < 0)
                return -ENOMEM;
        if (c->hook_version == 0) {
                if ((r = append_word(&s, name)) < 0 || (r = append_word(&s, "lxc")) < 0 ||
                    (r = append_word(&s, type)) < 0)
                        return r;
                if (e->namespaces)
                        for (size_t i = 0; i < _HOOK_NS_MAX; i++) {
                                if (e->namespaces->fd[i] < 0)
                                        continue;
                                snprintf(buf, sizeof buf, "%s:/proc/%d/fd/%d", ns_info[i].proc_name,
                                         (int) getpid(), e->namespaces->fd[i]);
                                if ((r = append_word(&s, buf)) < 0)
                                        return r;
                        }
        }
        *ret = TAKE_PTR(s);
        return 0;
}

/* The last HOOK_OUTPUT_MAX bytes of what was appended. */
typedef struct OutputTail {
        char data[HOOK_OUTPUT_MAX];
        size_t size;
        bool truncated;
} OutputTail;

static void tail_append(OutputTail *t, const char *p, size_t n) {
        if (n >= sizeof t->data) {
                t->truncated = t->truncated || t->size > 0 || n > sizeof t->data;
                memcpy(t->data, p + n - sizeof t->data, sizeof t->data);
                t->size = sizeof t->data;
                return;
        }
        if (t->size + n > sizeof t->data) {
                size_t drop = t->size + n - sizeof t->data;
                memmove(t->data, t->data + drop, t->size - drop);
                t->size -= drop;
                t->truncated = true;
        }
        memcpy(t->data + t->size, p, n);
        t->size += n;
}

/* The tail as a string without the trailing newlines, prefixed by "..." when cut. */
static char *tail_string(const OutputTail *t) {
        size_t n = t->size;
        while (n > 0 && (t->data[n - 1] == '\n' || t->data[n - 1] == '\r'))
                n--;
        char *s = malloc(n + 4);
        if (!s)
                return NULL;
        char *p = t->truncated ? stpcpy(s, "...") : s;
        memcpy(p, t->data, n);
        p[n] = 0;
        return s;
}

static uint64_t now_usec(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000ULL;
}

_noreturn_ static void hook_child(const char *script, char **env, int null_fd, int out_fd) {
        struct sigaction sa = { .sa_handler = SIG_DFL };
        sigset_t ss;

        /* Its own process group, so that a timeout kills whatever the hook started too. */
        (void) setpgid(0, 0);
        /* The monitor blocks signals for its event loop; a hook must start with a clean slate. */
        for (int sig = 1; sig < _NSIG; sig++)
                (void) sigaction(sig, &sa, NULL);
        sigemptyset(&ss);
        (void) sigprocmask(SIG_SETMASK, &ss, NULL);

        if (dup2(null_fd, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(out_fd, 2) < 0)
                _exit(127);
        /* Nothing of the caller's but stdio: the hook runs as root, possibly in the host. */
        if (close_all_fds(NULL, 0) < 0)
                _exit(127);
        char *argv[] = { (char *) "sh", (char *) "-c", (char *) script, NULL };
        execve("/bin/sh", argv, env);
        _exit(127);
}

/* stdin for the hook: /dev/null, or (no /dev/null inside a container without autodev) an empty pipe. */
static int open_stdin(void) {
        int fd = open("/dev/null", O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd >= 0)
                return fd;
        int p[2];
        if (pipe2(p, O_CLOEXEC) < 0)
                return -errno;
        safe_close(p[1]);
        return p[0];
}

/* Kill the hook's process group (and the hook, should it have left the group) and reap it. */
static void kill_and_reap(pid_t pid) {
        (void) kill(-pid, SIGKILL);
        (void) kill(pid, SIGKILL);
        while (waitid(P_PID, (id_t) pid, &(siginfo_t) {}, WEXITED) < 0 && errno == EINTR)
                ;
}

/* Has our child pid exited (left unreaped)? For when there is no pidfd to poll (valgrind lacks
 * pidfd_open). */
static bool exited_nowait(pid_t pid) {
        siginfo_t si = {};
        return waitid(P_PID, (id_t) pid, &si, WEXITED | WNOHANG | WNOWAIT) >= 0 && si.si_pid == pid;
}

/* Run one script. Returns the wait status in *ret_status, or -ETIMEDOUT (the group was killed). The pid
 * is ours and unreaped until the final waitid(), so neither kill() nor waitid() can hit another process. */
static int run_one(const char *script, char **env, uint64_t timeout_usec, OutputTail *out, int *ret_status) {
        _cleanup_close_pair_ int pipefd[2] = { -EBADF, -EBADF };
        _cleanup_close_ int null_fd = -EBADF, pidfd = -EBADF;
        bool timed_out = false, eof = false;
        char buf[4096];
        int r;

        if (pipe2(pipefd, O_CLOEXEC) < 0)
                return -errno;
        null_fd = open_stdin();
        if (null_fd < 0)
                return null_fd;

        pid_t pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0)
                hook_child(script, env, null_fd, pipefd[1]);

        /* Also here: the timeout's kill(-pid) must find the group even if the child was not scheduled yet. */
        (void) setpgid(pid, pid);
        pipefd[1] = safe_close(pipefd[1]);
        null_fd = safe_close(null_fd);

        pidfd = (int) syscall(SYS_pidfd_open, pid, 0);
        if (pidfd < 0 && errno != ENOSYS) {
                r = -errno;
                kill_and_reap(pid);
                return r;
        }
        (void) fd_nonblock(pipefd[0], true);

        uint64_t deadline = now_usec() + timeout_usec;
        for (;;) {
                struct pollfd pfd[2] = {
                        { .fd = pidfd, .events = POLLIN },
                        { .fd = eof ? -1 : pipefd[0], .events = POLLIN },
                };
                uint64_t now = now_usec();
                if (now >= deadline) {
                        timed_out = true;
                        (void) kill(-pid, SIGKILL);
                        (void) kill(pid, SIGKILL);
                        break;
                }
                uint64_t left_ms = (deadline - now + 999) / 1000;
                if (pidfd < 0)
                        left_ms = MIN(left_ms, 20U); /* no pidfd: look at the child now and then */
                int k = poll(pfd, 2, left_ms > INT32_MAX ? INT32_MAX : (int) left_ms);
                if (k < 0 && errno != EINTR) {
                        r = -errno;
                        kill_and_reap(pid);
                        return r;
                }
                if (k > 0 && pfd[1].revents) {
                        ssize_t n = read(pipefd[0], buf, sizeof buf);
                        if (n > 0)
                                tail_append(out, buf, (size_t) n);
                        else if (n == 0 || (errno != EAGAIN && errno != EINTR))
                                eof = true;
                }
                if (pidfd >= 0 ? k > 0 && (pfd[0].revents & POLLIN) : exited_nowait(pid))
                        break;
        }

        /* Whatever the hook wrote before it exited is in the pipe; do not wait for EOF, which a daemon it
         * left behind (keeping the pipe open) would postpone forever. */
        for (;;) {
                ssize_t n = read(pipefd[0], buf, sizeof buf);
                if (n <= 0)
                        break;
                tail_append(out, buf, (size_t) n);
        }

        siginfo_t si = {};
        while (waitid(P_PID, (id_t) pid, &si, WEXITED) < 0)
                if (errno != EINTR)
                        return -errno;
        if (timed_out)
                return -ETIMEDOUT;
        /* Back to a wait status, for WIFEXITED() and friends. */
        *ret_status = si.si_code == CLD_EXITED ? W_EXITCODE(si.si_status, 0) : si.si_status & 0x7f;
        return 0;
}

/* The message for a command that did not exit 0 (r: run_one()'s result, status its wait status) and the
 * error to return. */
static int hook_failure(const char *type, const char *cmd, int r, int status, unsigned long long timeout,
                        const char *output, char **ret_error) {
        const char *sep = *output ? ": " : "";
        char what[64];
        int e;

        if (r == -ETIMEDOUT) {
                if (timeout % 1000000ULL == 0)
                        snprintf(what, sizeof what, "timed out after %llu s (killed)", timeout / 1000000ULL);
                else
                        snprintf(what, sizeof what, "timed out after %llu ms (killed)", timeout / 1000ULL);
                e = r;
        } else if (r < 0) {
                snprintf(what, sizeof what, "could not be run (%s)", strerror(-r));
                e = r;
        } else if (WIFEXITED(status)) {
                snprintf(what, sizeof what, "failed with exit status %d", WEXITSTATUS(status));
                e = -ECANCELED;
        } else {
                snprintf(what, sizeof what, "was killed by signal %s", sigabbrev_np(WTERMSIG(status)) ?: "?");
                e = -ECANCELED;
        }
        if (ret_error && asprintf(ret_error, "lxc.hook.%s '%s' %s%s%s", type, cmd, what, sep, output) < 0)
                *ret_error = NULL;
        return e;
}

int hook_run(
                const BerthConfig *c,
                const char *name,
                const char *type,
                const HookEnv *env,
                char **ret_output,
                char **ret_error) {

        _cleanup_strv_free_ char **envp = NULL;
        _cleanup_free_ OutputTail *all = NULL;
        const HookEnv empty = {};
        int r;

        if (!c || !name || !type)
                return -EINVAL;
        r = berth_hook_type_from_string(type);
        if (r == -EOPNOTSUPP)
                return r;
        if (r < 0)
                return -EINVAL;
        char **commands = c->hooks[r];
        if (!env)
                env = &empty;
        uint64_t timeout = env->timeout_usec > 0 ? env->timeout_usec : HOOK_TIMEOUT_DEFAULT_USEC;

        all = calloc(1, sizeof(OutputTail));
        if (!all)
                return -ENOMEM;
        r = build_env(c, name, type, env, &envp);
        if (r < 0)
                return r;

        STRV_FOREACH(cmd, commands) {
                _cleanup_free_ char *script = NULL, *text = NULL;
                _cleanup_free_ OutputTail *out = calloc(1, sizeof(OutputTail));
                int status = 0;

                if (!out)
                        return -ENOMEM;
                r = build_script(c, *cmd, name, type, env, &script);
                if (r < 0)
                        return r;
                log_debug("hook: lxc.hook.%s for %s: running %s", type, name, script);
                r = run_one(script, envp, timeout, out, &status);
                text = tail_string(out);
                if (!text)
                        return -ENOMEM;
                if (out->size > 0)
                        log_debug("hook: lxc.hook.%s '%s' output: %s", type, *cmd, text);
                tail_append(all, out->data, out->size);
                all->truncated = all->truncated || out->truncated;

                if (r >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0)
                        continue;
                r = hook_failure(type, *cmd, r, status, timeout, text, ret_error);
                return log_debug_errno(r, "hook: lxc.hook.%s '%s' failed: %m", type, *cmd);
        }

        if (ret_output) {
                char *s = tail_string(all);
                if (!s)
                        return -ENOMEM;
                *ret_output = s;
        }
        return 0;
}
