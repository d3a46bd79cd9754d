"""A small real operations-platform stand-in: an HTTP server on 127.0.0.1 (ephemeral port).

It checks the signature, deduplicates by Idempotency-Key as the documentation asks platforms to,
and can misbehave on a share of requests: answer 500, answer 429 with Retry-After, hang past the
client's timeout (after storing), or store and then drop the connection without answering. It
can also be stopped (connection refused) and started again on the same port.
"""
import hashlib
import hmac
import json
import random
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

FAULTS = ("500", "429", "hang", "drop")


class Receiver:
    def __init__(self, secret="platform-secret", faults=None, seed=1, hang_seconds=1.0,
                 retry_after=1, delay=0.0):
        self.delay = delay  # seconds each request takes, to stretch a run out
        self.secret = secret
        self.faults = dict(faults or {})  # fault -> share of requests, e.g. {"500": 0.1}
        self.random = random.Random(seed)
        self.hang_seconds = hang_seconds
        self.retry_after = retry_after
        self.lock = threading.Lock()
        self.stored = {}  # idempotency key -> first body (bytes)
        self.incident_ids = {}
        self.requests = []  # (time, key, outcome)
        self.bodies_differ = []  # keys sent again with a different body
        self.bad_signatures = 0
        self.port = None
        self._server = None
        self._thread = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/incidents"

    def start(self):
        """Listen (again, on the same port once it had one)."""
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port or 0), self._handler())
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        """Stop listening: clients get connection refused until start() again."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def outcomes(self, key=None):
        return [o for _t, k, o in self.requests if key is None or k == key]

    def _choose_fault(self):
        roll = self.random.random()
        for fault in FAULTS:
            share = self.faults.get(fault, 0)
            if roll < share:
                return fault
            roll -= share
        return None

    def _store(self, key, body):
        """Store once per key; returns (incident id, True if it was new)."""
        with self.lock:
            if key in self.stored:
                if self.stored[key] != body:
                    self.bodies_differ.append(key)
                return self.incident_ids[key], False
            self.stored[key] = body
            self.incident_ids[key] = f"INC-{len(self.stored):05d}"
            return self.incident_ids[key], True

    def _handler(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # no 40 ms delayed-ACK stall between header and body

            def log_message(self, *args):
                pass

            def _answer(self, status, body=b"", headers=None):
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                key = self.headers.get("Idempotency-Key", "")
                if len(body) < length:  # the sender died mid-request: nothing to answer
                    receiver.requests.append((time.time(), key, "incomplete"))
                    self.close_connection = True
                    return None
                timestamp = self.headers.get("X-Portal-Timestamp", "")
                expected = "sha256=" + hmac.new(receiver.secret.encode(),
                                                timestamp.encode() + b"." + body,
                                                hashlib.sha256).hexdigest()
                fresh = timestamp.isdigit() and abs(time.time() - int(timestamp)) <= 300
                if not (fresh and hmac.compare_digest(expected,
                                                      self.headers.get("X-Portal-Signature", ""))):
                    receiver.bad_signatures += 1
                    receiver.requests.append((time.time(), key, "401"))
                    return self._answer(401, b'{"error":"bad signature"}')
                if receiver.delay:
                    time.sleep(receiver.delay)
                with receiver.lock:
                    fault = receiver._choose_fault()
                receiver.requests.append((time.time(), key, fault or "200"))
                if fault == "500":
                    return self._answer(500, b'{"error":"boom"}')
                if fault == "429":
                    return self._answer(429, b'{"error":"slow down"}',
                                        {"Retry-After": str(receiver.retry_after)})
                incident_id, _new = receiver._store(key, body)
                if fault == "hang":
                    time.sleep(receiver.hang_seconds)
                    self.close_connection = True
                    return None
                if fault == "drop":
                    self.close_connection = True
                    try:
                        self.connection.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass
                    return None
                return self._answer(200, json.dumps({"incident_id": incident_id}).encode())

        return Handler
