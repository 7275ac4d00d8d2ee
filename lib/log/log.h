/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <syslog.h>

#include "util/macro.h"

/* Levels are syslog's (LOG_ERR .. LOG_DEBUG). The LXC names map onto them in log_level_from_string(). */

typedef enum LogTarget {
        LOG_TARGET_STDERR,
        LOG_TARGET_FILE,    /* log_open_file() */
        LOG_TARGET_SYSLOG,
        LOG_TARGET_NULL,
        _LOG_TARGET_MAX,
} LogTarget;

void log_set_max_level(int level);
int log_get_max_level(void);
void log_set_target(LogTarget target);
LogTarget log_get_target(void);
/* Prefix printed before each message, e.g. the program name and container. */
void log_set_prefix(const char *prefix);
const char *log_get_prefix(void);
/* Open (append, 0640, O_CLOEXEC, fd above 2) a log file and make it the target; missing parent
 * directories are created 0755, as LXC does for lxc.log.file. Each event is one line:
 * "[<prefix> ][<container> ]<YYYY-MM-DDThh:mm:ss.mmmZ> <LEVEL> <file>:<func>:<line> - <msg>", UTC,
 * LEVEL one of DEBUG INFO NOTICE WARN ERROR CRIT ALERT FATAL, newlines in msg escaped as "\n". */
int log_open_file(const char *path);
/* Use an already open fd as the file target (taken over). */
void log_set_file_fd(int fd);
int log_get_file_fd(void);
/* Closes the file target (target back to stderr) and the extra syslog target of log_open_syslog(). */
void log_close(void);

/* Container name written in every file line and in the chained stderr lines (NULL or "" = none). */
void log_set_container(const char *name);
/* LXC's chained stderr appender: when the target is not stderr, events at LOG_ERR or worse are also
 * printed to stderr as "<prefix>: [<container>: ]<file>: <func>: <line> <msg>". */
void log_set_stderr_chain(bool enable);
/* An extra syslog target, in addition to the file (lxc.log.syslog): openlog(ident, LOG_PID, facility)
 * and every event that passes the level is also sent there. facility_name is "daemon" or
 * "local0".."local7" (case-insensitive); anything else is -EINVAL and changes nothing. ident is copied
 * (e.g. "berth-<name>"); NULL uses the program name. */
int log_open_syslog(const char *facility_name, const char *ident);
void log_close_syslog(void);
/* "daemon" → LOG_DAEMON, "local0".."local7" → LOG_LOCAL0..7, else -EINVAL. And back (NULL if none). */
int log_syslog_facility_from_string(const char *s);
const char *log_syslog_facility_to_string(int facility);

/* "TRACE".."FATAL" (LXC), "debug".."emerg" (syslog) or "0".."8" (LXC numbers). */
int log_level_from_string(const char *s);
const char *log_level_to_string(int level);
/* LXC's name of a level (FATAL ALERT CRIT ERROR WARN NOTICE INFO DEBUG), as log files and lxc.log.level
 * write it; NULL if none. */
const char *log_level_to_lxc_string(int level);
const char *log_target_to_string(LogTarget t);
int log_target_from_string(const char *s);

/* Returns -abs(error); error may be 0 for a plain message. errno is set to abs(error) for %m. */
int log_internal(int level, int error, const char *file, int line, const char *func, const char *fmt, ...)
        _printf_(6, 7);
int log_internalv(int level, int error, const char *file, int line, const char *func, const char *fmt,
                  va_list ap) _printf_(6, 0);

#define log_full_errno(level, error, ...) \
        log_internal((level), (error), __FILE__, __LINE__, __func__, __VA_ARGS__)
#define log_full(level, ...) (void) log_full_errno((level), 0, __VA_ARGS__)

#define log_debug(...) log_full(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_full(LOG_INFO, __VA_ARGS__)
#define log_notice(...) log_full(LOG_NOTICE, __VA_ARGS__)
#define log_warning(...) log_full(LOG_WARNING, __VA_ARGS__)
#define log_error(...) log_full(LOG_ERR, __VA_ARGS__)

#define log_debug_errno(error, ...) log_full_errno(LOG_DEBUG, error, __VA_ARGS__)
#define log_info_errno(error, ...) log_full_errno(LOG_INFO, error, __VA_ARGS__)
#define log_notice_errno(error, ...) log_full_errno(LOG_NOTICE, error, __VA_ARGS__)
#define log_warning_errno(error, ...) log_full_errno(LOG_WARNING, error, __VA_ARGS__)
#define log_error_errno(error, ...) log_full_errno(LOG_ERR, error, __VA_ARGS__)

#define log_oom() log_error_errno(ENOMEM, "Out of memory.")
