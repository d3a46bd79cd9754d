"""Snippets with matched words marked: every piece of user text escaped, only <mark> added.

Whoosh's sentence fragmenter does not know 。！？, so the window is chosen here, starting at
a sentence boundary (Chinese or Western) shortly before the first match.
"""
from markupsafe import Markup, escape

from portal.search.index import analyzer

SENTENCE_ENDS = "。！？；!?;\n"
LEAD = 30  # characters of context before the first match


def matched_spans(text: str, terms) -> list:
    """[(start, end)] character ranges of `text` whose tokens are among `terms`, merged."""
    if not text or not terms:
        return []
    spans = sorted((t.startchar, t.endchar)
                   for t in analyzer()(text, chars=True, mode="index") if t.text in terms)
    merged = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _mark(text: str, spans, offset: int = 0) -> Markup:
    out, cursor = [], offset
    for start, end in spans:
        out.append(escape(text[cursor:start]))
        out.append(Markup("<mark>%s</mark>") % text[start:end])
        cursor = end
    out.append(escape(text[cursor:]))
    return Markup("").join(out)


def highlight_all(text: str, terms) -> Markup:
    """The whole (short) text with matches marked, e.g. a title."""
    return _mark(text or "", matched_spans(text or "", terms))


def snippet(text: str, terms, length: int = 160) -> Markup:
    """A window of about `length` characters around the first matches, marked and escaped."""
    text = text or ""
    spans = matched_spans(text[:20_000], terms)
    start = 0
    if spans and spans[0][0] > LEAD:
        start = spans[0][0] - LEAD
        boundary = max(text.rfind(c, start, spans[0][0]) for c in SENTENCE_ENDS)
        if boundary >= 0:
            start = boundary + 1
        elif text.find(" ", start, spans[0][0]) >= 0:  # do not cut an English word in two
            start = text.find(" ", start, spans[0][0]) + 1
    end = min(len(text), start + length)
    window = text[:end]
    inside = [(max(s, start), min(e, end)) for s, e in spans if s < end and e > start]
    body = _mark(window, inside, offset=start)
    prefix = Markup("…") if start > 0 else Markup("")
    suffix = Markup("…") if end < len(text) else Markup("")
    return prefix + body + suffix
