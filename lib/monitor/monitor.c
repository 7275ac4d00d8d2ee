/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth-monitor's life: lock, console, cgroups, spawn, then an sd-event loop that feeds the console ring
 * and log file from the pty, serves the private bus and tears everything down when init exits. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "berth-build.h"
#include "cgroup/cgroup.h"
#include "log/log.h"
#include "monitor/monitor-seccomp.h"
#include "monitor/monitor.h"
#include "spawn/spawn.h"
#include "util/fd-util.h"
#include "util/fileio.h"
#include "util/macro.h"
#include "util/pty-util.h"
#include "util/strv.h"

#define PTY_READ_SIZE 4096

static int sys_pidfd_send_signal(int pidfd, int sig) {
        return RET_NERRNO(syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0));
}

/* asprintf() into an error out-parameter that stays NULL when out of memory. */
_printf_(2, 3) static void set_errorf(char **ret_error, const char *fmt, ...) {
        va_list ap;
        char *s;

        va_start(ap, fmt);
        if (vasprintf(&s, fmt, ap) < 0)
                s = NULL;
        va_end(ap);
        *ret_error = s;
}

int monitor_new(const char *name, const char *root, Monitor **ret) {
        _cleanup_(monitor_freep) Monitor *m = NULL;
        int r;

        if (!berth_name_is_valid(name))
                return -EINVAL;

        m = calloc(1, sizeof(Monitor));
        if (!m)
                return -ENOMEM;
        *m = (Monitor) {
                .lock_fd = -EBADF,
                .pty_master = -EBADF,
                .pty_slave = -EBADF,
                .ring = (ConsoleRing) CONSOLE_RING_INIT,
                .logfile = (ConsoleLogfile) CONSOLE_LOGFILE_INIT,
                .init_pidfd = -EBADF,
                .listen_fd = -EBADF,
                .state = BERTH_STATE_STOPPED,
        };
        for (size_t i = 0; i < _HOOK_NS_MAX; i++)
                m->hook_ns.fd[i] = -EBADF;

        m->name = strdup(name);
        if (!m->name)
                return -ENOMEM;
        r = berth_new(root, &m->berth);
        if (r < 0)
                return r;
        if (asprintf(&m->run_dir, "%s/%s", berth_get_run_dir(m->berth), name) < 0 ||
            asprintf(&m->socket_path, "%s/monitor.sock", m->run_dir) < 0 ||
            asprintf(&m->lock_path, "%s/lock", m->run_dir) < 0)
                return -ENOMEM;

        *ret = TAKE_PTR(m);
        return 0;
}

Monitor *monitor_free(Monitor *m) {
        if (!m)
                return NULL;
        monitor_seccomp_free(m); /* before the connections it references are closed */
        monitor_lifecycle_done(m);
        monitor_bus_done(m);
        monitor_console_attach_done(m);
        monitor_ttys_done(m);
        m->pty_source = sd_event_source_disable_unref(m->pty_source);
        m->init_source = sd_event_source_disable_unref(m->init_source);
        m->kill_source = sd_event_source_disable_unref(m->kill_source);
        m->event = sd_event_unref(m->event);
        console_ring_release(&m->ring);
        console_logfile_close(&m->logfile);
        safe_close(m->pty_master);
        safe_close(m->pty_slave);
        safe_close(m->init_pidfd);
        safe_close(m->lock_fd);
        free(m->pty_slave_path);
        free(m->cgroup_unified);
        free(m->cgroup_dir);
        free(m->cgroup_monitor);
        free(m->cgroup_payload);
        free(m->run_dir);
        free(m->socket_path);
        free(m->lock_path);
        free(m->rootfs);
        berth_config_free(m->config);
        berth_unref(m->berth);
        free(m->name);
        return mfree(m);
}

/* flock the run-dir lock for our whole life. A stopping monitor unlinks its lock file while still
 * holding it, so after locking check that the path still names the file we locked, else retry. */
static int take_lock(Monitor *m) {
        int r;

        r = mkdir_p(berth_get_run_dir(m->berth), 0755);
        if (r < 0)
                return log_error_errno(r, "Failed to create %s: %m", berth_get_run_dir(m->berth));
        if (mkdir(m->run_dir, 0700) < 0 && errno != EEXIST)
                return log_error_errno(errno, "Failed to create %s: %m", m->run_dir);

        for (unsigned attempt = 0; attempt < 16; attempt++) {
                _cleanup_close_ int fd = -EBADF;
                struct stat a, b;

                fd = open(m->lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW, 0600);
                if (fd < 0) {
                        if (errno == ENOENT) { /* the run dir was just removed by a stopping monitor */
                                (void) mkdir(m->run_dir, 0700);
                                continue;
                        }
                        return log_error_errno(errno, "Failed to open %s: %m", m->lock_path);
                }
                if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
                        if (errno == EWOULDBLOCK)
                                return -EALREADY;
                        return log_error_errno(errno, "Failed to lock %s: %m", m->lock_path);
                }
                if (fstat(fd, &a) < 0)
                        return -errno;
                if (stat(m->lock_path, &b) < 0 || a.st_ino != b.st_ino || a.st_dev != b.st_dev) {
                        (void) mkdir(m->run_dir, 0700);
                        continue;
                }
                m->lock_fd = TAKE_FD(fd);
                return 0;
        }
        return log_error_errno(SYNTHETIC_ERRNO(EBUSY), "Could not take %s", m->lock_path);
}

static int load_config(Monitor *m, char **ret_error) {
        _cleanup_(berth_config_diag_done) BerthConfigDiag diag = {};
        _cleanup_(berth_config_freep) BerthConfig *c = NULL;
        _cleanup_free_ char *path = NULL, *rootfs = NULL;
        int r;

        if (!berth_container_exists(m->berth, m->name)) {
                set_errorf(ret_error, "container %s is not defined", m->name);
                return -ENOENT;
        }
        if (asprintf(&path, "%s/%s/config", berth_get_containers_dir(m->berth), m->name) < 0)
                return -ENOMEM;
        r = berth_config_new(&c);
        if (r < 0)
                return r;
        r = berth_config_load_file(c, path, &diag);
        if (r < 0 || strv_length(diag.errors) > 0) {
                *ret_error = diag.errors ? strv_join(diag.errors, "\n") : NULL;
                if (!*ret_error)
                        set_errorf(ret_error, "failed to load %s: %s", path, strerror(r < 0 ? -r : EINVAL));
                return r < 0 ? r : -EINVAL;
        }
        STRV_FOREACH(n, diag.notices)
                log_notice("%s", *n);

        if (c->rootfs_path)
                rootfs = strdup(c->rootfs_path);
        else {
                r = berth_container_default_rootfs(m->berth, m->name, &rootfs);
                if (r < 0)
                        return r;
        }
        if (!rootfs)
                return -ENOMEM;

        /* lxc.log.level and lxc.log.syslog apply to this monitor's log. Its file is monitor.log until the
         * container is RUNNING (starters read its tail), then lxc.log.file if set (monitor-main.c). */
        if (c->log_level >= 0)
                log_set_max_level(c->log_level);
        if (c->log_syslog) {
                _cleanup_free_ char *ident = NULL;
                if (asprintf(&ident, "berth-%s", m->name) < 0)
                        return -ENOMEM;
                r = log_open_syslog(c->log_syslog, ident);
                if (r < 0)
                        log_warning_errno(r, "Failed to open syslog facility %s, ignoring: %m", c->log_syslog);
        }
        /* Also called at each reboot in place: the new definition replaces the old one. */
        berth_config_free(m->config);
        m->config = TAKE_PTR(c);
        free(m->rootfs);
        m->rootfs = TAKE_PTR(rootfs);
        free(m->config_path);
        m->config_path = TAKE_PTR(path);
        return 0;
}

static int setup_cgroups(Monitor *m) {
        _cleanup_free_ char *base = NULL;
        int r;

        r = cgroup_find_unified(&m->cgroup_unified);
        if (r < 0)
                return log_error_errno(r, "No cgroup2 hierarchy found (/sys/fs/cgroup, /sys/fs/cgroup/unified)");
        r = cgroup_base_name(berth_get_root(m->berth), &base);
        if (r < 0)
                return r;
        if (asprintf(&m->cgroup_dir, "%s/%s/%s", m->cgroup_unified, base, m->name) < 0 ||
            asprintf(&m->cgroup_monitor, "%s/monitor", m->cgroup_dir) < 0 ||
            asprintf(&m->cgroup_payload, "%s/payload", m->cgroup_dir) < 0)
                return -ENOMEM;

        /* Left over by a monitor that crashed: we hold the lock, so it is ours to clean. A payload
         * cgroup that still has processes is refused rather than killed. */
        if (rmdir(m->cgroup_payload) < 0 && errno != ENOENT)
                return log_error_errno(errno, "Stale cgroup %s cannot be removed: %m", m->cgroup_payload);
        (void) rmdir(m->cgroup_monitor);

        m->cgroups_created = true;
        r = cgroup_create(m->cgroup_monitor);
        if (r < 0)
                return log_error_errno(r, "Failed to create cgroup %s: %m", m->cgroup_monitor);
        r = cgroup_create(m->cgroup_payload);
        if (r < 0)
                return log_error_errno(r, "Failed to create cgroup %s: %m", m->cgroup_payload);
        /* Out of the caller's (berthd's) cgroup, so stopping berthd's unit never takes us along. */
        r = cgroup_attach(m->cgroup_monitor, 0);
        if (r < 0)
                return log_error_errno(r, "Failed to move into cgroup %s: %m", m->cgroup_monitor);
        return 0;
}

static void remove_cgroups(Monitor *m) {
        int r;

        if (!m->cgroups_created)
                return;
        /* A cgroup with a member cannot be removed: leave for the hierarchy root first. */
        r = cgroup_attach(m->cgroup_unified, 0);
        if (r < 0)
                log_warning_errno(r, "Failed to move to the root cgroup, ignoring: %m");
        r = cgroup_remove(m->cgroup_payload, /* kill_remaining= */ true);
        if (r < 0)
                log_warning_errno(r, "Failed to remove %s: %m", m->cgroup_payload);
        r = cgroup_remove(m->cgroup_monitor, /* kill_remaining= */ false);
        if (r < 0) {
                _cleanup_free_ char *procs_path = NULL, *procs = NULL;
                if (asprintf(&procs_path, "%s/cgroup.procs", m->cgroup_monitor) >= 0)
                        (void) read_full_file(procs_path, &procs, NULL);
                log_warning_errno(r, "Failed to remove %s (processes: %s): %m", m->cgroup_monitor, strna(procs));
        }
        if (rmdir(m->cgroup_dir) < 0 && errno != ENOENT)
                log_warning_errno(errno, "Failed to remove %s: %m", m->cgroup_dir);
        /* The per-root base goes too once no container uses it (EBUSY/ENOTEMPTY otherwise). */
        char *slash = strrchr(m->cgroup_dir, '/');
        if (slash) {
                *slash = 0;
                (void) rmdir(m->cgroup_dir);
                *slash = '/';
        }
        m->cgroups_created = false;
}

/* Remove what this monitor made, in the order that keeps a concurrent start safe: cgroups and socket
 * first, the lock file last (still held until exit). */
static void cleanup_runtime(Monitor *m) {
        remove_cgroups(m);
        monitor_ttys_done(m);
        if (m->listen_fd >= 0 || m->listen_source) {
                m->listen_source = sd_event_source_disable_unref(m->listen_source);
                m->listen_fd = safe_close(m->listen_fd);
                (void) unlink(m->socket_path);
        }
        if (m->lock_fd >= 0) {
                (void) unlink(m->lock_path);
                (void) rmdir(m->run_dir);
        }
}

static void console_feed(Monitor *m, const char *buf, size_t n) {
        if (m->ring.addr)
                console_ring_write(&m->ring, buf, n);
        if (m->logfile.fd >= 0) {
                int r = console_logfile_write(&m->logfile, buf, n);
                if (r < 0)
                        log_warning_errno(r, "Failed to write console log file, ignoring: %m");
        }
        console_attach_console_output(m->attach, buf, n); /* OpenConsole clients, after ring and log */
}

/* Read what is available (bounded, so the loop stays fair). Returns -EAGAIN when drained. */
static int console_read(Monitor *m, unsigned max_reads) {
        char buf[PTY_READ_SIZE];

        for (unsigned i = 0; i < max_reads; i++) {
                ssize_t n = read(m->pty_master, buf, sizeof buf);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno; /* EAGAIN: drained; EIO: no slave open */
                }
                if (n == 0)
                        return -EIO;
                console_feed(m, buf, (size_t) n);
        }
        return 0;
}

static int on_pty(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Monitor *m = userdata;
        int r;

        if (revents & EPOLLOUT) /* only asked for while OpenConsole input is queued */
                console_attach_console_writable(m->attach);

        r = console_read(m, 16);
        if (r < 0 && r != -EAGAIN) {
                /* We keep a slave open, so this should not happen; do not spin on it. */
                log_debug_errno(r, "Console read failed, disabling: %m");
                (void) sd_event_source_set_enabled(s, SD_EVENT_OFF);
        }
        return 0;
}

static void console_drain(Monitor *m) {
        if (m->pty_master < 0)
                return;
        /* Output written just before init died may still be on its way through the tty layer. */
        for (unsigned i = 0; i < 64; i++) {
                if (console_read(m, 256) != -EAGAIN)
                        break;
                struct pollfd p = { .fd = m->pty_master, .events = POLLIN };
                if (poll(&p, 1, 5) <= 0)
                        break;
        }
}

/* The environment of the host-side hooks (spawn/HOOKS.md). */
static HookEnv hook_env(Monitor *m, pid_t pid, const char *target, bool namespaces) {
        return (HookEnv) {
                .config_file = m->config_path,
                .rootfs_path = m->rootfs,
                .console_path = m->pty_slave_path,
                .pid = pid,
                .target = target,
                .namespaces = namespaces ? &m->hook_ns : NULL,
        };
}

/* post-stop: after the cleanup, outside init's (gone) namespaces. */
static int run_post_stop(Monitor *m, pid_t pid, bool reboot) {
        _cleanup_free_ char *error = NULL;
        HookEnv env = hook_env(m, pid, reboot ? "reboot" : "stop", false);
        int r;

        hook_namespaces_close(&m->hook_ns);
        r = hook_run(m->config, m->name, "post-stop", &env, NULL, &error);
        if (r < 0)
                log_error("%s%s", strna(error), reboot ? "; stopping the container instead of rebooting it" : "");
        return r;
}

static void finish(Monitor *m, bool post_stop) {
        int r;

        if (m->finished)
                return;
        m->finished = true;

        m->init_source = sd_event_source_disable_unref(m->init_source);
        m->kill_source = sd_event_source_disable_unref(m->kill_source);
        if (m->state != BERTH_STATE_STOPPING)
                monitor_set_state(m, BERTH_STATE_STOPPING);

        console_drain(m);
        /* Attached clients got the last output; now they see the hang-up. (A reboot in place keeps the
         * pty and must not come here: its clients stay attached.) */
        monitor_console_attach_done(m);
        m->pty_source = sd_event_source_disable_unref(m->pty_source);
        if (m->logfile.fd >= 0) {
                r = console_logfile_finish(&m->logfile);
                if (r < 0)
                        log_warning_errno(r, "Failed to finish the console log file: %m");
        }

        monitor_seccomp_detach(m); /* answers what is still pending */
        cleanup_runtime(m);
        if (post_stop)
                (void) run_post_stop(m, m->init_pid, false);
        hook_namespaces_close(&m->hook_ns);
        m->init_pid = 0;
        monitor_set_state(m, BERTH_STATE_STOPPED);
        log_info("Container %s stopped", m->name);

        monitor_lifecycle_stopped(m);
        monitor_bus_reply_pending(m);
        monitor_bus_flush_all(m);
        (void) sd_event_exit(m->event, 0);
}

static int spawn_init(Monitor *m, char **ret_error);

/* Whether init's end asks for a restart in place. In a pid namespace the kernel answers reboot(2) by
 * killing init with SIGHUP (RESTART) or SIGINT (HALT, POWER_OFF); an init that exits some other way after
 * our lxc.signal.reboot (busybox's template init exits on SIGINT) is rebooting too, as in LXC. Stop and
 * Shutdown win over both. */
static bool exit_is_reboot(Monitor *m, const siginfo_t *si) {
        bool killed = si->si_code == CLD_KILLED || si->si_code == CLD_DUMPED;

        if (m->stop_requested || m->shutdown_requested)
                return false;
        if (killed && si->si_status == SIGHUP)
                return true;
        if (killed && si->si_status == SIGINT)
                return false;
        return m->reboot_requested;
}

/* Waiting Reboot calls learn why the container stops instead of coming back (a failing post-stop hook is
 * a documented stop, not an error: those get false). */
_printf_(4, 5) static void reboot_failed(Monitor *m, bool config_error, int r, const char *fmt, ...) {
        _cleanup_free_ char *text = NULL;
        va_list ap;
        int k;

        va_start(ap, fmt);
        k = vasprintf(&text, fmt, ap);
        va_end(ap);
        if (k < 0)
                text = NULL;
        monitor_lifecycle_reboot_failed(m, config_error, text ?: strerror(-r));
}

/* Same monitor, same console pty and ring (attached consoles stay), new payload cgroup and init, with
 * the configuration re-read from disk (LXC reuses the one it started with). On failure the caller
 * stops the container; *ret_post_stop_ran says whether post-stop already ran. */
static int reboot_in_place(Monitor *m, bool *ret_post_stop_ran) {
        _cleanup_free_ char *error = NULL;
        pid_t old_pid = m->init_pid;
        int r;

        *ret_post_stop_ran = false;
        log_info("Container %s is rebooting", m->name);

        monitor_seccomp_detach(m);
        m->init_pidfd = safe_close(m->init_pidfd);
        /* Whatever survived init (nothing, normally: its pid namespace dies with it) goes with the old
         * payload cgroup; a fresh one also starts thawed. */
        r = cgroup_remove(m->cgroup_payload, /* kill_remaining= */ true);
        if (r >= 0)
                r = cgroup_create(m->cgroup_payload);
        if (r < 0) {
                log_error_errno(r, "Failed to renew cgroup %s, stopping: %m", m->cgroup_payload);
                reboot_failed(m, false, r, "cannot reboot %s: failed to renew cgroup %s", m->name,
                              m->cgroup_payload);
                return r;
        }

        *ret_post_stop_ran = true;
        r = run_post_stop(m, old_pid, true);
        if (r < 0)
                return r;

        r = load_config(m, &error);
        if (r < 0) {
                log_error("Cannot reboot %s, invalid configuration: %s", m->name, strna(error));
                reboot_failed(m, true, r, "cannot reboot %s, invalid configuration: %s", m->name,
                              error ?: strerror(-r));
                return r;
        }
        r = monitor_ttys_setup(m, &error); /* the same ttys, unless lxc.tty.max changed */
        if (r < 0) {
                log_error("Cannot reboot %s: %s", m->name, strna(error));
                reboot_failed(m, false, r, "cannot reboot %s: %s", m->name, error ?: strerror(-r));
                return r;
        }

        m->init_pid = 0;
        monitor_set_state(m, BERTH_STATE_STARTING);
        r = spawn_init(m, &error);
        if (r < 0) {
                log_error("Reboot of %s failed: %s", m->name, strna(error));
                reboot_failed(m, false, r, "reboot of %s failed, container stopped: %s", m->name,
                              error ?: strerror(-r));
                return r;
        }
        monitor_set_state(m, BERTH_STATE_RUNNING);
        log_info("Container %s is RUNNING again, init pid %d", m->name, (int) m->init_pid);
        monitor_lifecycle_rebooted(m);
        return 0;
}

static int on_init_exit(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        _cleanup_free_ char *error = NULL;
        Monitor *m = userdata;
        siginfo_t si = {};
        bool reboot = false, post_stop_ran = false;

        m->init_source = sd_event_source_disable_unref(m->init_source);
        monitor_lifecycle_init_exited(m);
        if (waitid(P_PIDFD, (id_t) m->init_pidfd, &si, WEXITED) < 0)
                log_warning_errno(errno, "Failed to reap init %d: %m", (int) m->init_pid);
        else {
                if (si.si_code == CLD_EXITED)
                        log_info("Container init %d exited with status %d", (int) m->init_pid, si.si_status);
                else
                        log_info("Container init %d killed by signal %d", (int) m->init_pid, si.si_status);
                reboot = exit_is_reboot(m, &si);
        }
        monitor_set_state(m, BERTH_STATE_STOPPING);

        HookEnv env = hook_env(m, m->init_pid, reboot ? "reboot" : "stop", true);
        if (hook_run(m->config, m->name, "stop", &env, NULL, &error) < 0)
                log_error("%s", strna(error));

        if (reboot && reboot_in_place(m, &post_stop_ran) >= 0)
                return 0;
        finish(m, !post_stop_ran);
        return 0;
}

static int on_sigterm(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Monitor *m = userdata;

        log_info("Received signal %u, stopping the container", si->ssi_signo);
        (void) monitor_request_stop(m);
        return 0;
}

static int on_stop_timeout(sd_event_source *s, uint64_t usec, void *userdata) {
        Monitor *m = userdata;
        int r;

        /* Like lxc-stop's timeout: a pid 1 without a handler never sees a catchable signal. */
        log_warning("Container init %d ignored the stop signal, killing it", (int) m->init_pid);
        r = sys_pidfd_send_signal(m->init_pidfd, SIGKILL);
        if (r < 0 && r != -ESRCH)
                log_error_errno(r, "Failed to kill init: %m");
        return 0;
}

int monitor_request_stop(Monitor *m) {
        int sig, r;

        if (m->state == BERTH_STATE_STOPPED || m->finished)
                return -ENOTCONN;
        if (m->stop_requested)
                return 0;

        sig = m->config->signal_stop > 0 ? m->config->signal_stop : SIGKILL;
        log_info("Stopping container %s with signal %d", m->name, sig);
        r = sys_pidfd_send_signal(m->init_pidfd, sig);
        if (r < 0 && r != -ESRCH)
                return log_error_errno(r, "Failed to signal init: %m");
        m->stop_requested = true;
        monitor_lifecycle_stop_requested(m, m->state == BERTH_STATE_FROZEN || m->state == BERTH_STATE_FREEZING);
        if (sig != SIGKILL) {
                r = sd_event_add_time_relative(m->event, &m->kill_source, CLOCK_MONOTONIC, MONITOR_STOP_KILL_USEC,
                                               0, on_stop_timeout, m);
                if (r < 0)
                        log_warning_errno(r, "Failed to arm the stop timeout, ignoring: %m");
        }
        monitor_set_state(m, BERTH_STATE_STOPPING);
        return 0;
}

void monitor_set_state(Monitor *m, berth_state state) {
        if (m->state == state)
                return;
        m->state = state;
        log_debug("State %s", berth_state_to_string(state));
        monitor_bus_emit_state(m);
}

static int setup_console(Monitor *m) {
        int r;

        r = pty_open_console(&m->pty_master, &m->pty_slave, &m->pty_slave_path);
        if (r < 0)
                return log_error_errno(r, "Failed to allocate the console pty: %m");
        r = fd_nonblock(m->pty_master, true);
        if (r < 0)
                return r;

        if (m->config->console_buffer_size > 0) {
                r = console_ring_create(&m->ring, m->config->console_buffer_size);
                if (r < 0)
                        return log_error_errno(r, "Failed to create the console ring buffer: %m");
        }
        if (m->config->console_logfile) {
                r = console_logfile_open(&m->logfile, m->config->console_logfile, m->config->console_size,
                                         m->config->console_rotate);
                if (r < 0)
                        return log_error_errno(r, "Failed to open console log file %s: %m",
                                               m->config->console_logfile);
        }
        return 0;
}

static int setup_event(Monitor *m) {
        sigset_t ss;
        int r;

        r = sd_event_new(&m->event);
        if (r < 0)
                return r;

        sigemptyset(&ss);
        sigaddset(&ss, SIGTERM);
        sigaddset(&ss, SIGINT);
        if (sigprocmask(SIG_BLOCK, &ss, NULL) < 0)
                return -errno;
        r = sd_event_add_signal(m->event, NULL, SIGTERM, on_sigterm, m);
        if (r < 0)
                return r;
        r = sd_event_add_signal(m->event, NULL, SIGINT, on_sigterm, m);
        if (r < 0)
                return r;
        return 0;
}

static void set_error_from_errno(char **ret_error, int r, const char *what) {
        if (!*ret_error)
                set_errorf(ret_error, "%s: %s", what, strerror(-r));
}

static void kill_init(Monitor *m) {
        m->init_source = sd_event_source_disable_unref(m->init_source);
        (void) sys_pidfd_send_signal(m->init_pidfd, SIGKILL);
        (void) waitid(P_PIDFD, (id_t) m->init_pidfd, &(siginfo_t) {}, WEXITED);
        m->init_pidfd = safe_close(m->init_pidfd);
        m->init_pid = 0;
        hook_namespaces_close(&m->hook_ns);
}

/* pre-start hook, spawn_container(), the seccomp listener, start-host hook and the watch on init: what
 * start and a reboot in place share. On failure nothing of the new init is left and *ret_error says why
 * (for a failing hook: the hook's message with its output). */
static int spawn_init(Monitor *m, char **ret_error) {
        SpawnResult result = { .pid = 0, .pidfd = -EBADF, .seccomp_notify_fd = -EBADF };
        _cleanup_close_ int payload_fd = -EBADF;
        _cleanup_free_ char *error = NULL;
        HookEnv env = hook_env(m, 0, NULL, false);
        int r;

        r = hook_run(m->config, m->name, "pre-start", &env, NULL, &error);
        if (r < 0) {
                log_error("%s", strna(error));
                set_error_from_errno(&error, r, "lxc.hook.pre-start failed");
                goto fail;
        }

        payload_fd = cgroup_open(m->cgroup_payload);
        if (payload_fd < 0) {
                r = payload_fd;
                set_error_from_errno(&error, r, "failed to open the payload cgroup");
                goto fail;
        }

        SpawnParams params = {
                .name = m->name,
                .config = m->config,
                .rootfs = m->rootfs,
                .cgroup_fd = payload_fd,
                .console_slave_fd = m->pty_slave,
                .console_slave_path = m->pty_slave_path,
                .config_file = m->config_path,
                .tty_slave_fds = m->tty_slaves,
                .tty_slave_paths = (const char *const *) m->tty_slave_paths,
                .n_ttys = m->n_ttys,
        };
        r = spawn_container(&params, &result, &error);
        if (r < 0) {
                log_error_errno(r, "Failed to start the container: %s", strna(error));
                set_error_from_errno(&error, r, "failed to start the container");
                goto fail;
        }
        m->init_pid = result.pid;
        m->init_pidfd = result.pidfd;
        payload_fd = safe_close(payload_fd);

        /* Before the socket listens: a proxy that cannot be reached fails the start (monitor-seccomp.c). */
        r = monitor_seccomp_attach(m, TAKE_FD(result.seccomp_notify_fd), &error);
        if (r >= 0) {
                /* Held from here on, so that the stop hooks can still enter them after init died. */
                (void) hook_namespaces_open(m->init_pid, &m->hook_ns);
                env = hook_env(m, m->init_pid, NULL, true);
                r = hook_run(m->config, m->name, "start-host", &env, NULL, &error);
                if (r < 0)
                        log_error("%s", strna(error));
        }
        if (r >= 0)
                r = sd_event_add_io(m->event, &m->init_source, m->init_pidfd, EPOLLIN, on_init_exit, m);
        if (r < 0) {
                set_error_from_errno(&error, r, "failed to set up the monitor");
                kill_init(m);
                goto fail;
        }
        return 0;

fail:
        *ret_error = TAKE_PTR(error);
        return r;
}

int monitor_start(Monitor *m, char **ret_error) {
        _cleanup_free_ char *error = NULL;
        int r;

        monitor_set_state(m, BERTH_STATE_STARTING);
        log_info("Starting container %s (berth %s)", m->name, BERTH_VERSION);

        r = take_lock(m);
        if (r == -EALREADY) {
                set_errorf(ret_error, "container %s is already running", m->name);
                return r;
        }
        if (r < 0) {
                set_error_from_errno(&error, r, "failed to take the container lock");
                goto fail;
        }

        r = load_config(m, &error);
        if (r < 0) {
                log_error("Invalid configuration: %s", strna(error));
                goto fail;
        }

        r = setup_event(m);
        if (r < 0) {
                set_error_from_errno(&error, r, "failed to set up the event loop");
                goto fail;
        }
        r = setup_console(m);
        if (r < 0) {
                set_error_from_errno(&error, r, "failed to set up the console");
                goto fail;
        }
        r = monitor_ttys_setup(m, &error);
        if (r < 0) {
                set_error_from_errno(&error, r, "failed to set up lxc.tty.max");
                goto fail;
        }
        r = setup_cgroups(m);
        if (r < 0) {
                set_error_from_errno(&error, r, "failed to set up the cgroups");
                goto fail;
        }
        r = spawn_init(m, &error);
        if (r < 0)
                goto fail;

        r = sd_event_add_io(m->event, &m->pty_source, m->pty_master, EPOLLIN, on_pty, m);
        if (r >= 0)
                r = monitor_console_attach_setup(m);
        if (r >= 0)
                r = monitor_bus_listen(m);
        if (r < 0) {
                set_error_from_errno(&error, r, "failed to set up the monitor");
                kill_init(m);
                goto fail;
        }

        monitor_set_state(m, BERTH_STATE_RUNNING);
        log_info("Container %s is RUNNING, init pid %d", m->name, (int) m->init_pid);
        return 0;

fail:
        m->state = BERTH_STATE_ABORTING;
        cleanup_runtime(m);
        m->state = BERTH_STATE_STOPPED;
        *ret_error = TAKE_PTR(error);
        return r;
}

int monitor_run(Monitor *m) {
        int r;

        r = sd_event_loop(m->event);
        if (r < 0)
                return log_error_errno(r, "Event loop failed: %m");
        return 0;
}
