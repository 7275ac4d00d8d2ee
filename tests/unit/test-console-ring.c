/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The console ring buffer: sizes, non-destructive/consuming/clearing reads, max_bytes, and wrap-around
 * checked byte for byte against a trivial reference model ("the last `size` bytes written, minus what was
 * consumed"). */

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "console/console-ring.h"
#include "tap.h"
#include "util/macro.h"

static void ring_releasep(ConsoleRing *r) {
        console_ring_release(r);
}
#define _cleanup_ring_ _cleanup_(ring_releasep)

/* Reads the whole ring non-destructively and compares it with want/want_len. */
static int ring_equals(ConsoleRing *ring, const char *want, size_t want_len) {
        _cleanup_free_ char *buf = NULL;
        size_t len = SIZE_MAX;

        if (console_ring_read(ring, 0, 0, &buf, &len) < 0)
                return 0;
        return len == want_len && memcmp(buf, want, len) == 0 && buf[len] == 0;
}

static void test_bad_sizes(void) {
        long ps = sysconf(_SC_PAGESIZE);
        const uint64_t bad[] = { 0, 1, 100, (uint64_t) ps / 2, (uint64_t) ps + 1, (uint64_t) ps * 3,
                                 (uint64_t) ps * 6, UINT64_MAX, (UINT64_C(1) << 63) };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                ConsoleRing ring = CONSOLE_RING_INIT;
                TAP_EQ_INT(console_ring_create(&ring, bad[i]), -EINVAL, "size %llu refused",
                           (unsigned long long) bad[i]);
                TAP_OK(ring.addr == NULL && ring.fd < 0, "size %llu leaves the ring untouched",
                       (unsigned long long) bad[i]);
        }

        _cleanup_ring_ ConsoleRing ring = CONSOLE_RING_INIT;
        TAP_EQ_INT(console_ring_create(&ring, (uint64_t) ps * 4), 0, "4 pages accepted");
        TAP_OK(ring.fd >= 0 && (fcntl(ring.fd, F_GETFD) & FD_CLOEXEC), "memfd is O_CLOEXEC");
        TAP_EQ_INT(console_ring_used(&ring), 0, "new ring is empty");
}

static void test_round_size(void) {
        uint64_t ps = (uint64_t) sysconf(_SC_PAGESIZE), v = 1;
        ConsoleRing ring = CONSOLE_RING_INIT;

        TAP_OK(console_ring_round_size(0, &v) == 0 && v == 0, "round 0 stays 0 (no ring)");
        TAP_OK(console_ring_round_size(1, &v) == 0 && v == ps, "round 1 → page size");
        TAP_OK(console_ring_round_size(ps + 1, &v) == 0 && v == 2 * ps, "round page+1 → 2 pages");
        TAP_OK(console_ring_round_size(3 * ps, &v) == 0 && v == 4 * ps, "round 3 pages → 4 pages");
        TAP_OK(console_ring_round_size(131072, &v) == 0 && v == 131072, "round 128 KiB (auto) unchanged");
        TAP_OK(console_ring_round_size(100000, &v) == 0 && v == 131072, "round 100000 → 128 KiB");
        TAP_EQ_INT(console_ring_round_size(UINT64_MAX, &v), -ERANGE, "round of a huge size is -ERANGE");
        TAP_OK(console_ring_round_size(100000, &v) == 0 && console_ring_create(&ring, v) == 0,
               "a rounded size is accepted by create");
        console_ring_release(&ring);
}

static void test_small(void) {
        _cleanup_ring_ ConsoleRing ring = CONSOLE_RING_INIT;
        _cleanup_free_ char *a = NULL, *b = NULL, *c = NULL;
        size_t la = 0, lb = 0, lc = 0;

        TAP_EQ_INT(console_ring_create(&ring, 4096), 0, "create 4096");

        /* Empty read: success, zero length, a real (empty, NUL-terminated) buffer. */
        TAP_EQ_INT(console_ring_read(&ring, 0, 0, &a, &la), 0, "read of empty ring succeeds");
        TAP_OK(a && la == 0 && a[0] == 0, "empty read gives an empty non-NULL buffer");
        a = mfree(a);

        console_ring_write(&ring, "hello ", 6);
        console_ring_write(&ring, "world", 5);
        TAP_EQ_INT(console_ring_used(&ring), 11, "used after two writes");

        TAP_EQ_INT(console_ring_read(&ring, 0, 0, &a, &la), 0, "first read");
        TAP_EQ_INT(console_ring_read(&ring, 0, 0, &b, &lb), 0, "second read");
        TAP_EQ_STR(a, "hello world", "first read content");
        TAP_OK(la == lb && memcmp(a, b, la) == 0, "reads are non-destructive (two reads equal)");
        TAP_EQ_INT(console_ring_used(&ring), 11, "used unchanged by plain reads");
        a = mfree(a);
        b = mfree(b);

        /* max_bytes returns the OLDEST bytes. */
        TAP_EQ_INT(console_ring_read(&ring, 5, 0, &a, &la), 0, "partial read");
        TAP_EQ_INT(la, 5, "partial read length");
        TAP_EQ_STR(a, "hello", "partial read gives the oldest bytes");
        a = mfree(a);

        TAP_EQ_INT(console_ring_read(&ring, 1000, 0, &a, &la), 0, "read larger than used");
        TAP_EQ_STR(a, "hello world", "read larger than used gives everything");
        a = mfree(a);

        /* Consume: advances by what was returned. */
        TAP_EQ_INT(console_ring_read(&ring, 6, CONSOLE_RING_READ_CONSUME, &a, &la), 0, "consuming read");
        TAP_EQ_STR(a, "hello ", "consuming read content");
        TAP_EQ_INT(console_ring_used(&ring), 5, "consume advanced the read offset by 6");
        TAP_EQ_INT(console_ring_read(&ring, 0, 0, &b, &lb), 0, "read after consume");
        TAP_EQ_STR(b, "world", "rest remains after consume");
        a = mfree(a);
        b = mfree(b);

        TAP_EQ_INT(console_ring_read(&ring, 0, CONSOLE_RING_READ_CONSUME, &a, &la), 0, "consume all");
        TAP_EQ_STR(a, "world", "consume all content");
        TAP_EQ_INT(console_ring_used(&ring), 0, "empty after consuming everything");
        a = mfree(a);

        /* Clear flag: returns the data, then empties. */
        console_ring_write(&ring, "abc", 3);
        TAP_EQ_INT(console_ring_read(&ring, 0, CONSOLE_RING_READ_CLEAR, &a, &la), 0, "read+clear");
        TAP_EQ_STR(a, "abc", "read+clear returns the data");
        TAP_EQ_INT(console_ring_used(&ring), 0, "read+clear empties");
        TAP_EQ_INT(console_ring_read(&ring, 0, 0, &c, &lc), 0, "read after clear");
        TAP_EQ_INT(lc, 0, "nothing left after read+clear");
        c = mfree(c);

        console_ring_write(&ring, "xyz", 3);
        console_ring_clear(&ring);
        TAP_EQ_INT(console_ring_used(&ring), 0, "console_ring_clear empties");
        console_ring_write(&ring, "after", 5);
        TAP_OK(ring_equals(&ring, "after", 5), "writes after clear start fresh");

        TAP_EQ_INT(console_ring_read(&ring, 0, 0x100, &c, &lc), -EINVAL, "unknown read flag refused");
        TAP_OK(c == NULL, "refused read leaves *ret alone");
}

static void test_oversized_write(void) {
        _cleanup_ring_ ConsoleRing ring = CONSOLE_RING_INIT;
        _cleanup_free_ char *big = NULL;
        const size_t size = 4096, n = size * 3 + 123;

        TAP_EQ_INT(console_ring_create(&ring, size), 0, "create for oversized write");
        big = malloc(n);
        for (size_t i = 0; i < n; i++)
                big[i] = (char) (i * 7 + i / 251);

        console_ring_write(&ring, "old", 3);
        console_ring_write(&ring, big, n);
        TAP_EQ_INT(console_ring_used(&ring), size, "write > size fills the ring exactly");
        TAP_OK(ring_equals(&ring, big + n - size, size), "write > size keeps its last size bytes");

        /* A full ring plus one byte: exactly one byte (the oldest) goes, not a whole write's worth. */
        console_ring_write(&ring, "Z", 1);
        char want[4096];
        memcpy(want, big + n - size + 1, size - 1);
        want[size - 1] = 'Z';
        TAP_OK(ring_equals(&ring, want, size), "1 byte into a full ring drops exactly the oldest byte");

        /* Exact discard with free space left (LXC would over-discard here). */
        console_ring_clear(&ring);
        memset(want, 'a', 3000);
        console_ring_write(&ring, want, 3000);
        memset(want, 'b', 2000);
        console_ring_write(&ring, want, 2000);
        TAP_EQ_INT(console_ring_used(&ring), size, "3000+2000 into 4096 fills it");
        {
                _cleanup_free_ char *buf = NULL;
                size_t len = 0;
                TAP_EQ_INT(console_ring_read(&ring, 0, 0, &buf, &len), 0, "read after overflow");
                size_t as = 0;
                while (as < len && buf[as] == 'a')
                        as++;
                TAP_EQ_INT(as, 4096 - 2000, "exactly the oldest 904 bytes were discarded");
                bool rest_b = true;
                for (size_t i = as; i < len; i++)
                        rest_b = rest_b && buf[i] == 'b';
                TAP_OK(rest_b, "newest 2000 bytes kept in order");
        }
}

static void test_byte_at_a_time(void) {
        _cleanup_ring_ ConsoleRing ring = CONSOLE_RING_INIT;
        const size_t size = 4096;
        char model[4096];
        bool ok = true;

        TAP_EQ_INT(console_ring_create(&ring, size), 0, "create for 1-byte writes");
        /* 2.5 laps of 1-byte writes: every write position, including across the boundary. */
        for (size_t i = 0; i < size * 5 / 2; i++) {
                char ch = (char) ('A' + i % 53);
                console_ring_write(&ring, &ch, 1);
                if (i % 97 == 0 || (i > size - 3 && i < size + 3) || (i > 2 * size - 3 && i < 2 * size + 3)) {
                        size_t have = MIN(i + 1, size);
                        for (size_t k = 0; k < have; k++)
                                model[k] = (char) ('A' + (i + 1 - have + k) % 53);
                        ok = ok && ring_equals(&ring, model, have);
                }
        }
        TAP_OK(ok, "1-byte writes across the boundary keep the newest bytes in order");
        TAP_EQ_INT(ring.r_off < ring.size && ring.w_off <= ring.r_off + ring.size, 1, "offsets stay in range");
}

/* Random writes, random consuming and non-consuming reads, against a model. */
static void test_random_model(void) {
        _cleanup_ring_ ConsoleRing ring = CONSOLE_RING_INIT;
        const size_t size = 8192;
        _cleanup_free_ char *model = malloc(size);
        _cleanup_free_ char *chunk = malloc(3 * size);
        size_t mlen = 0;
        unsigned seed = 0x5eed;
        uint64_t counter = 0;
        bool ok = true, consume_ok = true;
        unsigned ops = 0;

        TAP_EQ_INT(console_ring_create(&ring, size), 0, "create for random model");
        srand(seed);
        for (ops = 0; ops < 20000 && ok && consume_ok; ops++) {
                int what = rand() % 10;
                if (what < 8) {
                        size_t n;
                        int kind = rand() % 20;
                        if (kind == 0)
                                n = size + (size_t) (rand() % (int) (2 * size)); /* bigger than the ring */
                        else if (kind < 4)
                                n = (size_t) (rand() % (int) size) + 1;
                        else
                                n = (size_t) (rand() % 700);
                        for (size_t i = 0; i < n; i++)
                                chunk[i] = (char) (counter++ * 131 % 251);
                        console_ring_write(&ring, chunk, n);
                        /* model: append, keep the last `size` bytes */
                        const char *src = chunk;
                        size_t sn = n;
                        if (sn > size) {
                                src += sn - size;
                                sn = size;
                        }
                        if (mlen + sn > size) {
                                size_t drop = mlen + sn - size;
                                memmove(model, model + drop, mlen - drop);
                                mlen -= drop;
                        }
                        memcpy(model + mlen, src, sn);
                        mlen += sn;
                } else if (what == 8) {
                        _cleanup_free_ char *buf = NULL;
                        size_t len = 0, max = (size_t) (rand() % 3000);
                        if (console_ring_read(&ring, max, CONSOLE_RING_READ_CONSUME, &buf, &len) < 0) {
                                consume_ok = false;
                                break;
                        }
                        size_t want = max == 0 ? mlen : MIN(max, mlen);
                        consume_ok = len == want && memcmp(buf, model, len) == 0;
                        memmove(model, model + len, mlen - len);
                        mlen -= len;
                } else {
                        _cleanup_free_ char *buf = NULL;
                        size_t len = 0, max = (size_t) (rand() % (int) (2 * size));
                        if (console_ring_read(&ring, max, 0, &buf, &len) < 0) {
                                ok = false;
                                break;
                        }
                        size_t want = max == 0 ? mlen : MIN(max, mlen);
                        ok = len == want && memcmp(buf, model, len) == 0;
                }
                ok = ok && console_ring_used(&ring) == mlen;
        }
        TAP_OK(ok && ring_equals(&ring, model, mlen), "random writes/reads match the model (%u ops)", ops);
        TAP_OK(consume_ok, "random consuming reads match the model");
}

static void test_large_stream(void) {
        _cleanup_ring_ ConsoleRing ring = CONSOLE_RING_INIT;
        const size_t size = 64 * 1024, total = 10 * 1024 * 1024;
        _cleanup_free_ char *chunk = malloc(8192);
        _cleanup_free_ char *want = malloc(size);
        size_t written = 0;
        unsigned rs = 12345;

        TAP_EQ_INT(console_ring_create(&ring, size), 0, "create 64 KiB");
        /* A position-derived byte pattern, so the expected tail can be computed directly. */
#define PAT(i) ((char) (((i) ^ ((i) >> 9) ^ ((i) >> 17)) & 0xff))
        while (written < total) {
                rs = rs * 1103515245u + 12345u;
                size_t n = MIN((size_t) ((rs >> 8) % 8192) + 1, total - written);
                for (size_t i = 0; i < n; i++)
                        chunk[i] = PAT(written + i);
                console_ring_write(&ring, chunk, n);
                written += n;
        }
        for (size_t i = 0; i < size; i++)
                want[i] = PAT(total - size + i);
#undef PAT
        TAP_EQ_INT(console_ring_used(&ring), size, "10 MiB through 64 KiB: ring full");
        TAP_OK(ring_equals(&ring, want, size), "10 MiB through 64 KiB: last 64 KiB kept in order");
}

int main(void) {
        test_bad_sizes();
        test_round_size();
        test_small();
        test_oversized_write();
        test_byte_at_a_time();
        test_random_model();
        test_large_stream();
        return tap_done();
}
