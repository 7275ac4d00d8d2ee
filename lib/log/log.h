/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdarg.h>
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
/* Open (append, 0640, O_CLOEXEC) a log file and make it the target. */
int log_open_file(const char *path);
/* Use an already open fd as the file target (taken over). */
void log_set_file_fd(int fd);
int log_get_file_fd(void);
void log_close(void);

/* "TRACE".."FATAL" (LXC), "debug".."emerg" (syslog) or "0".."8" (LXC numbers). */
int log_level_from_string(const char *s);
const char *log_level_to_string(int level);
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
