"""Departure reports: report, propose (ATT-6), confirm/decline, approve, take effect — scoped and audited.

The handover checklist (:mod:`.handover`) and the vacancies (:mod:`.vacancies`)
build on this module, which never imports them.

ORG-2: the town centre reports a departure; the village head, the town centre
head and the city employment office give their opinions through the core's
approval chain; once approved and the planned date has come, the assistant is
departed through ``people.set_status`` (which ends the post assignment, makes
the post vacant and tells every plugin through ``xinyi_person_changed``).
"""
from __future__ import annotations

import datetime as dt
import logging
from typing import Any, Mapping

import peewee as pw

from xinyi_core import (Alert, ApprovalChain, ConflictError, FormErrors, NotFound, OffPostAlert, Operator, Person,
                        ValidationError, XinyiError, alerts, approvals, audit, auth, clock, database, org, people,
                        runtime, t)
from xinyi_core.approvals import StepSpec

from .. import rules
from ..models import Departure, HandoverItem

KIND = "departure"  # the approval chain kind
log = logging.getLogger(__name__)


# --------------------------------------------------------------------------- reads

def visible(op: Operator, state: str | None = None) -> pw.ModelSelect:
    """Departures of people in ``op``'s scope, newest planned date first."""
    auth.require(op, "departure.view")
    q = auth.scope_of(op).restrict(Departure.select(), Departure.person)
    if state:
        q = q.where(Departure.state == state)
    return q.order_by(Departure.planned_on.desc(), Departure.id.desc())


def get(op: Operator, departure_id: int) -> Departure:
    """One departure, if its person is in ``op``'s scope (else refused and audited)."""
    auth.require(op, "departure.view")
    dep = Departure.get_or_none(Departure.id == departure_id)
    if dep is None:
        raise NotFound("departure.error.not_found")
    if not auth.scope_of(op).contains_person(dep.person):
        auth.deny(op, "departure.view", obj=dep, person_id=dep.person_id, key="auth.out_of_scope")
    return dep


def listing(op: Operator, state: str | None = None) -> list[Departure]:
    """The departure list of a screen: :func:`visible`, each with its person loaded."""
    return list(visible(op, state).select(Departure, Person).join(Person))


def reportable_people(op: Operator) -> list[Person]:
    """The assistants in ``op``'s scope a departure may be reported for (not departed), by name."""
    return list(auth.scope_of(op).people().where(Person.status != "departed").order_by(Person.name_initials))


def handover_open(op: Operator) -> int:
    """How many approved or effective departures in ``op``'s scope still have items not handed over."""
    open_items = HandoverItem.select(HandoverItem.departure).where(HandoverItem.confirmed_at.is_null())
    return (visible(op).where(Departure.state.in_(("approved", "departed")) & Departure.id.in_(open_items))
            .count())


def chain_of(dep: Departure) -> ApprovalChain | None:
    return approvals.for_subject(KIND, dep.id)


def open_for(person_id: int) -> Departure | None:
    return Departure.get_or_none((Departure.person == person_id) & Departure.state.in_(rules.OPEN_STATES))


def handover_items(dep: Departure) -> list[HandoverItem]:
    return list(HandoverItem.select().where(HandoverItem.departure == dep).order_by(HandoverItem.seq))


# --------------------------------------------------------------------------- writes

def report(op: Operator, person_id: int, data: Mapping[str, Any]) -> Departure:
    """The town centre reports a departure on 附件5 and the chain starts (ORG-2)."""
    auth.require(op, "departure.report", person_id=person_id)
    person = people.get(op, person_id)  # scope checked and audited by the core
    _check_reportable(person)
    errors = rules.report_errors(data)
    if errors:
        raise FormErrors(errors)
    with database.atomic():
        dep = Departure.create(
            person=person, town=person.town_id, post_id=person.post_id,
            category=rules.category_from(data["category"]), planned_on=rules.parse_date(data["planned_on"]),
            reason=str(data.get("reason") or "").strip(), requests=str(data.get("requests") or "").strip(),
            state="pending", source="manual", created_by_id=op.id, created_at=clock.now())
        _add_default_items(dep)
        _start_chain(op, dep, person)
        audit.record(op, "departure.report", dep, person_id=person.id, after=audit.snapshot(dep))
    return dep


def propose_from_alert(alert: Alert) -> Departure | None:
    """ATT-6: an off-post alert becomes a pre-filled 解除合同 report for the town head to confirm.

    Called from ``xinyi_alert_raised``; the system acts (audited without an
    operator). Nothing is proposed for someone already departed or with an open report.
    """
    payload = alerts.payload_of(alert, OffPostAlert)  # typed: a category code, never the alert's text
    if payload is None or alert.person_id is None:
        return None
    person = Person.get_by_id(alert.person_id)
    if person.status == "departed" or open_for(person.id) is not None:
        return None
    fill = rules.proposal(payload, clock.today())
    with database.atomic():
        dep = Departure.create(
            person=person, town=person.town_id, post_id=person.post_id, category=fill["category"],
            planned_on=fill["planned_on"], reason=fill["reason"], state="proposed", source="attendance",
            alert_id=alert.id, proposal=alert.data, created_at=clock.now())
        _add_default_items(dep)
        audit.record(None, "departure.propose", dep, person_id=person.id, after=audit.snapshot(dep),
                     note=f"alert {alert.id} {alert.rule}")
    return dep


def confirm(op: Operator, departure_id: int, changes: Mapping[str, Any] | None = None) -> Departure:
    """The town head confirms a proposed departure (optionally adjusting it); the chain starts."""
    dep = get(op, departure_id)
    auth.require(op, "departure.confirm", obj=dep, person_id=dep.person_id)
    if dep.state != "proposed":
        raise ValidationError("state", "departure.error.not_proposed")
    if dep.person.status == "departed":  # gone another way since the alert (another report, or the city)
        raise ValidationError("person", "departure.error.already_departed")
    merged = {"category": dep.category, "planned_on": dep.planned_on, "reason": dep.reason,
              "requests": dep.requests, **{k: v for k, v in (changes or {}).items() if v not in (None, "")}}
    errors = rules.report_errors(merged)
    if errors:
        raise FormErrors(errors)
    before = audit.snapshot(dep)
    with database.atomic():
        _claim(dep, "pending")
        dep.category = rules.category_from(merged["category"])
        dep.planned_on = rules.parse_date(merged["planned_on"])
        dep.reason, dep.requests = str(merged["reason"]).strip(), str(merged["requests"] or "").strip()
        dep.state, dep.confirmed_by_id, dep.confirmed_at = "pending", op.id, clock.now()
        dep.save()
        _start_chain(op, dep, dep.person)
        audit.record(op, "departure.confirm", dep, person_id=dep.person_id, before=before,
                     after=audit.snapshot(dep))
    _close_alert(op, dep, t("departure.proposal.note_confirmed"))
    return dep


def decline(op: Operator, departure_id: int, reason: str) -> Departure:
    """The town head declines a proposed departure, with a reason (e.g. the absence was excused)."""
    dep = get(op, departure_id)
    auth.require(op, "departure.confirm", obj=dep, person_id=dep.person_id)
    if dep.state != "proposed":
        raise ValidationError("state", "departure.error.not_proposed")
    if not reason.strip():
        raise ValidationError("reason", "departure.error.reason_required")
    before = audit.snapshot(dep)
    with database.atomic():
        _claim(dep, "declined")
        dep.state, dep.decline_reason = "declined", reason.strip()
        dep.confirmed_by_id, dep.confirmed_at = op.id, clock.now()
        dep.save()
        audit.record(op, "departure.decline", dep, person_id=dep.person_id, before=before,
                     after=audit.snapshot(dep), note=reason.strip())
    _close_alert(op, dep, t("departure.proposal.note_declined", reason=reason.strip()))
    return dep


def decide(op: Operator, departure_id: int, approve: bool, opinion: str = "") -> Departure:
    """Record ``op``'s opinion on the chain's current step (the core checks role and unit)."""
    dep = get(op, departure_id)
    chain = chain_of(dep)
    if chain is None:
        raise ValidationError("chain", "departure.error.no_chain")
    approvals.decide(op, chain, approve, opinion)
    return Departure.get_by_id(dep.id)


def withdraw(op: Operator, departure_id: int, reason: str = "") -> Departure:
    dep = get(op, departure_id)
    chain = chain_of(dep)
    if chain is None:
        raise ValidationError("chain", "departure.error.no_chain")
    approvals.withdraw(op, chain, reason)
    return Departure.get_by_id(dep.id)


def on_chain_finished(chain: ApprovalChain) -> None:
    """``xinyi_approval_finished``: record the outcome; an approval already due takes effect now."""
    if chain.kind != KIND:
        return
    dep = Departure.get_or_none(Departure.id == chain.subject_id)
    if dep is None or dep.state != "pending":
        return
    dep.state, dep.decided_at = rules.state_after_chain(chain.state), clock.now()
    dep.save(only=[Departure.state, Departure.decided_at])
    if rules.is_due(dep.state, dep.planned_on, clock.today()):
        execute(dep)


def apply_due(today: dt.date | None = None) -> list[Departure]:
    """Every approved departure whose planned date has come takes effect (the daily job)."""
    today = today or clock.today()
    due = Departure.select().where((Departure.state == "approved") & (Departure.planned_on <= today))
    return [dep for dep in due.order_by(Departure.planned_on, Departure.id) if execute(dep)]


def execute(dep: Departure) -> bool:
    """Make the departure effective from its planned date; True if it now is.

    The system acts as the city-office operator who approved the last step:
    ``people.set_status`` needs an operator holding ``people.status`` and
    ``people.depart``, and the audit trail then names the person whose approval
    made it happen. The approved chain goes along as the change's ``basis``:
    it is what :func:`direct_departure_vetoes` lets through (ORG-2). Safe to
    run twice: a person already departed is just recorded.
    """
    actor = approvals.approver_of(chain_of(dep))
    if actor is None:  # not (or no longer) an approved chain: nothing to carry out
        log.warning("departure %s has no approved chain to take effect from", dep.id)
        return False
    on = dep.planned_on
    note = t("departure.audit.executed", id=dep.id, category=rules.category_label(dep.category))
    try:
        person = people.set_status(actor, dep.person_id, "departed", on=on, reason=note, basis=chain_of(dep))
    except XinyiError as exc:  # vetoed by a plugin, approver gone …: retried by tomorrow's run
        log.warning("departure %s could not take effect: %s", dep.id, exc)
        audit.record(actor, "departure.execute", dep, person_id=dep.person_id, allowed=False,
                     note=t("departure.audit.failed", error=str(exc)))
        return False
    with database.atomic():
        before = audit.snapshot(dep)
        dep.state, dep.departed_on = "departed", person.departed_on or on
        dep.wages_stopped_on = dep.insurance_stopped_on = dep.departed_on  # 附件5 note 2
        dep.executed_by_id, dep.executed_at = actor.id, clock.now()
        dep.save()
        audit.record(actor, "departure.execute", dep, person_id=dep.person_id, before=before,
                     after=audit.snapshot(dep), note=f"{note}；{t('departure.audit.by_system')}")
    return True


def direct_departure_vetoes(person: Person, new_status: str, basis: ApprovalChain | None) -> list[str]:
    """ORG-2: ``xinyi_status_change_vetoes`` — 离职 only from this plugin's own finished chain.

    A departure is reported on 附件5 and approved by the city employment office;
    in a town with this plugin no operator (town head or city) sets it directly.
    The change is let through only when ``basis`` is, *in the database*, an
    approved departure chain whose report is this person's and approved — the
    path :func:`execute` takes. Nothing else is trusted: not a flag, not the
    chain object's own fields, not who is calling.
    """
    if new_status != "departed":
        return []
    chain = ApprovalChain.get_or_none(ApprovalChain.id == basis.id) if basis is not None else None
    if chain is not None and chain.kind == KIND and chain.state == "approved":
        dep = Departure.get_or_none(Departure.id == chain.subject_id)
        if dep is not None and dep.person_id == person.id and dep.state == "approved":
            return []
    return [t("departure.error.direct")]


# --------------------------------------------------------------------------- helpers

def _claim(dep: Departure, new_state: str) -> None:
    """Move a proposal on exactly once: of two heads deciding at the same moment, the second is told."""
    n = Departure.update(state=new_state).where((Departure.id == dep.id) & (Departure.state == "proposed")).execute()
    if n != 1:
        raise ValidationError("state", "departure.error.not_proposed")


def _check_reportable(person: Person) -> None:
    if person.status == "departed":
        raise ValidationError("person", "departure.error.already_departed")
    if open_for(person.id) is not None:
        raise ConflictError("departure.error.open_exists")


def _start_chain(op: Operator, dep: Departure, person: Person) -> ApprovalChain:
    """ORG-2: village head (her village) → town centre head (her town) → city employment office."""
    units = {"village_head": person.village, "town_head": person.town, "city_office": org.city()}
    online = Operator.select().where((Operator.role == "village_head") & (Operator.scope == person.village_id)
                                     & (Operator.active == True)).exists()  # noqa: E712
    roles = rules.chain_roles(village_online=online)
    return approvals.start(op, KIND, dep, [StepSpec(role, units[role]) for role in roles], person=person)


def _add_default_items(dep: Departure) -> None:
    labels = runtime().config.setting("departure", "handover_items") or []
    for seq, label in enumerate(labels, start=1):
        HandoverItem.create(departure=dep, seq=seq, label=label.strip())


def _close_alert(op: Operator, dep: Departure, note: str) -> None:
    """The ATT-6 alert asked for this decision: close it (if it is still open and visible to ``op``)."""
    if dep.alert_id is None:
        return
    if alerts.open_for(op, dep.alert_id) is not None:  # open, and addressed to op
        alerts.close(op, dep.alert_id, note)
