/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The pure parts of mount injection: MS_* flags → MOUNT_ATTR_* bits (and refusal of flags that make no
 * sense for an injected mount), and splitting of filesystem options into fsconfig() items. */

#include <errno.h>
#include <sys/mount.h>

#include "mount/mount-inject.h"
#include "tests/unit/tap.h"
#include "util/strv.h"

static void test_flags(void) {
        uint64_t attr = 0xdead;

        TAP_EQ_INT(mount_flags_to_attr(0, &attr), 0, "no flags accepted");
        TAP_EQ_INT(attr, 0, "no flags: no attributes");
        TAP_EQ_INT(mount_flags_to_attr(MS_BIND | MS_REC, &attr), 0, "MS_BIND|MS_REC accepted");
        TAP_EQ_INT(attr, 0, "MS_BIND|MS_REC carry no attribute");
        TAP_EQ_INT(mount_flags_to_attr(MS_BIND | MS_RDONLY, &attr), 0, "read-only bind accepted");
        TAP_EQ_INT(attr, MOUNT_ATTR_RDONLY, "MS_RDONLY → MOUNT_ATTR_RDONLY");
        TAP_EQ_INT(mount_flags_to_attr(MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_SILENT, &attr), 0,
                   "ro,nosuid,nodev,noexec,silent accepted");
        TAP_EQ_INT(attr, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC,
                   "all four attributes set, in one value");
        TAP_EQ_INT(mount_flags_to_attr(MS_NOATIME | MS_NODIRATIME | MS_NOSYMFOLLOW, &attr), 0, "atime flags");
        TAP_EQ_INT(attr, MOUNT_ATTR_NOATIME | MOUNT_ATTR_NODIRATIME | MOUNT_ATTR_NOSYMFOLLOW,
                   "noatime,nodiratime,nosymfollow mapped");

        static const unsigned long refused[] = { MS_MOVE, MS_REMOUNT, MS_SHARED, MS_PRIVATE, MS_SLAVE,
                                                 MS_UNBINDABLE, MS_SYNCHRONOUS, MS_MANDLOCK, 1UL << 40 };
        for (size_t i = 0; i < ELEMENTSOF(refused); i++) {
                attr = 0xdead;
                TAP_EQ_INT(mount_flags_to_attr(MS_BIND | refused[i], &attr), -EINVAL, "flag 0x%lx refused",
                           refused[i]);
                TAP_EQ_INT(attr, 0xdead, "attr untouched on failure");
        }
}

static void test_data(void) {
        char **l = (char **) 1;

        TAP_EQ_INT(mount_data_split(NULL, &l), 0, "NULL data");
        TAP_OK(l == NULL, "NULL data gives no items");
        TAP_EQ_INT(mount_data_split("", &l), 0, "empty data");
        TAP_OK(l == NULL, "empty data gives no items");

        TAP_EQ_INT(mount_data_split("size=1m,mode=0755,noswap", &l), 0, "three options");
        TAP_EQ_INT(strv_length(l), 3, "three items");
        TAP_EQ_STR(l ? l[0] : NULL, "size=1m", "first item");
        TAP_EQ_STR(l ? l[1] : NULL, "mode=0755", "second item");
        TAP_EQ_STR(l ? l[2] : NULL, "noswap", "a flag without value");
        l = strv_free(l);

        TAP_EQ_INT(mount_data_split("uid=0=1", &l), 0, "'=' inside a value kept");
        TAP_EQ_STR(l ? l[0] : NULL, "uid=0=1", "value after the first '='");
        l = strv_free(l);

        static const char *const bad[] = { ",", "size=1m,", ",size=1m", "size=1m,,mode=0755", "=1m" };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                l = NULL;
                TAP_EQ_INT(mount_data_split(bad[i], &l), -EINVAL, "\"%s\" refused", bad[i]);
                TAP_OK(l == NULL, "no list on failure");
        }
}

int main(void) {
        test_flags();
        test_data();
        return tap_done();
}
