"""WGS-84 ⇄ GCJ-02 for map display: points are stored in WGS-84, shown in the tiles' system.

The offset itself comes from coordTransform; its GCJ-02 → WGS-84 is the usual one-step
approximation (about 2 m off around Shanghai), so it is refined here by a few fixed-point steps
of the library's own forward transform until the round trip is within a few centimetres.

coordTransform is imported where used: it loads NumPy (see WEB_ONLY_LIBRARIES in
portal/__init__.py).
"""
CRS_CHOICES = ("wgs84", "gcj02")
_REFINE_STEPS = 6


def wgs84_to_gcj02(lon: float, lat: float) -> tuple:
    """A WGS-84 point (longitude, latitude) in GCJ-02 (unchanged outside mainland China)."""
    import coordTransform

    glon, glat = coordTransform.wgs84_to_gcj02(lon, lat)
    return glon, glat


def gcj02_to_wgs84(lon: float, lat: float) -> tuple:
    """A GCJ-02 point (longitude, latitude) back in WGS-84, refined to well under a metre."""
    import coordTransform

    wlon, wlat = coordTransform.gcj02_to_wgs84(lon, lat)
    for _ in range(_REFINE_STEPS):
        glon, glat = coordTransform.wgs84_to_gcj02(wlon, wlat)
        dlon, dlat = glon - lon, glat - lat
        if abs(dlon) < 1e-9 and abs(dlat) < 1e-9:
            break
        wlon, wlat = wlon - dlon, wlat - dlat
    return wlon, wlat


def to_display(lon: float, lat: float, crs: str) -> tuple:
    """A stored (WGS-84) point in the coordinate system of the configured tiles."""
    return wgs84_to_gcj02(lon, lat) if crs == "gcj02" else (lon, lat)


def from_display(lon: float, lat: float, crs: str) -> tuple:
    """A point picked on the map (in the tiles' system) in WGS-84, for storage."""
    return gcj02_to_wgs84(lon, lat) if crs == "gcj02" else (lon, lat)
