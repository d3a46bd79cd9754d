"""The geometry operations places uses, from Shapely, which is imported on first use.

Shapely and NumPy under it take about 26 MB in a process; the pages and intakes that locate a
point or draw a boundary use them, the background worker and the commands do not (see
WEB_ONLY_LIBRARIES in portal/__init__.py).
"""


def geometry(geojson):
    """A geometry from a GeoJSON geometry (a dict, or its JSON text)."""
    import json

    from shapely.geometry import shape

    return shape(json.loads(geojson) if isinstance(geojson, str) else geojson)


def point(longitude: float, latitude: float):
    """A point geometry."""
    from shapely.geometry import Point

    return Point(longitude, latitude)


def prepared(shape):
    """The geometry prepared for many containment tests."""
    from shapely import prepared as shapely_prepared

    return shapely_prepared.prep(shape)


def as_geojson(shape) -> dict:
    """A geometry as a GeoJSON geometry dict."""
    from shapely.geometry import mapping

    return mapping(shape)


def transformed(shape, convert):
    """The geometry with `convert` applied to its (n, 2) array of coordinates."""
    import shapely

    return shapely.transform(shape, convert)


def union(shapes):
    """One geometry covering all of `shapes`."""
    from shapely import union_all

    return union_all(shapes)


def invalidity(shape) -> str:
    """Why a geometry is not valid, in Shapely's words."""
    from shapely.validation import explain_validity

    return explain_validity(shape)
