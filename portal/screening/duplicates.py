"""Exact and near duplicates: a hash of the matching form and character shingles."""
import hashlib
from functools import lru_cache

from portal.screening.normalize import matching_form

SHINGLE = 3
NEAR_THRESHOLD = 0.7  # Jaccard similarity of shingle sets


@lru_cache(maxsize=1024)  # the recent texts (300) are compared again for every new one
def signature(title: str, body: str) -> tuple:
    """(hash, shingles) of a text: the hash of its matching form, equal for texts that differ
    only in spacing or punctuation, and the set of that form's character trigrams."""
    form = matching_form(f"{title}\n{body}")
    if len(form) <= SHINGLE:
        grams = frozenset({form} if form else ())
    else:
        grams = frozenset(form[i:i + SHINGLE] for i in range(len(form) - SHINGLE + 1))
    return hashlib.sha256(form.encode()).hexdigest(), grams


def find_duplicates(title: str, body: str, recent) -> list:
    """[(code, "exact"|"near")] for the recent texts this one repeats.

    `recent` holds (code, title, body) tuples of recent submissions.
    """
    own_hash, own = signature(title, body)
    size = len(own)
    smallest = NEAR_THRESHOLD * size  # the fewest trigrams a text no longer than this may have
    found = []
    for code, other_title, other_body in recent:
        other_hash, other = signature(other_title, other_body)
        if other_hash == own_hash:
            found.append((code, "exact"))
            continue
        # Jaccard similarity is at most the ratio of the two sizes: most texts are ruled out
        # before any set is built; for the rest only the intersection is (|A∪B| = |A|+|B|-|A∩B|).
        other_size = len(other)
        if not (other_size >= smallest if other_size <= size
                else size >= NEAR_THRESHOLD * other_size) or not other_size or not size:
            continue
        common = len(own & other)
        if common >= NEAR_THRESHOLD * (size + other_size - common):
            found.append((code, "near"))
    return found
