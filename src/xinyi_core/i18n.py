"""The one message catalogue: every user-facing string goes through :func:`t`.

Core messages live in ``locale/zh_CN/*.toml`` (one file per area, one
namespace); a plugin adds its own through the ``xinyi_messages`` hook (keys
prefixed with the plugin's name). Keys are dotted
paths, values are ``str.format`` templates.
"""
from __future__ import annotations

import sys
import tomllib
from pathlib import Path
from typing import Any, Callable, Mapping

from . import usercache

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


def parse_catalogue(data: bytes) -> dict[str, Any]:
    """A catalogue file's TOML, parsed — from the OS user's cache (:mod:`usercache`), keyed by the
    file's content, when it is there.

    Parsing the core's and six plugins' catalogues with tomllib (~1,800 messages) was ~10 ms of
    every process's start — the terminal app's, the worker's, each ``xinyi report`` (issue 21) —
    where reading the marshalled result takes well under one. The key is a hash of the bytes, so an
    edited or upgraded catalogue is parsed anew, never shown stale. Messages hold no personal data.
    """
    key = usercache.digest(data, 16)
    cached = usercache.load("catalogues", key)
    if isinstance(cached, dict):
        return cached
    parsed = tomllib.loads(data.decode("utf-8"))
    usercache.store("catalogues", key, parsed)
    return parsed


def _load_core() -> None:
    for entry in sorted((Path(__file__).parent / "locale" / LOCALE).glob("*.toml")):
        _flatten("", parse_catalogue(entry.read_bytes()), _catalogue)


def _package_file(package: str, name: str) -> bytes:
    """The bytes of the file ``name`` beside ``package``'s ``__init__``: by its path when the package
    is a folder on disk, as an installed plugin is (importlib.resources, for a package in a zip or
    without a file, costs ~8 ms to import in every process's start — issue 21)."""
    module = sys.modules.get(package)
    where = getattr(module, "__file__", None)
    if where:
        return (Path(where).parent / name).read_bytes()
    from importlib import resources

    return resources.files(package).joinpath(name).read_bytes()


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
    messages = parse_catalogue(_package_file(package, "messages.toml"))
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
