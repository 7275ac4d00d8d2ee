/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The monitor's private bus: sd-bus in server mode, one peer-to-peer connection per accepted client on
 * monitor.sock (root only), interface org.berth1.Monitor (README.md). */
#include <errno.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "log/log.h"
#include "monitor/monitor-seccomp.h"
#include "monitor/monitor.h"
#include "util/fd-util.h"
#include "util/macro.h"

static void conn_remove(Monitor *m, sd_bus *bus) {
        for (size_t i = 0; i < m->n_conns; i++)
                if (m->conns[i] == bus) {
                        monitor_seccomp_conn_gone(m, bus);
                        monitor_lifecycle_drop_bus(m, bus); /* its Reboot/Shutdown/Freeze calls */
                        m->conns[i] = m->conns[--m->n_conns];
                        sd_bus_close_unref(bus);
                        return;
                }
}

static int on_disconnected(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        Monitor *m = userdata;

        if (sd_bus_message_is_signal(message, "org.freedesktop.DBus.Local", "Disconnected") <= 0)
                return 0;
        /* sd_bus_process() holds its own reference while dispatching, so dropping ours here is safe. */
        conn_remove(m, sd_bus_message_get_bus(message));
        return 1;
}

static int method_get_info(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Monitor *m = userdata;
        int r;

        r = sd_bus_message_new_method_return(message, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_append(reply, "a{sv}", 4, "State", "s", berth_state_to_string(m->state),
                                  "InitPid", "u", (uint32_t) m->init_pid, "ConsoleBufferSize", "t",
                                  (uint64_t) m->ring.size, "Name", "s", m->name);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int method_stop(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        Monitor *m = userdata;
        sd_bus_message **l;
        int r;

        r = sd_bus_message_skip(message, "a{sv}");
        if (r < 0)
                return r;
        if (m->n_pending_stops >= MONITOR_PENDING_STOPS_MAX)
                return sd_bus_error_set_errnof(error, EBUSY, "Too many pending stop requests");

        r = monitor_request_stop(m);
        if (r < 0)
                return sd_bus_error_set_errnof(error, -r, "Failed to stop container %s: %m", m->name);

        l = reallocarray(m->pending_stops, m->n_pending_stops + 1, sizeof(sd_bus_message *));
        if (!l)
                return -ENOMEM;
        m->pending_stops = l;
        /* Answered from monitor_bus_reply_pending() once STOPPED. */
        m->pending_stops[m->n_pending_stops++] = sd_bus_message_ref(message);
        return 1;
}

int monitor_bus_read_bool_options(sd_bus_message *message, const char *const *keys, bool *const *values,
                                  size_t n_keys, sd_bus_error *error) {
        int r;

        r = sd_bus_message_enter_container(message, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(message, 'e', "sv")) > 0) {
                const char *key;
                size_t i;
                int b;

                r = sd_bus_message_read(message, "s", &key);
                if (r < 0)
                        return r;
                for (i = 0; i < n_keys; i++)
                        if (values[i] && streq(key, keys[i]))
                                break;
                if (i < n_keys) {
                        r = sd_bus_message_read(message, "v", "b", &b);
                        if (r < 0)
                                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                                         "Option '%s' must be a boolean", key);
                        *values[i] = b;
                } else {
                        r = sd_bus_message_skip(message, "v");
                        if (r < 0)
                                return r;
                }
                r = sd_bus_message_exit_container(message);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(message);
}

/* Options a{sv}: consume b, clear b. */
static int read_console_options(sd_bus_message *message, unsigned *flags, sd_bus_error *error) {
        bool consume = false, clear = false;
        int r;

        r = monitor_bus_read_bool_options(message, (const char *const[]) { "consume", "clear" },
                                          (bool *const[]) { &consume, &clear }, 2, error);
        if (r < 0)
                return r;
        if (consume)
                *flags |= CONSOLE_RING_READ_CONSUME;
        if (clear)
                *flags |= CONSOLE_RING_READ_CLEAR;
        return 0;
}

static int method_read_console_log(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_free_ char *data = NULL;
        Monitor *m = userdata;
        unsigned flags = 0;
        uint64_t max_bytes;
        size_t len;
        int r;

        r = sd_bus_message_read(message, "t", &max_bytes);
        if (r < 0)
                return r;
        r = read_console_options(message, &flags, error);
        if (r < 0)
                return r;
        if (!m->ring.addr)
                return sd_bus_error_set_errnof(error, ENODATA, "Container %s has no console ring buffer "
                                               "(lxc.console.buffer.size is 0)", m->name);

        r = console_ring_read(&m->ring, max_bytes, flags, &data, &len);
        if (r < 0)
                return r;
        r = sd_bus_message_new_method_return(message, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_append_array(reply, 'y', data, len);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int method_clear_console_log(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        Monitor *m = userdata;
        int r;

        r = sd_bus_message_skip(message, "a{sv}");
        if (r < 0)
                return r;
        if (!m->ring.addr)
                return sd_bus_error_set_errnof(error, ENODATA, "Container %s has no console ring buffer",
                                               m->name);
        console_ring_clear(&m->ring);
        return sd_bus_reply_method_return(message, NULL);
}

static const sd_bus_vtable monitor_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD_WITH_ARGS("GetInfo", SD_BUS_NO_ARGS, SD_BUS_RESULT("a{sv}", info), method_get_info, 0),
        SD_BUS_METHOD_WITH_ARGS("Stop", SD_BUS_ARGS("a{sv}", options), SD_BUS_NO_RESULT, method_stop, 0),
        SD_BUS_METHOD_WITH_ARGS("ReadConsoleLog", SD_BUS_ARGS("t", max_bytes, "a{sv}", options),
                                SD_BUS_RESULT("ay", data), method_read_console_log, 0),
        SD_BUS_METHOD_WITH_ARGS("ClearConsoleLog", SD_BUS_ARGS("a{sv}", options), SD_BUS_NO_RESULT,
                                method_clear_console_log, 0),
        SD_BUS_METHOD_WITH_ARGS("OpenConsole", SD_BUS_ARGS("a{sv}", options), SD_BUS_RESULT("h", console),
                                monitor_method_open_console, 0),
        SD_BUS_METHOD_WITH_ARGS("Mount",
                                SD_BUS_ARGS("s", source, "s", target, "s", fstype, "t", flags, "s", data,
                                            "a{sv}", options),
                                SD_BUS_NO_RESULT, monitor_method_mount, 0),
        SD_BUS_METHOD_WITH_ARGS("Umount", SD_BUS_ARGS("s", target, "t", flags, "a{sv}", options),
                                SD_BUS_NO_RESULT, monitor_method_umount, 0),
        SD_BUS_METHOD_WITH_ARGS("Reboot", SD_BUS_ARGS("i", timeout, "a{sv}", options), SD_BUS_RESULT("b", running),
                                monitor_method_reboot, 0),
        SD_BUS_METHOD_WITH_ARGS("Shutdown", SD_BUS_ARGS("i", timeout, "a{sv}", options),
                                SD_BUS_RESULT("b", stopped), monitor_method_shutdown, 0),
        SD_BUS_METHOD_WITH_ARGS("Freeze", SD_BUS_ARGS("a{sv}", options), SD_BUS_NO_RESULT, monitor_method_freeze, 0),
        SD_BUS_METHOD_WITH_ARGS("Unfreeze", SD_BUS_ARGS("a{sv}", options), SD_BUS_NO_RESULT,
                                monitor_method_unfreeze, 0),
        SD_BUS_SIGNAL_WITH_ARGS("StateChanged", SD_BUS_ARGS("s", state, "u", init_pid), 0),
        MONITOR_SECCOMP_VTABLE, /* issue 5: monitor-seccomp.h */
        SD_BUS_VTABLE_END,
};

static int on_accept(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        _cleanup_(sd_bus_close_unrefp) sd_bus *bus = NULL;
        _cleanup_close_ int cfd = -EBADF;
        Monitor *m = userdata;
        struct ucred cred;
        socklen_t l = sizeof cred;
        sd_bus **conns;
        int r;

        cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (cfd < 0) {
                if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
                        log_warning_errno(errno, "accept() failed, ignoring: %m");
                return 0;
        }
        /* The socket is 0600 already; the credential check keeps it root-only even if that changes. */
        if (getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cred, &l) < 0 || cred.uid != 0) {
                log_warning("Refusing monitor connection from uid %u", (unsigned) cred.uid);
                return 0;
        }
        if (m->n_conns >= MONITOR_CONNECTIONS_MAX) {
                log_warning("Too many monitor connections, refusing one");
                return 0;
        }

        r = sd_bus_new(&bus);
        if (r < 0)
                return log_warning_errno(r, "sd_bus_new() failed: %m"), 0;
        r = sd_bus_set_fd(bus, cfd, cfd);
        if (r < 0)
                return log_warning_errno(r, "sd_bus_set_fd() failed: %m"), 0;
        TAKE_FD(cfd);
        r = sd_bus_set_server(bus, 1, m->server_id);
        if (r >= 0)
                r = sd_bus_add_object_vtable(bus, NULL, MONITOR_OBJECT_PATH, MONITOR_INTERFACE, monitor_vtable, m);
        if (r >= 0)
                r = sd_bus_add_filter(bus, NULL, on_disconnected, m);
        if (r >= 0)
                r = sd_bus_attach_event(bus, m->event, SD_EVENT_PRIORITY_NORMAL);
        if (r >= 0)
                r = sd_bus_start(bus);
        if (r < 0)
                return log_warning_errno(r, "Failed to set up a monitor connection: %m"), 0;

        conns = reallocarray(m->conns, m->n_conns + 1, sizeof(sd_bus *));
        if (!conns)
                return log_oom(), 0;
        m->conns = conns;
        m->conns[m->n_conns++] = TAKE_PTR(bus);
        return 0;
}

int monitor_bus_listen(Monitor *m) {
        _cleanup_close_ int fd = -EBADF;
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        mode_t old_umask;
        int r;

        if (strlen(m->socket_path) >= sizeof sa.sun_path)
                return log_error_errno(SYNTHETIC_ERRNO(ENAMETOOLONG), "Socket path %s is too long",
                                       m->socket_path);
        strcpy(sa.sun_path, m->socket_path);

        r = sd_id128_randomize(&m->server_id);
        if (r < 0)
                return r;

        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return log_error_errno(errno, "socket() failed: %m");
        (void) unlink(m->socket_path); /* stale: we hold the lock */
        old_umask = umask(0177);
        r = bind(fd, (struct sockaddr *) &sa, sizeof sa);
        umask(old_umask);
        if (r < 0)
                return log_error_errno(errno, "Failed to bind %s: %m", m->socket_path);
        if (listen(fd, SOMAXCONN) < 0) {
                r = -errno;
                (void) unlink(m->socket_path);
                return log_error_errno(r, "listen() failed: %m");
        }
        r = sd_event_add_io(m->event, &m->listen_source, fd, EPOLLIN, on_accept, m);
        if (r < 0) {
                (void) unlink(m->socket_path);
                return r;
        }
        m->listen_fd = TAKE_FD(fd);
        return 0;
}

void monitor_bus_emit_state(Monitor *m) {
        for (size_t i = 0; i < m->n_conns; i++)
                (void) sd_bus_emit_signal(m->conns[i], MONITOR_OBJECT_PATH, MONITOR_INTERFACE, "StateChanged",
                                          "su", berth_state_to_string(m->state), (uint32_t) m->init_pid);
}

void monitor_bus_reply_pending(Monitor *m) {
        for (size_t i = 0; i < m->n_pending_stops; i++) {
                (void) sd_bus_reply_method_return(m->pending_stops[i], NULL);
                sd_bus_message_unref(m->pending_stops[i]);
        }
        m->pending_stops = mfree(m->pending_stops);
        m->n_pending_stops = 0;
}

void monitor_bus_flush_all(Monitor *m) {
        for (size_t i = 0; i < m->n_conns; i++)
                (void) sd_bus_flush(m->conns[i]);
}

void monitor_bus_done(Monitor *m) {
        monitor_bus_reply_pending(m);
        for (size_t i = 0; i < m->n_conns; i++)
                sd_bus_flush_close_unref(m->conns[i]);
        m->conns = mfree(m->conns);
        m->n_conns = 0;
        m->listen_source = sd_event_source_disable_unref(m->listen_source);
        m->listen_fd = safe_close(m->listen_fd);
}
