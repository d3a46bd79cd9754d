"""Sign-in throttling: guessing is slowed per account and context, the owner is not locked out."""
from datetime import UTC, datetime, timedelta

import pytest

from portal.accounts.signin import ACCOUNT_CEILING, ADDRESS_LIMIT, FREE_FAILURES
from tests.helpers import STAFF_PASSWORD, submit_form


class Clock:
    """The sign-in throttle's clock, moved by hand."""

    def __init__(self):
        self.now = datetime.now(UTC)

    def advance(self, **delta):
        self.now += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr("portal.accounts.signin.utcnow", lambda: clock.now)
    return clock


def attempt(browser, username, password=STAFF_PASSWORD, ip="10.0.0.1", lang="en"):
    browser.environ_base["REMOTE_ADDR"] = ip
    return submit_form(browser, "/staff/login", {"username": username, "password": password},
                       lang=lang)


def fail(app, username, times, ip):
    for _ in range(times):
        assert attempt(app.test_client(), username, "wrong-password", ip=ip).status_code == 401


def test_attackers_failures_elsewhere_do_not_lock_the_owner_out(app, staff_user, clock):
    staff_user("alice", "moderator")
    owner = app.test_client()
    assert attempt(owner, "alice", ip="10.0.0.2").status_code == 302  # known from before
    fail(app, "alice", FREE_FAILURES + 1, ip="10.6.6.6")
    # The attacker's address is slowed down, even with the right password...
    response = attempt(app.test_client(), "alice", ip="10.6.6.6")
    assert response.status_code == 429 and int(response.headers["Retry-After"]) > 0
    # ...while the owner signs in from the known browser, even behind the attacker's address,
    assert attempt(owner, "alice", ip="10.0.0.2").status_code == 302
    assert attempt(owner, "alice", ip="10.6.6.6").status_code == 302
    # and from a new browser at another address.
    assert attempt(app.test_client(), "alice", ip="10.0.0.3").status_code == 302


@pytest.mark.parametrize("lang,message", [
    ("en", "Too many sign-in attempts. Please try again in %d seconds."),
    ("zh", "登录尝试次数过多，请在 %d 秒后再试。")])
def test_the_delay_of_one_context_doubles_with_each_failure(app, staff_user, clock, lang,
                                                            message):
    staff_user("bob", "viewer")
    fail(app, "bob", FREE_FAILURES, ip="10.0.0.9")  # free: no wait at all
    expected = 2 ** (FREE_FAILURES + 1)
    for _ in range(3):
        assert attempt(app.test_client(), "bob", "wrong-password", ip="10.0.0.9").status_code == 401
        response = attempt(app.test_client(), "bob", ip="10.0.0.9", lang=lang)
        assert response.status_code == 429
        assert response.headers["Retry-After"] == str(expected)
        assert message % expected in response.get_data(as_text=True)
        clock.advance(seconds=expected - 1)
        assert attempt(app.test_client(), "bob", ip="10.0.0.9").status_code == 429
        clock.advance(seconds=1)
        expected *= 2
    assert attempt(app.test_client(), "bob", ip="10.0.0.9").status_code == 302


def test_a_success_resets_only_its_own_context(app, staff_user, clock):
    staff_user("carol", "viewer")
    fail(app, "carol", FREE_FAILURES, ip="10.0.0.1")
    fail(app, "carol", FREE_FAILURES, ip="10.0.0.2")
    assert attempt(app.test_client(), "carol", ip="10.0.0.1").status_code == 302
    # Address 1 starts again from nothing: its free failures once more, and one past them.
    fail(app, "carol", FREE_FAILURES + 1, ip="10.0.0.1")
    # Address 2 keeps its count: one more failure, and it must wait.
    fail(app, "carol", 1, ip="10.0.0.2")
    assert attempt(app.test_client(), "carol", ip="10.0.0.2").status_code == 429


def test_a_success_does_not_reset_the_count_of_an_address(app, staff_user, clock):
    staff_user("dave", "viewer")
    staff_user("erin", "viewer")
    for number in range(ADDRESS_LIMIT - 1):
        fail(app, f"nobody{number}", 1, ip="10.0.0.7")
    assert attempt(app.test_client(), "dave", ip="10.0.0.7").status_code == 302
    fail(app, "nobody-else", 1, ip="10.0.0.7")
    assert attempt(app.test_client(), "erin", ip="10.0.0.7").status_code == 429
    assert attempt(app.test_client(), "erin", ip="10.0.0.8").status_code == 302
    clock.advance(minutes=16)
    assert attempt(app.test_client(), "erin", ip="10.0.0.7").status_code == 302


def test_the_account_ceiling_slows_every_unknown_context(app, staff_user, clock):
    staff_user("fay", "moderator")
    owner = app.test_client()
    assert attempt(owner, "fay", ip="10.1.0.1").status_code == 302
    clock.advance(minutes=1)
    # A guess from each of many addresses: no address ever reaches its own delay.
    for number in range(ACCOUNT_CEILING):
        fail(app, "fay", 1, ip=f"10.9.{number}.1")
    fresh = attempt(app.test_client(), "fay", ip="10.2.0.1")
    assert fresh.status_code == 429 and fresh.headers["Retry-After"] == "32"
    # The owner's browser, and an address the owner signed in from, are not slowed.
    assert attempt(owner, "fay", ip="10.3.0.1").status_code == 302
    assert attempt(app.test_client(), "fay", ip="10.1.0.1").status_code == 302
    # Each further failure doubles the wait; an hour later the failures no longer count.
    clock.advance(seconds=32)
    fail(app, "fay", 1, ip="10.2.0.1")
    assert attempt(app.test_client(), "fay", ip="10.2.0.2").headers["Retry-After"] == "64"
    clock.advance(hours=1)
    assert attempt(app.test_client(), "fay", ip="10.2.0.2").status_code == 302


def test_a_forged_device_cookie_is_no_known_device(app, staff_user, clock):
    staff_user("gus", "viewer")
    fail(app, "gus", FREE_FAILURES + 1, ip="10.0.0.5")
    browser = app.test_client()
    browser.set_cookie("portal_device", "0" * 32, path="/staff/")
    assert attempt(browser, "gus", ip="10.0.0.5").status_code == 429


def test_the_known_device_cookie_is_kept_from_scripts(app, staff_user):
    staff_user("hal", "viewer")
    response = attempt(app.test_client(), "hal")
    cookie = next(c for c in response.headers.getlist("Set-Cookie")
                  if c.startswith("portal_device="))
    assert "HttpOnly" in cookie and "Path=/staff/" in cookie and "SameSite=Lax" in cookie
