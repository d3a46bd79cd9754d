"""The staff side of the figures: per team, with drill-down to the cases behind a number."""
from portal.core.i18n import _
from portal.core.inputs import BadParameter
from portal.core.time import utcnow
from portal.extensions import db
from portal.servicelevels.models import Deadline
from portal.stations.models import TEAMS, Area, Category
from portal.stats.cells import NOT_COUNTED, OPEN, month_bounds
from portal.stats.figures import FiguresQuery, figures
from portal.submissions.models import Submission

CASE_LISTS = ("all", "open", "overdue", "reopened", "late")
CASE_LIMIT = 200


def team_sections(query: FiguresQuery) -> dict:
    """The figures with each team's categories under it (for `/staff/stats`)."""
    data = figures(query)
    data["teams"] = [{**team, "categories": [c for c in data["by_category"]
                                             if c["team"] == team["code"]]}
                     for team in data["by_team"]]
    return data


def parse_case_list(args) -> tuple:
    """(team, which) of a drill-down link; a clear 400 for anything else."""
    team = (args.get("team") or "").strip()
    which = (args.get("which") or "all").strip()
    if team and team not in TEAMS:
        raise BadParameter(_("Unknown team."))
    if which not in CASE_LISTS:
        raise BadParameter(_("Unknown list."))
    return team, which


def case_list(query: FiguresQuery, *, team: str = "", which: str = "all", now=None) -> list:
    """The cases behind a figure: [(submission, deadline or None)], newest first."""
    now = now or utcnow()
    statement = (db.select(Submission, Deadline)
                 .outerjoin(Deadline, Deadline.submission_id == Submission.id)
                 .join(Category, Submission.category_id == Category.id)
                 .where(Submission.status.not_in(NOT_COUNTED)))
    if team:
        statement = statement.where(Category.team == team)
    if query.category:
        statement = statement.where(Category.code == query.category)
    if query.area:
        statement = statement.join(Area, Submission.area_id == Area.id).where(
            Area.code == query.area)
    if query.start:
        statement = statement.where(Submission.created_at >= month_bounds(query.start)[0])
    if query.end:
        statement = statement.where(Submission.created_at < month_bounds(query.end)[1])
    if which == "open":
        statement = statement.where(Submission.status.in_(OPEN))
    elif which == "overdue":
        statement = statement.where(Deadline.open.is_(True), Deadline.resolve_due <= now)
    elif which == "reopened":
        statement = statement.where(Deadline.reopen_count > 0)
    elif which == "late":
        statement = statement.where(Deadline.resolved_at > Deadline.resolve_due)
    return db.session.execute(statement.order_by(Submission.id.desc()).limit(CASE_LIMIT)).all()
