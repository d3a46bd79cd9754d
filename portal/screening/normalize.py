"""Screening-only text forms, built on the shared `portal.core.text.normalize`."""
import re
import unicodedata

from portal.core.text import normalize

# URLs and bare domains on the common spam top-level domains.
LINK = re.compile(r"(?:https?://|www\.)[^\s<>\"'，。]+|\b[a-z0-9][a-z0-9-]{1,62}\."
                  r"(?:com|net|org|cn|cc|xyz|top|vip|bet|info|link|site|club|shop|app|me|tv)\b")
# Zero-width characters that spammers put between the letters of a keyword.
_INVISIBLE = re.compile("[\u200b-\u200d\u2060\ufeff\u00ad]")
# Latin letters with accents or tone marks (pinyin written "wú mǎ").
_MARKED_LATIN = re.compile("[\u00c0-\u024f\u1e00-\u1eff]")
# Digits written for letters inside Latin words ("p0rn", "v1agra", "c4sino").
_LEET = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t"}
_MIXED_RUN = re.compile(r"[a-z0-9]*(?:[a-z][0-9]|[0-9][a-z])[a-z0-9]*")
# Single letters or digits with one separator between each: "w w w", "c.o.m", "c c".
_SPACED_LETTERS = re.compile(r"(?<![a-z0-9])[a-z0-9](?:[ .·•_-][a-z0-9](?![a-z0-9]))+")
_SEPARATOR = re.compile(r"[ .·•_-]")
# A domain spelled to slip past link detection: "ttav dot cc", "av66。com", "xx点com", "ab (.) net".
# Only top-level domains that do not double as English words, so "the park. Me and..." is no link.
_OBFUSCATED = re.compile(
    r"[a-z0-9][a-z0-9-]{1,62}(?:\s*(?:[。·•]|\(\.\)|\[\.\]|\(dot\)|\[dot\]|点)\s*|\s+dot\s+"
    r"|\s+\.\s*|\.\s+)(?:com|net|org|cn|cc|xyz|top|vip|bet|info|club|site|shop)(?![a-z0-9])")


def _strip_latin_marks(text: str) -> str:
    """Drop accents and tone marks from Latin letters only (CJK, kana and Hangul keep theirs)."""
    if not _MARKED_LATIN.search(text):
        return text
    kept = []
    for char in unicodedata.normalize("NFD", text):
        if unicodedata.combining(char) and kept and kept[-1].isascii() and kept[-1].isalpha():
            continue
        kept.append(char)
    return unicodedata.normalize("NFC", "".join(kept))


def for_display_matching(text: str) -> str:
    """NFKC, Simplified, lower case, invisible characters and Latin tone marks removed;
    spacing kept."""
    return _strip_latin_marks(_INVISIBLE.sub("", normalize(text)))


def matching_form(text: str) -> str:
    """The form patterns are matched against: letters and digits only, no spaces or punctuation.

    "加 V：abc" and "無-碼" become "加vabc" and "无码", so inserted separators do not hide a term.
    """
    text = for_display_matching(text)
    return "".join(ch for ch in text if unicodedata.category(ch)[0] in "LN")


def _read_digits_as_letters(match) -> str:
    run = match.group(0)
    if sum(ch.isalpha() for ch in run) < 2:  # "v12345", "3m": ids and measures, not words
        return run
    return "".join(
        _LEET.get(ch, ch)
        if (i and run[i - 1].isalpha()) or (i + 1 < len(run) and run[i + 1].isalpha()) else ch
        for i, ch in enumerate(run))


def letter_form(form: str) -> str:
    """The matching form with digits that stand for letters inside Latin words read as letters.

    Only digits touching a letter in a run of two or more Latin letters change, so house numbers
    and numbers beside Chinese stay as they are; patterns are matched on both forms.
    """
    return _MIXED_RUN.sub(_read_digits_as_letters, form)


def find_links(text: str) -> list:
    """Links and bare domains in the text."""
    return LINK.findall(for_display_matching(text))


def obfuscated_links(text: str) -> list:
    """Domains written so that they are not links: spaced letters, "dot", 点, Chinese stops.

    A plain "name.com" is an ordinary link (`find_links`) and is not returned here.
    """
    display = _SPACED_LETTERS.sub(lambda m: _SEPARATOR.sub("", m.group(0)),
                                  for_display_matching(text))
    return _OBFUSCATED.findall(display)
