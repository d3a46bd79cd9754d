"""Where deliveries go (`PORTAL_SINK`): the local queue, an HTTPS webhook, or RabbitMQ.

A sink's `send(item)` does the network I/O (never inside a database transaction) and returns an
Outcome: sent (with the platform's reference when it gave one), retry (with an optional
Retry-After) or dead (a permanent refusal). It never raises for a delivery problem.
"""
import ipaddress
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from portal.forwarding.payload import sign

RETRY_STATUSES = {408, 429}
MAX_ERROR = 500


@dataclass
class Item:
    """What a relay needs to send one delivery, copied out of the session before any I/O."""

    id: int
    key: str
    body: bytes
    attempts: int


@dataclass
class Outcome:
    kind: str  # sent | retry | dead
    error: str = ""
    retry_after: float = None
    reference: str = None


def sent(reference=None) -> Outcome:
    return Outcome("sent", reference=reference)


def retry(error: str, retry_after=None) -> Outcome:
    return Outcome("retry", error=error[:MAX_ERROR], retry_after=retry_after)


def dead(error: str) -> Outcome:
    return Outcome("dead", error=error[:MAX_ERROR])


def parse_retry_after(value, now=None):
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def is_loopback(host: str) -> bool:
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_webhook_url(url: str) -> str:
    """'' when the URL may be used: HTTPS, or plain HTTP to a loopback address (tests)."""
    parts = urlsplit(url or "")
    if not parts.hostname:
        return "PORTAL_WEBHOOK_URL is not set"
    if parts.scheme == "https":
        return ""
    if parts.scheme == "http" and is_loopback(parts.hostname):
        return ""
    return "PORTAL_WEBHOOK_URL must use https (plain http only to a loopback address)"


class LocalSink:
    """The portal's own incident queue: the incident row is written when the delivery is marked."""

    name = "local"
    in_database = True

    def send(self, item: Item) -> Outcome:
        return sent()

    def close(self):
        pass


class WebhookSink:
    """HTTPS POST of the signed JSON document; the platform deduplicates by Idempotency-Key."""

    name = "webhook"
    in_database = False

    def __init__(self, url: str, secret: str, connect_timeout: float, read_timeout: float):
        self.url, self.secret = url, secret
        self.timeout = (connect_timeout, read_timeout)
        self._pool = None
        self._pid = None

    @property
    def worst_case_seconds(self) -> float:
        return sum(self.timeout)

    def _http(self):
        """This process's connection pool (kept between sends), made once with what requests
        would read from the environment for the URL: a proxy, a CA bundle, .netrc credentials.

        The sends go through urllib3 itself: for these small signed POSTs, requests' own layer
        (preparing, merging and hooking every request) cost about as much CPU as the rest.
        """
        import requests
        import urllib3
        from requests.utils import (
            DEFAULT_CA_BUNDLE_PATH,
            get_auth_from_url,
            get_netrc_auth,
            select_proxy,
        )

        if self._pool is not None and self._pid == os.getpid():
            return self._pool
        settings = requests.Session().merge_environment_settings(self.url, {}, None, None, None)
        headers = {"User-Agent": "civic-portal-relay/1"}
        credentials = get_netrc_auth(self.url)
        if credentials:
            headers.update(urllib3.make_headers(basic_auth=":".join(credentials)))
        bundle = DEFAULT_CA_BUNDLE_PATH if settings["verify"] is True else settings["verify"]
        options = {"headers": headers, "maxsize": 1, "cert_reqs": "CERT_REQUIRED",
                   ("ca_cert_dir" if os.path.isdir(bundle) else "ca_certs"): bundle}
        proxy = select_proxy(self.url, settings["proxies"])
        if proxy:
            user, password = get_auth_from_url(proxy)
            proxy_headers = (urllib3.make_headers(proxy_basic_auth=f"{user}:{password}")
                             if user else None)
            pool = urllib3.ProxyManager(proxy, proxy_headers=proxy_headers, **options)
        else:
            pool = urllib3.PoolManager(**options)
        self._pool, self._pid = pool, os.getpid()
        return pool

    def send(self, item: Item) -> Outcome:
        from urllib3 import Timeout
        from urllib3.exceptions import HTTPError, NewConnectionError, TimeoutError

        problem = check_webhook_url(self.url)
        if problem:
            return retry(problem)
        if not self.secret:
            return retry("PORTAL_WEBHOOK_SECRET is not set")
        headers = {"Content-Type": "application/json; charset=utf-8",
                   "Idempotency-Key": item.key, **sign(self.secret, item.body)}
        connect, read = self.timeout
        try:
            response = self._http().request(
                "POST", self.url, body=item.body, headers=headers, redirect=False,
                retries=False, timeout=Timeout(connect=connect, read=read))
        except NewConnectionError as exc:  # urllib3 counts a refused connection as a timeout
            return self._broken(exc)
        except TimeoutError as exc:
            return retry(f"timeout: {type(exc).__name__}")
        except (HTTPError, OSError) as exc:
            return self._broken(exc)
        status = response.status
        if 200 <= status < 300:
            return sent(_reference_from(response))
        detail = f"HTTP {status}: {response.data.decode('utf-8', 'replace')[:200]}"
        if status in RETRY_STATUSES or status >= 500:
            return retry(detail, parse_retry_after(response.headers.get("Retry-After")))
        return dead(detail)

    def _broken(self, exc) -> Outcome:
        self.close()  # start from a fresh connection pool next time
        return retry(f"connection error: {type(exc).__name__}: {exc}")

    def close(self):
        if self._pool is not None:
            self._pool.clear()
            self._pool = None


def _reference_from(response):
    try:
        data = response.json()
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    value = data.get("incident_id") or data.get("id")
    return str(value)[:120] if value not in (None, "") else None


class AmqpSink:
    """RabbitMQ: durable queue, persistent messages, mandatory publish, publisher confirms."""

    name = "amqp"
    in_database = False

    def __init__(self, url: str, queue: str, secret: str, timeout: float):
        self.url, self.queue, self.secret, self.timeout = url, queue, secret, timeout
        self._connection = None
        self._channel = None
        self._pid = None

    @property
    def worst_case_seconds(self) -> float:
        return 3 * self.timeout

    def _open(self):
        import pika

        if (self._channel is not None and self._channel.is_open and self._pid == os.getpid()):
            return self._channel
        self.close()
        params = pika.URLParameters(self.url)
        params.socket_timeout = self.timeout
        params.stack_timeout = self.timeout
        params.blocked_connection_timeout = self.timeout
        params.connection_attempts = 1
        self._connection = pika.BlockingConnection(params)
        self._pid = os.getpid()
        channel = self._connection.channel()
        channel.confirm_delivery()
        channel.queue_declare(queue=self.queue, durable=True)
        self._channel = channel
        return channel

    def _publish(self, item: Item):
        import pika

        headers = dict(sign(self.secret, item.body)) if self.secret else {}
        properties = pika.BasicProperties(
            content_type="application/json", content_encoding="utf-8",
            delivery_mode=pika.DeliveryMode.Persistent, message_id=item.key,
            headers=headers, type="incident.v1")
        self._open().basic_publish(exchange="", routing_key=self.queue, body=item.body,
                                   properties=properties, mandatory=True)

    def send(self, item: Item) -> Outcome:
        import pika.exceptions as errors

        reused = self._channel is not None
        for attempt in (1, 2):
            try:
                self._publish(item)  # returns only after the broker's ack
                return sent()
            except errors.UnroutableError:
                self.close()  # the next attempt reconnects and declares the queue again
                return retry(f"broker returned the message: queue {self.queue} missing")
            except errors.NackError:
                self.close()
                return retry("broker refused the message (nack)")
            except (errors.AMQPError, OSError) as exc:
                self.close()
                # A connection kept between rounds may have gone stale: one fresh try.
                if attempt == 1 and reused:
                    continue
                return retry(f"broker unreachable: {type(exc).__name__}: {exc}")
        return retry("broker unreachable")

    def close(self):
        connection, self._connection, self._channel = self._connection, None, None
        if connection is not None and connection.is_open:
            try:
                connection.close()
            except Exception:  # noqa: BLE001  (closing a broken connection may fail; it is gone)
                pass


def make_sink(config):
    """The sink named by PORTAL_SINK."""
    name = config.get("PORTAL_SINK", "local")
    if name == "webhook":
        return WebhookSink(config["PORTAL_WEBHOOK_URL"], config["PORTAL_WEBHOOK_SECRET"],
                           config.get("PORTAL_WEBHOOK_CONNECT_TIMEOUT", 3.05),
                           config.get("PORTAL_WEBHOOK_READ_TIMEOUT", 10.0))
    if name == "amqp":
        return AmqpSink(config["PORTAL_AMQP_URL"], config["PORTAL_AMQP_QUEUE"],
                        config.get("PORTAL_WEBHOOK_SECRET", ""),
                        config.get("PORTAL_AMQP_TIMEOUT", 5.0))
    if name == "local":
        return LocalSink()
    raise ValueError(f"unknown PORTAL_SINK {name!r} (local, webhook or amqp)")
