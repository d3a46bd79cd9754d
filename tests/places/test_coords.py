"""WGS-84 ⇄ GCJ-02: the round trip is within a metre; display and storage use the right system."""
import math

import pytest

from portal.places.coords import from_display, gcj02_to_wgs84, to_display, wgs84_to_gcj02


def metres(a, b) -> float:
    dx = (a[0] - b[0]) * 111_320 * math.cos(math.radians(a[1]))
    return math.hypot(dx, (a[1] - b[1]) * 110_540)


POINTS = [(121.48 + i * 0.01, 31.24 + j * 0.01) for i in range(10) for j in range(12)]


@pytest.mark.parametrize("point", POINTS[::7] + [(116.397, 39.909), (113.264, 23.129)])
def test_round_trip_within_a_metre(point):
    assert metres(point, gcj02_to_wgs84(*wgs84_to_gcj02(*point))) < 1.0


def test_the_offset_is_real_hundreds_of_metres_in_shanghai():
    """GCJ-02 is not WGS-84: a pin drawn without converting would be this far off."""
    wujiaochang = (121.514, 31.300)
    assert 300 < metres(wujiaochang, wgs84_to_gcj02(*wujiaochang)) < 800


def test_display_converts_only_for_gcj02_tiles():
    point = (121.514, 31.300)
    assert to_display(*point, "wgs84") == point and from_display(*point, "wgs84") == point
    shown = to_display(*point, "gcj02")
    assert shown != point and metres(point, from_display(*shown, "gcj02")) < 1.0
