/*
 * example.c — a program that uses an installed libnsearch, as a user of the
 * package would. Built by tests/e2e/T900-pkgconfig.sh twice: with
 * `pkg-config --cflags --libs nsearch` and through CMake's
 * find_package(nsearch) (CMakeLists.txt beside this file).
 *
 * It prints the library version, then one line per term that the analysis
 * chain produces for argv[1] ("term position start end").
 */
#include <nsearch.h>
#include <stdio.h>
#include <string.h>

static int print_term(void *ctx, const char *term, size_t term_len, uint32_t position, size_t start,
                      size_t end)
{
    (void)ctx;
    printf("%.*s %u %zu %zu\n", (int)term_len, term, (unsigned)position, start, end);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: example TEXT\n");
        return 2;
    }
    /* The header and the shared library found at run time must agree. */
    if (strcmp(ns_version(), NS_VERSION_STRING) != 0) {
        fprintf(stderr, "example: header %s, library %s\n", NS_VERSION_STRING, ns_version());
        return 1;
    }
    printf("nsearch %s\n", ns_version());
    int rc = ns_analyze("english", argv[1], strlen(argv[1]), print_term, NULL);
    if (rc != NS_OK) {
        fprintf(stderr, "example: ns_analyze: %s\n", ns_strerror(rc));
        return 1;
    }
    return 0;
}
