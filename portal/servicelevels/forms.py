"""Forms: the resident's follow-up answer and an administrator's deadline rule."""
from wtforms import (
    DecimalField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from portal.core.forms import Form
from portal.core.i18n import _l
from portal.servicelevels.followup import COMMENT_MAX
from portal.servicelevels.labels import FIXED_LABELS, SATISFACTION_LABELS


class FollowUpForm(Form):
    """Was it fixed, how satisfied, an optional comment."""

    fixed = RadioField(_l("Was the problem fixed?"),
                       choices=[SelectChoice(value, label)
                                for value, label in FIXED_LABELS.items()],
                       validators=[DataRequired(_l("Say whether it was fixed."))])
    satisfaction = RadioField(_l("How satisfied are you with how it was handled?"),
                              choices=[SelectChoice(value, label)
                                       for value, label in SATISFACTION_LABELS.items()],
                              validators=[DataRequired(_l("Say how satisfied you are."))])
    comment = TextAreaField(_l("Comment (optional)"),
                            validators=[Optional(), Length(max=COMMENT_MAX)])

    def service_values(self) -> dict:
        """Plain values for `answer_follow_up`."""
        return {"fixed": {"yes": True, "no": False}.get(self.fixed.data),
                "satisfaction": self.satisfaction.data, "comment": self.comment.data or ""}


class RuleForm(Form):
    """A deadline override for a category, or for every category of one urgency."""

    kind = SelectField(_l("Kind"), choices=[])
    category = SelectField(_l("Category"), choices=[], validate_choice=False)
    urgency = SelectField(_l("Urgency (when no category is chosen)"), choices=[])
    acknowledge_hours = DecimalField(_l("Acknowledge within (working hours)"),
                                     validators=[DataRequired(), NumberRange(min=0.1, max=400)])
    resolve_days = DecimalField(_l("Resolve within (working days)"),
                                validators=[DataRequired(), NumberRange(min=0.1, max=365)])


class ReturnForm(Form):
    """A dispatcher returns a wrongly routed case: why, and (optionally) to which team."""

    code = StringField(_l("Tracking code"), validators=[DataRequired(_l("Give the tracking code.")),
                                                        Length(max=20)])
    reason = TextAreaField(_l("Reason for the return"),
                           validators=[DataRequired(_l("Give the reason for the return.")),
                                       Length(max=500)])
    team = SelectField(_l("Send it to"), choices=[], validate_choice=False)


class ArbitrationForm(Form):
    """An administrator chooses the team of a case returned too often."""

    team = SelectField(_l("Team"), choices=[], validate_choice=False)


class TemplateForm(Form):
    """A reply template: where it applies and its text in both languages."""

    name = StringField(_l("Name"), validators=[DataRequired(_l("Give the template a name.")),
                                               Length(max=80)])
    category = SelectField(_l("Category"), choices=[], validate_choice=False)
    status = SelectField(_l("Status"), choices=[], validate_choice=False)
    text_zh = TextAreaField(_l("Reply (Chinese)"), validators=[Length(max=5000)],
                            render_kw={"rows": 4})
    text_en = TextAreaField(_l("Reply (English)"), validators=[Length(max=5000)],
                            render_kw={"rows": 4})


class ExtensionForm(Form):
    """A handler asks for more working days to resolve a case, with the reason."""

    code = StringField(_l("Tracking code"), validators=[DataRequired(_l("Give the tracking code.")),
                                                        Length(max=20)])
    days = IntegerField(_l("Extra working days"),
                        validators=[InputRequired(_l("Give the number of working days."))])
    reason = TextAreaField(_l("Reason for the extension"),
                           validators=[DataRequired(_l("Give the reason for the extension.")),
                                       Length(max=500)])


class ExtensionDecisionForm(Form):
    """A moderator or administrator approves or refuses a request, with an optional note."""

    decision = RadioField(_l("Decision"), choices=[SelectChoice("approve", _l("Approve")),
                                                   SelectChoice("refuse", _l("Refuse"))],
                          validators=[DataRequired(_l("Choose approve or refuse."))])
    note = TextAreaField(_l("Note (optional)"), validators=[Optional(), Length(max=500)])
