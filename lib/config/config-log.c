/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lxc.log.syslog: the syslog facility the monitor also logs to (log_open_syslog()). lxc.log.file and
 * lxc.log.level live in config-keys.c. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config/config-log.h"
#include "log/log.h"

int config_set_log_syslog(BerthConfig *c, const char *key, const char *value, ConfigSetContext *ctx) {
        int facility = log_syslog_facility_from_string(value);
        if (facility < 0)
                return config_fail(ctx, -EINVAL, "must be daemon or local0..local7");
        /* Stored in canonical (lower-case) form, so get and to_string write back what LXC accepts. */
        return config_set_string(&c->log_syslog, log_syslog_facility_to_string(facility));
}

int config_get_log_syslog(const BerthConfig *c, const char *key, char **ret) {
        return config_get_string(c->log_syslog, ret);
}

int config_clear_log_syslog(BerthConfig *c, const char *key) {
        c->log_syslog = mfree(c->log_syslog);
        return 0;
}
