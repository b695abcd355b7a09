"""Scoped, audited writes and scoped reads of the annual assessment — ASM-3 .. ASM-7, ATT-5.

Facts come from whichever plugins the town enabled, through the
``xinyi_assessment_facts`` hook; a source that is missing simply leaves its
item to the assessor. Every deduction carries a reason, every change is
audited, and the score, the failed flag and the grade the score earns are
recomputed from the deductions and vetoes after each change.

The routine (monthly) assessment is :mod:`.monthly` (ASM-2), the year's
routine results read for the annual assessor and the panel :mod:`.routine`
(ASM-3); this module builds on them, never the reverse.
"""
from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from xinyi_core import (
    ApprovalChain,
    AssessmentFact,
    Operator,
    OrgUnit,
    PermissionDenied,
    Person,
    ValidationError,
    approvals,
    audit,
    auth,
    bulk,
    clock,
    database,
    org,
    runtime,
)
from xinyi_core import facts as published  # the facts other plugins publish (not this module's fact rows)
from xinyi_core.approvals import StepSpec

from .. import rules
from ..models import Assessment, ItemDeduction, TownPackage, Veto
from ..rules import scheme as scheme_mod
from ..rules.scheme import Scheme
from . import routine

PLUGIN = "assessment"
REG_KIND = "assessment.registration"  # ASM-6: the three opinions of 附件2
ATT5 = rules.ATT5


def setting(name: str) -> Any:
    return runtime().config.setting(PLUGIN, name)


def scheme_for(town_code: str | None = None) -> Scheme:
    """The scoring scheme (附件1) ``town_code`` uses under the running configuration (ASM-5)."""
    return scheme_mod.load(scheme_mod.path_for(town_code, runtime().config))


def thresholds() -> dict[str, float]:
    return {k: float(v) for k, v in (setting("grades") or rules.DEFAULT_THRESHOLDS).items()}


def cap_for(full_time: int) -> int:
    return rules.excellent_cap(full_time, float(setting("excellent_ratio") or 0.2),
                               setting("excellent_rounding") or "floor")


def _check_town(op: Operator, action: str, town: OrgUnit) -> None:
    auth.require(op, action)
    if not auth.scope_of(op).contains_unit(town):
        auth.deny(op, action, obj=town)


def get(op: Operator, assessment_id: int) -> Assessment:
    a = Assessment.get_or_none(Assessment.id == assessment_id)
    if a is None or not auth.scope_of(op).contains_person(a.person):
        audit.record(op, "assessment.view", object_type="Assessment", object_id=assessment_id, allowed=False)
        raise PermissionDenied("auth.out_of_scope")
    return a


def visible(op: Operator, year: int, town: OrgUnit | None = None) -> Any:
    q = Assessment.select(Assessment, Person).join(Person).where(Assessment.year == year)
    if town is not None:
        q = q.where(Assessment.town == town)
    return auth.scope_of(op).restrict(q, Assessment.person).order_by(Assessment.town, Person.name_initials, Person.id)


def vetoed(op: Operator, year: int, town: OrgUnit | None = None) -> set[int]:
    """The ids of the sheets of :func:`visible` a veto fails (ASM-4, ATT-5): the scoring list's mark."""
    sheets = visible(op, year, town).select(Assessment.id).order_by()
    return {v.assessment_id for v in Veto.select(Veto.assessment).where(Veto.assessment.in_(sheets))}


@dataclass(frozen=True)
class SheetDetail:
    """One sheet and what the assessor reads beside it (ASM-3, ASM-5)."""

    sheet: Assessment
    deductions: list[ItemDeduction]  # by item
    vetoes: list[Veto]
    routine: routine.RoutineYear  # the year's routine results: evidence, not points


def sheet_detail(op: Operator, assessment_id: int) -> SheetDetail:
    """The sheet's deductions, vetoes and routine year, if it lies in ``op``'s scope (else refused, audited)."""
    a = get(op, assessment_id)
    deductions = list(ItemDeduction.select().where(ItemDeduction.assessment == a)
                      .order_by(ItemDeduction.item, ItemDeduction.id))
    vetoes = list(Veto.select().where(Veto.assessment == a).order_by(Veto.id))
    return SheetDetail(a, deductions, vetoes, routine.routine_year(a.person, a.year))


def routine_of(op: Operator, assessment_id: int, *, detail: bool = False) -> tuple[Assessment, routine.RoutineYear]:
    """The sheet and its assistant's routine year (ASM-2 → ASM-3), if in ``op``'s scope; ``detail``
    reads each reviewed month's work and 出勤情况 too (the month-by-month view)."""
    a = get(op, assessment_id)
    return a, routine.routine_year(a.person, a.year, detail=detail)


def scheme_of(op: Operator, assessment_id: int) -> Scheme:
    """The scheme the sheet is scored on: its town's (ASM-5), if the sheet is in ``op``'s scope."""
    return scheme_for(get(op, assessment_id).town.code)


def registration(op: Operator, assessment_id: int) -> ApprovalChain | None:
    """The sheet's registration chain (附件2's opinions, ASM-6), if started and in ``op``'s scope."""
    return approvals.for_subject(REG_KIND, get(op, assessment_id).id)


def full_time(town: OrgUnit) -> list[Person]:
    """The town's full-time assistants on duty (the base of the 20% cap, ASM-3)."""
    return list(Person.select().where((Person.town == town) & (Person.status == "on_duty"))
                .order_by(Person.name_initials, Person.id))


def package(town: OrgUnit, year: int) -> TownPackage:
    return TownPackage.get_or_create(town=town, year=year)[0]


def _editable(a: Assessment) -> None:
    if package(a.town, a.year).state == "submitted":
        raise ValidationError("assessment", "assessment.error.submitted")


# ------------------------------------------------------------------ opening the round, facts

def open_round(op: Operator, town: OrgUnit, year: int) -> list[Assessment]:
    """Create (or refresh) every full-time assistant's sheet for ``year``, pre-filled from facts.

    The whole town at once, in a handful of statements: a town of 1,300 assistants took ~8
    statements per sheet one by one (get-or-create, the fact rows replaced, the score read back
    and saved), most of a 20,000-assistant demo's build."""
    _check_town(op, "assessment.score", town)
    sch = scheme_for(town.code)
    with database.atomic():
        pkg = package(town, year)
        if pkg.state == "submitted":
            raise ValidationError("assessment", "assessment.error.submitted")
        staff = full_time(town)
        known = published.assessment_facts(staff, year)  # every plugin's facts for the town: the bulk hooks
        sheets = _sheets(staff, town, year, sch)
        _apply_facts_many(sheets, sch, known)
        audit.record(op, "assessment.open", pkg, after={"year": year, "count": len(sheets)})
    return sheets


def _sheets(staff: list[Person], town: OrgUnit, year: int, sch: Scheme) -> list[Assessment]:
    """Each of ``staff``'s sheet for ``year``, in ``staff``'s order: those missing are made."""
    ids = [p.id for p in staff]

    def existing() -> dict[int, Assessment]:
        return {a.person_id: a for a in bulk.objects(
            Assessment.select().where(bulk.in_ids(Assessment.person, ids) & (Assessment.year == year)))}

    have = existing()
    missing = [(pid, town.id, year, sch.version, Assessment.updated_at.db_value(clock.now()))
               for pid in ids if pid not in have]
    if missing:
        bulk.insert(Assessment, ("person", "town", "year", "scheme_version", "updated_at"), missing)
        have = existing()
    return [have[pid] for pid in ids]


def _apply_facts_many(sheets: list[Assessment], sch: Scheme,
                      known: dict[int, list[AssessmentFact]]) -> None:
    """:func:`apply_facts` for many sheets: their fact-sourced deductions and vetoes replaced (the
    assessor's entries stay), each rescored."""
    ids = [a.id for a in sheets]
    ItemDeduction.delete().where(bulk.in_ids(ItemDeduction.assessment, ids)
                                 & (ItemDeduction.source != "assessor")).execute()
    Veto.delete().where(bulk.in_ids(Veto.assessment, ids) & (Veto.source != "assessor")).execute()
    points: dict[int, dict[int, list[float]]] = {a_id: {} for a_id in ids}  # what stays: the assessor's
    for a_id, item_no, p in (ItemDeduction.select(ItemDeduction.assessment, ItemDeduction.item, ItemDeduction.points)
                             .where(bulk.in_ids(ItemDeduction.assessment, ids)).tuples()):
        points[a_id].setdefault(item_no, []).append(p)
    vetoed = set(Veto.select(Veto.assessment, Veto.code).where(bulk.in_ids(Veto.assessment, ids)).tuples())
    items = {i.no: i for i in sch.items}
    evidence = ItemDeduction.evidence.db_value
    deductions, vetoes = [], []
    for a in sheets:
        kept = []
        for f in known[a.person_id]:
            kept.append({"rule": f.rule, "label": f.label, "value": f.value, "item": f.item, "veto": f.veto,
                         "evidence": list(f.evidence)})
            item = items.get(f.item) if f.item is not None else None
            if item is not None and f.rule in item.facts and f.value > 0:  # ASM-5: pre-filled from data
                rule = item.deduction(item.facts[f.rule])
                p = rules.deduction_points(item, rule, f.value)
                deductions.append((a.id, item.no, rule.key, f.value, p, f.label, f.rule, evidence(list(f.evidence))))
                points[a.id].setdefault(item.no, []).append(p)
            if f.veto and (a.id, f.rule) not in vetoed:
                vetoes.append((a.id, f.rule, f.label, f.rule, evidence(list(f.evidence))))
                vetoed.add((a.id, f.rule))
        a.facts = kept
    bulk.insert(ItemDeduction, ("assessment", "item", "rule", "units", "points", "reason", "source", "evidence"),
                deductions)
    bulk.insert(Veto, ("assessment", "code", "reason", "source", "evidence"), vetoes)
    failed = {a_id for a_id, _ in vetoed}
    bar = thresholds()
    for a in sheets:
        _rescore(a, sch, points[a.id], a.id in failed, bar)
    names = ("facts", "total", "failed", "earned", "grade", "updated_at")
    cols = [Assessment._meta.fields[n] for n in names]
    bulk.update(Assessment, names, [[c.db_value(getattr(a, c.name)) for c in cols] + [a.id] for a in sheets])


def apply_facts(a: Assessment, sch: Scheme, facts: Iterable[AssessmentFact]) -> None:
    """Replace the fact-sourced deductions and vetoes of ``a`` (the assessor's entries stay)."""
    _apply_facts_many([a], sch, {a.person_id: list(facts)})


def _points(a: Assessment) -> dict[int, list[float]]:
    """The points of ``a``'s deductions, by item."""
    by_item: dict[int, list[float]] = {}
    for item_no, p in ItemDeduction.select(ItemDeduction.item, ItemDeduction.points).where(
            ItemDeduction.assessment == a).tuples():
        by_item.setdefault(item_no, []).append(p)
    return by_item


def _rescore(a: Assessment, sch: Scheme, points: dict[int, list[float]], failed: bool, bar: Any) -> None:
    """Score, failed flag (ASM-4, ATT-5) and the grade the score earns, from ``a``'s deductions'
    ``points`` by item; a panel's grade better than the score now earns is dropped."""
    a.total = rules.total_score(rules.item_score(i, points.get(i.no, [])) for i in sch.items)
    a.failed = failed
    a.earned = rules.grade_for(a.total, bar, failed=failed)
    if a.grade and rules.GRADES.index(a.grade) < rules.GRADES.index(a.earned):
        a.grade = None  # the panel's grade no longer holds: it must grade again
    a.updated_at = clock.now()


def recompute(a: Assessment, sch: Scheme) -> Assessment:
    """Score, failed flag (ASM-4, ATT-5) and the grade the score earns."""
    _rescore(a, sch, _points(a), Veto.select().where(Veto.assessment == a).exists(), thresholds())
    a.save()
    return a


# ------------------------------------------------------------------ the assessor's entries

def clean_deduction(values: dict[str, Any]) -> tuple[int, str, float]:
    """The deduction form's rule (``"item:key"``) and units as :func:`deduct` takes them (ASM-5);
    ``ValidationError("units", …)`` for units that are no number ("两次", "", nan) or below zero."""
    item, _, key = str(values.get("rule") or "").partition(":")
    if not item.isdigit():
        raise ValidationError("rule", "tui.form.required")
    try:
        units = float(values.get("units") or "")
    except ValueError:  # "两次", "" …: not a number at all
        raise ValidationError("units", "assessment.error.bad_units") from None
    if not math.isfinite(units):
        raise ValidationError("units", "assessment.error.bad_units")
    if units < 0:
        raise ValidationError("units", "assessment.error.negative_units")
    return int(item), key, units


def deduct(op: Operator, assessment_id: int, item_no: int, key: str, units: float, reason: str) -> ItemDeduction:
    """ASM-5: a deduction the assessor enters, with its reason (required)."""
    a = get(op, assessment_id)
    _check_town(op, "assessment.score", a.town)
    _editable(a)
    if not reason.strip():
        raise ValidationError("reason", "assessment.error.reason_required")
    sch = scheme_for(a.town.code)
    item = sch.item(item_no)
    rule = item.deduction(key)
    with database.atomic():
        d = ItemDeduction.create(assessment=a, item=item_no, rule=key, units=float(units),
                                 points=rules.deduction_points(item, rule, float(units)), reason=reason.strip(),
                                 entered_by_id=op.id)
        before = a.total
        recompute(a, sch)
        audit.record(op, "assessment.deduct", d, person_id=a.person_id, before={"total": before},
                     after={"item": item_no, "rule": key, "units": units, "points": d.points, "total": a.total,
                            "reason": reason.strip()})
    return d


def remove_deduction(op: Operator, deduction_id: int) -> None:
    d = ItemDeduction.get_or_none(ItemDeduction.id == deduction_id)
    if d is None:
        raise ValidationError("deduction", "assessment.error.not_found")
    a = get(op, d.assessment_id)
    _check_town(op, "assessment.score", a.town)
    _editable(a)
    if d.source != "assessor":  # facts are refreshed from their source, not deleted by hand
        raise ValidationError("deduction", "assessment.error.fact_deduction")
    with database.atomic():
        audit.record(op, "assessment.undeduct", d, person_id=a.person_id, before=audit.snapshot(d))
        d.delete_instance()
        recompute(a, scheme_for(a.town.code))


def add_veto(op: Operator, assessment_id: int, code: str, reason: str) -> Veto:
    """ASM-4 veto items (``veto-1`` … ``veto-3``) or ATT-5 entered by hand, each with its reason."""
    a = get(op, assessment_id)
    _check_town(op, "assessment.score", a.town)
    _editable(a)
    sch = scheme_for(a.town.code)
    if code not in veto_codes(sch):
        raise ValidationError("code", "assessment.error.bad_veto", code=code)
    if not reason.strip():
        raise ValidationError("reason", "assessment.error.reason_required")
    with database.atomic():
        v, _ = Veto.get_or_create(assessment=a, code=code, defaults=dict(reason=reason.strip()))
        recompute(a, sch)
        audit.record(op, "assessment.veto", v, person_id=a.person_id, after={"code": code, "reason": reason.strip()})
    return v


def veto_codes(sch: Scheme) -> list[str]:
    return [f"veto-{v.no}" for v in sch.vetoes] + [ATT5]


def set_summary(op: Operator, assessment_id: int, text: str) -> Assessment:
    """ASM-6: the personal summary (德、能、勤、绩、廉) printed on 附件2."""
    a = get(op, assessment_id)
    _check_town(op, "assessment.score", a.town)
    _editable(a)
    with database.atomic():
        before = a.summary
        a.summary = text.strip()
        a.save()
        audit.record(op, "assessment.summary", a, person_id=a.person_id, before={"summary": before},
                     after={"summary": a.summary})
    return a


# ------------------------------------------------------------------ the panel (ASM-3)

def panel(op: Operator, town: OrgUnit, year: int) -> tuple[list[rules.Ranked], int, int]:
    """The ranking the panel grades from, the 优秀 cap and the number of full-time assistants."""
    _check_town(op, "assessment.view", town)
    rows = [(a.person_id, a.person.name, a.total, a.failed) for a in visible(op, year, town)]
    n = len(full_time(town))
    return rules.ranking(rows, thresholds()), cap_for(n), n


def assign_grades(op: Operator, town: OrgUnit, year: int, grades: dict[int, str],
                  explanations: dict[int, str] | None = None) -> None:
    """The panel's grades for the whole town at once (cap and 不合格 explanations checked).

    Each grade's audit row keeps the routine results the panel had before it (ASM-3: graded
    「结合日常考核成绩」) — the one-line summary, as evidence, not as points.
    """
    _check_town(op, "assessment.grade", town)
    ranked, cap, _ = panel(op, town, year)
    explanations = explanations or {}
    sheets = {a.person_id: a for a in visible(op, year, town)}
    if set(grades) != set(sheets):
        raise ValidationError("grade", "assessment.error.grade_everyone")
    rules.check_panel_grades(ranked, grades, cap, {pid: explanations.get(pid) or sheets[pid].explanation
                                                    for pid in grades})
    with database.atomic():
        pkg = package(town, year)
        if pkg.state == "submitted":
            raise ValidationError("assessment", "assessment.error.submitted")
        routines = routine.routine_years(list(grades), year)
        for pid, grade in grades.items():
            a = sheets[pid]
            before = {"grade": a.grade}
            a.grade = grade
            if pid in explanations:
                a.explanation = explanations[pid].strip()
            a.save()
            audit.record(op, "assessment.grade", a, person_id=pid, before=before,
                         after={"grade": grade, "explanation": a.explanation,
                                "routine": routines[pid].summary()})
        pkg.state, pkg.graded_at = "graded", clock.now()
        pkg.save()


def start_registration(op: Operator, assessment_id: int) -> Any:
    """ASM-6: 附件2's opinions — town centre, city employment office, bureau — via the core chain."""
    a = get(op, assessment_id)
    _check_town(op, "assessment.score", a.town)
    if not a.grade:
        raise ValidationError("grade", "assessment.error.not_graded")
    existing = approvals.for_subject(REG_KIND, a.id)
    if existing is not None and existing.state in ("pending", "approved"):
        return existing
    city = org.city()
    return approvals.start(op, REG_KIND, a, [StepSpec("town_head", a.town), StepSpec("city_office", city),
                                             StepSpec("bureau", city)], person=a.person)


def submit_package(op: Operator, town: OrgUnit, year: int) -> TownPackage:
    """The town sends 附件1–3 to the city (due before 20 January): every sheet must be graded."""
    _check_town(op, "assessment.grade", town)
    pkg = package(town, year)
    if pkg.state != "graded" or Assessment.select().where(
            (Assessment.town == town) & (Assessment.year == year) & Assessment.grade.is_null()).exists():
        raise ValidationError("package", "assessment.error.not_graded")
    from xinyi_core import alerts

    with database.atomic():
        pkg.state, pkg.submitted_at, pkg.submitted_by_id = "submitted", clock.now(), op.id
        pkg.save()
        audit.record(op, "assessment.submit", pkg, after={"year": year, "town": town.code})
    for kind in ("remind", "overdue"):
        alerts.close_by_key(PLUGIN, f"{kind}:{year}:{town.code}", "已报送")
    return pkg


def overview(op: Operator, year: int) -> list[dict[str, Any]]:
    """The city view as ``op`` reads it: :func:`progress` of the towns in her scope (the city: all)."""
    auth.require(op, "assessment.view")
    return progress(year, auth.scope_of(op).restrict_towns(org.towns(), OrgUnit.id))


def progress(year: int, towns: Any = None) -> list[dict[str, Any]]:
    """Every town's progress and grade distribution (the city's cover sheet; ``towns`` narrows it)."""
    out = []
    for town in (towns if towns is not None else org.towns()).order_by(OrgUnit.code):
        sheets = list(Assessment.select(Assessment.grade).where((Assessment.town == town) & (Assessment.year == year)))
        pkg = TownPackage.get_or_none((TownPackage.town == town) & (TownPackage.year == year))
        dist = {g: sum(1 for a in sheets if a.grade == g) for g in rules.GRADES}
        out.append({"town": town, "on_roll": len(full_time(town)), "assessed": len(sheets),
                    "graded": sum(1 for a in sheets if a.grade), "grades": dist,
                    "state": pkg.state if pkg else "not_started"})
    return out
