"""Assistants: validation, hiring, editing, transfers, status — all scoped and audited.

ORG-3: hiring and any move across villages or towns are city-level acts. A
town-level attempt is refused and the refusal is recorded in the audit trail.
"""
from __future__ import annotations

import datetime as dt
import functools
import unicodedata
from typing import Any

import peewee as pw

from . import audit, auth, clock, validators
from .db import database
from .errors import ConflictError, FormErrors, NotFound, PermissionDenied, ValidationError
from .i18n import t
from .state import runtime
from .models import (EDUCATIONS, PERSON_STATUSES, POLITICAL_STATUSES, SEXES, ApprovalChain, Operator, OrgUnit, Person,
                     Post, PostAssignment)

EDITABLE = ("name", "id_number", "phone", "political_status", "education", "joined_on")
CHOICES = {"sex": SEXES, "political_status": POLITICAL_STATUSES, "education": EDUCATIONS,
           "status": PERSON_STATUSES}


def labels(field: str) -> dict[str, str]:
    """Code → Chinese label for a coded field (``sex``, ``education`` …)."""
    return {code: t(f"person.{field}.{code}") for code in CHOICES[field]}


@functools.lru_cache(maxsize=4096)
def initials(name: str) -> str:
    """Pinyin initials for search-as-you-type (张三丰 → zsf)."""
    from pypinyin import Style, lazy_pinyin  # lazy: the dictionary is large

    return "".join(p[0] for p in lazy_pinyin(name, style=Style.FIRST_LETTER) if p).lower()


# --------------------------------------------------------------------------- validation

def clean(data: dict[str, Any], *, partial: bool = False, today: dt.date | None = None) -> dict[str, Any]:
    """Validate a person's fields; raise :class:`FormErrors` with every bad field.

    Sex and birth date are derived from the ID number; when given they must agree.
    """
    out: dict[str, Any] = {}
    errors: dict[str, str] = {}

    def run(field: str, fn, *args) -> None:
        if partial and field not in data:
            return
        try:
            out[field] = fn(data.get(field), *args)
        except ValidationError as exc:
            errors[field] = exc.message

    run("name", validators.person_name)
    run("id_number", lambda v: validators.id_number(v, today=today))
    run("phone", validators.mobile)
    for field in ("political_status", "education"):
        if data.get(field) in (None, "") and not partial:
            continue
        run(field, lambda v, f=field: validators.choice(v, CHOICES[f], f, labels(f)))
    if data.get("joined_on") not in (None, ""):
        run("joined_on", validators.date, "joined_on")

    number = out.get("id_number")
    if number:
        sex, birth = validators.id_sex(number), validators.id_birth_date(number)
        given_sex = data.get("sex")
        if given_sex not in (None, ""):
            try:
                code = validators.choice(given_sex, SEXES, "sex", labels("sex"))
                if code != sex:
                    errors["sex"] = t("validation.id_sex_mismatch")
            except ValidationError as exc:
                errors["sex"] = exc.message
        given_birth = data.get("birth_date")
        if given_birth not in (None, ""):
            try:
                b = _year_month_or_date(given_birth)
                if (b.year, b.month) != (birth.year, birth.month) or (isinstance(b, dt.date) and b.day not in (1, birth.day)):
                    errors["birth_date"] = t("validation.id_birth_mismatch")
            except ValidationError as exc:
                errors["birth_date"] = exc.message
        out["sex"], out["birth_date"] = sex, birth
    if errors:
        raise FormErrors(errors)
    return out


def _year_month_or_date(value: Any) -> dt.date:
    if isinstance(value, dt.date):
        return value
    s = str(value).strip().replace("年", "-").replace("月", "").replace(".", "-").replace("/", "-")
    parts = [p for p in s.split("-") if p]
    try:
        if len(parts) == 2:
            return dt.date(int(parts[0]), int(parts[1]), 1)
        return validators.date("-".join(parts), "birth_date")
    except (ValueError, ValidationError):
        raise ValidationError("birth_date", "validation.birth_date") from None


# --------------------------------------------------------------------------- reads

def visible(op: Operator) -> pw.ModelSelect:
    """Every person ``op`` may see."""
    auth.require(op, "people.view")
    return auth.scope_of(op).people()


def get(op: Operator, person_id: int) -> Person:
    """One person, if in ``op``'s scope (an out-of-scope read is refused and audited)."""
    auth.require(op, "people.view", person_id=person_id)
    person = Person.get_or_none(Person.id == person_id)
    if person is None:
        raise NotFound("person.not_found")
    if not auth.scope_of(op).contains_person(person):
        auth.deny(op, "people.view", obj=person, person_id=person.id, key="auth.out_of_scope")
    return person


def reveal(op: Operator, person_id: int) -> tuple[str, str]:
    """The full ID number and phone of one person (``people.view_id``), audited each time.

    Lists, searches and exports show both masked (:func:`xinyi_core.fmt.mask_id`,
    :func:`~xinyi_core.fmt.mask_phone`); the person page shows them in full only
    through this call.
    """
    auth.require(op, "people.view_id", person_id=person_id)
    person = get(op, person_id)
    audit.record(op, "people.view_id", person, person_id=person.id)
    return person.id_number, person.phone


def search(op: Operator, text: str = "", *, town_id: int | None = None, village_id: int | None = None,
           status: str | None = None, order: str = "name", limit: int | None = 200) -> pw.ModelSelect:
    """Search as you type: name, pinyin initials, ID number or phone.

    Filtering by a town or village outside the operator's scope is a refused
    (and audited) attempt, not an empty list.
    """
    q = visible(op)
    for unit_id in (town_id, village_id):
        if unit_id:
            _check_unit_filter(op, unit_id)
    # full-width digits from a Chinese IME; U+0000 matches nothing (writes refuse it)
    text = unicodedata.normalize("NFKC", text).replace("\x00", "").strip()
    if text:
        if text.isdigit() or text[-1:].upper() == "X" and text[:-1].isdigit():
            q = q.where(Person.id_number.contains(text.upper()) | Person.phone.contains(text))
        elif text.isascii():
            q = q.where(Person.name_initials.startswith(text.lower()))
        else:
            q = q.where(Person.name.contains(text))
    if town_id:
        q = q.where(Person.town == town_id)
    if village_id:
        q = q.where(Person.village == village_id)
    if status:
        q = q.where(Person.status == status)
    orders = {"name": (Person.name_initials, Person.id), "joined": (Person.joined_on, Person.id),
              "town": (Person.town, Person.village, Person.name_initials)}
    q = q.order_by(*orders.get(order, orders["name"]))
    return q.limit(limit) if limit else q


def _check_unit_filter(op: Operator, unit_id: int) -> None:
    scope = auth.scope_of(op)
    unit = OrgUnit.get_or_none(OrgUnit.id == unit_id)
    if scope.level == "city" or unit is None:
        return
    own = OrgUnit.get_by_id(scope.unit_id)
    if not (unit.path.startswith(own.path) or own.path.startswith(unit.path)):  # disjoint subtrees
        auth.deny(op, "people.view", obj=unit, key="auth.out_of_scope")


def history(op: Operator, person_id: int) -> list[PostAssignment]:
    person = get(op, person_id)
    return list(PostAssignment.select().where(PostAssignment.person == person).order_by(PostAssignment.start_on))


# --------------------------------------------------------------------------- writes

def _notify(person: Person, change: str, detail: dict[str, Any]) -> None:
    """Tell the plugins, inside the change's transaction: what they write (a departed
    person's pending leave closed) commits with it, or neither does."""
    town_code = person.town.code if person.town_id else None
    runtime().plugins.for_town(town_code).xinyi_person_changed(person=person, change=change, detail=detail)


def insert(clean_data: dict[str, Any], post: Post, *, status: str, joined_on: dt.date | None,
           operator: Operator | None, reason: str = "hire") -> Person:
    """Create a person on ``post`` (no permission check: callers check). Inside a transaction."""
    village = post.village
    own = {"name", "sex", "birth_date", "id_number", "phone", "political_status", "education"}
    person = Person.create(
        **{k: v for k, v in clean_data.items() if k in own},  # the rest is set here, explicitly
        name_initials=initials(clean_data["name"]), status=status,
        joined_on=joined_on or clean_data.get("joined_on"),
        town=village.parent_id, village=village, post=post,
        created_at=clock.now(), updated_at=clock.now(),
    )
    PostAssignment.create(person=person, post=post, start_on=person.joined_on or clock.today(), reason=reason,
                          operator_id=operator.id if operator else None)
    Post.update(vacant_since=None).where(Post.id == post.id).execute()
    return person


def hire(op: Operator, data: dict[str, Any], post: Post) -> Person:
    """Fill a vacant post with a new assistant (ORG-3: the city's act only)."""
    auth.require(op, "people.hire", obj=post)
    cleaned = clean(data)
    if Person.select().where(Person.post == post).exists():
        raise ValidationError("post", "person.post_taken")
    if Person.select().where(Person.id_number == cleaned["id_number"]).exists():
        raise FormErrors({"id_number": t("person.duplicate_id")})
    with database.atomic():
        person = insert(cleaned, post, status="candidate", joined_on=cleaned.get("joined_on"), operator=op)
        audit.record(op, "people.hire", person, person_id=person.id, after=audit.snapshot(person))
        _notify(person, "hired", {"post": post.id})
    return person


def update(op: Operator, person_id: int, changes: dict[str, Any], *, expected_version: int | None = None) -> Person:
    """Edit a person's own fields. A stale edit (someone saved first) is a conflict, not an overwrite."""
    auth.require(op, "people.edit", person_id=person_id)
    person = get(op, person_id)
    unknown = set(changes) - set(EDITABLE) - {"sex", "birth_date"}
    if unknown:
        raise ValidationError(sorted(unknown)[0], "person.not_editable")
    merged = {f: getattr(person, f) for f in ("name", "id_number", "phone", "political_status", "education")}
    merged.update(changes)
    cleaned = clean(merged)
    if cleaned["id_number"] != person.id_number and Person.select().where(
            (Person.id_number == cleaned["id_number"]) & (Person.id != person.id)).exists():
        raise FormErrors({"id_number": t("person.duplicate_id")})
    before = audit.snapshot(person)
    fields = {k: v for k, v in cleaned.items() if k in Person._meta.fields}
    fields.update(name_initials=initials(cleaned["name"]), updated_at=clock.now(),
                  version=Person.version + 1)
    version = expected_version if expected_version is not None else person.version
    with database.atomic():
        n = Person.update(**fields).where((Person.id == person.id) & (Person.version == version)).execute()
        if n != 1:
            raise ConflictError("person.conflict")
        person = Person.get_by_id(person.id)
        audit.record(op, "people.update", person, person_id=person.id, before=before, after=audit.snapshot(person))
        _notify(person, "updated", {"before": before})
    return person


def transfer(op: Operator, person_id: int, new_post: Post, *, on: dt.date | None = None) -> Person:
    """Move a person to another post. Across villages or towns only the city may (ORG-3)."""
    person = get(op, person_id)
    if new_post.id == person.post_id:
        return person
    if person.status == "departed":  # seating a departed person again is a hire (ORG-3), not a transfer
        raise ValidationError("status", "person.already_departed")
    crosses = new_post.village_id != person.village_id
    auth.require(op, "people.transfer" if crosses else "people.edit", obj=person, person_id=person.id)
    if Person.select().where(Person.post == new_post).exists():
        raise ValidationError("post", "person.post_taken")
    on = on or clock.today()
    before = audit.snapshot(person)
    with database.atomic():
        _end_assignment(person, on)
        if person.post_id:
            Post.update(vacant_since=on).where(Post.id == person.post_id).execute()
        village = new_post.village
        person.post, person.village, person.town = new_post, village, village.parent_id
        person.updated_at = clock.now()
        _save_versioned(person, "post", "village", "town", "updated_at")
        PostAssignment.create(person=person, post=new_post, start_on=on, reason="transfer", operator_id=op.id)
        Post.update(vacant_since=None).where(Post.id == new_post.id).execute()
        audit.record(op, "people.transfer", person, person_id=person.id, before=before, after=audit.snapshot(person))
        _notify(person, "transferred", {"before": before})
    return person


def _save_versioned(person: Person, *fields: str) -> None:
    """Write ``fields`` and bump the version — unless someone saved her since she was read:
    then nothing is written and it is a conflict (the caller's transaction rolls back)."""
    n = (Person.update(version=Person.version + 1, **{f: person.__data__.get(f) for f in fields})
         .where((Person.id == person.id) & (Person.version == person.version)).execute())
    if n != 1:
        raise ConflictError("person.conflict")
    person.version += 1


def _end_assignment(person: Person, on: dt.date) -> None:
    (PostAssignment.update(end_on=on)
     .where((PostAssignment.person == person) & PostAssignment.end_on.is_null())
     .execute())


def set_status(op: Operator, person_id: int, new_status: str, *, on: dt.date | None = None,
               reason: str = "", basis: ApprovalChain | None = None) -> Person:
    """Change status (candidate → on duty → departed), after asking plugins for vetoes.

    ORG-2: 离职 is a city-approved act. A plugin enabled for the person's town may
    make it one that only its own finished approval chain performs: it passes that
    chain as ``basis`` and its ``xinyi_status_change_vetoes`` refuses every other
    path (the departure plugin: the 附件5 report approved by the city employment
    office). Whatever the path, only an operator holding ``people.depart`` (the
    city's roles) may set it, and only with a reason. A veto or a missing
    permission is audited and writes nothing; a missing reason is a form error.
    """
    if new_status not in PERSON_STATUSES:
        raise ValidationError("status", "validation.choice", options="、".join(labels("status").values()))
    person = get(op, person_id)
    auth.require(op, "people.status", obj=person, person_id=person.id)
    if person.status == new_status:
        return person
    if person.status == "departed":
        raise ValidationError("status", "person.already_departed")
    town_code = person.town.code if person.town_id else None
    vetoes = [r for rs in runtime().plugins.for_town(town_code).xinyi_status_change_vetoes(
        person=person, new_status=new_status, basis=basis) for r in rs]
    if vetoes:
        audit.record(op, "people.status", person, person_id=person.id, allowed=False, note="；".join(vetoes))
        raise ValidationError("status", "person.status_vetoed", reasons="；".join(vetoes))
    if new_status == "departed":  # ORG-2: the city's act, with its reason on record
        auth.require(op, "people.depart", obj=person, person_id=person.id)
        if not reason.strip():
            raise ValidationError("reason", "person.depart_reason_required")
    on = on or clock.today()
    before = audit.snapshot(person)
    with database.atomic():
        person.status = new_status
        person.updated_at = clock.now()
        if new_status == "departed":
            person.departed_on = on
            _end_assignment(person, on)
            if person.post_id:
                Post.update(vacant_since=on).where(Post.id == person.post_id).execute()  # ORG-2
            person.post = None
        _save_versioned(person, "status", "updated_at", "departed_on", "post")
        audit.record(op, "people.status", person, person_id=person.id, before=before,
                     after=audit.snapshot(person), note=reason.strip())
        _notify(person, "status", {"before": before["status"], "after": new_status, "on": on.isoformat()})
    return person


def on_roll_during(start: dt.date, end: dt.date, *, candidates: bool = False) -> pw.Expression:
    """A filter on :class:`Person`: on the roll at some time between ``start`` and ``end``.

    Joined by ``end`` (or no date known), not departed before ``start`` (the
    departure day itself is still on the roll), and — unless ``candidates`` (the
    花名册 lists them with their status) — not a candidate: she has never been on
    duty. A period's report or check selects by these dates, never
    by today's status: the March sheet made on 1 April keeps an assistant who
    left on 20 March and leaves out one who joined on 1 April (ASM-2, WORK-2).
    """
    dates = ((Person.joined_on.is_null() | (Person.joined_on <= end))
             & (Person.departed_on.is_null() | (Person.departed_on >= start)))
    return dates if candidates else dates & (Person.status != "candidate")


def was_on_roll(person: Person, start: dt.date, end: dt.date, *, candidates: bool = False) -> bool:
    """:func:`on_roll_during` for a person in hand, by her dates and status as loaded."""
    return ((person.joined_on is None or person.joined_on <= end)
            and (person.departed_on is None or person.departed_on >= start)
            and (candidates or person.status != "candidate"))


# --------------------------------------------------------------------------- TRN-1 / ORG-2: on duty on a day

def duty_refusals(person: Person, day: dt.date) -> list[str]:
    """Why ``person`` was not on duty on ``day``, as Chinese reasons; empty when she was.

    The one check behind every record of a person's work on a given day — sign-in,
    phone check, correction, work-log entry, leave, article credit — so that no
    plugin keeps its own copy of the rule. The core knows the roll: gone from her
    departure date (ORG-2), not yet there before her join date; either answers
    alone. Otherwise the plugins her town enabled add their reasons through
    ``xinyi_duty_refusals`` (training: no passed pre-job exam by that day, TRN-1).
    A candidate nobody else refuses is still not on duty: she has not taken up the
    post.
    """
    gone = person.departed_on if person.status == "departed" else None
    if person.status == "departed" and (gone is None or day >= gone):
        return [t("person.duty.departed", date=gone or "")]
    if person.joined_on is not None and day < person.joined_on:
        return [t("person.duty.not_joined", date=person.joined_on)]
    town_code = person.town.code if person.town_id else None
    reasons = [r for rs in runtime().plugins.for_town(town_code).xinyi_duty_refusals(person=person, day=day)
               for r in rs or ()]
    if not reasons and person.status == "candidate":
        reasons.append(t("person.duty.candidate"))
    return reasons


def require_on_duty(op: Operator | None, person: Person, day: dt.date, action: str) -> None:
    """Refuse ``action`` on ``person``'s ``day`` unless she was on duty then (:func:`duty_refusals`).

    The refusal names every reason, is audited like any refused attempt
    (``allowed=False``, kept even when the caller's transaction rolls back) and
    is raised before anything is written. Call it after the operator's
    permission and scope checks, with the day the record is about.
    """
    reasons = duty_refusals(person, day)
    if not reasons:
        return
    params = {"name": person.name, "date": day.isoformat(), "reasons": "；".join(reasons)}
    audit.record(op, action, person, person_id=person.id, allowed=False,
                 note=t("person.duty.refused", **params))
    raise PermissionDenied("person.duty.refused", action=action, **params)


def headcounts(op: Operator) -> dict[int, int]:
    """People on the roll (not departed) per town and per village, within ``op``'s scope."""
    out: dict[int, int] = {}
    query = visible(op).select(Person.town, Person.village, pw.fn.COUNT(Person.id))
    for town_id, village_id, n in query.where(Person.status != "departed").group_by(
            Person.town, Person.village).tuples():
        out[village_id] = out.get(village_id, 0) + n
        out[town_id] = out.get(town_id, 0) + n
    return out


def counts_by_status(op: Operator) -> dict[str, int]:
    q = visible(op).select(Person.status, pw.fn.COUNT(Person.id).alias("n")).group_by(Person.status)
    return {row.status: row.n for row in q}

