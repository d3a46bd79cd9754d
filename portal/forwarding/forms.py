"""Dispatcher and administrator forms. Rules live in the services; forms carry values."""
from wtforms import SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from portal.core.forms import Form
from portal.core.i18n import _l
from portal.forwarding.labels import DISPATCH_STATUS_LABELS
from portal.stations.labels import TEAM_LABELS


class ActionForm(Form):
    """A button that only needs its CSRF token (claim, retry)."""


class TeamForm(Form):
    team = SelectField(_l("Responsible team"), choices=[
        SelectChoice(code, label) for code, label in TEAM_LABELS.items()])


class StatusForm(Form):
    status = SelectField(_l("New status"), choices=[
        SelectChoice(code, label) for code, label in DISPATCH_STATUS_LABELS.items()])
    note = TextAreaField(_l("Internal note (staff only)"), validators=[Optional(),
                                                                        Length(max=2000)],
                         render_kw={"rows": 2, "maxlength": 2000})


class ReplyForm(Form):
    text = TextAreaField(_l("Official reply in Chinese"), validators=[
        DataRequired(message=_l("Write the reply in Chinese.")), Length(max=5000)],
        description=_l("The resident sees this on the tracking page."),
        render_kw={"rows": 4, "maxlength": 5000})
    text_en = TextAreaField(_l("Official reply in English (optional)"),
                            validators=[Optional(), Length(max=5000)],
                            render_kw={"rows": 3, "maxlength": 5000})
