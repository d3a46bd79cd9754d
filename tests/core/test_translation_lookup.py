"""Translations are looked up once per locale and application: `_`, `ngettext`, `_l` and the
templates' `_()` give Flask-Babel's own text in every language, `force_locale` included."""
import flask_babel
import pytest
from flask import render_template_string
from flask_babel import force_locale

from portal.core.i18n import _, _l, active_translations, ngettext

MESSAGES = ["Search", "Report a problem", "Track", "Choose a category from the list."]


@pytest.mark.parametrize("lang", ["zh", "zh_Hant", "en"])
def test_each_message_is_flask_babels_text(app, lang):
    with app.test_request_context(f"/?lang={lang}"):
        for message in MESSAGES:
            assert _(message) == flask_babel.gettext(message)
            assert str(_l(message)) == flask_babel.gettext(message)
            assert render_template_string("{{ _(m) }}", m=message) == flask_babel.gettext(message)
        for count in (1, 3):
            assert ngettext("%(num)s result.", "%(num)s results.", count) == \
                flask_babel.ngettext("%(num)s result.", "%(num)s results.", count)
        assert active_translations() is flask_babel.get_translations()


def test_a_forced_locale_is_honoured_and_restored(app):
    with app.test_request_context("/?lang=en"):
        assert _("Search") == "Search"
        with force_locale("zh"):
            assert _("Search") == flask_babel.gettext("Search") != "Search"
            assert render_template_string("{{ _('Search') }}") == _("Search")
        assert _("Search") == "Search"


def test_variables_are_put_in_after_translating(app):
    with app.test_request_context("/?lang=zh"):
        assert _("Page %(page)s of %(pages)s", page=2, pages=5) == flask_babel.gettext(
            "Page %(page)s of %(pages)s", page=2, pages=5)
        assert "2" in _("Page %(page)s of %(pages)s", page=2, pages=5)


@pytest.mark.parametrize("lang", ["zh", "zh_Hant", "en"])
def test_the_active_locale_is_flask_babels_before_during_and_after_forcing(app, lang):
    from portal.core.i18n import get_locale

    with app.test_request_context(f"/?lang={lang}"):
        assert get_locale() == flask_babel.get_locale()  # chosen on the first ask
        assert get_locale() == flask_babel.get_locale()  # then read where Flask-Babel keeps it
        other = "en" if lang != "en" else "zh_Hant"
        with force_locale(other):
            assert get_locale() == flask_babel.get_locale()
            assert str(get_locale()).replace("_Hant", "") == other.replace("_Hant", "")
        assert get_locale() == flask_babel.get_locale()
        flask_babel.refresh()
        assert get_locale() == flask_babel.get_locale()


def test_the_active_locale_outside_a_request(app):
    from portal.core.i18n import get_locale

    assert get_locale() is None  # no application context: nothing is active
    with app.app_context():
        assert get_locale() == flask_babel.get_locale()
        with force_locale("en"):
            assert str(get_locale()) == "en"


TEMPLATE_CALLS = """{% for word in words %}[{{ _("Search") }}|{{
gettext("Page %(page)s of %(pages)s", page=word, pages=2) }}|{{
_("Please confirm: alerts for %(filter)s on the residents' portal", filter=word) }}|{{
ngettext("%(num)s result.", "%(num)s results.", loop.index) }}|{{
ngettext("%(num)s result.", "%(num)s results.", 1234, num=1234 | number) }}|{{
pgettext("receipt countdown", "seconds.") }}]{% endfor %}{% trans n=3 %}{{ n }} item{% pluralize
%}{{ n }} items{% endtrans %}"""


@pytest.mark.parametrize("lang", ["zh", "zh_Hant", "en"])
@pytest.mark.parametrize("autoescape", [True, False])
def test_templates_translate_as_jinjas_own_functions_do(app, lang, autoescape):
    """The templates' translation functions (which take only the evaluation context) give
    what Jinja's newstyle ones give, inside and outside loops, with variables escaped exactly
    when the template escapes (an HTML page, a plain-text e-mail)."""
    from jinja2 import Environment

    own = Environment(extensions=["jinja2.ext.i18n"], autoescape=autoescape)
    own.filters.update(app.jinja_env.filters)
    own.install_gettext_callables(
        gettext=lambda s: active_translations().ugettext(s),
        ngettext=lambda s, p, n: active_translations().ungettext(s, p, n),
        pgettext=lambda c, s: active_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: active_translations().unpgettext(c, s, p, n),
        newstyle=True)
    ours = app.jinja_env.overlay(autoescape=autoescape)
    words = ["<b>1</b>", "A&B", "3"]
    with app.test_request_context(f"/?lang={lang}"):
        expected = own.from_string(TEMPLATE_CALLS).render(words=words)
        assert ours.from_string(TEMPLATE_CALLS).render(words=words) == expected
    assert ("&lt;b&gt;" in expected) is autoescape  # a variable: escaped in HTML
    if lang == "en":
        assert "residents' portal" in expected  # the translation itself: never escaped
    assert "1,234" in expected
