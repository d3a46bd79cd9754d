"""Plain helpers and constants for every feature's tests (fixtures live in conftest.py)."""
import contextlib
import functools
import os
import re
import subprocess
import sys

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def for_this_worker(url: str) -> str:
    """`url` with the database named for this pytest-xdist worker (`test` → `test_gw1`).

    Parallel workers each reset their database's schema per test, so they cannot share one;
    a single process (no xdist) keeps the database it was given.
    """
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker:
        return url
    return make_url(url).set(database=f"{make_url(url).database}_{worker}") \
        .render_as_string(hide_password=False)


PG_URL = for_this_worker(os.environ.get("PORTAL_TEST_DATABASE_URL", ""))


def missing_in_ci_or_skip(message: str):
    """A service or tool the test needs is absent: a failure in CI, a skip with the reason here."""
    if os.environ.get("CI"):
        pytest.fail(f"required in CI: {message}")
    pytest.skip(f"{message}; these tests run in CI or where it is installed")


def reachable_or_skip(name: str, url: str, probe):
    """`url` once `probe(url)` succeeds; otherwise see missing_in_ci_or_skip."""
    try:
        probe(url)
    except Exception as exc:  # noqa: BLE001  (any failure to connect means: no server here)
        missing_in_ci_or_skip(f"{name} not reachable at {url} ({type(exc).__name__}: {exc})")
    return url


@functools.cache
def _create_worker_database(url):
    """Create an xdist worker's database beside the configured one on first use."""
    target = make_url(url)
    if not os.environ.get("PYTEST_XDIST_WORKER") or not target.database:
        return
    server = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as conn:
            exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                  {"name": target.database}).first()
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    finally:
        server.dispose()


def _probe_postgres(url):
    _create_worker_database(url)
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    finally:
        engine.dispose()


def postgres_url_or_skip(url=None):
    """A reachable PostgreSQL URL (the CI database by default)."""
    url = url or PG_URL or for_this_worker(DEFAULT_PG_URL)
    return reachable_or_skip("PostgreSQL", url, _probe_postgres)


def reset_postgres_schema(url):
    """Drop everything in the public schema (tests own their database)."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def csrf_token(html: str) -> str:
    match = CSRF_INPUT.search(html)
    assert match, "the page has no CSRF token"
    return match.group(1)


def submit_form(client, url, data, *, lang=None, files=None):
    """Fetch a form page as a browser would, then post it with its CSRF token."""
    query = f"?lang={lang}" if lang else ""
    page = client.get(url + (("&" if "?" in url else "?") + query[1:] if query else ""))
    assert page.status_code == 200, page.status_code
    html = page.get_data(as_text=True)
    payload = {"csrf_token": csrf_token(html)}
    key = re.search(r'name="idempotency_key" type="hidden" value="([^"]*)"', html)
    if key:
        payload["idempotency_key"] = key.group(1)
    payload.update(data)
    if files:
        payload.update(files)
    return client.post(url, data=payload, content_type="multipart/form-data")


VALID_FORM = {
    "kind": "issue", "category": "street-lighting", "area": "riverside",
    "title": "Street light out near the ferry",
    "body": "The lamp by gate 3 has been dark for a week.",
}


STAFF_PASSWORD = "river-lamp-4821"


def run_in_new_interpreter(script: str, data_dir) -> str:
    """Run a Python script in a fresh interpreter with the portal's data in `data_dir` (no
    other PORTAL_ setting); returns the last line it printed."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PORTAL_")}
    env["PORTAL_DATA_DIR"] = str(data_dir)
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                          text=True, timeout=120, cwd=os.path.dirname(os.path.dirname(__file__)))
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


@contextlib.contextmanager
def write_transactions(engine):
    """Yields a list that receives, for each transaction begun in the block that may write
    (on SQLite: one that holds the write lock from its first statement), the statements it ran.
    """
    from portal.core.database import may_write

    found = []

    def begun(connection):
        connection.info["portal_statements"] = [] if may_write() else None
        if connection.info["portal_statements"] is not None:
            found.append(connection.info["portal_statements"])

    def executed(connection, _cursor, statement, *_args):
        statements = connection.info.get("portal_statements")
        if statements is not None:
            statements.append(statement)

    def ended(connection):
        connection.info["portal_statements"] = None

    listeners = [("begin", begun), ("before_cursor_execute", executed), ("commit", ended),
                 ("rollback", ended)]
    for name, listener in listeners:
        event.listen(engine, name, listener)
    try:
        yield found
    finally:
        for name, listener in listeners:
            event.remove(engine, name, listener)


def query_plan(statement) -> str:
    """The database's plan for a query (PostgreSQL's EXPLAIN, SQLite's EXPLAIN QUERY PLAN), as
    text; within an app context."""
    from portal.extensions import db

    sql = str(statement.compile(db.engine, compile_kwargs={"literal_binds": True}))
    explain = "EXPLAIN " if db.engine.dialect.name == "postgresql" else "EXPLAIN QUERY PLAN "
    return "\n".join(str(row[-1]) for row in db.session.execute(db.text(explain + sql)))


def reference_values(row, **changes):
    """The values an administrator's form sends for a reference row, with `changes` made."""
    keys = ("name_zh", "name_en", "sort_order", "active", "kind", "team", "urgent")
    values = {key: getattr(row, key) for key in keys if hasattr(row, key)}
    if hasattr(row, "parent"):  # a category
        values["parent"] = row.parent.code if row.parent else ""
    if hasattr(row, "slug"):  # a station
        values.update(address_zh="", address_en="", hours_zh="", hours_en="",
                      area=row.area.code if row.area else "")
    return {**values, **changes}
