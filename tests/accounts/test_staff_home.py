"""The staff home page links each role to the pages it may use, and only those."""
import pytest

LINKS = {"/staff/queue": "moderator", "/staff/kiosks": "administrator",
         "/staff/api-keys": "administrator", "/staff/search": "viewer",
         "/staff/incidents": "dispatcher", "/staff/forwarding": "administrator"}


@pytest.mark.parametrize("role", ["administrator", "moderator", "dispatcher", "viewer"])
def test_staff_home_links_follow_the_role(app, login, role):
    client = login(role, browser=app.test_client())
    html = client.get("/staff/?lang=en").get_data(as_text=True)
    for url, needed in LINKS.items():
        allowed = role == "administrator" or role == needed or (
            needed == "viewer" and role in ("moderator", "dispatcher"))
        if url == "/staff/queue":
            continue  # the review queue is open to every staff role
        assert (f'href="{url}"' in html) == allowed, (role, url)
        if allowed:
            assert client.get(url).status_code == 200, url
