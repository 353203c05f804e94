/* codec.h — integer codecs for postings and positions (internal).
 * Formats: docs/format.md, "POSTINGS" (packed128 blocks, varints) and
 * "POSITIONS". */
#ifndef NSI_CODEC_H
#define NSI_CODEC_H

#include <stddef.h>
#include <stdint.h>

/* Postings are coded in blocks of NSI_BLOCK integers. */
#define NSI_BLOCK 128

/* LEB128 varint: 7 bits per byte, low bits first, high bit = more follows.
 * At most 10 bytes. Returns the number of bytes written to p. */
static inline size_t nsi_varint_put(uint8_t *p, uint64_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        p[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    p[n++] = (uint8_t)v;
    return n;
}

/* Decodes one varint at *p, not reading at or past end, and advances *p.
 * Returns NS_OK, or NS_ECORRUPT when the input ends inside the varint or the
 * value does not fit 64 bits. */
int nsi_varint_get(const uint8_t **p, const uint8_t *end, uint64_t *v);

/* Same, for values that must fit 32 bits (NS_ECORRUPT otherwise). */
int nsi_varint_get32(const uint8_t **p, const uint8_t *end, uint32_t *v);

/* Most bytes nsi_pack128 writes. */
#define NSI_PACK128_MAX (1 + NSI_BLOCK * 4)

/* Bit-packs exactly NSI_BLOCK 32-bit integers: one byte holding the bit width
 * w (0..32, the width of the largest value), then NSI_BLOCK*w bits, little
 * endian, value i at bit i*w. Returns the bytes written (1 + 16*w). */
size_t nsi_pack128(const uint32_t in[NSI_BLOCK], uint8_t *out);

/* Decodes a block written by nsi_pack128 from *p (not past end) into out and
 * advances *p. NS_ECORRUPT on a width over 32 or a short input. */
int nsi_unpack128(const uint8_t **p, const uint8_t *end, uint32_t out[NSI_BLOCK]);

#endif
