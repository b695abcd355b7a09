"""The work-log edit screens, one :class:`FormScreen` each: an entry, a visit or call, closing
it, the search filter, the town's monthly check and correction, the city's spot check and
its finding. A refused save shows the service's Chinese message beside the field.
"""
from __future__ import annotations

from typing import Any

from xinyi_core import Operator, ValidationError, auth, clock, t, translator, validators
from xinyi_core.tui.screens import FormScreen
from xinyi_core.tui.widgets import FormField

from . import rules, service
from .models import LogEntry, RegisterItem, SpotCheckItem
from .service import checks, register

tr = translator("worklog.tui")
YES_NO = [(t("worklog.yes"), "yes"), (t("worklog.no"), "no")]


def _duties() -> list[tuple[str, str]]:
    return [(d, d) for d in service.duties()]


def _towns(op: Operator) -> list[tuple[str, int]]:
    return [(u.name, u.id) for u in auth.scope_of(op).units() if u.kind == "town"]


# --------------------------------------------------------------------------- the assistant

def entry_form(op: Operator, entry: LogEntry | None) -> FormScreen:
    """New or edit: the day defaults to today, the duty to the last one used (fast entry, WORK-2)."""
    talk = entry.consultations.first() if entry else None
    v = {"day": (entry.day if entry else clock.today()).isoformat(),
         "category": entry.category if entry else service.last_category(op),
         **{f: getattr(entry, f) if entry else "" for f in service.TEXT_FIELDS},
         "served": talk.served if talk else "", "question": talk.question if talk else "",
         "answer": talk.answer if talk else "", "save_as": entry.state if entry else "submitted"}
    fields = [FormField("day", t("worklog.form.day"), v["day"], required=True, kind="day"),
              FormField("category", t("worklog.form.category"), v["category"], _duties(), required=True),
              *(FormField(f, t(f"worklog.form.{f}"), v[f]) for f in service.TEXT_FIELDS),
              FormField("served", t("worklog.form.served"), v["served"], placeholder=tr("consult")),
              FormField("question", t("worklog.form.question"), v["question"]),
              FormField("answer", t("worklog.form.answer"), v["answer"]),
              FormField("save_as", tr("save_as"), v["save_as"],
                        [(t("worklog.state.submitted"), "submitted"), (t("worklog.state.draft"), "draft")],
                        required=True)]

    several = entry is not None and entry.consultations.count() > 1  # the form shows one: keep the rest

    def save(values: dict[str, Any]) -> LogEntry:
        talks = None if several else [{k: values[k] for k in ("served", "question", "answer")}]
        return service.save(op, values, entry_id=entry.id if entry else None,
                            submit=values["save_as"] == "submitted", consultations=talks)

    return FormScreen(tr("edit_title" if entry else "new_title"), fields, save, hint=tr("entry_hint"))


def register_form(op: Operator) -> FormScreen:
    """WORK-1: who came or called and the matter are enough; the time defaults to now."""
    fields = [FormField("party", tr("col_party"), required=True),
              FormField("matter", tr("col_matter"), required=True),
              FormField("handling", t("worklog.book.col.handling")),
              FormField("channel", tr("col_channel"), "visit",
                        [(t(f"worklog.channel.{c}"), c) for c in ("visit", "call")], required=True),
              FormField("party_kind", t("worklog.book.col.party"), "citizen",
                        [(t(f"worklog.party.{c}"), c) for c in ("citizen", "employer")], required=True),
              FormField("phone", t("person.field.phone")),
              FormField("at", tr("col_at"), placeholder="09:30"),
              FormField("referred", t("worklog.book.col.referred"), "no", YES_NO, required=True),
              FormField("resolved", tr("resolved"), "no", YES_NO, required=True)]

    def save(values: dict[str, Any]) -> RegisterItem:
        return register.record(op, {**values, "referred": values["referred"] == "yes"},
                               resolved=values["resolved"] == "yes")

    return FormScreen(tr("register_title"), fields, save, hint=tr("register_hint"))


def close_form(op: Operator, item_id: int) -> FormScreen:
    """WORK-1: an open matter is closed with a note on how it ended."""
    return FormScreen(tr("close_title"), [FormField("note", tr("close_note"), required=True)],
                      lambda v: register.close(op, item_id, v["note"]))


def filter_form(op: Operator, current: dict[str, Any]) -> FormScreen:
    """The search's dates, duty and — for an operator over several towns — town; it dismisses
    with the filters (dates parsed). A town's or village's operator gets no town choice."""
    towns = _towns(op)
    fields = [FormField("start", tr("start"), current.get("start") or "", kind="day"),
              FormField("end", tr("end"), current.get("end") or "", kind="day"),
              FormField("category", tr("col_category"), current.get("category"), _duties())]
    if len(towns) > 1:
        fields.append(FormField("town_id", tr("col_town"), current.get("town_id"), towns))

    def apply(values: dict[str, Any]) -> dict[str, Any]:
        today = clock.today()
        out = {k: values.get(k) or None for k in ("category", "town_id")}
        for k in ("start", "end"):
            out[k] = rules.parse_day(values[k], today) if values[k] else None
            if values[k] and out[k] is None:
                raise ValidationError(k, "worklog.err.date", example=validators.date_example(today))
        return out

    return FormScreen(tr("filter_title"), fields, apply)


def filter_text(op: Operator, filters: dict[str, Any]) -> str:
    """The filters in force, as the search's status line says them: dates, duty, the town's name."""
    start, end = filters.get("start"), filters.get("end")
    parts = []
    if start or end:
        parts.append(tr("filter_dates", start=start.isoformat() if start else "", end=end.isoformat() if end else ""))
    if filters.get("category"):
        parts.append(filters["category"])
    if filters.get("town_id"):
        parts.append(dict((i, name) for name, i in _towns(op)).get(filters["town_id"], ""))
    return "、".join(p for p in parts if p)


# --------------------------------------------------------------------------- the town

def check_form(op: Operator, found: checks.Checklist, period: str) -> FormScreen:
    """WORK-2: what the check finds above, the checker's remarks; saving locks the month."""
    detail = tr("check_detail", days=found.working_days, entries=found.entries, missing=len(found.missing),
                dates="、".join(f"{d:%m-%d}" for d in found.missing) or t("worklog.none"),
                thin=len(found.thin), open=len(found.open_items),
                excused="、".join(f"{d:%m-%d}" for d in found.excused) or t("worklog.none"))
    return FormScreen(tr("check_title", name=found.person.name, period=period),
                      [FormField("remarks", tr("remarks"))],
                      lambda v: checks.record_check(op, found.person.id, period, v["remarks"]), detail=detail)


def correction_form(op: Operator, entry: LogEntry) -> FormScreen:
    """WORK-2: the town corrects an entry (of a locked month) with a reason; the original is kept."""
    fields = [FormField("category", t("worklog.form.category"), entry.category, _duties(), required=True),
              *(FormField(f, t(f"worklog.form.{f}"), getattr(entry, f)) for f in service.TEXT_FIELDS),
              FormField("reason", tr("correct_reason"), required=True)]

    def save(values: dict[str, Any]) -> Any:
        changes = {f: values[f] for f in service.CORRECTABLE if values[f] != getattr(entry, f)}
        return service.correct(op, entry.id, changes, values["reason"])

    return FormScreen(tr("correct_title", day=entry.day.isoformat()), fields, save)


# --------------------------------------------------------------------------- the city

def spot_form(op: Operator) -> FormScreen:
    """WORK-2: a month, how many (blank: everyone), a town. The random pick's seed is drawn and
    recorded with the check (the same seed picks the same people), never asked for or shown."""
    fields = [FormField("period", tr("period"), rules.previous_period(clock.today()), required=True),
              FormField("size", tr("spot_size"), "10"),
              FormField("town", tr("spot_town"), None, _towns(op))]

    def start(values: dict[str, Any]) -> Any:
        try:
            rules.month_bounds(values["period"])
        except ValueError:
            raise ValidationError("period", "worklog.err.period") from None
        return checks.start_spot_check(op, values["period"], size=rules.int_or_none(values, "size"),
                                       town_id=values["town"] or None)

    return FormScreen(tr("spot_new"), fields, start)


def finding_form(op: Operator, item: SpotCheckItem) -> FormScreen:
    """WORK-2: what the city's reviewer found in one picked assistant's log (a problem says what)."""
    fields = [FormField("result", tr("col_result"), item.result or "ok",
                        [(t(f"worklog.spot_result.{r}"), r) for r in ("ok", "problem")], required=True),
              FormField("findings", tr("col_findings"), item.findings)]
    return FormScreen(tr("finding_title", name=item.person.name), fields,
                      lambda v: checks.record_finding(op, item.id, v["result"], v["findings"]))
