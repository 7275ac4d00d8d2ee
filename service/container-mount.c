/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Mount and Umount on a running container. berthd checks the arguments (cheap, and before polkit so a
 * caller learns about a typo without an authorization prompt), asks polkit with the source and target as
 * details (so a rule can allow exactly one host directory into one container), and lets the monitor do the
 * mount with the new mount API (it is root and holds the init pidfd). The source path is opened by root:
 * only a caller polkit allows org.berth1.mount for may name host paths. */

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "util/path-util.h"
#include "bus-util.h"
#include "container-dbus.h"
#include "container-lifecycle.h"
#include "container-mount.h"
#include "errors.h"
#include "log/log.h"
#include "manager-dbus.h"
#include "util/escape.h"
#include "util/macro.h"

#define MOUNT_FLAGS_ALLOWED ((uint64_t) (MS_BIND | MS_REC | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC))
#define UMOUNT_FLAGS_ALLOWED ((uint64_t) (MNT_FORCE | MNT_DETACH | MNT_EXPIRE | UMOUNT_NOFOLLOW))

typedef struct FlagName {
        uint64_t flag;
        const char *name;
} FlagName;

/* Names of the MS_* bits a caller might plausibly try, so the error says "MS_MOVE", not "0x2000". */
static const FlagName mount_flag_names[] = {
        {MS_RDONLY, "MS_RDONLY"},
        {MS_NOSUID, "MS_NOSUID"},
        {MS_NODEV, "MS_NODEV"},
        {MS_NOEXEC, "MS_NOEXEC"},
        {MS_SYNCHRONOUS, "MS_SYNCHRONOUS"},
        {MS_REMOUNT, "MS_REMOUNT"},
        {MS_MANDLOCK, "MS_MANDLOCK"},
        {MS_DIRSYNC, "MS_DIRSYNC"},
        {MS_NOSYMFOLLOW, "MS_NOSYMFOLLOW"},
        {MS_NOATIME, "MS_NOATIME"},
        {MS_NODIRATIME, "MS_NODIRATIME"},
        {MS_BIND, "MS_BIND"},
        {MS_MOVE, "MS_MOVE"},
        {MS_REC, "MS_REC"},
        {MS_SILENT, "MS_SILENT"},
        {MS_POSIXACL, "MS_POSIXACL"},
        {MS_UNBINDABLE, "MS_UNBINDABLE"},
        {MS_PRIVATE, "MS_PRIVATE"},
        {MS_SLAVE, "MS_SLAVE"},
        {MS_SHARED, "MS_SHARED"},
        {MS_RELATIME, "MS_RELATIME"},
        {MS_KERNMOUNT, "MS_KERNMOUNT"},
        {MS_I_VERSION, "MS_I_VERSION"},
        {MS_STRICTATIME, "MS_STRICTATIME"},
        {MS_LAZYTIME, "MS_LAZYTIME"},
        {MS_ACTIVE, "MS_ACTIVE"},
        {MS_NOUSER, "MS_NOUSER"},
        {},
};

static const FlagName umount_flag_names[] = {
        {MNT_FORCE, "MNT_FORCE"},
        {MNT_DETACH, "MNT_DETACH"},
        {MNT_EXPIRE, "MNT_EXPIRE"},
        {UMOUNT_NOFOLLOW, "UMOUNT_NOFOLLOW"},
        {},
};

/* "MS_MOVE|MS_SHARED|0x100000000" for the bits of flags outside allowed; NULL on OOM. */
static char *format_bad_flags(uint64_t flags, uint64_t allowed, const FlagName *names) {
        uint64_t bad = flags & ~allowed;
        char *s = NULL;
        size_t n = 0;
        FILE *f;

        f = open_memstream(&s, &n);
        if (!f)
                return NULL;
        for (unsigned bit = 0; bit < 64; bit++) {
                uint64_t b = UINT64_C(1) << bit;
                const char *name = NULL;

                if (!(bad & b))
                        continue;
                for (const FlagName *i = names; i->name; i++)
                        if (i->flag == b)
                                name = i->name;
                if (ftell(f) > 0)
                        fputc('|', f);
                if (name)
                        fputs(name, f);
                else
                        fprintf(f, "0x%" PRIx64, b);
        }
        if (fclose(f) != 0) {
                free(s);
                return NULL;
        }
        return s;
}

static int check_flags(const char *what, uint64_t flags, uint64_t allowed, const FlagName *names,
                       const char *allowed_text, sd_bus_error *error) {
        _cleanup_free_ char *bad = NULL;

        if ((flags & ~allowed) == 0)
                return 0;
        bad = format_bad_flags(flags, allowed, names);
        if (!bad)
                return -ENOMEM;
        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "Unsupported %s flags %s (accepted: %s).",
                                 what, bad, allowed_text);
}

/* D-Bus strings cannot hold NUL bytes (the broker and sd-bus reject them), so "no NUL" holds already; the
 * length limit is PATH_MAX including the terminator, what the kernel accepts. */
static int check_path(const char *what, const char *path, sd_bus_error *error) {
        if (path[0] != '/')
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "The %s must be an absolute path, got '%s'.", what, ECHO_ARG(path));
        if (strlen(path) >= PATH_MAX)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "The %s is longer than %d bytes.",
                                         what, PATH_MAX - 1);
        /* polkit rules compare these strings: "/srv/a/../../etc" must not pass a rule written for /srv/a. */
        if (!path_is_normalized(path))
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "The %s must be a normalised path (no '.', '..' or '//'), got '%s'.",
                                         what, ECHO_ARG(path));
        return 0;
}

static bool fstype_is_bind(const char *fstype) {
        return isempty(fstype) || streq(fstype, "none");
}

static int check_mount_request(const char *source, const char *target, const char *fstype, uint64_t flags,
                               sd_bus_error *error) {
        int r;

        r = check_path("target", target, error);
        if (r < 0)
                return r;
        r = check_flags("mount", flags, MOUNT_FLAGS_ALLOWED, mount_flag_names,
                        "MS_BIND, MS_REC, MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC", error);
        if (r < 0)
                return r;

        if (fstype_is_bind(fstype))
                return check_path("source of a bind mount", source, error);

        if (!isempty(source))
                return sd_bus_error_setf(
                        error, SD_BUS_ERROR_INVALID_ARGS,
                        "A %s mount takes no source (got '%s'); a bind mount has fstype \"\".",
                        ECHO_ARG(fstype), ECHO_ARG(source));
        if (flags & MS_BIND)
                return sd_bus_error_setf(
                        error, SD_BUS_ERROR_INVALID_ARGS,
                        "MS_BIND with fstype '%s': a bind mount has fstype \"\" or \"none\".", ECHO_ARG(fstype));
        if (strlen(fstype) > 255 || strchr(fstype, '/'))
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "Invalid filesystem type '%s'.",
                                         ECHO_ARG(fstype));
        return 0;
}

int method_mount(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        Container *c = userdata;
        const char *source, *target, *fstype, *data;
        uint64_t flags;
        bool idmap = false;
        Operation *o;
        int r;

        r = sd_bus_message_read(message, "ssst", &source, &target, &fstype, &flags);
        if (r < 0)
                return r;
        r = sd_bus_message_read(message, "s", &data);
        if (r < 0)
                return r;
        r = bus_read_options(message, (const BusOption[]){{"idmap", 'b', &idmap}, {}}, error);
        if (r < 0)
                return r;

        r = check_mount_request(source, target, fstype, flags, error);
        if (r < 0)
                return r;
        /* The kernel takes one page of mount data; a longer string is no mount, only a load on us. */
        if (strlen(data) > BUS_OPTION_STRING_MAX)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "The mount data is too long (%zu bytes, at most %u).", strlen(data),
                                         BUS_OPTION_STRING_MAX);
        r = container_monitor_operation_begin(c, message, "org.berth1.mount", "mount",
                                              (const char *const[]){"source", source, "target", target, NULL},
                                              OPERATION_MOUNT, "Mount", &o, &call, error);
        if (r != 0)
                return r;
        r = sd_bus_message_append(call, "ssst", source, target, fstype, flags);
        if (r >= 0)
                r = sd_bus_message_append(call, "s", data);
        if (r >= 0)
                r = bus_append_flag_options(call, "idmap", idmap, NULL);
        if (r < 0) {
                operation_free(o);
                return r;
        }
        r = container_monitor_call_send(o, call, 0, container_on_monitor_void_reply, error);
        if (r < 0)
                return r;

        log_info("Mount into '%s' requested: %s on %s (type %s, flags 0x%" PRIx64 "%s).", c->name,
                 isempty(source) ? "(none)" : ECHO_ARG(source), ECHO_ARG(target),
                 isempty(fstype) ? "bind" : ECHO_ARG(fstype), flags,
                 idmap ? ", idmapped" : "");
        return 1;
}

int method_umount(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        Container *c = userdata;
        const char *target;
        uint64_t flags;
        Operation *o;
        int r;

        r = sd_bus_message_read(message, "st", &target, &flags);
        if (r < 0)
                return r;
        r = bus_read_options(message, NULL, error);
        if (r < 0)
                return r;

        r = check_path("target", target, error);
        if (r < 0)
                return r;
        r = check_flags("umount", flags, UMOUNT_FLAGS_ALLOWED, umount_flag_names,
                        "MNT_FORCE, MNT_DETACH, MNT_EXPIRE, UMOUNT_NOFOLLOW", error);
        if (r < 0)
                return r;
        r = container_monitor_operation_begin(c, message, "org.berth1.mount", "umount",
                                              (const char *const[]){"target", target, NULL}, OPERATION_UMOUNT,
                                              "Umount", &o, &call, error);
        if (r != 0)
                return r;
        r = sd_bus_message_append(call, "sta{sv}", target, flags, 0);
        if (r < 0) {
                operation_free(o);
                return r;
        }
        r = container_monitor_call_send(o, call, 0, container_on_monitor_void_reply, error);
        if (r < 0)
                return r;

        log_info("Umount of %s in '%s' requested.", ECHO_ARG(target), c->name);
        return 1;
}
