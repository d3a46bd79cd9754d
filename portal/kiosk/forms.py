"""The administrator's enrolment form."""
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from portal.core.forms import Form
from portal.core.i18n import LOCALE_LABELS, LOCALES, _l
from portal.stations.forms import station_choices


class EnrolForm(Form):
    station = SelectField(_l("Station"), validators=[DataRequired()])
    label = StringField(_l("Label (e.g. “entrance, left screen”)"),
                        validators=[Length(max=80)], render_kw={"maxlength": 80})
    language = SelectField(_l("Default language"), default="zh",
                           choices=[SelectChoice(code, LOCALE_LABELS[code]) for code in LOCALES])
    paper_width = SelectField(_l("Receipt printer"), coerce=int, default=80, choices=[
        SelectChoice(80, _l("80 mm paper")), SelectChoice(58, _l("58 mm paper")),
        SelectChoice(0, _l("No printer"))])

    def fill_choices(self) -> None:
        """Stations in the active language."""
        self.station.choices = station_choices()


class RevokeForm(Form):
    """Only the CSRF token: revoking needs no other input."""
