"""The training plugin's tables: sessions, invitations (attendance and exam
results) and publicity articles (宣传信息)."""
from __future__ import annotations

import datetime as dt

from typing import Any

import peewee as pw

from xinyi_core import BaseModel, OrgUnit, Person, clock

SESSION_KINDS = ("pre_job", "in_service")  # TRN-1 岗前培训及考核, TRN-2 在职培训
ATTENDANCE = ("present", "excused", "unexcused")


class TrainingSession(BaseModel):
    """One training session (one or more consecutive days) organised by the city or a town."""

    kind = pw.CharField(max_length=12, index=True)
    title = pw.CharField(max_length=80)
    organiser = pw.ForeignKeyField(OrgUnit, on_delete="RESTRICT")  # the city or a town (TRN-2)
    start_on = pw.DateField(index=True)
    end_on = pw.DateField()
    place = pw.CharField(max_length=80, default="")
    # TRN-1: copied from the setting when the session is created, so a later change of the
    # setting does not re-grade exams already held.
    pass_mark = pw.FloatField(null=True)
    created_by_id = pw.IntegerField(null=True)
    created_at = pw.DateTimeField(default=clock.now)

    class Meta:
        table_name = "training_session"

    def days(self) -> list[dt.date]:
        return [self.start_on + dt.timedelta(days=i) for i in range((self.end_on - self.start_on).days + 1)]


class Invitation(BaseModel):
    """A person invited to a session, with what happened: attendance and (pre-job) exam score."""

    session = pw.ForeignKeyField(TrainingSession, backref="invitations", on_delete="CASCADE")
    person = pw.ForeignKeyField(Person, backref="training_invitations", on_delete="CASCADE")
    state = pw.CharField(max_length=8, default="open", index=True)  # closed: she left or moved before it
    attendance = pw.CharField(max_length=10, null=True, index=True)  # None: not yet recorded
    reason = pw.CharField(max_length=200, default="")  # why an excused absence was excused
    score = pw.FloatField(null=True)
    passed = pw.BooleanField(null=True)  # TRN-1: score >= the session's pass mark
    invited_at = pw.DateTimeField(default=clock.now)
    recorded_at = pw.DateTimeField(null=True)
    recorded_by_id = pw.IntegerField(null=True)

    class Meta:
        table_name = "training_invitation"
        indexes = ((("session", "person"), True),)


class Article(BaseModel):
    """A publicity article (宣传信息) an assistant reports (TRN-3)."""

    person = pw.ForeignKeyField(Person, backref="training_articles", on_delete="CASCADE")
    title = pw.CharField(max_length=120)
    published_on = pw.DateField(index=True)  # counts toward the quarter of this date
    outlet = pw.CharField(max_length=80)  # where it was published
    submitted_by_id = pw.IntegerField(null=True)
    submitted_at = pw.DateTimeField(default=clock.now)

    class Meta:
        table_name = "training_article"


def dashboard_index(migrator: Any, db: Any) -> None:
    """Migration 2: the quarter's articles by (date, author), so the dashboard's article quota counts
    each assistant's articles from the index alone, not a visit to each article's row (33 → 15 ms on
    the 20,000-assistant city)."""
    db.execute_sql("CREATE INDEX IF NOT EXISTS training_article_published_person "
                   "ON training_article (published_on, person_id)")


def awaiting_index(migrator: Any, db: Any) -> None:
    """Migration 3: invitations by (state, attendance, session), so the to-do "sessions waiting for
    attendance" finds the open invitations with nothing recorded from the index — it read every open
    invitation of the city (159,917 on the 20,000 city, 18 ms of a city-level home screen)."""
    db.execute_sql("CREATE INDEX IF NOT EXISTS training_invitation_awaiting "
                   "ON training_invitation (state, attendance, session_id)")


MODELS = (TrainingSession, Invitation, Article)
