"""Snippets: a window around the first match, every match in it marked, the text escaped; the
body is folded once, and texts whose folded form has another length still mark the right words."""
import html
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from portal.core.text import fold
from portal.search.highlight import highlight_all, snippet

LONG = "前面的话。" * 20 + "杨树浦路的路灯坏了一周，晚上很黑。" + "后面还有很多别的内容。" * 20


def test_the_window_starts_at_the_sentence_before_the_first_match():
    text = str(snippet(LONG, {"路灯"}))
    assert text.startswith("…杨树浦路的<mark>路灯</mark>坏了一周")
    assert text.endswith("…") and len(text) < len(LONG)


def test_traditional_text_is_matched_by_simplified_terms():
    assert "<mark>路燈</mark>" in str(snippet("楊樹浦路的路燈壞了一週。", {"路灯"}))
    assert str(highlight_all("路燈不亮", {"路灯"})) == "<mark>路燈</mark>不亮"


def test_english_terms_mark_whole_words_from_their_stem():
    assert str(snippet("The street lights near the ferry are dark.", {"light"})) == \
        "The street <mark>lights</mark> near the ferry are dark."


def test_a_text_whose_folded_form_is_longer_still_marks_the_word():
    # "㎡" becomes "m2" when folded (NFKC): offsets into the folded text would be off by one
    text = "面积100㎡的绿地里路灯不亮。"
    assert "<mark>路灯</mark>不亮" in str(snippet(text, {"路灯"}))


def test_no_match_shows_the_beginning_and_user_text_stays_escaped():
    assert str(snippet("<b>no</b> match here", {"路灯"})) == "&lt;b&gt;no&lt;/b&gt; match here"
    assert str(snippet("", {"路灯"})) == "" and str(snippet("plain", set())) == "plain"


PIECES = st.sampled_from(["路灯", "路燈", "垃圾", "坏了", "，", "。", "！", "Ｌａｍｐ", "lamp",
                          "lamps", "light", " ", "<b>", "&", '"', "㎡", "ﬁx", "\n", "杨树浦路",
                          "的"])


@given(st.lists(PIECES, max_size=60), st.sets(st.sampled_from(["路灯", "垃圾", "lamp", "light"])))
@settings(max_examples=300, deadline=None)
def test_a_snippet_is_an_escaped_window_of_the_text_with_only_matches_marked(pieces, terms):
    """Whatever the text: unmarked and unescaped, a snippet is a piece of the text (with "…"
    where it was cut), and each marked piece folds to one of the query's words (an English one
    as the start of a word, which marks the whole word)."""
    text = "".join(pieces)
    shown = str(snippet(text, terms))
    unmarked = re.sub("</?mark>", "", shown)
    assert "<" not in unmarked and '"' not in unmarked  # escaped
    plain = html.unescape(unmarked)
    assert plain.strip("…") in text
    assert plain.startswith("…") == (not text.startswith(plain.strip("…")))
    # Matches side by side are marked as one piece.
    words = "|".join(re.escape(t) + (r"\w*" if t.isascii() else "") for t in terms)
    for marked in re.findall("<mark>(.*?)</mark>", shown):
        assert re.fullmatch(f"(?:{words})+", fold(html.unescape(marked)).lower()), (marked, terms)
    if any(term in fold(text).lower() for term in terms if not term.isascii()):
        assert "<mark>" in shown  # a Chinese word in the text is marked in its window
