"""Participation rows: an idea's official answer, its history, comments, category settings.

An idea is a published submission of kind `idea`; these tables hang off it and never change the
submission's own columns (supports are `portal.submissions.models.Support` rows).
"""
from portal.core.time import UTCDateTime, utcnow
from portal.extensions import db

OUTCOMES = ("adopted", "partly_adopted", "for_reference", "not_adopted")
ADOPTED = ("adopted", "partly_adopted")
COMMENT_STATUSES = ("pending", "held", "published", "reported", "hidden")
PROGRESS_STAGES = ("planned", "in_progress", "done")


class IdeaAnswer(db.Model):
    """One official answer with its outcome; a later row replaces an earlier one (history kept).

    The newest row of an idea is its current answer. Every row also wrote an official reply on
    the submission's timeline (`event_id`), which is how the JSON API, Open311's status_notes and
    the tracking page show it without knowing of this package.
    """

    id = db.Column(db.Integer, primary_key=True)
    submission_id = db.Column(db.Integer, db.ForeignKey("submission.id", ondelete="CASCADE"),
                              nullable=False, index=True)
    outcome = db.Column(db.String(20), nullable=False)
    previous_outcome = db.Column(db.String(20), nullable=True)
    reason = db.Column(db.Text, nullable=False)  # Chinese (or the language it was written in)
    reason_en = db.Column(db.Text, nullable=False, default="")
    actor = db.Column(db.String(80), nullable=False)
    event_id = db.Column(db.Integer, db.ForeignKey("status_event.id", ondelete="SET NULL"),
                         nullable=True)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    submission = db.relationship("Submission")


class Comment(db.Model):
    """A resident's (or staff member's) comment on an idea; replies are one level deep."""

    id = db.Column(db.Integer, primary_key=True)
    submission_id = db.Column(db.Integer, db.ForeignKey("submission.id", ondelete="CASCADE"),
                              nullable=False)
    parent_id = db.Column(db.Integer, db.ForeignKey("comment.id", ondelete="CASCADE"),
                          nullable=True, index=True)
    display_name = db.Column(db.String(40), nullable=False, default="")
    show_name = db.Column(db.Boolean, nullable=False, default=False)  # "show my name" ticked
    body = db.Column(db.Text, nullable=False)
    status = db.Column(db.String(10), nullable=False, default="pending")
    official = db.Column(db.Boolean, nullable=False, default=False)
    author = db.Column(db.String(80), nullable=False, default="resident")  # or user:NAME
    channel = db.Column(db.String(10), nullable=False, default="web")
    screening_score = db.Column(db.Float, nullable=False, default=0.0)
    screening_reasons = db.Column(db.JSON, nullable=False, default=list)
    hidden_reason = db.Column(db.Text, nullable=False, default="")  # shown instead of the text
    moderated_by = db.Column(db.String(80), nullable=True)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    published_at = db.Column(UTCDateTime, nullable=True)

    submission = db.relationship("Submission")
    replies = db.relationship("Comment", order_by="Comment.id", cascade="all, delete-orphan")

    # The idea page reads one idea's comments by status; the queue reads all by status.
    __table_args__ = (db.Index("ix_comment_submission_status", "submission_id", "status"),
                      db.Index("ix_comment_status", "status", "id"))


class IdeaSetting(db.Model):
    """Per category: the supports an idea needs before an answer is due, and pre-moderation."""

    category_id = db.Column(db.Integer, db.ForeignKey("category.id", ondelete="CASCADE"),
                            primary_key=True)
    support_threshold = db.Column(db.Integer, nullable=False)
    premoderation = db.Column(db.Boolean, nullable=False, default=True)
    updated_at = db.Column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)

    category = db.relationship("Category")


class IdeaProgress(db.Model):
    """A progress update of an adopted idea, written by staff, for the public register."""

    id = db.Column(db.Integer, primary_key=True)
    submission_id = db.Column(db.Integer, db.ForeignKey("submission.id", ondelete="CASCADE"),
                              nullable=False, index=True)
    stage = db.Column(db.String(12), nullable=False)
    percent = db.Column(db.Integer, nullable=False, default=0)
    note = db.Column(db.Text, nullable=False)
    note_en = db.Column(db.Text, nullable=False, default="")
    actor = db.Column(db.String(80), nullable=False)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)


REPORT_REASONS = ("abusive", "spam", "off_topic", "personal_data", "other")
REPORT_TARGETS = ("submission", "comment")


class Report(db.Model):
    """A resident's abuse report on a published submission (an idea is one) or a comment.

    One per reporter per item (a browser session `web:<id>` or a kiosk device `kiosk:<id>`).
    Reports without a decision are open; once enough distinct reporters have reported an item it
    is hidden pending review (`hid` marks the report that hid it), until a moderator keeps or
    hides it, which decides every open report of the item.
    """

    id = db.Column(db.Integer, primary_key=True)
    target_type = db.Column(db.String(12), nullable=False)  # submission | comment
    target_id = db.Column(db.Integer, nullable=False)
    # The submission concerned (a comment's idea): its change log carries the report.
    submission_id = db.Column(db.Integer, db.ForeignKey("submission.id", ondelete="CASCADE"),
                              nullable=False, index=True)
    reason = db.Column(db.String(20), nullable=False)
    note = db.Column(db.Text, nullable=False, default="")
    reporter = db.Column(db.String(80), nullable=False)
    address_hash = db.Column(db.String(32), nullable=False)
    hid = db.Column(db.Boolean, nullable=False, default=False)
    decision = db.Column(db.String(10), nullable=True)  # None (open) | kept | hidden
    decided_by = db.Column(db.String(80), nullable=True)
    decided_at = db.Column(UTCDateTime, nullable=True)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    submission = db.relationship("Submission")

    __table_args__ = (
        db.UniqueConstraint("target_type", "target_id", "reporter", name="uq_report_reporter"),
        db.Index("ix_report_open", "decision", "target_type", "target_id"),
    )
