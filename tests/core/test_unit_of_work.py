"""The one transaction boundary: a view's writes are committed together or not at all."""
import ast
from pathlib import Path

import pytest
from flask import abort

from portal.core.unit_of_work import unit_of_work, writes
from portal.extensions import csrf, db
from portal.stations.models import Area

PORTAL = Path(__file__).resolve().parents[2] / "portal"


@pytest.fixture
def routes(app):
    """Two views that rename an area: one returns, one fails after writing."""
    def rename(fail):
        area = db.session.execute(db.select(Area).filter_by(code="riverside")).scalar_one()
        area.name_en = "Renamed"
        db.session.flush()
        if fail == "domain":
            raise LookupError("a domain error after a write")
        if fail == "abort":
            abort(409)
        return "ok"

    app.add_url_rule("/_test/rename/<fail>", "test_rename", csrf.exempt(rename), methods=["POST"])
    app.add_url_rule("/_test/export", "test_export", writes(lambda: "ok"))
    return app


def _area_name(app):
    with app.app_context():
        return db.session.execute(
            db.select(Area.name_en).filter_by(code="riverside")).scalar_one()


def test_a_view_that_returns_is_committed_once(routes, client):
    assert client.post("/_test/rename/none").status_code == 200
    assert _area_name(routes) == "Renamed"


@pytest.mark.parametrize("fail, status", [("domain", 500), ("abort", 409)])
def test_a_view_that_fails_after_writing_stores_nothing(routes, client, fail, status):
    before = _area_name(routes)
    assert client.post(f"/_test/rename/{fail}").status_code == status
    assert _area_name(routes) == before != "Renamed"


def test_unit_of_work_block_commits_or_rolls_back(app_ctx):
    with unit_of_work():
        db.session.execute(db.select(Area).filter_by(code="riverside")).scalar_one().name_en = "A"
    with pytest.raises(RuntimeError), unit_of_work():
        db.session.execute(db.select(Area).filter_by(code="riverside")).scalar_one().name_en = "B"
        db.session.flush()
        raise RuntimeError("stop")
    assert db.session.execute(db.select(Area.name_en).filter_by(code="riverside")).scalar_one() \
        == "A"


def test_a_block_commits_what_it_only_added_and_skips_an_empty_commit(app_ctx):
    from sqlalchemy import event

    commits = []
    session = db.session()

    def count(committed):
        commits.append(committed)
    event.listen(session, "after_commit", count)
    try:
        with unit_of_work():
            pass  # neither read nor wrote: nothing to commit
        assert commits == []
        with unit_of_work():  # added, never flushed nor queried: still committed
            db.session.add(Area(code="added-only", name_zh="新增", name_en="Added only"))
        assert len(commits) == 1
    finally:
        event.remove(session, "after_commit", count)
    db.session.remove()
    assert db.session.execute(db.select(Area.name_en).filter_by(code="added-only")).scalar() \
        == "Added only"


def test_a_get_view_marked_writes_may_write(routes):
    from portal.core.unit_of_work import request_writes
    with routes.test_request_context("/_test/export"):
        routes.preprocess_request()
        assert request_writes()
    with routes.test_request_context("/"):
        assert not request_writes()
    with routes.test_request_context("/", method="POST"):
        assert request_writes()


def _route_modules():
    """Every module under portal/ that declares routes."""
    for path in sorted(PORTAL.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        if ".route(" in source or ".get(\"/" in source or ".post(\"/" in source:
            yield path, source


def test_no_view_module_commits_or_rolls_back():
    """The unit of work is the only transaction boundary of a request (commands and workers
    use the same helper)."""
    offenders = []
    for path, source in _route_modules():
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Attribute) and node.attr in ("commit", "rollback"):
                offenders.append(f"{path.relative_to(PORTAL.parent)}:{node.lineno} .{node.attr}")
    assert not offenders, "views must leave commit/rollback to portal.core.unit_of_work: " \
        + ", ".join(offenders)
