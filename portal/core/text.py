"""Text normalisation shared by forms, search and screening (written once, here)."""
import re
import unicodedata
from functools import lru_cache

# Bidirectional overrides and isolates can make text display differently from what it says.
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
# C0/C1 control characters except tab and newline (which multi-line text may hold).
CONTROL_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


@lru_cache(maxsize=None)
def _converter(config: str):
    import opencc  # loaded once per process; the dictionaries ship inside the wheel

    return opencc.OpenCC(config)


def to_simplified(text: str) -> str:
    """Fold Traditional Chinese to Simplified (length-preserving `t2s`)."""
    return _converter("t2s").convert(text) if text else text


def to_traditional(text: str) -> str:
    """Render Simplified Chinese in Traditional characters.

    `s2tw` (Taiwan standard characters, no phrase changes) writes 群, 裡, 著 as the source article
    and most Traditional readers do; plain `s2t` would give the older 羣-style variants.
    """
    return _converter("s2tw").convert(text) if text else text


def normalize(text: str) -> str:
    """NFKC (full-width to half-width), Traditional folded to Simplified, lower-cased."""
    return to_simplified(unicodedata.normalize("NFKC", text or "")).lower()


def clean_line(text: str) -> str:
    """Trim and turn any run of white space (including newlines) into one space."""
    return " ".join((text or "").split())


def clean_block(text: str) -> str:
    """Trim, normalise line endings and collapse runs of blank lines to one."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    return re.sub(r"\n{3,}", "\n\n", text)


def has_hidden_controls(text: str) -> bool:
    """True when text holds control characters or bidirectional overrides."""
    return bool(CONTROL_CHARS.search(text or "") or BIDI_CONTROLS.search(text or ""))
