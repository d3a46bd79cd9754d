"""Bad input on the public form: a clear message next to the field, typed text kept, nothing
stored."""
import pytest

from portal.extensions import db
from portal.submissions.models import StatusEvent, Submission
from tests.helpers import VALID_FORM, submit_form


def stored(app):
    with app.app_context():
        return db.session.query(Submission).count(), db.session.query(StatusEvent).count()


CASES = [
    # (field changes, field with the error, English message, Chinese message)
    ({"title": ""}, "title", "This field is required.", "此项必填。"),
    ({"body": "   "}, "body", "This field is required.", "此项必填。"),
    ({"title": "x" * 10_000}, "title", "Please keep this under 120 characters (now 10000).",
     "请不要超过 120 个字（现在 10000 个）。"),
    ({"title": "Lamp\x07 broken"}, "title", "Please remove invisible control characters",
     "请删除文字中不可见的控制字符"),
    ({"body": "Broken \u202egnihtemos\u202c lamp here"}, "body",
     "Please remove invisible control characters", "请删除文字中不可见的控制字符"),
    ({"category": "no-such-category"}, "category", "Choose a category from the list.",
     "请从列表中选择类别。"),
    ({"category": "public-safety"}, "category", "Choose a category from the list.",
     "请从列表中选择类别。"),  # a top-level dimension is not a category to file under
    ({"area": "atlantis"}, "area", "Choose an area from the list.", "请从列表中选择区域。"),
    ({"kind": "complaint"}, "kind", "Choose whether this is an issue or an idea.",
     "请选择是反映问题还是提出建议。"),
    ({"latitude": "north", "longitude": "121.5"}, "latitude",
     "Give both latitude and longitude as numbers, or neither.",
     "请同时以数字填写纬度和经度，或都不填。"),
    ({"latitude": "95", "longitude": "121.5"}, "latitude", "These coordinates are not on the map.",
     "这组坐标不在地图范围内。"),
    ({"latitude": "31.2"}, "latitude", "Give both latitude and longitude as numbers, or neither.",
     "请同时以数字填写纬度和经度，或都不填。"),
    ({"email": "not-an-address"}, "email", "Please enter a valid e-mail address.",
     "请填写有效的电子邮箱地址。"),
    ({"phone": "call me maybe"}, "phone", "Please enter a phone number using digits only",
     "请只用数字填写电话号码"),
    ({"consent": "y"}, "consent", "Give a name, phone number or e-mail for us to pass on",
     "请填写姓名、电话或邮箱以便转交"),
]


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("changes,field,english,chinese", CASES)
def test_bad_input_is_explained_next_to_the_field(client, app, lang, changes, field, english,
                                                  chinese):
    response = submit_form(client, "/submit", {**VALID_FORM, **changes}, lang=lang)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    message = english if lang == "en" else chinese
    assert f'id="{field}-error"' in html
    error_block = html.split(f'id="{field}-error"', 1)[1].split("</p>", 1)[0]
    assert message in error_block
    assert stored(app) == (0, 0)


def test_typed_text_is_kept_after_an_error(client, app):
    response = submit_form(client, "/submit", {**VALID_FORM, "title": "",
                                               "body": "Lamp <b>broken</b> since Monday",
                                               "place": "Gate 3", "name": "Li Lei"}, lang="en")
    html = response.get_data(as_text=True)
    assert "Lamp &lt;b&gt;broken&lt;/b&gt; since Monday</textarea>" in html
    assert 'value="Gate 3"' in html and 'value="Li Lei"' in html


def test_emoji_and_mixed_scripts_are_accepted_as_written(client, app):
    title = "路灯坏了 💡 Lamp out"
    response = submit_form(client, "/submit", {**VALID_FORM, "title": title})
    assert response.status_code == 303
    with app.app_context():
        assert db.session.query(Submission).one().title == title


def test_wrong_types_do_not_crash(client, app):
    page = client.get("/submit?lang=en").get_data(as_text=True)
    from tests.helpers import csrf_token
    response = client.post("/submit", data={"csrf_token": csrf_token(page),
                                            "kind": ["issue", "idea"],
                                            "title": ["a", "b"], "latitude": "1e999",
                                            "longitude": "nan"})
    assert response.status_code == 422
    assert stored(app) == (0, 0)


def test_missing_csrf_token_is_refused_with_a_message(client, app):
    response = client.post("/submit?lang=en", data=VALID_FORM)
    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)
    assert stored(app) == (0, 0)


@pytest.mark.parametrize("lang, message",
                         [("en", "cannot be stored (NUL)"), ("zh", "无法保存的字符")])
def test_nul_characters_in_choices_are_refused_not_crashing(client, app, lang, message):
    """PostgreSQL cannot store NUL; such a value must never reach a query."""
    response = submit_form(client, "/submit", {**VALID_FORM, "area": "river\x00side",
                                               "category": "lit\x00ter"}, lang=lang)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert stored(app) == (0, 0)
