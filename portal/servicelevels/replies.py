"""Reply templates per category and status, in Chinese and English, with placeholders.

Administrators keep them (audited); the moderation reply form offers those that fit a case
through the `reply_templates` / `reply_template_text` hooks and prefills its fields with the
filled-in text, which the moderator can still edit before sending.
"""
from string import Formatter

from portal.accounts.audit import record_audit
from portal.core.i18n import _
from portal.core.text import clean_block
from portal.core.time import as_utc, local_zone
from portal.extensions import db
from portal.servicelevels.models import Deadline, ReplyTemplate
from portal.stations.models import Category
from portal.submissions.models import STATUSES

PLACEHOLDERS = ("tracking_code", "area", "due_date")
NAMES = ", ".join(f"{{{name}}}" for name in PLACEHOLDERS)
TEXT_MAX, NAME_MAX = 5000, 80


class TemplateInvalid(ValueError):
    """A template that cannot be stored (the message says why); nothing was written."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _pieces(text: str) -> list:
    """[(literal, placeholder or None)]; TemplateInvalid for a brace that is not a placeholder."""
    try:
        parts = list(Formatter().parse(text))
    except ValueError:
        raise TemplateInvalid(_("A brace does not belong to a placeholder: double it to "
                                "write a brace itself, and use only %(names)s.",
                                names=NAMES)) from None
    unknown = ["{" + name + (f"!{conversion}" if conversion else "")
               + (f":{spec}" if spec else "") + "}"
               for _literal, name, spec, conversion in parts
               if name is not None and (name not in PLACEHOLDERS or spec or conversion)]
    if unknown:
        raise TemplateInvalid(_("Unknown placeholder %(found)s: use only %(names)s.",
                                found=", ".join(unknown),
                                names=NAMES))
    return [(literal, name) for literal, name, _spec, _conversion in parts]


def fill(text: str, values: dict) -> str:
    """The text with its placeholders replaced (never attribute or index lookups)."""
    return "".join(literal + (values.get(name, "") if name else "")
                   for literal, name in _pieces(text))


def list_templates() -> list:
    return db.session.execute(db.select(ReplyTemplate).order_by(
        ReplyTemplate.name, ReplyTemplate.id)).scalars().all()


def find_template(template_id: int):
    return db.session.get(ReplyTemplate, template_id)


def _snapshot(row) -> dict:
    return {"name": row.name, "category": row.category.code if row.category else None,
            "status": row.status, "text_zh": row.text_zh, "text_en": row.text_en}


def save_template(template_id, *, name: str, category_code: str, status: str, text_zh: str,
                  text_en: str, actor: str) -> ReplyTemplate:
    """Create (template_id None) or change a template; checked whole before anything is written."""
    name = " ".join((name or "").split())
    text_zh, text_en = clean_block(text_zh or ""), clean_block(text_en or "")
    if not name or len(name) > NAME_MAX:
        raise TemplateInvalid(_("Give the template a name (at most %(max)s characters).",
                                max=NAME_MAX))
    if not (text_zh or text_en):
        raise TemplateInvalid(_("Write the reply in Chinese, English or both."))
    if max(len(text_zh), len(text_en)) > TEXT_MAX:
        raise TemplateInvalid(_("A reply can have at most %(max)s characters.", max=TEXT_MAX))
    for text in (text_zh, text_en):
        _pieces(text)
    category = None
    if category_code:
        category = db.session.execute(
            db.select(Category).filter_by(code=category_code)).scalar_one_or_none()
        if category is None:
            raise TemplateInvalid(_("Choose a category from the list."))
    if status and status not in STATUSES:
        raise TemplateInvalid(_("Choose a status from the list."))
    row, before = None, None
    if template_id is not None:
        row = find_template(template_id)
        if row is None:
            raise TemplateInvalid(_("This template no longer exists."))
        before = _snapshot(row)
    else:
        row = ReplyTemplate()
        db.session.add(row)
    row.name, row.category, row.status = name, category, status or None
    row.text_zh, row.text_en, row.updated_by = text_zh, text_en, actor
    db.session.flush()
    record_audit(actor, "reply_template.update" if before else "reply_template.create",
                 target_type="reply_template", target_id=row.id, before=before,
                 after=_snapshot(row))
    return row


def delete_template(template_id: int, *, actor: str) -> None:
    """Remove a template (audited)."""
    row = find_template(template_id)
    if row is None:
        return
    record_audit(actor, "reply_template.delete", target_type="reply_template",
                 target_id=row.id, before=_snapshot(row))
    db.session.delete(row)
    db.session.flush()


def templates_for(submission) -> list:
    """The templates that fit a case (its category or any, its status or any), specific first."""
    rows = db.session.execute(db.select(ReplyTemplate).where(
        (ReplyTemplate.category_id.is_(None)) | (ReplyTemplate.category_id ==
                                                 submission.category_id),
        (ReplyTemplate.status.is_(None)) | (ReplyTemplate.status == submission.status))
    ).scalars().all()
    return sorted(rows, key=lambda r: (r.category_id is None, r.status is None, r.name, r.id))


def _values(submission, language: str) -> dict:
    area = submission.area
    deadline = db.session.get(Deadline, submission.id)
    due = ""
    if deadline is not None and deadline.resolve_due is not None:
        zone = local_zone()
        due = as_utc(deadline.resolve_due).astimezone(zone).strftime("%Y-%m-%d %H:%M")
    return {"tracking_code": submission.display_code,
            "area": area.name_en if language == "en" and area.name_en else area.name_zh,
            "due_date": due}


def reply_templates(submission):
    """Hook `reply_templates`: [(id, name)] of the templates that fit the case."""
    return [(row.id, row.name) for row in templates_for(submission)]


def reply_template_text(submission, template_id):
    """Hook `reply_template_text`: (zh, en) filled in for the case, or None when it does not fit."""
    row = next((r for r in templates_for(submission) if r.id == template_id), None)
    if row is None:
        return None
    return (fill(row.text_zh, _values(submission, "zh")),
            fill(row.text_en, _values(submission, "en")))
