/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "console/console-ring.h"
#include "util/fd-util.h"
#include "util/macro.h"

/* glibc 2.36 headers predate Linux 6.3's flag; kernels without it reject it with EINVAL. */
#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL 0x0008U
#endif

static bool size_valid(uint64_t size) {
        long ps = sysconf(_SC_PAGESIZE);

        if (ps <= 0)
                ps = 4096;
        if (size == 0 || (size & (size - 1)) != 0)
                return false;
        if (size % (uint64_t) ps != 0)
                return false;
        /* Two copies must fit in the address space (and in size_t). */
        if (size > SIZE_MAX / 2)
                return false;
        return true;
}

int console_ring_round_size(uint64_t want, uint64_t *ret) {
        long ps = sysconf(_SC_PAGESIZE);
        uint64_t s;

        if (!ret)
                return -EINVAL;
        if (want == 0) {
                *ret = 0;
                return 0;
        }
        if (ps <= 0)
                ps = 4096;
        s = MAX(want, (uint64_t) ps);
        if (s > SIZE_MAX / 4 + 1) /* the result must still pass size_valid() */
                return -ERANGE;
        /* Next power of two >= s. */
        s--;
        for (unsigned shift = 1; shift < 64; shift <<= 1)
                s |= s >> shift;
        s++;
        *ret = s;
        return 0;
}

static int ring_memfd(void) {
        int fd;

        /* The ring never holds code: seal it non-executable where the kernel knows how (>= 6.3). */
        fd = memfd_create("berth-console-ring", MFD_CLOEXEC | MFD_NOEXEC_SEAL);
        if (fd < 0 && errno == EINVAL)
                fd = memfd_create("berth-console-ring", MFD_CLOEXEC);
        if (fd < 0)
                return -errno;
        return fd;
}

int console_ring_create(ConsoleRing *ring, uint64_t size) {
        _cleanup_close_ int fd = -EBADF;
        void *base, *p;
        int r;

        if (!ring)
                return -EINVAL;
        if (!size_valid(size))
                return -EINVAL;

        fd = ring_memfd();
        if (fd < 0)
                return fd;
        if (ftruncate(fd, (off_t) size) < 0)
                return -errno;

        /* Reserve a contiguous 2*size window first so the two MAP_FIXED mappings below can only ever
         * replace our own reservation, never something else mapped next to it. */
        base = mmap(NULL, 2 * size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (base == MAP_FAILED)
                return -errno;

        p = mmap(base, size, PROT_READ | PROT_WRITE, MAP_FIXED | MAP_SHARED, fd, 0);
        if (p == MAP_FAILED) {
                r = -errno;
                goto fail;
        }
        p = mmap((char *) base + size, size, PROT_READ | PROT_WRITE, MAP_FIXED | MAP_SHARED, fd, 0);
        if (p == MAP_FAILED) {
                r = -errno;
                goto fail;
        }

        *ring = (ConsoleRing) {
                .addr = base,
                .size = size,
                .r_off = 0,
                .w_off = 0,
                .fd = TAKE_FD(fd),
        };
        return 0;

fail:
        (void) munmap(base, 2 * size);
        return r;
}

void console_ring_release(ConsoleRing *ring) {
        if (!ring)
                return;
        if (ring->addr)
                (void) munmap(ring->addr, 2 * ring->size);
        safe_close(ring->fd);
        *ring = (ConsoleRing) CONSOLE_RING_INIT;
}

uint64_t console_ring_used(const ConsoleRing *ring) {
        if (!ring || !ring->addr)
                return 0;
        return ring->w_off - ring->r_off;
}

/* Keep r_off < size: both offsets may move by at most one lap per operation. */
static void ring_normalize(ConsoleRing *ring) {
        if (ring->r_off >= ring->size) {
                ring->r_off -= ring->size;
                ring->w_off -= ring->size;
        }
}

void console_ring_write(ConsoleRing *ring, const void *data, size_t len) {
        const char *src = data;
        uint64_t free_space;

        if (!ring || !ring->addr || len == 0)
                return;

        /* Only the newest `size` bytes can survive anyway: skip the head of an oversized write. */
        if ((uint64_t) len > ring->size) {
                src += (uint64_t) len - ring->size;
                len = (size_t) ring->size;
        }

        /* Drop exactly the oldest bytes needed to make room (LXC drops `len`, over-discarding). */
        free_space = ring->size - console_ring_used(ring);
        if ((uint64_t) len > free_space)
                ring->r_off += (uint64_t) len - free_space;

        /* The second mapping makes [w_off mod size, +size) contiguous: one memcpy, no wrap logic. */
        memcpy(ring->addr + (ring->w_off & (ring->size - 1)), src, len);
        ring->w_off += len;

        ring_normalize(ring);
}

int console_ring_read(ConsoleRing *ring, uint64_t max_bytes, unsigned flags, char **ret, size_t *ret_len) {
        uint64_t n;
        char *buf;

        if (!ring || !ring->addr || !ret)
                return -EINVAL;
        if (flags & ~(unsigned) (CONSOLE_RING_READ_CONSUME | CONSOLE_RING_READ_CLEAR))
                return -EINVAL;

        n = console_ring_used(ring);
        if (max_bytes > 0 && max_bytes < n)
                n = max_bytes;

        buf = malloc((size_t) n + 1);
        if (!buf)
                return -ENOMEM;
        /* r_off < size and n <= size, so this stays inside the double mapping. */
        memcpy(buf, ring->addr + ring->r_off, (size_t) n);
        buf[n] = 0;

        if (flags & CONSOLE_RING_READ_CLEAR)
                console_ring_clear(ring);
        else if (flags & CONSOLE_RING_READ_CONSUME) {
                ring->r_off += n;
                ring_normalize(ring);
        }

        *ret = buf;
        if (ret_len)
                *ret_len = (size_t) n;
        return 0;
}

void console_ring_clear(ConsoleRing *ring) {
        if (!ring)
                return;
        ring->r_off = ring->w_off = 0;
}
