"""TRN-1 / ORG-2 for article credit (TRN-3), and the duty hook agreeing with the status gate.

An article is credited to the quarter of its publication date, so only for a
day its author was on duty: not before she passed the pre-job exam (none, or
45 of 60), not after she left, not before she joined. The refusal is in
Chinese and audited, and no article is written. The cases are built in
``_duty_cases``.
"""
from __future__ import annotations

import pytest

from xinyi_core import Person, PermissionDenied, ValidationError, clock, duty_refusals, people
from xinyi_training.service import quota
from xinyi_training.models import Article

from _duty_cases import CASES, TODAY, build, exam, hire, on_the_day, refusals


@pytest.mark.parametrize("case", CASES)
def test_trn1_no_article_credit_for_a_day_she_was_not_on_duty(city, case):
    c = build(city, case)
    clerk = city.op("town_clerk", "a")
    with on_the_day(c):
        with pytest.raises(PermissionDenied) as refused:
            quota.submit_article(clerk, c.person.id, title="社保卡不出镇申领服务", published_on=c.day,
                                 outlet="新沂人社微信公众号")
    assert c.reason in str(refused.value) and c.person.name in str(refused.value)
    [row] = refusals(c.person, "training.articles")
    assert c.reason in row.note and row.operator_id == clerk.id
    assert Article.select().count() == 0


def test_trn1_the_day_check_and_the_status_gate_read_the_same_exam(city):
    """Failed with 45: she can neither go on duty nor be counted on duty, and both say the score;
    passed at a resit: both let her through."""
    person = hire(city, "2026-11-02")
    exam(city, person, 45)
    with clock.frozen(TODAY), pytest.raises(ValidationError, match="最高 45 分，合格分 60 分"):
        people.set_status(city.op("town_head", "a"), person.id, "on_duty")
    assert duty_refusals(person, TODAY) == ["未通过岗前培训考核（最高 45 分，合格分 60 分）"]
    exam(city, person, 75)
    with clock.frozen(TODAY):
        people.set_status(city.op("town_head", "a"), person.id, "on_duty")
    assert duty_refusals(Person.get_by_id(person.id), TODAY) == []
