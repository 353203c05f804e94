/* fields.h — `bench_nsearch fields` (fields.c): typed fields' query costs. */
#ifndef NS_BENCH_FIELDS_H
#define NS_BENCH_FIELDS_H

/* The whole command; argv[1] is "fields". Returns the exit status. */
int nsd_fields_main(int argc, char **argv);

#endif
