"""Hotspots (未诉先办): a day's reports well above their own baseline, and the dispatcher's
decisions on them."""
import math
from datetime import timedelta

import pytest

from portal.accounts.models import AuditEntry
from portal.extensions import db
from portal.stats.hotspots import detect, poisson_tail
from portal.stats.models import Hotspot
from portal.submissions.models import StatusEvent
from portal.worker import worker_tasks
from tests.helpers import csrf_token, write_transactions
from tests.servicelevels.helpers import local

NOW = local(2026, 11, 18, 12)


def test_poisson_tail():
    assert poisson_tail(3, 1.0) == pytest.approx(0.0803, abs=1e-4)
    assert poisson_tail(5, 0.5) == pytest.approx(0.000172, abs=1e-5)
    assert poisson_tail(0, 2.0) == 1.0

    def exact(k, mean):  # the tail summed term by term, exactly rounded
        return math.fsum(math.exp(i * math.log(mean) - mean - math.lgamma(i + 1))
                         for i in range(k, k + 2000))

    for k, mean in ((1, 2.0), (4, 3.5), (6, 1.0), (50, 20.0), (40, 0.5), (3000, 0.1)):
        assert poisson_tail(k, mean) == pytest.approx(exact(k, mean), rel=1e-9, abs=1e-300)
    assert 0 < poisson_tail(50, 20.0) < 1e-7  # far out, not rounded to nothing


@pytest.fixture
def burst(app, report):
    """Riverside litter: 14 reports in the 28 days before (0.5 a day), then 5 in one day.
    Daqiao litter: one a day for 28 days, then 3 (not unusual for it). Daqiao noise: 2 today
    and none before (below the minimum of 3)."""
    with app.app_context():
        for day in range(2, 30, 2):
            report(NOW - timedelta(days=day, hours=1))
        for day in range(2, 30):
            report(NOW - timedelta(days=day), area_code="daqiao")
        members = [report(NOW - timedelta(hours=hours)).id for hours in (20, 12, 6, 3, 1)]
        for hours in (10, 5, 2):
            report(NOW - timedelta(hours=hours), area_code="daqiao")
        for hours in (4, 2):
            report(NOW - timedelta(hours=hours), area_code="daqiao", category_code="noise")
        return members


def hotspots():
    db.session.expire_all()
    return db.session.execute(db.select(Hotspot).order_by(Hotspot.id)).scalars().all()


def test_detects_a_burst_against_its_own_baseline(app, burst, report):
    assert "hotspots" in dict(app.extensions["portal_worker_tasks"])
    with app.app_context():
        assert "hotspots" in worker_tasks()
        assert detect(NOW) >= 3  # the three area categories were evaluated
        db.session.commit()
        found = hotspots()
        assert len(found) == 1
        spot = found[0]
        assert (spot.area.code, spot.category.code) == ("riverside", "litter")
        assert spot.count == 5 and spot.baseline == 0.5 and spot.p_value < 0.01
        assert sorted(m.submission_id for m in spot.members) == sorted(burst)
        assert detect(NOW) == 0  # nothing new in the change log: nothing evaluated
        later = report(NOW + timedelta(minutes=30))
        detect(NOW + timedelta(hours=1))
        db.session.commit()
        found = hotspots()
        assert len(found) == 1 and found[0].count == 6
        assert later.id in {m.submission_id for m in found[0].members}


@pytest.fixture
def spotted(app, burst):
    with app.app_context():
        detect(NOW)
        db.session.commit()
        return hotspots()[0].id


def test_staff_see_hotspots_on_their_page_and_the_wall(client, login, spotted):
    login("dispatcher")
    html = client.get("/staff/hotspots?lang=en").get_data(as_text=True)
    assert "Riverside Grid · Litter and sanitation" in html
    assert "5 reports in 24 hours; usually 0.5 a day." in html
    assert "Handle as one incident" in html and "Dismiss" in html
    zh = client.get("/staff/hotspots?lang=zh").get_data(as_text=True)
    assert "热点" in zh and "24 小时内 5 件" in zh
    dashboard = client.get("/staff/dashboard?lang=en").get_data(as_text=True)
    assert 'id="hotspots"' in dashboard and "5 reports in 24 hours" in dashboard
    wall = client.get("/staff/wall.json?lang=en").get_json()
    assert wall["hotspots"][0]["count"] == 5 and wall["hotspots"][0]["area"] == "Riverside Grid"
    assert "5 reports in 24 hours" in client.get("/staff/wall?lang=en").get_data(as_text=True)


def test_dispatcher_dismisses_with_a_reason(app, client, login, spotted):
    login("dispatcher", username="dina")
    page = client.get("/staff/hotspots?lang=en").get_data(as_text=True)
    token = csrf_token(page)
    empty = client.post(f"/staff/hotspots/{spotted}/dismiss?lang=en",
                        data={"csrf_token": token, f"h{spotted}-reason": "  "})
    assert empty.status_code == 422
    assert "Say why this is not one problem." in empty.get_data(as_text=True)
    with app.app_context():
        assert hotspots()[0].status == "open"
    done = client.post(f"/staff/hotspots/{spotted}/dismiss",
                       data={"csrf_token": token, f"h{spotted}-reason": "同一个垃圾站的重复报告"})
    assert done.status_code == 303
    with app.app_context():
        spot = hotspots()[0]
        assert spot.status == "dismissed" and spot.decided_by == "user:dina"
        assert spot.reason == "同一个垃圾站的重复报告"
        entry = db.session.execute(db.select(AuditEntry).filter_by(
            action="hotspot.dismiss")).scalar_one()
        assert entry.target_id == str(spotted)
    again = client.post(f"/staff/hotspots/{spotted}/dismiss?lang=zh",
                        data={"csrf_token": token, f"h{spotted}-reason": "again"})
    assert again.status_code == 409 and "已经处理" in again.get_data(as_text=True)
    html = client.get("/staff/hotspots?lang=en").get_data(as_text=True)
    assert "No open hotspots." in html and "同一个垃圾站的重复报告" in html


def test_dispatcher_handles_the_cluster_as_one_incident(app, client, login, spotted, burst):
    login("dispatcher")
    token = csrf_token(client.get("/staff/hotspots?lang=en").get_data(as_text=True))
    stranger = client.post(f"/staff/hotspots/{spotted}/link?lang=en",
                           data={"csrf_token": token, f"h{spotted}-lead": "999999"})
    assert stranger.status_code == 422
    lead_id = burst[0]
    response = client.post(f"/staff/hotspots/{spotted}/link",
                           data={"csrf_token": token, f"h{spotted}-lead": str(lead_id)})
    assert response.status_code == 303
    with app.app_context():
        spot = hotspots()[0]
        assert spot.status == "linked" and spot.lead_id == lead_id
        lead_code = spot.lead.display_code
        replies = db.session.execute(db.select(StatusEvent).filter_by(kind="reply")).scalars()
        by_case = {event.submission_id: event for event in replies}
        assert set(by_case) == set(burst)
        other = next(s for s in burst if s != lead_id)
        assert lead_code in by_case[other].public_note and lead_code in by_case[
            other].public_note_en
        member_code = db.session.get(Hotspot, spotted).members[1].submission.code
        assert db.session.execute(db.select(AuditEntry).filter_by(
            action="hotspot.link")).scalar_one()
    page = client.get(f"/track/{member_code}?lang=en").get_data(as_text=True)
    assert "handled as one incident" in page and lead_code in page
    page = client.get(f"/track/{member_code}?lang=zh").get_data(as_text=True)
    assert "合并为一件事处置" in page and lead_code in page


def test_only_dispatchers_decide(app, client, login, spotted):
    login("viewer")
    html = client.get("/staff/hotspots?lang=en").get_data(as_text=True)
    assert "Handle as one incident" not in html
    token = csrf_token(client.get("/staff/").get_data(as_text=True))
    response = client.post(f"/staff/hotspots/{spotted}/dismiss",
                           data={"csrf_token": token, f"h{spotted}-reason": "no"})
    assert response.status_code == 403


def test_members_of_an_open_hotspot_are_marked_on_the_staff_map(app, client, login, report):
    with app.app_context():
        for day in range(2, 30, 2):
            report(NOW - timedelta(days=day, hours=1))
        members = [report(NOW - timedelta(hours=hours), latitude=31.27 + hours / 1000,
                          longitude=121.53).id for hours in (20, 12, 6, 3, 1)]
        lone = report(NOW - timedelta(hours=2), area_code="daqiao", category_code="noise",
                      latitude=31.28, longitude=121.54).id
        detect(NOW)
        db.session.commit()
    login("dispatcher")
    for lang, label in (("en", "In a hotspot"), ("zh", "热点")):
        features = client.get(f"/staff/map.geojson?lang={lang}").get_json()["features"]
        marks = {f["id"]: f["properties"].get("mark") for f in features}
        assert all(label in marks[m] for m in members), marks
        assert marks[lone] is None
    assert "mark" not in str(client.get("/api/v1/submissions.geojson").get_json())


def test_changes_to_submissions_older_than_the_window_are_passed_over(app, report):
    """History (an import, a restore) moves the detector's position without evaluations."""
    from portal.stats.models import StatsPosition

    with app.app_context():
        for day in range(2, 12):
            for _ in range(3):
                report(NOW - timedelta(days=day))
        assert detect(NOW) == 0  # thirty changes, none within the day before NOW
        db.session.commit()
        head = db.session.execute(db.select(db.func.max(StatsPosition.last_id))).scalar()
        assert head > 0
        for hours in (5, 3, 1):
            report(NOW - timedelta(hours=hours))
        assert detect(NOW) == 1  # the day's three: riverside litter evaluated
        db.session.commit()
        assert db.session.execute(db.select(db.func.max(StatsPosition.last_id))).scalar() > head


def test_counting_is_done_before_the_write_lock_is_taken(app, burst, report):
    """Residents' submissions wait for SQLite's write lock: the detector's counts over the day
    and the 28 days before, and the members a hotspot has, are read first; the lock is held
    only to store a hotspot or its new members."""
    with app.app_context():
        with write_transactions(db.engine) as found:
            assert detect(NOW) >= 3
            db.session.commit()
        report(NOW + timedelta(minutes=30))
        with write_transactions(db.engine) as grown:
            assert detect(NOW + timedelta(hours=1)) == 1
            db.session.commit()
        assert [spot.count for spot in hotspots()] == [6]
    statements = [s for transaction in found + grown for s in transaction]
    assert any(s.startswith("INSERT INTO hotspot ") for s in statements), statements
    assert any(s.startswith("UPDATE hotspot ") for s in statements), statements
    assert not [s for s in statements if "FROM submission" in s or "FROM hotspot_member" in s]


def test_a_round_whose_position_moved_meanwhile_stores_nothing(app, burst, monkeypatch):
    """Two workers on one database: the one that finds the position moved since it read
    leaves the storing to the other, and its next round reads on from the new position."""
    from portal.core.positions import locked_position
    from portal.stats import hotspots as detector
    from portal.stats.models import StatsPosition

    with app.app_context():
        locked_position(StatsPosition, "hotspots")
        db.session.commit()
        counted = detector.measure

        def meanwhile(*args):
            with db.engine.connect() as other:  # the other worker stores its round
                other.execute(db.update(StatsPosition).where(StatsPosition.name == "hotspots")
                              .values(last_id=1))
                other.commit()
            monkeypatch.setattr(detector, "measure", counted)
            return counted(*args)

        monkeypatch.setattr(detector, "measure", meanwhile)
        assert detect(NOW) == 0
        db.session.commit()
        assert hotspots() == []
        assert detect(NOW) >= 3
        db.session.commit()
        assert len(hotspots()) == 1


def test_an_open_hotspot_keeps_its_members_and_reads_only_new_reports(app, spotted, burst,
                                                                      report):
    """Later rounds of an open hotspot count the members it has (also those the day's window
    has passed) and read only the reports it lacks."""
    from portal.stats.hotspots import measure

    with app.app_context():
        later = [report(NOW + timedelta(hours=9, minutes=m)) for m in (1, 2, 3)]
        found = measure(later[0].area_id, later[0].category_id, NOW + timedelta(hours=10))
        assert found.hotspot_id == spotted
        assert found.new_members == tuple(r.id for r in later)
        assert detect(NOW + timedelta(hours=10)) == 1
        db.session.commit()
        spot = hotspots()[0]
        # The report of 20 hours before NOW has left the window and is still a member.
        assert spot.count == 8
        assert sorted(m.submission_id for m in spot.members) == sorted(
            burst + [r.id for r in later])
        assert measure(spot.area_id, spot.category_id, NOW + timedelta(hours=10)).new_members \
            == ()
