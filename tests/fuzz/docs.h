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

static inline int fuzz_put_docs(ns_writer *w)
{
    for (size_t i = 0; i < FUZZ_NDOCS; i++) {
        ns_doc d;
        memset(&d, 0, sizeof d);
        d.id = fuzz_docs[i][0];
        d.id_len = strlen(d.id);
        d.title = fuzz_docs[i][1];
        d.title_len = strlen(d.title);
        d.body = fuzz_docs[i][2];
        d.body_len = strlen(d.body);
        int rc = ns_writer_put(w, &d, NULL);
        if (rc)
            return rc;
    }
    return NS_OK;
}

#endif
