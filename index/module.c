/* module.c — backend modules: a backend built as its own shared library
 * (libnsearch-<name>.so.<MAJOR.MINOR>, e.g. the Xapian backend), loaded with
 * dlopen the first time an index needs it, so that a process that never
 * opens such an index never loads its libraries (libxapian, libstdc++).
 *
 * Where a module is looked for, in order:
 *   1. $NSEARCH_MODULE_DIR, when set and not empty: there and nowhere else
 *      (tests, and a module kept outside the library's folder);
 *   2. the folder of the object that holds this code: libnsearch.so's folder
 *      (found with dladdr), or a statically linked program's;
 *   3. the install libdir (NSI_MODULE_LIBDIR, from CMake).
 * A module exports one function, NSI_MODULE_ENTRY (backend.h), which is
 * handed this library's side (nsi_module_host: table ABI, version, where
 * messages go) and refuses another version. A loaded module stays loaded
 * until the process ends. */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "backend.h"
#include "common/internal.h"

#ifndef NSI_MODULE_SOVERSION
#define NSI_MODULE_SOVERSION "0"
#endif
#ifndef NSI_MODULE_LIBDIR
#define NSI_MODULE_LIBDIR "/usr/local/lib"
#endif

#define MAX_MODULES 4

static pthread_mutex_t modules_mu = PTHREAD_MUTEX_INITIALIZER;
static struct {
    const char *name; /* a static string */
    const nsi_backend *backend;
} modules[MAX_MODULES];

/* The folder of the object this function is in, into dir (no trailing
 * slash); 0 when dladdr cannot say. */
static int own_dir(char *dir, size_t len)
{
    Dl_info info;
    if (!dladdr((const void *)own_dir, &info) || !info.dli_fname || !info.dli_fname[0])
        return 0;
    const char *slash = strrchr(info.dli_fname, '/');
    if (!slash) /* a bare name: the program was found on $PATH */
        return 0;
    size_t n = (size_t)(slash - info.dli_fname);
    if (n == 0)
        n = 1; /* "/" */
    if (n >= len)
        return 0;
    memcpy(dir, info.dli_fname, n);
    dir[n] = '\0';
    return 1;
}

/* Loads path and checks its entry. Returns the table, or NULL with a
 * message in err (NSI_ERRMSG). */
static const nsi_backend *load(const char *path, const char *name, char *err)
{
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *e = dlerror();
        nsi_fail(err, NSI_ERRMSG, NS_EUNSUPPORTED, "the %s backend module %s cannot be loaded: %s",
                 name, path, e ? e : "dlopen failed");
        return NULL;
    }
    const nsi_backend *(*entry)(const nsi_module_host *, char *) =
        (const nsi_backend *(*)(const nsi_module_host *, char *))dlsym(h, NSI_MODULE_ENTRY);
    if (!entry) {
        nsi_fail(err, NSI_ERRMSG, NS_EUNSUPPORTED, "%s is not an nsearch backend module (no %s)",
                 path, NSI_MODULE_ENTRY);
        dlclose(h);
        return NULL;
    }
    static const nsi_module_host host = {NSI_BACKEND_ABI, NS_VERSION_STRING, nsi_index_errbuf};
    char why[NSI_ERRMSG] = "";
    const nsi_backend *b = entry(&host, why);
    if (!b || strcmp(b->name, name) != 0) {
        nsi_fail(err, NSI_ERRMSG, NS_EUNSUPPORTED, "%s: %s", path,
                 b ? "the module of another backend" : why);
        dlclose(h);
        return NULL;
    }
    return b; /* h stays open for the life of the process */
}

static const nsi_backend *find_and_load(const char *name, char *err)
{
    char file[128], path[4400];
    snprintf(file, sizeof file, "libnsearch-%s.so.%s", name, NSI_MODULE_SOVERSION);

    const char *dirs[2];
    size_t ndirs = 0;
    char self[4096];
    const char *env = secure_getenv("NSEARCH_MODULE_DIR");
    if (env && env[0]) {
        dirs[ndirs++] = env;
    } else {
        if (own_dir(self, sizeof self))
            dirs[ndirs++] = self;
        if (ndirs == 0 || strcmp(self, NSI_MODULE_LIBDIR) != 0)
            dirs[ndirs++] = NSI_MODULE_LIBDIR;
    }
    for (size_t i = 0; i < ndirs; i++) {
        snprintf(path, sizeof path, "%s/%s", dirs[i], file);
        if (access(path, F_OK) == 0)
            return load(path, name, err);
    }
    if (ndirs == 1)
        nsi_fail(err, NSI_ERRMSG, NS_EUNSUPPORTED, "the %s backend module %s is not in %s%s", name,
                 file, dirs[0], env && env[0] ? " ($NSEARCH_MODULE_DIR)" : "");
    else
        nsi_fail(err, NSI_ERRMSG, NS_EUNSUPPORTED,
                 "the %s backend module %s is in neither %s nor %s (it is installed beside "
                 "libnsearch; $NSEARCH_MODULE_DIR names another folder)",
                 name, file, dirs[0], dirs[1]);
    return NULL;
}

const nsi_backend *nsi_module_backend(const char *name, int *rc, char *err)
{
    const nsi_backend *b = NULL;
    pthread_mutex_lock(&modules_mu);
    size_t i = 0;
    for (; i < MAX_MODULES && modules[i].name; i++)
        if (strcmp(modules[i].name, name) == 0) {
            b = modules[i].backend;
            break;
        }
    if (!b) {
        b = find_and_load(name, err);
        if (b && i < MAX_MODULES) { /* a failure is not kept: the next open looks again */
            modules[i].name = b->name;
            modules[i].backend = b;
        }
    }
    pthread_mutex_unlock(&modules_mu);
    *rc = b ? NS_OK : NS_EUNSUPPORTED;
    return b;
}
