"""Screening-only text forms, built on the shared `portal.core.text.normalize`."""
import re
import unicodedata

from portal.core.text import normalize

# URLs and bare domains on the common spam top-level domains.
LINK = re.compile(r"(?:https?://|www\.)[^\s<>\"'，。]+|\b[a-z0-9][a-z0-9-]{1,62}\."
                  r"(?:com|net|org|cn|cc|xyz|top|vip|bet|info|link|site|club|shop|app|me|tv)\b")
# Zero-width characters that spammers put between the letters of a keyword.
_INVISIBLE = re.compile("[\u200b-\u200d\u2060\ufeff\u00ad]")


def for_display_matching(text: str) -> str:
    """NFKC, Simplified, lower case, invisible characters removed; spacing kept."""
    return _INVISIBLE.sub("", normalize(text))


def matching_form(text: str) -> str:
    """The form patterns are matched against: letters and digits only, no spaces or punctuation.

    "加 V：abc" and "無-碼" become "加vabc" and "无码", so inserted separators do not hide a term.
    """
    text = for_display_matching(text)
    return "".join(ch for ch in text if unicodedata.category(ch)[0] in "LN")


def segments(text: str, minimum: int = 8) -> list:
    """The text's lines (in matching form) long enough to judge on their own."""
    return [form for form in (matching_form(line) for line in (text or "").splitlines())
            if len(form) >= minimum]


def find_links(text: str) -> list:
    """Links and bare domains in the text."""
    return LINK.findall(for_display_matching(text))
