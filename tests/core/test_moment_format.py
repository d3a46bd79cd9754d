"""Dates in pages are Flask-Babel's own text, in every language and zone, whether they come
from the per-process caches (a named format's date and time of day kept apart) or not; a
language change is a different text."""
import random
from datetime import UTC, datetime, timedelta, timezone

import pytest
from flask_babel import format_datetime, get_timezone

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


@pytest.mark.parametrize("app_config", [{"BABEL_DEFAULT_TIMEZONE": zone} for zone in (
    "Asia/Shanghai", "America/New_York", "Asia/Kolkata")])
def test_many_moments_read_as_flask_babel_writes_them(app, app_config):
    """Seconds, noon and midnight, AM and PM, day and year ends, summer time, zones without
    offsets given: each named format (and a pattern of its own) in each language."""
    rng = random.Random(app_config["BABEL_DEFAULT_TIMEZONE"])
    start = datetime(2025, 12, 31, 15, 59, 59, tzinfo=UTC)
    moments = [start + timedelta(seconds=rng.randrange(0, 400 * 86400),
                                 microseconds=rng.randrange(0, 10**6)) for _ in range(150)]
    moments += [start, start.replace(tzinfo=None), datetime(2026, 3, 8, 6, 59, 30, tzinfo=UTC),
                datetime(2026, 3, 8, 7, 0, 0, tzinfo=UTC), datetime(2026, 11, 1, 5, 30, tzinfo=UTC)]
    for lang in ("zh", "zh_Hant", "en"):
        with app.test_request_context(f"/?lang={lang}"):
            assert str(get_timezone()) == app_config["BABEL_DEFAULT_TIMEZONE"]
            for fmt in ("short", "medium", "long", "full", "yyyy-MM-dd HH:mm:ss zzz"):
                for moment in moments:
                    assert format_moment(moment, fmt) == format_datetime(moment, fmt), (
                        lang, fmt, moment)
                    assert format_moment(moment.isoformat(), fmt) == format_datetime(moment, fmt)


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
