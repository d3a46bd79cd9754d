"""Administrators' category notices (shown before the forms) and emergency-only categories.

The rows belong to `stations` (the forms of every channel read them there); writing them is an
administrator's audited decision made here.
"""
from portal.accounts.services import record_audit
from portal.core.i18n import _
from portal.core.text import clean_block
from portal.core.time import utcnow
from portal.extensions import db
from portal.participation.services import ParticipationError
from portal.stations.models import CategoryNotice
from portal.stations.notices import category_notice

NOTICE_MAX = 1000


def save_notice(category, *, text_zh, text_en="", emergency_only=False,
                actor: str) -> CategoryNotice:
    """Set a category's notice (Chinese, English) and whether it is emergency-only (audited).

    An emergency-only category needs its notice: it is what residents read instead of a form.
    """
    text_zh = clean_block(text_zh if isinstance(text_zh, str) else "")
    text_en = clean_block(text_en if isinstance(text_en, str) else "")
    if len(text_zh) > NOTICE_MAX or len(text_en) > NOTICE_MAX:
        raise ParticipationError(_("A notice may be at most %(n)d characters long.",
                                   n=NOTICE_MAX), field="text_zh")
    if emergency_only and not text_zh:
        raise ParticipationError(_("An emergency-only category needs a notice saying whom to "
                                   "call."), field="text_zh")
    row = category_notice(category)
    before = ({"text_zh": row.text_zh, "text_en": row.text_en,
               "emergency_only": row.emergency_only} if row else None)
    if row is None:
        row = CategoryNotice(category_id=category.id)
        db.session.add(row)
    row.text_zh, row.text_en, row.emergency_only = text_zh, text_en, bool(emergency_only)
    row.edited_at = utcnow()  # every process's forms and refusals follow at once
    db.session.flush()
    record_audit(actor, "category.notice", target_type="category", target_id=category.code,
                 before=before, after={"text_zh": text_zh, "text_en": text_en,
                                       "emergency_only": bool(emergency_only)})
    return row
