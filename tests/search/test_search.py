"""What residents and staff find: scripts, languages, phrases, filters, pages, publication."""
from datetime import UTC

import pytest

from portal.extensions import db
from portal.search.services import search, similar_published
from portal.submissions.services import change_status


def found(app, text, **kwargs):
    with app.app_context():
        page = search(text, **kwargs)
        return [hit.submission.id for hit in page.hits]


def test_cross_script_matching_both_ways(app, publish, index_now):
    traditional = publish("濱江步道路燈壞了", "濱江步道的路燈一週沒亮。")
    simplified = publish("滨江路面积水", "滨江的路面下雨后积水。")
    index_now()
    assert traditional in found(app, "路灯")
    assert simplified in found(app, "濱江路面")
    assert set(found(app, "滨江")) == set(found(app, "濱江")) == {traditional, simplified}


def test_mixed_language_queries_and_english_stems(app, publish, index_now):
    mixed = publish("Broken street lights 路灯坏了", "The lights near gate 3 are out.")
    other = publish("垃圾没人收", "小区门口的垃圾三天没人收。")
    index_now()
    assert found(app, "light 路灯") == [mixed]
    assert found(app, "lights") == [mixed]
    assert other not in found(app, "street light")


def test_place_names_are_whole_terms_and_their_parts_still_match(app, publish, index_now):
    wharf = publish("渔人码头附近垃圾多", "渔人码头旁边的垃圾桶满了。")
    index_now()
    assert found(app, "渔人码头") == [wharf]
    assert found(app, "码头") == [wharf]
    with app.app_context():
        hit = search("码头").hits[0]
        assert "渔人<mark>码头</mark>" in str(hit.snippet)


def test_a_quoted_phrase_needs_the_words_side_by_side(app, publish, index_now):
    together = publish("路灯坏了", "门口的路灯坏了。")
    apart = publish("坏了的长椅", "长椅坏了，旁边还有路灯。")
    english = publish("The street light is dark", "No light on the street at night.",
                      area_code="daqiao")
    index_now()
    assert set(found(app, "路灯 坏了")) == {together, apart}
    assert found(app, '"路灯坏了"') == [together]
    assert found(app, "“路燈壞了”") == [together]
    assert found(app, '"street lights"') == [english]
    assert found(app, '"light street"') == []


def test_filters_narrow_results_and_counts_follow(app, publish, index_now):
    a = publish("路灯不亮一", area_code="riverside")
    b = publish("路灯不亮二")
    c = publish("路灯不亮三", area_code="daqiao", kind="idea")
    index_now()
    with app.app_context():
        everything = search("路灯")
        assert everything.total == 3
        assert dict(everything.facets["area"]) == {"riverside": 1, "daqiao": 2}
        assert dict(everything.facets["kind"]) == {"issue": 2, "idea": 1}
        narrowed = search("路灯", filters={"area": "daqiao"})
        assert {h.submission.id for h in narrowed.hits} == {b, c}
        assert dict(narrowed.facets["kind"]) == {"issue": 1, "idea": 1}
        both = search("路灯", filters={"area": "daqiao", "kind": "idea"})
        assert [h.submission.id for h in both.hits] == [c]
        top = search("路灯", filters={"category": "public-service"})  # "other" is under it
        assert top.total == 3
        assert search("路灯", filters={"category": "public-safety"}).total == 0
        assert search("", filters={"area": "riverside"}).total == 1  # filters without words
        assert a in [h.submission.id for h in search("路灯", sort="newest").hits]


@pytest.mark.parametrize("app_config", [{"PORTAL_PUBLIC_PAGE_SIZE": 4}])
def test_pagination_covers_every_result_once(app, client, publish, index_now):
    ids = {publish(f"路灯问题第{i}号") for i in range(10)}
    index_now()
    seen = []
    with app.app_context():
        for page in (1, 2, 3):
            result = search("路灯", page=page, per_page=4)
            assert result.pages == 3
            seen += [h.submission.id for h in result.hits]
    assert len(seen) == 10 and set(seen) == ids
    html = client.get("/search?q=路灯&page=2&lang=en").get_data(as_text=True)
    assert "Page 2 of 3" in html and 'rel="next"' in html and 'rel="prev"' in html


def test_public_search_shows_published_submissions_only(app, make_submission, publish,
                                                        index_now):
    shown = publish("路灯坏了一周")
    with app.app_context():
        hidden = make_submission(title="路灯坏了没人管", body="路灯坏了很久，没人发布。").id
        held = make_submission(title="路灯坏了", body="路灯坏了，需要审核。")
        change_status(held, "held", actor="test", public=False)
        db.session.commit()
        held = held.id
    index_now()
    assert found(app, "路灯") == [shown]
    assert set(found(app, "路灯", staff=True)) == {shown, hidden, held}
    assert found(app, "没人发布", staff=True) == [hidden]  # staff search reads the original text
    with app.app_context():
        assert [s.id for s in similar_published("路灯坏了")] == [shown]


def test_unpublishing_removes_a_submission_from_public_search(app, publish, index_now):
    from portal.submissions.models import Submission
    from portal.submissions.services import set_publication

    sid = publish("长椅破损")
    index_now()
    assert found(app, "长椅") == [sid]
    with app.app_context():
        set_publication(db.session.get(Submission, sid), False, actor="test")
        db.session.commit()
    index_now()
    assert found(app, "长椅") == []


def test_the_public_text_is_searched_not_the_original(app, make_submission, index_now):
    from portal.submissions.services import set_publication

    with app.app_context():
        s = make_submission(title="王大爷家门口路灯坏了", body="王大爷家门口的路灯坏了。")
        set_publication(s, True, actor="test", public_title="门口路灯坏了",
                        public_body="某小区门口的路灯坏了。")
        db.session.commit()
    index_now()
    assert found(app, "王大爷") == []
    assert len(found(app, "王大爷", staff=True)) == 1


@pytest.mark.parametrize("text", ['a:b', '(', ')', '"', '路灯"', '*', '?', 'AND OR NOT',
                                  'title:路灯', '^2', '~', '[a TO b]', '{x}', '\\', '""',
                                  'light*', '-路灯', '+', "'", '<script>', '%', '的'])
def test_query_syntax_characters_never_raise(client, publish, index_now, text):
    publish("路灯坏了")
    index_now()
    response = client.get("/search", query_string={"q": text})
    assert response.status_code == 200


def test_a_nul_in_the_query_is_refused_with_a_message(client):
    response = client.get("/search", query_string={"q": "路灯\x00", "lang": "en"})
    assert response.status_code == 400
    assert "cannot be stored (NUL)" in response.get_data(as_text=True)


def test_naming_an_area_or_category_finds_what_was_filed_there(app, publish, index_now):
    riverside = publish("长椅坏了", area_code="riverside")
    lighting = publish("晚上太黑", category_code="street-lighting")
    index_now()
    assert found(app, "滨江") == [riverside]
    assert found(app, "riverside") == [riverside]
    assert found(app, "濱江 长椅") == [riverside]
    assert found(app, "street lighting") == [lighting]
    assert found(app, "路灯") == [lighting]


def test_a_date_range_in_local_days(app, publish, index_now):
    from datetime import date, datetime

    from portal.submissions.models import Submission

    early = publish("路灯坏了一")
    late = publish("路灯坏了二")
    with app.app_context():
        # 23:30 UTC on 1 March is 07:30 on 2 March in Shanghai.
        db.session.get(Submission, early).created_at = datetime(2026, 3, 1, 23, 30,
                                                                tzinfo=UTC)
        db.session.get(Submission, late).created_at = datetime(2026, 3, 5, 12, 0,
                                                               tzinfo=UTC)
        from portal.submissions.history import record_change
        record_change(db.session.get(Submission, early), "edited")
        record_change(db.session.get(Submission, late), "edited")
        db.session.commit()
    index_now()
    assert found(app, "路灯", date_from=date(2026, 3, 2), date_to=date(2026, 3, 2)) == [early]
    assert found(app, "路灯", date_from=date(2026, 3, 3)) == [late]
    assert sorted(found(app, "路灯", date_to=date(2026, 3, 31))) == sorted([early, late])
