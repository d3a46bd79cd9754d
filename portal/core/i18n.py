"""Locale selection and the translation helpers used across the portal.

`_` translates at request time, `_l` lazily for strings defined at import time. The order of
preference: `?lang=`, then the `lang` cookie, then Accept-Language, then Chinese (Simplified).
"""
import flask_babel
from flask import current_app, has_request_context, request
from flask.globals import _cv_app
from flask_babel.speaklater import LazyString
from jinja2 import pass_eval_context
from markupsafe import Markup

from portal.core.text import to_traditional

__all__ = ["DEFAULT_LOCALE", "HTML_LANG", "LOCALES", "LOCALE_LABELS", "_", "_l",
           "active_translations", "current_locale", "get_locale", "install_template_gettext",
           "load_locale_data", "localized", "ngettext", "parse_locale", "pgettext",
           "remember_locale", "select_locale"]

LOCALES = ("zh", "zh_Hant", "en")
DEFAULT_LOCALE = "zh"
LANG_COOKIE = "lang"
# What <html lang> and hreflang say for each locale.
HTML_LANG = {"zh": "zh-Hans", "zh_Hant": "zh-Hant", "en": "en"}
LOCALE_LABELS = {"zh": "简体中文", "zh_Hant": "繁體中文", "en": "English"}
_TRADITIONAL_TAGS = ("zh-hant", "zh-tw", "zh-hk", "zh-mo")


def get_locale():
    """Flask-Babel's `get_locale()` (the active locale, `force_locale` included, None outside an
    application context), read straight from where Flask-Babel keeps it once chosen: a page asks
    a few hundred times, and each of Flask-Babel's own answers looks the context up three times.
    """
    context = _cv_app.get(None)
    chosen = getattr(getattr(context.g, "_flask_babel", None), "babel_locale", None) \
        if context is not None else None
    return chosen if chosen is not None else flask_babel.get_locale()


def active_translations():
    """Flask-Babel's translations for the active locale (`force_locale` included), kept per
    locale and application: a page asks for them dozens of times, and Flask-Babel's own lookup
    walks the request's context four times on each call."""
    locale = get_locale()
    if locale is None:  # no application context: Flask-Babel answers with no translation
        return flask_babel.get_translations()
    kept = current_app.extensions.setdefault("portal_translations", {})
    translations = kept.get(locale)
    if translations is None:
        translations = kept[locale] = flask_babel.get_translations()
    return translations


def _(string: str, **variables) -> str:
    """`string` in the active locale, with `variables` put in (`%(name)s`)."""
    text = active_translations().ugettext(string)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, num, **variables) -> str:
    """The singular or plural form for `num` in the active locale (`%(num)s` is `num`)."""
    variables.setdefault("num", num)
    return active_translations().ungettext(singular, plural, num) % variables


def pgettext(context: str, string: str, **variables) -> str:
    """Like `_`, for a message that has a context (the same words meaning something else)."""
    text = active_translations().upgettext(context, string)
    return text % variables if variables else text


def _l(string: str, **variables) -> LazyString:
    """Like `_`, translated when used (strings defined at import time)."""
    return LazyString(_, string, **variables)


def _in_template(translate, counted: int | None = None):
    """A template's translation function: the translated text is a %-format for the call's
    keyword arguments (Jinja's "newstyle" gettext), marked safe with its arguments escaped when
    the template escapes. `counted`: the position of the count, which `%(num)s` shows unless
    `num` is given. It takes only the evaluation context: Jinja's own functions take the whole
    template context, which Jinja copies for each call inside a loop."""
    @pass_eval_context
    def call(eval_context, *args, **variables):
        if counted is not None:
            variables.setdefault("num", args[counted])
        text = translate(*args)
        return (Markup(text) if eval_context.autoescape else text) % variables
    return call


def install_template_gettext(app) -> None:
    """Templates' `_()`, `gettext()`, `ngettext()`, `pgettext()` and `npgettext()` through
    `active_translations`."""
    env = app.jinja_env
    env.newstyle_gettext = True  # `{% trans %}` blocks compile to calls of the functions below
    gettext = _in_template(lambda string: active_translations().ugettext(string))
    env.globals.update(
        _=gettext, gettext=gettext,
        ngettext=_in_template(lambda singular, plural, n: active_translations().ungettext(
            singular, plural, n), counted=2),
        pgettext=_in_template(lambda context, string: active_translations().upgettext(
            context, string)),
        npgettext=_in_template(lambda context, singular, plural, n: active_translations()
                               .unpgettext(context, singular, plural, n), counted=3))


def load_locale_data() -> None:
    """Load Babel's data (number and date formats, names) for every locale now, rather than on
    a process's first page in each language; the web server's master does it before forking,
    and its workers share the data."""
    from babel import Locale

    for locale in LOCALES:
        Locale.parse(locale)._data  # noqa: B018  (loads the locale and its parents' data)


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
