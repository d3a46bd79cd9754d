"""The analyzer: both Chinese scripts, English stems, place names whole, true word positions."""
import threading

from portal.core.text import add_words, segment
from portal.search.index import analyzer, query_terms
from portal.search.words import ensure_place_words


def words(text, mode="query"):
    return [t.text for t in analyzer()(text, mode=mode)]


def test_traditional_and_simplified_give_the_same_terms():
    assert words("濱江路燈壞了") == words("滨江路灯坏了")
    assert words("濱江路燈壞了", "index") == words("滨江路灯坏了", "index")
    # A dictionary word across a segmentation boundary (滨江路|灯) is still indexed.
    assert "路灯" in words("濱江路燈壞了", "index")


def test_english_is_lower_cased_and_stemmed_and_full_width_folded():
    assert words("Street LIGHTS") == words("street light")
    assert words("ＬＩＧＨＴＳ") == words("lights")


def test_place_names_of_the_reference_data_are_whole_terms():
    ensure_place_words()
    assert "渔人码头" in words("渔人码头附近的路灯")
    assert "杨浦滨江" in words("杨浦滨江有垃圾")
    # ... and their parts are indexed at the same position, so a part still finds the whole.
    tokens = [(t.text, t.pos) for t in analyzer()("杨浦滨江有垃圾", positions=True, mode="index")]
    assert ("杨浦滨江", 0) in tokens and ("滨江", 0) in tokens and ("有", 1) in tokens


def test_positions_count_words_not_characters():
    tokens = [(t.text, t.pos) for t in analyzer()("路灯坏了 street light", positions=True,
                                                   mode="query")]
    assert [pos for _text, pos in tokens] == list(range(len(tokens)))


def test_offsets_point_into_the_original_text_even_when_nfkc_changes_its_length():
    text = "㎡路燈ＡＢ灯"  # ㎡ becomes two characters under NFKC
    for seg in segment(text):
        assert seg.text.lower() in ("m2", "路灯", "ab", "灯") or seg.subword
        assert 0 <= seg.start < seg.end <= len(text)
    lamp = next(s for s in segment(text) if s.text == "路灯")
    assert text[lamp.start:lamp.end] == "路燈"


def test_query_words_drop_particles_but_keep_content():
    assert query_terms("路灯的问题") == ["路灯", "问题"]
    assert query_terms("的 了") == []


def test_words_taught_while_other_threads_cut_text_leave_every_cut_whole():
    # The segmenter cuts without the GIL; adding a word needs its dictionary to itself.
    text = "滨江路灯坏了，渔人码头附近有积水。" * 400
    expected = [(s.text, s.start, s.end, s.position) for s in segment(text)]
    failures, cuts = [], []

    def cut():
        try:
            for _ in range(40):
                cuts.append([(s.text, s.start, s.end, s.position) for s in segment(text)])
        except Exception as exc:  # noqa: BLE001 -- the assertion below reports it
            failures.append(exc)

    threads = [threading.Thread(target=cut) for _ in range(2)]
    for thread in threads:
        thread.start()
    try:
        for number in range(200):
            add_words([f"测试甲乙{number}丙丁"])
    except Exception as exc:  # noqa: BLE001
        failures.append(exc)
    for thread in threads:
        thread.join()
    assert failures == []
    assert len(cuts) == 80 and all(each == expected for each in cuts)
    assert "测试甲乙7丙丁" in [s.text for s in segment("这里测试甲乙7丙丁的路灯")]
