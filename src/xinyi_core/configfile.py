"""Reading a TOML configuration file: its text, its syntax and typed values.

Each failure is one Chinese :class:`ConfigError` that names the file, the
dotted key and what was expected. Used by :mod:`xinyi_core.config` for
``xinyi.toml`` and ``towns.toml``.
"""
from __future__ import annotations

import datetime as dt
import os
import re
import tomllib
from pathlib import Path
from typing import Any, Callable

from .errors import ConfigError
from .i18n import t

HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class Reader:
    """Typed access to a TOML table that reports the file and dotted key on error."""

    def __init__(self, path: Path | None, data: dict[str, Any]) -> None:
        self.path = path
        self.data = data

    def fail(self, key: str, expected: str) -> ConfigError:
        return ConfigError("config.invalid", file=str(self.path or t("config.builtin")), key=key, expected=expected)

    def get(self, key: str, kind: type | tuple[type, ...], default: Any, expected: str) -> Any:
        node: Any = self.data
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                return default
            node = node[part]
        if kind is int and isinstance(node, bool):
            raise self.fail(key, expected)
        if not isinstance(node, kind):
            raise self.fail(key, expected)
        return node

    def check(self, key: str, value: Any, ok: Callable[[Any], bool], expected: str) -> Any:
        if not ok(value):
            raise self.fail(key, expected)
        return value


def hhmm(value: str) -> dt.time:
    hours, minutes = value.split(":")
    return dt.time(int(hours), int(minutes))


def parse_time(r: Reader, key: str, value: Any) -> dt.time:
    r.check(key, value, lambda v: isinstance(v, str) and bool(HHMM.match(v)), t("config.expect.hhmm"))
    return hhmm(value)


def parse_dates(r: Reader, key: str, values: list[Any]) -> frozenset[dt.date]:
    out = set()
    for v in values:
        if isinstance(v, dt.date) and not isinstance(v, dt.datetime):
            out.add(v)
        elif isinstance(v, str):
            try:
                out.add(dt.date.fromisoformat(v))
            except ValueError:
                raise r.fail(key, t("config.expect.dates")) from None
        else:
            raise r.fail(key, t("config.expect.dates"))
    return frozenset(out)


def read_text(path: Path) -> str:
    """A TOML file's text; not UTF-8 (Notepad's GBK) or unreadable (a folder) is a Chinese error."""
    try:
        return path.read_text("utf-8")
    except UnicodeDecodeError:
        raise ConfigError("config.encoding", file=str(path)) from None
    except FileNotFoundError:
        raise  # the caller says "missing"
    except OSError:
        raise ConfigError("config.unreadable", file=str(path)) from None


def path_value(r: Reader, key: str, default: str) -> str:
    """A path setting; a NUL character (valid in TOML) would crash every file call later."""
    value = r.get(key, str, default, t("config.expect.path"))
    return r.check(key, value, lambda v: "\x00" not in v, t("config.expect.path"))


def is_timezone(name: str) -> bool:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError  # only when a city sets one

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def resolve(base: Path, value: str) -> Path:
    p = Path(os.path.expanduser(value))
    return p if p.is_absolute() else (base / p).resolve()


def parse(path: Path) -> dict[str, Any]:
    """A TOML file's tables; bad syntax is a Chinese error naming the file."""
    try:
        return tomllib.loads(read_text(path))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("config.syntax", file=str(path), detail=str(exc)) from None
