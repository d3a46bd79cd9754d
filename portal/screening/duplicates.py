"""Exact and near duplicates: a hash of the matching form and character shingles."""
import hashlib
import threading
from typing import NamedTuple

from portal.screening.normalize import matching_form

SHINGLE = 3
NEAR_THRESHOLD = 0.7  # Jaccard similarity of shingle sets
# A new text is compared with the 300 recent ones on every submission, so each comparison must
# be cheap. The list's texts are kept as arrays (hash prefixes, sizes, the sketches below: a
# _Window), compared with the new text a whole list at a time; only texts of the same hash, or
# similar enough for the sketches, are then looked at one by one.
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
VECTOR_RANKS = 2  # texts folded at these first widths are also compared as arrays, a list at once
SKETCHES_MAX = 1024  # texts whose sketch a process keeps
NUMBERED_MIN, EXACT_MAX = 1 << 12, 1024
# sketches: {(title, body): Sketch}; exact: {(title, body): bits}; numbers: {trigram: bit}
# window: the last list compared, its texts as arrays (_Window)
_kept: dict = {"sketches": {}, "exact": {}, "numbers": {}, "numbered_limit": NUMBERED_MIN,
               "window": None}
_lock = threading.Lock()  # a threaded server's requests may screen at once; numbering is shared
# numpy is imported where it is used, at the first comparison: the background worker, which
# never compares texts, does not carry it; the web server imports it before it forks its
# workers (portal.WEB_ONLY_LIBRARIES).


class Sketch(NamedTuple):
    """What a text is compared by first: the hash of its matching form and that hash's first
    64 bits (compared a whole list at a time), its number of trigrams, its width's rank in
    WIDTHS, the folded bits and the number of trigrams the folding merged away, at its width
    and at the next one up (None at the widest)."""

    text_hash: str
    prefix: int
    size: int
    rank: int
    bits: int
    merged: int
    bits_up: int | None
    merged_up: int
    vectors: tuple  # per width below VECTOR_RANKS: (64-bit words, merged) at it, or None


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


def _folded(hashes, width: int) -> tuple:
    """(bits, trigrams merged away, the bits as 64-bit words) of the trigram hashes (an
    array) folded to `width` bits."""
    import numpy as np

    marks = np.zeros(width, dtype=bool)
    marks[hashes & (width - 1)] = True
    packed = np.packbits(marks, bitorder="little")
    return (int.from_bytes(packed.tobytes(), "little"),
            len(hashes) - int(np.count_nonzero(marks)), packed.view("<u8"))


def _sketch(text_hash: str, grams: frozenset) -> Sketch:
    import numpy as np

    size = len(grams)
    rank = next((i for i, width in enumerate(WIDTHS) if size <= width // 8), len(WIDTHS) - 1)
    hashes = np.fromiter(map(hash, grams), dtype=np.int64, count=size)
    bits, merged, words = _folded(hashes, WIDTHS[rank])
    bits_up, merged_up, words_up = (_folded(hashes, WIDTHS[rank + 1])
                                    if rank + 1 < len(WIDTHS) else (None, 0, None))
    vectors = tuple((words, merged) if at == rank
                    else (words_up, merged_up) if at == rank + 1 else None
                    for at in range(VECTOR_RANKS))
    return Sketch(text_hash, int(text_hash[:16], 16), size, rank, bits, merged, bits_up,
                  merged_up, vectors)


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


SHIFT_MAX = 64  # texts arrived in front of the last list compared, added to its window
WINDOW_MIN = 1200  # rows a window holds at least (the recent list is 300 texts)


class _Window:
    """The texts of the last recent list compared, as arrays in a buffer, oldest first (row i
    of the list, newest first, at buffer position end - 1 - i): their sketches, hash prefixes,
    sizes and ranks, and per width below VECTOR_RANKS the folded words (zero where a text has
    none at it) and merged counts.

    The recent list changes once per arrival and is compared once per submission: a list whose
    first texts arrived in front of the last one's (the oldest leaving at its end) adds only
    those texts at the buffer's end.
    """

    def __init__(self, capacity: int):
        import numpy as np

        self.capacity, self.start, self.end = capacity, 0, 0
        self.rows = []  # the list held, newest first
        self.sketches = [None] * capacity
        self.prefixes = np.zeros(capacity, dtype=np.uint64)
        self.sizes = np.zeros(capacity, dtype=np.float64)
        self.ranks = np.zeros(capacity, dtype=np.int8)
        self.words = tuple(np.zeros((capacity, WIDTHS[at] // 64), dtype=np.uint64)
                           for at in range(VECTOR_RANKS))
        self.merged = tuple(np.zeros(capacity, dtype=np.int64) for _ in range(VECTOR_RANKS))

    def _columns(self) -> tuple:
        return (self.prefixes, self.sizes, self.ranks, *self.words, *self.merged)

    def hold(self, recent) -> None:
        """Make the window hold the texts of `recent`."""
        count = len(recent)
        arrived = count
        if self.rows:
            first = self.rows[0]
            arrived = next((k for k in range(1, min(SHIFT_MAX, count - 1) + 1)
                            if recent[k] is first), count)
            if arrived < count and recent[arrived:] != self.rows[:count - arrived]:
                arrived = count
        kept = count - arrived
        if self.end + arrived > self.capacity or not kept:  # the kept rows to the start
            for column in self._columns():
                column[:kept] = column[self.end - kept:self.end]
            self.sketches[:kept] = self.sketches[self.end - kept:self.end]
            self.end = kept
        new = []
        sketches = _kept["sketches"]
        for _code, title, body in reversed(recent[:arrived]):  # oldest first, as in the buffer
            sketch = sketches.get((title, body))
            if sketch is None:
                sketch = sketches[(title, body)] = _sketch(*signature(title, body))
            new.append(sketch)
        if arrived:
            at = slice(self.end, self.end + arrived)
            self.sketches[at] = new
            self.prefixes[at] = [sketch.prefix for sketch in new]
            self.sizes[at] = [sketch.size for sketch in new]
            self.ranks[at] = [sketch.rank for sketch in new]
            for rank in range(VECTOR_RANKS):
                words, merged = self.words[rank], self.merged[rank]
                for position, sketch in enumerate(new, start=self.end):
                    words[position], merged[position] = sketch.vectors[rank] or (0, 0)
        self.end += arrived
        self.start = self.end - count
        self.rows = list(recent)


def _window(recent) -> _Window:
    """The window holding `recent`'s texts (a new one when the list outgrew it)."""
    window = _kept["window"]
    if window is None or window.capacity < 2 * len(recent):
        window = _kept["window"] = _Window(max(2 * len(recent), WINDOW_MIN))
    if window.rows != recent:
        window.hold(recent)
    return window


def _bounds(own: Sketch, window: _Window, view: slice):
    """(rows bounded, bound) over the window's `view`: for the rows whose sketch and this
    text's are folded at a width below VECTOR_RANKS, the most trigrams they can share."""
    import numpy as np

    rank, ranks = own.rank, window.ranks[view]
    bounded = np.zeros(len(ranks), dtype=bool)
    bound = np.zeros(len(ranks), dtype=np.int64)
    # A text of rank r meets those of ranks r and r - 1 at its own width, r + 1 at the next up.
    for at, ranked in ((rank, (ranks == rank) | (ranks == rank - 1)),
                       (rank + 1, ranks == rank + 1)):
        if at >= VECTOR_RANKS or not ranked.any():
            continue
        words, merged = own.vectors[at]
        shared = np.bitwise_count(window.words[at][view] & words).sum(axis=1, dtype=np.int64)
        bound = np.where(ranked, shared + np.minimum(window.merged[at][view], merged), bound)
        bounded |= ranked
    return bounded, bound


def _find(title, body, recent, limit, form) -> list:
    import numpy as np

    recent = recent if isinstance(recent, list) else list(recent)
    sketches = _kept["sketches"]
    if len(sketches) > SKETCHES_MAX:  # keep what is still compared, drop the rest
        sketches = _kept["sketches"] = {
            key: sketches[key] for key in ((t, b) for _code, t, b in recent) if key in sketches}
    window = _window(recent)
    rows, view, last = window.rows, slice(window.start, window.end), len(recent) - 1
    sizes = window.sizes[view]
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
    own_hash, size, rank, bits, merged, bits_up, merged_up = (
        own.text_hash, own.size, own.rank, own.bits, own.merged, own.bits_up, own.merged_up)
    # The whole list first, as arrays: the same hash prefix; then a size allowing a Jaccard
    # similarity at the threshold (it is at most the ratio of the two sizes), and a sketch
    # allowing it (where both are folded at a width compared as arrays).
    same = window.prefixes[view] == np.uint64(own.prefix)
    possible = bounded = np.zeros(len(sizes), dtype=bool)  # an empty text is near nothing
    if size:
        possible = np.where(sizes <= size, sizes >= NEAR_THRESHOLD * size,
                            size >= NEAR_THRESHOLD * sizes) & (sizes > 0)
        bounded, bound = _bounds(own, window, view)
        possible &= ~bounded | (bound * (1 + NEAR_THRESHOLD)
                                >= NEAR_THRESHOLD * (size + sizes))
    candidates = np.flatnonzero(same | possible)[::-1].tolist()  # the list's order
    found = []
    for index, position in enumerate(candidates):  # position: in the window, oldest first
        other, row = window.sketches[window.start + position], rows[last - position]
        if other.text_hash == own_hash:
            found.append((row[0], "exact"))
            continue
        if limit is not None and len(found) >= limit:  # only an exact duplicate still counts
            found += [(rows[last - later][0], "exact") for later in candidates[index + 1:]
                      if same[later]
                      and window.sketches[window.start + later].text_hash == own_hash]
            break
        if not possible[position]:
            continue
        other_size, other_rank = other.size, other.rank
        # Near when |A∩B| >= T·|A∪B| = T·(|A|+|B|-|A∩B|), that is (1+T)·|A∩B| >= T·(|A|+|B|).
        needed = NEAR_THRESHOLD * (size + other_size)
        if not bounded[position]:  # folded wider than the arrays: its sketch compared here
            if other_rank == rank:
                shared = (bits & other.bits).bit_count() + min(merged, other.merged)
            elif other_rank > rank:
                shared = (bits_up & other.bits).bit_count() + min(merged_up, other.merged)
            else:
                shared = (bits & other.bits_up).bit_count() + min(merged, other.merged_up)
            if shared * (1 + NEAR_THRESHOLD) < needed:
                continue
        if own_exact is None:
            own_exact = _exact(own_key, own_grams)
        if (own_exact & _exact((row[1], row[2]))).bit_count() * (
                1 + NEAR_THRESHOLD) >= needed:
            found.append((row[0], "near"))
    if fresh:
        _kept["numbered_limit"] = max(NUMBERED_MIN, 2 * len(_kept["numbers"]))
    return found
