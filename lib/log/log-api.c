/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth_log_init()/berth_log_close(): LXC's lxc_log_init() semantics on top of log.c. The public API is
 * process-global, like LXC's: a library user (or a test) calls it once to get a log file for everything
 * libberth does in this process. */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "berth-build.h"
#include "berth.h"
#include "log/log.h"

/* LXC_LOG_PREFIX_SIZE is 32: 31 characters and the NUL. */
#define BERTH_LOG_PREFIX_MAX 31

static bool api_initialized;
static bool api_opened_file;
/* What was in place before berth_log_init(), for berth_log_close(). */
static LogTarget saved_target;
static int saved_level;
static char saved_prefix[64];

/* LXC maps an unknown level to NOTSET, which inherits the root category's ERROR: the same as ERROR. */
static int parse_level(const char *s) {
        int l = s ? log_level_from_string(s) : -EINVAL;
        return l < 0 ? LOG_ERR : l;
}

static int default_path(const struct berth_log *log, char **ret) {
        const char *base = !isempty(log->lxcpath) ? log->lxcpath : BERTH_LOGDIR;
        char *p;
        if (asprintf(&p, "%s/%s/%s.log", base, log->name, log->name) < 0)
                return -ENOMEM;
        *ret = p;
        return 0;
}

int berth_log_init(const struct berth_log *log) {
        char prefix[BERTH_LOG_PREFIX_MAX + 1];
        int r;

        if (!log)
                return -EINVAL;
        if (api_initialized) {
                /* As LXC: not an error, the first configuration wins; errno tells a caller who cares. */
                log_debug("berth_log_init: logging is already initialised, keeping it");
                errno = EOPNOTSUPP;
                return 0;
        }
        if (log->file && isempty(log->file))
                return -EINVAL;

        LogTarget old_target = log_get_target();
        int old_level = log_get_max_level();
        char old_prefix[sizeof saved_prefix];
        snprintf(old_prefix, sizeof old_prefix, "%s", log_get_prefix());
        bool opened = false;

        /* Open the file first: an explicit file that cannot be opened fails and changes nothing. */
        if (log->file && !streq(log->file, "none")) {
                r = log_open_file(log->file);
                if (r < 0)
                        return r;
                opened = true;
        } else if (!log->file && !isempty(log->name)) {
                _cleanup_free_ char *path = NULL;
                r = default_path(log, &path);
                if (r < 0)
                        return r;
                /* Best effort, as LXC: the default location may not be writable (not root). */
                opened = log_open_file(path) >= 0;
        }
        if (!opened)
                log_set_target(LOG_TARGET_NULL);

        snprintf(prefix, sizeof prefix, "%s", log->prefix ?: "berth");
        log_set_prefix(prefix);
        log_set_container(log->name);
        log_set_max_level(parse_level(log->level));
        log_set_stderr_chain(!log->quiet);

        saved_target = old_target;
        saved_level = old_level;
        memcpy(saved_prefix, old_prefix, sizeof saved_prefix);
        api_opened_file = opened;
        api_initialized = true;
        return 0;
}

void berth_log_close(void) {
        if (!api_initialized)
                return;
        if (api_opened_file) {
                /* Our fd replaced any earlier file target, so that one cannot come back. Only the file
                 * is closed: an lxc.log.syslog target opened by the monitor stays. */
                log_set_file_fd(-EBADF);
                if (saved_target == LOG_TARGET_FILE)
                        saved_target = LOG_TARGET_STDERR;
        }
        log_set_target(saved_target);
        log_set_max_level(saved_level);
        log_set_prefix(saved_prefix);
        log_set_container(NULL);
        log_set_stderr_chain(false);
        api_opened_file = false;
        api_initialized = false;
}
