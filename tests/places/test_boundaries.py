"""Loading boundaries: validation (good, bad rings, wrong CRS, unknown codes), all or nothing."""
import json

import pytest

from portal.accounts.models import AuditEntry
from portal.extensions import db
from portal.places.geometry import BoundariesInvalid
from portal.places.models import Boundary
from portal.places.services import load_boundaries
from tests.places.helpers import box, collection, fake_features, feature

BOWTIE = {"type": "Polygon", "coordinates": [[[121.50, 31.26], [121.51, 31.27], [121.51, 31.26],
                                              [121.50, 31.27], [121.50, 31.26]]]}


def problems_of(text):
    with pytest.raises(BoundariesInvalid) as caught:
        load_boundaries(text, actor="test")
    return " | ".join(caught.value.problems)


def test_a_good_file_is_stored_and_audited(app_ctx):
    codes = load_boundaries(collection(fake_features()), actor="admin", source="fake.geojson")
    db.session.commit()
    assert len(codes) == 13 and "riverside" in codes
    assert db.session.query(Boundary).count() == 13
    stored = json.loads(db.session.query(Boundary).first().geojson)
    assert stored["type"] == "Polygon"
    entry = db.session.execute(
        db.select(AuditEntry).filter_by(action="boundaries.load")).scalar_one()
    assert entry.actor == "admin" and "riverside" in entry.after["areas"]


def test_a_second_load_replaces_and_raises_the_version(app_ctx):
    load_boundaries(collection(fake_features()), actor="test")
    first = db.session.execute(db.select(Boundary.version)).scalars().first()
    load_boundaries(collection(fake_features({"riverside"})), actor="test")
    assert db.session.query(Boundary).count() == 13
    versions = dict(db.session.execute(db.select(Boundary.area_id, Boundary.version)).all())
    assert max(versions.values()) == first + 1 and min(versions.values()) == first


def test_an_invalid_ring_is_refused_and_nothing_is_stored(app_ctx):
    text = collection(fake_features({"riverside"}) + [feature("daqiao", BOWTIE)])
    assert "invalid rings (Self-intersection" in problems_of(text)
    assert db.session.query(Boundary).count() == 0  # the good feature was not kept either


def test_an_unclosed_ring_is_refused(app_ctx):
    ring = [[121.50, 31.26], [121.51, 31.26], [121.51, 31.27]]
    text = collection([feature("daqiao", {"type": "Polygon", "coordinates": [ring]})])
    assert "rings are malformed" in problems_of(text)


@pytest.mark.parametrize("crs", ["urn:ogc:def:crs:EPSG::3857", "EPSG:4490"])
def test_another_coordinate_system_is_refused(app_ctx, crs):
    document = {"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": crs}},
                "features": fake_features({"riverside"})}
    assert f"coordinate system {crs}" in problems_of(json.dumps(document))


def test_projected_coordinates_are_refused(app_ctx):
    metres = box(13_526_000, 3_665_000, 13_527_000, 3_666_000)  # Web Mercator, not degrees
    assert "not a WGS-84 longitude and latitude" in problems_of(
        collection([feature("daqiao", metres)]))


def test_unknown_area_codes_and_other_geometries_are_named(app_ctx):
    text = collection([feature("nowhere", box(121.5, 31.26, 121.51, 31.27)),
                       feature("daqiao", {"type": "Point", "coordinates": [121.5, 31.26]}),
                       {"type": "Feature", "properties": {}, "geometry": None}])
    problems = problems_of(text)
    assert "Feature 1 (nowhere): no area has this code." in problems
    assert "must be a Polygon or MultiPolygon, not Point" in problems
    assert "Feature 3 has no area code" in problems


@pytest.mark.parametrize("text", ["not json", "[]", json.dumps({"type": "FeatureCollection",
                                                                 "features": []})])
def test_not_a_feature_collection(app_ctx, text):
    assert problems_of(text)


def test_load_boundaries_command(app, tmp_path):
    good, bad = tmp_path / "good.geojson", tmp_path / "bad.geojson"
    good.write_text(collection(fake_features()), encoding="utf-8")
    bad.write_text(collection([feature("nowhere", box(121.5, 31.26, 121.51, 31.27))]))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["portal", "load-boundaries", str(bad)])
    assert result.exit_code != 0 and "nowhere" in result.output  # the command names it
    result = runner.invoke(args=["portal", "load-boundaries", str(good)])
    assert result.exit_code == 0, result.output
    assert "Loaded boundaries for 13 areas" in result.output
    with app.app_context():
        assert db.session.query(Boundary).count() == 13


def upload(client, text, lang="en"):
    from io import BytesIO

    from tests.helpers import submit_form
    return submit_form(client, "/staff/boundaries", {}, lang=lang,
                       files={"file": (BytesIO(text.encode("utf-8")), "areas.geojson")})


@pytest.mark.parametrize("lang, heading, loaded", [
    ("en", "Area boundaries", "Boundaries loaded for 13 areas."),
    ("zh", "区域边界", "已载入 13 个区域的边界。")])
def test_administrator_uploads_boundaries(app, client, login, lang, heading, loaded):
    login("administrator")
    page = client.get(f"/staff/boundaries?lang={lang}")
    assert page.status_code == 200 and heading in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    response = upload(client, collection(fake_features()), lang)
    assert response.status_code == 303
    assert loaded in client.get(response.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        assert db.session.query(Boundary).count() == 13


def test_a_bad_upload_lists_every_problem_and_stores_nothing(app, client, login):
    login("administrator")
    text = collection(fake_features({"riverside"}) + [feature("nowhere", BOWTIE),
                                                       feature("daqiao", BOWTIE)])
    response = upload(client, text)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Nothing was loaded" in html and "no area has this code" in html
    assert "Self-intersection" in html
    with app.app_context():
        assert db.session.query(Boundary).count() == 0


def test_zh_hant_renders(client, login):
    login("administrator")
    assert "區域邊界" in client.get("/staff/boundaries?lang=zh_Hant").get_data(as_text=True)


@pytest.mark.parametrize("role", ["moderator", "dispatcher", "viewer"])
def test_only_administrators_load_boundaries(client, login, role):
    login(role)
    assert client.get("/staff/boundaries").status_code == 403
