"""What a search returns: one character, counts, order by relevance and by date, reopening."""
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from portal.extensions import db
from portal.search.services import search
from portal.submissions.history import record_change
from portal.submissions.models import Submission
from portal.submissions.services import set_publication


def found(app, text, **kwargs):
    with app.app_context():
        return [hit.submission.id for hit in search(text, **kwargs).hits]


def test_one_character_finds_the_words_that_contain_it(app, client, publish, index_now):
    lamp = publish("路灯不亮", "门口的路灯坏了。")
    lamps = publish("灯光太暗", "楼道灯光太暗。")
    traditional = publish("電燈壞了", "樓道的電燈壞了。")
    bench = publish("长椅破损", "长椅坏了。")
    index_now()
    assert set(found(app, "灯")) == {lamp, lamps, traditional}
    assert set(found(app, "燈")) == {lamp, lamps, traditional}  # either script
    assert bench not in found(app, "灯")
    assert set(found(app, " 灯。")) == {lamp, lamps, traditional}  # space and punctuation
    # Inside a longer word the query keeps whole words: 路灯 is not every 路 and every 灯.
    assert found(app, "路灯") == [lamp]
    html = client.get("/search?q=灯&lang=en").get_data(as_text=True)
    assert "路<mark>灯</mark>" in html


def test_one_character_respects_publication(app, make_submission, publish, index_now):
    from portal.submissions.services import set_publication

    shown = publish("路灯不亮")
    with app.app_context():
        hidden = make_submission(title="台灯坏了", body="台灯坏了，没有发布。").id
        redacted = make_submission(title="王大爷家门口的彩灯", body="王大爷家门口的彩灯坏了。")
        set_publication(redacted, True, actor="test", public_title="门口有问题",
                        public_body="某处门口有问题。")
        db.session.commit()
        redacted = redacted.id
    index_now()
    assert found(app, "灯") == [shown]  # never a character only the original text holds
    assert set(found(app, "灯", staff=True)) == {shown, hidden, redacted}
    assert found(app, "彩", staff=True) == [redacted]
    assert found(app, "彩") == []


def test_counts_per_filter_value_match_the_results(app, publish, index_now):
    areas = ["riverside", "daqiao", "pingliang-road"] * 5
    kinds = ["issue", "idea"] * 8
    for i, (area, kind) in enumerate(zip(areas, kinds, strict=False)):
        publish(f"路灯问题{i}", area_code=area, kind=kind)
    publish("长椅破损", area_code="riverside")
    index_now()
    with app.app_context():
        everything = search("路灯", per_page=50)
        rows = [h.submission for h in everything.hits]
        assert everything.total == len(rows) == 15
        assert dict(everything.facets["area"]) == Counter(r.area.code for r in rows)
        assert dict(everything.facets["kind"]) == Counter(r.kind for r in rows)
        narrowed = search("路灯", filters={"area": "daqiao", "kind": "idea"}, per_page=50)
        expected = [r for r in rows if r.area.code == "daqiao" and r.kind == "idea"]
        assert {h.submission.id for h in narrowed.hits} == {r.id for r in expected}
        assert dict(narrowed.facets["area"]) == {"daqiao": len(expected)}


@pytest.mark.parametrize("app_config", [{"PORTAL_PUBLIC_PAGE_SIZE": 3}])
def test_newest_first_across_pages(app, publish, index_now):
    ids = [publish(f"路灯问题{i}") for i in range(7)]
    start = datetime(2026, 1, 1, tzinfo=UTC)
    # Created in an order unrelated to their ids (and to the order they were indexed).
    order = [3, 0, 6, 1, 5, 2, 4]
    with app.app_context():
        for rank, index in enumerate(order):
            submission = db.session.get(Submission, ids[index])
            submission.created_at = start + timedelta(days=rank)
            record_change(submission, "edited")
        db.session.commit()
    index_now()
    seen = []
    with app.app_context():
        for page in (1, 2, 3):
            seen += [h.submission.id for h in search("路灯", sort="newest", page=page,
                                                     per_page=3).hits]
        newest_first = [ids[i] for i in reversed(order)]
        assert seen == newest_first
        # Filters without words list the newest first too.
        assert [h.submission.id for h in search("", filters={"area": "daqiao"},
                                                per_page=3).hits] == newest_first[:3]


def test_a_word_in_the_title_ranks_above_a_passing_mention(app, publish, index_now):
    passing = publish("小区门口的问题", "门口的垃圾桶满了，旁边路灯也有点暗，希望有人来看看，"
                      "另外停车也很乱，晚上噪声很大，楼道里堆满了杂物。")
    titled = publish("路灯坏了", "路灯坏了一周。")
    index_now()
    assert found(app, "路灯") == [titled, passing]


def test_an_edited_submission_is_found_by_its_new_words_only(app, publish, index_now):
    """After a change the reopened searcher (whose caches are carried over) sees the edit."""
    sid = publish("路灯坏了", area_code="riverside")
    other = publish("路灯不亮", area_code="daqiao")
    index_now()
    with app.app_context():
        assert dict(search("路灯").facets["area"]) == {"riverside": 1, "daqiao": 1}
        submission = db.session.get(Submission, sid)
        set_publication(submission, True, actor="test", public_title="长椅破损",
                        public_body="长椅破损。")
        db.session.commit()
    index_now()
    with app.app_context():
        page = search("路灯")
        assert [h.submission.id for h in page.hits] == [other]
        assert dict(page.facets["area"]) == {"daqiao": 1}
    assert found(app, "长椅") == [sid]


def test_a_new_portal_with_an_empty_index_answers_searches(app, client, index_now, caplog):
    """Before anything is published the index is empty: a search finds nothing, it is not
    'unavailable', and nothing is logged as an error."""
    index_now()
    page = client.get("/search?q=路灯&lang=en").get_data(as_text=True)
    assert "0 results." in page
    assert "being prepared" not in page
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


def _shown(row):
    """What a search page shows of a hit's submission, as plain values."""
    return (row.id, row.code, row.display_code, row.kind, row.status, row.published,
            row.support_count, row.created_at, row.category.code, row.category.name_zh,
            row.area.code, row.area.name_en, row.station.slug if row.station else None)


def test_a_page_hit_shows_what_the_submission_row_holds(app, make_submission, publish,
                                                        index_now):
    from portal.stations.models import Station

    publish("路灯不亮", area_code="riverside", category_code="street-lighting")
    publish("路灯太暗", kind="idea")
    with app.app_context():
        station = db.session.execute(db.select(Station)).scalars().first()
        make_submission(title="路灯闪烁", body="路灯一直闪烁。", station_slug=station.slug,
                        publish=True)
    index_now()
    with app.app_context():
        for staff in (False, True):
            listed = search("路灯", staff=staff).hits
            whole = search("路灯", staff=staff, whole_rows=True).hits
            assert len(listed) == 3
            assert [_shown(hit.submission) for hit in listed] == \
                [_shown(hit.submission) for hit in whole]
            assert [(hit.title, hit.snippet) for hit in listed] == \
                [(hit.title, hit.snippet) for hit in whole]
            assert all(isinstance(hit.submission, Submission) for hit in whole)


def test_a_hit_in_a_category_added_after_the_snapshot_shows_its_name(app, client,
                                                                     make_submission,
                                                                     index_now):
    from portal.stations.models import Category
    from portal.stations.snapshot import reference_snapshot

    with app.app_context():
        reference_snapshot()
        older = app.extensions["portal_reference_snapshot"]  # read before the category existed
        parent = db.session.execute(db.select(Category).filter_by(code="street-lighting")) \
            .scalar_one().parent_id
        # Added as another process would (`flask portal seed`): no stamp, no session event.
        with db.engine.begin() as connection:
            connection.execute(db.insert(Category).values(
                code="fountains", name_zh="喷泉设施", name_en="Fountains", parent_id=parent,
                team="operations_center", sort_order=99, active=True))
    with app.app_context():
        # Filed through a process that has read the new category (here: a fresh snapshot) ...
        app.extensions.pop("portal_reference_snapshot")
        make_submission(title="喷泉不出水", body="广场喷泉不出水。", category_code="fountains",
                        publish=True)
        app.extensions["portal_reference_snapshot"] = older  # ... searched in one that has not
    index_now()
    html = client.get("/search?q=喷泉&lang=en").get_data(as_text=True)
    # The same rows were searched (the version may have been read again meanwhile: a slow
    # machine takes more than PORTAL_PAGE_VERSIONS_SECONDS between the two requests).
    assert app.extensions["portal_reference_snapshot"].snapshot is older.snapshot
    assert "Fountains" in html
    assert "<mark>喷泉</mark>不出水" in html
