"""Forms for stations (and other venues), categories and areas; choices are set by the views."""
from wtforms import BooleanField, SelectField, StringField

from portal.core.forms import Form
from portal.core.i18n import _l


class ReferenceForm(Form):
    """What the three forms share: a code for a new row, names, display order, in use."""

    code = StringField(_l("Code (letters, digits and hyphens; cannot be changed later)"))
    name_zh = StringField(_l("Name in Chinese"))
    name_en = StringField(_l("Name in English"))
    sort_order = StringField(_l("Position in lists"), default="0")
    active = BooleanField(_l("In use (untick to retire it; it is kept for the submissions "
                             "that name it)"), default=True)

    def service_values(self) -> dict:
        """Plain values for the reference services."""
        return {name: field.data for name, field in self._fields.items()
                if name not in ("csrf_token",)} | {"slug": self.code.data}


class StationForm(ReferenceForm):
    """A station or another venue linked to the platform."""

    kind = SelectField(_l("Kind"), choices=[], validate_choice=False)
    area = SelectField(_l("Area"), choices=[], validate_choice=False)
    address_zh = StringField(_l("Address in Chinese"))
    address_en = StringField(_l("Address in English"))
    hours_zh = StringField(_l("Opening hours in Chinese"))
    hours_en = StringField(_l("Opening hours in English"))


class CategoryForm(ReferenceForm):
    """A category: its parent, the team it goes to and whether it is urgent."""

    parent = SelectField(_l("Parent category"), choices=[], validate_choice=False)
    team = SelectField(_l("Team"), choices=[], validate_choice=False)
    urgent = BooleanField(_l("Urgent (public safety): shorter deadlines"))


class AreaForm(ReferenceForm):
    """A subdistrict or grid."""

    kind = SelectField(_l("Kind"), choices=[], validate_choice=False)
