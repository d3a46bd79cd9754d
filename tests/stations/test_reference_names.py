"""Reference names are read once per version of the reference data: the cached names equal the
rows, an administrator's edit (any kind of row, added or changed) is seen at once, an
unstamped change (the seed file) within SNAPSHOT_MAX_AGE from another process and at once from
this one, and each application keeps its own."""
import pytest

from portal import stations
from portal.extensions import db
from portal.reference.services import save_area, save_category, save_station
from portal.stations.models import Area, Category, Station
from portal.stations.services import reference_names
from portal.stations.snapshot import Name


def _from_rows() -> dict:
    """The names read straight from the database, as the cache must hold them."""
    def names(model, key):
        return {getattr(row, key): Name(row.name_zh, row.name_en)
                for row in db.session.execute(db.select(model)).scalars()}
    return {"category": names(Category, "code"), "area": names(Area, "code"),
            "station": names(Station, "slug")}


def test_cached_names_equal_the_rows_and_are_reused(app_ctx):
    first = reference_names()
    assert first == _from_rows()
    assert first["area"]["riverside"].name_en and first["station"]
    assert reference_names() is first  # nothing changed: the same dictionaries


AREA = {"kind": "grid", "name_zh": "新网格", "name_en": "New Grid", "sort_order": "3"}
CATEGORY = {"name_zh": "新类别", "name_en": "New Category", "team": "cleaning",
            "parent": "public-management"}
STATION = {"kind": "service", "name_zh": "新驿站", "name_en": "New Station", "area": "riverside",
           "address_zh": "", "address_en": "", "hours_zh": "", "hours_en": ""}


@pytest.mark.parametrize("save, kind, key, code, values", [
    (save_area, "area", "code", "new-grid", AREA),
    (save_category, "category", "code", "new-category", CATEGORY),
    (save_station, "station", "slug", "new-station", STATION),
])
def test_an_added_row_is_named_at_once(app_ctx, save, kind, key, code, values):
    reference_names()
    save(actor="test", **{key: None}, values={**values, key: code})
    db.session.commit()
    assert reference_names()[kind][code] == Name(values["name_zh"], values["name_en"])
    assert reference_names() == _from_rows()


def test_a_renamed_row_is_named_anew_at_once(app_ctx):
    before = reference_names()["area"]["riverside"]
    area = db.session.execute(db.select(Area).filter_by(code="riverside")).scalar_one()
    save_area(actor="test", code="riverside", values={
        "kind": area.kind, "name_zh": area.name_zh, "name_en": "Riverside (renamed)",
        "sort_order": "0", "active": True})
    db.session.commit()
    assert reference_names()["area"]["riverside"] == Name(before.name_zh, "Riverside (renamed)")


def test_an_unstamped_change_elsewhere_is_seen_after_the_maximum_age(app_ctx, monkeypatch):
    reference_names()
    with db.engine.begin() as other_process:  # as `flask portal seed` run beside the portal
        other_process.execute(db.update(Area).where(Area.code == "daqiao").values(
            name_en="Daqiao (from a new seed file)"))
    assert reference_names()["area"]["daqiao"].name_en != "Daqiao (from a new seed file)"
    monkeypatch.setattr(stations.snapshot, "SNAPSHOT_MAX_AGE", 0.0)
    assert reference_names()["area"]["daqiao"].name_en == "Daqiao (from a new seed file)"


def test_an_unstamped_change_this_process_commits_is_seen_at_once(app_ctx):
    reference_names()
    area = db.session.execute(db.select(Area).filter_by(code="daqiao")).scalar_one()
    area.name_en = "Daqiao (from a new seed file)"  # as `flask portal seed` changes a row
    db.session.commit()
    assert reference_names()["area"]["daqiao"].name_en == "Daqiao (from a new seed file)"
    assert reference_names() == _from_rows()


def test_each_application_keeps_its_own_names(app, tmp_path, monkeypatch):
    from portal import create_app
    from portal.stations.services import load_reference_file, seed_reference_data

    with app.app_context():
        reference_names()
    monkeypatch.setenv("PORTAL_DATABASE_URL", f"sqlite:///{tmp_path / 'other.db'}")
    other = create_app({"TESTING": True, "PORTAL_RATE_LIMITS": "off"})
    with other.app_context():
        db.create_all()
        seed_reference_data(load_reference_file())
        db.session.execute(db.update(Area).where(Area.code == "riverside").values(
            name_en="Riverside in another deployment"))
        db.session.commit()
        assert reference_names()["area"]["riverside"].name_en == \
            "Riverside in another deployment"
        db.session.remove()
        db.engine.dispose()
    with app.app_context():
        assert reference_names()["area"]["riverside"].name_en != \
            "Riverside in another deployment"
