"""Reading submissions for public pages: listings, the public timeline, lookups, the
change-log head."""
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.submissions.models import PUBLIC_CHANGE, ChangeLog, Photo, Submission


def public_timeline(submission) -> list:
    """The timeline entries a resident may see, oldest first."""
    return [e for e in submission.events if e.is_public]


def published_submissions(page: int, per_page: int):
    """A page of published submissions, newest first (a Flask-SQLAlchemy Pagination)."""
    query = (db.select(Submission).filter_by(published=True)
             .order_by(Submission.published_at.desc(), Submission.id.desc()))
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def latest_published(limit: int) -> list:
    """The newest published submissions (the home page: no page count needed, so none taken)."""
    return db.session.execute(
        db.select(Submission).filter_by(published=True)
        .options(joinedload(Submission.area))  # each card names its area: one query, not six
        .order_by(Submission.published_at.desc(), Submission.id.desc()).limit(limit)
    ).scalars().all()


LATEST_CHANGE = db.select(db.func.max(ChangeLog.id))
# The newest change a page without the tracking code may show (read from an index).
LATEST_PUBLIC_CHANGE = db.select(db.func.max(ChangeLog.id)).where(PUBLIC_CHANGE)


def latest_change_id() -> int:
    """The newest change-log id: it moves with every change a public page could show.

    On a connection of its own in autocommit (one statement needs no transaction, and on
    PostgreSQL that saves the BEGIN and ROLLBACK round trips), outside the ORM session.
    """
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        return connection.execute(LATEST_CHANGE).scalar() or 0


def find_published(submission_id: int):
    """A published submission by id, or None."""
    submission = db.session.get(Submission, submission_id)
    return submission if submission is not None and submission.published else None


def find_photo(filename: str):
    """A photo row by stored file name or thumbnail name, or None."""
    return db.session.execute(
        db.select(Photo).where((Photo.filename == filename) | (Photo.thumbnail == filename))
    ).scalar_one_or_none()
