/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>
#include <string.h>

#include "strv.h"

char **strv_free(char **l) {
        if (!l)
                return NULL;
        for (char **i = l; *i; i++)
                free(*i);
        free(l);
        return NULL;
}

size_t strv_length(char *const *l) {
        size_t n = 0;
        if (l)
                while (l[n])
                        n++;
        return n;
}

int strv_consume(char ***l, char *value) {
        if (!value)
                return -ENOMEM;
        size_t n = strv_length(*l);
        char **c = realloc(*l, sizeof(char *) * (n + 2));
        if (!c) {
                free(value);
                return -ENOMEM;
        }
        c[n] = value;
        c[n + 1] = NULL;
        *l = c;
        return 0;
}

int strv_extend(char ***l, const char *value) {
        return strv_consume(l, strdup(value));
}

char **strv_copy(char *const *l) {
        char **c = calloc(strv_length(l) + 1, sizeof(char *));
        if (!c)
                return NULL;
        size_t i = 0;
        for (; l && l[i]; i++)
                if (!(c[i] = strdup(l[i])))
                        return strv_free(c);
        return c;
}

bool strv_contains(char *const *l, const char *s) {
        for (size_t i = 0; l && l[i]; i++)
                if (streq(l[i], s))
                        return true;
        return false;
}

int strv_split(const char *s, const char *separators, char ***ret) {
        char **l = calloc(1, sizeof(char *));
        if (!l)
                return -ENOMEM;
        const char *p = s;
        while (p && *p) {
                p += strspn(p, separators);
                size_t k = strcspn(p, separators);
                if (k == 0)
                        break;
                int r = strv_consume(&l, strndup(p, k));
                if (r < 0) {
                        strv_free(l);
                        return r;
                }
                p += k;
        }
        *ret = l;
        return 0;
}

char *strv_join(char *const *l, const char *separator) {
        size_t sl = strlen(separator), n = 1;
        for (size_t i = 0; l && l[i]; i++)
                n += strlen(l[i]) + (i > 0 ? sl : 0);
        char *r = malloc(n), *p = r;
        if (!r)
                return NULL;
        *p = 0;
        for (size_t i = 0; l && l[i]; i++) {
                if (i > 0)
                        p = stpcpy(p, separator);
                p = stpcpy(p, l[i]);
        }
        return r;
}
