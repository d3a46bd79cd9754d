"""Reference lookups come from each process's snapshot: they equal what a query of the rows
finds, cost no query once read, and follow every kind of change (added, retired, moved under
another parent, made emergency-only) at once in the process that commits it and after the page
versions are read again in any other."""
import pytest
from sqlalchemy import event

from portal import create_app
from portal.extensions import db
from portal.participation.notices import save_notice
from portal.reference.services import save_area, save_category, save_station
from portal.stations.models import Area, Category, Station
from portal.stations.notices import emergency_only
from portal.stations.services import find_area, find_category, find_station
from portal.submissions.services import create_submission
from portal.submissions.validation import SubmissionInvalid
from tests.helpers import reference_values

ODD_VALUES = ("", "x" * 61, "no-such-code", "street-lighting\x00", None, 5, ["riverside"])


def _queried(model, key, value):
    """The active row a query finds, as the lookups did before the snapshot."""
    return db.session.execute(
        db.select(model).filter_by(active=True, **{key: value})).scalar_one_or_none()


def _code(row):
    return None if row is None else getattr(row, "slug", None) or row.code


def test_lookups_equal_what_a_query_finds(app_ctx):
    for category in db.session.execute(db.select(Category)).scalars().all():
        expected = _queried(Category, "code", category.code)
        if expected is not None and expected.parent_id is None:
            expected = None  # residents file under sub-categories only
        assert find_category(category.code) is expected
    for area in db.session.execute(db.select(Area)).scalars().all():
        assert find_area(area.code) is _queried(Area, "code", area.code)
    for station in db.session.execute(db.select(Station)).scalars().all():
        assert find_station(station.slug) is _queried(Station, "slug", station.slug)
    for value in ODD_VALUES:
        assert find_category(value) is None and find_area(value) is None
        assert find_station(value) is None


def test_lookups_once_read_run_no_query_and_give_rows_of_the_session(app, monkeypatch):
    monkeypatch.setitem(app.config, "PORTAL_PAGE_VERSIONS_SECONDS", 3600)
    statements = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    with app.app_context():
        slug = find_station_slug()
        find_category("street-lighting")  # the snapshot and the versions read once
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            category = find_category("street-lighting")
            area = find_area("riverside")
            station = find_station(slug)
            refused = emergency_only(category)
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        assert statements == []
        assert not refused
        assert category in db.session and area in db.session and station in db.session
        assert category.parent.code == "public-management"  # relationships load as usual
        assert not db.session.dirty  # attaching a row does not mark it changed


def find_station_slug() -> str:
    return db.session.execute(db.select(Station.slug).filter_by(active=True)).scalars().first()


def test_a_submission_stores_the_rows_looked_up(app_ctx):
    station = find_station_slug()
    submission = create_submission(
        kind="issue", category_code="street-lighting", area_code="riverside", title="路灯不亮",
        body="杨树浦路 100 号门口的路灯坏了一周。", station_slug=station).submission
    db.session.commit()
    db.session.expire_all()
    assert (submission.category.code, submission.area.code, submission.station.slug) == (
        "street-lighting", "riverside", station)


def _retire_category():
    row = db.session.execute(db.select(Category).filter_by(code="street-lighting")).scalar_one()
    save_category(actor="admin", code=row.code, values=reference_values(row, active=False))


def _make_category_top_level():
    row = db.session.execute(db.select(Category).filter_by(code="street-lighting")).scalar_one()
    save_category(actor="admin", code=row.code, values=reference_values(row, parent=""))


def _make_emergency_only():
    row = db.session.execute(db.select(Category).filter_by(code="street-lighting")).scalar_one()
    save_notice(row, text_zh="请拨打 110。", emergency_only=True, actor="admin")


def _retire_area():
    row = db.session.execute(db.select(Area).filter_by(code="riverside")).scalar_one()
    save_area(actor="admin", code=row.code, values=reference_values(row, active=False))


CHANGES = {
    "category retired": (_retire_category, "category"),
    "category made top-level": (_make_category_top_level, "category"),
    "category made emergency-only": (_make_emergency_only, "category"),
    "area retired": (_retire_area, "area"),
}


def _refusal():
    """The field a new submission to street-lighting in riverside is refused on, or None."""
    try:
        with db.session.begin_nested():
            create_submission(kind="issue", category_code="street-lighting",
                              area_code="riverside", title="路灯不亮",
                              body="杨树浦路 100 号门口的路灯坏了一周。")
            raise LookupError  # accepted: undo it, this only asks
    except SubmissionInvalid as exc:
        return sorted(exc.errors)
    except LookupError:
        return None


@pytest.mark.parametrize("change", CHANGES)
def test_a_change_is_followed_at_once_by_the_process_that_commits_it(app_ctx, change):
    make, field = CHANGES[change]
    assert _refusal() is None
    make()
    db.session.commit()
    assert _refusal() == [field]


@pytest.mark.parametrize("change", CHANGES)
def test_a_change_is_followed_by_another_process_when_it_reads_the_versions(app, change):
    other = create_app({"TESTING": True, "PORTAL_RATE_LIMITS": "off",
                        "PORTAL_MAP_OUTLINE": "off", "PORTAL_PAGE_VERSIONS_SECONDS": 3600})
    with other.app_context():  # the same database: another worker of the same portal
        assert _refusal() is None
    make, field = CHANGES[change]
    with app.app_context():
        make()
        db.session.commit()
    with other.app_context():
        assert _refusal() is None  # the versions it read are not due yet
        other.config["PORTAL_PAGE_VERSIONS_SECONDS"] = 0
        assert _refusal() == [field]
        db.session.remove()
        db.engine.dispose()


def test_a_new_station_and_a_retired_one_are_seen_at_once(app_ctx):
    row = db.session.execute(db.select(Station).filter_by(slug=find_station_slug())).scalar_one()
    save_station(actor="admin", slug=None, values={**reference_values(row), "slug": "new-station"})
    save_station(actor="admin", slug=row.slug, values=reference_values(row, active=False))
    db.session.commit()
    assert find_station("new-station").name_en == row.name_en
    assert find_station(row.slug) is None


def test_a_transaction_that_changed_reference_rows_looks_them_up_as_it_sees_them(app_ctx):
    find_category("street-lighting")  # the snapshot kept before the change
    parent = db.session.execute(
        db.select(Category).filter_by(code="public-management")).scalar_one()
    db.session.add(Category(code="new-sub", parent=parent, name_zh="新类别", name_en="New"))
    retired = db.session.execute(db.select(Area).filter_by(code="riverside")).scalar_one()
    retired.active = False  # as the seed file does, in the same transaction, not yet flushed
    assert find_category("new-sub").name_en == "New"
    assert find_area("riverside") is None
    submission = create_submission(kind="issue", category_code="new-sub", area_code="daqiao",
                                   title="路灯不亮", body="杨树浦路 100 号门口的路灯坏了一周。"
                                   ).submission
    db.session.commit()
    assert (submission.category.code, submission.area.code) == ("new-sub", "daqiao")
    assert find_category("new-sub") is not None and find_area("riverside") is None


def _expected_choices():
    """The forms' choices made from a query of the rows, in the active language."""
    from portal.core.i18n import localized
    from portal.stations.services import active_areas, active_stations, category_tree

    return ([(c.code, localized(c, "name"), localized(top, "name"))
             for top, children in category_tree() for c in children],
            [(a.code, localized(a, "name")) for a in active_areas()],
            [(s.slug, localized(s, "name")) for s in active_stations()])


def _offered_choices():
    """The category, area and station choices the forms offer, as plain values."""
    from portal.stations.forms import area_choices, category_choices, station_choices

    return ([(c.value, c.label, c.optgroup) for c in category_choices()],
            [(a.value, a.label) for a in area_choices()],
            [(s.value, s.label) for s in station_choices()])


def test_form_choices_equal_the_rows_offered_and_follow_a_change(app_ctx):
    from portal.stations.forms import area_choices, category_choices, station_choices

    expected, offered = _expected_choices, _offered_choices
    assert offered() == expected() and all(offered())
    _retire_category()
    _retire_area()
    row = db.session.execute(db.select(Station).filter_by(slug=find_station_slug())).scalar_one()
    save_station(actor="admin", slug=row.slug, values=reference_values(row, active=False))
    db.session.commit()
    assert offered() == expected()
    assert "street-lighting" not in [c.value for c in category_choices()]
    assert "riverside" not in [a.value for a in area_choices()]
    assert row.slug not in [s.value for s in station_choices()]


def _rename_category():
    row = db.session.execute(db.select(Category).filter_by(code="street-lighting")).scalar_one()
    save_category(actor="admin", code=row.code,
                  values=reference_values(row, name_zh="路灯照明", name_en="Street lamps"))


def _add_area():
    row = db.session.execute(db.select(Area).filter_by(code="riverside")).scalar_one()
    save_area(actor="admin", code=None,
              values={**reference_values(row), "code": "new-area", "name_en": "New area"})


def _retire_station():
    row = db.session.execute(db.select(Station).filter_by(slug=find_station_slug())).scalar_one()
    save_station(actor="admin", slug=row.slug, values=reference_values(row, active=False))


CHOICE_CHANGES = {**{name: make for name, (make, _field) in CHANGES.items()},
                  "category renamed": _rename_category, "area added": _add_area,
                  "station retired": _retire_station}


@pytest.mark.parametrize("change", CHOICE_CHANGES)
def test_kept_form_choices_equal_fresh_ones_in_every_language_after_each_change(app, change):
    """The choices are made once per snapshot and locale: they equal the ones made from a query
    in each language, before and after each kind of change, and a caller's list is its own."""
    from flask_babel import force_locale

    from portal.core.i18n import LOCALES
    from portal.stations import forms
    from portal.stations.forms import area_choices, category_choices, station_choices

    def check_every_language():
        made = {}
        for locale in LOCALES:
            with app.test_request_context(f"/?lang={locale}"), force_locale(locale):
                assert _offered_choices() == _expected_choices() and all(_offered_choices())
                made[locale] = _offered_choices()
        assert len({str(lists) for lists in made.values()}) == len(LOCALES)  # not one reused

    with app.app_context():
        check_every_language()
        calls = []
        real = forms.localized
        forms.localized = lambda *args: calls.append(args) or real(*args)
        try:
            with app.test_request_context("/?lang=en"), force_locale("en"):
                mine = category_choices()
                mine.clear()  # a caller changing its list changes nobody else's
                assert category_choices() and area_choices() and station_choices()
        finally:
            forms.localized = real
        assert calls == []  # kept: no label made again
        CHOICE_CHANGES[change]()
        db.session.commit()
        check_every_language()
