/* script.c — words of Thai, Lao, Khmer and Myanmar text through ICU's word
 * break iterator, loaded on first use (see script.h).
 *
 * libicuuc is opened with dlopen, not linked: it pulls in libstdc++ and a
 * 30 MB data library, which every nsearch process would otherwise load
 * (docs/architecture.md, "Processes"). The functions are looked up under
 * their versioned names (ICU renames ubrk_open to ubrk_open_72), taken from
 * the headers the library was built with (NSI_WITH_ICU). */
#include "script.h"

#include <stdlib.h>
#include <string.h>

#include "common/utf8.h"

#ifdef NSI_WITH_ICU
#include <dlfcn.h>
#include <pthread.h>
#include <unicode/ubrk.h>
#include <unicode/uvernum.h>

#define NSI_STR2(x) #x
#define NSI_STR(x) NSI_STR2(x)
#define ICU_LIB "libicuuc.so." NSI_STR(U_ICU_VERSION_MAJOR_NUM)

typedef UBreakIterator *(*open_fn)(UBreakIteratorType, const char *, const UChar *, int32_t,
                                   UErrorCode *);
typedef void (*settext_fn)(UBreakIterator *, const UChar *, int32_t, UErrorCode *);
typedef int32_t (*first_fn)(UBreakIterator *);
typedef int32_t (*next_fn)(UBreakIterator *);
typedef void (*close_fn)(UBreakIterator *);

static struct {
    open_fn open;
    settext_fn settext;
    first_fn first;
    next_fn next;
    close_fn close;
} icu;
static pthread_once_t icu_once = PTHREAD_ONCE_INIT;

/* The names as the ICU headers spell them (ubrk_open_72...). */
static void icu_load(void)
{
    void *h = dlopen(ICU_LIB, RTLD_NOW | RTLD_LOCAL);
    if (!h)
        return;
    icu.open = (open_fn)dlsym(h, NSI_STR(ubrk_open));
    icu.settext = (settext_fn)dlsym(h, NSI_STR(ubrk_setText));
    icu.first = (first_fn)dlsym(h, NSI_STR(ubrk_first));
    icu.next = (next_fn)dlsym(h, NSI_STR(ubrk_next));
    icu.close = (close_fn)dlsym(h, NSI_STR(ubrk_close));
    if (!icu.open || !icu.settext || !icu.first || !icu.next || !icu.close)
        memset(&icu, 0, sizeof icu); /* kept loaded: harmless */
}

/* Fills d->bounds with the word boundaries of s[start..end). 0 on success. */
static int split_run(nsi_dict_words *d, const uint8_t *s, size_t start, size_t end)
{
    pthread_once(&icu_once, icu_load);
    if (!icu.open)
        return -1;
    size_t cap = end - start + 1; /* UTF-16 units never outnumber bytes */
    if (cap > d->u16_cap) {
        uint16_t *u = realloc(d->u16, cap * sizeof *u);
        if (!u)
            return -1;
        d->u16 = u;
        size_t *m = realloc(d->u16_to_byte, cap * sizeof *m);
        if (!m)
            return -1;
        d->u16_to_byte = m;
        d->u16_cap = cap;
    }
    size_t n = 0;
    for (size_t i = start; i < end;) {
        int32_t cp;
        size_t k = nsi_utf8_decode(s + i, end - i, &cp);
        if (cp < 0)
            cp = 0xFFFD;
        if (cp >= 0x10000) {
            d->u16_to_byte[n] = i;
            d->u16[n++] = (uint16_t)(0xD800 + ((cp - 0x10000) >> 10));
            d->u16_to_byte[n] = i;
            d->u16[n++] = (uint16_t)(0xDC00 + ((cp - 0x10000) & 0x3FF));
        } else {
            d->u16_to_byte[n] = i;
            d->u16[n++] = (uint16_t)cp;
        }
        i += k ? k : 1;
    }
    UErrorCode st = U_ZERO_ERROR;
    if (!d->iter) {
        d->iter = icu.open(UBRK_WORD, "", (const UChar *)d->u16, (int32_t)n, &st);
        if (U_FAILURE(st) || !d->iter) {
            d->iter = NULL;
            return -1;
        }
    } else {
        icu.settext(d->iter, (const UChar *)d->u16, (int32_t)n, &st);
        if (U_FAILURE(st))
            return -1;
    }
    d->nbounds = 0;
    icu.first(d->iter);
    for (int32_t b; (b = icu.next(d->iter)) != UBRK_DONE;) {
        if (d->nbounds == d->cap) {
            size_t c = d->cap ? d->cap * 2 : 64;
            size_t *p = realloc(d->bounds, c * sizeof *p);
            if (!p)
                return -1;
            d->bounds = p;
            d->cap = c;
        }
        d->bounds[d->nbounds++] = (size_t)b >= n ? end : d->u16_to_byte[b];
    }
    if (!d->nbounds || d->bounds[d->nbounds - 1] != end)
        return -1; /* not what ICU promises: fall back to the whole run */
    return 0;
}

static void close_iter(nsi_dict_words *d)
{
    if (d->iter && icu.close)
        icu.close(d->iter);
    d->iter = NULL;
}
#else
static int split_run(nsi_dict_words *d, const uint8_t *s, size_t start, size_t end)
{
    (void)d, (void)s, (void)start, (void)end;
    return -1;
}
static void close_iter(nsi_dict_words *d) { (void)d; }
#endif

size_t nsi_dict_word_end(nsi_dict_words *d, const uint8_t *s, size_t i, size_t run_end)
{
    if (!(d->text == s && i >= d->start && run_end == d->end && d->nbounds)) {
        /* a new run: it starts at i (runs are met from their start) */
        d->text = s;
        d->start = i;
        d->end = run_end;
        d->nbounds = 0;
        if (split_run(d, s, i, run_end) != 0) {
            d->nbounds = 0;
            d->text = NULL;
            return run_end;
        }
    }
    /* the first boundary after i (binary search) */
    size_t lo = 0, hi = d->nbounds;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (d->bounds[mid] <= i)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < d->nbounds ? d->bounds[lo] : run_end;
}

void nsi_dict_words_reset(nsi_dict_words *d)
{
    d->text = NULL;
    d->nbounds = 0;
}

void nsi_dict_words_free(nsi_dict_words *d)
{
    close_iter(d);
    free(d->bounds);
    free(d->u16);
    free(d->u16_to_byte);
    memset(d, 0, sizeof *d);
}
