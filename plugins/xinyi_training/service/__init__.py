"""Training sessions, invitations, attendance and pre-job exam results — scoped and audited.

TRN-1: pre-job sessions are the city bureau's (organised by the city, scores
recorded by the city). TRN-2: in-service sessions are organised by the city or
a town; a town organises for, invites and takes attendance of its own people only.

The publicity-article quota (TRN-3) is :mod:`.quota`, a person's training
record as her screen shows it :mod:`.record`; both build on this module, never
the reverse.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Iterable

import peewee as pw

from xinyi_core import FormErrors, NotFound, OrgUnit, Operator, Person, ValidationError, database, ids_in, runtime
from xinyi_core import audit, auth, clock, org, validators

from .. import rules
from ..models import ATTENDANCE, SESSION_KINDS, Invitation, TrainingSession

PLUGIN = "training"


def setting(name: str) -> Any:
    return runtime().config.setting(PLUGIN, name)


def enabled_town_ids(town_code: str | None) -> list[int]:
    """The town given, or every town that enabled this plugin (a city-wide run)."""
    if town_code:
        return [org.by_code(town_code).id]
    codes = runtime().plugins.towns_enabling(PLUGIN, org.town_codes())
    return [u.id for u in OrgUnit.select(OrgUnit.id).where((OrgUnit.kind == "town") & OrgUnit.code.in_(codes))]


def _err(field: str, key: str, **params: Any) -> ValidationError:
    return ValidationError(field, f"{PLUGIN}.{key}", **params)


# --------------------------------------------------------------------------- who may act on a session

def manages(op: Operator, session: TrainingSession) -> bool:
    """The city manages every session; a town only those it organised."""
    scope = auth.scope_of(op)
    return scope.level == "city" or (scope.level == "town" and session.organiser_id == scope.unit_id)


def _require_manage(op: Operator, session: TrainingSession) -> None:
    action = "training.prejob" if session.kind == "pre_job" else "training.manage"
    auth.require(op, action, obj=session)
    if not manages(op, session):
        auth.deny(op, action, obj=session, key="auth.out_of_scope")


# --------------------------------------------------------------------------- sessions

def create_session(op: Operator, *, kind: str, title: str, organiser: OrgUnit, start_on: Any,
                   end_on: Any = None, place: str = "", pass_mark: Any = None) -> TrainingSession:
    """A new session. Pre-job sessions are organised by the city only (TRN-1)."""
    if kind not in SESSION_KINDS:
        raise _err("kind", "error.bad_kind")
    action = "training.prejob" if kind == "pre_job" else "training.manage"
    auth.require(op, action, obj=organiser)
    if not auth.scope_of(op).contains_unit(organiser) or organiser.kind not in ("city", "town"):
        auth.deny(op, action, obj=organiser, key="auth.out_of_scope")
    if kind == "pre_job" and organiser.kind != "city":
        raise _err("organiser", "error.prejob_city")
    errors: dict[str, str] = {}
    fields: dict[str, Any] = {}
    for name, value in (("start_on", start_on), ("end_on", end_on if end_on not in (None, "") else start_on)):
        try:
            fields[name] = validators.date(value, name)
        except ValidationError as exc:
            errors[name] = exc.message
    if not (title or "").strip():
        errors["title"] = _err("title", "error.required").message
    if len(fields) == 2 and fields["end_on"] < fields["start_on"]:
        errors["end_on"] = _err("end_on", "error.end_before_start").message
    mark = None
    if kind == "pre_job":
        try:
            mark = float(pass_mark) if pass_mark not in (None, "") else float(setting("pass_mark"))
            if not 0 <= mark <= 100:
                raise ValueError
        except ValueError:
            errors["pass_mark"] = _err("pass_mark", "error.bad_score").message
    if errors:
        raise FormErrors(errors)
    with database.atomic():
        session = TrainingSession.create(kind=kind, title=title.strip(), organiser=organiser, place=place.strip(),
                                         pass_mark=mark, created_by_id=op.id, created_at=clock.now(), **fields)
        audit.record(op, "training.session.create", session, after=audit.snapshot(session))
    return session


def get_session(op: Operator, session_id: int) -> TrainingSession:
    session = visible_sessions(op).where(TrainingSession.id == session_id).first()
    if session is None:
        raise NotFound(f"{PLUGIN}.error.no_session")
    return session


def visible_sessions(op: Operator) -> pw.ModelSelect:
    """Sessions ``op`` may see: the city's and her town's, or (village, assistant) those her people were invited to."""
    auth.require(op, "training.view")
    scope = auth.scope_of(op)
    q = TrainingSession.select(TrainingSession, OrgUnit).join(OrgUnit)  # the organiser, named in the list
    if scope.level == "town":
        city_ids = OrgUnit.select(OrgUnit.id).where(OrgUnit.kind == "city")
        q = q.where((TrainingSession.organiser == scope.unit_id) | TrainingSession.organiser.in_(city_ids))
    elif scope.level != "city":
        invited = scope.restrict(Invitation.select(Invitation.session), Invitation.person)
        q = q.where(TrainingSession.id.in_(invited))
    return q.order_by(TrainingSession.start_on.desc(), TrainingSession.id.desc())


def organisers(op: Operator) -> list[OrgUnit]:
    """Whom ``op`` may organise a session for: her own town, or the city (TRN-2); nobody below a town."""
    scope = auth.scope_of(op)
    return list(OrgUnit.select().where(OrgUnit.id == scope.unit_id)) if scope.level in ("city", "town") else []


# --------------------------------------------------------------------------- invitations

def invite_units(op: Operator, session_id: int) -> list[OrgUnit]:
    """The towns and villages of ``op``'s scope whose people the session may invite (a town's
    session: that town's), by place in the org tree."""
    organiser = get_session(op, session_id).organiser
    return [u for u in auth.scope_of(op).units().order_by(OrgUnit.path) if u.kind != "city"
            and (organiser.kind == "city" or u.path.startswith(organiser.path))]

def invite(op: Operator, session_id: int, people: Iterable[Person]) -> int:
    """Invite people (in ``op``'s scope; a town's session: of that town only). Returns how many were new."""
    session = TrainingSession.get_or_none(TrainingSession.id == session_id)
    if session is None:
        raise NotFound(f"{PLUGIN}.error.no_session")
    _require_manage(op, session)
    scope = auth.scope_of(op)
    action = "training.prejob" if session.kind == "pre_job" else "training.manage"
    chosen = list(Person.select().where(Person.id.in_([p.id for p in people])))  # fresh: status may have changed
    for person in chosen:  # checked before the transaction, so a refusal's audit row is kept
        if not scope.contains_person(person):
            auth.deny(op, action, obj=person, person_id=person.id, key="auth.out_of_scope")
        if person.status == "departed":
            raise _err("person", "error.departed", name=person.name)
        if session.organiser.kind == "town" and person.town_id != session.organiser_id:
            raise _err("person", "error.other_town", name=person.name)
    new = 0
    with database.atomic():
        for person in chosen:
            inv, created = Invitation.get_or_create(session=session, person=person,
                                                    defaults={"invited_at": clock.now()})
            if created:
                new += 1
                audit.record(op, "training.invite", inv, person_id=person.id, after=audit.snapshot(inv))
    return new


def invite_unit(op: Operator, session_id: int, unit: OrgUnit) -> int:
    """Invite everyone concerned in a town or village: candidates to a pre-job session (TRN-1),
    assistants on duty to an in-service one (TRN-2)."""
    session = get_session(op, session_id)
    status = "candidate" if session.kind == "pre_job" else "on_duty"
    field = Person.town if unit.kind == "town" else Person.village
    chosen = auth.scope_of(op).people().where((field == unit.id) & (Person.status == status))
    return invite(op, session_id, list(chosen))


def attendance_counts(op: Operator, session_ids: Iterable[int]) -> dict[int, dict[str | None, int]]:
    """Per session ``op`` may see: invitations by attendance (None: not yet recorded), open invitations only."""
    out: dict[int, dict[str | None, int]] = {}
    seen = visible_sessions(op).where(TrainingSession.id.in_(list(session_ids))).select(TrainingSession.id)
    q = (Invitation.select(Invitation.session, Invitation.attendance, pw.fn.COUNT(Invitation.id))
         .where(Invitation.session.in_(seen.order_by()) & (Invitation.state == "open"))
         .group_by(Invitation.session, Invitation.attendance))
    for session_id, attendance, n in q.tuples():
        out.setdefault(session_id, {})[attendance] = n
    return out


def awaiting_attendance(op: Operator) -> int:
    """Sessions ``op`` manages that have begun and still have people without attendance recorded."""
    if not (auth.can(op, "training.manage") or auth.can(op, "training.prejob")):
        return 0
    scope = auth.scope_of(op)
    if scope.level not in ("city", "town"):
        return 0
    q = (TrainingSession.select(TrainingSession.id).join(Invitation)
         .where((TrainingSession.start_on <= clock.today()) & Invitation.attendance.is_null()
                & (Invitation.state == "open")).distinct())
    if scope.level == "town":
        q = q.where(TrainingSession.organiser == scope.unit_id)
    return q.count()


def invitations(op: Operator, session_id: int) -> pw.ModelSelect:
    """The session's invitations for people in ``op``'s scope, by name."""
    session = get_session(op, session_id)
    q = (Invitation.select(Invitation, Person).join(Person)
         .where(Invitation.session == session).order_by(Person.town, Person.village, Person.name_initials))
    return auth.scope_of(op).restrict(q, Invitation.person)


def get_invitation(op: Operator, invitation_id: int) -> Invitation:
    """One invitation of a session ``op`` may see, of a person in her scope (else refused, audited)."""
    inv = Invitation.get_or_none(Invitation.id == invitation_id)
    if inv is None:
        raise NotFound(f"{PLUGIN}.error.no_invitation")
    get_session(op, inv.session_id)
    if not auth.scope_of(op).contains_person(inv.person):
        auth.deny(op, "training.view", obj=inv, person_id=inv.person_id, key="auth.out_of_scope")
    return inv


def _invitation(op: Operator, invitation_id: int) -> Invitation:
    inv = Invitation.get_or_none(Invitation.id == invitation_id)
    if inv is None:
        raise NotFound(f"{PLUGIN}.error.no_invitation")
    _require_manage(op, inv.session)
    if not auth.scope_of(op).contains_person(inv.person):
        auth.deny(op, "training.manage", obj=inv, person_id=inv.person_id, key="auth.out_of_scope")
    if inv.state == "closed":
        raise _err("attendance", "error.closed")
    return inv


def record_attendance(op: Operator, invitation_id: int, attendance: str, reason: str = "") -> Invitation:
    """Present, excused absence (with its reason) or unexcused absence (TRN-2)."""
    inv = _invitation(op, invitation_id)
    problem = rules.check_attendance(attendance, reason or "", today=clock.today(), start_on=inv.session.start_on)
    if problem:
        raise _err("reason" if problem == "error.reason_required" else "attendance", problem,
                   options="、".join(ATTENDANCE))
    before = audit.snapshot(inv)
    inv.attendance, inv.reason = attendance, (reason or "").strip() if attendance == "excused" else ""
    if attendance != "present":
        inv.score, inv.passed = None, None  # no exam without attending it
    inv.recorded_at, inv.recorded_by_id = clock.now(), op.id
    with database.atomic():
        inv.save()
        audit.record(op, "training.attendance", inv, person_id=inv.person_id, before=before,
                     after=audit.snapshot(inv))
    return inv


def record_score(op: Operator, invitation_id: int, score: Any) -> Invitation:
    """A pre-job exam score (TRN-1): the person attended; passed against the session's pass mark."""
    inv = _invitation(op, invitation_id)
    session = inv.session
    if session.kind != "pre_job":
        raise _err("score", "error.no_exam")
    if clock.today() < session.start_on:
        raise _err("score", "error.not_started")
    try:
        value = float(score)
        if not 0 <= value <= 100:
            raise ValueError
    except (TypeError, ValueError):
        raise _err("score", "error.bad_score") from None
    before = audit.snapshot(inv)
    inv.attendance, inv.reason, inv.score = "present", "", value
    inv.passed = rules.passes(value, session.pass_mark)
    inv.recorded_at, inv.recorded_by_id = clock.now(), op.id
    with database.atomic():
        inv.save()
        audit.record(op, "training.exam", inv, person_id=inv.person_id, before=before, after=audit.snapshot(inv))
    return inv


# --------------------------------------------------------------------------- reads used by the hooks

def exam_scores(person_id: int, by: dt.date | None = None) -> list[tuple[float, float]]:
    """(score, pass mark) of every pre-job exam the person sat (TRN-1); with ``by``, those of
    sessions begun by that day (on a day before her exam she had not passed it yet)."""
    q = (Invitation.select(Invitation.score, TrainingSession.pass_mark).join(TrainingSession)
         .where((Invitation.person == person_id) & (TrainingSession.kind == "pre_job")
                & Invitation.score.is_null(False)))
    if by is not None:
        q = q.where(TrainingSession.start_on <= by)
    return [(score, mark) for score, mark in q.tuples()]


def person_invitations(person_id: int, start: dt.date, end: dt.date) -> pw.ModelSelect:
    """The person's invitations to sessions overlapping ``start``..``end``."""
    return (Invitation.select(Invitation, TrainingSession).join(TrainingSession)
            .where((Invitation.person == person_id) & (TrainingSession.start_on <= end)
                   & (TrainingSession.end_on >= start))
            .order_by(TrainingSession.start_on, Invitation.id))


def people_invitations(person_ids: list[int], start: dt.date, end: dt.date) -> pw.ModelSelect:
    """:func:`person_invitations` for many people (one query; order: session start, then person)."""
    return (Invitation.select(Invitation, TrainingSession).join(TrainingSession)
            .where(ids_in(Invitation.person, person_ids) & (TrainingSession.start_on <= end)
                   & (TrainingSession.end_on >= start))
            .order_by(TrainingSession.start_on, Invitation.id))


def close_open_invitations(person: Person, *, after: dt.date, other_than_town: int | None = None) -> int:
    """Close a person's invitations to sessions not yet over on ``after`` (she left, or moved town).

    With ``other_than_town`` only sessions organised by another town are closed
    (after a transfer the city's sessions still apply).
    """
    sessions = TrainingSession.select(TrainingSession.id).where(TrainingSession.end_on >= after)
    if other_than_town is not None:
        towns = OrgUnit.select(OrgUnit.id).where(OrgUnit.kind == "town")
        sessions = sessions.where(TrainingSession.organiser.in_(towns) & (TrainingSession.organiser != other_than_town))
    ids = [i.id for i in Invitation.select(Invitation.id).where(
        (Invitation.person == person.id) & (Invitation.state == "open") & Invitation.attendance.is_null()
        & Invitation.session.in_(sessions))]
    if not ids:
        return 0
    with database.atomic():
        Invitation.update(state="closed").where(Invitation.id.in_(ids)).execute()
        for inv_id in ids:
            audit.record(None, "training.invitation.close", object_type="Invitation", object_id=inv_id,
                         person_id=person.id, note="person_changed")
    return len(ids)
