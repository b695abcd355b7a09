"""Demo data is consistent with the rules: every assistant on duty has passed the pre-job exam (TRN-1),
some absences are unexcused (TRN-2), some assistants are short of articles (TRN-3)."""
from __future__ import annotations

import datetime as dt

import pytest
import random

from xinyi_core import clock
from xinyi_core.models import Person
from xinyi_training import demo, rules, service
from xinyi_training.service import quota
from xinyi_training.models import Article, Invitation, TrainingSession


@pytest.mark.both_backends
def test_demo_data_is_consistent_with_the_rules(city):
    with clock.frozen(dt.date(2026, 11, 26)):
        demo.build(city.city, random.Random(5))
        on_duty = list(Person.select().where(Person.status == "on_duty"))
        for p in on_duty:  # TRN-1: nobody on duty without a passed pre-job exam
            assert rules.on_duty_refusal("on_duty", service.exam_scores(p.id)) is None
            assert max(s.start_on for s in TrainingSession.select().join(Invitation).where(
                (Invitation.person == p.id) & (TrainingSession.kind == "pre_job"))) < p.joined_on
        assert TrainingSession.select().where(TrainingSession.start_on > dt.date(2026, 12, 31)).count() == 0
        past = Invitation.select().join(TrainingSession).where(
            (TrainingSession.kind == "in_service") & (TrainingSession.start_on <= dt.date(2026, 11, 26)))
        kinds = {i.attendance for i in past}
        assert kinds <= {"present", "excused", "unexcused"} and "present" in kinds
        assert all(i.reason for i in past if i.attendance == "excused")
        short = [r for r in quota.town_rows(None, rules.Quarter(2026, 3)) if r.missing]
        assert 0 < len(short) < len(on_duty)
        assert Article.select().where(Article.published_on > dt.date(2026, 11, 26)).count() == 0
        counts = (Invitation.select().count(), Article.select().count())
    assert counts[0] > len(on_duty) and counts[1] > len(on_duty)

