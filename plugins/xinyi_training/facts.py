"""What this plugin tells the rest of the system: calendar marks (training days),
assessment facts (TRN-2 unexcused absences, TRN-3 quarters short) and why a person
was not on duty on a day (TRN-1: no pre-job exam passed by then).

Neither fact has an item on the scoring sheet (附件1): its items score the
assistant's service work (logs, surveys, records, employment and insurance
services). Item 14 培训组织 is about organising vocational training for the
public, not about the assistant's own training, and item 5 scores the town
centre's attendance management. So both facts go to the assessor with
``item=None``; the assessor decides what they weigh.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from xinyi_core import AssessmentFact, CalendarMark, Person, bulk, clock, t
from xinyi_core import Compiled, Ids, Param

from . import rules, service
from .models import Invitation, TrainingSession
from .service import PLUGIN, quota


def calendar_marks(person: Person, start: dt.date, end: dt.date) -> list[CalendarMark]:
    """A training mark on each day of every session the person is invited to (TRN-2).

    Marked excused whatever the attendance: a training day is not 旷工 (ATT-5); an
    unexcused absence from training is the TRN-2 fact below, not a second penalty.
    Closed invitations (she left or moved) are not marked.
    """
    marks = []
    for inv in service.person_invitations(person.id, start, end).where(Invitation.state == "open"):
        label = t(f"{PLUGIN}.mark", title=inv.session.title)
        marks += [CalendarMark(day, "training", label, True) for day in inv.session.days() if start <= day <= end]
    return marks


# the marks' two queries, their SQL made once (every monthly sheet and daily check asks them)
_SESSIONS = Compiled(lambda: TrainingSession.select(  # what a mark says of a session
    TrainingSession.id, TrainingSession.title, TrainingSession.start_on, TrainingSession.end_on)
    .where((TrainingSession.start_on <= Param("end")) & (TrainingSession.end_on >= Param("start"))))
_INVITED = Compiled(lambda: Invitation.select(Invitation.id, Invitation.person, Invitation.state, Invitation.session)
                    .where(Invitation.person.in_(Ids("people")) & Invitation.session.in_(Ids("sessions"))))


def calendar_marks_bulk(people: list[Person], start: dt.date, end: dt.date) -> dict[int, list[CalendarMark]]:
    """``xinyi_calendar_marks_bulk``: :func:`calendar_marks` for a town's people — one query for the
    few sessions overlapping the dates, one for those sessions' invitations of these people.

    The sessions first: the invitations are then found through the (session, person) index, not
    every invitation of each person (a city-wide session invites everyone: ~8 a person a year),
    and read as plain ids — a model object per invitation and per session, each session's
    dates parsed and its label translated again for every person invited, were most of a
    monthly sheet's cost. Each session's marks are made once and shared by the people invited
    to it (a mark is immutable).
    """
    sessions = {s.id: s for s in bulk.objects(_SESSIONS, start=start, end=end)}
    if not sessions or not people:
        return {}
    # the state is tested here, not in SQL: with it there SQLite reads through the state index — every open
    # invitation of the city — instead of the session and person one
    invited = sorted(((sessions[session_id].start_on, inv_id, person_id, session_id)
                      for inv_id, person_id, state, session_id in _INVITED.run(  # ids and a text: as stored
                          people=[p.id for p in people], sessions=list(sessions))
                      if state == "open"))  # in the order of person_invitations: session start, then invitation
    by_session: dict[int, list[CalendarMark]] = {}
    marks: dict[int, list[CalendarMark]] = {}
    for _, _, person_id, session_id in invited:
        session_marks = by_session.get(session_id)
        if session_marks is None:
            session = sessions[session_id]
            label = t(f"{PLUGIN}.mark", title=session.title)
            session_marks = by_session[session_id] = [CalendarMark(day, "training", label, True)
                                                      for day in session.days() if start <= day <= end]
        marks.setdefault(person_id, []).extend(session_marks)
    return marks


def _unexcused(query: Any, year: int) -> Any:
    """TRN-2: the in-service sessions of ``year`` missed without excuse, among ``query``'s invitations."""
    return (query.where((Invitation.attendance == "unexcused") & (TrainingSession.kind == "in_service"))
            .where(TrainingSession.start_on.between(dt.date(year, 1, 1), dt.date(year, 12, 31))))


def assessment_facts(person: Person, year: int) -> list[AssessmentFact]:
    absent = list(_unexcused(service.person_invitations(person.id, dt.date(year, 1, 1), dt.date(year, 12, 31)), year))
    return _assessment_facts(absent, quota.quarters_short(person, year, clock.today()))


def assessment_facts_bulk(people: list[Person], year: int) -> dict[int, list[AssessmentFact]]:
    """``xinyi_assessment_facts_bulk``: :func:`assessment_facts` for a town's people — one query for the
    missed sessions, one for the articles."""
    absent: dict[int, list[Invitation]] = {}
    for inv in _unexcused(service.people_invitations([p.id for p in people], dt.date(year, 1, 1),
                                                     dt.date(year, 12, 31)), year):
        absent.setdefault(inv.person_id, []).append(inv)
    short = quota.quarters_short_bulk(people, year, clock.today())
    out = {p.id: _assessment_facts(absent.get(p.id, []), short.get(p.id, [])) for p in people}
    return {pid: facts for pid, facts in out.items() if facts}


def _assessment_facts(absent: list[Invitation], short: list) -> list[AssessmentFact]:
    facts = []
    if absent:  # TRN-2: in-service training must be attended
        facts.append(AssessmentFact(
            rule="TRN-2", label=t(f"{PLUGIN}.fact.unexcused", count=len(absent)), value=float(len(absent)), item=None,
            evidence=tuple(f"{i.session.start_on:%Y-%m-%d} {i.session.title}" for i in absent)))
    if short:  # TRN-3: one publicity article per quarter
        facts.append(AssessmentFact(
            rule="TRN-3", label=t(f"{PLUGIN}.fact.quota_short", count=len(short)), value=float(len(short)), item=None,
            evidence=tuple(t(f"{PLUGIN}.fact.quarter", quarter=q.zh, submitted=got, quota=got + missing)
                           for q, got, missing in short)))
    return facts


def duty_refusals(person: Person, day: dt.date) -> list[str]:
    """TRN-1: nobody works the post on a day before she passed the pre-job exam — the same
    exam rule as the status gate, asked for the day the record is about."""
    refusal = rules.exam_refusal(service.exam_scores(person.id, by=day))
    return [t(f"{PLUGIN}.duty.{refusal[0]}", **refusal[1])] if refusal else []
