"""Locale selection and the translation helpers used across the portal.

`_` translates at request time, `_l` lazily for strings defined at import time. The order of
preference: `?lang=`, then the `lang` cookie, then Accept-Language, then Chinese (Simplified).
"""
from flask import has_request_context, request
from flask_babel import get_locale, ngettext, pgettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.core.text import to_traditional

__all__ = ["DEFAULT_LOCALE", "HTML_LANG", "LOCALES", "LOCALE_LABELS", "_", "_l", "current_locale",
           "get_locale", "localized", "ngettext", "parse_locale", "pgettext", "remember_locale",
           "select_locale"]

LOCALES = ("zh", "zh_Hant", "en")
DEFAULT_LOCALE = "zh"
LANG_COOKIE = "lang"
# What <html lang> and hreflang say for each locale.
HTML_LANG = {"zh": "zh-Hans", "zh_Hant": "zh-Hant", "en": "en"}
LOCALE_LABELS = {"zh": "简体中文", "zh_Hant": "繁體中文", "en": "English"}
_TRADITIONAL_TAGS = ("zh-hant", "zh-tw", "zh-hk", "zh-mo")


def parse_locale(value):
    """Map a user-supplied language tag to one of LOCALES, or None."""
    if not value:
        return None
    tag = value.strip().replace("_", "-").lower()
    if tag in ("zh-hant", "zh-tw", "zh-hk", "zh-mo") or tag.startswith(_TRADITIONAL_TAGS):
        return "zh_Hant"
    if tag == "zh" or tag.startswith("zh-"):
        return "zh"
    if tag == "en" or tag.startswith("en-"):
        return "en"
    return None


def select_locale():
    """Flask-Babel locale selector (commands and workers, outside requests, use the default)."""
    if not has_request_context():
        return DEFAULT_LOCALE
    for candidate in (request.args.get("lang"), request.cookies.get(LANG_COOKIE)):
        locale = parse_locale(candidate)
        if locale:
            return locale
    for tag, _quality in request.accept_languages:
        locale = parse_locale(tag)
        if locale:
            return locale
    return DEFAULT_LOCALE


def current_locale() -> str:
    """The active locale as one of LOCALES."""
    locale = get_locale()
    if locale is None:
        return DEFAULT_LOCALE
    return "zh_Hant" if locale.language == "zh" and locale.script == "Hant" else locale.language


def localized(obj, field: str, locale=None) -> str:
    """Pick `<field>_en` or `<field>_zh` of a reference-data row; Traditional is derived."""
    locale = locale or current_locale()
    if locale == "en":
        return getattr(obj, f"{field}_en") or getattr(obj, f"{field}_zh")
    value = getattr(obj, f"{field}_zh")
    return to_traditional(value) if locale == "zh_Hant" else value


def remember_locale(response):
    """Store an explicit `?lang=` choice in a cookie so later pages keep it (not for machines)."""
    if request.path.startswith(("/api/", "/open311/")):
        return response
    locale = parse_locale(request.args.get("lang"))
    if locale and request.cookies.get(LANG_COOKIE) != locale:
        response.set_cookie(LANG_COOKIE, locale, max_age=365 * 24 * 3600, samesite="Lax",
                            httponly=True, secure=request.is_secure)
    return response
