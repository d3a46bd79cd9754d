"""The incident document (validated against its JSON Schema) and the routing rules."""
import pytest

from portal.extensions import db
from portal.forwarding.models import Delivery
from portal.forwarding.relay import consume_changes
from portal.forwarding.routing import active_grids, route
from portal.stations.models import Area
from portal.stations.services import find_station


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
