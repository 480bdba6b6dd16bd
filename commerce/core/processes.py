"""Run code in separate OS processes with their own database connections.

Used by multi-process tests and benchmarks. Children are forked from a parent
that has closed its connections first, so each opens its own connection to
the same database (the test database under pytest) and Django is not set up
again; results come back through a queue.
"""

from __future__ import annotations

import importlib
import multiprocessing as mp
import queue as queue_mod
import time
from typing import Any

_INHERITED: list[object] = []


def detach_inherited_connections() -> None:
    """In a forked child: forget the parent's database sockets without closing them.

    Closing would end the parent's session; using them would interleave two processes on
    one socket. The objects are kept referenced so no finalizer runs (children leave with
    os._exit), and the next query opens a connection of the child's own.
    """
    from django.db import connections

    for conn in connections.all(initialized_only=True):
        if conn.connection is not None:
            _INHERITED.append(conn.connection)
            conn.connection = None
        conn.in_atomic_block = False
        conn.savepoint_ids = []
        conn.atomic_blocks = []
        conn.needs_rollback = False
        conn.closed_in_transaction = False


def _child(target: str, args: tuple, barrier, queue) -> None:  # noqa: ANN001
    from django.db import connections

    detach_inherited_connections()
    module, _sep, name = target.partition(":")
    func = getattr(importlib.import_module(module), name)
    if barrier is not None:
        barrier.wait(timeout=120)
    try:
        queue.put(("ok", func(*args)))
    except Exception as exc:  # reported to the parent, which asserts on it
        queue.put(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        connections.close_all()


def run_in_processes(
    target: str, args_list: list[tuple], *, start_together: bool = True, timeout: float = 300
) -> list[tuple[str, Any]]:
    """Run ``target(*args)`` (target as "module:function") once per args tuple, each in
    its own process and connection; return their results. A dead child is an error."""
    from django.db import connections

    connections.close_all()  # never share a socket with a child
    ctx = mp.get_context("fork")
    queue = ctx.Queue()
    barrier = ctx.Barrier(len(args_list)) if start_together else None
    procs = [ctx.Process(target=_child, args=(target, args, barrier, queue)) for args in args_list]
    for p in procs:
        p.start()
    results: list[tuple[str, Any]] = []
    deadline = time.monotonic() + timeout
    while len(results) < len(procs) and time.monotonic() < deadline:
        try:
            results.append(queue.get(timeout=1))
        except queue_mod.Empty:
            if all(not p.is_alive() for p in procs):
                break
    for p in procs:
        p.join(timeout=30)
        if p.is_alive():
            p.kill()
    results += [("error", "process died without a result")] * (len(procs) - len(results))
    return results
