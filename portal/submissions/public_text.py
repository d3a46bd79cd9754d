"""The resident-written fields the public may see, and the public (masked) copy of each.

One list, read by everything that makes or shows the public version: redaction, the review
form, publication, the public pages, the JSON API, Open311, the search index. A field added to
`PUBLIC_FIELDS` (with its `public_<name>` column) is masked, editable by a moderator and
published everywhere at once; nothing shows the resident's original outside staff pages.
"""
from dataclasses import dataclass

from portal.core.i18n import _l
from portal.core.redaction import find_personal_data, mask_text
from portal.core.text import clean_block, clean_line
from portal.submissions.validation import BODY_MAX, PLACE_MAX, TITLE_MAX


@dataclass(frozen=True)
class PublicField:
    name: str  # the resident's original: a Submission column
    label: object  # the public version's label on the review form
    maximum: int
    required: bool = False  # a published submission must have it
    multiline: bool = False

    @property
    def public(self) -> str:
        """The column holding the public (masked, possibly edited) version."""
        return f"public_{self.name}"

    def clean(self, value) -> str:
        return (clean_block if self.multiline else clean_line)(
            value if isinstance(value, str) else "")


PUBLIC_FIELDS = (
    PublicField("title", _l("Public title"), TITLE_MAX, required=True),
    PublicField("body", _l("Public text"), BODY_MAX, required=True, multiline=True),
    PublicField("place", _l("Public place"), PLACE_MAX),
)
FIELD_NAMES = tuple(f.name for f in PUBLIC_FIELDS)
PUBLIC_COLUMNS = tuple(f.public for f in PUBLIC_FIELDS)


def originals(submission) -> dict:
    """The resident's text, field by field (staff pages and the platform only)."""
    return {f.name: getattr(submission, f.name) or "" for f in PUBLIC_FIELDS}


def public_version(submission) -> dict:
    """The stored public version, field by field ("" where there is none)."""
    return {f.name: getattr(submission, f.public) or "" for f in PUBLIC_FIELDS}


def draft(submission) -> dict:
    """What a public version is made from: the stored one once there is one (so a field a
    moderator emptied stays empty), else the resident's original."""
    stored = public_version(submission)
    return stored if any(stored.values()) else originals(submission)


def published_text(submission) -> dict:
    """What the public sees of a submission: its public version once published, else nothing."""
    if not submission.published:
        return {f.name: "" for f in PUBLIC_FIELDS}
    return public_version(submission)


def public_author(submission) -> str:
    """The resident's name as the public pages show it: only for a published submission whose
    resident ticked "show my name" (anonymous by default), personal data masked; else ""."""
    contact = submission.contact
    if not submission.published or contact is None or not contact.show_name:
        return ""
    return mask_text(clean_line(contact.name or ""))[0]


def masked(values: dict, keep=()) -> tuple:
    """({name: text with personal data masked}, [findings masked]) for the fields given."""
    result, findings = {}, []
    for f in PUBLIC_FIELDS:
        if f.name in values:
            result[f.name], found = mask_text(f.clean(values[f.name]), keep)
            findings += found
    return result, findings


def tracking_text(submission) -> dict:
    """What a tracking-code holder sees of the text: the original with personal data masked.

    The code is the resident's own capability, but a guessed or leaked code must not hand out
    a phone number or an e-mail address, so the same masking applies (nothing kept).
    """
    return masked(originals(submission))[0]


def findings_in_originals(submission) -> list:
    """Personal data found anywhere in the resident's text (each value once), in field order."""
    found = {}
    for text in originals(submission).values():
        for finding in find_personal_data(text):
            found.setdefault(finding.value, finding)
    return list(found.values())
