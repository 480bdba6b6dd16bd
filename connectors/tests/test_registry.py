"""Registry, sandbox start-up (as ``make run`` does it) and small shared pieces."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from connectors.amazon.connector import AmazonConnector
from connectors.base import AccountCredentials, AuthFailed, Connector, Transient
from connectors.ebay.connector import EbayConnector
from connectors.http import NO_RETRY, guarded
from connectors.ratelimit import TokenBucket
from connectors.registry import demo_credentials, get_connector, start_sandboxes
from connectors.tests import specs
from connectors.tests.conftest import FrozenClock

REPO = Path(__file__).resolve().parents[2]


def test_get_connector_picks_the_class_by_marketplace(amazon_app, ebay_app):
    with get_connector(amazon_app.credentials()) as amazon:
        assert isinstance(amazon, AmazonConnector) and amazon.bulk_limit == 10_000
    with get_connector(ebay_app.credentials(), retry=NO_RETRY) as ebay:
        assert isinstance(ebay, EbayConnector) and ebay.bulk_limit == 25
        assert ebay.rate_limits["update_offers"].rate == pytest.approx(2_000_000 / 86_400)


def test_unknown_marketplace_is_auth_failed():
    with pytest.raises(AuthFailed, match="no connector for marketplace 'etsy'"):
        get_connector(AccountCredentials(marketplace="etsy", site="x"))


def test_sandboxes_start_together_and_serve_the_demo_accounts():
    running = start_sandboxes(ports={"amazon": 0, "ebay": 0})
    try:
        since = datetime.now(UTC) - timedelta(minutes=5)
        for name, (_, base_url) in running.items():
            with get_connector(demo_credentials(name, base_url)) as connector:
                assert connector.fetch_orders(since).orders == ()
                status = connector.token_status()
                assert status is not None and status.state == "valid"
    finally:
        for server, _ in running.values():
            server.close()


def test_sandboxes_run_as_processes_for_make_run():
    modules = {"amazon": "connectors.amazon.sandbox", "ebay": "connectors.ebay.sandbox"}
    ports = {}
    for name in modules:
        with socket_port() as port:
            ports[name] = port
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", module, "--port", str(ports[name])],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            cwd=REPO,
        )
        for name, module in modules.items()
    ]
    try:
        for name, port in ports.items():
            state = None
            for _ in range(400):
                try:
                    state = httpx.get(f"http://127.0.0.1:{port}/_sandbox/state", timeout=1).json()
                    break
                except httpx.TransportError:
                    time.sleep(0.05)
            assert state is not None and state["name"] == name
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=10)


class socket_port:  # noqa: N801 - a tiny context manager
    """A free loopback port (closed again before use)."""

    def __enter__(self) -> int:
        import socket

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        return int(self.sock.getsockname()[1])

    def __exit__(self, *exc: object) -> None:
        self.sock.close()


def test_all_sandboxes_run_in_one_process():
    with socket_port() as amazon_port, socket_port() as ebay_port:
        pass
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "OMNIPORT_AMAZON_SANDBOX_PORT": str(amazon_port),
        "OMNIPORT_EBAY_SANDBOX_PORT": str(ebay_port),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "connectors.sandboxes"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        cwd=REPO,
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline().decode() for _ in range(2)]
        assert f"127.0.0.1:{amazon_port}" in lines[0] and f"127.0.0.1:{ebay_port}" in lines[1]
        state = httpx.get(f"http://127.0.0.1:{ebay_port}/_sandbox/state", timeout=5).json()
        assert state["name"] == "ebay"
    finally:
        process.terminate()
        assert process.wait(timeout=10) == 0


def test_token_bucket_allows_the_burst_then_the_rate():
    clock = FrozenClock()
    bucket = TokenBucket(rate=2, burst=3, clock=clock)

    assert [bucket.take() for _ in range(3)] == [0.0, 0.0, 0.0]
    assert bucket.take() == pytest.approx(0.5)
    clock.now += 0.5
    assert bucket.take() == 0.0
    assert bucket.reserve(max_wait=0.4) is None and bucket.reserve(max_wait=1.0) == 0.5


def test_unexpected_errors_leave_a_connector_as_transient():
    class Broken:
        @guarded
        def fetch(self) -> None:
            raise KeyError("payload")

    with pytest.raises(Transient) as caught:
        Broken().fetch()
    assert caught.value.code == "unexpected"


def test_every_connector_implements_the_whole_interface():
    for cls in (AmazonConnector, EbayConnector):
        assert issubclass(cls, Connector) and not cls.__abstractmethods__
        assert cls.bulk_limit >= 1 and cls.rate_limits


def test_missing_specs_skip_locally_and_fail_in_ci(monkeypatch, tmp_path):
    monkeypatch.setenv("OMNIPORT_SHARED_DIR", str(tmp_path / "absent"))
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception):
        specs.marketplaces_dir()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception):
        specs.marketplaces_dir()
