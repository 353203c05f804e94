"""ctypes bindings of include/nsearch.h and the Pythonic classes over them."""

import ctypes
import datetime
from ctypes import (
    POINTER, Structure, byref, c_char_p, c_double, c_int, c_size_t, c_uint, c_uint64,
    c_void_p, c_int64, c_uint32, CFUNCTYPE,
)

from ._library import load

_lib = load()

# ------------------------------------------------------------------ errors


class Error(Exception):
    """A libnsearch failure: .code is the NS_E* status, .message the library's text."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


class NoMemoryError(Error): pass
class InvalidError(Error, ValueError): pass
class IOError_(Error, OSError): pass
class DiskFullError(IOError_): pass
class NotFoundError(Error, LookupError): pass
class ExistsError(Error): pass
class CorruptError(Error): pass
class VersionError(Error): pass
class LockedError(Error): pass
class QuerySyntaxError(Error, ValueError):
    """A malformed query; .offset is the byte offset of the problem in the UTF-8 query."""
    offset = None
class TooBigError(Error): pass
class UnsupportedError(Error): pass
class MergeError(Error): pass
class QueryTimeoutError(Error, TimeoutError): pass


_CLASSES = {
    -2: NoMemoryError, -3: InvalidError, -4: IOError_, -5: DiskFullError, -6: NotFoundError,
    -7: ExistsError, -8: CorruptError, -9: VersionError, -10: LockedError,
    -11: QuerySyntaxError, -12: TooBigError, -13: UnsupportedError, -14: MergeError,
    -15: QueryTimeoutError,
}


def _raise(code, message):
    if not message:
        message = _lib.ns_strerror(code).decode("utf-8", "replace")
    raise _CLASSES.get(code, Error)(code, message)


def _b(s):
    """str or bytes -> bytes (UTF-8); None stays None."""
    if s is None or isinstance(s, bytes):
        return s
    if isinstance(s, str):
        return s.encode("utf-8", "surrogateescape")
    raise TypeError(f"expected str or bytes, got {type(s).__name__}")


def _s(p, n):
    """A (pointer, length) byte range -> str."""
    if not p or not n:
        return ""
    return ctypes.string_at(p, n).decode("utf-8", "replace")


# ------------------------------------------------------------------ C structs

class _Doc(Structure):
    _fields_ = [("id", c_char_p), ("id_len", c_size_t), ("title", c_char_p), ("title_len", c_size_t),
                ("body", c_char_p), ("body_len", c_size_t), ("url", c_char_p), ("url_len", c_size_t),
                ("date", c_char_p), ("date_len", c_size_t), ("meta", c_char_p), ("meta_len", c_size_t)]


class _WriterOptions(Structure):
    _fields_ = [("version", c_uint), ("language", c_char_p), ("wait_for_lock", c_int),
                ("flush_bytes", c_size_t), ("commit_every", c_uint), ("backend", c_int),
                ("shards", c_uint), ("prune_orphans", c_int)]


class _QueryOptions(Structure):
    _fields_ = [("version", c_uint), ("any", c_int), ("literal", c_int), ("lenient", c_int),
                ("max_terms", c_uint), ("max_depth", c_uint), ("max_expansions", c_uint)]


class _FacetRequest(Structure):
    _fields_ = [("field", c_char_p), ("limit", c_size_t)]


class _SearchOptions(Structure):
    _fields_ = [("version", c_uint), ("k", c_size_t), ("offset", c_size_t), ("k1", c_double),
                ("b", c_double), ("title_weight", c_double), ("exhaustive", c_int),
                ("timeout", c_double), ("max_total_expansions", c_uint),
                # version 3 (typed fields)
                ("sort_field", c_char_p), ("sort_desc", c_int),
                ("facets", POINTER(_FacetRequest)), ("nfacets", c_size_t), ("dedup", c_int)]


class _Hit(Structure):
    _fields_ = [("rank", c_size_t), ("score", c_double), ("docnum", c_uint64),
                ("id", c_void_p), ("id_len", c_size_t), ("title", c_void_p), ("title_len", c_size_t),
                ("url", c_void_p), ("url_len", c_size_t), ("date", c_void_p), ("date_len", c_size_t),
                ("meta", c_void_p), ("meta_len", c_size_t)]


class _Field(Structure):
    _fields_ = [("name", c_char_p), ("name_len", c_size_t), ("value", c_char_p),
                ("value_len", c_size_t), ("type", c_int)]


class _FieldValue(Structure):
    _fields_ = [("name", c_void_p), ("name_len", c_size_t), ("type", c_int),
                ("text", c_void_p), ("text_len", c_size_t), ("date", c_int64), ("number", c_double)]


_TokenFn = CFUNCTYPE(c_int, c_void_p, c_void_p, c_size_t, c_uint32, c_size_t, c_size_t)


def _fn(name, restype, *argtypes):
    f = getattr(_lib, name)
    f.restype = restype
    f.argtypes = list(argtypes)
    return f


_ns_version = _fn("ns_version", c_char_p)
_lib.ns_strerror.restype = c_char_p
_lib.ns_strerror.argtypes = [c_int]
_free = _fn("ns_free", None, c_void_p)
_analyze = _fn("ns_analyze", c_int, c_char_p, c_char_p, c_size_t, _TokenFn, c_void_p)

_w_open = _fn("ns_writer_open", c_int, POINTER(c_void_p), c_char_p, POINTER(_WriterOptions),
              c_char_p, c_size_t)
_w_put = _fn("ns_writer_put", c_int, c_void_p, POINTER(_Doc), POINTER(c_int))
_w_delete = _fn("ns_writer_delete", c_int, c_void_p, c_char_p, c_size_t)
_w_commit = _fn("ns_writer_commit", c_int, c_void_p)
_w_optimize = _fn("ns_writer_optimize", c_int, c_void_p)
_w_close = _fn("ns_writer_close", None, c_void_p)
_w_errmsg = _fn("ns_writer_errmsg", c_char_p, c_void_p)
_w_put_fields = None
if hasattr(_lib, "ns_writer_put_fields"):
    _w_put_fields = _fn("ns_writer_put_fields", c_int, c_void_p, POINTER(_Doc), POINTER(_Field),
                        c_size_t, POINTER(c_int))

_i_open = _fn("ns_index_open", c_int, POINTER(c_void_p), c_char_p, c_char_p, c_size_t)
_i_close = _fn("ns_index_close", None, c_void_p)
_i_errmsg = _fn("ns_index_errmsg", c_char_p, c_void_p)
_i_refresh = _fn("ns_index_refresh", c_int, c_void_p, POINTER(c_int))
_i_get_doc = _fn("ns_index_get_doc", c_int, c_void_p, c_char_p, c_size_t, POINTER(c_void_p))
_q_parse = _fn("ns_query_parse", c_int, POINTER(c_void_p), c_void_p, c_char_p, c_size_t,
               POINTER(_QueryOptions), c_char_p, c_size_t, POINTER(c_size_t))
_q_string = _fn("ns_query_string", c_char_p, c_void_p)
_q_free = _fn("ns_query_free", None, c_void_p)
_search = _fn("ns_search", c_int, POINTER(c_void_p), c_void_p, c_void_p, POINTER(_SearchOptions))
_r_count = _fn("ns_results_count", c_size_t, c_void_p)
_r_total = _fn("ns_results_total", c_uint64, c_void_p, POINTER(c_int))
_r_hit = _fn("ns_results_hit", c_int, c_void_p, c_size_t, POINTER(_Hit))
_r_free = _fn("ns_results_free", None, c_void_p)
_r_body = _fn("ns_results_body", c_int, c_void_p, c_size_t, POINTER(c_void_p), POINTER(c_size_t))
_r_field_count = _r_field = None
_HAS_FIELDS = hasattr(_lib, "ns_results_field")
if _HAS_FIELDS:
    _r_field_count = _fn("ns_results_field_count", c_size_t, c_void_p, c_size_t)
    _r_field = _fn("ns_results_field", c_int, c_void_p, c_size_t, c_size_t, POINTER(_FieldValue))
    _r_dups = _fn("ns_results_duplicates", c_uint64, c_void_p, c_size_t)
    _r_facet_count = _fn("ns_results_facet_count", c_size_t, c_void_p)
    _r_facet = _fn("ns_results_facet", c_int, c_void_p, c_size_t, POINTER(c_char_p),
                   POINTER(c_size_t))
    _r_facet_value = _fn("ns_results_facet_value", c_int, c_void_p, c_size_t, c_size_t,
                         POINTER(c_void_p), POINTER(c_size_t), POINTER(c_uint64))
    _w_declare = _fn("ns_writer_declare_field", c_int, c_void_p, c_char_p, c_size_t, c_int)
_sn_make = _fn("ns_snippet_make", c_int, POINTER(c_void_p), c_void_p, c_void_p, c_void_p, c_size_t,
               c_void_p)
_sn_text = _fn("ns_snippet_text", c_void_p, c_void_p, POINTER(c_size_t))
_sn_cut_before = _fn("ns_snippet_cut_before", c_int, c_void_p)
_sn_cut_after = _fn("ns_snippet_cut_after", c_int, c_void_p)
_sn_span_count = _fn("ns_snippet_span_count", c_size_t, c_void_p)
_sn_span = _fn("ns_snippet_span", None, c_void_p, c_size_t, POINTER(c_size_t), POINTER(c_size_t))
_sn_free = _fn("ns_snippet_free", None, c_void_p)

_ERRBUF = 512
_FIELD_TYPES = {"keyword": 1, "date": 2, "number": 3, "text": 4}
_FIELD_NAMES = {v: k for k, v in _FIELD_TYPES.items()}


def _iso(d):
    """A date or datetime as ISO 8601 text (naive: UTC)."""
    if isinstance(d, datetime.datetime):
        if d.tzinfo is not None:
            d = d.astimezone(datetime.timezone.utc).replace(tzinfo=None)
        return d.strftime("%Y-%m-%dT%H:%M:%SZ")
    return d.isoformat()


def version():
    """The library's version string, e.g. "0.1.0"."""
    return _ns_version().decode()


def analyze(text, language="english"):
    """The indexed terms of text, as the index would store them (folded, stemmed)."""
    out = []

    def cb(ctx, term, n, pos, start, end):
        out.append(ctypes.string_at(term, n).decode("utf-8", "replace"))
        return 0

    data = _b(text)
    rc = _analyze(_b(language), data, len(data), _TokenFn(cb), None)
    if rc:
        _raise(rc, f"analyze: {_lib.ns_strerror(rc).decode()}")
    return out


# ------------------------------------------------------------------ writer

class _Handle:
    """`with` support and closing on collection, for Writer and Index (each
    has close())."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def __del__(self):
        self.close()


class Writer(_Handle):
    """An index opened for writing (one writer at a time per index).

    Writer(path, language=None, wait=False) creates the index if it does not
    exist and takes its lock (LockedError if another writer holds it; with
    wait=True it waits). Changes become visible to readers at commit();
    close() (or leaving a `with` block) discards what was not committed.
    """

    def __init__(self, path, language=None, wait=False):
        self._w = None
        opts = _WriterOptions(3, _b(language), 1 if wait else 0, 64 << 20, 0, 0, 0, 0)
        h = c_void_p()
        err = ctypes.create_string_buffer(_ERRBUF)
        rc = _w_open(byref(h), _b(str(path)), byref(opts), err, _ERRBUF)
        if rc:
            _raise(rc, err.value.decode("utf-8", "replace"))
        self._w = h

    def _check(self, rc):
        if rc:
            _raise(rc, (_w_errmsg(self._w) or b"").decode("utf-8", "replace"))

    def _handle(self):
        if not self._w:
            raise InvalidError(-3, "writer is closed")
        return self._w

    def declare_field(self, name, type):
        """Records field name with type ("keyword", "date", "number" or
        "text") before documents use it (InvalidError if the index has it
        with another type)."""
        if not _HAS_FIELDS:
            raise UnsupportedError(-13, "this libnsearch has no typed fields")
        t = _FIELD_TYPES.get(type)
        if t is None:
            raise InvalidError(-3, f"field type must be keyword, date, number or text, not {type!r}")
        b = _b(name)
        self._check(_w_declare(self._handle(), b, len(b), t))

    def add(self, id, title=None, body=None, url=None, date=None, fields=None):
        """Adds the document, or replaces the one with the same id. Returns
        "added", "updated" or "unchanged". date: the document's date (text the
        library parses: ISO 8601, RFC 2822...; or a datetime.date/datetime).
        fields maps a field name to a value or a list of values: str (a
        keyword, or a value of the field's declared type), int or float (a
        number), datetime.date or datetime.datetime (a date; naive ones are
        UTC). A new field takes the type of its first value."""
        w = self._handle()
        if isinstance(date, (datetime.date, datetime.datetime)):
            date = _iso(date)
        keep = [_b(id), _b(title), _b(body), _b(url), _b(date)]
        doc = _Doc()
        for name, val in zip(("id", "title", "body", "url", "date"), keep):
            if val is not None:
                setattr(doc, name, val)
                setattr(doc, name + "_len", len(val))
        outcome = c_int(0)
        if fields:
            if _w_put_fields is None:
                raise UnsupportedError(-13, "this libnsearch has no typed fields")
            arr = []
            for name, values in fields.items():
                if not isinstance(values, (list, tuple)):
                    values = [values]
                for v in values:
                    if isinstance(v, (datetime.date, datetime.datetime)):
                        t, v = 2, _iso(v)
                    elif isinstance(v, (int, float)) and not isinstance(v, bool):
                        t, v = 3, repr(v)
                    elif isinstance(v, (str, bytes)):
                        t = 0
                    else:
                        raise TypeError(f"field {name!r}: a {type(v).__name__} is not a field value")
                    bn, bv = _b(name), _b(v)
                    keep += [bn, bv]
                    arr.append(_Field(bn, len(bn), bv, len(bv), t))
            farr = (_Field * len(arr))(*arr)
            self._check(_w_put_fields(w, byref(doc), farr, len(arr), byref(outcome)))
        else:
            self._check(_w_put(w, byref(doc), byref(outcome)))
        return {1: "added", 2: "updated", 3: "unchanged"}.get(outcome.value, "added")

    def delete(self, id):
        """Deletes the document with this id (NotFoundError if there is none)."""
        b = _b(id)
        self._check(_w_delete(self._handle(), b, len(b)))

    def commit(self):
        """Makes every add and delete so far durable and visible to readers."""
        self._check(_w_commit(self._handle()))

    def optimize(self):
        """Commits, then merges the index into one segment."""
        self._check(_w_optimize(self._handle()))

    def close(self):
        """Releases the lock; uncommitted changes are discarded."""
        if self._w:
            _w_close(self._w)
            self._w = None


# ------------------------------------------------------------------ reading

class Hit:
    """One hit: rank (1-based), score, id, title, url, date, snippet (plain
    text), highlights ([start, end) character offsets of the matched words in
    snippet), fields (name -> list of values: str for keyword and text, a
    datetime.datetime (UTC) for dates, float for numbers)."""

    __slots__ = ("rank", "score", "id", "title", "url", "date", "snippet", "highlights", "fields",
                 "duplicates")

    def __repr__(self):
        return f"Hit(rank={self.rank}, id={self.id!r}, score={self.score:.4f}, title={self.title!r})"

    def marked(self, start="[", end="]"):
        """The snippet with start/end around each matched word."""
        out, last = [], 0
        for a, b in self.highlights:
            out += [self.snippet[last:a], start, self.snippet[a:b], end]
            last = b
        out.append(self.snippet[last:])
        return "".join(out)


class Results(list):
    """The hits of a search (a list of Hit) with .total (matching documents),
    .exact (whether total is exact, not an estimate), .query (canonical form)
    and .facets ({field: [(value, count), ...]} when facets were asked)."""
    total = 0
    exact = True
    query = ""
    facets = None


def _fields_of(r, i):
    fields = {}
    if _r_field is None:
        return fields
    fv = _FieldValue()
    for j in range(_r_field_count(r, i)):
        if _r_field(r, i, j, byref(fv)):
            continue
        name = _s(fv.name, fv.name_len)
        if fv.type == 2:
            val = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc) + \
                datetime.timedelta(seconds=fv.date)
        elif fv.type == 3:
            val = fv.number
        else:
            val = _s(fv.text, fv.text_len)
        fields.setdefault(name, []).append(val)
    return fields


class Index(_Handle):
    """An index opened for reading: Index(path). Safe to search from several
    threads. refresh() picks up newer commits."""

    def __init__(self, path):
        self._i = None
        h = c_void_p()
        err = ctypes.create_string_buffer(_ERRBUF)
        rc = _i_open(byref(h), _b(str(path)), err, _ERRBUF)
        if rc:
            _raise(rc, err.value.decode("utf-8", "replace"))
        self._i = h

    def _handle(self):
        if not self._i:
            raise InvalidError(-3, "index is closed")
        return self._i

    def _fail(self, rc):
        _raise(rc, (_i_errmsg(self._i) or b"").decode("utf-8", "replace"))

    def refresh(self):
        """Switches to the newest commit; returns True if it changed."""
        changed = c_int(0)
        rc = _i_refresh(self._handle(), byref(changed))
        if rc:
            self._fail(rc)
        return bool(changed.value)

    def search(self, query, limit=10, offset=0, any=False, literal=False, snippets=True,
               exhaustive=False, timeout=0.0, k1=1.2, b=0.75, title_weight=2.0, sort=None,
               facets=None, dedup=False):
        """Runs query (docs/query-language.md: words, phrases, and filters such
        as topics:cocoa or date:1987-03-01..1987-03-31) and returns Results:
        the best `limit` hits after `offset`, by BM25F score. any: bare words
        are joined by OR. literal: no operators. snippets: make each hit's
        snippet (else it is ""). timeout: seconds (0: none). sort: "FIELD:desc"
        or "FIELD:asc" (a date or number field) instead of by score. facets:
        keyword field names (or {name: limit}) counted over all matches into
        Results.facets. dedup: near-duplicates collapsed into the best-ranked
        one (Hit.duplicates counts them)."""
        idx = self._handle()
        text = _b(query)
        qopts = _QueryOptions(1, int(bool(any)), int(bool(literal)), 0, 1024, 64, 256)
        q = c_void_p()
        err = ctypes.create_string_buffer(_ERRBUF)
        off = c_size_t(0)
        rc = _q_parse(byref(q), idx, text, len(text), byref(qopts), err, _ERRBUF, byref(off))
        if rc:
            try:
                _raise(rc, err.value.decode("utf-8", "replace"))
            except QuerySyntaxError as e:
                e.offset = off.value
                raise
        r = c_void_p()
        try:
            keep = []
            if _HAS_FIELDS:
                sopts = _SearchOptions(3, limit, offset, k1, b, title_weight, int(bool(exhaustive)),
                                       float(timeout), 4096)
                if sort and sort != "score":
                    name, _, order = sort.rpartition(":")
                    if not name or order not in ("asc", "desc"):
                        raise InvalidError(-3, f"sort wants FIELD:asc or FIELD:desc, not {sort!r}")
                    keep.append(_b(name))
                    sopts.sort_field, sopts.sort_desc = keep[-1], int(order == "desc")
                if facets:
                    items = facets.items() if isinstance(facets, dict) else ((f, 10) for f in facets)
                    reqs = []
                    for name, lim in items:
                        keep.append(_b(name))
                        reqs.append(_FacetRequest(keep[-1], lim))
                    arr = (_FacetRequest * len(reqs))(*reqs)
                    keep.append(arr)
                    sopts.facets, sopts.nfacets = arr, len(reqs)
                sopts.dedup = int(bool(dedup))
            else:
                if sort or facets or dedup:
                    raise UnsupportedError(-13, "this libnsearch has no typed fields")
                sopts = _SearchOptions(2, limit, offset, k1, b, title_weight,
                                       int(bool(exhaustive)), float(timeout), 4096)
            rc = _search(byref(r), idx, q, byref(sopts))
            if rc:
                self._fail(rc)
            res = Results()
            res.query = (_q_string(q) or b"").decode("utf-8", "replace")
            exact = c_int(1)
            res.total = _r_total(r, byref(exact))
            res.exact = bool(exact.value)
            if _HAS_FIELDS and _r_facet_count(r):
                res.facets = {}
                for f in range(_r_facet_count(r)):
                    name, nv = c_char_p(), c_size_t(0)
                    _r_facet(r, f, byref(name), byref(nv))
                    vals = []
                    for j in range(nv.value):
                        v, n, cnt = c_void_p(), c_size_t(0), c_uint64(0)
                        _r_facet_value(r, f, j, byref(v), byref(n), byref(cnt))
                        vals.append((_s(v, n.value), cnt.value))
                    res.facets[name.value.decode("utf-8", "replace")] = vals
            hit = _Hit()
            for i in range(_r_count(r)):
                if _r_hit(r, i, byref(hit)):
                    self._fail(-3)
                h = Hit()
                h.rank, h.score = hit.rank, hit.score
                h.id = _s(hit.id, hit.id_len)
                h.title = _s(hit.title, hit.title_len)
                h.url = _s(hit.url, hit.url_len)
                h.date = _s(hit.date, hit.date_len)
                h.fields = _fields_of(r, i)
                h.duplicates = _r_dups(r, i) if _HAS_FIELDS and dedup else 0
                h.snippet, h.highlights = "", []
                if snippets:
                    h.snippet, h.highlights = self._snippet(q, r, i)
                res.append(h)
            return res
        finally:
            _r_free(r)
            _q_free(q)

    def _snippet(self, q, r, i):
        s = c_void_p()
        rc = _sn_make(byref(s), self._i, q, r, i, None)
        if rc:
            self._fail(rc)
        try:
            n = c_size_t(0)
            p = _sn_text(s, byref(n))
            raw = ctypes.string_at(p, n.value) if n.value else b""
            spans = []
            a, z = c_size_t(0), c_size_t(0)
            for j in range(_sn_span_count(s)):
                _sn_span(s, j, byref(a), byref(z))
                # byte offsets -> character offsets
                ca = len(raw[:a.value].decode("utf-8", "replace"))
                cz = ca + len(raw[a.value:z.value].decode("utf-8", "replace"))
                spans.append((ca, cz))
            return raw.decode("utf-8", "replace"), spans
        finally:
            _sn_free(s)

    def get(self, id):
        """The stored document with this id as a dict (id, title, url, date,
        body, fields); NotFoundError if there is none."""
        b = _b(id)
        r = c_void_p()
        rc = _i_get_doc(self._handle(), b, len(b), byref(r))
        if rc:
            self._fail(rc)
        try:
            hit = _Hit()
            if _r_hit(r, 0, byref(hit)):
                self._fail(-3)
            body = c_void_p()
            n = c_size_t(0)
            rc = _r_body(r, 0, byref(body), byref(n))
            if rc:
                self._fail(rc)
            try:
                text = ctypes.string_at(body, n.value).decode("utf-8", "replace")
            finally:
                _free(body)
            return {"id": _s(hit.id, hit.id_len), "title": _s(hit.title, hit.title_len),
                    "url": _s(hit.url, hit.url_len), "date": _s(hit.date, hit.date_len),
                    "body": text, "fields": _fields_of(r, 0)}
        finally:
            _r_free(r)

    def close(self):
        if self._i:
            _i_close(self._i)
            self._i = None
