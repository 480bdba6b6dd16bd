"""Storefront page benchmark: ``python -m benchmarks.storefront``.

Seeds 10,000 demo products (once) into a dedicated database ``omniport_bench`` on
the same PostgreSQL, serves the app with gunicorn (2 workers, production
settings), then drives each page with concurrency 8 for 15 s from a separate
process (``wrk`` when installed, from apt;
otherwise a small asyncio HTTP/1.1 client) as an anonymous shopper who chose Germany
(market cookie ``DE`` → EUR, FX-derived prices), in German. Pages: home, a
category listing 24 products, a product with 4 variants, and a search matching
hundreds of products. Queries per page are counted in-process with Django's
test client against the same database, for a cold worker (the figure reported)
and once it holds the catalogue's reference data (see ``storefront.cache``).

The last line is:
``p95_ms home=<f> category=<f> product=<f> search=<f> queries_max=<int> rps_min=<f>``
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import multiprocessing as mp
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
DB_NAME = os.environ.get("BENCH_DB_NAME", "omniport_bench")
PRODUCTS = 10_000
COOKIE = "market_country=DE"


def log(message: str) -> None:
    print(message, flush=True)


def base_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "PYTHONPATH": str(ROOT),
        "OMNIPORT_DB_NAME": DB_NAME,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "XDG_RUNTIME_DIR": env.get("XDG_RUNTIME_DIR", str(ROOT / "var" / "run")),
    })
    env.pop("DJANGO_ENV", None)  # development for setup; the server gets production
    return env


def production_env(static_root: Path) -> dict[str, str]:
    env = base_env()
    env.update({
        "DJANGO_ENV": "production",
        "DEBUG": "false",
        "SECRET_KEY": env.get("SECRET_KEY") or secrets.token_urlsafe(50),
        "FIELD_ENCRYPTION_KEYS": env.get("FIELD_ENCRYPTION_KEYS")
        or base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "STATIC_ROOT": str(static_root),
        "LOG_LEVEL": "WARNING",
    })
    return env


def setup_django() -> None:
    """Configure Django in this process for the benchmark database (development settings)."""
    for key, value in base_env().items():
        if key in ("OMNIPORT_DB_NAME", "DJANGO_SETTINGS_MODULE", "XDG_RUNTIME_DIR"):
            os.environ[key] = value
    os.environ.pop("DJANGO_ENV", None)
    import django

    django.setup()


def ensure_database() -> None:
    """Create the benchmark database on the configured server if it does not exist."""
    import psycopg
    from django.conf import settings
    from psycopg import sql
    from psycopg.conninfo import make_conninfo

    db = settings.DATABASES["default"]
    params = {"host": db["HOST"], "port": db["PORT"], "user": db["USER"],
              "password": db["PASSWORD"], "dbname": "postgres"}
    conninfo = make_conninfo(**{k: str(v) for k, v in params.items() if v})
    with psycopg.connect(conninfo, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                              [DB_NAME]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DB_NAME)))


def manage(*args: str, env: dict[str, str] | None = None) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env or base_env(), check=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("gunicorn did not become ready")


# --- load generator (runs in its own process) ---------------------------------------
async def _one_request(host: str, port: int, request: bytes) -> tuple[int, float]:
    started = time.perf_counter()
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(request)
        await writer.drain()
        head = await reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = None
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        if length is not None:
            await reader.readexactly(length)
        else:
            await reader.read()
    finally:
        writer.close()
    return status, time.perf_counter() - started


async def _drive(host: str, port: int, path: str, concurrency: int,
                 seconds: float) -> tuple[list[float], int, float]:
    request = (f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nCookie: {COOKIE}\r\n"
               "Accept-Language: de\r\nConnection: close\r\n\r\n").encode()
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal errors
        while time.perf_counter() < deadline:
            try:
                status, elapsed = await _one_request(host, port, request)
            except (OSError, asyncio.IncompleteReadError):
                errors += 1
                continue
            if status == 200:
                latencies.append(elapsed)
            else:
                errors += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, errors, time.perf_counter() - started


def _load_process(host: str, port: int, path: str, concurrency: int, seconds: float,
                  queue: mp.Queue) -> None:
    queue.put(asyncio.run(_drive(host, port, path, concurrency, seconds)))


def _drive_asyncio(host: str, port: int, path: str, concurrency: int,
                   seconds: float) -> tuple[list[float], int, float]:
    ctx = mp.get_context("spawn")
    queue: mp.Queue = ctx.Queue()
    proc = ctx.Process(target=_load_process, args=(host, port, path, concurrency, seconds, queue))
    proc.start()
    result = queue.get()
    proc.join()
    return result


WRK_SCRIPT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH %d %d %d %d\\n", summary.requests,
    e.connect + e.read + e.write + e.status + e.timeout, summary.duration,
    latency:percentile(95.0)))
end
"""


def _drive_wrk(host: str, port: int, path: str, concurrency: int,
               seconds: float) -> tuple[float, float, int, int]:
    """(p95 seconds, requests/s, ok, errors) measured by wrk (C, far lighter than Python)."""
    script = ROOT / "var" / "bench-wrk.lua"
    script.parent.mkdir(parents=True, exist_ok=True)
    script.write_text(WRK_SCRIPT)
    out = subprocess.run(
        ["wrk", "-t2", f"-c{concurrency}", f"-d{max(1, round(seconds))}s", "--timeout", "10s",
         "-s", str(script), "-H", f"Cookie: {COOKIE}", "-H", "Accept-Language: de",
         f"http://{host}:{port}{path}"],
        capture_output=True, text=True, check=True,
    ).stdout
    line = next(x for x in out.splitlines() if x.startswith("BENCH "))
    requests, errors, duration_us, p95_us = (int(v) for v in line.split()[1:])
    ok = requests - errors
    return p95_us / 1e6, ok / (duration_us / 1e6), ok, errors


def generator() -> str:
    wanted = os.environ.get("BENCH_LOAD_GENERATOR", "")
    if wanted:
        return wanted
    return "wrk" if shutil.which("wrk") else "asyncio"


def drive(host: str, port: int, path: str, concurrency: int,
          seconds: float) -> tuple[float, float, int, int]:
    """Load one page: (p95 seconds, ok requests/s, ok count, errors)."""
    if generator() == "wrk":
        return _drive_wrk(host, port, path, concurrency, seconds)
    latencies, errors, elapsed = _drive_asyncio(host, port, path, concurrency, seconds)
    return p95(latencies), len(latencies) / elapsed, len(latencies), errors


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


# --- setup in-process (development settings, same database) --------------------------
def page_paths_and_queries() -> tuple[dict[str, str], dict[str, int]]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from commerce.catalog.models import CategoryTranslation, Product, ProductTranslation

    product = Product.objects.get(metadata__demo_index=1)  # a hoodie in 4 sizes
    product_slug = ProductTranslation.objects.get(product=product, language_code="de").slug
    category_slug = CategoryTranslation.objects.get(category__slug="t-shirt",
                                                    language_code="de").slug
    paths = {
        "home": "/de/",
        "category": f"/de/category/{quote(category_slug)}/",
        "product": f"/de/product/{quote(product_slug)}/",
        "search": "/de/search/?q=Baumwolle",
    }
    from storefront.cache import forget_local

    client = Client()
    client.cookies["market_country"] = "DE"
    queries = {}
    for name, path in paths.items():
        forget_local()  # count a cold worker: no reference data kept from earlier pages
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        with CaptureQueriesContext(connection) as warm:
            client.get(path)
        body = response.content.decode()
        if name in ("category", "search"):
            cards = body.count('class="product-card"')
            log(f"  {name}: {cards} products on the page")
        queries[name] = len(ctx.captured_queries)
        log(f"  {name}: {queries[name]} queries cold, {len(warm.captured_queries)} once the "
            "worker holds the reference data")
    return paths, queries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    log(f"database {DB_NAME}: migrate and seed {PRODUCTS} products if needed")
    setup_django()
    ensure_database()
    manage("migrate", "-v", "0")
    manage("seed_storefront", "--products", str(PRODUCTS))
    static_root = ROOT / "var" / "bench-static"
    env = production_env(static_root)
    manage("collectstatic", "--noinput", "-v", "0", env=env)

    paths, queries = page_paths_and_queries()
    uncached = run_pass(paths, queries, env, args, cache_seconds=0)
    cached = run_pass(paths, queries, env, args, cache_seconds=None)
    log("without the anonymous page cache (STOREFRONT_PAGE_CACHE_SECONDS=0): "
        + summary(uncached, queries))
    log("with production defaults (anonymous page cache on):")
    log(summary(cached, queries))


def summary(results: dict[str, tuple[float, float, int]], queries: dict[str, int]) -> str:
    return (
        "p95_ms "
        + " ".join(f"{name}={results[name][0]:.1f}" for name in ("home", "category", "product",
                                                                 "search"))
        + f" queries_max={max(queries.values())}"
        + f" rps_min={min(r for _p, r, _e in results.values()):.1f}"
    )


def run_pass(paths: dict[str, str], queries: dict[str, int], env: dict[str, str],
             args: argparse.Namespace,
             cache_seconds: int | None) -> dict[str, tuple[float, float, int]]:
    env = dict(env)
    if cache_seconds is not None:
        env["STOREFRONT_PAGE_CACHE_SECONDS"] = str(cache_seconds)
    label = "page cache off" if cache_seconds == 0 else "production defaults"
    label += f", load from {generator()}, concurrency {args.concurrency}"
    port = free_port()
    log(f"gunicorn: {args.workers} workers on 127.0.0.1:{port}, production settings, {label}")
    server = subprocess.Popen(
        [PYTHON, "-m", "gunicorn", "config.wsgi:application", "--workers", str(args.workers),
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "--backlog", "512"],
        cwd=ROOT, env=env, start_new_session=True,
    )
    results: dict[str, tuple[float, float, int]] = {}
    try:
        wait_ready(f"http://127.0.0.1:{port}")
        for name, path in paths.items():
            drive("127.0.0.1", port, path, args.concurrency, 2.0)  # warm-up
            p95_s, rps, ok, errors = drive("127.0.0.1", port, path, args.concurrency,
                                           args.seconds)
            results[name] = (p95_s * 1000, rps, errors)
            log(f"  {name:8s} {path}: {ok} ok, {errors} errors, {rps:.1f} req/s, "
                f"p95 {p95_s * 1000:.1f} ms, {queries[name]} queries (cold worker)")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    if any(errors for _p, _r, errors in results.values()):
        log("WARNING: some requests failed")
    return results


if __name__ == "__main__":
    main()
