"""The assessment edit screens, one :class:`FormScreen` each: a deduction and a veto on an annual
sheet (ASM-4, ASM-5), the personal summary (ASM-6), an opinion on the registration form (ASM-6),
the panel's 不合格 explanation (ASM-7) and the review of a month (ASM-2).

Each saves through the service, whose Chinese errors land beside their fields;
the deduction's units are checked live by the service's own parsing
(:func:`service.clean_deduction`).
"""
from __future__ import annotations

from typing import Any, Callable

from xinyi_core import ApprovalChain, Operator, approvals, t, translator
from xinyi_core.tui.screens import FormScreen, PromptScreen
from xinyi_core.tui.widgets import FormField, form_check

from . import rules, service
from .service import monthly

tr = translator("assessment.screen")


def deduct_form(op: Operator, assessment_id: int) -> FormScreen:
    """ASM-5: a deduction the assessor enters on one of the sheet's scheme's items, with its reason."""
    sch = service.scheme_of(op, assessment_id)
    choices = [(f"{i.no} {d.label}（{tr('whole') if d.whole else f'{d.per_unit:g}/{d.unit}'}）", f"{i.no}:{d.key}")
               for i in sch.items for d in i.deductions]
    fields = [FormField("rule", tr("f_rule"), choices[0][1], choices=choices, required=True),
              FormField("units", tr("f_units"), "1", required=True),
              FormField("reason", tr("f_reason"), required=True)]

    def save(values: dict[str, Any]) -> Any:
        item, key, units = service.clean_deduction(values)
        return service.deduct(op, assessment_id, item, key, units, values["reason"])

    return FormScreen(tr("deduct"), fields, save, check=form_check(service.clean_deduction))


def veto_form(op: Operator, assessment_id: int) -> FormScreen:
    """ASM-4 (or ATT-5 by hand): which veto fails the year, and why."""
    codes = service.veto_codes(service.scheme_of(op, assessment_id))
    fields = [FormField("code", tr("f_veto"), codes[0], choices=[(rules.veto_title(c), c) for c in codes],
                        required=True),
              FormField("reason", tr("f_reason"), required=True)]
    return FormScreen(tr("veto"), fields, lambda v: service.add_veto(op, assessment_id, v["code"], v["reason"]))


def summary_form(op: Operator, assessment_id: int) -> FormScreen:
    """ASM-6: the personal summary (德、能、勤、绩、廉) printed on 附件2."""
    return PromptScreen(tr("summary"), tr("summary_label"), lambda text: service.set_summary(op, assessment_id, text))


def opinion_form(op: Operator, chain: ApprovalChain) -> FormScreen:
    """ASM-6: the current approver's opinion on the registration form (may be left empty)."""
    return PromptScreen(tr("opinion"), tr("opinion_label"), lambda text: approvals.decide(op, chain, True, text),
                        required=False, done=approvals.outcome)  # 已同意，转镇中心负责人审批


def explanation_form(keep: Callable[[str], None]) -> FormScreen:
    """ASM-7: the written explanation a 不合格 needs; kept by the panel until it saves the grades."""
    return PromptScreen(tr("explanation"), tr("explanation_label"), keep)


def review_form(op: Operator, row: monthly.MonthRow, period: str, result: str) -> FormScreen:
    """ASM-2: the work done and the note on attendance — after the month's counts, confirmed as they
    are or annotated; without a plugin counting attendance, the whole 出勤情况."""
    counted = row.counted
    note = t("assessment.monthly.field_note" if counted else "assessment.monthly.field_attendance")
    fields = [FormField("work", t("assessment.monthly.field_work"), row.work, required=True),
              FormField("note", note, row.note)]
    detail = t("assessment.monthly.counted", facts=counted) if counted else t("assessment.monthly.none_counted")
    return FormScreen(
        tr("month_review_of", name=row.name, result=t("assessment.monthly.result." + result)), fields,
        lambda v: monthly.review(op, row.person_id, period, attendance=v["note"] or "", work=v["work"],
                                 result=result), detail=detail)
