"""Choices of reference rows for every feature's forms, in the visitor's language.

Every form a resident or moderator submits lists them (the submission form's categories are
fifty labels), so each list is made once per version of the reference data and locale, and
kept with the process's snapshot of the rows.
"""
from wtforms.fields.choices import SelectChoice

from portal.core.i18n import current_locale, localized
from portal.stations.snapshot import reference_snapshot


def _kept(kind: str, make) -> list:
    """The `kind` choices of the current snapshot in the current locale (a list of its own)."""
    snapshot, locale = reference_snapshot(), current_locale()
    choices = snapshot.choices.get((kind, locale))
    if choices is None:  # two threads may both make it: either equal tuple is kept
        choices = snapshot.choices[kind, locale] = tuple(make(snapshot, locale))
    return list(choices)


def category_choices() -> list:
    """Active sub-categories, grouped under their top-level category."""
    return _kept("category", lambda snapshot, locale: (
        SelectChoice(c.code, localized(c, "name", locale), optgroup=localized(top, "name", locale))
        for top, children in snapshot.category_tree for c in children))


def area_choices() -> list:
    """Active areas, grid first, in display order."""
    return _kept("area", lambda snapshot, locale: (
        SelectChoice(a.code, localized(a, "name", locale)) for a in snapshot.active_areas))


def station_choices() -> list:
    """Active stations in display order."""
    return _kept("station", lambda snapshot, locale: (
        SelectChoice(s.slug, localized(s, "name", locale)) for s in snapshot.active_stations))
