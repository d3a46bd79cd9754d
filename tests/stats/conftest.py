"""Fixtures for figures, the wall and hotspots: cases with a timeline at given moments."""
import pytest

from portal.core.time import as_utc
from portal.extensions import db
from portal.servicelevels.deadlines import consume_changes
from portal.servicelevels.followup import answer_follow_up
from portal.stats.cells import refresh_figures
from portal.submissions.services import change_status


@pytest.fixture
def move(app):
    """Change a submission's status as if it happened at `moment` (a frozen clock)."""
    def do(submission, status, moment, actor="user:dora"):
        change_status(submission, status, actor=actor)
        event = submission.events[-1]  # the entry just written
        event.created_at = as_utc(moment)  # the column keeps UTC (naive on SQLite)
        db.session.commit()
        consume_changes()
        db.session.commit()
        return event
    return do


@pytest.fixture
def report(make_submission):
    """A resident's report received at `moment` (released if screening held it)."""
    counter = iter(range(1, 100000))

    def build(moment, *, category_code="litter", area_code="riverside", **values):
        n = next(counter)
        values.setdefault("title", f"第{n}处问题：{category_code} 需要处理")
        values.setdefault("body", f"杨树浦路 {n * 7} 号附近，第 {n} 次发现，请派人看看。编号{n}")
        submission = make_submission(category_code=category_code, area_code=area_code,
                                     **values)
        if submission.status == "held":
            change_status(submission, "received", actor="user:moderator")
        submission.created_at = as_utc(moment)
        db.session.commit()
        return submission
    return build


@pytest.fixture
def case_history(report, move):
    """A case received at `received` that goes through `steps` [(status, moment)]."""
    def build(received, steps, **values):
        submission = report(received, **values)
        for status, moment in steps:
            move(submission, status, moment)
        return submission
    return build


@pytest.fixture
def follow_up(app):
    """The resident's follow-up answer through the one service, then the deadlines task."""
    def answer(submission, *, fixed=True, satisfaction="satisfied"):
        answer_follow_up(submission.code, fixed=fixed, satisfaction=satisfaction)
        db.session.commit()
        consume_changes()
        db.session.commit()
    return answer


@pytest.fixture
def build_figures(app):
    """The figures task's next build (as of `now`, the clock by default)."""
    def build(now=None):
        built = refresh_figures(now)
        db.session.commit()
        return built
    return build
