"""WTForms' own messages come from a catalog loaded once per language, and say what a catalog
loaded afresh for the request says, in every language."""
import pytest
from babel import support
from wtforms import IntegerField
from wtforms.i18n import messages_path

from portal.core.forms import Form, wtforms_translations


class NumberForm(Form):
    number = IntegerField()


@pytest.mark.parametrize("lang", ["zh", "zh_Hant", "en"])
def test_a_builtin_message_is_the_freshly_loaded_catalogs(app, lang):
    with app.test_request_context(f"/?lang={lang}", method="POST", data={"number": "x"}):
        from flask_babel import get_locale

        form = NumberForm(meta={"csrf": False})
        assert not form.validate()
        fresh = support.Translations.load(messages_path(), [get_locale()], domain="wtforms")
        [message] = form.errors["number"]
        assert message == fresh.gettext("Not a valid integer value.")
        if lang != "en":
            assert message != "Not a valid integer value."  # translated, not the English
        assert form.meta.get_translations(form) is wtforms_translations(str(get_locale()))
