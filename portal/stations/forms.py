"""Choices of reference rows for every feature's forms, in the visitor's language."""
from wtforms.fields.choices import SelectChoice

from portal.core.i18n import localized
from portal.stations.snapshot import reference_snapshot


def category_choices() -> list:
    """Active sub-categories, grouped under their top-level category."""
    return [SelectChoice(c.code, localized(c, "name"), optgroup=localized(top, "name"))
            for top, children in reference_snapshot().category_tree for c in children]


def area_choices() -> list:
    """Active areas, grid first, in display order."""
    return [SelectChoice(a.code, localized(a, "name"))
            for a in reference_snapshot().active_areas]


def station_choices() -> list:
    """Active stations in display order."""
    return [SelectChoice(s.slug, localized(s, "name"))
            for s in reference_snapshot().active_stations]
