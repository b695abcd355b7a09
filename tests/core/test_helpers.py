"""Small helpers said once in the core for every plugin: Chinese dates, a prefixed ``t``,
the town of an org node, a person or an operator."""
from __future__ import annotations

import datetime as dt

import pytest

from hypothesis import given
from hypothesis import strategies as st

from xinyi_core import auth, date_zh, i18n, t, town_code_of, town_of, translator, weekday_zh

DAYS = st.dates(dt.date(1900, 1, 1), dt.date(2199, 12, 31))


@given(DAYS)
def test_date_zh_writes_what_the_inline_formats_of_the_forms_wrote(day):
    """The plugins' 18 inline formats switch to date_zh; each variant must print the same."""
    assert date_zh(day, pad=True) == f"{day:%Y年%m月%d日}"  # printed forms, report footers
    assert date_zh(day, year=False, pad=True) == f"{day:%m月%d日}"  # alert texts, sign-in line
    assert date_zh(day, year=False) == f"{day.month}月{day.day}日"  # the work-log book
    assert weekday_zh(day) == "周" + "一二三四五六日"[day.weekday()]  # the leave calendar
    assert weekday_zh(day, short=True) == "一二三四五六日"[day.weekday()]  # after 星期, in a column


def test_date_zh_with_weekday_and_without_a_date():
    assert date_zh(dt.date(2026, 12, 4), weekday=True) == "2026年12月4日（周五）"
    assert date_zh(dt.date(2026, 3, 4)) == "2026年3月4日"
    assert date_zh(None) == ""  # the blank date of a form not yet signed


def test_translator_prefixes_the_key_and_fills_the_parameters_like_t():
    i18n.register({"screen": {"title": "{town}值班表"}}, prefix="helpertest")
    tr = translator("helpertest.screen")
    assert tr("title", town="甲镇") == t("helpertest.screen.title", town="甲镇") == "甲镇值班表"
    with pytest.raises(i18n.MessageKeyError):  # a gap fails a test, as with t …
        tr("missing")
    i18n.set_strict(False)
    try:  # … and shows as the bracketed key in production
        assert tr("missing") == "⟨helpertest.screen.missing⟩"
    finally:
        i18n.set_strict(True)


def test_town_of_an_org_node_a_person_and_an_operator(city):
    town_a = city.towns[0]
    village = city.villages["a"][1]
    assert town_of(village) == town_a and town_of(town_a) == town_a
    assert town_of(city.people["a"][2]) == town_a
    for role in ("assistant", "village_head", "town_clerk", "town_head"):
        assert town_of(city.op(role, "a")) == town_a, role
        assert town_code_of(city.op(role, "a")) == "a" == auth.town_code_of(city.op(role, "a"))
    assert town_of(city.city) is None and town_of(city.op("city_office")) is None and town_of(None) is None
    assert town_code_of(city.op("bureau")) is None and town_code_of(village) == "a"
