"""Language selection, complete catalogs, and every public page in every locale."""
import re
import subprocess
import sys

import pytest
from babel.messages.pofile import read_po

from portal.config import ROOT_DIR

LOCALES = ("zh", "zh_Hant", "en")
HTML_LANG = {"zh": "zh-Hans", "zh_Hant": "zh-Hant", "en": "en"}


def html_lang(response):
    return re.search(r'<html lang="([^"]+)"', response.get_data(as_text=True)).group(1)


def test_chinese_is_the_default(client):
    assert html_lang(client.get("/")) == "zh-Hans"


def test_lang_parameter_is_remembered_in_a_cookie(client):
    response = client.get("/?lang=en")
    assert html_lang(response) == "en"
    cookie = response.headers["Set-Cookie"]
    assert "lang=en" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert html_lang(client.get("/stations")) == "en"
    assert html_lang(client.get("/stations?lang=zh_Hant")) == "zh-Hant"
    assert html_lang(client.get("/submit")) == "zh-Hant"


@pytest.mark.parametrize("header,expected", [
    ("en-GB,en;q=0.9", "en"), ("zh-TW,zh;q=0.8", "zh-Hant"), ("zh-HK", "zh-Hant"),
    ("zh-CN,en;q=0.5", "zh-Hans"), ("fr-FR,en;q=0.7", "en"), ("fr-FR,de;q=0.5", "zh-Hans")])
def test_accept_language_is_used_without_a_cookie(client, header, expected):
    assert html_lang(client.get("/", headers={"Accept-Language": header})) == expected


def test_cookie_beats_accept_language(client):
    client.get("/?lang=zh")
    assert html_lang(client.get("/", headers={"Accept-Language": "en"})) == "zh-Hans"


def test_unknown_lang_value_is_ignored(client):
    response = client.get("/?lang=<script>")
    assert response.status_code == 200 and html_lang(response) == "zh-Hans"
    assert "lang=" not in response.headers.get("Set-Cookie", "")


def _catalog(path):
    with open(path, "rb") as fh:
        return read_po(fh)


def test_every_string_in_the_source_is_in_the_template_and_translated(tmp_path):
    """Fails when a marked string was never extracted, or when any entry is empty or fuzzy."""
    fresh = tmp_path / "fresh.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F",
                    str(ROOT_DIR / "babel.cfg"), "-k", "_l", "-k", "pgettext:1c,2",
                    "--no-location", "-o", str(fresh), str(ROOT_DIR)],
                   check=True, capture_output=True, cwd=ROOT_DIR)
    source_ids = {m.id for m in _catalog(fresh) if m.id}
    for locale in ("zh", "zh_Hant"):
        catalog = _catalog(ROOT_DIR / "translations" / locale / "LC_MESSAGES" / "messages.po")
        translated = {}
        for message in catalog:
            if not message.id:
                continue
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            assert "fuzzy" not in message.flags, f"{locale}: fuzzy entry {message.id!r}"
            assert all(strings), f"{locale}: untranslated {message.id!r}"
            translated[message.id] = strings
        missing = source_ids - set(translated)
        assert not missing, f"{locale}: not in the catalog (run make extract-messages): {missing}"


def test_traditional_catalog_is_converted_from_simplified():
    catalog = {m.id: m.string for m in _catalog(
        ROOT_DIR / "translations" / "zh_Hant" / "LC_MESSAGES" / "messages.po") if m.id}
    assert catalog["Report a problem"] == "反映問題"
    assert catalog["Service stations"] == "服務驛站"


PUBLIC_PAGES = ["/", "/submit", "/submit?kind=idea", "/track", "/submissions", "/stations",
                "/search", "/search?q=lamp",
                "/track?code=AAAAA-AAAAA", "/no-such-page"]


@pytest.fixture
def published(app, make_submission):
    with app.app_context():
        # Resident text in English, so any Chinese on an English page is interface text.
        submission = make_submission(title="Lamp out at gate 3", body="Dark for a week now.",
                                     publish=True)
        return submission.id, submission.code


def _english_ui_strings():
    """Catalog source strings of at least three words: none may show on a Chinese page."""
    catalog = _catalog(ROOT_DIR / "translations" / "zh" / "LC_MESSAGES" / "messages.po")
    for message in catalog:
        if isinstance(message.id, str) and len(message.id.split()) >= 3 and "%(" not in message.id:
            yield message.id


@pytest.mark.parametrize("locale", LOCALES)
def test_every_public_page_renders_in_every_locale(client, published, locale):
    submission_id, code = published
    pages = PUBLIC_PAGES + [f"/submissions/{submission_id}", f"/track/{code}", f"/thanks/{code}"]
    english = list(_english_ui_strings())
    for url in pages:
        response = client.get(url + ("&" if "?" in url else "?") + f"lang={locale}")
        assert response.status_code in (200, 404), url
        html = response.get_data(as_text=True)
        assert html_lang(response) == HTML_LANG[locale], url
        if locale != "en":
            leaked = [s for s in english if s in html]
            assert not leaked, f"{url} in {locale} shows English: {leaked}"
        else:
            without_switch = re.sub(r'<a [^>]*hreflang="zh[^>]*>[^<]*</a>', "", html)
            # The search help deliberately shows Chinese example queries to English readers.
            without_switch = without_switch.replace("路灯", "").replace("滨江", "")
            assert not re.search(r"[\u4e00-\u9fff]", without_switch), \
                f"{url} in English shows Chinese interface text"


def test_dates_and_numbers_follow_the_locale(client, app, make_submission):
    with app.app_context():
        code = make_submission().code
    english = client.get(f"/track/{code}?lang=en").get_data(as_text=True)
    chinese = client.get(f"/track/{code}?lang=zh").get_data(as_text=True)
    assert re.search(r"[A-Z][a-z]{2} \d{1,2}, \d{4}", english)
    assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日", chinese)
