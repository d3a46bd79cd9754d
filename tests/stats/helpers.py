"""Plain helpers for the figures, wall and hotspot tests."""
import re

from portal.extensions import db
from portal.submissions.models import Submission

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>")
STYLE_ATTRIBUTE = re.compile(r"\sstyle=")
EXTERNAL = re.compile(r"""(?:src|href)=["'](?:https?:)?//""")


def reload(submission):
    db.session.expire_all()
    return db.session.get(Submission, submission.id)


def assert_csp_safe(html: str) -> None:
    """No inline script or style, nothing fetched from elsewhere."""
    assert not INLINE_SCRIPT.search(html), INLINE_SCRIPT.search(html).group(0)
    assert not STYLE_ATTRIBUTE.search(html)
    assert not EXTERNAL.search(html)
