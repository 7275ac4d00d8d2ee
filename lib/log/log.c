/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
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

static int log_max_level = LOG_INFO;
static LogTarget log_target = LOG_TARGET_STDERR;
static int log_file_fd = -EBADF;
static char log_prefix[64];

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

int log_open_file(const char *path) {
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

int log_internalv(int level, int error, const char *file, int line, const char *func, const char *fmt,
                  va_list ap) {
        int saved = errno;
        if (error < 0)
                error = -error;

        if (level > log_max_level || log_target == LOG_TARGET_NULL) {
                errno = saved;
                return -error;
        }

        char msg[4096];
        errno = error;
        vsnprintf(msg, sizeof msg, fmt, ap);

        if (log_target == LOG_TARGET_SYSLOG) {
                syslog(level, "%s", msg);
        } else {
                char line_buf[4096 + 256];
                int k;
                if (log_target == LOG_TARGET_FILE) {
                        char ts[96];
                        format_timestamp_utc(ts, sizeof ts);
                        k = snprintf(line_buf, sizeof line_buf, "%s %s%s%-7s %s:%d %s\n", ts, log_prefix,
                                     log_prefix[0] ? " " : "", strempty(log_level_to_string(level)), file, line,
                                     msg);
                } else
                        k = snprintf(line_buf, sizeof line_buf, "%s%s%s\n", log_prefix, log_prefix[0] ? ": " : "",
                                     msg);
                if (k > (int) sizeof line_buf - 1)
                        k = sizeof line_buf - 1;
                int fd = log_target == LOG_TARGET_FILE && log_file_fd >= 0 ? log_file_fd : STDERR_FILENO;
                (void) loop_write(fd, line_buf, (size_t) k);
        }
        (void) func;
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
