/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "log/log.h"
#include "util/fd-util.h"
#include "util/fileio.h"

static int log_max_level = LOG_INFO;
static LogTarget log_target = LOG_TARGET_STDERR;
static int log_file_fd = -EBADF;
static char log_prefix[64];
static char log_container[128];
static bool log_stderr_chain = false;
static int log_syslog_facility = -1; /* >= 0: the extra syslog target of log_open_syslog() is open */
static char log_syslog_ident[128];   /* openlog() keeps the pointer: it must outlive the call */

void log_set_max_level(int level) {
        log_max_level = level;
}
int log_get_max_level(void) {
        return log_max_level;
}
void log_set_target(LogTarget target) {
        log_target = target;
        if (target == LOG_TARGET_SYSLOG)
                openlog(log_prefix[0] ? log_prefix : NULL, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}
LogTarget log_get_target(void) {
        return log_target;
}
void log_set_prefix(const char *prefix) {
        snprintf(log_prefix, sizeof log_prefix, "%s", strempty(prefix));
}
const char *log_get_prefix(void) {
        return log_prefix;
}

int log_open_file(const char *path) {
        const char *slash = path ? strrchr(path, '/') : NULL;
        if (isempty(path))
                return -EINVAL;
        if (slash && slash != path) {
                /* LXC creates the parents of a log file (lxc.log.file, lxc_log_init's file) 0755. */
                _cleanup_free_ char *dir = strndup(path, (size_t) (slash - path));
                if (!dir)
                        return -ENOMEM;
                int r = mkdir_p(dir, 0755);
                if (r < 0)
                        return r;
        }
        int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY, 0640);
        if (fd < 0)
                return -errno;
        fd = fd_move_above_stdio(fd);
        if (fd < 0)
                return fd;
        log_set_file_fd(fd);
        return 0;
}

void log_set_file_fd(int fd) {
        safe_close(log_file_fd);
        log_file_fd = fd;
        log_target = LOG_TARGET_FILE;
}
int log_get_file_fd(void) {
        return log_file_fd;
}
void log_close(void) {
        log_file_fd = safe_close(log_file_fd);
        if (log_target == LOG_TARGET_FILE)
                log_target = LOG_TARGET_STDERR;
        log_close_syslog();
}

void log_set_container(const char *name) {
        snprintf(log_container, sizeof log_container, "%s", strempty(name));
}

void log_set_stderr_chain(bool enable) {
        log_stderr_chain = enable;
}

static const char *const facility_names[] = {
        "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7",
};

int log_syslog_facility_from_string(const char *s) {
        if (isempty(s))
                return -EINVAL;
        if (strcasecmp(s, "daemon") == 0)
                return LOG_DAEMON;
        for (size_t i = 0; i < ELEMENTSOF(facility_names); i++)
                if (strcasecmp(s, facility_names[i]) == 0)
                        return LOG_LOCAL0 + (int) i * (LOG_LOCAL1 - LOG_LOCAL0);
        return -EINVAL;
}

const char *log_syslog_facility_to_string(int facility) {
        if (facility == LOG_DAEMON)
                return "daemon";
        for (size_t i = 0; i < ELEMENTSOF(facility_names); i++)
                if (facility == LOG_LOCAL0 + (int) i * (LOG_LOCAL1 - LOG_LOCAL0))
                        return facility_names[i];
        return NULL;
}

int log_open_syslog(const char *facility_name, const char *ident) {
        int facility = log_syslog_facility_from_string(facility_name);
        if (facility < 0)
                return facility;
        snprintf(log_syslog_ident, sizeof log_syslog_ident, "%s", strempty(ident));
        /* No LOG_NDELAY: the socket is connected at the first message, so opening never fails. */
        openlog(log_syslog_ident[0] ? log_syslog_ident : NULL, LOG_PID, facility);
        log_syslog_facility = facility;
        return 0;
}

void log_close_syslog(void) {
        if (log_syslog_facility < 0)
                return;
        log_syslog_facility = -1;
        if (log_target != LOG_TARGET_SYSLOG)
                closelog();
}

static const struct {
        const char *lxc, *syslog;
        int level;
} level_table[] = {
        /* LXC's 0..8 scale maps onto syslog's; TRACE and DEBUG both become LOG_DEBUG. */
        { "TRACE", "trace", LOG_DEBUG },  { "DEBUG", "debug", LOG_DEBUG },      { "INFO", "info", LOG_INFO },
        { "NOTICE", "notice", LOG_NOTICE }, { "WARN", "warning", LOG_WARNING }, { "ERROR", "err", LOG_ERR },
        { "CRIT", "crit", LOG_CRIT },     { "ALERT", "alert", LOG_ALERT },      { "FATAL", "emerg", LOG_EMERG },
};

int log_level_from_string(const char *s) {
        if (isempty(s))
                return -EINVAL;
        if (isdigit((unsigned char) s[0]) && s[1] == 0) {
                unsigned n = (unsigned) (s[0] - '0');
                return n < ELEMENTSOF(level_table) ? level_table[n].level : -EINVAL;
        }
        for (size_t i = 0; i < ELEMENTSOF(level_table); i++)
                if (strcasecmp(s, level_table[i].lxc) == 0 || strcasecmp(s, level_table[i].syslog) == 0)
                        return level_table[i].level;
        if (strcasecmp(s, "WARNING") == 0)
                return LOG_WARNING;
        if (strcasecmp(s, "ERR") == 0)
                return LOG_ERR;
        if (strcasecmp(s, "EMERG") == 0)
                return LOG_EMERG;
        return -EINVAL;
}

const char *log_level_to_string(int level) {
        static const char *const names[] = {
                [LOG_EMERG] = "emerg", [LOG_ALERT] = "alert",   [LOG_CRIT] = "crit", [LOG_ERR] = "err",
                [LOG_WARNING] = "warning", [LOG_NOTICE] = "notice", [LOG_INFO] = "info", [LOG_DEBUG] = "debug",
        };
        if (level < 0 || level >= (int) ELEMENTSOF(names))
                return NULL;
        return names[level];
}

/* TRACE is folded into DEBUG: both are LOG_DEBUG. */
const char *log_level_to_lxc_string(int level) {
        static const char *const names[] = {
                [LOG_EMERG] = "FATAL", [LOG_ALERT] = "ALERT",  [LOG_CRIT] = "CRIT",   [LOG_ERR] = "ERROR",
                [LOG_WARNING] = "WARN", [LOG_NOTICE] = "NOTICE", [LOG_INFO] = "INFO", [LOG_DEBUG] = "DEBUG",
        };
        return level >= 0 && level < (int) ELEMENTSOF(names) ? names[level] : NULL;
}

static const char *const target_names[_LOG_TARGET_MAX] = {
        [LOG_TARGET_STDERR] = "console",
        [LOG_TARGET_FILE] = "file",
        [LOG_TARGET_SYSLOG] = "syslog",
        [LOG_TARGET_NULL] = "null",
};

const char *log_target_to_string(LogTarget t) {
        return t >= 0 && t < _LOG_TARGET_MAX ? target_names[t] : NULL;
}

int log_target_from_string(const char *s) {
        for (int i = 0; i < _LOG_TARGET_MAX; i++)
                if (streq(s, target_names[i]))
                        return i;
        return -EINVAL;
}

/* UTC timestamp without gmtime(): gmtime takes locks that can deadlock after fork in threaded callers. */
static void format_timestamp_utc(char *buf, size_t n) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        long long days = ts.tv_sec / 86400, secs = ts.tv_sec % 86400;
        /* Howard Hinnant's civil_from_days. */
        long long z = days + 719468;
        long long era = (z >= 0 ? z : z - 146096) / 146097;
        unsigned doe = (unsigned) (z - era * 146097);
        unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        long long y = (long long) yoe + era * 400;
        unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        unsigned mp = (5 * doy + 2) / 153;
        unsigned d = doy - (153 * mp + 2) / 5 + 1;
        unsigned m = mp < 10 ? mp + 3 : mp - 9;
        y += m <= 2;
        snprintf(buf, n, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%03ldZ", y, m, d, secs / 3600, (secs / 60) % 60,
                 secs % 60, ts.tv_nsec / 1000000);
}

static const char *file_basename(const char *file) {
        const char *slash = file ? strrchr(file, '/') : NULL;
        return slash ? slash + 1 : strempty(file);
}

/* Append s to buf (size n, used *k), escaping newlines so that an event stays one line. */
static void append_escaped(char *buf, size_t n, size_t *k, const char *s) {
        for (; *s && *k + 2 < n; s++) {
                if (*s == '\n' && s[1] == 0)
                        break; /* a trailing newline is just dropped */
                if (*s == '\n') {
                        buf[(*k)++] = '\\';
                        buf[(*k)++] = 'n';
                } else
                        buf[(*k)++] = *s;
        }
}

static void write_file_line(int fd, int level, const char *file, int line, const char *func, const char *msg) {
        char buf[4096 + 512], ts[64];
        size_t k;

        format_timestamp_utc(ts, sizeof ts);
        int h = snprintf(buf, sizeof buf, "%s%s%s%s%s %s %s:%s:%d - ", log_prefix, log_prefix[0] ? " " : "",
                         log_container, log_container[0] ? " " : "", ts, log_level_to_lxc_string(level) ?: "NOTSET",
                         file_basename(file), strempty(func), line);
        k = h < 0 ? 0 : MIN((size_t) h, sizeof buf - 2);
        append_escaped(buf, sizeof buf, &k, msg);
        buf[k++] = '\n'; /* always room: append_escaped leaves two bytes */
        (void) loop_write(fd, buf, k);
}

/* LXC's stderr appender format. */
static void write_stderr_chain(const char *file, int line, const char *func, const char *msg) {
        char buf[4096 + 512];
        int k = snprintf(buf, sizeof buf, "%s%s%s%s%s: %s: %d %s", log_prefix, log_prefix[0] ? ": " : "",
                         log_container, log_container[0] ? ": " : "", file_basename(file), strempty(func), line,
                         msg);
        if (k < 0)
                return;
        if (k > (int) sizeof buf - 2)
                k = (int) sizeof buf - 2;
        if (k == 0 || buf[k - 1] != '\n')
                buf[k++] = '\n';
        (void) loop_write(STDERR_FILENO, buf, (size_t) k);
}

int log_internalv(int level, int error, const char *file, int line, const char *func, const char *fmt,
                  va_list ap) {
        int saved = errno;
        if (error < 0)
                error = -error;

        /* The sinks: the target, plus LXC's chained stderr appender (>= ERROR only) and the extra syslog
         * target of lxc.log.syslog. The level filters all of them, as LXC's category priority does. */
        bool to_file = log_target == LOG_TARGET_FILE && log_file_fd >= 0;
        bool to_stderr = log_target == LOG_TARGET_STDERR || (log_target == LOG_TARGET_FILE && log_file_fd < 0);
        bool to_chain = log_stderr_chain && !to_stderr && level <= LOG_ERR;
        bool to_syslog = log_target == LOG_TARGET_SYSLOG || log_syslog_facility >= 0;

        if (level > log_max_level || !(to_file || to_stderr || to_chain || to_syslog)) {
                errno = saved;
                return -error;
        }

        char msg[4096];
        errno = error;
        vsnprintf(msg, sizeof msg, fmt, ap);

        if (to_syslog) {
                if (log_syslog_facility >= 0)
                        syslog(log_syslog_facility | level, "%s", msg);
                else
                        syslog(level, "%s", msg);
        }
        if (to_file)
                write_file_line(log_file_fd, level, file, line, func, msg);
        if (to_chain)
                write_stderr_chain(file, line, func, msg);
        if (to_stderr) {
                char line_buf[4096 + 256];
                int k = snprintf(line_buf, sizeof line_buf, "%s%s%s\n", log_prefix, log_prefix[0] ? ": " : "",
                                 msg);
                if (k > (int) sizeof line_buf - 1)
                        k = sizeof line_buf - 1;
                if (k > 0)
                        (void) loop_write(STDERR_FILENO, line_buf, (size_t) k);
        }
        errno = saved;
        return -error;
}

int log_internal(int level, int error, const char *file, int line, const char *func, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        int r = log_internalv(level, error, file, line, func, fmt, ap);
        va_end(ap);
        return r;
}
