/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libberth's side of the monitor: starting a detached berth-monitor and talking to a running one over
 * its private socket (README.md). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "berth.h"
#include "monitor/monitor.h"
#include "util/fd-util.h"
#include "util/fileio.h"
#include "util/macro.h"

#define MONITOR_READY_FD 3
#define STOP_TIMEOUT_USEC (120ULL * 1000000ULL)
#define LOG_TAIL_LINES 20

/* ---- starting ---- */

static _noreturn_ void exec_monitor(int ready_w, const char *monitor, char *const argv[]) {
        sigset_t ss;
        int tmp, null;

        /* Only async-signal-safe calls from here on: the caller may be multi-threaded. */
        sigemptyset(&ss);
        (void) sigprocmask(SIG_SETMASK, &ss, NULL);
        for (int sig = 1; sig < NSIG; sig++)
                if (sig != SIGKILL && sig != SIGSTOP)
                        (void) signal(sig, SIG_DFL);

        tmp = fcntl(ready_w, F_DUPFD_CLOEXEC, 10);
        if (tmp < 0)
                _exit(127);
        null = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(null, STDOUT_FILENO) < 0 ||
            dup2(null, STDERR_FILENO) < 0)
                _exit(127);
        if (dup2(tmp, MONITOR_READY_FD) < 0) /* dup2 clears O_CLOEXEC on the copy */
                _exit(127);
        if (syscall(SYS_close_range, MONITOR_READY_FD + 1, ~0U, 0) < 0)
                for (int fd = MONITOR_READY_FD + 1; fd < 65536; fd++)
                        (void) close(fd);

        execv(monitor, argv);
        _exit(127);
}

int berth_container_start_async(berth *b, const char *name, int *ret_ready_fd) {
        _cleanup_close_pair_ int p[2] = { -EBADF, -EBADF };
        const char *monitor, *root;
        char fd_str[16];
        int status;
        pid_t pid;

        if (!b || !berth_name_is_valid(name) || !ret_ready_fd)
                return -EINVAL;
        if (!berth_container_exists(b, name))
                return -ENOENT;
        monitor = berth_get_monitor_path(b);
        if (!monitor)
                return -ENOMEM;

        root = berth_get_root(b);
        snprintf(fd_str, sizeof fd_str, "%d", MONITOR_READY_FD);
        char *argv[] = { (char *) "berth-monitor", (char *) "--name", (char *) name, (char *) "--ready-fd", fd_str,
                         root ? (char *) "--root" : NULL, (char *) root, NULL };

        if (pipe2(p, O_CLOEXEC) < 0)
                return -errno;

        /* Double fork + setsid: the monitor is reparented away from us, in its own session, so nothing
         * that happens to the caller (berthd killed, its process group signalled) reaches it. */
        pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                if (setsid() < 0)
                        _exit(1);
                pid_t grandchild = fork();
                if (grandchild < 0)
                        _exit(1);
                if (grandchild == 0)
                        exec_monitor(p[1], monitor, argv);
                _exit(0);
        }
        p[1] = safe_close(p[1]);

        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return -errno;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                return -ECHILD;

        *ret_ready_fd = TAKE_FD(p[0]);
        return 0;
}

/* The last lines of the monitor's log, for a monitor that died before saying why. */
static char *monitor_log_tail(berth *b, const char *name) {
        _cleanup_free_ char *path = NULL, *text = NULL;
        size_t size, lines = 0;
        char *p;

        if (asprintf(&path, "%s/%s/monitor.log", berth_get_log_dir(b), name) < 0)
                return NULL;
        if (read_full_file(path, &text, &size) < 0 || size == 0)
                return NULL;
        while (size > 0 && text[size - 1] == '\n')
                text[--size] = 0;
        for (p = text + size; p > text; p--)
                if (p[-1] == '\n' && ++lines >= LOG_TAIL_LINES)
                        break;
        return strdup(p);
}

int berth_container_start_finish(berth *b, const char *name, int ready_fd, pid_t *ret_init_pid,
                                 char **ret_error) {
        _cleanup_free_ char *buf = NULL;
        size_t size = 0, alloc = 0;
        int r;

        if (!b || !berth_name_is_valid(name) || ready_fd < 0)
                return -EINVAL;

        /* The monitor writes one line and closes: read to EOF, waiting if the fd is non-blocking. */
        for (;;) {
                if (alloc - size < 512) {
                        if (alloc >= 1024 * 1024)
                                break; /* a bounded answer; more would be a broken monitor */
                        char *n = realloc(buf, alloc + 4096);
                        if (!n)
                                return -ENOMEM;
                        buf = n;
                        alloc += 4096;
                }
                ssize_t n = read(ready_fd, buf + size, alloc - size - 1);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == EAGAIN) {
                                struct pollfd pfd = { .fd = ready_fd, .events = POLLIN };
                                if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
                                        return -errno;
                                continue;
                        }
                        return -errno;
                }
                if (n == 0)
                        break;
                size += (size_t) n;
        }
        if (buf)
                buf[size] = 0;
        while (size > 0 && buf[size - 1] == '\n')
                buf[--size] = 0;

        if (size == 0) {
                if (ret_error) {
                        _cleanup_free_ char *tail = monitor_log_tail(b, name);
                        char *e;
                        if (asprintf(&e, "berth-monitor for %s exited without reporting%s%s", name,
                                     tail ? ":\n" : " (no log)", strempty(tail)) >= 0)
                                *ret_error = e;
                }
                return -EIO;
        }

        const char *p = startswith(buf, "OK ");
        if (p) {
                char *end;
                errno = 0;
                long pid = strtol(p, &end, 10);
                if (errno != 0 || end == p || pid <= 0 || (*end && *end != '\n'))
                        return -EBADMSG;
                if (ret_init_pid)
                        *ret_init_pid = (pid_t) pid;
                return 0;
        }
        p = startswith(buf, "ERR ");
        if (p) {
                char *end;
                errno = 0;
                long e = strtol(p, &end, 10);
                if (errno != 0 || end == p || e <= 0 || e > 4095)
                        e = EIO;
                r = -(int) e;
                if (ret_error) {
                        const char *msg = *end == ' ' ? end + 1 : end;
                        char *s = strdup(*msg ? msg : strerror((int) e));
                        if (s)
                                *ret_error = s;
                }
                return r;
        }
        return -EBADMSG;
}

int berth_container_start(berth *b, const char *name, char **ret_error) {
        _cleanup_close_ int fd = -EBADF;
        int r;

        r = berth_container_start_async(b, name, &fd);
        if (r < 0)
                return r;
        return berth_container_start_finish(b, name, fd, NULL, ret_error);
}

/* ---- talking to a running monitor ---- */

/* sd-bus addresses escape everything outside a small set of characters as %xx. */
static char *bus_address_escape(const char *path) {
        static const char hex[] = "0123456789abcdef";
        size_t n = strlen(path);
        char *s = malloc(strlen("unix:path=") + 3 * n + 1), *q;

        if (!s)
                return NULL;
        q = stpcpy(s, "unix:path=");
        for (const char *p = path; *p; p++) {
                unsigned char ch = (unsigned char) *p;
                if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                    strchr("-_/.\\", ch))
                        *q++ = (char) ch;
                else {
                        *q++ = '%';
                        *q++ = hex[ch >> 4];
                        *q++ = hex[ch & 15];
                }
        }
        *q = 0;
        return s;
}

int berth_monitor_open(berth *b, const char *name, sd_bus **ret) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_free_ char *path = NULL, *address = NULL;
        int r;

        if (!b || !berth_name_is_valid(name) || !ret)
                return -EINVAL;
        if (asprintf(&path, "%s/%s/monitor.sock", berth_get_run_dir(b), name) < 0)
                return -ENOMEM;
        if (access(path, F_OK) < 0)
                return errno == ENOENT ? -ENOTCONN : -errno;
        address = bus_address_escape(path);
        if (!address)
                return -ENOMEM;

        r = sd_bus_new(&bus);
        if (r < 0)
                return r;
        r = sd_bus_set_address(bus, address);
        if (r < 0)
                return r;
        r = sd_bus_start(bus);
        if (r < 0)
                return (r == -ENOENT || r == -ECONNREFUSED) ? -ENOTCONN : r;
        *ret = TAKE_PTR(bus);
        return 0;
}

static bool errno_means_not_running(int r) {
        return r == -ENOTCONN || r == -ECONNRESET || r == -ECONNREFUSED || r == -ENOENT || r == -EPIPE;
}

int monitor_client_callv(berth *b, const char *name, const char *member, uint64_t timeout_usec,
                         sd_bus **ret_bus, sd_bus_message **ret_reply, char **ret_error, const char *types, va_list ap) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        if (!b || !berth_name_is_valid(name))
                return -EINVAL;
        r = berth_monitor_open(b, name, &bus);
        if (r < 0)
                return r;
        r = sd_bus_message_new_method_call(bus, &m, NULL, MONITOR_OBJECT_PATH, MONITOR_INTERFACE, member);
        if (r < 0)
                return r;
        if (types) {
                r = sd_bus_message_appendv(m, types, ap);
                if (r < 0)
                        return r;
        }
        r = sd_bus_call(bus, m, timeout_usec, &error, &reply);
        if (r < 0) {
                /* A monitor that went away between connect and reply: the container is not running. An error
                 * the monitor sent (ENOENT for a missing mount source, ...) is passed on as it is. */
                if (!sd_bus_error_is_set(&error) ? errno_means_not_running(r)
                                                 : sd_bus_error_has_name(&error, SD_BUS_ERROR_NO_REPLY) &&
                                                           sd_bus_is_open(bus) <= 0)
                        return -ENOTCONN;
                if (ret_error && error.message) {
                        char *s = strdup(error.message);
                        if (s)
                                *ret_error = s;
                }
                return r;
        }
        if (ret_bus)
                *ret_bus = TAKE_PTR(bus);
        if (ret_reply)
                *ret_reply = TAKE_PTR(reply);
        return 0;
}

int monitor_client_call(berth *b, const char *name, const char *member, uint64_t timeout_usec, sd_bus **ret_bus,
                        sd_bus_message **ret_reply, char **ret_error, const char *types, ...) {
        va_list ap;
        int r;

        va_start(ap, types);
        r = monitor_client_callv(b, name, member, timeout_usec, ret_bus, ret_reply, ret_error, types, ap);
        va_end(ap);
        return r;
}

/* GetInfo's State, InitPid and ConsoleBufferSize; keys the reply lacks leave their defaults. */
static int get_info(berth *b, const char *name, berth_state *state, uint32_t *pid, uint64_t *size) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = monitor_client_call(b, name, "GetInfo", 0, NULL, &reply, NULL, NULL);
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(reply, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(reply, 'e', "sv")) > 0) {
                const char *key, *s;

                r = sd_bus_message_read(reply, "s", &key);
                if (r < 0)
                        return r;
                if (streq(key, "State")) {
                        r = sd_bus_message_read(reply, "v", "s", &s);
                        if (r < 0)
                                return r;
                        r = berth_state_from_string(s);
                        if (r < 0)
                                return -EBADMSG;
                        *state = (berth_state) r;
                } else if (streq(key, "InitPid"))
                        r = sd_bus_message_read(reply, "v", "u", pid);
                else if (streq(key, "ConsoleBufferSize"))
                        r = sd_bus_message_read(reply, "v", "t", size);
                else
                        r = sd_bus_message_skip(reply, "v");
                if (r < 0)
                        return r;
                r = sd_bus_message_exit_container(reply);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(reply);
}

int berth_container_get_state(berth *b, const char *name, berth_state *ret_state, pid_t *ret_init_pid) {
        berth_state state = BERTH_STATE_STOPPED;
        uint32_t pid = 0;
        uint64_t size = 0;
        int r;

        r = get_info(b, name, &state, &pid, &size);
        if (r < 0 && r != -ENOTCONN)
                return r;
        /* No monitor answers. It may still be tearing down (socket gone, cgroups not yet): that is
         * STOPPING until it lets go of the lock, so STOPPED really means "nothing left, startable". */
        if (r == -ENOTCONN)
                state = berth_container_lock_held(b, name) ? BERTH_STATE_STOPPING : BERTH_STATE_STOPPED;
        if (ret_state)
                *ret_state = state;
        if (ret_init_pid)
                *ret_init_pid = state == BERTH_STATE_STOPPED ? 0 : (pid_t) pid;
        return 0;
}

int berth_container_get_console_buffer_size(berth *b, const char *name, uint64_t *ret_size) {
        berth_state state = BERTH_STATE_STOPPED;
        uint32_t pid = 0;
        uint64_t size = 0;
        int r;

        r = get_info(b, name, &state, &pid, &size);
        if (r < 0)
                return r;
        if (ret_size)
                *ret_size = size;
        return 0;
}

int berth_container_stop(berth *b, const char *name) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        int r;

        /* Longer than the monitor's own SIGKILL escalation, so a stubborn init still ends in STOPPED. */
        r = monitor_client_call(b, name, "Stop", STOP_TIMEOUT_USEC, &bus, NULL, NULL, "a{sv}", 0);
        if (r < 0)
                return r;

        /* The reply comes once STOPPED; wait for the monitor to hang up too, so that when we return
         * its process is gone or going (callers check for leftovers right away). */
        for (unsigned i = 0; i < 500; i++) {
                r = sd_bus_process(bus, NULL);
                if (r < 0 || !sd_bus_is_open(bus))
                        break;
                if (r > 0)
                        continue;
                r = sd_bus_wait(bus, 10 * 1000);
                if (r < 0)
                        break;
        }
        return 0;
}

int berth_console_log_read(berth *b, const char *name, uint64_t max_bytes, unsigned flags, void **ret_data,
                           size_t *ret_len) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const void *data;
        size_t len;
        void *copy;
        int r;

        if (!b || !berth_name_is_valid(name) || !ret_data)
                return -EINVAL;
        r = monitor_client_call(b, name, "ReadConsoleLog", 0, NULL, &reply, NULL, "ta{sv}", max_bytes, 2,
                                "consume", "b", (int) !!(flags & BERTH_CONSOLE_LOG_CONSUME), "clear", "b",
                                (int) !!(flags & BERTH_CONSOLE_LOG_CLEAR));
        if (r < 0)
                return r;
        r = sd_bus_message_read_array(reply, 'y', &data, &len);
        if (r < 0)
                return r;
        /* NUL-terminated for convenience; the NUL is not counted. */
        copy = malloc(len + 1);
        if (!copy)
                return -ENOMEM;
        if (len > 0)
                memcpy(copy, data, len);
        ((char *) copy)[len] = 0;
        *ret_data = copy;
        if (ret_len)
                *ret_len = len;
        return 0;
}

int berth_console_log_clear(berth *b, const char *name) {
        if (!b || !berth_name_is_valid(name))
                return -EINVAL;
        return monitor_client_call(b, name, "ClearConsoleLog", 0, NULL, NULL, NULL, "a{sv}", 0);
}
