/* nstest.h — a tiny test harness: each CHECK failure is reported with file and
 * line and makes the program exit 1; NS_TEST_MAIN runs the listed tests and
 * prints "N passed, N failed". */
#ifndef NSTEST_H
#define NSTEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int nst_failures;
static int nst_checks;

#define CHECK(cond)                                                            \
    do {                                                                       \
        nst_checks++;                                                          \
        if (!(cond)) {                                                         \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__,   \
                    #cond);                                                    \
            nst_failures++;                                                    \
        }                                                                      \
    } while (0)

#define CHECK_EQ_INT(a, b)                                                     \
    do {                                                                       \
        long long nst_a = (long long)(a), nst_b = (long long)(b);              \
        nst_checks++;                                                          \
        if (nst_a != nst_b) {                                                  \
            fprintf(stderr, "%s:%d: CHECK_EQ_INT failed: %s == %lld, %s == %lld\n", \
                    __FILE__, __LINE__, #a, nst_a, #b, nst_b);                 \
            nst_failures++;                                                    \
        }                                                                      \
    } while (0)

#define CHECK_EQ_STR(a, b)                                                     \
    do {                                                                       \
        const char *nst_a = (a), *nst_b = (b);                                 \
        nst_checks++;                                                          \
        if (!nst_a || !nst_b || strcmp(nst_a, nst_b) != 0) {                   \
            fprintf(stderr, "%s:%d: CHECK_EQ_STR failed: %s == \"%s\", expected \"%s\"\n", \
                    __FILE__, __LINE__, #a, nst_a ? nst_a : "(null)",          \
                    nst_b ? nst_b : "(null)");                                 \
            nst_failures++;                                                    \
        }                                                                      \
    } while (0)

typedef struct nst_case {
    const char *name;
    void (*fn)(void);
} nst_case;

#define NST(fn) {#fn, fn}

static inline int nst_run(const nst_case *cases, size_t n)
{
    int passed = 0, failed = 0;
    for (size_t i = 0; i < n; i++) {
        int before = nst_failures;
        cases[i].fn();
        if (nst_failures == before) {
            passed++;
            printf("ok   %s\n", cases[i].name);
        } else {
            failed++;
            printf("FAIL %s\n", cases[i].name);
        }
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}

#define NS_TEST_MAIN(...)                                                      \
    int main(void)                                                             \
    {                                                                          \
        static const nst_case cases[] = {__VA_ARGS__};                         \
        return nst_run(cases, sizeof cases / sizeof cases[0]);                 \
    }

/* The shared corpora folder (CTest sets NS_SHARED_DIR). */
static inline const char *nst_shared_dir(void)
{
    const char *d = getenv("NS_SHARED_DIR");
    return d && *d ? d : "../shared";
}

#endif
