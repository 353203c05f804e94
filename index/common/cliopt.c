/* cliopt.c — getopt_long tables and --help listing from one option table. */
#include "cliopt.h"

#include <string.h>

static int has_short(const cliopt *o) { return o->id > 0 && o->id < 128; }

int cliopt_tables(const cliopt *opts, size_t n, cliopt_getopt *g)
{
    if (n > CLIOPT_MAX)
        return -1;
    char *s = g->shortopts;
    *s++ = ':';
    for (size_t i = 0; i < n; i++) {
        g->longopts[i] = (struct option){opts[i].name, opts[i].has_arg, NULL, opts[i].id};
        if (!has_short(&opts[i]))
            continue;
        *s++ = (char)opts[i].id;
        if (opts[i].has_arg != no_argument)
            *s++ = ':';
        if (opts[i].has_arg == optional_argument)
            *s++ = ':';
    }
    *s = '\0';
    g->longopts[n] = (struct option){NULL, 0, NULL, 0};
    return 0;
}

void cliopt_help(FILE *out, const cliopt *opts, size_t n, size_t column, char argsep)
{
    for (size_t i = 0; i < n; i++) {
        const cliopt *o = &opts[i];
        if (!o->help)
            continue;
        int w;
        if (has_short(o))
            w = fprintf(out, "  -%c, --%s", o->id, o->name);
        else
            w = fprintf(out, "      --%s", o->name);
        if (o->arg)
            w += fprintf(out, "%c%s", argsep, o->arg);
        size_t col = w > 0 ? (size_t)w : 0;
        if (col + 2 > column) { /* too long a name: the help starts below */
            putc('\n', out);
            col = 0;
        }
        const char *h = o->help;
        for (;;) {
            const char *nl = strchr(h, '\n');
            size_t len = nl ? (size_t)(nl - h) : strlen(h);
            fprintf(out, "%*s%.*s\n", (int)(column - col), "", (int)len, h);
            if (!nl)
                break;
            h = nl + 1;
            col = 0;
        }
    }
}
