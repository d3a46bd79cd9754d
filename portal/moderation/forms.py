"""Moderation forms. Choices are filled per request (categories and areas are data)."""
from wtforms import (
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from portal.core.forms import Form
from portal.core.i18n import _l
from portal.core.inputs import database_id
from portal.moderation.services import REJECT_REASONS
from portal.stations.forms import area_choices, category_choices
from portal.submissions.public_text import PUBLIC_FIELDS


def reason_choices():
    return [SelectChoice("", _l("Choose a reason"))] + [
        SelectChoice(code, label) for code, label in REJECT_REASONS.items()]


class DecisionForm(Form):
    action = HiddenField()
    reason = SelectField(_l("Reason"), validate_choice=False)
    duplicate_code = StringField(_l("Duplicate of (tracking code)"),
                                 render_kw={"autocomplete": "off"})
    note = StringField(_l("Internal note (optional)"))

    def fill_choices(self):
        self.reason.choices = reason_choices()


BULK_ACTIONS = [SelectChoice("accept", _l("Accept")), SelectChoice("hold", _l("Hold")),
                SelectChoice("release", _l("Back to received")),
                SelectChoice("reject", _l("Reject"))]


class BulkForm(Form):
    ids = SelectMultipleField(_l("Selected"), coerce=database_id, validate_choice=False)
    action = SelectField(_l("Action"), choices=BULK_ACTIONS)
    reason = SelectField(_l("Reason (for rejecting)"), validate_choice=False,
                         validators=[Optional()])

    def fill_choices(self):
        self.reason.choices = reason_choices()


class ClassifyForm(Form):
    category = SelectField(_l("Category"), validate_choice=False)
    area = SelectField(_l("Area"), validate_choice=False)

    def fill_choices(self):
        self.category.choices = category_choices()
        self.area.choices = area_choices()


class PublicVersionForm(Form):
    """The public version: one input per public field (added below), values to keep visible."""

    keep = SelectMultipleField(_l("Leave visible"), validate_choice=False)
    publish = RadioField(_l("Publication"), choices=[
        SelectChoice("", _l("Leave as it is")), SelectChoice("publish", _l("Publish")),
        SelectChoice("unpublish", _l("Unpublish"))], default="", validate_choice=False)


for _field in PUBLIC_FIELDS:  # every field the public sees is edited here, none forgotten
    setattr(PublicVersionForm, _field.name, TextAreaField(_field.label, render_kw={"rows": 8})
            if _field.multiline else StringField(_field.label))
del _field


class PublishForm(Form):
    published = HiddenField()


class MergeForm(Form):
    target_code = StringField(_l("Merge into (tracking code)"), render_kw={"autocomplete": "off"})


class ReplyForm(Form):
    text = TextAreaField(_l("Official reply (Chinese)"), render_kw={"rows": 4})
    text_en = TextAreaField(_l("Official reply (English, optional)"), render_kw={"rows": 4})
