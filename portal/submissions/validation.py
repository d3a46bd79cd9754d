"""Checks of what a resident typed, shared by every channel; messages in the user's language."""
import re

from email_validator import EmailNotValidError, validate_email

from portal.core.i18n import _
from portal.core.inputs import strict_number
from portal.core.text import clean_block, clean_line, has_content, has_hidden_controls, visible

TITLE_MAX, BODY_MAX, PLACE_MAX = 120, 5000, 200
TITLE_MIN, BODY_MIN = 2, 5
MAX_PHOTOS = 3
PHONE = re.compile(r"^\+?[0-9][0-9 \-]{4,19}$")
MOBILE = re.compile(r"^1[3-9][0-9]{9}$")  # a mainland China mobile number


class SubmissionInvalid(ValueError):
    """Input that cannot become a submission; `errors` maps field names to messages."""

    def __init__(self, errors: dict):
        super().__init__(", ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def check_text(errors, field, value, *, minimum, maximum, multiline=False, required=True):
    cleaned = clean_block(value) if multiline else clean_line(value)
    if not has_content(cleaned):
        cleaned = ""  # zero-width characters only: nothing was written
    if has_hidden_controls(cleaned):
        errors[field] = _("Please remove invisible control characters from this text.")
    elif required and len(visible(cleaned)) < minimum:  # invisible characters do not count
        errors[field] = (_("This field is required.") if not cleaned else
                         _("Please write at least %(n)d characters.", n=minimum))
    elif len(cleaned) > maximum:
        errors[field] = _("Please keep this under %(n)d characters (now %(count)d).",
                          n=maximum, count=len(cleaned))
    return cleaned


def check_contact(errors, contact):
    contact = contact or {}
    name = check_text(errors, "name", contact.get("name") or "", minimum=0, maximum=100,
                       required=False)
    phone = clean_line(contact.get("phone") or "")
    if phone and not PHONE.match(phone):
        errors["phone"] = _("Please enter a phone number using digits only, e.g. 021 5555 1234.")
    email = clean_line(contact.get("email") or "")
    if email:
        try:
            email = validate_email(email, check_deliverability=False).normalized
        except EmailNotValidError:
            errors["email"] = _("Please enter a valid e-mail address.")
    consent = bool(contact.get("consent"))
    if consent and not (name or phone or email):
        errors["consent"] = _("Give a name, phone number or e-mail for us to pass on, "
                              "or untick the box.")
    # "Tell me when this changes" needs somewhere to tell: an e-mail or a mainland mobile.
    notify = bool(contact.get("notify"))
    if notify and not (email or MOBILE.match(re.sub(r"^(\+?86)", "", phone.replace(" ", "")
                                                        .replace("-", "")))):
        errors["notify"] = _("To be told of changes, give an e-mail address or a mainland "
                             "mobile number (11 digits, starting with 1).")
    # "Show my name": anonymous by default; the name is public only when ticked (and given).
    show_name = bool(contact.get("show_name")) and bool(name)
    return {"name": name, "phone": phone, "email": email, "consent": consent, "notify": notify,
            "show_name": show_name}


def check_coordinates(errors, latitude, longitude):
    if latitude is None and longitude is None:
        return None, None
    # ASCII decimals only: float() would also read "3_1" as 31, "٣" as 3 and "nan".
    lat, lon = strict_number(latitude), strict_number(longitude)
    if lat is None or lon is None:
        errors["latitude"] = _("Give both latitude and longitude as numbers, or neither.")
        return None, None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        errors["latitude"] = _("These coordinates are not on the map.")
        return None, None
    return lat, lon
