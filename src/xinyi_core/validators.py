"""Validators for what operators type: ID-card numbers, phones, names, dates.

Each returns the normalised value or raises :class:`ValidationError` naming
the field, so a form can show the Chinese message beside it.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

from . import clock
from .errors import ValidationError

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
# [0-9], not \d: \d also matches full-width and other Unicode digits, which int() accepts,
# so "３２０３…" would pass and be stored unnormalised (a duplicate nobody can find).
_ID_SHAPE = re.compile(r"^[1-9][0-9]{16}[0-9X]$")
_MOBILE = re.compile(r"^1[3-9][0-9]{9}$")
# Han characters incl. the CJK extensions (生僻字 on real ID cards are often in Extension B+);
# "·" only between parts, as in minority names (阿依古丽·买买提), never leading, trailing or doubled.
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\U00020000-\U0003134f"
_NAME = re.compile(rf"^[{_HAN}]+(?:·[{_HAN}]+)*$")


def id_check_digit(first17: str) -> str:
    """GB 11643 check character for the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS))
    return _ID_CHECK[total % 11]


def _normalise(value: str | None) -> str:
    """Full-width digits/letters (typed with a Chinese IME) to ASCII; no whitespace."""
    return re.sub(r"\s", "", unicodedata.normalize("NFKC", value or ""))


def id_number(value: str, field: str = "id_number", *, today: dt.date | None = None) -> str:
    """An 18-digit 居民身份证号码: shape, birth date and check digit.

    15-digit numbers (issued before 1999) are no longer valid documents and are refused.
    """
    v = _normalise(value).upper()
    if not v:
        raise ValidationError(field, "validation.required")
    if len(v) != 18:
        raise ValidationError(field, "validation.id_length", length=len(v))
    if not _ID_SHAPE.match(v):
        raise ValidationError(field, "validation.id_chars")
    try:
        birth = dt.date(int(v[6:10]), int(v[10:12]), int(v[12:14]))
    except ValueError:
        raise ValidationError(field, "validation.id_birth") from None
    if birth.year < 1900 or birth > (today or clock.today()):
        raise ValidationError(field, "validation.id_birth")
    if id_check_digit(v[:17]) != v[17]:
        raise ValidationError(field, "validation.id_checksum")
    return v


def id_birth_date(number: str) -> dt.date:
    return dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def id_sex(number: str) -> str:
    """``M`` or ``F`` from the 17th digit (odd: male)."""
    return "M" if int(number[16]) % 2 else "F"


def mobile(value: str, field: str = "phone") -> str:
    """A mainland China mobile number: 11 digits starting 13–19."""
    v = _normalise(value).replace("-", "")
    if v.startswith("+86"):
        v = v[3:]
    elif v.startswith("0086"):
        v = v[4:]
    if not v:
        raise ValidationError(field, "validation.required")
    if not _MOBILE.match(v):
        raise ValidationError(field, "validation.phone")
    return v


def person_name(value: str, field: str = "name") -> str:
    v = (value or "").strip()
    if not v:
        raise ValidationError(field, "validation.required")
    if not (2 <= len(v) <= 20 and _NAME.match(v)):
        raise ValidationError(field, "validation.name")
    return v


# One way to write a date for every date field (forms, rosters, plugin services): 2026-01-05, 2026-1-5,
# 2026/1/5, 2026.1.5, 2026年1月5日, 20260105 — and, for this year, 1-5, 1/5, 1.5, 1月5日. A weekday after
# it (2026-01-05（周一）, as dates are shown) is allowed, so a shown date can be typed back.
_YMD = re.compile(r"([0-9]{4})[-/.]([0-9]{1,2})[-/.]([0-9]{1,2})|([0-9]{4})年([0-9]{1,2})月([0-9]{1,2})日?"
                  r"|([0-9]{4})([0-9]{2})([0-9]{2})")
_MD = re.compile(r"([0-9]{1,2})[-/.]([0-9]{1,2})|([0-9]{1,2})月([0-9]{1,2})日?")
_WEEKDAY = re.compile(r"[（(]?(?:周|星期)[一二三四五六日天][）)]?$")


def date_example(today: dt.date | None = None) -> str:
    """The example a date field shows as its hint and its error repeats: ``2026-01-31`` (this year)."""
    return f"{(today or clock.today()).year}-01-31"


def parse_date(value: Any, *, today: dt.date | None = None, bare_day: bool = False) -> dt.date | None:
    """The date ``value`` means, or None. Month-day without a year is in ``today``'s year (the app clock);
    with ``bare_day`` a day alone (``7``) is in ``today``'s month — for a field where that is the common
    case (a work-log day), never for a roster, where a stray number must be refused."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    v = _WEEKDAY.sub("", _normalise(str(value or "")))
    if not v:
        return None
    try:
        m = _YMD.fullmatch(v)
        if m:
            y, mo, d = (int(g) for g in m.groups() if g is not None)
            return dt.date(y, mo, d)
        m = _MD.fullmatch(v)
        if m:
            mo, d = (int(g) for g in m.groups() if g is not None)
            return dt.date((today or clock.today()).year, mo, d)
        if bare_day and re.fullmatch(r"[0-9]{1,2}", v):
            return (today or clock.today()).replace(day=int(v))
    except ValueError:  # 2026-02-30: the shape of a date, but no day
        return None
    return None


def date(value: str | dt.date, field: str, *, today: dt.date | None = None) -> dt.date:
    """:func:`parse_date`, refusing what is no date with a message whose example matches the field's hint."""
    if isinstance(value, (dt.date, dt.datetime)):
        return parse_date(value)  # type: ignore[return-value]
    if not _normalise(value):
        raise ValidationError(field, "validation.required")
    day = parse_date(value, today=today)
    if day is None:
        raise ValidationError(field, "validation.date", example=date_example(today))
    return day


def choice(value: str, allowed: tuple[str, ...], field: str, labels: dict[str, str] | None = None) -> str:
    """Accept a code, or its Chinese label (as rosters write it)."""
    v = (value or "").strip()
    if v in allowed:
        return v
    for code, label in (labels or {}).items():
        if v == label:
            return code
    raise ValidationError(field, "validation.choice", options="、".join((labels or {}).get(a, a) for a in allowed))
