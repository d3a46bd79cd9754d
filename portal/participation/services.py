"""Ideas: the public list, supports against a threshold, official answers with an outcome.

An idea is a published submission of kind `idea`. Services take plain values and model
objects, add and flush; the request's unit of work commits. Every change writes a change-log
entry on the submission, so the page cache, search and notifications see it.
"""
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import force_locale
from sqlalchemy.orm import joinedload

from portal.core.i18n import _
from portal.core.inputs import DB_INT_MAX
from portal.core.text import clean_block
from portal.core.time import as_utc, local_zone
from portal.extensions import db
from portal.participation.labels import OUTCOME_LABELS
from portal.participation.models import (
    ADOPTED,
    OUTCOMES,
    PROGRESS_STAGES,
    Comment,
    IdeaAnswer,
    IdeaProgress,
    IdeaSetting,
)
from portal.servicelevels.calendar import is_working_day
from portal.stations.models import Area
from portal.stations.services import find_area, find_category, find_station
from portal.submissions.history import record_change
from portal.submissions.models import Submission, Support
from portal.submissions.services import add_official_reply
from portal.submissions.supports import add_support

REASON_MAX = 2000
SORTS = ("supported", "newest", "discussed", "answered")


class ParticipationError(ValueError):
    """A participation request that cannot be done; `message` is shown, `status` answered."""

    status = 400

    def __init__(self, message, field=None):
        super().__init__(str(message))
        self.message = message
        self.field = field


class IdeaNotFound(ParticipationError):
    """No published idea has this id."""

    status = 404


# --- finding and listing ----------------------------------------------------------------------

def find_idea(submission_id: int):
    """A published idea by id, or None (an id the id column cannot hold never reaches it)."""
    if not isinstance(submission_id, int) or not 1 <= submission_id <= DB_INT_MAX:
        return None
    submission = db.session.get(Submission, submission_id)
    if submission is None or submission.kind != "idea" or not submission.published:
        return None
    return submission


def idea_or_404(submission_id: int):
    """A published idea by id; IdeaNotFound otherwise."""
    idea = find_idea(submission_id)
    if idea is None:
        raise IdeaNotFound(_("There is no published idea with this number."))
    return idea


def _current_answers():
    """Subquery: each idea's newest answer (id, submission, outcome, time)."""
    newest = (db.select(db.func.max(IdeaAnswer.id).label("id"))
              .group_by(IdeaAnswer.submission_id).scalar_subquery())
    return (db.select(IdeaAnswer.submission_id, IdeaAnswer.outcome, IdeaAnswer.created_at)
            .where(IdeaAnswer.id.in_(newest)).subquery())


def _comment_counts():
    return (db.select(Comment.submission_id, db.func.count(Comment.id).label("n"))
            .where(Comment.status == "published").group_by(Comment.submission_id).subquery())


@dataclass
class Page:
    """One page of rows with what the pager macro reads (rows are tuples, not one model)."""
    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


@dataclass
class IdeaFilter:
    sort: str = "supported"
    area: str = ""
    category: str = ""
    station: str = ""
    outcome: str = ""  # an outcome, "answered", "unanswered" or ""


def list_ideas(filters: IdeaFilter, page: int, per_page: int):
    """A page of published ideas, filtered and sorted; items are (idea, outcome, comments)."""
    answers, counts = _current_answers(), _comment_counts()
    comments = db.func.coalesce(counts.c.n, 0)
    query = (db.select(Submission, answers.c.outcome, comments.label("comments"))
             .outerjoin(answers, answers.c.submission_id == Submission.id)
             .outerjoin(counts, counts.c.submission_id == Submission.id)
             .where(Submission.kind == "idea", Submission.published.is_(True))
             .options(joinedload(Submission.area), joinedload(Submission.category)))
    for code, finder, column in ((filters.area, find_area, Submission.area_id),
                                 (filters.category, find_category, Submission.category_id),
                                 (filters.station, find_station, Submission.station_id)):
        if code:
            row = finder(code)
            query = query.where(column == (row.id if row else -1))
    if filters.outcome == "answered":
        query = query.where(answers.c.outcome.is_not(None))
    elif filters.outcome == "unanswered":
        query = query.where(answers.c.outcome.is_(None))
    elif filters.outcome in OUTCOMES:
        query = query.where(answers.c.outcome == filters.outcome)
    newest = (Submission.published_at.desc(), Submission.id.desc())
    order = {"supported": (Submission.support_count.desc(), *newest),
             "discussed": (comments.desc(), *newest),
             # Unanswered ideas last, in every database (NULLS LAST is not portable).
             "answered": (answers.c.created_at.is_(None), answers.c.created_at.desc(), *newest),
             }.get(filters.sort, newest)
    total = db.session.execute(
        db.select(db.func.count()).select_from(query.order_by(None).subquery())).scalar_one()
    items = db.session.execute(query.order_by(*order).limit(per_page)
                               .offset((page - 1) * per_page)).all()
    return Page(items, page, per_page, total)


def current_answer(idea):
    """The idea's newest official answer, or None."""
    return db.session.execute(
        db.select(IdeaAnswer).filter_by(submission_id=idea.id)
        .order_by(IdeaAnswer.id.desc()).limit(1)).scalar_one_or_none()


# --- thresholds and deadlines -----------------------------------------------------------------

def add_working_days(start: date, days: int) -> date:
    """`start` plus `days` working days of mainland China's calendar (public holidays and
    adjusted working days included), from the service-levels package."""
    current = start
    while days > 0:
        current += timedelta(days=1)
        if is_working_day(current):
            days -= 1
    return current


def idea_setting(category):
    """The category's settings row, or None (the defaults apply)."""
    return db.session.get(IdeaSetting, category.id)


def support_threshold(category) -> int:
    """The supports an idea of this category needs before an answer is due."""
    setting = idea_setting(category)
    if setting is not None:
        return setting.support_threshold
    return current_app.config["PORTAL_IDEA_SUPPORT_THRESHOLD"]


def premoderated(category) -> bool:
    """Whether comments on ideas of this category wait for a moderator even when clean."""
    setting = idea_setting(category)
    return True if setting is None else setting.premoderation


def save_setting(category, *, threshold: int, premoderation: bool, actor: str) -> IdeaSetting:
    """Set a category's support threshold and comment pre-moderation (audited)."""
    from portal.accounts.services import record_audit

    if not isinstance(threshold, int) or not 1 <= threshold <= 1_000_000:
        raise ParticipationError(_("The threshold must be a whole number from 1 to 1,000,000."),
                                 field="threshold")
    setting = idea_setting(category)
    before = ({"threshold": setting.support_threshold, "premoderation": setting.premoderation}
              if setting else None)
    if setting is None:
        setting = IdeaSetting(category_id=category.id, support_threshold=threshold)
        db.session.add(setting)
    setting.support_threshold, setting.premoderation = threshold, premoderation
    db.session.flush()
    record_audit(actor, "ideas.settings", target_type="category", target_id=category.code,
                 before=before, after={"threshold": threshold, "premoderation": premoderation})
    return setting


@dataclass
class ThresholdState:
    threshold: int
    supports: int
    reached_on: date | None
    due_on: date | None


def _local_date(moment) -> date:
    return moment.astimezone(local_zone()).date()


def threshold_state(idea) -> ThresholdState:
    """The idea's threshold, and once reached: the day it was reached and the answer's due day.

    The day is when the supporter who made up the threshold was counted (the threshold's
    support, in order); supports merged in from duplicates have no row, so the newest row
    stands in when the rows alone do not reach the threshold.
    """
    threshold = support_threshold(idea.category)
    if idea.support_count < threshold:
        return ThresholdState(threshold, idea.support_count, None, None)
    rows = (db.select(Support.created_at).where(Support.submission_id == idea.id)
            .order_by(Support.id))
    moment = db.session.execute(rows.offset(threshold - 1).limit(1)).scalar()
    if moment is None:
        moment = db.session.execute(rows.order_by(None).order_by(Support.id.desc())
                                    .limit(1)).scalar() or idea.published_at
    reached = _local_date(moment.replace(tzinfo=moment.tzinfo or ZoneInfo("UTC")))
    due = add_working_days(reached, current_app.config["PORTAL_IDEA_ANSWER_DAYS"])
    return ThresholdState(threshold, idea.support_count, reached, due)


# --- supports ---------------------------------------------------------------------------------

def support_idea(idea, *, visitor: str, address: str, channel: str = "web", device=None,
                 idempotency_key=None):
    """One support for an idea: the submissions' support service (once per visitor, idempotent,
    capped per address and device); crossing the threshold adds a `threshold` change entry."""
    if idea is None:
        raise IdeaNotFound(_("There is no published idea with this number."))
    result = add_support(idea, visitor=visitor, address=address, channel=channel, device=device,
                         idempotency_key=idempotency_key)
    if result.counted:
        db.session.refresh(idea, ["support_count"])
        if idea.support_count == support_threshold(idea.category):
            record_change(idea, "threshold")
    return result


# --- official answers -------------------------------------------------------------------------

def _reply_text(outcome: str, reason: str, locale: str) -> str:
    with force_locale(locale):
        return _("%(outcome)s: %(reason)s", outcome=OUTCOME_LABELS[outcome], reason=reason)


def give_answer(idea, *, outcome: str, reason: str, reason_en: str = "", actor: str) -> IdeaAnswer:
    """The official answer with its outcome and reason; a changed outcome keeps the history.

    Written as an official reply on the public timeline too (so the tracking page, the JSON API
    and Open311's status_notes carry it), with `answer` (and `outcome` when it changed) in the
    change log. Raises ParticipationError before writing anything.
    """
    if outcome not in OUTCOMES:
        raise ParticipationError(_("Choose an outcome."), field="outcome")
    reason, reason_en = clean_block(reason or ""), clean_block(reason_en or "")
    if not reason:
        raise ParticipationError(_("Give the reason for this outcome."), field="reason")
    if len(reason) > REASON_MAX or len(reason_en) > REASON_MAX:
        raise ParticipationError(_("The reason may be at most %(n)d characters long.",
                                   n=REASON_MAX), field="reason")
    previous = current_answer(idea)
    event = add_official_reply(idea, actor=actor, text=_reply_text(outcome, reason, "zh"),
                               text_en=_reply_text(outcome, reason_en or reason, "en"))
    answer = IdeaAnswer(submission_id=idea.id, outcome=outcome, reason=reason,
                        reason_en=reason_en, actor=actor, event_id=event.id,
                        previous_outcome=previous.outcome if previous else None)
    db.session.add(answer)
    db.session.flush()
    record_change(idea, "answer")
    if previous is not None and previous.outcome != outcome:
        record_change(idea, "outcome")
    return answer


def answer_history(idea) -> list:
    """Every answer the idea received, oldest first."""
    return db.session.execute(db.select(IdeaAnswer).filter_by(submission_id=idea.id)
                              .order_by(IdeaAnswer.id)).scalars().all()


# --- the register of adopted ideas ------------------------------------------------------------

def add_progress(idea, *, stage: str, percent, note: str, note_en: str = "",
                 actor: str) -> IdeaProgress:
    """A progress update of an adopted (or partly adopted) idea, for the public register."""
    answer = current_answer(idea)
    if answer is None or answer.outcome not in ADOPTED:
        raise ParticipationError(_("Only adopted ideas have progress updates."))
    if stage not in PROGRESS_STAGES:
        raise ParticipationError(_("Choose a stage."), field="stage")
    if not isinstance(percent, int) or not 0 <= percent <= 100:
        raise ParticipationError(_("The percentage must be a whole number from 0 to 100."),
                                 field="percent")
    note, note_en = clean_block(note or ""), clean_block(note_en or "")
    if not note:
        raise ParticipationError(_("Describe the progress."), field="note")
    if len(note) > REASON_MAX or len(note_en) > REASON_MAX:
        raise ParticipationError(_("The text may be at most %(n)d characters long.",
                                   n=REASON_MAX), field="note")
    row = IdeaProgress(submission_id=idea.id, stage=stage, percent=percent, note=note,
                       note_en=note_en, actor=actor)
    db.session.add(row)
    db.session.flush()
    record_change(idea, "progress")
    return row


def progress_of(idea) -> list:
    """The idea's progress updates, oldest first."""
    return db.session.execute(db.select(IdeaProgress).filter_by(submission_id=idea.id)
                              .order_by(IdeaProgress.id)).scalars().all()


def adopted_ideas() -> list:
    """(idea, answer, progress updates) of every published adopted or partly adopted idea."""
    answers = _current_answers()
    rows = db.session.execute(
        db.select(Submission, answers.c.outcome)
        .join(answers, answers.c.submission_id == Submission.id)
        .where(Submission.published.is_(True), Submission.kind == "idea",
               answers.c.outcome.in_(ADOPTED))
        .order_by(answers.c.created_at.desc(), Submission.id.desc())).all()
    return [(idea, current_answer(idea), progress_of(idea)) for idea, _outcome in rows]


def adopted_counts() -> list:
    """[(area, year, adopted, partly adopted)] of published ideas by their current answer (the
    year in the portal's time zone), newest year first: the register's figures for /stats."""
    zone = local_zone()
    answers = _current_answers()
    rows = db.session.execute(
        db.select(Area, answers.c.outcome, answers.c.created_at)
        .select_from(Submission).join(answers, answers.c.submission_id == Submission.id)
        .join(Area, Area.id == Submission.area_id)
        .where(Submission.published.is_(True), Submission.kind == "idea",
               answers.c.outcome.in_(ADOPTED))).all()
    counts = {}
    for area, outcome, answered_at in rows:
        tally = counts.setdefault((as_utc(answered_at).astimezone(zone).year, area), [0, 0])
        tally[0 if outcome == "adopted" else 1] += 1
    ordered = sorted(counts.items(), key=lambda item: (-item[0][0], item[0][1].sort_order))
    return [(area, year, adopted, partly) for (year, area), (adopted, partly) in ordered]


def representation(submission, locale: str) -> dict:
    """What the JSON API and Open311 add for an idea: its current outcome (registered with the
    API's representations, which do not import this package)."""
    if submission.kind != "idea":
        return {}
    answer = current_answer(submission)
    if answer is None:
        return {"outcome": None}
    with force_locale(locale):
        label = str(OUTCOME_LABELS[answer.outcome])
    reason = answer.reason_en if locale == "en" and answer.reason_en else answer.reason
    if locale == "zh_Hant":
        from portal.core.text import to_traditional
        reason = to_traditional(reason)
    return {"outcome": {"code": answer.outcome, "label": label, "reason": reason,
                        "answered_at": answer.created_at.replace(microsecond=0).isoformat()}}
