"""The dashboard shows what rate limits alone would hide: codes being guessed, supports inflated."""
import pytest

from tests.helpers import csrf_token

UNKNOWN = [f"ZZZZZ{n:05d}" for n in range(30)]


@pytest.mark.parametrize("lang,flag,heading", [
    ("zh", "可能在猜测", "查询码查询失败"),
    ("en", "Possible guessing", "Failed tracking-code lookups")])
def test_administrators_see_an_address_guessing_codes(app, client, login, lang, flag,
                                                      heading):
    client.environ_base["REMOTE_ADDR"] = "192.0.2.28"
    assert [client.get(f"/track/{c}").status_code for c in UNKNOWN[:25]] == [404] * 25
    client.environ_base["REMOTE_ADDR"] = "192.0.2.29"
    assert client.get("/track/ZZZZZ99999").status_code == 404  # one honest typo elsewhere
    admin = login("administrator", lang=lang, browser=app.test_client())
    html = admin.get(f"/staff/dashboard?lang={lang}").get_data(as_text=True)
    assert heading in html and html.count(flag) == 1  # the typo is not flagged
    assert "26" in html  # failed lookups in all
    assert "192.0.2.28" not in html
    # Moderators see the dashboard without this section.
    moderator = login("moderator", lang=lang, browser=app.test_client())
    assert heading not in moderator.get(f"/staff/dashboard?lang={lang}").get_data(as_text=True)


@pytest.mark.parametrize("app_config", [{"PORTAL_TRACKING_MISS_ALERT_TOTAL": 10}])
def test_many_misses_across_addresses_are_flagged(app, client, login):
    for number, code in enumerate(UNKNOWN[:12]):  # one miss each from twelve addresses
        client.environ_base["REMOTE_ADDR"] = f"198.51.100.{number}"
        assert client.get(f"/track/{code}").status_code == 404
    html = login("administrator", lang="en", browser=app.test_client()).get(
        "/staff/dashboard?lang=en").get_data(as_text=True)
    assert "Many failed lookups in the hour" in html and "Possible guessing" not in html


@pytest.mark.parametrize("lang,heading", [("zh", "各地址的附议数"), ("en", "Supports by address")])
def test_the_dashboard_shows_a_burst_of_supports_from_one_address(
        app, make_record, login, lang, heading):
    target = make_record(publish=True)
    other = make_record(publish=True, title="垃圾桶满了", body="滨江步道的垃圾桶三天没人清理了。")
    for number in range(4):  # four fresh browsers at one address
        browser = app.test_client()
        browser.environ_base["REMOTE_ADDR"] = "203.0.113.7"
        token = csrf_token(browser.get("/submit").get_data(as_text=True))
        for record in (target, other) if number == 0 else (target,):
            response = browser.post(f"/submissions/{record.id}/support",
                                    data={"csrf_token": token})
            assert response.status_code == 303
    viewer = login("moderator", lang=lang, browser=app.test_client())
    html = viewer.get(f"/staff/dashboard?lang={lang}").get_data(as_text=True)
    section = html[html.index(heading):]
    assert "203.0.113.7" not in html
    assert target.display_code in section and other.display_code in section
    body = section[section.index("<tbody>"):]
    row = body[:body.index("</tr>")]
    assert "<td>5</td>" in row  # five supports from that address
    assert f"{target.display_code}</a> (4)" in row and f"{other.display_code}</a> (1)" in row
