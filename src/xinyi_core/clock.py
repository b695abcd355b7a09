"""The one source of "now", in the city's time zone, so tests can fix the clock."""
from __future__ import annotations

import contextlib
import datetime as dt
from typing import Iterator

DEFAULT_TIMEZONE = "Asia/Shanghai"
# China's time: UTC+8 all year, no daylight saving since 1991 — the same hours as the tz database's
# Asia/Shanghai for every date this software records, without loading zoneinfo and the zone's file in
# every process (issue 21: a short report's start). A city that sets another zone gets the tz database's.
TZ: dt.tzinfo = dt.timezone(dt.timedelta(hours=8), DEFAULT_TIMEZONE)
_fixed: dt.datetime | None = None


def set_timezone(name: str) -> None:
    global TZ
    if name == DEFAULT_TIMEZONE:
        TZ = dt.timezone(dt.timedelta(hours=8), DEFAULT_TIMEZONE)
        return
    from zoneinfo import ZoneInfo

    TZ = ZoneInfo(name)


def fix(at: dt.datetime | None) -> None:
    """Stand the clock at ``at`` for the rest of the process (``XINYI_CLOCK``: tests and demonstrations
    in a real terminal; :func:`frozen` still moves it within a block); ``None`` lets it run again."""
    global _fixed
    _fixed = at


def now() -> dt.datetime:
    """Local wall-clock time in the city (naive, as stored in the database)."""
    if _fixed is not None:
        return _fixed
    return dt.datetime.now(TZ).replace(tzinfo=None, microsecond=0)


def today() -> dt.date:
    return now().date()


@contextlib.contextmanager
def frozen(at: dt.datetime | dt.date) -> Iterator[None]:
    """Fix :func:`now` at ``at`` for the duration of the block."""
    global _fixed
    previous = _fixed
    _fixed = at if isinstance(at, dt.datetime) else dt.datetime.combine(at, dt.time(9, 0))
    try:
        yield
    finally:
        _fixed = previous
