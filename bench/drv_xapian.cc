// drv_xapian.cc — benchmark driver for Xapian 1.4 (glass backend). See
// common.h for the command line and bench/README.md for the settings.
//
// Analysis is set up to match nsearch's as closely as Xapian allows:
// Snowball English stemming of every term (STEM_ALL, so phrases are matched
// on stems as nsearch does), positions on, no stopwords. The title is indexed
// twice: with prefix "S" (the usual Xapian practice, so title: searches are
// possible) and unprefixed with wdf 2, so that a plain query searches title
// and body and a title hit counts double, like nsearch's BM25F title weight 2.
#include <xapian.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include "common.h"

namespace
{

const int SNIPPET_BYTES = 260; // nsearch's default window

struct Xap {
    std::unique_ptr<Xapian::Database> db;
    std::unique_ptr<Xapian::Enquire> ranked, counted;
    Xapian::QueryParser qp;
    Xapian::Stem stem{"english"};
    Xapian::doccount ndocs = 0;
    std::string version;
};

const unsigned QP_FLAGS = Xapian::QueryParser::FLAG_PHRASE | Xapian::QueryParser::FLAG_BOOLEAN |
                          Xapian::QueryParser::FLAG_LOVEHATE | Xapian::QueryParser::FLAG_WILDCARD;

std::string build_dir(const char *path) { return std::string(path) + ".build"; }

// Every Xapian call is wrapped: exceptions become an error message.
template <class F> int guarded(char *err, size_t errlen, F f)
{
    try {
        f();
        return 0;
    } catch (const Xapian::Error &e) {
        snprintf(err, errlen, "%s", e.get_description().c_str());
    } catch (const std::exception &e) {
        snprintf(err, errlen, "%s", e.what());
    }
    return -1;
}

int x_build(void *, const char *path, const nb_corpus *c, char *err, size_t errlen)
{
    return guarded(err, errlen, [&] {
        nb_rm_rf(path);
        nb_rm_rf(build_dir(path).c_str());
        Xapian::WritableDatabase db(build_dir(path), Xapian::DB_CREATE_OR_OVERWRITE |
                                                         Xapian::DB_BACKEND_GLASS |
                                                         Xapian::DB_NO_SYNC);
        Xapian::TermGenerator tg;
        tg.set_stemmer(Xapian::Stem("english"));
        tg.set_stemming_strategy(Xapian::TermGenerator::STEM_ALL);
        std::string data;
        for (size_t i = 0; i < c->n; i++) {
            const nb_doc *d = &c->docs[i];
            Xapian::Document doc;
            tg.set_document(doc);
            std::string title(d->title, d->title_len);
            tg.index_text(title, 1, "S");
            tg.increase_termpos();
            tg.index_text(title, 2);
            tg.increase_termpos();
            tg.index_text(std::string(d->body, d->body_len));
            // stored: id NUL title NUL body (the body feeds MSet::snippet)
            data.assign(d->id);
            data.push_back('\0');
            data.append(title);
            data.push_back('\0');
            data.append(d->body, d->body_len);
            doc.set_data(data);
            db.add_document(doc); // docid = i + 1
        }
        db.commit();
    });
}

// Compaction is Xapian's "optimize" (what xapian-compact does, full level).
int x_optimize(void *, const char *path, char *err, size_t errlen)
{
    return guarded(err, errlen, [&] {
        Xapian::Database src(build_dir(path));
        src.compact(path, Xapian::Compactor::FULL | Xapian::DBCOMPACT_NO_RENUMBER);
        src.close();
        nb_rm_rf(build_dir(path).c_str());
    });
}

size_t x_sizes(void *, const char *path, nb_size *out, size_t cap)
{
    static const char *const tables[] = {"postlist", "position", "termlist", "docdata"};
    std::string dir(path);
    size_t n = 0;
    uint64_t named = 0;
    for (const char *t : tables) {
        uint64_t b = nb_file_size((dir + "/" + t + ".glass").c_str());
        if (n < cap)
            out[n++] = nb_size{t, b};
        named += b;
    }
    uint64_t total = nb_dir_size(path);
    if (n + 2 <= cap) {
        out[n++] = nb_size{"other", total - named};
        out[n++] = nb_size{"total", total};
    }
    return n;
}

int x_open(void *ctx, const char *path, char *err, size_t errlen)
{
    Xap *x = static_cast<Xap *>(ctx);
    return guarded(err, errlen, [&] {
        x->db.reset(new Xapian::Database(path));
        x->ndocs = x->db->get_doccount();
        x->ranked.reset(new Xapian::Enquire(*x->db));
        // same BM25 parameters as nsearch and FTS5: k1 = 1.2, b = 0.75
        x->ranked->set_weighting_scheme(Xapian::BM25Weight(1.2, 0, 1, 0.75, 0.5));
        x->counted.reset(new Xapian::Enquire(*x->db));
        x->counted->set_weighting_scheme(Xapian::BoolWeight()); // COUNT needs no scores
        x->qp.set_database(*x->db);
        x->qp.set_stemmer(x->stem);
        x->qp.set_stemming_strategy(Xapian::QueryParser::STEM_ALL);
        x->qp.set_default_op(Xapian::Query::OP_AND);
    });
}

void fill_hits(const Xapian::MSet &m, nb_out *out)
{
    out->nhits = 0;
    for (Xapian::MSetIterator it = m.begin(); it != m.end() && out->nhits < NB_TREC_K; ++it) {
        nb_hit *h = &out->hits[out->nhits++];
        h->ord = *it - 1;
        h->id = nullptr;
        h->score = it.get_weight();
    }
    out->count = out->nhits;
}

int x_run(void *ctx, nb_mode mode, const char *q, nb_out *out)
{
    Xap *x = static_cast<Xap *>(ctx);
    return guarded(out->err, sizeof out->err, [&] {
        Xapian::Query query = x->qp.parse_query(q, QP_FLAGS);
        out->snippet_bytes = 0;
        if (mode == NB_COUNT) {
            x->counted->set_query(query);
            // checkatleast = database size makes the count exact
            Xapian::MSet m = x->counted->get_mset(0, 0, x->ndocs);
            out->count = m.get_matches_estimated();
            out->inexact = m.get_matches_lower_bound() != m.get_matches_upper_bound();
            out->nhits = 0;
            return;
        }
        x->ranked->set_query(query);
        Xapian::MSet m = x->ranked->get_mset(0, mode == NB_TREC ? NB_TREC_K : 10);
        fill_hits(m, out);
        if (mode != NB_SNIPPET)
            return;
        for (Xapian::MSetIterator it = m.begin(); it != m.end(); ++it) {
            std::string data = it.get_document().get_data();
            size_t a = data.find('\0'), b = a == std::string::npos ? a : data.find('\0', a + 1);
            std::string body = b == std::string::npos ? data : data.substr(b + 1);
            out->snippet_bytes += m.snippet(body, SNIPPET_BYTES, x->stem).size();
        }
    });
}

void x_close(void *ctx)
{
    Xap *x = static_cast<Xap *>(ctx);
    x->ranked.reset();
    x->counted.reset();
    x->qp = Xapian::QueryParser();
    x->db.reset();
}

const char *x_version(void *ctx)
{
    Xap *x = static_cast<Xap *>(ctx);
    x->version = std::string("Xapian ") + Xapian::version_string();
    return x->version.c_str();
}

} // namespace

int main(int argc, char **argv)
{
    // One flush at the end: every document is buffered (the corpora fit in RAM).
    setenv("XAPIAN_FLUSH_THRESHOLD", "10000000", 0); // unless set outside
    Xap x;
    nb_engine e{};
    e.name = "xapian";
    e.syntax = NB_SYN_XAPIAN;
    e.ctx = &x;
    e.build = x_build;
    e.optimize = x_optimize;
    e.sizes = x_sizes;
    e.open = x_open;
    e.run = x_run;
    e.close = x_close;
    e.version = x_version;
    e.settings = "glass; TermGenerator Stem(english) STEM_ALL; positions; title as S-prefixed"
                 " + unprefixed wdf 2; body unprefixed; docdata = id+title+body;"
                 " XAPIAN_FLUSH_THRESHOLD=1e7; compact FULL; QueryParser STEM_ALL default AND"
                 " FLAG_PHRASE|BOOLEAN|LOVEHATE|WILDCARD; BM25Weight(1.2 0 1 0.75 0.5);"
                 " COUNT: BoolWeight + checkatleast=doccount; MSet::snippet 260 bytes";
    return nb_main(&e, argc, argv);
}
