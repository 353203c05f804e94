/* xmodule.c — the entry of the Xapian backend module
 * (libnsearch-xapian.so.<MAJOR.MINOR>): the one symbol the module exports,
 * through which libnsearch (index/module.c) reaches nsi_backend_xapian. */
#include <string.h>

#include "api.h"
#include "common/internal.h"
#include "xap.h"

__attribute__((visibility("default"))) const nsi_backend *
nsearch_backend_module(const nsi_module_host *host, char *err)
{
    if (host->abi != NSI_BACKEND_ABI || !host->version ||
        strcmp(host->version, NS_VERSION_STRING) != 0) {
        nsi_fail(err, NSI_ERRMSG, NS_EUNSUPPORTED,
                 "the Xapian module of nsearch %s (table %u) cannot serve nsearch %s (table %u)",
                 NS_VERSION_STRING, (unsigned)NSI_BACKEND_ABI, host->version ? host->version : "?",
                 host->abi);
        return NULL;
    }
    /* this module's copy of api.c reports into the library's messages */
    nsi_index_errbuf_from(host->index_errbuf);
    return &nsi_backend_xapian;
}
