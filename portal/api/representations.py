"""How models look to machines: plain dicts for the JSON API and for Open311 (both formats).

Nothing here reads the request; the locale is passed in. Contact details never appear.
"""

from flask import current_app
from flask_babel import force_locale

from portal.core.i18n import LOCALES, _, localized
from portal.core.text import to_traditional
from portal.core.time import as_utc, local_zone
from portal.core.urls import external_url
from portal.stations.labels import TEAM_LABELS
from portal.stations.notices import category_notice, notice_text
from portal.submissions.labels import CHANNEL_LABELS, KIND_LABELS, STATUS_LABELS
from portal.submissions.listings import public_timeline
from portal.submissions.models import OPEN_STATUSES
from portal.submissions.public_text import PUBLIC_FIELDS, originals, published_text, tracking_text


def w3c(value) -> str | None:
    """A W3C (ISO 8601) date-time with its offset, in the portal's time zone."""
    if value is None:
        return None
    local = as_utc(value).astimezone(local_zone())
    return local.replace(microsecond=0).isoformat()


def names(obj, field: str = "name") -> dict:
    """The field in every locale: {"zh": .., "zh_Hant": .., "en": ..}."""
    return {locale: localized(obj, field, locale) for locale in LOCALES}


def label(lazy, locale: str) -> str:
    """A lazily translated label rendered in `locale`."""
    with force_locale(locale):
        return str(lazy)


def category(row, locale: str) -> dict:
    return {"code": row.code, "parent": row.parent.code if row.parent else None,
            "selectable": row.parent_id is not None, "name": localized(row, "name", locale),
            "names": names(row), "team": row.team, "urgent": row.urgent}


def area(row, locale: str) -> dict:
    return {"code": row.code, "kind": row.kind, "name": localized(row, "name", locale),
            "names": names(row), "overlaps": [c for c in row.overlaps.split(",") if c]}


def station(row, locale: str) -> dict:
    return {"code": row.slug, "kind": row.kind, "name": localized(row, "name", locale),
            "names": names(row), "address": localized(row, "address", locale),
            "hours": localized(row, "hours", locale),
            "area": row.area.code if row.area else None, "sample": row.is_sample}


def register_representation_extra(app, source) -> None:
    """Add `source(submission, locale) -> dict` to every public representation of a submission:
    how a feature above this one (the ideas' outcome) shows in the API and Open311 without
    being imported here."""
    app.extensions.setdefault("portal_representation_extras", []).append(source)


def extras(submission, locale: str) -> dict:
    """What the registered features add to a submission's representation."""
    merged = {}
    for source in current_app.extensions.get("portal_representation_extras", ()):
        merged.update(source(submission, locale))
    return merged


def _ref(row, locale, key="code"):
    if row is None:
        return None
    return {"code": getattr(row, key), "name": localized(row, "name", locale)}


def _note_text(event, locale: str) -> str:
    if event.kind == "reply" and locale == "en" and event.public_note_en:
        return event.public_note_en
    if locale == "zh_Hant":
        return to_traditional(event.public_note)
    return event.public_note


def timeline(submission, locale: str) -> list:
    """The public timeline entries, oldest first."""
    return [{"at": w3c(e.created_at), "kind": e.kind, "status": e.to_status,
             "status_label": label(STATUS_LABELS[e.to_status], locale) if e.to_status else None,
             "note": _note_text(e, locale)} for e in public_timeline(submission)]


def tracking(submission, locale: str) -> dict:
    """What the holder of a tracking code sees (the tracking page, as data)."""
    return {
        "code": submission.code, "display_code": submission.display_code,
        "kind": submission.kind, "kind_label": label(KIND_LABELS[submission.kind], locale),
        "status": submission.status,
        "status_label": label(STATUS_LABELS[submission.status], locale),
        "category": _ref(submission.category, locale), "area": _ref(submission.area, locale),
        "station": _ref(submission.station, locale, "slug"),
        **tracking_text(submission),  # title, body, place: personal data masked
        "published": submission.published,
        "created_at": w3c(submission.created_at), "updated_at": w3c(submission.updated_at),
        "tracking_url": external_url("submissions.track", code=submission.code),
        "timeline": timeline(submission, locale),
        **extras(submission, locale),
    }


def search_result(submission, snippet, locale: str) -> dict:
    """A published submission in search results: only its public (moderated) text."""
    return {
        "id": submission.id, "kind": submission.kind, "status": submission.status,
        "status_label": label(STATUS_LABELS[submission.status], locale),
        "title": published_text(submission)["title"], "snippet": snippet.striptags(),
        "snippet_html": str(snippet), "category": _ref(submission.category, locale),
        "area": _ref(submission.area, locale),
        "station": _ref(submission.station, locale, "slug"),
        "published_at": w3c(submission.published_at),
        "url": external_url("submissions.published_detail", submission_id=submission.id),
        **extras(submission, locale),
    }


def staff_item(submission, locale: str) -> dict:
    """A submission as staff see it in a list (never the contact details)."""
    return {
        "code": submission.code, "kind": submission.kind, "status": submission.status,
        "channel": submission.channel, "language": submission.language,
        "category": submission.category.code, "area": submission.area.code,
        "station": submission.station.slug if submission.station else None,
        **originals(submission),  # staff see what the resident wrote
        "lat": submission.latitude, "lon": submission.longitude,
        "published": submission.published,
        **{f.public: getattr(submission, f.public) for f in PUBLIC_FIELDS},
        "screening": {"score": submission.screening_score,
                      "reasons": list(submission.screening_reasons or [])},
        "created_at": w3c(submission.created_at), "updated_at": w3c(submission.updated_at),
    }


# --- Open311 ----------------------------------------------------------------------------------

def open311_service(row, locale: str) -> dict:
    """A sub-category as an Open311 service (every one has a definition: the area etc.)."""
    keywords = list(dict.fromkeys([*names(row).values(), row.code.replace("-", " ")]))
    return {"service_code": row.code, "service_name": localized(row, "name", locale),
            "description": localized(row.parent, "name", locale) + " / "
            + localized(row, "name", locale),
            "metadata": True, "type": "realtime", "keywords": ", ".join(keywords),
            "group": localized(row.parent, "name", locale)}


def open311_definition(row, areas, stations, locale: str) -> dict:
    """The service definition: attributes the portal needs beyond the standard fields."""
    with force_locale(locale):
        attributes = [
            {"variable": True, "code": "area", "datatype": "singlevaluelist", "required": True,
             "datatype_description": _("The subdistrict or grid where this is."), "order": 1,
             "description": _("Area"),
             "values": [{"key": a.code, "name": localized(a, "name", locale)} for a in areas]},
            {"variable": True, "code": "kind", "datatype": "singlevaluelist", "required": False,
             "datatype_description": _("An issue to fix (default) or an idea for the area."),
             "order": 2, "description": _("Kind"),
             "values": [{"key": k, "name": str(v)} for k, v in KIND_LABELS.items()]},
            {"variable": True, "code": "title", "datatype": "string", "required": False,
             "datatype_description": _("A short summary; the first words of the description "
                                       "when missing."), "order": 3,
             "description": _("Title"), "values": []},
            {"variable": True, "code": "station", "datatype": "singlevaluelist",
             "required": False, "datatype_description": _("The service station it was raised "
                                                          "at, if any."),
             "order": 4, "description": _("Station"),
             "values": [{"key": s.slug, "name": localized(s, "name", locale)}
                        for s in stations]},
            {"variable": True, "code": "consent", "datatype": "singlevaluelist",
             "required": False,
             "datatype_description": _("Whether the contact details may be passed to the "
                                       "department handling this."), "order": 5,
             "description": _("Consent to pass on contact details"),
             "values": [{"key": "true", "name": _("Yes")}, {"key": "false", "name": _("No")}]},
        ]
    return {"service_code": row.code, "attributes": attributes}


def open311_request(submission, *, by_code: bool, locale: str, extensions: bool) -> dict:
    """A submission as an Open311 service request.

    Looked up by tracking code, the request carries the code as its id and the resident's own
    text with personal data masked (as the tracking page shows it); everywhere else only the
    published, moderated text and the public id appear.
    """
    replies = [e for e in public_timeline(submission) if e.kind == "reply"]
    notes = _note_text(replies[-1], locale) if replies else ""
    if not notes and submission.status == "rejected":
        rejections = [e for e in public_timeline(submission) if e.to_status == "rejected"]
        notes = _note_text(rejections[-1], locale) if rejections else ""
    photo = submission.photos[0] if submission.photos and submission.published else None
    text = tracking_text(submission) if by_code else published_text(submission)
    item = {
        "service_request_id": submission.code if by_code else str(submission.id),
        "status": "open" if submission.status in OPEN_STATUSES else "closed",
        "status_notes": notes or None,
        "service_name": localized(submission.category, "name", locale),
        "service_code": submission.category.code,
        "description": text["body"],
        "agency_responsible": label(TEAM_LABELS[submission.category.team], locale)
        if submission.category.team in TEAM_LABELS else submission.category.team,
        # The category's notice for residents ("for a fire call 119..."), when it has one.
        "service_notice": notice_text(category_notice(submission.category), locale) or None,
        "requested_datetime": w3c(submission.created_at),
        "updated_datetime": w3c(submission.updated_at),
        "expected_datetime": None,
        "address": text["place"] or localized(submission.area, "name", locale),
        "address_id": None, "zipcode": None,
        "lat": submission.latitude, "long": submission.longitude,
        "media_url": external_url("submissions.photo", name=photo.filename)
        if photo else None,
    }
    if extensions:
        item["extended_attributes"] = {
            "channel": submission.channel,
            "channel_label": label(CHANNEL_LABELS[submission.channel], locale),
            "kind": submission.kind,
            "area": submission.area.code,
            "area_name": localized(submission.area, "name", locale),
            "station": submission.station.slug if submission.station else None,
            "station_name": localized(submission.station, "name", locale)
            if submission.station else None,
            "detailed_status": submission.status,
            "detailed_status_label": label(STATUS_LABELS[submission.status], locale),
            "title": text["title"],
            **extras(submission, locale),
        }
        item["notes"] = [{"datetime": e["at"], "type": e["kind"], "status": e["status"],
                          "summary": e["status_label"], "description": e["note"]}
                         for e in timeline(submission, locale)]
    return item
