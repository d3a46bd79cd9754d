"""Atom feeds (feedgen) of published submissions, by area, category or station, and of one
published case's public timeline. Only the public version of a case is ever used (its
moderated, masked text; the public notes of its timeline): no contact data, no tracking code.
"""
import re

from flask import url_for

from portal.core.i18n import _, current_locale, localized
from portal.core.text import to_traditional
from portal.extensions import db
from portal.notifications.alerts import ALERT_FIELDS, alert_target
from portal.submissions.labels import STATUS_LABELS
from portal.submissions.listings import public_timeline
from portal.submissions.models import Submission
from portal.submissions.public_text import published_text

FEED_SIZE = 50
# Characters XML 1.0 cannot hold (feedgen's lxml refuses them).
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
LANGUAGE_TAGS = {"zh": "zh-Hans", "zh_Hant": "zh-Hant", "en": "en"}


def xml_text(value) -> str:
    """A value as text XML 1.0 can hold (shared with the other features' feeds)."""
    return NOT_XML.sub("", str(value or ""))


def atom_feed(feed_id: str, title: str, page_url: str, self_url: str):
    """A feed with the portal as author, its page and itself linked, in the reader's language."""
    from feedgen.feed import FeedGenerator  # with lxml, only for feeds (WEB_ONLY_LIBRARIES)

    feed = FeedGenerator()
    feed.id(feed_id)
    feed.title(xml_text(title))
    feed.author({"name": xml_text(_("Yangpu Riverside Residents' Portal"))})
    feed.link(href=page_url, rel="alternate", type="text/html")
    feed.link(href=self_url, rel="self", type="application/atom+xml")
    feed.language(LANGUAGE_TAGS.get(current_locale(), "zh-Hans"))
    return feed


def atom_text(feed, moments) -> str:
    """The feed as Atom text, updated at the latest of `moments`."""
    moments = [m for m in moments if m is not None]
    if moments:
        feed.updated(max(moments))
    return feed.atom_str(pretty=True).decode("utf-8")


def filtered_query(filters: dict):
    """Published submissions under the filters given ({"area": code, ...}); raises
    AlertTargetUnknown for a name that does not exist. Returns (query, [labels])."""
    query = db.select(Submission).filter_by(published=True)
    names = []
    for field in ALERT_FIELDS:
        value = filters.get(field)
        if not value:
            continue
        row = alert_target(field, value)
        names.append(localized(row, "name"))
        if field == "area":
            query = query.where(Submission.area_id == row.id)
        elif field == "station":
            query = query.where(Submission.station_id == row.id)
        else:
            ids = [row.id] + [child.id for child in row.children]
            query = query.where(Submission.category_id.in_(ids))
    return query, names


def submissions_feed(filters: dict) -> str:
    """The newest published submissions under the filters, as Atom."""
    query, names = filtered_query(filters)
    rows = db.session.execute(query.order_by(Submission.published_at.desc(),
                                             Submission.id.desc()).limit(FEED_SIZE)
                              ).scalars().all()
    args = {field: filters[field] for field in ALERT_FIELDS if filters.get(field)}
    title = _("Published reports")
    if names:
        title = f"{title}: {' · '.join(names)}"
    page_url = (url_for("search.public_search", _external=True, **args) if args
                else url_for("submissions.published_list", _external=True))
    self_url = url_for("alerts.feed_submissions", _external=True, **args)
    feed = atom_feed(self_url, title, page_url, self_url)
    for submission in reversed(rows):  # feedgen prepends: newest ends up first
        text = published_text(submission)
        url = url_for("submissions.published_detail", submission_id=submission.id,
                      _external=True)
        entry = feed.add_entry()
        entry.id(url)
        entry.title(xml_text(text["title"]))
        entry.link(href=url, rel="alternate", type="text/html")
        entry.published(submission.published_at)
        entry.updated(submission.published_at)
        entry.content(xml_text(text["body"]), type="text")
        entry.category(term=submission.category.code, label=xml_text(
            localized(submission.category, "name")))
        entry.category(term=submission.area.code, label=xml_text(localized(submission.area,
                                                                          "name")))
    return atom_text(feed, [s.published_at for s in rows])


def _note(event) -> str:
    locale = current_locale()
    if locale == "en" and event.public_note_en:
        return event.public_note_en
    return to_traditional(event.public_note) if locale == "zh_Hant" else event.public_note


def case_feed(submission) -> str:
    """One published case's public timeline, as Atom (newest first)."""
    text = published_text(submission)
    page_url = url_for("submissions.published_detail", submission_id=submission.id,
                       _external=True)
    self_url = url_for("alerts.feed_case", submission_id=submission.id, _external=True)
    feed = atom_feed(self_url, text["title"], page_url, self_url)
    feed.subtitle(xml_text(text["body"])[:500] or xml_text(text["title"]))
    events = [e for e in public_timeline(submission)
              if e.kind == "reply" or (e.to_status and e.to_status != e.from_status)]
    for event in events:
        entry = feed.add_entry()
        entry.id(f"{page_url}#event-{event.id}")
        if event.kind == "reply":
            title = _("Official reply")
        else:
            title = str(STATUS_LABELS.get(event.to_status, event.to_status))
        entry.title(xml_text(title))
        entry.link(href=page_url, rel="alternate", type="text/html")
        entry.updated(event.created_at)
        entry.published(event.created_at)
        entry.content(xml_text(_note(event)) or xml_text(title), type="text")
    return atom_text(feed, [e.created_at for e in events] + [submission.published_at])
