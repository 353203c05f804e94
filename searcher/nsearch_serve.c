/* nsearch_serve.c — main of nsearch-serve, the HTTP server as its own
 * program (serve.c has the rest): `nsearch serve ARGS...` execs
 * `nsearch-serve ARGS...`, so only the server loads libmicrohttpd. */
#include "cli.h"

int main(int argc, char **argv) { return serve_main(argc, argv); }
