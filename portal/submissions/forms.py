"""The public submission form. Content rules live in the service; the form carries values."""
import time
import uuid

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from wtforms import (
    BooleanField,
    HiddenField,
    MultipleFileField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice

from portal.core.forms import Form
from portal.core.i18n import _l
from portal.stations.forms import area_choices, category_choices
from portal.submissions.validation import BODY_MAX, PLACE_MAX, TITLE_MAX

MIN_FILL_SECONDS = 3  # a person needs longer than this to fill in the form


def _render_signer():
    return URLSafeTimedSerializer(current_app.secret_key, salt="submission-form-rendered")


class SubmissionForm(Form):
    kind = RadioField(_l("What would you like to do?"), choices=[
        SelectChoice("issue", _l("Report a problem")),
        SelectChoice("idea", _l("Make a suggestion"))],
        default="issue", validate_choice=False)
    category = SelectField(_l("Category"), validate_choice=False)
    title = StringField(_l("Title"), description=_l("A short summary, e.g. “Street light out "
                                                      "on Yangshupu Road”."),
                        render_kw={"maxlength": TITLE_MAX})
    body = TextAreaField(_l("Description"), description=_l("What is happening, since when, and "
                                                            "what would help."),
                         render_kw={"maxlength": BODY_MAX, "rows": 6})
    area = SelectField(_l("Area"), validate_choice=False)
    place = StringField(_l("Place (optional)"), description=_l("Street, building or landmark."),
                        render_kw={"maxlength": PLACE_MAX})
    latitude = StringField(_l("Latitude (optional)"), render_kw={"inputmode": "decimal"})
    longitude = StringField(_l("Longitude (optional)"), render_kw={"inputmode": "decimal"})
    photos = MultipleFileField(_l("Photos (optional, up to 3)"),
                               render_kw={"accept": "image/jpeg,image/png,image/webp"})
    name = StringField(_l("Your name (optional)"), render_kw={"autocomplete": "name"})
    show_name = BooleanField(_l("Show my name with my submission when it is published"))
    phone = StringField(_l("Phone (optional)"), render_kw={"autocomplete": "tel",
                                                           "inputmode": "tel"})
    email = StringField(_l("E-mail (optional)"), render_kw={"autocomplete": "email",
                                                            "inputmode": "email"})
    consent = BooleanField(_l("I agree that my contact details are passed to the department "
                              "handling this, so they can contact me."))
    notify = BooleanField(_l("Tell me when this changes (by e-mail, or by text message to a "
                             "mainland mobile number)."))
    idempotency_key = HiddenField()
    # Bot traps: a field people never see (bots fill it) and when the form was rendered.
    website = StringField(_l("Leave this field empty"),
                          render_kw={"autocomplete": "off", "tabindex": "-1"})
    rendered = HiddenField()

    def fill_choices(self) -> None:
        """Category and area choices in the active language."""
        self.category.choices = [SelectChoice("", _l("Choose a category")), *category_choices()]
        self.area.choices = [SelectChoice("", _l("Choose an area")), *area_choices()]
        if not self.idempotency_key.data:
            self.idempotency_key.data = uuid.uuid4().hex
        if not self.rendered.data:
            self.rendered.data = _render_signer().dumps(int(time.time()))

    def screening_context(self) -> dict:
        """Bot-trap signals for the screening: honeypot filled, posted too fast, no token."""
        context = {"honeypot": bool((self.website.data or "").strip())}
        token = self.rendered.data or ""
        if not token:
            context["no_render_token"] = True
            return context
        try:
            rendered_at = _render_signer().loads(token)
        except BadSignature:
            context["bad_render_token"] = True
            return context
        context["too_fast"] = time.time() - float(rendered_at) < MIN_FILL_SECONDS
        return context
    def service_values(self) -> dict:
        """The form's values as create_submission takes them."""
        return {
            "kind": self.kind.data, "category_code": self.category.data or "",
            "area_code": self.area.data or "", "title": self.title.data or "",
            "body": self.body.data or "", "place": self.place.data or "",
            "latitude": (self.latitude.data or "").strip() or None,
            "longitude": (self.longitude.data or "").strip() or None,
            "contact": {"name": self.name.data, "phone": self.phone.data,
                        "email": self.email.data, "consent": self.consent.data,
                        "notify": self.notify.data, "show_name": self.show_name.data},
            "photos": [f.read() for f in (self.photos.data or []) if getattr(f, "filename", "")],
            "idempotency_key": self.idempotency_key.data or None,  # checked, never cut
        }

    def renew_key(self) -> None:
        """A fresh key: the form shown again is a new submission when sent."""
        self.idempotency_key.data = uuid.uuid4().hex

    def show_errors(self, errors: dict) -> None:
        """Attach the service's messages to the fields they concern."""
        for name, message in errors.items():
            field = getattr(self, name, None) or self.title
            field.errors = list(field.errors or []) + [message]
