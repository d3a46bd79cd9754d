"""Return and re-dispatch (退单/改派) of wrongly routed cases, and arbitration after too many.

A case comes back from the platform (an event with status `returned`) or from a dispatcher; the
forwarding feature moves it back to `accepted` through the one status function and calls the
`case_returned` hook in the same transaction. Here the return is counted and the case given
another team (the dispatcher's choice, or the next team in the fixed order that has not
returned it yet), which the relay's routing asks for (`routing_team`). Past PORTAL_MAX_RETURNS
returns it is held back (`forwarding_hold`) on the administrators' arbitration list until one of
them assigns a team; that writes a `dispatched` change-log entry the relay forwards from.
"""
from flask import current_app
from sqlalchemy.orm import selectinload

from portal.accounts.audit import record_audit
from portal.core.i18n import _
from portal.core.time import utcnow
from portal.extensions import db
from portal.forwarding.incidents import apply_progress
from portal.forwarding.models import ACTIVE_INCIDENT_STATES, Incident
from portal.servicelevels.models import CaseReturn, Dispatch
from portal.stations.models import TEAMS
from portal.submissions.history import add_staff_note, record_change
from portal.submissions.models import Submission
from portal.submissions.services import find_by_code

RETURNABLE = ("forwarded", "in_progress")  # with the platform or a team, not finished
REASON_MAX = 500


class DispatchError(ValueError):
    """A return or an assignment that cannot be made; nothing was stored."""

    status = 409

    def __init__(self, message: str, status: int = 409):
        super().__init__(message)
        self.message, self.status = message, status


def max_returns() -> int:
    return int(current_app.config.get("PORTAL_MAX_RETURNS", 2))


def dispatch_of(submission_id: int):
    """The case's dispatch row, or None (never returned)."""
    return db.session.get(Dispatch, submission_id)


def current_team(submission) -> str:
    """The team the case is routed to now."""
    row = submission.dispatch
    return row.team if row is not None and row.team else submission.category.team


def routing_team(submission):
    """Hook `routing_team`: the team of a re-dispatched case (None: the category's)."""
    row = submission.dispatch
    return row.team if row is not None and row.team else None


def forwarding_hold(submission):
    """Hook `forwarding_hold`: why a case waiting for arbitration is not forwarded."""
    row = submission.dispatch
    return "waiting for an administrator's arbitration" if row is not None and \
        row.arbitration else None


def forwarding_loads():
    """Hook `forwarding_loads`: the relay loads each case's dispatch with its batch."""
    return [selectinload(Submission.dispatch)]


def next_team(tried, current: str):
    """The team after `current` in the fixed order that has not returned the case, or None."""
    start = TEAMS.index(current) + 1 if current in TEAMS else 0
    for team in TEAMS[start:] + TEAMS[:start]:
        if team != current and team not in tried:
            return team
    return None


def case_returned(submission, *, actor: str, reason: str = "", team: str = ""):
    """Hook `case_returned`: count the return, then re-dispatch or send to arbitration."""
    row = submission.dispatch
    if row is None:
        row = Dispatch(submission=submission, returns=0, tried=[])
        db.session.add(row)
    from_team = row.team or submission.category.team
    tried = list(row.tried or [])
    if from_team not in tried:
        tried.append(from_team)
    row.returns += 1
    row.tried = tried
    to_team = None
    if row.returns <= max_returns():
        to_team = team if team in TEAMS and team != from_team else next_team(tried, from_team)
    if to_team is None:  # too many returns, or no team left to try
        row.arbitration, row.arbitration_since = True, utcnow()
        text = (f"return {row.returns} (limit {max_returns()}): from {from_team} to the "
                f"administrators' arbitration; reason: {reason}")
    else:
        row.team = to_team
        text = (f"return {row.returns} of {max_returns()}: from {from_team}, re-dispatched to "
                f"{to_team}; reason: {reason}")
    db.session.add(CaseReturn(submission_id=submission.id, number=row.returns, actor=actor,
                              reason=reason, from_team=from_team, to_team=to_team))
    add_staff_note(submission, actor=actor, note=text)
    db.session.flush()
    record_change(submission, "returned")
    return row


def return_case(code: str, *, actor: str, reason: str, team: str = "") -> Dispatch:
    """A dispatcher returns a wrongly routed case, optionally naming the team it goes to."""
    submission = find_by_code(code or "")
    if submission is None:
        raise DispatchError(_("No submission has this tracking code. Check it and try again."),
                            404)
    reason = " ".join((reason or "").split())
    if not reason or len(reason) > REASON_MAX:
        raise DispatchError(_("Give the reason for the return (at most %(max)s characters).",
                              max=REASON_MAX), 422)
    if team and team not in TEAMS:
        raise DispatchError(_("Choose a team from the list."), 422)
    if team and team == current_team(submission):
        raise DispatchError(_("The case is already with this team: choose another."), 422)
    if submission.status not in RETURNABLE:
        raise DispatchError(_("Only a case forwarded to a team and not resolved can be "
                              "returned."))
    apply_progress(submission, "returned", actor=actor, reason=reason, team=team)
    incident = db.session.execute(
        db.select(Incident).filter_by(submission_id=submission.id)
        .where(Incident.state.in_(ACTIVE_INCIDENT_STATES))
        .order_by(Incident.id.desc())).scalars().first()
    if incident is not None:  # the local queue's incident is returned with it
        incident.state = "returned"
    db.session.flush()
    return submission.dispatch


def arbitration_list(limit: int = 200) -> list:
    """Cases waiting for an administrator to choose their team, the longest waiting first."""
    return db.session.execute(
        db.select(Dispatch).where(Dispatch.arbitration.is_(True))
        .order_by(Dispatch.arbitration_since, Dispatch.submission_id).limit(limit)
    ).scalars().all()


def returns_of(submission_id: int) -> list:
    """A case's returns, oldest first."""
    return db.session.execute(db.select(CaseReturn).filter_by(submission_id=submission_id)
                              .order_by(CaseReturn.id)).scalars().all()


def assign_team(submission_id: int, team: str, *, actor: str) -> Dispatch:
    """An administrator settles an arbitration: the case is forwarded again to `team`."""
    row = dispatch_of(submission_id)
    if row is None or not row.arbitration:
        raise DispatchError(_("This case is not waiting for arbitration."))
    if team not in TEAMS:
        raise DispatchError(_("Choose a team from the list."), 422)
    submission = row.submission
    if submission.status != "accepted":
        raise DispatchError(_("This case is no longer waiting to be forwarded."))
    before = {"team": row.team or submission.category.team, "returns": row.returns}
    row.team, row.arbitration, row.arbitration_since = team, False, None
    add_staff_note(submission, actor=actor, note=f"arbitration: assigned to {team}")
    record_audit(actor, "dispatch.arbitration", target_type="submission",
                 target_id=submission.code, before=before, after={"team": team})
    db.session.flush()
    record_change(submission, "dispatched")
    return row
