/* docs.h — a few invented documents (written for these tests, not taken from
 * any corpus) for the fuzz targets that need an index. */
#ifndef NS_FUZZ_DOCS_H
#define NS_FUZZ_DOCS_H

#include <string.h>

#include "nsearch.h"

static const char *const fuzz_docs[][3] = {
    {"d1", "Storm closes the harbour",
     "The storm closed the harbour at dawn. Fishing boats waited three days for the wind "
     "to drop, and the harbour master said relations with the port authority were strained."},
    {"d2", "Talks resume after the thaw",
     "Diplomats resumed talks on Tuesday after a long thaw. Both sides said they would not "
     "sever relations, though the ministry warned of new tariffs on steel and grain."},
    {"d3", "Détente in the north",
     "Détente returned to the northern valley: the café reopened, the school's roof was "
     "repaired and 21,000 visitors came in U.S. dollars and euros. Naïve hopes? Perhaps."},
    {"d4", "Grain prices",
     "Grain prices rose 5.93 percent. Traders blamed the storm, the harbour closure and the "
     "tariffs; the ministry blamed the traders."},
    {"d5", "Ein Sturm im Hafen",
     "Der Sturm schloss den Hafen. Die Fischer warteten drei Tage. Москва ответила "
     "сдержанно. 東京の港も閉鎖された。"},
    {"d6", "Short", "the"},
    {"d7", "",
     "A document with no title and a body that repeats harbour harbour harbour "
     "harbour harbour harbour harbour harbour harbour harbour harbour harbour."},
};
#define FUZZ_NDOCS (sizeof fuzz_docs / sizeof fuzz_docs[0])

/* Each document also gets typed fields (docs/fields.md), so that the
 * segment seeds carry VALUES columns of every type and field terms: a
 * keyword list, a number, a text value and a date, and the built-in date. */
static inline int fuzz_put_docs(ns_writer *w)
{
    static const char *const tags[] = {"Harbour", "talks", "Détente", "grain"};
    static const char *const dates[] = {"2023-11-01", "26-FEB-1987 15:01:01.79", "not a date"};
    for (size_t i = 0; i < FUZZ_NDOCS; i++) {
        ns_doc d;
        memset(&d, 0, sizeof d);
        d.id = fuzz_docs[i][0];
        d.id_len = strlen(d.id);
        d.title = fuzz_docs[i][1];
        d.title_len = strlen(d.title);
        d.body = fuzz_docs[i][2];
        d.body_len = strlen(d.body);
        d.date = dates[i % 3];
        d.date_len = strlen(d.date);
        char num[16];
        num[0] = (char)('0' + (char)i);
        num[1] = '.';
        num[2] = '5';
        ns_field f[] = {
            {"tag", 3, tags[i % 4], strlen(tags[i % 4]), NS_FIELD_KEYWORD},
            {"tag", 3, tags[(i + 1) % 4], strlen(tags[(i + 1) % 4]), NS_FIELD_KEYWORD},
            {"n", 1, num, 3, NS_FIELD_NUMBER},
            {"note", 4, d.title, d.title_len, NS_FIELD_TEXT},
            {"seen", 4, "2023-11-02T10:00:00Z", 20, NS_FIELD_DATE},
        };
        /* d6 has no fields; d7's empty title is no text value */
        size_t nf = i == 5 ? 0 : i == 6 ? 3 : 5;
        int rc = ns_writer_put_fields(w, &d, f, nf, NULL);
        if (rc)
            return rc;
    }
    return NS_OK;
}

#endif
