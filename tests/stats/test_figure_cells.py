"""The figures' cells the worker keeps per month: equal to a fresh fold after every kind of
change, rebuilt only where something changed, at most every PORTAL_FIGURES_SECONDS."""
import random
import statistics
from collections import Counter
from datetime import timedelta

import pytest

from portal.core.time import utcnow
from portal.extensions import db
from portal.servicelevels.models import Deadline
from portal.stats.cells import build_cells, figures_task, median_of, refresh_figures, stored_cells
from portal.stats.figures import FiguresQuery, figures
from portal.stats.models import FigureMonth
from portal.worker import worker_tasks
from tests.servicelevels.helpers import SHANGHAI, local


def next_local_noon():
    """A moment after every change a test makes now (so none is read again as recent), at
    noon in the portal's zone (so a few minutes later is the same local day)."""
    today = utcnow().astimezone(SHANGHAI).replace(hour=12, minute=0, second=0, microsecond=0)
    return today + timedelta(days=1)


def assert_stored_equal_fresh(now):
    cells, built_at, _version = stored_cells()
    assert built_at == now
    assert cells == build_cells(now)


@pytest.fixture
def two_months(app, case_history, report):
    """A case received just before midnight on 31 October, one at midnight on 1 November."""
    with app.app_context():
        report(local(2026, 11, 5, 9))  # waiting for review: not counted
        october = case_history(local(2026, 10, 31, 23, 59), [
            ("accepted", local(2026, 11, 2, 9))])
        november = case_history(local(2026, 11, 1, 0, 0), [
            ("accepted", local(2026, 11, 2, 9)), ("in_progress", local(2026, 11, 2, 10))])
        return october.id, november.id


def test_median_of_counts_is_the_median_of_the_values():
    rng = random.Random(5)
    for _ in range(300):
        values = [round(rng.uniform(0, 20), rng.choice([0, 1, 2]))
                  for _ in range(rng.randint(1, 12))]
        assert median_of(Counter(values)) == statistics.median(values)
    assert median_of(Counter()) is None


def test_before_the_first_build_the_figures_are_empty(app, two_months, build_figures):
    with app.app_context():
        assert stored_cells() == ({}, None, 0)
        assert figures(FiguresQuery())["total"]["received"] == 0
        assert build_figures(local(2026, 11, 20, 12)) == 2  # every month: October, November
        data = figures(FiguresQuery())
    assert data["total"]["received"] == 2
    assert {row["month"]: row["received"] for row in data["by_month"]} == {
        "2026-10": 1, "2026-11": 1}
    assert data["generated_at"] == "2026-11-20T04:00:00+00:00"


def test_stored_cells_equal_a_fresh_fold_after_every_kind_of_change(
        app, two_months, move, follow_up, build_figures):
    october_id, november_id = two_months
    noon = next_local_noon()
    with app.app_context():
        from portal.submissions.models import Submission

        build_figures(noon)
        assert_stored_equal_fresh(noon)
        october = db.session.get(Submission, october_id)
        november = db.session.get(Submission, november_id)
        steps = [
            lambda: move(october, "in_progress", local(2026, 11, 3, 9)),  # a status
            lambda: move(october, "resolved", local(2026, 11, 4, 9)),  # resolved: days counted
            lambda: follow_up(october, fixed=False, satisfaction="dissatisfied"),  # reopened
            lambda: move(november, "resolved", local(2026, 11, 6, 9)),
            lambda: follow_up(november, satisfaction="basic"),  # an answer
        ]
        for minute, step in enumerate(steps, start=1):
            step()
            moment = noon + timedelta(minutes=minute)
            assert build_figures(moment) >= 1
            assert_stored_equal_fresh(moment)
        total = figures(FiguresQuery())["total"]
    assert total["reopened_base"] == 2 and total["reopened_pct"] == 50.0
    assert total["satisfaction_base"] == 2


def test_a_build_rebuilds_only_the_months_that_changed(app, two_months, move, build_figures):
    october_id, _november_id = two_months
    noon = next_local_noon()
    with app.app_context():
        from portal.submissions.models import Submission

        build_figures(noon)
        before = {row.month: row.built_at for row in db.session.execute(
            db.select(FigureMonth)).scalars()}
        assert build_figures(noon + timedelta(minutes=1)) == 0  # nothing changed
        move(db.session.get(Submission, october_id), "in_progress", local(2026, 11, 3, 9))
        assert build_figures(noon + timedelta(minutes=2)) == 1
        after = {row.month: row.built_at for row in db.session.execute(
            db.select(FigureMonth)).scalars()}
    assert after["2026-11"] == before["2026-11"] == noon
    assert after["2026-10"] == noon + timedelta(minutes=2)


def test_a_build_rebuilds_every_month_its_changes_touched(app, two_months, move, case_history,
                                                         build_figures):
    """Changes to cases of two months a month apart, with an untouched month between them and
    several changes in the newest: both changed months are rebuilt, the one between is not."""
    _october_id, november_id = two_months
    noon = next_local_noon()
    with app.app_context():
        from portal.submissions.models import Submission

        september = case_history(local(2026, 9, 30, 23, 59), [("accepted", local(2026, 10, 2, 9))])
        build_figures(noon)
        move(db.session.get(Submission, november_id), "resolved", local(2026, 11, 5, 9))
        move(september, "in_progress", local(2026, 11, 3, 9))
        for minute in range(3):  # several changes of the same month
            case_history(local(2026, 11, 20, 9, minute), [("accepted", local(2026, 11, 21, 9))])
        assert build_figures(noon + timedelta(minutes=1)) == 2
        built = {row.month: row.built_at for row in db.session.execute(
            db.select(FigureMonth)).scalars()}
        assert_stored_equal_fresh(noon + timedelta(minutes=1))
    assert built == {"2026-09": noon + timedelta(minutes=1), "2026-10": noon,
                     "2026-11": noon + timedelta(minutes=1)}


def test_a_deadline_passing_with_nothing_happening_is_counted(app, two_months, build_figures):
    _october_id, november_id = two_months
    noon = next_local_noon()
    with app.app_context():
        deadline = db.session.execute(db.select(Deadline).filter_by(
            submission_id=november_id)).scalar_one()
        # The deadline falls between two builds (as if the rules gave it that day).
        deadline.resolve_due = noon + timedelta(minutes=2)
        db.session.commit()
        build_figures(noon)
        base = figures(FiguresQuery(start="2026-11"))["total"]["resolved_on_time_base"]
        assert build_figures(noon + timedelta(minutes=1)) == 0
        assert build_figures(noon + timedelta(minutes=3)) == 1
        assert_stored_equal_fresh(noon + timedelta(minutes=3))
        data = figures(FiguresQuery(start="2026-11"))["total"]
    assert data["resolved_on_time_base"] == base + 1
    assert data["resolved_on_time_pct"] == 0.0


def test_the_days_first_build_rebuilds_every_month(app, two_months, build_figures):
    noon = next_local_noon()
    with app.app_context():
        build_figures(noon)
        assert build_figures(noon + timedelta(minutes=1)) == 0
        assert build_figures(noon + timedelta(days=1)) == 2


def test_the_worker_task_builds_at_most_every_figures_seconds(app, two_months):
    with app.app_context():
        assert "figures" in worker_tasks()
        app.config["PORTAL_FIGURES_SECONDS"] = 30
        assert figures_task() == 2  # the first build
        first = stored_cells()[1]
        assert refresh_figures(first + timedelta(seconds=29), every=30) == 0
        db.session.rollback()
        assert stored_cells()[1] == first
        later = first + timedelta(days=1)
        assert refresh_figures(later, every=30) == 2
        db.session.commit()
        assert stored_cells()[1] == later


def test_kept_sums_equal_a_fresh_sum_and_follow_the_reference_data(app, two_months,
                                                                  build_figures):
    from portal.stations.models import Area, Category

    queries = [FiguresQuery(), FiguresQuery(start="2026-11"), FiguresQuery(area="riverside"),
               FiguresQuery(category="litter", end="2026-10")]
    with app.app_context():
        build_figures(local(2026, 11, 20, 12))
        kept = [figures(query) for query in queries]
        assert [figures(query) for query in queries] == kept  # read from the cache
        app.config["PORTAL_PAGE_CACHE"] = False
        assert [figures(query) for query in queries] == kept
        app.config["PORTAL_PAGE_CACHE"] = True
        category = db.session.execute(db.select(Category).filter_by(code="litter")).scalar_one()
        category.team = "property"
        area = db.session.execute(db.select(Area).filter_by(code="riverside")).scalar_one()
        area.name_en = "Riverside Quarter"
        db.session.commit()
        data = figures(FiguresQuery())
    assert {row["code"] for row in data["by_team"]} == {"property"}
    assert data["by_area"][0]["name_en"] == "Riverside Quarter"


@pytest.mark.parametrize("value, seconds", [(None, 30.0), ("", 30.0), ("5", 5.0), ("-3", 0.0),
                                            ("99999", 3600.0), ("soon", 30.0), ("nan", 30.0)])
def test_the_figures_interval_setting_is_read_safely(value, seconds):
    from portal.stats.cells import figures_seconds

    assert figures_seconds(value) == seconds
