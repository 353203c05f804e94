"""nsearch: full-text search for Python, over the installed libnsearch.

The standard library only: ctypes calls the C library that `cmake --install`
put beside this package (see _library.py), or the one $NSEARCH_LIBRARY names.

    import nsearch

    with nsearch.Writer("notes.idx") as w:
        w.add("a", title="Talks resume", body="Relations were severed in spring.")
        w.commit()

    with nsearch.Index("notes.idx") as idx:
        for hit in idx.search("sever relations"):
            print(hit.rank, hit.id, hit.title, hit.snippet)

Errors are raised as subclasses of nsearch.Error carrying the library's
message (which names the index, file or query offset involved).
"""

from ._api import (
    Error,
    NoMemoryError,
    InvalidError,
    IOError_ as IndexIOError,
    DiskFullError,
    NotFoundError,
    ExistsError,
    CorruptError,
    VersionError,
    LockedError,
    QuerySyntaxError,
    TooBigError,
    UnsupportedError,
    MergeError,
    QueryTimeoutError,
    Writer,
    Index,
    Hit,
    Results,
    version,
    analyze,
)

__all__ = [
    "Error", "NoMemoryError", "InvalidError", "IndexIOError", "DiskFullError", "NotFoundError",
    "ExistsError", "CorruptError", "VersionError", "LockedError", "QuerySyntaxError",
    "TooBigError", "UnsupportedError", "MergeError", "QueryTimeoutError",
    "Writer", "Index", "Hit", "Results", "version", "analyze",
]
