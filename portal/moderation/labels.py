"""Translatable names of screening reasons, lexicon kinds and kinds of masked personal data."""
from portal.core.i18n import _l

REASON_LABELS = {
    "lexicon": _l("Spam vocabulary"), "links": _l("Many links"),
    "repetition": _l("Repetition"), "contact_bait": _l("Contact bait (WeChat/QQ)"),
    "classifier": _l("Classifier"), "honeypot": _l("Hidden field filled (bot)"),
    "too_fast": _l("Sent too fast after opening the form"),
    "no_render_token": _l("Form not loaded from the portal"),
    "bad_render_token": _l("Tampered form"), "duplicate": _l("Duplicate"),
    "near_duplicate": _l("Near duplicate")}
LEXICON_KIND_LABELS = {
    "porn": _l("pornography"), "gambling": _l("gambling and lotteries"),
    "fake_documents": _l("fake certificates and invoices"), "loans": _l("loans"),
    "escort": _l("escort services"), "drugs": _l("drugs and pharmacy"),
    "click_farming": _l("paid click-farming"), "data_selling": _l("selling personal data"),
    "seo": _l("SEO and link selling"), "advert": _l("advertising"),
    "health": _l("diet pills and health products"),
    "investment": _l("investment and wealth solicitation"),
    "streaming": _l("pirated films and streaming")}
MASK_KIND_LABELS = {"phone": _l("Phone number"), "id_card": _l("ID-card number"),
                    "email": _l("E-mail address"), "plate": _l("Vehicle plate")}
