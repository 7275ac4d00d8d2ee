/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _unused_ __attribute__((unused))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _noreturn_ __attribute__((noreturn))
#define _pure_ __attribute__((pure))
#define _likely_(x) (__builtin_expect(!!(x), 1))
#define _unlikely_(x) (__builtin_expect(!!(x), 0))

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

/* Take ownership of a pointer or fd: the variable is reset so its cleanup handler does nothing. */
#define TAKE_PTR(p)                              \
        ({                                       \
                __typeof__(p) _ptr_ = (p);       \
                (p) = NULL;                      \
                _ptr_;                           \
        })
#define TAKE_FD(fd)                              \
        ({                                       \
                int _fd_ = (fd);                 \
                (fd) = -EBADF;                   \
                _fd_;                            \
        })

static inline void *mfree(void *p) {
        free(p);
        return NULL;
}

static inline void freep(void *p) {
        free(*(void **) p);
}
#define _cleanup_free_ _cleanup_(freep)

#define DEFINE_TRIVIAL_CLEANUP_FUNC(type, func)         \
        static inline void func##p(type *p) {           \
                if (*p)                                 \
                        func(*p);                       \
        }

/* Turn a libc-style "-1 and errno" return into a negative errno. */
#define RET_NERRNO(expr)                         \
        ({                                       \
                long _r_ = (long) (expr);        \
                _r_ < 0 ? -errno : (int) _r_;    \
        })

/* A made-up error: log functions use it as is, without looking at errno. */
#define SYNTHETIC_ERRNO(e) (e)

static inline bool streq(const char *a, const char *b) {
        return strcmp(a, b) == 0;
}
static inline bool streq_ptr(const char *a, const char *b) {
        if (!a || !b)
                return a == b;
        return streq(a, b);
}
static inline bool isempty(const char *s) {
        return !s || !*s;
}
static inline const char *strempty(const char *s) {
        return s ?: "";
}
static inline const char *strna(const char *s) {
        return s ?: "n/a";
}
static inline char *startswith(const char *s, const char *prefix) {
        size_t l = strlen(prefix);
        return strncmp(s, prefix, l) == 0 ? (char *) s + l : NULL;
}
static inline char *endswith(const char *s, const char *suffix) {
        size_t sl = strlen(s), xl = strlen(suffix);
        if (xl > sl)
                return NULL;
        return strcmp(s + sl - xl, suffix) == 0 ? (char *) s + sl - xl : NULL;
}

#define strjoina(a, ...)                                                                   \
        ({                                                                                 \
                const char *_parts_[] = { a, __VA_ARGS__, NULL };                          \
                size_t _len_ = 1;                                                          \
                for (size_t _i_ = 0; _parts_[_i_]; _i_++)                                  \
                        _len_ += strlen(_parts_[_i_]);                                     \
                char *_buf_ = alloca(_len_), *_p_ = _buf_;                                 \
                *_p_ = 0;                                                                  \
                for (size_t _i_ = 0; _parts_[_i_]; _i_++)                                  \
                        _p_ = stpcpy(_p_, _parts_[_i_]);                                   \
                _buf_;                                                                     \
        })
