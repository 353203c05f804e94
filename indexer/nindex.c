/* nindex.c — the indexer CLI: options, then one run of the writer.
 *
 * Order of work in a run: open (and lock) the index; delete the ids given
 * with --delete, or index the PATHs; prune; commit; optimize; close; print
 * the summary; then --stats from a fresh reader. Batches committed by
 * --commit-every stay committed if a later step fails; a failure of the
 * library (I/O, disk full, corruption) stops the run without committing the
 * partial batch. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cliopt.h"
#include "fields.h"
#include "nindex.h"
#include "paths.h"
#include "report.h"
#include "stats.h"
#include "walk.h"
#include "watch.h"

#define NI_DEFAULT_COMMIT_EVERY 10000
#define NI_DEFAULT_RAM_BUDGET 256
#define NI_STR(x) #x
#define NI_XSTR(x) NI_STR(x)

typedef struct options {
    const char *index;
    const char *language;
    const char *stdin_id;
    int stdin_jsonl;
    int prune, prune_orphans, delete_mode, optimize, no_merge, stats, quiet, wait;
    int check, check_full, list_ids, null_ids;
    int rehash;      /* --rehash: read every file, whatever its stamp */
    int backend;     /* NS_BACKEND_*, -1 when not given */
    unsigned shards; /* 0 when not given */
    unsigned commit_every;
    unsigned jobs;       /* -j: writer threads (0: the number of CPUs) */
    unsigned ram_budget; /* --ram-budget, MiB */
    enum { PROGRESS_AUTO, PROGRESS_ALWAYS, PROGRESS_NEVER } progress;
    char **operands;
    int noperands;
    const char **delete_ids; /* from --delete=ID */
    int ndelete_ids;
    const char **excludes; /* --exclude GLOB (shares delete_ids' allocation) */
    int nexcludes;
    const char **includes; /* --include GLOB (the same allocation) */
    int nincludes;
    const char **fields; /* --field NAME:TYPE (the same allocation) */
    int nfields;
    int watch;              /* --watch: keep indexing changes (watch.c) */
    const char *files_from; /* --files-from FILE ("-": stdin) */
    char *files_buf;        /* its contents, split in place */
    char **files_ops;       /* argv's operands, then the list's paths */
} options;

enum {
    OPT_LANGUAGE = 256,
    OPT_PRUNE,
    OPT_PRUNE_ORPHANS,
    OPT_DELETE,
    OPT_OPTIMIZE,
    OPT_NO_MERGE,
    OPT_WATCH,
    OPT_STATS,
    OPT_COMMIT_EVERY,
    OPT_RAM_BUDGET,
    OPT_PROGRESS,
    OPT_ID,
    OPT_JSONL,
    OPT_WAIT,
    OPT_CHECK,
    OPT_FULL,
    OPT_LIST_IDS,
    OPT_BACKEND,
    OPT_SHARDS,
    OPT_EXCLUDE,
    OPT_INCLUDE,
    OPT_FILES_FROM,
    OPT_FIELD,
    OPT_REHASH
};

/* Each option once: getopt_long's tables and --help come from here. */
static const cliopt option_table[] = {
    {"index", 'd', required_argument, "INDEX", "the index folder, created if missing (see below)"},
    {"language", OPT_LANGUAGE, required_argument, "LANG",
     "stemming language of a new index (default english;\n"
     "\"none\" turns stemming off); an existing index keeps its own"},
    {"backend", OPT_BACKEND, required_argument, "KIND",
     "engine of a new index: native (default) or xapian (a\n"
     "Xapian database, docs/xapian.md); an existing index keeps its own"},
    {"shards", OPT_SHARDS, required_argument, "N",
     "with --backend=xapian: spread the documents over N\n"
     "databases INDEX/shard-0... listed by the stub INDEX/XAPIANDB;\n"
     "a document's id decides its shard (docs/scale-out.md)"},
    {"exclude", OPT_EXCLUDE, required_argument, "GLOB",
     "in folders, skip files and folders whose name, or path\n"
     "below the folder given, matches GLOB (shell wildcards;\n"
     "repeatable), e.g. --exclude '*.jsonl' --exclude 'drafts/*'"},
    {"include", OPT_INCLUDE, required_argument, "GLOB",
     "in folders, index only files whose name, or path below\n"
     "the folder given, matches GLOB (repeatable: any of them;\n"
     "--exclude still wins), e.g. --include '*.md'"},
    {"files-from", OPT_FILES_FROM, required_argument, "FILE",
     "also index the paths listed in FILE ('-': standard\n"
     "input), one per line, or NUL-separated if the list holds\n"
     "a NUL byte (find -print0), e.g. find . -name '*.md' |\n"
     "nindex --files-from -"},
    {"field", OPT_FIELD, required_argument, "NAME:TYPE",
     "record field NAME with TYPE (keyword, date, number or\n"
     "text) instead of inferring it from its first value\n"
     "(repeatable; docs/fields.md), e.g. --field oldid:number"},
    {"rehash", OPT_REHASH, no_argument, NULL,
     "read every file again and compare its content with the\n"
     "index, even one whose size, mtime, inode and device are\n"
     "those of the last run (which is otherwise counted\n"
     "unchanged without being opened; docs/format.md)"},
    {"prune", OPT_PRUNE, no_argument, NULL,
     "remove documents whose file no longer exists (ids that\n"
     "start with '/'; JSON record ids should not)"},
    {"prune-orphans", OPT_PRUNE_ORPHANS, no_argument, NULL,
     "delete orphan segments (committed after the COMMIT in\n"
     "force: an older COMMIT was put back) instead of refusing\n"
     "to write; --check reports them (docs/format.md)"},
    {"delete", OPT_DELETE, optional_argument, NULL,
     "the operands are ids of documents to delete, not paths\n"
     "(a relative path is also tried as its absolute form);\n"
     "--delete=ID deletes ID"},
    {"optimize", OPT_OPTIMIZE, no_argument, NULL, "merge the index into one segment at the end"},
    {"no-merge", OPT_NO_MERGE, no_argument, NULL,
     "leave the segments this run wrote as they are (by\n"
     "default they are merged into one at the end, so that a\n"
     "one-run index searches as fast as an optimized one)"},
    {"watch", OPT_WATCH, no_argument, NULL,
     "after indexing, keep watching the folders given (inotify)\n"
     "and index what changes in them, one commit per quiet\n"
     "batch, until Ctrl-C or SIGTERM (then exit 0)"},
    {"stats", OPT_STATS, no_argument, NULL, "print what the index holds (alone or after indexing)"},
    {"check", OPT_CHECK, no_argument, NULL,
     "verify the index without changing it: checksums and\n"
     "structure of every file; exit 0 if sound, 1 if corrupt\n"
     "(naming the file, section and offset), 2 on other errors"},
    {"full", OPT_FULL, no_argument, NULL,
     "with --check: also analyse every stored document again\n"
     "and compare with the index's postings"},
    {"list-ids", OPT_LIST_IDS, no_argument, NULL,
     "print the id of every live document, one per line,\n"
     "escaped: \\\\ for \\, \\n \\r \\t, \\xHH for other control\n"
     "bytes (undo with printf '%b'); read from the last\n"
     "commit, without the writer lock"},
    {"null", '0', no_argument, NULL,
     "with --list-ids: end each id with a NUL byte\n"
     "instead, unescaped; with --files-from: the list\n"
     "is NUL-separated (find -print0)"},
    {"commit-every", OPT_COMMIT_EVERY, required_argument, "N",
     "commit after every N changed documents, so an\n"
     "interruption loses at most N (default " NI_XSTR(NI_DEFAULT_COMMIT_EVERY) "; 0: at the end)"},
    {"jobs", 'j', required_argument, "N",
     "analyse documents and write segments on N threads\n"
     "(default: the number of CPUs; 1: on nindex's own);\n"
     "the index searches the same for any N"},
    {"ram-budget", OPT_RAM_BUDGET, required_argument, "MB",
     "memory for documents not yet written as segments,\n"
     "shared by the threads (default " NI_XSTR(NI_DEFAULT_RAM_BUDGET) ")"},
    {"id", OPT_ID, required_argument, "ID", "the id of the document read from '-' (required)"},
    {"jsonl", OPT_JSONL, no_argument, NULL,
     "read '-' as JSON lines instead (ids from the records)"},
    {"wait", OPT_WAIT, no_argument, NULL,
     "wait for another writer of the index instead of failing"},
    {"quiet", 'q', no_argument, NULL, "print only errors: no warnings, progress or summary"},
    {"progress", OPT_PROGRESS, required_argument, "WHEN",
     "progress line on stderr: auto (on a terminal), always,\n"
     "never"},
    {"help", 'h', no_argument, NULL, "show this help"},
    {"version", 'V', no_argument, NULL, "show the version"},
};
#define NOPTIONS (sizeof option_table / sizeof option_table[0])

/* "Languages: a, b, ...", wrapped to fit 80 columns. */
static void list_languages(nsi_buf *out)
{
    const char *const *langs = ns_languages();
    size_t col = 11;
    nsi_buf_puts(out, "Languages:");
    for (size_t i = 0; langs && langs[i]; i++) {
        size_t len = strlen(langs[i]);
        if (col + len + 2 > 78) {
            nsi_buf_puts(out, "\n ");
            col = 1;
        }
        nsi_buf_putc(out, ' ');
        nsi_buf_puts(out, langs[i]);
        if (langs[i + 1])
            nsi_buf_putc(out, ',');
        col += len + 2;
    }
    nsi_buf_putc(out, '\n');
}

static void usage(FILE *out, const char *default_index)
{
    nsi_buf languages = {0};
    list_languages(&languages);
    fputs("Usage: nindex [OPTION]... PATH...\n"
          "       nindex [OPTION]... --delete ID...\n"
          "       nindex [-d INDEX] --stats\n"
          "       nindex [-d INDEX] --check [--full]\n"
          "Add files to a full-text index, or bring it up to date with them.\n"
          "\n"
          "A PATH is a file, a folder (indexed recursively, in name order; names\n"
          "starting with '.' are skipped, symbolic links are followed) or '-' for\n"
          "standard input. What a file holds is decided by its extension:\n"
          "  .txt .text and none                text; the title is the first line\n"
          "  .md .markdown                      Markdown, without its markup; the\n"
          "                                     title is the first heading or line\n"
          "  .html .htm .xhtml                  HTML; the title is the <title>\n"
          "  .pdf                               PDF; the title is the document's\n"
          "                                     Title or its first line\n"
          "  .mbox .mbx .eml, Maildir           e-mail, one document per message:\n"
          "                                     the Subject is the title, the id\n"
          "                                     mid:MESSAGE-ID\n"
          "  .epub .odt .docx                   books and documents; the title is\n"
          "                                     their metadata's or the first line\n"
          "  .jsonl .ndjson                     one JSON object per line: \"id\"\n"
          "                                     (required), \"title\", \"body\", \"url\",\n"
          "                                     \"date\"; other members become typed\n"
          "                                     fields (docs/fields.md) and are kept as\n"
          "                                     metadata\n"
          "  anything else                      indexed as text if it is text\n"
          "Each may be compressed: .gz, .xz or .bz2 after its extension. Text in\n"
          "another encoding than UTF-8 (a BOM, a declared charset, or detected) is\n"
          "converted; bytes it cannot decode are reported.\n"
          "Binary, empty and unsupported files are skipped with a warning, and so\n"
          "are named pipes, sockets and devices in a folder (never opened). A JSON\n"
          "record whose \"id\" holds a NUL (\\u0000) is skipped as invalid.\n"
          "\n"
          "A document's date comes from its content: a JSON record's \"date\", an HTML\n"
          "page's article:published_time, og:, dc.date or date meta, JSON-LD\n"
          "datePublished or <time datetime>, a Markdown front matter's date: (whose\n"
          "tags: and author: become keyword fields). A plain text file has no date;\n"
          "every file's modification time is its field mtime. A value that does not\n"
          "fit its field (a date that does not parse, text in a number field) is\n"
          "reported with its input and line and dropped; the document is indexed.\n"
          "\n"
          "A file's document id is its absolute path (so running again from another\n"
          "folder finds the same document); a JSON record's id is its \"id\". Indexing\n"
          "again adds new documents, updates changed ones and leaves the rest alone.\n"
          "\n"
          "Options:\n",
          out);
    cliopt_help(out, option_table, NOPTIONS, 24, '=');
    fprintf(out,
            "\n"
            "Without -d the index is $NSEARCH_INDEX, else $XDG_DATA_HOME/nsearch/index,\n"
            "else ~/.local/share/nsearch/index (here: %s).\n"
            "\n"
            "%s"
            "\n"
            "Exit status:\n"
            "  0    success (skipping binary, empty, unsupported or too large files is\n"
            "       not a failure, nor is a merge that fails after the commit: it is\n"
            "       reported and retried on the next run)\n"
            "  1    some input could not be read or indexed (unreadable file, malformed\n"
            "       JSON line, record without id), an id to delete was not found, or the\n"
            "       index could not be written (for instance, locked by another writer,\n"
            "       or the index folder or its LOCK removed or replaced during the run);\n"
            "       everything else was still indexed and committed\n"
            "  2    usage error\n"
            "  3    the index is corrupt\n"
            "  130  interrupted (what was indexed until then is committed)\n",
            default_index ? default_index : "unknown: no home folder",
            languages.str ? languages.str : "");
    nsi_buf_free(&languages);
}

static int parse_count(const char *s, unsigned *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (!*s || *end || errno || s[0] == '-' || v > 0xFFFFFFFFul)
        return -1;
    *out = (unsigned)v;
    return 0;
}

/* Reports getopt's failure for the option at argv[optind - 1]. */
static void bad_option(int c, char **argv)
{
    const char *arg = argv[optind - 1];
    if (c == ':')
        ni_usage_error("option '%s' needs an argument", arg);
    else if (optopt && optopt < 256)
        ni_usage_error("unknown option '-%c'", optopt);
    else if (optopt >= 256)
        ni_usage_error("option '%.*s' takes no argument", (int)strcspn(arg, "="), arg);
    else
        ni_usage_error("unknown or ambiguous option '%s'", arg);
}

/* Handles one option. Returns -1 to go on, else an exit status. */
static int take_option(int c, options *o, char **argv)
{
    switch (c) {
    case 'd':
        o->index = optarg;
        return -1;
    case OPT_LANGUAGE:
        o->language = optarg;
        return -1;
    case OPT_REHASH:
        o->rehash = 1;
        return -1;
    case OPT_PRUNE:
        o->prune = 1;
        return -1;
    case OPT_PRUNE_ORPHANS:
        o->prune_orphans = 1;
        return -1;
    case OPT_DELETE:
        if (optarg)
            o->delete_ids[o->ndelete_ids++] = optarg;
        else
            o->delete_mode = 1;
        return -1;
    case OPT_OPTIMIZE:
        o->optimize = 1;
        return -1;
    case OPT_NO_MERGE:
        o->no_merge = 1;
        return -1;
    case OPT_WATCH:
        o->watch = 1;
        return -1;
    case OPT_STATS:
        o->stats = 1;
        return -1;
    case OPT_COMMIT_EVERY:
        if (parse_count(optarg, &o->commit_every) == 0)
            return -1;
        ni_usage_error("--commit-every needs a count, not '%s'", optarg);
        return NI_EXIT_USAGE;
    case 'j':
        if (parse_count(optarg, &o->jobs) == 0 && o->jobs >= 1 && o->jobs <= NS_MAX_WRITER_THREADS)
            return -1;
        ni_usage_error("-j needs a thread count from 1 to %d, not '%s'", NS_MAX_WRITER_THREADS,
                       optarg);
        return NI_EXIT_USAGE;
    case OPT_RAM_BUDGET:
        if (parse_count(optarg, &o->ram_budget) == 0 && o->ram_budget >= 1 &&
            o->ram_budget <= 1u << 20)
            return -1;
        ni_usage_error("--ram-budget needs megabytes from 1 to 1048576, not '%s'", optarg);
        return NI_EXIT_USAGE;
    case OPT_PROGRESS:
        if (!strcmp(optarg, "auto"))
            o->progress = PROGRESS_AUTO;
        else if (!strcmp(optarg, "always"))
            o->progress = PROGRESS_ALWAYS;
        else if (!strcmp(optarg, "never"))
            o->progress = PROGRESS_NEVER;
        else {
            ni_usage_error("--progress takes auto, always or never, not '%s'", optarg);
            return NI_EXIT_USAGE;
        }
        return -1;
    case OPT_ID:
        o->stdin_id = optarg;
        return -1;
    case OPT_JSONL:
        o->stdin_jsonl = 1;
        return -1;
    case OPT_WAIT:
        o->wait = 1;
        return -1;
    case OPT_CHECK:
        o->check = 1;
        return -1;
    case OPT_FULL:
        o->check_full = 1;
        return -1;
    case OPT_LIST_IDS:
        o->list_ids = 1;
        return -1;
    case '0':
        o->null_ids = 1;
        return -1;
    case OPT_BACKEND:
        if (!strcmp(optarg, "native") || !strcmp(optarg, "xapian")) {
            o->backend = optarg[0] == 'x' ? NS_BACKEND_XAPIAN : NS_BACKEND_NATIVE;
            return -1;
        }
        ni_usage_error("--backend takes native or xapian, not '%s'", optarg);
        return NI_EXIT_USAGE;
    case OPT_FILES_FROM:
        o->files_from = optarg;
        return -1;
    case OPT_FIELD: {
        const char *colon = strrchr(optarg, ':');
        if (!colon || !ni_field_name_ok(optarg, (size_t)(colon - optarg)) ||
            !ni_field_type_parse(colon + 1, strlen(colon + 1))) {
            ni_usage_error("--field takes NAME:TYPE (a name of letters, digits, '_', '.', '-' "
                           "that is not id, title, body, url, date or meta; a type keyword, "
                           "date, number or text), not '%s'",
                           optarg);
            return NI_EXIT_USAGE;
        }
        o->fields[o->nfields++] = optarg;
        return -1;
    }
    case OPT_EXCLUDE:
        if (!*optarg) {
            ni_usage_error("--exclude needs a pattern");
            return NI_EXIT_USAGE;
        }
        o->excludes[o->nexcludes++] = optarg;
        return -1;
    case OPT_INCLUDE:
        if (!*optarg) {
            ni_usage_error("--include needs a pattern");
            return NI_EXIT_USAGE;
        }
        o->includes[o->nincludes++] = optarg;
        return -1;
    case OPT_SHARDS:
        if (parse_count(optarg, &o->shards) == 0 && o->shards >= 1 && o->shards <= 1024)
            return -1;
        ni_usage_error("--shards needs a count from 1 to 1024, not '%s'", optarg);
        return NI_EXIT_USAGE;
    case 'q':
        o->quiet = 1;
        return -1;
    default:
        bad_option(c, argv);
        return NI_EXIT_USAGE;
    }
}

/* Checks that the options make sense together. Returns -1 or an exit status. */
static int check_options(const options *o)
{
    int dashes = 0;
    if (o->index && !*o->index) {
        ni_usage_error("-d needs an index folder, not an empty name");
        return NI_EXIT_USAGE;
    }
    for (int i = 0; i < o->noperands && !o->delete_mode; i++)
        dashes += !strcmp(o->operands[i], "-");
    if (o->check_full && !o->check) {
        ni_usage_error("--full applies to --check");
        return NI_EXIT_USAGE;
    }
    if (o->null_ids && !o->list_ids && !o->files_from) {
        ni_usage_error("-0 (--null) applies to --list-ids and --files-from");
        return NI_EXIT_USAGE;
    }
    int actions = o->noperands || o->ndelete_ids || o->delete_mode || o->prune ||
                  o->prune_orphans || o->optimize || o->stats || (o->check && o->list_ids);
    if ((o->check || o->list_ids) && actions) {
        ni_usage_error("--check and --list-ids take no PATH and no other action");
        return NI_EXIT_USAGE;
    }
    if (o->check || o->list_ids)
        return -1;
    if (o->delete_mode && o->noperands == 0 && o->ndelete_ids == 0) {
        ni_usage_error("--delete needs the ids of the documents to delete");
        return NI_EXIT_USAGE;
    }
    if (!o->delete_mode && o->noperands == 0 && o->ndelete_ids == 0 && !o->prune &&
        !o->prune_orphans && !o->optimize && !o->stats) {
        ni_usage_error("nothing to do: give a PATH to index (or --stats, --prune, "
                       "--prune-orphans, --optimize, --delete)");
        return NI_EXIT_USAGE;
    }
    if (dashes > 1) {
        ni_usage_error("'-' (standard input) can be given only once");
        return NI_EXIT_USAGE;
    }
    if (dashes && !o->stdin_id && !o->stdin_jsonl) {
        ni_usage_error("reading a document from '-' needs its id: --id=ID (or --jsonl "
                       "for JSON lines)");
        return NI_EXIT_USAGE;
    }
    if ((o->stdin_id || o->stdin_jsonl) && !dashes) {
        ni_usage_error("--id and --jsonl apply to '-' (standard input), which is not given");
        return NI_EXIT_USAGE;
    }
    if (o->stdin_id && o->stdin_jsonl) {
        ni_usage_error("--id and --jsonl cannot be used together");
        return NI_EXIT_USAGE;
    }
    if (o->stdin_id && !*o->stdin_id) {
        ni_usage_error("--id needs a non-empty id");
        return NI_EXIT_USAGE;
    }
    if (o->shards && o->backend != NS_BACKEND_XAPIAN) {
        ni_usage_error("--shards needs --backend=xapian");
        return NI_EXIT_USAGE;
    }
    if (o->watch && (o->delete_mode || o->optimize || dashes || o->noperands == 0)) {
        ni_usage_error("--watch needs folders to watch, and no --delete, --optimize or '-'");
        return NI_EXIT_USAGE;
    }
    return -1;
}

/* --files-from: reads the list and appends its paths to the operands.
 * Returns -1 to go on, or an exit status (the message printed). */
static int read_files_from(options *o)
{
    const char *name = o->files_from;
    int from_stdin = !strcmp(name, "-");
    for (int i = 0; from_stdin && i < o->noperands; i++)
        if (!strcmp(o->operands[i], "-")) {
            ni_usage_error("--files-from - and the operand '-' both read standard input");
            return NI_EXIT_USAGE;
        }
    FILE *f = from_stdin ? stdin : fopen(name, "rb");
    if (!f) {
        ni_msg("%s: %s", name, strerror(errno));
        return NI_EXIT_FAILED;
    }
    nsi_buf b = {0};
    char chunk[65536];
    size_t n;
    int st = NS_OK;
    while (st == NS_OK && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        st = nsi_buf_append(&b, chunk, n);
    int bad = ferror(f);
    if (!from_stdin)
        fclose(f);
    if (st != NS_OK || bad) {
        ni_msg("%s: %s", name, st != NS_OK ? "out of memory" : "read error");
        nsi_buf_free(&b);
        return NI_EXIT_FAILED;
    }
    if (nsi_buf_putc(&b, '\0') != NS_OK) {
        ni_msg("out of memory");
        nsi_buf_free(&b);
        return NI_EXIT_FAILED;
    }
    size_t len = b.len - 1;
    char sep = o->null_ids || memchr(b.str, '\0', len) ? '\0' : '\n';
    size_t count = 0;
    for (size_t i = 0; i < len; i++)
        count += b.str[i] == sep;
    char **ops = malloc((count + 1 + (size_t)o->noperands) * sizeof *ops);
    if (!ops) {
        ni_msg("out of memory");
        nsi_buf_free(&b);
        return NI_EXIT_FAILED;
    }
    int k = 0;
    for (int i = 0; i < o->noperands; i++)
        ops[k++] = o->operands[i];
    for (char *p = b.str, *end = b.str + len; p < end;) {
        char *e = memchr(p, sep, (size_t)(end - p));
        if (!e)
            e = end;
        *e = '\0';
        if (sep == '\n' && e > p && e[-1] == '\r')
            e[-1] = '\0';
        if (*p) /* empty lines are no paths */
            ops[k++] = p;
        p = e + 1;
    }
    o->files_buf = b.str;
    o->files_ops = ops;
    o->operands = ops;
    o->noperands = k;
    return -1;
}

/* Fills o from argv. Returns -1 to go on, or an exit status. */
static int parse_args(int argc, char **argv, options *o)
{
    memset(o, 0, sizeof *o);
    o->commit_every = NI_DEFAULT_COMMIT_EVERY;
    o->ram_budget = NI_DEFAULT_RAM_BUDGET;
    o->backend = -1;
    o->delete_ids = calloc((size_t)argc * 4, sizeof *o->delete_ids);
    if (!o->delete_ids) {
        ni_msg("out of memory");
        return NI_EXIT_FAILED;
    }
    o->excludes = o->delete_ids + argc;
    o->includes = o->delete_ids + 2 * (size_t)argc;
    o->fields = o->delete_ids + 3 * (size_t)argc;
    cliopt_getopt g;
    cliopt_tables(option_table, NOPTIONS, &g);
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, g.shortopts, g.longopts, NULL)) != -1) {
        if (c == 'h' || c == 'V') {
            nsi_buf def = {0};
            if (c == 'h')
                usage(stdout, ni_default_index(&def) == 0 ? def.str : NULL);
            else
                printf("nindex (nsearch) %s\nlibnsearch %s\n", NS_VERSION_STRING, ns_version());
            nsi_buf_free(&def);
            return fflush(stdout) == 0 ? NI_EXIT_OK : NI_EXIT_FAILED;
        }
        int rc = take_option(c, o, argv);
        if (rc >= 0)
            return rc;
    }
    o->operands = argv + optind;
    o->noperands = argc - optind;
    if (o->files_from) {
        int rc = read_files_from(o);
        if (rc >= 0)
            return rc;
    }
    return check_options(o);
}

static void free_options(options *o)
{
    free(o->delete_ids);
    free(o->files_buf);
    free(o->files_ops);
}

/* ---------------------------------------------------------- walking */

/* Connects the walker to the run: names files in messages the way the user
 * wrote the operand. */
typedef struct operand_ctx {
    ni_run *r;
    const char *given; /* the operand as typed */
    size_t given_len;  /* without trailing slashes */
    size_t root_len;   /* length of its absolute form */
    nsi_buf shown;
    uint64_t total; /* pre-walk: bytes of files found */
} operand_ctx;

static const char *shown_name(operand_ctx *oc, const char *path)
{
    if (strlen(path) < oc->root_len)
        return path; /* not under the operand: cannot happen, but stay safe */
    const char *rest = path + oc->root_len;
    nsi_buf_reset(&oc->shown);
    nsi_buf_append(&oc->shown, oc->given, oc->given_len);
    if (oc->root_len == 1 && *rest && (!oc->given_len || oc->given[oc->given_len - 1] != '/'))
        nsi_buf_putc(&oc->shown, '/');
    nsi_buf_puts(&oc->shown, rest);
    return oc->shown.str ? oc->shown.str : path;
}

static void on_file(void *ctx, const char *path, const struct stat *st)
{
    operand_ctx *oc = ctx;
    ni_index_file(oc->r, path, shown_name(oc, path), st);
}

static void on_problem(void *ctx, const char *path, enum ni_reason why, const char *msg)
{
    operand_ctx *oc = ctx;
    const char *shown = shown_name(oc, path);
    if (why < NI_NREASONS)
        ni_skip(oc->r, why, shown, "%s", msg);
    else if (!oc->r->quiet)
        ni_msg("%s: %s", shown, msg);
}

static int should_stop(void *ctx)
{
    operand_ctx *oc = ctx;
    return oc->r ? ni_stopping(oc->r) : ni_interrupted;
}

static void sum_file(void *ctx, const char *path, const struct stat *st)
{
    (void)path;
    ((operand_ctx *)ctx)->total += (uint64_t)st->st_size;
}

static void operand_init(operand_ctx *oc, ni_run *r, const char *given, const char *abs)
{
    memset(oc, 0, sizeof *oc);
    oc->r = r;
    oc->given = given;
    oc->given_len = strlen(given);
    while (oc->given_len > 1 && given[oc->given_len - 1] == '/')
        oc->given_len--;
    oc->root_len = strlen(abs);
}

static void set_skip_dir(ni_walker *wk, const char *index)
{
    struct stat st;
    if (stat(index, &st) == 0) {
        wk->have_skip = 1;
        wk->skip_dev = st.st_dev;
        wk->skip_ino = st.st_ino;
    }
}

/* Sums the sizes of the files to index, for the ETA. Silent. */
static uint64_t prewalk(const options *o, const char *index)
{
    uint64_t total = 0;
    nsi_buf abs = {0};
    for (int i = 0; i < o->noperands && !ni_interrupted; i++) {
        if (!strcmp(o->operands[i], "-") || ni_path_absolute(o->operands[i], &abs))
            continue;
        operand_ctx oc;
        operand_init(&oc, NULL, o->operands[i], abs.str);
        ni_walker wk = {sum_file,    NULL,         should_stop, &oc,          0,    0, 0,
                        o->excludes, o->nexcludes, o->includes, o->nincludes, NULL, 0};
        set_skip_dir(&wk, index);
        ni_walk(&wk, abs.str);
        total += oc.total;
    }
    nsi_buf_free(&abs);
    return total;
}

static void index_operands(ni_run *r, const options *o, const char *index, ni_watch_setup *ws)
{
    nsi_buf abs = {0};
    for (int i = 0; i < o->noperands && !ni_stopping(r); i++) {
        const char *op = o->operands[i];
        if (!strcmp(op, "-")) {
            if (o->stdin_jsonl)
                ni_index_jsonl(r, "-", "-");
            else
                ni_index_stdin_text(r, o->stdin_id);
            continue;
        }
        int err = ni_path_absolute(op, &abs);
        if (err) {
            ni_skip(r, NI_UNREADABLE, op, "%s", strerror(err));
            continue;
        }
        operand_ctx oc;
        operand_init(&oc, r, op, abs.str);
        ni_walker wk = {on_file,
                        on_problem,
                        should_stop,
                        &oc,
                        0,
                        0,
                        0,
                        o->excludes,
                        o->nexcludes,
                        o->includes,
                        o->nincludes,
                        ws ? ni_watch_dir : NULL,
                        0};
        set_skip_dir(&wk, index);
        if (ws)
            ni_watch_root(ws, abs.len);
        if (ni_walk(&wk, abs.str) == ENOMEM) {
            ni_msg("%s: out of memory while listing folders", op);
            r->had_errors = 1;
        }
        nsi_buf_free(&oc.shown);
    }
    nsi_buf_free(&abs);
}

/* ---------------------------------------------------------- delete, prune */

static void delete_ids(ni_run *r, const char *const *ids, int n)
{
    nsi_buf abs = {0};
    for (int i = 0; i < n && !ni_stopping(r); i++) {
        const char *id = ids[i];
        int st = ns_writer_delete(r->w, id, strlen(id));
        /* "notes.txt" means the file's document, whose id is absolute. */
        if (st == NS_ENOTFOUND && id[0] != '/' && *id && ni_path_absolute(id, &abs) == 0)
            st = ns_writer_delete(r->w, abs.str, abs.len);
        if (st == NS_OK) {
            r->deleted++;
            r->uncommitted++;
            /* the file must be read again next time, and so must every file
             * whose documents have ids of their own (this may be one) */
            ni_stamps_drop(r->stamps, id, strlen(id));
            if (abs.len)
                ni_stamps_drop(r->stamps, abs.str, abs.len);
            ni_stamps_drop_foreign(r->stamps);
        } else if (st == NS_ENOTFOUND) {
            ni_msg("%s: no such document", id);
            r->had_errors = 1;
        } else
            ni_fatal(r, st);
    }
    nsi_buf_free(&abs);
}

typedef struct prune_ctx {
    ni_run *r;
    nsi_buf path;
    int status;
} prune_ctx;

static int prune_one(void *ctx, const char *id, size_t len)
{
    prune_ctx *pc = ctx;
    struct stat st;
    if (ni_interrupted)
        return 1;
    if (len == 0 || id[0] != '/' || memchr(id, '\0', len))
        return 0; /* not a file's id */
    nsi_buf_reset(&pc->path);
    if (nsi_buf_append(&pc->path, id, len) != NS_OK) {
        pc->status = NS_ENOMEM;
        return 1;
    }
    /* Only a definite "does not exist" removes: an unreadable folder or an
     * unmounted disk must not empty the index. */
    if (stat(pc->path.str, &st) == 0 || (errno != ENOENT && errno != ENOTDIR))
        return 0;
    int s = ns_writer_delete(pc->r->w, id, len);
    if (s == NS_OK) {
        ni_stamps_drop(pc->r->stamps, id, len);
        pc->r->deleted++;
        pc->r->uncommitted++;
    } else if (s != NS_ENOTFOUND) {
        pc->status = s;
        return 1;
    }
    return 0;
}

static void prune(ni_run *r)
{
    prune_ctx pc = {.r = r, .status = NS_OK};
    int st = ns_writer_foreach_id(r->w, prune_one, &pc);
    if (pc.status == NS_ENOMEM) {
        ni_msg("out of memory while pruning");
        r->had_errors = 1;
    } else if (pc.status != NS_OK)
        ni_fatal(r, pc.status);
    else if (st != NS_OK)
        ni_fatal(r, st);
    nsi_buf_free(&pc.path);
}

/* ---------------------------------------------------------- the run */

static void on_signal(int sig)
{
    (void)sig;
    ni_interrupted = 1;
}

/* The first SIGINT/SIGTERM asks for a clean stop (commit what is done); a
 * second one kills as usual. No SA_RESTART: a read blocked on a pipe or
 * terminal must return so the run can stop. */
static void catch_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESETHAND;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

static ni_progress_mode progress_mode(const options *o)
{
    int tty = isatty(STDERR_FILENO);
    switch (o->progress) {
    case PROGRESS_ALWAYS:
        return tty ? NI_PROGRESS_REDRAW : NI_PROGRESS_LINES;
    case PROGRESS_NEVER:
        return NI_PROGRESS_OFF;
    default:
        return tty && !o->quiet ? NI_PROGRESS_REDRAW : NI_PROGRESS_OFF;
    }
}

/* --field NAME:TYPE, recorded before any document (checked in take_option). */
static int declare_fields(ni_run *r, const options *o)
{
    for (int i = 0; i < o->nfields; i++) {
        const char *spec = o->fields[i], *colon = strrchr(spec, ':');
        int type = ni_field_type_parse(colon + 1, strlen(colon + 1));
        int st = ns_writer_declare_field(r->w, spec, (size_t)(colon - spec), type);
        if (st != NS_OK) {
            const char *m = ns_writer_errmsg(r->w);
            ni_msg("--field %s: %s", spec, m && *m ? m : ns_strerror(st));
            ns_writer_close(r->w);
            r->w = NULL;
            return st == NS_EINVAL ? NI_EXIT_USAGE : ni_exit_for(st);
        }
    }
    return NI_EXIT_OK;
}

/* -j's default: the CPUs this process may run on. */
static unsigned default_jobs(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > NS_MAX_WRITER_THREADS ? NS_MAX_WRITER_THREADS : (unsigned)n;
}

static int open_writer(ni_run *r, const options *o, const char *index)
{
    nsi_buf failed = {0};
    int err = ni_make_parents(index, &failed);
    if (err) {
        ni_msg("%s: cannot create folder %s (%s)", index, failed.str ? failed.str : "",
               strerror(err));
        nsi_buf_free(&failed);
        return NI_EXIT_FAILED;
    }
    nsi_buf_free(&failed);
    ns_writer_options wo = NS_WRITER_OPTIONS_INIT;
    wo.language = o->language;
    wo.wait_for_lock = o->wait;
    wo.backend = o->backend < 0 ? NS_BACKEND_NATIVE : o->backend;
    wo.shards = o->shards;
    wo.prune_orphans = o->prune_orphans;
    wo.threads = o->jobs ? o->jobs : default_jobs();
    wo.ram_budget = (size_t)o->ram_budget << 20;
    char msg[NS_ERRBUF_SIZE] = "";
    int st = ns_writer_open(&r->w, index, &wo, msg, sizeof msg);
    if (st == NS_OK)
        return declare_fields(r, o);
    if (msg[0])
        ni_msg("%s", msg);
    else
        ni_msg("%s: %s", index, ns_strerror(st));
    return st == NS_EINVAL ? NI_EXIT_USAGE : ni_exit_for(st);
}

static int exit_status(const ni_run *r)
{
    if (r->fatal != NS_OK)
        return ni_exit_for(r->fatal);
    if (ni_interrupted)
        return NI_EXIT_INTERRUPTED;
    int errors = r->had_errors;
    for (int i = NI_FIRST_ERROR; i < NI_NREASONS; i++)
        errors |= r->skipped[i] != 0;
    return errors ? NI_EXIT_FAILED : NI_EXIT_OK;
}

/* --watch after the first pass: the folders given, with the walk's rules. */
static void watch_changes(ni_run *r, const options *o, const char *index, ni_watch_setup *ws)
{
    operand_ctx oc;
    operand_init(&oc, r, "/", "/"); /* messages name the absolute path */
    ni_walker wk = {on_file,     on_problem,   should_stop, &oc,          0,    0, 0,
                    o->excludes, o->nexcludes, o->includes, o->nincludes, NULL, 0};
    set_skip_dir(&wk, index);
    const char **roots = calloc((size_t)o->noperands, sizeof *roots);
    nsi_buf *abs = calloc((size_t)o->noperands, sizeof *abs);
    if (!roots || !abs) {
        ni_msg("out of memory");
        r->had_errors = 1;
        free(roots);
        free(abs);
        return;
    }
    int n = 0;
    for (int i = 0; i < o->noperands; i++) {
        struct stat st;
        if (ni_path_absolute(o->operands[i], &abs[n]) != 0)
            continue;
        if (stat(abs[n].str, &st) == 0 && S_ISDIR(st.st_mode))
            roots[n] = abs[n].str, n++;
        else if (!r->quiet)
            ni_msg("%s: not watched: only folders are", o->operands[i]);
    }
    ws->walker = &wk;
    ws->roots = roots;
    ws->nroots = n;
    ws->prune = o->prune ? prune : NULL;
    ni_watch_loop(ws);
    nsi_buf_free(&oc.shown);
    for (int i = 0; i < o->noperands; i++)
        nsi_buf_free(&abs[i]);
    free(abs);
    free(roots);
}

/* What shapes a file's documents besides the file: nindex's version and the
 * --field declarations. Stamps written under others are not used. */
static uint64_t stamp_options(const options *o)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    const char *v = ns_version();
    for (int i = -1; i < o->nfields; i++)
        for (const char *p = i < 0 ? v : o->fields[i];; p++) {
            h = (h ^ (unsigned char)*p) * 0x100000001b3ULL;
            if (!*p)
                break;
        }
    return h;
}

/* Loads the stamps of the last run (stamps.h); without memory for them,
 * every file is read as before. */
static void keep_stamps(ni_run *r, const options *o, const char *index)
{
    r->rehash = o->rehash;
    r->stamps = ni_stamps_new(stamp_options(o));
    if (r->stamps) /* with --rehash too: the files not visited keep theirs */
        ni_stamps_load(r->stamps, index);
}

/* After the last commit: a failure costs the next run its skips, nothing
 * more (the old file, bound to an older commit, is ignored; removed anyway). */
static void save_stamps(ni_run *r, const char *index)
{
    const char *what;
    int err = ni_stamps_save(r->stamps, index, &what);
    if (err) {
        ni_stamps_remove(index);
        if (!r->quiet)
            ni_msg("%s: file stamps not saved (%s: %s); the next run reads every file", index, what,
                   strerror(err));
    }
}

static int run_writer(const options *o, const char *index)
{
    ni_progress progress;
    ni_run r;
    memset(&r, 0, sizeof r);
    r.index_path = index;
    r.commit_every = o->commit_every;
    r.quiet = o->quiet;
    r.progress = &progress;
    ni_progress_init(&progress, progress_mode(o));
    ni_report_set_progress(&progress);
    int rc = open_writer(&r, o, index);
    if (rc != NI_EXIT_OK)
        return rc;
    catch_signals();
    if (!o->watch)
        keep_stamps(&r, o, index);
    double start = ni_now();
    ni_watch_setup ws = {0};
    if (o->watch) {
        int err = ni_watch_begin(&ws);
        if (err) {
            ni_msg("--watch: cannot watch files (inotify: %s)", strerror(err));
            ns_writer_close(r.w);
            return NI_EXIT_FAILED;
        }
        ws.run = &r;
    }
    delete_ids(&r, o->delete_ids, o->ndelete_ids);
    if (o->delete_mode)
        delete_ids(&r, (const char *const *)o->operands, o->noperands);
    else {
        if (progress.mode != NI_PROGRESS_OFF)
            progress.total_bytes = prewalk(o, index);
        index_operands(&r, o, index, o->watch ? &ws : NULL);
    }
    if (o->prune && !ni_stopping(&r))
        prune(&r);
    if (r.fatal == NS_OK) {
        ni_progress_status(&progress, "committing\xE2\x80\xA6");
        /* --optimize merges everything next; otherwise the run's own
         * segments are merged into one (ns_writer_tidy) */
        ni_commit_with(&r, o->optimize || o->no_merge ? ns_writer_commit : ns_writer_tidy);
    }
    if (o->optimize && !ni_stopping(&r) && !r.merge_failed) {
        ni_progress_status(&progress, "merging into one segment\xE2\x80\xA6");
        int st = ns_writer_optimize(r.w);
        if (st != NS_OK)
            ni_fatal(&r, st);
    }
    if (r.stamps && r.fatal == NS_OK)
        save_stamps(&r, index);
    ni_stamps_free(r.stamps);
    r.stamps = NULL;
    if (o->watch) {
        if (r.fatal == NS_OK && !ni_stopping(&r))
            watch_changes(&r, o, index, &ws);
        ni_watch_end(&ws);
        if (r.fatal == NS_OK)
            ni_interrupted = 0; /* a signal is how a watch ends, not a failure */
    }
    if (r.fatal != NS_OK && r.uncommitted)
        ni_msg("the last %u changes were not committed", r.uncommitted);
    ns_writer_close(r.w);
    ni_progress_clear(&progress);
    if (!o->quiet)
        ni_summary(&r, ni_now() - start, ni_interrupted);
    nsi_buf_free(&r.data);
    nsi_buf_free(&r.text);
    nsi_buf_free(&r.title);
    nsi_buf_free(&r.author);
    ni_fields_free(&r.fields);
    return exit_status(&r);
}

/* --check: exit 0 sound, 1 corrupt, 2 anything else (fsck-like, for scripts). */
static int run_check(const char *index, int full)
{
    char msg[NS_ERRBUF_SIZE] = "";
    int st = ns_index_check(index, full, msg, sizeof msg);
    if (st == NS_OK) {
        printf("%s: ok: %s\n", index, msg);
        return fflush(stdout) == 0 ? 0 : 2;
    }
    ni_msg("%s", msg[0] ? msg : ns_strerror(st));
    return st == NS_ECORRUPT ? 1 : 2;
}

/* One id of --list-ids: raw and NUL-ended with -0 (ids hold no NUL), else
 * on one line with \\, \\n, \\r, \\t and \\xHH (other bytes below 0x20,
 * and 0x7F) escaped, so that every id is one line and printf '%b' gives it
 * back. */
static int print_id(void *ctx, const char *id, size_t len)
{
    if (*(const int *)ctx) {
        fwrite(id, 1, len, stdout);
        putchar('\0');
        return 0;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)id[i];
        if (c == '\\')
            fputs("\\\\", stdout);
        else if (c == '\n')
            fputs("\\n", stdout);
        else if (c == '\r')
            fputs("\\r", stdout);
        else if (c == '\t')
            fputs("\\t", stdout);
        else if (c < 0x20 || c == 0x7F)
            printf("\\x%02X", c);
        else
            putchar(c);
    }
    putchar('\n');
    return 0;
}

/* --list-ids: read through a reader, from the last commit, so it needs no
 * writer lock and works on a read-only folder while a writer runs; a
 * Xapian index is read through a writer (ns_index_foreach_id does not
 * support it). */
static int list_ids(const char *index, int null_ids)
{
    char msg[NS_ERRBUF_SIZE] = "";
    struct stat st;
    if (stat(index, &st) != 0) {
        ni_msg("%s: no index there", index);
        return NI_EXIT_FAILED;
    }
    ns_index *idx;
    int s = ns_index_open(&idx, index, msg, sizeof msg);
    if (s != NS_OK) {
        ni_msg("%s", msg[0] ? msg : ns_strerror(s));
        return ni_exit_for(s);
    }
    s = ns_index_foreach_id(idx, print_id, &null_ids);
    if (s == NS_EUNSUPPORTED) {
        ns_writer *w;
        ns_writer_options wo = NS_WRITER_OPTIONS_INIT;
        s = ns_writer_open(&w, index, &wo, msg, sizeof msg);
        if (s == NS_OK) {
            s = ns_writer_foreach_id(w, print_id, &null_ids);
            if (s != NS_OK)
                snprintf(msg, sizeof msg, "%s", ns_writer_errmsg(w));
        }
        ns_writer_close(w);
    } else if (s != NS_OK) {
        snprintf(msg, sizeof msg, "%s", ns_index_errmsg(idx));
    }
    ns_index_close(idx);
    if (s != NS_OK) {
        fflush(stdout);
        ni_msg("%s", msg[0] ? msg : ns_strerror(s));
        return ni_exit_for(s);
    }
    return fflush(stdout) == 0 ? NI_EXIT_OK : NI_EXIT_FAILED;
}

int main(int argc, char **argv)
{
    options o;
    int rc = parse_args(argc, argv, &o);
    if (rc >= 0) {
        free_options(&o);
        return rc;
    }
    nsi_buf index = {0};
    int err = o.index ? ni_path_absolute(o.index, &index) : ni_default_index(&index);
    if (err) {
        if (o.index)
            ni_msg("%s: %s", o.index, strerror(err));
        else
            ni_msg("no index location: set NSEARCH_INDEX or HOME, or give -d INDEX");
        free_options(&o);
        return o.index ? NI_EXIT_FAILED : NI_EXIT_USAGE;
    }
    rc = NI_EXIT_OK;
    if (o.check || o.list_ids) {
        rc = o.check ? run_check(index.str, o.check_full) : list_ids(index.str, o.null_ids);
        nsi_buf_free(&index);
        free_options(&o);
        return rc;
    }
    if (o.noperands || o.ndelete_ids || o.prune || o.prune_orphans || o.optimize)
        rc = run_writer(&o, index.str);
    if (o.stats && (rc == NI_EXIT_OK || rc == NI_EXIT_FAILED)) {
        int s = ni_print_stats(index.str, stdout);
        if (rc == NI_EXIT_OK)
            rc = s;
    }
    nsi_buf_free(&index);
    free_options(&o);
    return rc;
}
