"""The incident document (validated against its JSON Schema) and the routing rules."""
import pytest

from portal import create_app
from portal.extensions import db
from portal.forwarding.models import Delivery
from portal.forwarding.relay import consume_changes, fill_payload
from portal.forwarding.routing import active_grids, route
from portal.reference.services import save_area, save_category, save_station
from portal.stations.models import Area, Category, Station
from portal.stations.services import find_category, find_station
from portal.submissions.models import ChangeLog, Submission
from portal.submissions.services import change_status
from tests.helpers import reference_values


def payload_of(make_submission, accept, **values):
    submission = accept(make_submission(**values))
    consume_changes()
    db.session.commit()
    return db.session.execute(db.select(Delivery).filter_by(
        submission_id=submission.id)).scalar_one().payload


def test_payload_matches_the_schema(app_ctx, make_submission, accept, incident_schema):
    payload = payload_of(make_submission, accept, latitude=31.25, longitude=121.52,
                         place="杨树浦路 100 号", station_slug="service-station-1",
                         contact={"name": "王", "phone": "021 5555 1234", "consent": True})
    incident_schema.validate(payload)
    assert payload["version"] == 1
    assert payload["location"] == {"latitude": 31.25, "longitude": 121.52, "area": None}
    assert payload["contact"] == {"name": "王", "phone": "021 5555 1234", "email": ""}


def test_schema_rejects_what_a_platform_must_not_receive(incident_schema):
    from jsonschema import ValidationError

    with pytest.raises(ValidationError):
        incident_schema.validate({"version": 2})


def test_contact_only_with_consent(app_ctx, make_submission, accept, incident_schema):
    payload = payload_of(make_submission, accept,
                         contact={"name": "李", "phone": "13800000000", "consent": False})
    incident_schema.validate(payload)
    assert payload["contact"] is None
    assert "13800000000" not in str(payload)


@pytest.mark.parametrize("category,team,priority", [
    ("street-lighting", "urban_management", "normal"),
    ("illegal-parking", "police", "normal"),
    ("food-safety", "market_regulation", "urgent"),
    ("public-order", "police", "urgent"),
    ("litter", "cleaning", "normal"),
])
def test_category_decides_team_and_priority(app_ctx, make_submission, accept, category, team,
                                            priority):
    payload = payload_of(make_submission, accept, category_code=category, area_code="yinhang")
    assert payload["routing"]["team"] == team
    assert payload["routing"]["priority"] == priority


@pytest.mark.parametrize("area,place,routed,rule", [
    ("riverside", "", "riverside", "riverside-grid"),  # chosen directly
    ("daqiao", "渔人码头旁边的步道", "riverside", "riverside-grid"),  # a riverside landmark
    ("pingliang-road", "滨江步道 3 号口", "riverside", "riverside-grid"),  # the grid's short name
    ("dinghai-road", "near the Riverside Eye", "riverside", "riverside-grid"),  # English, any case
    ("dinghai-road", "濱江步道", "riverside", "riverside-grid"),  # Traditional characters
    ("daqiao", "长阳路 1 号", "daqiao", "area"),  # overlapped subdistrict, inland place
    ("wujiaochang", "滨江", "wujiaochang", "area"),  # not overlapped: never re-routed
])
def test_riverside_grid_rule(app_ctx, make_submission, accept, area, place, routed, rule):
    payload = payload_of(make_submission, accept, area_code=area, place=place)
    assert payload["area"]["code"] == area
    assert payload["routing"]["area"]["code"] == routed
    assert payload["routing"]["rule"] == rule


def test_a_station_in_the_grid_places_the_submission_there(app_ctx, make_submission):
    submission = make_submission(area_code="daqiao", station_slug="service-station-1")
    assert find_station("service-station-1").area.code == "riverside"
    assert route(submission).area.code == "riverside"


def test_routing_with_the_grids_read_once_equals_reading_them_each_time(app_ctx, make_submission):
    """The relay reads the active grids once for all the changes of a round."""
    grids = active_grids()
    for area, place in (("riverside", ""), ("daqiao", "渔人码头旁边的步道"),
                        ("pingliang-road", "滨江步道 3 号口"), ("daqiao", "长阳路 1 号"),
                        ("wujiaochang", "滨江")):
        submission = make_submission(area_code=area, place=place)
        assert route(submission, grids) == route(submission)


def test_a_grid_made_inactive_is_no_longer_routed_to_from_the_next_round(
        app_ctx, make_submission, accept):
    values = {"area_code": "daqiao", "place": "渔人码头旁边的步道"}
    assert payload_of(make_submission, accept, **values)["routing"]["area"]["code"] == "riverside"
    db.session.execute(db.update(Area).filter_by(code="riverside").values(active=False))
    db.session.commit()
    assert payload_of(make_submission, accept, **values)["routing"]["area"]["code"] == "daqiao"


def rebuilt(delivery) -> dict:
    """The delivery's document built again from rows every relationship reads by query."""
    db.session.expire_all()
    submission = db.session.get(Submission, delivery.submission_id)
    again = Delivery(id=delivery.id, change_id=delivery.change_id,
                     idempotency_key=delivery.idempotency_key)
    fill_payload(again, submission, db.session.get(ChangeLog, delivery.change_id).created_at)
    return again.payload


VARIED = [{"category_code": "street-lighting", "area_code": "riverside"},
          {"category_code": "food-safety", "area_code": "yinhang"},
          {"category_code": "public-order", "area_code": "daqiao", "place": "渔人码头旁边的步道"},
          {"category_code": "litter", "area_code": "daqiao", "station_slug": "service-station-1"},
          {"category_code": "illegal-parking", "area_code": "wujiaochang", "place": "滨江"}]


def test_a_rounds_documents_equal_those_built_from_rows_read_by_query(
        app_ctx, make_submission, accept):
    """The relay takes categories, areas and stations from the process's reference snapshot."""
    for values in VARIED:
        accept(make_submission(**values))
    assert consume_changes() == len(VARIED)
    db.session.commit()
    deliveries = db.session.execute(db.select(Delivery).order_by(Delivery.id)).scalars().all()
    documents = [delivery.payload for delivery in deliveries]
    assert [d["category"]["code"] for d in documents] == [v["category_code"] for v in VARIED]
    assert documents[2]["routing"]["area"]["code"] == "riverside"  # a landmark in the grid
    assert documents[3]["station"]["slug"] == "service-station-1"
    for delivery, document in zip(deliveries, documents, strict=True):
        assert document == rebuilt(delivery)


def _rename_category():
    row = db.session.execute(db.select(Category).filter_by(code="street-lighting")).scalar_one()
    save_category(actor="admin", code=row.code, values=reference_values(row, name_en="Lamps"))
    return lambda document: document["category"]["name_en"] == "Lamps"


def _move_category():
    row = db.session.execute(db.select(Category).filter_by(code="street-lighting")).scalar_one()
    other = db.session.execute(db.select(Category).filter_by(code="public-order")).scalar_one()
    save_category(actor="admin", code=row.code,
                  values=reference_values(row, parent=other.parent.code))
    return lambda document: (document["category"]["parent"]["code"] == other.parent.code
                             and document["routing"]["priority"] == "urgent")


def _rename_area():
    row = db.session.execute(db.select(Area).filter_by(code="riverside")).scalar_one()
    save_area(actor="admin", code=row.code, values=reference_values(row, name_en="The Bund"))
    return lambda document: (document["area"]["name_en"] == "The Bund"
                             and document["routing"]["area"]["name_en"] == "The Bund")


def _rename_station():
    row = db.session.execute(
        db.select(Station).filter_by(slug="service-station-1")).scalar_one()
    save_station(actor="admin", slug=row.slug,
                 values=reference_values(row, name_en="Riverside Hall"))
    return lambda document: document["station"]["name_en"] == "Riverside Hall"


REFERENCE_CHANGES = {"category renamed": _rename_category, "category moved": _move_category,
                     "area renamed": _rename_area, "station renamed": _rename_station}


@pytest.mark.parametrize("change", REFERENCE_CHANGES)
def test_the_next_document_follows_an_administrators_change(
        app_ctx, make_submission, accept, change):
    values = {"category_code": "street-lighting", "area_code": "riverside",
              "station_slug": "service-station-1"}
    accept(make_submission(**values))
    consume_changes()  # the snapshot read before the change
    db.session.commit()
    shows_change = REFERENCE_CHANGES[change]()
    db.session.commit()
    submission = accept(make_submission(**values))
    consume_changes()
    db.session.commit()
    delivery = db.session.execute(
        db.select(Delivery).filter_by(submission_id=submission.id)).scalar_one()
    assert shows_change(delivery.payload)
    assert delivery.payload == rebuilt(delivery)


def test_a_category_added_beside_the_snapshot_is_read_by_query(app, make_submission):
    """A row another process added (the seed command, unstamped) after this process read its
    snapshot: the relay still builds the document, from the row as stored."""
    with app.app_context():
        assert find_category("kerb-damage") is None  # this process's snapshot, read now
        parent_id = db.session.execute(
            db.select(Category.parent_id).filter_by(code="street-lighting")).scalar_one()
        with db.engine.begin() as connection:  # not through the session: no stamp, no event
            connection.execute(db.insert(Category).values(
                code="kerb-damage", parent_id=parent_id, name_zh="路缘石损坏",
                name_en="Kerb damage", team="urban_management", sort_order=99, active=True,
                urgent=False))
    other = create_app({"TESTING": True, "PORTAL_RATE_LIMITS": "off",
                        "PORTAL_MAP_OUTLINE": "off"})
    with other.app_context():  # the seed's neighbour, which read the reference rows since
        submission = make_submission(category_code="kerb-damage")
        change_status(submission, "accepted", actor="user:moderator")
        db.session.commit()
        submission_id = submission.id
        db.session.remove()
        db.engine.dispose()
    with app.app_context():
        assert consume_changes() == 1
        db.session.commit()
        delivery = db.session.execute(
            db.select(Delivery).filter_by(submission_id=submission_id)).scalar_one()
        assert delivery.state == "pending"
        assert delivery.payload["category"]["name_en"] == "Kerb damage"
        assert delivery.payload == rebuilt(delivery)
