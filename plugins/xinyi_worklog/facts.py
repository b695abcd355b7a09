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
    missing = sum(c.missing_days for c in checks)
    thin = sum(c.thin_entries for c in checks)
    score = rules.item4(missing, thin, missing_rule=setting("missing_rule"))
    evidence = [t("worklog.fact.month", period=c.period, missing=c.missing_days, thin=c.thin_entries,
                  days="、".join(d[5:] for d in (c.evidence or {}).get("missing", [])) or t("worklog.none"))
                for c in checks if c.missing_days or c.thin_entries]
    problems = (SpotCheckItem.select(SpotCheckItem, SpotCheck).join(SpotCheck)
                .where((SpotCheckItem.person == person.id) & (SpotCheckItem.result == "problem")
                       & SpotCheck.period.startswith(f"{year}-")))
    evidence += [t("worklog.fact.spot", period=i.spot.period, findings=i.findings) for i in problems]
    label = t("worklog.fact.label", months=len(checks), missing=missing, thin=thin,
              deduction=f"{score.deduction:g}", score=f"{score.score:g}", points=f"{score.points:g}") \
        if checks else t("worklog.fact.unchecked", points=f"{score.points:g}")
    return [AssessmentFact(rule="WORK-2", label=label, value=score.deduction, item=rules.ITEM4,
                           evidence=tuple(evidence))]
