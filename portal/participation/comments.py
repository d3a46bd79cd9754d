"""Comments on ideas: written without an account, screened, moderated, one level of replies.

A comment is screened like a submission. A suspect one is `held`; a clean one is `published` at
once when the idea's category has pre-moderation switched off, else `pending` until a moderator
accepts it. A moderator may hide a published comment: its reason replaces the text publicly.
Staff comments are marked official and shown at once. Every change writes a change-log entry
on the idea (the page cache and other features react to it) and moderation is audited.
"""
from portal.accounts.services import record_audit
from portal.core.i18n import _
from portal.core.redaction import mask_text
from portal.core.text import clean_block, clean_line
from portal.core.time import utcnow
from portal.extensions import db
from portal.participation.models import Comment
from portal.participation.services import ParticipationError, premoderated
from portal.screening.services import screen_text
from portal.submissions.history import record_change

COMMENT_MAX = 2000
NAME_MAX = 40
CLOSED_STATUSES = ("closed", "rejected")


class CommentNotAllowed(ParticipationError):
    """The idea takes no comments (unpublished, closed), or the reply's parent is wrong."""

    status = 409


def check_commentable(idea) -> None:
    """Raise CommentNotAllowed when comments on this idea are closed."""
    if idea.status in CLOSED_STATUSES:
        raise CommentNotAllowed(_("This idea is closed: it takes no more comments."))


def _clean_body(body) -> str:
    body = clean_block(body if isinstance(body, str) else "")
    if not body:
        raise ParticipationError(_("Write your comment before sending it."), field="body")
    if len(body) > COMMENT_MAX:
        raise ParticipationError(_("A comment may be at most %(n)d characters long (yours has "
                                   "%(m)d).", n=COMMENT_MAX, m=len(body)), field="body")
    return body


def _parent(idea, parent_id):
    if not parent_id:
        return None
    parent = db.session.get(Comment, parent_id)
    if (parent is None or parent.submission_id != idea.id or parent.status != "published"):
        raise CommentNotAllowed(_("The comment you are replying to is not shown here."))
    # One level of replies: a reply to a reply joins its thread.
    return db.session.get(Comment, parent.parent_id) if parent.parent_id else parent


def post_comment(idea, *, body, display_name="", show_name=False, parent_id=None,
                 channel="web", screening_context=None) -> Comment:
    """A resident's comment (or reply); raises ParticipationError before writing anything.

    Personal data in the text or name (phone numbers, e-mail addresses...) is masked before it
    is stored: a comment has no private original, it is public once shown. The name is shown
    publicly only when the resident ticked "show my name" (`show_name`); anonymous by default.
    """
    check_commentable(idea)
    body = _clean_body(body)
    name = clean_line(display_name if isinstance(display_name, str) else "")
    if len(name) > NAME_MAX:
        raise ParticipationError(_("A display name may be at most %(n)d characters long.",
                                   n=NAME_MAX), field="display_name")
    screening = screen_text("", body, screening_context)
    parent = _parent(idea, parent_id)
    if screening.hold:
        status = "held"
    else:
        status = "pending" if premoderated(idea.category) else "published"
    comment = Comment(submission_id=idea.id, parent_id=parent.id if parent else None,
                      display_name=mask_text(name)[0], show_name=bool(show_name and name),
                      body=mask_text(body)[0], status=status,
                      channel=channel, screening_score=screening.score,
                      screening_reasons=screening.reasons,
                      published_at=utcnow() if status == "published" else None)
    db.session.add(comment)
    db.session.flush()
    record_change(idea, "comment")
    return comment


def post_staff_comment(idea, *, body, actor: str, parent_id=None) -> Comment:
    """An official comment by staff, shown at once."""
    check_commentable(idea)
    body = _clean_body(body)
    parent = _parent(idea, parent_id)
    comment = Comment(submission_id=idea.id, parent_id=parent.id if parent else None,
                      body=body, status="published", official=True, author=actor,
                      published_at=utcnow())
    db.session.add(comment)
    db.session.flush()
    record_change(idea, "comment")
    return comment


def accept_comment(comment, *, actor: str) -> None:
    """Show a waiting or held comment."""
    if comment.status not in ("pending", "held"):
        raise ParticipationError(_("Only a comment waiting for review can be accepted."))
    before = comment.status
    comment.status, comment.moderated_by = "published", actor
    comment.published_at = utcnow()
    db.session.flush()
    record_change(comment.submission, "comment")
    record_audit(actor, "comment.accept", target_type="comment", target_id=str(comment.id),
                 before={"status": before}, after={"status": "published"})


def hide_comment(comment, *, reason, actor: str) -> None:
    """Hide a comment; the reason is shown publicly in place of its text (audited)."""
    reason = clean_line(reason if isinstance(reason, str) else "")
    if not reason:
        raise ParticipationError(_("Give the reason for hiding this comment; it is shown in "
                                   "place of the text."), field="reason")
    if len(reason) > 300:
        raise ParticipationError(_("The reason may be at most %(n)d characters long.", n=300),
                                 field="reason")
    before = comment.status
    comment.status, comment.hidden_reason, comment.moderated_by = "hidden", reason, actor
    db.session.flush()
    record_change(comment.submission, "comment")
    record_audit(actor, "comment.hide", target_type="comment", target_id=str(comment.id),
                 before={"status": before}, after={"status": "hidden"}, note=reason)


def public_comments(idea) -> list:
    """The idea's shown threads, oldest first: [(comment, [replies])]; hidden and reported
    comments stay in place (a note replaces the text) so a thread still reads in order."""
    rows = db.session.execute(
        db.select(Comment).where(Comment.submission_id == idea.id,
                                 Comment.status.in_(("published", "reported", "hidden")))
        .order_by(Comment.id)).scalars().all()
    threads, replies = [], {}
    for row in rows:
        if row.parent_id is None:
            threads.append(row)
        else:
            replies.setdefault(row.parent_id, []).append(row)
    return [(row, replies.get(row.id, [])) for row in threads]


def public_name(comment) -> str:
    """The name a comment shows publicly: its display name only when the resident chose to show
    it; "" (shown as "A resident") otherwise."""
    return comment.display_name if comment.show_name and not comment.official else ""


def find_comment(comment_id: int):
    """A comment by id, or None."""
    return db.session.get(Comment, comment_id)


def comment_queue(limit: int = 200) -> list:
    """Comments waiting for a moderator (held first, then pending), oldest first."""
    return db.session.execute(
        db.select(Comment).where(Comment.status.in_(("held", "pending")))
        .order_by((Comment.status == "pending"), Comment.id).limit(limit)).scalars().all()


def idea_comments_for_staff(idea) -> list:
    """Every comment of an idea, whatever its status, oldest first."""
    return db.session.execute(db.select(Comment).filter_by(submission_id=idea.id)
                              .order_by(Comment.id)).scalars().all()


def comment_texts(ids) -> dict:
    """{idea id: the text of its comments}, for staff search only (registered with the search
    indexer, which does not import this package; every comment change writes a change-log
    entry on its idea, so the index follows)."""
    if not ids:
        return {}
    rows = db.session.execute(
        db.select(Comment.submission_id, Comment.display_name, Comment.body)
        .where(Comment.submission_id.in_(ids)).order_by(Comment.id)).all()
    texts = {}
    for submission_id, name, body in rows:
        texts.setdefault(submission_id, []).append(f"{name} {body}".strip())
    return {submission_id: "\n".join(parts) for submission_id, parts in texts.items()}
