"""Crafted input never makes a 5xx: a walk over the whole URL map with hostile values.

Every route is requested with every method it accepts, each variable part replaced in turn by
values a database integer or text column cannot hold (huge and negative integers, Unicode
digits, very long strings, NUL, CR LF), and every query parameter the views read is fuzzed on
each page the visitor can reach. The walk is repeated anonymously, as every staff role and as
an enrolled kiosk. Any 5xx fails. The walk reads `app.url_map`, so routes added later are
covered, and a converter type it has no values for fails the test until values are added.
"""
import re

import pytest
from werkzeug.routing import Map

from portal.accounts.models import ROLES
from portal.extensions import db
from tests.helpers import csrf_token
from tests.kiosk.helpers import enrol_link, redeem
from tests.search.helpers import drain

PASSWORD = "river-lamp-4821"
HUGE = "99999999999999999999"
NUMBERS = [HUGE, "9223372036854775808", "2147483648", "-1", "%E2%91%A0", "%D9%A3", "3_1"]
TEXTS = [HUGE, "%E2%91%A0", "x" * 5000, "%00", "%0D%0ASet-Cookie:a=b"]
SEGMENTS = {
    "int": NUMBERS + ["-9223372036854775809", "1" * 400, "%00"],
    "default": TEXTS + ["%E2%80%8B"],
    "string": TEXTS,
    "path": TEXTS + ["a/%00/b", "../../etc/passwd"],
    "any": ["json", "xml", "%E2%91%A0", "%00"],
}
# A value that matches each converter, for the parts not being fuzzed.
PLAIN = {"int": "1", "default": "X1", "string": "X1", "path": "X1", "any": "json"}
DATES = ["0001-01-01", "9999-12-31", "0001-01-01T00:00:00", "9999-12-31T23:59:59-14:00",
         "0000-00-00", "%E2%91%A0"]
# Parameters read together are fuzzed in separate requests, so a refusal of the first cannot
# hide what the second would do.
QUERY = [(("page",), NUMBERS), (("page_size", "per_page"), NUMBERS),
         (("date_from", "start_date"), DATES), (("date_to", "end_date"), DATES),
         (("next",), ["/staff/%0D%0ASet-Cookie:a=b", "//evil.example", "/%00"])]
# Text parameters share one request per value (none is read before another is checked).
TEXT_PARAMS = ["q", "status", "kind", "category", "area", "station", "channel", "visibility",
               "sort", "lang", "locale", "code", "order", "show", "action", "actor", "from",
               "service_request_id", "service_code", "extensions", "api_key", "fmt"]
FORM_FIELDS = ["ids", "submission", "id", "title", "body", "place", "name", "phone", "email",
               "reason", "note", "text", "text_en", "category", "area", "kind", "username",
               "password", "role", "station", "label", "language", "paper_width", "page",
               "latitude", "longitude", "lat", "long", "target_code", "duplicate_code",
               "published", "keep", "action", "back", "draft_key", "consent"]
FORM_VALUES = [HUGE, "①", "\x00", "\u200b\u200b\u200b"]
JSON_VALUES = [2 ** 63, 2 ** 31, 1e308, [1], {"a": 1}]
VARIABLE = re.compile(r"<(?:(\w+)(?:\(([^)]*)\))?:)?\w+>")
IDENTITIES = ["anonymous", "kiosk", *ROLES]
# Signing out or resetting mid-walk would turn the rest of the walk into an anonymous one.
SESSION_ENDING = {"accounts.logout", "kiosk.reset"}


def converter_name(app, rule, argument):
    """The converter's name; the static route is added before the app's own converters."""
    converter = type(rule._converters[argument])
    for converters in (app.url_map.converters, Map.default_converters):
        names = [name for name, cls in converters.items() if cls is converter]
        if names:
            return sorted(names)[-1]
    return None


def urls(app, rule):
    """The rule's path with each variable part fuzzed in turn (the others plain)."""
    arguments = [m.group(0) for m in VARIABLE.finditer(rule.rule)]
    if not arguments:
        return [rule.rule]
    names = [re.search(r"(\w+)>$", a).group(1) for a in arguments]
    kinds = [converter_name(app, rule, n) for n in names]
    missing = [(n, type(rule._converters[n]).__name__) for n, k in zip(names, kinds, strict=True)
               if k not in SEGMENTS]
    assert not missing, f"{rule.rule}: no fuzz values for converter {missing}"
    plain = [PLAIN[k] for k in kinds]
    built = []
    for position, kind in enumerate(kinds):
        for value in SEGMENTS[kind]:
            parts = list(plain)
            parts[position] = value
            built.append(fill(rule.rule, parts))
    return built


def plain_url(app, rule):
    names = [m.group(0) for m in VARIABLE.finditer(rule.rule)]
    parts = []
    for argument in names:
        name = re.search(r"(\w+)>$", argument).group(1)
        kind = converter_name(app, rule, name)
        parts.append(PLAIN[kind])
    return fill(rule.rule, parts)


def fill(rule_text, parts):
    values = iter(parts)
    return VARIABLE.sub(lambda _m: next(values), rule_text)


def sign_in(app, login, identity):
    """A new browser as `identity`: anonymous, an enrolled kiosk, or staff of that role."""
    browser = app.test_client()
    if identity == "kiosk":
        _kiosk_id, path = enrol_link(app)
        assert redeem(browser, path).status_code == 303
    elif identity != "anonymous":
        login(identity, browser=browser)
    return browser


def methods(rule):
    return sorted(m for m in rule.methods if m != "OPTIONS")


def token_of(browser):
    return csrf_token(browser.get("/staff/login").get_data(as_text=True))


def send(browser, method, url, token, value=None):
    """One request; a POST carries the CSRF token and `value` in every field views read."""
    if method in ("GET", "HEAD"):
        return browser.open(url, method=method)
    fields = {name: value for name in FORM_FIELDS} if value is not None else {}
    return browser.open(url, method=method, data={"csrf_token": token, **fields},
                        headers={"X-CSRFToken": token})


# Answers that are a 5xx by design: readiness says "not ready" with 503.
SERVER_SIDE_STATES = {"/readyz"}


def assert_no_server_error(response, identity, method, url):
    if url.split("?")[0] in SERVER_SIDE_STATES:
        return
    assert response.status_code < 500, (identity, method, url[:200], response.status_code,
                                         response.get_data(as_text=True)[:300])


@pytest.fixture
def app_config():
    """A platform secret, so the events endpoint checks signatures (401) instead of answering
    that it is not configured (503, a server-side state)."""
    return {"PORTAL_PLATFORM_SECRET": "walk-secret"}


@pytest.fixture
def published(app, make_submission):
    """A published, indexed submission with id 1, so plain URLs reach real pages and search."""
    with app.app_context():
        make_submission(publish=True)
    drain(app)


@pytest.mark.parametrize("identity", IDENTITIES)
def test_hostile_path_values_never_make_a_server_error(app, login, published, identity):
    browser = sign_in(app, login, identity)
    token = token_of(browser)
    requests = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SESSION_ENDING:
            continue
        for url in urls(app, rule):
            for method in methods(rule):
                response = send(browser, method, url, token, value=HUGE)
                assert_no_server_error(response, identity, method, url)
                requests += 1
    assert requests > 500


@pytest.mark.parametrize("identity", IDENTITIES)
def test_hostile_form_and_json_values_never_make_a_server_error(app, login, published, identity):
    browser = sign_in(app, login, identity)
    token = token_of(browser)
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SESSION_ENDING or rule.methods <= {"GET", "HEAD", "OPTIONS"}:
            continue
        url = plain_url(app, rule)
        for method in sorted(rule.methods - {"GET", "HEAD", "OPTIONS"}):
            for value in FORM_VALUES:
                response = send(browser, method, url, token, value=value)
                assert_no_server_error(response, identity, method, url)
            for value in JSON_VALUES:
                payload = {name: value for name in FORM_FIELDS}
                response = browser.open(url, method=method, json=payload,
                                        headers={"X-CSRFToken": token})
                assert_no_server_error(response, identity, method, url)


@pytest.mark.parametrize("identity", ["anonymous", "kiosk", "administrator"])
def test_hostile_query_parameters_never_make_a_server_error(app, login, published, identity):
    browser = sign_in(app, login, identity)
    checked = 0
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        url = plain_url(app, rule)
        if browser.get(url).status_code in (302, 303, 401, 403, 404):
            continue  # not a page this visitor reaches: its parameters are never read
        queries = [(names, value) for names, values in QUERY for value in values]
        queries += [(TEXT_PARAMS, value) for value in TEXTS]
        for names, value in queries:
            target = url + "?" + "&".join(f"{name}={value}" for name in names)
            assert_no_server_error(browser.get(target), identity, "GET", target)
        checked += 1
    assert checked >= 3


# --- The probe's own requests, one by one, with what the visitor must see. -------------------

def test_an_id_past_64_bits_is_not_found(client):
    response = client.get("/submissions/99999999999999999999?lang=en")
    assert response.status_code == 404
    assert "There is nothing at this address" in response.get_data(as_text=True)


def test_unicode_digits_are_not_an_id(client, make_submission):
    with client.application.app_context():
        make_submission(publish=True)  # id 1: "١" must not reach it
    assert client.get("/submissions/1").status_code == 200
    assert client.get("/submissions/%D9%A1").status_code == 404
    assert client.get("/submissions/%EF%BC%91").status_code == 404  # full-width 1


def test_a_page_number_past_the_last_possible_page_is_a_clear_400(client):
    response = client.get("/submissions?page=99999999999999999999&lang=en")
    assert response.status_code == 400
    assert "page number must be a whole number from 1 to 100000" in response.get_data(
        as_text=True)


def test_json_posted_to_a_web_form_is_refused(client):
    token = csrf_token(client.get("/submit").get_data(as_text=True))
    response = client.post("/submit", json={"title": 10 ** 20, "body": {"a": 1}},
                           headers={"X-CSRFToken": token})
    assert response.status_code == 415
    assert response.get_json()["error"]["code"] == "415"  # it asked in JSON: it hears JSON


def test_an_over_long_url_is_414(client):
    assert client.get("/search?q=" + "x" * 5000).status_code == 414


def test_login_next_with_cr_lf_cannot_set_a_header(app, client):
    from portal.accounts.services import create_user
    with app.app_context():
        create_user("mod", "moderator", PASSWORD)
        db.session.commit()
    target = "/staff/login?next=/staff/%0D%0ASet-Cookie:%20admin=1"
    page = client.get(target)
    response = client.post(target, data={"csrf_token": csrf_token(page.get_data(as_text=True)),
                                         "username": "mod", "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/staff/"
    assert "admin=1" not in " ".join(response.headers.get_all("Set-Cookie"))
