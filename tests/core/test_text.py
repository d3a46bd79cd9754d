"""Text helpers every channel's input goes through."""
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from portal.core.text import BLANK_LETTERS, has_content, nfkc, visible


def _visible_by_character(text: str) -> str:
    return "".join(c for c in text if c not in BLANK_LETTERS and unicodedata.category(c) != "Cf")


def test_visible_removes_exactly_the_format_characters_and_blank_letters():
    """Every format character (and each blank letter) goes, wherever it stands; printable
    text, line breaks and other control characters are left as they are."""
    hidden = [chr(c) for c in range(0x110000) if unicodedata.category(chr(c)) == "Cf"]
    assert len(hidden) > 100
    for char in hidden + sorted(BLANK_LETTERS):
        for text in (f"路灯{char}坏了\n第二行", f"{char}lamp", f"lamp{char}", char):
            assert visible(text) == _visible_by_character(text), repr(text)
            assert visible(text) != text
    for text in ("杨树浦路100号门口的路灯坏了", "Lamp 12 dark\n\nsince Monday", "tab\there",
                 "bell\x07", "", "ﾌﾙ幅ＡＢＣ", "emoji 🚲"):
        assert visible(text) == _visible_by_character(text) == text, repr(text)
    assert visible(None) == ""
    assert not has_content("\u200b\u3164 \n\u2060") and has_content("\u200b路")


WIDE_AND_MARKS = st.sampled_from(
    [chr(c) for c in range(0xFF00, 0xFF70)] + ["\u3000", "\u0301", "\u030a", "\u0327", "\u3099",
                                              "ｶ", "ﾞ", "Å", "ﬁ", "①", "路", "灯", "，", "a", " "])


@given(st.text(WIDE_AND_MARKS) | st.text())
@settings(max_examples=400, deadline=None)
def test_nfkc_is_unicode_nfkc(text):
    """The quick path gives NFKC's own text, full-width forms next to combining marks (Ａ
    and a ring make Å) and anything else included."""
    assert nfkc(text) == unicodedata.normalize("NFKC", text)


def test_nfkc_of_typical_texts():
    for text in ("杨树浦路100号门口的路灯坏了，请尽快修理！", "Ｌａｍｐ　１２", "Ａ\u030a", "ﾌﾙ幅",
                 "plain ascii", ""):
        assert nfkc(text) == unicodedata.normalize("NFKC", text), repr(text)
    assert nfkc("路灯坏了，请修！") == "路灯坏了,请修!"
