/* fuzz.h — shared by the fuzz targets (tests/fuzz/README.md). Each target is
 * one LLVMFuzzerTestOneInput, built with libFuzzer under clang
 * (-fsanitize=fuzzer,address,undefined) or with standalone_driver.c, which
 * replays a corpus in the normal test run. An invariant that does not hold
 * calls FUZZ_ASSERT, which aborts: the fuzzer then keeps the input. */
#ifndef NS_FUZZ_H
#define NS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define FUZZ_ASSERT(cond)                                                                          \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond);           \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* Whether s[0..n) is valid UTF-8 (no overlongs, surrogates or > U+10FFFF). */
static inline int fuzz_utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s, *e = p + n;
    while (p < e) {
        unsigned c = *p++;
        if (c < 0x80)
            continue;
        unsigned need, min, cp;
        if ((c & 0xE0) == 0xC0)
            need = 1, min = 0x80, cp = c & 0x1F;
        else if ((c & 0xF0) == 0xE0)
            need = 2, min = 0x800, cp = c & 0x0F;
        else if ((c & 0xF8) == 0xF0)
            need = 3, min = 0x10000, cp = c & 0x07;
        else
            return 0;
        if ((size_t)(e - p) < need)
            return 0;
        for (unsigned k = 0; k < need; k++) {
            if ((p[k] & 0xC0) != 0x80)
                return 0;
            cp = cp << 6 | (p[k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        p += need;
    }
    return 1;
}

#endif
