/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "macro.h"

/* NULL-terminated arrays of malloc'd strings. */
char **strv_free(char **l);
static inline void strv_freep(char ***l) {
        strv_free(*l);
}
#define _cleanup_strv_free_ _cleanup_(strv_freep)

size_t strv_length(char *const *l);
int strv_extend(char ***l, const char *value);       /* copies value */
int strv_consume(char ***l, char *value);            /* takes value, frees it on failure */
char **strv_copy(char *const *l);
bool strv_contains(char *const *l, const char *s);
/* Split on any of the separator chars; empty fields dropped. */
int strv_split(const char *s, const char *separators, char ***ret);
char *strv_join(char *const *l, const char *separator);

#define STRV_FOREACH(s, l) for (char **s = (l); s && *s; s++)
