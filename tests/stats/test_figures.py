"""Public accountability figures: /stats in three languages, CSV and JSON, the staff version."""
import csv
import io
import json

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from sqlalchemy import event

from portal.extensions import db
from portal.stats.exports import SCHEMA_PATH
from portal.stats.figures import FiguresQuery, figures
from portal.submissions.services import change_status
from tests.servicelevels.helpers import local
from tests.stats.helpers import assert_csp_safe

FROZEN = local(2026, 11, 20, 12)


@pytest.fixture
def cases(app, case_history, follow_up, report, build_figures):
    """Five cases taken up in October and November 2026, and two that were not."""
    with app.app_context():
        on_time = case_history(local(2026, 10, 12, 9), [
            ("accepted", local(2026, 10, 12, 10)), ("in_progress", local(2026, 10, 12, 11)),
            ("resolved", local(2026, 10, 14, 10))], title="A 垃圾桶满了")
        follow_up(on_time, satisfaction="satisfied")
        late = case_history(local(2026, 10, 12, 9), [
            ("accepted", local(2026, 10, 12, 10)), ("in_progress", local(2026, 10, 14, 10)),
            ("resolved", local(2026, 10, 26, 10))])
        urgent = case_history(local(2026, 10, 13, 8), [
            ("accepted", local(2026, 10, 13, 9)), ("in_progress", local(2026, 10, 13, 9, 30)),
            ("resolved", local(2026, 10, 13, 15)), ("in_progress", local(2026, 10, 15, 10)),
            ("resolved", local(2026, 10, 15, 16))], category_code="fire-risk",
            area_code="daqiao")
        follow_up(urgent, satisfaction="basic")
        case_history(local(2026, 11, 2, 9), [
            ("accepted", local(2026, 11, 2, 10)), ("in_progress", local(2026, 11, 2, 11))])
        reopened = case_history(local(2026, 10, 20, 9), [
            ("accepted", local(2026, 10, 20, 10)), ("in_progress", local(2026, 10, 20, 10, 30)),
            ("resolved", local(2026, 10, 21, 10))])
        follow_up(reopened, fixed=False, satisfaction="dissatisfied")
        spam = report(local(2026, 10, 12, 9))
        change_status(spam, "rejected", actor="user:moderator")
        report(local(2026, 10, 12, 9))  # waiting for review
        db.session.commit()
        build_figures(FROZEN)
        chosen = (on_time, late, urgent, reopened)
        return {"codes": [s.code for s in chosen], "display": [s.display_code for s in chosen]}


def test_figures_follow_the_deadlines_and_follow_ups(app, cases):
    with app.app_context():
        data = figures(FiguresQuery())
    total = data["total"]
    assert total["received"] == 5
    assert (total["acknowledged_on_time_pct"], total["acknowledged_on_time_base"]) == (80.0, 5)
    # The open November case is past its deadline (9 Nov) on the 20th: it counts as late.
    assert (total["resolved_on_time_pct"], total["resolved_on_time_base"]) == (50.0, 4)
    assert (total["satisfaction_pct"], total["satisfaction_base"]) == (66.7, 3)
    assert (total["reopened_pct"], total["reopened_base"]) == (50.0, 4)
    # 2, 10 and 2.875 working days (the urgent case's clock ran 13-15 October).
    assert total["median_working_days_to_resolve"] == 2.9
    assert total["open_backlog"] == 2
    by_area = {row["code"]: row for row in data["by_area"]}
    assert by_area["riverside"]["received"] == 4 and by_area["daqiao"]["received"] == 1
    assert by_area["riverside"]["name_zh"] == "滨江单独网格"
    assert {row["month"]: row["received"] for row in data["by_month"]} == {
        "2026-10": 4, "2026-11": 1}
    assert {row["code"]: row["received"] for row in data["by_team"]} == {
        "cleaning": 4, "operations_center": 1}
    urgent = next(row for row in data["by_category"] if row["code"] == "fire-risk")
    assert urgent["team"] == "operations_center" and urgent["reopened_pct"] == 100.0
    with app.app_context():
        november = figures(FiguresQuery(start="2026-11", end="2026-11"))
        daqiao = figures(FiguresQuery(area="daqiao"))
    assert november["total"]["received"] == 1 and november["total"]["open_backlog"] == 1
    assert daqiao["total"]["received"] == 1 and daqiao["by_month"][0]["month"] == "2026-10"


@pytest.mark.parametrize("lang, words", [
    ("en", ["How cases are handled: figures", "Resolved on time", "Riverside Grid",
            "By team", "Cleaning", "Figures as of 11/20/26"]),
    ("zh", ["办理情况统计", "按时办结率", "滨江单独网格", "按队伍", "保洁", "统计截至 2026/11/20"]),
    ("zh_Hant", ["辦理情況統計", "按時辦結率", "濱江單獨網格", "統計截至 2026/11/20"]),
])
def test_public_page_in_three_languages(client, cases, lang, words):
    response = client.get(f"/stats?lang={lang}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for word in words:
        assert word in html, word
    assert html.count("<svg") == 8 and 'role="img"' in html and "<table" in html
    assert_csp_safe(html)
    for code in cases["codes"] + cases["display"]:  # nothing that leads to one person's case
        assert code not in html
    assert "A 垃圾桶满了" not in html


def test_filters_and_bad_input(client, cases):
    html = client.get("/stats?lang=en&from=2026-11&to=2026-11").get_data(as_text=True)
    assert "2026-11" in html and "2026-10</th>" not in html
    for lang, message in (("en", "must be a month written as YYYY-MM"),
                          ("zh", "年-月")):
        response = client.get(f"/stats?lang={lang}&from=2026-13")
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)
    assert client.get("/stats?lang=en&from=2026-11&to=2026-10").status_code == 400
    assert client.get("/stats?lang=en&area=atlantis").status_code == 400
    assert client.get("/stats.json?category=nothing").status_code == 400


def test_csv_opens_with_bom_and_chinese_intact(client, cases):
    response = client.get("/stats.csv?lang=en")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0]["dimension"] == "total" and rows[0]["received"] == "5"
    riverside = next(r for r in rows if r["dimension"] == "area" and r["code"] == "riverside")
    assert riverside["name_zh"] == "滨江单独网格" and riverside["received"] == "4"
    assert {r["code"] for r in rows if r["dimension"] == "month"} == {"2026-10", "2026-11"}
    for code in cases["codes"]:
        assert code not in raw.decode("utf-8-sig")


def test_json_follows_its_schema(client, cases):
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    validator = Draft202012Validator(schema, format_checker=FormatChecker())
    for url in ("/stats.json", "/stats.json?from=2026-10&to=2026-10&area=riverside",
                "/stats.json?category=fire-risk"):
        response = client.get(url)
        assert response.status_code == 200 and response.mimetype == "application/json"
        document = response.get_json()
        validator.validate(document)
    assert document["filters"] == {"from": None, "to": None, "area": None,
                                   "category": "fire-risk"}
    assert document["total"]["received"] == 1


def test_a_cached_page_reads_no_submissions_until_the_figures_are_built_again(
        app, client, cases, report, move, build_figures):
    first = client.get("/stats?lang=en").get_data(as_text=True)
    statements = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        assert client.get("/stats?lang=en").get_data(as_text=True) == first
        assert client.get("/stats.json").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert not [s for s in statements if "FROM submission" in s], statements
    with app.app_context():
        move(report(local(2026, 11, 3, 9), area_code="daqiao"), "accepted",
             local(2026, 11, 3, 10))
    assert client.get("/stats.json").get_json()["total"]["received"] == 5  # until built
    with app.app_context():
        build_figures()
    data = client.get("/stats.json").get_json()
    assert data["total"]["received"] == 6


def test_staff_figures_per_team_with_drill_down(app, client, login, cases):
    login("viewer")
    html = client.get("/staff/stats?lang=en").get_data(as_text=True)
    assert "Figures per team" in html and "Cleaning" in html and "Whole team" in html
    assert "/staff/stats/cases?" in html
    late = client.get("/staff/stats/cases?lang=en&team=cleaning&which=late")
    assert late.status_code == 200
    page = late.get_data(as_text=True)
    assert "Resolved late" in page
    assert cases["display"][1] in page and cases["display"][0] not in page
    everything = client.get("/staff/stats/cases?lang=zh&category=fire-risk").get_data(
        as_text=True)
    assert "统计背后的案件" in everything and cases["display"][2] in everything
    zh = client.get("/staff/stats?lang=zh").get_data(as_text=True)
    assert "各队伍统计" in zh and "保洁" in zh
    assert client.get("/staff/stats/cases?team=pirates").status_code == 400
    assert client.get("/staff/stats/cases?which=everything").status_code == 400
