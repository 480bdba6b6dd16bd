"""GraphQL documents a headless client sends, with the fragments they spread.

Operations live one per file under ``operations/``; shared fragments live once under
``operations/fragments/<Name>.graphql`` and are appended to every document that spreads
them (``...Name``), the way a client's build step would.
"""

from __future__ import annotations

import re
from pathlib import Path

OPERATIONS = Path(__file__).resolve().parent / "operations"
FRAGMENTS = OPERATIONS / "fragments"
_SPREAD = re.compile(r"\.\.\.\s*([A-Z]\w*)")


def with_fragments(text: str) -> str:
    """``text`` followed by every fragment it spreads, directly or through another fragment."""
    parts, seen = [text], set()
    pending = _SPREAD.findall(text)
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        fragment = (FRAGMENTS / f"{name}.graphql").read_text()
        parts.append(fragment)
        pending.extend(_SPREAD.findall(fragment))
    return "\n".join(parts)


def load(path_or_name: Path | str, folder: str = "checkout") -> str:
    path = path_or_name if isinstance(path_or_name, Path) else OPERATIONS / folder / f"{path_or_name}.graphql"
    return with_fragments(path.read_text())
