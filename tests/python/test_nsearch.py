"""Tests of the Python package (python/nsearch) against the library under test.

Run by CTest (tests/CMakeLists.txt) with NSEARCH_LIBRARY naming the build's
libnsearch, NSEARCH naming the build's nsearch program (the Python results are
compared with what the CLI prints for the same index) and NS_SHARED_DIR the
shared corpora (the five seed articles are indexed through the package).
"""

import json
import os
import shutil
import subprocess
import tempfile
import unittest

import nsearch

SHARED = os.environ.get("NS_SHARED_DIR", os.path.join(os.path.dirname(__file__), "..", "..", "..",
                                                      "shared"))
SEEDS = os.path.join(SHARED, "corpora", "seeds", "docs.jsonl")
NSEARCH = os.environ["NSEARCH"]


def seed_docs():
    with open(SEEDS, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


class SeedIndex(unittest.TestCase):
    """The seed articles indexed through nsearch.Writer, searched through
    nsearch.Index and through the nsearch program: both must agree."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="nsearch-py-")
        cls.path = os.path.join(cls.tmp, "idx")
        cls.docs = seed_docs()
        with nsearch.Writer(cls.path) as w:
            for d in cls.docs:
                outcome = w.add(d["id"], title=d.get("title"), body=d["body"])
                if outcome != "added":
                    raise AssertionError(f"{d['id']}: add gave {outcome}, not added")
            w.commit()

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    def cli(self, query, *args):
        # the program carries its own sanitizer runtime in a sanitizer build:
        # not the one preloaded into this python3 (tests/CMakeLists.txt)
        env = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}
        out = subprocess.run([NSEARCH, "-d", self.path, "--json", "-n", "10", *args, "--", query],
                             capture_output=True, text=True, env=env)
        self.assertIn(out.returncode, (0, 1), out.stderr)
        lines = [json.loads(l) for l in out.stdout.splitlines()]
        summaries = [l for l in lines if l.get("type") == "summary"]
        self.assertEqual(len(summaries), 1, f"no summary line: {out.stdout!r} {out.stderr!r}")
        return [l for l in lines if l.get("type") == "hit"], summaries[0]

    def test_same_hits_as_the_cli(self):
        queries = ["sever relations", "\"diplomatic relations\"", "moscow OR washington",
                   "diplom*", "title:russia", "relations -kremlin", "kremlin OR putin",
                   "relations NEAR/5 severed"]
        with nsearch.Index(self.path) as idx:
            for q in queries:
                with self.subTest(query=q):
                    res = idx.search(q)
                    hits, summary = self.cli(q)
                    self.assertGreater(len(hits), 0, f"{q}: the CLI finds nothing; the test needs hits")
                    self.assertEqual([h.id for h in res], [h["id"] for h in hits])
                    for h, c in zip(res, hits):
                        self.assertAlmostEqual(h.score, c["score"], places=4)
                        self.assertEqual(h.title, c["title"])
                    self.assertEqual(res.total, summary["total"])

    def test_snippets_mark_the_query_words(self):
        with nsearch.Index(self.path) as idx:
            res = idx.search("sever relations")
            self.assertGreater(len(res), 0)
            for h in res:
                self.assertTrue(h.highlights, f"{h.id}: no highlighted word")
                for a, b in h.highlights:
                    word = h.snippet[a:b].lower()
                    self.assertTrue(word.startswith("sever") or word.startswith("relation"), word)
                self.assertIn("[", h.marked())

    def test_get_returns_the_stored_text(self):
        with nsearch.Index(self.path) as idx:
            for d in self.docs:
                got = idx.get(d["id"])
                self.assertEqual(got["body"], d["body"])
                self.assertEqual(got["title"], d.get("title", ""))
            with self.assertRaises(nsearch.NotFoundError):
                idx.get("no such id")

    def test_query_errors_carry_the_offset(self):
        with nsearch.Index(self.path) as idx:
            with self.assertRaises(nsearch.QuerySyntaxError) as cm:
                idx.search("sever AND (x (y)")
            self.assertEqual(cm.exception.offset, 10)
            self.assertIn("unbalanced", str(cm.exception))
            self.assertIsInstance(cm.exception, nsearch.Error)


class Writing(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="nsearch-py-")
        self.path = os.path.join(self.tmp, "idx")

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def test_outcomes_updates_and_deletes(self):
        with nsearch.Writer(self.path) as w:
            self.assertEqual(w.add("a", title="One", body="alpha beta"), "added")
            self.assertEqual(w.add("b", title="Two", body="beta gamma"), "added")
            w.commit()
            self.assertEqual(w.add("a", title="One", body="alpha beta"), "unchanged")
            self.assertEqual(w.add("a", title="One", body="alpha delta"), "updated")
            w.delete("b")
            with self.assertRaises(nsearch.NotFoundError):
                w.delete("never there")
            w.commit()
        with nsearch.Index(self.path) as idx:
            self.assertEqual([h.id for h in idx.search("delta")], ["a"])
            self.assertEqual(len(idx.search("gamma")), 0)
            self.assertEqual(len(idx.search("beta")), 0)

    def test_uncommitted_changes_are_discarded(self):
        with nsearch.Writer(self.path) as w:
            w.add("a", body="kept words")
            w.commit()
            w.add("b", body="lost words")
        with nsearch.Index(self.path) as idx:
            self.assertEqual([h.id for h in idx.search("words")], ["a"])

    def test_one_writer_at_a_time(self):
        with nsearch.Writer(self.path):
            with self.assertRaises(nsearch.LockedError) as cm:
                nsearch.Writer(self.path)
            self.assertIn("locked", str(cm.exception))

    def test_refresh_sees_a_new_commit(self):
        with nsearch.Writer(self.path) as w:
            w.add("a", body="first")
            w.commit()
            with nsearch.Index(self.path) as idx:
                self.assertEqual(len(idx.search("second")), 0)
                w.add("b", body="second")
                w.commit()
                self.assertTrue(idx.refresh())
                self.assertEqual([h.id for h in idx.search("second")], ["b"])

    def test_missing_index(self):
        with self.assertRaises(nsearch.NotFoundError) as cm:
            nsearch.Index(os.path.join(self.tmp, "nothing"))
        self.assertIn("nothing", str(cm.exception))

    def test_unicode_round_trip(self):
        body = "Café crème — Ελληνικά, 日本語 and emoji 🙂"
        with nsearch.Writer(self.path) as w:
            w.add("ü-1", title="Zürich", body=body)
            w.commit()
        with nsearch.Index(self.path) as idx:
            res = idx.search("cafe")
            self.assertEqual([h.id for h in res], ["ü-1"])
            self.assertEqual(res[0].title, "Zürich")
            self.assertEqual(idx.get("ü-1")["body"], body)
        self.assertEqual(nsearch.analyze("Relations severed"), ["relat", "sever"])


class Fields(unittest.TestCase):
    """Typed fields through the package: Reuters records (topics, places
    lists, dates) put with fields=, then filters, sort, facets and dedup
    against a scan of the same records."""

    @classmethod
    def setUpClass(cls):
        import datetime
        import gzip
        cls.tmp = tempfile.mkdtemp(prefix="nsearch-py-")
        cls.path = os.path.join(cls.tmp, "idx")
        path = os.path.join(SHARED, "corpora", "reuters21578", "docs.jsonl.gz")
        cls.recs = []
        with gzip.open(path, "rt", encoding="utf-8") as f:
            for line in f:
                cls.recs.append(json.loads(line))
                if len(cls.recs) == 1500:
                    break
        with nsearch.Writer(cls.path) as w:
            w.declare_field("topics", "keyword")
            w.declare_field("places", "keyword")
            for r in cls.recs:
                when = datetime.datetime.strptime(r["date"].strip(), "%d-%b-%Y %H:%M:%S.%f")
                r["_when"] = when.replace(microsecond=0, tzinfo=datetime.timezone.utc)
                w.add(r["id"], title=r.get("title"), body=r.get("body", ""), date=when,
                      fields={"topics": r.get("topics") or [], "places": r.get("places") or [],
                              "words": len(r.get("body", "").split())})
            w.commit()

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    def test_filter_is_a_scan(self):
        want = sorted(r["id"] for r in self.recs if "coffee" in (r.get("topics") or []))
        self.assertGreater(len(want), 3)
        with nsearch.Index(self.path) as idx:
            res = idx.search("topics:coffee", limit=1000, snippets=False)
            self.assertEqual(sorted(h.id for h in res), want)
            for h in res:
                self.assertIn("coffee", h.fields["topics"])
                self.assertIsInstance(h.fields["words"][0], float)

    def test_sort_and_dates(self):
        with nsearch.Index(self.path) as idx:
            res = idx.search("oil", limit=30, sort="date:desc", snippets=False)
            self.assertGreater(len(res), 5)
            dates = [h.fields["date"][0] for h in res]
            self.assertEqual(dates, sorted(dates, reverse=True))
            by_id = {r["id"]: r["_when"] for r in self.recs}
            for h in res:
                self.assertEqual(h.fields["date"][0], by_id[h.id])

    def test_facets_are_a_scan(self):
        import collections
        with nsearch.Index(self.path) as idx:
            res = idx.search("topics:coffee", limit=0, facets={"places": 1000}, snippets=False)
        want = collections.Counter(p for r in self.recs if "coffee" in (r.get("topics") or [])
                                   for p in set(r.get("places") or []))
        self.assertEqual(dict(res.facets["places"]), dict(want))

    def test_dedup_counts(self):
        with nsearch.Index(self.path) as idx:
            res = idx.search("dividend", limit=20, dedup=True, snippets=False)
            self.assertTrue(all(h.duplicates >= 0 for h in res))
            plain = idx.search("dividend", limit=20, snippets=False)
            self.assertLessEqual(res.total, plain.total)

    def test_bad_values(self):
        path = os.path.join(self.tmp, "bad")
        with nsearch.Writer(path) as w:
            w.declare_field("price", "number")
            with self.assertRaises(nsearch.InvalidError) as cm:
                w.add("x", body="text", fields={"price": "cheap"})
            self.assertIn("price", str(cm.exception))
            with self.assertRaises(nsearch.InvalidError):
                w.declare_field("price", "keyword")


if __name__ == "__main__":
    unittest.main(verbosity=2)
