"""Numbers in pages are formatted once per (value, locale) per process: the cached text is
Flask-Babel's own in every language."""
import pytest
from flask_babel import format_decimal

from portal.core.templating import format_number

VALUES = [0, 7, 1234, 1234567, 12.5, -3]


@pytest.mark.parametrize("lang", ["zh", "zh_Hant", "en"])
def test_a_formatted_number_is_flask_babels_text(app, lang):
    with app.test_request_context(f"/?lang={lang}"):
        for value in VALUES:
            expected = format_decimal(value)
            assert format_number(value) == expected
            assert format_number(value) == expected  # the cached copy


def test_the_number_filter_is_the_cached_formatter(app):
    assert app.jinja_env.filters["number"] is format_number
