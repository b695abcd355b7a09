"""The core's tables. Services that use them live in org, people, auth, audit,
approvals and calendar; the models sit together here so that those modules can
depend on each other's data without import cycles.
"""
from __future__ import annotations

import peewee as pw

from . import clock
from .db import BaseModel, JSONField, Migration, create_tables

# Codes are stored in English; the catalogue gives their Chinese names.
UNIT_KINDS = ("city", "town", "village")
SEXES = ("M", "F")
PERSON_STATUSES = ("candidate", "on_duty", "departed")
POLITICAL_STATUSES = ("party_member", "probationary_member", "league_member", "masses", "democratic_party", "other")
EDUCATIONS = ("postgraduate", "bachelor", "college", "high_school", "middle_school")
CHAIN_STATES = ("pending", "approved", "rejected", "withdrawn")


class OrgUnit(BaseModel):
    """A node of the org tree: the city, a town/street centre, or a village/community."""

    kind = pw.CharField(max_length=10, choices=[(k, k) for k in UNIT_KINDS])
    code = pw.CharField(max_length=40, unique=True)
    name = pw.CharField(max_length=60)
    parent = pw.ForeignKeyField("self", null=True, backref="children", on_delete="RESTRICT")
    # Materialised path "/1/4/27/": a subtree is one prefix match.
    path = pw.CharField(max_length=200, index=True, default="")

    def __str__(self) -> str:
        return self.name


class Post(BaseModel):
    """An assistant's post: one service window in a village."""

    village = pw.ForeignKeyField(OrgUnit, backref="posts", on_delete="RESTRICT")
    title = pw.CharField(max_length=40, default="协理员")
    vacant_since = pw.DateField(null=True, index=True)  # set while nobody holds it
    created_at = pw.DateTimeField(default=clock.now)


class Person(BaseModel):
    """An assistant (协理员)."""

    name = pw.CharField(max_length=40, index=True)
    name_initials = pw.CharField(max_length=20, index=True, default="")  # pinyin initials for search
    sex = pw.CharField(max_length=1, choices=[(s, s) for s in SEXES])
    birth_date = pw.DateField()
    id_number = pw.CharField(max_length=18, unique=True)
    phone = pw.CharField(max_length=11, index=True)
    political_status = pw.CharField(max_length=24, default="masses")
    education = pw.CharField(max_length=24, default="college")
    joined_on = pw.DateField(null=True)
    status = pw.CharField(max_length=12, default="candidate", index=True)
    town = pw.ForeignKeyField(OrgUnit, null=True, backref="town_people", on_delete="RESTRICT")
    village = pw.ForeignKeyField(OrgUnit, null=True, backref="village_people", on_delete="RESTRICT")
    post = pw.ForeignKeyField(Post, null=True, unique=True, backref="holders", on_delete="SET NULL")
    departed_on = pw.DateField(null=True)
    version = pw.IntegerField(default=1)  # optimistic lock: a stale edit is refused, not lost
    created_at = pw.DateTimeField(default=clock.now)
    updated_at = pw.DateTimeField(default=clock.now)

    def __str__(self) -> str:
        return self.name


class PostAssignment(BaseModel):
    """Post history: who held which post from when to when, and why it changed."""

    person = pw.ForeignKeyField(Person, backref="assignments", on_delete="CASCADE")
    post = pw.ForeignKeyField(Post, backref="assignments", on_delete="RESTRICT")
    start_on = pw.DateField()
    end_on = pw.DateField(null=True)
    reason = pw.CharField(max_length=40)  # hire, transfer, departure …
    operator_id = pw.IntegerField(null=True)


class Operator(BaseModel):
    """A login: role + scope (an org node). An assistant operator is tied to one person."""

    username = pw.CharField(max_length=40, unique=True)
    display_name = pw.CharField(max_length=40)
    role = pw.CharField(max_length=20)
    scope = pw.ForeignKeyField(OrgUnit, backref="operators", on_delete="RESTRICT")
    person = pw.ForeignKeyField(Person, null=True, backref="operators", on_delete="SET NULL")
    password_hash = pw.CharField(max_length=200, null=True)
    os_user = pw.CharField(max_length=64, null=True, unique=True)
    failed_logins = pw.IntegerField(default=0)  # password failures in a row (forgotten after lockout_minutes)
    last_failed_at = pw.DateTimeField(null=True)  # the growing delay runs from here
    locked_until = pw.DateTimeField(null=True)
    active = pw.BooleanField(default=True)
    created_at = pw.DateTimeField(default=clock.now)

    def __str__(self) -> str:
        return self.display_name


class AuditLog(BaseModel):
    """Who did what, when, to which object, with the state before and after.

    Operators are recorded by id *and* name so the trail survives account changes.
    """

    at = pw.DateTimeField(index=True)
    operator_id = pw.IntegerField(null=True, index=True)
    operator_name = pw.CharField(max_length=40, default="")
    action = pw.CharField(max_length=60, index=True)
    object_type = pw.CharField(max_length=40)
    object_id = pw.IntegerField(null=True)
    person_id = pw.IntegerField(null=True, index=True)
    allowed = pw.BooleanField(default=True)
    before = JSONField(null=True)
    after = JSONField(null=True)
    note = pw.TextField(default="")


class ApprovalChain(BaseModel):
    """One multi-step approval (leave, departure, annual form …)."""

    kind = pw.CharField(max_length=40, index=True)
    subject_type = pw.CharField(max_length=40)
    subject_id = pw.IntegerField()
    person = pw.ForeignKeyField(Person, null=True, backref="approval_chains", on_delete="CASCADE")
    town = pw.ForeignKeyField(OrgUnit, null=True, on_delete="RESTRICT")
    state = pw.CharField(max_length=12, default="pending", index=True)
    created_by = pw.ForeignKeyField(Operator, on_delete="RESTRICT")
    created_at = pw.DateTimeField()
    finished_at = pw.DateTimeField(null=True)


class ApprovalStep(BaseModel):
    """One step: which role, at which org node, decides; and what it decided."""

    chain = pw.ForeignKeyField(ApprovalChain, backref="steps", on_delete="CASCADE")
    seq = pw.IntegerField()
    role = pw.CharField(max_length=20)
    unit = pw.ForeignKeyField(OrgUnit, on_delete="RESTRICT")
    decision = pw.CharField(max_length=10, null=True)  # approved / rejected
    opinion = pw.TextField(default="")
    decided_by = pw.ForeignKeyField(Operator, null=True, on_delete="RESTRICT")
    decided_at = pw.DateTimeField(null=True)

    class Meta:
        indexes = ((("chain", "seq"), True),)


class TownHours(BaseModel):
    """A town's working hours from a date on (ATT-1: the town may change them)."""

    town = pw.ForeignKeyField(OrgUnit, on_delete="CASCADE")
    effective_from = pw.DateField()
    start = pw.TimeField()
    end = pw.TimeField()

    class Meta:
        indexes = ((("town", "effective_from"), True),)


class TownClosure(BaseModel):
    """A town-specific extra non-working day (e.g. a local closure)."""

    town = pw.ForeignKeyField(OrgUnit, on_delete="CASCADE")
    date = pw.DateField()
    reason = pw.CharField(max_length=100, default="")

    class Meta:
        indexes = ((("town", "date"), True),)


class Alert(BaseModel):
    """Something that needs a person's attention until it is closed (ATT-5, ATT-6, TRN-3 …).

    Raised by plugins through :func:`xinyi_core.alerts.raise_alert`; ``key`` makes
    raising idempotent (the nightly job may see the same fact every night).
    """

    key = pw.CharField(max_length=120, unique=True)
    source = pw.CharField(max_length=40)  # the plugin that raised it
    kind = pw.CharField(max_length=40, index=True)
    rule = pw.CharField(max_length=20, default="")  # rule ID, e.g. "ATT-6"
    message = pw.TextField()  # Chinese, shown as written
    audience = pw.CharField(max_length=120)  # comma-separated roles that see it
    person = pw.ForeignKeyField(Person, null=True, backref="alerts", on_delete="CASCADE")
    town = pw.ForeignKeyField(OrgUnit, null=True, on_delete="CASCADE")
    data = JSONField(null=True)
    state = pw.CharField(max_length=10, default="open", index=True)  # open / closed
    raised_at = pw.DateTimeField()
    closed_at = pw.DateTimeField(null=True)
    closed_by_id = pw.IntegerField(null=True)
    close_note = pw.TextField(default="")


class LoginSource(BaseModel):
    """Failed password logins from one place (an SSH client's address): each failure makes the next
    attempt from there wait longer, whichever account it tries (``auth.authenticate``)."""

    source = pw.CharField(max_length=80, unique=True)
    failures = pw.IntegerField(default=0)
    last_failed_at = pw.DateTimeField(null=True)


CORE_MODELS = (OrgUnit, Post, Person, PostAssignment, Operator, AuditLog,
               ApprovalChain, ApprovalStep, TownHours, TownClosure)


def _job_tables(migrator, db) -> None:
    from .jobs.models import JOB_MODELS  # late: the jobs package imports these models

    db.create_tables(JOB_MODELS)


def _login_throttle(migrator, db) -> None:
    """Issue 20 item 4: a growing delay per account and per source instead of an early lock-out."""
    from playhouse.migrate import migrate

    if "last_failed_at" not in {c.name for c in db.get_columns(Operator._meta.table_name)}:
        # a database made by migration 1 of this version already has it (create_tables of the model)
        migrate(migrator.add_column(Operator._meta.table_name, "last_failed_at", pw.DateTimeField(null=True)))
    db.create_tables([LoginSource])


CORE_MIGRATIONS = (
    Migration(1, "core tables", create_tables(*CORE_MODELS)),
    Migration(2, "jobs", _job_tables),
    Migration(3, "alerts", create_tables(Alert)),
    Migration(4, "login throttle", _login_throttle),
)
