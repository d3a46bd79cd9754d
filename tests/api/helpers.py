"""Plain helpers for the API tests: a valid payload and row counts."""
from portal.extensions import db
from portal.submissions.models import ChangeLog, Contact, Photo, StatusEvent, Submission

VALID = {"kind": "issue", "category": "street-lighting", "area": "riverside",
         "title": "Street light out near the ferry",
         "body": "The lamp by gate 3 has been dark for a week."}


def stored(app) -> tuple:
    """How many submissions, timeline entries, change-log rows, contacts and photos exist."""
    with app.app_context():
        return tuple(db.session.query(model).count()
                     for model in (Submission, StatusEvent, ChangeLog, Contact, Photo))


NOTHING = (0, 0, 0, 0, 0)
