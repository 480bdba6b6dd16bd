"""Start localstripe (a Stripe API fake; GPL-3, dev/test only) as a separate process.

Sandbox mode (no STRIPE_SECRET_KEY) points the Stripe SDK and Stripe.js at it.
It runs in a fresh temporary directory (it writes ``localstripe.pickle`` into its
working directory) with ``--from-scratch``. Note: localstripe binds every
interface (``::``) on its port; keep the port firewalled on shared machines.

    python -m commerce.payment.localstripe_server --port 8420 \
        --webhook-url http://127.0.0.1:8000/webhooks/stripe/ --webhook-secret whsec_...

runs it in the foreground until interrupted; ``start_localstripe()`` does the
same from Python and returns a handle with the base URL.
"""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LocalStripe:
    url: str  # e.g. http://127.0.0.1:8420 (STRIPE_API_BASE)
    process: subprocess.Popen
    workdir: str
    _stopped: bool = field(default=False, repr=False)

    @property
    def js_url(self) -> str:
        return f"{self.url}/js.stripe.com/v3/"

    def register_webhook(self, url: str, secret: str, events: list[str] | None = None,
                         name: str = "omniport") -> None:
        """Have localstripe send signed events to ``url`` (our webhook endpoint)."""
        body: dict[str, object] = {"url": url, "secret": secret}
        if events:
            body["events"] = events
        req = urllib.request.Request(f"{self.url}/_config/webhooks/{name}",  # noqa: S310
                                     data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=5):  # noqa: S310 - a loopback URL we built
            pass

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> LocalStripe:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/js.stripe.com/v3/", timeout=1) as resp:  # noqa: S310
            return resp.status == 200
    except (urllib.error.URLError, OSError):
        return False


def start_localstripe(port: int | None = None, *, timeout: float = 30.0,
                      quiet: bool = True) -> LocalStripe:
    """Start localstripe on ``port`` (a free one if None) in a temp dir; wait until it answers."""
    port = port or free_port()
    workdir = tempfile.mkdtemp(prefix="localstripe-")
    out = subprocess.DEVNULL if quiet else None
    process = subprocess.Popen(
        [sys.executable, "-m", "localstripe", "--port", str(port), "--from-scratch"],
        cwd=workdir, stdout=out, stderr=out, preexec_fn=_die_with_parent,  # noqa: PLW1509
    )
    url = f"http://127.0.0.1:{port}"
    handle = LocalStripe(url=url, process=process, workdir=workdir)
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"localstripe exited with code {process.returncode} "
                                   f"(is port {port} free?)")
            if _ready(url):
                return handle
            time.sleep(0.1)
        raise RuntimeError(f"localstripe did not answer on {url} within {timeout:.0f}s")
    except BaseException:
        handle.stop()
        raise


def _die_with_parent() -> None:
    """Linux: the sandbox ends when the process that started it ends (no orphans)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def start_sandbox_from_settings() -> LocalStripe | None:
    """For ``make run``: in sandbox mode (no STRIPE_SECRET_KEY) start localstripe on
    LOCALSTRIPE_PORT and register PUBLIC_URL/webhooks/stripe/ with STRIPE_WEBHOOK_SECRET.
    Returns None when a real Stripe key is configured. Needs Django settings loaded."""
    from django.conf import settings

    if not settings.STRIPE_SANDBOX:
        return None
    handle = start_localstripe(settings.LOCALSTRIPE_PORT, quiet=True)
    handle.register_webhook(f"{settings.PUBLIC_URL}/webhooks/stripe/",
                            settings.STRIPE_WEBHOOK_SECRET)
    return handle


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8420)
    parser.add_argument("--webhook-url", default="")
    parser.add_argument("--webhook-secret", default="")
    args = parser.parse_args(argv)

    def _interrupt(*_args: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _interrupt)
    handle: LocalStripe | None = None
    try:
        handle = start_localstripe(args.port, quiet=False)
        if args.webhook_url:
            handle.register_webhook(args.webhook_url, args.webhook_secret)
        print(f"localstripe on {handle.url} (Stripe.js: {handle.js_url})", flush=True)
        handle.process.wait()
    except KeyboardInterrupt:
        pass
    finally:
        if handle is not None:
            handle.stop()

if __name__ == "__main__":
    main()
