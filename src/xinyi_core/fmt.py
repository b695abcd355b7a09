"""Dates written the Chinese way, said once for the core and every plugin.

``date_zh(d)`` is ``2026年12月4日``; printed forms that have always shown
two-digit months and days (``2026年03月04日``) ask for ``pad=True``; a date shown
alone on a screen is ``2026-01-05（周一）`` (``date_weekday``). The
words come from the message catalogue (``fmt.*``), like every other string
an operator reads.
"""
from __future__ import annotations

import datetime as dt

from .i18n import t


def weekday_zh(d: dt.date, *, short: bool = False) -> str:
    """``周五`` for a Friday; with ``short`` only ``五`` (after a 星期 in the sentence, in a column)."""
    day = t("fmt.weekdays")[d.weekday()]
    return day if short else t("fmt.weekday", day=day)


def date_zh(d: dt.date | None, *, year: bool = True, weekday: bool = False, pad: bool = False) -> str:
    """``2026年12月4日``; without ``year`` ``12月4日``; with ``weekday`` ``2026年12月4日（周五）``.

    ``pad`` writes month and day with two digits (``2026年03月04日``). ``None``
    is an empty string: the blank date of a form not yet signed.
    """
    if d is None:
        return ""
    month, day = (f"{d.month:02d}", f"{d.day:02d}") if pad else (str(d.month), str(d.day))
    text = t("fmt.date", year=d.year, month=month, day=day) if year else t("fmt.month_day", month=month, day=day)
    return t("fmt.with_weekday", date=text, weekday=weekday_zh(d)) if weekday else text


def date_weekday(d: dt.date | None) -> str:
    """``2026-01-05（周一）``: a date shown on its own on a screen (a form's date, a day's heading).

    Written the way the date fields take it, so it can be read back and typed again; lists
    of many dates keep the bare ``2026-01-05``. ``None`` is an empty string.
    """
    if d is None:
        return ""
    return t("fmt.with_weekday", date=d.isoformat(), weekday=weekday_zh(d))


def period_zh(period: str) -> str:
    """A report's period as people write it: ``2026-11`` → ``2026年11月``, ``2026-Q4`` → ``2026年第4季度``,
    ``2026`` → ``2026年``; no period (``-``) → ``""``."""
    year, _, rest = (period or "").partition("-")
    if not year.isdigit():
        return ""
    if not rest:
        return t("fmt.year", year=int(year))
    if rest.upper().startswith("Q"):
        return t("fmt.quarter", year=int(year), quarter=int(rest[1:]))
    return t("fmt.year_month", year=int(year), month=int(rest))


# --------------------------------------------------------------------------- personal numbers

def mask_id(value: str | None) -> str:
    """An ID number as lists, searches and exports show it: ``320381********7581``.

    The region (first 6) and the last 4 stay, the birth date and sequence go. Anything
    that is not a full 18-character number keeps at most its last 4 characters.
    """
    text = str(value or "")
    if len(text) == 18:
        return text[:6] + "*" * 8 + text[-4:]
    return "*" * max(0, len(text) - 4) + text[-4:] if len(text) > 4 else "*" * len(text)


def mask_phone(value: str | None) -> str:
    """A mobile number as lists, searches and exports show it: ``180****9908``."""
    text = str(value or "")
    if len(text) == 11:
        return text[:3] + "****" + text[-4:]
    return "*" * max(0, len(text) - 4) + text[-4:] if len(text) > 4 else "*" * len(text)


MASKED_FIELDS = {"id_number": mask_id, "phone": mask_phone}


def mask_fields(data: dict | None) -> dict | None:
    """``data`` (an audit snapshot, a row as a dict) with its ID number and phone masked."""
    if not data:
        return data
    return {k: MASKED_FIELDS[k](v) if k in MASKED_FIELDS and v else v for k, v in data.items()}
