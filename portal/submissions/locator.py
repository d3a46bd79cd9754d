"""The hook through which a feature above submissions decides the area of a point.

Submissions must not import the features above it, so the places feature registers a locator
on the app at start-up (`register_area_locator`); create_submission asks `locate_point`. With
no locator registered, or none with an opinion (no boundaries loaded), a point decides nothing.
"""
from dataclasses import dataclass

from flask import current_app

from portal.stations.services import find_area

EXTENSION = "portal.area_locator"


@dataclass(frozen=True)
class Located:
    """What the geometry says of a point: the area's code, or `outside` with the reason."""

    area_code: str = ""
    outside: bool = False
    message: str = ""


def register_area_locator(app, locator, ready) -> None:
    """Install `locator(latitude, longitude) -> Located | None` for this app, and `ready()`:
    whether it has boundaries to decide with now."""
    app.extensions[EXTENSION] = (locator, ready)


def locate_point(latitude: float, longitude: float):
    """The registered locator's answer for a WGS-84 point, or None (no opinion)."""
    locator, _ready = current_app.extensions.get(EXTENSION, (None, None))
    return locator(latitude, longitude) if locator is not None else None


def points_decide_areas() -> bool:
    """Whether a point alone can decide a submission's area here (boundaries are loaded)."""
    _locator, ready = current_app.extensions.get(EXTENSION, (None, None))
    return bool(ready and ready())


def area_of_point(errors: dict, latitude, longitude):
    """The active area a checked point lies in, or None; a point outside sets errors["latitude"]."""
    if latitude is None or "latitude" in errors:
        return None
    located = locate_point(latitude, longitude)
    if located is not None and located.outside:
        errors["latitude"] = located.message
        return None
    return find_area(located.area_code) if located is not None else None
