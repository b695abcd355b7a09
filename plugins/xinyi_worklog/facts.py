"""What the work log tells the other plugins through hooks: 附件1 item 4 (工作日志及政策咨询) as an
assessment fact, from the year's recorded monthly checks and the city's spot-check findings
(WORK-2, ASM-5). Read for the system, not for an operator."""
from __future__ import annotations

from xinyi_core import AssessmentFact, Person, t

from . import rules
from .models import MonthlyCheck, SpotCheck, SpotCheckItem
from .service import setting


def assessment_facts(person: Person, year: int) -> list[AssessmentFact]:
    """附件1 item 4 from the year's recorded monthly checks (value: points deducted)."""
    checks = list(MonthlyCheck.select().where((MonthlyCheck.person == person.id)
                                             & MonthlyCheck.period.startswith(f"{year}-"))
                  .order_by(MonthlyCheck.period))
    problems = list(SpotCheckItem.select(SpotCheckItem, SpotCheck).join(SpotCheck)
                    .where((SpotCheckItem.person == person.id) & (SpotCheckItem.result == "problem")
                           & SpotCheck.period.startswith(f"{year}-"))
                    .order_by(SpotCheck.period, SpotCheckItem.id))
    return _assessment_facts(checks, problems)


def assessment_facts_bulk(people: list[Person], year: int) -> dict[int, list[AssessmentFact]]:
    """``xinyi_assessment_facts_bulk``: :func:`assessment_facts` for a town's people, two queries."""
    ids = [p.id for p in people]
    checks: dict[int, list[MonthlyCheck]] = {}
    for c in (MonthlyCheck.select().where(MonthlyCheck.person.in_(ids) & MonthlyCheck.period.startswith(f"{year}-"))
              .order_by(MonthlyCheck.person, MonthlyCheck.period)):
        checks.setdefault(c.person_id, []).append(c)
    problems: dict[int, list[SpotCheckItem]] = {}
    for i in (SpotCheckItem.select(SpotCheckItem, SpotCheck).join(SpotCheck)
              .where(SpotCheckItem.person.in_(ids) & (SpotCheckItem.result == "problem")
                     & SpotCheck.period.startswith(f"{year}-"))
              .order_by(SpotCheck.period, SpotCheckItem.id)):
        problems.setdefault(i.person_id, []).append(i)
    return {pid: _assessment_facts(checks.get(pid, []), problems.get(pid, [])) for pid in ids}


def _assessment_facts(checks: list[MonthlyCheck], problems: list[SpotCheckItem]) -> list[AssessmentFact]:
    missing = sum(c.missing_days for c in checks)
    thin = sum(c.thin_entries for c in checks)
    score = rules.item4(missing, thin, missing_rule=setting("missing_rule"))
    evidence = [t("worklog.fact.month", period=c.period, missing=c.missing_days, thin=c.thin_entries,
                  days="、".join(d[5:] for d in (c.evidence or {}).get("missing", [])) or t("worklog.none"))
                for c in checks if c.missing_days or c.thin_entries]
    evidence += [t("worklog.fact.spot", period=i.spot.period, findings=i.findings) for i in problems]
    label = t("worklog.fact.label", months=len(checks), missing=missing, thin=thin,
              deduction=f"{score.deduction:g}", score=f"{score.score:g}", points=f"{score.points:g}") \
        if checks else t("worklog.fact.unchecked", points=f"{score.points:g}")
    return [AssessmentFact(rule="WORK-2", label=label, value=score.deduction, item=rules.ITEM4,
                           evidence=tuple(evidence))]
