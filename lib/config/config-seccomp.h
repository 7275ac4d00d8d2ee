/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* config-seccomp.c: lxc.seccomp.profile, lxc.seccomp.notify.proxy and lxc.seccomp.notify.cookie (the
 * table rows in config-keys.c use EXT_KEY; lxc.seccomp.allow_nesting is a plain 0|1 key there). */

#include "config/config-internal.h"

CONFIG_DECLARE_KEY(seccomp_profile);
CONFIG_DECLARE_KEY(seccomp_notify_proxy);
CONFIG_DECLARE_KEY(seccomp_notify_cookie);
