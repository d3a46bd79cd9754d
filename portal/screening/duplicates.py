"""Exact and near duplicates: a hash of the matching form and character shingles."""
import hashlib
import threading
from typing import NamedTuple

from portal.screening.normalize import matching_form

SHINGLE = 3
NEAR_THRESHOLD = 0.7  # Jaccard similarity of shingle sets
# A new text is compared with the 300 recent ones on every submission, so each comparison must
# be cheap. Two integers stand for a text's trigram set, and comparing is an AND and a bit count.
#
# The sketch folds the trigrams into a few hundred bytes, a bit per trigram's hash, its width
# following the text's size (a sixteenth of the bits set): a wide integer is slow to AND, a
# narrow one for a long text merges too much to tell anything. Folding only merges trigrams, so
# two texts share at most their shared bits plus the trigrams either one lost to its own merges,
# and a pair whose bound falls short of the threshold is no near duplicate. Texts similar
# enough to compare differ in size by less than the step between two widths, so they are at
# most one width apart, and each text is also folded at the next width up.
#
# The few pairs left (most in a flood of look-alike texts) are decided on exact sets: the
# process numbers the trigrams it meets, and a text's set is the integer with those bits set.
# Those integers grow as wide as every trigram numbered, so they are made only for texts a
# sketch could not rule out, and the numbering starts again once it holds twice what the last
# fresh start needed; EXACT_MAX bounds the texts whose exact set is kept.
WIDTHS = (1 << 10, 1 << 12, 1 << 14, 1 << 16)  # bits; a text of up to width/8 trigrams uses it
SKETCHES_MAX = 1024  # texts whose sketch a process keeps
NUMBERED_MIN, EXACT_MAX = 1 << 12, 1024
# sketches: {(title, body): Sketch}; exact: {(title, body): bits}; numbers: {trigram: bit}
_kept: dict = {"sketches": {}, "exact": {}, "numbers": {}, "numbered_limit": NUMBERED_MIN}
_lock = threading.Lock()  # the background worker's threads screen too; numbering is shared


class Sketch(NamedTuple):
    """What a text is compared by first: the hash of its matching form, its number of
    trigrams, its width's rank in WIDTHS, the folded bits and the number of trigrams the folding
    merged away, at its width and at the next one up (None at the widest)."""

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


def _set_bits(positions, width: int) -> int:
    """The integer with these bit positions (below `width`) set."""
    # Set in a byte array, made an integer once: ORing into an integer copies it every time.
    folded = bytearray((width + 7) // 8)
    for position in positions:
        folded[position >> 3] |= 1 << (position & 7)
    return int.from_bytes(folded, "little")


def _folded(hashes: list, width: int) -> tuple:
    """(bits, trigrams merged away) of the trigram hashes folded to `width` bits."""
    bits = _set_bits([value & (width - 1) for value in hashes], width)
    return bits, len(hashes) - bits.bit_count()


def _sketch(text_hash: str, grams: frozenset) -> Sketch:
    size = len(grams)
    rank = next((i for i, width in enumerate(WIDTHS) if size <= width // 8), len(WIDTHS) - 1)
    hashes = [hash(gram) for gram in grams]
    bits, merged = _folded(hashes, WIDTHS[rank])
    bits_up, merged_up = (_folded(hashes, WIDTHS[rank + 1]) if rank + 1 < len(WIDTHS)
                          else (None, 0))
    return Sketch(text_hash, size, rank, bits, merged, bits_up, merged_up)


def _exact(key: tuple, grams: frozenset | None = None) -> int:
    """The exact trigram set of the text `key` (title, body) as numbered bits, kept."""
    exact = _kept["exact"]
    bits = exact.get(key)
    if bits is None:
        numbers = _kept["numbers"]
        positions = []
        for gram in signature(*key)[1] if grams is None else grams:
            number = numbers.get(gram)
            if number is None:
                number = numbers[gram] = len(numbers)
            positions.append(number)
        bits = exact[key] = _set_bits(positions, len(numbers))
    return bits


def find_duplicates(title: str, body: str, recent, limit: int | None = None,
                    form: str | None = None) -> list:
    """[(code, "exact"|"near")] for the recent texts this one repeats, in `recent`'s order.

    `recent` holds (code, title, body) tuples of recent submissions. Past `limit` findings only
    exact duplicates are looked for (they weigh more; a near one needs its exact set). `form`
    is the text's matching form when the caller has it already.
    """
    with _lock:
        return _find(title, body, recent, limit, form)


def _find(title, body, recent, limit, form) -> list:
    sketches = _kept["sketches"]
    if len(sketches) > SKETCHES_MAX:  # keep what is still compared, drop the rest
        sketches = _kept["sketches"] = {
            key: sketches[key] for key in ((t, b) for _code, t, b in recent) if key in sketches}
    fresh = len(_kept["numbers"]) > _kept["numbered_limit"] or len(_kept["exact"]) > EXACT_MAX
    if fresh:  # between two calls: every exact set compared below is numbered alike
        _kept["numbers"].clear()
        _kept["exact"].clear()
    own_key, own_grams, own_exact = (title, body), None, None
    own = sketches.get(own_key)
    if own is None:  # a text seen before (a repeat) is sketched already
        own_hash, own_grams = form_signature(
            matching_form(f"{title}\n{body}") if form is None else form)
        own = sketches[own_key] = _sketch(own_hash, own_grams)
    own_hash, size, rank, bits, merged, bits_up, merged_up = own
    smallest = NEAR_THRESHOLD * size  # the fewest trigrams a text no longer than this may have
    found = []
    get = sketches.get
    for code, other_title, other_body in recent:
        key = (other_title, other_body)
        other = get(key)
        if other is None:
            other = sketches[key] = _sketch(*signature(other_title, other_body))
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
        if own_exact is None:
            own_exact = _exact(own_key, own_grams)
        if (own_exact & _exact(key)).bit_count() * (1 + NEAR_THRESHOLD) >= needed:
            found.append((code, "near"))
    if fresh:
        _kept["numbered_limit"] = max(NUMBERED_MIN, 2 * len(_kept["numbers"]))
    return found
