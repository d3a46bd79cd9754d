"""Dates in pages are formatted once per (moment, format, locale, zone) per process: the cached
text is Flask-Babel's own, in every language, and a language change is a different text."""
from datetime import UTC, datetime, timedelta, timezone

import pytest
from flask_babel import format_datetime

from portal.core.templating import format_moment

MOMENTS = [datetime(2026, 3, 1, 23, 30, tzinfo=UTC), datetime(2026, 3, 1, 23, 30),
           datetime(2026, 3, 2, 7, 30, tzinfo=timezone(timedelta(hours=8))),
           "2026-11-30T16:05:00+00:00"]


@pytest.mark.parametrize("lang", ["zh", "zh_Hant", "en"])
@pytest.mark.parametrize("fmt", ["medium", "short", "yyyy-MM-dd HH:mm"])
def test_a_formatted_moment_is_flask_babels_text(app, lang, fmt):
    with app.test_request_context(f"/?lang={lang}"):
        for moment in MOMENTS:
            value = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
            expected = format_datetime(value, fmt)
            assert format_moment(moment, fmt) == expected
            assert format_moment(moment, fmt) == expected  # the cached copy


def test_the_same_moment_reads_in_each_language(app):
    moment = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)
    texts = {}
    for lang in ("zh", "en"):
        with app.test_request_context(f"/?lang={lang}"):
            texts[lang] = format_moment(moment)
    assert texts["zh"] != texts["en"] and "2026" in texts["zh"] and "Mar" in texts["en"]
    assert "Mar 2, 2026, 7:30" in texts["en"]  # 23:30 UTC is 07:30 next morning in Shanghai


def test_nothing_is_an_empty_text(app):
    with app.test_request_context("/?lang=en"):
        assert format_moment(None) == "" and format_moment("") == ""
