/* nstest.h — a tiny test harness: each CHECK failure is reported with file and
 * line and makes the program exit 1; NS_TEST_MAIN runs the listed tests and
 * prints "N passed, N failed". Test cases are named test_<what>.
 *
 * A program whose cases share state builds it in a fixture, which is not a
 * test case:
 *
 *   NS_TEST_MAIN_FIXTURE(setup, teardown, NST(test_a), NST(test_b))
 *
 * setup runs once before the first case, teardown once after the last (either
 * may be NULL). A failed CHECK in setup fails the program and no case runs;
 * teardown then still runs (it must cope with a partial setup), and a failed
 * CHECK in it fails the program too. When the test cannot run on this machine,
 * setup calls nst_skip("why"): no case runs, teardown runs, and the program
 * exits NST_SKIPPED, which CTest shows as skipped (SKIP_RETURN_CODE), never
 * as passed. */
#ifndef NSTEST_H
#define NSTEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int nst_failures;
static int nst_checks;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        nst_checks++;                                                                              \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);               \
            nst_failures++;                                                                        \
        }                                                                                          \
    } while (0)

#define CHECK_EQ_INT(a, b)                                                                         \
    do {                                                                                           \
        long long nst_a = (long long)(a), nst_b = (long long)(b);                                  \
        nst_checks++;                                                                              \
        if (nst_a != nst_b) {                                                                      \
            fprintf(stderr, "%s:%d: CHECK_EQ_INT failed: %s == %lld, %s == %lld\n", __FILE__,      \
                    __LINE__, #a, nst_a, #b, nst_b);                                               \
            nst_failures++;                                                                        \
        }                                                                                          \
    } while (0)

#define CHECK_EQ_STR(a, b)                                                                         \
    do {                                                                                           \
        const char *nst_a = (a), *nst_b = (b);                                                     \
        nst_checks++;                                                                              \
        if (!nst_a || !nst_b || strcmp(nst_a, nst_b) != 0) {                                       \
            fprintf(stderr, "%s:%d: CHECK_EQ_STR failed: %s == \"%s\", expected \"%s\"\n",         \
                    __FILE__, __LINE__, #a, nst_a ? nst_a : "(null)", nst_b ? nst_b : "(null)");   \
            nst_failures++;                                                                        \
        }                                                                                          \
    } while (0)

typedef struct nst_case {
    const char *name;
    void (*fn)(void);
} nst_case;

#define NST(fn)                                                                                    \
    {                                                                                              \
#fn, fn                                                                                    \
    }

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

/* The exit status of a skipped test program (CTest's SKIP_RETURN_CODE). */
#define NST_SKIPPED 77

static const char *nst_skip_reason;

/* Called by a fixture's setup: this machine cannot run the test (why). */
static inline void nst_skip(const char *why) { nst_skip_reason = why; }

typedef struct nst_fixture {
    void (*setup)(void);
    void (*teardown)(void);
} nst_fixture;

/* setup, the cases, teardown: the program's exit status. */
static inline int nst_run_fixture(nst_fixture fx, const nst_case *cases, size_t n)
{
    int rc;
    int before = nst_failures;
    if (fx.setup)
        fx.setup();
    if (nst_failures != before) {
        printf("FAIL setup: %zu test(s) not run\n", n);
        rc = 1;
    } else if (nst_skip_reason) {
        printf("SKIPPED: %s (%zu test(s) not run)\n", nst_skip_reason, n);
        rc = NST_SKIPPED;
    } else {
        rc = nst_run(cases, n);
    }
    before = nst_failures;
    if (fx.teardown)
        fx.teardown();
    if (nst_failures != before) {
        printf("FAIL teardown\n");
        rc = 1;
    }
    return rc;
}

#define NS_TEST_MAIN_FIXTURE(setup_fn, teardown_fn, ...)                                           \
    int main(void)                                                                                 \
    {                                                                                              \
        static const nst_case cases[] = {__VA_ARGS__};                                             \
        const nst_fixture fx = {setup_fn, teardown_fn};                                            \
        return nst_run_fixture(fx, cases, sizeof cases / sizeof cases[0]);                         \
    }

#define NS_TEST_MAIN(...) NS_TEST_MAIN_FIXTURE(NULL, NULL, __VA_ARGS__)

/* The shared corpora folder (CTest sets NS_SHARED_DIR). */
static inline const char *nst_shared_dir(void)
{
    const char *d = getenv("NS_SHARED_DIR");
    return d && *d ? d : "../shared";
}

#endif
