"""The engine against Whoosh's own searcher, on a generated corpus of several segments.

What must hold: for random queries (English, Simplified and Traditional Chinese, phrases,
words that name an area, with and without filters) the engine finds the same documents as
Whoosh, its top 20 are Whoosh's `searcher.search` top 20 with the same BM25F parameters
(same order, scores equal to 1e-6, equal scores in the same order), its facet counts are
Whoosh's `groupedby` counts; and a cache carried over from the previous searcher holds what a
cache built from nothing holds, after appends, updates, deletions and a merge, also for filter
sets and words first used several reopens later.
"""
import random
from datetime import datetime, timedelta

import pytest
from pyroaring import FrozenBitMap
from whoosh import sorting
from whoosh.query import Or, Term
from whoosh.reading import SegmentReader
from whoosh.scoring import BM25F

from portal.search import index as search_index
from portal.search.engine import cache as cache_module
from portal.search.engine import matching as engine_matching
from portal.search.engine import postings as engine_postings
from portal.search.engine import storage
from portal.search.engine.cache import Carried, FilterCache
from portal.search.engine.fallback import WhooshCache
from portal.search.query import CHARS, parse_query, similar_groups, to_query

SEED = 20240611
DOCUMENTS = 2400
QUERIES = 240
TOP = 20
FACETS = ("kind", "category", "area", "station", "status", "channel")
AREAS = ("riverside", "dinghai-road", "pingliang-road", "daqiao", "yinhang", "wujiaochang")
CATEGORIES = {"street-lighting": "public-management", "litter": "public-management",
              "noise": "public-management", "safety-hazard": "public-safety",
              "fire-risk": "public-safety", "public-facilities": "public-service",
              "other": "public-service"}
STATIONS = ("", "", "service-station-1", "service-station-2", "suggestion-station")
STATUSES = ("received", "held", "accepted", "forwarded", "in_progress", "resolved")
CHANNELS = ("web", "kiosk", "api", "open311")
SIMPLIFIED = ["路灯", "不亮", "滨江", "步道", "垃圾桶", "满了", "井盖", "松动", "噪音", "施工",
              "夜间", "积水", "路面", "破损", "长椅", "公园", "电梯", "停运", "小区", "物业",
              "绿化", "树木", "倒伏", "消防", "通道", "堵塞", "摊贩", "占道", "经营", "码头",
              "栏杆", "生锈", "危险", "儿童", "游乐", "设施", "停车", "违章", "自行车", "共享单车"]
TRADITIONAL = ["路燈", "濱江", "垃圾桶滿了", "井蓋", "噪音擾民", "積水", "長椅", "電梯",
               "綠化", "樹木", "消防通道", "攤販", "碼頭", "欄杆", "兒童", "違章停車"]
ENGLISH = ["street", "light", "lights", "broken", "lamp", "dark", "riverside", "walk",
           "bins", "overflowing", "noise", "night", "construction", "water", "puddle", "road",
           "bench", "park", "elevator", "stopped", "trees", "fallen", "fire", "exit",
           "blocked", "vendor", "pier", "railing", "rusty", "children", "playground",
           "parking", "bicycles", "the", "and", "near", "gate"]
NAMES = {"滨江": [("area", "riverside")], "大桥": [("area", "daqiao")],
         "lamp": [("category", "street-lighting")]}
START = datetime(2024, 1, 1)


def _text(rng, words=(4, 40)) -> str:
    pieces = []
    for _ in range(rng.randint(*words)):
        pick = rng.random()
        source = SIMPLIFIED if pick < 0.45 else TRADITIONAL if pick < 0.6 else ENGLISH
        pieces.append(rng.choice(source))
        if rng.random() < 0.15:
            pieces.append(rng.choice("，。！ "))
    return "".join(p if not p.isascii() else f" {p} " for p in pieces).strip()


def _document(rng, number) -> dict:
    category = rng.choice(list(CATEGORIES))
    title = _text(rng, (2, 6))
    created = START + timedelta(minutes=7 * number + rng.randint(0, 5))
    original = _text(rng, (3, 12)) if rng.random() < 0.3 else ""
    return {
        "id": str(number), "content": "\n".join((title, title, _text(rng))), "staff": original,
        "kind": rng.choice(("issue", "idea")), "status": rng.choice(STATUSES),
        "channel": rng.choice(CHANNELS), "category": category,
        "parent_category": CATEGORIES[category], "area": rng.choice(AREAS),
        "station": rng.choice(STATIONS), "published": rng.random() < 0.7,
        "created": search_index.column_time(created),
        "published_at": search_index.column_time(created), "support": rng.randint(0, 9),
    }


def _commit(ix, documents=(), updates=(), deletions=(), merge=False, mergetype=None):
    writer = search_index.writer(ix)
    for document in documents:
        writer.add_document(**document)
    for document in updates:
        writer.update_document(**document)
    for number in deletions:
        writer.delete_by_term("id", str(number))
    writer.commit(merge=merge, mergetype=mergetype)


def _merge_last_two(writer, segments):
    """A Whoosh merge policy: the last two segments are rewritten into the new one, so the
    documents from the first of them on are numbered anew."""
    for segment in segments[-2:]:
        reader = SegmentReader(writer.storage, writer.schema, segment)
        writer.add_reader(reader)
        reader.close()
    return segments[:-2]


def _contents(cache, keys, words) -> dict:
    """What a cache says, as plain values (for comparing two caches)."""
    return {"all": set(cache.all()), "deleted": set(cache.deleted()),
            "docs": {key: set(cache.docs(*key)) for key in keys},
            "words": {key: cache.word_docs(*key).as_dict() for key in words},
            "columns": {name: list(cache.column(name)) for name in FACETS + ("created",)},
            "norms": {name: _norms(cache, name) for name in search_index.TEXT_FIELDS}}


def _norms(cache, field_name) -> list:
    """BM25's length normalisation of every document, as ranking looks it up."""
    return [cache.norm_table(field_name)[length] for length in cache.lengths(field_name)]


CARRIED_KEYS = [("area", a) for a in AREAS] + [("published", True), ("kind", "idea")]
CARRIED_WORDS = [("content", w) for w in ("路灯", "滨江", "垃圾桶", "lamp", "broken")] + [
    ("staff", "井盖"), ("content", (CHARS, "灯"))]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """An index of 2,400 documents written in commits of several sizes, with updates and
    deletions and a final merge; each commit's carried-over cache checked on the way."""
    rng = random.Random(SEED)
    ix = search_index.create_index(tmp_path_factory.mktemp("differential"))
    numbers = iter(range(DOCUMENTS))
    caches, carried, renewed_late, renumbered = [], [], [], []

    def reopen(compare_all=True):
        """A new searcher's cache, carried over from the previous one as the searcher
        holder does, holds what a cache built from nothing holds. Without `compare_all`
        its filter sets and words are left unused, to be carried over again and compared
        after a later reopen."""
        previous = caches[-1] if caches else None
        cache = FilterCache(ix.searcher(), previous.memo if previous else None)
        if previous is not None:
            carried.append(cache.carry_over(previous))
            shared = engine_postings.shared_documents(previous.searcher, cache.searcher)
            renumbered.append(carried[-1] and shared < previous.searcher.doc_count_all())
        cache.warm(None if carried and carried[-1] else previous,
                   characters=not (carried and carried[-1]))
        fresh = FilterCache(cache.searcher)
        keys, words = (CARRIED_KEYS, CARRIED_WORDS) if compare_all else ([], [])
        renewed_late.append(sum(type(cache._words.get(w)) is Carried for w in words))
        assert _contents(cache, keys, words) == _contents(fresh, keys, words)
        caches.append(cache)

    for number, size in enumerate((900, 600, 300, 120, 80, 60)):
        _commit(ix, [_document(rng, next(numbers)) for _ in range(size)])
        reopen(compare_all=number % 3 != 1)
    written = 2060
    _commit(ix, updates=[_document(rng, n) for n in rng.sample(range(written), 150)],
            deletions=rng.sample(range(written), 60))
    reopen(compare_all=False)
    _commit(ix, [_document(rng, next(numbers)) for _ in range(60)],
            updates=[_document(rng, n) for n in rng.sample(range(written), 20)],
            merge=True, mergetype=_merge_last_two)
    reopen(compare_all=False)
    _commit(ix, [_document(rng, next(numbers)) for _ in range(40)])
    reopen()
    written += 100
    _commit(ix, [_document(rng, next(numbers)) for _ in range(DOCUMENTS - written)],
            updates=[_document(rng, n) for n in rng.sample(range(written), 40)], merge=True)
    reopen()
    searcher = ix.searcher(weighting=BM25F(B=engine_postings.B, K1=engine_postings.K1))
    cache = FilterCache(searcher)
    cache.warm()
    yield {"ix": ix, "searcher": searcher, "cache": cache, "carried": carried,
           "renewed_late": renewed_late, "renumbered": renumbered}
    for old in caches + [cache]:
        old.searcher.close()


def test_the_corpus_has_several_segments_deletions_and_a_merge(corpus):
    searcher = corpus["searcher"]
    assert len(engine_postings.leaves(searcher)) >= 3
    assert searcher.doc_count() >= 2000 and corpus["cache"].deleted()
    # Carry-over was taken after appends and refused only where a merge renumbered.
    assert any(corpus["carried"]) and storage.STATUS.ok
    # Words left unused were carried over again and compared when first used, several
    # reopens (appends, updates, deletions, a merge that renumbered the last segments) later.
    assert max(corpus["renewed_late"]) == len(CARRIED_WORDS)
    assert any(corpus["renumbered"])


def _random_query(rng) -> tuple:
    """(groups, fields, description) of a random search, as the search service builds them."""
    pick = rng.random()
    words = [rng.choice(rng.choice((SIMPLIFIED, TRADITIONAL, ENGLISH, list(NAMES))))
             for _ in range(rng.randint(1, 3))]
    if pick < 0.1:
        text = f'"{rng.choice(ENGLISH)} {rng.choice(ENGLISH)}"'
    elif pick < 0.2:
        groups = similar_groups(" ".join(words + [rng.choice(ENGLISH)]))
        return groups, search_index.PUBLIC_FIELDS, f"similar {words}"
    else:
        text = " ".join(words)
    groups = [(kind, list(ws) + [pair for w in ws for pair in NAMES.get(w, [])])
              if kind == "any" else (kind, ws) for kind, ws in parse_query(text)]
    # A lone character's ("chars", 灯) alternative has no Whoosh query to compare with.
    groups = [(kind, [w for w in ws if not (isinstance(w, tuple) and w[0] == CHARS)])
              for kind, ws in groups]
    fields = search_index.STAFF_FIELDS if rng.random() < 0.3 else search_index.PUBLIC_FIELDS
    return groups, fields, text


def _random_filters(rng, searcher) -> tuple:
    """(the engine's filter sets, one per filter, Whoosh's filter: the documents in all of
    them, or None) for random filters; no filter is ([], None)."""
    terms = []
    if rng.random() < 0.6:
        terms.append(Term("published", True))
    if rng.random() < 0.3:
        terms.append(Term("area", rng.choice(AREAS)))
    if rng.random() < 0.2:
        terms.append(Term("kind", rng.choice(("issue", "idea"))))
    if rng.random() < 0.15:
        code = rng.choice(list(CATEGORIES.values()) + list(CATEGORIES))
        terms.append(Or([Term("category", code), Term("parent_category", code)]))
    if not terms and rng.random() < 0.5:
        return [], None
    sets = [FrozenBitMap(searcher.docs_for_query(term)) for term in terms]
    if rng.random() < 0.2:  # a date range, from Whoosh's own column reader
        created = list(searcher.reader().column_reader("created"))
        low = search_index.column_time(START + timedelta(days=rng.randint(0, 60)))
        high = low + search_index.column_time(START + timedelta(days=30)) - \
            search_index.column_time(START)
        sets.append(FrozenBitMap(d for d, value in enumerate(created) if low <= value <= high))
    return sets, set(sets[0].intersection(*sets[1:])) if sets else None


MARGIN = 10  # ranked beyond the top 20, so ties at the 20th place are cut alike


def _canonical(hits) -> list:
    """The top 20 of [(score, document)], equal scores lower document first.

    Mathematically equal scores can differ in the last bits with the order of additions
    (Whoosh's own ranking then orders them either way): scores equal to 1e-9 are a tie.
    """
    return sorted(hits, key=lambda hit: (-round(hit[0], 9), hit[1]))[:TOP]


def test_the_engine_ranks_counts_and_finds_what_whoosh_does(corpus, monkeypatch):
    searcher, cache = corpus["searcher"], corpus["cache"]
    rng = random.Random(SEED + 1)
    compared = nonempty = filtered = 0
    while compared < QUERIES:
        groups, fields, text = _random_query(rng)
        query = to_query(groups, fields)
        if query is None:
            continue
        within, whoosh_filter = _random_filters(rng, searcher)
        if whoosh_filter is not None and not whoosh_filter:
            continue  # Whoosh reads an empty filter as none
        filtered += len(within) > 1
        matched = engine_matching.matching(cache, groups, fields, within)
        # Every match scored by Whoosh: its limited collector was seen to skip documents
        # that outscore its 20th (a keyword term in an Or, a repeated subquery).
        results = searcher.search(query, filter=whoosh_filter, limit=None)
        assert len(matched) == len(results), text
        expected = _canonical((hit.score, hit.docnum) for hit in results[:TOP + MARGIN])
        ranked = _canonical(engine_matching.scored(cache, groups, fields, matched, TOP + MARGIN))
        assert [d for _s, d in ranked] == [d for _s, d in expected], text
        for (score, _d), (whoosh_score, _w) in zip(ranked, expected, strict=True):
            assert score == pytest.approx(whoosh_score, abs=1e-6), text
        if compared % 4 == 0:  # facets and newest-first on every fourth query
            grouped = searcher.search(query, filter=whoosh_filter, limit=None,
                                      groupedby=sorting.Facets.from_groupedby(list(FACETS)))
            facets = cache.facet_counts(matched, FACETS)
            with monkeypatch.context() as patched:  # many matches' way, on these few
                patched.setattr(engine_matching, "FACETS_BY_BITMAP", 0)
                assert cache.facet_counts(matched, FACETS) == facets, text
            for name in FACETS:
                # Most common first; equal counts in the order of their first documents.
                groups = {value: docs for value, docs in grouped.groups(name).items() if value}
                expected = sorted(groups, key=lambda value, g=groups: (-len(g[value]),
                                                                       min(g[value])))
                assert facets[name] == [(value, len(groups[value])) for value in expected], (
                    text, name)
            newest = searcher.search(query, filter=whoosh_filter, limit=None,
                                     sortedby="created", reverse=True)[:TOP]
            assert engine_matching.newest(cache, matched, TOP) == [h.docnum for h in newest]
        nonempty += bool(matched)
        compared += 1
    assert nonempty > QUERIES // 2 and filtered > QUERIES // 4  # the comparisons were real


def test_whooshs_searcher_stands_in_with_the_same_answers(corpus, monkeypatch):
    """The fallback (used when the storage check fails) reads only Whoosh's public interface
    and ranks with Whoosh's searcher: same documents, same top 20, same facets."""
    searcher, cache = corpus["searcher"], corpus["cache"]
    monkeypatch.setattr(storage, "STATUS", storage.Status(["simulated mismatch"]))
    stand_in = WhooshCache(searcher)
    stand_in.warm()
    rng = random.Random(SEED + 2)
    for _ in range(30):
        groups, fields, text = _random_query(rng)
        within = (cache.docs("published", True), cache.docs("kind", rng.choice(("issue", "idea"))))
        matched = cache.matching(groups, fields, within)
        assert stand_in.matching(groups, fields, within) == matched
        assert stand_in.ranking(groups, fields, matched, TOP) == \
            cache.ranking(groups, fields, matched, TOP), text
        assert stand_in.facet_counts(matched, FACETS) == cache.facet_counts(matched, FACETS)
    assert _norms(stand_in, "content") == _norms(cache, "content")


def _document_frequencies(searcher) -> dict:
    """{word: documents holding it} of `content`, through Whoosh's public reader."""
    return {word.decode(): searcher.doc_frequency("content", word.decode())
            for word in searcher.reader().lexicon("content")}


def test_the_most_frequent_words_come_first_within_both_limits(corpus):
    searcher = corpus["searcher"]
    held = _document_frequencies(searcher)
    chosen = engine_postings.frequent_words(searcher, "content", 8, 10 ** 9)
    assert len(chosen) == 8
    counts = [held[word] for word in chosen]
    assert counts == sorted(counts, reverse=True)
    assert min(counts) >= max(n for word, n in held.items() if word not in chosen)

    # A word that would pass the postings limit is left out; smaller ones after it still fit.
    first, second = counts[0], next(n for n in counts if n < counts[0])
    limit = first + second - 1
    within = engine_postings.frequent_words(searcher, "content", 8, limit)
    assert within[0] == chosen[0] and sum(held[word] for word in within) <= limit
    assert all(held[word] != second for word in within)
    assert len(within) > 1  # words of fewer documents filled what was left


def test_a_first_searcher_holds_the_frequent_words_as_a_fresh_read_gives_them(corpus):
    searcher = corpus["searcher"]
    cache = FilterCache(searcher)
    cache.warm(first=True)
    frequent = engine_postings.frequent_words(
        searcher, "content", cache_module.WARM_WORDS, cache_module.FREQUENT_WORDS_POSTINGS)
    assert frequent and list(cache._words) == [("content", word) for word in reversed(frequent)]
    fresh = FilterCache(searcher)
    for word in frequent:
        assert cache._words[("content", word)].as_dict() \
            == fresh.word_docs("content", word).as_dict()
    later = FilterCache(searcher)
    later.warm()  # a reopen's warm-up (no previous searcher to take words from) reads none
    assert not later._words
