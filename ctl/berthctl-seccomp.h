/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* berthctl seccomp watch (issue 5): subscribe to a container's seccomp notifications, print each one as it
 * arrives and answer it. Parses its own options, global ones included (-q, -H, --address,
 * --no-ask-password), like berthctl-lifecycle.c. */

/* If the command's verb is "seccomp": run it and return its exit status (>= 0). Otherwise return -1
 * without having looked at anything but argv. */
int berthctl_seccomp_main(int argc, char *argv[]);

#define BERTHCTL_SECCOMP_HELP                                                                                 \
        "  seccomp watch NAME [--respond errno:N|val:N|continue|ask] [--count N]\n"                         \
        "                                Print the container's intercepted system calls (seccomp notify\n"  \
        "                                rules) as they happen and answer them: with an errno, a value,\n"  \
        "                                by letting them run, or by asking on the terminal; without\n"      \
        "                                --respond the container's default answer applies. --count\n"       \
        "                                exits after N notifications\n"
