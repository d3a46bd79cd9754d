"""The portal's form base: Flask-WTF's form, with WTForms' own messages loaded once per
language per process instead of once per request (Flask-WTF reads the catalog from disk for
every request that builds a form)."""
from functools import cache

from babel import support
from flask import current_app
from flask_wtf import FlaskForm
from wtforms.i18n import messages_path

from portal.core.i18n import get_locale


@cache
def wtforms_translations(locale: str):
    """WTForms' catalog for a locale identifier (the catalogs ship with WTForms, never change)."""
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class Form(FlaskForm):
    """Every portal form: validation messages of WTForms' own in the request's language."""

    class Meta(FlaskForm.Meta):
        def get_translations(self, form):
            """The catalog for the request's locale, as Flask-WTF would load it."""
            if not current_app.config.get("WTF_I18N_ENABLED", True):
                return super().get_translations(form)
            return wtforms_translations(str(get_locale()))
