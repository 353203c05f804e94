"""Finding and loading libnsearch.

In order: $NSEARCH_LIBRARY (a path to the shared library); the library that
`cmake --install` put in the same prefix as this package (_where.py, written at
install); ctypes.util.find_library("nsearch") (ldconfig's cache).
"""

import ctypes
import ctypes.util
import os

_lib = None


def _candidates():
    env = os.environ.get("NSEARCH_LIBRARY")
    if env:
        yield env
        return
    try:
        from . import _where  # written by cmake --install
    except ImportError:
        _where = None
    if _where is not None:
        here = os.path.dirname(os.path.abspath(__file__))
        # <prefix>/lib/python3/dist-packages/nsearch -> <prefix>
        prefix = os.path.normpath(os.path.join(here, "..", "..", "..", ".."))
        yield os.path.join(prefix, _where.LIBDIR, _where.SONAME)
    found = ctypes.util.find_library("nsearch")
    if found:
        yield found


def load():
    """Returns the loaded library (a ctypes.CDLL), loading it on first use."""
    global _lib
    if _lib is not None:
        return _lib
    tried = []
    for path in _candidates():
        try:
            _lib = ctypes.CDLL(path)
            return _lib
        except OSError as e:
            tried.append(f"{path}: {e}")
    raise ImportError(
        "nsearch: cannot load libnsearch ("
        + ("; ".join(tried) if tried else "not installed; set NSEARCH_LIBRARY to its path")
        + ")"
    )
