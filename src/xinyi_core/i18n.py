"""The one message catalogue: every user-facing string goes through :func:`t`.

Core messages live in ``locale/zh_CN/*.toml`` (one file per area, one
namespace); a plugin adds its own through the ``xinyi_messages`` hook (keys
prefixed with the plugin's name). Keys are dotted
paths, values are ``str.format`` templates.
"""
from __future__ import annotations

import hashlib
import marshal
import os
import sys
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any, Callable, Mapping

LOCALE = "zh_CN"
_catalogue: dict[str, str] = {}
_strict = False


class MessageKeyError(LookupError):
    """A wrong use of the catalogue, raised only in strict mode (tests): see :func:`set_strict`."""


def set_strict(on: bool = True) -> None:
    """Make a wrong use of the catalogue raise :class:`MessageKeyError` instead of showing ``⟨key⟩``.

    ``xinyi_core.testing`` turns this on for every test run, so that passing Chinese text where a
    key belongs (``ValidationError("village", "请选择本镇的村")``), a misspelt key or a template
    parameter left out fails the test that reaches it. Production stays lenient: an operator sees
    the bracketed key rather than losing her session.
    """
    global _strict
    _strict = on


def is_strict() -> bool:
    return _strict


def _flatten(prefix: str, table: Mapping[str, Any], out: dict[str, str]) -> None:
    for key, value in table.items():
        full = f"{prefix}.{key}" if prefix else key
        if isinstance(value, Mapping):
            _flatten(full, value, out)
        else:
            out[full] = str(value)


def _cache_folder() -> Path | None:
    """Where this OS user's parsed catalogues are kept: ``~/.cache/xinyi/catalogues-<python>``
    (``$XDG_CACHE_HOME`` if set; None for an account with no home). marshal's format is the
    Python version's, hence the suffix."""
    root = os.environ.get("XDG_CACHE_HOME")
    if not root:
        home = os.path.expanduser("~")
        if not os.path.isabs(home):  # no HOME and no passwd entry: not a folder relative to the cwd
            return None
        root = os.path.join(home, ".cache")
    return Path(root) / "xinyi" / f"catalogues-{sys.version_info[0]}{sys.version_info[1]}-{marshal.version}"


def parse_catalogue(data: bytes) -> dict[str, Any]:
    """A catalogue file's TOML, parsed — from a cache keyed by the file's content when it is there.

    Parsing the core's and six plugins' catalogues with tomllib (~1,800 messages) was ~10 ms of
    every process's start — the terminal app's, the worker's, each ``xinyi report`` (issue 21) —
    where reading the marshalled result takes well under one. The key is a hash of the bytes, so an
    edited or upgraded catalogue is parsed anew, never shown stale; a cache that cannot be read or
    written (no home, a full disk) only means parsing, as before. Messages hold no personal data.
    """
    folder = _cache_folder()
    if folder is None:
        return tomllib.loads(data.decode("utf-8"))
    key = hashlib.blake2b(data, digest_size=16).hexdigest()
    cached = folder / f"{key}.marshal"
    try:
        loaded = marshal.loads(cached.read_bytes())
        if isinstance(loaded, dict):
            return loaded
    except (OSError, ValueError, EOFError, TypeError):
        pass
    parsed = tomllib.loads(data.decode("utf-8"))
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        temp = cached.with_name(f"{key}.{os.getpid()}.tmp")
        temp.write_bytes(marshal.dumps(parsed))
        os.replace(temp, cached)  # whole or not at all, with other processes reading
    except (OSError, ValueError):
        pass
    return parsed


def _load_core() -> None:
    folder = resources.files("xinyi_core").joinpath(f"locale/{LOCALE}")
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            _flatten("", parse_catalogue(entry.read_bytes()), _catalogue)


def register(messages: Mapping[str, Any], prefix: str = "") -> None:
    """Add messages (nested tables allowed) to the catalogue."""
    _flatten(prefix, messages, _catalogue)


def package_messages(package: str, prefix: str) -> dict[str, Any]:
    """Load ``<package>/messages.toml`` and register it under ``prefix`` now.

    A plugin calls this at import and returns the result from its
    ``xinyi_messages`` hook. Registering at import (not only at start-up)
    means labels built at class-definition time — key bindings, column
    headings — are translated even when a module is imported before the
    runtime starts (tests, tooling).
    """
    messages = parse_catalogue(resources.files(package).joinpath("messages.toml").read_bytes())
    register(messages, prefix=prefix)
    return messages


def has(key: str) -> bool:
    return key in _catalogue


def t(key: str, /, **params: Any) -> str:
    """The Chinese text for ``key`` with ``params`` filled in.

    A missing key returns the key itself in brackets so that a gap shows on
    screen instead of crashing an operator's session; in strict mode (tests) it
    raises :class:`MessageKeyError`, as does a template parameter left out.
    """
    template = _catalogue.get(key)
    if template is None:
        if _strict:
            raise MessageKeyError(f"{key!r} is not a message key: pass a key of the catalogue (locale/zh_CN/*.toml "
                                  "or the plugin's messages.toml), not the text itself")
        return f"⟨{key}⟩"
    try:
        return template.format(**params)
    except (KeyError, IndexError) as exc:
        if _strict:
            raise MessageKeyError(f"message {key!r} needs the parameter {exc}") from None
        return template


def translator(prefix: str) -> Callable[..., str]:
    """:func:`t` for the keys under ``prefix``, said once instead of in every module.

    ``tr = translator("leave.screen")`` at module level; then ``tr("title", n=3)``
    is ``t("leave.screen.title", n=3)``.
    """
    def tr(key: str, /, **params: Any) -> str:
        return t(f"{prefix}.{key}", **params)

    return tr


_load_core()
