"""Rate limits: 429 with Retry-After in each language, counts shared by all workers, Redis."""
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from portal import create_app
from portal.core.ratelimit import DatabaseStorage
from portal.extensions import db
from tests.helpers import VALID_FORM, reachable_or_skip, submit_form

ROOT = Path(__file__).resolve().parents[2]
LIMITED = {"PORTAL_RATE_LIMITS": "on", "PORTAL_RATE_LIMIT_FORMS": "3 per minute"}


@pytest.fixture
def app_config():
    return dict(LIMITED)


def post_form(client, lang=None, ip="192.0.2.10"):
    client.environ_base["REMOTE_ADDR"] = ip
    return submit_form(client, "/submit", VALID_FORM, lang=lang)


@pytest.mark.parametrize("lang,message", [("zh", "请求过于频繁"), ("en", "too many requests")])
def test_fourth_post_in_a_minute_gets_429(client, lang, message):
    for _ in range(3):
        assert post_form(client, lang).status_code == 303
    response = post_form(client, lang)
    assert response.status_code == 429
    assert 0 < int(response.headers["Retry-After"]) <= 60
    assert message in response.get_data(as_text=True)
    # Reading pages is not limited, and another address may still post.
    assert client.get("/submit").status_code == 200
    assert post_form(client, lang, ip="192.0.2.11").status_code == 303


WORKER_SCRIPT = """
import sys
from portal import create_app
from tests.helpers import VALID_FORM, submit_form
app = create_app({"TESTING": True, "PORTAL_RATE_LIMITS": "on",
                  "PORTAL_RATE_LIMIT_FORMS": "3 per minute"})
client = app.test_client()
client.environ_base["REMOTE_ADDR"] = "192.0.2.77"
print(submit_form(client, "/submit", VALID_FORM).status_code)
"""


def test_counts_are_shared_between_worker_processes(app):
    # Each process is a separate worker with its own memory; only the database is shared.
    statuses = []
    for _ in range(4):
        result = subprocess.run([sys.executable, "-c", WORKER_SCRIPT], capture_output=True,
                                text=True, timeout=120, cwd=str(ROOT))
        assert result.returncode == 0, result.stderr[-2000:]
        statuses.append(int(result.stdout.strip().splitlines()[-1]))
    assert statuses == [303, 303, 303, 429]


def test_two_storages_on_one_database_share_counts(app):
    with app.app_context():
        url = db.engine.url
    first, second = (DatabaseStorage(engine=create_engine(url)) for _ in range(2))
    assert [first.incr("shared", 60), second.incr("shared", 60), first.incr("shared", 60)] \
        == [1, 2, 3]
    assert second.get("shared") == 3
    first.engine.dispose()
    second.engine.dispose()


@pytest.mark.parametrize("app_config", [{**LIMITED, "PORTAL_RATE_LIMITS": "off"}])
def test_off_disables_limits(client):
    for _ in range(5):
        assert post_form(client).status_code == 303


@pytest.mark.parametrize("app_config", [{**LIMITED, "PORTAL_PROXY_COUNT": 1}])
def test_forwarded_address_from_the_trusted_proxy_is_the_key(client):
    client.environ_base["REMOTE_ADDR"] = "10.0.0.1"  # the proxy
    for number in range(4):  # four residents behind one proxy
        client.environ_base["HTTP_X_FORWARDED_FOR"] = f"198.51.100.{number}"
        assert submit_form(client, "/submit", VALID_FORM).status_code == 303


def test_forwarded_address_is_ignored_without_a_proxy(client):
    statuses = []
    for number in range(4):
        client.environ_base["HTTP_X_FORWARDED_FOR"] = f"198.51.100.{number}"
        statuses.append(post_form(client).status_code)
    assert statuses == [303, 303, 303, 429]


def test_database_storage_counts_windows(app):
    with app.app_context():
        storage = DatabaseStorage(engine=db.engine)
        assert storage.check()
        assert [storage.incr("k", 60) for _ in range(3)] == [1, 2, 3]
        assert storage.get("k") == 3 and storage.get("other") == 0
        assert storage.get_expiry("k") > 0
        with db.engine.begin() as connection:  # the window ends
            connection.exec_driver_sql("UPDATE rate_limit_counter SET expires_at = 0")
        assert storage.get("k") == 0
        assert storage.incr("k", 60) == 1
        storage.clear("k")
        assert storage.get("k") == 0


def redis_url_or_skip():
    """A reachable Redis (PORTAL_TEST_REDIS_URL or the local one)."""
    import redis

    url = os.environ.get("PORTAL_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    return reachable_or_skip(
        "Redis", url, lambda target: redis.Redis.from_url(target, socket_connect_timeout=2).ping())


def test_redis_storage_is_used_when_configured(tmp_path, monkeypatch):
    url = redis_url_or_skip()
    # A random client address makes this run's counters unique in a shared Redis.
    address = f"198.18.{secrets.randbelow(250)}.{secrets.randbelow(250)}"
    monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path / "data"))
    config = {"TESTING": True, **LIMITED, "PORTAL_REDIS_URL": url,
              "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'redis.db'}"}
    apps = [create_app(config), create_app(config)]
    from portal.stations.services import load_reference_file, seed_reference_data
    with apps[0].app_context():
        db.create_all()
        seed_reference_data(load_reference_file())
        db.session.commit()
    clients = [a.test_client() for a in apps]
    statuses = [post_form(clients[i % 2], ip=address).status_code for i in range(4)]
    assert statuses == [303, 303, 303, 429]
    import redis
    connection = redis.Redis.from_url(url)
    keys = connection.keys(f"*ip:{address}*")
    assert keys, "no counters in Redis"
    connection.delete(*keys)
    with apps[0].app_context():
        db.engine.dispose()
