"""The search form (GET, no CSRF: it changes nothing). Unknown values are ignored, not errors."""
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from portal.i18n import _l


class SearchForm(FlaskForm):
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
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])
    sort = SelectField(_l("Sort by"), choices=[SelectChoice("relevance", _l("Relevance")),
                                               SelectChoice("newest", _l("Newest first"))],
                       default="relevance", validate_choice=False)
    page = IntegerField(default=1, validators=[Optional()])

    FILTERS = ("kind", "category", "area", "station", "status")
    STAFF_FILTERS = FILTERS + ("channel",)

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
