"""People who are not on duty on a given day, built as a city would (TRN-1, ORG-2).

Shared by the duty tests of every plugin (``tests/plugins/*/test_*_duty.py``):
each case is a person of town ``a`` of the test city (every plugin enabled),
the day a test tries to record her work on, and the reason the refusal must
name. Run each test's action with the clock at that day (:func:`on_the_day`),
since a sign-in is only ever today's (ATT-2).
"""
from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass
from typing import Iterator

from xinyi_core import clock, people
from xinyi_core.models import AuditLog, Operator, Person
from xinyi_core.testing import City
from xinyi_core.validators import id_check_digit

TODAY = dt.date(2026, 12, 7)  # a Monday
CASES = ("no_exam", "failed_exam", "departed", "not_joined")


@dataclass
class Case:
    person: Person
    day: dt.date
    reason: str  # what the refusal must say, in the operator's words


def build(city: City, case: str) -> Case:
    """The person of ``case``, through the public services where the system has them."""
    if case == "departed":  # left on 2026-02-01, her work recorded for 2026-03-02
        person = city.people["a"][1]
        # How she left (the departure chain, 附件5) is not under test here: only that she has.
        Person.update(status="departed", departed_on=dt.date(2026, 2, 1), post=None).where(
            Person.id == person.id).execute()
        return Case(Person.get_by_id(person.id), dt.date(2026, 3, 2), "已离职（2026-02-01 起）")
    joined = "2026-12-14" if case == "not_joined" else "2026-11-02"
    person = hire(city, joined)
    if case == "no_exam":
        return Case(person, TODAY, "未通过岗前培训考核（没有考核成绩）")
    exam(city, person, 45 if case == "failed_exam" else 80)
    if case == "failed_exam":
        return Case(person, TODAY, "未通过岗前培训考核（最高 45 分，合格分 60 分）")
    with clock.frozen(TODAY):  # passed: on duty, but only from her join date
        people.set_status(city.op("town_head", "a"), person.id, "on_duty")
    return Case(Person.get_by_id(person.id), TODAY, "尚未入职（2026-12-14 入职）")


def hire(city: City, joined: str) -> Person:
    number = "32038119930716002"
    with clock.frozen(dt.date(2026, 10, 20)):
        return people.hire(city.op("city_office"), {"name": "钱晓梅", "id_number": number + id_check_digit(number),
                                                    "phone": "15850002345", "joined_on": joined}, city.vacant["a"])


def exam(city: City, person: Person, score: int) -> None:
    """TRN-1: the city's pre-job exam on 16 November, pass mark 60."""
    from xinyi_training import service as training

    office = city.op("city_office")
    with clock.frozen(dt.date(2026, 11, 16)):
        session = training.create_session(office, kind="pre_job", title="2026年岗前培训及考核",
                                          organiser=city.city, start_on="2026-11-16", pass_mark=60)
        training.invite(office, session.id, [person])
        training.record_score(office, training.invitations(office, session.id).get().id, score)


def operator_for(person: Person) -> Operator:
    """Her own login (an assistant writes her own work log)."""
    return Operator.create(username=f"self_{person.id}", display_name=person.name, role="assistant",
                           scope=person.village_id, person=person)


@contextlib.contextmanager
def on_the_day(case: Case, hhmm: str = "10:00") -> Iterator[None]:
    h, m = hhmm.split(":")
    with clock.frozen(dt.datetime.combine(case.day, dt.time(int(h), int(m)))):
        yield


def refusals(person: Person, action: str) -> list[AuditLog]:
    """The audited refusals of ``action`` about ``person``."""
    return list(AuditLog.select().where((AuditLog.person_id == person.id) & (AuditLog.action == action)
                                        & (AuditLog.allowed == False)))  # noqa: E712
