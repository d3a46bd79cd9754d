"""Ideas forms. The services check the values; forms carry them and the CSRF token."""
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from portal.core.forms import Form
from portal.core.i18n import _l
from portal.participation.labels import (
    OUTCOME_LABELS,
    PROGRESS_LABELS,
    REPORT_REASON_LABELS,
    SORT_LABELS,
)
from portal.stations.forms import area_choices, category_choices, station_choices


class IdeaFilterForm(Form):
    """The list's sort order and filters (a GET form: no CSRF token, so pages stay shareable)."""

    class Meta:
        csrf = False

    sort = SelectField(_l("Sort by"),
                       choices=[SelectChoice(k, v) for k, v in SORT_LABELS.items()],
                       default="supported",
                       validate_choice=False)
    area = SelectField(_l("Area"), validate_choice=False)
    category = SelectField(_l("Category"), validate_choice=False)
    station = SelectField(_l("Station"), validate_choice=False)
    outcome = SelectField(_l("Outcome"), validate_choice=False)

    def fill_choices(self):
        """Choices from reference data, in the visitor's language."""
        every = SelectChoice("", _l("All"))
        self.area.choices = [every, *area_choices()]
        self.category.choices = [every, *category_choices()]
        self.station.choices = [every, *station_choices()]
        self.outcome.choices = [every, SelectChoice("answered", _l("Answered")),
                                SelectChoice("unanswered", _l("Not answered yet"))] + [
            SelectChoice(code, label) for code, label in OUTCOME_LABELS.items()]

    def values(self) -> dict:
        """The filter as plain values (unknown values are ignored by the service)."""
        sort = self.sort.data if self.sort.data in SORT_LABELS else "supported"
        return {"sort": sort, "area": self.area.data or "", "category": self.category.data or "",
                "station": self.station.data or "", "outcome": self.outcome.data or ""}


class CommentForm(Form):
    body = TextAreaField(_l("Your comment"), render_kw={"rows": 4, "maxlength": 2000},
                         description=_l("At most 2,000 characters. Do not write phone numbers "
                                        "or other personal details: comments are public."))
    display_name = StringField(_l("Your name (optional)"), render_kw={"maxlength": 40},
                               description=_l("Comments are anonymous unless you tick "
                                              "“Show my name”."))
    show_name = BooleanField(_l("Show my name with the comment"))
    parent_id = HiddenField()


class AnswerForm(Form):
    outcome = RadioField(_l("Outcome"),
                         choices=[SelectChoice(k, v) for k, v in OUTCOME_LABELS.items()],
                         validate_choice=False)
    reason = TextAreaField(_l("Reason (Chinese)"), render_kw={"rows": 4})
    reason_en = TextAreaField(_l("Reason (English, optional)"), render_kw={"rows": 4})


class HideForm(Form):
    reason = StringField(_l("Reason shown instead of the text"))


class StaffCommentForm(Form):
    body = TextAreaField(_l("Official comment"), render_kw={"rows": 3})


class SettingForm(Form):
    threshold = IntegerField(_l("Supports before an answer is due"), validators=[Optional()])
    premoderation = BooleanField(_l("Comments wait for a moderator even when clean"))


class ProgressForm(Form):
    stage = SelectField(_l("Stage"),
                        choices=[SelectChoice(k, v) for k, v in PROGRESS_LABELS.items()],
                        validate_choice=False)
    percent = IntegerField(_l("Done (%)"), validators=[Optional()])
    note = TextAreaField(_l("Progress (Chinese)"), render_kw={"rows": 3})
    note_en = TextAreaField(_l("Progress (English, optional)"), render_kw={"rows": 3})


class ReportForm(Form):
    reason = RadioField(_l("What is wrong?"),
                        choices=[SelectChoice(k, v) for k, v in REPORT_REASON_LABELS.items()],
                        validate_choice=False)
    note = TextAreaField(_l("Anything to add (optional)"), render_kw={"rows": 3, "maxlength": 500},
                         description=_l("At most 500 characters. A moderator reads it."))


class ReportDecisionForm(Form):
    decision = HiddenField()
    reason = StringField(_l("Reason shown instead of the text"))


class NoticeForm(Form):
    text_zh = TextAreaField(_l("Notice (Chinese)"), render_kw={"rows": 2, "maxlength": 1000})
    text_en = TextAreaField(_l("Notice (English, optional)"), render_kw={"rows": 2,
                                                                        "maxlength": 1000})
    emergency_only = BooleanField(_l("Emergency only: show the notice instead of the form"))
