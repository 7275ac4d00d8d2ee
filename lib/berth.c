/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libberth: paths, names, states, container definitions on disk and API-extension discovery. The calls
 * that talk to a running container's monitor live in monitor/monitor-client.c. */
#include <stdarg.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "berth-build.h"
#include "berth.h"
#include "config/config.h"
#include "mount/mount-inject.h"
#include "seccomp/seccomp-load.h"
#include "util/fd-util.h"
#include "util/fileio.h"
#include "util/macro.h"
#include "util/strv.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(berth *, berth_unref);

struct berth {
        char *root;
        char *containers_dir;
        char *run_dir;
        char *log_dir;
        char *monitor_path;
};

static int make_absolute(const char *p, char **ret) {
        char *s;

        if (p[0] == '/')
                s = strdup(p);
        else {
                _cleanup_free_ char *cwd = getcwd(NULL, 0);
                if (!cwd)
                        return -errno;
                if (asprintf(&s, "%s/%s", cwd, p) < 0)
                        s = NULL;
        }
        if (!s)
                return -ENOMEM;
        /* Trailing slashes would change the cgroup base hash of the same directory. */
        for (size_t l = strlen(s); l > 1 && s[l - 1] == '/'; l--)
                s[l - 1] = 0;
        *ret = s;
        return 0;
}

int berth_new(const char *root, berth **ret) {
        _cleanup_(berth_unrefp) berth *b = NULL;
        int r;

        if (!ret)
                return -EINVAL;
        if (!root)
                root = getenv("BERTH_ROOT");
        if (isempty(root))
                root = NULL;

        b = calloc(1, sizeof(berth));
        if (!b)
                return -ENOMEM;

        if (root) {
                r = make_absolute(root, &b->root);
                if (r < 0)
                        return r;
                if (asprintf(&b->containers_dir, "%s/containers", b->root) < 0 ||
                    asprintf(&b->run_dir, "%s/run", b->root) < 0 || asprintf(&b->log_dir, "%s/log", b->root) < 0)
                        return -ENOMEM;
        } else {
                b->containers_dir = strdup(BERTH_STATEDIR "/containers");
                b->run_dir = strdup(BERTH_RUNDIR);
                b->log_dir = strdup(BERTH_LOGDIR);
                if (!b->containers_dir || !b->run_dir || !b->log_dir)
                        return -ENOMEM;
        }

        *ret = TAKE_PTR(b);
        return 0;
}

berth *berth_unref(berth *b) {
        if (!b)
                return NULL;
        free(b->root);
        free(b->containers_dir);
        free(b->run_dir);
        free(b->log_dir);
        free(b->monitor_path);
        return mfree(b);
}

const char *berth_get_root(const berth *b) {
        return b ? b->root : NULL;
}

const char *berth_get_containers_dir(const berth *b) {
        return b ? b->containers_dir : NULL;
}

const char *berth_get_run_dir(const berth *b) {
        return b ? b->run_dir : NULL;
}

const char *berth_get_log_dir(const berth *b) {
        return b ? b->log_dir : NULL;
}

static char *find_monitor(void) {
        const char *e = getenv("BERTH_MONITOR");
        if (!isempty(e))
                return strdup(e);

        /* Running from the build tree: berthd/berthctl sit next to berth-monitor. */
        char exe[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
        if (n > 0) {
                exe[n] = 0;
                char *slash = strrchr(exe, '/');
                if (slash) {
                        char *p;
                        *slash = 0;
                        if (asprintf(&p, "%s/berth-monitor", exe) < 0)
                                return NULL;
                        if (access(p, X_OK) >= 0)
                                return p;
                        free(p);
                }
        }
        return strdup(BERTH_LIBEXECDIR "/berth-monitor");
}

const char *berth_get_monitor_path(const berth *b) {
        if (!b)
                return NULL;
        if (!b->monitor_path)
                ((berth *) b)->monitor_path = find_monitor(); /* lazily cached; NULL only on OOM */
        return b->monitor_path;
}

int berth_set_monitor_path(berth *b, const char *path) {
        char *p = NULL;

        if (!b)
                return -EINVAL;
        if (path) {
                p = strdup(path);
                if (!p)
                        return -ENOMEM;
        }
        free(b->monitor_path);
        b->monitor_path = p;
        return 0;
}

static bool char_is_alnum(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

bool berth_name_is_valid(const char *name) {
        size_t n = 0;

        /* Names become path components, cgroup names and D-Bus object path parts: keep them boring. */
        if (!name || !char_is_alnum(*name))
                return false;
        for (const char *p = name; *p; p++, n++)
                if (n >= 64 || !(char_is_alnum(*p) || *p == '_' || *p == '.' || *p == '-'))
                        return false;
        return true;
}

static const char *const state_table[_BERTH_STATE_MAX] = {
        [BERTH_STATE_STOPPED] = "STOPPED",   [BERTH_STATE_STARTING] = "STARTING",
        [BERTH_STATE_RUNNING] = "RUNNING",   [BERTH_STATE_STOPPING] = "STOPPING",
        [BERTH_STATE_ABORTING] = "ABORTING", [BERTH_STATE_FREEZING] = "FREEZING",
        [BERTH_STATE_FROZEN] = "FROZEN",
};

const char *berth_state_to_string(berth_state s) {
        if ((unsigned) s >= _BERTH_STATE_MAX)
                return NULL;
        return state_table[s];
}

int berth_state_from_string(const char *s) {
        if (!s)
                return -EINVAL;
        for (int i = 0; i < _BERTH_STATE_MAX; i++)
                if (streq(state_table[i], s))
                        return i;
        return -EINVAL;
}

/* ---- definitions ---- */

static int container_file(berth *b, const char *name, const char *file, char **ret) {
        char *p;

        if (!b || !berth_name_is_valid(name))
                return -EINVAL;
        if (asprintf(&p, "%s/%s%s%s", b->containers_dir, name, file ? "/" : "", strempty(file)) < 0)
                return -ENOMEM;
        *ret = p;
        return 0;
}

bool berth_container_exists(berth *b, const char *name) {
        _cleanup_free_ char *p = NULL;

        if (container_file(b, name, "config", &p) < 0)
                return false;
        return access(p, F_OK) >= 0;
}

int berth_container_default_rootfs(berth *b, const char *name, char **ret_path) {
        if (!ret_path)
                return -EINVAL;
        return container_file(b, name, "rootfs", ret_path);
}

/* A definition that cannot be stored says where (the caller only sees *ret_error over D-Bus). */
_printf_(3, 4) static int define_error(char **ret_error, int r, const char *fmt, ...) {
        if (ret_error) {
                _cleanup_free_ char *what = NULL;
                va_list ap;
                va_start(ap, fmt);
                int k = vasprintf(&what, fmt, ap);
                va_end(ap);
                if (k >= 0 && asprintf(ret_error, "%s: %s", what, strerror(-r)) < 0)
                        *ret_error = NULL;
        }
        return r;
}

int berth_container_define(berth *b, const char *name, const char *config_text, uid_t owner, char **ret_error) {
        _cleanup_(berth_config_freep) BerthConfig *c = NULL;
        _cleanup_(berth_config_diag_done) BerthConfigDiag diag = {};
        _cleanup_free_ char *dir = NULL, *config_path = NULL, *owner_path = NULL;
        char owner_buf[32];
        int r;

        if (!b || !config_text)
                return -EINVAL;
        if (!berth_name_is_valid(name)) {
                char *e;
                if (ret_error && asprintf(&e, "invalid container name '%s'", strempty(name)) >= 0)
                        *ret_error = e;
                return -EINVAL;
        }
        if (berth_container_exists(b, name))
                return -EEXIST;

        r = container_file(b, name, NULL, &dir);
        if (r < 0)
                return r;
        r = container_file(b, name, "config", &config_path);
        if (r < 0)
                return r;
        r = container_file(b, name, "owner", &owner_path);
        if (r < 0)
                return r;

        /* Parse everything before touching the disk. Errors say "config:LINE" (the caller's text, not our
         * copy of it); relative includes resolve against the directory it will be stored in. */
        r = berth_config_new(&c);
        if (r < 0)
                return r;
        r = berth_config_load_string_at(c, config_text, "config", dir, &diag);
        if (r < 0 || strv_length(diag.errors) > 0) {
                if (ret_error) {
                        char *e = diag.errors ? strv_join(diag.errors, "\n") : strdup("invalid configuration");
                        if (e)
                                *ret_error = e;
                }
                return -EINVAL;
        }

        r = mkdir_p(b->containers_dir, 0755);
        if (r < 0)
                return define_error(ret_error, r, "Cannot create %s", b->containers_dir);
        if (mkdir(dir, 0700) < 0) /* EEXIST when defined concurrently */
                return define_error(ret_error, -errno, "Cannot create %s", dir);

        r = write_file_atomic(config_path, config_text, strlen(config_text), 0600);
        if (r >= 0) {
                snprintf(owner_buf, sizeof owner_buf, "%u\n", (unsigned) owner);
                r = write_file_atomic(owner_path, owner_buf, strlen(owner_buf), 0600);
        }
        if (r < 0) {
                (void) rm_rf(dir);
                return define_error(ret_error, r, "Cannot write the definition in %s", dir);
        }
        return 0;
}

/* Someone holds the run-dir lock: a monitor is starting, running or still tearing down. */
bool berth_container_lock_held(berth *b, const char *name) {
        _cleanup_free_ char *p = NULL;
        _cleanup_close_ int fd = -EBADF;

        if (asprintf(&p, "%s/%s/lock", b->run_dir, name) < 0)
                return false;
        fd = open(p, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return false;
        if (flock(fd, LOCK_SH | LOCK_NB) < 0)
                return errno == EWOULDBLOCK;
        (void) flock(fd, LOCK_UN);
        return false;
}

int berth_container_undefine(berth *b, const char *name) {
        _cleanup_free_ char *dir = NULL, *logdir = NULL;
        berth_state state;
        int r;

        if (!b || !berth_name_is_valid(name))
                return -EINVAL;
        if (!berth_container_exists(b, name))
                return -ENOENT;

        r = berth_container_get_state(b, name, &state, NULL);
        if (r >= 0 && state != BERTH_STATE_STOPPED)
                return -EBUSY;
        if (berth_container_lock_held(b, name))
                return -EBUSY;

        r = container_file(b, name, NULL, &dir);
        if (r < 0)
                return r;
        /* The config goes first so a half-removed directory never counts as defined. */
        _cleanup_free_ char *config_path = NULL;
        r = container_file(b, name, "config", &config_path);
        if (r < 0)
                return r;
        if (unlink(config_path) < 0 && errno != ENOENT)
                return -errno;
        r = rm_rf(dir);
        if (r < 0)
                return r;

        /* A later container of the same name must not inherit this one's logs. */
        if (asprintf(&logdir, "%s/%s", b->log_dir, name) >= 0)
                (void) rm_rf(logdir);
        return 0;
}

static int cmp_str(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

int berth_container_list(berth *b, char ***ret_names) {
        _cleanup_strv_free_ char **l = NULL;
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        int r;

        if (!b || !ret_names)
                return -EINVAL;

        d = opendir(b->containers_dir);
        if (!d && errno != ENOENT)
                return -errno;
        while (d && (de = readdir(d))) {
                if (!berth_name_is_valid(de->d_name) || !berth_container_exists(b, de->d_name))
                        continue;
                r = strv_extend(&l, de->d_name);
                if (r < 0)
                        return r;
        }
        if (!l) {
                l = calloc(1, sizeof(char *));
                if (!l)
                        return -ENOMEM;
        }
        qsort(l, strv_length(l), sizeof(char *), cmp_str);
        *ret_names = TAKE_PTR(l);
        return (int) strv_length(*ret_names);
}

int berth_container_get_owner(berth *b, const char *name, uid_t *ret_uid) {
        _cleanup_free_ char *p = NULL, *s = NULL;
        char *end;
        int r;

        r = container_file(b, name, "owner", &p);
        if (r < 0)
                return r;
        r = read_full_file(p, &s, NULL);
        if (r < 0)
                return r;
        errno = 0;
        unsigned long v = strtoul(s, &end, 10);
        if (errno != 0 || end == s || (*end && *end != '\n') || v > (uid_t) -2)
                return -EBADMSG;
        if (ret_uid)
                *ret_uid = (uid_t) v;
        return 0;
}

int berth_container_get_config_text(berth *b, const char *name, char **ret_text) {
        _cleanup_free_ char *p = NULL;
        int r;

        if (!ret_text)
                return -EINVAL;
        r = container_file(b, name, "config", &p);
        if (r < 0)
                return r;
        return read_full_file(p, ret_text, NULL);
}

/* ---- discovery ---- */

static bool probe_always(void) {
        return true;
}

/* One row per API extension; later issues add rows whose probe checks the kernel/host. */
static const struct {
        const char *name;
        bool (*probe)(void);
} extension_table[] = {
        { "lxc_config_item_is_supported", probe_always },
        { "console_log", probe_always },
        { "reboot2", probe_always }, /* berth-monitor's Reboot: pidfd signals and a restart in place */
        { "mount_injection", mount_inject_supported },
        { "mount_injection_file", mount_inject_supported }, /* same mechanism: open_tree() takes files too */
        { "seccomp_allow_nesting", seccomp_supported },
        { "seccomp_notify", seccomp_notify_supported }, /* monitor-seccomp.c, service/container-seccomp.c */
};

const char *const *berth_api_extensions(void) {
        static const char *list[ELEMENTSOF(extension_table) + 1];
        static bool done;

        if (!done) {
                size_t n = 0;
                for (size_t i = 0; i < ELEMENTSOF(extension_table); i++)
                        if (extension_table[i].probe())
                                list[n++] = extension_table[i].name;
                list[n] = NULL;
                done = true;
        }
        return list;
}

bool berth_has_api_extension(const char *extension) {
        if (!extension)
                return false;
        for (const char *const *e = berth_api_extensions(); *e; e++)
                if (streq(*e, extension))
                        return true;
        return false;
}
