"""One approval mechanism for every multi-step sign-off.

A chain is a list of steps, each naming the role that decides and the org node
the approver must have in scope (village head of *this* village, town head of
*this* town, the city office). Steps are decided strictly in order, each with
an opinion (意见), approver and time. Any step may reject, which ends the chain;
the creator may withdraw a pending chain. An approved chain may later be
cancelled (撤销) with a reason, which the chain keeps as its last step; the
plugin that owns it decides who may and until when. Leave (ATT-4), departure
(ORG-2) and the annual registration form (ASM-6) all use it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import peewee as pw

from . import audit, auth, bulk, clock
from .db import database
from .errors import ConflictError, PermissionDenied, ValidationError
from .i18n import t
from .models import ApprovalChain, ApprovalStep, OrgUnit, Operator, Person
from .state import runtime


@dataclass(frozen=True)
class StepSpec:
    role: str
    unit: OrgUnit


def start(op: Operator, kind: str, subject: pw.Model, steps: Sequence[StepSpec], *,
          person: Person | None = None) -> ApprovalChain:
    """Open a chain for ``subject`` (a plugin's record). Call inside the plugin's transaction."""
    if not steps:
        raise ValidationError("steps", "approval.no_steps")
    for spec in steps:  # a step nobody can ever decide would leave the chain pending forever
        if auth.ROLE_LEVEL.get(spec.role) != spec.unit.kind or spec.role == "assistant":
            raise ValidationError("steps", "approval.bad_step", role=spec.role, kind=spec.unit.kind)
    with database.atomic():
        chain = ApprovalChain.create(
            kind=kind, subject_type=type(subject).__name__, subject_id=subject.get_id(),
            person=person, town=person.town_id if person else None, created_by=op, created_at=clock.now())
        for i, spec in enumerate(steps):
            ApprovalStep.create(chain=chain, seq=i, role=spec.role, unit=spec.unit)
        audit.record(op, "approval.start", chain, person_id=person.id if person else None,
                     after={"kind": kind, "steps": [f"{s.role}@{s.unit.code}" for s in steps]})
    return chain


def steps(chain: ApprovalChain) -> list[ApprovalStep]:
    return list(ApprovalStep.select().where(ApprovalStep.chain == chain).order_by(ApprovalStep.seq))


def steps_by_subject(kind: str, subject_ids: Sequence[int]) -> dict[int, list[ApprovalStep]]:
    """subject id → the steps of its latest chain of ``kind`` (as :func:`for_subject` then :func:`steps`),
    for many subjects in two queries, each step's ``decided_by`` loaded with it (a year's printed
    forms would otherwise ask three queries a form)."""
    latest: dict[int, int] = {}
    ids = list(subject_ids)
    for k in range(0, len(ids), 2000):  # bound the IN list
        for chain_id, subject_id in (ApprovalChain.select(ApprovalChain.id, ApprovalChain.subject_id)
                                     .where((ApprovalChain.kind == kind) & ApprovalChain.subject_id.in_(ids[k:k + 2000]))
                                     .order_by(ApprovalChain.id).tuples()):
            latest[subject_id] = chain_id  # the last one wins, as for_subject's newest first
    out: dict[int, list[ApprovalStep]] = {sid: [] for sid in latest}
    by_chain = {chain_id: sid for sid, chain_id in latest.items()}
    chains = list(by_chain)
    deciders: dict[int, Operator] = {}
    for k in range(0, len(chains), 2000):
        # the steps, then who decided them: not joined (peewee made an operator object of every joined row,
        # a third of a city's stub books' reading)
        steps = bulk.objects(ApprovalStep.select().where(bulk.in_ids(ApprovalStep.chain, chains[k:k + 2000]))
                             .order_by(ApprovalStep.chain, ApprovalStep.seq))
        wanted = {st.decided_by_id for st in steps if st.decided_by_id is not None} - deciders.keys()
        if wanted:
            deciders.update((op.id, op) for op in bulk.objects(Operator.select().where(bulk.in_ids(Operator.id, wanted))))
        for step in steps:
            if step.decided_by_id is not None:
                step.__rel__["decided_by"] = deciders[step.decided_by_id]
            out[by_chain[step.chain_id]].append(step)
    return out


def current_step(chain: ApprovalChain) -> ApprovalStep | None:
    if chain.state != "pending":
        return None
    return (ApprovalStep.select().where((ApprovalStep.chain == chain) & ApprovalStep.decision.is_null())
            .order_by(ApprovalStep.seq).first())


def may_decide(op: Operator, step: ApprovalStep) -> bool:
    return op.role == step.role and auth.scope_of(op).contains_unit(step.unit)


def waiting_for(op: Operator, kind: str | None = None) -> list[ApprovalChain]:
    """Pending chains whose current step ``op`` may decide (for the home screen)."""
    scope = auth.scope_of(op)
    if scope.level == "self":
        return []
    units = scope.units().select(OrgUnit.id)
    earlier = ApprovalStep.alias()
    earlier_open = earlier.select().where((earlier.chain == ApprovalStep.chain) & (earlier.seq < ApprovalStep.seq)
                                          & earlier.decision.is_null())
    q = (ApprovalStep.select(ApprovalStep, ApprovalChain).join(ApprovalChain)
         .where((ApprovalChain.state == "pending") & ApprovalStep.decision.is_null()
                & (ApprovalStep.role == op.role) & ApprovalStep.unit.in_(units)
                & ~pw.fn.EXISTS(earlier_open)))  # the current step: no earlier step still open
    if kind:
        q = q.where(ApprovalChain.kind == kind)
    q = q.order_by(ApprovalChain.created_at, ApprovalChain.id)  # oldest first, the same on every database
    return [s.chain for s in q]


def decide(op: Operator, chain: ApprovalChain, approve: bool, opinion: str = "") -> ApprovalChain:
    """Record ``op``'s decision on the chain's current step.

    A refusal is audited *before* any transaction opens, so the audit row is
    not rolled back together with the refused attempt.
    """
    chain = ApprovalChain.get_by_id(chain.id)  # fresh: another operator may have acted
    step = current_step(chain)
    if step is None:
        raise ValidationError("chain", "approval.not_pending")
    if not may_decide(op, step):
        if any(s.decision and may_decide(op, s) for s in steps(chain)):  # her step, decided a moment ago
            raise ConflictError("approval.step_taken")  # a lost race, not a refused attempt
        audit.record(op, "approval.decide", chain, person_id=chain.person_id, allowed=False,
                     note=f"step {step.seq}")
        raise PermissionDenied("approval.not_your_step")
    if not approve and not opinion.strip():
        raise ValidationError("opinion", "approval.reason_required")
    decision = "approved" if approve else "rejected"
    with database.atomic():
        n = (ApprovalStep.update(decision=decision, opinion=opinion.strip(), decided_by=op, decided_at=clock.now())
             .where((ApprovalStep.id == step.id) & ApprovalStep.decision.is_null()
                    & ApprovalStep.chain.in_(ApprovalChain.select(ApprovalChain.id).where(
                        (ApprovalChain.id == chain.id) & (ApprovalChain.state == "pending"))))
             .execute())
        if n != 1:  # decided or withdrawn by someone else in the meantime
            if ApprovalChain.get_by_id(chain.id).state != "pending":
                raise ValidationError("chain", "approval.not_pending")
            raise ConflictError("approval.step_taken")
        finished = not approve or current_step(chain) is None
        if finished:
            chain.state = decision
            chain.finished_at = clock.now()
            # conditional: a withdrawal committed meanwhile (PostgreSQL) must not be overwritten
            if not (ApprovalChain.update(state=decision, finished_at=chain.finished_at)
                    .where((ApprovalChain.id == chain.id) & (ApprovalChain.state == "pending")).execute()):
                raise ValidationError("chain", "approval.not_pending")
        audit.record(op, "approval.decide", chain, person_id=chain.person_id,
                     after={"step": step.seq, "decision": decision, "opinion": opinion.strip(), "state": chain.state})
        if finished:
            _finished(chain)
    return chain


def outcome(chain: ApprovalChain) -> str:
    """The notice after a decision: what happened and what comes next, in Chinese.

    ``已同意，转镇中心负责人审批`` while a step is still open (its approver's role named),
    ``已同意，审批完成`` once the last step approved, ``未同意，审批结束`` after a refusal —
    never the bare state (``已审批：审批中``). Every plugin's decision notice says it this way.
    """
    chain = ApprovalChain.get_by_id(chain.id)  # as the decision left it
    step = current_step(chain)
    if step is not None:
        return t("approval.next", role=t(f"role.{step.role}"))
    return t(f"approval.outcome.{chain.state}")


def withdraw(op: Operator, chain: ApprovalChain, reason: str = "") -> ApprovalChain:
    """The creator (or the person concerned, the 申请人) takes back a pending chain."""
    chain = ApprovalChain.get_by_id(chain.id)
    if chain.state != "pending":
        raise ValidationError("chain", "approval.not_pending")
    if op.id != chain.created_by_id and not (op.person_id and op.person_id == chain.person_id):
        audit.record(op, "approval.withdraw", chain, person_id=chain.person_id, allowed=False)
        raise PermissionDenied("approval.not_creator")
    with database.atomic():
        n = (ApprovalChain.update(state="withdrawn", finished_at=clock.now())
             .where((ApprovalChain.id == chain.id) & (ApprovalChain.state == "pending")).execute())
        if n != 1:
            raise ValidationError("chain", "approval.not_pending")
        chain = ApprovalChain.get_by_id(chain.id)
        audit.record(op, "approval.withdraw", chain, person_id=chain.person_id, note=reason)
        _finished(chain)
    return chain


def cancel(op: Operator, chain: ApprovalChain, reason: str) -> ApprovalChain:
    """Cancel (撤销) an approved chain: a last step records who cancelled it, when, and why.

    The owning plugin checks who may cancel and until when (leave: the town
    head, before the leave starts), calls this inside its own transaction and
    updates its record there. ``xinyi_approval_finished`` is not called again:
    the chain ended once, when it was approved. The step carries the decision
    ``cancelled`` so forms can print the approvals apart from the cancellation.
    """
    chain = ApprovalChain.get_by_id(chain.id)  # fresh: another operator may have acted
    if chain.town_id is not None and not auth.scope_of(op).contains_unit(chain.town):
        auth.deny(op, "approval.cancel", obj=chain, person_id=chain.person_id, key="auth.out_of_scope")
    if chain.state != "approved":
        raise ValidationError("chain", "approval.not_approved")
    if not reason.strip():
        raise ValidationError("reason", "approval.cancel_reason_required")
    with database.atomic():
        # conditional: a second cancellation committed meanwhile (PostgreSQL) must not add a second step
        if not (ApprovalChain.update(state="cancelled")
                .where((ApprovalChain.id == chain.id) & (ApprovalChain.state == "approved")).execute()):
            raise ValidationError("chain", "approval.not_approved")
        last = ApprovalStep.select(pw.fn.MAX(ApprovalStep.seq)).where(ApprovalStep.chain == chain.id).scalar()
        ApprovalStep.create(chain=chain, seq=(last or 0) + 1, role=op.role, unit=op.scope_id, decision="cancelled",
                            opinion=reason.strip(), decided_by=op, decided_at=clock.now())
        chain = ApprovalChain.get_by_id(chain.id)
        audit.record(op, "approval.cancel", chain, person_id=chain.person_id, before={"state": "approved"},
                     after={"state": "cancelled"}, note=reason.strip())
    return chain


def approver_of(chain: ApprovalChain | None) -> Operator | None:
    """The operator who gave an approved chain its final approval (the last step's approver).

    None while the chain is pending, and for a chain that ended otherwise
    (rejected, withdrawn, cancelled): only a finished approval has an approver to
    act in the name of — a departure taking effect is audited as hers (ORG-2).
    """
    if chain is None or chain.state != "approved":
        return None
    step = (ApprovalStep.select().where((ApprovalStep.chain == chain.id) & (ApprovalStep.decision == "approved"))
            .order_by(ApprovalStep.seq.desc()).first())
    return step.decided_by if step is not None else None


def for_subject(kind: str, subject_id: int) -> ApprovalChain | None:
    return (ApprovalChain.select().where((ApprovalChain.kind == kind) & (ApprovalChain.subject_id == subject_id))
            .order_by(ApprovalChain.id.desc()).first())


def _finished(chain: ApprovalChain) -> None:
    """Tell the plugins, inside the transaction that ended the chain.

    The chain's end and what the plugins make of it (the leave approved, the
    departure taking effect) commit together or not at all: a process killed
    in between must not leave a chain approved and its leave still pending,
    with nothing left to finish it. A hook that raises undoes the decision.
    """
    # Every plugin hears it (each filters on chain.kind): a town that disabled a
    # plugin while its chains were pending must not leave that plugin's records stuck.
    runtime().plugins.hook.xinyi_approval_finished(chain=chain)
