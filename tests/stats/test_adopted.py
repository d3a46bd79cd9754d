"""The public figures count adopted and partly adopted ideas per area and year."""
import pytest

from portal.core.time import utcnow
from portal.extensions import db
from portal.participation.services import give_answer


@pytest.fixture
def answered(app, make_submission):
    """Published ideas in an area, each given an official answer with this outcome."""
    def build(outcome, area_code="riverside", *, publish=True, title="在滨江步道多种些树"):
        with app.app_context():
            idea = make_submission(kind="idea", category_code="greenery", area_code=area_code,
                                   publish=publish, title=title,
                                   body="夏天步道太晒，希望每隔二十米种一棵树。")
            give_answer(idea, outcome=outcome, reason="符合规划，纳入明年计划。",
                        reason_en="In line with the plan; scheduled for next year.",
                        actor="user:moderator")
            db.session.commit()
    return build


@pytest.mark.parametrize("lang, heading, area", [("en", "Adopted ideas", "Riverside"),
                                                 ("zh", "已采纳的建议", "滨江")])
def test_adopted_ideas_are_counted_per_area_and_year(app, client, answered, lang, heading,
                                                     area):
    assert "No idea has been adopted yet." in client.get("/stats?lang=en").get_data(
        as_text=True)
    answered("adopted")
    answered("adopted", title="步道加装饮水点")
    answered("partly_adopted", title="夜间照明延长一小时")
    answered("not_adopted", title="把步道改成车道")  # not counted
    answered("adopted", publish=False, title="未公开的建议")  # unpublished: not counted
    html = client.get(f"/stats?lang={lang}").get_data(as_text=True)
    section = html[html.index('id="adopted-ideas"'):html.index('id="definitions"')]
    assert heading in section and area in section
    year = str(utcnow().year)
    row = section[section.index(f"<td>{year}</td>"):]
    row = row[:row.index("</tr>")]
    assert row.count("<td>2</td>") == 1 and row.count("<td>1</td>") == 1, row
