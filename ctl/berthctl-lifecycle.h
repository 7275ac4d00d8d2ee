/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* berthctl's reboot, shutdown, freeze, unfreeze, mount and umount verbs (issues 3 and 4). They take their
 * own options (--timeout, --force, --type, ...), so they parse the whole command line themselves, global
 * options included (-q, -H, --address, --no-ask-password). */

/* If the command's verb is one of the above: run it and return its exit status (>= 0). Otherwise return
 * -1 without having looked at anything but argv, and berthctl's main dispatch goes on. */
int berthctl_lifecycle_main(int argc, char *argv[]);

/* The lines these verbs add to `berthctl --help`. */
#define BERTHCTL_LIFECYCLE_HELP                                                                              \
        "  reboot NAME [--timeout N]     Reboot a container; wait up to N s (default 60, -1 = no\n"          \
        "                                limit, 0 = do not wait) for it to run again (exit 0 if it did)\n"  \
        "  shutdown NAME [--timeout N] [--force]\n"                                                          \
        "                                Shut a container down cleanly (lxc.signal.halt), waiting up to\n"   \
        "                                N s (default 60); --force kills it after that (exit 0 if stopped)\n" \
        "  freeze NAME                   Freeze all processes of a container\n"                              \
        "  unfreeze NAME                 Thaw a frozen container\n"                                          \
        "  mount NAME SOURCE TARGET [--read-only] [--recursive] [--idmap]\n"                                 \
        "                                Bind a host file or directory into a running container\n"           \
        "  mount NAME SOURCE TARGET --type FSTYPE [--options DATA] [--read-only]\n"                          \
        "                                Mount a filesystem (tmpfs, proc, ...) in a running container\n"     \
        "  umount NAME TARGET            Unmount TARGET inside a running container\n"
