"""A person's training record as her screen shows it: the sessions she was invited to with their
outcome (TRN-1 exam, TRN-2 attendance) and a year's publicity articles against the quota (TRN-3).

One scoped read: the person is read through the core (``people.get``), so an
operator sees the record of herself or of someone in her scope, and an
attempt on anyone else is refused and audited.
"""
from __future__ import annotations

from dataclasses import dataclass

from xinyi_core import Operator, Person, people

from ..models import Article, Invitation, TrainingSession
from ..rules import Quarter
from . import quota

SESSIONS_SHOWN = 200


@dataclass(frozen=True)
class TrainingRecord:
    person: Person
    year: int
    invitations: list[Invitation]  # newest session first, each with its session
    articles: list[Article]  # the year's, newest first
    per_quarter: dict[Quarter, int]  # the year's articles per quarter
    quota: int  # articles owed per quarter

    @property
    def passed_exam(self) -> Invitation | None:
        """The earliest pre-job exam she passed (TRN-1), if any."""
        passed = [i for i in self.invitations if i.session.kind == "pre_job" and i.passed]
        return passed[-1] if passed else None

    @property
    def unexcused(self) -> int:
        """In the year, sessions she missed without excuse (TRN-2)."""
        return sum(1 for i in self.invitations if i.attendance == "unexcused" and i.session.start_on.year == self.year)


def person_record(op: Operator, person_id: int, year: int) -> TrainingRecord:
    """``person_id``'s training record with ``year``'s articles, if she is in ``op``'s scope."""
    person = people.get(op, person_id)  # scope checked (and a refusal audited) by the core
    invitations = list(Invitation.select(Invitation, TrainingSession).join(TrainingSession)
                       .where(Invitation.person == person.id).order_by(TrainingSession.start_on.desc())
                       .limit(SESSIONS_SHOWN))
    return TrainingRecord(person, year, invitations, list(quota.person_articles(person.id, year)),
                          quota.year_counts(person.id, year), quota.quota())
