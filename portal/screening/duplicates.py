"""Exact and near duplicates: a hash of the matching form and character shingles."""
import functools
import hashlib
from typing import NamedTuple

from portal.screening.normalize import matching_form

SHINGLE = 3
NEAR_THRESHOLD = 0.7  # Jaccard similarity of shingle sets
# A new text is compared with the 300 recent ones on every submission, so each comparison must
# be cheap. A text's trigram set is folded into an integer, a bit per trigram's hash, and a pair
# is ruled out with an AND and a bit count. Folding only merges trigrams: two texts share at most
# their shared bits plus the trigrams either one lost to its own merges, so a pair whose bound
# falls short of the threshold is no near duplicate, and only the few left are compared with
# their exact sets. The integer's width follows the text's size (a sixteenth of the bits set,
# so about one trigram in thirty-two is merged): a wide integer for a short text is slow to AND
# and a narrow one for a long text merges too much to rule anything out. Texts similar enough
# to compare differ in size by less than the step between two widths, so they are at most one
# width apart, and each text is also folded at the next width up.
WIDTHS = (1 << 10, 1 << 12, 1 << 14, 1 << 16)  # bits; a text of up to width/8 trigrams uses it
SKETCHES_MAX = 1024  # texts whose sketch a process keeps
_kept: dict = {"sketches": {}}  # "sketches": {(title, body): Sketch}, replaced whole when full


class Sketch(NamedTuple):
    """What a text is compared by: the hash of its matching form, its number of trigrams, its
    width's rank in WIDTHS, the folded bits and the number of trigrams the folding merged away,
    at its width and at the next one up (None at the widest)."""

    text_hash: str
    size: int
    rank: int
    bits: int
    merged: int
    bits_up: int | None
    merged_up: int


def signature(title: str, body: str) -> tuple:
    """(hash, shingles) of a text: the hash of its matching form, equal for texts that differ
    only in spacing or punctuation, and the set of that form's character trigrams."""
    return form_signature(matching_form(f"{title}\n{body}"))


def form_signature(form: str) -> tuple:
    """signature() of a text whose matching form is `form`."""
    if len(form) <= SHINGLE:
        grams = frozenset({form} if form else ())
    else:
        grams = frozenset(form[i:i + SHINGLE] for i in range(len(form) - SHINGLE + 1))
    return hashlib.sha256(form.encode()).hexdigest(), grams


@functools.lru_cache(maxsize=64)
def _grams(title: str, body: str) -> frozenset:
    """The trigram set of a text a sketch could not rule out (kept: a burst of near
    duplicates asks for the same few again and again)."""
    return signature(title, body)[1]


def _folded(hashes: list, width: int) -> tuple:
    """(bits, trigrams merged away) of the trigram hashes folded to `width` bits."""
    # Set in a byte array, made an integer once: ORing into an integer copies it every time.
    folded = bytearray(width // 8)
    for value in hashes:
        position = value & (width - 1)
        folded[position >> 3] |= 1 << (position & 7)
    bits = int.from_bytes(folded, "little")
    return bits, len(hashes) - bits.bit_count()


def _sketch(text_hash: str, grams: frozenset) -> Sketch:
    size = len(grams)
    rank = next((i for i, width in enumerate(WIDTHS) if size <= width // 8), len(WIDTHS) - 1)
    hashes = [hash(gram) for gram in grams]
    bits, merged = _folded(hashes, WIDTHS[rank])
    bits_up, merged_up = (_folded(hashes, WIDTHS[rank + 1]) if rank + 1 < len(WIDTHS)
                          else (None, 0))
    return Sketch(text_hash, size, rank, bits, merged, bits_up, merged_up)


def find_duplicates(title: str, body: str, recent, limit: int | None = None,
                    form: str | None = None) -> list:
    """[(code, "exact"|"near")] for the recent texts this one repeats, in `recent`'s order.

    `recent` holds (code, title, body) tuples of recent submissions. Past `limit` findings only
    exact duplicates are looked for (they weigh more; a near one needs its exact set). `form`
    is the text's matching form when the caller has it already.
    """
    sketches = _kept["sketches"]
    if len(sketches) > SKETCHES_MAX:  # keep what is still compared, drop the rest
        sketches = _kept["sketches"] = {
            key: sketches[key] for key in ((t, b) for _code, t, b in recent) if key in sketches}
    own_grams = None  # read only if a near duplicate has to be confirmed
    own = sketches.get((title, body))
    if own is None:  # a text seen before (a repeat) is sketched already
        own_hash, own_grams = form_signature(
            matching_form(f"{title}\n{body}") if form is None else form)
        own = sketches[(title, body)] = _sketch(own_hash, own_grams)
    own_hash, size, rank, bits, merged, bits_up, merged_up = own
    smallest = NEAR_THRESHOLD * size  # the fewest trigrams a text no longer than this may have
    found = []
    get = sketches.get
    for code, other_title, other_body in recent:
        other = get((other_title, other_body))
        if other is None:
            other = sketches[(other_title, other_body)] = _sketch(
                *signature(other_title, other_body))
        other_hash, other_size, other_rank, other_bits, other_merged, other_up, other_merged_up \
            = other
        if other_hash == own_hash:
            found.append((code, "exact"))
            continue
        if limit is not None and len(found) >= limit:
            continue  # only an exact duplicate still counts
        # Jaccard similarity is at most the ratio of the two sizes: most texts are ruled out
        # before any AND.
        if not (other_size >= smallest if other_size <= size
                else size >= NEAR_THRESHOLD * other_size) or not other_size or not size:
            continue
        if other_rank == rank:
            shared = (bits & other_bits).bit_count() + (
                merged if merged < other_merged else other_merged)
        elif other_rank > rank:
            shared = (bits_up & other_bits).bit_count() + (
                merged_up if merged_up < other_merged else other_merged)
        else:
            shared = (bits & other_up).bit_count() + (
                merged if merged < other_merged_up else other_merged_up)
        # Near when |A∩B| >= T·|A∪B| = T·(|A|+|B|-|A∩B|), that is (1+T)·|A∩B| >= T·(|A|+|B|).
        needed = NEAR_THRESHOLD * (size + other_size)
        if shared * (1 + NEAR_THRESHOLD) < needed:
            continue
        if own_grams is None:
            own_grams = _grams(title, body)
        if len(own_grams & _grams(other_title, other_body)) * (1 + NEAR_THRESHOLD) >= needed:
            found.append((code, "near"))
    return found
