/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"

/* Length of the valid UTF-8 sequence at p (1..4), or 0 if it is not one (overlong, surrogate, beyond
 * U+10FFFF, truncated) or is a C1 control (U+0080..U+009F), which terminals act on. */
static size_t utf8_printable_len(const unsigned char *p) {
        uint32_t cp;
        size_t n;

        if (p[0] < 0x80)
                return 1;
        if (p[0] >= 0xC2 && p[0] <= 0xDF) {
                n = 2;
                cp = p[0] & 0x1F;
        } else if (p[0] >= 0xE0 && p[0] <= 0xEF) {
                n = 3;
                cp = p[0] & 0x0F;
        } else if (p[0] >= 0xF0 && p[0] <= 0xF4) {
                n = 4;
                cp = p[0] & 0x07;
        } else
                return 0;
        for (size_t i = 1; i < n; i++) {
                if ((p[i] & 0xC0) != 0x80)
                        return 0;
                cp = (cp << 6) | (p[i] & 0x3F);
        }
        if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
            (cp >= 0xD800 && cp <= 0xDFFF) || (cp >= 0x80 && cp <= 0x9F))
                return 0;
        return n;
}

/* One output character for the input at p: its bytes in out (at most 4), their number in *ret_out;
 * returns the input bytes consumed. */
static size_t escape_one(const unsigned char *p, char out[static 5], size_t *ret_out) {
        if (*p >= 0x20 && *p < 0x7F) {
                out[0] = (char) *p;
                *ret_out = 1;
                return 1;
        }
        if (*p >= 0x80) {
                size_t n = utf8_printable_len(p);
                if (n > 0) {
                        memcpy(out, p, n);
                        *ret_out = n;
                        return n;
                }
        }
        if (*p == '\n' || *p == '\t' || *p == '\r') {
                out[0] = '\\';
                out[1] = *p == '\n' ? 'n' : *p == '\t' ? 't' : 'r';
                *ret_out = 2;
                return 1;
        }
        snprintf(out, 5, "\\x%02x", *p);
        *ret_out = 4;
        return 1;
}

char *escape_echo_to(char *buf, size_t size, const char *s, size_t max_chars) {
        static const char ellipsis[] = "…";
        const unsigned char *p = (const unsigned char *) (s ?: "");
        size_t o = 0, chars = 0;

        if (size == 0)
                return buf;
        while (*p) {
                char one[5];
                size_t n, k;

                k = escape_one(p, one, &n);
                /* Room for this character and, should more follow, the ellipsis and the NUL. */
                if (chars >= max_chars || o + n + sizeof(ellipsis) > size) {
                        if (o + sizeof(ellipsis) <= size) {
                                memcpy(buf + o, ellipsis, sizeof(ellipsis));
                                return buf;
                        }
                        break;
                }
                memcpy(buf + o, one, n);
                o += n;
                chars++;
                p += k;
        }
        buf[o] = 0;
        return buf;
}

char *escape_echo(const char *s, size_t max_chars) {
        size_t l = strlen(s ?: "");
        size_t cap = MIN(l, max_chars);
        char *buf = malloc(cap * 4 + sizeof("…"));
        if (!buf)
                return NULL;
        return escape_echo_to(buf, cap * 4 + sizeof("…"), s, max_chars);
}

bool escape_echo_needed(const char *s, size_t max_chars) {
        const unsigned char *p = (const unsigned char *) (s ?: "");
        size_t chars = 0;

        while (*p) {
                char one[5];
                size_t n, k = escape_one(p, one, &n);
                if (n != k || memcmp(one, p, n) != 0 || ++chars > max_chars)
                        return true;
                p += k;
        }
        return false;
}
