"""Exact and near duplicates: a hash of the matching form and character shingles."""
import hashlib
import threading

from portal.screening.normalize import matching_form

SHINGLE = 3
NEAR_THRESHOLD = 0.7  # Jaccard similarity of shingle sets
# Each process numbers the trigrams it meets, so that a text's trigram set is one integer with
# those bits set and comparing two texts is an AND and a bit count: a new text is compared with
# the 300 recent ones on every submission, and a set intersection cost ten times more. The
# numbering starts again once it holds twice what the last fresh start needed (new texts keep
# adding trigrams), which keeps each integer a few kilobytes; MASKS_MAX bounds the texts kept.
NUMBERED_MIN, MASKS_MAX = 1 << 12, 1024
_numbers: dict = {}  # trigram -> its bit
_masks: dict = {}  # (title, body) -> (hash, number of trigrams, bits)
_numbering = {"limit": NUMBERED_MIN}
_masks_lock = threading.Lock()  # the background worker's threads screen too


def signature(title: str, body: str) -> tuple:
    """(hash, shingles) of a text: the hash of its matching form, equal for texts that differ
    only in spacing or punctuation, and the set of that form's character trigrams."""
    form = matching_form(f"{title}\n{body}")
    if len(form) <= SHINGLE:
        grams = frozenset({form} if form else ())
    else:
        grams = frozenset(form[i:i + SHINGLE] for i in range(len(form) - SHINGLE + 1))
    return hashlib.sha256(form.encode()).hexdigest(), grams


def _bits(title: str, body: str) -> tuple:
    """(hash, number of trigrams, bits) of a text, kept for the next comparisons."""
    key = (title, body)
    known = _masks.get(key)
    if known is None:
        text_hash, grams = signature(title, body)
        bits = 0
        for gram in grams:
            number = _numbers.get(gram)
            if number is None:
                number = _numbers[gram] = len(_numbers)
            bits |= 1 << number
        known = _masks[key] = (text_hash, len(grams), bits)
    return known


def find_duplicates(title: str, body: str, recent) -> list:
    """[(code, "exact"|"near")] for the recent texts this one repeats.

    `recent` holds (code, title, body) tuples of recent submissions.
    """
    with _masks_lock:
        fresh = len(_numbers) > _numbering["limit"] or len(_masks) > MASKS_MAX
        if fresh:
            _numbers.clear()  # between two calls: every text compared below is numbered alike
            _masks.clear()
        own_hash, size, own = _bits(title, body)
        smallest = NEAR_THRESHOLD * size  # the fewest trigrams a text no longer than this may have
        found = []
        for code, other_title, other_body in recent:
            other_hash, other_size, other = _bits(other_title, other_body)
            if other_hash == own_hash:
                found.append((code, "exact"))
                continue
            # Jaccard similarity is at most the ratio of the two sizes: most texts are ruled out
            # before any AND (|A∪B| = |A|+|B|-|A∩B|).
            if not (other_size >= smallest if other_size <= size
                    else size >= NEAR_THRESHOLD * other_size) or not other_size or not size:
                continue
            common = (own & other).bit_count()
            if common >= NEAR_THRESHOLD * (size + other_size - common):
                found.append((code, "near"))
        if fresh:
            _numbering["limit"] = max(NUMBERED_MIN, 2 * len(_numbers))
        return found
