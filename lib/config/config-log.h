/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* config-log.c: lxc.log.syslog (the table row in config-keys.c uses EXT_KEY). */

#include "config/config-internal.h"

int config_set_log_syslog(BerthConfig *c, const char *key, const char *value, ConfigSetContext *ctx);
int config_get_log_syslog(const BerthConfig *c, const char *key, char **ret);
int config_clear_log_syslog(BerthConfig *c, const char *key);
