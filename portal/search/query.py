"""What a person typed, as groups of index terms; and Whoosh queries built from them.

There are no operators: "quoted text" is a phrase, every other word must match, and Whoosh
syntax characters mean nothing and never raise.
"""
from whoosh.query import And, Or, Phrase, Term

from portal.core.text import STOP_WORDS, fold
from portal.search.index import query_terms, segments, stem

CHARS = "chars"  # ("chars", 灯) in a query group: the character anywhere (see _word_groups)


def is_han(char: str) -> bool:
    """A Chinese character (CJK unified ideographs, extension A, compatibility, B and on)."""
    return ("\u4e00" <= char <= "\u9fff" or "\u3400" <= char <= "\u4dbf"
            or "\uf900" <= char <= "\ufaff" or char >= "\U00020000")


def _lone_character(text: str):
    """The Chinese character a query consists of (spaces and punctuation aside), or None."""
    letters = [c for c in fold(text or "") if c.isalnum()]
    return letters[0] if len(letters) == 1 and is_han(letters[0]) else None


def _word_groups(text: str, lone=None) -> list:
    """Query words, each with the words that may stand for it in the index.

    A lone Chinese character the segmenter left over (滨江路|面) may sit inside a word in a
    document (路面|积水); the dictionary words of the query that cover it (路面) are indexed
    as sub-words there, so they are accepted as alternatives. When the whole query is one
    character (`lone`, e.g. 灯) it also means that character inside any word (路灯):
    ("chars", 灯), expanded through the index's lexicon (`postings`).
    """
    whole = [s for s in segments(text, False)]
    parts = [s for s in segments(text, True) if s.subword]
    groups = []
    for seg in whole:
        word = stem(seg.text) if seg.text.isascii() and seg.text.isalpha() else seg.text
        if word in STOP_WORDS:
            continue
        options = [word]
        if len(word) == 1 and not word.isascii():
            options += [p.text for p in parts
                        if p.start <= seg.start and p.end >= seg.end and p.text not in options]
            if word == lone:
                options.append((CHARS, word))
        groups.append(options)
    return groups


def parse_query(text: str) -> list:
    """What a person typed as [("phrase", [words]) | ("any", [alternatives])], all required.

    "Quoted text" is a phrase; other words must each match; there are no operators, so
    Whoosh syntax characters mean nothing and never raise.
    """
    groups = []
    chunks = (text or "").replace("“", '"').replace("”", '"').replace("「", '"').replace("」", '"')
    lone = _lone_character(chunks) if '"' not in chunks else None  # quoted: the exact word
    for index, chunk in enumerate(chunks.split('"')):
        if index % 2:  # inside quotes
            words = query_terms(chunk, drop_stop_words=False)
            if len(words) > 1:
                groups.append(("phrase", words))
                continue
            groups.extend(("any", [w]) for w in words)
        else:
            groups.extend(("any", options) for options in _word_groups(chunk, lone))
    # A word typed twice (滨江 濱江 fold to one word) is required once and counts once:
    # Whoosh's own query normalisation drops such duplicates too.
    unique = dict.fromkeys((kind, tuple(words)) for kind, words in groups)
    return [(kind, list(words)) for kind, words in unique]


def to_query(groups, fields, characters=None):
    """The Whoosh query of parsed groups over `fields` (None when there is nothing to find).

    An "any" group lists words (searched in each of `fields`) and may also list exact
    (field, value) pairs, e.g. ("area", "riverside") for a word that names the area.
    A ("chars", 灯) alternative has no Whoosh query of its own: it is left out, or, given
    `characters(field, char)` (the terms of the index containing the character), it becomes
    those terms.
    """
    parts = []
    for kind, words in groups:
        if kind == "phrase":
            parts.append(Or([Phrase(f, words) for f in fields]))
            continue
        terms = []
        for word in words:
            if isinstance(word, tuple) and word[0] == CHARS:
                if characters is not None:
                    terms.extend(Term(f, t) for f in fields for t in characters(f, word[1]))
                continue
            if isinstance(word, tuple):
                terms.append(Term(*word))
            else:
                terms.extend(Term(f, word) for f in fields)
        parts.append(terms[0] if len(terms) == 1 else Or(terms))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else And(parts)


def highlight_terms(text: str) -> set:
    """Every term a query may have matched (for marking snippets)."""
    plain = (text or "").replace('"', " ").replace("“", " ").replace("”", " ")
    return {w for group in _word_groups(plain) for w in group if isinstance(w, str)}


def similar_groups(text: str) -> list:
    """Any of the words of `text`, as one group (for suggestions of similar submissions)."""
    words = list(dict.fromkeys(query_terms(text)))[:12]
    return [("any", words)] if words else []
