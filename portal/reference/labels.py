"""Translatable names of station kinds and area kinds."""
from portal.core.i18n import _l

STATION_KIND_LABELS = {
    "service": _l("Party-mass service station"),
    "suggestion": _l("People's suggestion collection station"),
    "party_building_base": _l("Internet party-building base"),
    "exhibition_hall": _l("City planning exhibition hall"),
    "other": _l("Other venue"),
}

AREA_KIND_LABELS = {
    "subdistrict": _l("Subdistrict"),
    "grid": _l("Grid"),
}
