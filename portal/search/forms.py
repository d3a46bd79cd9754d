"""The search form (GET, no CSRF: it changes nothing). Unknown filter values are ignored;
a date or page number that cannot be searched is an error shown next to its field."""
from wtforms import DateField, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import NumberRange, Optional, ValidationError

from portal.core.forms import Form
from portal.core.i18n import _l
from portal.core.inputs import MAX_PAGE, date_range_message, in_date_range


def searchable_date(_form, field):
    """A date the index's time-zone arithmetic can hold (not 0001-01-01, not 9999-12-31)."""
    if field.data is not None and not in_date_range(field.data):
        raise ValidationError(date_range_message())


class SearchForm(Form):
    class Meta:
        csrf = False

    q = StringField(_l("Search for"), render_kw={"maxlength": 200, "type": "search"})
    kind = StringField()
    category = StringField()
    area = StringField()
    station = StringField()
    status = StringField()
    channel = StringField()
    visibility = StringField()
    date_from = DateField(_l("From"), validators=[Optional(), searchable_date])
    date_to = DateField(_l("To"), validators=[Optional(), searchable_date])
    sort = SelectField(_l("Sort by"), choices=[SelectChoice("relevance", _l("Relevance")),
                                               SelectChoice("newest", _l("Newest first"))],
                       default="relevance", validate_choice=False)
    page = IntegerField(default=1, validators=[Optional(), NumberRange(1, MAX_PAGE)])

    FILTERS = ("kind", "category", "area", "station", "status")
    STAFF_FILTERS = FILTERS + ("channel",)

    def has_bad_bounds(self) -> bool:
        """True when a date or the page number was refused (the page answers 400)."""
        return bool(self.date_from.errors or self.date_to.errors or self.page.errors)

    def service_values(self, staff: bool) -> dict:
        """The form's values as services.search takes them (bad dates or pages dropped)."""
        self.validate()
        names = self.STAFF_FILTERS if staff else self.FILTERS
        return {
            "text": self.q.data or "",
            "filters": {n: (getattr(self, n).data or "").strip()[:60] for n in names},
            "visibility": (self.visibility.data or "") if staff else "",
            "date_from": None if self.date_from.errors else self.date_from.data,
            "date_to": None if self.date_to.errors else self.date_to.data,
            "sort": self.sort.data if self.sort.data in ("relevance", "newest") else "relevance",
            "page": self.page.data if isinstance(self.page.data, int) and not self.page.errors
            else 1,
            "staff": staff,
        }
