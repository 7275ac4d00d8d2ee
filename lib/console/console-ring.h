/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* In-memory console ring buffer: a memfd mapped twice back to back, so any read or write of up to
 * `size` bytes is one memcpy with no wrap logic (see lxc-semantics §3). Unlike LXC, a write that does
 * not fit discards exactly the oldest bytes needed, and reads are non-destructive unless asked. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ConsoleRing {
        char *addr;      /* 2*size mapping */
        uint64_t size;   /* power of two, >= page size */
        uint64_t r_off;  /* < size */
        uint64_t w_off;  /* r_off <= w_off <= r_off + size */
        int fd;          /* the memfd, O_CLOEXEC */
} ConsoleRing;

#define CONSOLE_RING_INIT { .addr = NULL, .size = 0, .r_off = 0, .w_off = 0, .fd = -1 }

/* size must be a power of two and a multiple of the page size: -EINVAL otherwise. */
int console_ring_create(ConsoleRing *ring, uint64_t size);
void console_ring_release(ConsoleRing *ring);
/* lxc.console.buffer.size semantics: a non-zero request below the page size is raised to it, then
 * rounded up to the next power of two (0 stays 0 = no ring). -ERANGE if that does not fit. */
int console_ring_round_size(uint64_t want, uint64_t *ret);

uint64_t console_ring_used(const ConsoleRing *ring);
/* Append; when data exceeds the free space the oldest bytes are dropped; when len > size only the last
 * size bytes of data are kept. Never fails for a created ring. */
void console_ring_write(ConsoleRing *ring, const void *data, size_t len);

enum {
        CONSOLE_RING_READ_CONSUME = 1 << 0, /* advance the read offset past what was returned (LXC) */
        CONSOLE_RING_READ_CLEAR = 1 << 1,   /* empty the ring after reading */
};
/* Copy out up to max_bytes (0 = all) of the OLDEST bytes. *ret is malloc'd (NUL-terminated for
 * convenience, the NUL is not counted); an empty ring gives len 0 and a non-NULL empty buffer. */
int console_ring_read(ConsoleRing *ring, uint64_t max_bytes, unsigned flags, char **ret, size_t *ret_len);
void console_ring_clear(ConsoleRing *ring);
