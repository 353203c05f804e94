/* script.h — words in scripts written without spaces between them (internal).
 *
 * The tokenizer (analyzer.c) splits text at separators; these scripts have
 * none between words, so a run of them needs other rules:
 *  - Han ideographs (and the CJK compatibility ones), Hiragana, Bopomofo:
 *    every character is a token, as in Unicode's word-break rules (UAX #29)
 *    and Lucene's StandardTokenizer. A word of several characters is then
 *    searched as the phrase of its characters (a query word that analyses to
 *    several tokens is a phrase), so 关系 is found inside 中美关系紧张 and
 *    highlighted there. ICU's dictionary segmentation was measured and not
 *    taken for these: it makes 中美关系 one word, and 关系 would not find it.
 *  - Katakana: a run is one token (UAX #29 keeps Katakana together).
 *  - Thai, Lao, Khmer and Myanmar: words from ICU's dictionary-based word
 *    break iterator (ubrk, libicuuc), loaded with dlopen the first time such
 *    text is met, so that Latin text and processes that never meet these
 *    scripts pay nothing for it. Without ICU (not built, or its library
 *    missing) a run is one token, as before.
 * Hangul is written with spaces and is tokenized like Latin text. */
#ifndef NSI_SCRIPT_H
#define NSI_SCRIPT_H

#include <stddef.h>
#include <stdint.h>

enum nsi_script {
    NSI_SCRIPT_SPACED = 0, /* words are separated: the ordinary rules */
    NSI_SCRIPT_IDEO,       /* one character, one token */
    NSI_SCRIPT_KATAKANA,   /* a run, one token */
    NSI_SCRIPT_DICT        /* a run, split into words by ICU */
};

/* The script class of a letter, mark or digit. Cheap for cp < 0x0E00 (always
 * NSI_SCRIPT_SPACED). */
static inline enum nsi_script nsi_script_of(int32_t cp)
{
    if (cp < 0x0E00)
        return NSI_SCRIPT_SPACED;
    if (cp <= 0x0EFF || (cp >= 0x1000 && cp <= 0x109F) || (cp >= 0x1780 && cp <= 0x17FF) ||
        (cp >= 0x19E0 && cp <= 0x19FF) || (cp >= 0xA9E0 && cp <= 0xA9FF) ||
        (cp >= 0xAA60 && cp <= 0xAA7F))
        return NSI_SCRIPT_DICT; /* Thai, Lao, Myanmar (+ext.), Khmer (+symbols) */
    if (cp < 0x2E80)
        return NSI_SCRIPT_SPACED;
    if ((cp >= 0x30A0 && cp <= 0x30FF && cp != 0x30FB) || (cp >= 0x31F0 && cp <= 0x31FF) ||
        (cp >= 0xFF66 && cp <= 0xFF9F))
        return NSI_SCRIPT_KATAKANA;
    if ((cp >= 0x2E80 && cp <= 0x2FDF) || (cp >= 0x3005 && cp <= 0x3007) ||
        (cp >= 0x3021 && cp <= 0x3029) || (cp >= 0x3038 && cp <= 0x303B) ||
        (cp >= 0x3040 && cp <= 0x309F) || (cp >= 0x3100 && cp <= 0x312F) ||
        (cp >= 0x31A0 && cp <= 0x31BF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
        (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0xF900 && cp <= 0xFAFF) ||
        (cp >= 0x20000 && cp <= 0x3134F))
        return NSI_SCRIPT_IDEO;
    return NSI_SCRIPT_SPACED;
}

/* Word boundaries of one run of NSI_SCRIPT_DICT text, kept per analyzer. */
typedef struct nsi_dict_words {
    const uint8_t *text; /* the text the run was found in (the call's) */
    size_t start, end;   /* the run, bytes of text */
    size_t *bounds;      /* boundaries as byte offsets, ascending, ending at end */
    size_t nbounds, cap;
    uint16_t *u16;       /* the run in UTF-16, for ICU */
    size_t *u16_to_byte; /* UTF-16 index -> byte offset */
    size_t u16_cap;
    void *iter; /* ICU's UBreakIterator, opened on first use */
} nsi_dict_words;

/* The end of the word that starts at byte i, inside the run of DICT-script
 * text [i, run_end) of s. Computes the run's words once (a later call inside
 * the same run looks them up); without ICU, or when it fails, returns
 * run_end. Call nsi_dict_words_reset at the start of every text. */
size_t nsi_dict_word_end(nsi_dict_words *d, const uint8_t *s, size_t i, size_t run_end);

/* Forgets the last run (a new text may sit at the same address). */
void nsi_dict_words_reset(nsi_dict_words *d);

void nsi_dict_words_free(nsi_dict_words *d);

#endif
