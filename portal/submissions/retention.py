"""The retention purge: residents' contact details deleted once a case is long finished."""
from datetime import timedelta

from portal.accounts.audit import record_audit
from portal.core.time import utcnow
from portal.extensions import db
from portal.submissions.models import Contact, StatusEvent, Submission

PURGEABLE_STATUSES = ("closed", "rejected")


def purge_personal_data(*, older_than_days: int, actor: str = "system", now=None) -> list:
    """Delete the contact details of submissions closed or rejected more than N days ago.

    The time that counts is the latest move into the current (closed or rejected) status.
    Returns the submission ids whose contact row was deleted; one audit entry records the run.
    """
    cutoff = (now or utcnow()) - timedelta(days=older_than_days)
    ended = (db.select(StatusEvent.submission_id,
                       db.func.max(StatusEvent.created_at).label("ended_at"))
             .where(StatusEvent.to_status.in_(PURGEABLE_STATUSES))
             .group_by(StatusEvent.submission_id).subquery())
    ids = db.session.execute(
        db.select(Contact.submission_id)
        .join(Submission, Submission.id == Contact.submission_id)
        .join(ended, ended.c.submission_id == Contact.submission_id)
        .where(Submission.status.in_(PURGEABLE_STATUSES), ended.c.ended_at < cutoff)
        .order_by(Contact.submission_id)).scalars().all()
    for start in range(0, len(ids), 500):  # bounded IN lists
        db.session.execute(db.delete(Contact).where(
            Contact.submission_id.in_(ids[start:start + 500])), execution_options={
                "synchronize_session": False})
    db.session.expire_all()
    record_audit(actor, "purge_personal_data", target_type="contact",
                 after={"contacts_deleted": len(ids), "older_than_days": older_than_days},
                 note=f"cutoff {cutoff.isoformat(timespec='seconds')}")
    return ids
