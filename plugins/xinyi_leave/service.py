"""Leave writes: apply, oral report, complete the slip, decide, withdraw, cancel, extend, return.

Every write checks the named permission and the operator's scope, calls the
rules in :mod:`rules`, and leaves an audit row. Approval runs on the core's one
approval chain (ATT-4); the chain's end comes back through
``xinyi_approval_finished`` to :func:`chain_finished`. Whenever the days a leave
excuses change after the fact (refused, withdrawn, cancelled, 销假, an
extension approved) the town hears it through ``calendar.marks_changed``, in
the same transaction, so what attendance stored follows the leave (ATT-3).
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from xinyi_core import (ApprovalChain, FormErrors, NotFound, Operator, Person, ValidationError, require_on_duty,
                        runtime, t)
from xinyi_core import alerts, approvals, audit, auth, calendar, clock, org, validators
from xinyi_core.db import database, locked

from . import rules
from .models import LeaveRequest

PLUGIN = "leave"
KIND = "leave"  # approval-chain kind
AUDIENCE = ("town_clerk", "town_head")


# --------------------------------------------------------------------------- settings & counting

def counting_for(category: str) -> str:
    """How ``category`` counts its days: ``[settings.leave] count_<category>``, defaults per DOMAIN.md."""
    return runtime().config.setting(PLUGIN, f"count_{category}", rules.DEFAULT_COUNTING[category])


def count_days(town_id: int, category: str, start: dt.date, end: dt.date) -> tuple[int, str]:
    """(days, counting) on the town calendar; a year the calendar does not cover is refused."""
    for year in rules.years_touched(start, end):
        if not calendar.covered(year):
            raise ValidationError("end_on" if year > start.year else "start_on", "leave.error.calendar", year=year)
    counting = counting_for(category)
    working = calendar.working_days(town_id, start, end) if counting == "working" else ()
    return rules.leave_days(start, end, counting, working), counting


# --------------------------------------------------------------------------- validation

def clean(person: Person, data: dict[str, Any], *, slip: bool = True, exclude: int | None = None) -> dict[str, Any]:
    """Validate a leave's fields; raise :class:`FormErrors` naming every bad field.

    ``slip=False`` is the oral report (ATT-3): reason and phone come later.
    Whether she is on duty on those days is the core's question, asked by each
    filing after this (:func:`_require_on_duty`).
    """
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}
    if not person.town_id or not person.village_id:
        errors["person"] = t("leave.error.no_town", name=person.name)
    category = data.get("category") or ""
    labels = {c: t(f"leave.category.{c}") for c in rules.CATEGORIES}
    try:
        out["category"] = validators.choice(category, rules.CATEGORIES, "category", labels)
    except ValidationError:
        errors["category"] = t("leave.error.category")
    other = str(data.get("other_kind") or "").strip()
    if rules.category_note_required(out.get("category", "")) and not other:
        errors["other_kind"] = t("leave.error.other_kind")
    out["other_kind"] = other if out.get("category") == "other" else ""
    for name in ("start_on", "end_on"):
        try:
            out[name] = validators.date(data.get(name) or "", name)
        except ValidationError as exc:
            errors[name] = exc.message
    reason = str(data.get("reason") or "").strip()
    if slip and not reason:
        errors["reason"] = t("leave.error.reason")
    out["reason"] = reason
    phone = str(data.get("phone") or "").strip()
    if slip or phone:
        try:
            out["phone"] = validators.mobile(phone, "phone")
        except ValidationError as exc:
            errors["phone"] = exc.message
    applied = data.get("applied_on") or clock.today()
    try:
        out["applied_on"] = validators.date(applied, "applied_on")
    except ValidationError as exc:
        errors["applied_on"] = exc.message
    if {"category", "start_on", "end_on"} <= set(out) and "person" not in errors:  # all the other errors at once
        _check_dates(person, out, errors, exclude)
    if errors:
        raise FormErrors(errors)
    return out


def _check_dates(person: Person, out: dict[str, Any], errors: dict[str, str], exclude: int | None) -> None:
    start, end = out["start_on"], out["end_on"]
    key = rules.date_error(start, end)
    if key:
        errors["end_on"] = t(key)
        return
    clash = overlapping(person.id, start, end, exclude=exclude)
    if clash is not None:
        errors["start_on"] = _overlap_message(clash)
        return
    try:
        out["days"], out["counting"] = count_days(person.town_id, out["category"], start, end)
    except ValidationError as exc:
        errors[exc.field] = exc.message


def _overlap_message(clash: LeaveRequest) -> str:
    return t("leave.error.overlap", start=clash.start_on, end=clash.end_on,
             category=t(f"leave.category.{clash.category}"), state=t(f"leave.state.{clash.state}"))


def _hold_days(person: Person, cleaned: dict[str, Any], *, exclude: int | None = None) -> None:
    """Inside the filing transaction: the overlap checked again, with the person's row locked.

    The form's check (``clean``) ran before the transaction, when another clerk's slip for the
    same days may have been written but not yet committed; two filings at once must not both
    pass (ATT-3: one leave a day). SQLite's write transactions are exclusive already (BEGIN
    IMMEDIATE); on PostgreSQL the person's row lock makes the second filing wait for the first.
    """
    list(locked(Person.select(Person.id).where(Person.id == person.id)))
    clash = overlapping(person.id, cleaned["start_on"], cleaned["end_on"], exclude=exclude)
    if clash is not None:
        raise FormErrors({"start_on": _overlap_message(clash)})


def overlapping(person_id: int, start: dt.date, end: dt.date, *, exclude: int | None = None) -> LeaveRequest | None:
    """An active leave of the same person sharing a day with ``start``..``end``."""
    q = LeaveRequest.select().where((LeaveRequest.person == person_id) & LeaveRequest.state.in_(rules.ACTIVE_STATES)
                                    & (LeaveRequest.start_on <= end) & (LeaveRequest.end_on >= start))
    if exclude is not None:
        q = q.where(LeaveRequest.id != exclude)
    return q.order_by(LeaveRequest.start_on).first()


def _require_on_duty(op: Operator, person: Person, cleaned: dict[str, Any], action: str) -> None:
    """TRN-1, ORG-2: leave only for days she is on duty — first and last day (the roll is one span,
    and a passed exam stays passed), refused and audited by the core's one check."""
    for day in (cleaned["start_on"], cleaned["end_on"]):
        require_on_duty(op, person, day, action)


# --------------------------------------------------------------------------- access

def _in_scope(op: Operator, person: Person, action: str) -> None:
    auth.require(op, action, person_id=person.id)
    if not auth.scope_of(op).contains_person(person):
        auth.deny(op, action, obj=person, person_id=person.id, key="auth.out_of_scope")


def get(op: Operator, leave_id: int, action: str = "leave.view") -> LeaveRequest:
    """One leave, if ``op`` may ``action`` on it (an out-of-scope attempt is refused and audited)."""
    leave = LeaveRequest.get_or_none(LeaveRequest.id == leave_id)
    if leave is None:
        raise NotFound("leave.error.not_found")
    _in_scope(op, leave.person, action)
    return leave


# --------------------------------------------------------------------------- apply & chain

def _start_chain(op: Operator, leave: LeaveRequest, total_days: int) -> ApprovalChain:
    """ATT-4: village head's opinion → town centre head → city office for 3 days or more."""
    units = {"village_head": leave.village, "town_head": leave.town, "city_office": org.city()}
    village = runtime().config.setting(PLUGIN, "village_opinion", True) and _has_village_head(leave.village_id)
    steps = [approvals.StepSpec(role, units[role])
             for role in rules.approval_roles(total_days, village_opinion=village)]
    return approvals.start(op, KIND, leave, steps, person=leave.person)


def _has_village_head(village_id: int) -> bool:
    """A village with no village-head account gives its opinion on paper: the chain starts at the town."""
    return Operator.select().where((Operator.role == "village_head") & (Operator.scope == village_id)
                                   & (Operator.active == True)).exists()  # noqa: E712


def apply(op: Operator, person: Person, data: dict[str, Any]) -> LeaveRequest:
    """File a leave slip in advance (ATT-3) and send it up the chain (ATT-4)."""
    _in_scope(op, person, "leave.apply")
    cleaned = clean(person, data)
    _require_on_duty(op, person, cleaned, "leave.apply")
    with database.atomic():
        _hold_days(person, cleaned)
        leave = LeaveRequest.create(person=person, town=person.town_id, village=person.village_id,
                                    state="pending", created_by=op, created_at=clock.now(), **cleaned)
        _start_chain(op, leave, leave.days)
        audit.record(op, "leave.apply", leave, person_id=person.id, after=audit.snapshot(leave))
    return leave


def report_oral(op: Operator, person: Person, data: dict[str, Any]) -> LeaveRequest:
    """ATT-3 emergency: the town records an oral report; the leave starts at once, the slip comes later.

    The missing slip is an open alert (``slip_missing``) until it is completed.
    """
    _in_scope(op, person, "leave.oral")
    reporter = str(data.get("oral_reporter") or "").strip()
    try:
        cleaned = clean(person, data, slip=False)
    except FormErrors as exc:
        if not reporter:
            exc.errors["oral_reporter"] = t("validation.required")
        raise
    if not reporter:
        raise FormErrors({"oral_reporter": t("validation.required")})
    _require_on_duty(op, person, cleaned, "leave.oral")
    reported_at = data.get("oral_reported_at") or clock.now()
    with database.atomic():
        _hold_days(person, cleaned)
        leave = LeaveRequest.create(
            person=person, town=person.town_id, village=person.village_id, state="oral", oral=True,
            oral_reporter=reporter, oral_by_relative=bool(data.get("oral_by_relative")),
            oral_reported_at=reported_at, created_by=op, created_at=clock.now(), **cleaned)
        audit.record(op, "leave.oral", leave, person_id=person.id, after=audit.snapshot(leave))
    alerts.raise_alert(PLUGIN, "slip_missing", f"slip_missing:{leave.id}", t(
        "leave.alert.slip_missing", name=person.name, start=leave.start_on, reporter=reporter,
        category=t(f"leave.category.{leave.category}")), audience=AUDIENCE, rule="ATT-3", person=person,
        data={"leave": leave.id})
    return leave


def complete_slip(op: Operator, leave_id: int, data: dict[str, Any]) -> LeaveRequest:
    """ATT-3 补办: the slip of an oral report, filled in after return; it then goes up the chain."""
    leave = get(op, leave_id, "leave.apply")
    if leave.state != "oral":
        raise ValidationError("state", "leave.error.not_oral")
    merged = {"category": leave.category, "other_kind": leave.other_kind, "start_on": leave.start_on,
              "end_on": leave.end_on, "reason": leave.reason, "phone": leave.phone, **data}
    cleaned = clean(leave.person, merged, exclude=leave.id)
    _require_on_duty(op, leave.person, cleaned, "leave.apply")
    before = audit.snapshot(leave)
    with database.atomic():
        _hold_days(leave.person, cleaned, exclude=leave.id)
        for name, value in cleaned.items():
            if name != "applied_on":
                setattr(leave, name, value)
        leave.state, leave.slip_completed_at = "pending", clock.now()
        leave.save()
        _start_chain(op, leave, leave.days)
        audit.record(op, "leave.complete_slip", leave, person_id=leave.person_id, before=before,
                     after=audit.snapshot(leave))
    alerts.close_by_key(PLUGIN, f"slip_missing:{leave.id}", t("leave.alert.slip_missing_closed"))
    return leave


def chain_of(leave: LeaveRequest) -> ApprovalChain:
    chain = approvals.for_subject(KIND, leave.id)
    if chain is None:
        raise ValidationError("chain", "leave.error.no_chain")
    return chain


def decide(op: Operator, leave_id: int, approve: bool, opinion: str = "") -> LeaveRequest:
    """Record the current approver's opinion (the core checks that it is her step)."""
    leave = get(op, leave_id, "leave.approve")
    approvals.decide(op, chain_of(leave), approve, opinion)
    return LeaveRequest.get_by_id(leave.id)


def withdraw(op: Operator, leave_id: int, reason: str = "") -> LeaveRequest:
    """The applicant takes back a pending slip; the town takes back an oral report recorded in error."""
    leave = get(op, leave_id)
    if leave.state == "oral":
        _in_scope(op, leave.person, "leave.oral")
        with database.atomic():
            leave.state, leave.note = "withdrawn", reason
            leave.save()
            audit.record(op, "leave.withdraw", leave, person_id=leave.person_id, note=reason)
            calendar.marks_changed(leave.person, leave.start_on, leave.end_on)  # ATT-3: no longer excused
        alerts.close_by_key(PLUGIN, f"slip_missing:{leave.id}", reason)
        return leave
    approvals.withdraw(op, chain_of(leave), reason)
    return LeaveRequest.get_by_id(leave.id)


def chain_finished(chain: ApprovalChain) -> None:
    """The chain ended: the slip takes its state (approved, rejected or withdrawn).

    ATT-3: a refused or withdrawn oral leave stops excusing its days, and an
    approval may excuse days already past (a slip approved after it started,
    an extension approved after the end); the town hears it in this transaction.
    """
    leave = LeaveRequest.get_or_none(LeaveRequest.id == chain.subject_id)
    if leave is None or leave.state != "pending":
        return
    leave.state = chain.state
    leave.save(only=[LeaveRequest.state])
    calendar.marks_changed(leave.person, leave.start_on, leave.end_on)


def cancel_refusal(leave: LeaveRequest) -> str | None:
    """Why ``leave`` cannot be cancelled today, as a catalogue key (``None``: it can)."""
    later = any(m.state in rules.ACTIVE_STATES and m.start_on > leave.end_on for m in family(leave.family_root))
    return rules.cancel_error(leave.state, leave.oral, leave.start_on, clock.today(), extended=later)


def cancel(op: Operator, leave_id: int, reason: str) -> LeaveRequest:
    """The town head cancels (撤销) approved leave before it starts, with a reason.

    The chain records it (a last step with the reason), the slip shows 已撤销
    and its days are excused no more (ATT-3/ATT-4). Once the leave has started
    the way out is 销假 (:func:`record_return`); pending leave is withdrawn by
    its applicant or refused by its approver; an oral report recorded in error
    is withdrawn by the town.
    """
    leave = get(op, leave_id, "leave.cancel")
    reason = (reason or "").strip()
    error = cancel_refusal(leave)
    if error:
        raise ValidationError("state", error, start=leave.start_on)
    if not reason:
        raise ValidationError("reason", "leave.error.cancel_reason")
    before = audit.snapshot(leave)
    with database.atomic():
        approvals.cancel(op, chain_of(leave), reason)
        # conditional: a second head cancelling at the same moment finds it done (PostgreSQL)
        if not (LeaveRequest.update(state="cancelled", note=reason)
                .where((LeaveRequest.id == leave.id) & (LeaveRequest.state == "approved")).execute()):
            raise ValidationError("state", "leave.error.not_cancellable")
        leave = LeaveRequest.get_by_id(leave.id)
        audit.record(op, "leave.cancel", leave, person_id=leave.person_id, before=before,
                     after=audit.snapshot(leave), note=reason)
        calendar.marks_changed(leave.person, leave.start_on, leave.end_on)
    return leave


# --------------------------------------------------------------------------- extension & return

def family(root: LeaveRequest) -> list[LeaveRequest]:
    """The leave and its extensions, in date order."""
    return list(LeaveRequest.select().where((LeaveRequest.id == root.id) | (LeaveRequest.root == root.id))
                .order_by(LeaveRequest.start_on, LeaveRequest.id))


def effective_end(members: list[LeaveRequest], *, filed: bool = False) -> dt.date:
    """The last excused day of a family; with ``filed`` also counting extensions under approval."""
    ok = [m for m in members if rules.excuses(m.state, m.oral) or (filed and m.state == "pending")]
    return max(m.end_on for m in ok) if ok else members[0].end_on


def overdue_key(root: LeaveRequest, members: list[LeaveRequest]) -> str:
    """One alert per (leave, end, attempt): a rejected extension opens a new one."""
    return f"overdue_return:{root.id}:{effective_end(members)}:{len(members)}"


def extend(op: Operator, leave_id: int, data: dict[str, Any]) -> LeaveRequest:
    """ATT-3 续假: the assistant cannot return when the leave ends; filed before or after the end.

    The extension runs from the day after the current end; the total days of
    the leave and its extensions decide whether the city must approve (ATT-4).
    """
    root = get(op, leave_id, "leave.apply").family_root
    members = family(root)
    if root.returned_on is not None or not rules.excuses(root.state, root.oral):
        raise ValidationError("state", "leave.error.not_extendable")
    end = effective_end(members, filed=True)
    try:
        new_end = validators.date(data.get("end_on") or "", "end_on")
    except ValidationError as exc:
        raise FormErrors({"end_on": exc.message}) from None
    if new_end <= end:
        raise FormErrors({"end_on": t("leave.error.extension_end", end=end)})
    cleaned = clean(root.person, {**data, "phone": data.get("phone") or root.phone, "category": root.category,
                                  "other_kind": root.other_kind, "start_on": rules.extension_start(end)})
    _require_on_duty(op, root.person, cleaned, "leave.apply")
    total = sum(m.days for m in members if m.state in ("approved", "pending", "oral")) + cleaned["days"]
    key = overdue_key(root, members)
    with database.atomic():
        ext = LeaveRequest.create(person=root.person, town=root.town_id, village=root.village_id, root=root,
                                  state="pending", created_by=op, created_at=clock.now(), **cleaned)
        _start_chain(op, ext, total)
        audit.record(op, "leave.extend", ext, person_id=root.person_id, after=audit.snapshot(ext))
    alerts.close_by_key(PLUGIN, key, t("leave.alert.overdue_closed"))
    return ext


def record_return(op: Operator, leave_id: int, on: dt.date | None = None) -> LeaveRequest:
    """销假: the assistant is back on post from ``on``; marks stop the day before."""
    root = get(op, leave_id, "leave.return").family_root
    on = on or clock.today()
    if root.returned_on is not None or not rules.excuses(root.state, root.oral):
        raise ValidationError("returned_on", "leave.error.not_returnable")
    if on < root.start_on:
        raise ValidationError("returned_on", "leave.error.return_before_start", start=root.start_on)
    members = family(root)
    key, end = overdue_key(root, members), effective_end(members)
    with database.atomic():
        root.returned_on, root.returned_recorded_by = on, op.id
        root.save(only=[LeaveRequest.returned_on, LeaveRequest.returned_recorded_by])
        audit.record(op, "leave.return", root, person_id=root.person_id, after={"returned_on": on.isoformat()})
        calendar.marks_changed(root.person, on, end)  # back early: those days are no longer leave
    alerts.close_by_key(PLUGIN, key, t("leave.alert.overdue_closed"))
    return root


# --------------------------------------------------------------------------- system acts

def close_for_departed(person: Person) -> int:
    """A departed assistant's unfinished leave is withdrawn with a note (its chain too)."""
    note = t("leave.audit.departed")
    open_ = list(LeaveRequest.select().where((LeaveRequest.person == person.id)
                                             & LeaveRequest.state.in_(("oral", "pending"))))
    for leave in open_:
        with database.atomic():
            (ApprovalChain.update(state="withdrawn", finished_at=clock.now())
             .where((ApprovalChain.kind == KIND) & (ApprovalChain.subject_id == leave.id)
                    & (ApprovalChain.state == "pending")).execute())
            leave.state, leave.note = "withdrawn", note
            leave.save()
            audit.record(None, "leave.withdraw", leave, person_id=person.id, note=note)
            calendar.marks_changed(person, leave.start_on, leave.end_on)
        alerts.close_by_key(PLUGIN, f"slip_missing:{leave.id}", t("leave.alert.departed_closed"))
    away = LeaveRequest.select().where((LeaveRequest.person == person.id) & LeaveRequest.root.is_null()
                                       & LeaveRequest.returned_on.is_null() & (LeaveRequest.state == "approved"))
    for root in away:
        alerts.close_by_key(PLUGIN, overdue_key(root, family(root)), t("leave.alert.departed_closed"))
    return len(open_)


def next_working_day(town_id: int, after: dt.date) -> dt.date | None:
    """The first working day after ``after``, or None when the calendar cannot say (ATT-6).

    Only days the calendar answers are looked at: the search stops at the first
    year with no holiday schedule (no ``chinese_calendar`` data, no
    ``[calendar.years.YYYY]``). A leave ending on Thursday 31 December is then
    not overdue on any guessed day; the uncovered year is in the start-up
    warnings until the administrator enters it.
    """
    day = after + dt.timedelta(days=1)
    while calendar.covered(day.year):
        end = min(day + dt.timedelta(days=30), dt.date(day.year, 12, 31))  # one year's calendar per call
        found = calendar.working_days(town_id, day, end)
        if found:
            return found[0]
        day = end + dt.timedelta(days=1)
    return None


def raise_overdue(today: dt.date | None = None, town_code: str | None = None, lookback_days: int = 120) -> int:
    """ATT-6: alert the town for every leave that ended without 销假 or 续假. Returns new alerts."""
    today = today or clock.today()
    q = LeaveRequest.select().where(LeaveRequest.root.is_null() & LeaveRequest.returned_on.is_null()
                                    & LeaveRequest.state.in_(rules.ACTIVE_STATES)
                                    & (LeaveRequest.start_on < today)
                                    & (LeaveRequest.start_on >= today - dt.timedelta(days=lookback_days)))
    if town_code:
        q = q.where(LeaveRequest.town == org.by_code(town_code).id)
    created = 0
    for root in q:
        if not rules.excuses(root.state, root.oral):
            continue
        members = family(root)
        end = effective_end(members)
        filed = any(m.state == "pending" and m.root_id for m in members)
        if not rules.overdue_return(end, None, filed, today, next_working_day(root.town_id, end)):
            continue
        _, new = alerts.raise_alert(PLUGIN, "overdue_return", overdue_key(root, members), t(
            "leave.alert.overdue_return", name=root.person.name, end=end,
            category=t(f"leave.category.{root.category}")), audience=AUDIENCE, rule="ATT-6",
            person=root.person, data={"leave": root.id, "end": end.isoformat()})
        created += new
    return created
