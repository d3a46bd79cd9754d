"""Text normalisation shared by forms, search and screening (written once, here)."""
import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import cache

# Bidirectional overrides and isolates can make text display differently from what it says.
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
# C0/C1 control characters except tab and newline (which multi-line text may hold).
CONTROL_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Letters that fonts draw as nothing (Hangul fillers, the blank Braille pattern); with the
# format characters (zero-width space and joiners, word joiner, BOM, soft hyphen...) they can
# make a field look filled in while it shows nothing.
BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800\u180e")


@cache
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


# Full-width ASCII forms and the ideographic space: in Chinese text nearly always the only
# characters NFKC changes (，！？：), each into one ASCII character.
_FULL_WIDTH = re.compile("[\uff01-\uff5e\u3000]")


def _narrowed(match) -> str:
    char = match.group()
    return " " if char == "\u3000" else chr(ord(char) - 0xFEE0)


def nfkc(text: str) -> str:
    """`unicodedata.normalize("NFKC", text)`, the same text, sooner: normalized text is told by
    a quick check, and text whose only compatibility characters are full-width forms by a
    substitution and a second check (NFKC would decompose them to the same ASCII characters;
    anything else still goes through NFKC)."""
    if unicodedata.is_normalized("NFKC", text):
        return text
    narrowed = _FULL_WIDTH.sub(_narrowed, text)
    if unicodedata.is_normalized("NFKC", narrowed):
        return narrowed
    return unicodedata.normalize("NFKC", narrowed)


def normalize(text: str) -> str:
    """NFKC (full-width to half-width), Traditional folded to Simplified, lower-cased."""
    return to_simplified(nfkc(text or "")).lower()


def clean_line(text: str) -> str:
    """Trim and turn any run of white space (including newlines) into one space."""
    return " ".join((text or "").split())


def clean_block(text: str) -> str:
    """Trim, normalise line endings and collapse runs of blank lines to one."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    return re.sub(r"\n{3,}", "\n\n", text)


def visible(text: str) -> str:
    """The text without the characters that show nothing (format characters, blank letters)."""
    text = text or ""
    # Format characters are not printable: text whose lines are printable has none to remove,
    # which str methods tell without a Python step per character.
    if BLANK_LETTERS.isdisjoint(text) and text.replace("\n", "").isprintable():
        return text
    return "".join(c for c in text if c not in BLANK_LETTERS
                   and unicodedata.category(c) != "Cf")


def has_content(text: str) -> bool:
    """True when the text shows something besides white space and invisible characters."""
    return bool(visible(text).strip())


def has_hidden_controls(text: str) -> bool:
    """True when text holds control characters or bidirectional overrides."""
    return bool(CONTROL_CHARS.search(text or "") or BIDI_CONTROLS.search(text or ""))


# --- Segmentation for search (and screening): one tokenizer for Chinese and English. ---------

# Particles and function words dropped from plain (unquoted) query words; the index keeps every
# token, so positions stay exact and quoted phrases containing them still match.
STOP_WORDS = frozenset(
    "的 了 是 在 和 与 及 也 都 吗 呢 吧 啊 呀 就 还 有 又 "
    "把 被 让 给 很 这 那 个 我 你 他 她 它 们 "
    "a an and are as at be by for from in is it of on or that the this to was were with".split())
_SEGMENTER_LOCK = threading.Lock()


@dataclass(frozen=True)
class Segment:
    """A token: its text (folded, lower-cased), character offsets in the original text, position.

    Sub-words of a long word (`subword=True`) share the word's position so that a query for a
    part (滨江) finds the whole (杨浦滨江) while phrase queries still count whole words.
    """

    text: str
    start: int
    end: int
    position: int
    subword: bool = False


@cache
def _segmenter():
    import rjieba  # jieba's dictionary and algorithm in Rust; loaded once per process

    return rjieba.Jieba()


def add_words(words) -> None:
    """Teach the segmenter whole words (place names) so they are never split."""
    segmenter = _segmenter()
    with _SEGMENTER_LOCK:
        for word in words:
            word = fold(word).strip()
            if len(word) >= 2 and not segmenter.has_word(word):
                segmenter.add_word(word, max(segmenter.suggest_freq(word), 1000), None)


def fold(text: str) -> str:
    """NFKC then Traditional to Simplified: the script-neutral form searched and compared."""
    return to_simplified(nfkc(text or ""))


def _fold_with_offsets(text: str):
    """(folded text, map from folded index to original index); NFKC may change the length."""
    folded = nfkc(text)
    if len(folded) == len(text):
        offsets = range(len(text))
    else:  # per character, so every folded character knows where it came from
        parts, offsets = [], []
        for index, char in enumerate(text):
            piece = unicodedata.normalize("NFKC", char)
            parts.append(piece)
            offsets.extend([index] * len(piece))
        folded = "".join(parts)
    simplified = to_simplified(folded)
    if len(simplified) != len(folded):  # t2s keeps length; guard against a dictionary change
        simplified = "".join(to_simplified(c) if len(to_simplified(c)) == 1 else c for c in folded)
    return simplified, offsets


def segment(text: str, *, subwords: bool = True):
    """Split mixed Chinese/English text into Segments (words lower-cased, punctuation dropped).

    The segmenter's HMM guesser is off: it invents words (灯坏) that the same text in another
    context does not produce, so queries would miss. With `subwords`, every dictionary word of 2-4
    characters starting inside a word is added at that word's position, also when it runs
    past the word's end (滨江路|灯 still yields 路灯).
    """
    if not text:
        return []
    folded, offsets = _fold_with_offsets(text)
    segmenter = _segmenter()
    is_word = segmenter.has_word
    # The segmenter releases the GIL while it cuts: the lock keeps a word being added (which
    # needs the dictionary to itself) from meeting a cut in another thread.
    with _SEGMENTER_LOCK:
        words = segmenter.tokenize(folded, "default", False)
    result, position = [], 0
    for word, start, end in words:
        if not any(c.isalnum() for c in word):
            continue
        result.append(Segment(word.lower(), offsets[start], offsets[end - 1] + 1, position))
        if subwords and not word.isascii():
            for i in range(start, end):
                for size in (2, 3, 4):
                    part = folded[i:i + size]
                    if (len(part) == size and part != word and part.isalnum()
                            and not part.isascii() and is_word(part)):
                        result.append(Segment(part, offsets[i], offsets[i + size - 1] + 1,
                                              position, True))
        position += 1
    return result
