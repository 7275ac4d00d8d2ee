/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* org.berth1.Container.Mount / Umount (issue 4): arguments checked here, before polkit, so a malformed
 * request never reaches an authorization prompt; polkit org.berth1.mount with details container, verb,
 * source, target; the mount itself is done by the container's monitor (lib/mount/mount-inject.h). */

#include <systemd/sd-bus.h>

int method_mount(sd_bus_message *message, void *userdata, sd_bus_error *error);
int method_umount(sd_bus_message *message, void *userdata, sd_bus_error *error);
