"""The engine's compact postings and its ranking's ties, against plain Python values."""
import random
import subprocess
import sys
from array import array

import numpy as np
import pytest
from pyroaring import FrozenBitMap

from portal.search.engine import matching as engine_matching
from portal.search.engine.postings import WordPostings, compact


def _postings(frequencies: dict) -> WordPostings:
    """WordPostings of {document: frequency}, made as a segment's are read."""
    ids = sorted(frequencies)
    return WordPostings(*compact(array("I", ids), array("f", [frequencies[d] for d in ids])))


def test_compact_postings_give_every_frequency_and_only_what_is_kept():
    rng = random.Random(11)
    frequencies = {d: rng.choice((1, 1, 1, 2, 3, 7)) for d in rng.sample(range(5000), 900)}
    found = _postings(frequencies)
    assert found.as_dict() == frequencies
    # Only the frequencies other than 1 take array entries.
    assert len(found.often) == sum(1 for f in frequencies.values() if f != 1)
    candidates = sorted(rng.sample(range(5000), 400) + [4999, 0])
    got = found.frequencies(np.array(candidates, dtype=np.uint32)).tolist()
    assert got == [frequencies.get(d, 0) for d in candidates]

    gone = FrozenBitMap(rng.sample(sorted(frequencies), 300))
    kept = found.without(gone)
    assert kept.as_dict() == {d: f for d, f in frequencies.items() if d not in gone}
    assert found.as_dict() == frequencies  # the original is left as it was

    later = {d: rng.choice((1, 4)) for d in range(6000, 6100)}
    joined = kept.followed_by(_postings(later))
    assert joined.as_dict() == {**kept.as_dict(), **later}


def test_postings_read_in_no_order_are_sorted_and_all_ones_keep_no_arrays():
    merged = compact(array("I", [9, 2, 5]), array("f", [3.0, 1.0, 2.0]))  # a character's terms
    assert WordPostings(*merged).as_dict() == {2: 1, 5: 2, 9: 3}
    assert list(merged.often) == [5, 9]
    assert WordPostings(*compact(array("I", [1, 4]), array("f", [1.0, 1.0]))).often is None
    assert WordPostings(*compact(array("I", [1, 4]), array("f"))).as_dict() == {1: 1, 4: 1}


class _Keywords:
    """A stand-in cache with keyword filters only: each matching filter scores 1."""

    def __init__(self, docs):
        self._docs = docs

    def docs(self, field_name, value):
        return self._docs[(field_name, value)]


def test_equal_scores_at_the_cut_rank_the_lower_documents_first():
    cache = _Keywords({("area", "a"): FrozenBitMap(range(0, 100, 2)),
                       ("kind", "issue"): FrozenBitMap(range(0, 100, 3))})
    groups = [("any", [("area", "a"), ("kind", "issue")])]
    candidates = FrozenBitMap(range(100))
    scores = {d: (d % 2 == 0) + (d % 3 == 0) for d in range(100)}  # 0, 1 or 2: many ties
    expected = sorted(scores.items(), key=lambda pair: (-pair[1], pair[0]))
    for limit in (1, 5, 17, 40, 100, 150):
        ranked = engine_matching.scored(cache, groups, ["content"], candidates, limit)
        assert ranked == [(float(score), d) for d, score in expected[:limit]], limit
    assert engine_matching.scored(cache, groups, ["content"], FrozenBitMap(), 20) == []


@pytest.mark.parametrize("module", ["portal.search.engine.postings",
                                    "portal.search.engine.matching"])
def test_the_engine_loads_numpy_only_when_it_searches(module):
    """The background worker imports the engine with the app and never searches: numpy (tens
    of megabytes) stays out of it."""
    code = f"import sys, {module}; print('numpy' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.strip() == "False"
