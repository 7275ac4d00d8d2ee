/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Making untrusted text safe to echo in a message: control characters, DEL, C1 controls and bytes that are
 * not valid UTF-8 become C escapes (\n, \t, \r, \xNN); the result is cut after max_chars characters of
 * output (an escape or a UTF-8 sequence is never split) and then ends in "…". Backslashes are kept as they
 * are, so escaping is idempotent and fstab-style "\040" reads as written. */

#include <stdbool.h>
#include <stddef.h>

#include "macro.h"

/* Characters echoed of a caller's input in D-Bus errors (names, keys, option names, paths). */
#define ESCAPE_ECHO_MAX 80U
/* Characters echoed of a configuration value in parser diagnostics. */
#define ESCAPE_VALUE_MAX 64U

/* Worst case for max_chars: each character a 4-byte escape or UTF-8 sequence, plus "…" and NUL. */
#define ESCAPE_BUF_SIZE(max_chars) ((size_t) (max_chars) * 4U + sizeof("…"))

/* Into buf (size bytes; ESCAPE_BUF_SIZE(max_chars) always suffices, a smaller buffer cuts earlier).
 * Returns buf. s NULL reads as "". */
char *escape_echo_to(char *buf, size_t size, const char *s, size_t max_chars);

/* malloc'd; max_chars SIZE_MAX = no cut. NULL on OOM. */
char *escape_echo(const char *s, size_t max_chars);

/* True if s would be changed by escape_echo(s, max_chars). */
bool escape_echo_needed(const char *s, size_t max_chars);

/* For a format argument: ECHO_ARG(name) expands to a temporary escaped copy cut at ESCAPE_ECHO_MAX, valid
 * until the end of the enclosing full expression's block. */
#define ECHO_ARG(s) \
        escape_echo_to((char[ESCAPE_BUF_SIZE(ESCAPE_ECHO_MAX)]){}, ESCAPE_BUF_SIZE(ESCAPE_ECHO_MAX), (s), \
                       ESCAPE_ECHO_MAX)
