"""`make run`: one command that starts Omniport locally with demo data.

Starts (or reuses) the embedded PostgreSQL and Redis when no DATABASE_URL /
CELERY_BROKER_URL is set, migrates, seeds the demo once, then runs the web
server, a Celery worker, Celery beat and the local sandboxes (marketplaces,
Stripe, SMTP inbox) as child processes, prints where everything is, and stops
them all cleanly on Ctrl-C.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
PY = sys.executable


@dataclass
class Proc:
    name: str
    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)
    popen: subprocess.Popen[bytes] | None = None


def _pump(proc: Proc, width: int) -> None:
    assert proc.popen is not None and proc.popen.stdout is not None
    prefix = f"{proc.name:<{width}} | ".encode()
    for line in iter(proc.popen.stdout.readline, b""):
        sys.stdout.buffer.write(prefix + line)
        sys.stdout.buffer.flush()


def _wait_http(url: str, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:  # noqa: S310 (loopback)
                if resp.status < 500:
                    return True
        except OSError:
            time.sleep(0.3)
    return False


def processes(host: str, port: int) -> list[Proc]:
    """Everything `make run` keeps running; sandboxes join through settings.LOCAL_SERVICES."""
    from django.conf import settings

    procs = [
        Proc(
            "web",
            [
                PY,
                "-m",
                "gunicorn",
                "config.wsgi:application",
                "--bind",
                f"{host}:{port}",
                "--workers",
                os.environ.get("WEB_CONCURRENCY", "2"),
                "--threads",
                "4",
                "--access-logfile",
                "-",
                "--graceful-timeout",
                "5",
            ],
        ),
        Proc(
            "worker",
            [
                PY,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--loglevel",
                "INFO",
                "--concurrency",
                os.environ.get("WORKER_CONCURRENCY", "2"),
                "-Q",
                settings.CELERY_TASK_DEFAULT_QUEUE,
                "-n",
                "worker@%h",
            ],
        ),
        Proc("beat", [PY, "-m", "celery", "-A", "config", "beat", "--loglevel", "INFO"]),
    ]
    for name, argv in getattr(settings, "LOCAL_SERVICES", {}).items():
        procs.append(Proc(name, [PY if a == "{python}" else a for a in argv]))
    return procs


def _banner(base_url: str, logins: list[tuple[str, str, str]]) -> str:
    from django.conf import settings

    lines = [
        "",
        "Omniport is running.",
        f"  Storefront : {base_url}/",
        f"  Cart       : {base_url}/en/cart/",
        f"  Admin      : {base_url}/admin/",
        f"  Clerk app  : {base_url}/store/  (store clerks, on a phone)",
        f"  GraphQL    : {base_url}/graphql/",
    ]
    for label, url in getattr(settings, "LOCAL_SERVICE_URLS", {}).items():
        lines.append(f"  {label:<11}: {url}")
    if logins:
        lines.append("Demo logins (email / password — role):")
        for email, password, role in logins:
            lines.append(f"  {email:<28} / {password:<8} — {role}")
    lines += ["Press Ctrl-C to stop.", ""]
    return "\n".join(lines)


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.chdir(BASE_DIR)
    import django
    from django.core.management import call_command

    django.setup()  # starts embedded PostgreSQL / Redis when no URLs are configured
    print("Applying migrations…", flush=True)
    call_command("migrate", interactive=False, verbosity=0)
    print("Seeding demo data (once)…", flush=True)
    from commerce.demo.seed import seed_demo

    report = seed_demo(int(os.environ.get("DEMO_PRODUCTS", "200")))
    print(f"Demo catalog: {report.skipped_products + report.created.get('products', 0)} products.",
          flush=True)
    if report.created:
        print("Demo data created: " + ", ".join(f"{what} {n}" for what, n in report.created.items()),
              flush=True)

    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "8000"))
    procs = processes(host, port)
    width = max(len(p.name) for p in procs)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    for proc in procs:
        proc.popen = subprocess.Popen(
            proc.argv,
            cwd=BASE_DIR,
            env={**env, **proc.env},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        threading.Thread(target=_pump, args=(proc, width), daemon=True).start()

    stopping = threading.Event()

    def stop(*_args: object) -> None:
        stopping.set()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)

    base_url = f"http://{host}:{port}"
    if _wait_http(f"{base_url}/healthz", 60):
        print(_banner(base_url, report.logins), flush=True)
    else:
        print("The web server did not answer in 60 s; see the web log above.", flush=True)

    exit_code = 0
    while not stopping.is_set():
        for proc in procs:
            if proc.popen and proc.popen.poll() is not None:
                print(f"{proc.name} exited with {proc.popen.returncode}; stopping.", flush=True)
                exit_code = 1
                stopping.set()
        stopping.wait(0.5)

    print("Stopping…", flush=True)
    for proc in procs:
        if proc.popen and proc.popen.poll() is None:
            os.killpg(proc.popen.pid, signal.SIGTERM)
    deadline = time.monotonic() + 15
    for proc in procs:
        if proc.popen:
            try:
                proc.popen.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(proc.popen.pid, signal.SIGKILL)
    from django.db import connections

    from config import embedded

    connections.close_all()
    if not os.environ.get("CELERY_BROKER_URL"):
        embedded.stop_redis()
    if not os.environ.get("DATABASE_URL"):
        embedded.stop_postgres()
    print("Stopped.", flush=True)
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
