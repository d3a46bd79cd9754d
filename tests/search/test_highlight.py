"""Snippets: a window around the first match, every match in it marked, the text escaped; the
body is folded once, and texts whose folded form has another length still mark the right words."""
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
