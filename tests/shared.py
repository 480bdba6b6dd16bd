"""Where the shared reference material lives (Saleor SDL, marketplace specs).

Those files are never copied into the repository: tests read them from
``<repo>/../shared`` (or ``$OMNIPORT_SHARED_DIR``). Without the folder a test skips,
except in CI (``CI`` set), where a missing reference is a failure.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def shared_dir() -> Path:
    return Path(os.environ.get("OMNIPORT_SHARED_DIR", REPO.parent / "shared"))


def require_shared(*parts: str) -> Path:
    """Path to a shared reference file.

    Skips when the shared folder itself is absent (a bare clone), fails in CI or when
    the folder exists but lacks the file (a broken reference is a real problem).
    """
    root = shared_dir()
    path = root.joinpath(*parts)
    if not root.is_dir():
        message = f"shared folder not found at {root} (set OMNIPORT_SHARED_DIR)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    if not path.exists():
        pytest.fail(f"shared reference missing: {path}")
    return path
