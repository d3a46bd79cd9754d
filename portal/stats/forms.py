"""Forms: a dispatcher's decision on a hotspot."""
from wtforms import SelectField, TextAreaField
from wtforms.validators import DataRequired, Length

from portal.core.forms import Form
from portal.core.i18n import _l
from portal.stats.hotspots import REASON_MAX


class HotspotForm(Form):
    """One per hotspot on a page, told apart by a prefix; the app-wide CSRF protection checks
    the page's `csrf_token` on every post, which a prefixed form's own field would rename."""

    class Meta:
        csrf = False


class DismissForm(HotspotForm):
    """Not one problem: why."""

    reason = TextAreaField(_l("Why is this not one problem?"),
                           validators=[DataRequired(_l("Say why this is not one problem.")),
                                       Length(max=REASON_MAX)])


class LinkForm(HotspotForm):
    """Handle the cluster as one incident, standing for it by one of its cases."""

    lead = SelectField(_l("Case that stands for the incident"), choices=[],
                       validate_choice=False,
                       validators=[DataRequired(_l("Choose the case that stands for the "
                                                   "incident among the members."))])
