"""Service-level tables: deadline overrides, each case's deadlines, escalations, follow-ups."""
from portal.core.time import UTCDateTime, utcnow
from portal.extensions import db


class ServiceLevelPosition(db.Model):
    """How far the deadline task has read the change log."""

    name = db.Column(db.String(40), primary_key=True)
    last_id = db.Column(db.BigInteger, nullable=False, default=0)
    updated_at = db.Column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)


class ServiceLevelRule(db.Model):
    """An administrator's override of the shipped deadlines.

    Looked up most specific first: (kind, category), then (kind, urgency) with no category.
    """

    id = db.Column(db.Integer, primary_key=True)
    kind = db.Column(db.String(10), nullable=False)  # issue | idea
    category_id = db.Column(db.Integer, db.ForeignKey("category.id"), nullable=True)
    urgent = db.Column(db.Boolean, nullable=True)  # for the rows without a category
    acknowledge_hours = db.Column(db.Float, nullable=False)  # working hours
    resolve_days = db.Column(db.Float, nullable=False)  # working days
    updated_by = db.Column(db.String(80), nullable=False, default="")
    updated_at = db.Column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)

    category = db.relationship("Category")
    __table_args__ = (db.UniqueConstraint("kind", "category_id", "urgent",
                                          name="uq_service_level_rule"),)


class Deadline(db.Model):
    """One case's clock, derived by the worker from its timeline (never on a page view)."""

    submission_id = db.Column(db.Integer, db.ForeignKey("submission.id", ondelete="CASCADE"),
                              primary_key=True)
    # Empty until the clock starts: forwarded (or accepted, with the local queue as the sink).
    started_at = db.Column(UTCDateTime, nullable=True)
    acknowledge_due = db.Column(UTCDateTime, nullable=True, index=True)
    resolve_from = db.Column(UTCDateTime, nullable=True)  # the start, or the last reopening
    resolve_due = db.Column(UTCDateTime, nullable=True, index=True)
    acknowledged_at = db.Column(UTCDateTime, nullable=True)
    resolved_at = db.Column(UTCDateTime, nullable=True)  # cleared again when reopened
    acknowledge_hours = db.Column(db.Float, nullable=True)
    resolve_days = db.Column(db.Float, nullable=True)
    open = db.Column(db.Boolean, nullable=False, default=False)
    # When the next reminder or escalation step falls due (None: nothing left to do).
    next_check_at = db.Column(UTCDateTime, nullable=True, index=True)
    reminded_at = db.Column(UTCDateTime, nullable=True)
    escalation_level = db.Column(db.Integer, nullable=False, default=0, index=True)
    reopen_count = db.Column(db.Integer, nullable=False, default=0)
    # Working days added by approved extensions since the clock (re)started.
    extension_days = db.Column(db.Float, nullable=False, default=0)
    last_change_id = db.Column(db.BigInteger, nullable=False, default=0)
    updated_at = db.Column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)

    submission = db.relationship("Submission")


class Escalation(db.Model):
    """A reminder (level 0) or an escalation step (1 team, 2 supervisor, 3 administrators)."""

    id = db.Column(db.Integer, primary_key=True)
    submission_id = db.Column(db.Integer, db.ForeignKey("submission.id", ondelete="CASCADE"),
                              nullable=False, index=True)
    level = db.Column(db.Integer, nullable=False)
    target = db.Column(db.String(120), nullable=False)  # team:NAME | role:NAME | an address
    due_at = db.Column(UTCDateTime, nullable=False)  # the deadline it was about
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    submission = db.relationship("Submission")
    __table_args__ = (db.UniqueConstraint("submission_id", "level", "due_at",
                                          name="uq_escalation_step"),)


class FollowUp(db.Model):
    """The resident's answer after resolution (回访), or 'no feedback' when none came in time."""

    submission_id = db.Column(db.Integer, db.ForeignKey("submission.id", ondelete="CASCADE"),
                              primary_key=True)
    outcome = db.Column(db.String(12), nullable=False)  # answered | no_feedback
    fixed = db.Column(db.Boolean, nullable=True)
    satisfaction = db.Column(db.String(20), nullable=True)  # satisfied | basic | dissatisfied
    comment = db.Column(db.Text, nullable=False, default="")
    comment_held = db.Column(db.Boolean, nullable=False, default=False)  # screening suspects it
    screening_reasons = db.Column(db.JSON, nullable=False, default=list)
    reopened = db.Column(db.Boolean, nullable=False, default=False)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    submission = db.relationship("Submission")


class Dispatch(db.Model):
    """Where a returned case goes: the team it was re-dispatched to, its returns, arbitration."""

    submission_id = db.Column(db.Integer, db.ForeignKey("submission.id", ondelete="CASCADE"),
                              primary_key=True)
    team = db.Column(db.String(40), nullable=True)  # None: the category's team
    returns = db.Column(db.Integer, nullable=False, default=0)
    tried = db.Column(db.JSON, nullable=False, default=list)  # teams that returned it
    # Past PORTAL_MAX_RETURNS returns the case waits here for an administrator to pick a team.
    arbitration = db.Column(db.Boolean, nullable=False, default=False, index=True)
    arbitration_since = db.Column(UTCDateTime, nullable=True)
    updated_at = db.Column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)

    # `submission.dispatch`: the relay's routing and hold hooks both ask for it; read once,
    # it stays on the submission for the transaction, absent or not (a lookup by key would
    # ask the database again for a case that has none, which is nearly every case).
    submission = db.relationship("Submission", backref=db.backref(
        "dispatch", uselist=False, cascade="all, delete-orphan", passive_deletes=True))


class CaseReturn(db.Model):
    """One return of a wrongly routed case: by whom, why, and the team it went to next."""

    id = db.Column(db.Integer, primary_key=True)
    submission_id = db.Column(db.Integer, db.ForeignKey("submission.id", ondelete="CASCADE"),
                              nullable=False, index=True)
    number = db.Column(db.Integer, nullable=False)  # 1 for the first return of the case
    actor = db.Column(db.String(80), nullable=False)  # platform | user:NAME
    reason = db.Column(db.Text, nullable=False, default="")
    from_team = db.Column(db.String(40), nullable=False)
    to_team = db.Column(db.String(40), nullable=True)  # None: sent to arbitration
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    submission = db.relationship("Submission")


class ReplyTemplate(db.Model):
    """A ready-made official reply for a category (or any) and a status (or any), zh and en."""

    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(80), nullable=False)
    category_id = db.Column(db.Integer, db.ForeignKey("category.id"), nullable=True)
    status = db.Column(db.String(20), nullable=True)
    text_zh = db.Column(db.Text, nullable=False, default="")
    text_en = db.Column(db.Text, nullable=False, default="")
    updated_by = db.Column(db.String(80), nullable=False, default="")
    updated_at = db.Column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)

    category = db.relationship("Category")


class DeadlineExtension(db.Model):
    """A handler's request to move a case's resolve deadline, and its decision."""

    id = db.Column(db.Integer, primary_key=True)
    submission_id = db.Column(db.Integer, db.ForeignKey("submission.id", ondelete="CASCADE"),
                              nullable=False, index=True)
    days = db.Column(db.Integer, nullable=False)  # working days
    reason = db.Column(db.Text, nullable=False)
    requested_by = db.Column(db.String(80), nullable=False)  # user:NAME
    requested_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    state = db.Column(db.String(10), nullable=False, default="pending")  # approved | refused
    # The case's id while the request waits: one pending request per case (unique).
    pending_for = db.Column(db.Integer, nullable=True, unique=True)
    decided_by = db.Column(db.String(80), nullable=True)
    decided_at = db.Column(UTCDateTime, nullable=True)
    note = db.Column(db.Text, nullable=False, default="")
    due_before = db.Column(UTCDateTime, nullable=True)
    due_after = db.Column(UTCDateTime, nullable=True)

    submission = db.relationship("Submission")
