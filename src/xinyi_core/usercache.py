"""What an OS user's xinyi processes keep between starts, so that each start need not redo it.

``~/.cache/xinyi/<kind>-<python>/`` (``$XDG_CACHE_HOME`` if set): only results derived from
installed files — the parsed message catalogues, the list of installed plugins — never data from
the database, and nothing personal. Values are marshalled (marshal's format is the Python
version's, hence the folder's suffix). A cache that cannot be read or written (no home, a full or
read-only disk, a damaged file) only means computing the value again, as without it; a file is
replaced whole, so a process reading it beside one writing it sees the old value or the new one.
"""
from __future__ import annotations

import marshal
import os
import sys
from pathlib import Path
from typing import Any

try:  # what hashlib.blake2b is, without hashlib's loading of OpenSSL (~2 ms of every start)
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - a Python built without it
    from hashlib import blake2b


def digest(data: bytes, size: int = 16) -> str:
    """A hex digest of ``data`` (BLAKE2b of ``size`` bytes): the name of a value derived from it."""
    return blake2b(data, digest_size=size).hexdigest()


def folder(kind: str) -> Path | None:
    """The folder of one kind of cached value; None for an account with no home."""
    root = os.environ.get("XDG_CACHE_HOME")
    if not root:
        home = os.path.expanduser("~")
        if not os.path.isabs(home):  # no HOME and no passwd entry: not a folder relative to the cwd
            return None
        root = os.path.join(home, ".cache")
    return Path(root) / "xinyi" / f"{kind}-{sys.version_info[0]}{sys.version_info[1]}-{marshal.version}"


def load(kind: str, name: str) -> Any:
    """The value stored under ``name``, or None when there is none (or it cannot be read)."""
    where = folder(kind)
    if where is None:
        return None
    try:
        return marshal.loads((where / f"{name}.marshal").read_bytes())
    except (OSError, ValueError, EOFError, TypeError):
        return None


def store(kind: str, name: str, value: Any) -> None:
    """Keep ``value`` (made of marshal's types: dicts, lists, tuples, strings, numbers) for later starts."""
    where = folder(kind)
    if where is None:
        return
    try:
        where.mkdir(parents=True, exist_ok=True)
        temp = where / f"{name}.{os.getpid()}.tmp"
        temp.write_bytes(marshal.dumps(value))
        os.replace(temp, where / f"{name}.marshal")  # whole or not at all, with other processes reading
    except (OSError, ValueError):
        pass
