"""Exact and near duplicates: a hash of the matching form and character shingles."""
import hashlib
from functools import lru_cache

from portal.screening.normalize import matching_form

SHINGLE = 3
NEAR_THRESHOLD = 0.7  # Jaccard similarity of shingle sets


@lru_cache(maxsize=4096)  # recent texts are compared again for every new submission
def text_hash(title: str, body: str) -> str:
    """Hash of the normalised text: equal for texts that differ only in spacing or punctuation."""
    return hashlib.sha256(matching_form(f"{title}\n{body}").encode()).hexdigest()


@lru_cache(maxsize=4096)
def shingles(text: str) -> frozenset:
    """The character trigrams of the text's matching form."""
    form = matching_form(text)
    if len(form) <= SHINGLE:
        return frozenset({form} if form else ())
    return frozenset(form[i:i + SHINGLE] for i in range(len(form) - SHINGLE + 1))


def similarity(a: set, b: set) -> float:
    """Jaccard similarity of two shingle sets."""
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def find_duplicates(title: str, body: str, recent) -> list:
    """[(code, "exact"|"near")] for the recent texts this one repeats.

    `recent` holds (code, title, body) tuples of recent submissions.
    """
    own_hash = text_hash(title, body)
    own = shingles(f"{title}\n{body}")
    found = []
    for code, other_title, other_body in recent:
        if text_hash(other_title, other_body) == own_hash:
            found.append((code, "exact"))
        elif similarity(own, shingles(f"{other_title}\n{other_body}")) >= NEAR_THRESHOLD:
            found.append((code, "near"))
    return found
