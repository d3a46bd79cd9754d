"""Reference data and the stations page."""
import pytest

from portal.extensions import db
from portal.stations.models import Area, Category, Station


@pytest.mark.parametrize("lang,texts", [
    ("zh", ["党群服务驿站一号（示例）", "人民建议征集站（示例）", "开放时间", "每日 9:00–17:00"]),
    ("zh_Hant", ["黨群服務驛站一號（示例）", "人民建議徵集站（示例）", "開放時間"]),
    ("en", ["Party-Mass Service Station No. 1 (sample)",
            "People's Suggestion Collection Station (sample)", "Opening hours",
            "Daily 9:00–17:00", "Sample entry: the administrator will replace it"])])
def test_stations_page_lists_nine_stations_and_the_suggestion_station(client, lang, texts):
    response = client.get(f"/stations?lang={lang}")
    html = response.get_data(as_text=True).replace("&#39;", "'")
    assert response.status_code == 200
    for text in texts:
        assert text in html, text
    assert html.count('class="station station-service"') == 9
    assert html.count('class="station station-suggestion"') == 1


def test_seed_command_is_idempotent_and_keeps_admin_edits_to_other_rows(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["portal", "seed"])
    assert first.exit_code == 0 and "0 new areas" in first.output  # the fixture seeded already
    with app.app_context():
        counts = (db.session.query(Area).count(), db.session.query(Category).count(),
                  db.session.query(Station).count())
    assert counts == (13, 22, 10)
    runner.invoke(args=["portal", "seed"])
    with app.app_context():
        assert db.session.query(Station).count() == 10


def test_reference_data_shape(app_ctx):
    riverside = db.session.query(Area).filter_by(code="riverside").one()
    assert riverside.kind == "grid"
    assert set(riverside.overlaps.split(",")) == {"dinghai-road", "daqiao", "pingliang-road"}
    tops = db.session.query(Category).filter_by(parent_id=None).all()
    assert {c.name_zh for c in tops} == {"公共管理", "公共安全", "公共服务"}
    safety = next(c for c in tops if c.code == "public-safety")
    assert safety.children and all(c.urgent for c in safety.children)
    assert all(c.team for c in db.session.query(Category))
