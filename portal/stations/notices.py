"""Category notices: what a resident reads before the form of a category, and which
categories are emergency-only (the notice and its numbers instead of a form)."""
from portal.core.i18n import _, current_locale
from portal.core.text import to_traditional
from portal.extensions import db
from portal.stations.models import CategoryNotice
from portal.stations.snapshot import reference_snapshot


def category_notice(category):
    """The category's notice row, or None."""
    if category is None or category.id is None:
        return None
    return db.session.get(CategoryNotice, category.id)


def notices_by_code() -> dict:
    """{category code: notice row} of every category with a notice text or emergency-only."""
    rows = db.session.execute(db.select(CategoryNotice)).scalars().all()
    return {row.category.code: row for row in rows
            if row.emergency_only or row.text_zh or row.text_en}


def notice_text(notice, locale: str | None = None) -> str:
    """The notice in `locale` (the active one by default): English when given, else Chinese;
    Traditional Chinese derived."""
    if notice is None:
        return ""
    locale = locale or current_locale()
    if locale == "en" and notice.text_en:
        return notice.text_en
    return to_traditional(notice.text_zh) if locale == "zh_Hant" else notice.text_zh


def emergency_only(category) -> bool:
    """Whether the category takes no submissions (its notice says whom to call)."""
    return category is not None and category.id in reference_snapshot().emergency_only


def emergency_message(category) -> str:
    """The refusal for an emergency-only category, with its notice, in the active language."""
    text = notice_text(category_notice(category))
    message = _("This topic is not handled here: in an emergency call 110 (police), 119 (fire) "
                "or 120 (ambulance).")
    return f"{message} {text}".strip() if text else message
