"""Deny by default: every staff URL, anonymously and as each lower role, is refused.

The walk reads `app.url_map`, so staff routes added by any feature are covered without
changes here. Each staff view must declare its roles with `role_required`.
"""
import re

import pytest

from portal.accounts.models import ROLES
from tests.helpers import csrf_token

OPEN_ENDPOINTS = {"accounts.login", "accounts.logout"}


def staff_rules(app):
    rules = [r for r in app.url_map.iter_rules()
             if r.rule.startswith("/staff/") and r.endpoint not in OPEN_ENDPOINTS]
    assert rules, "no staff routes found"
    return rules


def concrete_url(rule):
    """The rule's path with a placeholder for every variable part."""
    def fill(match):
        converter, arguments = match.group(1) or "", match.group(2) or ""
        if converter == "any":  # one of the listed values, the first
            return arguments.split(",")[0].strip(" '\"")
        return "1" if converter.startswith(("int", "float")) else "X1"
    return re.sub(r"<(?:(\w+)(?:\(([^)]*)\))?:)?\w+>", fill, rule.rule)


def methods(rule):
    return sorted(m for m in rule.methods if m not in ("HEAD", "OPTIONS"))


def token_for(browser):
    return csrf_token(browser.get("/staff/login").get_data(as_text=True))


def request(browser, method, url, token):
    if method == "GET":
        return browser.get(url)
    return browser.open(url, method=method, data={"csrf_token": token})


def test_every_staff_view_declares_its_roles(app):
    for rule in staff_rules(app):
        view = app.view_functions[rule.endpoint]
        roles = getattr(view, "required_roles", None)
        assert roles, f"{rule.endpoint} ({rule.rule}) has no role_required"
        assert set(roles) <= set(ROLES), rule.endpoint


def test_anonymous_visitors_are_sent_to_login(app, client):
    token = token_for(client)
    for rule in staff_rules(app):
        for method in methods(rule):
            response = request(client, method, concrete_url(rule), token)
            assert response.status_code == 302, (rule.rule, method, response.status_code)
            assert "/staff/login" in response.headers["Location"], rule.rule


@pytest.mark.parametrize("role", [r for r in ROLES if r != "administrator"])
def test_lower_roles_get_403(app, login, role):
    browser = login(role, browser=app.test_client())
    token = csrf_token(browser.get("/staff/").get_data(as_text=True))
    checked = 0
    for rule in staff_rules(app):
        allowed = app.view_functions[rule.endpoint].required_roles
        if role in allowed:
            continue
        for method in methods(rule):
            response = request(browser, method, concrete_url(rule), token)
            assert response.status_code == 403, (role, rule.rule, method, response.status_code)
            checked += 1
    # Every lower role is kept out of at least the administrator's user management.
    assert checked >= 1


def test_administrator_reaches_every_staff_page(app, login):
    browser = login("administrator", browser=app.test_client())
    for rule in staff_rules(app):
        if "GET" in rule.methods and not rule.arguments:
            response = browser.get(rule.rule)
            assert response.status_code in (200, 302), (rule.rule, response.status_code)
