"""Snippets with matched words marked: every piece of user text escaped, only <mark> added.

Whoosh's sentence fragmenter does not know 。！？, so the window is chosen here, starting at
a sentence boundary (Chinese or Western) shortly before the first match.
"""
import re
from functools import lru_cache

from markupsafe import Markup, escape

from portal.core.text import fold
from portal.search.index import analyzer

SENTENCE_ENDS = "。！？；!?;\n"
LEAD = 30  # characters of context before the first match


def _merge(spans) -> list:
    merged = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


@lru_cache(maxsize=1024)
def _pattern(terms: frozenset):
    """One regex for the terms: Chinese as substrings, English stems as word beginnings."""
    parts = []
    for term in sorted(terms, key=len, reverse=True):
        if term.isascii():
            parts.append(r"\b" + re.escape(term) + r"\w*")
        else:
            parts.append(re.escape(term))
    return re.compile("|".join(parts)) if parts else None


def matched_spans(text: str, terms, folded: str | None = None) -> list:
    """[(start, end)] character ranges of `text` that match `terms`, merged.

    Matching runs on the folded text (same length as the original for nearly all text), so
    it costs a regular-expression scan instead of segmenting every snippet; when folding
    changes the length, the text is segmented like the index does. `folded`: the caller's
    `_folded(text)`, when it has it already.
    """
    if not text or not terms:
        return []
    folded = _folded(text) if folded is None else folded
    if len(folded) == len(text):
        pattern = _pattern(frozenset(terms))
        return _merge((m.start(), m.end()) for m in pattern.finditer(folded))
    return _merge((t.startchar, t.endchar)
                  for t in analyzer()(text, chars=True, mode="index") if t.text in terms)


def _folded(text: str) -> str:
    """The text as the index compares it: simplified, width-folded, lower case."""
    return fold(text).lower()


def _mark(text: str, spans, offset: int = 0) -> Markup:
    # Escaped pieces joined as plain text, then marked safe once.
    out, cursor = [], offset
    for start, end in spans:
        out += (escape(text[cursor:start]), "<mark>", escape(text[start:end]), "</mark>")
        cursor = end
    out.append(escape(text[cursor:]))
    return Markup("".join(out))


def highlight_all(text: str, terms) -> Markup:
    """The whole (short) text with matches marked, e.g. a title."""
    return _mark(text or "", matched_spans(text or "", terms))


def _first_match(folded: str, terms) -> int:
    """Roughly where the first term occurs (a plain substring search on the folded text)."""
    found = [i for i in (folded.find(t) for t in terms) if i >= 0]
    return min(found) if found else -1


def snippet(text: str, terms, length: int = 160) -> Markup:
    """A window of about `length` characters around the first match, marked and escaped.

    Only the window is segmented (bodies may be long), found by a substring search first; the
    body is folded once for both.
    """
    text = text or ""
    folded = _folded(text) if terms else ""
    same_length = len(folded) == len(text)
    first = _first_match(folded, terms) if terms and same_length else -1
    if first < 0 and terms and not same_length:  # an unusual text: segment the beginning
        spans = matched_spans(text[:2 * length], terms)
        first = spans[0][0] if spans else 0
    # (Found nowhere in the folded text: no word of the query starts anywhere in it either.)
    start = 0
    if first > LEAD:
        start = first - LEAD
        boundary = max(text.rfind(c, start, first) for c in SENTENCE_ENDS)
        if boundary >= 0:
            start = boundary + 1
        elif text.find(" ", start, first) >= 0:  # do not cut an English word in two
            start = text.find(" ", start, first) + 1
    end = min(len(text), start + length)
    spans = [(s + start, e + start) for s, e in matched_spans(
        text[start:end], terms, folded[start:end] if same_length else None)] if first >= 0 else []
    body = _mark(text[:end], spans, offset=start)
    return Markup(f"{'…' if start > 0 else ''}{body}{'…' if end < len(text) else ''}")
