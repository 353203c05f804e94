// nsx.cc — the C interface of nsx.h over Xapian. The only C++ in the tree.
//
// Every entry point runs its body through guard(), which turns every
// exception into a status and a message: nothing thrown ever reaches C.
// Handles wrap Xapian objects by value (they are reference-counted handles
// themselves), so copying one into a combined database is cheap.
#include "nsx.h"

#include <xapian.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "nsearch.h"

namespace
{

const size_t ERRLEN = 512;

int fail(char *err, size_t len, int status, const std::string &msg)
{
    if (err && len)
        std::snprintf(err, len, "%s", msg.c_str());
    return status;
}

// "remote:tcp(HOST:PORT)" names the shard by HOST:PORT; other contexts
// (remote:prog(...)) are shown whole.
std::string shard_name(const std::string &context)
{
    const std::string tcp = "remote:tcp(";
    if (context.compare(0, tcp.size(), tcp) == 0 && context.back() == ')')
        return context.substr(tcp.size(), context.size() - tcp.size() - 1);
    return context.empty() ? std::string("(remote)") : context;
}

// The status for the Xapian::Error being handled (called inside a catch
// block: Xapian::Error is not polymorphic, so the class is found by
// rethrowing).
int classify()
{
    try {
        throw;
    } catch (const Xapian::NetworkError &) {
        return NS_EIO;
    } catch (const Xapian::DatabaseCorruptError &) {
        return NS_ECORRUPT;
    } catch (const Xapian::DatabaseLockError &) {
        return NS_ELOCKED;
    } catch (const Xapian::DatabaseVersionError &) {
        return NS_EVERSION;
    } catch (const Xapian::DatabaseNotFoundError &) {
        return NS_ENOTFOUND;
    } catch (const Xapian::DocNotFoundError &) {
        return NS_ENOTFOUND;
    } catch (const Xapian::InvalidArgumentError &) {
        return NS_EINVAL;
    } catch (const Xapian::FeatureUnavailableError &) {
        return NS_EUNSUPPORTED;
    } catch (...) {
        return NS_ERROR;
    }
}

int from_xapian(const Xapian::Error &e, int st, char *err, size_t len)
{
    std::string what = e.get_msg();
    const char *es = e.get_error_string();
    if (es && *es)
        what += std::string(" (") + es + ")";
    if (st == NS_EIO)
        return fail(err, len, st, "shard " + shard_name(e.get_context()) + " unreachable: " + what);
    return fail(err, len, st, std::string(e.get_type()) + ": " + what);
}

// Runs f, returning its status or the status of whatever it threw.
template <class F> int guard(char *err, size_t len, F f) noexcept
{
    try {
        return f();
    } catch (const Xapian::Error &e) {
        try {
            return from_xapian(e, classify(), err, len);
        } catch (...) {
            return fail(err, len, NS_ENOMEM, "out of memory");
        }
    } catch (const std::bad_alloc &) {
        return fail(err, len, NS_ENOMEM, "out of memory");
    } catch (const std::exception &e) {
        return fail(err, len, NS_ERROR, e.what());
    } catch (...) {
        return fail(err, len, NS_ERROR, "unknown C++ exception");
    }
}

// The same for functions that have no handle to hold a message.
template <class F> int guard_quiet(F f) noexcept
{
    char ignored[8];
    return guard(ignored, sizeof ignored, f);
}

} // namespace

struct nsx_wdb {
    Xapian::WritableDatabase db;
    bool in_txn = false;
    char err[ERRLEN] = "";
};

struct nsx_db {
    Xapian::Database db;
    char err[ERRLEN] = "";
};

struct nsx_doc {
    Xapian::Document doc;
};

struct nsx_query {
    Xapian::Query q;
};

struct nsx_mset {
    Xapian::MSet m;
    std::vector<Xapian::ValueCountMatchSpy *> spies;
    ~nsx_mset()
    {
        for (auto *s : spies)
            delete s;
    }
};

namespace
{

// A reader's revision can be recycled by a writer that commits twice during
// one search (DatabaseModifiedError): reopen and try again.
template <class F> int with_reopen(nsx_db *d, F f)
{
    for (int tries = 0;; tries++) {
        try {
            return f();
        } catch (const Xapian::DatabaseModifiedError &) {
            if (tries >= 5)
                throw;
            d->db.reopen();
        }
    }
}

} // namespace

/* ------------------------------------------------------------ writing */

extern "C" int nsx_wdb_open(nsx_wdb **out, const char *dir, unsigned flags, char *err,
                            size_t errlen)
{
    *out = nullptr;
    nsx_wdb *w = nullptr;
    int rc = guard(err, errlen, [&] {
        int f = Xapian::DB_CREATE_OR_OPEN | Xapian::DB_BACKEND_GLASS;
        if (flags & NSX_WAIT_FOR_LOCK)
            f |= Xapian::DB_RETRY_LOCK;
        w = new nsx_wdb{Xapian::WritableDatabase(dir, f)};
        w->db.begin_transaction(true);
        w->in_txn = true;
        return NS_OK;
    });
    if (rc) {
        nsx_wdb_close(w);
        return rc;
    }
    *out = w;
    return NS_OK;
}

extern "C" void nsx_wdb_close(nsx_wdb *w)
{
    if (!w)
        return;
    guard(w->err, sizeof w->err, [&] {
        if (w->in_txn)
            w->db.cancel_transaction();
        w->in_txn = false;
        w->db.close();
        return NS_OK;
    });
    delete w;
}

extern "C" const char *nsx_wdb_errmsg(const nsx_wdb *w) { return w ? w->err : "no database"; }

extern "C" int nsx_wdb_replace(nsx_wdb *w, const char *idterm, size_t len, const nsx_doc *d)
{
    return guard(w->err, sizeof w->err, [&] {
        w->db.replace_document(std::string(idterm, len), d->doc);
        return NS_OK;
    });
}

extern "C" int nsx_wdb_delete(nsx_wdb *w, const char *idterm, size_t len)
{
    return guard(w->err, sizeof w->err, [&] {
        std::string t(idterm, len);
        if (!w->db.term_exists(t))
            return NS_ENOTFOUND;
        w->db.delete_document(t);
        return NS_OK;
    });
}

extern "C" int nsx_wdb_value_of(nsx_wdb *w, const char *idterm, size_t len, unsigned slot,
                                char *buf, size_t buflen, size_t *got)
{
    *got = 0;
    return guard(w->err, sizeof w->err, [&] {
        std::string t(idterm, len);
        Xapian::PostingIterator p = w->db.postlist_begin(t);
        if (p == w->db.postlist_end(t))
            return NS_ENOTFOUND;
        std::string v = w->db.get_document(*p).get_value(slot);
        *got = v.size();
        std::memcpy(buf, v.data(), v.size() < buflen ? v.size() : buflen);
        return NS_OK;
    });
}

extern "C" int nsx_wdb_values(nsx_wdb *w, unsigned slot, nsx_str_fn fn, void *ctx)
{
    return guard(w->err, sizeof w->err, [&] {
        for (auto v = w->db.valuestream_begin(slot); v != w->db.valuestream_end(slot); ++v) {
            std::string s = *v;
            if (fn(ctx, s.data(), s.size()))
                break;
        }
        return NS_OK;
    });
}

static int copy_out(const std::string &v, char *buf, size_t buflen, size_t *got)
{
    *got = v.size();
    if (buflen)
        std::memcpy(buf, v.data(), v.size() < buflen ? v.size() : buflen);
    return NS_OK;
}

extern "C" int nsx_wdb_get_metadata(nsx_wdb *w, const char *key, char *buf, size_t buflen,
                                    size_t *got)
{
    *got = 0;
    return guard(w->err, sizeof w->err,
                 [&] { return copy_out(w->db.get_metadata(key), buf, buflen, got); });
}

extern "C" int nsx_wdb_set_metadata(nsx_wdb *w, const char *key, const char *val, size_t len)
{
    return guard(w->err, sizeof w->err, [&] {
        w->db.set_metadata(key, std::string(val, len));
        return NS_OK;
    });
}

extern "C" int nsx_wdb_add_spelling(nsx_wdb *w, const char *word, size_t len, unsigned inc)
{
    return guard(w->err, sizeof w->err, [&] {
        w->db.add_spelling(std::string(word, len), inc);
        return NS_OK;
    });
}

extern "C" uint64_t nsx_wdb_doccount(nsx_wdb *w)
{
    uint64_t n = 0;
    guard(w->err, sizeof w->err, [&] {
        n = w->db.get_doccount();
        return NS_OK;
    });
    return n;
}

extern "C" int nsx_wdb_commit(nsx_wdb *w)
{
    return guard(w->err, sizeof w->err, [&] {
        if (w->in_txn) {
            w->in_txn = false;
            w->db.commit_transaction();
        }
        w->db.begin_transaction(true);
        w->in_txn = true;
        return NS_OK;
    });
}

extern "C" int nsx_compact(const char *src, const char *dst, char *err, size_t errlen)
{
    return guard(err, errlen, [&] {
        Xapian::Database db(src);
        db.compact(dst, Xapian::DBCOMPACT_NO_RENUMBER);
        return NS_OK;
    });
}

/* ------------------------------------------------------------ documents */

extern "C" int nsx_doc_new(nsx_doc **out)
{
    *out = nullptr;
    return guard_quiet([&] {
        *out = new nsx_doc;
        return NS_OK;
    });
}

extern "C" void nsx_doc_free(nsx_doc *d) { delete d; }

extern "C" int nsx_doc_clear(nsx_doc *d)
{
    return guard_quiet([&] {
        d->doc = Xapian::Document();
        return NS_OK;
    });
}

extern "C" int nsx_doc_add_posting(nsx_doc *d, const char *term, size_t len, uint32_t pos,
                                   unsigned wdfinc)
{
    return guard_quiet([&] {
        d->doc.add_posting(std::string(term, len), pos, wdfinc);
        return NS_OK;
    });
}

extern "C" int nsx_doc_add_boolean(nsx_doc *d, const char *term, size_t len)
{
    return guard_quiet([&] {
        d->doc.add_boolean_term(std::string(term, len));
        return NS_OK;
    });
}

extern "C" int nsx_doc_set_data(nsx_doc *d, const void *data, size_t len)
{
    return guard_quiet([&] {
        d->doc.set_data(std::string(static_cast<const char *>(data), len));
        return NS_OK;
    });
}

extern "C" int nsx_doc_set_value(nsx_doc *d, unsigned slot, const void *val, size_t len)
{
    return guard_quiet([&] {
        d->doc.add_value(slot, std::string(static_cast<const char *>(val), len));
        return NS_OK;
    });
}

/* ------------------------------------------------------------ reading */

template <class F> static int open_db(nsx_db **out, char *err, size_t errlen, F make)
{
    *out = nullptr;
    nsx_db *d = nullptr;
    int rc = guard(err, errlen, [&] {
        d = new nsx_db{make()};
        return NS_OK;
    });
    if (rc) {
        delete d;
        return rc;
    }
    *out = d;
    return NS_OK;
}

extern "C" int nsx_db_open(nsx_db **out, const char *path, char *err, size_t errlen)
{
    return open_db(out, err, errlen, [&] { return Xapian::Database(path); });
}

extern "C" int nsx_db_open_tcp(nsx_db **out, const char *host, unsigned port, unsigned timeout_ms,
                               char *err, size_t errlen)
{
    unsigned t = timeout_ms ? timeout_ms : 10000;
    return open_db(out, err, errlen, [&] { return Xapian::Remote::open(host, port, t, t); });
}

extern "C" int nsx_db_open_prog(nsx_db **out, const char *program, const char *args, char *err,
                                size_t errlen)
{
    return open_db(out, err, errlen, [&] { return Xapian::Remote::open(program, args); });
}

extern "C" int nsx_db_new_multi(nsx_db **out, char *err, size_t errlen)
{
    return open_db(out, err, errlen, [&] { return Xapian::Database(); });
}

extern "C" int nsx_db_add(nsx_db *db, const nsx_db *sub)
{
    return guard(db->err, sizeof db->err, [&] {
        db->db.add_database(sub->db);
        return NS_OK;
    });
}

// Not Database::close(): that would also close the shards a combined
// database shares with their own handles. The last handle to go closes.
extern "C" void nsx_db_close(nsx_db *db)
{
    guard_quiet([&] {
        delete db;
        return NS_OK;
    });
}

extern "C" const char *nsx_db_errmsg(const nsx_db *db) { return db ? db->err : "no database"; }

extern "C" int nsx_db_reopen(nsx_db *db, int *changed)
{
    return guard(db->err, sizeof db->err, [&] {
        bool c = db->db.reopen();
        if (changed)
            *changed = c;
        return NS_OK;
    });
}

extern "C" int nsx_db_keep_alive(nsx_db *db)
{
    return guard(db->err, sizeof db->err, [&] {
        db->db.keep_alive();
        return NS_OK;
    });
}

extern "C" int nsx_db_info(nsx_db *db, nsx_info *out)
{
    *out = nsx_info{};
    return guard(db->err, sizeof db->err, [&] {
        return with_reopen(db, [&] {
            out->doccount = db->db.get_doccount();
            out->total_length = db->db.get_total_length();
            out->lastdocid = db->db.get_lastdocid();
            try {
                out->revision = db->db.get_revision();
            } catch (const Xapian::InvalidOperationError &) {
                out->revision = 0; // several databases have no one revision
            } catch (const Xapian::UnimplementedError &) {
                out->revision = 0; // nor has a remote one
            }
            return NS_OK;
        });
    });
}

extern "C" int nsx_db_get_metadata(nsx_db *db, const char *key, char *buf, size_t buflen,
                                   size_t *got)
{
    *got = 0;
    return guard(db->err, sizeof db->err, [&] {
        return with_reopen(db,
                           [&] { return copy_out(db->db.get_metadata(key), buf, buflen, got); });
    });
}

extern "C" int nsx_db_allterms(nsx_db *db, const char *prefix, size_t plen,
                               int (*fn)(void *, const char *, size_t, uint64_t), void *ctx)
{
    return guard(db->err, sizeof db->err, [&] {
        return with_reopen(db, [&] {
            std::string p(prefix, plen);
            for (auto t = db->db.allterms_begin(p); t != db->db.allterms_end(p); ++t) {
                std::string s = *t;
                if (fn(ctx, s.data(), s.size(), t.get_termfreq()))
                    break;
            }
            return NS_OK;
        });
    });
}

extern "C" int nsx_db_spellings(nsx_db *db, int (*fn)(void *, const char *, size_t, uint64_t),
                                void *ctx)
{
    return guard(db->err, sizeof db->err, [&] {
        return with_reopen(db, [&] {
            for (auto t = db->db.spellings_begin(); t != db->db.spellings_end(); ++t) {
                std::string s = *t;
                if (fn(ctx, s.data(), s.size(), t.get_termfreq()))
                    break;
            }
            return NS_OK;
        });
    });
}

extern "C" int nsx_db_first_doc(nsx_db *db, const char *term, size_t len, uint32_t *docid)
{
    *docid = 0;
    return guard(db->err, sizeof db->err, [&] {
        return with_reopen(db, [&] {
            std::string t(term, len);
            Xapian::PostingIterator p = db->db.postlist_begin(t);
            if (p == db->db.postlist_end(t))
                return NS_ENOTFOUND;
            *docid = *p;
            return NS_OK;
        });
    });
}

extern "C" int nsx_db_document_data(nsx_db *db, uint32_t docid, nsx_str_fn fn, void *ctx)
{
    return guard(db->err, sizeof db->err, [&] {
        return with_reopen(db, [&] {
            std::string s = db->db.get_document(docid).get_data();
            fn(ctx, s.data(), s.size());
            return NS_OK;
        });
    });
}

/* ------------------------------------------------------------ queries */

extern "C" int nsx_query_term(nsx_query **out, const char *term, size_t len)
{
    *out = nullptr;
    return guard_quiet([&] {
        *out = new nsx_query{Xapian::Query(std::string(term, len))};
        return NS_OK;
    });
}

extern "C" int nsx_query_nothing(nsx_query **out)
{
    *out = nullptr;
    return guard_quiet([&] {
        *out = new nsx_query{Xapian::Query::MatchNothing};
        return NS_OK;
    });
}

static Xapian::Query::op xapian_op(enum nsx_op op)
{
    switch (op) {
    case NSX_AND:
        return Xapian::Query::OP_AND;
    case NSX_OR:
        return Xapian::Query::OP_OR;
    case NSX_AND_NOT:
        return Xapian::Query::OP_AND_NOT;
    case NSX_AND_MAYBE:
        return Xapian::Query::OP_AND_MAYBE;
    case NSX_PHRASE:
        return Xapian::Query::OP_PHRASE;
    case NSX_NEAR:
        return Xapian::Query::OP_NEAR;
    }
    return Xapian::Query::OP_AND;
}

extern "C" int nsx_query_combine(nsx_query **out, enum nsx_op op, nsx_query *const *kids, size_t n,
                                 unsigned window)
{
    *out = nullptr;
    return guard_quiet([&] {
        if (op == NSX_AND_NOT && n > 2) {
            // Xapian's AND_NOT is left-associative; ours subtracts them all
            std::vector<Xapian::Query> rest;
            for (size_t i = 1; i < n; i++)
                rest.push_back(kids[i]->q);
            *out = new nsx_query{
                Xapian::Query(Xapian::Query::OP_AND_NOT, kids[0]->q,
                              Xapian::Query(Xapian::Query::OP_OR, rest.begin(), rest.end()))};
            return NS_OK;
        }
        std::vector<Xapian::Query> v;
        v.reserve(n);
        for (size_t i = 0; i < n; i++)
            v.push_back(kids[i]->q);
        *out = new nsx_query{Xapian::Query(xapian_op(op), v.begin(), v.end(), window)};
        return NS_OK;
    });
}

extern "C" int nsx_query_scale(nsx_query **out, const nsx_query *q, double factor)
{
    *out = nullptr;
    return guard_quiet([&] {
        *out = new nsx_query{Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT, q->q, factor)};
        return NS_OK;
    });
}

extern "C" int nsx_query_terms(const nsx_query *q, nsx_str_fn fn, void *ctx)
{
    return guard_quiet([&] {
        for (auto t = q->q.get_unique_terms_begin(); t != q->q.get_unique_terms_end(); ++t) {
            std::string s = *t;
            if (fn(ctx, s.data(), s.size()))
                break;
        }
        return NS_OK;
    });
}

extern "C" void nsx_query_describe(const nsx_query *q, char *buf, size_t len)
{
    guard(buf, len, [&] { return fail(buf, len, NS_OK, q->q.get_description()); });
}

extern "C" void nsx_query_free(nsx_query *q) { delete q; }

/* ------------------------------------------------------------ searching */

extern "C" int nsx_search(nsx_db *db, const nsx_query *q, const nsx_search_opts *o, nsx_mset **out)
{
    *out = nullptr;
    return guard(db->err, sizeof db->err, [&] {
        return with_reopen(db, [&] {
            Xapian::Enquire enq(db->db);
            enq.set_query(q->q);
            if (o->bool_weight)
                enq.set_weighting_scheme(Xapian::BoolWeight());
            else
                enq.set_weighting_scheme(
                    Xapian::BM25Weight(o->k1, o->k2, o->k3, o->b, o->min_normlen));
            if (o->time_limit > 0)
                enq.set_time_limit(o->time_limit);
            if (o->sort_slot1) {
                // KeyMaker is refused by remote databases: by value, then weight
                // (an absent value is the empty one, the smallest)
                enq.set_sort_by_value_then_relevance(o->sort_slot1 - 1, o->sort_desc != 0);
            } else if (o->tiebreak_slot >= 0) {
                enq.set_sort_by_relevance_then_value(static_cast<unsigned>(o->tiebreak_slot),
                                                     false);
            }
            enq.set_docid_order(Xapian::Enquire::ASCENDING);
            if (o->collapse_slot1)
                enq.set_collapse_key(o->collapse_slot1 - 1, 1);
            std::unique_ptr<nsx_mset> res(new nsx_mset);
            for (size_t j = 0; j < o->nspy; j++) {
                res->spies.push_back(new Xapian::ValueCountMatchSpy(o->spy_slots[j]));
                enq.add_matchspy(res->spies.back());
            }
            res->m = enq.get_mset(static_cast<Xapian::doccount>(o->offset),
                                  static_cast<Xapian::doccount>(o->k),
                                  static_cast<Xapian::doccount>(o->check_at_least));
            *out = res.release();
            return NS_OK;
        });
    });
}

extern "C" size_t nsx_mset_size(const nsx_mset *m) { return m->m.size(); }

extern "C" void nsx_mset_counts(const nsx_mset *m, uint64_t *lower, uint64_t *estimated,
                                uint64_t *upper)
{
    *lower = m->m.get_matches_lower_bound();
    *estimated = m->m.get_matches_estimated();
    *upper = m->m.get_matches_upper_bound();
}

extern "C" void nsx_mset_item(const nsx_mset *m, size_t i, uint32_t *docid, double *weight)
{
    Xapian::MSetIterator it = m->m[static_cast<Xapian::doccount>(i)];
    *docid = *it;
    *weight = it.get_weight();
}

extern "C" int nsx_mset_fetch(nsx_db *db, nsx_mset *m)
{
    return guard(db->err, sizeof db->err, [&] {
        m->m.fetch();
        return NS_OK;
    });
}

extern "C" int nsx_mset_data(nsx_db *db, const nsx_mset *m, size_t i, nsx_str_fn fn, void *ctx)
{
    return guard(db->err, sizeof db->err, [&] {
        std::string s = m->m[static_cast<Xapian::doccount>(i)].get_document().get_data();
        fn(ctx, s.data(), s.size());
        return NS_OK;
    });
}

extern "C" int nsx_mset_value(nsx_db *db, const nsx_mset *m, size_t i, unsigned slot, int direct,
                              nsx_str_fn fn, void *ctx)
{
    return guard(db->err, sizeof db->err, [&] {
        Xapian::MSetIterator it = m->m[static_cast<Xapian::doccount>(i)];
        std::string s = direct ? db->db.get_document(*it, Xapian::DOC_ASSUME_VALID).get_value(slot)
                               : it.get_document().get_value(slot);
        fn(ctx, s.data(), s.size());
        return NS_OK;
    });
}

extern "C" void nsx_mset_free(nsx_mset *m) { delete m; }

extern "C" uint64_t nsx_mset_collapsed(const nsx_mset *m, size_t i)
{
    return m->m[static_cast<Xapian::doccount>(i)].get_collapse_count();
}

extern "C" uint64_t nsx_mset_spy_total(const nsx_mset *m, size_t j)
{
    return j < m->spies.size() ? m->spies[j]->get_total() : 0;
}

extern "C" int nsx_mset_spy(nsx_db *db, const nsx_mset *m, size_t j,
                            int (*fn)(void *ctx, const char *v, size_t len, uint64_t count),
                            void *ctx)
{
    return guard(db->err, sizeof db->err, [&] {
        const Xapian::ValueCountMatchSpy *s = m->spies.at(j);
        for (Xapian::TermIterator t = s->values_begin(); t != s->values_end(); ++t) {
            std::string v = *t;
            if (fn(ctx, v.data(), v.size(), t.get_termfreq()))
                break;
        }
        return NS_OK;
    });
}

/* ------------------------------------------------------------ typed fields */

extern "C" size_t nsx_sortable(double v, char *out)
{
    std::string s = Xapian::sortable_serialise(v);
    memcpy(out, s.data(), s.size());
    return s.size();
}

extern "C" int nsx_query_all(nsx_query **out)
{
    *out = nullptr;
    return guard_quiet([&] {
        *out = new nsx_query{Xapian::Query::MatchAll};
        return NS_OK;
    });
}

extern "C" int nsx_query_value_range(nsx_query **out, unsigned slot, const char *lo, size_t lolen,
                                     const char *hi, size_t hilen)
{
    *out = nullptr;
    return guard_quiet([&] {
        if (lo && hi)
            *out = new nsx_query{Xapian::Query(Xapian::Query::OP_VALUE_RANGE, slot,
                                               std::string(lo, lolen), std::string(hi, hilen))};
        else if (lo)
            *out = new nsx_query{
                Xapian::Query(Xapian::Query::OP_VALUE_GE, slot, std::string(lo, lolen))};
        else if (hi)
            *out = new nsx_query{
                Xapian::Query(Xapian::Query::OP_VALUE_LE, slot, std::string(hi, hilen))};
        else
            *out = new nsx_query{Xapian::Query::MatchAll};
        return NS_OK;
    });
}

/* ------------------------------------------------------------ statistics */

extern "C" int nsx_db_termfreqs(nsx_db *db, const char *const *terms, const size_t *lens, size_t n,
                                uint64_t *df, uint64_t *doccount)
{
    return guard(db->err, sizeof db->err, [&] {
        return with_reopen(db, [&] {
            *doccount = db->db.get_doccount();
            for (size_t i = 0; i < n; i++)
                df[i] = db->db.get_termfreq(std::string(terms[i], lens[i]));
            return NS_OK;
        });
    });
}

extern "C" int nsx_doc_weight(nsx_db *db, const nsx_query *q, const char *idterm, size_t idlen,
                              uint32_t docid, const nsx_search_opts *o, int *matched,
                              double *weight)
{
    *matched = 0;
    *weight = 0;
    return guard(db->err, sizeof db->err, [&] {
        return with_reopen(db, [&] {
            Xapian::Enquire enq(db->db);
            enq.set_query(Xapian::Query(Xapian::Query::OP_FILTER, q->q,
                                        Xapian::Query(std::string(idterm, idlen))));
            enq.set_weighting_scheme(Xapian::BM25Weight(o->k1, o->k2, o->k3, o->b, o->min_normlen));
            Xapian::MSet m = enq.get_mset(0, 16);
            for (auto it = m.begin(); it != m.end(); ++it)
                if (*it == docid) {
                    *matched = 1;
                    *weight = it.get_weight();
                }
            return NS_OK;
        });
    });
}

extern "C" int nsx_doc_term(nsx_db *db, uint32_t docid, const char *term, size_t len, uint32_t *wdf,
                            uint64_t *df, uint64_t *doclen)
{
    *wdf = 0;
    *df = 0;
    *doclen = 0;
    return guard(db->err, sizeof db->err, [&] {
        return with_reopen(db, [&] {
            std::string t(term, len);
            *df = db->db.get_termfreq(t);
            *doclen = db->db.get_doclength(docid);
            Xapian::PostingIterator p = db->db.postlist_begin(t);
            if (p != db->db.postlist_end(t)) {
                p.skip_to(docid);
                if (p != db->db.postlist_end(t) && *p == docid)
                    *wdf = p.get_wdf();
            }
            return NS_OK;
        });
    });
}
