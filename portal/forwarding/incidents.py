"""Progress of a forwarded case (from the platform or a dispatcher) and the local incident queue."""
from portal.core.hooks import hook_results
from portal.core.time import utcnow
from portal.extensions import db
from portal.forwarding.models import ACTIVE_INCIDENT_STATES, Incident
from portal.stations.models import TEAMS, Area
from portal.submissions.services import (
    TRANSITIONS,
    TransitionNotAllowed,
    add_official_reply,
    change_status,
)

# What the platform (or a dispatcher) reports -> the submission's status. `returned` sends the
# case back to `accepted`, from where the relay forwards it again, routed afresh.
PROGRESS = {"in_progress": "in_progress", "resolved": "resolved", "closed": "closed",
            "returned": "accepted"}


def check_progress(submission, status: str) -> None:
    """Raise TransitionNotAllowed unless `status` may be applied to the submission now."""
    target = PROGRESS[status]
    if target != submission.status and target not in TRANSITIONS.get(submission.status, set()):
        raise TransitionNotAllowed(f"{submission.status} -> {status}")


def apply_progress(submission, status: str, *, actor: str, note: str = "", reply: str = "",
                   reply_en: str = "", reason: str = "", team: str = "") -> bool:
    """Apply a reported status and an optional official reply; True when the status changed.

    A return (`returned`, with its reason, and the team a dispatcher chose, if any) is told to
    the `case_returned` hook in the same transaction: it decides where the case goes next.
    """
    check_progress(submission, status)
    changed = False
    if PROGRESS[status] != submission.status:
        reason = (reason or note or "").strip()
        change_status(submission, PROGRESS[status], actor=actor,
                      note=f"returned: {reason}".strip() if status == "returned" else note)
        if status == "returned":
            hook_results("case_returned", submission, actor=actor, reason=reason, team=team)
        changed = True
    if (reply or "").strip() or (reply_en or "").strip():
        add_official_reply(submission, actor=actor, text=reply or "", text_en=reply_en or "")
    return changed


def open_incident(delivery) -> Incident:
    """The local queue's incident for a delivery (one per idempotency key)."""
    existing = db.session.execute(db.select(Incident).filter_by(
        idempotency_key=delivery.idempotency_key)).scalar_one_or_none()
    if existing is not None:
        return existing
    routing = delivery.payload["routing"]
    area = db.session.execute(
        db.select(Area).filter_by(code=routing["area"]["code"])).scalar_one_or_none()
    incident = Incident(submission_id=delivery.submission_id,
                        idempotency_key=delivery.idempotency_key, team=routing["team"],
                        area=area, priority=routing["priority"] == "urgent", state="open")
    db.session.add(incident)
    db.session.flush()
    return incident


def incident_queue(show: str = "active", user=None) -> list:
    """Incidents for the dispatcher list: urgent first, then oldest first."""
    query = db.select(Incident)
    if show == "mine" and user is not None:
        query = query.where(Incident.claimed_by_id == user.id,
                            Incident.state.in_(ACTIVE_INCIDENT_STATES))
    elif show == "unclaimed":
        query = query.where(Incident.claimed_by_id.is_(None),
                            Incident.state.in_(ACTIVE_INCIDENT_STATES))
    elif show != "all":
        query = query.where(Incident.state.in_(ACTIVE_INCIDENT_STATES))
    query = query.order_by(Incident.priority.desc(), Incident.created_at, Incident.id)
    return db.session.execute(query.limit(500)).scalars().all()


def find_incident(incident_id: int):
    """An incident by id, or None."""
    return db.session.get(Incident, incident_id)


def claim_incident(incident, user) -> None:
    """The dispatcher takes the case."""
    incident.claimed_by = user
    incident.claimed_at = utcnow()
    db.session.flush()


def assign_team(incident, team: str) -> None:
    """Hand the case to one of the teams."""
    if team not in TEAMS:
        raise ValueError(f"unknown team {team!r}")
    incident.team = team
    db.session.flush()


def set_incident_status(incident, status: str, *, user, note: str = "") -> None:
    """The dispatcher reports progress: in_progress, resolved, closed or returned."""
    if incident.state in ("closed", "returned"):
        raise TransitionNotAllowed(f"incident is {incident.state}")
    apply_progress(incident.submission, status, actor=f"user:{user.username}", note=note)
    incident.state = status
    if incident.claimed_by is None:
        claim_incident(incident, user)
    db.session.flush()


def reply_to_incident(incident, *, user, text: str, text_en: str = "") -> None:
    """The official reply the resident sees on the tracking page."""
    add_official_reply(incident.submission, actor=f"user:{user.username}", text=text,
                       text_en=text_en)
