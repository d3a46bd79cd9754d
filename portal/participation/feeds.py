"""The register of adopted ideas as an Atom feed: public text only (the moderated, masked
title and text; staff-written answers and progress), no resident's name (machine outputs
never carry one), in the reader's language (Traditional Chinese derived)."""
from flask import url_for
from flask_babel import format_date

from portal.core.i18n import _, current_locale, localized
from portal.core.text import to_traditional
from portal.notifications.feeds import atom_feed, atom_text, xml_text
from portal.participation.labels import OUTCOME_LABELS, PROGRESS_LABELS
from portal.participation.services import adopted_ideas
from portal.stations.labels import TEAM_LABELS
from portal.submissions.public_text import published_text


def _bilingual(zh: str, en: str) -> str:
    """Staff-written text in the reader's language, as the pages show it."""
    locale = current_locale()
    if locale == "en" and en:
        return en
    return to_traditional(zh) if locale == "zh_Hant" else zh


def _day(moment) -> str:
    return format_date(moment, "long")


def _content(idea, answer, progress) -> str:
    """The entry's text: outcome, responsible team, reason, planned steps, latest progress."""
    team = idea.category.team
    lines = [f"{OUTCOME_LABELS[answer.outcome]} · {_day(answer.created_at)}",
             _("Responsible: %(team)s", team=TEAM_LABELS.get(team, team)),
             _bilingual(answer.reason, answer.reason_en)]
    planned = [step for step in progress if step.stage == "planned"]
    if planned:
        lines.append(_("Planned steps:"))
        lines.extend(f"- {_bilingual(step.note, step.note_en)}" for step in planned)
    if progress:
        last = progress[-1]
        lines.append(_("Latest progress: %(stage)s · %(percent)s%% · %(day)s",
                       stage=PROGRESS_LABELS[last.stage], percent=last.percent,
                       day=_day(last.created_at)))
        lines.append(_bilingual(last.note, last.note_en))
    else:
        lines.append(_("No progress reported yet."))
    return "\n".join(line for line in lines if line)


def adopted_feed() -> str:
    """Every published adopted or partly adopted idea with its answer and progress, as Atom
    (the newest answer first)."""
    rows = adopted_ideas()
    page_url = url_for("participation.adopted", _external=True)
    self_url = url_for("participation.adopted_feed", _external=True)
    feed = atom_feed(self_url, _("Adopted ideas"), page_url, self_url)
    feed.subtitle(xml_text(_("Residents' ideas that were adopted or partly adopted, who carries "
                             "them out and how far they have come.")))
    moments = []
    for idea, answer, progress in reversed(rows):  # feedgen prepends: newest ends up first
        url = url_for("participation.idea", idea_id=idea.id, _external=True)
        updated = max([answer.created_at] + [step.created_at for step in progress])
        moments.append(updated)
        entry = feed.add_entry()
        entry.id(f"{url}#register")
        entry.title(xml_text(published_text(idea)["title"]))
        entry.link(href=url, rel="alternate", type="text/html")
        entry.published(answer.created_at)
        entry.updated(updated)
        entry.content(xml_text(_content(idea, answer, progress)), type="text")
        entry.category(term=answer.outcome, label=xml_text(OUTCOME_LABELS[answer.outcome]))
        entry.category(term=idea.area.code, label=xml_text(localized(idea.area, "name")))
    return atom_text(feed, moments)
