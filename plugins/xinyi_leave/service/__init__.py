"""Leave writes: apply, oral report, complete the slip, decide, withdraw, cancel, extend, return.

Every write checks the named permission and the operator's scope, calls the
rules in :mod:`xinyi_leave.rules`, and leaves an audit row. Approval runs on the
core's one approval chain (ATT-4); the chain's end comes back through
``xinyi_approval_finished`` to :func:`chain_finished`. Whenever the days a leave
excuses change after the fact (refused, withdrawn, cancelled, 销假, an
extension approved) the town hears it through ``calendar.marks_changed``, in
the same transaction, so what attendance stored follows the leave (ATT-3).

The scoped reads the screens show are in :mod:`.reads`, what the system does
on its own (ATT-6 overdue check, a departed assistant's leave) in :mod:`.system`;
both are re-exported here, so ``service.visible`` and ``service.raise_overdue``
are where a caller expects them.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from xinyi_core import (ApprovalChain, FormErrors, Operator, Person, ValidationError, alerts, approvals, audit,
                        calendar, clock, database, locked, org, require_on_duty, runtime, t, validators)

from .. import rules
from ..models import LeaveRequest
from .reads import (cancellation, effective_end, family, for_person, get, in_scope, overdue_key, overlapping,
                    people_on_duty, person_for, roots, search, step_lines, town_month, visible, waiting)
from .system import AUDIENCE, KIND, PLUGIN, close_for_departed, next_working_day, raise_overdue

__all__ = [  # the writes below, and the reads and system acts said in their own modules
    "apply", "cancel", "cancel_refusal", "chain_finished", "chain_of", "clean", "complete_slip", "count_days",
    "counting_for", "days_of", "decide", "extend", "record_return", "report_oral", "withdraw",
    "cancellation", "effective_end", "family", "for_person", "get", "in_scope", "overdue_key", "overlapping",
    "people_on_duty", "person_for", "roots", "search", "step_lines", "town_month", "visible", "waiting",
    "AUDIENCE", "KIND", "PLUGIN", "close_for_departed", "next_working_day", "raise_overdue",
]


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


def days_of(person: Person, data: dict[str, Any], *, slip: bool = True) -> tuple[int, str] | None:
    """(days, counting) the leave in ``data`` would take, as saving would count them (ATT-3/ATT-4);
    None while :func:`clean` refuses it. The form's live day count."""
    try:
        cleaned = clean(person, data, slip=slip)
    except FormErrors:
        return None
    return cleaned["days"], cleaned["counting"]


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


def _require_on_duty(op: Operator, person: Person, cleaned: dict[str, Any], action: str) -> None:
    """TRN-1, ORG-2: leave only for days she is on duty — first and last day (the roll is one span,
    and a passed exam stays passed), refused and audited by the core's one check."""
    for day in (cleaned["start_on"], cleaned["end_on"]):
        require_on_duty(op, person, day, action)


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
    in_scope(op, person, "leave.apply")
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
    in_scope(op, person, "leave.oral")
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
        in_scope(op, leave.person, "leave.oral")
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
