"""Validators for what operators type: ID-card numbers, phones, names, dates.

Each returns the normalised value or raises :class:`ValidationError` naming
the field, so a form can show the Chinese message beside it.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata

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


def date(value: str | dt.date, field: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    v = (value or "").strip().replace("/", "-").replace(".", "-")
    if not v:
        raise ValidationError(field, "validation.required")
    try:
        return dt.date.fromisoformat(v)
    except ValueError:
        m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", v) or re.fullmatch(r"(\d{4})年(\d{1,2})月(\d{1,2})日", v)
        if m:
            try:
                return dt.date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                pass
        raise ValidationError(field, "validation.date") from None


def choice(value: str, allowed: tuple[str, ...], field: str, labels: dict[str, str] | None = None) -> str:
    """Accept a code, or its Chinese label (as rosters write it)."""
    v = (value or "").strip()
    if v in allowed:
        return v
    for code, label in (labels or {}).items():
        if v == label:
            return code
    raise ValidationError(field, "validation.choice", options="、".join((labels or {}).get(a, a) for a in allowed))
