"""moto in server mode for integration tests (real HTTP, real boto3), and a fault proxy.

- the ``moto_session_server`` fixture starts ``ThreadedMotoServer`` on 127.0.0.1 with an
  ephemeral port once per test session; the ``moto`` fixture resets its state
  (``POST /moto-api/reset``) before each test and isolates the test from the machine's AWS
  configuration.
- :class:`FaultProxy` is a small stdlib HTTP proxy in front of moto that answers chosen
  requests (by region and API action) with an error a given number of times, then passes
  them through, and logs every request it sees.

Import the fixtures into a test module: ``from tests.integration.moto_server import
moto_fixture, moto_session_server_fixture`` (registered as ``moto``, ``moto_session_server``).
"""

from __future__ import annotations

import http.client
import logging
import re
import threading
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

ACCOUNT = "123456789012"  # moto's default account
_CREDENTIAL_REGION = re.compile(r"Credential=[^/]+/\d{8}/([^/]+)/")


@dataclass
class MotoServer:
    url: str

    def reset(self) -> None:
        req = urllib.request.Request(f"{self.url}/moto-api/reset", method="POST", data=b"")
        with urllib.request.urlopen(req, timeout=30) as r:
            r.read()

    def client(self, service: str, region: str = "us-east-1", **kw: Any) -> Any:
        import boto3

        kw.setdefault("aws_access_key_id", "testing")
        kw.setdefault("aws_secret_access_key", "testing")
        return boto3.client(service, region_name=region, endpoint_url=self.url, **kw)


@pytest.fixture(scope="session", name="moto_session_server")
def moto_session_server_fixture() -> Iterator[MotoServer]:
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield MotoServer(f"http://{host}:{port}")
    finally:
        server.stop()


@pytest.fixture(name="moto")
def moto_fixture(moto_session_server: MotoServer, monkeypatch: pytest.MonkeyPatch,
         tmp_path: Path) -> MotoServer:
    """A freshly reset server; AWS settings of the machine cannot leak into the test."""
    moto_session_server.reset()
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_EC2",
                 "AWS_ENDPOINT_URL_STS", "AWS_SESSION_TOKEN", "AWS_ROLE_ARN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return moto_session_server


# -- fault injection ---------------------------------------------------------------------------
@dataclass
class Fault:
    """Answer requests matching ``region``/``action`` (``None`` = any) with ``status`` and the
    EC2 error ``code``, ``times`` times (``-1`` = always)."""

    status: int
    code: str
    region: str | None = None
    action: str | None = None
    times: int = 1

    def body(self) -> bytes:
        return (
            "<?xml version='1.0' encoding='UTF-8'?><Response><Errors><Error>"
            f"<Code>{self.code}</Code><Message>injected {self.code}</Message></Error></Errors>"
            "<RequestID>fault-proxy</RequestID></Response>"
        ).encode()


@dataclass
class FaultProxy:
    upstream: str
    faults: list[Fault] = field(default_factory=list)
    seen: list[tuple[str, str, int]] = field(default_factory=list)  # (region, action, status)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> FaultProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def count(self, action: str, region: str | None = None) -> int:
        return sum(1 for r, a, _ in self.seen if a == action and region in (None, r))

    def pick(self, region: str, action: str) -> Fault | None:
        with self._lock:
            for f in self.faults:
                if f.times == 0 or f.region not in (None, region) or f.action not in (None,
                                                                                      action):
                    continue
                if f.times > 0:
                    f.times -= 1
                return f
        return None

    def log(self, region: str, action: str, status: int) -> None:
        with self._lock:
            self.seen.append((region, action, status))


def _handler(proxy: FaultProxy) -> type[BaseHTTPRequestHandler]:
    target = urllib.parse.urlsplit(proxy.upstream)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        def _relay(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            action = urllib.parse.parse_qs(body.decode()).get("Action", [""])[0]
            m = _CREDENTIAL_REGION.search(self.headers.get("Authorization", ""))
            region = m.group(1) if m else ""
            fault = proxy.pick(region, action)
            if fault is not None:
                proxy.log(region, action, fault.status)
                self._answer(fault.status, fault.body(), {"Content-Type": "text/xml"})
                return
            conn = http.client.HTTPConnection(target.hostname, target.port, timeout=60)
            try:
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                conn.request(self.command, self.path, body=body, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                keep = {k: v for k, v in resp.getheaders()
                        if k.lower() not in ("transfer-encoding", "connection", "content-length")}
                proxy.log(region, action, resp.status)
                self._answer(resp.status, data, keep)
            finally:
                conn.close()

        def _answer(self, status: int, data: bytes, headers: dict[str, str]) -> None:
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_POST = _relay
        do_GET = _relay

    return Handler
