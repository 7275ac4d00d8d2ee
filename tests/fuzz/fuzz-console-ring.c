/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The console ring buffer (console_ring_*) driven by an operations script and compared, after every
 * operation, with a trivially correct reference model (a flat array holding the retained bytes).
 *
 * Input: byte 0 picks the ring size (1, 2 or 4 pages); then a sequence of operations, each an opcode
 * byte followed by its arguments:
 *   op % 4 == 0: write: length byte L, then L*17 % 4 pages' worth of bytes
 *                (the payload cycles over the rest of the input, so short inputs can write a lot)
 *   op % 4 == 1: read: two bytes of max_bytes (0 = all, scaled so reads around the size happen),
 *                flags = (op >> 2) & 3 (consume, clear, both)
 *   op % 4 == 2: clear
 *   op % 4 == 3: recreate the ring at another size (release + create) */

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "console/console-ring.h"
#include "fuzz.h"
#include "util/macro.h"

typedef struct Model {
        char *buf;      /* the retained bytes, oldest first */
        size_t len, cap;
} Model;

static void model_write(Model *m, const char *data, size_t len) {
        if (len >= m->cap) {
                memcpy(m->buf, data + len - m->cap, m->cap);
                m->len = m->cap;
                return;
        }
        if (m->len + len > m->cap) {
                size_t drop = m->len + len - m->cap;
                memmove(m->buf, m->buf + drop, m->len - drop);
                m->len -= drop;
        }
        memcpy(m->buf + m->len, data, len);
        m->len += len;
}

static void model_consume(Model *m, size_t n) {
        memmove(m->buf, m->buf + n, m->len - n);
        m->len -= n;
}

static void check_same(const ConsoleRing *ring, const Model *m, unsigned step) {
        fuzz_assert(console_ring_used(ring) == m->len, "step %u: ring holds %llu bytes, model %zu", step,
                    (unsigned long long) console_ring_used(ring), m->len);
        fuzz_assert(ring->r_off < ring->size && ring->w_off >= ring->r_off &&
                    ring->w_off <= ring->r_off + ring->size,
                    "step %u: offsets r=%llu w=%llu size=%llu", step, (unsigned long long) ring->r_off,
                    (unsigned long long) ring->w_off, (unsigned long long) ring->size);
        fuzz_assert(memcmp(ring->addr + ring->r_off, m->buf, m->len) == 0, "step %u: contents differ", step);
}

static uint64_t ring_size(uint8_t b, size_t page) {
        return (uint64_t) page << (b % 3);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(console_ring_release) ConsoleRing ring = CONSOLE_RING_INIT;
        _cleanup_free_ char *payload = NULL;
        Model m = {};
        size_t page = (size_t) sysconf(_SC_PAGESIZE), pos = 0;
        unsigned step = 0;

        if (size < 1)
                return 0;
        /* Payload bytes: the input repeated, so writes of any length are possible. */
        size_t payload_cap = 8 * page + 16; /* the longest write: 2 * (4 pages) + 1 */
        payload = malloc(payload_cap);
        if (!payload)
                abort();
        for (size_t i = 0; i < payload_cap; i++)
                payload[i] = (char) (data[i % size] + i / size);

        uint64_t rs = ring_size(data[pos++], page);
        if (console_ring_create(&ring, rs) < 0)
                abort();
        m.cap = (size_t) rs;
        m.buf = malloc(4 * page);
        if (!m.buf)
                abort();

        while (pos < size && step < 4096) {
                uint8_t op = data[pos++];
                step++;
                switch (op % 4) {
                case 0: {
                        size_t len = pos < size ? data[pos++] : 0;
                        len = (len * 17 * 257) % (2 * m.cap + 2); /* 0 .. twice the size, beyond it too */
                        size_t off = (size_t) op * 31 % (payload_cap - len + 1);
                        console_ring_write(&ring, payload + off, len);
                        if (len > 0)
                                model_write(&m, payload + off, len);
                        break;
                }
                case 1: {
                        uint64_t max = 0;
                        if (pos + 1 < size) {
                                max = ((uint64_t) data[pos] << 8 | data[pos + 1]) * 3 % (2 * m.cap + 1);
                                pos += 2;
                        }
                        unsigned flags = (op >> 2) & 3;
                        _cleanup_free_ char *out = NULL;
                        size_t out_len = 0;
                        int r = console_ring_read(&ring, max, flags, &out, &out_len);
                        fuzz_assert(r == 0 && out, "step %u: read: %d", step, r);
                        size_t want = max > 0 && max < m.len ? (size_t) max : m.len;
                        fuzz_assert(out_len == want, "step %u: read %zu bytes, want %zu", step, out_len, want);
                        fuzz_assert(memcmp(out, m.buf, want) == 0 && out[want] == 0,
                                    "step %u: read returned other bytes", step);
                        if (flags & CONSOLE_RING_READ_CLEAR)
                                m.len = 0;
                        else if (flags & CONSOLE_RING_READ_CONSUME)
                                model_consume(&m, want);
                        break;
                }
                case 2:
                        console_ring_clear(&ring);
                        m.len = 0;
                        break;
                case 3:
                        console_ring_release(&ring);
                        rs = ring_size(op >> 2, page);
                        if (console_ring_create(&ring, rs) < 0)
                                abort();
                        m.cap = (size_t) rs;
                        m.len = 0;
                        break;
                }
                check_same(&ring, &m, step);
        }

        /* Invalid arguments are refused, not acted on. */
        char *dummy = NULL;
        fuzz_assert(console_ring_read(&ring, 0, 4, &dummy, NULL) == -EINVAL && !dummy, "bad flags accepted");

        free(m.buf);
        return 0;
}
